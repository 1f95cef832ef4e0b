#include "act.h"
#include "helper.h"
#include "launch.h"
#include "scrubber.h"
#include "signals.h"

void
dm_act(const DmPlan *plan)
{
  g_autoptr(GError) error = NULL;
  const DmDomainConfig *dc = plan->config;
  gboolean helper = FALSE;

  if (plan->request->flavour == DM_FLAVOUR_PROBE || plan->scrub_paths->len == 0)
    return;
  /* No qemu to exec: the launch fails with 127 right after this, and a
   * helper would only outlive it. */
  if (!dm_check_executable(plan->exec, NULL))
    return;

  /* The helper first, while the launcher is single-threaded: forking
   * after the scrub's worker thread exists could copy a lock it holds. */
  if (plan->helper) {
    GPid pid = 0;
    sigset_t held;
    dm_signals_hold(&held);
    helper = dm_helper_spawn(plan, &pid, &error);
    if (helper)
      dm_signals_track_helper(pid);
    dm_signals_release(&held);
    if (helper)
      g_message("started scrub helper, pid %d", (int)pid);
    else
      g_warning("%s; stale backends that appear after exec will not be scrubbed",
                error->message);
  }

  if (plan->scrub_before_exec)
    dm_scrub_before_exec(plan);
  else if (!helper)
    g_message("no scrub helper: stale backends are left alone "
              "(scrub-mode stale needs the helper to wait out scrub-grace-ms %u)",
              dc->scrub_grace_ms);
}
