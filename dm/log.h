/* Logging: every line starts with the program's name.  The toolstack sends
 * the device model's stderr to /var/log/xen/qemu-dm-NAME.log, so that is
 * where the launcher (and, after the exec, its helper) writes. */
#pragma once
#include <glib.h>

/* Installs the GLib log writer.  `verbose` shows debug messages. */
void dm_log_init(gboolean verbose);

/* Adds a tag after the program name, e.g. "helper 1234" gives
 * "qemu-dm-launcher[helper 1234]: ...". */
void dm_log_set_tag(const char *tag);

/* Prints an error the way main reports one: "qemu-dm-launcher: MESSAGE". */
void dm_log_error(const GError *error);
