/* assets.c - embeds the files under webui/assets/ with the assembler's .incbin. Paths are
 * relative to the top of the tree, where make runs; webui/module.mk makes
 * this object depend on the files (-MMD cannot see .incbin).
 */
#include "assets.h"

#include <string.h>

#include "err.h"

#define ASSET_EMBED(sym, file) \
	__asm__(".section .rodata\n" \
	        ".balign 16\n" \
	        ".hidden " #sym "\n" \
	        ".hidden " #sym "_end\n" \
	        #sym ":\n" \
	        ".incbin \"" file "\"\n" \
	        #sym "_end:\n" \
	        ".byte 0\n" \
	        ".previous\n"); \
	extern const unsigned char sym[], sym##_end[]

ASSET_EMBED(tr_asset_index_html, "webui/assets/index.html");
ASSET_EMBED(tr_asset_app_css, "webui/assets/app.css");
ASSET_EMBED(tr_asset_app_js, "webui/assets/app.js");
ASSET_EMBED(tr_asset_favicon_svg, "webui/assets/favicon.svg");

int assets_find(const char *path, struct asset *out)
{
	static const struct {
		const char *path, *type;
		const unsigned char *start, *end;
	} src[] = {
		{ "/", "text/html; charset=utf-8", tr_asset_index_html, tr_asset_index_html_end },
		{ "/index.html", "text/html; charset=utf-8", tr_asset_index_html,
		  tr_asset_index_html_end },
		{ "/app.css", "text/css; charset=utf-8", tr_asset_app_css, tr_asset_app_css_end },
		{ "/app.js", "text/javascript; charset=utf-8", tr_asset_app_js, tr_asset_app_js_end },
		{ "/favicon.svg", "image/svg+xml", tr_asset_favicon_svg, tr_asset_favicon_svg_end },
	};
	size_t i;

	for (i = 0; path != NULL && i < sizeof(src) / sizeof(src[0]); i++) {
		if (strcmp(path, src[i].path) != 0)
			continue;
		out->path = src[i].path;
		out->type = src[i].type;
		out->data = src[i].start;
		out->len = (size_t)(src[i].end - src[i].start);
		return 0;
	}
	return TR_ERR_NOTFOUND;
}
