#include "cli.h"
#include "build_config.h"
#include "util.h"

#include <string.h>

void
dm_cli_clear(DmCli *cli)
{
  g_clear_pointer(&cli->config_path, g_free);
  g_clear_pointer(&cli->log_dir, g_free);
  g_clear_pointer(&cli->rest, g_strfreev);
}

gboolean
dm_cli_parse(int argc, char **argv, DmCli *cli, GError **error)
{
  int split = -1;
  gboolean version = FALSE;
  g_auto(GStrv) rest = NULL;

  memset(cli, 0, sizeof(*cli));
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--") == 0) {
      split = i;
      break;
    }
  }
  /* No "--": a toolstack invocation, unless the first word is one of the
   * launcher's own commands, which no toolstack ever passes.  --version,
   * --help and -h are qemu's too: they are the launcher's only when it is
   * run by its own name, not as the qemu binary behind a wrapper. */
  if (split < 0) {
    g_autofree char *base = argc > 0 ? g_path_get_basename(argv[0]) : NULL;
    gboolean named = base == NULL || strcmp(base, DM_PROGRAM_NAME) == 0;
    gboolean own = argc > 1 && ((named && (strcmp(argv[1], "--version") == 0 ||
                                           strcmp(argv[1], "--help") == 0 ||
                                           strcmp(argv[1], "-h") == 0)) ||
                                strcmp(argv[1], "diagnose") == 0 ||
                                strcmp(argv[1], "scrub") == 0 ||
                                strcmp(argv[1], "stubdom") == 0);
    if (!own) {
      cli->mode = DM_MODE_LAUNCH;
      cli->toolstack_argc = argc - 1;
      cli->toolstack_argv = argv + 1;
      return TRUE;
    }
    split = argc;
  }

  GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &cli->config_path,
      "Read FILE instead of the default config", "FILE" },
    { "dry-run", 'n', 0, G_OPTION_ARG_NONE, &cli->dry_run,
      "Print the plan as JSON and exit; touch nothing (scrub: show what it would remove)",
      NULL },
    { "no-helper", 0, 0, G_OPTION_ARG_NONE, &cli->no_helper,
      "Do not fork the background scrub helper", NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &cli->verbose, "Log debug messages", NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &cli->json, "diagnose: print JSON", NULL },
    { "log-dir", 0, 0, G_OPTION_ARG_FILENAME, &cli->log_dir,
      "diagnose, scrub: where the qemu-dm-NAME.log files are", "DIR" },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &cli->timeout_s,
      "diagnose, scrub: wait at most SECONDS for xenstored (default 10)", "SECONDS" },
    { "watch", 0, 0, G_OPTION_ARG_NONE, &cli->watch,
      "diagnose: follow the domain's xenbus devices live", NULL },
    { "all", 0, 0, G_OPTION_ARG_NONE, &cli->all, "diagnose: one line per domain", NULL },
    { "for", 0, 0, G_OPTION_ARG_INT, &cli->for_s,
      "diagnose --watch: stop after SECONDS", "SECONDS" },
    { "stuck-after", 0, 0, G_OPTION_ARG_INT, &cli->stuck_after_s,
      "diagnose --watch: flag a pair stuck this long (default 30)", "SECONDS" },
    { "version", 'V', 0, G_OPTION_ARG_NONE, &version,
      "Print the version and the libraries built against", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &rest, NULL, NULL },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new(
    "[diagnose [--watch|--all] DOMID|NAME] [scrub DOMID|NAME] [-- TOOLSTACK-ARGS...]");
  g_option_context_set_summary(ctx,
    "A drop-in Xen device model: checks the toolstack's arguments, scrubs\n"
    "stale xenstore backends, and execs qemu in place.");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_option_context_set_help_enabled(ctx, TRUE);

  /* GOptionContext edits the array it is given; hand it a copy of the
   * launcher's part only. */
  int own_argc = split;
  g_autofree char **own_argv = g_new0(char *, (gsize)own_argc + 1);
  for (int i = 0; i < own_argc; i++)
    own_argv[i] = argv[i];
  if (!g_option_context_parse(ctx, &own_argc, &own_argv, error)) {
    g_prefix_error(error, "launcher options: ");
    (*error)->domain = DM_ERROR;
    (*error)->code = DM_ERROR_INVALID;
    return FALSE;
  }

  if (version)
    cli->mode = DM_MODE_VERSION;
  else if (rest && rest[0] && strcmp(rest[0], "diagnose") == 0)
    cli->mode = DM_MODE_DIAGNOSE;
  else if (rest && rest[0] && strcmp(rest[0], "scrub") == 0)
    cli->mode = DM_MODE_SCRUB;
  else if (rest && rest[0] && strcmp(rest[0], "stubdom") == 0)
    cli->mode = DM_MODE_STUBDOM;
  else if (rest && rest[0]) {
    g_set_error(error, DM_ERROR, DM_ERROR_INVALID,
                "unknown command '%s' (launcher options go before '--', the "
                "toolstack's arguments after it)", rest[0]);
    return FALSE;
  } else
    cli->mode = DM_MODE_LAUNCH;

  cli->rest = g_steal_pointer(&rest);
  cli->toolstack_argc = split < argc ? argc - split - 1 : 0;
  cli->toolstack_argv = split < argc ? argv + split + 1 : argv + argc;
  return TRUE;
}
