/* engine.h - the packet pipeline shared by the sniffer and the decoder:
 * frame -> decap -> (IP reassembly) -> SIP/SDP -> call table -> ring, and
 * RTP/RTCP -> call by media endpoint -> ring. One thread, one writer.
 * RFC 3261, 4566/8866, 3550, 3551, 4733.
 */
#ifndef TR_ENGINE_H
#define TR_ENGINE_H

#include <stdint.h>
#include <stddef.h>
#include "ring.h"

#define ENGINE_NETS_MAX 16

struct engine_net { uint8_t family; uint8_t prefix; uint8_t addr[16]; };

struct engine_conf {
	uint32_t calls_max;           /* live calls tracked (<= ring slots) */
	uint64_t media_timeout_ns;    /* a call with no media/SIP for this long ends (default 60 s) */
	uint64_t setup_timeout_ns;    /* a call stuck in setup ends after this (default 180 s) */
	uint64_t frag_timeout_ns;     /* IP reassembly timeout (default 5 s) */
	uint32_t frags_max;           /* datagrams under reassembly at once (default 1024) */
	uint32_t sip_max;             /* largest SIP message parsed (default 65535) */
	uint16_t sip_ports[8];        /* UDP ports treated as SIP; 0-terminated (default 5060) */
	/* The internal (agent) side: IP ranges, or an extension pattern such as
	 * "1???" / "2*" matched against caller/callee user parts (digits and +
	 * match themselves, ? one character, * any run; see engine_pattern_ok). */
	struct engine_net agent_nets[ENGINE_NETS_MAX];
	uint32_t n_agent_nets;
	char     agent_pattern[64];
	char     mark_code[16];       /* RFC 4733 digit sequence that requests a mark, e.g. "*99"; "" = off */
};

struct engine;

/* Fills *c with defaults: calls_max 8192, timeouts 60 s / 180 s / 5 s,
 * frags_max 1024, sip_max 65535, sip_ports {5060}, no agent rule, no mark code. */
void engine_conf_init(struct engine_conf *c);
/* True when pat is a valid agent_pattern: only digits, '+', '?' and '*'
 * ("" = no pattern). */
bool engine_pattern_ok(const char *pat);
/* Creates an engine writing into ring (borrowed; must outlive the engine).
 * calls_max is clamped to the ring's slots. All tables are allocated here:
 * engine_packet never allocates on the RTP path. NULL on a bad config
 * (mark_code, agent_pattern, calls_max 0) or no memory; the reason is logged. */
struct engine *engine_new(const struct engine_conf *, struct ring *ring);
void engine_free(struct engine *);            /* NULL-safe */

/* Restricts what is stored: from now on only calls whose Call-ID is
 * call_id (as the ring keeps it: truncated to RING_CALLID_MAX - 1 bytes)
 * get packet records; every other dialog is still followed (SIP state,
 * media endpoints, timers) and keeps its slot with metadata only, so the
 * kept call is attributed exactly as without a filter. NULL or "" stores
 * every call again. For the decoder's one-call loads. */
void engine_set_filter(struct engine *, const char *call_id);

/* Feeds one captured frame. Never fails on bad input: bad frames are counted
 * by reason in the ring header and skipped. */
void engine_packet(struct engine *, uint64_t ts_ns, const uint8_t *frame,
                   uint32_t caplen, uint32_t origlen, int dlt);
/* Timers on the capture clock: media/setup timeouts, fragment expiry, ring
 * grace. engine_packet calls it itself whenever the capture clock crosses a
 * second; a live capture calls it too when no packet arrives. */
void engine_tick(struct engine *, uint64_t now_ns);
/* End of input: ends every live call (RING_END_SHUTDOWN) at now_ns and
 * empties the call table. The calls stay in the ring for readers. */
void engine_finish(struct engine *, uint64_t now_ns);

#endif
