/* /init of the device-model stub domain image.
 *
 * It does only what must happen before the launcher can run: mount the
 * kernel's filesystems, load the Xen device modules qemu and libxenstore
 * need, mount /usr, then run "qemu-dm-launcher stubdom", which becomes qemu.
 *
 * /usr (qemu, its libraries, the launcher, the vchan proxy, busybox) is a
 * squashfs image inside the ramdisk, mounted through a loop device: a
 * ramdisk unpacks wholly into RAM, and qemu-xen with Debian's libraries is
 * 42 MB unpacked, which with Debian's kernel does not fit the 128 MB libxl
 * gives a stub domain by default.  Compressed, /usr takes about a third of
 * that, and its pages are read in, and dropped again, as needed.  Hence
 * also a static binary: nothing under /usr is there before this runs.  PID 1
 * stays here to reap, to report how qemu ended on console 0 (the toolstack
 * writes it to /var/log/xen/qemu-dm-NAME.log), and then to power the stub
 * domain off so the toolstack sees it go.
 *
 * "qemu_dm_debug" on the kernel command line (xl.cfg stubdomain_cmdline)
 * also starts a shell on the console and keeps the domain up after qemu
 * ends, for people debugging a stub domain.
 *
 * Plain libc, no GLib: it must work before anything else does. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define LAUNCHER "/bin/qemu-dm-launcher"
#define LAUNCHER_CONFIG "/etc/qemu-dm-launcher.conf"
#define MODULE_LIST "/etc/modules"
#define MODULE_DIR "/modules"
#define USR_IMAGE "/usr.sqfs"
#define SHELL "/bin/sh"
#define DEBUG_WORD "qemu_dm_debug"

static void
say(const char *fmt, ...)
{
  va_list ap;
  fprintf(stderr, "qemu-dm-launcher[stubdom-init]: ");
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  fflush(stderr);
}

static void
mount_or_say(const char *source, const char *target, const char *type, unsigned long flags,
             const char *data)
{
  mkdir(target, 0755);
  if (mount(source, target, type, flags, data) < 0 && errno != EBUSY)
    say("cannot mount %s on %s: %s", type, target, strerror(errno));
}

/* The kernel opens /dev/console for init only if the image has the node;
 * this image has none (it is built without root), so take it from the
 * devtmpfs just mounted. */
static void
console_stdio(void)
{
  int fd;

  if (fcntl(0, F_GETFD) >= 0 && fcntl(1, F_GETFD) >= 0 && fcntl(2, F_GETFD) >= 0)
    return;
  fd = open("/dev/console", O_RDWR | O_NOCTTY);
  if (fd < 0)
    return; /* nowhere to say so */
  for (int i = 0; i < 3; i++)
    if (fd != i)
      dup2(fd, i);
  if (fd > 2)
    close(fd);
}

/* Loads each module named in MODULE_LIST, in order (xen-privcmd before
 * xenfs).  A line is "NAME [PARAMETERS]", the parameters as modprobe takes
 * them ("unrestricted=1").  Without a hypervisor the Xen modules refuse with
 * ENODEV: said, not fatal, so the launcher still runs and reports what is
 * missing. */
static void
load_modules(void)
{
  FILE *list = fopen(MODULE_LIST, "re");
  char line[256];

  if (list == NULL)
    return;
  while (fgets(line, sizeof(line), list)) {
    char path[300];
    char *name = line, *params;
    int fd;

    line[strcspn(line, "\r\n")] = '\0';
    if (name[0] == '\0' || name[0] == '#')
      continue;
    params = name + strcspn(name, " \t");
    if (*params != '\0')
      *params++ = '\0';
    snprintf(path, sizeof(path), MODULE_DIR "/%s.ko", name);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      say("module %s: %s", path, strerror(errno));
      continue;
    }
    if (syscall(SYS_finit_module, fd, params, 0) < 0 && errno != EEXIST)
      say("module %s%s%s not loaded: %s", name, *params ? " " : "", params, strerror(errno));
    close(fd);
  }
  fclose(list);
}

/* Attaches USR_IMAGE to a free loop device, read-only, and mounts it on
 * /usr.  Returns 0 or -1 (said). */
static int
mount_usr(void)
{
  struct loop_config config;
  char dev[32];
  int ctl, loop = -1, image = -1, n, rc = -1;

  ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
  if (ctl < 0) {
    say("cannot open /dev/loop-control (loop module): %s", strerror(errno));
    return -1;
  }
  n = ioctl(ctl, LOOP_CTL_GET_FREE);
  close(ctl);
  if (n < 0) {
    say("no free loop device: %s", strerror(errno));
    return -1;
  }
  snprintf(dev, sizeof(dev), "/dev/loop%d", n);
  image = open(USR_IMAGE, O_RDONLY | O_CLOEXEC);
  loop = open(dev, O_RDWR | O_CLOEXEC);
  if (image < 0 || loop < 0) {
    say("cannot open %s: %s", image < 0 ? USR_IMAGE : dev, strerror(errno));
    goto out;
  }
  memset(&config, 0, sizeof(config));
  config.fd = (unsigned int)image;
  config.info.lo_flags = LO_FLAGS_READ_ONLY | LO_FLAGS_AUTOCLEAR;
  if (ioctl(loop, LOOP_CONFIGURE, &config) < 0) {
    say("cannot attach %s to %s: %s", USR_IMAGE, dev, strerror(errno));
    goto out;
  }
  if (mount(dev, "/usr", "squashfs", MS_RDONLY | MS_NODEV, NULL) < 0) {
    say("cannot mount %s (%s) on /usr: %s", USR_IMAGE, dev, strerror(errno));
    goto out;
  }
  rc = 0;
out:
  /* The mount holds the loop device, which holds the image (autoclear). */
  if (loop >= 0)
    close(loop);
  if (image >= 0)
    close(image);
  return rc;
}

static int
debug_requested(void)
{
  char line[4096];
  ssize_t n;
  int fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    return 0;
  n = read(fd, line, sizeof(line) - 1);
  close(fd);
  if (n <= 0)
    return 0;
  line[n] = '\0';
  for (char *word = strtok(line, " \t\n"); word; word = strtok(NULL, " \t\n"))
    if (strcmp(word, DEBUG_WORD) == 0)
      return 1;
  return 0;
}

/* The kernel's uptime in seconds, as text ("?" if unreadable): on console 0
 * it shows how much of the toolstack's stub-domain start timeout (30 s in
 * libxl) the kernel and init used before the launcher started. */
static void
uptime_text(char *buf, size_t size)
{
  int fd = open("/proc/uptime", O_RDONLY | O_CLOEXEC);
  ssize_t n = fd >= 0 ? read(fd, buf, size - 1) : -1;

  if (fd >= 0)
    close(fd);
  if (n <= 0) {
    snprintf(buf, size, "?");
    return;
  }
  buf[n] = '\0';
  buf[strcspn(buf, " \n")] = '\0';
}

static pid_t
spawn(char *const argv[], int controlling_tty)
{
  pid_t pid = fork();

  if (pid < 0) {
    say("cannot fork for %s: %s", argv[0], strerror(errno));
    return -1;
  }
  if (pid == 0) {
    setsid();
    if (controlling_tty)
      ioctl(0, TIOCSCTTY, 1);
    execv(argv[0], argv);
    say("cannot run %s: %s", argv[0], strerror(errno));
    _exit(127);
  }
  return pid;
}

int
main(void)
{
  char *launcher[] = { LAUNCHER, "stubdom", "--config", LAUNCHER_CONFIG, NULL };
  char *shell[] = { SHELL, NULL };
  pid_t qemu, sh = -1;
  char uptime[32];
  int debug, status;

  mount_or_say("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
  console_stdio();
  mount_or_say("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
  mount_or_say("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
  mount_or_say("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=4m");
  mount_or_say("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=4m");
  load_modules();
  mount_usr();
  /* libxenstore and libxenctrl fall back to /proc/xen when /dev/xen lacks
   * a node; harmless if xenfs is absent. */
  if (access("/proc/xen", F_OK) == 0)
    mount_or_say("xenfs", "/proc/xen", "xenfs", 0, NULL);

  debug = debug_requested();
  uptime_text(uptime, sizeof(uptime));
  say("starting %s stubdom at %s s of uptime%s", LAUNCHER, uptime,
      debug ? " (" DEBUG_WORD ": shell on the console)" : "");
  qemu = spawn(launcher, 0);
  if (debug && access(SHELL, X_OK) == 0)
    sh = spawn(shell, 1);

  for (;;) {
    pid_t pid = wait(&status);
    if (pid < 0) {
      if (errno == EINTR)
        continue;
      break; /* no children left */
    }
    if (pid == qemu) {
      if (WIFEXITED(status))
        say("device model exited with status %d", WEXITSTATUS(status));
      else if (WIFSIGNALED(status))
        say("device model killed by signal %d", WTERMSIG(status));
      qemu = -1;
      if (!debug)
        break;
    } else if (pid == sh) {
      sh = debug ? spawn(shell, 1) : -1;
    }
  }
  say("powering off");
  sync();
  reboot(RB_POWER_OFF);
  return 1;
}
