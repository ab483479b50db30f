#!/bin/sh
# run.sh - the real-capture corpus test: every capture of ../shared/pcaps with
# an entry in its expected.json must decode to the same calls and streams
# (tests/corpus/check.py says exactly what is compared). The captures are
# read in place, never copied. Usage: tests/corpus/run.sh [NAME...]
# Last line: "N passed, N failed, N skipped".
top=$(cd "$(dirname "$0")/../.." && pwd)
corpus="${CORPUS:-$(git -C "$top" rev-parse --show-toplevel 2>/dev/null || echo "$top")/../shared/pcaps}"
case "${B:-build}" in /*) bdir=$B ;; *) bdir="$top/${B:-build}" ;; esac
exec python3 "$top/tests/corpus/check.py" --decoder "${DECODE:-$bdir/threatrec-decode}" \
	"$corpus" "$@"
