#include <criterion/criterion.h>
#include "cli.h"
#include "util.h"

#include <string.h>

Test(cli, without_separator_everything_is_the_toolstacks)
{
  char *argv[] = { "qemu-dm-launcher", "-d", "5", "--config", "x", NULL };
  DmCli cli;
  cr_assert(dm_cli_parse(5, argv, &cli, NULL));
  cr_assert_eq(cli.mode, DM_MODE_LAUNCH);
  cr_assert_eq(cli.toolstack_argc, 4);
  cr_assert_str_eq(cli.toolstack_argv[2], "--config");
  cr_assert_null(cli.config_path);
  dm_cli_clear(&cli);
}

Test(cli, options_before_separator)
{
  char *argv[] = {
    "qemu-dm-launcher", "--config", "/tmp/c.conf", "--dry-run", "--no-helper", "--", "-d", "5", NULL
  };
  DmCli cli;
  cr_assert(dm_cli_parse(8, argv, &cli, NULL));
  cr_assert_str_eq(cli.config_path, "/tmp/c.conf");
  cr_assert(cli.dry_run);
  cr_assert(cli.no_helper);
  cr_assert_eq(cli.toolstack_argc, 2);
  cr_assert_str_eq(cli.toolstack_argv[0], "-d");
  dm_cli_clear(&cli);
}

Test(cli, diagnose_and_version)
{
  char *a[] = { "qemu-dm-launcher", "diagnose", "--json", "7", NULL };
  DmCli cli;
  cr_assert(dm_cli_parse(4, a, &cli, NULL));
  cr_assert_eq(cli.mode, DM_MODE_DIAGNOSE);
  cr_assert(cli.json);
  cr_assert_str_eq(cli.rest[1], "7");
  dm_cli_clear(&cli);
  char *b[] = { "qemu-dm-launcher", "--version", NULL };
  cr_assert(dm_cli_parse(2, b, &cli, NULL));
  cr_assert_eq(cli.mode, DM_MODE_VERSION);
  dm_cli_clear(&cli);
}

Test(cli, bad_launcher_options)
{
  char *a[] = { "qemu-dm-launcher", "--bogus", "--", "-d", "5", NULL };
  DmCli cli;
  g_autoptr(GError) error = NULL;
  cr_assert_not(dm_cli_parse(5, a, &cli, &error));
  cr_assert(strstr(error->message, "bogus"));
  dm_cli_clear(&cli);
  char *b[] = { "qemu-dm-launcher", "-n", "frobnicate", "--", NULL };
  g_clear_error(&error);
  cr_assert_not(dm_cli_parse(4, b, &cli, &error));
  cr_assert(strstr(error->message, "'frobnicate' is not a launcher option"), "%s", error->message);
  dm_cli_clear(&cli);
}

/* Parses argv (NULL-terminated); on failure returns the error message. */
static char *
parse_fails(char **argv)
{
  DmCli cli;
  GError *error = NULL;
  int argc = 0;
  while (argv[argc])
    argc++;
  cr_assert_not(dm_cli_parse(argc, argv, &cli, &error), "%s was accepted", argv[1]);
  cr_assert_eq(error->code, DM_ERROR_INVALID);
  char *message = g_strdup(error->message);
  g_error_free(error);
  return message;
}

/* The mistake from the issue: launcher options, then the toolstack's
 * without "--".  The error says what was understood and the right form. */
Test(cli, toolstack_args_without_separator_show_the_right_form)
{
  char *a[] = { "qemu-dm-launcher", "--dry-run", "-d", "5", "-M", "xenfv", NULL };
  g_autofree char *m = parse_fails(a);
  cr_assert(strstr(m, "'-d' is not a launcher option"), "%s", m);
  cr_assert(strstr(m, "understood: --dry-run"), "%s", m);
  cr_assert(strstr(m, "qemu-dm-launcher --dry-run -- -d 5 -M xenfv"), "%s", m);
}

Test(cli, short_options_work_as_help_lists_them)
{
  char *a[] = { "qemu-dm-launcher", "-n", "-c", "/tmp/x.conf", "-v", "--", "-d", "5", NULL };
  DmCli cli;
  cr_assert(dm_cli_parse(8, a, &cli, NULL));
  cr_assert_eq(cli.mode, DM_MODE_LAUNCH);
  cr_assert(cli.dry_run);
  cr_assert(cli.verbose);
  cr_assert_str_eq(cli.config_path, "/tmp/x.conf");
  cr_assert_eq(cli.toolstack_argc, 2);
  dm_cli_clear(&cli);
  char *b[] = { "qemu-dm-launcher", "-V", NULL };
  cr_assert(dm_cli_parse(2, b, &cli, NULL));
  cr_assert_eq(cli.mode, DM_MODE_VERSION);
  dm_cli_clear(&cli);
  char *c[] = { "qemu-dm-launcher", "--config=/tmp/y.conf", "check", NULL };
  cr_assert(dm_cli_parse(3, c, &cli, NULL));
  cr_assert_eq(cli.mode, DM_MODE_CHECK);
  cr_assert_str_eq(cli.config_path, "/tmp/y.conf");
  dm_cli_clear(&cli);
}

/* A "--" among the toolstack's own arguments (a domain
 * named "--") is a value, not the launcher's separator.  The parser used to
 * split there and refused the launch with exit 2. */
Test(cli, separator_in_a_toolstack_value_is_a_value)
{
  char *a[] = { "qemu-dm-launcher", "-xen-domid", "5", "-name", "--", "-machine", "xenfv", NULL };
  DmCli cli;
  cr_assert(dm_cli_parse(7, a, &cli, NULL));
  cr_assert_eq(cli.mode, DM_MODE_LAUNCH);
  cr_assert_eq(cli.toolstack_argc, 6);
  cr_assert_str_eq(cli.toolstack_argv[3], "--");
  dm_cli_clear(&cli);
  /* xend's traditional line, name "--" */
  char *b[] = { "qemu-dm-launcher", "-d", "5", "-domain-name", "--", "-M", "xenfv", NULL };
  cr_assert(dm_cli_parse(7, b, &cli, NULL));
  cr_assert_eq(cli.toolstack_argc, 6);
  dm_cli_clear(&cli);
  /* With launcher options first, only the first "--" splits. */
  char *c[] = { "qemu-dm-launcher", "-n", "--", "-xen-domid", "5", "-name", "--", NULL };
  cr_assert(dm_cli_parse(7, c, &cli, NULL));
  cr_assert_eq(cli.toolstack_argc, 4);
  cr_assert_str_eq(cli.toolstack_argv[3], "--");
  dm_cli_clear(&cli);
}

Test(cli, subcommand_help_and_options_on_either_side)
{
  char *a[] = { "qemu-dm-launcher", "diagnose", "--help", NULL };
  DmCli cli;
  cr_assert(dm_cli_parse(3, a, &cli, NULL));
  cr_assert_eq(cli.mode, DM_MODE_HELP);
  cr_assert(g_str_has_prefix(cli.help, "Usage: qemu-dm-launcher diagnose "), "%s", cli.help);
  cr_assert(strstr(cli.help, "--log-dir"), "%s", cli.help);
  cr_assert_null(strstr(cli.help, "--no-helper"), "%s", cli.help);
  dm_cli_clear(&cli);
  char *b[] = { "qemu-dm-launcher", "--json", "diagnose", "7", NULL };
  cr_assert(dm_cli_parse(4, b, &cli, NULL));
  cr_assert_eq(cli.mode, DM_MODE_DIAGNOSE);
  cr_assert(cli.json);
  cr_assert_str_eq(cli.rest[1], "7");
  dm_cli_clear(&cli);
  char *c[] = { "qemu-dm-launcher", "--help", NULL };
  cr_assert(dm_cli_parse(2, c, &cli, NULL));
  cr_assert(g_str_has_prefix(cli.help, "Usage: qemu-dm-launcher [-nv] [-c FILE]"), "%s", cli.help);
  cr_assert_null(strstr(cli.help, "[OPTION"), "%s", cli.help);
  cr_assert(strstr(cli.help, "check "), "%s", cli.help);
  dm_cli_clear(&cli);
}

Test(cli, options_that_do_not_apply_are_refused)
{
  char *a[] = { "qemu-dm-launcher", "diagnose", "--no-helper", "7", NULL };
  g_autofree char *m = parse_fails(a);
  cr_assert(strstr(m, "--no-helper does not apply to diagnose"), "%s", m);
  char *b[] = { "qemu-dm-launcher", "--json", "--", "-d", "5", NULL };
  g_autofree char *m2 = parse_fails(b);
  cr_assert(strstr(m2, "add --dry-run"), "%s", m2);
  char *c[] = { "qemu-dm-launcher", "--dry-run", NULL };
  g_autofree char *m3 = parse_fails(c);
  cr_assert(strstr(m3, "no toolstack arguments"), "%s", m3);
  char *d[] = { "qemu-dm-launcher", "--config", NULL };
  g_autofree char *m4 = parse_fails(d);
  cr_assert(strstr(m4, "--config needs a value"), "%s", m4);
}

/* Behind XCP-ng's wrapper the launcher is "qemu-system-i386", and --version
 * is a question for qemu, not for the launcher. */
Test(cli, qemu_words_belong_to_qemu_under_another_name)
{
  DmCli cli;
  char *own[] = { "/usr/sbin/qemu-dm-launcher", "--version", NULL };
  char *behind[] = { "/usr/lib64/xen/bin/qemu-system-i386", "--version", NULL };
  char *help[] = { "qemu-dm-3", "-h", NULL };
  cr_assert(dm_cli_parse(2, own, &cli, NULL));
  cr_assert_eq(cli.mode, DM_MODE_VERSION);
  dm_cli_clear(&cli);
  cr_assert(dm_cli_parse(2, behind, &cli, NULL));
  cr_assert_eq(cli.mode, DM_MODE_LAUNCH);
  cr_assert_eq(cli.toolstack_argc, 1);
  dm_cli_clear(&cli);
  cr_assert(dm_cli_parse(2, help, &cli, NULL));
  cr_assert_eq(cli.mode, DM_MODE_LAUNCH);
  dm_cli_clear(&cli);
}
