/* `qemu-dm-launcher diagnose --all`: one line per domain, like `xl list`,
 * with the worst finding of each.  For monitoring: exit 0 when every
 * domain is healthy, 1 when something is stuck, 2 when xenstored did not
 * answer in time (the lines read so far are printed). */
#include "build_config.h"
#include "config_read.h"
#include "diagnose_output.h"
#include "diagnose_cmd.h"
#include "diagnose_read.h"
#include "json.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* A line's words, from the domain's report. */
static const char *
guest_word(const DmDiagReport *r)
{
  return dm_guest_name(r->guest) ? dm_guest_name(r->guest) : "unknown";
}

static guint
stuck_devices(const DmDiagReport *r)
{
  guint n = 0;
  for (guint i = 0; i < r->devices->len; i++)
    n += ((DmDiagDevice *)r->devices->pdata[i])->stuck != 0;
  return n;
}

/* running, stopped, none, not-launcher, unknown */
static const char *
helper_word(const DmDiagReport *r)
{
  if (r->helper_pids->len)
    return "running";
  if (r->story.stopped_at)
    return "stopped";
  if (r->story.launched == 0)
    return "not-launcher";
  return r->story.launched < 0 ? "unknown" : "none";
}

/* NULL: nothing to say. */
static char *
worst_of(const DmDiagReport *r)
{
  return r->partial ? g_strdup_printf("partial: %s", r->partial) : g_strdup(r->worst);
}

static char *
format_json(const GPtrArray *reports)
{
  g_autoptr(DmJson) b = dm_json_new(TRUE);
  dm_json_begin_array(b);
  for (guint i = 0; i < reports->len; i++) {
    const DmDiagReport *r = reports->pdata[i];
    g_autofree char *worst = worst_of(r);
    dm_json_begin_object(b);
    dm_json_member_int(b, "domid", r->domid, TRUE);
    dm_json_member_string(b, "name", r->name);
    dm_json_member_string(b, "guest", guest_word(r));
    dm_json_member_string(b, "state", r->domain_state);
    dm_json_member_int(b, "devices", r->devices->len, TRUE);
    dm_json_member_int(b, "stuck_devices", stuck_devices(r), TRUE);
    dm_json_member_string(b, "scrub_helper", helper_word(r));
    dm_json_member_bool(b, "stuck", r->stuck);
    dm_json_member_bool(b, "partial", r->partial != NULL);
    dm_json_member_int(b, "findings", r->findings->len, TRUE);
    dm_json_member_string(b, "worst", worst);
    dm_json_end_object(b);
  }
  dm_json_end_array(b);
  g_autofree char *text = dm_json_finish(b);
  return g_strconcat(text, "\n", NULL);
}

static char *
format_table(const GPtrArray *reports)
{
  GString *out = g_string_new(NULL);
  guint wname = 4;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);

  for (guint i = 0; i < reports->len; i++) {
    const DmDiagReport *r = reports->pdata[i];
    char *n = dm_diag_printable_cut(r->name ? r->name : "-", 32);
    wname = MAX(wname, (guint)g_utf8_strlen(n, -1));
    g_ptr_array_add(names, n);
  }
  g_string_append_printf(out, "%-5s  %-*s  %-7s  %-20s  %-7s  %-12s  %-6s  %s\n", "DOMID",
                         (int)wname, "NAME", "TYPE", "STATE", "DEVICES", "SCRUB HELPER",
                         "HEALTH", "WORST FINDING");
  for (guint i = 0; i < reports->len; i++) {
    const DmDiagReport *r = reports->pdata[i];
    g_autofree char *worst_text = worst_of(r);
    g_autofree char *state = dm_diag_printable_cut(r->domain_state, 20);
    g_autofree char *worst = worst_text ? dm_diag_printable_cut(worst_text, 160) : g_strdup("-");
    g_autofree char *devs = g_strdup_printf("%u/%u", stuck_devices(r), r->devices->len);
    const char *name = names->pdata[i];
    g_string_append_printf(out, "%-5u  %s%*s  %-7s  %-20s  %-7s  %-12s  %-6s  %s\n",
                           r->domid, name, (int)(wname - g_utf8_strlen(name, -1)), "",
                           guest_word(r), state, devs, helper_word(r),
                           r->partial ? "?" : r->stuck ? "STUCK" : "ok", worst);
  }
  g_string_append(out, "DEVICES: stuck/all.  Run `qemu-dm-launcher diagnose DOMID` for one "
                       "domain's report and advice.\n");
  return g_string_free(out, FALSE);
}

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
    g_autoptr(DmDomainConfig) dc = dm_config_for_domain(
      config, g_hash_table_lookup(snap->nodes, name_key), &local);
    if (dc == NULL)
      dc = dm_config_for_domain(config, NULL, NULL);
    if (dc == NULL)
      continue;
    DmDiagReport *r = dm_diagnose_complete(snap, dc, log_dir, launchers);
    *stuck = *stuck || r->stuck;
    g_ptr_array_add(reports, r);
  }
  g_autofree char *text = cli->json ? format_json(reports) : format_table(reports);
  fputs(text, stdout);
  if (fflush(stdout) != 0) {
    g_set_error(error, DM_ERROR, DM_ERROR_SYSTEM, "cannot write the report: %s",
                g_strerror(errno));
    return FALSE;
  }
  if (timed_out) {
    g_set_error(error, DM_DIAGNOSE_ERROR, DM_DIAGNOSE_ERROR_PARTIAL,
                "diagnose --all: xenstored did not answer within %u s (--timeout); the list "
                "on stdout is partial", timeout_ms / 1000);
    return FALSE;
  }
  return TRUE;
}
