/* The one place that defines automatic cleanup for a libseccomp filter.
 *
 * scmp_filter_ctx is itself a pointer typedef (void *), so it takes
 * g_auto(), not g_autoptr():
 *
 *   g_auto(scmp_filter_ctx) ctx = seccomp_init(SCMP_ACT_ALLOW);
 *
 * releases the filter with seccomp_release() when ctx goes out of scope
 * (a NULL ctx is left alone). */
#pragma once
#include <glib.h>
#include <seccomp.h>

G_DEFINE_AUTO_CLEANUP_FREE_FUNC(scmp_filter_ctx, seccomp_release, NULL)
