#!/bin/sh
# run.sh - replays every fuzz target's corpus (gcc build, no libFuzzer).
# For each $B/fuzz/fuzz_X (B defaults to build) runs it over
# tests/fuzz/corpus/X/. A target whose run does not end with its summary
# line (a crash) is rerun file by file to name the inputs that crash.
# A target without a corpus folder is skipped with a message.
# Last line: "N passed, N failed, N skipped" (files; skipped = targets).
# Exit status 1 if anything failed.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
B=${B:-build}
passed=0 failed=0 skipped=0
out=$(mktemp) || exit 1
trap 'rm -f "$out"' EXIT INT TERM

for bin in "$B"/fuzz/fuzz_*; do
	[ -x "$bin" ] || continue
	name=${bin##*/fuzz_}
	corpus=tests/fuzz/corpus/$name
	if [ ! -d "$corpus" ]; then
		echo "fuzz_$name: SKIP (no corpus folder $corpus)"
		skipped=$((skipped + 1))
		continue
	fi
	"$bin" "$corpus" >"$out" 2>&1
	rc=$?
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
	if [ $rc -le 1 ] && [ -n "$line" ]; then
		p=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
		f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
		echo "fuzz_$name: $line"
		[ "$f" -gt 0 ] && cat "$out"
	else
		# crashed: find the inputs one by one
		echo "fuzz_$name: crashed (status $rc); replaying file by file"
		tail -n 20 "$out"
		p=0 f=0
		for file in $(find "$corpus" -type f ! -name '.*' | sort); do
			if "$bin" "$file" >/dev/null 2>&1; then
				p=$((p + 1))
			else
				f=$((f + 1))
				echo "  CRASH fuzz_$name $file"
			fi
		done
	fi
	passed=$((passed + p))
	failed=$((failed + f))
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
