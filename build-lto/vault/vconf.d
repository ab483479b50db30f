build-lto/vault/vconf.o: vault/vconf.c common/conf.h common/err.h \
 vault/vconf.h
common/conf.h:
common/err.h:
vault/vconf.h:
