#include "seccomp_build.h"
#include "fd_io.h"
#include "seccomp_auto.h"
#include "util.h"

#include <errno.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* The native number of a syscall name; __NR_SCMP_ERROR with error for a
 * name the kernel headers do not know. */
static int
resolve_syscall(const char *name, GError **error)
{
  int nr = seccomp_syscall_resolve_name(name);
  if (nr == __NR_SCMP_ERROR)
    g_set_error(error, DM_ERROR, DM_ERROR_SYSTEM, "seccomp filter: unknown syscall name '%s'",
                name);
  return nr;
}

/* Adds one DmSeccompRule: its own action, and at most one comparison
 * on the first argument. */
static gboolean
add_rule(scmp_filter_ctx ctx, const DmSeccompRule *rule, GError **error)
{
  uint32_t action =
    rule->errno_value > 0 ? SCMP_ACT_ERRNO((uint32_t)rule->errno_value) : SCMP_ACT_ALLOW;
  int nr = resolve_syscall(rule->syscall, error);
  int rc;

  if (nr == __NR_SCMP_ERROR)
    return FALSE;
  switch (rule->arg0_test) {
  case DM_SECCOMP_ARG0_EQ:
    rc = seccomp_rule_add(ctx, action, nr, 1, SCMP_A0(SCMP_CMP_EQ, rule->value));
    break;
  case DM_SECCOMP_ARG0_MASKED_EQ:
    rc = seccomp_rule_add(ctx, action, nr, 1, SCMP_A0(SCMP_CMP_MASKED_EQ, rule->mask, rule->value));
    break;
  default:
    rc = seccomp_rule_add(ctx, action, nr, 0);
    break;
  }
  if (rc < 0) {
    g_set_error(error, DM_ERROR, DM_ERROR_SYSTEM,
                "seccomp filter: cannot add the rule for '%s': %s", rule->syscall, g_strerror(-rc));
    return FALSE;
  }
  return TRUE;
}

void *
dm_seccomp_build(const DmSeccompPolicy *seccomp, GError **error)
{
  uint32_t deny =
    seccomp->deny_errno > 0 ? SCMP_ACT_ERRNO((uint32_t)seccomp->deny_errno) : SCMP_ACT_KILL_PROCESS;
  gboolean allowlist = seccomp->mode == DM_SECCOMP_ALLOWLIST;
  g_auto(scmp_filter_ctx) ctx = NULL;
  int rc;

  g_return_val_if_fail(seccomp->mode != DM_SECCOMP_NONE, NULL);
  ctx = seccomp_init(allowlist ? deny : SCMP_ACT_ALLOW);
  if (ctx == NULL) {
    g_set_error(error, DM_ERROR, DM_ERROR_SYSTEM, "cannot create a seccomp filter");
    return NULL;
  }
  /* A syscall made through another ABI (i386 int 0x80 or x32 on x86_64)
   * would slip past a denylist written for the native numbers: kill it.
   * This is libseccomp's default; it is set here so it stays so. */
  seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
  for (const char *const *name = seccomp->syscalls; name && *name; name++) {
    int nr = resolve_syscall(*name, error);
    if (nr == __NR_SCMP_ERROR)
      return NULL;
    /* libseccomp refuses a rule whose action equals the default one; a
     * listed syscall that the kernel does not have on this architecture
     * (negative pseudo number) is still accepted and simply never seen. */
    rc = seccomp_rule_add(ctx, allowlist ? SCMP_ACT_ALLOW : deny, nr, 0);
    if (rc < 0) {
      g_set_error(error, DM_ERROR, DM_ERROR_SYSTEM,
                  "seccomp filter: cannot add a rule for '%s': %s", *name, g_strerror(-rc));
      return NULL;
    }
  }
  for (const DmSeccompRule *rule = seccomp->rules; rule && rule->syscall; rule++)
    if (!add_rule(ctx, rule, error))
      return NULL;
  return g_steal_pointer(&ctx);
}

/* The whole of what fd holds, from its start. */
static GBytes *
read_back(int fd, GError **error)
{
  struct stat st;
  g_autofree guint8 *bytes = NULL;
  gsize len = 0;

  if (fstat(fd, &st) < 0 || lseek(fd, 0, SEEK_SET) < 0) {
    g_set_error(error, DM_ERROR, DM_ERROR_SYSTEM, "seccomp filter: reading the BPF back: %s",
                g_strerror(errno));
    return NULL;
  }
  bytes = g_malloc((gsize)st.st_size);
  if (!dm_read_up_to(fd, bytes, (gsize)st.st_size, &len)) {
    g_set_error(error, DM_ERROR, DM_ERROR_SYSTEM, "seccomp filter: read: %s", g_strerror(errno));
    return NULL;
  }
  return g_bytes_new_take(g_steal_pointer(&bytes), len);
}

GBytes *
dm_seccomp_export(const DmSeccompPolicy *seccomp, GError **error)
{
  g_auto(scmp_filter_ctx) ctx = dm_seccomp_build(seccomp, error);
  GBytes *bpf = NULL;
  int fd, rc;

  if (ctx == NULL)
    return NULL;
  fd = memfd_create("seccomp-bpf", MFD_CLOEXEC);
  if (fd < 0) {
    g_set_error(error, DM_ERROR, DM_ERROR_SYSTEM, "seccomp filter: memfd_create: %s",
                g_strerror(errno));
    return NULL;
  }
  rc = seccomp_export_bpf(ctx, fd);
  if (rc < 0)
    g_set_error(error, DM_ERROR, DM_ERROR_SYSTEM, "seccomp filter: cannot export the BPF: %s",
                g_strerror(-rc));
  else
    bpf = read_back(fd, error);
  close(fd);
  return bpf;
}
