/* The VNC option: pure rewrite of the toolstack's -vnc value by the
 * domain's config (listen address, display, password, TLS).
 *
 * The password itself never passes through here: upstream qemu reads it
 * from a secret object's file, whose path is all that goes on argv
 * (/proc/PID/cmdline is world-readable). */
#pragma once
#include "config.h"
#include "toolstack_args.h"

#define DM_VNC_SECRET_ID "dm-vnc-password"
#define DM_VNC_TLS_ID "dm-vnc-tls"

/* The files a TLS directory must hold, in libvirt's layout
 * (/etc/pki/libvirt-vnc), which is also what qemu's tls-creds-x509 reads. */
extern const char *const dm_vnc_tls_files[]; /* NULL-terminated */

/* Whether the config asks for a VNC password (from a file or xenstore). */
gboolean dm_vnc_wants_password(const DmDomainConfig *dc);

/* Whether upstream qemu-xen gets a VNC password for this request: the
 * toolstack asked for a VNC server (not "-vnc none") and the config a
 * password.  qemu then needs DES (VNC authentication), which some builds
 * lack (Debian 12's qemu-xen): qemu_probe.c asks it, qemu_args.c refuses. */
gboolean dm_vnc_passes_password(const DmRequest *request, const DmDomainConfig *dc);
/* Likewise for TLS credentials (vnc-tls-dir): qemu needs GnuTLS. */
gboolean dm_vnc_passes_tls(const DmRequest *request, const DmDomainConfig *dc);

/* Where the launcher writes the password for qemu to read:
 * <run-dir>/<domid>/vnc-password (the directory is private, 0700). */
char *dm_vnc_secret_path(const DmDomainConfig *dc, guint domid);

/* Rewrites the toolstack's -vnc value `value` for `request`'s flavour.
 * Returns the new value, and appends any options it needs (-object ...)
 * to `extra`.  Errors: a listen address that would widen the toolstack's
 * without vnc-listen-widen, a display range that runs backwards, a
 * password asked of qemu-xen-traditional from a file. */
char *dm_vnc_rewrite(const DmRequest *request, const DmDomainConfig *dc, const char *value,
                     GPtrArray *extra, GError **error);

/* Whether a listen address is loopback-only (127.0.0.0/8, ::1, localhost). */
gboolean dm_vnc_host_is_loopback(const char *host);
