/* sip.h - SIP message summary for the call table, parsed with libosip2.
 * Only what the sniffer needs: request/response, method, status, Call-ID,
 * From/To user and tag, P-Asserted-Identity user, request-URI user, CSeq,
 * Content-Type and the SDP body. RFC 3261, 3325 (P-Asserted-Identity).
 */
#ifndef TR_SIP_H
#define TR_SIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ring.h"

#define SIP_MSG_MAX       65535u   /* hard cap on what is handed to libosip2 */
#define SIP_METHOD_MAX    24       /* method name incl. NUL */
#define SIP_CTYPE_MAX     64       /* "type/subtype" incl. NUL */

enum sip_method {
	SIP_M_UNKNOWN = 0, SIP_M_INVITE, SIP_M_ACK, SIP_M_BYE, SIP_M_CANCEL,
	SIP_M_PRACK, SIP_M_UPDATE, SIP_M_INFO, SIP_M_REGISTER, SIP_M_OPTIONS,
	SIP_M_REFER, SIP_M_NOTIFY, SIP_M_SUBSCRIBE, SIP_M_MESSAGE, SIP_M_PUBLISH,
};

/* One parsed message. Strings are NUL-terminated copies (truncated to the
 * ring's sizes; *_trunc flags say so). sdp points into the buffer given to
 * sip_parse (a view: valid as long as that buffer). */
struct sip_msg {
	bool     is_request;
	enum sip_method method;            /* request method, or CSeq method of a response */
	char     method_name[SIP_METHOD_MAX];
	int      status;                   /* response status code, 0 for a request */
	char     call_id[RING_CALLID_MAX];
	bool     call_id_trunc;
	char     from_user[RING_NUM_MAX];
	char     from_tag[RING_TAG_MAX];
	char     to_user[RING_NUM_MAX];
	char     to_tag[RING_TAG_MAX];
	char     pai_user[RING_NUM_MAX];   /* "" when there is no P-Asserted-Identity */
	char     ruri_user[RING_NUM_MAX];  /* requests only */
	uint32_t cseq_num;
	enum sip_method cseq_method;
	char     content_type[SIP_CTYPE_MAX];  /* lower case, "" if none */
	const uint8_t *sdp;                /* the application/sdp body (or part), NULL if none */
	size_t   sdp_len;
};

/* Initialises libosip2's parser tables. Call once per process before
 * sip_parse (calling it again is harmless). */
void sip_init(void);
/* Cheap first-line test: starts with "SIP/2.0 " or "<METHOD> sip:"/"sips:"/"tel:". */
bool sip_is_sip(const uint8_t *p, size_t len);
/* Parses one SIP message of len bytes (at most max, capped at SIP_MSG_MAX).
 * Returns 0 and fills *m (release with sip_msg_clear), TR_ERR_LIMIT for an
 * oversized message, TR_ERR_INVAL when libosip2 rejects it or a mandatory
 * header (Call-ID, From, To, CSeq) is missing. On error *m needs no clear
 * but clearing it is harmless. Never blocks. */
int  sip_parse(const uint8_t *p, size_t len, size_t max, struct sip_msg *m);
void sip_msg_clear(struct sip_msg *m);     /* NULL-safe; drops the sdp view (owns nothing) */
/* Maps a method token to enum sip_method (SIP_M_UNKNOWN if not listed). */
enum sip_method sip_method_from_str(const char *s);

#endif
