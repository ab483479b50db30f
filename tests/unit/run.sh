#!/bin/sh
# run.sh - runs every unit-test binary $B/tests/test_* (B defaults to build)
# from the top of the tree, and adds up their "N passed, N failed" lines
# (and ", N skipped" when a binary prints it). A binary that dies without
# its summary line counts as one failure.
# Last line: "N passed, N failed, N skipped". Exit status 1 if any failed.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
B=${B:-build}
passed=0 failed=0 skipped=0 nbin=0
out=$(mktemp) || exit 1
trap 'rm -f "$out"' EXIT INT TERM

for bin in "$B"/tests/test_*; do
	[ -f "$bin" ] && [ -x "$bin" ] || continue
	case $bin in *.o|*.d) continue ;; esac
	nbin=$((nbin + 1))
	"$bin" >"$out" 2>&1
	rc=$?
	line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
	if [ -z "$line" ]; then
		echo "${bin##*/}: no summary (exit status $rc)"
		tail -n 20 "$out"
		failed=$((failed + 1))
		continue
	fi
	p=$(echo "$line" | sed -E 's/.*[^0-9]?\b([0-9]+) passed.*/\1/')
	f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
	s=
	case $line in *skipped*) s=$(echo "$line" | sed -E 's/.* ([0-9]+) skipped.*/\1/') ;; esac
	echo "${bin##*/}: $p passed, $f failed${s:+, $s skipped}"
	if [ "$f" -gt 0 ] || [ $rc -ne 0 ]; then
		grep -v -E '[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 30
		# a non-zero exit with no failed test is still a failure
		[ "$f" -eq 0 ] && f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + ${s:-0}))
done
[ $nbin -eq 0 ] && echo "no unit-test binaries in $B/tests (run make first)"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
