/*
 * The starter playbooks built into relctl: playbooks/minimal.yaml,
 * library.yaml and tinypilot.yaml, made into C at build time by
 * scripts/embed-playbooks.sh, for `relctl playbook new`.
 */
#ifndef RELCTL_TEMPLATES_H
#define RELCTL_TEMPLATES_H

struct playbook_template {
	const char *name;    /* "minimal", "library", "tinypilot" */
	const char *summary; /* the file's first line */
	const char *text;    /* the whole file */
};

/* Ends with an entry whose name is NULL. */
extern const struct playbook_template playbook_templates[];

#endif
