/*
 * ontology.h — the vocabulary the rules and the writers speak: entity types
 * (classes) and predicates (properties), read from rules/ontology.ttl.
 *
 * Types and predicates are addressed by small integers so mentions and
 * rules can carry them cheaply; names are the local names in the ontology
 * namespace (e.g. "Organization", "releases").
 */
#ifndef KG_ONTOLOGY_H
#define KG_ONTOLOGY_H

#include "kg.h"

#include <stdbool.h>
#include <stddef.h>

/** The namespace of kg's classes and properties. */
#define KG_ONTOLOGY_NS "http://example.org/kg/ontology#"
/** At most this many entity types (a mention carries its type in 5 bits). */
#define KG_MAX_TYPES 32

typedef struct KgOntology KgOntology;

/** One class or property of the ontology. */
typedef struct {
  const char *name;     /* local name, e.g. "Organization" */
  const char *label_en; /* rdfs:label @en, or NULL */
  const char *label_zh; /* rdfs:label @zh, or NULL */
  unsigned domain;      /* predicates: bit set of type indexes, 0 = any */
  unsigned range;       /* predicates: bit set of type indexes, 0 = any */
  bool symmetric;       /* predicates: owl:SymmetricProperty */
} KgVocabTerm;

/**
 * Read the ontology at path (Turtle).  Types are the subjects typed
 * owl:Class or rdfs:Class in KG_ONTOLOGY_NS, in file order, except union
 * classes (owl:unionOf) and record classes (rdfs:subClassOf prov:Entity,
 * e.g. kg:Document).  Predicates are those typed owl:ObjectProperty or
 * rdf:Property whose rdfs:domain and rdfs:range resolve to types (a type,
 * an owl:unionOf list of types, or owl:Thing for any).  *out is owned by
 * the caller.
 */
KgStatus kg_ontology_load(const char *path, KgOntology **out, KgError *err);
void kg_ontology_free(KgOntology *onto);

/** Index of type / predicate `name`, or -1 when unknown. */
int kg_ontology_type(const KgOntology *onto, const char *name);
int kg_ontology_predicate(const KgOntology *onto, const char *name);
size_t kg_ontology_n_types(const KgOntology *onto);
size_t kg_ontology_n_predicates(const KgOntology *onto);
const KgVocabTerm *kg_ontology_type_at(const KgOntology *onto, size_t i);
const KgVocabTerm *kg_ontology_predicate_at(const KgOntology *onto, size_t i);
/** The ontology file's own bytes, to be written beside every build. */
const char *kg_ontology_source(const KgOntology *onto, size_t *len);

#endif
