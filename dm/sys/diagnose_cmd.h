/* `qemu-dm-launcher diagnose`: the command.  It checks the command line,
 * has the reader (diagnose_read.c) take the snapshot, the analysis
 * (dm/core/diagnose.c) judge it, and prints the report; `--all`
 * (diagnose_all.c) and `--watch` (diagnose_watch.c) are its two other
 * forms. */
#pragma once
#include "cli.h"

/* diagnose's own errors (main maps them to exit statuses).  Errors of
 * shared code keep their codes: a bad config (DM_ERROR_CONFIG), a bad
 * command line, domid or name (DM_ERROR_INVALID), a failed write
 * (DM_ERROR_SYSTEM). */
#define DM_DIAGNOSE_ERROR (dm_diagnose_error_quark())
GQuark dm_diagnose_error_quark(void);
typedef enum {
  DM_DIAGNOSE_ERROR_UNREADABLE, /* xenstore unreachable or failing: nothing to report */
  DM_DIAGNOSE_ERROR_PARTIAL,    /* xenstored did not answer in time: what was printed
                                 * is what it answered before */
} DmDiagnoseError;

/* Hands on `local`, an error of reading the domain, prefixed, as
 * diagnose's: DM_ERROR_INVALID and DM_ERROR_CONFIG as they are, anything
 * else as DM_DIAGNOSE_ERROR_UNREADABLE.  Takes `local`. */
void dm_diagnose_propagate(GError **error, GError *local, const char *prefix);

/* Runs the command.  Returns FALSE with `error` set on bad input (an
 * unknown domain, a bad domid or name), an unreadable or silent xenstore
 * (DmDiagnoseError) or a failure.  Otherwise prints the report on stdout
 * and sets `stuck`. */
gboolean dm_diagnose_run(const DmCli *cli, gboolean *stuck, GError **error);

/* `diagnose --all`: one line per domain (dm/sys/diagnose_all.c). */
gboolean dm_diagnose_all_run(const DmCli *cli, gboolean *stuck, GError **error);

/* `diagnose --watch DOMID|NAME` (dm/sys/diagnose_watch.c). */
gboolean dm_diagnose_watch_run(const DmCli *cli, const char *arg, gboolean *stuck, GError **error);

/* The bound on xenstore for diagnose and scrub (--timeout, default 10 s). */
guint dm_diagnose_timeout_ms(const DmCli *cli);
