#include "log.h"
#include "build_config.h"
#include "fd_io.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

static gboolean log_verbose;
static gboolean log_syslog;
static char log_prefix[96] = DM_PROGRAM_NAME;
static char log_tag[64];

static int
syslog_priority(GLogLevelFlags level)
{
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
    return LOG_ERR;
  if (level & G_LOG_LEVEL_WARNING)
    return LOG_WARNING;
  if (level & G_LOG_LEVEL_DEBUG)
    return LOG_DEBUG;
  return LOG_INFO;
}

char *
dm_log_timestamp(GDateTime *when)
{
  g_autofree char *day = g_date_time_format(when, "%Y-%m-%dT%H:%M:%S");
  g_autofree char *offset = g_date_time_format(when, "%:z");
  if (day == NULL || offset == NULL)
    return NULL;
  return g_strdup_printf("%s.%03d%s", day, g_date_time_get_microsecond(when) / 1000, offset);
}

/* The local zone, looked up once by dm_log_init (which installs the
 * writer after setting it): g_date_time_new_now_local
 * checks /etc/localtime again (a stat, an lstat and a readlink) for every
 * line, a tenth of a launch with scrub off (docs/launch-cost.md).  A zone
 * changed while the launcher or its helper runs is not followed, as with
 * libc's localtime_r. */
static GTimeZone *log_zone;

/* Lines kept by dm_log_hold, written by dm_log_release with one write. */
static GString *log_held;

void
dm_log_hold(void)
{
  if (log_held == NULL)
    log_held = g_string_sized_new(4096);
}

void
dm_log_release(void)
{
  if (log_held == NULL)
    return;
  /* Where stderr is gone, quietly: as fprintf would. */
  (void)dm_write_all(STDERR_FILENO, log_held->str, log_held->len);
  g_string_free(log_held, TRUE);
  log_held = NULL;
}

GDateTime *
dm_log_now(void)
{
  return log_zone ? g_date_time_new_now(log_zone) : g_date_time_new_now_local();
}

static GLogWriterOutput
writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
  const char *message = NULL;
  const char *kind = "";
  g_autoptr(GDateTime) now = NULL;
  g_autofree char *stamp = NULL;

  if ((level & G_LOG_LEVEL_DEBUG) && !log_verbose)
    return G_LOG_WRITER_HANDLED;
  for (gsize i = 0; i < n_fields; i++)
    if (strcmp(fields[i].key, "MESSAGE") == 0)
      message = fields[i].value;
  if (message == NULL)
    return G_LOG_WRITER_UNHANDLED;
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
    kind = "error: ";
  else if (level & G_LOG_LEVEL_WARNING)
    kind = "warning: ";

  /* Timestamps let someone chasing a boot hang line the launcher's and the
   * helper's lines up against the guest's and the toolstack's: the date
   * too (a helper outlives midnight) and the offset (xl's own log is in
   * local time). */
  now = dm_log_now();
  stamp = dm_log_timestamp(now);
  /* One event, one line: a value holding a newline (a domain name, an
   * argument) must not forge a second line, which `diagnose` would read
   * as the device model's own. */
  g_autofree char *safe = dm_escape_control_chars(message);
  GString *line = log_held ? log_held : g_string_sized_new(256);
  g_string_append_printf(line, "%s: %s %s%s\n", log_prefix, stamp ? stamp : "", kind, safe);
  if (line != log_held) {
    fflush(stderr); /* anything stdio still holds goes first */
    (void)dm_write_all(STDERR_FILENO, line->str, line->len);
    g_string_free(line, TRUE);
  } else if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING)) {
    dm_log_release(); /* a problem is never kept back */
  }
  if (log_syslog)
    syslog(syslog_priority(level), "%s%s%s%s", log_tag[0] ? log_tag : "", log_tag[0] ? ": " : "",
           kind, safe);
  return G_LOG_WRITER_HANDLED;
}

void
dm_log_init(gboolean verbose)
{
  static gboolean installed;
  const char *env = g_getenv("G_MESSAGES_DEBUG");

  log_verbose = verbose || (env && *env);
  if (log_zone == NULL)
    log_zone = g_time_zone_new_local();
  if (!installed)
    g_log_set_writer_func(writer, NULL, NULL);
  installed = TRUE;
}

void
dm_log_set_tag(const char *tag)
{
  g_snprintf(log_prefix, sizeof(log_prefix), "%s[%s]", DM_PROGRAM_NAME, tag);
  g_strlcpy(log_tag, tag, sizeof log_tag);
}

void
dm_log_use_syslog(gboolean on)
{
  /* LOG_PID: the helper's lines carry its own pid.  openlog is lazy: no
   * socket until the first line, so a launch that never logs opens none. */
  if (on && !log_syslog)
    openlog(DM_PROGRAM_NAME, LOG_PID, LOG_DAEMON);
  log_syslog = on;
}

void
dm_log_error(const GError *error)
{
  g_autofree char *safe = dm_escape_control_chars(error->message);
  fprintf(stderr, "%s: %s\n", DM_PROGRAM_NAME, safe);
  fflush(stderr);
  if (log_syslog)
    syslog(LOG_ERR, "%s", safe);
}

void
dm_log_to_syslog_only(const char *message)
{
  if (!log_syslog)
    return;
  g_autofree char *safe = dm_escape_control_chars(message);
  syslog(LOG_INFO, "%s", safe);
}

void
dm_log_reopen_syslog(void)
{
  if (!log_syslog)
    return;
  /* Connected now, while the process may still create sockets: the
   * helper's filter then allows only sendto on it. */
  closelog();
  openlog(DM_PROGRAM_NAME, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

gboolean
dm_print_stdout(const char *text, const char *what, GError **error)
{
  if (text)
    fputs(text, stdout);
  if (fflush(stdout) != 0) {
    g_set_error(error, DM_ERROR, DM_ERROR_SYSTEM, "cannot write the %s: %s", what,
                g_strerror(errno));
    return FALSE;
  }
  return TRUE;
}
