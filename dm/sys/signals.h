/* Signals between the launch's first side effect and the exec.
 *
 * SIGHUP is how libxl stops a device model (libxl__kill_xs_path, on
 * `xl destroy` or a failed domain creation), SIGTERM how an admin or a
 * service manager does, SIGINT a terminal.  After the exec they are
 * qemu's.  Before it, the launcher may have started things for a qemu
 * that will now never run: the detached scrub helper and the VNC secret
 * file.  The handler undoes both with async-signal-safe calls (SIGKILL to
 * the helper: xenstored then discards its open transaction, so a class is
 * scrubbed completely or not at all; unlink of the file), logs one line,
 * and dies of the same signal, so the toolstack sees what it would have
 * seen from qemu. */
#pragma once
#include <glib.h>
#include <signal.h>
#include <sys/types.h>

/* Installs the handler for SIGTERM, SIGHUP and SIGINT in this process. */
void dm_signals_install(guint domid);

/* Holds the three signals (blocks them) while a child is forked and
 * recorded, or the secret file is written, so that no signal falls
 * between the two; release delivers any that came meanwhile. */
void dm_signals_hold(sigset_t *saved);
void dm_signals_release(const sigset_t *saved);

/* What the handler undoes.  Call while the signals are held. */
void dm_signals_track_helper(pid_t pid);
void dm_signals_track_secret(const char *path);

/* The qemu probe running now (dm/sys/qemu_probe.c), before any of the above:
 * its process group (0: none), killed with SIGKILL, and its private
 * directory with the one name in it that qemu may have made (NULL:
 * none), removed.  The launcher's reply to the toolstack's SIGHUP then
 * leaves no probe qemu running and no directory behind. */
void dm_signals_track_probe(pid_t pgid);
void dm_signals_track_probe_dir(const char *dir, const char *inside);

/* First thing in a forked child that does not exec (helper, reaper):
 * default dispositions, nothing held; it is not the launcher. */
void dm_signals_child(void);
