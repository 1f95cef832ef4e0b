#include "diagnose_read.h"
#include "diagnose_cmd.h"
#include "build_config.h"
#include "config_read.h"
#include "util.h"
#include "xs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xenctrl.h>

/* Bounds: a guest can write below its own /local/domain/<domid>, so the
 * walk must not trust the tree to be small. */
#define MAX_NODES 20000
#define MAX_DEPTH 12
#define LOG_TAIL_BYTES 65536

/* ---- xenstore --------------------------------------------------------- */

typedef struct {
  struct xs_handle *xs;
  xs_transaction_t t;
  DmDiagSnapshot *snap;
  GMutex *lock; /* guards snap: the caller may read it after a timeout */
  guint budget;
  const char *area;       /* what the budget is for, for walk_note */
  const GPtrArray *bdirs; /* "/local/domain/B/backend/CLS", listed once for many domains */
} Walk;

/* Whatever a guest can make xenstored answer for a node it owns: gone,
 * not ours to read, an invalid or too long path, too big a value.  Data
 * to report (the node is left out), never a reason to stop. */
static gboolean
answer_is_data(int err)
{
  return err == ENOENT || err == EACCES || err == EINVAL || err == E2BIG || err == ENAMETOOLONG ||
         err == ENOSPC;
}

static void
snap_set(Walk *w, const char *path, const char *value)
{
  g_mutex_lock(w->lock);
  dm_diag_snapshot_set(w->snap, path, value);
  g_mutex_unlock(w->lock);
}

/* Reads one node.  Returns FALSE only on a real failure (the connection);
 * a node the guest made unreadable is left out of the snapshot. */
static gboolean
read_node(Walk *w, const char *path, gboolean *present, GError **error)
{
  g_autoptr(GError) local = NULL;
  gboolean missing = FALSE;

  *present = FALSE;
  if (w->budget == 0) {
    g_mutex_lock(w->lock);
    if (w->snap->walk_note == NULL)
      w->snap->walk_note = g_strdup_printf("%s holds more than %d nodes; stopped reading "
                                           "it at %s",
                                           w->area, MAX_NODES, path);
    g_mutex_unlock(w->lock);
    return TRUE;
  }
  g_autofree char *value = dm_xs_read(w->xs, w->t, path, &missing, &local);
  if (value == NULL) {
    if (missing || answer_is_data(errno))
      return TRUE;
    g_propagate_error(error, g_steal_pointer(&local));
    return FALSE;
  }
  *present = TRUE;
  w->budget--;
  snap_set(w, path, value);
  return TRUE;
}

static gboolean
read_tree(Walk *w, const char *path, guint depth, GError **error)
{
  gboolean present = FALSE, missing = FALSE;
  g_autoptr(GError) local = NULL;

  if (!read_node(w, path, &present, error))
    return FALSE;
  if (!present || depth >= MAX_DEPTH || w->budget == 0)
    return TRUE;
  g_auto(GStrv) names = dm_xs_directory(w->xs, w->t, path, &missing, &local);
  if (names == NULL)
    return missing || answer_is_data(errno)
             ? TRUE
             : (g_propagate_error(error, g_steal_pointer(&local)), FALSE);
  for (char **n = names; *n; n++) {
    g_autofree char *child = g_strdup_printf("%s/%s", path, *n);
    if (!read_tree(w, child, depth + 1, error))
      return FALSE;
  }
  return TRUE;
}

static GStrv
list(Walk *w, const char *path, GError **error)
{
  gboolean missing = FALSE;
  g_autoptr(GError) local = NULL;
  GStrv names = dm_xs_directory(w->xs, w->t, path, &missing, &local);
  if (names == NULL && !missing && !answer_is_data(errno)) {
    g_propagate_error(error, g_steal_pointer(&local));
    return NULL;
  }
  return names ? names : g_new0(char *, 1);
}

/* DOMID or NAME -> domid.  Names resolve through /local/domain/N/name. */
static gboolean
resolve(Walk *w, const char *arg, guint *domid, GError **error)
{
  gboolean digits = *arg != '\0';
  for (const char *p = arg; *p; p++)
    digits = digits && g_ascii_isdigit(*p);
  if (digits)
    return dm_parse_domid(arg, domid, error);
  if (!dm_check_name(arg, error))
    return FALSE;

  g_auto(GStrv) doms = list(w, "/local/domain", error);
  g_autoptr(GString) found = g_string_new(NULL);
  guint matches = 0;
  if (doms == NULL)
    return FALSE;
  for (char **d = doms; *d; d++) {
    g_autofree char *path = g_strdup_printf("/local/domain/%s/name", *d);
    g_autofree char *name = dm_xs_read(w->xs, w->t, path, NULL, NULL);
    guint64 n;
    if (name && strcmp(name, arg) == 0 && dm_parse_uint(*d, DM_DOMID_MAX, &n)) {
      g_string_append_printf(found, "%s%s", matches ? ", " : "", *d);
      *domid = (guint)n;
      matches++;
    }
  }
  g_autofree char *shown = dm_quote_for_message(arg);
  if (matches == 0) {
    g_set_error(error, DM_ERROR, DM_ERROR_INVALID,
                "no domain named %s (looked in /local/domain/*/name)", shown);
    return FALSE;
  }
  if (matches > 1) {
    g_set_error(error, DM_ERROR, DM_ERROR_INVALID,
                "domain name %s is ambiguous: domids %s; give a domid", shown, found->str);
    return FALSE;
  }
  if (*domid == 0) {
    g_set_error(error, DM_ERROR, DM_ERROR_INVALID,
                "%s is domain 0, which has no device model to diagnose", shown);
    return FALSE;
  }
  return TRUE;
}

static GPtrArray *
children_locked(Walk *w, const char *path)
{
  g_mutex_lock(w->lock);
  GPtrArray *out = dm_diag_snapshot_children(w->snap, path);
  g_mutex_unlock(w->lock);
  return out;
}

static char *
node_locked(Walk *w, const char *path)
{
  g_mutex_lock(w->lock);
  char *out = g_strdup(g_hash_table_lookup(w->snap->nodes, path));
  g_mutex_unlock(w->lock);
  return out;
}

void
dm_diag_identity_clear(DmDiagIdentity *id)
{
  g_clear_pointer(&id->name, g_free);
  g_clear_pointer(&id->type, g_free);
}

typedef struct {
  DmXsJob box;
  char *arg;
  DmDiagIdentity id;
} IdentifyJob;

static void
identify_job_clear(IdentifyJob *job)
{
  g_free(job->arg);
  dm_diag_identity_clear(&job->id);
}

static gboolean
present(struct xs_handle *xs, const char *path)
{
  g_autofree char *value = dm_xs_read(xs, XBT_NULL, path, NULL, NULL);
  return value != NULL;
}

static gpointer
identify_job_run(struct xs_handle *xs, gpointer data, GError **error)
{
  IdentifyJob *job = data;
  DmDiagIdentity *id = &job->id;
  Walk w = { .xs = xs, .t = XBT_NULL };

  if (!resolve(&w, job->arg, &id->domid, error))
    return NULL;
  g_autofree char *dom = g_strdup_printf("/local/domain/%u", id->domid);
  g_autofree char *name = g_strdup_printf("%s/name", dom);
  g_autofree char *type = g_strdup_printf("/libxl/%u/type", id->domid);
  g_autofree char *hvmloader = g_strdup_printf("%s/hvmloader", dom);
  id->exists = present(xs, dom);
  id->name = dm_xs_read(xs, XBT_NULL, name, NULL, NULL);
  id->type = dm_xs_read(xs, XBT_NULL, type, NULL, NULL);
  id->hvmloader = present(xs, hvmloader);
  return GINT_TO_POINTER(1);
}

gboolean
dm_diagnose_identify(const char *arg, guint timeout_ms, DmDiagIdentity *out, GError **error)
{
  IdentifyJob *job = dm_xs_job_new(IdentifyJob, identify_job_clear);
  gboolean ok;

  job->arg = g_strdup(arg);
  ok = dm_xs_job_run(identify_job_run, job, NULL, timeout_ms, error) != NULL;
  if (ok) {
    *out = job->id;
    job->id = (DmDiagIdentity){ 0 };
  }
  dm_xs_job_unref(job);
  return ok;
}

/* Every backend class directory of every domain that serves any. */
static GPtrArray *
list_backend_dirs(Walk *w, GError **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);
  g_auto(GStrv) doms = list(w, "/local/domain", error);
  if (doms == NULL)
    return NULL;
  for (char **b = doms; *b; b++) {
    g_autofree char *bdir = g_strdup_printf("/local/domain/%s/backend", *b);
    g_auto(GStrv) classes = list(w, bdir, error);
    if (classes == NULL)
      return NULL;
    for (char **c = classes; *c; c++)
      g_ptr_array_add(out, g_strdup_printf("%s/%s", bdir, *c));
  }
  return g_steal_pointer(&out);
}

/* Links that point outside what was read: a frontend's backend in an
 * odd place, and xend's /vm/<uuid>/image/ostype.  Both are read only if
 * they are paths xenstored accepts: a guest writes its frontend's link. */
static gboolean
read_links(Walk *w, const char *dom, GError **error)
{
  gboolean present;
  g_autofree char *vm_key = g_strdup_printf("%s/vm", dom);
  g_autofree char *vm = node_locked(w, vm_key);
  if (vm && g_str_has_prefix(vm, "/vm/") && dm_diag_valid_path(vm)) {
    g_autofree char *ostype = g_strdup_printf("%s/image/ostype", vm);
    if (!read_node(w, ostype, &present, error))
      return FALSE;
  }
  g_autoptr(GPtrArray) links = g_ptr_array_new_with_free_func(g_free);
  g_autofree char *devdir = g_strdup_printf("%s/device", dom);
  g_autoptr(GPtrArray) classes = children_locked(w, devdir);
  for (guint i = 0; i < classes->len; i++) {
    g_autofree char *cdir = g_strdup_printf("%s/%s", devdir, (char *)classes->pdata[i]);
    g_autoptr(GPtrArray) devids = children_locked(w, cdir);
    for (guint j = 0; j < devids->len && links->len < 64; j++) {
      g_autofree char *key = g_strdup_printf("%s/%s/backend", cdir, (char *)devids->pdata[j]);
      g_autofree char *link = node_locked(w, key);
      g_autofree char *known = link ? node_locked(w, link) : NULL;
      if (link && g_str_has_prefix(link, "/local/domain/") && dm_diag_valid_path(link) &&
          known == NULL)
        g_ptr_array_add(links, g_steal_pointer(&link));
    }
  }
  w->budget = MIN(w->budget, 4096);
  w->area = "the backends the guest's links name";
  for (guint i = 0; i < links->len; i++)
    if (!read_tree(w, links->pdata[i], MAX_DEPTH - 2, error))
      return FALSE;
  return TRUE;
}

static gboolean
read_xenstore(Walk *w, GError **error)
{
  guint d = w->snap->domid;
  g_autofree char *dom = g_strdup_printf("/local/domain/%u", d);
  g_autofree char *dm = g_strdup_printf("/local/domain/0/device-model/%u", d);
  g_autofree char *libxl_type = g_strdup_printf("/libxl/%u/type", d);
  /* Of the guest's own directory, only what diagnose looks at: the guest
   * can fill the rest (data/, attr/, ...) with anything, as much as its
   * quota allows.  The first ones are the toolstack's and read-only to it. */
  static const char *const own_nodes[] = { "",    "/name",      "/domid",
                                           "/vm", "/hvmloader", "/control/shutdown" };
  static const char *const own_trees[] = { "/image", "/console", "/device" };
  gboolean present;

  w->budget = MAX_NODES;
  w->area = "the guest's own directory";
  for (gsize i = 0; i < G_N_ELEMENTS(own_nodes); i++) {
    g_autofree char *path = g_strconcat(dom, own_nodes[i], NULL);
    if (!read_node(w, path, &present, error))
      return FALSE;
  }
  for (gsize i = 0; i < G_N_ELEMENTS(own_trees); i++) {
    g_autofree char *path = g_strconcat(dom, own_trees[i], NULL);
    if (!read_tree(w, path, 1, error))
      return FALSE;
  }
  w->budget = MAX_NODES;
  w->area = "dom0's nodes for the guest";
  if (!read_tree(w, dm, 0, error) || !read_node(w, libxl_type, &present, error))
    return FALSE;

  /* Backends of this domain, in whichever domain serves them. */
  g_autoptr(GPtrArray) bdirs =
    w->bdirs ? g_ptr_array_ref((GPtrArray *)w->bdirs) : list_backend_dirs(w, error);
  if (bdirs == NULL)
    return FALSE;
  for (guint i = 0; i < bdirs->len; i++) {
    g_autofree char *path = g_strdup_printf("%s/%u", (char *)bdirs->pdata[i], d);
    if (!read_tree(w, path, 0, error))
      return FALSE;
  }

  return read_links(w, dom, error);
}

