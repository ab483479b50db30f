#!/usr/bin/env bash
# tests/e2e/run.sh - threatrec end to end with the real processes on
# loopback: sniffer (paced replay), vault, web UI, each stack in a temporary
# folder with its own ring, socket and port. See tests/README.md.
# Environment: E2E_PCAP, E2E_CALL_ID, E2E_PACE, E2E_OUT, E2E_KEEP, B.
# Last line: "N passed, N failed[, N skipped]".
set -u
cd "$(dirname "$0")/../.."
export B="${B:-build}"
export TZ=UTC
if ! command -v python3 >/dev/null; then
	echo "e2e: python3 is missing (packaging/deps.sh test)"
	echo "0 passed, 1 failed"
	exit 1
fi
# e2e.py stops its stacks also on Ctrl-C (KeyboardInterrupt runs its finally)
exec python3 -B -u tests/e2e/e2e.py "$@"
