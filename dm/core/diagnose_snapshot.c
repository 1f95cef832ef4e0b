#include "diagnose_snapshot.h"
#include "util.h"

#include <string.h>

/* ---- xenbus states ---------------------------------------------------- */

int
dm_diag_state_parse(const char *value)
{
  guint64 n = 0;

  if (value == NULL)
    return DM_STATE_MISSING;
  if (!dm_parse_uint(value, 255, &n))
    return DM_STATE_INVALID;
  return (int)n;
}

const char *
dm_diag_state_name(int state)
{
  static const char *const names[] = {
    "Unknown", "Initialising", "InitWait",      "Initialised",  "Connected",
    "Closing", "Closed",       "Reconfiguring", "Reconfigured",
  };
  if (state == DM_STATE_MISSING)
    return "missing";
  if (state >= 0 && state < (int)G_N_ELEMENTS(names))
    return names[state];
  return "invalid";
}

/* ---- plain data ------------------------------------------------------- */

DmProcInfo *
dm_proc_info_new(int pid)
{
  DmProcInfo *info = g_new0(DmProcInfo, 1);
  info->pid = pid;
  info->uid = -1;
  return info;
}

void
dm_proc_info_free(DmProcInfo *info)
{
  if (info == NULL)
    return;
  g_free(info->exe);
  g_strfreev(info->argv);
  g_free(info->xenstored);
  g_free(info);
}

DmDiagSnapshot *
dm_diag_snapshot_new(guint domid)
{
  DmDiagSnapshot *snap = g_new0(DmDiagSnapshot, 1);
  snap->domid = domid;
  snap->nodes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  snap->launchers = g_ptr_array_new_with_free_func((GDestroyNotify)dm_proc_info_free);
  snap->xenstoreds = g_ptr_array_new_with_free_func((GDestroyNotify)dm_proc_info_free);
  snap->helper_uid = -1;
  return snap;
}

void
dm_diag_snapshot_free(DmDiagSnapshot *snap)
{
  if (snap == NULL)
    return;
  g_hash_table_unref(snap->nodes);
  dm_proc_info_free(snap->dm);
  g_ptr_array_unref(snap->launchers);
  g_strfreev(snap->qemu_paths);
  g_free(snap->launcher_exe);
  g_free(snap->log_path);
  g_free(snap->log_text);
  g_free(snap->log_why);
  g_free(snap->log_head);
  g_free(snap->xenstored);
  g_free(snap->partial);
  g_ptr_array_unref(snap->xenstoreds);
  g_free(snap->walk_note);
  g_free(snap->hv.why_not);
  g_free(snap);
}

static gboolean
unsafe_char(gunichar ch)
{
  return ch < 0x20 || (ch >= 0x7f && ch <= 0x9f) || ch == 0x061c || ch == 0x200e || ch == 0x200f ||
         (ch >= 0x202a && ch <= 0x202e) || (ch >= 0x2066 && ch <= 0x2069);
}

char *
dm_diag_printable_cut(const char *text, guint max)
{
  g_autofree char *valid = g_utf8_make_valid(text ? text : "", -1);
  GString *out = g_string_sized_new(strlen(valid));
  guint n = 0;

  for (const char *p = valid; *p; p = g_utf8_next_char(p)) {
    gunichar ch = g_utf8_get_char(p);
    if (max && n >= max) {
      g_string_append(out, "...");
      break;
    }
    if (unsafe_char(ch))
      g_string_append_c(out, '?');
    else
      g_string_append_unichar(out, ch);
    n++;
  }
  return g_string_free(out, FALSE);
}

char *
dm_diag_printable(const char *text)
{
  return dm_diag_printable_cut(text, 0);
}

gboolean
dm_diag_valid_path(const char *path)
{
  /* xenstored's is_valid_nodename(): '/'-separated, [A-Za-z0-9_@/-.],
   * no trailing or doubled '/', at most XENSTORE_ABS_PATH_MAX (3072). */
  gsize len = strlen(path);
  if (len == 0 || len > 3072 || path[0] != '/' || (len > 1 && path[len - 1] == '/') ||
      strstr(path, "//") != NULL)
    return FALSE;
  for (const char *p = path; *p; p++)
    if (!g_ascii_isalnum(*p) && strchr("/_@-.", *p) == NULL)
      return FALSE;
  return TRUE;
}

void
dm_diag_snapshot_set(DmDiagSnapshot *snap, const char *path, const char *value)
{
  /* Kept as read (made valid UTF-8): the table sanitises on output, JSON
   * escapes. */
  g_hash_table_replace(snap->nodes, g_strdup(path), g_utf8_make_valid(value ? value : "", -1));
}

const char *
dm_diag_node(const DmDiagSnapshot *snap, const char *path)
{
  return g_hash_table_lookup(snap->nodes, path);
}

const char *
dm_diag_nodef(const DmDiagSnapshot *snap, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *path = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  return dm_diag_node(snap, path);
}

/* What follows "dir/" in `key`; NULL if `key` is not below `dir`. */
static const char *
below(const char *key, const char *dir, gsize dir_len)
{
  return strncmp(key, dir, dir_len) == 0 && key[dir_len] == '/' ? key + dir_len + 1 : NULL;
}

gboolean
dm_diag_exists(const DmDiagSnapshot *snap, const char *path)
{
  GHashTableIter it;
  gpointer key;
  gsize len = strlen(path);

  if (g_hash_table_contains(snap->nodes, path))
    return TRUE;
  g_hash_table_iter_init(&it, snap->nodes);
  while (g_hash_table_iter_next(&it, &key, NULL))
    if (below(key, path, len) != NULL)
      return TRUE;
  return FALSE;
}

static gboolean
all_digits(const char *s)
{
  if (*s == '\0')
    return FALSE;
  for (; *s; s++)
    if (!g_ascii_isdigit(*s))
      return FALSE;
  return TRUE;
}

int
dm_diag_compare_names(const char *a, const char *b)
{
  if (all_digits(a) && all_digits(b)) {
    gsize la = strlen(a), lb = strlen(b);
    if (la != lb)
      return la < lb ? -1 : 1;
  }
  return strcmp(a, b);
}

static int
compare_name_ptrs(gconstpointer a, gconstpointer b)
{
  return dm_diag_compare_names(*(const char *const *)a, *(const char *const *)b);
}

GPtrArray *
dm_diag_snapshot_children(const DmDiagSnapshot *snap, const char *path)
{
  g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
  GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
  GHashTableIter it;
  gpointer key;
  gsize len = strlen(path);

  g_hash_table_iter_init(&it, snap->nodes);
  while (g_hash_table_iter_next(&it, &key, NULL)) {
    const char *start = below(key, path, len);
    if (start == NULL || *start == '\0')
      continue;
    const char *slash = strchr(start, '/');
    char *name = slash ? g_strndup(start, (gsize)(slash - start)) : g_strdup(start);
    if (g_hash_table_contains(seen, name)) {
      g_free(name);
      continue;
    }
    g_hash_table_add(seen, name);
    g_ptr_array_add(out, name);
  }
  g_ptr_array_sort(out, compare_name_ptrs);
  return out;
}

void
dm_diag_snapshot_copy_nodes(DmDiagSnapshot *to, const DmDiagSnapshot *from)
{
  GHashTableIter it;
  gpointer k, v;

  g_hash_table_iter_init(&it, from->nodes);
  while (g_hash_table_iter_next(&it, &k, &v))
    dm_diag_snapshot_set(to, k, v);
}
