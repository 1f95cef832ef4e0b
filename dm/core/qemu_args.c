#include "qemu_args.h"
#include "disk.h"
#include "qemu_opts.h"
#include "util.h"
#include "vnc.h"

#include <string.h>

const char *
dm_qemu_binary(const DmRequest *request, const DmDomainConfig *dc)
{
  gboolean traditional = request->flavour == DM_FLAVOUR_TRADITIONAL ||
                         (request->flavour == DM_FLAVOUR_PROBE && request->traditional_info);
  return traditional ? dc->qemu_xen_traditional : dc->qemu_xen;
}

void
dm_qemu_setup_clear(DmQemuSetup *setup)
{
  g_clear_pointer(&setup->images, g_ptr_array_unref);
  g_clear_pointer(&setup->all_images, g_ptr_array_unref);
  g_clear_pointer(&setup->secret_path, g_free);
  g_clear_pointer(&setup->chroot_dir, g_free);
  g_clear_pointer(&setup->tls_dir, g_free);
  g_clear_pointer(&setup->env, g_strfreev);
  g_clear_pointer(&setup->qemu_sandbox_skipped, g_free);
}

char *
dm_qemu_chroot_dir(const DmDomainConfig *dc, guint domid)
{
  g_autofree char *id = g_strdup_printf("%u", domid);
  if (dc->dm_chroot_dir)
    return g_build_filename(dc->dm_chroot_dir, id, NULL);
  return g_build_filename(dc->run_dir, "root", id, NULL);
}

GPtrArray *
dm_qemu_image_paths(const DmRequest *request)
{
  GPtrArray *paths = g_ptr_array_new_with_free_func(g_free);

  /* dm_request_parse refused any image option whose images
   * dm_disk_images cannot name, and -blockdev: what it names here is
   * every local file qemu opens as a disk. */
  for (guint i = 0; i + 1 < request->args->len; i++) {
    const char *name = dm_option_name(g_ptr_array_index(request->args, i));

    if (name == NULL || !dm_image_option(name))
      continue;
    dm_disk_images(name, g_ptr_array_index(request->args, i + 1), paths, NULL);
    i++;
  }
  return paths;
}

/* SDL needs an X display: with none, qemu would die later with an SDL
 * error in a log nobody reads.  Refuse now, and hand qemu only what SDL
 * needs of a root environment, and the toolstack's XEN_* variables. */
static gboolean
sdl_setup(const DmRequest *request, const DmDomainConfig *dc, const DmQemuFacts *facts,
          GPtrArray *argv, DmQemuSetup *setup, GError **error)
{
  g_autoptr(GPtrArray) env = NULL;

  if (!request->sdl && !dc->sdl)
    return TRUE;
  if (facts->display == NULL || *facts->display == '\0') {
    g_set_error(error, DM_ERROR, DM_ERROR_INVALID,
                "SDL display asked for (%s) but DISPLAY is not set in the launcher's "
                "environment, so qemu could not open a window; give the toolstack a "
                "DISPLAY (and XAUTHORITY), or use VNC",
                request->sdl ? "the toolstack's -sdl / -display sdl" : "sdl = true");
    return FALSE;
  }
  if (!request->sdl) {
    if (request->flavour == DM_FLAVOUR_TRADITIONAL) {
      g_ptr_array_add(argv, g_strdup("-sdl"));
    } else if (request->display_index >= 0) {
      guint at = (guint)request->display_index + 2; /* the value, after argv[0] */
      g_free(g_ptr_array_index(argv, at));
      g_ptr_array_index(argv, at) = g_strdup("sdl");
    } else {
      g_ptr_array_add(argv, g_strdup("-display"));
      g_ptr_array_add(argv, g_strdup("sdl"));
    }
  }
  if (setup) {
    env = g_ptr_array_new_null_terminated(4, g_free, TRUE);
    g_ptr_array_add(env, g_strconcat("DISPLAY=", facts->display, NULL));
    if (facts->xauthority)
      g_ptr_array_add(env, g_strconcat("XAUTHORITY=", facts->xauthority, NULL));
    /* The toolstack's own variables for qemu: libxl sets
     * XEN_QEMU_CONSOLE_LIMIT (XSA-180's cap on qemu-dm's log) and
     * XEN_DOMAIN_ID.  Nothing else of a root environment crosses. */
    for (const char *const *e = facts->environ; e && *e; e++)
      if (g_str_has_prefix(*e, "XEN_") && strchr(*e, '=') != NULL)
        g_ptr_array_add(env, g_strdup(*e));
    setup->env = (GStrv)g_ptr_array_free(g_steal_pointer(&env), FALSE);
  }
  return TRUE;
}

static gboolean
restrict_setup(const DmRequest *request, const DmDomainConfig *dc, const DmQemuFacts *facts,
               GPtrArray *argv, DmQemuSetup *setup, GError **error)
{
  g_autofree char *chroot_dir = NULL;
  const char *binary = dm_qemu_binary(request, dc);
  guint32 id = dc->dm_uid_base + request->domid;

  if (!dc->dm_restrict)
    return TRUE;
  /* xl's dm_restrict=1 (or device_model_user) already put its own -runas
   * or -run-with user=, -chroot and -xen-domid-restrict on the argv: two of
   * each would leave qemu to pick one, or refuse.  The toolstack's
   * restriction wins; the log says so. */
  if (request->own_restrict) {
    if (setup)
      setup->restrict_skipped = "the toolstack's argv restricts qemu itself (-runas, "
                                "-run-with, -chroot or -xen-domid-restrict); its "
                                "restriction is kept and the launcher's dm-restrict adds none";
    return TRUE;
  }
  /* Each of the three, or no start: a qemu that keeps its handles on
   * every domain (no -xen-domid-restrict) is not restricted, whatever
   * its uid.  "Not known" (a probe that timed out) is refused too, and
   * says so: the next launch probes again. */
  if (request->flavour != DM_FLAVOUR_QEMU_XEN || !facts->qemu_has_runas_ids ||
      !facts->qemu_has_chroot || !facts->qemu_has_domid_restrict) {
    g_autofree char *unknown = facts->qemu_unknown
                                 ? g_strdup_printf(" (not known: the probe %s)", facts->probe_error)
                                 : NULL;
    g_set_error(error, DM_ERROR, DM_ERROR_CONFIG,
                "dm-restrict = true needs an upstream qemu-xen that takes -runas UID:GID, "
                "-chroot and -xen-domid-restrict (QEMU 7.1 to 8.x); '%s' is not known to%s",
                binary, unknown ? unknown : "");
    return FALSE;
  }
  /* qemu drops to the per-domain uid itself, after it has opened
   * /dev/xen/privcmd, the images and the secret file as root; so do
   * libxl's dm_restrict and XenServer's wrapper.  uid = gid = base +
   * domid: no two domains' qemus share an id. */
  chroot_dir = dm_qemu_chroot_dir(dc, request->domid);
  g_ptr_array_add(argv, g_strdup("-runas"));
  g_ptr_array_add(argv, g_strdup_printf("%u:%u", id, id));
  g_ptr_array_add(argv, g_strdup("-chroot"));
  g_ptr_array_add(argv, g_strdup(chroot_dir));
  g_ptr_array_add(argv, g_strdup("-xen-domid-restrict"));
  if (setup)
    setup->chroot_dir = g_steal_pointer(&chroot_dir);
  return TRUE;
}

/* VNC password authentication is DES, and VNC TLS is GnuTLS.  A qemu
 * built without them (Debian 12's qemu-xen lacks both) exits at start-up
 * when given a password or TLS credentials, after the exec, with the
 * reason in a log nobody reads.  The launcher never drops either to let
 * the guest boot: it refuses, before it writes the secret or touches
 * xenstore, and says what would work on this qemu. */
static gboolean
vnc_crypto_check(const DmRequest *request, const DmDomainConfig *dc, const DmQemuFacts *facts,
                 GError **error)
{
  const char *binary = dm_qemu_binary(request, dc);
  g_autofree char *source = NULL;
  g_autofree char *advice = NULL;

  if (facts->vnc_des_error[0] != '\0' && dm_vnc_passes_password(request, dc)) {
    source = dc->vnc_password_file
               ? g_strdup_printf("vnc-password-file = %s", dc->vnc_password_file)
               : g_strdup("vnc-password-xenstore = true");
    if (facts->vnc_tls_error[0] != '\0')
      advice = g_strdup_printf(
        "It has no TLS either (it says \"%s\"), so no VNC authentication at all: set "
        "qemu-xen to a qemu built with a DES cipher backend (nettle, gcrypt or gnutls), "
        "or run VNC without a password only on a loopback address (the toolstack's "
        "default) and reach it through an SSH tunnel",
        facts->vnc_tls_error);
    else
      advice = g_strdup("Set qemu-xen to a qemu built with a DES cipher backend (nettle, "
                        "gcrypt or gnutls), or use vnc-tls-dir with vnc-tls-verify = true "
                        "(client certificates) instead of a password");
    g_set_error(error, DM_ERROR, DM_ERROR_CONFIG,
                "VNC password (%s) for domain %u: qemu '%s' cannot check VNC passwords, "
                "which use DES: it says \"%s\".  Not starting it without the password.  %s",
                source, request->domid, binary, facts->vnc_des_error, advice);
    return FALSE;
  }
  if (facts->vnc_tls_error[0] != '\0' && dm_vnc_passes_tls(request, dc)) {
    g_set_error(error, DM_ERROR, DM_ERROR_CONFIG,
                "VNC TLS (vnc-tls-dir = %s) for domain %u: qemu '%s' has no TLS: it says "
                "\"%s\".  Not starting it without TLS.  Set qemu-xen to a qemu built with "
                "GnuTLS, or leave vnc-tls-dir out and run VNC only on a loopback address "
                "(the toolstack's default), reached through an SSH tunnel",
                dc->vnc_tls_dir, request->domid, binary, facts->vnc_tls_error);
    return FALSE;
  }
  return TRUE;
}

/* qemu's own seccomp filter.  The toolstack's -sandbox, if any, is kept as
 * it is.  elevateprivileges=deny would also stop qemu's own -runas (it
 * installs the filter before it drops ids, and dies with SIGSYS), so with
 * dm-restrict, or a toolstack that drops qemu's ids itself (libxl's
 * dm_restrict and device_model_user: -runas, or -run-with user= from
 * 4.20), set*id stays allowed: by then qemu's real, effective and
 * saved ids are all the unprivileged ones, and qemu sets no_new_privs with
 * the filter.
 *
 * Where the qemu has no -sandbox (Debian 12's qemu-xen is built without
 * seccomp), "auto" runs it without and says so; "true" is an admin who
 * asked for the filter, and does not get a guest quietly running without
 * it: the launch is refused. */
static gboolean
sandbox_setup(const DmRequest *request, const DmDomainConfig *dc, const DmQemuFacts *facts,
              GPtrArray *argv, DmQemuSetup *setup, GError **error)
{
  const char *binary = dm_qemu_binary(request, dc);
  g_autofree char *why = NULL;
  gboolean unsupported = TRUE;

  if (dc->qemu_sandbox == DM_QEMU_SANDBOX_OFF || request->sandbox_index >= 0)
    return TRUE;
  if (request->flavour == DM_FLAVOUR_QEMU_XEN && facts->qemu_has_sandbox) {
    g_ptr_array_add(argv, g_strdup("-sandbox"));
    g_ptr_array_add(argv, g_strdup(dc->dm_restrict || request->drops_privileges
                                     ? "on,obsolete=deny,elevateprivileges=allow,"
                                       "spawn=deny,resourcecontrol=deny"
                                     : DM_QEMU_SANDBOX_ARG));
    return TRUE;
  }
  if (request->flavour != DM_FLAVOUR_QEMU_XEN) {
    why = g_strdup_printf("qemu-xen-traditional ('%s') has no -sandbox", binary);
  } else if (facts->qemu_probed && facts->sandbox_error[0] != '\0') {
    why = g_strdup_printf("qemu '%s' does not take -sandbox: it says \"%s\"", binary,
                          facts->sandbox_error);
  } else if (facts->qemu_probed) {
    why = g_strdup_printf("qemu '%s' does not take -sandbox " DM_QEMU_SANDBOX_ARG, binary);
  } else if (facts->qemu_unknown) {
    /* A probe that did not finish: warned about at every launch it
     * happens to, never cached. */
    why = g_strdup_printf("whether qemu '%s' takes -sandbox is not known: the probe %s", binary,
                          facts->probe_error);
  } else {
    why = g_strdup_printf("whether qemu '%s' takes -sandbox is not known (not probed, or "
                          "it did not answer -version like qemu)",
                          binary);
    unsupported = FALSE;
  }
  if (dc->qemu_sandbox == DM_QEMU_SANDBOX_REQUIRED) {
    g_set_error(error, DM_ERROR, DM_ERROR_CONFIG,
                "qemu-sandbox = true asks for qemu's own seccomp filter, but %s.  Use a "
                "qemu built with seccomp, or set qemu-sandbox = auto to run this one "
                "without it (the launcher's own seccomp denylist and no_new_privs still "
                "apply)",
                why);
    return FALSE;
  }
  if (setup) {
    setup->qemu_sandbox_skipped = g_steal_pointer(&why);
    setup->qemu_sandbox_unsupported = unsupported;
  }
  return TRUE;
}

GPtrArray *
dm_qemu_args_build_full(const DmRequest *request, const DmDomainConfig *dc,
                        const DmQemuFacts *facts, DmQemuSetup *setup, GError **error)
{
  g_autoptr(GPtrArray) argv =
    g_ptr_array_new_null_terminated(request->args->len + 16, g_free, TRUE);
  g_autoptr(GPtrArray) extra = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GPtrArray) images = g_ptr_array_new_with_free_func(g_free);
  const DmQemuFacts no_facts = { 0 };
  gboolean has_vncunused = FALSE;

  if (facts == NULL)
    facts = &no_facts;
  /* XCP-ng's and XenServer's qemu-wrapper run qemu as "qemu-dm-DOMID", and
   * xenopsd accepts qemu's pid only when /proc/PID/cmdline says so; qemu
   * itself ignores argv[0]. */
  g_ptr_array_add(
    argv, g_strdup(facts->caller_argv0 ? facts->caller_argv0 : dm_qemu_binary(request, dc)));
  /* A probe only asks qemu what it can do: pass it through untouched. */
  if (request->flavour == DM_FLAVOUR_PROBE) {
    for (guint i = 0; i < request->args->len; i++)
      g_ptr_array_add(argv, g_strdup(g_ptr_array_index(request->args, i)));
    return g_steal_pointer(&argv);
  }
  if (!vnc_crypto_check(request, dc, facts, error))
    return NULL;

  for (guint i = 0; i < request->args->len; i++) {
    const char *arg = g_ptr_array_index(request->args, i);
    const char *name = dm_option_name(arg);
    const char *value = i + 1 < request->args->len ? g_ptr_array_index(request->args, i + 1) : NULL;

    if (name && strcmp(name, "vncunused") == 0)
      has_vncunused = TRUE;
    if ((int)i == request->vnc_index && value != NULL) {
      char *vnc = dm_vnc_rewrite(request, dc, value, extra, error);
      if (vnc == NULL)
        return NULL;
      g_ptr_array_add(argv, g_strdup(arg));
      g_ptr_array_add(argv, vnc);
      i++;
      continue;
    }
    if (name && value && dm_disk_option(name) != NULL) {
      gboolean drive = FALSE;
      g_autoptr(GError) local = NULL;
      char *rewritten = dm_disk_rewrite(name, value, &drive, images, &local);
      if (local != NULL) {
        g_propagate_error(error, g_steal_pointer(&local));
        return NULL;
      }
      if (rewritten != NULL) {
        g_ptr_array_add(argv, g_strdup(drive ? "-drive" : arg));
        g_ptr_array_add(argv, rewritten);
        i++;
        continue;
      }
    }
    g_ptr_array_add(argv, g_strdup(arg));
  }

  /* qemu-xen-traditional has no to=: -vncunused searches upwards. */
  if (request->vnc_index >= 0 && dc->vnc_display_to >= 0 &&
      request->flavour == DM_FLAVOUR_TRADITIONAL && !has_vncunused)
    g_ptr_array_add(argv, g_strdup("-vncunused"));
  if (!sdl_setup(request, dc, facts, argv, setup, error))
    return NULL;
  if (!restrict_setup(request, dc, facts, argv, setup, error))
    return NULL;
  if (!sandbox_setup(request, dc, facts, argv, setup, error))
    return NULL;
  for (guint i = 0; i < extra->len; i++)
    g_ptr_array_add(argv, g_strdup(g_ptr_array_index(extra, i)));

  if (setup != NULL) {
    /* Only where qemu gets a VNC server: with "-vnc none" the password
     * would be written to disk for nothing. */
    if (dm_vnc_passes_password(request, dc))
      setup->secret_path = dm_vnc_secret_path(dc, request->domid);
    if (request->vnc_index >= 0)
      setup->tls_dir = g_strdup(dc->vnc_tls_dir);
    setup->images = g_steal_pointer(&images);
    setup->all_images = dm_qemu_image_paths(request);
    dm_sandbox_policy_for_qemu(request, dc, facts->images_are_files, &setup->sandbox);
    if (dc->rlimit_fsize > 0)
      setup->fsize_skipped = dm_qemu_fsize_skipped(request, facts->images_are_files);
  }
  return g_steal_pointer(&argv);
}
