/* `qemu-dm-launcher diagnose`: the reader, its side-effect half.  Reads
 * xenstore (inside a transaction that is always aborted: it never
 * writes), /proc, the device model's log and libxenctrl into a snapshot
 * (dm/core/diagnose_snapshot.h) for the pure analysis in diagnose.c.  The
 * command itself is diagnose_cmd.c. */
#pragma once
#include "config.h"
#include "diagnose.h"

/* The uid the launcher's scrub helper for `domid` runs as, under the
 * domain's config: helper-uid-base + domid (docs/helper-uids.md). */
gint64 dm_diagnose_helper_uid(const DmDomainConfig *dc, guint domid);

/* The xenstore half of one diagnosis of DOMID|NAME (`arg`), in one
 * exchange bounded by timeout_ms.  When xenstored does not answer in
 * time, what was read before it stopped, with `partial` set (and the
 * name from `arg`, if it is one, so that the log is still found).  NULL
 * with `error` set when the domain cannot be read: a bad domid or name,
 * an unknown name, xenstore unreachable or failing. */
DmDiagSnapshot *dm_diagnose_read(const char *arg, guint timeout_ms, GError **error);

/* Who DOMID|NAME is, for `diagnose --watch` and `scrub`. */
typedef struct {
  guint domid;
  gboolean exists;    /* /local/domain/<domid> is there */
  char *name;         /* /local/domain/<domid>/name; NULL if none */
  char *type;         /* libxl's /libxl/<domid>/type; NULL if none */
  gboolean hvmloader; /* /local/domain/<domid>/hvmloader is there (HVM only) */
} DmDiagIdentity;

void dm_diag_identity_clear(DmDiagIdentity *id);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(DmDiagIdentity, dm_diag_identity_clear)

/* Resolves DOMID|NAME (names through /local/domain/N/name) and reads the
 * domain's identity, in one exchange bounded by timeout_ms.  FALSE with
 * `error` set (unprefixed) on a bad domid or name, an unknown name, or a
 * xenstore that fails or does not answer (DM_ERROR_TIMEOUT). */
gboolean dm_diagnose_identify(const char *arg, guint timeout_ms, DmDiagIdentity *out,
                              GError **error);

/* The processes running the launcher binary (possible scrub helpers). */
GPtrArray *dm_diagnose_scan_launchers(void);

/* Adds /proc, the log and the hypervisor to a snapshot whose xenstore half
 * is read, and analyses it.  `launchers` (NULL: scan /proc) is shared by
 * many domains' diagnoses. */
DmDiagReport *dm_diagnose_complete(DmDiagSnapshot *snap, const DmDomainConfig *dc,
                                   const char *log_dir, const GPtrArray *launchers);

/* Every domain's xenstore half (domid order, dom0 left out), in one
 * exchange bounded by timeout_ms.  On a timeout, what was read, with
 * *timed_out set. */
GPtrArray *dm_diagnose_read_all(guint timeout_ms, gboolean *timed_out, GError **error);
