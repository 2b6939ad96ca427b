/*
 * What session.c gives the modules that write and check the ledger
 * (plan.c, mutate.c, sync.c, judging.c, verify.c), and commands never see:
 * reading the files and releases of one ledger commit.
 */
#ifndef RELCTL_SESSION_PRIVATE_H
#define RELCTL_SESSION_PRIVATE_H

#include <stdbool.h>

#include "buf.h"
#include "cJSON.h"
#include "session.h"
#include "store.h"

/* ---------- session.c: reading a ledger commit ---------- */

/* EXIT_CONFIG: no ledger yet, with the command that makes one. */
int session_no_ledger(struct session *s, struct error *err);
/* The remote (relctl.remote, else origin) whose ledger branch git has fetched into this clone, or NULL. */
const char *session_team_remote(struct session *s);
/* The playbook at path of commit tip. */
struct playbook *session_playbook_at(struct session *s, const char *tip, const char *path, struct error *err);
/* A JSON file of commit tip (at most LEDGER_RELEASE_MAX bytes); *missing when it is not there. */
cJSON *session_read_json(struct session *s, const char *tip, const char *path, bool *missing, struct error *err);
cJSON *session_read_index(struct session *s, const char *tip, struct error *err);
/* A release at commit tip, replayed; version NULL: the one open release. */
int session_release_at(struct session *s, const char *tip, const char *version, struct release *rel,
		       struct error *err);
/* "2.6.3" from "releases/2.6.3.json"; caller frees. */
char *session_version_of(const char *path);

#endif
