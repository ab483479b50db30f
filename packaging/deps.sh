#!/usr/bin/env bash
# packaging/deps.sh - installs the Debian packages threatrec needs, only the
# missing ones, saying what it installs. Groups: build, test, browser.
# Works as root or through sudo. Used by `make deps`, `make demo`, .ci/run.
set -eu
cd "$(dirname "$0")/.."
want=""
for g in "$@"; do
	case "$g" in
	build) want="$want build-essential pkg-config libpcap-dev libosip2-dev libsndfile1-dev libsodium-dev libsqlite3-dev sqlite3 libmicrohttpd-dev libgnutls28-dev libjansson-dev libarchive-dev" ;;
	test) want="$want tshark python3 sox clang libclang-rt-14-dev iproute2 sip-tester tcpdump procps psmisc curl util-linux minisign openssl" ;;
	browser)
		want="$want chromium"
		# node and npm may come from another source (e.g. a nodejs package that
		# bundles npm and conflicts with Debian's npm): only add what is missing
		command -v node >/dev/null 2>&1 || want="$want nodejs"
		command -v npm >/dev/null 2>&1 || want="$want npm" ;;
	*) echo "deps.sh: unknown group $g (build, test, browser)" >&2; exit 2 ;;
	esac
done
missing=""
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "deps: all needed packages are installed ($*)"
else
	echo "deps: installing:$missing"
	SUDO=""
	[ "$(id -u)" -ne 0 ] && SUDO="sudo"
	export DEBIAN_FRONTEND=noninteractive
	# tshark asks whether non-root users may capture: answer no, non-interactively
	echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections 2>/dev/null || true
	$SUDO apt-get update -qq
	$SUDO apt-get install -y -qq --no-install-recommends $missing
fi
if [[ " $* " == *" browser "* ]] && [ ! -d tests/browser/node_modules/playwright-core ]; then
	echo "deps: installing playwright-core (npm) into tests/browser/node_modules"
	(cd tests/browser && npm install --no-audit --no-fund --silent)
fi
