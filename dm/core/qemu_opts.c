#include "qemu_opts.h"

#include <string.h>

char *
dm_qemu_escape(const char *value)
{
  GString *out = g_string_sized_new(strlen(value) + 8);
  for (const char *p = value; *p; p++) {
    if (*p == ',')
      g_string_append_c(out, ',');
    g_string_append_c(out, *p);
  }
  return g_string_free(out, FALSE);
}

static const char *const secret_keys[] = { "password=", "data=", "passwd=", "key=" };

char *
dm_redact_arg(const char *arg)
{
  GString *out = g_string_sized_new(strlen(arg));
  const char *p = arg;
  gboolean element_start = TRUE;

  while (*p) {
    if (element_start) {
      for (gsize i = 0; i < G_N_ELEMENTS(secret_keys); i++) {
        gsize n = strlen(secret_keys[i]);
        if (strncmp(p, secret_keys[i], n) == 0) {
          g_string_append_len(out, p, (gssize)n);
          g_string_append(out, "***");
          p += n;
          /* Skip the value up to the next single comma. */
          while (*p && !(*p == ',' && p[1] != ',')) {
            if (*p == ',' && p[1] == ',')
              p++;
            p++;
          }
          break;
        }
      }
      element_start = FALSE;
      if (*p == '\0')
        break;
    }
    if (*p == ',' && p[1] == ',') {
      g_string_append(out, ",,");
      p += 2;
      continue;
    }
    if (*p == ',')
      element_start = TRUE;
    g_string_append_c(out, *p);
    p++;
  }
  return g_string_free(out, FALSE);
}

char *
dm_escape_control(const char *value)
{
  GString *out = g_string_sized_new(strlen(value) + 8);

  for (const char *p = value; *p; p++) {
    unsigned char c = (unsigned char)*p;
    switch (c) {
    case '\\': g_string_append(out, "\\\\"); break;
    case '\n': g_string_append(out, "\\n"); break;
    case '\r': g_string_append(out, "\\r"); break;
    case '\t': g_string_append(out, "\\t"); break;
    default:
      if (c < 0x20 || c == 0x7f)
        g_string_append_printf(out, "\\x%02x", c);
      else
        g_string_append_c(out, (char)c);
    }
  }
  return g_string_free(out, FALSE);
}
