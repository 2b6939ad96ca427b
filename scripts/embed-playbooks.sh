#!/bin/sh
# embed-playbooks.sh NAME=FILE...: the starter playbooks as C (include/templates.h),
# so `relctl playbook new` prints them without any file installed.  Each
# template's summary is its first line, less the "# ".  POSIX sh and awk only.
set -e
printf '/* Made by scripts/embed-playbooks.sh from the playbooks/ files: edit those, not this. */\n'
printf '#include <stddef.h>\n\n#include "templates.h"\n\n'
printf 'const struct playbook_template playbook_templates[] = {\n'
for spec in "$@"; do
	name=${spec%%=*}
	file=${spec#*=}
	awk -v name="$name" '
		function quote(s) {
			gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); gsub(/\?/, "\\?", s); gsub(/\t/, "\\t", s)
			return s
		}
		NR == 1 { summary = $0; sub(/^# */, "", summary); printf "\t{ \"%s\", \"%s\",\n", name, quote(summary) }
		{ printf "\t  \"%s\\n\"\n", quote($0) }
		END { printf "\t},\n" }
	' "$file"
done
printf '\t{ NULL, NULL, NULL },\n};\n'
