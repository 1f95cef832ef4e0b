/* The source-built corpus: device-model command lines as each toolstack's
 * own code writes them, rebuilt by reading that code (file, function,
 * version named per line), not from memory.  Values such as domids, names,
 * paths and MACs are examples; the words, their order and their shape are
 * the code's.
 *
 * Sources:
 *   xen-project/xen tools/libs/light/libxl_dm.c at stable-4.17,
 *     RELEASE-4.20.4 and master
 *   xen-project/xen tools/python/xen/xend/image.py at RELEASE-4.1.6
 *   xcp-ng/xen-api branch 8.3: ocaml/xenopsd/xc/device.ml and
 *     ocaml/xenopsd/scripts/qemu-wrapper (what the wrapper execs)
 *   xapi-project/xen-api master: the same two files
 *   OpenXT/xenclient-oe recipes-extended/xen/files/libxl-...patch and
 *     OpenXT/manager xenmgr/Vm/Config.hs
 *   libvirt/libvirt src/libxl/libxl_capabilities.c */
/* The argv tables keep one toolstack argument pair a line. */
/* clang-format off */
#pragma once
#include "toolstack_args.h"

typedef struct {
  const char *source;   /* repository and file */
  const char *function; /* where the argv is built */
  const char *version;  /* branch or tag read */
  const char *argv0;    /* the argv[0] the caller gives; NULL: the launcher's path */
  const char *refused;  /* NULL, or what the refusal says */
  DmFlavour flavour;
  guint domid;
  const char *name;
  DmGuest guest;
  gboolean drops_ids;   /* the toolstack drops qemu's ids itself */
  const char *const argv[96];
} CorpusLine;

#define LIBXL "xen-project/xen tools/libs/light/libxl_dm.c"
#define NEW "libxl__build_device_model_args_new"
#define OLD "libxl__build_device_model_args_old"
#define XEND "xen-project/xen tools/python/xen/xend/image.py"
#define XCPNG "xcp-ng/xen-api ocaml/xenopsd/xc/device.ml + scripts/qemu-wrapper"
#define XAPI "xapi-project/xen-api ocaml/xenopsd/xc/device.ml + scripts/qemu-wrapper"
#define OPENXT "OpenXT/xenclient-oe libxl patches + OpenXT/manager xenmgr/Vm/Config.hs"
#define LIBVIRT "libvirt/libvirt src/libxl/libxl_capabilities.c"

/* libxl's QMP and libxenstat monitors, pre-opened fd (with -S) or path. */
#define LIBXL_MON_FD(fd, d)                                                          \
  "-chardev", "socket,id=libxl-cmd,fd=" #fd ",server=on,wait=off", "-S", "-mon",     \
    "chardev=libxl-cmd,mode=control", "-chardev",                                    \
    "socket,id=libxenstat-cmd,path=/var/run/xen/qmp-libxenstat-" #d                  \
    ",server=on,wait=off",                                                           \
    "-mon", "chardev=libxenstat-cmd,mode=control"
#define LIBXL_MON_PATH(d)                                                            \
  "-chardev", "socket,id=libxl-cmd,path=/var/run/xen/qmp-libxl-" #d ",server=on,wait=off", \
    "-mon", "chardev=libxl-cmd,mode=control", "-chardev",                            \
    "socket,id=libxenstat-cmd,path=/var/run/xen/qmp-libxenstat-" #d                  \
    ",server=on,wait=off",                                                           \
    "-mon", "chardev=libxenstat-cmd,mode=control"
/* xenopsd's Config_qemu_upstream_compat.extra_qemu_args (nic_type rtl8139). */
#define XENOPSD_COMPAT_GLOBALS                                                       \
  "-global", "PIIX4_PM.revision_id=0x1", "-global", "ide-hd.ver=0.10.2", "-global",  \
    "piix3-ide-xen.subvendor_id=0x5853", "-global", "piix3-ide-xen.subsystem_id=0x0001", \
    "-global", "piix3-usb-uhci.subvendor_id=0x5853", "-global",                      \
    "piix3-usb-uhci.subsystem_id=0x0001", "-global", "rtl8139.subvendor_id=0x5853",  \
    "-global", "rtl8139.subsystem_id=0x0001"
#define XENOPSD_SANDBOX                                                              \
  "-sandbox", "on,obsolete=deny,elevateprivileges=allow,spawn=deny,resourcecontrol=deny"
#define XENOPSD_QMP(d)                                                               \
  "-qmp", "unix:/var/run/xen/qmp-libxl-" #d ",server,nowait", "-qmp",                \
    "unix:/var/run/xen/qmp-event-" #d ",server,nowait"
/* What the wrapper appends after xenopsd's words (cirrus, trad_compat). */
#define WRAPPER_TAIL(d, fd)                                                          \
  "-device", "cirrus-vga,vgamem_mb=4,addr=2,romfile=,rombar=1,subvendor_id=0x5853,"  \
             "subsystem_id=0x0001",                                                  \
    "-vnc-clipboard-socket-fd", #fd, "-chardev", "stdio,id=ovmf", "-device",         \
    "isa-debugcon,chardev=ovmf,iobase=0x402", "-xen-domid-restrict"

static const CorpusLine corpus_lines[] = {
  /* ---- libxl 4.17 (Debian 12's xl) ---- */
  { LIBXL, NEW, "stable-4.17", NULL, NULL, DM_FLAVOUR_QEMU_XEN, 7, "win10", DM_GUEST_HVM, FALSE,
    { "-xen-domid", "7", "-no-shutdown", LIBXL_MON_FD(12, 7), "-nodefaults",
      "-no-user-config", "-name", "win10", "-vnc", "127.0.0.1:0,to=99", "-display", "none",
      "-serial", "pty", "-device", "cirrus-vga,vgamem_mb=8", "-boot", "order=cd", "-usb",
      "-usbdevice", "tablet", "-smp", "2,maxcpus=2", "-device",
      "rtl8139,id=nic0,netdev=net0,mac=00:16:3e:5e:6c:00", "-netdev",
      "type=tap,id=net0,ifname=vif7.0-emu,br=xenbr0,script=no,downscript=no", "-machine",
      "xenfv,suppress-vmdesc=on", "-m", "2040", "-drive",
      "file=/var/lib/xen/images/win10.qcow2,if=ide,index=0,media=disk,format=qcow2,"
      "cache=writeback", NULL } },
  { LIBXL, NEW, "stable-4.17", NULL, NULL, DM_FLAVOUR_QEMU_XEN, 2, "pvfb", DM_GUEST_PV, FALSE,
    { "-xen-domid", "2", "-no-shutdown", LIBXL_MON_PATH(2), "-nodefaults", "-no-user-config",
      "-xen-attach", "-name", "pvfb", "-vnc", "127.0.0.1:0,to=99", "-display", "none",
      "-machine", "xenpv", "-m", "128", NULL } },
  /* vnc password and SDL: "-display none" then "-display sdl". */
  { LIBXL, NEW, "stable-4.17", NULL, NULL, DM_FLAVOUR_QEMU_XEN, 8, "desk", DM_GUEST_HVM, FALSE,
    { "-xen-domid", "8", "-no-shutdown", LIBXL_MON_FD(11, 8), "-nodefaults",
      "-no-user-config", "-name", "desk", "-vnc", "0.0.0.0:3,password=on", "-display", "none",
      "-display", "sdl", "-k", "de", "-serial", "pty", "-device", "VGA,vgamem_mb=16", "-boot",
      "order=c", "-net", "none", "-machine", "xenfv,suppress-vmdesc=on", "-m", "1008", NULL } },
  /* dm_restrict=1 with the xen-qemuuser-range-base user: uid = base + domid. */
  { LIBXL, NEW, "stable-4.17", NULL, NULL, DM_FLAVOUR_QEMU_XEN, 9, "locked", DM_GUEST_HVM, TRUE,
    { "-xen-domid", "9", "-no-shutdown", LIBXL_MON_FD(13, 9), "-nodefaults",
      "-no-user-config", "-name", "locked", "-vnc", "127.0.0.1:0,to=99", "-display", "none",
      "-serial", "pty", "-device", "cirrus-vga,vgamem_mb=8", "-boot", "order=cd", "-net",
      "none", "-xen-domid-restrict", "-chroot", "/var/run/xen/qemu-root-9", "-machine",
      "xenfv,suppress-vmdesc=on", "-m", "1016", "-drive",
      "file=/dev/vg0/locked,if=ide,index=0,media=disk,format=raw,cache=writeback", "-runas",
      "131081:131072", NULL } },
  /* device_model_user = "xen-qemuuser-shared" without dm_restrict. */
  { LIBXL, NEW, "stable-4.17", NULL, NULL, DM_FLAVOUR_QEMU_XEN, 10, "shared", DM_GUEST_HVM,
    TRUE,
    { "-xen-domid", "10", "-no-shutdown", LIBXL_MON_FD(14, 10), "-nodefaults",
      "-no-user-config", "-name", "shared", "-vnc", "none", "-display", "none", "-nographic",
      "-serial", "pty", "-boot", "order=c", "-net", "none", "-machine",
      "pc,accel=xen,suppress-vmdesc=on", "-m", "512", "-runas", "xen-qemuuser-shared", NULL } },
  /* CD-ROM, AHCI, extra device_model_args before -machine, mmio hole. */
  { LIBXL, NEW, "stable-4.17", NULL, NULL, DM_FLAVOUR_QEMU_XEN, 11, "inst", DM_GUEST_HVM, FALSE,
    { "-xen-domid", "11", "-no-shutdown", LIBXL_MON_FD(15, 11), "-nodefaults",
      "-no-user-config", "-name", "inst", "-vnc", "127.0.0.1:0,to=99", "-display", "none",
      "-serial", "pty", "-device", "cirrus-vga,vgamem_mb=8", "-boot", "order=dc", "-net",
      "none", "-global", "isa-fdc.driveA=", "-machine",
      "xenfv,suppress-vmdesc=on,max-ram-below-4g=3758096384", "-m", "2040", "-device",
      "ahci,id=ahci0", "-drive",
      "if=none,readonly=on,id=ide-5632,file=/srv/iso/debian.iso,format=raw", "-device",
      "ide-cd,id=ide-5632,drive=ide-5632,bus=ide.1,unit=0", NULL } },
  /* The dom0 qdisk backend (libxl__spawn_qdisk_backend, same file). */
  { LIBXL, "libxl__spawn_qdisk_backend", "stable-4.17", NULL, NULL, DM_FLAVOUR_QEMU_XEN, 3,
    "domain-3", DM_GUEST_PV, FALSE,
    { "-xen-domid", "3", "-xen-attach", "-name", "domain-3", "-nographic", "-M", "xenpv",
      "-monitor", "/dev/null", "-serial", "/dev/null", "-parallel", "/dev/null", NULL } },
  /* qemu-xen-traditional (device_model_version = "qemu-xen-traditional"). */
  { LIBXL, OLD, "stable-4.17", NULL, NULL, DM_FLAVOUR_TRADITIONAL, 5, "oldwin", DM_GUEST_HVM,
    FALSE,
    { "-d", "5", "-domain-name", "oldwin", "-vnc", "127.0.0.1:0", "-vncunused", "-k",
      "en-us", "-serial", "pty", "-videoram", "4", "-boot", "cda", "-usb", "-usbdevice",
      "tablet", "-acpi", "-vcpus", "2", "-vcpu_avail", "0x3", "-net",
      "nic,vlan=0,macaddr=00:16:3e:00:00:05,model=rtl8139", "-net",
      "tap,vlan=0,ifname=vif5.0-emu,bridge=xenbr0,script=no,downscript=no", "-M", "xenfv",
      NULL } },
  { LIBXL, OLD, "stable-4.17", NULL, NULL, DM_FLAVOUR_TRADITIONAL, 6, "oldpv", DM_GUEST_PV,
    FALSE,
    { "-d", "6", "-domain-name", "oldpv", "-vnc", "127.0.0.1:1,password", "-vncunused",
      "-M", "xenpv", NULL } },

  /* ---- libxl 4.20 ---- */
  /* The capability probe (libxl__dm_check_start -> device_model_probe). */
  { LIBXL, "libxl__dm_check_start (qemu command line probe)", "RELEASE-4.20.4", NULL, NULL,
    DM_FLAVOUR_PROBE, 0, NULL, DM_GUEST_UNKNOWN, FALSE,
    { "-S", "-no-user-config", "-nodefaults", "-nographic", "-machine", "none,accel=xen",
      "-chardev", "socket,id=libxl-cmd,fd=9,server=on,wait=off", "-mon",
      "chardev=libxl-cmd,mode=control", NULL } },
  /* dm_restrict=1 where the probe found -run-with chroot= and user=. */
  { LIBXL, NEW, "RELEASE-4.20.4", NULL, NULL, DM_FLAVOUR_QEMU_XEN, 14, "r420", DM_GUEST_HVM,
    TRUE,
    { "-xen-domid", "14", "-no-shutdown", LIBXL_MON_FD(12, 14), "-nodefaults",
      "-no-user-config", "-name", "r420", "-vnc", "127.0.0.1:0,to=99", "-display", "none",
      "-serial", "pty", "-device", "cirrus-vga,vgamem_mb=8", "-boot", "order=cd", "-net",
      "none", "-xen-domid-restrict", "-run-with", "chroot=/var/run/xen/qemu-root-14",
      "-machine", "xenfv,suppress-vmdesc=on", "-m", "1016", "-run-with",
      "user=131086:131072", NULL } },
  /* ...and where it did not (an older qemu): -chroot and -runas. */
  { LIBXL, NEW, "RELEASE-4.20.4", NULL, NULL, DM_FLAVOUR_QEMU_XEN, 15, "r420old",
    DM_GUEST_HVM, TRUE,
    { "-xen-domid", "15", "-no-shutdown", LIBXL_MON_FD(12, 15), "-nodefaults",
      "-no-user-config", "-name", "r420old", "-vnc", "none", "-display", "none", "-serial",
      "pty", "-boot", "order=c", "-net", "none", "-xen-domid-restrict", "-chroot",
      "/var/run/xen/qemu-root-15", "-machine", "xenfv,suppress-vmdesc=on", "-m", "1016",
      "-runas", "131087:131072", NULL } },
  { LIBXL, NEW, "RELEASE-4.20.4", NULL, NULL, DM_FLAVOUR_QEMU_XEN, 16, "pv420", DM_GUEST_PV,
    FALSE,
    { "-xen-domid", "16", "-no-shutdown", LIBXL_MON_PATH(16), "-nodefaults",
      "-no-user-config", "-xen-attach", "-name", "pv420", "-vnc", "127.0.0.1:0,to=99",
      "-display", "none", "-machine", "xenpv", "-m", "256", NULL } },

  /* ---- libxl master ---- */
  { LIBXL, NEW, "master", NULL, NULL, DM_FLAVOUR_QEMU_XEN, 17, "main", DM_GUEST_HVM, FALSE,
    { "-xen-domid", "17", "-no-shutdown", LIBXL_MON_FD(12, 17), "-nodefaults",
      "-no-user-config", "-name", "main", "-vnc", "127.0.0.1:0,to=99", "-display", "none",
      "-serial", "pty", "-device", "VGA,vgamem_mb=16", "-boot", "order=cd", "-device",
      "e1000,id=nic0,netdev=net0,mac=00:16:3e:11:00:11", "-netdev",
      "type=tap,id=net0,ifname=vif17.0-emu,br=xenbr0,script=no,downscript=no", "-machine",
      "xenfv,suppress-vmdesc=on", "-m", "4080", "-drive",
      "file=/var/lib/xen/images/main.img,if=ide,index=0,media=disk,format=raw,"
      "cache=writeback", NULL } },
  { LIBXL, NEW, "master", NULL, NULL, DM_FLAVOUR_QEMU_XEN, 18, "mainr", DM_GUEST_HVM, TRUE,
    { "-xen-domid", "18", "-no-shutdown", LIBXL_MON_FD(12, 18), "-nodefaults",
      "-no-user-config", "-name", "mainr", "-vnc", "none", "-display", "none", "-serial", "pty",
      "-boot", "order=c", "-net", "none", "-xen-domid-restrict", "-run-with",
      "chroot=/var/run/xen/qemu-root-18", "-machine", "xenfv,suppress-vmdesc=on", "-m",
      "1016", "-run-with", "user=xen-qemuuser-shared", NULL } },
  { LIBXL, "libxl__dm_check_start (qemu command line probe)", "master", NULL, NULL,
    DM_FLAVOUR_PROBE, 0, NULL, DM_GUEST_UNKNOWN, FALSE,
    { "-S", "-no-user-config", "-nodefaults", "-nographic", "-machine", "none,accel=xen",
      "-chardev", "socket,id=libxl-cmd,fd=10,server=on,wait=off", "-mon",
      "chardev=libxl-cmd,mode=control", NULL } },

  /* ---- xend 4.1 (qemu-dm) ---- */
  /* HVMImageHandler: ImageHandler.getDeviceModelArgs (-d) + dmargs + -M xenfv. */
  { XEND, "HVMImageHandler.getDeviceModelArgs/parseDeviceModelArgs", "RELEASE-4.1.6", NULL,
    NULL, DM_FLAVOUR_TRADITIONAL, 21, "xp", DM_GUEST_HVM, FALSE,
    { "-d", "21", "-domain-name", "xp", "-videoram", "4", "-k", "en-us", "-vnc",
      "127.0.0.1:0,password", "-vncunused", "-vcpus", "1", "-vcpu_avail", "0x1", "-boot",
      "c", "-localtime", "-serial", "pty", "-std-vga", "-acpi", "-usb", "-usbdevice",
      "tablet", "-net", "nic,vlan=1,macaddr=00:16:3e:21:00:01,model=rtl8139", "-net",
      "tap,vlan=1,ifname=tap21.0,bridge=xenbr0", "-M", "xenfv", NULL } },
  /* nographic, isa, soundhw, no NIC, and a restore (-loadvm). */
  { XEND, "HVMImageHandler.getDeviceModelArgs/parseDeviceModelArgs", "RELEASE-4.1.6", NULL,
    NULL, DM_FLAVOUR_TRADITIONAL, 22, "dos", DM_GUEST_HVM, FALSE,
    { "-d", "22", "-domain-name", "dos", "-nographic", "-vcpus", "1", "-vcpu_avail", "0x1",
      "-boot", "a", "-fda", "/srv/floppy/dos.img", "-soundhw", "sb16", "-serial", "pty",
      "-isa", "-net", "none", "-M", "xenfv", "-loadvm", "/var/lib/xen/qemu-resume.22", NULL } },
  /* SDL without OpenGL. */
  { XEND, "HVMImageHandler.getDeviceModelArgs/parseDeviceModelArgs", "RELEASE-4.1.6", NULL,
    NULL, DM_FLAVOUR_TRADITIONAL, 23, "sdlvm", DM_GUEST_HVM, FALSE,
    { "-d", "23", "-domain-name", "sdlvm", "-videoram", "8", "-sdl", "-disable-opengl",
      "-vcpus", "2", "-vcpu_avail", "0x3", "-boot", "dc", "-serial", "pty", "-acpi", "-net",
      "none", "-M", "xenfv", NULL } },
  /* LinuxImageHandler (PV with a vfb): -serial first, then -M xenpv. */
  { XEND, "LinuxImageHandler.getDeviceModelArgs/parseDeviceModelArgs", "RELEASE-4.1.6", NULL,
    NULL, DM_FLAVOUR_TRADITIONAL, 24, "pvdeb", DM_GUEST_PV, FALSE,
    { "-d", "24", "-serial", "pty", "-domain-name", "pvdeb", "-videoram", "4", "-vnc",
      "0.0.0.0:3", "-vncunused", "-M", "xenpv", NULL } },

  /* ---- XCP-ng 8.3: what qemu-wrapper execs, argv[0] qemu-dm-DOMID ---- */
  /* Qemu_upstream_compat, BIOS, cirrus, one CD drive, no NIC. */
  { XCPNG, "Dm.qemu_args + qemu-wrapper main", "8.3", "qemu-dm-12", NULL, DM_FLAVOUR_QEMU_XEN,
    12, NULL, DM_GUEST_HVM, TRUE,
    { "-machine",
      "pc-0.10,accel=xen,max-ram-below-4g=4026531840,suppress-vmdesc=on,"
      "allow-unassigned=true,trad_compat=True",
      "-vnc", "unix:/var/run/xen/vnc-12,lock-key-sync=off", "-monitor", "null", "-pidfile",
      "/var/run/xen/qemu-dm-12.pid", "-xen-domid", "12", "-m", "size=2048", "-boot",
      "order=cdn", "-usb", "-device", "usb-tablet,port=2", "-smp", "2,maxcpus=2", "-serial",
      "pty", "-display", "none", "-nodefaults", "-trace", "enable=xen_platform_log",
      XENOPSD_SANDBOX, "-S", XENOPSD_COMPAT_GLOBALS, "-parallel", "null", XENOPSD_QMP(12),
      "-device",
      "xen-platform,addr=3,device-id=0x0001,revision=0x2,class-id=0x0100,"
      "subvendor_id=0x5853,subsystem_id=0x0001",
      "-drive", "file=,if=none,id=ide1-cd1,read-only=on", "-device",
      "ide-cd,drive=ide1-cd1,bus=ide.1,unit=1", "-net", "none", WRAPPER_TAIL(12, 4),
      "-chroot", "/var/xen/qemu/root-12", "-runas", "65548:65548", NULL } },
  /* A disk on the emulated IDE bus, a NIC by fd, std-vga, -priv (no depriv). */
  { XCPNG, "Dm.qemu_args + qemu-wrapper main", "8.3", "qemu-dm-13", NULL, DM_FLAVOUR_QEMU_XEN,
    13, NULL, DM_GUEST_HVM, FALSE,
    { "-machine",
      "pc-0.10,accel=xen,max-ram-below-4g=4026531840,suppress-vmdesc=on,"
      "allow-unassigned=true,trad_compat=True",
      "-vnc", "unix:/var/run/xen/vnc-13,lock-key-sync=off", "-pidfile",
      "/var/run/xen/qemu-dm-13.pid", "-xen-domid", "13", "-m", "size=4096", "-boot",
      "order=cd", "-smp", "4,maxcpus=4", "-display", "none", "-nodefaults", "-trace",
      "enable=xen_platform_log", XENOPSD_SANDBOX, "-S", XENOPSD_COMPAT_GLOBALS, "-parallel",
      "null", XENOPSD_QMP(13), "-device", "xen-platform,addr=3,device-id=0x0001",
      "-drive",
      "file=/dev/sm/backend/0c5e/1d2f,if=none,id=ide0-hd0,auto-read-only=off,format=raw",
      "-device", "ide-hd,drive=ide0-hd0,bus=ide.0,unit=0,bios-chs-trans=forcelba",
      "-device", "rtl8139,netdev=tapnet0,mac=2a:47:1b:0c:7e:13,addr=4", "-netdev",
      "tap,id=tapnet0,fd=7", "-device",
      "VGA,vgamem_mb=8,addr=2,romfile=,rombar=1,subvendor_id=0x5853,subsystem_id=0x0001,"
      "qemu-extended-regs=false",
      "-vnc-clipboard-socket-fd", "5", "-chardev", "stdio,id=ovmf", "-device",
      "isa-debugcon,chardev=ovmf,iobase=0x402", NULL } },
  /* xenopsd's own argv for the wrapper: refused where the launcher is
   * put in the wrapper's place. */
  { XCPNG, "Dm.prepend_wrapper_args", "8.3", "/usr/libexec/xenopsd/qemu-wrapper",
    "qemu-wrapper", DM_FLAVOUR_QEMU_XEN, 0, NULL, DM_GUEST_UNKNOWN, FALSE,
    { "12", "--syslog", "-vnc", "unix:/var/run/xen/vnc-12,lock-key-sync=off", "-acpi",
      "-pidfile", "/var/run/xen/qemu-dm-12.pid", "-xen-domid", "12", "-m", "size=2048",
      NULL } },

  /* ---- xapi master ---- */
  /* get_qemu_major_version: "QEMU -version", argv[0] the binary's path. */
  { XAPI, "qemu-wrapper get_qemu_major_version", "master",
    "/usr/lib64/xen/bin/qemu-system-i386", NULL, DM_FLAVOUR_PROBE, 0, NULL, DM_GUEST_UNKNOWN,
    FALSE, { "-version", NULL } },
  /* QEMU 10 and later: -run-with chroot= and user=; trad_compat=on. */
  { XAPI, "Dm.qemu_args + qemu-wrapper main", "master", "qemu-dm-31", NULL,
    DM_FLAVOUR_QEMU_XEN, 31, NULL, DM_GUEST_HVM, TRUE,
    { "-machine",
      "pc-0.10,accel=xen,max-ram-below-4g=4026531840,suppress-vmdesc=on,"
      "allow-unassigned=true,trad_compat=on",
      "-vnc", "unix:/var/run/xen/vnc-31,lock-key-sync=off", "-pidfile",
      "/var/run/xen/qemu-dm-31.pid", "-xen-domid", "31", "-m", "size=2048", "-boot",
      "order=cdn", "-smp", "2,maxcpus=2", "-serial", "pty", "-display", "none",
      "-nodefaults", "-trace", "enable=xen_platform_log", XENOPSD_SANDBOX, "-S",
      XENOPSD_COMPAT_GLOBALS, "-parallel", "null", XENOPSD_QMP(31), "-device",
      "xen-platform,addr=3,device-id=0x0001", "-net", "none", WRAPPER_TAIL(31, 4),
      "-run-with", "chroot=/var/xen/qemu/root-31", "-run-with", "user=65567:65567", NULL } },
  /* Qemu_upstream_uefi: pc-i440fx-2.10, NVMe, e1000. */
  { XAPI, "Dm.qemu_args + qemu-wrapper main", "master", "qemu-dm-32", NULL,
    DM_FLAVOUR_QEMU_XEN, 32, NULL, DM_GUEST_HVM, TRUE,
    { "-machine",
      "pc-i440fx-2.10,accel=xen,max-ram-below-4g=4026531840,suppress-vmdesc=on,"
      "allow-unassigned=true,trad_compat=off",
      "-vnc", "unix:/var/run/xen/vnc-32,lock-key-sync=off", "-pidfile",
      "/var/run/xen/qemu-dm-32.pid", "-xen-domid", "32", "-m", "size=8192", "-boot",
      "order=cd", "-smp", "2,maxcpus=2", "-display", "none", "-nodefaults", "-trace",
      "enable=xen_platform_log", XENOPSD_SANDBOX, "-S", "-parallel", "null",
      XENOPSD_QMP(32), "-device", "xen-platform,addr=3,device-id=0x0002", "-device",
      "nvme,serial=nvme0,mdts=9,id=nvme0,addr=7", "-drive",
      "id=disk0,if=none,file=/dev/sm/backend/9a1/77b,media=disk,auto-read-only=off,"
      "format=raw",
      "-device", "nvme-ns,drive=disk0,bus=nvme0,nsid=1", "-device",
      "e1000,netdev=tapnet0,mac=2a:47:1b:0c:7e:20,addr=4,rombar=0", "-netdev",
      "tap,id=tapnet0,fd=8", "-device", "VGA,vgamem_mb=8,addr=2,romfile=",
      "-vnc-clipboard-socket-fd", "5", "-chardev", "stdio,id=ovmf", "-device",
      "isa-debugcon,chardev=ovmf,iobase=0x402", "-xen-domid-restrict", "-run-with",
      "chroot=/var/xen/qemu/root-32", "-run-with", "user=65568:65568", NULL } },

  /* ---- OpenXT: libxl (4.x) with libxl-add-xen-acpi-pm.patch and
   * libxl-move-extra-qemu-args-to-the-end.patch; xenmgr's Config.hs puts
   * "-disable-audio-rec" first in device_model_args when a policy blocks
   * audio recording. ---- */
  { OPENXT, NEW " + libxl-move-extra-qemu-args-to-the-end.patch", "xenclient-oe master",
    NULL, NULL, DM_FLAVOUR_QEMU_XEN, 41, "oxt", DM_GUEST_HVM, FALSE,
    { "-xen-domid", "41", "-no-shutdown", LIBXL_MON_FD(12, 41), "-nodefaults",
      "-no-user-config", "-name", "oxt", "-vnc", "none", "-display", "none", "-serial", "pty",
      "-device", "VGA,vgamem_mb=16", "-boot", "order=c", "-xen-acpi-pm", "-smp",
      "2,maxcpus=2", "-net", "none", "-machine", "xenfv,suppress-vmdesc=on", "-m", "2032",
      "-drive", "file=/dev/xen/blktap-2/tapdev3,if=ide,index=0,media=disk,format=raw,"
      "cache=writeback",
      "-disable-audio-rec", NULL } },
  /* ...with more extra-hvm words after it, one of them an -audiodev. */
  { OPENXT, NEW " + libxl-move-extra-qemu-args-to-the-end.patch", "xenclient-oe master",
    NULL, NULL, DM_FLAVOUR_QEMU_XEN, 42, "oxt2", DM_GUEST_HVM, FALSE,
    { "-xen-domid", "42", "-no-shutdown", LIBXL_MON_FD(12, 42), "-nodefaults",
      "-no-user-config", "-name", "oxt2", "-vnc", "none", "-display", "none", "-serial", "pty",
      "-xen-acpi-pm", "-net", "none", "-machine", "xenfv,suppress-vmdesc=on", "-m", "1008",
      "-disable-audio-rec", "-audiodev", "alsa,id=snd0", "-device", "intel-hda", "-device",
      "hda-duplex,audiodev=snd0", NULL } },
  /* No audio policy: device_model_args empty, -xen-acpi-pm the only flag. */
  { OPENXT, NEW " + libxl-add-xen-acpi-pm.patch", "xenclient-oe master", NULL, NULL,
    DM_FLAVOUR_QEMU_XEN, 43, "oxt3", DM_GUEST_HVM, FALSE,
    { "-xen-domid", "43", "-no-shutdown", LIBXL_MON_FD(12, 43), "-nodefaults",
      "-no-user-config", "-name", "oxt3", "-vnc", "none", "-display", "none", "-xen-acpi-pm",
      "-net", "none", "-machine", "xenfv,suppress-vmdesc=on", "-m", "1008", NULL } },

  /* ---- libvirt's libxl driver ---- */
  /* libxlDomainGetEmulatorType: "EMULATOR -help", looking for qemu-dm's
   * "Options specific to the Xen version:". */
  { LIBVIRT, "libxlDomainGetEmulatorType", "master", NULL, NULL, DM_FLAVOUR_PROBE, 0, NULL,
    DM_GUEST_UNKNOWN, FALSE, { "-help", NULL } },
  { LIBVIRT, "libxlDomainGetEmulatorType", "master", "/usr/lib/xen/bin/qemu-system-i386",
    NULL, DM_FLAVOUR_PROBE, 0, NULL, DM_GUEST_UNKNOWN, FALSE, { "-help", NULL } },
};

#undef LIBXL_MON_FD
#undef LIBXL_MON_PATH
#undef XENOPSD_COMPAT_GLOBALS
#undef XENOPSD_SANDBOX
#undef XENOPSD_QMP
#undef WRAPPER_TAIL
/* clang-format on */
