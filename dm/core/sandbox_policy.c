#include "sandbox_policy.h"

#include <errno.h>
#include <sched.h>
#include <string.h>

void
dm_sandbox_policy_set_rlimit(DmSandboxPolicy *policy, int resource, rlim_t limit)
{
  for (guint i = 0; i < policy->n_rlimits; i++)
    if (policy->rlimits[i].resource == resource) {
      policy->rlimits[i].limit = limit;
      return;
    }
  g_return_if_fail(policy->n_rlimits < DM_SANDBOX_MAX_RLIMITS);
  policy->rlimits[policy->n_rlimits].resource = resource;
  policy->rlimits[policy->n_rlimits].limit = limit;
  policy->n_rlimits++;
}

gboolean
dm_sandbox_policy_is_empty(const DmSandboxPolicy *policy)
{
  return policy->n_rlimits == 0 && policy->chroot_dir == NULL && !policy->change_ids &&
         !policy->no_new_privs && policy->seccomp.mode == DM_SECCOMP_NONE;
}

gboolean
dm_request_serial_to_file(const DmRequest *request)
{
  for (guint i = 0; i + 1 < request->args->len; i++) {
    const char *name = dm_option_name(g_ptr_array_index(request->args, i));
    const char *value = g_ptr_array_index(request->args, i + 1);
    if (name == NULL)
      continue;
    if ((strcmp(name, "serial") == 0 || strcmp(name, "parallel") == 0) &&
        g_str_has_prefix(value, "file:"))
      return TRUE;
    if (strcmp(name, "chardev") == 0 && g_str_has_prefix(value, "file,"))
      return TRUE;
  }
  return FALSE;
}

/* Reviewed against the syscalls Linux gained up to 6.x (December 2026).
 * Allowed on purpose, though new: pidfd_open and pidfd_send_signal (GLib's
 * child watch; they give no more than kill() without pidfd_getfd),
 * landlock_* (they only narrow the caller's own rights), map_shadow_stack
 * (glibc maps a thread's shadow stack with it where CET is on: denying it
 * breaks threads), memfd_create (qemu's guest RAM), futex_waitv, rseq,
 * clone3, cachestat, set_mempolicy_home_node (the caller's own memory and
 * files).  statmount, listmount and mseal are too new for Debian 12's
 * libseccomp to name; the first two only read the mount table, mseal
 * only seals the caller's own mappings. */
/* clang-format off */
static const char *const qemu_denied_syscalls[] = {
  /* replacing or extending the kernel */
  "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
  "reboot", "swapon", "swapoff", "acct",
  /* the mount table (chroot stays allowed: qemu's -chroot needs it) */
  "mount", "umount2", "pivot_root", "move_mount", "open_tree", "fsopen", "fsmount",
  "fsconfig", "fspick", "mount_setattr",
  /* other namespaces: a device model makes none and joins none */
  "setns", "unshare",
  /* other processes' memory and fds.  pidfd_getfd copied xenstored's
   * socket into a root qemu; kcmp tells which fds and mappings two
   * processes share; process_madvise and process_mrelease act on another
   * process's memory. */
  "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "kcmp",
  "process_madvise", "process_mrelease",
  /* kernel attack surface a device model has no use for.  io_uring: the
   * toolstacks' drives never ask for aio=io_uring, and qemu's main loop
   * falls back to ppoll/epoll when io_uring_setup fails.  memfd_secret:
   * memory hidden from the kernel, for nothing qemu-xen does.
   * fanotify_init: watching the host's files. */
  "bpf", "userfaultfd", "perf_event_open", "keyctl", "add_key", "request_key",
  "open_by_handle_at", "name_to_handle_at", "syslog", "quotactl", "quotactl_fd",
  "lookup_dcookie", "io_uring_setup", "io_uring_enter", "io_uring_register",
  "memfd_secret", "fanotify_init",
  /* the host's clock */
  "settimeofday", "clock_settime", "adjtimex", "clock_adjtime",
  NULL,
};
/* clang-format on */

/* XSA-180 wants qemu's log bounded, but RLIMIT_FSIZE is per process: the
 * kernel refuses any write at an offset past it, in the log and in a disk
 * image alike (EFBIG).  So the limit goes only where qemu writes no image
 * file. */
