/*
 * The error every core function fills: an exit code from sysexits(3) and one
 * sentence, on one line: error_set writes a newline or carriage return that
 * its arguments hold as \n or \r.  Core code returns -1 with the error set;
 * only the command layer prints it, as "relctl: MESSAGE".
 */
#ifndef RELCTL_ERR_H
#define RELCTL_ERR_H

enum exit_code {
	EXIT_OK = 0,
	EXIT_FAILURE_GENERIC = 1,
	EXIT_USAGE = 64,
	EXIT_DATAERR = 65,
	EXIT_NOINPUT = 66,
	EXIT_UNAVAILABLE = 69,
	EXIT_SOFTWARE = 70,
	EXIT_IOERR = 74,
	EXIT_TEMPFAIL = 75,
	EXIT_NOPERM = 77,
	EXIT_CONFIG = 78,
};

struct error {
	int code;
	char message[1024];
};

/* Fills err (when not NULL) and returns -1, for "return error_set(...)". */
int error_set(struct error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Resets err to "no error". */
void error_clear(struct error *err);

#endif
