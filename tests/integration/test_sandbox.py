"""The launcher's set-up around exec, run for real: the fd audit with a VNC
secret in play (only the toolstack's fds reach qemu; the secret file is
gone once qemu has exited), SDL's display check and environment, the
missing-image check, and the rlimits and filter qemu starts under."""
import json
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from dmtest import EXEC_PROBE, LAUNCHER, LauncherTest, status_fields  # noqa: E402


class Setup(LauncherTest):
    def conf(self, extra=""):
        self.run_dir = os.path.join(self.dir, "run")
        return self.write_config(f"[launcher]\nqemu-xen = {EXEC_PROBE}\nscrub =\n"
                                 f"run-dir = {self.run_dir}\n{extra}")

    def test_only_toolstack_fds_cross_with_a_secret(self):
        pw = os.path.join(self.dir, "pw")
        with open(pw, "w") as f:
            f.write("sekrit99\n")
        os.chmod(pw, 0o600)
        conf = self.conf(f"vnc-password-file = {pw}\n")
        # Only the toolstack's fds reach qemu: not the secret file, the
        # probe's pipes or the reaper's pipe.
        _, report, out, err = self.launch_with_inherited_fd(conf, lambda fd: [
            "-xen-domid", "4", "-chardev", f"socket,id=libxl-cmd,fd={fd},server=on",
            "-name", "fx", "-vnc", "127.0.0.1:0,to=99,password", "-machine", "xenfv"])
        secret = os.path.join(self.run_dir, "4", "vnc-password")
        self.assertIn(f"secret,id=dm-vnc-password,file={secret},format=raw", report["argv"])
        self.assertNotIn("sekrit99", out.decode() + err.decode())
        # The fixture never read the file; the reaper removes it when the
        # process (qemu's pid) is gone: the file, then its directory (two
        # steps: wait for the second).
        end = time.monotonic() + 10
        while os.path.exists(os.path.dirname(secret)) and time.monotonic() < end:
            time.sleep(0.05)
        self.assertFalse(os.path.exists(secret))
        self.assertFalse(os.path.exists(os.path.dirname(secret)))

    def test_sdl_without_display_fails_before_exec(self):
        conf = self.conf()
        env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "XAUTHORITY")}
        r = subprocess.run([LAUNCHER, "--config", conf, "--", "-xen-domid", "4", "-name", "s",
                            "-display", "sdl", "-machine", "xenfv"],
                           capture_output=True, env=env, timeout=30)
        self.assert_refused(r, "DISPLAY is not set")

    def test_sdl_keeps_only_display_xauthority_and_xen_vars(self):
        # A stand-in qemu that reports the environment it was exec'd with.
        script = os.path.join(self.dir, "envqemu")
        with open(script, "w") as f:
            f.write(f"#!{sys.executable}\nimport json, os\nprint(json.dumps(dict(os.environ)))\n")
        os.chmod(script, 0o755)
        conf = self.write_config(f"[launcher]\nqemu-xen = {script}\nscrub =\n"
                                 f"run-dir = {self.dir}/run\nsdl = true\n")
        env = dict(os.environ, DISPLAY=":7", XAUTHORITY="/root/.Xauthority",
                   SECRET_TOKEN="x", HOME="/root", XEN_QEMU_CONSOLE_LIMIT="1048576",
                   XEN_DOMAIN_ID="4")
        r = subprocess.run([LAUNCHER, "--config", conf, "--", "-xen-domid", "4", "-name", "s",
                            "-machine", "xenfv"], capture_output=True, env=env, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        seen = json.loads(r.stdout)
        seen.pop("LC_CTYPE", None)  # python may add it itself
        # libxl's XEN_QEMU_CONSOLE_LIMIT (XSA-180's log cap) and XEN_DOMAIN_ID
        # cross too (libxl_dm.c, libxl__set_qemu_env_for_xsa_180, 4.17).
        self.assertEqual(seen, {"DISPLAY": ":7", "XAUTHORITY": "/root/.Xauthority",
                                "XEN_QEMU_CONSOLE_LIMIT": "1048576", "XEN_DOMAIN_ID": "4"})

    def test_missing_image_fails_before_exec(self):
        conf = self.conf()
        img = os.path.join(self.dir, "no such, image=.vhd")
        r = self.run_launcher(["-xen-domid", "4", "-name", "d", "-hda", f"tap:vhd:{img}",
                               "-machine", "xenfv"], own=["--config", conf])
        self.assert_refused(r, f"disk image '{img}': No such file or directory")

    def test_unknown_format_fails_before_exec(self):
        conf = self.conf()
        r = self.run_launcher(["-xen-domid", "4", "-name", "d", "-hda", "tap:ram:/x",
                               "-machine", "xenfv"], own=["--config", conf])
        self.assert_refused(r, "unknown blktap format 'ram'")

    def test_existing_vhd_becomes_vpc(self):
        conf = self.conf()
        img = os.path.join(self.dir, "a,b c=d.vhd")
        open(img, "w").close()
        r = self.run_launcher(["-xen-domid", "4", "-name", "d", "-hda", f"tap:vhd:{img}",
                               "-machine", "xenfv"], own=["--config", conf])
        self.assertEqual(r.returncode, 0, r.stderr)
        argv = json.loads(r.stdout)["argv"]
        esc = img.replace(",", ",,")
        self.assertIn(f"file={esc},format=vpc,if=ide,index=0,media=disk", argv)
        # qemu writes that image file: no RLIMIT_FSIZE, and the log says why.
        self.assertIn("no RLIMIT_FSIZE for qemu: qemu writes a disk image file",
                      r.stderr.decode())



class SecretReaper(LauncherTest):
    """The reaper, a live process: sandboxed, and removing the secret as soon
    as qemu has read it."""

    def test_reaper_is_sandboxed_and_removes_after_read(self):
        run_dir = os.path.join(self.dir, "run")
        pw = os.path.join(self.dir, "pw")
        with open(pw, "w") as f:
            f.write("sekrit99")
        os.chmod(pw, 0o600)
        marker = os.path.join(self.dir, "read-done")
        # Stands in for qemu: waits, reads the secret file named on its
        # argv as qemu's secret object does, then stays alive a while.
        script = os.path.join(self.dir, "fakeqemu")
        with open(script, "w") as f:
            f.write(f"""#!{sys.executable}
import sys, time
obj = [a for a in sys.argv if a.startswith("secret,id=dm-vnc-password,")][0]
path = obj.split("file=", 1)[1].rsplit(",format=", 1)[0].replace(",,", ",")
time.sleep(2)
data = open(path).read()
open({marker!r}, "w").write(data)
time.sleep(5)
""")
        os.chmod(script, 0o755)
        conf = self.write_config(f"[launcher]\nqemu-xen = {script}\nscrub =\n"
                                 f"run-dir = {run_dir}\nvnc-password-file = {pw}\n")
        p = subprocess.Popen([LAUNCHER, "--config", conf, "--", "-xen-domid", "8", "-name", "r",
                              "-vnc", "127.0.0.1:0", "-machine", "xenfv"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            secret = os.path.join(run_dir, "8", "vnc-password")
            reaper = None
            end = time.monotonic() + 5
            while reaper is None and time.monotonic() < end:
                for pid in filter(str.isdigit, os.listdir("/proc")):
                    try:
                        if os.readlink(f"/proc/{pid}/root") == run_dir:
                            reaper = int(pid)
                    except OSError:
                        pass
                time.sleep(0.05)
            self.assertIsNotNone(reaper, "no process chrooted into the run dir")
            st = status_fields(reaper)
            self.assertEqual(st["NoNewPrivs"], "1")
            self.assertEqual(st["Seccomp"], "2")
            self.assertNotEqual(int(st["PPid"]), p.pid, "the reaper is qemu's child")
            fds = {fd: os.readlink(f"/proc/{reaper}/fd/{fd}")
                   for fd in os.listdir(f"/proc/{reaper}/fd")}
            kinds = sorted(v for k, v in fds.items() if k != "2")
            self.assertEqual(kinds, ["anon_inode:[pidfd]", "anon_inode:inotify"], fds)
            self.assertTrue(os.path.exists(secret), "removed before qemu read it")
            # qemu reads it; the reaper removes it while qemu still runs.
            end = time.monotonic() + 10
            while not os.path.exists(marker) and time.monotonic() < end:
                time.sleep(0.05)
            with open(marker) as f:
                self.assertEqual(f.read(), "sekrit99")
            end = time.monotonic() + 3
            while os.path.exists(secret) and time.monotonic() < end:
                time.sleep(0.02)
            self.assertFalse(os.path.exists(secret))
            self.assertIsNone(p.poll(), "qemu should still be running")
        finally:
            p.kill()
            p.communicate()


class ProbeCache(LauncherTest):
    """qemu's options are probed once per binary, keyed by mtime."""

    def test_probe_cached_per_binary_and_mtime(self):
        import shutil
        real = shutil.which("qemu-system-x86_64")
        self.assertTrue(real, "qemu-system-x86_64 missing (scripts/deps test)")
        qemu = os.path.join(self.dir, "qemu-copy")
        shutil.copy2(real, qemu)
        run_dir = os.path.join(self.dir, "run")
        conf = self.write_config(f"[launcher]\nqemu-xen = {qemu}\nscrub =\nrun-dir = {run_dir}\n")
        args = ["-xen-domid", "4", "-name", "c", "-machine", "none"]

        def launch():
            # qemu-system-x86_64 then refuses -xen-domid; the argv log is
            # what matters here.
            r = self.run_launcher(args, own=["--config", conf])
            return r.stderr.decode()

        self.assertIn("= -sandbox", launch())
        cache = os.path.join(run_dir, "qemu-facts.ini")
        with open(cache) as f:
            text = f.read()
        self.assertIn(f"[{qemu}]", text)
        self.assertIn("sandbox=true", text)
        self.assertEqual(os.stat(cache).st_mode & 0o777, 0o600)
        # The cache is what is used: edit it, same stamp.
        with open(cache, "w") as f:
            f.write(text.replace("sandbox=true", "sandbox=false"))
        self.assertNotIn("= -sandbox", launch())
        # A new binary (new mtime) is probed again.
        st = os.stat(qemu)
        os.utime(qemu, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
        self.assertIn("= -sandbox", launch())

    def test_probe_of_a_hanging_binary_times_out(self):
        hang = os.path.join(self.dir, "hang")
        with open(hang, "w") as f:
            f.write("#!/bin/sh\nexec sleep 300\n")
        os.chmod(hang, 0o755)
        conf = self.write_config(f"[launcher]\nqemu-xen = {hang}\nscrub =\n"
                                 f"run-dir = {self.dir}/run\n")
        start = time.monotonic()
        r = self.dry_run(["-xen-domid", "4", "-name", "h", "-machine", "xenfv"], config=conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertLess(time.monotonic() - start, 20)
        self.assertNotIn("-sandbox", json.loads(r.stdout)["argv"])



class AbortStatus(LauncherTest):
    """A sandbox that fails part-way ends the launcher with 125, before
    the exec; 127 stays "qemu missing or its exec failed".  The failure is
    real: seccomp_full uses up the kernel's budget of filter instructions
    for the process, so loading qemu's filter (the sandbox's last step,
    after no_new_privs) gets ENOMEM."""

    SECCOMP_FULL = os.environ.get("DM_SECCOMP_FULL", "")

    def launch(self, qemu):
        self.conf = self.write_config(f"[launcher]\nqemu-xen = {qemu}\nscrub =\n"
                                      f"run-dir = {self.dir}/run\n")
        argv = [self.SECCOMP_FULL, LAUNCHER, "--config", self.conf, "--",
                "-xen-domid", "4", "-machine", "xenfv"]
        return subprocess.run(argv, capture_output=True, timeout=30)

    def test_sandbox_failure_is_125_before_the_exec(self):
        r = self.launch(EXEC_PROBE)
        err = r.stderr.decode()
        self.assertEqual(r.returncode, 125, err)
        self.assertIn("qemu-dm-launcher: sandbox: loading the seccomp filter failed after "
                      "privileges were partly dropped", err)
        self.assertIn("stopping here rather than run half dropped", err)
        self.assertEqual(r.stdout, b"", "exec_probe ran: the exec happened")
        # The same launch without the fixture execs qemu: the fixture is
        # what made the sandbox fail.
        ok = self.run_launcher(["-xen-domid", "4", "-machine", "xenfv"],
                               own=["--config", self.conf])
        self.assertEqual(ok.returncode, 0, ok.stderr)
        self.assertEqual(json.loads(ok.stdout)["argv"][0], EXEC_PROBE)

    def test_missing_qemu_is_still_127_under_the_same_fixture(self):
        r = self.launch(os.path.join(self.dir, "no-such-qemu"))
        self.assertEqual(r.returncode, 127, r.stderr)
        self.assertIn(b"No such file or directory", r.stderr)
        self.assertNotIn(b"sandbox:", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
