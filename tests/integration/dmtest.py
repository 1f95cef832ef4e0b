"""Shared helpers for the integration tests: paths to the built binaries,
running the launcher, temporary config files."""
import json
import os
import subprocess
import tempfile
import time
import unittest

LAUNCHER = os.environ.get("DM_LAUNCHER", "")
EXEC_PROBE = os.environ.get("DM_EXEC_PROBE", "")
BUILD_DIR = os.environ.get("DM_BUILD_DIR", "")

# Real toolstack lines (see tests/unit/toolstack_lines.h for more).
LIBXL_PV_VFB = ("-xen-domid 2 -no-shutdown -chardev "
                "socket,id=libxl-cmd,path=/var/run/xen/qmp-libxl-2,server=on,wait=off "
                "-mon chardev=libxl-cmd,mode=control -nodefaults -no-user-config "
                "-xen-attach -name pvfb -vnc 127.0.0.1:0,to=99 -display none "
                "-machine xenpv -m 128").split()
LIBXL_HVM = ("-xen-domid 7 -no-shutdown -chardev "
             "socket,id=libxl-cmd,path=/var/run/xen/qmp-libxl-7,server=on,wait=off "
             "-mon chardev=libxl-cmd,mode=control -nodefaults -no-user-config "
             "-name win10 -vnc 127.0.0.1:0,to=99 -display none -serial pty "
             "-machine xenfv,suppress-vmdesc=on -m 120").split()
XEND_HVM = ("-d 5 -domain-name win7 -videoram 4 -vnc 127.0.0.1:0,password "
            "-vncunused -vcpus 2 -boot c -serial pty -acpi -net nic -M xenfv").split()
PROBE = ("-S -no-user-config -nodefaults -nographic -machine none,accel=xen").split()


class LauncherTest(unittest.TestCase):
    def setUp(self):
        self.assertTrue(LAUNCHER and os.path.exists(LAUNCHER), "DM_LAUNCHER not set")
        self.tmp = tempfile.TemporaryDirectory(prefix="dm-test-")
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def write_config(self, text, name="launcher.conf"):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def run_launcher(self, args, own=(), env=None, timeout=30, **kw):
        argv = [LAUNCHER] + list(own) + (["--"] if own else []) + list(args)
        full_env = dict(os.environ)
        if env:
            full_env.update(env)
        return subprocess.run(argv, capture_output=True, env=full_env, timeout=timeout, **kw)

    def dry_run(self, args, config=None, extra=()):
        own = ["--dry-run"] + (["--config", config] if config else []) + list(extra)
        r = self.run_launcher(args, own=own)
        return r

    def assert_refused(self, r, fragment):
        err = r.stderr.decode(errors="replace")
        self.assertEqual(r.returncode, 2, err)
        self.assertEqual(r.stdout, b"")
        lines = err.strip().splitlines()
        self.assertEqual(len(lines), 1, err)
        self.assertTrue(lines[0].startswith("qemu-dm-launcher: "), err)
        self.assertIn(fragment, lines[0])


def wait_until(predicate, timeout, step=0.05):
    """Polls predicate every `step` s until it is true or `timeout` s pass;
    returns its last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def status_fields(pid):
    """/proc/PID/status as a dict of field -> stripped value."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return out


def parse_json(data):
    return json.loads(data.decode())
