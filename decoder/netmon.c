/* netmon.c - Microsoft Network Monitor capture files (1.x and 2.x).
 * Layout after Wireshark wiretap/netmon.c; all fields little-endian.
 */
#include <pcap/dlt.h>
#include <string.h>
#include <time.h>

#include "common/err.h"
#include "common/rd.h"
#include "decoder/netmon.h"

#define NETMON_NS_PER_S  UINT64_C(1000000000)

static int netmon_dlt(uint16_t network)
{
	switch (network) {
	case 1:                 /* Ethernet */
		return DLT_EN10MB;
	case 6:                 /* IEEE 802.11 without radio header */
		return DLT_IEEE802_11;
	default:
		return -1;
	}
}

bool netmon_is(const uint8_t *p, size_t len)
{
	return len >= 4 && (!memcmp(p, "RTSS", 4) || !memcmp(p, "GMBU", 4));
}

int netmon_open(struct netmon *nm, const uint8_t *p, size_t len)
{
	struct rd r = rd_make(p, len);
	uint16_t network = 0, st[8] = { 0 };
	uint32_t table_len = 0;
	struct tm tm;
	time_t t;
	int ret = TR_ERR_INVAL;

	memset(nm, 0, sizeof(*nm));
	if (!netmon_is(p, len))
		goto out;
	if ((ret = rd_skip(&r, 4)) != 0 || (ret = rd_u8(&r, &nm->minor)) != 0 ||
	    (ret = rd_u8(&r, &nm->major)) != 0 || (ret = rd_le16(&r, &network)) != 0)
		goto out;
	/* SYSTEMTIME: year, month, day of week, day, hour, minute, second, ms */
	for (int i = 0; i < 8; i++)
		if ((ret = rd_le16(&r, &st[i])) != 0)
			goto out;
	if ((ret = rd_le32(&r, &nm->table_off)) != 0 || (ret = rd_le32(&r, &table_len)) != 0)
		goto out;
	ret = TR_ERR_INVAL;
	if ((nm->major != 1 && nm->major != 2) || memcmp(p, nm->major == 1 ? "RTSS" : "GMBU", 4))
		goto out;
	if (nm->table_off > len || table_len > len - nm->table_off)
		goto out;
	if (st[1] < 1 || st[1] > 12 || st[3] > 31 || st[4] > 23 || st[5] > 59 || st[6] > 60 ||
	    st[7] > 999)
		goto out;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = st[0] - 1900;
	tm.tm_mon = st[1] - 1;
	tm.tm_mday = st[3] ? st[3] : 1;
	tm.tm_hour = st[4];
	tm.tm_min = st[5];
	tm.tm_sec = st[6];
	if ((t = timegm(&tm)) < 0)
		t = 0;
	nm->start_ns = (uint64_t)t * NETMON_NS_PER_S + (uint64_t)st[7] * 1000000u;
	nm->p = p;
	nm->len = len;
	nm->n_frames = table_len / 4;
	nm->dlt = netmon_dlt(network);
	ret = 0;
out:
	return ret;
}

int netmon_next(struct netmon *nm, struct netmon_frame *f)
{
	struct rd r, tab;
	uint32_t off = 0;
	int ret;

	if (nm->next >= nm->n_frames)
		return 0;
	tab = rd_make(nm->p + nm->table_off, nm->len - nm->table_off);
	if ((ret = rd_skip(&tab, 4u * (size_t)nm->next)) != 0 || (ret = rd_le32(&tab, &off)) != 0)
		return ret;
	nm->next++;
	if (off > nm->len)
		return TR_ERR_SHORT;
	r = rd_make(nm->p + off, nm->len - off);
	memset(f, 0, sizeof(*f));
	f->dlt = nm->dlt;
	if (nm->major == 1) {
		uint32_t ms = 0;
		uint16_t orig = 0, incl = 0;

		if ((ret = rd_le32(&r, &ms)) != 0 || (ret = rd_le16(&r, &orig)) != 0 ||
		    (ret = rd_le16(&r, &incl)) != 0)
			return ret;
		f->ts_ns = nm->start_ns + (uint64_t)ms * 1000000u;
		f->origlen = orig;
		f->caplen = incl;
	} else {
		uint64_t us = 0;

		if ((ret = rd_le64(&r, &us)) != 0 || (ret = rd_le32(&r, &f->origlen)) != 0 ||
		    (ret = rd_le32(&r, &f->caplen)) != 0)
			return ret;
		/* clamp absurd deltas instead of overflowing: 100 years */
		if (us > UINT64_C(3155760000000000))
			us = UINT64_C(3155760000000000);
		f->ts_ns = nm->start_ns + us * 1000u;
	}
	if (f->caplen > r.len)
		return TR_ERR_SHORT;
	f->data = r.p;
	/* 2.1+: a trailer after the bytes names the frame's own network type */
	if (nm->major == 2 && nm->minor >= 1) {
		uint16_t network = 0;

		if (rd_skip(&r, f->caplen) == 0 && rd_le16(&r, &network) == 0 &&
		    netmon_dlt(network) >= 0)
			f->dlt = netmon_dlt(network);
	}
	if (f->origlen < f->caplen)
		f->origlen = f->caplen;
	return 1;
}
