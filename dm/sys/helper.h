/* The detached scrub helper.
 *
 * exec ends every thread of the launcher, so whatever must keep watching
 * xenstore after qemu starts lives in a separate process, forked before
 * the exec and detached from it: double fork and a new session, so it is
 * never qemu's child (qemu would never reap it: a zombie for the guest's
 * lifetime) and never holds qemu's controlling terminal.
 *
 * The helper watches the plan's backend class directories and
 * @releaseDomain, scrubs stale devices as they appear (dm/core/scrub.c
 * decides, dm/sys/scrub_apply.c removes), and exits when the scrub window ends
 * or when the domain instance it serves ends (destroyed, or its domid
 * reused), or within a second of the domain's release.  It waits on xenstore watches
 * and on a timer thread's condition variable; it never polls.  It runs as
 * a uid of its own (helper-uid-base + domid, docs/helper-uids.md) with
 * no_new_privs, a syscall allowlist and no way to fork: its only privilege
 * is the xenstore connection it opened before dropping the rest.  That
 * policy is dm_sandbox_policy_for_scrub_helper (sandbox_policy.c). */
#pragma once
#include "plan.h"
#include "sandbox.h"

/* Starts the helper for `plan` (call only when plan->helper is TRUE, and
 * while the launcher is still single-threaded: before any worker thread
 * exists) and returns at once: the intermediate process that detaches the
 * helper runs while the launcher goes on towards its exec.  Collect it
 * with dm_helper_collect() before the exec, or qemu inherits a zombie.
 * The helper logs to the inherited stderr as "qemu-dm-launcher[helper
 * PID]: ...". */
typedef struct {
  pid_t intermediate; /* 0: nothing started */
  int pid_pipe;       /* the intermediate writes the helper's pid here */
} DmHelperStart;

gboolean dm_helper_spawn(const DmPlan *plan, DmHelperStart *start, GError **error);

/* Reaps the intermediate and gives the helper's pid.  Waits only if the
 * intermediate has not finished yet. */
gboolean dm_helper_collect(DmHelperStart *start, GPid *pid, GError **error);

/* The helper's tasks: its main thread, the watchdog and timer threads,
 * and libxenstore's watch reader. */
#define DM_HELPER_TASKS 4

/* Once the helper's DM_HELPER_TASKS tasks run: RLIMIT_NPROC 0, so that no
 * clone (thread or fork) succeeds any more.  FALSE with errno on failure. */
gboolean dm_helper_forbid_new_tasks(void);
