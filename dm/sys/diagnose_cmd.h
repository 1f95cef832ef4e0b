/* `qemu-dm-launcher diagnose`: the command.  It checks the command line,
 * has the reader (diagnose_read.c) take the snapshot, the analysis
 * (dm/core/diagnose.c) judge it, and prints the report; `--all`
 * (diagnose_all.c) and `--watch` (diagnose_watch.c) are its two other
 * forms. */
#pragma once
#include "cli.h"

/* Runs the command.  Returns FALSE with `error` set on bad input (an
 * unknown domain, a bad domid or name, xenstore unreachable: all
 * DM_ERROR_INVALID or DM_ERROR_CONFIG, exit 2).  Otherwise prints the
 * report on stdout and sets `stuck`. */
gboolean dm_diagnose_run(const DmCli *cli, gboolean *stuck, GError **error);

/* `diagnose --all`: one line per domain (dm/sys/diagnose_all.c). */
gboolean dm_diagnose_all_run(const DmCli *cli, gboolean *stuck, GError **error);

/* `diagnose --watch DOMID|NAME` (dm/sys/diagnose_watch.c). */
gboolean dm_diagnose_watch_run(const DmCli *cli, const char *arg, gboolean *stuck,
                               GError **error);

/* The bound on xenstore for diagnose and scrub (--timeout, default 10 s). */
guint dm_diagnose_timeout_ms(const DmCli *cli);
