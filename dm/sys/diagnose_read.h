/* `qemu-dm-launcher diagnose DOMID|NAME`: the side-effect half.  Reads
 * xenstore (inside a transaction that is always aborted: it never
 * writes), /proc, the device model's log and libxenctrl, then hands the
 * snapshot to the pure analysis in diagnose.c and prints the report. */
#pragma once
#include "cli.h"
#include "diagnose.h"

/* Runs the command.  Returns FALSE with `error` set on bad input (an
 * unknown domain, a bad domid or name, xenstore unreachable: all
 * DM_ERROR_INVALID or DM_ERROR_CONFIG, exit 2).  Otherwise prints the
 * report on stdout and sets `stuck`. */
gboolean dm_diagnose_run(const DmCli *cli, gboolean *stuck, GError **error);

/* The uid the launcher's scrub helper for `domid` runs as, under the
 * domain's config: helper-uid-base + domid (docs/helper-uids.md). */
gint64 dm_diagnose_helper_uid(const DmDomainConfig *dc, guint domid);

/* The bound on xenstore for diagnose and scrub (--timeout, default 10 s). */
guint dm_diagnose_timeout_ms(const DmCli *cli);

/* `diagnose --all`: one line per domain (dm/sys/diagnose_all.c). */
gboolean dm_diagnose_all_run(const DmCli *cli, gboolean *stuck, GError **error);

/* `diagnose --watch DOMID|NAME` (dm/sys/diagnose_watch.c). */
gboolean dm_diagnose_watch_run(const DmCli *cli, const char *arg, gboolean *stuck,
                               GError **error);

/* DOMID or NAME -> domid (names through /local/domain/N/name). */
struct xs_handle;
gboolean dm_diagnose_resolve(struct xs_handle *xs, const char *arg, guint *domid,
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
