#include <criterion/criterion.h>
#include "toolstack_args.h"
#include "toolstack_lines.h"
#include "util.h"

static DmRequest *
parse_line(const char *const *line, GError **error)
{
  return dm_request_parse(line_argc(line), (char *const *)line, error);
}

static DmRequest *
parse_words(const char *words, GError **error)
{
  g_auto(GStrv) argv = g_strsplit(words, " ", -1);
  return dm_request_parse((int)g_strv_length(argv), argv, error);
}

static void
assert_args_verbatim(const DmRequest *req, const char *const *line)
{
  cr_assert_eq(req->args->len, (guint)line_argc(line));
  for (int i = 0; line[i]; i++)
    cr_assert_str_eq(g_ptr_array_index(req->args, i), line[i]);
}

Test(parse, libxl_pv_vfb)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DmRequest) req = parse_line(LINE_LIBXL_PV_VFB, &error);
  cr_assert_not_null(req, "%s", error ? error->message : "");
  cr_assert_eq(req->flavour, DM_FLAVOUR_QEMU_XEN);
  cr_assert_eq(req->domid, 2);
  cr_assert_str_eq(req->name, "pvfb");
  cr_assert_eq(req->guest, DM_GUEST_PV);
  cr_assert_str_eq(req->machine, "xenpv");
  cr_assert_eq(req->vnc_index, 12);
  cr_assert_eq(req->display_index, 14);
  cr_assert_not(req->sdl);
  assert_args_verbatim(req, LINE_LIBXL_PV_VFB);
}

Test(parse, libxl_hvm)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DmRequest) req = parse_line(LINE_LIBXL_HVM, &error);
  cr_assert_not_null(req, "%s", error ? error->message : "");
  cr_assert_eq(req->flavour, DM_FLAVOUR_QEMU_XEN);
  cr_assert_eq(req->domid, 7);
  cr_assert_str_eq(req->name, "win10");
  cr_assert_eq(req->guest, DM_GUEST_HVM);
  cr_assert_str_eq(req->machine, "xenfv");
  assert_args_verbatim(req, LINE_LIBXL_HVM);
}

Test(parse, xend_hvm_traditional)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DmRequest) req = parse_line(LINE_XEND_HVM, &error);
  cr_assert_not_null(req, "%s", error ? error->message : "");
  cr_assert_eq(req->flavour, DM_FLAVOUR_TRADITIONAL);
  cr_assert_eq(req->domid, 5);
  cr_assert_str_eq(req->name, "win7");
  cr_assert_eq(req->guest, DM_GUEST_HVM);
  cr_assert(req->vncunused);
  cr_assert_eq(req->vnc_index, 6);
  assert_args_verbatim(req, LINE_XEND_HVM);
}

Test(parse, xend_pv_traditional)
{
  g_autoptr(DmRequest) req = parse_line(LINE_XEND_PV, NULL);
  cr_assert_not_null(req);
  cr_assert_eq(req->flavour, DM_FLAVOUR_TRADITIONAL);
  cr_assert_eq(req->domid, 9);
  cr_assert_eq(req->guest, DM_GUEST_PV);
}

Test(parse, probe)
{
  g_autoptr(DmRequest) req = parse_line(LINE_LIBXL_PROBE, NULL);
  cr_assert_not_null(req);
  cr_assert_eq(req->flavour, DM_FLAVOUR_PROBE);
  cr_assert_eq(req->domid, 0);
  cr_assert_null(req->name);
  cr_assert_eq(req->guest, DM_GUEST_UNKNOWN);
  assert_args_verbatim(req, LINE_LIBXL_PROBE);
}

Test(parse, xcpng_hvm)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DmRequest) req = parse_line(LINE_XCPNG_HVM, &error);
  cr_assert_not_null(req, "%s", error ? error->message : "");
  cr_assert_eq(req->flavour, DM_FLAVOUR_QEMU_XEN);
  cr_assert_eq(req->domid, 12);
  cr_assert_null(req->name); /* xenopsd passes no -name */
  cr_assert_eq(req->guest, DM_GUEST_HVM);
  cr_assert(req->drops_privileges && req->own_restrict);
  cr_assert_str_eq(req->machine, "pc-0.10");
  cr_assert_geq(req->sandbox_index, 0);
  cr_assert_str_eq(g_ptr_array_index(req->args, req->sandbox_index), "-sandbox");
  assert_args_verbatim(req, LINE_XCPNG_HVM);
}

Test(parse, upstream_d_is_a_log_mask_not_a_domid)
{
  g_autoptr(DmRequest) req =
    parse_words("-xen-domid 4 -d guest_errors -machine xenfv -name w", NULL);
  cr_assert_not_null(req);
  cr_assert_eq(req->domid, 4);
  cr_assert_eq(req->flavour, DM_FLAVOUR_QEMU_XEN);
}

/* A domain name that qemu's option syntax would split is refused: with
 * libxl's raw "-name NAME" it could take another domain's [domain:NAME]
 * group (qemu names "evil,guest=victim" victim). */
Test(parse, name_that_qemu_would_split_is_refused)
{
  const char *bad[] = { "evil,guest=victim",
                        "guest=evil,guest=victim",
                        "victim,process=x",
                        "guest=a,process=b,process=c",
                        "guest=a,bogus=1",
                        "process=p,guest=a",
                        "a=b",
                        "victim," };
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GError) error = NULL;
    const char *line[] = { "-xen-domid", "4", "-name", bad[i], "-machine", "xenfv", NULL };
    g_autoptr(DmRequest) r = dm_request_parse(6, (char *const *)line, &error);
    cr_assert_null(r, "%s accepted as %s", bad[i], r ? r->name : "");
    cr_assert_eq(error->code, DM_ERROR_INVALID);
  }
  g_autoptr(DmRequest) ok =
    parse_words("-xen-domid 4 -name guest=a,,b,process=p,debug-threads=on", NULL);
  cr_assert_str_eq(ok->name, "a,b");
}

Test(parse, name_forms)
{
  g_autoptr(DmRequest) a = parse_words("-xen-domid 4 -name guest=alpha,debug-threads=on", NULL);
  cr_assert_str_eq(a->name, "alpha");
  g_autoptr(DmRequest) b = parse_words("-xen-domid 4 -name beta,,x", NULL);
  cr_assert_str_eq(b->name, "beta,x");
  g_autoptr(DmRequest) c = parse_words("--xen-domid 4 --name gamma --machine xenfv", NULL);
  cr_assert_str_eq(c->name, "gamma");
  cr_assert_eq(c->guest, DM_GUEST_HVM);
}

Test(parse, display_sdl)
{
  g_autoptr(DmRequest) a = parse_words("-xen-domid 4 -display sdl,gl=off -machine xenfv", NULL);
  cr_assert(a->sdl);
  g_autoptr(DmRequest) b = parse_words("-d 4 -sdl -M xenfv", NULL);
  cr_assert(b->sdl);
  g_autoptr(DmRequest) c = parse_words("-xen-domid 4 -display none", NULL);
  cr_assert_not(c->sdl);
}

Test(parse, option_values_are_not_mistaken_for_options)
{
  /* "-name -d" : -d here is the name's value, not a domid. */
  g_autoptr(GError) error = NULL;
  g_autoptr(DmRequest) req = parse_words("-xen-domid 3 -append -d -machine xenpv", &error);
  cr_assert_not_null(req, "%s", error ? error->message : "");
  cr_assert_eq(req->domid, 3);
}

Test(parse, positional_arguments_pass_through)
{
  g_autoptr(DmRequest) req = parse_words("-xen-domid 3 /img/disk.raw -machine xenfv", NULL);
  cr_assert_not_null(req);
  cr_assert_str_eq(g_ptr_array_index(req->args, 2), "/img/disk.raw");
}

static void
assert_refused(const char *words, const char *fragment)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DmRequest) req = parse_words(words, &error);
  cr_assert_null(req, "accepted: %s", words);
  cr_assert(g_error_matches(error, DM_ERROR, DM_ERROR_INVALID), "%s", words);
  cr_assert(strstr(error->message, fragment), "'%s' gave '%s', wanted '%s'", words, error->message,
            fragment);
}

Test(parse, bad_domids)
{
  assert_refused("-d 5/../0 -M xenfv", "'5/../0' is not a number");
  assert_refused("-d -1 -M xenfv", "'-1' is not a number");
  assert_refused("-d 0x10", "'0x10' is not a number");
  assert_refused("-xen-domid 0 -machine xenfv", "'0' is not a number");
  assert_refused("-xen-domid 32752", "'32752'");
  assert_refused("-xen-domid 65533", "'65533'");
  assert_refused("-xen-domid abc", "'abc'");
  assert_refused("-name foo -machine xenfv", "no domid");
  assert_refused("-d 5 -d 6 -M xenfv", "given twice");
  assert_refused("-d 5 -d 5", "given twice");
  assert_refused("-xen-domid 5 -xen-domid 6", "given twice");
  assert_refused("-xen-domid", "needs a value");
  assert_refused("-d 5 -vnc", "needs a value");
}

Test(parse, empty_domid)
{
  const char *argv[] = { "-xen-domid", "", NULL };
  g_autoptr(GError) error = NULL;
  cr_assert_null(dm_request_parse(2, (char *const *)argv, &error));
  cr_assert(strstr(error->message, "''"));
}

Test(parse, empty_argv)
{
  g_autoptr(GError) error = NULL;
  cr_assert_null(dm_request_parse(0, NULL, &error));
  cr_assert(strstr(error->message, "no domid"));
}

Test(parse, bad_names)
{
  assert_refused("-xen-domid 4 -name a\x01z", "control character");
  assert_refused("-xen-domid 4 -name \xff\xfe", "not valid UTF-8");
  assert_refused("-d 4 -domain-name a -domain-name b", "given twice");
  const char *argv[] = { "-d", "4", "-domain-name", "", NULL };
  g_autoptr(GError) error = NULL;
  cr_assert_null(dm_request_parse(4, (char *const *)argv, &error));
}

Test(parse, bad_machine)
{
  assert_refused("-xen-domid 4 -machine accel=xen", "names no machine type");
}

Test(parse, huge_argv_is_linear_and_kept)
{
  const int n = 100000;
  char **argv = g_new0(char *, n + 1);
  argv[0] = g_strdup("-xen-domid");
  argv[1] = g_strdup("9");
  for (int i = 2; i < n; i++)
    argv[i] = g_strdup(i % 2 ? "x" : "-global");
  g_autoptr(DmRequest) req = dm_request_parse(n, argv, NULL);
  cr_assert_not_null(req);
  cr_assert_eq(req->args->len, (guint)n);
  g_strfreev(argv);
}

Test(parse, one_mib_argument)
{
  g_autofree char *big = g_strnfill(1 << 20, 'a');
  const char *argv[] = { "-xen-domid", "9", "-append", big, NULL };
  g_autoptr(DmRequest) req = dm_request_parse(4, (char *const *)argv, NULL);
  cr_assert_not_null(req);
  cr_assert_eq(strlen(g_ptr_array_index(req->args, 3)), 1u << 20);
  const char *argv2[] = { "-xen-domid", big, NULL };
  g_autoptr(GError) error = NULL;
  cr_assert_null(dm_request_parse(2, (char *const *)argv2, &error));
  cr_assert_lt(strlen(error->message), 200);
}

/* An argv that only asks qemu about itself: xapi's qemu-wrapper runs
 * "qemu -version" before every start (ocaml/xenopsd/scripts/qemu-wrapper,
 * get_qemu_major_version, xapi-project/xen-api master); libvirt's libxl
 * driver runs "emulator -help" (src/libxl/libxl_capabilities.c). */
Test(parse, info_only_argv_is_a_probe)
{
  const char *asks[] = { "-version",      "-help",       "-h",           "--version", "--help",
                         "-machine help", "-M help",     "-device help", "-cpu help", "-accel help",
                         "-display help", "-audio-help", "-M ?",         NULL };
  for (const char *const *a = asks; *a; a++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(DmRequest) req = parse_words(*a, &error);
    cr_assert_not_null(req, "%s: %s", *a, error ? error->message : "");
    cr_assert_eq(req->flavour, DM_FLAVOUR_PROBE, "%s", *a);
    cr_assert(req->info, "%s", *a);
    cr_assert_not(req->traditional_info, "%s", *a);
    cr_assert_eq(req->domid, 0);
  }
  g_autoptr(DmRequest) trad = parse_words("-help -vncunused", NULL);
  cr_assert(trad->traditional_info);
  g_autoptr(DmRequest) libxl = parse_line(LINE_LIBXL_PROBE, NULL);
  cr_assert_not(libxl->info);
  /* "help" as a value of another option asks nothing. */
  assert_refused("-name help -vga std", "no domid");
  /* A guest's argv with a question in it is still a guest's. */
  g_autoptr(DmRequest) guest = parse_words("-xen-domid 3 -machine xenfv -version", NULL);
  cr_assert_eq(guest->flavour, DM_FLAVOUR_QEMU_XEN);
}

/* OpenXT's qemu has -disable-audio-rec and -xen-acpi-pm with no value, and
 * OpenXT's libxl patch puts device_model_args last (xenclient-oe,
 * recipes-extended/xen/files/libxl-move-extra-qemu-args-to-the-end.patch). */
Test(parse, unknown_options_are_never_a_reason_to_refuse)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DmRequest) a =
    parse_words("-xen-domid 4 -machine xenfv -name ox -disable-audio-rec", &error);
  cr_assert_not_null(a, "%s", error ? error->message : "");
  cr_assert_eq(a->domid, 4);
  /* Known flags, before what the parser must still find. */
  g_autoptr(DmRequest) b = parse_words("-xen-acpi-pm -xen-domid 5 -async-teardown -name b "
                                       "-show-cursor -machine xenfv -xengt",
                                       NULL);
  cr_assert_not_null(b);
  cr_assert_eq(b->domid, 5);
  cr_assert_str_eq(b->name, "b");
  cr_assert_eq(b->guest, DM_GUEST_HVM);
  /* An option nobody lists: a flag before an option, and at the end. */
  g_autoptr(DmRequest) c = parse_words("-frobnicate -xen-domid 6 -wibble -name c -machine "
                                       "xenfv -zap",
                                       NULL);
  cr_assert_not_null(c);
  cr_assert_eq(c->domid, 6);
  cr_assert_str_eq(c->name, "c");
  cr_assert_str_eq(c->machine, "xenfv");
  cr_assert_eq(c->args->len, 9);
  /* ...and takes the next word when it is not an option. */
  g_autoptr(DmRequest) d =
    parse_words("-xen-domid 7 -frobnicate fizz -name d -machine xenfv", NULL);
  cr_assert_not_null(d);
  cr_assert_str_eq(d->name, "d");
  cr_assert_eq(d->args->len, 8);
  cr_assert_eq(dm_option_arity("disable-audio-rec"), DM_ARITY_FLAG);
  cr_assert_eq(dm_option_arity("vnc"), DM_ARITY_VALUE);
  cr_assert_eq(dm_option_arity("frobnicate"), DM_ARITY_UNKNOWN);
  /* A known option still needs its value. */
  assert_refused("-xen-domid 4 -machine xenfv -name", "needs a value");
}

/* xenopsd runs the wrapper as "WRAPPER DOMID --syslog ARGS"
 * (ocaml/xenopsd/xc/device.ml, Dm.prepend_wrapper_args, xcp-ng/xen-api 8.3). */
Test(parse, xenopsd_wrapper_argv_is_refused_with_where_the_launcher_belongs)
{
  assert_refused("12 --syslog -vnc unix:/var/run/xen/vnc-12,lock-key-sync=off -xen-domid 12",
                 "/usr/lib64/xen/bin/qemu-system-i386");
}

Test(parse, toolstack_restrictions_are_noted)
{
  g_autoptr(DmRequest) a = parse_words("-xen-domid 3 -machine xenfv -runas 1003:1003", NULL);
  cr_assert(a->drops_privileges && a->own_restrict);
  g_autoptr(DmRequest) b = parse_words("-xen-domid 3 -machine xenfv -run-with user=qemu3", NULL);
  cr_assert(b->drops_privileges && b->own_restrict);
  g_autoptr(DmRequest) c = parse_words("-xen-domid 3 -machine xenfv -run-with chroot=/r", NULL);
  cr_assert(!c->drops_privileges && c->own_restrict);
  g_autoptr(DmRequest) d = parse_words("-xen-domid 3 -machine xenfv -xen-domid-restrict", NULL);
  cr_assert(!d->drops_privileges && d->own_restrict);
  g_autoptr(DmRequest) e = parse_words("-xen-domid 3 -machine xenfv -chroot /r", NULL);
  cr_assert(!e->drops_privileges && e->own_restrict);
  g_autoptr(DmRequest) f = parse_line(LINE_LIBXL_HVM, NULL);
  cr_assert(!f->drops_privileges && !f->own_restrict);
}

/* Options that would have qemu open an image the launcher does not see
 * are refused, naming the option.  No toolstack the launcher serves
 * writes any of them: libxl gives every disk as -drive
 * (tools/libs/light/libxl_dm.c, libxl__build_device_model_args_new, and
 * for COLO qemu_disk_ide_drive_string and qemu_disk_scsi_drive_string,
 * at stable-4.17 and RELEASE-4.20.0: no -blockdev, -readconfig, -set or
 * json: there; its one qemu protocol, "nbd+unix:///?socket=" from
 * libxl_disk.c's libxl__device_disk_find_local_path in 4.20, is read);
 * xenopsd gives -drive file=PATH (ocaml/xenopsd/xc/device.ml,
 * Dm_Common.ide_device_of and nvme_device_of, and qemu_floppy_args in
 * Backend's qemu_args, xapi-project/xen-api master). */
Test(parse, options_qemu_would_open_unseen_images_with_are_refused)
{
  assert_refused("-xen-domid 3 -machine xenfv -blockdev driver=file,filename=/x,node-name=d0",
                 "-blockdev 'driver=file,filename=/x,node-name=d0': qemu would open the images "
                 "of a block node");
  assert_refused("-xen-domid 3 -machine xenfv -blockdev {\"driver\":\"file\",\"filename\":\"/x\"}",
                 "-blockdev");
  assert_refused("-xen-domid 3 -machine xenfv -readconfig /etc/qemu/disks.cfg", "-readconfig");
  assert_refused("-xen-domid 3 -machine xenfv -drive file=/a,id=d0 -set drive.d0.file=/etc/shadow",
                 "-set 'drive.d0.file=/etc/shadow': qemu would change a -drive");
  assert_refused("-xen-domid 3 -machine xenfv -usbdevice disk:/i/u.img", "-usbdevice");
  assert_refused("-xen-domid 3 -machine xenfv -drive file.driver=file,file.filename=x.img",
                 "-drive 'file.driver=file,file.filename=x.img': file.filename= is not an "
                 "absolute path");
  assert_refused("-xen-domid 3 -machine xenfv -drive file=json:{}", "'json:' protocol");
  assert_refused("-xen-domid 3 -machine xenfv -hda json:{}", "-hda");
  assert_refused("-xen-domid 3 -machine xenfv -pflash OVMF.fd", "-pflash");
  assert_refused("-d 3 -domain-name t -fda fat:/etc", "-fda");
  /* What the launcher reads passes: another -set, -usbdevice tablet,
   * libxl's COLO secondary, and 4.20's blktap disk over NBD. */
  g_autoptr(GError) error = NULL;
  g_autoptr(DmRequest) ok = parse_words(
    "-xen-domid 3 -machine xenfv -set device.d0.serial=x -usbdevice tablet -drive "
    "if=ide,index=0,id=top-colo,media=disk,cache=writeback,driver=replication,mode=secondary,"
    "top-id=top-colo,file.driver=qcow2,file.file.filename=/i/active.qcow2,file.backing.driver="
    "qcow2,file.backing.file.filename=/i/hidden.qcow2,file.backing.backing=colo1 -drive "
    "file=nbd+unix:///?socket=/run/blktap-control/nbd5.768,if=ide,index=1,media=disk,format=raw",
    &error);
  cr_assert_not_null(ok, "%s", error ? error->message : "");
}
