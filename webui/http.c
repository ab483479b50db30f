/* http.c - libmicrohttpd glue: daemon options and limits, TLS, collecting a
 * bounded request body, handing complete requests to api_dispatch.
 * RFC 9110/9112 parsing itself is libmicrohttpd's.
 */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "err.h"
#include "log.h"
#include "req.h"

#define HTTP_MEMORY_LIMIT  (64u * 1024u)   /* per connection: headers + buffers */
#define HTTP_PEM_MAX       (1u << 20)

struct http {
	struct MHD_Daemon  *d;
	struct api_env     *env;
	char               *cert, *key;     /* PEM text for MHD, kept while running */
};

/* Per-request state: the body collected so far. */
struct http_req {
	char   *body;
	size_t  len;
	bool    too_big;
	bool    started;
};

static char *read_pem(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t n;

	if (f == NULL)
		goto out;
	if ((buf = calloc(1, HTTP_PEM_MAX + 1)) == NULL)
		goto out;
	n = fread(buf, 1, HTTP_PEM_MAX + 1, f);
	if (n == 0 || n > HTTP_PEM_MAX || ferror(f)) {
		free(buf);
		buf = NULL;
	}
out:
	if (f != NULL)
		fclose(f);
	return buf;
}

static void remote_text(struct MHD_Connection *c, char *out, size_t outsz)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	snprintf(out, outsz, "unknown");
	if (sa == NULL)
		return;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
		          (socklen_t)outsz);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
		          (socklen_t)outsz);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
	struct http *h = cls;
	struct http_req *hr = *con_cls;
	struct api_req rq;

	(void)version;
	if (hr == NULL) {
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
		uint32_t n;

		if ((hr = calloc(1, sizeof(*hr))) == NULL)
			return MHD_NO;
		*con_cls = hr;
		/* refuse a declared oversize body before reading it */
		if (cl != NULL && (req_uint_parse(cl, REQ_BODY_MAX, &n) != 0))
			hr->too_big = true;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		if (!hr->too_big && hr->len + *upload_data_size <= REQ_BODY_MAX) {
			char *nb = realloc(hr->body, hr->len + *upload_data_size + 1);

			if (nb == NULL)
				return MHD_NO;
			hr->body = nb;
			memcpy(hr->body + hr->len, upload_data, *upload_data_size);
			hr->len += *upload_data_size;
			hr->body[hr->len] = '\0';
		} else {
			hr->too_big = true;   /* keep reading and dropping: answer 413 at the end */
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	memset(&rq, 0, sizeof(rq));
	rq.conn = c;
	rq.method = method;
	rq.path = url;
	rq.body = hr->body;
	rq.body_len = hr->len;
	rq.body_too_big = hr->too_big;
	remote_text(c, rq.remote, sizeof(rq.remote));
	return api_dispatch(h->env, &rq);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	struct http_req *hr = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (hr == NULL)
		return;
	free(hr->body);
	free(hr);
	*con_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[512];

	(void)cls;
	/* the format comes from libmicrohttpd itself */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	vsnprintf(buf, sizeof(buf), fmt, ap);
#pragma GCC diagnostic pop
	buf[strcspn(buf, "\n")] = '\0';
	log_warn_f("libmicrohttpd: %s", buf);
}

int http_start(const struct wconf *conf, struct api_env *env, struct http **hp)
{
	struct http *h = NULL;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	struct sockaddr *sa;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG;
	int r = TR_ERR_CONFIG;

	*hp = NULL;
	memset(&sin, 0, sizeof(sin));
	memset(&sin6, 0, sizeof(sin6));
	if (inet_pton(AF_INET, conf->listen, &sin.sin_addr) == 1) {
		sin.sin_family = AF_INET;
		sin.sin_port = htons((uint16_t)conf->port);
		sa = (struct sockaddr *)&sin;
	} else if (inet_pton(AF_INET6, conf->listen, &sin6.sin6_addr) == 1) {
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons((uint16_t)conf->port);
		sa = (struct sockaddr *)&sin6;
		flags |= MHD_USE_IPv6;
	} else {
		log_err_f("[webui] listen = %s is not an IPv4 or IPv6 address", conf->listen);
		goto out;
	}
	if ((h = calloc(1, sizeof(*h))) == NULL) {
		r = TR_ERR_NOMEM;
		goto out;
	}
	h->env = env;
	if (conf->tls_cert[0] != '\0') {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			log_err_f("libmicrohttpd was built without TLS");
			goto out;
		}
		if ((h->cert = read_pem(conf->tls_cert)) == NULL ||
		    (h->key = read_pem(conf->tls_key)) == NULL) {
			log_err_f("cannot read tls_cert %s or tls_key %s", conf->tls_cert, conf->tls_key);
			goto out;
		}
		flags |= MHD_USE_TLS;
	}
	h->d = MHD_start_daemon(flags, (uint16_t)conf->port, NULL, NULL, on_request, h,
		MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, h,
		MHD_OPTION_SOCK_ADDR, sa,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)conf->max_connections,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)conf->per_ip_connections,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)(conf->timeout_ns / 1000000000ULL),
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_MEMORY_LIMIT,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)conf->threads,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
		MHD_OPTION_STRICT_FOR_CLIENT, (int)1,
		h->cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, h->cert,
		MHD_OPTION_HTTPS_MEM_KEY, h->key,
		MHD_OPTION_END);
	if (h->d == NULL) {
		log_err_f("cannot listen on %s port %u", conf->listen, conf->port);
		r = TR_ERR_SYS;
		goto out;
	}
	*hp = h;
	h = NULL;
	r = 0;
out:
	http_stop(h);
	return r;
}

void http_stop(struct http *h)
{
	if (h == NULL)
		return;
	if (h->d != NULL)
		MHD_stop_daemon(h->d);
	free(h->cert);
	free(h->key);
	free(h);
}
