"""Bad inputs, one table: each row is a real launch (not a dry run) of the
real binary against a private real xenstored (xenstored.py) holding a
toolstack's layout for domain 5, and asserts the documented exit status
(2 bad input, 127 exec failure, 0 launched), a clear message starting
with "qemu-dm-launcher:", and the whole xenstore tree, read with
xenstore-ls before and after, changed only as the scrub policy allows.

Many of these inputs also have unit tests (tests/unit) and dry-run tests
(test_cli.py); this table checks what those cannot: nothing is written to
a live xenstore on the way to the error.  --no-helper keeps each row to
the launcher itself (the helper has its own tests in test_scrub.py)."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from dmtest import LauncherTest, EXEC_PROBE, reason_lines  # noqa: E402
from xenstored import Xenstored, backend_path  # noqa: E402

HVM = ["-xen-domid", "5", "-name", "win7", "-machine", "xenfv"]
CONF = "[launcher]\nqemu-xen = {qemu}\nscrub-grace-ms = {grace}\n"

# What a launch with grace 0 removes when the backends are stale (state 1,
# Initialising): the console and vfb backends, as the scrub policy says.
STALE = (backend_path(5, "console"), backend_path(5, "vfb"))

# Rows: (what, toolstack argv, config text (None: CONF), expected status,
#        fragment of the last stderr line, backend state to write, nodes the
#        launch removes: none on a refusal or exec failure; STALE on a
#        launch over stale backends).
ROWS = [
    ("missing domid", ["-name", "win7", "-machine", "xenfv"], None, 2, "no domid", "1", ()),
    ("non-numeric domid", ["-xen-domid", "five", "-machine", "xenfv"], None, 2, "'five'", "1", ()),
    ("negative domid", ["-xen-domid", "-5", "-machine", "xenfv"], None, 2, "'-5'", "1", ()),
    ("zero domid", ["-xen-domid", "0", "-machine", "xenfv"], None, 2, "'0'", "1", ()),
    ("reserved domid", ["-xen-domid", "32752", "-machine", "xenfv"], None, 2, "'32752'", "1", ()),
    ("DOMID_SELF", ["-d", "32754", "-M", "xenfv"], None, 2, "'32754'", "1", ()),
    ("domid with path chars", ["-d", "5/../0", "-M", "xenfv"], None, 2, "'5/../0'", "1", ()),
    ("duplicated domid", ["-xen-domid", "5", "-xen-domid", "5", "-machine", "xenfv"], None, 2,
     "given twice", "1", ()),
    ("domid 5 and a second flavour's", ["-d", "5", "-d", "6", "-M", "xenfv"], None, 2,
     "given twice", "1", ()),
    ("name with control chars", ["-xen-domid", "5", "-name", "win\x1b[2J", "-machine", "xenfv"],
     None, 2, "control character", "1", ()),
    ("name with non-UTF-8", [b"-xen-domid", b"5", b"-name", b"w\xffn", b"-machine", b"xenfv"],
     None, 2, "UTF-8", "1", ()),
    ("name too long", ["-xen-domid", "5", "-name", "n" * 300, "-machine", "xenfv"], None, 2,
     "1 to 255 bytes", "1", ()),
    ("option missing its value", HVM + ["-vnc"], None, 2, "needs a value", "1", ()),
    ("100k arguments", HVM + ["-S"] * 100000, None, 0, None, "1", STALE),
    # Linux refuses a single argv string over MAX_ARG_STRLEN (128 KiB) in
    # execve itself, so a 1 MiB argument cannot reach any device model; the
    # largest one that can, and 1 MiB in all, must.
    ("largest single argument", HVM + ["-append", "x" * (128 * 1024 - 1)], None, 0, None, "1",
     STALE),
    ("1 MiB of arguments", HVM + ["-append", "x" * (64 * 1024)] * 16, None, 0, None, "1", STALE),
    ("malformed config", HVM, "[launcher]\nscrub = console\nthis is junk\n", 2, "line 3", "1", ()),
    ("key before any group", HVM, "scrub = console\n", 2, "line 1", "1", ()),
    ("config with a NUL byte", HVM, "[launcher]\nscrub = con\0sole\n", 2, "NUL", "1", ()),
    ("wrong value type", HVM, "[launcher]\nscrub-grace-ms = soon\n", 2, "scrub-grace-ms", "1", ()),
    ("number out of range", HVM, "[launcher]\nscrub-window-s = 99999999\n", 2,
     "scrub-window-s", "1", ()),
    ("relative qemu path", HVM, "[launcher]\nqemu-xen = qemu\n", 2, "absolute path", "1", ()),
    ("bad scrub class", HVM, "[launcher]\nscrub = ../../x\n", 2, "backend class", "1", ()),
    ("unknown key warns, launches", HVM, CONF + "frobnicate = 1\n", 0, None, "1", STALE),
    ("unknown group warns, launches", HVM, CONF + "[frob]\nx = 1\n", 0, None, "1", STALE),
    ("domain group of another name", HVM, CONF + "[domain:nosuch]\nscrub =\n", 0, None, "1",
     STALE),
    ("missing qemu", HVM, "[launcher]\nqemu-xen = {dir}/no-such-qemu\n", 127,
     "no-such-qemu", "1", ()),
    ("non-executable qemu", HVM, "[launcher]\nqemu-xen = {dir}/not-exec\n", 127,
     "not executable", "1", ()),
    ("qemu is a directory", HVM, "[launcher]\nqemu-xen = {dir}\n", 127,
     "not a regular file", "1", ()),
    ("backend state not a number", HVM, CONF, 0, None, "connected", ()),
    ("backend state huge", HVM, CONF, 0, None, "9" * 2000, ()),
    ("backend state negative", HVM, CONF, 0, None, "-1", ()),
    # Control: with grace 0, a stale console and vfb are removed, which is
    # what the policy allows, and the diff below sees exactly that.
    ("stale backends removed by policy", HVM, CONF, 0, None, "1", STALE),
]


class BadInputs(LauncherTest):
    def setUp(self):
        super().setUp()
        self.xs = Xenstored().start()
        self.addCleanup(self.xs.stop)
        with open(os.path.join(self.dir, "not-exec"), "w") as f:
            f.write("#!/bin/sh\nexit 0\n")
        os.chmod(os.path.join(self.dir, "not-exec"), 0o644)

    def run_row(self, what, args, conf, status, fragment, state, removed):
        self.xs.write_domain(5, name="win7", state=state, introduce=False)
        before = self.xs.ls("/")
        text = (conf if conf is not None else CONF).format(qemu=EXEC_PROBE, grace=0,
                                                           dir=self.dir)
        path = self.write_config(text)
        r = self.run_launcher(args, own=["--config", path, "--no-helper"],
                              env=self.xs.env, timeout=120)
        err = r.stderr.decode(errors="replace")
        self.assertEqual(r.returncode, status, err[-2000:])
        if fragment is not None:
            last = err.strip().splitlines()[-1]
            self.assertTrue(last.startswith("qemu-dm-launcher: "), last)
            self.assertIn(fragment, last)
        if status == 2:
            # Refused before anything was done: nothing on stdout (no qemu
            # ran) and one line of reason.
            self.assertEqual(r.stdout, b"")
            self.assertEqual(len(reason_lines(err)), 1, err[-2000:])
        after = self.xs.ls("/")
        gone = {p for p in before if p not in after}
        expected_gone = {p for p in before for root in removed
                         if p == root or p.startswith(root + "/")}
        self.assertEqual(gone, expected_gone)
        self.assertEqual({p: v for p, v in after.items()},
                         {p: v for p, v in before.items() if p not in expected_gone},
                         "xenstore changed beyond what the policy allows")

    def test_table(self):
        for row in ROWS:
            with self.subTest(row[0]):
                self.run_row(*row)


if __name__ == "__main__":
    unittest.main(verbosity=2)
