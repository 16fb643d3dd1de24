/*
 * rdf_syntax.c — the text syntaxes of RDF, written by hand for speed.
 *
 * Everything is appended to KgBufs in runs: a literal is scanned with a
 * table for the few bytes that need an escape and the rest is copied as
 * is (RDF 1.1 N-Triples and Turtle take UTF-8 unescaped).  Turtle groups
 * consecutive statements on one subject with ';' and on one subject and
 * predicate with ',': the writer keeps the rendered subject and predicate
 * and compares the next ones against them.
 */
#include "rdf_syntax.h"

#include "kg.h"
#include "ontology.h"

#include <string.h>

#define BASE_KINDS 5 /* namespaces that live under the base */

/* Appends without the call and the terminating NUL of kg_buf_append when
 * there is room: the writer appends a few bytes at a time, millions of
 * times.  kg_syn_finish terminates the buffer. */
static inline void put(KgBuf *b, const void *s, size_t n) {
  if (b->len + n < b->cap) {
    memcpy(b->data + b->len, s, n);
    b->len += n;
  } else {
    kg_buf_append(b, s, n);
  }
}

static inline void put_c(KgBuf *b, char c) {
  if (b->len + 1 < b->cap)
    b->data[b->len++] = c;
  else
    kg_buf_append(b, &c, 1);
}

static inline void put_s(KgBuf *b, const char *s) {
  put(b, s, strlen(s));
}

static const struct {
  const char *prefix; /* Turtle prefix, NULL for none */
  const char *iri;    /* suffix of the base for the first BASE_KINDS */
} ns_info[KG_NS_COUNT] = {
    [KG_NS_ENTITY] = {"e", "entity/"},
    [KG_NS_FACT] = {"f", "fact/"},
    [KG_NS_EVIDENCE] = {"ev", "evidence/"},
    [KG_NS_DOC] = {"d", "doc/"},
    [KG_NS_GRAPH] = {NULL, "graph/"},
    [KG_NS_KG] = {"kg", KG_ONTOLOGY_NS},
    [KG_NS_RDF] = {"rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"},
    [KG_NS_RDFS] = {"rdfs", "http://www.w3.org/2000/01/rdf-schema#"},
    [KG_NS_XSD] = {"xsd", "http://www.w3.org/2001/XMLSchema#"},
    [KG_NS_SKOS] = {"skos", "http://www.w3.org/2004/02/skos/core#"},
    [KG_NS_PROV] = {"prov", "http://www.w3.org/ns/prov#"},
    [KG_NS_NIF] = {"nif", "http://persistence.uni-leipzig.org/nlp2rdf/"
                          "ontologies/nif-core#"},
};

bool kg_ns_table_init(KgNsTable *t, const char *base) {
  memset(t, 0, sizeof *t);
  if (!base || !*base)
    base = KG_DEFAULT_BASE;
  size_t n = strlen(base);
  const char *sep = base[n - 1] == '/' || base[n - 1] == '#' ? "" : "/";
  for (int i = 0; i < KG_NS_COUNT; i++) {
    t->iri[i] = i < BASE_KINDS ? kg_strfmt("%s%s%s", base, sep, ns_info[i].iri)
                               : kg_strdup(ns_info[i].iri);
    if (!t->iri[i]) {
      kg_ns_table_free(t);
      return false;
    }
    t->len[i] = strlen(t->iri[i]);
  }
  return true;
}

void kg_ns_table_free(KgNsTable *t) {
  for (int i = 0; i < KG_NS_COUNT; i++)
    kg_free(t->iri[i]);
  memset(t, 0, sizeof *t);
}

const char *kg_ns_prefix(KgNs ns) {
  return ns_info[ns].prefix;
}

/* ------------------------------------------------------------------ IRIs */

