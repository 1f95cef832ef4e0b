/* The table and JSON renderings of a diagnose report. */
#include <criterion/criterion.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include "diagnose_output.h"

/* The XENUTIL layout: console stuck, vbd healthy, a dead device model. */
static DmDiagReport *
xenutil_report(void)
{
  g_autoptr(DmDiagSnapshot) s = dm_diag_snapshot_new(5);
  g_autoptr(DmDomainConfig) dc = NULL;
  g_autoptr(DmConfig) c = dm_config_new_default();
  static const char *const nodes[] = {
    "/local/domain/5/name",
    "win7",
    "/libxl/5/type",
    "hvm",
    "/local/domain/5/device/console/0/backend",
    "/local/domain/0/backend/console/5/0",
    "/local/domain/5/device/console/0/state",
    "1",
    "/local/domain/0/backend/console/5/0/frontend",
    "/local/domain/5/device/console/0",
    "/local/domain/0/backend/console/5/0/state",
    "1",
    "/local/domain/5/device/vbd/768/backend",
    "/local/domain/0/backend/vbd/5/768",
    "/local/domain/5/device/vbd/768/state",
    "4",
    "/local/domain/0/backend/vbd/5/768/frontend",
    "/local/domain/5/device/vbd/768",
    "/local/domain/0/backend/vbd/5/768/state",
    "4",
    "/local/domain/5/image/device-model-pid",
    "4242",
    NULL,
  };
  for (const char *const *p = nodes; *p; p += 2)
    dm_diag_snapshot_set(s, p[0], p[1]);
  s->dm = dm_proc_info_new(4242);
  s->hv.why_not = g_strdup("libxenctrl: test");
  s->log_path = g_strdup("/var/log/xen/qemu-dm-win7.log");
  s->log_text = g_strdup("ok\nqemu: terminating on signal 15\n");
  dc = dm_config_for_domain(c, "win7", NULL);
  return dm_diagnose_analyse(s, dc);
}

static const char *
line_with(const char *text, const char *needle, char **line)
{
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (char **l = lines; *l; l++)
    if (strstr(*l, needle)) {
      *line = g_strdup(*l);
      return *line;
    }
  *line = NULL;
  return NULL;
}

Test(diagnose_output, table_names_the_stuck_device)
{
  g_autoptr(DmDiagReport) r = xenutil_report();
  g_autofree char *t = dm_diagnose_format_table(r, FALSE);
  g_autofree char *row = NULL;
  g_autofree char *vbd = NULL;

  cr_assert_null(strchr(t, '\033'), "no colour when not asked for");
  cr_assert(line_with(t, "/local/domain/0/backend/console/5/0* ", &row), "%s", t);
  cr_assert(g_str_has_prefix(row, "  console  0 "), "%s", row);
  cr_assert(strstr(row, "1 Initialising"), "%s", row);
  cr_assert(strstr(row, "backend-initialising"), "%s", row);
  cr_assert(strstr(row, "remove"), "%s", row);
  cr_assert(line_with(t, "/local/domain/0/backend/vbd/5/768", &vbd));
  cr_assert(strstr(vbd, "4 Connected"), "%s", vbd);
  cr_assert_null(strstr(vbd, "backend-initialising"));
  cr_assert(strstr(t, "  - console 0: "), "%s", t);
  cr_assert(strstr(t, "pid 4242: pid 4242 is not running"), "%s", t);
  cr_assert(strstr(t, "qemu: terminating on signal 15"), "%s", t);
  cr_assert(strstr(t, "STUCK: domain 5"), "%s", t);
  /* Columns line up: the header's BACKEND starts where each row's does. */
  g_autofree char *head = NULL;
  cr_assert(line_with(t, "CLASS", &head));
  cr_assert_eq(strstr(head, "BACKEND") - head, strstr(row, "/local/domain/0/backend") - row,
               "%s\n%s", head, row);
}

Test(diagnose_output, colour_only_when_asked)
{
  g_autoptr(DmDiagReport) r = xenutil_report();
  g_autofree char *t = dm_diagnose_format_table(r, TRUE);
  g_autofree char *row = NULL;
  cr_assert(strstr(t, "\033[1;31mSTUCK\033[0m"), "%s", t);
  cr_assert(line_with(t, "backend-initialising", &row));
  cr_assert(strstr(row, "\033[1;31mconsole\033[0m"), "%s", row);
}

/* `text` parsed as JSON; fails the test if it is not. */
static JsonParser *
parsed(const char *text)
{
  JsonParser *parser = json_parser_new();
  g_autoptr(GError) error = NULL;
  cr_assert(json_parser_load_from_data(parser, text, -1, &error), "%s", text);
  return parser;
}

Test(diagnose_output, json_carries_every_device_and_the_verdict)
{
  g_autoptr(DmDiagReport) r = xenutil_report();
  g_autofree char *text = dm_diagnose_format_json(r);
  g_autoptr(JsonParser) parser = parsed(text);
  JsonObject *o = json_node_get_object(json_parser_get_root(parser));
  cr_assert_eq(json_object_get_int_member(o, "domid"), 5);
  cr_assert_str_eq(json_object_get_string_member(o, "name"), "win7");
  cr_assert_str_eq(json_object_get_string_member(o, "guest"), "hvm");
  cr_assert(json_object_get_boolean_member(o, "stuck"));

  JsonObject *dom = json_object_get_object_member(o, "domain");
  cr_assert_str_eq(json_object_get_string_member(dom, "source"), "xenstore");

  JsonObject *dm = json_object_get_object_member(o, "device_model");
  cr_assert_eq(json_object_get_int_member(dm, "pid"), 4242);
  cr_assert_not(json_object_get_boolean_member(dm, "alive"));
  cr_assert(json_object_get_null_member(dm, "state"));

  JsonObject *helper = json_object_get_object_member(o, "scrub_helper");
  cr_assert_not(json_object_get_boolean_member(helper, "running"));

  JsonArray *errs =
    json_object_get_array_member(json_object_get_object_member(o, "log"), "error_lines");
  cr_assert_eq(json_array_get_length(errs), 1);

  JsonArray *devs = json_object_get_array_member(o, "devices");
  cr_assert_eq(json_array_get_length(devs), 2);
  JsonObject *con = json_array_get_object_element(devs, 0);
  cr_assert_str_eq(json_object_get_string_member(con, "class"), "console");
  cr_assert_str_eq(json_object_get_string_member(con, "devid"), "0");
  cr_assert(json_object_get_boolean_member(con, "stuck"));
  JsonObject *be = json_object_get_object_member(con, "backend");
  cr_assert_str_eq(json_object_get_string_member(be, "path"),
                   "/local/domain/0/backend/console/5/0");
  cr_assert_eq(json_object_get_int_member(be, "state"), 1);
  cr_assert_str_eq(json_object_get_string_member(be, "state_name"), "Initialising");
  cr_assert(json_object_get_boolean_member(be, "exists"));
  cr_assert_eq(json_object_get_int_member(con, "backend_domid"), 0);
  JsonArray *problems = json_object_get_array_member(con, "problems");
  cr_assert_eq(json_array_get_length(problems), 1);
  cr_assert_str_eq(json_array_get_string_element(problems, 0), "backend-initialising");
  JsonObject *scrub = json_object_get_object_member(con, "scrub");
  cr_assert(json_object_get_boolean_member(scrub, "would_remove"));
  cr_assert(strstr(json_object_get_string_member(scrub, "why"), "stale"));

  JsonObject *vbd = json_array_get_object_element(devs, 1);
  cr_assert_not(json_object_get_boolean_member(vbd, "stuck"));
  cr_assert_eq(json_object_get_int_member(json_object_get_object_member(vbd, "frontend"), "state"),
               4);
  cr_assert(json_object_get_null_member(vbd, "problem"));
}

