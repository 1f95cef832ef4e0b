#include "stubdom_argv.h"
#include "qemu_opts.h"
#include "toolstack_args.h"
#include "util.h"

#include <string.h>

/* A key is canonical when it is exactly what libxl's "%03d" gives for its
 * index: this makes "1", "01", "001" and "0001" different keys of which
 * only "001" is accepted, so two keys can never name the same slot. */
static gboolean
parse_key(const char *key, guint64 *index)
{
  char canonical[24];

  if (key == NULL || !dm_parse_uint(key, G_MAXUINT32, index))
    return FALSE;
  g_snprintf(canonical, sizeof(canonical), "%03" G_GUINT64_FORMAT, *index);
  return strcmp(canonical, key) == 0;
}

GPtrArray *
dm_stubdom_argv_assemble(const char *const *keys, const char *const *values, gsize n,
                         GError **error)
{
  g_autoptr(GPtrArray) args = NULL;
  g_autofree const char **slots = NULL;

  if (n == 0) {
    g_set_error(error, DM_ERROR, DM_ERROR_INVALID,
                "dm-argv is empty: the toolstack stored no qemu arguments");
    return NULL;
  }
  if (n > DM_STUBDOM_ARGV_MAX) {
    g_set_error(error, DM_ERROR, DM_ERROR_INVALID,
                "dm-argv has %" G_GSIZE_FORMAT " keys, more than the limit of %u", n,
                DM_STUBDOM_ARGV_MAX);
    return NULL;
  }

  slots = g_new0(const char *, n);
  for (gsize i = 0; i < n; i++) {
    guint64 index = 0;
    if (!parse_key(keys[i], &index) || index == 0) {
      g_autofree char *quoted = dm_quote_for_message(keys[i] ? keys[i] : "");
      g_set_error(error, DM_ERROR, DM_ERROR_INVALID,
                  "dm-argv key %s is not an argument number (001, 002, ...)", quoted);
      return NULL;
    }
    if (index > n) {
      /* n keys without duplicates fill 1..n exactly; a larger index means
       * some index below it is missing. */
      g_set_error(error, DM_ERROR, DM_ERROR_INVALID,
                  "dm-argv has a gap: key %s but only %" G_GSIZE_FORMAT " keys", keys[i], n);
      return NULL;
    }
    if (slots[index - 1] != NULL) {
      g_set_error(error, DM_ERROR, DM_ERROR_INVALID, "dm-argv key %s appears twice", keys[i]);
      return NULL;
    }
    if (values[i] == NULL) {
      g_set_error(error, DM_ERROR, DM_ERROR_INVALID, "dm-argv key %s has no value", keys[i]);
      return NULL;
    }
    slots[index - 1] = values[i];
  }

  args = g_ptr_array_new_null_terminated((guint)n, g_free, TRUE);
  for (gsize i = 0; i < n; i++)
    g_ptr_array_add(args, g_strdup(slots[i]));
  return g_steal_pointer(&args);
}

gboolean
dm_stubdom_argv_wants_restore(const GPtrArray *args)
{
  for (guint i = 0; i < args->len; i++)
    if (strcmp(g_ptr_array_index(args, i), DM_STUBDOM_RESTORE_PLACEHOLDER) == 0)
      return TRUE;
  return FALSE;
}

gboolean
dm_stubdom_argv_set_incoming(GPtrArray *args, int fd, GError **error)
{
  int found = -1;

  for (guint i = 0; i < args->len; i++) {
    const char *arg = g_ptr_array_index(args, i);
    if (strcmp(arg, DM_STUBDOM_RESTORE_PLACEHOLDER) != 0)
      continue;
    if (i == 0 || g_strcmp0(dm_option_name(g_ptr_array_index(args, i - 1)), "incoming") != 0) {
      g_set_error(error, DM_ERROR, DM_ERROR_INVALID,
                  "dm-argv argument %u is %s but does not follow -incoming", i + 1,
                  DM_STUBDOM_RESTORE_PLACEHOLDER);
      return FALSE;
    }
    if (found >= 0) {
      g_set_error(error, DM_ERROR, DM_ERROR_INVALID,
                  "dm-argv holds %s more than once (arguments %d and %u)",
                  DM_STUBDOM_RESTORE_PLACEHOLDER, found + 1, i + 1);
      return FALSE;
    }
    found = (int)i;
  }
  if (found < 0) {
    g_set_error(error, DM_ERROR, DM_ERROR_INVALID, "dm-argv has no -incoming %s to replace",
                DM_STUBDOM_RESTORE_PLACEHOLDER);
    return FALSE;
  }
  g_free(args->pdata[found]);
  args->pdata[found] = g_strdup_printf("fd:%d", fd);
  return TRUE;
}

GPtrArray *
dm_stubdom_local_args(const char *qmp_socket, int save_fd)
{
  GPtrArray *args = g_ptr_array_new_null_terminated(6, g_free, TRUE);
  g_autofree char *path = dm_qemu_escape(qmp_socket);

  /* Our own monitor, local to the stub domain: the vchan proxy connects
   * here for each toolstack QMP session.  libxl adds no QMP option to a
   * stub domain's argv; the stub domain is expected to. */
  g_ptr_array_add(args, g_strdup("-chardev"));
  g_ptr_array_add(args, g_strdup_printf("socket,id=stubdom-qmp,path=%s,server=on,wait=off", path));
  g_ptr_array_add(args, g_strdup("-mon"));
  g_ptr_array_add(args, g_strdup("chardev=stubdom-qmp,mode=control"));
  if (save_fd >= 0) {
    /* The command-line twin of QMP add-fd: qemu holds console 1 in fd set
     * 1 from the start, where libxl's save opens /dev/fdset/1. */
    g_ptr_array_add(args, g_strdup("-add-fd"));
    g_ptr_array_add(args, g_strdup_printf("fd=%d,set=%d", save_fd, DM_STUBDOM_SAVE_FDSET));
  }
  return args;
}
