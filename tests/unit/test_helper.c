/* The helper's seccomp allowlist, proven: a child applies exactly the
 * helper's policy (dm_sandbox_policy_for_scrub_helper through dm_sandbox_apply, the
 * one sandbox function) and then tries calls the helper must not make. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include "helper.h"

/* Runs `body` in a forked child under the helper's sandbox (as the
 * current ids: the id change is tested by the sandbox's own tests) and
 * returns the child's exit status. */
static int
under_helper_filter(int (*body)(void))
{
  pid_t pid = fork();
  cr_assert(pid >= 0);
  if (pid == 0) {
    DmSandboxPolicy policy;
    GError *error = NULL;
    dm_sandbox_policy_for_scrub_helper(getuid(), getgid(), &policy);
    if (!dm_sandbox_apply(&policy, &error))
      _exit(100);
    _exit(body());
  }
  int status = 0;
  cr_assert(waitpid(pid, &status, 0) == pid);
  cr_assert(WIFEXITED(status), "child died with signal %d", WTERMSIG(status));
  return WEXITSTATUS(status);
}

static int
try_open(void)
{
  int fd = open("/etc/hostname", O_RDONLY | O_CLOEXEC);
  return fd < 0 && errno == EPERM ? 0 : 1;
}

static int
try_socket(void)
{
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  return fd < 0 && errno == EPERM ? 0 : 1;
}

static int
try_exec(void)
{
  char *argv[] = { "/bin/true", NULL };
  execv("/bin/true", argv);
  return errno == EPERM ? 0 : 1;
}

static int
try_kill(void)
{
  return kill(1, 0) < 0 && errno == EPERM ? 0 : 1;
}

static int
allowed_calls_work(void)
{
  int fds[2];
  char c = 'x';
  /* pipe2 is not allowed either: the helper makes no new fds. */
  if (pipe2(fds, O_CLOEXEC) == 0 || errno != EPERM)
    return 1;
  if (write(STDERR_FILENO, "", 0) != 0)
    return 2;
  if (getpid() <= 0)
    return 3;
  (void)c;
  return 0;
}

Test(helper_filter, open_is_denied_with_eperm)
{
  cr_assert_eq(under_helper_filter(try_open), 0);
}

Test(helper_filter, socket_is_denied_with_eperm)
{
  cr_assert_eq(under_helper_filter(try_socket), 0);
}

Test(helper_filter, exec_is_denied_with_eperm)
{
  cr_assert_eq(under_helper_filter(try_exec), 0);
}

Test(helper_filter, kill_is_denied_with_eperm)
{
  cr_assert_eq(under_helper_filter(try_kill), 0);
}

Test(helper_filter, what_it_needs_still_works)
{
  cr_assert_eq(under_helper_filter(allowed_calls_work), 0);
}

Test(helper_filter, control_without_filter_open_works)
{
  /* Guards the tests above: without the filter the same call succeeds. */
  cr_assert_eq(try_open(), 1);
}

/* clone and clone3 used to be allowed with any flags. */
static int
try_fork(void)
{
  pid_t pid = fork();
  if (pid == 0)
    _exit(0);
  return pid < 0 && errno == EPERM ? 0 : 1;
}

static int
try_unshare_user(void)
{
  return unshare(CLONE_NEWUSER) < 0 && errno == EPERM ? 0 : 1;
}

static int
try_clone_new_user_thread(void)
{
  /* Thread flags plus a namespace: the namespace makes it a denial (the
   * kernel would refuse the mix anyway, with EINVAL, after the filter). */
  long rc =
    syscall(SYS_clone, CLONE_VM | CLONE_SIGHAND | CLONE_THREAD | CLONE_NEWUSER, 0, NULL, NULL, 0);
  return rc < 0 && errno == EPERM ? 0 : 1;
}

static int
try_clone3(void)
{
  /* Any clone3: its flags are out of the filter's reach. */
  long rc = syscall(SYS_clone3, NULL, 0);
  return rc < 0 && errno == ENOSYS ? 0 : 1;
}

static gpointer
thread_body(gpointer data)
{
  return data;
}

static int
threads_still_start(void)
{
  /* glibc tries clone3 first and falls back to clone on ENOSYS. */
  GThread *t = g_thread_try_new("t", thread_body, GINT_TO_POINTER(7), NULL);
  if (t == NULL)
    return 1;
  return GPOINTER_TO_INT(g_thread_join(t)) == 7 ? 0 : 2;
}

Test(helper_filter, fork_is_denied_with_eperm)
{
  cr_assert_eq(under_helper_filter(try_fork), 0);
}

Test(helper_filter, unshare_newuser_is_denied_with_eperm)
{
  cr_assert_eq(under_helper_filter(try_unshare_user), 0);
}

Test(helper_filter, clone_with_a_namespace_flag_is_denied)
{
  cr_assert_eq(under_helper_filter(try_clone_new_user_thread), 0);
}

Test(helper_filter, clone3_answers_enosys)
{
  cr_assert_eq(under_helper_filter(try_clone3), 0);
}

Test(helper_filter, threads_still_start)
{
  cr_assert_eq(under_helper_filter(threads_still_start), 0);
}

Test(helper_filter, control_without_filter_fork_works)
{
  cr_assert_eq(try_fork(), 1);
}

/* RLIMIT_NPROC on its own, without the filter: as an unprivileged uid
 * (root is exempt from the limit), with more tasks of that uid than the
 * helper has (as when zombies of a previous helper are still counted),
 * the helper's threads still start; once dm_helper_forbid_new_tasks()
 * ran, neither a fork nor a thread does. */
static GMutex hold;

static gpointer
blocked_thread(gpointer data)
{
  g_mutex_lock(&hold); /* never returns: the child _exits first */
  return data;
}

static int
nproc_body(void)
{
  g_mutex_lock(&hold);
  for (int i = 0; i < DM_HELPER_TASKS + 2; i++)
    if (g_thread_try_new("t", blocked_thread, NULL, NULL) == NULL)
      return 10 + i;
  if (!dm_helper_forbid_new_tasks())
    return 2;
  if (g_thread_try_new("t", blocked_thread, NULL, NULL) != NULL)
    return 3;
  pid_t pid = fork();
  if (pid == 0)
    _exit(0);
  return pid < 0 && errno == EAGAIN ? 0 : 1;
}

static int
nproc_under_filter(void)
{
  /* Under the real filter prlimit64 on itself is allowed (root, as this
   * test runs, is exempt from the limit itself: nproc_body proves it). */
  struct rlimit rl;
  if (!dm_helper_forbid_new_tasks())
    return 2;
  if (getrlimit(RLIMIT_NPROC, &rl) != 0 || rl.rlim_cur != 0 || rl.rlim_max != 0)
    return 3;
  /* On another process: denied. */
  return prlimit(1, RLIMIT_NPROC, NULL, &rl) < 0 && errno == EPERM ? 0 : 4;
}

Test(helper_filter, forbidding_new_tasks_works_under_the_filter)
{
  cr_assert_eq(under_helper_filter(nproc_under_filter), 0);
}

Test(helper_policy, nproc_stops_a_fork_once_the_threads_run)
{
  if (geteuid() != 0)
    cr_skip_test("needs root to change ids");
  pid_t pid = fork();
  cr_assert(pid >= 0);
  if (pid == 0) {
    DmSandboxPolicy policy;
    GError *error = NULL;
    dm_sandbox_policy_for_scrub_helper(1879048192u + 32700, 1879048192u + 32700, &policy);
    policy.seccomp.mode = DM_SECCOMP_NONE; /* the limit alone */
    if (!dm_sandbox_apply(&policy, &error))
      _exit(100);
    _exit(nproc_body());
  }
  int status = 0;
  cr_assert(waitpid(pid, &status, 0) == pid);
  cr_assert(WIFEXITED(status), "child died with signal %d", WTERMSIG(status));
  cr_assert_eq(WEXITSTATUS(status), 0);
}
