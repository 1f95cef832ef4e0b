/* `qemu-dm-launcher diagnose --watch DOMID|NAME`. */
#include "diagnose_read.h"
#include "util.h"

gboolean
dm_diagnose_watch_run(const DmCli *cli, const char *arg, gboolean *stuck, GError **error)
{
  g_set_error(error, DM_ERROR, DM_ERROR_INVALID, "diagnose --watch is not built yet");
  return FALSE;
}
