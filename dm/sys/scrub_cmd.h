/* `qemu-dm-launcher scrub DOMID|NAME [--dry-run]`: the launcher's scrub
 * policy (dm/core/scrub.c, through dm/sys/scrub_apply.c), applied once, in the
 * foreground, by an admin. */
#pragma once
#include "cli.h"

/* Returns FALSE with `error` set on bad input (exit 2) or a failure. */
gboolean dm_scrub_cmd_run(const DmCli *cli, GError **error);
