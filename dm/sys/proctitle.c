#include "proctitle.h"
#include "build_config.h"
#include "util.h"

#include <string.h>
#include <sys/prctl.h>

static char *area;     /* argv[0]'s first byte */
static gsize area_len; /* through the last argument's NUL */

void
dm_proctitle_init(int argc, char **argv)
{
  if (argc < 1 || argv[0] == NULL)
    return;
  /* Only the contiguous run of argv strings: the kernel laid them out
   * back to back; stop at the first that is not where expected. */
  char *end = argv[0] + strlen(argv[0]) + 1;
  for (int i = 1; i < argc && argv[i] == end; i++)
    end = argv[i] + strlen(argv[i]) + 1;
  area = argv[0];
  area_len = (gsize)(end - argv[0]);
}

char *
dm_proctitle_for_helper(guint domid, const char *name)
{
  g_autofree char *safe = dm_escape_control(name ? name : "");
  if (name == NULL)
    return g_strdup_printf("%s: scrub helper for domain %u", DM_PROGRAM_NAME, domid);
  return g_strdup_printf("%s: scrub helper for domain %u (%s)", DM_PROGRAM_NAME, domid, safe);
}

void
dm_proctitle_set(const char *title)
{
  /* Never a syscall beyond prctl: the helper may already be sandboxed
   * when it logs, but this runs before. */
  prctl(PR_SET_NAME, "dm-scrub-helper", 0, 0, 0);
  if (area == NULL || area_len < 2)
    return;
  /* The kernel shows arg_start..arg_end: every byte past the title is
   * zeroed, so no trace of the toolstack's argv remains. */
  memset(area, 0, area_len);
  memcpy(area, title, MIN(strlen(title), area_len - 1));
}

void
dm_proctitle_set_helper(guint domid, const char *name)
{
  g_autofree char *title = dm_proctitle_for_helper(domid, name);
  dm_proctitle_set(title);
}
