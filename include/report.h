/*
 * A release's record as markdown, self-contained HTML (inline CSS and an SVG
 * timeline, nothing external) or JSON.  Pure; callers free the text.
 */
#ifndef RELCTL_REPORT_H
#define RELCTL_REPORT_H

#include "cJSON.h"
#include "ledger.h"

/* signatures (may be NULL): provenance_events(), for an "Events and signatures" table. */
char *report_markdown(const struct release_state *st, const cJSON *doc, const cJSON *signatures);
char *report_html(const struct release_state *st, const cJSON *doc, const cJSON *signatures);
/* The release document with a derived "timeline"; caller deletes. */
cJSON *report_json(const struct release_state *st, const cJSON *doc);

#endif
