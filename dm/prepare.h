/* The side effects a plan needs before exec, apart from xenstore scrubbing
 * and the sandbox itself: checks that fail early and clearly (missing disk
 * images, TLS files), the empty per-domain chroot, and the VNC secret file
 * with its reaper (secret.h).  Called only for a real launch. */
#pragma once
#include "plan.h"

gboolean dm_prepare_qemu(const DmPlan *plan, GError **error);
