/* codec.c - the codec table and the RFC 3551 static payload types.
 * RFC 3551 section 6 (tables 4 and 5), RFC 4733, RFC 3389.
 */
#include <string.h>
#include <strings.h>

#include "decoder/codec.h"
#include "decoder/g711.h"

static size_t codec_pcmu(const uint8_t *in, size_t len, int16_t *out, size_t out_max,
                         size_t stride)
{
	return g711_ulaw_decode(in, len < out_max ? len : out_max, out, stride);
}

static size_t codec_pcma(const uint8_t *in, size_t len, int16_t *out, size_t out_max,
                         size_t stride)
{
	return g711_alaw_decode(in, len < out_max ? len : out_max, out, stride);
}

static const struct codec codec_table[] = {
	{ "PCMU",            8000, 8000, CODEC_AUDIO, codec_pcmu, 1 },
	{ "PCMA",            8000, 8000, CODEC_AUDIO, codec_pcma, 1 },
	{ "telephone-event", 0,    0,    CODEC_EVENT, NULL,       0 },
	{ "CN",              0,    0,    CODEC_CN,    NULL,       0 },
};

/* RFC 3551 table 4/5: static audio payload types (video ones are not audio
 * and decode to nothing, which is what an unknown codec gives). */
static const struct {
	uint8_t pt;
	uint32_t rate;
	const char *name;
} codec_static[] = {
	{ 0, 8000, "PCMU" }, { 3, 8000, "GSM" }, { 4, 8000, "G723" },
	{ 5, 8000, "DVI4" }, { 6, 16000, "DVI4" }, { 7, 8000, "LPC" },
	{ 8, 8000, "PCMA" }, { 9, 8000, "G722" }, { 10, 44100, "L16" },
	{ 11, 44100, "L16" }, { 12, 8000, "QCELP" }, { 13, 8000, "CN" },
	{ 14, 90000, "MPA" }, { 15, 8000, "G728" }, { 16, 11025, "DVI4" },
	{ 17, 22050, "DVI4" }, { 18, 8000, "G729" }, { 25, 90000, "CelB" },
	{ 26, 90000, "JPEG" }, { 28, 90000, "nv" }, { 31, 90000, "H261" },
	{ 32, 90000, "MPV" }, { 33, 90000, "MP2T" }, { 34, 90000, "H263" },
};

const struct codec *codec_find(const char *name, uint32_t clock_rate)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < sizeof(codec_table) / sizeof(codec_table[0]); i++) {
		const struct codec *c = &codec_table[i];

		if (strcasecmp(c->name, name) != 0)
			continue;
		/* events and CN exist at any clock rate */
		if (clock_rate && c->clock_rate && c->clock_rate != clock_rate)
			continue;
		return c;
	}
	return NULL;
}

const char *codec_static_name(uint8_t pt, uint32_t *clock_ratep)
{
	for (size_t i = 0; i < sizeof(codec_static) / sizeof(codec_static[0]); i++) {
		if (codec_static[i].pt == pt) {
			if (clock_ratep)
				*clock_ratep = codec_static[i].rate;
			return codec_static[i].name;
		}
	}
	return NULL;
}

enum codec_kind codec_kind_of(const char *name)
{
	const struct codec *c = codec_find(name, 0);

	return c ? c->kind : CODEC_UNKNOWN;
}
