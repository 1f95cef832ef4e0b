"""The Debian package on this machine: scripts/package builds the .deb
(dpkg-buildpackage -us -uc -b, lintian), the .deb's layout equals
`cmake --install`'s, and it installs, runs a real toolstack line with
--dry-run, keeps local edits of its conffile across an upgrade, and purges
without leaving anything outside the conffile policy.

Installing touches the machine's /usr/lib/xen/bin and /etc/xen, so the test
refuses to run if anything of ours is already there, holds a machine-wide
lock (two checkouts never overlap), and purges what it installed even when
an assertion fails."""
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from dmtest import BUILD_DIR, LIBXL_HVM, XEND_HVM  # noqa: E402

SOURCE_DIR = os.environ.get("DM_SOURCE_DIR", "")
PACKAGE = "qemu-dm-launcher"
BINARY = "/usr/lib/xen/bin/qemu-dm-launcher"
SBIN_LINK = "/usr/sbin/qemu-dm-launcher"   # for a person; the toolstack runs BINARY
DOC = "/usr/share/doc/qemu-dm-launcher/"
CONFFILE = "/etc/xen/qemu-dm-launcher.conf"
LOCK = "/run/lock/qemu-dm-launcher-package-test.lock"
# Only what the package can create; compared before install and after purge.
WATCHED = ["/etc/xen", "/usr/lib/xen", "/usr/share/doc/" + PACKAGE,
           "/usr/share/man/man8", "/etc/logrotate.d"]
# In the .deb but not from `cmake --install`: Debian's own files.
DEBIAN_ONLY = {"/usr/share/doc/qemu-dm-launcher/copyright",
               "/usr/share/doc/qemu-dm-launcher/changelog.gz",
               "/usr/share/doc/qemu-dm-launcher/NEWS.Debian.gz",
               "/usr/share/doc/qemu-dm-launcher/README.Debian",
               "/usr/share/lintian/overrides/qemu-dm-launcher"}
APT = ["apt-get", "-y", "-q", "--no-install-recommends",
       "-o", "DPkg::Lock::Timeout=300"]


def run(argv, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    return subprocess.run(argv, **kw)


def root_argv(argv):
    return argv if os.geteuid() == 0 else ["sudo", "-n"] + argv


def must(argv, **kw):
    r = run(argv, **kw)
    if r.returncode != 0:
        raise AssertionError("%s failed (%d):\n%s%s" % (" ".join(argv), r.returncode,
                                                        r.stdout, r.stderr))
    return r


def deb_files(deb):
    """Regular files and symlinks in DEB, as absolute paths."""
    out = set()
    for line in must(["dpkg-deb", "-c", deb]).stdout.splitlines():
        perms, path = line.split()[0], line.split()[5]
        if perms[0] in "-l":
            out.add(path[1:])          # "./usr/..." -> "/usr/..."
    return out


def tree_files(root):
    out = set()
    for d, _, files in os.walk(root):
        for f in files:
            out.add("/" + os.path.relpath(os.path.join(d, f), root))
    return out


def snapshot():
    seen = {}
    for top in WATCHED:
        if not os.path.lexists(top):
            continue
        for d, dirs, files in os.walk(top):
            for name in dirs + files:
                p = os.path.join(d, name)
                st = os.lstat(p)
                seen[p] = (st.st_mode, st.st_size)
            seen[d] = (os.lstat(d).st_mode, 0)
    return seen


def dpkg_status():
    r = run(["dpkg-query", "-W", "-f=${db:Status-Abbrev}|${Version}", PACKAGE])
    return r.stdout.strip() if r.returncode == 0 else "not-known"


def package_owning(path):
    """The package that ships library PATH (merged /usr: try both spellings)."""
    real = os.path.realpath(path)
    for p in (path, real, real.replace("/usr/lib/", "/lib/", 1)):
        r = run(["dpkg-query", "-S", p])
        if r.returncode == 0:
            return r.stdout.split(":")[0]
    raise AssertionError("no package owns %s" % path)


def with_stubdom():
    with open(os.path.join(BUILD_DIR, "generated", "build_config.h")) as f:
        return "#define WITH_STUBDOM 1\n" in f.read()


def cmake_install(prefix, destdir):
    env = dict(os.environ, DESTDIR=destdir)
    must(["cmake", "--install", BUILD_DIR, "--prefix", prefix], env=env)
    return tree_files(destdir)


class PackageBuild:
    """Builds the .deb once per run (about half a minute)."""
    deb = None
    seconds = None
    out = None

    @classmethod
    def get(cls):
        if cls.deb is None:
            cls.out = tempfile.mkdtemp(prefix="dm-package-")
            start = time.monotonic()
            # nocheck: the unit tests run in this same CTest run already;
            # skipping their second build halves the package build.
            env = dict(os.environ, DEB_BUILD_OPTIONS=(
                "nocheck " + os.environ.get("DEB_BUILD_OPTIONS", "")).strip())
            r = run([os.path.join(SOURCE_DIR, "scripts", "package"), cls.out], env=env)
            cls.seconds = time.monotonic() - start
            if r.returncode != 0:
                raise AssertionError("scripts/package failed:\n" + r.stderr[-4000:])
            debs = r.stdout.split()
            assert len(debs) == 1, r.stdout
            cls.deb = debs[0]
            print("package: built %s (%d bytes) in %.1f s" %
                  (os.path.basename(cls.deb), os.path.getsize(cls.deb), cls.seconds),
                  file=sys.stderr)
        return cls.deb


class Layout(unittest.TestCase):
    def setUp(self):
        self.assertTrue(SOURCE_DIR and BUILD_DIR, "DM_SOURCE_DIR/DM_BUILD_DIR not set")
        self.tmp = tempfile.mkdtemp(prefix="dm-layout-")

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def test_deb_has_what_cmake_install_installs(self):
        deb = deb_files(PackageBuild.get())
        staged = cmake_install("/usr", os.path.join(self.tmp, "usr"))
        # The package is built without the stub-domain image (it is made
        # from this machine's binaries, not from Debian build dependencies);
        # a -DWITH_STUBDOM=ON build installs it in addition.
        stubdom = {p for p in staged if os.path.basename(p).startswith("qemu-dm-launcher-stubdom-")}
        self.assertEqual(bool(stubdom), with_stubdom(), stubdom)
        staged -= stubdom
        # dh_installman compresses the man page, dh_compress the longer
        # documents; nothing else differs.
        staged = {p + ".gz" if p.startswith("/usr/share/man/") else p for p in staged}
        deb = {p[:-3] if p.startswith("/usr/share/doc/") and p[:-3] in staged else p
               for p in deb}
        self.assertEqual(deb - DEBIAN_ONLY, staged)
        for p in [BINARY, SBIN_LINK, CONFFILE, "/usr/share/man/man8/qemu-dm-launcher.8.gz",
                  DOC + "README.md", DOC + "HACKING.md", DOC + "README.Debian",
                  DOC + "NEWS.Debian.gz"] + [
                DOC + "docs/" + d for d in
                ["configuration.md", "diagnose.md", "stubdom.md", "nested-xen.md",
                 "robustness.md", "benchmarks-and-figures.md", "packaging.md", "support.md"]] + [
                "/usr/share/doc/qemu-dm-launcher/examples/" + e for e in
                ["xm-hvm-windows.cfg", "xl-hvm.cfg", "xl-pv-vfb.cfg", "xl-hvm-stubdom.cfg"]]:
            self.assertIn(p, deb)

    def test_other_prefix_keeps_the_layout_under_it(self):
        at_usr = cmake_install("/usr", os.path.join(self.tmp, "a"))
        at_opt = cmake_install("/opt/dm", os.path.join(self.tmp, "b"))
        # Everything below the prefix moves with it; the config file stays
        # in /etc/xen, the path the binary reads.
        moved = {"/opt/dm" + p[len("/usr"):] if p.startswith("/usr/") else p for p in at_usr}
        self.assertEqual(at_opt, moved)
        self.assertIn(CONFFILE, at_opt)
        self.assertIn("/opt/dm/lib/xen/bin/qemu-dm-launcher", at_opt)

    def test_depends_cover_the_libraries_the_binary_needs(self):
        deb = PackageBuild.get()
        depends = must(["dpkg-deb", "-f", deb, "Depends"]).stdout
        recommends = must(["dpkg-deb", "-f", deb, "Recommends"]).stdout
        self.assertIn("qemu-system-xen", recommends)
        x = os.path.join(self.tmp, "x")
        must(["dpkg-deb", "-x", deb, x])
        needed = [l.split("[")[1].rstrip("]") for l in
                  must(["readelf", "-d", x + BINARY]).stdout.splitlines() if "(NEEDED)" in l]
        self.assertTrue(needed)
        # Loaded at the first xenstore connection, not linked (dm/sys/xs.c).
        needed.append("libxenstore.so.4")
        for lib in needed:
            path = must(["sh", "-c", "ldconfig -p | awk -v l=%s '$1 == l {print $NF; exit}'" % lib]).stdout.strip()
            self.assertTrue(path, lib)
            owner = package_owning(path)
            with self.subTest(lib=lib):
                self.assertIn(owner, depends.replace(",", " ").split(), depends)


    def test_built_using_names_the_embedded_static_libraries(self):
        # What the binary embeds must be traceable to Debian source
        # packages, with the exact versions it was built from.
        deb = PackageBuild.get()
        built_using = must(["dpkg-deb", "-f", deb, "Built-Using"]).stdout.strip()
        fields = dict(item.strip().split(" ", 1) for item in built_using.split(","))
        for binary_pkg in ["libglib2.0-dev", "libpcre2-dev", "libxen-dev", "libseccomp-dev"]:
            src, ver = must(["dpkg-query", "-f", "${source:Package} ${source:Version}",
                             "-W", binary_pkg]).stdout.split()
            with self.subTest(package=binary_pkg):
                self.assertEqual(fields.get(src), "(= %s)" % ver, built_using)


class Postrm(unittest.TestCase):
    """The maintainer script that cleans runtime state, run from the .deb
    against a scratch run directory (the machine's own may be in use by
    guests or by other tests)."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="dm-postrm-")
        self.addCleanup(shutil.rmtree, self.tmp)
        control = os.path.join(self.tmp, "control")
        must(["dpkg-deb", "-e", PackageBuild.get(), control])
        self.postrm = os.path.join(control, "postrm")
        self.rundir = os.path.join(self.tmp, "run")
        os.makedirs(self.rundir, mode=0o700)
        with open(os.path.join(self.rundir, "qemu-facts.ini"), "w") as f:
            f.write("[/usr/libexec/xen-qemu-system-i386]\nstamp=1\n")

    def postrm_run(self, action):
        return must([self.postrm, action],
                    env=dict(os.environ, QEMU_DM_LAUNCHER_RUNDIR=self.rundir))

    def test_purge_removes_cache_and_empty_run_dir(self):
        os.mkdir(os.path.join(self.rundir, "root"))
        self.postrm_run("purge")
        self.assertFalse(os.path.lexists(self.rundir))

    def test_purge_keeps_a_running_guests_directory(self):
        busy = os.path.join(self.rundir, "root", "7")
        os.makedirs(busy)
        self.postrm_run("purge")
        self.assertTrue(os.path.isdir(busy))
        self.assertFalse(os.path.exists(os.path.join(self.rundir, "qemu-facts.ini")))

    def test_remove_keeps_everything(self):
        self.postrm_run("remove")
        self.assertTrue(os.path.exists(os.path.join(self.rundir, "qemu-facts.ini")))


class InstallPurge(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.deb = PackageBuild.get()
        cls.lock = open(LOCK, "a") if os.geteuid() == 0 else open(
            os.path.join(tempfile.gettempdir(), os.path.basename(LOCK)), "a")
        fcntl.flock(cls.lock, fcntl.LOCK_EX)
        cls.installed_by_us = False
        cls.marker = cls.lock.name + ".installed"
        if os.path.exists(cls.marker):
            # An earlier run was killed before it could purge (a CTest
            # timeout, ^C): what is installed is that run's, so clean it up.
            if dpkg_status().split("|")[0] not in ("not-known", "un", "pn"):
                must(root_argv(APT + ["purge", PACKAGE]),
                     env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
            os.unlink(cls.marker)
        status = dpkg_status()
        if status.split("|")[0] not in ("not-known", "un", "pn"):
            raise AssertionError("%s is already on this machine (%s); not touching it"
                                 % (PACKAGE, status))
        for p in (BINARY, CONFFILE):
            if os.path.lexists(p):
                raise AssertionError("%s exists but no package owns it; not touching it" % p)
        cls.before = snapshot()

    @classmethod
    def tearDownClass(cls):
        if cls.installed_by_us:
            run(root_argv(APT + ["purge", PACKAGE]))
            if dpkg_status().split("|")[0] in ("not-known", "un", "pn"):
                os.unlink(cls.marker)
        fcntl.flock(cls.lock, fcntl.LOCK_UN)
        cls.lock.close()

    def apt(self, *args):
        type(self).installed_by_us = True
        open(self.marker, "w").close()
        start = time.monotonic()
        r = must(root_argv(APT + list(args)), env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
        print("package: apt-get %s took %.1f s" % (args[0], time.monotonic() - start),
              file=sys.stderr)
        return r

    def dry_run(self, args):
        r = run([BINARY, "--dry-run", "--json", "--"] + args)
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def repack(self, version):
        """The same package under another version: an upgrade without a rebuild."""
        d = tempfile.mkdtemp(prefix="dm-repack-")
        self.addCleanup(shutil.rmtree, d)
        must(["dpkg-deb", "-R", self.deb, os.path.join(d, "root")])
        control = os.path.join(d, "root", "DEBIAN", "control")
        with open(control) as f:
            text = f.read()
        with open(control, "w") as f:
            f.write(text.replace("\nVersion: ", "\nVersion: %s\nX-Old-Version: " % version, 1))
        out = os.path.join(d, "%s_%s.deb" % (PACKAGE, version))
        must(["dpkg-deb", "--root-owner-group", "-b", os.path.join(d, "root"), out])
        return out

    def test_install_run_upgrade_remove_purge(self):
        version = must(["dpkg-deb", "-f", self.deb, "Version"]).stdout.strip()

        # Install.
        self.apt("install", os.path.abspath(self.deb))
        self.assertEqual(dpkg_status(), "ii |" + version)
        self.assertIn(CONFFILE, run(["dpkg-query", "-W", "-f=${Conffiles}", PACKAGE]).stdout)
        listed = set(must(["dpkg", "-L", PACKAGE]).stdout.split())
        self.assertLessEqual(deb_files(self.deb), listed)
        self.assertTrue(os.access(BINARY, os.X_OK))

        # The installed binary, its installed config, real toolstack lines.
        plan = self.dry_run(LIBXL_HVM)
        self.assertEqual(plan["flavour"], "qemu-xen")
        self.assertEqual((plan["domid"], plan["name"], plan["guest"]), (7, "win10", "hvm"))
        self.assertEqual(plan["exec"], "/usr/libexec/xen-qemu-system-i386")
        self.assertEqual(plan["argv"], [plan["exec"]] + LIBXL_HVM)
        self.assertEqual(plan["scrub"], ["/local/domain/0/backend/console/7",
                                         "/local/domain/0/backend/vfb/7"])
        # Debian ships no qemu-dm: the dry run fails as the start would (127).
        r = run([BINARY, "--dry-run", "--json", "--"] + XEND_HVM)
        self.assertEqual(r.returncode, 127, r.stderr)
        self.assertIn("qemu binary '/usr/lib/xen/bin/qemu-dm'", r.stderr)
        # The README's commands, as typed: the /usr/sbin link reaches the binary.
        self.assertEqual(os.readlink(SBIN_LINK), "../lib/xen/bin/qemu-dm-launcher")
        r = run(["qemu-dm-launcher", "--version"],
                env=dict(os.environ, PATH="/usr/sbin:/usr/bin:/sbin:/bin"))
        self.assertEqual(r.stdout.splitlines()[0], "qemu-dm-launcher " + version, r.stderr)
        r = run(["qemu-dm-launcher", "check"], env=dict(os.environ, PATH="/usr/sbin:/usr/bin"))
        self.assertIn(r.returncode, (0, 1), r.stderr)
        self.assertIn("config: /etc/xen/qemu-dm-launcher.conf", r.stdout)
        r = run(["qemu-dm-launcher", "diagnose", "--help"],
                env=dict(os.environ, PATH="/usr/sbin:/usr/bin"))
        self.assertEqual(r.returncode, 0, r.stderr)
        r = run([BINARY, "--version"])
        self.assertEqual(r.stdout.splitlines()[0], "qemu-dm-launcher " + version)
        self.assertEqual(must(["man", "-w", "qemu-dm-launcher"]).stdout.strip(),
                         "/usr/share/man/man8/qemu-dm-launcher.8.gz")

        # A local edit survives an upgrade.  A comment, so that anything else
        # on this machine reading the file in this window sees no change.
        edit = "\n# local edit kept across upgrades (package test %d)\n" % os.getpid()
        with open(CONFFILE, "a") as f:
            f.write(edit)
        newer = version + "+pkgtest1"
        self.apt("install", self.repack(newer))
        self.assertEqual(dpkg_status(), "ii |" + newer)
        with open(CONFFILE) as f:
            self.assertTrue(f.read().endswith(edit))
        self.assertFalse(os.path.exists(CONFFILE + ".dpkg-new"))
        self.assertEqual(self.dry_run(LIBXL_HVM)["domid"], 7)

        # Remove keeps the conffile (and only it); purge removes it too.
        self.apt("remove", PACKAGE)
        self.assertTrue(dpkg_status().startswith("rc "), dpkg_status())
        self.assertFalse(os.path.lexists(BINARY))
        self.assertTrue(os.path.exists(CONFFILE))
        left = {p for p in deb_files(self.deb) if os.path.lexists(p)}
        self.assertEqual(left, {CONFFILE})

        self.apt("purge", PACKAGE)
        type(self).installed_by_us = False
        os.unlink(self.marker)
        self.assertIn(dpkg_status().split("|")[0], ("not-known", "un", "pn"))
        self.assertEqual(snapshot(), self.before)


if __name__ == "__main__":
    unittest.main(verbosity=2)
