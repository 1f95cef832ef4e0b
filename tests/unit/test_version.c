#include <criterion/criterion.h>
#include "build_config.h"
#include "version.h"

#include <string.h>

Test(version, first_line_is_name_and_version)
{
  g_autofree char *text = dm_version_text(NULL);
  g_autofree char *want = g_strdup_printf("qemu-dm-launcher %s\n", DM_VERSION);
  cr_assert(g_str_has_prefix(text, want), "%s", text);
}

Test(version, lists_build_time_libraries)
{
  g_autofree char *text = dm_version_text(NULL);
  const char *lines[] = {
    "\n  xenstore " DM_BUILT_XENSTORE "\n",
    "\n  xencontrol " DM_BUILT_XENCTRL "\n",
    "\n  glib-2.0 " DM_BUILT_GLIB "\n",
    "\n  libseccomp " DM_BUILT_SECCOMP "\n",
  };
  for (size_t i = 0; i < G_N_ELEMENTS(lines); i++)
    cr_assert(strstr(text, lines[i]), "missing %s in %s", lines[i], text);
  cr_assert(strstr(text, DM_STATIC_LIBS ? "\nlinked: glib, libxenctrl and libseccomp statically"
                                        : "\nlinked: against the shared"),
            "%s", text);
  /* libxenstore is not linked but loaded at the first xenstore connection
   * (dm/sys/xs.c), which --version never makes. */
  cr_assert(strstr(text, "\nlibxenstore: loaded at first use (libxenstore.so.4)\n"), "%s", text);
  cr_assert_null(strstr(text, "libxenstore and"), "%s", text);
  cr_assert(strstr(text, DM_PREBUILT_SECCOMP ? "\nseccomp filters: compiled to BPF at build time"
                                             : "\nseccomp filters: built by libseccomp at run"),
            "%s", text);
  /* pkg-config found every module, so no version is empty. */
  cr_assert_null(strstr(text, "  \n"));
  cr_assert_null(strstr(text, " \n"));
}

Test(version, running_section_only_with_runtime_versions)
{
  g_autofree char *none = dm_version_text(NULL);
  cr_assert_null(strstr(none, "running with:"));

  DmLibVersions empty = { 0 };
  g_autofree char *still_none = dm_version_text(&empty);
  cr_assert_null(strstr(still_none, "running with:"));

  DmLibVersions running = { .glib = (char *)"9.8.7", .libseccomp = NULL };
  g_autofree char *text = dm_version_text(&running);
  const char *section = strstr(text, "running with:\n");
  cr_assert_not_null(section, "%s", text);
  cr_assert(g_str_has_prefix(section, "running with:\n  glib-2.0 9.8.7\n"), "%s", text);
  cr_assert_null(strstr(section, "libseccomp"), "%s", text);
}

Test(version, says_whether_stubdom_was_built)
{
  g_autofree char *text = dm_version_text(NULL);
  const char *want = WITH_STUBDOM ? "\nstubdom support: built\n"
                                  : "\nstubdom support: not built (cmake -DWITH_STUBDOM=ON)\n";
  cr_assert(strstr(text, want), "%s", text);
  cr_assert(g_str_has_suffix(text, want + 1), "stubdom line is last: %s", text);
}
