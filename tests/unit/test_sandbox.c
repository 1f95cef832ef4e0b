/* dm/sys/sandbox.c against the real kernel: each test applies a policy in a
 * child (Criterion already runs each test in its own process; tests that
 * need to look at the sandboxed process from outside fork once more). */
#include <criterion/criterion.h>
#include "sandbox.h"
#include "config.h"
#include "toolstack_args.h"
#include "seccomp_auto.h"
#include "seccomp_build.h"
#include "seccomp_prebuilt.h"
#include "build_config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

/* AddressSanitizer's runtime makes syscalls of its own (sigaltstack at
 * thread exit, ptrace for LeakSanitizer) that a strict allowlist denies;
 * those filters are proven by the regular build that scripts/test runs. */
#if defined(__SANITIZE_ADDRESS__)
#define SKIP_UNDER_ASAN() cr_skip_test("strict allowlist and AddressSanitizer's runtime")
#else
#define SKIP_UNDER_ASAN() ((void)0)
#endif

static int
wait_status(pid_t pid)
{
  int status = 0;
  cr_assert_eq(waitpid(pid, &status, 0), pid);
  return status;
}

Test(sandbox, empty_policy_is_empty_and_applies)
{
  DmSandboxPolicy policy = { 0 };
  g_autoptr(GError) error = NULL;
  cr_assert(dm_sandbox_policy_is_empty(&policy));
  cr_assert(dm_sandbox_apply(&policy, &error));
}

Test(sandbox, rlimits_are_soft_and_hard)
{
  DmSandboxPolicy policy = { 0 };
  g_autoptr(GError) error = NULL;
  struct rlimit rl;

  dm_sandbox_policy_set_rlimit(&policy, RLIMIT_FSIZE, 262144);
  dm_sandbox_policy_set_rlimit(&policy, RLIMIT_CORE, 0);
  cr_assert(dm_sandbox_apply(&policy, &error));
  cr_assert_eq(getrlimit(RLIMIT_FSIZE, &rl), 0);
  cr_assert_eq(rl.rlim_cur, 262144);
  cr_assert_eq(rl.rlim_max, 262144);
  cr_assert_eq(getrlimit(RLIMIT_CORE, &rl), 0);
  cr_assert_eq(rl.rlim_max, 0);
}

Test(sandbox, unknown_syscall_name_fails_before_any_change)
{
  static const char *const names[] = { "uname", "no_such_syscall_xyz", NULL };
  DmSandboxPolicy policy = { 0 };
  g_autoptr(GError) error = NULL;
  struct rlimit before, after;

  getrlimit(RLIMIT_FSIZE, &before);
  dm_sandbox_policy_set_rlimit(&policy, RLIMIT_FSIZE, 4096);
  policy.seccomp =
    (DmSeccompPolicy){ DM_SECCOMP_DENYLIST, EPERM, names, NULL, DM_SECCOMP_POLICY_CUSTOM };
  cr_assert_not(dm_sandbox_apply(&policy, &error));
  cr_assert(strstr(error->message, "no_such_syscall_xyz"), "%s", error->message);
  getrlimit(RLIMIT_FSIZE, &after);
  cr_assert_eq(after.rlim_max, before.rlim_max, "rlimits applied before a failed check");
  cr_assert_eq(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 0);
}

/* A denylisted syscall fails with the policy's errno; others still run. */
Test(sandbox, denylist_returns_errno)
{
  static const char *const names[] = { "uname", NULL };
  DmSandboxPolicy policy = { .seccomp = { DM_SECCOMP_DENYLIST, EXDEV, names } };
  g_autoptr(GError) error = NULL;
  struct utsname u;

  cr_assert_eq(uname(&u), 0);
  cr_assert(dm_sandbox_apply(&policy, &error));
  errno = 0;
  cr_assert_eq(uname(&u), -1);
  cr_assert_eq(errno, EXDEV);
  cr_assert_gt(getpid(), 0);
  cr_assert_eq(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 1, "a filter forces no_new_privs");
}

/* An allowlist denies everything else: the child reports errno through its
 * exit status, which needs only exit_group. */
Test(sandbox, allowlist_denies_the_rest)
{
  SKIP_UNDER_ASAN();
  static const char *const names[] = { "exit_group", "exit", "getpid", NULL };
  pid_t pid = fork();
  cr_assert_geq(pid, 0);
  if (pid == 0) {
    DmSandboxPolicy policy = { .seccomp = { DM_SECCOMP_ALLOWLIST, ENOTBLK, names } };
    if (!dm_sandbox_apply(&policy, NULL))
      _exit(200);
    if (syscall(SYS_getpid) <= 0)
      _exit(201);
    long rc = syscall(SYS_getppid);
    _exit(rc == -1 ? errno : 202);
  }
  int status = wait_status(pid);
  cr_assert(WIFEXITED(status), "status %d", status);
  cr_assert_eq(WEXITSTATUS(status), ENOTBLK);
}

Test(sandbox, deny_errno_zero_kills)
{
  static const char *const names[] = { "getppid", NULL };
  pid_t pid = fork();
  cr_assert_geq(pid, 0);
  if (pid == 0) {
    DmSandboxPolicy policy = { .seccomp = { DM_SECCOMP_DENYLIST, 0, names } };
    if (!dm_sandbox_apply(&policy, NULL))
      _exit(200);
    syscall(SYS_getppid);
    _exit(0);
  }
  int status = wait_status(pid);
  cr_assert(WIFSIGNALED(status), "status %d", status);
  cr_assert_eq(WTERMSIG(status), SIGSYS);
}

static char *
status_field(pid_t pid, const char *field)
{
  g_autofree char *path = g_strdup_printf("/proc/%d/status", (int)pid);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  cr_assert(g_file_get_contents(path, &text, NULL, NULL));
  lines = g_strsplit(text, "\n", -1);
  for (char **l = lines; *l; l++)
    if (g_str_has_prefix(*l, field) && (*l)[strlen(field)] == ':')
      return g_strstrip(g_strdup(*l + strlen(field) + 1));
  return NULL;
}

/* The whole drop, checked from outside on a real child. */
Test(sandbox, drop_seen_in_proc)
{
  static const char *const names[] = { "mount", NULL };
  static const gid_t groups[] = { 23457 };
  char dir[] = "/tmp/dm-sandbox-root-XXXXXX";
  int ready[2];
  char byte;

  if (geteuid() != 0)
    cr_skip_test("needs root to change ids and chroot");
  cr_assert_not_null(mkdtemp(dir));
  cr_assert_eq(pipe2(ready, O_CLOEXEC), 0);
  pid_t pid = fork();
  cr_assert_geq(pid, 0);
  if (pid == 0) {
    DmSandboxPolicy policy = {
      .chroot_dir = dir,
      .change_ids = TRUE,
      .uid = 23456,
      .gid = 23456,
      .groups = groups,
      .n_groups = 1,
      .no_new_privs = TRUE,
      .seccomp = { DM_SECCOMP_DENYLIST, EPERM, names },
    };
    dm_sandbox_policy_set_rlimit(&policy, RLIMIT_FSIZE, 262144);
    if (!dm_sandbox_apply(&policy, NULL))
      _exit(200);
    (void)!write(ready[1], "r", 1);
    pause();
    _exit(0);
  }
  close(ready[1]);
  cr_assert_eq(read(ready[0], &byte, 1), 1, "child did not reach its sandbox");

  g_autofree char *uid = status_field(pid, "Uid");
  g_autofree char *gid = status_field(pid, "Gid");
  g_autofree char *grp = status_field(pid, "Groups");
  g_autofree char *nnp = status_field(pid, "NoNewPrivs");
  g_autofree char *sec = status_field(pid, "Seccomp");
  g_autofree char *rootlink = g_strdup_printf("/proc/%d/root", (int)pid);
  g_autofree char *root = g_file_read_link(rootlink, NULL);
  kill(pid, SIGKILL);
  wait_status(pid);
  rmdir(dir);

  cr_assert_str_eq(uid, "23456\t23456\t23456\t23456");
  cr_assert_str_eq(gid, "23456\t23456\t23456\t23456");
  cr_assert_str_eq(grp, "23457");
  cr_assert_str_eq(nnp, "1");
  cr_assert_str_eq(sec, "2", "2 is SECCOMP_MODE_FILTER");
  cr_assert_str_eq(root, dir);
}

/* After a privilege step, a failure ends the process: here the ids are
 * already dropped, so the chroot of a second call fails (EPERM).  Status
 * 125, the man page's, not 127: that one means qemu's exec failed. */
Test(sandbox, failure_after_privilege_step_aborts, .exit_code = 125)
{
  DmSandboxPolicy drop = { .change_ids = TRUE, .uid = 23456, .gid = 23456 };
  DmSandboxPolicy second = { .chroot_dir = "/", .change_ids = TRUE, .uid = 0, .gid = 0 };

  if (geteuid() != 0)
    cr_skip_test("needs root to drop ids");
  cr_assert(dm_sandbox_apply(&drop, NULL));
  dm_sandbox_apply(&second, NULL);
  exit(0); /* not reached */
}

/* The launcher's own filter for qemu, proven on the real kernel: as root,
 * swapoff of a missing file fails with ENOENT; under the filter it must
 * fail with EPERM before the kernel looks at the path.  Calls qemu needs
 * (chroot for -chroot, setresuid for -runas) still reach the kernel. */
/* The policy the launcher applies before it execs libxl's HVM qemu, with
 * the default config. */
static void
qemu_policy(DmSandboxPolicy *policy)
{
  const char *line[] = { "-xen-domid", "3", "-machine", "xenfv", NULL };
  g_autoptr(DmRequest) r = dm_request_parse(4, (char *const *)line, NULL);
  g_autoptr(DmConfig) c = dm_config_new_default();
  g_autoptr(DmDomainConfig) dc = dm_config_for_domain(c, NULL, NULL);

  dm_sandbox_policy_for_qemu(r, dc, FALSE, policy);
}

Test(sandbox, qemu_filter_denies_with_eperm)
{
  DmSandboxPolicy policy;

  if (geteuid() != 0)
    cr_skip_test("swapoff's unfiltered error is EPERM for non-root");
  errno = 0;
  cr_assert_eq(syscall(SYS_swapoff, "/nonexistent-dm-test"), -1);
  cr_assert_eq(errno, ENOENT, "unfiltered swapoff: %s", g_strerror(errno));

  qemu_policy(&policy);
  cr_assert(dm_sandbox_apply(&policy, NULL));
  errno = 0;
  cr_assert_eq(syscall(SYS_swapoff, "/nonexistent-dm-test"), -1);
  cr_assert_eq(errno, EPERM, "filtered swapoff: %s", g_strerror(errno));
  errno = 0;
  cr_assert_eq(syscall(SYS_init_module, NULL, 0, ""), -1);
  cr_assert_eq(errno, EPERM);
  /* Not denied: chroot reaches the kernel (ENOENT for a missing dir). */
  errno = 0;
  cr_assert_eq(syscall(SYS_chroot, "/nonexistent-dm-test"), -1);
  cr_assert_eq(errno, ENOENT);
  cr_assert_eq(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 1);
}

/* The secret reaper's strict allowlist: socket and openat (which work
 * right before) fail with EPERM; waiting, logging and unlink still work. */
Test(sandbox, secret_reaper_filter_denies_with_eperm)
{
  char dir[] = "/tmp/dm-helper-XXXXXX";
  g_autofree char *file = NULL;
  int s;

  s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

  cr_assert_geq(s, 0);
  close(s);
  cr_assert_not_null(mkdtemp(dir));
  file = g_build_filename(dir, "x", NULL);
  cr_assert(g_file_set_contents(file, "x", 1, NULL));
  pid_t pid = fork();
  cr_assert_geq(pid, 0);
  if (pid == 0) {
    DmSandboxPolicy policy;
    dm_sandbox_policy_for_secret_reaper(dir, &policy);
    policy.chroot_dir = NULL; /* the filter alone: the chroot needs root */
    if (!dm_sandbox_apply(&policy, NULL))
      _exit(200);
    if (syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0) != -1 || errno != EPERM)
      _exit(201);
    if (syscall(SYS_openat, AT_FDCWD, "/etc/hostname", O_RDONLY) != -1 || errno != EPERM)
      _exit(202);
    if (syscall(SYS_execve, "/bin/true", NULL, NULL) != -1 || errno != EPERM)
      _exit(203);
    if (unlink(file) != 0)
      _exit(204);
    _exit(0);
  }
  int status = wait_status(pid);
  rmdir(dir);
  cr_assert(WIFEXITED(status), "status %d", status);
  cr_assert_eq(WEXITSTATUS(status), 0, "step %d failed", WEXITSTATUS(status));
  cr_assert_not(g_file_test(file, G_FILE_TEST_EXISTS));
}

/* The BPF the build made for each fixed filter (tools/seccomp_gen.c) is
 * the one libseccomp makes of the same policy now: the table is not stale,
 * and loading it is loading the policy. */
Test(sandbox, prebuilt_matches_libseccomp)
{
  for (int id = DM_SECCOMP_POLICY_CUSTOM + 1; id < DM_SECCOMP_POLICY_COUNT; id++) {
    DmSeccompPolicy seccomp;
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) bpf = NULL;
    gsize size;
    const void *data;

    cr_assert(dm_seccomp_policy_named(id, &seccomp));
    cr_assert_eq(seccomp.id, id);
    bpf = dm_seccomp_export(&seccomp, &error);
    cr_assert_not_null(bpf, "%s", error ? error->message : "");
    data = g_bytes_get_data(bpf, &size);
    if (!DM_PREBUILT_SECCOMP) {
      cr_assert_null(dm_seccomp_prebuilt[id].insns);
      continue;
    }
    cr_assert_not_null(dm_seccomp_prebuilt[id].insns, "%s", dm_seccomp_policy_id_name(id));
    cr_assert_eq(dm_seccomp_prebuilt[id].len * sizeof(struct sock_filter), size, "%s: %u vs %zu",
                 dm_seccomp_policy_id_name(id), dm_seccomp_prebuilt[id].len, size);
    cr_assert_eq(memcmp(dm_seccomp_prebuilt[id].insns, data, size), 0, "%s",
                 dm_seccomp_policy_id_name(id));
  }
  cr_assert_not(dm_seccomp_policy_named(DM_SECCOMP_POLICY_CUSTOM, &(DmSeccompPolicy){ 0 }));
  cr_assert_not(dm_seccomp_policy_named(DM_SECCOMP_POLICY_COUNT, &(DmSeccompPolicy){ 0 }));
}

/* The qemu filter the launcher loads is the prebuilt one, and it is in
 * force in the process: the kernel reports one filter (Seccomp: 2) and a
 * denied call fails as libseccomp's build of it would make it fail.  Also
 * with a CUSTOM copy of the same policy, built by libseccomp at run time:
 * both paths give the same answers. */
static void
qemu_policy_denies(gboolean custom)
{
  DmSandboxPolicy policy;
  g_autofree char *status = NULL;

  qemu_policy(&policy);
  cr_assert_eq(policy.seccomp.id, DM_SECCOMP_POLICY_QEMU);
  if (custom)
    policy.seccomp.id = DM_SECCOMP_POLICY_CUSTOM;
  cr_assert(dm_sandbox_apply(&policy, NULL));
  errno = 0;
  cr_assert_eq(syscall(SYS_kcmp, getpid(), getpid(), 0, 0, 0), -1);
  cr_assert_eq(errno, EPERM);
  errno = 0;
  cr_assert_eq(syscall(SYS_unshare, 0), -1);
  cr_assert_eq(errno, EPERM);
  cr_assert_eq(syscall(SYS_getppid), getppid());
  cr_assert(g_file_get_contents("/proc/self/status", &status, NULL, NULL));
  cr_assert(strstr(status, "\nSeccomp:\t2\n"), "no filter in force");
}

Test(sandbox, prebuilt_qemu_filter_in_force)
{
  qemu_policy_denies(FALSE);
}

Test(sandbox, custom_qemu_filter_in_force)
{
  qemu_policy_denies(TRUE);
}
