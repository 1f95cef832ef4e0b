/* Stub-domain mode ("qemu-dm-launcher stubdom"): the launcher as the device
 * model inside a Linux stub domain (Xen's docs/misc/stubdom.txt, "Toolstack
 * to Linux ioemu stubdomain protocol").
 *
 * It reads its target's domid and qemu's argv from xenstore, runs them
 * through the same parser, config and plan as in dom0, opens the save and
 * restore consoles for qemu, starts the vchan QMP proxy, and execs qemu.
 * Its stderr is console 0, which the toolstack writes to
 * /var/log/xen/qemu-dm-NAME.log in dom0. */
#pragma once
#include "cli.h"
#include "exec.h"

/* Returns TRUE only after a dry run (plan printed); otherwise it execs qemu
 * and returns only on failure, with `error` set. */
gboolean dm_stubdom_run(const DmCli *cli, DmFdSet *inherited, GError **error);

/* stubdom-qmp-proxy unset: Xen's vchan-socket-proxy, looked for under
 * ROOT ("/" but in tests) at DM_DEFAULT_VCHAN_PROXY, /usr/libexec/xen/bin
 * and /usr/lib/xen/bin, then in /usr/lib/xen-VERSION/bin, newest first.
 * Never a path fixed at build time that the next Xen upgrade removes. */
char *dm_stubdom_find_proxy(const char *root);
