/* The fixed seccomp filters as BPF, made at build time by
 * tools/seccomp_gen.c from the policies in sandbox_policy.c (the
 * generated seccomp_prebuilt.c in the build tree).  A build that cannot
 * run the generator (cross-compiling, -DDM_PREBUILT_SECCOMP=OFF) has an
 * empty table, and the filters are built by libseccomp at run time. */
#pragma once
#include "sandbox_policy.h"

#include <linux/filter.h>

typedef struct {
  const struct sock_filter *insns; /* NULL: none made at build time */
  unsigned short len;
} DmPrebuiltFilter;

/* Indexed by DmSeccompPolicyId. */
extern const DmPrebuiltFilter dm_seccomp_prebuilt[DM_SECCOMP_POLICY_COUNT];
