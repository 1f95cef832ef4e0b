#include "cli.h"
#include "build_config.h"
#include "util.h"

#include <string.h>

/* Which commands an option applies to. */
enum {
  FOR_LAUNCH = 1 << 0,
  FOR_DIAGNOSE = 1 << 1,
  FOR_STUBDOM = 1 << 2,
  FOR_CHECK = 1 << 3,
  FOR_SCRUB = 1 << 4,
  FOR_ALL = FOR_LAUNCH | FOR_DIAGNOSE | FOR_STUBDOM | FOR_CHECK | FOR_SCRUB,
};

typedef enum {
  OPT_CONFIG,
  OPT_DRY_RUN,
  OPT_NO_HELPER,
  OPT_VERBOSE,
  OPT_JSON,
  OPT_LOG_DIR,
  OPT_TIMEOUT,
  OPT_WATCH,
  OPT_ALL,
  OPT_FOR,
  OPT_STUCK_AFTER,
  OPT_VERSION,
  OPT_HELP,
} OptId;

typedef struct {
  OptId id;
  const char *long_name; /* without "--" */
  char short_name;       /* 0: none */
  const char *arg;       /* NULL: a flag */
  unsigned for_mask;
  const char *help;
} Opt;

/* clang-format off */
static const Opt opts[] = {
  { OPT_DRY_RUN, "dry-run", 'n', NULL, FOR_LAUNCH | FOR_STUBDOM | FOR_SCRUB,
    "Print what would be done and exit; touch nothing (xl's -N)" },
  { OPT_CONFIG, "config", 'c', "FILE", FOR_ALL,
    "Read FILE instead of " DM_DEFAULT_CONFIG },
  { OPT_JSON, "json", 0, NULL, FOR_LAUNCH | FOR_DIAGNOSE,
    "Print JSON (with --dry-run: the plan, one object)" },
  { OPT_NO_HELPER, "no-helper", 0, NULL, FOR_LAUNCH,
    "Do not fork the background scrub helper" },
  { OPT_LOG_DIR, "log-dir", 0, "DIR", FOR_DIAGNOSE | FOR_SCRUB,
    "Where the qemu-dm-NAME.log files are (default " DM_XEN_LOG_DIR ")" },
  { OPT_TIMEOUT, "timeout", 0, "SECONDS", FOR_DIAGNOSE | FOR_SCRUB,
    "Wait at most SECONDS for xenstored (default 10)" },
  { OPT_WATCH, "watch", 0, NULL, FOR_DIAGNOSE, "Follow the domain's xenbus devices live" },
  { OPT_ALL, "all", 0, NULL, FOR_DIAGNOSE, "One line per domain" },
  { OPT_FOR, "for", 0, "SECONDS", FOR_DIAGNOSE, "With --watch: stop after SECONDS" },
  { OPT_STUCK_AFTER, "stuck-after", 0, "SECONDS", FOR_DIAGNOSE,
    "With --watch: flag a pair stuck this long (default 30)" },
  { OPT_VERBOSE, "verbose", 'v', NULL, FOR_ALL, "Log debug messages too" },
  { OPT_VERSION, "version", 'V', NULL, FOR_ALL,
    "Print the version and the libraries built against, and exit" },
  { OPT_HELP, "help", 'h', NULL, FOR_ALL, "Print this help and exit" },
};
/* clang-format on */

/* The subcommands.  A new one is a row here and a case in main. */
typedef struct {
  const char *name;
  DmMode mode;
  unsigned mask;
  const char *args;    /* positional words, for the usage line */
  const char *summary; /* one line */
  const char *about;   /* a paragraph for its --help */
} Subcommand;

/* clang-format off */
static const Subcommand subcommands[] = {
  { "check", DM_MODE_CHECK, FOR_CHECK, "[DOMAIN-NAME]",
    "Validate the config, qemu binaries and secret files",
    "Reads the config and reports every problem with its line, checks each qemu\n"
    "binary and every password file and TLS directory, and lists the\n"
    "[domain:NAME] groups; given a name, the settings that domain gets.\n"
    "Exit 0: all good; 1: problems found; 2: the config could not be read." },
  { "diagnose", DM_MODE_DIAGNOSE, FOR_DIAGNOSE, "DOMID|NAME | --all",
    "Why is this guest stuck? Read-only",
    "Reads xenstore, the hypervisor and the domain's log, and says whether the\n"
    "guest is stuck, and why.  Changes nothing.  Exit 1 when it is stuck.\n"
    "--watch follows its xenbus devices live; --all gives one line per domain." },
  { "scrub", DM_MODE_SCRUB, FOR_SCRUB, "DOMID|NAME",
    "Run the launcher's scrub of stale backends once, now",
    "Applies the scrub policy to a running domain's backends in the foreground\n"
    "and says what it removed and kept; --dry-run only says." },
  { "stubdom", DM_MODE_STUBDOM, FOR_STUBDOM, "",
    "Run as /init's device model inside a Linux stub domain",
    "Reads the target domain and qemu's arguments from xenstore and execs qemu\n"
    "in the stub domain (see the stub-domain documentation)." },
};
/* clang-format on */

/* The launcher's own grammar, the first argument deciding (see cli.h). */
static const Opt *
find_opt(const char *arg)
{
  if (g_str_has_prefix(arg, "--")) {
    const char *name = arg + 2;
    size_t len = strcspn(name, "=");
    for (gsize i = 0; i < G_N_ELEMENTS(opts); i++)
      if (strlen(opts[i].long_name) == len && strncmp(opts[i].long_name, name, len) == 0)
        return &opts[i];
    return NULL;
  }
  if (arg[0] == '-' && arg[1] != '\0' && arg[2] == '\0')
    for (gsize i = 0; i < G_N_ELEMENTS(opts); i++)
      if (opts[i].short_name == arg[1])
        return &opts[i];
  return NULL;
}

static const Subcommand *
find_subcommand(const char *word)
{
  for (gsize i = 0; i < G_N_ELEMENTS(subcommands); i++)
    if (strcmp(subcommands[i].name, word) == 0)
      return &subcommands[i];
  return NULL;
}

static unsigned
mask_of(const Subcommand *sub)
{
  return sub ? sub->mask : FOR_LAUNCH;
}

static void
append_options(GString *out, unsigned mask)
{
  g_string_append(out, "\nOptions:\n");
  for (gsize i = 0; i < G_N_ELEMENTS(opts); i++) {
    const Opt *o = &opts[i];
    if (!(o->for_mask & mask))
      continue;
    g_autofree char *left = g_strdup_printf(
      "%s%c%s--%s%s%s", o->short_name ? "-" : "", o->short_name ? o->short_name : ' ',
      o->short_name ? ", " : " ", o->long_name, o->arg ? " " : "", o->arg ? o->arg : "");
    g_string_append_printf(out, "  %-22s %s\n", o->short_name ? left : left + 2, o->help);
  }
}

char *
dm_cli_usage(const char *subcommand)
{
  const Subcommand *sub = subcommand ? find_subcommand(subcommand) : NULL;
  GString *out = g_string_new(NULL);

  if (sub) {
    g_string_append_printf(out, "Usage: %s %s [options] %s\n\n%s.\n\n%s\n", DM_PROGRAM_NAME,
                           sub->name, sub->args, sub->summary, sub->about);
    append_options(out, sub->mask);
    return g_string_free(out, FALSE);
  }
  g_string_append_printf(
    out,
    "Usage: %1$s [-nv] [-c FILE] [--json] [--no-helper] -- TOOLSTACK-ARGS...\n"
    "       %1$s TOOLSTACK-ARGS...\n"
    "       %1$s [options] <subcommand> [options] [args]\n"
    "       %1$s -V\n\n"
    "A drop-in Xen device model: checks the toolstack's arguments, scrubs stale\n"
    "xenstore backends, and execs qemu in place.\n\n"
    "When the first argument is not one of the options below nor a subcommand,\n"
    "every argument is the toolstack's: that is how xl and xend run it.  A person\n"
    "puts the launcher's options first, then \"--\", then the toolstack's, e.g.\n"
    "  %1$s --dry-run -- -xen-domid 5 -name win10 -machine xenfv\n",
    DM_PROGRAM_NAME);
  append_options(out, FOR_ALL);
  g_string_append(out, "\nSubcommands:\n");
  for (gsize i = 0; i < G_N_ELEMENTS(subcommands); i++)
    g_string_append_printf(out, "  %-10s %s\n", subcommands[i].name, subcommands[i].summary);
  g_string_append_printf(out, "\n'%s <subcommand> --help' shows a subcommand's usage.\n",
                         DM_PROGRAM_NAME);
  return g_string_free(out, FALSE);
}

void
dm_cli_clear(DmCli *cli)
{
  g_clear_pointer(&cli->config_path, g_free);
  g_clear_pointer(&cli->log_dir, g_free);
  g_clear_pointer(&cli->help, g_free);
  g_clear_pointer(&cli->rest, g_strfreev);
}

/* A word as a person would type it: quoted only when the shell needs it,
 * control characters shown as '?' so the error stays one line. */
static char *
shell_word(const char *word)
{
  gboolean plain = *word != '\0';
  for (const char *p = word; *p; p++)
    if (!g_ascii_isalnum(*p) && !strchr("_@%+=:,./-", *p))
      plain = FALSE;
  char *out = plain ? g_strdup(word) : g_shell_quote(word);
  for (char *p = out; *p; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f)
      *p = '?';
  return out;
}

/* argv[from..] as one shell-quoted line, for an error that shows the
 * right form.  Control characters would break the one-line error: the
 * quoting keeps them, so they are replaced. */
static void
append_words(GString *out, char **argv, int from, int to)
{
  for (int i = from; i < to; i++) {
    g_autofree char *q = shell_word(argv[i]);
    g_string_append_printf(out, " %s", q);
  }
}

/* "qemu-dm-launcher: '-d' is not a launcher option ...; the right form:
 * qemu-dm-launcher --dry-run -- -d 5 ...": what was understood, and the
 * command line as it should have been typed. */
static void
set_misplaced(GError **error, char **argv, int at, GPtrArray *understood)
{
  g_autoptr(GString) form = g_string_new(DM_PROGRAM_NAME);
  g_autoptr(GString) seen = g_string_new(NULL);
  if (understood->len == 0)
    g_string_append(seen, "nothing");
  g_autofree char *what = g_strdup_printf("'%s'", argv[at]);

  append_words(form, (char **)understood->pdata, 0, (int)understood->len);
  g_string_append(form, " --");
  int end = 0;
  while (argv[end])
    end++;
  append_words(form, argv, at, end);
  for (char *p = what; *p; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f)
      *p = '?';
  for (guint i = 0; i < understood->len; i++) {
    g_autofree char *w = shell_word(understood->pdata[i]);
    g_string_append_printf(seen, "%s%s", i ? " " : "", w);
  }
  g_set_error(error, DM_ERROR, DM_ERROR_INVALID,
              "%s is not a launcher option (understood: %s); the toolstack's "
              "arguments go after \"--\": %s",
              what, seen->str, form->str);
}

typedef struct {
  gboolean version, help;
} Seen;

/* One launcher option at argv[*i] (advances *i past its value). */
static gboolean
take_option(const Opt *o, int argc, char **argv, int *i, DmCli *cli, Seen *seen, GError **error)
{
  const char *eq = g_str_has_prefix(argv[*i], "--") ? strchr(argv[*i], '=') : NULL;
  const char *value = NULL;

  if (o->arg) {
    if (eq)
      value = eq + 1;
    else if (*i + 1 < argc && strcmp(argv[*i + 1], "--") != 0)
      value = argv[++*i];
    else {
      g_set_error(error, DM_ERROR, DM_ERROR_INVALID, "--%s needs a value: --%s %s", o->long_name,
                  o->long_name, o->arg);
      return FALSE;
    }
  } else if (eq) {
    g_set_error(error, DM_ERROR, DM_ERROR_INVALID, "--%s takes no value", o->long_name);
    return FALSE;
  }
  switch (o->id) {
  case OPT_CONFIG:
    g_free(cli->config_path);
    cli->config_path = g_strdup(value);
    break;
  case OPT_LOG_DIR:
    g_free(cli->log_dir);
    cli->log_dir = g_strdup(value);
    break;
  case OPT_DRY_RUN:
    cli->dry_run = TRUE;
    break;
  case OPT_NO_HELPER:
    cli->no_helper = TRUE;
    break;
  case OPT_VERBOSE:
    cli->verbose = TRUE;
    break;
  case OPT_JSON:
    cli->json = TRUE;
    break;
  case OPT_WATCH:
    cli->watch = TRUE;
    break;
  case OPT_ALL:
    cli->all = TRUE;
    break;
  case OPT_TIMEOUT:
  case OPT_FOR:
  case OPT_STUCK_AFTER: {
    guint64 n;
    if (!dm_parse_uint(value, G_MAXINT, &n)) {
      g_set_error(error, DM_ERROR, DM_ERROR_INVALID, "--%s: '%s' is not a number of seconds",
                  o->long_name, value);
      return FALSE;
    }
    *(o->id == OPT_TIMEOUT ? &cli->timeout_s
      : o->id == OPT_FOR   ? &cli->for_s
                           : &cli->stuck_after_s) = (int)n;
    break;
  }
  case OPT_VERSION:
    seen->version = TRUE;
    break;
  case OPT_HELP:
    seen->help = TRUE;
    break;
  }
  return TRUE;
}

/* Whether argv[1] opens the launcher's grammar. */
static gboolean
launcher_grammar(const char *argv0, const char *first)
{
  const Opt *o = find_opt(first);
  /* Behind XCP-ng's wrapper the launcher runs as "qemu-system-i386":
   * --version, --help and -h are then questions for qemu, and qemu also
   * reads "--word" as "-word". */
  g_autofree char *base = argv0 ? g_path_get_basename(argv0) : NULL;
  gboolean named = base == NULL || strcmp(base, DM_PROGRAM_NAME) == 0;
  if (!named)
    return (o != NULL && o->id != OPT_VERSION && o->id != OPT_HELP) ||
           find_subcommand(first) != NULL || strcmp(first, "--") == 0;
  /* A toolstack's options are qemu's, one dash each; "--" alone and any
   * "--word" (a misspelt launcher option) are the launcher's. */
  return o != NULL || find_subcommand(first) != NULL || g_str_has_prefix(first, "--");
}

static gboolean
parse_launcher(int argc, char **argv, DmCli *cli, GError **error)
{
  g_autoptr(GPtrArray) understood = g_ptr_array_new();
  g_autoptr(GPtrArray) words = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GPtrArray) given = g_ptr_array_new(); /* the Opt of each option */
  const Subcommand *sub = NULL;
  Seen seen = { 0 };
  int split = -1;

  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--") == 0) {
      split = i;
      break;
    }
    if (a[0] == '-' && a[1] != '\0') {
      const Opt *o = find_opt(a);
      if (o == NULL) {
        if (sub == NULL && !g_str_has_prefix(a, "--")) {
          set_misplaced(error, argv, i, understood);
          return FALSE;
        }
        g_set_error(error, DM_ERROR, DM_ERROR_INVALID,
                    "unknown launcher option '%s' (see %s%s%s --help)", a, DM_PROGRAM_NAME,
                    sub ? " " : "", sub ? sub->name : "");
        return FALSE;
      }
      int at = i;
      if (!take_option(o, argc, argv, &i, cli, &seen, error))
        return FALSE;
      for (int k = at; k <= i; k++)
        g_ptr_array_add(understood, argv[k]);
      g_ptr_array_add(given, (gpointer)o);
      continue;
    }
    if (sub == NULL && (sub = find_subcommand(a)) != NULL) {
      g_ptr_array_add(words, g_strdup(a));
      continue;
    }
    if (sub == NULL) {
      set_misplaced(error, argv, i, understood);
      return FALSE;
    }
    g_ptr_array_add(words, g_strdup(a));
  }

  if (seen.help) {
    cli->mode = DM_MODE_HELP;
    cli->help = dm_cli_usage(sub ? sub->name : NULL);
    return TRUE;
  }
  if (seen.version) {
    cli->mode = DM_MODE_VERSION;
    return TRUE;
  }
  for (guint i = 0; i < given->len; i++) {
    const Opt *o = given->pdata[i];
    if (!(o->for_mask & mask_of(sub))) {
      g_set_error(error, DM_ERROR, DM_ERROR_INVALID, "--%s does not apply to %s; see %s%s%s --help",
                  o->long_name, sub ? sub->name : "a launch (it is for a subcommand)",
                  DM_PROGRAM_NAME, sub ? " " : "", sub ? sub->name : "");
      return FALSE;
    }
  }
  cli->mode = sub ? sub->mode : DM_MODE_LAUNCH;
  if (split >= 0) {
    cli->toolstack_argc = argc - split - 1;
    cli->toolstack_argv = argv + split + 1;
  } else {
    cli->toolstack_argc = 0;
    cli->toolstack_argv = argv + argc;
  }
  if (sub == NULL) {
    if (split < 0 || cli->toolstack_argc == 0) {
      g_autoptr(GString) form = g_string_new(DM_PROGRAM_NAME);
      for (guint i = 0; i < understood->len; i++)
        g_string_append_printf(form, " %s", (char *)understood->pdata[i]);
      g_set_error(error, DM_ERROR, DM_ERROR_INVALID,
                  "no toolstack arguments after the launcher's options; the form is: "
                  "%s -- -xen-domid DOMID -name NAME ... (see %s --help)",
                  form->str, DM_PROGRAM_NAME);
      return FALSE;
    }
    if (cli->json && !cli->dry_run) {
      g_set_error(error, DM_ERROR, DM_ERROR_INVALID,
                  "--json prints the plan of a dry run; add --dry-run (-n)");
      return FALSE;
    }
  }
  g_ptr_array_add(words, NULL);
  cli->rest = (char **)g_ptr_array_free(g_steal_pointer(&words), FALSE);
  return TRUE;
}

gboolean
dm_cli_parse(int argc, char **argv, DmCli *cli, GError **error)
{
  memset(cli, 0, sizeof(*cli));
  if (argc < 2) {
    g_set_error(error, DM_ERROR, DM_ERROR_INVALID,
                "no arguments; the toolstack runs it with its device-model arguments, "
                "a person with --help, --dry-run -- ARGS, check or diagnose");
    return FALSE;
  }
  if (!launcher_grammar(argv[0], argv[1])) {
    /* The toolstack's: everything, "--" included, goes to its parser. */
    cli->mode = DM_MODE_LAUNCH;
    cli->toolstack_argc = argc - 1;
    cli->toolstack_argv = argv + 1;
    return TRUE;
  }
  if (!parse_launcher(argc, argv, cli, error)) {
    dm_cli_clear(cli);
    return FALSE;
  }
  return TRUE;
}
