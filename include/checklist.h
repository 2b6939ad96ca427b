/*
 * A step's checklist in a release (checklist.c): its items, their counts,
 * and which review a step in review waits for.
 */
#ifndef RELCTL_CHECKLIST_H
#define RELCTL_CHECKLIST_H

#include <stdbool.h>
#include <stddef.h>

#include "state.h"

/* Counts of a checklist's items that are not removed. */
struct checklist_counts {
	size_t total, pass, fail, na, unchecked;
	size_t review_pending; /* items with a review role whose result is not approved yet */
};

/* The most characters of an item id made of its text (checklist_item_id), cut back to a whole word. */
#define CHECKLIST_ITEM_ID_MAX 24
/*
 * The id of an item added without one, made of its text, as 'relctl
 * checklist add' and the board make it: "Static IP: saved & reached again"
 * -> "static-ip-saved-reached"; "item" when the text has no letter or digit.
 */
void checklist_item_id(const char *text, char out[CHECKLIST_ITEM_ID_MAX + 1]);

void checklist_count(const struct checklist *list, struct checklist_counts *out);
/* The item id of list (removed ones too: see removed_by), or NULL. */
const struct check_item *checklist_item(const struct checklist *list, const char *id);
/* The role a step in review waits for: its own review role, else that of the first item still to approve. */
const char *ledger_review_role(const struct release_state *st, size_t step);
/*
 * "1 of 2 approvals" in out for a step whose review asks for more than one
 * approval, or NULL for a review of one (and a step with none).
 */
const char *ledger_approvals(const struct release_state *st, size_t step, char *out, size_t size);
/*
 * The item of a held step whose owner role (not the holder) checks it,
 * still unchecked, that person may check: the first at or after *from, or
 * NULL.  *from moves past it.
 */
const struct check_item *ledger_owned_item(const struct release_state *st, size_t step, const char *person,
					   size_t *from);
/* Whether the step's record has a checklist now or had one in an earlier candidate. */
bool ledger_has_checklist(const struct step_record *r);

#endif
