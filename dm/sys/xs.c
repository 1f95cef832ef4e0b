#include "xs.h"
#include "util.h"
#include "version.h"

#include <dlfcn.h>
#include <errno.h>
#include <string.h>

/* libxenstore is not linked but loaded at the first connection: most
 * launches (scrub off, no password in xenstore) never talk to xenstored,
 * and the dynamic loader's work for the library and its libxentoolcore
 * was a large part of the launch's cost over a bare exec
 * (docs/launch-cost.md).  The xs_* functions below are the ones the
 * project calls, with <xenstore.h>'s prototypes: each forwards through
 * one table, filled by dm_xs_load.  Every call but xs_open takes a handle,
 * and a handle only comes from dm_xs_open, which loads first. */
/* clang-format off */
#define DM_XS_FUNCTIONS(X)                                                                         \
  X(xs_open) X(xs_close) X(xs_read) X(xs_write) X(xs_directory) X(xs_rm) X(xs_watch)               \
  X(xs_fileno) X(xs_check_watch) X(xs_read_watch) X(xs_transaction_start)                          \
  X(xs_transaction_end) X(xs_is_domain_introduced)
/* clang-format on */

static struct {
#define DM_XS_FIELD(name) __typeof__(name) *name;
  DM_XS_FUNCTIONS(DM_XS_FIELD)
#undef DM_XS_FIELD
} lib;

static gsize lib_state; /* 0 not tried, 1 loaded, 2 failed (lib_error says why) */
static char lib_error[256];

static gsize
load_library(void)
{
  void *so = dlopen(DM_XENSTORE_SONAME, RTLD_NOW | RTLD_LOCAL);
  if (so == NULL) {
    g_strlcpy(lib_error, dlerror(), sizeof(lib_error));
    return 2;
  }
#define DM_XS_RESOLVE(name)                                                                        \
  if ((*(void **)&lib.name = dlsym(so, #name)) == NULL) {                                          \
    g_snprintf(lib_error, sizeof(lib_error), "no symbol %s", #name);                               \
    return 2;                                                                                      \
  }
  DM_XS_FUNCTIONS(DM_XS_RESOLVE)
#undef DM_XS_RESOLVE
  return 1;
}

gboolean
dm_xs_load(GError **error)
{
  if (g_once_init_enter(&lib_state))
    g_once_init_leave(&lib_state, load_library());
  if (lib_state == 1)
    return TRUE;
  g_set_error(error, DM_ERROR, DM_ERROR_XENSTORE, "cannot load %s: %s", DM_XENSTORE_SONAME,
              lib_error);
  return FALSE;
}

struct xs_handle *
xs_open(unsigned long flags)
{
  return lib.xs_open(flags);
}

void
xs_close(struct xs_handle *xsh)
{
  if (xsh != NULL)
    lib.xs_close(xsh);
}

void *
xs_read(struct xs_handle *h, xs_transaction_t t, const char *path, unsigned int *len)
{
  return lib.xs_read(h, t, path, len);
}

bool
xs_write(struct xs_handle *h, xs_transaction_t t, const char *path, const void *data,
         unsigned int len)
{
  return lib.xs_write(h, t, path, data, len);
}

char **
xs_directory(struct xs_handle *h, xs_transaction_t t, const char *path, unsigned int *num)
{
  return lib.xs_directory(h, t, path, num);
}

bool
xs_rm(struct xs_handle *h, xs_transaction_t t, const char *path)
{
  return lib.xs_rm(h, t, path);
}

bool
xs_watch(struct xs_handle *h, const char *path, const char *token)
{
  return lib.xs_watch(h, path, token);
}

int
xs_fileno(struct xs_handle *h)
{
  return lib.xs_fileno(h);
}

char **
xs_check_watch(struct xs_handle *h)
{
  return lib.xs_check_watch(h);
}

char **
xs_read_watch(struct xs_handle *h, unsigned int *num)
{
  return lib.xs_read_watch(h, num);
}

xs_transaction_t
xs_transaction_start(struct xs_handle *h)
{
  return lib.xs_transaction_start(h);
}

bool
xs_transaction_end(struct xs_handle *h, xs_transaction_t t, bool abort)
{
  return lib.xs_transaction_end(h, t, abort);
}

bool
xs_is_domain_introduced(struct xs_handle *h, unsigned int domid)
{
  return lib.xs_is_domain_introduced(h, domid);
}

struct xs_handle *
dm_xs_open(GError **error)
{
  if (!dm_xs_load(error))
    return NULL;
  struct xs_handle *xs = xs_open(0);
  if (xs == NULL) {
    const char *path = g_getenv("XENSTORED_PATH");
    g_set_error(error, DM_ERROR, DM_ERROR_XENSTORE, "cannot connect to xenstored%s%s: %s",
                path ? " at " : "", path ? path : "", g_strerror(errno));
    return NULL;
  }
  return xs;
}

/* Ends a transaction without committing it, keeping errno. */
static void
abort_transaction(struct xs_handle *xs, xs_transaction_t t)
{
  int saved = errno;
  xs_transaction_end(xs, t, true);
  errno = saved;
}

gboolean
dm_xs_transact_read_only(struct xs_handle *xs, DmXsTxnBody body, gpointer data, GError **error)
{
  xs_transaction_t t = xs_transaction_start(xs);
  gboolean ok = body(xs, t, data, error);

  if (t != XBT_NULL)
    abort_transaction(xs, t);
  return ok;
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
      abort_transaction(xs, t);
      return FALSE;
    }
    if (xs_transaction_end(xs, t, false))
      return TRUE;
    if (errno != EAGAIN || attempt >= max_tries) {
      g_set_error(error, DM_ERROR, DM_ERROR_XENSTORE, "transaction failed after %u attempt%s: %s",
                  attempt, attempt == 1 ? "" : "s", g_strerror(errno));
      return FALSE;
    }
    /* EAGAIN: someone else committed first; read everything again. */
  }
}

/* A read or a listing failed: ENOENT sets *missing (if given). */
static void
request_failed(GError **error, gboolean *missing, const char *what, const char *path)
{
  int err = errno;

  if (err == ENOENT && missing)
    *missing = TRUE;
  g_set_error(error, DM_ERROR, DM_ERROR_XENSTORE, "cannot %s %s: %s", what, path, g_strerror(err));
  errno = err;
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
    request_failed(error, missing, "read", path);
    return NULL;
  }
  /* Copy into GLib memory so callers can g_free it. */
  char *copy = g_strndup(value, len);
  free(value);
  return copy;
}

