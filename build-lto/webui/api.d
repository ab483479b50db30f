build-lto/webui/api.o: webui/api.c webui/api.h webui/fdcache.h \
 webui/live.h sniffer/ring.h webui/wconf.h webui/assets.h common/err.h \
 common/ipc.h webui/ipc_client.h common/log.h webui/req.h webui/resp.h \
 webui/route.h
webui/api.h:
webui/fdcache.h:
webui/live.h:
sniffer/ring.h:
webui/wconf.h:
webui/assets.h:
common/err.h:
common/ipc.h:
webui/ipc_client.h:
common/log.h:
webui/req.h:
webui/resp.h:
webui/route.h:
