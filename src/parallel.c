/*
 * parallel.c — the ordered parallel loop of parallel.h.
 *
 * The calling thread is one of the `threads`: it consumes the items in
 * order and, while the next one is not done yet, takes an item and works
 * on it itself, beside threads - 1 workers.  So as many threads compute
 * as there are cores, and a finished item does not wake a consumer that
 * would preempt a worker to merge it (with one more thread than cores,
 * that cost about 5 % of the CPU in scheduling).
 *
 * One mutex; workers wait on `window_open` while the window is full, the
 * caller waits on `next_done` for the item it must consume next, and each
 * is woken only for that.  Items are big (a document, a few thousand
 * facts), so the lock is never the bottleneck.
 */
#include "parallel.h"

#include "util.h"

#include <pthread.h>
#include <stdbool.h>
#include <unistd.h>

typedef struct {
  size_t n, window;
  KgWorkFunc work;
  void *ctx;
  bool *done;
  size_t next;     /* next item to take */
  size_t consumed; /* items consumed so far: the caller needs done[this] */
  bool stop;
  pthread_mutex_t lock;
  pthread_cond_t window_open, next_done;
} Loop;

static bool may_take(const Loop *l) {
  return l->next < l->n && l->next < l->consumed + l->window;
}

/* Work on the next item (the lock held on entry and on return). */
static void take_one(Loop *l) {
  size_t i = l->next++;
  pthread_mutex_unlock(&l->lock);
  l->work(l->ctx, i);
  pthread_mutex_lock(&l->lock);
  l->done[i] = true;
  if (i == l->consumed)
    pthread_cond_signal(&l->next_done);
}

static void *worker(void *arg) {
  Loop *l = arg;
  pthread_mutex_lock(&l->lock);
  for (;;) {
    while (!l->stop && l->next < l->n && !may_take(l))
      pthread_cond_wait(&l->window_open, &l->lock);
    if (l->stop || l->next >= l->n)
      break;
    take_one(l);
  }
  pthread_mutex_unlock(&l->lock);
  return NULL;
}

/* The caller's loop.  When it waits, the item it needs was taken (it
 * takes every untaken one the window allows), so a worker has it and
 * signals when done. */
static KgStatus consume_all(Loop *l, KgConsumeFunc consume) {
  KgStatus st = KG_SUCCESS;
  pthread_mutex_lock(&l->lock);
  while (!st && l->consumed < l->n) {
    size_t i = l->consumed;
    if (l->done[i]) {
      pthread_mutex_unlock(&l->lock);
      st = consume(l->ctx, i);
      pthread_mutex_lock(&l->lock);
      l->consumed = i + 1;
      pthread_cond_broadcast(&l->window_open);
    } else if (may_take(l)) {
      take_one(l);
    } else {
      pthread_cond_wait(&l->next_done, &l->lock);
    }
  }
  pthread_mutex_unlock(&l->lock);
  return st;
}

KgStatus kg_parallel_ordered(size_t n, unsigned threads, size_t window,
                             KgWorkFunc work, KgConsumeFunc consume,
                             void *ctx) {
  if (threads <= 1 || n <= 1) {
    KgStatus st = KG_SUCCESS;
    for (size_t i = 0; !st && i < n; i++) {
      work(ctx, i);
      st = consume(ctx, i);
    }
    return st;
  }
  Loop l = {n,
            window ? window : 1,
            work,
            ctx,
            kg_calloc(n, sizeof(bool)),
            0,
            0,
            false,
            PTHREAD_MUTEX_INITIALIZER,
            PTHREAD_COND_INITIALIZER,
            PTHREAD_COND_INITIALIZER};
  pthread_t *tids = kg_calloc(threads, sizeof *tids);
  if (!l.done || !tids) {
    kg_free(l.done);
    kg_free(tids);
    return KG_ERR_NOMEM;
  }
  unsigned started = 0; /* workers that could not start: the caller works */
  while (started < threads - 1 &&
         pthread_create(&tids[started], NULL, worker, &l) == 0)
    started++;
  KgStatus st = consume_all(&l, consume);
  pthread_mutex_lock(&l.lock);
  l.stop = true;
  pthread_cond_broadcast(&l.window_open);
  pthread_mutex_unlock(&l.lock);
  for (unsigned t = 0; t < started; t++)
    pthread_join(tids[t], NULL);
  kg_free(l.done);
  kg_free(tids);
  return st;
}

unsigned kg_thread_count(unsigned n) {
  long k = n ? (long)n : sysconf(_SC_NPROCESSORS_ONLN);
  return k < 1 ? 1 : k > 64 ? 64 : (unsigned)k;
}
