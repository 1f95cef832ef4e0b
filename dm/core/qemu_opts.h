/* qemu's command line, read and written in one place: option names and
 * their arity, the disk options, and the option strings that follow them
 * ("file=/a,,b.img,format=raw,if=ide").  The launcher checks what qemu
 * will open and where it will listen by reading these strings; that check
 * means something only if it reads them as qemu does, so no other file
 * splits one.
 *
 * qemu's rules (util/qemu-option.c, get_opt_value and get_opt_name_value):
 * a single ',' ends an element and ",," is a literal comma inside one; the
 * first '=' of an element ends its key; an element without '=' is a flag
 * ("password" is password=on), except a first element where the option
 * has an implied key ("xenfv" in "-machine xenfv,accel=xen").
 *
 * Where this reading is simpler than qemu's (neither matters to a value
 * the launcher writes, which is escaped and has a plain key):
 * - qemu ends a key at any ',' (strcspn(params, "=,")), so "a,,b=1",
 *   unless it is an implied first element, is to qemu the flags "a" and
 *   "" and then b=1; here it is one element whose key is "a,b".
 * - qemu takes the last of a repeated key; dm_qemu_opt_get the first.
 *   Callers that replace a key drop every element that sets it. */
#pragma once
#include <glib.h>

/* Strips one or two leading dashes: "--vnc" and "-vnc" give "vnc".  Returns
 * NULL for a non-option (a positional argument). */
const char *dm_option_name(const char *arg);

typedef enum {
  DM_ARITY_FLAG,    /* known to take no value */
  DM_ARITY_VALUE,   /* known to take one */
  DM_ARITY_UNKNOWN, /* not in the launcher's tables */
} DmArity;

/* What the launcher knows of a qemu option's arity ("vnc", no dashes). */
DmArity dm_option_arity(const char *option);

/* The options that name a disk image: -drive, and the legacy -hda..-hdd
 * and -cdrom that the launcher turns into -drive. */
typedef struct {
  const char *name;  /* no dashes */
  int ide_index;     /* the legacy option's IDE index, as qemu's own; -1 for -drive */
  const char *media; /* "disk" or "cdrom"; NULL for -drive */
} DmDiskOption;

/* The disk option called `option` (no dashes), or NULL. */
const DmDiskOption *dm_disk_option(const char *option);

/* Splits an option string at single commas.  Each element is kept as
 * written (",," stays doubled), so that elements can be joined back with
 * ',' into the same string.  "" gives one empty element; "a," gives "a"
 * and "". */
GPtrArray *dm_qemu_opts_split(const char *optstr);

/* One element as qemu reads it: ",," becomes ','. */
char *dm_qemu_unescape(const char *element);

/* Whether an element as written sets `key`: "key=..." or the flag "key". */
gboolean dm_qemu_opt_is(const char *element, const char *key);

/* Reads the value of key `key` out of a qemu option string such as
 * "guest=win7,debug-threads=on" or "xenfv,suppress-vmdesc=on" (where the
 * first, key-less element is returned for key == NULL).  Doubled commas are
 * unescaped.  Returns NULL if absent; a flag ("key" without '=') has no
 * value here. */
char *dm_qemu_opt_get(const char *optstr, const char *key);

/* The one escaping function for values placed inside a qemu option: every
 * path or name spliced into "-drive file=...,format=raw" or
 * "-object secret,file=..." goes through here.  It doubles commas and
 * nothing else: '=' only splits the first occurrence in an element, and
 * spaces are plain argv bytes. */
char *dm_qemu_escape(const char *value);

/* Replaces the value of secret-bearing keys ("password=", "data=" of a
 * secret object) with "***", for logs and --dry-run. */
char *dm_redact_arg(const char *arg);

/* For logs and printed plans: a value holding a newline (or any control
 * character) must not forge a second log line, which `diagnose` would
 * then read as the device model's own.  Returns `value` with '\\' as
 * "\\\\", '\n' '\r' '\t' as "\\n" "\\r" "\\t", and every other byte
 * below 0x20 and 0x7f as "\\xHH".  Other bytes pass unchanged. */
char *dm_escape_control(const char *value);
