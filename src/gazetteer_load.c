/*
 * gazetteer_load.c — entities.ttl into a gazetteer: every typed subject
 * becomes an entity, its labels its aliases, and the ontology's
 * predicates between entities its relations (gazetteer.h says which
 * triples count and what is reported).
 *
 * The file is read whole and collected per subject first: the entities
 * are then added sorted by key, so their ids do not depend on the order
 * of the file, and relations are resolved once every entity is known.
 */
#include "gazetteer_impl.h"

#include "rdf_io.h"
#include "source.h"

#include <stdlib.h>
#include <string.h>

#define RDF_TYPE "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
#define RDFS_LABEL "http://www.w3.org/2000/01/rdf-schema#label"
#define SKOS_ALT "http://www.w3.org/2004/02/skos/core#altLabel"

typedef KG_VEC(char *) StrVec;

/* What the file says about one subject. */
typedef struct {
  char *iri;
  char *type;          /* local name of its ontology type, NULL if none */
  char *key;           /* decoded local name, set after the parse */
  StrVec labels, alts; /* in file order */
} Subject;

/* A triple whose predicate is an ontology predicate (IRIs owned). */
typedef struct {
  char *s, *o;
  int predicate;
} Triple;

typedef struct {
  KG_VEC(Subject) subjects;
  size_t last; /* the subject of the previous triple */
  StrIndex index;
  KG_VEC(Triple) relations;
  const KgOntology *onto;
} Collected;

static void collected_free(Collected *c) {
  for (size_t i = 0; i < c->subjects.len; i++) {
    Subject *s = &c->subjects.items[i];
    kg_free(s->iri);
    kg_free(s->type);
    kg_free(s->key);
    for (size_t k = 0; k < s->labels.len; k++)
      kg_free(s->labels.items[k]);
    for (size_t k = 0; k < s->alts.len; k++)
      kg_free(s->alts.items[k]);
    kg_vec_free(&s->labels);
    kg_vec_free(&s->alts);
  }
  kg_vec_free(&c->subjects);
  kg_gaz_index_free(&c->index);
  for (size_t i = 0; i < c->relations.len; i++) {
    kg_free(c->relations.items[i].s);
    kg_free(c->relations.items[i].o);
  }
  kg_vec_free(&c->relations);
}

static Subject *subject_for(Collected *c, const char *iri) {
  Subject *last = c->subjects.len ? &c->subjects.items[c->last] : NULL;
  if (last && strcmp(last->iri, iri) == 0)
    return last; /* the usual case: the subject of a ';' list */
  long i = kg_gaz_index_get(&c->index, iri);
  if (i >= 0)
    c->last = (size_t)i;
  if (i >= 0)
    return &c->subjects.items[i];
  Subject s = {0};
  uint32_t n = (uint32_t)c->subjects.len;
  if (!(s.iri = kg_strdup(iri)) || !kg_vec_reserve(&c->subjects, n + 1) ||
      !kg_gaz_index_put(&c->index, s.iri, n)) {
    kg_free(s.iri);
    return NULL;
  }
  c->subjects.items[c->subjects.len++] = s;
  c->last = n;
  return &c->subjects.items[n];
}

static bool push_copy(StrVec *v, const char *s) {
  char *copy = kg_strdup(s);
  if (copy && kg_vec_push(v, copy))
    return true;
  kg_free(copy);
  return false;
}

/* Keep the first type the ontology knows, else the first one seen. */
static bool note_type(Collected *c, Subject *s, const char *iri) {
  const char *name = iri + strlen(KG_ONTOLOGY_NS);
  if (s->type && kg_ontology_type(c->onto, s->type) >= 0)
    return true;
  if (s->type && kg_ontology_type(c->onto, name) < 0)
    return true;
  char *copy = kg_strdup(name);
  if (!copy)
    return false;
  kg_free(s->type);
  s->type = copy;
  return true;
}

/* An entity-to-entity triple of an ontology predicate, kept for later:
 * the entities are known only once the whole file is read.  False when
 * the triple is not one (it may still be a type or a label). */
