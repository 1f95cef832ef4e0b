#include <criterion/criterion.h>
#include "scrub.h"

#define DEV "/local/domain/0/backend/console/5/0"
#define DIR "/local/domain/0/backend/console/5"

static DmScrubAction
decide(DmScrubMode mode, guint grace, const char *state, gint64 since, gboolean served, gint64 now,
       char **reason, gint64 *deadline)
{
  DmScrubObservation obs = { state, since, served, now };
  g_auto(DmScrubDecision) d = { 0 };
  dm_scrub_decide(mode, grace, &obs, &d);
  if (reason)
    *reason = g_strdup(d.reason);
  if (deadline)
    *deadline = d.deadline_ms;
  return d.action;
}

Test(scrub, state_1_past_grace_is_removed_with_reason)
{
  g_autofree char *reason = NULL;
  cr_assert_eq(decide(DM_SCRUB_STALE, 2000, "1", 1000, FALSE, 3000, &reason, NULL),
               DM_SCRUB_REMOVE);
  cr_assert(strstr(reason, "state 1 (Initialising) for 2000 ms") != NULL, "%s", reason);
  cr_assert(strstr(reason, "scrub-grace-ms 2000") != NULL, "%s", reason);
}

Test(scrub, state_1_within_grace_waits_until_deadline)
{
  gint64 deadline = 0;
  cr_assert_eq(decide(DM_SCRUB_STALE, 2000, "1", 1000, FALSE, 2999, NULL, &deadline),
               DM_SCRUB_WAIT);
  cr_assert_eq(deadline, 3000);
}

Test(scrub, missing_state_is_stale)
{
  g_autofree char *reason = NULL;
  cr_assert_eq(decide(DM_SCRUB_STALE, 0, NULL, 5, FALSE, 5, &reason, NULL), DM_SCRUB_REMOVE);
  cr_assert(strstr(reason, "no state node") != NULL, "%s", reason);
  cr_assert_eq(decide(DM_SCRUB_STALE, 10, NULL, 5, FALSE, 6, NULL, NULL), DM_SCRUB_WAIT);
}

Test(scrub, grace_zero_removes_at_once)
{
  cr_assert_eq(decide(DM_SCRUB_STALE, 0, "1", 42, FALSE, 42, NULL, NULL), DM_SCRUB_REMOVE);
}

Test(scrub, served_states_are_kept)
{
  const char *served[] = { "2", "3", "4", "5", "6", "0", "8" };
  for (gsize i = 0; i < G_N_ELEMENTS(served); i++)
    cr_assert_eq(decide(DM_SCRUB_STALE, 0, served[i], 0, FALSE, 100000, NULL, NULL), DM_SCRUB_KEEP,
                 "state %s", served[i]);
  g_autofree char *reason = NULL;
  decide(DM_SCRUB_STALE, 0, "4", 0, FALSE, 1, &reason, NULL);
  cr_assert(strstr(reason, "state 4 (Connected)") != NULL, "%s", reason);
}

Test(scrub, garbage_state_is_kept_not_ours_to_judge)
{
  const char *odd[] = { "", "1x", " 1", "-1", "01x", "99999999999999999999" };
  for (gsize i = 0; i < G_N_ELEMENTS(odd); i++)
    cr_assert_eq(decide(DM_SCRUB_STALE, 0, odd[i], 0, FALSE, 100000, NULL, NULL), DM_SCRUB_KEEP,
                 "state '%s'", odd[i]);
}

Test(scrub, once_served_is_kept_even_back_in_state_1)
{
  cr_assert_eq(decide(DM_SCRUB_STALE, 0, "1", 0, TRUE, 100000, NULL, NULL), DM_SCRUB_KEEP);
}

Test(scrub, always_mode_removes_whatever_the_state)
{
  cr_assert_eq(decide(DM_SCRUB_ALWAYS, 2000, "4", 0, TRUE, 0, NULL, NULL), DM_SCRUB_REMOVE);
  cr_assert_eq(decide(DM_SCRUB_ALWAYS, 2000, "1", 0, FALSE, 0, NULL, NULL), DM_SCRUB_REMOVE);
}

