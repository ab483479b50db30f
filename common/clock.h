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

#endif
