/* `diagnose` output: a table for a person, JSON for a script.  Pure:
 * a report in, a string out. */
#pragma once
#include "diagnose.h"

/* The report as a readable table.  `colour` adds ANSI colours (the caller
 * decides: only on a terminal, and not with NO_COLOR set). */
char *dm_diagnose_format_table(const DmDiagReport *report, gboolean colour);

/* The report as one JSON object (pretty-printed, newline-terminated). */
char *dm_diagnose_format_json(const DmDiagReport *report);
