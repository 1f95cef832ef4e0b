#include "exec.h"
#include "act.h"
#include "build_config.h"
#include "qemu_opts.h"
#include "sandbox.h"
#include "signals.h"
#include "log.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct DmFdSet {
  GArray *fds; /* int, sorted */
};

static GArray *
list_fds(void)
{
  GArray *fds = g_array_new(FALSE, FALSE, sizeof(int));
  DIR *dir = opendir("/proc/self/fd");
  struct dirent *entry;
  int self;

  if (dir == NULL) {
    /* No /proc (early in a stubdom): assume the standard three. */
    for (int fd = 0; fd < 3; fd++)
      g_array_append_val(fds, fd);
    return fds;
  }
  self = dirfd(dir);
  while ((entry = readdir(dir)) != NULL) {
    guint64 fd;
    if (!dm_parse_uint(entry->d_name, G_MAXINT, &fd) || (int)fd == self)
      continue;
    int value = (int)fd;
    g_array_append_val(fds, value);
  }
  closedir(dir);
  return fds;
}

DmFdSet *
dm_fds_snapshot(void)
{
  DmFdSet *set = g_new0(DmFdSet, 1);
  set->fds = list_fds();
  return set;
}

void
dm_fds_free(DmFdSet *set)
{
  if (set == NULL)
    return;
  g_array_unref(set->fds);
  g_free(set);
}

gboolean
dm_fds_contains(const DmFdSet *set, int fd)
{
  for (guint i = 0; i < set->fds->len; i++)
    if (g_array_index(set->fds, int, i) == fd)
      return TRUE;
  return FALSE;
}

void
dm_fds_add(DmFdSet *set, int fd)
{
  if (!dm_fds_contains(set, fd))
    g_array_append_val(set->fds, fd);
}

guint
dm_fds_seal(const DmFdSet *inherited)
{
  g_autoptr(GArray) now = list_fds();
  guint marked = 0;

  for (guint i = 0; i < now->len; i++) {
    int fd = g_array_index(now, int, i);
    int flags;
    if (dm_fds_contains(inherited, fd))
      continue;
    flags = fcntl(fd, F_GETFD);
    if (flags < 0 || (flags & FD_CLOEXEC))
      continue;
    g_warning("fd %d was opened by the launcher without O_CLOEXEC; "
              "closing it at exec",
              fd);
    fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
    marked++;
  }
  return marked;
}

const char *
dm_caller_argv0(const char *argv0)
{
  g_autofree char *base = NULL;
  struct stat given, self;

  if (argv0 == NULL || *argv0 == '\0')
    return NULL;
  base = g_path_get_basename(argv0);
  if (strcmp(base, DM_PROGRAM_NAME) == 0)
    return NULL;
  /* Installed in qemu's place (XCP-ng: /usr/lib64/xen/bin/qemu-system-i386)
   * and run by that path: then qemu's own path reads better in ps. */
  if (strchr(argv0, '/') != NULL && stat(argv0, &given) == 0 &&
      stat("/proc/self/exe", &self) == 0 && given.st_dev == self.st_dev &&
      given.st_ino == self.st_ino)
    return NULL;
  return argv0;
}

gboolean
dm_check_executable(const char *path, GError **error)
{
  struct stat st;

  if (stat(path, &st) < 0) {
    g_set_error(error, DM_ERROR, DM_ERROR_EXEC, "qemu binary '%s': %s", path, g_strerror(errno));
    return FALSE;
  }
  if (!S_ISREG(st.st_mode)) {
    g_set_error(error, DM_ERROR, DM_ERROR_EXEC, "qemu binary '%s' is not a regular file", path);
    return FALSE;
  }
  if (access(path, X_OK) < 0) {
    g_set_error(error, DM_ERROR, DM_ERROR_EXEC, "qemu binary '%s' is not executable: %s", path,
                g_strerror(errno));
    return FALSE;
  }
  return TRUE;
}

gboolean
dm_exec_plan(const DmPlan *plan, const DmFdSet *inherited, GError **error)
{
  sigset_t saved;

  if (!dm_check_executable(plan->exec, error))
    return FALSE;
  /* The lines below go out with one write (dm_log_hold), with the
   * signals held meanwhile so that none ends the launcher with them kept. */
  dm_signals_hold(&saved);
  dm_log_hold();
  g_message("exec %s for %s domain %u (pid %d kept), argv:", plan->exec,
            dm_flavour_name(plan->request->flavour), plan->request->domid, (int)getpid());
  /* One log line per item: the log writer escapes control characters, so
   * an item holding a newline stays on its own line. */
  for (guint i = 0; i < plan->argv->len; i++) {
    g_autofree char *shown = dm_redact_arg(g_ptr_array_index(plan->argv, i));
    g_message("  argv[%u] = %s", i, shown);
  }
  if (plan->setup.restrict_skipped)
    g_message("dm-restrict: %s", plan->setup.restrict_skipped);
  if (plan->setup.fsize_skipped)
    g_message("no RLIMIT_FSIZE for qemu: %s", plan->setup.fsize_skipped);
  if (plan->setup.qemu_sandbox_skipped) {
    /* qemu-sandbox = auto: the admin asked for nothing explicit, but a
     * guest running without qemu's own filter must not go unnoticed. */
    if (plan->setup.qemu_sandbox_unsupported)
      g_warning("qemu-sandbox: qemu runs without its own seccomp filter: %s; the "
                "launcher's seccomp denylist and no_new_privs still apply (qemu-sandbox = "
                "false silences this, true refuses to start without the filter)",
                plan->setup.qemu_sandbox_skipped);
    else
      g_message("qemu-sandbox: no -sandbox: %s", plan->setup.qemu_sandbox_skipped);
  }
  dm_log_release();
  dm_signals_release(&saved);
  dm_fds_seal(inherited);
  /* The scrub helper's intermediate has had the time above to finish;
   * before the sandbox, whose filter may deny what collecting needs. */
  dm_act_finish();
  if (!dm_sandbox_policy_is_empty(&plan->setup.sandbox)) {
    const DmSandboxPolicy *policy = &plan->setup.sandbox;
    for (guint i = 0; i < policy->n_rlimits; i++)
      /* Past RLIMIT_FSIZE a write should fail (EFBIG) and qemu live on,
       * not die of SIGXFSZ: an ignored signal stays ignored across exec. */
      if (policy->rlimits[i].resource == RLIMIT_FSIZE)
        signal(SIGXFSZ, SIG_IGN);
    if (!dm_sandbox_apply(policy, error))
      return FALSE;
  }
  if (plan->setup.env != NULL)
    execve(plan->exec, (char *const *)plan->argv->pdata, plan->setup.env);
  else
    execv(plan->exec, (char *const *)plan->argv->pdata);
  g_set_error(error, DM_ERROR, DM_ERROR_EXEC, "cannot exec qemu binary '%s': %s", plan->exec,
              g_strerror(errno));
  return FALSE;
}
