/* export.c - decrypt a container in memory; pcap as stored, or WAV via
 * the decoder. The result is a sealed memfd handed over with SCM_RIGHTS. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sodium.h>
#include <jansson.h>
#include "err.h"
#include "log.h"
#include "rd.h"
#include "container.h"
#include "decoder/decode.h"
#include "ipc.h"
#include "evidence.h"
#include "export.h"

/* Grows by copy, not realloc: the old block holds plaintext and is wiped
 * before it is freed (realloc would leave it in the heap). */
static int
grow_append(uint8_t **buf, size_t *len, size_t *cap, const uint8_t *p, size_t n)
{
	if (n > SIZE_MAX / 4 - *len)
		return TR_ERR_NOMEM;
	if (*len + n > *cap) {
		size_t nc = *cap ? *cap : 65536;
		uint8_t *nb;
		while (nc < *len + n)
			nc *= 2;
		if ((nb = malloc(nc)) == NULL)
			return TR_ERR_NOMEM;
		if (*len > 0)
			memcpy(nb, *buf, *len);
		if (*buf != NULL)
			sodium_memzero(*buf, *cap);
		free(*buf);
		*buf = nb;
		*cap = nc;
	}
	memcpy(*buf + *len, p, n);
	*len += n;
	return 0;
}

/* Frees a NUL-terminated plaintext string after wiping it. NULL-safe. */
static void
free_wiped(char *s)
{
	if (s != NULL)
		sodium_memzero(s, strlen(s));
	free(s);
}

static int
plain_cb(void *arg, uint8_t kind, const uint8_t *p, size_t n)
{
	struct export_plain *x = arg;
	char *s;

	switch (kind) {
	case CONTAINER_K_META:
		if ((s = malloc(n + 1)) == NULL)
			return TR_ERR_NOMEM;
		memcpy(s, p, n);
		s[n] = '\0';
		if (x->meta_first == NULL) {
			x->meta_first = s;
		} else {
			free_wiped(x->meta_last);
			x->meta_last = s;
		}
		return 0;
	case CONTAINER_K_PCAP:
		return grow_append(&x->pcap, &x->pcap_len, &x->pcap_cap, p, n);
	case CONTAINER_K_RECS:
		return grow_append(&x->side, &x->side_len, &x->side_cap, p, n);
	default:
		return TR_ERR_INVAL;
	}
}

int
export_plain_load(const char *path, uint64_t max, const struct keys *k, struct export_plain *x,
                  char *why, size_t whylen)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	memset(x, 0, sizeof *x);
	if ((r = container_load(path, max, &buf, &len)) != 0) {
		snprintf(why, whylen, "cannot read: %s", r == TR_ERR_SYS ? strerror(errno) : tr_strerror(r));
		goto out;
	}
	r = container_read(buf, len, k->box_pk, k->box_sk, x->rec_id, plain_cb, x, why, whylen);
out:
	free(buf);
	if (r != 0)
		export_plain_clear(x);
	return r;
}

void
export_plain_clear(struct export_plain *x)
{
	free_wiped(x->meta_first);
	free_wiped(x->meta_last);
	if (x->pcap != NULL)
		sodium_memzero(x->pcap, x->pcap_cap);
	free(x->pcap);
	free(x->side);
	memset(x, 0, sizeof *x);
}

