/*
 * litscan.c — an Aho-Corasick automaton over bytes, as a full DFA.
 *
 * The strings go into a trie (first-child / next-sibling lists while
 * adding).  Compile numbers the states breadth first and fills one row of
 * targets per state: a child where the trie has one, else the target of
 * the state's failure link (the longest proper suffix that is a trie
 * state), whose row is already filled since it is shallower.  Bytes that
 * occur in no string share one column (they always lead back to the
 * root), so a row has one entry per distinct byte of the strings, not
 * 256.  Each state also knows the nearest state on its failure chain,
 * itself included, where a string ends.  Scanning is then one table step
 * per byte plus a test.  The steps depend on each other, so their cost is
 * the latency of the table: with a thousand rules it outgrows the L2
 * cache, so states are stored in 16 bits when they fit (half the bytes).
 */
#include "litscan.h"

#include "util.h"

#include <string.h>

typedef struct {
  uint32_t child, sibling; /* 0: none (the root is never a child) */
  int32_t lit;             /* id of the string ending here, or -1 */
  uint8_t byte;
} BNode;

struct KgLitScan {
  KG_VEC(BNode) trie;
  uint32_t n_lits;
  uint16_t column[256]; /* byte -> column of delta (0: in no string) */
  uint32_t n_columns;
  uint32_t *delta;   /* states x columns: the next state */
  uint16_t *delta16; /* the same when every state fits (then delta NULL) */
  uint32_t *fail;    /* per state: failure link */
  uint32_t *dict;    /* per state: nearest output state on the chain, or 0 */
  int32_t *lit;      /* per state: id of the string ending here, or -1 */
};

KgLitScan *kg_litscan_new(void) {
  KgLitScan *ls = kg_calloc(1, sizeof *ls);
  BNode root = {0, 0, -1, 0};
  if (ls && !kg_vec_push(&ls->trie, root)) {
    kg_free(ls);
    return NULL;
  }
  return ls;
}

void kg_litscan_free(KgLitScan *ls) {
  if (!ls)
    return;
  kg_vec_free(&ls->trie);
  kg_free(ls->delta);
  kg_free(ls->delta16);
  kg_free(ls->fail);
  kg_free(ls->dict);
  kg_free(ls->lit);
  kg_free(ls);
}

uint32_t kg_litscan_count(const KgLitScan *ls) {
  return ls ? ls->n_lits : 0;
}

/* The child of trie node n on byte c, made when missing; 0 on OOM. */
static uint32_t trie_child(KgLitScan *ls, uint32_t n, uint8_t c) {
  uint32_t k = ls->trie.items[n].child;
  while (k && ls->trie.items[k].byte != c)
    k = ls->trie.items[k].sibling;
  if (k)
    return k;
  BNode x = {0, ls->trie.items[n].child, -1, c};
  if (!kg_vec_push(&ls->trie, x))
    return 0;
  k = (uint32_t)ls->trie.len - 1;
  ls->trie.items[n].child = k;
  return k;
}

bool kg_litscan_add(KgLitScan *ls, const char *s, size_t len, uint32_t *id) {
  uint32_t n = 0;
  for (size_t i = 0; i < len; i++)
    if (!(n = trie_child(ls, n, (uint8_t)s[i])))
      return false;
  if (ls->trie.items[n].lit < 0)
    ls->trie.items[n].lit = (int32_t)ls->n_lits++;
  *id = (uint32_t)ls->trie.items[n].lit;
  return true;
}

/* Breadth-first numbering: order[new] = trie index, rank[trie] = new. */
static void number_states(const KgLitScan *ls, uint32_t *order,
                          uint32_t *rank) {
  size_t head = 0, tail = 1;
  order[0] = 0;
  rank[0] = 0;
  for (; head < tail; head++)
    for (uint32_t k = ls->trie.items[order[head]].child; k;
         k = ls->trie.items[k].sibling) {
      rank[k] = (uint32_t)tail;
      order[tail++] = k;
    }
}

/* The columns: one per byte that occurs in some string. */
static void assign_columns(KgLitScan *ls) {
  ls->n_columns = 1;
  for (size_t i = 1; i < ls->trie.len; i++) {
    uint8_t c = ls->trie.items[i].byte;
    if (!ls->column[c])
      ls->column[c] = (uint16_t)ls->n_columns++;
  }
}

/* Row of state i (new numbering): its failure target's row, then its
 * children; the children's failure links are set on the way. */
static void fill_row(KgLitScan *ls, const uint32_t *order, const uint32_t *rank,
                     uint32_t i) {
  size_t w = ls->n_columns;
  uint32_t *row = ls->delta + i * w;
  if (i)
    memcpy(row, ls->delta + ls->fail[i] * w, w * sizeof *row);
  for (uint32_t k = ls->trie.items[order[i]].child; k;
       k = ls->trie.items[k].sibling) {
    uint32_t col = ls->column[ls->trie.items[k].byte];
    /* a child's suffix link: where this state's suffix goes on its byte */
    ls->fail[rank[k]] = i ? ls->delta[ls->fail[i] * w + col] : 0;
    row[col] = rank[k];
  }
  ls->lit[i] = ls->trie.items[order[i]].lit;
  ls->dict[i] = ls->lit[i] >= 0 ? i : i ? ls->dict[ls->fail[i]] : 0;
}

/* Move delta to 16-bit entries; on failure it stays as it is. */
static void narrow(KgLitScan *ls, size_t cells) {
  uint16_t *d = kg_malloc(cells * sizeof *d);
  if (!d)
    return;
  for (size_t i = 0; i < cells; i++)
    d[i] = (uint16_t)ls->delta[i];
  kg_free(ls->delta);
  ls->delta = NULL;
  ls->delta16 = d;
}

bool kg_litscan_compile(KgLitScan *ls) {
  size_t n = ls->trie.len;
  assign_columns(ls);
  uint32_t *order = kg_calloc(n, sizeof *order);
  uint32_t *rank = kg_calloc(n, sizeof *rank);
  ls->delta = kg_calloc(n * ls->n_columns, sizeof *ls->delta);
  ls->fail = kg_calloc(n, sizeof *ls->fail);
  ls->dict = kg_calloc(n, sizeof *ls->dict);
  ls->lit = kg_calloc(n, sizeof *ls->lit);
  bool ok = order && rank && ls->delta && ls->fail && ls->dict && ls->lit;
  if (ok) {
    number_states(ls, order, rank);
    for (uint32_t i = 0; i < n; i++)
      fill_row(ls, order, rank, i);
  }
  kg_free(order);
  kg_free(rank);
  kg_vec_free(&ls->trie); /* not needed for scanning */
  if (ok && n <= UINT16_MAX)
    narrow(ls, n * ls->n_columns);
  return ok;
}

/* What a scan reads, in locals: the outputs it writes are uint32_t
 * arrays, which the compiler must otherwise assume may overwrite the
 * automaton's fields, reloading them at every step. */
typedef struct {
  const uint16_t *column;
  const uint32_t *delta, *fail, *dict;
  const uint16_t *delta16;
  const int32_t *lit;
  size_t w;
} Table;

/* A scan in progress: its state and the job's fields. */
typedef struct {
  uint32_t s, stamp, *seen, *out;
  size_t n;
} Run;

/* One step of run r on byte c, reporting the strings that end there.
 * narrow is a constant wherever this is inlined, so each width gets a
 * loop of its own. */
static inline void step(const Table *t, bool narrow, Run *r, uint8_t c) {
  size_t cell = r->s * t->w + t->column[c];
  r->s = narrow ? t->delta16[cell] : t->delta[cell];
  for (uint32_t o = t->dict[r->s]; o; o = t->dict[t->fail[o]]) {
    uint32_t id = (uint32_t)t->lit[o];
    if (r->seen[id] != r->stamp) {
      r->seen[id] = r->stamp;
      r->out[r->n++] = id;
    }
  }
}

/* Two scans at once while both run, then the longer one alone.  Each
 * step waits on a load from the table (with a thousand rules, from L2 or
 * further); the two chains of steps do not depend on each other, so
 * their waits overlap. */
static inline void scan2(const KgLitScan *ls, bool narrow, KgLitJob *a,
                         KgLitJob *b) {
  const Table t = {ls->column,  ls->delta, ls->fail,     ls->dict,
                   ls->delta16, ls->lit,   ls->n_columns};
  const uint8_t *ta = (const uint8_t *)a->text, *tb = (const uint8_t *)b->text;
  Run ra = {0, a->stamp, a->seen, a->out, a->n};
  Run rb = {0, b->stamp, b->seen, b->out, b->n};
  size_t both = a->len < b->len ? a->len : b->len, i;
  for (i = 0; i < both; i++) {
    step(&t, narrow, &ra, ta[i]);
    step(&t, narrow, &rb, tb[i]);
  }
  for (size_t k = i; k < a->len; k++)
    step(&t, narrow, &ra, ta[k]);
  for (size_t k = i; k < b->len; k++)
    step(&t, narrow, &rb, tb[k]);
  a->n = ra.n;
  b->n = rb.n;
}

void kg_litscan_find2(const KgLitScan *ls, KgLitJob *a, KgLitJob *b) {
  KgLitJob none = {0};
  if (!b)
    b = &none;
  if (!ls || !ls->n_lits)
    return;
  if (ls->delta16)
    scan2(ls, true, a, b);
  else
    scan2(ls, false, a, b);
}

size_t kg_litscan_find(const KgLitScan *ls, const char *text, size_t len,
                       uint32_t *seen, uint32_t stamp, uint32_t *out) {
  KgLitJob j = {text, len, seen, stamp, out, 0};
  kg_litscan_find2(ls, &j, NULL);
  return j.n;
}
