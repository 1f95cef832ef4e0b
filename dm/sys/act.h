/* "Act": what the launcher does to the domain between planning and exec:
 * find a stub domain's HVM target, fork the detached scrub helper
 * and run the bounded immediate scrub (dm_act_finish collects the helper
 * just before the exec).  Skipped for probes and dry runs (the caller does not call it). */
#pragma once
#include "plan.h"

/* Never fails and never blocks the guest's boot for longer than
 * xenstore-timeout-ms: every problem is a logged warning. */
void dm_act(DmPlan *plan);

/* Collects the scrub helper dm_act started (reaps the intermediate
 * process, tracks the helper's pid for the signal path, logs "started
 * scrub helper, pid N") and lets signals in again.  Called by
 * dm_exec_plan just before the exec, so that the intermediate runs while
 * the launcher works; a no-op when no helper is pending. */
void dm_act_finish(void);