const char *
dm_qemu_fsize_skipped(const DmRequest *request, gboolean images_are_files)
{
  if (dm_request_serial_to_file(request))
    return "serial output goes to a file";
  if (images_are_files)
    return "qemu writes a disk image file";
  if (request->guest == DM_GUEST_PV || request->flavour == DM_FLAVOUR_TRADITIONAL)
    return "qemu may serve file-backed disks named in xenstore (qdisk, qemu-dm)";
  /* libxl's HVM qemu (machine xenfv) is also the qdisk backend of the
   * guest's disks that have no -drive: past the fourth, and anything
   * hot-plugged with xl block-attach.  What it may serve decides, not the
   * -drive list.  xenopsd's qemu (machine pc-*,accel=xen) serves only its
   * -drive images: XenServer's disks are tapdisk's and qemu-dp's, and its
   * wrapper caps qemu's file size itself. */
  if (request->guest == DM_GUEST_HVM && request->machine != NULL &&
      g_str_has_prefix(request->machine, "xenfv"))
    return "qemu is the qdisk backend of libxl's file-backed disks "
           "with no -drive (past the fourth, xl block-attach)";
  return NULL;
}

void
dm_sandbox_policy_for_qemu(const DmRequest *request, const DmDomainConfig *dc,
                           gboolean images_are_files, DmSandboxPolicy *policy)
{
  memset(policy, 0, sizeof(*policy));
  if (dc->rlimit_fsize > 0 && dm_qemu_fsize_skipped(request, images_are_files) == NULL)
    dm_sandbox_policy_set_rlimit(policy, RLIMIT_FSIZE, (rlim_t)dc->rlimit_fsize);
  if (!dc->core_dumps)
    dm_sandbox_policy_set_rlimit(policy, RLIMIT_CORE, 0);
  policy->no_new_privs = TRUE;
  dm_seccomp_policy_named(DM_SECCOMP_POLICY_QEMU, &policy->seccomp);
}

/* What the scrub helper does after dropping privileges: talk to xenstored
 * over the socket it already has (read/write), wait (futex, ppoll: the
 * libxenstore reader thread and its timer thread), create those two
 * threads, allocate, log to stderr, exit.  No open, no socket, no exec,
 * no kill: a compromised helper can only do xenstore requests, which a
 * dom0 toolstack process can do anyway.  Threads, but no fork and no new
 * namespaces: clone only with thread flags, clone3 answered ENOSYS so that
 * glibc falls back to clone (scrub_helper_rules), and RLIMIT_NPROC 0 once
 * its threads run (dm_helper_forbid_new_tasks). */
/* clang-format off */
static const char *const scrub_helper_syscalls[] = {
  /* xenstore socket and the log.  libxenstore 4.20 (Debian 13) sends each
   * request with one sendmsg(MSG_NOSIGNAL) where 4.17 wrote it between two
   * SIGPIPE rt_sigactions; without sendmsg here the helper's first
   * xs_watch fails with EPERM (strace of both; the nested 4.20 suite). */
  "read", "write", "readv", "writev", "sendmsg", "close", "poll", "ppoll",
  /* syslog = true: glibc's syslog() sends on the socket connected before
   * the filter (dm_log_reopen_syslog); no new socket can be made */
  "sendto",
  /* threads: libxenstore's watch reader and the timer */
  "futex", "set_robust_list", "rseq", "rt_sigprocmask",
  "sched_yield", "madvise", "mprotect",
  /* memory */
  "brk", "mmap", "munmap", "mremap",
  /* time and identity for log lines and deadlines */
  "clock_gettime", "clock_nanosleep", "gettimeofday", "getpid", "gettid",
  /* libxenstore ignores SIGPIPE around each request */
  "rt_sigaction", "rt_sigreturn", "restart_syscall",
  "newfstatat", "fstat", "lseek", "getrandom",
  /* Sanitizer builds: for every new thread the runtime sets an alternate
   * signal stack and asks glibc for the thread's attributes, which reads
   * its CPU mask.  Both only concern the calling thread. */
  "sigaltstack", "sched_getaffinity",
  "exit", "exit_group",
  NULL,
};
/* clang-format on */

/* The flags glibc's pthread_create passes to clone include CLONE_THREAD
 * (which the kernel only takes with CLONE_VM and CLONE_SIGHAND); fork and
 * posix_spawn never do.  The namespace flags are refused even with it. */
#define THREAD_FLAGS ((guint64)(CLONE_THREAD | CLONE_VM | CLONE_SIGHAND))
#define NAMESPACE_FLAGS                                                                            \
  ((guint64)(CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |         \
             CLONE_NEWPID | CLONE_NEWNET))

/* Threads, but neither fork nor new namespaces.  clone only with the
 * flags of a new thread (CLONE_THREAD set, no CLONE_NEW* flag).  clone3
 * fails with ENOSYS: its flags sit in a struct in memory, which a filter
 * cannot read, and on ENOSYS glibc falls back to clone.  prlimit64 on
 * itself only (pid 0), to set RLIMIT_NPROC to 0 once its threads run; an
 * unprivileged process can only lower its limits. */
