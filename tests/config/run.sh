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
check_bad "vault, bad ring name" vault "ring = /a/b" "$B/threatrec-vault" verify -c "$W/bad.conf"
# notify_command: checked when the config is read, not at the first mark
# (it used to show only then, as "failed (exit 127)")
check_notify() { # NAME LINE-TEXT EXPECTED-MESSAGE: refused with the line and the message
	check_bad "vault, notify_command $1" vault "$2" "$B/threatrec-vault" verify -c "$W/bad.conf"
	grep -qF -- "$3" <<<"$out" && ok "... says: $3" || bad "notify_command $1: message" "$out"
}
check_notify "missing program" "notify_command = $W/no-such-notify" "notify_command: cannot run $W/no-such-notify: No such file or directory"
check_notify "relative path" "notify_command = logger -t x" 'notify_command: the program must be an absolute path, not "logger"'
check_notify "a folder" "notify_command = $W" "notify_command: $W is not a regular file"
printf '#!/bin/sh\ncat >/dev/null\n' >"$W/notify-noexec"; chmod 0644 "$W/notify-noexec"
check_notify "not executable" "notify_command = $W/notify-noexec" "notify_command: $W/notify-noexec is not executable: Permission denied"
check_notify "17 words" "notify_command = /bin/true 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16" \
	"notify_command has 17 words, at most 16 (the program and 15 arguments"
out=$("$B/threatrec-vault" verify -c "$W/good.conf" -s "vault.notify_command=$W/no-such-notify" 2>&1); rc=$?
[ $rc -ne 0 ] && grep -qF "cannot run $W/no-such-notify: No such file or directory" <<<"$out" &&
	ok "-s vault.notify_command= is checked too" || bad "-s vault.notify_command (rc $rc)" "$out"
# the example the shipped config gives (a comment there) is accepted, 16 words too
ex=$(sed -n 's/^# *\(notify_command = \/.*\)$/\1/p' packaging/threatrec.conf | head -1)
sed "s|^notify_command =.*|$ex|" "$W/good.conf" >"$W/notify.conf"
out=$("$B/threatrec-vault" verify -c "$W/notify.conf" 2>&1); rc=$?
[ -n "$ex" ] && [ $rc -eq 0 ] && ok "the example notify_command in threatrec.conf is accepted ($ex)" ||
	bad "example notify_command \"$ex\" (rc $rc)" "$out"
sed "s|^notify_command =.*|notify_command = /bin/true 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15|" "$W/good.conf" >"$W/notify.conf"
out=$("$B/threatrec-vault" verify -c "$W/notify.conf" 2>&1); rc=$?
[ $rc -eq 0 ] && ok "notify_command with 16 words is accepted" || bad "notify_command with 16 words (rc $rc)" "$out"
check_bad "web UI, bad ring name" webui "ring = /a/b" timeout 5 "$B/threatrec-webui" -c "$W/bad.conf"
check_bad "web UI, bad port" webui "port = 70000" timeout 5 "$B/threatrec-webui" -c "$W/bad.conf"
check_bad "sniffer, bad mark_code" sniffer "mark_code = *9X" "$B/threatrec-sniffer" -c "$W/bad.conf" --list
check_bad "sniffer, agent_pattern [[[" sniffer "agent_pattern = [[[" "$B/threatrec-sniffer" -c "$W/bad.conf" --list
check_bad "sniffer, agent_pattern 1xx*2" sniffer "agent_pattern = 1xx*2" "$B/threatrec-sniffer" -c "$W/bad.conf" --list
# values the sniffer used to check only when it made the ring (no file:line)
check_bad "sniffer, ring name with a second /" ring "name = /a/b" "$B/threatrec-sniffer" -c "$W/bad.conf" --list
grep -q 'ring.name "/a/b" must be / and then 1 to 99 characters without another /' <<<"$out" &&
	ok "bad ring name: says what a ring name is" || bad "bad ring name message" "$out"
check_bad "sniffer, ring name /" ring "name = /" "$B/threatrec-sniffer" -c "$W/bad.conf" -r pcaps/basic-pcmu.pcap
check_bad "sniffer, chunk_size not a power of two" ring "chunk_size = 12K" "$B/threatrec-sniffer" -c "$W/bad.conf" --list
# a key given twice in a section: the second line would silently win
check_dup() { # NAME SECTION LINE-TEXT KEY PROGRAM-ARGS... (LINE-TEXT sets KEY, which the example sets later)
	local name=$1 sect=$2 line=$3 key=$4; shift 4
	awk -v s="[$sect]" -v l="$line" '{print} $0==s {print l}' "$W/good.conf" >"$W/bad.conf"
	local n m; n=$(grep -nxF -- "$line" "$W/bad.conf" | head -1 | cut -d: -f1)
	m=$(grep -nE "^$key[[:space:]]*=" "$W/bad.conf" | sed -n 2p | cut -d: -f1)
	out=$("$@" 2>&1 </dev/null); rc=$?
	if [ $rc -ne 0 ] && grep -qF "bad.conf:$m: \"$key\" is set twice in [$sect] (first on line $n)" <<<"$out"
	then ok "$name: refused, naming lines $m and $n"; else bad "$name: not refused with both lines ($rc)" "$out"; fi
}
check_dup "sniffer, [ring] size twice" ring "size = 64M" size "$B/threatrec-sniffer" -c "$W/bad.conf" --list
check_dup "sniffer, [sniffer] mark_code twice" sniffer "mark_code = *98" mark_code "$B/threatrec-sniffer" -c "$W/bad.conf" --list
check_dup "vault, [vault] storage twice" vault "storage = $W/other" storage "$B/threatrec-vault" verify -c "$W/bad.conf"
printf '[ring]\nname = /threatrec-cfgtest-none-%s\n[sniffer]\nmark_code = *9\n[ring]\nname = /x\n' $$ >"$W/bad.conf"
out=$("$B/threatrec-sniffer" -c "$W/bad.conf" --list 2>&1)
grep -qF 'bad.conf:6: "name" is set twice in [ring] (first on line 2)' <<<"$out" &&
	ok "a key set again in a second [ring] block is refused too" || bad "key repeated in a second [ring] block" "$out"
printf '[sniffer]\nagent_nets = 10.0.0.0/8\nagent_nets = 192.0.2.0/24\n' >"$W/nets.conf"
out=$("$B/threatrec-sniffer" -c "$W/nets.conf" --list --ring /threatrec-cfgtest-none-$$ 2>&1)
grep -q "cannot open ring" <<<"$out" && ! grep -q "set twice" <<<"$out" &&
	ok "agent_nets may repeat (each line adds networks)" || bad "agent_nets on two lines" "$out"
# the same with a capture: refused before the ring exists, nothing left in /dev/shm
shm_left() { ls /dev/shm 2>/dev/null | grep -F -- "${1#/}" | tr '\n' ' '; }
R=/threatrec-cfgtest-mc-$$
check_bad "sniffer -r, bad mark_code" sniffer "mark_code = *9X" "$B/threatrec-sniffer" -c "$W/bad.conf" \
	-r pcaps/basic-pcmu.pcap --ring $R -s ring.size=16M -s ring.mlock=no -s sniffer.user=
grep -q 'mark_code: "\*9X" is not a key code' <<<"$out" && ! grep -q "out of memory" <<<"$out" &&
	ok "bad mark_code: says what a key code is, no guessing" || bad "bad mark_code message" "$out"
[ -z "$(shm_left $R)" ] && ok "bad mark_code: no ring left in /dev/shm" || bad "bad mark_code left $(shm_left $R)"
# a failure after the ring was made (no such group for it) removes it again
out=$("$B/threatrec-sniffer" -r pcaps/basic-pcmu.pcap --ring $R -s ring.size=16M -s ring.group=no-such-group-xyz 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q 'no such group "no-such-group-xyz"' <<<"$out" && [ -z "$(shm_left $R)" ] &&
	ok "a failure after the ring was created removes it and its .marks" || bad "failure after ring creation (rc $rc, left: $(shm_left $R))" "$out"
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
try_usage "ring name without /" '--ring "noslash" must be / and then' -r pcaps/basic-pcmu.pcap --ring noslash
try_usage "--ring / (was: system call failed)" '--ring "/" must be / and then 1 to 99 characters' -r pcaps/basic-pcmu.pcap --ring /
try_usage "--list --ring /a/b" '--ring "/a/b" must be / and then' --list --ring /a/b
try_usage "-s ring.name=/a/b" 'ring.name "/a/b" must be / and then' -r pcaps/basic-pcmu.pcap -s ring.name=/a/b
try_usage "-s ring.name= (empty)" 'ring.name "" must be / and then' --list -s ring.name=
try_usage "-s ring.chunk_size=12K" 'chunk_size must be a power of two from 4K to 16M, not "12K"' -r pcaps/basic-pcmu.pcap -s ring.chunk_size=12K
out=$("$B/threatrec-sniffer" -r pcaps/basic-pcmu.pcap --ring / 2>&1); rc=$?
[ $rc -eq 2 ] && ! grep -q "system call failed" <<<"$out" && ok "--ring /: usage error (2), no 'system call failed'" ||
	bad "--ring / (rc $rc)" "$out"
try_usage "chunk size over half the ring" "must be at most half of ring.size" -r pcaps/basic-pcmu.pcap -s ring.size=16M -s ring.chunk_size=16M
try_usage "-i and -r together" "exactly one of" -r pcaps/basic-pcmu.pcap -i lo
try_usage "-s bad mark_code" 'mark_code: "*9X" is not a key code' -r pcaps/basic-pcmu.pcap -s 'sniffer.mark_code=*9X'
try_usage "-s bad agent_pattern" 'agent_pattern: "1xx*2" is not an extension pattern' -r pcaps/basic-pcmu.pcap -s 'sniffer.agent_pattern=1xx*2'

# ring errors say what is wrong
out=$("$B/threatrec-decode" calls --ring / 2>&1); rc=$?
[ $rc -eq 2 ] && grep -qF -- '--ring "/" must be / and then' <<<"$out" && ok "decode --ring /: says what a ring name is" ||
	bad "decode --ring / (rc $rc)" "$out"
out=$("$B/threatrec-decode" calls --ring /threatrec-cfgtest-none-$$ 2>&1); rc=$?
[ $rc -ne 0 ] && grep -q "ring /threatrec-cfgtest-none-$$: no such ring" <<<"$out" && ok "decode --ring: no such ring" ||
	bad "decode --ring, no such ring (rc $rc)" "$out"
F=/threatrec-cfgtest-fake-$$
head -c 8192 /dev/zero | tr '\0' 'x' >"/dev/shm$F"
out=$("$B/threatrec-sniffer" --list --ring $F 2>&1); rc=$?
rm -f "/dev/shm$F"
[ $rc -ne 0 ] && grep -q "cannot open ring $F: not a threatrec ring" <<<"$out" && ok "--list: not a threatrec ring" ||
	bad "--list of a non-ring object (rc $rc)" "$out"

# Two sniffers, one ring name: the second refuses and leaves the first's ring alone.
R=/threatrec-cfgtest-dup-$$
"$B/threatrec-sniffer" -r pcaps/concurrent-20.pcap --hold --ring $R -s ring.size=16M -s ring.mlock=no \
	-s sniffer.user= >"$W/first.log" 2>&1 &
first=$!
for i in $(seq 100); do grep -q "holding the ring" "$W/first.log" && break; sleep 0.05; done
ino=$(stat -c %i "/dev/shm$R" 2>/dev/null) mino=$(stat -c %i "/dev/shm$R.marks" 2>/dev/null)
sleep 2     # the held ring's heartbeat must stay fresh after the input ended
out=$("$B/threatrec-sniffer" -r pcaps/basic-pcmu.pcap --ring $R -s ring.size=16M 2>&1); rc=$?
if [ $rc -eq 1 ] && grep -qE "ring $R is in use: its writer \(pid $first\) is running, heartbeat 0\.[0-9] s old; stop that sniffer or choose another ring name" <<<"$out"
then ok "a second sniffer on a live ring fails, naming the ring, the pid and a fresh heartbeat"
else bad "second sniffer on a live ring (rc $rc)" "$out"; fi
[ -n "$ino" ] && [ "$(stat -c %i "/dev/shm$R" 2>/dev/null)" = "$ino" ] && [ "$(stat -c %i "/dev/shm$R.marks" 2>/dev/null)" = "$mino" ] &&
	ok "the first sniffer's ring and .marks are untouched" || bad "the first ring was touched ($ino/$mino)"
n=$("$B/threatrec-sniffer" --list --ring $R 2>&1 | grep -c '"call_id"')
[ "$n" = 20 ] && ok "the first sniffer's ring still lists its 20 calls" || bad "--list after the refused start: $n calls"
# the decoder never writes a WAV over the ring it reads (or its .marks)
# (the header's heartbeat moves, so: same objects, same sizes, same calls)
st0=$(stat -c %i:%s "/dev/shm$R" "/dev/shm$R.marks")
for o in "/dev/shm$R" "/dev/shm$R.marks"; do
	out=$("$B/threatrec-decode" wav --ring $R --call-id pcapgen-1-0@192.0.2.10 -o "$o" 2>&1); rc=$?
	[ $rc -eq 1 ] && grep -qF "$o: refusing to write over the input $o (the same file)" <<<"$out" &&
		ok "decode wav --ring NAME -o $o: refused" || bad "decode wav -o the ring object $o (rc $rc)" "$out"
done
n=$("$B/threatrec-decode" calls --ring $R 2>&1 | grep -c '"call_id"')
[ "$(stat -c %i:%s "/dev/shm$R" "/dev/shm$R.marks")" = "$st0" ] && [ "$n" = 20 ] &&
	ok "the ring and .marks are unchanged (20 calls)" || bad "the decoder changed the ring ($n calls)"
rm -f "/dev/shm$R.marks"
out=$("$B/threatrec-sniffer" --list --ring $R 2>&1); rc=$?
[ $rc -ne 0 ] && grep -q "cannot open ring $R: its mark words object $R.marks is missing" <<<"$out" &&
	ok "--list: the .marks object is missing" || bad "--list without .marks (rc $rc)" "$out"
kill -9 $first; wait $first 2>/dev/null
out=$("$B/threatrec-sniffer" -r pcaps/basic-pcmu.pcap --ring $R -s ring.size=16M -s ring.mlock=no 2>&1); rc=$?
[ $rc -eq 0 ] && grep -q "replacing the stale ring $R (its writer, pid $first, is gone" <<<"$out" && [ -z "$(shm_left $R)" ] &&
	ok "a ring whose writer died is replaced (and removed at exit)" || bad "replacing a dead writer's ring (rc $rc, left: $(shm_left $R))" "$out"
rm -f "/dev/shm$R" "/dev/shm$R.marks"

# Started as root with [sniffer] user: the objects belong to that user, so the
# sniffer can still remove them from the sticky /dev/shm after dropping root.
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	R=/threatrec-cfgtest-own-$$
	"$B/threatrec-sniffer" -r pcaps/basic-pcmu.pcap --hold --ring $R -s ring.size=16M -s ring.mlock=no \
		-s sniffer.user=nobody >"$W/own.log" 2>&1 &
	pid=$!
	for i in $(seq 100); do grep -q "holding the ring" "$W/own.log" && break; sleep 0.05; done
	owner=$(stat -c %U "/dev/shm$R" 2>/dev/null)/$(stat -c %U "/dev/shm$R.marks" 2>/dev/null)
	kill -TERM $pid; wait $pid; rc=$?
	[ "$owner" = nobody/nobody ] && [ $rc -eq 0 ] && [ -z "$(shm_left $R)" ] &&
		ok "run as root with user=nobody: the ring is nobody's and is removed at exit" ||
		bad "user=nobody: owner $owner, rc $rc, left: $(shm_left $R)" "$(cat "$W/own.log")"
	rm -f "/dev/shm$R" "/dev/shm$R.marks"
else
	echo "skip - ring ownership after dropping root (needs root and user nobody)"
fi

# packaging/install.sh into a staging root (DESTDIR): it says that the config
# is root:root there and what gives it its group; its hint, the installed
# config and tmpfiles.d agree (peer_uids by name, the TLS folder)
out=$(B="$B" packaging/install.sh "$W/dest" /usr/local 2>&1); rc=$?
D="$W/dest" inst=$out
[ $rc -eq 0 ] && [ -f "$D/etc/threatrec/threatrec.conf" ] &&
	grep -qF "/etc/threatrec and /etc/threatrec/threatrec.conf are root:root in $D" <<<"$out" &&
	grep -qF "systemd-tmpfiles --create threatrec.conf" <<<"$out" &&
	ok "install.sh DESTDIR=...: says the config is root:root there and how it gets group threatrec" ||
	bad "install.sh DESTDIR (rc $rc)" "$out"
T="$D/usr/local/lib/tmpfiles.d/threatrec.conf"
grep -qE '^z +/etc/threatrec/threatrec.conf +0640 +root +threatrec ' "$T" &&
	grep -qE '^d +/etc/threatrec/tls +0750 +root +threatrec-webui ' "$T" &&
	ok "tmpfiles.d: the config 0640 root:threatrec, /etc/threatrec/tls 0750 root:threatrec-webui" || bad "tmpfiles.d lines" "$(cat "$T")"
if [ "$(id -u)" = 0 ] && command -v systemd-tmpfiles >/dev/null; then
	# the target's users, as systemd-sysusers would make them
	cp /etc/passwd /etc/group "$D/etc/"
	printf 'threatrec:x:64990:\nthreatrec-webui:x:64991:\nthreatrec-vault:x:64992:\n' >>"$D/etc/group"
	printf 'threatrec-vault:x:64992:64992::/nonexistent:/usr/sbin/nologin\n' >>"$D/etc/passwd"
	mkdir -p "$D/run" "$D/var/lib"
	out=$(systemd-tmpfiles --root="$D" --create threatrec.conf 2>&1); rc=$?
	[ $rc -eq 0 ] && [ "$(stat -c '%a %u:%g' "$D/etc/threatrec" "$D/etc/threatrec/threatrec.conf" "$D/etc/threatrec/tls" | tr '\n' ' ')" = \
		"750 0:64990 640 0:64990 750 0:64991 " ] &&
		ok "systemd-tmpfiles on the staging root: /etc/threatrec and its config root:threatrec, tls root:threatrec-webui" ||
		bad "systemd-tmpfiles on the DESTDIR tree (rc $rc)" "$out $(ls -lnd "$D"/etc/threatrec "$D"/etc/threatrec/*)"
else
	echo "skip - systemd-tmpfiles on the DESTDIR tree (needs root and systemd-tmpfiles)"
fi
out=$inst
grep -qF "peer_uids = threatrec-webui" <<<"$out" && ! grep -q 'id -u' <<<"$out" &&
	grep -qx "peer_uids = threatrec-webui" "$D/etc/threatrec/threatrec.conf" &&
	grep -qF '`[vault] peer_uids = threatrec-webui` is already there' packaging/README.md &&
	ok "install.sh's hint, the installed config and packaging/README.md name peer_uids = threatrec-webui" ||
	bad "peer_uids hint" "$out"
grep -qF "/etc/threatrec/tls" <<<"$out" && grep -qF "/etc/threatrec/tls" "$D/etc/threatrec/threatrec.conf" &&
	ok "install.sh and the config's [webui] comment say where the TLS key goes" || bad "TLS key hint" "$out"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
