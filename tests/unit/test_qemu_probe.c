/* dm/sys/qemu_probe.c against the real kernel and the real qemu-xen binary.
 * Criterion runs each test in a process of its own, so a filter put on
 * one stays in it. */
#include <criterion/criterion.h>
#include "qemu_probe.h"

#include <errno.h>
#include <seccomp.h>
#include <unistd.h>

#define XEN_QEMU "/usr/libexec/xen-qemu-system-i386"

/* A loaded host: fork fails with EAGAIN, as it does at RLIMIT_NPROC or
 * with no memory.  Root is exempt from RLIMIT_NPROC, so the kernel's
 * answer is given by a seccomp filter on this test process instead. */
static void
fork_fails_with_eagain(void)
{
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  cr_assert_not_null(ctx);
  cr_assert_eq(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAGAIN), SCMP_SYS(clone), 0), 0);
  cr_assert_eq(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAGAIN), SCMP_SYS(clone3), 0), 0);
  cr_assert_eq(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAGAIN), SCMP_SYS(fork), 0), 0);
  cr_assert_eq(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAGAIN), SCMP_SYS(vfork), 0), 0);
  cr_assert_eq(seccomp_load(ctx), 0);
  seccomp_release(ctx);
}

/* A probe that could not start is no answer: nothing is cached, and the
 * facts say "unknown" with the reason, not "qemu takes no -sandbox". */
Test(qemu_probe, failed_start_is_unknown_and_not_cached)
{
  char dir[] = "/tmp/dm-probe-XXXXXX";
  g_autofree char *cache = NULL;
  DmQemuFacts facts = { 0 };

  if (access(XEN_QEMU, X_OK) < 0)
    cr_skip_test("%s missing (scripts/deps test)", XEN_QEMU);
  cr_assert_not_null(g_mkdtemp(dir));
  cache = g_build_filename(dir, "qemu-facts.ini", NULL);
  fork_fails_with_eagain();
  dm_qemu_probe(XEN_QEMU, dir, TRUE, TRUE, FALSE, FALSE, &facts);
  cr_assert(facts.qemu_unknown);
  cr_assert_not(facts.qemu_probed);
  cr_assert_not(facts.qemu_has_domid_restrict);
  cr_assert(strstr(facts.probe_error, "could not be started"), "%s", facts.probe_error);
  cr_assert_not(g_file_test(cache, G_FILE_TEST_EXISTS), "a failed start was cached");
}

/* The same binary, able to start: its answers are cached. */
Test(qemu_probe, answers_are_cached)
{
  char dir[] = "/tmp/dm-probe-XXXXXX";
  g_autofree char *cache = NULL;
  g_autofree char *text = NULL;
  DmQemuFacts facts = { 0 };

  if (access(XEN_QEMU, X_OK) < 0)
    cr_skip_test("%s missing (scripts/deps test)", XEN_QEMU);
  cr_assert_not_null(g_mkdtemp(dir));
  cache = g_build_filename(dir, "qemu-facts.ini", NULL);
  dm_qemu_probe(XEN_QEMU, dir, TRUE, TRUE, FALSE, FALSE, &facts);
  cr_assert_not(facts.qemu_unknown, "%s", facts.probe_error);
  cr_assert(facts.qemu_probed);
  cr_assert(facts.qemu_has_domid_restrict);
  cr_assert(g_file_get_contents(cache, &text, NULL, NULL));
  cr_assert(strstr(text, "domid-restrict=true"), "%s", text);
}
