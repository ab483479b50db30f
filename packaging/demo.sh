#!/usr/bin/env bash
# packaging/demo.sh - threatrec on this machine in one command (`make demo`
# builds first, then runs this). Everything lives in run/demo/ of the tree
# (git ignores /run/): a config with its own ring name, storage folder and
# socket; the vault's keys; one demo user of each role. It starts the sniffer
# replaying a capture made by the project's generator (6 overlapping calls,
# in a loop at capture speed), the vault, and the web UI on 127.0.0.1, prints
# the URL and the logins, and stops all three on Ctrl-C.
#
# Environment: DEMO_PORT (default 8080; another free port if it is taken),
# DEMO_FRESH=1 (forget the earlier demo's recordings and users), B (build
# folder). Works as root or as any user (no capabilities needed: it reads a
# file, it does not capture live).
set -u
cd "$(dirname "$0")/.."
top=$(pwd)
export B="${B:-build}"
demo="$top/run/demo"
st="$demo/stack"
# shellcheck source=../tests/e2e/stack.sh
. "$top/tests/e2e/stack.sh"

for p in threatrec-sniffer threatrec-vault threatrec-webui threatrec-pcapgen; do
	[ -x "$B/$p" ] || { echo "demo: $B/$p is missing: run make first" >&2; exit 1; }
done

# an earlier demo: still running (say so and leave it alone), or killed
# without its Ctrl-C clean-up (stop what is left of it)
if [ -f "$st/stack.env" ] && st_load "$st"; then
	for n in webui vault sniffer; do
		if st_alive "$n"; then
			echo "demo: a demo is already running ($ST_URL/, $n pid $(cat "$st/$n.pid"));" \
				"stop it with Ctrl-C first" >&2
			exit 1
		fi
	done
	stack_stop "$st" >/dev/null 2>&1
fi
if [ "${DEMO_FRESH:-0}" = 1 ]; then
	rm -rf "$demo"
fi
mkdir -p "$demo"
chmod 0700 "$demo"

# the capture: 6 calls of 30 s, one every 5 s, to extensions 1000..1005;
# callers speak (440 Hz) at 3-10 s, the agents answer (1000 Hz) at 12-20 s
pcap="$demo/demo-calls.pcap"
if [ ! -s "$pcap" ]; then
	if ! "$B/threatrec-pcapgen" -o "$pcap" --truth "$demo/demo-calls.truth.jsonl" --calls 6 \
		--concurrent --stagger 5 --duration 30 --caller-talk 3-10 --callee-talk 12-20 \
		--seed 2026 >/dev/null; then
		echo "demo: threatrec-pcapgen failed; using pcaps/concurrent-20.pcap" >&2
		pcap="$top/pcaps/concurrent-20.pcap"
	fi
fi

port=${DEMO_PORT:-8080}
if st_port_busy "$port"; then
	echo "demo: port $port is taken; picking another one"
	port=$(st_free_port) || exit 1
fi

# a long ring grace (2 minutes), so an ended call can still be marked
stack_setup "$st" port="$port" grace=2m vault_grace=2s agent_pattern='1???' || exit 1
. "$st/stack.env"

logins="$demo/logins.txt"
if [ ! -f "$ST_STORE/vault.key" ] || [ ! -s "$logins" ]; then
	rm -rf "$ST_STORE" "$logins"
	stack_init "$st" || exit 1
	umask 077
	: >"$logins"
	# name role extension
	while read -r name role ext; do
		pw=$(stack_user "$st" "$name" "$role" "$ext") || exit 1
		printf '%-13s %-13s %-9s %s\n' "$role" "$name" "${ext:--}" "$pw" >>"$logins"
	done <<'EOF'
agent1000 agent 1000
supervisor supervisor
investigator investigator
admin admin
EOF
fi

stopping=0
stop_all() {
	[ "$stopping" = 1 ] && return
	stopping=1
	echo
	echo "demo: stopping the web UI, the vault and the sniffer"
	stack_stop "$st"
	echo "demo: stopped (recordings and users stay in $demo; DEMO_FRESH=1 starts over)"
}
trap 'stop_all; exit 0' INT TERM
trap 'stop_all' EXIT

stack_vault "$st" || exit 1
stack_webui "$st" || exit 1
stack_sniffer "$st" "$pcap" --pace 1 --loop || exit 1

cat <<EOF

threatrec demo is running.

  Open  $ST_URL/  in a browser on this machine.

  Logins (also in $logins):
    role          user          extension password
$(sed 's/^/    /' "$logins")

  The agent sees the calls of extension 1000 only and can mark them;
  the supervisor sees every live call; the investigator searches, plays
  and downloads recordings; the admin manages users.
  Calls: $pcap
         replayed in a loop at capture speed.
  Files: config $ST_CONF
         storage $ST_STORE, logs $st/*.log

Press Ctrl-C to stop.
EOF

# wait; if one of the three dies, say which and stop the others
while :; do
	for n in sniffer vault webui; do
		if ! st_alive "$n"; then
			echo "demo: the $n stopped unexpectedly; its log ends with:" >&2
			tail -n 5 "$st/$n.log" >&2
			exit 1
		fi
	done
	sleep 1
done
