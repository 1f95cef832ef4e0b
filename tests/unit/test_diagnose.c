/* The pure analysis of `diagnose`, driven by xenstore layouts taken from
 * real hangs.  Each test seeds a snapshot the way the reader fills it. */
#include <criterion/criterion.h>
#include <string.h>
#include "diagnose.h"

#define FE(d, cls, id) "/local/domain/" #d "/device/" cls "/" #id
#define BE(b, cls, d, id) "/local/domain/" #b "/backend/" cls "/" #d "/" #id

static void
seed(DmDiagSnapshot *s, const char *const *pairs)
{
  for (; pairs[0]; pairs += 2)
    dm_diag_snapshot_set(s, pairs[0], pairs[1]);
}

/* A frontend/backend pair as a toolstack writes it. */
static void
pair(DmDiagSnapshot *s, guint domid, const char *cls, const char *devid, int bdom,
     const char *fe_state, const char *be_state)
{
  g_autofree char *fe = g_strdup_printf("/local/domain/%u/device/%s/%s", domid, cls, devid);
  g_autofree char *be =
    g_strdup_printf("/local/domain/%d/backend/%s/%u/%s", bdom, cls, domid, devid);
  g_autofree char *febe = g_strconcat(fe, "/backend", NULL);
  g_autofree char *fest = g_strconcat(fe, "/state", NULL);
  g_autofree char *befe = g_strconcat(be, "/frontend", NULL);
  g_autofree char *best = g_strconcat(be, "/state", NULL);
  g_autofree char *bdomid = g_strdup_printf("%d", bdom);
  g_autofree char *feid = g_strconcat(fe, "/backend-id", NULL);
  dm_diag_snapshot_set(s, febe, be);
  dm_diag_snapshot_set(s, feid, bdomid);
  if (fe_state)
    dm_diag_snapshot_set(s, fest, fe_state);
  dm_diag_snapshot_set(s, befe, fe);
  if (be_state)
    dm_diag_snapshot_set(s, best, be_state);
}

static DmDiagSnapshot *
domain(guint domid, const char *name, const char *type)
{
  DmDiagSnapshot *s = dm_diag_snapshot_new(domid);
  g_autofree char *n = g_strdup_printf("/local/domain/%u/name", domid);
  g_autofree char *t = g_strdup_printf("/libxl/%u/type", domid);
  dm_diag_snapshot_set(s, n, name);
  if (type)
    dm_diag_snapshot_set(s, t, type);
  s->hv.why_not = g_strdup("libxenctrl: no hypervisor (test)");
  s->xenstored = g_strdup("");
  s->helper_uid = 65534;
  return s;
}

static DmDomainConfig *
config(const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DmConfig) c =
    text ? dm_config_parse(text, strlen(text), "test", NULL, &error) : dm_config_new_default();
  cr_assert_not_null(c, "%s", error ? error->message : "");
  DmDomainConfig *dc = dm_config_for_domain(c, "win7", &error);
  cr_assert_not_null(dc);
  return dc;
}

static const DmDiagDevice *
device(const DmDiagReport *r, const char *cls, const char *devid)
{
  for (guint i = 0; i < r->devices->len; i++) {
    const DmDiagDevice *d = g_ptr_array_index(r->devices, i);
    if (strcmp(d->cls, cls) == 0 && strcmp(d->devid, devid) == 0)
      return d;
  }
  cr_assert_fail("no device %s %s in the report", cls, devid);
  return NULL;
}

/* A live qemu as /proc shows it. */
static DmProcInfo *
proc(int pid, char state, const char *exe, const char *cmdline)
{
  DmProcInfo *p = dm_proc_info_new(pid);
  p->state = state;
  p->exe = g_strdup(exe);
  p->argv = cmdline ? g_strsplit(cmdline, " ", -1) : NULL;
  /* As a helper of the default xenstored sees it: uid nobody. */
  p->uid = 65534;
  p->xenstored = g_strdup("");
  return p;
}

#define QEMU "/usr/libexec/xen-qemu-system-i386"
#define QEMU_ARGV QEMU " -xen-domid 5 -no-shutdown -name win7 -machine xenfv -m 120"

static void
running_qemu(DmDiagSnapshot *s)
{
  dm_diag_snapshot_set(s, "/local/domain/5/image/device-model-pid", "4242");
  dm_diag_snapshot_set(s, "/local/domain/0/device-model/5/state", "running");
  s->dm = proc(4242, 'S', QEMU, QEMU_ARGV);
  s->qemu_paths = g_strsplit(QEMU, ";", -1);
}

/* ---- states ----------------------------------------------------------- */

/* ---- layouts from real hangs ------------------------------------------ */

/* XENUTIL: an HVM guest whose console and vfb backends nothing serves. */
Test(diagnose, xenutil_hvm_console_and_vfb_unserved)
{
  g_autoptr(DmDiagSnapshot) s = domain(5, "win7", "hvm");
  g_autoptr(DmDomainConfig) dc = config(NULL);
  pair(s, 5, "console", "0", 0, "1", "1");
  pair(s, 5, "vfb", "0", 0, "1", "1");
  pair(s, 5, "vbd", "768", 0, "1", "2"); /* emulated disk until the PV driver loads */
  running_qemu(s);

  g_autoptr(DmDiagReport) r = dm_diagnose_analyse(s, dc);
  cr_assert(r->stuck);
  cr_assert_eq(r->guest, DM_GUEST_HVM);
  cr_assert_eq(r->devices->len, 3);
  const DmDiagDevice *con = device(r, "console", "0");
  cr_assert_eq(con->stuck, DM_STUCK_BACKEND_INITIALISING);
  cr_assert_eq(con->be_state, 1);
  cr_assert_eq(con->fe_state, 1);
  cr_assert_eq(con->be_domid, 0);
  cr_assert_str_eq(con->be_path, BE(0, "console", 5, 0));
  cr_assert(con->scrub, "%s", con->scrub_why);
  cr_assert(strstr(con->scrub_why, "stale"), "%s", con->scrub_why);
  cr_assert(strstr(con->problem, "XENUTIL"), "%s", con->problem);
  const DmDiagDevice *vfb = device(r, "vfb", "0");
  cr_assert_eq(vfb->stuck, DM_STUCK_BACKEND_INITIALISING);
  cr_assert(vfb->scrub);
  /* InitWait with a frontend still in Initialising is a guest without
   * the PV driver yet: normal, not stuck, never scrubbed. */
  const DmDiagDevice *vbd = device(r, "vbd", "768");
  cr_assert_eq(vbd->stuck, 0);
  cr_assert_not(vbd->scrub);
  cr_assert(strstr(vbd->scrub_why, "class vbd is not scrubbed"), "%s", vbd->scrub_why);
  cr_assert_eq(r->findings->len, 2, "%s", (char *)g_ptr_array_index(r->findings, 2));
  cr_assert(g_str_has_prefix(g_ptr_array_index(r->findings, 0), "console 0: "));
  cr_assert(g_str_has_prefix(g_ptr_array_index(r->findings, 1), "vfb 0: "));
}

/* A PV guest whose vfb qemu should serve but never does. */
Test(diagnose, pv_vfb_never_served_is_stuck_but_not_scrubbed)
{
  g_autoptr(DmDiagSnapshot) s = domain(5, "pvfb", "pv");
  g_autoptr(DmDomainConfig) dc = config(NULL);
  pair(s, 5, "vfb", "0", 0, "1", "1");
  pair(s, 5, "vkbd", "0", 0, "1", "1");
  pair(s, 5, "vbd", "51712", 0, "4", "4");
  seed(s, (const char *const[]){ "/local/domain/5/console/backend", BE(0, "console", 5, 0),
                                 "/local/domain/5/console/state", "4",
                                 BE(0, "console", 5, 0) "/frontend", "/local/domain/5/console",
                                 BE(0, "console", 5, 0) "/state", "4", NULL });

  g_autoptr(DmDiagReport) r = dm_diagnose_analyse(s, dc);
  cr_assert(r->stuck);
  const DmDiagDevice *vfb = device(r, "vfb", "0");
  cr_assert_eq(vfb->stuck, DM_STUCK_BACKEND_INITIALISING);
  cr_assert_not(vfb->scrub);
  cr_assert(strstr(vfb->scrub_why, "pv guests are not scrubbed"), "%s", vfb->scrub_why);
  cr_assert(strstr(vfb->problem, "device model running"), "%s", vfb->problem);
  /* console 0 lives at /local/domain/5/console and pairs with its backend. */
  const DmDiagDevice *con = device(r, "console", "0");
  cr_assert_str_eq(con->fe_path, "/local/domain/5/console");
  cr_assert_eq(con->stuck, 0);
  cr_assert_eq(con->be_state, DM_XB_CONNECTED);
  cr_assert_eq(device(r, "vbd", "51712")->stuck, 0);
  cr_assert_eq(r->devices->len, 4);
}

Test(diagnose, per_domain_config_scrubs_pv_vfb)
{
  g_autoptr(DmDiagSnapshot) s = domain(5, "win7", "pv");
  g_autoptr(DmDomainConfig) dc = config("[domain:win7]\nscrub-guests = hvm;pv\n");
  pair(s, 5, "vfb", "0", 0, "1", "1");
  g_autoptr(DmDiagReport) r = dm_diagnose_analyse(s, dc);
  cr_assert(device(r, "vfb", "0")->scrub, "%s", device(r, "vfb", "0")->scrub_why);
}

Test(diagnose, healthy_guest_every_device_connected)
{
  g_autoptr(DmDiagSnapshot) s = domain(5, "win7", "hvm");
  g_autoptr(DmDomainConfig) dc = config(NULL);
  pair(s, 5, "vbd", "768", 0, "4", "4");
  pair(s, 5, "vif", "0", 0, "4", "4");
  pair(s, 5, "console", "0", 0, "4", "4");
  running_qemu(s);

  g_autoptr(DmDiagReport) r = dm_diagnose_analyse(s, dc);
  cr_assert_not(r->stuck);
  cr_assert_eq(r->findings->len, 0, "%s", (char *)g_ptr_array_index(r->findings, 0));
  cr_assert(r->dm_alive);
  cr_assert(r->dm_is_qemu);
  cr_assert_eq(r->dm_pid, 4242);
  cr_assert_str_eq(r->dm_state, "running");
  for (guint i = 0; i < r->devices->len; i++) {
    const DmDiagDevice *d = g_ptr_array_index(r->devices, i);
    cr_assert_eq(d->stuck, 0);
    cr_assert_not(d->scrub, "%s %s", d->cls, d->scrub_why);
    cr_assert_null(d->problem);
  }
  /* The served console is kept, and the reason says so. */
  cr_assert(strstr(device(r, "console", "0")->scrub_why, "something serves it"));
}

Test(diagnose, dead_device_model)
{
  g_autoptr(DmDiagSnapshot) s = domain(5, "win7", "hvm");
  g_autoptr(DmDomainConfig) dc = config(NULL);
  pair(s, 5, "vbd", "768", 0, "4", "4");
  dm_diag_snapshot_set(s, "/local/domain/5/image/device-model-pid", "4242");
  dm_diag_snapshot_set(s, "/local/domain/0/device-model/5/state", "running");
  s->dm = dm_proc_info_new(4242); /* /proc/4242 is gone: state 0 */

  g_autoptr(DmDiagReport) r = dm_diagnose_analyse(s, dc);
  cr_assert(r->stuck);
  cr_assert_not(r->dm_alive);
  cr_assert_eq(r->dm_pid, 4242);
  cr_assert(strstr(r->dm_note, "not running"), "%s", r->dm_note);
  cr_assert_eq(r->findings->len, 1);
  cr_assert(g_str_has_prefix(g_ptr_array_index(r->findings, 0), "device model: "));
}

Test(diagnose, zombie_device_model_is_dead)
{
  g_autoptr(DmDiagSnapshot) s = domain(5, "win7", "hvm");
  g_autoptr(DmDomainConfig) dc = config(NULL);
  running_qemu(s);
  s->dm->state = 'Z';
  g_autoptr(DmDiagReport) r = dm_diagnose_analyse(s, dc);
  cr_assert(r->stuck);
  cr_assert_not(r->dm_alive);
  cr_assert(strstr(r->dm_note, "zombie"), "%s", r->dm_note);
}

Test(diagnose, reused_pid_is_not_the_device_model)
{
  g_autoptr(DmDiagSnapshot) s = domain(5, "win7", "hvm");
  g_autoptr(DmDomainConfig) dc = config(NULL);
  running_qemu(s);
  g_free(s->dm->exe);
  s->dm->exe = g_strdup("/usr/bin/bash");
  g_strfreev(s->dm->argv);
  s->dm->argv = g_strsplit("bash -l", " ", -1);
  g_autoptr(DmDiagReport) r = dm_diagnose_analyse(s, dc);
  cr_assert(r->stuck);
  cr_assert(r->dm_alive);
  cr_assert_not(r->dm_is_qemu);
  cr_assert(strstr(r->dm_note, "reused"), "%s", r->dm_note);
}

Test(diagnose, qemu_of_another_domain_is_not_ours)
{
  g_autoptr(DmDiagSnapshot) s = domain(5, "win7", "hvm");
  g_autoptr(DmDomainConfig) dc = config(NULL);
  running_qemu(s);
  g_strfreev(s->dm->argv);
  s->dm->argv = g_strsplit(QEMU " -xen-domid 9 -machine xenfv", " ", -1);
  g_autoptr(DmDiagReport) r = dm_diagnose_analyse(s, dc);
  cr_assert(r->stuck);
  cr_assert_not(r->dm_is_qemu);
  cr_assert(strstr(r->dm_note, "serves domain 9"), "%s", r->dm_note);
}

Test(diagnose, launcher_not_yet_execd)
{
  g_autoptr(DmDiagSnapshot) s = domain(5, "win7", "hvm");
  g_autoptr(DmDomainConfig) dc = config(NULL);
  running_qemu(s);
  s->launcher_exe = g_strdup("/usr/lib/xen/bin/qemu-dm-launcher");
  g_free(s->dm->exe);
  s->dm->exe = g_strdup(s->launcher_exe);
  g_autoptr(DmDiagReport) r = dm_diagnose_analyse(s, dc);
  cr_assert_not(r->dm_is_qemu);
  cr_assert(strstr(r->dm_note, "not exec'd qemu yet"), "%s", r->dm_note);
  cr_assert_not(r->stuck);
}

Test(diagnose, dangling_backend_link)
{
  g_autoptr(DmDiagSnapshot) s = domain(5, "win7", "hvm");
  g_autoptr(DmDomainConfig) dc = config(NULL);
  seed(s, (const char *const[]){ FE(5, "vif", 0) "/backend", BE(0, "vif", 5, 0),
                                 FE(5, "vif", 0) "/backend-id", "0", FE(5, "vif", 0) "/state", "1",
                                 NULL });
  g_autoptr(DmDiagReport) r = dm_diagnose_analyse(s, dc);
  cr_assert(r->stuck);
  const DmDiagDevice *vif = device(r, "vif", "0");
  cr_assert_eq(vif->stuck, DM_STUCK_DANGLING_BACKEND);
  cr_assert_not(vif->be_exists);
  cr_assert_str_eq(vif->be_path, BE(0, "vif", 5, 0));
  cr_assert_eq(vif->be_domid, 0);
  cr_assert_not(vif->scrub);
  cr_assert_str_eq(vif->scrub_why, "no backend node to remove");
}

Test(diagnose, frontend_without_backend_link)
{
  g_autoptr(DmDiagSnapshot) s = domain(5, "win7", "hvm");
  g_autoptr(DmDomainConfig) dc = config(NULL);
  seed(s, (const char *const[]){ FE(5, "vbd", 768) "/state", "1", NULL });
  g_autoptr(DmDiagReport) r = dm_diagnose_analyse(s, dc);
  cr_assert(r->stuck);
  const DmDiagDevice *d = device(r, "vbd", "768");
  cr_assert_eq(d->stuck, DM_STUCK_NO_BACKEND);
  cr_assert_null(d->be_path);
  cr_assert_eq(d->be_domid, -1);
}

Test(diagnose, backend_without_frontend)
{
  g_autoptr(DmDiagSnapshot) s = domain(5, "win7", "hvm");
  g_autoptr(DmDomainConfig) dc = config(NULL);
  seed(s, (const char *const[]){ BE(0, "console", 5, 0) "/frontend", FE(5, "console", 0),
                                 BE(0, "console", 5, 0) "/state", "1", NULL });
  g_autoptr(DmDiagReport) r = dm_diagnose_analyse(s, dc);
  cr_assert(r->stuck);
  const DmDiagDevice *d = device(r, "console", "0");
  cr_assert_eq(d->stuck, DM_STUCK_NO_FRONTEND);
  cr_assert_null(d->fe_path);
  cr_assert(d->be_exists);
  cr_assert(d->scrub, "%s", d->scrub_why);
}

Test(diagnose, backend_state_missing_counts_as_unserved)
{
  g_autoptr(DmDiagSnapshot) s = domain(5, "win7", "hvm");
  g_autoptr(DmDomainConfig) dc = config(NULL);
  pair(s, 5, "console", "0", 0, "1", NULL);
  g_autoptr(DmDiagReport) r = dm_diagnose_analyse(s, dc);
  const DmDiagDevice *d = device(r, "console", "0");
  cr_assert_eq(d->stuck, DM_STUCK_BACKEND_INITIALISING);
  cr_assert_eq(d->be_state, DM_STATE_MISSING);
  cr_assert(d->scrub);
  cr_assert(strstr(d->scrub_why, "state missing"), "%s", d->scrub_why);
}

Test(diagnose, driver_domain_backend_is_not_scrubbed)
{
  g_autoptr(DmDiagSnapshot) s = domain(5, "win7", "hvm");
  g_autoptr(DmDomainConfig) dc = config(NULL);
  pair(s, 5, "vfb", "0", 3, "1", "1");
  g_autoptr(DmDiagReport) r = dm_diagnose_analyse(s, dc);
  const DmDiagDevice *d = device(r, "vfb", "0");
  cr_assert_eq(d->be_domid, 3);
  cr_assert_eq(d->stuck, DM_STUCK_BACKEND_INITIALISING);
  cr_assert_not(d->scrub);
  cr_assert(strstr(d->scrub_why, "only scrubs dom0's backends"), "%s", d->scrub_why);
}

Test(diagnose, scrub_mode_always_and_empty_scrub)
{
  g_autoptr(DmDiagSnapshot) s = domain(5, "win7", "hvm");
  pair(s, 5, "console", "0", 0, "4", "4");
  {
    g_autoptr(DmDomainConfig) dc = config("[launcher]\nscrub-mode = always\n");
    g_autoptr(DmDiagReport) r = dm_diagnose_analyse(s, dc);
    cr_assert(device(r, "console", "0")->scrub);
    cr_assert(strstr(device(r, "console", "0")->scrub_why, "always"));
  }
  {
    g_autoptr(DmDomainConfig) dc = config("[launcher]\nscrub-mode = always\nscrub =\n");
    g_autoptr(DmDiagReport) r = dm_diagnose_analyse(s, dc);
    cr_assert_not(device(r, "console", "0")->scrub);
  }
}

Test(diagnose, unknown_guest_type_is_not_scrubbed)
{
  g_autoptr(DmDiagSnapshot) s = domain(5, "win7", NULL);
  g_autoptr(DmDomainConfig) dc = config(NULL);
  pair(s, 5, "console", "0", 0, "1", "1");
  g_autoptr(DmDiagReport) r = dm_diagnose_analyse(s, dc);
  cr_assert_eq(r->guest, DM_GUEST_UNKNOWN);
  cr_assert_not(device(r, "console", "0")->scrub);
  cr_assert(strstr(device(r, "console", "0")->scrub_why, "unknown"));
}

Test(diagnose, guest_type_fallbacks)
{
  g_autoptr(DmDomainConfig) dc = config(NULL);
  {
    /* xend: /vm/<uuid>/image/ostype */
    g_autoptr(DmDiagSnapshot) s = domain(5, "win7", NULL);
    seed(s, (const char *const[]){ "/local/domain/5/vm", "/vm/abc", "/vm/abc/image/ostype", "hvm",
                                   NULL });
    g_autoptr(DmDiagReport) r = dm_diagnose_analyse(s, dc);
    cr_assert_eq(r->guest, DM_GUEST_HVM);
    cr_assert_str_eq(r->guest_source, "/vm/abc/image/ostype");
  }
  {
    /* the device model's own argv */
    g_autoptr(DmDiagSnapshot) s = domain(5, "win7", NULL);
    running_qemu(s);
    g_autoptr(DmDiagReport) r = dm_diagnose_analyse(s, dc);
    cr_assert_eq(r->guest, DM_GUEST_HVM);
  }
  {
    /* the hypervisor beats everything */
    g_autoptr(DmDiagSnapshot) s = domain(5, "win7", "hvm");
    s->hv.queried = s->hv.exists = TRUE;
    s->hv.hvm = FALSE;
    g_autoptr(DmDiagReport) r = dm_diagnose_analyse(s, dc);
    cr_assert_eq(r->guest, DM_GUEST_PV);
    cr_assert_str_eq(r->guest_source, "libxenctrl");
  }
}

Test(diagnose, domain_state_from_hypervisor_or_xenstore)
{
  g_autoptr(DmDomainConfig) dc = config(NULL);
  {
    g_autoptr(DmDiagSnapshot) s = domain(5, "win7", "hvm");
    g_autoptr(DmDiagReport) r = dm_diagnose_analyse(s, dc);
    cr_assert_str_eq(r->domain_source, "xenstore");
    cr_assert_str_eq(r->domain_state, "unknown");
    cr_assert(strstr(r->domain_note, "no hypervisor (test)"), "%s", r->domain_note);
  }
  {
    g_autoptr(DmDiagSnapshot) s = domain(5, "win7", "hvm");
    dm_diag_snapshot_set(s, "/local/domain/5/control/shutdown", "poweroff");
    g_autoptr(DmDiagReport) r = dm_diagnose_analyse(s, dc);
    cr_assert_str_eq(r->domain_state, "shutdown requested (poweroff)");
  }
  {
    g_autoptr(DmDiagSnapshot) s = domain(5, "win7", "hvm");
    s->hv.queried = s->hv.exists = s->hv.paused = s->hv.blocked = TRUE;
    g_autoptr(DmDiagReport) r = dm_diagnose_analyse(s, dc);
    cr_assert_str_eq(r->domain_source, "libxenctrl");
    cr_assert_str_eq(r->domain_state, "paused");
    cr_assert_null(r->domain_note);
  }
  {
    g_autoptr(DmDiagSnapshot) s = domain(5, "win7", "hvm");
    s->hv.queried = s->hv.exists = s->hv.shutdown = TRUE;
    s->hv.shutdown_reason = 3;
    g_autoptr(DmDiagReport) r = dm_diagnose_analyse(s, dc);
    cr_assert_str_eq(r->domain_state, "shutdown (crash)");
  }
  {
    g_autoptr(DmDiagSnapshot) s = domain(5, "win7", "hvm");
    s->hv.queried = TRUE;
    g_autoptr(DmDiagReport) r = dm_diagnose_analyse(s, dc);
    cr_assert_str_eq(r->domain_state, "gone");
    cr_assert(r->stuck);
  }
}

Test(diagnose, scrub_helper_found_by_the_argv_it_kept)
{
  g_autoptr(DmDiagSnapshot) s = domain(5, "win7", "hvm");
  g_autoptr(DmDomainConfig) dc = config(NULL);
  running_qemu(s);
  const char *launcher = "/usr/lib/xen/bin/qemu-dm-launcher";
  s->launcher_exe = g_strdup(launcher);
  /* The helper: a fork of the launcher, same argv, never exec'd. */
  g_ptr_array_add(s->launchers, proc(4300, 'S', launcher,
                                     "qemu-dm-launcher -xen-domid 5 -name win7 -machine xenfv"));
  /* With launcher options before "--". */
  g_ptr_array_add(s->launchers,
                  proc(4301, 'S', launcher, "qemu-dm-launcher --no-helper -- -d 5 -M xenfv"));
  /* Another domain's helper, a dead one, and a diagnose run. */
  g_ptr_array_add(s->launchers, proc(4302, 'S', launcher, "qemu-dm-launcher -xen-domid 6"));
  g_ptr_array_add(s->launchers, proc(4303, 'Z', launcher, "qemu-dm-launcher -xen-domid 5"));
  g_ptr_array_add(s->launchers, proc(4304, 'S', launcher, "qemu-dm-launcher diagnose 5"));
  g_autoptr(DmDiagReport) r = dm_diagnose_analyse(s, dc);
  cr_assert_eq(r->helper_pids->len, 2);
  cr_assert_eq(g_array_index(r->helper_pids, int, 0), 4300);
  cr_assert_eq(g_array_index(r->helper_pids, int, 1), 4301);
}

Test(diagnose, argv_domid_of_both_flavours)
{
  DmGuest g = DM_GUEST_UNKNOWN;
  const char *xl[] = { "qemu", "-xen-domid", "7", "-xen-attach", "-machine", "xenpv", NULL };
  const char *xm[] = { "qemu-dm", "-d", "5", "-M", "xenfv", NULL };
  const char *probe[] = { "qemu", "-S", "-machine", "none,accel=xen", NULL };
  const char *bad[] = { "qemu", "-xen-domid", "5/../0", NULL };
  cr_assert_eq(dm_diagnose_argv_domid(xl, &g), 7);
  cr_assert_eq(g, DM_GUEST_PV);
  cr_assert_eq(dm_diagnose_argv_domid(xm, &g), 5);
  cr_assert_eq(g, DM_GUEST_HVM);
  cr_assert_eq(dm_diagnose_argv_domid(probe, NULL), 0);
  cr_assert_eq(dm_diagnose_argv_domid(bad, NULL), 0);
  cr_assert_eq(dm_diagnose_argv_domid(NULL, NULL), 0);
}

Test(diagnose, stubdom_device_model)
{
  g_autoptr(DmDiagSnapshot) s = domain(5, "win7", "hvm");
  g_autoptr(DmDomainConfig) dc = config(NULL);
  dm_diag_snapshot_set(s, "/local/domain/5/image/device-model-domid", "6");
  g_autoptr(DmDiagReport) r = dm_diagnose_analyse(s, dc);
  cr_assert_eq(r->dm_stubdom, 6);
  cr_assert(strstr(r->dm_note, "stub domain 6"));
  cr_assert_eq(r->findings->len, 0);
}

/* ---- the log ---------------------------------------------------------- */

Test(diagnose, error_lines_last_n_in_order)
{
  const char *log =
    "qemu-dm-launcher: 10:00:00.000   argv[0] = /usr/libexec/xen-qemu-system-i386\n"
    "xen be: qdisk-768: error: Could not open '/dev/vg/gone': No such file or directory\n"
    "qemu-system-i386: -vnc 0.0.0.0:0: Failed to start VNC server: address in use\n"
    "warning: TCG doesn't support requested feature\n"
    "harmless line\n"
    "qemu-system-i386: terminating on signal 1 from pid 812 (/usr/sbin/xl)\n"
    "\xff\xfe broken bytes: error here\n";
  g_autoptr(GPtrArray) all = dm_diagnose_error_lines(log, 10);
  cr_assert_eq(all->len, 4);
  cr_assert(strstr(g_ptr_array_index(all, 0), "qdisk-768"));
  cr_assert(strstr(g_ptr_array_index(all, 1), "Failed to start VNC"));
  cr_assert(strstr(g_ptr_array_index(all, 2), "terminating on signal"));
  cr_assert(g_utf8_validate(g_ptr_array_index(all, 3), -1, NULL));
  g_autoptr(GPtrArray) two = dm_diagnose_error_lines(log, 2);
  cr_assert_eq(two->len, 2);
  cr_assert(strstr(g_ptr_array_index(two, 0), "terminating on signal"));
  g_autoptr(GPtrArray) none = dm_diagnose_error_lines("all fine\nstill fine\n", 5);
  cr_assert_eq(none->len, 0);
}

Test(diagnose, log_note_when_unread)
{
  g_autoptr(DmDiagSnapshot) s = domain(5, "win7", "hvm");
  g_autoptr(DmDomainConfig) dc = config(NULL);
  s->log_path = g_strdup("/var/log/xen/qemu-dm-win7.log");
  s->log_why = g_strdup("cannot open /var/log/xen/qemu-dm-win7.log: No such file");
  g_autoptr(DmDiagReport) r = dm_diagnose_analyse(s, dc);
  cr_assert_eq(r->log_errors->len, 0);
  cr_assert_str_eq(r->log_note, s->log_why);
  cr_assert_str_eq(r->log_path, s->log_path);
}

Test(diagnose, untrusted_text_is_kept_and_made_printable_on_output)
{
  g_autoptr(DmDiagSnapshot) s = domain(5, "win7", "hvm");
  g_autoptr(DmDomainConfig) dc = config(NULL);
  /* A guest owns its frontend directory and can write any bytes there. */
  seed(s, (const char *const[]){ FE(5, "vif", 0) "/backend", "/x\033[2J\xff", NULL });
  g_autoptr(DmDiagReport) r = dm_diagnose_analyse(s, dc);
  const DmDiagDevice *d = device(r, "vif", "0");
  /* Kept as read (valid UTF-8), and reported as the guest's invalid path. */
  cr_assert(g_utf8_validate(d->be_path, -1, NULL));
  cr_assert(g_str_has_prefix(d->be_path, "/x\033[2J"), "%s", d->be_path);
  cr_assert_eq(d->stuck, DM_STUCK_INVALID_BACKEND_LINK);
  cr_assert(d->be_link_from_guest);
  g_autofree char *shown = dm_diag_printable(d->be_path);
  cr_assert(g_str_has_prefix(shown, "/x?[2J"), "%s", shown);
  g_autoptr(GPtrArray) lines =
    dm_diagnose_error_lines("\033[31merror\033[0m: boom\r\nok\033]0;x\007\n", 5);
  cr_assert_eq(lines->len, 1);
  cr_assert_str_eq(g_ptr_array_index(lines, 0), "error: boom");
}

/* A guest writes a trailing space into its frontend's backend link: the
 * device is reported, and every other device still is. */
Test(diagnose, guest_written_invalid_backend_link_is_reported_not_fatal)
{
  g_autoptr(DmDiagSnapshot) s = domain(5, "win7", "hvm");
  g_autoptr(DmDomainConfig) dc = config(NULL);
  pair(s, 5, "console", "0", 0, "1", "1");
  pair(s, 5, "vbd", "768", 0, "4", "4");
  dm_diag_snapshot_set(s, FE(5, "vif", 0) "/backend", BE(0, "vif", 5, 0) " ");
  dm_diag_snapshot_set(s, FE(5, "vif", 0) "/state", "1");
  g_autoptr(DmDiagReport) r = dm_diagnose_analyse(s, dc);
  const DmDiagDevice *vif = device(r, "vif", "0");
  cr_assert_eq(vif->stuck, DM_STUCK_INVALID_BACKEND_LINK);
  cr_assert(strstr(vif->problem, "frontend names an invalid backend path (guest wrote it)"), "%s",
            vif->problem);
  cr_assert_not(vif->scrub);
  cr_assert_eq(device(r, "console", "0")->stuck, DM_STUCK_BACKEND_INITIALISING);
  cr_assert_eq(device(r, "vbd", "768")->stuck, 0);
  cr_assert_eq(r->advice->len, 2);
}

#define HELPER_LOG                                                                                 \
  "qemu-dm-launcher: 10:20:05.100 started scrub helper, pid 4300\n"                                \
  "qemu-dm-launcher: 10:20:05.120 exec /usr/libexec/xen-qemu-system-i386 for hvm domain 5\n"       \
  "qemu-dm-launcher[helper 4300]: 10:20:05.130 watching 2 backend classes of domain 5 "            \
  "for 60 s (scrub-mode stale, scrub-grace-ms 2000)\n"                                             \
  "qemu-dm-launcher[helper 4300]: 10:20:07.140 removed stale backend "                             \
  "/local/domain/0/backend/vfb/5/0: state 1 (Initialising) for 2000 ms\n"                          \
  "qemu-dm-launcher[helper 4300]: 10:20:07.150 removed stale backend "                             \
  "/local/domain/0/backend/vfb/55/0: another domain's\n"

Test(diagnose, scrub_story_from_the_log)
{
  g_autoptr(DmDiagSnapshot) s = domain(5, "win7", "hvm");
  g_autoptr(DmDomainConfig) dc = config(NULL);
  running_qemu(s);
  pair(s, 5, "console", "0", 0, "1", "1");
  s->log_head = g_strdup(HELPER_LOG);
  s->log_text = g_strdup(HELPER_LOG);
  s->log_trusted = TRUE;
  s->launcher_exe = g_strdup("/usr/lib/xen/bin/qemu-dm-launcher");
  g_ptr_array_add(s->launchers,
                  proc(4300, 'S', s->launcher_exe, "qemu-dm-launcher -xen-domid 5 -name win7"));
  {
    g_autoptr(DmDiagReport) r = dm_diagnose_analyse(s, dc);
    cr_assert_eq(r->story.launched, 1);
    cr_assert_eq(r->story.helper_logged_pid, 4300);
    cr_assert_str_eq(r->story.helper_started, "10:20:05.100");
    cr_assert_eq(r->story.removals->len, 1, "only this domain's removals");
    const DmDiagRemoval *x = g_ptr_array_index(r->story.removals, 0);
    cr_assert_str_eq(x->path, "/local/domain/0/backend/vfb/5/0");
    cr_assert_str_eq(x->time, "10:20:07.140");
    cr_assert_str_eq(x->by, "helper 4300");
    cr_assert_eq(r->helper_pids->len, 1);
    cr_assert_null(r->story.stopped_at);
    cr_assert(strstr(g_ptr_array_index(r->findings, 0), "the scrub helper (pid 4300) is watching"),
              "%s", (char *)g_ptr_array_index(r->findings, 0));
  }
  /* After the window: the helper is gone, and the finding says when it
   * stopped and what to run. */
  g_ptr_array_set_size(s->launchers, 0);
  g_free(s->log_text);
  s->log_text = g_strconcat(HELPER_LOG,
                            "qemu-dm-launcher[helper 4300]: 10:21:07.000 scrub "
                            "window of 60 s ended; exiting\n",
                            NULL);
  g_autoptr(DmDiagReport) r = dm_diagnose_analyse(s, dc);
  cr_assert_str_eq(r->story.stopped_at, "10:21:07.000");
  cr_assert_str_eq(r->story.stopped_why, "window-ended");
  cr_assert_eq(r->helper_pids->len, 0);
  const char *f = g_ptr_array_index(r->findings, 0);
  cr_assert(strstr(f, "the helper stopped watching at 10:21:07.000 (its scrub window ended); "
                      "run `qemu-dm-launcher scrub 5`"),
            "%s", f);
  cr_assert_null(strstr(f, "would remove it"), "%s", f);
  const DmDiagAdvice *a = g_ptr_array_index(r->advice, 0);
  cr_assert_str_eq(a->finding, f);
  cr_assert_str_eq(g_ptr_array_index(a->commands, 0), "qemu-dm-launcher scrub 5");
  cr_assert_str_eq(g_ptr_array_index(a->commands, 1),
                   "xenstore-rm /local/domain/0/backend/console/5/0");
}

Test(diagnose, guest_not_started_through_the_launcher)
{
  g_autoptr(DmDiagSnapshot) s = domain(5, "win7", "hvm");
  g_autoptr(DmDomainConfig) dc = config(NULL);
  running_qemu(s);
  s->log_head = g_strdup("qemu-system-i386: -serial pty: char device redirected to /dev/pts/3\n");
  s->log_text = g_strdup(s->log_head);
  g_autoptr(DmDiagReport) r = dm_diagnose_analyse(s, dc);
  cr_assert_eq(r->story.launched, 0);
  gboolean found = FALSE;
  for (guint i = 0; i < r->findings->len; i++)
    found |= strstr(g_ptr_array_index(r->findings, i), "was not started through "
                                                       "qemu-dm-launcher") != NULL;
  cr_assert(found);
  cr_assert_eq(r->advice->len, 1);
  cr_assert(
    strstr(((DmDiagAdvice *)g_ptr_array_index(r->advice, 0))->text, "device_model_override"));

  /* A wrapper's lines first, then the launcher's: it did run. */
  g_autoptr(DmDiagSnapshot) w = domain(5, "win7", "hvm");
  running_qemu(w);
  w->log_head = g_strdup("inject-stale: wrote stale /local/domain/0/backend/vfb/5/0\n"
                         "qemu-dm-launcher: 10:20:05.100 started scrub helper, pid 4300\n");
  g_autoptr(DmDiagReport) rw = dm_diagnose_analyse(w, dc);
  cr_assert_eq(rw->story.launched, 1);
  cr_assert_eq(rw->story.helper_logged_pid, 4300);
}

/* Anyone can run the launcher binary with an argv naming domain 5.  Only
 * the helper's uid, talking to our xenstored, with the pid the root-owned
 * log names, counts. */
Test(diagnose, look_alike_helpers_do_not_count)
{
  g_autoptr(DmDiagSnapshot) s = domain(5, "win7", "hvm");
  g_autoptr(DmDomainConfig) dc = config(NULL);
  running_qemu(s);
  s->log_head = g_strdup(HELPER_LOG);
  s->log_trusted = TRUE;
  s->launcher_exe = g_strdup("/usr/lib/xen/bin/qemu-dm-launcher");
  const char *argv = "qemu-dm-launcher -xen-domid 5 -name win7";
  DmProcInfo *user = proc(5000, 'S', s->launcher_exe, argv);
  user->uid = 1000;
  DmProcInfo *other_xs = proc(5001, 'S', s->launcher_exe, argv);
  g_free(other_xs->xenstored);
  other_xs->xenstored = g_strdup("/tmp/other/socket");
  DmProcInfo *nobody = proc(5002, 'S', s->launcher_exe, argv);
  g_ptr_array_add(s->launchers, user);
  g_ptr_array_add(s->launchers, other_xs);
  g_ptr_array_add(s->launchers, nobody);
  g_autoptr(DmDiagReport) r = dm_diagnose_analyse(s, dc);
  cr_assert_eq(r->helper_pids->len, 0);
  cr_assert_eq(r->story.impostors->len, 3);
  cr_assert(strstr(g_ptr_array_index(r->story.impostors, 0), "uid 1000"));
  cr_assert(strstr(g_ptr_array_index(r->story.impostors, 1), "/tmp/other/socket"));
  cr_assert(strstr(g_ptr_array_index(r->story.impostors, 2), "logged its helper as pid 4300"));
}

/* After the launcher's scrub, the frontend's link names a removed node.
 * That is the fix working, not a hang; for a class the launcher does not
 * scrub it is one. */
Test(diagnose, scrubbed_backend_is_not_a_dangling_link)
{
  g_autoptr(DmDiagSnapshot) s = domain(5, "win7", "hvm");
  g_autoptr(DmDomainConfig) dc = config(NULL);
  seed(s, (const char *const[]){ "/local/domain/5/console/backend", BE(0, "console", 5, 0),
                                 "/local/domain/5/console/state", "1", FE(5, "vfb", 0) "/backend",
                                 BE(0, "vfb", 5, 0), FE(5, "vfb", 0) "/state", "1", NULL });
  pair(s, 5, "vbd", "768", 0, "1", "2");
  g_autoptr(DmDiagReport) r = dm_diagnose_analyse(s, dc);
  cr_assert_not(r->stuck, "%s", (char *)g_ptr_array_index(r->findings, 0));
  const DmDiagDevice *con = device(r, "console", "0");
  cr_assert_eq(con->stuck, 0);
  cr_assert_not(con->be_exists);
  cr_assert(strstr(con->scrub_why, "already removed"), "%s", con->scrub_why);
  cr_assert_eq(device(r, "vfb", "0")->stuck, 0);

  /* The same layout for a PV guest, whose vfb the launcher never scrubs. */
  g_autoptr(DmDiagSnapshot) pv = domain(5, "win7", "pv");
  seed(pv, (const char *const[]){ FE(5, "vfb", 0) "/backend", BE(0, "vfb", 5, 0), NULL });
  g_autoptr(DmDiagReport) rpv = dm_diagnose_analyse(pv, dc);
  cr_assert_eq(device(rpv, "vfb", "0")->stuck, DM_STUCK_DANGLING_BACKEND);
}

/* What xl (Xen 4.17) writes for a PV guest with a vfb, captured from a
 * running guest in the nested-Xen suite: xenconsoled serves console 0
 * without ever moving its backend out of state 1, and libxl keeps the
 * suspend event channel under device/. */
static void
xl_pv_layout(DmDiagSnapshot *s)
{
  seed(s, (const char *const[]){ "/local/domain/1/device/suspend/event-channel",
                                 "",
                                 "/local/domain/1/console/backend",
                                 "/local/domain/0/backend/console/1/0",
                                 "/local/domain/1/console/backend-id",
                                 "0",
                                 "/local/domain/1/console/type",
                                 "xenconsoled",
                                 "/local/domain/1/console/port",
                                 "2",
                                 "/local/domain/1/console/ring-ref",
                                 "728066",
                                 "/local/domain/0/backend/console/1/0/frontend",
                                 "/local/domain/1/console",
                                 "/local/domain/0/backend/console/1/0/frontend-id",
                                 "1",
                                 "/local/domain/0/backend/console/1/0/online",
                                 "1",
                                 "/local/domain/0/backend/console/1/0/state",
                                 "1",
                                 "/local/domain/0/backend/console/1/0/protocol",
                                 "vt100",
                                 NULL });
  pair(s, 1, "vfb", "0", 0, "4", "4");
  pair(s, 1, "vkbd", "0", 0, "4", "4");
  dm_diag_snapshot_set(s, "/local/domain/1/image/device-model-pid", "126");
  dm_diag_snapshot_set(s, "/local/domain/0/device-model/1/state", "running");
  s->dm = proc(126, 'S', QEMU, QEMU " -xen-domid 1 -xen-attach -name pvfb -machine xenpv");
  s->qemu_paths = g_strsplit(QEMU, ";", -1);
}

Test(diagnose, xl_pv_guest_with_xenconsoled_console_is_healthy)
{
  g_autoptr(DmDiagSnapshot) s = domain(1, "pvfb", "pv");
  g_autoptr(DmDomainConfig) dc = config(NULL);
  xl_pv_layout(s);
  g_autoptr(DmDiagReport) r = dm_diagnose_analyse(s, dc);
  cr_assert_not(r->stuck, "%s", (char *)g_ptr_array_index(r->findings, 0));
  cr_assert_eq(r->devices->len, 3, "the suspend event channel is not a device");
  const DmDiagDevice *con = device(r, "console", "0");
  cr_assert_eq(con->stuck, 0);
  cr_assert_eq(con->be_state, DM_XB_INITIALISING);
  cr_assert(strstr(con->note, "xenconsoled"), "%s", con->note);
  cr_assert_not(con->scrub);
  cr_assert(r->dm_is_qemu);
}

/* The same nodes in an HVM guest are the XENUTIL hang: xenconsoled
 * serves the ring, but the Citrix/XCP drivers wait on the backend state. */
Test(diagnose, xl_hvm_guest_with_xenconsoled_console_is_the_xenutil_case)
{
  g_autoptr(DmDiagSnapshot) s = domain(1, "hvm", "hvm");
  g_autoptr(DmDomainConfig) dc = config(NULL);
  xl_pv_layout(s);
  g_autoptr(DmDiagReport) r = dm_diagnose_analyse(s, dc);
  cr_assert(r->stuck);
  const DmDiagDevice *con = device(r, "console", "0");
  cr_assert_eq(con->stuck, DM_STUCK_BACKEND_INITIALISING);
  cr_assert(strstr(con->problem, "XENUTIL"), "%s", con->problem);
  cr_assert(con->scrub, "%s", con->scrub_why);
  cr_assert_null(con->note);
}
