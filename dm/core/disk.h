/* Disk specs as xend/xl and blktap wrote them, turned into qemu -drive
 * options.  Pure: strings in, strings out, so that it can be fuzzed.
 *
 *   tap:aio:/img        raw          tap2:aio:/img, tap2:tapdisk:aio:/img
 *   tap:sync:/img       raw          file:/img, aio:/img, raw:/img, phy:/dev/x
 *   tap:qcow:/img       qcow (v1)    qcow:/img
 *   tap:qcow2:/img      qcow2        qcow2:/img
 *   tap:vhd:/img        vpc          vhd:/img  (qemu reads VHD itself: no
 *                                               blktap kernel device needed)
 *   /dev/xen/blktap-2/tapdevN        raw (an existing tapdisk device)
 */
#pragma once
#include <glib.h>

typedef enum {
  DM_DISK_RAW,
  DM_DISK_QCOW,
  DM_DISK_QCOW2,
  DM_DISK_VHD,
} DmDiskFormat;

typedef struct {
  DmDiskFormat format;
  char *path; /* absolute, as given (unescaped) */
} DmDiskSpec;

void dm_disk_spec_clear(DmDiskSpec *spec);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(DmDiskSpec, dm_disk_spec_clear)

/* Whether `value` is written as one of the specs above (a prefix such as
 * "tap:" or "file:", or a blktap2 device path), as opposed to a plain
 * path that qemu takes as it is. */
gboolean dm_disk_spec_recognised(const char *value);

/* Parses a spec.  Errors name the spec: an unknown format ("tap:ram:"),
 * a missing or relative path. */
gboolean dm_disk_spec_parse(const char *value, DmDiskSpec *spec, GError **error);

/* qemu's name for the format: raw, qcow, qcow2, vpc. */
const char *dm_disk_qemu_format(DmDiskFormat format);

/* "file=<escaped path>,format=<fmt>": the part of -drive a spec decides. */
char *dm_disk_drive_prefix(const DmDiskSpec *spec);

/* Rewrites one toolstack disk option.  `option` is "hda".."hdd", "cdrom"
 * or "drive"; `value` its argument.  Returns the new -drive value (and
 * sets *drive to TRUE: the option becomes -drive), or NULL with *error
 * unset when the value is not a recognised spec and passes unchanged.
 * The image path is appended to `images` for the existence check. */
char *dm_disk_rewrite(const char *option, const char *value, gboolean *drive, GPtrArray *images,
                      GError **error);

/* Every local file qemu opens for one image option (`option` with no
 * dashes, dm_image_option; `value` its argument), appended to `paths`:
 * the path of a disk spec, an absolute path, or tapdisk's NBD socket.
 * -drive is read key by key as qemu's block layer reads it (the last of
 * a key wins): file=, and every "filename" key, dotted or not
 * ("file.filename", "children.0.file.filename" and
 * "file.backing.file.filename" of libxl's COLO disks).  A value the
 * launcher cannot check is refused, naming the option and the key: a
 * relative path, a qemu protocol ("json:", "fat:", "nbd:" over TCP...),
 * a driver or format outside those that open files only through their
 * "filename" keys, or a disk spec in an option that is not rewritten.
 * A disk spec that does not parse adds nothing: dm_disk_rewrite refuses
 * it, naming the spec. */
gboolean dm_disk_images(const char *option, const char *value, GPtrArray *paths, GError **error);
