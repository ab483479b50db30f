build-lto/decoder/decode.o: decoder/decode.c common/err.h common/log.h \
 decoder/codec.h decoder/decode.h sniffer/ring.h decoder/jitter.h \
 decoder/mix.h decoder/wav.h sniffer/decap.h sniffer/ring.h sniffer/rtp.h
common/err.h:
common/log.h:
decoder/codec.h:
decoder/decode.h:
sniffer/ring.h:
decoder/jitter.h:
decoder/mix.h:
decoder/wav.h:
sniffer/decap.h:
sniffer/ring.h:
sniffer/rtp.h:
