/* enc711.h - G.711 encoders (u-law and A-law) for the scenario generator.
 * ITU-T G.711; the segment tables follow the classic Sun/CCITT reference code.
 */
#ifndef TR_GEN_ENC711_H
#define TR_GEN_ENC711_H

#include <stdint.h>

/* Returns the G.711 u-law code of one 16-bit linear sample. Pure function. */
uint8_t enc711_ulaw(int16_t pcm);
/* Returns the G.711 A-law code of one 16-bit linear sample. Pure function. */
uint8_t enc711_alaw(int16_t pcm);
/* Returns the code that decodes to silence (0xff u-law, 0xd5 A-law). */
uint8_t enc711_silence(int alaw);

#endif
