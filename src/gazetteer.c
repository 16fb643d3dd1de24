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
 * hashes, so adding an alias allocates nothing of its own.  Loading reads
 * the plain Turtle of an entities file itself (see "Turtle, quickly"),
 * with raptor for anything beyond it.
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
#include "gazetteer.h"

#include "rdf_io.h"
#include "source.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define DENSE_DEPTH 2
#define MAX_DENSE 4096 /* 1 KiB each */
#define INLINE_EDGES 5
#define N_CHARS 1u /* node: 3-byte characters go through char edges */
#define OUT_BIT 0x80000000u
#define MAX_NODES 0x7FFFFFFFu

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

/* Open addressing from a borrowed key string to an item number.  Slots
 * keep the key's hash, so a probe compares strings only on a likely hit. */
typedef struct {
  const char *key; /* NULL: empty */
  uint32_t hash, item;
} Slot;

typedef struct {
  Slot *slots;
  size_t cap, used; /* cap: 0 or a power of two */
} StrIndex;

static Slot *index_slot(const StrIndex *ix, const char *key, uint32_t h) {
  size_t mask = ix->cap - 1, i = h & mask;
  while (ix->slots[i].key &&
         (ix->slots[i].hash != h || strcmp(ix->slots[i].key, key) != 0))
    i = (i + 1) & mask;
  return &ix->slots[i];
}

static long index_get(const StrIndex *ix, const char *key) {
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

/* Bind key (absent, must outlive the index) to item. */
static bool index_put(StrIndex *ix, const char *key, uint32_t item) {
  if ((ix->used + 1) * 2 > ix->cap && !index_grow(ix))
    return false;
  uint32_t h = hash_bytes(key, strlen(key));
  *index_slot(ix, key, h) = (Slot){key, h, item};
  ix->used++;
  return true;
}

static void index_free(StrIndex *ix) {
  kg_free(ix->slots);
  ix->slots = NULL;
  ix->cap = ix->used = 0;
}

/* ------------------------------------------------------------ structure */

/* A normalised key, stored NUL-terminated at pool + off. */
typedef struct {
  uint32_t off, len;
  uint32_t entity;
  bool explicit_alias; /* given by the caller, not a generated variant */
} Pattern;

/* Pattern lookup by key: slot = (hash, pattern + 1), 0 when empty. */
typedef struct {
  uint32_t hash, item;
} PSlot;

/* A node as the scan sees it.  States are passed around as refs: the node
 * id, with OUT_BIT set when a key ends there or on its failure chain, so
 * the scan tests for output without touching the node. */
typedef struct {
  uint32_t fail;    /* ref */
  uint32_t child;   /* id of the first child; the others follow it */
  uint16_t n_edges; /* at most 256 */
  uint8_t flags;    /* N_CHARS; bit k + 1: inline child k is an OUT ref */
  uint8_t lab[INLINE_EDGES]; /* the first labels, to spare a load */
} Node;

/* The part read only where a key may end. */
typedef struct {
  uint32_t depth;
  uint32_t entity; /* entity + 1 of the key ending here; 0: none */
  uint32_t dict;   /* next node on the failure chain that ends a key */
  uint8_t alnum;   /* bit 0: key starts, bit 1: ends with [A-Za-z0-9] */
} NodeOut;

/* Nodes [0, n_dense) (the shallowest) have a row of 256 refs in dense,
 * failures resolved; the others search their edges. */
typedef struct {
  Node *nodes;
  NodeOut *outs;
  size_t n_nodes;
  uint8_t *labels;  /* node id: the byte of the edge into it */
  uint64_t *outbit; /* node id: bit set when its ref has OUT_BIT */
  uint32_t *dense;
  size_t n_dense;
  uint32_t *root3;    /* ref reached from the root by each 3-byte character */
  uint32_t *cstart;   /* node id: its char edges are [cstart[id], [id + 1]) */
  uint16_t *ckeys;    /* char edge: index3 of the character, sorted */
  uint32_t *ctargets; /* char edge: ref three bytes down */
  uint64_t *cmask;    /* node id: bit (index3 & 63) of each char edge */
  size_t longest;     /* bytes of the longest key */
} Automaton;

struct KgGazetteer {
  const KgNormalizer *norm;
  KG_VEC(KgEntityDef) entities;
  char *estr;      /* restored: the strings of entities [0, n_pooled) */
  size_t n_pooled; /* the others own their strings */
  StrIndex entity_index;
  KG_VEC(Pattern) patterns;
  PSlot *pslots; /* pattern index: open addressing, power-of-two size */
  size_t pcap;
  KgBuf pool;                         /* every pattern key, NUL-terminated */
  KgBuf scratch[2];                   /* a key being added, and its variants */
  KG_VEC(KgEntityRelation) relations; /* sorted: subject, predicate, object */
  Automaton ac;
  bool compiled;
};

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
  index_free(&g->entity_index);
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
  return g && key ? index_get(&g->entity_index, key) : -1;
}

/* ------------------------------------------------------------- entities */

