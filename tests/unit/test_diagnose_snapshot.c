/* The snapshot diagnose analyses: xenbus state names, the nodes read and
 * the lookups the analysis makes in them, and untrusted text made safe. */
#include <criterion/criterion.h>
#include <string.h>
#include "diagnose_snapshot.h"

static void
seed(DmDiagSnapshot *s, const char *const *pairs)
{
  for (; pairs[0]; pairs += 2)
    dm_diag_snapshot_set(s, pairs[0], pairs[1]);
}

Test(diagnose_snapshot, state_names_and_numbers)
{
  static const char *const names[] = { "Unknown",     "Initialising",  "InitWait",
                                       "Initialised", "Connected",     "Closing",
                                       "Closed",      "Reconfiguring", "Reconfigured" };
  for (int i = 0; i < 9; i++) {
    char text[4];
    g_snprintf(text, sizeof text, "%d", i);
    cr_assert_eq(dm_diag_state_parse(text), i);
    cr_assert_str_eq(dm_diag_state_name(i), names[i]);
  }
  cr_assert_eq(dm_diag_state_parse(NULL), DM_STATE_MISSING);
  cr_assert_eq(dm_diag_state_parse("connected"), DM_STATE_INVALID);
  cr_assert_eq(dm_diag_state_parse("-1"), DM_STATE_INVALID);
  cr_assert_eq(dm_diag_state_parse(""), DM_STATE_INVALID);
  cr_assert_str_eq(dm_diag_state_name(DM_STATE_MISSING), "missing");
  cr_assert_str_eq(dm_diag_state_name(9), "invalid");
  cr_assert_str_eq(dm_diag_state_name(DM_STATE_INVALID), "invalid");
}

Test(diagnose_snapshot, children_sort_numbers_numerically)
{
  g_autoptr(DmDiagSnapshot) s = dm_diag_snapshot_new(5);
  seed(s, (const char *const[]){ "/a/10/x", "", "/a/2", "", "/a/2/y", "", "/a/b", "", "/ab/9", "",
                                 NULL });
  g_autoptr(GPtrArray) kids = dm_diag_snapshot_children(s, "/a");
  cr_assert_eq(kids->len, 3);
  cr_assert_str_eq(g_ptr_array_index(kids, 0), "2");
  cr_assert_str_eq(g_ptr_array_index(kids, 1), "10");
  cr_assert_str_eq(g_ptr_array_index(kids, 2), "b");
}

/* C1 controls and bidi controls are as dangerous as ESC on a terminal. */
Test(diagnose_snapshot, printable_replaces_c1_and_bidi)
{
  const char *in = "a\xc2\x9b"
                   "31mb\xc2\x9d"
                   "0;t\xc2\x9c"
                   "c\xe2\x80\xae"
                   "d\xe2\x81\xa6"
                   "e\xe2\x80\x8f"
                   "f\x7f\x01g\xc3\xa9";
  g_autofree char *out = dm_diag_printable(in);
  cr_assert_str_eq(out, "a?31mb?0;t?c?d?e?f??g\xc3\xa9");
  g_autofree char *cut = dm_diag_printable_cut("abcdef", 3);
  cr_assert_str_eq(cut, "abc...");
}

Test(diagnose_snapshot, valid_paths)
{
  cr_assert(dm_diag_valid_path("/local/domain/0/backend/vbd/5/768"));
  cr_assert_not(dm_diag_valid_path("/local/domain/0/backend/vbd/5/768 "));
  cr_assert_not(dm_diag_valid_path("local/domain"));
  cr_assert_not(dm_diag_valid_path("/local//domain"));
  cr_assert_not(dm_diag_valid_path("/local/domain/"));
  cr_assert_not(dm_diag_valid_path(""));
  g_autofree char *big = g_strnfill(4000, 'a');
  big[0] = '/';
  cr_assert_not(dm_diag_valid_path(big));
}

/* A node exists if it was read or if anything below it was; a longer
 * name that merely starts the same is another node. */
Test(diagnose_snapshot, lookups)
{
  g_autoptr(DmDiagSnapshot) s = dm_diag_snapshot_new(5);
  seed(s,
       (const char *const[]){ "/local/domain/5/name", "win7", "/a/b/c", "1", "/ab/9", "", NULL });
  cr_assert_str_eq(dm_diag_node(s, "/local/domain/5/name"), "win7");
  cr_assert_str_eq(dm_diag_nodef(s, "/local/domain/%u/name", 5u), "win7");
  cr_assert_null(dm_diag_nodef(s, "/local/domain/%u/name", 6u));
  static const struct {
    const char *path;
    gboolean exists;
  } cases[] = {
    { "/a/b/c", TRUE }, { "/a/b", TRUE }, { "/a", TRUE }, { "/a/b/c/d", FALSE }, { "/a/bc", FALSE },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++)
    cr_assert_eq(dm_diag_exists(s, cases[i].path), cases[i].exists, "%s", cases[i].path);
  cr_assert_null(dm_diag_node(s, "/a"));
  g_autoptr(GPtrArray) none = dm_diag_snapshot_children(s, "/a/b/c");
  cr_assert_eq(none->len, 0);
}

/* Values are kept as valid UTF-8; a copy carries every node. */
Test(diagnose_snapshot, set_makes_valid_and_copy_keeps_all)
{
  g_autoptr(DmDiagSnapshot) s = dm_diag_snapshot_new(5);
  g_autoptr(DmDiagSnapshot) c = dm_diag_snapshot_new(5);
  seed(s, (const char *const[]){ "/x",
                                 "a\xff"
                                 "b",
                                 "/y", "2", NULL });
  dm_diag_snapshot_set(s, "/z", NULL);
  cr_assert(g_utf8_validate(dm_diag_node(s, "/x"), -1, NULL));
  cr_assert(g_str_has_prefix(dm_diag_node(s, "/x"), "a"));
  cr_assert_str_eq(dm_diag_node(s, "/z"), "");
  dm_diag_snapshot_copy_nodes(c, s);
  cr_assert_eq(g_hash_table_size(c->nodes), 3);
  cr_assert_str_eq(dm_diag_node(c, "/x"), dm_diag_node(s, "/x"));
  cr_assert_str_eq(dm_diag_node(c, "/y"), "2");
}

Test(diagnose_snapshot, devids_compare_as_numbers)
{
  cr_assert_lt(dm_diag_compare_names("2", "10"), 0);
  cr_assert_lt(dm_diag_compare_names("768", "51712"), 0);
  cr_assert_gt(dm_diag_compare_names("10", "9"), 0);
  cr_assert_lt(dm_diag_compare_names("b", "c"), 0);
  cr_assert_eq(dm_diag_compare_names("7", "7"), 0);
}
