/*
 * graph_reader.c — a graph on disk back into a fact store.
 *
 * The whole graph is read into a list of triples sorted by subject, so
 * everything said about a node is one binary search away.  Then, in this
 * order (later steps look up what earlier ones added):
 *
 *   documents   subjects typed kg:Document; key = kg:sourcePath
 *   entities    subjects typed with any other class of the kg namespace
 *               (kg:Evidence excepted); key = the IRI's local name,
 *               percent-decoded, as rdf_writer made it
 *   statements  rdf:Statement nodes whose rdf:predicate is in the kg
 *               namespace: one fact each, with its qualifier and one piece
 *               of evidence per kg:evidence node
 *   plain       any other triple with a kg predicate between two IRIs is a
 *               fact without evidence, unless a statement already stated
 *               it (with a qualifier, say) — so graphs from other tools
 *               that never reify still read
 *
 * Entities that facts name but the graph never typed are added with their
 * rdfs:label if any.
 */
#include "graph_reader.h"

#include "ontology.h"
#include "rdf_io.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#define RDF "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
#define RDFS "http://www.w3.org/2000/01/rdf-schema#"
#define SKOS "http://www.w3.org/2004/02/skos/core#"
#define PROV "http://www.w3.org/ns/prov#"
#define NIF "http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#"
#define KG KG_ONTOLOGY_NS

typedef struct {
  char *s, *p, *o, *lang;
  KgTermKind s_kind, o_kind;
  size_t seq; /* position in the file, to keep sorting stable */
} Triple;

typedef struct {
  KG_VEC(Triple) t;
  KG_VEC(char *) covered; /* "s\tp\to" of each statement, sorted */
} Graph;

/* ---------------------------------------------------------- collecting */

static void triple_free(Triple *t) {
  kg_free(t->s);
  kg_free(t->p);
  kg_free(t->o);
  kg_free(t->lang);
}

static KgStatus collect(void *ctx, const KgTriple *in) {
  Graph *g = ctx;
  Triple t = {kg_strdup(in->s.value),
              kg_strdup(in->p.value),
              kg_strdup(in->o.value),
              kg_strdup(in->o.lang),
              in->s.kind,
              in->o.kind,
              g->t.len};
  if (t.s && t.p && t.o && (t.lang || !in->o.lang) && kg_vec_push(&g->t, t))
    return KG_SUCCESS;
  triple_free(&t);
  return KG_ERR_NOMEM;
}

static int cmp_triple(const void *pa, const void *pb) {
  const Triple *a = pa, *b = pb;
  int c = strcmp(a->s, b->s);
  return c ? c : (a->seq > b->seq) - (a->seq < b->seq);
}

static void graph_free(Graph *g) {
  for (size_t i = 0; i < g->t.len; i++)
    triple_free(&g->t.items[i]);
  kg_vec_free(&g->t);
  for (size_t i = 0; i < g->covered.len; i++)
    kg_free(g->covered.items[i]);
  kg_vec_free(&g->covered);
}

/* -------------------------------------------------------------- lookups */

/* Index of the first triple about s (g->t.len when none). */
static size_t first_of(const Graph *g, const char *s) {
  size_t lo = 0, hi = g->t.len;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (strcmp(g->t.items[mid].s, s) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* The first (s, p, *) triple, or NULL. */
static const Triple *value(const Graph *g, const char *s, const char *p) {
  for (size_t i = first_of(g, s); i < g->t.len && !strcmp(g->t.items[i].s, s);
       i++)
    if (!strcmp(g->t.items[i].p, p))
      return &g->t.items[i];
  return NULL;
}

static const char *text_of(const Graph *g, const char *s, const char *p) {
  const Triple *t = value(g, s, p);
  return t ? t->o : NULL;
}

static size_t number_of(const Graph *g, const char *s, const char *p) {
  const Triple *t = value(g, s, p);
  if (!t)
    return 0;
  char *end;
  unsigned long long n = strtoull(t->o, &end, 10);
  return *end || t->o[0] == '-' ? 0 : (size_t)n;
}

static const char *in_kg(const char *iri) {
  size_t n = strlen(KG);
  return iri && !strncmp(iri, KG, n) && iri[n] ? iri + n : NULL;
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  c = (char)(c | 0x20);
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The percent-decoded text after the last '/' or '#'.  Caller frees. */
static char *local_key(const char *iri) {
  const char *start = iri;
  for (const char *p = iri; *p; p++)
    if (*p == '/' || *p == '#')
      start = p + 1;
  KgBuf b = {0};
  for (const char *p = start; *p; p++) {
    int hi = p[0] == '%' ? hex_value(p[1]) : -1;
    int lo = hi >= 0 ? hex_value(p[2]) : -1;
    if (lo >= 0) {
      kg_buf_putc(&b, (char)(hi * 16 + lo));
      p += 2;
    } else {
      kg_buf_putc(&b, *p);
    }
  }
  if (b.failed) {
    kg_buf_free(&b); /* a failed buffer still holds a truncated prefix */
    return NULL;
  }
  return kg_buf_take(&b, NULL);
}

/* ------------------------------------------------------------ documents */

/* The key of document node iri: its kg:sourcePath, else its local name.
 * Caller frees. */
static char *doc_key(const Graph *g, const char *iri) {
  const char *path = text_of(g, iri, KG "sourcePath");
  return path ? kg_strdup(path) : local_key(iri);
}

static KgStatus read_document(const Graph *g, const char *iri,
                              KgFactStore *fs) {
  char *key = doc_key(g, iri);
  if (!key)
    return KG_ERR_NOMEM;
  KgDocView d = {key,
                 text_of(g, iri, KG "sha256"),
                 text_of(g, iri, KG "language"),
                 text_of(g, iri, KG "format"),
                 number_of(g, iri, KG "sentenceCount"),
                 number_of(g, iri, KG "byteSize")};
  KgStatus st = kg_fact_store_add_document(fs, &d);
  kg_free(key);
  return st;
}

/* ------------------------------------------------------------- entities */

/* Add entity iri with its type (may be NULL), label and aliases. */
static KgStatus read_entity(const Graph *g, const char *iri, const char *type,
                            KgFactStore *fs) {
  char *key = local_key(iri);
  if (!key)
    return KG_ERR_NOMEM;
  const char *label = text_of(g, iri, RDFS "label");
  KgStatus st = kg_fact_store_add_entity(fs, key, label, type, NULL);
  for (size_t i = first_of(g, iri);
       !st && i < g->t.len && !strcmp(g->t.items[i].s, iri); i++) {
    const Triple *t = &g->t.items[i];
    if (!strcmp(t->p, SKOS "altLabel") && t->o_kind == KG_TERM_LITERAL)
      st = kg_fact_store_add_entity(fs, key, NULL, NULL, t->o);
  }
  kg_free(key);
  return st;
}

/* The kg class of a typed entity node, or NULL. */
static const char *entity_type(const Triple *t) {
  const char *type = t->o_kind == KG_TERM_IRI && !strcmp(t->p, RDF "type")
                         ? in_kg(t->o)
                         : NULL;
  if (!type || !strcmp(type, "Document") || !strcmp(type, "Evidence"))
    return NULL;
  return type;
}

/* Documents and entities: one pass over the typing triples. */
static KgStatus read_nodes(const Graph *g, KgFactStore *fs) {
  KgStatus st = KG_SUCCESS;
  for (size_t i = 0; !st && i < g->t.len; i++) {
    const Triple *t = &g->t.items[i];
    if (t->s_kind != KG_TERM_IRI)
      continue;
    const char *type = entity_type(t);
    if (type)
      st = read_entity(g, t->s, type, fs);
    else if (!strcmp(t->p, RDF "type") && !strcmp(t->o, KG "Document"))
      st = read_document(g, t->s, fs);
  }
  return st;
}

/* An untyped entity a fact names: added with its label, if any. */
static KgStatus ensure_entity(const Graph *g, const char *iri,
                              KgFactStore *fs) {
  char *key = local_key(iri);
  if (!key)
    return KG_ERR_NOMEM;
  bool known = kg_fact_store_find_entity(fs, key) >= 0;
  kg_free(key);
  return known ? KG_SUCCESS : read_entity(g, iri, NULL, fs);
}

/* ---------------------------------------------------------------- facts */

typedef struct {
  char *s, *p, *o; /* keys */
  const char *q;
} FactKeys;

static void keys_free(FactKeys *k) {
  kg_free(k->s);
  kg_free(k->p);
  kg_free(k->o);
}

/* The keys of fact s p o, after making sure both entities exist. */
static KgStatus fact_keys(const Graph *g, const char *s, const char *p,
                          const char *o, KgFactStore *fs, FactKeys *k) {
  k->s = local_key(s);
  k->p = local_key(p);
  k->o = local_key(o);
  k->q = NULL;
  if (!k->s || !k->p || !k->o)
    return KG_ERR_NOMEM;
  KgStatus st = ensure_entity(g, s, fs);
  return st ? st : ensure_entity(g, o, fs);
}

/* Evidence node iri into ev; strings point into g or into *doc. */
static KgStatus read_evidence(const Graph *g, const char *iri, KgEvidence *ev,
                              char **doc) {
  const Triple *from = value(g, iri, PROV "wasDerivedFrom");
  const Triple *text = value(g, iri, NIF "anchorOf");
  if (!text)
    text = value(g, iri, KG "sentenceText");
  *doc = from ? doc_key(g, from->o) : NULL;
  if (from && !*doc)
    return KG_ERR_NOMEM;
  memset(ev, 0, sizeof *ev);
  ev->doc = *doc;
  ev->sentence = number_of(g, iri, KG "sentenceIndex");
  ev->begin = (uint32_t)number_of(g, iri, NIF "beginIndex");
  ev->end = (uint32_t)number_of(g, iri, NIF "endIndex");
  ev->sent_begin = (uint32_t)number_of(g, iri, KG "sentenceBegin");
  ev->sent_end = (uint32_t)number_of(g, iri, KG "sentenceEnd");
  ev->text = text ? text->o : NULL;
  ev->lang = text ? text->lang : NULL;
  ev->rule = text_of(g, iri, KG "rule");
  return KG_SUCCESS;
}

static KgStatus add_statement_evidence(const Graph *g, const char *node,
                                       const FactKeys *k, KgFactStore *fs) {
  KgStatus st = kg_fact_store_add_fact(fs, k->s, k->p, k->o, k->q, NULL);
  for (size_t i = first_of(g, node);
       !st && i < g->t.len && !strcmp(g->t.items[i].s, node); i++) {
    const Triple *t = &g->t.items[i];
    if (strcmp(t->p, KG "evidence") || t->o_kind == KG_TERM_LITERAL)
      continue;
    KgEvidence ev;
    char *doc = NULL;
    st = read_evidence(g, t->o, &ev, &doc);
    if (!st)
      st = kg_fact_store_add_fact(fs, k->s, k->p, k->o, k->q, &ev);
    kg_free(doc);
  }
  return st;
}

static KgStatus read_statement(Graph *g, const char *node, KgFactStore *fs) {
  const Triple *s = value(g, node, RDF "subject");
  const Triple *p = value(g, node, RDF "predicate");
  const Triple *o = value(g, node, RDF "object");
  if (!s || !p || !o || !in_kg(p->o) || s->o_kind != KG_TERM_IRI ||
      o->o_kind != KG_TERM_IRI)
    return KG_SUCCESS;
  char *cover = kg_strfmt("%s\t%s\t%s", s->o, p->o, o->o);
  if (!cover || !kg_vec_push(&g->covered, cover)) {
    kg_free(cover);
    return KG_ERR_NOMEM;
  }
  FactKeys k;
  KgStatus st = fact_keys(g, s->o, p->o, o->o, fs, &k);
  k.q = text_of(g, node, KG "qualifier");
  if (!st)
    st = add_statement_evidence(g, node, &k, fs);
  keys_free(&k);
  return st;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A plain s p o fact, unless a statement said it already. */
static KgStatus read_plain(const Graph *g, const Triple *t, KgFactStore *fs) {
  const char *name = in_kg(t->p);
  if (!name || !strcmp(name, "evidence") || t->s_kind != KG_TERM_IRI ||
      t->o_kind != KG_TERM_IRI)
    return KG_SUCCESS;
  char *line = kg_strfmt("%s\t%s\t%s", t->s, t->p, t->o);
  if (!line)
    return KG_ERR_NOMEM;
  bool said = g->covered.len && bsearch(&line, g->covered.items, g->covered.len,
                                        sizeof(char *), cmp_str);
  kg_free(line);
  if (said)
    return KG_SUCCESS;
  FactKeys k;
  KgStatus st = fact_keys(g, t->s, t->p, t->o, fs, &k);
  if (!st)
    st = kg_fact_store_add_fact(fs, k.s, k.p, k.o, NULL, NULL);
  keys_free(&k);
  return st;
}

static KgStatus read_facts(Graph *g, KgFactStore *fs) {
  KgStatus st = KG_SUCCESS;
  for (size_t i = 0; !st && i < g->t.len; i++) {
    const Triple *t = &g->t.items[i];
    if (t->s_kind == KG_TERM_IRI && !strcmp(t->p, RDF "type") &&
        !strcmp(t->o, RDF "Statement"))
      st = read_statement(g, t->s, fs);
  }
  if (!st && g->covered.len > 1)
    qsort(g->covered.items, g->covered.len, sizeof(char *), cmp_str);
  for (size_t i = 0; !st && i < g->t.len; i++)
    st = read_plain(g, &g->t.items[i], fs);
  return st;
}

/* ------------------------------------------------------------------ read */

KgStatus kg_graph_read(const char *path, KgFactStore *fs, KgError *err) {
  Graph g = {0};
  KgStatus st = kg_rdf_parse_file(path, NULL, collect, &g, err);
  if (st) {
    graph_free(&g);
    return st;
  }
  if (g.t.len > 1)
    qsort(g.t.items, g.t.len, sizeof(Triple), cmp_triple);
  st = read_nodes(&g, fs);
  if (!st)
    st = read_facts(&g, fs);
  if (st)
    kg_error_set(err, st, path, 0, 0, "reading graph: %s", kg_strstatus(st));
  graph_free(&g);
  return st;
}
