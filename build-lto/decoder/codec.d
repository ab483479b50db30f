build-lto/decoder/codec.o: decoder/codec.c decoder/codec.h decoder/g711.h
decoder/codec.h:
decoder/g711.h:
