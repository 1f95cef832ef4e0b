#include "log.h"
#include "build_config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static gboolean log_verbose;
static char log_prefix[96] = DM_PROGRAM_NAME;

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
   * helper's lines up against the guest's and the toolstack's. */
  now = g_date_time_new_now_utc();
  stamp = g_date_time_format(now, "%H:%M:%S.%f");
  if (stamp && strlen(stamp) > 12)
    stamp[12] = '\0'; /* milliseconds */
  fprintf(stderr, "%s: %s %s%s\n", log_prefix, stamp ? stamp : "", kind, message);
  fflush(stderr);
  return G_LOG_WRITER_HANDLED;
}

void
dm_log_init(gboolean verbose)
{
  static gboolean installed;
  const char *env = g_getenv("G_MESSAGES_DEBUG");

  log_verbose = verbose || (env && *env);
  if (!installed)
    g_log_set_writer_func(writer, NULL, NULL);
  installed = TRUE;
}

void
dm_log_set_tag(const char *tag)
{
  g_snprintf(log_prefix, sizeof(log_prefix), "%s[%s]", DM_PROGRAM_NAME, tag);
}

void
dm_log_error(const GError *error)
{
  fprintf(stderr, "%s: %s\n", DM_PROGRAM_NAME, error->message);
  fflush(stderr);
}
