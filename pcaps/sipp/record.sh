#!/usr/bin/env bash
# pcaps/sipp/record.sh - records one real SIP call with G.711 u-law audio,
# placed by sipp between two network namespaces over a veth pair, with
# tcpdump, into pcaps/sipp-g711-call.pcap (or the file given as $1).
# Unlike the generator's captures this one comes from real SIP and RTP
# stacks (sipp's), real kernel timestamps and real jitter.
#
# The call: Call-ID sipp-g711-1@192.0.2.1, From +15550100000 (192.0.2.1,
# RTP port 16384) to 2001 (192.0.2.2, RTP port 40000), PCMU both ways; the
# audio is the caller and callee RTP of pcaps/basic-pcmu.pcap (caller 440 Hz,
# callee 1000 Hz, at the generator's times shifted to when sipp started to
# play); BYE from the caller after 6.5 s. Only UDP is kept (no ARP).
# Needs root, iproute2, sipp (sip-tester), tcpdump, python3. See README.md.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/live/lib.sh"
out="${1:-$top/pcaps/sipp-g711-call.pcap}"
gen="$top/pcaps/basic-pcmu.pcap"
if ! why=$(live_can_run); then
	echo "record.sh: cannot record: $why" >&2
	exit 1
fi
[ -f "$gen" ] || { echo "record.sh: $gen missing (run pcaps/make-all.sh)" >&2; exit 1; }

NSA="trrec-$$-a" NSB="trrec-$$-b"
W=$(mktemp -d /tmp/trrec.XXXXXX)
td_pid=""
cleanup() {
	[ -n "$td_pid" ] && kill "$td_pid" 2>/dev/null && wait "$td_pid" 2>/dev/null
	live_ns_down "$NSA" "$NSB"
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

live_split_rtp "$gen" "${gen%.pcap}.truth.jsonl" "$W" >/dev/null
live_ns_up "$NSA" "$NSB"
ip netns exec "$NSA" tcpdump -i tr0 -n -s 0 -U --immediate-mode -w "$W/call.pcap" udp >"$W/tcpdump.out" 2>&1 &
td_pid=$!
i=0
while ! grep -q "listening on" "$W/tcpdump.out" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
if ! live_call "$NSA" "$NSB" "$W" "sipp-g711" "+15550100000" "2001" 6500; then
	echo "record.sh: the sipp call failed:" >&2
	tail -5 "$W/uac.out" "$W/uas.out" >&2
	exit 1
fi
# the last packets (BYE, 200) must reach the file before tcpdump stops
sleep 1
kill "$td_pid"; wait "$td_pid" 2>/dev/null || true; td_pid=""
summary=$(python3 "$top/tests/live/wire.py" "$W/call.pcap" "$LIVE_IP_A" "$LIVE_RTP_A" "$LIVE_IP_B" "$LIVE_RTP_B")
cp "$W/call.pcap" "$out"
echo "record.sh: wrote $out ($(stat -c %s "$out") bytes): $summary"
