/* Turning a DmSeccompPolicy into BPF, with libseccomp.
 *
 * The launcher does this at build time for its fixed filters
 * (tools/seccomp_gen.c writes them into a table, seccomp_prebuilt.h) and
 * at run time only for a CUSTOM policy: libseccomp's probing of the
 * kernel and its BPF generation were half of the launcher's own CPU
 * before the exec (docs/launch-cost.md). */
#pragma once
#include "sandbox_policy.h"

#include <glib.h>

/* Builds the libseccomp filter for a policy without loading it (NULL
 * with error for an unknown syscall name).  The result is a
 * scmp_filter_ctx; free with seccomp_release (or g_auto, seccomp_auto.h). */
void *dm_seccomp_build(const DmSeccompPolicy *seccomp, GError **error);

/* The BPF program libseccomp makes of a policy, as the kernel gets it
 * (struct sock_filter entries, 8 bytes each, native byte order); NULL
 * with error. */
GBytes *dm_seccomp_export(const DmSeccompPolicy *seccomp, GError **error);
