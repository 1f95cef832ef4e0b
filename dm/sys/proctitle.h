/* The process title a person sees in ps and pgrep -f.  The scrub helper
 * is a fork of the launcher, so /proc/PID/cmdline would show the
 * toolstack's whole argv: `pgrep -f "xen-domid 12"` would then find it
 * as well as qemu.  The helper rewrites its title instead. */
#pragma once
#include <glib.h>

/* Remembers where argv's strings lie (call first thing in main). */
void dm_proctitle_init(int argc, char **argv);

/* The title for the scrub helper of a domain:
 * "qemu-dm-launcher: scrub helper for domain 12 (win10)".  Pure. */
char *dm_proctitle_for_helper(guint domid, const char *name);

/* Overwrites argv's strings with TITLE (cut to fit, the rest zeroed),
 * and sets the thread name (comm, 15 bytes) to "dm-scrub-helper". */
void dm_proctitle_set(const char *title);

/* Both, for the helper: one call, before its sandbox. */
void dm_proctitle_set_helper(guint domid, const char *name);
