#include "vnc.h"
#include "qemu_opts.h"
#include "util.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <string.h>

const char *const dm_vnc_tls_files[] = { "ca-cert.pem", "server-cert.pem", "server-key.pem", NULL };

gboolean
dm_vnc_wants_password(const DmDomainConfig *dc)
{
  return dc->vnc_password_file != NULL || dc->vnc_password_xenstore;
}

/* qemu's VNC display: the last value of -vnc's implied key "vnc", which
 * its first element gives when it has no '=' ("127.0.0.1:0,vnc=:1" is
 * :1).  NULL, or "none", opens no VNC server (vnc_display_open). */
static char *
vnc_display_value(const char *value)
{
  return dm_qemu_opt_get_implied(value, "vnc", "vnc");
}

/* Whether upstream qemu-xen gets a VNC server from the toolstack: "-vnc
 * none" (with or without options) stays as it is (dm_vnc_rewrite). */
static gboolean
upstream_vnc_server(const DmRequest *request)
{
  g_autofree char *display = NULL;

  if (request->flavour != DM_FLAVOUR_QEMU_XEN || request->vnc_index < 0 ||
      (guint)request->vnc_index + 1 >= request->args->len)
    return FALSE;
  display = vnc_display_value(g_ptr_array_index(request->args, request->vnc_index + 1));
  return display != NULL && strcmp(display, "none") != 0;
}

gboolean
dm_vnc_passes_password(const DmRequest *request, const DmDomainConfig *dc)
{
  return dm_vnc_wants_password(dc) && upstream_vnc_server(request);
}

gboolean
dm_vnc_passes_tls(const DmRequest *request, const DmDomainConfig *dc)
{
  return dc->vnc_tls_dir != NULL && upstream_vnc_server(request);
}

char *
dm_vnc_secret_path(const DmDomainConfig *dc, guint domid)
{
  g_autofree char *dir = g_strdup_printf("%u", domid);
  return g_build_filename(dc->run_dir, dir, "vnc-password", NULL);
}

/* What a listen address lets in, from narrowest to widest. */
typedef enum {
  LISTEN_LOOPBACK, /* 127.0.0.0/8, ::1, ::ffff:127.0.0.0/104 */
  LISTEN_ONE,      /* one address of the host */
  LISTEN_NAME,     /* a host name: whatever it resolves to at qemu's start */
  LISTEN_ANY,      /* every interface: "", 0.0.0.0, :: (in any spelling) */
} ListenScope;

/* Reads `host` as qemu will (brackets around an IPv6 address), as a
 * number only: getaddrinfo(AI_NUMERICHOST) takes every spelling glibc's
 * inet_aton does ("0", "0.0", "127.1", "0x7f.1", "::0", "[0::]").
 * Fills `text` with the address in its one canonical form (IPv6 in
 * brackets), or leaves it empty for a name or "". */
static ListenScope
listen_scope(const char *host, char *text, gsize size)
{
  g_autofree char *bare = NULL;
  struct addrinfo hints = { .ai_flags = AI_NUMERICHOST, .ai_family = AF_UNSPEC };
  struct addrinfo *ai = NULL;
  ListenScope scope = LISTEN_ONE;
  char buf[INET6_ADDRSTRLEN];
  gsize len = strlen(host);

  text[0] = '\0';
  if (len == 0)
    return LISTEN_ANY;
  bare = len >= 2 && host[0] == '[' && host[len - 1] == ']' ? g_strndup(host + 1, len - 2)
                                                            : g_strdup(host);
  if (getaddrinfo(bare, NULL, &hints, &ai) != 0 || ai == NULL)
    return LISTEN_NAME;
  if (ai->ai_family == AF_INET) {
    const struct in_addr *a = &((const struct sockaddr_in *)ai->ai_addr)->sin_addr;
    guint32 v = ntohl(a->s_addr);
    scope = v == INADDR_ANY ? LISTEN_ANY : (v >> 24) == 127 ? LISTEN_LOOPBACK : LISTEN_ONE;
    inet_ntop(AF_INET, a, buf, sizeof(buf));
    g_strlcpy(text, buf, size);
  } else {
    const struct in6_addr *a = &((const struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
    scope = IN6_IS_ADDR_UNSPECIFIED(a) ? LISTEN_ANY
            : IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127)
              ? LISTEN_LOOPBACK
              : LISTEN_ONE;
    inet_ntop(AF_INET6, a, buf, sizeof(buf));
    g_snprintf(text, size, "[%s]", buf);
  }
  freeaddrinfo(ai);
  return scope;
}

gboolean
dm_vnc_host_is_loopback(const char *host)
{
  char text[INET6_ADDRSTRLEN + 2];
  return listen_scope(host, text, sizeof(text)) == LISTEN_LOOPBACK;
}

/* Whether listening on `to` instead of `from` (the toolstack's) lets in
 * anyone `from` did not.  A name can resolve to anything: it is narrower
 * than nothing but loopback. */
static gboolean
listen_widens(ListenScope from, ListenScope to)
{
  if (to == LISTEN_LOOPBACK)
    return FALSE;
  if (to == LISTEN_NAME)
    return TRUE;
  if (to == LISTEN_ANY)
    return from != LISTEN_ANY;
  /* One address: wider than loopback or a name; another address of the
   * host is a move, not a widening. */
  return from == LISTEN_LOOPBACK || from == LISTEN_NAME;
}

/* The host part for qemu when vnc-listen replaces the toolstack's: the
 * address in the canonical form that was checked, so qemu listens on
 * exactly what the check saw; a name (allowed only with
 * vnc-listen-widen) as written. */
static gboolean
replace_listen(const DmDomainConfig *dc, char **host, GError **error)
{
  char from_text[INET6_ADDRSTRLEN + 2], to_text[INET6_ADDRSTRLEN + 2];
  ListenScope from, to;

  if (strcmp(dc->vnc_listen, *host) == 0)
    return TRUE; /* what the toolstack asked for, in its own words */
  from = listen_scope(*host, from_text, sizeof(from_text));
  to = listen_scope(dc->vnc_listen, to_text, sizeof(to_text));

  /* The toolstack is the authority on who may reach the console: a
   * config value that opens it wider must say so explicitly. */
  if (listen_widens(from, to) && !dc->vnc_listen_widen) {
    g_set_error(error, DM_ERROR, DM_ERROR_CONFIG,
                "VNC: vnc-listen '%s' would widen the listen address '%s' the toolstack "
                "asked for%s; set vnc-listen-widen = true to allow it",
                dc->vnc_listen, **host ? *host : "(all interfaces)",
                to == LISTEN_NAME ? " (a host name can resolve to any address)" : "");
    return FALSE;
  }
  g_free(*host);
  *host = g_strdup(to == LISTEN_NAME ? dc->vnc_listen : to_text);
  return TRUE;
}

/* Whether an element of -vnc's value sets `key` for the qemu that reads
 * it.  qemu-dm knows an option by its prefix: "tlsx" is tls, "to=" to
 * (vnc.c, vnc_display_open). */
static gboolean
vnc_sets(gboolean traditional, const char *element, const char *key)
{
  return traditional ? g_str_has_prefix(element, key) : dm_qemu_opt_is(element, key);
}

/* What the launcher's config asks of the -vnc it rewrites. */
typedef struct {
  gboolean traditional; /* qemu-xen-traditional's -vnc syntax */
  gboolean password;    /* a password the launcher hands upstream qemu */
  gboolean tls;         /* vnc-tls-dir */
  gboolean range;       /* vnc-display-to */
} VncWants;

/* Splits -vnc's address into host and display.  A listener that is not
 * TCP (or none) has neither, and takes no vnc-listen or vnc-display. */
static gboolean
split_address(const DmDomainConfig *dc, const VncWants *w, const char *value, const char *address,
              char **host, char **display, GError **error)
{
  const char *colon;

  if (address == NULL || strcmp(address, "none") == 0 || g_str_has_prefix(address, "unix:") ||
      g_str_has_prefix(address, "vsock:")) {
    if (dc->vnc_listen || dc->vnc_display >= 0 || w->range) {
      g_set_error(error, DM_ERROR, DM_ERROR_CONFIG,
                  "VNC: the toolstack asked for '-vnc %s'; vnc-listen and vnc-display "
                  "only apply to a TCP listener",
                  value);
      return FALSE;
    }
    return TRUE;
  }
  colon = strrchr(address, ':');
  if (colon == NULL || (strchr(address, ']') && colon < strchr(address, ']'))) {
    g_set_error(error, DM_ERROR, DM_ERROR_INVALID,
                "VNC: cannot read a HOST:DISPLAY address from '-vnc %s'", value);
    return FALSE;
  }
  *host = g_strndup(address, (gsize)(colon - address));
  *display = g_strdup(colon + 1);
  return TRUE;
}

/* Applies vnc-listen and vnc-display to the address, and checks
 * vnc-display-to and vnc-password-file against it and the flavour. */
static gboolean
apply_config(const DmDomainConfig *dc, const VncWants *w, const char *value, char **host,
             char **display, GError **error)
{
  if (*host != NULL && dc->vnc_listen != NULL && !replace_listen(dc, host, error))
    return FALSE;
  if (*display != NULL && dc->vnc_display >= 0) {
    g_free(*display);
    *display = g_strdup_printf("%d", dc->vnc_display);
  }
  if (w->range) {
    guint64 start;
    int first;
    if (*display == NULL || !dm_parse_uint(*display, DM_VNC_DISPLAY_MAX, &start)) {
      g_set_error(error, DM_ERROR, DM_ERROR_INVALID,
                  "VNC: cannot apply vnc-display-to to '-vnc %s'", value);
      return FALSE;
    }
    first = (int)start;
    if (dc->vnc_display_to < first) {
      g_set_error(error, DM_ERROR, DM_ERROR_CONFIG,
                  "VNC: vnc-display-to %d is below the first display %d", dc->vnc_display_to,
                  first);
      return FALSE;
    }
  }
  if (w->password && w->traditional && dc->vnc_password_file != NULL) {
    g_set_error(error, DM_ERROR, DM_ERROR_CONFIG,
                "VNC: vnc-password-file needs upstream qemu-xen (QEMU 7.0 or later); "
                "qemu-xen-traditional reads its password from xenstore itself");
    return FALSE;
  }
  return TRUE;
}

/* Whether the rewrite drops element `e` (the i-th) of the toolstack's
 * -vnc value: the display, which goes first, and whatever the launcher's
 * config sets instead. */
static gboolean
element_replaced(const VncWants *w, guint i, const char *e)
{
  gboolean traditional = w->traditional;

  if (*e == '\0' || (i == 0 && (traditional || dm_qemu_opt_implied(e))) ||
      (!traditional && dm_qemu_opt_is(e, "vnc")))
    return TRUE;
  if (w->range && vnc_sets(traditional, e, "to"))
    return TRUE;
  /* For qemu-xen-traditional a password stays qemu-dm's business. */
  if (w->password && !traditional &&
      (dm_qemu_opt_is(e, "password") || dm_qemu_opt_is(e, "password-secret")))
    return TRUE;
  return w->tls && (vnc_sets(traditional, e, "tls") || vnc_sets(traditional, e, "tls-creds") ||
                    vnc_sets(traditional, e, "x509") || vnc_sets(traditional, e, "x509verify"));
}

/* Appends the elements the launcher's config sets, and the -object
 * arguments they name to `extra`. */
static void
append_config_elements(const DmRequest *request, const DmDomainConfig *dc, const VncWants *w,
                       GString *out, GPtrArray *extra)
{
  if (w->range && !w->traditional)
    g_string_append_printf(out, ",to=%d", dc->vnc_display_to);
  if (w->password && !w->traditional) {
    g_autofree char *path = dm_vnc_secret_path(dc, request->domid);
    g_autofree char *escaped = dm_qemu_escape(path);
    g_string_append(out, ",password-secret=" DM_VNC_SECRET_ID);
    g_ptr_array_add(extra, g_strdup("-object"));
    g_ptr_array_add(extra,
                    g_strdup_printf("secret,id=" DM_VNC_SECRET_ID ",file=%s,format=raw", escaped));
  }
  if (w->tls) {
    g_autofree char *escaped = dm_qemu_escape(dc->vnc_tls_dir);
    if (w->traditional) {
      /* qemu-dm: "tls" plus x509 (server only) or x509verify (also
       * checks client certificates) naming the directory. */
      g_string_append_printf(out, ",tls,%s=%s", dc->vnc_tls_verify ? "x509verify" : "x509",
                             escaped);
    } else {
      g_string_append(out, ",tls-creds=" DM_VNC_TLS_ID);
      g_ptr_array_add(extra, g_strdup("-object"));
      g_ptr_array_add(extra, g_strdup_printf("tls-creds-x509,id=" DM_VNC_TLS_ID
                                             ",dir=%s,endpoint=server,verify-peer=%s",
                                             escaped, dc->vnc_tls_verify ? "on" : "off"));
    }
  }
}

char *
dm_vnc_rewrite(const DmRequest *request, const DmDomainConfig *dc, const char *value,
               GPtrArray *extra, GError **error)
{
  const VncWants w = {
    .traditional = request->flavour == DM_FLAVOUR_TRADITIONAL,
    .password = dm_vnc_wants_password(dc),
    .tls = dc->vnc_tls_dir != NULL,
    .range = dc->vnc_display_to >= 0,
  };
  g_autoptr(GPtrArray) elements =
    w.traditional ? dm_qemu_dm_vnc_split(value) : dm_qemu_opts_split(value, TRUE);
  g_autoptr(GString) out = g_string_new(NULL);
  g_autofree char *address =
    w.traditional ? g_strdup(g_ptr_array_index(elements, 0)) : vnc_display_value(value);
  g_autofree char *plain = NULL;
  g_autofree char *written = NULL;
  g_autofree char *host = NULL;
  g_autofree char *display = NULL;

  if (!split_address(dc, &w, value, address, &host, &display, error))
    return NULL;
  if (address == NULL || strcmp(address, "none") == 0)
    return g_strdup(value);
  if (!apply_config(dc, &w, value, &host, &display, error))
    return NULL;

  /* The display goes first.  For upstream it is the implied key's
   * value, spelt "vnc=..." if qemu would otherwise read a key in it, and
   * every other element that sets it goes.  Empty elements go too: qemu
   * reads one in the middle as a flag with an empty name (which -vnc
   * refuses), and one after the display would glue the next element
   * into its value. */
  plain = host != NULL ? g_strdup_printf("%s:%s", host, display) : g_strdup(address);
  written = w.traditional ? g_strdup(plain) : dm_qemu_escape(plain);
  g_string_append_printf(out, "%s%s",
                         w.traditional || dm_qemu_opt_implied(written) ? "" : "vnc=", written);
  for (guint i = 0; i < elements->len; i++) {
    const char *e = g_ptr_array_index(elements, i);
    if (!element_replaced(&w, i, e))
      g_string_append_printf(out, ",%s", e);
  }
  append_config_elements(request, dc, &w, out, extra);
  return g_string_free(g_steal_pointer(&out), FALSE);
}
