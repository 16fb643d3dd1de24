/*
 * rdf_writer.c — the fact store as RDF, as text (rdf_syntax) or through
 * raptor (rdf_io).
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
 * The same walk over the store drives both back ends: an Out either
 * formats statements into a buffer or hands them to raptor as absolute
 * IRIs.
 */
#include "rdf_writer.h"

#include "rdf_io.h"

#include <string.h>

/* ---------------------------------------------------------------- output */

typedef struct {
  const KgNsTable *ns;
  KgSynWriter syn;     /* text syntaxes */
  KgRdfWriter *raptor; /* or raptor */
  bool quads;
  KgBuf abs[4]; /* raptor: s, p, o, graph as absolute IRIs */
  KgStatus st;  /* first failure; later emits are no-ops */
} Out;

static const char *absolute(Out *o, int k, const KgIri *iri) {
  KgBuf *b = &o->abs[k];
  b->len = 0;
  kg_buf_append(b, o->ns->iri[iri->ns], o->ns->len[iri->ns]);
  if (iri->escape)
    kg_iri_append_escaped(b, iri->local);
  else
    kg_buf_puts(b, iri->local);
  return b->failed ? NULL : b->data;
}

static void raptor_emit(Out *o, const KgIri *s, const KgIri *p,
                        const KgIri *obj, const KgLiteral *lit,
                        const KgIri *graph) {
  KgTerm g = {KG_TERM_IRI, graph ? absolute(o, 3, graph) : NULL, NULL, NULL};
  KgTriple t = {{KG_TERM_IRI, absolute(o, 0, s), NULL, NULL},
                {KG_TERM_IRI, absolute(o, 1, p), NULL, NULL},
                {KG_TERM_IRI, NULL, NULL, NULL},
                graph && o->quads ? &g : NULL};
  if (obj) {
    t.o.value = absolute(o, 2, obj);
  } else {
    t.o.kind = KG_TERM_LITERAL;
    t.o.value = lit->text;
    t.o.lang = lit->lang;
    t.o.datatype = lit->has_dt ? absolute(o, 2, &lit->dt) : NULL;
  }
  if (!t.s.value || !t.p.value || !t.o.value || (graph && !g.value))
    o->st = KG_ERR_NOMEM;
  else
    o->st = kg_rdf_writer_add(o->raptor, &t);
}

static void emit_iri(Out *o, const KgIri *s, const KgIri *p, const KgIri *obj,
                     const KgIri *graph) {
  if (o->st)
    return;
  if (o->raptor)
    raptor_emit(o, s, p, obj, NULL, graph);
  else
    kg_syn_iri(&o->syn, s, p, obj, graph);
}

static void emit_lit(Out *o, const KgIri *s, const KgIri *p,
                     const KgLiteral *lit, const KgIri *graph) {
  if (o->st)
    return;
  if (o->raptor)
    raptor_emit(o, s, p, NULL, lit, graph);
  else
    kg_syn_literal(&o->syn, s, p, lit, graph);
}

#define IRI(ns, local) ((KgIri){(ns), (local), false})
#define KEY(ns, key) ((KgIri){(ns), (key) ? (key) : "", true})

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

static void emit_text(Out *o, const KgIri *s, const char *p_local, KgNs p_ns,
                      const char *text, const char *lang, const KgIri *graph) {
  if (!text)
    return;
  KgIri p = IRI(p_ns, p_local);
  KgLiteral l = {
      text, strlen(text), lang && lang_ok(lang) ? lang : NULL, false, {0}};
  emit_lit(o, s, &p, &l, graph);
}

static void emit_count(Out *o, const KgIri *s, const char *p_local, KgNs p_ns,
                       size_t n, const KgIri *graph) {
  char digits[24], *end = digits + sizeof digits - 1, *d = end;
  *end = '\0'; /* raptor takes the text as a C string */
  do
    *--d = (char)('0' + n % 10);
  while (n /= 10);
  KgIri p = IRI(p_ns, p_local);
  KgLiteral l = {d, (size_t)(end - d), NULL, true,
                 IRI(KG_NS_XSD, "nonNegativeInteger")};
  emit_lit(o, s, &p, &l, graph);
}

/* ---------------------------------------------------------------- hashes */

/* The first 16 hex digits of SHA-256 of the tab-joined parts (a NULL part
 * is empty). */
static bool short_hash(const char *const *parts, size_t n, char out[17]) {
  char small[512];
  KgBuf big = {0};
  size_t len = 0;
  for (size_t i = 0; i < n; i++)
    len += (parts[i] ? strlen(parts[i]) : 0) + 1;
  char *b = len <= sizeof small ? small : NULL;
  size_t at = 0;
  for (size_t i = 0; i < n; i++) {
    const char *s = parts[i] ? parts[i] : "";
    if (b) {
      size_t k = strlen(s);
      memcpy(b + at, s, k);
      at += k;
      if (i + 1 < n)
        b[at++] = '\t';
    } else {
      kg_buf_puts(&big, s);
      if (i + 1 < n)
        kg_buf_putc(&big, '\t');
    }
  }
  if (!b && big.failed) {
    kg_buf_free(&big);
    return false;
  }
  char hex[65];
  kg_sha256_hex(b ? b : big.data ? big.data : "", b ? at : big.len, hex);
  kg_buf_free(&big);
  memcpy(out, hex, 16);
  out[16] = '\0';
  return true;
}

static bool fact_hash(const KgFactView *f, char out[17]) {
  const char *parts[] = {f->subject, f->predicate, f->object, f->qualifier};
  return short_hash(parts, 4, out);
}

/* ------------------------------------------------------------ documents */

static void write_document(Out *o, const KgDocView *d) {
  KgIri iri = KEY(KG_NS_DOC, d->key);
  KgIri type = IRI(KG_NS_RDF, "type"), doc = IRI(KG_NS_KG, "Document");
  emit_iri(o, &iri, &type, &doc, NULL);
  emit_text(o, &iri, "sourcePath", KG_NS_KG, d->key, NULL, NULL);
  emit_text(o, &iri, "sha256", KG_NS_KG, d->sha256, NULL, NULL);
  emit_text(o, &iri, "language", KG_NS_KG, d->lang, NULL, NULL);
  emit_text(o, &iri, "format", KG_NS_KG, d->format, NULL, NULL);
  emit_count(o, &iri, "byteSize", KG_NS_KG, d->bytes, NULL);
  emit_count(o, &iri, "sentenceCount", KG_NS_KG, d->sentences, NULL);
}

static void write_evidence(Out *o, const KgIri *fact, const KgEvidence *ev) {
  char index[24], ehash[17];
  snprintf(index, sizeof index, "%zu", ev->sentence);
  const char *parts[] = {fact->local, ev->doc, index, ev->rule};
  if (!short_hash(parts, 4, ehash)) {
    o->st = KG_ERR_NOMEM;
    return;
  }
  KgIri iri = IRI(KG_NS_EVIDENCE, ehash), graph = KEY(KG_NS_GRAPH, ev->doc);
  KgIri link = IRI(KG_NS_KG, "evidence"), type = IRI(KG_NS_RDF, "type");
  KgIri cls = IRI(KG_NS_KG, "Evidence"),
        from = IRI(KG_NS_PROV, "wasDerivedFrom");
  KgIri doc = KEY(KG_NS_DOC, ev->doc);
  emit_iri(o, fact, &link, &iri, &graph);
  emit_iri(o, &iri, &type, &cls, &graph);
  emit_iri(o, &iri, &from, &doc, &graph);
  emit_text(o, &iri, "anchorOf", KG_NS_NIF, ev->text, ev->lang, &graph);
  emit_count(o, &iri, "beginIndex", KG_NS_NIF, ev->begin, &graph);
  emit_count(o, &iri, "endIndex", KG_NS_NIF, ev->end, &graph);
  emit_count(o, &iri, "sentenceIndex", KG_NS_KG, ev->sentence, &graph);
  emit_count(o, &iri, "sentenceBegin", KG_NS_KG, ev->sent_begin, &graph);
  emit_count(o, &iri, "sentenceEnd", KG_NS_KG, ev->sent_end, &graph);
  emit_text(o, &iri, "rule", KG_NS_KG, ev->rule, NULL, &graph);
}

static void write_source(Out *o, const KgIri *fact, const char *doc_key) {
  KgIri from = IRI(KG_NS_PROV, "wasDerivedFrom");
  KgIri doc = KEY(KG_NS_DOC, doc_key), graph = KEY(KG_NS_GRAPH, doc_key);
  emit_iri(o, fact, &from, &doc, &graph);
}

/* Evidence of fact f read from doc (NULL: from documents not in the
 * store), then the link from the statement to each such document. */
static void write_fact_evidence(Out *o, const KgFactStore *fs,
                                const KgFactView *f, const char *doc) {
  char hash[17];
  KgIri fact = IRI(KG_NS_FACT, hash);
  bool hashed = false;
  for (size_t i = 0; i < f->n_evidence && !o->st; i++) {
    const KgEvidence *ev = &f->evidence[i];
    bool mine =
        doc ? ev->doc == doc
            : kg_fact_store_find_document(fs, ev->doc ? ev->doc : "") < 0;
    if (!mine)
      continue;
    if (!hashed && !(hashed = fact_hash(f, hash))) {
      o->st = KG_ERR_NOMEM;
      return;
    }
    write_evidence(o, &fact, ev);
    /* evidence is sorted by document: a source at the end of each run */
    const KgEvidence *next = i + 1 < f->n_evidence ? &f->evidence[i + 1] : NULL;
    const char *key = ev->doc ? ev->doc : "";
    if (doc ? !next || next->doc != doc
            : !next || strcmp(next->doc ? next->doc : "", key))
      write_source(o, &fact, key);
  }
}

static void write_documents(Out *o, const KgFactStore *fs) {
  size_t n_facts = kg_fact_store_n_facts(fs);
  for (size_t i = 0; i < kg_fact_store_n_documents(fs) && !o->st; i++) {
    KgDocView d = kg_fact_store_document(fs, i);
    write_document(o, &d);
    for (size_t k = 0; k < n_facts && !o->st; k++) {
      KgFactView f = kg_fact_store_fact(fs, k);
      write_fact_evidence(o, fs, &f, d.key);
    }
  }
  for (size_t k = 0; k < n_facts && !o->st; k++) {
    KgFactView f = kg_fact_store_fact(fs, k);
    write_fact_evidence(o, fs, &f, NULL);
  }
}

/* ---------------------------------------------------------------- graph */

static void write_entity(Out *o, const KgEntityView *e) {
  KgIri iri = KEY(KG_NS_ENTITY, e->key);
  if (e->type) {
    KgIri type = IRI(KG_NS_RDF, "type"), cls = KEY(KG_NS_KG, e->type);
    emit_iri(o, &iri, &type, &cls, NULL);
  }
  emit_text(o, &iri, "label", KG_NS_RDFS, e->label, NULL, NULL);
  for (size_t i = 0; i < e->n_aliases; i++)
    emit_text(o, &iri, "altLabel", KG_NS_SKOS, e->aliases[i], NULL, NULL);
}

/* Facts differing only in the qualifier share their plain triple: write
 * it once (the store sorts them next to each other). */
static void write_fact(Out *o, const KgFactView *f, bool plain) {
  char hash[17];
  if (!fact_hash(f, hash)) {
    o->st = KG_ERR_NOMEM;
    return;
  }
  KgIri s = KEY(KG_NS_ENTITY, f->subject), obj = KEY(KG_NS_ENTITY, f->object);
  KgIri pred = KEY(KG_NS_KG, f->predicate), fact = IRI(KG_NS_FACT, hash);
  KgIri type = IRI(KG_NS_RDF, "type"), stmt = IRI(KG_NS_RDF, "Statement");
  KgIri rs = IRI(KG_NS_RDF, "subject"), rp = IRI(KG_NS_RDF, "predicate");
  KgIri ro = IRI(KG_NS_RDF, "object");
  if (plain)
    emit_iri(o, &s, &pred, &obj, NULL);
  emit_iri(o, &fact, &type, &stmt, NULL);
  emit_iri(o, &fact, &rs, &s, NULL);
  emit_iri(o, &fact, &rp, &pred, NULL);
  emit_iri(o, &fact, &ro, &obj, NULL);
  emit_text(o, &fact, "qualifier", KG_NS_KG, f->qualifier, NULL, NULL);
}

size_t kg_rdf_graph_items(const KgFactStore *fs) {
  return kg_fact_store_n_entities(fs) + kg_fact_store_n_facts(fs);
}

static void write_graph(Out *o, const KgFactStore *fs, size_t from, size_t to) {
  size_t n_entities = kg_fact_store_n_entities(fs);
  for (size_t i = from; i < to && !o->st; i++) {
    if (i < n_entities) {
      KgEntityView e = kg_fact_store_entity(fs, i);
      write_entity(o, &e);
    } else {
      KgFactView f = kg_fact_store_fact(fs, i - n_entities);
      KgFactView prev =
          i > n_entities ? kg_fact_store_fact(fs, i - n_entities - 1) : f;
      bool plain = i == n_entities || strcmp(prev.subject, f.subject) ||
                   strcmp(prev.predicate, f.predicate) ||
                   strcmp(prev.object, f.object);
      write_fact(o, &f, plain);
    }
  }
}

/* ------------------------------------------------------------ text parts */

bool kg_rdf_text_syntax(const char *syntax, KgSyntax *out) {
  static const struct {
    const char *name;
    KgSyntax syn;
  } names[] = {{"turtle", KG_SYN_TURTLE},
               {"ntriples", KG_SYN_NTRIPLES},
               {"nquads", KG_SYN_NQUADS}};
  for (size_t i = 0; i < sizeof names / sizeof *names; i++)
    if (!strcmp(syntax, names[i].name))
      return *out = names[i].syn, true;
  return false;
}

static void text_begin(Out *o, KgSyntax syn, const KgNsTable *ns, KgBuf *out) {
  memset(o, 0, sizeof *o);
  o->ns = ns;
  kg_syn_init(&o->syn, syn, ns, out);
}

static bool text_end(Out *o) {
  return kg_syn_finish(&o->syn) && !o->st;
}

bool kg_rdf_text_header(KgSyntax syn, const KgNsTable *ns, KgBuf *out) {
  Out o;
  text_begin(&o, syn, ns, out);
  kg_syn_header(&o.syn);
  return text_end(&o);
}

bool kg_rdf_text_documents(const KgFactStore *fs, KgSyntax syn,
                           const KgNsTable *ns, KgBuf *out) {
  Out o;
  text_begin(&o, syn, ns, out);
  write_documents(&o, fs);
  return text_end(&o);
}

bool kg_rdf_text_graph(const KgFactStore *fs, size_t from, size_t to,
                       KgSyntax syn, const KgNsTable *ns, KgBuf *out) {
  Out o;
  text_begin(&o, syn, ns, out);
  write_graph(&o, fs, from, to);
  return text_end(&o);
}

/* ----------------------------------------------------------- raptor parts */

struct KgRdfStream {
  Out o;
  const char *syntax;
};

/* rdf: is missing on purpose: raptor declares it itself and refuses a
 * second declaration. */
static KgStatus declare_prefixes(KgRdfWriter *w, const KgNsTable *ns) {
  KgStatus st = KG_SUCCESS;
  for (int i = 0; !st && i < KG_NS_COUNT; i++) {
    const char *prefix = kg_ns_prefix((KgNs)i);
    if (prefix && strcmp(prefix, "rdf"))
      st = kg_rdf_writer_prefix(w, prefix, ns->iri[i]);
  }
  return st;
}

KgStatus kg_rdf_stream_new(const char *syntax, const KgNsTable *ns, FILE *f,
                           KgRdfStream **out, KgError *err) {
  *out = NULL;
  KgRdfStream *s = kg_calloc(1, sizeof *s);
  if (!s)
    return kg_error_set(err, KG_ERR_NOMEM, NULL, 0, 0, "out of memory");
  s->syntax = syntax;
  s->o.ns = ns;
  s->o.quads = !strcmp(syntax, "nquads");
  KgStatus st = f ? kg_rdf_writer_new_file(syntax, f, &s->o.raptor, err)
                  : kg_rdf_writer_new(syntax, &s->o.raptor, err);
  if (!st && (st = declare_prefixes(s->o.raptor, ns)))
    kg_error_set(err, st, NULL, 0, 0, "%s",
                 st == KG_ERR_NOMEM ? "out of memory" : "bad base IRI");
  if (st) {
    kg_rdf_stream_free(s);
    return st;
  }
  *out = s;
  return KG_SUCCESS;
}

static KgStatus stream_status(KgRdfStream *s, KgError *err) {
  if (s->o.st)
    kg_error_set(err, s->o.st, NULL, 0, 0, "writing %s: %s", s->syntax,
                 kg_strstatus(s->o.st));
  return s->o.st;
}

KgStatus kg_rdf_stream_documents(KgRdfStream *s, const KgFactStore *fs,
                                 KgError *err) {
  write_documents(&s->o, fs);
  return stream_status(s, err);
}

KgStatus kg_rdf_stream_graph(KgRdfStream *s, const KgFactStore *fs,
                             KgError *err) {
  write_graph(&s->o, fs, 0, kg_rdf_graph_items(fs));
  return stream_status(s, err);
}

KgStatus kg_rdf_stream_finish(KgRdfStream *s, char **data, size_t *len,
                              KgError *err) {
  KgStatus st = stream_status(s, err);
  if (!st)
    st = kg_rdf_writer_finish(s->o.raptor, data, len, err);
  kg_rdf_stream_free(s);
  return st;
}

void kg_rdf_stream_free(KgRdfStream *s) {
  if (!s)
    return;
  kg_rdf_writer_free(s->o.raptor);
  for (size_t i = 0; i < sizeof s->o.abs / sizeof *s->o.abs; i++)
    kg_buf_free(&s->o.abs[i]);
  kg_free(s);
}

/* ------------------------------------------------------------ all at once */

static KgStatus write_text(const KgFactStore *fs, KgSyntax syn,
                           const KgNsTable *ns, char **data, size_t *len,
                           KgError *err) {
  KgBuf b = {0};
  bool ok = kg_rdf_text_header(syn, ns, &b) &&
            kg_rdf_text_documents(fs, syn, ns, &b) &&
            kg_rdf_text_graph(fs, 0, kg_rdf_graph_items(fs), syn, ns, &b);
  if (!ok) {
    kg_buf_free(&b);
    return kg_error_set(err, KG_ERR_NOMEM, NULL, 0, 0, "out of memory");
  }
  if (!b.data)
    kg_buf_putc(&b, '\0'), b.len = 0;
  *data = kg_buf_take(&b, len);
  return *data ? KG_SUCCESS
               : kg_error_set(err, KG_ERR_NOMEM, NULL, 0, 0, "out of memory");
}

static KgStatus write_raptor(const KgFactStore *fs, const char *syntax,
                             const KgNsTable *ns, char **data, size_t *len,
                             KgError *err) {
  KgRdfStream *s = NULL;
  KgStatus st = kg_rdf_stream_new(syntax, ns, NULL, &s, err);
  if (!st)
    st = kg_rdf_stream_documents(s, fs, err);
  if (!st)
    st = kg_rdf_stream_graph(s, fs, err);
  if (!st)
    return kg_rdf_stream_finish(s, data, len, err);
  kg_rdf_stream_free(s);
  return st;
}

KgStatus kg_rdf_write(const KgFactStore *fs, const char *base,
                      const char *syntax, char **data, size_t *len,
                      KgError *err) {
  *data = NULL;
  *len = 0;
  KgNsTable ns;
  if (!kg_ns_table_init(&ns, base))
    return kg_error_set(err, KG_ERR_NOMEM, NULL, 0, 0, "out of memory");
  KgSyntax syn;
  KgStatus st = kg_rdf_text_syntax(syntax, &syn)
                    ? write_text(fs, syn, &ns, data, len, err)
                    : write_raptor(fs, syntax, &ns, data, len, err);
  kg_ns_table_free(&ns);
  return st;
}
