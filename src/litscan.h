/*
 * litscan.h — many byte strings found in one pass over a text (an
 * Aho-Corasick automaton).  The rule engine uses it to learn which
 * required literals a sentence holds, for every rule at once, instead of
 * searching each rule's literals in turn.
 *
 * Built once (add, then compile), then only read: one automaton may serve
 * several threads.
 */
#ifndef KG_LITSCAN_H
#define KG_LITSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct KgLitScan KgLitScan;

/** A new, empty automaton; NULL when out of memory. */
KgLitScan *kg_litscan_new(void);
void kg_litscan_free(KgLitScan *ls);

/** Add s[0, len) (len > 0) before kg_litscan_compile; *id receives its id
 * (ids count from 0; the same string always gets the same id).  False
 * when out of memory. */
bool kg_litscan_add(KgLitScan *ls, const char *s, size_t len, uint32_t *id);

/** Number of distinct strings added. */
uint32_t kg_litscan_count(const KgLitScan *ls);

/** Prepare for scanning; no add after this.  False when out of memory. */
bool kg_litscan_compile(KgLitScan *ls);

/**
 * The ids of the strings text[0, len) holds, each once: an id is written
 * to out (room for kg_litscan_count ids) when seen[id] != stamp, and
 * seen[id] becomes stamp.  Returns how many were written.  seen has
 * kg_litscan_count entries, owned by the caller (one per thread).
 */
size_t kg_litscan_find(const KgLitScan *ls, const char *text, size_t len,
                       uint32_t *seen, uint32_t stamp, uint32_t *out);

/** One text to scan: kg_litscan_find's arguments, and n, the number of
 * ids written so far (set it to 0). */
typedef struct {
  const char *text;
  size_t len;
  uint32_t *seen, stamp, *out;
  size_t n;
} KgLitJob;

/**
 * kg_litscan_find over two texts at once (b may be NULL): faster than two
 * calls, as the two scans overlap their waits on memory.  a and b must
 * not share a seen array.  Adds to a->n and b->n.
 */
void kg_litscan_find2(const KgLitScan *ls, KgLitJob *a, KgLitJob *b);

#endif
