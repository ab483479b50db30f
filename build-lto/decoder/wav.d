build-lto/decoder/wav.o: decoder/wav.c common/err.h common/log.h \
 decoder/wav.h
common/err.h:
common/log.h:
decoder/wav.h:
