/*
 * What store.c (the ledger branch) and store-remote.c (fetch and push)
 * share inside the libgit2 wrapper; nothing else includes libgit2.
 */
#ifndef RELCTL_STORE_PRIVATE_H
#define RELCTL_STORE_PRIVATE_H

#include <git2.h>

#include "err.h"
#include "store.h"

struct store {
	git_repository *repo;
	char *workdir;
};

/* err = what failed and libgit2's last error; returns -1. */
int git_fail(struct error *err, int code, const char *what);
void oid_hex(const git_oid *oid, char out[OID_HEX]);
int parse_oid(git_oid *oid, const char *hex, struct error *err);

#endif
