/*
 * rdf_writer.c — the fact store as RDF, through rdf_io.
 *
 * Every node gets an IRI under the base, never a blank node, so two builds
 * of the same input give the same graph and a diff can match nodes:
 *
 *   <base>entity/KEY     a kg:TYPE; rdfs:label; skos:altLabel per alias
 *   <base>doc/KEY        a kg:Document; path, digest, language, counts
 *   <base>fact/H         a rdf:Statement for (s, p, o, q); H is the first
 *                        16 hex digits of SHA-256("s\tp\to\tq")
 *   <base>evidence/H2    a kg:Evidence, one per supporting sentence;
 *                        H2 hashes H, document, sentence index and rule
 *
 * The plain triple s p o is written too, so the graph stays queryable
 * without reification.  The statement links each evidence node
 * (kg:evidence) and each document directly (prov:wasDerivedFrom), so a
 * reader one hop away from the fact finds the document IRI.  In N-Quads
 * the evidence of a document and those links live in the named graph
 * <base>graph/DOCKEY; everything else is in the default graph.
 *
 * Keys are percent-encoded byte by byte (kg_iri_append_escaped), so every
 * IRI is plain ASCII: raptor 2.0.15 would otherwise write \u escapes that
 * no parser accepts.  Output order follows the sorted store; the Turtle
 * serializer groups by subject in its own (stable) order.
 */
#include "rdf_writer.h"

#include "ontology.h"
#include "rdf_io.h"

#include <stdio.h>
#include <string.h>

#define RDF "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
#define RDFS "http://www.w3.org/2000/01/rdf-schema#"
#define XSD "http://www.w3.org/2001/XMLSchema#"
#define SKOS "http://www.w3.org/2004/02/skos/core#"
#define PROV "http://www.w3.org/ns/prov#"
#define NIF "http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#"
#define KG KG_ONTOLOGY_NS

bool kg_iri_append_escaped(KgBuf *b, const char *s) {
  static const char hex[] = "0123456789ABCDEF";
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    unsigned char c = *p;
    bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                 (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
                 c == '~';
    if (plain) {
      kg_buf_putc(b, (char)c);
    } else {
      char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
      kg_buf_append(b, esc, 3);
    }
  }
  return !b->failed;
}

/* ---------------------------------------------------------------- output */

typedef struct {
  KgRdfWriter *w;
  const char *base; /* ends with '/' or '#' */
  bool quads;
  KgStatus st; /* first failure; later emits are no-ops */
} Out;

/* ns + kind + escaped key, e.g. <base>entity/Meta.  Caller frees. */
static char *join_iri(const char *ns, const char *kind, const char *key) {
  KgBuf b = {0};
  kg_buf_puts(&b, ns);
  kg_buf_puts(&b, kind);
  if (!kg_iri_append_escaped(&b, key ? key : "")) {
    kg_buf_free(&b); /* a failed buffer still holds a truncated prefix */
    return NULL;
  }
  return kg_buf_take(&b, NULL);
}

static char *node_iri(const Out *o, const char *kind, const char *key) {
  return join_iri(o->base, kind, key);
}

static void emit(Out *o, const char *s, const char *p, const KgTerm *obj,
                 const char *graph) {
  if (o->st)
    return;
  if (!s || !obj->value) {
    o->st = KG_ERR_NOMEM;
    return;
  }
  KgTerm g = {KG_TERM_IRI, graph, NULL, NULL};
  KgTriple t = {{KG_TERM_IRI, s, NULL, NULL},
                {KG_TERM_IRI, p, NULL, NULL},
                *obj,
                graph && o->quads ? &g : NULL};
  o->st = kg_rdf_writer_add(o->w, &t);
}

static void emit_iri(Out *o, const char *s, const char *p, const char *iri,
                     const char *graph) {
  KgTerm t = {KG_TERM_IRI, iri, NULL, NULL};
  emit(o, s, p, &t, graph);
}

/* A well-formed BCP 47 shape (letters, then alphanumeric subtags). */
static bool lang_ok(const char *lang) {
  size_t run = 0, first = 1;
  for (const char *p = lang; *p; p++) {
    bool alpha = (*p | 0x20) >= 'a' && (*p | 0x20) <= 'z';
    bool digit = *p >= '0' && *p <= '9';
    if (*p == '-' && run) {
      run = 0, first = 0;
      continue;
    }
    if (!(alpha || (digit && !first)) || ++run > 8)
      return false;
  }
  return run > 0;
}

static void emit_text(Out *o, const char *s, const char *p, const char *text,
                      const char *lang, const char *graph) {
  if (!text)
    return;
  KgTerm t = {KG_TERM_LITERAL, text, lang && lang_ok(lang) ? lang : NULL, NULL};
  emit(o, s, p, &t, graph);
}

static void emit_count(Out *o, const char *s, const char *p, size_t n,
                       const char *graph) {
  char num[32];
  snprintf(num, sizeof num, "%zu", n);
  KgTerm t = {KG_TERM_LITERAL, num, NULL, XSD "nonNegativeInteger"};
  emit(o, s, p, &t, graph);
}

/* ------------------------------------------------------------- entities */

static void write_entity(Out *o, const KgEntityView *e) {
  char *iri = node_iri(o, "entity/", e->key);
  char *type = e->type ? join_iri(KG, "", e->type) : NULL;
  if (e->type && !type)
    o->st = KG_ERR_NOMEM;
  if (type)
    emit_iri(o, iri, RDF "type", type, NULL);
  emit_text(o, iri, RDFS "label", e->label, NULL, NULL);
  for (size_t i = 0; i < e->n_aliases; i++)
    emit_text(o, iri, SKOS "altLabel", e->aliases[i], NULL, NULL);
  kg_free(type);
  kg_free(iri);
}

static void write_document(Out *o, const KgDocView *d) {
  char *iri = node_iri(o, "doc/", d->key);
  emit_iri(o, iri, RDF "type", KG "Document", NULL);
  emit_text(o, iri, KG "sourcePath", d->key, NULL, NULL);
  emit_text(o, iri, KG "sha256", d->sha256, NULL, NULL);
  emit_text(o, iri, KG "language", d->lang, NULL, NULL);
  emit_text(o, iri, KG "format", d->format, NULL, NULL);
  emit_count(o, iri, KG "byteSize", d->bytes, NULL);
  emit_count(o, iri, KG "sentenceCount", d->sentences, NULL);
  kg_free(iri);
}

/* ---------------------------------------------------------------- facts */

/* The first 16 hex digits of SHA-256 of the tab-joined parts. */
static bool short_hash(const char *const *parts, size_t n, char out[17]) {
  KgBuf b = {0};
  for (size_t i = 0; i < n; i++) {
    if (i)
      kg_buf_putc(&b, '\t');
    kg_buf_puts(&b, parts[i] ? parts[i] : "");
  }
  if (b.failed) {
    kg_buf_free(&b);
    return false;
  }
  char hex[65];
  kg_sha256_hex(b.data ? b.data : "", b.len, hex);
  kg_buf_free(&b);
  memcpy(out, hex, 16);
  out[16] = '\0';
  return true;
}

static void write_evidence(Out *o, const char *fact, const char *hash,
                           const KgEvidence *ev) {
  char index[32], ehash[17];
  snprintf(index, sizeof index, "%zu", ev->sentence);
  const char *parts[] = {hash, ev->doc, index, ev->rule};
  if (!short_hash(parts, 4, ehash)) {
    o->st = KG_ERR_NOMEM;
    return;
  }
  char *iri = node_iri(o, "evidence/", ehash);
  char *doc = node_iri(o, "doc/", ev->doc);
  char *graph = node_iri(o, "graph/", ev->doc);
  emit_iri(o, fact, KG "evidence", iri, graph);
  emit_iri(o, iri, RDF "type", KG "Evidence", graph);
  emit_iri(o, iri, PROV "wasDerivedFrom", doc, graph);
  emit_text(o, iri, NIF "anchorOf", ev->text, ev->lang, graph);
  emit_count(o, iri, NIF "beginIndex", ev->begin, graph);
  emit_count(o, iri, NIF "endIndex", ev->end, graph);
  emit_count(o, iri, KG "sentenceIndex", ev->sentence, graph);
  emit_count(o, iri, KG "sentenceBegin", ev->sent_begin, graph);
  emit_count(o, iri, KG "sentenceEnd", ev->sent_end, graph);
  emit_text(o, iri, KG "rule", ev->rule, NULL, graph);
  kg_free(graph);
  kg_free(doc);
  kg_free(iri);
}

/* Each document the fact was read from, once (evidence is sorted). */
static void write_sources(Out *o, const char *fact, const KgFactView *f) {
  for (size_t i = 0; i < f->n_evidence; i++) {
    const char *doc = f->evidence[i].doc ? f->evidence[i].doc : "";
    const char *prev = i ? f->evidence[i - 1].doc : NULL;
    if (prev && !strcmp(doc, prev))
      continue;
    char *iri = node_iri(o, "doc/", doc);
    char *graph = node_iri(o, "graph/", doc);
    emit_iri(o, fact, PROV "wasDerivedFrom", iri, graph);
    kg_free(graph);
    kg_free(iri);
  }
}

static void write_fact(Out *o, const KgFactView *f) {
  char hash[17];
  const char *parts[] = {f->subject, f->predicate, f->object, f->qualifier};
  if (!short_hash(parts, 4, hash)) {
    o->st = KG_ERR_NOMEM;
    return;
  }
  char *s = node_iri(o, "entity/", f->subject);
  char *obj = node_iri(o, "entity/", f->object);
  char *pred = join_iri(KG, "", f->predicate);
  char *fact = node_iri(o, "fact/", hash);
  if (!pred)
    o->st = KG_ERR_NOMEM;
  emit_iri(o, s, pred, obj, NULL);
  emit_iri(o, fact, RDF "type", RDF "Statement", NULL);
  emit_iri(o, fact, RDF "subject", s, NULL);
  emit_iri(o, fact, RDF "predicate", pred, NULL);
  emit_iri(o, fact, RDF "object", obj, NULL);
  emit_text(o, fact, KG "qualifier", f->qualifier, NULL, NULL);
  for (size_t i = 0; i < f->n_evidence; i++)
    write_evidence(o, fact, hash, &f->evidence[i]);
  write_sources(o, fact, f);
  kg_free(fact);
  kg_free(pred);
  kg_free(obj);
  kg_free(s);
}

/* ---------------------------------------------------------------- graph */

/* rdf: is missing on purpose: raptor declares it itself and refuses a
 * second declaration. */
static KgStatus declare_prefixes(KgRdfWriter *w, const char *base) {
  static const char *const fixed[][2] = {
      {"kg", KG},     {"rdfs", RDFS}, {"xsd", XSD},
      {"skos", SKOS}, {"prov", PROV}, {"nif", NIF},
  };
  static const char *const own[][2] = {
      {"e", "entity/"}, {"f", "fact/"}, {"ev", "evidence/"}, {"d", "doc/"}};
  KgStatus st = KG_SUCCESS;
  for (size_t i = 0; !st && i < sizeof fixed / sizeof *fixed; i++)
    st = kg_rdf_writer_prefix(w, fixed[i][0], fixed[i][1]);
  for (size_t i = 0; !st && i < sizeof own / sizeof *own; i++) {
    char *iri = kg_strfmt("%s%s", base, own[i][1]);
    st = iri ? kg_rdf_writer_prefix(w, own[i][0], iri) : KG_ERR_NOMEM;
    kg_free(iri);
  }
  return st;
}

static void write_store(Out *o, const KgFactStore *fs) {
  for (size_t i = 0; !o->st && i < kg_fact_store_n_documents(fs); i++) {
    KgDocView d = kg_fact_store_document(fs, i);
    write_document(o, &d);
  }
  for (size_t i = 0; !o->st && i < kg_fact_store_n_entities(fs); i++) {
    KgEntityView e = kg_fact_store_entity(fs, i);
    write_entity(o, &e);
  }
  for (size_t i = 0; !o->st && i < kg_fact_store_n_facts(fs); i++) {
    KgFactView f = kg_fact_store_fact(fs, i);
    write_fact(o, &f);
  }
}

/* Write fs through w (made by the caller, freed here). */
static KgStatus write_with(KgRdfWriter *w, const KgFactStore *fs,
                           const char *base, const char *syntax, char **data,
                           size_t *len, KgError *err) {
  if (!base || !*base)
    base = KG_DEFAULT_BASE;
  size_t n = strlen(base);
  bool slash = base[n - 1] == '/' || base[n - 1] == '#';
  char *b = kg_strfmt("%s%s", base, slash ? "" : "/");
  KgStatus st =
      b ? KG_SUCCESS
        : kg_error_set(err, KG_ERR_NOMEM, NULL, 0, 0, "out of memory");
  if (!st && (st = declare_prefixes(w, b)))
    kg_error_set(err, st, NULL, 0, 0, "%s",
                 st == KG_ERR_NOMEM ? "out of memory" : "bad base IRI");
  if (!st) {
    Out o = {w, b, !strcmp(syntax, "nquads"), KG_SUCCESS};
    write_store(&o, fs);
    if ((st = o.st))
      kg_error_set(err, st, NULL, 0, 0, "writing %s: %s", syntax,
                   kg_strstatus(st));
  }
  if (!st)
    st = kg_rdf_writer_finish(w, data, len, err);
  kg_rdf_writer_free(w);
  kg_free(b);
  return st;
}

KgStatus kg_rdf_write(const KgFactStore *fs, const char *base,
                      const char *syntax, char **data, size_t *len,
                      KgError *err) {
  *data = NULL;
  *len = 0;
  KgRdfWriter *w = NULL;
  KgStatus st = kg_rdf_writer_new(syntax, &w, err);
  return st ? st : write_with(w, fs, base, syntax, data, len, err);
}

KgStatus kg_rdf_write_file(const KgFactStore *fs, const char *base,
                           const char *syntax, FILE *f, KgError *err) {
  KgRdfWriter *w = NULL;
  char *none = NULL;
  size_t len = 0;
  KgStatus st = kg_rdf_writer_new_file(syntax, f, &w, err);
  return st ? st : write_with(w, fs, base, syntax, &none, &len, err);
}
