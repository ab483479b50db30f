build-lto/sniffer/main.o: sniffer/main.c sniffer/capture.h common/conf.h \
 sniffer/engine.h sniffer/ring.h common/err.h common/log.h
sniffer/capture.h:
common/conf.h:
sniffer/engine.h:
sniffer/ring.h:
common/err.h:
common/log.h:
