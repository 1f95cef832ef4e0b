#include "prepare.h"
#include "exec.h"
#include "secret.h"
#include "signals.h"
#include "trust.h"
#include "util.h"
#include "vnc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

static gboolean
check_images(const DmQemuSetup *setup, GError **error)
{
  for (guint i = 0; setup->images && i < setup->images->len; i++) {
    const char *path = g_ptr_array_index(setup->images, i);
    struct stat st;
    if (stat(path, &st) < 0) {
      g_set_error(error, DM_ERROR, DM_ERROR_INVALID, "disk image '%s': %s", path,
                  g_strerror(errno));
      return FALSE;
    }
    if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
      g_set_error(error, DM_ERROR, DM_ERROR_INVALID,
                  "disk image '%s' is neither a file nor a block device", path);
      return FALSE;
    }
  }
  return TRUE;
}

/* qemu reads the credentials as root: the directory and the files go by
 * the secret file's rules (dm/sys/trust.h), and the server's private key must
 * not be readable by everyone. */
static gboolean
check_tls(const DmQemuSetup *setup, GError **error)
{
  g_autoptr(GError) local = NULL;
  int dir_fd;

  if (setup->tls_dir == NULL)
    return TRUE;
  for (const char *const *f = dm_vnc_tls_files; *f; f++) {
    g_autofree char *path = g_build_filename(setup->tls_dir, *f, NULL);
    if (access(path, R_OK) < 0) {
      g_set_error(error, DM_ERROR, DM_ERROR_CONFIG,
                  "VNC TLS: '%s' (vnc-tls-dir needs ca-cert.pem, server-cert.pem and "
                  "server-key.pem): %s",
                  path, g_strerror(errno));
      return FALSE;
    }
  }
  dir_fd = dm_trust_open_dir(setup->tls_dir, 0, &local);
  for (const char *const *f = dm_vnc_tls_files; dir_fd >= 0 && *f; f++) {
    g_autofree char *path = g_build_filename(setup->tls_dir, *f, NULL);
    int fd = dm_trust_open_file(dir_fd, *f, path, strcmp(*f, "server-key.pem") == 0, &local);
    if (fd < 0) {
      close(dir_fd);
      dir_fd = -1;
    } else {
      close(fd);
    }
  }
  if (dir_fd < 0) {
    g_set_error(error, DM_ERROR, DM_ERROR_CONFIG, "VNC TLS: %s", local->message);
    return FALSE;
  }
  close(dir_fd);
  return TRUE;
}

/* qemu chroots into it after start-up, by its path: it must be empty
 * (nothing of the host to reach from inside) and root's, and so must every
 * directory above it (dm/sys/trust.h), or another user could swap it between
 * this check and qemu's chroot. */
static gboolean
make_chroot(const char *dir, GError **error)
{
  g_autofree char *parent = g_path_get_dirname(dir);
  g_autofree char *name = g_path_get_basename(dir);
  g_autoptr(GError) local = NULL;
  DIR *d = NULL;
  struct dirent *e;
  gboolean empty = TRUE;
  int parent_fd, fd;

  parent_fd = dm_trust_open_dir(parent, 0711, &local);
  if (parent_fd < 0) {
    g_set_error(error, DM_ERROR, DM_ERROR_SYSTEM, "the chroot '%s': %s", dir, local->message);
    return FALSE;
  }
  fd = dm_trust_open_subdir(parent_fd, name, dir, 0555, &local);
  close(parent_fd);
  if (fd < 0) {
    g_set_error(error, DM_ERROR, DM_ERROR_SYSTEM,
                "the chroot '%s' must be a directory (not a link) owned by root and "
                "writable by no one else: %s",
                dir, local->message);
    return FALSE;
  }
  d = fdopendir(fd);
  while (d && (e = readdir(d)) != NULL)
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
      empty = FALSE;
  if (d)
    closedir(d);
  else
    close(fd);
  if (d == NULL || !empty) {
    g_set_error(error, DM_ERROR, DM_ERROR_SYSTEM, "the chroot '%s' is not empty", dir);
    return FALSE;
  }
  return TRUE;
}

static gboolean
prepare_secret(const DmPlan *plan, GError **error)
{
  const DmDomainConfig *dc = plan->config;
  const char *path = plan->setup.secret_path;
  g_autofree char *node = NULL;
  char *password;
  gboolean ok;
  sigset_t held;

  if (path == NULL)
    return TRUE;
  if (dc->vnc_password_file)
    password = dm_secret_read_file(dc->vnc_password_file, error);
  else
    password = dm_secret_read_xenstore(plan->request->domid, dc->xenstore_timeout_ms, &node, error);
  if (password == NULL)
    return FALSE;
  /* Held until the reaper watches the file: a SIGTERM then removes it. */
  dm_signals_hold(&held);
  dm_signals_track_secret(path);
  ok = dm_secret_write(path, password, strlen(password), error);
  dm_secret_free(password);
  if (ok && !dm_secret_reaper_start(path, dc->run_dir, error)) {
    unlink(path);
    ok = FALSE;
  }
  dm_signals_release(&held);
  if (!ok)
    return FALSE;
  /* Consumed: qemu-dm cleared the node once it had the password. */
  if (node != NULL && !dm_secret_clear_xenstore(node, dc->xenstore_timeout_ms, error))
    return FALSE;
  return TRUE;
}

gboolean
dm_prepare_qemu(const DmPlan *plan, GError **error)
{
  if (plan->request->flavour == DM_FLAVOUR_PROBE)
    return TRUE;
  if (!check_images(&plan->setup, error) || !check_tls(&plan->setup, error))
    return FALSE;
  if (plan->setup.chroot_dir && !make_chroot(plan->setup.chroot_dir, error))
    return FALSE;
  return prepare_secret(plan, error);
}

gboolean
dm_prepare_check(const DmPlan *plan, GError **error)
{
  const DmDomainConfig *dc = plan->config;

  if (!dm_check_executable(plan->exec, error))
    return FALSE;
  if (plan->request->flavour == DM_FLAVOUR_PROBE || plan->setup.secret_path == NULL ||
      dc->vnc_password_file == NULL)
    return TRUE;
  /* Read, and dropped at once: the real start reads it the same way. */
  char *password = dm_secret_read_file(dc->vnc_password_file, error);
  if (password == NULL)
    return FALSE;
  dm_secret_free(password);
  return TRUE;
}
