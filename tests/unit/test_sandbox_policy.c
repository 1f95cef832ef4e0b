/* dm/core/sandbox_policy.c: every policy the launcher applies, as data.
 * That the kernel enforces them is proven by the try-the-syscall tests
 * (test_sandbox.c for qemu's and the secret reaper's filters,
 * test_helper.c for the scrub helper's). */
#include <criterion/criterion.h>
#include "sandbox_policy.h"
#include "toolstack_lines.h"

#include <errno.h>
#include <sched.h>
#include <string.h>

static const DmSeccompRule *
find_rule(const DmSandboxPolicy *p, const char *name)
{
  for (const DmSeccompRule *r = p->seccomp.rules; r && r->syscall; r++)
    if (strcmp(r->syscall, name) == 0)
      return r;
  return NULL;
}

Test(sandbox_policy, set_rlimit_replaces_same_resource)
{
  DmSandboxPolicy policy = { 0 };
  dm_sandbox_policy_set_rlimit(&policy, RLIMIT_FSIZE, 1);
  dm_sandbox_policy_set_rlimit(&policy, RLIMIT_CORE, 0);
  dm_sandbox_policy_set_rlimit(&policy, RLIMIT_FSIZE, 262144);
  cr_assert_eq(policy.n_rlimits, 2);
  cr_assert_eq(policy.rlimits[0].limit, 262144);
  cr_assert_not(dm_sandbox_policy_is_empty(&policy));
}

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
  const char *line[] = { "-xen-domid", "3", "-machine", "xenfv", NULL };
  g_autoptr(DmRequest) r = dm_request_parse(4, (char *const *)line, NULL);
  g_autoptr(DmConfig) c = dm_config_new_default();
  g_autoptr(DmDomainConfig) dc = dm_config_for_domain(c, NULL, NULL);
  DmSandboxPolicy p;
  const char *needed[] = { "chroot", "setuid", "setgid", "setgroups", "setresuid", "execve",
                           "openat", "ioctl",  "mmap",   "clone",     "clone3" };

  dm_sandbox_policy_for_qemu(r, dc, FALSE, &p);
  cr_assert_eq(p.seccomp.mode, DM_SECCOMP_DENYLIST);
  cr_assert_eq(p.seccomp.deny_errno, EPERM);
  cr_assert_null(p.seccomp.rules);
  cr_assert(p.no_new_privs);
  cr_assert_not(p.change_ids);
  cr_assert_null(p.chroot_dir);
  for (gsize i = 0; i < G_N_ELEMENTS(needed); i++)
    cr_assert_not(g_strv_contains(p.seccomp.syscalls, needed[i]), "%s", needed[i]);
  cr_assert(g_strv_contains(p.seccomp.syscalls, "kexec_load"));
  cr_assert(g_strv_contains(p.seccomp.syscalls, "init_module"));
}

Test(sandbox_policy, secret_reaper_allowlist_is_strict)
{
  DmSandboxPolicy p;
  const char *forbidden[] = { "execve", "socket", "open",  "openat", "chroot", "mount",
                              "setuid", "ptrace", "clone", "fork",   "kill" };

  dm_sandbox_policy_for_secret_reaper("/run/x", &p);
  cr_assert_str_eq(p.chroot_dir, "/run/x");
  cr_assert_not(p.change_ids, "it stays root: the file it removes is root's");
  cr_assert(p.no_new_privs);
  cr_assert_eq(p.seccomp.mode, DM_SECCOMP_ALLOWLIST);
  cr_assert_eq(p.seccomp.deny_errno, EPERM);
  cr_assert_null(p.seccomp.rules);
  for (gsize i = 0; i < G_N_ELEMENTS(forbidden); i++)
    cr_assert_not(g_strv_contains(p.seccomp.syscalls, forbidden[i]), "%s", forbidden[i]);
  cr_assert(g_strv_contains(p.seccomp.syscalls, "unlink"));
}

Test(sandbox_policy, scrub_helper_is_data_with_the_expected_steps)
{
  DmSandboxPolicy p;
  dm_sandbox_policy_for_scrub_helper(65534, 65534, &p);
  cr_assert(p.change_ids);
  cr_assert_eq(p.uid, 65534);
  cr_assert_eq(p.n_groups, 0);
  cr_assert(p.no_new_privs);
  cr_assert_eq(p.seccomp.mode, DM_SECCOMP_ALLOWLIST);
  cr_assert_eq(p.seccomp.deny_errno, EPERM);
  cr_assert_null(p.chroot_dir);
  for (const char *const *s = p.seccomp.syscalls; *s; s++) {
    cr_assert_str_neq(*s, "openat");
    cr_assert_str_neq(*s, "execve");
    cr_assert_str_neq(*s, "socket");
    cr_assert_str_neq(*s, "connect");
  }
}

/* Threads, but no fork and no namespace: clone only with thread flags and
 * no CLONE_NEW*, clone3 answered ENOSYS (glibc then uses clone), and
 * prlimit64 on itself only. */
Test(sandbox_policy, scrub_helper_filters_clone)
{
  DmSandboxPolicy p;
  const DmSeccompRule *clone, *clone3, *prlimit;
  dm_sandbox_policy_for_scrub_helper(1879048199u, 1879048199u, &p);
  for (const char *const *s = p.seccomp.syscalls; *s; s++) {
    cr_assert_str_neq(*s, "clone");
    cr_assert_str_neq(*s, "clone3");
    cr_assert_str_neq(*s, "unshare");
    cr_assert_str_neq(*s, "prlimit64");
  }
  clone = find_rule(&p, "clone");
  cr_assert_not_null(clone);
  cr_assert_eq(clone->errno_value, 0);
  cr_assert_eq(clone->arg0_test, DM_SECCOMP_ARG0_MASKED_EQ);
  cr_assert_eq(clone->value, (guint64)(CLONE_THREAD | CLONE_VM | CLONE_SIGHAND));
  cr_assert_eq(clone->mask & clone->value, clone->value);
  cr_assert(clone->mask & CLONE_NEWUSER);
  cr_assert(clone->mask & CLONE_NEWNS);
  cr_assert(clone->mask & CLONE_NEWPID);
  cr_assert(clone->mask & CLONE_NEWNET);
  clone3 = find_rule(&p, "clone3");
  cr_assert_not_null(clone3);
  cr_assert_eq(clone3->errno_value, ENOSYS);
  cr_assert_eq(clone3->arg0_test, DM_SECCOMP_ARG0_ANY);
  prlimit = find_rule(&p, "prlimit64");
  cr_assert_not_null(prlimit);
  cr_assert_eq(prlimit->errno_value, 0);
  cr_assert_eq(prlimit->arg0_test, DM_SECCOMP_ARG0_EQ);
  cr_assert_eq(prlimit->value, 0, "pid 0: itself only");
}

/* qemu's RLIMIT_FSIZE is in its policy exactly where no reason stops it. */
Test(sandbox_policy, qemu_fsize_only_where_nothing_stops_it)
{
  const char *xenopsd[] = { "-xen-domid", "3", "-machine", "pc,accel=xen", NULL };
  const char *libxl[] = { "-xen-domid", "3", "-machine", "xenfv", NULL };
  const char *serial[] = { "-xen-domid", "3",           "-machine", "pc,accel=xen",
                           "-serial",    "file:/tmp/s", NULL };
  const struct {
    const char *const *line;
    gboolean files;
    const char *skipped;
  } cases[] = {
    { xenopsd, FALSE, NULL },
    { xenopsd, TRUE, "qemu writes a disk image file" },
    { libxl, FALSE,
      "qemu is the qdisk backend of libxl's file-backed disks with no -drive "
      "(past the fourth, xl block-attach)" },
    { serial, FALSE, "serial output goes to a file" },
  };
  g_autoptr(DmConfig) c = dm_config_new_default();
  g_autoptr(DmDomainConfig) dc = dm_config_for_domain(c, NULL, NULL);

  cr_assert_gt(dc->rlimit_fsize, 0);
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(DmRequest) r =
      dm_request_parse(line_argc(cases[i].line), (char *const *)cases[i].line, NULL);
    const char *skipped = dm_qemu_fsize_skipped(r, cases[i].files);
    DmSandboxPolicy p;
    gboolean has_fsize = FALSE;

    dm_sandbox_policy_for_qemu(r, dc, cases[i].files, &p);
    for (guint k = 0; k < p.n_rlimits; k++)
      if (p.rlimits[k].resource == RLIMIT_FSIZE) {
        has_fsize = TRUE;
        cr_assert_eq(p.rlimits[k].limit, (rlim_t)dc->rlimit_fsize, "case %zu", i);
      }
    if (cases[i].skipped == NULL)
      cr_assert_null(skipped, "case %zu: %s", i, skipped);
    else
      cr_assert_str_eq(skipped, cases[i].skipped, "case %zu", i);
    cr_assert_eq(has_fsize, cases[i].skipped == NULL, "case %zu", i);
  }
}
