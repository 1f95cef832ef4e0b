/* Launch mode, dom0's device model: the toolstack runs the launcher with
 * qemu's arguments; it plans (pipeline.h), acts on the domain (act.h) and
 * execs qemu in place (exec.h). */
#pragma once
#include "cli.h"
#include "exec.h"

/* Returns TRUE only after a dry run (plan printed); otherwise it execs qemu
 * and returns only on failure, with `error` set.  `argv0` is the launcher's
 * own argv[0]; `inherited` the fds the toolstack handed over. */
gboolean dm_launch_run(const DmCli *cli, const char *argv0, const DmFdSet *inherited,
                       GError **error);
