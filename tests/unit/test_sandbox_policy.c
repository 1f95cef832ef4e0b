#include <criterion/criterion.h>
#include "sandbox_policy.h"
#include "toolstack_lines.h"

Test(sandbox_policy, serial_to_file)
{
  const char *a[] = { "-xen-domid", "1", "-serial", "file:/tmp/s", NULL };
  const char *b[] = { "-xen-domid", "1", "-chardev", "file,id=s,path=/tmp/s", NULL };
  const char *c[] = { "-xen-domid", "1", "-serial", "pty", NULL };
  const char *const *lines[] = { a, b, c };
  gboolean expected[] = { TRUE, TRUE, FALSE };
  for (gsize i = 0; i < 3; i++) {
    g_autoptr(DmRequest) r = dm_request_parse(line_argc(lines[i]), (char *const *)lines[i], NULL);
    cr_assert_not_null(r);
    cr_assert_eq(dm_request_serial_to_file(r), expected[i], "line %zu", i);
  }
}

Test(sandbox_policy, qemu_denylist_keeps_what_runas_and_chroot_need)
{
  const char *needed[] = { "chroot", "setuid", "setgid", "setgroups", "setresuid", "execve",
                           "openat", "ioctl", "mmap", "clone", "clone3" };
  for (gsize i = 0; i < G_N_ELEMENTS(needed); i++)
    cr_assert_not(g_strv_contains(dm_qemu_denied_syscalls, needed[i]), "%s", needed[i]);
  cr_assert(g_strv_contains(dm_qemu_denied_syscalls, "kexec_load"));
  cr_assert(g_strv_contains(dm_qemu_denied_syscalls, "init_module"));
}

Test(sandbox_policy, helper_allowlist_is_strict)
{
  const char *forbidden[] = { "execve", "socket", "open", "openat", "chroot", "mount",
                              "setuid", "ptrace", "clone", "fork", "kill" };
  for (gsize i = 0; i < G_N_ELEMENTS(forbidden); i++)
    cr_assert_not(g_strv_contains(dm_helper_allowed_syscalls, forbidden[i]), "%s", forbidden[i]);
}
