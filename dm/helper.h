/* The detached scrub helper.
 *
 * exec ends every thread of the launcher, so whatever must keep watching
 * xenstore after qemu starts lives in a separate process, forked before
 * the exec and detached from it: double fork and a new session, so it is
 * never qemu's child (qemu would never reap it: a zombie for the guest's
 * lifetime) and never holds qemu's controlling terminal.
 *
 * The helper watches the plan's backend class directories and
 * @releaseDomain, scrubs stale devices as they appear (dm/scrub.c
 * decides, dm/scrubber.c removes), and exits when the scrub window ends
 * or within a second of the domain dying.  It waits on xenstore watches
 * and on a timer thread's condition variable; it never polls.  It runs as
 * nobody with no_new_privs and a syscall allowlist: its only privilege is
 * the xenstore connection it opened before dropping the rest. */
#pragma once
#include "plan.h"
#include "sandbox.h"

/* Forks the helper for `plan` (call only when plan->helper is TRUE, and
 * while the launcher is still single-threaded: before any worker thread
 * exists).  Returns once the intermediate child has exited, with the
 * helper's pid in `pid`.  The helper logs to the inherited stderr as
 * "qemu-dm-launcher[helper PID]: ...". */
gboolean dm_helper_spawn(const DmPlan *plan, GPid *pid, GError **error);

/* The syscalls the helper may make once sandboxed; every other one fails
 * with EPERM.  NULL-terminated. */
extern const char *const dm_helper_syscalls[];

/* The helper's sandbox policy: rlimits, ids (uid/gid: the unprivileged
 * user to run as), no_new_privs, the allowlist above.  Pure. */
void dm_helper_sandbox_policy(DmSandboxPolicy *policy, uid_t uid, gid_t gid);
