/*
 * build.c — the pipeline put together: a rule set (ontology, gazetteer,
 * rules) and a build that streams documents through
 *
 *   source → normalizer → segmenter → matcher → per-document fact store
 *
 * and merges each document's store into the graph in input order, then
 * writes every output atomically.
 *
 * Threads: documents are independent, so N workers each take the next
 * document and produce its own small fact store and its own list of
 * warnings.  The calling thread merges them strictly in input order, so
 * the graph and even the order of warnings are the same for any N.  At
 * most a small window of documents is in flight, which keeps memory
 * proportional to the graph, not to the corpus.
 */
#include "build.h"

#include "dot_writer.h"
#include "fact_store.h"
#include "gazetteer.h"
#include "graph_reader.h"
#include "matcher.h"
#include "normalizer.h"
#include "parallel.h"
#include "ontology.h"
#include "rdf_writer.h"
#include "rule_parser.h"
#include "segmenter.h"
#include "source.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct KgRules {
  KgNormalizer *norm;
  KgOntology *onto;
  KgGazetteer *gaz;
  KgRuleSet *rules;
};

/* ------------------------------------------------------------ rule sets */

static char *path_join(const char *dir, const char *name) {
  size_t n = strlen(dir);
  return kg_strfmt("%s%s%s", dir, n && dir[n - 1] == '/' ? "" : "/", name);
}

KgStatus kg_rules_load(const char *dir, KgMessageFunc on_msg, void *msg_ctx,
                       KgRules **out, KgError *err) {
  *out = NULL;
  KgRules *r = kg_calloc(1, sizeof *r);
  char *onto_path = path_join(dir, "ontology.ttl");
  char *gaz_path = path_join(dir, "entities.ttl");
  KgStatus st = KG_ERR_NOMEM;
  if (!r || !onto_path || !gaz_path) {
    kg_error_set(err, st, dir, 0, 0, "out of memory");
    goto done;
  }
  st = kg_normalizer_new(&r->norm, err);
  if (!st)
    st = kg_ontology_load(onto_path, &r->onto, err);
  if (!st)
    st = kg_gazetteer_new(r->norm, &r->gaz);
  if (!st)
    st = kg_gazetteer_load(r->gaz, r->onto, gaz_path, on_msg, msg_ctx, err);
  if (!st)
    st = kg_gazetteer_compile(r->gaz);
  if (!st)
    st = kg_ruleset_load(dir, r->onto, r->gaz, r->norm, on_msg, msg_ctx,
                         &r->rules, err);
  if (st == KG_ERR_NOMEM && err && !err->message[0])
    kg_error_set(err, st, dir, 0, 0, "out of memory");
done:
  kg_free(onto_path);
  kg_free(gaz_path);
  if (st) {
    kg_rules_free(r);
    return st;
  }
  *out = r;
  return KG_SUCCESS;
}

void kg_rules_free(KgRules *r) {
  if (!r)
    return;
  kg_ruleset_free(r->rules);
  kg_gazetteer_free(r->gaz);
  kg_ontology_free(r->onto);
  kg_normalizer_free(r->norm);
  kg_free(r);
}

size_t kg_rules_count(const KgRules *r) {
  return kg_ruleset_size(r->rules);
}

size_t kg_rules_entity_count(const KgRules *r) {
  return kg_gazetteer_size(r->gaz);
}

size_t kg_rules_lint(const KgRules *r, KgMessageFunc on_msg, void *ctx) {
  return kg_ruleset_lint(r->rules, on_msg, ctx);
}

const KgOntology *kg_rules_ontology(const KgRules *r) {
  return r->onto;
}

void kg_free_string(char *s) {
  kg_free(s);
}

/* ------------------------------------------------------ one document */

/* Byte offset of every code point of the original text, so evidence can
 * quote the original between two code-point offsets. */
typedef struct {
  const char *text;
  size_t len;
  size_t *cp_byte; /* n_cp + 1 entries */
  size_t n_cp;
} Original;

static KgStatus original_init(Original *o, const char *text, size_t len) {
  o->text = text;
  o->len = len;
  o->n_cp = kg_utf8_count(text, len);
  o->cp_byte = kg_malloc((o->n_cp + 1) * sizeof *o->cp_byte);
  if (!o->cp_byte)
    return KG_ERR_NOMEM;
  size_t k = 0;
  for (size_t i = 0; i < len; i++)
    if (((unsigned char)text[i] & 0xC0) != 0x80)
      o->cp_byte[k++] = i;
  o->cp_byte[k] = len;
  return KG_SUCCESS;
}

/* The original text between code points b and e, trimmed.  Caller frees. */
static char *original_slice(const Original *o, uint32_t b, uint32_t e) {
  if (b > o->n_cp)
    b = (uint32_t)o->n_cp;
  if (e > o->n_cp)
    e = (uint32_t)o->n_cp;
  if (e < b)
    e = b;
  size_t bb = o->cp_byte[b], eb = o->cp_byte[e];
  while (bb < eb && (o->text[bb] == ' ' || o->text[bb] == '\t' ||
                     o->text[bb] == '\n' || o->text[bb] == '\r'))
    bb++;
  while (eb > bb && (o->text[eb - 1] == ' ' || o->text[eb - 1] == '\t' ||
                     o->text[eb - 1] == '\n' || o->text[eb - 1] == '\r'))
    eb--;
  return kg_strndup(o->text + bb, eb - bb);
}

/* Everything one document needs while its facts come in. */
typedef struct {
  const KgRules *rules;
  const char *key;
  const KgNormText *nt;
  const KgSpanVec *sentences;
  Original orig;
  KgFactStore *store;
  char **sentence_text; /* lazily cut, one per sentence */
  const char **sentence_lang;
} DocCtx;

static KgStatus add_end(DocCtx *d, const KgMentionRef *m) {
  char *alias = NULL;
  if (!m->reference) {
    uint32_t b, e;
    kg_norm_span(d->nt, m->begin, m->end, &b, &e);
    alias = original_slice(&d->orig, b, e);
    if (!alias)
      return KG_ERR_NOMEM;
  }
  /* an open-class entity is known only by its normalised (case-folded)
   * text: its label is the surface form as written */
  const char *label = m->minted && alias && *alias ? alias : m->label;
  KgStatus st = kg_fact_store_add_entity(d->store, m->key, label, m->type,
                                         alias && *alias ? alias : NULL);
  kg_free(alias);
  return st;
}

static KgStatus sentence_text(DocCtx *d, size_t i, const char **text,
                              const char **lang) {
  if (!d->sentence_text[i]) {
    uint32_t b, e;
    const KgSpan *s = &d->sentences->items[i];
    kg_norm_span(d->nt, s->begin, s->end, &b, &e);
    d->sentence_text[i] = original_slice(&d->orig, b, e);
    if (!d->sentence_text[i])
      return KG_ERR_NOMEM;
    d->sentence_lang[i] = kg_normalizer_lang(
        d->rules->norm, d->sentence_text[i], strlen(d->sentence_text[i]));
  }
  *text = d->sentence_text[i];
  *lang = d->sentence_lang[i];
  return KG_SUCCESS;
}

static bool is_symmetric(const KgOntology *onto, const char *predicate) {
  int p = kg_ontology_predicate(onto, predicate);
  return p >= 0 && kg_ontology_predicate_at(onto, (size_t)p)->symmetric;
}

static KgStatus on_match_fact(void *ctx, const KgMatchFact *f) {
  DocCtx *d = ctx;
  KgEvidence ev = {.doc = d->key, .sentence = f->sentence, .rule = f->rule};
  KgStatus st = sentence_text(d, f->sentence, &ev.text, &ev.lang);
  if (st)
    return st;
  const KgSpan *sent = &d->sentences->items[f->sentence];
  kg_norm_span(d->nt, sent->begin, sent->end, &ev.sent_begin, &ev.sent_end);
  kg_norm_span(d->nt, f->begin, f->end, &ev.begin, &ev.end);
  if ((st = add_end(d, &f->subject)) || (st = add_end(d, &f->object)))
    return st;
  const char *s = f->subject.key, *o = f->object.key;
  if (is_symmetric(d->rules->onto, f->predicate) && strcmp(s, o) > 0) {
    /* one fact whichever way round it was said */
    const char *t = s;
    s = o;
    o = t;
  }
  return kg_fact_store_add_fact(d->store, s, f->predicate, o, f->qualifier,
                                &ev);
}

/* Normalise, segment and match one decoded document into store. */
static KgStatus extract_document(const KgRules *rules, const char *key,
                                 const KgDocText *doc, KgFactStore *store,
                                 KgMessageFunc on_msg, void *msg_ctx,
                                 KgBuildStats *stats) {
  KgNormText nt = {0};
  KgSpanVec sentences = {0};
  DocCtx d = {rules, key, &nt, &sentences, {0}, store, NULL, NULL};
  KgStatus st = kg_normalize(rules->norm, doc->text, doc->len, &nt);
  if (!st)
    st = kg_segment(nt.text, nt.len, &sentences);
  if (!st)
    st = original_init(&d.orig, doc->text, doc->len);
  if (!st) {
    d.sentence_text = kg_calloc(sentences.len + 1, sizeof(char *));
    d.sentence_lang = kg_calloc(sentences.len + 1, sizeof(char *));
    if (!d.sentence_text || !d.sentence_lang)
      st = KG_ERR_NOMEM;
  }
  KgMatchStats ms = {0};
  if (!st)
    st = kg_match_document(rules->rules, &nt, &sentences, key, on_match_fact,
                           &d, on_msg, msg_ctx, &ms);
  if (!st) {
    KgDocView view = {key,
                      doc->sha256,
                      kg_normalizer_lang(rules->norm, doc->text, doc->len),
                      doc->format,
                      sentences.len,
                      doc->bytes};
    st = kg_fact_store_add_document(store, &view);
  }
  if (stats) {
    stats->sentences += sentences.len;
    stats->mentions += ms.mentions;
  }
  for (size_t i = 0; d.sentence_text && i < sentences.len; i++)
    kg_free(d.sentence_text[i]);
  kg_free(d.sentence_text);
  kg_free((void *)d.sentence_lang);
  kg_free(d.orig.cp_byte);
  kg_vec_free(&sentences);
  kg_norm_text_free(&nt);
  return st;
}

/* ------------------------------------------------------------- kg_extract */

static const char *entity_field(const KgFactStore *fs, const char *key,
                                bool want_type) {
  long i = kg_fact_store_find_entity(fs, key);
  if (i < 0)
    return want_type ? NULL : key;
  KgEntityView e = kg_fact_store_entity(fs, (size_t)i);
  return want_type ? e.type : e.label;
}

/* kg_extract runs the same pipeline into a scratch store and reports its
 * facts as labels, one call per piece of evidence. */
KgStatus kg_extract(const KgRules *rules, const char *text, size_t len,
                    KgFoundFunc on_fact, void *ctx, KgError *err) {
  KgDocText doc = {(char *)text, len, len, "", "text", "UTF-8"};
  KgFactStore *fs = kg_fact_store_new();
  KgStatus st = fs ? extract_document(rules, "text", &doc, fs, NULL, NULL, NULL)
                   : KG_ERR_NOMEM;
  if (st) {
    kg_fact_store_free(fs);
    return kg_error_set(err, st, "text", 0, 0, "%s", kg_strstatus(st));
  }
  kg_fact_store_sort(fs);
  for (size_t i = 0; i < kg_fact_store_n_facts(fs); i++) {
    KgFactView f = kg_fact_store_fact(fs, i);
    for (size_t e = 0; e < f.n_evidence; e++) {
      KgFoundFact out = {entity_field(fs, f.subject, false),
                         entity_field(fs, f.subject, true),
                         f.predicate,
                         entity_field(fs, f.object, false),
                         entity_field(fs, f.object, true),
                         f.qualifier,
                         f.evidence[e].rule,
                         f.evidence[e].text};
      on_fact(ctx, &out);
    }
  }
  kg_fact_store_free(fs);
  return KG_SUCCESS;
}

KgStatus kg_explain_text(const KgRules *rules, const char *text, size_t len,
                         char **report, KgError *err) {
  KgNormText nt = {0};
  KgSpanVec sentences = {0};
  *report = NULL;
  KgStatus st = kg_normalize(rules->norm, text, len, &nt);
  if (!st)
    st = kg_segment(nt.text, nt.len, &sentences);
  if (!st)
    st = kg_explain(rules->rules, &nt, &sentences, report);
  if (st)
    kg_error_set(err, st, "text", 0, 0, "%s", kg_strstatus(st));
  kg_vec_free(&sentences);
  kg_norm_text_free(&nt);
  return st;
}

/* ---------------------------------------------------- messages per doc */

typedef KG_VEC(KgError) MsgVec;

static void collect_msg(void *ctx, const KgError *msg) {
  MsgVec *v = ctx;
  kg_vec_push(v, *msg); /* a lost warning under OOM is acceptable */
}

/* ------------------------------------------------------------- outputs */

/* The output table: to add a format, add a row here and a bit in kg.h. */
static const struct {
  unsigned bit;
  const char *file;
  const char *syntax; /* rdf syntax, or NULL for a picture */
  const char *picture;
} outputs[] = {
    {KG_FORMAT_TTL, "graph.ttl", "turtle", NULL},
    {KG_FORMAT_NT, "graph.nt", "ntriples", NULL},
    {KG_FORMAT_NQ, "graph.nq", "nquads", NULL},
    {KG_FORMAT_RDFXML, "graph.rdf", "rdfxml", NULL},
    {KG_FORMAT_DOT, "graph.dot", NULL, "dot"},
    {KG_FORMAT_SVG, "graph.svg", NULL, "svg"},
    {KG_FORMAT_PNG, "graph.png", NULL, "png"},
};
#define N_OUTPUTS (sizeof outputs / sizeof *outputs)

/* An RDF output being written while documents come in: text syntaxes get
 * parts formatted by the workers, the others a raptor stream. */
typedef struct {
  bool open;
  KgAtomicFile af;
  char *path;
  bool text;
  KgSyntax syn;
  KgRdfStream *stream;
} RdfOut;

/* The RDF outputs of a build, open on temporary files until the end. */
typedef struct {
  RdfOut rdf[N_OUTPUTS];
  KgNsTable ns;
} Sinks;

static KgStatus make_dir(const char *dir, KgError *err) {
  char *copy = kg_strdup(dir);
  if (!copy)
    return kg_error_set(err, KG_ERR_NOMEM, dir, 0, 0, "out of memory");
  for (char *s = copy + 1;; s++) {
    char c = *s;
    if (c == '/' || c == '\0') {
      *s = '\0';
      if (mkdir(copy, 0755) != 0 && errno != EEXIST) {
        KgStatus st = kg_error_set(err, KG_ERR_IO, copy, 0, 0,
                                   "cannot create folder: %s", strerror(errno));
        kg_free(copy);
        return st;
      }
      *s = c;
    }
    if (!c)
      break;
  }
  kg_free(copy);
  return KG_SUCCESS;
}

static KgStatus write_bytes(RdfOut *r, const KgBuf *b, KgError *err) {
  if (b->len && fwrite(b->data, 1, b->len, r->af.f) != b->len)
    return kg_error_set(err, KG_ERR_IO, r->path, 0, 0, "cannot write: %s",
                        strerror(errno));
  return KG_SUCCESS;
}

static KgStatus open_rdf(RdfOut *r, const char *dir, size_t k,
                         const KgNsTable *ns, KgError *err) {
  r->path = path_join(dir, outputs[k].file);
  if (!r->path)
    return kg_error_set(err, KG_ERR_NOMEM, dir, 0, 0, "out of memory");
  KgStatus st = kg_atomic_open(r->path, &r->af, err);
  if (st)
    return st;
  r->open = true;
  r->text = kg_rdf_text_syntax(outputs[k].syntax, &r->syn);
  if (!r->text)
    return kg_rdf_stream_new(outputs[k].syntax, ns, r->af.f, &r->stream, err);
  KgBuf head = {0};
  st = kg_rdf_text_header(r->syn, ns, &head)
           ? write_bytes(r, &head, err)
           : kg_error_set(err, KG_ERR_NOMEM, NULL, 0, 0, "out of memory");
  kg_buf_free(&head);
  return st;
}

static void close_sinks(Sinks *s) {
  for (size_t k = 0; k < N_OUTPUTS; k++) {
    RdfOut *r = &s->rdf[k];
    kg_rdf_stream_free(r->stream);
    if (r->open)
      kg_atomic_abort(&r->af);
    kg_free(r->path);
  }
  kg_ns_table_free(&s->ns);
  memset(s, 0, sizeof *s);
}

static unsigned wanted_formats(const KgBuildOptions *o) {
  return o->formats ? o->formats
                    : KG_FORMAT_TTL | KG_FORMAT_DOT | KG_FORMAT_SVG;
}

/* Create the folder and open every RDF output of o on a temporary file. */
static KgStatus open_sinks(Sinks *s, const KgBuildOptions *o, KgError *err) {
  memset(s, 0, sizeof *s);
  const char *dir = o->out_dir ? o->out_dir : "out";
  KgStatus st = make_dir(dir, err);
  if (!st && !kg_ns_table_init(&s->ns, o->base_iri))
    st = kg_error_set(err, KG_ERR_NOMEM, NULL, 0, 0, "out of memory");
  for (size_t k = 0; !st && k < N_OUTPUTS; k++)
    if (outputs[k].syntax && (wanted_formats(o) & outputs[k].bit))
      st = open_rdf(&s->rdf[k], dir, k, &s->ns, err);
  if (st)
    close_sinks(s);
  return st;
}

/* ------------------------------------------------------------ documents */

typedef struct {
  KgFactStore *store;
  KgBuf part[N_OUTPUTS]; /* the document's RDF, per text output */
  MsgVec msgs;
  KgBuildStats stats;
  KgStatus status; /* fatal trouble (out of memory) */
} DocResult;

typedef struct {
  const KgBuildOptions *opts;
  const KgRules *rules;
  const KgInputVec *inputs;
  Sinks *sinks; /* NULL: build the graph only */
  KgFactStore *graph;
  KgBuildStats *stats;
  DocResult *results;
  KgError *err;
} Run;

static void result_free(DocResult *r) {
  kg_fact_store_free(r->store);
  for (size_t k = 0; k < N_OUTPUTS; k++)
    kg_buf_free(&r->part[k]);
  kg_vec_free(&r->msgs);
  memset(r, 0, sizeof *r);
}

/* The document's evidence as text, for each text output, while still in
 * the worker thread: formatting is most of the cost of writing. */
static KgStatus format_parts(const Run *run, DocResult *r) {
  kg_fact_store_sort(r->store);
  for (size_t k = 0; run->sinks && k < N_OUTPUTS; k++) {
    const RdfOut *o = &run->sinks->rdf[k];
    if (o->open && o->text &&
        !kg_rdf_text_documents(r->store, o->syn, &run->sinks->ns, &r->part[k]))
      return KG_ERR_NOMEM;
  }
  return KG_SUCCESS;
}

/* Read, decode, extract and format document i into its result slot. */
static void run_document(void *ctx, size_t i) {
  const Run *run = ctx;
  DocResult *r = &run->results[i];
  const KgInput *in = &run->inputs->items[i];
  KgDocText doc = {0};
  KgError err = {0};
  size_t max = run->opts->max_file_size ? run->opts->max_file_size
                                        : KG_DEFAULT_MAX_FILE_SIZE;
  KgStatus st = kg_source_load(in, max, &doc, collect_msg, &r->msgs, &err);
  if (st == KG_ERR_NOMEM) {
    r->status = st;
    return;
  }
  if (st) {
    /* a bad file is a warning: the build goes on without it */
    err.severity = KG_MSG_WARNING;
    if (!err.file[0])
      snprintf(err.file, sizeof err.file, "%s", in->path);
    kg_vec_push(&r->msgs, err);
    r->stats.skipped = 1;
    return;
  }
  r->store = kg_fact_store_new();
  st = r->store ? KG_SUCCESS : KG_ERR_NOMEM;
  if (!st)
    st = extract_document(run->rules, in->key, &doc, r->store, collect_msg,
                          &r->msgs, &r->stats);
  if (!st)
    st = format_parts(run, r);
  r->stats.documents = 1;
  r->stats.bytes = doc.bytes;
  r->status = st;
  kg_doc_text_free(&doc);
}

static void add_stats(KgBuildStats *to, const KgBuildStats *from) {
  to->documents += from->documents;
  to->skipped += from->skipped;
  to->bytes += from->bytes;
  to->sentences += from->sentences;
  to->mentions += from->mentions;
}

static void report_progress(const Run *run, size_t i) {
  const DocResult *r = &run->results[i];
  if (!run->opts->on_progress)
    return;
  size_t facts = 0;
  for (size_t f = 0; r->store && f < kg_fact_store_n_facts(r->store); f++)
    facts += kg_fact_store_fact(r->store, f).support;
  KgProgress pr = {
      i + 1, run->inputs->len, run->stats->bytes,    run->inputs->items[i].key,
      facts, r->msgs.len,      (int)r->stats.skipped};
  run->opts->on_progress(run->opts->progress_ctx, &pr);
}

/* The document's parts go to the outputs, its store into the graph. */
static KgStatus write_document_parts(const Run *run, const DocResult *r) {
  KgStatus st = KG_SUCCESS;
  for (size_t k = 0; !st && run->sinks && r->store && k < N_OUTPUTS; k++) {
    RdfOut *o = &run->sinks->rdf[k];
    if (o->open)
      st = o->text ? write_bytes(o, &r->part[k], run->err)
                   : kg_rdf_stream_documents(o->stream, r->store, run->err);
  }
  return st;
}

/* Merge result i into the graph, hand its messages on, release it. */
static KgStatus merge_result(void *ctx, size_t i) {
  const Run *run = ctx;
  DocResult *r = &run->results[i];
  KgStatus st = r->status;
  for (size_t m = 0; m < r->msgs.len; m++) {
    run->stats->warnings++;
    if (run->opts->on_msg)
      run->opts->on_msg(run->opts->msg_ctx, &r->msgs.items[m]);
  }
  if (st)
    kg_error_set(run->err, st, run->inputs->items[i].path, 0, 0,
                 "building the graph: %s", kg_strstatus(st));
  if (!st)
    st = write_document_parts(run, r);
  if (!st && r->store && (st = kg_fact_store_merge(run->graph, r->store)))
    kg_error_set(run->err, st, NULL, 0, 0, "building the graph: %s",
                 kg_strstatus(st));
  add_stats(run->stats, &r->stats);
  report_progress(run, i);
  result_free(r);
  return st;
}

static KgStatus process_all(const KgBuildOptions *opts, const KgRules *rules,
                            const KgInputVec *inputs, Sinks *sinks,
                            KgFactStore *graph, KgBuildStats *stats,
                            KgError *err) {
  unsigned n = kg_thread_count(opts->threads);
  Run run = {opts,
             rules,
             inputs,
             sinks,
             graph,
             stats,
             kg_calloc(inputs->len + 1, sizeof(DocResult)),
             err};
  if (!run.results)
    return kg_error_set(err, KG_ERR_NOMEM, NULL, 0, 0, "out of memory");
  KgStatus st = kg_parallel_ordered(inputs->len, n, 4 * (size_t)n, run_document,
                                    merge_result, &run);
  if (st && !err->message[0])
    kg_error_set(err, st, NULL, 0, 0, "building the graph: %s",
                 kg_strstatus(st));
  for (size_t i = 0; i < inputs->len; i++)
    result_free(&run.results[i]);
  kg_free(run.results);
  return st;
}

/* ---------------------------------------------------------- graph part */

/* Entities and statements, formatted in parallel in blocks of items. */
#define GRAPH_BLOCK 2048

typedef struct {
  const KgFactStore *graph;
  Sinks *sinks;
  KgBuf *parts; /* N_OUTPUTS per block */
  KgStatus *status;
  size_t n_items;
  KgError *err;
} GraphRun;

static void format_block(void *ctx, size_t b) {
  const GraphRun *g = ctx;
  size_t from = b * GRAPH_BLOCK, to = from + GRAPH_BLOCK;
  if (to > g->n_items)
    to = g->n_items;
  for (size_t k = 0; k < N_OUTPUTS; k++) {
    const RdfOut *o = &g->sinks->rdf[k];
    if (o->open && o->text &&
        !kg_rdf_text_graph(g->graph, from, to, o->syn, &g->sinks->ns,
                           &g->parts[b * N_OUTPUTS + k]))
      g->status[b] = KG_ERR_NOMEM;
  }
}

static KgStatus write_block(void *ctx, size_t b) {
  const GraphRun *g = ctx;
  KgStatus st = g->status[b];
  if (st)
    kg_error_set(g->err, st, NULL, 0, 0, "out of memory");
  for (size_t k = 0; k < N_OUTPUTS; k++) {
    KgBuf *part = &g->parts[b * N_OUTPUTS + k];
    if (!st && g->sinks->rdf[k].open && g->sinks->rdf[k].text)
      st = write_bytes(&g->sinks->rdf[k], part, g->err);
    kg_buf_free(part);
  }
  return st;
}

static KgStatus write_graph_parts(const KgFactStore *graph, Sinks *sinks,
                                  unsigned threads, KgError *err) {
  size_t n_items = kg_rdf_graph_items(graph);
  size_t blocks = (n_items + GRAPH_BLOCK - 1) / GRAPH_BLOCK;
  GraphRun g = {graph,
                sinks,
                kg_calloc(blocks * N_OUTPUTS + 1, sizeof(KgBuf)),
                kg_calloc(blocks + 1, sizeof(KgStatus)),
                n_items,
                err};
  KgStatus st = g.parts && g.status ? KG_SUCCESS : KG_ERR_NOMEM;
  if (!st)
    st = kg_parallel_ordered(blocks, threads, 2 * (size_t)threads, format_block,
                             write_block, &g);
  for (size_t i = 0; g.parts && i < blocks * N_OUTPUTS; i++)
    kg_buf_free(&g.parts[i]);
  kg_free(g.parts);
  kg_free(g.status);
  for (size_t k = 0; !st && k < N_OUTPUTS; k++)
    if (sinks->rdf[k].stream)
      st = kg_rdf_stream_graph(sinks->rdf[k].stream, graph, err);
  if (st == KG_ERR_NOMEM && !err->message[0])
    kg_error_set(err, st, NULL, 0, 0, "out of memory");
  return st;
}

/* Finish and rename every RDF output into place. */
static KgStatus commit_rdf(Sinks *sinks, KgError *err) {
  KgStatus st = KG_SUCCESS;
  for (size_t k = 0; !st && k < N_OUTPUTS; k++) {
    RdfOut *r = &sinks->rdf[k];
    if (!r->open)
      continue;
    if (r->stream) {
      char *none = NULL;
      size_t len = 0;
      st = kg_rdf_stream_finish(r->stream, &none, &len, err);
      r->stream = NULL;
    }
    if (!st)
      st = kg_atomic_commit(&r->af, err);
    r->open = false;
    if (st && err && !err->file[0])
      snprintf(err->file, sizeof err->file, "%s", r->path);
  }
  return st;
}

/* ------------------------------------------------------------- pictures */

static void dot_options(const KgViewOptions *v, KgDotOptions *d) {
  d->layout = v->layout;
  d->focus = v->focus;
  d->depth = v->depth ? v->depth : 1;
  d->predicates = v->predicates;
  d->types = v->types;
  d->min_support = v->min_support;
}

static KgStatus write_picture(const KgFactStore *graph, const KgBuildOptions *o,
                              size_t k, const char *dir, KgError *err) {
  char *data = NULL, *path = path_join(dir, outputs[k].file);
  size_t len = 0;
  if (!path)
    return kg_error_set(err, KG_ERR_NOMEM, dir, 0, 0, "out of memory");
  KgDotOptions d = {0};
  dot_options(&o->view, &d);
  KgStatus st = kg_dot_render(graph, &d, outputs[k].picture, &data, &len, err);
  if (!st)
    st = kg_write_file_atomic(path, data, len, err);
  if (st && err && !err->file[0])
    snprintf(err->file, sizeof err->file, "%s", path);
  kg_free(data);
  kg_free(path);
  return st;
}

static KgStatus write_rest(const KgFactStore *graph, const KgRules *rules,
                           const KgBuildOptions *o, KgError *err) {
  const char *dir = o->out_dir ? o->out_dir : "out";
  KgStatus st = KG_SUCCESS;
  for (size_t k = 0; !st && k < N_OUTPUTS; k++)
    if (outputs[k].picture && (wanted_formats(o) & outputs[k].bit))
      st = write_picture(graph, o, k, dir, err);
  if (!st) {
    size_t len;
    const char *src = kg_ontology_source(rules->onto, &len);
    char *path = path_join(dir, "ontology.ttl");
    st = path ? kg_write_file_atomic(path, src, len, err)
              : kg_error_set(err, KG_ERR_NOMEM, dir, 0, 0, "out of memory");
    kg_free(path);
  }
  return st;
}

/* ------------------------------------------------------------- kg_build */

static void count_name(KgCount *counts, size_t *n, const char *name) {
  if (!name)
    name = "(none)";
  size_t i = 0;
  while (i < *n && strcmp(counts[i].name, name))
    i++;
  if (i == *n) {
    if (*n == KG_MAX_COUNTS)
      return;
    snprintf(counts[i].name, sizeof counts[i].name, "%s", name);
    counts[i].count = 0;
    (*n)++;
  }
  counts[i].count++;
}

static int cmp_count(const void *a, const void *b) {
  return strcmp(((const KgCount *)a)->name, ((const KgCount *)b)->name);
}

/* Totals of a sorted graph into stats. */
static void count_graph(const KgFactStore *graph, KgBuildStats *stats) {
  stats->facts = kg_fact_store_n_facts(graph);
  stats->entities = kg_fact_store_n_entities(graph);
  for (size_t i = 0; i < stats->facts; i++) {
    KgFactView f = kg_fact_store_fact(graph, i);
    stats->evidence += f.support;
    count_name(stats->by_predicate, &stats->n_by_predicate, f.predicate);
  }
  for (size_t i = 0; i < stats->entities; i++)
    count_name(stats->by_type, &stats->n_by_type,
               kg_fact_store_entity(graph, i).type);
  qsort(stats->by_predicate, stats->n_by_predicate, sizeof(KgCount), cmp_count);
  qsort(stats->by_type, stats->n_by_type, sizeof(KgCount), cmp_count);
}

/* List the inputs, run every document, sort and count the graph. */
static KgStatus build_into(const KgBuildOptions *opts, const KgRules *rules,
                           Sinks *sinks, KgFactStore *graph,
                           KgBuildStats *stats, KgError *err) {
  static const char *const default_inputs[] = {"corpus"};
  const char *const *in = opts->n_inputs ? opts->inputs : default_inputs;
  size_t n_in = opts->n_inputs ? opts->n_inputs : 1;
  KgInputVec inputs = {0};
  KgStatus st =
      kg_source_list(in, n_in, &inputs, opts->on_msg, opts->msg_ctx, err);
  if (!st)
    st = process_all(opts, rules, &inputs, sinks, graph, stats, err);
  kg_input_vec_free(&inputs);
  if (!st) {
    kg_fact_store_sort(graph);
    count_graph(graph, stats);
  }
  return st;
}

KgStatus kg_build_graph(const KgBuildOptions *opts, const KgRules *rules,
                        KgFactStore *graph, KgBuildStats *stats, KgError *err) {
  return build_into(opts, rules, NULL, graph, stats, err);
}

/* The graph keeps only what the pictures show of the evidence, so memory
 * follows the facts, not the corpus; the RDF has all of it already. */
static KgFactStore *new_graph(const KgBuildOptions *opts) {
  KgFactStore *graph = kg_fact_store_new();
  unsigned pictures = KG_FORMAT_DOT | KG_FORMAT_SVG | KG_FORMAT_PNG;
  if (graph)
    kg_fact_store_limit_evidence(
        graph, wanted_formats(opts) & pictures ? KG_DOT_MAX_EVIDENCE : 0);
  return graph;
}

static KgStatus build_and_write(const KgBuildOptions *opts,
                                const KgRules *rules, KgFactStore *graph,
                                KgBuildStats *stats, KgError *err) {
  Sinks sinks;
  KgStatus st = open_sinks(&sinks, opts, err);
  if (st)
    return st;
  st = build_into(opts, rules, &sinks, graph, stats, err);
  if (!st && opts->strict && stats->warnings)
    st = kg_error_set(err, KG_ERR_BAD_ARG, NULL, 0, 0,
                      "%zu warning(s) and --strict: no output written",
                      stats->warnings);
  if (!st)
    st = write_graph_parts(graph, &sinks, kg_thread_count(opts->threads), err);
  if (!st)
    st = commit_rdf(&sinks, err);
  close_sinks(&sinks);
  if (!st)
    st = write_rest(graph, rules, opts, err);
  return st;
}

KgStatus kg_build(const KgBuildOptions *opts, KgBuildStats *stats,
                  KgError *err) {
  KgBuildStats local = {0};
  if (!stats)
    stats = &local;
  memset(stats, 0, sizeof *stats);
  KgRules *rules = NULL;
  KgStatus st = kg_rules_load(opts->rules_dir ? opts->rules_dir : "rules",
                              opts->on_msg, opts->msg_ctx, &rules, err);
  if (st)
    return st;
  KgFactStore *graph = new_graph(opts);
  if (!graph)
    st = kg_error_set(err, KG_ERR_NOMEM, NULL, 0, 0, "out of memory");
  if (!st)
    st = build_and_write(opts, rules, graph, stats, err);
  kg_fact_store_free(graph);
  kg_rules_free(rules);
  return st;
}

/* ------------------------------------------------------------ kg_render */

KgStatus kg_render(const char *graph_path, const KgViewOptions *view,
                   const char *format, const char *out_path, KgError *err) {
  KgFactStore *fs = kg_fact_store_new();
  if (!fs)
    return kg_error_set(err, KG_ERR_NOMEM, graph_path, 0, 0, "out of memory");
  KgStatus st = kg_graph_read(graph_path, fs, err);
  char *data = NULL;
  size_t len = 0;
  if (!st) {
    KgViewOptions none = {0};
    KgDotOptions d = {0};
    dot_options(view ? view : &none, &d);
    kg_fact_store_sort(fs);
    st = kg_dot_render(fs, &d, format, &data, &len, err);
  }
  if (!st)
    st = kg_write_file_atomic(out_path, data, len, err);
  kg_free(data);
  kg_fact_store_free(fs);
  return st;
}
