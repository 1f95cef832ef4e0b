/* The scrub's xenstore side: reads backend directories, asks dm/core/scrub.c
 * what to do, and removes stale device backends in a transaction.  Used
 * by the launcher (one bounded pass before exec) and by the helper. */
#pragma once
#include "plan.h"
#include "scrub.h"
#include "xs.h"

/* The domain instance a helper serves, not just its number: the node at
 * `path` (the domain's `vm` node, else its `name`) read `value` when the
 * helper started.  A domid is reused after the domain is destroyed; the
 * node is then gone or holds the new domain's value. */
typedef struct {
  const char *path;
  const char *value;
  gboolean changed; /* set by dm_scrub_dir when the check failed */
} DmScrubInstance;

/* One pass over one class directory, /local/domain/0/backend/<class>/<domid>:
 * every device under it is read and decided on, and the ones to remove
 * are removed in one transaction (retried on EAGAIN, so nothing is
 * removed that left state 1 before the commit).  A node that is already
 * gone counts as success.  When the last device goes, the class
 * directory goes too.  Each removed path is logged with its reason.
 * `removed` (may be NULL) gets how many devices were removed.  Once
 * *abandoned (may be NULL) is set, no further removal is committed.
 * With `instance` (may be NULL), the removal's transaction first reads
 * its node again: if it changed, nothing is removed, instance->changed is
 * set and FALSE returned (the transaction makes the check and the removal
 * one: a domain destroyed between them makes the commit fail and retry). */
gboolean dm_scrub_dir(struct xs_handle *xs, DmScrubTracker *tracker, const char *dir,
                      DmScrubInstance *instance, const gint *abandoned, guint *removed,
                      GError **error);

/* Milliseconds on the monotonic clock (the tracker's time base). */
gint64 dm_scrub_now_ms(void);

/* The immediate scrub before exec: one pass over the plan's scrub paths,
 * run in a worker thread and waited for at most xenstore-timeout-ms.  It
 * never fails the launch: if xenstored is absent, slow or failing, a
 * warning is logged and the caller execs qemu anyway (exec ends the
 * worker if it is still stuck).  Returns how many devices it removed. */
guint dm_scrub_before_exec(const DmPlan *plan);
