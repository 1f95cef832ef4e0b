#include <criterion/criterion.h>
#include "util.h"

Test(domid, accepts_plain_decimals)
{
  guint d = 0;
  cr_assert(dm_parse_domid("1", &d, NULL));
  cr_assert_eq(d, 1);
  cr_assert(dm_parse_domid("32751", &d, NULL));
  cr_assert_eq(d, 32751);
}

Test(domid, refuses_everything_else)
{
  const char *bad[] = { "0",  "-1",     "+5",    "0x10",  "05",
                        "",   "5/../0", "32752", "65535", "99999999999999999999999",
                        "5 ", " 5",     "5\n",   "1e3",   "５" };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    g_autoptr(GError) error = NULL;
    guint d = 77;
    cr_assert_not(dm_parse_domid(bad[i], &d, &error), "accepted '%s'", bad[i]);
    cr_assert_eq(d, 77, "wrote domid for '%s'", bad[i]);
    cr_assert(g_error_matches(error, DM_ERROR, DM_ERROR_INVALID));
    cr_assert(strstr(error->message, "between 1 and 32751"), "%s", error->message);
  }
}

Test(domid, null_is_refused)
{
  guint d;
  cr_assert_not(dm_parse_domid(NULL, &d, NULL));
}

Test(name, checks)
{
  cr_assert(dm_check_name("win7", NULL));
  cr_assert(dm_check_name("Überserver-01", NULL));
  cr_assert_not(dm_check_name("", NULL));
  cr_assert_not(dm_check_name("bad\x01name", NULL));
  cr_assert_not(dm_check_name("tab\tname", NULL));
  cr_assert_not(dm_check_name("del\x7f", NULL));
  cr_assert_not(dm_check_name("\xff\xfe", NULL));
  g_autofree char *longname = g_strnfill(256, 'a');
  cr_assert_not(dm_check_name(longname, NULL));
  longname[255] = '\0';
  cr_assert(dm_check_name(longname, NULL));
}

Test(quote, bounds_and_escapes)
{
  g_autofree char *big = g_strnfill(1000, 'x');
  g_autofree char *q = dm_quote_for_message(big);
  cr_assert_lt(strlen(q), 80);
  cr_assert(g_str_has_suffix(q, "..."));
  g_autofree char *ctl = dm_quote_for_message("a\nb");
  cr_assert_str_eq(ctl, "'a\\nb'");
}
