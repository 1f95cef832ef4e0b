#include "config_read.h"
#include "build_config.h"
#include "util.h"

#include <errno.h>

DmConfig *
dm_config_load(const char *path, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
  gsize length = 0;
  const char *file = path ? path : DM_DEFAULT_CONFIG;
  DmConfig *config;

  if (!g_file_get_contents(file, &text, &length, &local)) {
    if (path == NULL && g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
      g_debug("no %s: using built-in defaults", file);
      return dm_config_new_default();
    }
    g_set_error(error, DM_ERROR, DM_ERROR_CONFIG, "cannot read config: %s", local->message);
    return NULL;
  }
  config = dm_config_parse(text, length, file, warnings, error);
  for (guint i = 0; i < warnings->len; i++)
    g_warning("%s", (const char *)g_ptr_array_index(warnings, i));
  return config;
}
