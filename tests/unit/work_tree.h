/*
 * What the unit tests that read a work tree share (test_hook,
 * test_template): writing a file below a temporary directory.  Include it
 * after cmocka.h; its functions are static inline.
 */
#ifndef RELCTL_WORK_TREE_H
#define RELCTL_WORK_TREE_H

#include <stdio.h>

/* Writes text as dir/name (its directory exists), failing the test when it cannot. */
static inline void write_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

#endif
