/* index.h - the vault's SQLite index (WAL, synchronous=FULL): recordings
 * and their call-index data. users/sessions live in auth.c, audit rows in
 * audit.c, on the same handle. Prepared statements with bound parameters
 * only. Functions may block on disk I/O (fsync on commit).
 */
#ifndef TR_INDEX_H
#define TR_INDEX_H

#include <stdint.h>
#include <sqlite3.h>
#include <jansson.h>
#include "ipc.h"

#define INDEX_ID_MAX 48
#define INDEX_TIME_MAX_S 253402300799LL     /* ipc_query from/to limit: 9999-12-31T23:59:59Z */

struct rec {
	char     id[INDEX_ID_MAX];
	char     call_id[256];
	char     from_tag[96];
	char     caller[96], callee[96], agent[96];
	int64_t  start_ns, end_ns;    /* capture clock, ns since the epoch; end 0 while live */
	double   duration;            /* seconds */
	char     codecs[128];         /* "PCMU,PCMA" */
	char     marked_by[64];
	int64_t  marked_at_ns;        /* wall clock */
	char     how[8];              /* "web" | "phone" */
	char     note[512];
	char     state[12];           /* "recording" | "sealed" | "failed" */
	char     fail_reason[256];
	char     container[128];      /* file name under <storage>/rec/ */
	char     sha256[65];          /* hex */
	int64_t  size;
	uint32_t slot, gen;           /* where the call lives in the ring */
	int64_t  sealed_at_ns;        /* wall clock of the seal, 0 before */
};

struct index;

/* Opens (creating the schema if needed) path. Caller closes with index_close. */
int  index_open(const char *path, struct index **ixp);
void index_close(struct index *);           /* NULL-safe */
sqlite3 *index_db(struct index *);          /* borrowed handle for auth.c / audit.c */

int  index_rec_insert(struct index *, const struct rec *);
/* 0 and *out, or TR_ERR_NOTFOUND. */
int  index_rec_get(struct index *, const char *id, struct rec *out);
int  index_rec_find_call(struct index *, const char *call_id, const char *from_tag,
                         int64_t start_ns, struct rec *out);
/* Sets state sealed and end, duration, codecs, container, sha256, size,
 * fail_reason (early-seal note), sealed_at (now if 0). */
int  index_rec_seal(struct index *, const struct rec *);
int  index_rec_fail(struct index *, const char *id, const char *reason);
/* Calls cb for every recording in state st (e.g. "recording"); stops on non-zero. */
int  index_rec_each_state(struct index *, const char *st, int (*cb)(void *, const struct rec *), void *arg);
/* Calls cb for every recording, any state (verify). */
int  index_rec_each(struct index *, int (*cb)(void *, const struct rec *), void *arg);
/* Search (ipc_query filters; from/to outside [0, INDEX_TIME_MAX_S]:
 * TR_ERR_INVAL); *resp is {"recordings":[...],"total":N}, caller json_decref's. */
int  index_rec_query(struct index *, const struct ipc_query *q, json_t **resp);
/* The JSON object of one recording (new reference). */
json_t *index_rec_json(const struct rec *);
/* Counts for IPC_STATUS. */
int  index_stats(struct index *, int64_t *n_rec, int64_t *n_recording, int64_t *last_seal_ns,
                 int64_t *bytes);

/* Small helpers shared with auth.c / audit.c. */
int  index_exec(struct index *, const char *sql);
int64_t index_now_ns(void);                 /* wall clock */
void index_iso8601(int64_t ns, char out[32]);

#endif
