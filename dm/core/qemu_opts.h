/* qemu's command line, read and written in one place: option names and
 * their arity, the disk options, and the option strings that follow them
 * ("file=/a,,b.img,format=raw,if=ide").  The launcher checks what qemu
 * will open and where it will listen by reading these strings; that check
 * means something only if it reads them as qemu does, so no other file
 * splits one.
 *
 * qemu's rules, as util/qemu-option.c reads them (get_opt_name_value,
 * get_opt_value, opts_do_parse, qemu_opt_get):
 * - a key ends at the first '=' or ',' (strcspn(p, "=,")), so a key never
 *   holds a comma and ",," cannot escape one there: "a,,b=1" is the flag
 *   "a", the flag "" and then b=1;
 * - a value (after '=') ends at the first single ','; ",," in it is a
 *   literal comma;
 * - an element without '=' is a flag: "password" is password=on and
 *   "nopassword" is password=off;
 * - an option with an implied key (-vnc's "vnc", -name's "guest",
 *   -machine's and -display's "type", -object's "qom-type") reads a first
 *   element with no '=' before its first ',' as that key's value, which
 *   ends as a value does: "-vnc a,,b=1" is vnc="a,b=1".  -drive and
 *   -run-with have none;
 * - the string's end ends the reading: "" sets nothing, "a," only a;
 * - of a repeated key, qemu_opt_get returns the last.
 * -machine, -display and -object go through util/keyval.c instead, which
 * splits keys and values the same way and also keeps the last of a key;
 * it refuses flags and a ",," in an implied value, which the readings
 * here accept, so a string that they read differently is one qemu
 * refuses. */
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

/* Whether qemu opens a disk image named in the value of `option` (no
 * dashes): the disk options above, and -fda, -fdb, -mtdblock, -sd and
 * -pflash, whose value qemu takes, as -hda's, as a -drive's file=.  The
 * launcher rewrites disk specs only in the disk options; it reads the
 * images of all of these (dm_disk_images). */
gboolean dm_image_option(const char *option);

/* Splits an option string into its elements where qemu does (above):
 * `implied` for an option with an implied key.  Each element is kept as
 * written (",," stays doubled), so that elements can be joined back with
 * ',' into the same string.  "" gives one empty element; "a," gives "a"
 * and "" (neither empty element is one qemu reads).  An empty element
 * anywhere else is one qemu reads, as a flag with an empty name. */
GPtrArray *dm_qemu_opts_split(const char *optstr, gboolean implied);

/* qemu-xen-traditional (qemu-dm) reads -vnc its own way (vnc.c,
 * vnc_display_open): the display runs to the first ',' and every ','
 * starts an option; there is no ",," escape.  Splits at every ',', so
 * "" gives one empty element, and joined with ',' the elements are the
 * string. */
GPtrArray *dm_qemu_dm_vnc_split(const char *value);

/* Whether qemu reads the first element of a split (as written) as the
 * implied key's value, for an option that has one: it has no '=' before
 * its first ','. */
gboolean dm_qemu_opt_implied(const char *first);

/* One element as qemu reads it: ",," becomes ','. */
char *dm_qemu_unescape(const char *element);

/* The key qemu reads from one element of a split (as written, and not
 * an implied first one), and in *value its value: "k=v" gives k and v
 * unescaped, the flag "k" k and "on", the flag "nok" k and "off". */
char *dm_qemu_opt_key(const char *element, char **value);

/* Whether an element of a split (as written, and not an implied first
 * one) sets `key` for qemu: "key=...", the flag "key", or the flag
 * "nokey" (key=off). */
gboolean dm_qemu_opt_is(const char *element, const char *key);

/* The value qemu uses for `key` in an option string whose option has the
 * implied key `implied_key` (NULL for none): that of the last element
 * that sets it, unescaped; "on" or "off" for a flag; NULL if none does.
 * "-vnc 127.0.0.1:0,vnc=0.0.0.0:0" listens on 0.0.0.0:0. */
char *dm_qemu_opt_get_implied(const char *optstr, const char *implied_key, const char *key);

/* The same for an option with no implied key ("-drive file=/a,file=/b"
 * opens /b).  key == NULL gives instead the first element's value when
 * qemu would read it as an implied key's ("xenfv" of
 * "xenfv,suppress-vmdesc=on"; NULL for "type=pc" and for ""). */
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
