build-lto/webui/fdcache.o: webui/fdcache.c webui/fdcache.h
webui/fdcache.h:
