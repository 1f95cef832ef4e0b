#include "helper.h"
#include "proctitle.h"
#include "log.h"
#include "scrub_apply.h"
#include "signals.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

/* RLIMIT_NPROC counts every task of the uid, zombies included, and is
 * checked at each clone: a limit set before the helper's threads start
 * would make them fail whenever another task of the uid is still counted
 * (a previous instance's helper, a zombie its reaper has not collected
 * yet).  So the limit comes once they run, and at 0: from then on any
 * clone, thread or fork, fails with EAGAIN, whatever the filter says. */
gboolean
dm_helper_forbid_new_tasks(void)
{
  struct rlimit none = { 0, 0 };
  return setrlimit(RLIMIT_NPROC, &none) == 0;
}

typedef struct {
  struct xs_handle *xs;
  guint domid;
  char *domain_dir;
  /* The instance served (dm_scrub_dir checks it before removing), and its
   * node's watch: any event after the first (registration) means the
   * domain was destroyed or its domid reused.  path NULL: the toolstack
   * wrote neither node, and the domain's directory is watched instead. */
  DmScrubInstance instance;
  gboolean instance_primed;
  const GPtrArray *dirs;
  DmScrubTracker *tracker;
  GMutex lock; /* guards the tracker and the xenstore passes */
  GCond wake;  /* the timer thread's: deadlines changed */
  gint64 window_end_ms;
  guint window_s;
  guint grace_ms;
  gint64 retry_at_ms; /* a failed pass is retried then (G_MAXINT64: none) */
  gint64 retry_ms;    /* the current backoff */
  /* @releaseDomain fires for every domain on the host.  Checking ours on
   * each one costs every helper a request per release: 256 guests
   * released at once would cost 65,536 requests.  So a release is checked
   * at once if the last check is RELEASE_CHECK_MS old, else when it is. */
  gint64 release_check_at_ms; /* G_MAXINT64: none pending */
  gint64 last_release_check_ms;
  gboolean release_primed; /* the event xs_watch itself fires has come */
  gboolean seen_introduced;
} Helper;

#define RELEASE_CHECK_MS 100

#define RELEASE_TOKEN "release"
#define DOMAIN_TOKEN "domain"
#define INSTANCE_TOKEN "instance"

static void G_GNUC_NORETURN
helper_exit(int status)
{
  fflush(stderr);
  _exit(status);
}

static void
scan(Helper *h, const char *only)
{
  for (guint i = 0; i < h->dirs->len; i++) {
    const char *dir = h->dirs->pdata[i];
    g_autoptr(GError) error = NULL;
    if (only && strcmp(only, dir) != 0)
      continue;
    if (!dm_scrub_dir(h->xs, h->tracker, dir, h->instance.path ? &h->instance : NULL, NULL, NULL,
                      &error)) {
      if (h->instance.changed) {
        g_message("%s; exiting", error->message);
        helper_exit(0);
      }
      /* E.g. a transaction that kept conflicting (many launches at once)
       * or a quota: try again soon, or the node would wait for an event
       * that may never come. */
      h->retry_ms = h->retry_ms ? MIN(h->retry_ms * 2, 2000) : 50;
      h->retry_at_ms = dm_scrub_now_ms() + h->retry_ms + g_random_int_range(0, 50);
      g_warning("%s; trying again in %" G_GINT64_FORMAT " ms", error->message,
                h->retry_at_ms - dm_scrub_now_ms());
    } else if (only == NULL) {
      h->retry_ms = 0;
    }
  }
  g_cond_signal(&h->wake);
}

/* @releaseDomain fires for every domain on the host: check ours. */
static gboolean
domain_gone(Helper *h)
{
  unsigned int len = 0;
  char *value;

  /* libxenstore answers a failed request (xenstored gone: EBADF,
   * EINVAL) with the same false as "not introduced", and leaves errno
   * alone on success: so clear it first.  A failed request proves
   * nothing; the reader loop ends the helper when the connection is
   * gone, and says why. */
  errno = 0;
  if (xs_is_domain_introduced(h->xs, h->domid)) {
    h->seen_introduced = TRUE;
    return FALSE;
  }
  if (errno != 0) {
    /* Ask again soon: a live connection answers then. */
    h->release_check_at_ms = dm_scrub_now_ms() + RELEASE_CHECK_MS;
    g_cond_signal(&h->wake);
    return FALSE;
  }
  if (h->seen_introduced)
    return TRUE;
  /* Never introduced while we watched (the toolstack introduces a domain
   * before it starts the device model, but do not rely on it): gone when
   * its directory is gone. */
  value = xs_read(h->xs, XBT_NULL, h->domain_dir, &len);
  free(value);
  return value == NULL && errno == ENOENT;
}

static void
exit_if_gone(Helper *h)
{
  if (domain_gone(h)) {
    g_message("domain %u is gone; exiting", h->domid);
    helper_exit(0);
  }
}

/* Under the lock: a check for @releaseDomain, rate-limited. */
static void
check_release(Helper *h)
{
  h->release_check_at_ms = G_MAXINT64;
  h->last_release_check_ms = dm_scrub_now_ms();
  exit_if_gone(h);
}

static gpointer
timer_thread(gpointer data)
{
  Helper *h = data;

  g_mutex_lock(&h->lock);
  for (;;) {
    gint64 now = dm_scrub_now_ms();
    gint64 next = MIN(dm_scrub_tracker_next_deadline(h->tracker), h->retry_at_ms);
    if (now >= h->window_end_ms) {
      g_message("scrub window of %u s ended; exiting", h->window_s);
      helper_exit(0);
    }
    if (now >= h->release_check_at_ms) {
      check_release(h);
      continue;
    }
    next = MIN(next, h->release_check_at_ms);
    if (now >= next) {
      h->retry_at_ms = G_MAXINT64;
      scan(h, NULL);
      continue;
    }
    next = MIN(next, h->window_end_ms);
    /* Sleeps until the next grace or window deadline, or until a watch
     * event changed the deadlines (g_cond_signal in scan). */
    g_cond_wait_until(&h->wake, &h->lock, g_get_monotonic_time() + (next - now) * 1000);
  }
  return NULL;
}

/* The window bounds the helper's life even when xenstored stops
 * answering (stopped, hung, swapped out): a request then blocks forever,
 * and the timer thread with it, holding the lock.  This thread takes no
 * lock; it ends the process a little after the timer thread should have.
 * An open transaction dies with the connection, uncommitted. */
#define WATCHDOG_SLACK_MS 1000

static gpointer
watchdog_thread(gpointer data)
{
  const Helper *h = data;
  gint64 end = h->window_end_ms + WATCHDOG_SLACK_MS;
  gint64 now;

  while ((now = dm_scrub_now_ms()) < end)
    g_usleep((gulong)(end - now) * 1000);
  g_warning("scrub window of %u s ended with a xenstore request still unanswered "
            "(xenstored stopped or hung?); exiting",
            h->window_s);
  helper_exit(1);
}

static void
start_thread(Helper *h, const char *name, GThreadFunc fn)
{
  g_autoptr(GError) error = NULL;
  GThread *thread = g_thread_try_new(name, fn, h, &error);

  if (thread == NULL) {
    g_warning("cannot start the %s thread: %s; exiting", name, error->message);
    helper_exit(1);
  }
  g_thread_unref(thread);
}

static void
watch(Helper *h, const char *path, const char *token)
{
  if (!xs_watch(h->xs, path, token)) {
    g_warning("cannot watch %s: %s; exiting", path, g_strerror(errno));
    helper_exit(1);
  }
}

/* Reads the node that names the domain instance: libxl and xend write
 * /local/domain/N/vm (/vm/<uuid>) and name, read-only to the guest,
 * before they start the device model. */
static char *
read_instance(Helper *h, const char *path)
{
  unsigned int len = 0;
  char *value = xs_read(h->xs, XBT_NULL, path, &len);
  char *copy = value ? g_strdup(value) : NULL;

  free(value);
  return copy;
}

static void
pick_instance(Helper *h)
{
  static const char *const nodes[] = { "vm", "name" };

  for (gsize i = 0; i < G_N_ELEMENTS(nodes); i++) {
    char *path = g_strdup_printf("%s/%s", h->domain_dir, nodes[i]);
    char *value = read_instance(h, path);
    if (value != NULL) {
      h->instance.path = path;
      h->instance.value = value;
      return;
    }
    g_free(path);
  }
}

/* An event on the instance node after the registration's: the domain's
 * directory was removed (destroy), or the node rewritten (a new domain
 * on this domid).  Either way this helper's work is over. */
static void G_GNUC_NORETURN
instance_ended(Helper *h)
{
  g_autofree char *now = read_instance(h, h->instance.path);

  if (now == NULL)
    g_message("domain %u is gone; exiting", h->domid);
  else
    g_message("domain %u's %s changed from %s to %s: the domid now belongs to a new "
              "domain; exiting",
              h->domid, h->instance.path, h->instance.value, now);
  helper_exit(0);
}

static void G_GNUC_NORETURN
helper_run(Helper *h)
{
  /* First: every xenstore request below may block. */
  start_thread(h, "watchdog", watchdog_thread);

  g_mutex_lock(&h->lock);
  pick_instance(h);
  /* Watches fire once at registration, so the first pass happens through
   * the loop below; registering before the timer starts keeps one order. */
  for (guint i = 0; i < h->dirs->len; i++)
    watch(h, h->dirs->pdata[i], h->dirs->pdata[i]);
  watch(h, "@releaseDomain", RELEASE_TOKEN);
  if (h->instance.path != NULL) {
    /* Only the instance node, not the domain's directory: a watch there
     * fires for every write the guest makes in its own tree (data/,
     * control/, device/), which is none of the scrub's business. */
    watch(h, h->instance.path, INSTANCE_TOKEN);
    /* Read again once watched: a change before the watch sent no event. */
    g_autofree char *again = read_instance(h, h->instance.path);
    if (again == NULL || strcmp(again, h->instance.value) != 0)
      instance_ended(h);
  } else {
    /* Neither node (not a toolstack we know): the directory's removal
     * ends the helper, as the toolstack's destroy removes it. */
    watch(h, h->domain_dir, DOMAIN_TOKEN);
  }
  if (domain_gone(h)) {
    g_message("domain %u is already gone; exiting", h->domid);
    helper_exit(0);
  }
  g_message("watching %u backend class%s of domain %u for %u s (scrub-mode %s, "
            "scrub-grace-ms %u)",
            h->dirs->len, h->dirs->len == 1 ? "" : "es", h->domid, h->window_s,
            dm_scrub_mode_name(dm_scrub_tracker_mode(h->tracker)), h->grace_ms);
  start_thread(h, "timer", timer_thread);
  /* Every task the helper will have now runs (this thread, the watchdog,
   * libxenstore's reader, the timer): no new one, thread or process. */
  if (!dm_helper_forbid_new_tasks()) {
    g_warning("cannot set RLIMIT_NPROC: %s; exiting", g_strerror(errno));
    helper_exit(1);
  }
  g_mutex_unlock(&h->lock);

  for (;;) {
    unsigned int n = 0;
    char **event = xs_read_watch(h->xs, &n);
    if (event == NULL) {
      /* libxenstore says EINVAL once its reader thread saw the socket
       * close: the daemon exited or restarted. */
      if (errno == EINVAL)
        g_warning("xenstored closed the connection (exited or restarted?); "
                  "stopping the scrub of domain %u and exiting",
                  h->domid);
      else
        g_warning("lost the connection to xenstored: %s; stopping the scrub of "
                  "domain %u and exiting",
                  g_strerror(errno), h->domid);
      helper_exit(1);
    }
    g_mutex_lock(&h->lock);
    const char *token = event[XS_WATCH_TOKEN];
    if (strcmp(token, RELEASE_TOKEN) == 0 && !h->release_primed) {
      /* Fired by registering the watch, before the check helper_run made
       * after registering: nothing new. */
      h->release_primed = TRUE;
    } else if (strcmp(token, RELEASE_TOKEN) == 0) {
      gint64 due = h->last_release_check_ms + RELEASE_CHECK_MS;
      if (dm_scrub_now_ms() >= due) {
        check_release(h);
      } else if (h->release_check_at_ms == G_MAXINT64) {
        h->release_check_at_ms = due;
        g_cond_signal(&h->wake);
      }
    } else if (strcmp(token, INSTANCE_TOKEN) == 0) {
      if (h->instance_primed)
        instance_ended(h);
      h->instance_primed = TRUE; /* the registration's event */
    } else if (strcmp(token, DOMAIN_TOKEN) == 0) {
      /* Changes below the domain's directory are the guest's business;
       * only the directory itself going matters. */
      if (strcmp(event[XS_WATCH_PATH], h->domain_dir) == 0)
        exit_if_gone(h);
    } else {
      scan(h, token);
    }
    g_mutex_unlock(&h->lock);
    free(event);
  }
}

/* The grandchild.  Never returns. */
static void G_GNUC_NORETURN
helper_main(const DmPlan *plan)
{
  /* On the stack: this function never returns, so an autofree would
   * never run. */
  char tag[32];
  g_autoptr(GError) error = NULL;
  DmSandboxPolicy policy;
  uid_t uid;
  gid_t gid;
  int null_fd;
  Helper h = { 0 };

  /* One malloc arena for the whole helper: each of its threads (the
   * watchdog, the timer, libxenstore's reader) would otherwise take one
   * of its own, 16 KiB of private memory per helper in the 256-launch
   * storm for nothing (docs/launch-cost.md). */
  mallopt(M_ARENA_MAX, 1);
  g_snprintf(tag, sizeof tag, "helper %d", (int)getpid());
  dm_log_set_tag(tag);
  dm_proctitle_set_helper(plan->request->domid, plan->request->name);
  /* A uid of its own, shared with no other process: not nobody's, not
   * another helper's, not qemu's (docs/helper-uids.md). */
  uid = gid = plan->config->helper_uid_base + plan->request->domid;

  /* Keep only stderr (the toolstack's log for this domain).  The fds the
   * toolstack handed the launcher (a QMP socket, a migration stream) are
   * qemu's: a helper holding them would keep a stream from reaching EOF. */
  null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null_fd >= 0) {
    dup2(null_fd, STDIN_FILENO);
    dup2(null_fd, STDOUT_FILENO);
  }
  close_range(3, ~0U, 0);
  dm_log_reopen_syslog(); /* its socket went with the rest */
  if (chdir("/") < 0)
    g_debug("chdir /: %s", g_strerror(errno));

  h.xs = dm_xs_open(&error);
  if (h.xs == NULL) {
    g_warning("%s; exiting", error->message);
    helper_exit(1);
  }

  /* GLib reads its charset table on first use; do it while files can
   * still be opened. */
  g_get_charset(NULL);
  /* Likewise GLib's global random generator (the retry jitter) seeds
   * itself from /dev/urandom on first use. */
  (void)g_random_int();

  /* The connection is open: now drop everything else.  Single-threaded
   * here, as dm_sandbox_apply requires; the threads started below inherit
   * the filter. */
  dm_sandbox_policy_for_scrub_helper(uid, gid, &policy);
  if (!dm_sandbox_apply(&policy, &error)) {
    g_warning("%s; exiting rather than run unconfined", error->message);
    helper_exit(1);
  }

  h.domid = plan->request->domid;
  h.domain_dir = g_strdup_printf("/local/domain/%u", h.domid);
  h.dirs = plan->scrub_paths;
  h.window_s = plan->config->scrub_window_s;
  h.window_end_ms = dm_scrub_now_ms() + (gint64)h.window_s * 1000;
  h.tracker = dm_scrub_tracker_new(plan->config->scrub_mode, plan->config->scrub_grace_ms);
  g_mutex_init(&h.lock);
  g_cond_init(&h.wake);
  h.grace_ms = plan->config->scrub_grace_ms;
  h.retry_at_ms = G_MAXINT64;
  h.release_check_at_ms = G_MAXINT64;
  h.last_release_check_ms = G_MININT64 / 2;
  helper_run(&h);
}

