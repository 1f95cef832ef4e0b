/* Sandbox policies as plain data, and every policy the launcher applies,
 * one constructor each:
 *   dm_sandbox_policy_for_qemu           the launcher itself, just before
 *                                        it execs qemu;
 *   dm_sandbox_policy_for_scrub_helper   the detached scrub helper
 *                                        (helper.c), once its xenstore
 *                                        connection and watches are set up;
 *   dm_sandbox_policy_for_secret_reaper  the VNC password file's reaper
 *                                        (secret.c), once its watches are set.
 * Pure: no process state is read or changed here; dm_sandbox_apply()
 * (sandbox.h) applies a policy and knows no syscall list of its own. */
#pragma once
#include "config.h"
#include "toolstack_args.h"

#include <glib.h>
#include <sys/resource.h>
#include <sys/types.h>

#define DM_SANDBOX_MAX_RLIMITS 8

typedef struct {
  int resource; /* RLIMIT_FSIZE, RLIMIT_CORE, ... */
  rlim_t limit; /* set as both the soft and the hard limit */
} DmRlimit;

typedef enum {
  DM_SECCOMP_NONE,      /* no filter */
  DM_SECCOMP_ALLOWLIST, /* listed syscalls run; every other one is denied */
  DM_SECCOMP_DENYLIST,  /* listed syscalls are denied; every other one runs */
} DmSeccompMode;

/* How a DmSeccompRule looks at the syscall's first argument. */
typedef enum {
  DM_SECCOMP_ARG0_ANY,       /* not at all */
  DM_SECCOMP_ARG0_EQ,        /* arg0 == value */
  DM_SECCOMP_ARG0_MASKED_EQ, /* (arg0 & mask) == value */
} DmSeccompArg0Test;

/* One syscall with its own action, or with a condition on its first
 * argument (where the flags of clone and the pid of prlimit64 are). */
typedef struct {
  const char *syscall;
  int errno_value; /* 0: allow the call; otherwise it fails with this errno */
  DmSeccompArg0Test arg0_test;
  guint64 mask; /* DM_SECCOMP_ARG0_MASKED_EQ only */
  guint64 value;
} DmSeccompRule;

/* The fixed filters, one per sandboxed process.  The build compiles each
 * to BPF once (tools/seccomp_gen.c), so a launch loads it without
 * libseccomp; a policy with another list is CUSTOM (tests) and is built
 * by libseccomp when applied. */
typedef enum {
  DM_SECCOMP_POLICY_CUSTOM = 0,
  DM_SECCOMP_POLICY_QEMU,
  DM_SECCOMP_POLICY_SCRUB_HELPER,
  DM_SECCOMP_POLICY_SECRET_REAPER,
  DM_SECCOMP_POLICY_COUNT,
} DmSeccompPolicyId;

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
  /* Rules that look at the first argument or give their own answer,
   * added after the list above; terminated by an entry whose syscall is
   * NULL.  NULL: none. */
  const DmSeccompRule *rules;
  /* Which fixed filter this is (last, so that a CUSTOM policy can be
   * written positionally). */
  DmSeccompPolicyId id;
} DmSeccompPolicy;

/* The filter of a fixed policy (the one its dm_sandbox_policy_for_*
 * constructor sets); FALSE for CUSTOM or an id out of range. */
gboolean dm_seccomp_policy_named(DmSeccompPolicyId id, DmSeccompPolicy *out);

/* A short name for an id ("qemu", "scrub-helper", "secret-reaper";
 * "custom"), for the generated table and messages. */
const char *dm_seccomp_policy_id_name(DmSeccompPolicyId id);

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
  const gid_t *groups; /* may be NULL when n_groups == 0: no groups */
  gsize n_groups;

  gboolean no_new_privs; /* PR_SET_NO_NEW_PRIVS; forced on by a filter */
  DmSeccompPolicy seccomp;
} DmSandboxPolicy;

/* Adds (or replaces) an rlimit in the policy. */
void dm_sandbox_policy_set_rlimit(DmSandboxPolicy *policy, int resource, rlim_t limit);

/* Whether the policy changes anything at all. */
gboolean dm_sandbox_policy_is_empty(const DmSandboxPolicy *policy);

/* Whether the toolstack sends a serial port (or another character device)
 * to a file, which must be allowed to grow past rlimit-fsize. */
gboolean dm_request_serial_to_file(const DmRequest *request);

/* Why qemu gets no RLIMIT_FSIZE (XSA-180: a guest must not fill dom0's
 * disk through qemu's log) though rlimit-fsize asks for one, for the log
 * and the plan; NULL: it gets it.  The limit would also stop qemu's
 * writes to a disk image file: so none where serial output goes to a
 * file, where some image on argv is a file (`images_are_files`, found at
 * the edges), or where qemu may serve disks named only in xenstore. */
const char *dm_qemu_fsize_skipped(const DmRequest *request, gboolean images_are_files);

/* The policy the launcher applies to itself just before it execs qemu:
 *  - RLIMIT_FSIZE = rlimit-fsize unless dm_qemu_fsize_skipped() says why
 *    not;
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
                                gboolean images_are_files, DmSandboxPolicy *policy);

/* The detached scrub helper (helper.c) once its set-up is done: its own
 * uid and gid (helper-uid-base + domid, docs/helper-uids.md) with no
 * supplementary groups, RLIMIT_NOFILE 16 and RLIMIT_CORE 0, no_new_privs,
 * and an allowlist (EPERM) of what talking to xenstored over its open
 * socket takes, plus threads but no fork: clone with thread flags only,
 * clone3 answered ENOSYS, prlimit64 on itself (dm_helper_forbid_new_tasks
 * lowers RLIMIT_NPROC with it once its threads run). */
void dm_sandbox_policy_for_scrub_helper(uid_t uid, gid_t gid, DmSandboxPolicy *policy);

/* The secret reaper (secret.c) once its watches are set: chroot into
 * `run_dir` (which must outlive the policy), no_new_privs, and an
 * allowlist (EPERM) of waiting, logging and removing files.  It keeps its
 * ids (root: the file it removes is root's, mode 0600). */
void dm_sandbox_policy_for_secret_reaper(const char *run_dir, DmSandboxPolicy *policy);
