#include "pipeline.h"
#include "config_read.h"
#include "log.h"
#include "util.h"

DmPlan *
dm_pipeline_plan(int argc, char *const *argv, const char *config_path, const DmPipelineHooks *hooks,
                 GError **error)
{
  g_autoptr(DmRequest) request = NULL;
  g_autoptr(DmConfig) config = NULL;
  g_autoptr(DmDomainConfig) dc = NULL;
  DmQemuFacts facts = { 0 };
  gboolean accepted = TRUE;

  /* Nothing below touches xenstore or the process until the plan is
   * complete and valid (the hooks' probes of qemu aside). */
  request = dm_request_parse(argc, argv, error);
  if (hooks->parsed)
    accepted = hooks->parsed(request, hooks->data, request ? error : NULL);
  if (request == NULL) {
    if (hooks->args_name)
      g_prefix_error(error, "%s: ", hooks->args_name);
    return NULL;
  }
  if (!accepted)
    return NULL;
  config = dm_config_load(config_path, error);
  if (config == NULL)
    return NULL;
  dc = dm_config_for_domain(config, request->name, error);
  if (dc == NULL)
    return NULL;
  /* Everything below reads dc.  Freed now, not at return: the processes
   * a hook or the caller forks exit mid-call, and memcheck counted it lost
   * in them. */
  g_clear_pointer(&config, dm_config_free);
  if (hooks->configured)
    hooks->configured(request, dc, &facts, hooks->data);
  return dm_plan_build(g_steal_pointer(&request), g_steal_pointer(&dc), &facts, error);
}

gboolean
dm_pipeline_print(const DmPlan *plan, gboolean json, GError **error)
{
  g_autofree char *text = dm_plan_dry_run(plan, json);

  return dm_print_stdout(text, "plan", error);
}
