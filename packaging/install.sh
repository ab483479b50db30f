#!/usr/bin/env bash
# packaging/install.sh - installs threatrec: the programs, the systemd units,
# sysusers.d and tmpfiles.d files, and the example config (only if absent).
# Called by `make install` as: packaging/install.sh "$DESTDIR" "$PREFIX"
#   DESTDIR  staging root (empty = the live system); PREFIX default /usr/local
# Units, sysusers and tmpfiles go to $PREFIX/lib/... for PREFIX /usr or
# /usr/local (systemd reads both), else to /etc/...; the units' ExecStart=
# paths are rewritten to $PREFIX/bin. On the live system (DESTDIR empty, as
# root) it also creates the users and directories and reloads systemd.
set -eu
cd "$(dirname "$0")/.."
DESTDIR="${1:-}"
PREFIX="${2:-}"
[ -n "$PREFIX" ] || PREFIX=/usr/local
B="${B:-build}"
case "$PREFIX" in
/*) ;;
*) echo "install.sh: PREFIX must be an absolute path, not \"$PREFIX\"" >&2; exit 2 ;;
esac
PREFIX="${PREFIX%/}"
[ -n "$PREFIX" ] || PREFIX=/
case "$PREFIX" in
/usr|/usr/local) LIBD="$PREFIX/lib" ;;
*) LIBD=/etc ;;
esac
BINDIR="$PREFIX/bin"
[ "$PREFIX" = / ] && BINDIR=/bin
UNITDIR="$LIBD/systemd/system"
SYSUSERSDIR="$LIBD/sysusers.d"
TMPFILESDIR="$LIBD/tmpfiles.d"
DOCDIR="$PREFIX/share/doc/threatrec"
[ "$PREFIX" = / ] && DOCDIR=/usr/share/doc/threatrec
CONFDIR=/etc/threatrec

progs="threatrec-sniffer threatrec-vault threatrec-webui threatrec-decode"
for p in $progs; do
	if [ ! -x "$B/$p" ]; then
		echo "install.sh: $B/$p is not built (run make first)" >&2
		exit 1
	fi
done

say() { echo "  INSTALL $1"; }

install -d -m 0755 "$DESTDIR$BINDIR" "$DESTDIR$UNITDIR" "$DESTDIR$SYSUSERSDIR" \
	"$DESTDIR$TMPFILESDIR" "$DESTDIR$DOCDIR"
for p in $progs; do
	install -m 0755 "$B/$p" "$DESTDIR$BINDIR/$p"
	say "$BINDIR/$p"
done
[ -x "$B/threatrec-pcapgen" ] && install -m 0755 "$B/threatrec-pcapgen" "$DESTDIR$BINDIR/threatrec-pcapgen" &&
	say "$BINDIR/threatrec-pcapgen"

# units: ExecStart= and Documentation= point at the real install paths
for u in packaging/systemd/threatrec-*.service; do
	n=$(basename "$u")
	sed -e "s#/usr/local/bin/#$BINDIR/#g" \
	    -e "s#file:/usr/local/share/doc/threatrec/#file:$DOCDIR/#g" "$u" >"$DESTDIR$UNITDIR/$n.tmp"
	chmod 0644 "$DESTDIR$UNITDIR/$n.tmp"
	mv -f "$DESTDIR$UNITDIR/$n.tmp" "$DESTDIR$UNITDIR/$n"
	say "$UNITDIR/$n"
done
install -m 0644 packaging/sysusers.d/threatrec.conf "$DESTDIR$SYSUSERSDIR/threatrec.conf"
say "$SYSUSERSDIR/threatrec.conf"
install -m 0644 packaging/tmpfiles.d/threatrec.conf "$DESTDIR$TMPFILESDIR/threatrec.conf"
say "$TMPFILESDIR/threatrec.conf"
for d in README.md LICENSE docs/*.md; do
	[ -f "$d" ] || continue
	install -m 0644 "$d" "$DESTDIR$DOCDIR/$(basename "$d")"
done
say "$DOCDIR/"

live=0
[ -z "$DESTDIR" ] && [ "$(id -u)" -eq 0 ] && live=1
# users first: tmpfiles and the config's group need them
if [ "$live" -eq 1 ] && command -v systemd-sysusers >/dev/null 2>&1; then
	systemd-sysusers "$SYSUSERSDIR/threatrec.conf"
	echo "  users:  threatrec-sniffer threatrec-vault threatrec-webui, group threatrec"
fi

# the config: never overwrite an admin's file
install -d -m 0750 "$DESTDIR$CONFDIR"
if [ -e "$DESTDIR$CONFDIR/threatrec.conf" ]; then
	echo "  KEEP    $CONFDIR/threatrec.conf (exists; the example is in $DOCDIR/threatrec.conf.example)"
else
	install -m 0640 packaging/threatrec.conf "$DESTDIR$CONFDIR/threatrec.conf"
	say "$CONFDIR/threatrec.conf"
fi
install -m 0644 packaging/threatrec.conf "$DESTDIR$DOCDIR/threatrec.conf.example"
if [ "$live" -eq 1 ] && getent group threatrec >/dev/null 2>&1; then
	chgrp threatrec "$CONFDIR" "$CONFDIR/threatrec.conf"
else
	# a staging root (or no group yet): the group of the target system is
	# not ours to set; tmpfiles.d sets it there
	echo "  note:   $CONFDIR and $CONFDIR/threatrec.conf are root:root${DESTDIR:+ in $DESTDIR}: the services read"
	echo "          them through group threatrec, which systemd-tmpfiles --create threatrec.conf"
	echo "          (run it on the target after systemd-sysusers, or reboot) sets: 0750 and 0640 root:threatrec"
fi

if [ "$live" -eq 1 ]; then
	command -v systemd-tmpfiles >/dev/null 2>&1 &&
		systemd-tmpfiles --create "$TMPFILESDIR/threatrec.conf" || true
	if [ -d /run/systemd/system ]; then
		systemctl daemon-reload
		echo "  systemd reloaded; enable with: systemctl enable --now threatrec-sniffer threatrec-vault threatrec-webui"
	fi
fi
echo "  next: edit $CONFDIR/threatrec.conf: [sniffer] interface; [vault] peer_uids = threatrec-webui"
echo "        is already there (the web UI's user, by name); for HTTPS put the key and certificate in"
echo "        $CONFDIR/tls (0750 root:threatrec-webui, tmpfiles.d), files 0640 root:threatrec-webui;"
echo "        then create the vault keys and a first user:"
echo "        runuser -u threatrec-vault -- $BINDIR/threatrec-vault init -c $CONFDIR/threatrec.conf"
echo "        runuser -u threatrec-vault -- $BINDIR/threatrec-vault useradd -c $CONFDIR/threatrec.conf admin admin"
echo "install.sh: done (DESTDIR=${DESTDIR:-/}, PREFIX=$PREFIX)"
