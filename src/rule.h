/*
 * rule.h — the compiled rule set shared by rule_parser.c (which builds it),
 * mentions.c and matcher.c (which read it).  Internal to the rule engine.
 *
 * Everything here is written once while loading and only read afterwards,
 * so one rule set may serve several threads; the one exception, the JIT
 * copy of a pattern made on first use, is published atomically
 * (kg_jit_code).  Match data, JIT stacks and match contexts live with the
 * caller (per document), never here.
 */
#ifndef KG_RULE_H
#define KG_RULE_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "gazetteer.h"
#include "litscan.h"
#include "normalizer.h"
#include "ontology.h"
#include "rule_parser.h"
#include "util.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* A mention in a sentence image is one private-use code point:
 * KG_MENTION_BASE + type * 4096 + (mention index % 4096).  32 types fill
 * planes 15 and 16 exactly. */
#define KG_MENTION_BASE 0xF0000u
#define KG_MENTION_SPAN 4096u

/* PCRE2 limits for one match call: a rule that runs past them on a
 * sentence is abandoned there. */
#define KG_MATCH_LIMIT 1000000u
#define KG_DEPTH_LIMIT 5000u
#define KG_HEAP_LIMIT_KIB 20000u

typedef KG_VEC(char *) KgStrVec;

/** Where the JIT-compiled copy of a pattern goes the first time a match
 * needs it (NULL until then); see kg_jit_code. */
typedef _Atomic(pcre2_code *) KgJitSlot;

/** Normalised alternatives of one literal element (callouts check a
 * mention's surface against them). */
typedef KgStrVec KgLiteral;

typedef enum { KG_SLOT_ENTITY, KG_SLOT_LITERAL } KgSlotKind;

typedef struct {
  char *name; /* NULL for an anonymous slot */
  KgSlotKind kind;
  uint32_t types;   /* entity slots: accepted type bits */
  bool enumeration; /* {x:T+} */
  bool optional;
  int group; /* PCRE2 capture group number, or -1 */
  unsigned col, line;
} KgSlot;

typedef enum {
  KG_SCOPE_SENTENCE,
  KG_SCOPE_BETWEEN,
  KG_SCOPE_BEFORE,
  KG_SCOPE_AFTER
} KgScope;

typedef struct {
  bool negated; /* unless */
  KgScope scope;
  int slot_a, slot_b; /* slot indexes for the scopes */
  unsigned width;     /* before / after: code points */
  /* alternatives over the normalised text, and their JIT copy made on
   * first use; both owned by the rule set (KgRuleSet.guard_codes) */
  pcre2_code *code;
  KgJitSlot *jit;
  char *text; /* source text, for explain */
} KgGuard;

/** A compiled pattern shared by several users. */
typedef struct {
  char *re; /* the pattern text */
  pcre2_code *code;
  KgJitSlot *jit;
} KgSharedCode;

typedef enum { KG_ARG_SLOT, KG_ARG_ENTITY } KgArgKind;

typedef struct {
  KgArgKind kind;
  int index; /* slot index or gazetteer entity id */
} KgArg;

typedef enum {
  KG_QUAL_NONE,
  KG_QUAL_CONST,
  KG_QUAL_SLOT,
  KG_QUAL_VOCAB
} KgQualKind;

typedef struct {
  bool tag;      /* emit tag(...) */
  int predicate; /* ontology index (not for tags) */
  KgArg subject, object;
  KgQualKind qual;
  char *constant; /* KG_QUAL_CONST */
  int slot;       /* KG_QUAL_SLOT / KG_QUAL_VOCAB */
  int vocab;      /* KG_QUAL_VOCAB */
} KgEmit;

typedef struct {
  char *id;
  int priority;
  size_t index; /* definition order */
  const char *file;
  unsigned line;
  char *source;     /* the whole PCRE2 pattern */
  pcre2_code *code; /* compiled at load, not JIT-compiled: for pattern info */
  KgJitSlot *jit;   /* its JIT copy, made the first time a match needs it */
  KgStrVec frags;   /* one PCRE2 fragment per pattern element (explain) */
  KgStrVec descs;   /* the source text of each element (explain) */
  KG_VEC(KgSlot) slots;
  KG_VEC(KgLiteral) lits;
  KG_VEC(KgGuard) guards;
  KG_VEC(KgEmit) emits;
  KG_VEC(uint32_t) need; /* prefilter: each mask needs a type present */
  /* prefilter: for each required literal element (outside optional
   * parts), strings one of which the sentence must hold: per alternative
   * its longest piece without white space; an element of one alternative
   * gives one such group per word, for its three longest words */
  KG_VEC(KgStrVec) must;
} KgRule;

