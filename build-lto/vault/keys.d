build-lto/vault/keys.o: vault/keys.c common/err.h common/log.h \
 vault/keys.h
common/err.h:
common/log.h:
vault/keys.h:
