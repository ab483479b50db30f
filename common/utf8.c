/* utf8.c - well-formed UTF-8 checks and the \xHH cleaning of wire text. */
#include <stdlib.h>
#include <string.h>
#include "utf8.h"

size_t
utf8_char_len(const unsigned char *p, size_t avail)
{
	uint32_t cp;
	size_t n, i;

	if (avail == 0 || p[0] == 0)
		return 0;
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		cp = p[0] & 0x1fu;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		cp = p[0] & 0x0fu;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		cp = p[0] & 0x07u;
	} else
		return 0;
	for (i = 1; i < n; i++) {
		if (i >= avail || (p[i] & 0xc0u) != 0x80u)
			return 0;
		cp = cp << 6 | (p[i] & 0x3fu);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

bool
utf8_clean(char *dst, size_t dstsz, const char *src, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)src;
	size_t i = 0, o = 0, k;

	if (dstsz == 0)
		return src != NULL && n > 0 && src[0] != '\0';
	if (src != NULL)
		while (i < n && p[i] != 0) {
			if ((k = utf8_char_len(p + i, n - i)) != 0) {
				if (o + k >= dstsz)
					break;
				memcpy(dst + o, p + i, k);
				o += k;
				i += k;
				continue;
			}
			if (o + 4 >= dstsz)
				break;
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[p[i] >> 4];
			dst[o++] = hex[p[i] & 15];
			i++;
		}
	dst[o] = '\0';
	return src != NULL && i < n && p[i] != 0;
}

bool
utf8_clean_inplace(char *buf, size_t bufsz)
{
	char tmp[UTF8_INPLACE_MAX];
	size_t len;

	if (bufsz == 0)
		return false;
	len = strnlen(buf, bufsz);
	if (len == bufsz)               /* not terminated: cut it here */
		buf[--len] = '\0';
	if (utf8_valid(buf, len))
		return false;
	if (bufsz > sizeof tmp) {
		for (len = 0; utf8_char_len((const unsigned char *)buf + len, bufsz - len) != 0;)
			len += utf8_char_len((const unsigned char *)buf + len, bufsz - len);
		buf[len] = '\0';
		return true;
	}
	memcpy(tmp, buf, len + 1);
	return utf8_clean(buf, bufsz, tmp, len);
}

bool
utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;

	while (i < n && p[i] != 0) {
		if ((k = utf8_char_len(p + i, n - i)) == 0)
			return false;
		i += k;
	}
	return true;
}

char *
utf8_clean_dup(const char *s)
{
	size_t n = strlen(s);
	char *d = malloc(4 * n + 1);

	if (d != NULL)
		(void)utf8_clean(d, 4 * n + 1, s, n);
	return d;
}
