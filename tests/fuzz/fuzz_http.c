/* fuzz_http.c - the web UI's own request parsers (webui/req.c, route.c)
 * and its check of vault replies (ipc_client_parse) on any bytes.
 * Byte 0 picks the parser; the rest is its input (as text where the parser
 * reads NUL-terminated strings from libmicrohttpd). Aborts when a result
 * breaks the parser's contract. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "ipc.h"
#include "webui/ipc_client.h"
#include "webui/req.h"
#include "webui/route.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;
	char tok[REQ_TOKEN_LEN + 1], out[64];
	uint64_t start, len, rsize = 0;
	uint32_t slot, gen, v;
	int64_t t;
	json_t *j = NULL;
	struct route_match m;
	struct ipc_client_reply rep;
	uint8_t sel;

	if (size < 1)
		return 0;
	sel = data[0];
	data++;
	size--;
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	switch (sel % 8) {
	case 0:
		if (req_cookie_token(s, tok, sizeof(tok)) == 0 && strlen(tok) != REQ_TOKEN_LEN)
			abort();
		break;
	case 1:
		if (size >= 4)
			memcpy(&rsize, data, 4);
		switch (req_range_parse(size >= 4 ? s + 4 : s, rsize, &start, &len)) {
		case REQ_RANGE_OK:
			if (len == 0 || start >= rsize || len > rsize - start)
				abort();
			break;
		default:
			break;
		}
		break;
	case 2:
		if (req_json_parse(s, size, &j) == 0) {
			if (!json_is_object(j))
				abort();
			if (req_json_str(j, "note", true, out, sizeof(out)) == 0 && strlen(out) >= sizeof(out))
				abort();
			(void)req_json_str(j, "username", false, out, sizeof(out));
			json_decref(j);
		}
		break;
	case 3:
		if (req_call_handle(s, &slot, &gen) == 0 && gen == 0)
			abort();
		break;
	case 4:
		(void)req_time_parse(s, false, &t);
		(void)req_time_parse(s, true, &t);
		break;
	case 5: {
		static const char *const meth[] = { "GET", "POST", "HEAD", "DELETE" };

		if (route_find(meth[sel / 8 % 4], s, &m) == 0) {
			if (m.route == NULL || strlen(m.param) >= ROUTE_PARAM_MAX)
				abort();
		} else if (m.route != NULL) {
			abort();
		}
		break;
	}
	case 6:
		ipc_client_reply_init(&rep);
		if (ipc_client_parse(IPC_R_OK + sel / 8 % 4, data, size, -1, &rep) == 0 &&
		    rep.type == IPC_R_ERR && strnlen(rep.err.msg, sizeof(rep.err.msg)) >= sizeof(rep.err.msg))
			abort();
		ipc_client_reply_clear(&rep);
		break;
	default:
		(void)req_uint_parse(s, 500, &v);
		if (req_text_copy(s, out, sizeof(out)) == 0 && strlen(out) >= sizeof(out))
			abort();
		(void)req_is_rec_id(s);
		(void)req_utf8_ok(s, strlen(s));
		(void)req_uri_utf8_ok(s, strlen(s));
		break;
	}
	free(s);
	return 0;
}
