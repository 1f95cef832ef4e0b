#include "diagnose_output.h"

#include "json.h"
#include "scrub.h"
#include <string.h>

/* ---- table ------------------------------------------------------------ */

#define RED "\033[1;31m"
#define GREEN "\033[32m"
#define YELLOW "\033[33m"
#define BOLD "\033[1m"
#define RESET "\033[0m"

typedef struct {
  gboolean on;
} Paint;

static const char *
c(const Paint *p, const char *code)
{
  return p->on ? code : "";
}

static char *
state_cell(int state)
{
  if (state == DM_STATE_MISSING)
    return g_strdup("-");
  if (state == DM_STATE_INVALID)
    return g_strdup("? invalid");
  return g_strdup_printf("%d %s", state, dm_diag_state_name(state));
}

static char *
stuck_cell(guint stuck)
{
  g_autoptr(GString) s = g_string_new(NULL);
  for (guint bit = 1; bit <= DM_STUCK_LAST; bit <<= 1)
    if (stuck & bit)
      g_string_append_printf(s, "%s%s", s->len ? "," : "", dm_stuck_flag_name(bit));
  return g_string_free(g_steal_pointer(&s), FALSE);
}

/* Pads `text` to `width` display columns, then paints it: colour codes
 * must not count towards the width. */
static void
cell(GString *out, const Paint *p, const char *code, const char *text, guint width)
{
  glong len = g_utf8_strlen(text, -1);
  g_string_append_printf(out, "%s%s%s", code && *text ? c(p, code) : "", text,
                         code && *text ? c(p, RESET) : "");
  for (glong i = len; i < (glong)width; i++)
    g_string_append_c(out, ' ');
}

/* Ends a table line without trailing blanks. */
static void
trim_line(GString *out)
{
  while (out->len > 0 && out->str[out->len - 1] == ' ')
    g_string_truncate(out, out->len - 1);
  g_string_append_c(out, '\n');
}

static const char *
state_colour(int state)
{
  if (state == DM_XB_CONNECTED)
    return GREEN;
  if (state == DM_STATE_MISSING || state == DM_STATE_INVALID || state <= 1)
    return YELLOW;
  return NULL;
}

enum {
  COL_CLASS,
  COL_DEVID,
  COL_FE,
  COL_FES,
  COL_BE,
  COL_BES,
  COL_BEDOM,
  COL_SCRUB,
  COL_STUCK,
  N_COLS
};

/* Every string in the table goes through S(): whatever a guest or qemu
 * wrote reaches the admin's terminal only as printable text, cut to a
 * length a screen can hold.  Our own colour codes are added around it. */
static const char *
S_cut(GPtrArray *pool, const char *text, guint max)
{
  char *clean = dm_diag_printable_cut(text ? text : "", max);
  g_ptr_array_add(pool, clean);
  return clean;
}
#define S(text) S_cut(pool, (text), 600)

static const char *
pooled(GPtrArray *pool, char *text)
{
  g_ptr_array_add(pool, text);
  return text;
}

