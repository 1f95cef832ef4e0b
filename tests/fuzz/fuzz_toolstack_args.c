/* libFuzzer harness: the toolstack's argv through the parser, the plan
 * builder and the --dry-run JSON, all pure code.  Any argv a toolstack (or
 * anyone able to run the launcher) hands over must end in a plan or in a
 * DM_ERROR_INVALID error, never a crash; and a plan must keep its
 * promises: every argument verbatim and in order, a domid in range, scrub
 * paths for that domid only, JSON that parses back. */
#include "fuzz_common.h"

#include "config.h"
#include "plan.h"
#include "toolstack_args.h"
#include "util.h"

#include <json-glib/json-glib.h>

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

static void
check_json(const DmPlan *plan, const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new();
  JsonObject *obj;
  JsonArray *argv, *scrub;

  FUZZ_CHECK(json_parser_load_from_data(parser, json, -1, NULL));
  FUZZ_CHECK(JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)));
  obj = json_node_get_object(json_parser_get_root(parser));
  FUZZ_CHECK(strcmp(json_object_get_string_member(obj, "flavour"),
                    dm_flavour_name(plan->request->flavour)) == 0);
  if (plan->request->flavour == DM_FLAVOUR_PROBE)
    FUZZ_CHECK(json_object_get_null_member(obj, "domid"));
  else
    FUZZ_CHECK(json_object_get_int_member(obj, "domid") == plan->request->domid);
  if (plan->request->name != NULL)
    FUZZ_CHECK(strcmp(json_object_get_string_member(obj, "name"),
                      plan->request->name) == 0);
  argv = json_object_get_array_member(obj, "argv");
  FUZZ_CHECK(json_array_get_length(argv) == plan->argv->len);
  scrub = json_object_get_array_member(obj, "scrub");
  FUZZ_CHECK(json_array_get_length(scrub) == plan->scrub_paths->len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  g_autoptr(GPtrArray) args = fuzz_split_args(data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(DmRequest) req = NULL;
  g_autoptr(DmConfig) config = dm_config_new_default();
  g_autoptr(DmDomainConfig) dc = NULL;
  g_autoptr(DmPlan) plan = NULL;
  g_autofree char *json = NULL;
  g_autofree char *log = NULL;
  DmQemuFacts facts = { .qemu_has_sandbox = size & 1 };

  req = dm_request_parse((int)args->len, (char *const *)args->pdata, &error);
  if (req == NULL) {
    FUZZ_CHECK(error != NULL && error->domain == DM_ERROR &&
               error->code == DM_ERROR_INVALID);
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
