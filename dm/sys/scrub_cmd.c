/* `qemu-dm-launcher scrub DOMID|NAME [--dry-run]`.
 *
 * The same policy as the launcher and its helper, once, in the
 * foreground: the directories come from dm_scrub_paths() (classes, guest
 * types), each device's decision from the scrub tracker (dm/core/scrub.c), and
 * the removal from dm_scrub_dir() (dm/sys/scrub_apply.c), which re-decides inside
 * its transaction so that a backend served meanwhile is kept.  In stale
 * mode a backend must be seen unserved for the whole grace period: the
 * command reads every device, waits the grace (at most MAX_WAIT_MS; the
 * admin's request stands in for the rest), and reads again. */
#include "scrub_cmd.h"
#include "build_config.h"
#include "config_read.h"
#include "diagnose_cmd.h"
#include "diagnose_read.h"
#include "log.h"
#include "plan.h"
#include "scrub_apply.h"
#include "util.h"
#include "xs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_WAIT_MS 10000

/* What the worker thread needs (a DmXsJob: a worker stuck in libxenstore
 * outlives the caller's wait). */
typedef struct {
  DmXsJob box;
  GStrv dirs;
  DmScrubTracker *tracker;
  GPtrArray *decisions; /* char *: "ACTION\tpath\treason" */
  guint removed;
} Job;

static void
job_clear(Job *job)
{
  g_strfreev(job->dirs);
  dm_scrub_tracker_free(job->tracker);
  g_ptr_array_unref(job->decisions);
}

static gpointer
done(void)
{
  return GINT_TO_POINTER(1);
}

/* The guest type: libxl's record, else the hvmloader directory only HVM
 * guests have. */
static DmGuest
guest_of(const DmDiagIdentity *id)
{
  if (id->type == NULL)
    return id->hvmloader ? DM_GUEST_HVM : DM_GUEST_UNKNOWN;
  if (strcmp(id->type, "hvm") == 0)
    return DM_GUEST_HVM;
  return strcmp(id->type, "pv") == 0 ? DM_GUEST_PV : DM_GUEST_UNKNOWN;
}

/* A look: every device of every directory decided on, nothing removed. */
static gpointer
look(struct xs_handle *xs, gpointer data, GError **error)
{
  Job *job = data;
  gint64 now = dm_scrub_now_ms();

  g_ptr_array_set_size(job->decisions, 0);
  for (char **dir = job->dirs; *dir; dir++) {
    gboolean missing = FALSE;
    g_auto(GStrv) names = dm_xs_directory(xs, XBT_NULL, *dir, &missing, error);
    if (names == NULL && !missing)
      return NULL;
    g_clear_error(error);
    dm_scrub_tracker_prune(job->tracker, *dir, (const char *const *)names);
    for (char **n = names; n && *n; n++) {
      g_autofree char *device = g_strdup_printf("%s/%s", *dir, *n);
      g_autofree char *state_path = g_strdup_printf("%s/state", device);
      g_autofree char *state = dm_xs_read(xs, XBT_NULL, state_path, &missing, NULL);
      g_auto(DmScrubDecision) d = { 0 };
      dm_scrub_tracker_observe(job->tracker, device, state, now, &d);
      g_ptr_array_add(job->decisions, g_strdup_printf("%s\t%s\t%s", dm_scrub_action_name(d.action),
                                                      device, d.reason));
    }
  }
  return done();
}

/* The removal, through the scrubber the launcher and its helper use. */
static gpointer
sweep(struct xs_handle *xs, gpointer data, GError **error)
{
  Job *job = data;
  job->removed = 0;
  for (char **dir = job->dirs; *dir; dir++) {
    guint n = 0;
    if (!dm_scrub_dir(xs, job->tracker, *dir, NULL, NULL, &n, error))
      return NULL;
    job->removed += n;
  }
  /* What the look decided to remove and is still there was served (or
   * re-created) before the removal committed: it was kept. */
  for (guint i = 0; i < job->decisions->len; i++) {
    g_auto(GStrv) f = g_strsplit(job->decisions->pdata[i], "\t", 3);
    if (strcmp(f[0], dm_scrub_action_name(DM_SCRUB_REMOVE)) != 0)
      continue;
    g_autofree char *still = dm_xs_read(xs, XBT_NULL, f[1], NULL, NULL);
    if (still != NULL) {
      g_free(job->decisions->pdata[i]);
      job->decisions->pdata[i] = g_strdup_printf("%s\t%s\tserved before the removal "
                                                 "committed",
                                                 dm_scrub_action_name(DM_SCRUB_KEEP), f[1]);
    }
  }
  return done();
}

G_DEFINE_QUARK(dm - scrub - cmd - error - quark, dm_scrub_cmd_error)

/* Hands on `local` (taken), a failure of an exchange with xenstore, as
 * the command's: prefixed, and DM_SCRUB_CMD_ERROR_UNREADABLE when
 * xenstore failed or did not answer. */
static gboolean
failed(GError **error, GError *local, const char *arg, const char *what)
{
  if (g_error_matches(local, DM_ERROR, DM_ERROR_TIMEOUT) ||
      g_error_matches(local, DM_ERROR, DM_ERROR_XENSTORE)) {
    g_set_error(error, DM_SCRUB_CMD_ERROR, DM_SCRUB_CMD_ERROR_UNREADABLE, "scrub %s: %s: %s", arg,
                what, local->message);
    g_error_free(local);
  } else {
    g_propagate_prefixed_error(error, local, "scrub %s: %s: ", arg, what);
  }
  return FALSE;
}

static gboolean
exchange(DmXsExchange fn, Job *job, const char *arg, guint timeout_ms, const char *what,
         GError **error)
{
  g_autoptr(GError) local = NULL;
  if (dm_xs_job_run(fn, job, NULL, timeout_ms, &local) != NULL)
    return TRUE;
  return failed(error, g_steal_pointer(&local), arg, what);
}

/* Each removal also goes to the domain's own log, where `diagnose` tells
 * the scrub's story from.  Appended only to a log that exists and that no
 * one but root (or we) could have planted: never created, never through a
 * symlink. */
static void
log_to_domain_log(const char *log_dir, const char *name, const char *line)
{
  if (name == NULL || *name == '\0' || strchr(name, '/') || strcmp(name, "..") == 0 ||
      strcmp(name, ".") == 0)
    return;
  g_autofree char *path = g_strdup_printf("%s/qemu-dm-%s.log", log_dir, name);
  int fd = open(path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
  struct stat st;
  if (fd < 0)
    return;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_uid == 0 || st.st_uid == geteuid()))
    if (write(fd, line, strlen(line)) < 0)
      g_debug("cannot append to %s: %s", path, g_strerror(errno));
  close(fd);
}

static char *
stamp(void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc();
  char *s = g_date_time_format(now, "%H:%M:%S.%f");
  if (s && strlen(s) > 12)
    s[12] = '\0';
  return s;
}

static void
print_decisions(const Job *job, const char *name, const char *remove_word, const char *log_dir,
                guint *kept, guint *removed, gboolean really)
{
  for (guint i = 0; i < job->decisions->len; i++) {
    g_auto(GStrv) f = g_strsplit(job->decisions->pdata[i], "\t", 3);
    if (strcmp(f[0], dm_scrub_action_name(DM_SCRUB_REMOVE)) == 0) {
      printf("%s %s: %s\n", remove_word, f[1], f[2]);
      (*removed)++;
      if (really) {
        g_autofree char *t = stamp();
        g_autofree char *line = g_strdup_printf(
          DM_PROGRAM_NAME "[scrub]: %s removed stale backend %s: %s (by the scrub command, "
                          "uid %u)\n",
          t, f[1], f[2], (unsigned)getuid());
        log_to_domain_log(log_dir, name, line);
      }
    } else {
      printf("kept %s: %s\n", f[1], f[2]);
      (*kept)++;
    }
  }
}

gboolean
dm_scrub_cmd_run(const DmCli *cli, GError **error)
{
  const char *arg = cli->rest && cli->rest[0] ? cli->rest[1] : NULL;
  const char *log_dir = cli->log_dir ? cli->log_dir : DM_XEN_LOG_DIR;
  guint timeout_ms = dm_diagnose_timeout_ms(cli);
  g_autoptr(DmConfig) config = NULL;
  g_autoptr(DmDomainConfig) dc = NULL;
  guint kept = 0, removed = 0;

  if (arg == NULL || cli->rest[2] != NULL || cli->toolstack_argc > 0) {
    g_set_error(error, DM_ERROR, DM_ERROR_INVALID,
                "usage: qemu-dm-launcher scrub [--dry-run] [--timeout SECONDS] "
                "[--config FILE] [--log-dir DIR] DOMID|NAME");
    return FALSE;
  }
  dm_log_set_tag("scrub");
  config = dm_config_load(cli->config_path, error);
  if (config == NULL)
    return FALSE;

  g_autoptr(GError) local = NULL;
  g_auto(DmDiagIdentity) id = { 0 };
  if (!dm_diagnose_identify(arg, timeout_ms, &id, &local))
    return failed(error, g_steal_pointer(&local), arg, "reading the domain");
  if (!id.exists) {
    g_set_error(error, DM_ERROR, DM_ERROR_INVALID,
                "scrub %s: no domain %u (/local/domain/%u does not exist); refusing to "
                "scrub a domid that no domain holds",
                arg, id.domid, id.domid);
    return FALSE;
  }
  dc = dm_config_for_domain(config, id.name, error);
  if (dc == NULL)
    return FALSE;

  DmGuest guest = guest_of(&id);
  DmRequest req = { .flavour = DM_FLAVOUR_QEMU_XEN, .domid = id.domid, .guest = guest };
  g_autoptr(GPtrArray) paths = dm_scrub_paths(&req, dc);
  g_autofree char *classes = dc->scrub ? g_strjoinv(";", dc->scrub) : g_strdup("");
  g_autofree char *shown = id.name ? dm_quote_for_message(id.name) : g_strdup("no name");
  guint grace = MIN(dc->scrub_grace_ms, MAX_WAIT_MS);
  printf("%sscrub of domain %u (%s), %s guest: scrub-mode %s, classes %s, grace %u ms%s\n",
         cli->dry_run ? "dry run: " : "", id.domid, shown,
         dm_guest_name(guest) ? dm_guest_name(guest) : "unknown",
         dm_scrub_mode_name(dc->scrub_mode), *classes ? classes : "(none)", grace,
         grace < dc->scrub_grace_ms ? " (scrub-grace-ms, capped for a command)" : "");
  if (paths->len == 0) {
    printf("nothing to scrub: the policy scrubs %s (scrub-guests), and this is a%s %s guest\n",
           dc->scrub_hvm && dc->scrub_pv ? "hvm and pv guests"
           : dc->scrub_hvm               ? "hvm guests only"
           : dc->scrub_pv                ? "pv guests only"
                                         : "no guests",
           guest == DM_GUEST_UNKNOWN ? "n" : "",
           dm_guest_name(guest) ? dm_guest_name(guest) : "unknown");
    return fflush(stdout) == 0;
  }
  Job *job = dm_xs_job_new(Job, job_clear);
  job->decisions = g_ptr_array_new_with_free_func(g_free);
  job->dirs = g_new0(char *, paths->len + 1);
  for (guint i = 0; i < paths->len; i++)
    job->dirs[i] = g_strdup(paths->pdata[i]);
  job->tracker = dm_scrub_tracker_new(dc->scrub_mode, grace);

  /* First look, then wait out the grace, then decide again. */
  gboolean ok = exchange(look, job, arg, timeout_ms, "reading the backends", error);
  gint64 deadline = ok ? dm_scrub_tracker_next_deadline(job->tracker) : G_MAXINT64;
  if (ok && deadline != G_MAXINT64) {
    gint64 wait = deadline - dm_scrub_now_ms();
    printf("waiting %" G_GINT64_FORMAT " ms to see that nothing serves the stale ones\n",
           MAX(wait, 0));
    fflush(stdout);
    if (wait > 0)
      g_usleep((gulong)wait * 1000);
  }
  ok = ok && exchange(look, job, arg, timeout_ms, "reading the backends again", error);
  if (ok && !cli->dry_run) {
    /* dm_scrub_dir decides once more inside its transaction and logs each
     * removal (to stderr, the command's log); what it removed is what the
     * look just before decided, unless a server got there first. */
    ok = exchange(sweep, job, arg, timeout_ms, "removing", error);
  }
  if (!ok) {
    dm_xs_job_unref(job);
    return FALSE;
  }
  print_decisions(job, id.name, cli->dry_run ? "would remove" : "removed", log_dir, &kept, &removed,
                  !cli->dry_run);
  printf("%s domain %u: %s %u, kept %u\n", cli->dry_run ? "dry run of" : "scrubbed", id.domid,
         cli->dry_run ? "would remove" : "removed", removed, kept);
  dm_xs_job_unref(job);
  return dm_print_stdout(NULL, "report", error);
}
