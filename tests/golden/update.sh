#!/bin/sh
# update.sh - regenerates tests/golden/expected/NAME.calls.jsonl.
#   update.sh NAME...               from `threatrec-decode calls` (review the diff!)
#   update.sh --from-truth NAME...  from the generator's truth (pcaps/NAME.truth.jsonl):
#                                   the independent oracle for generated captures
# Expected files are stored in compare.py's canonical form.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
here="$top/tests/golden"
case "${B:-build}" in /*) bdir=$B ;; *) bdir="$top/${B:-build}" ;; esac
dec="${DECODE:-$bdir/threatrec-decode}"
export TZ=UTC
mode=decoder
if [ "${1:-}" = "--from-truth" ]; then
	mode=truth
	shift
fi
[ $# -gt 0 ] || { echo "usage: update.sh [--from-truth] NAME..." >&2; exit 2; }
for name in "$@"; do
	line=$(grep -v '^[[:space:]]*#' "$here/TESTLIST" | awk -v n="$name" '$1 == n')
	[ -n "$line" ] || { echo "update.sh: $name is not in TESTLIST" >&2; exit 1; }
	pcap=$(echo "$line" | awk '{print $2}')
	exp=$(echo "$line" | awk '{print $3}')
	out="$here/expected/$exp"
	if [ "$mode" = truth ]; then
		python3 "$here/compare.py" --from-truth "$top/${pcap%.pcap}.truth.jsonl" > "$out.new"
	else
		tmp=$(mktemp)
		"$dec" calls "$top/$pcap" > "$tmp"
		python3 "$here/compare.py" --canon "$tmp" > "$out.new"
		rm -f "$tmp"
	fi
	if [ -f "$out" ]; then
		diff -u "$out" "$out.new" || true
	fi
	mv "$out.new" "$out"
	echo "updated $out ($mode)"
done
