/*
 * Libraries only some commands use, loaded the first time one is needed
 * instead of at every start: libcurl and its TLS, Kerberos and LDAP (hooks
 * and mail), libmicrohttpd (the board) and cmark (the board's pages).
 * Loading and relocating them cost every relctl process about 10 ms, more
 * than `next` spends on the ledger.  Each is still wrapped by one module
 * (hook.c, http-server.c, markdown.c), which declares the functions it
 * calls as a struct of pointers and a table of their names; the soname is
 * the one pkg-config's library has (the Makefile asks the linker's file).
 */
#ifndef RELCTL_LIBRARY_H
#define RELCTL_LIBRARY_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/* One function a module calls: its name and where its pointer goes in the module's struct. */
struct library_symbol {
	const char *name;
	size_t offset;
};

#define LIBRARY_SYMBOL(type, member, name)                                                                             \
	{                                                                                                              \
		name, offsetof(type, member)                                                                           \
	}

struct library {
	const char *soname;  /* "libcurl.so.4" */
	const char *package; /* the Debian package that has it, for the message */
	const char *purpose; /* "hooks and mail need it" */
	const struct library_symbol *symbols;
	size_t symbol_count;
	void *functions; /* the module's struct of function pointers, filled by library_load */
	void *handle;    /* set once every symbol is found; never unloaded */
};

/*
 * Loads lib and fills its functions, once per process: 0, or -1 with
 * EXIT_UNAVAILABLE and a line naming the library and its package.
 */
int library_load(struct library *lib, struct error *err);

/* Whether lib is loaded. */
bool library_loaded(const struct library *lib);

#endif
