/* g711.h - ITU-T G.711 u-law and A-law expansion to 16-bit linear PCM.
 * ITU-T G.711; RFC 3551 section 4.5.14 (PCMU = PT 0, PCMA = PT 8).
 */
#ifndef TR_G711_H
#define TR_G711_H

#include <stddef.h>
#include <stdint.h>

/* Expands n u-law (or A-law) bytes from in into n samples at out.
 * Returns n. Never fails; every byte value is a valid code word. */
size_t g711_ulaw_decode(const uint8_t *in, size_t n, int16_t *out, size_t out_stride);
size_t g711_alaw_decode(const uint8_t *in, size_t n, int16_t *out, size_t out_stride);

/* Single-sample expansion and compression (tests, tone generators). */
int16_t g711_ulaw_to_linear(uint8_t u);
int16_t g711_alaw_to_linear(uint8_t a);
uint8_t g711_linear_to_ulaw(int16_t pcm);
uint8_t g711_linear_to_alaw(int16_t pcm);

#endif
