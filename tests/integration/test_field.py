"""Field compatibility, run for real where this machine allows.

- A toolstack that drops qemu's ids itself (xl dm_restrict=1 or
  device_model_user: -runas, or -run-with user=) and a qemu built with
  seccomp: the launcher's -sandbox must allow set*id, or qemu dies of
  SIGSYS when it drops them.  Debian's qemu-system-x86_64 takes -sandbox and
  -runas; it is not the Xen build, so a fixture drops "-xen-domid N" and
  execs it in place, and the guest is "-machine none".
- dm-restrict = true on top of the toolstack's own -runas and -chroot: one
  of each reaches qemu, the toolstack's, and the log says so.
- XCP-ng's real qemu-wrapper runs the launcher as its qemu binary against
  the real xenstored test bed.  The script is XCP-ng's (xcp-ng/xen-api,
  ocaml/xenopsd/scripts/qemu-wrapper) and is neither shipped by Debian nor
  kept in this tree: point DM_XCPNG_QEMU_WRAPPER (branch 8.3) and
  DM_XAPI_QEMU_WRAPPER (xapi-project/xen-api master) at copies of it, or the
  test skips and says so.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from dmtest import EXEC_PROBE, LAUNCHER, LauncherTest, status_fields, wait_until  # noqa: E402
from xenstored import Xenstored  # noqa: E402

QEMU = shutil.which("qemu-system-x86_64")
# Xen's own Python bindings (xen.lowlevel.xs), from Debian's xen-utils-4.17:
# the wrapper's xenstore client.
XEN_PYTHON = "/usr/lib/xen-4.17/lib/python"
SYSTEM_PYTHON = "/usr/bin/python3"
NOBODY = 65534


def drop_xen_domid_fixture(directory):
    """A fixture, not a qemu stand-in: Debian's qemu-system-x86_64 refuses
    -xen-domid ("Option not supported for this target"), so this drops
    "-xen-domid N" and execs the real qemu in place, same pid, same argv[0]."""
    path = os.path.join(directory, "qemu-without-xen-domid")
    with open(path, "w") as f:
        f.write(f"""#!{sys.executable}
import os, sys
a = sys.argv[1:]
if "-xen-domid" in a:
    i = a.index("-xen-domid")
    del a[i:i + 2]
os.execv({QEMU!r}, [{QEMU!r}] + a)
""")
    os.chmod(path, 0o755)
    return path


def cmdline(pid):
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        return [w.decode() for w in f.read().split(b"\0")[:-1]]


@unittest.skipUnless(QEMU, "qemu-system-x86_64 is not installed")
class ToolstackDropsIds(LauncherTest):
    # A guest that needs no Xen: the toolstack's restriction words only.
    ARGS = ["-xen-domid", "5", "-name", "sb", "-machine", "none,accel=tcg", "-nodefaults",
            "-display", "none"]

    def launch(self, conf_extra, args):
        qemu = drop_xen_domid_fixture(self.dir)
        conf = self.write_config(f"[launcher]\nqemu-xen = {qemu}\nscrub =\n"
                                 f"run-dir = {self.dir}/run\n{conf_extra}")
        p = subprocess.Popen([LAUNCHER, "--config", conf, "--"] + self.ARGS + args,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.addCleanup(self.stop, p)
        # qemu drops its ids after its filter is in; under a filter that
        # denies set*id it dies of SIGSYS at that step instead.
        wait_until(lambda: p.poll() is not None or
                   status_fields(p.pid)["Uid"].split()[0] == str(NOBODY), 30)
        return p

    def stop(self, p):
        if p.poll() is None:
            p.kill()
        p.communicate(timeout=30)

    def assert_running_dropped_and_filtered(self, p):
        self.assertIsNone(p.poll(), "qemu died: %s" % p.returncode)
        st = status_fields(p.pid)
        self.assertEqual(st["Uid"].split(), [str(NOBODY)] * 4)
        self.assertEqual(st["Gid"].split(), [str(NOBODY)] * 4)
        self.assertEqual(st["Seccomp"], "2")
        self.assertEqual(os.readlink(f"/proc/{p.pid}/exe"), os.path.realpath(QEMU))

    def test_sigsys_is_what_deny_does_to_runas(self):
        # Why it matters: the line the launcher used to add kills qemu.
        r = subprocess.run([QEMU, "-machine", "none,accel=tcg", "-nodefaults", "-display",
                            "none", "-runas", f"{NOBODY}:{NOBODY}", "-sandbox",
                            "on,obsolete=deny,elevateprivileges=deny,spawn=deny,"
                            "resourcecontrol=deny"], capture_output=True, timeout=60)
        self.assertEqual(r.returncode, -31, r.stderr)  # SIGSYS

    def test_runas_under_the_launchers_sandbox(self):
        # libxl 4.17 with device_model_user= (libxl_dm.c,
        # libxl__build_device_model_args_new: "-runas", state->dm_runas).
        p = self.launch("", ["-runas", f"{NOBODY}:{NOBODY}"])
        self.assert_running_dropped_and_filtered(p)
        argv = cmdline(p.pid)
        self.assertEqual(argv.count("-sandbox"), 1)
        self.assertEqual(argv[argv.index("-sandbox") + 1],
                         "on,obsolete=deny,elevateprivileges=allow,spawn=deny,"
                         "resourcecontrol=deny")

    def test_run_with_user_under_the_launchers_sandbox(self):
        # libxl 4.20 where qemu has it: "-run-with user=" (QEMU 9.1 and later;
        # Debian's 7.2 does not, so this is the plan only).
        r = self.dry_run(self.ARGS + ["-run-with", "user=qemu5"],
                         config=self.write_config(f"[launcher]\nqemu-xen = {QEMU}\nscrub =\n"
                                                  f"run-dir = {self.dir}/run\n"))
        self.assertEqual(r.returncode, 0, r.stderr)
        argv = json.loads(r.stdout)["argv"]
        self.assertIn("on,obsolete=deny,elevateprivileges=allow,spawn=deny,"
                      "resourcecontrol=deny", argv)

    def test_dm_restrict_on_top_of_the_toolstacks_restriction(self):
        # xl dm_restrict=1: -runas and -chroot (4.17); the launcher's
        # dm-restrict = true adds neither a second -runas nor a -chroot.
        root = os.path.join(self.dir, "qemu-root-5")
        os.mkdir(root, 0o555)
        p = self.launch("dm-restrict = true\n",
                        ["-chroot", root, "-runas", f"{NOBODY}:{NOBODY}"])
        self.assert_running_dropped_and_filtered(p)
        argv = cmdline(p.pid)
        self.assertEqual(argv.count("-runas"), 1)
        self.assertEqual(argv.count("-chroot"), 1)
        self.assertEqual(argv[argv.index("-runas") + 1], f"{NOBODY}:{NOBODY}")
        self.assertEqual(os.readlink(f"/proc/{p.pid}/root"), root)
        p.kill()
        err = p.communicate(timeout=30)[1].decode()
        self.assertIn("dm-restrict: the toolstack's argv restricts qemu itself", err)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "run", "root", "5")))


# xenopsd's argv for an HVM guest with one CD drive and no NIC, rebuilt from
# ocaml/xenopsd/xc/device.ml (xcp-ng/xen-api 8.3): Dm_Common.qemu_args
# (cmdline_of_disp ~domid, -acpi, -pidfile), then Make_qemu_upstream's
# qemu_args (misc, Config_qemu_upstream_compat.extra_qemu_args, qmp,
# XenPlatform.device, ide_device_of, "-net none"), behind
# Dm.prepend_wrapper_args ("DOMID --syslog").
def xenopsd_argv(domid):
    return [str(domid), "--syslog",
            "-videoram", "4", "-vnc", f"unix:/var/run/xen/vnc-{domid},lock-key-sync=off",
            "-acpi", "-monitor", "null", "-pidfile", f"/var/run/xen/qemu-dm-{domid}.pid",
            "-xen-domid", str(domid), "-m", "size=2048", "-boot", "order=cdn",
            "-usb", "-device", "usb-tablet,port=2", "-smp", "2,maxcpus=2",
            "-serial", "pty", "-display", "none", "-nodefaults",
            "-trace", "enable=xen_platform_log",
            "-sandbox", "on,obsolete=deny,elevateprivileges=allow,spawn=deny,"
                        "resourcecontrol=deny",
            "-S", "-trad-compat", "-global", "PIIX4_PM.revision_id=0x1",
            "-global", "ide-hd.ver=0.10.2",
            "-global", "piix3-ide-xen.subvendor_id=0x5853",
            "-global", "piix3-ide-xen.subsystem_id=0x0001",
            "-global", "piix3-usb-uhci.subvendor_id=0x5853",
            "-global", "piix3-usb-uhci.subsystem_id=0x0001",
            "-global", "rtl8139.subvendor_id=0x5853",
            "-global", "rtl8139.subsystem_id=0x0001",
            "-parallel", "null",
            "-qmp", f"unix:/var/run/xen/qmp-libxl-{domid},server,nowait",
            "-qmp", f"unix:/var/run/xen/qmp-event-{domid},server,nowait",
            "-device", "xen-platform,addr=3,device-id=0x0001,revision=0x2,class-id=0x0100,"
                       "subvendor_id=0x5853,subsystem_id=0x0001",
            "-drive", "file=,if=none,id=ide1-cd1,read-only=on",
            "-device", "ide-cd,drive=ide1-cd1,bus=ide.1,unit=1",
            "-net", "none"]


# In a private mount namespace, so the host is untouched, the paths the
# wrapper hard-codes are the test's: the launcher as
# /usr/lib64/xen/bin/qemu-system-i386 (where XCP-ng's qemu is), its config
# as /etc/xen/qemu-dm-launcher.conf, a qemu_base user, a stand-in for the
# clipboard daemon (not under test), and /var for the wrapper's chroot.
NAMESPACE_SETUP = r"""
set -e
t="$1"; shift
mount --make-rprivate /
mount --bind "$t/usr-lib64" /usr/lib64
mount --bind "$t/etc-xen" /etc/xen
mount --bind "$t/passwd" /etc/passwd
mount --bind "$t/group" /etc/group
mount --bind "$t/opt" /opt
mount -t tmpfs tmpfs /var
ln -s /run /var/run
exec "$@"
"""

QEMU_BASE = 60000


class XcpngQemuWrapper(unittest.TestCase):
    """The real wrapper script, the real launcher, the real xenstored."""
    DOMID = 12

    def setUp(self):
        if not os.path.exists(os.path.join(XEN_PYTHON, "xen", "lowlevel")):
            self.skipTest("Xen's Python bindings are missing (xen-utils-4.17)")
        if not shutil.which("unshare") or os.geteuid() != 0:
            self.skipTest("needs root and unshare(1) for a private mount namespace")
        self.tmp = tempfile.TemporaryDirectory(prefix="dm-wrapper-")
        self.addCleanup(self.tmp.cleanup)
        self.t = self.tmp.name
        self.xs = Xenstored().start()
        self.addCleanup(self.xs.stop)

    def lay_out(self):
        t = self.t
        lib64 = os.path.join(t, "usr-lib64")
        os.makedirs(os.path.join(lib64, "xen", "bin"))
        for name in os.listdir("/usr/lib64"):  # the dynamic loader's link
            src = os.path.join("/usr/lib64", name)
            if os.path.islink(src):
                os.symlink(os.readlink(src), os.path.join(lib64, name))
        os.symlink(LAUNCHER, os.path.join(lib64, "xen", "bin", "qemu-system-i386"))
        os.makedirs(os.path.join(t, "etc-xen"))
        with open(os.path.join(t, "etc-xen", "qemu-dm-launcher.conf"), "w") as f:
            # xenopsd passes its own -sandbox, kept as it is; the launcher's
            # options probe would run the stand-in, so it is off here.
            f.write(f"[launcher]\nqemu-xen = {EXEC_PROBE}\nscrub =\n"
                    f"run-dir = {t}/run\nqemu-sandbox = false\n")
        for name, line in (("passwd", f"qemu_base:x:{QEMU_BASE}:{QEMU_BASE}::/:/bin/false\n"),
                           ("group", f"qemu_base:x:{QEMU_BASE}:\n")):
            with open(f"/etc/{name}") as src, open(os.path.join(t, name), "w") as dst:
                dst.write(src.read() + line)
        clip = os.path.join(t, "opt", "xensource", "libexec")
        os.makedirs(clip)
        for name in ("xcp-clipboardd", "xs-clipboardd"):
            with open(os.path.join(clip, name), "w") as f:
                f.write("#!/bin/sh\n# stand-in: the clipboard daemon is not under test\n")
            os.chmod(os.path.join(clip, name), 0o755)

    def run_wrapper(self, script):
        self.lay_out()
        report = os.path.join(self.t, "qemu.json")
        env = dict(os.environ, PYTHONPATH=XEN_PYTHON, EXEC_PROBE_OUT=report,
                   EXEC_PROBE_SLEEP_MS="60000", EXEC_PROBE_VERSION="8.0.4")
        env.update(self.xs.env)
        argv = ["unshare", "--mount", "sh", "-c", NAMESPACE_SETUP, "sh", self.t,
                SYSTEM_PYTHON, script] + xenopsd_argv(self.DOMID)
        p = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.addCleanup(self.reap, p)
        found = wait_until(lambda: os.path.exists(report) or p.poll() is not None, 60)
        self.assertTrue(found and os.path.exists(report),
                        "no qemu report; wrapper said:\n%s" % self.reap(p))
        with open(report) as f:
            return p, json.load(f)

    def reap(self, p):
        if getattr(self, "qemu_pid", None):
            try:
                os.kill(self.qemu_pid, 9)
            except ProcessLookupError:
                pass
        if p.poll() is None and not getattr(self, "qemu_pid", None):
            p.kill()
        try:
            return p.communicate(timeout=30)[0].decode(errors="replace")
        except (ValueError, subprocess.TimeoutExpired):
            p.kill()
            return ""

    def check(self, script):
        d = self.DOMID
        p, qemu = self.run_wrapper(script)
        self.qemu_pid = qemu["pid"]
        # xenopsd's Service.Qemu: /proc/PID/cmdline must hold qemu-dm-DOMID.
        self.assertEqual(qemu["argv"][0], f"qemu-dm-{d}")
        self.assertTrue(qemu["cmdline"].startswith(f"qemu-dm-{d}\0"), qemu["cmdline"])
        self.assertEqual(cmdline(qemu["pid"])[0], f"qemu-dm-{d}")
        self.assertEqual(os.readlink(f"/proc/{qemu['pid']}/exe"), os.path.realpath(EXEC_PROBE))
        # The wrapper's own xenstore writes went through, and the pid it
        # wrote is qemu's: the launcher exec'd in place.
        self.assertEqual(self.xs.read(f"/local/domain/{d}/qemu-pid"), str(qemu["pid"]))
        self.assertEqual(self.xs.read(f"/local/domain/{d}/image/device-model-pid"),
                         str(qemu["pid"]))
        self.assertEqual(self.xs.read(f"/libxl/{d}/dm-version"), "qemu_xen")
        self.assertEqual(self.xs.read(f"/local/domain/{d}/platform/device-model"), "qemu_xen")
        self.assertEqual(self.xs.read(f"/local/domain/{d}/hvmloader/allow-memory-relocate"),
                         "0")
        # What the wrapper exec'd ("Exec: QEMU_DM ARGV...", argv[0] first)
        # is what qemu got, word for word: the launcher rewrote nothing.
        out = self.reap(p)
        exec_line = [line for line in out.splitlines() if line.startswith("Exec: ")]
        self.assertEqual(len(exec_line), 1, out)
        self.assertEqual(exec_line[0].split(" ")[1], "/usr/lib64/xen/bin/qemu-system-i386")
        wrapper_argv = exec_line[0].split(" ")[2:]
        self.assertEqual(qemu["argv"], wrapper_argv)
        self.assertIn("-xen-domid-restrict", wrapper_argv)
        self.assertIn(f"{QEMU_BASE + d}:{QEMU_BASE + d}", wrapper_argv)
        # The launcher's log went where qemu's output goes on XCP-ng: to the
        # wrapper's logger, not here.  That the stand-in runs at all says
        # the launcher ran: only its config names it.
        return wrapper_argv

    def test_xcpng_83_wrapper(self):
        script = os.environ.get("DM_XCPNG_QEMU_WRAPPER", "")
        if not os.path.exists(script):
            self.skipTest("XCP-ng's qemu-wrapper (xcp-ng/xen-api branch 8.3, "
                          "ocaml/xenopsd/scripts/qemu-wrapper) is not shipped by Debian nor "
                          "kept in this tree: set DM_XCPNG_QEMU_WRAPPER to a copy to run this")
        argv = self.check(script)
        self.assertIn("-runas", argv)

    def test_xapi_master_wrapper_asks_version_first(self):
        script = os.environ.get("DM_XAPI_QEMU_WRAPPER", "")
        if not os.path.exists(script):
            self.skipTest("xapi's qemu-wrapper (xapi-project/xen-api master, "
                          "ocaml/xenopsd/scripts/qemu-wrapper) is not shipped by Debian nor "
                          "kept in this tree: set DM_XAPI_QEMU_WRAPPER to a copy to run this")
        # It runs "qemu -version" first and picks -runas or -run-with by
        # the major version: the stand-in answers 8.0.4, so -runas.
        argv = self.check(script)
        self.assertIn("-runas", argv)


if __name__ == "__main__":
    unittest.main(verbosity=2)
