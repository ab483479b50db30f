build-lto/webui/wconf.o: webui/wconf.c webui/wconf.h common/conf.h \
 common/err.h
webui/wconf.h:
common/conf.h:
common/err.h:
