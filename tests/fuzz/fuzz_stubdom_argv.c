/* libFuzzer harness: the stub domain's dm-argv reader (pure code), as a
 * hostile or broken xenstore could feed it, then the toolstack-argv parser
 * it hands its result to.
 *
 * Input: key, value, key, value, ... separated by NUL bytes (by newlines
 * when the input has no NUL; see fuzz_common.h).  A key left without a
 * value stands for a node whose read failed (value NULL).  The input's
 * last byte picks the fd for -incoming and whether a save fd is added. */
#include "fuzz_common.h"

#include "stubdom_argv.h"
#include "toolstack_args.h"
#include "util.h"

static void
check_local_args(const char *socket, int save_fd)
{
  g_autoptr(GPtrArray) local = dm_stubdom_local_args(socket, save_fd);
  g_autofree char *path = NULL;

  FUZZ_CHECK(local->len == (save_fd >= 0 ? 6u : 4u) && local->pdata[local->len] == NULL);
  /* The one escaping function: qemu's option reader gets the path back. */
  path = dm_qemu_opt_get(g_ptr_array_index(local, 1), "path");
  FUZZ_CHECK(path != NULL && strcmp(path, socket) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  g_autoptr(GPtrArray) words = fuzz_split_args(data, size);
  gsize n = (words->len + 1) / 2;
  g_autofree const char **keys = g_new0(const char *, n + 1);
  g_autofree const char **values = g_new0(const char *, n + 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) args = NULL;
  g_autoptr(DmRequest) req = NULL;
  int fd = size ? data[size - 1] % 64 : 0;

  for (gsize i = 0; i < n; i++) {
    keys[i] = g_ptr_array_index(words, 2 * i);
    values[i] = 2 * i + 1 < words->len ? g_ptr_array_index(words, 2 * i + 1) : NULL;
  }
  check_local_args(n ? keys[0] : "/run/qmp", fd % 2 ? fd : -1);

  args = dm_stubdom_argv_assemble(keys, values, n, &error);
  if (args == NULL) {
    FUZZ_CHECK(error != NULL && error->domain == DM_ERROR && error->code == DM_ERROR_INVALID);
    FUZZ_CHECK(strchr(error->message, '\n') == NULL);
    return 0;
  }
  /* Every key names its slot: the value of key "%03d" % i is argument i. */
  FUZZ_CHECK(args->len == n && args->pdata[n] == NULL);
  for (gsize i = 0; i < n; i++) {
    guint64 index = 0;
    FUZZ_CHECK(dm_parse_uint(keys[i], G_MAXUINT32, &index) && index >= 1 && index <= n);
    FUZZ_CHECK(strcmp(g_ptr_array_index(args, index - 1), values[i]) == 0);
  }

  if (dm_stubdom_argv_wants_restore(args)) {
    g_autoptr(GError) incoming_error = NULL;
    g_autofree char *expect = g_strdup_printf("fd:%d", fd);
    if (dm_stubdom_argv_set_incoming(args, fd, &incoming_error)) {
      FUZZ_CHECK(!dm_stubdom_argv_wants_restore(args));
      gboolean seen = FALSE;
      for (guint i = 1; i < args->len; i++)
        if (strcmp(g_ptr_array_index(args, i), expect) == 0 &&
            g_strcmp0(dm_option_name(g_ptr_array_index(args, i - 1)), "incoming") == 0)
          seen = TRUE;
      FUZZ_CHECK(seen);
    } else {
      FUZZ_CHECK(incoming_error->domain == DM_ERROR && incoming_error->code == DM_ERROR_INVALID);
    }
  }

  /* The stub domain's run path parses the result as dom0 would. */
  req = dm_request_parse((int)args->len, (char *const *)args->pdata, &error);
  if (req == NULL)
    FUZZ_CHECK(error->domain == DM_ERROR && error->code == DM_ERROR_INVALID);
  else
    FUZZ_CHECK(req->args->len == args->len);
  return 0;
}
