/*
 * relctl's entry point: global options, the command look-up, and the one
 * place where a command's result becomes an exit status and an error line.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "relctl.h"
#include "term.h"
#include "util.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: relctl [--version] [--help] COMMAND [ARGS]\n\n"
		     "relctl runs a team's release process: a YAML playbook of steps, a ledger of\n"
		     "who did what in git, and hooks that publish.\n\ncommands:\n");
	cmd_print_list(out, NULL);
	fprintf(out, "\n'relctl help COMMAND' or 'relctl COMMAND --help' explains one command.\n"
		     "See 'man relctl' and docs/ for the whole guide.\n");
}

static int unknown_command(const char *word)
{
	const char *names[64];
	const char *hint;
	size_t n = 0;

	for (; cmd_table[n] && n < 64; n++)
		names[n] = cmd_table[n]->name;
	hint = suggest(word, names, n);
	if (hint)
		fprintf(stderr, "relctl: unknown command '%s'; did you mean '%s'?\n", word, hint);
	else
		fprintf(stderr, "relctl: unknown command '%s'; run 'relctl --help' for the list\n", word);
	return EXIT_USAGE;
}

/* Whether word names a group of commands ("finding" of "finding add"). */
static bool is_group(const char *word)
{
	const char *words[1];

	return cmd_subcommands(word, words, 1) > 0;
}

/*
 * "relctl finding" with no subcommand, or one it does not have ("finding
 * ad"): one line, with a "did you mean" among the group's subcommands.
 */
static int unknown_subcommand(const char *group, const char *word)
{
	const char *names[64];
	struct buf list;
	const char *hint;
	size_t n = cmd_subcommands(group, names, 64), i;

	buf_init(&list);
	for (i = 0; i < n; i++)
		buf_addf(&list, "%s%s", i == 0 ? "" : ", ", names[i]);
	hint = word ? suggest(word, names, n) : NULL;
	if (word == NULL)
		fprintf(stderr, "relctl: '%s' needs a subcommand (%s); see 'relctl help %s'\n", group, list.data, group);
	else if (hint)
		fprintf(stderr, "relctl: unknown command '%s %s'; did you mean '%s %s'?\n", group, word, group, hint);
	else
		fprintf(stderr, "relctl: unknown command '%s %s'; the %s subcommands are %s (see 'relctl help %s')\n",
			group, word, group, list.data, group);
	buf_release(&list);
	return EXIT_USAGE;
}

/* "relctl help finding", "relctl finding --help": the group's subcommands. */
static int group_help(const char *group)
{
	printf("usage: relctl %s SUBCOMMAND\n\nsubcommands:\n", group);
	cmd_print_list(stdout, group);
	printf("\n'relctl help %s SUBCOMMAND' explains one.\n", group);
	return EXIT_OK;
}

static bool is_help(const char *arg)
{
	return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

static int run_help(int argc, char **argv)
{
	const struct cmd_entry *entry;
	int used = 0;

	if (argc < 1) {
		usage(stdout);
		return EXIT_OK;
	}
	entry = cmd_find(argv[0], argc > 1 ? argv[1] : NULL, &used);
	if (entry && !(used == 1 && strchr(entry->name, ' '))) {
		cmd_print_help(entry, stdout);
		return EXIT_OK;
	}
	if (!is_group(argv[0]))
		return unknown_command(argv[0]);
	if (argc < 2)
		return group_help(argv[0]);
	return unknown_subcommand(argv[0], argv[1]);
}

static int run(int argc, char **argv)
{
	const struct cmd_entry *entry;
	struct cmd_ctx ctx;
	int used = 0, rc;
	const char *no_color = getenv("NO_COLOR");

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (is_help(argv[1])) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("relctl %s\n", RELCTL_VERSION);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "help") == 0)
		return run_help(argc - 2, argv + 2);
	if (argv[1][0] == '-') {
		fprintf(stderr, "relctl: unknown option %s; run 'relctl --help'\n", argv[1]);
		return EXIT_USAGE;
	}
	entry = cmd_find(argv[1], argc > 2 ? argv[2] : NULL, &used);
	if (entry == NULL || (used == 1 && strchr(entry->name, ' '))) {
		if (!is_group(argv[1]))
			return unknown_command(argv[1]);
		if (argc > 2 && is_help(argv[2]))
			return group_help(argv[1]);
		return unknown_subcommand(argv[1], argc > 2 ? argv[2] : NULL);
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.entry = entry;
	ctx.color = isatty(STDOUT_FILENO) && (no_color == NULL || no_color[0] == '\0');
	ctx.out = term_wrap(stdout, ctx.color);
	rc = args_parse(&ctx.args, entry, argc - 1 - used, argv + 1 + used, &ctx.err);
	if (rc == 1) {
		cmd_print_help(entry, ctx.out);
		args_release(&ctx.args);
		fclose(ctx.out);
		return EXIT_OK;
	}
	if (rc == 0)
		rc = cmd_setup(&ctx);
	if (rc == 0)
		rc = entry->exec(&ctx);
	cmd_teardown(&ctx);
	if (rc != 0)
		cmd_hints_name_release(&ctx);
	args_release(&ctx.args);
	while (ctx.line_count > 0)
		free(ctx.lines[--ctx.line_count]);
	free(ctx.lines);
	fclose(ctx.out);
	if (rc == 0)
		rc = EXIT_OK;
	else {
		fprintf(stderr, "relctl: %s\n", ctx.err.message[0] ? ctx.err.message : "failed");
		rc = ctx.err.code ? ctx.err.code : EXIT_FAILURE_GENERIC;
	}
	return rc;
}

int main(int argc, char **argv)
{
	int rc;

	/*
	 * Everything relctl prints goes through the escaping of term.h: a
	 * command's output (ctx->out) and every message on stderr (glibc lets
	 * stderr be replaced; progress lines write to term_real_stderr).
	 */
	term_real_stderr = stderr;
	stderr = term_wrap(term_real_stderr, false);
	rc = run(argc, argv);
	fclose(stderr);
	stderr = term_real_stderr;
	return rc;
}
