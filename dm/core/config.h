/* The launcher's config file: GKeyFile with a global [launcher] group and
 * per-domain [domain:NAME] groups.  Pure code: loading takes the file's
 * text, so that tests and fuzzers drive it without touching files. */
#pragma once
#include "config_keys.h"

typedef struct DmConfig DmConfig;

/* Parses config text.  `origin` names it in messages.  Warnings (unknown
 * keys or groups) are appended to `warnings` (may be NULL): they never
 * stop a guest from booting.  Wrong types and malformed lines are errors
 * that carry the line number where GKeyFile gives one. */
DmConfig *dm_config_parse(const char *text, gsize length, const char *origin, GPtrArray *warnings,
                          GError **error);
/* Built-in defaults only (no file). */
DmConfig *dm_config_new_default(void);
void dm_config_free(DmConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DmConfig, dm_config_free)

/* Resolves the settings for a domain (name may be NULL: a probe, or a
 * toolstack that passed no name). */
DmDomainConfig *dm_config_for_domain(const DmConfig *config, const char *name, GError **error);

/* `check`: appends to `problems` one message per problem in config text,
 * each naming its line ("line 7: [launcher] unknown key scrub_mode: did
 * you mean scrub-mode?"): what parsing refuses, and the xl.cfg habits it
 * would take silently (quotes, comma lists, inline '#'). */
void dm_config_lint(const char *text, GPtrArray *problems);

/* The NAMEs of the config's [domain:NAME] groups. */
GStrv dm_config_domain_groups(const DmConfig *config);
