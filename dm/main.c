/* qemu-dm-launcher: reads the launcher's own options and runs the mode they
 * name (launch.h, stubdom.h, check.h, diagnose_cmd.h, scrub_cmd.h).  Only
 * main reports an error and chooses the exit status. */
#include "build_config.h"
#include "check.h"
#include "cli.h"
#include "diagnose_cmd.h"
#include "launch.h"
#include "log.h"
#include "scrub_cmd.h"
#include "stubdom.h"
#include "proctitle.h"
#include "util.h"
#include "version.h"

#include <stdio.h>

/* Every error's exit status, in one place (docs/qemu-dm-launcher.8,
 * EXIT STATUS and each command's): 2 bad input or config, and for
 * diagnose and scrub a xenstore they cannot read; 127 qemu cannot be
 * exec'd; 1 anything else.  A mode's own outcome (diagnose found
 * something stuck, check found problems) is 1 without an error.  Not
 * here: 125, a sandbox that failed part-way, which ends the process in
 * dm_sandbox_apply (sandbox.h) rather than return through code running
 * half dropped; and diagnose --watch's 2 when a read hangs for --timeout,
 * which its watchdog thread ends the process with (the main thread is
 * the one stuck in libxenstore). */
static int
exit_code_for(const GError *error)
{
  static const struct {
    GQuark (*domain)(void);
    int code;
    int status;
  } statuses[] = {
    { dm_error_quark, DM_ERROR_INVALID, 2 },
    { dm_error_quark, DM_ERROR_CONFIG, 2 },
    { dm_error_quark, DM_ERROR_EXEC, 127 },
    { dm_diagnose_error_quark, DM_DIAGNOSE_ERROR_UNREADABLE, 2 },
    { dm_diagnose_error_quark, DM_DIAGNOSE_ERROR_PARTIAL, 2 },
    { dm_scrub_cmd_error_quark, DM_SCRUB_CMD_ERROR_UNREADABLE, 2 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS(statuses); i++)
    if (error->domain == statuses[i].domain() && error->code == statuses[i].code)
      return statuses[i].status;
  return 1;
}

static int
fail(const GError *error)
{
  dm_log_error(error);
  return exit_code_for(error);
}

static int
print_text(const char *text)
{
  fputs(text, stdout);
  return fflush(stdout) == 0 ? 0 : 1;
}

static int
print_version(void)
{
  DmLibVersions running = { 0 };
  dm_version_running(&running);
  g_autofree char *text = dm_version_text(&running);
  dm_lib_versions_clear(&running);
  return print_text(text);
}

int
main(int argc, char **argv)
{
  /* First, before anything opens a file: the fds the toolstack gave us. */
  g_autoptr(DmFdSet) inherited = dm_fds_snapshot();
  dm_proctitle_init(argc, argv);
  g_autoptr(GError) error = NULL;
  DmCli cli;
  int status = 0;
  gboolean ok = TRUE;
  /* What check and diagnose report without an error: problems found,
   * something stuck.  Exit 1. */
  gboolean found = FALSE;

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
    ok = dm_check_run(&cli, &found, &error);
    break;
  case DM_MODE_LAUNCH:
    ok = dm_launch_run(&cli, argv[0], inherited, &error);
    break;
  case DM_MODE_STUBDOM:
    ok = dm_stubdom_run(&cli, inherited, &error);
    break;
  case DM_MODE_DIAGNOSE:
    ok = dm_diagnose_run(&cli, &found, &error);
    break;
  case DM_MODE_SCRUB:
    ok = dm_scrub_cmd_run(&cli, &error);
    break;
  default:
    g_assert_not_reached();
  }
  if (!ok)
    status = fail(error);
  else if (found)
    status = 1;
  dm_cli_clear(&cli);
  return status;
}
