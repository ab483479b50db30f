build-lto/decoder/capfile.o: decoder/capfile.c common/err.h common/log.h \
 decoder/capfile.h sniffer/engine.h sniffer/ring.h sniffer/ring.h \
 decoder/netmon.h
common/err.h:
common/log.h:
decoder/capfile.h:
sniffer/engine.h:
sniffer/ring.h:
sniffer/ring.h:
decoder/netmon.h:
