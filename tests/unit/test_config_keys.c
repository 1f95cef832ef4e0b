/* The table of config keys (dm/core/config_keys.c) against the hand-written
 * files that list the keys: the man page's CONFIGURATION section, the
 * shipped etc/qemu-dm-launcher.conf and docs/configuration.md.  Each must
 * list exactly the table's keys; a key added to the table and not
 * documented, or documented and gone, fails here. */
#include <criterion/criterion.h>
#include "config.h"
#include "util.h"

#include <string.h>

static char *
read_source(const char *relative)
{
  g_autofree char *path = g_build_filename(DM_SOURCE_DIR, relative, NULL);
  g_autoptr(GError) error = NULL;
  char *text = NULL;
  cr_assert(g_file_get_contents(path, &text, NULL, &error), "%s", error ? error->message : "");
  return text;
}

/* The table's key names, in a set. */
static GHashTable *
table_keys(void)
{
  GHashTable *set = g_hash_table_new(g_str_hash, g_str_equal);
  for (guint i = 0; dm_config_key(i); i++)
    g_hash_table_add(set, (char *)dm_config_key(i)->name);
  return set;
}

/* Asserts that `found` (name -> the file's value or syntax) holds exactly
 * the table's keys, naming every key that is missing or extra. */
static void
assert_same_keys(GHashTable *found, const char *file)
{
  g_autoptr(GHashTable) table = table_keys();
  g_autoptr(GString) diff = g_string_new(NULL);
  GHashTableIter it;
  gpointer name;

  for (guint i = 0; dm_config_key(i); i++)
    if (!g_hash_table_contains(found, dm_config_key(i)->name))
      g_string_append_printf(diff, " missing %s;", dm_config_key(i)->name);
  g_hash_table_iter_init(&it, found);
  while (g_hash_table_iter_next(&it, &name, NULL))
    if (!g_hash_table_contains(table, name))
      g_string_append_printf(diff, " not a key: %s;", (char *)name);
  cr_assert_eq(diff->len, 0, "%s lists other keys than dm/core/config_keys.c's table:%s", file,
               diff->str);
}

/* "run\-dir = \fIDIR\fR" -> "run-dir = DIR": troff's font escapes and
 * escaped hyphens removed. */
static char *
plain(const char *troff)
{
  GString *out = g_string_new(NULL);
  for (const char *p = troff; *p; p++) {
    if (p[0] == '\\' && p[1] == 'f' && p[2]) {
      p += 2;
      continue;
    }
    if (p[0] == '\\' && p[1] == '-')
      p++;
    g_string_append_c(out, *p);
  }
  return g_string_free(out, FALSE);
}

/* The man page's CONFIGURATION section: one ".TP" then ".B KEY = VALUE"
 * per key; VALUE is what the table says the value is. */
Test(config_keys, man_page_lists_the_table)
{
  g_autofree char *text = read_source("docs/qemu-dm-launcher.8");
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  g_autoptr(GHashTable) found = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  gboolean in_section = FALSE;

  for (guint n = 0; lines[n]; n++) {
    if (g_str_has_prefix(lines[n], ".SH "))
      in_section = strcmp(lines[n], ".SH CONFIGURATION") == 0;
    if (!in_section || strcmp(lines[n], ".TP") != 0 || !g_str_has_prefix(lines[n + 1], ".B "))
      continue;
    g_autofree char *entry = plain(lines[n + 1] + 3);
    const char *eq = strstr(entry, " = ");
    cr_assert_not_null(eq, "man page line %u: not KEY = VALUE: %s", n + 2, lines[n + 1]);
    g_hash_table_insert(found, g_strndup(entry, (gsize)(eq - entry)), g_strdup(eq + 3));
  }
  assert_same_keys(found, "docs/qemu-dm-launcher.8");
  for (guint i = 0; dm_config_key(i); i++) {
    const DmConfigKey *key = dm_config_key(i);
    cr_expect_str_eq(g_hash_table_lookup(found, key->name), key->value,
                     "the man page writes %s = %s, the table %s = %s", key->name,
                     (char *)g_hash_table_lookup(found, key->name), key->name, key->value);
  }
}

/* The shipped config: every key once as "KEY = VALUE" or "# KEY = VALUE";
 * where the table has a default that is not a path (paths are build
 * options), the first such line shows it. */
Test(config_keys, shipped_config_lists_the_table)
{
  g_autofree char *text = read_source("etc/qemu-dm-launcher.conf");
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  g_autoptr(GHashTable) found = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GRegex) re = g_regex_new("^(?:# )?([a-z][a-z0-9-]*) = (.*)$", 0, 0, NULL);

  for (guint n = 0; lines[n]; n++) {
    g_autoptr(GMatchInfo) m = NULL;
    if (!g_regex_match(re, lines[n], 0, &m))
      continue;
    char *name = g_match_info_fetch(m, 1);
    if (g_hash_table_contains(found, name))
      g_free(name);
    else
      g_hash_table_insert(found, name, g_match_info_fetch(m, 2));
  }
  assert_same_keys(found, "etc/qemu-dm-launcher.conf");
  for (guint i = 0; dm_config_key(i); i++) {
    const DmConfigKey *key = dm_config_key(i);
    if (key->fallback && !g_path_is_absolute(key->fallback))
      cr_expect_str_eq(g_hash_table_lookup(found, key->name), key->fallback,
                       "etc/qemu-dm-launcher.conf shows %s = %s, the default is %s", key->name,
                       (char *)g_hash_table_lookup(found, key->name), key->fallback);
  }
}

/* docs/configuration.md's table: one row "| `KEY` | default | meaning |"
 * per key. */
Test(config_keys, configuration_md_lists_the_table)
{
  g_autofree char *text = read_source("docs/configuration.md");
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  g_autoptr(GHashTable) found = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GRegex) re = g_regex_new("^\\| `([a-z][a-z0-9-]*)` \\| ([^|]*) \\|", 0, 0, NULL);
  gboolean in_table = FALSE;

  for (guint n = 0; lines[n]; n++) {
    g_autoptr(GMatchInfo) m = NULL;
    if (g_str_has_prefix(lines[n], "| key | default |"))
      in_table = TRUE;
    else if (!g_str_has_prefix(lines[n], "|"))
      in_table = FALSE;
    if (in_table && g_regex_match(re, lines[n], 0, &m))
      g_hash_table_insert(found, g_match_info_fetch(m, 1), g_match_info_fetch(m, 2));
  }
  assert_same_keys(found, "docs/configuration.md");
  for (guint i = 0; dm_config_key(i); i++) {
    const DmConfigKey *key = dm_config_key(i);
    if (key->fallback && !g_path_is_absolute(key->fallback)) {
      g_autofree char *want = g_strdup_printf("`%s`", key->fallback);
      cr_expect_str_eq(g_hash_table_lookup(found, key->name), want,
                       "docs/configuration.md gives %s the default %s, the table %s", key->name,
                       (char *)g_hash_table_lookup(found, key->name), want);
    }
  }
}

/* Every default is a value the parser takes, and reads back as itself: a
 * default in the table is spelled as an admin would write it. */
Test(config_keys, defaults_parse_and_read_back)
{
  g_autoptr(DmConfig) none = dm_config_new_default();
  g_autoptr(DmDomainConfig) defaults = dm_config_for_domain(none, NULL, NULL);

  cr_assert_not_null(defaults);
  for (guint i = 0; dm_config_key(i); i++) {
    const DmConfigKey *key = dm_config_key(i);
    g_autofree char *value = dm_config_key_value(key, defaults);
    cr_expect_str_eq(value ? value : "(unset)", key->fallback ? key->fallback : "(unset)", "%s",
                     key->name);
    if (key->fallback == NULL)
      continue;
    g_autofree char *text = g_strdup_printf("[launcher]\n%s = %s\n", key->name, key->fallback);
    g_autoptr(GError) error = NULL;
    g_autoptr(DmConfig) c = dm_config_parse(text, strlen(text), "t", NULL, &error);
    cr_expect_not_null(c, "%s: %s", key->name, error ? error->message : "");
  }
}

/* Values an admin writes read back as the table spells them; what check
 * DOMAIN prints is therefore a line that could go in the file. */
Test(config_keys, values_read_back_in_the_file_spelling)
{
  const char *text = "[launcher]\nqemu-sandbox = 1\nscrub-guests = pv;hvm\nrun-dir = /r//\n"
                     "scrub = a;;b\nvnc-display = 7\nhelper = 0\n";
  const char *want[][2] = { { "qemu-sandbox", "true" }, { "scrub-guests", "hvm;pv" },
                            { "run-dir", "/r" },        { "scrub", "a;b" },
                            { "vnc-display", "7" },     { "helper", "false" },
                            { "vnc-display-to", NULL } };
  g_autoptr(GError) error = NULL;
  g_autoptr(DmConfig) c = dm_config_parse(text, strlen(text), "t", NULL, &error);
  cr_assert_not_null(c, "%s", error ? error->message : "");
  g_autoptr(DmDomainConfig) dc = dm_config_for_domain(c, NULL, NULL);

  for (gsize w = 0; w < G_N_ELEMENTS(want); w++) {
    const DmConfigKey *key = NULL;
    for (guint i = 0; dm_config_key(i); i++)
      if (strcmp(dm_config_key(i)->name, want[w][0]) == 0)
        key = dm_config_key(i);
    cr_assert_not_null(key, "%s", want[w][0]);
    g_autofree char *value = dm_config_key_value(key, dc);
    cr_expect_str_eq(value ? value : "(unset)", want[w][1] ? want[w][1] : "(unset)", "%s",
                     want[w][0]);
  }
}
