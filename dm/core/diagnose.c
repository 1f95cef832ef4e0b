#include "diagnose.h"
#include "build_config.h"
#include "plan.h"
#include "scrub.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* ---- findings -------------------------------------------------------- */

const char *
dm_stuck_flag_name(DmStuckFlags flag)
{
  switch (flag) {
  case DM_STUCK_BACKEND_INITIALISING:
    return "backend-initialising";
  case DM_STUCK_DANGLING_BACKEND:
    return "dangling-backend-link";
  case DM_STUCK_NO_BACKEND:
    return "no-backend";
  case DM_STUCK_NO_FRONTEND:
    return "no-frontend";
  case DM_STUCK_INVALID_BACKEND_LINK:
    return "invalid-backend-link";
  }
  return "unknown";
}

/* ---- processes -------------------------------------------------------- */

guint
dm_diagnose_argv_domid(const char *const *argv, DmGuest *guest)
{
  int argc = 0, start = 1;

  if (argv == NULL || argv[0] == NULL)
    return 0;
  while (argv[argc])
    argc++;
  /* The launcher's own options come before a literal "--". */
  for (int i = 1; i < argc; i++)
    if (strcmp(argv[i], "--") == 0) {
      start = i + 1;
      break;
    }
  g_autoptr(GError) error = NULL;
  g_autoptr(DmRequest) req = dm_request_parse(argc - start, (char *const *)argv + start, &error);
  if (req == NULL || req->flavour == DM_FLAVOUR_PROBE)
    return 0;
  if (guest)
    *guest = req->guest;
  return req->domid;
}

static gboolean
proc_alive(const DmProcInfo *p)
{
  /* Z: a zombie, X: dead.  Neither serves anything. */
  return p != NULL && p->state != 0 && p->state != 'Z' && p->state != 'X';
}

/* ---- report ----------------------------------------------------------- */

static void
device_free(DmDiagDevice *d)
{
  g_free(d->cls);
  g_free(d->devid);
  g_free(d->fe_path);
  g_free(d->be_path);
  g_free(d->problem);
  g_free(d->note);
  g_free(d->scrub_why);
  g_free(d);
}

static void story_clear(DmDiagStory *st);
static void advice_free(DmDiagAdvice *a);

void
dm_diag_report_free(DmDiagReport *r)
{
  if (r == NULL)
    return;
  g_free(r->name);
  g_free(r->guest_source);
  g_free(r->domain_state);
  g_free(r->domain_source);
  g_free(r->domain_note);
  g_free(r->dm_state);
  g_free(r->dm_exe);
  g_free(r->dm_note);
  g_array_unref(r->helper_pids);
  story_clear(&r->story);
  g_ptr_array_unref(r->advice);
  g_free(r->partial);
  g_ptr_array_unref(r->xenstoreds);
  g_free(r->worst);
  g_free(r->walk_note);
  g_free(r->log_path);
  g_ptr_array_unref(r->log_errors);
  g_free(r->log_note);
  g_ptr_array_unref(r->devices);
  g_ptr_array_unref(r->findings);
  g_free(r);
}

static void
guest_type(const DmDiagSnapshot *snap, DmDiagReport *r)
{
  guint d = snap->domid;
  const char *t;

  /* The hypervisor knows; without one, the toolstacks' own records. */
  if (snap->hv.queried && snap->hv.exists) {
    r->guest = snap->hv.hvm ? DM_GUEST_HVM : DM_GUEST_PV;
    r->guest_source = g_strdup("libxenctrl");
    return;
  }
  /* libxl writes /libxl/<domid>/type = hvm|pv|pvh at creation.  PVH has
   * no device model of its own; the scrub policy treats it as not HVM. */
  if ((t = dm_diag_nodef(snap, "/libxl/%u/type", d)) != NULL) {
    r->guest = strcmp(t, "hvm") == 0  ? DM_GUEST_HVM
               : strcmp(t, "pv") == 0 ? DM_GUEST_PV
                                      : DM_GUEST_UNKNOWN;
    r->guest_source = g_strdup_printf("/libxl/%u/type", d);
    if (r->guest != DM_GUEST_UNKNOWN)
      return;
  }
  if (snap->dm && snap->dm->argv) {
    DmGuest g = DM_GUEST_UNKNOWN;
    if (dm_diagnose_argv_domid((const char *const *)snap->dm->argv, &g) == d &&
        g != DM_GUEST_UNKNOWN) {
      r->guest = g;
      g_free(r->guest_source);
      r->guest_source = g_strdup("the device model's command line");
      return;
    }
  }
  /* xend: /vm/<uuid>/image/ostype is "hvm" or "linux". */
  const char *vm = dm_diag_nodef(snap, "/local/domain/%u/vm", d);
  if (vm && (t = dm_diag_nodef(snap, "%s/image/ostype", vm)) != NULL) {
    r->guest = strcmp(t, "hvm") == 0 ? DM_GUEST_HVM : DM_GUEST_PV;
    g_free(r->guest_source);
    r->guest_source = g_strdup_printf("%s/image/ostype", vm);
    return;
  }
  g_autofree char *hvmloader = g_strdup_printf("/local/domain/%u/hvmloader", d);
  if (dm_diag_exists(snap, hvmloader)) {
    r->guest = DM_GUEST_HVM;
    g_free(r->guest_source);
    r->guest_source = g_strdup_printf("/local/domain/%u/hvmloader exists", d);
  }
}

static int
backend_domid_of(const char *be_path)
{
  guint64 n;
  if (!g_str_has_prefix(be_path, "/local/domain/"))
    return -1;
  const char *p = be_path + strlen("/local/domain/");
  const char *slash = strchr(p, '/');
  g_autofree char *num = slash ? g_strndup(p, (gsize)(slash - p)) : g_strdup(p);
  if (!dm_parse_uint(num, DM_DOMID_MAX, &n))
    return -1;
  return (int)n;
}

static int
state_of(const DmDiagSnapshot *snap, const char *dir)
{
  return dm_diag_state_parse(dm_diag_nodef(snap, "%s/state", dir));
}

/* Whether `be_path` lies under a directory the launcher scrubs for this
 * domain (dm_scrub_paths: classes, guest types, dom0's backends). */
static gboolean
in_scrub_scope(const DmDomainConfig *dc, const DmDiagReport *r, const char *be_path)
{
  DmRequest req = { .flavour = DM_FLAVOUR_QEMU_XEN, .domid = r->domid, .guest = r->guest };
  g_autoptr(GPtrArray) scope = dm_scrub_paths(&req, dc);

  for (guint i = 0; i < scope->len; i++) {
    const char *dir = g_ptr_array_index(scope, i);
    gsize len = strlen(dir);
    if (strncmp(be_path, dir, len) == 0 && be_path[len] == '/')
      return TRUE;
  }
  return FALSE;
}

/* The launcher's scrub decision for one backend: the one place diagnose
 * asks the scrub policy.  Which paths are in scope comes from the same
 * dm_scrub_paths() the launcher plans with (classes, guest types, dom0's
 * backends of this domid); the state rule from the scrubber's own
 * dm_scrub_decide(). */
static void
scrub_verdict(const DmDiagSnapshot *snap, const DmDomainConfig *dc, const DmDiagReport *r,
              DmDiagDevice *dev)
{
  g_autofree char *classes = dc->scrub ? g_strjoinv(";", dc->scrub) : g_strdup("");

  dev->scrub = FALSE;
  if (dev->stuck & DM_STUCK_INVALID_BACKEND_LINK) {
    dev->scrub_why = g_strdup("the guest's backend link names no node; nothing to remove");
    return;
  }
  if (!dev->be_exists) {
    dev->scrub_why = g_strdup(dev->be_path && in_scrub_scope(dc, r, dev->be_path)
                                ? "already removed: the launcher scrubs this backend"
                                : "no backend node to remove");
    return;
  }
  if (dc->scrub == NULL || !g_strv_contains((const char *const *)dc->scrub, dev->cls)) {
    dev->scrub_why = g_strdup_printf("class %s is not scrubbed (scrub = %s)", dev->cls, classes);
    return;
  }
  if (r->guest == DM_GUEST_UNKNOWN) {
    dev->scrub_why = g_strdup("the guest type is unknown, and the launcher only scrubs "
                              "the guest types in scrub-guests");
    return;
  }
  if ((r->guest == DM_GUEST_HVM && !dc->scrub_hvm) || (r->guest == DM_GUEST_PV && !dc->scrub_pv)) {
    dev->scrub_why =
      g_strdup_printf("%s guests are not scrubbed (scrub-guests)%s", dm_guest_name(r->guest),
                      r->guest == DM_GUEST_PV ? ": qemu itself serves a PV guest's vfb" : "");
    return;
  }
  if (!in_scrub_scope(dc, r, dev->be_path)) {
    dev->scrub_why = g_strdup_printf("the launcher only scrubs dom0's backends under "
                                     "/local/domain/0/backend/%s/%u",
                                     dev->cls, r->domid);
    return;
  }
  /* The state rule is the scrubber's own (dm_scrub_decide in scrub.c).  A
   * snapshot cannot tell how long a backend has been unserved: ask as if
   * it had stayed so for the whole grace period, which is what the
   * launcher and its helper see if nothing changes. */
  DmScrubObservation obs = {
    .state = dm_diag_nodef(snap, "%s/state", dev->be_path),
    .stale_since_ms = 0,
    .ever_served = FALSE,
    .now_ms = dc->scrub_grace_ms,
  };
  g_auto(DmScrubDecision) decision = { 0 };
  dm_scrub_decide(dc->scrub_mode, dc->scrub_grace_ms, &obs, &decision);
  dev->scrub = decision.action != DM_SCRUB_KEEP;
  if (dev->scrub && dc->scrub_mode == DM_SCRUB_STALE)
    dev->scrub_why = g_strdup_printf(
      "%s%s: nothing serves it; scrub-mode = stale removes it once it has stayed so "
      "for scrub-grace-ms (%u ms)",
      dev->be_state == DM_STATE_MISSING ? "state missing" : "state ",
      dev->be_state == DM_STATE_MISSING ? "" : obs.state, dc->scrub_grace_ms);
  else
    dev->scrub_why = g_strdup(decision.reason);
}

static DmDiagDevice *
device_new(const char *cls, const char *devid)
{
  DmDiagDevice *d = g_new0(DmDiagDevice, 1);
  d->cls = g_strdup(cls);
  d->devid = g_strdup(devid);
  d->fe_state = DM_STATE_MISSING;
  d->be_state = DM_STATE_MISSING;
  d->be_domid = -1;
  return d;
}

/* What an unserved backend in Initialising means for this guest, as the
 * tail of the device's problem ("" when nothing more is known). */
static const char *
unserved_consequence(const DmDiagDevice *d, gboolean xenconsoled, DmGuest guest)
{
  gboolean console = strcmp(d->cls, "console") == 0;
  gboolean vfb = strcmp(d->cls, "vfb") == 0;

  if (xenconsoled && guest == DM_GUEST_HVM)
    return " through xenbus (xenconsoled serves the ring, but the Citrix/XCP PV drivers "
           "(XENUTIL) wait for this backend to leave Initialising and hang at boot)";
  if ((console || vfb) && guest == DM_GUEST_HVM)
    return " (the XENUTIL boot hang of Citrix/XCP PV drivers)";
  if (vfb && guest == DM_GUEST_PV)
    return " (qemu serves a PV guest's vfb: is the device model running?)";
  return "";
}

static void
judge_device(const DmDiagSnapshot *snap, const DmDomainConfig *dc, const DmDiagReport *r,
             DmDiagDevice *d)
{
  const char *type = d->fe_path ? dm_diag_nodef(snap, "%s/type", d->fe_path) : NULL;
  gboolean xenconsoled = strcmp(d->cls, "console") == 0 && type && strcmp(type, "xenconsoled") == 0;

  if (d->stuck & DM_STUCK_INVALID_BACKEND_LINK) {
    d->problem = g_strdup_printf("frontend names an invalid backend path (guest wrote it): "
                                 "%s",
                                 d->be_path);
    return;
  }
  if (d->fe_path && d->be_path && !d->be_exists && in_scrub_scope(dc, r, d->be_path)) {
    /* The launcher removed this unserved backend on purpose: with no
     * backend node the guest's driver stops waiting for it (that is the
     * whole point of the scrub), so the frontend's link to it is not a
     * hang. */
    return;
  }
  if (d->fe_path && d->be_path == NULL) {
    d->stuck |= DM_STUCK_NO_BACKEND;
    d->problem = g_strdup_printf("frontend %s has no backend link: nothing will ever "
                                 "connect it",
                                 d->fe_path);
  } else if (d->fe_path && !d->be_exists) {
    d->stuck |= DM_STUCK_DANGLING_BACKEND;
    d->problem = g_strdup_printf("frontend's backend link points at %s, which does not "
                                 "exist",
                                 d->be_path);
  } else if (d->fe_path && (d->be_state == DM_STATE_MISSING || d->be_state == DM_XB_UNKNOWN ||
                            d->be_state == DM_XB_INITIALISING)) {
    /* xenconsoled serves console 0 through the ring-ref and port in the
     * frontend directory and never moves the backend's xenbus state: seen
     * on every xl guest.  A PV guest's console is fine so; in an HVM guest
     * the same node is what the Citrix/XCP PV drivers wait on forever. */
    if (xenconsoled && r->guest == DM_GUEST_PV) {
      d->note = g_strdup("served by xenconsoled through its ring; xenconsoled never "
                         "moves the backend's xenbus state");
      return;
    }
    d->stuck |= DM_STUCK_BACKEND_INITIALISING;
    d->problem = g_strdup_printf(
      "frontend (state %s) waits on backend %s, which is %s: nothing serves it%s",
      dm_diag_state_name(d->fe_state), d->be_path,
      d->be_state == DM_STATE_MISSING ? "without a state node" : dm_diag_state_name(d->be_state),
      unserved_consequence(d, xenconsoled, r->guest));
  } else if (d->fe_path == NULL) {
    d->stuck |= DM_STUCK_NO_FRONTEND;
    d->problem = g_strdup_printf("backend %s has no frontend in domain %u", d->be_path, r->domid);
  }
}

/* A device found through its frontend directory (`path`, taken). */
static void
add_frontend(GPtrArray *devices, char *path, const char *cls, const char *devid)
{
  DmDiagDevice *dev = device_new(cls, devid);
  dev->fe_path = path;
  g_ptr_array_add(devices, dev);
}

/* Every backend of this domain, in every domain that serves one. */
static GPtrArray *
list_backends(const DmDiagSnapshot *snap)
{
  GPtrArray *backends = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GPtrArray) doms = dm_diag_snapshot_children(snap, "/local/domain");

  for (guint i = 0; i < doms->len; i++) {
    g_autofree char *bdir =
      g_strdup_printf("/local/domain/%s/backend", (char *)g_ptr_array_index(doms, i));
    g_autoptr(GPtrArray) classes = dm_diag_snapshot_children(snap, bdir);
    for (guint j = 0; j < classes->len; j++) {
      g_autofree char *cdir =
        g_strdup_printf("%s/%s/%u", bdir, (char *)g_ptr_array_index(classes, j), snap->domid);
      g_autoptr(GPtrArray) devids = dm_diag_snapshot_children(snap, cdir);
      for (guint k = 0; k < devids->len; k++)
        g_ptr_array_add(backends,
                        g_strdup_printf("%s/%s", cdir, (char *)g_ptr_array_index(devids, k)));
    }
  }
  return backends;
}

/* Frontends: device/<class>/<devid>, and console 0, which lives at
 * /local/domain/<domid>/console rather than under device/.  Each becomes a
 * device in `devices` with its class, devid and frontend path. */
static void
list_frontends(const DmDiagSnapshot *snap, const char *dom, GPtrArray *devices)
{
  g_autofree char *devdir = g_strdup_printf("%s/device", dom);
  g_autoptr(GPtrArray) classes = dm_diag_snapshot_children(snap, devdir);

  for (guint i = 0; i < classes->len; i++) {
    const char *cls = g_ptr_array_index(classes, i);
    g_autofree char *cdir = g_strdup_printf("%s/%s", devdir, cls);
    g_autoptr(GPtrArray) devids = dm_diag_snapshot_children(snap, cdir);
    for (guint k = 0; k < devids->len; k++) {
      const char *devid = g_ptr_array_index(devids, k);
      g_autofree char *fe = g_strdup_printf("%s/%s", cdir, devid);
      /* Not every node under device/ is a device: libxl keeps the
       * suspend event channel at device/suspend/event-channel.  A
       * frontend has a backend link, a backend-id or a state. */
      if (dm_diag_nodef(snap, "%s/backend", fe) == NULL &&
          dm_diag_nodef(snap, "%s/backend-id", fe) == NULL &&
          dm_diag_nodef(snap, "%s/state", fe) == NULL)
        continue;
      add_frontend(devices, g_steal_pointer(&fe), cls, devid);
    }
  }
  if (dm_diag_nodef(snap, "%s/console/backend", dom) != NULL)
    add_frontend(devices, g_strdup_printf("%s/console", dom), "console", "0");
}

/* The frontend's state and its backend link. */
static void
read_frontend(const DmDiagSnapshot *snap, DmDiagDevice *dev)
{
  const char *link = dm_diag_nodef(snap, "%s/backend", dev->fe_path);

  dev->fe_state = state_of(snap, dev->fe_path);
  /* The frontend directory is the guest's: its state, backend link and
   * backend-id are whatever the guest wrote. */
  dev->fe_state_from_guest = TRUE;
  if (link != NULL && *link != '\0' && !dm_diag_valid_path(link)) {
    /* Data to report, never a path to read (xenstored refuses it). */
    dev->be_path = g_strdup(link);
    dev->be_link_from_guest = TRUE;
    dev->stuck |= DM_STUCK_INVALID_BACKEND_LINK;
  } else if (link != NULL && *link != '\0') {
    dev->be_path = g_strdup(link);
    dev->be_link_from_guest = TRUE;
    dev->be_exists = dm_diag_exists(snap, link);
    dev->be_state = state_of(snap, link);
    dev->be_domid = backend_domid_of(link);
  }
  if (dev->be_domid < 0) {
    guint64 n;
    const char *id = dm_diag_nodef(snap, "%s/backend-id", dev->fe_path);
    if (id && dm_parse_uint(id, DM_DOMID_MAX, &n))
      dev->be_domid = (int)n;
  }
}

/* A backend no listed frontend links to.  `fe_seen` holds the frontends
 * listed. */
static DmDiagDevice *
device_from_backend(const DmDiagSnapshot *snap, const char *dom, const char *be,
                    GHashTable *fe_seen)
{
  /* <bdir>/<class>/<domid>/<devid>: the class is two components up. */
  g_auto(GStrv) parts = g_strsplit(be, "/", -1);
  guint n = g_strv_length(parts);
  DmDiagDevice *dev = device_new(parts[n - 3], parts[n - 1]);
  const char *link = dm_diag_nodef(snap, "%s/frontend", be);

  dev->be_path = g_strdup(be);
  dev->be_exists = TRUE;
  dev->be_state = state_of(snap, be);
  dev->be_domid = backend_domid_of(be);
  /* A backend whose frontend we did not list (one written somewhere
   * other than device/) still has one if its link resolves. */
  if (link && *link && !g_hash_table_contains(fe_seen, link) && dm_diag_exists(snap, link) &&
      g_str_has_prefix(link, dom) && link[strlen(dom)] == '/') {
    dev->fe_path = g_strdup(link);
    dev->fe_state = state_of(snap, link);
  }
  return dev;
}

static void
collect_devices(const DmDiagSnapshot *snap, const DmDomainConfig *dc, DmDiagReport *r)
{
  g_autofree char *dom = g_strdup_printf("/local/domain/%u", snap->domid);
  g_autoptr(GPtrArray) backends = list_backends(snap);
  g_autoptr(GHashTable) be_used = g_hash_table_new(g_str_hash, g_str_equal);
  g_autoptr(GHashTable) fe_seen = g_hash_table_new(g_str_hash, g_str_equal);

  list_frontends(snap, dom, r->devices);
  for (guint i = 0; i < r->devices->len; i++) {
    DmDiagDevice *dev = g_ptr_array_index(r->devices, i);
    read_frontend(snap, dev);
    g_hash_table_add(fe_seen, dev->fe_path);
    if (dev->be_path && !(dev->stuck & DM_STUCK_INVALID_BACKEND_LINK))
      g_hash_table_add(be_used, dev->be_path);
  }
  for (guint i = 0; i < backends->len; i++) {
    const char *be = g_ptr_array_index(backends, i);
    if (!g_hash_table_contains(be_used, be))
      g_ptr_array_add(r->devices, device_from_backend(snap, dom, be, fe_seen));
  }
  for (guint i = 0; i < r->devices->len; i++) {
    DmDiagDevice *dev = g_ptr_array_index(r->devices, i);
    judge_device(snap, dc, r, dev);
    scrub_verdict(snap, dc, r, dev);
  }
}

static int
compare_devices(gconstpointer a, gconstpointer b)
{
  const DmDiagDevice *x = *(DmDiagDevice *const *)a;
  const DmDiagDevice *y = *(DmDiagDevice *const *)b;
  int c = strcmp(x->cls, y->cls);
  return c ? c : dm_diag_compare_names(x->devid, y->devid);
}

static void dm_advice(DmDiagReport *r, const char *finding);

/* The device model is gone: stuck, with what to do about it. */
static void
dm_dead(DmDiagReport *r)
{
  r->stuck = TRUE;
  g_ptr_array_add(r->findings, g_strdup_printf("device model: %s", r->dm_note));
  dm_advice(r, g_ptr_array_index(r->findings, r->findings->len - 1));
}

/* No usable device-model-pid (`pid`: the node's value, NULL if absent). */
static void
no_dm_pid(DmDiagReport *r, const char *pid)
{
  if (pid != NULL) {
    g_autofree char *shown = dm_quote_for_message(pid);
    r->dm_note = g_strdup_printf("image/device-model-pid holds %s, not a pid", shown);
  } else if (r->dm_stubdom >= 0)
    r->dm_note = g_strdup_printf("the device model runs in stub domain %d", r->dm_stubdom);
  else if (r->guest == DM_GUEST_HVM)
    r->dm_note = g_strdup("no device model recorded, and an HVM guest needs one");
  else
    r->dm_note = g_strdup("no device model recorded");
  if (r->guest == DM_GUEST_HVM && r->dm_stubdom < 0)
    g_ptr_array_add(r->findings, g_strdup_printf("device model: %s", r->dm_note));
}

static void
device_model(const DmDiagSnapshot *snap, DmDiagReport *r)
{
  guint d = snap->domid;
  guint64 n;
  const char *pid = dm_diag_nodef(snap, "/local/domain/%u/image/device-model-pid", d);
  const char *stub = dm_diag_nodef(snap, "/local/domain/%u/image/device-model-domid", d);
  const char *state = dm_diag_nodef(snap, "/local/domain/0/device-model/%u/state", d);

  r->dm_state = g_strdup(state);
  r->dm_stubdom = stub && dm_parse_uint(stub, DM_DOMID_MAX, &n) ? (int)n : -1;
  if (pid == NULL || !dm_parse_uint(pid, G_MAXINT, &n) || n == 0) {
    no_dm_pid(r, pid);
    return;
  }

  r->dm_pid = (int)n;
  const DmProcInfo *p = snap->dm && snap->dm->pid == r->dm_pid ? snap->dm : NULL;
  r->dm_alive = proc_alive(p);
  r->dm_exe = p && p->exe ? dm_diag_printable(p->exe) : NULL;
  if (!r->dm_alive) {
    r->dm_note = g_strdup_printf("pid %d is not running%s: the device model is dead, "
                                 "and nothing serves the devices it backs",
                                 r->dm_pid, p && p->state == 'Z' ? " (a zombie)" : "");
    dm_dead(r);
    return;
  }

  gboolean dead = FALSE;
  guint serves = p->argv ? dm_diagnose_argv_domid((const char *const *)p->argv, NULL) : 0;
  gboolean launcher = p->exe && snap->launcher_exe && strcmp(p->exe, snap->launcher_exe) == 0;
  r->dm_is_qemu =
    p->exe && snap->qemu_paths && g_strv_contains((const char *const *)snap->qemu_paths, p->exe);
  if (serves != 0 && serves != d) {
    r->dm_is_qemu = FALSE;
    r->dm_note = g_strdup_printf("pid %d serves domain %u, not %u: this domain's device "
                                 "model is gone and its pid was reused",
                                 r->dm_pid, serves, d);
    dead = TRUE;
  } else if (r->dm_is_qemu) {
    r->dm_note =
      g_strdup_printf("pid %d is alive and runs %s, the configured qemu", r->dm_pid, r->dm_exe);
    if (state == NULL || strcmp(state, "running") != 0)
      g_ptr_array_add(r->findings,
                      g_strdup_printf("device model: qemu is alive but its state is %s, "
                                      "not \"running\"",
                                      state ? state : "missing"));
  } else if (launcher) {
    r->dm_note =
      g_strdup_printf("pid %d is still the launcher: it has not exec'd qemu yet", r->dm_pid);
    g_ptr_array_add(r->findings, g_strdup_printf("device model: %s", r->dm_note));
  } else if (p->exe == NULL) {
    r->dm_note = g_strdup_printf("pid %d is alive; its binary cannot be read "
                                 "(/proc/%d/exe)",
                                 r->dm_pid, r->dm_pid);
  } else if (strstr(p->exe, "qemu") != NULL) {
    r->dm_note = g_strdup_printf("pid %d is alive and runs %s, a qemu that is not the "
                                 "configured one",
                                 r->dm_pid, r->dm_exe);
  } else {
    r->dm_note = g_strdup_printf("pid %d runs %s, not qemu: this domain's device model "
                                 "is gone and its pid was reused",
                                 r->dm_pid, r->dm_exe);
    dead = TRUE;
  }
  if (dead)
    dm_dead(r);
}

/* ---- the scrub's story ------------------------------------------------ */

static void
removal_free(DmDiagRemoval *x)
{
  g_free(x->time);
  g_free(x->path);
  g_free(x->reason);
  g_free(x->by);
  g_free(x);
}

static void
story_clear(DmDiagStory *st)
{
  g_free(st->first_line);
  g_free(st->helper_started);
  g_free(st->no_helper_why);
  g_clear_pointer(&st->removals, g_ptr_array_unref);
  g_free(st->stopped_at);
  g_free(st->stopped_why);
  g_free(st->stopped_line);
  g_clear_pointer(&st->impostors, g_ptr_array_unref);
}

/* One line of the launcher's log (dm/sys/log.c): "qemu-dm-launcher[TAG]:
 * YYYY-MM-DDTHH:MM:SS.mmm+HH:MM [warning: ]MESSAGE" (before 2026-12,
 * "HH:MM:SS.mmm" alone).  The log is written by root-run processes only
 * (libxl opens it for the device model's stderr), so its lines are facts
 * about this domain's launch, unlike anything a guest wrote. */
static gboolean
log_line(const char *line, char **tag, char **time, const char **message)
{
  static GRegex *re;
  if (g_once_init_enter(&re)) {
    GRegex *x = g_regex_new("^qemu-dm-launcher(?:\\[([^\\]]*)\\])?: "
                            "((?:[0-9]{4}-[0-9]{2}-[0-9]{2}T)?[0-9]{2}:[0-9]{2}:[0-9]{2}"
                            "(?:\\.[0-9]+)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?) ",
                            G_REGEX_OPTIMIZE, 0, NULL);
    g_once_init_leave(&re, x);
  }
  g_autoptr(GMatchInfo) m = NULL;
  gint end = 0;
  if (!g_regex_match(re, line, 0, &m))
    return FALSE;
  *tag = g_match_info_fetch(m, 1);
  *time = g_match_info_fetch(m, 2);
  g_match_info_fetch_pos(m, 0, NULL, &end);
  *message = line + end;
  return TRUE;
}

static void
story_line(DmDiagStory *st, guint domid, const char *line)
{
  g_autofree char *tag = NULL;
  g_autofree char *time = NULL;
  const char *msg;
  int pid = 0;

  if (!log_line(line, &tag, &time, &msg))
    return;
  if (tag && g_str_has_prefix(tag, "helper "))
    pid = atoi(tag + strlen("helper "));
  const char *text = g_str_has_prefix(msg, "warning: ") ? msg + strlen("warning: ") : msg;

  if (g_str_has_prefix(text, "started scrub helper, pid ") && (tag == NULL || !*tag)) {
    st->helper_logged_pid = atoi(text + strlen("started scrub helper, pid "));
    g_free(st->helper_started);
    st->helper_started = g_strdup(time);
    /* A new launch: what an earlier helper did is history. */
    g_clear_pointer(&st->stopped_at, g_free);
    g_clear_pointer(&st->stopped_why, g_free);
    g_clear_pointer(&st->stopped_line, g_free);
    return;
  }
  if (g_str_has_prefix(text, "no scrub helper: ")) {
    g_free(st->no_helper_why);
    st->no_helper_why = g_strdup(text + strlen("no scrub helper: "));
    return;
  }
  if (g_str_has_prefix(text, "removed stale backend ")) {
    const char *path = text + strlen("removed stale backend ");
    const char *colon = strstr(path, ": ");
    g_autofree char *p = colon ? g_strndup(path, (gsize)(colon - path)) : g_strdup(path);
    g_autofree char *mine = g_strdup_printf("/%u/", domid);
    /* domid 0: not known (xenstored did not answer); the log is this
     * domain's anyway. */
    if ((domid != 0 && strstr(p, mine) == NULL) || !g_str_has_prefix(p, "/local/domain/"))
      return;
    DmDiagRemoval *x = g_new0(DmDiagRemoval, 1);
    x->time = g_strdup(time);
    x->path = g_steal_pointer(&p);
    x->reason = g_strdup(colon ? colon + 2 : "");
    char *by_cmd = strstr(x->reason, " (by the scrub command");
    if (by_cmd)
      *by_cmd = '\0';
    x->by = pid                                ? g_strdup(tag)
            : tag && strcmp(tag, "scrub") == 0 ? g_strdup("scrub command")
                                               : g_strdup("launcher");
    g_ptr_array_add(st->removals, x);
    return;
  }
  if (pid == 0 || (st->helper_logged_pid && pid != st->helper_logged_pid))
    return;
  /* The helper's last words (dm/sys/helper.c). */
  const char *why = NULL;
  if (g_str_has_prefix(text, "scrub window of "))
    why = "window-ended";
  else if (g_str_has_prefix(text, "domain ") && strstr(text, " gone; exiting"))
    why = "domain-released";
  else if (g_str_has_suffix(text, "exiting") || strstr(text, "; exiting"))
    why = "error";
  if (why) {
    g_free(st->stopped_at);
    g_free(st->stopped_why);
    g_free(st->stopped_line);
    st->stopped_at = g_strdup(time);
    st->stopped_why = g_strdup(why);
    st->stopped_line = g_strdup(text);
  }
}

/* The helper's process title (dm/sys/proctitle.h): "qemu-dm-launcher: scrub
 * helper for domain N (NAME)".  0 when argv0 is not one. */
static guint
helper_title_domid(const char *argv0)
{
  static const char prefix[] = DM_PROGRAM_NAME ": scrub helper for domain ";
  guint64 domid;
  if (argv0 == NULL || !g_str_has_prefix(argv0, prefix))
    return 0;
  g_autofree char *digits =
    g_strndup(argv0 + strlen(prefix), strspn(argv0 + strlen(prefix), "0123456789"));
  return dm_parse_uint(digits, DM_DOMID_MAX, &domid) ? (guint)domid : 0;
}

static void
story_read(const DmDiagSnapshot *snap, DmDiagStory *st)
{
  st->removals = g_ptr_array_new_with_free_func((GDestroyNotify)removal_free);
  st->impostors = g_ptr_array_new_with_free_func(g_free);
  st->launched = -1;
  if (snap->log_head == NULL)
    return;
  /* libxl rotates qemu-dm-NAME.log at each domain creation: its first line
   * is the first thing this launch's device model wrote. */
  const char *nl = strchr(snap->log_head, '\n');
  st->first_line =
    nl ? g_strndup(snap->log_head, (gsize)(nl - snap->log_head)) : g_strdup(snap->log_head);
  st->launched = g_str_has_prefix(st->first_line, "qemu-dm-launcher:") ||
                 g_str_has_prefix(st->first_line, "qemu-dm-launcher[");
  /* A wrapper that runs before the launcher and then execs it (e.g. the
   * nested suite's inject-stale, or a site's own script) writes the
   * first lines; the launcher's own lines further down still say it ran
   * for this start of the domain. */
  if (!st->launched)
    st->launched = strstr(snap->log_head, "\nqemu-dm-launcher: ") != NULL ||
                   strstr(snap->log_head, "\nqemu-dm-launcher[helper ") != NULL;
  /* (Not the scrub command's "qemu-dm-launcher[scrub]" lines: an admin
   * runs it on any guest.) */

  /* The head and the tail may overlap (a log of 64-128 KiB): a line seen
   * twice counts once. */
  g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  const char *parts[] = { snap->log_head, snap->log_text };
  for (gsize i = 0; i < G_N_ELEMENTS(parts); i++) {
    if (parts[i] == NULL || (i == 1 && snap->log_text == snap->log_head))
      continue;
    g_auto(GStrv) lines = g_strsplit(parts[i], "\n", -1);
    for (char **l = lines; *l; l++) {
      if (!g_str_has_prefix(*l, "qemu-dm-launcher") || !g_hash_table_add(seen, g_strdup(*l)))
        continue;
      story_line(st, snap->domid, *l);
    }
  }
}

/* The helper is a fork of the launcher that never execs: it runs the
 * launcher binary with the toolstack's argv.  So does anyone who runs the
 * binary by hand, with any argv, as any user, against any xenstored.  A
 * process counts as this domain's helper only if its argv names this
 * domain, it runs as the helper's uid, it talks to the xenstored we asked,
 * and (when the root-owned log names one) it is the pid the launcher
 * logged. */
static void
helpers(const DmDiagSnapshot *snap, DmDiagReport *r)
{
  DmDiagStory *st = &r->story;

  for (guint i = 0; i < snap->launchers->len; i++) {
    const DmProcInfo *p = g_ptr_array_index(snap->launchers, i);
    g_autoptr(GString) why = g_string_new(NULL);
    if (p->pid == r->dm_pid || !proc_alive(p) || p->argv == NULL)
      continue;
    /* By its argv, or by the title it gives itself (dm/sys/proctitle.h). */
    if (dm_diagnose_argv_domid((const char *const *)p->argv, NULL) != snap->domid &&
        helper_title_domid(p->argv[0]) != snap->domid)
      continue;
    /* uid 0: the helper in its first moments, before it drops to its own
     * uid (only root can start a process as root). */
    if (snap->helper_uid >= 0 && p->uid != snap->helper_uid && p->uid != 0)
      g_string_append_printf(why,
                             "%sit runs as uid %" G_GINT64_FORMAT ", not the helper's "
                             "uid %" G_GINT64_FORMAT,
                             why->len ? "; " : "", p->uid, snap->helper_uid);
    if (p->xenstored == NULL)
      g_string_append_printf(why,
                             "%sits environment cannot be read, so which xenstored "
                             "it serves is unknown",
                             why->len ? "; " : "");
    else if (snap->xenstored && strcmp(p->xenstored, snap->xenstored) != 0)
      g_string_append_printf(why, "%sit serves the xenstored at %s, not %s", why->len ? "; " : "",
                             *p->xenstored ? p->xenstored : "the default socket",
                             *snap->xenstored ? snap->xenstored : "the default socket");
    if (snap->log_trusted && st->helper_logged_pid && p->pid != st->helper_logged_pid)
      g_string_append_printf(why, "%sthe launcher logged its helper as pid %d",
                             why->len ? "; " : "", st->helper_logged_pid);
    if (why->len == 0)
      g_array_append_val(r->helper_pids, p->pid);
    else
      g_ptr_array_add(st->impostors,
                      g_strdup_printf("pid %d runs the launcher binary for domain %u but is "
                                      "not its scrub helper: %s",
                                      p->pid, snap->domid, why->str));
  }
}

/* ---- advice ----------------------------------------------------------- */

static void advise(DmDiagReport *r, const char *finding, const char *text,
                   ...) G_GNUC_NULL_TERMINATED;

static void
advise(DmDiagReport *r, const char *finding, const char *text, ...)
{
  DmDiagAdvice *a = g_new0(DmDiagAdvice, 1);
  va_list ap;
  a->finding = g_strdup(finding);
  a->text = g_strdup(text);
  a->commands = g_ptr_array_new_with_free_func(g_free);
  va_start(ap, text);
  for (const char *c; (c = va_arg(ap, const char *)) != NULL;)
    g_ptr_array_add(a->commands, g_strdup(c));
  va_end(ap);
  g_ptr_array_add(r->advice, a);
}

static void
advice_free(DmDiagAdvice *a)
{
  g_free(a->finding);
  g_free(a->text);
  g_ptr_array_unref(a->commands);
  g_free(a);
}

static const char *
stopped_words(const char *why)
{
  return strcmp(why, "window-ended") == 0      ? "its scrub window ended"
         : strcmp(why, "domain-released") == 0 ? "the domain was released"
                                               : "of an error";
}

/* The scrub clause of a stuck backend's finding: what will happen to it. */
static char *
scrub_clause(const DmDiagReport *r, const DmDiagDevice *d)
{
  const DmDiagStory *st = &r->story;
  if (!d->scrub)
    return g_strdup_printf("scrub would not remove it: %s", d->scrub_why);
  if (r->helper_pids->len > 0)
    return g_strdup_printf("the scrub helper (pid %d) is watching and will remove it "
                           "(%s)",
                           g_array_index(r->helper_pids, int, 0), d->scrub_why);
  if (st->stopped_at)
    return g_strdup_printf("the helper stopped watching at %s (%s); run "
                           "`qemu-dm-launcher scrub %u`",
                           st->stopped_at, stopped_words(st->stopped_why), r->domid);
  if (st->launched == 0)
    return g_strdup_printf("nothing scrubs it: the guest was not started through the "
                           "launcher; run `qemu-dm-launcher scrub %u`",
                           r->domid);
  return g_strdup_printf("the scrub policy would remove it, and no helper is watching; "
                         "run `qemu-dm-launcher scrub %u`",
                         r->domid);
}

static void
device_advice(DmDiagReport *r, const DmDiagDevice *d, const char *finding)
{
  g_autofree char *rm_be = g_strdup_printf("xenstore-rm %s", d->be_path ? d->be_path : "");
  g_autofree char *rm_fe = g_strdup_printf("xenstore-rm %s", d->fe_path ? d->fe_path : "");
  g_autofree char *scrub = g_strdup_printf("qemu-dm-launcher scrub %u", r->domid);
  g_autofree char *text = NULL;
  g_autofree char *where = g_strdup_printf("%s/%u/%s", d->cls, r->domid, d->devid);

  if (d->stuck & DM_STUCK_INVALID_BACKEND_LINK) {
    text = g_strdup_printf("the guest wrote an invalid path into %s/backend: its own "
                           "driver will never connect %s, and nothing in dom0 can fix the "
                           "guest's node.  Detach the device with the toolstack, or look at "
                           "the guest's drivers; the rest of this report is unaffected.",
                           d->fe_path, where);
    advise(r, finding, text, NULL);
  } else if (d->stuck & DM_STUCK_BACKEND_INITIALISING) {
    if (d->scrub && r->helper_pids->len > 0)
      text = g_strdup_printf("backend %s is %s and nothing serves it: the PV drivers will "
                             "wait forever.  The scrub helper (pid %d) removes it once it "
                             "has stayed so for scrub-grace-ms; if it is still here after "
                             "that, remove it with the same policy, or by hand.",
                             where, dm_diag_state_name(d->be_state),
                             g_array_index(r->helper_pids, int, 0));
    else if (d->scrub)
      text = g_strdup_printf("backend %s is %s and nothing serves it: the PV drivers will "
                             "wait forever%s.  Remove it with `%s` (the same policy as the "
                             "launcher) or `%s`.",
                             where, dm_diag_state_name(d->be_state),
                             r->story.stopped_at ? ", and the helper stopped watching" : "", scrub,
                             rm_be);
    else if (strcmp(d->cls, "vfb") == 0 && r->guest == DM_GUEST_PV)
      text = g_strdup_printf("qemu serves a PV guest's vfb: check that the device model is "
                             "running and its log (%s); removing the backend would take the "
                             "guest's framebuffer away.",
                             r->log_path ? r->log_path : "none");
    else
      text = g_strdup_printf("backend %s is %s and nothing serves it.  The launcher's policy "
                             "leaves it (%s).  If no backend driver will ever serve it, "
                             "`%s` lets the frontend stop waiting.",
                             where, dm_diag_state_name(d->be_state), d->scrub_why, rm_be);
    if (d->scrub)
      advise(r, finding, text, scrub, rm_be, NULL);
    else if (strcmp(d->cls, "vfb") == 0 && r->guest == DM_GUEST_PV)
      advise(r, finding, text, NULL);
    else
      advise(r, finding, text, rm_be, NULL);
  } else if (d->stuck & DM_STUCK_DANGLING_BACKEND) {
    text = g_strdup_printf("the frontend's link points at %s, which does not exist: the "
                           "backend went away and the frontend stayed.  Detach the device "
                           "with the toolstack (e.g. `xl block-detach` or `xl "
                           "network-detach`), or remove the frontend's directory if the "
                           "device is gone for good.",
                           d->be_path);
    advise(r, finding, text, rm_fe, NULL);
  } else if (d->stuck & DM_STUCK_NO_BACKEND) {
    text = g_strdup_printf("frontend %s names no backend: no driver will ever connect it.  "
                           "Re-add the device with the toolstack, or remove the frontend.",
                           d->fe_path);
    advise(r, finding, text, rm_fe, NULL);
  } else if (d->stuck & DM_STUCK_NO_FRONTEND) {
    text = g_strdup_printf("backend %s has no frontend: it is left over from a device or a "
                           "domain that is gone, and nothing will ever connect it.",
                           d->be_path);
    advise(r, finding, text, rm_be, NULL);
  }
}

static void
dm_advice(DmDiagReport *r, const char *finding)
{
  const char *log = r->log_path ? r->log_path : "/var/log/xen/qemu-dm-NAME.log";
  g_autofree char *tail = g_strdup_printf("tail -n 50 %s", log);
  g_autofree char *destroy = g_strdup_printf("xl destroy %u", r->domid);
  g_autofree char *text = g_strdup_printf(
    "the device model (pid %d) is gone: the guest has lost its emulated devices (disk, "
    "network, display) and cannot get them back.  Read why in its log, then destroy the "
    "domain and create it again.",
    r->dm_pid);
  advise(r, finding, text, tail, destroy, NULL);
}

static const char *const shutdown_reasons[] = {
  "poweroff", "reboot", "suspend", "crash", "watchdog", "soft_reset",
};

static void
domain_state(const DmDiagSnapshot *snap, DmDiagReport *r)
{
  const DmHvFacts *hv = &snap->hv;
  const char *req = dm_diag_nodef(snap, "/local/domain/%u/control/shutdown", snap->domid);

  if (hv->queried) {
    r->domain_source = g_strdup("libxenctrl");
    if (!hv->exists) {
      r->domain_state = g_strdup("gone");
      r->domain_note = g_strdup_printf("the hypervisor has no domain %u, but xenstore "
                                       "still holds its nodes",
                                       snap->domid);
      r->stuck = TRUE;
      g_ptr_array_add(r->findings, g_strdup_printf("domain: %s", r->domain_note));
    } else if (hv->dying)
      r->domain_state = g_strdup("dying");
    else if (hv->shutdown)
      r->domain_state =
        g_strdup_printf("shutdown (%s)", hv->shutdown_reason < G_N_ELEMENTS(shutdown_reasons)
                                           ? shutdown_reasons[hv->shutdown_reason]
                                           : "unknown reason");
    else if (hv->crashed)
      r->domain_state = g_strdup("crashed");
    else if (hv->paused)
      r->domain_state = g_strdup("paused");
    else if (hv->running)
      r->domain_state = g_strdup("running");
    else if (hv->blocked)
      r->domain_state = g_strdup("blocked");
    else
      r->domain_state = g_strdup("runnable");
    return;
  }
  r->domain_source = g_strdup("xenstore");
  r->domain_state =
    req && *req ? g_strdup_printf("shutdown requested (%s)", req) : g_strdup("unknown");
  r->domain_note = g_strdup_printf("no hypervisor answered (%s); the state is read from "
                                   "xenstore, which cannot tell running from paused",
                                   hv->why_not ? hv->why_not : "not asked");
}

/* Stuck devices first: they are what the guest waits for. */
static void
device_findings(DmDiagReport *r)
{
  guint placed = 0;

  for (guint i = 0; i < r->devices->len; i++) {
    DmDiagDevice *dev = g_ptr_array_index(r->devices, i);
    if (dev->stuck == 0)
      continue;
    r->stuck = TRUE;
    g_autofree char *clause = scrub_clause(r, dev);
    g_autofree char *finding =
      g_strdup_printf("%s %s: %s; %s", dev->cls, dev->devid, dev->problem, clause);
    device_advice(r, dev, finding);
    g_ptr_array_insert(r->findings, (gint)placed++, g_steal_pointer(&finding));
  }
}

/* An HVM guest the launcher did not start: nothing scrubs it. */
static void
not_launched_finding(DmDiagReport *r)
{
  if (r->story.launched != 0 || r->guest != DM_GUEST_HVM)
    return;
  g_autofree char *line = dm_diag_printable_cut(r->story.first_line, 80);
  g_autofree char *finding = g_strdup_printf(
    "scrub: domain %u was not started through qemu-dm-launcher (its log begins \"%s\"): "
    "nothing scrubs its stale backends",
    r->domid, line);
  g_autofree char *scrub = g_strdup_printf("qemu-dm-launcher scrub %u", r->domid);
  advise(r, finding,
         "point the toolstack at the launcher (device_model_override = "
         "\"/usr/lib/xen/bin/qemu-dm-launcher\" in the xl config) so that the next boot is "
         "scrubbed; for this boot, remove stale backends with the launcher's policy.",
         scrub, NULL);
  g_ptr_array_add(r->findings, g_steal_pointer(&finding));
}

static const char *
xenstored_state_words(char state)
{
  if (state == 'T' || state == 't')
    return ", stopped: it answers nothing until continued";
  if (state == 'D')
    return ", waiting on I/O in the kernel";
  return state == 'Z' ? ", a zombie: it has exited" : "";
}

/* The xenstored processes, when it did not answer: a stopped one comes
 * first of all findings, since it is why the report is partial. */
static void
xenstored_findings(const DmDiagSnapshot *snap, DmDiagReport *r)
{
  for (guint i = 0; i < snap->xenstoreds->len; i++) {
    const DmProcInfo *x = g_ptr_array_index(snap->xenstoreds, i);
    g_ptr_array_add(r->xenstoreds,
                    g_strdup_printf("pid %d (%s): state %c%s", x->pid,
                                    x->exe ? x->exe : "xenstored", x->state ? x->state : '?',
                                    xenstored_state_words(x->state)));
    if (x->state == 'T' || x->state == 't') {
      g_autofree char *cont = g_strdup_printf("kill -CONT %d", x->pid);
      g_autofree char *finding = g_strdup_printf("xenstored (pid %d) is stopped", x->pid);
      advise(r, finding,
             "a stopped xenstored answers nobody: every toolstack command, "
             "every guest's xenbus and this diagnosis wait.  Continue it (it was stopped by a "
             "signal, a debugger or a job-control stop).",
             cont, NULL);
      g_ptr_array_insert(r->findings, 0, g_steal_pointer(&finding));
    }
  }
}

static void
log_errors(const DmDiagSnapshot *snap, DmDiagReport *r)
{
  if (snap->log_text) {
    r->log_errors = dm_diagnose_error_lines(snap->log_text, 5);
    if (r->log_errors->len == 0)
      r->log_note = g_strdup("no error lines");
  } else {
    r->log_errors = g_ptr_array_new_with_free_func(g_free);
    r->log_note = g_strdup(snap->log_why ? snap->log_why : "not read");
  }
}

DmDiagReport *
dm_diagnose_analyse(const DmDiagSnapshot *snap, const DmDomainConfig *dc)
{
  DmDiagReport *r = g_new0(DmDiagReport, 1);
  const char *name = dm_diag_nodef(snap, "/local/domain/%u/name", snap->domid);

  r->domid = snap->domid;
  r->name = g_strdup(name);
  r->helper_pids = g_array_new(FALSE, FALSE, sizeof(int));
  r->devices = g_ptr_array_new_with_free_func((GDestroyNotify)device_free);
  r->findings = g_ptr_array_new_with_free_func(g_free);
  r->advice = g_ptr_array_new_with_free_func((GDestroyNotify)advice_free);
  r->xenstoreds = g_ptr_array_new_with_free_func(g_free);
  r->log_path = g_strdup(snap->log_path);
  r->partial = g_strdup(snap->partial);
  r->walk_note = g_strdup(snap->walk_note);

  guest_type(snap, r);
  collect_devices(snap, dc, r);
  g_ptr_array_sort(r->devices, compare_devices);
  device_model(snap, r);
  story_read(snap, &r->story);
  helpers(snap, r);

  device_findings(r);
  domain_state(snap, r);
  not_launched_finding(r);
  for (guint i = 0; i < r->story.impostors->len; i++)
    g_ptr_array_add(r->findings,
                    g_strdup_printf("scrub helper: %s", (char *)r->story.impostors->pdata[i]));
  if (r->walk_note)
    g_ptr_array_add(r->findings, g_strdup_printf("xenstore: %s", r->walk_note));
  xenstored_findings(snap, r);
  log_errors(snap, r);
  if (r->findings->len > 0)
    r->worst = g_strdup(g_ptr_array_index(r->findings, 0));
  return r;
}

GPtrArray *
dm_diagnose_error_lines(const char *text, guint max)
{
  /* Words qemu, libxl's spawn code and the launcher use when something
   * went wrong.  "warning" lines are left out on purpose: qemu prints
   * many harmless ones. */
  static GRegex *re;
  if (g_once_init_enter(&re)) {
    GRegex *r =
      g_regex_new("\\b(error|errors|fail|failed|failure|fatal|cannot|can't|could not|couldn't|"
                  "unable to|abort|aborted|assertion|segmentation fault|core dumped|panic|"
                  "terminating on signal|no such file|permission denied)\\b",
                  G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, NULL);
    g_once_init_leave(&re, r);
  }
  /* Terminal colour sequences (ESC [ ... letter), which some qemu builds
   * and wrappers print: dropped before matching and printing. */
  static GRegex *csi;
  if (g_once_init_enter(&csi)) {
    GRegex *r = g_regex_new("\x1b\\[[0-9;?]*[A-Za-z]", G_REGEX_RAW, 0, NULL);
    g_once_init_leave(&csi, r);
  }
  GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  guint n = g_strv_length(lines);

  for (guint i = n; i-- > 0 && out->len < max;) {
    /* Logs hold whatever qemu printed: make it valid UTF-8 for JSON and
     * keep one line bounded. */
    g_autofree char *line = NULL;
    g_autofree char *plain = g_regex_replace_literal(csi, lines[i], -1, 0, "", 0, NULL);
    g_strchomp(plain);
    line = g_utf8_make_valid(plain, -1); /* made printable on output */
    if (*line == '\0')
      continue;
    if (g_utf8_strlen(line, -1) > 400)
      *g_utf8_offset_to_pointer(line, 400) = '\0';
    if (g_regex_match(re, line, 0, NULL))
      g_ptr_array_insert(out, 0, g_steal_pointer(&line));
  }
  return out;
}
