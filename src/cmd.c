/*
 * The command table and its look-up.  Adding a command is one line here
 * plus its src/cmd-NAME.c.
 */
#include <string.h>

#include "relctl.h"
#include "util.h"

extern const struct cmd_entry cmd_lint_entry;
extern const struct cmd_entry cmd_playbook_show_entry;
extern const struct cmd_entry cmd_init_entry;
extern const struct cmd_entry cmd_playbook_update_entry;
extern const struct cmd_entry cmd_playbook_new_entry;
extern const struct cmd_entry cmd_start_entry;
extern const struct cmd_entry cmd_claim_entry;
extern const struct cmd_entry cmd_unclaim_entry;
extern const struct cmd_entry cmd_assign_entry;
extern const struct cmd_entry cmd_done_entry;
extern const struct cmd_entry cmd_skip_entry;
extern const struct cmd_entry cmd_reopen_entry;
extern const struct cmd_entry cmd_block_entry;
extern const struct cmd_entry cmd_unblock_entry;
extern const struct cmd_entry cmd_review_entry;
extern const struct cmd_entry cmd_sync_entry;
extern const struct cmd_entry cmd_report_entry;
extern const struct cmd_entry cmd_forecast_entry;
extern const struct cmd_entry cmd_stats_entry;
extern const struct cmd_entry cmd_completion_entry;
extern const struct cmd_entry cmd_verify_entry;
extern const struct cmd_entry cmd_run_entry;
extern const struct cmd_entry cmd_finding_add_entry;
extern const struct cmd_entry cmd_finding_update_entry;
extern const struct cmd_entry cmd_finding_list_entry;
extern const struct cmd_entry cmd_input_entry;
extern const struct cmd_entry cmd_brief_entry;
extern const struct cmd_entry cmd_decide_entry;
extern const struct cmd_entry cmd_releases_entry;
extern const struct cmd_entry cmd_status_entry;
extern const struct cmd_entry cmd_next_entry;
extern const struct cmd_entry cmd_show_entry;
extern const struct cmd_entry cmd_log_entry;
extern const struct cmd_entry cmd_keys_allowed_signers_entry;
extern const struct cmd_entry cmd_shadow_entry;
extern const struct cmd_entry cmd_handover_entry;
extern const struct cmd_entry cmd_away_entry;
extern const struct cmd_entry cmd_remind_entry;
extern const struct cmd_entry cmd_notify_entry;
extern const struct cmd_entry cmd_check_entry;
extern const struct cmd_entry cmd_checklist_add_entry;
extern const struct cmd_entry cmd_checklist_remove_entry;
extern const struct cmd_entry cmd_board_entry;

const struct cmd_entry *const cmd_table[] = {
	&cmd_init_entry,
	&cmd_lint_entry,
	&cmd_playbook_show_entry,
	&cmd_playbook_update_entry,
	&cmd_playbook_new_entry,
	&cmd_start_entry,
	&cmd_releases_entry,
	&cmd_status_entry,
	&cmd_next_entry,
	&cmd_show_entry,
	&cmd_claim_entry,
	&cmd_unclaim_entry,
	&cmd_assign_entry,
	&cmd_done_entry,
	&cmd_skip_entry,
	&cmd_reopen_entry,
	&cmd_block_entry,
	&cmd_unblock_entry,
	&cmd_review_entry,
	&cmd_shadow_entry,
	&cmd_handover_entry,
	&cmd_away_entry,
	&cmd_remind_entry,
	&cmd_notify_entry,
	&cmd_check_entry,
	&cmd_checklist_add_entry,
	&cmd_checklist_remove_entry,
	&cmd_finding_add_entry,
	&cmd_finding_update_entry,
	&cmd_finding_list_entry,
	&cmd_input_entry,
	&cmd_brief_entry,
	&cmd_decide_entry,
	&cmd_run_entry,
	&cmd_log_entry,
	&cmd_sync_entry,
	&cmd_stats_entry,
	&cmd_report_entry,
	&cmd_forecast_entry,
	&cmd_board_entry,
	&cmd_verify_entry,
	&cmd_keys_allowed_signers_entry,
	&cmd_completion_entry,
	NULL,
};

/*
 * Finds "first" or "first second" (for two-word commands such as "finding
 * add"); words_used says how many words the match took.
 */
const struct cmd_entry *cmd_find(const char *first, const char *second, int *words_used)
{
	size_t len = strlen(first), i;

	for (i = 0; second && cmd_table[i]; i++) {
		const char *name = cmd_table[i]->name;

		if (strncmp(name, first, len) == 0 && name[len] == ' ' && strcmp(name + len + 1, second) == 0) {
			*words_used = 2;
			return cmd_table[i];
		}
	}
	for (i = 0; cmd_table[i]; i++) {
		if (strcmp(cmd_table[i]->name, first) == 0) {
			*words_used = 1;
			return cmd_table[i];
		}
	}
	return NULL;
}

/* Whether name is of group ("finding add" of "finding"); every name is of the NULL group. */
static bool in_group(const char *name, const char *group)
{
	size_t len = group ? strlen(group) : 0;

	return group == NULL || (strncmp(name, group, len) == 0 && name[len] == ' ');
}

size_t cmd_subcommands(const char *group, const char **words, size_t max)
{
	size_t i, n = 0;

	for (i = 0; cmd_table[i]; i++)
		if (in_group(cmd_table[i]->name, group) && n < max)
			words[n++] = cmd_table[i]->name + strlen(group) + 1;
	return n;
}

size_t cmd_print_list(FILE *out, const char *group)
{
	size_t i, n = 0;
	int width = 0;

	for (i = 0; cmd_table[i]; i++)
		if (in_group(cmd_table[i]->name, group) && (int)strlen(cmd_table[i]->name) > width)
			width = (int)strlen(cmd_table[i]->name);
	for (i = 0; cmd_table[i]; i++)
		if (in_group(cmd_table[i]->name, group)) {
			fprintf(out, "  %-*s  %s\n", width, cmd_table[i]->name, cmd_table[i]->summary);
			n++;
		}
	return n;
}

void cmd_print_help(const struct cmd_entry *entry, FILE *out)
{
	size_t i;

	fprintf(out, "usage: relctl %s%s%s\n\n%s.\n", entry->name, entry->usage[0] ? " " : "", entry->usage,
		entry->summary);
	if (entry->help)
		fprintf(out, "\n%s\n", entry->help);
	fprintf(out, "\noptions:\n");
	for (i = 0; entry->options && entry->options[i].name; i++) {
		char left[64];

		snprintf(left, sizeof(left), "--%s%s%s", entry->options[i].name, entry->options[i].arg_name ? " " : "",
			 entry->options[i].arg_name ? entry->options[i].arg_name : "");
		fprintf(out, "  %-22s %s\n", left, entry->options[i].help);
	}
	fprintf(out, "  %-22s %s\n", "--help", "show this help");
}