GStrv
dm_xs_directory(struct xs_handle *xs, xs_transaction_t t, const char *path, gboolean *missing,
                GError **error)
{
  unsigned int n = 0;
  char **names = xs_directory(xs, t, path, &n);
  if (missing)
    *missing = FALSE;
  if (names == NULL) {
    request_failed(error, missing, "list", path);
    return NULL;
  }
  /* libxenstore returns one malloc'd block; copy into GLib memory. */
  GStrv out = g_new0(char *, (gsize)n + 1);
  for (unsigned int i = 0; i < n; i++)
    out[i] = g_strdup(names[i]);
  free(names);
  return out;
}

typedef struct {
  GMutex lock;
  GCond cond;
  gboolean done;
  DmXsExchange fn;
  gpointer data;
  GDestroyNotify data_free;
  GDestroyNotify result_free;
  gpointer result;
  GError *error;
} Exchange;

static void
exchange_clear(Exchange *x)
{
  if (x->result && x->result_free)
    x->result_free(x->result);
  if (x->data_free)
    x->data_free(x->data);
  g_clear_error(&x->error);
  g_mutex_clear(&x->lock);
  g_cond_clear(&x->cond);
}

static void
exchange_unref(Exchange *x)
{
  g_atomic_rc_box_release_full(x, (GDestroyNotify)exchange_clear);
}

static gpointer
exchange_run(gpointer data)
{
  Exchange *x = data;
  g_autoptr(GError) error = NULL;
  gpointer result = NULL;
  g_autoptr(DmXsHandle) xs = dm_xs_open(&error);

  if (xs != NULL)
    result = x->fn(xs, x->data, &error);
  g_mutex_lock(&x->lock);
  x->result = result;
  x->error = g_steal_pointer(&error);
  x->done = TRUE;
  g_cond_signal(&x->cond);
  g_mutex_unlock(&x->lock);
  exchange_unref(x);
  return NULL;
}

gpointer
dm_xs_bounded(DmXsExchange fn, gpointer data, GDestroyNotify data_free, GDestroyNotify result_free,
              guint timeout_ms, GError **error)
{
  gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
  Exchange *x = g_atomic_rc_box_new0(Exchange);
  GThread *thread;
  gpointer result = NULL;
  gboolean done;

  g_mutex_init(&x->lock);
  g_cond_init(&x->cond);
  x->fn = fn;
  x->data = data;
  x->data_free = data_free;
  x->result_free = result_free;
  thread = g_thread_try_new("xenstore", exchange_run, g_atomic_rc_box_acquire(x), error);
  if (thread == NULL) {
    exchange_unref(x); /* the worker's reference */
    exchange_unref(x);
    return NULL;
  }
  g_mutex_lock(&x->lock);
  while (!x->done && g_cond_wait_until(&x->cond, &x->lock, deadline))
    ;
  done = x->done;
  if (done) {
    result = g_steal_pointer(&x->result);
    if (result == NULL)
      g_propagate_error(error, g_steal_pointer(&x->error));
  }
  g_mutex_unlock(&x->lock);
  if (done) {
    g_thread_join(thread);
  } else {
    g_thread_unref(thread);
    g_set_error(error, DM_ERROR, DM_ERROR_TIMEOUT,
                "xenstored did not answer within %u ms (xenstore-timeout-ms)", timeout_ms);
  }
  exchange_unref(x);
  return result;
}

gpointer
dm_xs_job_alloc(gsize size, GDestroyNotify clear)
{
  DmXsJob *job;

  g_assert(size >= sizeof(DmXsJob));
  job = g_atomic_rc_box_alloc0(size);
  g_mutex_init(&job->lock);
  job->clear = clear;
  return job;
}

static void
job_clear(gpointer data)
{
  DmXsJob *job = data;

  if (job->clear)
    job->clear(job);
  g_mutex_clear(&job->lock);
}

void
dm_xs_job_unref(gpointer job)
{
  g_atomic_rc_box_release_full(job, job_clear);
}

gpointer
dm_xs_job_run(DmXsExchange fn, gpointer job, GDestroyNotify result_free, guint timeout_ms,
              GError **error)
{
  return dm_xs_bounded(fn, g_atomic_rc_box_acquire(job), dm_xs_job_unref, result_free, timeout_ms,
                       error);
}
