/* Whole reads and writes on a file descriptor, going on after EINTR and
 * short counts: the loops the password file, the probe cache, the seccomp
 * export and the log writer share. */
#pragma once
#include <glib.h>

/* Writes all `len` bytes of `data` to `fd`.  FALSE when a write fails
 * (errno says why) or writes nothing (errno as it was). */
gboolean dm_write_all(int fd, const void *data, gsize len);

/* Reads from `fd` into `buf` until end of file or `size` bytes; `*len`
 * is what was read, also on failure.  FALSE when a read fails (errno says
 * why). */
gboolean dm_read_up_to(int fd, void *buf, gsize size, gsize *len);