/* Rebuilds the decoder's view of the call from the container metadata. */
static void
meta_to_call(const char *txt, struct ring_call *c)
{
	json_t *m = json_loads(txt ? txt : "{}", 0, NULL), *a, *e;
	size_t i;

	memset(c, 0, sizeof *c);
	if (m == NULL)
		return;
	c->t_first = (uint64_t)json_integer_value(json_object_get(m, "t_first_ns"));
	c->t_end = (uint64_t)json_integer_value(json_object_get(m, "t_end_ns"));
	c->link_type = (uint32_t)json_integer_value(json_object_get(m, "link_type"));
	snprintf(c->call_id, sizeof c->call_id, "%s", json_string_value(json_object_get(m, "call_id")) ?: "");
	snprintf(c->caller, sizeof c->caller, "%s", json_string_value(json_object_get(m, "caller")) ?: "");
	snprintf(c->callee, sizeof c->callee, "%s", json_string_value(json_object_get(m, "callee")) ?: "");
	a = json_object_get(m, "media");
	json_array_foreach(a, i, e) {
		struct ring_media *md;
		const char *hex = json_string_value(json_object_get(e, "addr"));
		size_t got = 0;
		if (c->n_media >= RING_MEDIA_MAX)
			break;
		md = &c->media[c->n_media++];
		md->family = (uint8_t)json_integer_value(json_object_get(e, "family"));
		md->side = (uint8_t)json_integer_value(json_object_get(e, "side"));
		md->rtcp_mux = (uint8_t)json_integer_value(json_object_get(e, "rtcp_mux"));
		md->port = (uint16_t)json_integer_value(json_object_get(e, "port"));
		md->rtcp_port = (uint16_t)json_integer_value(json_object_get(e, "rtcp_port"));
		if (hex != NULL)
			sodium_hex2bin(md->addr, 16, hex, strlen(hex), NULL, &got, NULL);
	}
	a = json_object_get(m, "pt");
	json_array_foreach(a, i, e) {
		struct ring_pt *p;
		if (c->n_pt >= RING_PT_MAX)
			break;
		p = &c->pt[c->n_pt++];
		p->pt = (uint8_t)json_integer_value(json_object_get(e, "pt"));
		p->channels = (uint8_t)json_integer_value(json_object_get(e, "channels"));
		p->clock_rate = (uint32_t)json_integer_value(json_object_get(e, "clock_rate"));
		p->used = 1;
		snprintf(p->name, sizeof p->name, "%s", json_string_value(json_object_get(e, "name")) ?: "");
	}
	json_decref(m);
}

/* Feeds the pcap records (with their side info) to the decoder. */
static int
feed_decoder(const struct export_plain *x, struct decode_ctx *d)
{
	struct rd rd = rd_make(x->pcap, x->pcap_len);
	uint32_t magic, lt, sec, nsec, caplen, origlen;
	size_t i = 0;
	int r = TR_ERR_INVAL;

	if (rd_le32(&rd, &magic) != 0 || magic != 0xa1b23c4du || rd_skip(&rd, 16) != 0 ||
	    rd_le32(&rd, &lt) != 0)
		goto out;
	while (rd.len > 0) {
		struct ring_rec rec;
		struct rd body;
		if (rd_le32(&rd, &sec) != 0 || rd_le32(&rd, &nsec) != 0 || rd_le32(&rd, &caplen) != 0 ||
		    rd_le32(&rd, &origlen) != 0 || rd_sub(&rd, caplen, &body) != 0)
			goto out;
		memset(&rec, 0, sizeof rec);
		rec.ts_ns = (uint64_t)sec * 1000000000ULL + nsec;
		rec.caplen = caplen;
		rec.origlen = origlen;
		rec.link_type = (uint16_t)lt;
		rec.kind = i < x->side_len ? (x->side[i] & 0x0f) : RING_K_RTP;
		rec.dir = i < x->side_len ? (x->side[i] >> 4) : RING_DIR_UNKNOWN;
		rec.l5_off = 0xffff;
		if ((r = decode_ctx_add(d, &rec, body.p)) != 0)
			goto out;
		i++;
	}
	r = 0;
out:
	return r;
}

static int
seal_memfd(int fd)
{
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0 ||
	    lseek(fd, 0, SEEK_SET) != 0)
		return TR_ERR_SYS;
	return 0;
}

/* Reads a whole (memfd) file back into memory. */
static int
slurp_fd(int fd, uint8_t **bufp, size_t *lenp)
{
	off_t end = lseek(fd, 0, SEEK_END);
	uint8_t *b = NULL;
	size_t got = 0;

	if (end < 0 || lseek(fd, 0, SEEK_SET) != 0 || (b = malloc((size_t)end + 1)) == NULL)
		return TR_ERR_SYS;
	while (got < (size_t)end) {
		ssize_t n = read(fd, b + got, (size_t)end - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(b);
			return TR_ERR_SYS;
		}
		got += (size_t)n;
	}
	*bufp = b;
	*lenp = got;
	return 0;
}

