/* assets.h - the pages, style sheet and script compiled into the binary
 * (the files under webui/assets/, embedded by assets.c with .incbin; no external resources).
 */
#ifndef TR_WEBUI_ASSETS_H
#define TR_WEBUI_ASSETS_H

#include <stddef.h>

struct asset {
	const char *path;          /* URL path, "/" for the page */
	const char *type;          /* Content-Type */
	const unsigned char *data; /* static, lives as long as the process */
	size_t len;
};

/* Fills *out with the asset served at path: 0, or TR_ERR_NOTFOUND. */
int assets_find(const char *path, struct asset *out);

#endif
