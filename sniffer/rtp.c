/* rtp.c - RTP header parsing and RTCP compound validation.
 * RFC 3550 sections 5.1, 5.3.1, 6.4, appendix A.1 and A.2; RFC 3551;
 * RFC 5761 section 4.
 */
#include <string.h>
#include "rtp.h"
#include "rd.h"
#include "err.h"

int
rtp_parse(const uint8_t *p, size_t len, struct rtp_hdr *h)
{
	struct rd r = rd_make(p, len);
	uint8_t fx[RTP_HDR_MIN], pad = 0;
	uint32_t i;
	int ret = TR_ERR_SHORT;

	/* Only the fields a caller may use without checking flags are
	 * cleared: this runs once per RTP packet. */
	h->cc = 0;
	h->ext_profile = h->ext_words = 0;
	h->pad_len = 0;
	h->payload = NULL;
	h->payload_len = 0;
	/* The whole fixed header must be there, and v=2, before anything
	 * else is looked at. */
	if (rd_bytes(&r, fx, sizeof(fx)))
		goto out;
	ret = TR_ERR_INVAL;
	h->version = fx[0] >> 6;
	if (h->version != 2)
		goto out;
	h->padding = (fx[0] >> 5) & 1u;
	h->extension = (fx[0] >> 4) & 1u;
	h->marker = fx[1] >> 7;
	h->pt = fx[1] & 0x7fu;
	h->seq = (uint16_t)((uint16_t)fx[2] << 8 | fx[3]);
	h->ts = (uint32_t)fx[4] << 24 | (uint32_t)fx[5] << 16 | (uint32_t)fx[6] << 8 | fx[7];
	h->ssrc = (uint32_t)fx[8] << 24 | (uint32_t)fx[9] << 16 | (uint32_t)fx[10] << 8 | fx[11];
	h->cc = fx[0] & 0x0fu;
	ret = TR_ERR_SHORT;                  /* CSRC list */
	for (i = 0; i < h->cc; i++)
		if (rd_be32(&r, &h->csrc[i]))
			goto out;
	if (h->extension) {                  /* header extension */
		if (rd_be16(&r, &h->ext_profile) || rd_be16(&r, &h->ext_words) ||
		    rd_skip(&r, (size_t)h->ext_words * 4u))
			goto out;
	}
	if (h->padding) {
		/* The last byte counts the padding, itself included: at least 1,
		 * and no more than what follows the header. */
		ret = TR_ERR_INVAL;
		if (rd_peek_u8(&r, r.len ? r.len - 1 : 0, &pad) || pad == 0 || pad > r.len)
			goto out;
		h->pad_len = pad;
		rd_truncate(&r, r.len - pad);
	}
	h->payload = r.p;
	h->payload_len = r.len;
	ret = 0;
out:
	return ret;
}

bool
rtp_is_rtcp_pt(uint8_t byte1)
{
	return byte1 >= 192 && byte1 <= 223;
}

int
rtcp_parse(const uint8_t *p, size_t len, struct rtcp_info *info)
{
	struct rd r = rd_make(p, len), pkt;
	uint8_t b0 = 0, pt = 0, last_pad = 0, pad = 0;
	uint16_t words = 0;
	uint32_t hi = 0, lo = 0;
	int ret = TR_ERR_SHORT;

	memset(info, 0, sizeof(*info));
	if (r.len < RTCP_HDR_MIN)
		goto out;
	while (r.len > 0) {
		ret = TR_ERR_SHORT;
		if (rd_u8(&r, &b0) || rd_u8(&r, &pt) || rd_be16(&r, &words))
			goto out;
		ret = TR_ERR_INVAL;
		if ((b0 >> 6) != 2)
			goto out;
		if (last_pad)                /* padding only in the last packet */
			goto out;
		last_pad = (b0 >> 5) & 1u;
		ret = TR_ERR_SHORT;
		if (rd_sub(&r, (size_t)words * 4u, &pkt))
			goto out;
		if (last_pad) {              /* count in 1 .. the packet's body */
			ret = TR_ERR_INVAL;
			if (pkt.len == 0 || rd_peek_u8(&pkt, pkt.len - 1, &pad) ||
			    pad == 0 || pad > pkt.len)
				goto out;
		}
		if (info->n_packets == 0) {
			ret = TR_ERR_INVAL;
			if ((pt != RTCP_PT_SR && pt != RTCP_PT_RR) || last_pad)
				goto out;
			info->first_pt = pt;
			info->rc = b0 & 0x1fu;
			ret = TR_ERR_SHORT;
			if (rd_be32(&pkt, &info->ssrc))
				goto out;
			if (pt == RTCP_PT_SR &&
			    (rd_be32(&pkt, &hi) || rd_be32(&pkt, &lo) ||
			     rd_be32(&pkt, &info->rtp_ts) ||
			     rd_be32(&pkt, &info->sender_packets) ||
			     rd_be32(&pkt, &info->sender_octets)))
				goto out;
			info->ntp_ts = (uint64_t)hi << 32 | lo;
			/* the report blocks, 24 bytes each, must be there */
			if ((size_t)info->rc * 24u > pkt.len)
				goto out;
		}
		if (pt == RTCP_PT_SDES)
			info->has_sdes = 1;
		if (pt == RTCP_PT_BYE)
			info->has_bye = 1;
		info->n_packets++;
	}
	ret = 0;
out:
	return ret;
}
