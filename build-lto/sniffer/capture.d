build-lto/sniffer/capture.o: sniffer/capture.c sniffer/capture.h \
 common/err.h common/log.h
sniffer/capture.h:
common/err.h:
common/log.h:
