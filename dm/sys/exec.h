/* The last step: check the qemu binary, audit fds, log argv, exec in place.
 *
 * Exec keeps our PID, which libxl recorded as image/device-model-pid and
 * later signals (SIGHUP on destroy); it also keeps the fds the toolstack
 * handed us (a pre-opened QMP socket "fd=N", "-incoming fd:N"). */
#pragma once
#include "plan.h"

/* The fds open when the launcher started: the toolstack's.  Call first
 * thing in main, before anything opens a file. */
typedef struct DmFdSet DmFdSet;
DmFdSet *dm_fds_snapshot(void);
void dm_fds_free(DmFdSet *set);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DmFdSet, dm_fds_free)
gboolean dm_fds_contains(const DmFdSet *set, int fd);
/* Adds an fd of ours that is meant to cross the exec (stub domain consoles). */
void dm_fds_add(DmFdSet *set, int fd);

/* Checks that `path` is an executable regular file. */
gboolean dm_check_executable(const char *path, GError **error);

/* Marks every fd that is not the toolstack's close-on-exec, so that only
 * the toolstack's fds cross into qemu.  Returns how many it had to mark
 * (each is a leak of ours, logged). */
guint dm_fds_seal(const DmFdSet *inherited);

/* Logs argv, applies qemu's sandbox and execs.  Returns only on failure,
 * with error set: DM_ERROR_EXEC when the exec failed (main exits 127), or
 * the sandbox's error when it failed before its first privilege step.  A
 * sandbox failure after that step does not return: the process ends with
 * DM_SANDBOX_ABORT_STATUS (125, sandbox.h). */
gboolean dm_exec_plan(const DmPlan *plan, const DmFdSet *inherited, GError **error);

/* The argv[0] to hand on to qemu: the caller's, unless it names the
 * launcher itself (by its program name, or a path to this very binary).
 * NULL then: qemu gets its own path. */
const char *dm_caller_argv0(const char *argv0);