static bool note_relation(Collected *c, const KgTriple *t, bool *nomem) {
  size_t ns = strlen(KG_ONTOLOGY_NS);
  if (t->s.kind != KG_TERM_IRI || t->o.kind != KG_TERM_IRI ||
      strncmp(t->p.value, KG_ONTOLOGY_NS, ns) != 0)
    return false;
  int pred = kg_ontology_predicate(c->onto, t->p.value + ns);
  if (pred < 0)
    return false;
  Triple r = {kg_strdup(t->s.value), kg_strdup(t->o.value), pred};
  if (!r.s || !r.o || !kg_vec_push(&c->relations, r)) {
    kg_free(r.s);
    kg_free(r.o);
    *nomem = true;
  }
  return true;
}

static KgStatus on_triple(void *ctx, const KgTriple *t) {
  Collected *c = ctx;
  const char *p = t->p.value;
  bool nomem = false;
  if (note_relation(c, t, &nomem))
    return nomem ? KG_ERR_NOMEM : KG_SUCCESS;
  bool is_type =
      strcmp(p, RDF_TYPE) == 0 && t->o.kind == KG_TERM_IRI &&
      strncmp(t->o.value, KG_ONTOLOGY_NS, strlen(KG_ONTOLOGY_NS)) == 0;
  bool is_label = strcmp(p, RDFS_LABEL) == 0, is_alt = strcmp(p, SKOS_ALT) == 0;
  if (t->s.kind != KG_TERM_IRI || !(is_type || is_label || is_alt))
    return KG_SUCCESS;
  if ((is_label || is_alt) && t->o.kind != KG_TERM_LITERAL)
    return KG_SUCCESS;
  Subject *s = subject_for(c, t->s.value);
  if (!s)
    return KG_ERR_NOMEM;
  bool ok = is_type    ? note_type(c, s, t->o.value)
            : is_label ? push_copy(&s->labels, t->o.value)
                       : push_copy(&s->alts, t->o.value);
  return ok ? KG_SUCCESS : KG_ERR_NOMEM;
}

static int hex_digit(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  c = (char)(c | 0x20);
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* ------------------------------------------------------ Turtle, quickly */

/*
 * An entities file is large (tens of thousands of entities) and plain:
 * @prefix lines, prefixed names and absolute IRIs, "strings" with an
 * optional language tag or datatype, ';' and ',' lists.  This reader takes
 * exactly that subset, ten times faster than raptor, and hands each
 * triple to the same callback.  At anything else (blank nodes, long or
 * single-quoted strings, numbers, relative IRIs, escapes or dots in
 * names, a syntax error) it gives up, and the caller parses the file with
 * raptor instead, which also reports any error.
 */

#define TTL_PREFIXES 64
#define GIVE_UP KG_ERR_UNSUPPORTED

typedef struct {
  const char *p, *end;
  struct {
    const char *name, *iri; /* name: without the ':'; both NUL-free */
    size_t name_len, iri_len;
  } prefix[TTL_PREFIXES];
  size_t n_prefixes;
  KgBuf term[3], scratch; /* subject, predicate, object; datatypes */
} Ttl;

static bool ttl_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool ttl_alnum(char c) {
  return ttl_alpha(c) || (c >= '0' && c <= '9');
}

/* Is c one of the characters of set (never NUL)? */
static bool ttl_in(char c, const char *set) {
  return c && strchr(set, c);
}

static bool ttl_name_char(char c) {
  return ttl_alnum(c) || c == '_' || c == '-';
}

static void ttl_skip(Ttl *t) {
  while (t->p < t->end) {
    char c = *t->p;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
      t->p++;
    else if (c == '#')
      while (t->p < t->end && *t->p != '\n')
        t->p++;
    else
      break;
  }
}

/* Is iri[0..n) absolute, free of dot segments, and of the characters an
 * IRI may not hold (or that raptor might rewrite)? */
static bool ttl_plain_iri(const char *iri, size_t n) {
  size_t i = 0;
  while (i < n &&
         (ttl_alnum(iri[i]) || iri[i] == '+' || iri[i] == '-' || iri[i] == '.'))
    i++;
  if (i == 0 || i >= n || iri[i] != ':' || !ttl_alpha(iri[0]))
    return false;
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)iri[i];
    if (c <= 0x20 || c >= 0x7F || strchr("<>\"{}|^`\\", c))
      return false;
    if (c == '/' && i + 1 < n && iri[i + 1] == '.' &&
        (i + 2 == n || iri[i + 2] == '/' ||
         (iri[i + 2] == '.' && (i + 3 == n || iri[i + 3] == '/'))))
      return false;
  }
  return true;
}

