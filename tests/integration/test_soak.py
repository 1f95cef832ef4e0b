"""Lifecycle soak: many launch-and-release cycles against ONE real
xenstored (Debian's daemon under the test-only shim, see xenstored.py),
each a real launch of the real launcher with its helper and its VNC
secret reaper, the way a toolstack drives a host that starts and destroys
guests all day.

One cycle, for domain D (D runs over 1..500, so domids are reused):
  - the toolstack's layout for D: its directory, and dom0 backends
    console/0, vfb/0 (stale: state 1, nothing serves them) and vbd/768;
  - the launcher with libxl's HVM line for D, a VNC password file, and
    scrub-grace-ms 0, so the pass before the exec removes console and vfb;
    the "qemu" (exec_probe) exits at once;
  - the domain is released and the toolstack removes its directory and
    its vbd backend, as `xl destroy` does (console and vfb are gone).
Checked every cycle: the launcher exited 0 with no warning, the helper
and the secret reaper (re-parented to this test, a subreaper, as they
would be to init) exited 0, the secret file is gone, and dom0's backend
tree held exactly D's vbd (console and vfb removed, as the policy says,
nothing else).  Checked every 100 cycles and at the end: no process the
soak started is alive; xenstored holds no more sockets than before the
first cycle (a leaked connection would add one per cycle); and at the end
the whole xenstore tree equals the one before the first cycle.

DM_SOAK_CYCLES sets the number of cycles (default 1000).  Prints
"soak_cycles: N", "soak_seconds: S", "soak_ms_per_cycle: M",
"xenstored_sockets_before: N", "xenstored_sockets_after: N" and
"soak_leftover_processes: N"."""
import os
import signal
import subprocess
import sys
import time
import unittest
import uuid

sys.path.insert(0, os.path.dirname(__file__))
from dmtest import LAUNCHER, EXEC_PROBE, wait_until  # noqa: E402
from test_scrub import reap, setUpModule  # noqa: E402,F401
from xenstored import Xenstored, backend_path, children, pids_with_env  # noqa: E402

CYCLES = int(os.environ.get("DM_SOAK_CYCLES", "1000"))


def hvm_line(domid):
    return ("-xen-domid %d -no-shutdown -chardev "
            "socket,id=libxl-cmd,path=/var/run/xen/qmp-libxl-%d,server=on,wait=off "
            "-mon chardev=libxl-cmd,mode=control -nodefaults -no-user-config "
            "-name soak%d -vnc 127.0.0.1:0,to=99 -display none -serial pty "
            "-machine xenfv,suppress-vmdesc=on -m 120" % (domid, domid, domid)).split()


class Soak(unittest.TestCase):
    def setUp(self):
        self.assertTrue(LAUNCHER and os.path.exists(LAUNCHER), "DM_LAUNCHER not set")
        import tempfile
        self.tmp = tempfile.TemporaryDirectory(prefix="dm-soak-")
        self.dir = self.tmp.name
        self.xs = Xenstored().start()
        self.marker = uuid.uuid4().hex
        self.run_dir = os.path.join(self.dir, "run")
        pw = os.path.join(self.dir, "vnc.pw")
        with open(pw, "w") as f:
            f.write("Zq8pW3xk\n")
        os.chmod(pw, 0o600)  # the launcher refuses a password file everyone can read
        self.conf = os.path.join(self.dir, "launcher.conf")
        with open(self.conf, "w") as f:
            f.write("[launcher]\nqemu-xen = %s\nscrub-grace-ms = 0\nscrub-window-s = 60\n"
                    "run-dir = %s\nvnc-password-file = %s\n" % (EXEC_PROBE, self.run_dir, pw))
        self.env = dict(os.environ)
        self.env.pop("LD_PRELOAD", None)
        self.env.update(self.xs.env)
        self.env["DM_TEST_MARKER"] = self.marker

    def tearDown(self):
        for pid in pids_with_env("DM_TEST_MARKER", self.marker):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        self.xs.stop()
        self.tmp.cleanup()

    def leftovers(self):
        return pids_with_env("DM_TEST_MARKER", self.marker)

    def cycle(self, i, known):
        domid = 1 + i % 500
        dom = "/local/domain/%d" % domid
        self.xs.write_domain(domid, "soak%d" % domid,
                             backends=(("console", 0), ("vfb", 0), ("vbd", 768)))
        err_path = os.path.join(self.dir, "err")
        with open(err_path, "wb") as err:
            r = subprocess.run([LAUNCHER, "--config", self.conf, "--"] + hvm_line(domid),
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                               env=self.env, timeout=60)
        with open(err_path, errors="replace") as f:
            log = f.read()
        self.assertEqual(r.returncode, 0, "cycle %d:\n%s" % (i, log))
        self.assertNotIn("warning:", log, "cycle %d" % i)
        # Scrubbed before the exec: only the vbd is left of dom0's backends.
        backends = self.xs.ls("/local/domain/0/backend")
        self.assertEqual(sorted(p for p in backends if p.count("/") == 7),
                         [backend_path(domid, "vbd", 768)], "cycle %d" % i)
        # xl destroy: release, then the toolstack removes the nodes.
        self.xs.release(domid)
        subprocess.run(["xenstore-rm", dom, backend_path(domid, "vbd")],
                       env=self.xs.client_env(), check=True, capture_output=True)
        # Helper and reaper, re-parented here: both exit 0.
        orphans = [c for c in children() if c not in known]
        statuses = [reap(c, 10) for c in orphans]
        self.assertEqual(statuses, [0] * len(orphans), "cycle %d:\n%s" % (i, log))
        self.assertEqual(len(orphans), 2, "cycle %d: helper and reaper expected:\n%s"
                         % (i, log))
        self.assertFalse(os.path.exists(os.path.join(self.run_dir, str(domid))), log)

    def test_launch_and_release_cycles(self):
        # dom0's own nodes, as on a host: what every cycle must return to.
        self.xs.write_many([("/local/domain/0/name", "Domain-0"),
                            ("/local/domain/0/backend/console", ""),
                            ("/local/domain/0/backend/vfb", ""),
                            ("/local/domain/0/backend/vbd", "")])
        known = set(children())
        # The baseline without the setup's clients, whose closes the daemon
        # may not have seen yet: the least count over half a second.
        sockets_before = self.xs.socket_count()
        for _ in range(10):
            time.sleep(0.05)
            sockets_before = min(sockets_before, self.xs.socket_count())
        tree_before = self.xs.ls("/")
        started = time.monotonic()
        for i in range(CYCLES):
            self.cycle(i, known)
            if (i + 1) % 100 == 0 or i + 1 == CYCLES:
                self.assertEqual(self.leftovers(), [], "after %d cycles" % (i + 1))
                # The daemon may not have processed the last EOFs yet.
                self.assertTrue(wait_until(lambda: self.xs.socket_count() <= sockets_before, 5),
                                "xenstored holds %d sockets after %d cycles, %d before"
                                % (self.xs.socket_count(), i + 1, sockets_before))
        seconds = time.monotonic() - started
        sockets_after = self.xs.socket_count()
        # Nothing stray: not a node more or less than before the first cycle.
        self.assertEqual(self.xs.ls("/"), tree_before)
        self.assertTrue(self.xs.alive())
        print("soak_cycles: %d" % CYCLES)
        print("soak_seconds: %.1f" % seconds)
        print("soak_ms_per_cycle: %.1f" % (1000 * seconds / max(CYCLES, 1)))
        print("xenstored_sockets_before: %d" % sockets_before)
        print("xenstored_sockets_after: %d" % sockets_after)
        print("soak_leftover_processes: %d" % len(self.leftovers()))


if __name__ == "__main__":
    unittest.main(verbosity=2)
