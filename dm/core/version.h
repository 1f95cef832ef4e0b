/* What --version prints: our version, the library versions pkg-config
 * reported at build time, the versions actually loaded at run time (a
 * dom0 upgraded under an old build is a real support question), and
 * whether stubdom support was built. */
#pragma once
#include <glib.h>

/* The libxenstore that dm/sys/xs.c loads at the first xenstore connection. */
#define DM_XENSTORE_SONAME "libxenstore.so.4"

typedef struct {
  char *glib; /* "MAJOR.MINOR.MICRO" of the loaded library, or NULL */
  char *libseccomp;
} DmLibVersions;

/* Pure: formats the text from build-time constants and RUNNING (which may
 * be NULL or have NULL fields: those libraries are then not listed). */
char *dm_version_text(const DmLibVersions *running);

/* Fills VERSIONS from the loaded libraries (version_running.c). */
void dm_version_running(DmLibVersions *versions);
void dm_lib_versions_clear(DmLibVersions *versions);
