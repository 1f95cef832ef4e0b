#include <criterion/criterion.h>
#include "qemu_opts.h"

#include <string.h>

/* Each case's input, through `fn`, gives its expected output. */
static void
assert_maps(char *(*fn)(const char *), const char *const (*cases)[2], size_t n)
{
  for (size_t i = 0; i < n; i++) {
    g_autofree char *out = fn(cases[i][0]);
    cr_assert_str_eq(out, cases[i][1], "'%s'", cases[i][0]);
  }
}

Test(escape, doubles_commas_only)
{
  static const char *const cases[][2] = {
    { "/var/lib/xen/a.img", "/var/lib/xen/a.img" },
    { "/img/with,comma.img", "/img/with,,comma.img" },
    { "/img/a,,b", "/img/a,,,,b" },
    { "/img/with space=eq.vhd", "/img/with space=eq.vhd" },
    { ",", ",," },
    { "", "" },
  };
  assert_maps(dm_qemu_escape, cases, G_N_ELEMENTS(cases));
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
  static const char *const cases[][2] = {
    { "127.0.0.1:0,password=hunter2", "127.0.0.1:0,password=***" },
    { "127.0.0.1:0,password", "127.0.0.1:0,password" },
    { "secret,id=vnc0,data=s3cr3t,format=raw", "secret,id=vnc0,data=***,format=raw" },
    { "port=5930,password=a,,b,disable-ticketing=off",
      "port=5930,password=***,disable-ticketing=off" },
    { "secret,id=x,file=/run/p", "secret,id=x,file=/run/p" },
    { "-vnc", "-vnc" },
    { "password=x", "password=***" },
  };
  assert_maps(dm_redact_arg, cases, G_N_ELEMENTS(cases));
}

/* A value holding a newline must not forge a log line
 * (which `diagnose` would then report as the device model's error). */
Test(escape, control_characters_cannot_start_a_line)
{
  static const char *const cases[][2] = {
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

Test(optget, elements)
{
  g_autofree char *a = dm_qemu_opt_get("xenfv,suppress-vmdesc=on", NULL);
  cr_assert_str_eq(a, "xenfv");
  g_autofree char *b = dm_qemu_opt_get("xenfv,suppress-vmdesc=on", "suppress-vmdesc");
  cr_assert_str_eq(b, "on");
  g_autofree char *c = dm_qemu_opt_get("type=pc,accel=xen", NULL);
  cr_assert_null(c);
  g_autofree char *d = dm_qemu_opt_get("file=/a,,b,format=raw", "file");
  cr_assert_str_eq(d, "/a,b");
  g_autofree char *e = dm_qemu_opt_get("", NULL);
  cr_assert_str_eq(e, "");
  g_autofree char *f = dm_qemu_opt_get("a=1", "b");
  cr_assert_null(f);
}

/* The elements as written: joined back with ',' they give the string. */
static void
assert_split(const char *optstr, const char *const *want, guint n)
{
  g_autoptr(GPtrArray) got = dm_qemu_opts_split(optstr);
  g_autoptr(GString) joined = g_string_new(NULL);

  cr_assert_eq(got->len, n, "'%s': %u elements, expected %u", optstr, got->len, n);
  for (guint i = 0; i < n; i++) {
    cr_assert_str_eq(g_ptr_array_index(got, i), want[i], "'%s' element %u", optstr, i);
    g_string_append_printf(joined, "%s%s", i ? "," : "", want[i]);
  }
  cr_assert_str_eq(joined->str, optstr);
}

#define SPLIT(optstr, ...)                                                                \
  do {                                                                                    \
    const char *const want[] = { __VA_ARGS__ };                                           \
    assert_split(optstr, want, G_N_ELEMENTS(want));                                       \
  } while (0)

Test(split, single_commas_separate_doubled_ones_stay)
{
  SPLIT("", "");
  SPLIT("a", "a");
  SPLIT("a=1,b=2", "a=1", "b=2");
  SPLIT("file=/a,,b,format=raw", "file=/a,,b", "format=raw");
  /* Empty values and empty elements are elements. */
  SPLIT("a=,b=", "a=", "b=");
  SPLIT("a,", "a", "");
  SPLIT(",a", "", "a");
  SPLIT(",", "", "");
  SPLIT("a,,,b", "a,,", "b");
  /* ",," at either end is a comma inside the element. */
  SPLIT(",,a", ",,a");
  SPLIT("a,,", "a,,");
  SPLIT(",,", ",,");
  SPLIT(",,,", ",,", "");
  SPLIT(",,,,", ",,,,");
  SPLIT("a,,,,b", "a,,,,b");
  /* Keys without '=' are elements too (qemu's flags). */
  SPLIT("127.0.0.1:0,password,to=9", "127.0.0.1:0", "password", "to=9");
}

Test(split, unescape_reads_doubled_commas_as_one)
{
  static const char *const cases[][2] = {
    { "", "" }, { "a", "a" }, { ",,", "," }, { "a,,b", "a,b" },
    { ",,,,", ",," }, { "file=/a,,b", "file=/a,b" },
    /* No element holds a lone comma; one passes unchanged. */
    { "a,b", "a,b" }, { ",,,", ",," },
  };
  assert_maps(dm_qemu_unescape, cases, G_N_ELEMENTS(cases));
}

Test(optget, edge_cases)
{
  struct {
    const char *optstr, *key, *want;
  } cases[] = {
    /* An empty value is a value, not an absence. */
    { "file=,if=none", "file", "" },
    { "if=none,file=", "file", "" },
    /* A trailing comma ends with an empty element. */
    { "a=1,", "a", "1" },
    { "a=1,", NULL, NULL },
    { ",", NULL, "" },
    { "a,", NULL, "a" },
    /* ",," at either end of a value. */
    { "file=,,a", "file", ",a" },
    { "file=a,,", "file", "a," },
    { "file=a,,,format=raw", "file", "a," },
    { "file=a,,,format=raw", "format", "raw" },
    { ",,x", NULL, ",x" },
    /* A key without '=' is a flag, which has no value here... */
    { "a=1,file", "file", NULL },
    { "password,to=9", "password", NULL },
    /* ...and the first element is key-less only without '='. */
    { "none,to=9", NULL, "none" },
    { "type=pc", "type", "pc" },
    /* Keys match whole. */
    { "filename=/x", "file", NULL },
    { "file=/x", "filename", NULL },
    { "x-file=/y,file=/x", "file", "/x" },
    /* A value may hold '='. */
    { "append=a=b", "append", "a=b" },
    /* The first of a repeated key (qemu's own is the last: see the header). */
    { "file=/a,file=/b", "file", "/a" },
    { "", "file", NULL },
  };
  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *got = dm_qemu_opt_get(cases[i].optstr, cases[i].key);
    if (cases[i].want == NULL)
      cr_assert_null(got, "'%s' key %s", cases[i].optstr, cases[i].key);
    else
      cr_assert_str_eq(got, cases[i].want, "'%s' key %s", cases[i].optstr, cases[i].key);
  }
}

Test(optis, key_or_flag_whole)
{
  cr_assert(dm_qemu_opt_is("password", "password"));
  cr_assert(dm_qemu_opt_is("password=", "password"));
  cr_assert(dm_qemu_opt_is("password=x", "password"));
  cr_assert_not(dm_qemu_opt_is("password-secret=s", "password"));
  cr_assert(dm_qemu_opt_is("password-secret=s", "password-secret"));
  cr_assert_not(dm_qemu_opt_is("passwor", "password"));
  cr_assert_not(dm_qemu_opt_is("", "to"));
  cr_assert_not(dm_qemu_opt_is("xto=1", "to"));
  cr_assert(dm_qemu_opt_is("file=/a,,b", "file"));
}

Test(option, names)
{
  cr_assert_str_eq(dm_option_name("-vnc"), "vnc");
  cr_assert_str_eq(dm_option_name("--vnc"), "vnc");
  cr_assert_str_eq(dm_option_name("---vnc"), "-vnc");
  cr_assert_null(dm_option_name("vnc"));
  cr_assert_null(dm_option_name("-"));
  cr_assert_null(dm_option_name("--"));
  cr_assert_null(dm_option_name(""));
}

Test(option, arity)
{
  cr_assert_eq(dm_option_arity("nographic"), DM_ARITY_FLAG);
  cr_assert_eq(dm_option_arity("vncunused"), DM_ARITY_FLAG);
  cr_assert_eq(dm_option_arity("xen-domid"), DM_ARITY_VALUE);
  cr_assert_eq(dm_option_arity("append"), DM_ARITY_VALUE);
  cr_assert_eq(dm_option_arity("disable-audio-rec"), DM_ARITY_FLAG);
  cr_assert_eq(dm_option_arity("vnc"), DM_ARITY_VALUE);
  cr_assert_eq(dm_option_arity("frobnicate"), DM_ARITY_UNKNOWN);
  /* Names without dashes only, and exactly. */
  cr_assert_eq(dm_option_arity("-vnc"), DM_ARITY_UNKNOWN);
  cr_assert_eq(dm_option_arity("VNC"), DM_ARITY_UNKNOWN);
  cr_assert_eq(dm_option_arity(""), DM_ARITY_UNKNOWN);
  /* Every disk option takes its value. */
  const char *const disks[] = { "drive", "hda", "hdb", "hdc", "hdd", "cdrom" };
  for (size_t i = 0; i < G_N_ELEMENTS(disks); i++)
    cr_assert_eq(dm_option_arity(disks[i]), DM_ARITY_VALUE, "%s", disks[i]);
}

Test(option, disk_options_as_qemu_places_them)
{
  const DmDiskOption *d = dm_disk_option("drive");
  cr_assert_not_null(d);
  cr_assert_eq(d->ide_index, -1);
  cr_assert_null(d->media);
  const char *const hd[] = { "hda", "hdb", "hdc", "hdd" };
  for (int i = 0; i < 4; i++) {
    d = dm_disk_option(hd[i]);
    cr_assert_not_null(d);
    cr_assert_eq(d->ide_index, i);
    cr_assert_str_eq(d->media, "disk");
  }
  /* qemu's -cdrom is the secondary master. */
  d = dm_disk_option("cdrom");
  cr_assert_not_null(d);
  cr_assert_eq(d->ide_index, 2);
  cr_assert_str_eq(d->media, "cdrom");
  cr_assert_null(dm_disk_option("fda"));
  cr_assert_null(dm_disk_option("hde"));
  cr_assert_null(dm_disk_option("-hda"));
  cr_assert_null(dm_disk_option(""));
}

Test(redact, every_secret_key_and_only_its_value)
{
  static const char *const cases[][2] = {
    { "passwd=a,key=b,data=c,x=d", "passwd=***,key=***,data=***,x=d" },
    /* The value ends at a single comma, wherever ",," are. */
    { "password=,,a,,,x=1", "password=***,x=1" },
    { "password=a,,", "password=***" },
    { "password=", "password=***" },
    /* Keys match whole. */
    { "keys=a,apassword=b,password-secret=s", "keys=a,apassword=b,password-secret=s" },
    /* Empty elements and ",," elsewhere are kept as written. */
    { "x=a,,b,password=y,", "x=a,,b,password=***," },
    { ",password=x", ",password=***" },
    { "", "" },
  };
  assert_maps(dm_redact_arg, cases, G_N_ELEMENTS(cases));
}
