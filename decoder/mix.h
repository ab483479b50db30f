/* mix.h - the output buffer: interleaved 16-bit PCM, one channel per call
 * direction (0 = left = caller->callee, 1 = right = callee->caller),
 * silence wherever no packet was placed.
 */
#ifndef TR_MIX_H
#define TR_MIX_H

#include <stddef.h>
#include <stdint.h>

#include "decoder/codec.h"

#define MIX_CHANNELS   2
#define MIX_FRAMES_MAX (4ull * 3600 * 48000)   /* 4 hours at 48 kHz */

struct mix {
	int16_t *pcm;           /* frames * MIX_CHANNELS samples, zeroed at init */
	size_t   frames;
	uint32_t rate;
	uint64_t clipped;       /* samples that fell outside [0, frames) */
};

/* Allocates a silent buffer of frames frames. Returns 0, TR_ERR_LIMIT
 * (beyond MIX_FRAMES_MAX) or TR_ERR_NOMEM. Undo with mix_clear. */
int  mix_init(struct mix *, size_t frames, uint32_t rate);
void mix_clear(struct mix *);            /* frees pcm; safe twice */

/* Decodes one payload with codec (an audio row, same sample rate as the
 * mix) into channel ch starting at frame pos; later packets overwrite
 * earlier ones where they overlap. Samples outside the buffer are
 * counted in clipped. Returns the samples the payload held. */
size_t mix_put(struct mix *, unsigned ch, int64_t pos, const struct codec *,
               const uint8_t *payload, size_t len);

#endif
