#include "disk.h"
#include "qemu_opts.h"
#include "util.h"

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
