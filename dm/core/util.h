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
