"""`qemu-dm-launcher diagnose` against the real xenstored test bed, with
layouts taken from real boot hangs.  Each test seeds what a toolstack (and
a guest) would have written, runs the real binary, and checks the JSON,
the table, the exit status, and that xenstore was not changed."""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from dmtest import LAUNCHER, EXEC_PROBE, LIBXL_HVM, wait_until  # noqa: E402
from xenstored import Xenstored, backend_path, proc_status  # noqa: E402

QEMU = "/usr/bin/qemu-system-x86_64"

HELPER_UID_BASE = 1879048192  # the built-in helper-uid-base


def frontend_path(domid, cls, devid):
    return "/local/domain/%d/device/%s/%d" % (domid, cls, devid)


def device(pairs, domid, cls, devid, fe_state, be_state, bdom=0):
    """A frontend/backend pair as libxl writes it."""
    fe = frontend_path(domid, cls, devid)
    be = "/local/domain/%d/backend/%s/%d/%d" % (bdom, cls, domid, devid)
    pairs += [(fe + "/backend", be), (fe + "/backend-id", bdom), (fe + "/state", fe_state),
              (be + "/frontend", fe), (be + "/frontend-id", domid), (be + "/online", 1),
              (be + "/state", be_state)]


class DiagnoseTest(unittest.TestCase):
    def setUp(self):
        self.assertTrue(LAUNCHER and os.path.exists(LAUNCHER), "DM_LAUNCHER not set")
        self.xs = Xenstored().start()
        self.addCleanup(self.xs.stop)
        self.tmp = tempfile.TemporaryDirectory(prefix="dm-diagnose-")
        self.addCleanup(self.tmp.cleanup)
        self.logdir = os.path.join(self.tmp.name, "log")
        os.mkdir(self.logdir)
        self.config = os.path.join(self.tmp.name, "launcher.conf")
        with open(self.config, "w") as f:
            f.write("[launcher]\nqemu-xen = %s\n" % QEMU)

    def domain(self, domid, name, guest_type, pairs=()):
        base = [("/local/domain/%d/name" % domid, name),
                ("/local/domain/%d/domid" % domid, domid),
                ("/libxl/%d/type" % domid, guest_type)]
        self.xs.write_many(base + list(pairs))

    def diagnose(self, *args, env=None):
        full = self.xs.client_env()
        full.update(env or {})
        argv = [LAUNCHER, "diagnose", "--config", self.config, "--log-dir", self.logdir]
        return subprocess.run(argv + list(args), env=full, capture_output=True, timeout=30)

    def diagnose_json(self, target, expect_status):
        before = self.xs.ls("/")
        r = self.diagnose("--json", str(target))
        err = r.stderr.decode(errors="replace")
        self.assertEqual(r.returncode, expect_status, err + r.stdout.decode(errors="replace"))
        self.assertEqual(err, "")
        # Read-only: every node is as it was.
        self.assertEqual(self.xs.ls("/"), before)
        return json.loads(r.stdout.decode())

    @staticmethod
    def dev(report, cls, devid):
        for d in report["devices"]:
            if d["class"] == cls and d["devid"] == str(devid):
                return d
        raise AssertionError("no %s %s in %r" % (cls, devid, report["devices"]))

    def assert_bad_input(self, r, fragment):
        err = r.stderr.decode(errors="replace")
        self.assertEqual(r.returncode, 2, err)
        self.assertEqual(r.stdout, b"")
        self.assertTrue(err.startswith("qemu-dm-launcher: "), err)
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        self.assertIn(fragment, err)

    # -- layouts from real hangs -------------------------------------------

    def test_xenutil_hvm_console_and_vfb_unserved(self):
        pairs = []
        device(pairs, 5, "console", 0, 1, 1)
        device(pairs, 5, "vfb", 0, 1, 1)
        device(pairs, 5, "vbd", 768, 4, 4)
        self.domain(5, "win7", "hvm", pairs)
        with open(os.path.join(self.logdir, "qemu-dm-win7.log"), "w") as f:
            f.write("qemu-dm-launcher: 10:00:00.000   argv[0] = %s\n" % QEMU)
            f.write("xen be: console-0: initialise() failed\n")
            f.write("a harmless line\n")

        rep = self.diagnose_json(5, 1)
        self.assertTrue(rep["stuck"])
        self.assertEqual(rep["name"], "win7")
        self.assertEqual(rep["guest"], "hvm")
        for cls in ("console", "vfb"):
            d = self.dev(rep, cls, 0)
            self.assertTrue(d["stuck"], d)
            self.assertEqual(d["problems"], ["backend-initialising"])
            self.assertEqual(d["backend"]["path"], backend_path(5, cls, 0))
            self.assertEqual(d["backend"]["state"], 1)
            self.assertEqual(d["backend"]["state_name"], "Initialising")
            self.assertEqual(d["frontend"]["path"], frontend_path(5, cls, 0))
            self.assertEqual(d["backend_domid"], 0)
            self.assertTrue(d["scrub"]["would_remove"], d)
            self.assertIn("stale", d["scrub"]["why"])
        vbd = self.dev(rep, "vbd", 768)
        self.assertFalse(vbd["stuck"])
        self.assertEqual(vbd["backend"]["state_name"], "Connected")
        self.assertFalse(vbd["scrub"]["would_remove"])
        self.assertEqual(rep["log"]["path"], os.path.join(self.logdir, "qemu-dm-win7.log"))
        self.assertEqual(rep["log"]["error_lines"], ["xen be: console-0: initialise() failed"])
        # No hypervisor here: say so, and read the state from xenstore.
        self.assertEqual(rep["domain"]["source"], "xenstore")
        self.assertIn("no hypervisor", rep["domain"]["note"])

        # The table names the stuck devices, without colour off a terminal.
        r = self.diagnose("win7")
        self.assertEqual(r.returncode, 1)
        table = r.stdout.decode()
        self.assertNotIn("\033", table)
        rows = [l for l in table.splitlines() if "backend-initialising" in l]
        self.assertEqual(len(rows), 2, table)
        self.assertTrue(rows[0].split()[0:2] == ["console", "0"], rows[0])
        self.assertTrue(rows[1].split()[0:2] == ["vfb", "0"], rows[1])
        self.assertIn(backend_path(5, "console", 0), rows[0])
        self.assertIn("STUCK", table)

    def test_pv_guest_vfb_never_served(self):
        pairs = []
        device(pairs, 7, "vfb", 0, 1, 1)
        device(pairs, 7, "vbd", 51712, 4, 4)
        # Console 0 as xl writes it: at /local/domain/7/console, served by
        # xenconsoled, which never moves the backend out of state 1.  And
        # libxl's suspend event channel, which is not a device.
        con_be = backend_path(7, "console", 0)
        pairs += [("/local/domain/7/console/backend", con_be),
                  ("/local/domain/7/console/backend-id", 0),
                  ("/local/domain/7/console/type", "xenconsoled"),
                  ("/local/domain/7/console/ring-ref", 728066),
                  ("/local/domain/7/console/port", 2),
                  (con_be + "/frontend", "/local/domain/7/console"), (con_be + "/state", 1),
                  ("/local/domain/7/device/suspend/event-channel", "")]
        self.domain(7, "pvfb", "pv", pairs)

        rep = self.diagnose_json("pvfb", 1)
        self.assertEqual(rep["domid"], 7)
        self.assertEqual(rep["guest"], "pv")
        vfb = self.dev(rep, "vfb", 0)
        self.assertEqual(vfb["problems"], ["backend-initialising"])
        # PV guests' vfb is qemu's to serve: the scrub policy leaves it.
        self.assertFalse(vfb["scrub"]["would_remove"])
        self.assertIn("pv guests are not scrubbed", vfb["scrub"]["why"])
        con = self.dev(rep, "console", 0)
        self.assertEqual(con["frontend"]["path"], "/local/domain/7/console")
        self.assertFalse(con["stuck"])
        self.assertEqual(con["backend"]["state_name"], "Initialising")
        self.assertIn("xenconsoled", con["note"])
        self.assertFalse(self.dev(rep, "vbd", 51712)["stuck"])
        self.assertEqual(sorted(d["class"] for d in rep["devices"]), ["console", "vbd", "vfb"])
        self.assertEqual(len(rep["findings"]), 1, rep["findings"])

    def test_healthy_guest_every_device_connected(self):
        qemu = subprocess.Popen([QEMU, "-name", "healthy", "-machine", "none", "-nodefaults",
                                 "-nographic", "-S", "-monitor", "none", "-serial", "none",
                                 "-display", "none"],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        self.addCleanup(qemu.wait)
        self.addCleanup(qemu.kill)
        pairs = []
        for cls, devid in (("console", 0), ("vfb", 0), ("vbd", 768), ("vif", 0)):
            device(pairs, 9, cls, devid, 4, 4)
        pairs += [("/local/domain/9/image/device-model-pid", qemu.pid),
                  ("/local/domain/0/device-model/9/state", "running")]
        self.domain(9, "healthy", "hvm", pairs)

        rep = self.diagnose_json(9, 0)
        self.assertFalse(rep["stuck"])
        self.assertEqual(rep["findings"], [])
        self.assertEqual(len(rep["devices"]), 4)
        for d in rep["devices"]:
            self.assertFalse(d["stuck"], d)
            self.assertEqual(d["frontend"]["state_name"], "Connected")
            self.assertEqual(d["backend"]["state"], 4)
            self.assertFalse(d["scrub"]["would_remove"], d)
        dm = rep["device_model"]
        self.assertEqual(dm["pid"], qemu.pid)
        self.assertTrue(dm["alive"])
        self.assertTrue(dm["is_configured_qemu"], dm)
        self.assertEqual(dm["exe"], os.path.realpath(QEMU))
        self.assertEqual(dm["state"], "running")
        self.assertEqual(rep["log"]["error_lines"], [])
        self.assertIn("cannot open", rep["log"]["note"])

        r = self.diagnose("9")
        self.assertEqual(r.returncode, 0)
        self.assertIn("OK: nothing stuck in domain 9", r.stdout.decode())

    def test_dead_device_model(self):
        gone = subprocess.Popen(["true"])
        gone.wait()
        pairs = []
        device(pairs, 11, "vbd", 768, 4, 4)
        pairs += [("/local/domain/11/image/device-model-pid", gone.pid),
                  ("/local/domain/0/device-model/11/state", "running")]
        self.domain(11, "deaddm", "hvm", pairs)

        rep = self.diagnose_json(11, 1)
        self.assertTrue(rep["stuck"])
        dm = rep["device_model"]
        self.assertEqual(dm["pid"], gone.pid)
        self.assertFalse(dm["alive"])
        self.assertIn("not running", dm["note"])
        self.assertTrue(any(f.startswith("device model: ") for f in rep["findings"]))
        self.assertFalse(self.dev(rep, "vbd", 768)["stuck"])

    def test_dangling_backend_link(self):
        fe = frontend_path(12, "vif", 0)
        self.domain(12, "dangling", "hvm",
                    [(fe + "/backend", backend_path(12, "vif", 0)), (fe + "/backend-id", 0),
                     (fe + "/state", 1)])
        rep = self.diagnose_json(12, 1)
        vif = self.dev(rep, "vif", 0)
        self.assertEqual(vif["problems"], ["dangling-backend-link"])
        self.assertFalse(vif["backend"]["exists"])
        self.assertIsNone(vif["backend"]["state"])
        self.assertEqual(vif["backend"]["state_name"], "missing")
        self.assertFalse(vif["scrub"]["would_remove"])

        r = self.diagnose("12")
        rows = [l for l in r.stdout.decode().splitlines() if "dangling-backend-link" in l]
        self.assertEqual(len(rows), 1)
        self.assertTrue(rows[0].split()[0:2] == ["vif", "0"], rows[0])
        self.assertIn("(missing)", rows[0])

    def test_backend_left_for_a_vanished_frontend(self):
        be = backend_path(13, "console", 0)
        self.xs.write_many([(be + "/frontend", frontend_path(13, "console", 0)),
                            (be + "/state", 1)])
        rep = self.diagnose_json(13, 1)
        con = self.dev(rep, "console", 0)
        self.assertEqual(con["problems"], ["no-frontend"])
        self.assertIsNone(con["frontend"])

    def test_other_domains_are_not_reported(self):
        pairs = []
        device(pairs, 5, "vbd", 768, 4, 4)
        device(pairs, 6, "console", 0, 1, 1)
        self.domain(5, "a", "hvm", pairs)
        self.xs.write("/local/domain/6/name", "b")
        rep = self.diagnose_json(5, 0)
        self.assertEqual([(d["class"], d["devid"]) for d in rep["devices"]], [("vbd", "768")])

    # -- after the real launcher ran -----------------------------------------

    def test_after_the_launchers_scrub_with_its_helper_running(self):
        """The XENUTIL layout, then the real launcher with its scrub and its
        helper: diagnose finds the unserved backends removed (not stuck),
        the device model alive as the configured binary, and the helper."""
        # LIBXL_HVM's line under a domid of its own: a helper's uid is
        # helper-uid-base + domid, and RLIMIT_NPROC counts every task of
        # that uid on the machine, other test runs' helpers of domain 7 too.
        domid, name = 4077, "win10"
        argv = list(LIBXL_HVM)
        argv[argv.index("-xen-domid") + 1] = str(domid)
        pairs = []
        device(pairs, domid, "vfb", 0, 1, 1)
        device(pairs, domid, "vbd", 768, 1, 2)
        con_be = backend_path(domid, "console", 0)
        pairs += [("/local/domain/%d/console/backend" % domid, con_be),
                  ("/local/domain/%d/console/backend-id" % domid, 0),
                  ("/local/domain/%d/console/type" % domid, "xenconsoled"),
                  (con_be + "/frontend", "/local/domain/%d/console" % domid), (con_be + "/state", 1)]
        self.domain(domid, name, "hvm", pairs)
        self.xs.introduce(domid)
        # The device model: the exec-probe fixture under a qemu-like name,
        # staying alive after it prints.  /proc/PID/exe resolves the link.
        qemu = os.path.join(self.tmp.name, "qemu-system-i386")
        os.symlink(EXEC_PROBE, qemu)
        # The launcher and diagnose read the same config.
        conf = self.config
        with open(conf, "w") as f:
            f.write("[launcher]\nqemu-xen = %s\nscrub-grace-ms = 0\nscrub-window-s = 60\n"
                    % qemu)
        out = os.path.join(self.tmp.name, "dm.out")
        # Where libxl points the device model's stderr.
        err = os.path.join(self.logdir, "qemu-dm-%s.log" % name)
        env = self.xs.client_env()
        env["EXEC_PROBE_SLEEP_MS"] = "60000"
        with open(out, "wb") as o, open(err, "wb") as e:
            dm = subprocess.Popen([LAUNCHER, "--config", conf, "--"] + argv,
                                  stdin=subprocess.DEVNULL, stdout=o, stderr=e, env=env)
        self.addCleanup(dm.wait)
        self.addCleanup(dm.kill)

        def log():
            with open(err, errors="replace") as f:
                return f.read()

        def helper():
            m = re.search(r"started scrub helper, pid (\d+)", log())
            return int(m.group(1)) if m else None

        # qemu was exec'd in place once the fixture prints its pid.
        self.assertTrue(wait_until(lambda: os.path.getsize(out) > 0, 30), log())
        with open(out) as f:
            self.assertEqual(json.loads(f.readline())["pid"], dm.pid)
        hpid = helper()
        self.assertIsNotNone(hpid, log())
        self.addCleanup(lambda: os.path.exists("/proc/%d" % hpid) and
                        os.kill(hpid, signal.SIGKILL))
        self.xs.write_many([("/local/domain/%d/image/device-model-pid" % domid, dm.pid),
                            ("/local/domain/0/device-model/%d/state" % domid, "running")])
        for cls in ("console", "vfb"):
            self.assertTrue(wait_until(lambda: not self.xs.exists(backend_path(domid, cls, 0)),
                                       10), log())

        rep = self.diagnose_json(domid, 0)
        self.assertFalse(rep["stuck"], rep["findings"])
        for cls in ("console", "vfb"):
            d = self.dev(rep, cls, 0)
            self.assertFalse(d["stuck"], d)
            self.assertFalse(d["backend"]["exists"])
            self.assertIn("already removed", d["scrub"]["why"])
        self.assertEqual(self.dev(rep, "vbd", 768)["backend"]["state_name"], "InitWait")
        dmr = rep["device_model"]
        self.assertEqual(dmr["pid"], dm.pid)
        self.assertTrue(dmr["alive"])
        self.assertTrue(dmr["is_configured_qemu"], dmr)
        self.assertEqual(dmr["exe"], os.path.realpath(EXEC_PROBE))
        self.assertEqual(rep["scrub_helper"], {"running": True, "pids": [hpid]}, rep["scrub_story"])
        story = rep["scrub_story"]
        self.assertTrue(story["started_by_launcher"], story)
        self.assertEqual(story["helper_logged_pid"], hpid)
        self.assertEqual(sorted(x["path"] for x in story["removed"]),
                         [backend_path(domid, "console", 0), backend_path(domid, "vfb", 0)])
        self.assertTrue(all(x["by"] in ("launcher", "helper %d" % hpid)
                            for x in story["removed"]), story)
        self.assertEqual(story["not_helpers"], [])
        self.assertIsNone(story["helper_stopped_at"])

        # Once the domain is released the helper exits, and diagnose says so.
        self.xs.release(domid)
        self.assertTrue(wait_until(lambda: not os.path.exists("/proc/%d/exe" % hpid) or
                                   open("/proc/%d/stat" % hpid).read().split(") ")[1][0]
                                   in "ZX", 30), log())
        rep = self.diagnose_json(domid, 0)
        self.assertEqual(rep["scrub_helper"], {"running": False, "pids": []})
        self.assertEqual(rep["scrub_story"]["helper_stopped_why"], "domain-released",
                         rep["scrub_story"])
        self.assertRegex(rep["scrub_story"]["helper_stopped_at"],
                         r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$")
        r = self.diagnose(str(domid))
        self.assertIn("scrub helper: stopped watching at ", r.stdout.decode())
        self.assertIn("the domain was released", r.stdout.decode())

    def test_advice_and_story_before_and_after_the_helpers_window(self):
        """A stuck HVM guest with the real launcher and helper: while the
        helper watches, the finding says it will remove the backend; once
        its window ends, it says when the helper stopped and what to run."""
        domid, name = 4079, "win10"  # a domid of its own (see above)
        argv = list(LIBXL_HVM)
        argv[argv.index("-xen-domid") + 1] = str(domid)
        pairs = []
        device(pairs, domid, "vfb", 0, 1, 1)
        self.domain(domid, name, "hvm", pairs)
        self.xs.introduce(domid)
        qemu = os.path.join(self.tmp.name, "qemu-system-i386")
        os.symlink(EXEC_PROBE, qemu)
        with open(self.config, "w") as f:
            # A grace longer than the window: the helper stops first.
            f.write("[launcher]\nqemu-xen = %s\nscrub-grace-ms = 600000\n"
                    "scrub-window-s = 5\n" % qemu)
        log = os.path.join(self.logdir, "qemu-dm-%s.log" % name)
        env = self.xs.client_env()
        env["EXEC_PROBE_SLEEP_MS"] = "60000"
        with open(log, "wb") as e:
            dm = subprocess.Popen([LAUNCHER, "--config", self.config, "--"] + argv,
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=e, env=env)
        self.addCleanup(dm.wait)
        self.addCleanup(dm.kill)

        def text():
            with open(log, errors="replace") as f:
                return f.read()
        self.assertTrue(wait_until(lambda: "] watching " in text() or
                                   re.search(r"\d watching \d", text()), 30), text())
        hpid = int(re.search(r"started scrub helper, pid (\d+)", text()).group(1))
        self.xs.write("/local/domain/%d/image/device-model-pid" % domid, dm.pid)
        be = backend_path(domid, "vfb", 0)

        rep = self.diagnose_json(domid, 1)
        self.assertEqual(rep["scrub_helper"], {"running": True, "pids": [hpid]})
        self.assertIn("the scrub helper (pid %d) is watching and will remove it" % hpid,
                      rep["findings"][0])
        advice = rep["advice"][0]
        self.assertEqual(advice["finding"], rep["findings"][0])
        self.assertEqual(advice["commands"], ["qemu-dm-launcher scrub %d" % domid,
                                              "xenstore-rm %s" % be])

        self.assertTrue(wait_until(lambda: "scrub window of 5 s ended" in text(), 30), text())
        rep = self.diagnose_json(domid, 1)
        story = rep["scrub_story"]
        self.assertTrue(story["started_by_launcher"])
        self.assertEqual(story["helper_stopped_why"], "window-ended", story)
        self.assertEqual(rep["scrub_helper"]["running"], False)
        self.assertIn("the helper stopped watching at %s (its scrub window ended); run "
                      "`qemu-dm-launcher scrub %d`" % (story["helper_stopped_at"], domid),
                      rep["findings"][0])
        self.assertNotIn("would remove it", rep["findings"][0])
        self.assertIn("the helper stopped watching", rep["advice"][0]["advice"])
        table = self.diagnose(str(domid)).stdout.decode()
        self.assertIn("scrub helper: stopped watching at %s: the window ended"
                      % story["helper_stopped_at"], table)
        self.assertIn("      $ qemu-dm-launcher scrub %d\n" % domid, table)

    # -- a hung xenstored ----------------------------------------------------

    def test_hung_xenstored_bounded_with_a_partial_report(self):
        pairs = []
        device(pairs, 5, "console", 0, 1, 1)
        self.domain(5, "win7", "hvm", pairs)
        with open(os.path.join(self.logdir, "qemu-dm-win7.log"), "w") as f:
            f.write("xen be: console-0: initialise() failed\n")
        self.xs.proc.send_signal(signal.SIGSTOP)
        self.addCleanup(lambda: self.xs.proc and self.xs.proc.send_signal(signal.SIGCONT))
        for args in (("win7",), ("--json", "5")):
            start = time.monotonic()
            r = self.diagnose("--timeout", "2", *args)
            elapsed = time.monotonic() - start
            err = r.stderr.decode(errors="replace")
            self.assertEqual(r.returncode, 2, err)
            # The bound: the timeout plus one second.
            self.assertLess(elapsed, 3.0, err)
            self.assertIn("xenstored did not answer within 2 s", err)
            out = r.stdout.decode()
            if args[0] == "--json":
                rep = json.loads(out)
                self.assertIn("did not answer within 2 s", rep["partial"])
                self.assertTrue(any(("pid %d " % self.xs.proc.pid) in x and "state T" in x
                                    for x in rep["xenstored"]), rep["xenstored"])
            else:
                self.assertIn("PARTIAL: xenstored did not answer within 2 s", out)
                self.assertIn("xenstored pid %d" % self.xs.proc.pid, out)
                self.assertIn("$ kill -CONT %d" % self.xs.proc.pid, out)
                # The log is found by the name given.
                self.assertIn("xen be: console-0: initialise() failed", out)
        self.xs.proc.send_signal(signal.SIGCONT)
        rep = self.diagnose_json(5, 1)
        self.assertIsNone(rep["partial"])

    # -- a guest's garbage -----------------------------------------------------

    def test_guest_garbage_in_every_node_it_can_write(self):
        """What a hostile guest can write below its own directory: invalid
        paths, 4 KiB values, C1 and bidi characters, no backend-id.  Every
        other device is still reported, and nothing raw reaches a terminal."""
        nasty = "x\u009b31m\u009d0;owned\u0007\u202etxt.exe\u2066\u001b[2J"
        pairs = []
        device(pairs, 5, "console", 0, 1, 1)
        device(pairs, 5, "vbd", 768, 4, 4)
        vif = frontend_path(5, "vif", 0)
        vkbd = frontend_path(5, "vkbd", 0)
        vfb = frontend_path(5, "vfb", 0)
        qd = frontend_path(5, "qdisk", 1)
        pairs += [(vif + "/backend", backend_path(5, "vif", 0) + " "),  # a trailing space
                  (vif + "/backend-id", 0), (vif + "/state", 1),
                  (vkbd + "/backend", "/" + "a" * 4000), (vkbd + "/state", nasty),
                  (vfb + "/backend", nasty), (vfb + "/state", "1" * 4000),
                  # no backend-id at all
                  (qd + "/backend", backend_path(5, "qdisk", 1)), (qd + "/state", 3),
                  ("/local/domain/5/control/shutdown", nasty),
                  ("/local/domain/5/data/junk", "y" * 3000)]
        self.domain(5, "win7", "hvm", pairs)
        with open(os.path.join(self.logdir, "qemu-dm-win7.log"), "w") as f:
            f.write("qemu-dm-launcher: 10:00:00.000 exec qemu\n")
            f.write("error: %s\n" % nasty)

        rep = self.diagnose_json(5, 1)
        self.assertEqual(self.dev(rep, "vif", 0)["problems"], ["invalid-backend-link"])
        self.assertIn("frontend names an invalid backend path (guest wrote it)",
                      self.dev(rep, "vif", 0)["problem"])
        self.assertTrue(self.dev(rep, "vif", 0)["backend"]["path_from_guest"])
        self.assertFalse(self.dev(rep, "vif", 0)["backend"]["path_valid"])
        self.assertEqual(self.dev(rep, "vfb", 0)["problems"], ["invalid-backend-link"])
        # JSON keeps the guest's value.
        self.assertEqual(self.dev(rep, "vfb", 0)["backend"]["path"], nasty)
        self.assertEqual(self.dev(rep, "vkbd", 0)["problems"], ["invalid-backend-link"])
        self.assertEqual(self.dev(rep, "qdisk", 1)["problems"], ["dangling-backend-link"])
        # No backend-id: the backend's domain is read from its link instead.
        self.assertEqual(self.dev(rep, "qdisk", 1)["backend_domid"], 0)
        self.assertEqual(self.dev(rep, "console", 0)["problems"], ["backend-initialising"])
        self.assertFalse(self.dev(rep, "vbd", 768)["stuck"])
        # Colour sequences are dropped from log lines; the rest is kept.
        self.assertIn(nasty.replace("\u001b[2J", ""), rep["log"]["error_lines"][0])

        bad = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f"
                         "\u202a-\u202e\u2066-\u2069]")
        for args in (("win7",), ("--json", "5")):
            r = self.diagnose(*args)
            self.assertEqual(r.returncode, 1, r.stderr)
            text = r.stdout.decode("utf-8")
            self.assertIsNone(bad.search(text), repr(bad.search(text)))
            if args[0] == "win7":
                self.assertIn("frontend names an invalid backend path (guest wrote it)", text)
                self.assertIn("shutdown requested (x?31m?0;owned??txt.exe??[2J)", text)
                self.assertIn("* written by the guest", text)
                rows = [l.split()[0] for l in text.splitlines() if l.startswith("  ")
                        and l.split() and l.split()[0] in
                        ("console", "vbd", "vif", "vkbd", "vfb", "qdisk")]
                self.assertEqual(sorted(rows), ["console", "qdisk", "vbd", "vfb", "vif", "vkbd"])
            else:
                self.assertIn("\\u009b", text)
                self.assertIn("\\u202e", text)

    # -- look-alike helpers --------------------------------------------------

    def look_alike(self, uid, xenstored, domid=4078):
        """Any local user can run the launcher binary with an argv naming a
        domain.  This one blocks writing its version to a full pipe, so it
        stays alive, running the launcher binary, for as long as needed."""
        rfd, wfd = os.pipe()
        os.set_blocking(wfd, False)
        try:
            while True:
                os.write(wfd, b"x" * 65536)
        except BlockingIOError:
            pass
        os.set_blocking(wfd, True)
        env = self.xs.client_env()
        env["XENSTORED_PATH"] = xenstored

        def drop():
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
        p = subprocess.Popen([LAUNCHER, "--version", "--", "-d", str(domid), "-M", "xenfv"],
                             stdin=subprocess.DEVNULL, stdout=wfd, stderr=wfd, env=env,
                             preexec_fn=drop)
        os.close(wfd)
        self.addCleanup(os.close, rfd)
        self.addCleanup(p.wait)
        self.addCleanup(p.kill)
        self.assertTrue(wait_until(lambda: os.path.realpath("/proc/%d/exe" % p.pid)
                                   == os.path.realpath(LAUNCHER), 5))
        return p

    def test_look_alike_helpers_are_not_the_helper(self):
        if os.geteuid() != 0:
            self.skipTest("needs root to run processes as other users")
        pairs = []
        device(pairs, 4078, "console", 0, 1, 1)
        self.domain(4078, "win10", "hvm", pairs)
        other = Xenstored().start()
        self.addCleanup(other.stop)
        user = self.look_alike(1000, self.xs.socket)
        # The helper of domain 4078 runs as helper-uid-base + 4078
        # (docs/helper-uids.md).
        foreign = self.look_alike(HELPER_UID_BASE + 4078, other.socket)
        rep = self.diagnose_json(4078, 1)
        self.assertEqual(rep["scrub_helper"], {"running": False, "pids": []})
        why = {int(re.match(r"pid (\d+) ", x).group(1)): x
               for x in rep["scrub_story"]["not_helpers"]}
        self.assertIn("runs as uid 1000", why[user.pid])
        self.assertIn("serves the xenstored at %s" % other.socket, why[foreign.pid])
        self.assertIn("no helper is watching", rep["findings"][0])

        # The root-owned log names the helper's pid: a process of the
        # helper's uid and our xenstored, but another pid, is not it.
        with open(os.path.join(self.logdir, "qemu-dm-win10.log"), "w") as f:
            f.write("qemu-dm-launcher: 10:00:00.000 started scrub helper, pid 1\n")
        same = self.look_alike(HELPER_UID_BASE + 4078, self.xs.socket)
        rep = self.diagnose_json(4078, 1)
        self.assertEqual(rep["scrub_helper"]["running"], False)
        self.assertEqual(len(rep["scrub_story"]["not_helpers"]), 3)
        self.assertTrue(any(x.startswith("pid %d " % same.pid) and
                            "the launcher logged its helper as pid 1" in x
                            for x in rep["scrub_story"]["not_helpers"]))

    def test_reads_in_one_transaction_it_aborts(self):
        """diagnose never writes: what it sends xenstored is reads and
        listings inside one transaction, which it ends by aborting it
        (TRANSACTION_END "F"), never by a commit."""
        traced = Xenstored(trace=True).start()
        self.addCleanup(traced.stop)
        pairs = [("/local/domain/7/name", "win10"), ("/libxl/7/type", "hvm")]
        device(pairs, 7, "vbd", 768, 4, 4)
        device(pairs, 7, "console", 0, 1, 1)
        traced.write_many(pairs)
        with open(traced.trace_file, errors="replace") as f:
            before = len(f.readlines())
        r = self.diagnose("--json", "7", env=traced.client_env())
        self.assertEqual(r.returncode, 1, r.stderr)
        with open(traced.trace_file, errors="replace") as f:
            requests = [line.split()[4:6] for line in f.readlines()[before:]
                        if line.startswith("IN ")]
        kinds = [kind for kind, _ in requests]
        self.assertEqual(set(kinds), {"TRANSACTION_START", "READ", "DIRECTORY",
                                      "TRANSACTION_END"}, kinds)
        self.assertEqual(kinds.count("TRANSACTION_START"), 1, kinds)
        self.assertEqual(kinds[0], "TRANSACTION_START", kinds)
        self.assertEqual(requests[-1], ["TRANSACTION_END", "(F"], requests)

    # -- every domain -----------------------------------------------------------

    def test_all_lists_200_domains_with_the_worst_finding(self):
        pairs = []
        for domid in range(1, 201):
            device(pairs, domid, "vbd", 768, 4, 4)
            if domid % 50 == 0:  # four stuck guests
                device(pairs, domid, "console", 0, 1, 1)
            pairs += [("/local/domain/%d/name" % domid, "guest-%03d" % domid),
                      ("/local/domain/%d/domid" % domid, domid),
                      ("/libxl/%d/type" % domid, "hvm")]
        for i in range(0, len(pairs), 2000):
            self.xs.write_many(pairs[i:i + 2000])
        self.xs.write("/local/domain/0/name", "Domain-0")

        # Within the timeout: a run that did not finish would exit 2.
        r = self.diagnose("--all", "--json", "--timeout", "20")
        self.assertEqual(r.returncode, 1, r.stderr)
        rows = json.loads(r.stdout)
        self.assertEqual([x["domid"] for x in rows], list(range(1, 201)))
        stuck = [x["domid"] for x in rows if x["stuck"]]
        self.assertEqual(stuck, [50, 100, 150, 200])
        self.assertTrue(rows[49]["worst"].startswith("console 0: frontend"), rows[49])
        self.assertEqual(rows[49]["stuck_devices"], 1)
        # Not stuck, but still worth a word: no device model recorded.
        self.assertFalse(rows[0]["stuck"])
        self.assertTrue(rows[0]["worst"].startswith("device model: "), rows[0])
        self.assertEqual(rows[0]["name"], "guest-001")

        r = self.diagnose("--all")
        lines = r.stdout.decode().splitlines()
        self.assertEqual(r.returncode, 1)
        self.assertTrue(lines[0].startswith("DOMID  NAME"), lines[0])
        self.assertEqual(len(lines), 202)
        self.assertEqual(lines[50].split()[:2], ["50", "guest-050"])
        self.assertIn("STUCK", lines[50])
        self.assertIn(" ok ", lines[1])

        # Healthy everywhere: exit 0, for monitoring.
        for domid in (50, 100, 150, 200):
            self.xs.write(backend_path(domid, "console", 0) + "/state", 4)
            self.xs.write(frontend_path(domid, "console", 0) + "/state", 4)
        r = self.diagnose("--all")
        self.assertEqual(r.returncode, 0, r.stdout.decode()[-2000:])

    def test_all_with_a_hung_xenstored(self):
        self.domain(5, "win7", "hvm")
        self.xs.proc.send_signal(signal.SIGSTOP)
        self.addCleanup(lambda: self.xs.proc and self.xs.proc.send_signal(signal.SIGCONT))
        r = self.diagnose("--all", "--timeout", "1")
        self.assertEqual(r.returncode, 2)
        self.assertIn("xenstored did not answer within 1 s", r.stderr.decode())
        self.assertTrue(r.stdout.decode().startswith("DOMID"))
        self.xs.proc.send_signal(signal.SIGCONT)

    # -- --watch ----------------------------------------------------------------

    def watch(self, *args):
        out = os.path.join(self.tmp.name, "watch.%d.out" % len(os.listdir(self.tmp.name)))
        argv = [LAUNCHER, "diagnose", "--watch", "--config", self.config,
                "--log-dir", self.logdir] + list(args)
        with open(out, "wb") as o:
            p = subprocess.Popen(argv, env=self.xs.client_env(), stdin=subprocess.DEVNULL,
                                 stdout=o, stderr=subprocess.PIPE)
        self.addCleanup(lambda: p.poll() is None and p.kill())

        def text():
            with open(out, errors="replace") as f:
                return f.read()
        return p, text

    def test_watch_follows_states_flags_stuck_and_ends_on_release(self):
        be_con = backend_path(5, "console", 0)
        self.domain(5, "win7", "hvm", [(be_con + "/state", 1), (be_con + "/frontend-id", 5)])
        self.xs.introduce(5)
        p, text = self.watch("--json", "--stuck-after", "1", "win7")
        self.assertTrue(wait_until(lambda: '"event":"note"' in text(), 10), text())
        fe, be = frontend_path(5, "vbd", 768), backend_path(5, "vbd", 768)
        self.xs.write_many([(be + "/frontend", fe), (be + "/state", 1),
                            (fe + "/backend", be), (fe + "/state", 1)])
        for path, state in ((be, 2), (fe, 3), (be, 4), (fe, 4)):
            time.sleep(0.3)
            self.xs.write(path + "/state", state)
        self.assertTrue(wait_until(lambda: '"event":"stuck"' in text(), 10), text())
        self.assertTrue(wait_until(lambda: text().count('"side":"frontend"') >= 3, 10), text())
        self.xs.release(5)
        _, err = p.communicate(timeout=15)
        self.assertEqual(p.returncode, 1, err)  # the console pair was still stuck
        events = [json.loads(l) for l in text().splitlines()]
        vbd_be = [(e["event"], e["from"], e["to"], e["previous_lasted_ms"])
                  for e in events if e.get("path") == be]
        self.assertEqual([x[:3] for x in vbd_be],
                         [("new", None, "Initialising"), ("change", "Initialising", "InitWait"),
                          ("change", "InitWait", "Connected")])
        self.assertIsNone(vbd_be[0][3])
        self.assertTrue(all(isinstance(x[3], int) and x[3] > 0 for x in vbd_be[1:]), vbd_be)
        vbd_fe = [(e["from"], e["to"]) for e in events if e.get("path") == fe]
        self.assertEqual(vbd_fe, [(None, "Initialising"), ("Initialising", "Initialised"),
                                  ("Initialised", "Connected")])
        stuck = [e for e in events if e["event"] == "stuck"]
        self.assertEqual([(e["device"], e["frontend"], e["backend"]) for e in stuck],
                         [("console/0", None, "Initialising")])
        self.assertRegex(events[0]["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertEqual(events[-1]["event"], "end")
        self.assertEqual(events[-1]["why"], "the domain was released")

    def test_watch_holds_up_under_a_flood_of_10000_writes(self):
        """10,000 writes below the domain's device directory, as a guest
        flooding its own tree makes a watcher see them: memory stays
        bounded, the flood is coalesced with a note, and a real change
        after it is still reported."""
        fe, be = frontend_path(5, "vbd", 768), backend_path(5, "vbd", 768)
        self.domain(5, "win7", "hvm", [(be + "/frontend", fe), (be + "/state", 1),
                                       (fe + "/backend", be), (fe + "/state", 1)])
        p, text = self.watch("--for", "120", "5")
        self.assertTrue(wait_until(lambda: "note: watching domain 5" in text(), 10), text())
        pairs = []
        for i in range(5000):
            pairs.append((fe + "/state", 1 + i % 2))
            pairs.append(("/local/domain/5/device/junk/%d/state" % i, 1))
        for i in range(0, len(pairs), 2000):
            self.xs.write_many(pairs[i:i + 2000])
        self.xs.write(be + "/state", 4)
        self.assertTrue(wait_until(lambda: "vbd 768 backend  Initialising -> Connected" in
                                   text(), 60), text()[-3000:])
        self.assertTrue(wait_until(lambda: "coalesced into" in text(), 10), text()[-3000:])
        peak_kb = int(proc_status(p.pid)["VmHWM"].split()[0])
        p.send_signal(signal.SIGINT)  # Ctrl-C ends it
        _, err = p.communicate(timeout=20)
        self.assertEqual(p.returncode, 0, err)
        out = text()
        self.assertLess(peak_kb, 64 * 1024, "peak memory %d kB" % peak_kb)
        self.assertRegex(out, r"note: \d+ watch events in [0-9.]+ s coalesced into \d+ reads")
        self.assertIn("devices beyond the 4096 followed were dropped", out)
        self.assertLessEqual(out.count(" new -> "), 4096)
        self.assertTrue(out.rstrip().endswith("end: interrupted (Ctrl-C)"), out[-500:])

    # -- the scrub command ----------------------------------------------------

    def scrub(self, *args, env=None):
        full = self.xs.client_env()
        full.update(env or {})
        argv = [LAUNCHER, "scrub", "--config", self.config, "--log-dir", self.logdir]
        return subprocess.run(argv + list(args), env=full, capture_output=True, timeout=30)

    def scrub_layout(self):
        with open(self.config, "w") as f:
            f.write("[launcher]\nqemu-xen = %s\nscrub = console;vfb;vkbd\n"
                    "scrub-grace-ms = 1500\n" % QEMU)
        pairs = []
        device(pairs, 5, "console", 0, 1, 1)
        device(pairs, 5, "vfb", 0, 1, 1)
        device(pairs, 5, "vkbd", 0, 4, 4)   # served: never removed
        device(pairs, 5, "vbd", 768, 4, 1)  # not a scrubbed class
        self.domain(5, "win7", "hvm", pairs)
        self.log = os.path.join(self.logdir, "qemu-dm-win7.log")
        with open(self.log, "w") as f:
            f.write("qemu-system-i386: started by hand\n")

    def test_scrub_dry_run_removes_nothing(self):
        self.scrub_layout()
        before = self.xs.ls("/")
        r = self.scrub("--dry-run", "win7")
        out = r.stdout.decode()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("dry run: scrub of domain 5 ('win7'), hvm guest", out)
        self.assertIn("would remove %s: " % backend_path(5, "console", 0), out)
        self.assertIn("would remove %s: " % backend_path(5, "vfb", 0), out)
        self.assertIn("kept %s: " % backend_path(5, "vkbd", 0), out)
        self.assertNotIn("vbd", out)
        self.assertIn("dry run of domain 5: would remove 2, kept 1", out)
        self.assertEqual(self.xs.ls("/"), before)

    def test_scrub_removes_stale_keeps_served(self):
        self.scrub_layout()
        full = self.xs.client_env()
        argv = [LAUNCHER, "scrub", "--config", self.config, "--log-dir", self.logdir, "5"]
        p = subprocess.Popen(argv, env=full, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        # A backend driver serves vfb during the grace: it must be kept.
        time.sleep(0.4)
        self.xs.write(backend_path(5, "vfb", 0) + "/state", 2)
        out, err = p.communicate(timeout=30)
        out, err = out.decode(), err.decode()
        self.assertEqual(p.returncode, 0, err)
        self.assertIn("removed %s: " % backend_path(5, "console", 0), out)
        self.assertIn("kept %s: " % backend_path(5, "vfb", 0), out)
        self.assertIn("kept %s: " % backend_path(5, "vkbd", 0), out)
        self.assertIn("scrubbed domain 5: removed 1, kept 2", out)
        self.assertFalse(self.xs.exists(backend_path(5, "console", 0)))
        self.assertEqual(self.xs.read(backend_path(5, "vfb", 0) + "/state"), "2")
        self.assertEqual(self.xs.read(backend_path(5, "vkbd", 0) + "/state"), "4")
        self.assertEqual(self.xs.read(backend_path(5, "vbd", 768) + "/state"), "1")
        # Logged: on stderr and in the domain's log, where diagnose finds it.
        self.assertRegex(err, r"qemu-dm-launcher\[scrub\]: \S+ removed stale backend %s"
                         % re.escape(backend_path(5, "console", 0)))
        with open(self.log) as f:
            self.assertIn("removed stale backend %s" % backend_path(5, "console", 0), f.read())
        rep = self.diagnose_json(5, 1)
        self.assertEqual([(x["path"], x["by"]) for x in rep["scrub_story"]["removed"]],
                         [(backend_path(5, "console", 0), "scrub command")])
        self.assertFalse(rep["scrub_story"]["started_by_launcher"])

    def test_scrub_refuses_a_domid_that_does_not_exist(self):
        self.scrub_layout()
        before = self.xs.ls("/")
        self.assert_bad_input(self.scrub("42"), "no domain 42")
        self.assert_bad_input(self.scrub("nosuch"), "no domain named 'nosuch'")
        self.assert_bad_input(self.scrub(), "usage: qemu-dm-launcher scrub")
        self.assertEqual(self.xs.ls("/"), before)

    # -- bad input ---------------------------------------------------------

    def test_unknown_domid(self):
        self.assert_bad_input(self.diagnose("42"), "no domain 42 in xenstore")

    def test_unknown_name(self):
        self.domain(5, "win7", "hvm")
        self.assert_bad_input(self.diagnose("win8"), "no domain named 'win8'")

    def test_ambiguous_name(self):
        self.domain(5, "twin", "hvm")
        self.domain(6, "twin", "hvm")
        self.assert_bad_input(self.diagnose("twin"), "ambiguous: domids 5, 6")

    def test_bad_domid(self):
        self.assert_bad_input(self.diagnose("99999"), "is not a number between 1 and 32751")
        self.assert_bad_input(self.diagnose("0"), "is not a number between 1 and 32751")

    def test_missing_argument(self):
        self.assert_bad_input(self.diagnose(), "usage: qemu-dm-launcher diagnose")

    def test_xenstore_unreachable(self):
        missing = os.path.join(self.tmp.name, "no-such-socket")
        r = self.diagnose("5", env={"XENSTORED_PATH": missing})
        self.assert_bad_input(r, "cannot connect to xenstored at %s" % missing)


if __name__ == "__main__":
    unittest.main(verbosity=2)
