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
#define MAX_POSITIONALS 64 /* a completion asks about a whole command line */

enum option_kind {
	OPT_FLAG,     /* --json */
	OPT_VALUE,    /* --note TEXT, once (twice only with the same value) */
	OPT_MULTI,    /* --evidence URL, any number of times */
};

struct option_spec {
	const char *name;     /* long name without "--" */
	enum option_kind kind;
	const char *arg_name; /* "TEXT", shown in help */
	const char *help;
};

/* An option for some kinds of STEP only (run's --wait: check steps): completion offers it for those. */
struct step_option {
	const char *name;    /* of an option of the command */
	unsigned step_kinds; /* 1u << enum step_kind, or'ed */
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

/*
 * What a command needs before it runs, as git's RUN_SETUP: main() opens
 * it, hands it over in the context and closes it after, so no command
 * opens the repository by hand.
 */
enum cmd_needs {
	CMD_SESSION = 1 << 0, /* ctx->session: the repository and relctl's settings (--offline honoured) */
	CMD_RELEASE = 1 << 1, /* also ctx->release: the one the command names, or the one open (a read shows the latest) */
	CMD_SESSION_IF_ANY = 1 << 3, /* ctx->session when in a repository, else NULL with why in ctx->session_err */
	CMD_PROGRESS = 1 << 2, /* work that can take seconds: progress on a terminal's stderr (cmd_progress) */
	/*
	 * Commands that send (a hook, a mail, a reminder) decide on the team's
	 * current ledger: with a remote and without --offline, a sync first,
	 * before the release is read; unreachable, they send nothing (69).
	 */
	CMD_SYNC_FIRST = 1 << 4,
};

struct cmd_entry {
	const char *name;    /* "claim", or two words: "finding add" */
	const char *usage;   /* after the name: "STEP [--note TEXT]" */
	const char *summary; /* one line for the command list */
	const char *help;    /* a paragraph for `relctl help NAME`; may be NULL */
	const struct option_spec *options; /* ends with a { NULL } entry; may be NULL */
	size_t min_args, max_args;         /* positionals */
	unsigned needs;                    /* enum cmd_needs */
	int (*exec)(struct cmd_ctx *ctx);
	const struct step_option *step_options; /* ends with { NULL }; may be NULL: every option is for any step */
};

struct session;
struct release;

struct cmd_ctx {
	const struct cmd_entry *entry;
	struct session *session; /* with CMD_SESSION */
	struct release *release; /* with CMD_RELEASE */
	struct error session_err; /* with CMD_SESSION_IF_ANY: why there is no session */
	struct args args;
	bool color; /* stdout is a TTY and NO_COLOR is unset */
	FILE *out;  /* stdout through term.h's escaping */
	struct error err;
	char **lines; /* cmd_line()'s copies, freed after the command */
	size_t line_count;
};

/* The command table (src/cmd.c). */
extern const struct cmd_entry *const cmd_table[];
const struct cmd_entry *cmd_find(const char *first, const char *second, int *words_used);
/* One line per command of group ("finding": finding add, ...; NULL: all), name and summary; how many. */
size_t cmd_print_list(FILE *out, const char *group);
/* The subcommands of group ("add", "update", "list" of "finding"), borrowed, into words; how many. */
size_t cmd_subcommands(const char *group, const char **words, size_t max);
void cmd_print_help(const struct cmd_entry *entry, FILE *out);

/* Options and positionals (src/args.c).  Returns 0, 1 for --help, or -1. */
int args_parse(struct args *args, const struct cmd_entry *entry, int argc, char **argv, struct error *err);
void args_release(struct args *args);
bool args_flag(const struct args *args, const char *name);
const char *args_value(const struct args *args, const char *name);
const char *const *args_multi(const struct args *args, const char *name, size_t *count);

/*
 * code's mark (one of C_*, through term_color()) when colour is on, else "".
 * The output stream (term.h) turns marks into colour: an escape sequence
 * written any other way never reaches the terminal.
 */
const char *color(const struct cmd_ctx *ctx, const char *code);
#define C_BOLD "\xff" "1"
#define C_DIM "\xff" "2"
#define C_RED "\xff" "r"
#define C_GREEN "\xff" "g"
#define C_YELLOW "\xff" "y"
#define C_BLUE "\xff" "b"
#define C_MAGENTA "\xff" "m"
#define C_CYAN "\xff" "c"
#define C_RESET "\xff" "0"

/* Helpers shared by commands (src/cmd-common.c). */
struct cJSON;
struct event;
struct session;
/*
 * What the command line gave for an op's event (its op, step and fields),
 * held to the ledger's limits before it becomes one: a usage error naming
 * the option (--note) or the argument (the title), where the replay would
 * name an event id.  cmd_record does it.
 */
int cmd_check_event(struct cmd_ctx *ctx, const struct event *ev);
/* Records ev (its op, step and fields; the rest is filled in) and prints what happened. */
int cmd_record(struct cmd_ctx *ctx, const struct event *ev);
/*
 * The exec of the plain step commands (claim, unclaim, skip, reopen, block,
 * unblock): records the op named by the command on STEP, with --reason.
 */
int cmd_step_exec(struct cmd_ctx *ctx);
/*
 * The gate (decision step) of --step, or the only open one (ledger_pick_gate),
 * and in *named the step its decide or input event names: the gate's id when
 * the playbook has several, else NULL (the event as relctl always wrote it).
 */
struct pb_step;
int cmd_gate(struct cmd_ctx *ctx, const struct pb_step **gate, const char **named);
/* The key a gate's brief is noted read under: the release, with ":STEP" when its playbook has several gates; caller frees. */
char *cmd_brief_key(const struct cmd_ctx *ctx, const struct pb_step *gate);
/*
 * What CMD_SYNC_FIRST does, for a command that sends in only some of its
 * forms (relctl notify sends; relctl notify --list reads this clone).
 */
int cmd_sync_first(struct cmd_ctx *ctx);
/*
 * With a remote configured, tells on stderr how old the local copy of the
 * ledger is (read commands work offline from the last exchange).  Silent
 * with --json and within a minute of the last exchange.
 */
void cmd_note_freshness(const struct cmd_ctx *ctx, struct session *s);
/*
 * text on one line, for layouts of one line per item (a history, a table,
 * completion candidates): a newline in a teammate's note becomes a visible
 * "\n" (a tab "\t"), so it cannot start a line that looks like relctl's own
 * or split a column.  The copy lives until the command
 * ends; NULL gives "".
 */
const char *cmd_line(struct cmd_ctx *ctx, const char *text);
/* Warns on stderr when person is away in the release a step command names (assign, handover). */
void cmd_warn_away(struct cmd_ctx *ctx, const char *person);
/* Prints json (pretty) and a newline. */
void cmd_print_json(struct cmd_ctx *ctx, const struct cJSON *json);
/*
 * After a refusal of a command that named its release (--release 1.2):
 * each command the message suggests ('relctl shadow build') that takes
 * --release gets it too, so that it acts on the same release while
 * several are open.  main() calls it before printing the error.
 */
void cmd_hints_name_release(struct cmd_ctx *ctx);
/* --release VERSION; NULL: the open one. */
const char *cmd_release_arg(const struct cmd_ctx *ctx);

/*
 * What main() does for CMD_SESSION and CMD_RELEASE: opens the session and
 * loads the release a command names (a read command's positional VERSION,
 * or --release), or the one open release; cmd_teardown undoes it.
 */
int cmd_setup(struct cmd_ctx *ctx);
void cmd_teardown(struct cmd_ctx *ctx);
/*
 * STEP=DURATION (forecast --assume, stats --automation): the step of pb and
 * the seconds, or NULL when the text is not that.
 */
struct playbook;
const struct pb_step *cmd_step_duration(const struct playbook *pb, const char *text, long *seconds);
/*
 * --format, one of the choices its option lists ("text|json|html", the
 * first the default), or json for --json; --json with another --format is
 * refused.
 */
int cmd_format(struct cmd_ctx *ctx, const char **format);
/* Writes text to FILE (saying so), or to standard output when path is NULL. */
int cmd_write_output(struct cmd_ctx *ctx, const char *path, const char *text);
/*
 * For a command that reads only in one of its forms (relctl check STEP
 * lists, relctl check STEP ITEM RESULT records): loads ctx->release as
 * CMD_RELEASE would have.
 */
int cmd_load_release(struct cmd_ctx *ctx);
/* A new finding id, "F-" and six random hex digits, into id. */
int cmd_new_finding_id(struct cmd_ctx *ctx, char id[16]);
/* The --evidence links (none empty) as an array the caller deletes, or NULL with ctx->err set. */
struct cJSON *cmd_evidence(struct cmd_ctx *ctx);
/*
 * A step's checklist as the view holds it (docs/ledger.md): one line per
 * item (id, result, who and when, note, finding, review, links) after
 * indent, and its progress ("17/24 checked: 16 pass, 1 fail, 0 na") into out.
 */
void cmd_print_checklist(struct cmd_ctx *ctx, const struct cJSON *list, const char *indent);
const char *cmd_checklist_progress(const struct cJSON *list, char *out, size_t size);
/* "state" coloured for the terminal. */
const char *cmd_state_color(const struct cmd_ctx *ctx, int state);

/* Options most step commands share. */
#define OPTION_RELEASE { "release", OPT_VALUE, "VERSION", "the release (default: the one open release)" }
#define OPTION_OFFLINE { "offline", OPT_FLAG, NULL, "record locally only; 'relctl sync' shares it later" }
#define OPTION_JSON { "json", OPT_FLAG, NULL, "print JSON instead of text" }
/* --step of brief, decide and input: a decision step (completion offers only those, by this help). */
#define OPTION_GATE_HELP "the decision step, when several are open"
#define OPTION_GATE { "step", OPT_VALUE, "STEP", OPTION_GATE_HELP }
#define OPTION_END { NULL, 0, NULL, NULL }

#endif
