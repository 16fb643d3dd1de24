/*
 * parallel.h — an ordered parallel loop: items are worked on by a pool of
 * threads (the calling thread among them) in any order and consumed by
 * the calling thread strictly in order, so whatever the thread count the
 * consumer sees the same sequence.
 * At most `window` items are in flight beyond the last one consumed, which
 * bounds the memory their results hold.
 */
#ifndef KG_PARALLEL_H
#define KG_PARALLEL_H

#include "kg.h"

#include <stddef.h>

/** Work on item i; runs in any of the threads, never twice for one i. */
typedef void (*KgWorkFunc)(void *ctx, size_t i);
/** Consume item i after its work; runs in the calling thread, in order.
 * A non-success status stops the loop and is returned. */
typedef KgStatus (*KgConsumeFunc)(void *ctx, size_t i);

/**
 * Run work and consume over items 0..n-1 on `threads` threads: the
 * calling thread and threads - 1 workers.  With threads <= 1 everything
 * runs in the calling thread, one item after the other.  When the loop
 * stops early, items past the failed one may have been worked on but are
 * never consumed: the caller releases what their work left.
 */
KgStatus kg_parallel_ordered(size_t n, unsigned threads, size_t window,
                             KgWorkFunc work, KgConsumeFunc consume, void *ctx);

/** The thread count for a request of n (0: one per core), at most 64. */
unsigned kg_thread_count(unsigned n);

#endif
