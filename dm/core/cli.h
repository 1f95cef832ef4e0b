/* The launcher's own command line.  Two grammars that cannot be confused:
 *
 *   qemu-dm-launcher TOOLSTACK-ARGS...            how xend and libxl run it
 *   qemu-dm-launcher [OPTIONS] -- TOOLSTACK-ARGS  a person's dry run
 *   qemu-dm-launcher [OPTIONS] SUBCOMMAND [OPTIONS] [ARGS]
 *
 * Only when the first argument is a launcher option or a subcommand word
 * are launcher options parsed, up to the first "--"; otherwise every
 * argument is the toolstack's and a "--" among them is just a value (a
 * domain may be named "--").  Subcommands live in one table in cli.c:
 * adding one is a row there plus a case in main. */
#pragma once
#include <glib.h>

typedef enum {
  DM_MODE_LAUNCH,
  DM_MODE_VERSION,
  DM_MODE_HELP, /* print cli->help and exit 0 */
  DM_MODE_DIAGNOSE,
  DM_MODE_STUBDOM,
  DM_MODE_SCRUB,
  DM_MODE_CHECK,
} DmMode;

typedef struct {
  DmMode mode;
  char *config_path; /* --config; NULL means the default path */
  gboolean dry_run;
  gboolean no_helper;
  gboolean verbose;
  gboolean json;     /* --json: dry run and diagnose print JSON */
  char *log_dir;     /* diagnose --log-dir; NULL means the built-in default */
  int timeout_s;     /* diagnose, scrub --timeout: bound on xenstore; 0: default */
  gboolean watch;    /* diagnose --watch */
  gboolean all;      /* diagnose --all */
  int for_s;         /* diagnose --watch --for SECONDS; 0: until released or Ctrl-C */
  int stuck_after_s; /* diagnose --watch --stuck-after; 0: default */
  char *help;        /* DM_MODE_HELP: the text to print */
  int toolstack_argc;
  char **toolstack_argv; /* borrowed from main's argv */
  char **rest;           /* owned: the subcommand word, then its positional words */
} DmCli;

gboolean dm_cli_parse(int argc, char **argv, DmCli *cli, GError **error);
void dm_cli_clear(DmCli *cli);

/* The xl-style usage text, for --help (subcommand NULL: the whole program). */
char *dm_cli_usage(const char *subcommand);
