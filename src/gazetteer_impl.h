/*
 * gazetteer_impl.h — the gazetteer's insides, shared by gazetteer.c
 * (entities, aliases, the automaton and matching), gazetteer_load.c (the
 * entities file) and gazetteer_snapshot.c (save and restore).  Internal
 * to the gazetteer: everyone else goes through gazetteer.h.
 */
#ifndef KG_GAZETTEER_IMPL_H
#define KG_GAZETTEER_IMPL_H

#include "gazetteer.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MAX_DENSE 4096 /* 1 KiB each */
#define INLINE_EDGES 5
#define N_CHARS 1u /* node: 3-byte characters go through char edges */
#define OUT_BIT 0x80000000u
#define MAX_NODES 0x7FFFFFFFu

/* Open addressing from a borrowed key string to an item number.  Slots
 * keep the key's hash, so a probe compares strings only on a likely hit. */
typedef struct {
  const char *key; /* NULL: empty */
  uint32_t hash, item;
} Slot;

typedef struct {
  Slot *slots;
  size_t cap, used; /* cap: 0 or a power of two */
} StrIndex;

/* A normalised key, stored NUL-terminated at pool + off. */
typedef struct {
  uint32_t off, len;
  uint32_t entity;
  bool explicit_alias; /* given by the caller, not a generated variant */
} Pattern;

/* Pattern lookup by key: slot = (hash, pattern + 1), 0 when empty. */
typedef struct {
  uint32_t hash, item;
} PSlot;

/* A node as the scan sees it.  States are passed around as refs: the node
 * id, with OUT_BIT set when a key ends there or on its failure chain, so
 * the scan tests for output without touching the node. */
typedef struct {
  uint32_t fail;    /* ref */
  uint32_t child;   /* id of the first child; the others follow it */
  uint16_t n_edges; /* at most 256 */
  uint8_t flags;    /* N_CHARS; bit k + 1: inline child k is an OUT ref */
  uint8_t lab[INLINE_EDGES]; /* the first labels, to spare a load */
} Node;

/* The part read only where a key may end. */
typedef struct {
  uint32_t depth;
  uint32_t entity; /* entity + 1 of the key ending here; 0: none */
  uint32_t dict;   /* next node on the failure chain that ends a key */
  uint8_t alnum;   /* bit 0: key starts, bit 1: ends with [A-Za-z0-9] */
} NodeOut;

/* Nodes [0, n_dense) (the shallowest) have a row of 256 refs in dense,
 * failures resolved; the others search their edges. */
typedef struct {
  Node *nodes;
  NodeOut *outs;
  size_t n_nodes;
  uint8_t *labels;  /* node id: the byte of the edge into it */
  uint64_t *outbit; /* node id: bit set when its ref has OUT_BIT */
  uint32_t *dense;
  size_t n_dense;
  uint32_t *root3;    /* ref reached from the root by each 3-byte character */
  uint32_t *cstart;   /* node id: its char edges are [cstart[id], [id + 1]) */
  uint16_t *ckeys;    /* char edge: index3 of the character, sorted */
  uint32_t *ctargets; /* char edge: ref three bytes down */
  uint64_t *cmask;    /* node id: bit (index3 & 63) of each char edge */
  size_t longest;     /* bytes of the longest key */
} Automaton;

struct KgGazetteer {
  const KgNormalizer *norm;
  KG_VEC(KgEntityDef) entities;
  char *estr;      /* restored: the strings of entities [0, n_pooled) */
  size_t n_pooled; /* the others own their strings */
  StrIndex entity_index;
  KG_VEC(Pattern) patterns;
  PSlot *pslots; /* pattern index: open addressing, power-of-two size */
  size_t pcap;
  KgBuf pool;                         /* every pattern key, NUL-terminated */
  KgBuf scratch[2];                   /* a key being added, and its variants */
  KG_VEC(KgEntityRelation) relations; /* sorted: subject, predicate, object */
  Automaton ac;
  bool compiled;
};

/* The item bound to key, or -1. */
long kg_gaz_index_get(const StrIndex *ix, const char *key);
/* Bind key (absent, must outlive the index) to item. */
bool kg_gaz_index_put(StrIndex *ix, const char *key, uint32_t item);
void kg_gaz_index_free(StrIndex *ix);

/* Room for entities more entities and aliases more aliases (with their
 * variants), so that loading a large file does not grow every table
 * step by step.  Only a hint: false on OOM. */
bool kg_gaz_reserve(KgGazetteer *g, size_t entities, size_t aliases,
                    size_t alias_bytes);
/* The entity whose pattern the normal form of alias is, or -1. */
long kg_gaz_alias_owner(KgGazetteer *g, const char *alias);

/* The order of g->relations: subject, predicate, object. */
int kg_gaz_cmp_relation(const KgEntityRelation *a, const KgEntityRelation *b);
/* Ask for huge pages for a large block before its first touch. */
void *kg_gaz_hint_huge(void *p, size_t bytes);
/* Set g->ac.longest from the patterns. */
void kg_gaz_note_longest(KgGazetteer *g);

#endif
