#include <criterion/criterion.h>
#include "stubdom_argv.h"
#include "toolstack_args.h"
#include "util.h"

#include <string.h>

/* The shape libxl 4.17 stores for an HVM guest whose qemu-xen runs in a
 * Linux stub domain: no QMP option (the stub domain adds its own), disks
 * as /dev/xvdX, serial on the stub domain's console 3. */
/* clang-format off */
static const char *const hvm_args[] = {
  "-xen-domid", "5", "-no-shutdown", "-nodefaults", "-no-user-config",
  "-name", "win10", "-display", "none", "-serial", "/dev/hvc3",
  "-device", "cirrus-vga,vgamem_mb=8", "-boot", "order=cda",
  "-drive", "file=/dev/xvda,if=ide,index=0,media=disk,format=host_device,cache=writeback",
  "-machine", "xenfv,suppress-vmdesc=on", "-m", "1016",
};
/* clang-format on */

static GPtrArray *
keys_for(gsize n)
{
  GPtrArray *keys = g_ptr_array_new_with_free_func(g_free);
  for (gsize i = 1; i <= n; i++)
    g_ptr_array_add(keys, g_strdup_printf("%03" G_GSIZE_FORMAT, i));
  return keys;
}

static GPtrArray *
assemble(const char *const *keys, const char *const *values, gsize n, GError **error)
{
  return dm_stubdom_argv_assemble(keys, values, n, error);
}

Test(stubdom_argv, orders_keys_numerically_whatever_the_listing_order)
{
  gsize n = G_N_ELEMENTS(hvm_args);
  g_autoptr(GPtrArray) keys = keys_for(n);
  g_autofree const char **k = g_new0(const char *, n);
  g_autofree const char **v = g_new0(const char *, n);
  g_autoptr(GError) error = NULL;

  /* xenstored lists children in no promised order: feed them reversed. */
  for (gsize i = 0; i < n; i++) {
    k[i] = g_ptr_array_index(keys, n - 1 - i);
    v[i] = hvm_args[n - 1 - i];
  }
  g_autoptr(GPtrArray) args = assemble(k, v, n, &error);
  cr_assert_not_null(args, "%s", error ? error->message : "");
  cr_assert_eq(args->len, n);
  for (gsize i = 0; i < n; i++)
    cr_assert_str_eq(g_ptr_array_index(args, i), hvm_args[i]);
  cr_assert_null(args->pdata[n]);
}

Test(stubdom_argv, result_parses_as_the_same_request_as_dom0)
{
  gsize n = G_N_ELEMENTS(hvm_args);
  g_autoptr(GPtrArray) keys = keys_for(n);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) args = assemble((const char *const *)keys->pdata, hvm_args, n, &error);
  cr_assert_not_null(args);
  g_autoptr(DmRequest) req = dm_request_parse((int)args->len, (char *const *)args->pdata, &error);
  cr_assert_not_null(req, "%s", error ? error->message : "");
  cr_assert_eq(req->flavour, DM_FLAVOUR_QEMU_XEN);
  cr_assert_eq(req->domid, 5);
  cr_assert_str_eq(req->name, "win10");
  cr_assert_eq(req->guest, DM_GUEST_HVM);
}

Test(stubdom_argv, keeps_values_verbatim)
{
  const char *keys[] = { "002", "001", "003" };
  const char *values[] = { "a b,,c=d", "", "$HOME;`x`\n" };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) args = assemble(keys, values, 3, &error);
  cr_assert_not_null(args);
  cr_assert_str_eq(g_ptr_array_index(args, 0), "");
  cr_assert_str_eq(g_ptr_array_index(args, 1), "a b,,c=d");
  cr_assert_str_eq(g_ptr_array_index(args, 2), "$HOME;`x`\n");
}

Test(stubdom_argv, four_digit_keys_past_999)
{
  gsize n = 1001;
  g_autoptr(GPtrArray) keys = keys_for(n);
  g_autoptr(GError) error = NULL;
  cr_assert_str_eq(g_ptr_array_index(keys, 999), "1000");
  g_autoptr(GPtrArray) args =
    assemble((const char *const *)keys->pdata, (const char *const *)keys->pdata, n, &error);
  cr_assert_not_null(args, "%s", error ? error->message : "");
  cr_assert_str_eq(g_ptr_array_index(args, 1000), "1001");
}

static void
assert_refused(const char *const *keys, const char *const *values, gsize n, const char *fragment)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) args = assemble(keys, values, n, &error);
  cr_assert_null(args, "accepted, expected '%s'", fragment);
  cr_assert(g_error_matches(error, DM_ERROR, DM_ERROR_INVALID));
  cr_assert(strstr(error->message, fragment), "'%s' lacks '%s'", error->message, fragment);
}

Test(stubdom_argv, refuses_gaps)
{
  const char *keys[] = { "001", "003" };
  const char *values[] = { "-xen-domid", "5" };
  assert_refused(keys, values, 2, "gap");
  const char *keys2[] = { "002" };
  assert_refused(keys2, values, 1, "gap");
}

Test(stubdom_argv, refuses_duplicates)
{
  const char *keys[] = { "001", "002", "001" };
  const char *values[] = { "a", "b", "c" };
  assert_refused(keys, values, 3, "twice");
}

