"""The stub-domain image boots as a plain VM under qemu-system-x86_64 (TCG)
and its init reaches the launcher.  There is no Xen there, so the expected
end is the launcher's "no xenstore" error on the console, the init's report
of how the device model ended, and a clean power-off.

DM_STUBDOM_DIR holds qemu-dm-launcher-stubdom-kernel and qemu-dm-launcher-stubdom-rootfs
(built with -DWITH_STUBDOM=ON)."""
import os
import select
import subprocess
import time
import unittest

STUBDOM_DIR = os.environ.get("DM_STUBDOM_DIR", "")
KERNEL = os.path.join(STUBDOM_DIR, "qemu-dm-launcher-stubdom-kernel")
RAMDISK = os.path.join(STUBDOM_DIR, "qemu-dm-launcher-stubdom-rootfs")
BOOT_TIMEOUT = 240  # TCG on a shared, busy machine


class Vm:
    """One boot, serial console on a pipe."""

    def __init__(self, append):
        argv = ["qemu-system-x86_64", "-machine", "pc", "-accel", "tcg", "-m", "256",
                "-smp", "1", "-nodefaults", "-display", "none", "-no-reboot",
                "-monitor", "none", "-serial", "stdio",
                "-kernel", KERNEL, "-initrd", RAMDISK,
                "-append", "console=ttyS0 quiet panic=-1 " + append]
        self.start = time.monotonic()
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self.output = b""

    def expect(self, text, timeout=BOOT_TIMEOUT):
        """Reads the console until `text` shows; returns seconds since start."""
        want = text.encode()
        deadline = self.start + timeout
        while want not in self.output:
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None and not self._read(0):
                raise AssertionError("console never showed %r; it showed:\n%s"
                                     % (text, self.output.decode(errors="replace")))
            self._read(min(left, 1.0))
        return time.monotonic() - self.start

    def _read(self, timeout):
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            return False
        chunk = os.read(self.proc.stdout.fileno(), 65536)
        self.output += chunk
        return bool(chunk)

    def send(self, text):
        self.proc.stdin.write(text.encode())
        self.proc.stdin.flush()

    def wait(self, timeout=60):
        try:
            status = self.proc.wait(timeout=timeout)
        finally:
            self.kill()
        while self._read(0):
            pass
        return status

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@unittest.skipUnless(os.path.exists(KERNEL) and os.path.exists(RAMDISK),
                     "no stub-domain image in DM_STUBDOM_DIR=%r" % STUBDOM_DIR)
class TestStubdomBoot(unittest.TestCase):
    def boot(self, append=""):
        vm = Vm(append)
        self.addCleanup(vm.kill)
        return vm

    def test_init_reaches_the_launcher_and_reports_no_xenstore(self):
        vm = self.boot()
        vm.expect("qemu-dm-launcher[stubdom-init]: starting /bin/qemu-dm-launcher stubdom")
        # The launcher ran (its own message, not the init's) and failed the
        # way it must without Xen: no xenbus device, no xenstored socket.
        vm.expect("qemu-dm-launcher: stubdom: no xenstore: cannot connect to xenstored: "
                  "No such file or directory")
        vm.expect("qemu-dm-launcher[stubdom-init]: device model exited with status 1")
        vm.expect("qemu-dm-launcher[stubdom-init]: powering off")
        self.assertEqual(vm.wait(), 0, vm.output.decode(errors="replace"))
        out = vm.output.decode(errors="replace")
        # Without a hypervisor the Xen modules refuse to load; init says so
        # and goes on.
        self.assertIn("module xen-evtchn not loaded: No such device", out)
        # No debug shell unless asked for.
        self.assertNotIn("shell on the console", out)

    def test_debug_switch_gives_a_shell_on_the_console(self):
        vm = self.boot("qemu_dm_debug")
        vm.expect("(qemu_dm_debug: shell on the console)")
        vm.expect("qemu-dm-launcher[stubdom-init]: device model exited with status 1")
        # The domain stays up after the device model ends; the shell answers.
        time.sleep(0.5)
        vm.send("echo dbg-$((6*7)); ls /lib/modules | wc -l\n")
        vm.expect("dbg-42")
        vm.send("poweroff -f\n")
        self.assertEqual(vm.wait(), 0)
        self.assertNotIn("qemu-dm-launcher[stubdom-init]: powering off",
                         vm.output.decode(errors="replace"))


if __name__ == "__main__":
    unittest.main()
