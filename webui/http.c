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
#include <unistd.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "err.h"
#include "log.h"
#include "req.h"

/* Per connection: read buffer + header records + reply headers. Requests
 * are small (paths <= 256, cookie <= 4 KiB, bodies 16 KiB are copied out);
 * 1024 connections * 64 KiB = 64 MiB of address space at worst, touched only
 * as used. */
#define HTTP_MEMORY_LIMIT  (64u * 1024u)
#define HTTP_PEM_MAX       (1u << 20)
/* libmicrohttpd 0.9.75 parses every query argument into a pool record
 * (~56 bytes) and, when the pool runs out there, logs a 431 but leaves the
 * connection open until the timeout. The URI callback refuses such
 * requests first: more arguments or a longer URI than any of our routes
 * needs gets an immediate 431 and the socket is shut down. */
#define HTTP_URI_MAX       8192u
#define HTTP_ARGS_MAX      64u
/* HTTPS: TLS 1.2 and 1.3 only (GnuTLS's NORMAL would also take 1.0 and
 * 1.1, RFC 8996 deprecates them); NORMAL's ciphers and groups otherwise. */
#define HTTP_TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

static const char http_431[] =
	"HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n"
	"Content-Type: application/json; charset=utf-8\r\nContent-Length: 50\r\n\r\n"
	"{\"error\":\"request line too long or too many args\"}";

struct http {
	struct MHD_Daemon  *d;
	struct api_env     *env;
	char               *cert, *key;     /* PEM text for MHD, kept while running */
	bool                tls;
};

/* Per-request state: the body collected so far. */
struct http_req {
	char   *body;
	size_t  len;
	bool    too_big;
	bool    started;    /* the first on_request call has been seen */
	bool    bad_uri;    /* NUL or another control byte in the URI: 400 */
	bool    bad_utf8;   /* the URI decodes to bytes that are not UTF-8: 400 */
	bool    answered;   /* a response is queued: ignore further calls */
};

/* A raw or %-encoded control byte (0x00-0x1f, 0x7f) anywhere in the URI:
 * libmicrohttpd unescapes %00 into a NUL that would cut the path short. */
static bool uri_has_ctl(const char *u, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)u[i];

		if (ch < 0x20 || ch == 0x7f)
			return true;
		if (ch == '%' && i + 2 < len && (u[i + 1] == '0' || u[i + 1] == '1'))
			return true;   /* %00-%1F */
		if (ch == '%' && i + 2 < len && u[i + 1] == '7' && (u[i + 2] == 'f' || u[i + 2] == 'F'))
			return true;
	}
	return false;
}

/* MHD_OPTION_URI_LOG_CALLBACK: sees the raw URI before libmicrohttpd splits
 * and unescapes it. Its result becomes the request's *con_cls. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct http *h = cls;
	struct http_req *hr = NULL;
	const char *q;
	size_t len = strnlen(uri, HTTP_URI_MAX + 1), args = 0;

	q = memchr(uri, '?', len);
	if (q != NULL)
		for (args = 1; *q != '\0'; q++)
			args += *q == '&';
	if (len > HTTP_URI_MAX || args > HTTP_ARGS_MAX) {
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);

		if (ci != NULL) {
			/* nothing was sent yet: the answer goes out whole, then FIN */
			if (!h->tls)
				(void)send(ci->connect_fd, http_431, sizeof(http_431) - 1,
				           MSG_NOSIGNAL | MSG_DONTWAIT);
			shutdown(ci->connect_fd, SHUT_RDWR);
		}
		goto out;
	}
	if ((hr = calloc(1, sizeof(*hr))) != NULL) {
		hr->bad_uri = uri_has_ctl(uri, len);
		hr->bad_utf8 = !req_uri_utf8_ok(uri, len);
	}
out:
	return hr;
}

/* Reads a PEM file; NULL with the reason in why (errno text, empty, too
 * large). */
static char *read_pem(const char *path, char *why, size_t whylen)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t n;

	if (f == NULL) {
		snprintf(why, whylen, "%s", strerror(errno));
		goto out;
	}
	if ((buf = calloc(1, HTTP_PEM_MAX + 1)) == NULL) {
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	n = fread(buf, 1, HTTP_PEM_MAX + 1, f);
	if (n == 0 || n > HTTP_PEM_MAX || ferror(f)) {
		snprintf(why, whylen, "%s", ferror(f) ? strerror(errno) : n == 0 ? "empty file" :
		         "larger than 64 KiB, not a PEM file");
		free(buf);
		buf = NULL;
	}
out:
	if (f != NULL)
		fclose(f);
	return buf;
}

/* Checks the certificate and key as libmicrohttpd will load them (GnuTLS),
 * and the priority string, so that a bad pair is refused with a reason
 * instead of "libmicrohttpd could not start". 0, or TR_ERR_CONFIG with the
 * message (naming the files) in why. */
static int tls_check(const struct wconf *conf, const char *cert, const char *key, char *why,
                     size_t whylen)
{
	gnutls_certificate_credentials_t cred = NULL;
	gnutls_x509_crt_t *crts = NULL;
	gnutls_x509_privkey_t pk = NULL;
	gnutls_priority_t prio = NULL;
	gnutls_datum_t cd = { (unsigned char *)(uintptr_t)cert, (unsigned int)strlen(cert) };
	gnutls_datum_t kd = { (unsigned char *)(uintptr_t)key, (unsigned int)strlen(key) };
	const char *at = NULL;
	unsigned int ncrts = 0, i;
	int g, r = TR_ERR_CONFIG;

	g = gnutls_x509_crt_list_import2(&crts, &ncrts, &cd, GNUTLS_X509_FMT_PEM, 0);
	if (g < 0) {
		snprintf(why, whylen, strstr(cert, "PRIVATE KEY-----") != NULL ?
		         "tls_cert %s holds a private key, not a certificate (tls_cert and tls_key "
		         "swapped?)" : "tls_cert %s is not a PEM certificate (%s)", conf->tls_cert,
		         strstr(cert, "-----BEGIN ") ? gnutls_strerror(g) : "no -----BEGIN line");
		goto out;
	}
	if ((g = gnutls_x509_privkey_init(&pk)) < 0) {
		snprintf(why, whylen, "GnuTLS: %s", gnutls_strerror(g));
		goto out;
	}
	g = gnutls_x509_privkey_import2(pk, &kd, GNUTLS_X509_FMT_PEM, NULL, 0);
	if (g < 0) {
		if (g == GNUTLS_E_DECRYPTION_FAILED || strstr(key, "ENCRYPTED") != NULL)
			snprintf(why, whylen, "tls_key %s is encrypted (has a passphrase): the web UI "
			         "needs the key unencrypted (openssl pkey -in KEY -out NEWKEY), readable "
			         "only by its user", conf->tls_key);
		else if (strstr(key, "-----BEGIN CERTIFICATE") != NULL)
			snprintf(why, whylen, "tls_key %s holds a certificate, not a private key "
			         "(tls_cert and tls_key swapped?)", conf->tls_key);
		else
			snprintf(why, whylen, "tls_key %s is not a PEM private key (%s)", conf->tls_key,
			         strstr(key, "-----BEGIN ") ? gnutls_strerror(g) : "no -----BEGIN line");
		goto out;
	}
	if ((g = gnutls_certificate_allocate_credentials(&cred)) < 0) {
		snprintf(why, whylen, "GnuTLS: %s", gnutls_strerror(g));
		goto out;
	}
	g = gnutls_certificate_set_x509_key_mem2(cred, &cd, &kd, GNUTLS_X509_FMT_PEM, NULL, 0);
	if (g == GNUTLS_E_CERTIFICATE_KEY_MISMATCH) {
		snprintf(why, whylen, "tls_key %s does not match tls_cert %s (the key of another "
		         "certificate?)", conf->tls_key, conf->tls_cert);
		goto out;
	}
	if (g < 0) {
		snprintf(why, whylen, "tls_cert %s with tls_key %s: %s", conf->tls_cert,
		         conf->tls_key, gnutls_strerror(g));
		goto out;
	}
	if ((g = gnutls_priority_init2(&prio, HTTP_TLS_PRIORITIES, &at, 0)) < 0) {
		snprintf(why, whylen, "GnuTLS refuses the priority string \"%s\" at \"%s\": %s",
		         HTTP_TLS_PRIORITIES, at ? at : "", gnutls_strerror(g));
		goto out;
	}
	r = 0;
out:
	if (prio != NULL)
		gnutls_priority_deinit(prio);
	if (cred != NULL)
		gnutls_certificate_free_credentials(cred);
	if (pk != NULL)
		gnutls_x509_privkey_deinit(pk);
	for (i = 0; i < ncrts; i++)
		gnutls_x509_crt_deinit(crts[i]);
	gnutls_free(crts);
	return r;
}

/* Why the listening socket could not be had (libmicrohttpd does not say):
 * binds a socket of our own the way it would, for the errno. */
static const char *listen_why(const struct sockaddr *sa, socklen_t salen)
{
	int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1, e = 0;

	if (fd < 0)
		return strerror(errno);
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (sa->sa_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, sa, salen) != 0 || listen(fd, 1) != 0)
		e = errno;
	close(fd);
	return e != 0 ? strerror(e) : "libmicrohttpd could not start (see its message above)";
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
	if (hr == NULL || !hr->started) {
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
		uint32_t n;

		if (hr == NULL && (hr = calloc(1, sizeof(*hr))) == NULL)
			return MHD_NO;
		*con_cls = hr;
		hr->started = true;
		/* refuse a declared oversize body before reading it */
		if (cl != NULL && (req_uint_parse(cl, REQ_BODY_MAX, &n) != 0))
			hr->too_big = true;
		/* a refused request is answered now, without reading its body
		 * (api_dispatch adds "Connection: close") */
		if (!hr->too_big && !hr->bad_uri && !hr->bad_utf8)
			return MHD_YES;
	}
	if (hr->answered) {
		*upload_data_size = 0;
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
	rq.bad_uri = hr->bad_uri;
	rq.bad_utf8 = hr->bad_utf8;
	remote_text(c, rq.remote, sizeof(rq.remote));
	hr->answered = true;
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
	char why[128], tlswhy[2 * WCONF_PATH_MAX + 128];
	/* epoll: idle (slow) connections cost a pool, not a poll() slot scan */
	unsigned int flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
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
		if ((h->cert = read_pem(conf->tls_cert, why, sizeof(why))) == NULL) {
			log_err_f("cannot read tls_cert %s: %s", conf->tls_cert, why);
			goto out;
		}
		if ((h->key = read_pem(conf->tls_key, why, sizeof(why))) == NULL) {
			log_err_f("cannot read tls_key %s: %s", conf->tls_key, why);
			goto out;
		}
		if (tls_check(conf, h->cert, h->key, tlswhy, sizeof(tlswhy)) != 0) {
			log_err_f("%s", tlswhy);
			goto out;
		}
		flags |= MHD_USE_TLS;
		h->tls = true;
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
		MHD_OPTION_URI_LOG_CALLBACK, on_uri, h,
		MHD_OPTION_STRICT_FOR_CLIENT, (int)1,
		h->cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, h->cert,
		MHD_OPTION_HTTPS_MEM_KEY, h->key,
		MHD_OPTION_HTTPS_PRIORITIES, HTTP_TLS_PRIORITIES,
		MHD_OPTION_END);
	if (h->d == NULL) {
		log_err_f("cannot listen on %s port %u: %s", conf->listen, conf->port,
		          listen_why(sa, sa->sa_family == AF_INET6 ? sizeof(sin6) : sizeof(sin)));
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
