"""The example guest configs shipped in docs/examples: the xl ones parse with
Xen's own config parser (libxlutil, through ctypes) and use only option names
that Debian's xl knows; the xm one is valid Python (xm executes its configs);
every launcher path in them is where `cmake --install --prefix /usr` puts
the binary."""
import ctypes
import glob
import os
import re
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from dmtest import BUILD_DIR  # noqa: E402

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "examples")
KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*=", re.M)


def examples(pattern):
    found = sorted(glob.glob(os.path.join(EXAMPLES, pattern)))
    assert found, "no examples match " + pattern
    return found


def installed_launcher():
    with tempfile.TemporaryDirectory() as d:
        subprocess.run(["cmake", "--install", BUILD_DIR, "--prefix", "/usr"], check=True,
                       capture_output=True, env=dict(os.environ, DESTDIR=d))
        hits = glob.glob(os.path.join(d, "usr", "**", "qemu-dm-launcher"), recursive=True)
        # The binary itself, not the /usr/sbin link a person runs it by.
        hits = [h for h in hits if os.path.isfile(h) and not os.path.islink(h) and
                os.access(h, os.X_OK)]
        assert len(hits) == 1, hits
        return "/" + os.path.relpath(hits[0], d)


class XlExamples(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.xlu = ctypes.CDLL("libxlutil.so.4.17")
        cls.xlu.xlu_cfg_init.restype = ctypes.c_void_p
        cls.xlu.xlu_cfg_init.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
        cls.xlu.xlu_cfg_readfile.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
        cls.xlu.xlu_cfg_destroy.argtypes = [ctypes.c_void_p]
        cls.xlu.xlu_cfg_get_string.argtypes = [ctypes.c_void_p, ctypes.c_char_p,
                                               ctypes.POINTER(ctypes.c_char_p), ctypes.c_int]
        cls.xlu.xlu_cfg_get_long.argtypes = [ctypes.c_void_p, ctypes.c_char_p,
                                             ctypes.POINTER(ctypes.c_long), ctypes.c_int]
        cls.xlu.xlu_cfg_get_list.argtypes = [ctypes.c_void_p, ctypes.c_char_p,
                                             ctypes.POINTER(ctypes.c_void_p),
                                             ctypes.POINTER(ctypes.c_int), ctypes.c_int]
        libc = ctypes.CDLL(None)
        libc.fdopen.restype = ctypes.c_void_p
        libc.fdopen.argtypes = [ctypes.c_int, ctypes.c_char_p]
        cls.report = libc.fdopen(os.dup(2), b"w")
        xl = sorted(glob.glob("/usr/lib/xen-*/bin/xl"))
        assert xl, "Debian's xl (xen-utils) is not installed"
        with open(xl[-1], "rb") as f:
            cls.xl_binary = f.read()
        cls.launcher = installed_launcher()

    def parse(self, path):
        cfg = self.xlu.xlu_cfg_init(self.report, path.encode())
        self.assertTrue(cfg)
        self.addCleanup(self.xlu.xlu_cfg_destroy, cfg)
        self.assertEqual(self.xlu.xlu_cfg_readfile(cfg, path.encode()), 0,
                         "libxlutil cannot parse " + path)
        return cfg

    def value(self, cfg, key):
        n = ctypes.c_long()
        if self.xlu.xlu_cfg_get_long(cfg, key.encode(), ctypes.byref(n), 1) == 0:
            return n.value
        s = ctypes.c_char_p()
        if self.xlu.xlu_cfg_get_string(cfg, key.encode(), ctypes.byref(s), 1) == 0:
            return s.value.decode()
        lst, count = ctypes.c_void_p(), ctypes.c_int()
        if self.xlu.xlu_cfg_get_list(cfg, key.encode(), ctypes.byref(lst),
                                     ctypes.byref(count), 1) == 0:
            return ["list"] * count.value
        self.fail("%s: libxlutil has no value" % key)

    def test_parse_and_xl_knows_every_option(self):
        for path in examples("xl-*.cfg"):
            with open(path) as f:
                keys = KEY.findall(f.read())
            cfg = self.parse(path)
            for key in keys:
                with self.subTest(example=os.path.basename(path), option=key):
                    self.value(cfg, key)
                    # The option name is a string literal in xl (the
                    # linker may share it as the tail of a longer one).
                    self.assertTrue(key.encode() + b"\x00" in self.xl_binary,
                                    "Debian's xl has no option " + key)

    def test_overrides_name_the_installed_launcher(self):
        for name in ["xl-hvm.cfg", "xl-pv-vfb.cfg"]:
            cfg = self.parse(os.path.join(EXAMPLES, name))
            with self.subTest(example=name):
                self.assertEqual(self.value(cfg, "device_model_override"), self.launcher)
                self.assertEqual(self.value(cfg, "device_model_version"), "qemu-xen")

    def test_guest_types(self):
        self.assertEqual(self.value(self.parse(os.path.join(EXAMPLES, "xl-hvm.cfg")), "type"), "hvm")
        pv = self.parse(os.path.join(EXAMPLES, "xl-pv-vfb.cfg"))
        self.assertEqual(self.value(pv, "type"), "pv")
        self.assertEqual(len(self.value(pv, "vfb")), 1)

    def test_stubdom_example(self):
        cfg = self.parse(os.path.join(EXAMPLES, "xl-hvm-stubdom.cfg"))
        self.assertEqual(self.value(cfg, "type"), "hvm")
        self.assertEqual(self.value(cfg, "device_model_stubdomain_override"), 1)
        self.assertEqual(self.value(cfg, "device_model_version"), "qemu-xen")
        for key in ["stubdomain_kernel", "stubdomain_ramdisk"]:
            self.assertTrue(self.value(cfg, key).startswith("/"), key)


class XmExample(unittest.TestCase):
    def test_is_python_naming_the_installed_launcher(self):
        path = os.path.join(EXAMPLES, "xm-hvm-windows.cfg")
        with open(path) as f:
            source = f.read()
        scope = {}
        exec(compile(source, path, "exec"), {}, scope)   # what xm does with it
        self.assertEqual(scope["builder"], "hvm")
        self.assertEqual(scope["device_model"], installed_launcher())


if __name__ == "__main__":
    unittest.main(verbosity=2)
