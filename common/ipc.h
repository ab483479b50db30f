/* ipc.h - framed messages between threatrec-webui and threatrec-vault over a
 * unix stream socket (see docs/ipc.md).
 *
 * Frame: a 16-byte header {u32 type, u32 len, u32 id, u32 flags} in host
 * order, then len bytes of payload (len <= IPC_PAYLOAD_MAX), and at most one
 * file descriptor passed with SCM_RIGHTS on the header's sendmsg.
 * Requests (webui -> vault) are fixed-size structs: the vault checks the
 * exact size per type. Replies (vault -> webui) are IPC_R_OK with a JSON
 * text payload, IPC_R_FD with a JSON text payload describing the fd
 * ({"size":N,"content_type":"...","filename":"..."}) plus the fd (a sealed
 * memfd: exported data never touches the disk), or IPC_R_ERR (struct ipc_err).
 */
#ifndef TR_IPC_H
#define TR_IPC_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

#define IPC_PAYLOAD_MAX   16384u
#define IPC_HDR_LEN       16u

enum ipc_type {
	/* requests */
	IPC_LOGIN = 1,        /* struct ipc_login -> OK {"token","csrf","user","role","extension"} */
	IPC_SESSION,          /* struct ipc_token -> OK same as login (token checked, refreshed) */
	IPC_LOGOUT,           /* struct ipc_token -> OK {} */
	IPC_MARK,             /* struct ipc_mark -> OK {"recording":"id","state":"..","existing":bool} */
	IPC_STOP,             /* struct ipc_rec -> OK {} : stop recording a marked live call now */
	IPC_REC_LIST,         /* struct ipc_query -> OK {"recordings":[...],"total":N} or FD */
	IPC_REC_GET,          /* struct ipc_rec -> OK {recording object} */
	IPC_REC_EXPORT,       /* struct ipc_export -> FD (wav / pcap / evidence) */
	IPC_AUDIT_LIST,       /* struct ipc_page -> OK/FD {"audit":[...]} */
	IPC_USER_ADD,         /* struct ipc_user -> OK {} */
	IPC_USER_LIST,        /* struct ipc_token -> OK {"users":[...]} */
	IPC_STATUS,           /* struct ipc_token -> OK {"vault":{...}} */
	IPC_USER_APPROVE,     /* struct ipc_user (user only) -> OK {} : a second admin activates
	                         an investigator or admin account another admin added */
	IPC_PASSWD,           /* struct ipc_passwd -> OK {} : the session's user replaces their
	                         own password (the only request, with IPC_SESSION and IPC_LOGOUT,
	                         a session whose password must change may make) */
	IPC_USER_DISABLE,     /* struct ipc_user (user only) -> OK {} : an admin disables another
	                         account (its sessions end) */
	IPC_USER_ENABLE,      /* struct ipc_user (user only) -> OK {"awaiting_approval":bool} :
	                         an investigator or admin account enabled again waits for a
	                         second admin, as a new one does */
	IPC_REQ_MAX_,
	/* replies */
	IPC_R_OK = 100,
	IPC_R_FD,
	IPC_R_ERR,
};

enum ipc_role { IPC_ROLE_NONE = 0, IPC_ROLE_AGENT = 1, IPC_ROLE_SUPERVISOR = 2,
                IPC_ROLE_INVESTIGATOR = 3, IPC_ROLE_ADMIN = 4 };

enum ipc_export_kind { IPC_EXPORT_WAV = 1, IPC_EXPORT_PCAP = 2, IPC_EXPORT_EVIDENCE = 3 };

#define IPC_TOKEN_LEN 64      /* hex chars of a session token (32 random bytes) */

/* All char arrays are NUL-terminated; the receiver rejects a message whose
 * array has no NUL (ipc_str_ok). */
struct ipc_hdr      { uint32_t type, len, id, flags; };
struct ipc_token    { char token[IPC_TOKEN_LEN + 1]; char remote[63]; };
struct ipc_login    { char user[64]; char pass[256]; char remote[64]; };
struct ipc_mark     { struct ipc_token t; uint32_t slot, gen; char call_id[256]; char note[512]; };
struct ipc_rec      { struct ipc_token t; char id[48]; };
struct ipc_export   { struct ipc_token t; char id[48]; uint32_t kind;
                      uint32_t playback;  /* 1: for the page's player (audited "playback"), else "download" */ };
struct ipc_query    { struct ipc_token t; char caller[96]; char callee[96]; char agent[96];
                      char marked_by[64]; char q[128]; int64_t from, to; uint32_t limit, offset; };
struct ipc_page     { struct ipc_token t; uint32_t limit, offset;
                      char action[32];    /* IPC_AUDIT_LIST: "" = all, else only this action */ };
struct ipc_user     { struct ipc_token t; char user[64]; char pass[256]; char extension[32];
                      uint32_t role; uint32_t pad; };
struct ipc_passwd   { struct ipc_token t; char old[256]; char pass[256]; };
struct ipc_err      { int32_t code; uint32_t http_status; char msg[248]; };

/* --- framing (common/ipc.c) --- */

/* Receive buffer of one connection: holds at most one frame. Embed it and
 * ipc_buf_init it; ipc_buf_clear closes a received fd not yet taken. */
struct ipc_buf {
	uint8_t data[IPC_HDR_LEN + IPC_PAYLOAD_MAX];
	size_t  have;            /* bytes of the current frame received so far */
	int     fd;              /* fd received with the current frame, or -1 */
};
void ipc_buf_init(struct ipc_buf *);
void ipc_buf_clear(struct ipc_buf *);

/* Sends one frame: header, len bytes of payload (len <= IPC_PAYLOAD_MAX) and
 * passfd (or -1) by SCM_RIGHTS. Handles short writes; on a non-blocking fd it
 * waits for POLLOUT up to IPC_SEND_TIMEOUT_MS. Returns 0, TR_ERR_INVAL
 * (len too big), TR_ERR_SYS (errno kept) or TR_ERR_AGAIN (timeout).
 * passfd stays owned by the caller. */
#define IPC_SEND_TIMEOUT_MS 5000
int ipc_send(int fd, uint32_t type, uint32_t id, const void *payload, size_t len, int passfd);

/* Reads towards one frame into b. Returns 1 when a whole frame is there:
 * *h is its header, *payloadp points into b (valid until the next
 * ipc_recv on b), *fdp the passed fd or -1 (the caller now owns it; fdp
 * may be NULL: a passed fd is then closed). Returns 0 on a clean EOF
 * between frames, TR_ERR_AGAIN when a non-blocking fd has no more bytes,
 * TR_ERR_PROTO for a bad header (len > IPC_PAYLOAD_MAX, flags set), an EOF
 * inside a frame, more than one fd or a truncated control message;
 * TR_ERR_SYS on a socket error. A blocking fd blocks until a frame is there. */
int ipc_recv(int fd, struct ipc_buf *b, struct ipc_hdr *h, const uint8_t **payloadp, int *fdp);

/* Checks a header alone (used by ipc_recv and the fuzz target):
 * 0 or TR_ERR_PROTO. */
int ipc_hdr_check(const struct ipc_hdr *h);
/* True when the char array of n bytes holds a NUL. */
bool ipc_str_ok(const char *s, size_t n);
/* A user name or extension as the vault stores them: 1 to max-1 of
 * [A-Za-z0-9._@+*#-]. */
bool ipc_name_ok(const char *s, size_t max);
/* Name of a message type for logs ("IPC_MARK"), "unknown" otherwise. */
const char *ipc_type_name(uint32_t type);

#endif
