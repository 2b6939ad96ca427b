/*
 * The rules of a release: events in, state out.  A release file holds an
 * append-only array of events; replaying them from the start gives every
 * step's state.  ledger_apply() decides whether one more event is allowed
 * for its actor and applies it; the CLI, sync's re-validation on a remote
 * tip, and verify all go through it, so the rules live only here.
 *
 * Pure: no I/O, no clock of its own (an event carries its own time; the
 * judging clock comes with the state, release_state.clock), no printing.
 */
#ifndef RELCTL_LEDGER_H
#define RELCTL_LEDGER_H

#include <stdbool.h>
#include <time.h>

#include "cJSON.h"
#include "err.h"
#include "playbook.h"
#include "state.h"

#define LEDGER_FORMAT 1

struct event;

/* Limits of what one event may carry (docs/ledger.md). */
#define LEDGER_NAME_MAX 256          /* one-line fields: ids, verdicts, a brief hash */
#define LEDGER_TEXT_MAX (64 * 1024)  /* a note, a reason, a title, a hook's result */
#define LEDGER_LINK_MAX 2048         /* one evidence link */
#define LEDGER_LINKS_MAX 100         /* evidence links per event */
#define LEDGER_RELEASE_MAX (16 * 1024 * 1024) /* one release file */
#define LEDGER_EVENTS_MAX 100000     /* events in one release */

/*
 * Time (docs/ledger.md, "Time").  An arriving event (ledger_apply_new) is
 * dated no earlier than what it depends on: LEDGER_TIME_MIN for a start,
 * its release's start, its step's last change of state or holder, and for
 * a claim, an assignment or a decision the time its step became ready; and
 * no later than the judging clock (release_state's clock).  Each bound
 * gives LEDGER_CLOCK_SKEW of slack, for honest clocks a few minutes apart.
 * What the judge accepted is then dated within these bounds, so waits,
 * reminders, stats and forecasts read only judged times.
 */
#define LEDGER_CLOCK_SKEW (5 * 60)
#define LEDGER_TIME_MIN   ((time_t)1577836800) /* 2020-01-01T00:00:00Z: no relctl ledger is older */

/* A release as it would start with the playbook's default vars (for planning). */
struct release_state *ledger_planned(const struct playbook *pb);

/*
 * Checks that event is allowed now for its actor and applies it.  On refusal
 * err says why and what to do (65 bad state, 75 held by someone else, 77 not
 * allowed for the actor), and st is unchanged.
 */
int ledger_apply(struct release_state *st, const cJSON *event, struct error *err);

/*
 * The same for an event that is arriving (a mutation, or a commit the judge
 * checks): also the rules that compare it with what its author saw, such as
 * a decision's brief hash, which a replay of accepted history skips.
 */
int ledger_apply_new(struct release_state *st, const cJSON *event, struct error *err);

/*
 * ledger_apply_new, and who must hear of it (at now) appended to notices (a
 * JSON array; NULL: nobody is told), the rule every path that records an
 * event follows (a command, sync's replay of offline events):
 *   {"kind": "ready", "release", "step", "role"}: a step it made ready, for
 *     the people of its owner role (not a decision: the brief asks its owner);
 *   {"kind": "rejected", "release", "step", "item"?, "person", "by", "note"}:
 *     a review that sent work back, for the person it went back to and the
 *     release managers;
 *   {"kind": "finding", "release", "step" (the first gate), "finding",
 *     "severity", "title", "by"}: a finding of the playbook's most severe
 *     kind, for the people who decide and the release managers;
 *   {"kind": "decided", "release", "step" (the gate), "decision", "summary",
 *     "reason", "forced"}: a delay, an abort or a forced decision, for all.
 * The news of the event comes first, then the steps it made ready.
 */
int ledger_apply_notify(struct release_state *st, const cJSON *event, time_t now, cJSON *notices, struct error *err);

/* The checks of ledger_apply_new, without applying: whether event would be allowed now. */
int ledger_check(const struct release_state *st, const cJSON *event, struct error *err);

/*
 * Whether actor may do what (its op, step and fields; its id, time, actor
 * and candidate are filled in) at when: ledger_check on the event that
 * would be recorded.  Commands ask it before acting (relctl run, before
 * sending) and to say who can do what (relctl next), so the rule stays here.
 */
int ledger_may(const struct release_state *st, const char *actor, const struct event *what, time_t when,
	       struct error *err);

/*
 * Replays a release document's events.  A document of a newer format, or
 * one that is not a release, is refused (65) naming label.
 */
struct release_state *ledger_replay(const struct playbook *pb, const cJSON *doc, const char *label,
				    struct error *err);

#endif
