#include "config_keys.h"
#include "build_config.h"
#include "util.h"

#include <stddef.h>
#include <string.h>

/* How a key's value is checked and where it goes. */
typedef enum {
  KEY_PATH,    /* absolute path; char * */
  KEY_DIR,     /* absolute path, kept without a trailing '/'; char * */
  KEY_ADDRESS, /* a host name or IP address to listen on; char * */
  KEY_UINT,    /* a whole number up to `max`; guint, guint32 or guint64 */
  KEY_DISPLAY, /* a VNC display number; int, -1 when unset */
  KEY_WORD,    /* one word of `words`; int (gboolean or an enum) */
  KEY_CLASSES, /* ;-separated backend class names, may be empty; GStrv */
  KEY_FLAGS,   /* ;-separated words of `words`, each a gboolean field */
} KeyType;

typedef struct {
  const char *word;
  int value; /* KEY_WORD: what the word stores; KEY_FLAGS: the offset in
                DmDomainConfig of the gboolean the word sets */
} Word;

/* The words a KEY_WORD value or a KEY_FLAGS list may hold. */
typedef struct {
  const char *what; /* for "'x' is not ..." */
  Word words[6];    /* up to the first NULL word; for KEY_WORD the first
                       word of a value spells it back */
} WordSet;

static const WordSet booleans = {
  "a boolean (true, false, 1 or 0)",
  { { "true", TRUE }, { "false", FALSE }, { "1", TRUE }, { "0", FALSE } },
};
static const WordSet scrub_modes = {
  "a scrub mode (stale or always)",
  { { "stale", DM_SCRUB_STALE }, { "always", DM_SCRUB_ALWAYS } },
};
static const WordSet sandbox_modes = {
  "auto or a boolean (true, false, 1 or 0)",
  { { "auto", DM_QEMU_SANDBOX_AUTO },
    { "true", DM_QEMU_SANDBOX_REQUIRED },
    { "false", DM_QEMU_SANDBOX_OFF },
    { "1", DM_QEMU_SANDBOX_REQUIRED },
    { "0", DM_QEMU_SANDBOX_OFF } },
};
static const WordSet guest_types = {
  "a guest type (hvm or pv)",
  { { "hvm", offsetof(DmDomainConfig, scrub_hvm) }, { "pv", offsetof(DmDomainConfig, scrub_pv) } },
};
#define CLASS_WHAT "a backend class name (letters, digits, - and _)"

/* KEY_WORD stores an int into a gboolean or an enum field. */
G_STATIC_ASSERT(sizeof(DmScrubMode) == sizeof(int));
G_STATIC_ASSERT(sizeof(DmQemuSandbox) == sizeof(int));

typedef struct {
  DmConfigKey key; /* first: dm_config_key hands it out */
  KeyType type;
  gsize offset;         /* the field in DmDomainConfig */
  gsize size;           /* its size */
  guint64 max;          /* KEY_UINT, KEY_DISPLAY */
  const WordSet *words; /* KEY_WORD, KEY_FLAGS */
} KeySpec;

/* The field `f` of DmDomainConfig, which must be as large as `type`: a
 * row that stores into the wrong field does not compile. */
#define FIELD(f, type)                                                                             \
  .offset = offsetof(DmDomainConfig, f) +                                                          \
            0 * sizeof(char[sizeof(((DmDomainConfig *)0)->f) == sizeof(type) ? 1 : -1]),           \
  .size = sizeof(((DmDomainConfig *)0)->f)
#define PATH_KEY(f) .type = KEY_PATH, FIELD(f, char *)
#define DIR_KEY(f) .type = KEY_DIR, FIELD(f, char *)
#define UINT_KEY(f, type_, max_) .type = KEY_UINT, FIELD(f, type_), .max = (max_)
#define WORD_KEY(f, set) .type = KEY_WORD, FIELD(f, int), .words = &(set)
#define SHOWN DM_CONFIG_KEY_SHOWN
#define IN_PLAN DM_CONFIG_KEY_IN_PLAN

/* Every key the launcher reads, in the order `check` lists them: the one
 * place a key is defined.  Parsing, checking, defaults, `check DOMAIN` and
 * the dry run's JSON follow it; tests/unit/test_config_keys.c checks that
 * the man page, etc/qemu-dm-launcher.conf and docs/configuration.md list
 * exactly these keys.  A key's `fallback` is its default, as the file
 * would spell it (NULL: unset). */
static const KeySpec keys[] = {
  { { "qemu-xen", "PATH", DM_DEFAULT_QEMU_XEN, SHOWN, "upstream qemu binary" },
    PATH_KEY(qemu_xen) },
  { { "qemu-xen-traditional", "PATH", DM_DEFAULT_QEMU_TRAD, SHOWN, "traditional qemu-dm binary" },
    PATH_KEY(qemu_xen_traditional) },
  { { "scrub", "CLASS[;CLASS...]", "console;vfb", SHOWN,
      "backend classes to scrub; empty turns it off" },
    .type = KEY_CLASSES,
    FIELD(scrub, GStrv) },
  { { "scrub-mode", "stale|always", "stale", SHOWN | IN_PLAN,
      "stale: only while state stays 1; always: at once" },
    WORD_KEY(scrub_mode, scrub_modes) },
  { { "scrub-grace-ms", "N", "2000", SHOWN | IN_PLAN, "how long state 1 must last in stale mode" },
    UINT_KEY(scrub_grace_ms, guint, 600000) },
  { { "scrub-window-s", "N", "60", SHOWN | IN_PLAN, "how long the helper watches after exec" },
    UINT_KEY(scrub_window_s, guint, 86400) },
  { { "scrub-guests", "hvm[;pv]", "hvm", SHOWN, "guest types scrubbed" },
    .type = KEY_FLAGS,
    FIELD(scrub_hvm, gboolean),
    .words = &guest_types },
  { { "helper", "true|false", "true", SHOWN, "fork the detached scrub helper" },
    WORD_KEY(helper, booleans) },
  { { "xenstore-timeout-ms", "N", "2000", 0, "bound on waiting for xenstored before exec" },
    UINT_KEY(xenstore_timeout_ms, guint, 60000) },
  { { "stubdom-qmp-proxy", "PATH", NULL, 0,
      "stub-domain mode: Xen's vchan-socket-proxy; unset: found at run time" },
    PATH_KEY(stubdom_qmp_proxy) },
  /* VNC, SDL, run directory */
  { { "run-dir", "DIR", DM_RUNDIR, 0,
      "private run directory: VNC secret files, qemu probe cache, chroots" },
    DIR_KEY(run_dir) },
  { { "vnc-listen", "ADDRESS", NULL, SHOWN, "VNC listen address; unset: the toolstack's" },
    .type = KEY_ADDRESS,
    FIELD(vnc_listen, char *) },
  { { "vnc-listen-widen", "true|false", "false", 0,
      "allow vnc-listen to open VNC wider than the toolstack asked" },
    WORD_KEY(vnc_listen_widen, booleans) },
  /* A port where a display was meant is refused with a hint (KEY_DISPLAY). */
  { { "vnc-display", "N", NULL, SHOWN,
      "fixed VNC display (port 5900+N), or the first tried with vnc-display-to" },
    .type = KEY_DISPLAY,
    FIELD(vnc_display, int),
    .max = DM_VNC_DISPLAY_MAX },
  { { "vnc-display-to", "M", NULL, 0, "the last display tried (qemu's to=)" },
    .type = KEY_DISPLAY,
    FIELD(vnc_display_to, int),
    .max = DM_VNC_DISPLAY_MAX },
  { { "vnc-password-file", "PATH", NULL, SHOWN, "VNC password from this file" },
    PATH_KEY(vnc_password_file) },
  { { "vnc-password-xenstore", "true|false", "false", 0,
      "VNC password from /vm/<uuid>/vncpasswd, cleared once consumed" },
    WORD_KEY(vnc_password_xenstore, booleans) },
  { { "vnc-tls-dir", "DIR", NULL, SHOWN, "VNC TLS credentials in libvirt's layout" },
    PATH_KEY(vnc_tls_dir) },
  { { "vnc-tls-verify", "true|false", "false", 0, "require and check client certificates" },
    WORD_KEY(vnc_tls_verify, booleans) },
  { { "sdl", "true|false", "false", 0, "open an SDL window (needs DISPLAY)" },
    WORD_KEY(sdl, booleans) },
  /* Sandbox.  rlimit-fsize: XSA-180, enough for qemu's own log, not for a
   * guest filling dom0 (256 KiB). */
  { { "rlimit-fsize", "BYTES", "262144", SHOWN, "RLIMIT_FSIZE for qemu; 0: none" },
    UINT_KEY(rlimit_fsize, guint64, G_MAXINT64) },
  { { "core-dumps", "true|false", "false", SHOWN,
      "keep qemu's core dumps (otherwise RLIMIT_CORE 0)" },
    WORD_KEY(core_dumps, booleans) },
  { { "qemu-sandbox", "auto|true|false", "auto", SHOWN, "qemu's own seccomp filter (-sandbox)" },
    WORD_KEY(qemu_sandbox, sandbox_modes) },
  { { "dm-restrict", "true|false", "false", SHOWN,
      "qemu runs as its own uid, chrooted, with -xen-domid-restrict" },
    WORD_KEY(dm_restrict, booleans) },
  /* libxl asks for a 'xen-qemuuser-range-base' user; 131072 is past the
   * ranges Debian hands out (users < 60000, subuids from 100000 by 65536).
   * The largest domid added to a base must fit in a uid. */
  { { "dm-uid-base", "N", "131072", 0, "base of the per-domain uids for dm-restrict" },
    UINT_KEY(dm_uid_base, guint32, G_MAXUINT32 - DM_DOMID_MAX - 1) },
  /* The scrub helpers' range: 0x70000000 + domid.  Past every range that
   * Debian, shadow's subuids and systemd hand out (systemd's "Users,
   * Groups, UIDs and GIDs" lists 1879048192..2147352575 as unused), below
   * 2^31 where tools that treat uids as signed go wrong.  Must not overlap
   * dm-uid-base's range (docs/helper-uids.md). */
  { { "helper-uid-base", "N", "1879048192", 0,
      "the scrub helper runs as uid = gid = base + domid" },
    UINT_KEY(helper_uid_base, guint32, G_MAXUINT32 - DM_DOMID_MAX - 1) },
  { { "dm-chroot-dir", "DIR", NULL, 0,
      "where the per-domain chroots are made; unset: RUN-DIR/root" },
    DIR_KEY(dm_chroot_dir) },
  /* Logging */
  { { "syslog", "true|false", "false", SHOWN, "also send log lines to syslog" },
    WORD_KEY(syslog, booleans) },
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

/* The row of a key: its DmConfigKey is the row's first member. */
static const KeySpec *
spec_of(const DmConfigKey *key)
{
  return (const KeySpec *)key;
}

const DmConfigKey *
dm_config_key_find(const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS(keys); i++)
    if (strcmp(keys[i].key.name, name) == 0)
      return &keys[i].key;
  return NULL;
}

