#include <criterion/criterion.h>
#include "toolstack_lines.h"
#include "vnc.h"

static DmRequest *
request_for(const char *const *line)
{
  g_autoptr(GError) error = NULL;
  DmRequest *r = dm_request_parse(line_argc(line), (char *const *)line, &error);
  cr_assert_not_null(r, "%s", error ? error->message : "");
  return r;
}

static DmDomainConfig *
config_for(const char *text, const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DmConfig) c = dm_config_parse(text, strlen(text), "t", NULL, &error);
  cr_assert_not_null(c, "%s", error ? error->message : "");
  return dm_config_for_domain(c, name, &error);
}

static char *
rewrite(const char *const *line, const char *conf, const char *value, GPtrArray *extra,
        GError **error)
{
  g_autoptr(DmRequest) r = request_for(line);
  g_autoptr(DmDomainConfig) dc = config_for(conf, r->name);
  return dm_vnc_rewrite(r, dc, value, extra, error);
}

Test(vnc, no_config_leaves_value_alone)
{
  g_autoptr(GPtrArray) extra = g_ptr_array_new_with_free_func(g_free);
  g_autofree char *v = rewrite(LINE_LIBXL_HVM, "[launcher]\n", "127.0.0.1:0,to=99", extra, NULL);
  cr_assert_str_eq(v, "127.0.0.1:0,to=99");
  cr_assert_eq(extra->len, 0);
}

Test(vnc, password_becomes_secret_object_for_upstream)
{
  g_autoptr(GPtrArray) extra = g_ptr_array_new_with_free_func(g_free);
  g_autofree char *v =
    rewrite(LINE_LIBXL_HVM, "[launcher]\nrun-dir = /run/x,y\nvnc-password-file = /etc/pw\n",
            "127.0.0.1:0,to=99,password", extra, NULL);
  cr_assert_str_eq(v, "127.0.0.1:0,to=99,password-secret=" DM_VNC_SECRET_ID);
  cr_assert_eq(extra->len, 2);
  cr_assert_str_eq(g_ptr_array_index(extra, 0), "-object");
  /* The run dir's comma is doubled; the password itself is nowhere. */
  cr_assert_str_eq(g_ptr_array_index(extra, 1),
                   "secret,id=" DM_VNC_SECRET_ID ",file=/run/x,,y/7/vnc-password,format=raw");
}

Test(vnc, password_file_refused_for_traditional)
{
  g_autoptr(GPtrArray) extra = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *v = rewrite(LINE_XEND_HVM, "[launcher]\nvnc-password-file = /etc/pw\n",
                               "127.0.0.1:0,password", extra, &error);
  cr_assert_null(v);
  cr_assert(strstr(error->message, "qemu-xen-traditional"), "%s", error->message);
}

Test(vnc, xenstore_password_left_to_qemu_dm)
{
  g_autoptr(GPtrArray) extra = g_ptr_array_new_with_free_func(g_free);
  g_autofree char *v = rewrite(LINE_XEND_HVM, "[launcher]\nvnc-password-xenstore = true\n",
                               "127.0.0.1:0,password", extra, NULL);
  cr_assert_str_eq(v, "127.0.0.1:0,password");
  cr_assert_eq(extra->len, 0);
}

Test(vnc, listen_and_display)
{
  g_autoptr(GPtrArray) extra = g_ptr_array_new_with_free_func(g_free);
  g_autofree char *v =
    rewrite(LINE_LIBXL_HVM, "[domain:win10]\nvnc-listen = 127.0.0.2\nvnc-display = 5\n",
            "127.0.0.1:0,to=99", extra, NULL);
  cr_assert_str_eq(v, "127.0.0.2:5,to=99");
}

Test(vnc, first_free_from_n)
{
  g_autoptr(GPtrArray) extra = g_ptr_array_new_with_free_func(g_free);
  g_autofree char *v =
    rewrite(LINE_LIBXL_HVM, "[launcher]\nvnc-display = 10\nvnc-display-to = 20\n",
            "127.0.0.1:0,to=99,lossy=on", extra, NULL);
  cr_assert_str_eq(v, "127.0.0.1:10,lossy=on,to=20");
}

Test(vnc, range_backwards_is_an_error)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) extra = g_ptr_array_new_with_free_func(g_free);
  g_autofree char *v = rewrite(LINE_LIBXL_HVM, "[launcher]\nvnc-display = 10\nvnc-display-to = 3\n",
                               "127.0.0.1:0", extra, &error);
  cr_assert_null(v);
  cr_assert(strstr(error->message, "below"), "%s", error->message);
}

Test(vnc, never_widens_silently)
{
  /* toolstack's address, vnc-listen, what qemu gets with
   * vnc-listen-widen (the address as the check read it). */
  const char *cases[][3] = {
    { "127.0.0.1:0", "0.0.0.0", "0.0.0.0:0" },
    { "127.0.0.1:0", "192.168.1.5", "192.168.1.5:0" },
    { "[::1]:0", "::", "[::]:0" },
    { "10.0.0.1:0", "0.0.0.0", "0.0.0.0:0" },
    { "localhost:1", "10.1.1.1", "10.1.1.1:1" },
    /* Spellings of "every interface" that a string compare let through. */
    { "127.0.0.1:0", "0", "0.0.0.0:0" },
    { "127.0.0.1:0", "0.0", "0.0.0.0:0" },
    { "127.0.0.1:0", "::0", "[::]:0" },
    { "127.0.0.1:0", "[0::]", "[::]:0" },
    { "127.0.0.1:0", "0x0", "0.0.0.0:0" },
    { "[::1]:0", "[0:0:0:0:0:0:0:0]", "[::]:0" },
    /* A host name is whatever it resolves to: never loopback by its
     * spelling. */
    { "127.0.0.1:0", "127.attacker.example", "127.attacker.example:0" },
    { "127.0.0.1:0", "localhost", "localhost:0" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) extra = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *conf = g_strdup_printf("[launcher]\nvnc-listen = %s\n", cases[i][1]);
    g_autofree char *v = rewrite(LINE_LIBXL_HVM, conf, cases[i][0], extra, &error);
    cr_assert_null(v, "%s -> %s allowed: %s", cases[i][0], cases[i][1], v);
    cr_assert(strstr(error->message, "vnc-listen-widen"), "%s", error->message);

    g_autofree char *ok_conf = g_strdup_printf("%svnc-listen-widen = true\n", conf);
    g_autofree char *w = rewrite(LINE_LIBXL_HVM, ok_conf, cases[i][0], extra, NULL);
    cr_assert_str_eq(w, cases[i][2]);
  }
  /* Narrowing needs no consent, in any spelling of loopback; the address
   * reaches qemu as the check read it. */
  const char *narrow[][3] = {
    { "0.0.0.0:3", "127.0.0.1", "127.0.0.1:3" },
    { "0.0.0.0:3", "127.1", "127.0.0.1:3" },
    { ":3", "::1", "[::1]:3" },
    { "[::]:3", "[::ffff:127.0.0.1]", "[::ffff:127.0.0.1]:3" },
    { "10.0.0.1:3", "10.0.0.2", "10.0.0.2:3" }, /* a move, not a widening */
  };
  for (gsize i = 0; i < G_N_ELEMENTS(narrow); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) extra = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *conf = g_strdup_printf("[launcher]\nvnc-listen = %s\n", narrow[i][1]);
    g_autofree char *n = rewrite(LINE_LIBXL_HVM, conf, narrow[i][0], extra, &error);
    cr_assert_not_null(n, "%s -> %s: %s", narrow[i][0], narrow[i][1], error->message);
    cr_assert_str_eq(n, narrow[i][2]);
  }
}

Test(vnc, loopback_by_address_not_spelling)
{
  cr_assert(dm_vnc_host_is_loopback("127.0.0.1"));
  cr_assert(dm_vnc_host_is_loopback("127.1"));
  cr_assert(dm_vnc_host_is_loopback("[::1]"));
  cr_assert(dm_vnc_host_is_loopback("::ffff:127.0.0.5"));
  cr_assert_not(dm_vnc_host_is_loopback("127.evil.example"));
  cr_assert_not(dm_vnc_host_is_loopback("localhost"));
  cr_assert_not(dm_vnc_host_is_loopback("0"));
  cr_assert_not(dm_vnc_host_is_loopback(""));
}

Test(vnc, tls_upstream_and_traditional)
{
  const char *conf = "[launcher]\nvnc-tls-dir = /etc/pki/libvirt-vnc\nvnc-tls-verify = true\n";
  g_autoptr(GPtrArray) extra = g_ptr_array_new_with_free_func(g_free);
  g_autofree char *v = rewrite(LINE_LIBXL_HVM, conf, "127.0.0.1:0,tls-creds=old", extra, NULL);
  cr_assert_str_eq(v, "127.0.0.1:0,tls-creds=" DM_VNC_TLS_ID);
  cr_assert_str_eq(g_ptr_array_index(extra, 1),
                   "tls-creds-x509,id=" DM_VNC_TLS_ID
                   ",dir=/etc/pki/libvirt-vnc,endpoint=server,verify-peer=on");

  g_autoptr(GPtrArray) extra2 = g_ptr_array_new_with_free_func(g_free);
  g_autofree char *t = rewrite(LINE_XEND_HVM, conf, "127.0.0.1:0,password", extra2, NULL);
  cr_assert_str_eq(t, "127.0.0.1:0,password,tls,x509verify=/etc/pki/libvirt-vnc");
  cr_assert_eq(extra2->len, 0);
}

Test(vnc, unix_socket_keeps_address)
{
  g_autoptr(GPtrArray) extra = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *v = rewrite(LINE_XCPNG_HVM, "[launcher]\nvnc-password-file = /p\n",
                               "unix:/var/run/xen/vnc-12,lock-key-sync=off", extra, NULL);
  cr_assert_str_eq(v,
                   "unix:/var/run/xen/vnc-12,lock-key-sync=off,password-secret=" DM_VNC_SECRET_ID);
  g_autofree char *bad =
    rewrite(LINE_XCPNG_HVM, "[launcher]\nvnc-listen = 127.0.0.1\n", "unix:/x", extra, &error);
  cr_assert_null(bad);
}

Test(vnc, listen_address_validated_by_config)
{
  const char *bad[] = { "0.0.0.0,password=x", "a b", "", "x/y" };
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GError) error = NULL;
    g_autofree char *conf = g_strdup_printf("[launcher]\nvnc-listen = %s\n", bad[i]);
    g_autoptr(DmConfig) c = dm_config_parse(conf, strlen(conf), "t", NULL, &error);
    cr_assert_null(c, "'%s' accepted", bad[i]);
  }
}

Test(vnc, password_reaches_qemu_only_for_upstream_with_a_vnc_server)
{
  const char *none[] = { "-xen-domid", "3", "-vnc", "none", "-machine", "xenfv", NULL };
  const char *none_opts[] = { "-xen-domid", "3", "-vnc", "none,to=9", "-machine", "xenfv", NULL };
  const char *nonesuch[] = { "-xen-domid", "3", "-vnc", "nonesuch:1", "-machine", "xenfv", NULL };
  const char *no_vnc[] = { "-xen-domid", "3", "-machine", "xenfv", NULL };
  struct {
    const char *const *line;
    const char *conf;
    gboolean expected;
  } cases[] = {
    { LINE_LIBXL_HVM, "[launcher]\nvnc-password-file = /p\n", TRUE },
    { LINE_LIBXL_HVM, "[launcher]\nvnc-password-xenstore = true\n", TRUE },
    { LINE_XCPNG_HVM, "[launcher]\nvnc-password-file = /p\n", TRUE }, /* unix: socket */
    { nonesuch, "[launcher]\nvnc-password-file = /p\n", TRUE },
    { LINE_LIBXL_HVM, "[launcher]\n", FALSE },
    { LINE_LIBXL_HVM, "[launcher]\nvnc-tls-dir = /pki\n", FALSE },
    { none, "[launcher]\nvnc-password-file = /p\n", FALSE },
    { none_opts, "[launcher]\nvnc-password-file = /p\n", FALSE },
    { no_vnc, "[launcher]\nvnc-password-file = /p\n", FALSE },
    /* qemu-dm reads the password itself: its own DES, no cipher backend. */
    { LINE_XEND_HVM, "[launcher]\nvnc-password-xenstore = true\n", FALSE },
    { LINE_LIBXL_PROBE, "[launcher]\nvnc-password-file = /p\n", FALSE },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(DmRequest) r = request_for(cases[i].line);
    g_autoptr(DmDomainConfig) dc = config_for(cases[i].conf, r->name);
    cr_assert_eq(dm_vnc_passes_password(r, dc), cases[i].expected, "case %zu", i);
  }
}

Test(vnc, tls_reaches_qemu_only_for_upstream_with_a_vnc_server)
{
  const char *none[] = { "-xen-domid", "3", "-vnc", "none", "-machine", "xenfv", NULL };
  const char *tls = "[launcher]\nvnc-tls-dir = /pki\n";
  g_autoptr(DmRequest) up = request_for(LINE_LIBXL_HVM);
  g_autoptr(DmRequest) off = request_for(none);
  g_autoptr(DmRequest) trad = request_for(LINE_XEND_HVM);
  g_autoptr(DmDomainConfig) with = config_for(tls, "win10");
  g_autoptr(DmDomainConfig) without = config_for("[launcher]\nvnc-password-file = /p\n", "x");
  cr_assert(dm_vnc_passes_tls(up, with));
  cr_assert_not(dm_vnc_passes_tls(up, without));
  cr_assert_not(dm_vnc_passes_tls(off, with));
  cr_assert_not(dm_vnc_passes_tls(trad, with));
}
