build-lto/vault/auth.o: vault/auth.c common/err.h common/log.h \
 vault/index.h common/ipc.h vault/auth.h vault/vconf.h
common/err.h:
common/log.h:
vault/index.h:
common/ipc.h:
vault/auth.h:
vault/vconf.h:
