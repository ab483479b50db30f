/* audit.h - the hash-chained, Ed25519-signed audit log (table audit).
 * Row hash = SHA-256(prev_hash || be64 seq || be64 ts || for each of actor,
 * action, object, detail: be32 length || bytes); sig = Ed25519(hash).
 * The first row's prev_hash is 32 zero bytes. docs/format.md.
 */
#ifndef TR_AUDIT_H
#define TR_AUDIT_H

#include <stdint.h>
#include <sqlite3.h>
#include <jansson.h>
#include "keys.h"

#define AUDIT_PATH_MAX 512
#define AUDIT_HEAD_FILE "audit.head"    /* in the storage folder */

struct audit;

/* Borrows db and k (both must outlive the audit handle). */
int  audit_open(sqlite3 *db, const struct keys *k, struct audit **ap);
void audit_close(struct audit *);           /* NULL-safe */
/* After each append, also write the signed chain head (seq, hash) to path
 * (under an flock; never moved back). NULL: no head file. */
int  audit_set_head_file(struct audit *, const char *path);
/* Appends one row: BEGIN IMMEDIATE, reads the chain head from the table,
 * INSERT, COMMIT, so several processes may append. Durable on return; then
 * the head file and syslog (LOG_AUTH) get seq and hash. Blocks on fsync and
 * on another writer (busy timeout). Non-zero: no row was written. */
int  audit_append(struct audit *, const char *actor, const char *action,
                  const char *object, const char *detail);
/* A change and its audit row in one transaction, so that neither lands
 * without the other: audit_begin (BEGIN IMMEDIATE on the shared db), the
 * change through the same db, audit_append (joins the transaction), then
 * audit_commit (COMMIT, and only then the head file and syslog) or
 * audit_abort (ROLLBACK: the change and the row are gone). One
 * transaction at a time per handle. */
int  audit_begin(struct audit *);
/* The detail of the newest row with this action (malloc'ed), or NULL. */
char *audit_last_detail(struct audit *, const char *action);
int  audit_commit(struct audit *);
void audit_abort(struct audit *);
/* Compares the table's last row with the signed head file: 0 (why says
 * which row matched), TR_ERR_CRYPTO with why naming the missing rows, a
 * differing row, a missing or forged head file. */
int  audit_head_check(sqlite3 *db, const uint8_t *sign_pk, const char *path, char *why, size_t whylen);
/* Re-checks sequence, chain and signatures of every row. 0, or TR_ERR_CRYPTO
 * with *bad_seqp = the first bad row and a reason in why. */
int  audit_verify(sqlite3 *db, const uint8_t *sign_pk, int64_t *bad_seqp, int64_t *n_rowsp,
                  char *why, size_t whylen);
/* {"audit":[{seq,ts,actor,action,object,detail,hash},...],"total":N}, newest first;
 * action NULL or "" = every action, else only that one. */
int  audit_list(sqlite3 *db, uint32_t limit, uint32_t offset, const char *action, json_t **resp);

#endif
