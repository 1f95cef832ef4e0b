/* dm/core/disk.c: a table in the spirit of xl's check-xl-disk-parse: each spec
 * in, the qemu -drive option out, or an error. */
#include <criterion/criterion.h>
#include "disk.h"

typedef struct {
  const char *option; /* toolstack option: hda, cdrom, drive */
  const char *value;
  const char *expected; /* new -drive value; NULL: unchanged (no spec) */
  const char *image;    /* the image path checked before exec */
} Row;

static const Row rows[] = {
  { "hda", "tap:aio:/var/lib/xen/images/a.img",
    "file=/var/lib/xen/images/a.img,format=raw,if=ide,index=0,media=disk",
    "/var/lib/xen/images/a.img" },
  { "hdb", "tap:sync:/i/b.img", "file=/i/b.img,format=raw,if=ide,index=1,media=disk", "/i/b.img" },
  { "hda", "tap:qcow:/i/old.qcow", "file=/i/old.qcow,format=qcow,if=ide,index=0,media=disk",
    "/i/old.qcow" },
  { "hda", "tap:qcow2:/i/q.qcow2", "file=/i/q.qcow2,format=qcow2,if=ide,index=0,media=disk",
    "/i/q.qcow2" },
  { "hda", "tap:vhd:/i/w7.vhd", "file=/i/w7.vhd,format=vpc,if=ide,index=0,media=disk",
    "/i/w7.vhd" },
  { "hda", "tap2:aio:/i/t2.img", "file=/i/t2.img,format=raw,if=ide,index=0,media=disk",
    "/i/t2.img" },
  { "hda", "tap2:tapdisk:vhd:/i/t2.vhd", "file=/i/t2.vhd,format=vpc,if=ide,index=0,media=disk",
    "/i/t2.vhd" },
  { "hdd", "file:/i/f.img", "file=/i/f.img,format=raw,if=ide,index=3,media=disk", "/i/f.img" },
  { "hda", "phy:/dev/vg0/win", "file=/dev/vg0/win,format=raw,if=ide,index=0,media=disk",
    "/dev/vg0/win" },
  { "hda", "vhd:/i/x.vhd", "file=/i/x.vhd,format=vpc,if=ide,index=0,media=disk", "/i/x.vhd" },
  { "hda", "qcow2:/i/x.qcow2", "file=/i/x.qcow2,format=qcow2,if=ide,index=0,media=disk",
    "/i/x.qcow2" },
  { "cdrom", "file:/iso/d.iso", "file=/iso/d.iso,format=raw,if=ide,index=2,media=cdrom",
    "/iso/d.iso" },
  /* An existing blktap2 device: its format is already decoded. */
  { "hda", "/dev/xen/blktap-2/tapdev3",
    "file=/dev/xen/blktap-2/tapdev3,format=raw,if=ide,index=0,media=disk",
    "/dev/xen/blktap-2/tapdev3" },
  /* Awkward paths: commas doubled, spaces and '=' as they are. */
  { "hda", "tap:vhd:/i/a,b.vhd", "file=/i/a,,b.vhd,format=vpc,if=ide,index=0,media=disk",
    "/i/a,b.vhd" },
  { "hda", "tap:aio:/i/with space=eq,,two.img",
    "file=/i/with space=eq,,,,two.img,format=raw,if=ide,index=0,media=disk",
    "/i/with space=eq,,two.img" },
  { "hda", "file:/i/x:y.img", "file=/i/x:y.img,format=raw,if=ide,index=0,media=disk",
    "/i/x:y.img" },
  /* -drive: file= replaced (escaped on input, unescaped, escaped again),
   * the toolstack's other options kept in order. */
  { "drive", "file=tap:vhd:/i/a,,b.vhd,if=ide,index=1,media=disk,cache=writeback",
    "file=/i/a,,b.vhd,format=vpc,if=ide,index=1,media=disk,cache=writeback", "/i/a,b.vhd" },
  { "drive", "if=ide,file=tap:qcow2:/i/q.qcow2,format=qcow2", "file=/i/q.qcow2,format=qcow2,if=ide",
    "/i/q.qcow2" },
  /* Not specs: passed through untouched. */
  { "hda", "/var/lib/xen/images/plain.img", NULL, NULL },
  { "drive", "file=/i/plain.img,if=ide,format=raw", NULL, NULL },
  { "drive", "if=none,id=empty", NULL, NULL },
  { "hda", "/dev/xen/blktap-2/tapdevX", NULL, NULL },
};

Test(disk, table)
{
  for (gsize i = 0; i < G_N_ELEMENTS(rows); i++) {
    g_autoptr(GPtrArray) images = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) error = NULL;
    gboolean drive = TRUE;
    g_autofree char *out = dm_disk_rewrite(rows[i].option, rows[i].value, &drive, images, &error);
    cr_assert_null(error, "row %zu %s: %s", i, rows[i].value, error ? error->message : "");
    if (rows[i].expected == NULL) {
      cr_assert_null(out, "row %zu: %s rewritten to %s", i, rows[i].value, out);
      cr_assert_not(drive);
      cr_assert_eq(images->len, 0);
      continue;
    }
    cr_assert_not_null(out, "row %zu: %s not rewritten", i, rows[i].value);
    cr_assert_str_eq(out, rows[i].expected, "row %zu", i);
    cr_assert(drive);
    cr_assert_eq(images->len, 1);
    cr_assert_str_eq(g_ptr_array_index(images, 0), rows[i].image, "row %zu", i);
  }
}

typedef struct {
  const char *option;
  const char *value;
  const char *message; /* a fragment of the error */
} BadRow;

static const BadRow bad[] = {
  { "hda", "tap:ram:/i/x.img", "unknown blktap format 'ram'" },
  { "hda", "tap:qcow3:/i/x.img", "unknown blktap format 'qcow3'" },
  { "hda", "tap2:tapdisk:xyz:/i/x", "unknown blktap format 'xyz'" },
  { "hda", "tap:aio", "unknown blktap format 'aio'" },
  { "hda", "tap:aio:relative/x.img", "must be absolute" },
  { "hda", "tap:aio:", "must be absolute" },
  { "hda", "file:", "must be absolute" },
  { "cdrom", "vhd:x.vhd", "must be absolute" },
  { "drive", "file=tap:bogus:/i/x,if=ide", "unknown blktap format 'bogus'" },
  { "drive", "file=tap:vhd:/i/x.vhd,format=raw", "contradicts" },
};

Test(disk, errors)
{
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GPtrArray) images = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) error = NULL;
    gboolean drive;
    g_autofree char *out = dm_disk_rewrite(bad[i].option, bad[i].value, &drive, images, &error);
    cr_assert_null(out, "row %zu: %s accepted as %s", i, bad[i].value, out);
    cr_assert_not_null(error, "row %zu: %s", i, bad[i].value);
    cr_assert(strstr(error->message, bad[i].message), "row %zu: %s", i, error->message);
    cr_assert(strstr(error->message, "disk '"), "row %zu names the spec: %s", i, error->message);
  }
}

Test(disk, formats)
{
  cr_assert_str_eq(dm_disk_qemu_format(DM_DISK_VHD), "vpc");
  cr_assert_str_eq(dm_disk_qemu_format(DM_DISK_QCOW2), "qcow2");
  cr_assert_str_eq(dm_disk_qemu_format(DM_DISK_QCOW), "qcow");
  cr_assert_str_eq(dm_disk_qemu_format(DM_DISK_RAW), "raw");
}
