build-lto/common/conf.o: common/conf.c common/conf.h common/err.h
common/conf.h:
common/err.h:
