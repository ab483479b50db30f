#!/usr/bin/env bash
# tests/run.sh - runs every test suite and prints one closing line
# "N passed, N failed, N skipped" (the line CI reads). Each suite is a
# tests/<suite>/run.sh whose last output line has the same shape.
# Environment: B=build folder (default build); SUITES="unit golden" to pick.
set -u
cd "$(dirname "$0")/.."
export B="${B:-build}"
export TZ=UTC
suites="${SUITES:-unit fuzz config golden corpus vault webui e2e live browser}"
total_p=0 total_f=0 total_s=0 failed_suites=""
for s in $suites; do
	script="tests/$s/run.sh"
	[ -x "$script" ] || { echo "== $s: no suite here (skipped)"; continue; }
	echo "== $s"
	log=$(mktemp)
	bash "$script" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	last=$(grep -E '^([A-Za-z_-]+: )?[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	rm -f "$log"
	p=$(sed -nE 's/.*([^0-9]|^)([0-9]+) passed.*/\2/p' <<<"$last")
	f=$(sed -nE 's/.* ([0-9]+) failed.*/\1/p' <<<"$last")
	k=$(sed -nE 's/.* ([0-9]+) skipped.*/\1/p' <<<"$last")
	p=${p:-0}; f=${f:-0}; k=${k:-0}
	if [ -z "$last" ] || { [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; }; then
		echo "== $s: suite exited $rc without a result line: counted as one failure"
		f=$((f + 1))
	fi
	[ "$f" -gt 0 ] && failed_suites="$failed_suites $s"
	total_p=$((total_p + p)); total_f=$((total_f + f)); total_s=$((total_s + k))
	echo "== $s: $p passed, $f failed, $k skipped"
done
[ -n "$failed_suites" ] && echo "failed suites:$failed_suites"
echo "$total_p passed, $total_f failed, $total_s skipped"
[ "$total_f" -eq 0 ]
