/*
 * parallel.c — the ordered parallel loop of parallel.h.
 *
 * One mutex and one condition variable: workers wait while the window is
 * full, the consumer waits for the next item to be done.  Items are big
 * (a document, a few thousand facts), so the lock is never the bottleneck.
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
  size_t consumed; /* items consumed so far */
  bool stop;
  pthread_mutex_t lock;
  pthread_cond_t changed;
} Loop;

static void *worker(void *arg) {
  Loop *l = arg;
  pthread_mutex_lock(&l->lock);
  for (;;) {
    while (!l->stop && l->next < l->n && l->next >= l->consumed + l->window)
      pthread_cond_wait(&l->changed, &l->lock);
    if (l->stop || l->next >= l->n)
      break;
    size_t i = l->next++;
    pthread_mutex_unlock(&l->lock);
    l->work(l->ctx, i);
    pthread_mutex_lock(&l->lock);
    l->done[i] = true;
    pthread_cond_broadcast(&l->changed);
  }
  pthread_mutex_unlock(&l->lock);
  return NULL;
}

static KgStatus consume_all(Loop *l, KgConsumeFunc consume) {
  KgStatus st = KG_SUCCESS;
  for (size_t i = 0; !st && i < l->n; i++) {
    pthread_mutex_lock(&l->lock);
    while (!l->done[i])
      pthread_cond_wait(&l->changed, &l->lock);
    pthread_mutex_unlock(&l->lock);
    st = consume(l->ctx, i);
    pthread_mutex_lock(&l->lock);
    l->consumed = i + 1;
    pthread_cond_broadcast(&l->changed);
    pthread_mutex_unlock(&l->lock);
  }
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
            PTHREAD_COND_INITIALIZER};
  pthread_t *tids = kg_calloc(threads, sizeof *tids);
  if (!l.done || !tids) {
    kg_free(l.done);
    kg_free(tids);
    return KG_ERR_NOMEM;
  }
  unsigned started = 0;
  while (started < threads &&
         pthread_create(&tids[started], NULL, worker, &l) == 0)
    started++;
  KgStatus st = started ? consume_all(&l, consume) : KG_ERR_INTERNAL;
  pthread_mutex_lock(&l.lock);
  l.stop = true;
  pthread_cond_broadcast(&l.changed);
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
