build-lto/decoder/netmon.o: decoder/netmon.c common/err.h common/rd.h \
 common/err.h decoder/netmon.h
common/err.h:
common/rd.h:
common/err.h:
decoder/netmon.h:
