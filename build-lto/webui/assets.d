build-lto/webui/assets.o: webui/assets.c webui/assets.h common/err.h
webui/assets.h:
common/err.h:
