#include "xs.h"
#include "util.h"

#include <errno.h>
#include <string.h>

struct xs_handle *
dm_xs_open(GError **error)
{
  struct xs_handle *xs = xs_open(0);
  if (xs == NULL) {
    const char *path = g_getenv("XENSTORED_PATH");
    g_set_error(error, DM_ERROR, DM_ERROR_XENSTORE, "cannot connect to xenstored%s%s: %s",
                path ? " at " : "", path ? path : "", g_strerror(errno));
    return NULL;
  }
  return xs;
}

gboolean
dm_xs_transact(struct xs_handle *xs, DmXsTxnBody body, gpointer data, guint max_tries,
               GError **error)
{
  for (guint attempt = 1;; attempt++) {
    xs_transaction_t t = xs_transaction_start(xs);
    if (t == XBT_NULL) {
      g_set_error(error, DM_ERROR, DM_ERROR_XENSTORE, "cannot start a transaction: %s",
                  g_strerror(errno));
      return FALSE;
    }
    if (!body(xs, t, data, error)) {
      int saved = errno;
      xs_transaction_end(xs, t, true);
      errno = saved;
      return FALSE;
    }
    if (xs_transaction_end(xs, t, false))
      return TRUE;
    if (errno != EAGAIN || attempt >= max_tries) {
      g_set_error(error, DM_ERROR, DM_ERROR_XENSTORE,
                  "transaction failed after %u attempt%s: %s", attempt,
                  attempt == 1 ? "" : "s", g_strerror(errno));
      return FALSE;
    }
    /* EAGAIN: someone else committed first; read everything again. */
  }
}

char *
dm_xs_read(struct xs_handle *xs, xs_transaction_t t, const char *path, gboolean *missing,
           GError **error)
{
  unsigned int len = 0;
  char *value = xs_read(xs, t, path, &len);
  if (missing)
    *missing = FALSE;
  if (value == NULL) {
    if (errno == ENOENT && missing)
      *missing = TRUE;
    g_set_error(error, DM_ERROR, DM_ERROR_XENSTORE, "cannot read %s: %s", path,
                g_strerror(errno));
    return NULL;
  }
  /* Copy into GLib memory so callers can g_free it. */
  char *copy = g_strndup(value, len);
  free(value);
  return copy;
}

GStrv
dm_xs_directory(struct xs_handle *xs, xs_transaction_t t, const char *path,
                gboolean *missing, GError **error)
{
  unsigned int n = 0;
  char **names = xs_directory(xs, t, path, &n);
  if (missing)
    *missing = FALSE;
  if (names == NULL) {
    if (errno == ENOENT && missing)
      *missing = TRUE;
    g_set_error(error, DM_ERROR, DM_ERROR_XENSTORE, "cannot list %s: %s", path,
                g_strerror(errno));
    return NULL;
  }
  /* libxenstore returns one malloc'd block; copy into GLib memory. */
  GStrv out = g_new0(char *, (gsize)n + 1);
  for (unsigned int i = 0; i < n; i++)
    out[i] = g_strdup(names[i]);
  free(names);
  return out;
}