static const DmSeccompRule scrub_helper_rules[] = {
  { "clone", 0, DM_SECCOMP_ARG0_MASKED_EQ, THREAD_FLAGS | NAMESPACE_FLAGS, THREAD_FLAGS },
  { "clone3", ENOSYS, DM_SECCOMP_ARG0_ANY, 0, 0 },
  { "prlimit64", 0, DM_SECCOMP_ARG0_EQ, 0, 0 },
  { NULL, 0, DM_SECCOMP_ARG0_ANY, 0, 0 },
};

void
dm_sandbox_policy_for_scrub_helper(uid_t uid, gid_t gid, DmSandboxPolicy *policy)
{
  memset(policy, 0, sizeof *policy);
  /* Room for 0-2, the xenstore socket and libxenstore's internals; no
   * core dumps (xenstore contents can be secrets, e.g. VNC passwords). */
  dm_sandbox_policy_set_rlimit(policy, RLIMIT_NOFILE, 16);
  dm_sandbox_policy_set_rlimit(policy, RLIMIT_CORE, 0);
  policy->change_ids = TRUE;
  policy->uid = uid;
  policy->gid = gid;
  policy->groups = NULL;
  policy->n_groups = 0;
  policy->no_new_privs = TRUE;
  dm_seccomp_policy_named(DM_SECCOMP_POLICY_SCRUB_HELPER, &policy->seccomp);
}

/* The secret reaper only waits (poll on a pidfd and an inotify fd), reads
 * inotify events, logs and removes two names.  No open, no chroot, no
 * mount, no socket: it stays root, so the chroot and this list are what
 * hold it. */
/* clang-format off */
static const char *const secret_reaper_syscalls[] = {
  /* waiting */
  "poll", "ppoll", "read", "clock_nanosleep", "nanosleep", "clock_gettime",
  "gettimeofday", "restart_syscall", "rt_sigreturn", "rt_sigprocmask",
  "sigaltstack", /* its own signal stack only; sanitizer runtimes use it at exit */
  /* logging through GLib (stderr) */
  "write", "writev", "getpid", "gettid", "futex", "newfstatat", "fstat", "lseek",
  /* memory for GLib */
  "brk", "mmap", "munmap", "mremap", "madvise",
  /* its work: removing files it was told about */
  "unlink", "unlinkat", "rmdir", "close",
  "exit", "exit_group",
  NULL,
};
/* clang-format on */

void
dm_sandbox_policy_for_secret_reaper(const char *run_dir, DmSandboxPolicy *policy)
{
  memset(policy, 0, sizeof *policy);
  policy->chroot_dir = run_dir;
  policy->no_new_privs = TRUE;
  dm_seccomp_policy_named(DM_SECCOMP_POLICY_SECRET_REAPER, &policy->seccomp);
}

gboolean
dm_seccomp_policy_named(DmSeccompPolicyId id, DmSeccompPolicy *out)
{
  static const DmSeccompPolicy named[DM_SECCOMP_POLICY_COUNT] = {
    [DM_SECCOMP_POLICY_QEMU] = { DM_SECCOMP_DENYLIST, EPERM, qemu_denied_syscalls, NULL,
                                 DM_SECCOMP_POLICY_QEMU },
    [DM_SECCOMP_POLICY_SCRUB_HELPER] = { DM_SECCOMP_ALLOWLIST, EPERM, scrub_helper_syscalls,
                                         scrub_helper_rules, DM_SECCOMP_POLICY_SCRUB_HELPER },
    [DM_SECCOMP_POLICY_SECRET_REAPER] = { DM_SECCOMP_ALLOWLIST, EPERM, secret_reaper_syscalls, NULL,
                                          DM_SECCOMP_POLICY_SECRET_REAPER },
  };

  if (id <= DM_SECCOMP_POLICY_CUSTOM || id >= DM_SECCOMP_POLICY_COUNT)
    return FALSE;
  *out = named[id];
  return TRUE;
}

const char *
dm_seccomp_policy_id_name(DmSeccompPolicyId id)
{
  switch (id) {
  case DM_SECCOMP_POLICY_QEMU:
    return "qemu";
  case DM_SECCOMP_POLICY_SCRUB_HELPER:
    return "scrub-helper";
  case DM_SECCOMP_POLICY_SECRET_REAPER:
    return "secret-reaper";
  default:
    return "custom";
  }
}
