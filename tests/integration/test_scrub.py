"""The scrubber and its detached helper, against a private real xenstored
per test (Debian's xenstored under the test-only shim, see xenstored.py).

The "qemu" is the exec_probe fixture (prints its pid, argv and fds, then
exits) or a small script that stays alive; real qemu-xen cannot run
without Xen.  This process makes itself a child subreaper, so a helper
orphaned by its launcher is re-parented here and can be reaped and
checked for its exit status; on a host it is re-parented to init."""
import ctypes
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import unittest
import uuid

sys.path.insert(0, os.path.dirname(__file__))
import dmtest  # noqa: E402
from dmtest import LAUNCHER, EXEC_PROBE, XEND_HVM, LIBXL_HVM, LIBXL_PV_VFB, PROBE  # noqa: E402
from xenstored import (Xenstored, backend_path, pids_with_env, proc_status,  # noqa: E402
                       XENBUS_INITIALISING, XENBUS_INITWAIT, XENBUS_CONNECTED)

PR_SET_CHILD_SUBREAPER = 36


def setUpModule():
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


def wait_until(predicate, timeout, step=0.02):
    # The scrub tests poll finer than dmtest's default: they time removals.
    return dmtest.wait_until(predicate, timeout, step)


class Launch:
    """One launcher run whose stdout/stderr go to files (the helper keeps
    stderr open after the launcher is gone, as with the toolstack's log)."""

    def __init__(self, test, args, conf, own=(), env=None, qemu=None):
        self.test = test
        self.out = os.path.join(test.dir, "out-%s" % uuid.uuid4().hex[:8])
        self.err = self.out.replace("out-", "err-")
        self.marker = uuid.uuid4().hex
        full_env = dict(os.environ)
        full_env.pop("LD_PRELOAD", None)
        full_env.update(test.xs.env if env is None else env)
        full_env["DM_TEST_MARKER"] = self.marker
        argv = [LAUNCHER, "--config", conf] + list(own) + ["--"] + list(args)
        with open(self.out, "wb") as out, open(self.err, "wb") as err:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=err, env=full_env)
        self.pid = self.proc.pid

    def wait(self, timeout=30):
        self.rc = self.proc.wait(timeout=timeout)
        return self.rc

    def log(self):
        with open(self.err, errors="replace") as f:
            return f.read()

    def probe_output(self):
        with open(self.out) as f:
            return json.loads(f.read())

    def helper_watching(self, timeout=10):
        """Waits until the helper has its watches and has seen the domain."""
        return wait_until(lambda: "watching " in self.log(), timeout)

    def helper_pid(self):
        m = re.search(r"started scrub helper, pid (\d+)", self.log())
        return int(m.group(1)) if m else None

    def processes(self):
        """Every live process this launch started (found by an environment
        marker, so a detached one is found too)."""
        return [p for p in pids_with_env("DM_TEST_MARKER", self.marker)
                if (proc_status(p) or {}).get("State", "Z").split()[0] != "Z"]


def reap(pid, timeout):
    """Waits for a re-parented helper; returns its exit status or None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            got, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            # Not ours (no subreaper): wait until /proc says it is gone.
            return 0 if wait_until(lambda: not os.path.exists("/proc/%d" % pid),
                                   deadline - time.monotonic()) else None
        if got == pid:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.02)
    return None


class ScrubTest(unittest.TestCase):
    def setUp(self):
        self.assertTrue(LAUNCHER and os.path.exists(LAUNCHER), "DM_LAUNCHER not set")
        import tempfile
        self.tmp = tempfile.TemporaryDirectory(prefix="dm-scrub-")
        self.dir = self.tmp.name
        self.xs = Xenstored(trace=True).start()
        self.launches = []

    def tearDown(self):
        # Kill whatever a failed test left behind, then check the daemon.
        for launch in self.launches:
            for pid in launch.processes():
                try:
                    os.kill(pid, signal.SIGKILL)
                    reap(pid, 5)
                except OSError:
                    pass
        self.xs.stop()
        self.tmp.cleanup()

    def config(self, **keys):
        text = "[launcher]\nqemu-xen = %s\nqemu-xen-traditional = %s\n" % (
            keys.pop("qemu", EXEC_PROBE), keys.pop("qemu_trad", EXEC_PROBE))
        for k, v in keys.items():
            text += "%s = %s\n" % (k.replace("_", "-"), v)
        path = os.path.join(self.dir, "launcher-%s.conf" % uuid.uuid4().hex[:8])
        with open(path, "w") as f:
            f.write(text)
        return path

    def launch(self, args, conf, **kw):
        launch = Launch(self, args, conf, **kw)
        self.launches.append(launch)
        return launch

    def assert_gone(self, path, timeout=10):
        self.assertTrue(wait_until(lambda: not self.xs.exists(path), timeout),
                        "%s still there; xenstore:\n%s" % (path, self.dump()))

    def dump(self):
        return "\n".join("%s = %s" % kv for kv in sorted(self.xs.ls("/local").items()))

    def watching_helper(self, introduce=True, **conf):
        """Domain 7 with stale backends, a launch with a 600 s window (only
        its domain's end can stop the helper soon), and the helper up and
        watching: returns (launch, helper pid).  `conf`: more config keys."""
        self.xs.write_domain(7, "win10", introduce=introduce)
        launch = self.launch(LIBXL_HVM, self.config(scrub_window_s=600, **conf))
        self.assertEqual(launch.wait(), 0, launch.log())
        pid = launch.helper_pid()
        self.assertIsNotNone(pid, launch.log())
        self.assertTrue(launch.helper_watching(), launch.log())
        return launch, pid

    def finish(self, launch, timeout=10):
        """Releases nothing: waits for the helper to exit on its own."""
        pid = launch.helper_pid()
        self.assertIsNotNone(pid, launch.log())
        status = reap(pid, timeout)
        self.assertEqual(status, 0, "helper %d did not exit 0 within %ds:\n%s"
                         % (pid, timeout, launch.log()))
        self.assertEqual(launch.processes(), [], launch.log())


class TestStubdomTarget(ScrubTest):
    """dom0's launcher for a stub domain NAME-dm (libxl's PV qemu for the
    stub domain's consoles, libxl_dm.c libxl__spawn_stub_dm, 4.17) is the
    only launcher that ever runs for the HVM guest NAME: it scrubs the
    guest's stale console and vfb backends too, by the HVM policy."""
    STUB_ARGS = ["-xen-domid", "5", "-no-shutdown", "-nodefaults", "-no-user-config",
                 "-xen-attach", "-name", "g-dm", "-vnc", "none", "-display", "none",
                 "-machine", "xenpv", "-m", "128"]

    def wait_helper_done(self, launch):
        pid = launch.helper_pid()
        if pid is not None:
            self.assertEqual(reap(pid, 10), 0, launch.log())

    def test_target_backends_scrubbed(self):
        self.xs.write_domain(4, "g")                    # the HVM guest, stale backends
        self.xs.write_domain(5, "g-dm", backends=())    # its stub domain
        self.xs.write("/local/domain/5/target", "4")
        launch = self.launch(self.STUB_ARGS, self.config(scrub_grace_ms=200,
                                                         scrub_window_s=5))
        self.assertEqual(launch.wait(), 0, launch.log())
        self.assert_gone(backend_path(4, "console", 0))
        self.assert_gone(backend_path(4, "vfb", 0))
        self.assertIn("stub domain g-dm serves HVM guest 4: scrubbing its 2 backend "
                      "directories too", launch.log())
        self.xs.release(5)
        self.xs.release(4)
        self.finish(launch)

    def test_not_a_stub_domain_touches_no_other_domain(self):
        # A PV guest that only happens to be called *-dm: no target node.
        self.xs.write_domain(4, "g")
        self.xs.write_domain(5, "g-dm", backends=())
        launch = self.launch(self.STUB_ARGS, self.config(scrub_grace_ms=200,
                                                         scrub_window_s=1))
        self.assertEqual(launch.wait(), 0, launch.log())
        self.wait_helper_done(launch)  # past the grace and the window
        self.assertEqual(self.xs.read(backend_path(4, "vfb", 0) + "/state"), "1")
        self.assertNotIn("serves HVM guest", launch.log())

    def test_target_of_another_name_is_refused(self):
        self.xs.write_domain(4, "other")
        self.xs.write_domain(5, "g-dm", backends=())
        self.xs.write("/local/domain/5/target", "4")
        launch = self.launch(self.STUB_ARGS, self.config(scrub_grace_ms=200,
                                                         scrub_window_s=1))
        self.assertEqual(launch.wait(), 0, launch.log())
        self.assertIn("the target of g-dm (domain 4) is 'other', not the stub domain's "
                      "guest", launch.log())
        self.wait_helper_done(launch)
        self.assertEqual(self.xs.read(backend_path(4, "vfb", 0) + "/state"), "1")


class TestScrub(ScrubTest):
    def test_unserved_backend_removed_and_logged(self):
        # libxl's HVM line: domid 7.  Console and vfb are the scrubbed
        # classes; vbd and vif are the toolstack's real devices.
        self.xs.write_domain(7, "win10", backends=(("console", 0), ("vfb", 0),
                                                   ("vbd", 768), ("vif", 0)))
        launch = self.launch(LIBXL_HVM, self.config(scrub_grace_ms=200, scrub_window_s=5))
        self.assertEqual(launch.wait(), 0, launch.log())
        self.assertEqual(launch.probe_output()["pid"], launch.pid)  # exec in place
        self.assert_gone(backend_path(7, "console"))
        self.assert_gone(backend_path(7, "vfb"))
        self.assertEqual(self.xs.read(backend_path(7, "vbd", 768) + "/state"), "1")
        self.assertEqual(self.xs.read(backend_path(7, "vif", 0) + "/state"), "1")
        # The frontends are the guest's: left alone.
        self.assertTrue(self.xs.exists("/local/domain/7/device/console/0/backend"))
        self.xs.release(7)
        self.finish(launch)
        log = launch.log()
        for cls in ("console", "vfb"):
            self.assertRegex(log, r"removed stale backend %s: state 1 \(Initialising\) "
                             r"for \d+ ms \(scrub-grace-ms 200\); nothing serves it"
                             % re.escape(backend_path(7, cls, 0)))
        self.assertNotIn("vbd", log)

    def test_served_backend_kept(self):
        # The console goes 1 -> 2 -> 4 during the grace, as qemu's own
        # console backend does; the vfb stays in 1 and must go.
        self.xs.write_domain(7, "win10")
        grace_ms = 1500
        launch = self.launch(LIBXL_HVM, self.config(scrub_grace_ms=grace_ms, scrub_window_s=10))
        self.assertEqual(launch.wait(), 0, launch.log())
        self.assertIsNotNone(launch.helper_pid(), launch.log())
        con = backend_path(7, "console", 0) + "/state"
        time.sleep(0.3)
        self.xs.write(con, XENBUS_INITWAIT)
        time.sleep(0.3)
        self.xs.write(con, XENBUS_CONNECTED)
        self.assert_gone(backend_path(7, "vfb"))
        # Well past the grace, counted from the helper's start.
        time.sleep(grace_ms / 1000.0)
        self.assertEqual(self.xs.read(con), "4", self.dump())
        self.xs.release(7)
        self.finish(launch)
        self.assertNotIn(backend_path(7, "console"), launch.log())

    def test_other_domains_untouched(self):
        for domid in (7, 8, 70, 17):
            self.xs.write_domain(domid, "g%d" % domid)
        launch = self.launch(LIBXL_HVM, self.config(scrub_grace_ms=0, scrub_window_s=3))
        self.assertEqual(launch.wait(), 0, launch.log())
        self.assert_gone(backend_path(7, "console"))
        self.assert_gone(backend_path(7, "vfb"))
        for domid in (8, 70, 17):  # 70 and 17: same digits, other domains
            for cls in ("console", "vfb"):
                self.assertEqual(self.xs.read(backend_path(domid, cls, 0) + "/state"), "1",
                                 self.dump())
        self.xs.release(7)
        self.finish(launch)
        self.assertTrue(self.xs.is_introduced(8))

    def test_node_written_at_second_12_is_scrubbed(self):
        # The old wrapper's second xenstore-rm ran at second 10 and missed
        # anything later.  Default window (60 s) and grace (2000 ms).
        self.xs.write_domain(7, "win10", backends=(("vbd", 768),))
        launch = self.launch(LIBXL_HVM, self.config())
        started = time.monotonic()
        self.assertEqual(launch.wait(), 0, launch.log())
        pid = launch.helper_pid()
        self.assertIsNotNone(pid, launch.log())
        time.sleep(max(0.0, 12.0 - (time.monotonic() - started)))
        self.xs.write_many([(backend_path(7, "console", 0) + "/state", 1),
                            (backend_path(7, "console", 0) + "/frontend-id", 7)])
        written = time.monotonic()
        self.assertGreaterEqual(written - started, 12.0)
        self.assert_gone(backend_path(7, "console"), timeout=15)
        self.assertIn("removed stale backend %s" % backend_path(7, "console", 0), launch.log())
        self.assertIsNotNone(proc_status(pid), "helper exited early:\n" + launch.log())
        self.xs.release(7)
        self.finish(launch)

    def test_helper_title_says_what_it_is(self):
        """ps shows what the helper is, not the toolstack's argv it was
        forked with: `pgrep -f "xen-domid 7"` finds qemu alone."""
        launch, pid = self.watching_helper()
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            cmdline = f.read()
        self.assertEqual(cmdline.rstrip(b"\0"),
                         b"qemu-dm-launcher: scrub helper for domain 7 (win10)")
        self.assertNotIn(b"xen-domid", cmdline)
        with open("/proc/%d/comm" % pid) as f:
            self.assertEqual(f.read().strip(), "dm-scrub-helper")
        found = subprocess.run(["pgrep", "-f", "xen-domid 7"], capture_output=True, text=True)
        self.assertNotIn(str(pid), found.stdout.split())
        found = subprocess.run(["pgrep", "-f", "scrub helper for domain 7"],
                               capture_output=True, text=True)
        self.assertIn(str(pid), found.stdout.split())
        self.xs.release(7)
        self.finish(launch)

    def test_helper_is_an_ordinary_task(self):
        """The intermediate that detaches the helper runs SCHED_FIFO, so
        that the launcher does not wait for a CPU for it
        (dm/sys/helper.c); the helper it forks must not inherit that
        (SCHED_RESET_ON_FORK)."""
        launch, pid = self.watching_helper()
        self.assertEqual(os.sched_getscheduler(pid), os.SCHED_OTHER, launch.log())
        self.assertEqual(os.sched_getparam(pid).sched_priority, 0)
        self.xs.release(7)
        self.finish(launch)

    def test_helper_exits_on_release_and_leaves_nothing(self):
        launch, pid = self.watching_helper()
        self.assertIsNotNone(proc_status(pid))
        self.assertEqual(launch.processes(), [pid])
        # Another domain's release is not ours.
        self.xs.write_domain(9, "other")
        self.xs.release(9)
        time.sleep(0.5)
        self.assertIsNotNone(proc_status(pid), launch.log())
        self.xs.release(7)
        # Window 600 s: only the release can end it this soon.
        self.assertEqual(reap(pid, 10), 0, launch.log())
        self.assertEqual(launch.processes(), [])
        self.assertIn("domain 7 is gone; exiting", launch.log())

    def test_release_storm_costs_the_helper_few_requests(self):
        # @releaseDomain fires for every domain on the host.  A helper that
        # checked its own domain on each would make one request per
        # release; it checks at most every 100 ms, and still sees its own.
        others = list(range(100, 220))
        for dom in others:
            self.xs.introduce(dom)
        # A grace longer than the test: the helper's scrub pass at the end
        # of the default 2 s grace (about 26 requests) fell inside the
        # counted burst when the launch or the burst ran slow (ASan build).
        launch, pid = self.watching_helper(scrub_grace_ms=600000)
        time.sleep(0.3)  # the helper's first pass and its watch events settle
        before = self.xs.request_count()
        t0 = time.monotonic()
        for dom in others:
            self.xs.release(dom)
        burst_s = time.monotonic() - t0
        time.sleep(0.3)
        helper_requests = self.xs.request_count() - before - len(others)
        self.assertIsNotNone(proc_status(pid), launch.log())
        # One check per 100 ms of the burst, the first at once, and the
        # one that may be due after it; a check per release would be 120.
        self.assertLessEqual(helper_requests, int((burst_s + 0.3) * 10) + 3,
                             "%d requests over a %.2f s burst" % (helper_requests, burst_s))
        self.assertLess(helper_requests, len(others) // 2)
        self.xs.release(7)
        self.assertEqual(reap(pid, 10), 0, launch.log())
        self.assertIn("domain 7 is gone; exiting", launch.log())

    def test_helper_exits_when_unintroduced_domain_dir_goes(self):
        # Released before the helper ever saw it introduced: the toolstack's
        # removal of /local/domain/7 is what ends it.
        launch, pid = self.watching_helper(introduce=False)
        self.xs.write("/local/domain/7/data/guest-noise", "1")  # not an exit
        time.sleep(0.3)
        self.assertIsNotNone(proc_status(pid), launch.log())
        self.xs.rm("/local/domain/7")
        self.assertEqual(reap(pid, 10), 0, launch.log())
        self.assertIn("domain 7 is gone; exiting", launch.log())

    def test_helper_for_a_domain_already_gone_exits_at_once(self):
        launch = self.launch(LIBXL_HVM, self.config(scrub_window_s=600))
        self.assertEqual(launch.wait(), 0, launch.log())
        pid = launch.helper_pid()
        self.assertIsNotNone(pid, launch.log())
        self.assertEqual(reap(pid, 10), 0, launch.log())
        self.assertIn("domain 7 is already gone; exiting", launch.log())

    def test_helper_exits_at_window_end(self):
        self.xs.write_domain(7, "win10")
        launch = self.launch(LIBXL_HVM, self.config(scrub_window_s=1))
        self.assertEqual(launch.wait(), 0, launch.log())
        self.finish(launch, timeout=10)
        self.assertIn("scrub window of 1 s ended; exiting", launch.log())
        self.assertTrue(self.xs.is_introduced(7))

    def test_helper_is_not_a_child_of_qemu(self):
        # A "qemu" that stays alive, so its children can be inspected.
        fake_qemu = os.path.join(self.dir, "long-qemu")
        with open(fake_qemu, "w") as f:
            # The launcher probes qemu's options with "... -version":
            # answer those at once, as a qemu that lacks them would.
            f.write("#!/bin/sh\ncase \" $* \" in *' -version '*) exit 1 ;; esac\n"
                    "exec sleep 30\n")
        os.chmod(fake_qemu, 0o755)
        self.xs.write_domain(7, "win10")
        launch = self.launch(LIBXL_HVM, self.config(qemu=fake_qemu, scrub_window_s=30))
        self.assertTrue(wait_until(lambda: launch.helper_pid() is not None and
                                   "exec " in launch.log(), 10), launch.log())
        helper = launch.helper_pid()
        self.assertTrue(launch.helper_watching(), launch.log())
        self.assertTrue(wait_until(
            lambda: (proc_status(launch.pid) or {}).get("Name") == "sleep", 10))
        hs = proc_status(helper)
        self.assertIsNotNone(hs, launch.log())
        self.assertNotEqual(int(hs["PPid"]), launch.pid)
        self.assertEqual(int(hs["PPid"]), os.getpid())  # the subreaper: us
        with open("/proc/%d/task/%d/children" % (launch.pid, launch.pid)) as f:
            self.assertEqual(f.read().split(), [])
        # A new session, not qemu's; and no privileges left.
        self.assertNotEqual(os.getsid(helper), os.getsid(launch.pid))
        self.assertEqual(hs["NoNewPrivs"], "1")
        self.assertEqual(hs["Seccomp"], "2")
        self.assertNotEqual(hs["Uid"].split()[0], "0")
        self.assertEqual(hs["CapEff"], "0000000000000000")
        # It holds none of the launcher's fds but 0-2 and its xenstore socket.
        fds = sorted(int(x) for x in os.listdir("/proc/%d/fd" % helper))
        self.assertEqual(fds[:3], [0, 1, 2])
        self.assertLessEqual(len(fds), 4, fds)
        launch.proc.kill()
        launch.wait()
        self.xs.release(7)
        self.assertEqual(reap(helper, 10), 0, launch.log())

    def test_no_xenstored_still_execs_with_warning(self):
        # Nothing listens there: the immediate scrub (mode always, so it
        # has work) fails, qemu is exec'd anyway.
        env = {"XENSTORED_PATH": os.path.join(self.dir, "no-such-socket")}
        launch = self.launch(LIBXL_HVM, self.config(scrub_mode="always"), env=env)
        self.assertEqual(launch.wait(timeout=30), 0, launch.log())
        self.assertEqual(launch.probe_output()["pid"], launch.pid)
        log = launch.log()
        self.assertRegex(log, r"warning: immediate scrub failed: cannot connect to xenstored "
                         r"at .*no-such-socket: .*; starting qemu anyway")
        self.assertIn("exec %s" % EXEC_PROBE, log)
        pid = launch.helper_pid()
        if pid is not None:  # it could not connect either: it says so and exits
            self.assertEqual(reap(pid, 10), 1, log)
            self.assertIn("helper %d" % pid, launch.log())

    def test_hung_xenstored_bounded_by_timeout(self):
        # A daemon that accepts but never answers (stopped): the launcher
        # waits xenstore-timeout-ms, warns, and execs.
        self.xs.write_domain(7, "win10")
        os.kill(self.xs.proc.pid, signal.SIGSTOP)
        try:
            launch = self.launch(LIBXL_HVM, self.config(scrub_mode="always",
                                                        xenstore_timeout_ms=300),
                                 own=["--no-helper"])
            # The bound that matters is the config's 300 ms; 20 s here only
            # keeps a broken build from hanging the suite.
            self.assertEqual(launch.wait(timeout=20), 0, launch.log())
        finally:
            os.kill(self.xs.proc.pid, signal.SIGCONT)
        self.assertEqual(launch.probe_output()["pid"], launch.pid)
        self.assertIn("warning: xenstored did not finish the immediate scrub within 300 ms "
                      "(xenstore-timeout-ms); starting qemu anyway", launch.log())
        # The worker's connection did not leak into qemu.
        self.assertEqual(launch.probe_output()["fds"], [0, 1, 2])

    def test_always_mode_scrubs_before_exec(self):
        # The old wrapper's behaviour, even for a served backend.
        self.xs.write_domain(7, "win10", state=XENBUS_CONNECTED)
        launch = self.launch(LIBXL_HVM, self.config(scrub_mode="always"), own=["--no-helper"])
        self.assertEqual(launch.wait(), 0, launch.log())
        # Gone by the time qemu ran: no waiting here.
        self.assertFalse(self.xs.exists(backend_path(7, "console")), self.dump())
        self.assertFalse(self.xs.exists(backend_path(7, "vfb")), self.dump())
        self.assertIn("scrub-mode is always", launch.log())
        self.assertIsNone(launch.helper_pid())
        self.assertEqual(launch.processes(), [])
        self.assertEqual(launch.probe_output()["fds"], [0, 1, 2])

    def test_no_helper_flag(self):
        self.xs.write_domain(5, "win7")
        launch = self.launch(XEND_HVM, self.config(scrub_grace_ms=0), own=["--no-helper"])
        self.assertEqual(launch.wait(), 0, launch.log())
        self.assertIsNone(launch.helper_pid(), launch.log())
        self.assertEqual(launch.processes(), [])
        # Grace 0: the immediate pass removed them before exec.
        self.assertFalse(self.xs.exists(backend_path(5, "console")), self.dump())

    def test_empty_scrub_list_switches_everything_off(self):
        self.xs.write_domain(7, "win10")
        before = self.xs.request_count()
        launch = self.launch(LIBXL_HVM, self.config(scrub="", scrub_grace_ms=0))
        self.assertEqual(launch.wait(), 0, launch.log())
        self.assertIsNone(launch.helper_pid(), launch.log())
        time.sleep(0.3)
        self.assertEqual(launch.processes(), [])
        self.assertEqual(self.xs.request_count(), before)
        self.assertEqual(self.xs.read(backend_path(7, "console", 0) + "/state"), "1")

    def test_pv_guest_vfb_is_never_touched(self):
        # A PV guest's vfb is served by qemu itself (domid 2 in this line).
        self.xs.write_domain(2, "pvfb", backends=(("console", 0), ("vfb", 0)))
        before = self.xs.request_count()
        launch = self.launch(LIBXL_PV_VFB, self.config(scrub_grace_ms=0))
        self.assertEqual(launch.wait(), 0, launch.log())
        time.sleep(0.3)
        self.assertIsNone(launch.helper_pid(), launch.log())
        self.assertEqual(self.xs.request_count(), before)
        self.assertEqual(self.xs.read(backend_path(2, "vfb", 0) + "/state"), "1")

    def test_probe_touches_nothing(self):
        before = self.xs.request_count()
        launch = self.launch(PROBE, self.config(scrub_grace_ms=0, scrub_mode="always"))
        self.assertEqual(launch.wait(), 0, launch.log())
        time.sleep(0.2)
        self.assertEqual(self.xs.request_count(), before)
        self.assertIsNone(launch.helper_pid())

    def test_served_sibling_survives_racing_scrubs(self):
        # A backend that a server connects while the helper is deciding:
        # the transaction makes the removal conditional on state 1 at
        # commit time, so the served device survives many races.
        self.xs.write_domain(7, "win10", backends=(("console", 0),))
        launch = self.launch(LIBXL_HVM, self.config(scrub_grace_ms=0, scrub_window_s=5))
        self.assertEqual(launch.wait(), 0, launch.log())
        stop = threading.Event()
        served = backend_path(7, "vfb", 3) + "/state"

        def server():
            while not stop.is_set():
                self.xs.write(served, XENBUS_CONNECTED)

        t = threading.Thread(target=server)
        t.start()
        try:
            for devid in range(10):
                self.xs.write(backend_path(7, "vfb", 10 + devid) + "/state", 1)
        finally:
            stop.set()
            t.join()
        for devid in range(10):
            self.assert_gone(backend_path(7, "vfb", 10 + devid))
        self.assertEqual(self.xs.read(served), "4", self.dump())
        self.xs.release(7)
        self.finish(launch)


def status_ids(pid):
    st = proc_status(pid) or {}
    return [int(x) for x in st.get("Uid", "").split()], [int(x) for x in st.get("Gid", "").split()]


def signal_as(uid, pid, sig):
    """Sends sig to pid from a process running as uid (gid the same, no
    groups): "0" if kill succeeded, else "EPERM" or kill's message."""
    r = subprocess.run(["setpriv", "--reuid=%d" % uid, "--regid=%d" % uid, "--clear-groups",
                        "kill", "-s", str(int(sig)), str(pid)],
                       capture_output=True, text=True, timeout=10)
    if r.returncode == 0:
        return "0"
    return "EPERM" if "Operation not permitted" in r.stderr else r.stderr


HELPER_UID_BASE = 1879048192  # the built-in helper-uid-base


class TestHelperHardening(ScrubTest):
    """Attacks on the helper from an adversarial review,
    replayed against the real helper and a real xenstored."""

    def test_helper_has_a_uid_no_other_process_has(self):
        # Attack: every helper ran as nobody, so any process running as
        # nobody could SIGSTOP or SIGKILL them all.
        launch, pid = self.watching_helper()
        # nobody, the uid another domain's helper has, and the uid qemu of
        # this domain gets with dm-restrict (dm-uid-base 131072 + 7):
        # none of them may stop the helper.
        for uid in (65534, HELPER_UID_BASE + 8, 131072 + 7):
            self.assertEqual(signal_as(uid, pid, signal.SIGSTOP), "EPERM", uid)
            self.assertEqual(signal_as(uid, pid, signal.SIGKILL), "EPERM", uid)
        self.assertEqual((proc_status(pid) or {})["State"].split()[0], "S")
        uids, gids = status_ids(pid)
        self.assertEqual(uids, [HELPER_UID_BASE + 7] * 4, launch.log())
        self.assertEqual(gids, [HELPER_UID_BASE + 7] * 4, launch.log())
        self.assertEqual((proc_status(pid) or {}).get("Groups", "").split(), [])
        # The control: the same uid can (the check above could fail).
        self.assertEqual(signal_as(HELPER_UID_BASE + 7, pid, 0), "0")
        self.xs.release(7)
        self.assertEqual(reap(pid, 10), 0, launch.log())

    def test_helper_uid_base_is_configurable(self):
        launch, pid = self.watching_helper(helper_uid_base=400000)
        self.assertEqual(status_ids(pid)[0], [400007] * 4, launch.log())
        self.xs.release(7)
        self.assertEqual(reap(pid, 10), 0, launch.log())

    def test_helper_uid_range_overlapping_qemus_is_refused(self):
        self.xs.write_domain(7, "win10")
        launch = self.launch(LIBXL_HVM, self.config(helper_uid_base=131072 + 100))
        self.assertEqual(launch.wait(), 2, launch.log())
        self.assertIn("helper-uid-base 131172", launch.log())
        self.assertIsNone(launch.helper_pid())

    def test_helper_cannot_fork_past_its_own_threads(self):
        # Attack: clone and clone3 were allowed with any flags and there
        # was no process limit.  The filter itself is proven in
        # tests/unit/test_helper.c; here, the live helper's limit.
        launch, pid = self.watching_helper()
        with open("/proc/%d/limits" % pid) as f:
            limits = {line[:26].strip(): line[26:].split() for line in f}
        self.assertEqual(limits["Max processes"][:2], ["0", "0"], limits)
        self.assertEqual(len(os.listdir("/proc/%d/task" % pid)), 4)
        self.xs.release(7)
        self.assertEqual(reap(pid, 10), 0, launch.log())

    def reuse_after(self, delay_s):
        # Attack: a domid released and reused within the helper's 100 ms
        # release-check delay; the old helper (grace 0) removed the new
        # guest's stale-looking console backend, which was not its to judge.
        self.xs.write_domain(7, "win10", backends=(("console", 0),))
        self.xs.write("/local/domain/7/vm", "/vm/00000000-0000-0000-0000-00000000000a")
        launch = self.launch(LIBXL_HVM, self.config(scrub_grace_ms=0, scrub_window_s=600))
        self.assertEqual(launch.wait(), 0, launch.log())
        pid = launch.helper_pid()
        self.assertTrue(launch.helper_watching(), launch.log())
        self.assert_gone(backend_path(7, "console", 0))
        # Other domains' releases keep the old helper's release check
        # rate-limited, as on a busy host.
        self.xs.write_domain(9, "other", backends=())
        self.xs.release(9)
        self.xs.destroy(7)
        time.sleep(delay_s)
        # The new domain 7: a PV guest whose console xenconsoled will
        # serve, started without any launcher.
        self.xs.write_domain(7, "evil", backends=(("console", 0),))
        self.xs.write("/local/domain/7/vm", "/vm/00000000-0000-0000-0000-00000000000b")
        time.sleep(0.5)
        self.assertTrue(self.xs.exists(backend_path(7, "console", 0)),
                        "the old helper removed the new domain's backend:\n" + launch.log())
        self.assertEqual(reap(pid, 10), 0, launch.log())
        # One removal: the old domain's, before the destroy.  The helper may
        # end through "domain 7 is gone" or through the vm path changing,
        # so count the removals rather than split the log at one phrase.
        removal = "removed stale backend %s" % backend_path(7, "console", 0)
        self.assertEqual(launch.log().count(removal), 1, launch.log())

    def test_domid_reuse_at_once_is_not_scrubbed_by_the_old_helper(self):
        self.reuse_after(0)

    def test_domid_reuse_after_50ms_is_not_scrubbed_by_the_old_helper(self):
        self.reuse_after(0.05)

    def test_domid_reuse_after_100ms_is_not_scrubbed_by_the_old_helper(self):
        self.reuse_after(0.1)

    def test_guest_writes_do_not_wake_the_helper(self):
        # Attack: every write the guest made in its own tree woke the
        # helper (a watch on /local/domain/N): dom0 CPU on demand.
        launch, pid = self.watching_helper()
        self.xs.write_many(("/local/domain/7/data/k%d" % i, i) for i in range(500))
        self.xs.write_many(("/local/domain/7/device/vif/%d/state" % i, 1) for i in range(100))
        time.sleep(0.3)
        with open(self.xs.trace_file, errors="replace") as f:
            events = [line for line in f if "WATCH_EVENT (/local/domain/7/data/" in line
                      or "WATCH_EVENT (/local/domain/7/device/vif/" in line]
        self.assertEqual(events, [], "%d watch events for the guest's own writes" % len(events))
        self.assertIsNotNone(proc_status(pid), launch.log())
        # Still watching what matters: the directory's removal ends it.
        self.xs.rm("/local/domain/7")
        self.assertEqual(reap(pid, 10), 0, launch.log())
        self.assertIn("domain 7 is gone; exiting", launch.log())


if __name__ == "__main__":
    unittest.main()
