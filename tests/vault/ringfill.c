/* ringfill.c - test helper for tests/vault/run.sh: creates a named shm ring
 * and plays the sniffer's part, driven by lines on stdin:
 *   call CALLID CALLER CALLEE AGENT   -> prints "SLOT GEN" (INVITE stored, call active);
 *                                        %XX in CALLER is the byte XX (bytes that are
 *                                        not UTF-8, as an older sniffer would store them)
 *   rtp SLOT N                        -> N 20 ms G.711u packets each way (440 / 1000 Hz)
 *   end SLOT                          -> BYE stored, call ended
 *   headlost SLOT                     -> flags the call's head as overwritten
 *   free SLOT                         -> frees the call now (unless pinned): prints rc
 *   phone SLOT                        -> sets RING_MK_REQ_PHONE
 *   mark SLOT                         -> prints the mark word flags
 *   quit
 * Every reply line is flushed. Test code only.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "sniffer/ring.h"
#include "decoder/g711.h"
#include "../unit/frames.h"

#define SLOTS_MAX 64

struct callst {
	struct ring_call c;
	uint16_t seq[2];
	uint32_t ts[2];
	uint64_t t;
	double ph[2];
};

static uint64_t
now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void
put(struct ring *r, uint32_t slot, struct callst *cs, struct frame *f, uint8_t kind, uint8_t dir)
{
	struct ring_rec rec;
	memset(&rec, 0, sizeof rec);
	rec.ts_ns = cs->t;
	rec.caplen = rec.origlen = f->len;
	rec.link_type = 1;
	rec.kind = kind;
	rec.dir = dir;
	rec.l5_off = 42;
	rec.l5_len = (uint16_t)(f->len - 42);
	if (ring_call_append(r, slot, &rec, f->b) != 0)
		printf("append failed\n");
}

int
main(int argc, char **argv)
{
	struct ring_conf conf = { NULL, 8u << 20, 256, 65536, UINT64_MAX, 0600, 0, 0 };
	static struct callst calls[256];
	struct ring *r = NULL;
	char line[1024];

	if (argc != 2) {
		fprintf(stderr, "usage: ringfill /shm-name\n");
		return 2;
	}
	conf.name = argv[1];
	if (ring_create(&conf, &r) != 0) {
		fprintf(stderr, "ring_create failed\n");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	while (fgets(line, sizeof line, stdin) != NULL) {
		char a[256], b[96], c[96], d[96];
		unsigned slot = 0, n = 0;
		if (sscanf(line, "call %255s %95s %95s %95s", a, b, c, d) == 4) {
			struct ring_call rc;
			struct callst *cs;
			struct frame f;
			char sip[2048];
			uint32_t s;
			memset(&rc, 0, sizeof rc);
			snprintf(rc.call_id, sizeof rc.call_id, "%s", a);
			snprintf(rc.from_tag, sizeof rc.from_tag, "tag-%.80s", a);
			{
				size_t i, o = 0;
				unsigned x;
				for (i = 0; b[i] != '\0' && o + 1 < sizeof rc.caller; i++) {
					if (b[i] == '%' && sscanf(b + i + 1, "%2x", &x) == 1) {
						rc.caller[o++] = (char)x;
						i += 2;
					} else
						rc.caller[o++] = b[i];
				}
				rc.caller[o] = '\0';
			}
			snprintf(rc.callee, sizeof rc.callee, "%s", c);
			snprintf(rc.agent, sizeof rc.agent, "%s", d);
			rc.state = RING_ST_ACTIVE;
			rc.t_first = now_ns();
			rc.t_answer = rc.t_first;
			rc.link_type = 1;
			rc.n_media = 2;
			rc.media[0].family = 4; rc.media[0].side = RING_SIDE_CALLER; rc.media[0].port = 40000;
			rc.media[0].rtcp_port = 40001;
			inet_pton(AF_INET, "10.0.0.1", rc.media[0].addr);
			rc.media[1].family = 4; rc.media[1].side = RING_SIDE_CALLEE; rc.media[1].port = 50000;
			rc.media[1].rtcp_port = 50001;
			inet_pton(AF_INET, "10.0.0.2", rc.media[1].addr);
			rc.n_pt = 1;
			rc.pt[0].pt = 0; rc.pt[0].used = 1; rc.pt[0].channels = 1; rc.pt[0].clock_rate = 8000;
			snprintf(rc.pt[0].name, sizeof rc.pt[0].name, "PCMU");
			if (ring_call_new(r, &rc, &s) != 0) {
				printf("error\n");
				fflush(stdout);
				continue;
			}
			cs = &calls[s];
			memset(cs, 0, sizeof *cs);
			ring_call_read(r, s, &cs->c);
			cs->t = rc.t_first;
			snprintf(sip, sizeof sip, "INVITE sip:%s@10.0.0.2 SIP/2.0\r\nCall-ID: %s\r\n"
			         "From: <sip:%s@10.0.0.1>;tag=tag-%s\r\nTo: <sip:%s@10.0.0.2>\r\n"
			         "Content-Length: 0\r\n\r\n", c, a, b, a, c);
			fr_udp4(&f, "10.0.0.1", 5060, "10.0.0.2", 5060, sip, strlen(sip));
			put(r, s, cs, &f, RING_K_SIP, RING_DIR_FWD);
			printf("%u %u\n", s, cs->c.gen);
		} else if (sscanf(line, "rtp %u %u", &slot, &n) == 2 && slot < 256) {
			struct callst *cs = &calls[slot];
			unsigned i, k, dir;
			for (i = 0; i < n; i++) {
				for (dir = 0; dir < 2; dir++) {
					uint8_t pkt[12 + 160];
					struct frame f;
					double fr = dir == 0 ? 440.0 : 1000.0;
					fr_rtp(pkt, 0, 0, cs->seq[dir]++, cs->ts[dir], dir ? 0xbbbb : 0xaaaa, 160, 0);
					for (k = 0; k < 160; k++) {
						pkt[12 + k] = g711_linear_to_ulaw((int16_t)(8000.0 * sin(cs->ph[dir])));
						cs->ph[dir] += 2 * M_PI * fr / 8000.0;
					}
					cs->ts[dir] += 160;
					if (dir == 0)
						fr_udp4(&f, "10.0.0.1", 40000, "10.0.0.2", 50000, pkt, sizeof pkt);
					else
						fr_udp4(&f, "10.0.0.2", 50000, "10.0.0.1", 40000, pkt, sizeof pkt);
					put(r, slot, cs, &f, RING_K_RTP, dir ? RING_DIR_REV : RING_DIR_FWD);
				}
				cs->t += 20000000ULL;
			}
			printf("ok\n");
		} else if (sscanf(line, "end %u", &slot) == 1 && slot < 256) {
			struct callst *cs = &calls[slot];
			struct ring_call rc;
			struct frame f;
			const char *bye = "BYE sip:x SIP/2.0\r\nContent-Length: 0\r\n\r\n";
			fr_udp4(&f, "10.0.0.1", 5060, "10.0.0.2", 5060, bye, strlen(bye));
			put(r, slot, cs, &f, RING_K_SIP, RING_DIR_FWD);
			ring_call_read(r, slot, &rc);
			rc.state = RING_ST_ENDED;
			rc.end_reason = RING_END_BYE;
			rc.t_end = cs->t;
			rc.t_last = cs->t;
			printf("%s\n", ring_call_update(r, slot, &rc) == 0 ? "ok" : "error");
		} else if (sscanf(line, "headlost %u", &slot) == 1) {
			struct ring_call rc;
			ring_call_read(r, slot, &rc);
			rc.flags |= RING_CF_HEAD_LOST;
			printf("%s\n", ring_call_update(r, slot, &rc) == 0 ? "ok" : "error");
		} else if (sscanf(line, "free %u", &slot) == 1) {
			printf("%d\n", ring_call_free(r, slot));
		} else if (sscanf(line, "phone %u", &slot) == 1) {
			printf("%d\n", ring_mark_request(r, slot, calls[slot].c.gen));
		} else if (sscanf(line, "mark %u", &slot) == 1) {
			printf("%u\n", (unsigned)(ring_mark_get(r, slot) & 0xffffffffu));
		} else if (strncmp(line, "quit", 4) == 0) {
			break;
		} else {
			printf("?\n");
		}
		fflush(stdout);
	}
	ring_close(r);
	return 0;
}
