build-lto/vault/audit.o: vault/audit.c common/err.h common/log.h \
 vault/index.h common/ipc.h vault/audit.h vault/keys.h
common/err.h:
common/log.h:
vault/index.h:
common/ipc.h:
vault/audit.h:
vault/keys.h:
