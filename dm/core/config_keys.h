/* The config keys: one table (config_keys.c) says, for every key, what
 * its value is, how it is checked, its default, the DmDomainConfig field
 * it sets, and where it is shown.  Parsing (config.c), `check` and the dry
 * run read the keys from it.  Pure code. */
#pragma once
#include <glib.h>

typedef enum {
  DM_SCRUB_STALE,  /* remove a backend only while it stays unserved */
  DM_SCRUB_ALWAYS, /* the old shell wrapper's behaviour */
} DmScrubMode;

/* qemu-sandbox: qemu's own seccomp filter (-sandbox). */
typedef enum {
  DM_QEMU_SANDBOX_AUTO,     /* where the qemu has it; a warning where not */
  DM_QEMU_SANDBOX_OFF,      /* never */
  DM_QEMU_SANDBOX_REQUIRED, /* "true": no launch without it */
} DmQemuSandbox;

/* The settings that apply to one domain: built-in defaults, overridden by
 * [launcher], overridden by [domain:NAME].  Each field is a key's, as the
 * table in config_keys.c says (scrub-guests sets scrub_hvm and scrub_pv):
 * a new key is a field here and a row there. */
typedef struct {
  char *qemu_xen;
  char *qemu_xen_traditional;
  GStrv scrub; /* backend classes, e.g. {"console", "vfb"} */
  DmScrubMode scrub_mode;
  guint scrub_grace_ms;
  guint scrub_window_s;
  gboolean scrub_hvm; /* scrub-guests contains "hvm" */
  gboolean scrub_pv;  /* scrub-guests contains "pv" */
  gboolean helper;
  guint xenstore_timeout_ms; /* bound on every xenstore wait before exec */
  char *stubdom_qmp_proxy;   /* stub domain mode: Xen's vchan-socket-proxy;
                                NULL: found at run time (stubdom.h) */
  char *run_dir;             /* private run directory (secrets, probe cache) */
  /* VNC: NULL / -1 / FALSE leave the toolstack's -vnc as it was. */
  char *vnc_listen; /* listen address; wider than the toolstack's
                       only with vnc_listen_widen */
  gboolean vnc_listen_widen;
  int vnc_display;                /* fixed display, or the first tried with _to */
  int vnc_display_to;             /* last display tried (qemu's to=) */
  char *vnc_password_file;        /* password source; wins over xenstore */
  gboolean vnc_password_xenstore; /* /vm/<uuid>/vncpasswd, consumed */
  char *vnc_tls_dir;              /* ca-cert.pem, server-cert.pem, server-key.pem */
  gboolean vnc_tls_verify;        /* require client certificates (x509verify) */
  gboolean sdl;                   /* open an SDL window (needs DISPLAY) */
  /* Sandbox */
  guint64 rlimit_fsize;       /* bytes; 0: no limit (XSA-180) */
  gboolean core_dumps;        /* FALSE: RLIMIT_CORE 0 */
  DmQemuSandbox qemu_sandbox; /* -sandbox ...: auto, false or true (required) */
  gboolean dm_restrict;       /* per-domain uid, empty chroot, domid restrict */
  guint32 dm_uid_base;        /* qemu runs as uid = gid = base + domid */
  guint32 helper_uid_base;    /* the scrub helper runs as uid = gid = base +
                                 domid (docs/helper-uids.md) */
  char *dm_chroot_dir;        /* per-domain chroots under here; NULL:
                                 <run-dir>/root */
  gboolean syslog;            /* copy log lines to syslog too */
} DmDomainConfig;

/* Highest VNC display number: port 5900 + N must fit in 16 bits. */
#define DM_VNC_DISPLAY_MAX 59635

/* Whether `value` may be used as a listen address (host name, IPv4 or
 * bracketed IPv6 literal). */
gboolean dm_config_valid_address(const char *value);

/* Whether `name` may be a backend class in `scrub =`: it becomes a
 * xenstore path component, so letters, digits, - and _ only, 1..32 bytes. */
gboolean dm_config_valid_class(const char *name);

const char *dm_scrub_mode_name(DmScrubMode mode);

/* What the table says of each key; dm_config_key(0), (1), ... in the
 * order `check` lists them. */
typedef enum {
  DM_CONFIG_KEY_SHOWN = 1 << 0,   /* `check DOMAIN` lists its value, when set */
  DM_CONFIG_KEY_IN_PLAN = 1 << 1, /* the dry run's JSON carries its value */
} DmConfigKeyFlags;

typedef struct {
  const char *name;     /* "scrub-grace-ms" */
  const char *value;    /* what the value is, as the man page writes it:
                           "N", "PATH", "stale|always" */
  const char *fallback; /* the default, as the file would spell it; NULL:
                           unset */
  DmConfigKeyFlags flags;
  const char *doc; /* one line */
} DmConfigKey;

/* The key in row `i`, or NULL past the last. */
const DmConfigKey *dm_config_key(guint i);
/* `dc`'s value of `key`, as the config file would spell it; NULL: unset. */
char *dm_config_key_value(const DmConfigKey *key, const DmDomainConfig *dc);
/* Whether `key`'s value is a whole number (JSON writes it as one). */
gboolean dm_config_key_is_number(const DmConfigKey *key);
/* The key named `name`, or NULL. */
const DmConfigKey *dm_config_key_find(const char *name);
/* Checks a value an admin wrote for `key`; `where` ("file: [group] key")
 * starts the message. */
gboolean dm_config_key_check(const DmConfigKey *key, const char *value, const char *where,
                             GError **error);
/* Whether `key`'s value is a ;-separated list. */
gboolean dm_config_key_is_list(const DmConfigKey *key);
/* Stores a checked value (NULL: unset, where the key may be) into `dc`. */
void dm_config_key_store(const DmConfigKey *key, const char *value, DmDomainConfig *dc);

/* Every key at its default. */
DmDomainConfig *dm_domain_config_new(void);
void dm_domain_config_free(DmDomainConfig *dc);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DmDomainConfig, dm_domain_config_free)
