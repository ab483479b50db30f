build-lto/webui/resp.o: webui/resp.c webui/resp.h webui/req.h
webui/resp.h:
webui/req.h:
