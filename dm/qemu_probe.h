/* Finding out what the target qemu and the host offer, at the edge, so
 * that the argv builder stays pure (it takes a DmQemuFacts). */
#pragma once
#include "config.h"
#include "qemu_args.h"
#include "toolstack_args.h"

/* Asks `binary` which of the options the launcher may add it accepts, by
 * running "BINARY OPTION... -version" for each (qemu parses options in
 * order and exits at -version, so an unknown option or value fails
 * first).  Results are cached in <cache_dir>/qemu-facts.ini per binary
 * path, keyed by its mtime, size and inode; `write_cache` FALSE (a dry
 * run) only reads the cache.  A binary that does not answer like qemu
 * gets no capabilities. */
void dm_qemu_probe(const char *binary, const char *cache_dir, gboolean write_cache,
                   DmQemuFacts *facts);

/* Fills `facts` for a request: the probe (upstream qemu-xen only; a
 * libxl probe invocation touches nothing), DISPLAY and XAUTHORITY, and
 * whether qemu is given an image file.  Strings point into the
 * environment. */
void dm_qemu_facts_gather(const DmRequest *request, const DmDomainConfig *dc,
                          gboolean dry_run, DmQemuFacts *facts);
