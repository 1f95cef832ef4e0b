/* `qemu-dm-launcher scrub DOMID|NAME [--dry-run]`. */
#include "scrub_cmd.h"
#include "util.h"

gboolean
dm_scrub_cmd_run(const DmCli *cli, GError **error)
{
  g_set_error(error, DM_ERROR, DM_ERROR_INVALID, "scrub is not built yet");
  return FALSE;
}
