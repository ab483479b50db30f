build-lto/decoder/g711.o: decoder/g711.c decoder/g711.h
decoder/g711.h:
