/* verify.c - offline integrity check of the audit log and the containers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "err.h"
#include "audit.h"
#include "container.h"
#include "verify.h"

struct vctx {
	const struct vconf *c;
	const struct keys *k;
	FILE *out;
	int64_t ok, skipped;
	int bad;
};

static int
check_one(void *arg, const struct rec *r)
{
	struct vctx *v = arg;
	char why[200], id[CONTAINER_ID_MAX];
	uint8_t *buf = NULL;
	size_t len = 0;

	if (strcmp(r->state, "sealed") != 0) {
		v->skipped++;
		return 0;
	}
	if (container_load_indexed(v->c->storage, r->container, v->c->container_max, r->sha256,
	                           r->size, &buf, &len, why, sizeof why) != 0)
		goto bad;
	if (container_read(buf, len, v->k->box_pk, v->k->box_sk, id, NULL, NULL, why, sizeof why) != 0)
		goto bad;
	if (strcmp(id, r->id) != 0) {
		snprintf(why, sizeof why, "holds recording %s", id);
		goto bad;
	}
	free(buf);
	v->ok++;
	return 0;
bad:
	free(buf);
	fprintf(v->out, "BAD container %s (recording %s): %s\n", r->container[0] ? r->container : "-",
	        r->id, why);
	v->bad = 1;
	return TR_ERR_CRYPTO;
}

/* Every recording the (verified) audit log says was sealed must still be
 * in the index as sealed: a deleted or reset row is found here. */
static int
sealed_in_index(struct index *ix, FILE *out)
{
	sqlite3_stmt *st = NULL;
	struct rec r;
	int rc, res = 0;

	if (sqlite3_prepare_v2(index_db(ix), "SELECT seq, object FROM audit WHERE action = 'seal' ORDER BY seq",
	                       -1, &st, NULL) != SQLITE_OK)
		return TR_ERR_SYS;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 1);
		if (id == NULL || index_rec_get(ix, id, &r) != 0 || strcmp(r.state, "sealed") != 0) {
			fprintf(out, "BAD recording %s: sealed in audit row %lld but %s in the index\n",
			        id ? id : "?", (long long)sqlite3_column_int64(st, 0),
			        id && index_rec_get(ix, id, &r) == 0 ? "not sealed" : "missing");
			res = TR_ERR_CRYPTO;
			break;
		}
	}
	if (res == 0 && rc != SQLITE_DONE)
		res = TR_ERR_SYS;
	sqlite3_finalize(st);
	return res;
}

int
verify_all(const struct vconf *c, struct index *ix, const struct keys *k, FILE *out)
{
	struct vctx v = { c, k, out, 0, 0, 0 };
	char why[VCONF_PATH_MAX + 300], head[VCONF_PATH_MAX + 32];
	int64_t bad_seq = 0, n = 0;
	int r;

	r = audit_verify(index_db(ix), k->sign_pk, &bad_seq, &n, why, sizeof why);
	if (r != 0) {
		fprintf(out, "BAD audit row %lld: %s\n", (long long)bad_seq, why);
		return TR_ERR_CRYPTO;
	}
	fprintf(out, "audit: %lld rows, chain and signatures ok\n", (long long)n);
	/* the newest rows cut off: the signed head file outside the table */
	snprintf(head, sizeof head, "%s/" AUDIT_HEAD_FILE, c->storage);
	if (audit_head_check(index_db(ix), k->sign_pk, head, why, sizeof why) != 0) {
		fprintf(out, "BAD audit head: %s\n", why);
		return TR_ERR_CRYPTO;
	}
	fprintf(out, "audit head: %s\n", why);
	r = index_rec_each(ix, check_one, &v);
	if (v.bad)
		return TR_ERR_CRYPTO;
	if (r != 0) {
		fprintf(out, "BAD index: cannot read the recordings (%s)\n", tr_strerror(r));
		return r;
	}
	fprintf(out, "containers: %lld sealed ok, %lld not sealed (recording/failed) skipped\n",
	        (long long)v.ok, (long long)v.skipped);
	return sealed_in_index(ix, out);
}
