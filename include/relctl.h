/*
 * What every command shares: its table entry, the options it declares, the
 * parsed arguments and the context main() hands it.  A command lives in
 * src/cmd-NAME.c, exports one `const struct cmd_entry cmd_NAME_entry`, and
 * is listed once in src/cmd.c.
 *
 * A command's exec returns 0, or -1 with ctx->err set; main() prints the
 * error as one "relctl: ..." line and exits with its sysexits code.
 */
#ifndef RELCTL_H
#define RELCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "err.h"

#define RELCTL_VERSION "0.1.0"
#define MAX_OPTIONS 16
#define MAX_POSITIONALS 8

enum option_kind {
	OPT_FLAG,     /* --json */
	OPT_VALUE,    /* --note TEXT (the last one given wins) */
	OPT_MULTI,    /* --evidence URL, any number of times */
};

struct option_spec {
	const char *name;     /* long name without "--" */
	enum option_kind kind;
	const char *arg_name; /* "TEXT", shown in help */
	const char *help;
};

struct args {
	const char *positionals[MAX_POSITIONALS];
	size_t positional_count;
	const struct option_spec *specs;
	const char *values[MAX_OPTIONS];      /* OPT_VALUE; NULL when absent */
	bool flags[MAX_OPTIONS];              /* given at least once */
	const char **multi[MAX_OPTIONS];      /* OPT_MULTI, NULL-terminated */
	size_t multi_count[MAX_OPTIONS];
};

struct cmd_ctx;

struct cmd_entry {
	const char *name;    /* "claim", or two words: "finding add" */
	const char *usage;   /* after the name: "STEP [--note TEXT]" */
	const char *summary; /* one line for the command list */
	const char *help;    /* a paragraph for `relctl help NAME`; may be NULL */
	const struct option_spec *options; /* ends with a { NULL } entry; may be NULL */
	size_t min_args, max_args;         /* positionals */
	int (*exec)(struct cmd_ctx *ctx);
};

struct cmd_ctx {
	const struct cmd_entry *entry;
	struct args args;
	bool color; /* stdout is a TTY and NO_COLOR is unset */
	FILE *out;
	struct error err;
};

/* The command table (src/cmd.c). */
extern const struct cmd_entry *const cmd_table[];
const struct cmd_entry *cmd_find(const char *first, const char *second, int *words_used);
void cmd_print_list(FILE *out);
void cmd_print_help(const struct cmd_entry *entry, FILE *out);

/* Options and positionals (src/args.c).  Returns 0, 1 for --help, or -1. */
int args_parse(struct args *args, const struct cmd_entry *entry, int argc, char **argv, struct error *err);
void args_release(struct args *args);
bool args_flag(const struct args *args, const char *name);
const char *args_value(const struct args *args, const char *name);
const char *const *args_multi(const struct args *args, const char *name, size_t *count);

/* code (one of C_*) when colour is on, else "". */
const char *color(const struct cmd_ctx *ctx, const char *code);
#define C_BOLD "\033[1m"
#define C_DIM "\033[2m"
#define C_RED "\033[31m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"
#define C_BLUE "\033[34m"
#define C_MAGENTA "\033[35m"
#define C_CYAN "\033[36m"
#define C_RESET "\033[0m"

/* Helpers shared by commands (src/cmd-common.c). */
struct cJSON;
struct session;
/* Records op on step (fields borrowed, may be NULL) and prints what happened. */
int cmd_record(struct cmd_ctx *ctx, const char *op, const char *step, struct cJSON *fields);
/* The same, with a check of the release at the tip the event is written on (struct mutation). */
struct release;
struct mutation;
int cmd_record_checked(struct cmd_ctx *ctx, const char *op, const char *step, struct cJSON *fields,
		       int (*precheck)(const struct release *, const struct mutation *, struct error *));
/*
 * The exec of the plain step commands (claim, unclaim, skip, reopen, block,
 * unblock): records the op named by the command on STEP, with --reason.
 */
int cmd_step_exec(struct cmd_ctx *ctx);
/* Posts the playbook's notify hook for steps the last change made ready; only warns. */
void cmd_notify_ready(struct cmd_ctx *ctx, struct session *s, const char *version);
/*
 * With a remote configured, tells on stderr how old the local copy of the
 * ledger is (read commands work offline from the last exchange).  Silent
 * with --json and within a minute of the last exchange.
 */
void cmd_note_freshness(const struct cmd_ctx *ctx, struct session *s);
/* Prints json (pretty) and a newline. */
void cmd_print_json(struct cmd_ctx *ctx, const struct cJSON *json);
/* --release VERSION; NULL: the open one. */
const char *cmd_release_arg(const struct cmd_ctx *ctx);

/*
 * Opens the session and loads the release a read command names (its
 * positional VERSION or --release), or the one open release.
 */
struct session;
struct release;
int cmd_load_release(struct cmd_ctx *ctx, struct session *s, struct release *rel);
/*
 * STEP=DURATION (forecast --assume, stats --automation): the step of pb and
 * the seconds, or NULL when the text is not that.
 */
struct playbook;
const struct pb_step *cmd_step_duration(const struct playbook *pb, const char *text, long *seconds);
/* Writes text to FILE (saying so), or to standard output when path is NULL. */
int cmd_write_output(struct cmd_ctx *ctx, const char *path, const char *text);
/* "state" coloured for the terminal. */
const char *cmd_state_color(const struct cmd_ctx *ctx, int state);

/* Options most step commands share. */
#define OPTION_RELEASE { "release", OPT_VALUE, "VERSION", "the release (default: the one open release)" }
#define OPTION_OFFLINE { "offline", OPT_FLAG, NULL, "record locally only; 'relctl sync' shares it later" }
#define OPTION_JSON { "json", OPT_FLAG, NULL, "print JSON instead of text" }
#define OPTION_END { NULL, 0, NULL, NULL }

#endif
