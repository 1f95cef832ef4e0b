/* The one sandbox function, used for qemu, the scrub helper and the
 * secret reaper.
 *
 * A DmSandboxPolicy is plain data: build it in pure code (tests compare
 * it), then hand it to dm_sandbox_apply() as the last step before exec
 * (qemu) or before the helper's work starts.  The policy does not own
 * anything it points at; keep those alive until dm_sandbox_apply returns. */
#pragma once
#include <glib.h>

/* The policies, and every syscall list, live in sandbox_policy.h. */
#include "sandbox_policy.h"

/* Exit status of a process whose sandbox failed after a privilege step:
 * it must not go on half dropped, so it ends there, before any exec.  Not
 * 127, which is the launcher's "qemu missing or its exec failed" (as a
 * shell's "command not found"): 125 is what GNU env(1), nice(1) and
 * timeout(1) use for a failure of their own before the command runs.  At
 * most 127, as libxl's spawn process passes a larger status on as 255.
 * The man page's EXIT STATUS lists it. */
#define DM_SANDBOX_ABORT_STATUS 125

/* Applies the policy to the calling process, in this fixed order:
 *   rlimits, chroot, setgroups, setresgid, setresuid, no_new_privs, seccomp
 * A fixed filter (policy->seccomp.id) is loaded as the BPF made at build
 * time (seccomp_prebuilt.h); a CUSTOM one, or any where the build made
 * none, is built by libseccomp first (seccomp_build.h).
 * The caller's next step is exec (or the helper's work).
 *
 * Until the first privilege step (chroot; else setgroups; else
 * no_new_privs) a failure returns FALSE with `error` set and nothing
 * privileged has changed (rlimits may have been lowered).  From that step
 * on, a failure cannot be undone: the message is logged and the process
 * exits with DM_SANDBOX_ABORT_STATUS, so that it never continues half
 * dropped.
 * In a multithreaded process only the calling thread would change: call
 * it while single-threaded. */
gboolean dm_sandbox_apply(const DmSandboxPolicy *policy, GError **error);
