#include <criterion/criterion.h>
#include <json-glib/json-glib.h>
#include "build_config.h"
#include "plan.h"
#include "toolstack_lines.h"

static DmPlan *
plan_for(const char *const *line, const char *conf)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DmConfig) c =
    conf ? dm_config_parse(conf, strlen(conf), "t", NULL, &error) : dm_config_new_default();
  cr_assert_not_null(c);
  DmRequest *req = dm_request_parse(line_argc(line), (char *const *)line, &error);
  cr_assert_not_null(req, "%s", error ? error->message : "");
  DmDomainConfig *dc = dm_config_for_domain(c, req->name, &error);
  DmQemuFacts facts = { 0 };
  DmPlan *plan = dm_plan_build(req, dc, &facts, &error);
  cr_assert_not_null(plan);
  return plan;
}

/* The plan's --dry-run JSON, parsed back with json-glib's real parser
 * (asserts that it parses).  The parser owns *root. */
static JsonParser *
parse_plan_json(const DmPlan *p, JsonObject **root)
{
  g_autofree char *json = dm_plan_to_json(p);
  g_autoptr(GError) error = NULL;
  JsonParser *parser = json_parser_new();

  cr_assert(json_parser_load_from_data(parser, json, -1, &error), "%s: %s",
            error ? error->message : "", json);
  *root = json_node_get_object(json_parser_get_root(parser));
  return parser;
}

Test(plan, hvm_scrubs_console_and_vfb)
{
  g_autoptr(DmPlan) p = plan_for(LINE_XEND_HVM, NULL);
  cr_assert_str_eq(p->exec, DM_DEFAULT_QEMU_TRAD);
  cr_assert_eq(p->scrub_paths->len, 2);
  cr_assert_str_eq(g_ptr_array_index(p->scrub_paths, 0), "/local/domain/0/backend/console/5");
  cr_assert_str_eq(g_ptr_array_index(p->scrub_paths, 1), "/local/domain/0/backend/vfb/5");
  cr_assert(p->helper);
}

Test(plan, pv_is_never_scrubbed_by_default)
{
  g_autoptr(DmPlan) p = plan_for(LINE_LIBXL_PV_VFB, NULL);
  cr_assert_eq(p->scrub_paths->len, 0);
  cr_assert_not(p->helper);
}

Test(plan, empty_scrub_list_disables_helper)
{
  g_autoptr(DmPlan) p = plan_for(LINE_LIBXL_HVM, "[launcher]\nscrub =\n");
  cr_assert_eq(p->scrub_paths->len, 0);
  cr_assert_not(p->helper);
}

Test(plan, probe_touches_nothing)
{
  g_autoptr(DmPlan) p = plan_for(LINE_LIBXL_PROBE, NULL);
  cr_assert_str_eq(p->exec, DM_DEFAULT_QEMU_XEN);
  cr_assert_eq(p->scrub_paths->len, 0);
  cr_assert_not(p->helper);
  cr_assert_eq(p->argv->len, (guint)line_argc(LINE_LIBXL_PROBE) + 1);
}

Test(plan, argv_is_null_terminated_and_verbatim)
{
  g_autoptr(DmPlan) p = plan_for(LINE_XCPNG_HVM, "[launcher]\nqemu-xen = /q\n");
  cr_assert_str_eq(g_ptr_array_index(p->argv, 0), "/q");
  for (int i = 0; LINE_XCPNG_HVM[i]; i++)
    cr_assert_str_eq(g_ptr_array_index(p->argv, i + 1), LINE_XCPNG_HVM[i]);
  cr_assert_null(p->argv->pdata[p->argv->len]);
}

Test(plan, json_contract)
{
  g_autoptr(DmPlan) p = plan_for(LINE_XEND_HVM, NULL);
  JsonObject *o;
  g_autoptr(JsonParser) parser = parse_plan_json(p, &o);
  cr_assert_str_eq(json_object_get_string_member(o, "flavour"), "qemu-xen-traditional");
  cr_assert_eq(json_object_get_int_member(o, "domid"), 5);
  cr_assert_str_eq(json_object_get_string_member(o, "name"), "win7");
  cr_assert_str_eq(json_object_get_string_member(o, "guest"), "hvm");
  cr_assert_str_eq(json_object_get_string_member(o, "exec"), DM_DEFAULT_QEMU_TRAD);
  cr_assert_eq(json_array_get_length(json_object_get_array_member(o, "argv")),
               (guint)line_argc(LINE_XEND_HVM) + 1);
  cr_assert_eq(json_array_get_length(json_object_get_array_member(o, "scrub")), 2);
}

Test(plan, json_says_why_qemu_gets_no_sandbox)
{
  /* No probe ran (facts all zero): the plan says so rather than nothing. */
  g_autoptr(DmPlan) p = plan_for(LINE_LIBXL_HVM, "[launcher]\n");
  JsonObject *o;
  g_autoptr(JsonParser) parser = parse_plan_json(p, &o);
  const char *skipped = json_object_get_string_member(o, "qemu_sandbox_skipped");
  cr_assert(strstr(skipped, "takes -sandbox is not known"), "%s", skipped);
  g_autoptr(DmPlan) off = plan_for(LINE_LIBXL_HVM, "[launcher]\nqemu-sandbox = false\n");
  g_autofree char *json2 = dm_plan_to_json(off);
  cr_assert(strstr(json2, "\"qemu_sandbox_skipped\":null"), "%s", json2);
}

Test(plan, json_probe_has_nulls)
{
  g_autoptr(DmPlan) p = plan_for(LINE_LIBXL_PROBE, NULL);
  g_autofree char *json = dm_plan_to_json(p);
  cr_assert(strstr(json, "\"domid\":null"), "%s", json);
  cr_assert(strstr(json, "\"name\":null"), "%s", json);
  cr_assert(strstr(json, "\"guest\":null"), "%s", json);
  cr_assert(strstr(json, "\"flavour\":\"probe\""), "%s", json);
}

Test(plan, argv_log_redacts)
{
  const char *line[] = { "-xen-domid", "3",       "-machine",
                         "xenfv",      "-object", "secret,id=s,data=topsecret",
                         NULL };
  g_autoptr(DmPlan) p = plan_for(line, NULL);
  g_autofree char *log = dm_plan_argv_log(p);
  g_autofree char *json = dm_plan_to_json(p);
  cr_assert_null(strstr(log, "topsecret"));
  cr_assert_null(strstr(json, "topsecret"));
  cr_assert(strstr(log, "argv[6] = secret,id=s,data=***"), "%s", log);
}

Test(plan, scrub_before_exec_only_when_it_can_remove_something)
{
  g_autoptr(DmPlan) stale = plan_for(LINE_XEND_HVM, NULL);
  cr_assert_not(stale->scrub_before_exec); /* grace 2000: the helper's job */
  g_autoptr(DmPlan) zero = plan_for(LINE_XEND_HVM, "[launcher]\nscrub-grace-ms = 0\n");
  cr_assert(zero->scrub_before_exec);
  g_autoptr(DmPlan) always = plan_for(LINE_XEND_HVM, "[launcher]\nscrub-mode = always\n");
  cr_assert(always->scrub_before_exec);
  g_autoptr(DmPlan) off = plan_for(LINE_XEND_HVM, "[launcher]\nscrub =\nscrub-mode = always\n");
  cr_assert_not(off->scrub_before_exec);
  g_autofree char *json = dm_plan_to_json(zero);
  cr_assert(strstr(json, "\"scrub_before_exec\":true") != NULL, "%s", json);
}

/* Found by tests/fuzz/fuzz_toolstack_args: qemu's argv is bytes, and a
 * Latin-1 path made --dry-run print JSON that did not parse. */
