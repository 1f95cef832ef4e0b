#include "plan.h"
#include "qemu_opts.h"
#include "util.h"

#include <string.h>

#include "json.h"

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
    g_ptr_array_add(paths, g_strdup_printf("/local/domain/0/backend/%s/%u", *cls, request->domid));
  return paths;
}

gboolean
dm_request_may_serve_stubdom(const DmRequest *request)
{
  return request->flavour == DM_FLAVOUR_QEMU_XEN && request->guest == DM_GUEST_PV &&
         request->name != NULL && g_str_has_suffix(request->name, "-dm") &&
         strlen(request->name) > 3;
}

/* In stale mode the boot never waits for xenstore (see dm_plan_build). */
static void
plan_scrub_steps(DmPlan *plan)
{
  const DmDomainConfig *config = plan->config;
  plan->helper = config->helper && plan->scrub_paths->len > 0;
  plan->scrub_before_exec = plan->scrub_paths->len > 0 &&
                            (config->scrub_mode == DM_SCRUB_ALWAYS || config->scrub_grace_ms == 0);
}

guint
dm_plan_add_stubdom_target(DmPlan *plan, guint target)
{
  DmRequest hvm = { .flavour = DM_FLAVOUR_QEMU_XEN, .guest = DM_GUEST_HVM, .domid = target };
  g_autoptr(GPtrArray) paths = dm_scrub_paths(&hvm, plan->config);

  for (guint i = 0; i < paths->len; i++)
    g_ptr_array_add(plan->scrub_paths, g_strdup(g_ptr_array_index(paths, i)));
  plan_scrub_steps(plan);
  return paths->len;
}

DmPlan *
dm_plan_build(DmRequest *request, DmDomainConfig *config, const DmQemuFacts *facts, GError **error)
{
  g_autoptr(DmPlan) plan = g_new0(DmPlan, 1);

  plan->request = request;
  plan->config = config;
  plan->exec = g_strdup(dm_qemu_binary(request, config));
  plan->argv = dm_qemu_args_build_full(request, config, facts, &plan->setup, error);
  if (plan->argv == NULL)
    return NULL;
  plan->scrub_paths = dm_scrub_paths(request, config);
  /* In stale mode a backend must stay unserved for the grace, and nothing
   * can serve it before qemu runs, so a pass before exec could remove
   * nothing: then the boot does not wait for xenstore at all. */
  plan_scrub_steps(plan);
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

static void
add_string_array(DmJson *b, const char *member, GPtrArray *items)
{
  dm_json_member(b, member);
  dm_json_begin_array(b);
  for (guint i = 0; items && i < items->len; i++)
    dm_json_string(b, g_ptr_array_index(items, i)); /* image paths are bytes too */
  dm_json_end_array(b);
}

/* The config keys the plan shows (DM_CONFIG_KEY_IN_PLAN), named with '_'
 * for '-': "scrub_grace_ms": 2000. */
static void
add_config(DmJson *b, const DmDomainConfig *dc)
{
  for (guint i = 0; dm_config_key(i); i++) {
    const DmConfigKey *key = dm_config_key(i);
    if (!(key->flags & DM_CONFIG_KEY_IN_PLAN))
      continue;
    g_autofree char *member = g_strdelimit(g_strdup(key->name), "-", '_');
    g_autofree char *value = dm_config_key_value(key, dc);
    if (dm_config_key_is_number(key))
      dm_json_member_int(b, member, value ? g_ascii_strtoll(value, NULL, 10) : 0, value != NULL);
    else
      dm_json_member_string(b, member, value);
  }
}

/* What the edges will do besides exec: files written and checked, the
 * environment, the sandbox (no secret values: only where they go). */
static void
add_setup(DmJson *b, const DmQemuSetup *setup)
{
  const DmSandboxPolicy *sb = &setup->sandbox;

  add_string_array(b, "images", setup->images);
  dm_json_member_string(b, "secret_file", setup->secret_path);
  dm_json_member_string(b, "chroot", setup->chroot_dir);
  dm_json_member(b, "env");
  if (setup->env == NULL) {
    dm_json_null(b);
  } else {
    dm_json_begin_array(b);
    for (char **e = setup->env; *e; e++) {
      /* Names only: values (XAUTHORITY's path) are not secrets, but the
       * plan lists what crosses, not what it holds. */
      g_autofree char *name = g_strndup(*e, strcspn(*e, "="));
      dm_json_string(b, name);
    }
    dm_json_end_array(b);
  }
  dm_json_member(b, "rlimits");
  dm_json_begin_object(b);
  for (guint i = 0; i < sb->n_rlimits; i++) {
    dm_json_member(b, sb->rlimits[i].resource == RLIMIT_FSIZE  ? "fsize"
                      : sb->rlimits[i].resource == RLIMIT_CORE ? "core"
                                                               : "other");
    dm_json_int(b, (gint64)sb->rlimits[i].limit);
  }
  dm_json_end_object(b);
  dm_json_member_string(b, "fsize_skipped", setup->fsize_skipped);
  dm_json_member_string(b, "qemu_sandbox_skipped", setup->qemu_sandbox_skipped);
  dm_json_member_string(b, "restrict_skipped", setup->restrict_skipped);
  dm_json_member_bool(b, "no_new_privs", sb->no_new_privs);
  dm_json_member(b, "seccomp_denied");
  dm_json_begin_array(b);
  for (const char *const *n = sb->seccomp.syscalls; n && *n; n++)
    dm_json_string(b, *n);
  dm_json_end_array(b);
}

char *
dm_plan_to_json(const DmPlan *plan)
{
  g_autoptr(DmJson) b = dm_json_new(FALSE);
  const DmRequest *req = plan->request;

  dm_json_begin_object(b);
  dm_json_member_string(b, "flavour", dm_flavour_name(req->flavour));
  dm_json_member_int(b, "domid", req->domid, req->flavour != DM_FLAVOUR_PROBE);
  dm_json_member_string(b, "name", req->name);
  dm_json_member_string(b, "guest", dm_guest_name(req->guest));
  dm_json_member_string(b, "exec", plan->exec);
  dm_json_member(b, "argv");
  dm_json_begin_array(b);
  for (guint i = 0; i < plan->argv->len; i++) {
    g_autofree char *shown = dm_redact_arg(g_ptr_array_index(plan->argv, i));
    dm_json_string(b, shown);
  }
  dm_json_end_array(b);
  dm_json_member(b, "scrub");
  dm_json_begin_array(b);
  for (guint i = 0; i < plan->scrub_paths->len; i++)
    dm_json_string(b, g_ptr_array_index(plan->scrub_paths, i));
  dm_json_end_array(b);
  add_config(b, plan->config);
  dm_json_member_bool(b, "helper", plan->helper);
  dm_json_member_bool(b, "scrub_before_exec", plan->scrub_before_exec);
  add_setup(b, &plan->setup);
  dm_json_end_object(b);

  return dm_json_finish(b);
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

/* Joins an array's items with ", ", or gives `none`. */
static char *
join_or(GPtrArray *items, const char *none)
{
  if (items == NULL || items->len == 0)
    return g_strdup(none);
  g_autoptr(GString) out = g_string_new(NULL);
  for (guint i = 0; i < items->len; i++)
    g_string_append_printf(out, "%s%s", i ? ", " : "", (char *)items->pdata[i]);
  return g_string_free(g_steal_pointer(&out), FALSE);
}

static void
text_sandbox(GString *out, const DmPlan *plan)
{
  const DmQemuSetup *setup = &plan->setup;
  const DmSandboxPolicy *sb = &setup->sandbox;

  g_string_append(out, "sandbox:   ");
  if (sb->change_ids)
    g_string_append_printf(out, "runs as uid %u gid %u; ", (unsigned)sb->uid, (unsigned)sb->gid);
  else
    g_string_append(out, "keeps the launcher's user; ");
  if (setup->chroot_dir)
    g_string_append_printf(out, "chroot %s; ", setup->chroot_dir);
  for (guint i = 0; i < sb->n_rlimits; i++)
    g_string_append_printf(out, "RLIMIT_%s %llu; ",
                           sb->rlimits[i].resource == RLIMIT_FSIZE  ? "FSIZE"
                           : sb->rlimits[i].resource == RLIMIT_CORE ? "CORE"
                                                                    : "other",
                           (unsigned long long)sb->rlimits[i].limit);
  guint denied = 0;
  for (const char *const *n = sb->seccomp.syscalls; n && *n; n++)
    denied++;
  g_string_append_printf(out, "no_new_privs %s; seccomp denies %u syscalls\n",
                         sb->no_new_privs ? "on" : "off", denied);
  if (setup->fsize_skipped)
    g_string_append_printf(out, "           no RLIMIT_FSIZE: %s\n", setup->fsize_skipped);
  if (setup->qemu_sandbox_skipped)
    g_string_append_printf(out, "           no qemu -sandbox: %s\n", setup->qemu_sandbox_skipped);
}

char *
dm_plan_to_text(const DmPlan *plan)
{
  const DmRequest *req = plan->request;
  const DmDomainConfig *dc = plan->config;
  g_autoptr(GString) out = g_string_new(NULL);
  g_autofree char *scrub = join_or(plan->scrub_paths, "nothing (this guest type is not scrubbed)");
  g_autofree char *images = join_or(plan->setup.images, "none");
  g_autofree char *name = dm_escape_control(req->name ? req->name : "(none)");

  g_string_append_printf(out, "flavour:   %s\n", dm_flavour_name(req->flavour));
  if (req->flavour != DM_FLAVOUR_PROBE)
    g_string_append_printf(out, "domid:     %u\n", req->domid);
  g_string_append_printf(out, "name:      %s\n", name);
  g_string_append_printf(out, "guest:     %s\n", dm_guest_name(req->guest));
  g_string_append_printf(out, "scrub:     %s\n", scrub);
  if (plan->scrub_paths->len > 0)
    g_string_append_printf(out, "           scrub-mode %s, grace %u ms, %s, %s\n",
                           dm_scrub_mode_name(dc->scrub_mode), dc->scrub_grace_ms,
                           plan->scrub_before_exec ? "a pass before exec" : "no pass before exec",
                           plan->helper ? "then a helper watches" : "no helper");
  if (plan->helper)
    g_string_append_printf(out, "           the helper watches for %u s\n", dc->scrub_window_s);
  g_string_append_printf(out, "qemu:      %s, %u arguments:", plan->exec, plan->argv->len - 1);
  /* An option and its value on one line, as a person reads them. */
  for (guint i = 1; i < plan->argv->len; i++) {
    const char *arg = g_ptr_array_index(plan->argv, i);
    g_autofree char *shown = dm_redact_arg(arg);
    g_autofree char *safe = dm_escape_control(shown);
    g_string_append_printf(out, "%s%s", arg[0] == '-' || i == 1 ? "\n             " : " ", safe);
  }
  g_string_append_c(out, '\n');
  g_string_append_printf(out, "images:    %s\n", images);
  if (plan->setup.secret_path)
    g_string_append_printf(out, "secret:    VNC password written to %s (not on argv)\n",
                           plan->setup.secret_path);
  text_sandbox(out, plan);
  return g_string_free(g_steal_pointer(&out), FALSE);
}

char *
dm_plan_dry_run(const DmPlan *plan, gboolean json)
{
  if (!json)
    return dm_plan_to_text(plan);
  g_autofree char *line = dm_plan_to_json(plan);
  return g_strconcat(line, "\n", NULL);
}
