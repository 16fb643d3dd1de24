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
#include "ontology.h"
#include "rdf_writer.h"
#include "rule_parser.h"
#include "segmenter.h"
#include "source.h"
#include "util.h"

#include <errno.h>
#include <pthread.h>
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

/* ------------------------------------------------------------ workers */

typedef struct {
  KgFactStore *store;
  MsgVec msgs;
  KgBuildStats stats;
  KgStatus status; /* fatal trouble (out of memory) */
  bool done;
} DocResult;

typedef struct {
  const KgBuildOptions *opts;
  const KgRules *rules;
  const KgInputVec *inputs;
  DocResult *results;
  size_t next;   /* next document to take */
  size_t merged; /* documents merged so far */
  size_t window; /* documents allowed in flight beyond merged */
  bool stop;
  pthread_mutex_t lock;
  pthread_cond_t changed;
} Pool;

/* Read, decode and extract document i into its result slot. */
static void run_document(Pool *p, size_t i) {
  DocResult *r = &p->results[i];
  const KgInput *in = &p->inputs->items[i];
  KgDocText doc = {0};
  KgError err = {0};
  size_t max = p->opts->max_file_size ? p->opts->max_file_size
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
    st = extract_document(p->rules, in->key, &doc, r->store, collect_msg,
                          &r->msgs, &r->stats);
  r->stats.documents = 1;
  r->stats.bytes = doc.bytes;
  r->status = st;
  kg_doc_text_free(&doc);
}

static void *worker(void *arg) {
  Pool *p = arg;
  pthread_mutex_lock(&p->lock);
  for (;;) {
    while (!p->stop && p->next < p->inputs->len &&
           p->next >= p->merged + p->window)
      pthread_cond_wait(&p->changed, &p->lock);
    if (p->stop || p->next >= p->inputs->len)
      break;
    size_t i = p->next++;
    pthread_mutex_unlock(&p->lock);
    run_document(p, i);
    pthread_mutex_lock(&p->lock);
    p->results[i].done = true;
    pthread_cond_broadcast(&p->changed);
  }
  pthread_mutex_unlock(&p->lock);
  return NULL;
}

static void add_stats(KgBuildStats *to, const KgBuildStats *from) {
  to->documents += from->documents;
  to->skipped += from->skipped;
  to->bytes += from->bytes;
  to->sentences += from->sentences;
  to->mentions += from->mentions;
}

static void report_progress(Pool *p, size_t i, const KgBuildStats *stats) {
  const DocResult *r = &p->results[i];
  if (!p->opts->on_progress)
    return;
  size_t facts = 0;
  for (size_t f = 0; r->store && f < kg_fact_store_n_facts(r->store); f++)
    facts += kg_fact_store_fact(r->store, f).n_evidence;
  KgProgress pr = {
      i + 1, p->inputs->len, stats->bytes,         p->inputs->items[i].key,
      facts, r->msgs.len,    (int)r->stats.skipped};
  p->opts->on_progress(p->opts->progress_ctx, &pr);
}

/* Merge result i into graph, hand its messages on, release it. */
static KgStatus merge_result(Pool *p, size_t i, KgFactStore *graph,
                             KgBuildStats *stats) {
  DocResult *r = &p->results[i];
  KgStatus st = r->status;
  for (size_t m = 0; m < r->msgs.len; m++) {
    stats->warnings++;
    if (p->opts->on_msg)
      p->opts->on_msg(p->opts->msg_ctx, &r->msgs.items[m]);
  }
  if (!st && r->store)
    st = kg_fact_store_merge(graph, r->store);
  add_stats(stats, &r->stats);
  report_progress(p, i, stats);
  kg_fact_store_free(r->store);
  r->store = NULL;
  kg_vec_free(&r->msgs);
  return st;
}

static unsigned thread_count(const KgBuildOptions *opts, size_t n_docs) {
  long n = opts->threads ? (long)opts->threads : sysconf(_SC_NPROCESSORS_ONLN);
  if (n < 1)
    n = 1;
  if (n > 64)
    n = 64;
  if ((size_t)n > n_docs)
    n = n_docs ? (long)n_docs : 1;
  return (unsigned)n;
}

