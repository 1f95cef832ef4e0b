#include "plan.h"
#include "escape.h"

#include <string.h>

#include <json-glib/json-glib.h>

GPtrArray *
dm_scrub_paths(const DmRequest *request, const DmDomainConfig *config)
{
  GPtrArray *paths = g_ptr_array_new_with_free_func(g_free);

  if (request->flavour == DM_FLAVOUR_PROBE)
    return paths;
  if (!((request->guest == DM_GUEST_HVM && config->scrub_hvm) ||
        (request->guest == DM_GUEST_PV && config->scrub_pv)))
    return paths;
  for (char **cls = config->scrub; cls && *cls; cls++)
    g_ptr_array_add(paths, g_strdup_printf("/local/domain/0/backend/%s/%u", *cls,
                                           request->domid));
  return paths;
}

DmPlan *
dm_plan_build(DmRequest *request, DmDomainConfig *config, const DmQemuFacts *facts,
              GError **error)
{
  g_autoptr(DmPlan) plan = g_new0(DmPlan, 1);

  plan->request = request;
  plan->config = config;
  plan->exec = g_strdup(dm_qemu_binary(request, config));
  plan->argv = dm_qemu_args_build_full(request, config, facts, &plan->setup, error);
  if (plan->argv == NULL)
    return NULL;
  plan->scrub_paths = dm_scrub_paths(request, config);
  plan->helper = config->helper && plan->scrub_paths->len > 0;
  /* In stale mode a backend must stay unserved for the grace, and nothing
   * can serve it before qemu runs, so a pass before exec could remove
   * nothing: then the boot does not wait for xenstore at all. */
  plan->scrub_before_exec = plan->scrub_paths->len > 0 &&
                            (config->scrub_mode == DM_SCRUB_ALWAYS ||
                             config->scrub_grace_ms == 0);
  return g_steal_pointer(&plan);
}

void
dm_plan_free(DmPlan *plan)
{
  if (plan == NULL)
    return;
  dm_request_free(plan->request);
  dm_domain_config_free(plan->config);
  g_free(plan->exec);
  if (plan->argv)
    g_ptr_array_unref(plan->argv);
  if (plan->scrub_paths)
    g_ptr_array_unref(plan->scrub_paths);
  dm_qemu_setup_clear(&plan->setup);
  g_free(plan);
}

/* JSON strings must be UTF-8, but qemu's argv is bytes: a toolstack may
 * pass a Latin-1 path.  json-glib would copy such bytes out verbatim and
 * the output would not parse, so each invalid sequence is shown as U+FFFD.
 * Only the printed plan is affected; the argv that is exec'd is not. */
static void
add_string(JsonBuilder *b, const char *value)
{
  if (g_utf8_validate(value, -1, NULL)) {
    json_builder_add_string_value(b, value);
  } else {
    g_autofree char *valid = g_utf8_make_valid(value, -1);
    json_builder_add_string_value(b, valid);
  }
}

static void
add_string_or_null(JsonBuilder *b, const char *member, const char *value)
{
  json_builder_set_member_name(b, member);
  if (value)
    add_string(b, value);
  else
    json_builder_add_null_value(b);
}

static void
add_string_array(JsonBuilder *b, const char *member, GPtrArray *items)
{
  json_builder_set_member_name(b, member);
  json_builder_begin_array(b);
  for (guint i = 0; items && i < items->len; i++)
    add_string(b, g_ptr_array_index(items, i)); /* image paths are bytes too */
  json_builder_end_array(b);
}

/* What the edges will do besides exec: files written and checked, the
 * environment, the sandbox (no secret values: only where they go). */
static void
add_setup(JsonBuilder *b, const DmQemuSetup *setup)
{
  const DmSandboxPolicy *sb = &setup->sandbox;

  add_string_array(b, "images", setup->images);
  add_string_or_null(b, "secret_file", setup->secret_path);
  add_string_or_null(b, "chroot", setup->chroot_dir);
  json_builder_set_member_name(b, "env");
  if (setup->env == NULL) {
    json_builder_add_null_value(b);
  } else {
    json_builder_begin_array(b);
    for (char **e = setup->env; *e; e++) {
      /* Names only: values (XAUTHORITY's path) are not secrets, but the
       * plan lists what crosses, not what it holds. */
      g_autofree char *name = g_strndup(*e, strcspn(*e, "="));
      add_string(b, name);
    }
    json_builder_end_array(b);
  }
  json_builder_set_member_name(b, "rlimits");
  json_builder_begin_object(b);
  for (guint i = 0; i < sb->n_rlimits; i++) {
    json_builder_set_member_name(b, sb->rlimits[i].resource == RLIMIT_FSIZE  ? "fsize"
                                    : sb->rlimits[i].resource == RLIMIT_CORE ? "core"
                                                                             : "other");
    json_builder_add_int_value(b, (gint64)sb->rlimits[i].limit);
  }
  json_builder_end_object(b);
  add_string_or_null(b, "fsize_skipped", setup->fsize_skipped);
  json_builder_set_member_name(b, "no_new_privs");
  json_builder_add_boolean_value(b, sb->no_new_privs);
  json_builder_set_member_name(b, "seccomp_denied");
  json_builder_begin_array(b);
  for (const char *const *n = sb->seccomp.syscalls; n && *n; n++)
    json_builder_add_string_value(b, *n);
  json_builder_end_array(b);
}

char *
dm_plan_to_json(const DmPlan *plan)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  g_autoptr(JsonGenerator) gen = json_generator_new();
  g_autoptr(JsonNode) root = NULL;
  const DmRequest *req = plan->request;

  json_builder_begin_object(b);
  add_string_or_null(b, "flavour", dm_flavour_name(req->flavour));
  json_builder_set_member_name(b, "domid");
  if (req->flavour == DM_FLAVOUR_PROBE)
    json_builder_add_null_value(b);
  else
    json_builder_add_int_value(b, req->domid);
  add_string_or_null(b, "name", req->name);
  add_string_or_null(b, "guest", dm_guest_name(req->guest));
  add_string_or_null(b, "exec", plan->exec);
  json_builder_set_member_name(b, "argv");
  json_builder_begin_array(b);
  for (guint i = 0; i < plan->argv->len; i++) {
    g_autofree char *shown = dm_redact_arg(g_ptr_array_index(plan->argv, i));
    add_string(b, shown);
  }
  json_builder_end_array(b);
  json_builder_set_member_name(b, "scrub");
  json_builder_begin_array(b);
  for (guint i = 0; i < plan->scrub_paths->len; i++)
    add_string(b, g_ptr_array_index(plan->scrub_paths, i));
  json_builder_end_array(b);
  add_string_or_null(b, "scrub_mode", dm_scrub_mode_name(plan->config->scrub_mode));
  json_builder_set_member_name(b, "scrub_grace_ms");
  json_builder_add_int_value(b, plan->config->scrub_grace_ms);
  json_builder_set_member_name(b, "scrub_window_s");
  json_builder_add_int_value(b, plan->config->scrub_window_s);
  json_builder_set_member_name(b, "helper");
  json_builder_add_boolean_value(b, plan->helper);
  json_builder_set_member_name(b, "scrub_before_exec");
  json_builder_add_boolean_value(b, plan->scrub_before_exec);
  add_setup(b, &plan->setup);
  json_builder_end_object(b);

  root = json_builder_get_root(b);
  json_generator_set_root(gen, root);
  return json_generator_to_data(gen, NULL);
}

char *
dm_plan_argv_log(const DmPlan *plan)
{
  GString *out = g_string_new(NULL);
  for (guint i = 0; i < plan->argv->len; i++) {
    g_autofree char *shown = dm_redact_arg(g_ptr_array_index(plan->argv, i));
    g_string_append_printf(out, "  argv[%u] = %s\n", i, shown);
  }
  return g_string_free(out, FALSE);
}
