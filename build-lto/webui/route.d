build-lto/webui/route.o: webui/route.c webui/route.h common/err.h
webui/route.h:
common/err.h:
