/* `diagnose` output: a table for a person, JSON for a script.  Pure:
 * a report in, a string out. */
#pragma once
#include "diagnose.h"

/* The report as a readable table.  `colour` adds ANSI colours (the caller
 * decides: only on a terminal, and not with NO_COLOR set). */
char *dm_diagnose_format_table(const DmDiagReport *report, gboolean colour);

/* The report as one JSON object (pretty-printed, newline-terminated). */
char *dm_diagnose_format_json(const DmDiagReport *report);

/* `diagnose --all`: one line per report (DmDiagReport *), like `xl list`,
 * with each domain's worst finding; or a JSON array of one object each. */
char *dm_diagnose_format_all_table(const GPtrArray *reports);
char *dm_diagnose_format_all_json(const GPtrArray *reports);
