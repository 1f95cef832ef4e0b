#include <criterion/criterion.h>
#include "config.h"
#include "disk.h"
#include "qemu_args.h"
#include "qemu_opts.h"
#include "util.h"
#include "toolstack_args.h"
#include "vnc.h"

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
  g_autofree char *e = dm_qemu_opt_get(",", NULL);
  cr_assert_str_eq(e, "");
  g_autofree char *f = dm_qemu_opt_get("a=1", "b");
  cr_assert_null(f);
}

/* The elements as written: joined back with ',' they give the string. */
static void
assert_split(const char *optstr, gboolean implied, const char *const *want, guint n)
{
  g_autoptr(GPtrArray) got = dm_qemu_opts_split(optstr, implied);
  g_autoptr(GString) joined = g_string_new(NULL);

  cr_assert_eq(got->len, n, "'%s': %u elements, expected %u", optstr, got->len, n);
  for (guint i = 0; i < n; i++) {
    cr_assert_str_eq(g_ptr_array_index(got, i), want[i], "'%s' element %u", optstr, i);
    g_string_append_printf(joined, "%s%s", i ? "," : "", want[i]);
  }
  cr_assert_str_eq(joined->str, optstr);
}

/* SPLIT for an option with an implied key (-vnc, -name), FLAT for one
 * without (-drive, -run-with). */
#define SPLIT_AS(implied, optstr, ...)                                                             \
  do {                                                                                             \
    const char *const want[] = { __VA_ARGS__ };                                                    \
    assert_split(optstr, implied, want, G_N_ELEMENTS(want));                                       \
  } while (0)
#define SPLIT(optstr, ...) SPLIT_AS(TRUE, optstr, __VA_ARGS__)
#define FLAT(optstr, ...) SPLIT_AS(FALSE, optstr, __VA_ARGS__)

/* The cases below are all about the first element, which with an
 * implied key is read as a value: ",," in it is a comma. */
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

/* qemu ends a key, and so a flag, at any ',' (strcspn(p, "=,")): ",,"
 * escapes a comma only in a value, and in an implied first element. */
Test(split, a_key_ends_at_any_comma)
{
  FLAT("", "");
  FLAT("a", "a");
  FLAT("a,,b=1", "a", "", "b=1");
  FLAT("x,,password=s", "x", "", "password=s");
  FLAT("x,,file=/p", "x", "", "file=/p");
  FLAT("a,,,b", "a", "", "", "b");
  FLAT(",,a", "", "", "a");
  FLAT(",,", "", "", "");
  FLAT("a,", "a", "");
  /* In a value ",," is still a comma, also after a flag. */
  FLAT("file=/a,,b,format=raw", "file=/a,,b", "format=raw");
  FLAT("if=ide,x,,y,file=/a,,b", "if=ide", "x", "", "y", "file=/a,,b");
  FLAT("a=b,,,c", "a=b,,", "c");
  /* With an implied key, only the first element reads ",," as a comma. */
  SPLIT("a,,b=1", "a,,b=1");
  SPLIT("a=1,x,,password=s", "a=1", "x", "", "password=s");
  SPLIT("127.0.0.1:0,x,,vnc=0.0.0.0:0", "127.0.0.1:0", "x", "", "vnc=0.0.0.0:0");
}

Test(split, which_first_elements_are_implied)
{
  cr_assert(dm_qemu_opt_implied("127.0.0.1:0"));
  cr_assert(dm_qemu_opt_implied("a,,b=1"));
  cr_assert(dm_qemu_opt_implied(""));
  cr_assert_not(dm_qemu_opt_implied("vnc=:0"));
  cr_assert_not(dm_qemu_opt_implied("=x"));
}

Test(split, unescape_reads_doubled_commas_as_one)
{
  static const char *const cases[][2] = {
    { "", "" },
    { "a", "a" },
    { ",,", "," },
    { "a,,b", "a,b" },
    { ",,,,", ",," },
    { "file=/a,,b", "file=/a,b" },
    /* No element holds a lone comma; one passes unchanged. */
    { "a,b", "a,b" },
    { ",,,", ",," },
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
    /* ...which qemu does not read: "" sets nothing (this was "" before
     * qemu's reading was followed). */
    { "", NULL, NULL },
    { "a,", NULL, "a" },
    /* ",," at either end of a value. */
    { "file=,,a", "file", ",a" },
    { "file=a,,", "file", "a," },
    { "file=a,,,format=raw", "file", "a," },
    { "file=a,,,format=raw", "format", "raw" },
    { ",,x", NULL, ",x" },
    /* A key without '=' is a flag, "on" to qemu, and "noKEY" is KEY=off
     * (both were NULL before qemu's reading was followed)... */
    { "a=1,file", "file", "on" },
    { "password,to=9", "password", "on" },
    { "a=1,nofile", "file", "off" },
    { "file=/a,nofile", "file", "off" },
    { "nofile=/a", "nofile", "/a" },
    /* ...and the first element is key-less only without '='. */
    { "none,to=9", NULL, "none" },
    { "type=pc", "type", "pc" },
    /* Keys match whole. */
    { "filename=/x", "file", NULL },
    { "file=/x", "filename", NULL },
    { "x-file=/y,file=/x", "file", "/x" },
    /* A value may hold '='. */
    { "append=a=b", "append", "a=b" },
    /* qemu's is the last of a repeated key (this was "/a" before). */
    { "file=/a,file=/b", "file", "/b" },
    { "file=/a,x,file=/b,,c,y", "file", "/b,c" },
    /* A key ends at any ',': "x,,file=/p" is x, "" and file=/p. */
    { "x,,file=/p", "file", "/p" },
    { "x,,file=/p", "x,file", NULL },
    { "file=/a,x,,file=/p", "file", "/p" },
    { "a,,b=1", "b", "1" },
    { "a,,b=1", "a", "on" },
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
  /* qemu reads the flag "noKEY" as KEY=off. */
  cr_assert(dm_qemu_opt_is("nopassword", "password"));
  cr_assert(dm_qemu_opt_is("nofile", "file"));
  cr_assert_not(dm_qemu_opt_is("nofile=/x", "file"));
  cr_assert(dm_qemu_opt_is("nofile=/x", "nofile"));
  cr_assert_not(dm_qemu_opt_is("none", "none"));
  cr_assert(dm_qemu_opt_is("none", "ne"));
}

/* With an implied key, the first element without '=' is that key's
 * value, through ",," pairs; qemu keeps the last value of every key. */
Test(optget, implied_keys_as_qemu_reads_them)
{
  struct {
    const char *optstr, *implied, *key, *want;
  } cases[] = {
    { "127.0.0.1:0,password=on", "vnc", "vnc", "127.0.0.1:0" },
    { "127.0.0.1:0,vnc=0.0.0.0:0", "vnc", "vnc", "0.0.0.0:0" },
    { "vnc=0.0.0.0:0", "vnc", "vnc", "0.0.0.0:0" },
    { "a,,b=1", "vnc", "vnc", "a,b=1" },
    { "a,,b=1", "vnc", "b", NULL },
    { "a,,b=1,c=2", "vnc", "c", "2" },
    { "password=x", "vnc", "vnc", NULL },
    { "", "vnc", "vnc", NULL },
    { ",password", "vnc", "vnc", "" },
    { ",password", "vnc", "password", "on" },
    { "xenfv,type=pc", "type", "type", "pc" },
    { "pc,accel=xen,accel=kvm", "type", "accel", "kvm" },
    /* Without one, the same first element is flags. */
    { "a,,b=1", NULL, "b", "1" },
    { "127.0.0.1:0,password=on", NULL, "vnc", NULL },
  };
  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *got = dm_qemu_opt_get_implied(cases[i].optstr, cases[i].implied, cases[i].key);
    if (cases[i].want == NULL)
      cr_assert_null(got, "'%s' key %s", cases[i].optstr, cases[i].key);
    else
      cr_assert_str_eq(got, cases[i].want, "'%s' key %s", cases[i].optstr, cases[i].key);
  }
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

/* qemu's vl.c turns each of these into a -drive (drive_add); the
 * launcher reads the images of all of them, and rewrites specs only in
 * dm_disk_option's. */
Test(option, image_options_are_every_one_qemu_opens_an_image_from)
{
  const char *const images[] = { "drive", "hda", "hdb",      "hdc", "hdd",   "cdrom",
                                 "fda",   "fdb", "mtdblock", "sd",  "pflash" };
  for (size_t i = 0; i < G_N_ELEMENTS(images); i++) {
    cr_assert(dm_image_option(images[i]), "%s", images[i]);
    cr_assert_eq(dm_option_arity(images[i]), DM_ARITY_VALUE, "%s", images[i]);
  }
  cr_assert_not(dm_image_option("hde"));
  cr_assert_not(dm_image_option("-hda"));
  cr_assert_not(dm_image_option("blockdev")); /* refused, not read */
  cr_assert_not(dm_image_option(""));
}

Test(option, key_of_an_element_as_qemu_reads_it)
{
  g_autofree char *v1 = NULL, *v2 = NULL, *v3 = NULL;
  g_autofree char *k1 = dm_qemu_opt_key("file.filename=/a,,b", &v1);
  g_autofree char *k2 = dm_qemu_opt_key("nofile", &v2);
  g_autofree char *k3 = dm_qemu_opt_key("readonly", &v3);
  cr_assert_str_eq(k1, "file.filename");
  cr_assert_str_eq(v1, "/a,b");
  cr_assert_str_eq(k2, "file");
  cr_assert_str_eq(v2, "off");
  cr_assert_str_eq(k3, "readonly");
  cr_assert_str_eq(v3, "on");
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
    /* A key ends at any ',': qemu reads "x,,password=s" as x, "" and
     * password=s (this was left as it is before). */
    { "x,,password=s", "x,,password=***" },
    { "127.0.0.1:0,x,,password=s,,t,to=9", "127.0.0.1:0,x,,password=***,to=9" },
    { "secret,,data=s", "secret,,data=***" },
    { "nopassword,password", "nopassword,password" },
  };
  assert_maps(dm_redact_arg, cases, G_N_ELEMENTS(cases));
}

