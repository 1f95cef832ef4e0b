/* The device-model stub domain's half of Xen's "Toolstack to Linux ioemu
 * stubdomain protocol" (docs/misc/stubdom.txt): turning what the toolstack
 * stored in xenstore into the toolstack argv the launcher parses.
 *
 * Pure code: it takes the (key, value) pairs of /vm/<uuid>/image/dm-argv
 * as plain strings and never touches xenstore, so tests and fuzzers drive
 * it directly.  libxl writes one key per argument, "%03d" from 001 (its
 * argv[0], "stubdom-dm", is not stored). */
#pragma once
#include <glib.h>

/* More arguments than any real device model line (libxl's longest are a
 * few hundred); a bound so a hostile or broken store cannot make us
 * allocate without limit. */
#define DM_STUBDOM_ARGV_MAX 4096u

/* What libxl puts after "-incoming" when the guest is being restored; the
 * stub domain replaces it with "fd:N", N reading console 2. */
#define DM_STUBDOM_RESTORE_PLACEHOLDER "$STUBDOM_RESTORE_INCOMING_ARG"

/* The fd set qemu saves into: libxl's save path asks qemu, over QMP, for
 * "/dev/fdset/1" (see the protocol), so console 1 goes in set 1. */
#define DM_STUBDOM_SAVE_FDSET 1

/* Orders n (key, value) pairs into the argument list (without argv[0]).
 * Keys must be the decimal index zero-padded to three digits ("001",
 * "042", "1000"), covering exactly 1..n: a gap, a duplicate, a key that is
 * not canonical decimal ("1", "0001", "x", "-1"), a missing value, or more
 * than DM_STUBDOM_ARGV_MAX keys is an error (DM_ERROR_INVALID).  Returns a
 * NULL-terminated GPtrArray of owned strings. */
GPtrArray *dm_stubdom_argv_assemble(const char *const *keys, const char *const *values, gsize n,
                                    GError **error);

/* Whether args carry the restore placeholder (the guest is being restored
 * and console 2 must be opened). */
gboolean dm_stubdom_argv_wants_restore(const GPtrArray *args);

/* Replaces the placeholder with "fd:<fd>".  It must appear once, as the
 * value of "-incoming"; anywhere else is an error. */
gboolean dm_stubdom_argv_set_incoming(GPtrArray *args, int fd, GError **error);

/* The stub domain's own additions to qemu's command line: a local QMP
 * socket at `qmp_socket` (which the vchan proxy connects to) and, if
 * save_fd >= 0, "-add-fd fd=<save_fd>,set=1" for console 1.  Paths go
 * through dm_qemu_escape(). */
GPtrArray *dm_stubdom_local_args(const char *qmp_socket, int save_fd);
