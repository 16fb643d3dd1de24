/*
 * graph_diff.c — comparing two graphs, semantically and as triple sets.
 *
 * Triple layer: every quad is written as one N-Quads line (canonical term
 * syntax), blank nodes relabelled by colour refinement: a node's colour
 * starts as a hash of the predicates and non-blank terms around it and is
 * refined with its neighbours' colours until the number of colours stops
 * growing.  Two graphs equal up to renaming then give the same lines.
 * (Blank nodes no refinement can tell apart — perfectly symmetric ones —
 * share a label; such graphs may compare equal when they are not.  Graphs
 * of news facts do not have them; the general problem is graph
 * isomorphism.)  Sorted lines are merged to find what was added/removed.
 *
 * Semantic layer: both graphs are read into fact stores (graph_reader),
 * sorted, and merged key by key: documents, entities (type, label,
 * aliases), facts (s, p, o, qualifier) and, for facts in both, evidence.
 */
#include "graph_diff.h"

#include "dot_writer.h"
#include "graph_reader.h"
#include "ontology.h"
#include "rdf_io.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef KG_VEC(char *) LineVec;

struct KgGraphDiff {
  KgFactStore *old_fs, *new_fs;
  LineVec added, removed; /* N-Quads lines, sorted */
  KgDiffStats stats;
};

/* ------------------------------------------------------ term syntax */

static bool put_escaped(KgBuf *b, const char *s, bool iri) {
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    unsigned c = *p;
    if (!iri && (c == '"' || c == '\\'))
      kg_buf_putc(b, '\\'), kg_buf_putc(b, (char)c);
    else if (!iri && c == '\n')
      kg_buf_puts(b, "\\n");
    else if (!iri && c == '\r')
      kg_buf_puts(b, "\\r");
    else if (c < 0x20 || c == 0x7F || (iri && strchr("<>\"{}|^`\\ ", (int)c)))
      kg_buf_printf(b, "\\u%04X", c);
    else
      kg_buf_putc(b, (char)c);
  }
  return !b->failed;
}

static bool put_term(KgBuf *b, const KgTerm *t, const char *blank_label) {
  switch (t->kind) {
  case KG_TERM_IRI:
    kg_buf_putc(b, '<');
    put_escaped(b, t->value, true);
    return kg_buf_putc(b, '>');
  case KG_TERM_BLANK:
    return kg_buf_puts(b, "_:") && kg_buf_puts(b, blank_label);
  case KG_TERM_LITERAL:
    kg_buf_putc(b, '"');
    put_escaped(b, t->value, false);
    kg_buf_putc(b, '"');
    if (t->lang && *t->lang)
      return kg_buf_putc(b, '@') && kg_buf_puts(b, t->lang);
    if (t->datatype && *t->datatype &&
        strcmp(t->datatype, "http://www.w3.org/2001/XMLSchema#string")) {
      kg_buf_puts(b, "^^<");
      put_escaped(b, t->datatype, true);
      return kg_buf_putc(b, '>');
    }
    return !b->failed;
  }
  return false;
}

/* ----------------------------------------------- reading a triple set */

/* A quad with its terms already written; blank nodes by number. */
typedef struct {
  char *term[4]; /* s p o g; NULL g = default graph */
  long blank[4]; /* blank node number, or -1 */
} Quad;

typedef struct {
  KG_VEC(Quad) quads;
  KG_VEC(char *) blank_names; /* number -> label in the file */
  KgStatus status;
  bool keep_graph; /* compare named graphs (both inputs are quads) */
} QuadSet;

static long blank_number(QuadSet *q, const char *label) {
  for (size_t i = 0; i < q->blank_names.len; i++)
    if (!strcmp(q->blank_names.items[i], label))
      return (long)i;
  char *copy = kg_strdup(label);
  if (!copy || !kg_vec_push(&q->blank_names, copy)) {
    kg_free(copy);
    return -2;
  }
  return (long)q->blank_names.len - 1;
}

static KgStatus on_quad(void *ctx, const KgTriple *t) {
  QuadSet *q = ctx;
  const KgTerm *terms[4] = {&t->s, &t->p, &t->o, q->keep_graph ? t->g : NULL};
  Quad quad = {{NULL, NULL, NULL, NULL}, {-1, -1, -1, -1}};
  for (int i = 0; i < 4; i++) {
    if (!terms[i])
      continue;
    if (terms[i]->kind == KG_TERM_BLANK) {
      quad.blank[i] = blank_number(q, terms[i]->value);
      if (quad.blank[i] < -1)
        goto oom;
      continue;
    }
    KgBuf b = {0};
    put_term(&b, terms[i], NULL);
    if (!(quad.term[i] = kg_buf_take(&b, NULL)))
      goto oom;
  }
  if (kg_vec_push(&q->quads, quad))
    return KG_SUCCESS;
oom:
  for (int i = 0; i < 4; i++)
    kg_free(quad.term[i]);
  return q->status = KG_ERR_NOMEM;
}

static void quad_set_free(QuadSet *q) {
  for (size_t i = 0; i < q->quads.len; i++)
    for (int k = 0; k < 4; k++)
      kg_free(q->quads.items[i].term[k]);
  kg_vec_free(&q->quads);
  for (size_t i = 0; i < q->blank_names.len; i++)
    kg_free(q->blank_names.items[i]);
  kg_vec_free(&q->blank_names);
}

/* ------------------------------------------- canonical blank labels */

static uint64_t mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return h * 0x100000001b3ULL;
}

static uint64_t str_hash(const char *s) {
  return s ? kg_hash64(s, strlen(s)) : 0x51;
}

/* One refinement round: each blank node's new colour combines, over the
 * quads it is in, its position with the hashes of the other terms (their
 * colour when blank).  Summing the per-quad hashes makes the result
 * independent of quad order. */
static void refine(const QuadSet *q, const uint64_t *color, uint64_t *next) {
  size_t n = q->blank_names.len;
  for (size_t i = 0; i < n; i++)
    next[i] = color[i];
  for (size_t k = 0; k < q->quads.len; k++) {
    const Quad *quad = &q->quads.items[k];
    uint64_t h[4];
    for (int t = 0; t < 4; t++)
      h[t] =
          quad->blank[t] >= 0 ? color[quad->blank[t]] : str_hash(quad->term[t]);
    for (int t = 0; t < 4; t++) {
      if (quad->blank[t] < 0)
        continue;
      uint64_t sig = (uint64_t)t + 1;
      for (int u = 0; u < 4; u++)
        sig = mix(sig, u == t ? 0x5e1f : h[u]);
      next[quad->blank[t]] += sig * 0x2545F4914F6CDD1DULL;
    }
  }
}

static size_t distinct(const uint64_t *v, size_t n, uint64_t *scratch) {
  memcpy(scratch, v, n * sizeof *v);
  size_t count = 0;
  for (size_t i = 0; i < n; i++) {
    bool seen = false;
    for (size_t j = 0; j < count && !seen; j++)
      seen = scratch[j] == v[i];
    if (!seen)
      scratch[count++] = v[i];
  }
  return count;
}

/* Colour every blank node; *colors: caller frees. */
static KgStatus blank_colors(const QuadSet *q, uint64_t **colors) {
  size_t n = q->blank_names.len;
  uint64_t *c = kg_calloc(n + 1, sizeof *c);
  uint64_t *next = kg_calloc(n + 1, sizeof *next);
  uint64_t *scratch = kg_calloc(n + 1, sizeof *scratch);
  if (!c || !next || !scratch) {
    kg_free(c), kg_free(next), kg_free(scratch);
    return KG_ERR_NOMEM;
  }
  size_t classes = n ? 1 : 0;
  for (int round = 0; round < 16 && n; round++) {
    refine(q, c, next);
    size_t now = distinct(next, n, scratch);
    memcpy(c, next, n * sizeof *c);
    if (now <= classes && round > 0)
      break;
    classes = now;
  }
  kg_free(next);
  kg_free(scratch);
  *colors = c;
  return KG_SUCCESS;
}

static int cmp_line(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The quads as sorted, distinct N-Quads lines. */
static KgStatus quad_lines(const QuadSet *q, LineVec *out) {
  uint64_t *colors = NULL;
  KgStatus st = blank_colors(q, &colors);
  for (size_t k = 0; !st && k < q->quads.len; k++) {
    const Quad *quad = &q->quads.items[k];
    KgBuf b = {0};
    for (int t = 0; t < 4; t++) {
      if (quad->blank[t] >= 0)
        kg_buf_printf(&b, "_:c%016llx",
                      (unsigned long long)colors[quad->blank[t]]);
      else if (quad->term[t])
        kg_buf_puts(&b, quad->term[t]);
      else
        continue;
      kg_buf_putc(&b, ' ');
    }
    kg_buf_putc(&b, '.');
    char *line = kg_buf_take(&b, NULL);
    if (!line || !kg_vec_push(out, line)) {
      kg_free(line);
      st = KG_ERR_NOMEM;
    }
  }
  kg_free(colors);
  if (st)
    return st;
  if (out->len > 1)
    qsort(out->items, out->len, sizeof(char *), cmp_line);
  size_t w = 0;
  for (size_t r = 0; r < out->len; r++) {
    if (w && !strcmp(out->items[w - 1], out->items[r]))
      kg_free(out->items[r]);
    else
      out->items[w++] = out->items[r];
  }
  out->len = w;
  return KG_SUCCESS;
}

static void lines_free(LineVec *v) {
  for (size_t i = 0; i < v->len; i++)
    kg_free(v->items[i]);
  kg_vec_free(v);
}

static KgStatus read_lines(const char *path, bool keep_graph, LineVec *out,
                           KgError *err) {
  QuadSet q = {0};
  q.keep_graph = keep_graph;
  KgStatus st = kg_rdf_parse_file(path, NULL, on_quad, &q, err);
  if (!st && q.status)
    st = kg_error_set(err, q.status, path, 0, 0, "out of memory");
  if (!st && (st = quad_lines(&q, out)))
    kg_error_set(err, st, path, 0, 0, "out of memory");
  quad_set_free(&q);
  return st;
}

/* Move the lines only in a to only_a, only in b to only_b. */
static KgStatus split_lines(LineVec *a, LineVec *b, LineVec *only_a,
                            LineVec *only_b) {
  size_t i = 0, j = 0;
  while (i < a->len || j < b->len) {
    int c = i == a->len   ? 1
            : j == b->len ? -1
                          : strcmp(a->items[i], b->items[j]);
    if (c == 0) {
      i++, j++;
      continue;
    }
    LineVec *to = c < 0 ? only_a : only_b;
    char **item = c < 0 ? &a->items[i++] : &b->items[j++];
    if (!kg_vec_push(to, *item))
      return KG_ERR_NOMEM;
    *item = NULL; /* ownership moved */
  }
  return KG_SUCCESS;
}

/* ------------------------------------------------------------ lifetime */

static bool covered(const char *line) {
  /* Triples the semantic layer reports: kg predicates, and everything
   * said about kg's own entity, fact, evidence and document nodes. */
  if (strstr(line, "<" KG_ONTOLOGY_NS))
    return true;
  const char *end = strchr(line, ' ');
  if (line[0] != '<' || !end)
    return false;
  static const char *const own[] = {"/entity/", "/fact/", "/evidence/",
                                    "/doc/"};
  for (size_t k = 0; k < sizeof own / sizeof *own; k++) {
    const char *at = strstr(line, own[k]);
    if (at && at < end)
      return true;
  }
  return false;
}

static bool is_quads(const char *path) {
  size_t n = strlen(path);
  return n > 3 && !strcmp(path + n - 3, ".nq");
}

static KgStatus read_store(const char *path, KgFactStore **fs, KgError *err) {
  *fs = kg_fact_store_new();
  if (!*fs)
    return kg_error_set(err, KG_ERR_NOMEM, path, 0, 0, "out of memory");
  KgStatus st = kg_graph_read(path, *fs, err);
  if (!st)
    kg_fact_store_sort(*fs);
  return st;
}

static void count_semantic(KgGraphDiff *d);

KgStatus kg_graph_diff_files(const char *old_path, const char *new_path,
                             KgGraphDiff **out, KgError *err) {
  *out = NULL;
  KgGraphDiff *d = kg_calloc(1, sizeof *d);
  LineVec a = {0}, b = {0};
  if (!d)
    return kg_error_set(err, KG_ERR_NOMEM, NULL, 0, 0, "out of memory");
  /* Named graphs count only when both sides have them: a Turtle build and
   * an N-Quads build of the same corpus hold the same statements. */
  bool quads = is_quads(old_path) && is_quads(new_path);
  KgStatus st = read_lines(old_path, quads, &a, err);
  if (!st)
    st = read_lines(new_path, quads, &b, err);
  if (!st && split_lines(&a, &b, &d->removed, &d->added))
    st = kg_error_set(err, KG_ERR_NOMEM, NULL, 0, 0, "out of memory");
  if (!st)
    st = read_store(old_path, &d->old_fs, err);
  if (!st)
    st = read_store(new_path, &d->new_fs, err);
  lines_free(&a);
  lines_free(&b);
  if (st) {
    kg_graph_diff_free(d);
    return st;
  }
  count_semantic(d);
  *out = d;
  return KG_SUCCESS;
}

void kg_graph_diff_free(KgGraphDiff *d) {
  if (!d)
    return;
  kg_fact_store_free(d->old_fs);
  kg_fact_store_free(d->new_fs);
  lines_free(&d->added);
  lines_free(&d->removed);
  kg_free(d);
}

bool kg_graph_diff_empty(const KgGraphDiff *d) {
  return d->added.len == 0 && d->removed.len == 0;
}

KgDiffStats kg_graph_diff_stats(const KgGraphDiff *d) {
  return d->stats;
}

const KgFactStore *kg_graph_diff_old(const KgGraphDiff *d) {
  return d->old_fs;
}

const KgFactStore *kg_graph_diff_new(const KgGraphDiff *d) {
  return d->new_fs;
}

/* ------------------------------------------------------ semantic walk */

/* The semantic layer is one walk, used both to count and to print: each
 * change is handed to a Report, which either counts or writes a line. */
typedef enum {
  G_DOCS,
  G_ENTITIES,
  G_LABELS,
  G_FACTS,
  G_EVIDENCE,
  G_OTHER,
  G_COUNT
} Group;

typedef struct {
  KgBuf lines[G_COUNT];
  bool color;
  bool counting;
  KgDiffStats *stats;
} Report;

static const char *const group_title[G_COUNT] = {
    "documents", "entities", "labels", "facts", "evidence", "other triples"};

/* Add one line "<sign> text" to group g. */
static void emit(Report *r, Group g, char sign, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void emit(Report *r, Group g, char sign, const char *fmt, ...) {
  if (r->counting)
    return;
  KgBuf *b = &r->lines[g];
  const char *on = sign == '+'   ? "\033[32m"
                   : sign == '-' ? "\033[31m"
                                 : "\033[33m";
  if (r->color)
    kg_buf_puts(b, on);
  kg_buf_putc(b, sign);
  kg_buf_putc(b, ' ');
  char small[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n >= 0 && (size_t)n < sizeof small) {
    kg_buf_puts(b, small);
  } else if (n >= 0) {
    char *big = kg_malloc((size_t)n + 1);
    if (big) {
      va_start(ap, fmt);
      vsnprintf(big, (size_t)n + 1, fmt, ap);
      va_end(ap);
      kg_buf_puts(b, big);
      kg_free(big);
    } else {
      b->failed = true;
    }
  }
  if (r->color)
    kg_buf_puts(b, "\033[0m");
  kg_buf_putc(b, '\n');
}

static int cmp_s(const char *a, const char *b) {
  if (a == b)
    return 0;
  if (!a || !b)
    return a ? 1 : -1;
  return strcmp(a, b);
}

static const char *label_of(const KgFactStore *fs, const char *key) {
  long i = kg_fact_store_find_entity(fs, key);
  return i < 0 ? key : kg_fact_store_entity(fs, (size_t)i).label;
}

static void diff_documents(Report *r, const KgFactStore *a,
                           const KgFactStore *b) {
  size_t i = 0, j = 0, na = kg_fact_store_n_documents(a),
         nb = kg_fact_store_n_documents(b);
  while (i < na || j < nb) {
    KgDocView x = i < na ? kg_fact_store_document(a, i) : (KgDocView){0};
    KgDocView y = j < nb ? kg_fact_store_document(b, j) : (KgDocView){0};
    int c = i == na ? 1 : j == nb ? -1 : strcmp(x.key, y.key);
    if (c < 0) {
      r->stats->documents_removed++;
      emit(r, G_DOCS, '-', "%s", x.key);
      i++;
    } else if (c > 0) {
      r->stats->documents_added++;
      emit(r, G_DOCS, '+', "%s", y.key);
      j++;
    } else {
      if (cmp_s(x.sha256, y.sha256)) {
        r->stats->documents_changed++;
        emit(r, G_DOCS, '~', "%s (content changed)", x.key);
      }
      i++, j++;
    }
  }
}

/* Aliases of one entity in both graphs: + and - lines. */
static void diff_aliases(Report *r, const KgEntityView *x,
                         const KgEntityView *y) {
  size_t i = 0, j = 0;
  bool changed = cmp_s(x->label, y->label) || cmp_s(x->type, y->type);
  if (cmp_s(x->label, y->label))
    emit(r, G_LABELS, '~', "%s: label \"%s\" -> \"%s\"", x->key, x->label,
         y->label);
  if (cmp_s(x->type, y->type))
    emit(r, G_LABELS, '~', "%s: type %s -> %s", x->key,
         x->type ? x->type : "(none)", y->type ? y->type : "(none)");
  while (i < x->n_aliases || j < y->n_aliases) {
    int c = i == x->n_aliases   ? 1
            : j == y->n_aliases ? -1
                                : strcmp(x->aliases[i], y->aliases[j]);
    if (c == 0) {
      i++, j++;
      continue;
    }
    changed = true;
    if (c < 0)
      emit(r, G_LABELS, '-', "%s: alias \"%s\"", x->label, x->aliases[i++]);
    else
      emit(r, G_LABELS, '+', "%s: alias \"%s\"", y->label, y->aliases[j++]);
  }
  r->stats->labels_changed += changed;
}

static void diff_entities(Report *r, const KgFactStore *a,
                          const KgFactStore *b) {
  size_t i = 0, j = 0, na = kg_fact_store_n_entities(a),
         nb = kg_fact_store_n_entities(b);
  while (i < na || j < nb) {
    KgEntityView x = i < na ? kg_fact_store_entity(a, i) : (KgEntityView){0};
    KgEntityView y = j < nb ? kg_fact_store_entity(b, j) : (KgEntityView){0};
    int c = i == na ? 1 : j == nb ? -1 : strcmp(x.key, y.key);
    if (c < 0) {
      r->stats->entities_removed++;
      emit(r, G_ENTITIES, '-', "%s (%s)", x.label, x.type ? x.type : "?");
      i++;
    } else if (c > 0) {
      r->stats->entities_added++;
      emit(r, G_ENTITIES, '+', "%s (%s)", y.label, y.type ? y.type : "?");
      j++;
    } else {
      diff_aliases(r, &x, &y);
      i++, j++;
    }
  }
}

/* "Meta releases Llama 2 [open-weights]" into buf. */
static void fact_words(const KgFactStore *fs, const KgFactView *f, char *buf,
                       size_t size) {
  snprintf(buf, size, "%s %s %s%s%s%s", label_of(fs, f->subject), f->predicate,
           label_of(fs, f->object), f->qualifier ? " [" : "",
           f->qualifier ? f->qualifier : "", f->qualifier ? "]" : "");
}

/* A graph from elsewhere may have evidence that names no document. */
static const char *doc_of(const KgEvidence *ev) {
  return ev->doc ? ev->doc : "(no document)";
}

/* "(a.txt:3, b.txt:1)": where a fact is stated; sentences 1-based. */
static void where(const KgFactView *f, char *buf, size_t size) {
  size_t n = 0;
  buf[0] = '\0';
  for (size_t e = 0; e < f->n_evidence && n + 1 < size; e++) {
    const KgEvidence *ev = &f->evidence[e];
    if (e && !cmp_s(ev->doc, f->evidence[e - 1].doc) &&
        ev->sentence == f->evidence[e - 1].sentence)
      continue;
    int w = snprintf(buf + n, size - n, "%s%s:%zu", n ? ", " : " (", doc_of(ev),
                     ev->sentence + 1);
    if (w < 0)
      break;
    n += (size_t)w;
  }
  if (n && n + 2 < size)
    strcat(buf, ")");
}

static int cmp_ev(const KgEvidence *x, const KgEvidence *y) {
  int c = cmp_s(x->doc, y->doc);
  if (!c)
    c = (x->sentence > y->sentence) - (x->sentence < y->sentence);
  if (!c)
    c = cmp_s(x->text, y->text);
  return c;
}

static void diff_evidence(Report *r, const KgFactStore *fs, const KgFactView *x,
                          const KgFactView *y) {
  char words[1024];
  fact_words(fs, y, words, sizeof words);
  size_t i = 0, j = 0;
  while (i < x->n_evidence || j < y->n_evidence) {
    const KgEvidence *a = i < x->n_evidence ? &x->evidence[i] : NULL;
    const KgEvidence *b = j < y->n_evidence ? &y->evidence[j] : NULL;
    int c = !a ? 1 : !b ? -1 : cmp_ev(a, b);
    if (c == 0) {
      /* one sentence may support a fact through several rules */
      for (i++; i < x->n_evidence && !cmp_ev(&x->evidence[i], a); i++)
        ;
      for (j++; j < y->n_evidence && !cmp_ev(&y->evidence[j], b); j++)
        ;
      continue;
    }
    const KgEvidence *e = c < 0 ? a : b;
    if (c < 0)
      r->stats->evidence_removed++, i++;
    else
      r->stats->evidence_added++, j++;
    emit(r, G_EVIDENCE, c < 0 ? '-' : '+', "%s (%s:%zu) \"%s\"", words,
         doc_of(e), e->sentence + 1, e->text ? e->text : "");
  }
}

static int cmp_fact(const KgFactView *x, const KgFactView *y) {
  int c = strcmp(x->subject, y->subject);
  if (!c)
    c = strcmp(x->predicate, y->predicate);
  if (!c)
    c = strcmp(x->object, y->object);
  if (!c)
    c = cmp_s(x->qualifier, y->qualifier);
  return c;
}

static void diff_facts(Report *r, const KgFactStore *a, const KgFactStore *b) {
  size_t i = 0, j = 0, na = kg_fact_store_n_facts(a),
         nb = kg_fact_store_n_facts(b);
  char words[1024], at[1024];
  while (i < na || j < nb) {
    KgFactView x = i < na ? kg_fact_store_fact(a, i) : (KgFactView){0};
    KgFactView y = j < nb ? kg_fact_store_fact(b, j) : (KgFactView){0};
    int c = i == na ? 1 : j == nb ? -1 : cmp_fact(&x, &y);
    if (c == 0) {
      diff_evidence(r, b, &x, &y);
      i++, j++;
      continue;
    }
    const KgFactStore *fs = c < 0 ? a : b;
    const KgFactView *f = c < 0 ? &x : &y;
    fact_words(fs, f, words, sizeof words);
    where(f, at, sizeof at);
    if (c < 0)
      r->stats->facts_removed++, i++;
    else
      r->stats->facts_added++, j++;
    emit(r, G_FACTS, c < 0 ? '-' : '+', "%s%s", words, at);
  }
}

static void diff_other(Report *r, const KgGraphDiff *d) {
  for (size_t i = 0; i < d->removed.len; i++)
    if (!covered(d->removed.items[i])) {
      r->stats->other_removed++;
      emit(r, G_OTHER, '-', "%s", d->removed.items[i]);
    }
  for (size_t i = 0; i < d->added.len; i++)
    if (!covered(d->added.items[i])) {
      r->stats->other_added++;
      emit(r, G_OTHER, '+', "%s", d->added.items[i]);
    }
}

static void walk(Report *r, const KgGraphDiff *d) {
  diff_documents(r, d->old_fs, d->new_fs);
  diff_entities(r, d->old_fs, d->new_fs);
  diff_facts(r, d->old_fs, d->new_fs);
  diff_other(r, d);
}

static void count_semantic(KgGraphDiff *d) {
  Report r = {.counting = true, .stats = &d->stats};
  memset(&d->stats, 0, sizeof d->stats);
  walk(&r, d);
  d->stats.triples_added = d->added.len;
  d->stats.triples_removed = d->removed.len;
}

/* ------------------------------------------------------------- outputs */

KgStatus kg_graph_diff_text(const KgGraphDiff *d, bool color, char **out,
                            size_t *len) {
  KgDiffStats scratch;
  Report r = {.color = color, .stats = &scratch};
  memset(&scratch, 0, sizeof scratch);
  walk(&r, d);
  KgBuf all = {0};
  for (int g = 0; g < G_COUNT; g++) {
    if (r.lines[g].failed)
      all.failed = true;
    if (r.lines[g].len) {
      kg_buf_printf(&all, "%s%s:\n", all.len ? "\n" : "", group_title[g]);
      kg_buf_append(&all, r.lines[g].data, r.lines[g].len);
    }
    kg_buf_free(&r.lines[g]);
  }
  if (all.failed) {
    kg_buf_free(&all);
    return KG_ERR_NOMEM;
  }
  *out = kg_buf_take(&all, len);
  return *out ? KG_SUCCESS : KG_ERR_NOMEM;
}

KgStatus kg_graph_diff_stat_text(const KgGraphDiff *d, char **out,
                                 size_t *len) {
  const KgDiffStats *s = &d->stats;
  *out = kg_strfmt("documents: +%zu -%zu ~%zu\n"
                   "entities: +%zu -%zu, %zu with label changes\n"
                   "facts: +%zu -%zu\n"
                   "evidence: +%zu -%zu\n"
                   "other triples: +%zu -%zu\n"
                   "triples in all: +%zu -%zu\n",
                   s->documents_added, s->documents_removed,
                   s->documents_changed, s->entities_added, s->entities_removed,
                   s->labels_changed, s->facts_added, s->facts_removed,
                   s->evidence_added, s->evidence_removed, s->other_added,
                   s->other_removed, s->triples_added, s->triples_removed);
  if (*out && len)
    *len = strlen(*out);
  return *out ? KG_SUCCESS : KG_ERR_NOMEM;
}

KgStatus kg_graph_diff_patch(const KgGraphDiff *d, char **out, size_t *len) {
  KgBuf b = {0};
  kg_buf_puts(&b, "TX .\n");
  for (size_t i = 0; i < d->removed.len; i++)
    kg_buf_printf(&b, "D %s\n", d->removed.items[i]);
  for (size_t i = 0; i < d->added.len; i++)
    kg_buf_printf(&b, "A %s\n", d->added.items[i]);
  kg_buf_puts(&b, "TC .\n");
  if (b.failed) {
    kg_buf_free(&b);
    return KG_ERR_NOMEM;
  }
  *out = kg_buf_take(&b, len);
  return *out ? KG_SUCCESS : KG_ERR_NOMEM;
}

/* The union of both graphs drawn once, so an element keeps its place
 * whichever version it comes from and the picture shows only change. */
KgStatus kg_graph_diff_picture(const KgGraphDiff *d, const char *format,
                               char **out, size_t *len, KgError *err) {
  KgFactStore *both = kg_fact_store_new();
  KgStatus st = both ? kg_fact_store_merge(both, d->old_fs) : KG_ERR_NOMEM;
  if (!st)
    st = kg_fact_store_merge(both, d->new_fs);
  if (st) {
    kg_fact_store_free(both);
    return kg_error_set(err, st, NULL, 0, 0, "out of memory");
  }
  kg_fact_store_sort(both);
  KgDotOptions opts = {0};
  opts.diff_old = d->old_fs;
  opts.diff_new = d->new_fs;
  st = kg_dot_render(both, &opts, format, out, len, err);
  kg_fact_store_free(both);
  return st;
}
