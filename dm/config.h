/* The launcher's config file: GKeyFile with a global [launcher] group and
 * per-domain [domain:NAME] groups.  Pure code: loading takes the file's
 * text, so that tests and fuzzers drive it without touching files. */
#pragma once
#include <glib.h>

typedef enum {
  DM_SCRUB_STALE,   /* remove a backend only while it stays unserved */
  DM_SCRUB_ALWAYS,  /* the old shell wrapper's behaviour */
} DmScrubMode;

/* The settings that apply to one domain: built-in defaults, overridden by
 * [launcher], overridden by [domain:NAME]. */
typedef struct {
  char *qemu_xen;
  char *qemu_xen_traditional;
  GStrv scrub;              /* backend classes, e.g. {"console", "vfb"} */
  DmScrubMode scrub_mode;
  guint scrub_grace_ms;
  guint scrub_window_s;
  gboolean scrub_hvm;       /* scrub-guests contains "hvm" */
  gboolean scrub_pv;        /* scrub-guests contains "pv" */
  gboolean helper;
  guint xenstore_timeout_ms; /* bound on every xenstore wait before exec */
  char *stubdom_qmp_proxy;  /* stub domain mode: Xen's vchan-socket-proxy */
} DmDomainConfig;

typedef struct DmConfig DmConfig;

/* Parses config text.  `origin` names it in messages.  Warnings (unknown
 * keys or groups) are appended to `warnings` (may be NULL): they never
 * stop a guest from booting.  Wrong types and malformed lines are errors
 * that carry the line number where GKeyFile gives one. */
DmConfig *dm_config_parse(const char *text, gsize length, const char *origin,
                          GPtrArray *warnings, GError **error);
/* Built-in defaults only (no file). */
DmConfig *dm_config_new_default(void);
void dm_config_free(DmConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DmConfig, dm_config_free)

/* Resolves the settings for a domain (name may be NULL: a probe, or a
 * toolstack that passed no name). */
DmDomainConfig *dm_config_for_domain(const DmConfig *config, const char *name,
                                     GError **error);
void dm_domain_config_free(DmDomainConfig *dc);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DmDomainConfig, dm_domain_config_free)

const char *dm_scrub_mode_name(DmScrubMode mode);