Test(diagnose_output, missing_state_is_null_in_json)
{
  g_autoptr(DmDiagSnapshot) s = dm_diag_snapshot_new(5);
  g_autoptr(DmConfig) c = dm_config_new_default();
  g_autoptr(DmDomainConfig) dc = dm_config_for_domain(c, NULL, NULL);
  dm_diag_snapshot_set(s, "/local/domain/5/device/vif/0/backend",
                       "/local/domain/0/backend/vif/5/0");
  g_autoptr(DmDiagReport) r = dm_diagnose_analyse(s, dc);
  g_autofree char *text = dm_diagnose_format_json(r);
  g_autoptr(JsonParser) parser = json_parser_new();
  cr_assert(json_parser_load_from_data(parser, text, -1, NULL));
  JsonObject *o = json_node_get_object(json_parser_get_root(parser));
  JsonObject *dev = json_array_get_object_element(json_object_get_array_member(o, "devices"), 0);
  JsonObject *fe = json_object_get_object_member(dev, "frontend");
  cr_assert(json_object_get_null_member(fe, "state"));
  cr_assert_str_eq(json_object_get_string_member(fe, "state_name"), "missing");
  JsonObject *be = json_object_get_object_member(dev, "backend");
  cr_assert_not(json_object_get_boolean_member(be, "exists"));
  cr_assert_str_eq(json_array_get_string_element(json_object_get_array_member(dev, "problems"), 0),
                   "dangling-backend-link");
  cr_assert(json_object_get_null_member(o, "name"));
}

/* --all's two domains: the XENUTIL one, and one xenstored stopped
 * answering on. */
static GPtrArray *
all_reports(void)
{
  GPtrArray *reports = g_ptr_array_new_with_free_func((GDestroyNotify)dm_diag_report_free);
  g_autoptr(DmDiagSnapshot) s = dm_diag_snapshot_new(6);
  g_autoptr(DmConfig) c = dm_config_new_default();
  g_autoptr(DmDomainConfig) dc = dm_config_for_domain(c, NULL, NULL);

  dm_diag_snapshot_set(s, "/local/domain/6/name", "db");
  s->partial = g_strdup("xenstored stopped answering while this domain was read");
  g_ptr_array_add(reports, xenutil_report());
  g_ptr_array_add(reports, dm_diagnose_analyse(s, dc));
  return reports;
}

Test(diagnose_output, all_table_one_line_per_domain)
{
  g_autoptr(GPtrArray) reports = all_reports();
  g_autofree char *text = dm_diagnose_format_all_table(reports);
  g_autofree char *head = NULL;
  g_autofree char *win7 = NULL;
  g_autofree char *db = NULL;

  cr_assert(line_with(text, "DOMID  NAME", &head), "%s", text);
  cr_assert(strstr(head, "HEALTH  WORST FINDING"), "%s", head);
  cr_assert(line_with(text, "win7", &win7), "%s", text);
  cr_assert(g_str_has_prefix(win7, "5      win7  hvm "), "%s", win7);
  /* One of its two devices is stuck; no log, so the helper is unknown. */
  cr_assert(strstr(win7, " 1/2 "), "%s", win7);
  cr_assert(strstr(win7, " unknown "), "%s", win7);
  cr_assert(strstr(win7, " STUCK  "), "%s", win7);
  cr_assert(line_with(text, "db", &db), "%s", text);
  cr_assert(strstr(db, " ?       partial: xenstored stopped answering"), "%s", db);
  cr_assert(g_str_has_suffix(text, "for one domain's report and advice.\n"), "%s", text);
}

Test(diagnose_output, all_json_one_object_per_domain)
{
  g_autoptr(GPtrArray) reports = all_reports();
  g_autofree char *text = dm_diagnose_format_all_json(reports);
  g_autoptr(JsonParser) parser = parsed(text);
  JsonArray *all = json_node_get_array(json_parser_get_root(parser));
  cr_assert_eq(json_array_get_length(all), 2);
  JsonObject *win7 = json_array_get_object_element(all, 0);
  cr_assert_eq(json_object_get_int_member(win7, "domid"), 5);
  cr_assert_eq(json_object_get_int_member(win7, "devices"), 2);
  cr_assert_eq(json_object_get_int_member(win7, "stuck_devices"), 1);
  cr_assert_str_eq(json_object_get_string_member(win7, "scrub_helper"), "unknown");
  cr_assert(json_object_get_boolean_member(win7, "stuck"));
  cr_assert_not(json_object_get_boolean_member(win7, "partial"));
  cr_assert_str_eq(json_object_get_string_member(win7, "worst"),
                   g_ptr_array_index(((DmDiagReport *)reports->pdata[0])->findings, 0));
  JsonObject *db = json_array_get_object_element(all, 1);
  cr_assert(json_object_get_boolean_member(db, "partial"));
  cr_assert(g_str_has_prefix(json_object_get_string_member(db, "worst"), "partial: "));
}
