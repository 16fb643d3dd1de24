/*
 * outputs.c — the output files of a build: the format table, the RDF
 * outputs open on temporary files while documents come in, the graph part
 * formatted in parallel blocks, the pictures and the ontology.
 */
#include "outputs.h"

#include "dot_writer.h"
#include "parallel.h"
#include "rdf_writer.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

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

_Static_assert(N_OUTPUTS == KG_OUTPUT_SLOTS, "one slot per output");

struct KgOutputs {
  const KgBuildOptions *opts;
  const char *dir;
  RdfOut rdf[N_OUTPUTS];
  KgNsTable ns;
};

static char *path_join(const char *dir, const char *name) {
  size_t n = strlen(dir);
  return kg_strfmt("%s%s%s", dir, n && dir[n - 1] == '/' ? "" : "/", name);
}

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
  if (!kg_write_all(r->af.f, b->data, b->len))
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

void kg_outputs_free(KgOutputs *out) {
  if (!out)
    return;
  for (size_t k = 0; k < N_OUTPUTS; k++) {
    RdfOut *r = &out->rdf[k];
    kg_rdf_stream_free(r->stream);
    if (r->open)
      kg_atomic_abort(&r->af);
    kg_free(r->path);
  }
  kg_ns_table_free(&out->ns);
  kg_free(out);
}

unsigned kg_outputs_formats(const KgBuildOptions *o) {
  return o->formats ? o->formats
                    : KG_FORMAT_TTL | KG_FORMAT_DOT | KG_FORMAT_SVG;
}

KgStatus kg_outputs_open(const KgBuildOptions *o, KgOutputs **out,
                         KgError *err) {
  *out = kg_calloc(1, sizeof **out);
  if (!*out)
    return kg_error_set(err, KG_ERR_NOMEM, NULL, 0, 0, "out of memory");
  KgOutputs *s = *out;
  s->opts = o;
  s->dir = o->out_dir ? o->out_dir : "out";
  KgStatus st = make_dir(s->dir, err);
  if (!st && !kg_ns_table_init(&s->ns, o->base_iri))
    st = kg_error_set(err, KG_ERR_NOMEM, NULL, 0, 0, "out of memory");
  for (size_t k = 0; !st && k < N_OUTPUTS; k++)
    if (outputs[k].syntax && (kg_outputs_formats(o) & outputs[k].bit))
      st = open_rdf(&s->rdf[k], s->dir, k, &s->ns, err);
  if (st) {
    kg_outputs_free(s);
    *out = NULL;
  }
  return st;
}

/* ------------------------------------------------------------ documents */

bool kg_outputs_format_document(const KgOutputs *out, const KgFactStore *doc,
                                KgBuf parts[KG_OUTPUT_SLOTS]) {
  for (size_t k = 0; k < N_OUTPUTS; k++) {
    const RdfOut *o = &out->rdf[k];
    if (o->open && o->text &&
        !kg_rdf_text_documents(doc, o->syn, &out->ns, &parts[k]))
      return false;
  }
  return true;
}

KgStatus kg_outputs_add_document(KgOutputs *out, const KgFactStore *doc,
                                 const KgBuf parts[KG_OUTPUT_SLOTS],
                                 KgError *err) {
  KgStatus st = KG_SUCCESS;
  for (size_t k = 0; !st && k < N_OUTPUTS; k++) {
    RdfOut *o = &out->rdf[k];
    if (o->open)
      st = o->text ? write_bytes(o, &parts[k], err)
                   : kg_rdf_stream_documents(o->stream, doc, err);
  }
  return st;
}

/* ---------------------------------------------------------- graph part */

/* Entities and statements, formatted in parallel in blocks of items. */
#define GRAPH_BLOCK 2048

typedef struct {
  const KgFactStore *graph;
  KgOutputs *sinks;
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

static KgStatus write_graph_parts(const KgFactStore *graph, KgOutputs *sinks,
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
static KgStatus commit_rdf(KgOutputs *sinks, KgError *err) {
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

static KgStatus write_picture(const KgFactStore *graph, const KgBuildOptions *o,
                              size_t k, const char *dir, KgError *err) {
  char *data = NULL, *path = path_join(dir, outputs[k].file);
  size_t len = 0;
  if (!path)
    return kg_error_set(err, KG_ERR_NOMEM, dir, 0, 0, "out of memory");
  KgDotOptions d = {0};
  kg_dot_options_from_view(&o->view, &d);
  KgStatus st = kg_dot_render(graph, &d, outputs[k].picture, &data, &len, err);
  if (!st)
    st = kg_write_file_atomic(path, data, len, err);
  if (st && err && !err->file[0])
    snprintf(err->file, sizeof err->file, "%s", path);
  kg_free(data);
  kg_free(path);
  return st;
}

KgStatus kg_outputs_finish(KgOutputs *out, const KgFactStore *graph,
                           unsigned threads, const char *onto, size_t onto_len,
                           KgError *err) {
  KgStatus st = write_graph_parts(graph, out, threads, err);
  if (!st)
    st = commit_rdf(out, err);
  for (size_t k = 0; !st && k < N_OUTPUTS; k++)
    if (outputs[k].picture && (kg_outputs_formats(out->opts) & outputs[k].bit))
      st = write_picture(graph, out->opts, k, out->dir, err);
  if (!st) {
    char *path = path_join(out->dir, "ontology.ttl");
    st = path
             ? kg_write_file_atomic(path, onto, onto_len, err)
             : kg_error_set(err, KG_ERR_NOMEM, out->dir, 0, 0, "out of memory");
    kg_free(path);
  }
  return st;
}
