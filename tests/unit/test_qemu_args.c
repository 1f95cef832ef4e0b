#include <criterion/criterion.h>
#include "qemu_args.h"
#include "toolstack_lines.h"
#include "util.h"
#include "vnc.h"

static GPtrArray *
build(const char *const *line, const char *conf, const DmQemuFacts *facts, DmQemuSetup *setup,
      GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(DmConfig) c = dm_config_parse(conf, strlen(conf), "t", NULL, &local);
  cr_assert_not_null(c, "%s", local ? local->message : "");
  g_autoptr(DmRequest) r = dm_request_parse(line_argc(line), (char *const *)line, &local);
  cr_assert_not_null(r);
  g_autoptr(DmDomainConfig) dc = dm_config_for_domain(c, r->name, &local);
  return dm_qemu_args_build_full(r, dc, facts, setup, error);
}

static int
find(GPtrArray *argv, const char *item)
{
  for (guint i = 0; i < argv->len; i++)
    if (g_strcmp0(g_ptr_array_index(argv, i), item) == 0)
      return (int)i;
  return -1;
}

static const DmQemuFacts all = { .qemu_has_sandbox = TRUE,
                                 .qemu_has_domid_restrict = TRUE,
                                 .qemu_has_runas_ids = TRUE,
                                 .qemu_has_chroot = TRUE,
                                 .qemu_probed = TRUE };

Test(qemu_args, sandbox_only_when_supported)
{
  g_auto(DmQemuSetup) s1 = { 0 };
  DmQemuFacts none = { 0 };
  g_autoptr(GPtrArray) a = build(LINE_LIBXL_HVM, "[launcher]\n", &all, &s1, NULL);
  int i = find(a, "-sandbox");
  cr_assert_geq(i, 0);
  cr_assert_str_eq(g_ptr_array_index(a, i + 1), DM_QEMU_SANDBOX_ARG);
  g_autoptr(GPtrArray) b = build(LINE_LIBXL_HVM, "[launcher]\n", &none, NULL, NULL);
  cr_assert_eq(find(b, "-sandbox"), -1);
  g_autoptr(GPtrArray) c =
    build(LINE_LIBXL_HVM, "[launcher]\nqemu-sandbox = false\n", &all, NULL, NULL);
  cr_assert_eq(find(c, "-sandbox"), -1);
  /* The toolstack's own -sandbox is kept, not doubled. */
  g_autoptr(GPtrArray) d = build(LINE_XCPNG_HVM, "[launcher]\n", &all, NULL, NULL);
  cr_assert_eq(find(d, DM_QEMU_SANDBOX_ARG), -1);
}

Test(qemu_args, dm_restrict_runas_chroot_domid_restrict)
{
  g_auto(DmQemuSetup) setup = { 0 };
  g_autoptr(GPtrArray) a = build(LINE_LIBXL_HVM,
                                 "[launcher]\nrun-dir = /run/q\ndm-restrict = true\n"
                                 "dm-uid-base = 200000\n",
                                 &all, &setup, NULL);
  int i = find(a, "-runas");
  cr_assert_geq(i, 0);
  cr_assert_str_eq(g_ptr_array_index(a, i + 1), "200007:200007");
  i = find(a, "-chroot");
  cr_assert_str_eq(g_ptr_array_index(a, i + 1), "/run/q/root/7");
  cr_assert_str_eq(setup.chroot_dir, "/run/q/root/7");
  cr_assert_geq(find(a, "-xen-domid-restrict"), 0);
  /* qemu's own -runas needs set*id after its filter is in. */
  cr_assert_geq(find(a, "on,obsolete=deny,elevateprivileges=allow,spawn=deny,resourcecontrol=deny"),
                0);
}

Test(qemu_args, dm_restrict_refused_without_support)
{
  g_autoptr(GError) error = NULL;
  DmQemuFacts none = { 0 };
  g_autoptr(GPtrArray) a =
    build(LINE_LIBXL_HVM, "[launcher]\ndm-restrict = true\n", &none, NULL, &error);
  cr_assert_null(a);
  cr_assert(strstr(error->message, "-runas"), "%s", error->message);
}

Test(qemu_args, sdl_needs_a_display)
{
  g_autoptr(GError) error = NULL;
  DmQemuFacts facts = { 0 };
  g_autoptr(GPtrArray) a = build(LINE_LIBXL_HVM, "[launcher]\nsdl = true\n", &facts, NULL, &error);
  cr_assert_null(a);
  cr_assert(strstr(error->message, "DISPLAY is not set"), "%s", error->message);
}

Test(qemu_args, sdl_keeps_only_display_env)
{
  g_auto(DmQemuSetup) setup = { 0 };
  DmQemuFacts facts = { .display = ":0", .xauthority = "/root/.Xauthority" };
  g_autoptr(GPtrArray) a = build(LINE_LIBXL_HVM, "[launcher]\nsdl = true\n", &facts, &setup, NULL);
  int i = find(a, "-display");
  cr_assert_str_eq(g_ptr_array_index(a, i + 1), "sdl");
  cr_assert_eq(find(a, "none"), -1);
  cr_assert_eq(g_strv_length(setup.env), 2);
  cr_assert_str_eq(setup.env[0], "DISPLAY=:0");
  cr_assert_str_eq(setup.env[1], "XAUTHORITY=/root/.Xauthority");

  g_auto(DmQemuSetup) trad = { 0 };
  g_autoptr(GPtrArray) b = build(LINE_XEND_HVM, "[launcher]\nsdl = true\n", &facts, &trad, NULL);
  cr_assert_geq(find(b, "-sdl"), 0);
}

Test(qemu_args, no_sdl_inherits_env)
{
  g_auto(DmQemuSetup) setup = { 0 };
  g_autoptr(GPtrArray) a = build(LINE_LIBXL_HVM, "[launcher]\n", &all, &setup, NULL);
  cr_assert_null(setup.env);
}

Test(qemu_args, fsize_limit_unless_it_would_hit_a_file)
{
  /* xenopsd's machine: qemu serves only its -drive images. */
  const char *line[] = { "-xen-domid", "3",   "-machine", "pc-i440fx-2.10,accel=xen",
                         "-serial",    "pty", NULL };
  const char *serial_file[] = { "-xen-domid", "3",
                                "-machine",   "pc-i440fx-2.10,accel=xen",
                                "-serial",    "file:/var/log/xen/serial-3.log",
                                NULL };
  DmQemuFacts files = { .images_are_files = TRUE };
  g_auto(DmQemuSetup) s1 = { 0 };
  g_auto(DmQemuSetup) s2 = { 0 };
  g_auto(DmQemuSetup) s3 = { 0 };
  g_auto(DmQemuSetup) s4 = { 0 };
  g_auto(DmQemuSetup) s5 = { 0 };
  g_autoptr(GPtrArray) a = build(line, "[launcher]\n", &all, &s1, NULL);
  cr_assert_eq(s1.sandbox.n_rlimits, 2);
  cr_assert_eq(s1.sandbox.rlimits[0].resource, RLIMIT_FSIZE);
  cr_assert_eq(s1.sandbox.rlimits[0].limit, 262144);
  cr_assert_eq(s1.sandbox.rlimits[1].resource, RLIMIT_CORE);
  cr_assert_eq(s1.sandbox.rlimits[1].limit, 0);
  cr_assert(s1.sandbox.no_new_privs);
  cr_assert_null(s1.fsize_skipped);

  g_autoptr(GPtrArray) b = build(serial_file, "[launcher]\n", &all, &s2, NULL);
  cr_assert_eq(s2.sandbox.n_rlimits, 1);
  cr_assert_eq(s2.sandbox.rlimits[0].resource, RLIMIT_CORE);
  cr_assert_str_eq(s2.fsize_skipped, "serial output goes to a file");

  g_autoptr(GPtrArray) c = build(line, "[launcher]\n", &files, &s3, NULL);
  cr_assert_eq(s3.sandbox.n_rlimits, 1);
  cr_assert_not_null(s3.fsize_skipped);

  g_autoptr(GPtrArray) d =
    build(line, "[launcher]\ncore-dumps = true\nrlimit-fsize = 0\n", &all, &s4, NULL);
  cr_assert_eq(s4.sandbox.n_rlimits, 0);

  g_autoptr(GPtrArray) e = build(LINE_LIBXL_PV_VFB, "[launcher]\n", &all, &s5, NULL);
  cr_assert_not_null(s5.fsize_skipped, "PV: qdisk may write image files");
}

/* libxl's HVM qemu serves file-backed qdisks that have no -drive: disks
 * past the fourth and xl block-attach (libxl_dm.c,
 * libxl__build_device_model_args_new, 4.17: only disks with an emulated
 * index get a -drive; libxl_disk.c picks qdisk for files). */
Test(qemu_args, no_fsize_where_qemu_is_libxls_qdisk_backend)
{
  const char *blockdev_only[] = {
    "-xen-domid", "3",      "-machine",
    "xenfv",      "-drive", "file=/dev/vg/d3,if=ide,index=0,media=disk,format=raw",
    NULL
  };
  g_auto(DmQemuSetup) s = { 0 };
  g_autoptr(GPtrArray) a = build(blockdev_only, "[launcher]\n", &all, &s, NULL);
  cr_assert_str_eq(s.fsize_skipped, "qemu is the qdisk backend of libxl's file-backed disks "
                                    "with no -drive (past the fourth, xl block-attach)");
  for (guint i = 0; i < s.sandbox.n_rlimits; i++)
    cr_assert_neq(s.sandbox.rlimits[i].resource, RLIMIT_FSIZE);
}

/* xl dm_restrict=1 puts -xen-domid-restrict, -chroot and -runas on the argv
 * (libxl_dm.c, libxl__build_device_model_args_new, RELEASE-4.17); 4.20
 * writes -run-with chroot= and -run-with user= where qemu has them. */
Test(qemu_args, toolstack_restriction_wins_over_dm_restrict)
{
  const char *xl417[] = { "-xen-domid",
                          "9",
                          "-machine",
                          "xenfv",
                          "-xen-domid-restrict",
                          "-chroot",
                          "/var/run/xen/qemu-root-9",
                          "-runas",
                          "131081:131072",
                          NULL };
  const char *xl420[] = { "-xen-domid",
                          "9",
                          "-machine",
                          "xenfv",
                          "-xen-domid-restrict",
                          "-run-with",
                          "chroot=/var/run/xen/qemu-root-9",
                          "-run-with",
                          "user=xen-qemuuser-range-base",
                          NULL };
  const char *conf = "[launcher]\ndm-restrict = true\nrun-dir = /run/q\n";
  const char *const *lines[] = { xl417, xl420 };
  for (gsize l = 0; l < G_N_ELEMENTS(lines); l++) {
    g_auto(DmQemuSetup) s = { 0 };
    g_autoptr(GPtrArray) a = build(lines[l], conf, &all, &s, NULL);
    int runas = 0, chroot = 0, restrict_ = 0;
    cr_assert_not_null(a);
    for (guint i = 0; i < a->len; i++) {
      const char *w = g_ptr_array_index(a, i);
      runas += strcmp(w, "-runas") == 0 || g_str_has_prefix(w, "user=");
      chroot += strcmp(w, "-chroot") == 0 || g_str_has_prefix(w, "chroot=");
      restrict_ += strcmp(w, "-xen-domid-restrict") == 0;
    }
    cr_assert_eq(runas, 1);
    cr_assert_eq(chroot, 1);
    cr_assert_eq(restrict_, 1);
    cr_assert_null(s.chroot_dir, "the launcher's chroot is not made");
    cr_assert_not_null(s.restrict_skipped);
    cr_assert(strstr(s.restrict_skipped, "toolstack"));
  }
}

/* The toolstack's own -runas / -run-with user= needs set*id under qemu's
 * filter, with or without the launcher's dm-restrict: qemu installs the
 * filter before it drops its ids. */
Test(qemu_args, sandbox_allows_set_id_when_the_toolstack_drops_ids)
{
  const char *runas[] = { "-xen-domid", "9", "-machine", "xenfv", "-runas", "1009:1009", NULL };
  const char *runwith[] = {
    "-xen-domid", "9", "-machine", "xenfv", "-run-with", "user=qemu9", NULL
  };
  const char *chroot_only[] = { "-xen-domid", "9", "-machine", "xenfv", "-chroot", "/r", NULL };
  const char *allow = "on,obsolete=deny,elevateprivileges=allow,spawn=deny,resourcecontrol=deny";
  g_autoptr(GPtrArray) a = build(runas, "[launcher]\n", &all, NULL, NULL);
  cr_assert_geq(find(a, allow), 0);
  cr_assert_eq(find(a, DM_QEMU_SANDBOX_ARG), -1);
  g_autoptr(GPtrArray) b = build(runwith, "[launcher]\n", &all, NULL, NULL);
  cr_assert_geq(find(b, allow), 0);
  g_autoptr(GPtrArray) c = build(chroot_only, "[launcher]\n", &all, NULL, NULL);
  cr_assert_geq(find(c, DM_QEMU_SANDBOX_ARG), 0);
  /* One -sandbox only, the toolstack's, when it passed one. */
  const char *own_sb[] = { "-xen-domid", "9",        "-machine", "xenfv", "-runas",
                           "1009:1009",  "-sandbox", "on",       NULL };
  g_autoptr(GPtrArray) d = build(own_sb, "[launcher]\n", &all, NULL, NULL);
  int n = 0;
  for (guint i = 0; i < d->len; i++)
    n += strcmp(g_ptr_array_index(d, i), "-sandbox") == 0;
  cr_assert_eq(n, 1);
}

Test(qemu_args, sdl_keeps_the_toolstacks_xen_variables)
{
  const char *env[] = { "HOME=/root",      "XEN_QEMU_CONSOLE_LIMIT=1048576",
                        "XEN_DOMAIN_ID=7", "XENSTORED_PATH=/x",
                        "PATH=/bin",       NULL };
  DmQemuFacts facts = { .display = ":0", .environ = env };
  g_auto(DmQemuSetup) setup = { 0 };
  g_autoptr(GPtrArray) a = build(LINE_LIBXL_HVM, "[launcher]\nsdl = true\n", &facts, &setup, NULL);
  cr_assert_eq(g_strv_length(setup.env), 3);
  cr_assert_str_eq(setup.env[0], "DISPLAY=:0");
  cr_assert_str_eq(setup.env[1], "XEN_QEMU_CONSOLE_LIMIT=1048576");
  cr_assert_str_eq(setup.env[2], "XEN_DOMAIN_ID=7");
}

Test(qemu_args, disks_rewritten_in_place)
{
  const char *line[] = { "-d",     "4",          "-domain-name",
                         "old",    "-hda",       "tap:vhd:/i/a b,c.vhd",
                         "-cdrom", "/iso/x.iso", "-M",
                         "xenfv",  NULL };
  g_auto(DmQemuSetup) setup = { 0 };
  g_autoptr(GPtrArray) a = build(line, "[launcher]\n", &all, &setup, NULL);
  cr_assert_str_eq(g_ptr_array_index(a, 5), "-drive");
  cr_assert_str_eq(g_ptr_array_index(a, 6),
                   "file=/i/a b,,c.vhd,format=vpc,if=ide,index=0,media=disk");
  cr_assert_str_eq(g_ptr_array_index(a, 7), "-cdrom");
  cr_assert_str_eq(g_ptr_array_index(a, 8), "/iso/x.iso");
  cr_assert_eq(setup.images->len, 1);
  cr_assert_str_eq(g_ptr_array_index(setup.images, 0), "/i/a b,c.vhd");
  cr_assert_eq(setup.all_images->len, 2);
}

/* The paths the RLIMIT_FSIZE decision and the plan see: every file qemu
 * opens as a disk, whichever option or key names it. */
Test(qemu_args, all_images_are_every_file_qemu_opens)
{
  const char *line[] = { "-xen-domid",
                         "4",
                         "-machine",
                         "xenfv",
                         "-drive",
                         "if=ide,index=0,media=disk,cache=writeback,driver=quorum,id=c1,"
                         "children.0.file.filename=/i/p.img,children.0.driver=raw,"
                         "read-pattern=fifo,vote-threshold=1",
                         "-drive",
                         "file=nbd+unix:///?socket=/run/tap/s1,if=ide,index=1,format=raw",
                         "-fda",
                         "/i/f.img",
                         "-pflash",
                         "/i/vars.fd",
                         NULL };
  g_auto(DmQemuSetup) setup = { 0 };
  g_autoptr(GPtrArray) a = build(line, "[launcher]\n", &all, &setup, NULL);
  cr_assert_not_null(a);
  cr_assert_eq(setup.all_images->len, 4);
  cr_assert_str_eq(g_ptr_array_index(setup.all_images, 0), "/i/p.img");
  cr_assert_str_eq(g_ptr_array_index(setup.all_images, 1), "/run/tap/s1");
  cr_assert_str_eq(g_ptr_array_index(setup.all_images, 2), "/i/f.img");
  cr_assert_str_eq(g_ptr_array_index(setup.all_images, 3), "/i/vars.fd");
}

Test(qemu_args, bad_disk_spec_is_an_error)
{
  const char *line[] = { "-xen-domid", "4", "-hda", "tap:ram:/i/x", "-machine", "xenfv", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) a = build(line, "[launcher]\n", &all, NULL, &error);
  cr_assert_null(a);
  cr_assert(strstr(error->message, "ram"));
}

Test(qemu_args, probe_is_untouched)
{
  g_auto(DmQemuSetup) setup = { 0 };
  g_autoptr(GPtrArray) a =
    build(LINE_LIBXL_PROBE, "[launcher]\nsdl = true\ndm-restrict = true\n", &all, &setup, NULL);
  cr_assert_eq(a->len, (guint)line_argc(LINE_LIBXL_PROBE) + 1);
  cr_assert(dm_sandbox_policy_is_empty(&setup.sandbox));
  cr_assert_null(setup.secret_path);
}

Test(qemu_args, secret_path_only_with_password_and_vnc)
{
  g_auto(DmQemuSetup) s1 = { 0 };
  g_auto(DmQemuSetup) s2 = { 0 };
  g_autoptr(GPtrArray) a =
    build(LINE_LIBXL_HVM, "[launcher]\nrun-dir = /r\nvnc-password-file = /p\n", &all, &s1, NULL);
  cr_assert_str_eq(s1.secret_path, "/r/7/vnc-password");
  g_autoptr(GPtrArray) b = build(LINE_LIBXL_HVM, "[launcher]\n", &all, &s2, NULL);
  cr_assert_null(s2.secret_path);
}

Test(qemu_args, no_secret_file_when_vnc_is_none)
{
  const char *line[] = { "-xen-domid", "7", "-vnc", "none", "-machine", "xenfv", NULL };
  const char *with_options[] = { "-xen-domid", "7",     "-vnc", "none,lossy=on",
                                 "-machine",   "xenfv", NULL };
  g_auto(DmQemuSetup) s1 = { 0 };
  g_auto(DmQemuSetup) s2 = { 0 };
  g_autoptr(GPtrArray) a =
    build(line, "[launcher]\nrun-dir = /r\nvnc-password-file = /p\n", &all, &s1, NULL);
  g_autoptr(GPtrArray) b = build(
    with_options, "[launcher]\nrun-dir = /r\nvnc-password-xenstore = true\n", &all, &s2, NULL);
  cr_assert_not_null(a);
  cr_assert_not_null(b);
  cr_assert_null(s1.secret_path);
  cr_assert_null(s2.secret_path);
}

Test(qemu_args, traditional_range_uses_vncunused)
{
  const char *line[] = {
    "-d", "4", "-domain-name", "t", "-vnc", "127.0.0.1:0", "-M", "xenfv", NULL
  };
  g_autoptr(GPtrArray) a =
    build(line, "[launcher]\nvnc-display = 3\nvnc-display-to = 9\n", &all, NULL, NULL);
  int i = find(a, "-vnc");
  cr_assert_str_eq(g_ptr_array_index(a, i + 1), "127.0.0.1:3");
  cr_assert_geq(find(a, "-vncunused"), 0);
  /* Not doubled when the toolstack passed it. */
  g_autoptr(GPtrArray) b =
    build(LINE_XEND_HVM, "[launcher]\nvnc-display-to = 9\n", &all, NULL, NULL);
  guint n = 0;
  for (guint k = 0; k < b->len; k++)
    n += g_strcmp0(g_ptr_array_index(b, k), "-vncunused") == 0;
  cr_assert_eq(n, 1);
}

/* Debian 12's qemu-xen, as the probe sees it. */
static const DmQemuFacts no_des = { .qemu_probed = TRUE,
                                    .sandbox_error = "-sandbox support is not enabled in this "
                                                     "QEMU binary",
                                    .vnc_des_error = "Cipher backend does not support DES "
                                                     "algorithm" };

Test(qemu_args, vnc_password_refused_where_qemu_has_no_des)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) e2 = NULL;
  g_auto(DmQemuSetup) setup = { 0 };
  g_autoptr(GPtrArray) a = build(LINE_LIBXL_HVM,
                                 "[launcher]\nqemu-xen = /usr/lib/qemu-nodes\nrun-dir = /r\n"
                                 "vnc-password-file = /etc/xen/vnc.pw\n",
                                 &no_des, &setup, &error);
  cr_assert_null(a);
  cr_assert(g_error_matches(error, DM_ERROR, DM_ERROR_CONFIG), "%s", error->message);
  /* What, with what value, qemu's own words, and what to do instead. */
  const char *m = error->message;
  cr_assert(strstr(m, "vnc-password-file = /etc/xen/vnc.pw"), "%s", m);
  cr_assert(strstr(m, "domain 7"), "%s", m);
  cr_assert(strstr(m, "'/usr/lib/qemu-nodes'"), "%s", m);
  cr_assert(strstr(m, "\"Cipher backend does not support DES algorithm\""), "%s", m);
  cr_assert(strstr(m, "vnc-tls-verify = true"), "%s", m);
  cr_assert(strstr(m, "nettle, gcrypt or gnutls"), "%s", m);
  /* Nothing for the edges to do: no secret to write. */
  cr_assert_null(setup.secret_path);

  g_autoptr(GPtrArray) b =
    build(LINE_LIBXL_HVM, "[launcher]\nvnc-password-xenstore = true\n", &no_des, NULL, &e2);
  cr_assert_null(b);
  cr_assert(strstr(e2->message, "vnc-password-xenstore = true"), "%s", e2->message);
}

Test(qemu_args, no_des_and_no_tls_says_what_is_left)
{
  DmQemuFacts neither = no_des;
  g_strlcpy(neither.vnc_tls_error, "TLS credentials support requires GNUTLS",
            sizeof(neither.vnc_tls_error));
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) a =
    build(LINE_LIBXL_HVM, "[launcher]\nvnc-password-file = /p\n", &neither, NULL, &error);
  cr_assert_null(a);
  const char *m = error->message;
  cr_assert(strstr(m, "\"Cipher backend does not support DES algorithm\""), "%s", m);
  cr_assert(strstr(m, "no TLS either (it says \"TLS credentials support requires GNUTLS\")"), "%s",
            m);
  /* TLS is not offered to a qemu that has none. */
  cr_assert_null(strstr(m, "vnc-tls-verify"), "%s", m);
  cr_assert(strstr(m, "nettle, gcrypt or gnutls"), "%s", m);
  cr_assert(strstr(m, "SSH tunnel"), "%s", m);
}

Test(qemu_args, vnc_tls_refused_where_qemu_has_no_gnutls)
{
  DmQemuFacts no_tls = { .qemu_probed = TRUE,
                         .vnc_tls_error = "TLS credentials support requires GNUTLS" };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) a = build(LINE_LIBXL_HVM,
                                 "[launcher]\nqemu-xen = /q\nvnc-tls-dir = /etc/pki/libvirt-vnc\n"
                                 "vnc-tls-verify = true\n",
                                 &no_tls, NULL, &error);
  cr_assert_null(a);
  cr_assert(g_error_matches(error, DM_ERROR, DM_ERROR_CONFIG));
  const char *m = error->message;
  cr_assert(strstr(m, "VNC TLS (vnc-tls-dir = /etc/pki/libvirt-vnc) for domain 7"), "%s", m);
  cr_assert(strstr(m, "qemu '/q' has no TLS"), "%s", m);
  cr_assert(strstr(m, "\"TLS credentials support requires GNUTLS\""), "%s", m);
  cr_assert(strstr(m, "GnuTLS"), "%s", m);
  /* Without TLS in the config, or for qemu-dm, nothing to refuse. */
  g_autoptr(GPtrArray) b = build(LINE_LIBXL_HVM, "[launcher]\n", &no_tls, NULL, &error);
  cr_assert_not_null(b);
  g_autoptr(GPtrArray) c =
    build(LINE_XEND_HVM, "[launcher]\nvnc-tls-dir = /pki\n", &no_tls, NULL, &error);
  cr_assert_not_null(c);
}

Test(qemu_args, no_des_matters_only_where_a_password_reaches_qemu)
{
  const char *none[] = { "-xen-domid", "3", "-vnc", "none", "-machine", "xenfv", NULL };
  g_autoptr(GError) error = NULL;
  /* No password: the same qemu serves VNC without one, or over TLS. */
  g_autoptr(GPtrArray) a = build(LINE_LIBXL_HVM, "[launcher]\n", &no_des, NULL, &error);
  cr_assert_not_null(a, "%s", error ? error->message : "");
  g_autoptr(GPtrArray) b =
    build(LINE_LIBXL_HVM, "[launcher]\nvnc-tls-dir = /pki\nvnc-tls-verify = true\n", &no_des, NULL,
          &error);
  cr_assert_not_null(b, "%s", error ? error->message : "");
  g_autoptr(GPtrArray) c =
    build(none, "[launcher]\nvnc-password-file = /p\n", &no_des, NULL, &error);
  cr_assert_not_null(c, "%s", error ? error->message : "");
  /* qemu-dm does its own DES. */
  g_autoptr(GPtrArray) d =
    build(LINE_XEND_HVM, "[launcher]\nvnc-password-xenstore = true\n", &no_des, NULL, &error);
  cr_assert_not_null(d, "%s", error ? error->message : "");
  /* A qemu with DES (or one the probe could not tell about) gets the password. */
  g_autoptr(GPtrArray) e =
    build(LINE_LIBXL_HVM, "[launcher]\nvnc-password-file = /p\n", &all, NULL, &error);
  cr_assert_not_null(e, "%s", error ? error->message : "");
  int i = find(e, "-vnc");
  cr_assert(strstr(g_ptr_array_index(e, i + 1), "password-secret=" DM_VNC_SECRET_ID));
}

Test(qemu_args, sandbox_auto_says_why_it_is_missing)
{
  g_auto(DmQemuSetup) s1 = { 0 };
  g_auto(DmQemuSetup) s2 = { 0 };
  g_auto(DmQemuSetup) s3 = { 0 };
  g_auto(DmQemuSetup) s4 = { 0 };
  DmQemuFacts unprobed = { 0 };
  DmQemuFacts silent = { .qemu_probed = TRUE };

  g_autoptr(GPtrArray) a = build(LINE_LIBXL_HVM, "[launcher]\nqemu-xen = /q\n", &no_des, &s1, NULL);
  cr_assert_eq(find(a, "-sandbox"), -1);
  cr_assert(s1.qemu_sandbox_unsupported);
  cr_assert(strstr(s1.qemu_sandbox_skipped, "'/q'"), "%s", s1.qemu_sandbox_skipped);
  cr_assert(
    strstr(s1.qemu_sandbox_skipped, "\"-sandbox support is not enabled in this QEMU binary\""),
    "%s", s1.qemu_sandbox_skipped);

  g_autoptr(GPtrArray) b =
    build(LINE_LIBXL_HVM, "[launcher]\nqemu-sandbox = auto\n", &silent, &s2, NULL);
  cr_assert(s2.qemu_sandbox_unsupported);
  cr_assert(strstr(s2.qemu_sandbox_skipped, "does not take -sandbox"), "%s",
            s2.qemu_sandbox_skipped);

  /* Not known is not "unsupported": a message, not a warning. */
  g_autoptr(GPtrArray) c = build(LINE_LIBXL_HVM, "[launcher]\n", &unprobed, &s3, NULL);
  cr_assert_not(s3.qemu_sandbox_unsupported);
  cr_assert(strstr(s3.qemu_sandbox_skipped, "not known"), "%s", s3.qemu_sandbox_skipped);

  g_autoptr(GPtrArray) d = build(LINE_XEND_HVM, "[launcher]\n", &all, &s4, NULL);
  cr_assert_eq(find(d, "-sandbox"), -1);
  cr_assert(s4.qemu_sandbox_unsupported);
  cr_assert(strstr(s4.qemu_sandbox_skipped, "qemu-xen-traditional"), "%s", s4.qemu_sandbox_skipped);
}

Test(qemu_args, sandbox_nothing_to_say_when_added_off_or_the_toolstacks)
{
  const char *const confs[][2] = { { "[launcher]\n", "all" },
                                   { "[launcher]\nqemu-sandbox = true\n", "all" },
                                   { "[launcher]\nqemu-sandbox = false\n", "no_des" },
                                   { "[launcher]\nqemu-sandbox = 0\n", "no_des" } };
  for (gsize i = 0; i < G_N_ELEMENTS(confs); i++) {
    g_auto(DmQemuSetup) s = { 0 };
    const DmQemuFacts *f = strcmp(confs[i][1], "all") == 0 ? &all : &no_des;
    g_autoptr(GPtrArray) a = build(LINE_LIBXL_HVM, confs[i][0], f, &s, NULL);
    cr_assert_not_null(a);
    cr_assert_eq(find(a, "-sandbox") >= 0, f == &all, "%s", confs[i][0]);
    cr_assert_null(s.qemu_sandbox_skipped, "%s", confs[i][0]);
  }
  /* XCP-ng passes its own -sandbox: kept, and no complaint, even when
   * the config demands one and the probe said no. */
  g_auto(DmQemuSetup) s = { 0 };
  g_autoptr(GPtrArray) x =
    build(LINE_XCPNG_HVM, "[launcher]\nqemu-sandbox = true\n", &no_des, &s, NULL);
  cr_assert_not_null(x);
  cr_assert_null(s.qemu_sandbox_skipped);
}

Test(qemu_args, sandbox_true_refuses_a_qemu_without_it)
{
  const char *const confs[] = { "[launcher]\nqemu-sandbox = true\n",
                                "[launcher]\nqemu-sandbox = 1\n",
                                "[launcher]\nqemu-sandbox = false\n[domain:win10]\n"
                                "qemu-sandbox = true\n" };
  for (gsize i = 0; i < G_N_ELEMENTS(confs); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) a = build(LINE_LIBXL_HVM, confs[i], &no_des, NULL, &error);
    cr_assert_null(a, "%s", confs[i]);
    cr_assert(g_error_matches(error, DM_ERROR, DM_ERROR_CONFIG));
    cr_assert(strstr(error->message, "qemu-sandbox = true"), "%s", error->message);
    cr_assert(strstr(error->message, "\"-sandbox support is not enabled in this QEMU binary\""),
              "%s", error->message);
    cr_assert(strstr(error->message, "qemu-sandbox = auto"), "%s", error->message);
  }
  /* Not probed: cannot be confirmed, so not started either. */
  g_autoptr(GError) error = NULL;
  DmQemuFacts unprobed = { 0 };
  g_autoptr(GPtrArray) b = build(LINE_LIBXL_HVM, confs[0], &unprobed, NULL, &error);
  cr_assert_null(b);
  cr_assert(strstr(error->message, "not known"), "%s", error->message);
  g_autoptr(GError) e2 = NULL;
  g_autoptr(GPtrArray) c = build(LINE_XEND_HVM, confs[0], &all, NULL, &e2);
  cr_assert_null(c);
  cr_assert(strstr(e2->message, "qemu-xen-traditional"), "%s", e2->message);
}

/* XCP-ng's qemu-wrapper runs qemu as argv[0] "qemu-dm-DOMID"
 * (ocaml/xenopsd/scripts/qemu-wrapper, main, xcp-ng/xen-api 8.3), and
 * xenopsd's Service.Qemu accepts the pid only when /proc/PID/cmdline says
 * so. */
Test(qemu_args, caller_argv0_is_handed_on)
{
  DmQemuFacts facts = all;
  facts.caller_argv0 = "qemu-dm-12";
  g_autoptr(GPtrArray) a =
    build(LINE_LIBXL_HVM, "[launcher]\nqemu-xen = /q/qemu\n", &facts, NULL, NULL);
  cr_assert_str_eq(g_ptr_array_index(a, 0), "qemu-dm-12");
  g_autoptr(GPtrArray) b =
    build(LINE_LIBXL_HVM, "[launcher]\nqemu-xen = /q/qemu\n", &all, NULL, NULL);
  cr_assert_str_eq(g_ptr_array_index(b, 0), "/q/qemu");
  g_autoptr(GPtrArray) c =
    build(LINE_LIBXL_PROBE, "[launcher]\nqemu-xen = /q/qemu\n", &facts, NULL, NULL);
  cr_assert_str_eq(g_ptr_array_index(c, 0), "qemu-dm-12");
}

Test(qemu_args, info_only_runs_qemu_xen_unless_traditional_only)
{
  const char *version[] = { "-version", NULL };
  const char *trad[] = { "-help", "-vncunused", NULL };
  const char *conf = "[launcher]\nqemu-xen = /q/xen\nqemu-xen-traditional = /q/trad\n"
                     "sdl = true\ndm-restrict = true\n";
  g_auto(DmQemuSetup) setup = { 0 };
  g_autoptr(GPtrArray) a = build(version, conf, &all, &setup, NULL);
  cr_assert_eq(a->len, 2);
  cr_assert_str_eq(g_ptr_array_index(a, 0), "/q/xen");
  cr_assert_str_eq(g_ptr_array_index(a, 1), "-version");
  cr_assert(dm_sandbox_policy_is_empty(&setup.sandbox));
  cr_assert_null(setup.env);
  cr_assert_null(setup.chroot_dir);
  g_autoptr(GPtrArray) b = build(trad, conf, &all, NULL, NULL);
  cr_assert_str_eq(g_ptr_array_index(b, 0), "/q/trad");
}
