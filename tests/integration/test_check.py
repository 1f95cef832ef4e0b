"""`qemu-dm-launcher check`: the config, the qemu binaries and the secret
files, checked before a guest depends on them.  Against real binaries:
Debian's qemu-xen (scripts/deps installs it) and the exec_probe fixture,
which answers -version unlike qemu."""
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from dmtest import LAUNCHER, EXEC_PROBE, LauncherTest  # noqa: E402

XEN_QEMU = "/usr/libexec/xen-qemu-system-i386"


class Check(LauncherTest):
    def check(self, *argv):
        r = subprocess.run([LAUNCHER, "check"] + list(argv), capture_output=True, timeout=60)
        return r.returncode, r.stdout.decode(), r.stderr.decode()

    def secret(self, name, mode):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write("pw\n")
        os.chmod(path, mode)
        return path

    @unittest.skipUnless(os.access(XEN_QEMU, os.X_OK), "Debian's qemu-xen is not installed")
    def test_good_config(self):
        pw = self.secret("pw", 0o600)
        conf = self.write_config(
            "[launcher]\nqemu-xen = %s\nqemu-xen-traditional = %s\n"
            "[domain:win10]\nvnc-password-file = %s\nscrub-mode = always\n"
            % (XEN_QEMU, XEN_QEMU, pw))
        status, out, err = self.check("--config", conf, "win10")
        self.assertEqual(status, 0, out + err)
        self.assertIn("config: %s\n" % conf, out)
        self.assertRegex(out, r"qemu-xen: %s: QEMU emulator version \d+\.\d+" % XEN_QEMU)
        self.assertIn("vnc-password-file: %s: a regular file, mode 0600" % pw, out)
        self.assertIn("domain groups: win10\n", out)
        self.assertIn("settings for domain win10:\n", out)
        self.assertIn("  scrub-mode = always\n", out)
        self.assertIn("  vnc-password-file = %s\n" % pw, out)
        self.assertTrue(out.endswith("ok: no problems found\n"), out)
        # Options after the subcommand word, too; and a domain with no group.
        status, out, _ = self.check("other", "--config", conf)
        self.assertEqual(status, 0, out)
        self.assertIn("settings for domain other (no [domain:NAME] group", out)
        self.assertIn("  scrub-mode = stale\n", out)

    def test_bad_config_reports_every_problem(self):
        world = self.secret("world-readable", 0o644)
        conf = self.write_config(
            "[launcher]\n"
            "scrub_mode = always\n"                       # 2: xl.cfg spelling
            "scrub = \"console\"\n"                      # 3: quoted
            "qemu-xen = %s\n"                            # 4: not a qemu
            "[domain:win10]\n"
            "vnc-password-file = %s\n"                   # 6: world-readable
            "vnc-tls-dir = %s\n"                         # 7: missing
            "qemu-xen = %s\n"                            # 8: missing
            % (EXEC_PROBE, world, os.path.join(self.dir, "no-pki"),
               os.path.join(self.dir, "no-qemu")))
        status, out, err = self.check("--config", conf)
        self.assertEqual(status, 1, out + err)
        problems = [l for l in out.splitlines() if l.startswith("  problem: ")]
        expected = [
            "line 2: [launcher] unknown key scrub_mode: did you mean scrub-mode?",
            "line 3: [launcher] scrub: quoted value \"console\": write scrub = console",
            "qemu-xen: %s does not answer -version like qemu" % EXEC_PROBE,
            "vnc-password-file: %s is world-readable (mode 0644)" % world,
            "vnc-tls-dir: %s: No such file or directory" % os.path.join(self.dir, "no-pki"),
            "qemu-xen: %s: No such file or directory" % os.path.join(self.dir, "no-qemu"),
        ]
        for fragment in expected:
            self.assertTrue(any(fragment in p for p in problems),
                            "%r not reported:\n%s" % (fragment, out))
        self.assertEqual(len(problems), len(expected), out)
        self.assertTrue(out.endswith("6 problems found\n"), out)

    def tls_dir(self, key_mode):
        pki = os.path.join(self.dir, "pki")
        os.makedirs(pki, exist_ok=True)
        for name in ("ca-cert.pem", "server-cert.pem", "server-key.pem"):
            self.secret(os.path.join("pki", name), key_mode if "key" in name else 0o644)
        return pki

    @unittest.skipUnless(os.access(XEN_QEMU, os.X_OK), "Debian's qemu-xen is not installed")
    def test_tls_certificates_may_be_world_readable(self):
        # The usual layout (qemu's and libvirt's TLS docs): the certificates
        # are public (0644), only the server key is private.
        pki = self.tls_dir(0o600)
        conf = self.write_config(
            "[launcher]\nqemu-xen = %s\nqemu-xen-traditional = %s\n"
            "[domain:win10]\nvnc-tls-dir = %s\n" % (XEN_QEMU, XEN_QEMU, pki))
        status, out, err = self.check("--config", conf, "win10")
        self.assertEqual(status, 0, out + err)
        self.assertTrue(out.endswith("ok: no problems found\n"), out)
        for name, mode in (("ca-cert.pem", "0644"), ("server-cert.pem", "0644"),
                           ("server-key.pem", "0600")):
            self.assertIn("vnc-tls-dir: %s: a regular file, mode %s" % (os.path.join(pki, name), mode),
                          out)
        # A world-readable key is the one problem of the directory.
        os.chmod(os.path.join(pki, "server-key.pem"), 0o644)
        status, out, err = self.check("--config", conf, "win10")
        self.assertEqual(status, 1, out + err)
        self.assertTrue(out.endswith("1 problem found\n"), out)
        problems = [l for l in out.splitlines() if l.startswith("  problem: ")]
        self.assertEqual(problems, ["  problem: vnc-tls-dir: %s is world-readable (mode 0644): chmod o-r it"
                                    % os.path.join(pki, "server-key.pem")], out)

    def test_config_that_cannot_be_read_is_2(self):
        status, out, err = self.check("--config", os.path.join(self.dir, "nope"))
        self.assertEqual(status, 2, out + err)
        self.assertIn("qemu-dm-launcher: check: cannot read config", err)
        status, out, err = self.check("--config", self.dir)   # a directory
        self.assertEqual(status, 2, out + err)

    def test_usage(self):
        status, out, err = self.check("a", "b")
        self.assertEqual(status, 2, out + err)
        self.assertIn("usage: qemu-dm-launcher check [--config FILE] [DOMAIN-NAME]", err)


if __name__ == "__main__":
    unittest.main(verbosity=2)
