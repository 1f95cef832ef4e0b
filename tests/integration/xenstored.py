"""Test bed: a private, real xenstored per test.

Debian's unmodified C xenstored runs without a hypervisor under the
test-only LD_PRELOAD shim (tests/fixtures/xenstored_shim.c).  Clients
(the launcher, xenstore-utils, the xs_fixture helper) find it through
XENSTORED_PATH, so nothing here touches a system xenstored.

    with Xenstored() as xs:
        xs.write("/local/domain/0/backend/console/5/0/state", "1")
        subprocess.run([...], env=xs.env)
        xs.release(5)

Environment (set by tests/CMakeLists.txt; defaults for a manual run):
  DM_XENSTORED        the daemon (default: Debian's xen-4.17 xenstored)
  DM_XENSTORED_SHIM   the shim .so
  DM_XS_FIXTURE       the introduce/release helper
Scripts outside CTest (scripts/bench*) name a build tree instead:
Xenstored.in_build(BUILD_DIR).
"""
import os
import shutil
import signal
import subprocess
import tempfile
import time

XENSTORED = os.environ.get("DM_XENSTORED", "/usr/lib/xen-4.17/bin/xenstored")
SHIM = os.environ.get("DM_XENSTORED_SHIM", "")
XS_FIXTURE = os.environ.get("DM_XS_FIXTURE", "")

# Values of a backend's `state` node (xen/include/public/io/xenbus.h).
XENBUS_INITIALISING = 1
XENBUS_INITWAIT = 2
XENBUS_CONNECTED = 4


class XenstoredError(Exception):
    pass


class Xenstored:
    def __init__(self, trace=False, extra_args=(), shim=None, fixture=None):
        self.trace = trace
        self.extra_args = list(extra_args)
        self.shim = shim or SHIM
        self.fixture = fixture or XS_FIXTURE
        self.proc = None
        self._tmp = None
        self.dir = None

    @classmethod
    def in_build(cls, build_dir, **kwargs):
        """The test bed with the shim and xs_fixture of a build tree (where
        tests/CMakeLists.txt puts them), for a script that CTest does not
        run."""
        tests = os.path.join(build_dir, "tests")
        return cls(shim=os.path.join(tests, "libxenstored_shim.so"),
                   fixture=os.path.join(tests, "xs_fixture"), **kwargs)

    # -- lifetime ---------------------------------------------------------
    def start(self, timeout=10.0):
        if not self.shim or not os.path.exists(self.shim):
            raise XenstoredError("DM_XENSTORED_SHIM not set or missing: %r" % self.shim)
        if not os.access(XENSTORED, os.X_OK):
            raise XenstoredError("xenstored not found at %s (install xen-utils-4.17)"
                                 % XENSTORED)
        self._tmp = tempfile.TemporaryDirectory(prefix="dm-xenstored-")
        self.dir = self._tmp.name
        self.socket = os.path.join(self.dir, "socket")
        self.trace_file = os.path.join(self.dir, "trace")
        self.dead_file = os.path.join(self.dir, "dead-domids")
        env = dict(os.environ)
        env.update(XENSTORED_RUNDIR=self.dir, XENSTORED_PATH=self.socket,
                   LD_PRELOAD=self.shim, XENSTORED_SHIM_DEAD=self.dead_file)
        # -N: stay in the foreground, so we own its PID.  Never -D: the
        # 4.17 daemon only builds its tree when it introduces dom0.
        argv = [XENSTORED, "-N"] + (["-T", self.trace_file] if self.trace else [])
        argv += self.extra_args
        with open(os.path.join(self.dir, "stderr"), "wb") as err:
            self.proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=err)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise XenstoredError("xenstored exited with status %d at start: %s"
                                     % (self.proc.returncode, self._stderr()))
            if os.path.exists(self.socket):
                r = self._run(["xenstore-exists", "/"], check=False)
                if r.returncode == 0:
                    return self
            if time.monotonic() > deadline:
                self.stop()
                raise XenstoredError("xenstored did not answer within %.1fs" % timeout)
            time.sleep(0.005)

    def stop(self):
        """Stops the daemon; raises if it had crashed before we asked."""
        crashed = None
        if self.proc is not None:
            if self.proc.poll() is not None:
                crashed = self.proc.returncode
            else:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
            self.proc = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
        if crashed is not None:
            raise XenstoredError("xenstored had exited with status %d" % crashed)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    # -- clients ----------------------------------------------------------
    @property
    def env(self):
        """Environment additions for a client of this daemon."""
        return {"XENSTORED_PATH": self.socket}

    def client_env(self):
        env = dict(os.environ)
        env.update(self.env)
        env.pop("LD_PRELOAD", None)
        return env

    def socket_count(self):
        """Sockets the daemon holds: its listening sockets plus one per
        client connection it has not yet seen close."""
        n = 0
        for fd in os.listdir("/proc/%d/fd" % self.proc.pid):
            try:
                if os.readlink("/proc/%d/fd/%s" % (self.proc.pid, fd)).startswith("socket:"):
                    n += 1
            except OSError:
                pass
        return n

    def _stderr(self):
        try:
            with open(os.path.join(self.dir, "stderr"), errors="replace") as f:
                return f.read().strip()
        except OSError:
            return ""

    def _run(self, argv, check=True):
        r = subprocess.run(argv, env=self.client_env(), capture_output=True, timeout=30)
        if check and r.returncode != 0:
            raise XenstoredError("%s failed (%d): %s" % (" ".join(argv), r.returncode,
                                                          r.stderr.decode(errors="replace")))
        return r

    def write(self, path, value):
        self._run(["xenstore-write", path, str(value)])

    def write_many(self, pairs):
        """One xenstore-write for many path/value pairs."""
        argv = ["xenstore-write"]
        for path, value in pairs:
            argv += [path, str(value)]
        self._run(argv)

    def read(self, path):
        """The value, or None if the node does not exist."""
        r = self._run(["xenstore-read", path], check=False)
        if r.returncode != 0:
            return None
        return r.stdout.decode().rstrip("\n")

    def exists(self, path):
        return self._run(["xenstore-exists", path], check=False).returncode == 0

    def rm(self, path):
        self._run(["xenstore-rm", path])

    def ls(self, path):
        """Every node under path, as {full_path: value}."""
        r = self._run(["xenstore-ls", "-f", path], check=False)
        out = {}
        for line in r.stdout.decode().splitlines():
            key, _, value = line.partition(" = ")
            out[key] = value.strip('"')
        return out

    def introduce(self, domid):
        self._fixture("introduce", domid)

    def release(self, domid):
        self._fixture("release", domid)

    def destroy(self, domid):
        """What a toolstack's domain destroy leaves behind (libxl removes
        the domain's directory, and xenstored releases the domain once the
        hypervisor reports it dead): the directory gone, the domain
        released."""
        self.rm("/local/domain/%d" % domid)
        self.release(domid)

    def is_introduced(self, domid):
        return self._fixture("is-introduced", domid).stdout.strip() == b"yes"

    def mark_dead(self, domid):
        """From now on the shim's xc_domain_getinfo reports domid as dying."""
        with open(self.dead_file, "a") as f:
            f.write("%d\n" % domid)

    def _fixture(self, cmd, domid):
        if not self.fixture or not os.path.exists(self.fixture):
            raise XenstoredError("DM_XS_FIXTURE not set or missing: %r" % self.fixture)
        return self._run([self.fixture, cmd, str(domid)])

    def request_count(self):
        """Requests the daemon has received (needs trace=True)."""
        with open(self.trace_file, errors="replace") as f:
            return sum(1 for line in f if line.startswith("IN "))

    # -- toolstack layouts ------------------------------------------------
    def write_domain(self, domid, name="guest", backends=(("console", 0), ("vfb", 0)),
                     state=XENBUS_INITIALISING, introduce=True):
        """The layout a toolstack writes for a new domain: the domain's own
        directory with frontends under device/, and dom0-side backends
        under /local/domain/0/backend/<class>/<domid>/<devid>."""
        dom = "/local/domain/%d" % domid
        pairs = [(dom + "/name", name), (dom + "/domid", domid)]
        for cls, devid in backends:
            fe = "%s/device/%s/%d" % (dom, cls, devid)
            be = backend_path(domid, cls, devid)
            pairs += [(fe + "/backend", be), (fe + "/backend-id", 0), (fe + "/state", 1),
                      (be + "/frontend", fe), (be + "/frontend-id", domid),
                      (be + "/online", 1), (be + "/state", state)]
        self.write_many(pairs)
        if introduce:
            self.introduce(domid)


def backend_path(domid, cls, devid=None):
    p = "/local/domain/0/backend/%s/%d" % (cls, domid)
    return p if devid is None else "%s/%d" % (p, devid)


def children():
    """PIDs of this process's children (all threads')."""
    found = []
    for task in os.listdir("/proc/self/task"):
        with open("/proc/self/task/%s/children" % task) as f:
            found += map(int, f.read().split())
    return found


def pids_with_env(key, value):
    """PIDs of live processes whose environment has key=value (a way to find
    every process a test started, including detached ones)."""
    want = ("%s=%s" % (key, value)).encode()
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/environ" % name, "rb") as f:
                if want in f.read().split(b"\0"):
                    found.append(int(name))
        except OSError:
            pass
    return found


def proc_status(pid):
    """/proc/PID/status as a dict, or None if the process is gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
    except OSError:
        return None