/* The launcher's checks read option strings through the functions
 * above; these cases are strings whose meaning turned on a divergence
 * from qemu's reading, checked where the launcher acts on them. */

static DmRequest *
request_with(const char *option, const char *value, gboolean traditional)
{
  const char *line[] = {
    traditional ? "-d" : "-xen-domid", "5", "-name", "g", "-machine", "xenfv", option, value, NULL
  };
  g_autoptr(GError) error = NULL;
  DmRequest *r = dm_request_parse(G_N_ELEMENTS(line) - 1, (char *const *)line, &error);
  cr_assert_not_null(r, "%s", error ? error->message : "");
  return r;
}

static DmDomainConfig *
domain_config(const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DmConfig) c = dm_config_parse(text, strlen(text), "t", NULL, &error);
  cr_assert_not_null(c, "%s", error ? error->message : "");
  return dm_config_for_domain(c, "g", &error);
}

/* The image qemu opens is the one the disk checks see. */
static void
assert_drive_image(const char *value, const char *image, const char *rewritten)
{
  g_autoptr(GPtrArray) images = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(DmRequest) r = request_with("-drive", value, FALSE);
  g_autoptr(GPtrArray) paths = dm_qemu_image_paths(r);
  gboolean drive = FALSE;
  g_autofree char *out = dm_disk_rewrite("drive", value, &drive, images, &error);

  cr_assert_eq(paths->len, 1, "'%s': %u images", value, paths->len);
  cr_assert_str_eq(g_ptr_array_index(paths, 0), image, "'%s'", value);
  if (rewritten == NULL) {
    cr_assert_null(out, "'%s' gave '%s'", value, out);
    return;
  }
  cr_assert_not_null(out, "'%s': %s", value, error ? error->message : "");
  cr_assert_str_eq(out, rewritten);
  cr_assert_str_eq(g_ptr_array_index(images, 0), image);
  /* And qemu, reading the rewritten string, opens that image. */
  g_autofree char *file = dm_qemu_opt_get(out, "file");
  cr_assert_str_eq(file, image);
}

Test(callers, drive_file_after_doubled_comma_is_seen)
{
  const char *value = "x,,file=/etc/shadow";
  g_autoptr(GPtrArray) elements = dm_qemu_opts_split(value, FALSE);
  g_autofree char *file = dm_qemu_opt_get(value, "file");

  cr_assert_str_eq(file, "/etc/shadow");
  cr_assert(dm_qemu_opt_is(g_ptr_array_index(elements, 2), "file"));
  assert_drive_image(value, "/etc/shadow", NULL);
  assert_drive_image("x,,file=tap:aio:/p.img,if=ide", "/p.img", "file=/p.img,format=raw,x,if=ide");
}

