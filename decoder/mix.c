/* mix.c - placing decoded payloads into the stereo output buffer. */
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "decoder/mix.h"

/* Largest payload decoded through the bounce buffer (a jumbo frame of
 * 1-byte-per-sample audio fits). */
#define MIX_BOUNCE_MAX 16384

int mix_init(struct mix *m, size_t frames, uint32_t rate)
{
	memset(m, 0, sizeof(*m));
	m->rate = rate;
	if (frames > MIX_FRAMES_MAX)
		return TR_ERR_LIMIT;
	/* one extra frame so a zero-length call still has a valid buffer */
	if (!(m->pcm = calloc((frames + 1) * MIX_CHANNELS, sizeof(int16_t))))
		return TR_ERR_NOMEM;
	m->frames = frames;
	return 0;
}

void mix_clear(struct mix *m)
{
	if (!m)
		return;
	free(m->pcm);
	m->pcm = NULL;
	m->frames = 0;
}

/* The rare path (a payload that does not lie wholly inside the buffer),
 * apart: its 32 KiB bounce buffer is zeroed on entry
 * (-ftrivial-auto-var-init=zero), which in mix_put itself cost a 32 KiB
 * memset per packet, 90 % of a WAV export. */
static __attribute__((noinline)) size_t
mix_put_clipped(struct mix *m, unsigned ch, int64_t pos, const struct codec *c,
                const uint8_t *payload, size_t len)
{
	int16_t bounce[MIX_BOUNCE_MAX];
	size_t n, skip, room;

	n = c->decode(payload, len, bounce, MIX_BOUNCE_MAX, 1);
	skip = pos < 0 ? (size_t)(-pos < (int64_t)n ? -pos : (int64_t)n) : 0;
	m->clipped += skip;
	if (pos < 0)
		pos = 0;
	room = (uint64_t)pos < m->frames ? m->frames - (size_t)pos : 0;
	for (size_t i = skip; i < n; i++) {
		size_t k = i - skip;

		if (k >= room) {
			m->clipped += n - i;
			break;
		}
		m->pcm[((size_t)pos + k) * MIX_CHANNELS + ch] = bounce[i];
	}
	return n;
}

size_t mix_put(struct mix *m, unsigned ch, int64_t pos, const struct codec *c,
               const uint8_t *payload, size_t len)
{
	size_t n;

	if (!m->pcm || ch >= MIX_CHANNELS || !c || !c->decode || !payload)
		return 0;
	n = c->samples_per_byte ? len * c->samples_per_byte : MIX_BOUNCE_MAX;
	if (pos >= 0 && (uint64_t)pos + n <= m->frames)
		/* the common case: straight into the interleaved buffer */
		return c->decode(payload, len, m->pcm + (size_t)pos * MIX_CHANNELS + ch, n,
		                 MIX_CHANNELS);
	return mix_put_clipped(m, ch, pos, c, payload, len);
}
