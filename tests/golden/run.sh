#!/bin/sh
# run.sh - golden tests: `threatrec-decode calls` on each capture of TESTLIST,
# compared with expected/NAME.calls.jsonl (compare.py: canonical JSON, keys of
# the expected file), and for audio tests `threatrec-decode wav` per call,
# checked with tests/tools/tonecheck.py against the generator's truth file.
# Without NAMEs it first checks the generator (G.711 tables, and that the
# committed pcaps/ are what pcaps/make-all.sh makes now).
# Usage: tests/golden/run.sh [NAME...]   (B=build-asan for the ASan build)
# Last line: "N passed, N failed".
top=$(cd "$(dirname "$0")/../.." && pwd)
here="$top/tests/golden"
case "${B:-build}" in /*) bdir=$B ;; *) bdir="$top/${B:-build}" ;; esac
dec="${DECODE:-$bdir/threatrec-decode}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/golden.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
export TZ=UTC
pass=0
fail=0

ok() { pass=$((pass + 1)); echo "PASS $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -s "$tmp/why" ] && sed -n '1,12s/^/    /p' "$tmp/why"; : > "$tmp/why"; }

# 0. the generator itself: its G.711 encoders against the reference, and the
#    committed captures and truth files are exactly what it makes now
if [ $# -eq 0 ]; then
	gen="$bdir/threatrec-pcapgen"
	for law in pcmu pcma; do
		: > "$tmp/why"
		if [ ! -x "$gen" ]; then
			echo "$gen missing: build first (make all)" > "$tmp/why"
			bad "pcapgen/g711-$law"
		elif python3 "$top/tests/tools/g711check.py" "$gen" "$law" > "$tmp/why" 2>&1; then
			ok "pcapgen/g711-$law"
		else
			bad "pcapgen/g711-$law"
		fi
	done
	: > "$tmp/why"
	mkdir -p "$tmp/regen"
	if [ ! -x "$gen" ]; then
		echo "$gen missing: build first (make all)" > "$tmp/why"
		bad "pcapgen/deterministic"
	elif ! B="$bdir" PCAPS_OUT="$tmp/regen" "$top/pcaps/make-all.sh" > "$tmp/why" 2>&1; then
		bad "pcapgen/deterministic"
	else
		for f in "$tmp"/regen/*; do
			cmp -s "$f" "$top/pcaps/$(basename "$f")" \
				|| echo "pcaps/$(basename "$f") differs from what the generator makes now (pcaps/make-all.sh)"
		done > "$tmp/why"
		if [ -s "$tmp/why" ]; then bad "pcapgen/deterministic"; else ok "pcapgen/deterministic"; fi
	fi
fi

# tests/golden/TESTLIST: name pcap expected options
grep -v '^[[:space:]]*#' "$here/TESTLIST" | grep -v '^[[:space:]]*$' > "$tmp/list"
while read -r name pcap expected opts; do
	if [ $# -gt 0 ]; then
		case " $* " in *" $name "*) ;; *) continue ;; esac
	fi
	: > "$tmp/why"
	if [ ! -x "$dec" ]; then
		echo "$dec missing: build first (make all)" > "$tmp/why"
		bad "$name/calls"
		continue
	fi
	# 1. the call list
	if ! "$dec" calls "$top/$pcap" > "$tmp/$name.jsonl" 2> "$tmp/$name.err"; then
		{ echo "threatrec-decode calls exited non-zero:"; cat "$tmp/$name.err"; } > "$tmp/why"
		bad "$name/calls"
	elif [ ! -f "$here/expected/$expected" ]; then
		echo "no expected/$expected (tests/golden/update.sh $name)" > "$tmp/why"
		bad "$name/calls"
	elif python3 "$here/compare.py" "$here/expected/$expected" "$tmp/$name.jsonl" > "$tmp/why" 2>&1; then
		ok "$name/calls"
	else
		bad "$name/calls"
	fi

	# 2. audio: every call (or the first N) of the truth file
	nwav=0
	cov=0.98
	for o in $(echo "$opts" | tr ',' ' '); do
		case "$o" in
		wav) nwav=100000 ;;
		wav=*) nwav=${o#wav=} ;;
		cov=*) cov=${o#cov=} ;;
		-) ;;
		*) echo "golden: $name: unknown option $o" >&2 ;;
		esac
	done
	[ "$nwav" -gt 0 ] || continue
	truth="$top/${pcap%.pcap}.truth.jsonl"
	if [ ! -f "$truth" ]; then
		echo "no truth file $truth" > "$tmp/why"
		bad "$name/wav"
		continue
	fi
	python3 -c 'import json,sys
ids = [json.loads(l)["call_id"] for l in open(sys.argv[1])]
print("\n".join(ids[:int(sys.argv[2])]))' "$truth" "$nwav" > "$tmp/ids"
	while read -r cid; do
		w="$tmp/$name.wav"
		rm -f "$w"
		if ! "$dec" wav "$top/$pcap" --call-id "$cid" -o "$w" > "$tmp/why" 2>&1; then
			sed -i '1i threatrec-decode wav exited non-zero:' "$tmp/why"
			bad "$name/wav $cid"
		elif python3 "$top/tests/tools/tonecheck.py" "$w" --truth "$truth" --call-id "$cid" \
		        --tol 0.020 --min-coverage "$cov" > "$tmp/why" 2>&1; then
			ok "$name/wav $cid"
		else
			bad "$name/wav $cid"
		fi
	done < "$tmp/ids"
done < "$tmp/list"

# a Call-ID with an escape byte and a backslash: `calls` prints them as
# \xNN (valid JSON, nothing raw reaches a terminal) and that text given to
# `wav --call-id` finds the call; a miss is reported without raw bytes
if [ $# -eq 0 ]; then
	python3 - "$top/pcaps/basic-pcmu.pcap" "$tmp/esc.pcap" <<'PY'
import sys
b = open(sys.argv[1], "rb").read()
old = b"pcapgen-1-0@192.0.2.10"
new = b"pc\x1b[31m\\1-0@192.0.2.10"
assert len(old) == len(new) and b.count(old) > 0
open(sys.argv[2], "wb").write(b.replace(old, new))
PY
	: > "$tmp/why"
	cid=$("$dec" calls "$tmp/esc.pcap" 2>"$tmp/why" | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["call_id"])')
	if [ "$cid" = 'pc\x1b[31m\x5c1-0@192.0.2.10' ] &&
	   "$dec" wav "$tmp/esc.pcap" --call-id "$cid" -o "$tmp/esc.wav" >>"$tmp/why" 2>&1 && [ -s "$tmp/esc.wav" ]; then
		ok "escaped Call-ID: calls prints $cid, wav --call-id finds it"
	else
		echo "call_id printed: $cid" >> "$tmp/why"; bad "escaped Call-ID round trip"
	fi
	"$dec" wav "$tmp/esc.pcap" --call-id "$(printf 'no\033[0m')" -o "$tmp/none.wav" > "$tmp/miss" 2>&1
	if grep -q 'no call with Call-ID no\\x1b\[0m' "$tmp/miss" && ! grep -q "$(printf '\033')" "$tmp/miss"; then
		ok "a missing Call-ID is reported escaped"
	else
		cp "$tmp/miss" "$tmp/why"; bad "a missing Call-ID is reported escaped"
	fi

	# the output is never the input: -o the capture itself, through a symlink
	# or a hard link, or a --all file name that is the capture; the capture
	# stays as it was, the exit is 1 and the message names both
	cid=pcapgen-1-0@192.0.2.10
	mkdir -p "$tmp/same"
	cp "$top/pcaps/basic-pcmu.pcap" "$tmp/same/in.pcap"
	ln -s in.pcap "$tmp/same/sym.pcap"
	ln "$tmp/same/in.pcap" "$tmp/same/hard.pcap"
	cp "$tmp/same/in.pcap" "$tmp/same/00001-$cid.wav"
	for args in "in.pcap -o in.pcap" "in.pcap -o sym.pcap" "sym.pcap -o in.pcap" "in.pcap -o hard.pcap" \
	            "00001-$cid.wav --all -o ."; do
		set -- $args
		src=$1; shift
		case "$*" in *--all*) ;; *) set -- --call-id "$cid" "$@" ;; esac
		(cd "$tmp/same" && "$dec" wav "$src" "$@") > "$tmp/why" 2>&1; rc=$?
		if [ $rc -eq 1 ] && grep -q 'refusing to write over the input .* (the same file)' "$tmp/why" &&
		   cmp -s "$tmp/same/in.pcap" "$top/pcaps/basic-pcmu.pcap" &&
		   cmp -s "$tmp/same/00001-$cid.wav" "$top/pcaps/basic-pcmu.pcap"; then
			ok "wav $args: refused, the capture untouched"
		else
			echo "rc $rc" >> "$tmp/why"; bad "wav $args: not refused, or the capture changed"
		fi
	done
	set --
	"$dec" wav "$tmp/same/in.pcap" --all -o "$tmp/same/in.pcap" > "$tmp/why" 2>&1; rc=$?
	if [ $rc -eq 1 ] && grep -q 'in.pcap: not a folder' "$tmp/why" && cmp -s "$tmp/same/in.pcap" "$top/pcaps/basic-pcmu.pcap"
	then ok "wav --all -o FILE: not a folder"; else bad "wav --all -o FILE (rc $rc)"; fi

	# an output error is one line naming the file and the reason
	one_line() { # NAME OUT EXPECTED
		"$dec" wav "$top/pcaps/basic-pcmu.pcap" --call-id "$cid" -o "$2" > "$tmp/out" 2> "$tmp/why"; rc=$?
		if [ $rc -eq 1 ] && [ "$(wc -l < "$tmp/why")" -eq 1 ] && grep -qF -- "threatrec-decode: $2: $3" "$tmp/why"
		then ok "$1: one line, $3"; else echo "rc $rc" >> "$tmp/why"; bad "$1"; fi
	}
	one_line "wav -o into a missing folder" "$tmp/nodir/x.wav" "cannot write: No such file or directory"
	[ -w /dev/full ] && one_line "wav -o /dev/full" /dev/full "cannot write the WAV: No space left on device"
	"$dec" wav "$top/pcaps/basic-pcmu.pcap" --call-id "$cid" -o /dev/stdout 2> "$tmp/why" | cat > /dev/null; rc=$?
	if [ "$(wc -l < "$tmp/why")" -eq 1 ] && grep -q '/dev/stdout: a WAV cannot go to a pipe' "$tmp/why"
	then ok "wav -o a pipe: one line"; else bad "wav -o a pipe"; fi
	"$dec" wav "$top/pcaps/basic-pcmu.pcap" --call-id "$cid" -o /dev/stdout > "$tmp/stdout.wav" 2> "$tmp/why"
	if [ $? -eq 0 ] && [ ! -s "$tmp/why" ] && python3 -c 'import sys, wave; w = wave.open(sys.argv[1]); assert w.getnchannels() == 2 and w.getnframes() > 8000' "$tmp/stdout.wav" 2>> "$tmp/why"
	then ok "wav -o /dev/stdout redirected to a file"; else bad "wav -o /dev/stdout > file"; fi
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
