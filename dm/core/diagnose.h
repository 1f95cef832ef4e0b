/* `qemu-dm-launcher diagnose`: what is this domain waiting for?
 *
 * Pure code.  The reader (diagnose_read.c) takes a snapshot of the
 * domain's xenstore nodes, of the processes involved, of the device
 * model's log and of the hypervisor's view; dm_diagnose_analyse() turns
 * that plain data into a report: every device with its frontend and
 * backend states, the pairs that are stuck, and what the launcher's scrub
 * policy would do with each.  Nothing here touches xenstore, files or the
 * process, so every hang layout can be unit-tested from a table of nodes. */
#pragma once
#include "config.h"
#include "diagnose_snapshot.h"
#include "toolstack_args.h"

#include <glib.h>

/* Why a device pair is stuck; a device may have several. */
typedef enum {
  DM_STUCK_BACKEND_INITIALISING = 1 << 0, /* frontend waits; backend in state 0/1/none */
  DM_STUCK_DANGLING_BACKEND = 1 << 1,     /* frontend's backend link names a missing node */
  DM_STUCK_NO_BACKEND = 1 << 2,           /* frontend has no backend link at all */
  DM_STUCK_NO_FRONTEND = 1 << 3,          /* backend whose frontend is missing */
  DM_STUCK_INVALID_BACKEND_LINK = 1 << 4, /* the guest wrote a backend link that is no path */
} DmStuckFlags;
#define DM_STUCK_LAST DM_STUCK_INVALID_BACKEND_LINK

/* Short machine names of the flags, for JSON: "backend-initialising", ... */
const char *dm_stuck_flag_name(DmStuckFlags flag);

typedef struct {
  char *cls; /* console, vfb, vbd, vif, ... */
  char *devid;
  char *fe_path; /* NULL: no frontend found */
  int fe_state;
  char *be_path; /* the backend's path, or the frontend's link */
  gboolean be_exists;
  int be_state;
  int be_domid;   /* -1: unknown */
  guint stuck;    /* DmStuckFlags */
  char *problem;  /* one sentence for an admin; NULL if fine */
  char *note;     /* why an odd-looking pair is fine; NULL if none */
  gboolean scrub; /* the launcher's scrub policy would remove the backend */
  char *scrub_why;
  /* Which values came from nodes the guest can write (its frontend
   * directory): data to report, never to trust. */
  gboolean fe_state_from_guest;
  gboolean be_link_from_guest;
} DmDiagDevice;

/* What to do about one finding: the exact commands, and why. */
typedef struct {
  char *finding;       /* the finding it answers */
  char *text;          /* what to do and why, one or two sentences */
  GPtrArray *commands; /* char *: commands to run, in order */
} DmDiagAdvice;

/* A backend removal as the log recorded it. */
typedef struct {
  char *time; /* the log line's time of day (UTC) */
  char *path;
  char *reason;
  char *by; /* "launcher", "helper PID" or "scrub command" */
} DmDiagRemoval;

/* The scrub's own story, from the domain's log and /proc. */
typedef struct {
  int launched; /* 1: the log's first line is the launcher's; 0: it is not; -1: no log */
  char *first_line;
  int helper_logged_pid; /* "started scrub helper, pid N"; 0 if none */
  char *helper_started;  /* time of that line */
  char *no_helper_why;   /* "no scrub helper: ..." */
  GPtrArray *removals;   /* DmDiagRemoval * */
  char *stopped_at;      /* when the helper stopped watching; NULL if it did not */
  char *stopped_why;     /* "window-ended", "domain-released", "error" */
  char *stopped_line;    /* the log line saying so */
  GPtrArray *impostors;  /* char *: launcher-binary processes for this domain that
                          * are not its helper, and why not */
} DmDiagStory;

typedef struct {
  guint domid;
  char *name; /* NULL if xenstore has none */
  DmGuest guest;
  char *guest_source; /* where the guest type came from */

  char *domain_state;  /* running, blocked, paused, shutdown (...), dying, unknown */
  char *domain_source; /* "libxenctrl" or "xenstore" */
  char *domain_note;   /* e.g. why the hypervisor could not be asked */

  char *dm_state; /* device-model/<domid>/state; NULL if absent */
  int dm_pid;     /* 0: none recorded */
  gboolean dm_alive;
  gboolean dm_is_qemu; /* alive and running a configured qemu binary */
  char *dm_exe;
  int dm_stubdom; /* image/device-model-domid, -1 if none */
  char *dm_note;  /* one sentence */

  GArray *helper_pids; /* int: this domain's scrub helper, verified (uid, domain,
                        * xenstored, and the pid the launcher logged) */
  DmDiagStory story;
  GPtrArray *advice;     /* DmDiagAdvice *, one per finding that has any */
  char *partial;         /* xenstored did not answer: the report is partial */
  GPtrArray *xenstoreds; /* char *: one line per xenstored process */
  char *worst;           /* the most important finding, for `--all`; NULL if none */
  char *walk_note;

  char *log_path;
  GPtrArray *log_errors; /* char *: last lines holding an error, oldest first */
  char *log_note;

  GPtrArray *devices;  /* DmDiagDevice * */
  GPtrArray *findings; /* char *: what is wrong, in order of importance */
  gboolean stuck;      /* something is stuck: exit 1 */
} DmDiagReport;

void dm_diag_report_free(DmDiagReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DmDiagReport, dm_diag_report_free)

/* The analysis.  `config` is the launcher's real config for this domain. */
DmDiagReport *dm_diagnose_analyse(const DmDiagSnapshot *snap, const DmDomainConfig *config);

/* The last `max` lines of a qemu-dm log that hold an error, oldest first. */
GPtrArray *dm_diagnose_error_lines(const char *text, guint max);

/* The domain a device model's or helper's argv serves (argv[0] included;
 * the launcher's own options before "--" are skipped); 0 if none. */
guint dm_diagnose_argv_domid(const char *const *argv, DmGuest *guest);
