/* The snapshot `diagnose` analyses: every xenstore node it read, the
 * processes, the log and the hypervisor's view, as plain data.  The reader
 * (dm/sys/diagnose_read.c) fills it; the analysis (diagnose.c) only looks
 * things up in it: a node's value, whether it exists, its children, and
 * what a xenbus state number means.  Pure code. */
#pragma once
#include <glib.h>

/* XenbusState (xen/include/public/io/xenbus.h). */
typedef enum {
  DM_XB_UNKNOWN = 0,
  DM_XB_INITIALISING = 1,
  DM_XB_INITWAIT = 2,
  DM_XB_INITIALISED = 3,
  DM_XB_CONNECTED = 4,
  DM_XB_CLOSING = 5,
  DM_XB_CLOSED = 6,
  DM_XB_RECONFIGURING = 7,
  DM_XB_RECONFIGURED = 8,
} DmXbState;

/* A `state` node that is absent, or present but not a number. */
#define DM_STATE_MISSING (-1)
#define DM_STATE_INVALID (-2)

/* Parses a state node's value (NULL: absent). */
int dm_diag_state_parse(const char *value);
/* "Initialising", ..., "Reconfigured"; "missing", or "invalid" (not a
 * number, or out of range). */
const char *dm_diag_state_name(int state);

/* One process as /proc showed it. */
typedef struct {
  int pid;
  int ppid;
  char state; /* /proc/PID/stat state letter; 0 if the process is gone */
  char *exe;  /* /proc/PID/exe, " (deleted)" stripped; NULL if unreadable */
  GStrv argv; /* /proc/PID/cmdline; NULL if unreadable */
  gint64 uid; /* real uid from /proc/PID/status; -1 if unreadable */
  /* The xenstored it talks to: XENSTORED_PATH from /proc/PID/environ ("" if
   * unset: the default socket); NULL if the environment is unreadable. */
  char *xenstored;
} DmProcInfo;

DmProcInfo *dm_proc_info_new(int pid);
void dm_proc_info_free(DmProcInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DmProcInfo, dm_proc_info_free)

/* What libxenctrl said about the domain. */
typedef struct {
  gboolean queried; /* the hypervisor answered */
  char *why_not;    /* why it could not be asked (no hypervisor here) */
  gboolean exists;
  gboolean dying, crashed, shutdown, paused, blocked, running, hvm;
  guint shutdown_reason;
} DmHvFacts;

/* Everything diagnose looked at, as plain data. */
typedef struct {
  guint domid;
  GHashTable *nodes;    /* xenstore path -> value, every node read */
  DmProcInfo *dm;       /* image/device-model-pid's process; NULL if none recorded */
  GPtrArray *launchers; /* DmProcInfo *: other processes running the launcher binary */
  GStrv qemu_paths;     /* configured qemu binaries, symlinks resolved */
  char *launcher_exe;   /* the launcher binary (our own /proc/self/exe) */
  char *log_path;       /* NULL: no usable name to derive it from */
  char *log_text;       /* the log's last bytes; NULL if unread */
  char *log_why;        /* why it was not read */
  char *log_head;       /* the log's first bytes (who started the guest) */
  gboolean log_trusted; /* owned by root, writable by no one else */
  DmHvFacts hv;
  /* For telling this domain's scrub helper from a look-alike: the uid the
   * launcher's helper runs as (-1: unknown) and the xenstored we asked
   * (XENSTORED_PATH, "" for the default socket). */
  gint64 helper_uid;
  char *xenstored;
  /* Set when xenstored did not answer in time: the nodes are what was
   * read before it stopped, `partial` says so. */
  char *partial;
  GPtrArray *xenstoreds; /* DmProcInfo *: the xenstored processes found */
  char *walk_note;       /* the guest's tree was too big to read whole */
} DmDiagSnapshot;

DmDiagSnapshot *dm_diag_snapshot_new(guint domid);
void dm_diag_snapshot_free(DmDiagSnapshot *snap);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DmDiagSnapshot, dm_diag_snapshot_free)
/* Untrusted text (a guest writes below its own /local/domain/<domid>,
 * qemu writes the log) made safe for a terminal: valid UTF-8, and every
 * character that a terminal acts on or that reorders what follows it
 * replaced by '?': C0 and DEL, the C1 controls U+0080-U+009F (U+009B is a
 * one-character CSI, U+009D an OSC on terminals that take 8-bit
 * controls), and the bidi marks, embeddings, overrides and isolates
 * (U+200E-U+200F, U+202A-U+202E, U+2066-U+2069, U+061C) of "Trojan
 * Source" (CVE-2021-42574).  Applied on output: the report keeps the
 * value as read, and JSON escapes it instead. */
char *dm_diag_printable(const char *text);
/* The same, one line at most `max` characters long ("..." marks a cut). */
char *dm_diag_printable_cut(const char *text, guint max);

/* Records one node (copies the path, and the value as valid UTF-8). */
void dm_diag_snapshot_set(DmDiagSnapshot *snap, const char *path, const char *value);
/* The names of a node's children, sorted (numbers numerically). */
GPtrArray *dm_diag_snapshot_children(const DmDiagSnapshot *snap, const char *path);

/* Whether `path` is one xenstored accepts: absolute, only the characters
 * of xenstore's path grammar, no empty component, not too long. */
gboolean dm_diag_valid_path(const char *path);

/* Lookups.  A node's value as read (NULL: not read, or absent). */
const char *dm_diag_node(const DmDiagSnapshot *snap, const char *path);
const char *dm_diag_nodef(const DmDiagSnapshot *snap, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* A node exists if it was read, or if anything below it was. */
gboolean dm_diag_exists(const DmDiagSnapshot *snap, const char *path);
/* Devids and domids compare as numbers (2 before 10), anything else by name. */
int dm_diag_compare_names(const char *a, const char *b);
/* Records every node of `from` in `to`. */
void dm_diag_snapshot_copy_nodes(DmDiagSnapshot *to, const DmDiagSnapshot *from);
