/* `qemu-dm-launcher diagnose --all`: one line per domain, like `xl list`,
 * with the worst finding of each.  For monitoring: exit 0 when every
 * domain is healthy, 1 when something is stuck, 2 when xenstored did not
 * answer in time (the lines read so far are printed). */
#include "build_config.h"
#include "config_read.h"
#include "diagnose_output.h"
#include "diagnose_cmd.h"
#include "diagnose_read.h"
#include "log.h"
#include "util.h"

#include <stdio.h>

gboolean
dm_diagnose_all_run(const DmCli *cli, gboolean *stuck, GError **error)
{
  const char *log_dir = cli->log_dir ? cli->log_dir : DM_XEN_LOG_DIR;
  guint timeout_ms = dm_diagnose_timeout_ms(cli);
  gboolean timed_out = FALSE;

  if ((cli->rest && cli->rest[0] && cli->rest[1]) || cli->toolstack_argc > 0 || cli->watch) {
    g_set_error(error, DM_ERROR, DM_ERROR_INVALID,
                "usage: qemu-dm-launcher diagnose --all [--json] [--timeout SECONDS] "
                "[--config FILE] [--log-dir DIR] (no domain: --all reports every one)");
    return FALSE;
  }
  g_autoptr(DmConfig) config = dm_config_load(cli->config_path, error);
  if (config == NULL)
    return FALSE;
  g_autoptr(GPtrArray) snaps = dm_diagnose_read_all(timeout_ms, &timed_out, error);
  if (snaps == NULL)
    return FALSE;

  /* /proc is scanned once for all of them. */
  g_autoptr(GPtrArray) launchers = dm_diagnose_scan_launchers();
  g_autoptr(GPtrArray) reports =
    g_ptr_array_new_with_free_func((GDestroyNotify)dm_diag_report_free);
  *stuck = FALSE;
  for (guint i = 0; i < snaps->len; i++) {
    DmDiagSnapshot *snap = snaps->pdata[i];
    g_autofree char *name_key = g_strdup_printf("/local/domain/%u/name", snap->domid);
    g_autoptr(GError) local = NULL;
    g_autoptr(DmDomainConfig) dc =
      dm_config_for_domain(config, g_hash_table_lookup(snap->nodes, name_key), &local);
    if (dc == NULL)
      dc = dm_config_for_domain(config, NULL, NULL);
    if (dc == NULL)
      continue;
    DmDiagReport *r = dm_diagnose_complete(snap, dc, log_dir, launchers);
    *stuck = *stuck || r->stuck;
    g_ptr_array_add(reports, r);
  }
  g_autofree char *text =
    cli->json ? dm_diagnose_format_all_json(reports) : dm_diagnose_format_all_table(reports);
  if (!dm_print_stdout(text, "report", error))
    return FALSE;
  if (timed_out) {
    g_set_error(error, DM_DIAGNOSE_ERROR, DM_DIAGNOSE_ERROR_PARTIAL,
                "diagnose --all: xenstored did not answer within %u s (--timeout); the list "
                "on stdout is partial",
                timeout_ms / 1000);
    return FALSE;
  }
  return TRUE;
}
