build-lto/webui/live.o: webui/live.c webui/live.h sniffer/ring.h \
 common/err.h common/ipc.h
webui/live.h:
sniffer/ring.h:
common/err.h:
common/ipc.h:
