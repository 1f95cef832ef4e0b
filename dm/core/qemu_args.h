/* Builds qemu's final argv from the toolstack's request and the domain's
 * config.  Pure: plain structs in, a GPtrArray of strings out. */
#pragma once
#include "config.h"
#include "sandbox_policy.h"
#include "toolstack_args.h"

/* Facts about the target qemu and the host that the builder needs but
 * must not discover itself (they are probed at the edges: qemu_probe.c,
 * the environment, stat). */
typedef struct {
  /* The argv[0] the toolstack gave the launcher, to hand on to qemu, or
   * NULL when it named the launcher itself (then qemu's path). */
  const char *caller_argv0;
  gboolean qemu_has_sandbox;        /* accepts the full -sandbox line */
  gboolean qemu_has_domid_restrict; /* accepts -xen-domid-restrict */
  gboolean qemu_has_runas_ids;      /* accepts -runas UID:GID (QEMU 7.1+) */
  gboolean qemu_has_chroot;         /* accepts -chroot DIR (gone in 9.0) */
  const char *display;              /* DISPLAY of our environment, or NULL */
  const char *xauthority;           /* XAUTHORITY of our environment, or NULL */
  const char *const *environ;       /* our whole environment, or NULL */
  /* Some image named on argv is a regular file (qemu writes it, so a
   * RLIMIT_FSIZE would break the guest's disk). */
  gboolean images_are_files;
  /* The options probe ran and the binary answered -version like qemu:
   * the qemu_has_* above are its answers, not mere defaults. */
  gboolean qemu_probed;
  /* The options probe did not finish (a run timed out, could not start,
   * or died of a signal): qemu_has_* are not answers, nothing was cached,
   * and `probe_error` says why. */
  gboolean qemu_unknown;
  char probe_error[256];
  /* qemu's reason for refusing the -sandbox line, as it said it ("" if it
   * did not say, or accepted it). */
  char sandbox_error[256];
  /* Set only when qemu positively said that it cannot do VNC password
   * authentication (DES): its words, e.g. "Cipher backend does not support
   * DES algorithm".  "" when it can, or when the probe could not tell. */
  char vnc_des_error[256];
  /* Likewise for VNC over TLS (GnuTLS): "TLS credentials support requires
   * GNUTLS". */
  char vnc_tls_error[256];
} DmQemuFacts;

/* Everything besides argv that the edges must do for the plan. */
typedef struct {
  GPtrArray *images;         /* image paths from disk specs: must exist */
  GPtrArray *all_images;     /* every local path qemu opens as a disk */
  char *secret_path;         /* VNC password file to write, or NULL */
  char *chroot_dir;          /* empty per-domain chroot to create, or NULL */
  char *tls_dir;             /* x509 directory to check, or NULL */
  GStrv env;                 /* qemu's environment; NULL: inherit ours */
  DmSandboxPolicy sandbox;   /* applied just before exec */
  const char *fsize_skipped; /* why RLIMIT_FSIZE is not set, or NULL */
  /* dm-restrict = true, but the toolstack restricts qemu itself: why the
   * launcher added no -runas/-chroot, for the log.  NULL otherwise. */
  const char *restrict_skipped;
  /* qemu-sandbox = auto and no -sandbox added: why, for the log. */
  char *qemu_sandbox_skipped;
  gboolean qemu_sandbox_unsupported; /* ...because qemu cannot (a warning), not
                                        because nobody asked it (unknown) */
} DmQemuSetup;

void dm_qemu_setup_clear(DmQemuSetup *setup);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(DmQemuSetup, dm_qemu_setup_clear)

/* The -sandbox line the launcher adds. */
#define DM_QEMU_SANDBOX_ARG                                                                        \
  "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny"

/* The qemu binary that serves this request. */
const char *dm_qemu_binary(const DmRequest *request, const DmDomainConfig *dc);

/* argv[0] is the caller's (facts->caller_argv0) or the qemu binary; the
 * rest is the toolstack's argv with the config's additions and rewrites.
 * argv->pdata is NULL-terminated (g_ptr_array_new_null_terminated), ready
 * for execv.  `setup` (may be NULL) receives what the edges must do
 * before exec. */
GPtrArray *dm_qemu_args_build_full(const DmRequest *request, const DmDomainConfig *dc,
                                   const DmQemuFacts *facts, DmQemuSetup *setup, GError **error);

/* The per-domain chroot: <dm-chroot-dir or run-dir/root>/<domid>. */
char *dm_qemu_chroot_dir(const DmDomainConfig *dc, guint domid);

/* The local image paths named by the toolstack's image options (-drive
 * file= and its "filename" keys, -hda..-hdd, -cdrom, -fda, -fdb,
 * -mtdblock, -sd, -pflash), before any rewrite: dm_disk_images. */
GPtrArray *dm_qemu_image_paths(const DmRequest *request);
