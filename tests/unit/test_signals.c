/* dm/sys/signals.c against the real kernel: a forked "launcher" installs the
 * handler, tracks a helper (a real child process) and a secret file, and
 * gets the signal; the test checks what it left. */
#include <criterion/criterion.h>
#include "signals.h"

#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct {
  int status;   /* the launcher's wait status */
  pid_t helper; /* the tracked helper's pid */
  int helper_status;
  char log[1024];
} Outcome;

/* A launcher for domain 7 that tracks `secret` (if not NULL) and a helper
 * (if `with_helper`), then is sent `sig` (by itself, or held first and
 * released when `held` is set). */
static void
run_launcher(int sig, const char *secret, gboolean with_helper, gboolean held, Outcome *out)
{
  int logp[2], pidp[2];
  pid_t launcher;
  ssize_t n, got = 0;

  memset(out, 0, sizeof *out);
  cr_assert_eq(pipe(logp), 0);
  cr_assert_eq(pipe(pidp), 0);
  /* The helper, re-parented here when the launcher dies, as to init. */
  cr_assert_eq(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
  launcher = fork();
  cr_assert_geq(launcher, 0);
  if (launcher == 0) {
    sigset_t saved;
    pid_t helper = 0;
    dup2(logp[1], STDERR_FILENO);
    dm_signals_install(7);
    dm_signals_hold(&saved);
    if (with_helper) {
      helper = fork();
      if (helper == 0) {
        dm_signals_child();
        pause();
        _exit(0);
      }
      dm_signals_track_helper(helper);
    }
    if (write(pidp[1], &helper, sizeof helper) != sizeof helper)
      _exit(3);
    if (secret)
      dm_signals_track_secret(secret);
    if (held)
      kill(getpid(), sig); /* pending until released */
    else
      dm_signals_release(&saved);
    if (held)
      dm_signals_release(&saved);
    else
      kill(getpid(), sig);
    _exit(0); /* not reached if the signal killed us */
  }
  close(logp[1]);
  close(pidp[1]);
  cr_assert_eq(read(pidp[0], &out->helper, sizeof out->helper), sizeof out->helper);
  close(pidp[0]);
  cr_assert_eq(waitpid(launcher, &out->status, 0), launcher);
  while ((n = read(logp[0], out->log + got, sizeof out->log - 1 - got)) > 0)
    got += n;
  close(logp[0]);
  if (out->helper > 0)
    cr_assert_eq(waitpid(out->helper, &out->helper_status, 0), out->helper);
}

static void
assert_line(const char *log, const char *pattern)
{
  regex_t re;
  cr_assert_eq(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
  cr_assert_eq(regexec(&re, log, 0, NULL, 0), 0, "log %s does not match %s", log, pattern);
  regfree(&re);
}

Test(signals, term_kills_the_helper_removes_the_secret_and_dies_of_it)
{
  char dir[] = "/tmp/dm-signals-XXXXXX";
  g_autofree char *secret = NULL;
  Outcome out;

  cr_assert_not_null(g_mkdtemp(dir));
  secret = g_build_filename(dir, "vnc-password", NULL);
  cr_assert(g_file_set_contents(secret, "pw", -1, NULL));
  run_launcher(SIGTERM, secret, TRUE, FALSE, &out);
  cr_assert(WIFSIGNALED(out.status) && WTERMSIG(out.status) == SIGTERM, "status %#x", out.status);
  cr_assert(WIFSIGNALED(out.helper_status) && WTERMSIG(out.helper_status) == SIGKILL);
  cr_assert_eq(access(secret, F_OK), -1);
  g_autofree char *pattern = g_strdup_printf(
    "^qemu-dm-launcher: "
    "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}[+-][0-9]{2}:[0-9]{2} SIGTERM "
    "before the exec: "
    "qemu for domain 7 not started; killed the scrub helper \\(pid %d\\); removed the "
    "VNC password file %s\n$",
    (int)out.helper, secret);
  assert_line(out.log, pattern);
  rmdir(dir);
}

Test(signals, hup_while_held_is_handled_at_release)
{
  Outcome out;

  run_launcher(SIGHUP, NULL, TRUE, TRUE, &out);
  cr_assert(WIFSIGNALED(out.status) && WTERMSIG(out.status) == SIGHUP, "status %#x", out.status);
  cr_assert(WIFSIGNALED(out.helper_status) && WTERMSIG(out.helper_status) == SIGKILL);
  assert_line(out.log, "SIGHUP before the exec: qemu for domain 7 not started; killed the "
                       "scrub helper \\(pid [0-9]+\\)\n$");
}

Test(signals, nothing_tracked_still_logs_and_dies)
{
  Outcome out;

  run_launcher(SIGINT, NULL, FALSE, FALSE, &out);
  cr_assert(WIFSIGNALED(out.status) && WTERMSIG(out.status) == SIGINT);
  assert_line(out.log, " SIGINT before the exec: qemu for domain 7 not started\n$");
}

Test(signals, a_helper_already_gone_is_not_claimed_killed)
{
  Outcome out;
  int logp[2];
  pid_t launcher;
  char log[512] = "";
  ssize_t n;
  int status;

  (void)out;
  cr_assert_eq(pipe(logp), 0);
  launcher = fork();
  if (launcher == 0) {
    pid_t helper;
    int st;
    dup2(logp[1], STDERR_FILENO);
    dm_signals_install(7);
    helper = fork();
    if (helper == 0)
      _exit(0);
    dm_signals_track_helper(helper); /* a zombie: the pidfd opens */
    waitpid(helper, &st, 0);         /* now gone: pidfd_send_signal fails */
    kill(getpid(), SIGTERM);
    _exit(0);
  }
  close(logp[1]);
  cr_assert_eq(waitpid(launcher, &status, 0), launcher);
  n = read(logp[0], log, sizeof log - 1);
  cr_assert_gt(n, 0);
  cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
  cr_assert_null(strstr(log, "killed the scrub helper"), "%s", log);
}
