/* `qemu-dm-launcher diagnose --watch DOMID|NAME`: the domain's xenbus
 * devices, live.  Like xenstore-watch, but decoded: one line per state
 * change of a frontend or a backend, with the old and new state by name
 * and how long the old one lasted, and a flag on a pair that stays
 * unsettled for longer than --stuck-after.
 *
 * A guest writes its own frontend directories as fast as it likes, so
 * nothing here grows with what it writes: watch events are coalesced into
 * a bounded set of device directories to re-read (past it, one rescan of
 * the whole device list), at most MAX_TRACKED devices are followed, and
 * what was coalesced or dropped is said in a note line, at most once a
 * second.  Reads happen on this thread, so a watchdog thread ends the
 * command (exit 2) if xenstored stops answering one for --timeout. */
#include "diagnose_cmd.h"
#include "diagnose_read.h"
#include "config_read.h"
#include "plan.h"
#include "json.h"
#include "util.h"
#include "xs.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define MAX_PENDING 1024 /* device directories queued for a re-read */
#define MAX_TRACKED 4096 /* device sides followed */
#define MAX_DRAIN 4096   /* watch events taken per turn before reading */

typedef struct {
  char *cls;
  char *devid;
  char *pair; /* "cls/devid" of the pair: the backend's, which a
               * frontend names through its backend link (an HVM
               * guest's vbd is served by a qdisk backend) */
  gboolean backend;
  char *path;
  int state;       /* DM_STATE_MISSING once removed */
  gint64 since_us; /* monotonic; 0: since before the watch began */
} Side;

typedef struct {
  gint64 changed_us;   /* the pair's last change */
  gboolean flagged;    /* reported stuck since that change */
  const Side *fe, *be; /* owned by Watch.sides; NULL when absent */
} Pair;

typedef struct {
  const DmCli *cli;
  guint domid;
  gboolean pv;
  char *dom; /* /local/domain/<domid> */
  char *devdir;
  GHashTable *sides;   /* path -> Side */
  GHashTable *pairs;   /* "cls/devid" -> Pair */
  GHashTable *pending; /* device directory paths to re-read */
  gboolean rescan;
  struct xs_handle *xs;
  /* Flood accounting since the last note. */
  guint64 events, reads, coalesced_overflow, dropped_devices;
  gint64 last_note_us;
  gint64 start_us;
  guint stuck_after_s;
  gboolean ever_introduced;
  GStrv scrubbed; /* classes the launcher scrubs for this guest */
} Watch;

static void
watch_clear(Watch *w)
{
  g_clear_pointer(&w->pairs, g_hash_table_unref);
  g_clear_pointer(&w->sides, g_hash_table_unref);
  g_clear_pointer(&w->pending, g_hash_table_unref);
  g_clear_pointer(&w->scrubbed, g_strfreev);
  g_clear_pointer(&w->dom, g_free);
  g_clear_pointer(&w->devdir, g_free);
  g_clear_pointer(&w->xs, xs_close);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Watch, watch_clear)

static volatile sig_atomic_t interrupted;
static gint request_started_s; /* atomic: monotonic seconds of the read under way, 0: none */

static void
on_signal(int sig)
{
  if (interrupted)
    _exit(130); /* a second Ctrl-C, e.g. while xenstored is hung */
  interrupted = sig;
}

static gpointer
watchdog(gpointer data)
{
  guint timeout_s = GPOINTER_TO_UINT(data);
  for (;;) {
    g_usleep(200000);
    gint started = g_atomic_int_get(&request_started_s);
    if (started && g_get_monotonic_time() / G_USEC_PER_SEC - started >= (gint64)timeout_s) {
      fflush(stdout);
      fprintf(stderr,
              "qemu-dm-launcher: diagnose --watch: xenstored did not answer within "
              "%u s (--timeout)\n",
              timeout_s);
      _exit(2);
    }
  }
  return NULL;
}

static void
request_begin(void)
{
  g_atomic_int_set(&request_started_s, (gint)MAX(1, g_get_monotonic_time() / G_USEC_PER_SEC));
}

static void
request_end(void)
{
  g_atomic_int_set(&request_started_s, 0);
}

static char *
xs_get(Watch *w, const char *path)
{
  request_begin();
  char *v = dm_xs_read(w->xs, XBT_NULL, path, NULL, NULL);
  request_end();
  w->reads++;
  return v;
}

static GStrv
xs_ls(Watch *w, const char *path)
{
  request_begin();
  GStrv v = dm_xs_directory(w->xs, XBT_NULL, path, NULL, NULL);
  request_end();
  w->reads++;
  return v ? v : g_new0(char *, 1);
}

static void
side_free(Side *s)
{
  g_free(s->cls);
  g_free(s->devid);
  g_free(s->pair);
  g_free(s->path);
  g_free(s);
}

static char *
now_iso(void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc();
  return g_date_time_format(now, "%Y-%m-%dT%H:%M:%S.%fZ");
}

/* ISO time with milliseconds: "2026-12-06T02:30:01.123Z". */
static char *
stamp(void)
{
  g_autofree char *t = now_iso();
  gsize len = strlen(t);
  /* %f gives microseconds: keep three digits. */
  if (len > 5)
    memmove(t + len - 4, t + len - 1, 2);
  return g_strdup(t);
}

static const char *
state_word(int state)
{
  return state == DM_STATE_MISSING ? "removed" : dm_diag_state_name(state);
}

static void
emit_json_head(DmJson *b, const char *event, const char *time)
{
  dm_json_begin_object(b);
  dm_json_member_string(b, "time", time);
  dm_json_member_string(b, "event", event);
}

static void
emit_json_end(DmJson *b)
{
  dm_json_end_object(b);
  g_autofree char *text = dm_json_finish(b);
  printf("%s\n", text);
}

static void
emit_note(Watch *w, const char *text)
{
  g_autofree char *t = stamp();
  if (w->cli->json) {
    g_autoptr(DmJson) b = dm_json_new(FALSE);
    emit_json_head(b, "note", t);
    dm_json_member_string(b, "note", text);
    emit_json_end(b);
  } else {
    printf("%s note: %s\n", t, text);
  }
  fflush(stdout);
}

static void
emit_change(Watch *w, const Side *s, const char *event, int from, int to, gint64 lasted_us)
{
  g_autofree char *t = stamp();
  if (w->cli->json) {
    g_autoptr(DmJson) b = dm_json_new(FALSE);
    g_autofree char *dev = g_strdup_printf("%s/%s", s->cls, s->devid);
    emit_json_head(b, event, t);
    dm_json_member_string(b, "device", dev);
    dm_json_member_string(b, "class", s->cls);
    dm_json_member_string(b, "devid", s->devid);
    dm_json_member_string(b, "side", s->backend ? "backend" : "frontend");
    dm_json_member_string(b, "path", s->path);
    dm_json_member_string(b, "from", strcmp(event, "change") == 0 ? state_word(from) : NULL);
    dm_json_member_int(b, "from_state", from, strcmp(event, "change") == 0 && from >= 0);
    dm_json_member_string(b, "to", state_word(to));
    dm_json_member_int(b, "to_state", to, to >= 0);
    dm_json_member_int(b, "previous_lasted_ms", lasted_us / 1000, lasted_us > 0);
    emit_json_end(b);
  } else {
    g_autofree char *cls = dm_diag_printable_cut(s->cls, 24);
    g_autofree char *devid = dm_diag_printable_cut(s->devid, 24);
    const char *side = s->backend ? "backend " : "frontend";
    if (strcmp(event, "initial") == 0)
      printf("%s %s %s %s is %s (at start)\n", t, cls, devid, side, state_word(to));
    else if (strcmp(event, "new") == 0)
      printf("%s %s %s %s new -> %s\n", t, cls, devid, side, state_word(to));
    else if (lasted_us > 0)
      printf("%s %s %s %s %s -> %s (%s lasted %.3f s)\n", t, cls, devid, side, state_word(from),
             state_word(to), state_word(from), lasted_us / 1e6);
    else
      printf("%s %s %s %s %s -> %s (%s since before the watch began, %.3f s ago)\n", t, cls, devid,
             side, state_word(from), state_word(to), state_word(from),
             (g_get_monotonic_time() - w->start_us) / 1e6);
  }
  fflush(stdout);
}

/* Which device side a path lies in, as its directory; NULL if none. */
static char *
device_dir_of(Watch *w, const char *path, char **cls, char **devid, gboolean *backend)
{
  g_autofree char *console = g_strdup_printf("%s/console", w->dom);
  gsize dlen = strlen(w->devdir);
  if (strncmp(path, w->devdir, dlen) == 0 && path[dlen] == '/') {
    g_auto(GStrv) parts = g_strsplit(path + dlen + 1, "/", 3);
    if (!parts[0] || !parts[1])
      return NULL;
    *cls = g_strdup(parts[0]);
    *devid = g_strdup(parts[1]);
    *backend = FALSE;
    return g_strdup_printf("%s/%s/%s", w->devdir, parts[0], parts[1]);
  }
  if (g_str_has_prefix(path, console) &&
      (path[strlen(console)] == '\0' || path[strlen(console)] == '/')) {
    *cls = g_strdup("console");
    *devid = g_strdup("0");
    *backend = FALSE;
    return g_strdup(console);
  }
  /* /local/domain/B/backend/CLS/<domid>/DEVID[/...] */
  if (g_str_has_prefix(path, "/local/domain/")) {
    g_auto(GStrv) parts = g_strsplit(path + strlen("/local/domain/"), "/", 6);
    guint n = g_strv_length(parts);
    g_autofree char *mine = g_strdup_printf("%u", w->domid);
    if (n >= 5 && strcmp(parts[1], "backend") == 0 && strcmp(parts[3], mine) == 0) {
      *cls = g_strdup(parts[2]);
      *devid = g_strdup(parts[4]);
      *backend = TRUE;
      return g_strdup_printf("/local/domain/%s/backend/%s/%s/%s", parts[0], parts[2], parts[3],
                             parts[4]);
    }
  }
  return NULL;
}

static void
queue(Watch *w, const char *dir)
{
  if (g_hash_table_contains(w->pending, dir))
    return;
  if (g_hash_table_size(w->pending) >= MAX_PENDING) {
    w->coalesced_overflow++;
    w->rescan = TRUE;
    return;
  }
  g_hash_table_add(w->pending, g_strdup(dir));
}

static void
on_event(Watch *w, const char *path)
{
  g_autofree char *cls = NULL;
  g_autofree char *devid = NULL;
  gboolean backend = FALSE;
  g_autofree char *dir = device_dir_of(w, path, &cls, &devid, &backend);
  w->events++;
  if (dir)
    queue(w, dir);
  else if (!g_str_has_prefix(path, "@"))
    w->rescan = TRUE; /* a parent: devices may have come or gone */
}

static Pair *
pair_of(Watch *w, const Side *s)
{
  Pair *p = g_hash_table_lookup(w->pairs, s->pair);
  if (p == NULL) {
    p = g_new0(Pair, 1);
    g_hash_table_insert(w->pairs, g_strdup(s->pair), p);
  }
  return p;
}

/* A frontend's pair is the backend its link names, when the link is a
 * backend path of this domain; else its own class and devid. */
static char *
pair_key(Watch *w, const char *dir, const char *cls, const char *devid, gboolean backend)
{
  if (!backend) {
    g_autofree char *link_path = g_strdup_printf("%s/backend", dir);
    g_autofree char *link = xs_get(w, link_path);
    g_autofree char *bcls = NULL;
    g_autofree char *bdevid = NULL;
    gboolean is_backend = FALSE;
    g_autofree char *bdir =
      link && dm_diag_valid_path(link) ? device_dir_of(w, link, &bcls, &bdevid, &is_backend) : NULL;
    if (bdir && is_backend)
      return g_strdup_printf("%s/%s", bcls, bdevid);
  }
  return g_strdup_printf("%s/%s", cls, devid);
}

static void
pair_touch(Watch *w, const Side *s, gint64 now)
{
  Pair *p = pair_of(w, s);
  p->changed_us = now;
  p->flagged = FALSE;
  if (s->backend)
    p->be = s->state == DM_STATE_MISSING ? NULL : s;
  else
    p->fe = s->state == DM_STATE_MISSING ? NULL : s;
  if (p->fe == NULL && p->be == NULL) {
    /* Both sides gone: forget the pair, or a guest creating and removing
     * devices under new names would grow this table without end. */
    g_hash_table_remove(w->pairs, s->pair);
  }
}

static void
reread(Watch *w, const char *dir, gboolean initial)
{
  g_autofree char *cls = NULL;
  g_autofree char *devid = NULL;
  gboolean backend = FALSE;
  g_autofree char *check = device_dir_of(w, dir, &cls, &devid, &backend);
  g_autofree char *state_path = g_strdup_printf("%s/state", dir);
  g_autofree char *value = xs_get(w, state_path);
  int state = dm_diag_state_parse(value);
  gint64 now = g_get_monotonic_time();
  Side *s = g_hash_table_lookup(w->sides, dir);

  if (check == NULL)
    return;
  if (state == DM_STATE_MISSING && value == NULL) {
    /* No state node: the device may be gone, or not written yet. */
    g_autofree char *here = xs_get(w, dir);
    if (here != NULL && s == NULL)
      return; /* a directory without a state yet: wait for it */
  }
  if (s == NULL) {
    if (state == DM_STATE_MISSING)
      return;
    if (g_hash_table_size(w->sides) >= MAX_TRACKED) {
      w->dropped_devices++;
      return;
    }
    s = g_new0(Side, 1);
    s->cls = g_steal_pointer(&cls);
    s->devid = g_steal_pointer(&devid);
    s->backend = backend;
    s->pair = pair_key(w, dir, s->cls, s->devid, backend);
    s->path = g_strdup(dir);
    s->state = state;
    s->since_us = initial ? 0 : now;
    g_hash_table_insert(w->sides, g_strdup(dir), s);
    emit_change(w, s, initial ? "initial" : "new", DM_STATE_MISSING, state, 0);
    pair_touch(w, s, now);
    return;
  }
  if (s->state == state)
    return;
  gint64 lasted = s->since_us ? now - s->since_us : 0;
  int from = s->state;
  s->state = state;
  s->since_us = now;
  emit_change(w, s, state == DM_STATE_MISSING ? "removed" : "change", from, state, lasted);
  pair_touch(w, s, now);
  if (state == DM_STATE_MISSING)
    g_hash_table_remove(w->sides, dir);
}

/* Every device directory there is now, read once; and every followed
 * side that is no longer listed, read to see it gone.  Read here rather
 * than queued: the queue is what overflowed. */
static void
list_device_dirs(Watch *w, GPtrArray *out)
{
  g_auto(GStrv) classes = xs_ls(w, w->devdir);
  for (char **c = classes; *c; c++) {
    g_autofree char *cdir = g_strdup_printf("%s/%s", w->devdir, *c);
    g_auto(GStrv) ids = xs_ls(w, cdir);
    for (char **i = ids; *i; i++)
      g_ptr_array_add(out, g_strdup_printf("%s/%s", cdir, *i));
  }
  g_auto(GStrv) doms = xs_ls(w, "/local/domain");
  for (char **b = doms; *b; b++) {
    g_autofree char *bdir = g_strdup_printf("/local/domain/%s/backend", *b);
    g_auto(GStrv) bclasses = xs_ls(w, bdir);
    for (char **c = bclasses; *c; c++) {
      g_autofree char *cdir = g_strdup_printf("%s/%s/%u", bdir, *c, w->domid);
      g_auto(GStrv) ids = xs_ls(w, cdir);
      for (char **i = ids; *i; i++)
        g_ptr_array_add(out, g_strdup_printf("%s/%s", cdir, *i));
    }
  }
  g_ptr_array_add(out, g_strdup_printf("%s/console", w->dom));
}

static void
rescan(Watch *w, gboolean initial)
{
  g_autoptr(GPtrArray) dirs = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GHashTable) listed = g_hash_table_new(g_str_hash, g_str_equal);
  list_device_dirs(w, dirs);
  for (guint i = 0; i < dirs->len; i++) {
    const char *dir = dirs->pdata[i];
    g_hash_table_add(listed, (gpointer)dir);
    g_hash_table_remove(w->pending, dir);
    /* Past the followed limit a new device costs no read. */
    if (!g_hash_table_contains(w->sides, dir) && g_hash_table_size(w->sides) >= MAX_TRACKED) {
      w->dropped_devices++;
      continue;
    }
    reread(w, dir, initial);
  }
  g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func(g_free);
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init(&it, w->sides);
  while (g_hash_table_iter_next(&it, &key, NULL))
    if (!g_hash_table_contains(listed, key))
      g_ptr_array_add(gone, g_strdup(key));
  for (guint i = 0; i < gone->len; i++)
    reread(w, gone->pdata[i], initial);
}

/* A pair is settled when both sides are Connected, or both are closed or
 * gone; otherwise one side waits for the other. */
static gboolean
settled(const Watch *w, const char *key, const Pair *p)
{
  const Side *fe = p->fe, *be = p->be;
  int fs = fe ? fe->state : DM_STATE_MISSING, bs = be ? be->state : DM_STATE_MISSING;
  gboolean closed_f = fs == DM_STATE_MISSING || fs == DM_XB_CLOSED;
  gboolean closed_b = bs == DM_STATE_MISSING || bs == DM_XB_CLOSED;

  if ((fs == DM_XB_CONNECTED && bs == DM_XB_CONNECTED) || (closed_f && closed_b))
    return TRUE;
  /* A backend in InitWait facing a frontend in Initialising: an HVM
   * guest whose PV driver has not loaded (or never will: it uses the
   * emulated device), as diagnose says too. */
  if (fs == DM_XB_INITIALISING && bs == DM_XB_INITWAIT)
    return TRUE;
  /* A frontend whose backend the launcher's scrub removed: that is the
   * fix working (see diagnose.c), not a hang. */
  if (fe && be == NULL && w->scrubbed && g_strv_contains((const char *const *)w->scrubbed, fe->cls))
    return TRUE;
  /* xenconsoled serves a PV guest's console 0 without ever moving the
   * backend's state (see diagnose.c). */
  return w->pv && fe == NULL && g_str_has_prefix(key, "console/");
}

/* "frontend Initialising for 31.0 s", "... since before the watch", or
 * "no frontend". */
static char *
side_words(const char *which, const Side *s, gint64 now)
{
  if (s == NULL)
    return g_strdup_printf("no %s", which);
  if (s->since_us == 0)
    return g_strdup_printf("%s %s since before the watch", which, state_word(s->state));
  return g_strdup_printf("%s %s for %.1f s", which, state_word(s->state),
                         (now - s->since_us) / 1e6);
}

static void
emit_stuck(Watch *w, const char *key, const Pair *p, gint64 now)
{
  g_autofree char *t = stamp();
  gint64 unchanged_s = (now - p->changed_us) / G_USEC_PER_SEC;

  if (w->cli->json) {
    g_autoptr(DmJson) b = dm_json_new(FALSE);
    emit_json_head(b, "stuck", t);
    dm_json_member_string(b, "device", key);
    dm_json_member_string(b, "frontend", p->fe ? state_word(p->fe->state) : NULL);
    dm_json_member_string(b, "backend", p->be ? state_word(p->be->state) : NULL);
    dm_json_member_int(b, "unchanged_s", unchanged_s, TRUE);
    dm_json_member_int(b, "stuck_after_s", w->stuck_after_s, TRUE);
    emit_json_end(b);
  } else {
    g_autofree char *shown = dm_diag_printable_cut(key, 50);
    g_autofree char *fpart = side_words("frontend", p->fe, now);
    g_autofree char *bpart = side_words("backend", p->be, now);
    printf("%s STUCK %s: %s, %s (nothing changed for %" G_GINT64_FORMAT " s; "
           "--stuck-after %u s); run `qemu-dm-launcher diagnose %u` for advice\n",
           t, shown, fpart, bpart, unchanged_s, w->stuck_after_s, w->domid);
  }
  fflush(stdout);
}

static void
check_stuck(Watch *w)
{
  gint64 now = g_get_monotonic_time();
  GHashTableIter it;
  gpointer key, value;

  g_hash_table_iter_init(&it, w->pairs);
  while (g_hash_table_iter_next(&it, &key, &value)) {
    Pair *p = value;
    if (p->flagged || now - p->changed_us < (gint64)w->stuck_after_s * G_USEC_PER_SEC ||
        settled(w, key, p))
      continue;
    p->flagged = TRUE;
    emit_stuck(w, key, p, now);
  }
}

static gboolean
any_flagged(Watch *w)
{
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, w->pairs);
  while (g_hash_table_iter_next(&it, NULL, &v))
    if (((Pair *)v)->flagged)
      return TRUE;
  return FALSE;
}

static void
flood_note(Watch *w, gboolean force)
{
  gint64 now = g_get_monotonic_time();
  if (!force && now - w->last_note_us < G_USEC_PER_SEC)
    return;
  if (w->events > 200 || w->coalesced_overflow || w->dropped_devices) {
    g_autofree char *text = g_strdup_printf(
      "%" G_GUINT64_FORMAT " watch events in %.1f s coalesced into %" G_GUINT64_FORMAT " reads%s%s",
      w->events, (now - w->last_note_us) / 1e6, w->reads,
      w->coalesced_overflow ? "; the queue of devices to re-read overflowed, so the device "
                              "list was read again instead"
                            : "",
      w->dropped_devices ? "; devices beyond the 4096 followed were dropped" : "");
    emit_note(w, text);
  }
  w->events = w->reads = w->coalesced_overflow = w->dropped_devices = 0;
  w->last_note_us = now;
}

static gboolean
domain_gone(Watch *w)
{
  request_begin();
  errno = 0;
  gboolean in = xs_is_domain_introduced(w->xs, w->domid);
  int err = errno;
  request_end();
  if (in) {
    w->ever_introduced = TRUE;
    return FALSE;
  }
  if (err == 0 && w->ever_introduced)
    return TRUE;
  g_autofree char *here = xs_get(w, w->dom);
  return here == NULL;
}

/* The start, bounded like any diagnosis: the domid, its type and name. */
static gboolean
watch_start(const char *arg, guint timeout_ms, DmDiagIdentity *out, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *prefix = g_strdup_printf("diagnose --watch %s: ", arg);

  if (!dm_diagnose_identify(arg, timeout_ms, out, &local)) {
    dm_diagnose_propagate(error, g_steal_pointer(&local), prefix);
    return FALSE;
  }
  if (!out->exists) {
    g_set_error(error, DM_ERROR, DM_ERROR_INVALID,
                "%sno domain %u in xenstore "
                "(/local/domain/%u does not exist)",
                prefix, out->domid, out->domid);
    return FALSE;
  }
  return TRUE;
}

/* The classes the launcher's config scrubs for this guest (NULL: none). */
static gboolean
watch_scrubbed(Watch *w, const DmCli *cli, const char *name, GError **error)
{
  g_autoptr(DmConfig) config = dm_config_load(cli->config_path, error);
  if (config == NULL)
    return FALSE;
  g_autoptr(DmDomainConfig) dc = dm_config_for_domain(config, name, NULL);
  DmRequest req = { .flavour = DM_FLAVOUR_QEMU_XEN,
                    .domid = w->domid,
                    .guest = w->pv ? DM_GUEST_PV : DM_GUEST_HVM };
  g_autoptr(GPtrArray) paths = dc ? dm_scrub_paths(&req, dc) : NULL;
  if (paths && paths->len > 0)
    w->scrubbed = g_strdupv(dc->scrub);
  return TRUE;
}

/* What there is now, then watches on what changes.  Each watch fires
 * once when it is set: those events are only a rescan of what was just
 * read. */
static gboolean
watch_begin(Watch *w, const char *arg, GError **error)
{
  rescan(w, TRUE);
  g_autofree char *console = g_strdup_printf("%s/console", w->dom);
  g_auto(GStrv) doms = xs_ls(w, "/local/domain");
  request_begin();
  gboolean watched = xs_watch(w->xs, w->devdir, "dev") && xs_watch(w->xs, console, "dev") &&
                     xs_watch(w->xs, "@releaseDomain", "release");
  for (char **b = doms; watched && *b; b++) {
    g_autofree char *bdir = g_strdup_printf("/local/domain/%s/backend", *b);
    watched = xs_watch(w->xs, bdir, "dev");
  }
  request_end();
  if (!watched) {
    g_set_error(error, DM_DIAGNOSE_ERROR, DM_DIAGNOSE_ERROR_UNREADABLE,
                "diagnose --watch %s: cannot set a "
                "xenstore watch: %s",
                arg, g_strerror(errno));
    return FALSE;
  }
  (void)domain_gone(w);
  g_autofree char *for_text = w->cli->for_s > 0 ? g_strdup_printf(" for %d s", w->cli->for_s)
                                                : g_strdup(" until it is released or Ctrl-C");
  g_autofree char *begin =
    g_strdup_printf("watching domain %u's xenbus devices%s; pairs unsettled for %u s are flagged",
                    w->domid, for_text, w->stuck_after_s);
  emit_note(w, begin);
  return TRUE;
}

/* One turn: the events that came, coalesced, then one read per device.
 * Returns whether the domain was released. */
static gboolean
watch_turn(Watch *w)
{
  gboolean release = FALSE;
  char **ev;
  guint drained = 0;
  while (drained < MAX_DRAIN && (ev = xs_check_watch(w->xs)) != NULL) {
    drained++;
    if (strcmp(ev[XS_WATCH_TOKEN], "release") == 0)
      release = TRUE;
    else
      on_event(w, ev[XS_WATCH_PATH]);
    free(ev);
  }
  if (w->rescan) {
    w->rescan = FALSE;
    rescan(w, FALSE);
  }
  /* Re-read each queued device once, however many events named it. */
  GHashTableIter it;
  gpointer key;
  g_autoptr(GPtrArray) dirs = g_ptr_array_new_with_free_func(g_free);
  g_hash_table_iter_init(&it, w->pending);
  while (g_hash_table_iter_next(&it, &key, NULL)) {
    g_ptr_array_add(dirs, key);
    g_hash_table_iter_steal(&it);
  }
  for (guint i = 0; i < dirs->len; i++)
    reread(w, dirs->pdata[i], FALSE);
  gboolean gone = (release || drained) && domain_gone(w);
  check_stuck(w);
  flood_note(w, FALSE);
  return gone;
}

/* Until Ctrl-C, SIGTERM, --for or the domain's release: why it ended. */
static const char *
watch_loop(Watch *w, GError **error)
{
  gint64 end_us =
    w->cli->for_s > 0 ? w->start_us + (gint64)w->cli->for_s * G_USEC_PER_SEC : G_MAXINT64;
  struct pollfd pfd = { .fd = xs_fileno(w->xs), .events = POLLIN };
  for (;;) {
    gint64 now = g_get_monotonic_time();
    if (interrupted)
      return interrupted == SIGINT ? "interrupted (Ctrl-C)" : "terminated";
    if (now >= end_us)
      return "--for elapsed";
    int wait_ms = (int)MIN(1000, (end_us - now) / 1000 + 1);
    if (poll(&pfd, 1, wait_ms) < 0 && errno != EINTR) {
      g_set_error(error, DM_ERROR, DM_ERROR_SYSTEM, "poll: %s", g_strerror(errno));
      return NULL;
    }
    if (watch_turn(w))
      return "the domain was released";
  }
}

gboolean
dm_diagnose_watch_run(const DmCli *cli, const char *arg, gboolean *stuck, GError **error)
{
  guint timeout_ms = dm_diagnose_timeout_ms(cli);
  g_auto(DmDiagIdentity) id = { 0 };
  if (!watch_start(arg, timeout_ms, &id, error))
    return FALSE;

  g_auto(Watch) w = { .cli = cli, .domid = id.domid };
  w.pv = id.type && strcmp(id.type, "pv") == 0;
  w.dom = g_strdup_printf("/local/domain/%u", w.domid);
  w.devdir = g_strdup_printf("%s/device", w.dom);
  w.sides = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)side_free);
  w.pairs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  w.pending = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  w.stuck_after_s = cli->stuck_after_s > 0 ? (guint)cli->stuck_after_s : 30;
  if (!watch_scrubbed(&w, cli, id.name, error))
    return FALSE;
  w.start_us = w.last_note_us = g_get_monotonic_time();
  g_autoptr(GError) local = NULL;
  w.xs = dm_xs_open(&local);
  if (w.xs == NULL) {
    dm_diagnose_propagate(error, g_steal_pointer(&local), "");
    return FALSE;
  }
  g_thread_unref(g_thread_new("watchdog", watchdog, GUINT_TO_POINTER(timeout_ms / 1000)));

  struct sigaction sa = { 0 };
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);

  if (!watch_begin(&w, arg, error))
    return FALSE;
  const char *why = watch_loop(&w, error);
  if (why == NULL)
    return FALSE;
  flood_note(&w, TRUE);
  *stuck = any_flagged(&w);
  g_autofree char *t = stamp();
  if (cli->json) {
    g_autoptr(DmJson) b = dm_json_new(FALSE);
    emit_json_head(b, "end", t);
    dm_json_member_string(b, "why", why);
    dm_json_member_bool(b, "stuck", *stuck);
    emit_json_end(b);
  } else {
    printf("%s end: %s%s\n", t, why, *stuck ? "; a pair is still flagged stuck" : "");
  }
  fflush(stdout);
  return TRUE;
}
