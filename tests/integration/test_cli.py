"""The --dry-run contract and bad inputs, through the real binary."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from dmtest import *  # noqa: F401,F403


class DryRun(LauncherTest):
    def test_upstream_pv(self):
        r = self.dry_run(LIBXL_PV_VFB)
        self.assertEqual(r.returncode, 0, r.stderr)
        plan = parse_json(r.stdout)
        self.assertEqual(plan["flavour"], "qemu-xen")
        self.assertEqual(plan["domid"], 2)
        self.assertEqual(plan["name"], "pvfb")
        self.assertEqual(plan["guest"], "pv")
        self.assertEqual(plan["argv"][1:], LIBXL_PV_VFB)
        self.assertEqual(plan["argv"][0], plan["exec"])
        self.assertEqual(plan["scrub"], [])

    def test_traditional_hvm(self):
        conf = self.write_config("[launcher]\nqemu-xen-traditional = /opt/qemu-dm\n")
        r = self.dry_run(XEND_HVM, config=conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        plan = parse_json(r.stdout)
        self.assertEqual(plan["flavour"], "qemu-xen-traditional")
        self.assertEqual(plan["exec"], "/opt/qemu-dm")
        self.assertEqual(plan["argv"], ["/opt/qemu-dm"] + XEND_HVM)
        self.assertEqual(plan["scrub"], ["/local/domain/0/backend/console/5",
                                         "/local/domain/0/backend/vfb/5"])

    def test_probe(self):
        r = self.dry_run(PROBE)
        self.assertEqual(r.returncode, 0, r.stderr)
        plan = parse_json(r.stdout)
        self.assertEqual(plan["flavour"], "probe")
        self.assertIsNone(plan["domid"])
        self.assertIsNone(plan["name"])
        self.assertIsNone(plan["guest"])
        self.assertEqual(plan["scrub"], [])

    def test_per_domain_group(self):
        conf = self.write_config("[launcher]\nscrub = console\n[domain:win10]\nscrub = vfb;vkbd\n")
        plan = parse_json(self.dry_run(LIBXL_HVM, config=conf).stdout)
        self.assertEqual(plan["scrub"], ["/local/domain/0/backend/vfb/7",
                                         "/local/domain/0/backend/vkbd/7"])

    def test_no_helper_flag(self):
        plan = parse_json(self.dry_run(LIBXL_HVM, extra=["--no-helper"]).stdout)
        self.assertFalse(plan["helper"])

    def test_dry_run_needs_no_xenstored(self):
        r = self.run_launcher(LIBXL_HVM, own=["--dry-run"],
                              env={"XENSTORED_PATH": os.path.join(self.dir, "none")})
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_unknown_key_warns_but_works(self):
        conf = self.write_config("[launcher]\nfrobnicate = 1\n")
        r = self.dry_run(LIBXL_HVM, config=conf)
        self.assertEqual(r.returncode, 0)
        self.assertIn(b"frobnicate", r.stderr)
        self.assertIn(b"warning", r.stderr)


class BadInput(LauncherTest):
    def test_bad_domids(self):
        for words, fragment in [
            ("-d 5/../0 -M xenfv", "'5/../0' is not a number between 1 and 32751"),
            ("-d -1 -M xenfv", "'-1'"),
            ("-d 0x10 -M xenfv", "'0x10'"),
            ("-xen-domid 0", "'0'"),
            ("-xen-domid 32767", "'32767'"),
            ("-name x -machine xenfv", "no domid"),
            ("-xen-domid 3 -xen-domid 4", "given twice"),
            ("-d 3 -d 3", "given twice"),
        ]:
            with self.subTest(words=words):
                self.assert_refused(self.dry_run(words.split()), fragment)

    def test_empty_domid(self):
        self.assert_refused(self.dry_run(["-xen-domid", ""]), "''")

    def test_bad_names(self):
        self.assert_refused(self.dry_run(["-xen-domid", "3", "-name", "a\x01b"]),
                            "control character")
        r = self.run_launcher([b"-xen-domid", b"3", b"-name", b"\xff\xfe"], own=["--dry-run"])
        self.assert_refused(r, "UTF-8")

    def test_malformed_config(self):
        conf = self.write_config("[launcher]\nscrub = console\nthis is junk\n")
        self.assert_refused(self.dry_run(LIBXL_HVM, config=conf), "line 3")

    def test_wrong_type_config(self):
        conf = self.write_config("[launcher]\nscrub-grace-ms = soon\n")
        self.assert_refused(self.dry_run(LIBXL_HVM, config=conf), "scrub-grace-ms")

    def test_missing_explicit_config(self):
        self.assert_refused(self.dry_run(LIBXL_HVM, config=os.path.join(self.dir, "nope")),
                            "No such file")

    def test_unreadable_config(self):
        conf = self.write_config("[launcher]\n")
        os.chmod(conf, 0)
        if os.geteuid() == 0:
            # root reads anything; a directory is unreadable as a file for all.
            conf = self.dir
        self.assert_refused(self.dry_run(LIBXL_HVM, config=conf), "cannot read config")

    def test_bad_launcher_option(self):
        self.assert_refused(self.run_launcher(LIBXL_HVM, own=["--bogus"]), "bogus")


if __name__ == "__main__":
    unittest.main(verbosity=2)
