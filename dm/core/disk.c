#include "disk.h"
#include "qemu_opts.h"
#include "util.h"

#include <stdarg.h>
#include <string.h>

#define TAPDEV_PREFIX "/dev/xen/blktap-2/tapdev"

void
dm_disk_spec_clear(DmDiskSpec *spec)
{
  g_clear_pointer(&spec->path, g_free);
}

const char *
dm_disk_qemu_format(DmDiskFormat format)
{
  switch (format) {
  case DM_DISK_RAW:
    return "raw";
  case DM_DISK_QCOW:
    return "qcow";
  case DM_DISK_QCOW2:
    return "qcow2";
  case DM_DISK_VHD:
    return "vpc"; /* qemu's name for VHD */
  }
  g_assert_not_reached();
}

/* The blktap driver names and xl's format prefixes. */
static gboolean
format_from_name(const char *name, gsize len, DmDiskFormat *format)
{
  static const struct {
    const char *name;
    DmDiskFormat format;
  } table[] = {
    { "aio", DM_DISK_RAW },   { "sync", DM_DISK_RAW },    { "raw", DM_DISK_RAW },
    { "qcow", DM_DISK_QCOW }, { "qcow2", DM_DISK_QCOW2 }, { "vhd", DM_DISK_VHD },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(table); i++)
    if (strlen(table[i].name) == len && strncmp(name, table[i].name, len) == 0) {
      *format = table[i].format;
      return TRUE;
    }
  return FALSE;
}

static gboolean
is_tapdev(const char *value)
{
  const char *n = value + strlen(TAPDEV_PREFIX);
  if (!g_str_has_prefix(value, TAPDEV_PREFIX) || *n == '\0')
    return FALSE;
  for (; *n; n++)
    if (!g_ascii_isdigit(*n))
      return FALSE;
  return TRUE;
}

static const char *const prefixes[] = { "tap:", "tap2:", "file:",  "phy:", "aio:",
                                        "raw:", "qcow:", "qcow2:", "vhd:" };

gboolean
dm_disk_spec_recognised(const char *value)
{
  for (gsize i = 0; i < G_N_ELEMENTS(prefixes); i++)
    if (g_str_has_prefix(value, prefixes[i]))
      return TRUE;
  return is_tapdev(value);
}

gboolean
dm_disk_spec_parse(const char *value, DmDiskSpec *spec, GError **error)
{
  const char *rest = value;
  DmDiskFormat format = DM_DISK_RAW;
  g_autofree char *shown = dm_quote_for_message(value);

  if (is_tapdev(value)) {
    /* An existing tapdisk device: blktap2 already decoded the image
     * format, so qemu sees plain blocks. */
    spec->format = DM_DISK_RAW;
    spec->path = g_strdup(value);
    return TRUE;
  }
  if (g_str_has_prefix(rest, "tap:") || g_str_has_prefix(rest, "tap2:")) {
    const char *colon;
    rest = strchr(rest, ':') + 1;
    if (g_str_has_prefix(rest, "tapdisk:"))
      rest += strlen("tapdisk:");
    colon = strchr(rest, ':');
    if (colon == NULL || !format_from_name(rest, (gsize)(colon - rest), &format)) {
      g_autofree char *driver = g_strndup(rest, colon ? (gsize)(colon - rest) : strlen(rest));
      g_autofree char *driver_shown = dm_quote_for_message(driver);
      g_set_error(error, DM_ERROR, DM_ERROR_INVALID,
                  "disk %s: unknown blktap format %s (known: aio, sync, raw, qcow, "
                  "qcow2, vhd)",
                  shown, driver_shown);
      return FALSE;
    }
    rest = colon + 1;
  } else if (g_str_has_prefix(rest, "file:") || g_str_has_prefix(rest, "phy:")) {
    rest = strchr(rest, ':') + 1;
  } else {
    const char *colon = strchr(rest, ':');
    if (colon == NULL || !format_from_name(rest, (gsize)(colon - rest), &format)) {
      g_set_error(error, DM_ERROR, DM_ERROR_INVALID,
                  "disk %s: not a disk spec (expected tap:FORMAT:PATH, tap2:FORMAT:PATH, "
                  "file:PATH or FORMAT:PATH)",
                  shown);
      return FALSE;
    }
    rest = colon + 1;
  }
  if (*rest != '/') {
    g_set_error(error, DM_ERROR, DM_ERROR_INVALID, "disk %s: the image path must be absolute",
                shown);
    return FALSE;
  }
  spec->format = format;
  spec->path = g_strdup(rest);
  return TRUE;
}

char *
dm_disk_drive_prefix(const DmDiskSpec *spec)
{
  g_autofree char *escaped = dm_qemu_escape(spec->path);
  return g_strdup_printf("file=%s,format=%s", escaped, dm_disk_qemu_format(spec->format));
}

