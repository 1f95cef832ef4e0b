#include "check.h"
#include "build_config.h"
#include "config.h"
#include "qemu_probe.h"
#include "log.h"
#include "util.h"
#include "vnc.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
  guint problems;
  GHashTable *seen; /* paths already checked */
} Report;

static void problem(Report *r, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void
problem(Report *r, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *text = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  printf("  problem: %s\n", text);
  r->problems++;
}

static gboolean
first_time(Report *r, const char *what, const char *path)
{
  g_autofree char *key = g_strconcat(what, ":", path, NULL);
  if (g_hash_table_contains(r->seen, key))
    return FALSE;
  g_hash_table_add(r->seen, g_steal_pointer(&key));
  return TRUE;
}

/* A qemu binary: there, executable, and answering like qemu.  A missing
 * qemu-xen-traditional at its built-in path is only a note: Debian ships
 * none, and only xend-style (qemu-dm) guests use it. */
static void
check_qemu(Report *r, const char *key, const char *path, gboolean optional)
{
  if (!first_time(r, "qemu", path))
    return;
  if (access(path, F_OK) < 0 && optional) {
    printf("  %s: %s is not installed (only xend-style guests need it)\n", key, path);
    return;
  }
  if (access(path, X_OK) < 0) {
    problem(r, "%s: %s: %s", key, path, g_strerror(errno));
    return;
  }
  g_autofree char *version = dm_qemu_version(path);
  if (version == NULL)
    problem(r, "%s: %s does not answer -version like qemu", key, path);
  else
    printf("  %s: %s: %s\n", key, path, version);
}

/* A credential file: a regular file, readable, and, when `secret` (a
 * password, a private key), not world-readable.  Certificates are public:
 * 0644 is their usual mode. */
static void
check_credential_file(Report *r, const char *key, const char *path, gboolean secret)
{
  struct stat st;
  if (!first_time(r, "secret", path))
    return;
  if (stat(path, &st) < 0) {
    problem(r, "%s: %s: %s", key, path, g_strerror(errno));
    return;
  }
  if (!S_ISREG(st.st_mode)) {
    problem(r, "%s: %s is not a regular file", key, path);
    return;
  }
  if (secret && (st.st_mode & S_IROTH)) {
    problem(r, "%s: %s is world-readable (mode %04o): chmod o-r it", key, path,
            (unsigned)(st.st_mode & 07777));
    return;
  }
  if (access(path, R_OK) < 0) {
    problem(r, "%s: %s cannot be read%s: %s", key, path,
            geteuid() == 0 ? "" : " (check runs as root to read it as the launcher does)",
            g_strerror(errno));
    return;
  }
  printf("  %s: %s: a regular file, mode %04o, owner uid %u\n", key, path,
         (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid);
}

static void
check_tls_dir(Report *r, const char *dir)
{
  struct stat st;
  if (!first_time(r, "tls", dir))
    return;
  if (stat(dir, &st) < 0) {
    problem(r, "vnc-tls-dir: %s: %s", dir, g_strerror(errno));
    return;
  }
  if (!S_ISDIR(st.st_mode)) {
    problem(r, "vnc-tls-dir: %s is not a directory", dir);
    return;
  }
  for (const char *const *f = dm_vnc_tls_files; *f; f++) {
    g_autofree char *path = g_build_filename(dir, *f, NULL);
    check_credential_file(r, "vnc-tls-dir", path, strcmp(*f, "server-key.pem") == 0);
  }
}

static void
check_domain(Report *r, const DmDomainConfig *dc)
{
  check_qemu(r, "qemu-xen", dc->qemu_xen, FALSE);
  check_qemu(r, "qemu-xen-traditional", dc->qemu_xen_traditional,
             strcmp(dc->qemu_xen_traditional, DM_DEFAULT_QEMU_TRAD) == 0);
  if (dc->vnc_password_file)
    check_credential_file(r, "vnc-password-file", dc->vnc_password_file, TRUE);
  if (dc->vnc_tls_dir)
    check_tls_dir(r, dc->vnc_tls_dir);
}

static void
print_settings(const char *name, const DmDomainConfig *dc, gboolean has_group)
{
  printf("settings for domain %s%s:\n", name,
         has_group ? "" : " (no [domain:NAME] group: the [launcher] settings)");
  for (guint i = 0; dm_config_key(i); i++) {
    const DmConfigKey *key = dm_config_key(i);
    g_autofree char *value = key->flags & DM_CONFIG_KEY_SHOWN ? dm_config_key_value(key, dc) : NULL;
    if (value)
      printf("  %s = %s\n", key->name, value);
  }
}

/* TEXT without the lines named by "line N: ..." messages. */
static char *
without_lines(const char *text, GPtrArray *problems)
{
  g_autoptr(GHashTable) drop = g_hash_table_new(g_direct_hash, g_direct_equal);
  for (guint i = 0; i < problems->len; i++) {
    unsigned n;
    if (sscanf(problems->pdata[i], "line %u:", &n) == 1)
      g_hash_table_add(drop, GUINT_TO_POINTER(n));
  }
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  GString *out = g_string_new(NULL);
  for (guint n = 0; lines[n]; n++)
    if (!g_hash_table_contains(drop, GUINT_TO_POINTER(n + 1)))
      g_string_append_printf(out, "%s\n", lines[n]);
  return g_string_free(out, FALSE);
}

gboolean
dm_check_run(const DmCli *cli, gboolean *problems, GError **error)
{
  const char *name = cli->rest && cli->rest[0] ? cli->rest[1] : NULL;
  const char *path = cli->config_path ? cli->config_path : DM_DEFAULT_CONFIG;
  g_autoptr(GError) local = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GPtrArray) lint = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(DmConfig) config = NULL;
  gsize length = 0;
  Report r = { 0, g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL) };

  if ((name && cli->rest[2]) || cli->toolstack_argc > 0) {
    g_set_error(error, DM_ERROR, DM_ERROR_INVALID, "usage: %s check [--config FILE] [DOMAIN-NAME]",
                DM_PROGRAM_NAME);
    g_hash_table_unref(r.seen);
    return FALSE;
  }
  if (!g_file_get_contents(path, &text, &length, &local)) {
    if (cli->config_path != NULL || !g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
      g_set_error(error, DM_ERROR, DM_ERROR_CONFIG, "check: cannot read config: %s",
                  local->message);
      g_hash_table_unref(r.seen);
      return FALSE;
    }
    printf("config: %s does not exist: built-in defaults\n", path);
    config = dm_config_new_default();
  } else {
    printf("config: %s\n", path);
    dm_config_lint(text, lint);
    for (guint i = 0; i < lint->len; i++)
      problem(&r, "%s", (char *)lint->pdata[i]);
    g_clear_error(&local);
    /* The rest is checked with the lines that have problems left out, so
     * that one bad line does not hide a missing qemu. */
    g_autofree char *rest = without_lines(text, lint);
    config = dm_config_parse(rest, strlen(rest), path, NULL, &local);
    if (config == NULL) {
      problem(&r, "%s", local->message);
      printf("the config does not parse: qemu and secret files not checked\n");
    }
  }

  if (config) {
    g_auto(GStrv) groups = dm_config_domain_groups(config);
    printf("binaries and secret files:\n");
    for (char **g = NULL;; g = g ? g + 1 : groups) {
      if (g && *g == NULL)
        break;
      g_autoptr(GError) why = NULL;
      g_autoptr(DmDomainConfig) dc = dm_config_for_domain(config, g ? *g : NULL, &why);
      if (dc)
        check_domain(&r, dc);
      else if (first_time(&r, "domain", why->message))
        problem(&r, "%s", why->message);
    }
    if (*groups) {
      g_autofree char *list = g_strjoinv(", ", groups);
      printf("domain groups: %s\n", list);
    } else {
      printf("domain groups: none (every domain gets the [launcher] settings)\n");
    }
    g_autoptr(DmDomainConfig) dc = name ? dm_config_for_domain(config, name, NULL) : NULL;
    if (dc)
      print_settings(name, dc, g_strv_contains((const char *const *)groups, name));
  }
  g_hash_table_unref(r.seen);
  if (r.problems)
    printf("%u problem%s found\n", r.problems, r.problems == 1 ? "" : "s");
  else
    printf("ok: no problems found\n");
  *problems = r.problems > 0;
  if (!dm_print_stdout(NULL, "report", error))
    return FALSE;
  return TRUE;
}
