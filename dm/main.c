/* qemu-dm-launcher: parse, plan, act, exec. */
#include "act.h"
#include "build_config.h"
#include "check.h"
#include "cli.h"
#include "config_read.h"
#include "diagnose_read.h"
#include "exec.h"
#include "log.h"
#include "plan.h"
#include "scrub_cmd.h"
#include "stubdom.h"
#include "prepare.h"
#include "proctitle.h"
#include "qemu_probe.h"
#include "signals.h"
#include "util.h"
#include "version.h"

#include <stdio.h>
#include <unistd.h>

static int
exit_code_for(const GError *error)
{
  if (error->domain == DM_ERROR &&
      (error->code == DM_ERROR_INVALID || error->code == DM_ERROR_CONFIG))
    return 2;
  if (error->domain == DM_ERROR && error->code == DM_ERROR_EXEC)
    return 127;
  return 1;
}

static int
fail(const GError *error)
{
  dm_log_error(error);
  return exit_code_for(error);
}

/* The first line of every launch: which launcher, which config, and for
 * which domain, so a log read weeks later says what produced it. */
static char *
first_log_line(const DmCli *cli, const DmRequest *request)
{
  const char *config = cli->config_path;
  if (config == NULL)
    config = g_file_test(DM_DEFAULT_CONFIG, G_FILE_TEST_EXISTS) ? DM_DEFAULT_CONFIG
                                                                : "built-in defaults";
  if (request == NULL)
    return g_strdup_printf("%s %s, config %s: the toolstack's arguments were not understood",
                           DM_PROGRAM_NAME, DM_VERSION, config);
  return g_strdup_printf("%s %s, config %s, flavour %s, domid %u, name %s", DM_PROGRAM_NAME,
                         DM_VERSION, config, dm_flavour_name(request->flavour),
                         request->domid, request->name ? request->name : "(none)");
}

static int
print_text(const char *text)
{
  fputs(text, stdout);
  return fflush(stdout) == 0 ? 0 : 1;
}

static int
launch(const DmCli *cli, const char *argv0, const DmFdSet *inherited)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DmConfig) config = NULL;
  g_autoptr(DmRequest) request = NULL;
  g_autoptr(DmDomainConfig) dc = NULL;
  g_autoptr(DmPlan) plan = NULL;
  DmQemuFacts facts = { 0 };

  /* Parse and plan: nothing below touches xenstore or the process until
   * the plan is complete and valid. */
  request = dm_request_parse(cli->toolstack_argc, cli->toolstack_argv, &error);
  g_autofree char *first_line = first_log_line(cli, request);
  if (!cli->dry_run)
    g_message("%s", first_line);
  if (request == NULL)
    return fail(error);
  config = dm_config_load(cli->config_path, &error);
  if (config == NULL)
    return fail(error);
  dc = dm_config_for_domain(config, request->name, &error);
  if (dc == NULL)
    return fail(error);
  if (dc->syslog && !cli->dry_run) {
    dm_log_use_syslog(TRUE);
    dm_log_to_syslog_only(first_line);
  }
  /* Everything below reads dc.  Freed now, not at return: the processes
   * forked below exit mid-call, and memcheck counted it lost in them. */
  g_clear_pointer(&config, dm_config_free);
  if (cli->no_helper)
    dc->helper = FALSE;
  /* From here until the exec a SIGTERM or SIGHUP undoes what was started
   * (dm/sys/signals.h): first the qemu probes, which run real processes. */
  dm_signals_install(request->domid);
  dm_qemu_facts_gather(request, dc, cli->dry_run, &facts);
  facts.caller_argv0 = dm_caller_argv0(argv0);
  facts.environ = (const char *const *)environ;
  plan = dm_plan_build(g_steal_pointer(&request), g_steal_pointer(&dc), &facts, &error);
  if (plan == NULL)
    return fail(error);

  if (cli->dry_run) {
    /* Fails where the real start would: a missing qemu, an unreadable
     * password file (dm/sys/prepare.h). */
    if (!dm_prepare_check(plan, &error))
      return fail(error);
    g_autofree char *json = cli->json ? dm_plan_to_json(plan) : NULL;
    g_autofree char *text = json ? g_strconcat(json, "\n", NULL) : dm_plan_to_text(plan);
    return print_text(text);
  }

  /* Act, then exec.  A probe touches nothing. */
  if (!dm_prepare_qemu(plan, &error))
    return fail(error);
  /* After prepare, which may fork its reaper: the scrub starts a thread. */
  dm_act(plan);
  dm_exec_plan(plan, inherited, &error);
  return fail(error);
}

static int
print_version(void)
{
  DmLibVersions running = { 0 };
  dm_version_running(&running);
  g_autofree char *text = dm_version_text(&running);
  dm_lib_versions_clear(&running);
  fputs(text, stdout);
  return fflush(stdout) == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
  /* First, before anything opens a file: the fds the toolstack gave us. */
  g_autoptr(DmFdSet) inherited = dm_fds_snapshot();
  dm_proctitle_init(argc, argv);
  g_autoptr(GError) error = NULL;
  DmCli cli;
  int status;

  dm_log_init(FALSE);
  if (!dm_cli_parse(argc, argv, &cli, &error))
    return fail(error);
  dm_log_init(cli.verbose);

  switch (cli.mode) {
  case DM_MODE_VERSION:
    status = print_version();
    break;
  case DM_MODE_HELP:
    status = print_text(cli.help);
    break;
  case DM_MODE_CHECK:
    status = dm_check_run(&cli, &error);
    if (status == 2 && error)
      dm_log_error(error);
    break;
  case DM_MODE_LAUNCH:
    status = launch(&cli, argv[0], inherited);
    break;
  case DM_MODE_STUBDOM:
    status = dm_stubdom_run(&cli, inherited, &error) ? 0 : fail(error);
    break;
  case DM_MODE_DIAGNOSE: {
    gboolean stuck = FALSE;
    status = dm_diagnose_run(&cli, &stuck, &error) ? (stuck ? 1 : 0) : fail(error);
    break;
  }
  case DM_MODE_SCRUB:
    status = dm_scrub_cmd_run(&cli, &error) ? 0 : fail(error);
    break;
  default:
    g_assert_not_reached();
  }
  dm_cli_clear(&cli);
  return status;
}
