build-lto/sniffer/rtp.o: sniffer/rtp.c sniffer/rtp.h common/rd.h \
 common/err.h common/err.h
sniffer/rtp.h:
common/rd.h:
common/err.h:
common/err.h:
