#include "vnc.h"
#include "escape.h"
#include "util.h"

#include <string.h>

const char *const dm_vnc_tls_files[] = { "ca-cert.pem", "server-cert.pem", "server-key.pem",
                                         NULL };

gboolean
dm_vnc_wants_password(const DmDomainConfig *dc)
{
  return dc->vnc_password_file != NULL || dc->vnc_password_xenstore;
}

/* Whether upstream qemu-xen gets a VNC server from the toolstack: "-vnc
 * none" (with or without options) stays as it is (dm_vnc_rewrite). */
static gboolean
upstream_vnc_server(const DmRequest *request)
{
  const char *value;

  if (request->flavour != DM_FLAVOUR_QEMU_XEN || request->vnc_index < 0 ||
      (guint)request->vnc_index + 1 >= request->args->len)
    return FALSE;
  value = g_ptr_array_index(request->args, request->vnc_index + 1);
  return !(g_str_has_prefix(value, "none") && (value[4] == '\0' || value[4] == ','));
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

gboolean
dm_vnc_host_is_loopback(const char *host)
{
  return g_str_has_prefix(host, "127.") || strcmp(host, "localhost") == 0 ||
         strcmp(host, "::1") == 0 || strcmp(host, "[::1]") == 0;
}

static gboolean
host_is_any(const char *host)
{
  return *host == '\0' || strcmp(host, "0.0.0.0") == 0 || strcmp(host, "::") == 0 ||
         strcmp(host, "[::]") == 0;
}

/* Splits a qemu option string on single commas, keeping each element as
 * written (",," stays doubled, so elements can be put back verbatim). */
static GPtrArray *
split_elements(const char *value)
{
  GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
  const char *start = value;
  const char *p = value;

  for (;;) {
    if (*p == ',' && p[1] == ',') {
      p += 2;
      continue;
    }
    if (*p == ',' || *p == '\0') {
      g_ptr_array_add(out, g_strndup(start, (gsize)(p - start)));
      if (*p == '\0')
        break;
      start = ++p;
      continue;
    }
    p++;
  }
  return out;
}

static gboolean
element_is(const char *element, const char *key)
{
  gsize n = strlen(key);
  return strncmp(element, key, n) == 0 && (element[n] == '\0' || element[n] == '=');
}

char *
dm_vnc_rewrite(const DmRequest *request, const DmDomainConfig *dc, const char *value,
               GPtrArray *extra, GError **error)
{
  gboolean traditional = request->flavour == DM_FLAVOUR_TRADITIONAL;
  gboolean password = dm_vnc_wants_password(dc);
  gboolean tls = dc->vnc_tls_dir != NULL;
  gboolean range = dc->vnc_display_to >= 0;
  g_autoptr(GPtrArray) elements = split_elements(value);
  g_autoptr(GString) out = g_string_new(NULL);
  const char *address = g_ptr_array_index(elements, 0);
  g_autofree char *host = NULL;
  g_autofree char *display = NULL;
  const char *colon;
  int first;

  if (strcmp(address, "none") == 0 || g_str_has_prefix(address, "unix:") ||
      g_str_has_prefix(address, "vsock:")) {
    if (dc->vnc_listen || dc->vnc_display >= 0 || range) {
      g_set_error(error, DM_ERROR, DM_ERROR_CONFIG,
                  "VNC: the toolstack asked for '-vnc %s'; vnc-listen and vnc-display "
                  "only apply to a TCP listener", value);
      return NULL;
    }
    if (strcmp(address, "none") == 0)
      return g_strdup(value);
    host = NULL;
  } else {
    colon = strrchr(address, ':');
    if (colon == NULL || (strchr(address, ']') && colon < strchr(address, ']'))) {
      g_set_error(error, DM_ERROR, DM_ERROR_INVALID,
                  "VNC: cannot read a HOST:DISPLAY address from '-vnc %s'", value);
      return NULL;
    }
    host = g_strndup(address, (gsize)(colon - address));
    display = g_strdup(colon + 1);
  }

  if (host != NULL && dc->vnc_listen != NULL && strcmp(dc->vnc_listen, host) != 0) {
    /* The toolstack is the authority on who may reach the console: a
     * config value that opens it wider must say so explicitly. */
    gboolean wider = (dm_vnc_host_is_loopback(host) && !dm_vnc_host_is_loopback(dc->vnc_listen)) ||
                     (!host_is_any(host) && host_is_any(dc->vnc_listen));
    if (wider && !dc->vnc_listen_widen) {
      g_set_error(error, DM_ERROR, DM_ERROR_CONFIG,
                  "VNC: vnc-listen '%s' would widen the listen address '%s' the toolstack "
                  "asked for; set vnc-listen-widen = true to allow it",
                  dc->vnc_listen, *host ? host : "(all interfaces)");
      return NULL;
    }
    g_free(host);
    host = g_strdup(dc->vnc_listen);
  }
  if (display != NULL && dc->vnc_display >= 0) {
    g_free(display);
    display = g_strdup_printf("%d", dc->vnc_display);
  }
  if (range) {
    guint64 start;
    if (display == NULL || !dm_parse_uint(display, DM_VNC_DISPLAY_MAX, &start)) {
      g_set_error(error, DM_ERROR, DM_ERROR_INVALID,
                  "VNC: cannot apply vnc-display-to to '-vnc %s'", value);
      return NULL;
    }
    first = (int)start;
    if (dc->vnc_display_to < first) {
      g_set_error(error, DM_ERROR, DM_ERROR_CONFIG,
                  "VNC: vnc-display-to %d is below the first display %d", dc->vnc_display_to,
                  first);
      return NULL;
    }
  }
  if (password && traditional && dc->vnc_password_file != NULL) {
    g_set_error(error, DM_ERROR, DM_ERROR_CONFIG,
                "VNC: vnc-password-file needs upstream qemu-xen (QEMU 7.0 or later); "
                "qemu-xen-traditional reads its password from xenstore itself");
    return NULL;
  }

  if (host != NULL)
    g_string_append_printf(out, "%s:%s", host, display);
  else
    g_string_append(out, address);
  for (guint i = 1; i < elements->len; i++) {
    const char *e = g_ptr_array_index(elements, i);
    if (range && element_is(e, "to"))
      continue;
    /* For qemu-xen-traditional a password stays qemu-dm's business. */
    if (password && !traditional &&
        (element_is(e, "password") || element_is(e, "password-secret")))
      continue;
    if (tls && (element_is(e, "tls") || element_is(e, "tls-creds") || element_is(e, "x509") ||
                element_is(e, "x509verify")))
      continue;
    g_string_append_printf(out, ",%s", e);
  }
  if (range && !traditional)
    g_string_append_printf(out, ",to=%d", dc->vnc_display_to);
  if (password && !traditional) {
    g_autofree char *path = dm_vnc_secret_path(dc, request->domid);
    g_autofree char *escaped = dm_qemu_escape(path);
    g_string_append(out, ",password-secret=" DM_VNC_SECRET_ID);
    g_ptr_array_add(extra, g_strdup("-object"));
    g_ptr_array_add(extra, g_strdup_printf("secret,id=" DM_VNC_SECRET_ID ",file=%s,format=raw",
                                           escaped));
  }
  if (tls) {
    g_autofree char *escaped = dm_qemu_escape(dc->vnc_tls_dir);
    if (traditional) {
      /* qemu-dm: "tls" plus x509 (server only) or x509verify (also
       * checks client certificates) naming the directory. */
      g_string_append_printf(out, ",tls,%s=%s", dc->vnc_tls_verify ? "x509verify" : "x509",
                             escaped);
    } else {
      g_string_append(out, ",tls-creds=" DM_VNC_TLS_ID);
      g_ptr_array_add(extra, g_strdup("-object"));
      g_ptr_array_add(extra,
                      g_strdup_printf("tls-creds-x509,id=" DM_VNC_TLS_ID
                                      ",dir=%s,endpoint=server,verify-peer=%s",
                                      escaped, dc->vnc_tls_verify ? "on" : "off"));
    }
  }
  return g_string_free(g_steal_pointer(&out), FALSE);
}
