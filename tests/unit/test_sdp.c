/* test_sdp.c - SDP endpoints and payload-type maps: session and media c=,
 * IPv6, rtpmap and static types, a=rtcp, rtcp-mux, port 0, inactive,
 * hold, T.38, bad input. */
#include <arpa/inet.h>

#include "err.h"
#include "sdp.h"
#include "test.h"

static int parse(const char *s, struct sdp_info *i)
{
	return sdp_parse((const uint8_t *)s, strlen(s), i);
}

static void test_basic(void)
{
	struct sdp_info i;
	uint8_t a[16] = { 0 };
	const char *s =
		"v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n"
		"m=audio 4000 RTP/AVP 8 0 18 96 9\r\n"
		"a=rtpmap:96 telephone-event/8000\r\na=fmtp:96 0-15\r\na=rtcp:4009\r\n"
		"m=video 4002 RTP/AVP 97\r\na=rtpmap:97 H264/90000\r\n";

	TEST_START("audio stream, static and dynamic types, a=rtcp; video ignored");
	ASSERT_INT_EQ(parse(s, &i), 0);
	ASSERT_INT_EQ(i.n_streams, 1);
	ASSERT_INT_EQ(i.streams[0].family, 4);
	inet_pton(AF_INET, "10.0.0.1", a);
	ASSERT_MEM_EQ(i.streams[0].addr, a, 16);
	ASSERT_INT_EQ(i.streams[0].port, 4000);
	ASSERT_INT_EQ(i.streams[0].rtcp_port, 4009);
	ASSERT_INT_EQ(i.streams[0].rtcp_mux, 0);
	ASSERT_INT_EQ(i.streams[0].n_fmt, 5);
	ASSERT_INT_EQ(i.n_pt, 5);
	ASSERT_INT_EQ(i.pt[0].pt, 8);
	ASSERT_STR_EQ(i.pt[0].name, "PCMA");
	ASSERT_INT_EQ(i.pt[0].clock_rate, 8000);
	ASSERT_STR_EQ(i.pt[1].name, "PCMU");
	ASSERT_STR_EQ(i.pt[2].name, "G729");
	ASSERT_STR_EQ(i.pt[3].name, "telephone-event");
	ASSERT_INT_EQ(i.pt[3].pt, 96);
	ASSERT_STR_EQ(i.pt[4].name, "G722");
	ASSERT_TRUE(i.has_video);
	ASSERT_TRUE(!i.has_udptl);
	TEST_DONE();
}

static void test_media_level_ipv6_mux(void)
{
	struct sdp_info i;
	uint8_t a[16];
	const char *s =
		"v=0\n"
		"o=- 1 1 IN IP6 ::1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\n"
		"m=audio 5000 RTP/AVP 111\nc=IN IP6 2001:db8::7\na=rtpmap:111 opus/48000/2\na=rtcp-mux\n"
		"m=audio 0 RTP/AVP 0\n"
		"m=audio 5004 RTP/AVP 0\na=inactive\n"
		"m=audio 5006 RTP/AVP 0\nc=IN IP4 0.0.0.0\n"
		"m=image 5008 udptl t38\n"
		"m=audio 5010 RTP/AVP 0\nc=IN IP6 [2001:db8::8]\n";

	TEST_START("media-level IPv6 c=, opus, rtcp-mux, LF line ends; port 0, inactive, hold, T.38");
	ASSERT_INT_EQ(parse(s, &i), 0);
	ASSERT_INT_EQ(i.n_streams, 2);
	ASSERT_INT_EQ(i.streams[1].port, 5010);
	ASSERT_INT_EQ(i.streams[1].addr[15], 8);
	ASSERT_INT_EQ(i.streams[0].family, 6);
	inet_pton(AF_INET6, "2001:db8::7", a);
	ASSERT_MEM_EQ(i.streams[0].addr, a, 16);
	ASSERT_INT_EQ(i.streams[0].port, 5000);
	ASSERT_INT_EQ(i.streams[0].rtcp_mux, 1);
	ASSERT_INT_EQ(i.streams[0].rtcp_port, 5000);
	ASSERT_INT_EQ(i.n_pt, 2);          /* ignored m= lines add no types */
	ASSERT_STR_EQ(i.pt[0].name, "opus");
	ASSERT_STR_EQ(i.pt[1].name, "PCMU");
	ASSERT_INT_EQ(i.pt[0].clock_rate, 48000);
	ASSERT_INT_EQ(i.pt[0].channels, 2);
	ASSERT_INT_EQ(i.n_ignored, 3);
	ASSERT_TRUE(i.has_udptl);
	TEST_DONE();
}

static void test_session_inactive(void)
{
	struct sdp_info i;
	const char *s =
		"v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\na=inactive\r\n"
		"m=audio 4000 RTP/AVP 0\r\n";

	TEST_START("session-level a=inactive");
	ASSERT_INT_EQ(parse(s, &i), 0);
	ASSERT_INT_EQ(i.n_streams, 0);
	ASSERT_INT_EQ(i.n_ignored, 1);
	TEST_DONE();
}

static void test_bad(void)
{
	struct sdp_info i;
	static uint8_t big[SDP_MAX + 1];
	struct ring_pt pt;

	TEST_START("bad and oversized SDP; bad values skipped");
	ASSERT_INT_EQ(parse("hello", &i), TR_ERR_INVAL);
	ASSERT_INT_EQ(sdp_parse(big, sizeof(big), &i), TR_ERR_LIMIT);
	ASSERT_INT_EQ(sdp_parse(NULL, 0, &i), TR_ERR_INVAL);
	/* no address anywhere, a port beyond 65535, a hostname */
	ASSERT_INT_EQ(parse("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\n"
	                    "m=audio 4000 RTP/AVP 0\r\n"
	                    "m=audio 70000 RTP/AVP 0\r\nc=IN IP4 1.2.3.4\r\n"
	                    "m=audio 4000 RTP/AVP 0\r\nc=IN IP4 pbx.example\r\n"
	                    "m=audio 4000 RTP/AVP 0\r\nc=IN IP4 1.2.3.4\r\na=rtpmap:300 x/8000\r\n"
	                    "a=rtpmap:97\r\n", &i), 0);
	ASSERT_INT_EQ(i.n_streams, 1);
	ASSERT_INT_EQ(i.n_ignored, 3);
	ASSERT_INT_EQ(i.n_pt, 1);
	ASSERT_TRUE(sdp_static_pt(13, &pt));
	ASSERT_STR_EQ(pt.name, "CN");
	ASSERT_TRUE(!sdp_static_pt(96, &pt));
	TEST_DONE();
}

/* RTP on the last port: the implicit RTCP port (port + 1) would wrap to 0. */
static void test_last_port(void)
{
	struct sdp_info i;

	TEST_START("m= port 65535 without a=rtcp: RTCP port is not 0");
	ASSERT_INT_EQ(parse("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\n"
	                    "t=0 0\r\nm=audio 65535 RTP/AVP 0\r\n", &i), 0);
	ASSERT_INT_EQ(i.n_streams, 1);
	ASSERT_INT_EQ(i.streams[0].port, 65535);
	ASSERT_INT_EQ(i.streams[0].rtcp_port, 65535);
	TEST_DONE();
}

int main(void)
{
	test_basic();
	test_media_level_ipv6_mux();
	test_session_inactive();
	test_bad();
	test_last_port();
	return TEST_EXIT();
}
