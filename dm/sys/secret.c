#include "secret.h"
#include "fd_io.h"
#include "log.h"
#include "sandbox.h"
#include "signals.h"
#include "trust.h"
#include "util.h"
#include "xs.h"

#include <dirent.h>
#include <stdlib.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define SECRET_MAX 4096

void
dm_secret_free(char *secret)
{
  if (secret == NULL)
    return;
  explicit_bzero(secret, strlen(secret));
  g_free(secret);
}

char *
dm_secret_read_file(const char *path, GError **error)
{
  char buf[SECRET_MAX + 2];
  gsize len = 0;
  g_autoptr(GError) local = NULL;
  char *out;
  /* The secret file's rules (dm/sys/trust.h): no link followed, its
   * directories root's; a regular file (a FIFO would block the launch,
   * /dev/zero never end), root's, not readable by everyone.  Opened
   * non-blocking; the read below is bounded. */
  int fd = dm_trust_open_path(path, TRUE, &local);

  if (fd < 0) {
    g_set_error(error, DM_ERROR, DM_ERROR_CONFIG, "reading the VNC password file: %s",
                local->message);
    return NULL;
  }
  if (!dm_read_up_to(fd, buf, sizeof(buf), &len)) {
    int err = errno;
    close(fd);
    explicit_bzero(buf, sizeof(buf));
    g_set_error(error, DM_ERROR, DM_ERROR_CONFIG, "reading the VNC password file '%s': %s", path,
                g_strerror(err));
    return NULL;
  }
  close(fd);
  if (len > 0 && buf[len - 1] == '\n')
    len--;
  if (len > 0 && buf[len - 1] == '\r')
    len--;
  if (len == 0 || len > SECRET_MAX || memchr(buf, '\0', len) != NULL) {
    explicit_bzero(buf, sizeof(buf));
    g_set_error(error, DM_ERROR, DM_ERROR_CONFIG,
                "VNC password file '%s' must hold one password of 1 to %d bytes "
                "(no NUL bytes)",
                path, SECRET_MAX);
    return NULL;
  }
  out = g_strndup(buf, len);
  explicit_bzero(buf, sizeof(buf));
  return out;
}

typedef struct {
  char *password;
  char *node;
} XsSecret;

static void
xs_secret_free(gpointer data)
{
  XsSecret *secret = data;
  dm_secret_free(secret->password);
  g_free(secret->node);
  g_free(secret);
}

static gpointer
read_password(struct xs_handle *xs, gpointer data, GError **error)
{
  guint domid = GPOINTER_TO_UINT(data);
  g_autofree char *vm_node = g_strdup_printf("/local/domain/%u/vm", domid);
  g_autofree char *vm = NULL;
  g_autofree char *path = NULL;
  XsSecret *secret;
  gboolean missing = FALSE;

  vm = dm_xs_read(xs, XBT_NULL, vm_node, &missing, error);
  if (vm == NULL)
    return NULL;
  /* The toolstack wrote /vm/<uuid>; anything else is not ours to follow. */
  if (!g_str_has_prefix(vm, "/vm/") || strstr(vm, "..") != NULL || strchr(vm + 4, '/')) {
    g_autofree char *shown = dm_quote_for_message(vm);
    g_set_error(error, DM_ERROR, DM_ERROR_XENSTORE, "%s holds %s, not /vm/<uuid>", vm_node, shown);
    return NULL;
  }
  path = g_strconcat(vm, "/vncpasswd", NULL);
  secret = g_new0(XsSecret, 1);
  {
    /* Read directly, so that libxenstore's copy is wiped before it is
     * freed. */
    unsigned int len = 0;
    char *raw = xs_read(xs, XBT_NULL, path, &len);
    if (raw == NULL) {
      g_set_error(error, DM_ERROR, DM_ERROR_XENSTORE, "cannot read %s: %s", path,
                  g_strerror(errno));
      xs_secret_free(secret);
      return NULL;
    }
    secret->password = g_strndup(raw, len);
    explicit_bzero(raw, len);
    free(raw);
  }
  if (*secret->password == '\0') {
    xs_secret_free(secret);
    g_set_error(error, DM_ERROR, DM_ERROR_XENSTORE,
                "%s is empty (already consumed, or no password was set)", path);
    return NULL;
  }
  secret->node = g_steal_pointer(&path);
  return secret;
}

char *
dm_secret_read_xenstore(guint domid, guint timeout_ms, char **node, GError **error)
{
  XsSecret *secret;
  char *password;

  /* Bounded: a stopped xenstored must not hold the launch forever.  The
   * password cannot be had then, and qemu never starts without one. */
  secret =
    dm_xs_bounded(read_password, GUINT_TO_POINTER(domid), NULL, xs_secret_free, timeout_ms, error);
  if (secret == NULL) {
    g_prefix_error(error, "reading the VNC password from xenstore: ");
    return NULL;
  }
  password = g_steal_pointer(&secret->password);
  *node = g_steal_pointer(&secret->node);
  xs_secret_free(secret);
  return password;
}

static gboolean
clear_node(struct xs_handle *xs, xs_transaction_t t, gpointer data, GError **error)
{
  const char *node = data;
  unsigned int len = 0;
  char *value = xs_read(xs, t, node, &len);

  if (value == NULL) {
    if (errno == ENOENT)
      return TRUE;
    g_set_error(error, DM_ERROR, DM_ERROR_XENSTORE, "reading %s: %s", node, g_strerror(errno));
    return FALSE;
  }
  explicit_bzero(value, len);
  free(value);
  if (!xs_write(xs, t, node, "", 0)) {
    g_set_error(error, DM_ERROR, DM_ERROR_XENSTORE, "clearing %s: %s", node, g_strerror(errno));
    return FALSE;
  }
  return TRUE;
}

static gpointer
clear_password(struct xs_handle *xs, gpointer data, GError **error)
{
  /* A node already gone counts as cleared. */
  return dm_xs_transact(xs, clear_node, data, 8, error) ? GINT_TO_POINTER(1) : NULL;
}

gboolean
dm_secret_clear_xenstore(const char *node, guint timeout_ms, GError **error)
{
  if (dm_xs_bounded(clear_password, g_strdup(node), g_free, NULL, timeout_ms, error) == NULL) {
    g_prefix_error(error, "removing the consumed VNC password from xenstore: ");
    return FALSE;
  }
  return TRUE;
}

/* The domain's directory in the checked run dir: made private, opened
 * without following a link, and checked as opened (an existing one must
 * be ours, not planted). */
static int
open_private_dir(int run_fd, const char *name, const char *path, GError **error)
{
  int fd = dm_trust_open_subdir(run_fd, name, path, 0700, error);

  if (fd >= 0 && fchmod(fd, 0700) < 0) {
    g_set_error(error, DM_ERROR, DM_ERROR_SYSTEM, "directory '%s': %s", path, g_strerror(errno));
    close(fd);
    return -1;
  }
  return fd;
}