/* ---- processes -------------------------------------------------------- */

static char *
read_exe(int pid)
{
  g_autofree char *link = g_strdup_printf("/proc/%d/exe", pid);
  g_autofree char *target = g_file_read_link(link, NULL);
  if (target && g_str_has_suffix(target, " (deleted)"))
    target[strlen(target) - strlen(" (deleted)")] = '\0';
  return g_steal_pointer(&target);
}

static gint64
read_uid(int pid)
{
  g_autofree char *path = g_strdup_printf("/proc/%d/status", pid);
  g_autofree char *text = NULL;
  const char *line;
  if (!g_file_get_contents(path, &text, NULL, NULL) || (line = strstr(text, "\nUid:")) == NULL)
    return -1;
  return g_ascii_strtoll(line + strlen("\nUid:"), NULL, 10);
}

/* One variable of a process's environment: "" if unset, NULL if the
 * environment cannot be read (another user's process, without root). */
static char *
read_env(int pid, const char *key)
{
  g_autofree char *path = g_strdup_printf("/proc/%d/environ", pid);
  g_autofree char *env = NULL;
  gsize len = 0;
  gsize klen = strlen(key);
  if (!g_file_get_contents(path, &env, &len, NULL))
    return NULL;
  for (gsize off = 0; off < len; off += strlen(env + off) + 1)
    if (strncmp(env + off, key, klen) == 0 && env[off + klen] == '=')
      return g_strdup(env + off + klen + 1);
  return g_strdup("");
}

static DmProcInfo *
read_proc(int pid)
{
  g_autoptr(DmProcInfo) p = dm_proc_info_new(pid);
  g_autofree char *stat_path = g_strdup_printf("/proc/%d/stat", pid);
  g_autofree char *cmd_path = g_strdup_printf("/proc/%d/cmdline", pid);
  g_autofree char *stat = NULL;
  g_autofree char *cmd = NULL;
  gsize len = 0;

  /* "PID (COMM) S PPID ...": COMM may hold spaces and parentheses, so
   * parse from the last ')'. */
  if (g_file_get_contents(stat_path, &stat, NULL, NULL)) {
    const char *rp = strrchr(stat, ')');
    if (rp && rp[1] == ' ' && rp[2]) {
      p->state = rp[2];
      p->ppid = atoi(rp + 3);
    }
  }
  p->exe = read_exe(pid);
  p->uid = read_uid(pid);
  p->xenstored = read_env(pid, "XENSTORED_PATH");
  if (g_file_get_contents(cmd_path, &cmd, &len, NULL) && len > 0) {
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    for (gsize off = 0; off < len; off += strlen(cmd + off) + 1)
      g_ptr_array_add(argv, g_strdup(cmd + off));
    g_ptr_array_add(argv, NULL);
    p->argv = (GStrv)g_ptr_array_free(g_steal_pointer(&argv), FALSE);
  }
  return g_steal_pointer(&p);
}

static DmProcInfo *
proc_copy(const DmProcInfo *p)
{
  DmProcInfo *c = dm_proc_info_new(p->pid);
  c->ppid = p->ppid;
  c->state = p->state;
  c->exe = g_strdup(p->exe);
  c->argv = g_strdupv(p->argv);
  c->uid = p->uid;
  c->xenstored = g_strdup(p->xenstored);
  return c;
}

