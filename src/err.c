/*
 * The error struct shared by every core module.  A message is one line
 * whatever it quotes: a newline or carriage return from a file name, a
 * note or a tool's complaint is written as \n or \r, so no field can add
 * a line that would read as relctl's own.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

/* Escapes the line breaks of message in place, cutting it short when the escapes do not fit. */
static void one_line(char *message, size_t size)
{
	char out[sizeof(((struct error *)0)->message)];
	size_t i, n = 0;

	if (strpbrk(message, "\n\r") == NULL)
		return;
	for (i = 0; message[i] && n + 3 <= sizeof(out) && n + 3 <= size; i++) {
		if (message[i] == '\n' || message[i] == '\r') {
			out[n++] = '\\';
			out[n++] = message[i] == '\n' ? 'n' : 'r';
		} else {
			out[n++] = message[i];
		}
	}
	out[n] = '\0';
	memcpy(message, out, n + 1);
}

int error_set(struct error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	one_line(err->message, sizeof(err->message));
	return -1;
}

void error_clear(struct error *err)
{
	err->code = 0;
	err->message[0] = '\0';
}
