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

/* Options known to take a value: these take the next word even when it
 * starts with '-' (a qemu value may: "-append -v").  Every option the
 * toolstack's argv parser interprets is here. */
static const char *const value_options[] = {
  "xen-domid", "d", "name", "domain-name", "machine", "M", "vnc", "display", "sandbox",
  "runas", "chroot", "run-with", "drive", "hda", "hdb", "hdc", "hdd", "cdrom", "fda",
  "fdb", "serial", "parallel", "chardev", "mon", "monitor", "qmp", "m", "smp", "boot",
  "device", "netdev", "net", "global", "k", "pidfile", "trace", "usbdevice", "videoram",
  "vcpus", "vcpu_avail", "incoming", "loadvm", "vga", "soundhw", "audiodev", "append",
  "kernel", "initrd", "object", "msg", "D", "L", "option-rom", "rtc", "cpu", "accel",
  "uuid", "bios", "pciemulation", "vnc-clipboard-socket-fd", "xen-stubdom", "acpitable",
  "smbios", "overcommit", "action", "add-fd", "fw_cfg", "iscsi", "blockdev", "spice",
  "watchdog-action", "icount", "numa", "readconfig", "mem-path", "set",
  NULL,
};

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
  { "drive", -1, NULL },   { "hda", 0, "disk" }, { "hdb", 1, "disk" },
  { "hdc", 2, "disk" },    { "hdd", 3, "disk" }, { "cdrom", 2, "cdrom" },
};

const DmDiskOption *
dm_disk_option(const char *option)
{
  for (gsize i = 0; i < G_N_ELEMENTS(disk_options); i++)
    if (strcmp(option, disk_options[i].name) == 0)
      return &disk_options[i];
  return NULL;
}

GPtrArray *
dm_qemu_opts_split(const char *optstr)
{
  GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
  const char *start = optstr;
  const char *p = optstr;

  for (;;) {
    if (*p == ',' && p[1] == ',') {
      p += 2;
      continue;
    }
    if (*p == ',' || *p == '\0') {
      g_ptr_array_add(out, g_strndup(start, (gsize)(p - start)));
      if (*p == '\0')
        return out;
      start = ++p;
      continue;
    }
    p++;
  }
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

gboolean
dm_qemu_opt_is(const char *element, const char *key)
{
  gsize n = strlen(key);
  return strncmp(element, key, n) == 0 && (element[n] == '\0' || element[n] == '=');
}

char *
dm_qemu_opt_get(const char *optstr, const char *key)
{
  g_autoptr(GPtrArray) elements = dm_qemu_opts_split(optstr);

  for (guint i = 0; i < elements->len; i++) {
    g_autofree char *element = dm_qemu_unescape(g_ptr_array_index(elements, i));
    const char *eq = strchr(element, '=');

    if (key == NULL)
      return eq == NULL ? g_steal_pointer(&element) : NULL;
    if (eq != NULL && (gsize)(eq - element) == strlen(key) &&
        strncmp(element, key, strlen(key)) == 0)
      return g_strdup(eq + 1);
  }
  return NULL;
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
  g_autoptr(GPtrArray) elements = dm_qemu_opts_split(arg);
  GString *out = g_string_sized_new(strlen(arg));

  for (guint i = 0; i < elements->len; i++) {
    const char *element = g_ptr_array_index(elements, i);
    const char *eq = strchr(element, '=');
    g_autofree char *key = eq ? g_strndup(element, (gsize)(eq - element)) : NULL;

    if (i > 0)
      g_string_append_c(out, ',');
    if (key != NULL && g_strv_contains(secret_keys, key))
      g_string_append_printf(out, "%s=***", key);
    else
      g_string_append(out, element);
  }
  return g_string_free(out, FALSE);
}

char *
dm_escape_control(const char *value)
{
  GString *out = g_string_sized_new(strlen(value) + 8);

  for (const char *p = value; *p; p++) {
    unsigned char c = (unsigned char)*p;
    switch (c) {
    case '\\': g_string_append(out, "\\\\"); break;
    case '\n': g_string_append(out, "\\n"); break;
    case '\r': g_string_append(out, "\\r"); break;
    case '\t': g_string_append(out, "\\t"); break;
    default:
      if (c < 0x20 || c == 0x7f)
        g_string_append_printf(out, "\\x%02x", c);
      else
        g_string_append_c(out, (char)c);
    }
  }
  return g_string_free(out, FALSE);
}
