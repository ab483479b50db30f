build-lto/vault/recorder.o: vault/recorder.c common/err.h common/log.h \
 vault/container.h vault/recorder.h sniffer/ring.h vault/index.h \
 common/ipc.h vault/audit.h vault/keys.h vault/notify.h vault/vconf.h
common/err.h:
common/log.h:
vault/container.h:
vault/recorder.h:
sniffer/ring.h:
vault/index.h:
common/ipc.h:
vault/audit.h:
vault/keys.h:
vault/notify.h:
vault/vconf.h:
