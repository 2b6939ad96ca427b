/*
 * No one alone on the critical path, pure: who knows which step across the
 * releases of a ledger (who did it in a real release, who shadowed it to
 * its finish, who did it in a rehearsal), and from that the steps only one
 * person has done, who is ready to do them next and who should shadow them
 * now; and the reminders a release is due at a given time.  The rules of
 * each event (who may shadow, hand over, be reminded of what, once a day)
 * stay in ledger.c: this module asks ledger_may().
 */
#ifndef RELCTL_DELEGATION_H
#define RELCTL_DELEGATION_H

#include <stddef.h>
#include <time.h>

#include "cJSON.h"
#include "ledger.h"
#include "summary.h"

/* What the team knows of one step; each a JSON array of person ids, in the order they learnt it. */
struct step_knowledge {
	cJSON *done_by;      /* did it in a real release */
	cJSON *shadowed_by;  /* shadowed it to its finish, and has not done it */
	cJSON *practised_by; /* did it in a rehearsal, and has not done it for real */
};

/*
 * The knowledge of each step of pb (parallel to pb->steps), matched by step
 * id over releases (oldest or newest first, either).  Free with
 * delegation_knowledge_free(k, pb).
 */
struct step_knowledge *delegation_knowledge(const struct release_summary *const *releases, size_t count,
					    const struct playbook *pb);
void delegation_knowledge_free(struct step_knowledge *k, const struct playbook *pb);

/* A bus-factor risk: done, but by fewer than two people. */
bool delegation_risky(const struct step_knowledge *k);

/*
 * stats' "shadowing" section: per step who has done, shadowed and
 * practised it, whether it is a risk, and who is ready to do it next (a
 * shadow or a rehearser who may claim it).  Caller deletes.
 */
cJSON *delegation_shadowing(const struct release_summary *const *releases, size_t count, const struct playbook *pb);

/*
 * Who should shadow step of st now: people of its role who have never done
 * it, or anyone when the role has one person; never its holder, a current
 * shadow or someone away.  A JSON array of ids; caller deletes.
 */
cJSON *delegation_suggest_shadows(const struct release_state *st, size_t step, const struct step_knowledge *k,
				  time_t now);

/* The newest release (by start) in which person shadowed step to its finish; NULL when none. */
const char *delegation_shadowed_in(const struct release_summary *const *releases, size_t count, const char *step,
				   const char *person);

/* One message remind would send. */
struct reminder_plan {
	const char *kind;   /* "reminder" or "escalation" */
	const char *person; /* the person reminded; NULL: the release managers */
	cJSON *steps;       /* step ids */
	char *message;      /* its human text, naming the steps ({{ready.message}}) */
	char *step_list;    /* "a, b" ({{ready.steps}}) */
};

/*
 * The reminders st is due at now, when actor records them: one per person
 * for the steps they hold that are overdue or idle, and one escalation to
 * the release managers for the steps overdue past escalate_after or
 * unclaimed too long; each step only while ledger_may() allows it (once per
 * step, person and day).  Returns how many; free with delegation_reminders_free.
 */
size_t delegation_reminders(const struct release_state *st, const char *actor, time_t now, struct reminder_plan **out);
void delegation_reminders_free(struct reminder_plan *plans, size_t count);

#endif
