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

/* The argv is walked with dm_option_name and dm_option_arity. */
#include "qemu_opts.h"

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
  guint domid; /* 0 for a probe, which carries none */
  char *name;  /* from -name / -domain-name; NULL if absent */
  DmGuest guest;
  char *machine;      /* machine type (xenfv, xenpv, pc-0.10, none); NULL if absent */
  GPtrArray *args;    /* every toolstack argument, owned, in order */
  int vnc_index;      /* index in args of the -vnc option, -1 if none */
  gboolean vncunused; /* traditional -vncunused */
  gboolean sdl;       /* -sdl, or -display sdl */
  int display_index;  /* index in args of the -display option, -1 if none */
  int sandbox_index;  /* index in args of the -sandbox option, -1 if none */
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
