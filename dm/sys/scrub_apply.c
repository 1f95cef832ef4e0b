#include "scrub_apply.h"
#include "util.h"

#include <errno.h>
#include <string.h>

gint64
dm_scrub_now_ms(void)
{
  return g_get_monotonic_time() / 1000;
}

typedef struct {
  DmScrubTracker *tracker;
  const char *dir;
  gboolean look_only;        /* decide, count, remove nothing */
  DmScrubInstance *instance; /* re-checked before removing (may be NULL) */
  const gint *abandoned;     /* set: give up, commit nothing (may be NULL) */
  guint to_remove;
  GPtrArray *removed; /* paths */
  GPtrArray *reasons;
} Pass;

static gboolean
xs_failed(GError **error, const char *what, const char *path)
{
  g_set_error(error, DM_ERROR, DM_ERROR_XENSTORE, "cannot %s %s: %s", what, path,
              g_strerror(errno));
  return FALSE;
}

/* Inside the removal's transaction: is the domain still the one the
 * helper started for?  Its read joins the transaction, so a destroy
 * committed after it makes our commit fail (EAGAIN) and the retry sees
 * the change. */
static gboolean
same_instance(struct xs_handle *xs, xs_transaction_t t, DmScrubInstance *instance, GError **error)
{
  unsigned int len = 0;
  g_autofree char *value = xs_read(xs, t, instance->path, &len);

  if (value == NULL && errno != ENOENT)
    return xs_failed(error, "read", instance->path);
  if (value != NULL && strcmp(value, instance->value) == 0)
    return TRUE;
  instance->changed = TRUE;
  g_set_error(error, DM_ERROR, DM_ERROR_XENSTORE,
              "%s is %s, not %s as when the helper started: the domain is gone or its "
              "domid was reused; removing nothing",
              instance->path, value ? "changed" : "gone", instance->value);
  return FALSE;
}

static gboolean
pass_body(struct xs_handle *xs, xs_transaction_t t, gpointer data, GError **error)
{
  Pass *p = data;
  unsigned int n = 0;
  gint64 now = dm_scrub_now_ms();
  g_autofree char **names = NULL;

  /* A retried transaction starts from scratch. */
  p->to_remove = 0;
  g_ptr_array_set_size(p->removed, 0);
  g_ptr_array_set_size(p->reasons, 0);

  if (!p->look_only && p->instance && !same_instance(xs, t, p->instance, error))
    return FALSE;

  /* libxenstore returns one malloc'd block holding the array and strings. */
  char **list = xs_directory(xs, t, p->dir, &n);
  if (list == NULL) {
    if (errno != ENOENT)
      return xs_failed(error, "list", p->dir);
    dm_scrub_tracker_prune(p->tracker, p->dir, NULL);
    return TRUE;
  }
  names = g_new0(char *, n + 1);
  for (unsigned int i = 0; i < n; i++)
    names[i] = list[i];
  dm_scrub_tracker_prune(p->tracker, p->dir, (const char *const *)names);

  for (unsigned int i = 0; i < n; i++) {
    g_autofree char *device = g_strdup_printf("%s/%s", p->dir, names[i]);
    g_autofree char *state_path = g_strdup_printf("%s/state", device);
    g_auto(DmScrubDecision) d = { 0 };
    unsigned int len = 0;
    char *state = xs_read(xs, t, state_path, &len);

    if (state == NULL && errno != ENOENT) {
      free(list);
      return xs_failed(error, "read", state_path);
    }
    dm_scrub_tracker_observe(p->tracker, device, state, now, &d);
    free(state);
    if (d.action != DM_SCRUB_REMOVE) {
      g_debug("%s: %s: %s", device, dm_scrub_action_name(d.action), d.reason);
      continue;
    }
    p->to_remove++;
    if (p->look_only)
      continue;
    if (!xs_rm(xs, t, device) && errno != ENOENT) {
      free(list);
      return xs_failed(error, "remove", device);
    }
    g_ptr_array_add(p->removed, g_steal_pointer(&device));
    g_ptr_array_add(p->reasons, g_steal_pointer(&d.reason));
  }
  free(list);
  /* The launcher stopped waiting and is about to exec: a removal
   * committed now could no longer be logged, so commit nothing. */
  if (!p->look_only && p->abandoned && g_atomic_int_get(p->abandoned)) {
    g_set_error(error, DM_ERROR, DM_ERROR_XENSTORE, "abandoned at the deadline");
    return FALSE;
  }
  return TRUE;
}

static gboolean
rm_if_empty(struct xs_handle *xs, xs_transaction_t t, gpointer data, GError **error)
{
  const char *dir = data;
  unsigned int n = 0;
  char **list = xs_directory(xs, t, dir, &n);

  free(list);
  if (list == NULL)
    return errno == ENOENT ? TRUE : xs_failed(error, "list", dir);
  if (n == 0 && !xs_rm(xs, t, dir) && errno != ENOENT)
    return xs_failed(error, "remove", dir);
  return TRUE;
}

gboolean
dm_scrub_dir(struct xs_handle *xs, DmScrubTracker *tracker, const char *dir,
             DmScrubInstance *instance, const gint *abandoned, guint *removed, GError **error)
{
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GPtrArray) reasons = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GError) dir_error = NULL;
  Pass p = { tracker, dir, TRUE, instance, abandoned, 0, paths, reasons };

  if (removed)
    *removed = 0;
  /* First a look without a transaction: most passes (the watch events of
   * our own removals, served devices, devices in their grace) remove
   * nothing, and cost no transaction. */
  if (!pass_body(xs, XBT_NULL, &p, error)) {
    g_prefix_error(error, "scrubbing %s: ", dir);
    return FALSE;
  }
  if (p.to_remove == 0)
    return TRUE;

  /* Then the removal, deciding again inside the transaction: a device
   * that a server moved out of state 1 before the commit makes the
   * commit fail with EAGAIN, and the retry sees it served. */
  p.look_only = FALSE;
  if (!dm_xs_transact(xs, pass_body, &p, 16, error)) {
    g_prefix_error(error, "scrubbing %s: ", dir);
    return FALSE;
  }
  /* Logged after the commit: a retried transaction must not log twice. */
  for (guint i = 0; i < paths->len; i++) {
    g_message("removed stale backend %s: %s", (char *)paths->pdata[i], (char *)reasons->pdata[i]);
    dm_scrub_tracker_forget(tracker, paths->pdata[i]);
  }
  if (removed)
    *removed = paths->len;

  /* The class directory, once empty, as the old wrapper's `xenstore-rm
   * .../<class>/<domid>` left nothing behind.  Its own transaction: it
   * changes the parent shared by every domain's directory, so it
   * conflicts with other launches' removals, and the devices' removal
   * above must not be retried for it.  Best effort: an empty directory
   * is no backend and hangs no driver. */
  if (paths->len > 0 && !dm_xs_transact(xs, rm_if_empty, (gpointer)dir, 4, &dir_error))
    g_debug("leaving empty %s: %s", dir, dir_error->message);
  return TRUE;
}

/* The bounded pass before exec runs through dm_xs_bounded().  The worker
 * may outlive the wait (stuck in a blocking libxenstore call), so what it
 * reads is a reference-counted DmXsJob: the launcher keeps a reference to
 * mark it abandoned, after which it commits nothing. */
typedef struct {
  DmXsJob box;
  gint abandoned; /* atomic: the launcher stopped waiting */
  GStrv dirs;
  DmScrubMode mode;
  guint grace_ms;
} ScrubRun;

static void
scrub_run_clear(ScrubRun *run)
{
  g_strfreev(run->dirs);
}

/* Returns the number removed (g_free), or NULL with `error` set. */
static gpointer
scrub_run(struct xs_handle *xs, gpointer data, GError **error)
{
  ScrubRun *run = data;
  g_autoptr(DmScrubTracker) tracker = dm_scrub_tracker_new(run->mode, run->grace_ms);
  guint *total = g_new0(guint, 1);

  for (char **dir = run->dirs; *dir; dir++) {
    guint n = 0;
    if (!dm_scrub_dir(xs, tracker, *dir, NULL, &run->abandoned, &n, error)) {
      g_free(total);
      return NULL;
    }
    *total += n;
  }
  return total;
}

guint
dm_scrub_before_exec(const DmPlan *plan)
{
  const DmDomainConfig *dc = plan->config;
  g_autoptr(GError) error = NULL;
  g_autofree guint *removed = NULL;
  ScrubRun *run;

  if (plan->scrub_paths->len == 0)
    return 0;
  run = dm_xs_job_new(ScrubRun, scrub_run_clear);
  run->mode = dc->scrub_mode;
  run->grace_ms = dc->scrub_grace_ms;
  run->dirs = g_new0(char *, plan->scrub_paths->len + 1);
  for (guint i = 0; i < plan->scrub_paths->len; i++)
    run->dirs[i] = g_strdup(plan->scrub_paths->pdata[i]);

  removed = dm_xs_job_run(scrub_run, run, g_free, dc->xenstore_timeout_ms, &error);
  if (removed == NULL && g_error_matches(error, DM_ERROR, DM_ERROR_TIMEOUT)) {
    g_atomic_int_set(&run->abandoned, 1);
    g_warning("xenstored did not finish the immediate scrub within %u ms "
              "(xenstore-timeout-ms); starting qemu anyway, never blocking the guest's boot",
              dc->xenstore_timeout_ms);
  } else if (removed == NULL) {
    g_warning("immediate scrub failed: %s; starting qemu anyway", error->message);
  }
  dm_xs_job_unref(run);
  return removed ? *removed : 0;
}
