/* Small pure helpers shared by the parsers: value checks and error domain. */
#pragma once
#include <glib.h>

#define DM_ERROR (dm_error_quark())
GQuark dm_error_quark(void);

typedef enum {
  DM_ERROR_INVALID,  /* bad input from the toolstack or the admin: exit 2 */
  DM_ERROR_CONFIG,   /* bad config file: exit 2 */
  DM_ERROR_EXEC,     /* qemu missing or exec failed: exit 127 */
  DM_ERROR_XENSTORE, /* xenstore unreachable or failed */
  DM_ERROR_SYSTEM,   /* any other system call failure */
  DM_ERROR_TIMEOUT,  /* xenstored did not answer in time (xenstore-timeout-ms) */
} DmErrorCode;

/* Xen reserves domids from DOMID_FIRST_RESERVED (0x7FF0) upwards. */
#define DM_DOMID_MAX 32751u
#define DM_NAME_MAX 255

/* Parses a domid: plain decimal digits, no sign, no leading zero,
 * 1..DM_DOMID_MAX.  Anything else is refused before it can reach a path. */
gboolean dm_parse_domid(const char *text, guint *domid, GError **error);

/* A domain name: valid UTF-8, 1..DM_NAME_MAX bytes, no control characters. */
gboolean dm_check_name(const char *name, GError **error);

/* Parses an unsigned decimal with an upper bound. */
gboolean dm_parse_uint(const char *text, guint64 max, guint64 *out);

/* A printable, bounded rendering of untrusted text for error messages. */
char *dm_quote_for_message(const char *text);

/* For logs and printed plans: a value holding a newline (or any control
 * character) must not forge a second log line, which `diagnose` would
 * then read as the device model's own.  Returns `value` with '\\' as
 * "\\\\", '\n' '\r' '\t' as "\\n" "\\r" "\\t", and every other byte
 * below 0x20 and 0x7f as "\\xHH".  Other bytes pass unchanged. */
char *dm_escape_control(const char *value);

/* The same without escaping '\\': for the log writer, whose messages
 * often hold values dm_escape_control already escaped (a second pass
 * would double their backslashes).  A control character still cannot
 * start a line. */
char *dm_escape_control_chars(const char *value);
