#!/bin/sh
# make-all.sh - regenerates the committed captures in pcaps/ and their truth
# files (NAME.pcap + NAME.truth.jsonl) with build/threatrec-pcapgen. The output
# is byte-for-byte deterministic: same generator, same files.
# Usage: pcaps/make-all.sh [NAME...]   (no NAME: all of them; run `make` first)
# B=build folder (default build); PCAPS_OUT=DIR writes there instead of pcaps/.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
case "${B:-build}" in /*) gen="$B/threatrec-pcapgen" ;; *) gen="$top/${B:-build}/threatrec-pcapgen" ;; esac
out="${PCAPS_OUT:-$top/pcaps}"   # PCAPS_OUT=DIR writes elsewhere (the golden check does)
[ -x "$gen" ] || { echo "make-all.sh: $gen missing; run make first" >&2; exit 1; }

# Small calls keep the committed total under 3 MB: 6 s, caller talks 1-2.5 s,
# callee 3.5-5 s (seconds after the INVITE).
SHORT="--duration 6 --caller-talk 1-2.5 --callee-talk 3.5-5"

# name | generator options
scenarios() {
cat <<'LIST'
basic-pcmu        | --codec pcmu
basic-pcma        | --codec pcma
impaired          | --codec pcmu --loss 5 --reorder 3 --dup 3 --seed 7
ssrc-change       | --codec pcma --ssrc-change-at 2
seq-ts-wrap       | --codec pcmu --seq-start 65500 --ts-start 4294959296
vlan              | --codec pcmu --vlan 42
qinq              | --codec pcma --qinq --vlan 42
sll               | --codec pcmu --sll
sll2              | --codec pcma --sll2
ipv6              | --codec pcmu --ipv6
frag-invite       | --codec pcmu --frag-invite
ipv6-frag-invite  | --codec pcma --ipv6 --frag-invite
concurrent-20     | --codec pcmu --calls 20 --concurrent --stagger 0.05 --duration 2.5 --caller-talk 0.7-1.3 --callee-talk 1.5-2.2
dtmf-mark         | --codec pcmu --dtmf *99@2.8
rtcp              | --codec pcma --rtcp --duration 4.5 --caller-talk 1-2 --callee-talk 2.5-3.5
rtcp-mux          | --codec pcmu --rtcp-mux --duration 4.5 --caller-talk 1-2 --callee-talk 2.5-3.5
cancel            | --codec pcmu --outcome cancel --duration 2
busy              | --codec pcma --outcome busy --duration 1.5
LIST
}

scenarios | while IFS='|' read -r name opts; do
	name=$(echo "$name" | tr -d ' ')
	if [ $# -gt 0 ]; then
		case " $* " in *" $name "*) ;; *) continue ;; esac
	fi
	# SHORT first: a scenario's own --duration / talk options override it
	# shellcheck disable=SC2086
	set -f
	"$gen" -o "$out/$name.pcap" --truth "$out/$name.truth.jsonl" $SHORT $opts
	set +f
	printf '%-18s %8s bytes  %s\n' "$name" "$(wc -c < "$out/$name.pcap")" "$opts"
done
