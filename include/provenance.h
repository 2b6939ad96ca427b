/*
 * Who signed each event: the commit that added it and that commit's
 * signature as the judge found it.  The commit comes from judged content:
 * on an accepted commit the Relctl-Event line names the event its diff
 * appends (the judge refuses any other, judge.h); the refused commits a
 * restore left in the history count only for the events their diff appends.  The judge
 * checks every signature it meets (judging.c) and notes the outcome in a
 * cache in the git directory (relctl/signatures), so that log, show and
 * report can mark every event without running ssh-keygen again; a commit
 * the cache does not know is checked here, against the keys of the
 * playbook in force at it, and noted.
 */
#ifndef RELCTL_PROVENANCE_H
#define RELCTL_PROVENANCE_H

#include "cJSON.h"
#include "err.h"

struct session;
struct provenance_cache;
struct signature_check;

/* Notes the outcome of a signature check of commit. */
void provenance_note(struct session *s, const char *commit, const struct signature_check *check);

/*
 * For each event of the array events that a commit on the ledger branch
 * recorded: {EVENT-ID: {commit, signature: "good" | "unsigned" | "bad" |
 * "unknown-key", signer, fingerprint}} (signer and fingerprint null when
 * unsigned).  An event written by hand without a trailer is not in it, nor
 * one that only a refused commit's message names.
 * The history is walked from the tip only as far back as the oldest of
 * them, or to the tip of the map of earlier walks (relctl/event-commits),
 * whose commits are each checked to name their event.  Caller deletes.
 */
cJSON *provenance_events(struct session *s, const cJSON *events, struct error *err);

/* Adds to each event of the array events its "signature" from provenance_events() (null when unknown). */
void provenance_annotate(const cJSON *signatures, cJSON *events);

/* Frees what the session holds of the cache. */
void provenance_free(struct provenance_cache *cache);

/* "signed", "unsigned", "bad signature" or "unknown key": for human output; "?" when not known. */
const char *provenance_mark(const cJSON *events, const char *event_id);

#endif
