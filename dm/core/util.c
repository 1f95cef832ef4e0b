#include "util.h"

#include <string.h>

G_DEFINE_QUARK(qemu - dm - launcher - error - quark, dm_error)

char *
dm_quote_for_message(const char *text)
{
  /* Untrusted values may be huge or hold control bytes; keep messages one
   * readable line. */
  const gsize limit = 64;
  gsize len = strlen(text);
  g_autofree char *head = g_strndup(text, MIN(len, limit));
  g_autofree char *escaped = g_strescape(head, NULL);
  return g_strdup_printf("'%s'%s", escaped, len > limit ? "..." : "");
}

gboolean
dm_parse_uint(const char *text, guint64 max, guint64 *out)
{
  guint64 value = 0;

  if (text == NULL || *text == '\0' || strlen(text) > 20)
    return FALSE;
  for (const char *p = text; *p; p++) {
    if (!g_ascii_isdigit(*p))
      return FALSE;
    value = value * 10 + (guint64)(*p - '0');
    if (value > max)
      return FALSE;
  }
  *out = value;
  return TRUE;
}

gboolean
dm_parse_domid(const char *text, guint *domid, GError **error)
{
  guint64 value = 0;

  /* A leading zero is refused: "010" reads as octal to some tools and as
   * ten to others, and a toolstack never writes one. */
  if (text == NULL || text[0] == '0' || !dm_parse_uint(text, DM_DOMID_MAX, &value) || value == 0) {
    g_autofree char *shown = dm_quote_for_message(text ? text : "");
    g_set_error(error, DM_ERROR, DM_ERROR_INVALID, "domid %s is not a number between 1 and %u",
                shown, DM_DOMID_MAX);
    return FALSE;
  }
  *domid = (guint)value;
  return TRUE;
}

gboolean
dm_check_name(const char *name, GError **error)
{
  gsize len = strlen(name);

  if (len == 0 || len > DM_NAME_MAX) {
    g_set_error(error, DM_ERROR, DM_ERROR_INVALID,
                "domain name must be 1 to %d bytes long, not %zu", DM_NAME_MAX, len);
    return FALSE;
  }
  if (!g_utf8_validate(name, (gssize)len, NULL)) {
    g_autofree char *shown = dm_quote_for_message(name);
    g_set_error(error, DM_ERROR, DM_ERROR_INVALID, "domain name %s is not valid UTF-8", shown);
    return FALSE;
  }
  for (const char *p = name; *p; p++) {
    if ((unsigned char)*p < 0x20 || *p == 0x7f) {
      g_autofree char *shown = dm_quote_for_message(name);
      g_set_error(error, DM_ERROR, DM_ERROR_INVALID, "domain name %s contains a control character",
                  shown);
      return FALSE;
    }
  }
  return TRUE;
}

/* The C escapes a person reads at once; other controls become \xNN. */
static const char *const control_escapes[0x80] = {
  ['\\'] = "\\\\",
  ['\n'] = "\\n",
  ['\r'] = "\\r",
  ['\t'] = "\\t",
};

static char *
escape_controls(const char *value, gboolean backslash)
{
  GString *out = g_string_sized_new(strlen(value) + 8);

  for (const char *p = value; *p; p++) {
    unsigned char c = (unsigned char)*p;
    if (c < 0x80 && control_escapes[c] && (c != '\\' || backslash))
      g_string_append(out, control_escapes[c]);
    else if (c < 0x20 || c == 0x7f)
      g_string_append_printf(out, "\\x%02x", c);
    else
      g_string_append_c(out, (char)c);
  }
  return g_string_free(out, FALSE);
}

char *
dm_escape_control(const char *value)
{
  return escape_controls(value, TRUE);
}

char *
dm_escape_control_chars(const char *value)
{
  return escape_controls(value, FALSE);
}
