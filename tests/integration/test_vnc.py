"""VNC over a real connection, no Xen needed: the launcher's VNC path
(config, argv builder, secret file and reaper, sandbox, exec) drives
Debian's qemu-system-x86_64 with a "-machine none" guest on loopback, and a
real VNC client (libvncclient) must be accepted with the right password
and refused with a wrong one, in the clear and over TLS (x509, with client
certificates checked).  The password never shows in /proc/PID/cmdline or
/proc/PID/environ.  With dm-restrict the running qemu is checked in
/proc/PID/status and /proc/PID/root."""
import os
import shutil
import socket
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from dmtest import LauncherTest, status_fields  # noqa: E402
from xenstored import Xenstored  # noqa: E402

VNC_QEMU = os.environ.get("DM_VNC_QEMU", "")
VNC_CLIENT = os.environ.get("DM_VNC_CLIENT", "")
QEMU = shutil.which("qemu-system-x86_64")
PASSWORD = "Zq8pW3xk"   # VNC auth uses at most 8 bytes


def free_display():
    """A display whose port (5900 + N) is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return port - 5900


def wait_listening(port, proc, timeout=20):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            return False
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.05)
    return False


class VncTest(LauncherTest):
    def setUp(self):
        super().setUp()
        self.assertTrue(QEMU, "qemu-system-x86_64 is missing (scripts/deps test)")
        self.assertTrue(os.path.exists(VNC_QEMU) and os.path.exists(VNC_CLIENT))
        self.run_dir = os.path.join(self.dir, "run")
        self.pwfile = os.path.join(self.dir, "vnc.pw")
        with open(self.pwfile, "w") as f:
            f.write(PASSWORD + "\n")   # as an editor saves it
        os.chmod(self.pwfile, 0o600)

    def start(self, extra_conf="", domid=5, password_conf=None, env=None):
        display = free_display()
        if password_conf is None:
            password_conf = f"vnc-password-file = {self.pwfile}\n"
        conf = self.write_config(
            f"[launcher]\nqemu-xen = {QEMU}\nrun-dir = {self.run_dir}\n"
            f"{password_conf}{extra_conf}")
        with open(os.path.join(self.dir, f"qemu-{domid}.log"), "wb") as log:
            p = subprocess.Popen([VNC_QEMU, conf, str(domid), f"127.0.0.1:{display}"],
                                 stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env)
        self.procs.append(p)
        self.log_path = log.name
        ok = wait_listening(5900 + display, p)
        self.assertTrue(ok, "qemu did not listen:\n" + self.log())
        return p, 5900 + display

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def client(self, port, password, *tls):
        return subprocess.run([VNC_CLIENT, "127.0.0.1", str(port), password] + list(tls),
                              capture_output=True, text=True, timeout=30)

    def assert_no_password_in_proc(self, pid):
        for name in ("cmdline", "environ"):
            with open(f"/proc/{pid}/{name}", "rb") as f:
                data = f.read()
            self.assertNotIn(PASSWORD.encode(), data, name)
            self.assertGreater(len(data), 0, name)

    def assert_secret_removed(self, domid):
        path = os.path.join(self.run_dir, str(domid), "vnc-password")
        end = time.monotonic() + 10
        while os.path.exists(path) and time.monotonic() < end:
            time.sleep(0.05)
        self.assertFalse(os.path.exists(path), "the reaper left the secret file")

    def test_password_accepted_and_refused(self):
        p, port = self.start()
        # Same PID: the launcher exec'd qemu in place.
        with open(f"/proc/{p.pid}/exe", "rb"):
            pass
        self.assertEqual(os.readlink(f"/proc/{p.pid}/exe"), os.path.realpath(QEMU))
        with open(f"/proc/{p.pid}/cmdline", "rb") as f:
            argv = f.read().split(b"\0")
        self.assertIn(b"-object", argv)
        self.assertTrue(any(a.startswith(b"secret,id=dm-vnc-password,file=") for a in argv))
        self.assert_no_password_in_proc(p.pid)
        self.assert_secret_removed(5)

        ok = self.client(port, PASSWORD)
        self.assertEqual(ok.returncode, 0, ok.stdout + ok.stderr)
        self.assertIn("connected", ok.stdout)
        bad = self.client(port, "wrong123")
        self.assertEqual(bad.returncode, 1, bad.stdout + bad.stderr)
        self.assertIn("authentication failed", bad.stdout.lower())
        # Still serving after a refusal.
        again = self.client(port, PASSWORD)
        self.assertEqual(again.returncode, 0, again.stdout)
        # The launcher's argv log went to qemu's log, secret file path only.
        self.assertNotIn(PASSWORD, self.log())
        self.assertIn("argv[", self.log())

    def test_rlimits_and_filter_on_real_qemu(self):
        p, port = self.start()
        with open(f"/proc/{p.pid}/limits") as f:
            limits = f.read()
        self.assertRegex(limits, r"Max file size\s+262144\s+262144")
        self.assertRegex(limits, r"Max core file size\s+0\s+0")
        st = status_fields(p.pid)
        self.assertEqual(st["NoNewPrivs"], "1")
        self.assertEqual(st["Seccomp"], "2")

    def tls_files(self):
        d = os.path.join(self.dir, "pki")
        os.mkdir(d)
        cli = os.path.join(self.dir, "client")
        os.mkdir(cli)

        def ossl(*args):
            subprocess.run(["openssl"] + list(args), check=True, capture_output=True)

        ossl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
             "-subj", "/CN=dm test CA", "-keyout", f"{self.dir}/ca-key.pem",
             "-out", f"{d}/ca-cert.pem")
        for who, where, cn in (("server", d, "127.0.0.1"), ("client", cli, "client")):
            ossl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={cn}",
                 "-keyout", f"{where}/{who}-key.pem", "-out", f"{self.dir}/{who}.csr")
            ext = os.path.join(self.dir, f"{who}.ext")
            with open(ext, "w") as f:
                if who == "server":
                    f.write("subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
                else:
                    f.write("extendedKeyUsage=clientAuth\n")
            ossl("x509", "-req", "-in", f"{self.dir}/{who}.csr", "-CA", f"{d}/ca-cert.pem",
                 "-CAkey", f"{self.dir}/ca-key.pem", "-CAcreateserial", "-days", "1",
                 "-extfile", ext, "-out", f"{where}/{who}-cert.pem")
        return d, cli

    def test_tls_with_client_certificates(self):
        pki, cli = self.tls_files()
        p, port = self.start(f"vnc-tls-dir = {pki}\nvnc-tls-verify = true\n", domid=6)
        self.assert_no_password_in_proc(p.pid)
        ca = f"{pki}/ca-cert.pem"
        cert, key = f"{cli}/client-cert.pem", f"{cli}/client-key.pem"
        ok = self.client(port, PASSWORD, ca, cert, key)
        self.assertEqual(ok.returncode, 0, ok.stdout + ok.stderr + self.log())
        bad = self.client(port, "wrong123", ca, cert, key)
        self.assertEqual(bad.returncode, 1, bad.stdout)
        # x509verify: no client certificate, no session.
        nocert = self.client(port, PASSWORD, ca)
        self.assertEqual(nocert.returncode, 1, nocert.stdout)
        if os.environ.get("DM_TEST_SHOW"):
            print(ok.stdout, bad.stdout, nocert.stdout, sep="\n----\n")
        # A plain client (no TLS) gets nowhere.
        plain = self.client(port, PASSWORD)
        self.assertEqual(plain.returncode, 1, plain.stdout)

    def test_missing_tls_files_fail_before_exec(self):
        conf = self.write_config(
            f"[launcher]\nqemu-xen = {QEMU}\nrun-dir = {self.run_dir}\n"
            f"vnc-tls-dir = {self.dir}/nowhere\n")
        r = subprocess.run([VNC_QEMU, conf, "5", "127.0.0.1:0"], capture_output=True,
                           text=True, timeout=30)
        self.assertEqual(r.returncode, 1)
        self.assertIn("qemu-dm-launcher: VNC TLS: ", r.stderr)
        self.assertIn("ca-cert.pem", r.stderr)
        self.assertIn("No such file or directory", r.stderr)
        self.assertNotIn("argv[", r.stderr, "failed after logging the exec")

    @unittest.skipUnless(os.geteuid() == 0, "needs root to drop to a per-domain uid")
    def test_dm_restrict_drops_qemu(self):
        domid = 9
        p, port = self.start("dm-restrict = true\ndm-uid-base = 200000\n", domid=domid)
        # qemu drops after start-up; the port is open before that, so wait.
        uid = str(200000 + domid)
        end = time.monotonic() + 10
        while status_fields(p.pid)["Uid"].split()[0] != uid and time.monotonic() < end:
            time.sleep(0.05)
        st = status_fields(p.pid)
        self.assertEqual(st["Uid"].split(), [uid] * 4)
        self.assertEqual(st["Gid"].split(), [uid] * 4)
        self.assertEqual(st["Groups"].split(), [uid])
        self.assertEqual(st["NoNewPrivs"], "1")
        self.assertEqual(st["Seccomp"], "2")
        self.assertEqual(os.readlink(f"/proc/{p.pid}/root"),
                         os.path.join(self.run_dir, "root", str(domid)))
        self.assertEqual(os.listdir(os.path.join(self.run_dir, "root", str(domid))), [])
        # The password was read before the drop: VNC still authenticates.
        ok = self.client(port, PASSWORD)
        self.assertEqual(ok.returncode, 0, ok.stdout + self.log())
        self.assert_secret_removed(domid)


    def test_password_from_xenstore_is_consumed(self):
        domid = 11
        uuid = "8a3c8f52-1d6e-4b8e-9a51-7f2e0c9b1d11"
        with Xenstored() as xs:
            xs.write_many([(f"/local/domain/{domid}/vm", f"/vm/{uuid}"),
                           (f"/vm/{uuid}/vncpasswd", PASSWORD)])
            p, port = self.start(domid=domid, password_conf="vnc-password-xenstore = true\n",
                                 env=xs.client_env())
            # Consumed, as qemu-dm did: the node is emptied once the
            # password is in the secret file.
            self.assertEqual(xs.read(f"/vm/{uuid}/vncpasswd"), "")
            self.assert_no_password_in_proc(p.pid)
            ok = self.client(port, PASSWORD)
            self.assertEqual(ok.returncode, 0, ok.stdout + self.log())
            bad = self.client(port, "wrong123")
            self.assertEqual(bad.returncode, 1, bad.stdout)
            self.assert_secret_removed(domid)

    def test_xenstore_password_missing_fails_before_exec(self):
        with Xenstored() as xs:
            xs.write("/local/domain/12/vm", "/vm/0000-12")
            conf = self.write_config(
                f"[launcher]\nqemu-xen = {QEMU}\nrun-dir = {self.run_dir}\n"
                "vnc-password-xenstore = true\n")
            r = subprocess.run([VNC_QEMU, conf, "12", "127.0.0.1:0"], capture_output=True,
                               text=True, timeout=30, env=xs.client_env())
        self.assertEqual(r.returncode, 1)
        self.assertIn("qemu-dm-launcher: reading the VNC password from xenstore: ", r.stderr)
        self.assertIn("/vm/0000-12/vncpasswd", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.run_dir, "12", "vnc-password")))


if __name__ == "__main__":
    unittest.main(verbosity=2)
