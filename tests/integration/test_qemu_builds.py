"""What a qemu build cannot do, found out before exec, against the real
binaries: Debian 12's qemu-xen (xen-qemu-system-i386, package
qemu-system-xen) is built without a DES cipher backend and without seccomp;
Debian's qemu-system-x86_64 has both.

- A VNC password for a qemu without DES is refused before exec: exit 2, one
  clear line naming the binary, quoting qemu and saying what to do, nothing
  written (no secret file, the xenstore password not consumed, no backend
  scrubbed), the same in --dry-run.  A qemu with DES proceeds and a real
  client authenticates.  The probe runs only when a password reaches qemu,
  once per binary (cached), bounded in time, and a probe that cannot tell
  never blocks a launch.
- qemu-sandbox: "auto" (the default) warns that the qemu runs without its
  own filter; "true" refuses to start it; "false" says nothing."""
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from dmtest import LIBXL_HVM, LauncherTest, parse_json, reason_lines, wait_until  # noqa: E402
from xenstored import Xenstored, backend_path  # noqa: E402

XEN_QEMU = "/usr/libexec/xen-qemu-system-i386"
DES_QEMU = shutil.which("qemu-system-x86_64")
VNC_QEMU = os.environ.get("DM_VNC_QEMU", "")
VNC_CLIENT = os.environ.get("DM_VNC_CLIENT", "")
PASSWORD = "Zq8pW3xk"
NO_DES = "Cipher backend does not support DES algorithm"
NO_SANDBOX = "-sandbox support is not enabled in this QEMU binary"
NO_TLS = "TLS credentials support requires GNUTLS"


def args_for(domid, vnc="127.0.0.1:0,to=99"):
    """libxl's HVM line for `domid`, with its -vnc value."""
    out = list(LIBXL_HVM)
    out[out.index("-xen-domid") + 1] = str(domid)
    out[out.index("-vnc") + 1] = vnc
    return out


def qemu_takes_a_password(binary, workdir):
    """Starts `binary` directly the way the brief checked it by hand: a
    -machine none guest, VNC with password=on on a Unix socket, QMP quit on
    stdin.  Returns (exit status, stderr)."""
    sock = os.path.join(workdir, "direct-vnc")
    r = subprocess.run([binary, "-M", "none", "-accel", "qtest", "-accel", "tcg",
                        "-nodefaults", "-display", "none", "-vnc", f"unix:{sock},password=on",
                        "-qmp", "stdio"],
                       input=b'{"execute":"qmp_capabilities"}\n{"execute":"quit"}\n',
                       capture_output=True, timeout=30)
    if os.path.exists(sock):
        os.unlink(sock)
    return r.returncode, r.stderr.decode(errors="replace")


class QemuBuildTest(LauncherTest):
    def setUp(self):
        super().setUp()
        self.assertTrue(os.path.exists(XEN_QEMU), "qemu-system-xen missing (scripts/deps test)")
        self.assertTrue(DES_QEMU, "qemu-system-x86 missing (scripts/deps test)")
        self.run_dir = os.path.join(self.dir, "run")
        self.pwfile = os.path.join(self.dir, "vnc.pw")
        with open(self.pwfile, "w") as f:
            f.write(PASSWORD + "\n")
        os.chmod(self.pwfile, 0o600)

    def conf(self, qemu, extra="", password=True):
        text = (f"[launcher]\nqemu-xen = {qemu}\nrun-dir = {self.run_dir}\nscrub =\n"
                f"helper = false\n")
        if password:
            text += f"vnc-password-file = {self.pwfile}\n"
        return self.write_config(text + extra)

    def cache(self):
        path = os.path.join(self.run_dir, "qemu-facts.ini")
        if not os.path.exists(path):
            return ""
        with open(path) as f:
            return f.read()

    def wrapper(self, name, body):
        """A shell script standing in for qemu-xen that runs `body`
        (which may exec the real qemu) and records its argv, one line per
        run, in <dir>/NAME.runs."""
        path = os.path.join(self.dir, name)
        runs = path + ".runs"
        with open(path, "w") as f:
            f.write(f'#!/bin/sh\necho "$*" >> {runs}\n{body}\n')
        os.chmod(path, 0o755)
        return path, runs

    @staticmethod
    def lines(path):
        if not os.path.exists(path):
            return []
        with open(path) as f:
            return f.read().splitlines()


class VncPasswordWithoutDes(QemuBuildTest):
    def test_debian_qemu_xen_has_no_des(self):
        # The fact the launcher guards against, checked on the real binary
        # directly; and the other qemu has DES, so the two tests below
        # compare like with like.
        status, err = qemu_takes_a_password(XEN_QEMU, self.dir)
        self.assertEqual(status, 1, err)
        self.assertIn(NO_DES, err)
        status, err = qemu_takes_a_password(DES_QEMU, self.dir)
        self.assertEqual(status, 0, err)
        self.assertNotIn("DES", err)

    def assert_des_refusal(self, r):
        self.assert_refused(r, "cannot check VNC passwords")
        line = "\n".join(reason_lines(r.stderr.decode()))
        self.assertIn(f"vnc-password-file = {self.pwfile}", line)
        self.assertIn(f"qemu '{XEN_QEMU}'", line)
        self.assertIn(f'"{NO_DES}"', line)
        # TLS is not offered: this qemu has none either, as it says.
        self.assertIn(f'It has no TLS either (it says "{NO_TLS}")', line)
        self.assertNotIn("vnc-tls-verify", line)
        self.assertIn("nettle, gcrypt or gnutls", line)
        self.assertNotIn(PASSWORD, line)
        return line

    def test_refused_before_exec_and_nothing_written(self):
        conf = self.conf(XEN_QEMU)
        dry = self.assert_des_refusal(self.dry_run(args_for(5), config=conf))
        self.assertEqual(self.cache(), "", "a dry run wrote the probe cache")
        real = self.assert_des_refusal(self.run_launcher(args_for(5), own=["--config", conf]))
        self.assertNotIn("argv[", real, "refused only after logging the exec")
        # The same line either way; the second launch reads the cache.
        self.assertEqual(dry, real)
        self.assertIn("vnc-des=false", self.cache())
        self.assertIn(f"vnc-des-error={NO_DES}", self.cache())
        self.assertIn("vnc-tls=false", self.cache())
        self.assertIn(f"vnc-tls-error={NO_TLS}", self.cache())
        again = self.assert_des_refusal(self.dry_run(args_for(5), config=conf))
        self.assertEqual(again, real)
        # No secret file, no per-domain directory.
        self.assertFalse(os.path.exists(os.path.join(self.run_dir, "5")))
        self.assertEqual(sorted(os.listdir(self.run_dir)), ["qemu-facts.ini"])

    def test_xenstore_password_not_consumed_and_nothing_scrubbed(self):
        domid = 13
        uuid = "5c1d0e3a-7b7e-4f40-9d0c-2f6b8e1a9c13"
        conf_text = (f"[launcher]\nqemu-xen = {XEN_QEMU}\nrun-dir = {self.run_dir}\n"
                     "helper = false\nscrub-mode = always\nvnc-password-xenstore = true\n")
        with Xenstored() as xs:
            xs.write_domain(domid, name="win10")
            xs.write_many([(f"/local/domain/{domid}/vm", f"/vm/{uuid}"),
                           (f"/vm/{uuid}/vncpasswd", PASSWORD)])
            before = xs.ls("/local/domain/0/backend")
            self.assertIn(backend_path(domid, "console", 0) + "/state", before)
            r = self.run_launcher(args_for(domid), own=["--config", self.write_config(conf_text)],
                                  env=xs.env)
            self.assert_refused(r, "cannot check VNC passwords")
            self.assertIn("vnc-password-xenstore = true", r.stderr.decode())
            # Not consumed (qemu never got it), and no backend scrubbed.
            self.assertEqual(xs.read(f"/vm/{uuid}/vncpasswd"), PASSWORD)
            self.assertEqual(xs.ls("/local/domain/0/backend"), before)
            self.assertFalse(os.path.exists(os.path.join(self.run_dir, str(domid))))
            # Control: without the password the very same launch scrubs
            # (always mode, before exec) and execs qemu-xen, which then
            # fails for want of Xen.  So the checks above could fail.
            no_pw = conf_text.replace("vnc-password-xenstore = true\n", "")
            r = self.run_launcher(args_for(domid), own=["--config", self.write_config(no_pw)],
                                  env=xs.env)
            self.assertIn("argv[0] = " + XEN_QEMU, r.stderr.decode())
            self.assertFalse(xs.exists(backend_path(domid, "console", 0)))

    def test_qemu_with_des_proceeds(self):
        self.assertTrue(os.path.exists(VNC_QEMU) and os.path.exists(VNC_CLIENT))
        conf = self.conf(DES_QEMU)
        r = self.dry_run(args_for(5), config=conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        argv = parse_json(r.stdout)["argv"]
        self.assertIn("127.0.0.1:0,to=99,password-secret=dm-vnc-password", argv)
        # The launcher's real path (probe, plan, secret, exec) on the real
        # qemu with DES: it serves VNC, and the password works.
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            display = s.getsockname()[1] - 5900
        log = open(os.path.join(self.dir, "qemu.log"), "wb")
        p = subprocess.Popen([VNC_QEMU, conf, "6", f"127.0.0.1:{display}"],
                             stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        try:
            def listening():
                with socket.socket() as s:
                    return p.poll() is None and s.connect_ex(("127.0.0.1", 5900 + display)) == 0
            up = wait_until(listening, 20)
            with open(log.name, errors="replace") as f:
                text = f.read()
            self.assertTrue(up, "qemu did not listen:\n" + text)
            ok = subprocess.run([VNC_CLIENT, "127.0.0.1", str(5900 + display), PASSWORD],
                                capture_output=True, text=True, timeout=30)
            self.assertEqual(ok.returncode, 0, ok.stdout + text)
            self.assertIn("connected", ok.stdout)
            bad = subprocess.run([VNC_CLIENT, "127.0.0.1", str(5900 + display), "wrong123"],
                                 capture_output=True, text=True, timeout=30)
            self.assertEqual(bad.returncode, 1, bad.stdout)
        finally:
            p.kill()
            p.wait()
            log.close()
        self.assertIn("vnc-des=true", self.cache())

    def test_probe_only_when_a_password_reaches_qemu_and_once(self):
        qemu, runs = self.wrapper("qemu", f'exec {XEN_QEMU} "$@"')
        # The password probe's runs, not the TLS probe's (which a refusal
        # adds, for its advice) or the launches' own exec of the wrapper.
        probes = lambda: [x for x in self.lines(runs)  # noqa: E731
                          if "password-secret=dm-probe" in x]
        # Ordinary launches pay nothing: no password, or "-vnc none".
        r = self.run_launcher(args_for(5), own=["--config", self.conf(qemu, password=False)])
        self.assertIn("argv[0] = " + qemu, r.stderr.decode())
        r = self.run_launcher(args_for(5, vnc="none"), own=["--config", self.conf(qemu)])
        self.assertIn("argv[0] = " + qemu, r.stderr.decode())
        self.assertEqual([x for x in self.lines(runs) if "id=dm-probe" in x], [])
        self.assertNotIn("vnc-des", self.cache())
        # A password: one probe, then the cache.
        conf = self.conf(qemu)
        self.assert_refused(self.run_launcher(args_for(5), own=["--config", conf]), NO_DES)
        self.assertEqual(len(probes()), 1, probes())
        self.assertIn("password-secret=", probes()[0])
        self.assertNotIn(PASSWORD, probes()[0])
        self.assert_refused(self.run_launcher(args_for(5), own=["--config", conf]), NO_DES)
        self.assertEqual(len(probes()), 1, probes())
        # A new binary (new mtime) is asked again.
        st = os.stat(qemu)
        os.utime(qemu, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
        self.assert_refused(self.run_launcher(args_for(5), own=["--config", conf]), NO_DES)
        self.assertEqual(len(probes()), 2, probes())

    def test_a_probe_that_cannot_tell_never_blocks(self):
        # Answers -version like qemu-xen, but the real start fails for some
        # other reason ("no qtest"), or never ends: the launch goes on, with
        # the password, and says why only at debug level.
        fails, _ = self.wrapper(
            "fails", f'case "$*" in *-qmp*) echo "qemu: -accel qtest: invalid accelerator '
                     f'qtest" >&2; exit 1;; esac\nexec {XEN_QEMU} "$@"')
        # Its own child sleeps on: the timeout must kill the probe's whole
        # process group, not just the process it started.
        pidfile = os.path.join(self.dir, "sleeper.pid")
        hangs, hang_runs = self.wrapper(
            "hangs", f'case "$*" in *-qmp*) sleep 300 & echo $! > {pidfile}; wait; exit 1;; '
                     f'esac\nexec {XEN_QEMU} "$@"')
        for qemu, why in ((fails, "invalid accelerator qtest"), (hangs, "no answer in time")):
            start = time.monotonic()
            r = self.dry_run(args_for(5), config=self.conf(qemu), extra=["--verbose"])
            took = time.monotonic() - start
            err = r.stderr.decode()
            self.assertEqual(r.returncode, 0, err)
            self.assertIn("127.0.0.1:0,to=99,password-secret=dm-vnc-password",
                          parse_json(r.stdout)["argv"])
            self.assertRegex(err, f"could not tell whether {qemu} can do VNC passwords "
                                  f"\\(.*{why}.*\\); assuming it can")
            self.assertNotIn("warning", err)
            if qemu == hangs:
                self.assertLess(took, 20)
        # The timed-out probe's process group was killed: no sleep left.
        with open(pidfile) as f:
            sleeper = int(f.read())
        self.assertTrue(wait_until(lambda: not os.path.exists(f"/proc/{sleeper}"), 10),
                        "the hung probe's child outlived its timeout")
        # Not cached: nothing learned.
        self.assertNotIn("vnc-des", self.cache())
        self.assertEqual(sum("id=dm-probe" in x for x in self.lines(hang_runs)), 1)


class VncTlsWithoutGnutls(QemuBuildTest):
    """The advice's other half: TLS is GnuTLS, and Debian 12's qemu-xen has
    none either; TLS credentials make it exit at start-up the same way."""

    def test_debian_qemu_xen_has_no_gnutls(self):
        r = subprocess.run([XEN_QEMU, "-M", "none", "-accel", "qtest", "-nodefaults",
                            "-display", "none", "-object",
                            f"tls-creds-x509,id=t,dir={self.dir},endpoint=server",
                            "-qmp", "stdio"], input=b"", capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 1)
        self.assertIn(NO_TLS, r.stderr.decode())

    def test_tls_refused_before_exec(self):
        pki = os.path.join(self.dir, "pki")
        os.mkdir(pki)
        conf = self.conf(XEN_QEMU, f"vnc-tls-dir = {pki}\nvnc-tls-verify = true\n",
                         password=False)
        lines = []
        for r in (self.dry_run(args_for(5), config=conf),
                  self.run_launcher(args_for(5), own=["--config", conf])):
            self.assert_refused(r, f"VNC TLS (vnc-tls-dir = {pki}) for domain 5: "
                                   f"qemu '{XEN_QEMU}' has no TLS")
            lines.append("\n".join(reason_lines(r.stderr.decode())))
            self.assertIn(f'"{NO_TLS}"', lines[-1])
            self.assertIn("GnuTLS", lines[-1])
        self.assertEqual(lines[0], lines[1])
        self.assertIn("vnc-tls=false", self.cache())
        self.assertNotIn("vnc-des", self.cache())

    def test_qemu_with_gnutls_proceeds(self):
        pki = os.path.join(self.dir, "pki")
        os.mkdir(pki)
        for name in ("ca-cert.pem", "server-cert.pem", "server-key.pem"):
            open(os.path.join(pki, name), "w").close()  # the launcher checks they exist
        os.chmod(os.path.join(pki, "server-key.pem"), 0o600)  # and that the key is private
        conf = self.conf(DES_QEMU, f"vnc-tls-dir = {pki}\n", password=False)
        # A real launch runs (and caches) the probe; qemu-system-x86_64
        # then refuses -xen-domid, which is not under test here (test_vnc
        # serves TLS from it with real certificates).
        r = self.run_launcher(args_for(5), own=["--config", conf])
        err = r.stderr.decode()
        self.assertIn("tls-creds=dm-vnc-tls", err)
        self.assertIn("argv[0] = " + DES_QEMU, err)
        self.assertIn("vnc-tls=true", self.cache())


class QemuSandbox(QemuBuildTest):
    def test_debian_qemu_xen_has_no_seccomp(self):
        r = subprocess.run([XEN_QEMU, "-sandbox", "on", "-version"], capture_output=True,
                           timeout=30)
        self.assertEqual(r.returncode, 1)
        self.assertIn(NO_SANDBOX, r.stderr.decode())

    def test_auto_warns_and_runs_without(self):
        conf = self.conf(XEN_QEMU, password=False)
        r = self.dry_run(args_for(5), config=conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        plan = parse_json(r.stdout)
        self.assertNotIn("-sandbox", plan["argv"])
        self.assertIn(f'"{NO_SANDBOX}"', plan["qemu_sandbox_skipped"])
        # A real launch: the warning goes to qemu's log with the exec.
        # (qemu-xen then exits for want of Xen; that is not under test.)
        r = self.run_launcher(args_for(5), own=["--config", conf])
        err = r.stderr.decode()
        self.assertIn("argv[0] = " + XEN_QEMU, err)
        self.assertRegex(err, "qemu-dm-launcher: [0-9T:.+-]+ warning: qemu-sandbox: qemu runs "
                              "without its own seccomp filter: qemu '" + XEN_QEMU +
                              "' does not take -sandbox: it says \"" + NO_SANDBOX + "\"")
        self.assertIn("qemu-sandbox = false silences this", err)

    def test_true_refuses(self):
        conf = self.conf(XEN_QEMU, "qemu-sandbox = true\n", password=False)
        for r in (self.dry_run(args_for(5), config=conf),
                  self.run_launcher(args_for(5), own=["--config", conf])):
            self.assert_refused(r, "qemu-sandbox = true asks for qemu's own seccomp filter")
            err = r.stderr.decode()
            self.assertIn(f"qemu '{XEN_QEMU}' does not take -sandbox", err)
            self.assertIn(f'"{NO_SANDBOX}"', err)
            self.assertIn("qemu-sandbox = auto", err)

    def test_false_is_quiet_and_a_qemu_with_seccomp_gets_it(self):
        r = self.run_launcher(args_for(5), own=[
            "--config", self.conf(XEN_QEMU, "qemu-sandbox = false\n", password=False)])
        err = r.stderr.decode()
        self.assertIn("argv[0] = " + XEN_QEMU, err)
        self.assertNotIn("qemu-sandbox", err)
        for setting in ("", "qemu-sandbox = true\n"):
            r = self.dry_run(args_for(5), config=self.conf(DES_QEMU, setting, password=False))
            self.assertEqual(r.returncode, 0, r.stderr)
            plan = json.loads(r.stdout)
            self.assertIn("-sandbox", plan["argv"])
            self.assertIsNone(plan["qemu_sandbox_skipped"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
