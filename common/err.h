/* err.h - threatrec error codes: 0 is success, failures are negative TR_ERR_*. */
#ifndef TR_ERR_H
#define TR_ERR_H

#define TR_OK             0
#define TR_ERR_SHORT     -1   /* input ended before a field did */
#define TR_ERR_INVAL     -2   /* malformed or out-of-range input */
#define TR_ERR_NOMEM     -3   /* allocation failed */
#define TR_ERR_LIMIT     -4   /* a configured bound was hit */
#define TR_ERR_SYS       -5   /* a system call failed; see errno */
#define TR_ERR_NOTFOUND  -6   /* no such call, slot, record or key */
#define TR_ERR_STALE     -7   /* a ring slot or chunk was reused under a reader */
#define TR_ERR_AGAIN     -8   /* try again (seqlock retry, would block) */
#define TR_ERR_UNSUPP    -9   /* valid but not handled (link type, codec) */
#define TR_ERR_CONFIG   -10   /* bad configuration */
#define TR_ERR_CRYPTO   -11   /* authentication / decryption failed */
#define TR_ERR_PERM     -12   /* not allowed */
#define TR_ERR_EXISTS   -13   /* already exists */
#define TR_ERR_PROTO    -14   /* IPC protocol violation */
#define TR_ERR_GONE     -15   /* the call is no longer in memory */
#define TR_ERR_PENDING  -16   /* the account awaits a second admin's approval */
#define TR_ERR_MAX_     -16

/* Returns a static, human-readable text for a TR_ERR_* code. */
const char *tr_strerror(int r);

#endif
