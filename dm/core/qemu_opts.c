#include "qemu_opts.h"

#include <string.h>

const char *
dm_option_name(const char *arg)
{
  if (arg[0] != '-' || arg[1] == '\0')
    return NULL;
  if (arg[1] == '-')
    return arg[2] ? arg + 2 : NULL;
  return arg + 1;
}

/* Options that take no value, for both flavours.  qemu's own parser works
 * the same way: an option either always takes exactly one value or never
 * does.  Toolstacks also pass options of patched qemus (OpenXT, XenServer)
 * that no table here can list in full: see dm_option_arity. */
/* clang-format off */
static const char *const no_value_options[] = {
  /* upstream qemu-xen */
  "S", "s", "snapshot", "nographic", "nodefaults", "no-user-config",
  "no-shutdown", "no-reboot", "daemonize", "full-screen", "xen-attach",
  "xen-create", "xen-domid-restrict", "enable-kvm", "no-hpet", "no-acpi",
  "no-fd-bootchk", "win2k-hack", "rtc-td-hack", "usb", "sdl", "curses",
  "portrait", "alt-grab", "ctrl-grab", "enable-fips", "preconfig",
  "only-migratable", "version", "h", "help", "nodefconfig", "no-frame",
  "no-quit", "mem-prealloc", "singlestep", "semihosting", "enable-sync-profile",
  "old-param", "std-vga", "async-teardown", "show-cursor", "audio-help",
  /* qemu-xen-traditional (qemu-dm) */
  "acpi", "vncunused", "vncviewer", "disable-opengl", "gfx_passthru",
  "localtime", "stdvga", "no-kqemu", "kernel-kqemu", "direct-pci-msitranslate",
  "disable-vnc-password", "isa",
  /* OpenXT's qemu (xenclient-oe's qemu patches; xenmgr adds the second
   * whenever a policy blocks audio recording) */
  "xen-acpi-pm", "disable-audio-rec",
  /* XenServer's and XCP-ng's qemu-wrapper: flags the wrapper consumes or
   * passes on (device.ml's Dm_Common.qemu_args) */
  "xengt", "trad-compat", "priv", "vgpu",
  NULL,
};
/* clang-format on */

/* Options known to take a value: these take the next word even when it
 * starts with '-' (a qemu value may: "-append -v").  Every option the
 * toolstack's argv parser interprets is here. */
/* clang-format off */
static const char *const value_options[] = {
  "xen-domid", "d", "name", "domain-name", "machine", "M", "vnc", "display", "sandbox",
  "runas", "chroot", "run-with", "drive", "hda", "hdb", "hdc", "hdd", "cdrom", "fda",
  "fdb", "serial", "parallel", "chardev", "mon", "monitor", "qmp", "m", "smp", "boot",
  "device", "netdev", "net", "global", "k", "pidfile", "trace", "usbdevice", "videoram",
  "vcpus", "vcpu_avail", "incoming", "loadvm", "vga", "soundhw", "audiodev", "append",
  "kernel", "initrd", "object", "msg", "D", "L", "option-rom", "rtc", "cpu", "accel",
  "uuid", "bios", "pciemulation", "vnc-clipboard-socket-fd", "xen-stubdom", "acpitable",
  "smbios", "overcommit", "action", "add-fd", "fw_cfg", "iscsi", "blockdev", "spice",
  "watchdog-action", "icount", "numa", "readconfig", "mem-path", "set", "mtdblock", "sd",
  "pflash",
  NULL,
};
/* clang-format on */

DmArity
dm_option_arity(const char *option)
{
  if (g_strv_contains(no_value_options, option))
    return DM_ARITY_FLAG;
  if (g_strv_contains(value_options, option))
    return DM_ARITY_VALUE;
  return DM_ARITY_UNKNOWN;
}

/* qemu's own legacy options: -hda..-hdd are IDE 0 to 3, and -cdrom is the
 * secondary master (index 2) with media=cdrom (vl.c, drive_add). */
static const DmDiskOption disk_options[] = {
  { "drive", -1, NULL }, { "hda", 0, "disk" }, { "hdb", 1, "disk" },
  { "hdc", 2, "disk" },  { "hdd", 3, "disk" }, { "cdrom", 2, "cdrom" },
};

const DmDiskOption *
dm_disk_option(const char *option)
{
  for (gsize i = 0; i < G_N_ELEMENTS(disk_options); i++)
    if (strcmp(option, disk_options[i].name) == 0)
      return &disk_options[i];
  return NULL;
}

gboolean
dm_image_option(const char *option)
{
  /* qemu's vl.c turns each of the others into a -drive with the value as
   * its file= (drive_add): -fda/-fdb if=floppy, -mtdblock if=mtd, -sd
   * if=sd, -pflash if=pflash. */
  static const char *const others[] = { "fda", "fdb", "mtdblock", "sd", "pflash", NULL };
  return dm_disk_option(option) != NULL || g_strv_contains(others, option);
}

/* Where a value that starts at `p` ends, as qemu's get_opt_value reads
 * it: at the first ',' that is not half of a ",," pair, or at the end. */
static const char *
value_end(const char *p)
{
  while (*p != '\0') {
    if (*p == ',') {
      if (p[1] != ',')
        break;
      p++;
    }
    p++;
  }
  return p;
}

