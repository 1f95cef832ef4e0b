/* The scrub's decisions, in pure code: given what was read for one
 * device's backend directory (/local/domain/0/backend/<class>/<domid>/<devid>)
 * and when, decide whether to remove it, keep it, or wait, and why.
 *
 * Why a backend is scrubbed at all: for HVM guests the toolstack writes
 * console and vfb backends that nothing may serve.  They stay in state 1
 * (XenbusStateInitialising) forever, and the Citrix/XCP Windows PV drivers
 * (XENUTIL) loop at boot, with no deadline, in
 * XenbusWaitForBackendStateChange on such a node.  A backend that
 * something serves (qemu's own console or vfb backend) leaves state 1 on
 * its own, so in `stale` mode it is never touched. */
#pragma once
#include "config.h"
#include <glib.h>

/* XenbusStateInitialising (xen/include/public/io/xenbus.h). */
#define DM_XENBUS_INITIALISING 1

typedef enum {
  DM_SCRUB_KEEP,   /* served, or not ours to judge: never removed */
  DM_SCRUB_WAIT,   /* stale, but not for long enough yet */
  DM_SCRUB_REMOVE, /* stale for at least the grace period (or mode always) */
} DmScrubAction;

typedef struct {
  DmScrubAction action;
  gint64 deadline_ms; /* WAIT: when it becomes REMOVE if still stale */
  char *reason;       /* for the log; owned */
} DmScrubDecision;

void dm_scrub_decision_clear(DmScrubDecision *d);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(DmScrubDecision, dm_scrub_decision_clear)

const char *dm_scrub_action_name(DmScrubAction action);

/* A xenbus state's name ("Initialising"), or NULL if out of range. */
const char *dm_xenbus_state_name(guint state);

/* What one read of a device's backend showed.  `state` is the `state`
 * node's value, NULL when the node is missing. */
typedef struct {
  const char *state;
  gint64 stale_since_ms; /* when it was first seen stale, in this run */
  gboolean ever_served;  /* seen out of state 1 before, in this run */
  gint64 now_ms;
} DmScrubObservation;

/* The decision for one device.  Rules:
 *  - mode always: remove (the old wrapper's behaviour);
 *  - a backend once seen out of state 1 is served: keep it, whatever it
 *    does later (a served backend going back to 1 is its server's
 *    business);
 *  - state 1 or missing: stale; remove once it has stayed so for
 *    grace_ms, else wait;
 *  - any other state, or one that is not a number: keep. */
void dm_scrub_decide(DmScrubMode mode, guint grace_ms, const DmScrubObservation *obs,
                     DmScrubDecision *out);

/* Remembers, per device path, when it was first seen stale and whether it
 * was ever served, across the passes of one process (launcher or helper).
 * Pure: the caller passes the clock. */
typedef struct DmScrubTracker DmScrubTracker;

DmScrubTracker *dm_scrub_tracker_new(DmScrubMode mode, guint grace_ms);
void dm_scrub_tracker_free(DmScrubTracker *tracker);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DmScrubTracker, dm_scrub_tracker_free)

DmScrubMode dm_scrub_tracker_mode(const DmScrubTracker *tracker);

/* Records a read of `device` (state NULL: missing) at now_ms and decides. */
void dm_scrub_tracker_observe(DmScrubTracker *tracker, const char *device, const char *state,
                              gint64 now_ms, DmScrubDecision *out);

/* The device was removed, or vanished: forget it. */
void dm_scrub_tracker_forget(DmScrubTracker *tracker, const char *device);

/* Forgets every device under `dir` that is not in `present` (names of
 * the subdirectories read from it): it was removed by someone else. */
void dm_scrub_tracker_prune(DmScrubTracker *tracker, const char *dir, const char *const *present);

/* The earliest deadline of a waiting device, or G_MAXINT64 if none. */
gint64 dm_scrub_tracker_next_deadline(const DmScrubTracker *tracker);

/* Number of devices tracked (for tests). */
guint dm_scrub_tracker_size(const DmScrubTracker *tracker);
