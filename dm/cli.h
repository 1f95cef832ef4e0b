/* The launcher's own command line.  Its options come before a literal
 * "--"; without "--", every argument belongs to the toolstack (that is how
 * xend and libxl run a device model). */
#pragma once
#include <glib.h>

typedef enum {
  DM_MODE_LAUNCH,
  DM_MODE_VERSION,
  DM_MODE_DIAGNOSE,
  DM_MODE_STUBDOM,
  DM_MODE_SCRUB,
} DmMode;

typedef struct {
  DmMode mode;
  char *config_path;     /* --config; NULL means the default path */
  gboolean dry_run;
  gboolean no_helper;
  gboolean verbose;
  gboolean json;         /* diagnose --json */
  char *log_dir;         /* diagnose --log-dir; NULL means the built-in default */
  int timeout_s;         /* diagnose, scrub --timeout: bound on xenstore; 0: default */
  gboolean watch;        /* diagnose --watch */
  gboolean all;          /* diagnose --all */
  int for_s;             /* diagnose --watch --for SECONDS; 0: until released or Ctrl-C */
  int stuck_after_s;     /* diagnose --watch --stuck-after; 0: default */
  int toolstack_argc;
  char **toolstack_argv; /* borrowed from main's argv */
  char **rest;           /* owned: positional words of a subcommand */
} DmCli;

gboolean dm_cli_parse(int argc, char **argv, DmCli *cli, GError **error);
void dm_cli_clear(DmCli *cli);
