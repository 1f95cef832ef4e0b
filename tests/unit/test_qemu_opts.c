#include <criterion/criterion.h>
#include "qemu_opts.h"
#include "toolstack_args.h"

#include <string.h>

Test(escape, doubles_commas_only)
{
  const char *cases[][2] = {
    { "/var/lib/xen/a.img", "/var/lib/xen/a.img" },
    { "/img/with,comma.img", "/img/with,,comma.img" },
    { "/img/a,,b", "/img/a,,,,b" },
    { "/img/with space=eq.vhd", "/img/with space=eq.vhd" },
    { ",", ",," },
    { "", "" },
  };
  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *out = dm_qemu_escape(cases[i][0]);
    cr_assert_str_eq(out, cases[i][1]);
  }
}

Test(escape, round_trips_through_option_parsing)
{
  const char *paths[] = { "/a,b", "/x y=z,,w", ",lead", "trail,", "/plain" };
  for (size_t i = 0; i < G_N_ELEMENTS(paths); i++) {
    g_autofree char *esc = dm_qemu_escape(paths[i]);
    g_autofree char *opt = g_strdup_printf("file=%s,format=raw", esc);
    g_autofree char *back = dm_qemu_opt_get(opt, "file");
    cr_assert_str_eq(back, paths[i]);
    g_autofree char *fmt = dm_qemu_opt_get(opt, "format");
    cr_assert_str_eq(fmt, "raw");
  }
}

Test(redact, hides_secret_values)
{
  const char *cases[][2] = {
    { "127.0.0.1:0,password=hunter2", "127.0.0.1:0,password=***" },
    { "127.0.0.1:0,password", "127.0.0.1:0,password" },
    { "secret,id=vnc0,data=s3cr3t,format=raw", "secret,id=vnc0,data=***,format=raw" },
    { "port=5930,password=a,,b,disable-ticketing=off",
      "port=5930,password=***,disable-ticketing=off" },
    { "secret,id=x,file=/run/p", "secret,id=x,file=/run/p" },
    { "-vnc", "-vnc" },
    { "password=x", "password=***" },
  };
  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *out = dm_redact_arg(cases[i][0]);
    cr_assert_str_eq(out, cases[i][1]);
  }
}

/* A value holding a newline must not forge a log line
 * (which `diagnose` would then report as the device model's error). */
Test(escape, control_characters_cannot_start_a_line)
{
  const char *cases[][2] = {
    { "win10", "win10" },
    { "a\nqemu-dm-launcher: error: forged", "a\\nqemu-dm-launcher: error: forged" },
    { "cr\rtab\tbell\a", "cr\\rtab\\tbell\\x07" },
    { "esc\x1b[2J del\x7f", "esc\\x1b[2J del\\x7f" },
    { "back\\slash", "back\\\\slash" },
    { "caf\xc3\xa9", "caf\xc3\xa9" },
    { "", "" },
  };
  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *out = dm_escape_control(cases[i][0]);
    cr_assert_str_eq(out, cases[i][1]);
    cr_assert_null(strchr(out, '\n'));
  }
}
