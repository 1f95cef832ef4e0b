/* Builds qemu's final argv from the toolstack's request and the domain's
 * config.  Pure: plain structs in, a GPtrArray of strings out. */
#pragma once
#include "config.h"
#include "toolstack_args.h"

/* Facts about the target qemu and the host that the builder needs but
 * must not discover itself (they are probed at the edges). */
typedef struct {
  gboolean qemu_has_sandbox; /* qemu accepts -sandbox (built with seccomp) */
} DmQemuFacts;

/* The qemu binary that serves this request. */
const char *dm_qemu_binary(const DmRequest *request, const DmDomainConfig *dc);

/* argv[0] is the qemu binary; the rest is the toolstack's argv with the
 * config's additions and rewrites.  argv->pdata is NULL-terminated
 * (g_ptr_array_new_null_terminated), ready for execv. */
GPtrArray *dm_qemu_args_build(const DmRequest *request, const DmDomainConfig *dc,
                              const DmQemuFacts *facts, GError **error);
