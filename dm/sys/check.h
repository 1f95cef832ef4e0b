/* `qemu-dm-launcher check [--config FILE] [DOMAIN-NAME]`: validate the
 * setup before a guest depends on it, like `nginx -t`.  Prints a report
 * on stdout; returns the exit status: 0 all good, 1 problems found, 2 the
 * config could not be read (then `error` is set). */
#pragma once
#include "cli.h"

int dm_check_run(const DmCli *cli, GError **error);
