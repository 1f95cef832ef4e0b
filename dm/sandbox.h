/* The one sandbox function, used for qemu and for the scrub helper.
 *
 * A DmSandboxPolicy is plain data: build it in pure code (tests compare
 * it), then hand it to dm_sandbox_apply() as the last step before exec
 * (qemu) or before the helper's work starts.  The policy does not own
 * anything it points at; keep those alive until dm_sandbox_apply returns. */
#pragma once
#include <glib.h>
#include <sys/resource.h>
#include <sys/types.h>

/* Process exit status when a step fails after privileges were partly
 * dropped: the process must not go on half dropped, so it ends here. */
#define DM_SANDBOX_ABORT_STATUS 127

#define DM_SANDBOX_MAX_RLIMITS 8

typedef struct {
  int resource;  /* RLIMIT_FSIZE, RLIMIT_CORE, ... */
  rlim_t limit;  /* set as both the soft and the hard limit */
} DmRlimit;

typedef enum {
  DM_SECCOMP_NONE,       /* no filter */
  DM_SECCOMP_ALLOWLIST,  /* listed syscalls run; every other one is denied */
  DM_SECCOMP_DENYLIST,   /* listed syscalls are denied; every other one runs */
} DmSeccompMode;

/* A libseccomp filter given as data. */
typedef struct {
  DmSeccompMode mode;
  /* Denied syscalls fail with this errno (e.g. EPERM, ENOSYS); 0 kills
   * the process instead (SCMP_ACT_KILL_PROCESS). */
  int deny_errno;
  /* NULL-terminated syscall names, resolved for the native architecture
   * by libseccomp.  A name the kernel headers do not know is an error
   * (caught before any privilege step). */
  const char *const *syscalls;
} DmSeccompPolicy;

typedef struct {
  DmRlimit rlimits[DM_SANDBOX_MAX_RLIMITS];
  guint n_rlimits;

  /* chroot into this directory (then chdir "/"); NULL: keep the root.
   * The directory must exist: creating it is the caller's side effect. */
  const char *chroot_dir;

  /* Switch to uid/gid with exactly these supplementary groups (real,
   * effective and saved ids all set); FALSE: keep the current ids. */
  gboolean change_ids;
  uid_t uid;
  gid_t gid;
  const gid_t *groups;  /* may be NULL when n_groups == 0: no groups */
  gsize n_groups;

  gboolean no_new_privs;  /* PR_SET_NO_NEW_PRIVS; forced on by a filter */
  DmSeccompPolicy seccomp;
} DmSandboxPolicy;

/* Adds (or replaces) an rlimit in the policy.  Pure. */
void dm_sandbox_policy_set_rlimit(DmSandboxPolicy *policy, int resource, rlim_t limit);

/* Whether the policy changes anything at all. */
gboolean dm_sandbox_policy_is_empty(const DmSandboxPolicy *policy);

/* Builds the libseccomp filter for a policy without loading it (NULL
 * with error for an unknown syscall name).  The result is a
 * scmp_filter_ctx; free with seccomp_release (or g_auto, seccomp_auto.h). */
void *dm_seccomp_build(const DmSeccompPolicy *seccomp, GError **error);

/* Applies the policy to the calling process, in this fixed order:
 *   rlimits, chroot, setgroups, setresgid, setresuid, no_new_privs, seccomp
 * The caller's next step is exec (or the helper's work).
 *
 * Until the first privilege step (chroot, or setgroups when there is no
 * chroot) a failure returns FALSE with `error` set and nothing privileged
 * has changed (rlimits may have been lowered).  From that step on, a
 * failure cannot be undone: the message is logged and the process exits
 * with DM_SANDBOX_ABORT_STATUS, so that it never continues half dropped.  In a multithreaded process only the
 * calling thread would be changed: call it single-threaded. */
gboolean dm_sandbox_apply(const DmSandboxPolicy *policy, GError **error);
