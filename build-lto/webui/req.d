build-lto/webui/req.o: webui/req.c webui/req.h common/err.h
webui/req.h:
common/err.h:
