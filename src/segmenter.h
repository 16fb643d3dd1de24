/*
 * segmenter.h — sentences of normalised text.
 *
 * A sentence ends at 。！？；!?; (after NFKC: 。 ! ? ;), at '.' followed by
 * white space or the end in Latin text (not after a known abbreviation), at
 * a blank line, and at a single newline unless the line was soft-wrapped
 * (Latin letter, digit or comma on both sides).  A closing quote or bracket
 * after the stop stays in the sentence.  Spans exclude surrounding space.
 */
#ifndef KG_SEGMENTER_H
#define KG_SEGMENTER_H

#include "kg.h"
#include "util.h"

#include <stddef.h>

typedef struct {
  size_t begin, end; /* byte offsets, end exclusive */
} KgSpan;

typedef KG_VEC(KgSpan) KgSpanVec;

/** Append the sentences of text[0..len) to out. */
KgStatus kg_segment(const char *text, size_t len, KgSpanVec *out);

#endif
