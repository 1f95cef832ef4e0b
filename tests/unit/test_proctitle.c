#include <criterion/criterion.h>
#include "proctitle.h"

#include <string.h>
#include <sys/prctl.h>

Test(proctitle, helper_title_names_domain_and_name)
{
  g_autofree char *t = dm_proctitle_for_helper(12, "win10");
  cr_assert_str_eq(t, "qemu-dm-launcher: scrub helper for domain 12 (win10)");
  g_autofree char *n = dm_proctitle_for_helper(3, NULL);
  cr_assert_str_eq(n, "qemu-dm-launcher: scrub helper for domain 3");
  g_autofree char *e = dm_proctitle_for_helper(4, "a\nb");
  cr_assert_str_eq(e, "qemu-dm-launcher: scrub helper for domain 4 (a\\nb)");
}

/* The argv area as the kernel lays it out: strings back to back.  The
 * title replaces all of it, the toolstack's words leave no trace. */
Test(proctitle, title_overwrites_the_whole_argv_area)
{
  char area[] = "qemu-dm-launcher\0-xen-domid\0"
                "12\0-name\0win10\0-machine\0xenfv";
  char *argv[] = { area, area + 17, area + 28, area + 31, area + 37, area + 43, area + 52, NULL };
  dm_proctitle_init(7, argv);
  dm_proctitle_set("qemu-dm-launcher: scrub helper for domain 12 (win10)");
  cr_assert_str_eq(area, "qemu-dm-launcher: scrub helper for domain 12 (win10)");
  for (size_t i = strlen(area); i < sizeof area; i++)
    cr_assert_eq(area[i], '\0', "byte %zu", i);
  char comm[17] = { 0 };
  prctl(PR_GET_NAME, comm, 0, 0, 0);
  cr_assert_str_eq(comm, "dm-scrub-helper");
}

Test(proctitle, a_long_title_is_cut_to_fit)
{
  char area[] = "qemu-dm-launcher\0-d\0"
                "5";
  char *argv[] = { area, area + 17, area + 20, NULL };
  dm_proctitle_init(3, argv);
  dm_proctitle_set("qemu-dm-launcher: scrub helper for domain 5 (a-long-name)");
  cr_assert_eq(strlen(area), sizeof area - 1);
  cr_assert(strncmp(area, "qemu-dm-launcher: scr", sizeof area - 1) == 0);
}
