#include "scrub.h"
#include "util.h"

#include <string.h>

static const char *const state_names[] = {
  "Unknown", "Initialising", "InitWait",      "Initialised",  "Connected",
  "Closing", "Closed",       "Reconfiguring", "Reconfigured",
};

const char *
dm_xenbus_state_name(guint state)
{
  return state < G_N_ELEMENTS(state_names) ? state_names[state] : NULL;
}

const char *
dm_scrub_action_name(DmScrubAction action)
{
  switch (action) {
  case DM_SCRUB_KEEP:
    return "keep";
  case DM_SCRUB_WAIT:
    return "wait";
  case DM_SCRUB_REMOVE:
    return "remove";
  }
  return "?";
}

void
dm_scrub_decision_clear(DmScrubDecision *d)
{
  g_clear_pointer(&d->reason, g_free);
  d->action = DM_SCRUB_KEEP;
  d->deadline_ms = 0;
}

static char *
describe_state(const char *state)
{
  guint64 n;
  if (state == NULL)
    return g_strdup("no state node");
  if (dm_parse_uint(state, G_MAXUINT, &n) && dm_xenbus_state_name((guint)n))
    return g_strdup_printf("state %s (%s)", state, dm_xenbus_state_name((guint)n));
  g_autofree char *quoted = dm_quote_for_message(state);
  return g_strdup_printf("state %s", quoted);
}

static gboolean
is_stale(const char *state)
{
  guint64 n;
  /* Missing counts as stale: a half-written or half-removed backend that
   * nothing serves (a server writes state before anything else). */
  return state == NULL || (dm_parse_uint(state, G_MAXUINT, &n) && n == DM_XENBUS_INITIALISING);
}

void
dm_scrub_decide(DmScrubMode mode, guint grace_ms, const DmScrubObservation *obs,
                DmScrubDecision *out)
{
  g_autofree char *what = describe_state(obs->state);

  dm_scrub_decision_clear(out);
  if (mode == DM_SCRUB_ALWAYS) {
    out->action = DM_SCRUB_REMOVE;
    out->reason = g_strdup_printf("%s; scrub-mode is always", what);
    return;
  }
  if (obs->ever_served) {
    out->action = DM_SCRUB_KEEP;
    out->reason = g_strdup_printf("%s, but it was served earlier", what);
    return;
  }
  if (!is_stale(obs->state)) {
    out->action = DM_SCRUB_KEEP;
    out->reason = g_strdup_printf("%s: something serves it", what);
    return;
  }
  gint64 since = MIN(obs->stale_since_ms, obs->now_ms);
  gint64 stale_for = obs->now_ms - since;
  if (stale_for >= (gint64)grace_ms) {
    out->action = DM_SCRUB_REMOVE;
    out->reason = g_strdup_printf("%s for %" G_GINT64_FORMAT " ms (scrub-grace-ms %u); "
                                  "nothing serves it",
                                  what, stale_for, grace_ms);
    return;
  }
  out->action = DM_SCRUB_WAIT;
  out->deadline_ms = since + (gint64)grace_ms;
  out->reason = g_strdup_printf("%s for %" G_GINT64_FORMAT " ms; waiting out "
                                "scrub-grace-ms %u",
                                what, stale_for, grace_ms);
}

typedef struct {
  gint64 stale_since_ms; /* -1: not stale at the last read */
  gboolean ever_served;
  gint64 deadline_ms; /* WAIT deadline, or G_MAXINT64 */
} Record;

struct DmScrubTracker {
  DmScrubMode mode;
  guint grace_ms;
  GHashTable *records; /* device path -> Record */
};

DmScrubTracker *
dm_scrub_tracker_new(DmScrubMode mode, guint grace_ms)
{
  DmScrubTracker *t = g_new0(DmScrubTracker, 1);
  t->mode = mode;
  t->grace_ms = grace_ms;
  t->records = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  return t;
}

DmScrubMode
dm_scrub_tracker_mode(const DmScrubTracker *tracker)
{
  return tracker->mode;
}

void
dm_scrub_tracker_free(DmScrubTracker *tracker)
{
  if (tracker == NULL)
    return;
  g_hash_table_unref(tracker->records);
  g_free(tracker);
}

void
dm_scrub_tracker_observe(DmScrubTracker *tracker, const char *device, const char *state,
                         gint64 now_ms, DmScrubDecision *out)
{
  Record *r = g_hash_table_lookup(tracker->records, device);
  if (r == NULL) {
    r = g_new0(Record, 1);
    r->stale_since_ms = -1;
    g_hash_table_insert(tracker->records, g_strdup(device), r);
  }
  if (is_stale(state)) {
    if (r->stale_since_ms < 0)
      r->stale_since_ms = now_ms;
  } else {
    r->stale_since_ms = -1;
    /* Out of state 1 means a server picked it up (a non-number is not
     * proof of a server, but it is not ours to remove either). */
    r->ever_served = TRUE;
  }
  DmScrubObservation obs = {
    .state = state,
    .stale_since_ms = r->stale_since_ms < 0 ? now_ms : r->stale_since_ms,
    .ever_served = r->ever_served,
    .now_ms = now_ms,
  };
  dm_scrub_decide(tracker->mode, tracker->grace_ms, &obs, out);
  r->deadline_ms = out->action == DM_SCRUB_WAIT ? out->deadline_ms : G_MAXINT64;
}

void
dm_scrub_tracker_forget(DmScrubTracker *tracker, const char *device)
{
  g_hash_table_remove(tracker->records, device);
}

void
dm_scrub_tracker_prune(DmScrubTracker *tracker, const char *dir, const char *const *present)
{
  GHashTableIter it;
  gpointer key;
  gsize len = strlen(dir);

  g_hash_table_iter_init(&it, tracker->records);
  while (g_hash_table_iter_next(&it, &key, NULL)) {
    const char *path = key;
    if (strncmp(path, dir, len) != 0 || path[len] != '/')
      continue;
    if (present == NULL || !g_strv_contains(present, path + len + 1))
      g_hash_table_iter_remove(&it);
  }
}

gint64
dm_scrub_tracker_next_deadline(const DmScrubTracker *tracker)
{
  GHashTableIter it;
  gpointer value;
  gint64 next = G_MAXINT64;

  g_hash_table_iter_init(&it, tracker->records);
  while (g_hash_table_iter_next(&it, NULL, &value))
    next = MIN(next, ((Record *)value)->deadline_ms);
  return next;
}

guint
dm_scrub_tracker_size(const DmScrubTracker *tracker)
{
  return g_hash_table_size(tracker->records);
}
