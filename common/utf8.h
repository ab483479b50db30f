/* utf8.h - well-formed UTF-8 (RFC 3629) for text that comes from the wire.
 *
 * SIP lets a caller put any bytes in From, To, Call-ID and tags; the JSON
 * that the vault and the web UI write refuses text that is not UTF-8. So
 * every such string is made clean once, where it enters: well-formed UTF-8
 * is kept, every other byte is written as the four characters \xHH. The
 * result is valid UTF-8, and cleaning it again changes nothing.
 */
#ifndef TR_UTF8_H
#define TR_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Length (1..4) of the well-formed UTF-8 character at p, looking at no
 * more than avail bytes; 0 when there is none (a stray, overlong,
 * surrogate or out-of-range sequence, a NUL, or avail 0). */
size_t utf8_char_len(const unsigned char *p, size_t avail);
/* Reads at most n bytes of src (stopping at a NUL) and writes them to dst
 * (dstsz bytes, always terminated when dstsz > 0): well-formed UTF-8 as it
 * is, every other byte as "\x" and two lower-case hex digits. Never cuts a
 * character or an escape. Returns true when not all of the input fitted. */
bool utf8_clean(char *dst, size_t dstsz, const char *src, size_t n);
/* The same for the C string in buf (bufsz bytes, at most UTF8_INPLACE_MAX;
 * a larger buffer that is not well-formed is cut at its first bad byte).
 * A string that is not terminated within bufsz is cut to bufsz - 1 first. */
#define UTF8_INPLACE_MAX 1024
bool utf8_clean_inplace(char *buf, size_t bufsz);
/* A cleaned copy of the C string s (malloc'd; NULL when out of memory). */
char *utf8_clean_dup(const char *s);
/* True when the first n bytes of s (stopping at a NUL) are well-formed. */
bool utf8_valid(const char *s, size_t n);

#endif
