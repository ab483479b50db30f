#!/usr/bin/env bash
# stack.sh - starts and stops a private threatrec stack (sniffer replaying a
# capture, vault, web UI on 127.0.0.1) for the end-to-end test, the browser
# test and `make demo`. Every stack has its own folder, ring name, socket and
# port, so several can run side by side and none touches a system install.
#
# Usage: tests/e2e/stack.sh DIR COMMAND [ARGS]
#   setup [key=value...]        write DIR/threatrec.conf and DIR/stack.env; keys:
#                               grace (ring, default 4s), vault_grace (1s),
#                               agent_pattern (10??), port (a free one)
#   init                        threatrec-vault init (keys, storage 0700)
#   user NAME ROLE [EXT]        add a user; prints the password it chose
#   sniffer PCAP [ARGS...]      start the sniffer on PCAP (e.g. --pace 1 --loop)
#   vault | webui               start that process (waits until it is ready)
#   kill9 NAME                  SIGKILL one process (sniffer, vault, webui)
#   stop [NAME]                 SIGTERM one or all, then SIGKILL after 5 s;
#                               removes the ring
#   env                         print DIR/stack.env
# A script can also source it (`. stack.sh; stack_setup DIR; ...`): the commands
# are the functions stack_<command>. Logs: DIR/<name>.log; pids: DIR/<name>.pid.
# Only processes whose pid this script wrote are ever signalled.

ST_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ST_BIN="${ST_BIN:-$ST_TOP/${B:-build}}"

st_die() { echo "stack.sh: $*" >&2; return 1; }

# True when something listens on 127.0.0.1:$1 (bash's /dev/tcp: no python
# or curl needed, so `make demo` works on a minimal Debian).
st_port_busy() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# A free TCP port on 127.0.0.1, picked at random in 20000-59999 (the race
# with another process taking it before the web UI binds is accepted).
st_free_port() {
	local p i
	for i in $(seq 50); do
		p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
		st_port_busy "$p" || { echo "$p"; return 0; }
	done
	st_die "no free port found"
}

st_load() {
	ST_DIR=$(cd "$1" 2>/dev/null && pwd) || { st_die "no folder $1"; return 1; }
	[ -f "$ST_DIR/stack.env" ] || { st_die "$ST_DIR/stack.env missing: run setup first"; return 1; }
	# shellcheck disable=SC1091
	. "$ST_DIR/stack.env"
}

# stack_setup DIR [key=value...]
stack_setup() {
	local dir=$1 grace=4s vgrace=1s pattern='10??' port="" kv tag
	shift
	for kv in "$@"; do
		case "$kv" in
		grace=*) grace=${kv#*=} ;;
		vault_grace=*) vgrace=${kv#*=} ;;
		agent_pattern=*) pattern=${kv#*=} ;;
		port=*) port=${kv#*=} ;;
		*) st_die "setup: unknown setting $kv"; return 1 ;;
		esac
	done
	mkdir -p "$dir" || return 1
	ST_DIR=$(cd "$dir" && pwd)
	chmod 0700 "$ST_DIR"
	[ -n "$port" ] || port=$(st_free_port) || return 1
	tag="$(date +%s)-$$-$RANDOM"
	cat >"$ST_DIR/stack.env" <<EOF
ST_DIR='$ST_DIR'
ST_CONF='$ST_DIR/threatrec.conf'
ST_RING='/threatrec-test-$tag'
ST_STORE='$ST_DIR/storage'
ST_SOCK='$ST_DIR/vault.sock'
ST_PORT='$port'
ST_URL='http://127.0.0.1:$port'
ST_BIN='$ST_BIN'
EOF
	# shellcheck disable=SC1091
	. "$ST_DIR/stack.env"
	cat >"$ST_CONF" <<EOF
# threatrec.conf written by tests/e2e/stack.sh for a private stack in
# $ST_DIR (see packaging/threatrec.conf for every key).

[ring]
# a unique shared-memory name, so this stack never meets another one
name = $ST_RING
# small: a few test calls need a few MiB
size = 64M
slots = 256
chunk_size = 64K
# short grace, so "an unmarked call is gone after grace" is quick to test
grace = $grace
mode = 0600
# no shared group: every process of this stack runs as the same user
group =
# tests and demos may run without CAP_IPC_LOCK / a big RLIMIT_MEMLOCK
mlock = no

[sniffer]
sip_ports = 5060
# pcapgen's callees are 1000..1999: that is the agent side
agent_pattern = $pattern
mark_code = *99
# media_timeout and setup_timeout keep their defaults (60 s, 180 s): real
# captures have calls whose RTP starts 20 s after the ACK

[vault]
ring = $ST_RING
storage = $ST_STORE
socket = $ST_SOCK
socket_mode = 0600
# seal this long after the call ended
grace = $vgrace
tick = 100ms
syslog = no

[webui]
listen = 127.0.0.1
port = $ST_PORT
vault_socket = $ST_SOCK
ring = $ST_RING
syslog = no
EOF
}

# stack_init DIR: the vault's key pair and storage folder
stack_init() {
	st_load "$1" || return 1
	"$ST_BIN/threatrec-vault" init -c "$ST_CONF" >>"$ST_DIR/vault-init.log" 2>&1 ||
		{ cat "$ST_DIR/vault-init.log" >&2; st_die "threatrec-vault init failed"; return 1; }
}

# stack_user DIR NAME ROLE [EXT]: adds a user with a random password and
# prints the password.
stack_user() {
	local pass ext=${4:-}
	st_load "$1" || return 1
	pass=$(LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | head -c 16)
	printf '%s\n' "$pass" | "$ST_BIN/threatrec-vault" useradd -c "$ST_CONF" "$2" "$3" \
		${ext:+--extension "$ext"} >>"$ST_DIR/vault-init.log" 2>&1 ||
		{ tail -n 5 "$ST_DIR/vault-init.log" >&2; st_die "useradd $2 failed"; return 1; }
	printf '%s\n' "$pass"
}

# st_spawn NAME CMD...: starts CMD in the background, its own process
# group, output to DIR/NAME.log, pid to DIR/NAME.pid.
st_spawn() {
	local name=$1 pid
	shift
	setsid "$@" >>"$ST_DIR/$name.log" 2>&1 </dev/null &
	pid=$!
	echo "$pid" >"$ST_DIR/$name.pid"
}

# True while pid runs (a zombie whose parent has gone does not count).
st_pid_alive() {
	local st
	kill -0 "$1" 2>/dev/null || return 1
	st=$(sed -n 's/^[0-9]* (.*) \([A-Z]\).*/\1/p' "/proc/$1/stat" 2>/dev/null)
	[ "$st" != Z ]
}

# True when pid is still the process of that name this stack started (a
# stale pid file of a crashed run must never make us signal a stranger).
st_pid_ours() {
	tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -q "threatrec-$2 .*$ST_CONF"
}

# True while the process we just spawned exists (it may not have exec'd
# the program yet, so its command line is not checked): start-up loops.
st_running() {
	local pid
	pid=$(cat "$ST_DIR/$1.pid" 2>/dev/null) || return 1
	[ -n "$pid" ] && st_pid_alive "$pid"
}

# True while NAME runs our program with our config.
st_alive() {
	local pid
	pid=$(cat "$ST_DIR/$1.pid" 2>/dev/null) || return 1
	[ -n "$pid" ] && st_pid_alive "$pid" && st_pid_ours "$pid" "$1"
}

# stack_sniffer DIR PCAP [ARGS...]: waits until the ring exists.
stack_sniffer() {
	local pcap=$2 i
	st_load "$1" || return 1
	shift 2
	[ -r "$pcap" ] || { st_die "cannot read $pcap"; return 1; }
	st_spawn sniffer "$ST_BIN/threatrec-sniffer" -c "$ST_CONF" -r "$pcap" "$@"
	for i in $(seq 100); do
		[ -e "/dev/shm$ST_RING" ] && return 0
		st_running sniffer || break
		sleep 0.05
	done
	tail -n 5 "$ST_DIR/sniffer.log" >&2
	st_die "the sniffer did not create the ring /dev/shm$ST_RING"
}

# stack_vault DIR: waits until the socket exists.
stack_vault() {
	local i
	st_load "$1" || return 1
	rm -f "$ST_SOCK"
	st_spawn vault "$ST_BIN/threatrec-vault" run -c "$ST_CONF" -f
	for i in $(seq 200); do
		[ -S "$ST_SOCK" ] && return 0
		st_running vault || break
		sleep 0.05
	done
	tail -n 5 "$ST_DIR/vault.log" >&2
	st_die "the vault did not open $ST_SOCK"
}

# stack_webui DIR: waits until the port answers.
stack_webui() {
	local i
	st_load "$1" || return 1
	st_spawn webui "$ST_BIN/threatrec-webui" -c "$ST_CONF"
	for i in $(seq 200); do
		st_port_busy "$ST_PORT" && return 0
		st_running webui || break
		sleep 0.05
	done
	tail -n 5 "$ST_DIR/webui.log" >&2
	st_die "the web UI does not answer on $ST_URL"
}

# stack_kill9 DIR NAME
stack_kill9() {
	local pid i
	st_load "$1" || return 1
	pid=$(cat "$ST_DIR/$2.pid" 2>/dev/null) || { st_die "no $2.pid"; return 1; }
	st_pid_ours "$pid" "$2" || { st_die "pid $pid is not this stack's $2"; return 1; }
	kill -KILL "$pid" 2>/dev/null
	for i in $(seq 250); do
		st_pid_alive "$pid" || break
		sleep 0.02
	done
	rm -f "$ST_DIR/$2.pid"
}

# stack_stop DIR [NAME...]: SIGTERM, wait up to 5 s, SIGKILL; the ring is
# removed when the sniffer is stopped.
stack_stop() {
	local names pid n i
	st_load "$1" || return 1
	shift
	names=${*:-webui vault sniffer}
	for n in $names; do
		pid=$(cat "$ST_DIR/$n.pid" 2>/dev/null) || continue
		rm -f "$ST_DIR/$n.pid"
		if [ -z "$pid" ] || ! st_pid_ours "$pid" "$n"; then
			[ "$n" = sniffer ] && rm -f "/dev/shm$ST_RING" "/dev/shm$ST_RING.marks"
			continue
		fi
		kill -TERM "$pid" 2>/dev/null
		for i in $(seq 100); do
			st_pid_alive "$pid" || break
			sleep 0.05
		done
		if st_pid_alive "$pid"; then
			echo "stack.sh: $n (pid $pid) ignored SIGTERM for 5 s: SIGKILL" >&2
			kill -KILL "$pid" 2>/dev/null
		fi
		wait "$pid" 2>/dev/null
		[ "$n" = sniffer ] && rm -f "/dev/shm$ST_RING" "/dev/shm$ST_RING.marks"
	done
	return 0
}

stack_env() {
	st_load "$1" || return 1
	cat "$ST_DIR/stack.env"
}

# Run as a command (not sourced): dispatch.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	if [ $# -lt 2 ]; then
		sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
		exit 2
	fi
	dir=$1 cmd=$2
	shift 2
	case "$cmd" in
	setup|init|user|sniffer|vault|webui|kill9|stop|env) "stack_$cmd" "$dir" "$@" ;;
	*) st_die "unknown command $cmd"; exit 2 ;;
	esac
fi
