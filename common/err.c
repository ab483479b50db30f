/* err.c - texts for TR_ERR_* codes. */
#include "err.h"

const char *
tr_strerror(int r)
{
	switch (r) {
	case TR_OK:            return "success";
	case TR_ERR_SHORT:     return "truncated input";
	case TR_ERR_INVAL:     return "invalid input";
	case TR_ERR_NOMEM:     return "out of memory";
	case TR_ERR_LIMIT:     return "limit reached";
	case TR_ERR_SYS:       return "system call failed";
	case TR_ERR_NOTFOUND:  return "not found";
	case TR_ERR_STALE:     return "reused under reader";
	case TR_ERR_AGAIN:     return "try again";
	case TR_ERR_UNSUPP:    return "not supported";
	case TR_ERR_CONFIG:    return "bad configuration";
	case TR_ERR_CRYPTO:    return "authentication failed";
	case TR_ERR_PERM:      return "permission denied";
	case TR_ERR_EXISTS:    return "already exists";
	case TR_ERR_PROTO:     return "protocol violation";
	case TR_ERR_GONE:      return "no longer in memory";
	case TR_ERR_PENDING:   return "awaiting approval";
	default:               return "unknown error";
	}
}