gboolean
dm_helper_spawn(const DmPlan *plan, DmHelperStart *start, GError **error)
{
  int fds[2];
  pid_t child;

  start->intermediate = 0;
  start->pid_pipe = -1;
  if (pipe2(fds, O_CLOEXEC) < 0) {
    g_set_error(error, DM_ERROR, DM_ERROR_SYSTEM, "cannot make a pipe: %s", g_strerror(errno));
    return FALSE;
  }
  fflush(stderr);
  /* The intermediate only starts a new session, forks the helper, says
   * its pid and exits, so that the helper is adopted by init (or the
   * toolstack's subreaper), not by the process that becomes qemu, and is
   * not a session leader that could acquire a terminal.  fork, not
   * vfork: the launcher does not sleep until the intermediate has been
   * scheduled, run and exited (on a loaded host the wait for a CPU was
   * most of the helper's cost on the launch path, docs/launch-cost.md);
   * it goes on towards its exec and reaps the intermediate just before,
   * by when it has usually finished (it runs as SCHED_FIFO, below). */
  child = fork();
  if (child < 0) {
    g_set_error(error, DM_ERROR, DM_ERROR_SYSTEM, "cannot fork: %s", g_strerror(errno));
    close(fds[0]);
    close(fds[1]);
    return FALSE;
  }
  if (child == 0) {
    close(fds[0]);
    setsid();
    pid_t grandchild = fork();
    if (grandchild == 0) {
      dm_signals_child();
      helper_main(plan);
    }
    int said = grandchild > 0 ? (int)grandchild : -errno;
    (void)!write(fds[1], &said, sizeof said);
    _exit(grandchild > 0 ? 0 : 1);
  }
  /* The launcher reaps the intermediate before its exec, so on a busy
   * host the intermediate's wait for a CPU was the launch's longest wait
   * (a quarter of launches waited over 1.7 ms for it; docs/launch-cost.md).
   * As SCHED_FIFO it runs at once, for the ~0.1 ms that setsid, one fork
   * and a write take.  SCHED_RESET_ON_FORK: the helper it forks is an
   * ordinary task again (and a negative nice is reset to 0), whichever
   * of this call and that fork comes first.  Root may do this; anyone
   * else keeps the intermediate as it is. */
  struct sched_param rt = { .sched_priority = 1 };
  if (sched_setscheduler(child, SCHED_FIFO | SCHED_RESET_ON_FORK, &rt) != 0)
    g_debug("the helper's intermediate keeps its scheduling policy: %s", g_strerror(errno));
  close(fds[1]);
  start->intermediate = child;
  start->pid_pipe = fds[0];
  return TRUE;
}

gboolean
dm_helper_collect(DmHelperStart *start, GPid *pid, GError **error)
{
  int said = 0;
  ssize_t n;
  int status = 0;

  while ((n = read(start->pid_pipe, &said, sizeof said)) < 0 && errno == EINTR)
    ;
  close(start->pid_pipe);
  while (waitpid(start->intermediate, &status, 0) < 0 && errno == EINTR)
    ;
  start->intermediate = 0;
  start->pid_pipe = -1;
  if (n != (ssize_t)sizeof said || said <= 0) {
    g_set_error(error, DM_ERROR, DM_ERROR_SYSTEM, "cannot fork the helper: %s",
                n == (ssize_t)sizeof said && said < 0 ? g_strerror(-said)
                                                      : "the intermediate process failed");
    return FALSE;
  }
  *pid = said;
  return TRUE;
}