KgStatus kg_gazetteer_add_entity(KgGazetteer *g, const char *key,
                                 const char *label, int type, uint32_t *id) {
  if (!g || !key || !*key || type < 0)
    return KG_ERR_BAD_ARG;
  long found = index_get(&g->entity_index, key);
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
      !index_put(&g->entity_index, e.key, n)) {
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

static int cmp_relation(const KgEntityRelation *a, const KgEntityRelation *b) {
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
    if (cmp_relation(&g->relations.items[mid], k) < 0)
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
  if (at < g->relations.len && cmp_relation(&v[at], &r) == 0)
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

/* Room for entities more entities and aliases more aliases (with their
 * variants), so that loading a large file does not grow every table
 * step by step.  Only a hint: false on OOM. */
static bool gazetteer_reserve(KgGazetteer *g, size_t entities, size_t aliases,
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
static void *hint_huge(void *p, size_t bytes) {
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
  a->nodes = hint_huge(kg_calloc(max_nodes, sizeof *a->nodes),
                       max_nodes * sizeof *a->nodes);
  a->outs = hint_huge(kg_calloc(max_nodes, sizeof *a->outs),
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

static void note_longest(KgGazetteer *g) {
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
  note_longest(g);
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

/* ---------------------------------------------------------------- load */

#define RDF_TYPE "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
#define RDFS_LABEL "http://www.w3.org/2000/01/rdf-schema#label"
#define SKOS_ALT "http://www.w3.org/2004/02/skos/core#altLabel"

typedef KG_VEC(char *) StrVec;

/* What the file says about one subject. */
typedef struct {
  char *iri;
  char *type;          /* local name of its ontology type, NULL if none */
  char *key;           /* decoded local name, set after the parse */
  StrVec labels, alts; /* in file order */
} Subject;

/* A triple whose predicate is an ontology predicate (IRIs owned). */
typedef struct {
  char *s, *o;
  int predicate;
} Triple;

typedef struct {
  KG_VEC(Subject) subjects;
  size_t last; /* the subject of the previous triple */
  StrIndex index;
  KG_VEC(Triple) relations;
  const KgOntology *onto;
} Collected;

static void collected_free(Collected *c) {
  for (size_t i = 0; i < c->subjects.len; i++) {
    Subject *s = &c->subjects.items[i];
    kg_free(s->iri);
    kg_free(s->type);
    kg_free(s->key);
    for (size_t k = 0; k < s->labels.len; k++)
      kg_free(s->labels.items[k]);
    for (size_t k = 0; k < s->alts.len; k++)
      kg_free(s->alts.items[k]);
    kg_vec_free(&s->labels);
    kg_vec_free(&s->alts);
  }
  kg_vec_free(&c->subjects);
  index_free(&c->index);
  for (size_t i = 0; i < c->relations.len; i++) {
    kg_free(c->relations.items[i].s);
    kg_free(c->relations.items[i].o);
  }
  kg_vec_free(&c->relations);
}

static Subject *subject_for(Collected *c, const char *iri) {
  Subject *last = c->subjects.len ? &c->subjects.items[c->last] : NULL;
  if (last && strcmp(last->iri, iri) == 0)
    return last; /* the usual case: the subject of a ';' list */
  long i = index_get(&c->index, iri);
  if (i >= 0)
    c->last = (size_t)i;
  if (i >= 0)
    return &c->subjects.items[i];
  Subject s = {0};
  uint32_t n = (uint32_t)c->subjects.len;
  if (!(s.iri = kg_strdup(iri)) || !kg_vec_reserve(&c->subjects, n + 1) ||
      !index_put(&c->index, s.iri, n)) {
    kg_free(s.iri);
    return NULL;
  }
  c->subjects.items[c->subjects.len++] = s;
  c->last = n;
  return &c->subjects.items[n];
}

static bool push_copy(StrVec *v, const char *s) {
  char *copy = kg_strdup(s);
  if (copy && kg_vec_push(v, copy))
    return true;
  kg_free(copy);
  return false;
}

/* Keep the first type the ontology knows, else the first one seen. */
static bool note_type(Collected *c, Subject *s, const char *iri) {
  const char *name = iri + strlen(KG_ONTOLOGY_NS);
  if (s->type && kg_ontology_type(c->onto, s->type) >= 0)
    return true;
  if (s->type && kg_ontology_type(c->onto, name) < 0)
    return true;
  char *copy = kg_strdup(name);
  if (!copy)
    return false;
  kg_free(s->type);
  s->type = copy;
  return true;
}

/* An entity-to-entity triple of an ontology predicate, kept for later:
 * the entities are known only once the whole file is read.  False when
 * the triple is not one (it may still be a type or a label). */
static bool note_relation(Collected *c, const KgTriple *t, bool *nomem) {
  size_t ns = strlen(KG_ONTOLOGY_NS);
  if (t->s.kind != KG_TERM_IRI || t->o.kind != KG_TERM_IRI ||
      strncmp(t->p.value, KG_ONTOLOGY_NS, ns) != 0)
    return false;
  int pred = kg_ontology_predicate(c->onto, t->p.value + ns);
  if (pred < 0)
    return false;
  Triple r = {kg_strdup(t->s.value), kg_strdup(t->o.value), pred};
  if (!r.s || !r.o || !kg_vec_push(&c->relations, r)) {
    kg_free(r.s);
    kg_free(r.o);
    *nomem = true;
  }
  return true;
}

static KgStatus on_triple(void *ctx, const KgTriple *t) {
  Collected *c = ctx;
  const char *p = t->p.value;
  bool nomem = false;
  if (note_relation(c, t, &nomem))
    return nomem ? KG_ERR_NOMEM : KG_SUCCESS;
  bool is_type =
      strcmp(p, RDF_TYPE) == 0 && t->o.kind == KG_TERM_IRI &&
      strncmp(t->o.value, KG_ONTOLOGY_NS, strlen(KG_ONTOLOGY_NS)) == 0;
  bool is_label = strcmp(p, RDFS_LABEL) == 0, is_alt = strcmp(p, SKOS_ALT) == 0;
  if (t->s.kind != KG_TERM_IRI || !(is_type || is_label || is_alt))
    return KG_SUCCESS;
  if ((is_label || is_alt) && t->o.kind != KG_TERM_LITERAL)
    return KG_SUCCESS;
  Subject *s = subject_for(c, t->s.value);
  if (!s)
    return KG_ERR_NOMEM;
  bool ok = is_type    ? note_type(c, s, t->o.value)
            : is_label ? push_copy(&s->labels, t->o.value)
                       : push_copy(&s->alts, t->o.value);
  return ok ? KG_SUCCESS : KG_ERR_NOMEM;
}

static int hex_digit(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  c = (char)(c | 0x20);
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* ------------------------------------------------------ Turtle, quickly */

/*
 * An entities file is large (tens of thousands of entities) and plain:
 * @prefix lines, prefixed names and absolute IRIs, "strings" with an
 * optional language tag or datatype, ';' and ',' lists.  This reader takes
 * exactly that subset, ten times faster than raptor, and hands each
 * triple to the same callback.  At anything else (blank nodes, long or
 * single-quoted strings, numbers, relative IRIs, escapes or dots in
 * names, a syntax error) it gives up, and the caller parses the file with
 * raptor instead, which also reports any error.
 */

#define TTL_PREFIXES 64
#define GIVE_UP KG_ERR_UNSUPPORTED

typedef struct {
  const char *p, *end;
  struct {
    const char *name, *iri; /* name: without the ':'; both NUL-free */
    size_t name_len, iri_len;
  } prefix[TTL_PREFIXES];
  size_t n_prefixes;
  KgBuf term[3], scratch; /* subject, predicate, object; datatypes */
} Ttl;

static bool ttl_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool ttl_alnum(char c) {
  return ttl_alpha(c) || (c >= '0' && c <= '9');
}

/* Is c one of the characters of set (never NUL)? */
static bool ttl_in(char c, const char *set) {
  return c && strchr(set, c);
}

static bool ttl_name_char(char c) {
  return ttl_alnum(c) || c == '_' || c == '-';
}

static void ttl_skip(Ttl *t) {
  while (t->p < t->end) {
    char c = *t->p;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
      t->p++;
    else if (c == '#')
      while (t->p < t->end && *t->p != '\n')
        t->p++;
    else
      break;
  }
}

/* Is iri[0..n) absolute, free of dot segments, and of the characters an
 * IRI may not hold (or that raptor might rewrite)? */
static bool ttl_plain_iri(const char *iri, size_t n) {
  size_t i = 0;
  while (i < n &&
         (ttl_alnum(iri[i]) || iri[i] == '+' || iri[i] == '-' || iri[i] == '.'))
    i++;
  if (i == 0 || i >= n || iri[i] != ':' || !ttl_alpha(iri[0]))
    return false;
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)iri[i];
    if (c <= 0x20 || c >= 0x7F || strchr("<>\"{}|^`\\", c))
      return false;
    if (c == '/' && i + 1 < n && iri[i + 1] == '.' &&
        (i + 2 == n || iri[i + 2] == '/' ||
         (iri[i + 2] == '.' && (i + 3 == n || iri[i + 3] == '/'))))
      return false;
  }
  return true;
}

/* <iri> at t->p: *iri, *n point into the file. */
static KgStatus ttl_iriref(Ttl *t, const char **iri, size_t *n) {
  const char *close = memchr(t->p, '>', (size_t)(t->end - t->p));
  if (!close || *t->p != '<')
    return GIVE_UP;
  *iri = t->p + 1;
  *n = (size_t)(close - *iri);
  t->p = close + 1;
  return ttl_plain_iri(*iri, *n) ? KG_SUCCESS : GIVE_UP;
}

/* A name: prefix:local, with plain characters only, followed by space or
 * a ';' or ','.  Appends the IRI it stands for to out. */
static KgStatus ttl_pname(Ttl *t, KgBuf *out) {
  const char *b = t->p, *colon = b;
  while (colon < t->end && ttl_name_char(*colon))
    colon++;
  if (colon >= t->end || *colon != ':' || (colon > b && !ttl_alpha(*b)))
    return GIVE_UP;
  const char *e = colon + 1;
  while (e < t->end && ttl_name_char(*e))
    e++;
  if (e >= t->end || !ttl_in(*e, " \t\r\n;,"))
    return GIVE_UP;
  if (e > colon + 1 && colon[1] == '-')
    return GIVE_UP; /* a local name cannot start with '-' */
  size_t nl = (size_t)(colon - b);
  for (size_t k = t->n_prefixes; k-- > 0;) {
    if (t->prefix[k].name_len != nl || memcmp(t->prefix[k].name, b, nl) != 0)
      continue;
    t->p = e;
    return kg_buf_append(out, t->prefix[k].iri, t->prefix[k].iri_len) &&
                   kg_buf_append(out, colon + 1, (size_t)(e - colon - 1))
               ? KG_SUCCESS
               : KG_ERR_NOMEM;
  }
  return GIVE_UP; /* undeclared prefix: raptor says so */
}

/* An IRI term, either form, into out (cleared). */
static KgStatus ttl_iri_term(Ttl *t, KgBuf *out) {
  out->len = 0;
  if (*t->p != '<')
    return ttl_pname(t, out);
  const char *iri;
  size_t n;
  KgStatus st = ttl_iriref(t, &iri, &n);
  if (st == KG_SUCCESS && !kg_buf_append(out, iri, n))
    st = KG_ERR_NOMEM;
  return st;
}

static int ttl_hex(const char *p, int n) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    int h = hex_digit(p[i]);
    if (h < 0)
      return -1;
    v = v << 4 | h;
  }
  return v;
}

/* The escape at p (after the backslash), appended to out; its length. */
static size_t ttl_escape(const char *p, const char *end, KgBuf *out) {
  static const char from[] = "tbnrf\"'\\", to[] = "\t\b\n\r\f\"'\\";
  const char *k = p < end && *p ? strchr(from, *p) : NULL;
  if (k) {
    kg_buf_putc(out, to[k - from]);
    return 1;
  }
  int n = p < end && *p == 'u' ? 4 : p < end && *p == 'U' ? 8 : 0;
  int cp = n && end - p > n ? ttl_hex(p + 1, n) : -1;
  if (cp <= 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  kg_buf_put_utf8(out, (uint32_t)cp);
  return (size_t)n + 1;
}

/* "string" with an optional @lang or ^^datatype, value into out. */
static KgStatus ttl_string(Ttl *t, KgBuf *out) {
  const char *p = ++t->p;
  out->len = 0;
  if (t->end - p >= 2 && p[0] == '"' && p[1] == '"')
    return GIVE_UP; /* a long string */
  for (;;) {
    const char *q = p;
    while (q < t->end && *q != '"' && *q != '\\' && *q != '\n' && *q != '\r')
      q++;
    kg_buf_append(out, p, (size_t)(q - p));
    if (q >= t->end || *q == '\n' || *q == '\r')
      return GIVE_UP;
    if (*q == '"') {
      t->p = q + 1;
      break;
    }
    size_t k = ttl_escape(q + 1, t->end, out);
    if (!k)
      return GIVE_UP;
    p = q + 1 + k;
  }
  if (out->failed)
    return KG_ERR_NOMEM;
  if (strlen(out->data) != out->len || !kg_utf8_valid(out->data, out->len, 0))
    return GIVE_UP;
  if (t->p < t->end && *t->p == '@') {
    const char *q = ++t->p;
    while (q < t->end && (ttl_alnum(*q) || *q == '-'))
      q++;
    if (q == t->p || !ttl_alpha(*t->p) || q[-1] == '-')
      return GIVE_UP;
    t->p = q;
  } else if (t->end - t->p >= 2 && t->p[0] == '^' && t->p[1] == '^') {
    t->p += 2;
    KgStatus st = ttl_iri_term(t, &t->scratch);
    if (st != KG_SUCCESS)
      return st;
  }
  return t->p < t->end && ttl_in(*t->p, " \t\r\n;,.") ? KG_SUCCESS : GIVE_UP;
}

/* "@prefix name: <iri> ." */
static KgStatus ttl_prefix(Ttl *t) {
  if (t->end - t->p < 8 || memcmp(t->p, "@prefix", 7) != 0 ||
      !ttl_in(t->p[7], " \t\r\n") || t->n_prefixes == TTL_PREFIXES)
    return GIVE_UP;
  t->p += 7;
  ttl_skip(t);
  const char *name = t->p;
  while (t->p < t->end && ttl_name_char(*t->p))
    t->p++;
  if (t->p >= t->end || *t->p != ':' || (t->p > name && !ttl_alpha(*name)) ||
      (t->p > name && t->p[-1] == '-'))
    return GIVE_UP;
  size_t nn = (size_t)(t->p++ - name);
  ttl_skip(t);
  const char *iri;
  size_t n;
  if (t->p >= t->end || ttl_iriref(t, &iri, &n) != KG_SUCCESS)
    return GIVE_UP;
  ttl_skip(t);
  if (t->p >= t->end || *t->p != '.')
    return GIVE_UP;
  t->p++;
  t->prefix[t->n_prefixes].name = name;
  t->prefix[t->n_prefixes].name_len = nn;
  t->prefix[t->n_prefixes].iri = iri;
  t->prefix[t->n_prefixes++].iri_len = n;
  return KG_SUCCESS;
}

/* One subject with its predicate-object list, up to the final '.'. */
static KgStatus ttl_statement(Ttl *t, KgTripleFunc emit_triple, void *ctx) {
  KgStatus st = ttl_iri_term(t, &t->term[0]);
  while (st == KG_SUCCESS) {
    ttl_skip(t);
    if (t->p >= t->end)
      return GIVE_UP;
    if (*t->p == 'a' && t->end - t->p > 1 && ttl_in(t->p[1], " \t\r\n")) {
      t->term[1].len = 0;
      st = kg_buf_puts(&t->term[1], RDF_TYPE) ? KG_SUCCESS : KG_ERR_NOMEM;
      t->p++;
    } else {
      st = ttl_iri_term(t, &t->term[1]);
    }
    for (char sep = ','; st == KG_SUCCESS && sep == ',';) {
      ttl_skip(t);
      if (t->p >= t->end)
        return GIVE_UP;
      bool literal = *t->p == '"';
      st = literal ? ttl_string(t, &t->term[2]) : ttl_iri_term(t, &t->term[2]);
      KgTriple tr = {{KG_TERM_IRI, t->term[0].data, NULL, NULL},
                     {KG_TERM_IRI, t->term[1].data, NULL, NULL},
                     {literal ? KG_TERM_LITERAL : KG_TERM_IRI, t->term[2].data,
                      NULL, NULL},
                     NULL};
      if (st == KG_SUCCESS)
        st = emit_triple(ctx, &tr);
      ttl_skip(t);
      sep = t->p < t->end ? *t->p : 0;
      if (sep == ',')
        t->p++;
    }
    if (st != KG_SUCCESS)
      return st;
    if (t->p >= t->end || (*t->p != ';' && *t->p != '.'))
      return GIVE_UP;
    if (*t->p++ == '.')
      return KG_SUCCESS;
    ttl_skip(t);
    if (t->p < t->end && *t->p == '.') {
      t->p++;
      return KG_SUCCESS;
    }
  }
  return st;
}

/* Parse data[0..len) if it is in the subset: KG_SUCCESS, GIVE_UP (nothing
 * is to be trusted then), or the callback's error. */
static KgStatus ttl_parse(const char *data, size_t len,
                          KgTripleFunc emit_triple, void *ctx) {
  Ttl *t = kg_calloc(1, sizeof *t);
  if (!t)
    return KG_ERR_NOMEM;
  t->p = data;
  t->end = data + len;
  KgStatus st = KG_SUCCESS;
  if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
    st = GIVE_UP; /* leave a byte order mark to raptor */
  while (st == KG_SUCCESS) {
    ttl_skip(t);
    if (t->p >= t->end)
      break;
    st = *t->p == '@' ? ttl_prefix(t) : ttl_statement(t, emit_triple, ctx);
  }
  for (int i = 0; i < 3; i++)
    kg_buf_free(&t->term[i]);
  kg_buf_free(&t->scratch);
  kg_free(t);
  return st;
}

/* The IRI's local name (after the last '/' or '#'), percent-decoded. */
static char *local_name(const char *iri) {
  const char *b = iri;
  for (const char *p = iri; *p; p++)
    if (*p == '/' || *p == '#')
      b = p + 1;
  char *out = kg_strdup(b);
  if (!out)
    return NULL;
  size_t w = 0;
  for (size_t r = 0; out[r]; r++) {
    int h, l;
    if (out[r] == '%' && (h = hex_digit(out[r + 1])) >= 0 &&
        (l = hex_digit(out[r + 2])) >= 0) {
      out[w++] = (char)(h << 4 | l);
      r += 2;
    } else {
      out[w++] = out[r];
    }
  }
  out[w] = '\0';
  return out;
}

static int cmp_subject(const void *x, const void *y) {
  const Subject *a = *(const Subject *const *)x,
                *b = *(const Subject *const *)y;
  int k = strcmp(a->key, b->key);
  return k ? k : strcmp(a->iri, b->iri);
}

typedef struct {
  KgGazetteer *g;
  const KgOntology *onto;
  const char *path;
  KgMessageFunc on_msg;
  void *ctx;
} Loader;

/* Add an alias; one that already names another entity is a warning. */
static KgStatus add_alias_warn(const Loader *l, uint32_t id,
                               const char *alias) {
  KgGazetteer *g = l->g;
  KgStatus st = kg_gazetteer_add_alias(g, id, alias);
  if (st != KG_FAILURE)
    return st;
  const char *key;
  size_t n;
  long other = alias_key(g->norm, alias, &g->scratch[0], &key, &n)
                   ? pattern_find(g, key, n)
                   : -1;
  kg_warn(l->on_msg, l->ctx, l->path, 0, 0,
          "alias \"%s\" of %s already names %s; ignored", alias,
          g->entities.items[id].key,
          other >= 0 ? g->entities.items[g->patterns.items[other].entity].key
                     : "another entity");
  return KG_SUCCESS;
}

static KgStatus add_subject(const Loader *l, const Subject *s) {
  int type = kg_ontology_type(l->onto, s->type);
  if (type < 0) {
    kg_warn(l->on_msg, l->ctx, l->path, 0, 0,
            "entity %s has unknown type %s; skipped", s->key, s->type);
    return KG_SUCCESS;
  }
  uint32_t id;
  const char *label = s->labels.len ? s->labels.items[0] : s->key;
  KgStatus st = kg_gazetteer_add_entity(l->g, s->key, label, type, &id);
  if (st == KG_SUCCESS && s->labels.len == 0)
    st = add_alias_warn(l, id, s->key);
  for (size_t i = 0; st == KG_SUCCESS && i < s->labels.len; i++)
    st = add_alias_warn(l, id, s->labels.items[i]);
  for (size_t i = 0; st == KG_SUCCESS && i < s->alts.len; i++)
    st = add_alias_warn(l, id, s->alts.items[i]);
  return st;
}

/* The typed subjects, keyed and sorted by key (then IRI). */
static KgStatus sorted_subjects(Collected *c, Subject ***out, size_t *n) {
  *n = 0;
  *out = kg_calloc(c->subjects.len, sizeof **out);
  if (!*out)
    return KG_ERR_NOMEM;
  for (size_t i = 0; i < c->subjects.len; i++) {
    Subject *s = &c->subjects.items[i];
    if (!s->type)
      continue;
    if (!(s->key = local_name(s->iri)))
      return KG_ERR_NOMEM;
    (*out)[(*n)++] = s;
  }
  qsort(*out, *n, sizeof **out, cmp_subject);
  return KG_SUCCESS;
}

/* Make room in g for the subjects about to be added. */
static bool reserve_for(KgGazetteer *g, Subject *const *subjects, size_t n) {
  size_t aliases = 0, bytes = 0;
  for (size_t i = 0; i < n; i++) {
    const Subject *s = subjects[i];
    aliases += s->labels.len + s->alts.len + 1;
    for (size_t k = 0; k < s->labels.len; k++)
      bytes += strlen(s->labels.items[k]) + 1;
    for (size_t k = 0; k < s->alts.len; k++)
      bytes += strlen(s->alts.items[k]) + 1;
  }
  return gazetteer_reserve(g, n, aliases, bytes);
}

/* The entity an IRI of the file became, or -1 (no entity, or skipped). */
static long entity_of(const Loader *l, Collected *c, const char *iri) {
  long i = index_get(&c->index, iri);
  const Subject *s = i >= 0 ? &c->subjects.items[i] : NULL;
  return s && s->key ? kg_gazetteer_find(l->g, s->key) : -1;
}

/* Does the type of entity id fit the bit set (0 = any)? */
static bool fits(const KgGazetteer *g, long id, unsigned types) {
  int t = g->entities.items[id].type;
  return !types || (t < KG_MAX_TYPES && (types & (1u << t)));
}

static KgStatus add_relation(const Loader *l, Collected *c, const Triple *r) {
  const KgVocabTerm *p =
      kg_ontology_predicate_at(l->onto, (size_t)r->predicate);
  long s = entity_of(l, c, r->s), o = entity_of(l, c, r->o);
  const char *why = s < 0                       ? "the subject is no entity"
                    : o < 0                     ? "the object is no entity"
                    : !fits(l->g, s, p->domain) ? "the subject is outside the "
                                                  "predicate's domain"
                    : !fits(l->g, o, p->range)  ? "the object is outside the "
                                                  "predicate's range"
                                                : NULL;
  if (!why)
    return kg_gazetteer_add_relation(l->g, (uint32_t)s, r->predicate,
                                     (uint32_t)o);
  char *sn = local_name(r->s), *on = local_name(r->o);
  if (sn && on)
    kg_warn(l->on_msg, l->ctx, l->path, 0, 0, "relation %s %s %s: %s; skipped",
            sn, p->name, on, why);
  kg_free(sn);
  kg_free(on);
  return sn && on ? KG_SUCCESS : KG_ERR_NOMEM;
}

KgStatus kg_gazetteer_load(KgGazetteer *g, const KgOntology *onto,
                           const char *path, KgMessageFunc on_msg, void *ctx,
                           KgError *err) {
  if (!g || !onto || !path)
    return kg_error_set(err, KG_ERR_BAD_ARG, path, 0, 0,
                        "gazetteer: missing argument");
  Collected c = {.onto = onto};
  Subject **sorted = NULL;
  size_t n = 0;
  char *data = NULL;
  size_t len = 0;
  KgStatus st = kg_source_read_file(path, SIZE_MAX, &data, &len, err);
  if (st == KG_SUCCESS &&
      (st = ttl_parse(data, len, on_triple, &c)) == GIVE_UP) {
    collected_free(&c); /* start over with the full parser */
    c = (Collected){.onto = onto};
    st = kg_rdf_parse_bytes(data, len, path, "turtle", on_triple, &c, err);
  }
  kg_free(data);
  if (st == KG_SUCCESS)
    st = sorted_subjects(&c, &sorted, &n);
  Loader l = {g, onto, path, on_msg, ctx};
  if (st == KG_SUCCESS && !reserve_for(g, sorted, n))
    st = KG_ERR_NOMEM;
  for (size_t i = 0; st == KG_SUCCESS && i < n; i++)
    st = add_subject(&l, sorted[i]);
  for (size_t i = 0; st == KG_SUCCESS && i < c.relations.len; i++)
    st = add_relation(&l, &c, &c.relations.items[i]);
  if (st == KG_ERR_NOMEM)
    kg_error_set(err, st, path, 0, 0, "out of memory reading entities");
  kg_free(sorted);
  collected_free(&c);
  return st;
}

/* ------------------------------------------------------------ snapshot */

/*
 * A snapshot is a header of counts, then the gazetteer's arrays one after
 * the other in a fixed order (the sections), each in the bytes this build
 * keeps in memory: whoever stores snapshots keys them by the build (see
 * gazetteer_cache.c), so neither byte order nor struct layout need be
 * portable; the header still names the layout, to refuse a stray file.
 * Pointers become offsets: the entity strings go into one pool and the
 * entity index holds entity ids.
 *
 * Restoring reads each section into a fresh buffer (the node arrays
 * hinted for huge pages, as when compiling: the scan is TLB-bound, which
 * a file mapping would undo), checks a checksum against accidents, then
 * against malice every count, offset and reference against the array it
 * points into, and the depths that make every walk of the automaton end
 * and every match start inside the text.  A file that fails is refused;
 * it is never read out of bounds.
 */

#define SNAP_MAGIC "KGGAZSN\n"
#define SNAP_VERSION KG_GAZ_SNAPSHOT_VERSION
#define SNAP_MAX_MSGS ((uint64_t)1 << 20)

enum {
  C_ENTITIES,
  C_ESTR,
  C_EINDEX,
  C_PATTERNS,
  C_POOL,
  C_PCAP,
  C_RELATIONS,
  C_NODES,
  C_DENSE,
  C_CEDGES,
  C_MSGS,
  N_COUNTS
};

enum {
  S_ENT,
  S_ESTR,
  S_EINDEX,
  S_PAT,
  S_POOL,
  S_PSLOT,
  S_REL,
  S_NODE,
  S_OUT,
  S_LABEL,
  S_OUTBIT,
  S_DENSE,
  S_ROOT3,
  S_CSTART,
  S_CKEY,
  S_CTARGET,
  S_CMASK,
  S_MSG,
  N_SECTIONS
};

/* An entity: offsets of its strings in the pool. */
typedef struct {
  uint32_t key, label;
  int32_t type;
} EntRec;

/* A pattern without padding (the file's bytes are all defined). */
typedef struct {
  uint32_t off, len, entity, explicit_alias;
} PatRec;

typedef struct {
  char magic[8];
  uint64_t version, layout;
  uint64_t count[N_COUNTS];
  uint64_t checksum; /* of the sections */
} SnapHeader;

/* The sections of one snapshot: where their bytes are, and which of
 * those buffers the snapshot owns. */
typedef struct {
  SnapHeader h;
  void *data[N_SECTIONS];
  size_t bytes[N_SECTIONS];
  bool owned[N_SECTIONS];
} Snap;

static const size_t item_size[N_SECTIONS] = {sizeof(EntRec),
                                             1,
                                             sizeof(PSlot),
                                             sizeof(PatRec),
                                             1,
                                             sizeof(PSlot),
                                             sizeof(KgEntityRelation),
                                             sizeof(Node),
                                             sizeof(NodeOut),
                                             1,
                                             sizeof(uint64_t),
                                             sizeof(uint32_t),
                                             sizeof(uint32_t),
                                             sizeof(uint32_t),
                                             sizeof(uint16_t),
                                             sizeof(uint32_t),
                                             sizeof(uint64_t),
                                             sizeof(KgError)};

static uint64_t snap_layout(void) {
  return (uint64_t)sizeof(Node) << 48 | (uint64_t)sizeof(NodeOut) << 40 |
         (uint64_t)sizeof(KgEntityRelation) << 32 |
         (uint64_t)sizeof(KgError) << 8 | INLINE_EDGES;
}

static uint64_t section_items(const uint64_t *c, int s) {
  static const int8_t by_count[N_SECTIONS] = {
      C_ENTITIES,  C_ESTR,  C_EINDEX, C_PATTERNS, C_POOL,  C_PCAP,
      C_RELATIONS, C_NODES, C_NODES,  C_NODES,    -1,      -1,
      -1,          -1,      C_CEDGES, C_CEDGES,   C_NODES, C_MSGS};
  switch (s) {
  case S_OUTBIT:
    return c[C_NODES] / 64 + 1;
  case S_DENSE:
    return c[C_DENSE] * 256;
  case S_ROOT3:
    return 65536;
  case S_CSTART:
    return c[C_NODES] + 1;
  default:
    return c[by_count[s]];
  }
}

/* A Fletcher-style sum in four 64-bit lanes (it vectorises, and runs on
 * each chunk as it is read, while in cache): it catches a torn or damaged
 * file, not a forged one, which the bound checks are for. */
typedef struct {
  uint64_t a[4], b[4];
} Sum;

#define SUM_BLOCK 32
#define READ_CHUNK ((size_t)1 << 20) /* a multiple of SUM_BLOCK */

/* Add p[0..n) to the sum: whole blocks, then, when last (the end of a
 * section), the zero-padded rest and the section's length. */
static void sum_add(Sum *s, const void *data, size_t n, bool last,
                    uint64_t section_len) {
  const unsigned char *p = data;
  uint64_t w[4];
  size_t i = 0;
  for (; i + SUM_BLOCK <= n; i += SUM_BLOCK) {
    memcpy(w, p + i, SUM_BLOCK);
    for (int k = 0; k < 4; k++) {
      s->a[k] += w[k];
      s->b[k] += s->a[k];
    }
  }
  if (!last)
    return;
  memset(w, 0, sizeof w);
  if (n > i)
    memcpy(w, p + i, n - i);
  w[0] ^= section_len;
  for (int k = 0; k < 4; k++) {
    s->a[k] += w[k];
    s->b[k] += s->a[k];
  }
}

static uint64_t sum_value(const Sum *s) {
  uint64_t h = 0;
  for (int k = 0; k < 4; k++)
    h = (h ^ s->a[k] ^ (s->b[k] << 1 | s->b[k] >> 63)) * 0x9E3779B97F4A7C15ULL;
  return h;
}

static void snap_free(Snap *s) {
  for (int i = 0; i < N_SECTIONS; i++)
    if (s->owned[i])
      kg_free(s->data[i]);
  memset(s, 0, sizeof *s);
}

/* A new buffer for section i (one spare byte: the pool's NUL). */
static void *snap_own(Snap *s, int i, size_t bytes) {
  s->bytes[i] = bytes;
  s->owned[i] = true;
  s->data[i] = kg_malloc(bytes + 1);
  return s->data[i];
}

static void snap_borrow(Snap *s, int i, const void *data, size_t bytes) {
  s->data[i] = (void *)data;
  s->bytes[i] = bytes;
}

/* The entities as records over one string pool. */
static KgStatus snap_entities(const KgGazetteer *g, Snap *s) {
  size_t n = g->entities.len, total = 0;
  for (size_t i = 0; i < n; i++)
    total += strlen(g->entities.items[i].key) + 1 +
             strlen(g->entities.items[i].label) + 1;
  if (total > UINT32_MAX)
    return KG_ERR_LIMIT;
  EntRec *rec = snap_own(s, S_ENT, n * sizeof *rec);
  char *estr = snap_own(s, S_ESTR, total);
  if (!rec || !estr)
    return KG_ERR_NOMEM;
  size_t at = 0;
  for (size_t i = 0; i < n; i++) {
    const KgEntityDef *e = &g->entities.items[i];
    rec[i].type = e->type;
    rec[i].key = (uint32_t)at;
    at += (size_t)sprintf(estr + at, "%s", e->key) + 1;
    rec[i].label = (uint32_t)at;
    at += (size_t)sprintf(estr + at, "%s", e->label) + 1;
  }
  return KG_SUCCESS;
}

/* The index slots, the patterns and the messages, in defined bytes. */
static KgStatus snap_records(const KgGazetteer *g, const KgError *msgs,
                             size_t n_msgs, Snap *s) {
  const StrIndex *ix = &g->entity_index;
  PSlot *slot = snap_own(s, S_EINDEX, ix->cap * sizeof *slot);
  PatRec *pat = snap_own(s, S_PAT, g->patterns.len * sizeof *pat);
  KgError *msg = snap_own(s, S_MSG, n_msgs * sizeof *msg);
  if (!slot || !pat || !msg)
    return KG_ERR_NOMEM;
  for (size_t i = 0; i < ix->cap; i++)
    slot[i] = (PSlot){ix->slots[i].hash,
                      ix->slots[i].key ? ix->slots[i].item + 1 : 0};
  for (size_t i = 0; i < g->patterns.len; i++) {
    const Pattern *p = &g->patterns.items[i];
    pat[i] = (PatRec){p->off, p->len, p->entity, p->explicit_alias};
  }
  memset(msg, 0, n_msgs * sizeof *msg);
  for (size_t i = 0; i < n_msgs; i++) {
    msg[i].status = msgs[i].status;
    msg[i].severity = msgs[i].severity;
    msg[i].line = msgs[i].line;
    msg[i].col = msgs[i].col;
    snprintf(msg[i].file, sizeof msg[i].file, "%s", msgs[i].file);
    snprintf(msg[i].message, sizeof msg[i].message, "%s", msgs[i].message);
    snprintf(msg[i].context, sizeof msg[i].context, "%s", msgs[i].context);
  }
  return KG_SUCCESS;
}

/* Point the sections at g's arrays (converting what holds pointers or
 * padding) and fill the header. */
static KgStatus snap_of(const KgGazetteer *g, const KgError *msgs,
                        size_t n_msgs, Snap *s) {
  const Automaton *a = &g->ac;
  KgStatus st = snap_entities(g, s);
  if (st == KG_SUCCESS)
    st = snap_records(g, msgs, n_msgs, s);
  if (st != KG_SUCCESS)
    return st;
  uint64_t *c = s->h.count;
  c[C_ENTITIES] = g->entities.len;
  c[C_ESTR] = s->bytes[S_ESTR];
  c[C_EINDEX] = g->entity_index.cap;
  c[C_PATTERNS] = g->patterns.len;
  c[C_POOL] = g->pool.len;
  c[C_PCAP] = g->pcap;
  c[C_RELATIONS] = g->relations.len;
  c[C_NODES] = a->n_nodes;
  c[C_DENSE] = a->n_dense;
  c[C_CEDGES] = a->cstart[a->n_nodes];
  c[C_MSGS] = n_msgs;
  const void *arrays[N_SECTIONS] = {[S_POOL] = g->pool.data,
                                    [S_PSLOT] = g->pslots,
                                    [S_REL] = g->relations.items,
                                    [S_NODE] = a->nodes,
                                    [S_OUT] = a->outs,
                                    [S_LABEL] = a->labels,
                                    [S_OUTBIT] = a->outbit,
                                    [S_DENSE] = a->dense,
                                    [S_ROOT3] = a->root3,
                                    [S_CSTART] = a->cstart,
                                    [S_CKEY] = a->ckeys,
                                    [S_CTARGET] = a->ctargets,
                                    [S_CMASK] = a->cmask};
  for (int i = 0; i < N_SECTIONS; i++)
    if (!s->owned[i])
      snap_borrow(s, i, arrays[i], section_items(c, i) * item_size[i]);
  memcpy(s->h.magic, SNAP_MAGIC, sizeof s->h.magic);
  s->h.version = SNAP_VERSION;
  s->h.layout = snap_layout();
  Sum sum = {0};
  for (int i = 0; i < N_SECTIONS; i++)
    sum_add(&sum, s->data[i], s->bytes[i], true, s->bytes[i]);
  s->h.checksum = sum_value(&sum);
  return KG_SUCCESS;
}

static bool write_all(int fd, const void *data, size_t n) {
  const char *p = data;
  while (n > 0) {
    ssize_t k = write(fd, p, n);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0)
      return false;
    p += k;
    n -= (size_t)k;
  }
  return true;
}

KgStatus kg_gazetteer_save(const KgGazetteer *g, const KgError *msgs,
                           size_t n_msgs, int fd, KgError *err) {
  if (!g || !g->compiled || fd < 0 || (n_msgs && !msgs) ||
      n_msgs > SNAP_MAX_MSGS)
    return kg_error_set(err, KG_ERR_BAD_ARG, NULL, 0, 0,
                        "gazetteer snapshot: nothing compiled to save");
  Snap s = {0};
  KgStatus st = snap_of(g, msgs, n_msgs, &s);
  if (st == KG_SUCCESS && !write_all(fd, &s.h, sizeof s.h))
    st = KG_ERR_IO;
  for (int i = 0; st == KG_SUCCESS && i < N_SECTIONS; i++)
    if (!write_all(fd, s.data[i], s.bytes[i]))
      st = KG_ERR_IO;
  snap_free(&s);
  if (st != KG_SUCCESS)
    kg_error_set(err, st, NULL, 0, 0, "gazetteer snapshot: %s",
                 kg_strstatus(st));
  return st;
}

static bool read_at(int fd, void *data, size_t n, uint64_t off) {
  char *p = data;
  while (n > 0) {
    ssize_t k = pread(fd, p, n, (off_t)off);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0)
      return false;
    p += k;
    n -= (size_t)k;
    off += (uint64_t)k;
  }
  return true;
}

/* Are the counts possible, and do the sections fill exactly size bytes?
 * (So a truncated file, or a damaged count, is refused before anything
 * is allocated.) */
static bool counts_ok(const SnapHeader *h, uint64_t size) {
  const uint64_t *c = h->count, u32 = UINT32_MAX;
  if (memcmp(h->magic, SNAP_MAGIC, sizeof h->magic) != 0 ||
      h->version != SNAP_VERSION || h->layout != snap_layout())
    return false;
  if (c[C_ENTITIES] >= u32 || c[C_ESTR] > u32 || c[C_EINDEX] > u32 + 1 ||
      c[C_PATTERNS] >= u32 || c[C_POOL] > u32 || c[C_PCAP] > u32 + 1 ||
      c[C_RELATIONS] > u32 || c[C_NODES] > MAX_NODES || c[C_NODES] == 0 ||
      c[C_DENSE] > MAX_DENSE || c[C_DENSE] == 0 || c[C_DENSE] > c[C_NODES] ||
      c[C_CEDGES] > u32 || c[C_MSGS] > SNAP_MAX_MSGS)
    return false;
  uint64_t total = sizeof *h;
  for (int i = 0; i < N_SECTIONS; i++)
    total += section_items(c, i) * item_size[i];
  return total == size;
}

/* The header and every section into fresh buffers; checks the sizes and
 * the checksum. */
static KgStatus snap_read(int fd, Snap *s) {
  struct stat sb;
  if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
      !read_at(fd, &s->h, sizeof s->h, 0))
    return KG_ERR_IO;
  if (!counts_ok(&s->h, (uint64_t)sb.st_size))
    return KG_ERR_SYNTAX;
  uint64_t off = sizeof s->h;
  Sum sum = {0};
  for (int i = 0; i < N_SECTIONS; i++) {
    size_t n = (size_t)(section_items(s->h.count, i) * item_size[i]);
    char *p = snap_own(s, i, n);
    if (!p)
      return KG_ERR_NOMEM;
    if (i == S_NODE || i == S_OUT)
      hint_huge(p, n); /* before the first touch */
    size_t at = 0;
    do { /* each chunk summed while it is in cache */
      size_t k = n - at < READ_CHUNK ? n - at : READ_CHUNK;
      if (!read_at(fd, p + at, k, off + at))
        return KG_ERR_IO;
      at += k;
      sum_add(&sum, p + at - k, k, at == n, n);
    } while (at < n);
    off += n;
  }
  return sum_value(&sum) == s->h.checksum ? KG_SUCCESS : KG_ERR_SYNTAX;
}

static bool entities_ok(const Snap *s, size_t n_types) {
  const EntRec *e = s->data[S_ENT];
  const char *estr = s->data[S_ESTR];
  size_t n = s->h.count[C_ENTITIES], len = s->bytes[S_ESTR];
  if (n && (len == 0 || estr[len - 1] != '\0'))
    return false; /* then every offset below len starts a string */
  for (size_t i = 0; i < n; i++)
    if (e[i].key >= len || e[i].label >= len || e[i].type < 0 ||
        (size_t)e[i].type >= n_types)
      return false;
  return true;
}

/* An open-addressing table: a power-of-two size, items in range, and an
 * empty slot to end every probe. */
static bool slots_ok(const PSlot *slot, uint64_t cap, uint64_t n_items) {
  bool empty = cap == 0;
  if (cap & (cap - 1))
    return false;
  for (size_t i = 0; i < cap; i++) {
    if (slot[i].item > n_items)
      return false;
    empty |= slot[i].item == 0;
  }
  return empty;
}

/* Patterns: non-empty keys inside the pool, without an inner NUL. */
static bool patterns_ok(const Snap *s) {
  const PatRec *p = s->data[S_PAT];
  const char *pool = s->data[S_POOL];
  uint64_t len = s->bytes[S_POOL];
  for (size_t i = 0; i < s->h.count[C_PATTERNS]; i++) {
    uint64_t end = (uint64_t)p[i].off + p[i].len;
    if (p[i].len == 0 || end >= len || pool[end] != '\0' ||
        memchr(pool + p[i].off, 0, p[i].len) ||
        p[i].entity >= s->h.count[C_ENTITIES] || p[i].explicit_alias > 1)
      return false;
  }
  return true;
}

/* Relations: between entities, of known predicates, strictly sorted. */
static bool relations_ok(const Snap *s, size_t n_predicates) {
  const KgEntityRelation *r = s->data[S_REL];
  uint64_t n_ent = s->h.count[C_ENTITIES];
  for (size_t i = 0; i < s->h.count[C_RELATIONS]; i++)
    if (r[i].subject >= n_ent || r[i].object >= n_ent || r[i].predicate < 0 ||
        (size_t)r[i].predicate >= n_predicates ||
        (i && cmp_relation(&r[i - 1], &r[i]) >= 0))
      return false;
  return true;
}

/* Is ref a node no deeper than depth? */
static bool ref_ok(const Automaton *a, uint32_t ref, uint32_t depth) {
  uint32_t id = ref & ~OUT_BIT;
  return id < a->n_nodes && a->outs[id].depth <= depth;
}

/* Every node: failure and dictionary links strictly shallower (so their
 * chains end), children in the array and one deeper, at most
 * n_nodes - 1 edges in all (so this pass is linear), outputs naming
 * entities, and only the root at depth 0. */
static bool nodes_ok(const Automaton *a, uint64_t n_entities) {
  size_t edges = 0;
  if (a->outs[0].depth || a->outs[0].entity || a->outs[0].dict ||
      a->nodes[0].fail)
    return false;
  for (uint32_t i = 0; i < a->n_nodes; i++) {
    const Node *n = &a->nodes[i];
    const NodeOut *o = &a->outs[i];
    if (i && (o->depth == 0 || !ref_ok(a, n->fail, o->depth - 1)))
      return false;
    if (o->entity > n_entities || o->dict >= a->n_nodes ||
        (o->dict && a->outs[o->dict].depth >= o->depth))
      return false;
    if ((edges += n->n_edges) >= a->n_nodes || n->n_edges > 256 ||
        (n->n_edges &&
         (n->child >= a->n_nodes || a->n_nodes - n->child < n->n_edges)))
      return false;
    for (uint32_t c = n->child; c < n->child + n->n_edges; c++)
      if (a->outs[c].depth != o->depth + 1)
        return false;
  }
  return true;
}

/* The shortcuts: a transition over k bytes goes at most k deeper (so a
 * match never starts before the text), char edges lie in their arrays. */
static bool shortcuts_ok(const Automaton *a, uint64_t n_cedges) {
  for (size_t i = 0; i < a->n_dense * 256; i++)
    if (!ref_ok(a, a->dense[i], a->outs[i / 256].depth + 1))
      return false;
  for (size_t i = 0; i < 65536; i++)
    if (!ref_ok(a, a->root3[i], 3))
      return false;
  if (a->cstart[0] != 0 || a->cstart[a->n_nodes] != n_cedges)
    return false;
  for (uint32_t id = 0; id < a->n_nodes; id++) {
    if (a->cstart[id] > a->cstart[id + 1] || a->cstart[id + 1] > n_cedges)
      return false;
    for (uint32_t e = a->cstart[id]; e < a->cstart[id + 1]; e++)
      if (!ref_ok(a, a->ctargets[e], a->outs[id].depth + 3))
        return false;
  }
  return true;
}

_Static_assert(sizeof(KgStatus) == 4 && sizeof(KgSeverity) == 4,
               "messages are checked as 32-bit integers");

/* Messages: known status and severity, strings terminated. */
static bool msgs_ok(Snap *s) {
  KgError *m = s->data[S_MSG];
  for (size_t i = 0; i < s->h.count[C_MSGS]; i++) {
    uint32_t status, severity; /* read as integers: any bit pattern */
    memcpy(&status, &m[i].status, sizeof status);
    memcpy(&severity, &m[i].severity, sizeof severity);
    if (status > KG_ERR_INTERNAL || severity > KG_MSG_NOTE)
      return false;
    m[i].file[sizeof m[i].file - 1] = '\0';
    m[i].message[sizeof m[i].message - 1] = '\0';
    m[i].context[sizeof m[i].context - 1] = '\0';
  }
  return true;
}

/* The automaton over the sections' buffers (still owned by s). */
static Automaton snap_automaton(const Snap *s) {
  return (Automaton){.nodes = s->data[S_NODE],
                     .outs = s->data[S_OUT],
                     .n_nodes = s->h.count[C_NODES],
                     .labels = s->data[S_LABEL],
                     .outbit = s->data[S_OUTBIT],
                     .dense = s->data[S_DENSE],
                     .n_dense = s->h.count[C_DENSE],
                     .root3 = s->data[S_ROOT3],
                     .cstart = s->data[S_CSTART],
                     .ckeys = s->data[S_CKEY],
                     .ctargets = s->data[S_CTARGET],
                     .cmask = s->data[S_CMASK]};
}

static bool snap_ok(Snap *s, const KgOntology *onto) {
  Automaton a = snap_automaton(s);
  const uint64_t *c = s->h.count;
  return entities_ok(s, kg_ontology_n_types(onto)) &&
         slots_ok(s->data[S_EINDEX], c[C_EINDEX], c[C_ENTITIES]) &&
         patterns_ok(s) &&
         slots_ok(s->data[S_PSLOT], c[C_PCAP], c[C_PATTERNS]) &&
         relations_ok(s, kg_ontology_n_predicates(onto)) &&
         nodes_ok(&a, c[C_ENTITIES]) && shortcuts_ok(&a, c[C_CEDGES]) &&
         msgs_ok(s);
}

/* Take buffer i from s. */
static void *snap_take(Snap *s, int i) {
  s->owned[i] = false;
  return s->data[i];
}

/* Entities, their index and the patterns, from the records of s. */
static KgStatus restore_tables(KgGazetteer *g, Snap *s) {
  const uint64_t *c = s->h.count;
  const EntRec *rec = s->data[S_ENT];
  const PSlot *es = s->data[S_EINDEX];
  const PatRec *pr = s->data[S_PAT];
  g->entities.items = kg_malloc((c[C_ENTITIES] + 1) * sizeof(KgEntityDef));
  g->entity_index.slots = kg_calloc(c[C_EINDEX] + 1, sizeof(Slot));
  g->patterns.items = kg_malloc((c[C_PATTERNS] + 1) * sizeof(Pattern));
  if (!g->entities.items || !g->entity_index.slots || !g->patterns.items)
    return KG_ERR_NOMEM;
  g->estr = snap_take(s, S_ESTR);
  g->entities.len = g->entities.cap = g->n_pooled = c[C_ENTITIES];
  for (size_t i = 0; i < c[C_ENTITIES]; i++)
    g->entities.items[i] = (KgEntityDef){g->estr + rec[i].key,
                                         g->estr + rec[i].label, rec[i].type};
  g->entity_index.cap = c[C_EINDEX];
  for (size_t i = 0; i < c[C_EINDEX]; i++) {
    if (!es[i].item)
      continue;
    g->entity_index.slots[i] = (Slot){g->entities.items[es[i].item - 1].key,
                                      es[i].hash, es[i].item - 1};
    g->entity_index.used++;
  }
  g->patterns.len = g->patterns.cap = c[C_PATTERNS];
  for (size_t i = 0; i < c[C_PATTERNS]; i++)
    g->patterns.items[i] = (Pattern){pr[i].off, pr[i].len, pr[i].entity,
                                     pr[i].explicit_alias != 0};
  return KG_SUCCESS;
}

/* g from a checked snapshot: the arrays move over, the records are
 * converted. */
static KgStatus restore_from(KgGazetteer *g, Snap *s) {
  KgStatus st = restore_tables(g, s);
  if (st != KG_SUCCESS)
    return st;
  const uint64_t *c = s->h.count;
  g->pool.len = c[C_POOL];
  g->pool.cap = c[C_POOL] + 1;
  g->pool.data = snap_take(s, S_POOL);
  g->pool.data[g->pool.len] = '\0';
  g->pcap = c[C_PCAP];
  g->pslots = snap_take(s, S_PSLOT);
  g->relations.len = g->relations.cap = c[C_RELATIONS];
  g->relations.items = snap_take(s, S_REL);
  g->ac = snap_automaton(s);
  static const int automaton[] = {S_NODE,    S_OUT,   S_LABEL,  S_OUTBIT,
                                  S_DENSE,   S_ROOT3, S_CSTART, S_CKEY,
                                  S_CTARGET, S_CMASK};
  for (size_t i = 0; i < sizeof automaton / sizeof *automaton; i++)
    snap_take(s, automaton[i]);
  note_longest(g);
  g->compiled = true;
  return KG_SUCCESS;
}

KgStatus kg_gazetteer_restore(const KgNormalizer *norm, const KgOntology *onto,
                              int fd, KgGazetteer **out, KgError **msgs,
                              size_t *n_msgs, KgError *err) {
  if (!out || !msgs || !n_msgs)
    return KG_ERR_BAD_ARG;
  *out = NULL;
  *msgs = NULL;
  *n_msgs = 0;
  if (!norm || !onto || fd < 0)
    return kg_error_set(err, KG_ERR_BAD_ARG, NULL, 0, 0,
                        "gazetteer snapshot: missing argument");
  Snap s = {0};
  KgGazetteer *g = NULL;
  KgStatus st = snap_read(fd, &s);
  if (st == KG_SUCCESS && !snap_ok(&s, onto))
    st = KG_ERR_SYNTAX;
  if (st == KG_SUCCESS)
    st = kg_gazetteer_new(norm, &g);
  if (st == KG_SUCCESS)
    st = restore_from(g, &s);
  if (st == KG_SUCCESS) {
    *n_msgs = s.h.count[C_MSGS];
    *msgs = snap_take(&s, S_MSG);
    *out = g;
    g = NULL;
  }
  kg_gazetteer_free(g);
  snap_free(&s);
  if (st != KG_SUCCESS)
    kg_error_set(err, st, NULL, 0, 0, "gazetteer snapshot: %s",
                 st == KG_ERR_SYNTAX ? "corrupt or from another version"
                                     : kg_strstatus(st));
  return st;
}

KgStatus kg_gazetteer_snapshot_reseal(int fd) {
  struct stat sb;
  SnapHeader h;
  if (fstat(fd, &sb) != 0 || !read_at(fd, &h, sizeof h, 0))
    return KG_ERR_IO;
  if (!counts_ok(&h, (uint64_t)sb.st_size))
    return KG_ERR_SYNTAX;
  char *data = kg_malloc((size_t)sb.st_size);
  if (!data)
    return KG_ERR_NOMEM;
  KgStatus st =
      read_at(fd, data, (size_t)sb.st_size, 0) ? KG_SUCCESS : KG_ERR_IO;
  Sum sum = {0};
  size_t off = sizeof h;
  for (int i = 0; st == KG_SUCCESS && i < N_SECTIONS; i++) {
    size_t n = (size_t)(section_items(h.count, i) * item_size[i]);
    sum_add(&sum, data + off, n, true, n);
    off += n;
  }
  h.checksum = sum_value(&sum);
  if (st == KG_SUCCESS && pwrite(fd, &h, sizeof h, 0) != (ssize_t)sizeof h)
    st = KG_ERR_IO;
  kg_free(data);
  return st;
}
