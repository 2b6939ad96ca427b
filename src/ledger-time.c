/*
 * When an event may be dated (ledger.h, "Time"): not before what it
 * depends on (the first possible ledger, its release's start, its step's
 * last change of state or holder, the time its step became ready, the
 * result of the checklist item or the finding it names) nor after the judging clock, with LEDGER_CLOCK_SKEW of
 * slack either way; and the step times those bounds read, kept as every
 * event settles.  Part of the rules: the judge, a mutation and sync's
 * replay all check an arriving event here, through ledger_apply_new.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger-private.h"
#include "util.h"

void settle_times(struct release_state *st, time_t when)
{
	size_t i, phase = (size_t)-1;
	bool phase_open = false;

	for (i = 0; i < st->pb->step_count; i++) {
		struct step_record *r = &st->steps[i];
		bool ready;

		/* Each phase's openness once, not once per step (a replay settles after every event). */
		if (st->pb->steps[i].phase != phase) {
			phase = st->pb->steps[i].phase;
			phase_open = ledger_phase_open(st, phase);
		}
		ready = r->base == STATE_READY && phase_open && needs_finished(st, i);

		if (r->base != r->since_base) {
			r->since = when;
			r->since_base = r->base;
		}
		if (ready && !r->since_ready)
			r->ready_since = when;
		r->since_ready = ready;
	}
}

/* A clock's error in its largest unit, rounded: "3 days", "57 years", "1 hour", "7 minutes". */
static char *skew_text(long seconds, char *out, size_t size)
{
	static const struct {
		long len;
		const char *unit;
	} units[] = {
	    {365L * 86400, "year"},
	    {86400, "day"},
	    {3600, "hour"},
	    {60, "minute"},
	};
	size_t i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (seconds >= units[i].len) {
			long n = (seconds + units[i].len / 2) /
			         units[i].len; /* the nearest: 2 days 23 hours read "3 days" */

			snprintf(out, size, "%ld %s%s", n, units[i].unit, n == 1 ? "" : "s");
			return out;
		}
	snprintf(out, size, "%ld second%s", seconds, seconds == 1 ? "" : "s");
	return out;
}

/* The record of the step o's event depends on: its step, or a decision's gate; NULL for a release-wide op. */
static const struct step_record *step_of(const struct op_ctx *o, const struct op_def *def, const char **id)
{
	const struct pb_step *gate;

	if (o->rec) {
		*id = o->step->id;
		return o->rec;
	}
	if (def->step != OP_STEP_GATE || o->st->event_count == 0)
		return NULL;
	gate = ledger_gate_of(o->st, o->ev->step);
	if (gate == NULL)
		return NULL; /* its check says why */
	*id = gate->id;
	return &o->st->steps[gate->index];
}

int check_time(const struct op_ctx *o, const struct op_def *def, struct error *err)
{
	const struct release_state *st = o->st;
	const struct event *ev = o->ev;
	const struct step_record *rec;
	const struct finding *f = ev->finding ? ledger_finding(st, ev->finding) : NULL;
	const char *step = NULL;
	char what[LEDGER_NAME_MAX * 2 + 16], bound[LEDGER_NAME_MAX * 2 + 64];
	char t[32], b[32], skew[32], slack[32];
	time_t floor;

	snprintf(what, sizeof(what), "%s%s%s", ev->op, ev->step ? " of " : "", ev->step ? ev->step : "");
	skew_text(LEDGER_CLOCK_SKEW, slack, sizeof(slack));
	if (st->clock && ev->time > st->clock + LEDGER_CLOCK_SKEW)
		return error_set(err, EXIT_DATAERR,
		                 "%s's clock is %s ahead of the judging clock (%s): this %s is dated %s; clocks may be "
		                 "%s apart at most: fix the clock",
		                 ev->actor, skew_text((long)(ev->time - st->clock), skew, sizeof(skew)),
		                 time_format(st->clock, b, sizeof(b)), what, time_format(ev->time, t, sizeof(t)),
		                 slack);
	if (st->event_count == 0) {
		floor = LEDGER_TIME_MIN;
		snprintf(bound, sizeof(bound), "the first relctl ledger");
	} else {
		floor = st->started_at;
		snprintf(bound, sizeof(bound), "release %s's start", st->version);
	}
	rec = step_of(o, def, &step);
	if (rec && rec->since > floor) {
		floor = rec->since;
		snprintf(bound, sizeof(bound), "the last change of %s (%s)", step, step_state_name(rec->base));
	}
	if (rec && def->after == AFTER_READY && rec->ready_since > floor) {
		floor = rec->ready_since;
		snprintf(bound, sizeof(bound), "the time %s became ready", step);
	}
	if (rec && ev->item) {
		size_t k;

		for (k = 0; k < rec->checklist.count; k++) {
			const struct check_item *it = &rec->checklist.items[k];

			if (it->result && it->at > floor && strcmp(it->id, ev->item) == 0) {
				floor = it->at;
				snprintf(bound, sizeof(bound), "the result of %s's item %s", step, it->id);
			}
		}
	}
	if (f && f->at > floor) {
		floor = f->at;
		snprintf(bound, sizeof(bound), "finding %s's report", f->id);
	}
	if (ev->time >= floor - LEDGER_CLOCK_SKEW)
		return 0;
	skew_text((long)(floor - ev->time), skew, sizeof(skew));
	time_format(floor, b, sizeof(b));
	time_format(ev->time, t, sizeof(t));
	/* Dated now by this clock, it is the clock that is wrong; made elsewhere, it may also be older than what
	 * changed since. */
	if (st->own_clock)
		return error_set(err, EXIT_DATAERR,
		                 "your clock is %s behind %s (%s): this %s would be dated %s; clocks may be %s apart "
		                 "at most: fix the clock",
		                 skew, bound, b, what, t, slack);
	return error_set(err, EXIT_DATAERR,
	                 "%s's %s is dated %s, %s before %s (%s), which it follows; clocks may be %s apart at most",
	                 ev->actor, what, t, skew, bound, b, slack);
}
