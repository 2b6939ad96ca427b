/*
 * relctl completion bash|zsh|fish: a completion script for the shell.  The
 * scripts are thin: each asks `relctl completion candidates -- WORDS...` what
 * the word being typed can be, and relctl answers from its own command table
 * (the usage line and option names of each command say what every word is:
 * STEP, PERSON, VERSION, ID, FILE, a|b|c) and from this repository's ledger
 * (step ids, people, roles, releases, finding ids), so the three shells
 * complete the same things and never go stale.
 */
#include <string.h>

#include "relctl.h"
#include "session.h"

static const struct option_spec options[] = {
	OPTION_END,
};

static const char bash_script[] =
	"# bash completion for relctl; load it with: source <(relctl completion bash)\n"
	"_relctl() {\n"
	"\tlocal cur=${COMP_WORDS[COMP_CWORD]} list IFS=$'\\n'\n"
	"\tlist=$(\"${COMP_WORDS[0]}\" completion candidates -- \"${COMP_WORDS[@]:1:COMP_CWORD}\" 2>/dev/null | cut -f1)\n"
	"\tif [ \"$list\" = :files ]; then\n"
	"\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n"
	"\telse\n"
	"\t\tCOMPREPLY=($(compgen -W \"$list\" -- \"$cur\"))\n"
	"\tfi\n"
	"}\n"
	"complete -o filenames -F _relctl relctl\n";

static const char zsh_script[] =
	"#compdef relctl\n"
	"# zsh completion for relctl; load it with: source <(relctl completion zsh) (after compinit),\n"
	"# or save it as _relctl in a directory of $fpath.\n"
	"_relctl() {\n"
	"\tlocal -a lines specs\n"
	"\tlocal line value\n"
	"\tlines=(\"${(@f)$(\"${words[1]}\" completion candidates -- \"${(@)words[2,CURRENT]}\" 2>/dev/null)}\")\n"
	"\tif [[ ${lines[1]} == :files ]]; then\n"
	"\t\t_files\n"
	"\t\treturn\n"
	"\tfi\n"
	"\tfor line in \"${lines[@]}\"; do\n"
	"\t\t[[ -n $line ]] || continue\n"
	"\t\tvalue=${line%%$'\\t'*}\n"
	"\t\tif [[ $line == *$'\\t'* ]]; then\n"
	"\t\t\tspecs+=(\"${value//:/\\\\:}:${line#*$'\\t'}\")\n"
	"\t\telse\n"
	"\t\t\tspecs+=(\"${value//:/\\\\:}\")\n"
	"\t\tfi\n"
	"\tdone\n"
	"\t(( ${#specs} )) && _describe -t values relctl specs\n"
	"}\n"
	"if [[ ${funcstack[1]} == _relctl ]]; then\n"
	"\t_relctl \"$@\"\n"
	"else\n"
	"\tcompdef _relctl relctl\n"
	"fi\n";

static const char fish_script[] =
	"# fish completion for relctl; load it with: relctl completion fish | source\n"
	"# or save it as relctl.fish in ~/.config/fish/completions.\n"
	"function __relctl_candidates\n"
	"\tset -l words (commandline -opc) (commandline -ct)\n"
	"\tset -l found ($words[1] completion candidates -- $words[2..-1] 2>/dev/null)\n"
	"\tif test \"$found[1]\" = :files\n"
	"\t\t__fish_complete_path (commandline -ct)\n"
	"\telse\n"
	"\t\tprintf '%s\\n' $found\n"
	"\tend\n"
	"end\n"
	"complete -c relctl -f -a '(__relctl_candidates)'\n";

/* What a word of a usage line or an option's argument stands for. */
enum word_kind {
	WORD_NONE,
	WORD_FILES,
	WORD_STEPS,
	WORD_GATES, /* decision steps */
	WORD_PEOPLE,
	WORD_ROLES,
	WORD_RELEASES,
	WORD_FINDINGS,
	WORD_SEVERITIES,
	WORD_CHOICES
};

/* "[VERSION]", "FILE...", "STEP", "md|html|json": the kind, and the choices' text (borrowed). */
static enum word_kind kind_of(const char *token, size_t len)
{
	static const struct {
		const char *name;
		enum word_kind kind;
	} names[] = {
		{ "FILE", WORD_FILES },	      { "STEP", WORD_STEPS }, { "PERSON", WORD_PEOPLE }, { "ROLE", WORD_ROLES },
		{ "VERSION", WORD_RELEASES }, { "ID", WORD_FINDINGS }, { "SEVERITY", WORD_SEVERITIES },
	};
	size_t i;

	while (len > 0 && (*token == '['))
		token++, len--;
	while (len > 0 && (token[len - 1] == ']' || token[len - 1] == '.'))
		len--;
	if (memchr(token, '|', len))
		return WORD_CHOICES;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i].name) == len && strncmp(names[i].name, token, len) == 0)
			return names[i].kind;
	return WORD_NONE;
}

/*
 * The n-th positional of a command's usage line (options and their
 * arguments skipped; a last "X..." repeats): its text in *token, *len.
 * Returns false when there is none.
 */
static bool usage_positional(const char *usage, size_t n, const char **token, size_t *len)
{
	const char *p = usage, *last = NULL;
	size_t last_len = 0, seen = 0;
	bool skip_next = false;

	while (*p) {
		const char *start;
		size_t l;

		while (*p == ' ')
			p++;
		start = p;
		p += strcspn(p, " ");
		l = (size_t)(p - start);
		if (l == 0)
			break;
		if (skip_next) {
			skip_next = false;
			continue;
		}
		if (strncmp(start, "--", 2) == 0 || strncmp(start, "[--", 3) == 0) {
			/* "--reason TEXT" and "[--note TEXT]" have an argument; "[--json]" has none. */
			skip_next = start[l - 1] != ']' && !(l > 3 && strncmp(start + l - 4, "]...", 4) == 0);
			continue;
		}
		if (seen++ == n) {
			*token = start;
			*len = l;
			return true;
		}
		last = start;
		last_len = l;
	}
	if (last && last_len > 3 && strncmp(last + last_len - 3, "...", 3) == 0) {
		*token = last;
		*len = last_len;
		return true;
	}
	return false;
}

static const struct option_spec *option_named(const struct cmd_entry *entry, const char *word)
{
	size_t i, len = strcspn(word + 2, "=");

	for (i = 0; entry->options && entry->options[i].name; i++)
		if (strlen(entry->options[i].name) == len && strncmp(entry->options[i].name, word + 2, len) == 0)
			return &entry->options[i];
	return NULL;
}

static void print_choices(FILE *out, const char *text, size_t len)
{
	while (len > 0 && *text == '[')
		text++, len--;
	while (len > 0 && (text[len - 1] == ']' || text[len - 1] == '.'))
		len--;
	while (len > 0) {
		size_t n = 0;

		while (n < len && text[n] != '|')
			n++;
		fprintf(out, "%.*s\n", (int)n, text);
		text += n < len ? n + 1 : n;
		len -= n < len ? n + 1 : n;
	}
}

static void print_commands(FILE *out, bool described)
{
	size_t i;

	for (i = 0; cmd_table[i]; i++) {
		const char *name = cmd_table[i]->name, *space = strchr(name, ' ');

		/* "finding add" completes as "finding", once. */
		if (space && i > 0 && strncmp(cmd_table[i - 1]->name, name, (size_t)(space - name + 1)) == 0)
			continue;
		if (!described)
			fprintf(out, "%.*s\n", space ? (int)(space - name) : (int)strlen(name), name);
		else if (space)
			fprintf(out, "%.*s\t%.*s commands\n", (int)(space - name), name, (int)(space - name), name);
		else
			fprintf(out, "%s\t%s\n", name, cmd_table[i]->summary);
	}
	fprintf(out, described ? "help\tshow the help of a command\n" : "help\n");
}

/* "finding" -> add, list, update: the second words of a group. */
static bool print_subcommands(FILE *out, const char *group)
{
	size_t len = strlen(group), i;
	bool any = false;

	for (i = 0; cmd_table[i]; i++)
		if (strncmp(cmd_table[i]->name, group, len) == 0 && cmd_table[i]->name[len] == ' ') {
			fprintf(out, "%s\t%s\n", cmd_table[i]->name + len + 1, cmd_table[i]->summary);
			any = true;
		}
	return any;
}

/* The kinds (1u << enum step_kind) of the step step_id names in the current playbook; every kind when it names none. */
static unsigned step_kinds_of(struct cmd_ctx *ctx, const char *step_id)
{
	struct playbook *pb = step_id && ctx->session ? session_current_playbook(ctx->session, &ctx->err) : NULL;
	const struct pb_step *step = pb ? playbook_step(pb, step_id) : NULL;
	unsigned kinds = step ? 1u << step->kind : ~0u;

	playbook_free(pb);
	error_clear(&ctx->err);
	return kinds;
}

/* The kinds of step option is for (entry's step_options); every kind when it is for any. */
static unsigned option_step_kinds(const struct cmd_entry *entry, const char *option)
{
	const struct step_option *o;

	for (o = entry->step_options; o && o->name; o++)
		if (strcmp(o->name, option) == 0)
			return o->step_kinds;
	return ~0u;
}

/* The options of entry; those for some kinds of step only when STEP (step_id, the first word) is of one. */
static void print_options(struct cmd_ctx *ctx, const struct cmd_entry *entry, const char *step_id)
{
	unsigned kinds = entry->step_options ? step_kinds_of(ctx, step_id) : ~0u;
	size_t i;

	for (i = 0; entry->options && entry->options[i].name; i++)
		if (option_step_kinds(entry, entry->options[i].name) & kinds)
			fprintf(ctx->out, "--%s\t%s\n", entry->options[i].name, entry->options[i].help);
	fprintf(ctx->out, "--help\tshow the help of %s\n", entry->name);
}

/*
 * Step ids, people, roles, releases or finding ids of this repository,
 * described (a tab and what it is) or not; silent outside one.  A
 * description is one line (cmd_line): the shells read a line per
 * candidate, so a newline in a teammate's title would offer a word of theirs.
 */
static void print_from_ledger(struct cmd_ctx *ctx, enum word_kind kind, bool described)
{
	const char *format = described ? "%s\t%s\n" : "%s\n";
	struct session *s = ctx->session;
	struct playbook *pb;
	size_t i;

	if (s == NULL)
		return;
	if (kind == WORD_RELEASES) {
		cJSON *list = session_releases(s, &ctx->err), *item;

		cJSON_ArrayForEach(item, list)
		{
			const cJSON *status = cJSON_GetObjectItemCaseSensitive(item, "status");

			fprintf(ctx->out, format, cJSON_GetObjectItemCaseSensitive(item, "version")->valuestring,
				cJSON_IsString(status) ? status->valuestring : "release");
		}
		cJSON_Delete(list);
	} else if (kind == WORD_FINDINGS || kind == WORD_SEVERITIES) {
		struct release rel;

		if (session_load_release(s, NULL, &rel, &ctx->err) == 0) {
			for (i = 0; kind == WORD_FINDINGS && i < rel.st->finding_count; i++)
				if (!rel.st->findings[i].closed)
					fprintf(ctx->out, format, rel.st->findings[i].id,
						cmd_line(ctx, rel.st->findings[i].title));
			/* The severities of the open release's own playbook. */
			for (i = 0; kind == WORD_SEVERITIES && i < rel.pb->findings.severities.count; i++)
				fprintf(ctx->out, "%s\n", rel.pb->findings.severities.items[i]);
		}
		release_close(&rel);
	} else {
		pb = session_current_playbook(s, &ctx->err);
		for (i = 0; pb && (kind == WORD_STEPS || kind == WORD_GATES) && i < pb->step_count; i++)
			if (kind == WORD_STEPS || pb->steps[i].kind == STEP_DECISION)
				fprintf(ctx->out, format, pb->steps[i].id, cmd_line(ctx, pb->steps[i].title));
		for (i = 0; pb && kind == WORD_PEOPLE && i < pb->person_count; i++)
			fprintf(ctx->out, format, pb->people[i].id, cmd_line(ctx, pb->people[i].name));
		for (i = 0; pb && kind == WORD_ROLES && i < pb->roles.count; i++)
			fprintf(ctx->out, "%s\n", pb->roles.items[i]);
		playbook_free(pb);
	}
	error_clear(&ctx->err);
}

static void print_kind(struct cmd_ctx *ctx, enum word_kind kind, const char *token, size_t len)
{
	if (kind == WORD_FILES)
		fprintf(ctx->out, ":files\n");
	else if (kind == WORD_CHOICES)
		print_choices(ctx->out, token, len);
	else if (kind != WORD_NONE)
		print_from_ledger(ctx, kind, true);
}

/*
 * The candidates for the last of words (the command line after "relctl",
 * the word being typed last, maybe empty), one per line, with a tab and a
 * description where there is one; ":files" asks the shell for file names.
 * The shell filters them by what is typed.
 */
static int print_candidates(struct cmd_ctx *ctx, const char *const *words, size_t n)
{
	const struct cmd_entry *entry;
	const struct option_spec *value_of = NULL;
	const char *current = n ? words[n - 1] : "", *token, *first = NULL;
	size_t i, positional = 0, len;
	int used = 0;

	if (n <= 1) {
		if (current[0] == '-')
			fprintf(ctx->out, "--help\tshow the commands\n--version\tprint relctl's version\n");
		else
			print_commands(ctx->out, true);
		return 0;
	}
	if (strcmp(words[0], "help") == 0) {
		if (n == 2)
			print_commands(ctx->out, true);
		else if (n == 3)
			print_subcommands(ctx->out, words[1]);
		return 0;
	}
	entry = cmd_find(words[0], n > 2 ? words[1] : NULL, &used);
	if (entry == NULL || (used == 1 && strchr(entry->name, ' '))) {
		if (n == 2)
			print_subcommands(ctx->out, words[0]);
		return 0;
	}
	for (i = (size_t)used; i + 1 < n; i++) {
		const struct option_spec *spec;

		if (value_of) {
			value_of = NULL;
			continue;
		}
		if (strncmp(words[i], "--", 2) == 0 && words[i][2] != '\0') {
			spec = option_named(entry, words[i]);
			if (spec && spec->kind != OPT_FLAG && strchr(words[i], '=') == NULL)
				value_of = spec;
			continue;
		}
		if (positional++ == 0)
			first = words[i];
	}
	if (value_of) {
		if (value_of->help && strcmp(value_of->help, OPTION_GATE_HELP) == 0)
			print_from_ledger(ctx, WORD_GATES, true);
		else if (value_of->arg_name)
			print_kind(ctx, kind_of(value_of->arg_name, strlen(value_of->arg_name)), value_of->arg_name,
				   strlen(value_of->arg_name));
		return 0;
	}
	if (current[0] == '-') {
		print_options(ctx, entry, first);
		return 0;
	}
	/* start's VERSION is a new one; every other VERSION names a release that exists. */
	if (strcmp(entry->name, "start") == 0)
		return 0;
	if (strcmp(entry->name, "completion") == 0) {
		if (positional == 0)
			fprintf(ctx->out, "bash\nzsh\nfish\n");
		return 0;
	}
	if (usage_positional(entry->usage, positional, &token, &len))
		print_kind(ctx, kind_of(token, len), token, len);
	return 0;
}

static int completion_exec(struct cmd_ctx *ctx)
{
	const char *what = ctx->args.positionals[0];
	static const struct {
		const char *name;
		enum word_kind kind;
	} lists[] = { { "steps", WORD_STEPS }, { "people", WORD_PEOPLE }, { "roles", WORD_ROLES },
		      { "releases", WORD_RELEASES }, { "findings", WORD_FINDINGS } };
	size_t i;

	if (strcmp(what, "bash") == 0 || strcmp(what, "zsh") == 0 || strcmp(what, "fish") == 0) {
		if (ctx->args.positional_count > 1)
			return error_set(&ctx->err, EXIT_USAGE, "usage: relctl completion bash|zsh|fish");
		fputs(what[0] == 'b' ? bash_script : what[0] == 'z' ? zsh_script : fish_script, ctx->out);
		return 0;
	}
	if (strcmp(what, "candidates") == 0)
		return print_candidates(ctx, ctx->args.positionals + 1, ctx->args.positional_count - 1);
	/* The lists one at a time, as the bash script of relctl 0.1 asks for them. */
	if (strcmp(what, "commands") == 0) {
		print_commands(ctx->out, false);
		return 0;
	}
	if (strcmp(what, "options") == 0) {
		int used = 0;
		const struct cmd_entry *entry = ctx->args.positional_count > 1
							? cmd_find(ctx->args.positionals[1],
								   ctx->args.positional_count > 2 ? ctx->args.positionals[2] : NULL,
								   &used)
							: NULL;

		for (i = 0; entry && entry->options && entry->options[i].name; i++)
			fprintf(ctx->out, "--%s\n", entry->options[i].name);
		if (entry)
			fprintf(ctx->out, "--help\n");
		return 0;
	}
	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		if (strcmp(what, lists[i].name) == 0) {
			print_from_ledger(ctx, lists[i].kind, false);
			return 0;
		}
	return error_set(&ctx->err, EXIT_USAGE, "relctl completes bash, zsh and fish: 'relctl completion bash|zsh|fish'");
}

const struct cmd_entry cmd_completion_entry = {
	.name = "completion",
	.usage = "bash|zsh|fish",
	.summary = "print a completion script for bash, zsh or fish (commands, options, steps, people, releases, findings)",
	.help = "Load it for this shell:\n"
		"  bash: source <(relctl completion bash)\n"
		"  zsh:  source <(relctl completion zsh)      (after compinit)\n"
		"  fish: relctl completion fish | source\n"
		"or install it where the shell looks ('make install' does):\n"
		"  bash: /usr/share/bash-completion/completions/relctl\n"
		"  zsh:  /usr/share/zsh/vendor-completions/_relctl\n"
		"  fish: /usr/share/fish/vendor_completions.d/relctl.fish\n"
		"The scripts ask 'relctl completion candidates -- WORDS...' what the word being typed\n"
		"can be: step ids, people, releases and finding ids come from this repository's ledger.",
	.options = options,
	.min_args = 1,
	.max_args = MAX_POSITIONALS,
	.needs = CMD_SESSION_IF_ANY,
	.exec = completion_exec,
};
