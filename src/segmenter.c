/*
 * segmenter.c — cut normalised text into sentences.
 *
 * One left-to-right scan over bytes.  Every character that can end a
 * sentence is ASCII or starts with the lead byte 0xE3 or 0xEF, and those
 * never occur inside another UTF-8 sequence, so stepping byte by byte is
 * safe.  At each position is_break decides whether a sentence ends there:
 *
 *   - 。！？；!?; — always, except an ASCII one glued to a following
 *     letter, digit or - = & / (a URL query, "<!--"); the run of stops
 *     that follows (?!, 。。, ...) and closing quotes or brackets after it
 *     stay in the sentence;
 *   - '.' — when the dots, and closers after them, are followed by white
 *     space or the end, and a single dot does not close a known
 *     abbreviation (Mr, e.g, U.S, a single initial as in "J. Smith", and
 *     No only before a number);
 *   - '\n' — unless the line is soft-wrapped: a Latin letter, digit or
 *     comma before it and a Latin letter, digit or comma after it, or a
 *     comma before it and any text after it (a clause in a wrapped Chinese
 *     paragraph).  A blank line always ends the sentence.
 *
 * Sentence spans are trimmed of white space and empty ones are dropped.  A
 * long text without any stop stays one sentence: bounding the cost of long
 * sentences is the matcher's job.
 */
#include "segmenter.h"

#include <stdbool.h>
#include <string.h>

typedef const unsigned char *Bytes;

/* Length of the horizontal or vertical white space character at s[i]. */
static size_t space_len(Bytes s, size_t len, size_t i) {
  unsigned char c = s[i];
  if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f')
    return 1;
  if (c == 0xC2 && i + 1 < len && s[i + 1] == 0xA0)
    return 2; /* no-break space, in text that was not normalised */
  if (c == 0xE3 && i + 2 < len && s[i + 1] == 0x80 && s[i + 2] == 0x80)
    return 3; /* ideographic space, likewise */
  return 0;
}

/* Is there a three-byte character b0 b1 b2 at s[i]? */
static bool has3(Bytes s, size_t len, size_t i, unsigned b0, unsigned b1,
                 unsigned b2) {
  return i + 2 < len && s[i] == b0 && s[i + 1] == b1 && s[i + 2] == b2;
}

/* Does s[i] continue a URL or markup token ("?id=1", "<!--")? */
static bool glued(Bytes s, size_t len, size_t i) {
  if (i >= len)
    return false;
  unsigned char c = s[i];
  return ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '=' || c == '&' || c == '/';
}

/* Length of the stop at s[i] (not counting '.'), 0 if none. */
static size_t stop_len(Bytes s, size_t len, size_t i) {
  unsigned char c = s[i];
  if (c == '!' || c == '?' || c == ';')
    return glued(s, len, i + 1) ? 0 : 1;
  if (has3(s, len, i, 0xE3, 0x80, 0x82)) /* 。 */
    return 3;
  if (c == 0xEF && i + 2 < len && s[i + 1] == 0xBC &&
      (s[i + 2] == 0x81 || s[i + 2] == 0x9F || s[i + 2] == 0x9B))
    return 3; /* ！ ？ ； */
  return 0;
}

/* Length of the closing quote or bracket at s[i], 0 if none. */
static size_t closer_len(Bytes s, size_t len, size_t i) {
  static const unsigned char closers[][3] = {
      {0xE2, 0x80, 0x9D}, /* ” */
      {0xE2, 0x80, 0x99}, /* ’ */
      {0xE3, 0x80, 0x8D}, /* 」 */
      {0xE3, 0x80, 0x8F}, /* 』 */
      {0xE3, 0x80, 0x91}, /* 】 */
      {0xE3, 0x80, 0x8B}, /* 》 */
      {0xE3, 0x80, 0x89}, /* 〉 */
      {0xEF, 0xBC, 0x89}, /* ） */
  };
  unsigned char c = s[i];
  if (c == '"' || c == '\'' || c == ')' || c == ']')
    return 1;
  for (size_t k = 0; k < sizeof closers / sizeof *closers; k++)
    if (has3(s, len, i, closers[k][0], closers[k][1], closers[k][2]))
      return 3;
  return 0;
}

/* The end of the run of stops (dots included) and closers starting at i. */
static size_t after_run(Bytes s, size_t len, size_t i) {
  for (;;) {
    size_t k = i < len ? stop_len(s, len, i) : 0;
    if (k)
      i += k;
    else if (i < len && s[i] == '.')
      i++;
    else
      break;
  }
  for (size_t k; i < len && (k = closer_len(s, len, i)) != 0;)
    i += k;
  return i;
}

static bool is_alpha(unsigned char c) {
  return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

static bool is_digit(unsigned char c) {
  return c >= '0' && c <= '9';
}

/* Does the next non-space text after i start with a digit? */
static bool digit_follows(Bytes s, size_t len, size_t i) {
  while (i < len && (s[i] == ' ' || s[i] == '\t'))
    i++;
  return i < len && is_digit(s[i]);
}

/*
 * Does the dot at s[dot] close an abbreviation?  The word before it is the
 * run of ASCII letters and inner dots ("e.g", "u.s").  To add one: append
 * it, in lower case, to the table.
 */
static bool is_abbreviation(Bytes s, size_t len, size_t dot) {
  static const char *const words[] = {"mr",  "mrs",  "dr", "prof", "inc", "ltd",
                                      "co",  "corp", "vs", "etc",  "e.g", "i.e",
                                      "u.s", "st",   "jr", "no"};
  size_t b = dot;
  while (b > 0 && (is_alpha(s[b - 1]) || s[b - 1] == '.') && dot - b < 8)
    b--;
  while (b < dot && s[b] == '.')
    b++;
  if (b == dot || (b > 0 && (is_alpha(s[b - 1]) || is_digit(s[b - 1]))))
    return false;
  size_t n = dot - b;
  if (n == 1 && is_alpha(s[b]))
    return true; /* an initial: "J. Smith" */
  for (size_t k = 0; k < sizeof words / sizeof *words; k++) {
    if (strlen(words[k]) != n)
      continue;
    size_t j = 0;
    while (j < n && (s[b + j] | (is_alpha(s[b + j]) ? 0x20 : 0)) ==
                        (unsigned char)words[k][j])
      j++;
    if (j == n)
      return strcmp(words[k], "no") != 0 || digit_follows(s, len, dot + 1);
  }
  return false;
}

/* The dots starting at s[i]: a break when white space or the end follows
 * them (and their closers); *end is set past them. */
static bool dot_break(Bytes s, size_t len, size_t i, size_t *end) {
  *end = after_run(s, len, i);
  if (*end < len && !space_len(s, len, *end))
    return false;
  bool single = i + 1 == len || s[i + 1] != '.';
  if (single && i > 0 && is_digit(s[i - 1]) && i + 1 < len &&
      is_digit(s[i + 1]))
    return false;
  return !(single && is_abbreviation(s, len, i));
}

/* Kinds of character on either side of a newline, for soft wraps. */
enum { W_OTHER, W_WORD, W_COMMA, W_NEWLINE };

/* Classify the character at s[i] (i < len; i is a lead byte). */
static int wrap_class(Bytes s, size_t len, size_t i) {
  unsigned char c = s[i];
  if (c == '\n')
    return W_NEWLINE;
  if (c == ',')
    return W_COMMA;
  if (is_alpha(c) || is_digit(c))
    return W_WORD;
  /* U+00C0–U+024F: accented Latin letters (× and ÷ aside). */
  if (c >= 0xC3 && c <= 0xC9 && i + 1 < len &&
      !(c == 0xC3 && (s[i + 1] == 0x97 || s[i + 1] == 0xB7)))
    return W_WORD;
  return W_OTHER;
}

/* Is the newline at s[i] a soft wrap inside a sentence? */
static bool soft_wrap(Bytes s, size_t len, size_t i) {
  size_t a = i + 1, b = i;
  while (a < len && s[a] != '\n' && space_len(s, len, a))
    a += space_len(s, len, a);
  while (b > 0 && (s[b - 1] == ' ' || s[b - 1] == '\t' || s[b - 1] == '\r'))
    b--;
  if (a >= len || b == 0)
    return false;
  while (b > 1 && (s[b - 1] & 0xC0) == 0x80)
    b--; /* to the lead byte of the character before the newline */
  int before = wrap_class(s, len, b - 1), after = wrap_class(s, len, a);
  if (after == W_NEWLINE)
    return false;
  if (before == W_COMMA)
    return true;
  return before == W_WORD && (after == W_WORD || after == W_COMMA);
}

/* Does a sentence end at s[i]?  If so *end is where it ends. */
static bool is_break(Bytes s, size_t len, size_t i, size_t *end) {
  unsigned char c = s[i];
  if (c == '\n') {
    *end = i + 1;
    return !soft_wrap(s, len, i);
  }
  if (c == '.')
    return dot_break(s, len, i, end);
  if (!stop_len(s, len, i))
    return false;
  *end = after_run(s, len, i);
  return true;
}

/* Append [b, e) less its surrounding white space, unless empty. */
static bool push_trimmed(Bytes s, size_t len, size_t b, size_t e,
                         KgSpanVec *out) {
  size_t k;
  while (b < e && (k = space_len(s, len, b)) != 0)
    b += k;
  for (bool trimmed = true; trimmed && e > b;) {
    trimmed = false;
    if (space_len(s, len, e - 1) == 1)
      e--, trimmed = true;
    else if (e - b >= 2 && space_len(s, len, e - 2) == 2)
      e -= 2, trimmed = true;
    else if (e - b >= 3 && space_len(s, len, e - 3) == 3)
      e -= 3, trimmed = true;
  }
  if (b == e)
    return true;
  return kg_vec_push(out, ((KgSpan){b, e}));
}

/* The bytes a break can be decided at: a newline, an ASCII stop, or the
 * lead byte of 。！？；.  Every other byte is skipped without a look at
 * its neighbours. */
static const bool may_break[256] = {
    ['\n'] = true, ['.'] = true,  ['!'] = true,  ['?'] = true,
    [';'] = true,  [0xE3] = true, [0xEF] = true,
};

KgStatus kg_segment(const char *text, size_t len, KgSpanVec *out) {
  Bytes s = (Bytes)text;
  size_t start = 0, i = 0, end;
  if (!text && len)
    return KG_ERR_BAD_ARG;
  while (i < len) {
    if (!may_break[s[i]]) {
      i++;
      continue;
    }
    if (!is_break(s, len, i, &end)) {
      i++;
      continue;
    }
    if (!push_trimmed(s, len, start, end, out))
      return KG_ERR_NOMEM;
    start = i = end;
  }
  if (!push_trimmed(s, len, start, len, out))
    return KG_ERR_NOMEM;
  return KG_SUCCESS;
}
