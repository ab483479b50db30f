/* test_ipfrag.c - IPv4/IPv6 UDP reassembly: order, duplicates (also after
 * completion), overlaps, timeout, limits, id reuse, kept original frames. */
#include <stdlib.h>
#include <pcap/dlt.h>
#include "err.h"
#include "decap.h"
#include "ipfrag.h"
#include "pktbuild.h"
#include "test.h"

#define SEC 1000000000ull
#define FRAMES_MAX 64

struct frame { uint8_t *b; size_t n; };

struct dgram {
	uint8_t udp[70000];        /* the UDP datagram: header + payload */
	size_t len;
	struct frame f[FRAMES_MAX];
	size_t n;
};

static void
dgram_clear(struct dgram *d)
{
	size_t i;
	for (i = 0; i < d->n; i++)
		free(d->f[i].b);
	d->n = 0;
}

static void
make_udp(struct dgram *d, size_t payload, uint8_t seed)
{
	static struct pb p;
	p.n = 0;
	pb_udp(&p, 5060, 5070, (uint16_t)(8 + payload));
	pb_payload(&p, payload, seed);
	memcpy(d->udp, p.b, p.n);
	d->len = p.n;
}

static void
add_frame(struct dgram *d, const struct pb *p)
{
	d->f[d->n].b = malloc(p->n);
	memcpy(d->f[d->n].b, p->b, p->n);
	d->f[d->n].n = p->n;
	d->n++;
}

/* Ethernet + IPv4 fragments of at most chunk data bytes. */
static void
frag4(struct dgram *d, size_t payload, size_t chunk, uint16_t id, uint8_t seed)
{
	static struct pb p;
	size_t off, n;

	dgram_clear(d);
	make_udp(d, payload, seed);
	for (off = 0; off < d->len; off += n) {
		int more;
		n = d->len - off > chunk ? chunk : d->len - off;
		more = off + n < d->len;
		p.n = 0;
		pb_eth(&p, 0x0800, NULL, 0);
		pb_ipv4(&p, 17, 0x0a000001u, 0x0a000002u, (uint16_t)(20 + n), id,
		        (uint16_t)((more ? 0x2000 : 0) | (off / 8)), 0);
		pb_mem(&p, d->udp + off, n);
		add_frame(d, &p);
	}
}

/* Ethernet + IPv6 (with a destination-options header) + fragment header. */
static void
frag6(struct dgram *d, size_t payload, size_t chunk, uint32_t id, uint8_t seed)
{
	static struct pb p;
	size_t off, n;

	dgram_clear(d);
	make_udp(d, payload, seed);
	for (off = 0; off < d->len; off += n) {
		int more;
		n = d->len - off > chunk ? chunk : d->len - off;
		more = off + n < d->len;
		p.n = 0;
		pb_eth(&p, 0x86dd, NULL, 0);
		pb_ipv6(&p, 60, (uint16_t)(8 + 8 + n), PB_V6A, PB_V6B);
		pb_u8(&p, 44); pb_u8(&p, 0); pb_fill(&p, 1, 6);
		pb_u8(&p, 17); pb_u8(&p, 0); pb_u16(&p, (uint16_t)(off | (more ? 1 : 0)));
		pb_u32(&p, id);
		pb_mem(&p, d->udp + off, n);
		add_frame(d, &p);
	}
}

static int
feed(struct ipfrag *ipf, uint64_t ts, const struct frame *f, struct ipfrag_done *done)
{
	struct decap_pkt pkt;
	int r = decap_frame(DLT_EN10MB, f->b, f->n, &pkt);
	if (r != 0 || !pkt.is_fragment)
		return -100;
	return ipfrag_add(ipf, ts, &pkt, f->b, (uint32_t)f->n, (uint32_t)f->n + 4, done);
}

/* The reassembled packet parses, has a valid header, and carries d's UDP. */
static void
check_done(const struct ipfrag_done *done, const struct dgram *d, int family)
{
	struct decap_pkt o;

	ASSERT_TRUE(done->ip != NULL);
	if (!done->ip)
		return;
	ASSERT_INT_EQ(decap_ip(done->ip, done->ip_len, &o), 0);
	ASSERT_INT_EQ(o.family, family);
	ASSERT_INT_EQ(o.is_fragment, 0);
	ASSERT_INT_EQ(o.proto, 17);
	ASSERT_INT_EQ(o.sport, 5060);
	ASSERT_INT_EQ(o.dport, 5070);
	ASSERT_INT_EQ(o.l5_len, d->len - 8);
	if (o.l5_len == d->len - 8)
		ASSERT_MEM_EQ(o.l5, d->udp + 8, d->len - 8);
	if (family == 4) {
		uint16_t sum = pb_csum(done->ip, 20);
		ASSERT_INT_EQ(sum, 0);
		ASSERT_INT_EQ(done->ip_len, 20 + d->len);
	} else {
		ASSERT_INT_EQ(done->ip_len, 40 + d->len);
	}
}

static void
test_in_order(struct dgram *d)
{
	struct ipfrag *ipf = ipfrag_new(16, 5 * SEC);
	struct ipfrag_done done;
	struct ipfrag_stats st;
	size_t i;

	TEST_START("ipv4 in order");
	frag4(d, 3000, 1480, 0x1111, 1);
	ASSERT_INT_EQ(d->n, 3);
	ASSERT_INT_EQ(feed(ipf, 100, &d->f[0], &done), IPFRAG_BUFFERED);
	ASSERT_INT_EQ(feed(ipf, 200, &d->f[1], &done), IPFRAG_BUFFERED);
	ASSERT_INT_EQ(feed(ipf, 300, &d->f[2], &done), IPFRAG_DONE);
	check_done(&done, d, 4);
	ASSERT_INT_EQ(done.n_frames, 3);
	ASSERT_U64_EQ(done.serial, 1);
	for (i = 0; i < done.n_frames && i < 3; i++) {
		ASSERT_U64_EQ(done.frames[i].ts_ns, 100 * (i + 1));
		ASSERT_INT_EQ(done.frames[i].caplen, d->f[i].n);
		ASSERT_INT_EQ(done.frames[i].origlen, d->f[i].n + 4);
		ASSERT_MEM_EQ(done.frames[i].bytes, d->f[i].b, d->f[i].n);
	}
	ipfrag_get_stats(ipf, &st);
	ASSERT_U64_EQ(st.fragments, 3);
	ASSERT_U64_EQ(st.completed, 1);
	ASSERT_U64_EQ(st.in_progress, 0);
	TEST_DONE();

	TEST_START("ipv4 out of order");
	frag4(d, 4000, 1000, 0x2222, 2);
	ASSERT_INT_EQ(d->n, 5);
	ASSERT_INT_EQ(feed(ipf, 1, &d->f[4], &done), IPFRAG_BUFFERED);
	ASSERT_INT_EQ(feed(ipf, 2, &d->f[2], &done), IPFRAG_BUFFERED);
	ASSERT_INT_EQ(feed(ipf, 3, &d->f[0], &done), IPFRAG_BUFFERED);
	ASSERT_INT_EQ(feed(ipf, 4, &d->f[3], &done), IPFRAG_BUFFERED);
	ASSERT_INT_EQ(feed(ipf, 5, &d->f[1], &done), IPFRAG_DONE);
	check_done(&done, d, 4);
	ASSERT_INT_EQ(done.n_frames, 5);
	ASSERT_U64_EQ(done.serial, 2);
	/* frames come back in arrival order */
	ASSERT_MEM_EQ(done.frames[0].bytes, d->f[4].b, d->f[4].n);
	ASSERT_MEM_EQ(done.frames[4].bytes, d->f[1].b, d->f[1].n);
	TEST_DONE();

	TEST_START("two datagrams interleaved");
	{
		static struct dgram e;
		frag4(d, 2000, 1024, 0x3333, 3);
		frag4(&e, 2500, 1024, 0x3334, 4);
		ASSERT_INT_EQ(feed(ipf, 10, &d->f[0], &done), 0);
		ASSERT_INT_EQ(feed(ipf, 11, &e.f[0], &done), 0);
		ASSERT_INT_EQ(feed(ipf, 12, &e.f[2], &done), 0);
		ASSERT_INT_EQ(feed(ipf, 13, &d->f[1], &done), IPFRAG_DONE);
		check_done(&done, d, 4);
		ASSERT_INT_EQ(feed(ipf, 14, &e.f[1], &done), IPFRAG_DONE);
		check_done(&done, &e, 4);
		dgram_clear(&e);
	}
	TEST_DONE();
	ipfrag_free(ipf);
}

static void
test_duplicates(struct dgram *d)
{
	struct ipfrag *ipf = ipfrag_new(16, 5 * SEC);
	struct ipfrag_done done;
	struct ipfrag_stats st;
	uint64_t serial;

	TEST_START("duplicate fragment keeps its frame");
	frag4(d, 3000, 1480, 0x4444, 5);
	ASSERT_INT_EQ(feed(ipf, 1, &d->f[0], &done), 0);
	ASSERT_INT_EQ(feed(ipf, 2, &d->f[0], &done), 0);
	ASSERT_INT_EQ(feed(ipf, 3, &d->f[1], &done), 0);
	ASSERT_INT_EQ(feed(ipf, 4, &d->f[1], &done), 0);
	ASSERT_INT_EQ(feed(ipf, 5, &d->f[2], &done), IPFRAG_DONE);
	check_done(&done, d, 4);
	ASSERT_INT_EQ(done.n_frames, 5);
	serial = done.serial;
	ipfrag_get_stats(ipf, &st);
	ASSERT_U64_EQ(st.duplicates, 2);
	TEST_DONE();

	TEST_START("late duplicate after completion");
	ASSERT_INT_EQ(feed(ipf, 6, &d->f[2], &done), IPFRAG_LATE_DUP);
	ASSERT_TRUE(done.ip == NULL);
	ASSERT_INT_EQ(done.n_frames, 1);
	ASSERT_U64_EQ(done.serial, serial);
	ASSERT_TRUE(done.frames[0].bytes == d->f[2].b);
	ASSERT_U64_EQ(done.frames[0].ts_ns, 6);
	ASSERT_INT_EQ(feed(ipf, 7, &d->f[0], &done), IPFRAG_LATE_DUP);
	ipfrag_get_stats(ipf, &st);
	ASSERT_U64_EQ(st.late_duplicates, 2);
	ASSERT_U64_EQ(st.in_progress, 0);
	TEST_DONE();

	TEST_START("id reused by a new datagram after completion");
	frag4(d, 3000, 1480, 0x4444, 99);    /* same key, other bytes */
	ASSERT_INT_EQ(feed(ipf, 8, &d->f[0], &done), 0);
	ASSERT_INT_EQ(feed(ipf, 9, &d->f[2], &done), 0);
	ASSERT_INT_EQ(feed(ipf, 10, &d->f[1], &done), IPFRAG_DONE);
	check_done(&done, d, 4);
	ASSERT_TRUE(done.serial != serial);
	TEST_DONE();

	TEST_START("late duplicates are forgotten after the timeout");
	ASSERT_INT_EQ(feed(ipf, 10 + 6 * SEC, &d->f[1], &done), IPFRAG_BUFFERED);
	ipfrag_get_stats(ipf, &st);
	ASSERT_U64_EQ(st.in_progress, 1);
	TEST_DONE();
	ipfrag_free(ipf);
}

