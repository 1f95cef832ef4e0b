#include "diagnose_output.h"

#include "json.h"
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
  for (guint bit = 1; bit <= DM_STUCK_NO_FRONTEND; bit <<= 1)
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

enum { COL_CLASS, COL_DEVID, COL_FE, COL_FES, COL_BE, COL_BES, COL_BEDOM, COL_SCRUB,
       COL_STUCK, N_COLS };

char *
dm_diagnose_format_table(const DmDiagReport *r, gboolean colour)
{
  Paint paint = { colour };
  const Paint *p = &paint;
  GString *out = g_string_new(NULL);
  static const char *const heads[N_COLS] = {
    "CLASS", "DEVID", "FRONTEND", "FE STATE", "BACKEND", "BE STATE", "BE DOM",
    "SCRUB", "STUCK",
  };
  guint width[N_COLS];
  guint rows = r->devices->len;
  g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func(g_free);

  /* Domain. */
  g_string_append_printf(out, "%sdomain %u%s", c(p, BOLD), r->domid, c(p, RESET));
  if (r->name)
    g_string_append_printf(out, " (%s)", r->name);
  g_string_append_printf(out, ": %s guest", dm_guest_name(r->guest) ? dm_guest_name(r->guest)
                                                                    : "unknown");
  if (r->guest_source)
    g_string_append_printf(out, " (from %s)", r->guest_source);
  g_string_append_printf(out, "\n  state: %s (from %s)\n", r->domain_state, r->domain_source);
  if (r->domain_note)
    g_string_append_printf(out, "  %snote:%s %s\n", c(p, YELLOW), c(p, RESET), r->domain_note);

  /* Device model. */
  g_string_append_printf(out, "%sdevice model%s\n", c(p, BOLD), c(p, RESET));
  g_string_append_printf(out, "  state (device-model/%u/state): %s\n", r->domid,
                         r->dm_state ? r->dm_state : "missing");
  if (r->dm_pid)
    g_string_append_printf(out, "  pid %d: %s%s%s\n", r->dm_pid,
                           c(p, r->dm_alive && r->dm_is_qemu ? GREEN
                                : r->dm_alive ? YELLOW : RED),
                           r->dm_note, c(p, RESET));
  else
    g_string_append_printf(out, "  %s\n", r->dm_note);
  g_string_append(out, "  scrub helper: ");
  if (r->helper_pids->len == 0)
    g_string_append(out, "not running\n");
  else {
    g_string_append(out, "running (pid");
    for (guint i = 0; i < r->helper_pids->len; i++)
      g_string_append_printf(out, " %d", g_array_index(r->helper_pids, int, i));
    g_string_append(out, ")\n");
  }
  g_string_append_printf(out, "  log %s: ", r->log_path ? r->log_path : "(none)");
  if (r->log_errors->len == 0)
    g_string_append_printf(out, "%s\n", r->log_note ? r->log_note : "no error lines");
  else {
    g_string_append(out, "last error lines:\n");
    for (guint i = 0; i < r->log_errors->len; i++)
      g_string_append_printf(out, "    %s\n", (char *)g_ptr_array_index(r->log_errors, i));
  }

  /* Devices. */
  g_string_append_printf(out, "%sdevices%s\n", c(p, BOLD), c(p, RESET));
  if (rows == 0)
    g_string_append(out, "  none in xenstore\n");
  for (guint i = 0; i < N_COLS; i++)
    width[i] = (guint)strlen(heads[i]);
  for (guint i = 0; i < rows; i++) {
    const DmDiagDevice *d = g_ptr_array_index(r->devices, i);
    char *row[N_COLS] = {
      g_strdup(d->cls),
      g_strdup(d->devid),
      g_strdup(d->fe_path ? d->fe_path : "-"),
      d->fe_path ? state_cell(d->fe_state) : g_strdup("-"),
      g_strdup_printf("%s%s", d->be_path ? d->be_path : "-",
                      d->be_path && !d->be_exists ? " (missing)" : ""),
      d->be_exists ? state_cell(d->be_state) : g_strdup("-"),
      d->be_domid >= 0 ? g_strdup_printf("%d", d->be_domid) : g_strdup("-"),
      g_strdup(d->scrub ? "remove" : d->be_exists ? "keep" : "-"),
      d->stuck ? stuck_cell(d->stuck) : g_strdup(""),
    };
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
      d->stuck ? RED : NULL, NULL, NULL, state_colour(d->fe_state), NULL,
      d->be_exists ? state_colour(d->be_state) : NULL, NULL, d->scrub ? YELLOW : NULL,
      RED,
    };
    g_string_append(out, "  ");
    for (guint j = 0; j < N_COLS; j++) {
      const char *text = g_ptr_array_index(cells, i * N_COLS + j);
      cell(out, p, codes[j], text, j + 1 < N_COLS ? width[j] + 2 : 0);
    }
    trim_line(out);
  }

  /* Findings and verdict. */
  if (r->findings->len > 0) {
    g_string_append_printf(out, "%sfindings%s\n", c(p, BOLD), c(p, RESET));
    for (guint i = 0; i < r->findings->len; i++)
      g_string_append_printf(out, "  - %s\n", (char *)g_ptr_array_index(r->findings, i));
  }
  if (r->stuck)
    g_string_append_printf(out, "%sSTUCK%s: domain %u is waiting on something (see "
                           "findings)\n", c(p, RED), c(p, RESET), r->domid);
  else
    g_string_append_printf(out, "%sOK%s: nothing stuck in domain %u\n", c(p, GREEN),
                           c(p, RESET), r->domid);
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
    dm_json_end_object(b);
  } else
    dm_json_null(b);
  dm_json_member(b, "backend");
  if (d->be_path) {
    dm_json_begin_object(b);
    dm_json_member_string(b, "path", d->be_path);
    dm_json_member_bool(b, "exists", d->be_exists);
    member_state(b, "state", d->be_state);
    dm_json_end_object(b);
  } else
    dm_json_null(b);
  dm_json_member_int(b, "backend_domid", d->be_domid, d->be_domid >= 0);
  dm_json_member_bool(b, "stuck", d->stuck != 0);
  dm_json_member(b, "problems");
  dm_json_begin_array(b);
  for (guint bit = 1; bit <= DM_STUCK_NO_FRONTEND; bit <<= 1)
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

char *
dm_diagnose_format_json(const DmDiagReport *r)
{
  g_autoptr(DmJson) b = dm_json_new(TRUE);

  dm_json_begin_object(b);
  dm_json_member_int(b, "domid", r->domid, TRUE);
  dm_json_member_string(b, "name", r->name);
  dm_json_member_string(b, "guest", dm_guest_name(r->guest));
  dm_json_member_string(b, "guest_source", r->guest_source);

  dm_json_member(b, "domain");
  dm_json_begin_object(b);
  dm_json_member_string(b, "state", r->domain_state);
  dm_json_member_string(b, "source", r->domain_source);
  dm_json_member_string(b, "note", r->domain_note);
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

  dm_json_member(b, "log");
  dm_json_begin_object(b);
  dm_json_member_string(b, "path", r->log_path);
  dm_json_member(b, "error_lines");
  dm_json_begin_array(b);
  for (guint i = 0; i < r->log_errors->len; i++)
    dm_json_string(b, g_ptr_array_index(r->log_errors, i));
  dm_json_end_array(b);
  dm_json_member_string(b, "note", r->log_note);
  dm_json_end_object(b);

  dm_json_member(b, "devices");
  dm_json_begin_array(b);
  for (guint i = 0; i < r->devices->len; i++)
    device_json(b, g_ptr_array_index(r->devices, i));
  dm_json_end_array(b);

  dm_json_member(b, "findings");
  dm_json_begin_array(b);
  for (guint i = 0; i < r->findings->len; i++)
    dm_json_string(b, g_ptr_array_index(r->findings, i));
  dm_json_end_array(b);
  dm_json_member_bool(b, "stuck", r->stuck);
  dm_json_end_object(b);

  g_autofree char *text = dm_json_finish(b);
  return g_strconcat(text, "\n", NULL);
}
