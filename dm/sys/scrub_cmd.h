/* `qemu-dm-launcher scrub DOMID|NAME [--dry-run]`: the launcher's scrub
 * policy (dm/core/scrub.c, through dm/sys/scrub_apply.c), applied once, in the
 * foreground, by an admin. */
#pragma once
#include "cli.h"

/* The scrub command's own error (main maps it to an exit status). */
#define DM_SCRUB_CMD_ERROR (dm_scrub_cmd_error_quark())
GQuark dm_scrub_cmd_error_quark(void);
typedef enum {
  DM_SCRUB_CMD_ERROR_UNREADABLE, /* xenstore unreachable, failing or silent */
} DmScrubCmdError;

/* Returns FALSE with `error` set on bad input (DM_ERROR_INVALID, a bad
 * config DM_ERROR_CONFIG), an unreadable xenstore (DmScrubCmdError) or a
 * failure. */
gboolean dm_scrub_cmd_run(const DmCli *cli, GError **error);
