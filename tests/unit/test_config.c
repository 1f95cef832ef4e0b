#include <criterion/criterion.h>
#include "build_config.h"
#include "config.h"
#include "util.h"

static DmConfig *
parse(const char *text, GPtrArray *warnings, GError **error)
{
  return dm_config_parse(text, strlen(text), "test.conf", warnings, error);
}

Test(config, defaults)
{
  g_autoptr(DmConfig) c = dm_config_new_default();
  g_autoptr(DmDomainConfig) d = dm_config_for_domain(c, "win7", NULL);
  cr_assert_str_eq(d->qemu_xen, DM_DEFAULT_QEMU_XEN);
  cr_assert_str_eq(d->qemu_xen_traditional, DM_DEFAULT_QEMU_TRAD);
  cr_assert_eq(g_strv_length(d->scrub), 2);
  cr_assert_str_eq(d->scrub[0], "console");
  cr_assert_str_eq(d->scrub[1], "vfb");
  cr_assert_eq(d->scrub_mode, DM_SCRUB_STALE);
  cr_assert_eq(d->scrub_window_s, 60);
  cr_assert(d->scrub_hvm);
  cr_assert_not(d->scrub_pv);
  cr_assert(d->helper);
  cr_assert_eq(d->qemu_sandbox, DM_QEMU_SANDBOX_AUTO);
}

Test(config, qemu_sandbox_is_auto_or_a_boolean)
{
  const char *values[][2] = {
    { "auto", "a" }, { "true", "r" }, { "1", "r" }, { "false", "o" }, { "0", "o" }
  };
  for (gsize i = 0; i < G_N_ELEMENTS(values); i++) {
    g_autofree char *text = g_strdup_printf("[launcher]\nqemu-sandbox = %s\n", values[i][0]);
    g_autoptr(GError) error = NULL;
    g_autoptr(DmConfig) c = parse(text, NULL, &error);
    cr_assert_not_null(c, "%s", error ? error->message : "");
    g_autoptr(DmDomainConfig) d = dm_config_for_domain(c, "x", NULL);
    DmQemuSandbox want = values[i][1][0] == 'a'   ? DM_QEMU_SANDBOX_AUTO
                         : values[i][1][0] == 'r' ? DM_QEMU_SANDBOX_REQUIRED
                                                  : DM_QEMU_SANDBOX_OFF;
    cr_assert_eq(d->qemu_sandbox, want, "%s", values[i][0]);
  }
}

Test(config, global_then_domain_override)
{
  const char *text = "# comment\n"
                     "[launcher]\n"
                     "qemu-xen = /opt/qemu/bin/qemu-system-i386\n"
                     "scrub = console;vfb;vkbd\n"
                     "scrub-mode = always\n"
                     "scrub-grace-ms = 0\n"
                     "\n"
                     "[domain:win7]\n"
                     "scrub = console\n"
                     "scrub-mode = stale\n"
                     "helper = false\n"
                     "\n"
                     "[domain:linux]\n"
                     "scrub =\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(DmConfig) c = parse(text, NULL, &error);
  cr_assert_not_null(c, "%s", error ? error->message : "");

  g_autoptr(DmDomainConfig) other = dm_config_for_domain(c, "other", NULL);
  cr_assert_str_eq(other->qemu_xen, "/opt/qemu/bin/qemu-system-i386");
  cr_assert_eq(g_strv_length(other->scrub), 3);
  cr_assert_eq(other->scrub_mode, DM_SCRUB_ALWAYS);
  cr_assert_eq(other->scrub_grace_ms, 0);
  cr_assert(other->helper);

  g_autoptr(DmDomainConfig) win7 = dm_config_for_domain(c, "win7", NULL);
  cr_assert_str_eq(win7->qemu_xen, "/opt/qemu/bin/qemu-system-i386");
  cr_assert_eq(g_strv_length(win7->scrub), 1);
  cr_assert_eq(win7->scrub_mode, DM_SCRUB_STALE);
  cr_assert_not(win7->helper);

  g_autoptr(DmDomainConfig) linux_dc = dm_config_for_domain(c, "linux", NULL);
  cr_assert_eq(g_strv_length(linux_dc->scrub), 0);

  g_autoptr(DmDomainConfig) probe = dm_config_for_domain(c, NULL, NULL);
  cr_assert_eq(probe->scrub_mode, DM_SCRUB_ALWAYS);
}

Test(config, malformed_line_has_line_number)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DmConfig) c = parse("[launcher]\nscrub = console\nthis is not a key\n", NULL, &error);
  cr_assert_null(c);
  cr_assert(g_error_matches(error, DM_ERROR, DM_ERROR_CONFIG));
  cr_assert(strstr(error->message, "test.conf"), "%s", error->message);
  cr_assert(strstr(error->message, "line 3"), "%s", error->message);
}

Test(config, wrong_types_are_errors)
{
  const char *bad[][2] = {
    { "[launcher]\nscrub-grace-ms = soon\n", "scrub-grace-ms" },
    { "[launcher]\nscrub-grace-ms = -5\n", "whole number" },
    { "[launcher]\nscrub-window-s = 99999999\n", "whole number" },
    { "[launcher]\nhelper = maybe\n", "boolean" },
    { "[launcher]\nhelper = auto\n", "boolean" },
    { "[launcher]\nqemu-sandbox = maybe\n", "not auto or a boolean" },
    { "[launcher]\nscrub-mode = sometimes\n", "scrub mode" },
    { "[launcher]\nqemu-xen = qemu-system-i386\n", "absolute path" },
    { "[launcher]\nscrub = console;../../1\n", "backend class" },
    { "[launcher]\nscrub-guests = hvm;windows\n", "guest type" },
    { "[domain:bad\x01name]\nhelper = true\n", "line 1" },
    { "[launcher]\n= x\n", "line 2" },
    { "[launcher\n", "line 1" },
  };
  for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(DmConfig) c = parse(bad[i][0], NULL, &error);
    cr_assert_null(c, "accepted %s", bad[i][0]);
    cr_assert(strstr(error->message, bad[i][1]), "'%s' -> '%s'", bad[i][0], error->message);
    cr_assert(strstr(error->message, "test.conf"), "%s", error->message);
  }
}

Test(config, unknown_keys_and_groups_warn)
{
  g_autoptr(GPtrArray) w = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(DmConfig) c =
    parse("[launcher]\nscrub = vfb\nfrobnicate = yes\n[something]\nx = 1\n", w, &error);
  cr_assert_not_null(c, "%s", error ? error->message : "");
  cr_assert_eq(w->len, 2);
  cr_assert(strstr(g_ptr_array_index(w, 0), "frobnicate"));
  cr_assert(strstr(g_ptr_array_index(w, 1), "[something]"));
  g_autoptr(DmDomainConfig) d = dm_config_for_domain(c, "x", NULL);
  cr_assert_eq(g_strv_length(d->scrub), 1);
}

Test(config, nul_byte_refused)
{
  g_autoptr(GError) error = NULL;
  cr_assert_null(dm_config_parse("[launcher]\0x", 12, "t", NULL, &error));
  cr_assert(strstr(error->message, "NUL"));
}

Test(config, scrub_guests)
{
  g_autoptr(DmConfig) c = parse("[launcher]\nscrub-guests = pv; hvm\n", NULL, NULL);
  g_autoptr(DmDomainConfig) d = dm_config_for_domain(c, "x", NULL);
  cr_assert(d->scrub_pv);
  cr_assert(d->scrub_hvm);
}

/* Found by tests/fuzz/fuzz_config: GKeyFile's own error escaped with its
 * own domain, and main turned it into exit status 1 instead of 2. */
Test(config, key_before_any_group_is_a_config_error_with_line)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DmConfig) c = parse("# top\nscrub = console\n[launcher]\n", NULL, &error);
  cr_assert_null(c);
  cr_assert(g_error_matches(error, DM_ERROR, DM_ERROR_CONFIG));
  cr_assert(strstr(error->message, "test.conf: line 2: ") != NULL, "%s", error->message);
}

/* Found by tests/fuzz/fuzz_config: the text was read past `length`. */
Test(config, text_need_not_be_nul_terminated)
{
  g_autoptr(GError) error = NULL;
  char text[] = "[launcher]\nscrub = vfb\nXXXX";
  g_autoptr(DmConfig) c = dm_config_parse(text, strlen(text) - 4, "t", NULL, &error);
  cr_assert_not_null(c, "%s", error ? error->message : "");
  g_autoptr(DmDomainConfig) d = dm_config_for_domain(c, NULL, NULL);
  cr_assert_eq(g_strv_length(d->scrub), 1);
  cr_assert_str_eq(d->scrub[0], "vfb");
}

static GPtrArray *
lint(const char *text)
{
  GPtrArray *problems = g_ptr_array_new_with_free_func(g_free);
  dm_config_lint(text, problems);
  return problems;
}

static gboolean
has(GPtrArray *problems, const char *fragment)
{
  for (guint i = 0; i < problems->len; i++)
    if (strstr(problems->pdata[i], fragment))
      return TRUE;
  return FALSE;
}

/* check: every problem, each with its line, the xl.cfg habits included. */
Test(config, lint_reports_every_problem_with_its_line)
{
  g_autoptr(GPtrArray) p = lint("[launcher]\n"
                                "scrub_mode = always\n"
                                "scrub-mode = \"always\"\n"
                                "scrub = console, vfb\n"
                                "helper = true # keep it\n"
                                "scrub-grace-ms = soon\n"
                                "this is junk\n"
                                "[domain:win10]\n"
                                "vnc-display = 5901\n"
                                "frobnicate = 1\n");
  cr_assert_eq(p->len, 8);
  cr_assert(has(p, "line 2: [launcher] unknown key scrub_mode: did you mean scrub-mode?"));
  cr_assert(
    has(p, "line 3: [launcher] scrub-mode: quoted value \"always\": write scrub-mode = always"));
  cr_assert(has(p, "line 4: [launcher] scrub: lists are separated by ';'"));
  cr_assert(has(p, "scrub = console;vfb"));
  cr_assert(has(p, "line 5: [launcher] helper: '#' inside a value"));
  cr_assert(has(p, "line 6: [launcher] scrub-grace-ms: 'soon' is not a whole number"));
  cr_assert(has(p, "line 7: expected KEY = VALUE"));
  cr_assert(has(p, "line 9: [domain:win10] vnc-display: '5901' looks like a TCP port"));
  cr_assert(has(p, "line 10: [domain:win10] unknown key frobnicate"));
}

Test(config, lint_is_quiet_on_a_good_config)
{
  g_autoptr(GPtrArray) p = lint("# comment\n[launcher]\nscrub = console;vfb\nscrub-mode = stale\n"
                                "[domain:win10]\nvnc-display = 1\nsyslog = true\n");
  cr_assert_eq(p->len, 0, "%s", p->len ? (char *)p->pdata[0] : "");
}

Test(config, vnc_display_that_is_a_port_is_refused_with_a_hint)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DmConfig) c = parse("[launcher]\nvnc-display = 5901\n", NULL, &error);
  cr_assert_null(c);
  cr_assert(strstr(error->message, "for port 5901 write 1"), "%s", error->message);
  g_clear_error(&error);
  g_autoptr(DmConfig) ok = parse("[launcher]\nvnc-display = 5899\nsyslog = true\n", NULL, &error);
  cr_assert_not_null(ok);
  g_autoptr(DmDomainConfig) d = dm_config_for_domain(ok, "x", NULL);
  cr_assert(d->syslog);
}
