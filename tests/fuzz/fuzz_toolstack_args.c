/* libFuzzer harness: the toolstack's argv through the parser, the plan
 * builder and the --dry-run JSON, all pure code.  Any argv a toolstack (or
 * anyone able to run the launcher) hands over must end in a plan or in a
 * DM_ERROR_INVALID error, never a crash; and a plan must keep its
 * promises: every argument verbatim and in order, a domid in range, scrub
 * paths for that domid only, JSON that parses back.
 *
 * Input: the argv, one argument per line or NUL-separated (fuzz_common.h).
 * The input's last two bytes, which stay part of the argv, also pick what
 * the launcher would have found out about qemu and the host (DmQemuFacts)
 * and which of a few configs the plan is built with (see pick()).
 *
 * The configs are parsed once, before the first input. */
#include "fuzz_common.h"

#include "config.h"
#include "plan.h"
#include "toolstack_args.h"
#include "util.h"

#include <yajl/yajl_parse.h>

static void
check_index(const DmRequest *req, int index, const char *option)
{
  const char *name;

  if (index < 0)
    return;
  FUZZ_CHECK((guint)index + 1 < req->args->len);
  name = dm_option_name(g_ptr_array_index(req->args, index));
  FUZZ_CHECK(name != NULL && strcmp(name, option) == 0);
}

static void
check_scrub_path(const DmRequest *req, const char *path)
{
  g_autofree char *suffix = g_strdup_printf("/%u", req->domid);
  const char *cls;

  FUZZ_CHECK(g_str_has_prefix(path, "/local/domain/0/backend/"));
  FUZZ_CHECK(g_str_has_suffix(path, suffix));
  FUZZ_CHECK(strstr(path, "..") == NULL && strstr(path, "//") == NULL);
  cls = path + strlen("/local/domain/0/backend/");
  FUZZ_CHECK(strchr(cls, '/') == strrchr(path, '/'));
}

/* Made once, in LLVMFuzzerInitialize. */
static DmConfig *configs[4];

/* configs[0] is the built-in defaults; the others turn on what the
 * defaults leave off (dm-restrict, qemu's -sandbox required or off, VNC
 * password, TLS, listen address and display, SDL, scrub settings), in
 * [launcher] and in [domain:NAME] groups for names the seeds use. */
static const char *const config_texts[G_N_ELEMENTS(configs)] = {
  NULL,
  "[launcher]\n"
  "dm-restrict = true\n"
  "qemu-sandbox = true\n"
  "rlimit-fsize = 0\n"
  "core-dumps = true\n"
  "vnc-password-file = /etc/xen/vnc.pw\n"
  "vnc-tls-dir = /etc/pki/vnc\n"
  "vnc-tls-verify = true\n"
  "scrub = console;vfb;vkbd\n"
  "scrub-guests = hvm;pv\n"
  "scrub-mode = always\n"
  "[domain:win10]\n"
  "dm-chroot-dir = /var/lib/qemu-dm-launcher/root\n"
  "vnc-listen = 0.0.0.0\n"
  "vnc-listen-widen = true\n"
  "vnc-display = 10\n"
  "vnc-display-to = 99\n",
  "[launcher]\n"
  "qemu-xen = /usr/lib/xen-4.17/bin/qemu-system-i386\n"
  "sdl = true\n"
  "qemu-sandbox = false\n"
  "vnc-password-xenstore = true\n"
  "vnc-listen = ::1\n"
  "vnc-display = 0\n"
  "scrub-grace-ms = 0\n"
  "helper = false\n"
  "[domain:pvdeb]\n"
  "dm-restrict = true\n"
  "vnc-listen = 0.0.0.0\n"
  "scrub-guests = pv\n",
  "[launcher]\n"
  "vnc-listen = 0.0.0.0\n"
  "vnc-display-to = 5899\n"
  "rlimit-fsize = 1048576\n"
  "dm-uid-base = 0\n"
  "scrub =\n"
  "[domain:win10]\n"
  "vnc-listen-widen = true\n"
  "vnc-tls-dir = /etc/pki/vnc\n"
  "scrub = vfb\n",
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
  for (gsize i = 0; i < G_N_ELEMENTS(configs); i++) {
    g_autoptr(GError) error = NULL;

    if (config_texts[i] == NULL) {
      configs[i] = dm_config_new_default();
      continue;
    }
    configs[i] =
      dm_config_parse(config_texts[i], strlen(config_texts[i]), "fuzz.conf", NULL, &error);
    if (configs[i] == NULL) {
      fprintf(stderr, "fuzz_toolstack_args: config %zu: %s\n", i, error->message);
      abort();
    }
  }
  return 0;
}

/* Facts and config from the input's last two bytes: one flag per bit of
 * the last byte, qemu's refusals and the config from the one before. */
static const DmConfig *
pick(const uint8_t *data, size_t size, DmQemuFacts *facts)
{
  guint last = size >= 1 ? data[size - 1] : 0;
  guint before = size >= 2 ? data[size - 2] : 0;

  facts->qemu_has_sandbox = (last & 1) != 0;
  facts->qemu_has_domid_restrict = (last & 2) != 0;
  facts->qemu_has_runas_ids = (last & 4) != 0;
  facts->qemu_has_chroot = (last & 8) != 0;
  facts->qemu_probed = (last & 16) != 0;
  facts->images_are_files = (last & 32) != 0;
  facts->display = last & 64 ? ":0" : NULL;
  facts->xauthority = last & 128 ? "/root/.Xauthority" : NULL;
  if (before & 1)
    g_strlcpy(facts->sandbox_error, "-sandbox: There is no option group 'sandbox'",
              sizeof(facts->sandbox_error));
  if (before & 2)
    g_strlcpy(facts->vnc_des_error, "Cipher backend does not support DES algorithm",
              sizeof(facts->vnc_des_error));
  if (before & 4)
    g_strlcpy(facts->vnc_tls_error, "TLS credentials support requires GNUTLS",
              sizeof(facts->vnc_tls_error));
  return configs[(before >> 3) % G_N_ELEMENTS(configs)];
}

/* The plan's JSON read back by a real parser: yajl's event interface.  It
 * checks the whole text, grammar and UTF-8, as a tree parser does, but
 * builds no tree: a handful of allocations per document rather than
 * several per value, which under ASan was a fifth of this harness's time.
 * A handle per input: one kept across inputs would leave an input with
 * more allocations than frees, which libFuzzer takes for a possible leak
 * (it reruns the input and scans, and after 1000 of them stops looking). */
typedef enum { M_OTHER, M_FLAVOUR, M_DOMID, M_NAME, M_ARGV, M_SCRUB, M_COUNT } Member;

typedef struct {
  const DmPlan *plan;
  int depth;     /* containers open around the next value */
  Member member; /* the root member whose value comes next */
  Member array;  /* the root member whose array is open */
  guint seen[M_COUNT];
  gboolean root_is_object, flavour_ok, domid_ok, name_ok, non_string_item;
  gsize argv_len, scrub_len;
} JsonCheck;

static gboolean
same(const char *want, const unsigned char *s, size_t len)
{
  return want != NULL && strlen(want) == len && memcmp(want, s, len) == 0;
}

/* Every value passes here first. */
static void
on_value(JsonCheck *c, gboolean is_string)
{
  if (c->depth == 1) {
    c->seen[c->member]++;
  } else if (c->depth == 2 && (c->array == M_ARGV || c->array == M_SCRUB)) {
    if (c->array == M_ARGV)
      c->argv_len++;
    else
      c->scrub_len++;
    c->non_string_item |= !is_string;
  }
}

static int
on_null(void *ctx)
{
  JsonCheck *c = ctx;

  on_value(c, FALSE);
  if (c->depth == 1 && c->member == M_DOMID)
    c->domid_ok = c->plan->request->flavour == DM_FLAVOUR_PROBE;
  return 1;
}

static int
on_boolean(void *ctx, int value)
{
  on_value(ctx, FALSE);
  return 1;
}

static int
on_integer(void *ctx, long long value)
{
  JsonCheck *c = ctx;

  on_value(c, FALSE);
  if (c->depth == 1 && c->member == M_DOMID)
    c->domid_ok =
      c->plan->request->flavour != DM_FLAVOUR_PROBE && value == (long long)c->plan->request->domid;
  return 1;
}

static int
on_double(void *ctx, double value)
{
  on_value(ctx, FALSE);
  return 1;
}

static int
on_string(void *ctx, const unsigned char *s, size_t len)
{
  JsonCheck *c = ctx;

  on_value(c, TRUE);
  if (c->depth == 1 && c->member == M_FLAVOUR)
    c->flavour_ok = same(dm_flavour_name(c->plan->request->flavour), s, len);
  else if (c->depth == 1 && c->member == M_NAME)
    c->name_ok = same(c->plan->request->name, s, len);
  return 1;
}

static int
on_start_map(void *ctx)
{
  JsonCheck *c = ctx;

  on_value(c, FALSE);
  if (c->depth == 0)
    c->root_is_object = TRUE;
  c->depth++;
  return 1;
}

static int
on_map_key(void *ctx, const unsigned char *key, size_t len)
{
  JsonCheck *c = ctx;

  if (c->depth == 1)
    c->member = same("flavour", key, len) ? M_FLAVOUR
                : same("domid", key, len) ? M_DOMID
                : same("name", key, len)  ? M_NAME
                : same("argv", key, len)  ? M_ARGV
                : same("scrub", key, len) ? M_SCRUB
                                          : M_OTHER;
  return 1;
}

static int
on_start_array(void *ctx)
{
  JsonCheck *c = ctx;

  on_value(c, FALSE);
  if (c->depth == 1)
    c->array = c->member;
  c->depth++;
  return 1;
}

static int
on_end(void *ctx)
{
  JsonCheck *c = ctx;

  if (--c->depth == 1)
    c->array = M_OTHER;
  return 1;
}

static const yajl_callbacks json_callbacks = {
  .yajl_null = on_null,
  .yajl_boolean = on_boolean,
  .yajl_integer = on_integer,
  .yajl_double = on_double,
  .yajl_string = on_string,
  .yajl_start_map = on_start_map,
  .yajl_map_key = on_map_key,
  .yajl_end_map = on_end,
  .yajl_start_array = on_start_array,
  .yajl_end_array = on_end,
};

/* The JSON parses as one object (nothing after it, strings valid UTF-8),
 * and says what the plan holds: flavour, domid (null for a probe), name,
 * as many argv and scrub strings as the plan has, each member once. */
static void
check_json(const DmPlan *plan, const char *json)
{
  JsonCheck c = { .plan = plan };
  yajl_handle h = yajl_alloc(&json_callbacks, NULL, &c);
  gboolean parsed;

  FUZZ_CHECK(h != NULL);
  parsed = yajl_parse(h, (const unsigned char *)json, strlen(json)) == yajl_status_ok &&
           yajl_complete_parse(h) == yajl_status_ok;
  yajl_free(h);
  FUZZ_CHECK(parsed);
  FUZZ_CHECK(c.root_is_object);
  FUZZ_CHECK(c.seen[M_FLAVOUR] == 1 && c.flavour_ok);
  FUZZ_CHECK(c.seen[M_DOMID] == 1 && c.domid_ok);
  if (plan->request->name != NULL)
    FUZZ_CHECK(c.seen[M_NAME] == 1 && c.name_ok);
  FUZZ_CHECK(c.seen[M_ARGV] == 1 && c.argv_len == plan->argv->len);
  FUZZ_CHECK(c.seen[M_SCRUB] == 1 && c.scrub_len == plan->scrub_paths->len);
  FUZZ_CHECK(!c.non_string_item);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  g_autoptr(GPtrArray) args = fuzz_split_args(data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(DmRequest) req = NULL;
  g_autoptr(DmDomainConfig) dc = NULL;
  g_autoptr(DmPlan) plan = NULL;
  g_autofree char *json = NULL;
  g_autofree char *log = NULL;
  DmQemuFacts facts = { 0 };
  const DmConfig *config = pick(data, size, &facts);

  req = dm_request_parse((int)args->len, (char *const *)args->pdata, &error);
  if (req == NULL) {
    FUZZ_CHECK(error != NULL && error->domain == DM_ERROR && error->code == DM_ERROR_INVALID);
    /* One line: the message goes into the toolstack's qemu-dm log. */
    FUZZ_CHECK(strchr(error->message, '\n') == NULL);
    return 0;
  }
  FUZZ_CHECK(error == NULL);

  /* Every argument kept, verbatim and in order. */
  FUZZ_CHECK(req->args->len == args->len);
  for (guint i = 0; i < args->len; i++)
    FUZZ_CHECK(strcmp(g_ptr_array_index(req->args, i), g_ptr_array_index(args, i)) == 0);
  if (req->flavour == DM_FLAVOUR_PROBE) {
    FUZZ_CHECK(req->domid == 0 && req->guest == DM_GUEST_UNKNOWN);
  } else {
    FUZZ_CHECK(req->domid >= 1 && req->domid <= DM_DOMID_MAX);
  }
  if (req->name != NULL)
    FUZZ_CHECK(dm_check_name(req->name, NULL));
  check_index(req, req->vnc_index, "vnc");
  check_index(req, req->display_index, "display");
  check_index(req, req->sandbox_index, "sandbox");

  dc = dm_config_for_domain(config, req->name, &error);
  FUZZ_CHECK(dc != NULL);
  plan = dm_plan_build(g_steal_pointer(&req), g_steal_pointer(&dc), &facts, &error);
  if (plan == NULL) {
    FUZZ_CHECK(error != NULL && error->domain == DM_ERROR);
    return 0;
  }
  FUZZ_CHECK(plan->argv->len >= 1 && plan->argv->pdata[plan->argv->len] == NULL);
  FUZZ_CHECK(strcmp(g_ptr_array_index(plan->argv, 0), plan->exec) == 0);
  for (guint i = 0; i < plan->scrub_paths->len; i++)
    check_scrub_path(plan->request, g_ptr_array_index(plan->scrub_paths, i));
  if (plan->request->flavour == DM_FLAVOUR_PROBE)
    FUZZ_CHECK(plan->scrub_paths->len == 0 && !plan->helper);

  json = dm_plan_to_json(plan);
  check_json(plan, json);
  log = dm_plan_argv_log(plan);
  FUZZ_CHECK(log != NULL);
  return 0;
}
