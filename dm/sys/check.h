/* `qemu-dm-launcher check [--config FILE] [DOMAIN-NAME]`: validate the
 * setup before a guest depends on it, like `nginx -t`.  Prints a report
 * on stdout and sets `problems` when it found any.  Returns FALSE with
 * `error` set on a bad command line (DM_ERROR_INVALID), a config that
 * cannot be read (DM_ERROR_CONFIG) or a failed write. */
#pragma once
#include "cli.h"

gboolean dm_check_run(const DmCli *cli, gboolean *problems, GError **error);
