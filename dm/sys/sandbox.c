#include "sandbox.h"
#include "log.h"
#include "seccomp_auto.h"
#include "util.h"

#include <errno.h>
#include <grp.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

/* The native number of a syscall name; __NR_SCMP_ERROR with error for a
 * name the kernel headers do not know. */
static int
resolve_syscall(const char *name, GError **error)
{
  int nr = seccomp_syscall_resolve_name(name);
  if (nr == __NR_SCMP_ERROR)
    g_set_error(error, DM_ERROR, DM_ERROR_SYSTEM, "seccomp filter: unknown syscall name '%s'",
                name);
  return nr;
}

/* Adds one DmSeccompRule: its own action, and at most one comparison
 * on the first argument. */
static gboolean
add_rule(scmp_filter_ctx ctx, const DmSeccompRule *rule, GError **error)
{
  uint32_t action =
    rule->errno_value > 0 ? SCMP_ACT_ERRNO((uint32_t)rule->errno_value) : SCMP_ACT_ALLOW;
  int nr = resolve_syscall(rule->syscall, error);
  int rc;

  if (nr == __NR_SCMP_ERROR)
    return FALSE;
  switch (rule->arg0_test) {
  case DM_SECCOMP_ARG0_EQ:
    rc = seccomp_rule_add(ctx, action, nr, 1, SCMP_A0(SCMP_CMP_EQ, rule->value));
    break;
  case DM_SECCOMP_ARG0_MASKED_EQ:
    rc = seccomp_rule_add(ctx, action, nr, 1, SCMP_A0(SCMP_CMP_MASKED_EQ, rule->mask, rule->value));
    break;
  default:
    rc = seccomp_rule_add(ctx, action, nr, 0);
    break;
  }
  if (rc < 0) {
    g_set_error(error, DM_ERROR, DM_ERROR_SYSTEM,
                "seccomp filter: cannot add the rule for '%s': %s", rule->syscall, g_strerror(-rc));
    return FALSE;
  }
  return TRUE;
}

void *
dm_seccomp_build(const DmSeccompPolicy *seccomp, GError **error)
{
  uint32_t deny =
    seccomp->deny_errno > 0 ? SCMP_ACT_ERRNO((uint32_t)seccomp->deny_errno) : SCMP_ACT_KILL_PROCESS;
  gboolean allowlist = seccomp->mode == DM_SECCOMP_ALLOWLIST;
  g_auto(scmp_filter_ctx) ctx = NULL;
  int rc;

  g_return_val_if_fail(seccomp->mode != DM_SECCOMP_NONE, NULL);
  ctx = seccomp_init(allowlist ? deny : SCMP_ACT_ALLOW);
  if (ctx == NULL) {
    g_set_error(error, DM_ERROR, DM_ERROR_SYSTEM, "cannot create a seccomp filter");
    return NULL;
  }
  /* A syscall made through another ABI (i386 int 0x80 or x32 on x86_64)
   * would slip past a denylist written for the native numbers: kill it.
   * This is libseccomp's default; it is set here so it stays so. */
  seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
  for (const char *const *name = seccomp->syscalls; name && *name; name++) {
    int nr = resolve_syscall(*name, error);
    if (nr == __NR_SCMP_ERROR)
      return NULL;
    /* libseccomp refuses a rule whose action equals the default one; a
     * listed syscall that the kernel does not have on this architecture
     * (negative pseudo number) is still accepted and simply never seen. */
    rc = seccomp_rule_add(ctx, allowlist ? SCMP_ACT_ALLOW : deny, nr, 0);
    if (rc < 0) {
      g_set_error(error, DM_ERROR, DM_ERROR_SYSTEM,
                  "seccomp filter: cannot add a rule for '%s': %s", *name, g_strerror(-rc));
      return NULL;
    }
  }
  for (const DmSeccompRule *rule = seccomp->rules; rule && rule->syscall; rule++)
    if (!add_rule(ctx, rule, error))
      return NULL;
  return g_steal_pointer(&ctx);
}

/* Past the first privilege step there is no way back to a consistent
 * state, and going on would run qemu (or the helper) with some of its
 * privileges kept: end the process here. */
static G_NORETURN void
abort_half_dropped(const char *step, int err)
{
  g_autoptr(GError) error =
    g_error_new(DM_ERROR, DM_ERROR_SYSTEM,
                "sandbox: %s failed after privileges were partly dropped: %s; "
                "stopping here rather than run half dropped",
                step, g_strerror(err));
  dm_log_error(error);
  _exit(DM_SANDBOX_ABORT_STATUS);
}

gboolean
dm_sandbox_apply(const DmSandboxPolicy *policy, GError **error)
{
  g_auto(scmp_filter_ctx) filter = NULL;
  uid_t ruid, euid, suid;
  gid_t rgid, egid, sgid;

  /* Everything that can fail for a reason other than the kernel refusing
   * a privilege change is done first, while failing is still harmless:
   * building the filter resolves syscall names and allocates. */
  if (policy->seccomp.mode != DM_SECCOMP_NONE) {
    filter = dm_seccomp_build(&policy->seccomp, error);
    if (filter == NULL) {
      g_prefix_error(error, "sandbox: ");
      return FALSE;
    }
  }
  if (policy->chroot_dir != NULL && *policy->chroot_dir == '\0') {
    g_set_error(error, DM_ERROR, DM_ERROR_INVALID, "sandbox: the chroot directory is empty");
    return FALSE;
  }

  /* 1. rlimits.  First, while we are still root: an unprivileged process
   * could not raise a hard limit later, and lowering ones (RLIMIT_FSIZE
   * against a guest filling dom0's disk through qemu's log, XSA-180;
   * RLIMIT_CORE 0) must not be skippable by the sandboxed process.  Not a
   * privilege step: a failure here leaves the process as it was. */
  for (guint i = 0; i < policy->n_rlimits; i++) {
    struct rlimit rl = { policy->rlimits[i].limit, policy->rlimits[i].limit };
    if (setrlimit(policy->rlimits[i].resource, &rl) < 0) {
      g_set_error(error, DM_ERROR, DM_ERROR_SYSTEM,
                  "sandbox: cannot set resource limit %d to %llu: %s", policy->rlimits[i].resource,
                  (unsigned long long)policy->rlimits[i].limit, g_strerror(errno));
      return FALSE;
    }
  }

  /* 2. chroot: needs CAP_SYS_CHROOT, so before the ids change.  chdir into
   * the directory first and chroot("."), then chdir("/") so that no
   * working directory outside the new root is left behind.  From here on,
   * any failure aborts. */
  if (policy->chroot_dir != NULL) {
    if (chdir(policy->chroot_dir) < 0) {
      /* Nothing has changed yet (chdir only): still a clean failure. */
      g_set_error(error, DM_ERROR, DM_ERROR_SYSTEM,
                  "sandbox: cannot enter chroot directory '%s': %s", policy->chroot_dir,
                  g_strerror(errno));
      return FALSE;
    }
    if (chroot(".") < 0)
      abort_half_dropped("chroot", errno);
    if (chdir("/") < 0)
      abort_half_dropped("chdir to the new root", errno);
  }

  if (policy->change_ids) {
    /* 3. setgroups before setresgid/setresuid: both need CAP_SETGID, which
     * setresuid to a non-root uid takes away.  Supplementary groups left
     * over from root (disk, kvm, ...) would otherwise survive the drop. */
    if (setgroups(policy->n_groups, policy->n_groups ? policy->groups : NULL) < 0)
      abort_half_dropped("setgroups", errno);
    /* 4. setresgid before setresuid, for the same reason.  All three ids,
     * so that no saved id allows switching back. */
    if (setresgid(policy->gid, policy->gid, policy->gid) < 0)
      abort_half_dropped("setresgid", errno);
    /* 5. setresuid: the last id step. */
    if (setresuid(policy->uid, policy->uid, policy->uid) < 0)
      abort_half_dropped("setresuid", errno);
    /* Trust, but check: every id is what was asked, and a dropped root
     * cannot come back. */
    if (getresuid(&ruid, &euid, &suid) < 0 || getresgid(&rgid, &egid, &sgid) < 0)
      abort_half_dropped("reading back the ids", errno);
    if (ruid != policy->uid || euid != policy->uid || suid != policy->uid || rgid != policy->gid ||
        egid != policy->gid || sgid != policy->gid)
      abort_half_dropped("checking the new ids", EPERM);
    if (policy->uid != 0 && setuid(0) == 0)
      abort_half_dropped("checking that root cannot be regained", EPERM);
  }

  /* 6. no_new_privs: after the id changes (it does not stop them, but
   * keeping the order fixed keeps it reviewable) and before the filter
   * (an unprivileged process may only load a filter with it set).  It
   * also makes setuid binaries inert across the coming exec. */
  if ((policy->no_new_privs || filter != NULL) && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    abort_half_dropped("PR_SET_NO_NEW_PRIVS", errno);

  /* 7. seccomp: last, so that the steps above may use any syscall.  The
   * filter survives the exec that follows. */
  if (filter != NULL) {
    int rc = seccomp_load(filter);
    if (rc < 0)
      abort_half_dropped("loading the seccomp filter", -rc);
  }
  return TRUE;
}
