build-lto/sniffer/ipfrag.o: sniffer/ipfrag.c sniffer/ipfrag.h \
 sniffer/decap.h sniffer/ring.h common/err.h
sniffer/ipfrag.h:
sniffer/decap.h:
sniffer/ring.h:
common/err.h:
