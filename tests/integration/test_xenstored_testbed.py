"""Smoke test of the test bed itself: the real xenstored starts under the
shim, answers reads and writes, fires watches, and takes XS_INTRODUCE and
XS_RELEASE like a toolstack's.  If this fails, every xenstore test would."""
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from xenstored import Xenstored, backend_path  # noqa: E402


class TestXenstoredTestbed(unittest.TestCase):
    def test_read_write_rm(self):
        with Xenstored() as xs:
            self.assertIsNone(xs.read("/local/domain/5/name"))
            xs.write_domain(5, name="win7")
            self.assertEqual(xs.read("/local/domain/5/name"), "win7")
            self.assertEqual(xs.read(backend_path(5, "console", 0) + "/state"), "1")
            self.assertEqual(xs.read(backend_path(5, "vfb", 0) + "/frontend"),
                             "/local/domain/5/device/vfb/0")
            xs.rm(backend_path(5, "console"))
            self.assertFalse(xs.exists(backend_path(5, "console")))
            self.assertTrue(xs.exists(backend_path(5, "vfb")))
            self.assertTrue(xs.alive())

    def test_introduce_release_fire_watch(self):
        with Xenstored() as xs:
            watcher = subprocess.Popen(["xenstore-watch", "-n", "2", "@releaseDomain"],
                                       env=xs.client_env(), stdout=subprocess.PIPE)
            try:
                self.assertFalse(xs.is_introduced(9))
                xs.introduce(9)
                self.assertTrue(xs.is_introduced(9))
                time.sleep(0.1)  # the watch's first (registration) event
                xs.release(9)
                out, _ = watcher.communicate(timeout=10)
            finally:
                watcher.kill()
                watcher.wait()
            # One event at registration, one for the release.
            self.assertEqual(out.decode().split(), ["@releaseDomain", "@releaseDomain"])
            self.assertFalse(xs.is_introduced(9))

    def test_private_daemons_are_separate(self):
        with Xenstored() as a, Xenstored() as b:
            a.write("/test/x", "1")
            self.assertEqual(a.read("/test/x"), "1")
            self.assertIsNone(b.read("/test/x"))

    def test_trace_counts_requests(self):
        with Xenstored(trace=True) as xs:
            before = xs.request_count()
            xs.write("/test/a", "1")
            xs.read("/test/a")
            self.assertEqual(xs.request_count() - before, 2)

    def test_stop_leaves_no_daemon(self):
        xs = Xenstored().start()
        pid = xs.proc.pid
        xs.stop()
        self.assertFalse(os.path.exists("/proc/%d" % pid))

    def test_shell_form(self):
        script = os.path.join(os.path.dirname(__file__), "..", "fixtures", "xenstored-testbed")
        r = subprocess.run([script, "start"], capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        env = dict(os.environ)
        for line in r.stdout.decode().splitlines():
            key, _, value = line[len("export "):].partition("=")
            env[key] = value
        try:
            self.assertTrue(os.path.exists("/proc/%s" % env["DM_TESTBED_PID"]))
            subprocess.run(["xenstore-write", "/test/shell", "ok"], env=env, check=True)
            out = subprocess.run(["xenstore-read", "/test/shell"], env=env, check=True,
                                 capture_output=True).stdout
            self.assertEqual(out, b"ok\n")
        finally:
            subprocess.run([script, "stop", env["DM_TESTBED_DIR"]], check=True)
        time.sleep(0.05)
        self.assertFalse(os.path.exists(env["DM_TESTBED_DIR"]))
        self.assertFalse(os.path.exists("/proc/%s/exe" % env["DM_TESTBED_PID"]))


if __name__ == "__main__":
    unittest.main()
