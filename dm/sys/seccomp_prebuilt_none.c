/* The table of a build that made no BPF at build time
 * (-DDM_PREBUILT_SECCOMP=OFF, or cross-compiling): every filter is built
 * by libseccomp when it is applied. */
#include "seccomp_prebuilt.h"

const DmPrebuiltFilter dm_seccomp_prebuilt[DM_SECCOMP_POLICY_COUNT] = { { NULL, 0 } };
