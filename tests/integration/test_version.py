"""--version through the real binary, checked against sources independent of
the launcher: pkg-config for the build-time versions, dpkg for the libraries
the dynamic linker loads, and the build's own build_config.h and CMakeCache."""
import os
import re
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from dmtest import *  # noqa: F401,F403


def pkg_config_version(module):
    return subprocess.run(["pkg-config", "--modversion", module], check=True,
                          capture_output=True, text=True).stdout.strip()


def dpkg_upstream_version(package):
    r = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package],
                       capture_output=True, text=True)
    if r.returncode != 0 or not r.stdout:
        return None
    v = r.stdout.split(":", 1)[-1]          # drop an epoch
    return re.match(r"[0-9.]+[0-9]", v).group(0)


def section(text, title):
    """The 'NAME VERSION' pairs indented under TITLE."""
    out = {}
    lines = text.splitlines()
    i = lines.index(title) + 1
    while i < len(lines) and lines[i].startswith("  "):
        name, version = lines[i].split()
        out[name] = version
        i += 1
    return out


class Version(LauncherTest):
    def run_version(self):
        r = self.run_launcher(["--version"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, b"")
        return r.stdout.decode()

    def test_first_line_is_the_project_version(self):
        with open(os.path.join(BUILD_DIR, "CMakeCache.txt")) as f:
            m = re.search(r"^CMAKE_PROJECT_VERSION:STATIC=(.*)$", f.read(), re.M)
        self.assertIsNotNone(m)
        self.assertEqual(self.run_version().splitlines()[0],
                         "qemu-dm-launcher " + m.group(1))

    def test_built_against_matches_pkg_config(self):
        built = section(self.run_version(), "built against:")
        for module in ["xenstore", "xencontrol", "glib-2.0", "libseccomp"]:
            with self.subTest(module=module):
                self.assertEqual(built.get(module), pkg_config_version(module))

    def test_running_with_matches_installed_libraries(self):
        running = section(self.run_version(), "running with:")
        self.assertEqual(sorted(running), ["glib-2.0", "libseccomp"])
        for name, package in [("glib-2.0", "libglib2.0-0"), ("libseccomp", "libseccomp2")]:
            with self.subTest(library=name):
                self.assertEqual(running[name], dpkg_upstream_version(package))

    def test_linked_line_matches_the_binary(self):
        with open(os.path.join(BUILD_DIR, "generated", "build_config.h")) as f:
            static = re.search(r"^#define DM_STATIC_LIBS ([01])$", f.read(), re.M).group(1) == "1"
        linked = [l for l in self.run_version().splitlines() if l.startswith("linked: ")]
        self.assertEqual(len(linked), 1)
        self.assertEqual(linked[0].startswith("linked: glib, libxenctrl and libseccomp statically"),
                         static, linked[0])
        # What the dynamic linker loads must agree with the line.
        needed = subprocess.run(["ldd", LAUNCHER], capture_output=True, text=True,
                                check=True).stdout
        for lib in ["libglib-2.0.so", "libxenctrl.so", "libseccomp.so"]:
            with self.subTest(library=lib):
                self.assertEqual(lib in needed, not static, needed)
        # libxenstore is loaded at the first xenstore connection (dm/sys/xs.c),
        # and the text says so, not that it is linked.
        self.assertNotIn("libxenstore.so", needed)
        self.assertNotIn("libxenstore", linked[0])
        self.assertIn("libxenstore: loaded at first use (libxenstore.so.4)",
                      self.run_version().splitlines())
        # libxenctrl's libxentoolcore comes with it: static or shared.
        self.assertEqual("libxentoolcore.so" in needed, not static, needed)
        self.assertNotIn("libjson-glib", needed)

    def test_stubdom_line_matches_build_config(self):
        with open(os.path.join(BUILD_DIR, "generated", "build_config.h")) as f:
            built = re.search(r"^#define WITH_STUBDOM ([01])$", f.read(), re.M).group(1) == "1"
        last = self.run_version().splitlines()[-1]
        self.assertEqual(last, "stubdom support: built" if built
                         else "stubdom support: not built (cmake -DWITH_STUBDOM=ON)")

    def test_version_after_separator_belongs_to_the_toolstack(self):
        # "--version" after "--" is a qemu argument, not ours: the dry run
        # passes it through instead of printing our version.
        r = self.dry_run(["-xen-domid", "3", "-name", "v", "-machine", "xenpv", "--version"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(parse_json(r.stdout)["argv"][-1], "--version")


class LibxenstoreAtFirstUse(LauncherTest):
    """libxenstore is loaded at the first xenstore connection, not linked
    (dm/sys/xs.c): a launch that needs no connection runs without it, and
    one that needs it says why it cannot have it.  An empty file named
    libxenstore.so.4 first on the loader's path stands for a missing or
    broken library."""

    def broken_library(self):
        lib = os.path.join(self.dir, "lib")
        os.mkdir(lib)
        open(os.path.join(lib, "libxenstore.so.4"), "w").close()
        return {"LD_LIBRARY_PATH": lib}

    def test_scrub_off_launch_never_loads_it(self):
        conf = self.write_config(f"[launcher]\nqemu-xen = {EXEC_PROBE}\nscrub =\n")
        args = ["-xen-domid", "4", "-name", "nolib", "-machine", "xenfv"]
        r = self.run_launcher(args, own=["--config", conf], env=self.broken_library())
        err = r.stderr.decode(errors="replace")
        self.assertEqual(r.returncode, 0, err)
        self.assertEqual(parse_json(r.stdout)["argv"], [EXEC_PROBE] + args)
        self.assertNotIn("libxenstore", err)

    def test_a_connection_without_it_is_a_clear_error(self):
        r = self.run_launcher(["diagnose", "5"], env=self.broken_library())
        err = r.stderr.decode(errors="replace")
        self.assertEqual(r.returncode, 2, err)
        self.assertRegex(err, r"diagnose 5: cannot load libxenstore\.so\.4: .*libxenstore\.so\.4: "
                              r"file too short")


if __name__ == "__main__":
    unittest.main(verbosity=2)
