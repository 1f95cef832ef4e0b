#include "json.h"

#define DM_JSON_MAX_DEPTH 32

struct DmJson {
  GString *out;
  gboolean pretty;
  guint depth;
  /* Per open container: has it had an item yet? */
  gboolean has_items[DM_JSON_MAX_DEPTH];
  gboolean after_member;
};

DmJson *
dm_json_new(gboolean pretty)
{
  DmJson *json = g_new0(DmJson, 1);
  json->out = g_string_new(NULL);
  json->pretty = pretty;
  return json;
}

void
dm_json_free(DmJson *json)
{
  if (json == NULL)
    return;
  if (json->out)
    g_string_free(json->out, TRUE);
  g_free(json);
}

static void
newline(DmJson *json)
{
  if (!json->pretty)
    return;
  g_string_append_c(json->out, '\n');
  for (guint i = 0; i < json->depth; i++)
    g_string_append(json->out, "  ");
}

/* Before any value or member name: the separator its position needs. */
static void
before_item(DmJson *json)
{
  if (json->after_member) {
    json->after_member = FALSE;
    return;
  }
  if (json->depth == 0)
    return;
  if (json->has_items[json->depth - 1])
    g_string_append_c(json->out, ',');
  json->has_items[json->depth - 1] = TRUE;
  newline(json);
}

/* JSON's short escapes (RFC 8259, section 7). */
static const char *const short_escapes[0x80] = {
  ['"'] = "\\\"", ['\\'] = "\\\\", ['\b'] = "\\b", ['\f'] = "\\f",
  ['\n'] = "\\n", ['\r'] = "\\r",  ['\t'] = "\\t",
};

static void
append_escaped(GString *out, const char *value)
{
  g_autofree char *valid = NULL;

  if (!g_utf8_validate(value, -1, NULL))
    value = valid = g_utf8_make_valid(value, -1);
  g_string_append_c(out, '"');
  for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
    if (*p < 0x80 && short_escapes[*p]) {
      g_string_append(out, short_escapes[*p]);
    } else if (*p < 0x20 || *p == 0x7f) {
      g_string_append_printf(out, "\\u%04x", *p);
    } else if (*p >= 0xc2) {
      /* Escaped too, so that a JSON document shown raw cannot drive a
       * terminal: the C1 controls, the line and paragraph separators,
       * and the bidi controls (the value itself is kept). */
      gunichar ch = g_utf8_get_char((const char *)p);
      gsize len = (gsize)(g_utf8_next_char(p) - (const char *)p);
      if ((ch >= 0x80 && ch <= 0x9f) || ch == 0x061c || ch == 0x200e || ch == 0x200f ||
          (ch >= 0x2028 && ch <= 0x202e) || (ch >= 0x2066 && ch <= 0x2069))
        g_string_append_printf(out, "\\u%04x", ch);
      else
        g_string_append_len(out, (const char *)p, (gssize)len);
      p += len - 1;
    } else {
      g_string_append_c(out, (char)*p);
    }
  }
  g_string_append_c(out, '"');
}

static void
open_container(DmJson *json, char bracket)
{
  before_item(json);
  g_return_if_fail(json->depth < DM_JSON_MAX_DEPTH);
  g_string_append_c(json->out, bracket);
  json->has_items[json->depth++] = FALSE;
}

static void
close_container(DmJson *json, char bracket)
{
  g_return_if_fail(json->depth > 0);
  gboolean had_items = json->has_items[--json->depth];
  if (had_items)
    newline(json);
  g_string_append_c(json->out, bracket);
}

void
dm_json_begin_object(DmJson *json)
{
  open_container(json, '{');
}

void
dm_json_end_object(DmJson *json)
{
  close_container(json, '}');
}

void
dm_json_begin_array(DmJson *json)
{
  open_container(json, '[');
}

void
dm_json_end_array(DmJson *json)
{
  close_container(json, ']');
}

void
dm_json_member(DmJson *json, const char *name)
{
  before_item(json);
  append_escaped(json->out, name);
  g_string_append(json->out, json->pretty ? " : " : ":");
  json->after_member = TRUE;
}

void
dm_json_string(DmJson *json, const char *value)
{
  if (value == NULL) {
    dm_json_null(json);
    return;
  }
  before_item(json);
  append_escaped(json->out, value);
}

void
dm_json_int(DmJson *json, gint64 value)
{
  before_item(json);
  g_string_append_printf(json->out, "%" G_GINT64_FORMAT, value);
}

void
dm_json_bool(DmJson *json, gboolean value)
{
  before_item(json);
  g_string_append(json->out, value ? "true" : "false");
}

void
dm_json_null(DmJson *json)
{
  before_item(json);
  g_string_append(json->out, "null");
}

void
dm_json_member_string(DmJson *json, const char *name, const char *value)
{
  dm_json_member(json, name);
  dm_json_string(json, value);
}

void
dm_json_member_int(DmJson *json, const char *name, gint64 value, gboolean present)
{
  dm_json_member(json, name);
  if (present)
    dm_json_int(json, value);
  else
    dm_json_null(json);
}

void
dm_json_member_bool(DmJson *json, const char *name, gboolean value)
{
  dm_json_member(json, name);
  dm_json_bool(json, value);
}

char *
dm_json_finish(DmJson *json)
{
  g_return_val_if_fail(json->depth == 0, NULL);
  char *text = g_string_free(g_steal_pointer(&json->out), FALSE);
  return text;
}