static void
story_table(GString *out, const Paint *p, const DmDiagReport *r, GPtrArray *pool)
{
  const DmDiagStory *st = &r->story;

  g_string_append(out, "  started by: ");
  if (st->launched < 0)
    g_string_append(out, "unknown (no log)\n");
  else if (st->launched && g_str_has_prefix(st->first_line, "qemu-dm-launcher"))
    g_string_append(out, "qemu-dm-launcher (the log's first line is its own)\n");
  else if (st->launched)
    g_string_append_printf(out, "qemu-dm-launcher, run by a wrapper (the log begins \"%s\")\n",
                           S_cut(pool, st->first_line, 80));
  else
    g_string_append_printf(out, "%snot the launcher%s (the log begins \"%s\")\n", c(p, YELLOW),
                           c(p, RESET), S_cut(pool, st->first_line, 80));
  g_string_append(out, "  scrub helper: ");
  if (r->helper_pids->len > 0) {
    g_string_append(out, "running (pid");
    for (guint i = 0; i < r->helper_pids->len; i++)
      g_string_append_printf(out, " %d", g_array_index(r->helper_pids, int, i));
    g_string_append_printf(out, "), started %s\n",
                           st->helper_started ? st->helper_started : "at an unknown time");
  } else if (st->stopped_at)
    g_string_append_printf(out, "stopped watching at %s: %s (\"%s\")\n", st->stopped_at,
                           strcmp(st->stopped_why, "window-ended") == 0 ? "the window ended"
                           : strcmp(st->stopped_why, "domain-released") == 0
                             ? "the domain was released"
                             : "an error",
                           S(st->stopped_line));
  else if (st->no_helper_why)
    g_string_append_printf(out, "none: %s\n", S(st->no_helper_why));
  else if (st->helper_logged_pid)
    g_string_append_printf(out, "not running (pid %d was started at %s)\n", st->helper_logged_pid,
                           st->helper_started);
  else
    g_string_append(out, "not running\n");
  for (guint i = 0; i < st->removals->len; i++) {
    const DmDiagRemoval *x = g_ptr_array_index(st->removals, i);
    g_string_append_printf(out, "  removed %s at %s by the %s: %s\n", S(x->path), x->time, S(x->by),
                           S(x->reason));
  }
}

/* The device table: one row per device, '*' on guest-written values. */
static void
devices_table(GString *out, const Paint *p, const DmDiagReport *r, GPtrArray *pool)
{
  static const char *const heads[N_COLS] = {
    "CLASS", "DEVID", "FRONTEND", "FE STATE", "BACKEND", "BE STATE", "BE DOM", "SCRUB", "STUCK",
  };
  guint width[N_COLS];
  guint rows = r->devices->len;
  g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func(g_free);
  gboolean guest_marks = FALSE;

  g_string_append_printf(out, "%sdevices%s\n", c(p, BOLD), c(p, RESET));
  if (rows == 0)
    g_string_append(out, "  none in xenstore\n");
  for (guint i = 0; i < N_COLS; i++)
    width[i] = (guint)strlen(heads[i]);
  for (guint i = 0; i < rows; i++) {
    const DmDiagDevice *d = g_ptr_array_index(r->devices, i);
    /* '*': the value comes from a node the guest can write. */
    char *row[N_COLS] = {
      dm_diag_printable_cut(d->cls, 24),
      dm_diag_printable_cut(d->devid, 24),
      d->fe_path ? dm_diag_printable_cut(d->fe_path, 100) : g_strdup("-"),
      d->fe_path ? g_strdup_printf("%s%s", pooled(pool, state_cell(d->fe_state)),
                                   d->fe_state_from_guest ? "*" : "")
                 : g_strdup("-"),
      g_strdup_printf("%s%s%s", d->be_path ? S_cut(pool, d->be_path, 100) : "-",
                      d->be_link_from_guest ? "*" : "",
                      d->stuck & DM_STUCK_INVALID_BACKEND_LINK ? " (invalid)"
                      : d->be_path && !d->be_exists            ? " (missing)"
                                                               : ""),
      d->be_exists ? state_cell(d->be_state) : g_strdup("-"),
      d->be_domid >= 0 ? g_strdup_printf("%d", d->be_domid) : g_strdup("-"),
      g_strdup(d->scrub       ? "remove"
               : d->be_exists ? "keep"
                              : "-"),
      d->stuck ? stuck_cell(d->stuck) : g_strdup(""),
    };
    guest_marks = guest_marks || d->fe_state_from_guest || d->be_link_from_guest;
    for (guint j = 0; j < N_COLS; j++) {
      width[j] = MAX(width[j], (guint)g_utf8_strlen(row[j], -1));
      g_ptr_array_add(cells, row[j]);
    }
  }
  if (rows > 0) {
    g_string_append(out, "  ");
    for (guint j = 0; j < N_COLS; j++)
      cell(out, p, NULL, heads[j], j + 1 < N_COLS ? width[j] + 2 : 0);
    trim_line(out);
  }
  for (guint i = 0; i < rows; i++) {
    const DmDiagDevice *d = g_ptr_array_index(r->devices, i);
    const char *codes[N_COLS] = {
      d->stuck ? RED : NULL,
      NULL,
      NULL,
      state_colour(d->fe_state),
      NULL,
      d->be_exists ? state_colour(d->be_state) : NULL,
      NULL,
      d->scrub ? YELLOW : NULL,
      RED,
    };
    g_string_append(out, "  ");
    for (guint j = 0; j < N_COLS; j++) {
      const char *text = g_ptr_array_index(cells, i * N_COLS + j);
      cell(out, p, codes[j], text, j + 1 < N_COLS ? width[j] + 2 : 0);
    }
    trim_line(out);
  }
  if (guest_marks)
    g_string_append(out, "  * written by the guest: data to report, not to trust\n");
}

static void
partial_section(GString *out, const Paint *p, const DmDiagReport *r, GPtrArray *pool)
{
  if (r->partial == NULL)
    return;
  g_string_append_printf(out, "%sPARTIAL%s: %s\n", c(p, RED), c(p, RESET), S(r->partial));
  for (guint i = 0; i < r->xenstoreds->len; i++)
    g_string_append_printf(out, "  xenstored %s\n", S(r->xenstoreds->pdata[i]));
}

static void
domain_section(GString *out, const Paint *p, const DmDiagReport *r, GPtrArray *pool)
{
  if (r->domid == 0) /* not resolved before xenstored stopped answering */
    g_string_append_printf(out, "%sdomain ?%s", c(p, BOLD), c(p, RESET));
  else
    g_string_append_printf(out, "%sdomain %u%s", c(p, BOLD), r->domid, c(p, RESET));
  if (r->name)
    g_string_append_printf(out, " (%s)", S(r->name));
  g_string_append_printf(out, ": %s guest",
                         dm_guest_name(r->guest) ? dm_guest_name(r->guest) : "unknown");
  if (r->guest_source)
    g_string_append_printf(out, " (from %s)", S(r->guest_source));
  g_string_append_printf(out, "\n  state: %s (from %s)\n", S(r->domain_state), S(r->domain_source));
  if (r->domain_note)
    g_string_append_printf(out, "  %snote:%s %s\n", c(p, YELLOW), c(p, RESET), S(r->domain_note));
}

static void
device_model_section(GString *out, const Paint *p, const DmDiagReport *r, GPtrArray *pool)
{
  g_autofree char *dm_node = r->domid ? g_strdup_printf("%u", r->domid) : g_strdup("?");

  g_string_append_printf(out, "%sdevice model%s\n", c(p, BOLD), c(p, RESET));
  g_string_append_printf(out, "  state (device-model/%s/state): %s\n", dm_node,
                         r->dm_state ? S(r->dm_state) : "missing");
  if (r->dm_pid)
    g_string_append_printf(out, "  pid %d: %s%s%s\n", r->dm_pid,
                           c(p, r->dm_alive && r->dm_is_qemu ? GREEN
                                : r->dm_alive                ? YELLOW
                                                             : RED),
                           S(r->dm_note), c(p, RESET));
  else
    g_string_append_printf(out, "  %s\n", S(r->dm_note));
  g_string_append_printf(out, "  log %s: ", r->log_path ? S(r->log_path) : "(none)");
  if (r->log_errors->len == 0)
    g_string_append_printf(out, "%s\n", r->log_note ? S(r->log_note) : "no error lines");
  else {
    g_string_append(out, "last error lines:\n");
    for (guint i = 0; i < r->log_errors->len; i++)
      g_string_append_printf(out, "    %s\n", S(g_ptr_array_index(r->log_errors, i)));
  }
}

static void
scrub_section(GString *out, const Paint *p, const DmDiagReport *r, GPtrArray *pool)
{
  g_string_append_printf(out, "%sscrub%s\n", c(p, BOLD), c(p, RESET));
  story_table(out, p, r, pool);
}

/* Findings, each with its advice. */
static void
findings_section(GString *out, const Paint *p, const DmDiagReport *r, GPtrArray *pool)
{
  if (r->findings->len == 0)
    return;
  g_string_append_printf(out, "%sfindings%s\n", c(p, BOLD), c(p, RESET));
  for (guint i = 0; i < r->findings->len; i++) {
    const char *f = g_ptr_array_index(r->findings, i);
    g_string_append_printf(out, "  - %s\n", S(f));
    for (guint k = 0; k < r->advice->len; k++) {
      const DmDiagAdvice *a = g_ptr_array_index(r->advice, k);
      if (strcmp(a->finding, f) != 0)
        continue;
      g_string_append_printf(out, "    %sadvice:%s %s\n", c(p, BOLD), c(p, RESET), S(a->text));
      for (guint j = 0; j < a->commands->len; j++)
        g_string_append_printf(out, "      $ %s\n", S(a->commands->pdata[j]));
    }
  }
}

static void
verdict_section(GString *out, const Paint *p, const DmDiagReport *r, GPtrArray *pool)
{
  if (r->partial)
    g_string_append_printf(out,
                           "%sPARTIAL%s: the domain could not be read whole; the "
                           "above is what xenstored answered before it stopped\n",
                           c(p, RED), c(p, RESET));
  else if (r->stuck)
    g_string_append_printf(out,
                           "%sSTUCK%s: domain %u is waiting on something (see "
                           "findings)\n",
                           c(p, RED), c(p, RESET), r->domid);
  else
    g_string_append_printf(out, "%sOK%s: nothing stuck in domain %u\n", c(p, GREEN), c(p, RESET),
                           r->domid);
}

char *
dm_diagnose_format_table(const DmDiagReport *r, gboolean colour)
{
  static void (*const sections[])(GString *, const Paint *, const DmDiagReport *, GPtrArray *) = {
    partial_section, domain_section,   device_model_section, scrub_section,
    devices_table,   findings_section, verdict_section,
  };
  Paint paint = { colour };
  GString *out = g_string_new(NULL);
  /* The printable copies S() makes, freed at the end. */
  g_autoptr(GPtrArray) pool = g_ptr_array_new_with_free_func(g_free);

  for (gsize i = 0; i < G_N_ELEMENTS(sections); i++)
    sections[i](out, &paint, r, pool);
  return g_string_free(out, FALSE);
}

/* ---- JSON ------------------------------------------------------------- */

static void
member_state(DmJson *b, const char *name, int state)
{
  dm_json_member_int(b, name, state, state >= 0);
  g_autofree char *key = g_strconcat(name, "_name", NULL);
  dm_json_member_string(b, key, dm_diag_state_name(state));
}

static void
device_json(DmJson *b, const DmDiagDevice *d)
{
  dm_json_begin_object(b);
  dm_json_member_string(b, "class", d->cls);
  dm_json_member_string(b, "devid", d->devid);
  dm_json_member(b, "frontend");
  if (d->fe_path) {
    dm_json_begin_object(b);
    dm_json_member_string(b, "path", d->fe_path);
    member_state(b, "state", d->fe_state);
    dm_json_member_bool(b, "guest_writable", d->fe_state_from_guest);
    dm_json_end_object(b);
  } else
    dm_json_null(b);
  dm_json_member(b, "backend");
  if (d->be_path) {
    dm_json_begin_object(b);
    dm_json_member_string(b, "path", d->be_path);
    dm_json_member_bool(b, "path_from_guest", d->be_link_from_guest);
    dm_json_member_bool(b, "path_valid", !(d->stuck & DM_STUCK_INVALID_BACKEND_LINK));
    dm_json_member_bool(b, "exists", d->be_exists);
    member_state(b, "state", d->be_state);
    dm_json_end_object(b);
  } else
    dm_json_null(b);
  dm_json_member_int(b, "backend_domid", d->be_domid, d->be_domid >= 0);
  dm_json_member_bool(b, "stuck", d->stuck != 0);
  dm_json_member(b, "problems");
  dm_json_begin_array(b);
  for (guint bit = 1; bit <= DM_STUCK_LAST; bit <<= 1)
    if (d->stuck & bit)
      dm_json_string(b, dm_stuck_flag_name(bit));
  dm_json_end_array(b);
  dm_json_member_string(b, "problem", d->problem);
  dm_json_member_string(b, "note", d->note);
  dm_json_member(b, "scrub");
  dm_json_begin_object(b);
  dm_json_member_bool(b, "would_remove", d->scrub);
  dm_json_member_string(b, "why", d->scrub_why);
  dm_json_end_object(b);
  dm_json_end_object(b);
}

/* `name`: an array of the strings in `strings`. */
static void
member_strings(DmJson *b, const char *name, const GPtrArray *strings)
{
  dm_json_member(b, name);
  dm_json_begin_array(b);
  for (guint i = 0; i < strings->len; i++)
    dm_json_string(b, g_ptr_array_index(strings, i));
  dm_json_end_array(b);
}

/* `name`: an array with one object per item of `items`, whose members
 * `fields` writes. */
static void
member_objects(DmJson *b, const char *name, const GPtrArray *items,
               void (*fields)(DmJson *, gconstpointer))
{
  dm_json_member(b, name);
  dm_json_begin_array(b);
  for (guint i = 0; i < items->len; i++) {
    dm_json_begin_object(b);
    fields(b, g_ptr_array_index(items, i));
    dm_json_end_object(b);
  }
  dm_json_end_array(b);
}

/* A string member of a struct: its JSON key and where it is. */
typedef struct {
  const char *key;
  gsize offset;
} StringField;

static void
string_fields(DmJson *b, gconstpointer item, const StringField *fields, gsize n)
{
  for (gsize i = 0; i < n; i++)
    dm_json_member_string(b, fields[i].key, G_STRUCT_MEMBER(const char *, item, fields[i].offset));
}

static void
removal_fields(DmJson *b, gconstpointer item)
{
  static const StringField fields[] = {
    { "time", G_STRUCT_OFFSET(DmDiagRemoval, time) },
    { "path", G_STRUCT_OFFSET(DmDiagRemoval, path) },
    { "by", G_STRUCT_OFFSET(DmDiagRemoval, by) },
    { "reason", G_STRUCT_OFFSET(DmDiagRemoval, reason) },
  };
  string_fields(b, item, fields, G_N_ELEMENTS(fields));
}

static void
advice_fields(DmJson *b, gconstpointer item)
{
  static const StringField fields[] = {
    { "finding", G_STRUCT_OFFSET(DmDiagAdvice, finding) },
    { "advice", G_STRUCT_OFFSET(DmDiagAdvice, text) },
  };
  string_fields(b, item, fields, G_N_ELEMENTS(fields));
  member_strings(b, "commands", ((const DmDiagAdvice *)item)->commands);
}

/* The domain, its device model and its scrub helper. */
static void
state_json(DmJson *b, const DmDiagReport *r)
{
  static const StringField domain[] = {
    { "state", G_STRUCT_OFFSET(DmDiagReport, domain_state) },
    { "source", G_STRUCT_OFFSET(DmDiagReport, domain_source) },
    { "note", G_STRUCT_OFFSET(DmDiagReport, domain_note) },
  };

  dm_json_member(b, "domain");
  dm_json_begin_object(b);
  string_fields(b, r, domain, G_N_ELEMENTS(domain));
  dm_json_end_object(b);

  dm_json_member(b, "device_model");
  dm_json_begin_object(b);
  dm_json_member_string(b, "state", r->dm_state);
  dm_json_member_int(b, "pid", r->dm_pid, r->dm_pid > 0);
  dm_json_member_bool(b, "alive", r->dm_alive);
  dm_json_member_bool(b, "is_configured_qemu", r->dm_is_qemu);
  dm_json_member_string(b, "exe", r->dm_exe);
  dm_json_member_int(b, "stubdom_domid", r->dm_stubdom, r->dm_stubdom >= 0);
  dm_json_member_string(b, "note", r->dm_note);
  dm_json_end_object(b);

  dm_json_member(b, "scrub_helper");
  dm_json_begin_object(b);
  dm_json_member_bool(b, "running", r->helper_pids->len > 0);
  dm_json_member(b, "pids");
  dm_json_begin_array(b);
  for (guint i = 0; i < r->helper_pids->len; i++)
    dm_json_int(b, g_array_index(r->helper_pids, int, i));
  dm_json_end_array(b);
  dm_json_end_object(b);
}

/* The scrub's story and the device model's log. */
static void
story_json(DmJson *b, const DmDiagReport *r)
{
  const DmDiagStory *st = &r->story;

  dm_json_member(b, "scrub_story");
  dm_json_begin_object(b);
  dm_json_member(b, "started_by_launcher");
  if (st->launched < 0)
    dm_json_null(b);
  else
    dm_json_bool(b, st->launched);
  dm_json_member_string(b, "log_first_line", st->first_line);
  dm_json_member_int(b, "helper_logged_pid", st->helper_logged_pid, st->helper_logged_pid > 0);
  dm_json_member_string(b, "helper_started", st->helper_started);
  dm_json_member_string(b, "no_helper_why", st->no_helper_why);
  dm_json_member_string(b, "helper_stopped_at", st->stopped_at);
  dm_json_member_string(b, "helper_stopped_why", st->stopped_why);
  dm_json_member_string(b, "helper_stopped_line", st->stopped_line);
  member_objects(b, "removed", st->removals, removal_fields);
  member_strings(b, "not_helpers", st->impostors);
  dm_json_end_object(b);

  dm_json_member(b, "log");
  dm_json_begin_object(b);
  dm_json_member_string(b, "path", r->log_path);
  member_strings(b, "error_lines", r->log_errors);
  dm_json_member_string(b, "note", r->log_note);
  dm_json_end_object(b);
}

char *
dm_diagnose_format_json(const DmDiagReport *r)
{
  g_autoptr(DmJson) b = dm_json_new(TRUE);

  dm_json_begin_object(b);
  dm_json_member_int(b, "domid", r->domid, r->domid != 0); /* 0: not resolved */
  dm_json_member_string(b, "name", r->name);
  dm_json_member_string(b, "guest", dm_guest_name(r->guest));
  dm_json_member_string(b, "guest_source", r->guest_source);
  state_json(b, r);
  story_json(b, r);
  dm_json_member(b, "devices");
  dm_json_begin_array(b);
  for (guint i = 0; i < r->devices->len; i++)
    device_json(b, g_ptr_array_index(r->devices, i));
  dm_json_end_array(b);
  member_strings(b, "findings", r->findings);
  member_objects(b, "advice", r->advice, advice_fields);
  dm_json_member_string(b, "partial", r->partial);
  member_strings(b, "xenstored", r->xenstoreds);
  dm_json_member_bool(b, "stuck", r->stuck);
  dm_json_end_object(b);

  g_autofree char *text = dm_json_finish(b);
  return g_strconcat(text, "\n", NULL);
}

/* ---- diagnose --all -------------------------------------------------- */

/* A line's words, from the domain's report. */
static const char *
guest_word(const DmDiagReport *r)
{
  return dm_guest_name(r->guest) ? dm_guest_name(r->guest) : "unknown";
}

static guint
stuck_devices(const DmDiagReport *r)
{
  guint n = 0;
  for (guint i = 0; i < r->devices->len; i++)
    n += ((DmDiagDevice *)r->devices->pdata[i])->stuck != 0;
  return n;
}

/* running, stopped, none, not-launcher, unknown */
static const char *
helper_word(const DmDiagReport *r)
{
  if (r->helper_pids->len)
    return "running";
  if (r->story.stopped_at)
    return "stopped";
  if (r->story.launched == 0)
    return "not-launcher";
  return r->story.launched < 0 ? "unknown" : "none";
}

/* NULL: nothing to say. */
static char *
worst_of(const DmDiagReport *r)
{
  return r->partial ? g_strdup_printf("partial: %s", r->partial) : g_strdup(r->worst);
}

char *
dm_diagnose_format_all_json(const GPtrArray *reports)
{
  g_autoptr(DmJson) b = dm_json_new(TRUE);
  dm_json_begin_array(b);
  for (guint i = 0; i < reports->len; i++) {
    const DmDiagReport *r = reports->pdata[i];
    g_autofree char *worst = worst_of(r);
    dm_json_begin_object(b);
    dm_json_member_int(b, "domid", r->domid, TRUE);
    dm_json_member_string(b, "name", r->name);
    dm_json_member_string(b, "guest", guest_word(r));
    dm_json_member_string(b, "state", r->domain_state);
    dm_json_member_int(b, "devices", r->devices->len, TRUE);
    dm_json_member_int(b, "stuck_devices", stuck_devices(r), TRUE);
    dm_json_member_string(b, "scrub_helper", helper_word(r));
    dm_json_member_bool(b, "stuck", r->stuck);
    dm_json_member_bool(b, "partial", r->partial != NULL);
    dm_json_member_int(b, "findings", r->findings->len, TRUE);
    dm_json_member_string(b, "worst", worst);
    dm_json_end_object(b);
  }
  dm_json_end_array(b);
  g_autofree char *text = dm_json_finish(b);
  return g_strconcat(text, "\n", NULL);
}

char *
dm_diagnose_format_all_table(const GPtrArray *reports)
{
  GString *out = g_string_new(NULL);
  guint wname = 4;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);

  for (guint i = 0; i < reports->len; i++) {
    const DmDiagReport *r = reports->pdata[i];
    char *n = dm_diag_printable_cut(r->name ? r->name : "-", 32);
    wname = MAX(wname, (guint)g_utf8_strlen(n, -1));
    g_ptr_array_add(names, n);
  }
  g_string_append_printf(out, "%-5s  %-*s  %-7s  %-20s  %-7s  %-12s  %-6s  %s\n", "DOMID",
                         (int)wname, "NAME", "TYPE", "STATE", "DEVICES", "SCRUB HELPER", "HEALTH",
                         "WORST FINDING");
  for (guint i = 0; i < reports->len; i++) {
    const DmDiagReport *r = reports->pdata[i];
    g_autofree char *worst_text = worst_of(r);
    g_autofree char *state = dm_diag_printable_cut(r->domain_state, 20);
    g_autofree char *worst = worst_text ? dm_diag_printable_cut(worst_text, 160) : g_strdup("-");
    g_autofree char *devs = g_strdup_printf("%u/%u", stuck_devices(r), r->devices->len);
    const char *name = names->pdata[i];
    g_string_append_printf(out, "%-5u  %s%*s  %-7s  %-20s  %-7s  %-12s  %-6s  %s\n", r->domid, name,
                           (int)(wname - g_utf8_strlen(name, -1)), "", guest_word(r), state, devs,
                           helper_word(r),
                           r->partial ? "?"
                           : r->stuck ? "STUCK"
                                      : "ok",
                           worst);
  }
  g_string_append(out, "DEVICES: stuck/all.  Run `qemu-dm-launcher diagnose DOMID` for one "
                       "domain's report and advice.\n");
  return g_string_free(out, FALSE);
}
