/* pkt.c - frame builder and pcap writer for the scenario generator.
 * RFC 791 (IPv4), RFC 768 (UDP), RFC 8200 (IPv6 and its fragment header),
 * IEEE 802.1Q / 802.1ad tags, Linux cooked capture v1 (DLT 113) and v2 (DLT 276).
 */
#include "pkt.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PKT_DLT_SLL   113
#define PKT_DLT_SLL2  276
#define PKT_QINQ_OUTER_VLAN 100
#define PKT_FILE_BUF  (4u << 20)   /* stdio buffer: the bench writes 1.4 GB */

struct pkt_writer {
	struct pkt_conf conf;
	pcap_t *pd;
	pcap_dumper_t *dump;
	FILE *f;
	char *fbuf;
	uint64_t frames, bytes;
	uint8_t dgram[PKT_DGRAM_MAX + 8];
	uint8_t frame[PKT_FRAME_MAX];
};

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

/* Ones'-complement sum (RFC 1071), not yet folded or inverted. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)(p[n - 1] << 8);
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

struct pkt_writer *pkt_writer_open(const struct pkt_conf *conf, const char *path)
{
	struct pkt_writer *w = NULL, *ret = NULL;
	int dlt = DLT_EN10MB;

	if (conf->link == PKT_LINK_SLL)
		dlt = PKT_DLT_SLL;
	else if (conf->link == PKT_LINK_SLL2)
		dlt = PKT_DLT_SLL2;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		goto out;
	w->conf = *conf;
	if ((w->pd = pcap_open_dead(dlt, 65535)) == NULL) {
		fprintf(stderr, "pcapgen: pcap_open_dead(%d) failed\n", dlt);
		goto out;
	}
	if ((w->f = fopen(path, "wb")) == NULL) {
		perror(path);
		goto out;
	}
	if ((w->fbuf = malloc(PKT_FILE_BUF)) != NULL)
		setvbuf(w->f, w->fbuf, _IOFBF, PKT_FILE_BUF);
	if ((w->dump = pcap_dump_fopen(w->pd, w->f)) == NULL) {
		fprintf(stderr, "pcapgen: %s: %s\n", path, pcap_geterr(w->pd));
		goto out;
	}
	w->f = NULL;   /* owned by the dumper now */
	ret = w;
	w = NULL;
out:
	if (w != NULL) {
		if (w->f != NULL)
			fclose(w->f);
		if (w->pd != NULL)
			pcap_close(w->pd);
		free(w->fbuf);
		free(w);
	}
	return ret;
}

int pkt_writer_close(struct pkt_writer *w)
{
	int r = 0;

	if (w == NULL)
		return 0;
	if (w->dump != NULL) {
		if (pcap_dump_flush(w->dump) != 0)
			r = -1;
		pcap_dump_close(w->dump);
	}
	if (w->pd != NULL)
		pcap_close(w->pd);
	free(w->fbuf);
	free(w);
	return r;
}

uint64_t pkt_frames(const struct pkt_writer *w) { return w->frames; }
uint64_t pkt_bytes(const struct pkt_writer *w) { return w->bytes; }

/* Writes the link-layer header for an IP packet; returns its length. */
static size_t link_hdr(const struct pkt_writer *w, uint8_t *p, const struct pkt_addr *src,
                       const struct pkt_addr *dst)
{
	uint16_t proto = w->conf.ipv6 ? 0x86dd : 0x0800;
	size_t n = 0;

	switch (w->conf.link) {
	case PKT_LINK_SLL:
		put16(p, 0);            /* packet type: to us (a mirror port sees it as such) */
		put16(p + 2, 1);        /* ARPHRD_ETHER */
		put16(p + 4, 6);        /* link-layer address length */
		memset(p + 6, 0, 8);
		memcpy(p + 6, src->mac, 6);
		put16(p + 14, proto);
		return 16;
	case PKT_LINK_SLL2:
		put16(p, proto);
		put16(p + 2, 0);        /* reserved */
		put32(p + 4, 2);        /* interface index */
		put16(p + 8, 1);        /* ARPHRD_ETHER */
		p[10] = 0;              /* packet type: to us */
		p[11] = 6;              /* address length */
		memset(p + 12, 0, 8);
		memcpy(p + 12, src->mac, 6);
		return 20;
	case PKT_LINK_ETH:
		break;
	}
	memcpy(p, dst->mac, 6);
	memcpy(p + 6, src->mac, 6);
	n = 12;
	if (w->conf.qinq) {
		put16(p + n, 0x88a8);
		put16(p + n + 2, PKT_QINQ_OUTER_VLAN);
		n += 4;
	}
	if (w->conf.vlan != 0 || w->conf.qinq) {
		put16(p + n, 0x8100);
		put16(p + n + 2, (uint16_t)(w->conf.vlan & 0x0fff));
		n += 4;
	}
	put16(p + n, proto);
	return n + 2;
}

static void emit(struct pkt_writer *w, uint64_t ts_us, size_t len)
{
	struct pcap_pkthdr h;

	memset(&h, 0, sizeof(h));
	h.ts.tv_sec = (time_t)(ts_us / 1000000u);
	h.ts.tv_usec = (suseconds_t)(ts_us % 1000000u);
	h.caplen = (bpf_u_int32)len;
	h.len = (bpf_u_int32)len;
	pcap_dump((u_char *)w->dump, &h, w->frame);
	w->frames++;
	w->bytes += len;
}

int pkt_udp(struct pkt_writer *w, uint64_t ts_us, const struct pkt_addr *src,
            const struct pkt_addr *dst, uint32_t ip_id, const uint8_t *payload,
            size_t len, int fragment)
{
	size_t ulen = len + 8, off = 0, maxfrag, lh, n;
	uint32_t sum = 0;
	uint8_t pseudo[40];
	int frames = 0;

	if (len > PKT_DGRAM_MAX)
		return -1;
	/* the whole UDP datagram first: its checksum covers all fragments */
	put16(w->dgram, src->port);
	put16(w->dgram + 2, dst->port);
	put16(w->dgram + 4, (uint16_t)ulen);
	put16(w->dgram + 6, 0);
	memcpy(w->dgram + 8, payload, len);
	if (w->conf.ipv6) {
		memcpy(pseudo, src->ip, 16);
		memcpy(pseudo + 16, dst->ip, 16);
		put32(pseudo + 32, (uint32_t)ulen);
		put32(pseudo + 36, 17);
		sum = csum_add(0, pseudo, 40);
	} else {
		memcpy(pseudo, src->ip, 4);
		memcpy(pseudo + 4, dst->ip, 4);
		pseudo[8] = 0;
		pseudo[9] = 17;
		put16(pseudo + 10, (uint16_t)ulen);
		sum = csum_add(0, pseudo, 12);
	}
	sum = csum_add(sum, w->dgram, ulen);
	{
		uint16_t c = csum_fold(sum);
		put16(w->dgram + 6, c == 0 ? 0xffff : c);
	}

	lh = link_hdr(w, w->frame, src, dst);
	/* payload bytes per fragment (a multiple of 8 except the last) */
	if (w->conf.ipv6)
		maxfrag = (PKT_MTU - 40 - 8) & ~(size_t)7;
	else
		maxfrag = (PKT_MTU - 20) & ~(size_t)7;
	if (!fragment || ulen <= maxfrag + (w->conf.ipv6 ? 8u : 0u))
		maxfrag = ulen;   /* one unfragmented datagram */

	while (off < ulen) {
		size_t chunk = ulen - off > maxfrag ? maxfrag : ulen - off;
		int more = off + chunk < ulen;
		int frag = maxfrag < ulen;
		uint8_t *ip = w->frame + lh;

		if (w->conf.ipv6) {
			size_t hl = 40 + (frag ? 8u : 0u);

			/* checked before any byte goes into frame[] (PKT_FRAME_MAX) */
			if ((n = lh + hl + chunk) > PKT_FRAME_MAX)
				return -1;
			put32(ip, 0x60000000u);
			put16(ip + 4, (uint16_t)(chunk + (frag ? 8u : 0u)));
			ip[6] = frag ? 44 : 17;
			ip[7] = 64;
			memcpy(ip + 8, src->ip, 16);
			memcpy(ip + 24, dst->ip, 16);
			if (frag) {
				ip[40] = 17;
				ip[41] = 0;
				put16(ip + 42, (uint16_t)((off & ~(size_t)7) | (more ? 1u : 0u)));
				put32(ip + 44, ip_id);
			}
			memcpy(ip + hl, w->dgram + off, chunk);
		} else {
			if ((n = lh + 20 + chunk) > PKT_FRAME_MAX)
				return -1;
			put16(ip, 0x4500);
			put16(ip + 2, (uint16_t)(20 + chunk));
			put16(ip + 4, (uint16_t)ip_id);
			put16(ip + 6, (uint16_t)((more ? 0x2000u : 0u) | (frag ? (off >> 3) : 0u)
			                        | (frag ? 0u : 0x4000u)));  /* DF when whole */
			ip[8] = 64;
			ip[9] = 17;
			put16(ip + 10, 0);
			memcpy(ip + 12, src->ip, 4);
			memcpy(ip + 16, dst->ip, 4);
			put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
			memcpy(ip + 20, w->dgram + off, chunk);
		}
		emit(w, ts_us + (uint64_t)frames, n);
		frames++;
		off += chunk;
	}
	return frames;
}
