#!/usr/bin/env bash
# tests/browser/run.sh - the web UI in headless Chromium (playwright-core):
# an agent marks a live call, an investigator opens, plays and downloads the
# recording. Starts a private stack with tests/e2e/stack.sh (sniffer on a
# generated capture, vault, web UI on 127.0.0.1) in a temporary folder.
# Screenshots go to tests/out/browser-<time>/ (printed; BROWSER_OUT overrides).
# BROWSER_DOC=1 also copies the live-calls screenshot to docs/screenshot-live.png.
# Skips when /usr/bin/chromium or tests/browser/node_modules/playwright-core
# is missing (packaging/deps.sh browser installs both).
# Last line: "N passed, N failed[, N skipped]".
set -u
cd "$(dirname "$0")/../.."
top=$(pwd)
export B="${B:-build}"
export TZ=UTC
chromium=${CHROMIUM:-/usr/bin/chromium}

skip() { echo "browser: skipped: $*"; echo "0 passed, 0 failed, 1 skipped"; exit 0; }
[ -x "$chromium" ] || skip "$chromium is missing (packaging/deps.sh browser)"
command -v node >/dev/null || skip "node is missing (packaging/deps.sh browser)"
[ -d tests/browser/node_modules/playwright-core ] ||
	skip "tests/browser/node_modules/playwright-core is missing (packaging/deps.sh browser)"
for p in threatrec-sniffer threatrec-vault threatrec-webui threatrec-pcapgen; do
	if [ ! -x "$B/$p" ]; then
		echo "browser: $B/$p is missing: run make"
		echo "0 passed, 1 failed"
		exit 1
	fi
done

tmp=$(mktemp -d /tmp/threatrec-browser.XXXXXX)
out=${BROWSER_OUT:-$top/tests/out/browser-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out"
st="$tmp/stack"
cleanup() {
	bash tests/e2e/stack.sh "$st" stop >/dev/null 2>&1
	if [ "${BROWSER_KEEP:-0}" = 1 ]; then echo "browser: stack folder kept: $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail_setup() {
	echo "browser: stack setup failed: $*"
	for n in vault webui sniffer; do [ -f "$st/$n.log" ] && tail -n 5 "$st/$n.log"; done
	echo "0 passed, 1 failed"
	exit 1
}

# three overlapping 12 s calls, 1 s apart (callees 1000, 1001, 1002)
"$B/threatrec-pcapgen" -o "$tmp/calls.pcap" --truth "$tmp/calls.truth.jsonl" --calls 3 \
	--concurrent --stagger 1 --duration 12 --seed 5 >/dev/null || fail_setup "pcapgen"
bash tests/e2e/stack.sh "$st" setup grace=30s vault_grace=1s agent_pattern='1???' || fail_setup "setup"
bash tests/e2e/stack.sh "$st" init || fail_setup "vault init"
pw_agent=$(bash tests/e2e/stack.sh "$st" user agent1 agent 1000) || fail_setup "useradd agent1"
pw_super=$(bash tests/e2e/stack.sh "$st" user super1 supervisor) || fail_setup "useradd super1"
pw_inv=$(bash tests/e2e/stack.sh "$st" user inv1 investigator) || fail_setup "useradd inv1"
pw_adm1=$(bash tests/e2e/stack.sh "$st" user adm1 admin) || fail_setup "useradd adm1"
pw_adm2=$(bash tests/e2e/stack.sh "$st" user adm2 admin) || fail_setup "useradd adm2"
bash tests/e2e/stack.sh "$st" vault || fail_setup "vault"
bash tests/e2e/stack.sh "$st" webui || fail_setup "webui"
. "$st/stack.env"

echo "browser: screenshots in $out"
# the script starts the sniffer itself once the agent is logged in, so the
# calls are live while the agent looks at the page
export TR_URL="$ST_URL" TR_STACK="$st" TR_PCAP="$tmp/calls.pcap" TR_OUT="$out" \
	TR_CHROMIUM="$chromium" TR_PROFILE="$tmp/profile" TR_TOP="$top" \
	TR_AGENT="agent1:$pw_agent" TR_SUPER="super1:$pw_super" TR_INV="inv1:$pw_inv" \
	TR_ADM1="adm1:$pw_adm1" TR_ADM2="adm2:$pw_adm2"
node tests/browser/mark-and-replay.mjs
rc=$?
live_png=$(ls "$out"/*-supervisor-live.png 2>/dev/null | head -n 1)
if [ "${BROWSER_DOC:-0}" = 1 ] && [ -n "$live_png" ]; then
	cp "$live_png" docs/screenshot-live.png
	echo "browser: copied the live-calls screenshot to docs/screenshot-live.png"
fi
exit $rc
