/*
 * Loading a library on first use (library.h): dlopen by soname, then every
 * symbol the module declared, or none (a library missing one function is
 * refused whole, so a module never calls a null pointer).
 */
#include <dlfcn.h>
#include <string.h>

#include "library.h"

int library_load(struct library *lib, struct error *err)
{
	void *handle;
	size_t i;

	if (lib->handle)
		return 0;
	handle = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
	if (handle == NULL)
		return error_set(err, EXIT_UNAVAILABLE, "cannot load %s (%s): %s; install %s", lib->soname,
		                 lib->purpose, dlerror(), lib->package);
	for (i = 0; i < lib->symbol_count; i++) {
		void *symbol = dlsym(handle, lib->symbols[i].name);

		if (symbol == NULL) {
			error_set(err, EXIT_UNAVAILABLE, "%s has no %s (%s); install %s", lib->soname,
			          lib->symbols[i].name, lib->purpose, lib->package);
			dlclose(handle);
			return -1;
		}
		/* POSIX: a function's address from dlsym is stored as an object pointer's bits. */
		memcpy((char *)lib->functions + lib->symbols[i].offset, &symbol, sizeof(symbol));
	}
	lib->handle = handle;
	return 0;
}

bool library_loaded(const struct library *lib)
{
	return lib->handle != NULL;
}
