"""Shared helpers for the integration tests: paths to the built binaries,
running the launcher, temporary config files."""
import atexit
import json
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import time
import unittest

LAUNCHER = os.environ.get("DM_LAUNCHER", "")
EXEC_PROBE = os.environ.get("DM_EXEC_PROBE", "")
BUILD_DIR = os.environ.get("DM_BUILD_DIR", "")

# DM_VALGRIND=1 (scripts/valgrind): every launcher run, and every run of
# the vnc_qemu driver (the launcher's code in another main), goes through
# memcheck, one log per process in DM_VALGRIND_LOG_DIR (default
# BUILD_DIR/valgrind/logs).  The launcher execs qemu in place: with
# --trace-children=no valgrind hands the exec to the kernel, so qemu runs
# natively in the same pid (as the tests expect), and memcheck has
# reported every error of the launcher up to that point, though it cannot
# check leaks of a process that execs.  The helper and the secret reaper
# are forks without exec: memcheck follows them to their exit, leaks
# included.  --error-exitcode makes a run with an error, or a definite
# leak, that exits (rather than execs) exit 99, which fails its test.
VALGRIND = os.environ.get("DM_VALGRIND", "") not in ("", "0")


def _valgrind_wrapper(path):
    log_dir = os.environ.get("DM_VALGRIND_LOG_DIR") or os.path.join(BUILD_DIR, "valgrind",
                                                                      "logs")
    os.makedirs(log_dir, exist_ok=True)
    wrapper_dir = tempfile.mkdtemp(prefix="dm-valgrind-")
    atexit.register(shutil.rmtree, wrapper_dir, True)
    wrapper = os.path.join(wrapper_dir, os.path.basename(path))
    log = os.path.join(log_dir, os.path.basename(path) + ".%p.log")
    with open(wrapper, "w") as f:
        f.write("#!/bin/sh\nexec valgrind --tool=memcheck --error-exitcode=99 "
                "--leak-check=full --show-leak-kinds=definite "
                "--errors-for-leak-kinds=definite --trace-children=no "
                "--child-silent-after-fork=no --num-callers=30 "
                "--log-file=%s %s \"$@\"\n" % (shlex.quote(log), shlex.quote(path)))
    os.chmod(wrapper, 0o755)
    return wrapper


if VALGRIND and LAUNCHER:
    LAUNCHER = os.environ["DM_LAUNCHER"] = _valgrind_wrapper(LAUNCHER)
    if os.environ.get("DM_VNC_QEMU"):
        os.environ["DM_VNC_QEMU"] = _valgrind_wrapper(os.environ["DM_VNC_QEMU"])

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
        # Processes a test leaves running (qemu, a VNC client): ended, and
        # waited for, before the test's directory goes.
        self.procs = []

    def tearDown(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
            p.wait()
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

    def launch_with_inherited_fd(self, conf, args_for):
        """Launches (EXEC_PROBE as qemu) with a pipe's read end inherited, as
        libxl hands qemu a pre-opened QMP fd; args_for(fd) gives the
        toolstack's argv naming it.  Checks that the launcher exec'd in
        place and that only 0, 1, 2 and that fd reached the probe; returns
        the argv, the probe's report, its stdout and stderr."""
        r_fd, w_fd = os.pipe()
        args = args_for(r_fd)
        p = subprocess.Popen([LAUNCHER, "--config", conf, "--"] + args, pass_fds=(r_fd,),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = p.communicate(timeout=30)
        os.close(r_fd)
        os.close(w_fd)
        self.assertEqual(p.returncode, 0, err)
        report = json.loads(out)
        self.assertEqual(report["pid"], p.pid)
        self.assertEqual(sorted(report["fds"]), sorted([0, 1, 2, r_fd]))
        return args, report, out, err

    def dry_run(self, args, config=None, extra=()):
        own = ["--dry-run", "--json"] + (["--config", config] if config else []) + list(extra)
        r = self.run_launcher(args, own=own)
        return r

    def assert_refused(self, r, fragment):
        err = r.stderr.decode(errors="replace")
        self.assertEqual(r.returncode, 2, err)
        self.assertEqual(r.stdout, b"")
        lines = reason_lines(err)
        self.assertEqual(len(lines), 1, err)
        self.assertTrue(lines[0].startswith("qemu-dm-launcher: "), err)
        self.assertIn(fragment, lines[0])


# The first line of every launch: "qemu-dm-launcher: STAMP qemu-dm-launcher
# VERSION, config ...".
LAUNCH_LINE = re.compile(r"^qemu-dm-launcher: \S+ qemu-dm-launcher \S+, config ")


def reason_lines(err):
    """stderr's lines without the launch line: a refusal is one more line."""
    return [l for l in err.strip().splitlines() if not LAUNCH_LINE.match(l)]


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