Test(plan, json_stays_valid_for_non_utf8_args)
{
  static const char *const line[] = { "-xen-domid", "3",      "-machine",
                                      "xenfv",      "-drive", "file=/img/caf\xe9.qcow2",
                                      NULL };
  g_autoptr(DmPlan) p = plan_for(line, NULL);
  JsonObject *o;
  g_autoptr(JsonParser) parser = parse_plan_json(p, &o);
  JsonArray *argv = json_object_get_array_member(o, "argv");
  cr_assert_str_eq(json_array_get_string_element(argv, 6), "file=/img/caf\xef\xbf\xbd.qcow2");
  /* The argv that is exec'd keeps the bytes. */
  cr_assert_str_eq(g_ptr_array_index(p->argv, 6), "file=/img/caf\xe9.qcow2");
}

/* Found by tests/fuzz/fuzz_toolstack_args: a disk spec's image path (the
 * plan's "images") bypassed the UTF-8 repair and broke the JSON. */
Test(plan, json_stays_valid_for_non_utf8_image_paths)
{
  static const char *const line[] = { "-xen-domid", "3",    "-machine",
                                      "xenfv",      "-hda", "tap:aio:/img/caf\xe9.img",
                                      NULL };
  g_autoptr(DmPlan) p = plan_for(line, NULL);
  g_autofree char *json = dm_plan_to_json(p);
  JsonObject *o;
  g_autoptr(JsonParser) parser = parse_plan_json(p, &o);
  cr_assert(strstr(json, "caf\xef\xbf\xbd.img") != NULL, "%s", json);
}

/* libxl runs dom0's qemu for a stub domain as a PV device model named
 * NAME-dm with -xen-attach (libxl_dm.c, libxl__spawn_stub_dm, 4.17). */
Test(plan, stubdom_target_scrubbed_by_the_hvm_policy)
{
  const char *stub[] = { "-xen-domid", "5",    "-xen-attach", "-name", "g-dm",
                         "-vnc",       "none", "-machine",    "xenpv", NULL };
  g_autoptr(DmPlan) p = plan_for(stub, "[launcher]\nscrub-guests = hvm\n");
  cr_assert(dm_request_may_serve_stubdom(p->request));
  cr_assert_eq(p->scrub_paths->len, 0);
  cr_assert_not(p->helper);
  cr_assert_eq(dm_plan_add_stubdom_target(p, 4), 2);
  cr_assert_str_eq(g_ptr_array_index(p->scrub_paths, 0), "/local/domain/0/backend/console/4");
  cr_assert_str_eq(g_ptr_array_index(p->scrub_paths, 1), "/local/domain/0/backend/vfb/4");
  cr_assert(p->helper);

  g_autoptr(DmPlan) pv = plan_for(LINE_LIBXL_PV_VFB, NULL);
  cr_assert_not(dm_request_may_serve_stubdom(pv->request));
  g_autoptr(DmPlan) hvm = plan_for(LINE_LIBXL_HVM, NULL);
  cr_assert_not(dm_request_may_serve_stubdom(hvm->request));
  g_autoptr(DmPlan) none = plan_for(stub, "[launcher]\nscrub-guests = pv\n");
  cr_assert_eq(dm_plan_add_stubdom_target(none, 4), 0);
}

/* --dry-run prints this, in dom0 and in a stub domain: the JSON as one
 * line, or the text. */
Test(plan, dry_run_is_one_json_line_or_the_text)
{
  g_autoptr(DmPlan) p = plan_for(LINE_LIBXL_HVM, NULL);
  g_autofree char *json = dm_plan_to_json(p);
  g_autofree char *text = dm_plan_to_text(p);
  g_autofree char *json_out = dm_plan_dry_run(p, TRUE);
  g_autofree char *text_out = dm_plan_dry_run(p, FALSE);
  g_autofree char *json_line = g_strconcat(json, "\n", NULL);

  cr_assert_null(strchr(json, '\n'));
  cr_assert_str_eq(json_out, json_line);
  cr_assert_str_eq(text_out, text);
  cr_assert(g_str_has_prefix(text_out, "flavour:   qemu-xen\n"), "%s", text_out);
}
