/*
 * Earliest-finish scheduling over the step graph.  A step starts when the
 * steps it needs and every step of the earlier phases have finished; its
 * finish is its start plus what remains of its duration.  The critical path
 * is traced back from the last finish through the predecessors that set
 * each start.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "schedule.h"

struct walk {
	const struct release_state *st;
	const long *durations;
	time_t now;
	struct schedule *out;
	int *state; /* 0 new, 1 visiting, 2 done */
};

static long remaining(const struct walk *w, size_t i)
{
	const struct pb_step *s = &w->st->pb->steps[i];
	const struct step_record *r = &w->st->steps[i];
	long d = w->durations ? w->durations[i] : s->estimate;

	if (s->kind == STEP_WAIT && s->min_duration > d)
		d = s->min_duration;
	if (r->base == STATE_CLAIMED && r->claimed_at) {
		long elapsed = (long)(w->now - r->claimed_at);

		d = d > elapsed ? d - elapsed : 0;
	}
	if (r->base == STATE_IN_REVIEW)
		d = 0;
	return d;
}

static void visit(struct walk *w, size_t i);

static void consider(struct walk *w, size_t i, long pred)
{
	struct schedule_step *me = &w->out->steps[i];

	if (pred < 0)
		return;
	visit(w, (size_t)pred);
	if (w->out->steps[pred].finished)
		return;
	if (w->out->steps[pred].finish > me->start) {
		me->start = w->out->steps[pred].finish;
		me->predecessor = pred;
	}
}

static void visit(struct walk *w, size_t i)
{
	const struct playbook *pb = w->st->pb;
	const struct pb_step *s = &pb->steps[i];
	struct schedule_step *me = &w->out->steps[i];
	size_t k, p;

	if (w->state[i] != 0)
		return; /* done, or a cycle, which lint refuses */
	w->state[i] = 1;
	me->predecessor = -1;
	me->start = w->now;
	me->finished = w->st->steps[i].base == STATE_DONE || w->st->steps[i].base == STATE_SKIPPED;
	if (!me->finished) {
		for (k = 0; k < s->needs.count; k++) {
			const struct pb_step *dep = playbook_step(pb, s->needs.items[k]);

			if (dep)
				consider(w, i, (long)dep->index);
		}
		for (p = 0; p < s->phase; p++) {
			const struct pb_phase *ph = &pb->phases[p];

			for (k = 0; k < ph->step_count; k++)
				consider(w, i, (long)(ph->first_step + k));
		}
		me->duration = remaining(w, i);
		me->finish = me->start + me->duration;
	} else {
		/* The last change of a done step is its approval, if it was reviewed. */
		me->finish = w->st->steps[i].changed_at ? w->st->steps[i].changed_at : w->now;
	}
	w->state[i] = 2;
}

void schedule_compute(const struct release_state *st, const long *durations, time_t now, struct schedule *out)
{
	const struct playbook *pb = st->pb;
	struct walk w = { st, durations, now, out, NULL };
	long last = -1;
	size_t i, n;

	memset(out, 0, sizeof(*out));
	out->steps = xcalloc(pb->step_count + 1, sizeof(*out->steps));
	out->path = xcalloc(pb->step_count + 1, sizeof(*out->path));
	w.state = xcalloc(pb->step_count + 1, sizeof(*w.state));
	for (i = 0; i < pb->step_count; i++)
		visit(&w, i);
	out->complete = pb->step_count > 0;
	for (i = 0; i < pb->step_count; i++)
		if (!out->steps[i].finished)
			out->complete = false;
	out->finish = out->complete ? 0 : now;
	for (i = 0; out->complete && i < pb->step_count; i++)
		if (out->steps[i].finish > out->finish)
			out->finish = out->steps[i].finish;
	for (i = 0; i < pb->step_count; i++) {
		if (out->steps[i].finished)
			continue;
		if (last < 0 || out->steps[i].finish > out->finish) {
			out->finish = out->steps[i].finish;
			last = (long)i;
		}
	}
	/* Walk back from the last finish, then reverse into first-first order. */
	for (n = 0; last >= 0 && n < pb->step_count; n++) {
		out->path[n] = (size_t)last;
		last = out->steps[last].predecessor;
	}
	out->path_len = n;
	for (i = 0; i < n / 2; i++) {
		size_t t = out->path[i];

		out->path[i] = out->path[n - 1 - i];
		out->path[n - 1 - i] = t;
	}
	out->remaining = out->complete ? 0 : (long)(out->finish - now);
	free(w.state);
}

bool schedule_phase_finish(const struct schedule *s, const struct pb_phase *ph, time_t now, time_t *finish)
{
	bool finished = true;
	size_t i;

	*finish = 0;
	for (i = 0; i < ph->step_count; i++) {
		const struct schedule_step *step = &s->steps[ph->first_step + i];

		finished = finished && step->finished;
		if (step->finish > *finish)
			*finish = step->finish;
	}
	if (*finish == 0)
		*finish = now;
	return finished;
}

void schedule_release(struct schedule *s)
{
	free(s->steps);
	free(s->path);
	memset(s, 0, sizeof(*s));
}
