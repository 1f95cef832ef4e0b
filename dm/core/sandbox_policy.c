#include "sandbox_policy.h"

#include <errno.h>
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
const char *const dm_qemu_denied_syscalls[] = {
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

void
dm_sandbox_policy_for_qemu(const DmRequest *request, const DmDomainConfig *dc,
                           DmSandboxPolicy *policy)
{
  memset(policy, 0, sizeof(*policy));
  if (dc->rlimit_fsize > 0 && !dm_request_serial_to_file(request))
    dm_sandbox_policy_set_rlimit(policy, RLIMIT_FSIZE, (rlim_t)dc->rlimit_fsize);
  if (!dc->core_dumps)
    dm_sandbox_policy_set_rlimit(policy, RLIMIT_CORE, 0);
  policy->no_new_privs = TRUE;
  policy->seccomp.mode = DM_SECCOMP_DENYLIST;
  policy->seccomp.deny_errno = EPERM;
  policy->seccomp.syscalls = dm_qemu_denied_syscalls;
}

const char *const dm_helper_allowed_syscalls[] = {
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