/* Where the element that starts at `p` ends, as qemu's
 * get_opt_name_value reads it: its key ends at the first '=' or ','
 * (strcspn(p, "=,")).  Ended by '=', it is KEY=VALUE and the value runs
 * on through ",," pairs; ended by ',' or the end, it is the implied
 * key's value (which also runs through pairs) when `implied`, and a
 * flag (which ends at that ',') otherwise. */
static const char *
element_end(const char *p, gboolean implied)
{
  gsize len = strcspn(p, "=,");

  if (p[len] == '=')
    return value_end(p + len + 1);
  return implied ? value_end(p) : p + len;
}

GPtrArray *
dm_qemu_opts_split(const char *optstr, gboolean implied)
{
  GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
  const char *p = optstr;

  for (;;) {
    const char *end = element_end(p, implied && p == optstr);
    g_ptr_array_add(out, g_strndup(p, (gsize)(end - p)));
    if (*end == '\0')
      return out;
    p = end + 1;
  }
}

GPtrArray *
dm_qemu_dm_vnc_split(const char *value)
{
  GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
  g_auto(GStrv) parts = g_strsplit(value, ",", -1);

  for (char **p = parts; *p; p++)
    g_ptr_array_add(out, g_strdup(*p));
  if (out->len == 0) /* g_strsplit gives none for "" */
    g_ptr_array_add(out, g_strdup(""));
  return out;
}

gboolean
dm_qemu_opt_implied(const char *first)
{
  return first[strcspn(first, "=,")] != '=';
}

char *
dm_qemu_unescape(const char *element)
{
  GString *out = g_string_sized_new(strlen(element));

  for (const char *p = element; *p; p++) {
    if (*p == ',' && p[1] == ',')
      p++;
    g_string_append_c(out, *p);
  }
  return g_string_free(out, FALSE);
}

/* The key and value qemu reads from one element of a split (not an
 * implied first one): "k=v" is k and v unescaped; a flag "k" is k=on,
 * and a flag "nok" is k=off (qemu strips the "no"). */
static char *
element_key(const char *element, char **value)
{
  gsize len = strcspn(element, "=,");

  if (element[len] == '=') {
    *value = dm_qemu_unescape(element + len + 1);
    return g_strndup(element, len);
  }
  if (strncmp(element, "no", 2) == 0) {
    *value = g_strdup("off");
    return g_strndup(element + 2, len - 2);
  }
  *value = g_strdup("on");
  return g_strndup(element, len);
}

char *
dm_qemu_opt_key(const char *element, char **value)
{
  return element_key(element, value);
}

gboolean
dm_qemu_opt_is(const char *element, const char *key)
{
  g_autofree char *value = NULL;
  g_autofree char *got = element_key(element, &value);
  return strcmp(got, key) == 0;
}

char *
dm_qemu_opt_get_implied(const char *optstr, const char *implied_key, const char *key)
{
  g_autoptr(GPtrArray) elements = dm_qemu_opts_split(optstr, implied_key != NULL);
  char *found = NULL;

  for (guint i = 0; i < elements->len; i++) {
    const char *e = g_ptr_array_index(elements, i);
    g_autofree char *value = NULL;
    g_autofree char *k = NULL;

    /* qemu stops at the end of the string: an empty last element (of
     * "" or "a,") is not read. */
    if (i + 1 == elements->len && *e == '\0')
      break;
    if (i == 0 && implied_key != NULL && dm_qemu_opt_implied(e)) {
      k = g_strdup(implied_key);
      value = dm_qemu_unescape(e);
    } else {
      k = element_key(e, &value);
    }
    /* qemu_opt_get finds the last. */
    if (strcmp(k, key) == 0) {
      g_free(found);
      found = g_steal_pointer(&value);
    }
  }
  return found;
}

char *
dm_qemu_opt_get(const char *optstr, const char *key)
{
  g_autoptr(GPtrArray) elements = NULL;
  const char *first;

  if (key != NULL)
    return dm_qemu_opt_get_implied(optstr, NULL, key);
  elements = dm_qemu_opts_split(optstr, TRUE);
  first = g_ptr_array_index(elements, 0);
  if (elements->len == 1 && *first == '\0')
    return NULL;
  return dm_qemu_opt_implied(first) ? dm_qemu_unescape(first) : NULL;
}

char *
dm_qemu_escape(const char *value)
{
  GString *out = g_string_sized_new(strlen(value) + 8);
  for (const char *p = value; *p; p++) {
    if (*p == ',')
      g_string_append_c(out, ',');
    g_string_append_c(out, *p);
  }
  return g_string_free(out, FALSE);
}

static const char *const secret_keys[] = { "password", "data", "passwd", "key", NULL };

char *
dm_redact_arg(const char *arg)
{
  /* Split with no implied key: an implied first element is a value, and
   * its end is where the split without one also ends an element, so
   * this reading sees every KEY=VALUE either reading does. */
  g_autoptr(GPtrArray) elements = dm_qemu_opts_split(arg, FALSE);
  GString *out = g_string_sized_new(strlen(arg));

  for (guint i = 0; i < elements->len; i++) {
    const char *element = g_ptr_array_index(elements, i);
    gsize len = strcspn(element, "=,");
    g_autofree char *key = element[len] == '=' ? g_strndup(element, len) : NULL;

    if (i > 0)
      g_string_append_c(out, ',');
    if (key != NULL && g_strv_contains(secret_keys, key))
      g_string_append_printf(out, "%s=***", key);
    else
      g_string_append(out, element);
  }
  return g_string_free(out, FALSE);
}
