/*
 * ontology.c — reading rules/ontology.ttl into types and predicates.
 *
 * The file is small (a few hundred triples), so it is parsed once into a
 * flat list of triples and every question ("what is the domain of x?")
 * is a linear scan of that list.  Two passes then pick out the terms:
 *
 *   types       subjects in KG_ONTOLOGY_NS typed owl:Class or rdfs:Class,
 *               in file order, except union classes (owl:unionOf) and
 *               record classes (rdfs:subClassOf prov:Entity: documents and
 *               evidence are not things facts talk about);
 *   predicates  subjects in the namespace typed owl:ObjectProperty or
 *               rdf:Property whose domain and range resolve to entity
 *               types (kg:evidence, from statements to evidence, does
 *               not).  A domain may be a type, a class with owl:unionOf,
 *               or a blank node with owl:unionOf over an RDF list.
 *
 * The file's bytes are kept so the build can copy them beside its output.
 */
#include "ontology.h"

#include "rdf_io.h"
#include "util.h"

#include <string.h>

#define RDF "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
#define RDFS "http://www.w3.org/2000/01/rdf-schema#"
#define OWL "http://www.w3.org/2002/07/owl#"
#define PROV_ENTITY "http://www.w3.org/ns/prov#Entity"

typedef struct {
  char *s, *p, *o, *lang;
  KgTermKind o_kind;
} Triple;

typedef KG_VEC(Triple) TripleVec;

struct KgOntology {
  KG_VEC(KgVocabTerm) types;
  KG_VEC(KgVocabTerm) predicates;
  KG_VEC(char *) strings; /* every string the terms point to */
  char *source;
  size_t source_len;
};

/* -------------------------------------------------------------- triples */

static void triples_free(TripleVec *v) {
  for (size_t i = 0; i < v->len; i++) {
    Triple *t = &v->items[i];
    kg_free(t->s);
    kg_free(t->p);
    kg_free(t->o);
    kg_free(t->lang);
  }
  kg_vec_free(v);
}

static KgStatus collect(void *ctx, const KgTriple *t) {
  TripleVec *v = ctx;
  Triple c = {kg_strdup(t->s.value), kg_strdup(t->p.value),
              kg_strdup(t->o.value), kg_strdup(t->o.lang), t->o.kind};
  if (c.s && c.p && c.o && (c.lang || !t->o.lang) && kg_vec_push(v, c))
    return KG_SUCCESS;
  kg_free(c.s);
  kg_free(c.p);
  kg_free(c.o);
  kg_free(c.lang);
  return KG_ERR_NOMEM;
}

/* The object of the first (s, p, *) triple, or NULL. */
static const Triple *find(const TripleVec *v, const char *s, const char *p) {
  for (size_t i = 0; i < v->len; i++)
    if (!strcmp(v->items[i].s, s) && !strcmp(v->items[i].p, p))
      return &v->items[i];
  return NULL;
}

static bool has(const TripleVec *v, const char *s, const char *p,
                const char *o) {
  for (size_t i = 0; i < v->len; i++) {
    const Triple *t = &v->items[i];
    if (!strcmp(t->s, s) && !strcmp(t->p, p) && !strcmp(t->o, o))
      return true;
  }
  return false;
}

static const char *local_name(const char *iri) {
  size_t n = strlen(KG_ONTOLOGY_NS);
  return strncmp(iri, KG_ONTOLOGY_NS, n) || !iri[n] ? NULL : iri + n;
}

/* ---------------------------------------------------------------- terms */

static const char *keep(KgOntology *o, const char *s, bool *oom) {
  if (!s)
    return NULL;
  char *copy = kg_strdup(s);
  if (!copy || !kg_vec_push(&o->strings, copy)) {
    kg_free(copy);
    *oom = true;
    return NULL;
  }
  return copy;
}

static bool lang_is(const char *lang, const char *want) {
  size_t n = strlen(want);
  return lang && !strncmp(lang, want, n) && (!lang[n] || lang[n] == '-');
}

/* A term named by iri, with its @en and @zh labels. */
static KgStatus make_term(KgOntology *o, const TripleVec *v, const char *iri,
                          KgVocabTerm *t) {
  bool oom = false;
  const char *en = NULL, *zh = NULL, *plain = NULL;
  for (size_t i = 0; i < v->len; i++) {
    const Triple *x = &v->items[i];
    if (strcmp(x->s, iri) || strcmp(x->p, RDFS "label") ||
        x->o_kind != KG_TERM_LITERAL)
      continue;
    if (!en && lang_is(x->lang, "en"))
      en = x->o;
    else if (!zh && lang_is(x->lang, "zh"))
      zh = x->o;
    else if (!plain && !x->lang)
      plain = x->o;
  }
  memset(t, 0, sizeof *t);
  t->name = keep(o, local_name(iri), &oom);
  t->label_en = keep(o, en ? en : plain, &oom);
  t->label_zh = keep(o, zh, &oom);
  return oom ? KG_ERR_NOMEM : KG_SUCCESS;
}

static bool is_class(const TripleVec *v, const Triple *t) {
  return !strcmp(t->p, RDF "type") &&
         (!strcmp(t->o, OWL "Class") || !strcmp(t->o, RDFS "Class")) &&
         local_name(t->s) && !find(v, t->s, OWL "unionOf") &&
         !has(v, t->s, RDFS "subClassOf", PROV_ENTITY);
}

static bool is_property(const Triple *t) {
  return !strcmp(t->p, RDF "type") &&
         (!strcmp(t->o, OWL "ObjectProperty") ||
          !strcmp(t->o, RDF "Property")) &&
         local_name(t->s);
}

static KgStatus add_types(KgOntology *o, const TripleVec *v) {
  for (size_t i = 0; i < v->len; i++) {
    const Triple *t = &v->items[i];
    if (!is_class(v, t) || kg_ontology_type(o, local_name(t->s)) >= 0)
      continue;
    if (o->types.len == KG_MAX_TYPES)
      return KG_ERR_LIMIT;
    KgVocabTerm term;
    KgStatus st = make_term(o, v, t->s, &term);
    if (!st && !kg_vec_push(&o->types, term))
      st = KG_ERR_NOMEM;
    if (st)
      return st;
  }
  return KG_SUCCESS;
}

/* ------------------------------------------------------ domain, range */

/* The type bits of class node c (an IRI or a blank node); false when it
 * names something that is not an entity type.  owl:Thing means any. */
static bool class_bits(const KgOntology *o, const TripleVec *v, const char *c,
                       unsigned *bits) {
  if (!strcmp(c, OWL "Thing") || !strcmp(c, RDFS "Resource"))
    return true;
  const char *name = local_name(c);
  int type = name ? kg_ontology_type(o, name) : -1;
  if (type >= 0) {
    *bits |= 1u << type;
    return true;
  }
  const Triple *u = find(v, c, OWL "unionOf");
  if (!u)
    return false;
  /* walk the RDF list; the bound guards against a cyclic list */
  const char *node = u->o;
  for (size_t n = 0; strcmp(node, RDF "nil"); n++) {
    const Triple *first = find(v, node, RDF "first");
    const Triple *rest = find(v, node, RDF "rest");
    if (!first || !rest || n > v->len || !class_bits(o, v, first->o, bits))
      return false;
    node = rest->o;
  }
  return true;
}

/* The bits of every rdfs:domain (or range) of iri; false as above. */
static bool role_bits(const KgOntology *o, const TripleVec *v, const char *iri,
                      const char *role, unsigned *bits) {
  *bits = 0;
  for (size_t i = 0; i < v->len; i++) {
    const Triple *t = &v->items[i];
    if (!strcmp(t->s, iri) && !strcmp(t->p, role) &&
        !class_bits(o, v, t->o, bits))
      return false;
  }
  return true;
}

static KgStatus add_predicates(KgOntology *o, const TripleVec *v) {
  for (size_t i = 0; i < v->len; i++) {
    const Triple *t = &v->items[i];
    unsigned domain, range;
    if (!is_property(t) || kg_ontology_predicate(o, local_name(t->s)) >= 0 ||
        !role_bits(o, v, t->s, RDFS "domain", &domain) ||
        !role_bits(o, v, t->s, RDFS "range", &range))
      continue;
    KgVocabTerm term;
    KgStatus st = make_term(o, v, t->s, &term);
    term.domain = domain;
    term.range = range;
    term.symmetric = has(v, t->s, RDF "type", OWL "SymmetricProperty");
    if (!st && !kg_vec_push(&o->predicates, term))
      st = KG_ERR_NOMEM;
    if (st)
      return st;
  }
  return KG_SUCCESS;
}

/* ---------------------------------------------------------------- load */

KgStatus kg_ontology_load(const char *path, KgOntology **out, KgError *err) {
  *out = NULL;
  TripleVec v = {0};
  KgOntology *o = kg_calloc(1, sizeof *o);
  if (!o)
    return kg_error_set(err, KG_ERR_NOMEM, path, 0, 0, "out of memory");
  KgStatus st = kg_read_file(path, KG_DEFAULT_MAX_FILE_SIZE, &o->source,
                             &o->source_len, err);
  if (!st)
    st = kg_rdf_parse_bytes(o->source, o->source_len, path, "turtle", collect,
                            &v, err);
  if (!st && (st = add_types(o, &v)) == KG_ERR_LIMIT)
    kg_error_set(err, st, path, 0, 0, "more than %d entity types",
                 KG_MAX_TYPES);
  if (!st)
    st = add_predicates(o, &v);
  if (st == KG_ERR_NOMEM)
    kg_error_set(err, st, path, 0, 0, "out of memory");
  triples_free(&v);
  if (st) {
    kg_ontology_free(o);
    return st;
  }
  *out = o;
  return KG_SUCCESS;
}

void kg_ontology_free(KgOntology *o) {
  if (!o)
    return;
  for (size_t i = 0; i < o->strings.len; i++)
    kg_free(o->strings.items[i]);
  kg_vec_free(&o->strings);
  kg_vec_free(&o->types);
  kg_vec_free(&o->predicates);
  kg_free(o->source);
  kg_free(o);
}

/* ------------------------------------------------------------- queries */

static int find_term(const KgVocabTerm *terms, size_t n, const char *name) {
  if (!name)
    return -1;
  for (size_t i = 0; i < n; i++)
    if (!strcmp(terms[i].name, name))
      return (int)i;
  return -1;
}

int kg_ontology_type(const KgOntology *onto, const char *name) {
  return find_term(onto->types.items, onto->types.len, name);
}

int kg_ontology_predicate(const KgOntology *onto, const char *name) {
  return find_term(onto->predicates.items, onto->predicates.len, name);
}

size_t kg_ontology_n_types(const KgOntology *onto) {
  return onto->types.len;
}

size_t kg_ontology_n_predicates(const KgOntology *onto) {
  return onto->predicates.len;
}

const KgVocabTerm *kg_ontology_type_at(const KgOntology *onto, size_t i) {
  return i < onto->types.len ? &onto->types.items[i] : NULL;
}

const KgVocabTerm *kg_ontology_predicate_at(const KgOntology *onto, size_t i) {
  return i < onto->predicates.len ? &onto->predicates.items[i] : NULL;
}

const char *kg_ontology_source(const KgOntology *onto, size_t *len) {
  if (len)
    *len = onto->source_len;
  return onto->source;
}
