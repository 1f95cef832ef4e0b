/* Opening what the launcher (root) trusts or writes: its run dir, the
 * probe cache, the chroot, the VNC password file.  One rule for all of
 * them, the secret file's:
 *   - every directory from "/" down, and the file, is opened by itself
 *     (openat from its checked parent, O_NOFOLLOW): no symbolic links;
 *   - each is fstat'ed as opened, and must be owned by root (or by the
 *     uid the launcher runs as) and writable by no one else;
 *   - a parent that others can write is accepted only when it is sticky
 *     and root's (/tmp): there others cannot rename or remove our
 *     entries.  The last directory itself is never accepted so.
 * What was checked is what is used: callers keep the fd and work
 * relative to it. */
#pragma once
#include <glib.h>
#include <sys/types.h>

/* Opens the directory `path` (absolute; trailing and doubled slashes are
 * fine) as an O_DIRECTORY fd, checking it and every parent.  With
 * `create_mode` not 0, creates what is missing with that mode.
 * Returns -1 with `error` set on failure (errno kept: ENOENT for a
 * missing directory). */
int dm_trust_open_dir(const char *path, mode_t create_mode, GError **error);

/* One directory below a checked one: `name` in `dir_fd`, created with
 * `create_mode` when missing (0: never), opened without following a
 * link, and checked as the last component is (a sticky parent's rule
 * does not apply).  `path` is for the message.  -1 with `error` set. */
int dm_trust_open_subdir(int dir_fd, const char *name, const char *path, mode_t create_mode,
                         GError **error);

/* Checks an opened directory or file by its fstat: owned by root or the
 * launcher's uid, and not writable by group or others.  `what` and `path`
 * are for the message. */
gboolean dm_trust_check_fd(int fd, const char *what, const char *path, GError **error);

/* Opens the regular file `name` in the checked directory `dir_fd` for
 * reading: O_NOFOLLOW, O_NONBLOCK (a FIFO cannot block the launch),
 * O_CLOEXEC; it must be a regular file that passes dm_trust_check_fd and,
 * when `private`, is not readable by others.  Returns -1 with `error`
 * (errno kept, ENOENT for a missing file). */
int dm_trust_open_file(int dir_fd, const char *name, const char *path, gboolean private,
                       GError **error);

/* dm_trust_open_dir of `path`'s directory, then dm_trust_open_file. */
int dm_trust_open_path(const char *path, gboolean private, GError **error);
