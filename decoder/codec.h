/* codec.h - the decoder's codec table: RTP payload name -> PCM decoder.
 * RFC 3551 (static payload types), RFC 4733 (telephone-event), RFC 3389 (CN).
 *
 * A codec is a row {name, RTP clock rate, PCM sample rate, decode fn,
 * samples per byte}. Adding a codec = one decode function and one row in
 * codec.c. Stateless frame codecs only for now (G.711); a codec with state
 * gets a state pointer when it arrives.
 */
#ifndef TR_CODEC_H
#define TR_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CODEC_NAME_MAX 16

enum codec_kind {
	CODEC_AUDIO = 0,     /* decoded to PCM */
	CODEC_EVENT,         /* RFC 4733 telephone-event: never audio */
	CODEC_CN,            /* RFC 3389 comfort noise: rendered as silence */
	CODEC_UNKNOWN,       /* not in the table: silence, with a warning */
};

/* Decodes len payload bytes into at most out_max samples written at
 * out[0], out[stride], ...; returns the number of samples written. */
typedef size_t (*codec_decode_fn)(const uint8_t *in, size_t len, int16_t *out,
                                  size_t out_max, size_t stride);

struct codec {
	const char     *name;            /* rtpmap encoding name, e.g. "PCMU" */
	uint32_t        clock_rate;      /* RTP timestamp clock (Hz) */
	uint32_t        sample_rate;     /* rate of the PCM the decoder produces */
	enum codec_kind kind;
	codec_decode_fn decode;          /* NULL unless kind == CODEC_AUDIO */
	uint32_t        samples_per_byte;/* 0 if the codec is frame-based */
};

/* Looks a codec up by encoding name (case-insensitive) and RTP clock rate
 * (0 = any). Returns a static row, or NULL if the name is not known. */
const struct codec *codec_find(const char *name, uint32_t clock_rate);
/* The RFC 3551 name of a static payload type (0..34), or NULL. */
const char *codec_static_name(uint8_t pt, uint32_t *clock_ratep);
/* Classifies an encoding name: audio we decode, event, CN, or unknown. */
enum codec_kind codec_kind_of(const char *name);

#endif
