#!/usr/bin/env bash
# Sums tests/run.sh results into the closing line "N passed, N failed".
results=${1:-build/results.txt}
if [ ! -s "$results" ]; then
	echo "0 passed, 1 failed"
	exit 1
fi
read -r passed failed <<<"$(awk '{p+=$3; f+=$4} END{printf "%d %d\n", p, f}' "$results")"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
