/* Sandbox policies as plain data, and the launcher's two policies (qemu
 * and the background helpers).  Pure: no process state is read or
 * changed here; dm_sandbox_apply() (sandbox.h) applies a policy. */
#pragma once
#include "config.h"
#include "toolstack_args.h"

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
  /* Allowlist only: also allow clone, but only with the flags of a new
   * thread (CLONE_THREAD set, no CLONE_NEW* namespace flag), and make
   * clone3 fail with ENOSYS: its flags sit in a struct in memory, which a
   * filter cannot read, and on ENOSYS glibc falls back to clone.  So the
   * process can start threads but neither fork nor enter new namespaces.
   * Also allows prlimit64 on itself (pid 0), to lower RLIMIT_NPROC once
   * its threads run. */
  gboolean threads_only;
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

/* Adds (or replaces) an rlimit in the policy. */
void dm_sandbox_policy_set_rlimit(DmSandboxPolicy *policy, int resource, rlim_t limit);

/* Whether the policy changes anything at all. */
gboolean dm_sandbox_policy_is_empty(const DmSandboxPolicy *policy);

/* Whether the toolstack sends a serial port (or another character device)
 * to a file, which must be allowed to grow past rlimit-fsize. */
gboolean dm_request_serial_to_file(const DmRequest *request);

/* The policy the launcher applies to itself just before it execs qemu:
 *  - RLIMIT_FSIZE = rlimit-fsize unless serial output goes to a file
 *    (XSA-180: a guest must not fill dom0's disk through qemu's log);
 *  - RLIMIT_CORE = 0 unless core-dumps = true;
 *  - no_new_privs;
 *  - a denylist filter (EPERM) of syscalls no device model makes
 *    (loading kernels or modules, mounting, ptrace, bpf, ...).  It stacks
 *    under qemu's own -sandbox filter; it leaves alone what qemu needs for
 *    -chroot and -runas, which qemu applies itself after opening its
 *    devices, images and secrets as root.
 * The uid drop and chroot of dm-restrict are qemu's own -runas and
 * -chroot (see qemu_args.c): done before exec they would leave qemu
 * unable to open /dev/xen/privcmd and the disk images. */
void dm_sandbox_policy_for_qemu(const DmRequest *request, const DmDomainConfig *dc,
                                DmSandboxPolicy *policy);

/* The denylist used above (NULL-terminated), for tests. */
extern const char *const dm_qemu_denied_syscalls[];

/* The strict allowlist for the launcher's background helpers once their
 * set-up is done (fds opened, watches added): they only wait, read,
 * write to the log and remove files.  Everything else fails with EPERM.
 * A helper that needs more (a xenstore connection) builds its own list
 * from this one. */
extern const char *const dm_helper_allowed_syscalls[];
