/*
 * fact_store.c — entities, documents and facts with their evidence.
 *
 * Strings are interned once in a string table, so a fact is four pointers
 * and facts compare by pointer equality.  Each of the three collections is
 * a vector plus an open-addressing index (slot = item index + 1, 0 empty)
 * keyed by a 64-bit hash; the index is rebuilt after sorting.  Sorting
 * compares strings, never pointers, so the order is canonical whatever the
 * order of insertion.
 */
#include "fact_store.h"

#include "util.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
  size_t *slots; /* item index + 1; 0 = empty */
  size_t cap;    /* power of two */
} Index;

typedef struct {
  char *key, *label, *type;
  KG_VEC(const char *) aliases;
} Entity;

/* An interned string with its hash and length: growing an index rehashes
 * every string, and probes compare hashes and lengths before text. */
typedef struct {
  char *s;
  uint64_t hash;
  size_t len;
} Interned;

/* Interned strings are copied into blocks freed with the store: a
 * document's store interns a few hundred strings and drops them all at
 * once, and one malloc and free each cost more than the copy. */
typedef struct Block {
  struct Block *next;
  size_t used, cap;
  char data[];
} Block;

#define BLOCK_MIN 4096
#define BLOCK_MAX ((size_t)1 << 20)

typedef struct {
  KgDocView view; /* strings interned */
} Document;

typedef struct {
  const char *s, *p, *o, *q;
  KG_VEC(KgEvidence) evidence;
  size_t support;
} Fact;

struct KgFactStore {
  KG_VEC(Interned) strings;
  Block *blocks; /* the newest first */
  Index string_index;
  KG_VEC(Entity) entities;
  Index entity_index;
  KG_VEC(Document) documents;
  Index document_index;
  KG_VEC(Fact) facts;
  Index fact_index;
  size_t evidence_limit; /* SIZE_MAX: keep all */
};

/* ---------------------------------------------------------------- index */

/* Probe for key: returns the slot where it is or where it would go.  eq
 * tells whether item i has the key. */
typedef bool (*IndexEq)(const KgFactStore *fs, size_t item, const void *key);

static size_t index_probe(const KgFactStore *fs, const Index *ix, uint64_t hash,
                          IndexEq eq, const void *key) {
  size_t mask = ix->cap - 1;
  for (size_t i = (size_t)hash & mask;; i = (i + 1) & mask) {
    size_t slot = ix->slots[i];
    if (slot == 0 || eq(fs, slot - 1, key))
      return i;
  }
}

/* Make room for one more item; rehash needs the hash of every item. */
typedef uint64_t (*IndexHash)(const KgFactStore *fs, size_t item);

static bool index_reserve(KgFactStore *fs, Index *ix, size_t n_items,
                          IndexHash hash_of) {
  if ((n_items + 1) * 2 <= ix->cap)
    return true;
  size_t ncap = ix->cap ? ix->cap * 2 : 64;
  while ((n_items + 1) * 2 > ncap)
    ncap *= 2;
  size_t *slots = kg_calloc(ncap, sizeof *slots);
  if (!slots)
    return false;
  kg_free(ix->slots);
  ix->slots = slots;
  ix->cap = ncap;
  for (size_t item = 0; item < n_items; item++) {
    size_t i = (size_t)hash_of(fs, item) & (ncap - 1);
    while (slots[i])
      i = (i + 1) & (ncap - 1);
    slots[i] = item + 1;
  }
  return true;
}

static void index_clear(Index *ix) {
  kg_free(ix->slots);
  ix->slots = NULL;
  ix->cap = 0;
}

/* -------------------------------------------------------------- strings */

/* Eight bytes per step: the store hashes every string it is given, and
 * sentences are long.  The values only place items in the indexes. */
static uint64_t str_hash_n(const char *s, size_t n) {
  uint64_t h = 0x9E3779B97F4A7C15ull ^ n, w;
  for (; n >= 8; n -= 8, s += 8) {
    memcpy(&w, s, 8);
    h = (h ^ w) * 0xFF51AFD7ED558CCDull;
    h ^= h >> 32;
  }
  w = 0;
  memcpy(&w, s, n);
  h = (h ^ w) * 0xC4CEB9FE1A85EC53ull;
  return h ^ (h >> 29);
}

static uint64_t str_hash(const char *s) {
  return str_hash_n(s, strlen(s));
}

/* A copy of s[0, n] (its NUL included) in the store's blocks. */
static char *block_copy(KgFactStore *fs, const char *s, size_t n) {
  Block *b = fs->blocks;
  if (!b || b->cap - b->used <= n) {
    size_t cap = b && b->cap < BLOCK_MAX ? 2 * b->cap
                 : b                     ? BLOCK_MAX
                                         : BLOCK_MIN;
    if (cap <= n)
      cap = n + 1;
    Block *nb = kg_malloc(sizeof *nb + cap);
    if (!nb)
      return NULL;
    *nb = (Block){b, 0, cap};
    fs->blocks = b = nb;
  }
  char *p = b->data + b->used;
  memcpy(p, s, n + 1);
  b->used += n + 1;
  return p;
}

static uint64_t string_hash_at(const KgFactStore *fs, size_t i) {
  return fs->strings.items[i].hash;
}

/* The key of a probe of the string index: the text, its hash, length. */
typedef struct {
  const char *s;
  uint64_t hash;
  size_t len;
} StrKey;

static StrKey str_key(const char *s) {
  size_t n = strlen(s);
  return (StrKey){s, str_hash_n(s, n), n};
}

static bool string_eq(const KgFactStore *fs, size_t i, const void *key) {
  const StrKey *k = key;
  const Interned *in = &fs->strings.items[i];
  return in->hash == k->hash && in->len == k->len &&
         memcmp(in->s, k->s, k->len) == 0;
}

/* The interned copy of s (NULL stays NULL; NULL also on OOM with *oom). */
static const char *intern(KgFactStore *fs, const char *s, bool *oom) {
  if (!s)
    return NULL;
  if (!index_reserve(fs, &fs->string_index, fs->strings.len, string_hash_at))
    return *oom = true, NULL;
  StrKey k = str_key(s);
  size_t at = index_probe(fs, &fs->string_index, k.hash, string_eq, &k);
  size_t slot = fs->string_index.slots[at];
  if (slot)
    return fs->strings.items[slot - 1].s;
  Interned in = {block_copy(fs, s, k.len), k.hash, k.len};
  if (!in.s || !kg_vec_push(&fs->strings, in))
    return *oom = true, NULL; /* a copy stays in its block until the end */
  fs->string_index.slots[at] = fs->strings.len;
  return in.s;
}

/* The interned copy of s, or NULL when the store does not hold it. */
static const char *lookup(const KgFactStore *fs, const char *s) {
  if (!s || !fs->string_index.cap)
    return NULL;
  StrKey k = str_key(s);
  size_t at = index_probe(fs, &fs->string_index, k.hash, string_eq, &k);
  size_t slot = fs->string_index.slots[at];
  return slot ? fs->strings.items[slot - 1].s : NULL;
}

/* Entities and facts are indexed by their interned strings' addresses:
 * equal strings are one pointer, so neither hashing nor comparing needs
 * the text.  Addresses only place items in the indexes; every order the
 * store shows compares text. */
static uint64_t ptr_hash(const void *p) {
  uint64_t h = (uint64_t)(uintptr_t)p * 0x9E3779B97F4A7C15ull;
  return h ^ (h >> 31);
}

/* ------------------------------------------------------------- lifetime */

KgFactStore *kg_fact_store_new(void) {
  KgFactStore *fs = kg_calloc(1, sizeof(KgFactStore));
  if (fs)
    fs->evidence_limit = SIZE_MAX;
  return fs;
}

void kg_fact_store_limit_evidence(KgFactStore *fs, size_t limit) {
  fs->evidence_limit = limit;
}

void kg_fact_store_free(KgFactStore *fs) {
  if (!fs)
    return;
  for (Block *b = fs->blocks, *next; b; b = next) {
    next = b->next;
    kg_free(b);
  }
  kg_vec_free(&fs->strings);
  for (size_t i = 0; i < fs->entities.len; i++)
    kg_vec_free(&fs->entities.items[i].aliases);
  kg_vec_free(&fs->entities);
  kg_vec_free(&fs->documents);
  for (size_t i = 0; i < fs->facts.len; i++)
    kg_vec_free(&fs->facts.items[i].evidence);
  kg_vec_free(&fs->facts);
  index_clear(&fs->string_index);
  index_clear(&fs->entity_index);
  index_clear(&fs->document_index);
  index_clear(&fs->fact_index);
  kg_free(fs);
}

/* ------------------------------------------------------------- entities */

static uint64_t entity_hash_at(const KgFactStore *fs, size_t i) {
  return ptr_hash(fs->entities.items[i].key);
}

static bool entity_eq(const KgFactStore *fs, size_t i, const void *key) {
  return fs->entities.items[i].key == key;
}

/* The index of the entity with interned key k, or -1. */
static long entity_find(const KgFactStore *fs, const char *k) {
  if (!k || !fs->entity_index.cap)
    return -1;
  size_t at = index_probe(fs, &fs->entity_index, ptr_hash(k), entity_eq, k);
  return (long)fs->entity_index.slots[at] - 1;
}

long kg_fact_store_find_entity(const KgFactStore *fs, const char *key) {
  return entity_find(fs, lookup(fs, key));
}

/* The entity with key k, added when new; label l and type t fill what is
 * not known yet (all interned).  NULL when out of memory. */
static Entity *entity_at(KgFactStore *fs, const char *k, const char *l,
                         const char *t) {
  if (!index_reserve(fs, &fs->entity_index, fs->entities.len, entity_hash_at))
    return NULL;
  size_t at = index_probe(fs, &fs->entity_index, ptr_hash(k), entity_eq, k);
  size_t slot = fs->entity_index.slots[at];
  if (!slot) {
    Entity e = {(char *)k, NULL, NULL, {0}};
    if (!kg_vec_push(&fs->entities, e))
      return NULL;
    fs->entity_index.slots[at] = slot = fs->entities.len;
  }
  Entity *e = &fs->entities.items[slot - 1];
  if (!e->label && l)
    e->label = (char *)l;
  if (!e->type && t)
    e->type = (char *)t;
  return e;
}

/* Does e hold alias a (compared as text)? */
static bool has_alias(const Entity *e, const char *a) {
  for (size_t i = 0; i < e->aliases.len; i++)
    if (!strcmp(e->aliases.items[i], a))
      return true;
  return false;
}

/* Within one merge each string of src is interned into dst once: src's
 * strings are unique pointers, so a table from src address to dst string
 * spares hashing the same text for every fact it appears in. */
typedef struct {
  const char **from, **to;
  size_t cap; /* power of two */
} StrMap;

static const char *map_str(KgFactStore *dst, StrMap *m, const char *s,
                           bool *oom) {
  if (!s)
    return NULL;
  size_t i = (size_t)ptr_hash(s) & (m->cap - 1);
  while (m->from[i] && m->from[i] != s)
    i = (i + 1) & (m->cap - 1);
  if (!m->from[i]) {
    m->from[i] = s;
    m->to[i] = intern(dst, s, oom);
  }
  return m->to[i];
}

/* s for fs: through a merge's map m, or interned when m is NULL. */
static const char *take(KgFactStore *fs, StrMap *m, const char *s, bool *oom) {
  return m ? map_str(fs, m, s, oom) : intern(fs, s, oom);
}

/* Add or update the entity with interned key k.  An entity is named
 * again and again with the same label, type and aliases, and interning
 * one costs a hash and a probe, so only what it lacks is interned: label
 * and type when it has none, an alias it does not hold. */
static KgStatus fill_entity(KgFactStore *fs, const char *k, const char *label,
                            const char *type, const char *const *aliases,
                            size_t n_aliases, StrMap *m) {
  bool oom = false;
  long at = entity_find(fs, k);
  Entity *e = at >= 0 ? &fs->entities.items[at] : NULL;
  if (!e || (!e->label && label) || (!e->type && type)) {
    const char *l = take(fs, m, label, &oom), *t = take(fs, m, type, &oom);
    if (oom || !(e = entity_at(fs, k, l, t)))
      return KG_ERR_NOMEM;
  }
  for (size_t i = 0; i < n_aliases; i++) {
    if (has_alias(e, aliases[i]))
      continue;
    const char *a = take(fs, m, aliases[i], &oom);
    if (oom || !kg_vec_push(&e->aliases, a))
      return KG_ERR_NOMEM;
  }
  return KG_SUCCESS;
}

KgStatus kg_fact_store_add_entity(KgFactStore *fs, const char *key,
                                  const char *label, const char *type,
                                  const char *alias) {
  if (!key || !*key)
    return KG_ERR_BAD_ARG;
  bool oom = false;
  const char *k = intern(fs, key, &oom);
  if (oom)
    return KG_ERR_NOMEM;
  return fill_entity(fs, k, label, type, &alias, alias ? 1 : 0, NULL);
}

/* ------------------------------------------------------------ documents */

static uint64_t doc_hash_at(const KgFactStore *fs, size_t i) {
  return str_hash(fs->documents.items[i].view.key);
}

static bool doc_eq(const KgFactStore *fs, size_t i, const void *key) {
  return strcmp(fs->documents.items[i].view.key, key) == 0;
}

KgStatus kg_fact_store_add_document(KgFactStore *fs, const KgDocView *doc) {
  bool oom = false;
  KgDocView v = *doc;
  v.key = intern(fs, doc->key, &oom);
  v.sha256 = intern(fs, doc->sha256, &oom);
  v.lang = intern(fs, doc->lang, &oom);
  v.format = intern(fs, doc->format, &oom);
  if (oom || !v.key ||
      !index_reserve(fs, &fs->document_index, fs->documents.len, doc_hash_at))
    return oom || v.key ? KG_ERR_NOMEM : KG_ERR_BAD_ARG;
  size_t at =
      index_probe(fs, &fs->document_index, str_hash(v.key), doc_eq, v.key);
  if (fs->document_index.slots[at]) {
    fs->documents.items[fs->document_index.slots[at] - 1].view = v;
    return KG_SUCCESS;
  }
  Document d = {v};
  if (!kg_vec_push(&fs->documents, d))
    return KG_ERR_NOMEM;
  fs->document_index.slots[at] = fs->documents.len;
  return KG_SUCCESS;
}

/* ---------------------------------------------------------------- facts */

typedef struct {
  const char *s, *p, *o, *q;
} FactKey;

static uint64_t fact_key_hash(const char *s, const char *p, const char *o,
                              const char *q) {
  uint64_t h = ptr_hash(s) * 31 + ptr_hash(p);
  h = h * 31 + ptr_hash(o);
  return h * 31 + ptr_hash(q);
}

static uint64_t fact_hash_at(const KgFactStore *fs, size_t i) {
  const Fact *f = &fs->facts.items[i];
  return fact_key_hash(f->s, f->p, f->o, f->q);
}

static bool fact_eq(const KgFactStore *fs, size_t i, const void *key) {
  const Fact *f = &fs->facts.items[i];
  const FactKey *k = key;
  return f->s == k->s && f->p == k->p && f->o == k->o && f->q == k->q;
}

static int cmp_str(const char *a, const char *b) {
  if (a == b)
    return 0;
  if (!a)
    return -1;
  if (!b)
    return 1;
  return strcmp(a, b);
}

static int cmp_evidence(const void *pa, const void *pb);

static KgStatus intern_evidence(KgFactStore *fs, const KgEvidence *ev,
                                KgEvidence *e) {
  bool oom = false;
  *e = *ev;
  e->doc = intern(fs, ev->doc, &oom);
  e->text = intern(fs, ev->text, &oom);
  e->lang = intern(fs, ev->lang, &oom);
  e->rule = intern(fs, ev->rule, &oom);
  return oom ? KG_ERR_NOMEM : KG_SUCCESS;
}

/* A limited store keeps its evidence sorted: the new piece goes in its
 * place and the last one falls out when the array is full. */
static KgStatus keep_first(KgFactStore *fs, Fact *f, const KgEvidence *ev) {
  size_t n = f->evidence.len;
  if (n == fs->evidence_limit &&
      (!n || cmp_evidence(ev, &f->evidence.items[n - 1]) >= 0))
    return KG_SUCCESS;
  KgEvidence e;
  if (intern_evidence(fs, ev, &e))
    return KG_ERR_NOMEM;
  if (n < fs->evidence_limit && !kg_vec_push(&f->evidence, e))
    return KG_ERR_NOMEM;
  size_t i = f->evidence.len - 1;
  for (; i > 0 && cmp_evidence(&e, &f->evidence.items[i - 1]) < 0; i--)
    f->evidence.items[i] = f->evidence.items[i - 1];
  f->evidence.items[i] = e;
  return KG_SUCCESS;
}

static KgStatus add_evidence(KgFactStore *fs, Fact *f, const KgEvidence *ev) {
  for (size_t i = 0; i < f->evidence.len; i++) {
    const KgEvidence *k = &f->evidence.items[i];
    if (k->sentence == ev->sentence && !cmp_str(k->doc, ev->doc) &&
        !cmp_str(k->rule, ev->rule))
      return KG_SUCCESS;
  }
  f->support++;
  if (fs->evidence_limit != SIZE_MAX)
    return keep_first(fs, f, ev);
  KgEvidence e;
  if (intern_evidence(fs, ev, &e))
    return KG_ERR_NOMEM;
  return kg_vec_push(&f->evidence, e) ? KG_SUCCESS : KG_ERR_NOMEM;
}

/* The fact k (interned strings), added when new; NULL when out of
 * memory. */
static Fact *fact_at(KgFactStore *fs, FactKey k) {
  if (!index_reserve(fs, &fs->fact_index, fs->facts.len, fact_hash_at))
    return NULL;
  size_t at = index_probe(fs, &fs->fact_index,
                          fact_key_hash(k.s, k.p, k.o, k.q), fact_eq, &k);
  size_t slot = fs->fact_index.slots[at];
  if (!slot) {
    Fact f = {k.s, k.p, k.o, k.q, {0}, 0};
    if (!kg_vec_push(&fs->facts, f))
      return NULL;
    fs->fact_index.slots[at] = slot = fs->facts.len;
  }
  return &fs->facts.items[slot - 1];
}

KgStatus kg_fact_store_add_fact(KgFactStore *fs, const char *s, const char *p,
                                const char *o, const char *q,
                                const KgEvidence *ev) {
  if (!s || !p || !o)
    return KG_ERR_BAD_ARG;
  bool oom = false;
  FactKey k = {intern(fs, s, &oom), intern(fs, p, &oom), intern(fs, o, &oom),
               intern(fs, q, &oom)};
  Fact *f = oom ? NULL : fact_at(fs, k);
  if (!f)
    return KG_ERR_NOMEM;
  return ev ? add_evidence(fs, f, ev) : KG_SUCCESS;
}

long kg_fact_store_find_fact(const KgFactStore *fs, const char *s,
                             const char *p, const char *o, const char *q) {
  FactKey k = {lookup(fs, s), lookup(fs, p), lookup(fs, o), lookup(fs, q)};
  if (!k.s || !k.p || !k.o || (q && !k.q) || !fs->fact_index.cap)
    return -1;
  size_t at = index_probe(fs, &fs->fact_index,
                          fact_key_hash(k.s, k.p, k.o, k.q), fact_eq, &k);
  return (long)fs->fact_index.slots[at] - 1;
}

long kg_fact_store_find_document(const KgFactStore *fs, const char *key) {
  if (!fs->document_index.cap)
    return -1;
  size_t at = index_probe(fs, &fs->document_index, str_hash(key), doc_eq, key);
  return (long)fs->document_index.slots[at] - 1;
}

/* ---------------------------------------------------------------- merge */

/* Most entities of a document are in the graph already, with their label,
 * type and aliases (they come from the gazetteer, the same each time), and
 * interning into the graph's large table costs cache misses: fill_entity
 * takes only what the graph's entity lacks. */
static KgStatus merge_entities(KgFactStore *dst, const KgFactStore *src,
                               StrMap *m) {
  KgStatus st = KG_SUCCESS;
  for (size_t i = 0; i < src->entities.len && !st; i++) {
    const Entity *e = &src->entities.items[i];
    bool oom = false;
    const char *k = map_str(dst, m, e->key, &oom); /* the facts need it */
    st = oom ? KG_ERR_NOMEM
             : fill_entity(dst, k, e->label, e->type, e->aliases.items,
                           e->aliases.len, m);
  }
  return st;
}

static KgStatus merge_facts(KgFactStore *dst, const KgFactStore *src,
                            StrMap *m) {
  for (size_t i = 0; i < src->facts.len; i++) {
    const Fact *f = &src->facts.items[i];
    bool oom = false;
    FactKey k = {map_str(dst, m, f->s, &oom), map_str(dst, m, f->p, &oom),
                 map_str(dst, m, f->o, &oom), map_str(dst, m, f->q, &oom)};
    Fact *to = oom ? NULL : fact_at(dst, k);
    if (!to)
      return KG_ERR_NOMEM;
    /* a store that keeps no evidence only counts it */
    for (size_t e = 0; dst->evidence_limit && e < f->evidence.len; e++)
      if (add_evidence(dst, to, &f->evidence.items[e]))
        return KG_ERR_NOMEM;
    to->support +=
        dst->evidence_limit ? f->support - f->evidence.len : f->support;
  }
  return KG_SUCCESS;
}

KgStatus kg_fact_store_merge(KgFactStore *dst, const KgFactStore *src) {
  StrMap m = {NULL, NULL, 16};
  while (m.cap < 2 * src->strings.len + 2)
    m.cap *= 2;
  m.from = kg_calloc(m.cap, sizeof *m.from);
  m.to = kg_calloc(m.cap, sizeof *m.to);
  KgStatus st = m.from && m.to ? merge_entities(dst, src, &m) : KG_ERR_NOMEM;
  for (size_t i = 0; !st && i < src->documents.len; i++)
    st = kg_fact_store_add_document(dst, &src->documents.items[i].view);
  if (!st)
    st = merge_facts(dst, src, &m);
  kg_free(m.from);
  kg_free(m.to);
  return st;
}

/* ---------------------------------------------------------------- sort */

static int cmp_size(size_t a, size_t b) {
  return (a > b) - (a < b);
}

static int cmp_alias(const void *a, const void *b) {
  return cmp_str(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_entity(const void *a, const void *b) {
  return cmp_str(((const Entity *)a)->key, ((const Entity *)b)->key);
}

static int cmp_doc(const void *a, const void *b) {
  return cmp_str(((const Document *)a)->view.key,
                 ((const Document *)b)->view.key);
}

static int cmp_evidence(const void *pa, const void *pb) {
  const KgEvidence *a = pa, *b = pb;
  int c = cmp_str(a->doc, b->doc);
  if (!c)
    c = cmp_size(a->sentence, b->sentence);
  if (!c)
    c = cmp_size(a->begin, b->begin);
  if (!c)
    c = cmp_size(a->end, b->end);
  if (!c)
    c = cmp_str(a->rule, b->rule);
  return c;
}

static int cmp_fact(const void *pa, const void *pb) {
  const Fact *a = pa, *b = pb;
  int c = cmp_str(a->s, b->s);
  if (!c)
    c = cmp_str(a->p, b->p);
  if (!c)
    c = cmp_str(a->o, b->o);
  if (!c)
    c = cmp_str(a->q, b->q);
  return c;
}

/* Rebuild an index in place after its items moved.  The table keeps its
 * size, so this cannot fail. */
static void index_rebuild(KgFactStore *fs, Index *ix, size_t n,
                          IndexHash hash_of) {
  if (!ix->cap)
    return;
  memset(ix->slots, 0, ix->cap * sizeof *ix->slots);
  for (size_t item = 0; item < n; item++) {
    size_t i = (size_t)hash_of(fs, item) & (ix->cap - 1);
    while (ix->slots[i])
      i = (i + 1) & (ix->cap - 1);
    ix->slots[i] = item + 1;
  }
}

/* Sorting a large graph's facts by text compared four strings per step,
 * the longest serial step of a build (0.12 s for 300,000 facts).  The
 * facts use few distinct strings (their entities' keys, the predicates,
 * the qualifiers), and interned, equal strings are the same pointer: so
 * rank those strings once and sort integer keys, in the same order; the
 * entities by the ranks of their keys. */
#define RANK_SORT_MIN 4096

typedef struct {
  const char **keys; /* distinct strings; the table is keys + ranks */
  uint32_t *ranks;   /* rank + 1 in text order, once ranked */
  size_t cap, len;   /* cap: power of two */
} RankSet;

static size_t rank_slot(const RankSet *r, const char *s) {
  size_t i = (size_t)ptr_hash(s) & (r->cap - 1);
  while (r->keys[i] && r->keys[i] != s)
    i = (i + 1) & (r->cap - 1);
  return i;
}

static bool rank_add(RankSet *r, const char *s) {
  if (!s || r->keys[rank_slot(r, s)] == s)
    return true;
  if (2 * (r->len + 1) > r->cap) {
    RankSet g = {kg_calloc(2 * r->cap, sizeof *g.keys), NULL, 2 * r->cap,
                 r->len};
    if (!g.keys)
      return false;
    for (size_t i = 0; i < r->cap; i++)
      if (r->keys[i])
        g.keys[rank_slot(&g, r->keys[i])] = r->keys[i];
    kg_free(r->keys);
    *r = g;
  }
  r->keys[rank_slot(r, s)] = s;
  r->len++;
  return true;
}

static uint32_t rank_of(const RankSet *r, const char *s) {
  return s ? r->ranks[rank_slot(r, s)] : 0; /* NULL first, as cmp_str */
}

/* A sort key of 128 bits and the place of its item. */
typedef struct {
  uint64_t hi, lo;
  size_t item;
} RankKey;

static bool key_less(const RankKey *a, const RankKey *b) {
  return a->hi < b->hi || (a->hi == b->hi && a->lo < b->lo);
}

static void key_swap(RankKey *a, RankKey *b) {
  RankKey t = *a;
  *a = *b;
  *b = t;
}

/* Heap sort: the fallback that bounds the quicksort below. */
static void key_sift(RankKey *k, size_t root, size_t n) {
  for (size_t c; (c = 2 * root + 1) < n; root = c) {
    if (c + 1 < n && key_less(&k[c], &k[c + 1]))
      c++;
    if (!key_less(&k[root], &k[c]))
      return;
    key_swap(&k[root], &k[c]);
  }
}

static void key_heapsort(RankKey *k, size_t n) {
  for (size_t i = n / 2; i-- > 0;)
    key_sift(k, i, n);
  for (size_t i = n; i-- > 1;) {
    key_swap(&k[0], &k[i]);
    key_sift(k, 0, i);
  }
}

/* Sort k[0, n) in place: glibc's qsort is a merge sort that allocates a
 * copy of the array (7 MB for the 100 MB graph, every page of it a fresh
 * fault) and compares through a function pointer.  Quicksort with a
 * median of three, the smaller side first, insertion sort for short
 * runs, heap sort past 2 log n levels (so never quadratic). */
static void key_sort(RankKey *k, size_t n, unsigned depth) {
  while (n > 16) {
    if (depth-- == 0) {
      key_heapsort(k, n);
      return;
    }
    size_t m = n / 2;
    if (key_less(&k[m], &k[0]))
      key_swap(&k[m], &k[0]);
    if (key_less(&k[n - 1], &k[m]))
      key_swap(&k[n - 1], &k[m]);
    if (key_less(&k[m], &k[0]))
      key_swap(&k[m], &k[0]);
    RankKey pivot = k[m];
    size_t i = 0, j = n - 1;
    for (;;) { /* Hoare: k[0] <= pivot <= k[n - 1] stop both scans */
      while (key_less(&k[i], &pivot))
        i++;
      while (key_less(&pivot, &k[j]))
        j--;
      if (i >= j)
        break;
      key_swap(&k[i++], &k[j--]);
    }
    size_t left = j + 1; /* k[0, left) <= pivot <= k[left, n) */
    if (left < n - left) {
      key_sort(k, left, depth);
      k += left, n -= left;
    } else {
      key_sort(k + left, n - left, depth);
      n = left;
    }
  }
  for (size_t i = 1; i < n; i++)
    for (size_t j = i; j > 0 && key_less(&k[j], &k[j - 1]); j--)
      key_swap(&k[j], &k[j - 1]);
}

/* key_sort's depth for n keys: 2 log n. */
static unsigned sort_depth(size_t n) {
  unsigned depth = 0;
  for (; n; n >>= 1)
    depth += 2;
  return depth;
}

/* The first 8 bytes of s from byte at on (NUL-padded) as a big-endian
 * number: integers that compare as strcmp compares those bytes. */
static uint64_t prefix8(const char *s, size_t at, size_t len) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; i++)
    v = v << 8 | (at + i < len ? (unsigned char)s[at + i] : 0);
  return v;
}

/* Sort the strings of k[0, n) (items into str), whose first 16 bytes are
 * equal, by strcmp. */
static bool sort_tie(RankKey *k, size_t n, const char **str) {
  const char **run = kg_malloc(n * sizeof *run);
  if (!run)
    return false;
  for (size_t i = 0; i < n; i++)
    run[i] = str[k[i].item];
  qsort(run, n, sizeof *run, cmp_alias);
  for (size_t i = 0; i < n; i++)
    str[k[i].item] = run[i];
  kg_free(run);
  return true;
}

/* Give every string of the set its rank + 1 in strcmp order.  Strings
 * are sorted by their first 16 bytes as integers (strcmp through qsort
 * missed the cache at every comparison), then runs that share those
 * bytes by strcmp. */
static bool rank_all(RankSet *r) {
  size_t n = 0;
  const char **str = kg_malloc((r->len ? r->len : 1) * sizeof *str);
  RankKey *k = kg_malloc((r->len ? r->len : 1) * sizeof *k);
  r->ranks = kg_calloc(r->cap, sizeof *r->ranks);
  bool ok = str && k && r->ranks;
  for (size_t i = 0; ok && i < r->cap; i++)
    if (r->keys[i]) {
      size_t len = strlen(r->keys[i]);
      k[n] = (RankKey){prefix8(r->keys[i], 0, len), prefix8(r->keys[i], 8, len),
                       n};
      str[n++] = r->keys[i];
    }
  if (ok)
    key_sort(k, n, sort_depth(n));
  for (size_t i = 0, j; ok && i < n; i = j) {
    for (j = i + 1; j < n && k[j].hi == k[i].hi && k[j].lo == k[i].lo;)
      j++;
    ok = j - i == 1 || sort_tie(k + i, j - i, str);
  }
  for (size_t i = 0; ok && i < n; i++)
    r->ranks[rank_slot(r, str[k[i].item])] = (uint32_t)i + 1;
  kg_free(str);
  kg_free(k);
  return ok;
}

/* Move each item (size bytes, at most ITEM_MAX) to the place of its key:
 * position i receives the item at keys[i].item.  Each cycle of the
 * permutation is followed (a key is marked done by pointing at its own
 * place), so no copy of the array is made. */
#define ITEM_MAX 64
_Static_assert(sizeof(Fact) <= ITEM_MAX && sizeof(Entity) <= ITEM_MAX,
               "permute's buffer holds any item");

static void permute(void *items, size_t size, RankKey *keys, size_t n) {
  unsigned char first[ITEM_MAX], *at = items;
  for (size_t i = 0; i < n; i++) {
    if (keys[i].item == i)
      continue;
    memcpy(first, at + i * size, size);
    for (size_t j = i;;) {
      size_t from = keys[j].item;
      keys[j].item = j;
      memcpy(at + j * size, from == i ? first : at + from * size, size);
      if (from == i)
        break;
      j = from;
    }
  }
}

/* Sort the facts, and the entities, through ranked keys; false when out
 * of memory (the order is then whatever it is: the caller sorts). */
static bool sort_by_rank(KgFactStore *fs) {
  size_t n = fs->facts.len, m = fs->entities.len;
  RankSet r = {kg_calloc(1024, sizeof *r.keys), NULL, 1024, 0};
  RankKey *keys = kg_malloc((n > m ? n : m) * sizeof *keys);
  bool ok = r.keys && keys;
  for (size_t i = 0; ok && i < n; i++) {
    const Fact *f = &fs->facts.items[i];
    ok = rank_add(&r, f->s) && rank_add(&r, f->p) && rank_add(&r, f->o) &&
         rank_add(&r, f->q);
  }
  for (size_t i = 0; ok && i < m; i++)
    ok = rank_add(&r, fs->entities.items[i].key);
  if (ok && (ok = rank_all(&r))) {
    for (size_t i = 0; i < n; i++) {
      const Fact *f = &fs->facts.items[i];
      keys[i] =
          (RankKey){(uint64_t)rank_of(&r, f->s) << 32 | rank_of(&r, f->p),
                    (uint64_t)rank_of(&r, f->o) << 32 | rank_of(&r, f->q), i};
    }
    key_sort(keys, n, sort_depth(n));
    permute(fs->facts.items, sizeof(Fact), keys, n);
    for (size_t i = 0; i < m; i++) /* entity keys are unique */
      keys[i] = (RankKey){rank_of(&r, fs->entities.items[i].key), 0, i};
    key_sort(keys, m, sort_depth(m));
    permute(fs->entities.items, sizeof(Entity), keys, m);
  }
  kg_free(r.keys);
  kg_free(r.ranks);
  kg_free(keys);
  return ok;
}

void kg_fact_store_sort(KgFactStore *fs) {
  for (size_t i = 0; i < fs->entities.len; i++) {
    Entity *e = &fs->entities.items[i];
    if (e->aliases.len > 1)
      qsort(e->aliases.items, e->aliases.len, sizeof(char *), cmp_alias);
  }
  if (fs->facts.len + fs->entities.len < RANK_SORT_MIN || !sort_by_rank(fs)) {
    if (fs->entities.len > 1)
      qsort(fs->entities.items, fs->entities.len, sizeof(Entity), cmp_entity);
    if (fs->facts.len > 1)
      qsort(fs->facts.items, fs->facts.len, sizeof(Fact), cmp_fact);
  }
  if (fs->documents.len > 1)
    qsort(fs->documents.items, fs->documents.len, sizeof(Document), cmp_doc);
  for (size_t i = 0; i < fs->facts.len; i++) {
    Fact *f = &fs->facts.items[i];
    if (f->evidence.len > 1)
      qsort(f->evidence.items, f->evidence.len, sizeof(KgEvidence),
            cmp_evidence);
  }
  index_rebuild(fs, &fs->entity_index, fs->entities.len, entity_hash_at);
  index_rebuild(fs, &fs->document_index, fs->documents.len, doc_hash_at);
  index_rebuild(fs, &fs->fact_index, fs->facts.len, fact_hash_at);
}

/* ---------------------------------------------------------------- views */

size_t kg_fact_store_n_entities(const KgFactStore *fs) {
  return fs->entities.len;
}

size_t kg_fact_store_n_documents(const KgFactStore *fs) {
  return fs->documents.len;
}

size_t kg_fact_store_n_facts(const KgFactStore *fs) {
  return fs->facts.len;
}

KgEntityView kg_fact_store_entity(const KgFactStore *fs, size_t i) {
  const Entity *e = &fs->entities.items[i];
  KgEntityView v = {e->key, e->label ? e->label : e->key, e->type,
                    e->aliases.items, e->aliases.len};
  return v;
}

KgDocView kg_fact_store_document(const KgFactStore *fs, size_t i) {
  return fs->documents.items[i].view;
}

KgFactView kg_fact_store_fact(const KgFactStore *fs, size_t i) {
  const Fact *f = &fs->facts.items[i];
  KgFactView v = {
      f->s, f->p, f->o, f->q, f->evidence.items, f->evidence.len, f->support};
  return v;
}
