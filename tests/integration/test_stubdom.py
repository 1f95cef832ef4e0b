"""Stub-domain mode against the real xenstored test bed.

The launcher runs as `qemu-dm-launcher stubdom`, reading target and dm-argv
the way it does inside a stub domain.  A client of the test bed's socket is
dom0 to xenstored, so relative paths ("domid") resolve under
/local/domain/0: the test plays a stub domain whose id is 0.  qemu and the
vchan proxy are the exec_probe fixture (they print their argv and pid as
JSON), since neither can run without a hypervisor."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from dmtest import EXEC_PROBE, LauncherTest  # noqa: E402
from xenstored import Xenstored  # noqa: E402

UUID = "3f0a6b5e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
TARGET = 5
# What libxl 4.17 stores for an HVM guest with a Linux stub domain.
DM_ARGV = ["-xen-domid", str(TARGET), "-no-shutdown", "-nodefaults", "-no-user-config",
           "-name", "win10", "-display", "none", "-serial", "/dev/hvc3",
           "-device", "cirrus-vga,vgamem_mb=8", "-boot", "order=cda",
           "-drive", "file=/dev/xvda,if=ide,index=0,media=disk,format=host_device",
           "-machine", "xenfv,suppress-vmdesc=on", "-m", "1016"]
RUNDIR = "/run/qemu-dm-launcher"


class TestStubdom(LauncherTest):
    def setUp(self):
        super().setUp()
        self.xs = Xenstored().start()
        self.addCleanup(self.xs.stop)
        # The fixture stands in for Xen's vchan-socket-proxy under that name.
        self.proxy = os.path.join(self.dir, "vchan-socket-proxy")
        os.symlink(EXEC_PROBE, self.proxy)
        self.config = self.write_config(
            "[launcher]\nqemu-xen = %s\nstubdom-qmp-proxy = %s\n" % (EXEC_PROBE, self.proxy))

    def seed(self, argv=DM_ARGV, target=TARGET, keys=None):
        pairs = [("/local/domain/0/domid", "0"),
                 ("/local/domain/0/target", str(target)),
                 ("/local/domain/%d/vm" % TARGET, "/vm/" + UUID)]
        keys = keys or ["%03d" % (i + 1) for i in range(len(argv))]
        # Written in reverse: the reader must not depend on listing order.
        for key, value in reversed(list(zip(keys, argv))):
            pairs.append(("/vm/%s/image/dm-argv/%s" % (UUID, key), value))
        # "--": dm-argv values start with '-', which xenstore-write would
        # take for its own options.
        argv = ["xenstore-write", "--"]
        for path, value in pairs:
            argv += [path, value]
        self.xs._run(argv)

    def stubdom(self, *extra):
        # qemu (the fixture) lingers so that the proxy, which dies with it,
        # has time to print.
        env = dict(self.xs.env, EXEC_PROBE_SLEEP_MS="1500")
        return self.run_launcher(["stubdom", "--config", self.config] + list(extra),
                                 env=env)

    def assert_fails(self, r, fragment, status=2):
        err = r.stderr.decode(errors="replace")
        self.assertEqual(r.returncode, status, err)
        self.assertEqual(r.stdout, b"")
        self.assertIn("qemu-dm-launcher: stubdom: ", err)
        self.assertIn(fragment, err)

    @unittest.skipUnless(os.geteuid() == 0, "creates %s like the installed launcher" % RUNDIR)
    def test_execs_qemu_with_dm_argv_and_local_qmp_and_starts_proxy(self):
        self.seed()
        r = self.stubdom()
        err = r.stderr.decode(errors="replace")
        self.assertEqual(r.returncode, 0, err)
        runs = [json.loads(line) for line in r.stdout.decode().splitlines()]
        self.assertEqual(len(runs), 2, r.stdout)
        qemu = [x for x in runs if x["argv"][0] == EXEC_PROBE]
        proxy = [x for x in runs if x["argv"][0] == self.proxy]
        self.assertEqual((len(qemu), len(proxy)), (1, 1), runs)
        qemu, proxy = qemu[0], proxy[0]
        sock = "%s/stubdom-qmp-%d.sock" % (RUNDIR, TARGET)
        self.assertEqual(qemu["argv"][1:], DM_ARGV + [
            "-chardev", "socket,id=stubdom-qmp,path=%s,server=on,wait=off" % sock,
            "-mon", "chardev=stubdom-qmp,mode=control"])
        self.assertNotEqual(proxy["pid"], qemu["pid"])
        self.assertEqual(proxy["argv"][1:], [
            "--mode=server", "0", "/local/domain/0/device-model/%d/qmp-vchan" % TARGET, sock])
        # Only stdio crosses into qemu: no console was set up for saving.
        self.assertEqual(sorted(qemu["fds"]), [0, 1, 2])
        self.assertIn("stub domain 0 for domain %d" % TARGET, err)

    def test_dry_run_prints_the_dom0_plan_and_starts_nothing(self):
        self.seed()
        r = self.stubdom("--dry-run")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.decode().splitlines()
        self.assertEqual(len(lines), 1, lines)
        plan = json.loads(lines[0])
        self.assertEqual(plan["flavour"], "qemu-xen")
        self.assertEqual(plan["domid"], TARGET)
        self.assertEqual(plan["name"], "win10")
        self.assertEqual(plan["guest"], "hvm")
        self.assertEqual(plan["exec"], EXEC_PROBE)
        self.assertEqual(plan["argv"][1:len(DM_ARGV) + 1], DM_ARGV)
        # dom0's backends are not a stub domain's to scrub.
        self.assertEqual(plan["scrub"], [])

    def test_no_xenstore(self):
        r = self.run_launcher(["stubdom", "--config", self.config],
                              env={"XENSTORED_PATH": os.path.join(self.dir, "none")})
        self.assert_fails(r, "no xenstore: cannot connect to xenstored", status=1)

    def test_no_target_is_not_a_stub_domain(self):
        self.xs.write("/local/domain/0/domid", "0")
        r = self.stubdom()
        self.assert_fails(r, "/local/domain/0/target is missing: this is domain 0, "
                             "not a device-model stub domain")

    def test_refuses_a_bad_target(self):
        for bad in ("0", "5/../0", "-1", "32752", ""):
            with self.subTest(target=bad):
                self.seed(target=bad)
                r = self.stubdom()
                self.assert_fails(r, "/local/domain/0/target: ")

    def test_refuses_a_gap_in_dm_argv(self):
        keys = ["%03d" % (i + 1) for i in range(len(DM_ARGV))]
        keys[3] = "%03d" % (len(DM_ARGV) + 1)
        self.seed(keys=keys)
        r = self.stubdom()
        self.assert_fails(r, "/vm/%s/image/dm-argv: dm-argv has a gap" % UUID)

    def test_refuses_argv_for_another_domain(self):
        argv = list(DM_ARGV)
        argv[1] = "6"
        self.seed(argv=argv)
        r = self.stubdom()
        self.assert_fails(r, "dm-argv names domain 6 but this stub domain's target is 5")

    def test_refuses_an_invalid_argv_with_the_dom0_parser(self):
        argv = list(DM_ARGV)
        argv[1] = "5/../0"
        self.seed(argv=argv)
        r = self.stubdom()
        self.assert_fails(r, "dm-argv: ")
        self.assertIn("5/../0", r.stderr.decode())

    def test_refuses_a_strange_vm_path(self):
        self.seed()
        self.xs.write("/local/domain/%d/vm" % TARGET, "/vm/../local/domain/0")
        r = self.stubdom()
        self.assert_fails(r, "is '/vm/../local/domain/0', not /vm/<uuid>")

    @unittest.skipIf(os.path.exists("/dev/hvc2"), "this host has a /dev/hvc2")
    def test_restore_needs_console_2(self):
        self.seed(argv=DM_ARGV + ["-incoming", "$STUBDOM_RESTORE_INCOMING_ARG"])
        r = self.stubdom()
        self.assert_fails(r, "restoring domain 5: cannot open console 2 (/dev/hvc2): "
                             "No such file or directory", status=1)

    @unittest.skipIf(os.path.exists("/dev/hvc1"), "this host has a /dev/hvc1")
    def test_save_console_is_opened_when_the_toolstack_set_it_up(self):
        self.seed()
        self.xs.write("/local/domain/0/device/console/1/state", "1")
        r = self.stubdom()
        self.assert_fails(r, "cannot open console 1 (/dev/hvc1): No such file or directory",
                          status=1)


if __name__ == "__main__":
    unittest.main()
