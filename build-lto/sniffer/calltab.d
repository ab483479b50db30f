build-lto/sniffer/calltab.o: sniffer/calltab.c sniffer/calltab.h \
 sniffer/ring.h
sniffer/calltab.h:
sniffer/ring.h:
