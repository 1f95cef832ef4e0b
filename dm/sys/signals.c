#include "signals.h"
#include "log.h"
#include "build_config.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static const int handled[] = { SIGTERM, SIGHUP, SIGINT };

/* Read by the handler: written only while the signals are held, or
 * before the handler is installed. */
static pid_t launcher_pid;
static guint target_domid;
static volatile sig_atomic_t helper_pid;
static volatile sig_atomic_t helper_pidfd = -1;
static volatile sig_atomic_t have_secret;
static char secret_path[PATH_MAX];
static volatile sig_atomic_t probe_pgid;
static volatile sig_atomic_t have_probe_dir;
static char probe_dir[PATH_MAX];
static char probe_inside[PATH_MAX];

typedef struct {
  char text[2 * PATH_MAX + 256];
  size_t len;
} Line;

static void
put(Line *l, const char *s)
{
  size_t n = strlen(s);
  if (n > sizeof(l->text) - 1 - l->len)
    n = sizeof(l->text) - 1 - l->len;
  memcpy(l->text + l->len, s, n);
  l->len += n;
}

/* Decimal, at least `width` digits: snprintf is not async-signal-safe. */
static void
put_uint(Line *l, unsigned long long v, int width)
{
  char digits[24];
  int n = 0;
  do {
    digits[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v > 0 && n < (int)sizeof(digits));
  while (n < width && n < (int)sizeof(digits))
    digits[n++] = '0';
  while (n > 0 && l->len < sizeof(l->text) - 1)
    l->text[l->len++] = digits[--n];
}

static const char *
signal_name(int sig)
{
  switch (sig) {
  case SIGTERM:
    return "SIGTERM";
  case SIGHUP:
    return "SIGHUP";
  case SIGINT:
    return "SIGINT";
  default:
    return "a signal";
  }
}

static long utc_offset_s; /* local time minus UTC, at dm_signals_install */

/* YYYY-MM-DDTHH:MM:SS.mmm+HH:MM from seconds of local time since the
 * epoch, with arithmetic only (days to civil date: H. Hinnant's
 * algorithm). */
static void
put_stamp(Line *l, long long t, long ms)
{
  long long days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
  long long secs = t - days * 86400;
  long long z = days + 719468;
  long long era = (z >= 0 ? z : z - 146096) / 146097;
  long long doe = z - era * 146097;
  long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  long long mp = (5 * doy + 2) / 153;
  long long d = doy - (153 * mp + 2) / 5 + 1;
  long long m = mp < 10 ? mp + 3 : mp - 9;
  long long y = yoe + era * 400 + (m <= 2);
  long off = utc_offset_s < 0 ? -utc_offset_s : utc_offset_s;

  put_uint(l, (unsigned long long)y, 4);
  put(l, "-");
  put_uint(l, (unsigned long long)m, 2);
  put(l, "-");
  put_uint(l, (unsigned long long)d, 2);
  put(l, "T");
  put_uint(l, (unsigned long long)(secs / 3600), 2);
  put(l, ":");
  put_uint(l, (unsigned long long)(secs / 60 % 60), 2);
  put(l, ":");
  put_uint(l, (unsigned long long)(secs % 60), 2);
  put(l, ".");
  put_uint(l, (unsigned long long)ms, 3);
  put(l, utc_offset_s < 0 ? "-" : "+");
  put_uint(l, (unsigned long long)(off / 3600), 2);
  put(l, ":");
  put_uint(l, (unsigned long long)(off / 60 % 60), 2);
}

static void
on_signal(int sig)
{
  int saved_errno = errno;

  /* A child forked before it called dm_signals_child(): not the launcher,
   * nothing of its to undo. */
  if (getpid() == launcher_pid) {
    struct timespec ts = { 0 };
    Line l = { .len = 0 };
    pid_t helper = (pid_t)helper_pid;
    int unlinked = have_secret && unlink(secret_path) == 0;
    pid_t probe = (pid_t)probe_pgid;
    int probe_killed = probe > 0 && kill(-probe, SIGKILL) == 0;
    int probe_removed = 0;
    int killed = 0;

    if (have_probe_dir) {
      unlink(probe_inside);
      probe_removed = rmdir(probe_dir) == 0;
    }

    /* Through the pidfd: the helper is init's child, not ours, and its
     * pid could have been reused had it exited on its own by now. */
    if (helper > 0 && helper_pidfd >= 0)
      killed = syscall(SYS_pidfd_send_signal, (int)helper_pidfd, SIGKILL, NULL, 0) == 0;
    /* Same shape as dm/sys/log.c's lines: program, ISO-8601 local time with
     * the offset taken at install (localtime_r is not signal-safe),
     * message. */
    clock_gettime(CLOCK_REALTIME, &ts);
    put(&l, DM_PROGRAM_NAME ": ");
    put_stamp(&l, (long long)ts.tv_sec + utc_offset_s, ts.tv_nsec / 1000000);
    put(&l, " ");
    put(&l, signal_name(sig));
    put(&l, " before the exec: qemu for domain ");
    put_uint(&l, target_domid, 1);
    put(&l, " not started");
    if (probe_killed) {
      put(&l, "; killed the qemu probe (process group ");
      put_uint(&l, (unsigned long long)probe, 1);
      put(&l, ")");
    }
    if (probe_removed) {
      put(&l, "; removed the probe's directory ");
      put(&l, probe_dir);
    }
    if (killed) {
      put(&l, "; killed the scrub helper (pid ");
      put_uint(&l, (unsigned long long)helper, 1);
      put(&l, ")");
    }
    if (unlinked) {
      put(&l, "; removed the VNC password file ");
      put(&l, secret_path);
    }
    put(&l, "\n");
    (void)!write(STDERR_FILENO, l.text, l.len);
  }
  /* Die of it: blocked while this handler runs, the raised signal is
   * delivered, with its default action, as the handler returns. */
  signal(sig, SIG_DFL);
  raise(sig);
  errno = saved_errno;
}

void
dm_signals_install(guint domid)
{
  struct sigaction sa;

  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  for (gsize i = 0; i < G_N_ELEMENTS(handled); i++)
    sigaddset(&sa.sa_mask, handled[i]);
  launcher_pid = getpid();
  target_domid = domid;
  g_autoptr(GDateTime) now = dm_log_now();
  utc_offset_s = now ? (long)(g_date_time_get_utc_offset(now) / G_USEC_PER_SEC) : 0;
  for (gsize i = 0; i < G_N_ELEMENTS(handled); i++)
    sigaction(handled[i], &sa, NULL);
}

void
dm_signals_hold(sigset_t *saved)
{
  sigset_t set;

  sigemptyset(&set);
  for (gsize i = 0; i < G_N_ELEMENTS(handled); i++)
    sigaddset(&set, handled[i]);
  pthread_sigmask(SIG_BLOCK, &set, saved);
}

void
dm_signals_release(const sigset_t *saved)
{
  pthread_sigmask(SIG_SETMASK, saved, NULL);
}

void
dm_signals_track_helper(pid_t pid)
{
  /* A pidfd is close-on-exec: qemu never sees it. */
  int fd = (int)syscall(SYS_pidfd_open, pid, 0);

  if (fd < 0)
    return; /* already gone (ESRCH): nothing to kill */
  helper_pidfd = fd;
  helper_pid = pid;
}

void
dm_signals_track_secret(const char *path)
{
  have_secret = 0;
  if (path == NULL || strlen(path) >= sizeof secret_path)
    return;
  memcpy(secret_path, path, strlen(path) + 1);
  have_secret = 1;
}

void
dm_signals_track_probe(pid_t pgid)
{
  probe_pgid = pgid;
}

void
dm_signals_track_probe_dir(const char *dir, const char *inside)
{
  have_probe_dir = 0;
  if (dir == NULL || inside == NULL || strlen(dir) >= sizeof probe_dir ||
      strlen(inside) >= sizeof probe_inside)
    return;
  memcpy(probe_dir, dir, strlen(dir) + 1);
  memcpy(probe_inside, inside, strlen(inside) + 1);
  have_probe_dir = 1;
}

void
dm_signals_child(void)
{
  sigset_t set;

  for (gsize i = 0; i < G_N_ELEMENTS(handled); i++)
    signal(handled[i], SIG_DFL);
  sigemptyset(&set);
  for (gsize i = 0; i < G_N_ELEMENTS(handled); i++)
    sigaddset(&set, handled[i]);
  pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}
