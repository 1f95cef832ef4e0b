#include "qemu_probe.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <string.h>
#include <sys/stat.h>

typedef struct {
  const char *key;        /* in the cache file */
  const char *const *args;
  gsize offset;           /* of the gboolean in DmQemuFacts */
} Probe;

static const char *const sandbox_args[] = { "-sandbox", DM_QEMU_SANDBOX_ARG, NULL };
static const char *const restrict_args[] = { "-xen-domid-restrict", NULL };
/* A numeric uid:gid that is no user name: only a qemu that parses the
 * numeric form (7.1+) accepts it. */
static const char *const runas_args[] = { "-runas", "65534:65534", NULL };
static const char *const chroot_args[] = { "-chroot", "/", NULL };

static const Probe probes[] = {
  { "sandbox", sandbox_args, G_STRUCT_OFFSET(DmQemuFacts, qemu_has_sandbox) },
  { "domid-restrict", restrict_args, G_STRUCT_OFFSET(DmQemuFacts, qemu_has_domid_restrict) },
  { "runas-ids", runas_args, G_STRUCT_OFFSET(DmQemuFacts, qemu_has_runas_ids) },
  { "chroot", chroot_args, G_STRUCT_OFFSET(DmQemuFacts, qemu_has_chroot) },
};

#define FACT(facts, p) (*(gboolean *)((char *)(facts) + (p)->offset))

/* A qemu answers -version at once; anything that does not within this
 * long is not a qemu we can learn from, and must not hold up a domain. */
#define PROBE_TIMEOUT_MS 5000

/* Runs in the child: its own process group, so that a timeout kills
 * whatever it started too. */
static void
own_process_group(gpointer data)
{
  setpgid(0, 0);
}

static gboolean
run_version(const char *binary, const char *const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_null_terminated(8, NULL, TRUE);
  g_autoptr(GString) out = g_string_new(NULL);
  gint64 deadline = g_get_monotonic_time() + PROBE_TIMEOUT_MS * 1000;
  GPid pid;
  int out_fd = -1;
  int status = 0;
  gboolean timed_out = FALSE;

  g_ptr_array_add(argv, (gpointer)binary);
  for (const char *const *a = args; a && *a; a++)
    g_ptr_array_add(argv, (gpointer)*a);
  g_ptr_array_add(argv, (gpointer) "-version");
  /* GLib closes every fd but 0-2 in the child: the toolstack's fds do
   * not reach the probe. */
  if (!g_spawn_async_with_pipes_and_fds(NULL, (const char *const *)argv->pdata, NULL,
                                        G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDERR_TO_DEV_NULL |
                                          G_SPAWN_STDIN_FROM_DEV_NULL,
                                        own_process_group, NULL, -1, -1, -1, NULL, NULL, 0, &pid, NULL,
                                        &out_fd, NULL, NULL))
    return FALSE;
  for (;;) {
    char buf[512];
    gint64 left = (deadline - g_get_monotonic_time()) / 1000;
    struct pollfd pfd = { .fd = out_fd, .events = POLLIN };
    ssize_t n;
    if (left <= 0) {
      timed_out = TRUE;
      break;
    }
    if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
      break;
    if (pfd.revents == 0)
      continue;
    n = read(out_fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    if (out->len < 65536)
      g_string_append_len(out, buf, n);
  }
  close(out_fd);
  if (timed_out) {
    kill(-pid, SIGKILL);
    g_debug("%s did not answer -version within %d ms", binary, PROBE_TIMEOUT_MS);
  }
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  g_spawn_close_pid(pid);
  return !timed_out && WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
         strstr(out->str, "QEMU emulator version") != NULL;
}

void
dm_qemu_probe(const char *binary, const char *cache_dir, gboolean write_cache,
              DmQemuFacts *facts)
{
  g_autofree char *cache = g_build_filename(cache_dir, "qemu-facts.ini", NULL);
  g_autoptr(GKeyFile) kf = g_key_file_new();
  g_autofree char *stamp = NULL;
  g_autoptr(GError) error = NULL;
  struct stat st;

  for (gsize i = 0; i < G_N_ELEMENTS(probes); i++)
    FACT(facts, &probes[i]) = FALSE;
  if (stat(binary, &st) < 0 || !S_ISREG(st.st_mode))
    return; /* reported clearly at exec */
  stamp = g_strdup_printf("%lld.%09ld:%lld:%llu", (long long)st.st_mtim.tv_sec,
                          st.st_mtim.tv_nsec, (long long)st.st_size,
                          (unsigned long long)st.st_ino);

  if (g_key_file_load_from_file(kf, cache, G_KEY_FILE_NONE, NULL)) {
    g_autofree char *cached = g_key_file_get_string(kf, binary, "stamp", NULL);
    if (cached && strcmp(cached, stamp) == 0) {
      for (gsize i = 0; i < G_N_ELEMENTS(probes); i++)
        FACT(facts, &probes[i]) = g_key_file_get_boolean(kf, binary, probes[i].key, NULL);
      g_debug("qemu facts for %s from the cache %s", binary, cache);
      return;
    }
  }

  if (!run_version(binary, NULL)) {
    g_debug("%s does not answer -version like qemu: no optional options", binary);
  } else {
    for (gsize i = 0; i < G_N_ELEMENTS(probes); i++)
      FACT(facts, &probes[i]) = run_version(binary, probes[i].args);
  }
  g_debug("probed %s: sandbox=%d domid-restrict=%d runas-ids=%d chroot=%d", binary,
            facts->qemu_has_sandbox, facts->qemu_has_domid_restrict,
            facts->qemu_has_runas_ids, facts->qemu_has_chroot);
  if (!write_cache)
    return;
  g_key_file_set_string(kf, binary, "stamp", stamp);
  for (gsize i = 0; i < G_N_ELEMENTS(probes); i++)
    g_key_file_set_boolean(kf, binary, probes[i].key, FACT(facts, &probes[i]));
  {
    g_autofree char *data = g_key_file_to_data(kf, NULL, NULL);
    /* The cache only saves time: a read-only or missing run dir costs a
     * probe per launch, never a launch. */
    if (g_mkdir_with_parents(cache_dir, 0700) < 0 ||
        !g_file_set_contents_full(cache, data, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600,
                                  &error))
      g_debug("not caching qemu facts in %s: %s", cache,
              error ? error->message : g_strerror(errno));
  }
}

void
dm_qemu_facts_gather(const DmRequest *request, const DmDomainConfig *dc, gboolean dry_run,
                     DmQemuFacts *facts)
{
  g_autoptr(GPtrArray) images = NULL;

  memset(facts, 0, sizeof(*facts));
  if (request->flavour == DM_FLAVOUR_PROBE)
    return;
  facts->display = g_getenv("DISPLAY");
  facts->xauthority = g_getenv("XAUTHORITY");
  images = dm_qemu_image_paths(request);
  for (guint i = 0; i < images->len; i++) {
    struct stat st;
    if (stat(g_ptr_array_index(images, i), &st) == 0 && S_ISREG(st.st_mode))
      facts->images_are_files = TRUE;
  }
  if (request->flavour == DM_FLAVOUR_QEMU_XEN && (dc->qemu_sandbox || dc->dm_restrict))
    dm_qemu_probe(dm_qemu_binary(request, dc), dc->run_dir, !dry_run, facts);
}