GPtrArray *
dm_diagnose_scan_launchers(void)
{
  GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)dm_proc_info_free);
  g_autofree char *self = read_exe(getpid());
  g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
  const char *name;
  while (self && proc && (name = g_dir_read_name(proc)) != NULL) {
    guint64 other;
    if (!dm_parse_uint(name, G_MAXINT, &other) || (pid_t)other == getpid())
      continue;
    g_autofree char *exe = read_exe((int)other);
    if (exe && strcmp(exe, self) == 0)
      g_ptr_array_add(out, read_proc((int)other));
  }
  return out;
}

static void
read_processes(DmDiagSnapshot *snap, const DmDomainConfig *dc, const GPtrArray *launchers)
{
  g_autofree char *key = g_strdup_printf("/local/domain/%u/image/device-model-pid", snap->domid);
  const char *pid = g_hash_table_lookup(snap->nodes, key);
  guint64 n;

  if (pid && dm_parse_uint(pid, G_MAXINT, &n) && n > 0)
    snap->dm = read_proc((int)n);

  /* /proc/PID/exe shows the binary with symlinks resolved. */
  g_autoptr(GPtrArray) qemus = g_ptr_array_new();
  const char *configured[] = { dc->qemu_xen, dc->qemu_xen_traditional };
  for (gsize i = 0; i < G_N_ELEMENTS(configured); i++) {
    char *real = configured[i] ? realpath(configured[i], NULL) : NULL;
    if (real) {
      g_ptr_array_add(qemus, g_strdup(real));
      free(real);
    }
    if (configured[i])
      g_ptr_array_add(qemus, g_strdup(configured[i]));
  }
  g_ptr_array_add(qemus, NULL);
  snap->qemu_paths = (GStrv)g_ptr_array_free(g_steal_pointer(&qemus), FALSE);

  /* The scrub helper is a fork of the launcher that never execs: look for
   * processes running our own binary. */
  snap->launcher_exe = read_exe(getpid());
  snap->xenstored = g_strdup(g_getenv("XENSTORED_PATH") ? g_getenv("XENSTORED_PATH") : "");
  snap->helper_uid = dm_diagnose_helper_uid(dc, snap->domid);
  g_autoptr(GPtrArray) scanned = launchers ? NULL : dm_diagnose_scan_launchers();
  const GPtrArray *found = launchers ? launchers : scanned;
  for (guint i = 0; i < found->len; i++)
    g_ptr_array_add(snap->launchers, proc_copy(found->pdata[i]));
}

/* The uid the launcher's scrub helper runs as (dm/sys/helper.c). */
gint64
dm_diagnose_helper_uid(const DmDomainConfig *dc, guint domid)
{
  return (gint64)dc->helper_uid_base + domid;
}

/* The xenstored processes that serve what we asked: the ones whose
 * XENSTORED_PATH is ours (unset on a real host: the default socket). */
static void
read_xenstoreds(DmDiagSnapshot *snap)
{
  const char *ours = g_getenv("XENSTORED_PATH") ? g_getenv("XENSTORED_PATH") : "";
  g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
  const char *name;
  while (proc && (name = g_dir_read_name(proc)) != NULL) {
    guint64 pid;
    g_autofree char *comm_path = NULL;
    g_autofree char *comm = NULL;
    if (!dm_parse_uint(name, G_MAXINT, &pid))
      continue;
    comm_path = g_strdup_printf("/proc/%s/comm", name);
    if (!g_file_get_contents(comm_path, &comm, NULL, NULL))
      continue;
    g_strchomp(comm);
    if (strcmp(comm, "xenstored") != 0 && strcmp(comm, "oxenstored") != 0)
      continue;
    DmProcInfo *p = read_proc((int)pid);
    /* The test bed's daemon names its socket with XENSTORED_PATH too. */
    if (p->xenstored && strcmp(p->xenstored, ours) != 0) {
      dm_proc_info_free(p);
      continue;
    }
    g_ptr_array_add(snap->xenstoreds, p);
  }
}

/* ---- the device model's log ------------------------------------------- */

