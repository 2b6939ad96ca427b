/*
 * What the unit tests of summaries share (test_stats, test_checklist,
 * test_delegation): the summaries of releases, each also written as the
 * cache writes it and read back, so every check holds for a summary from
 * the cache as for one made from the release; and stats over them, built
 * both ways and compared.  Include it after cmocka.h; its functions are
 * static inline.
 */
#ifndef RELCTL_SUMMARY_FIXTURE_H
#define RELCTL_SUMMARY_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "cJSON.h"
#include "stats.h"
#include "summary.h"

/* The summaries of n releases (docs parallel to them, or NULL), read back from their two JSON files. */
static inline struct release_summary **summaries_read_back(const struct release_state *const *rels,
							   const cJSON *const *docs, size_t n)
{
	struct release_summary **sums = summaries_of(rels, docs, n);
	struct error err = { 0, "" };
	size_t i;

	for (i = 0; i < n; i++) {
		cJSON *json = summary_to_json(sums[i]), *figures = summary_figures_to_json(sums[i]);
		char *text = cJSON_PrintUnformatted(json), *figures_text = cJSON_PrintUnformatted(figures);
		cJSON *back = cJSON_Parse(text), *figures_back = cJSON_Parse(figures_text);

		summary_free(sums[i]);
		sums[i] = summary_from_json(back, &err);
		if (sums[i] == NULL)
			fail_msg("a summary did not read back: %s\n%s", err.message, text);
		if (summary_figures_from_json(sums[i], figures_back, &err) != 0)
			fail_msg("a summary's figures did not read back: %s\n%s", err.message, figures_text);
		cJSON_Delete(back);
		cJSON_Delete(figures_back);
		cJSON_Delete(json);
		cJSON_Delete(figures);
		free(text);
		free(figures_text);
	}
	return sums;
}

/*
 * stats_build over the summaries of n releases, newest first: the same
 * document from summaries made now and from summaries read back.  Caller
 * deletes.
 */
static inline cJSON *stats_of(const struct release_state *const *rels, const cJSON *const *docs, size_t n,
			      const struct playbook *pb, const struct stats_options *opt)
{
	struct release_summary **fresh = summaries_of(rels, docs, n), **back = summaries_read_back(rels, docs, n);
	cJSON *stats = stats_build((const struct release_summary *const *)fresh, n, pb, opt);
	cJSON *again = stats_build((const struct release_summary *const *)back, n, pb, opt);
	char *a = cJSON_Print(stats), *b = cJSON_Print(again);

	if (strcmp(a, b) != 0)
		fail_msg("stats from summaries read back differ:\n%s\n---\n%s", a, b);
	free(a);
	free(b);
	cJSON_Delete(again);
	summaries_free(fresh, n);
	summaries_free(back, n);
	return stats;
}

#endif