/* <iri> at t->p: *iri, *n point into the file. */
static KgStatus ttl_iriref(Ttl *t, const char **iri, size_t *n) {
  const char *close = memchr(t->p, '>', (size_t)(t->end - t->p));
  if (!close || *t->p != '<')
    return GIVE_UP;
  *iri = t->p + 1;
  *n = (size_t)(close - *iri);
  t->p = close + 1;
  return ttl_plain_iri(*iri, *n) ? KG_SUCCESS : GIVE_UP;
}

/* A name: prefix:local, with plain characters only, followed by space or
 * a ';' or ','.  Appends the IRI it stands for to out. */
static KgStatus ttl_pname(Ttl *t, KgBuf *out) {
  const char *b = t->p, *colon = b;
  while (colon < t->end && ttl_name_char(*colon))
    colon++;
  if (colon >= t->end || *colon != ':' || (colon > b && !ttl_alpha(*b)))
    return GIVE_UP;
  const char *e = colon + 1;
  while (e < t->end && ttl_name_char(*e))
    e++;
  if (e >= t->end || !ttl_in(*e, " \t\r\n;,"))
    return GIVE_UP;
  if (e > colon + 1 && colon[1] == '-')
    return GIVE_UP; /* a local name cannot start with '-' */
  size_t nl = (size_t)(colon - b);
  for (size_t k = t->n_prefixes; k-- > 0;) {
    if (t->prefix[k].name_len != nl || memcmp(t->prefix[k].name, b, nl) != 0)
      continue;
    t->p = e;
    return kg_buf_append(out, t->prefix[k].iri, t->prefix[k].iri_len) &&
                   kg_buf_append(out, colon + 1, (size_t)(e - colon - 1))
               ? KG_SUCCESS
               : KG_ERR_NOMEM;
  }
  return GIVE_UP; /* undeclared prefix: raptor says so */
}

/* An IRI term, either form, into out (cleared). */
static KgStatus ttl_iri_term(Ttl *t, KgBuf *out) {
  out->len = 0;
  if (*t->p != '<')
    return ttl_pname(t, out);
  const char *iri;
  size_t n;
  KgStatus st = ttl_iriref(t, &iri, &n);
  if (st == KG_SUCCESS && !kg_buf_append(out, iri, n))
    st = KG_ERR_NOMEM;
  return st;
}

static int ttl_hex(const char *p, int n) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    int h = hex_digit(p[i]);
    if (h < 0)
      return -1;
    v = v << 4 | h;
  }
  return v;
}