Test(callers, repeated_drive_file_is_the_last)
{
  assert_drive_image("file=/a.img,file=/b.img", "/b.img", NULL);
  assert_drive_image("file=tap:aio:/a.img,file=/etc/shadow", "/etc/shadow", NULL);
  assert_drive_image("file=/etc/shadow,file=tap:aio:/b.img,format=raw", "/b.img",
                     "file=/b.img,format=raw");
  assert_drive_image("file=tap:aio:/a.img,x,,file=tap:qcow2:/b.img,,c", "/b.img,c",
                     "file=/b.img,,c,format=qcow2,x");
}

/* -vnc VALUE rewritten under `config`, for upstream or qemu-dm. */
static char *
vnc_rewritten(const char *config, const char *value, gboolean traditional)
{
  g_autoptr(DmDomainConfig) dc = domain_config(config);
  g_autoptr(GPtrArray) extra = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(DmRequest) r = request_with("-vnc", value, traditional);
  char *out = dm_vnc_rewrite(r, dc, value, extra, &error);

  cr_assert_not_null(out, "%s", error ? error->message : "");
  return out;
}

Test(callers, vnc_display_is_qemus_last)
{
  const char *config = "[launcher]\nvnc-password-file = /p\n";
  g_autoptr(DmDomainConfig) dc = domain_config(config);
  g_autoptr(DmRequest) none = request_with("-vnc", "none,vnc=127.0.0.1:0", FALSE);
  g_autoptr(DmRequest) keyed = request_with("-vnc", "vnc=none", FALSE);
  g_autofree char *out = vnc_rewritten(config, "127.0.0.1:0,vnc=0.0.0.0:1,password=on", FALSE);
  g_autofree char *spelt = vnc_rewritten(config, "vnc=a=b:1", FALSE);

  cr_assert_str_eq(out, "0.0.0.0:1,password-secret=" DM_VNC_SECRET_ID);
  /* A display qemu would read a key in is given its key. */
  cr_assert_str_eq(spelt, "vnc=a=b:1,password-secret=" DM_VNC_SECRET_ID);
  cr_assert(dm_vnc_passes_password(none, dc));
  cr_assert_not(dm_vnc_passes_password(keyed, dc));
}

/* qemu-dm has no ",," and no vnc= key: its display runs to the first ','. */
Test(callers, vnc_display_of_qemu_dm)
{
  g_autofree char *out = vnc_rewritten("[launcher]\nvnc-listen = 127.0.0.1\n",
                                       "0.0.0.0:0,vnc=127.0.0.1:1,,x,password", TRUE);
  cr_assert_str_eq(out, "127.0.0.1:0,vnc=127.0.0.1:1,x,password");
}

/* qemu-xen opens a VNC server per -vnc and for -display vnc=...; the
 * launcher checks one, so it refuses the others.  qemu-dm keeps the last
 * -vnc, as the launcher does. */
Test(callers, one_vnc_server_for_qemu_xen)
{
  const char *twice[] = { "-xen-domid", "5", "-vnc", "127.0.0.1:0", "-vnc", "0.0.0.0:1", NULL };
  const char *display[] = { "-xen-domid",    "5", "-vnc", "127.0.0.1:0", "-display",
                            "vnc=0.0.0.0:1", NULL };
  const char *dm_twice[] = { "-d", "5", "-vnc", "127.0.0.1:0", "-vnc", "127.0.0.1:1", NULL };
  const char *const *refused[] = { twice, display };

  for (size_t i = 0; i < G_N_ELEMENTS(refused); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(DmRequest) r = dm_request_parse(6, (char *const *)refused[i], &error);
    cr_assert_null(r);
    cr_assert_not_null(strstr(error->message, "VNC server"), "%s", error->message);
  }
  g_autoptr(GError) error = NULL;
  g_autoptr(DmRequest) r = dm_request_parse(6, (char *const *)dm_twice, &error);
  cr_assert_not_null(r, "%s", error ? error->message : "");
  cr_assert_eq(r->vnc_index, 4);
}
