build-lto/vault/evidence.o: vault/evidence.c common/err.h \
 vault/evidence.h vault/index.h common/ipc.h vault/keys.h
common/err.h:
vault/evidence.h:
vault/index.h:
common/ipc.h:
vault/keys.h:
