/* Logging: every line starts with the program's name and an ISO-8601
 * timestamp, and holds one event: control characters in a message are
 * escaped, so no value can start a line of its own.  The toolstack sends
 * the device model's stderr to /var/log/xen/qemu-dm-NAME.log, so that is
 * where the launcher (and, after the exec, its helper) writes. */
#pragma once
#include <glib.h>

/* Installs the GLib log writer.  `verbose` shows debug messages. */
void dm_log_init(gboolean verbose);

/* Adds a tag after the program name, e.g. "helper 1234" gives
 * "qemu-dm-launcher[helper 1234]: ...". */
void dm_log_set_tag(const char *tag);

/* Also copies every line to syslog (tag qemu-dm-launcher, facility daemon),
 * for hosts whose toolstack discards the device model's stderr. */
void dm_log_use_syslog(gboolean on);

/* After closing every fd (the helper): opens syslog's socket again, at
 * once, if syslog is on. */
void dm_log_reopen_syslog(void);

/* Sends one line to syslog only (the launch's first line, logged to stderr
 * before the config said where else to log). */
void dm_log_to_syslog_only(const char *message);

/* Writes `text` (may be NULL) to stdout and flushes it: a report or plan
 * a person or script reads.  A failed write (a closed pipe, a full disk)
 * is an error "cannot write the WHAT: REASON", not a silent success. */
gboolean dm_print_stdout(const char *text, const char *what, GError **error);

/* Keeps the lines logged from now on (at most a few dozen) and writes
 * them with one write when dm_log_release is called: the argv dump
 * before the exec, one line per item, was a write each.  A warning or an
 * error releases at once.  Hold signals around it (dm_signals_hold), so
 * that a signal cannot end the process with lines still kept. */
void dm_log_hold(void);
void dm_log_release(void);

/* Now, in the log's time zone (looked up once by dm_log_init). */
GDateTime *dm_log_now(void);

/* ISO-8601 with milliseconds and the UTC offset:
 * "2026-12-06T02:10:11.123+00:00". */
char *dm_log_timestamp(GDateTime *when);

/* Prints an error the way main reports one: "qemu-dm-launcher: MESSAGE". */
void dm_log_error(const GError *error);