/* The unreserved set of RFC 3986: kept as is in a local part. */
static const bool unreserved[256] = {
    ['-'] = 1, ['.'] = 1, ['_'] = 1, ['~'] = 1, ['0'] = 1, ['1'] = 1, ['2'] = 1,
    ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1,
    ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1,
    ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1,
    ['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1, ['a'] = 1, ['b'] = 1,
    ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1,
    ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1,
    ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1,
    ['x'] = 1, ['y'] = 1, ['z'] = 1,
};

bool kg_iri_append_escaped(KgBuf *b, const char *s) {
  static const char hex[] = "0123456789ABCDEF";
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    const unsigned char *run = p;
    while (unreserved[*p])
      p++;
    put(b, run, (size_t)(p - run));
    for (; *p && !unreserved[*p]; p++) {
      char esc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
      put(b, esc, 3);
    }
  }
  if (b->data)
    b->data[b->len] = '\0'; /* callers outside the writer read a string */
  return !b->failed;
}

/* A percent-encoded local part is a Turtle PN_LOCAL unless it starts with
 * '-' or '.', ends with '.', or holds '~' (which would need a backslash). */
static bool pn_local(const char *s, size_t n) {
  if (!n || s[0] == '-' || s[0] == '.' || s[n - 1] == '.')
    return false;
  return memchr(s, '~', n) == NULL;
}

static void put_iri(KgSynWriter *w, KgBuf *b, const KgIri *iri) {
  size_t mark = b->len;
  const char *prefix =
      w->syntax == KG_SYN_TURTLE ? ns_info[iri->ns].prefix : NULL;
  if (prefix) {
    /* write the prefixed name, fall back to <...> when it is not one */
    put_s(b, prefix);
    put_c(b, ':');
    size_t local = b->len;
    if (iri->escape)
      kg_iri_append_escaped(b, iri->local);
    else
      put_s(b, iri->local);
    if (b->failed || pn_local(b->data + local, b->len - local))
      return;
    b->len = mark;
  }
  put_c(b, '<');
  put(b, w->ns->iri[iri->ns], w->ns->len[iri->ns]);
  if (iri->escape)
    kg_iri_append_escaped(b, iri->local);
  else
    put_s(b, iri->local);
  put_c(b, '>');
}

/* -------------------------------------------------------------- literals */

/* 0: copy; otherwise the character after the backslash ('u' for \u00XX). */
static const char escape_of[256] = {
    ['\b'] = 'b', ['\t'] = 't',  ['\n'] = 'n', ['\f'] = 'f', ['\r'] = 'r',
    ['"'] = '"',  ['\\'] = '\\', [0] = 'u',    [1] = 'u',    [2] = 'u',
    [3] = 'u',    [4] = 'u',     [5] = 'u',    [6] = 'u',    [7] = 'u',
    [11] = 'u',   [14] = 'u',    [15] = 'u',   [16] = 'u',   [17] = 'u',
    [18] = 'u',   [19] = 'u',    [20] = 'u',   [21] = 'u',   [22] = 'u',
    [23] = 'u',   [24] = 'u',    [25] = 'u',   [26] = 'u',   [27] = 'u',
    [28] = 'u',   [29] = 'u',    [30] = 'u',   [31] = 'u',   [127] = 'u',
};

static void put_string(KgBuf *b, const char *s, size_t n) {
  static const char hex[] = "0123456789ABCDEF";
  const unsigned char *p = (const unsigned char *)s, *end = p + n;
  put_c(b, '"');
  while (p < end) {
    const unsigned char *run = p;
    while (p < end && !escape_of[*p])
      p++;
    put(b, run, (size_t)(p - run));
    if (p == end)
      break;
    char e = escape_of[*p];
    if (e == 'u') {
      char u[6] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15]};
      put(b, u, 6);
    } else {
      char two[2] = {'\\', e};
      put(b, two, 2);
    }
    p++;
  }
  put_c(b, '"');
}

static void put_literal(KgSynWriter *w, KgBuf *b, const KgLiteral *l) {
  put_string(b, l->text, l->len);
  if (l->lang) {
    put_c(b, '@');
    put_s(b, l->lang);
  } else if (l->has_dt) {
    put(b, "^^", 2);
    put_iri(w, b, &l->dt);
  }
}

/* ------------------------------------------------------------ statements */

void kg_syn_init(KgSynWriter *w, KgSyntax syntax, const KgNsTable *ns,
                 KgBuf *out) {
  memset(w, 0, sizeof *w);
  w->out = out;
  w->syntax = syntax;
  w->ns = ns;
}

void kg_syn_header(KgSynWriter *w) {
  if (w->syntax != KG_SYN_TURTLE)
    return;
  for (int i = 0; i < KG_NS_COUNT; i++)
    if (ns_info[i].prefix)
      kg_buf_printf(w->out, "@prefix %s: <%s> .\n", ns_info[i].prefix,
                    w->ns->iri[i]);
  put_c(w->out, '\n');
}

static bool same(const KgBuf *a, const char *s, size_t n) {
  return a->len == n && !memcmp(a->data, s, n);
}

static void set(KgBuf *b, const char *s, size_t n) {
  b->len = 0;
  put(b, s, n);
}

/* Turtle: open the statement on s and p, continuing the open one when it
 * has the same subject (and predicate); the object follows. */
static void turtle_open(KgSynWriter *w, const KgIri *s, const KgIri *p) {
  KgBuf *t = &w->term;
  t->len = 0;
  put_iri(w, t, s);
  size_t s_len = t->len;
  put_c(t, ' ');
  if (p->ns == KG_NS_RDF && !strcmp(p->local, "type"))
    put_c(t, 'a');
  else
    put_iri(w, t, p);
  if (t->failed)
    return;
  const char *pred = t->data + s_len + 1;
  size_t p_len = t->len - s_len - 1;
  if (w->subject.len && same(&w->subject, t->data, s_len)) {
    if (same(&w->predicate, pred, p_len)) {
      put(w->out, " ,\n        ", 11);
      return;
    }
    put(w->out, " ;\n    ", 7);
  } else {
    if (w->subject.len)
      put(w->out, " .\n", 3);
    set(&w->subject, t->data, s_len);
    put(w->out, t->data, s_len);
    put_c(w->out, ' ');
  }
  set(&w->predicate, pred, p_len);
  put(w->out, pred, p_len);
  put_c(w->out, ' ');
}

static void line_open(KgSynWriter *w, const KgIri *s, const KgIri *p) {
  put_iri(w, w->out, s);
  put_c(w->out, ' ');
  put_iri(w, w->out, p);
  put_c(w->out, ' ');
}

static void line_close(KgSynWriter *w, const KgIri *graph) {
  if (graph && w->syntax == KG_SYN_NQUADS) {
    put_c(w->out, ' ');
    put_iri(w, w->out, graph);
  }
  put(w->out, " .\n", 3);
}

void kg_syn_iri(KgSynWriter *w, const KgIri *s, const KgIri *p, const KgIri *o,
                const KgIri *graph) {
  if (w->syntax == KG_SYN_TURTLE) {
    turtle_open(w, s, p);
    put_iri(w, w->out, o);
    return;
  }
  line_open(w, s, p);
  put_iri(w, w->out, o);
  line_close(w, graph);
}

void kg_syn_literal(KgSynWriter *w, const KgIri *s, const KgIri *p,
                    const KgLiteral *o, const KgIri *graph) {
  if (w->syntax == KG_SYN_TURTLE) {
    turtle_open(w, s, p);
    put_literal(w, w->out, o);
    return;
  }
  line_open(w, s, p);
  put_literal(w, w->out, o);
  line_close(w, graph);
}

bool kg_syn_finish(KgSynWriter *w) {
  if (w->syntax == KG_SYN_TURTLE && w->subject.len)
    put(w->out, " .\n", 3);
  if (w->out->data)
    w->out->data[w->out->len] = '\0';
  bool ok = !w->out->failed && !w->term.failed && !w->subject.failed &&
            !w->predicate.failed;
  kg_buf_free(&w->subject);
  kg_buf_free(&w->predicate);
  kg_buf_free(&w->term);
  return ok;
}
