#include "sandbox.h"
#include "log.h"
#include "seccomp_auto.h"
#include "seccomp_build.h"
#include "seccomp_prebuilt.h"
#include "util.h"

#include <errno.h>
#include <grp.h>
#include <linux/seccomp.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The BPF the build made for a fixed filter; NULL for a CUSTOM policy or
 * where the build made none. */
static const DmPrebuiltFilter *
prebuilt_for(const DmSeccompPolicy *seccomp)
{
  if (seccomp->id <= DM_SECCOMP_POLICY_CUSTOM || seccomp->id >= DM_SECCOMP_POLICY_COUNT)
    return NULL;
  if (dm_seccomp_prebuilt[seccomp->id].insns == NULL)
    return NULL;
  return &dm_seccomp_prebuilt[seccomp->id];
}

/* Loads a BPF program as libseccomp's seccomp_load does with its default
 * attributes: seccomp(SECCOMP_SET_MODE_FILTER) with no flags, or the
 * prctl where the kernel has no seccomp() (before 3.17).  0 or an errno. */
static int
load_prebuilt(const DmPrebuiltFilter *bpf)
{
  struct sock_fprog prog = { bpf->len, (struct sock_filter *)bpf->insns };

  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0)
    return 0;
  if (errno != ENOSYS)
    return errno;
  return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) == 0 ? 0 : errno;
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
  const DmPrebuiltFilter *prebuilt = NULL;
  uid_t ruid, euid, suid;
  gid_t rgid, egid, sgid;

  /* Everything that can fail for a reason other than the kernel refusing
   * a privilege change is done first, while failing is still harmless:
   * building the filter resolves syscall names and allocates. */
  if (policy->seccomp.mode != DM_SECCOMP_NONE)
    prebuilt = prebuilt_for(&policy->seccomp);
  if (policy->seccomp.mode != DM_SECCOMP_NONE && prebuilt == NULL) {
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
  if ((policy->no_new_privs || filter != NULL || prebuilt != NULL) &&
      prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    abort_half_dropped("PR_SET_NO_NEW_PRIVS", errno);

  /* 7. seccomp: last, so that the steps above may use any syscall.  The
   * filter survives the exec that follows. */
  if (filter != NULL) {
    int rc = seccomp_load(filter);
    if (rc < 0)
      abort_half_dropped("loading the seccomp filter", -rc);
  }
  if (prebuilt != NULL) {
    int err = load_prebuilt(prebuilt);
    if (err != 0)
      abort_half_dropped("loading the seccomp filter", err);
  }
  return TRUE;
}