/* The literal prefilter of a whole rule set: every required piece of
 * every rule (KgRule.must) and of every `ref` goes into one automaton, so
 * one pass over a sentence tells which rules and references can match
 * there.  A "group" is one must entry of one rule (numbered over the
 * whole set); a rule is a candidate when all its groups have a piece in
 * the sentence. */
typedef struct {
  KgLitScan *scan;
  uint32_t *rule_first; /* n_lits + 1: CSR of the groups each piece meets */
  uint32_t *rule_group;
  uint32_t *group_rule; /* n_groups: the rule of each group */
  uint32_t n_groups;
  uint64_t *free_rules; /* bit set of rules with no must entry */
  uint32_t *ref_first;  /* n_lits + 1: CSR of the refs each piece meets */
  uint32_t *ref_index;
  bool *ref_free; /* per ref: no piece is sure to be there, always run */
  /* every rule's KgRule.need side by side (CSR, n_rules + 1): the type
   * test runs on most candidates, and reading it from each rule's own
   * struct and array missed the cache twice per rule */
  uint32_t *need_first;
  uint32_t *need_mask;
  uint32_t *n_must; /* per rule: its KgRule.must.len, for the same reason */
} KgLitIndex;

typedef struct {
  char *name;
  KgStrVec keys;   /* normalised surface forms */
  KgStrVec values; /* parallel: the value each maps to */
} KgVocab;

typedef struct {
  char *name;
  KgStrVec alts; /* normalised */
} KgSet;

typedef struct {
  int type;
  pcre2_code *code; /* the words, over the normalised sentence */
  KgStrVec must;    /* longest piece of each word; empty: no filter */
} KgRef;

typedef struct {
  char *id;
  int type;
  pcre2_code *code; /* over the normalised sentence; group "name" or 0 */
  int name_group;
} KgEntityRule;

typedef struct {
  int predicate;
  bool from_subject;
} KgQualify;

#define KG_SPARE_SCRATCH 64 /* more threads than this allocate their own */

/* JIT slots are handed out side by side from blocks of the rule set: the
 * matcher reads a candidate rule's slot on every sentence, and a slot
 * malloc'ed on its own missed the cache nearly every time. */
#define KG_SLOTS_PER_BLOCK 256
typedef struct KgSlotBlock {
  struct KgSlotBlock *next;
  size_t used;
  KgJitSlot slots[KG_SLOTS_PER_BLOCK];
} KgSlotBlock;

struct KgRuleSet {
  const KgOntology *onto;
  const KgGazetteer *gaz;
  const KgNormalizer *norm;
  KgStrVec files; /* display paths, owned; rules point into them */
  KG_VEC(KgRule) rules;
  KG_VEC(KgVocab) vocabs;
  KG_VEC(KgSet) sets;
  KG_VEC(KgRef) refs;
  KG_VEC(KgEntityRule) entities;
  KG_VEC(KgQualify) qualifies;
  KG_VEC(KgSharedCode) guard_codes; /* one per distinct guard pattern */
  /* `implied P`: one pseudo-rule each (id "implied.P", no pattern, one
   * emit giving P), indexed after the extraction rules */
  KG_VEC(KgRule) implied;
  KgLitIndex index;
  uint32_t max_pairs;     /* ovector pairs of the largest rule pattern */
  uint32_t max_aux_pairs; /* the same over refs and entity rules */
  /* tests: run rules and refs without the literal filter */
  bool no_literal_filter;
  KgSlotBlock *slot_blocks; /* the newest first */
  /* PCRE2 match state that documents hand on to later ones (matcher.c);
   * a thread takes one by emptying a slot */
  _Atomic(void *) spare[KG_SPARE_SCRATCH];
};

/** Free the match state kept in rs->spare (from kg_ruleset_free). */
void kg_match_spare_free(KgRuleSet *rs);

/** PCRE2 options every rule-engine pattern is compiled with. */
#define KG_PCRE2_OPTIONS                                                       \
  (PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS | PCRE2_DOTALL |                     \
   PCRE2_NEVER_BACKSLASH_C)

/** The JIT-compiled copy of code, made into *slot on first use (threads
 * racing here each compile one, the first published wins); NULL when out
 * of memory.  When the JIT is not available the copy is interpreted. */
pcre2_code *kg_jit_code(const pcre2_code *code, KgJitSlot *slot);

/** Build rs->index, rs->max_pairs and rs->max_aux_pairs from the loaded
 * rules and refs.  False when out of memory. */
bool kg_rule_index_build(KgRuleSet *rs);
/** Free what kg_rule_index_build made. */
void kg_rule_index_free(KgRuleSet *rs);

/** Free the strings of v and v itself (not the struct holding it). */
void kg_strvec_free(KgStrVec *v);
/** Free what a rule owns (not the rule struct). */
void kg_rule_free(KgRule *r);

/** The name of type index t (for messages and facts). */
const char *kg_rule_type_name(const KgRuleSet *rs, int t);

#endif
