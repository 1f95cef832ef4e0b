/* Versions of the libraries the dynamic linker actually loaded. */
#include "version.h"

#include <seccomp.h>

void
dm_version_running(DmLibVersions *versions)
{
  const struct scmp_version *sv = seccomp_version();

  versions->glib =
    g_strdup_printf("%u.%u.%u", glib_major_version, glib_minor_version, glib_micro_version);
  versions->libseccomp =
    sv == NULL ? NULL : g_strdup_printf("%u.%u.%u", sv->major, sv->minor, sv->micro);
}
