/*
 * Command-line options: "--name VALUE", "--name=VALUE", flags, repeatable
 * options and "--" before positionals that start with a dash.  An unknown
 * option is a usage error with a "did you mean".
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "relctl.h"
#include "util.h"

static int find_option(const struct option_spec *specs, const char *name, size_t len)
{
	int i;

	for (i = 0; specs && specs[i].name; i++)
		if (strlen(specs[i].name) == len && strncmp(specs[i].name, name, len) == 0)
			return i;
	return -1;
}

static int unknown_option(const struct cmd_entry *entry, const char *arg, struct error *err)
{
	const char *names[MAX_OPTIONS + 1];
	char *word = xstrndup(arg + 2, strcspn(arg + 2, "="));
	const char *hint;
	size_t n = 0;
	int format = find_option(entry->options, "format", strlen("format"));

	/* Every read command has --json; one that says JSON with --format (report) points there. */
	if (strcmp(word, "json") == 0 && format >= 0 && strstr(entry->options[format].arg_name, "json")) {
		error_set(err, EXIT_USAGE, "%s has no --json; use --format json", entry->name);
		free(word);
		return -1;
	}
	for (; entry->options && entry->options[n].name && n < MAX_OPTIONS; n++)
		names[n] = entry->options[n].name;
	names[n++] = "help";
	hint = suggest(word, names, n);
	if (hint)
		error_set(err, EXIT_USAGE, "unknown option --%s for '%s'; did you mean --%s?", word, entry->name, hint);
	else
		error_set(err, EXIT_USAGE, "unknown option --%s for '%s'; see 'relctl %s --help'", word, entry->name,
			  entry->name);
	free(word);
	return -1;
}

int args_parse(struct args *args, const struct cmd_entry *entry, int argc, char **argv, struct error *err)
{
	bool only_positionals = false;
	int i;

	memset(args, 0, sizeof(*args));
	args->specs = entry->options;
	for (i = 0; i < argc; i++) {
		const char *arg = argv[i];
		const char *value = NULL, *eq;
		int opt;

		if (only_positionals || arg[0] != '-' || arg[1] == '\0') {
			if (args->positional_count >= entry->max_args || args->positional_count >= MAX_POSITIONALS)
				return error_set(err, EXIT_USAGE, "too many arguments for '%s' (\"%s\"); usage: relctl %s %s",
						 entry->name, arg, entry->name, entry->usage);
			args->positionals[args->positional_count++] = arg;
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			only_positionals = true;
			continue;
		}
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
			return 1;
		if (arg[1] != '-')
			return error_set(err, EXIT_USAGE, "unknown option %s for '%s'; options are long, like --help",
					 arg, entry->name);
		eq = strchr(arg, '=');
		opt = find_option(entry->options, arg + 2, eq ? (size_t)(eq - arg - 2) : strlen(arg + 2));
		if (opt < 0)
			return unknown_option(entry, arg, err);
		if (entry->options[opt].kind == OPT_FLAG) {
			if (eq)
				return error_set(err, EXIT_USAGE, "--%s takes no value", entry->options[opt].name);
			args->flags[opt] = true;
			continue;
		}
		if (eq)
			value = eq + 1;
		else if (i + 1 < argc)
			value = argv[++i];
		else
			return error_set(err, EXIT_USAGE, "--%s needs a value (%s)", entry->options[opt].name,
					 entry->options[opt].arg_name ? entry->options[opt].arg_name : "VALUE");
		args->flags[opt] = true;
		if (entry->options[opt].kind == OPT_VALUE) {
			/* Which of two would be meant is a guess: only OPT_MULTI options repeat. */
			if (args->values[opt] && strcmp(args->values[opt], value) != 0)
				return error_set(err, EXIT_USAGE, "--%s is given twice; give it once",
						 entry->options[opt].name);
			args->values[opt] = value;
		} else {
			args->multi[opt] = xrealloc((void *)args->multi[opt],
						    (args->multi_count[opt] + 2) * sizeof(*args->multi[opt]));
			args->multi[opt][args->multi_count[opt]++] = value;
			args->multi[opt][args->multi_count[opt]] = NULL;
		}
	}
	if (args->positional_count < entry->min_args)
		return error_set(err, EXIT_USAGE, "'%s' needs more arguments; usage: relctl %s %s", entry->name,
				 entry->name, entry->usage);
	return 0;
}

void args_release(struct args *args)
{
	size_t i;

	for (i = 0; i < MAX_OPTIONS; i++)
		free((void *)args->multi[i]);
	memset(args, 0, sizeof(*args));
}

static int index_of(const struct args *args, const char *name)
{
	return find_option(args->specs, name, strlen(name));
}

bool args_flag(const struct args *args, const char *name)
{
	int i = index_of(args, name);

	return i >= 0 && args->flags[i];
}

const char *args_value(const struct args *args, const char *name)
{
	int i = index_of(args, name);

	return i >= 0 ? args->values[i] : NULL;
}

const char *const *args_multi(const struct args *args, const char *name, size_t *count)
{
	int i = index_of(args, name);

	*count = i >= 0 ? args->multi_count[i] : 0;
	return i >= 0 ? args->multi[i] : NULL;
}
