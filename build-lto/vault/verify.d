build-lto/vault/verify.o: vault/verify.c common/err.h vault/audit.h \
 vault/keys.h vault/container.h vault/verify.h vault/index.h common/ipc.h \
 vault/vconf.h
common/err.h:
vault/audit.h:
vault/keys.h:
vault/container.h:
vault/verify.h:
vault/index.h:
common/ipc.h:
vault/vconf.h:
