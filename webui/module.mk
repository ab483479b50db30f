# webui/module.mk - extra rules for the web UI; included by the top-level Makefile.
# assets.o embeds webui/assets/* with .incbin, which -MMD cannot track:
# rebuild it whenever one of those files changes.
WEBUI_ASSETS := $(wildcard webui/assets/*.html webui/assets/*.css webui/assets/*.js webui/assets/*.svg)
$(B)/webui/assets.o: $(WEBUI_ASSETS)
# http.c checks the TLS certificate and key with GnuTLS itself (libmicrohttpd's
# TLS library) before the start, for a clear message
DEPS_CFLAGS += $(shell pkg-config --cflags gnutls 2>/dev/null)
DEPS_LIBS   += $(shell pkg-config --libs gnutls 2>/dev/null)
