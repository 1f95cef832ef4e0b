/* Reads the config file from disk (the side-effect half of config.c). */
#pragma once
#include "config.h"

/* `path` NULL means the built-in default path, which may be missing (then
 * built-in defaults apply).  A path given with --config must exist. */
DmConfig *dm_config_load(const char *path, GError **error);
