/* Finding out what the target qemu and the host offer, at the edge, so
 * that the argv builder stays pure (it takes a DmQemuFacts). */
#pragma once
#include "config.h"
#include "qemu_args.h"
#include "toolstack_args.h"

/* Asks `binary` what the launcher needs to know of it.
 *
 * `options`: which of the options the launcher may add it accepts, by
 * running "BINARY OPTION... -version" for each (qemu parses options in
 * order and exits at -version, so an unknown option or value fails
 * first), and qemu's words when it refuses -sandbox.  A binary that does
 * not answer like qemu gets no capabilities (qemu_probed FALSE).
 *
 * `vnc_des`: whether it can do VNC password authentication (DES), by
 * starting it for real with a password on a Unix-socket VNC server, a
 * -machine none guest and QMP telling it to quit (-version exits before
 * the displays open).  vnc_des_error is set only when qemu's stderr says
 * it lacks DES; any other failure is logged at debug level and taken as
 * "can".
 *
 * `vnc_tls` (and also whenever qemu has no DES, for the advice): whether
 * it has TLS (GnuTLS), the same way with x509 credentials; vnc_tls_error
 * is set only when qemu says it was built without GnuTLS.
 *
 * Every run is bounded (5 s, then its process group is killed).  Answers
 * are cached in <cache_dir>/qemu-facts.ini per binary path, keyed by its
 * mtime, size and inode; `write_cache` FALSE (a dry run) only reads the
 * cache. */
void dm_qemu_probe(const char *binary, const char *cache_dir, gboolean write_cache,
                   gboolean options, gboolean vnc_des, gboolean vnc_tls, DmQemuFacts *facts);

/* Fills `facts` for a request: the probes (upstream qemu-xen only; the
 * options when qemu-sandbox or dm-restrict may use them, VNC passwords
 * only when the request passes one to qemu; a libxl probe invocation
 * touches nothing), DISPLAY and XAUTHORITY, and whether qemu is given an
 * image file.  Strings point into the environment. */
void dm_qemu_facts_gather(const DmRequest *request, const DmDomainConfig *dc, gboolean dry_run,
                          DmQemuFacts *facts);

/* `check`: the line "QEMU emulator version ..." that BINARY -version
 * prints, or NULL when it does not answer like qemu (bounded like the
 * probes). */
char *dm_qemu_version(const char *binary);
