build-lto/webui/ipc_client.o: webui/ipc_client.c webui/ipc_client.h \
 common/ipc.h common/err.h common/rd.h common/err.h
webui/ipc_client.h:
common/ipc.h:
common/err.h:
common/rd.h:
common/err.h:
