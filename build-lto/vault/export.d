build-lto/vault/export.o: vault/export.c common/err.h common/log.h \
 common/rd.h common/err.h vault/container.h decoder/decode.h \
 sniffer/ring.h common/ipc.h vault/evidence.h vault/index.h vault/keys.h \
 vault/export.h vault/vconf.h
common/err.h:
common/log.h:
common/rd.h:
common/err.h:
vault/container.h:
decoder/decode.h:
sniffer/ring.h:
common/ipc.h:
vault/evidence.h:
vault/index.h:
vault/keys.h:
vault/export.h:
vault/vconf.h:
