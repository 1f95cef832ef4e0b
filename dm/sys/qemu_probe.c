#include "qemu_probe.h"
#include "fd_io.h"
#include "qemu_opts.h"
#include "signals.h"
#include "trust.h"
#include "vnc.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <glib/gstdio.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <string.h>
#include <sys/stat.h>

typedef struct {
  const char *key; /* in the cache file */
  const char *const *args;
  gsize offset; /* of the gboolean in DmQemuFacts */
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

/* Cache keys besides the probes' own. */
#define KEY_STAMP "stamp"
#define KEY_QEMU "qemu" /* answered -version like qemu */
#define KEY_SANDBOX_ERROR "sandbox-error"

/* A qemu answers -version, or fails at its first bad option, at once;
 * anything that does not within this long is not a qemu we can learn
 * from, and must not hold up a domain. */
#define PROBE_TIMEOUT_MS 5000

/* What one run of the binary gave. */
typedef struct {
  gboolean ran;       /* spawned, and reaped */
  gboolean timed_out; /* killed at PROBE_TIMEOUT_MS */
  int status;         /* waitpid's */
  GString *out;       /* stdout (bounded) */
  GString *err;       /* stderr (bounded) */
  char why[160];      /* why it did not run, when it did not */
} Run;

/* What one probe learned.  Only ANSWER_YES and ANSWER_NO are answers
 * that qemu gave, and only they are cached: a probe that timed out on a
 * loaded host, or that fork could not start (EAGAIN, ENOMEM), says
 * nothing about the binary, and caching it as "no" switched -sandbox and
 * -xen-domid-restrict off for good. */
typedef enum { ANSWER_NO, ANSWER_YES, ANSWER_UNKNOWN } Answer;

static void
run_clear(Run *r)
{
  if (r->out)
    g_string_free(r->out, TRUE);
  if (r->err)
    g_string_free(r->err, TRUE);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Run, run_clear)

static gboolean
run_succeeded(const Run *r)
{
  return r->ran && !r->timed_out && WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0;
}

/* It ran to its own end: what it said is an answer. */
static gboolean
run_answered(const Run *r)
{
  return r->ran && !r->timed_out && WIFEXITED(r->status);
}

static void
run_why_unknown(const Run *r, char *out, gsize size)
{
  if (!r->ran)
    g_snprintf(out, size, "it could not be started: %s", r->why);
  else if (r->timed_out)
    g_snprintf(out, size, "it did not answer within %d ms", PROBE_TIMEOUT_MS);
  else if (WIFSIGNALED(r->status))
    g_snprintf(out, size, "it was killed by signal %d", WTERMSIG(r->status));
  else
    g_snprintf(out, size, "it did not finish");
}

/* Runs in the child: its own process group, so that a timeout (or the
 * launcher's signal handler) kills whatever it started too; and the
 * signals the launcher held while it forked, unblocked again for qemu. */
static void
own_process_group(gpointer data)
{
  sigset_t set;

  setpgid(0, 0);
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGINT);
  sigprocmask(SIG_UNBLOCK, &set, NULL);
}

/* Runs "BINARY ARGS..." with stdin from `stdin_fd` (or /dev/null when -1),
 * collecting stdout and stderr, for at most PROBE_TIMEOUT_MS; then kills
 * its process group. */
static void
run_binary(const char *binary, const char *const *args, int stdin_fd, Run *r)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_null_terminated(16, NULL, TRUE);
  gint64 deadline = g_get_monotonic_time() + PROBE_TIMEOUT_MS * 1000;
  g_autoptr(GError) spawn_error = NULL;
  GPid pid;
  int fds[2] = { -1, -1 };
  GString *into[2];
  sigset_t held;

  r->out = g_string_new(NULL);
  r->err = g_string_new(NULL);
  into[0] = r->out;
  into[1] = r->err;
  g_ptr_array_add(argv, (gpointer)binary);
  for (const char *const *a = args; a && *a; a++)
    g_ptr_array_add(argv, (gpointer)*a);
  /* GLib closes every fd but 0-2 in the child: the toolstack's fds do
   * not reach the probe.  The signals are held until the handler knows
   * the probe's process group (dm/sys/signals.h). */
  dm_signals_hold(&held);
  if (!g_spawn_async_with_pipes_and_fds(NULL, (const char *const *)argv->pdata, NULL,
                                        G_SPAWN_DO_NOT_REAP_CHILD |
                                          (stdin_fd < 0 ? G_SPAWN_STDIN_FROM_DEV_NULL : 0),
                                        own_process_group, NULL, stdin_fd, -1, -1, NULL, NULL, 0,
                                        &pid, NULL, &fds[0], &fds[1], &spawn_error)) {
    dm_signals_release(&held);
    g_strlcpy(r->why, spawn_error->message, sizeof(r->why));
    return;
  }
  /* The child may not have run setpgid yet: do it from here too, so
   * that the group exists before the handler could kill it. */
  setpgid(pid, pid);
  dm_signals_track_probe(pid);
  dm_signals_release(&held);
  while (fds[0] >= 0 || fds[1] >= 0) {
    struct pollfd pfd[2] = { { .fd = fds[0], .events = POLLIN },
                             { .fd = fds[1], .events = POLLIN } };
    gint64 left = (deadline - g_get_monotonic_time()) / 1000;
    if (left <= 0) {
      r->timed_out = TRUE;
      break;
    }
    if (poll(pfd, 2, (int)left) < 0 && errno != EINTR)
      break;
    for (int i = 0; i < 2; i++) {
      char buf[512];
      ssize_t n;
      if (fds[i] < 0 || pfd[i].revents == 0)
        continue;
      n = read(fds[i], buf, sizeof(buf));
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0) {
        close(fds[i]);
        fds[i] = -1;
        continue;
      }
      if (into[i]->len < 65536)
        g_string_append_len(into[i], buf, n);
    }
  }
  for (int i = 0; i < 2; i++)
    if (fds[i] >= 0)
      close(fds[i]);
  if (r->timed_out) {
    kill(-pid, SIGKILL);
    g_debug("%s did not finish within %d ms", binary, PROBE_TIMEOUT_MS);
  }
  while (waitpid(pid, &r->status, 0) < 0 && errno == EINTR)
    ;
  /* Reaped: the group may be gone, and its number reused. */
  dm_signals_track_probe(0);
  g_spawn_close_pid(pid);
  r->ran = TRUE;
}

/* qemu's reason from its stderr: the first line holding `needle` (any
 * line when NULL, the last one), without the "PROGRAM: -OPTION VALUE: "
 * that qemu puts before it.  Control bytes become spaces. */
static void
qemu_reason(const char *err, const char *needle, char *out, gsize size)
{
  g_auto(GStrv) lines = g_strsplit(err, "\n", -1);
  const char *line = NULL;
  const char *colon;
  char *p;

  for (char **l = lines; *l; l++) {
    if (**l == '\0')
      continue;
    if (needle == NULL || strstr(*l, needle) != NULL) {
      line = *l;
      if (needle)
        break;
    }
  }
  out[0] = '\0';
  if (line == NULL)
    return;
  colon = g_strrstr(line, ": ");
  g_strlcpy(out, colon ? colon + 2 : line, size);
  for (p = out; *p; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f)
      *p = ' ';
}

static Answer
run_version(const char *binary, const char *const *args, char *reason, gsize reason_size,
            char *unknown, gsize unknown_size)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_null_terminated(8, NULL, TRUE);
  g_auto(Run) r = { 0 };

  for (const char *const *a = args; a && *a; a++)
    g_ptr_array_add(argv, (gpointer)*a);
  g_ptr_array_add(argv, (gpointer) "-version");
  run_binary(binary, (const char *const *)argv->pdata, -1, &r);
  if (!run_answered(&r)) {
    run_why_unknown(&r, unknown, unknown_size);
    return ANSWER_UNKNOWN;
  }
  if (reason)
    qemu_reason(r.err ? r.err->str : "", NULL, reason, reason_size);
  return run_succeeded(&r) && strstr(r.out->str, "QEMU emulator version") != NULL ? ANSWER_YES
                                                                                  : ANSWER_NO;
}

/* The options probe: which of the options the launcher may add the
 * binary takes (see dm_qemu_probe). */
static void
probe_options(const char *binary, DmQemuFacts *facts)
{
  char why[160];
  Answer a = run_version(binary, NULL, NULL, 0, why, sizeof(why));

  if (a == ANSWER_UNKNOWN) {
    facts->qemu_unknown = TRUE;
    g_snprintf(facts->probe_error, sizeof(facts->probe_error), "'%s -version': %s", binary, why);
    return;
  }
  facts->qemu_probed = a == ANSWER_YES;
  if (!facts->qemu_probed) {
    g_debug("%s does not answer -version like qemu: no optional options", binary);
    return;
  }
  for (gsize i = 0; i < G_N_ELEMENTS(probes); i++) {
    a = run_version(binary, probes[i].args,
                    probes[i].args == sandbox_args ? facts->sandbox_error : NULL,
                    sizeof(facts->sandbox_error), why, sizeof(why));
    FACT(facts, &probes[i]) = a == ANSWER_YES;
    if (a == ANSWER_UNKNOWN && !facts->qemu_unknown) {
      facts->qemu_unknown = TRUE;
      g_snprintf(facts->probe_error, sizeof(facts->probe_error), "'%s %s -version': %s", binary,
                 probes[i].args[0], why);
    }
  }
  if (facts->qemu_has_sandbox)
    facts->sandbox_error[0] = '\0';
  if (facts->qemu_unknown) {
    /* Half an answer is no answer: nothing of it is used or cached. */
    facts->qemu_probed = FALSE;
    for (gsize i = 0; i < G_N_ELEMENTS(probes); i++)
      FACT(facts, &probes[i]) = FALSE;
    facts->sandbox_error[0] = '\0';
    return;
  }
  g_debug("probed %s: sandbox=%d domid-restrict=%d runas-ids=%d chroot=%d", binary,
          facts->qemu_has_sandbox, facts->qemu_has_domid_restrict, facts->qemu_has_runas_ids,
          facts->qemu_has_chroot);
}

/* The start-up probes: what -version cannot show, because qemu checks
 * it only as it creates its objects and opens its displays. */
typedef enum { START_VNC_DES, START_VNC_TLS } StartProbe;

typedef struct {
  const char *what;       /* for the log */
  const char *key;        /* cache key; key-error holds qemu's words */
  const char *no_needle;  /* qemu's words for "this build cannot" */
  const char *yes_needle; /* words that show it can, even as it fails; or NULL */
  gsize offset;           /* of the char[] in DmQemuFacts */
} StartSpec;

static const StartSpec start_specs[] = {
  /* ui/vnc.c, QEMU 2.x to 9.x: "Cipher backend does not support DES
   * algorithm". */
  [START_VNC_DES] = { "VNC passwords (DES)", "vnc-des", "does not support DES", NULL,
                      G_STRUCT_OFFSET(DmQemuFacts, vnc_des_error) },
  /* crypto/tlscreds*.c built without GnuTLS: "TLS credentials support
   * requires GNUTLS".  With GnuTLS, credentials from a directory that does
   * not exist fail with "Unable to access credentials DIR/ca-cert.pem":
   * the TLS code ran. */
  [START_VNC_TLS] = { "VNC TLS (GnuTLS)", "vnc-tls", "requires GNUTLS",
                      "Unable to access credentials", G_STRUCT_OFFSET(DmQemuFacts, vnc_tls_error) },
};

#define START_ERROR(facts, spec) ((char *)(facts) + (spec)->offset)
#define START_ERROR_SIZE 256 /* both fields' size (DmQemuFacts) */
G_STATIC_ASSERT(sizeof(((DmQemuFacts *)0)->vnc_des_error) == START_ERROR_SIZE);
G_STATIC_ASSERT(sizeof(((DmQemuFacts *)0)->vnc_tls_error) == START_ERROR_SIZE);

/* Starts qemu for real on a -machine none guest with the qtest
 * accelerator (no guest, no Xen; tcg where a build has no qtest), with
 * what the launcher would pass it:
 *   DES: a secret object as password-secret= of a VNC server on a Unix
 *        socket in a private temporary directory;
 *   TLS: x509 credentials from a directory that does not exist there;
 * and QMP on stdin telling it to quit once it is up.  Returns TRUE when it
 * learned something (into `error`: "" when qemu can, qemu's words when it
 * positively cannot); FALSE when it could not tell, which must never stop
 * a launch. */
static gboolean
probe_start(const char *binary, StartProbe kind, char *error)
{
  static const char qmp[] = "{\"execute\":\"qmp_capabilities\"}\n{\"execute\":\"quit\"}\n";
  const StartSpec *spec = &start_specs[kind];
  g_autoptr(GError) local = NULL;
  g_autofree char *dir = g_dir_make_tmp("qemu-dm-launcher-probe-XXXXXX", &local);
  g_autofree char *socket = NULL;
  g_autofree char *escaped = NULL;
  g_autofree char *object = NULL;
  g_autofree char *vnc = NULL;
  g_auto(Run) r = { 0 };
  int in_fd;

  error[0] = '\0';
  if (dir == NULL) {
    g_debug("%s probe of %s not run: %s", spec->what, binary, local->message);
    return FALSE;
  }
  socket = g_build_filename(dir, "vnc", NULL);
  escaped = dm_qemu_escape(socket);
  if (kind == START_VNC_DES) {
    object = g_strdup("secret,id=dm-probe,data=probe");
    vnc = g_strdup_printf("unix:%s,password-secret=dm-probe", escaped);
  } else {
    g_autofree char *none = g_build_filename(dir, "none", NULL);
    g_autofree char *none_escaped = dm_qemu_escape(none);
    object = g_strdup_printf("tls-creds-x509,id=dm-probe,dir=%s,endpoint=server", none_escaped);
    vnc = g_strdup_printf("unix:%s,tls-creds=dm-probe", escaped);
  }
  /* QMP reads the commands from a memfd (stdin), which, unlike a pipe,
   * cannot raise SIGPIPE here if qemu exits before reading them. */
  in_fd = memfd_create("qemu-dm-launcher-qmp", MFD_CLOEXEC);
  if (in_fd >= 0 && (write(in_fd, qmp, sizeof(qmp) - 1) != (ssize_t)(sizeof(qmp) - 1) ||
                     lseek(in_fd, 0, SEEK_SET) != 0)) {
    close(in_fd);
    in_fd = -1;
  }
  if (in_fd < 0) {
    g_debug("%s probe of %s not run: memfd: %s", spec->what, binary, g_strerror(errno));
  } else {
    const char *const args[] = { "-no-user-config", "-nodefaults", "-machine", "none",     "-accel",
                                 "qtest",           "-accel",      "tcg",      "-display", "none",
                                 "-object",         object,        "-vnc",     vnc,        "-qmp",
                                 "stdio",           NULL };
    dm_signals_track_probe_dir(dir, socket);
    run_binary(binary, args, in_fd, &r);
    close(in_fd);
  }
  g_remove(socket);
  g_rmdir(dir);
  dm_signals_track_probe_dir(NULL, NULL);
  if (!r.ran)
    return FALSE;
  if (g_strrstr(r.err->str, spec->no_needle)) {
    qemu_reason(r.err->str, spec->no_needle, error, START_ERROR_SIZE);
    g_debug("%s cannot do %s: %s", binary, spec->what, error);
    return TRUE;
  }
  if (run_succeeded(&r) || (spec->yes_needle && g_strrstr(r.err->str, spec->yes_needle))) {
    g_debug("%s can do %s", binary, spec->what);
    return TRUE;
  }
  {
    char why[256];
    qemu_reason(r.err->str, NULL, why, sizeof(why));
    g_debug("could not tell whether %s can do %s (%s%s%s); assuming it can", binary, spec->what,
            r.timed_out ? "no answer in time" : "it failed", *why ? ": " : "", why);
  }
  return FALSE;
}

/* A start-up probe through the cache: only an answer is cached, so a
 * probe that could not tell runs again next time rather than fix
 * "assumed" for the life of the binary. */
static gboolean
start_fact(GKeyFile *kf, const char *binary, StartProbe kind, DmQemuFacts *facts)
{
  const StartSpec *spec = &start_specs[kind];
  g_autofree char *error_key = g_strconcat(spec->key, "-error", NULL);
  char *error = START_ERROR(facts, spec);

  if (g_key_file_has_key(kf, binary, spec->key, NULL)) {
    g_autofree char *why = g_key_file_get_string(kf, binary, error_key, NULL);
    if (!g_key_file_get_boolean(kf, binary, spec->key, NULL))
      g_strlcpy(error, why && *why ? why : "not supported", START_ERROR_SIZE);
    return FALSE;
  }
  if (!probe_start(binary, kind, error))
    return FALSE;
  g_key_file_set_boolean(kf, binary, spec->key, error[0] == '\0');
  g_key_file_set_string(kf, binary, error_key, error);
  return TRUE;
}

#define CACHE_NAME "qemu-facts.ini"
#define CACHE_MAX (1024 * 1024)

/* The run dir, checked by the secret file's rules (dm/sys/trust.h): a cache
 * that another user could plant or redirect would decide whether qemu
 * gets -sandbox.  With `write_cache`, the directory fd also carries the
 * probe lock (flock): 20 guests started at once after a reboot (the run
 * dir is in /run, so the cache is gone) probe once; the others wait here
 * for its answers.  -1 when there is no cache to use (then every launch
 * probes). */
static int
cache_open(const char *cache_dir, gboolean write_cache)
{
  g_autoptr(GError) error = NULL;
  int dir_fd;

  if (!write_cache && access(cache_dir, F_OK) < 0)
    return -1; /* a dry run before any launch */
  dir_fd = dm_trust_open_dir(cache_dir, write_cache ? 0700 : 0, &error);
  if (dir_fd < 0) {
    g_warning("not using the qemu probe cache in run-dir '%s': %s", cache_dir, error->message);
    return -1;
  }
  return dir_fd;
}

/* Whether the cache answers everything this launch asks, so that it
 * need not take the lock. */
static gboolean
cache_answers(GKeyFile *kf, const char *binary, const char *stamp, gboolean options,
              gboolean vnc_des, gboolean vnc_tls)
{
  g_autofree char *cached = g_key_file_get_string(kf, binary, KEY_STAMP, NULL);

  if (cached == NULL || strcmp(cached, stamp) != 0)
    return FALSE;
  if (options && !g_key_file_has_key(kf, binary, KEY_QEMU, NULL))
    return FALSE;
  if (options && !g_key_file_get_boolean(kf, binary, KEY_QEMU, NULL))
    return TRUE; /* no start-up probes for it */
  if (vnc_des && !g_key_file_has_key(kf, binary, start_specs[START_VNC_DES].key, NULL))
    return FALSE;
  if (vnc_des && !g_key_file_get_boolean(kf, binary, start_specs[START_VNC_DES].key, NULL))
    vnc_tls = TRUE; /* asked too, for the advice */
  return !vnc_tls || g_key_file_has_key(kf, binary, start_specs[START_VNC_TLS].key, NULL);
}

static void
cache_load(int dir_fd, const char *cache_dir, GKeyFile *kf)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename(cache_dir, CACHE_NAME, NULL);
  g_autofree char *data = g_malloc(CACHE_MAX + 1);
  gsize len = 0;
  int fd = dm_trust_open_file(dir_fd, CACHE_NAME, path, FALSE, &error);

  if (fd < 0) {
    if (errno != ENOENT)
      g_warning("not using the qemu probe cache: %s", error->message);
    return;
  }
  /* A failed read keeps what came before it, as a short file would. */
  (void)dm_read_up_to(fd, data, CACHE_MAX, &len);
  close(fd);
  data[len] = '\0';
  g_key_file_load_from_data(kf, data, len, G_KEY_FILE_NONE, NULL);
}

/* Written beside it and renamed over it, all relative to the checked
 * directory, never through a link. */
static void
cache_save(int dir_fd, const char *cache_dir, GKeyFile *kf)
{
  g_autofree char *data = g_key_file_to_data(kf, NULL, NULL);
  g_autofree char *tmp = g_strdup_printf(CACHE_NAME ".%d", (int)getpid());
  int fd;

  unlinkat(dir_fd, tmp, 0);
  fd = openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  {
    gboolean ok = fd >= 0 && dm_write_all(fd, data, strlen(data)) && fsync(fd) == 0;
    if (fd >= 0 && close(fd) < 0)
      ok = FALSE;
    if (!ok || renameat(dir_fd, tmp, dir_fd, CACHE_NAME) < 0) {
      /* The cache only saves time: a full or read-only run dir costs a
       * probe per launch, never a launch. */
      g_debug("not caching qemu facts in %s/%s: %s", cache_dir, CACHE_NAME, g_strerror(errno));
      unlinkat(dir_fd, tmp, 0);
    }
  }
}

void
dm_qemu_probe(const char *binary, const char *cache_dir, gboolean write_cache, gboolean options,
              gboolean vnc_des, gboolean vnc_tls, DmQemuFacts *facts)
{
  g_autoptr(GKeyFile) kf = g_key_file_new();
  g_autofree char *stamp = NULL;
  gboolean dirty = FALSE;
  struct stat st;
  int dir_fd;

  for (gsize i = 0; i < G_N_ELEMENTS(probes); i++)
    FACT(facts, &probes[i]) = FALSE;
  facts->qemu_probed = FALSE;
  facts->qemu_unknown = FALSE;
  facts->probe_error[0] = '\0';
  facts->sandbox_error[0] = '\0';
  facts->vnc_des_error[0] = '\0';
  facts->vnc_tls_error[0] = '\0';
  if (stat(binary, &st) < 0 || !S_ISREG(st.st_mode))
    return; /* reported clearly at exec */
  stamp = g_strdup_printf("%lld.%09ld:%lld:%llu", (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
                          (long long)st.st_size, (unsigned long long)st.st_ino);

  /* One group per binary; a different stamp (a new binary) starts it
   * afresh.  Each probe's answers are cached as they are first needed. */
  dir_fd = cache_open(cache_dir, write_cache);
  if (dir_fd >= 0)
    cache_load(dir_fd, cache_dir, kf);
  if (dir_fd >= 0 && write_cache && !cache_answers(kf, binary, stamp, options, vnc_des, vnc_tls)) {
    /* Something to probe: one launcher at a time, and the others then
     * read its answers.  Bounded by the holder's probes, each killed at
     * PROBE_TIMEOUT_MS; a signal to a waiter runs the handler and ends
     * it.  The lock goes with the fd. */
    while (flock(dir_fd, LOCK_EX) < 0 && errno == EINTR)
      ;
    g_key_file_free(kf);
    kf = g_key_file_new();
    cache_load(dir_fd, cache_dir, kf);
  }
  {
    g_autofree char *cached = g_key_file_get_string(kf, binary, KEY_STAMP, NULL);
    if (cached == NULL || strcmp(cached, stamp) != 0) {
      g_key_file_remove_group(kf, binary, NULL);
      g_key_file_set_string(kf, binary, KEY_STAMP, stamp);
    }
  }

  if (options && g_key_file_has_key(kf, binary, KEY_QEMU, NULL)) {
    g_autofree char *why = g_key_file_get_string(kf, binary, KEY_SANDBOX_ERROR, NULL);
    facts->qemu_probed = g_key_file_get_boolean(kf, binary, KEY_QEMU, NULL);
    for (gsize i = 0; i < G_N_ELEMENTS(probes); i++)
      FACT(facts, &probes[i]) = g_key_file_get_boolean(kf, binary, probes[i].key, NULL);
    g_strlcpy(facts->sandbox_error, why ? why : "", sizeof(facts->sandbox_error));
    g_debug("qemu options of %s from the cache in %s", binary, cache_dir);
  } else if (options) {
    probe_options(binary, facts);
    if (facts->qemu_unknown) {
      g_warning("could not tell which options qemu '%s' takes: the probe %s.  This launch "
                "adds none of them; nothing is cached, the next launch asks again",
                binary, facts->probe_error);
    } else {
      g_key_file_set_boolean(kf, binary, KEY_QEMU, facts->qemu_probed);
      for (gsize i = 0; i < G_N_ELEMENTS(probes); i++)
        g_key_file_set_boolean(kf, binary, probes[i].key, FACT(facts, &probes[i]));
      g_key_file_set_string(kf, binary, KEY_SANDBOX_ERROR, facts->sandbox_error);
      dirty = TRUE;
    }
  }

  /* The start-up probes learn nothing from a binary that is known not to
   * answer like qemu (a wrapper that only execs, a test stand-in): its
   * exit status would say "can" for anything. */
  if (options && !facts->qemu_probed && (vnc_des || vnc_tls)) {
    g_debug("%s did not answer -version like qemu: VNC crypto not probed", binary);
    vnc_des = vnc_tls = FALSE;
  }
  if (vnc_des && start_fact(kf, binary, START_VNC_DES, facts))
    dirty = TRUE;
  /* TLS: for a TLS launch, and for the advice when a password cannot be
   * had (TLS is the other way to guard the console). */
  if ((vnc_tls || facts->vnc_des_error[0] != '\0') && start_fact(kf, binary, START_VNC_TLS, facts))
    dirty = TRUE;

  if (write_cache && dirty && dir_fd >= 0)
    cache_save(dir_fd, cache_dir, kf);
  if (dir_fd >= 0)
    close(dir_fd); /* and with it the lock */
}

void
dm_qemu_facts_gather(const DmRequest *request, const DmDomainConfig *dc, gboolean dry_run,
                     DmQemuFacts *facts)
{
  g_autoptr(GPtrArray) images = NULL;
  gboolean options, vnc_des, vnc_tls;

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
  options = request->flavour == DM_FLAVOUR_QEMU_XEN &&
            (dc->qemu_sandbox != DM_QEMU_SANDBOX_OFF || dc->dm_restrict);
  /* Only where a password will reach qemu: other launches pay nothing. */
  vnc_des = dm_vnc_passes_password(request, dc);
  vnc_tls = dm_vnc_passes_tls(request, dc);
  if (options || vnc_des || vnc_tls)
    dm_qemu_probe(dm_qemu_binary(request, dc), dc->run_dir, !dry_run, options, vnc_des, vnc_tls,
                  facts);
}

char *
dm_qemu_version(const char *binary)
{
  const char *const args[] = { "-version", NULL };
  g_auto(Run) r = { 0 };

  run_binary(binary, args, -1, &r);
  if (!run_succeeded(&r))
    return NULL;
  const char *v = strstr(r.out->str, "QEMU emulator version ");
  if (v == NULL)
    return NULL;
  return g_strndup(v, strcspn(v, "\n"));
}