/* The escape at p (after the backslash), appended to out; its length. */
static size_t ttl_escape(const char *p, const char *end, KgBuf *out) {
  static const char from[] = "tbnrf\"'\\", to[] = "\t\b\n\r\f\"'\\";
  const char *k = p < end && *p ? strchr(from, *p) : NULL;
  if (k) {
    kg_buf_putc(out, to[k - from]);
    return 1;
  }
  int n = p < end && *p == 'u' ? 4 : p < end && *p == 'U' ? 8 : 0;
  int cp = n && end - p > n ? ttl_hex(p + 1, n) : -1;
  if (cp <= 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  kg_buf_put_utf8(out, (uint32_t)cp);
  return (size_t)n + 1;
}

/* "string" with an optional @lang or ^^datatype, value into out. */
static KgStatus ttl_string(Ttl *t, KgBuf *out) {
  const char *p = ++t->p;
  out->len = 0;
  if (t->end - p >= 2 && p[0] == '"' && p[1] == '"')
    return GIVE_UP; /* a long string */
  for (;;) {
    const char *q = p;
    while (q < t->end && *q != '"' && *q != '\\' && *q != '\n' && *q != '\r')
      q++;
    kg_buf_append(out, p, (size_t)(q - p));
    if (q >= t->end || *q == '\n' || *q == '\r')
      return GIVE_UP;
    if (*q == '"') {
      t->p = q + 1;
      break;
    }
    size_t k = ttl_escape(q + 1, t->end, out);
    if (!k)
      return GIVE_UP;
    p = q + 1 + k;
  }
  if (out->failed)
    return KG_ERR_NOMEM;
  if (strlen(out->data) != out->len || !kg_utf8_valid(out->data, out->len, 0))
    return GIVE_UP;
  if (t->p < t->end && *t->p == '@') {
    const char *q = ++t->p;
    while (q < t->end && (ttl_alnum(*q) || *q == '-'))
      q++;
    if (q == t->p || !ttl_alpha(*t->p) || q[-1] == '-')
      return GIVE_UP;
    t->p = q;
  } else if (t->end - t->p >= 2 && t->p[0] == '^' && t->p[1] == '^') {
    t->p += 2;
    KgStatus st = ttl_iri_term(t, &t->scratch);
    if (st != KG_SUCCESS)
      return st;
  }
  return t->p < t->end && ttl_in(*t->p, " \t\r\n;,.") ? KG_SUCCESS : GIVE_UP;
}

/* "@prefix name: <iri> ." */
static KgStatus ttl_prefix(Ttl *t) {
  if (t->end - t->p < 8 || memcmp(t->p, "@prefix", 7) != 0 ||
      !ttl_in(t->p[7], " \t\r\n") || t->n_prefixes == TTL_PREFIXES)
    return GIVE_UP;
  t->p += 7;
  ttl_skip(t);
  const char *name = t->p;
  while (t->p < t->end && ttl_name_char(*t->p))
    t->p++;
  if (t->p >= t->end || *t->p != ':' || (t->p > name && !ttl_alpha(*name)) ||
      (t->p > name && t->p[-1] == '-'))
    return GIVE_UP;
  size_t nn = (size_t)(t->p++ - name);
  ttl_skip(t);
  const char *iri;
  size_t n;
  if (t->p >= t->end || ttl_iriref(t, &iri, &n) != KG_SUCCESS)
    return GIVE_UP;
  ttl_skip(t);
  if (t->p >= t->end || *t->p != '.')
    return GIVE_UP;
  t->p++;
  t->prefix[t->n_prefixes].name = name;
  t->prefix[t->n_prefixes].name_len = nn;
  t->prefix[t->n_prefixes].iri = iri;
  t->prefix[t->n_prefixes++].iri_len = n;
  return KG_SUCCESS;
}

/* One subject with its predicate-object list, up to the final '.'. */
static KgStatus ttl_statement(Ttl *t, KgTripleFunc emit_triple, void *ctx) {
  KgStatus st = ttl_iri_term(t, &t->term[0]);
  while (st == KG_SUCCESS) {
    ttl_skip(t);
    if (t->p >= t->end)
      return GIVE_UP;
    if (*t->p == 'a' && t->end - t->p > 1 && ttl_in(t->p[1], " \t\r\n")) {
      t->term[1].len = 0;
      st = kg_buf_puts(&t->term[1], RDF_TYPE) ? KG_SUCCESS : KG_ERR_NOMEM;
      t->p++;
    } else {
      st = ttl_iri_term(t, &t->term[1]);
    }
    for (char sep = ','; st == KG_SUCCESS && sep == ',';) {
      ttl_skip(t);
      if (t->p >= t->end)
        return GIVE_UP;
      bool literal = *t->p == '"';
      st = literal ? ttl_string(t, &t->term[2]) : ttl_iri_term(t, &t->term[2]);
      KgTriple tr = {{KG_TERM_IRI, t->term[0].data, NULL, NULL},
                     {KG_TERM_IRI, t->term[1].data, NULL, NULL},
                     {literal ? KG_TERM_LITERAL : KG_TERM_IRI, t->term[2].data,
                      NULL, NULL},
                     NULL};
      if (st == KG_SUCCESS)
        st = emit_triple(ctx, &tr);
      ttl_skip(t);
      sep = t->p < t->end ? *t->p : 0;
      if (sep == ',')
        t->p++;
    }
    if (st != KG_SUCCESS)
      return st;
    if (t->p >= t->end || (*t->p != ';' && *t->p != '.'))
      return GIVE_UP;
    if (*t->p++ == '.')
      return KG_SUCCESS;
    ttl_skip(t);
    if (t->p < t->end && *t->p == '.') {
      t->p++;
      return KG_SUCCESS;
    }
  }
  return st;
}

/* Parse data[0..len) if it is in the subset: KG_SUCCESS, GIVE_UP (nothing
 * is to be trusted then), or the callback's error. */
static KgStatus ttl_parse(const char *data, size_t len,
                          KgTripleFunc emit_triple, void *ctx) {
  Ttl *t = kg_calloc(1, sizeof *t);
  if (!t)
    return KG_ERR_NOMEM;
  t->p = data;
  t->end = data + len;
  KgStatus st = KG_SUCCESS;
  if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
    st = GIVE_UP; /* leave a byte order mark to raptor */
  while (st == KG_SUCCESS) {
    ttl_skip(t);
    if (t->p >= t->end)
      break;
    st = *t->p == '@' ? ttl_prefix(t) : ttl_statement(t, emit_triple, ctx);
  }
  for (int i = 0; i < 3; i++)
    kg_buf_free(&t->term[i]);
  kg_buf_free(&t->scratch);
  kg_free(t);
  return st;
}

/* The IRI's local name (after the last '/' or '#'), percent-decoded. */
static char *local_name(const char *iri) {
  const char *b = iri;
  for (const char *p = iri; *p; p++)
    if (*p == '/' || *p == '#')
      b = p + 1;
  char *out = kg_strdup(b);
  if (!out)
    return NULL;
  size_t w = 0;
  for (size_t r = 0; out[r]; r++) {
    int h, l;
    if (out[r] == '%' && (h = hex_digit(out[r + 1])) >= 0 &&
        (l = hex_digit(out[r + 2])) >= 0) {
      out[w++] = (char)(h << 4 | l);
      r += 2;
    } else {
      out[w++] = out[r];
    }
  }
  out[w] = '\0';
  return out;
}

static int cmp_subject(const void *x, const void *y) {
  const Subject *a = *(const Subject *const *)x,
                *b = *(const Subject *const *)y;
  int k = strcmp(a->key, b->key);
  return k ? k : strcmp(a->iri, b->iri);
}

typedef struct {
  KgGazetteer *g;
  const KgOntology *onto;
  const char *path;
  KgMessageFunc on_msg;
  void *ctx;
} Loader;

/* Add an alias; one that already names another entity is a warning. */
static KgStatus add_alias_warn(const Loader *l, uint32_t id,
                               const char *alias) {
  KgStatus st = kg_gazetteer_add_alias(l->g, id, alias);
  if (st != KG_FAILURE)
    return st;
  long other = kg_gaz_alias_owner(l->g, alias);
  kg_warn(l->on_msg, l->ctx, l->path, 0, 0,
          "alias \"%s\" of %s already names %s; ignored", alias,
          kg_gazetteer_entity(l->g, id)->key,
          other >= 0 ? kg_gazetteer_entity(l->g, (uint32_t)other)->key
                     : "another entity");
  return KG_SUCCESS;
}

static KgStatus add_subject(const Loader *l, const Subject *s) {
  int type = kg_ontology_type(l->onto, s->type);
  if (type < 0) {
    kg_warn(l->on_msg, l->ctx, l->path, 0, 0,
            "entity %s has unknown type %s; skipped", s->key, s->type);
    return KG_SUCCESS;
  }
  uint32_t id;
  const char *label = s->labels.len ? s->labels.items[0] : s->key;
  KgStatus st = kg_gazetteer_add_entity(l->g, s->key, label, type, &id);
  if (st == KG_SUCCESS && s->labels.len == 0)
    st = add_alias_warn(l, id, s->key);
  for (size_t i = 0; st == KG_SUCCESS && i < s->labels.len; i++)
    st = add_alias_warn(l, id, s->labels.items[i]);
  for (size_t i = 0; st == KG_SUCCESS && i < s->alts.len; i++)
    st = add_alias_warn(l, id, s->alts.items[i]);
  return st;
}

/* The typed subjects, keyed and sorted by key (then IRI). */
static KgStatus sorted_subjects(Collected *c, Subject ***out, size_t *n) {
  *n = 0;
  *out = kg_calloc(c->subjects.len, sizeof **out);
  if (!*out)
    return KG_ERR_NOMEM;
  for (size_t i = 0; i < c->subjects.len; i++) {
    Subject *s = &c->subjects.items[i];
    if (!s->type)
      continue;
    if (!(s->key = local_name(s->iri)))
      return KG_ERR_NOMEM;
    (*out)[(*n)++] = s;
  }
  qsort(*out, *n, sizeof **out, cmp_subject);
  return KG_SUCCESS;
}

/* Make room in g for the subjects about to be added. */
static bool reserve_for(KgGazetteer *g, Subject *const *subjects, size_t n) {
  size_t aliases = 0, bytes = 0;
  for (size_t i = 0; i < n; i++) {
    const Subject *s = subjects[i];
    aliases += s->labels.len + s->alts.len + 1;
    for (size_t k = 0; k < s->labels.len; k++)
      bytes += strlen(s->labels.items[k]) + 1;
    for (size_t k = 0; k < s->alts.len; k++)
      bytes += strlen(s->alts.items[k]) + 1;
  }
  return kg_gaz_reserve(g, n, aliases, bytes);
}

/* The entity an IRI of the file became, or -1 (no entity, or skipped). */
static long entity_of(const Loader *l, Collected *c, const char *iri) {
  long i = kg_gaz_index_get(&c->index, iri);
  const Subject *s = i >= 0 ? &c->subjects.items[i] : NULL;
  return s && s->key ? kg_gazetteer_find(l->g, s->key) : -1;
}

/* Does the type of entity id fit the bit set (0 = any)? */
static bool fits(const KgGazetteer *g, long id, unsigned types) {
  int t = kg_gazetteer_entity(g, (uint32_t)id)->type;
  return !types || (t < KG_MAX_TYPES && (types & (1u << t)));
}

static KgStatus add_relation(const Loader *l, Collected *c, const Triple *r) {
  const KgVocabTerm *p =
      kg_ontology_predicate_at(l->onto, (size_t)r->predicate);
  long s = entity_of(l, c, r->s), o = entity_of(l, c, r->o);
  const char *why = s < 0                       ? "the subject is no entity"
                    : o < 0                     ? "the object is no entity"
                    : !fits(l->g, s, p->domain) ? "the subject is outside the "
                                                  "predicate's domain"
                    : !fits(l->g, o, p->range)  ? "the object is outside the "
                                                  "predicate's range"
                                                : NULL;
  if (!why)
    return kg_gazetteer_add_relation(l->g, (uint32_t)s, r->predicate,
                                     (uint32_t)o);
  char *sn = local_name(r->s), *on = local_name(r->o);
  if (sn && on)
    kg_warn(l->on_msg, l->ctx, l->path, 0, 0, "relation %s %s %s: %s; skipped",
            sn, p->name, on, why);
  kg_free(sn);
  kg_free(on);
  return sn && on ? KG_SUCCESS : KG_ERR_NOMEM;
}

KgStatus kg_gazetteer_load(KgGazetteer *g, const KgOntology *onto,
                           const char *path, KgMessageFunc on_msg, void *ctx,
                           KgError *err) {
  if (!g || !onto || !path)
    return kg_error_set(err, KG_ERR_BAD_ARG, path, 0, 0,
                        "gazetteer: missing argument");
  Collected c = {.onto = onto};
  Subject **sorted = NULL;
  size_t n = 0;
  char *data = NULL;
  size_t len = 0;
  KgStatus st = kg_source_read_file(path, SIZE_MAX, &data, &len, err);
  if (st == KG_SUCCESS &&
      (st = ttl_parse(data, len, on_triple, &c)) == GIVE_UP) {
    collected_free(&c); /* start over with the full parser */
    c = (Collected){.onto = onto};
    st = kg_rdf_parse_bytes(data, len, path, "turtle", on_triple, &c, err);
  }
  kg_free(data);
  if (st == KG_SUCCESS)
    st = sorted_subjects(&c, &sorted, &n);
  Loader l = {g, onto, path, on_msg, ctx};
  if (st == KG_SUCCESS && !reserve_for(g, sorted, n))
    st = KG_ERR_NOMEM;
  for (size_t i = 0; st == KG_SUCCESS && i < n; i++)
    st = add_subject(&l, sorted[i]);
  for (size_t i = 0; st == KG_SUCCESS && i < c.relations.len; i++)
    st = add_relation(&l, &c, &c.relations.items[i]);
  if (st == KG_ERR_NOMEM)
    kg_error_set(err, st, path, 0, 0, "out of memory reading entities");
  kg_free(sorted);
  collected_free(&c);
  return st;
}