Test(stubdom_argv, refuses_non_canonical_and_non_numeric_keys)
{
  const char *bad[] = { "1",
                        "01",
                        "0001",
                        "000",
                        "x01",
                        "-01",
                        "+01",
                        " 001",
                        "001 ",
                        "0x1",
                        "",
                        "1e2",
                        "99999999999999999999999" };
  const char *values[] = { "a" };
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    const char *keys[] = { bad[i] };
    assert_refused(keys, values, 1, "not an argument number");
  }
  const char *nul_key[] = { NULL };
  assert_refused(nul_key, values, 1, "not an argument number");
}

Test(stubdom_argv, refuses_empty_missing_values_and_huge_counts)
{
  assert_refused(NULL, NULL, 0, "empty");
  const char *keys[] = { "001" };
  const char *values[] = { NULL };
  assert_refused(keys, values, 1, "no value");
  /* The bound is checked before anything is read. */
  assert_refused(NULL, NULL, DM_STUBDOM_ARGV_MAX + 1, "limit");
  assert_refused(NULL, NULL, G_MAXSIZE, "limit");
}

Test(stubdom_argv, accepts_exactly_the_limit)
{
  g_autoptr(GPtrArray) keys = keys_for(DM_STUBDOM_ARGV_MAX);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) args =
    assemble((const char *const *)keys->pdata, (const char *const *)keys->pdata,
             DM_STUBDOM_ARGV_MAX, &error);
  cr_assert_not_null(args);
  cr_assert_eq(args->len, DM_STUBDOM_ARGV_MAX);
}

static GPtrArray *
strv_array(const char *const *items)
{
  GPtrArray *a = g_ptr_array_new_null_terminated(4, g_free, TRUE);
  for (; *items; items++)
    g_ptr_array_add(a, g_strdup(*items));
  return a;
}

Test(stubdom_incoming, replaces_the_placeholder_after_incoming)
{
  const char *in[] = { "-xen-domid", "5",   "-incoming", DM_STUBDOM_RESTORE_PLACEHOLDER,
                       "-m",         "512", NULL };
  g_autoptr(GPtrArray) args = strv_array(in);
  g_autoptr(GError) error = NULL;
  cr_assert(dm_stubdom_argv_wants_restore(args));
  cr_assert(dm_stubdom_argv_set_incoming(args, 3, &error));
  cr_assert_str_eq(g_ptr_array_index(args, 3), "fd:3");
  cr_assert_not(dm_stubdom_argv_wants_restore(args));
  cr_assert_str_eq(g_ptr_array_index(args, 4), "-m");
}

Test(stubdom_incoming, no_placeholder_no_restore)
{
  const char *in[] = { "-xen-domid", "5", "-m", "512", NULL };
  g_autoptr(GPtrArray) args = strv_array(in);
  g_autoptr(GError) error = NULL;
  cr_assert_not(dm_stubdom_argv_wants_restore(args));
  cr_assert_not(dm_stubdom_argv_set_incoming(args, 3, &error));
  cr_assert(strstr(error->message, "no -incoming"));
}

Test(stubdom_incoming, refuses_misplaced_or_repeated_placeholder)
{
  const char *loose[] = { "-name", DM_STUBDOM_RESTORE_PLACEHOLDER, NULL };
  const char *first[] = { DM_STUBDOM_RESTORE_PLACEHOLDER, NULL };
  const char *twice[] = { "-incoming", DM_STUBDOM_RESTORE_PLACEHOLDER, "-incoming",
                          DM_STUBDOM_RESTORE_PLACEHOLDER, NULL };
  const char *const *cases[] = { loose, first, twice };
  const char *why[] = { "does not follow -incoming", "does not follow -incoming",
                        "more than once" };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(GPtrArray) args = strv_array(cases[i]);
    g_autoptr(GError) error = NULL;
    cr_assert_not(dm_stubdom_argv_set_incoming(args, 4, &error));
    cr_assert(strstr(error->message, why[i]), "%s", error->message);
  }
}

Test(stubdom_local, adds_qmp_socket_escaped_and_save_fdset)
{
  g_autoptr(GPtrArray) a = dm_stubdom_local_args("/run/q,m p.sock", 4);
  cr_assert_eq(a->len, 6);
  cr_assert_str_eq(g_ptr_array_index(a, 0), "-chardev");
  cr_assert_str_eq(g_ptr_array_index(a, 1),
                   "socket,id=stubdom-qmp,path=/run/q,,m p.sock,server=on,wait=off");
  g_autofree char *path = dm_qemu_opt_get(g_ptr_array_index(a, 1), "path");
  cr_assert_str_eq(path, "/run/q,m p.sock");
  cr_assert_str_eq(g_ptr_array_index(a, 2), "-mon");
  cr_assert_str_eq(g_ptr_array_index(a, 3), "chardev=stubdom-qmp,mode=control");
  cr_assert_str_eq(g_ptr_array_index(a, 4), "-add-fd");
  cr_assert_str_eq(g_ptr_array_index(a, 5), "fd=4,set=1");
  cr_assert_null(a->pdata[6]);

  g_autoptr(GPtrArray) b = dm_stubdom_local_args("/run/s", -1);
  cr_assert_eq(b->len, 4);
}
