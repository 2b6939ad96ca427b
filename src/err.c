/* The error struct shared by every core module. */
#include <stdarg.h>
#include <stdio.h>

#include "err.h"

int error_set(struct error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -1;
}

void error_clear(struct error *err)
{
	err->code = 0;
	err->message[0] = '\0';
}