/* Decodes the call into a new memfd holding the WAV. */
static int
make_wav(const struct export_plain *x, int *fdp)
{
	struct decode_ctx *d = NULL;
	struct ring_call call;
	int fd = -1, r = TR_ERR_SYS;

	if ((fd = memfd_create("threatrec-wav", MFD_CLOEXEC | MFD_ALLOW_SEALING)) < 0)
		goto out;
	meta_to_call(x->meta_last ? x->meta_last : x->meta_first, &call);
	r = TR_ERR_NOMEM;
	if ((d = decode_ctx_new(&call)) == NULL)
		goto out;
	if ((r = feed_decoder(x, d)) != 0 || (r = decode_ctx_wav(d, NULL, fd, NULL)) != 0)
		goto out;
	*fdp = fd;
	fd = -1;
out:
	decode_ctx_free(d);
	if (fd >= 0)
		close(fd);
	return r;
}

int
export_recording(const struct vconf *c, const struct keys *k, sqlite3 *db, const struct rec *rec,
                 uint32_t kind, const char *by, struct export_out *out)
{
	struct export_plain x;
	uint8_t *wav = NULL;
	size_t wav_len = 0;
	char why[200];
	uint8_t *buf = NULL;
	size_t len = 0;
	off_t end;
	int fd = -1, r;

	memset(&x, 0, sizeof x);
	memset(out, 0, sizeof *out);
	out->fd = -1;
	if (kind != IPC_EXPORT_WAV && kind != IPC_EXPORT_PCAP && kind != IPC_EXPORT_EVIDENCE) {
		r = TR_ERR_UNSUPP;
		goto out;
	}
	if (strcmp(rec->state, "sealed") != 0) {
		r = TR_ERR_NOTFOUND;
		goto out;
	}
	if ((r = container_load_indexed(c->storage, rec->container, c->container_max, rec->sha256,
	                                rec->size, &buf, &len, why, sizeof why)) != 0) {
		log_err_f("recording %s: %s", rec->id, why);
		goto out;
	}
	if ((r = container_read(buf, len, k->box_pk, k->box_sk, x.rec_id, plain_cb, &x, why, sizeof why)) != 0) {
		log_err_f("recording %s: %s", rec->id, why);
		goto out;
	}
	if (strcmp(x.rec_id, rec->id) != 0) {
		log_err_f("recording %s: container holds %s", rec->id, x.rec_id);
		r = TR_ERR_CRYPTO;
		goto out;
	}
	if (kind == IPC_EXPORT_WAV) {
		if ((r = make_wav(&x, &fd)) != 0)
			goto out;
		snprintf(out->content_type, sizeof out->content_type, "audio/wav");
		snprintf(out->filename, sizeof out->filename, "%s.wav", rec->id);
	} else if (kind == IPC_EXPORT_PCAP) {
		if ((fd = memfd_create("threatrec-export", MFD_CLOEXEC | MFD_ALLOW_SEALING)) < 0) {
			r = TR_ERR_SYS;
			goto out;
		}
		size_t o = 0;
		while (o < x.pcap_len) {
			ssize_t n = write(fd, x.pcap + o, x.pcap_len - o);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				r = TR_ERR_SYS;
				goto out;
			}
			o += (size_t)n;
		}
		snprintf(out->content_type, sizeof out->content_type, "application/vnd.tcpdump.pcap");
		snprintf(out->filename, sizeof out->filename, "%s.pcap", rec->id);
	} else {
		int wfd = -1;
		if ((r = make_wav(&x, &wfd)) != 0)
			goto out;
		r = slurp_fd(wfd, &wav, &wav_len);
		close(wfd);
		if (r != 0)
			goto out;
		if ((fd = memfd_create("threatrec-evidence", MFD_CLOEXEC | MFD_ALLOW_SEALING)) < 0) {
			r = TR_ERR_SYS;
			goto out;
		}
		if ((r = evidence_write(fd, db, k, rec, wav, wav_len, x.pcap, x.pcap_len, by)) != 0)
			goto out;
		snprintf(out->content_type, sizeof out->content_type, "application/x-tar");
		snprintf(out->filename, sizeof out->filename, "%s-evidence.tar", rec->id);
	}
	if ((end = lseek(fd, 0, SEEK_END)) < 0 || (r = seal_memfd(fd)) != 0) {
		r = TR_ERR_SYS;
		goto out;
	}
	out->size = (uint64_t)end;
	out->fd = fd;
	fd = -1;
	r = 0;
out:
	if (wav != NULL)
		sodium_memzero(wav, wav_len);
	free(wav);
	export_plain_clear(&x);
	free(buf);
	if (fd >= 0)
		close(fd);
	return r;
}
