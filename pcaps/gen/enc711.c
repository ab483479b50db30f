/* enc711.c - G.711 u-law / A-law encoders.
 * ITU-T G.711 (11/88). Segment search as in the Sun/CCITT reference g711.c:
 * u-law works on the 14-bit sample with a bias of 33 (0x84 in 16-bit
 * terms), A-law on the 13-bit magnitude. Both codes are transmitted with the
 * even bits inverted (A-law, mask 0x55) or all bits inverted (u-law).
 */
#include "enc711.h"

#define G711_ULAW_BIAS 0x84    /* 33 << 2: the u-law bias in 16-bit units */
#define G711_ULAW_CLIP 8159    /* largest 14-bit magnitude before adding the bias */

uint8_t enc711_ulaw(int16_t pcm)
{
	static const int seg_end[8] = { 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff, 0x1fff };
	int v = pcm >> 2, mask, seg;   /* 14-bit sample, as G.711 defines u-law */

	if (v < 0) {
		v = -v;
		mask = 0x7f;
	} else {
		mask = 0xff;
	}
	if (v > G711_ULAW_CLIP)
		v = G711_ULAW_CLIP;
	v += G711_ULAW_BIAS >> 2;
	for (seg = 0; seg < 8 && v > seg_end[seg]; seg++)
		;
	if (seg >= 8)
		return (uint8_t)(0x7f ^ mask);
	return (uint8_t)(((seg << 4) | ((v >> (seg + 1)) & 0x0f)) ^ mask);
}

uint8_t enc711_alaw(int16_t pcm)
{
	static const int seg_end[8] = { 0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff };
	int v = pcm >> 3, mask, seg;
	uint8_t aval;

	if (v >= 0) {
		mask = 0xd5;
	} else {
		mask = 0x55;
		v = -v - 1;
	}
	for (seg = 0; seg < 8 && v > seg_end[seg]; seg++)
		;
	if (seg >= 8)
		return (uint8_t)(0x7f ^ mask);
	aval = (uint8_t)(seg << 4);
	if (seg < 2)
		aval |= (uint8_t)((v >> 1) & 0x0f);
	else
		aval |= (uint8_t)((v >> seg) & 0x0f);
	return (uint8_t)(aval ^ mask);
}

uint8_t enc711_silence(int alaw)
{
	return alaw ? 0xd5 : 0xff;
}
