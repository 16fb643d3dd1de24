/*
 * gazetteer.c — entities, their aliases, and one Aho-Corasick automaton
 * over the bytes of every normalised alias.
 *
 * Aliases.  Each alias is normalised (kg_normalize_key), trimmed of outer
 * spaces, and dropped when it is empty or a single ASCII character (such
 * a key would match everywhere; nothing is reported).  An alias whose
 * parts are joined by spaces or hyphens also yields generated variants:
 * all joints a space, all a hyphen, all removed ("gpt-4 turbo" gives
 * "gpt 4 turbo", "gpt-4-turbo", "gpt4turbo").  A key names one entity:
 * an explicit alias beats a generated variant, and between two explicit
 * aliases the first added wins (the second gets KG_FAILURE so the loader
 * can warn); a variant that collides is dropped silently.
 *
 * Keys live in one pool and are found through an open-addressing table of
 * hashes, so adding an alias allocates nothing of its own.  Loading an
 * entities file is gazetteer_load.c; saving and restoring a compiled
 * gazetteer, gazetteer_snapshot.c.
 *
 * Automaton.  The trie is built breadth first, each node's keys sorted by
 * their next byte as the node is expanded (an MSD radix sort), so
 * node ids grow with depth and each node's edges are one sorted run of
 * (label, target) pairs.  Failure and output ("dictionary") links follow
 * in id order.  States travel as refs: the id with OUT_BIT set when a key
 * ends there or down its failure chain.  Three shortcuts make the scan
 * fast on Chinese text, where a character is three bytes:
 *   - nodes up to depth 2 have a dense 256-entry row, failures resolved;
 *   - root3 maps every 3-byte character to the state the root reaches
 *     through it;
 *   - a deeper node that ends on a character boundary keeps "char edges"
 *     (the 3-byte paths below it, sorted) and a 64-bit filter of them, so
 *     a character that continues no key costs one bit test.
 * Reading a whole character gives the same state as reading its bytes
 * (no key starts with a continuation byte: keys must be valid UTF-8), and
 * no match can end inside a character anyway.
 *
 * Matching.  Candidates (every alias ending at every byte, filtered by
 * UTF-8 and word boundaries) are appended to the caller's vector; each
 * time the automaton is back at the root no later match can start before
 * the current position, so the pending candidates are sorted by (begin,
 * longest first) and reduced greedily to non-overlapping matches in
 * place.  Matching reads the gazetteer only, so threads may share it.
 */
#include "gazetteer_impl.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define DENSE_DEPTH 2

/* ---------------------------------------------------------- string index */

/* A multiplicative hash eight bytes at a time (keys are short and many:
 * a byte-wise hash showed in the load time). */
static uint32_t hash_bytes(const char *s, size_t n) {
  const uint64_t m = 0x9E3779B97F4A7C15ULL;
  uint64_t h = n * m, w;
  for (; n >= 8; s += 8, n -= 8) {
    memcpy(&w, s, 8);
    h = (h ^ w) * m;
    h ^= h >> 29;
  }
  w = 0;
  memcpy(&w, s, n);
  h = (h ^ w) * m;
  h ^= h >> 32;
  return (uint32_t)(h * m >> 32);
}

static Slot *index_slot(const StrIndex *ix, const char *key, uint32_t h) {
  size_t mask = ix->cap - 1, i = h & mask;
  while (ix->slots[i].key &&
         (ix->slots[i].hash != h || strcmp(ix->slots[i].key, key) != 0))
    i = (i + 1) & mask;
  return &ix->slots[i];
}

long kg_gaz_index_get(const StrIndex *ix, const char *key) {
  if (ix->cap == 0)
    return -1;
  const Slot *s = index_slot(ix, key, hash_bytes(key, strlen(key)));
  return s->key ? (long)s->item : -1;
}

static bool index_grow(StrIndex *ix) {
  size_t ncap = ix->cap ? ix->cap * 2 : 64;
  Slot *old = ix->slots;
  size_t ocap = ix->cap;
  ix->slots = kg_calloc(ncap, sizeof *ix->slots);
  if (!ix->slots) {
    ix->slots = old;
    return false;
  }
  ix->cap = ncap;
  for (size_t i = 0; i < ocap; i++) {
    if (!old[i].key)
      continue;
    size_t j = old[i].hash & (ncap - 1);
    while (ix->slots[j].key)
      j = (j + 1) & (ncap - 1);
    ix->slots[j] = old[i];
  }
  kg_free(old);
  return true;
}

/* Room for n keys without a rehash. */
static bool index_reserve(StrIndex *ix, size_t n) {
  while (n * 2 > ix->cap)
    if (!index_grow(ix))
      return false;
  return true;
}

bool kg_gaz_index_put(StrIndex *ix, const char *key, uint32_t item) {
  if ((ix->used + 1) * 2 > ix->cap && !index_grow(ix))
    return false;
  uint32_t h = hash_bytes(key, strlen(key));
  *index_slot(ix, key, h) = (Slot){key, h, item};
  ix->used++;
  return true;
}

void kg_gaz_index_free(StrIndex *ix) {
  kg_free(ix->slots);
  ix->slots = NULL;
  ix->cap = ix->used = 0;
}

static bool is_alnum(unsigned char c) {
  return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

static bool is_cont(unsigned char c) {
  return (c & 0xC0) == 0x80;
}

static const char *pattern_key(const KgGazetteer *g, const Pattern *p) {
  return g->pool.data + p->off;
}

static void automaton_free(Automaton *a) {
  kg_free(a->nodes);
  kg_free(a->outs);
  kg_free(a->labels);
  kg_free(a->outbit);
  kg_free(a->dense);
  kg_free(a->root3);
  kg_free(a->cstart);
  kg_free(a->ckeys);
  kg_free(a->ctargets);
  kg_free(a->cmask);
  memset(a, 0, sizeof *a);
}

/* Any change to the aliases makes the automaton stale. */
static void invalidate(KgGazetteer *g) {
  if (g->ac.nodes || g->ac.dense || g->ac.cstart)
    automaton_free(&g->ac);
  g->compiled = false;
}

KgStatus kg_gazetteer_new(const KgNormalizer *norm, KgGazetteer **out) {
  if (!norm || !out)
    return KG_ERR_BAD_ARG;
  *out = kg_calloc(1, sizeof **out);
  if (!*out)
    return KG_ERR_NOMEM;
  (*out)->norm = norm;
  return KG_SUCCESS;
}

void kg_gazetteer_free(KgGazetteer *g) {
  if (!g)
    return;
  for (size_t i = g->n_pooled; i < g->entities.len; i++) {
    kg_free((char *)g->entities.items[i].key);
    kg_free((char *)g->entities.items[i].label);
  }
  kg_vec_free(&g->entities);
  kg_free(g->estr);
  kg_vec_free(&g->patterns);
  kg_free(g->pslots);
  kg_buf_free(&g->pool);
  kg_buf_free(&g->scratch[0]);
  kg_buf_free(&g->scratch[1]);
  kg_gaz_index_free(&g->entity_index);
  kg_vec_free(&g->relations);
  automaton_free(&g->ac);
  kg_free(g);
}

size_t kg_gazetteer_size(const KgGazetteer *g) {
  return g ? g->entities.len : 0;
}

const KgEntityDef *kg_gazetteer_entity(const KgGazetteer *g, uint32_t id) {
  return g && id < g->entities.len ? &g->entities.items[id] : NULL;
}

long kg_gazetteer_find(const KgGazetteer *g, const char *key) {
  return g && key ? kg_gaz_index_get(&g->entity_index, key) : -1;
}

/* ------------------------------------------------------------- entities */

KgStatus kg_gazetteer_add_entity(KgGazetteer *g, const char *key,
                                 const char *label, int type, uint32_t *id) {
  if (!g || !key || !*key || type < 0)
    return KG_ERR_BAD_ARG;
  long found = kg_gaz_index_get(&g->entity_index, key);
  if (found >= 0) {
    if (id)
      *id = (uint32_t)found;
    return KG_SUCCESS;
  }
  if (g->entities.len >= UINT32_MAX - 1)
    return KG_ERR_LIMIT;
  KgEntityDef e = {kg_strdup(key), kg_strdup(label ? label : key), type};
  uint32_t n = (uint32_t)g->entities.len;
  if (!e.key || !e.label || !kg_vec_reserve(&g->entities, n + 1) ||
      !kg_gaz_index_put(&g->entity_index, e.key, n)) {
    kg_free((char *)e.key);
    kg_free((char *)e.label);
    return KG_ERR_NOMEM;
  }
  g->entities.items[g->entities.len++] = e;
  if (id)
    *id = n;
  return KG_SUCCESS;
}

/* ----------------------------------------------------------- relations */

int kg_gaz_cmp_relation(const KgEntityRelation *a, const KgEntityRelation *b) {
  if (a->subject != b->subject)
    return a->subject < b->subject ? -1 : 1;
  if (a->predicate != b->predicate)
    return a->predicate < b->predicate ? -1 : 1;
  return a->object < b->object ? -1 : a->object > b->object;
}

/* First relation not before key (binary search). */
static size_t relation_lower(const KgGazetteer *g, const KgEntityRelation *k) {
  size_t lo = 0, hi = g->relations.len;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (kg_gaz_cmp_relation(&g->relations.items[mid], k) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

KgStatus kg_gazetteer_add_relation(KgGazetteer *g, uint32_t subject,
                                   int predicate, uint32_t object) {
  if (!g || subject >= g->entities.len || object >= g->entities.len ||
      predicate < 0)
    return KG_ERR_BAD_ARG;
  KgEntityRelation r = {subject, object, predicate};
  size_t at = relation_lower(g, &r);
  KgEntityRelation *v = g->relations.items;
  if (at < g->relations.len && kg_gaz_cmp_relation(&v[at], &r) == 0)
    return KG_SUCCESS;
  if (!kg_vec_reserve(&g->relations, g->relations.len + 1))
    return KG_ERR_NOMEM;
  v = g->relations.items;
  memmove(v + at + 1, v + at, (g->relations.len - at) * sizeof *v);
  v[at] = r;
  g->relations.len++;
  return KG_SUCCESS;
}

const KgEntityRelation *kg_gazetteer_relations(const KgGazetteer *g,
                                               uint32_t id, size_t *n) {
  *n = 0;
  if (!g)
    return NULL;
  KgEntityRelation k = {id, 0, -1};
  size_t at = relation_lower(g, &k), end = at;
  while (end < g->relations.len && g->relations.items[end].subject == id)
    end++;
  *n = end - at;
  return *n ? &g->relations.items[at] : NULL;
}

size_t kg_gazetteer_n_relations(const KgGazetteer *g) {
  return g ? g->relations.len : 0;
}

/* ------------------------------------------------------------- aliases */

/* The slot for key[0..len) with hash h: its pattern's, or an empty one. */
static PSlot *pattern_slot(const KgGazetteer *g, const char *key, size_t len,
                           uint32_t h) {
  size_t mask = g->pcap - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    PSlot *s = &g->pslots[i];
    if (!s->item)
      return s;
    const Pattern *p = &g->patterns.items[s->item - 1];
    if (s->hash == h && p->len == len &&
        memcmp(pattern_key(g, p), key, len) == 0)
      return s;
  }
}

static bool pattern_index_grow(KgGazetteer *g) {
  size_t ncap = g->pcap ? g->pcap * 2 : 1024;
  PSlot *slots = kg_calloc(ncap, sizeof *slots);
  if (!slots)
    return false;
  for (size_t i = 0; i < g->pcap; i++) {
    if (!g->pslots[i].item)
      continue;
    size_t j = g->pslots[i].hash & (ncap - 1);
    while (slots[j].item)
      j = (j + 1) & (ncap - 1);
    slots[j] = g->pslots[i];
  }
  kg_free(g->pslots);
  g->pslots = slots;
  g->pcap = ncap;
  return true;
}

bool kg_gaz_reserve(KgGazetteer *g, size_t entities, size_t aliases,
                    size_t alias_bytes) {
  size_t n = g->patterns.len + aliases * 3 / 2;
  if (!kg_vec_reserve(&g->entities, g->entities.len + entities) ||
      !index_reserve(&g->entity_index, g->entities.len + entities) ||
      !kg_vec_reserve(&g->patterns, n))
    return false;
  while ((n + 1) * 2 > g->pcap)
    if (!pattern_index_grow(g))
      return false;
  size_t bytes = g->pool.len + alias_bytes * 2;
  return kg_grow((void **)&g->pool.data, &g->pool.cap, bytes + 1, 1);
}

/* The pattern of key[0..len), or -1. */
static long pattern_find(const KgGazetteer *g, const char *key, size_t len) {
  if (!g->pcap)
    return -1;
  const PSlot *s = pattern_slot(g, key, len, hash_bytes(key, len));
  return s->item ? (long)s->item - 1 : -1;
}

/* Bind key[0..len) (copied) to entity.  KG_FAILURE: the key already names
 * another entity. */
static KgStatus put_pattern(KgGazetteer *g, const char *key, size_t len,
                            uint32_t entity, bool explicit_alias) {
  if ((g->patterns.len + 1) * 2 > g->pcap && !pattern_index_grow(g))
    return KG_ERR_NOMEM;
  uint32_t h = hash_bytes(key, len);
  PSlot *slot = pattern_slot(g, key, len, h);
  if (slot->item) {
    Pattern *p = &g->patterns.items[slot->item - 1];
    KgStatus st = KG_SUCCESS;
    if (p->entity != entity && explicit_alias && !p->explicit_alias)
      p->entity = entity; /* an explicit alias beats a generated one */
    else if (p->entity != entity && explicit_alias)
      st = KG_FAILURE;
    p->explicit_alias |= explicit_alias && p->entity == entity;
    return st;
  }
  size_t off = g->pool.len, n = g->patterns.len;
  if (off + len + 1 > UINT32_MAX || n + 1 >= UINT32_MAX)
    return KG_ERR_LIMIT;
  if (!kg_vec_reserve(&g->patterns, n + 1) ||
      !kg_buf_append(&g->pool, key, len + 1)) /* with its NUL */
    return KG_ERR_NOMEM;
  g->patterns.items[g->patterns.len++] =
      (Pattern){(uint32_t)off, (uint32_t)len, entity, explicit_alias};
  *slot = (PSlot){h, (uint32_t)n + 1};
  return KG_SUCCESS;
}

static bool is_sep(char c) {
  return c == ' ' || c == '-';
}

/* key[0..n) with every run of separators replaced by sep (0: removed),
 * into v. */
static bool join_variant(const char *key, size_t n, char sep, KgBuf *v) {
  v->len = 0;
  if (!kg_buf_append(v, key, n)) /* room for the longest variant */
    return false;
  size_t w = 0;
  for (size_t i = 0; i < n; i++) {
    if (!is_sep(key[i])) {
      v->data[w++] = key[i];
      continue;
    }
    while (i + 1 < n && is_sep(key[i + 1]))
      i++;
    if (sep)
      v->data[w++] = sep;
  }
  v->data[w] = '\0';
  v->len = w;
  return true;
}

static KgStatus put_variants(KgGazetteer *g, const char *key, size_t n,
                             uint32_t entity) {
  if (!memchr(key, ' ', n) && !memchr(key, '-', n))
    return KG_SUCCESS;
  static const char seps[] = {' ', '-', 0};
  KgBuf *v = &g->scratch[1];
  for (size_t i = 0; i < sizeof seps; i++) {
    if (!join_variant(key, n, seps[i], v))
      return KG_ERR_NOMEM;
    KgStatus st = put_pattern(g, v->data, v->len, entity, false);
    if (st == KG_ERR_NOMEM || st == KG_ERR_LIMIT)
      return st;
  }
  return KG_SUCCESS;
}

/* Normal form of alias without outer spaces, at *key (inside b, which is
 * reused); false on OOM. */
static bool alias_key(const KgNormalizer *norm, const char *alias, KgBuf *b,
                      const char **key, size_t *len) {
  if (!kg_normalize_key_buf(norm, alias, strlen(alias), b))
    return false;
  size_t s = 0, e = b->len;
  while (s < e && b->data[s] == ' ')
    s++;
  while (e > s && b->data[e - 1] == ' ')
    e--;
  b->data[e] = '\0';
  *key = b->data + s;
  *len = e - s;
  return true;
}

KgStatus kg_gazetteer_add_alias(KgGazetteer *g, uint32_t id,
                                const char *alias) {
  if (!g || !alias || id >= g->entities.len)
    return KG_ERR_BAD_ARG;
  const char *key;
  size_t n;
  if (!alias_key(g->norm, alias, &g->scratch[0], &key, &n))
    return KG_ERR_NOMEM;
  if (!kg_utf8_valid(key, n, NULL))
    return KG_ERR_ENCODING; /* the scan relies on keys being whole chars */
  if (n == 0 || (n == 1 && (unsigned char)key[0] < 0x80))
    return KG_SUCCESS; /* would match nearly anywhere */
  invalidate(g);
  KgStatus st = put_pattern(g, key, n, id, true);
  if (st == KG_SUCCESS)
    st = put_variants(g, key, n, id);
  return st;
}

long kg_gaz_alias_owner(KgGazetteer *g, const char *alias) {
  const char *key;
  size_t n;
  if (!alias_key(g->norm, alias, &g->scratch[0], &key, &n))
    return -1;
  long p = pattern_find(g, key, n);
  return p >= 0 ? (long)g->patterns.items[p].entity : -1;
}

/* ------------------------------------------------------------- automaton */

/* The OUT_BIT of node id's ref. */
static inline uint32_t out_bit(const Automaton *a, uint32_t id) {
  return (uint32_t)(a->outbit[id >> 6] >> (id & 63) & 1) << 31;
}

/* Ref of the child of node n on byte c, or 0 (the root is no child). */
static inline uint32_t find_edge(const Automaton *a, const Node *n, uint8_t c) {
  if (n->n_edges <= INLINE_EDGES) {
    for (unsigned k = 0; k < n->n_edges; k++)
      if (n->lab[k] == c)
        return (n->child + k) | (uint32_t)(n->flags >> (k + 1) & 1) << 31;
    return 0;
  }
  const uint8_t *lab = a->labels + n->child;
  size_t lo = 0, hi = n->n_edges;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (lab[mid] < c)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo >= n->n_edges || lab[lo] != c)
    return 0;
  uint32_t id = n->child + (uint32_t)lo;
  return id | out_bit(a, id);
}

/* The automaton's transition: from ref s on byte c. */
static inline uint32_t step(const Automaton *a, uint32_t s, uint8_t c) {
  for (;;) {
    uint32_t id = s & ~OUT_BIT;
    if (id < a->n_dense)
      return a->dense[(size_t)id * 256 + c];
    const Node *n = &a->nodes[id];
    uint32_t t = find_edge(a, n, c);
    if (t)
      return t;
    s = n->fail;
  }
}

/* Ask for huge pages on the 2 MiB-aligned part of a large block before it
 * is first touched: the scan jumps around the node array, and with 4 KiB
 * pages it misses the TLB nearly every step.  Only a hint. */
void *kg_gaz_hint_huge(void *p, size_t bytes) {
  const uintptr_t huge = (uintptr_t)2 << 20;
  uintptr_t b = ((uintptr_t)p + huge - 1) & ~(huge - 1);
  uintptr_t e = ((uintptr_t)p + bytes) & ~(huge - 1);
#ifdef MADV_HUGEPAGE
  if (p && e > b)
    madvise((void *)b, e - b, MADV_HUGEPAGE);
#else
  (void)b, (void)e;
#endif
  return p;
}

static bool automaton_alloc(Automaton *a, size_t max_nodes) {
  a->nodes = kg_gaz_hint_huge(kg_calloc(max_nodes, sizeof *a->nodes),
                              max_nodes * sizeof *a->nodes);
  a->outs = kg_gaz_hint_huge(kg_calloc(max_nodes, sizeof *a->outs),
                             max_nodes * sizeof *a->outs);
  a->labels = kg_calloc(max_nodes, 1);
  a->outbit = kg_calloc(max_nodes / 64 + 1, sizeof *a->outbit);
  return a->nodes && a->outs && a->labels && a->outbit; /* outbit: 0 until
                                                           set_refs */
}

/* Give back the unused tail of an array sized for the worst case; a
 * failed shrink keeps the larger block, which is harmless. */
static void shrink(void **p, size_t n, size_t elem) {
  void *q = kg_reallocarray(*p, n ? n : 1, elem);
  if (q)
    *p = q;
}

/* A key in trie order: a node's keys are a run of these, sorted by their
 * next byte when the node is expanded. */
typedef struct {
  const unsigned char *key; /* NUL-terminated */
  const Pattern *p;
} KeyRef;

typedef struct {
  const KgGazetteer *g;
  KeyRef *ord, *tmp; /* n each */
  uint32_t *runs;    /* FIFO of the runs [lo, hi) of the nodes to expand */
  size_t cap;        /* of runs, in pairs: two levels of the trie fit */
  uint32_t *stack;   /* n + 1 triples; later the queue of link_failures */
} TrieBuild;

/* Byte d of a key in the run of a node of depth d (d <= its length; the
 * NUL at its end sorts first). */
static unsigned char key_byte(const TrieBuild *b, uint32_t i, size_t d) {
  return b->ord[i].key[d];
}

/* Sort ord[lo, hi) by the byte at depth d (a key that ends there first):
 * insertion sort for the short runs deep in the trie, counting sort for
 * the long ones near the root. */
static void sort_run(TrieBuild *b, uint32_t lo, uint32_t hi, size_t d) {
  if (hi - lo <= 24) {
    for (uint32_t i = lo + 1; i < hi; i++) {
      KeyRef x = b->ord[i];
      uint32_t j = i;
      unsigned char c = key_byte(b, i, d);
      for (; j > lo && key_byte(b, j - 1, d) > c; j--)
        b->ord[j] = b->ord[j - 1];
      b->ord[j] = x;
    }
    return;
  }
  uint32_t count[257] = {0};
  for (uint32_t i = lo; i < hi; i++)
    count[key_byte(b, i, d) + 1]++;
  for (int c = 1; c < 257; c++)
    count[c] += count[c - 1];
  for (uint32_t i = lo; i < hi; i++)
    b->tmp[lo + count[key_byte(b, i, d)]++] = b->ord[i];
  memcpy(b->ord + lo, b->tmp + lo, (hi - lo) * sizeof *b->ord);
}

/* Mark node q as the end of key p (a key of length depth(q)). */
static void set_output(Automaton *a, uint32_t q, const KgGazetteer *g,
                       const Pattern *p) {
  const char *key = pattern_key(g, p);
  a->outs[q].entity = p->entity + 1;
  a->outs[q].alnum = (uint8_t)(is_alnum((unsigned char)key[0]) |
                               is_alnum((unsigned char)key[p->len - 1]) << 1);
}

/* Create the children of node q, whose keys are ord[i, hi): consecutive
 * ids in byte order.  run receives each child's run [lo, hi); returns
 * their number.  A child where the keys are at a character boundary is
 * marked N_CHARS. */
static unsigned expand(Automaton *a, TrieBuild *b, uint32_t q, uint32_t i,
                       uint32_t hi, uint32_t *run) {
  size_t d = a->outs[q].depth;
  if (hi - i > 1)
    sort_run(b, i, hi, d);
  if (i < hi && key_byte(b, i, d) == 0)
    set_output(a, q, b->g, b->ord[i++].p);
  Node *nq = &a->nodes[q];
  nq->child = (uint32_t)a->n_nodes;
  unsigned k = 0;
  for (; i < hi; k++) {
    unsigned char c = key_byte(b, i, d);
    uint32_t j = i + 1;
    while (j < hi && key_byte(b, j, d) == c)
      j++;
    uint32_t child = (uint32_t)a->n_nodes++;
    a->outs[child].depth = (uint32_t)d + 1;
    a->nodes[child].flags = is_cont(key_byte(b, i, d + 1)) ? 0 : N_CHARS;
    a->labels[child] = c;
    if (k < INLINE_EDGES)
      nq->lab[k] = c;
    run[2 * k] = i, run[2 * k + 1] = j;
    i = j;
  }
  nq->n_edges = (uint16_t)k;
  return k;
}

/* The trie of the keys, each node covering a run of ord (the keys that
 * share its first depth(q) bytes).  Down to depth DENSE_DEPTH it grows
 * breadth first (runs wait in a FIFO), so the nodes that get dense rows
 * are a prefix of the ids.  Below, it grows depth first (a stack of
 * (node, lo, hi)), so that a chain of single children, the tail of most
 * keys, lies contiguous in memory. */
static void build_trie(Automaton *a, TrieBuild *b, size_t n) {
  uint32_t run[2 * 256], *fifo = b->runs, *stack = b->stack, q = 0;
  size_t head = 0, tail = 1, top = 0;
  fifo[0] = 0, fifo[1] = (uint32_t)n;
  a->n_nodes = 1;
  a->nodes[0].flags = N_CHARS;
  for (; q < a->n_nodes && a->outs[q].depth < DENSE_DEPTH; q++) {
    unsigned k = expand(a, b, q, fifo[2 * head], fifo[2 * head + 1], run);
    head = (head + 1) % b->cap;
    for (unsigned m = 0; m < k; m++, tail = (tail + 1) % b->cap)
      fifo[2 * tail] = run[2 * m], fifo[2 * tail + 1] = run[2 * m + 1];
  }
  for (uint32_t v = (uint32_t)a->n_nodes; v-- > q; top += 3) {
    size_t at = (head + (v - q)) % b->cap;
    stack[top] = v, stack[top + 1] = fifo[2 * at];
    stack[top + 2] = fifo[2 * at + 1];
  }
  while (top) {
    top -= 3;
    uint32_t v = stack[top];
    unsigned k = expand(a, b, v, stack[top + 1], stack[top + 2], run);
    for (unsigned m = k; m-- > 0; top += 3) {
      stack[top] = a->nodes[v].child + m;
      stack[top + 1] = run[2 * m], stack[top + 2] = run[2 * m + 1];
    }
  }
}

/* Failure and dictionary links, with plain ids (no OUT_BIT yet), breadth
 * first (queue: n_nodes ids) so that every node a link points to, being
 * shallower, is done before the nodes that need it. */
static void link_failures(Automaton *a, uint32_t *queue) {
  size_t head = 0, tail = 1;
  queue[0] = 0;
  while (head < tail) {
    uint32_t u = queue[head++];
    const Node *nu = &a->nodes[u];
    for (uint32_t v = nu->child; v < nu->child + nu->n_edges; v++) {
      uint32_t f = 0;
      uint8_t c = a->labels[v];
      if (u != 0) {
        uint32_t s = nu->fail;
        while ((f = find_edge(a, &a->nodes[s], c)) == 0 && s != 0)
          s = a->nodes[s].fail;
      }
      a->nodes[v].fail = f;
      a->outs[v].dict = a->outs[f].entity ? f : a->outs[f].dict;
      queue[tail++] = v;
    }
  }
}

/* The nodes that get dense rows: the breadth-first prefix up to depth
 * DENSE_DEPTH, at most MAX_DENSE, ending between two sibling runs. */
static size_t dense_prefix(const Automaton *a) {
  size_t n = 0;
  while (n < a->n_nodes && n < MAX_DENSE && a->outs[n].depth <= DENSE_DEPTH)
    n++;
  for (uint32_t u = 0; u < n; u++) {
    const Node *nu = &a->nodes[u];
    if (nu->child < n && nu->child + nu->n_edges > n)
      return nu->child; /* a run across the end */
  }
  return n;
}

static bool has_out(const Automaton *a, uint32_t id) {
  return a->outs[id].entity || a->outs[id].dict;
}

/* Turn the ids of failure links into refs, and note which nodes' refs
 * carry OUT_BIT (for edges: in the bitmap, and in the parent's flags for
 * the inline ones). */
static void set_refs(Automaton *a) {
  for (uint32_t i = 0; i < a->n_nodes; i++)
    if (has_out(a, i))
      a->outbit[i >> 6] |= (uint64_t)1 << (i & 63);
  for (uint32_t i = 0; i < a->n_nodes; i++) {
    Node *n = &a->nodes[i];
    n->fail |= out_bit(a, n->fail);
    for (unsigned k = 0; k < n->n_edges && k < INLINE_EDGES; k++)
      n->flags |= (uint8_t)(out_bit(a, n->child + k) >> 31 << (k + 1));
  }
}

/* Dense tables for the shallow nodes, in id order so that the failure
 * target's table (shallower) is already there. */
static bool build_dense(Automaton *a, size_t n) {
  a->dense = kg_malloc(n * 256 * sizeof *a->dense);
  if (!a->dense)
    return false;
  for (uint32_t s = 0; s < n; s++) {
    uint32_t *row = a->dense + (size_t)s * 256;
    for (unsigned c = 0; c < 256; c++) {
      uint32_t t = find_edge(a, &a->nodes[s], (uint8_t)c);
      row[c] = t || s == 0 ? t : step(a, a->nodes[s].fail, (uint8_t)c);
    }
    a->n_dense = s + 1; /* row s is ready for the deeper rows */
  }
  return true;
}

/* Index of a 3-byte UTF-8 sequence in root3 (its 16 payload bits). */
static inline size_t index3(const unsigned char *p) {
  return (size_t)(p[0] & 0x0F) << 12 | (size_t)(p[1] & 0x3F) << 6 |
         (p[2] & 0x3F);
}

/* Where the root goes on each 3-byte character: most Chinese text is read
 * one character, not one byte, at a time from the root. */
static bool build_root3(Automaton *a) {
  a->root3 = kg_malloc(65536 * sizeof *a->root3);
  if (!a->root3)
    return false;
  for (unsigned b0 = 0xE0; b0 < 0xF0; b0++) {
    uint32_t s0 = step(a, 0, (uint8_t)b0);
    for (unsigned b1 = 0x80; b1 < 0xC0; b1++) {
      uint32_t s1 = step(a, s0, (uint8_t)b1);
      uint32_t *row = a->root3 + ((b0 & 0x0F) << 12 | (b1 & 0x3F) << 6);
      for (unsigned b2 = 0x80; b2 < 0xC0; b2++)
        row[b2 & 0x3F] = step(a, s1, (uint8_t)b2);
    }
  }
  return true;
}

/* Visit (or, with keys NULL, count) the 3-byte character paths below
 * node id; returns their number. */
static size_t char_paths(const Automaton *a, uint32_t id, uint16_t *keys,
                         uint32_t *targets) {
  size_t n = 0;
  const Node *n0 = &a->nodes[id];
  unsigned char p[3];
  for (uint32_t v0 = n0->child; v0 < n0->child + n0->n_edges; v0++) {
    if ((p[0] = a->labels[v0]) < 0xE0 || p[0] >= 0xF0)
      continue;
    const Node *n1 = &a->nodes[v0];
    for (uint32_t v1 = n1->child; v1 < n1->child + n1->n_edges; v1++) {
      const Node *n2 = &a->nodes[v1];
      p[1] = a->labels[v1];
      for (uint32_t v2 = n2->child; v2 < n2->child + n2->n_edges; v2++) {
        p[2] = a->labels[v2];
        if (keys) {
          keys[n] = (uint16_t)index3(p);
          targets[n] = v2 | out_bit(a, v2);
        }
        n++;
      }
    }
  }
  return n;
}

/* Char edges for the deep nodes that end on a character boundary: there
 * a Chinese character costs one search instead of three. */
static bool build_char_edges(Automaton *a) {
  a->cstart = kg_calloc(a->n_nodes + 1, sizeof *a->cstart);
  a->cmask = kg_calloc(a->n_nodes, sizeof *a->cmask);
  if (!a->cstart || !a->cmask)
    return false;
  size_t total = 0;
  for (uint32_t id = 0; id < a->n_nodes; id++) {
    a->cstart[id] = (uint32_t)total;
    if (id < a->n_dense)
      a->nodes[id].flags &= (uint8_t)~N_CHARS; /* their rows do better */
    else if (a->nodes[id].flags & N_CHARS)
      total += char_paths(a, id, NULL, NULL);
  }
  a->cstart[a->n_nodes] = (uint32_t)total;
  a->ckeys = kg_calloc(total ? total : 1, sizeof *a->ckeys);
  a->ctargets = kg_calloc(total ? total : 1, sizeof *a->ctargets);
  if (!a->ckeys || !a->ctargets)
    return false;
  for (uint32_t id = 0; id < a->n_nodes; id++) {
    if (!(a->nodes[id].flags & N_CHARS))
      continue;
    char_paths(a, id, a->ckeys + a->cstart[id], a->ctargets + a->cstart[id]);
    for (uint32_t e = a->cstart[id]; e < a->cstart[id + 1]; e++)
      a->cmask[id] |= (uint64_t)1 << (a->ckeys[e] & 63);
  }
  return true;
}

/* From the breadth-first trie with its links to the automaton the scan
 * reads: the new layout, the refs, and the shortcuts. */
static KgStatus finish(Automaton *a) {
  shrink((void **)&a->nodes, a->n_nodes, sizeof *a->nodes);
  shrink((void **)&a->outs, a->n_nodes, sizeof *a->outs);
  shrink((void **)&a->labels, a->n_nodes, 1);
  shrink((void **)&a->outbit, a->n_nodes / 64 + 1, sizeof *a->outbit);
  set_refs(a);
  bool ok =
      build_dense(a, dense_prefix(a)) && build_root3(a) && build_char_edges(a);
  return ok ? KG_SUCCESS : KG_ERR_NOMEM;
}

void kg_gaz_note_longest(KgGazetteer *g) {
  g->ac.longest = 0;
  for (size_t i = 0; i < g->patterns.len; i++)
    if (g->patterns.items[i].len > g->ac.longest)
      g->ac.longest = g->patterns.items[i].len;
}

KgStatus kg_gazetteer_compile(KgGazetteer *g) {
  if (!g)
    return KG_ERR_BAD_ARG;
  invalidate(g);
  size_t n = g->patterns.len, max_nodes = 1;
  for (size_t i = 0; i < n; i++)
    max_nodes += g->patterns.items[i].len;
  if (max_nodes > MAX_NODES)
    return KG_ERR_LIMIT;
  TrieBuild b = {g,
                 kg_calloc(n ? n : 1, sizeof *b.ord),
                 kg_calloc(n ? n : 1, sizeof *b.tmp),
                 kg_calloc(2 * n + 2, 2 * sizeof *b.runs),
                 2 * n + 2,
                 kg_malloc((max_nodes > 3 * n + 3 ? max_nodes : 3 * n + 3) *
                           sizeof *b.stack)};
  KgStatus st = KG_ERR_NOMEM;
  if (!b.ord || !b.tmp || !b.runs || !b.stack ||
      !automaton_alloc(&g->ac, max_nodes))
    goto done;
  for (size_t i = 0; i < n; i++) {
    const Pattern *p = &g->patterns.items[i];
    b.ord[i] = (KeyRef){(const unsigned char *)pattern_key(g, p), p};
  }
  build_trie(&g->ac, &b, n);
  link_failures(&g->ac, b.stack);
  if ((st = finish(&g->ac)) != KG_SUCCESS)
    goto done;
  kg_gaz_note_longest(g);
  g->compiled = true;
  st = KG_SUCCESS;
done:
  if (st != KG_SUCCESS)
    automaton_free(&g->ac);
  kg_free(b.ord);
  kg_free(b.tmp);
  kg_free(b.runs);
  kg_free(b.stack);
  return st;
}

/* ------------------------------------------------------------- matching */

static bool on_boundaries(const char *text, size_t len, size_t b, size_t e,
                          uint8_t alnum) {
  const unsigned char *t = (const unsigned char *)text;
  if (is_cont(t[b]) || (e < len && is_cont(t[e])))
    return false;
  if ((alnum & 1) && b > 0 && is_alnum(t[b - 1]))
    return false;
  return !((alnum & 2) && e < len && is_alnum(t[e]));
}

/* Append every key ending at byte end (the scan is in node id s). */
static bool collect(const Automaton *a, const char *text, size_t len,
                    size_t end, uint32_t s, KgGazMatchVec *out) {
  for (uint32_t t = s; t; t = a->outs[t].dict) {
    const NodeOut *o = &a->outs[t];
    if (!o->entity)
      continue;
    size_t begin = end - o->depth;
    if (!on_boundaries(text, len, begin, end, o->alnum))
      continue;
    KgGazMatch m = {begin, end, o->entity - 1};
    if (!kg_vec_push(out, m))
      return false;
  }
  return true;
}

static int cmp_candidate(const void *x, const void *y) {
  const KgGazMatch *a = x, *b = y;
  if (a->begin != b->begin)
    return a->begin < b->begin ? -1 : 1;
  return (a->end < b->end) - (a->end > b->end); /* longest first */
}

/* Reduce the candidates out[from..] to leftmost-longest matches. */
static void select_matches(KgGazMatchVec *out, size_t from) {
  size_t n = out->len - from, w = from;
  if (n == 0)
    return;
  if (n > 1)
    qsort(out->items + from, n, sizeof *out->items, cmp_candidate);
  for (size_t r = from; r < out->len; r++)
    if (w == from || out->items[r].begin >= out->items[w - 1].end)
      out->items[w++] = out->items[r];
  out->len = w;
}

/* Ref of the char edge of node id for the character with index3 k, or 0
 * when there is none. */
static inline uint32_t find_char(const Automaton *a, uint32_t id, uint16_t k) {
  if (!(a->cmask[id] >> (k & 63) & 1))
    return 0; /* the usual case, known without a search */
  size_t lo = a->cstart[id], end = a->cstart[id + 1], hi = end;
  while (hi - lo > 4) { /* keys[hi] >= k, keys[lo - 1] < k */
    size_t mid = lo + (hi - lo) / 2;
    if (a->ckeys[mid] < k)
      lo = mid + 1;
    else
      hi = mid;
  }
  for (; lo < end && a->ckeys[lo] <= k; lo++)
    if (a->ckeys[lo] == k)
      return a->ctargets[lo];
  return 0;
}

/* Move ref *s over the byte, or the whole 3-byte character, at t[i];
 * returns the bytes read.  Reading a character at once skips the states
 * inside it, where no match may end anyway; the state after it is the
 * same, as no key starts with a continuation byte. */
static inline size_t advance(const Automaton *a, uint32_t *s,
                             const unsigned char *t, size_t i, size_t len) {
  unsigned char c = t[i];
  if ((c & 0xF0) != 0xE0 || i + 2 >= len || !is_cont(t[i + 1]) ||
      !is_cont(t[i + 2])) {
    *s = step(a, *s, c); /* ASCII and the rest: byte by byte */
    return 1;
  }
  size_t k = index3(t + i);
  for (uint32_t ref = *s;;) {
    uint32_t id = ref & ~OUT_BIT, next;
    if (id == 0) {
      *s = a->root3[k];
      return 3;
    }
    if (id < a->n_dense) {
      *s = a->dense[(size_t)id * 256 + c];
      return 1;
    }
    const Node *n = &a->nodes[id];
    if (n->flags & N_CHARS) {
      if ((next = find_char(a, id, (uint16_t)k)) != 0) {
        *s = next;
        return 3;
      }
    } else if ((next = find_edge(a, n, c)) != 0) {
      *s = next;
      return 1;
    }
    ref = n->fail;
  }
}

/* One pass of the automaton over text[at, end): its state and place. */
typedef struct {
  size_t at, end;
  uint32_t s;
} Pass;

/* Step p once; false when out of memory. */
static inline bool pass_step(const Automaton *a, Pass *p, const char *text,
                             size_t len, KgGazMatchVec *out) {
  p->at += advance(a, &p->s, (const unsigned char *)text, p->at, len);
  return !(p->s & OUT_BIT) ||
         collect(a, text, len, p->at, p->s & ~OUT_BIT, out);
}

/* A long text as two passes at once.  The scan is bound by the latency
 * of the automaton's memory, one step waiting for the last; two
 * independent passes overlap their waits.  The second starts early
 * enough (a key's length, back to a character boundary) that every key
 * lies whole in one of them; a key both find is one candidate twice,
 * which selection drops. */
static bool match_halves(const Automaton *a, const char *text, size_t len,
                         KgGazMatchVec *out) {
  size_t mid = len / 2, b0 = mid - a->longest;
  while (b0 > 0 && is_cont((unsigned char)text[b0]))
    b0--;
  Pass x = {0, mid, 0}, y = {b0, len, 0};
  bool ok = true;
  while (ok && x.at < x.end && y.at < y.end)
    ok = pass_step(a, &x, text, len, out) && pass_step(a, &y, text, len, out);
  while (ok && x.at < x.end)
    ok = pass_step(a, &x, text, len, out);
  while (ok && y.at < y.end)
    ok = pass_step(a, &y, text, len, out);
  return ok;
}

/* Texts shorter than this are scanned in one pass: too short to gain. */
#define HALVES_MIN 4096

KgStatus kg_gazetteer_match(const KgGazetteer *g, const char *text, size_t len,
                            KgGazMatchVec *out) {
  if (!g || !out || (!text && len) || !g->compiled)
    return KG_ERR_BAD_ARG;
  const Automaton *a = &g->ac;
  size_t start = out->len, pending = out->len;
  if (len >= HALVES_MIN && len >= 8 * a->longest) {
    if (!match_halves(a, text, len, out)) {
      out->len = start;
      return KG_ERR_NOMEM;
    }
    select_matches(out, start);
    return KG_SUCCESS;
  }
  const unsigned char *t = (const unsigned char *)text;
  uint32_t s = 0;
  for (size_t i = 0; i < len;) {
    i += advance(a, &s, t, i, len);
    if (s & OUT_BIT) {
      if (!collect(a, text, len, i, s & ~OUT_BIT, out)) {
        out->len = start;
        return KG_ERR_NOMEM;
      }
    } else if (s == 0 && out->len > pending) {
      select_matches(out, pending); /* nothing later starts before i */
      pending = out->len;
    }
  }
  select_matches(out, pending);
  return KG_SUCCESS;
}
