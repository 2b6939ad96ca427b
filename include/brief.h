/*
 * The decision brief: everything a gate's owner needs to decide ship,
 * delay or abort, assembled from a release's state (testing results,
 * findings, the teams' inputs, what each option would mean).  Pure.
 */
#ifndef RELCTL_BRIEF_H
#define RELCTL_BRIEF_H

#include <time.h>

#include "cJSON.h"
#include "ledger.h"

/*
 * The brief of gate (a decision step; NULL: the playbook's first) as JSON
 * (docs/ledger.md, "The brief"): its phase's testing, the findings, its
 * inputs and its earlier decisions.  Caller deletes.
 */
cJSON *brief_build(const struct release_state *st, const struct pb_step *gate);

/*
 * The brief as GitHub-flavoured markdown, in the words of the release's
 * playbook pb (its candidate label, its findings' roles); caller frees.
 */
char *brief_markdown(const cJSON *brief, const struct playbook *pb);

/* SHA-256 of the brief's canonical JSON, recorded with a decision. */
int brief_hash(const cJSON *brief, char out[65]);
/* The hash of the brief of st as it stands: what a decision must carry (ledger.c checks it). */
int brief_state_hash(const struct release_state *st, const struct pb_step *gate, char out[65]);

#endif
