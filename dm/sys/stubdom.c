#include "stubdom.h"
#include "build_config.h"
#include "pipeline.h"
#include "stubdom_argv.h"
#include "util.h"
#include "xs.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <termios.h>
#include <unistd.h>
#include <xen/xen.h>
#include <xen/sys/privcmd.h>

/* The toolstack's domain, the far end of the QMP vchan.  libxl records no
 * toolstack domid for the stub domain to read; like the protocol's other
 * users we assume dom0. */
#define TOOLSTACK_DOMID 0

/* Console N of a PV domain is /dev/hvcN (hvc_xen: 0 is the boot console,
 * the others are xenbus "console" frontends). */
#define SAVE_CONSOLE 1
#define RESTORE_CONSOLE 2
#define CONSOLE_WAIT_MS 10000
#define CONSOLE_POLL_MS 100

typedef struct {
  guint own;       /* this stub domain */
  guint target;    /* the HVM guest we are the device model of */
  GPtrArray *args; /* dm-argv, in order */
  gboolean has_save_console;
  char *proxy; /* Xen's vchan-socket-proxy, from the config */
} StubdomInfo;

static void
stubdom_info_clear(StubdomInfo *info)
{
  g_clear_pointer(&info->args, g_ptr_array_unref);
  g_clear_pointer(&info->proxy, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(StubdomInfo, stubdom_info_clear)

static gboolean
read_domid(struct xs_handle *xs, xs_transaction_t t, const char *path, gboolean allow_zero,
           guint *domid, GError **error)
{
  g_autofree char *value = dm_xs_read(xs, t, path, NULL, error);

  if (value == NULL)
    return FALSE;
  if (allow_zero && strcmp(value, "0") == 0) {
    *domid = 0;
    return TRUE;
  }
  if (!dm_parse_domid(value, domid, error)) {
    g_prefix_error(error, "%s: ", path);
    return FALSE;
  }
  return TRUE;
}

/* Reads dm-argv inside the transaction, so that the keys and values come
 * from one consistent snapshot. */
static gboolean
read_dm_argv(struct xs_handle *xs, xs_transaction_t t, gpointer data, GError **error)
{
  StubdomInfo *info = data;
  g_autofree char *target_path = g_strdup_printf("/local/domain/%u/target", info->own);
  g_autofree char *vm_path = NULL;
  g_autofree char *vm = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *console = NULL;
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func(g_free);
  unsigned int n = 0;
  g_auto(GStrv) names = NULL;
  gboolean missing = FALSE;

  g_clear_pointer(&info->args, g_ptr_array_unref);
  {
    g_autofree char *value = dm_xs_read(xs, t, target_path, &missing, error);
    if (value == NULL) {
      if (missing) {
        g_clear_error(error);
        g_set_error(error, DM_ERROR, DM_ERROR_INVALID,
                    "%s is missing: this is domain %u, not a device-model stub domain", target_path,
                    info->own);
      }
      return FALSE;
    }
    if (!dm_parse_domid(value, &info->target, error)) {
      g_prefix_error(error, "%s: ", target_path);
      return FALSE;
    }
  }

  vm_path = g_strdup_printf("/local/domain/%u/vm", info->target);
  vm = dm_xs_read(xs, t, vm_path, NULL, error);
  if (vm == NULL)
    return FALSE;
  /* The vm path becomes part of another path: only /vm/<uuid>. */
  if (!g_str_has_prefix(vm, "/vm/") || strstr(vm, "..") || strchr(vm + 4, '/') || vm[4] == '\0') {
    g_autofree char *quoted = dm_quote_for_message(vm);
    g_set_error(error, DM_ERROR, DM_ERROR_INVALID, "%s is %s, not /vm/<uuid>", vm_path, quoted);
    return FALSE;
  }

  dir = g_strdup_printf("%s/image/dm-argv", vm);
  names = dm_xs_directory(xs, t, dir, NULL, error);
  if (names == NULL)
    return FALSE;
  n = g_strv_length(names);
  if (n > DM_STUBDOM_ARGV_MAX) {
    g_set_error(error, DM_ERROR, DM_ERROR_INVALID, "%s has %u keys, more than the limit of %u", dir,
                n, DM_STUBDOM_ARGV_MAX);
    return FALSE;
  }
  for (unsigned int i = 0; i < n; i++) {
    g_autofree char *path = g_strdup_printf("%s/%s", dir, names[i]);
    char *value = dm_xs_read(xs, t, path, NULL, error);
    if (value == NULL)
      return FALSE;
    g_ptr_array_add(keys, g_strdup(names[i]));
    g_ptr_array_add(values, value);
  }

  info->args = dm_stubdom_argv_assemble((const char *const *)keys->pdata,
                                        (const char *const *)values->pdata, keys->len, error);
  if (info->args == NULL) {
    g_prefix_error(error, "%s: ", dir);
    return FALSE;
  }

  /* Console 1 exists when the toolstack set up saving (libxl always does;
   * a test bed or another toolstack may not). */
  {
    g_autofree char *path =
      g_strdup_printf("/local/domain/%u/device/console/%d", info->own, SAVE_CONSOLE);
    console = dm_xs_read(xs, t, path, NULL, NULL);
    info->has_save_console = console != NULL;
  }
  return TRUE;
}

/* Opens /dev/hvcN for qemu: raw, so the byte stream of a saved domain
 * passes untouched (a tty in cooked mode would translate newlines).  The fd
 * is close-on-exec until the caller hands it to qemu. */
static int
open_console(int number, int flags, GError **error)
{
  g_autofree char *path = g_strdup_printf("/dev/hvc%d", number);
  struct termios tio;
  int fd = -1;

  /* hvc_xen creates consoles 1 and up as their xenbus frontends connect,
   * which may be just after init starts us: wait for the node, bounded. */
  for (guint waited_ms = 0;; waited_ms += CONSOLE_POLL_MS) {
    fd = open(path, flags | O_CLOEXEC | O_NOCTTY);
    if (fd >= 0 || (errno != ENOENT && errno != ENODEV && errno != ENXIO) ||
        waited_ms >= CONSOLE_WAIT_MS || access("/sys/bus/xen", F_OK) < 0)
      break;
    g_usleep(CONSOLE_POLL_MS * 1000);
  }
  if (fd < 0) {
    g_set_error(error, DM_ERROR, DM_ERROR_SYSTEM, "cannot open console %d (%s): %s", number, path,
                g_strerror(errno));
    return -1;
  }
  if (tcgetattr(fd, &tio) == 0) {
    cfmakeraw(&tio);
    if (tcsetattr(fd, TCSANOW, &tio) < 0) {
      int saved = errno;
      close(fd);
      g_set_error(error, DM_ERROR, DM_ERROR_SYSTEM, "cannot set console %d (%s) to raw mode: %s",
                  number, path, g_strerror(saved));
      return -1;
    }
  }
  return fd;
}

/* Hands an fd to qemu: clears close-on-exec and lets it past dm_fds_seal. */
static gboolean
pass_fd(DmFdSet *inherited, int fd, GError **error)
{
  int flags = fcntl(fd, F_GETFD);

  if (flags < 0 || fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) < 0) {
    g_set_error(error, DM_ERROR, DM_ERROR_SYSTEM, "cannot pass fd %d to qemu: %s", fd,
                g_strerror(errno));
    return FALSE;
  }
  dm_fds_add(inherited, fd);
  return TRUE;
}

static void
proxy_child_setup(gpointer data)
{
  /* The proxy serves qemu's monitor and nothing else: when the launcher
   * (qemu, after the exec) goes, so does it. */
  prctl(PR_SET_PDEATHSIG, SIGTERM);
}

/* Starts Xen's vchan-socket-proxy as the vchan server the toolstack's
 * proxy connects to; for each connection it connects to qemu's local QMP
 * socket.  Its stderr stays console 0. */
static gboolean
spawn_qmp_proxy(const char *proxy, const StubdomInfo *info, const char *qmp_socket, GError **error)
{
  g_autofree char *domid = g_strdup_printf("%d", TOOLSTACK_DOMID);
  g_autofree char *vchan =
    g_strdup_printf("/local/domain/%u/device-model/%u/qmp-vchan", info->own, info->target);
  const char *argv[] = { proxy, "--mode=server", domid, vchan, qmp_socket, NULL };
  g_autoptr(GError) local = NULL;
  GPid pid = 0;

  if (!g_spawn_async(NULL, (char **)argv, NULL,
                     G_SPAWN_STDIN_FROM_DEV_NULL | G_SPAWN_DO_NOT_REAP_CHILD, proxy_child_setup,
                     NULL, &pid, &local)) {
    g_set_error(error, DM_ERROR, DM_ERROR_SYSTEM, "cannot start the QMP proxy '%s': %s", proxy,
                local->message);
    return FALSE;
  }
  g_message("QMP proxy %s serving %s (pid %d)", proxy, vchan, (int)pid);
  return TRUE;
}

/* Kernels with the XSA-482 fix (Debian's since 6.1.170-1) restrict
 * /dev/xen/privcmd in a domU to the domain in its xenstore "target" node,
 * unless xen-privcmd is loaded with unrestricted=1 (this project's image
 * does; a kernel in lockdown ignores it).  Restricted, it refuses the empty
 * DM_OP for DOMID_INVALID that libxendevicemodel (Xen 4.17) uses as its
 * probe, and the plain hypercalls it then falls back to: qemu cannot create
 * its ioreq server and dies with "failed to map ioreq server resources:
 * error 2".  The same probe here says so before qemu starts.  No privcmd
 * node, or a kernel without DM_OP: left to qemu and its libraries. */
static gboolean
check_privcmd(GError **error)
{
  privcmd_dm_op_t probe = { .dom = DOMID_INVALID, .num = 0, .ubufs = NULL };
  int fd = open("/dev/xen/privcmd", O_RDWR | O_CLOEXEC);
  int saved;

  if (fd < 0)
    return TRUE;
  if (ioctl(fd, IOCTL_PRIVCMD_DM_OP, &probe) == 0 || errno != EPERM) {
    close(fd);
    return TRUE;
  }
  saved = errno;
  close(fd);
  g_set_error(error, DM_ERROR, DM_ERROR_SYSTEM,
              "/dev/xen/privcmd refuses a device-model operation for DOMID_INVALID (%s): "
              "the kernel restricts privcmd to this stub domain's target (XSA-482), and "
              "qemu-xen's libxendevicemodel cannot work that way; load xen-privcmd with "
              "unrestricted=1 (ignored by a kernel in lockdown)",
              g_strerror(saved));
  return FALSE;
}

static gboolean
prepare_run_dir(const char *qmp_socket, GError **error)
{
  g_autofree char *dir = g_path_get_dirname(qmp_socket);

  if (g_mkdir_with_parents(dir, 0700) < 0) {
    g_set_error(error, DM_ERROR, DM_ERROR_SYSTEM, "cannot create %s: %s", dir, g_strerror(errno));
    return FALSE;
  }
  /* A socket left by an earlier qemu would make bind() fail. */
  if (unlink(qmp_socket) < 0 && errno != ENOENT) {
    g_set_error(error, DM_ERROR, DM_ERROR_SYSTEM, "cannot remove stale %s: %s", qmp_socket,
                g_strerror(errno));
    return FALSE;
  }
  return TRUE;
}

/* The consoles qemu gets: the restore console when dm-argv restores a
 * domain (its -incoming then names the fd), and the save console when the
 * toolstack set one up. */
static gboolean
open_consoles(StubdomInfo *info, int *save_fd, int *restore_fd, GError **error)
{
  if (dm_stubdom_argv_wants_restore(info->args)) {
    *restore_fd = open_console(RESTORE_CONSOLE, O_RDONLY, error);
    if (*restore_fd < 0 || !dm_stubdom_argv_set_incoming(info->args, *restore_fd, error)) {
      g_prefix_error(error, "restoring domain %u: ", info->target);
      return FALSE;
    }
  }
  if (info->has_save_console) {
    *save_fd = open_console(SAVE_CONSOLE, O_WRONLY, error);
    if (*save_fd < 0)
      return FALSE;
  }
  return TRUE;
}

/* The pipeline's checks: dm-argv must be the target's qemu-xen argv. */
static gboolean
parsed(const DmRequest *request, gpointer data, GError **error)
{
  const StubdomInfo *info = data;

  if (request == NULL)
    return FALSE;
  if (request->flavour != DM_FLAVOUR_QEMU_XEN) {
    g_set_error(error, DM_ERROR, DM_ERROR_INVALID,
                "dm-argv is a %s command line; a Linux stub domain runs qemu-xen",
                dm_flavour_name(request->flavour));
    return FALSE;
  }
  if (request->domid != info->target) {
    g_set_error(error, DM_ERROR, DM_ERROR_INVALID,
                "dm-argv names domain %u but this stub domain's target is %u", request->domid,
                info->target);
    return FALSE;
  }
  return TRUE;
}

static void
configured(const DmRequest *request, DmDomainConfig *dc, DmQemuFacts *facts, gpointer data)
{
  StubdomInfo *info = data;

  /* dom0's backend directories are neither visible to nor ours to edit
   * from a stub domain: no scrub, no helper. */
  g_strfreev(dc->scrub);
  dc->scrub = g_new0(char *, 1);
  dc->helper = FALSE;
  info->proxy =
    dc->stubdom_qmp_proxy ? g_strdup(dc->stubdom_qmp_proxy) : dm_stubdom_find_proxy("/");
}

static gboolean
run(const DmCli *cli, DmFdSet *inherited, GError **error)
{
  g_autoptr(DmXsHandle) xs = NULL;
  g_auto(StubdomInfo) info = { 0 };
  g_autoptr(GPtrArray) full = NULL;
  g_autoptr(GPtrArray) local = NULL;
  g_autoptr(DmPlan) plan = NULL;
  g_autofree char *qmp_socket = NULL;
  const DmPipelineHooks hooks = { "dm-argv", parsed, configured, &info };
  int save_fd = -1, restore_fd = -1;

  xs = dm_xs_open(error);
  if (xs == NULL) {
    g_prefix_error(error, "no xenstore: ");
    return FALSE;
  }
  /* A domain's own "domid" node, read by a relative path: xenstored
   * resolves it under /local/domain/<the caller's domid>. */
  if (!read_domid(xs, XBT_NULL, "domid", TRUE, &info.own, error)) {
    g_prefix_error(error, "cannot learn this domain's id: ");
    return FALSE;
  }
  if (!dm_xs_transact(xs, read_dm_argv, &info, 8, error))
    return FALSE;

  if (!cli->dry_run && !open_consoles(&info, &save_fd, &restore_fd, error))
    return FALSE;

  qmp_socket = g_strdup_printf("%s/stubdom-qmp-%u.sock", DM_RUNDIR, info.target);
  local = dm_stubdom_local_args(qmp_socket, save_fd);
  full = g_ptr_array_new_null_terminated(info.args->len + local->len, NULL, TRUE);
  for (guint i = 0; i < info.args->len; i++)
    g_ptr_array_add(full, g_ptr_array_index(info.args, i));
  for (guint i = 0; i < local->len; i++)
    g_ptr_array_add(full, g_ptr_array_index(local, i));

  /* From here on, exactly the dom0 path: parse, config, plan. */
  plan =
    dm_pipeline_plan((int)full->len, (char *const *)full->pdata, cli->config_path, &hooks, error);
  if (plan == NULL)
    return FALSE;
  if (cli->dry_run)
    return dm_pipeline_print(plan, TRUE, error);

  g_message("stub domain %u for domain %u", info.own, info.target);
  if (!check_privcmd(error))
    return FALSE;
  if (!prepare_run_dir(qmp_socket, error))
    return FALSE;
  if (!spawn_qmp_proxy(info.proxy, &info, qmp_socket, error))
    return FALSE;
  if (save_fd >= 0 && !pass_fd(inherited, save_fd, error))
    return FALSE;
  if (restore_fd >= 0 && !pass_fd(inherited, restore_fd, error))
    return FALSE;
  dm_exec_plan(plan, inherited, error);
  return FALSE;
}

gboolean
dm_stubdom_run(const DmCli *cli, DmFdSet *inherited, GError **error)
{
  if (run(cli, inherited, error))
    return TRUE;
  g_prefix_error(error, "stubdom: ");
  return FALSE;
}

/* Newest first: "xen-4.20" before "xen-4.17" (numbers compared as numbers). */
static gint
by_version_desc(gconstpointer a, gconstpointer b)
{
  const char *x = *(const char *const *)a, *y = *(const char *const *)b;
  while (*x && *y) {
    if (g_ascii_isdigit(*x) && g_ascii_isdigit(*y)) {
      guint64 nx = g_ascii_strtoull(x, (char **)&x, 10);
      guint64 ny = g_ascii_strtoull(y, (char **)&y, 10);
      if (nx != ny)
        return nx > ny ? -1 : 1;
    } else if (*x != *y) {
      return *x > *y ? -1 : 1;
    } else {
      x++, y++;
    }
  }
  return *x ? -1 : *y ? 1 : 0;
}

char *
dm_stubdom_find_proxy(const char *root)
{
  /* Paths that survive a Xen upgrade first; then Debian's versioned
   * directories, newest first, so that 4.17 -> 4.20 needs no config edit. */
  const char *stable[] = { DM_DEFAULT_VCHAN_PROXY, "/usr/libexec/xen/bin/vchan-socket-proxy",
                           "/usr/lib/xen/bin/vchan-socket-proxy" };
  for (gsize i = 0; i < G_N_ELEMENTS(stable); i++) {
    g_autofree char *path = g_build_filename(root, stable[i], NULL);
    if (g_file_test(path, G_FILE_TEST_IS_EXECUTABLE))
      return g_strdup(stable[i]);
  }
  g_autofree char *lib = g_build_filename(root, "/usr/lib", NULL);
  g_autoptr(GDir) dir = g_dir_open(lib, 0, NULL);
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func(g_free);
  const char *name;
  while (dir && (name = g_dir_read_name(dir)) != NULL) {
    if (!g_str_has_prefix(name, "xen-") || !g_ascii_isdigit(name[4]))
      continue;
    g_autofree char *rel = g_build_filename("/usr/lib", name, "bin", "vchan-socket-proxy", NULL);
    g_autofree char *path = g_build_filename(root, rel, NULL);
    if (g_file_test(path, G_FILE_TEST_IS_EXECUTABLE))
      g_ptr_array_add(found, g_steal_pointer(&rel));
  }
  if (found->len == 0)
    return g_strdup(DM_DEFAULT_VCHAN_PROXY); /* the exec then says it is missing */
  g_ptr_array_sort(found, by_version_desc);
  return g_strdup(found->pdata[0]);
}
