/* Real toolstack command lines, as xend, libxl and XCP-ng write them.  The
 * source-built corpus, each line naming its source, is corpus_lines.h. */
/* The argv tables keep one toolstack argument pair a line. */
/* clang-format off */
#pragma once

/* libxl 4.17, PV guest with vfb (upstream qemu-xen). */
static const char *const LINE_LIBXL_PV_VFB[] = {
  "-xen-domid", "2", "-no-shutdown", "-chardev",
  "socket,id=libxl-cmd,path=/var/run/xen/qmp-libxl-2,server=on,wait=off",
  "-mon", "chardev=libxl-cmd,mode=control", "-nodefaults", "-no-user-config",
  "-xen-attach", "-name", "pvfb", "-vnc", "127.0.0.1:0,to=99", "-display", "none",
  "-machine", "xenpv", "-m", "128", NULL
};

/* libxl 4.17, HVM guest (upstream qemu-xen). */
static const char *const LINE_LIBXL_HVM[] = {
  "-xen-domid", "7", "-no-shutdown", "-chardev",
  "socket,id=libxl-cmd,fd=12,server=on,wait=off", "-mon",
  "chardev=libxl-cmd,mode=control", "-chardev",
  "socket,id=libxenstat-cmd,path=/var/run/xen/qmp-libxenstat-7,server=on,wait=off",
  "-mon", "chardev=libxenstat-cmd,mode=control", "-nodefaults", "-no-user-config",
  "-name", "win10", "-vnc", "127.0.0.1:0,to=99", "-display", "none", "-serial", "pty",
  "-device", "cirrus-vga,vgamem_mb=8", "-boot", "order=cd", "-device",
  "rtl8139,id=nic0,netdev=net0,mac=00:16:3e:5e:6c:00", "-netdev",
  "type=tap,id=net0,ifname=vif7.0-emu,br=xenbr0,script=no,downscript=no",
  "-machine", "xenfv,suppress-vmdesc=on", "-m", "120", "-drive",
  "file=/var/lib/xen/images/win10.qcow2,if=ide,index=0,media=disk,format=qcow2,cache=writeback",
  NULL
};

/* xend (Xen 3.x/4.0), HVM Windows guest (qemu-xen-traditional). */
static const char *const LINE_XEND_HVM[] = {
  "-d", "5", "-domain-name", "win7", "-videoram", "4", "-vnc", "127.0.0.1:0,password",
  "-vncunused", "-vcpus", "2", "-vcpu_avail", "0x3", "-boot", "c", "-serial", "pty",
  "-acpi", "-usb", "-usbdevice", "tablet", "-net",
  "nic,vlan=1,macaddr=00:16:3e:11:22:33,model=rtl8139", "-net",
  "tap,vlan=1,ifname=tap5.0,bridge=xenbr0", "-M", "xenfv", NULL
};

/* xend, PV guest with a vfb (qemu-xen-traditional). */
static const char *const LINE_XEND_PV[] = {
  "-d", "9", "-domain-name", "pvdeb", "-vnc", "0.0.0.0:3", "-M", "xenpv", NULL
};

/* libxl >= 4.20 capability probe. */
static const char *const LINE_LIBXL_PROBE[] = {
  "-S", "-no-user-config", "-nodefaults", "-nographic", "-machine", "none,accel=xen",
  "-chardev", "socket,id=libxl-cmd,path=/var/run/xen/qmp-libxl-probe,server=on,wait=off",
  "-mon", "chardev=libxl-cmd,mode=control", NULL
};

/* XCP-ng 8.3: what ocaml/xenopsd/scripts/qemu-wrapper (main, xcp-ng/xen-api
 * branch 8.3) execs for xenopsd's Dm.qemu_args (ocaml/xenopsd/xc/device.ml,
 * Qemu_upstream_compat, one CD drive, no NIC).  The wrapper runs it with
 * argv[0] LINE_XCPNG_HVM_ARGV0; xenopsd passes no -name.  The wrapper's
 * output was recorded by running the real script (tests/integration/
 * test_field.py). */
#define LINE_XCPNG_HVM_ARGV0 "qemu-dm-12"
static const char *const LINE_XCPNG_HVM[] = {
  "-machine",
  "pc-0.10,accel=xen,max-ram-below-4g=4026531840,suppress-vmdesc=on,allow-unassigned=true,"
  "trad_compat=True",
  "-vnc", "unix:/var/run/xen/vnc-12,lock-key-sync=off", "-monitor", "null",
  "-pidfile", "/var/run/xen/qemu-dm-12.pid", "-xen-domid", "12", "-m", "size=2048",
  "-boot", "order=cdn", "-usb", "-device", "usb-tablet,port=2", "-smp", "2,maxcpus=2",
  "-serial", "pty", "-display", "none", "-nodefaults", "-trace", "enable=xen_platform_log",
  "-sandbox", "on,obsolete=deny,elevateprivileges=allow,spawn=deny,resourcecontrol=deny",
  "-S", "-global", "PIIX4_PM.revision_id=0x1", "-global", "ide-hd.ver=0.10.2",
  "-global", "piix3-ide-xen.subvendor_id=0x5853", "-global",
  "piix3-ide-xen.subsystem_id=0x0001", "-global", "piix3-usb-uhci.subvendor_id=0x5853",
  "-global", "piix3-usb-uhci.subsystem_id=0x0001", "-global",
  "rtl8139.subvendor_id=0x5853", "-global", "rtl8139.subsystem_id=0x0001",
  "-parallel", "null", "-qmp", "unix:/var/run/xen/qmp-libxl-12,server,nowait",
  "-qmp", "unix:/var/run/xen/qmp-event-12,server,nowait",
  "-device", "xen-platform,addr=3,device-id=0x0001,revision=0x2,class-id=0x0100,subvendor_id=0x5853,subsystem_id=0x0001",
  "-drive", "file=,if=none,id=ide1-cd1,read-only=on", "-device",
  "ide-cd,drive=ide1-cd1,bus=ide.1,unit=1", "-net", "none",
  "-device", "cirrus-vga,vgamem_mb=4,addr=2,romfile=,rombar=1,subvendor_id=0x5853,subsystem_id=0x0001",
  "-vnc-clipboard-socket-fd", "4", "-chardev", "stdio,id=ovmf", "-device",
  "isa-debugcon,chardev=ovmf,iobase=0x402", "-xen-domid-restrict", "-chroot",
  "/var/xen/qemu/root-12", "-runas", "65548:65548", NULL
};

static inline int
line_argc(const char *const *line)
{
  int n = 0;
  while (line[n])
    n++;
  return n;
}
/* clang-format on */
