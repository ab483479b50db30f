build-lto/webui/http.o: webui/http.c webui/http.h webui/api.h \
 webui/fdcache.h webui/live.h sniffer/ring.h webui/wconf.h common/err.h \
 common/log.h webui/req.h
webui/http.h:
webui/api.h:
webui/fdcache.h:
webui/live.h:
sniffer/ring.h:
webui/wconf.h:
common/err.h:
common/log.h:
webui/req.h:
