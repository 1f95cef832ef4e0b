/* xenstore access: the only file that includes <xenstore.h>. */
#pragma once
#include <glib.h>
#include <stdbool.h>
#include <xenstore.h>

/* g_autoptr(DmXsHandle) closes the connection. */
typedef struct xs_handle DmXsHandle;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DmXsHandle, xs_close)

/* Loads libxenstore (it is not linked: see xs.c) if not done yet.  A
 * failure is DM_ERROR_XENSTORE, "cannot load libxenstore.so.4: ...".
 * dm_xs_open calls it; a process that applies a sandbox and connects later
 * calls it before the sandbox. */
gboolean dm_xs_load(GError **error);

/* Opens a connection to xenstored (the socket, or XENSTORED_PATH), loading
 * libxenstore first. */
struct xs_handle *dm_xs_open(GError **error);

/* Runs `body` inside a transaction and commits, starting over while the
 * commit fails with EAGAIN (another writer got there first).  `body`
 * returns FALSE with `error` set to abort; the transaction is then
 * discarded.  At most `max_tries` attempts. */
typedef gboolean (*DmXsTxnBody)(struct xs_handle *xs, xs_transaction_t t, gpointer data,
                                GError **error);
gboolean dm_xs_transact(struct xs_handle *xs, DmXsTxnBody body, gpointer data, guint max_tries,
                        GError **error);

/* The read-only mode, for diagnose: runs `body` once inside a transaction
 * that is always aborted, so its reads are one consistent picture and
 * nothing is ever committed.  When xenstored will not start one (the
 * caller's transaction quota), `body` runs with XBT_NULL: plain reads
 * still work.  Returns what `body` returned. */
gboolean dm_xs_transact_read_only(struct xs_handle *xs, DmXsTxnBody body, gpointer data,
                                  GError **error);

/* Reads a node.  On failure returns NULL with DM_ERROR_XENSTORE set, and
 * sets *missing (if given) when the node does not exist (ENOENT). */
char *dm_xs_read(struct xs_handle *xs, xs_transaction_t t, const char *path, gboolean *missing,
                 GError **error);

/* Lists a directory's children.  Returns NULL with `missing` set (if
 * given) when the node does not exist, NULL with `error` set otherwise. */
GStrv dm_xs_directory(struct xs_handle *xs, xs_transaction_t t, const char *path, gboolean *missing,
                      GError **error);

/* A xenstore exchange bounded in time: libxenstore has no timeout, and a
 * request to a stopped or hung xenstored blocks forever.  `fn` runs on a
 * worker thread with its own connection; the caller waits at most
 * `timeout_ms` for its result (fn returns NULL with `error` set to fail).
 * A worker that finishes in time is joined, so the caller is
 * single-threaded again (it may fork next); one that does not is
 * abandoned: it owns `data` (freed with `data_free`) and, when it ends,
 * frees its late result with `result_free`.  A timeout is DM_ERROR_TIMEOUT;
 * the error says how long was waited, the caller says for what. */
typedef gpointer (*DmXsExchange)(struct xs_handle *xs, gpointer data, GError **error);
gpointer dm_xs_bounded(DmXsExchange fn, gpointer data, GDestroyNotify data_free,
                       GDestroyNotify result_free, guint timeout_ms, GError **error);

/* A job for dm_xs_bounded that the caller keeps reading after the call:
 * reference-counted, since a worker stuck in libxenstore outlives the
 * caller's wait and must not have its data freed under it.  A job type
 * starts with a DmXsJob; `lock` guards what the worker writes that the
 * caller reads after a timeout.  dm_xs_job_new returns the job with one
 * reference, the caller's; dm_xs_job_run lends the worker another;
 * dm_xs_job_unref drops one, and the last one runs `clear` (which frees
 * the job type's own fields) and frees the job. */
typedef struct {
  GMutex lock;
  GDestroyNotify clear;
} DmXsJob;

#define dm_xs_job_new(Type, clear) ((Type *)dm_xs_job_alloc(sizeof(Type), (GDestroyNotify)(clear)))
gpointer dm_xs_job_alloc(gsize size, GDestroyNotify clear);
void dm_xs_job_unref(gpointer job);
/* dm_xs_bounded(fn, job, ...) with a reference for the worker. */
gpointer dm_xs_job_run(DmXsExchange fn, gpointer job, GDestroyNotify result_free, guint timeout_ms,
                       GError **error);
