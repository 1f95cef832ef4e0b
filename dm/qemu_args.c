#include "qemu_args.h"

const char *
dm_qemu_binary(const DmRequest *request, const DmDomainConfig *dc)
{
  return request->flavour == DM_FLAVOUR_TRADITIONAL ? dc->qemu_xen_traditional
                                                    : dc->qemu_xen;
}

GPtrArray *
dm_qemu_args_build(const DmRequest *request, const DmDomainConfig *dc,
                   const DmQemuFacts *facts, GError **error)
{
  g_autoptr(GPtrArray) argv =
    g_ptr_array_new_null_terminated(request->args->len + 8, g_free, TRUE);

  g_ptr_array_add(argv, g_strdup(dm_qemu_binary(request, dc)));
  /* A probe only asks qemu what it can do: pass it through untouched. */
  for (guint i = 0; i < request->args->len; i++)
    g_ptr_array_add(argv, g_strdup(g_ptr_array_index(request->args, i)));
  return g_steal_pointer(&argv);
}
