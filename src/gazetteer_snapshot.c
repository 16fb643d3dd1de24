/*
 * gazetteer_snapshot.c — a compiled gazetteer to a file and back
 * (kg_gazetteer_save, kg_gazetteer_restore), so that a build can skip
 * parsing and compiling entities.ttl (gazetteer_cache.c decides when).
 *
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
#include "gazetteer_impl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* All n bytes of data to (or from) fd at offset off, through short
 * transfers and interruptions; written KG_WRITE_PIECE at a time (util.h
 * says why). */
static bool io_at(int fd, void *data, size_t n, uint64_t off, bool writing) {
  char *p = data;
  while (n > 0) {
    size_t piece = writing && n > KG_WRITE_PIECE ? KG_WRITE_PIECE : n;
    ssize_t k = writing ? pwrite(fd, p, piece, (off_t)off)
                        : pread(fd, p, n, (off_t)off);
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

static bool read_at(int fd, void *data, size_t n, uint64_t off) {
  return io_at(fd, data, n, off, false);
}

KgStatus kg_gazetteer_save(const KgGazetteer *g, const KgError *msgs,
                           size_t n_msgs, int fd, KgError *err) {
  if (!g || !g->compiled || fd < 0 || (n_msgs && !msgs) ||
      n_msgs > SNAP_MAX_MSGS)
    return kg_error_set(err, KG_ERR_BAD_ARG, NULL, 0, 0,
                        "gazetteer snapshot: nothing compiled to save");
  Snap s = {0};
  off_t start = lseek(fd, 0, SEEK_CUR);
  KgStatus st = start < 0 ? KG_ERR_IO : snap_of(g, msgs, n_msgs, &s);
  uint64_t off = (uint64_t)start;
  if (st == KG_SUCCESS && !io_at(fd, &s.h, sizeof s.h, off, true))
    st = KG_ERR_IO;
  off += sizeof s.h;
  for (int i = 0; st == KG_SUCCESS && i < N_SECTIONS; off += s.bytes[i++])
    if (!io_at(fd, s.data[i], s.bytes[i], off, true))
      st = KG_ERR_IO;
  if (st == KG_SUCCESS && lseek(fd, (off_t)off, SEEK_SET) < 0)
    st = KG_ERR_IO; /* past the snapshot, as a write would leave it */
  snap_free(&s);
  if (st != KG_SUCCESS)
    kg_error_set(err, st, NULL, 0, 0, "gazetteer snapshot: %s",
                 kg_strstatus(st));
  return st;
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
      kg_gaz_hint_huge(p, n); /* before the first touch */
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
        (i && kg_gaz_cmp_relation(&r[i - 1], &r[i]) >= 0))
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
  kg_gaz_note_longest(g);
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