gboolean
dm_secret_write(const char *path, const char *data, gsize length, GError **error)
{
  g_autofree char *dir = g_path_get_dirname(path);
  g_autofree char *run_dir = g_path_get_dirname(dir);
  g_autofree char *dir_name = g_path_get_basename(dir);
  g_autofree char *file_name = g_path_get_basename(path);
  int run_fd, dir_fd, fd;

  /* The run dir and every parent by the secret file's rules (dm/sys/trust.h),
   * then everything relative to the fds that were checked. */
  run_fd = dm_trust_open_dir(run_dir, 0700, error);
  dir_fd = run_fd < 0 ? -1 : open_private_dir(run_fd, dir_name, dir, error);
  if (run_fd >= 0)
    close(run_fd);
  if (dir_fd < 0) {
    g_prefix_error(error, "writing the VNC password for qemu: ");
    return FALSE;
  }
  /* A file left by a launch that crashed before its reaper ran. */
  if (unlinkat(dir_fd, file_name, 0) < 0 && errno != ENOENT) {
    g_set_error(error, DM_ERROR, DM_ERROR_SYSTEM,
                "writing the VNC password for qemu: removing stale '%s': %s", path,
                g_strerror(errno));
    close(dir_fd);
    return FALSE;
  }
  fd = openat(dir_fd, file_name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  close(dir_fd);
  if (fd < 0) {
    g_set_error(error, DM_ERROR, DM_ERROR_SYSTEM, "writing the VNC password for qemu to '%s': %s",
                path, g_strerror(errno));
    return FALSE;
  }
  if (!dm_write_all(fd, data, length))
    goto fail;
  /* A full disk can also surface only when the data reaches it. */
  if (fsync(fd) < 0)
    goto fail;
  if (close(fd) < 0) {
    fd = -1;
    goto fail;
  }
  return TRUE;

fail : {
  int err = errno ? errno : EIO;
  if (fd >= 0)
    close(fd);
  unlink(path);
  g_set_error(error, DM_ERROR, DM_ERROR_SYSTEM, "writing the VNC password for qemu to '%s': %s",
              path, g_strerror(err));
  return FALSE;
}
}

/* Closes every fd but `keep`: the reaper must not hold the toolstack's
 * QMP socket or anything else of the launcher's open past qemu. */
static void
close_all_but(const int *keep, gsize n_keep)
{
  DIR *dir = opendir("/proc/self/fd");
  g_autoptr(GArray) fds = g_array_new(FALSE, FALSE, sizeof(int));
  struct dirent *e;

  if (dir == NULL)
    return;
  while ((e = readdir(dir)) != NULL) {
    guint64 fd;
    if (dm_parse_uint(e->d_name, G_MAXINT, &fd) && (int)fd != dirfd(dir)) {
      int v = (int)fd;
      g_array_append_val(fds, v);
    }
  }
  closedir(dir);
  for (guint i = 0; i < fds->len; i++) {
    int fd = g_array_index(fds, int, i);
    gboolean kept = FALSE;
    for (gsize k = 0; k < n_keep; k++)
      kept = kept || keep[k] == fd;
    if (!kept)
      close(fd);
  }
}

static G_NORETURN void
reaper_main(const char *path, const char *run_dir, pid_t qemu, int ready)
{
  g_autofree char *inside = g_strdup(path + strlen(run_dir)); /* "/<domid>/vnc-password" */
  g_autofree char *inside_dir = g_path_get_dirname(inside);
  g_autoptr(GError) error = NULL;
  struct pollfd fds[2];
  char buf[4096] __attribute__((aligned(8)));
  DmSandboxPolicy policy;
  int pidfd, ino;

  dm_log_set_tag("secret reaper");
  setsid();
  pidfd = (int)syscall(SYS_pidfd_open, qemu, 0);
  ino = inotify_init1(IN_CLOEXEC);
  if (pidfd < 0 || ino < 0 ||
      inotify_add_watch(ino, path, IN_CLOSE_NOWRITE | IN_DELETE_SELF | IN_MOVE_SELF) < 0) {
    g_warning("cannot watch '%s': %s", path, g_strerror(errno));
    _exit(1);
  }
  {
    int keep[] = { STDERR_FILENO, pidfd, ino, ready };
    close_all_but(keep, G_N_ELEMENTS(keep));
  }
  /* From here it only waits and removes two names: give it nothing else.
   * It stays root (the file is root's, mode 0600), so the chroot and the
   * filter (no chroot, mount, open, socket, ...) are what hold it. */
  dm_sandbox_policy_for_secret_reaper(run_dir, &policy);
  if (!dm_sandbox_apply(&policy, &error)) {
    dm_log_error(error);
    _exit(1);
  }
  (void)!write(ready, "r", 1);
  close(ready);

  fds[0] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
  fds[1] = (struct pollfd){ .fd = ino, .events = POLLIN };
  for (;;) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR)
        continue;
      break;
    }
    if (fds[0].revents)
      break; /* qemu (or a launcher that failed to exec) is gone */
    if (fds[1].revents) {
      ssize_t n = read(ino, buf, sizeof(buf));
      if (n > 0)
        break; /* qemu has read and closed the file */
    }
  }
  if (unlink(inside) < 0 && errno != ENOENT)
    g_warning("removing the VNC password file '%s': %s", path, g_strerror(errno));
  rmdir(inside_dir);
  _exit(0);
}

gboolean
dm_secret_reaper_start(const char *path, const char *run_dir, GError **error)
{
  int ready[2];
  pid_t qemu = getpid();
  pid_t child;
  int status = 0;
  char byte;
  ssize_t n;

  if (!g_str_has_prefix(path, run_dir) || path[strlen(run_dir)] != '/') {
    g_set_error(error, DM_ERROR, DM_ERROR_SYSTEM,
                "secret file '%s' is not below the run directory '%s'", path, run_dir);
    return FALSE;
  }
  if (pipe2(ready, O_CLOEXEC) < 0) {
    g_set_error(error, DM_ERROR, DM_ERROR_SYSTEM, "starting the secret reaper: pipe: %s",
                g_strerror(errno));
    return FALSE;
  }
  child = fork();
  if (child < 0) {
    int err = errno;
    close(ready[0]);
    close(ready[1]);
    g_set_error(error, DM_ERROR, DM_ERROR_SYSTEM, "starting the secret reaper: fork: %s",
                g_strerror(err));
    return FALSE;
  }
  if (child == 0) {
    dm_signals_child();
    /* Double fork: the reaper must not become qemu's child (a zombie
     * qemu never reaps); its parent exits at once and init adopts it. */
    close(ready[0]);
    if (fork() == 0)
      reaper_main(path, run_dir, qemu, ready[1]);
    _exit(0);
  }
  close(ready[1]);
  waitpid(child, &status, 0);
  do
    n = read(ready[0], &byte, 1);
  while (n < 0 && errno == EINTR);
  close(ready[0]);
  if (n != 1) {
    g_set_error(error, DM_ERROR, DM_ERROR_SYSTEM,
                "the secret reaper for '%s' did not start (see the messages above)", path);
    return FALSE;
  }
  return TRUE;
}