static void
read_log(DmDiagSnapshot *snap, const char *dir)
{
  g_autofree char *key = g_strdup_printf("/local/domain/%u/name", snap->domid);
  const char *name = g_hash_table_lookup(snap->nodes, key);

  if (name == NULL) {
    snap->log_why = g_strdup("the domain has no name in xenstore, so its log cannot be "
                             "found");
    return;
  }
  /* The name becomes a file name: refuse anything that could leave the
   * log directory. */
  if (*name == '\0' || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
    g_autofree char *shown = dm_quote_for_message(name);
    snap->log_why = g_strdup_printf("domain name %s cannot name a log file", shown);
    return;
  }
  snap->log_path = g_strdup_printf("%s/qemu-dm-%s.log", dir, name);
  int fd = open(snap->log_path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    snap->log_why = g_strdup_printf("cannot open %s: %s", snap->log_path, g_strerror(errno));
    return;
  }
  struct stat st;
  off_t start = 0;
  if (fstat(fd, &st) == 0 && st.st_size > LOG_TAIL_BYTES)
    start = st.st_size - LOG_TAIL_BYTES;
  /* Its lines tell the scrub's story only if no one but root wrote them. */
  snap->log_trusted = fstat(fd, &st) == 0 && st.st_uid == 0 && !(st.st_mode & 022);
  if (start > 0) {
    g_autofree char *head = g_malloc(LOG_TAIL_BYTES + 1);
    ssize_t n = pread(fd, head, LOG_TAIL_BYTES, 0);
    if (n > 0) {
      head[n] = '\0';
      /* Cut at the last whole line. */
      char *nl = strrchr(head, '\n');
      if (nl)
        nl[1] = '\0';
      snap->log_head = g_steal_pointer(&head);
    }
  }
  g_autofree char *buf = g_malloc(LOG_TAIL_BYTES + 1);
  ssize_t got = pread(fd, buf, LOG_TAIL_BYTES, start);
  int saved = errno;
  close(fd);
  if (got < 0) {
    snap->log_why = g_strdup_printf("cannot read %s: %s", snap->log_path, g_strerror(saved));
    return;
  }
  buf[got] = '\0';
  /* Started mid-file: drop the partial first line. */
  const char *text = buf;
  if (start > 0 && (text = strchr(buf, '\n')) != NULL)
    text++;
  snap->log_text = g_strdup(text ? text : "");
  if (start == 0)
    snap->log_head = g_strdup(snap->log_text);
}

/* ---- the hypervisor --------------------------------------------------- */

typedef struct {
  xentoollog_logger vtable;
  char *last;
} QuietLogger;

/* libxenctrl logs to stderr by default; keep its words for our message. */
static void
quiet_message(xentoollog_logger *logger, xentoollog_level level, int errnoval, const char *context,
              const char *format, va_list al)
{
  QuietLogger *q = (QuietLogger *)logger;
  if (level < XTL_ERROR)
    return;
  g_autofree char *text = g_strdup_vprintf(format, al);
  g_free(q->last);
  q->last =
    errnoval > 0 ? g_strdup_printf("%s: %s", text, g_strerror(errnoval)) : g_steal_pointer(&text);
}

static void
quiet_destroy(xentoollog_logger *logger)
{
}

static void
read_hypervisor(DmDiagSnapshot *snap)
{
  QuietLogger logger = { { quiet_message, NULL, quiet_destroy }, NULL };
  xc_interface *xch = xc_interface_open(&logger.vtable, &logger.vtable, 0);
  xc_dominfo_t info;

  if (xch == NULL) {
    snap->hv.why_not =
      g_strdup_printf("libxenctrl: %s", logger.last ? logger.last : g_strerror(errno));
    g_free(logger.last);
    return;
  }
  /* xc_domain_getinfo returns the first domain at or after the domid. */
  int n = xc_domain_getinfo(xch, snap->domid, 1, &info);
  if (n < 0) {
    snap->hv.why_not = g_strdup_printf("libxenctrl: getinfo of domain %u: %s", snap->domid,
                                       logger.last ? logger.last : g_strerror(errno));
  } else {
    snap->hv.queried = TRUE;
    snap->hv.exists = n == 1 && info.domid == snap->domid;
    if (snap->hv.exists) {
      snap->hv.dying = info.dying;
      snap->hv.crashed = info.crashed;
      snap->hv.shutdown = info.shutdown;
      snap->hv.paused = info.paused;
      snap->hv.blocked = info.blocked;
      snap->hv.running = info.running;
      snap->hv.hvm = info.hvm;
      snap->hv.shutdown_reason = info.shutdown_reason;
    }
  }
  xc_interface_close(xch);
  g_free(logger.last);
}

