build-lto/vault/notify.o: vault/notify.c common/log.h vault/notify.h
common/log.h:
vault/notify.h:
