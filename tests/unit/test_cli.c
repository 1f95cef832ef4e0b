#include <criterion/criterion.h>
#include "cli.h"

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
  char *argv[] = { "qemu-dm-launcher", "--config", "/tmp/c.conf", "--dry-run", "--no-helper",
                   "--", "-d", "5", NULL };
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
  char *b[] = { "qemu-dm-launcher", "frobnicate", "--", NULL };
  g_clear_error(&error);
  cr_assert_not(dm_cli_parse(3, b, &cli, &error));
  cr_assert(strstr(error->message, "unknown command"));
  dm_cli_clear(&cli);
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
