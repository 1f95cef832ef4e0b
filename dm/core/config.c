#include "config.h"
#include "util.h"

#include <string.h>

#define GLOBAL_GROUP "launcher"
#define DOMAIN_PREFIX "domain:"

struct DmConfig {
  GKeyFile *file; /* NULL: built-in defaults only */
};

static gboolean
validate(GKeyFile *file, const char *origin, GPtrArray *warnings, GError **error)
{
  g_auto(GStrv) groups = g_key_file_get_groups(file, NULL);

  for (char **group = groups; *group; group++) {
    gboolean known = strcmp(*group, GLOBAL_GROUP) == 0;

    if (g_str_has_prefix(*group, DOMAIN_PREFIX)) {
      g_autoptr(GError) local = NULL;
      if (!dm_check_name(*group + strlen(DOMAIN_PREFIX), &local)) {
        g_set_error(error, DM_ERROR, DM_ERROR_CONFIG, "%s: group [%s]: %s", origin, *group,
                    local->message);
        return FALSE;
      }
      known = TRUE;
    }
    if (!known) {
      if (warnings)
        g_ptr_array_add(warnings, g_strdup_printf("%s: unknown group [%s] ignored (expected [%s] "
                                                  "or [%sNAME])",
                                                  origin, *group, GLOBAL_GROUP, DOMAIN_PREFIX));
      continue;
    }
    g_auto(GStrv) names = g_key_file_get_keys(file, *group, NULL, NULL);
    for (char **key = names; key && *key; key++) {
      const DmConfigKey *spec = dm_config_key_find(*key);
      g_autofree char *where = g_strdup_printf("%s: [%s] %s", origin, *group, *key);
      if (spec == NULL) {
        if (warnings)
          g_ptr_array_add(warnings, g_strdup_printf("%s: unknown key ignored", where));
        continue;
      }
      g_autofree char *value = g_key_file_get_value(file, *group, *key, NULL);
      g_strstrip(value);
      if (!dm_config_key_check(spec, value, where, error))
        return FALSE;
    }
  }
  return TRUE;
}

/* GKeyFile's parse errors carry no line number, and an admin needs one.
 * This pass finds the first line GKeyFile would refuse and names it. */
static gboolean
check_lines(const char *text, const char *origin, GError **error)
{
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  gboolean in_group = FALSE;

  for (guint n = 0; lines[n]; n++) {
    g_autofree char *line = g_strdup(lines[n]);
    const char *why = NULL;
    g_strchug(line);
    g_strchomp(line);
    if (*line == '\0' || *line == '#')
      continue;
    if (*line == '[') {
      gsize len = strlen(line);
      if (line[len - 1] != ']' || len < 3)
        why = "a group header must look like [launcher] or [domain:NAME]";
      else
        for (const char *p = line + 1; p < line + len - 1; p++)
          if ((unsigned char)*p < 0x20 || *p == '[' || *p == ']')
            why = "a group name may not hold brackets or control characters";
    } else {
      const char *eq = strchr(line, '=');
      if (eq == NULL)
        why = "expected KEY = VALUE, a [group] header or a # comment";
      else if (eq == line)
        why = "a key name is missing before '='";
      else if (!in_group)
        why = "a key comes before the first [group] header";
    }
    if (*line == '[')
      in_group = TRUE;
    if (why) {
      g_autofree char *shown = dm_quote_for_message(line);
      g_set_error(error, DM_ERROR, DM_ERROR_CONFIG, "%s: line %u: %s: %s", origin, n + 1, why,
                  shown);
      return FALSE;
    }
  }
  return TRUE;
}

DmConfig *
dm_config_new_default(void)
{
  return g_new0(DmConfig, 1);
}

DmConfig *
dm_config_parse(const char *text, gsize length, const char *origin, GPtrArray *warnings,
                GError **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new();
  g_autoptr(DmConfig) config = NULL;

  g_autofree char *copy = NULL;
  g_autoptr(GError) local = NULL;

  if (memchr(text, '\0', length) != NULL) {
    g_set_error(error, DM_ERROR, DM_ERROR_CONFIG, "%s: contains a NUL byte", origin);
    return NULL;
  }
  /* `text` need not be NUL-terminated (the fuzzer's is not); the line
   * check below reads it as a C string. */
  copy = g_strndup(text, length);
  if (!check_lines(copy, origin, error))
    return NULL;
  if (!g_key_file_load_from_data(file, copy, length, G_KEY_FILE_NONE, &local)) {
    /* A G_KEY_FILE_ERROR would leave main without its exit status 2. */
    g_set_error(error, DM_ERROR, DM_ERROR_CONFIG, "%s: %s", origin, local->message);
    return NULL;
  }
  if (!validate(file, origin, warnings, error))
    return NULL;
  config = g_new0(DmConfig, 1);
  config->file = g_steal_pointer(&file);
  return g_steal_pointer(&config);
}

void
dm_config_free(DmConfig *config)
{
  if (config == NULL)
    return;
  if (config->file)
    g_key_file_unref(config->file);
  g_free(config);
}

/* Applies every key of one group over `dc`.  Values were checked at parse
 * time, so conversions here cannot fail. */
static void
apply_group(GKeyFile *file, const char *group, DmDomainConfig *dc)
{
  g_auto(GStrv) names = g_key_file_get_keys(file, group, NULL, NULL);

  for (char **key = names; key && *key; key++) {
    const DmConfigKey *spec = dm_config_key_find(*key);
    g_autofree char *value = g_key_file_get_value(file, group, *key, NULL);

    if (spec == NULL || value == NULL)
      continue;
    dm_config_key_store(spec, g_strstrip(value), dc);
  }
}

DmDomainConfig *
dm_config_for_domain(const DmConfig *config, const char *name, GError **error)
{
  g_autoptr(DmDomainConfig) dc = dm_domain_config_new();

  if (config->file != NULL) {
    if (g_key_file_has_group(config->file, GLOBAL_GROUP))
      apply_group(config->file, GLOBAL_GROUP, dc);
    if (name != NULL) {
      g_autofree char *group = g_strconcat(DOMAIN_PREFIX, name, NULL);
      if (g_key_file_has_group(config->file, group))
        apply_group(config->file, group, dc);
    }
  }
  /* A helper must share its uid with nothing: not with root's users
   * below it, and not with any qemu (a guest that took over its qemu
   * could then stop or kill the helper). */
  if (dc->helper_uid_base == 0 || (dc->helper_uid_base <= dc->dm_uid_base + DM_DOMID_MAX &&
                                   dc->dm_uid_base <= dc->helper_uid_base + DM_DOMID_MAX)) {
    g_set_error(error, DM_ERROR, DM_ERROR_CONFIG,
                "helper-uid-base %u: the helpers' uids (base + domid, up to base + %u) "
                "must not be 0 nor overlap qemu's (dm-uid-base %u + domid)",
                dc->helper_uid_base, DM_DOMID_MAX, dc->dm_uid_base);
    return NULL;
  }
  return g_steal_pointer(&dc);
}

/* check: every problem, each with its line.  The same checks as parsing,
 * plus the spellings an xl.cfg habit produces, which GKeyFile would take
 * silently as part of the value. */
static void
lint_value(const DmConfigKey *spec, const char *key, const char *value, const char *group, guint n,
           GPtrArray *problems)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *where = g_strdup_printf("line %u: [%s] %s", n, group, key);
  gsize len = strlen(value);
  const char *hash = strchr(value, '#');

  if (len >= 2 && (value[0] == '"' || value[0] == '\'') && value[len - 1] == value[0]) {
    g_autofree char *inner = g_strndup(value + 1, len - 2);
    g_ptr_array_add(problems, g_strdup_printf("%s: quoted value %s: write %s = %s (no quotes: "
                                              "they would be part of the value)",
                                              where, value, key, inner));
    return;
  }
  if (hash != NULL) {
    g_ptr_array_add(problems, g_strdup_printf("%s: '#' inside a value is part of the value, not "
                                              "a comment: put the comment on a line of its own",
                                              where));
    return;
  }
  if (dm_config_key_is_list(spec) && (strchr(value, ',') || strchr(value, '['))) {
    g_autofree char *fixed = g_strdup(value);
    g_strdelimit(fixed, ",", ';');
    g_autoptr(GString) clean = g_string_new(NULL);
    for (const char *p = fixed; *p; p++)
      if (!strchr("[]\"' ", *p))
        g_string_append_c(clean, *p);
    g_ptr_array_add(problems, g_strdup_printf("%s: lists are separated by ';', not written the "
                                              "xl.cfg way: %s = %s",
                                              where, key, clean->str));
    return;
  }
  if (!dm_config_key_check(spec, value, where, &local))
    g_ptr_array_add(problems, g_strdup(local->message));
}

static char *
dashed(const char *key)
{
  char *out = g_ascii_strdown(key, -1);
  g_strdelimit(out, "_", '-');
  return out;
}

void
dm_config_lint(const char *text, GPtrArray *problems)
{
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  g_autofree char *group = NULL;
  gboolean group_known = FALSE;

  for (guint n = 0; lines[n]; n++) {
    g_autofree char *line = g_strstrip(g_strdup(lines[n]));
    if (*line == '\0' || *line == '#')
      continue;
    if (*line == '[') {
      gsize len = strlen(line);
      g_free(group);
      group = len >= 3 && line[len - 1] == ']' ? g_strndup(line + 1, len - 2) : NULL;
      if (group == NULL) {
        g_ptr_array_add(problems, g_strdup_printf("line %u: a group header must look like "
                                                  "[launcher] or [domain:NAME]",
                                                  n + 1));
        continue;
      }
      g_autoptr(GError) local = NULL;
      group_known =
        strcmp(group, GLOBAL_GROUP) == 0 || (g_str_has_prefix(group, DOMAIN_PREFIX) &&
                                             dm_check_name(group + strlen(DOMAIN_PREFIX), &local));
      if (!group_known)
        g_ptr_array_add(problems, g_strdup_printf("line %u: group [%s] is not [%s] or [%sNAME]%s%s",
                                                  n + 1, group, GLOBAL_GROUP, DOMAIN_PREFIX,
                                                  local ? ": " : "", local ? local->message : ""));
      continue;
    }
    const char *eq = strchr(line, '=');
    if (eq == NULL || eq == line) {
      g_ptr_array_add(
        problems,
        g_strdup_printf("line %u: expected KEY = VALUE, a [group] header or a # comment", n + 1));
      continue;
    }
    g_autofree char *key = g_strstrip(g_strndup(line, (gsize)(eq - line)));
    g_autofree char *value = g_strstrip(g_strdup(eq + 1));
    if (group == NULL) {
      g_ptr_array_add(
        problems, g_strdup_printf("line %u: %s comes before the first [group] header", n + 1, key));
      continue;
    }
    if (!group_known)
      continue;
    const DmConfigKey *spec = dm_config_key_find(key);
    if (spec == NULL) {
      g_autofree char *guess = dashed(key);
      if (dm_config_key_find(guess))
        g_ptr_array_add(problems, g_strdup_printf("line %u: [%s] unknown key %s: did you mean %s?",
                                                  n + 1, group, key, guess));
      else
        g_ptr_array_add(
          problems,
          g_strdup_printf("line %u: [%s] unknown key %s (ignored at launch)", n + 1, group, key));
      continue;
    }
    lint_value(spec, key, value, group, n + 1, problems);
  }
}

GStrv
dm_config_domain_groups(const DmConfig *config)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new();
  if (config->file) {
    g_auto(GStrv) groups = g_key_file_get_groups(config->file, NULL);
    for (char **g = groups; *g; g++)
      if (g_str_has_prefix(*g, DOMAIN_PREFIX))
        g_ptr_array_add(out, g_strdup(*g + strlen(DOMAIN_PREFIX)));
  }
  g_ptr_array_add(out, NULL);
  return (GStrv)g_ptr_array_free(g_steal_pointer(&out), FALSE);
}
