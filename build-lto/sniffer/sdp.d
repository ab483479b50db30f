build-lto/sniffer/sdp.o: sniffer/sdp.c common/err.h sniffer/sdp.h \
 sniffer/ring.h
common/err.h:
sniffer/sdp.h:
sniffer/ring.h:
