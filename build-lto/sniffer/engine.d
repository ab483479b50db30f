build-lto/sniffer/engine.o: sniffer/engine.c sniffer/calltab.h \
 sniffer/ring.h sniffer/decap.h sniffer/engine.h common/err.h \
 sniffer/ipfrag.h common/log.h sniffer/rfc4733.h sniffer/rtp.h \
 sniffer/sdp.h sniffer/sip.h
sniffer/calltab.h:
sniffer/ring.h:
sniffer/decap.h:
sniffer/engine.h:
common/err.h:
sniffer/ipfrag.h:
common/log.h:
sniffer/rfc4733.h:
sniffer/rtp.h:
sniffer/sdp.h:
sniffer/sip.h:
