/* recorder.h - marks, copy-out and sealing. A mark pins the call in the
 * ring (ring_mark_pin), journals it (recordings row, state 'recording'),
 * writes an audit row and starts a job; recorder_tick copies the call's
 * new packet records into its encrypted temporary container and seals it
 * once the call has ended (+ grace) or reached max_length; then sets
 * SEALED and clears PIN. Phone marks (RING_MK_REQ_PHONE) are noticed by
 * polling the mark words. Single-threaded: call everything from the
 * vault's loop. Marks accepted before a crash resume via recorder_resume.
 */
#ifndef TR_RECORDER_H
#define TR_RECORDER_H

#include <stdbool.h>
#include <stdint.h>
#include "ring.h"
#include "index.h"
#include "audit.h"
#include "keys.h"
#include "notify.h"
#include "vconf.h"

#define RECORDER_JOBS_MAX   256
#define RECORDER_TICK_RECS  20000    /* records copied per job per tick (bounded work) */
#define RECORDER_RECENT_MAX 64       /* finished recordings still listed in status "marks" */

struct recorder;

struct recorder_mark_req {
	uint32_t slot, gen;           /* slot RING_NONE: look the call up by call_id */
	const char *call_id;
	const char *marked_by;
	const char *how;              /* "web" | "phone" */
	const char *note;
	const char *only_ext;         /* agent: the call must involve this extension; NULL = any */
};

/* Borrows everything; ring may be NULL until recorder_set_ring. */
struct recorder *recorder_new(const struct vconf *, struct index *, struct audit *,
                              const struct keys *, struct notify *);
void recorder_free(struct recorder *);      /* NULL-safe; aborts (does not seal) open jobs */
/* Sets the ring (borrowed) after it was attached or replaced. */
void recorder_set_ring(struct recorder *, struct ring *);

/* Marks a call. 0 with *out (and *existingp when the call was already
 * marked: same recording), TR_ERR_GONE (no longer in memory, or head lost:
 * no partial recording), TR_ERR_PERM (agent, not their call), TR_ERR_AGAIN
 * (no ring yet), TR_ERR_LIMIT (too many recordings at once), TR_ERR_SYS.
 * Blocks on SQLite fsyncs. */
int  recorder_mark(struct recorder *, const struct recorder_mark_req *, struct rec *out, bool *existingp);
/* Seals a live recording at the next tick. TR_ERR_NOTFOUND if not active. */
int  recorder_stop(struct recorder *, const char *id, const char *by);
/* Whether a stop was already asked for this live recording. */
bool recorder_stop_requested(const struct recorder *, const char *id);
/* Restarts the jobs of every 'recording' row (after a crash). */
int  recorder_resume(struct recorder *);
/* Copy-out, sealing, phone marks. Bounded work per call. */
void recorder_tick(struct recorder *);
/* Seals every active job now with what the ring holds (ring going away). */
void recorder_seal_all(struct recorder *, const char *why);
/* Number of live recordings (jobs). */
uint32_t recorder_active(const struct recorder *);
/* JSON array of the live recordings (state "recording") and the last
 * RECORDER_RECENT_MAX finished ones ("sealed"/"failed"), filtered to an
 * extension when ext != NULL. New reference. */
json_t *recorder_active_json(const struct recorder *, const char *ext);
uint64_t recorder_failures(const struct recorder *);

#endif
