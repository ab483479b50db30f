build-lto/vault/server.o: vault/server.c common/err.h common/log.h \
 common/ipc.h vault/export.h vault/index.h vault/keys.h vault/vconf.h \
 vault/server.h vault/audit.h vault/auth.h vault/recorder.h \
 sniffer/ring.h vault/notify.h
common/err.h:
common/log.h:
common/ipc.h:
vault/export.h:
vault/index.h:
vault/keys.h:
vault/vconf.h:
vault/server.h:
vault/audit.h:
vault/auth.h:
vault/recorder.h:
sniffer/ring.h:
vault/notify.h:
