build-lto/sniffer/ring.o: sniffer/ring.c common/err.h common/log.h \
 sniffer/ring.h
common/err.h:
common/log.h:
sniffer/ring.h:
