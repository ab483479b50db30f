#!/usr/bin/env bash
# tests/live/run.sh - live capture test: threatrec-sniffer on a veth pair in
# network namespaces this test creates, a real SIP call with RTP placed by
# sipp across it, then the call is checked in the shared-memory ring
# (threatrec-sniffer --list, threatrec-decode calls/wav --ring) against what
# tcpdump saw on the same wire, and its audio against the known tones.
#
# Topology (nothing outside the two namespaces is touched):
#   netns trtest-PID-a: tr0 192.0.2.1/24  caller (sipp uac), sniffer, tcpdump
#   netns trtest-PID-b: tr1 192.0.2.2/24  callee (sipp uas)
# The audio: the caller and callee RTP of pcaps/basic-pcmu.pcap (helper-4's
# generator: caller 440 Hz, callee 1000 Hz at known times), replayed by sipp.
# The sniffer runs as the systemd unit runs it, as far as that can be done
# without systemd: an unprivileged user (nobody) holding only CAP_NET_RAW (via
# setpriv, when present), umask 077; the ring must still be mode 0640.
#
# Needs root, iproute2, sipp (sip-tester), tcpdump, python3; otherwise it
# prints why and counts one skip. Environment: B=build folder (default build),
# LIVE_KEEP=1 keeps the work folder. Last line: "N passed, N failed, N skipped".
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
B="${B:-build}"
case "$B" in /*) ;; *) B="$top/$B" ;; esac
. "$top/tests/live/lib.sh"

pass=0 fail=0 skip=0
ok()   { echo "ok   - $*"; pass=$((pass + 1)); }
bad()  { echo "FAIL - $*"; fail=$((fail + 1)); }
chk()  { if [ "$1" = 0 ]; then ok "$2"; else bad "$2${3:+: $3}"; fi; }
finish() { echo "$pass passed, $fail failed, $skip skipped"; exit $(( fail > 0 ? 1 : 0 )); }

if ! why=$(live_can_run); then
	echo "live: skipped: $why"
	skip=1; finish
fi
for p in threatrec-sniffer threatrec-decode; do
	if [ ! -x "$B/$p" ]; then
		echo "live: skipped: $B/$p is not built (make all)"
		skip=1; finish
	fi
done
gen="$top/pcaps/basic-pcmu.pcap"
if [ ! -f "$gen" ] || [ ! -f "${gen%.pcap}.truth.jsonl" ]; then
	echo "live: skipped: $gen (and its .truth.jsonl) missing: run pcaps/make-all.sh"
	skip=1; finish
fi

NSA="trtest-$$-a" NSB="trtest-$$-b"
RING="/threatrec-live-$$"
CID="trlive-$$"
CALLER="+15550100000" CALLEE="2001" HOLD_MS=6500
W=$(mktemp -d /tmp/trlive.XXXXXX)
chmod 0755 "$W"
NSV="trtest-$$-v"
snf_pid="" td_pid="" vault_pid="" webui_pid=""
cleanup() {
	local p
	for p in $webui_pid $vault_pid $snf_pid; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	[ -n "$td_pid" ] && kill "$td_pid" 2>/dev/null && wait "$td_pid" 2>/dev/null
	live_ns_down "$NSA" "$NSB"
	ip netns del "$NSV" 2>/dev/null
	rm -f "/dev/shm$RING" "/dev/shm$RING.marks"
	if [ "${LIVE_KEEP:-0}" = 1 ]; then echo "live: work folder kept: $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

read -r gen_a_first gen_b_first < <(live_split_rtp "$gen" "${gen%.pcap}.truth.jsonl" "$W") || true
[ -s "$W/caller.pcap" ] && [ -s "$W/callee.pcap" ]
chk $? "RTP of $(basename "$gen") split into caller and callee streams"

live_ns_up "$NSA" "$NSB"
rc=$?
chk $rc "namespaces $NSA and $NSB with veth tr0 (192.0.2.1) -- tr1 (192.0.2.2)"
[ $rc = 0 ] || finish

# The sniffer, as its unit runs it: unprivileged, CAP_NET_RAW only, umask 077.
# Numeric ids stand in for the sysusers accounts (none of them may exist here):
# the ring group, then the sniffer's, vault's and web UI's users, and an outsider.
G_RING=64990 U_SNF=64991 U_VAULT=64992 U_WEBUI=64993 U_OTHER=64994 G_MARKS=64995
have_setpriv=0
command -v setpriv >/dev/null 2>&1 && have_setpriv=1
run_as=()
how="as root (setpriv missing: identity checks skipped)"
if [ $have_setpriv = 1 ]; then
	# as threatrec-sniffer.service: User=, Group=threatrec, CAP_NET_RAW only
	run_as=(setpriv --reuid="$U_SNF" --regid="$G_RING" --groups="$G_MARKS"
		"--inh-caps=-all,+net_raw" "--ambient-caps=-all,+net_raw" "--bounding-set=-all,+net_raw")
	how="as uid $U_SNF gid $G_RING with only CAP_NET_RAW"
fi
( umask 077; exec ip netns exec "$NSA" "${run_as[@]}" "$B/threatrec-sniffer" -i tr0 --ring "$RING" \
	-s ring.size=16M -s ring.slots=64 -s ring.mlock=no -s ring.grace=10m \
	-s ring.marks_group=$G_MARKS \
	-s 'sniffer.agent_pattern=2???' -s sniffer.agent_nets=198.51.100.0/24 \
	>"$W/sniffer.out" 2>&1 ) &
snf_pid=$!
ip netns exec "$NSA" tcpdump -i tr0 -n -s 0 -U --immediate-mode -w "$W/wire.pcap" udp >"$W/tcpdump.out" 2>&1 &
td_pid=$!
i=0
while [ $i -lt 50 ] && { [ ! -e "/dev/shm$RING" ] || ! grep -q "listening on" "$W/tcpdump.out"; }; do
	kill -0 "$snf_pid" 2>/dev/null || break
	sleep 0.1; i=$((i + 1))
done
[ -e "/dev/shm$RING" ] && kill -0 "$snf_pid" 2>/dev/null
rc=$?
chk $rc "sniffer started on tr0 $how, ring $RING created" "$(tail -3 "$W/sniffer.out")"
[ $rc = 0 ] || finish
# capabilities are needed only to open the capture and lock the ring (the
# ring exists a moment before they are dropped: wait for it, up to 5 s)
i=0
while :; do
	caps=$(grep -E '^Cap(Eff|Prm|Amb):' "/proc/$snf_pid/status" 2>/dev/null | awk '{print $2}' | sort -u)
	[ "$caps" = 0000000000000000 ] || [ $i -ge 50 ] && break
	sleep 0.1; i=$((i + 1))
done
[ "$caps" = 0000000000000000 ]
chk $? "the running sniffer holds no capability (CapEff, CapPrm, CapAmb all 0)" "$(grep Cap "/proc/$snf_pid/status" 2>/dev/null)"
# 0640 as [ring] mode says, although the umask is 077 (the sniffer fchmods);
# with a POSIX ACL entry for the vault, the group bits shown are the ACL mask
mode=$(stat -c %a "/dev/shm$RING" 2>/dev/null)
acl=$(python3 -c 'import os,sys; os.getxattr(sys.argv[1], "system.posix_acl_access"); print("+acl")' \
	"/dev/shm$RING" 2>/dev/null)
[ "$mode" = 640 ] || [ "$mode$acl" = "660+acl" ]
chk $? "ring is mode 0640 under umask 077 (mode $mode$acl)"
sleep 0.3

t0=$(date +%s.%N)
live_call "$NSA" "$NSB" "$W" "$CID" "$CALLER" "$CALLEE" "$HOLD_MS"
rc=$?
CALLID="$CID-1@$LIVE_IP_A"
chk $rc "sipp call $CALLID ($CALLER -> $CALLEE, PCMU both ways, ${HOLD_MS} ms) completed" \
	"uac exit $rc; $(grep -m1 -iE 'error|fail|abort' "$W/uac.out" "$W"/*errors.log 2>/dev/null)"

# let the sniffer see the last packets (the BYE and its 200 close the call)
i=0
while [ $i -lt 30 ]; do
	"$B/threatrec-sniffer" --list --ring "$RING" --ring-owner $U_SNF >"$W/list.jsonl" 2>"$W/list.err" &&
		grep -q '"state": *"ended"' "$W/list.jsonl" && break
	sleep 0.1; i=$((i + 1))
done
sleep 0.2
kill "$td_pid" 2>/dev/null; wait "$td_pid" 2>/dev/null; td_pid=""
python3 "$top/tests/live/wire.py" "$W/wire.pcap" "$LIVE_IP_A" "$LIVE_RTP_A" "$LIVE_IP_B" "$LIVE_RTP_B" >"$W/wire.json"
chk $? "tcpdump's view of the call: $(cat "$W/wire.json" 2>/dev/null | cut -c1-80)"
if [ $have_setpriv = 1 ]; then
	# a ring of a user the reader was not told is the sniffer's: refused
	"$B/threatrec-decode" calls --ring "$RING" >/dev/null 2>"$W/owner.err"
	[ $? != 0 ] && grep -q "belongs to uid $U_SNF" "$W/owner.err"
	chk $? "a reader refuses the ring of a user it was not told is the sniffer's (uid $U_SNF)" "$(head -2 "$W/owner.err")"
fi
"$B/threatrec-decode" calls --ring "$RING" --ring-owner $U_SNF >"$W/calls.jsonl" 2>"$W/calls.err"
chk $? "threatrec-decode calls --ring $RING" "$(head -3 "$W/calls.err")"
"$B/threatrec-decode" wav --ring "$RING" --ring-owner $U_SNF --call-id "$CALLID" -o "$W/call.wav" >"$W/wav.out" 2>&1
chk $? "threatrec-decode wav --ring $RING --call-id $CALLID" "$(head -3 "$W/wav.out")"

# every assertion on ring and WAV contents, against tcpdump's count of the wire
out=$(python3 - "$W" "$CALLID" "$CALLER" "$CALLEE" "$gen_a_first" "$gen_b_first" \
	"${gen%.pcap}.truth.jsonl" "$top/tests/tools/tonecheck.py" <<'PY'
import json, subprocess, sys, wave
W, cid, caller, callee, gen_a_first, gen_b_first, truth, tonecheck = sys.argv[1:9]
def res(ok, what, why=""):
    print(("ok   - " if ok else "FAIL - ") + what + ("" if ok or not why else ": " + why))
def jl(path):
    out = []
    for line in open(path):
        line = line.strip()
        if line:
            try:
                out.append(json.loads(line))
            except ValueError:
                out.append({"_bad": line})
    return out
wire = json.load(open(W + "/wire.json"))
calls = jl(W + "/list.jsonl")
mine = [c for c in calls if c.get("call_id") == cid]
res(len(calls) == 1 and len(mine) == 1, "--list: exactly one call in the ring, Call-ID %s" % cid,
    "calls: %s" % [c.get("call_id") for c in calls])
c = mine[0] if mine else {}
res(c.get("caller") == caller, "--list: caller %s" % caller, "got %r" % c.get("caller"))
res(c.get("callee") == callee, "--list: callee %s" % callee, "got %r" % c.get("callee"))
res(c.get("agent") == callee, "--list: agent %s (sniffer.agent_pattern=2???)" % callee, "got %r" % c.get("agent"))
res(c.get("state") == "ended", "--list: state ended after BYE", "got %r" % c.get("state"))
import re, datetime
iso = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
ok_t = bool(iso.match(str(c.get("start"))) and iso.match(str(c.get("end"))) and
            isinstance(c.get("start_ns"), int) and 0 < c["start_ns"] <= c.get("end_ns", 0) and
            datetime.datetime.strptime(c["start"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
                tzinfo=datetime.timezone.utc).timestamp() == c["start_ns"] // 1000000 / 1000)
res(ok_t, "--list: start and end in UTC ISO 8601 (as threatrec-decode calls), start_ns/end_ns beside them",
    "got %r" % {k: c.get(k) for k in ("start", "end", "start_ns", "end_ns")})
res(c.get("packets") == wire["udp"] and wire["udp"] > 0,
    "--list: every packet of the call is in the ring (%s = tcpdump's %d: %d SIP + %d + %d RTP)"
    % (c.get("packets"), wire["udp"], wire["sip"], wire["rtp_a_to_b"], wire["rtp_b_to_a"]),
    "ring has %r" % c.get("packets"))
res(c.get("head_lost") is False and c.get("pinned") is False and c.get("sealed") is False,
    "--list: head kept, not pinned, not sealed", "got %r" % {k: c.get(k) for k in ("head_lost", "pinned", "sealed")})
dc = [d for d in jl(W + "/calls.jsonl") if d.get("call_id") == cid]
d = dc[0] if dc else {}
st = d.get("streams", [])
fwd = [s for s in st if s.get("direction") == "caller->callee"]
rev = [s for s in st if s.get("direction") == "callee->caller"]
res(len(st) == 2 and len(fwd) == 1 and len(rev) == 1, "decode calls --ring: two RTP streams, one per direction",
    "streams: %r" % st)
for name, s, n, src in (("caller->callee", fwd, wire["rtp_a_to_b"], "192.0.2.1:16384"),
                        ("callee->caller", rev, wire["rtp_b_to_a"], "192.0.2.2:40000")):
    s = s[0] if s else {}
    res(s.get("codec") == "PCMU" and s.get("packets") == n and s.get("lost") == 0 and s.get("src") == src,
        "decode calls --ring: %s PCMU from %s, %d packets as on the wire, none lost" % (name, src, n),
        "got %r" % s)
try:
    with wave.open(W + "/call.wav") as w:
        nch, rate, secs = w.getnchannels(), w.getframerate(), w.getnframes() / w.getframerate()
except Exception as e:
    nch, rate, secs = 0, 0, 0.0
    print("# wav: %s" % e)
span = wire["t_last"] - wire["t_first"]
res(nch == 2 and abs(secs - span) <= 0.06, "wav: stereo, %.3f s long, as the call on the wire (%.3f s)" % (secs, span),
    "%d channel(s), %.3f s" % (nch, secs))
# where the tones must be: the generator's tone times, moved from the
# generator's first RTP packet to the first RTP packet sipp sent on the wire
tones = json.loads(open(truth).readline())["tones"]
args = [sys.executable, tonecheck, W + "/call.wav", "--tol", "0.04"]
for t in tones:
    first_gen, first_live = (float(gen_a_first), wire["rtp_a_first"]) if t["channel"] == "left" \
        else (float(gen_b_first), wire["rtp_b_first"])
    shift = first_live - first_gen
    args += ["--expect", "%s:%d:%.3f-%.3f" % (t["channel"], t["freq"], t["start"] + shift, t["end"] + shift)]
p = subprocess.run(args, capture_output=True, text=True)
res(p.returncode == 0, "wav: tones in place (%s)" % " ".join(a for a in args if ":" in a and a.count(":") == 2),
    (p.stdout + p.stderr).strip().replace("\n", "; ")[:400])
PY
)
rc=$?
echo "$out"
pass=$((pass + $(grep -c '^ok' <<<"$out")))
fail=$((fail + $(grep -c '^FAIL' <<<"$out")))
[ $rc -eq 0 ] || bad "ring/WAV checks crashed (python exit $rc)"

# Who may open the ring, as the units run the readers (DESIGN.md: group
# shared with vault and web UI; the vault also writes the mark words).
if [ $have_setpriv = 1 ]; then
	# try_open UID GROUP|"" r|rw [SUFFIX]: prints "opened", "EACCES" or another error
	try_open() {
		local g=(--clear-groups)
		[ -n "$2" ] && g=(--groups="$2")
		# sh's "<>" opens O_RDWR, "<" O_RDONLY: the same check as shm_open's
		setpriv --reuid="$1" --regid="$1" "${g[@]}" --inh-caps=-all --bounding-set=-all \
			/bin/sh -c 'if [ "$2" = rw ]; then exec 3<>"$1"; else exec 3<"$1"; fi' sh \
			"/dev/shm$RING${4:-}" "$3" >/dev/null 2>"$W/open.err"
		if [ $? = 0 ]; then echo opened
		elif grep -q "Permission denied" "$W/open.err"; then echo EACCES
		else echo "error: $(head -1 "$W/open.err")"; fi
	}
	setpriv --reuid=$U_WEBUI --regid=$U_WEBUI --groups=$G_RING --inh-caps=-all --bounding-set=-all \
		"$B/threatrec-decode" calls --ring "$RING" --ring-owner $U_SNF >"$W/calls-webui.jsonl" 2>&1 &&
		grep -q "\"$CALLID\"" "$W/calls-webui.jsonl"
	chk $? "web UI identity (own uid, ring group) reads the ring" "$(head -2 "$W/calls-webui.jsonl")"
	e=$(try_open $U_WEBUI $G_RING rw)
	[ "$e" = EACCES ]
	chk $? "web UI identity cannot open the ring for writing" "$e"
	e=$(try_open $U_OTHER "" r)
	[ "$e" = EACCES ]
	chk $? "a user outside the ring group cannot open the ring" "$e"
	e=$(try_open $U_VAULT $G_RING r)
	[ "$e" = opened ]
	chk $? "vault identity (own uid, ring group) can open the ring read-only" "$e"
	e=$(try_open $U_VAULT $G_RING rw)
	[ "$e" = EACCES ]
	chk $? "vault identity cannot write the ring itself (only the mark words)" "$e"
	e=$(try_open $U_VAULT "$G_RING,$G_MARKS" rw .marks)
	[ "$e" = opened ]
	chk $? "vault identity (marks group) can open the mark words read-write (RING_ATTACH_MARKS)" \
		"$e; $(stat -c '%a uid %u gid %g' "/dev/shm$RING.marks")"
	e=$(try_open $U_WEBUI $G_RING rw .marks)
	[ "$e" = EACCES ]
	chk $? "web UI identity cannot write the mark words" "$e"

fi

# The three processes as their units run them (packaging/systemd): vault and
# web UI under their own uids in the ring group, umask 077, no capabilities;
# the vault in a network namespace with only loopback (PrivateNetwork=yes),
# its socket folder setgid to the ring group (packaging/tmpfiles.d). Checks
# that the web UI maps the ring, reaches the vault, and that the vault has
# attached the ring (it maps the mark words read-write).
if [ $have_setpriv = 1 ] && [ -x "$B/threatrec-vault" ] && [ -x "$B/threatrec-webui" ] &&
	command -v curl >/dev/null 2>&1; then
	ip netns add "$NSV" && ip -n "$NSV" link set lo up
	install -d -m 0755 "$W/var" "$W/var/lib"
	install -d -m 0700 -o $U_VAULT -g $U_VAULT "$W/var/lib/threatrec" "$W/var/lib/threatrec/vault"
	install -d -m 2750 -o $U_VAULT -g $G_RING "$W/run"
	cat >"$W/threatrec.conf" <<CONF
[vault]
ring = $RING
# the sniffer runs as $U_SNF here (threatrec-sniffer in the package)
ring_owner = $U_SNF
storage = $W/var/lib/threatrec/vault
socket = $W/run/vault.sock
peer_uids = $U_WEBUI
tick = 100ms
[webui]
listen = 127.0.0.1
port = 8080
vault_socket = $W/run/vault.sock
ring = $RING
ring_owner = $U_SNF
CONF
	chmod 0644 "$W/threatrec.conf"
	as_vault=(setpriv --reuid="$U_VAULT" --regid="$U_VAULT" --groups="$G_RING,$G_MARKS" --inh-caps=-all --bounding-set=-all)
	as_webui=(setpriv --reuid="$U_WEBUI" --regid="$U_WEBUI" --groups="$G_RING" --inh-caps=-all --bounding-set=-all)
	( umask 077; cd /; "${as_vault[@]}" "$B/threatrec-vault" init -c "$W/threatrec.conf" ) >"$W/vault-init.out" 2>&1 &&
		printf 'live-admin-pw\n' | ( umask 077; cd /; "${as_vault[@]}" "$B/threatrec-vault" useradd \
			-c "$W/threatrec.conf" liveadmin supervisor ) >>"$W/vault-init.out" 2>&1
	chk $? "vault init and useradd as uid $U_VAULT (storage 0700 owned by the vault)" "$(tail -2 "$W/vault-init.out")"
	( umask 077; cd /; exec ip netns exec "$NSV" "${as_vault[@]}" "$B/threatrec-vault" run -f \
		-c "$W/threatrec.conf" ) >"$W/vault.out" 2>&1 &
	vault_pid=$!
	( umask 077; cd /; exec ip netns exec "$NSA" "${as_webui[@]}" "$B/threatrec-webui" \
		-c "$W/threatrec.conf" ) >"$W/webui.out" 2>&1 &
	webui_pid=$!
	i=0
	while [ $i -lt 100 ] && { [ ! -S "$W/run/vault.sock" ] ||
		! ip netns exec "$NSA" curl -sf -o /dev/null http://127.0.0.1:8080/metrics; }; do
		sleep 0.1; i=$((i + 1))
	done
	sock=$(stat -c '%a %g' "$W/run/vault.sock" 2>/dev/null)
	[ "$sock" = "660 $G_RING" ]
	chk $? "vault socket is mode 0660, group = ring group (setgid socket folder)" "got '$sock'"
	ip netns exec "$NSA" curl -s http://127.0.0.1:8080/metrics >"$W/metrics.txt" 2>&1
	grep -q '^threatrec_ring_attached 1' "$W/metrics.txt"
	chk $? "web UI (uid $U_WEBUI, ring group) has the ring mapped (/metrics)" "$(grep ring_attached "$W/metrics.txt"; tail -2 "$W/webui.out")"
	ip netns exec "$NSA" curl -s -c "$W/cookies" -H 'Content-Type: application/json' \
		-d '{"username":"liveadmin","password":"live-admin-pw"}' http://127.0.0.1:8080/api/login >"$W/login.json"
	csrf_ok=$(python3 -c 'import json,sys; print("yes" if json.load(open(sys.argv[1])).get("csrf") else "no")' "$W/login.json" 2>/dev/null)
	[ "$csrf_ok" = yes ]
	chk $? "login through the web UI, checked by the vault over its socket" "$(head -c 200 "$W/login.json")"
	state=""
	i=0
	while [ $i -lt 30 ]; do
		ip netns exec "$NSA" curl -s -b "$W/cookies" http://127.0.0.1:8080/api/status >"$W/status.json"
		state=$(python3 -c 'import json,sys; v=json.load(open(sys.argv[1])).get("vault",{}); print(v.get("state"), v.get("ring"))' "$W/status.json" 2>/dev/null)
		[ "$state" = "running attached" ] && break
		sleep 0.1; i=$((i + 1))
	done
	[ "$state" = "running attached" ]
	chk $? "vault (uid $U_VAULT, ring group, no network) attached the ring with its mark words" \
		"vault state/ring: '$state' (/api/status); the ring is $(stat -c %a "/dev/shm$RING") and the vault needs O_RDWR for the mark words"
	kill "$webui_pid" "$vault_pid" 2>/dev/null
	wait "$webui_pid" "$vault_pid" 2>/dev/null
	webui_pid="" vault_pid=""
fi

# SIGTERM ends the sniffer cleanly and it removes its ring
kill -TERM "$snf_pid" 2>/dev/null
i=0
while kill -0 "$snf_pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
wait "$snf_pid" 2>/dev/null
rc=$?
snf_pid=""
[ "$rc" = 0 ] && [ ! -e "/dev/shm$RING" ]
chk $? "SIGTERM: sniffer exits 0 and unlinks its ring" "exit $rc; $(tail -2 "$W/sniffer.out")"
grep -E "packets .* in .* s" "$W/sniffer.out" | sed 's/^/# /'
echo "# live test took $(python3 -c "import time,sys; print('%.1f' % (time.time() - float(sys.argv[1])))" "$t0") s after the ring was up"
finish
