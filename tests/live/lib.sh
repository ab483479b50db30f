# tests/live/lib.sh - helpers for live SIP/RTP calls between two network
# namespaces joined by a veth pair (sourced by tests/live/run.sh and
# pcaps/sipp/record.sh). Never touches a real interface: both namespaces and
# the veth pair are created here, inside them, with TEST-NET-1 addresses
# (192.0.2.1/24 in namespace A on tr0, 192.0.2.2/24 in namespace B on tr1).
# Needs root, iproute2 (`ip netns`), sipp (Debian sip-tester), tcpdump, python3.

LIVE_IP_A=192.0.2.1      # the caller (sipp uac), namespace A, device tr0
LIVE_IP_B=192.0.2.2      # the callee (sipp uas), namespace B, device tr1
LIVE_RTP_A=16384         # caller's RTP port (SDP of the INVITE)
LIVE_RTP_B=40000         # callee's RTP port (SDP of the 200)

# live_can_run: prints why live tests cannot run here and returns 1, or returns 0.
live_can_run() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "needs root (network namespaces, a capture socket)"; return 1
	fi
	if ! command -v ip >/dev/null 2>&1 || ! ip netns list >/dev/null 2>&1; then
		echo "\`ip netns\` is not available (install iproute2)"; return 1
	fi
	local t
	for t in sipp tcpdump python3; do
		command -v "$t" >/dev/null 2>&1 || { echo "$t is not installed (make deps: sip-tester, tcpdump, python3)"; return 1; }
	done
	return 0
}

# live_ns_up A B: creates namespaces A and B, a veth pair tr0 (in A) -- tr1 (in
# B), addresses, no IPv6 (keeps router solicitations out of the captures).
live_ns_up() {
	local a=$1 b=$2 n
	ip netns add "$a" || return 1
	ip netns add "$b" || return 1
	ip link add tr0 netns "$a" type veth peer name tr1 netns "$b" || return 1
	for n in "$a" "$b"; do
		ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1 || true
		ip -n "$n" link set lo up || return 1
	done
	ip -n "$a" addr add "$LIVE_IP_A/24" dev tr0 || return 1
	ip -n "$b" addr add "$LIVE_IP_B/24" dev tr1 || return 1
	ip -n "$a" link set tr0 up || return 1
	ip -n "$b" link set tr1 up || return 1
}

# live_ns_down A B: deletes both namespaces (the veth pair goes with them).
live_ns_down() {
	ip netns del "$1" 2>/dev/null
	ip netns del "$2" 2>/dev/null
	return 0
}

# live_split_rtp PCAP TRUTH OUTDIR: writes OUTDIR/caller.pcap and
# OUTDIR/callee.pcap, the caller->callee and callee->caller RTP of the first
# call of a generated capture (endpoints from its .truth.jsonl), and prints
# "CALLER_FIRST_RTP CALLEE_FIRST_RTP" (seconds after the capture's first packet).
live_split_rtp() {
	local pcap=$1 truth=$2 out=$3 f dir
	while read -r dir f; do
		tcpdump -r "$pcap" -w "$out/$dir.pcap" "$f" >/dev/null 2>&1 || return 1
	done < <(python3 - "$truth" <<'PY'
import json, sys
call = json.loads(open(sys.argv[1]).readline())
for s in call["streams"]:
    ip, port = s["src"].rsplit(":", 1)
    who = "caller" if s["direction"] == "caller->callee" else "callee"
    print(who, "udp and src host %s and src port %s" % (ip, port))
PY
)
	python3 - "$pcap" "$out/caller.pcap" "$out/callee.pcap" <<'PY'
import struct, sys
def first_ts(p):
    with open(p, "rb") as f:
        h = f.read(24)
        magic = struct.unpack("<I", h[:4])[0]
        e, div = ("<", 1e6) if magic in (0xa1b2c3d4, 0xa1b23c4d) else (">", 1e6)
        if magic in (0xa1b23c4d, 0x4d3cb2a1):
            div = 1e9
        r = f.read(16)
        s, frac = struct.unpack(e + "II", r[:8])
        return s + frac / div
t0 = first_ts(sys.argv[1])
print("%.6f %.6f" % (first_ts(sys.argv[2]) - t0, first_ts(sys.argv[3]) - t0))
PY
}

# live_call A B DIR CALLID_PREFIX CALLER CALLEE HOLD_MS: places one call with
# sipp from namespace A (uac) to B (uas), both playing RTP from DIR/caller.pcap
# and DIR/callee.pcap. The Call-ID is CALLID_PREFIX-1@192.0.2.1. Logs in DIR.
# Returns the uac's exit status (0 = the call completed).
live_call() {
	local a=$1 b=$2 dir=$3 cid=$4 caller=$5 callee=$6 hold=$7 scen uas rc
	scen=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../pcaps/sipp" && pwd)
	(cd "$dir" && exec timeout 60 ip netns exec "$b" sipp -sf "$scen/uas.xml" \
		-i "$LIVE_IP_B" -p 5060 -mi "$LIVE_IP_B" -mp "$LIVE_RTP_B" \
		-key rtp_pcap "$dir/callee.pcap" -m 1 -nostdin -trace_err \
		>"$dir/uas.out" 2>&1) &
	uas=$!
	sleep 0.3
	(cd "$dir" && exec timeout 60 ip netns exec "$a" sipp -sf "$scen/uac.xml" \
		"$LIVE_IP_B:5060" -i "$LIVE_IP_A" -p 5060 -mi "$LIVE_IP_A" -mp "$LIVE_RTP_A" \
		-s "$callee" -key caller "$caller" -key rtp_pcap "$dir/caller.pcap" \
		-d "$hold" -cid_str "$cid-%u@%s" -m 1 -nostdin -trace_err \
		>"$dir/uac.out" 2>&1)
	rc=$?
	# the uas ends after the 200 to the BYE (and its 0.5 s timewait); if the
	# call failed it would wait for its timeout: stop it
	local i=0
	while kill -0 "$uas" 2>/dev/null && [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
	kill "$uas" 2>/dev/null
	wait "$uas" 2>/dev/null
	return $rc
}
