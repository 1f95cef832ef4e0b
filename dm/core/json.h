/* A small JSON writer for --dry-run and diagnose --json.  It only writes:
 * nothing in the launcher parses JSON.  Kept here rather than taken from
 * json-glib because json-glib pulls GIO and six more shared libraries into
 * every guest's boot path (see docs/packaging.md, "Why the launcher links as it
 * does").  Pure. */
#pragma once

#include <glib.h>

typedef struct DmJson DmJson;

DmJson *dm_json_new(gboolean pretty);
void dm_json_free(DmJson *json);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DmJson, dm_json_free)

void dm_json_begin_object(DmJson *json);
void dm_json_end_object(DmJson *json);
void dm_json_begin_array(DmJson *json);
void dm_json_end_array(DmJson *json);
/* Inside an object: the next value's name. */
void dm_json_member(DmJson *json, const char *name);
/* Bytes that are not UTF-8 (a Latin-1 path from a toolstack) are written
 * as U+FFFD, so that the output always parses. NULL writes null. */
void dm_json_string(DmJson *json, const char *value);
void dm_json_int(DmJson *json, gint64 value);
void dm_json_bool(DmJson *json, gboolean value);
void dm_json_null(DmJson *json);

/* A member and its value in one call. NULL writes null; so does an int
 * that is not present. */
void dm_json_member_string(DmJson *json, const char *name, const char *value);
void dm_json_member_int(DmJson *json, const char *name, gint64 value, gboolean present);
void dm_json_member_bool(DmJson *json, const char *name, gboolean value);

/* The text (no trailing newline); the writer is spent. */
char *dm_json_finish(DmJson *json);