/* The xenstore half of one diagnosis, on dm_xs_bounded's worker thread:
 * libxenstore has no timeout, and a stopped xenstored would hold the
 * admin's terminal forever.  What it read so far stays readable (under
 * the lock) when the caller gives up waiting. */
typedef struct {
  DmXsJob box; /* box.lock guards the rest */
  char *arg;
  guint domid;          /* set once resolved */
  DmDiagSnapshot *snap; /* the worker's; handed over on success */
} ReadJob;

static void
read_job_clear(ReadJob *job)
{
  g_free(job->arg);
  dm_diag_snapshot_free(job->snap);
}

static gboolean
read_job_body(struct xs_handle *xs, xs_transaction_t t, gpointer data, GError **error)
{
  ReadJob *job = data;
  guint domid = 0;
  Walk w = { .xs = xs, .t = t, .lock = &job->box.lock, .budget = MAX_NODES };

  if (!resolve(&w, job->arg, &domid, error))
    return FALSE;
  g_mutex_lock(&job->box.lock);
  job->domid = domid;
  job->snap = dm_diag_snapshot_new(domid);
  w.snap = job->snap;
  g_mutex_unlock(&job->box.lock);
  return read_xenstore(&w, error);
}

static gpointer
read_job_run(struct xs_handle *xs, gpointer data, GError **error)
{
  ReadJob *job = data;
  DmDiagSnapshot *snap;

  /* One read-only transaction: a consistent picture, and never a write. */
  if (!dm_xs_transact_read_only(xs, read_job_body, job, error))
    return NULL;
  g_mutex_lock(&job->box.lock);
  snap = g_steal_pointer(&job->snap);
  g_mutex_unlock(&job->box.lock);
  return snap;
}

/* What diagnose can still say when xenstored does not answer: the nodes
 * read before it stopped, the xenstored processes and their state, and,
 * if the domain's name is known, its log. */
static DmDiagSnapshot *
partial_snapshot(ReadJob *job, const char *arg, guint timeout_ms)
{
  DmDiagSnapshot *snap;
  g_mutex_lock(&job->box.lock);
  snap = dm_diag_snapshot_new(job->domid);
  if (job->snap)
    dm_diag_snapshot_copy_nodes(snap, job->snap);
  g_mutex_unlock(&job->box.lock);
  snap->partial = g_strdup_printf("xenstored did not answer within %u s (--timeout); "
                                  "%u node%s read before it stopped",
                                  timeout_ms / 1000, g_hash_table_size(snap->nodes),
                                  g_hash_table_size(snap->nodes) == 1 ? "" : "s");
  /* A name given on the command line still finds the log. */
  g_autofree char *name_key = g_strdup_printf("/local/domain/%u/name", snap->domid);
  if (!g_hash_table_contains(snap->nodes, name_key) && dm_check_name(arg, NULL) &&
      !g_ascii_isdigit(*arg))
    dm_diag_snapshot_set(snap, name_key, arg);
  return snap;
}

DmDiagSnapshot *
dm_diagnose_read(const char *arg, guint timeout_ms, GError **error)
{
  ReadJob *job = dm_xs_job_new(ReadJob, read_job_clear);
  g_autoptr(GError) local = NULL;
  DmDiagSnapshot *snap;

  job->arg = g_strdup(arg);
  snap =
    dm_xs_job_run(read_job_run, job, (GDestroyNotify)dm_diag_snapshot_free, timeout_ms, &local);
  if (snap == NULL && g_error_matches(local, DM_ERROR, DM_ERROR_TIMEOUT))
    /* The worker stays blocked in libxenstore; it owns its copy. */
    snap = partial_snapshot(job, arg, timeout_ms);
  else if (snap == NULL)
    g_propagate_error(error, g_steal_pointer(&local));
  dm_xs_job_unref(job);
  return snap;
}

DmDiagReport *
dm_diagnose_complete(DmDiagSnapshot *snap, const DmDomainConfig *dc, const char *log_dir,
                     const GPtrArray *launchers)
{
  read_processes(snap, dc, launchers);
  read_log(snap, log_dir);
  read_hypervisor(snap);
  if (snap->partial)
    read_xenstoreds(snap);
  return dm_diagnose_analyse(snap, dc);
}

/* --all: every domain's xenstore half, in one bounded exchange.  The
 * backend class directories are listed once for all of them. */
typedef struct {
  DmXsJob box;      /* box.lock guards the rest */
  GPtrArray *snaps; /* DmDiagSnapshot *, in domid order */
  guint listed;     /* domains listed */
} AllJob;

static void
all_job_clear(AllJob *job)
{
  g_ptr_array_unref(job->snaps);
}

static int
compare_domid_strs(gconstpointer a, gconstpointer b)
{
  guint64 x = g_ascii_strtoull(*(char *const *)a, NULL, 10);
  guint64 y = g_ascii_strtoull(*(char *const *)b, NULL, 10);
  return x < y ? -1 : x > y;
}

static gpointer
all_job_run(struct xs_handle *xs, gpointer data, GError **error)
{
  AllJob *job = data;
  Walk w = { .xs = xs, .t = XBT_NULL, .lock = &job->box.lock, .budget = MAX_NODES };
  g_auto(GStrv) doms = list(&w, "/local/domain", error);
  if (doms == NULL)
    return NULL;
  g_autoptr(GPtrArray) bdirs = list_backend_dirs(&w, error);
  if (bdirs == NULL)
    return NULL;
  qsort(doms, g_strv_length(doms), sizeof(char *), compare_domid_strs);
  w.bdirs = bdirs;
  for (char **d = doms; *d; d++) {
    guint64 domid;
    if (!dm_parse_uint(*d, DM_DOMID_MAX, &domid) || domid == 0)
      continue;
    DmDiagSnapshot *snap = dm_diag_snapshot_new((guint)domid);
    g_mutex_lock(&job->box.lock);
    g_ptr_array_add(job->snaps, snap);
    job->listed++;
    g_mutex_unlock(&job->box.lock);
    w.snap = snap;
    g_autoptr(GError) local = NULL;
    if (!read_xenstore(&w, &local)) {
      /* One domain that cannot be read does not hide the others. */
      g_mutex_lock(&job->box.lock);
      snap->partial = g_strdup_printf("cannot read it: %s", local->message);
      g_mutex_unlock(&job->box.lock);
    }
  }
  return GINT_TO_POINTER(1);
}

GPtrArray *
dm_diagnose_read_all(guint timeout_ms, gboolean *timed_out, GError **error)
{
  AllJob *job = dm_xs_job_new(AllJob, all_job_clear);
  g_autoptr(GError) local = NULL;
  GPtrArray *out = NULL;

  job->snaps = g_ptr_array_new_with_free_func((GDestroyNotify)dm_diag_snapshot_free);
  *timed_out = FALSE;
  gpointer ok = dm_xs_job_run(all_job_run, job, NULL, timeout_ms, &local);
  if (ok == NULL && !g_error_matches(local, DM_ERROR, DM_ERROR_TIMEOUT)) {
    dm_diagnose_propagate(error, g_steal_pointer(&local), "diagnose --all: ");
    dm_xs_job_unref(job);
    return NULL;
  }
  /* Hand the snapshots over; after a timeout, copies of what was read
   * (the worker may still be writing into the last one). */
  g_mutex_lock(&job->box.lock);
  if (ok) {
    out = g_steal_pointer(&job->snaps);
    job->snaps = g_ptr_array_new_with_free_func((GDestroyNotify)dm_diag_snapshot_free);
  } else {
    *timed_out = TRUE;
    out = g_ptr_array_new_with_free_func((GDestroyNotify)dm_diag_snapshot_free);
    for (guint i = 0; i < job->snaps->len; i++) {
      const DmDiagSnapshot *from = job->snaps->pdata[i];
      DmDiagSnapshot *copy = dm_diag_snapshot_new(from->domid);
      dm_diag_snapshot_copy_nodes(copy, from);
      copy->partial =
        g_strdup(i + 1 == job->snaps->len ? "xenstored stopped answering while this domain was read"
                                          : from->partial);
      g_ptr_array_add(out, copy);
    }
  }
  g_mutex_unlock(&job->box.lock);
  dm_xs_job_unref(job);
  return out;
}
