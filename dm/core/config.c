#include "config.h"
#include "build_config.h"
#include "util.h"

#include <string.h>

#define GLOBAL_GROUP "launcher"
#define DOMAIN_PREFIX "domain:"

struct DmConfig {
  GKeyFile *file; /* NULL: built-in defaults only */
};

typedef enum {
  KEY_PATH,    /* absolute path */
  KEY_BOOL,
  KEY_UINT,
  KEY_CLASSES, /* ;-separated list of backend class names, may be empty */
  KEY_GUESTS,  /* ;-separated list of hvm|pv */
  KEY_SCRUB_MODE,
  KEY_ADDRESS, /* a host name or IP address to listen on */
  KEY_BOOL_OR_AUTO,
} KeyType;

typedef struct {
  const char *name;
  KeyType type;
  guint64 max;  /* for KEY_UINT */
} KeySpec;

/* Every key the launcher reads.  Keep in step with etc/ and the man page. */
static const KeySpec keys[] = {
  { "qemu-xen", KEY_PATH, 0 },
  { "qemu-xen-traditional", KEY_PATH, 0 },
  { "scrub", KEY_CLASSES, 0 },
  { "scrub-mode", KEY_SCRUB_MODE, 0 },
  { "scrub-grace-ms", KEY_UINT, 600000 },
  { "scrub-window-s", KEY_UINT, 86400 },
  { "scrub-guests", KEY_GUESTS, 0 },
  { "helper", KEY_BOOL, 0 },
  { "xenstore-timeout-ms", KEY_UINT, 60000 },
  { "stubdom-qmp-proxy", KEY_PATH, 0 },
  /* VNC, SDL, run directory */
  { "run-dir", KEY_PATH, 0 },
  { "vnc-listen", KEY_ADDRESS, 0 },
  { "vnc-listen-widen", KEY_BOOL, 0 },
  { "vnc-display", KEY_UINT, DM_VNC_DISPLAY_MAX },
  { "vnc-display-to", KEY_UINT, DM_VNC_DISPLAY_MAX },
  { "vnc-password-file", KEY_PATH, 0 },
  { "vnc-password-xenstore", KEY_BOOL, 0 },
  { "vnc-tls-dir", KEY_PATH, 0 },
  { "vnc-tls-verify", KEY_BOOL, 0 },
  { "sdl", KEY_BOOL, 0 },
  /* sandbox */
  { "rlimit-fsize", KEY_UINT, G_MAXINT64 },
  { "core-dumps", KEY_BOOL, 0 },
  { "qemu-sandbox", KEY_BOOL_OR_AUTO, 0 },
  { "dm-restrict", KEY_BOOL, 0 },
  { "dm-uid-base", KEY_UINT, G_MAXUINT32 - DM_DOMID_MAX - 1 },
  { "helper-uid-base", KEY_UINT, G_MAXUINT32 - DM_DOMID_MAX - 1 },
  { "dm-chroot-dir", KEY_PATH, 0 },
  /* Logging */
  { "syslog", KEY_BOOL, 0 },
};

/* "/run/x/" and "/run/x" are one directory; paths below it are built and
 * compared from the value, so it is kept in one spelling. */
static char *
dir_without_trailing_slash(const char *value)
{
  gsize len = strlen(value);
  while (len > 1 && value[len - 1] == '/')
    len--;
  return g_strndup(value, len);
}

static const KeySpec *
find_key(const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS(keys); i++)
    if (strcmp(keys[i].name, name) == 0)
      return &keys[i];
  return NULL;
}

const char *
dm_scrub_mode_name(DmScrubMode mode)
{
  return mode == DM_SCRUB_ALWAYS ? "always" : "stale";
}

gboolean
dm_config_valid_class(const char *name)
{
  /* A class becomes a xenstore path component: letters, digits, - and _. */
  if (*name == '\0' || strlen(name) > 32)
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_')
      return FALSE;
  return TRUE;
}

/* Reads a ;-separated list.  GKeyFile's own list reader keeps a trailing
 * empty element for "a;"; this drops empty elements so "scrub =" is the
 * empty list. */
static GStrv
split_list(const char *value)
{
  g_auto(GStrv) parts = g_strsplit(value, ";", -1);
  g_autoptr(GPtrArray) out = g_ptr_array_new();
  for (char **p = parts; *p; p++) {
    g_autofree char *item = g_strstrip(g_strdup(*p));
    if (*item)
      g_ptr_array_add(out, g_steal_pointer(&item));
  }
  g_ptr_array_add(out, NULL);
  return (GStrv)g_ptr_array_free(g_steal_pointer(&out), FALSE);
}

/* Checks one value against its spec; `where` is "group/key" for messages. */
static gboolean
check_value(const KeySpec *spec, const char *value, const char *where, GError **error)
{
  guint64 number;

  switch (spec->type) {
  case KEY_PATH:
    if (!g_path_is_absolute(value) || strchr(value, '\n')) {
      g_set_error(error, DM_ERROR, DM_ERROR_CONFIG,
                  "%s: '%s' is not an absolute path", where, value);
      return FALSE;
    }
    return TRUE;
  case KEY_BOOL:
    if (strcmp(value, "true") && strcmp(value, "false") && strcmp(value, "1") &&
        strcmp(value, "0")) {
      g_set_error(error, DM_ERROR, DM_ERROR_CONFIG,
                  "%s: '%s' is not a boolean (true, false, 1 or 0)", where, value);
      return FALSE;
    }
    return TRUE;
  case KEY_BOOL_OR_AUTO:
    if (strcmp(value, "true") && strcmp(value, "false") && strcmp(value, "1") &&
        strcmp(value, "0") && strcmp(value, "auto")) {
      g_set_error(error, DM_ERROR, DM_ERROR_CONFIG,
                  "%s: '%s' is not auto or a boolean (true, false, 1 or 0)", where, value);
      return FALSE;
    }
    return TRUE;
  case KEY_UINT:
    /* A port where a display number was meant: 5901 would listen on TCP
     * 11801.  No one numbers displays that high on purpose. */
    if (g_str_has_prefix(spec->name, "vnc-display") && dm_parse_uint(value, spec->max, &number) &&
        number >= 5900) {
      g_set_error(error, DM_ERROR, DM_ERROR_CONFIG,
                  "%s: '%s' looks like a TCP port; this is a display number, port minus "
                  "5900 (for port %s write %" G_GUINT64_FORMAT ")",
                  where, value, value, number - 5900);
      return FALSE;
    }
    if (!dm_parse_uint(value, spec->max, &number)) {
      g_set_error(error, DM_ERROR, DM_ERROR_CONFIG,
                  "%s: '%s' is not a whole number from 0 to %" G_GUINT64_FORMAT,
                  where, value, spec->max);
      return FALSE;
    }
    return TRUE;
  case KEY_CLASSES:
  case KEY_GUESTS: {
    g_auto(GStrv) items = split_list(value);
    for (char **p = items; *p; p++) {
      gboolean ok = spec->type == KEY_CLASSES
                      ? dm_config_valid_class(*p)
                      : (strcmp(*p, "hvm") == 0 || strcmp(*p, "pv") == 0);
      if (!ok) {
        g_set_error(error, DM_ERROR, DM_ERROR_CONFIG, "%s: '%s' is not %s", where, *p,
                    spec->type == KEY_CLASSES
                      ? "a backend class name (letters, digits, - and _)"
                      : "a guest type (hvm or pv)");
        return FALSE;
      }
    }
    return TRUE;
  }
  case KEY_ADDRESS:
    if (!dm_config_valid_address(value)) {
      g_set_error(error, DM_ERROR, DM_ERROR_CONFIG,
                  "%s: '%s' is not a host name or IP address", where, value);
      return FALSE;
    }
    return TRUE;
  case KEY_SCRUB_MODE:
    if (strcmp(value, "stale") && strcmp(value, "always")) {
      g_set_error(error, DM_ERROR, DM_ERROR_CONFIG,
                  "%s: '%s' is not a scrub mode (stale or always)", where, value);
      return FALSE;
    }
    return TRUE;
  }
  g_assert_not_reached();
}

gboolean
dm_config_valid_address(const char *value)
{
  /* It lands before the first comma of -vnc, where qemu does not unescape
   * ",,": allow only what host names and IPv4/IPv6 literals use. */
  gsize len = strlen(value);
  if (len == 0 || len > 255)
    return FALSE;
  for (const char *p = value; *p; p++)
    if (!g_ascii_isalnum(*p) && !strchr(".-:[]", *p))
      return FALSE;
  return TRUE;
}

static gboolean
validate(GKeyFile *file, const char *origin, GPtrArray *warnings, GError **error)
{
  g_auto(GStrv) groups = g_key_file_get_groups(file, NULL);

  for (char **group = groups; *group; group++) {
    gboolean known = strcmp(*group, GLOBAL_GROUP) == 0;

    if (g_str_has_prefix(*group, DOMAIN_PREFIX)) {
      g_autoptr(GError) local = NULL;
      if (!dm_check_name(*group + strlen(DOMAIN_PREFIX), &local)) {
        g_set_error(error, DM_ERROR, DM_ERROR_CONFIG, "%s: group [%s]: %s", origin,
                    *group, local->message);
        return FALSE;
      }
      known = TRUE;
    }
    if (!known) {
      if (warnings)
        g_ptr_array_add(warnings,
                        g_strdup_printf("%s: unknown group [%s] ignored (expected [%s] "
                                        "or [%sNAME])",
                                        origin, *group, GLOBAL_GROUP, DOMAIN_PREFIX));
      continue;
    }
    g_auto(GStrv) names = g_key_file_get_keys(file, *group, NULL, NULL);
    for (char **key = names; key && *key; key++) {
      const KeySpec *spec = find_key(*key);
      g_autofree char *where = g_strdup_printf("%s: [%s] %s", origin, *group, *key);
      if (spec == NULL) {
        if (warnings)
          g_ptr_array_add(warnings, g_strdup_printf("%s: unknown key ignored", where));
        continue;
      }
      g_autofree char *value = g_key_file_get_value(file, *group, *key, NULL);
      g_strstrip(value);
      if (!check_value(spec, value, where, error))
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
      g_set_error(error, DM_ERROR, DM_ERROR_CONFIG, "%s: line %u: %s: %s", origin, n + 1,
                  why, shown);
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

void
dm_domain_config_free(DmDomainConfig *dc)
{
  if (dc == NULL)
    return;
  g_free(dc->qemu_xen);
  g_free(dc->qemu_xen_traditional);
  g_free(dc->stubdom_qmp_proxy);
  g_strfreev(dc->scrub);
  g_free(dc->run_dir);
  g_free(dc->vnc_listen);
  g_free(dc->vnc_password_file);
  g_free(dc->vnc_tls_dir);
  g_free(dc->dm_chroot_dir);
  g_free(dc);
}

static gboolean
parse_bool(const char *value)
{
  return strcmp(value, "true") == 0 || strcmp(value, "1") == 0;
}

/* Applies every key of one group over `dc`.  Values were checked at parse
 * time, so conversions here cannot fail. */
static void
apply_group(GKeyFile *file, const char *group, DmDomainConfig *dc)
{
  g_auto(GStrv) names = g_key_file_get_keys(file, group, NULL, NULL);

  for (char **key = names; key && *key; key++) {
    const KeySpec *spec = find_key(*key);
    g_autofree char *value = g_key_file_get_value(file, group, *key, NULL);
    guint64 number = 0;

    if (spec == NULL || value == NULL)
      continue;
    g_strstrip(value);
    if (spec->type == KEY_UINT)
      dm_parse_uint(value, spec->max, &number);

    if (strcmp(*key, "qemu-xen") == 0) {
      g_free(dc->qemu_xen);
      dc->qemu_xen = g_strdup(value);
    } else if (strcmp(*key, "qemu-xen-traditional") == 0) {
      g_free(dc->qemu_xen_traditional);
      dc->qemu_xen_traditional = g_strdup(value);
    } else if (strcmp(*key, "scrub") == 0) {
      g_strfreev(dc->scrub);
      dc->scrub = split_list(value);
    } else if (strcmp(*key, "scrub-mode") == 0) {
      dc->scrub_mode = strcmp(value, "always") == 0 ? DM_SCRUB_ALWAYS : DM_SCRUB_STALE;
    } else if (strcmp(*key, "scrub-grace-ms") == 0) {
      dc->scrub_grace_ms = (guint)number;
    } else if (strcmp(*key, "scrub-window-s") == 0) {
      dc->scrub_window_s = (guint)number;
    } else if (strcmp(*key, "scrub-guests") == 0) {
      g_auto(GStrv) guests = split_list(value);
      dc->scrub_hvm = g_strv_contains((const char *const *)guests, "hvm");
      dc->scrub_pv = g_strv_contains((const char *const *)guests, "pv");
    } else if (strcmp(*key, "helper") == 0) {
      dc->helper = strcmp(value, "true") == 0 || strcmp(value, "1") == 0;
    } else if (strcmp(*key, "xenstore-timeout-ms") == 0) {
      dc->xenstore_timeout_ms = (guint)number;
    } else if (strcmp(*key, "stubdom-qmp-proxy") == 0) {
      g_free(dc->stubdom_qmp_proxy);
      dc->stubdom_qmp_proxy = g_strdup(value);
    } else if (strcmp(*key, "run-dir") == 0) {
      g_free(dc->run_dir);
      dc->run_dir = dir_without_trailing_slash(value);
    } else if (strcmp(*key, "vnc-listen") == 0) {
      g_free(dc->vnc_listen);
      dc->vnc_listen = g_strdup(value);
    } else if (strcmp(*key, "vnc-listen-widen") == 0) {
      dc->vnc_listen_widen = parse_bool(value);
    } else if (strcmp(*key, "vnc-display") == 0) {
      dc->vnc_display = (int)number;
    } else if (strcmp(*key, "vnc-display-to") == 0) {
      dc->vnc_display_to = (int)number;
    } else if (strcmp(*key, "vnc-password-file") == 0) {
      g_free(dc->vnc_password_file);
      dc->vnc_password_file = g_strdup(value);
    } else if (strcmp(*key, "vnc-password-xenstore") == 0) {
      dc->vnc_password_xenstore = parse_bool(value);
    } else if (strcmp(*key, "vnc-tls-dir") == 0) {
      g_free(dc->vnc_tls_dir);
      dc->vnc_tls_dir = g_strdup(value);
    } else if (strcmp(*key, "vnc-tls-verify") == 0) {
      dc->vnc_tls_verify = parse_bool(value);
    } else if (strcmp(*key, "sdl") == 0) {
      dc->sdl = parse_bool(value);
    } else if (strcmp(*key, "rlimit-fsize") == 0) {
      dc->rlimit_fsize = number;
    } else if (strcmp(*key, "core-dumps") == 0) {
      dc->core_dumps = parse_bool(value);
    } else if (strcmp(*key, "qemu-sandbox") == 0) {
      dc->qemu_sandbox = strcmp(value, "auto") == 0 ? DM_QEMU_SANDBOX_AUTO
                         : parse_bool(value)       ? DM_QEMU_SANDBOX_REQUIRED
                                                   : DM_QEMU_SANDBOX_OFF;
    } else if (strcmp(*key, "dm-restrict") == 0) {
      dc->dm_restrict = parse_bool(value);
    } else if (strcmp(*key, "dm-uid-base") == 0) {
      dc->dm_uid_base = (guint32)number;
    } else if (strcmp(*key, "helper-uid-base") == 0) {
      dc->helper_uid_base = (guint32)number;
    } else if (strcmp(*key, "dm-chroot-dir") == 0) {
      g_free(dc->dm_chroot_dir);
      dc->dm_chroot_dir = dir_without_trailing_slash(value);
    } else if (strcmp(*key, "syslog") == 0) {
      dc->syslog = parse_bool(value);
    }
  }
}

DmDomainConfig *
dm_config_for_domain(const DmConfig *config, const char *name, GError **error)
{
  g_autoptr(DmDomainConfig) dc = g_new0(DmDomainConfig, 1);

  dc->qemu_xen = g_strdup(DM_DEFAULT_QEMU_XEN);
  dc->qemu_xen_traditional = g_strdup(DM_DEFAULT_QEMU_TRAD);
  dc->scrub = g_strsplit("console;vfb", ";", -1);
  dc->scrub_mode = DM_SCRUB_STALE;
  dc->scrub_grace_ms = 2000;
  dc->scrub_window_s = 60;
  dc->scrub_hvm = TRUE;
  dc->scrub_pv = FALSE;
  dc->helper = TRUE;
  dc->xenstore_timeout_ms = 2000;
  dc->stubdom_qmp_proxy = NULL; /* found at run time: dm_stubdom_find_proxy */
  dc->run_dir = g_strdup(DM_RUNDIR);
  dc->vnc_display = -1;
  dc->vnc_display_to = -1;
  dc->rlimit_fsize = DM_DEFAULT_RLIMIT_FSIZE;
  dc->qemu_sandbox = DM_QEMU_SANDBOX_AUTO;
  dc->dm_uid_base = DM_DEFAULT_UID_BASE;
  dc->helper_uid_base = DM_DEFAULT_HELPER_UID_BASE;

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
  if (dc->helper_uid_base == 0 ||
      (dc->helper_uid_base <= dc->dm_uid_base + DM_DOMID_MAX &&
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
lint_value(const KeySpec *spec, const char *key, const char *value, const char *group,
           guint n, GPtrArray *problems)
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
  if ((spec->type == KEY_CLASSES || spec->type == KEY_GUESTS) &&
      (strchr(value, ',') || strchr(value, '['))) {
    g_autofree char *fixed = g_strdup(value);
    g_strdelimit(fixed, ",", ';');
    g_autoptr(GString) clean = g_string_new(NULL);
    for (const char *p = fixed; *p; p++)
      if (!strchr("[]\"' ", *p))
        g_string_append_c(clean, *p);
    g_ptr_array_add(problems, g_strdup_printf("%s: lists are separated by ';', not written the "
                                              "xl.cfg way: %s = %s", where, key, clean->str));
    return;
  }
  if (!check_value(spec, value, where, &local))
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
                                                  "[launcher] or [domain:NAME]", n + 1));
        continue;
      }
      g_autoptr(GError) local = NULL;
      group_known = strcmp(group, GLOBAL_GROUP) == 0 ||
                    (g_str_has_prefix(group, DOMAIN_PREFIX) &&
                     dm_check_name(group + strlen(DOMAIN_PREFIX), &local));
      if (!group_known)
        g_ptr_array_add(problems, g_strdup_printf(
          "line %u: group [%s] is not [%s] or [%sNAME]%s%s", n + 1, group, GLOBAL_GROUP,
          DOMAIN_PREFIX, local ? ": " : "", local ? local->message : ""));
      continue;
    }
    const char *eq = strchr(line, '=');
    if (eq == NULL || eq == line) {
      g_ptr_array_add(problems, g_strdup_printf(
        "line %u: expected KEY = VALUE, a [group] header or a # comment", n + 1));
      continue;
    }
    g_autofree char *key = g_strstrip(g_strndup(line, (gsize)(eq - line)));
    g_autofree char *value = g_strstrip(g_strdup(eq + 1));
    if (group == NULL) {
      g_ptr_array_add(problems, g_strdup_printf(
        "line %u: %s comes before the first [group] header", n + 1, key));
      continue;
    }
    if (!group_known)
      continue;
    const KeySpec *spec = find_key(key);
    if (spec == NULL) {
      g_autofree char *guess = dashed(key);
      if (find_key(guess))
        g_ptr_array_add(problems, g_strdup_printf(
          "line %u: [%s] unknown key %s: did you mean %s?", n + 1, group, key, guess));
      else
        g_ptr_array_add(problems, g_strdup_printf(
          "line %u: [%s] unknown key %s (ignored at launch)", n + 1, group, key));
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
