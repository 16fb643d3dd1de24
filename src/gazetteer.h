/*
 * gazetteer.h — the known entities and every alias they go by, matched in
 * normalised text by one multi-pattern automaton (Aho-Corasick over bytes).
 *
 * Matching is leftmost-longest and non-overlapping.  An alias that begins
 * (ends) with a Latin letter or digit only matches where the text before
 * (after) it is not a Latin letter or digit, so "Meta" never matches inside
 * "Metadata" while "Meta的" still does.  Aliases are compared in normal form
 * (kg_normalize_key): case, width and traditional/simplified do not matter.
 * For an alias holding spaces or hyphens, the variants with a space, a
 * hyphen or nothing in their place are added too (LLaMA 2 / LLaMA-2 /
 * LLaMA2).
 */
#ifndef KG_GAZETTEER_H
#define KG_GAZETTEER_H

#include "kg.h"
#include "normalizer.h"
#include "ontology.h"
#include "util.h"

#include <stddef.h>
#include <stdint.h>

typedef struct KgGazetteer KgGazetteer;

/** A known entity. */
typedef struct {
  const char *key;   /* stable local name, e.g. "Baidu" (the IRI's end) */
  const char *label; /* canonical rdfs:label */
  int type;          /* ontology type index */
} KgEntityDef;

/** A fact between two entities that entities.ttl declares (the name
 * states it: 阿里云 is part of Alibaba). */
typedef struct {
  uint32_t subject, object; /* entity ids */
  int predicate;            /* ontology predicate index */
} KgEntityRelation;

/** One match of an alias in normalised text. */
typedef struct {
  size_t begin, end; /* bytes in the normalised text */
  uint32_t entity;   /* index for kg_gazetteer_entity */
} KgGazMatch;

typedef KG_VEC(KgGazMatch) KgGazMatchVec;

KgStatus kg_gazetteer_new(const KgNormalizer *norm, KgGazetteer **out);
void kg_gazetteer_free(KgGazetteer *g);

/** Add an entity (or find it by key).  *id receives its index. */
KgStatus kg_gazetteer_add_entity(KgGazetteer *g, const char *key,
                                 const char *label, int type, uint32_t *id);
/**
 * Add an alias (any surface form; it is normalised here, outer spaces
 * trimmed).  An alias whose normal form is empty or one ASCII character is
 * skipped (KG_SUCCESS).  KG_FAILURE: the key already names another entity
 * through an explicit alias (the first one added keeps it; a generated
 * variant yields to an explicit alias).  KG_ERR_ENCODING: the normal form
 * is not valid UTF-8.
 */
KgStatus kg_gazetteer_add_alias(KgGazetteer *g, uint32_t id, const char *alias);

/**
 * Load entities from a Turtle file: each subject with an rdf:type in the
 * ontology namespace becomes an entity keyed by its IRI's local name
 * (percent-decoded), with its first rdfs:label as label (else the key) and
 * every rdfs:label / skos:altLabel as alias.  Entities are added sorted by
 * key, so ids do not depend on the order of the file.  Unknown types and
 * aliases already taken by another entity are reported through on_msg
 * (the entity, or the alias, is skipped).  Triples whose predicate is a
 * predicate of the ontology and whose subject and object are entities
 * become relations (kg_gazetteer_add_relation); one whose object is no
 * entity, or whose ends do not fit the predicate's domain and range, is
 * reported and skipped.  Does not compile.
 */
KgStatus kg_gazetteer_load(KgGazetteer *g, const KgOntology *onto,
                           const char *path, KgMessageFunc on_msg, void *ctx,
                           KgError *err);

/** Declare predicate(subject, object) between two entities; a repeated
 * relation is kept once.  KG_ERR_BAD_ARG for unknown ids or a negative
 * predicate. */
KgStatus kg_gazetteer_add_relation(KgGazetteer *g, uint32_t subject,
                                   int predicate, uint32_t object);
/** The relations whose subject is entity id, sorted by predicate then
 * object: *n of them from the returned pointer (NULL when none).  Valid
 * until the next add; reads g only. */
const KgEntityRelation *kg_gazetteer_relations(const KgGazetteer *g,
                                               uint32_t id, size_t *n);
/** Number of declared relations. */
size_t kg_gazetteer_n_relations(const KgGazetteer *g);

/** Build the automaton; call after the last add and before matching. */
KgStatus kg_gazetteer_compile(KgGazetteer *g);

/** Append every match in text[0..len) (normalised) to out, in text order:
 * leftmost-longest, non-overlapping, on character boundaries.  Reads g
 * only, so threads may share a compiled gazetteer.  KG_ERR_BAD_ARG when
 * not compiled since the last add. */
KgStatus kg_gazetteer_match(const KgGazetteer *g, const char *text, size_t len,
                            KgGazMatchVec *out);

size_t kg_gazetteer_size(const KgGazetteer *g);
const KgEntityDef *kg_gazetteer_entity(const KgGazetteer *g, uint32_t id);
/** Entity by key, or -1. */
long kg_gazetteer_find(const KgGazetteer *g, const char *key);

/** The snapshot format: a new one whenever what is saved changes. */
#define KG_GAZ_SNAPSHOT_VERSION 1u

/**
 * Write a snapshot of a compiled gazetteer to the regular file fd, at its
 * position (which then moves past the snapshot): the entities, aliases,
 * relations and automaton, with the n_msgs messages its load sent (for
 * kg_gazetteer_restore to give back).  The format is
 * this build's own: keep snapshots per build (gazetteer_cache.h does).
 * KG_ERR_BAD_ARG when g is not compiled; KG_ERR_IO when a write fails.
 */
KgStatus kg_gazetteer_save(const KgGazetteer *g, const KgError *msgs,
                           size_t n_msgs, int fd, KgError *err);

/**
 * Rebuild a compiled gazetteer from the snapshot in the regular file fd
 * (read from offset 0), loaded against the same ontology: it matches and
 * answers exactly as the saved one.  *msgs (free with kg_free) receives
 * the saved messages, to be replayed.  A file that is not a whole
 * snapshot of this format, or whose contents fail any bound check, gives
 * KG_ERR_SYNTAX (KG_ERR_IO, KG_ERR_NOMEM: as they say) and nothing else.
 */
KgStatus kg_gazetteer_restore(const KgNormalizer *norm, const KgOntology *onto,
                              int fd, KgGazetteer **out, KgError **msgs,
                              size_t *n_msgs, KgError *err);

/** Test hook: recompute the checksum of the snapshot file fd after a
 * test changed its contents, so that only the bound checks stand
 * between a forged file and the restore. */
KgStatus kg_gazetteer_snapshot_reseal(int fd);

#endif
