/* clock.h - the two clocks every process reads, in nanoseconds. */
#ifndef TR_CLOCK_H
#define TR_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Wall clock (CLOCK_REALTIME): ns since the Unix epoch. */
static inline uint64_t tr_wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Monotonic clock (CLOCK_MONOTONIC): ns, for intervals and timeouts. */
static inline uint64_t tr_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* ns since the epoch as "2016-11-26T14:52:59.666Z" (UTC, milliseconds);
 * "" for 0 (no such time). */
#define TR_ISO8601_LEN 32
void tr_iso8601(uint64_t ns, char out[TR_ISO8601_LEN]);

#endif