char *
dm_disk_rewrite(const char *option, const char *value, gboolean *drive, GPtrArray *images,
                GError **error)
{
  g_auto(DmDiskSpec) spec = { 0 };
  g_autofree char *prefix = NULL;
  const DmDiskOption *disk = dm_disk_option(option);

  *drive = FALSE;
  if (disk == NULL)
    return NULL;
  if (disk->ide_index < 0) {
    g_autofree char *file = dm_qemu_opt_get(value, "file");
    g_autoptr(GPtrArray) elements = NULL;
    g_autoptr(GString) out = NULL;
    g_autofree char *given_format = dm_qemu_opt_get(value, "format");

    if (file == NULL || !dm_disk_spec_recognised(file))
      return NULL;
    if (!dm_disk_spec_parse(file, &spec, error))
      return NULL;
    if (given_format && strcmp(given_format, dm_disk_qemu_format(spec.format)) != 0) {
      g_autofree char *shown = dm_quote_for_message(file);
      g_set_error(error, DM_ERROR, DM_ERROR_INVALID,
                  "disk %s: the toolstack's format=%s contradicts the spec's format %s", shown,
                  given_format, dm_disk_qemu_format(spec.format));
      return NULL;
    }
    prefix = dm_disk_drive_prefix(&spec);
    out = g_string_new(prefix);
    elements = dm_qemu_opts_split(value, FALSE);
    for (guint i = 0; i < elements->len; i++) {
      const char *e = g_ptr_array_index(elements, i);
      /* The spec decides both: every element that sets either goes,
       * "file" and "nofile" alone too (qemu reads them as file=on and
       * file=off, and its last file wins).  Empty elements go too: qemu
       * reads one in the middle as a flag with an empty name, which the
       * block layer refuses, and after the prefix one would glue the
       * next element into format's value. */
      if (*e == '\0' || dm_qemu_opt_is(e, "file") || dm_qemu_opt_is(e, "format"))
        continue;
      g_string_append_printf(out, ",%s", e);
    }
    *drive = TRUE;
    g_ptr_array_add(images, g_strdup(spec.path));
    return g_string_free(g_steal_pointer(&out), FALSE);
  }

  if (!dm_disk_spec_recognised(value))
    return NULL;
  if (!dm_disk_spec_parse(value, &spec, error))
    return NULL;
  prefix = dm_disk_drive_prefix(&spec);
  *drive = TRUE;
  g_ptr_array_add(images, g_strdup(spec.path));
  return g_strdup_printf("%s,if=ide,index=%d,media=%s", prefix, disk->ide_index, disk->media);
}

/* qemu opens images through these only by their "filename" keys and
 * their children (file, backing, data-file, children.N): the image
 * formats, the local protocols, and the quorum and replication filters
 * of libxl's COLO disks (libxl_dm.c, qemu_disk_ide_drive_string and
 * qemu_disk_scsi_drive_string, 4.17 and 4.20).  Others name files or
 * sockets by keys of their own (vvfat's dir, blkdebug's config, nbd's
 * server.path, ssh's path), or reach other hosts. */
static const char *const checked_drivers[] = {
  "raw",  "qcow", "qcow2",       "qed",        "vpc",    "vmdk",        "vdi",
  "vhdx", "file", "host_device", "host_cdrom", "quorum", "replication", NULL,
};

static gboolean G_GNUC_PRINTF(4, 5)
  refuse(GError **error, const char *option, const char *value, const char *format, ...)
{
  g_autofree char *shown = dm_quote_for_message(value);
  g_autofree char *raw = NULL;
  g_autofree char *why = NULL;
  va_list ap;

  va_start(ap, format);
  raw = g_strdup_vprintf(format, ap);
  va_end(ap);
  /* It quotes keys and values of the toolstack's: one log line. */
  why = dm_escape_control(raw);
  g_set_error(error, DM_ERROR, DM_ERROR_INVALID,
              "-%s %s: %s; the launcher checks every image qemu opens, and cannot check "
              "this one",
              option, shown, why);
  return FALSE;
}

/* libxl 4.20 hands qemu a blktap disk as tapdisk's NBD socket,
 * "nbd+unix:///?socket=PATH" (libxl_disk.c,
 * libxl__device_disk_find_local_path); OpenXT's libxl wrote
 * "nbd:unix:PATH" before its patch 0005.  The socket, or NULL when
 * `value` is neither form with an absolute path that qemu reads as it
 * is written: qemu decodes '%' escapes and splits a query at '&' and ';'
 * (nbd_parse_uri), and ends a legacy path at ":exportname="
 * (nbd_parse_filename). */
static char *
nbd_unix_socket(const char *value)
{
  const char *p;

  if (g_str_has_prefix(value, "nbd+unix:///")) {
    p = value + strlen("nbd+unix:///");
    if (p[strcspn(p, "%#&;")] != '\0' || (p = strchr(p, '?')) == NULL ||
        !g_str_has_prefix(p + 1, "socket=/"))
      return NULL;
    return g_strdup(p + 1 + strlen("socket="));
  }
  if (g_str_has_prefix(value, "nbd:unix:/")) {
    p = value + strlen("nbd:unix:");
    return g_strndup(p, strstr(p, ":exportname=") ? (gsize)(strstr(p, ":exportname=") - p)
                                                  : strlen(p));
  }
  return NULL;
}

/* One value qemu opens.  `file` for a -drive's file= and a legacy
 * option's value, where qemu's block layer reads a "PROTOCOL:" prefix
 * (bdrv_find_protocol) and the launcher rewrites disk specs; a
 * "filename" key's value must be an absolute path, as qemu reads a
 * protocol in a child's filename too (bdrv_open_child_bs passes it on
 * to be parsed). */
static gboolean
image_value(const char *option, const char *whole, const char *key, const char *value,
            gboolean file, GPtrArray *paths, GError **error)
{
  g_auto(DmDiskSpec) spec = { 0 };
  char *socket = NULL;

  if (*value == '\0' && file)
    return TRUE; /* no medium: libxl's and xenopsd's empty cdrom */
  if (file && dm_disk_spec_recognised(value)) {
    if (dm_disk_option(option) == NULL)
      return refuse(error, option, whole,
                    "a disk spec is rewritten only for -drive, -hda..-hdd and -cdrom, and "
                    "qemu would read '%s' as a protocol",
                    value);
    /* One that does not parse is dm_disk_rewrite's to refuse, as it
     * rewrites every disk option's spec before qemu sees it. */
    if (dm_disk_spec_parse(value, &spec, NULL))
      g_ptr_array_add(paths, g_steal_pointer(&spec.path));
    return TRUE;
  }
  if (*value == '/') {
    g_ptr_array_add(paths, g_strdup(value));
    return TRUE;
  }
  if (file && (socket = nbd_unix_socket(value)) != NULL) {
    g_ptr_array_add(paths, socket);
    return TRUE;
  }
  if (file && value[strcspn(value, ":/")] == ':')
    return refuse(error, option, whole, "%s names an image through qemu's '%.*s:' protocol", key,
                  (int)strcspn(value, ":"), value);
  return refuse(error, option, whole, "%s is not an absolute path", key);
}

/* A -drive's keys as qemu's block layer gets them (qemu_opts_to_qdict:
 * the last of a key wins), in the order first seen. */
static gboolean
drive_images(const char *value, GPtrArray *paths, GError **error)
{
  g_autoptr(GPtrArray) elements = dm_qemu_opts_split(value, FALSE);
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GHashTable) last = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);

  for (guint i = 0; i < elements->len; i++) {
    const char *e = g_ptr_array_index(elements, i);
    char *v = NULL;

    if (i + 1 == elements->len && *e == '\0')
      break; /* qemu stops at the string's end */
    g_autofree char *k = dm_qemu_opt_key(e, &v);
    gpointer stored = NULL;

    if (!g_hash_table_lookup_extended(last, k, &stored, NULL)) {
      stored = g_steal_pointer(&k);
      g_ptr_array_add(keys, stored);
    }
    g_hash_table_insert(last, stored, v);
  }
  for (guint i = 0; i < keys->len; i++) {
    const char *k = g_ptr_array_index(keys, i);
    const char *v = g_hash_table_lookup(last, k);
    const char *leaf = strrchr(k, '.') ? strrchr(k, '.') + 1 : k;

    if (strcmp(k, "file") == 0 || strcmp(leaf, "filename") == 0) {
      g_autofree char *shown = g_strconcat(k, "=", NULL);
      if (!image_value("drive", value, shown, v, strcmp(k, "file") == 0, paths, error))
        return FALSE;
    } else if ((strcmp(k, "format") == 0 || strcmp(leaf, "driver") == 0) &&
               !g_strv_contains(checked_drivers, v)) {
      return refuse(error, "drive", value,
                    "%s=%s opens its images in ways the launcher does "
                    "not read",
                    k, v);
    }
  }
  return TRUE;
}

gboolean
dm_disk_images(const char *option, const char *value, GPtrArray *paths, GError **error)
{
  if (!dm_image_option(option))
    return TRUE;
  if (strcmp(option, "drive") == 0)
    return drive_images(value, paths, error);
  /* qemu sets the whole value as file= (vl.c, drive_add): not split. */
  return image_value(option, value, "its value", value, TRUE, paths, error);
}
