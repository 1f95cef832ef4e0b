/* libFuzzer harness: the disk-spec parser and the -drive rewrite (pure
 * code, dm/core/disk.c).  Input: an option, a NUL or newline, then the
 * option's value ("hda\ntap:aio:/img").  A spec either parses to an
 * absolute path and a known format, or fails with DM_ERROR_INVALID; and
 * the -drive option built from it must read back, through qemu's own
 * option syntax (dm_qemu_opt_get), as exactly that path and format: the
 * one escaping function at work on hostile paths.  dm_disk_images names
 * only absolute paths, or refuses naming the option. */
#include "fuzz_common.h"

#include "disk.h"
#include "qemu_opts.h"
#include "util.h"

static void
check_drive(const char *drive, const char *path, const char *format)
{
  g_autofree char *file = dm_qemu_opt_get(drive, "file");
  g_autofree char *fmt = dm_qemu_opt_get(drive, "format");

  FUZZ_CHECK(g_str_has_prefix(drive, "file="));
  FUZZ_CHECK(file != NULL && strcmp(file, path) == 0);
  FUZZ_CHECK(fmt != NULL && strcmp(fmt, format) == 0);
}

/* dm_disk_images: every path it names is absolute, or it refuses with
 * one line that names the option. */
static void
check_images(const char *option, const char *value)
{
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *named = g_strdup_printf("-%s ", option);

  if (dm_disk_images(option, value, paths, &error)) {
    FUZZ_CHECK(error == NULL);
    FUZZ_CHECK(dm_image_option(option) || paths->len == 0);
    for (guint i = 0; i < paths->len; i++)
      FUZZ_CHECK(g_path_is_absolute(g_ptr_array_index(paths, i)));
    return;
  }
  FUZZ_CHECK(error != NULL && error->domain == DM_ERROR && error->code == DM_ERROR_INVALID);
  FUZZ_CHECK(dm_image_option(option) && g_str_has_prefix(error->message, named));
  FUZZ_CHECK(strchr(error->message, '\n') == NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  g_autoptr(GPtrArray) words = fuzz_split_args(data, size);
  g_autoptr(GPtrArray) images = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GError) error = NULL;
  g_auto(DmDiskSpec) spec = { 0 };
  g_autofree char *drive = NULL;
  const char *option, *value;
  gboolean is_drive = TRUE;

  if (words->len < 2)
    return 0;
  option = g_ptr_array_index(words, 0);
  value = g_ptr_array_index(words, 1);

  if (dm_disk_spec_parse(value, &spec, &error)) {
    g_autofree char *prefix = dm_disk_drive_prefix(&spec);
    FUZZ_CHECK(spec.path != NULL && g_path_is_absolute(spec.path));
    check_drive(prefix, spec.path, dm_disk_qemu_format(spec.format));
  } else {
    FUZZ_CHECK(error != NULL && error->domain == DM_ERROR && error->code == DM_ERROR_INVALID);
    FUZZ_CHECK(strchr(error->message, '\n') == NULL);
  }
  g_clear_error(&error);

  check_images(option, value);
  drive = dm_disk_rewrite(option, value, &is_drive, images, &error);
  if (drive == NULL) {
    FUZZ_CHECK(!is_drive && images->len == 0);
    if (error != NULL)
      FUZZ_CHECK(error->domain == DM_ERROR && error->code == DM_ERROR_INVALID);
    return 0;
  }
  FUZZ_CHECK(error == NULL && is_drive && images->len == 1);
  {
    g_auto(DmDiskSpec) again = { 0 };
    const char *image = g_ptr_array_index(images, 0);
    g_autofree char *file = dm_qemu_opt_get(drive, "file");
    FUZZ_CHECK(g_path_is_absolute(image));
    FUZZ_CHECK(file != NULL && strcmp(file, image) == 0);
    /* The rewritten value is no longer a spec: a second pass keeps it. */
    FUZZ_CHECK(!dm_disk_spec_recognised(file) || dm_disk_spec_parse(file, &again, NULL));
  }
  return 0;
}
