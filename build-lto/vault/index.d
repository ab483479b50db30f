build-lto/vault/index.o: vault/index.c common/err.h common/log.h \
 vault/index.h common/ipc.h
common/err.h:
common/log.h:
vault/index.h:
common/ipc.h:
