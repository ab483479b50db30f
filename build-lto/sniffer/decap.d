build-lto/sniffer/decap.o: sniffer/decap.c sniffer/decap.h sniffer/ring.h \
 common/rd.h common/err.h common/err.h
sniffer/decap.h:
sniffer/ring.h:
common/rd.h:
common/err.h:
common/err.h:
