#include "launch.h"
#include "act.h"
#include "build_config.h"
#include "log.h"
#include "pipeline.h"
#include "prepare.h"
#include "qemu_probe.h"
#include "signals.h"
#include "version.h"

#include <unistd.h>

typedef struct {
  const DmCli *cli;
  const char *argv0;
  char *first_line;
} Launch;

/* The first line of every launch: which launcher, which config, and for
 * which domain, so a log read weeks later says what produced it. */
static char *
first_log_line(const DmCli *cli, const DmRequest *request)
{
  const char *config = cli->config_path;
  if (config == NULL)
    config =
      g_file_test(DM_DEFAULT_CONFIG, G_FILE_TEST_EXISTS) ? DM_DEFAULT_CONFIG : "built-in defaults";
  if (request == NULL)
    return g_strdup_printf("%s %s, config %s: the toolstack's arguments were not understood",
                           DM_PROGRAM_NAME, DM_VERSION, config);
  return g_strdup_printf("%s %s, config %s, flavour %s, domid %u, name %s", DM_PROGRAM_NAME,
                         DM_VERSION, config, dm_flavour_name(request->flavour), request->domid,
                         request->name ? request->name : "(none)");
}

static gboolean
parsed(const DmRequest *request, gpointer data, GError **error)
{
  Launch *launch = data;

  launch->first_line = first_log_line(launch->cli, request);
  if (!launch->cli->dry_run)
    g_message("%s", launch->first_line);
  return TRUE;
}

static void
configured(const DmRequest *request, DmDomainConfig *dc, DmQemuFacts *facts, gpointer data)
{
  Launch *launch = data;

  if (dc->syslog && !launch->cli->dry_run) {
    dm_log_use_syslog(TRUE);
    dm_log_to_syslog_only(launch->first_line);
  }
  if (launch->cli->no_helper)
    dc->helper = FALSE;
  /* From here until the exec a SIGTERM or SIGHUP undoes what was started
   * (dm/sys/signals.h): first the qemu probes, which run real processes. */
  dm_signals_install(request->domid);
  dm_qemu_facts_gather(request, dc, launch->cli->dry_run, facts);
  facts->caller_argv0 = dm_caller_argv0(launch->argv0);
  facts->environ = (const char *const *)environ;
}

gboolean
dm_launch_run(const DmCli *cli, const char *argv0, const DmFdSet *inherited, GError **error)
{
  Launch launch = { cli, argv0, NULL };
  const DmPipelineHooks hooks = { NULL, parsed, configured, &launch };
  g_autoptr(DmPlan) plan =
    dm_pipeline_plan(cli->toolstack_argc, cli->toolstack_argv, cli->config_path, &hooks, error);

  g_free(launch.first_line);
  if (plan == NULL)
    return FALSE;
  if (cli->dry_run)
    /* Fails where the real start would: a missing qemu, an unreadable
     * password file (dm/sys/prepare.h). */
    return dm_prepare_check(plan, error) && dm_pipeline_print(plan, cli->json, error);

  /* Act, then exec.  A probe touches nothing. */
  if (!dm_prepare_qemu(plan, error))
    return FALSE;
  /* After prepare, which may fork its reaper: the scrub starts a thread. */
  dm_act(plan);
  dm_exec_plan(plan, inherited, error);
  return FALSE;
}
