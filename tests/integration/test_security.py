"""Attacks from the adversarial review, replayed against real components:
the real launcher binary, a real xenstored (xenstored.py), Debian's real
qemu.  Each test failed on the code before its fix.

- A root qemu under the launcher's filter copying xenstored's socket fd
  (pidfd_getfd), comparing fds (kcmp), touching its memory
  (process_madvise).
- vnc-listen spellings of "every interface" (0, 0.0, ::0, [0::]) and host
  names that look like loopback, with a real qemu listening, read back
  from /proc/net/tcp and tcp6.
- The VNC password file as a FIFO, a symlink, a directory, a file everyone
  can read, /dev/zero.
- A domain named "evil,guest=victim" taking [domain:victim]'s settings.
- A run dir or chroot under a directory another user can write.
- Probe results that were no answer (a timeout, a failed start) cached as
  "no": qemu then ran without -sandbox, and -xen-domid-restrict was
  dropped, for good.
- A SIGHUP during the probes leaving the probe's qemu and directory."""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from dmtest import EXEC_PROBE, LAUNCHER, LIBXL_HVM, LauncherTest, wait_until  # noqa: E402
from xenstored import Xenstored  # noqa: E402

STEAL_FD = os.environ.get("DM_STEAL_FD", "")
VNC_QEMU = os.environ.get("DM_VNC_QEMU", "")
QEMU = shutil.which("qemu-system-x86_64")
XEN_QEMU = "/usr/libexec/xen-qemu-system-i386"


def hvm_args(domid, name="win10", vnc=None):
    out = list(LIBXL_HVM)
    out[out.index("-xen-domid") + 1] = str(domid)
    out[out.index("-name") + 1] = name
    if vnc is not None:
        out[out.index("-vnc") + 1] = vnc
    return out


def listeners(port):
    """(family, local address hex) of every socket listening on `port`,
    from /proc/net/tcp and tcp6 (state 0A is LISTEN)."""
    found = []
    for fam in ("tcp", "tcp6"):
        with open(f"/proc/net/{fam}") as f:
            next(f)
            for line in f:
                fields = line.split()
                addr, hexport = fields[1].rsplit(":", 1)
                if int(hexport, 16) == port and fields[3] == "0A":
                    found.append((fam, addr))
    return found


def have_ipv6():
    try:
        with socket.socket(socket.AF_INET6) as s6:
            s6.bind(("::1", 0))
        return True
    except OSError:
        return False


HAVE_IPV6 = have_ipv6()


def free_display():
    """A display whose port is free on IPv4 (and IPv6, where there is)."""
    with socket.socket() as s4:
        s4.bind(("127.0.0.1", 0))
        port = s4.getsockname()[1]
        if HAVE_IPV6:
            with socket.socket(socket.AF_INET6) as s6:
                s6.bind(("::1", port))
    return port - 5900


class QemuFilter(LauncherTest):
    """Item 5: a root qemu under the launcher's filter, reaching into a
    real xenstored."""

    def test_qemu_cannot_take_xenstoreds_socket(self):
        self.assertTrue(os.path.exists(STEAL_FD), "DM_STEAL_FD not built")
        conf = self.write_config(f"[launcher]\nqemu-xen = {STEAL_FD}\nscrub =\n"
                                 f"qemu-sandbox = false\nrun-dir = {self.dir}/run\n")
        with Xenstored() as xs:
            env = {"STEAL_FROM": str(xs.proc.pid)}
            # Unfiltered, as root, the same program does take the fd and
            # compare it, and process_madvise reaches the kernel (EINVAL
            # for an address that is not the target's): the test can fail.
            direct = subprocess.run([STEAL_FD], capture_output=True, env=dict(os.environ, **env),
                                    timeout=30)
            unfiltered = json.loads(direct.stdout)
            if unfiltered["pidfd_getfd"] != "ok":
                self.skipTest("root cannot take another process's fd here (no "
                              "CAP_SYS_PTRACE?): %s" % unfiltered)
            self.assertEqual(unfiltered["kcmp"], "ok", unfiltered)
            self.assertNotEqual(unfiltered["process_madvise"], "EPERM", unfiltered)
            r = self.run_launcher(["-xen-domid", "4", "-name", "s", "-machine", "xenfv"],
                                  own=["--config", conf], env=env)
            self.assertEqual(r.returncode, 0, r.stderr)
            got = json.loads(r.stdout)
            self.assertGreaterEqual(got["target_fd"], 0, got)
            # pidfd_open stays allowed (GLib's child watch uses it): the
            # attack needs pidfd_getfd.
            self.assertEqual(got["pidfd_open"], "ok", got)
            self.assertEqual(got["pidfd_getfd"], "EPERM", got)
            self.assertEqual(got["kcmp"], "EPERM", got)
            self.assertEqual(got["process_madvise"], "EPERM", got)


@unittest.skipUnless(QEMU and VNC_QEMU, "qemu-system-x86_64 or vnc_qemu missing")
class VncListen(LauncherTest):
    """Item 6: what a real qemu listens on, by /proc/net/tcp and tcp6."""

    def start(self, listen, widen, toolstack="127.0.0.1"):
        display = free_display()
        port = 5900 + display
        conf = self.write_config(
            f"[launcher]\nqemu-xen = {QEMU}\nrun-dir = {self.dir}/run\n"
            f"vnc-listen = {listen}\nvnc-listen-widen = {'true' if widen else 'false'}\n")
        log = open(os.path.join(self.dir, "qemu.log"), "wb")
        p = subprocess.Popen([VNC_QEMU, conf, "5", f"{toolstack}:{display}"],
                             stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        log.close()
        self.procs.append(p)
        wait_until(lambda: listeners(port) or p.poll() is not None, 20)
        return p, port

    def log(self):
        with open(os.path.join(self.dir, "qemu.log"), errors="replace") as f:
            return f.read()

    def test_any_interface_spellings_refused(self):
        # The toolstack asked for one address of the host (not loopback,
        # which any other spelling already widened): a string compare
        # did not see that these are every interface.
        for spelling in ("0", "0.0", "::0", "[0::]", "0x0"):
            with self.subTest(spelling=spelling):
                p, port = self.start(spelling, widen=False, toolstack="192.0.2.10")
                self.assertEqual(listeners(port), [], self.log())
                self.assertEqual(p.wait(timeout=20), 1, self.log())
                self.assertIn("would widen", self.log())

    def test_loopback_looking_host_name_refused(self):
        p, port = self.start("127.attacker.example", widen=False)
        self.assertEqual(p.wait(timeout=20), 1, self.log())
        self.assertIn("host name", self.log())
        self.assertEqual(listeners(port), [])

    def test_with_widen_qemu_listens_on_what_was_checked(self):
        # Consent given: qemu gets the address the check read, and listens
        # on every interface of that family.
        p, port = self.start("0", widen=True)
        self.assertEqual(listeners(port), [("tcp", "00000000")], self.log())
        p.kill()
        if HAVE_IPV6:
            p, port = self.start("::0", widen=True)
            self.assertIn(("tcp6", "0" * 32), listeners(port), self.log())

    def test_loopback_spelled_short_stays_loopback(self):
        # 127.1 is 127.0.0.1; the toolstack's 0.0.0.0 narrowed needs no
        # consent, and qemu listens on loopback only.
        p, port = self.start("127.1", widen=False, toolstack="0.0.0.0")
        self.assertEqual(listeners(port), [("tcp", "0100007F")], self.log())


class PasswordFile(LauncherTest):
    """Item 11: vnc-password-file is opened without following links, never
    blocks, and must be root's regular file that not everyone can read."""

    def launch(self, pw):
        conf = self.write_config(f"[launcher]\nqemu-xen = {EXEC_PROBE}\nscrub =\n"
                                 f"run-dir = {self.dir}/run\nvnc-password-file = {pw}\n")
        return self.run_launcher(hvm_args(5), own=["--config", conf], timeout=20)

    def good_file(self, name="pw"):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write("Zq8pW3xk\n")
        os.chmod(path, 0o600)
        return path

    def test_fifo_does_not_block(self):
        fifo = os.path.join(self.dir, "fifo")
        os.mkfifo(fifo, 0o600)
        start = time.monotonic()
        r = self.launch(fifo)
        self.assert_refused(r, "is not a regular file")
        self.assertLess(time.monotonic() - start, 15)

    def test_symlink_not_followed(self):
        link = os.path.join(self.dir, "link")
        os.symlink(self.good_file(), link)
        self.assert_refused(self.launch(link), "symbolic link")

    def test_directory_refused(self):
        d = os.path.join(self.dir, "d")
        os.mkdir(d, 0o700)
        self.assert_refused(self.launch(d), "is not a regular file")

    def test_world_readable_refused(self):
        pw = self.good_file()
        os.chmod(pw, 0o644)
        self.assert_refused(self.launch(pw), "readable by everyone")

    def test_dev_zero_refused(self):
        self.assert_refused(self.launch("/dev/zero"), "is not a regular file")

    def test_other_users_file_refused(self):
        pw = self.good_file()
        os.chown(pw, 65534, 65534)
        self.assert_refused(self.launch(pw), "owned by uid 65534")

    def test_private_root_file_accepted(self):
        r = self.launch(self.good_file())
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("password-secret=", r.stdout.decode())


class DomainGroup(LauncherTest):
    """Item 13: [domain:NAME] matches the name the toolstack gave; a name
    qemu's option syntax would split is refused."""

    CONF = ("[launcher]\nqemu-xen = {probe}\nscrub =\nrun-dir = {run}\n"
            "[domain:victim]\nvnc-listen = 0.0.0.0\nvnc-listen-widen = true\n")

    def launch(self, name):
        conf = self.write_config(self.CONF.format(probe=EXEC_PROBE, run=f"{self.dir}/run"))
        return self.run_launcher(hvm_args(5, name=name), own=["--config", conf])

    def test_split_name_does_not_get_victims_settings(self):
        for name in ("evil,guest=victim", "victim,process=evil", "guest=evil,guest=victim"):
            with self.subTest(name=name):
                r = self.launch(name)
                self.assert_refused(r, "would split this domain name")
                self.assertNotIn(b"0.0.0.0", r.stdout + r.stderr)

    def test_victim_itself_gets_its_settings(self):
        r = self.launch("victim")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("0.0.0.0:0,to=99", json.loads(r.stdout)["argv"])


def wrapper(path, real, when, then, log=None):
    """A shell script standing in front of a real qemu: when its arguments
    match the case pattern `when`, it runs `then` first (a sleep: a loaded
    host); it logs its pid and arguments to `log`; then it execs `real`."""
    log_line = f'echo "$$ $*" >> {log}\n' if log else ""
    with open(path, "w") as f:
        f.write(f"#!/bin/sh\n{log_line}case \"$*\" in\n  {when}) {then} ;;\nesac\n"
                f"exec {real} \"$@\"\n")
    os.chmod(path, 0o755)
    return path


def argv_of(stderr):
    """The argv the launcher logged before exec, one item per line."""
    return [line.split(" = ", 1)[1] for line in stderr.splitlines() if "  argv[" in line]


@unittest.skipUnless(QEMU and os.path.exists(XEN_QEMU), "qemu-system-x86_64 or qemu-xen missing")
class ProbeAnswers(LauncherTest):
    """Item 1: only answers are cached; a probe that timed out is
    "unknown", warned about, and asked again next launch."""

    def setUp(self):
        super().setUp()
        self.run_dir = os.path.join(self.dir, "run")
        self.slow = os.path.join(self.dir, "slow")

    def launch(self, qemu, extra="", domid=4):
        conf = self.write_config(f"[launcher]\nqemu-xen = {qemu}\nscrub =\n"
                                 f"run-dir = {self.run_dir}\n{extra}")
        r = self.run_launcher(hvm_args(domid), own=["--config", conf], timeout=120)
        return r.returncode, r.stderr.decode(errors="replace")

    def cache(self):
        try:
            with open(os.path.join(self.run_dir, "qemu-facts.ini")) as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def test_slow_probe_is_not_cached_as_no(self):
        # qemu-system-x86_64 takes -sandbox; on a loaded host its -version
        # does not answer within the 5 s.  (It then refuses -xen-domid
        # after the exec: the argv the launcher logged is what counts.)
        qemu = wrapper(os.path.join(self.dir, "qemu"), QEMU, "*-version*",
                       f"[ -e {self.slow} ] && sleep 30")
        open(self.slow, "w").close()
        _, err = self.launch(qemu)
        self.assertNotIn("-sandbox", argv_of(err))
        self.assertIn("could not tell which options", err)
        self.assertIn("did not answer within 5000 ms", err)
        # Warned, not informed: qemu runs without its filter this time.
        self.assertIn("WARNING", err.upper())
        self.assertNotIn("sandbox=false", self.cache())
        self.assertNotIn("qemu=false", self.cache())
        # The host is no longer loaded: the next launch asks again, and qemu
        # gets its filter.
        os.unlink(self.slow)
        _, err = self.launch(qemu)
        self.assertIn("-sandbox", argv_of(err), err)
        self.assertIn("sandbox=true", self.cache())

    def test_dm_restrict_refused_when_domid_restrict_unknown(self):
        # Only the -xen-domid-restrict probe is slow: before, qemu started
        # with -runas and -chroot but with its handles on every domain.
        qemu = wrapper(os.path.join(self.dir, "qemu"), XEN_QEMU, "-xen-domid-restrict*",
                       f"[ -e {self.slow} ] && sleep 30")
        open(self.slow, "w").close()
        code, err = self.launch(qemu, "dm-restrict = true\n")
        self.assertEqual(code, 2, err)
        self.assertIn("is not known to (not known: the probe", err)
        self.assertNotIn("argv[", err)
        os.unlink(self.slow)
        _, err = self.launch(qemu, "dm-restrict = true\n")
        self.assertIn("-xen-domid-restrict", argv_of(err), err)

    def test_dm_restrict_refused_when_qemu_lacks_domid_restrict(self):
        code, err = self.launch(QEMU, "dm-restrict = true\n")
        self.assertEqual(code, 2, err)
        self.assertIn("-xen-domid-restrict", err)
        self.assertNotIn("argv[", err)

    def test_twenty_at_once_probe_once(self):
        # After a reboot the run dir (in /run) is empty: 20 guests start at
        # once, and the real qemu-xen is asked once.
        log = os.path.join(self.dir, "calls")
        qemu = wrapper(os.path.join(self.dir, "qemu"), XEN_QEMU, "*-version*", "true", log)
        conf = self.write_config(f"[launcher]\nqemu-xen = {qemu}\nscrub =\n"
                                 f"run-dir = {self.run_dir}\n")
        procs = [subprocess.Popen([LAUNCHER, "--config", conf, "--"] + hvm_args(100 + i),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                 for i in range(20)]
        errs = [p.communicate(timeout=120)[1].decode(errors="replace") for p in procs]
        with open(log) as f:
            calls = [line.split(" ", 1)[1].strip() for line in f]
        self.assertEqual(calls.count("-version"), 1, calls)
        self.assertEqual(calls.count("-sandbox " + "on,obsolete=deny,elevateprivileges=deny,"
                                     "spawn=deny,resourcecontrol=deny -version"), 1, calls)
        # Every launch reached its exec with the same answers.
        self.assertEqual(sum("argv[0]" in e for e in errs), 20, errs[0])


class ProbeSignal(LauncherTest):
    """Item 12: SIGHUP (libxl's way to stop a device model) while the
    probes run kills the probe's qemu, removes its directory, and says
    so."""

    @unittest.skipUnless(QEMU, "qemu-system-x86_64 missing")
    def test_sighup_during_the_vnc_probe(self):
        log = os.path.join(self.dir, "calls")
        qemu = wrapper(os.path.join(self.dir, "qemu"), QEMU, "*-qmp*", "exec sleep 60", log)
        pw = os.path.join(self.dir, "pw")
        with open(pw, "w") as f:
            f.write("Zq8pW3xk\n")
        os.chmod(pw, 0o600)
        conf = self.write_config(f"[launcher]\nqemu-xen = {qemu}\nscrub =\n"
                                 f"qemu-sandbox = false\nrun-dir = {self.dir}/run\n"
                                 f"vnc-password-file = {pw}\n")
        p = subprocess.Popen([LAUNCHER, "--config", conf, "--"] + hvm_args(5),
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.assertTrue(wait_until(lambda: os.path.exists(log) and os.path.getsize(log), 20))
        time.sleep(0.2)
        with open(log) as f:
            pid, args = f.readline().split(" ", 1)
        probe_dir = os.path.dirname(args.split("unix:", 1)[1].split(",", 1)[0])
        self.assertTrue(os.path.isdir(probe_dir))
        p.send_signal(signal.SIGHUP)
        _, err = p.communicate(timeout=20)
        err = err.decode(errors="replace")
        self.assertEqual(p.returncode, -signal.SIGHUP, err)
        self.assertIn("SIGHUP before the exec", err)
        self.assertIn(f"killed the qemu probe (process group {pid})", err)
        self.assertIn(f"removed the probe's directory {probe_dir}", err)
        self.assertTrue(wait_until(lambda: not os.path.exists(f"/proc/{pid}"), 5),
                        "the probe's qemu is still running")
        self.assertFalse(os.path.exists(probe_dir))


@unittest.skipUnless(QEMU and os.path.exists(XEN_QEMU), "qemu-system-x86_64 or qemu-xen missing")
class TrustedPaths(LauncherTest):
    """Item 2: the run dir, the probe cache and the chroot, under a
    directory another user can write."""

    def setUp(self):
        super().setUp()
        # Writable by everyone, not sticky: another user can put or
        # replace anything in it.
        self.open_dir = os.path.join(self.dir, "shared")
        os.mkdir(self.open_dir)
        os.chmod(self.open_dir, 0o777)

    def launch(self, qemu, run_dir, extra="", domid=4, args=None):
        conf = self.write_config(f"[launcher]\nqemu-xen = {qemu}\nscrub =\n"
                                 f"run-dir = {run_dir}\n{extra}")
        r = self.run_launcher(args or hvm_args(domid), own=["--config", conf], timeout=60)
        return r.returncode, r.stderr.decode(errors="replace"), r.stdout

    def test_planted_cache_does_not_drop_sandbox(self):
        # Another user plants the answer that qemu takes no -sandbox, with
        # the binary's right stamp: in a run dir under a directory everyone
        # can write, or in a run dir of their own.
        st = os.stat(QEMU)
        stamp = "%d.%09d:%d:%d" % (st.st_mtime_ns // 10**9, st.st_mtime_ns % 10**9,
                                   st.st_size, st.st_ino)
        for parent, why in ((self.open_dir, "writable by everyone"),
                            (self.dir, "owned by uid 65534")):
            with self.subTest(why=why):
                run_dir = os.path.join(parent, "run")
                os.mkdir(run_dir)
                cache = os.path.join(run_dir, "qemu-facts.ini")
                with open(cache, "w") as f:
                    f.write(f"[{QEMU}]\nstamp={stamp}\nqemu=true\nsandbox=false\n"
                            "domid-restrict=false\nrunas-ids=false\nchroot=false\n"
                            "sandbox-error=\n")
                os.chown(cache, 65534, 65534)
                os.chown(run_dir, 65534, 65534)
                _, err, _ = self.launch(QEMU, run_dir)
                self.assertIn("-sandbox", argv_of(err), err)
                self.assertIn("not using the qemu probe cache", err)
                self.assertIn(why, err)

    def test_cache_not_written_through_a_link(self):
        # The run dir, in a directory everyone can write, replaced by a
        # link to a directory of root's: root must not write there.
        target = os.path.join(self.dir, "etc")
        os.mkdir(target, 0o755)
        run_dir = os.path.join(self.open_dir, "run")
        os.symlink(target, run_dir)
        _, err, _ = self.launch(QEMU, run_dir)
        self.assertEqual(os.listdir(target), [], err)
        self.assertIn("not using the qemu probe cache", err)

    def test_chroot_under_a_shared_directory_refused(self):
        chroot = os.path.join(self.open_dir, "roots")
        code, err, _ = self.launch(XEN_QEMU, os.path.join(self.dir, "run"),
                                   f"dm-restrict = true\ndm-chroot-dir = {chroot}\n")
        self.assertEqual(code, 1, err)
        self.assertIn(f"the chroot '{chroot}/4'", err)
        self.assertIn("writable by everyone", err)
        self.assertNotIn("argv[", err)

    def test_password_refused_under_a_shared_run_dir(self):
        pw = os.path.join(self.dir, "pw")
        with open(pw, "w") as f:
            f.write("Zq8pW3xk\n")
        os.chmod(pw, 0o600)
        run_dir = os.path.join(self.open_dir, "run")
        code, err, _ = self.launch(EXEC_PROBE, run_dir, f"vnc-password-file = {pw}\n")
        self.assertEqual(code, 1, err)
        self.assertIn("writing the VNC password for qemu", err)
        self.assertIn("writable by everyone", err)

    def test_tls_credentials_another_user_could_swap(self):
        # qemu reads them as root: a key everyone can read, or a directory
        # everyone can write, is refused before exec.
        for case in ("key readable by everyone", "directory writable by everyone"):
            with self.subTest(case=case):
                pki = os.path.join(self.dir, "pki-" + case.split()[0])
                os.mkdir(pki, 0o755)
                for name in ("ca-cert.pem", "server-cert.pem", "server-key.pem"):
                    with open(os.path.join(pki, name), "w") as f:
                        f.write("placeholder\n")
                    os.chmod(os.path.join(pki, name), 0o600 if "key" in name else 0o644)
                if case.startswith("key"):
                    os.chmod(os.path.join(pki, "server-key.pem"), 0o644)
                    why = "readable by everyone"
                else:
                    os.chmod(pki, 0o777)
                    why = "writable by everyone"
                code, err, _ = self.launch(EXEC_PROBE, os.path.join(self.dir, "run"),
                                           f"vnc-tls-dir = {pki}\n")
                self.assertEqual(code, 2, err)
                self.assertIn("VNC TLS: ", err)
                self.assertIn(why, err)
                self.assertNotIn("argv[", err)

    def test_run_dir_with_a_trailing_slash(self):
        pw = os.path.join(self.dir, "pw")
        with open(pw, "w") as f:
            f.write("Zq8pW3xk\n")
        os.chmod(pw, 0o600)
        run_dir = os.path.join(self.dir, "run") + "/"
        code, err, out = self.launch(EXEC_PROBE, run_dir, f"vnc-password-file = {pw}\n")
        self.assertEqual(code, 0, err)
        secret = os.path.join(self.dir, "run", "4", "vnc-password")
        self.assertIn(f"secret,id=dm-vnc-password,file={secret},format=raw",
                      json.loads(out)["argv"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