static void
test_overlap(struct dgram *d)
{
	struct ipfrag *ipf = ipfrag_new(16, 5 * SEC);
	struct ipfrag_done done;
	struct ipfrag_stats st;
	struct decap_pkt pkt;
	struct frame f;

	TEST_START("partial overlap drops the datagram");
	frag4(d, 3000, 1480, 0x5555, 6);
	ASSERT_INT_EQ(feed(ipf, 1, &d->f[0], &done), 0);
	/* a fragment at offset 1000 overlapping the first one's end */
	f.n = d->f[1].n;
	f.b = malloc(f.n);
	memcpy(f.b, d->f[1].b, f.n);
	f.b[14 + 6] = 0x20; f.b[14 + 7] = 1000 / 8;
	ASSERT_INT_EQ(decap_frame(DLT_EN10MB, f.b, f.n, &pkt), 0);
	ASSERT_INT_EQ(pkt.frag_off, 1000);
	ASSERT_INT_EQ(feed(ipf, 2, &f, &done), TR_ERR_INVAL);
	ipfrag_get_stats(ipf, &st);
	ASSERT_U64_EQ(st.overlaps, 1);
	ASSERT_U64_EQ(st.in_progress, 0);
	/* the rest does not complete anything */
	ASSERT_INT_EQ(feed(ipf, 3, &d->f[1], &done), 0);
	ASSERT_INT_EQ(feed(ipf, 4, &d->f[2], &done), 0);
	TEST_DONE();

	TEST_START("same offset, other bytes is an overlap");
	frag4(d, 3000, 1480, 0x5556, 6);
	ASSERT_INT_EQ(feed(ipf, 5, &d->f[1], &done), 0);
	memcpy(f.b, d->f[1].b, f.n);
	f.b[f.n - 1] ^= 0xff;
	ASSERT_INT_EQ(feed(ipf, 6, &f, &done), TR_ERR_INVAL);
	ipfrag_get_stats(ipf, &st);
	ASSERT_U64_EQ(st.overlaps, 2);
	free(f.b);
	TEST_DONE();

	TEST_START("inconsistent last fragments");
	frag4(d, 3000, 1480, 0x5557, 6);
	ASSERT_INT_EQ(feed(ipf, 7, &d->f[2], &done), 0);
	f.n = d->f[1].n;
	f.b = malloc(f.n);
	memcpy(f.b, d->f[1].b, f.n);
	f.b[14 + 6] = 0x00;                  /* clear MF: a second, shorter end */
	ASSERT_INT_EQ(feed(ipf, 8, &f, &done), TR_ERR_INVAL);
	ipfrag_get_stats(ipf, &st);
	ASSERT_U64_EQ(st.bad, 1);
	free(f.b);
	TEST_DONE();
	ipfrag_free(ipf);
}

static void
test_timeout_limits(struct dgram *d)
{
	struct ipfrag *ipf = ipfrag_new(2, 5 * SEC);
	struct ipfrag_done done;
	struct ipfrag_stats st;
	static struct dgram e, g;

	TEST_START("timeout on the capture clock");
	frag4(d, 3000, 1480, 0x6666, 7);
	ASSERT_INT_EQ(feed(ipf, 1 * SEC, &d->f[0], &done), 0);
	ASSERT_INT_EQ(feed(ipf, 2 * SEC, &d->f[1], &done), 0);
	ipfrag_expire(ipf, 6 * SEC);         /* 5 s after the first: kept */
	ipfrag_get_stats(ipf, &st);
	ASSERT_U64_EQ(st.in_progress, 1);
	ipfrag_expire(ipf, 6 * SEC + 1);
	ipfrag_get_stats(ipf, &st);
	ASSERT_U64_EQ(st.in_progress, 0);
	ASSERT_U64_EQ(st.timeouts, 1);
	ASSERT_INT_EQ(feed(ipf, 7 * SEC, &d->f[2], &done), 0);
	TEST_DONE();

	TEST_START("timeout also runs inside ipfrag_add");
	ASSERT_INT_EQ(feed(ipf, 13 * SEC, &d->f[0], &done), 0);
	ipfrag_get_stats(ipf, &st);
	ASSERT_U64_EQ(st.timeouts, 2);
	ASSERT_U64_EQ(st.in_progress, 1);
	ipfrag_expire(ipf, 100 * SEC);
	TEST_DONE();

	TEST_START("datagram limit evicts the oldest");
	frag4(d, 3000, 1480, 0x7001, 8);
	frag4(&e, 3000, 1480, 0x7002, 9);
	frag4(&g, 3000, 1480, 0x7003, 10);
	ASSERT_INT_EQ(feed(ipf, 200 * SEC, &d->f[0], &done), 0);
	ASSERT_INT_EQ(feed(ipf, 200 * SEC, &e.f[0], &done), 0);
	ASSERT_INT_EQ(feed(ipf, 200 * SEC, &g.f[0], &done), 0);
	ipfrag_get_stats(ipf, &st);
	ASSERT_U64_EQ(st.evicted, 1);
	ASSERT_U64_EQ(st.in_progress, 2);
	ASSERT_INT_EQ(feed(ipf, 200 * SEC, &e.f[1], &done), 0);
	ASSERT_INT_EQ(feed(ipf, 200 * SEC, &e.f[2], &done), IPFRAG_DONE);
	check_done(&done, &e, 4);
	TEST_DONE();

	TEST_START("larger than 65535");
	{
		static struct pb p;
		p.n = 0;
		pb_eth(&p, 0x0800, NULL, 0);
		pb_ipv4(&p, 17, 1, 2, 20 + 32, 9, 0x2000 | (65504 / 8), 0);
		pb_payload(&p, 32, 0);
		{
			struct frame f = { p.b, p.n };
			ASSERT_INT_EQ(feed(ipf, 201 * SEC, &f, &done), TR_ERR_LIMIT);
		}
		ipfrag_get_stats(ipf, &st);
		ASSERT_U64_EQ(st.too_big, 1);
	}
	TEST_DONE();

	TEST_START("frames per datagram limit");
	frag4(d, 3000, 1480, 0x7004, 11);
	{
		uint32_t i;
		int r = 0;
		for (i = 0; i < IPFRAG_FRAMES_MAX && r == 0; i++)
			r = feed(ipf, 202 * SEC, &d->f[0], &done);
		ASSERT_INT_EQ(r, 0);
		ASSERT_INT_EQ(feed(ipf, 202 * SEC, &d->f[0], &done), TR_ERR_LIMIT);
		ipfrag_get_stats(ipf, &st);
		ASSERT_U64_EQ(st.too_big, 2);
	}
	TEST_DONE();

	TEST_START("frame bytes per datagram limit");
	frag4(d, 60000, 8000, 0x7006, 16);    /* 8034-byte frames */
	{
		uint32_t i;
		int r = 0;
		for (i = 0; i < 64 && r == 0; i++)
			r = feed(ipf, 202 * SEC, &d->f[0], &done);
		ASSERT_INT_EQ(r, TR_ERR_LIMIT);
		/* stops at the frame that would pass the limit (overheads aside) */
		ASSERT_TRUE((i - 1) * 8034 <= IPFRAG_STORE_MAX);
		ASSERT_TRUE((i + 1) * 8034 > IPFRAG_STORE_MAX);
		ipfrag_get_stats(ipf, &st);
		ASSERT_U64_EQ(st.too_big, 3);
	}
	TEST_DONE();

	TEST_START("bad fragments: not UDP, truncated capture");
	frag4(d, 3000, 1480, 0x7005, 12);
	{
		struct decap_pkt pkt;
		ASSERT_INT_EQ(decap_frame(DLT_EN10MB, d->f[1].b, d->f[1].n, &pkt), 0);
		pkt.proto = 6;
		ASSERT_INT_EQ(ipfrag_add(ipf, 203 * SEC, &pkt, d->f[1].b, (uint32_t)d->f[1].n,
		                         (uint32_t)d->f[1].n, &done), TR_ERR_UNSUPP);
		ASSERT_INT_EQ(decap_frame(DLT_EN10MB, d->f[1].b, 200, &pkt), 0);
		ASSERT_INT_EQ(ipfrag_add(ipf, 203 * SEC, &pkt, d->f[1].b, 200,
		                         (uint32_t)d->f[1].n, &done), TR_ERR_INVAL);
		ASSERT_INT_EQ(decap_frame(DLT_EN10MB, d->f[1].b, d->f[1].n, &pkt), 0);
		pkt.l5_off = 5000;           /* a view outside the frame */
		ASSERT_INT_EQ(ipfrag_add(ipf, 203 * SEC, &pkt, d->f[1].b, (uint32_t)d->f[1].n,
		                         (uint32_t)d->f[1].n, &done), TR_ERR_INVAL);
		ipfrag_get_stats(ipf, &st);
		ASSERT_U64_EQ(st.unsupported, 1);
		ASSERT_U64_EQ(st.bad, 2);
	}
	TEST_DONE();

	TEST_START("bad arguments to ipfrag_new");
	ASSERT_TRUE(ipfrag_new(0, SEC) == NULL);
	ASSERT_TRUE(ipfrag_new(IPFRAG_DATAGRAMS_MAX + 1, SEC) == NULL);
	ipfrag_free(NULL);
	TEST_DONE();
	dgram_clear(&e);
	dgram_clear(&g);
	ipfrag_free(ipf);
}

static void
test_ipv6(struct dgram *d)
{
	struct ipfrag *ipf = ipfrag_new(16, 5 * SEC);
	struct ipfrag_done done;
	size_t i;

	TEST_START("ipv6 out of order, extension header before the fragment header");
	frag6(d, 5000, 1232, 0xabcdef01u, 13);
	ASSERT_INT_EQ(d->n, 5);
	ASSERT_INT_EQ(feed(ipf, 1, &d->f[3], &done), 0);
	ASSERT_INT_EQ(feed(ipf, 2, &d->f[4], &done), 0);
	ASSERT_INT_EQ(feed(ipf, 3, &d->f[1], &done), 0);
	ASSERT_INT_EQ(feed(ipf, 4, &d->f[0], &done), 0);
	ASSERT_INT_EQ(feed(ipf, 5, &d->f[2], &done), IPFRAG_DONE);
	check_done(&done, d, 6);
	ASSERT_INT_EQ(done.n_frames, 5);
	if (done.ip) {
		struct decap_pkt o;
		decap_ip(done.ip, done.ip_len, &o);
		ASSERT_MEM_EQ(o.src, PB_V6A, 16);
		ASSERT_MEM_EQ(o.dst, PB_V6B, 16);
		ASSERT_INT_EQ(o.ttl, 63);
	}
	TEST_DONE();

	TEST_START("ipv6 in order, large");
	frag6(d, 60000, 1448, 7, 14);
	for (i = 0; i + 1 < d->n; i++)
		ASSERT_INT_EQ(feed(ipf, 10 + i, &d->f[i], &done), 0);
	ASSERT_INT_EQ(feed(ipf, 100, &d->f[d->n - 1], &done), IPFRAG_DONE);
	check_done(&done, d, 6);
	TEST_DONE();

	TEST_START("ipv6 same id from ipv4 is another datagram");
	frag4(d, 3000, 1480, 7, 15);
	ASSERT_INT_EQ(feed(ipf, 200, &d->f[0], &done), 0);
	ASSERT_INT_EQ(feed(ipf, 201, &d->f[1], &done), 0);
	ASSERT_INT_EQ(feed(ipf, 202, &d->f[2], &done), IPFRAG_DONE);
	check_done(&done, d, 4);
	TEST_DONE();
	ipfrag_free(ipf);
}

static void
test_ipv4_options(struct dgram *d)
{
	struct ipfrag *ipf = ipfrag_new(4, 5 * SEC);
	struct ipfrag_done done;
	struct decap_pkt o;
	static struct pb p;
	struct frame f[2];
	int i;

	TEST_START("ipv4 options of the first fragment are kept");
	make_udp(d, 100, 17);
	for (i = 0; i < 2; i++) {
		p.n = 0;
		pb_eth(&p, 0x0800, NULL, 0);
		if (i == 0) {
			pb_ipv4(&p, 17, 0x0a000001u, 0x0a000002u, 24 + 56, 0x8888, 0x2000, 4);
			pb_mem(&p, d->udp, 56);
		} else {
			pb_ipv4(&p, 17, 0x0a000001u, 0x0a000002u, 20 + 52, 0x8888, 56 / 8, 0);
			pb_mem(&p, d->udp + 56, 52);
		}
		f[i].b = malloc(p.n);
		memcpy(f[i].b, p.b, p.n);
		f[i].n = p.n;
	}
	ASSERT_INT_EQ(feed(ipf, 1, &f[1], &done), 0);
	ASSERT_INT_EQ(feed(ipf, 2, &f[0], &done), IPFRAG_DONE);
	ASSERT_INT_EQ(done.ip_len, 24 + 108);
	ASSERT_INT_EQ(pb_csum(done.ip, 24), 0);
	ASSERT_INT_EQ(decap_ip(done.ip, done.ip_len, &o), 0);
	ASSERT_INT_EQ(o.l3_hlen, 24);
	ASSERT_INT_EQ(o.l5_len, 100);
	ASSERT_MEM_EQ(o.l5, d->udp + 8, 100);
	free(f[0].b);
	free(f[1].b);
	TEST_DONE();
	ipfrag_free(ipf);
}

int
main(void)
{
	static struct dgram d;

	test_in_order(&d);
	test_duplicates(&d);
	test_overlap(&d);
	test_timeout_limits(&d);
	test_ipv6(&d);
	test_ipv4_options(&d);
	dgram_clear(&d);
	return TEST_EXIT();
}
