#!/usr/bin/env bash
# tests/config/run.sh - the example configuration is accepted by every
# process, and a bad configuration stops each of them with an error that
# names the file and the line.
set -u
cd "$(dirname "$0")/../.."
B=${B:-build}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
pass=0 fail=0
ok() { echo "ok   - $1"; pass=$((pass + 1)); }
bad() { echo "FAIL - $1"; [ -n "${2:-}" ] && echo "       $2"; fail=$((fail + 1)); }

# the example names production users that do not exist on a test machine
sed "s/^peer_uids = .*/peer_uids = $(id -un)/; s|^storage = .*|storage = $W/store|; s|^socket = .*|socket = $W/vault.sock|" \
	packaging/threatrec.conf >"$W/good.conf"

# sniffer: --list reads the whole config before it opens the ring
out=$("$B/threatrec-sniffer" -c "$W/good.conf" --list --ring /threatrec-cfgtest-$$ 2>&1)
grep -q "cannot open ring" <<<"$out" && ok "sniffer accepts packaging/threatrec.conf" || bad "sniffer rejects the example" "$out"
# vault: init with the example creates the storage folder
out=$("$B/threatrec-vault" init -c "$W/good.conf" 2>&1)
[ -d "$W/store" ] && [ "$(stat -c %a "$W/store")" = 700 ] && ok "vault init with the example config (storage 0700)" ||
	bad "vault init with the example config" "$out"
# web UI: starts with the example (port 0 is refused, so use a free port)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
sed -i "s/^port = .*/port = $port/" "$W/good.conf"
"$B/threatrec-webui" -c "$W/good.conf" >"$W/webui.log" 2>&1 &
pid=$!
sleep 1
kill -0 $pid 2>/dev/null && ok "web UI starts with the example config" || bad "web UI with the example config" "$(tail -2 "$W/webui.log")"
kill $pid 2>/dev/null; wait $pid 2>/dev/null

# bad values: each must name the file and line
check_bad() { # NAME SECTION LINE-TEXT PROGRAM-ARGS...
	local name=$1 sect=$2 line=$3; shift 3
	awk -v s="[$sect]" -v l="$line" '{print} $0==s {print l}' "$W/good.conf" >"$W/bad.conf"
	local n; n=$(grep -nxF -- "$line" "$W/bad.conf" | head -1 | cut -d: -f1)
	out=$("$@" 2>&1 </dev/null); rc=$?
	if [ $rc -ne 0 ] && grep -q "bad.conf:$n:" <<<"$out"; then ok "$name: refused, naming line $n"
	else bad "$name: not refused with the line ($rc)" "$out"; fi
}
check_bad "sniffer, bad size" ring "size = 12 parsecs" "$B/threatrec-sniffer" -c "$W/bad.conf" --list
check_bad "sniffer, unknown key" sniffer "interfase = eth1" "$B/threatrec-sniffer" -c "$W/bad.conf" --list
check_bad "sniffer, bad network" sniffer "agent_nets = 10.0.0.0/33" "$B/threatrec-sniffer" -c "$W/bad.conf" --list
check_bad "sniffer, bad duration" sniffer "media_timeout = soon" "$B/threatrec-sniffer" -c "$W/bad.conf" --list
check_bad "vault, unknown user" vault "peer_uids = no-such-user-xyz" "$B/threatrec-vault" verify -c "$W/bad.conf"
check_bad "vault, bad mode" vault "socket_mode = 0999" "$B/threatrec-vault" verify -c "$W/bad.conf"
check_bad "web UI, bad port" webui "port = 70000" timeout 5 "$B/threatrec-webui" -c "$W/bad.conf"
printf '[ring]\nsize\n' >"$W/bad.conf"
out=$("$B/threatrec-sniffer" -c "$W/bad.conf" --list 2>&1)
grep -q 'bad.conf:2: expected "key = value"' <<<"$out" && ok "a line without '=' is refused with its number" || bad "line without =" "$out"
out=$("$B/threatrec-sniffer" -c "$W/missing.conf" --list 2>&1)
grep -q "missing.conf: cannot open" <<<"$out" && ok "a missing config file is named" || bad "missing config" "$out"
printf '[ring]\nsize = 64M\n[snifer]\nfile = x.pcap\n' >"$W/bad.conf"
out=$("$B/threatrec-sniffer" -c "$W/bad.conf" --list 2>&1)
grep -q 'bad.conf:3: unknown section \[snifer\]' <<<"$out" && ok "a misspelled section is refused, not silently skipped" ||
	bad "misspelled section" "$out"
# command-line combinations and values
try_usage() { # NAME EXPECTED-TEXT ARGS...
	local name=$1 want=$2; shift 2
	out=$("$B/threatrec-sniffer" "$@" 2>&1); rc=$?
	if [ $rc -ne 0 ] && grep -qF -- "$want" <<<"$out"; then ok "$name"
	else bad "$name (rc $rc)" "$out"; fi
}
try_usage "--pace rejects 1e-300" "--pace must be a number" -r pcaps/basic-pcmu.pcap --pace 1e-300
try_usage "--pace rejects trailing junk" "--pace must be a number" -r pcaps/basic-pcmu.pcap --pace 1x
try_usage "--list refuses -r" "--list reads a running ring" -r pcaps/basic-pcmu.pcap --list
try_usage "--loop needs --pace" "--loop needs --pace" -r pcaps/basic-pcmu.pcap --loop
try_usage "ring name without /" "must start with /" -r pcaps/basic-pcmu.pcap --ring noslash
try_usage "chunk size not a power of two" "must be a power of two" -r pcaps/basic-pcmu.pcap -s ring.chunk_size=12K
try_usage "-i and -r together" "exactly one of" -r pcaps/basic-pcmu.pcap -i lo
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
