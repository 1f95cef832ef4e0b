/* The launch pipeline, shared by dom0's launch (launch.h) and stub-domain
 * mode (stubdom.h): qemu's arguments -> the request, the config file -> the
 * domain's settings, both -> the plan.  Nothing here touches xenstore or the
 * process; a mode's hooks do what only that mode does.  The dry run's
 * output is printed here too, for both modes. */
#pragma once
#include "plan.h"

typedef struct {
  /* Names the arguments in a parse error ("dm-argv: ..."); NULL: none. */
  const char *args_name;
  /* After the parse; `request` is NULL when the arguments were refused (the
   * parse's error follows, whatever the hook returns).  FALSE, with `error`
   * set, refuses a request the mode cannot serve.  May be NULL. */
  gboolean (*parsed)(const DmRequest *request, gpointer data, GError **error);
  /* With the domain's settings, before the plan: the mode's overrides of
   * them, and what it knows about qemu (`facts`, zeroed).  May be NULL. */
  void (*configured)(const DmRequest *request, DmDomainConfig *dc, DmQemuFacts *facts,
                     gpointer data);
  gpointer data;
} DmPipelineHooks;

/* Parses `argc`/`argv` (qemu's arguments), reads the config at
 * `config_path` (NULL: the default, which may be missing), resolves the
 * domain's settings and builds the plan. */
DmPlan *dm_pipeline_plan(int argc, char *const *argv, const char *config_path,
                         const DmPipelineHooks *hooks, GError **error);

/* The dry run: the plan on stdout, as dm_plan_dry_run renders it. */
gboolean dm_pipeline_print(const DmPlan *plan, gboolean json, GError **error);
