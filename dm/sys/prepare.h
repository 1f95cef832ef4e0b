/* The side effects a plan needs before exec, apart from xenstore scrubbing
 * and the sandbox itself: checks that fail early and clearly (missing disk
 * images, TLS files), the empty per-domain chroot, and the VNC secret file
 * with its reaper (secret.h).  Called only for a real launch. */
#pragma once
#include "plan.h"

gboolean dm_prepare_qemu(const DmPlan *plan, GError **error);

/* What --dry-run checks so that it fails where the real start would: the
 * qemu binary is executable, and the VNC password file can be read.
 * Touches nothing. */
gboolean dm_prepare_check(const DmPlan *plan, GError **error);
