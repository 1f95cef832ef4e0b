/* The VNC password, from its source to the file qemu reads it from.
 * Side effects only; the plan (pure) decided the file's path.
 *
 * Life of the secret file <run-dir>/<domid>/vnc-password:
 *  1. the launcher writes it, mode 0600 in a 0700 directory owned by root,
 *     before exec (a full disk is a clear error, ENOSPC);
 *  2. it starts the secret reaper, a detached grandchild that watches the
 *     file (inotify) and the launcher's pid (a pidfd: exec keeps the pid,
 *     so it is qemu's), then sandboxes itself (chroot into the run dir,
 *     no_new_privs, a strict allowlist filter) with dm_sandbox_apply;
 *  3. qemu opens the file once, at start-up while still root (its secret
 *     object, before -runas/-chroot apply), and closes it;
 *  4. the reaper removes the file (and the directory) as soon as it sees
 *     that close, or when qemu exits, whichever comes first: so the
 *     password lives on disk only for qemu's start-up, and never outlives
 *     the domain.  A crash of everything leaves it in a root-only
 *     directory, which the next launch for that domid empties first.
 * The password is never on argv, in the environment or in a log. */
#pragma once
#include <glib.h>

/* Reads a password file: at most 4096 bytes, not empty; one trailing
 * newline ("\n" or "\r\n") is dropped, as editors add one. */
char *dm_secret_read_file(const char *path, GError **error);

/* Reads /vm/<uuid>/vncpasswd of domain `domid` (xend and libxl write it
 * there); NULL with error if absent or empty, or if xenstored does not
 * answer within `timeout_ms`.  `*node` gets its path. */
char *dm_secret_read_xenstore(guint domid, guint timeout_ms, char **node, GError **error);

/* Clears the xenstore node once the password is safely in the file, as
 * qemu-dm did (it overwrote the node with an empty value); bounded by
 * `timeout_ms` as above. */
gboolean dm_secret_clear_xenstore(const char *node, guint timeout_ms, GError **error);

/* Writes `data` to `path` (mode 0600), creating its directory (0700) and
 * the run directory above it; any stale file is replaced.  On failure
 * nothing is left behind. */
gboolean dm_secret_write(const char *path, const char *data, gsize length, GError **error);

/* Starts the reaper for `path` (below `run_dir`) and waits until its
 * watch is in place.  Call last before exec. */
gboolean dm_secret_reaper_start(const char *path, const char *run_dir, GError **error);

/* Overwrites and frees a password. */
void dm_secret_free(char *secret);
