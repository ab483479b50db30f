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

struct audit;

/* Borrows db and k (both must outlive the audit handle). Loads the chain head. */
int  audit_open(sqlite3 *db, const struct keys *k, struct audit **ap);
void audit_close(struct audit *);           /* NULL-safe */
/* Appends one row (durable on return) and logs its seq and hash to syslog
 * (LOG_AUTH, an anchor outside the database). Blocks on fsync. */
int  audit_append(struct audit *, const char *actor, const char *action,
                  const char *object, const char *detail);
/* Re-checks sequence, chain and signatures of every row. 0, or TR_ERR_CRYPTO
 * with *bad_seqp = the first bad row and a reason in why. */
int  audit_verify(sqlite3 *db, const uint8_t *sign_pk, int64_t *bad_seqp, int64_t *n_rowsp,
                  char *why, size_t whylen);
/* {"audit":[{seq,ts,actor,action,object,detail,hash},...],"total":N}, newest first. */
int  audit_list(sqlite3 *db, uint32_t limit, uint32_t offset, json_t **resp);

#endif
