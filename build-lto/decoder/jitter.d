build-lto/decoder/jitter.o: decoder/jitter.c common/err.h \
 decoder/jitter.h
common/err.h:
decoder/jitter.h:
