build-lto/sniffer/rfc4733.o: sniffer/rfc4733.c sniffer/rfc4733.h \
 common/rd.h common/err.h common/err.h
sniffer/rfc4733.h:
common/rd.h:
common/err.h:
common/err.h:
