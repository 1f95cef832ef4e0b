/* "Act": what the launcher does to the domain between planning and exec.
 * Today: find a stub domain's HVM target, fork the detached scrub helper
 * and run the bounded immediate scrub.  Skipped for probes and dry runs (the caller does not call it). */
#pragma once
#include "plan.h"

/* Never fails and never blocks the guest's boot for longer than
 * xenstore-timeout-ms: every problem is a logged warning. */
void dm_act(DmPlan *plan);
