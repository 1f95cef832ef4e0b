#include <criterion/criterion.h>
#include "build_config.h"
#include "stubdom.h"

#include <glib/gstdio.h>
#include <sys/stat.h>

static void
make_exe(const char *root, const char *rel)
{
  g_autofree char *path = g_build_filename(root, rel, NULL);
  g_autofree char *dir = g_path_get_dirname(path);
  cr_assert_eq(g_mkdir_with_parents(dir, 0755), 0);
  cr_assert(g_file_set_contents(path, "#!/bin/sh\n", -1, NULL));
  cr_assert_eq(chmod(path, 0755), 0);
}

/* The default must not name /usr/lib/xen-4.17: after an upgrade to 4.20
 * the proxy is found without a config edit. */
Test(stubdom_proxy, found_at_run_time_newest_xen_first)
{
  g_autofree char *root = g_dir_make_tmp("dm-proxy-XXXXXX", NULL);
  make_exe(root, "/usr/lib/xen-4.17/bin/vchan-socket-proxy");
  make_exe(root, "/usr/lib/xen-4.9/bin/vchan-socket-proxy");
  g_autofree char *a = dm_stubdom_find_proxy(root);
  cr_assert_str_eq(a, "/usr/lib/xen-4.17/bin/vchan-socket-proxy");
  make_exe(root, "/usr/lib/xen-4.20/bin/vchan-socket-proxy");
  g_autofree char *b = dm_stubdom_find_proxy(root);
  cr_assert_str_eq(b, "/usr/lib/xen-4.20/bin/vchan-socket-proxy");
  /* A path that survives upgrades wins. */
  make_exe(root, DM_DEFAULT_VCHAN_PROXY);
  g_autofree char *c = dm_stubdom_find_proxy(root);
  cr_assert_str_eq(c, DM_DEFAULT_VCHAN_PROXY);
  cr_assert_null(strstr(DM_DEFAULT_VCHAN_PROXY, "xen-4."));
}

Test(stubdom_proxy, none_found_gives_the_default_for_a_clear_exec_error)
{
  g_autofree char *root = g_dir_make_tmp("dm-proxy-XXXXXX", NULL);
  g_autofree char *p = dm_stubdom_find_proxy(root);
  cr_assert_str_eq(p, DM_DEFAULT_VCHAN_PROXY);
}
