/*
 * relctl completion bash: a bash completion script.  The script asks relctl
 * itself for the lists it completes (commands, options, and the step ids and
 * people of this repository's playbook), so it never goes stale.
 */
#include <string.h>

#include "relctl.h"
#include "session.h"

static const struct option_spec options[] = {
	OPTION_END,
};

static const char script[] =
	"# bash completion for relctl; load it with: source <(relctl completion bash)\n"
	"_relctl() {\n"
	"\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
	"\tlocal bin=${COMP_WORDS[0]} cmd=${COMP_WORDS[1]} sub=${COMP_WORDS[2]}\n"
	"\tlocal list=\n"
	"\tif [ \"$COMP_CWORD\" -eq 1 ]; then\n"
	"\t\tlist=$(\"$bin\" completion commands 2>/dev/null)\n"
	"\telif [[ $cur == --* ]]; then\n"
	"\t\tlist=$(\"$bin\" completion options \"$cmd\" \"$sub\" 2>/dev/null)\n"
	"\telse\n"
	"\t\tcase $prev in\n"
	"\t\t--playbook) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n"
	"\t\t--step) list=$(\"$bin\" completion steps 2>/dev/null) ;;\n"
	"\t\t--severity) list='blocker major minor' ;;\n"
	"\t\t--risk) list='low medium high' ;;\n"
	"\t\t--format) list='text md html json' ;;\n"
	"\t\t--release) list=$(\"$bin\" completion releases 2>/dev/null) ;;\n"
	"\t\t*)\n"
	"\t\t\tcase $cmd in\n"
	"\t\t\tclaim|unclaim|done|skip|reopen|block|unblock|show|run)\n"
	"\t\t\t\t[ \"$COMP_CWORD\" -eq 2 ] && list=$(\"$bin\" completion steps 2>/dev/null) ;;\n"
	"\t\t\tassign)\n"
	"\t\t\t\tif [ \"$COMP_CWORD\" -eq 2 ]; then list=$(\"$bin\" completion steps 2>/dev/null)\n"
	"\t\t\t\telif [ \"$COMP_CWORD\" -eq 3 ]; then list=$(\"$bin\" completion people 2>/dev/null); fi ;;\n"
	"\t\t\treview)\n"
	"\t\t\t\tif [ \"$COMP_CWORD\" -eq 2 ]; then list=$(\"$bin\" completion steps 2>/dev/null)\n"
	"\t\t\t\telif [ \"$COMP_CWORD\" -eq 3 ]; then list='approve reject'; fi ;;\n"
	"\t\t\tdecide) [ \"$COMP_CWORD\" -eq 2 ] && list='ship delay abort' ;;\n"
	"\t\t\tfinding) [ \"$COMP_CWORD\" -eq 2 ] && list='add update list' ;;\n"
	"\t\t\tplaybook)\n"
	"\t\t\t\tif [ \"$COMP_CWORD\" -eq 2 ]; then list='show update'; else COMPREPLY=($(compgen -f -- \"$cur\")); return; fi ;;\n"
	"\t\t\tlint) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n"
	"\t\t\tstatus|next|log|brief|report|forecast)\n"
	"\t\t\t\t[ \"$COMP_CWORD\" -eq 2 ] && list=$(\"$bin\" completion releases 2>/dev/null) ;;\n"
	"\t\t\tcompletion) [ \"$COMP_CWORD\" -eq 2 ] && list='bash' ;;\n"
	"\t\t\thelp) [ \"$COMP_CWORD\" -eq 2 ] && list=$(\"$bin\" completion commands 2>/dev/null) ;;\n"
	"\t\t\tesac ;;\n"
	"\t\tesac\n"
	"\tfi\n"
	"\tCOMPREPLY=($(compgen -W \"$list\" -- \"$cur\"))\n"
	"}\n"
	"complete -F _relctl relctl\n";

static void print_commands(FILE *out)
{
	size_t i;

	for (i = 0; cmd_table[i]; i++) {
		const char *name = cmd_table[i]->name, *space = strchr(name, ' ');

		/* "finding add" completes as "finding", once. */
		if (space && i > 0 && strncmp(cmd_table[i - 1]->name, name, (size_t)(space - name + 1)) == 0)
			continue;
		fprintf(out, "%.*s\n", space ? (int)(space - name) : (int)strlen(name), name);
	}
	fprintf(out, "help\n");
}

static int print_options(struct cmd_ctx *ctx)
{
	const char *first = ctx->args.positional_count > 1 ? ctx->args.positionals[1] : "";
	const char *second = ctx->args.positional_count > 2 ? ctx->args.positionals[2] : NULL;
	const struct cmd_entry *entry;
	int used = 0;
	size_t i;

	entry = cmd_find(first, second, &used);
	if (entry == NULL)
		return 0;
	for (i = 0; entry->options && entry->options[i].name; i++)
		fprintf(ctx->out, "--%s\n", entry->options[i].name);
	fprintf(ctx->out, "--help\n");
	return 0;
}

/* Step ids and people of the current playbook; silent outside a relctl repository. */
static int print_from_ledger(struct cmd_ctx *ctx, const char *what)
{
	struct session s;
	struct playbook *pb;
	size_t i;

	if (session_open(&s, &ctx->err) != 0)
		return 0;
	if (strcmp(what, "releases") == 0) {
		cJSON *list = session_releases(&s, &ctx->err), *item;

		cJSON_ArrayForEach(item, list)
			fprintf(ctx->out, "%s\n", cJSON_GetObjectItemCaseSensitive(item, "version")->valuestring);
		cJSON_Delete(list);
		session_close(&s);
		error_clear(&ctx->err);
		return 0;
	}
	pb = session_current_playbook(&s, &ctx->err);
	for (i = 0; pb && strcmp(what, "steps") == 0 && i < pb->step_count; i++)
		fprintf(ctx->out, "%s\n", pb->steps[i].id);
	for (i = 0; pb && strcmp(what, "people") == 0 && i < pb->person_count; i++)
		fprintf(ctx->out, "%s\n", pb->people[i].id);
	playbook_free(pb);
	session_close(&s);
	error_clear(&ctx->err);
	return 0;
}

static int completion_exec(struct cmd_ctx *ctx)
{
	const char *what = ctx->args.positionals[0];

	if (strcmp(what, "bash") == 0) {
		fputs(script, ctx->out);
		return 0;
	}
	if (strcmp(what, "commands") == 0) {
		print_commands(ctx->out);
		return 0;
	}
	if (strcmp(what, "options") == 0)
		return print_options(ctx);
	if (strcmp(what, "steps") == 0 || strcmp(what, "people") == 0 || strcmp(what, "releases") == 0)
		return print_from_ledger(ctx, what);
	return error_set(&ctx->err, EXIT_USAGE, "relctl completes bash only: 'relctl completion bash'");
}

const struct cmd_entry cmd_completion_entry = {
	.name = "completion",
	.usage = "bash",
	.summary = "print a bash completion script (commands, options, step ids, people)",
	.help = "Load it with: source <(relctl completion bash)\n"
		"or install it: relctl completion bash > /etc/bash_completion.d/relctl",
	.options = options,
	.min_args = 1,
	.max_args = 3,
	.exec = completion_exec,
};
