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
#include "gazetteer_cache.h"
#include "graph_reader.h"
#include "matcher.h"
#include "normalizer.h"
#include "outputs.h"
#include "parallel.h"
#include "ontology.h"
#include "rule_parser.h"
#include "segmenter.h"
#include "source.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
  return kg_rules_load_cached(dir, NULL, on_msg, msg_ctx, out, err);
}

KgStatus kg_rules_load_cached(const char *dir, const char *cache_dir,
                              KgMessageFunc on_msg, void *msg_ctx,
                              KgRules **out, KgError *err) {
  *out = NULL;
  KgRules *r = kg_calloc(1, sizeof *r);
  char *onto_path = path_join(dir, "ontology.ttl");
  char *gaz_path = path_join(dir, "entities.ttl");
  KgStatus st = r && onto_path && gaz_path ? KG_SUCCESS : KG_ERR_NOMEM;
  if (!st)
    st = kg_normalizer_new(&r->norm, err);
  if (!st)
    st = kg_ontology_load(onto_path, &r->onto, err);
  if (!st)
    st = kg_gazetteer_load_cached(cache_dir, r->norm, r->onto, gaz_path, on_msg,
                                  msg_ctx, &r->gaz, err);
  if (!st)
    st = kg_ruleset_load(dir, r->onto, r->gaz, r->norm, on_msg, msg_ctx,
                         &r->rules, err);
  if (st == KG_ERR_NOMEM && err && !err->message[0])
    kg_error_set(err, st, dir, 0, 0, "out of memory");
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

/* The bytes [*bb, *eb) of the original text between code points b and e,
 * trimmed. */
static void original_range(const Original *o, uint32_t b, uint32_t e,
                           size_t *bb_out, size_t *eb_out) {
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
  *bb_out = bb;
  *eb_out = eb;
}

/* The original text between code points b and e, trimmed.  Caller frees. */
static char *original_slice(const Original *o, uint32_t b, uint32_t e) {
  size_t bb, eb;
  original_range(o, b, e, &bb, &eb);
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
  KgBuf alias; /* scratch: the surface of a mention */
} DocCtx;

static KgStatus add_end(DocCtx *d, const KgMentionRef *m) {
  const char *alias = NULL;
  if (!m->reference) {
    uint32_t b, e;
    size_t bb, eb;
    kg_norm_span(d->nt, m->begin, m->end, &b, &e);
    original_range(&d->orig, b, e, &bb, &eb);
    d->alias.len = 0;
    if (!kg_buf_append(&d->alias, d->orig.text + bb, eb - bb))
      return KG_ERR_NOMEM;
    alias = eb > bb ? d->alias.data : NULL;
  }
  /* an open-class entity is known only by its normalised (case-folded)
   * text: its label is the surface form as written */
  const char *label = m->minted && alias ? alias : m->label;
  return kg_fact_store_add_entity(d->store, m->key, label, m->type, alias);
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

/* A decoded document made ready for matching: normalised, cut into
 * sentences, its code points indexed.  This needs only the normaliser. */
typedef struct {
  KgDocText doc;
  KgNormText nt;
  KgSpanVec sentences;
  Original orig;
} Prepared;

static KgStatus prepare(const KgNormalizer *norm, Prepared *p) {
  KgStatus st = kg_normalize(norm, p->doc.text, p->doc.len, &p->nt);
  if (!st)
    st = kg_segment(p->nt.text, p->nt.len, &p->sentences);
  if (!st)
    st = original_init(&p->orig, p->doc.text, p->doc.len);
  return st;
}

/* Everything but the document's text, which its owner frees. */
static void prepared_free(Prepared *p) {
  kg_free(p->orig.cp_byte);
  kg_vec_free(&p->sentences);
  kg_norm_text_free(&p->nt);
  memset(&p->nt, 0, sizeof p->nt);
  memset(&p->orig, 0, sizeof p->orig);
}

/* Match a prepared document into store. */
static KgStatus extract_prepared(const KgRules *rules, const char *key,
                                 Prepared *p, KgFactStore *store,
                                 KgMessageFunc on_msg, void *msg_ctx,
                                 KgBuildStats *stats) {
  size_t n = p->sentences.len;
  DocCtx d = {rules, key,  &p->nt, &p->sentences, p->orig, store,
              NULL,  NULL, {0}};
  d.sentence_text = kg_calloc(n + 1, sizeof(char *));
  d.sentence_lang = kg_calloc(n + 1, sizeof(char *));
  KgStatus st = d.sentence_text && d.sentence_lang ? KG_SUCCESS : KG_ERR_NOMEM;
  KgMatchStats ms = {0};
  if (!st)
    st = kg_match_document(rules->rules, &p->nt, &p->sentences, key,
                           on_match_fact, &d, on_msg, msg_ctx, &ms);
  if (!st) {
    const KgDocText *doc = &p->doc;
    KgDocView view = {key, doc->sha256, p->nt.lang, doc->format, n, doc->bytes};
    st = kg_fact_store_add_document(store, &view);
  }
  if (stats) {
    stats->sentences += n;
    stats->mentions += ms.mentions;
  }
  for (size_t i = 0; d.sentence_text && i < n; i++)
    kg_free(d.sentence_text[i]);
  kg_free(d.sentence_text);
  kg_free((void *)d.sentence_lang);
  kg_buf_free(&d.alias);
  return st;
}

/* Normalise, segment and match one decoded document into store. */
static KgStatus extract_document(const KgRules *rules, const char *key,
                                 const KgDocText *doc, KgFactStore *store) {
  Prepared p = {.doc = *doc};
  KgStatus st = prepare(rules->norm, &p);
  if (!st)
    st = extract_prepared(rules, key, &p, store, NULL, NULL, NULL);
  prepared_free(&p);
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
  KgStatus st = fs ? extract_document(rules, "text", &doc, fs) : KG_ERR_NOMEM;
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

/* ------------------------------------------------------------- counting */

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

/* ------------------------------------------------------------ documents */

typedef struct {
  Prepared prep; /* the document read and prepared, until extracted */
  KgFactStore *store;
  KgBuf part[KG_OUTPUT_SLOTS]; /* the document's RDF, per output */
  MsgVec msgs;
  KgBuildStats stats;
  KgStatus status; /* fatal trouble (out of memory) */
} DocResult;

typedef struct {
  const KgBuildOptions *opts;
  const KgRules *rules;
  const KgInputVec *inputs;
  KgOutputs *outputs; /* NULL: build the graph only */
  KgFactStore *graph;
  KgBuildStats *stats;
  DocResult *slots; /* a ring: document i in slots[i % n_slots] */
  size_t n_slots;
  KgError *err;
} Run;

/* Document i's slot.  The loop keeps at most n_slots documents between
 * the last one merged and the last one taken, so a slot is free again by
 * the time the next document that maps to it is taken. */
static DocResult *slot(const Run *run, size_t i) {
  return &run->slots[i % run->n_slots];
}

/* The document's text and what was made of it: done with once matched. */
static void release_text(DocResult *r) {
  prepared_free(&r->prep);
  kg_doc_text_free(&r->prep.doc);
  memset(&r->prep, 0, sizeof r->prep);
}

static void result_free(DocResult *r) {
  release_text(r);
  kg_fact_store_free(r->store);
  for (size_t k = 0; k < KG_OUTPUT_SLOTS; k++)
    kg_buf_free(&r->part[k]);
  kg_vec_free(&r->msgs);
  memset(r, 0, sizeof *r);
}

/* Read and decode one input: no rules needed. */
static void read_document(const KgBuildOptions *opts, const KgInput *in,
                          DocResult *r) {
  KgError err = {0};
  size_t max =
      opts->max_file_size ? opts->max_file_size : KG_DEFAULT_MAX_FILE_SIZE;
  KgStatus st =
      kg_source_load(in, max, &r->prep.doc, collect_msg, &r->msgs, &err);
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
  r->stats.documents = 1;
  r->stats.bytes = r->prep.doc.bytes;
}

/* Read, extract and format document i. */
static void run_document(void *ctx, size_t i) {
  const Run *run = ctx;
  DocResult *r = slot(run, i);
  const KgInput *in = &run->inputs->items[i];
  read_document(run->opts, in, r);
  if (r->status || r->stats.skipped)
    return;
  r->store = kg_fact_store_new();
  KgStatus st = r->store ? prepare(run->rules->norm, &r->prep) : KG_ERR_NOMEM;
  if (!st)
    st = extract_prepared(run->rules, in->key, &r->prep, r->store, collect_msg,
                          &r->msgs, &r->stats);
  release_text(r);
  if (!st)
    kg_fact_store_sort(r->store);
  /* formatting is most of the cost of writing: do it here, in parallel */
  if (!st && run->outputs &&
      !kg_outputs_format_document(run->outputs, r->store, r->part))
    st = KG_ERR_NOMEM;
  r->status = st;
}

static void add_stats(KgBuildStats *to, const KgBuildStats *from) {
  to->documents += from->documents;
  to->skipped += from->skipped;
  to->bytes += from->bytes;
  to->sentences += from->sentences;
  to->mentions += from->mentions;
}

static void report_progress(const Run *run, size_t i) {
  const DocResult *r = slot(run, i);
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

static void emit_msgs(const KgBuildOptions *opts, const MsgVec *msgs) {
  for (size_t m = 0; opts->on_msg && m < msgs->len; m++)
    opts->on_msg(opts->msg_ctx, &msgs->items[m]);
}

/* Hand result i's messages on, append it to the outputs, merge it into
 * the graph, release it. */
static KgStatus merge_result(void *ctx, size_t i) {
  const Run *run = ctx;
  DocResult *r = slot(run, i);
  KgStatus st = r->status;
  run->stats->warnings += r->msgs.len;
  emit_msgs(run->opts, &r->msgs);
  if (st)
    kg_error_set(run->err, st, run->inputs->items[i].path, 0, 0,
                 "building the graph: %s", kg_strstatus(st));
  if (!st && r->store && run->outputs)
    st = kg_outputs_add_document(run->outputs, r->store, r->part, run->err);
  if (!st && r->store && (st = kg_fact_store_merge(run->graph, r->store)))
    kg_error_set(run->err, st, NULL, 0, 0, "building the graph: %s",
                 kg_strstatus(st));
  add_stats(run->stats, &r->stats);
  report_progress(run, i);
  result_free(r);
  return st;
}

/* Every document through the pool into graph (sorted and counted).
 * Memory for results follows the window, not the corpus. */
static KgStatus process_all(Run *run) {
  unsigned n = kg_thread_count(run->opts->threads);
  run->n_slots = 4 * (size_t)n;
  run->slots = kg_calloc(run->n_slots, sizeof *run->slots);
  KgStatus st = run->slots
                    ? kg_parallel_ordered(run->inputs->len, n, run->n_slots,
                                          run_document, merge_result, run)
                    : KG_ERR_NOMEM;
  /* a stop leaves the documents past the failed one unmerged */
  for (size_t k = 0; run->slots && k < run->n_slots; k++)
    result_free(&run->slots[k]);
  kg_free(run->slots);
  run->slots = NULL;
  if (st && !run->err->message[0])
    kg_error_set(run->err, st, NULL, 0, 0, "building the graph: %s",
                 kg_strstatus(st));
  if (!st) {
    kg_fact_store_sort(run->graph);
    count_graph(run->graph, run->stats);
  }
  return st;
}

/* ----------------------------------------------------------- the inputs */

static KgStatus inputs_list(const KgBuildOptions *opts, KgInputVec *inputs,
                            KgError *err) {
  static const char *const default_inputs[] = {"corpus"};
  const char *const *paths = opts->n_inputs ? opts->inputs : default_inputs;
  size_t n = opts->n_inputs ? opts->n_inputs : 1;
  return kg_source_list(paths, n, inputs, opts->on_msg, opts->msg_ctx, err);
}

/* ------------------------------------------------------------- kg_build */

KgStatus kg_build_graph(const KgBuildOptions *opts, const KgRules *rules,
                        KgFactStore *graph, KgBuildStats *stats, KgError *err) {
  KgInputVec inputs = {0};
  KgStatus st = inputs_list(opts, &inputs, err);
  Run run = {opts, rules, &inputs, NULL, graph, stats, NULL, 0, err};
  if (!st)
    st = process_all(&run);
  kg_input_vec_free(&inputs);
  return st;
}

/* The graph keeps only what the pictures show of the evidence, so memory
 * follows the facts, not the corpus; the RDF has all of it already. */
static KgFactStore *new_graph(const KgBuildOptions *opts) {
  KgFactStore *graph = kg_fact_store_new();
  unsigned pictures = KG_FORMAT_DOT | KG_FORMAT_SVG | KG_FORMAT_PNG;
  if (graph)
    kg_fact_store_limit_evidence(
        graph, kg_outputs_formats(opts) & pictures ? KG_DOT_MAX_EVIDENCE : 0);
  return graph;
}

static KgStatus build_and_write(const KgBuildOptions *opts,
                                const KgRules *rules, const KgInputVec *inputs,
                                KgBuildStats *stats, KgError *err) {
  KgOutputs *out = NULL;
  KgFactStore *graph = new_graph(opts);
  KgStatus st =
      graph ? kg_outputs_open(opts, &out, err)
            : kg_error_set(err, KG_ERR_NOMEM, NULL, 0, 0, "out of memory");
  Run run = {opts, rules, inputs, out, graph, stats, NULL, 0, err};
  if (!st)
    st = process_all(&run);
  if (!st && opts->strict && stats->warnings)
    st = kg_error_set(err, KG_ERR_BAD_ARG, NULL, 0, 0,
                      "%zu warning(s) and --strict: no output written",
                      stats->warnings);
  size_t onto_len = 0;
  const char *onto = st ? NULL : kg_ontology_source(rules->onto, &onto_len);
  if (!st)
    st = kg_outputs_finish(out, graph, kg_thread_count(opts->threads), onto,
                           onto_len, err);
  kg_outputs_free(out);
  kg_fact_store_free(graph);
  return st;
}

/* Passes messages on, counting the warnings. */
typedef struct {
  KgMessageFunc on_msg;
  void *ctx;
  size_t warnings;
} WarnCount;

static void count_warning(void *ctx, const KgError *msg) {
  WarnCount *c = ctx;
  c->warnings += msg->severity == KG_MSG_WARNING;
  if (c->on_msg)
    c->on_msg(c->ctx, msg);
}

KgStatus kg_build(const KgBuildOptions *opts, KgBuildStats *stats,
                  KgError *err) {
  KgBuildStats local = {0};
  if (!stats)
    stats = &local;
  memset(stats, 0, sizeof *stats);
  KgRules *rules = NULL;
  KgInputVec inputs = {0};
  /* the rules' warnings (an alias of two entities, say) count for
   * --strict as the documents' do */
  WarnCount wc = {opts->on_msg, opts->msg_ctx, 0};
  KgStatus st =
      kg_rules_load_cached(opts->rules_dir ? opts->rules_dir : "rules",
                           opts->cache_dir, count_warning, &wc, &rules, err);
  stats->warnings = wc.warnings;
  if (!st)
    st = inputs_list(opts, &inputs, err);
  if (!st)
    st = build_and_write(opts, rules, &inputs, stats, err);
  kg_input_vec_free(&inputs);
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
    kg_dot_options_from_view(view ? view : &none, &d);
    kg_fact_store_sort(fs);
    st = kg_dot_render(fs, &d, format, &data, &len, err);
  }
  if (!st)
    st = kg_write_file_atomic(out_path, data, len, err);
  kg_free(data);
  kg_fact_store_free(fs);
  return st;
}
