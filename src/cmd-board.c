/*
 * relctl board [--port N] [--no-open]: the release in the browser, for
 * teammates who do not live in a terminal; served on 127.0.0.1 behind a
 * fresh token until Ctrl-C (board.h).
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "board.h"
#include "notify.h"
#include "relctl.h"
#include "session.h"

static const struct option_spec options[] = {
    {"port", OPT_VALUE, "N", "the port on 127.0.0.1 (default: a free one)"},
    {"no-open", OPT_FLAG, NULL, "print the URL only; do not start a browser"},
    OPTION_END,
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Starts xdg-open on url, not waiting for the browser: a grandchild nobody needs to reap. */
static void open_browser(const char *url)
{
	pid_t child = fork();

	if (child == 0) {
		if (fork() == 0) {
			int null = open("/dev/null", O_RDWR);

			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
			execlp("xdg-open", "xdg-open", url, (char *)NULL);
			_exit(127);
		}
		_exit(0);
	}
	if (child > 0)
		waitpid(child, NULL, 0);
}

/* What a change or a sync makes the core say must be heard goes out as the CLI sends it. */
static void after_change(void *data, struct session *s)
{
	cmd_notify(data, s);
	fflush(((struct cmd_ctx *)data)->out);
	fflush(stdout);
}

/*
 * A command line as main() runs it (parse, setup, exec, teardown), its
 * output in the board's log: the board's way to what a command does
 * beyond one event (relctl run).
 */
static int run_command(void *data, int argc, char **argv, struct error *err)
{
	struct cmd_ctx *board = data, ctx = {.out = board->out};
	int words = 0, rc;

	ctx.entry = cmd_find(argv[0], argc > 1 ? argv[1] : NULL, &words);
	if (ctx.entry == NULL)
		return error_set(err, EXIT_SOFTWARE, "no command '%s'", argv[0]);
	rc = args_parse(&ctx.args, ctx.entry, argc - words, argv + words, &ctx.err);
	if (rc == 0)
		rc = cmd_setup(&ctx);
	if (rc == 0)
		rc = ctx.entry->exec(&ctx);
	cmd_teardown(&ctx);
	args_release(&ctx.args);
	while (ctx.line_count > 0)
		free(ctx.lines[--ctx.line_count]);
	free(ctx.lines);
	fflush(ctx.out);
	if (rc != 0)
		*err = ctx.err;
	return rc != 0 ? -1 : 0;
}

static int board_exec(struct cmd_ctx *ctx)
{
	const char *port_text = args_value(&ctx->args, "port"), *every = getenv("RELCTL_BOARD_SYNC_SECONDS");
	struct board_options opt = {
	    .after_change = after_change, .run_command = run_command, .data = ctx, .log = ctx->out};
	struct sigaction sa = {.sa_handler = on_signal};
	struct board *b;
	char *end;

	if (port_text) {
		long port = strtol(port_text, &end, 10);

		if (*port_text == '\0' || *end || port < 1 || port > 65535)
			return error_set(&ctx->err, EXIT_USAGE, "--port is a number from 1 to 65535, not \"%s\"",
			                 port_text);
		opt.port = (unsigned)port;
	}
	/* For tests and demos: how often the board syncs in the background (default: every minute). */
	if (every)
		opt.sync_every = strtol(every, NULL, 10);
	/* A long-running server: each line out as it is written, for a log file or a terminal alike. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	setvbuf(ctx->out, NULL, _IOLBF, 0);
	b = board_new(&opt, &ctx->err);
	if (b == NULL)
		return -1;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	fprintf(ctx->out, "relctl board: %s\n(Ctrl-C stops it; anyone with this URL acts as you)\n", board_url(b));
	fflush(ctx->out);
	fflush(stdout); /* ctx->out writes through to it: whoever waits for the URL in a file sees it now */
	if (!args_flag(&ctx->args, "no-open"))
		open_browser(board_url(b));
	board_serve(b, &stop);
	board_free(b);
	fprintf(ctx->out, "relctl board: stopped\n");
	return 0;
}

const struct cmd_entry cmd_board_entry = {
    .name = "board",
    .usage = "[--port N] [--no-open]",
    .summary = "the release in your browser: next, steps, checklists, brief and decision",
    .help = "Serves web pages on 127.0.0.1 only, acting as you exactly as your commands\n"
            "would: each button records the same event as the command, judged, signed and\n"
            "pushed the same way.  It prints a URL with a fresh random token and opens it\n"
            "with xdg-open (unless --no-open); the token becomes an HttpOnly, SameSite=Strict\n"
            "cookie.  Requests without it, with another Host than 127.0.0.1 or localhost,\n"
            "or forms without the page's CSRF token are refused (403).  The ledger is synced\n"
            "with the remote every minute and at each change.  Ctrl-C stops it.\n"
            "See docs/board.md.",
    .options = options,
    .min_args = 0,
    .max_args = 0,
    .needs = CMD_SESSION,
    .exec = board_exec,
};
