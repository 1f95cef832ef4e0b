#include "act.h"
#include "helper.h"
#include "exec.h"
#include "scrub_apply.h"
#include "signals.h"
#include "util.h"
#include "xs.h"

#include <string.h>

typedef struct {
  guint stubdom;
  char *name; /* the stub domain's, NAME-dm */
} TargetQuery;

static void
target_query_free(gpointer data)
{
  TargetQuery *q = data;
  g_free(q->name);
  g_free(q);
}

/* On dm_xs_bounded's worker: the stub domain's target, if it is the HVM
 * guest NAME of a stub domain NAME-dm.  libxl writes both nodes before it
 * starts the stub domain's qemu in dom0. */
static gpointer
read_target(struct xs_handle *xs, gpointer data, GError **error)
{
  TargetQuery *q = data;
  g_autofree char *path = g_strdup_printf("/local/domain/%u/target", q->stubdom);
  g_autofree char *value = NULL;
  g_autofree char *name_path = NULL;
  g_autofree char *name = NULL;
  gboolean missing = FALSE;
  guint64 target;

  value = dm_xs_read(xs, XBT_NULL, path, &missing, error);
  if (value == NULL) {
    if (missing)
      g_clear_error(error);
    return missing ? g_new0(guint, 1) : NULL;
  }
  if (!dm_parse_uint(value, DM_DOMID_MAX, &target) || target == 0) {
    g_set_error(error, DM_ERROR, DM_ERROR_XENSTORE, "%s is '%s', not a domid", path, value);
    return NULL;
  }
  name_path = g_strdup_printf("/local/domain/%u/name", (guint)target);
  name = dm_xs_read(xs, XBT_NULL, name_path, NULL, error);
  if (name == NULL)
    return NULL;
  if (strlen(name) + 3 != strlen(q->name) || strncmp(name, q->name, strlen(name)) != 0) {
    g_set_error(error, DM_ERROR, DM_ERROR_XENSTORE,
                "the target of %s (domain %u) is '%s', not the stub domain's guest", q->name,
                (guint)target, name);
    return NULL;
  }
  guint *found = g_new0(guint, 1);
  *found = (guint)target;
  return found;
}

/* dom0's launcher for a stub domain NAME-dm is the only one that ever runs
 * for the HVM guest NAME: its own qemu runs inside the stub domain, where
 * the launcher cannot remove dom0's backend nodes (they are dom0's).  So
 * the target's stale console and vfb backends are scrubbed from here, by
 * the HVM policy. */
static void
add_stubdom_target(DmPlan *plan)
{
  g_autoptr(GError) error = NULL;
  g_autofree guint *target = NULL;
  TargetQuery *q;

  if (!dm_request_may_serve_stubdom(plan->request) || !plan->config->scrub_hvm)
    return;
  q = g_new0(TargetQuery, 1);
  q->stubdom = plan->request->domid;
  q->name = g_strdup(plan->request->name);
  target = dm_xs_bounded(read_target, q, target_query_free, g_free,
                         plan->config->xenstore_timeout_ms, &error);
  if (target == NULL) {
    g_warning("stub domain %s: its target's backends are not scrubbed: %s", plan->request->name,
              error->message);
    return;
  }
  if (*target == 0)
    return; /* a PV guest named *-dm, not a stub domain */
  g_message("stub domain %s serves HVM guest %u: scrubbing its %u backend directories "
            "too",
            plan->request->name, *target, dm_plan_add_stubdom_target(plan, *target));
}

/* A helper started and not yet collected (see dm_act_finish). */
static DmHelperStart pending;
static sigset_t pending_held;

void
dm_act_finish(void)
{
  g_autoptr(GError) error = NULL;
  GPid pid = 0;

  if (pending.intermediate == 0)
    return;
  if (dm_helper_collect(&pending, &pid, &error))
    dm_signals_track_helper(pid);
  dm_signals_release(&pending_held);
  if (pid > 0)
    g_message("started scrub helper, pid %d", (int)pid);
  else
    g_warning("%s; stale backends that appear after exec will not be scrubbed", error->message);
}

void
dm_act(DmPlan *plan)
{
  g_autoptr(GError) error = NULL;
  const DmDomainConfig *dc = plan->config;
  gboolean helper = FALSE;

  if (plan->request->flavour == DM_FLAVOUR_PROBE)
    return;
  add_stubdom_target(plan);
  if (plan->scrub_paths->len == 0)
    return;
  /* No qemu to exec: the launch fails with 127 right after this, and a
   * helper would only outlive it. */
  if (!dm_check_executable(plan->exec, NULL))
    return;

  /* The helper first, while the launcher is single-threaded: forking
   * after the scrub's worker thread exists could copy a lock it holds. */
  if (plan->helper) {
    /* Signals wait until the helper's pid is known and tracked (a SIGTERM
     * before then would leave it running): held from the fork to
     * dm_act_finish(). */
    dm_signals_hold(&pending_held);
    helper = dm_helper_spawn(plan, &pending, &error);
    if (!helper) {
      dm_signals_release(&pending_held);
      g_warning("%s; stale backends that appear after exec will not be scrubbed", error->message);
    }
  }

  if (plan->scrub_before_exec) {
    /* That pass may wait up to xenstore-timeout-ms: not with signals held. */
    dm_act_finish();
    dm_scrub_before_exec(plan);
  } else if (!helper)
    g_message("no scrub helper: stale backends are left alone "
              "(scrub-mode stale needs the helper to wait out scrub-grace-ms %u)",
              dc->scrub_grace_ms);
}
