/* Every line of the source-built corpus (corpus_lines.h) through the
 * parser and the builder, with the facts of a seccomp-capable qemu:
 * - the plan's domid, name, flavour and guest type are the line's;
 * - the argv reaching qemu is the toolstack's word for word, except the
 *   documented rewrites (the -vnc value, a blktap device's -drive),
 *   followed only by the launcher's
 *   documented additions (one -sandbox, -vncunused for qemu-dm's ranges);
 * - argv[0] is the caller's where it sets one;
 * - exactly one -sandbox reaches a qemu-xen, and it allows set*id where
 *   the toolstack drops qemu's ids. */
#include <criterion/criterion.h>
#include "corpus_lines.h"
#include "qemu_args.h"
#include "util.h"

#include <string.h>

#define QEMU_XEN "/usr/lib/xen/bin/qemu-system-i386"
#define QEMU_DM "/usr/lib/xen/bin/qemu-dm"
#define ALLOW "on,obsolete=deny,elevateprivileges=allow,spawn=deny,resourcecontrol=deny"

static int
count_argv(const CorpusLine *line)
{
  int n = 0;
  while (line->argv[n])
    n++;
  return n;
}

static void
check_line(const CorpusLine *line, gsize index)
{
  g_autoptr(GError) error = NULL;
  const char *conf = "[launcher]\nqemu-xen = " QEMU_XEN "\nqemu-xen-traditional = " QEMU_DM "\n";
  g_autoptr(DmConfig) config = dm_config_parse(conf, strlen(conf), "corpus", NULL, NULL);
  int argc = count_argv(line);
  g_autofree char *where = g_strdup_printf("corpus line %zu (%s, %s, %s)", index, line->source,
                                           line->function, line->version);
  g_autoptr(DmRequest) req = dm_request_parse(argc, (char *const *)line->argv, &error);

  if (line->refused) {
    cr_assert_null(req, "%s: parsed, expected a refusal", where);
    cr_assert(strstr(error->message, line->refused), "%s: %s", where, error->message);
    return;
  }
  cr_assert_not_null(req, "%s: %s", where, error ? error->message : "");
  cr_assert_eq(req->flavour, line->flavour, "%s: flavour %s", where, dm_flavour_name(req->flavour));
  cr_assert_eq(req->domid, line->domid, "%s: domid %u", where, req->domid);
  cr_assert_str_eq(req->name ? req->name : "(none)", line->name ? line->name : "(none)", "%s",
                   where);
  cr_assert_eq(req->guest, line->guest, "%s: guest %d", where, req->guest);
  cr_assert_eq(req->drops_privileges, line->drops_ids, "%s: drops ids", where);

  g_autoptr(DmDomainConfig) dc = dm_config_for_domain(config, req->name, NULL);
  DmQemuFacts facts = { .qemu_has_sandbox = TRUE,
                        .qemu_has_domid_restrict = TRUE,
                        .qemu_has_runas_ids = TRUE,
                        .qemu_has_chroot = TRUE,
                        .qemu_probed = TRUE,
                        .caller_argv0 = line->argv0,
                        .display = ":0" };
  g_auto(DmQemuSetup) setup = { 0 };
  g_autoptr(GPtrArray) argv = dm_qemu_args_build_full(req, dc, &facts, &setup, &error);
  cr_assert_not_null(argv, "%s: %s", where, error ? error->message : "");

  /* argv[0]: the caller's, or the qemu that serves the flavour. */
  const char *binary = req->flavour == DM_FLAVOUR_TRADITIONAL ? QEMU_DM : QEMU_XEN;
  cr_assert_str_eq(g_ptr_array_index(argv, 0), line->argv0 ? line->argv0 : binary, "%s", where);
  cr_assert_str_eq(dm_qemu_binary(req, dc), binary, "%s", where);

  /* The toolstack's words, in order; only the -vnc value may be rewritten,
   * and it keeps the toolstack's listen address. */
  cr_assert_geq(argv->len, (guint)argc + 1, "%s", where);
  for (int i = 0; i < argc; i++) {
    const char *got = g_ptr_array_index(argv, (guint)i + 1);
    if (i == req->vnc_index + 1) {
      const char *colon = strrchr(line->argv[i], ':');
      gsize keep = colon ? (gsize)(colon - line->argv[i]) : strlen(line->argv[i]);
      cr_assert(strncmp(got, line->argv[i], keep) == 0, "%s: -vnc %s became %s", where,
                line->argv[i], got);
      continue;
    }
    /* A blktap device or spec in a -drive is rewritten to what qemu reads
     * (dm/core/disk.c): the same file, its format said explicitly. */
    if (i > 0 && strcmp(line->argv[i - 1], "-drive") == 0 && strcmp(got, line->argv[i]) != 0) {
      g_autofree char *was = dm_qemu_opt_get(line->argv[i], "file");
      g_autofree char *now = dm_qemu_opt_get(got, "file");
      cr_assert(was && g_str_has_prefix(was, "/dev/xen/blktap-2/tapdev"),
                "%s: -drive %s "
                "became %s",
                where, line->argv[i], got);
      cr_assert_str_eq(now, was, "%s", where);
      continue;
    }
    cr_assert_str_eq(got, line->argv[i], "%s: word %d", where, i);
  }

  /* After them, only the launcher's documented additions. */
  int sandboxes = 0;
  for (guint i = 1; i < argv->len; i++)
    sandboxes += strcmp(g_ptr_array_index(argv, i), "-sandbox") == 0;
  for (guint i = (guint)argc + 1; i < argv->len; i++) {
    const char *w = g_ptr_array_index(argv, i);
    if (strcmp(w, "-sandbox") == 0) {
      const char *value = g_ptr_array_index(argv, i + 1);
      cr_assert_str_eq(value, line->drops_ids ? ALLOW : DM_QEMU_SANDBOX_ARG, "%s", where);
      i++;
    } else {
      cr_assert_str_eq(w, "-vncunused", "%s: unexpected addition", where);
      cr_assert_eq(req->flavour, DM_FLAVOUR_TRADITIONAL, "%s", where);
    }
  }
  if (req->flavour == DM_FLAVOUR_QEMU_XEN)
    cr_assert_eq(sandboxes, 1, "%s: %d -sandbox", where, sandboxes);
  else
    cr_assert_eq(sandboxes, 0, "%s: %d -sandbox", where, sandboxes);

  /* A question or a probe touches nothing. */
  if (req->flavour == DM_FLAVOUR_PROBE) {
    cr_assert(dm_sandbox_policy_is_empty(&setup.sandbox), "%s", where);
    cr_assert_null(setup.env, "%s", where);
    cr_assert_null(setup.secret_path, "%s", where);
  }
}

Test(corpus, every_line)
{
  for (gsize i = 0; i < G_N_ELEMENTS(corpus_lines); i++)
    check_line(&corpus_lines[i], i);
}

/* The corpus is what the issue asks of it: at least 30 lines from at
 * least six sources. */
Test(corpus, size_and_sources)
{
  g_autoptr(GHashTable) sources = g_hash_table_new(g_str_hash, g_str_equal);
  for (gsize i = 0; i < G_N_ELEMENTS(corpus_lines); i++) {
    cr_assert_not_null(corpus_lines[i].function);
    cr_assert_not_null(corpus_lines[i].version);
    g_hash_table_add(sources, (gpointer)corpus_lines[i].source);
  }
  cr_assert_geq(G_N_ELEMENTS(corpus_lines), 30);
  cr_assert_geq(g_hash_table_size(sources), 6);
}
