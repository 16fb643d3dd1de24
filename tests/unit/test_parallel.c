/* Unit tests for parallel.c: order, window, early stop, thread counts. */
#include "parallel.h"

#include <criterion/criterion.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#define N 500

typedef struct {
  size_t window;
  atomic_int worked[N];
  atomic_size_t in_flight, max_in_flight;
  atomic_size_t n_consumed;
  atomic_int early; /* items worked on before item - window was consumed */
  size_t consumed[N];
  size_t stop_at; /* consume fails here */
} Ctx;

static void work(void *p, size_t i) {
  Ctx *c = p;
  /* what lets a caller keep results in a ring of `window` slots */
  if (i >= c->window && atomic_load(&c->n_consumed) <= i - c->window)
    atomic_fetch_add(&c->early, 1);
  size_t now = atomic_fetch_add(&c->in_flight, 1) + 1;
  size_t seen = atomic_load(&c->max_in_flight);
  while (now > seen &&
         !atomic_compare_exchange_weak(&c->max_in_flight, &seen, now))
    ;
  if (i % 7 == 0)
    usleep(200); /* some items finish late, out of order */
  atomic_fetch_add(&c->worked[i], 1);
}

static KgStatus consume(void *p, size_t i) {
  Ctx *c = p;
  cr_assert_eq(atomic_load(&c->worked[i]), 1, "item %zu consumed unworked", i);
  atomic_fetch_sub(&c->in_flight, 1);
  c->consumed[atomic_load(&c->n_consumed)] = i;
  atomic_fetch_add(&c->n_consumed, 1);
  return i == c->stop_at ? KG_ERR_IO : KG_SUCCESS;
}

static void run(unsigned threads, size_t window) {
  static Ctx c;
  memset(&c, 0, sizeof c);
  c.window = window;
  c.stop_at = (size_t)-1;
  KgStatus st =
      kg_parallel_ordered(N, threads, window, work, consume, (void *)&c);
  cr_assert_eq(st, KG_SUCCESS);
  cr_assert_eq(c.n_consumed, N);
  for (size_t i = 0; i < N; i++) {
    cr_assert_eq(c.consumed[i], i, "threads %u: position %zu", threads, i);
    cr_assert_eq(atomic_load(&c.worked[i]), 1);
  }
  /* the window bounds the results waiting for the consumer */
  cr_expect_leq(atomic_load(&c.max_in_flight), window + 1);
  cr_expect_eq(atomic_load(&c.early), 0,
               "threads %u: item taken while its "
               "slot's previous item was not consumed",
               threads);
}

Test(parallel, consumes_in_order_whatever_the_threads) {
  run(1, 1);
  run(2, 4);
  run(8, 3);
}

Test(parallel, stops_at_the_first_failure) {
  static Ctx c;
  memset(&c, 0, sizeof c);
  c.window = 8;
  c.stop_at = 42;
  KgStatus st = kg_parallel_ordered(N, 4, 8, work, consume, &c);
  cr_assert_eq(st, KG_ERR_IO);
  cr_assert_eq(c.n_consumed, 43);
  size_t worked = 0;
  for (size_t i = 0; i < N; i++)
    worked += (size_t)atomic_load(&c.worked[i]);
  cr_expect_leq(worked, 43 + 8 + 4, "work ran far past the failure");
}

Test(parallel, thread_count) {
  cr_expect_eq(kg_thread_count(3), 3);
  cr_expect_eq(kg_thread_count(1000), 64);
  cr_expect_geq(kg_thread_count(0), 1);
}
