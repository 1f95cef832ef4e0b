/* The plan: everything the launcher will do for one invocation, worked out
 * in pure code before any side effect.  --dry-run prints it as JSON. */
#pragma once
#include "config.h"
#include "qemu_args.h"
#include "toolstack_args.h"

typedef struct {
  DmRequest *request;         /* owned */
  DmDomainConfig *config;     /* owned */
  char *exec;                 /* the qemu binary */
  GPtrArray *argv;            /* final argv, NULL-terminated pdata */
  GPtrArray *scrub_paths;     /* backend dirs the scrub step considers */
  gboolean helper;            /* fork the detached scrub helper */
  gboolean scrub_before_exec; /* a bounded scrub pass runs before exec */
  DmQemuSetup setup;          /* secrets, images, chroot, env, sandbox */
} DmPlan;

/* Takes ownership of request and config. */
DmPlan *dm_plan_build(DmRequest *request, DmDomainConfig *config, const DmQemuFacts *facts,
                      GError **error);
void dm_plan_free(DmPlan *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DmPlan, dm_plan_free)

/* The backend directories to scrub for a domain: one per class under
 * /local/domain/0/backend/<class>/<domid>, and none where the policy says
 * this guest type is not scrubbed (PV guests' vfb is served by qemu). */
GPtrArray *dm_scrub_paths(const DmRequest *request, const DmDomainConfig *config);

/* Whether this request may be dom0's qemu for a stub domain: libxl names
 * the stub domain NAME-dm and runs its PV qemu with -xen-attach. */
gboolean dm_request_may_serve_stubdom(const DmRequest *request);

/* The stub domain's target: an HVM guest whose own qemu runs in the stub
 * domain, so no launcher in dom0 ever plans for it.  Adds the target's
 * backend directories by the HVM policy (scrub-guests, scrub classes) to
 * the plan's scrub, and starts the helper or the pass before exec for
 * them as dm_plan_build would.  Returns how many were added. */
guint dm_plan_add_stubdom_target(DmPlan *plan, guint target);

/* The plan as one line of JSON, secrets redacted. */
char *dm_plan_to_json(const DmPlan *plan);

/* The plan for a person: flavour, domid, name, guest type, what would be
 * scrubbed, what qemu gets, and the sandbox; one item a line, secrets
 * redacted, control characters escaped. */
char *dm_plan_to_text(const DmPlan *plan);

/* What --dry-run prints: the JSON line, or with `json` FALSE the text. */
char *dm_plan_dry_run(const DmPlan *plan, gboolean json);

/* argv rendered one item per line, secrets redacted, for the log. */
char *dm_plan_argv_log(const DmPlan *plan);
