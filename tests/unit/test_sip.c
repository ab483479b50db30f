/* test_sip.c - SIP message summary: fields, tags, PAI, compact headers,
 * multipart SDP, the first-line check, bad and oversized input. */
#include <stdlib.h>

#include "err.h"
#include "sip.h"
#include "test.h"

static int parse(const char *s, struct sip_msg *m)
{
	return sip_parse((const uint8_t *)s, strlen(s), 0, m);
}

static void test_invite(void)
{
	struct sip_msg m;
	const char *msg =
		"INVITE sip:2000@10.0.0.2;user=phone SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\r\n"
		"From: \"Alice <x>\" <sip:1000@10.0.0.1>;tag=abc\r\n"
		"To: <sip:2000@10.0.0.2>\r\n"
		"Call-ID: xyz@host\r\n"
		"CSeq: 42 INVITE\r\n"
		"P-Asserted-Identity: \"A, B\" <sip:+15551000@pbx;user=phone>, <tel:+15551000>\r\n"
		"Content-Type: Application/SDP\r\n"
		"Content-Length: 10\r\n\r\n"
		"v=0\r\no=x\r\n";

	TEST_START("INVITE fields");
	ASSERT_INT_EQ(parse(msg, &m), 0);
	ASSERT_TRUE(m.is_request);
	ASSERT_INT_EQ(m.method, SIP_M_INVITE);
	ASSERT_STR_EQ(m.method_name, "INVITE");
	ASSERT_INT_EQ(m.status, 0);
	ASSERT_STR_EQ(m.call_id, "xyz@host");
	ASSERT_STR_EQ(m.from_user, "1000");
	ASSERT_STR_EQ(m.from_tag, "abc");
	ASSERT_STR_EQ(m.to_user, "2000");
	ASSERT_STR_EQ(m.to_tag, "");
	ASSERT_STR_EQ(m.pai_user, "+15551000");
	ASSERT_STR_EQ(m.ruri_user, "2000");
	ASSERT_INT_EQ(m.cseq_num, 42);
	ASSERT_INT_EQ(m.cseq_method, SIP_M_INVITE);
	ASSERT_STR_EQ(m.content_type, "application/sdp");
	ASSERT_TRUE(m.sdp != NULL);
	ASSERT_INT_EQ(m.sdp_len, 10);
	ASSERT_TRUE(m.sdp != NULL && memcmp(m.sdp, "v=0\r\no=x\r\n", 10) == 0);
	sip_msg_clear(&m);
	TEST_DONE();
}

static void test_response_compact_tel(void)
{
	struct sip_msg m;
	const char *msg =
		"SIP/2.0 183 Session Progress\r\n"
		"v: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\r\n"
		"f: <tel:+4930123;phone-context=x>;tag=t1\r\n"
		"t: sip:bob@b.example;tag=t2\r\n"
		"i: short-form\r\n"
		"CSeq: 7 INVITE\r\n"
		"P-Asserted-Identity: <tel:+4930999;phone-context=+49>\r\n"
		"l: 0\r\n\r\n";

	TEST_START("response, compact headers, tel URIs");
	ASSERT_INT_EQ(parse(msg, &m), 0);
	ASSERT_TRUE(!m.is_request);
	ASSERT_INT_EQ(m.status, 183);
	ASSERT_INT_EQ(m.method, SIP_M_INVITE);
	ASSERT_STR_EQ(m.call_id, "short-form");
	ASSERT_STR_EQ(m.from_user, "+4930123");
	ASSERT_STR_EQ(m.from_tag, "t1");
	ASSERT_STR_EQ(m.to_user, "bob");
	ASSERT_STR_EQ(m.to_tag, "t2");
	ASSERT_STR_EQ(m.pai_user, "+4930999");
	ASSERT_TRUE(m.sdp == NULL);
	sip_msg_clear(&m);
	ASSERT_INT_EQ(parse("OPTIONS sip:b@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
	                    "From: <sip:a@a>;tag=1\r\nTo: <sip:b@b>\r\nCall-ID: p\r\nCSeq: 1 OPTIONS\r\n"
	                    "P-Asserted-Identity: sip:+1555;isub=7@pbx.example\r\n\r\n", &m), 0);
	ASSERT_STR_EQ(m.pai_user, "+1555");
	sip_msg_clear(&m);
	TEST_DONE();
}

static void test_multipart(void)
{
	struct sip_msg m;
	const char *msg =
		"INVITE sip:b@b SIP/2.0\r\n"
		"Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
		"From: <sip:a@a>;tag=1\r\nTo: <sip:b@b>\r\nCall-ID: mp\r\nCSeq: 1 INVITE\r\n"
		"Content-Type: multipart/mixed;boundary=XX\r\n"
		"Content-Length: 105\r\n\r\n"
		"--XX\r\nContent-Type: application/isup\r\n\r\nabc\r\n"
		"--XX\r\nContent-Type: application/sdp\r\n\r\nv=0\r\ns=-\r\n\r\n--XX--\r\n";

	TEST_START("SDP inside multipart/mixed");
	ASSERT_INT_EQ(parse(msg, &m), 0);
	ASSERT_STR_EQ(m.content_type, "multipart/mixed");
	ASSERT_TRUE(m.sdp != NULL);
	ASSERT_TRUE(m.sdp != NULL && m.sdp_len >= 3 && memcmp(m.sdp, "v=0", 3) == 0);
	sip_msg_clear(&m);
	TEST_DONE();
}

static void test_content_length(void)
{
	struct sip_msg m;
	const char *msg =
		"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
		"f: <sip:a@a>;tag=1\r\nt: <sip:b@b>;tag=2\r\ni: cl\r\nCSeq: 1 INVITE\r\n"
		"c: application/sdp\r\nl:   5\r\n\r\nv=0\r\nJUNK AFTER THE BODY";
	const char *mp =
		"INVITE sip:b@b SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\n"
		"From: <sip:a@a>;tag=1\nTo: <sip:b@b>\nCall-ID: mp2\nCSeq: 1 INVITE\n"
		"Content-Type: multipart/related; boundary=\"b 1\"\nContent-Length: 400\n\n"
		"preamble\n--b 1\ncontent-type:APPLICATION/SDP\n\nv=0\ns=x\n\n--b 1--\n";

	const char *dup =
		"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
		"From: <sip:a@a>;tag=1\r\nTo: <sip:b@b>;tag=2\r\nCall-ID: dup\r\nCSeq: 3 UPDATE\r\n"
		"Content-Type: application/sdp\r\nContent-Type: application/sdp\r\n"
		"Content-Length:   4\r\n\r\nv=0\n";

	TEST_START("Content-Length cuts the body; compact forms; quoted boundary, LF only");
	/* a real VoLTE core sends Content-Type twice; libosip2 alone refuses it */
	ASSERT_INT_EQ(parse(dup, &m), 0);
	ASSERT_INT_EQ(m.sdp_len, 4);
	ASSERT_INT_EQ(m.cseq_method, SIP_M_UPDATE);
	sip_msg_clear(&m);
	ASSERT_INT_EQ(parse(msg, &m), 0);
	ASSERT_STR_EQ(m.content_type, "application/sdp");
	ASSERT_INT_EQ(m.sdp_len, 5);
	ASSERT_TRUE(m.sdp != NULL && memcmp(m.sdp, "v=0\r\n", 5) == 0);
	sip_msg_clear(&m);
	ASSERT_INT_EQ(parse(mp, &m), 0);
	ASSERT_STR_EQ(m.content_type, "multipart/related");
	ASSERT_INT_EQ(m.sdp_len, 8);       /* the line break before "--b 1" is the delimiter's */
	ASSERT_TRUE(m.sdp != NULL && memcmp(m.sdp, "v=0\ns=x\n", 8) == 0);
	sip_msg_clear(&m);
	TEST_DONE();
}

static void test_bad(void)
{
	struct sip_msg m;
	char *big;

	TEST_START("bad, incomplete and oversized messages");
	ASSERT_INT_EQ(parse("hello world\r\n\r\n", &m), TR_ERR_INVAL);
	/* no Call-ID */
	ASSERT_INT_EQ(parse("BYE sip:b@b SIP/2.0\r\nFrom: <sip:a@a>;tag=1\r\nTo: <sip:b@b>\r\n"
	                    "CSeq: 1 BYE\r\n\r\n", &m), TR_ERR_INVAL);
	/* no CSeq */
	ASSERT_INT_EQ(parse("BYE sip:b@b SIP/2.0\r\nFrom: <sip:a@a>;tag=1\r\nTo: <sip:b@b>\r\n"
	                    "Call-ID: x\r\n\r\n", &m), TR_ERR_INVAL);
	ASSERT_INT_EQ(sip_parse((const uint8_t *)"", 0, 0, &m), TR_ERR_INVAL);
	big = malloc(70000);
	ASSERT_TRUE(big != NULL);
	if (big != NULL) {
		memset(big, 'A', 70000);
		memcpy(big, "INVITE sip:x SIP/2.0\r\n", 22);
		ASSERT_INT_EQ(sip_parse((const uint8_t *)big, 70000, 0, &m), TR_ERR_LIMIT);
		ASSERT_INT_EQ(sip_parse((const uint8_t *)big, 3000, 2048, &m), TR_ERR_LIMIT);
		free(big);
	}
	sip_msg_clear(&m);
	sip_msg_clear(NULL);
	TEST_DONE();
}

static void test_first_line(void)
{
	TEST_START("first-line check");
	ASSERT_TRUE(sip_is_sip((const uint8_t *)"SIP/2.0 200 OK\r\n", 16));
	ASSERT_TRUE(sip_is_sip((const uint8_t *)"INVITE sip:x@y SIP/2.0", 22));
	ASSERT_TRUE(sip_is_sip((const uint8_t *)"BYE sips:x@y", 12));
	ASSERT_TRUE(sip_is_sip((const uint8_t *)"INVITE tel:+1", 13));
	ASSERT_TRUE(!sip_is_sip((const uint8_t *)"GET / HTTP/1.1", 14));
	ASSERT_TRUE(!sip_is_sip((const uint8_t *)"\x80\x00\x00\x01", 4));
	ASSERT_TRUE(!sip_is_sip((const uint8_t *)"INVITE", 6));
	ASSERT_TRUE(!sip_is_sip((const uint8_t *)"SIP/2.0", 7));
	ASSERT_TRUE(!sip_is_sip(NULL, 0));
	ASSERT_INT_EQ(sip_method_from_str("PRACK"), SIP_M_PRACK);
	ASSERT_INT_EQ(sip_method_from_str("invite"), SIP_M_UNKNOWN);
	TEST_DONE();
}

static void test_long_fields(void)
{
	struct sip_msg m;
	char msg[2000], cid[600];

	TEST_START("a Call-ID longer than the ring's field is truncated and flagged");
	memset(cid, 'c', sizeof(cid) - 1);
	cid[sizeof(cid) - 1] = '\0';
	snprintf(msg, sizeof(msg), "OPTIONS sip:b@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
	         "From: <sip:a@a>;tag=1\r\nTo: <sip:b@b>\r\nCall-ID: %s\r\nCSeq: 1 OPTIONS\r\n\r\n", cid);
	ASSERT_INT_EQ(parse(msg, &m), 0);
	ASSERT_TRUE(m.call_id_trunc);
	ASSERT_INT_EQ(strlen(m.call_id), RING_CALLID_MAX - 1);
	ASSERT_INT_EQ(m.method, SIP_M_OPTIONS);
	sip_msg_clear(&m);
	TEST_DONE();
}

/* A caller chooses the bytes of From, To and Call-ID: whatever is not
 * well-formed UTF-8 comes out as \xHH, so every reader can write it as
 * JSON (a recording was lost over this once). */
static void test_not_utf8(void)
{
	struct sip_msg m;
	const char *msg =
		"INVITE sip:2000@10.0.0.2 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\r\n"
		"From: <sip:+1555\xff\xfe\xc0\x80@10.0.0.1>;tag=t\xe9g\r\n"
		"To: <sip:J\xc3\xbcrgen@10.0.0.2>\r\n"
		"Call-ID: id-\xed\xa0\x80@host\r\n"
		"CSeq: 1 INVITE\r\n"
		"Content-Length: 0\r\n\r\n";

	TEST_START("From, To, tags and Call-ID that are not UTF-8 come out as \\xHH");
	ASSERT_INT_EQ(parse(msg, &m), 0);
	ASSERT_STR_EQ(m.from_user, "+1555\\xff\\xfe\\xc0\\x80");
	ASSERT_STR_EQ(m.from_tag, "t\\xe9g");
	ASSERT_STR_EQ(m.to_user, "J\xc3\xbcrgen");          /* UTF-8 stays as it is */
	ASSERT_STR_EQ(m.call_id, "id-\\xed\\xa0\\x80@host"); /* a surrogate is not UTF-8 */
	sip_msg_clear(&m);
	TEST_DONE();
}

int main(void)
{
	sip_init();
	test_invite();
	test_response_compact_tel();
	test_multipart();
	test_content_length();
	test_bad();
	test_first_line();
	test_long_fields();
	test_not_utf8();
	return TEST_EXIT();
}
