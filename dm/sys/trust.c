#include "trust.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static gboolean
owner_ok(const struct stat *st)
{
  return st->st_uid == 0 || st->st_uid == geteuid();
}

/* A parent others may write, but only add to: sticky and root's. */
static gboolean
sticky_parent_ok(const struct stat *st)
{
  return S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX) && st->st_uid == 0;
}

static gboolean
check_stat(const struct stat *st, gboolean parent, const char *what, const char *path,
           GError **error)
{
  if (!owner_ok(st)) {
    g_set_error(error, DM_ERROR, DM_ERROR_SYSTEM,
                "%s '%s' is owned by uid %u, not by root: another user could change it", what, path,
                (unsigned)st->st_uid);
    return FALSE;
  }
  if ((st->st_mode & 022) != 0 && !(parent && sticky_parent_ok(st))) {
    g_set_error(error, DM_ERROR, DM_ERROR_SYSTEM,
                "%s '%s' is writable by %s (mode %04o): another user could change it", what, path,
                (st->st_mode & 002) ? "everyone" : "its group", (unsigned)(st->st_mode & 07777));
    return FALSE;
  }
  return TRUE;
}

gboolean
dm_trust_check_fd(int fd, const char *what, const char *path, GError **error)
{
  struct stat st;

  if (fstat(fd, &st) < 0) {
    g_set_error(error, DM_ERROR, DM_ERROR_SYSTEM, "%s '%s': %s", what, path, g_strerror(errno));
    return FALSE;
  }
  return check_stat(&st, FALSE, what, path, error);
}

/* One step down: `name` in `dir_fd`, created when missing and allowed,
 * opened without following a link, and checked. */
static int
open_component(int dir_fd, const char *name, const char *so_far, gboolean last, mode_t create_mode,
               GError **error)
{
  struct stat st;
  int fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

  if (fd < 0 && errno == ENOENT && create_mode != 0) {
    if (mkdirat(dir_fd, name, create_mode) < 0 && errno != EEXIST) {
      g_set_error(error, DM_ERROR, DM_ERROR_SYSTEM, "creating directory '%s': %s", so_far,
                  g_strerror(errno));
      return -1;
    }
    fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  }
  if (fd < 0) {
    int err = errno;
    /* O_NOFOLLOW on a link gives ELOOP, O_DIRECTORY on one ENOTDIR. */
    g_set_error(error, DM_ERROR, DM_ERROR_SYSTEM, "directory '%s': %s", so_far,
                err == ELOOP || err == ENOTDIR ? "not a directory (a symbolic link is not followed)"
                                               : g_strerror(err));
    errno = err;
    return -1;
  }
  if (fstat(fd, &st) < 0 || !check_stat(&st, !last, "directory", so_far, error)) {
    if (error && *error == NULL)
      g_set_error(error, DM_ERROR, DM_ERROR_SYSTEM, "directory '%s': %s", so_far,
                  g_strerror(errno));
    close(fd);
    return -1;
  }
  return fd;
}

int
dm_trust_open_subdir(int dir_fd, const char *name, const char *path, mode_t create_mode,
                     GError **error)
{
  return open_component(dir_fd, name, path, TRUE, create_mode, error);
}

int
dm_trust_open_dir(const char *path, mode_t create_mode, GError **error)
{
  g_auto(GStrv) parts = NULL;
  g_autoptr(GString) so_far = g_string_new("");
  struct stat st;
  int fd;
  guint n = 0;

  if (path == NULL || path[0] != '/') {
    g_set_error(error, DM_ERROR, DM_ERROR_CONFIG, "directory '%s' is not an absolute path",
                path ? path : "");
    return -1;
  }
  fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || fstat(fd, &st) < 0 || !check_stat(&st, TRUE, "directory", "/", error)) {
    if (error && *error == NULL)
      g_set_error(error, DM_ERROR, DM_ERROR_SYSTEM, "directory '/': %s", g_strerror(errno));
    if (fd >= 0)
      close(fd);
    return -1;
  }
  parts = g_strsplit(path, "/", -1);
  for (char **p = parts; *p; p++)
    if (**p != '\0')
      n++;
  for (char **p = parts; *p; p++) {
    int next;
    if (**p == '\0')
      continue;
    if (strcmp(*p, ".") == 0 || strcmp(*p, "..") == 0) {
      close(fd);
      g_set_error(error, DM_ERROR, DM_ERROR_CONFIG, "directory '%s' has a '.' or '..' component",
                  path);
      return -1;
    }
    g_string_append_printf(so_far, "/%s", *p);
    next = open_component(fd, *p, so_far->str, --n == 0, create_mode, error);
    if (next < 0) {
      int err = errno;
      close(fd);
      errno = err;
      return -1;
    }
    close(fd);
    fd = next;
  }
  return fd;
}

int
dm_trust_open_file(int dir_fd, const char *name, const char *path, gboolean private, GError **error)
{
  struct stat st;
  int fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  int err;

  if (fd < 0) {
    err = errno;
    g_set_error(error, DM_ERROR, DM_ERROR_SYSTEM, "'%s': %s", path,
                err == ELOOP ? "a symbolic link (not followed)" : g_strerror(err));
    errno = err;
    return -1;
  }
  if (fstat(fd, &st) < 0) {
    err = errno;
    g_set_error(error, DM_ERROR, DM_ERROR_SYSTEM, "'%s': %s", path, g_strerror(err));
  } else if (!S_ISREG(st.st_mode)) {
    err = EINVAL;
    g_set_error(error, DM_ERROR, DM_ERROR_SYSTEM, "'%s' is not a regular file", path);
  } else if (!check_stat(&st, FALSE, "file", path, error)) {
    err = EPERM;
  } else if (private && (st.st_mode & 007) != 0) {
    err = EPERM;
    g_set_error(error, DM_ERROR, DM_ERROR_SYSTEM,
                "'%s' is readable by everyone (mode %04o); make it chmod 600 or 640", path,
                (unsigned)(st.st_mode & 07777));
  } else {
    return fd;
  }
  close(fd);
  errno = err;
  return -1;
}

int
dm_trust_open_path(const char *path, gboolean private, GError **error)
{
  g_autofree char *dir = g_path_get_dirname(path);
  g_autofree char *base = g_path_get_basename(path);
  int dir_fd, fd, err;

  dir_fd = dm_trust_open_dir(dir, 0, error);
  if (dir_fd < 0)
    return -1; /* errno kept */
  fd = dm_trust_open_file(dir_fd, base, path, private, error);
  err = errno;
  close(dir_fd);
  errno = err;
  return fd;
}
