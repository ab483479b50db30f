# webui/module.mk - extra rules for the web UI; included by the top-level Makefile.
# assets.o embeds webui/assets/* with .incbin, which -MMD cannot track:
# rebuild it whenever one of those files changes.
WEBUI_ASSETS := $(wildcard webui/assets/*.html webui/assets/*.css webui/assets/*.js webui/assets/*.svg)
$(B)/webui/assets.o: $(WEBUI_ASSETS)
