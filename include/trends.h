/*
 * The trends page: the figures of `relctl stats --json` (docs/stats.md)
 * drawn as one self-contained HTML page with inline SVG and CSS (no
 * scripts, nothing fetched): who does the release, lead times, step cost
 * per year, the bus factor over time.  Pure; every text from the ledger is
 * escaped.
 */
#ifndef RELCTL_TRENDS_H
#define RELCTL_TRENDS_H

#include "cJSON.h"

/* stats is what stats_build returns; name is the playbook's.  Caller frees. */
char *trends_html(const cJSON *stats, const char *name);

#endif
