/* dm/core/disk.c: a table in the spirit of xl's check-xl-disk-parse: each spec
 * in, the qemu -drive option out, or an error. */
#include <criterion/criterion.h>
#include "disk.h"
#include "util.h"

#include <string.h>

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

typedef struct {
  const char *option;
  const char *value;
  const char *paths[4]; /* every file qemu opens, in order; NULL-ended */
} ImageRow;

/* What dm_disk_images sees of each image option. */
static const ImageRow image_rows[] = {
  { "drive",
    "file=/var/lib/xen/images/a.img,if=ide,index=0,media=disk,format=raw",
    { "/var/lib/xen/images/a.img" } },
  { "drive", "file=tap:vhd:/i/a,,b.vhd,if=ide", { "/i/a,b.vhd" } },
  /* libxl's COLO disks (libxl_dm.c, qemu_disk_ide_drive_string, 4.17 and
   * 4.20): the primary's quorum child, the secondary's active and hidden
   * disks; file.backing.backing names a node, not a file. */
  { "drive",
    "if=ide,index=0,media=disk,cache=writeback,driver=quorum,id=colo1,"
    "children.0.file.filename=/i/primary.img,children.0.driver=raw,read-pattern=fifo,"
    "vote-threshold=1",
    { "/i/primary.img" } },
  { "drive",
    "if=ide,index=0,id=top-colo,media=disk,cache=writeback,driver=replication,mode=secondary,"
    "top-id=top-colo,file.driver=qcow2,file.file.filename=/i/active.qcow2,"
    "file.backing.driver=qcow2,file.backing.file.filename=/i/hidden.qcow2,"
    "file.backing.backing=colo1",
    { "/i/active.qcow2", "/i/hidden.qcow2" } },
  { "drive", "if=none,driver=raw,file=/i/secondary.img,id=colo1", { "/i/secondary.img" } },
  { "drive", "driver=file,filename=/i/f.img", { "/i/f.img" } },
  /* qemu's last key wins: the launcher sees the file qemu opens. */
  { "drive", "file=rel.img,file=/i/last.img", { "/i/last.img" } },
  { "drive", "file.filename=/i/first,file.filename=/i/second", { "/i/second" } },
  /* libxl 4.20's blktap disk: tapdisk's NBD socket (libxl_disk.c,
   * libxl__device_disk_find_local_path); OpenXT's older form. */
  { "drive",
    "file=nbd+unix:///?socket=/run/blktap-control/nbd5.768,if=ide,index=0,format=raw",
    { "/run/blktap-control/nbd5.768" } },
  { "drive", "file=nbd:unix:/run/tap/s:exportname=x,if=ide", { "/run/tap/s" } },
  /* No medium: libxl's and xenopsd's empty cdrom. */
  { "drive", "file=,if=none,id=ide1-cd1,read-only=on", { NULL } },
  { "drive", "if=ide,index=2,readonly=on,media=cdrom,id=ide-5632", { NULL } },
  /* Legacy options: qemu takes the whole value as file= (no split). */
  { "hda", "/i/a,b.img", { "/i/a,b.img" } },
  { "hdb", "tap:aio:/i/b.img", { "/i/b.img" } },
  { "cdrom", "", { NULL } },
  { "fda", "/i/floppy.img", { "/i/floppy.img" } },
  { "fdb", "/i/floppy2.img", { "/i/floppy2.img" } },
  { "pflash", "/usr/share/OVMF/OVMF_VARS.fd", { "/usr/share/OVMF/OVMF_VARS.fd" } },
  { "mtdblock", "/i/mtd.img", { "/i/mtd.img" } },
  { "sd", "/i/sd.img", { "/i/sd.img" } },
  /* Not an image option. */
  { "kernel", "relative", { NULL } },
};

Test(disk, images_qemu_opens)
{
  for (gsize i = 0; i < G_N_ELEMENTS(image_rows); i++) {
    const ImageRow *row = &image_rows[i];
    g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) error = NULL;
    guint n = 0;

    cr_assert(dm_disk_images(row->option, row->value, paths, &error), "row %zu: %s", i,
              error ? error->message : "");
    while (n < G_N_ELEMENTS(row->paths) && row->paths[n])
      n++;
    cr_assert_eq(paths->len, n, "row %zu: %u paths", i, paths->len);
    for (guint j = 0; j < n; j++)
      cr_assert_str_eq(g_ptr_array_index(paths, j), row->paths[j], "row %zu", i);
  }
}

/* Values qemu would open without the launcher seeing the file: refused,
 * naming the option and the key. */
static const BadRow unseen[] = {
  { "drive", "file=json:{\"driver\":\"file\",,\"filename\":\"/etc/shadow\"}",
    "file= names an image through qemu's 'json:' protocol" },
  { "drive", "file=fat:rw:/etc,if=ide", "'fat:' protocol" },
  { "drive", "file=nbd://10.0.0.1/x", "'nbd:' protocol" },
  /* Not the one form qemu reads as written: '&' splits its query. */
  { "drive", "file=nbd+unix:///?socket=/a&socket=/b", "'nbd+unix:' protocol" },
  { "drive", "file=nbd+unix:///?socket=%2Fetc", "'nbd+unix:' protocol" },
  { "drive", "file=relative.img,if=ide", "file= is not an absolute path" },
  { "drive", "file=/i/a.img,file=relative.img", "file= is not an absolute path" },
  { "drive", "file", "file= is not an absolute path" }, /* qemu: file=on */
  { "drive", "file.filename=x.img", "file.filename= is not an absolute path" },
  { "drive", "file.filename=json:{}", "file.filename= is not an absolute path" },
  { "drive", "children.0.file.filename=nbd:unix:/s", "children.0.file.filename= is not" },
  { "drive", "backing.filename=", "backing.filename= is not an absolute path" },
  { "drive", "file.driver=nbd,file.path=/run/s", "file.driver=nbd opens its images" },
  { "drive", "driver=vvfat,dir=/etc", "driver=vvfat opens its images" },
  { "drive", "format=blkdebug,file=/i/a", "format=blkdebug opens its images" },
  { "drive", "file=/i/a,file.backing.driver=ssh,file.backing.path=/x", "file.backing.driver=ssh" },
  { "hda", "json:{\"driver\":\"file\",\"filename\":\"/x\"}",
    "its value names an image through "
    "qemu's 'json:' protocol" },
  { "hdc", "relative.img", "its value is not an absolute path" },
  { "cdrom", "nbd:10.0.0.1:10809", "'nbd:' protocol" },
  { "fda", "tap:aio:/i/f.img", "a disk spec is rewritten only for -drive, -hda..-hdd and -cdrom" },
  { "pflash", "OVMF.fd", "its value is not an absolute path" },
  { "sd", "fat:/etc", "'fat:' protocol" },
};

Test(disk, images_unseen_are_refused)
{
  for (gsize i = 0; i < G_N_ELEMENTS(unseen); i++) {
    g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) error = NULL;
    g_autofree char *option = g_strdup_printf("-%s ", unseen[i].option);

    cr_assert_not(dm_disk_images(unseen[i].option, unseen[i].value, paths, &error), "row %zu: %s",
                  i, unseen[i].value);
    cr_assert_not_null(error, "row %zu", i);
    cr_assert_eq(error->code, DM_ERROR_INVALID);
    cr_assert(strstr(error->message, unseen[i].message), "row %zu: %s", i, error->message);
    cr_assert(g_str_has_prefix(error->message, option), "row %zu names the option: %s", i,
              error->message);
    cr_assert(strstr(error->message, "cannot check"), "row %zu: %s", i, error->message);
  }
}

/* A spec that does not parse is left to dm_disk_rewrite, which names it
 * (Test(disk, errors)). */
Test(disk, images_bad_spec_is_the_rewrites_to_refuse)
{
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);
  cr_assert(dm_disk_images("hda", "tap:ram:/i/x.img", paths, NULL));
  cr_assert_eq(paths->len, 0);
}
