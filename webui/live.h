/* live.h - the live calls as the web UI sees them: call metadata read from
 * the sniffer's ring (read-only, never packet data), who may see which call,
 * and a bounded memory of the marks made through this web UI (who, when,
 * which recording) to show next to the call. Thread-safe.
 */
#ifndef TR_WEBUI_LIVE_H
#define TR_WEBUI_LIVE_H

#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <jansson.h>

#include "sniffer/ring.h"

struct live;

/* Remembers the ring name; attaches lazily (the sniffer may start later)
 * and re-attaches when the writer's heartbeat stops. NULL on no memory. */
struct live *live_new(const char *ring_name, uint32_t marks_max);
/* The sniffer's user: a ring owned by another (but root or our own) is
 * refused (ring_attach_owner). live_new takes ring_owner_default(). */
void live_set_owner(struct live *, uid_t owner);
void live_free(struct live *);                  /* NULL-safe */

/* True if a user of role (enum ipc_role) with extension ext may see c:
 * supervisors and admins see all; agents only calls whose agent, caller
 * or callee equals their (non-empty) extension. */
bool live_is_visible(const struct ring_call *c, uint32_t role, const char *ext);

/* The visible calls as {"calls":[...],"ring":bool,"now":"..."}; new reference
 * in *outp. 0, or TR_ERR_NOMEM. Without a ring the list is empty and
 * "ring" is false. */
int  live_calls_json(struct live *, uint32_t role, const char *ext, json_t **outp);

/* Copies the call (slot, gen) if it is still there and visible.
 * 0; TR_ERR_NOTFOUND (no ring, slot out of range, or not visible);
 * TR_ERR_STALE when the slot is free or reused (the call is gone). */
int  live_call_get(struct live *, uint32_t slot, uint32_t gen, uint32_t role, const char *ext,
                   struct ring_call *out);

/* Records that user marked the call c (as read by live_call_get) in slot
 * as recording rec_id (oldest entry replaced when full). Remembered with the
 * ring instance (ring_created_ns), gen, Call-ID and From-tag; nothing is
 * remembered when the slot no longer holds c. */
void live_mark_note(struct live *, uint32_t slot, const struct ring_call *c, const char *rec_id,
                    const char *user, const char *note);

/* Adds who/when/which recording from the vault's list of live marks
 * (IPC_STATUS "marks": [{"recording","call_id","slot","gen","marked_by",
 * "marked_at","how"}]) to the matching calls (same slot, gen and, when the
 * entry has one, Call-ID) of a live_calls_json object, only to calls whose
 * ring mark word shows a mark ("mark" is an object): the list never marks a
 * call by itself. Entries of the wrong shape are skipped. */
void live_merge_marks(json_t *calls_obj, const json_t *marks);

/* Ring header counters as a JSON object ({"attached":false} without a ring). */
int  live_stats_json(struct live *, json_t **outp);
/* Appends Prometheus text for the ring counters to f. */
void live_metrics(struct live *, FILE *f);

/* One call as JSON (used by live_calls_json; exposed for tests). now_ns is
 * the capture clock used for the running time. */
json_t *live_call_json(const struct ring_call *c, uint32_t slot, uint64_t markword,
                       uint64_t now_ns);

#endif
