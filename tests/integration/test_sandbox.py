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
from dmtest import EXEC_PROBE, LAUNCHER, LauncherTest  # noqa: E402


class Setup(LauncherTest):
    def conf(self, extra=""):
        self.run_dir = os.path.join(self.dir, "run")
        return self.write_config(f"[launcher]\nqemu-xen = {EXEC_PROBE}\nscrub =\n"
                                 f"run-dir = {self.run_dir}\n{extra}")

    def test_only_toolstack_fds_cross_with_a_secret(self):
        pw = os.path.join(self.dir, "pw")
        with open(pw, "w") as f:
            f.write("sekrit99\n")
        conf = self.conf(f"vnc-password-file = {pw}\n")
        r_fd, w_fd = os.pipe()
        args = ["-xen-domid", "4", "-chardev", f"socket,id=libxl-cmd,fd={r_fd},server=on",
                "-name", "fx", "-vnc", "127.0.0.1:0,to=99,password", "-machine", "xenfv"]
        p = subprocess.Popen([LAUNCHER, "--config", conf, "--"] + args, pass_fds=(r_fd,),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = p.communicate(timeout=30)
        os.close(r_fd)
        os.close(w_fd)
        self.assertEqual(p.returncode, 0, err)
        report = json.loads(out)
        self.assertEqual(report["pid"], p.pid)
        # Not the secret file, the probe's pipes, the reaper's pipe: only ours.
        self.assertEqual(sorted(report["fds"]), sorted([0, 1, 2, r_fd]))
        secret = os.path.join(self.run_dir, "4", "vnc-password")
        self.assertIn(f"secret,id=dm-vnc-password,file={secret},format=raw", report["argv"])
        self.assertNotIn("sekrit99", out.decode() + err.decode())
        # The fixture never read the file; the reaper removes it when the
        # process (qemu's pid) is gone.
        end = time.monotonic() + 10
        while os.path.exists(secret) and time.monotonic() < end:
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

    def test_sdl_keeps_only_display_and_xauthority(self):
        # A stand-in qemu that reports the environment it was exec'd with.
        script = os.path.join(self.dir, "envqemu")
        with open(script, "w") as f:
            f.write(f"#!{sys.executable}\nimport json, os\nprint(json.dumps(dict(os.environ)))\n")
        os.chmod(script, 0o755)
        conf = self.write_config(f"[launcher]\nqemu-xen = {script}\nscrub =\n"
                                 f"run-dir = {self.dir}/run\nsdl = true\n")
        env = dict(os.environ, DISPLAY=":7", XAUTHORITY="/root/.Xauthority",
                   SECRET_TOKEN="x", HOME="/root")
        r = subprocess.run([LAUNCHER, "--config", conf, "--", "-xen-domid", "4", "-name", "s",
                            "-machine", "xenfv"], capture_output=True, env=env, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        seen = json.loads(r.stdout)
        seen.pop("LC_CTYPE", None)  # python may add it itself
        self.assertEqual(seen, {"DISPLAY": ":7", "XAUTHORITY": "/root/.Xauthority"})

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


if __name__ == "__main__":
    unittest.main(verbosity=2)