static KgStatus process_all(const KgBuildOptions *opts, const KgRules *rules,
                            const KgInputVec *inputs, KgFactStore *graph,
                            KgBuildStats *stats, KgError *err) {
  unsigned n = thread_count(opts, inputs->len);
  Pool p = {opts,
            rules,
            inputs,
            NULL,
            0,
            0,
            4 * (size_t)n,
            false,
            PTHREAD_MUTEX_INITIALIZER,
            PTHREAD_COND_INITIALIZER};
  p.results = kg_calloc(inputs->len + 1, sizeof *p.results);
  pthread_t *tids = kg_calloc(n, sizeof *tids);
  if (!p.results || !tids) {
    kg_free(p.results);
    kg_free(tids);
    return kg_error_set(err, KG_ERR_NOMEM, NULL, 0, 0, "out of memory");
  }
  unsigned started = 0;
  while (started < n && pthread_create(&tids[started], NULL, worker, &p) == 0)
    started++;
  KgStatus st = started ? KG_SUCCESS : KG_ERR_INTERNAL;
  for (size_t i = 0; !st && i < inputs->len; i++) {
    pthread_mutex_lock(&p.lock);
    while (!p.results[i].done)
      pthread_cond_wait(&p.changed, &p.lock);
    pthread_mutex_unlock(&p.lock);
    st = merge_result(&p, i, graph, stats);
    pthread_mutex_lock(&p.lock);
    p.merged = i + 1;
    pthread_cond_broadcast(&p.changed);
    pthread_mutex_unlock(&p.lock);
  }
  pthread_mutex_lock(&p.lock);
  p.stop = true;
  pthread_cond_broadcast(&p.changed);
  pthread_mutex_unlock(&p.lock);
  for (unsigned t = 0; t < started; t++)
    pthread_join(tids[t], NULL);
  for (size_t i = 0; i < inputs->len; i++) {
    kg_fact_store_free(p.results[i].store);
    kg_vec_free(&p.results[i].msgs);
  }
  kg_free(p.results);
  kg_free(tids);
  if (st)
    kg_error_set(err, st, NULL, 0, 0, "building the graph: %s",
                 kg_strstatus(st));
  return st;
}

/* ------------------------------------------------------------- outputs */

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

static void dot_options(const KgViewOptions *v, KgDotOptions *d) {
  d->layout = v->layout;
  d->focus = v->focus;
  d->depth = v->depth ? v->depth : 1;
  d->predicates = v->predicates;
  d->types = v->types;
  d->min_support = v->min_support;
}

static KgStatus write_output(const KgFactStore *graph, const KgBuildOptions *o,
                             size_t k, const char *dir, KgError *err) {
  char *data = NULL, *path = path_join(dir, outputs[k].file);
  size_t len = 0;
  if (!path)
    return kg_error_set(err, KG_ERR_NOMEM, dir, 0, 0, "out of memory");
  KgAtomicFile af;
  KgStatus st = kg_atomic_open(path, &af, err);
  if (!st && outputs[k].syntax) {
    /* RDF is streamed to the file: it is the largest output by far */
    st = kg_rdf_write_file(graph, o->base_iri ? o->base_iri : KG_DEFAULT_BASE,
                           outputs[k].syntax, af.f, err);
  } else if (!st) {
    KgDotOptions d = {0};
    dot_options(&o->view, &d);
    st = kg_dot_render(graph, &d, outputs[k].picture, &data, &len, err);
    if (!st && len && fwrite(data, 1, len, af.f) != len)
      st = kg_error_set(err, KG_ERR_IO, path, 0, 0, "cannot write");
  }
  if (!st)
    st = kg_atomic_commit(&af, err);
  else if (af.f)
    kg_atomic_abort(&af);
  if (st && err && !err->file[0])
    snprintf(err->file, sizeof err->file, "%s", path);
  kg_free(data);
  kg_free(path);
  return st;
}

static KgStatus write_outputs(const KgFactStore *graph, const KgRules *rules,
                              const KgBuildOptions *o, KgError *err) {
  const char *dir = o->out_dir ? o->out_dir : "out";
  unsigned formats =
      o->formats ? o->formats : KG_FORMAT_TTL | KG_FORMAT_DOT | KG_FORMAT_SVG;
  KgStatus st = make_dir(dir, err);
  for (size_t k = 0; !st && k < sizeof outputs / sizeof *outputs; k++)
    if (formats & outputs[k].bit)
      st = write_output(graph, o, k, dir, err);
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
    stats->evidence += f.n_evidence;
    count_name(stats->by_predicate, &stats->n_by_predicate, f.predicate);
  }
  for (size_t i = 0; i < stats->entities; i++)
    count_name(stats->by_type, &stats->n_by_type,
               kg_fact_store_entity(graph, i).type);
  qsort(stats->by_predicate, stats->n_by_predicate, sizeof(KgCount), cmp_count);
  qsort(stats->by_type, stats->n_by_type, sizeof(KgCount), cmp_count);
}

KgStatus kg_build_graph(const KgBuildOptions *opts, const KgRules *rules,
                        KgFactStore *graph, KgBuildStats *stats, KgError *err) {
  static const char *const default_inputs[] = {"corpus"};
  const char *const *in = opts->n_inputs ? opts->inputs : default_inputs;
  size_t n_in = opts->n_inputs ? opts->n_inputs : 1;
  KgInputVec inputs = {0};
  KgStatus st =
      kg_source_list(in, n_in, &inputs, opts->on_msg, opts->msg_ctx, err);
  if (!st)
    st = process_all(opts, rules, &inputs, graph, stats, err);
  kg_input_vec_free(&inputs);
  if (!st) {
    kg_fact_store_sort(graph);
    count_graph(graph, stats);
  }
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
  KgFactStore *graph = kg_fact_store_new();
  if (!graph)
    st = kg_error_set(err, KG_ERR_NOMEM, NULL, 0, 0, "out of memory");
  if (!st)
    st = kg_build_graph(opts, rules, graph, stats, err);
  if (!st && opts->strict && stats->warnings)
    st = kg_error_set(err, KG_ERR_BAD_ARG, NULL, 0, 0,
                      "%zu warning(s) and --strict: no output written",
                      stats->warnings);
  if (!st)
    st = write_outputs(graph, rules, opts, err);
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
