/* rfc4733.h - RFC 4733 telephone-event payloads, a per-direction digit
 * detector, and a key-code matcher ("*99" requests a mark by phone).
 * RFC 4733 sections 2.3 (payload), 2.5 (sending rules), 3.2 (DTMF events).
 */
#ifndef TR_RFC4733_H
#define TR_RFC4733_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RFC4733_PAYLOAD_LEN   4u
#define RFC4733_CODE_MAX      15u   /* digits in a key code */

/* One telephone event (the first 4 bytes of the payload). */
struct rfc4733_event {
	uint8_t  event;            /* 0-9, 10 '*', 11 '#', 12-15 'A'-'D', others */
	uint8_t  end;              /* E bit */
	uint8_t  volume;           /* 0..63, -dBm0 */
	uint16_t duration;         /* in RTP timestamp units */
};

/* Parses a telephone-event payload. Returns 0, or TR_ERR_SHORT when it has
 * fewer than 4 bytes. */
int  rfc4733_parse(const uint8_t *p, size_t len, struct rfc4733_event *ev);
/* '0'-'9', '*', '#', 'A'-'D' for DTMF events 0..15, 0 for any other event. */
char rfc4733_digit_char(uint8_t event);

/* Per-direction (per SSRC) detector. All packets of one event carry the
 * event's RTP timestamp (its start), including the three redundant end
 * packets, so (timestamp, event) identifies a key press: each one is
 * reported once, on its first packet, whichever packets were lost. Embed
 * it and set it up with rfc4733_det_init(); it holds no resources. */
struct rfc4733_det {
	uint8_t  have;             /* an event was seen */
	uint8_t  event;            /* the last event's code */
	uint8_t  ended;            /* its end bit was seen */
	uint8_t  pad;
	uint32_t ts;               /* its RTP timestamp */
	uint16_t max_dur;          /* the largest duration seen for it */
	uint16_t pad2;
};

void rfc4733_det_init(struct rfc4733_det *);
/* Feeds one telephone-event packet (its RTP timestamp and payload). Returns
 * 1 and the event code in *eventp when it starts a new key press, 0 for a
 * packet of an event already reported (or an older, reordered one: up to
 * 96000 timestamp units back; a larger step back is taken as a new
 * timeline, e.g. an SSRC change), or TR_ERR_SHORT for a bad payload.
 * Never blocks. */
int  rfc4733_det_feed(struct rfc4733_det *, uint32_t rtp_ts, const uint8_t *p, size_t len,
                      uint8_t *eventp);

/* Matches a configured key code against a stream of digits. Embed it and
 * set it up with rfc4733_code_init(); it holds no resources. */
struct rfc4733_code {
	char     code[RFC4733_CODE_MAX + 1];
	uint8_t  len;              /* 0 = disabled */
	uint8_t  n_hist;
	char     hist[RFC4733_CODE_MAX];  /* the last len digits, oldest first */
	uint64_t gap_ns;           /* max time between digits of one code, 0 = any */
	uint64_t last_ns;          /* time of the last digit */
};

/* Sets the code (digits from "0123456789*#ABCD", case-insensitive for A-D;
 * "" or NULL disables) and the largest gap between two of its digits
 * (0 = no limit). Returns 0, or TR_ERR_CONFIG for a bad or too long code. */
int  rfc4733_code_init(struct rfc4733_code *, const char *code, uint64_t gap_ns);
/* Feeds one digit pressed at now_ns. True when it completes the code (the
 * code must then be entered again in full to match again). */
bool rfc4733_code_feed(struct rfc4733_code *, char digit, uint64_t now_ns);

#endif
