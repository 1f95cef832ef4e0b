"""The --dry-run contract and bad inputs, through the real binary."""
import json
import os
import subprocess
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
        conf = self.write_config("[launcher]\nqemu-xen-traditional = %s\n" % EXEC_PROBE)
        r = self.dry_run(XEND_HVM, config=conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        plan = parse_json(r.stdout)
        self.assertEqual(plan["flavour"], "qemu-xen-traditional")
        self.assertEqual(plan["exec"], EXEC_PROBE)
        self.assertEqual(plan["argv"], [EXEC_PROBE] + XEND_HVM)
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


class Grammar(LauncherTest):
    """The two grammars (cli.h): a person's launcher options first, the
    toolstack's argv as is."""

    def launcher(self, *argv, **kw):
        return subprocess.run([LAUNCHER] + list(argv), capture_output=True, timeout=30, **kw)

    def test_options_then_toolstack_args_without_separator(self):
        # A real mistake: it used to say "no domid", though -d 5 is there.
        r = self.launcher("--dry-run", "-d", "5", "-M", "xenfv")
        self.assert_refused(r, "'-d' is not a launcher option (understood: --dry-run)")
        self.assertIn('go after "--": qemu-dm-launcher --dry-run -- -d 5 -M xenfv',
                      r.stderr.decode())

    def test_short_options_as_help_lists_them(self):
        r = self.launcher("-n", "--json", "--", *LIBXL_PV_VFB)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(parse_json(r.stdout)["domid"], 2)
        r = self.launcher("-V")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith(b"qemu-dm-launcher "), r.stdout)

    def test_dry_run_reads_as_a_summary_and_json_on_request(self):
        r = self.launcher("--dry-run", "--", *LIBXL_HVM)
        self.assertEqual(r.returncode, 0, r.stderr)
        text = r.stdout.decode()
        for line in ("flavour:   qemu-xen", "domid:     7", "name:      win10", "guest:     hvm",
                     "scrub:     /local/domain/0/backend/console/7", "sandbox:   "):
            self.assertIn(line, text)
        self.assertRaises(ValueError, json.loads, text)

    def test_usage_reads_like_xl(self):
        r = self.launcher("--help")
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout.decode()
        self.assertTrue(out.startswith("Usage: qemu-dm-launcher [-nv] [-c FILE]"), out)
        self.assertNotIn("[OPTION", out)
        for sub in ("check", "diagnose", "stubdom"):
            self.assertIn("\n  %s " % sub, out)

    def test_subcommand_help_before_or_after(self):
        for argv in (["diagnose", "--help"], ["--help", "diagnose"], ["diagnose", "-h"]):
            with self.subTest(argv=argv):
                r = self.launcher(*argv)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertTrue(r.stdout.startswith(
                    b"Usage: qemu-dm-launcher diagnose [options] DOMID|NAME"), r.stdout)
        r = self.launcher("check", "--help")
        self.assertIn(b"Usage: qemu-dm-launcher check [options] [DOMAIN-NAME]", r.stdout)

    def test_option_for_another_command_is_refused(self):
        self.assert_refused(self.launcher("diagnose", "--no-helper", "7"),
                            "--no-helper does not apply to diagnose")

    def test_conflicting_domids(self):
        self.assert_refused(self.dry_run(["-d", "5", "-xen-domid", "7", "-machine", "xenfv"]),
                            "-d '5' (xend's domid) and -xen-domid '7' (libxl's) conflict")
        self.assert_refused(self.dry_run(["-xen-domid", "5", "-name", "a", "-domain-name", "b"]),
                            "given twice")

    def test_vnc_display_that_is_a_port(self):
        conf = self.write_config("[launcher]\nvnc-display = 5901\n")
        self.assert_refused(self.dry_run(LIBXL_HVM, config=conf),
                            "'5901' looks like a TCP port; this is a display number, port "
                            "minus 5900 (for port 5901 write 1)")

    def test_double_dash_in_toolstack_values_is_a_value(self):
        """A domain named "--" made the launch fail with
        exit 2 ("launcher options: Unknown option -d"): the first "--"
        anywhere split the argv.  Now, without launcher options first, the
        toolstack's argv is passed whole.  Debian ships no qemu-dm, so this
        xend line goes as far as the exec (127), past the parser that
        refused it."""
        env = dict(os.environ, XENSTORED_PATH=os.path.join(self.dir, "none"))
        r = self.launcher("-d", "5", "-domain-name", "--", "-M", "xenpv", env=env)
        err = r.stderr.decode()
        self.assertNotIn("launcher option", err)
        self.assertRegex(err.splitlines()[0], r"flavour qemu-xen-traditional, domid 5, name --$")
        self.assertNotEqual(r.returncode, 2, err)
        # With launcher options first, the first "--" splits; a later one is a value.
        r = self.launcher("--dry-run", "--json", "--", "-xen-domid", "5", "-name", "--",
                          "-machine", "xenpv")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(parse_json(r.stdout)["name"], "--")


class DryRunFailsWhereStartWould(LauncherTest):
    """--dry-run used to exit 0 where the real start exits 127 or 2."""

    def test_missing_qemu(self):
        conf = self.write_config("[launcher]\nqemu-xen = %s\n" % os.path.join(self.dir, "nope"))
        r = self.dry_run(LIBXL_HVM, config=conf)
        self.assertEqual(r.returncode, 127, r.stderr)
        self.assertIn(b"No such file or directory", r.stderr)
        self.assertEqual(r.stdout, b"")

    def test_missing_or_unreadable_password_file(self):
        missing = os.path.join(self.dir, "no-password")
        conf = self.write_config("[launcher]\nqemu-xen = %s\nvnc-password-file = %s\n"
                                 % (EXEC_PROBE, missing))
        args = [a.replace("127.0.0.1:0,to=99", "127.0.0.1:0,to=99,password") for a in LIBXL_HVM]
        r = self.dry_run(args, config=conf)
        self.assertNotEqual(r.returncode, 0, r.stderr)
        self.assertIn(missing.encode(), r.stderr)
        os.mkdir(missing)   # unreadable as a file, even for root
        r = self.dry_run(args, config=conf)
        self.assertNotEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(self.dir, "pw"), "w") as f:
            f.write("hunter2-pw\n")
        os.chmod(os.path.join(self.dir, "pw"), 0o600)
        conf = self.write_config("[launcher]\nqemu-xen = %s\nvnc-password-file = %s\n"
                                 % (EXEC_PROBE, os.path.join(self.dir, "pw")))
        r = self.dry_run(args, config=conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn(b"hunter2-pw", r.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
