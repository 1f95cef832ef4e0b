"""Exec in place: the PID is kept, the toolstack's fds cross, ours don't,
and a missing qemu is exit 127."""
import json
import os
import socket
import stat
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from dmtest import *  # noqa: F401,F403

QEMU = "/usr/bin/qemu-system-x86_64"


class ExecInPlace(LauncherTest):
    def test_fixture_keeps_pid_argv_and_only_inherited_fds(self):
        conf = self.write_config(f"[launcher]\nqemu-xen = {EXEC_PROBE}\nscrub =\n")
        args, report, _, err = self.launch_with_inherited_fd(conf, lambda fd: [
            "-xen-domid", "4", "-chardev", f"socket,id=libxl-cmd,fd={fd},server=on",
            "-name", "fixture", "-machine", "xenfv"])
        self.assertEqual(report["argv"], [EXEC_PROBE] + args)
        # The argv log, one item per line, went to stderr (the qemu-dm log).
        text = err.decode()
        self.assertIn("argv[0] = " + EXEC_PROBE, text)
        self.assertIn("argv[2] = 4", text)

    @unittest.skipUnless(os.access(QEMU, os.X_OK), "qemu-system-x86_64 is not installed")
    def test_real_qemu_probe_over_inherited_qmp_fd(self):
        # libxl hands qemu a listening QMP socket as "fd=N"; qemu must get it
        # and be the process libxl started.
        path = os.path.join(self.dir, "qmp.sock")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(path)
        listener.listen(1)
        fd = listener.fileno()
        os.set_inheritable(fd, True)
        conf = self.write_config(f"[launcher]\nqemu-xen = {QEMU}\n")
        args = ["-S", "-no-user-config", "-nodefaults", "-nographic", "-machine", "none",
                "-chardev", f"socket,id=libxl-cmd,fd={fd},server=on,wait=off",
                "-mon", "chardev=libxl-cmd,mode=control"]
        p = subprocess.Popen([LAUNCHER, "--config", conf, "--"] + args, pass_fds=(fd,),
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            c.settimeout(20)
            c.connect(path)
            f = c.makefile("rwb")
            greeting = json.loads(f.readline())
            self.assertIn("QMP", greeting)
            f.write(b'{"execute":"qmp_capabilities"}\n')
            f.flush()
            self.assertEqual(json.loads(f.readline()), {"return": {}})
            self.assertEqual(os.readlink(f"/proc/{p.pid}/exe"), os.path.realpath(QEMU))
            f.write(b'{"execute":"query-status"}\n')
            f.flush()
            status = json.loads(f.readline())
            self.assertEqual(status["return"]["status"], "prelaunch")
            f.write(b'{"execute":"quit"}\n')
            f.flush()
            p.wait(timeout=20)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            listener.close()

    def test_missing_qemu_is_127(self):
        conf = self.write_config(f"[launcher]\nqemu-xen = {self.dir}/no-such-qemu\nscrub =\n")
        r = self.run_launcher(["-xen-domid", "4", "-machine", "xenfv"], own=["--config", conf])
        self.assertEqual(r.returncode, 127)
        self.assertIn(b"qemu-dm-launcher: qemu binary", r.stderr)
        self.assertIn(b"No such file or directory", r.stderr)

    def test_non_executable_qemu_is_127(self):
        qemu = os.path.join(self.dir, "qemu")
        with open(qemu, "w") as f:
            f.write("#!/bin/sh\n")
        os.chmod(qemu, stat.S_IRUSR | stat.S_IWUSR)
        conf = self.write_config(f"[launcher]\nqemu-xen = {qemu}\nscrub =\n")
        r = self.run_launcher(["-xen-domid", "4", "-machine", "xenfv"], own=["--config", conf])
        self.assertEqual(r.returncode, 127)
        self.assertIn(b"not executable", r.stderr)

    def test_exit_status_of_qemu_is_the_launchers(self):
        conf = self.write_config(f"[launcher]\nqemu-xen = {EXEC_PROBE}\nscrub =\n")
        r = self.run_launcher(["-xen-domid", "4", "-machine", "xenfv"], own=["--config", conf],
                              env={"EXEC_PROBE_EXIT": "3"})
        self.assertEqual(r.returncode, 3)


class CallersArgv0(LauncherTest):
    """XCP-ng's and XenServer's qemu-wrapper run the qemu binary with
    argv[0] "qemu-dm-DOMID" (ocaml/xenopsd/scripts/qemu-wrapper, main), and
    xenopsd accepts qemu's pid only when /proc/PID/cmdline says so."""

    def run_as(self, argv0, own, args, env=None):
        full_env = dict(os.environ)
        full_env.update(env or {})
        return subprocess.run([argv0] + own + ["--"] + args, executable=LAUNCHER,
                              capture_output=True, env=full_env, timeout=30)

    def test_wrapper_argv0_reaches_qemu(self):
        conf = self.write_config(f"[launcher]\nqemu-xen = {EXEC_PROBE}\nscrub =\n")
        args = ["-machine", "pc-i440fx-2.10,accel=xen", "-xen-domid", "12", "-display", "none"]
        r = self.run_as("qemu-dm-12", ["--config", conf], args)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["argv"], ["qemu-dm-12"] + args)
        self.assertIn(b"argv[0] = qemu-dm-12", r.stderr)

    def test_launchers_own_name_gives_qemus_path(self):
        conf = self.write_config(f"[launcher]\nqemu-xen = {EXEC_PROBE}\nscrub =\n")
        link = os.path.join(self.dir, "qemu-system-i386")
        os.symlink(LAUNCHER, link)
        for argv0 in ("/usr/lib/xen/bin/qemu-dm-launcher", link):
            r = self.run_as(argv0, ["--config", conf], ["-xen-domid", "3", "-machine", "xenfv"])
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(json.loads(r.stdout)["argv"][0], EXEC_PROBE, argv0)

    def test_version_question_touches_nothing_and_keeps_argv0(self):
        # No scrub list, no run-dir: a launch would need both; a question
        # needs neither.
        conf = self.write_config(f"[launcher]\nqemu-xen = {EXEC_PROBE}\n"
                                 f"run-dir = {self.dir}/no-such-dir\n")
        r = self.run_as("qemu-dm-5", ["--config", conf], ["-version"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["argv"], ["qemu-dm-5", "-version"])
        self.assertFalse(os.path.exists(f"{self.dir}/no-such-dir"))

    @unittest.skipUnless(os.access(QEMU, os.X_OK), "qemu-system-x86_64 is not installed")
    def test_real_qemu_answers_version_and_help(self):
        conf = self.write_config(f"[launcher]\nqemu-xen = {QEMU}\n")
        r = self.run_as("qemu-dm-5", ["--config", conf], ["-version"])
        self.assertEqual(r.returncode, 0, r.stderr)
        # What xapi's wrapper matches (QEMU_VERSION_REGEX).
        self.assertRegex(r.stdout.decode().splitlines()[0], r"^QEMU emulator version \d+\.\d+\.\d+")
        # libvirt's libxl driver reads "emulator -help".
        r = self.run_as(LAUNCHER, ["--config", conf], ["-help"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"-xen-domid", r.stdout)
        r = self.run_as(LAUNCHER, ["--config", conf], ["-machine", "help"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"pc-i440fx", r.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
