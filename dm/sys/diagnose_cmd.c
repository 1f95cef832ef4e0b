#include "diagnose_cmd.h"
#include "build_config.h"
#include "config_read.h"
#include "diagnose_output.h"
#include "diagnose_read.h"
#include "log.h"
#include "util.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

G_DEFINE_QUARK(dm - diagnose - error - quark, dm_diagnose_error)

void
dm_diagnose_propagate(GError **error, GError *local, const char *prefix)
{
  if (local->domain == DM_ERROR &&
      (local->code == DM_ERROR_INVALID || local->code == DM_ERROR_CONFIG)) {
    g_propagate_prefixed_error(error, local, "%s", prefix);
    return;
  }
  g_set_error(error, DM_DIAGNOSE_ERROR, DM_DIAGNOSE_ERROR_UNREADABLE, "%s%s", prefix,
              local->message);
  g_error_free(local);
}

guint
dm_diagnose_timeout_ms(const DmCli *cli)
{
  return (guint)(cli->timeout_s > 0 ? cli->timeout_s : 10) * 1000;
}

/* Every node read belongs to the domain: its own directory, its device
 * model's, or a backend left behind for it. */
static gboolean
known(const DmDiagSnapshot *snap)
{
  return g_hash_table_size(snap->nodes) > 0;
}

static gboolean
use_colour(void)
{
  const char *term = g_getenv("TERM");
  return isatty(STDOUT_FILENO) && g_getenv("NO_COLOR") == NULL && term && strcmp(term, "dumb") != 0;
}

static gboolean
finish(const DmCli *cli, DmDiagSnapshot *snap, const char *log_dir, gboolean *stuck, GError **error)
{
  g_autoptr(DmConfig) config = dm_config_load(cli->config_path, error);
  g_autoptr(DmDomainConfig) dc = NULL;
  g_autoptr(DmDiagReport) report = NULL;
  g_autofree char *text = NULL;

  if (config == NULL)
    return FALSE;
  g_autofree char *name_key = g_strdup_printf("/local/domain/%u/name", snap->domid);
  dc = dm_config_for_domain(config, g_hash_table_lookup(snap->nodes, name_key), error);
  if (dc == NULL)
    return FALSE;
  report = dm_diagnose_complete(snap, dc, log_dir, NULL);
  text =
    cli->json ? dm_diagnose_format_json(report) : dm_diagnose_format_table(report, use_colour());
  if (!dm_print_stdout(text, "report", error))
    return FALSE;
  *stuck = report->stuck;
  return TRUE;
}

gboolean
dm_diagnose_run(const DmCli *cli, gboolean *stuck, GError **error)
{
  const char *arg = cli->rest && cli->rest[0] ? cli->rest[1] : NULL;
  const char *log_dir = cli->log_dir ? cli->log_dir : DM_XEN_LOG_DIR;
  guint timeout_ms = dm_diagnose_timeout_ms(cli);
  g_autoptr(DmDiagSnapshot) snap = NULL;
  g_autoptr(GError) local = NULL;

  if (cli->all)
    return dm_diagnose_all_run(cli, stuck, error);
  if (arg == NULL || cli->rest[2] != NULL || cli->toolstack_argc > 0) {
    g_set_error(error, DM_ERROR, DM_ERROR_INVALID,
                "usage: qemu-dm-launcher diagnose [--json] [--timeout SECONDS] "
                "[--config FILE] [--log-dir DIR] [--watch [--for SECONDS] "
                "[--stuck-after SECONDS]] DOMID|NAME | diagnose --all");
    return FALSE;
  }
  if (cli->watch)
    return dm_diagnose_watch_run(cli, arg, stuck, error);
  /* The config first: a bad one is reported before xenstore is asked. */
  g_autoptr(DmConfig) config = dm_config_load(cli->config_path, error);
  if (config == NULL)
    return FALSE;

  snap = dm_diagnose_read(arg, timeout_ms, &local);
  if (snap == NULL) {
    g_autofree char *prefix = g_strdup_printf("diagnose %s: ", arg);
    dm_diagnose_propagate(error, g_steal_pointer(&local), prefix);
    return FALSE;
  }
  if (snap->partial) {
    gboolean ignored = FALSE;
    if (!finish(cli, snap, log_dir, &ignored, error))
      return FALSE;
    g_set_error(error, DM_DIAGNOSE_ERROR, DM_DIAGNOSE_ERROR_PARTIAL,
                "diagnose %s: xenstored did not answer within %u s (--timeout); the report "
                "on stdout is partial",
                arg, timeout_ms / 1000);
    return FALSE;
  }
  if (!known(snap)) {
    g_set_error(error, DM_ERROR, DM_ERROR_INVALID,
                "diagnose %s: no domain %u in xenstore (/local/domain/%u does not exist "
                "and no backend refers to it)",
                arg, snap->domid, snap->domid);
    return FALSE;
  }
  return finish(cli, snap, log_dir, stuck, error);
}
