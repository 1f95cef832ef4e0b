#include "toolstack_args.h"
#include "disk.h"
#include "util.h"

#include <string.h>

static gboolean
in_table(const char *option, const char *const *table, gsize n)
{
  for (gsize i = 0; i < n; i++)
    if (strcmp(option, table[i]) == 0)
      return TRUE;
  return FALSE;
}

/* Whether argv[i] takes argv[i + 1] as its value.  An option the tables
 * (qemu_opts.c) do not know is never a reason to refuse an argv: qemu
 * judges it.  So an unknown option is a flag at the end of the argv and
 * before a word that is an option itself; otherwise it takes the next
 * word, as almost every qemu option does. */
static gboolean
takes_next(const char *opt, int i, int argc, char *const argv[])
{
  switch (dm_option_arity(opt)) {
  case DM_ARITY_FLAG:
    return FALSE;
  case DM_ARITY_VALUE:
    return TRUE;
  case DM_ARITY_UNKNOWN:
    break;
  }
  return i + 1 < argc && dm_option_name(argv[i + 1]) == NULL;
}

const char *
dm_flavour_name(DmFlavour flavour)
{
  switch (flavour) {
  case DM_FLAVOUR_QEMU_XEN:
    return "qemu-xen";
  case DM_FLAVOUR_TRADITIONAL:
    return "qemu-xen-traditional";
  case DM_FLAVOUR_PROBE:
    return "probe";
  }
  g_assert_not_reached();
}

const char *
dm_guest_name(DmGuest guest)
{
  switch (guest) {
  case DM_GUEST_HVM:
    return "hvm";
  case DM_GUEST_PV:
    return "pv";
  case DM_GUEST_UNKNOWN:
    return NULL;
  }
  g_assert_not_reached();
}

void
dm_request_free(DmRequest *request)
{
  if (request == NULL)
    return;
  g_free(request->name);
  g_free(request->machine);
  if (request->args)
    g_ptr_array_unref(request->args);
  g_free(request);
}

static char *
machine_type(const char *value)
{
  /* "-machine xenfv,suppress-vmdesc=on", "-machine type=pc,accel=xen":
   * the implied key is "type", and qemu keeps its last value. */
  return dm_qemu_opt_get_implied(value, "type", "type");
}

static DmGuest
guest_from_machine(const char *machine, const char *value)
{
  if (g_str_has_prefix(machine, "xenfv"))
    return DM_GUEST_HVM;
  if (g_str_has_prefix(machine, "xenpv"))
    return DM_GUEST_PV;
  /* XCP-ng and XenServer: "-machine pc-0.10,accel=xen,..." is an HVM guest
   * on an emulated PC board. */
  g_autofree char *accel = dm_qemu_opt_get_implied(value, "type", "accel");
  if (accel != NULL && strcmp(accel, "xen") == 0 &&
      (g_str_has_prefix(machine, "pc") || g_str_has_prefix(machine, "q35")))
    return DM_GUEST_HVM;
  return DM_GUEST_UNKNOWN;
}

/* The domain's name from upstream's "-name VALUE", which also picks the
 * [domain:NAME] config group, so it must be the name qemu and the
 * toolstack both mean.  Two forms only:
 *   "NAME" (libxl: the domain's name as it is, ",," read as qemu does);
 *   "guest=NAME[,process=...][,debug-threads=...]", each key once.
 * libxl passes the domain's name unescaped, so a comma in it reaches qemu
 * as a split: "evil,guest=victim" is named victim by qemu (its last
 * guest= wins), and "victim,process=x" victim too.  Such a value is
 * refused rather than read either way: neither reading is the name the
 * toolstack meant, and one of them is another domain's. */
static char *
upstream_name(const char *value, GError **error)
{
  g_autoptr(GPtrArray) elements = dm_qemu_opts_split(value, TRUE); /* implied "guest" */
  const char *first = g_ptr_array_index(elements, 0);
  static const char *const keys[] = { "guest=", "process=", "debug-threads=" };
  guint seen[G_N_ELEMENTS(keys)] = { 0 };

  if (elements->len == 1 && strchr(first, '=') == NULL)
    return dm_qemu_unescape(first);
  for (guint i = 0; i < elements->len; i++) {
    const char *e = g_ptr_array_index(elements, i);
    gsize k = 0;
    while (k < G_N_ELEMENTS(keys) && !g_str_has_prefix(e, keys[k]))
      k++;
    if (k == G_N_ELEMENTS(keys) || seen[k]++ > 0 || (i == 0) != (k == 0)) {
      g_autofree char *shown = dm_quote_for_message(value);
      g_set_error(error, DM_ERROR, DM_ERROR_INVALID,
                  "-name %s: qemu would split this domain name at a comma and could take it "
                  "for another domain's; a name needs no comma, or the form "
                  "guest=NAME,process=...,debug-threads=... with each key once",
                  shown);
      return NULL;
    }
  }
  return dm_qemu_unescape(first + strlen(keys[0]));
}

static gboolean
set_name(DmRequest *request, const char *option, const char *value, GError **error)
{
  g_autofree char *name = NULL;

  if (request->name != NULL) {
    g_set_error(error, DM_ERROR, DM_ERROR_INVALID,
                "-%s given twice: a device model serves one domain", option);
    return FALSE;
  }
  if (strcmp(option, "name") == 0) {
    name = upstream_name(value, error);
    if (name == NULL)
      return FALSE;
  } else {
    /* qemu-dm's -domain-name is a plain string. */
    name = g_strdup(value);
  }
  if (!dm_check_name(name, error))
    return FALSE;
  request->name = g_steal_pointer(&name);
  return TRUE;
}

static gboolean
set_domid(DmRequest *request, const char *option, const char *value, gboolean *seen, GError **error)
{
  if (*seen) {
    g_set_error(error, DM_ERROR, DM_ERROR_INVALID,
                "-%s given twice: a device model serves one domain", option);
    return FALSE;
  }
  *seen = TRUE;
  if (!dm_parse_domid(value, &request->domid, error)) {
    g_prefix_error(error, "-%s: ", option);
    return FALSE;
  }
  return TRUE;
}

/* qemu's options that only ask it what it can do, and "-machine help"
 * and the like: an argv made of these starts no guest. */
static gboolean
is_info_option(const char *opt, const char *value)
{
  static const char *const info[] = { "version", "help", "h", "audio-help" };
  static const char *const listing[] = { "machine", "M", "device", "cpu", "accel", "display" };

  if (in_table(opt, info, G_N_ELEMENTS(info)))
    return TRUE;
  return value != NULL && in_table(opt, listing, G_N_ELEMENTS(listing)) &&
         (strcmp(value, "help") == 0 || strcmp(value, "?") == 0);
}

/* Options that only qemu-xen-traditional (qemu-dm) has. */
static gboolean
is_traditional_only(const char *opt)
{
  static const char *const trad[] = { "domain-name",
                                      "vncunused",
                                      "videoram",
                                      "acpi",
                                      "vcpus",
                                      "vcpu_avail",
                                      "stdvga",
                                      "gfx_passthru",
                                      "direct-pci-msitranslate",
                                      "disable-vnc-password" };
  return in_table(opt, trad, G_N_ELEMENTS(trad));
}

/* xenopsd runs its qemu-wrapper as "WRAPPER DOMID --syslog ARGS"; the
 * wrapper strips both and runs the qemu binary with argv[0] qemu-dm-DOMID.
 * A launcher put in the wrapper's place would hand that line to qemu. */
static gboolean
refuse_wrapper_argv(int argc, char *const argv[], GError **error)
{
  guint64 n;

  if (argc < 2 || !dm_parse_uint(argv[0], G_MAXUINT32, &n) || strcmp(argv[1], "--syslog") != 0)
    return TRUE;
  g_set_error(error, DM_ERROR, DM_ERROR_INVALID,
              "'%s --syslog ...' is how xenopsd runs its qemu-wrapper, not qemu: on "
              "XCP-ng and XenServer the launcher belongs behind the wrapper, as the qemu "
              "binary it runs (/usr/lib64/xen/bin/qemu-system-i386), with the real qemu "
              "moved elsewhere and named by qemu-xen in the launcher's config",
              argv[0]);
  return FALSE;
}

/* qemu-xen opens a VNC server for every -vnc (vnc_parse gives each its
 * own id) and for "-display vnc=..." (parse_display), where qemu-dm keeps
 * the last -vnc.  The launcher checks and rewrites one -vnc (listen
 * address, password, TLS): under qemu-xen, any other VNC server would
 * escape those checks, so it is refused. */
static gboolean
one_vnc_server(const DmRequest *request, const char *opt, const char *value, GError **error)
{
  gboolean display = strcmp(opt, "display") == 0;

  if (request->flavour == DM_FLAVOUR_TRADITIONAL ||
      (display ? !g_str_has_prefix(value, "vnc") : request->vnc_index < 0))
    return TRUE;
  g_autofree char *shown = dm_quote_for_message(value);
  g_set_error(error, DM_ERROR, DM_ERROR_INVALID,
              display ? "-display %s: qemu would open a VNC server that the launcher's VNC "
                        "checks do not see; give it as -vnc"
                      : "-vnc given twice (the second %s): qemu would open a VNC server for "
                        "each, and the launcher checks one",
              shown);
  return FALSE;
}

/* The launcher checks the images qemu opens (dm_disk_images), so it
 * refuses the options that would have qemu open an image the launcher
 * does not see.  None of the toolstacks it serves writes them: libxl
 * gives every disk as -drive (libxl_dm.c,
 * libxl__build_device_model_args_new, 4.17 and 4.20; its COLO disks too,
 * with dotted keys that dm_disk_images reads), xenopsd as -drive
 * (device.ml, Dm_Common.ide_device_of and nvme_device_of, and
 * qemu_floppy_args), and qemu-dm reads xend's disks from xenstore. */
static gboolean
images_checked(const char *opt, const char *value, GError **error)
{
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);
  const char *why = NULL;

  if (dm_image_option(opt))
    return dm_disk_images(opt, value, paths, error);
  if (strcmp(opt, "blockdev") == 0)
    why = "qemu would open the images of a block node the launcher does not read (give the "
          "disk as -drive)";
  else if (strcmp(opt, "readconfig") == 0)
    why = "qemu would read options from a file, and open the images of any [drive] in it";
  else if (strcmp(opt, "set") == 0 && g_str_has_prefix(value, "drive."))
    why = "qemu would change a -drive after the launcher read it";
  else if (strcmp(opt, "usbdevice") == 0 && g_str_has_prefix(value, "disk:"))
    why = "qemu would open the image of a USB disk the launcher does not read (give the disk "
          "as -drive)";
  if (why == NULL)
    return TRUE;
  g_autofree char *shown = dm_quote_for_message(value);
  g_set_error(error, DM_ERROR, DM_ERROR_INVALID,
              "-%s %s: %s; the launcher checks every image qemu opens, and cannot check this", opt,
              shown, why);
  return FALSE;
}

/* What a -run-with value asks for: "user=U" drops ids, "chroot=D" chroots. */
static void
note_run_with(DmRequest *request, const char *value)
{
  g_autofree char *user = dm_qemu_opt_get(value, "user");
  g_autofree char *root = dm_qemu_opt_get(value, "chroot");
  if (user != NULL)
    request->drops_privileges = TRUE;
  if (user != NULL || root != NULL)
    request->own_restrict = TRUE;
}

/* What the two passes over the argv learn besides the request itself. */
typedef struct {
  GArray *is_value; /* per args element: whether it is the previous option's value */
  gboolean upstream, traditional, domid_seen;
  gboolean xen_attach, info, traditional_only;
  const char *xend_domid, *libxl_domid;
} ParseState;

/* -xen-domid only exists in upstream qemu-xen, where -d is a log mask
 * rather than a domid. */
static void
note_domid_option(ParseState *st, const char *opt, const char *value)
{
  if (strcmp(opt, "xen-domid") == 0) {
    st->upstream = TRUE;
    st->libxl_domid = value;
  } else if (strcmp(opt, "d") == 0) {
    st->traditional = TRUE;
    if (value[0] != '\0' && strspn(value, "0123456789") == strlen(value))
      st->xend_domid = value;
  }
}

/* Pass 1: walk the argv as qemu would, copying it into args and checking
 * that every option known to need a value has one. */
static gboolean
copy_argv(DmRequest *request, ParseState *st, int argc, char *const argv[], GError **error)
{
  for (int i = 0; i < argc; i++) {
    const char *opt = dm_option_name(argv[i]);
    gboolean value = FALSE;
    g_ptr_array_add(request->args, g_strdup(argv[i]));
    g_array_append_val(st->is_value, value);
    if (opt == NULL)
      continue;
    st->info = st->info || is_info_option(opt, i + 1 < argc ? argv[i + 1] : NULL);
    st->traditional_only = st->traditional_only || is_traditional_only(opt);
    if (!takes_next(opt, i, argc, argv))
      continue;
    if (i + 1 >= argc) {
      g_autofree char *shown = dm_quote_for_message(argv[i]);
      g_set_error(error, DM_ERROR, DM_ERROR_INVALID,
                  "option %s needs a value and is the last argument", shown);
      return FALSE;
    }
    note_domid_option(st, opt, argv[i + 1]);
    value = TRUE;
    g_ptr_array_add(request->args, g_strdup(argv[++i]));
    g_array_append_val(st->is_value, value);
  }
  return TRUE;
}

/* Decides the flavour from what pass 1 saw. */
static gboolean
set_flavour(DmRequest *request, const ParseState *st, GError **error)
{
  /* Under qemu-xen -d is a log mask, whose items are words: a number
   * there is xend's domid beside libxl's, two domains for one model. */
  if (st->xend_domid && st->libxl_domid) {
    g_autofree char *a = dm_quote_for_message(st->xend_domid);
    g_autofree char *b = dm_quote_for_message(st->libxl_domid);
    g_set_error(error, DM_ERROR, DM_ERROR_INVALID,
                "-d %s (xend's domid) and -xen-domid %s (libxl's) conflict: a device model "
                "serves one domain",
                a, b);
    return FALSE;
  }
  request->flavour = st->upstream      ? DM_FLAVOUR_QEMU_XEN
                     : st->traditional ? DM_FLAVOUR_TRADITIONAL
                                       : DM_FLAVOUR_QEMU_XEN;
  return TRUE;
}

/* An option given without a value. */
static void
note_flag(DmRequest *request, ParseState *st, const char *opt)
{
  if (strcmp(opt, "sdl") == 0)
    request->sdl = TRUE;
  else if (strcmp(opt, "vncunused") == 0)
    request->vncunused = TRUE;
  else if (strcmp(opt, "xen-attach") == 0)
    st->xen_attach = TRUE;
  else if (strcmp(opt, "xen-domid-restrict") == 0)
    request->own_restrict = TRUE;
}

static gboolean
set_machine(DmRequest *request, const char *opt, const char *value, GError **error)
{
  g_autofree char *type = machine_type(value);
  if (type == NULL || *type == '\0') {
    g_autofree char *shown = dm_quote_for_message(value);
    g_set_error(error, DM_ERROR, DM_ERROR_INVALID, "-%s %s names no machine type", opt, shown);
    return FALSE;
  }
  /* qemu takes the last -machine; so do we. */
  g_free(request->machine);
  request->guest = guest_from_machine(type, value);
  request->machine = g_steal_pointer(&type);
  return TRUE;
}

static gboolean
set_display(DmRequest *request, const char *opt, const char *value, guint i, GError **error)
{
  if (!one_vnc_server(request, opt, value, error))
    return FALSE;
  g_autofree char *type = dm_qemu_opt_get_implied(value, "type", "type");
  request->display_index = (int)i;
  request->sdl = type != NULL && strcmp(type, "sdl") == 0;
  return TRUE;
}

/* An option and its value, args[i] and args[i + 1]. */
static gboolean
interpret_option(DmRequest *request, ParseState *st, const char *opt, const char *value, guint i,
                 GError **error)
{
  if (!images_checked(opt, value, error))
    return FALSE;
  if ((strcmp(opt, "xen-domid") == 0 && st->upstream) || (strcmp(opt, "d") == 0 && !st->upstream))
    return set_domid(request, opt, value, &st->domid_seen, error);
  if (strcmp(opt, "name") == 0 || strcmp(opt, "domain-name") == 0)
    return set_name(request, opt, value, error);
  if (strcmp(opt, "machine") == 0 || strcmp(opt, "M") == 0)
    return set_machine(request, opt, value, error);
  if (strcmp(opt, "vnc") == 0) {
    if (!one_vnc_server(request, opt, value, error))
      return FALSE;
    request->vnc_index = (int)i;
  } else if (strcmp(opt, "display") == 0) {
    return set_display(request, opt, value, i, error);
  } else if (strcmp(opt, "sandbox") == 0) {
    request->sandbox_index = (int)i;
  } else if (strcmp(opt, "runas") == 0) {
    request->drops_privileges = request->own_restrict = TRUE;
  } else if (strcmp(opt, "chroot") == 0) {
    request->own_restrict = TRUE;
  } else if (strcmp(opt, "run-with") == 0) {
    note_run_with(request, value);
  }
  return TRUE;
}

/* Pass 2: interpret what we need; index into args so the builder can
 * rewrite an option in place. */
static gboolean
interpret_args(DmRequest *request, ParseState *st, GError **error)
{
  for (guint i = 0; i < request->args->len; i++) {
    const char *opt = dm_option_name(g_ptr_array_index(request->args, i));

    if (opt == NULL)
      continue;
    if (i + 1 >= request->args->len || !g_array_index(st->is_value, gboolean, i + 1)) {
      note_flag(request, st, opt);
      continue;
    }
    if (!interpret_option(request, st, opt, g_ptr_array_index(request->args, i + 1), i, error))
      return FALSE;
    i++;
  }
  return TRUE;
}

/* An argv without a domid: whether it is a probe (and the request then
 * marked as one), or else why it is refused. */
static gboolean
is_probe(DmRequest *request, const ParseState *st, GError **error)
{
  /* libxl >= 4.20 probes qemu's capabilities once with
   * "-machine none,accel=xen" and no domid.  xapi's qemu-wrapper runs
   * "qemu -version" before every start, and libvirt's libxl driver runs
   * "emulator -help" to tell qemu-dm from qemu-xen: such an argv only
   * asks, and is passed to qemu untouched. */
  if (st->info || (request->machine != NULL && strcmp(request->machine, "none") == 0)) {
    request->flavour = DM_FLAVOUR_PROBE;
    request->guest = DM_GUEST_UNKNOWN;
    request->info = st->info;
    request->traditional_info = st->info && st->traditional_only;
    return TRUE;
  }
  g_set_error(error, DM_ERROR, DM_ERROR_INVALID,
              "no domid in the toolstack's arguments (expected -xen-domid N "
              "or -d N, a -machine none probe, or a question such as -version)");
  return FALSE;
}

DmRequest *
dm_request_parse(int argc, char *const argv[], GError **error)
{
  g_autoptr(DmRequest) request = g_new0(DmRequest, 1);
  g_autoptr(GArray) is_value = g_array_new(FALSE, TRUE, sizeof(gboolean));
  ParseState st = { .is_value = is_value };

  if (!refuse_wrapper_argv(argc, argv, error))
    return NULL;
  request->args = g_ptr_array_new_full((guint)MIN(argc, 1 << 20), g_free);
  request->vnc_index = request->display_index = request->sandbox_index = -1;

  if (!copy_argv(request, &st, argc, argv, error) || !set_flavour(request, &st, error) ||
      !interpret_args(request, &st, error))
    return NULL;

  if (request->guest == DM_GUEST_UNKNOWN && st.xen_attach &&
      (request->machine == NULL || g_str_has_prefix(request->machine, "xenpv")))
    request->guest = DM_GUEST_PV;

  if (!st.domid_seen && !is_probe(request, &st, error))
    return NULL;
  return g_steal_pointer(&request);
}
