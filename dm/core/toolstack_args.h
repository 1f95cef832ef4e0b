/* The toolstack's argv: what xend or libxl asked qemu to do.
 *
 * Pure code.  It reads the argv given to the device model (without argv[0]),
 * tells the qemu-xen-traditional flavour (-d N) from upstream qemu-xen
 * (-xen-domid N) and from libxl's capability probe (-machine none, no
 * domid), and checks every value it interprets.  Every argument is kept,
 * verbatim and in order, in `args`: the toolstack is the authority on qemu's
 * options, and the builder passes through whatever it does not rewrite. */
#pragma once
#include <glib.h>

typedef enum {
  DM_FLAVOUR_QEMU_XEN,
  DM_FLAVOUR_TRADITIONAL,
  DM_FLAVOUR_PROBE,
} DmFlavour;

typedef enum {
  DM_GUEST_UNKNOWN,
  DM_GUEST_HVM,
  DM_GUEST_PV,
} DmGuest;

typedef struct {
  DmFlavour flavour;
  guint domid;         /* 0 for a probe, which carries none */
  char *name;          /* from -name / -domain-name; NULL if absent */
  DmGuest guest;
  char *machine;       /* machine type (xenfv, xenpv, pc-0.10, none); NULL if absent */
  GPtrArray *args;     /* every toolstack argument, owned, in order */
  int vnc_index;       /* index in args of the -vnc option, -1 if none */
  gboolean vncunused;  /* traditional -vncunused */
  gboolean sdl;        /* -sdl, or -display sdl */
  int display_index;   /* index in args of the -display option, -1 if none */
  int sandbox_index;   /* index in args of the -sandbox option, -1 if none */
  /* The toolstack drops qemu's ids itself: -runas, or -run-with user=
   * (libxl's dm_restrict and device_model_user, XenServer's wrapper). */
  gboolean drops_privileges;
  /* ...or restricts it in any way the launcher's dm-restrict would:
   * -runas, -chroot, -run-with user=/chroot=, -xen-domid-restrict. */
  gboolean own_restrict;
  /* A probe that only asks qemu about itself (-version, -help, -machine
   * help), not libxl's -machine none probe. */
  gboolean info;
  gboolean traditional_info; /* ...in words only qemu-dm knows */
} DmRequest;

const char *dm_flavour_name(DmFlavour flavour);
const char *dm_guest_name(DmGuest guest); /* NULL for unknown */

/* Parses argc/argv (the toolstack's arguments, argv[0] excluded). */
DmRequest *dm_request_parse(int argc, char *const argv[], GError **error);
void dm_request_free(DmRequest *request);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DmRequest, dm_request_free)

typedef enum {
  DM_ARITY_FLAG,    /* known to take no value */
  DM_ARITY_VALUE,   /* known to take one */
  DM_ARITY_UNKNOWN, /* not in the launcher's tables */
} DmArity;

/* What the launcher knows of a qemu option's arity ("vnc", no dashes). */
DmArity dm_option_arity(const char *option);

/* Whether a qemu option takes a value.  `option` has its leading dashes
 * removed ("vnc", "nographic").  Unknown options are assumed to take one,
 * as almost every qemu option does. */
gboolean dm_option_takes_value(const char *option);

/* Strips one or two leading dashes: "--vnc" and "-vnc" give "vnc".  Returns
 * NULL for a non-option (a positional argument). */
const char *dm_option_name(const char *arg);

/* Reads the value of key `key` out of a qemu option string such as
 * "guest=win7,debug-threads=on" or "xenfv,suppress-vmdesc=on" (where the
 * first, key-less element is returned for key == NULL).  Doubled commas are
 * unescaped.  Returns NULL if absent. */
char *dm_qemu_opt_get(const char *optstr, const char *key);