/* The first word that stores `value`: its spelling in the file. */
static const char *
word_for(const WordSet *set, int value)
{
  for (const Word *w = set->words; w->word; w++)
    if (w->value == value)
      return w->word;
  g_assert_not_reached();
}

static const Word *
find_word(const WordSet *set, const char *word)
{
  for (const Word *w = set->words; w->word; w++)
    if (strcmp(w->word, word) == 0)
      return w;
  return NULL;
}

const char *
dm_scrub_mode_name(DmScrubMode mode)
{
  return word_for(&scrub_modes, mode);
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

gboolean
dm_config_key_check(const DmConfigKey *key, const char *value, const char *where, GError **error)
{
  const KeySpec *spec = spec_of(key);
  guint64 number;
  const char *what = NULL;

  switch (spec->type) {
  case KEY_PATH:
  case KEY_DIR:
    if (!g_path_is_absolute(value) || strchr(value, '\n'))
      what = "an absolute path";
    break;
  case KEY_ADDRESS:
    if (!dm_config_valid_address(value))
      what = "a host name or IP address";
    break;
  case KEY_WORD:
    if (find_word(spec->words, value) == NULL)
      what = spec->words->what;
    break;
  case KEY_DISPLAY:
    /* A port where a display number was meant: 5901 would listen on TCP
     * 11801.  No one numbers displays that high on purpose. */
    if (dm_parse_uint(value, spec->max, &number) && number >= 5900) {
      g_set_error(error, DM_ERROR, DM_ERROR_CONFIG,
                  "%s: '%s' looks like a TCP port; this is a display number, port minus "
                  "5900 (for port %s write %" G_GUINT64_FORMAT ")",
                  where, value, value, number - 5900);
      return FALSE;
    }
    /* fall through */
  case KEY_UINT:
    if (!dm_parse_uint(value, spec->max, &number)) {
      g_set_error(error, DM_ERROR, DM_ERROR_CONFIG,
                  "%s: '%s' is not a whole number from 0 to %" G_GUINT64_FORMAT, where, value,
                  spec->max);
      return FALSE;
    }
    break;
  case KEY_CLASSES:
  case KEY_FLAGS: {
    g_auto(GStrv) items = split_list(value);
    for (char **p = items; *p; p++) {
      gboolean ok =
        spec->type == KEY_CLASSES ? dm_config_valid_class(*p) : find_word(spec->words, *p) != NULL;
      if (!ok) {
        g_set_error(error, DM_ERROR, DM_ERROR_CONFIG, "%s: '%s' is not %s", where, *p,
                    spec->type == KEY_CLASSES ? CLASS_WHAT : spec->words->what);
        return FALSE;
      }
    }
    break;
  }
  }
  if (what == NULL)
    return TRUE;
  g_set_error(error, DM_ERROR, DM_ERROR_CONFIG, "%s: '%s' is not %s", where, value, what);
  return FALSE;
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

#define FIELD_AT(dc, spec, type) G_STRUCT_MEMBER(type, (dc), (spec)->offset)

void
dm_config_key_store(const DmConfigKey *key, const char *value, DmDomainConfig *dc)
{
  const KeySpec *spec = spec_of(key);
  guint64 number = 0;

  switch (spec->type) {
  case KEY_PATH:
  case KEY_ADDRESS:
    g_free(FIELD_AT(dc, spec, char *));
    FIELD_AT(dc, spec, char *) = g_strdup(value);
    return;
  case KEY_DIR:
    g_free(FIELD_AT(dc, spec, char *));
    FIELD_AT(dc, spec, char *) = value ? dir_without_trailing_slash(value) : NULL;
    return;
  case KEY_UINT:
    g_assert(value != NULL);
    dm_parse_uint(value, spec->max, &number);
    if (spec->size == sizeof(guint64))
      FIELD_AT(dc, spec, guint64) = number;
    else
      FIELD_AT(dc, spec, guint32) = (guint32)number;
    return;
  case KEY_DISPLAY:
    FIELD_AT(dc, spec, int) = value && dm_parse_uint(value, spec->max, &number) ? (int)number : -1;
    return;
  case KEY_WORD:
    g_assert(value != NULL);
    FIELD_AT(dc, spec, int) = find_word(spec->words, value)->value;
    return;
  case KEY_CLASSES:
    g_assert(value != NULL);
    g_strfreev(FIELD_AT(dc, spec, GStrv));
    FIELD_AT(dc, spec, GStrv) = split_list(value);
    return;
  case KEY_FLAGS: {
    g_assert(value != NULL);
    g_auto(GStrv) items = split_list(value);
    for (const Word *w = spec->words->words; w->word; w++)
      G_STRUCT_MEMBER(gboolean, dc, w->value) =
        g_strv_contains((const char *const *)items, w->word);
    return;
  }
  }
  g_assert_not_reached();
}

DmDomainConfig *
dm_domain_config_new(void)
{
  DmDomainConfig *dc = g_new0(DmDomainConfig, 1);

  for (gsize i = 0; i < G_N_ELEMENTS(keys); i++)
    dm_config_key_store(&keys[i].key, keys[i].key.fallback, dc);
  return dc;
}

void
dm_domain_config_free(DmDomainConfig *dc)
{
  if (dc == NULL)
    return;
  for (gsize i = 0; i < G_N_ELEMENTS(keys); i++) {
    const KeySpec *spec = &keys[i];
    if (spec->type == KEY_CLASSES)
      g_strfreev(FIELD_AT(dc, spec, GStrv));
    else if (spec->type == KEY_PATH || spec->type == KEY_DIR || spec->type == KEY_ADDRESS)
      g_free(FIELD_AT(dc, spec, char *));
  }
  g_free(dc);
}

const DmConfigKey *
dm_config_key(guint i)
{
  return i < G_N_ELEMENTS(keys) ? &keys[i].key : NULL;
}

char *
dm_config_key_value(const DmConfigKey *key, const DmDomainConfig *dc)
{
  const KeySpec *spec = spec_of(key);

  switch (spec->type) {
  case KEY_PATH:
  case KEY_DIR:
  case KEY_ADDRESS:
    return g_strdup(FIELD_AT(dc, spec, char *));
  case KEY_UINT:
    return g_strdup_printf("%" G_GUINT64_FORMAT, spec->size == sizeof(guint64)
                                                   ? FIELD_AT(dc, spec, guint64)
                                                   : FIELD_AT(dc, spec, guint32));
  case KEY_DISPLAY:
    return FIELD_AT(dc, spec, int) < 0 ? NULL : g_strdup_printf("%d", FIELD_AT(dc, spec, int));
  case KEY_WORD:
    return g_strdup(word_for(spec->words, FIELD_AT(dc, spec, int)));
  case KEY_CLASSES:
    return g_strjoinv(";", FIELD_AT(dc, spec, GStrv));
  case KEY_FLAGS: {
    g_autoptr(GPtrArray) set = g_ptr_array_new();
    for (const Word *w = spec->words->words; w->word; w++)
      if (G_STRUCT_MEMBER(gboolean, dc, w->value))
        g_ptr_array_add(set, (char *)w->word);
    g_ptr_array_add(set, NULL);
    return g_strjoinv(";", (char **)set->pdata);
  }
  }
  g_assert_not_reached();
}

gboolean
dm_config_key_is_number(const DmConfigKey *key)
{
  return spec_of(key)->type == KEY_UINT || spec_of(key)->type == KEY_DISPLAY;
}

gboolean
dm_config_key_is_list(const DmConfigKey *key)
{
  return spec_of(key)->type == KEY_CLASSES || spec_of(key)->type == KEY_FLAGS;
}
