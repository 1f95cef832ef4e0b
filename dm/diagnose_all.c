/* `qemu-dm-launcher diagnose --all`: one line per domain. */
#include "diagnose_read.h"
#include "util.h"

gboolean
dm_diagnose_all_run(const DmCli *cli, gboolean *stuck, GError **error)
{
  g_set_error(error, DM_ERROR, DM_ERROR_INVALID, "diagnose --all is not built yet");
  return FALSE;
}
