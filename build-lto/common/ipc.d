build-lto/common/ipc.o: common/ipc.c common/ipc.h common/err.h
common/ipc.h:
common/err.h:
