/* ring.h - the shared-memory call ring: one writer (the sniffer), many readers.
 *
 * Layout and protocol: docs/ring.md. In short, a POSIX shm object holds
 *   [header page][slot table][chunk pool]
 * and a second object <name>.marks holds the mark words (one u64 per slot),
 * so that write access to them can be given to the vault's group alone.
 * Slots describe calls (struct ring_call) and are published seqlock-style:
 * the writer makes `seq` odd, writes, makes it even (release); readers copy
 * and re-check. Every reuse of a slot bumps `gen`. Packet records live in
 * fixed-size chunks chained per call by index (never pointers). The mark
 * words are the only bytes a reader may write (atomically, by CAS).
 *
 * The ring holds unmarked call audio: it is never written to disk.
 */
#ifndef TR_RING_H
#define TR_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define RING_MAGIC            0x5452494e47303031ULL   /* "TRING001" */
#define RING_VERSION          2
#define RING_CALLID_MAX       256   /* bytes incl. NUL; longer Call-IDs are truncated and flagged */
#define RING_TAG_MAX          96
#define RING_NUM_MAX          96    /* caller / callee / agent text */
#define RING_MEDIA_MAX        8     /* media endpoints remembered per call */
#define RING_PT_MAX           16    /* payload-type map entries per call */
#define RING_CODEC_NAME_MAX   16
#define RING_SLOTS_MAX        (1u << 20)
#define RING_CHUNK_MIN        4096u
#define RING_CHUNK_MAX        (1u << 24)
#define RING_NONE             0xffffffffu
#define RING_REC_ALIGN        8u

/* Call state (ring_call.state). */
enum ring_state {
	RING_ST_FREE = 0,
	RING_ST_SETUP,       /* INVITE seen, no final answer yet */
	RING_ST_ACTIVE,      /* 2xx seen */
	RING_ST_ENDED,       /* BYE/CANCEL/final error or media timeout */
};

/* Why a call ended (ring_call.end_reason). */
enum ring_end {
	RING_END_NONE = 0, RING_END_BYE, RING_END_CANCEL, RING_END_REJECTED,
	RING_END_TIMEOUT, RING_END_SHUTDOWN,
};

/* ring_call.flags */
#define RING_CF_HEAD_LOST      0x01u  /* some of the call's oldest chunks were overwritten */
#define RING_CF_CALLID_TRUNC   0x02u
#define RING_CF_REC_DROPPED    0x04u  /* a record could not be stored (no free chunk) */

/* Which party a media endpoint belongs to / which way a packet went. */
enum ring_side { RING_SIDE_CALLER = 0, RING_SIDE_CALLEE = 1, RING_SIDE_UNKNOWN = 2 };
enum ring_dir  { RING_DIR_FWD = 0 /* caller->callee */, RING_DIR_REV = 1, RING_DIR_UNKNOWN = 2 };

struct ring_media {            /* one SDP media endpoint, from offer or answer */
	uint8_t  family;           /* 4 or 6; 0 = unused entry */
	uint8_t  side;             /* enum ring_side: whose SDP announced it */
	uint8_t  rtcp_mux;
	uint8_t  pad;
	uint16_t port;             /* RTP port; RTCP is port+1 unless rtcp_mux */
	uint16_t rtcp_port;        /* from a=rtcp, else port+1 */
	uint8_t  addr[16];         /* IPv4 in the first 4 bytes */
};

struct ring_pt {               /* one rtpmap entry (static types are filled in too) */
	uint8_t  pt;
	uint8_t  channels;
	uint8_t  used;
	uint8_t  pad;
	uint32_t clock_rate;
	char     name[RING_CODEC_NAME_MAX];   /* "PCMU", "telephone-event", ... NUL-terminated */
};

/* A call slot as readers see it. All strings are NUL-terminated. Times are
 * capture-clock nanoseconds since the Unix epoch. */
struct ring_call {
	uint32_t seq;              /* seqlock: odd while the writer updates */
	uint32_t gen;              /* bumped on every reuse of the slot; never 0 for a live slot */
	uint32_t state;            /* enum ring_state */
	uint32_t end_reason;       /* enum ring_end */
	uint32_t flags;            /* RING_CF_* */
	uint32_t n_media;
	uint32_t n_pt;
	uint32_t head_chunk;       /* chunk index or RING_NONE */
	uint32_t tail_chunk;
	uint32_t n_chunks;
	uint64_t n_packets;        /* records stored */
	uint64_t n_bytes;          /* captured bytes stored */
	uint64_t n_dropped;        /* records lost (eviction of head, or no space) */
	uint64_t t_first;          /* first packet (the INVITE) */
	uint64_t t_answer;         /* 2xx, 0 if none */
	uint64_t t_end;            /* end, 0 while live */
	uint64_t t_last;           /* last packet of any kind */
	uint64_t t_last_media;     /* last RTP/RTCP packet */
	uint32_t link_type;        /* DLT of the stored packets */
	uint32_t pad0;
	char     call_id[RING_CALLID_MAX];
	char     from_tag[RING_TAG_MAX];
	char     caller[RING_NUM_MAX];     /* user part of From (or P-Asserted-Identity) */
	char     callee[RING_NUM_MAX];     /* user part of To / request URI */
	char     agent[RING_NUM_MAX];      /* the internal party's number, "" if unknown */
	char     caller_asserted[RING_NUM_MAX]; /* P-Asserted-Identity user of the INVITE, "" if none */
	uint32_t agent_side;               /* enum ring_side of the internal party */
	uint32_t pad1;
	struct ring_media media[RING_MEDIA_MAX];
	struct ring_pt    pt[RING_PT_MAX];
};

/* Kind of stored packet (ring_rec.kind). */
enum ring_kind { RING_K_SIP = 1, RING_K_RTP = 2, RING_K_RTCP = 3, RING_K_FRAG = 4, RING_K_OTHER = 5 };

/* Header of one packet record inside a chunk, followed by caplen bytes
 * padded to RING_REC_ALIGN. 24 bytes, little-endian host order. */
struct ring_rec {
	uint64_t ts_ns;            /* capture time */
	uint32_t caplen;           /* bytes stored */
	uint32_t origlen;          /* length on the wire */
	uint16_t link_type;        /* DLT_* */
	uint8_t  kind;             /* enum ring_kind */
	uint8_t  dir;              /* enum ring_dir */
	uint16_t l5_off;           /* offset of the UDP/TCP payload in the bytes, 0xffff if none */
	uint16_t l5_len;           /* its length (clamped to what was captured) */
};

/* Header counters (ring_stats). Reject reasons are indexed by RING_REJ_*. */
enum ring_reject {
	RING_REJ_LINK = 0,      /* unsupported/short link header */
	RING_REJ_IP,            /* bad IPv4/IPv6 header */
	RING_REJ_FRAG,          /* fragment dropped (overlap, limit, timeout) */
	RING_REJ_UDP,           /* bad UDP header */
	RING_REJ_SIP,           /* SIP that did not parse */
	RING_REJ_SDP,           /* SDP that did not parse */
	RING_REJ_RTP,           /* bad RTP/RTCP header */
	RING_REJ_NOCALL,        /* RTP/RTCP to no known call endpoint */
	RING_REJ_CALLS_FULL,    /* no free slot for a new call */
	RING_REJ_TCP,           /* TCP segment not handled */
	RING_REJ_OTHER,         /* anything else not ours */
	RING_REJ_MAX_
};

struct ring_stats {
	uint64_t packets;          /* packets seen by the sniffer */
	uint64_t bytes;
	uint64_t stored_packets;   /* records written into the ring */
	uint64_t stored_bytes;
	uint64_t kernel_drops;     /* pcap_stats ps_drop + ps_ifdrop */
	uint64_t calls_total;      /* calls created */
	uint64_t calls_active;     /* slots in use */
	uint64_t evictions_calls;  /* ended calls freed after grace */
	uint64_t evictions_chunks; /* chunks taken from live unmarked calls */
	uint64_t records_dropped;  /* records that could not be stored */
	uint64_t chunks_total;
	uint64_t chunks_used;
	uint64_t rejects[RING_REJ_MAX_];
	uint64_t last_ts;          /* capture clock of the last packet */
	uint64_t writer_pid;
	uint64_t heartbeat;        /* wall-clock ns, updated by the writer at least every second */
};

/* Mark words: one per slot, on their own pages. word = gen << 32 | flags. */
#define RING_MK_REQ_PHONE   0x01u   /* sniffer: a key code asked for a mark */
#define RING_MK_PIN         0x02u   /* vault: never evict this call's chunks */
#define RING_MK_SEALED      0x04u   /* vault: recording sealed */
#define RING_MK_EVICT       0x08u   /* writer: eviction in progress (pin must wait) */

struct ring_conf {
	const char *name;          /* shm name ("/threatrec") or NULL for a private anonymous ring */
	uint64_t size;             /* total bytes of the chunk pool */
	uint32_t slots;            /* call slots */
	uint32_t chunk_size;       /* bytes per chunk, power of two */
	uint64_t grace_ns;         /* keep an unmarked ended call this long; UINT64_MAX = forever */
	uint32_t mode;             /* shm file mode, e.g. 0640 */
	int      mlock;            /* lock the mapping in RAM */
	uint32_t marks_mode;       /* mode of the <name>.marks object; 0 = 0660 */
};

struct ring;

/* Lifecycle. ring_create: the writer creates the ring, replacing what has
 * that name only when it is not a ring of this version or its writer is
 * gone (logged). The writer holds an exclusive flock on the ring object
 * until ring_close (the kernel drops it when the process ends, however it
 * ends), so a ring whose writer runs is left alone, with its .marks object:
 * TR_ERR_EXISTS, and the reason is logged (the name, the writer's pid, the
 * heartbeat's age).
 * ring_attach: a reader maps it; RING_ATTACH_MARKS also maps the mark words
 * writable (vault). Both return 0 or TR_ERR_*; *ringp is freed with ring_close.
 * ring_attach_why also puts what is wrong into why (no such ring, not a
 * threatrec ring, another version, the .marks object missing, ...), without
 * the ring's name; the return codes are those of ring_attach.
 * Both objects must belong to a writer the reader trusts (root, the
 * reader's own user, or owner: ring_owner_trusted) and may not be writable
 * by every user: /dev/shm is open to every local user, and a ring someone
 * else made could feed made-up calls to the vault as evidence. Else
 * TR_ERR_PERM. ring_attach and ring_attach_why trust ring_owner_default(),
 * the uid of the user RING_OWNER_USER (the packaged sniffer's) if there is
 * one; the vault and the web UI take it from their ring_owner setting. */
#define RING_OWNER_USER     "threatrec-sniffer"
#define RING_OWNER_NONE     ((uid_t)-1)
uid_t ring_owner_default(void);
bool ring_owner_trusted(uid_t uid, uid_t owner);
int  ring_attach_owner(const char *name, int flags, uid_t owner, struct ring **ringp, char *why,
                       size_t whylen);
#define RING_ATTACH_RDONLY  0
#define RING_ATTACH_MARKS   1
int  ring_create(const struct ring_conf *, struct ring **ringp);
int  ring_attach(const char *name, int flags, struct ring **ringp);
int  ring_attach_why(const char *name, int flags, struct ring **ringp, char *why, size_t whylen);
/* NULL-safe. The writer unlinks the shm objects, if they are still the ones
 * it created (not a successor's that replaced them). */
void ring_close(struct ring *);

uint32_t ring_slots(const struct ring *);
/* The writer's wall clock (ns) when it created the ring: tells a ring from
 * its successor under the same name, whose slots and gens start over. */
uint64_t ring_created_ns(const struct ring *);

/* --- writer side (single thread) --- */

/* Takes a free slot for a new call (evicting an ended unpinned call past
 * grace if needed). *c is copied in; seq/gen/chunk fields are ignored.
 * Returns 0 and the slot, or TR_ERR_LIMIT (counted in rejects[CALLS_FULL]). */
int  ring_call_new(struct ring *, const struct ring_call *c, uint32_t *slotp);
/* Rewrites a live slot's metadata (seqlock publish). Chunk/packet fields
 * and gen are kept from the ring; everything else comes from *c. */
int  ring_call_update(struct ring *, uint32_t slot, const struct ring_call *c);
/* Appends one packet record to a call. May evict unmarked data (never a
 * pinned call's). Returns 0, or TR_ERR_LIMIT if nothing could be freed. */
int  ring_call_append(struct ring *, uint32_t slot, const struct ring_rec *rec,
                      const uint8_t *bytes);
/* Frees ended calls past grace (capture clock now_ns) unless pinned. */
void ring_expire(struct ring *, uint64_t now_ns);
/* Frees a call immediately unless pinned (used at shutdown of private rings). */
int  ring_call_free(struct ring *, uint32_t slot);
/* The header counters, writable by the writer. */
struct ring_stats *ring_stats_w(struct ring *);
/* Sets/clears mark bits from the writer (RING_MK_REQ_PHONE). */
int  ring_mark_request(struct ring *, uint32_t slot, uint32_t gen);

/* --- reader side --- */

/* Copies slot metadata consistently (seqlock). Returns 0, TR_ERR_NOTFOUND
 * for a free slot, or TR_ERR_AGAIN after too many retries. */
int  ring_call_read(const struct ring *, uint32_t slot, struct ring_call *out);
/* Copies the header counters (racy but monotonic fields). */
void ring_stats_read(const struct ring *, struct ring_stats *out);
/* Whether the ring's name still leads to this ring: 1 yes, 0 when the
 * object was unlinked (its writer ended) or the name now holds another
 * ring (or one being created), TR_ERR_SYS when it cannot be opened to
 * check. A reader's mapping outlives the unlink; this tells it to let go.
 * Read-only; a private anonymous ring is always current. */
int  ring_is_current(const struct ring *);
/* Finds the live slot of a Call-ID (and from-tag if not NULL). */
int  ring_find(const struct ring *, const char *call_id, const char *from_tag, uint32_t *slotp,
               struct ring_call *out);

/* Iterates the packet records of (slot, gen). The iterator owns a private
 * copy of the current chunk: records stay valid until the next call.
 * ring_iter_next returns 1 with a record, 0 at the end (for now: a live
 * call may grow later), or TR_ERR_STALE if the call was freed/reused, or
 * TR_ERR_GONE if its head was overwritten before the iterator reached it. */
struct ring_iter {
	const struct ring *ring;
	uint32_t slot, gen;
	uint32_t chunk;            /* current chunk index or RING_NONE */
	uint32_t chunk_seq;        /* sequence number of that chunk within the call */
	uint32_t off;              /* read offset in the chunk copy */
	uint32_t used;             /* bytes valid in the copy */
	uint8_t *buf;              /* chunk_size bytes */
	uint64_t records;          /* records returned so far */
};
int  ring_iter_init(struct ring_iter *, const struct ring *, uint32_t slot, uint32_t gen);
int  ring_iter_next(struct ring_iter *, struct ring_rec *rec, const uint8_t **bytesp);
void ring_iter_clear(struct ring_iter *);

/* --- mark words (vault) --- */
uint64_t ring_mark_get(const struct ring *, uint32_t slot);
/* Pins (slot, gen): returns 0, TR_ERR_STALE if gen no longer matches,
 * TR_ERR_GONE if the call's head was already overwritten. */
int  ring_mark_pin(struct ring *, uint32_t slot, uint32_t gen);
int  ring_mark_set(struct ring *, uint32_t slot, uint32_t gen, uint32_t set, uint32_t clear);

#endif
