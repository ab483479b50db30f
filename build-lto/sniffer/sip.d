build-lto/sniffer/sip.o: sniffer/sip.c common/err.h sniffer/sip.h \
 sniffer/ring.h
common/err.h:
sniffer/sip.h:
sniffer/ring.h:
