/* libFuzzer harness: config text through dm_config_parse and
 * dm_config_for_domain (pure code).  Any file an admin writes must end in
 * a config or in a DM_ERROR_CONFIG error (exit status 2 with a message),
 * never a crash or another error domain; and every resolved domain config
 * must hold only values the parser promised to check. */
#include "fuzz_common.h"

#include <string.h>

#include "config.h"
#include "util.h"

/* Every path key: unset, or absolute and on one line (it ends up in
 * argv, a qemu option or a file name). */
static gboolean
path_ok(const char *path, gboolean may_be_unset)
{
  if (path == NULL)
    return may_be_unset;
  return g_path_is_absolute(path) && strchr(path, '\n') == NULL;
}

static gboolean
is_bool(gboolean b)
{
  return b == TRUE || b == FALSE;
}

/* The settings written back as config text through the key table (as
 * `check DOMAIN` prints them) parse, and resolve to the same values. */
static void
check_round_trip(const DmDomainConfig *dc)
{
  g_autoptr(GString) text = g_string_new("[launcher]\n");
  g_autoptr(GError) error = NULL;

  for (guint i = 0; dm_config_key(i); i++) {
    g_autofree char *value = dm_config_key_value(dm_config_key(i), dc);
    if (value)
      g_string_append_printf(text, "%s = %s\n", dm_config_key(i)->name, value);
  }
  g_autoptr(DmConfig) again = dm_config_parse(text->str, text->len, "again", NULL, &error);
  FUZZ_CHECK(again != NULL);
  g_autoptr(DmDomainConfig) same = dm_config_for_domain(again, NULL, &error);
  FUZZ_CHECK(same != NULL);
  for (guint i = 0; dm_config_key(i); i++) {
    g_autofree char *a = dm_config_key_value(dm_config_key(i), dc);
    g_autofree char *b = dm_config_key_value(dm_config_key(i), same);
    FUZZ_CHECK(g_strcmp0(a, b) == 0);
  }
}

static void
check_domain(const DmConfig *config, const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DmDomainConfig) dc = dm_config_for_domain(config, name, &error);

  /* The one check that needs a domain's whole settings: its helpers' uids
   * must not be 0 nor overlap qemu's.  Each base alone parsed. */
  if (dc == NULL) {
    FUZZ_CHECK(error != NULL && strstr(error->message, "helper-uid-base") != NULL);
    return;
  }
  FUZZ_CHECK(error == NULL);
  FUZZ_CHECK(dc->qemu_xen != NULL && g_path_is_absolute(dc->qemu_xen));
  FUZZ_CHECK(dc->qemu_xen_traditional != NULL && g_path_is_absolute(dc->qemu_xen_traditional));
  FUZZ_CHECK(strchr(dc->qemu_xen, '\n') == NULL);
  FUZZ_CHECK(dc->scrub != NULL);
  for (char **cls = dc->scrub; *cls; cls++)
    FUZZ_CHECK(dm_config_valid_class(*cls));
  FUZZ_CHECK(dc->scrub_mode == DM_SCRUB_STALE || dc->scrub_mode == DM_SCRUB_ALWAYS);
  FUZZ_CHECK(dc->scrub_grace_ms <= 600000);
  FUZZ_CHECK(dc->scrub_window_s <= 86400);
  FUZZ_CHECK(dc->xenstore_timeout_ms <= 60000);
  FUZZ_CHECK(is_bool(dc->scrub_hvm) && is_bool(dc->scrub_pv) && is_bool(dc->helper));
  /* Paths. */
  FUZZ_CHECK(path_ok(dc->stubdom_qmp_proxy, TRUE)); /* unset: found at run time */
  FUZZ_CHECK(path_ok(dc->run_dir, FALSE));
  FUZZ_CHECK(path_ok(dc->vnc_password_file, TRUE));
  FUZZ_CHECK(path_ok(dc->vnc_tls_dir, TRUE));
  FUZZ_CHECK(path_ok(dc->dm_chroot_dir, TRUE));
  /* VNC: an address the checker accepts, a display whose port fits. */
  FUZZ_CHECK(dc->vnc_listen == NULL || dm_config_valid_address(dc->vnc_listen));
  FUZZ_CHECK(dc->vnc_display >= -1 && dc->vnc_display <= (int)DM_VNC_DISPLAY_MAX);
  FUZZ_CHECK(dc->vnc_display_to >= -1 && dc->vnc_display_to <= (int)DM_VNC_DISPLAY_MAX);
  FUZZ_CHECK(is_bool(dc->vnc_listen_widen) && is_bool(dc->vnc_password_xenstore) &&
             is_bool(dc->vnc_tls_verify) && is_bool(dc->sdl));
  /* Sandbox: a limit that fits rlim_t's signed range, and a uid base that
   * cannot overflow when the largest domid is added to it. */
  FUZZ_CHECK(dc->rlimit_fsize <= (guint64)G_MAXINT64);
  FUZZ_CHECK((guint64)dc->dm_uid_base + DM_DOMID_MAX < (guint64)G_MAXUINT32);
  FUZZ_CHECK(is_bool(dc->core_dumps) && is_bool(dc->dm_restrict));
  FUZZ_CHECK(dc->qemu_sandbox == DM_QEMU_SANDBOX_AUTO || dc->qemu_sandbox == DM_QEMU_SANDBOX_OFF ||
             dc->qemu_sandbox == DM_QEMU_SANDBOX_REQUIRED);
  check_round_trip(dc);
}

/* The names of the [domain:NAME] groups in the text, read naively so that
 * the harness resolves the groups the fuzzer wrote. */
static GPtrArray *
domain_names(const char *text)
{
  GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
  g_auto(GStrv) lines = g_strsplit(text, "\n", 64);

  for (char **line = lines; *line; line++) {
    g_autofree char *l = g_strstrip(g_strdup(*line));
    gsize len = strlen(l);
    if (g_str_has_prefix(l, "[domain:") && len > 9 && l[len - 1] == ']')
      g_ptr_array_add(names, g_strndup(l + 8, len - 9));
  }
  return names;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  /* The loader hands over file contents plus a terminating NUL. */
  g_autofree char *text = g_strndup((const char *)data, size);
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(DmConfig) config = NULL;
  g_autoptr(GPtrArray) names = NULL;

  config = dm_config_parse((const char *)data, size, "fuzz.conf", warnings, &error);
  if (config == NULL) {
    FUZZ_CHECK(error != NULL);
    if (error->domain != DM_ERROR || error->code != DM_ERROR_CONFIG) {
      fprintf(stderr, "error outside DM_ERROR_CONFIG (%s %d): %s\n",
              g_quark_to_string(error->domain), error->code, error->message);
      abort();
    }
    FUZZ_CHECK(g_str_has_prefix(error->message, "fuzz.conf: "));
    return 0;
  }
  for (guint i = 0; i < warnings->len; i++)
    FUZZ_CHECK(g_str_has_prefix(g_ptr_array_index(warnings, i), "fuzz.conf: "));

  check_domain(config, NULL);
  check_domain(config, "win7");
  names = domain_names(text);
  for (guint i = 0; i < names->len; i++)
    check_domain(config, g_ptr_array_index(names, i));
  return 0;
}
