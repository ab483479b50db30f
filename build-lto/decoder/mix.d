build-lto/decoder/mix.o: decoder/mix.c common/err.h decoder/mix.h \
 decoder/codec.h
common/err.h:
decoder/mix.h:
decoder/codec.h:
