#include "version.h"
#include "build_config.h"

void
dm_lib_versions_clear(DmLibVersions *versions)
{
  g_clear_pointer(&versions->glib, g_free);
  g_clear_pointer(&versions->libseccomp, g_free);
}

char *
dm_version_text(const DmLibVersions *running)
{
  GString *s = g_string_new(NULL);

  g_string_append_printf(s, "%s %s\n", DM_PROGRAM_NAME, DM_VERSION);
  /* pkg-config module names, so a report can be checked against
   * `pkg-config --modversion NAME` on the build machine. */
  g_string_append(s, "built against:\n");
  g_string_append_printf(s, "  xenstore %s\n", DM_BUILT_XENSTORE);
  g_string_append_printf(s, "  xencontrol %s\n", DM_BUILT_XENCTRL);
  g_string_append_printf(s, "  glib-2.0 %s\n", DM_BUILT_GLIB);
  g_string_append_printf(s, "  libseccomp %s\n", DM_BUILT_SECCOMP);
  g_string_append_printf(s, "linked: %s\n",
                         DM_STATIC_LIBS ? "glib, libxenctrl and libseccomp statically; libc shared"
                                        : "against the shared libraries");
  /* Not linked: dm/sys/xs.c dlopens it at the first xenstore connection,
   * which --version never makes.  It has no run-time version call; its
   * soname pins the ABI. */
  g_string_append(s, "libxenstore: loaded at first use (" DM_XENSTORE_SONAME ")\n");
  g_string_append_printf(s, "seccomp filters: %s\n",
                         DM_PREBUILT_SECCOMP
                           ? "compiled to BPF at build time, loaded without libseccomp"
                           : "built by libseccomp at run time");
  if (running != NULL && (running->glib != NULL || running->libseccomp != NULL)) {
    g_string_append(s, "running with:\n");
    if (running->glib != NULL)
      g_string_append_printf(s, "  glib-2.0 %s\n", running->glib);
    if (running->libseccomp != NULL)
      g_string_append_printf(s, "  libseccomp %s\n", running->libseccomp);
  }
  g_string_append_printf(s, "stubdom support: %s\n",
                         WITH_STUBDOM ? "built" : "not built (cmake -DWITH_STUBDOM=ON)");
  return g_string_free(s, FALSE);
}
