build-lto/vault/container.o: vault/container.c common/err.h common/log.h \
 common/rd.h common/err.h vault/container.h
common/err.h:
common/log.h:
common/rd.h:
common/err.h:
vault/container.h:
