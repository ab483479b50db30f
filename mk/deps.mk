# External libraries, resolved once through pkg-config.
PKGS := libpcap libosip2 sndfile libsodium sqlite3 libmicrohttpd gnutls jansson libarchive
DEPS_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
DEPS_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm
# Debian packages that provide them (make deps installs the missing ones)
DEB_BUILD := build-essential pkg-config libpcap-dev libosip2-dev libsndfile1-dev libsodium-dev \
             libsqlite3-dev sqlite3 libmicrohttpd-dev libgnutls28-dev libjansson-dev libarchive-dev
DEB_TEST  := tshark python3 sox clang libclang-rt-14-dev iproute2 sip-tester tcpdump
DEB_BROWSER := chromium nodejs npm