Test(scrub, xenbus_state_names)
{
  cr_assert_str_eq(dm_xenbus_state_name(1), "Initialising");
  cr_assert_str_eq(dm_xenbus_state_name(4), "Connected");
  cr_assert_null(dm_xenbus_state_name(9));
}

Test(tracker, grace_counts_from_first_stale_sighting)
{
  g_autoptr(DmScrubTracker) t = dm_scrub_tracker_new(DM_SCRUB_STALE, 1000);
  g_auto(DmScrubDecision) d = { 0 };

  cr_assert_eq(dm_scrub_tracker_next_deadline(t), G_MAXINT64);
  dm_scrub_tracker_observe(t, DEV, "1", 100, &d);
  cr_assert_eq(d.action, DM_SCRUB_WAIT);
  cr_assert_eq(dm_scrub_tracker_next_deadline(t), 1100);
  dm_scrub_tracker_observe(t, DEV, "1", 600, &d);
  cr_assert_eq(d.action, DM_SCRUB_WAIT);
  cr_assert_eq(d.deadline_ms, 1100);
  dm_scrub_tracker_observe(t, DEV, "1", 1100, &d);
  cr_assert_eq(d.action, DM_SCRUB_REMOVE);
  cr_assert_eq(dm_scrub_tracker_next_deadline(t), G_MAXINT64);
}

Test(tracker, served_during_grace_is_kept_for_good)
{
  /* The "served backend": state 1 -> 2 -> 4 during the grace. */
  g_autoptr(DmScrubTracker) t = dm_scrub_tracker_new(DM_SCRUB_STALE, 1000);
  g_auto(DmScrubDecision) d = { 0 };

  dm_scrub_tracker_observe(t, DEV, "1", 0, &d);
  cr_assert_eq(d.action, DM_SCRUB_WAIT);
  dm_scrub_tracker_observe(t, DEV, "2", 300, &d);
  cr_assert_eq(d.action, DM_SCRUB_KEEP);
  dm_scrub_tracker_observe(t, DEV, "4", 600, &d);
  cr_assert_eq(d.action, DM_SCRUB_KEEP);
  cr_assert_eq(dm_scrub_tracker_next_deadline(t), G_MAXINT64);
  /* A reconnecting backend passes through 1 again: still kept. */
  dm_scrub_tracker_observe(t, DEV, "1", 50000, &d);
  cr_assert_eq(d.action, DM_SCRUB_KEEP);
}

Test(tracker, forget_and_prune)
{
  g_autoptr(DmScrubTracker) t = dm_scrub_tracker_new(DM_SCRUB_STALE, 1000);
  g_auto(DmScrubDecision) d = { 0 };
  const char *present[] = { "1", NULL };

  dm_scrub_tracker_observe(t, DIR "/0", "1", 0, &d);
  dm_scrub_tracker_observe(t, DIR "/1", "1", 0, &d);
  dm_scrub_tracker_observe(t, DIR "0/0", "1", 0, &d); /* domain 50: not under DIR */
  cr_assert_eq(dm_scrub_tracker_size(t), 3);
  dm_scrub_tracker_prune(t, DIR, present);
  cr_assert_eq(dm_scrub_tracker_size(t), 2);
  dm_scrub_tracker_prune(t, DIR, NULL);
  cr_assert_eq(dm_scrub_tracker_size(t), 1);
  dm_scrub_tracker_forget(t, DIR "0/0");
  cr_assert_eq(dm_scrub_tracker_size(t), 0);
}

Test(tracker, forgotten_device_starts_its_grace_again)
{
  g_autoptr(DmScrubTracker) t = dm_scrub_tracker_new(DM_SCRUB_STALE, 1000);
  g_auto(DmScrubDecision) d = { 0 };
  dm_scrub_tracker_observe(t, DEV, "1", 0, &d);
  dm_scrub_tracker_forget(t, DEV);
  dm_scrub_tracker_observe(t, DEV, "1", 5000, &d);
  cr_assert_eq(d.action, DM_SCRUB_WAIT);
  cr_assert_eq(d.deadline_ms, 6000);
}
