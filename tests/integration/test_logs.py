"""The log as an admin reads it (/var/log/xen/qemu-dm-NAME.log is the
launcher's stderr): the first line of a launch, ISO-8601 timestamps, one
line per event whatever a value holds, and the copy to syslog.  Through
the real binary; "qemu" is the exec_probe fixture; the helper's lines come
from a real helper against the real xenstored test bed."""
import json
import os
import re
import select
import shutil
import socket
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from dmtest import LAUNCHER, EXEC_PROBE, LIBXL_HVM, LIBXL_PV_VFB, LauncherTest  # noqa: E402
from xenstored import Xenstored, backend_path  # noqa: E402

STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d"
FORGED = "qemu-dm-launcher: 2026-01-01T00:00:00.000+00:00 error: qemu crashed (forged)"


class Logs(LauncherTest):
    def launch(self, args, conf_text="", env=None):
        conf = self.write_config("[launcher]\nqemu-xen = %s\n%s" % (EXEC_PROBE, conf_text))
        r = subprocess.run([LAUNCHER, "--config", conf, "--"] + list(args),
                           capture_output=True, timeout=30, env=env)
        return conf, r

    def test_first_line_names_version_config_and_domain(self):
        conf, r = self.launch(LIBXL_PV_VFB)
        self.assertEqual(r.returncode, 0, r.stderr)
        first = r.stderr.decode().splitlines()[0]
        self.assertRegex(first, r"^qemu-dm-launcher: %s qemu-dm-launcher \d+\.\d+\.\d+, config "
                                r"%s, flavour qemu-xen, domid 2, name pvfb$"
                         % (STAMP, re.escape(conf)))

    def test_every_line_has_an_iso_8601_stamp_with_offset(self):
        _, r = self.launch(LIBXL_PV_VFB)
        lines = r.stderr.decode().splitlines()
        self.assertGreater(len(lines), 5)
        for line in lines:
            self.assertRegex(line, r"^qemu-dm-launcher: %s " % STAMP)

    def test_a_value_with_a_newline_cannot_forge_a_line(self):
        """The argv log used to put each value on a line as is,
        so a newline in one started a line of the attacker's choosing,
        which diagnose then reported as the device model's error."""
        args = list(LIBXL_PV_VFB) + ["-boot", "c\n" + FORGED + "\r\x1b[2J"]
        _, r = self.launch(args)
        self.assertEqual(r.returncode, 0, r.stderr)
        err = r.stderr.decode()
        lines = err.splitlines()
        self.assertNotIn(FORGED, lines)
        self.assertFalse([l for l in lines if "forged" in l and not
                          re.match(r"^qemu-dm-launcher: %s   argv\[\d+\] = c\\n" % STAMP, l)], err)
        self.assertIn("= c\\n" + FORGED + "\\r\\x1b[2J", err)
        # The exec'd program still got the value unchanged.
        self.assertIn("c\n" + FORGED + "\r\x1b[2J", json.loads(r.stdout)["argv"])


@unittest.skipUnless(os.geteuid() == 0 and shutil.which("unshare"),
                     "needs root and unshare for a private /dev/log")
class Syslog(LauncherTest):
    """syslog = true: the launcher's and its helper's lines go to syslog
    too.  glibc's syslog() writes to /dev/log; the launcher runs in a mount
    namespace whose /dev/log is this test's socket."""

    def run_with_dev_log(self, argv, env):
        sock_path = os.path.join(self.dir, "log.sock")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(sock_path)
        self.addCleanup(sock.close)
        dev = os.path.join(self.dir, "dev")
        os.mkdir(dev)
        script = """set -e
mount -t tmpfs tmpfs "$DEV"
for n in null zero urandom random full; do touch "$DEV/$n"; mount --bind "/dev/$n" "$DEV/$n"; done
touch "$DEV/log"; mount --bind "$SOCK" "$DEV/log"
mount --rbind "$DEV" /dev
exec "$@"
"""
        full_env = dict(os.environ, DEV=dev, SOCK=sock_path, **env)
        err_path = os.path.join(self.dir, "stderr")
        # Read while it runs: a datagram socket queues only a few messages
        # (net.unix.max_dgram_qlen), then syslog() waits, as with a stuck
        # syslog daemon.
        with open(err_path, "wb") as err:
            p = subprocess.Popen(["unshare", "--mount", "--propagation", "private",
                                  "sh", "-c", script, "sh"] + argv, stdout=subprocess.DEVNULL,
                                 stderr=err, env=full_env)
        got = self.messages(sock, lambda: p.poll() is not None, 30)
        with open(err_path, "rb") as f:
            return subprocess.CompletedProcess(argv, p.wait(), b"", f.read()), sock, got

    def messages(self, sock, done, timeout, until=None):
        got = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not done() and \
                not (until and any(until in m for m in got)):
            ready, _, _ = select.select([sock], [], [], 0.1)
            if ready:
                got.append(sock.recv(65536).decode(errors="replace"))
        return got

    def test_launcher_and_helper_lines_reach_syslog(self):
        xs = Xenstored().start()
        self.addCleanup(xs.stop)
        xs.write_domain(7, "win10")
        conf = self.write_config("[launcher]\nqemu-xen = %s\nsyslog = true\n"
                                 "scrub-grace-ms = 200\nscrub-window-s = 5\n" % EXEC_PROBE)
        r, sock, got = self.run_with_dev_log([LAUNCHER, "--config", conf, "--"] + LIBXL_HVM,
                                             xs.env)
        self.assertEqual(r.returncode, 0, r.stderr)
        # The helper goes on after the launcher's exec.
        got += self.messages(sock, lambda: False, 10,
                             until="removed stale backend " + backend_path(7, "vfb", 0))
        xs.release(7)
        text = "\n".join(got)
        # <30>: facility daemon (3 << 3), priority info (6).
        self.assertRegex(text, r"<30>.* qemu-dm-launcher\[%d\]: qemu-dm-launcher \S+, config "
                               r"%s, flavour qemu-xen, domid 7, name win10" % (
                                   int(re.search(r"pid (\d+) kept", r.stderr.decode()).group(1)),
                                   re.escape(conf)))
        self.assertRegex(text, r"qemu-dm-launcher\[\d+\]: helper \d+: removed stale backend %s"
                         % re.escape(backend_path(7, "vfb", 0)))
        # stderr (the toolstack's log) still has everything.
        self.assertIn("flavour qemu-xen, domid 7, name win10", r.stderr.decode())

    def test_off_by_default(self):
        conf = self.write_config("[launcher]\nqemu-xen = %s\n" % EXEC_PROBE)
        r, sock, got = self.run_with_dev_log([LAUNCHER, "--config", conf, "--"] + LIBXL_PV_VFB,
                                             {})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(got + self.messages(sock, lambda: False, 0.5), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
