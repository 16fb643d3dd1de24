/*
 * rule_parser.c — *.rules files (docs/rules.md) to a compiled KgRuleSet.
 *
 * A hand-written lexer feeds a recursive-descent parser whose functions are
 * named after the productions (parse_rule, parse_element, parse_guard...).
 * The language is line-oriented: a statement starts with a keyword at the
 * start of a line and runs over indented continuation lines, so after an
 * error the parser skips to the next unindented line and goes on: every
 * error is reported through on_msg, err keeps the first.
 *
 * Each rule compiles to one PCRE2 pattern over the "sentence image" (the
 * sentence with every mention replaced by one private-use code point that
 * encodes its type, see rule.h).  A slot is a character class over the
 * type ranges, an enumeration slot a list of such characters joined by
 * separators, literal text is normalised like document text and escaped.
 * A literal may also meet a mention whose surface is that literal (开源
 * may be a Stance entity as well as a licence word): each literal carries
 * a branch `[mention](?C"Ln")` whose callout the matcher lets pass only
 * when the mention's surface is one of the literal's alternatives (the
 * class comes first so the callout runs only on mention characters).  Literals
 * outside optional parts are also kept as plain strings for the matcher's
 * prefilter (rule.h: KgRule.must).  `<<n-m>>` is a gap over characters
 * that are not mentions; `implied P` makes a pattern-less pseudo-rule.
 */
#include "rule.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- lexer */

typedef enum {
  T_EOF,
  T_WORD,
  T_STRING,
  T_REGEX,
  T_GAP,
  T_LBRACE,
  T_RBRACE,
  T_LBRACK,
  T_RBRACK,
  T_LPAREN,
  T_RPAREN,
  T_PIPE,
  T_AT,
  T_QMARK,
  T_EQ,
  T_COLON,
  T_COMMA,
  T_PLUS,
  T_ARROW,
  T_ERROR
} TokKind;

typedef struct {
  TokKind kind;
  size_t off, len; /* raw span in the source */
  bool bol;        /* first token of its line */
  bool indented;   /* its line starts with white space */
  char *val;       /* words, strings, regexes, gaps: the value */
} Token;

/* What is shared by every file of one load: include stack, errors. */
typedef struct {
  KgRuleSet *rs;
  KgMessageFunc on_msg;
  void *ctx;
  KgError *err;
  size_t n_errors;
  KgStrVec stack;  /* real paths of the files being read */
  KgStrVec loaded; /* real paths already read */
  bool nomem;
  /* rule ids, open addressing: rule index + 1 per slot, 0 when empty (the
   * duplicate check costs the same for the 1,000th rule as the first) */
  uint32_t *ids;
  size_t ids_cap; /* a power of two */
} Loader;

typedef struct {
  Loader *ld;
  const char *path; /* display path (owned by rs->files) */
  const char *text;
  size_t len;
  size_t pos;
  size_t prev_end; /* end of the previous token */
  int brackets;    /* inside [...], '#' is no comment */
  Token tok;
  size_t line_off; /* line_at's cursor: line_no is the line of line_off */
  unsigned line_no;
} Parser;

static const char SPECIAL[] = "{}[]()|@?=:,+\"/<#";

static bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* ------------------------------------------------------------- errors */

/* Line (1-based), column (code points, 1-based) and line start of off. */
static void locate(const char *text, size_t off, unsigned *line, unsigned *col,
                   size_t *bol) {
  unsigned l = 1;
  size_t b = 0;
  for (size_t i = 0; i < off; i++)
    if (text[i] == '\n')
      l++, b = i + 1;
  *line = l;
  *col = (unsigned)kg_utf8_count(text + b, off - b) + 1;
  *bol = b;
}

/* The line (1-based) of off.  Statements come in file order, so counting
 * goes on from the last answer instead of from the start of the file
 * (which made loading quadratic in the file size). */
static unsigned line_at(Parser *p, size_t off) {
  if (off < p->line_off || p->line_no == 0) {
    p->line_off = 0;
    p->line_no = 1;
  }
  for (size_t i = p->line_off; i < off; i++)
    p->line_no += p->text[i] == '\n';
  p->line_off = off;
  return p->line_no;
}

static void report(Loader *ld, KgError *e) {
  if (e->severity == KG_MSG_ERROR) {
    if (ld->n_errors++ == 0 && ld->err)
      *ld->err = *e;
  }
  if (ld->on_msg)
    ld->on_msg(ld->ctx, e);
}

static void verr_at(Parser *p, size_t off, const char *fmt, va_list ap) {
  KgError e;
  unsigned line, col;
  size_t b;
  if (off > p->len)
    off = p->len;
  locate(p->text, off, &line, &col, &b);
  kg_error_vset(&e, KG_ERR_SYNTAX, p->path, line, col, fmt, ap);
  kg_error_context(&e, p->text, p->len, off);
  report(p->ld, &e);
}

/* Report an error at byte offset off of the current file.  Returns false
 * so parse functions can `return err_at(...)`. */
__attribute__((format(printf, 3, 4))) static bool err_at(Parser *p, size_t off,
                                                         const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  verr_at(p, off, fmt, ap);
  va_end(ap);
  return false;
}

static bool nomem(Parser *p) {
  p->ld->nomem = true;
  return err_at(p, p->tok.off, "out of memory");
}

/* ---------------------------------------------------------- tokens */

static void skip_blank(Parser *p, bool *newline) {
  while (p->pos < p->len) {
    char c = p->text[p->pos];
    if (c == '\n')
      *newline = true;
    if (is_space(c)) {
      p->pos++;
    } else if (c == '#' && p->brackets == 0) {
      while (p->pos < p->len && p->text[p->pos] != '\n')
        p->pos++;
    } else {
      break;
    }
  }
}

static void to_line_end(Parser *p) {
  while (p->pos < p->len && p->text[p->pos] != '\n')
    p->pos++;
}

/* Read up to the closing delimiter on the same line ("..." or /.../);
 * backslash escapes the delimiter.  Strings drop their escapes. */
static bool lex_delimited(Parser *p, char close, bool unescape) {
  KgBuf b = {0};
  size_t i = p->pos + 1;
  while (i < p->len && p->text[i] != '\n' && p->text[i] != close) {
    if (p->text[i] == '\\' && i + 1 < p->len && p->text[i + 1] != '\n') {
      if (!unescape)
        kg_buf_putc(&b, '\\');
      i++;
    }
    kg_buf_putc(&b, p->text[i++]);
  }
  if (i >= p->len || p->text[i] != close) {
    kg_buf_free(&b);
    return false;
  }
  p->tok.val = kg_buf_take(&b, NULL); /* NULL: out of memory, see lex */
  p->pos = i + 1;
  return true;
}

/* <n-m> or <<n-m>>; the value keeps the inner '<' of the second form so
 * parse_gap can tell them apart. */
static bool lex_gap(Parser *p) {
  size_t i = p->pos + 1;
  bool twin = i < p->len && p->text[i] == '<';
  while (i < p->len && p->text[i] != '\n' && p->text[i] != '>')
    i++;
  if (i >= p->len || p->text[i] != '>' ||
      (twin && (i + 1 >= p->len || p->text[i + 1] != '>')))
    return false;
  p->tok.val = kg_strndup(p->text + p->pos + 1, i - p->pos - 1);
  p->pos = i + 1 + twin;
  return true;
}

static void lex_word(Parser *p) {
  size_t i = p->pos;
  while (i < p->len && !is_space(p->text[i]) && !strchr(SPECIAL, p->text[i]) &&
         p->text[i] != '\0' &&
         !(p->text[i] == '-' && i + 1 < p->len && p->text[i + 1] == '>'))
    i++;
  if (i == p->pos)
    i++; /* a stray byte such as '>' is a one-byte word */
  p->tok.kind = T_WORD;
  p->tok.val = kg_strndup(p->text + p->pos, i - p->pos);
  p->pos = i;
}

static TokKind punct_kind(char c) {
  static const char chars[] = "{}[]()|@?=:,+";
  static const TokKind kinds[] = {
      T_LBRACE, T_RBRACE, T_LBRACK, T_RBRACK, T_LPAREN, T_RPAREN, T_PIPE,
      T_AT,     T_QMARK,  T_EQ,     T_COLON,  T_COMMA,  T_PLUS};
  const char *at = strchr(chars, c);
  return at && c ? kinds[at - chars] : T_EOF;
}

/* Read the next token into p->tok.  Lexical errors are reported here and
 * give T_ERROR; the rest of that line is skipped. */
static void lex(Parser *p) {
  kg_free(p->tok.val);
  p->prev_end = p->tok.off + p->tok.len;
  bool newline = p->pos == 0;
  skip_blank(p, &newline);
  Token *t = &p->tok;
  memset(t, 0, sizeof *t);
  t->off = p->pos;
  t->bol = newline;
  t->indented = newline && p->pos > 0 && p->text[p->pos - 1] != '\n';
  if (p->pos >= p->len) {
    t->kind = T_EOF;
    return;
  }
  char c = p->text[p->pos];
  TokKind k = punct_kind(c);
  bool ok = true;
  if (k != T_EOF) {
    t->kind = k;
    p->pos++;
    p->brackets += k == T_LBRACK ? 1 : k == T_RBRACK && p->brackets ? -1 : 0;
  } else if (c == '-' && p->pos + 1 < p->len && p->text[p->pos + 1] == '>') {
    t->kind = T_ARROW;
    p->pos += 2;
  } else if (c == '"') {
    t->kind = T_STRING;
    if (!(ok = lex_delimited(p, '"', true)))
      err_at(p, t->off, "unterminated string");
  } else if (c == '/') {
    t->kind = T_REGEX;
    if (!(ok = lex_delimited(p, '/', false)))
      err_at(p, t->off, "unterminated /regex/");
  } else if (c == '<') {
    t->kind = T_GAP;
    if (!(ok = lex_gap(p)))
      err_at(p, t->off, "unterminated gap: expected '%s'",
             p->pos + 1 < p->len && p->text[p->pos + 1] == '<' ? ">>" : ">");
  } else {
    lex_word(p);
  }
  if (!ok) {
    t->kind = T_ERROR;
    to_line_end(p);
  }
  if (t->kind >= T_WORD && t->kind <= T_GAP && !t->val) {
    p->ld->nomem = true; /* out of memory: stop reading */
    t->kind = T_EOF;
  }
  t->len = p->pos - t->off;
}

/* A statement starts with an unindented first token of a line. */
static bool in_stmt(const Parser *p) {
  return p->tok.kind != T_EOF && !(p->tok.bol && !p->tok.indented);
}

static bool is_word(const Parser *p, const char *w) {
  return p->tok.kind == T_WORD && strcmp(p->tok.val, w) == 0;
}

static const char *tok_desc(const Parser *p, char *buf, size_t n) {
  if (!in_stmt(p))
    return "end of statement";
  if (p->tok.kind == T_WORD)
    snprintf(buf, n, "'%.60s'", p->tok.val);
  else if (p->tok.kind == T_STRING)
    snprintf(buf, n, "string \"%.60s\"", p->tok.val);
  else if (p->tok.kind == T_REGEX)
    return "a /regex/";
  else if (p->tok.kind == T_GAP)
    return "a gap";
  else
    snprintf(buf, n, "'%.*s'", (int)p->tok.len, p->text + p->tok.off);
  return buf;
}

/* Error "expected WHAT, found ..." at the current token, or just after the
 * previous one when the statement ended. */
static bool expected(Parser *p, const char *what) {
  char buf[96];
  size_t at = in_stmt(p) ? p->tok.off : p->prev_end;
  return err_at(p, at, "expected %s, found %s", what,
                tok_desc(p, buf, sizeof buf));
}

static bool accept(Parser *p, TokKind k) {
  if (!in_stmt(p) || p->tok.kind != k)
    return false;
  lex(p);
  return true;
}

static bool expect(Parser *p, TokKind k, const char *what) {
  return accept(p, k) || (p->tok.kind != T_ERROR && expected(p, what));
}

/* Take the current word's value (the caller owns it) and advance. */
static char *take_word(Parser *p, const char *what, size_t *off) {
  if (!in_stmt(p) || p->tok.kind != T_WORD) {
    if (p->tok.kind != T_ERROR)
      expected(p, what);
    return NULL;
  }
  char *v = p->tok.val;
  if (off)
    *off = p->tok.off;
  p->tok.val = NULL;
  lex(p);
  return v;
}

static void skip_statement(Parser *p) {
  while (in_stmt(p))
    lex(p);
}

/* ------------------------------------------------------- alternatives */

/* One alternative as written: words / strings, or one @set. */
typedef struct {
  int kind; /* 0 word, 1 string, 2 set */
  char *text;
  size_t off;
} Item;
typedef KG_VEC(Item) ItemVec;
typedef KG_VEC(ItemVec) AltVec;

static void items_free(ItemVec *v) {
  for (size_t i = 0; i < v->len; i++)
    kg_free(v->items[i].text);
  kg_vec_free(v);
}

static void alts_free(AltVec *a) {
  for (size_t i = 0; i < a->len; i++)
    items_free(&a->items[i]);
  kg_vec_free(a);
}

void kg_strvec_free(KgStrVec *v) {
  for (size_t i = 0; i < v->len; i++)
    kg_free(v->items[i]);
  kg_vec_free(v);
}

typedef bool (*StopFunc)(const Parser *p);

static bool parse_item(Parser *p, ItemVec *alt) {
  Item it = {0, NULL, p->tok.off};
  if (p->tok.kind == T_AT) {
    lex(p);
    it.kind = 2;
    if (!(it.text = take_word(p, "a set name after '@'", NULL)))
      return false;
  } else if (p->tok.kind == T_WORD || p->tok.kind == T_STRING) {
    it.kind = p->tok.kind == T_STRING;
    it.text = p->tok.val;
    p->tok.val = NULL;
    lex(p);
  } else {
    return p->tok.kind != T_ERROR && expected(p, "a word, a string or @set");
  }
  if (!kg_vec_push(alt, it)) {
    kg_free(it.text);
    return nomem(p);
  }
  return true;
}

/* alternatives := alternative ('|' alternative)* ; alternative := item+ */
static bool parse_alternatives(Parser *p, AltVec *out, StopFunc stop) {
  for (;;) {
    ItemVec alt = {0};
    while (in_stmt(p) && !stop(p) && p->tok.kind != T_PIPE)
      if (!parse_item(p, &alt)) {
        items_free(&alt);
        return false;
      }
    if (alt.len == 0)
      return expected(p, "an alternative");
    if (!kg_vec_push(out, alt)) {
      items_free(&alt);
      return nomem(p);
    }
    if (!accept(p, T_PIPE))
      return true;
  }
}

static KgSet *find_set(const KgRuleSet *rs, const char *name) {
  for (size_t i = 0; i < rs->sets.len; i++)
    if (strcmp(rs->sets.items[i].name, name) == 0)
      return &rs->sets.items[i];
  return NULL;
}

static bool push_normal(Parser *p, KgStrVec *out, const char *s) {
  char *n = kg_normalize_key(p->ld->rs->norm, s, strlen(s));
  if (!n)
    return nomem(p);
  if (!*n) {
    kg_free(n);
    return true;
  }
  if (!kg_vec_push(out, n)) {
    kg_free(n);
    return nomem(p);
  }
  return true;
}

/* Normalised strings of the alternatives, sets expanded. */
static bool resolve_alternatives(Parser *p, const AltVec *alts, KgStrVec *out) {
  for (size_t i = 0; i < alts->len; i++) {
    const ItemVec *a = &alts->items[i];
    const Item *set_item = NULL;
    for (size_t k = 0; k < a->len && !set_item; k++)
      if (a->items[k].kind == 2)
        set_item = &a->items[k];
    if (set_item) {
      if (a->len > 1)
        return err_at(p, set_item->off, "a set reference must stand alone");
      const KgSet *s = find_set(p->ld->rs, set_item->text);
      if (!s)
        return err_at(p, set_item->off, "unknown set '@%s'", set_item->text);
      for (size_t k = 0; k < s->alts.len; k++)
        if (!push_normal(p, out, s->alts.items[k]))
          return false;
      continue;
    }
    KgBuf b = {0};
    for (size_t k = 0; k < a->len; k++) {
      if (k)
        kg_buf_putc(&b, ' ');
      kg_buf_puts(&b, a->items[k].text);
    }
    bool ok = !b.failed && push_normal(p, out, b.data ? b.data : "");
    kg_buf_free(&b);
    if (!ok)
      return p->ld->nomem ? false : nomem(p);
  }
  return true;
}

/* ------------------------------------------------------ regex pieces */

static bool is_alnum_ascii(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9');
}

/* Literal text as PCRE2: ASCII punctuation escaped, white space runs
 * matched by \s+, Latin edges guarded so "not" is not found in "nothing". */
static void put_literal(KgBuf *b, const char *s) {
  size_t n = strlen(s);
  if (n && is_alnum_ascii((unsigned char)s[0]))
    kg_buf_puts(b, "(?<![a-z0-9])");
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (is_space((char)c)) {
      while (i + 1 < n && is_space(s[i + 1]))
        i++;
      kg_buf_puts(b, "\\s+");
    } else if (c < 0x80 && !is_alnum_ascii(c)) {
      kg_buf_putc(b, '\\');
      kg_buf_putc(b, (char)c);
    } else {
      kg_buf_putc(b, (char)c);
    }
  }
  if (n && is_alnum_ascii((unsigned char)s[n - 1]))
    kg_buf_puts(b, "(?![a-z0-9])");
}

static int cmp_longer_first(const void *x, const void *y) {
  size_t a = strlen(*(char *const *)x), b = strlen(*(char *const *)y);
  return a < b ? 1 : a > b ? -1 : 0;
}

/* (?:alt|alt|...) longest first; callout >= 0 adds the mention branch. */
static void put_alternatives(KgBuf *b, KgStrVec *alts, int callout) {
  qsort(alts->items, alts->len, sizeof *alts->items, cmp_longer_first);
  kg_buf_puts(b, "(?:");
  for (size_t i = 0; i < alts->len; i++) {
    if (i)
      kg_buf_putc(b, '|');
    put_literal(b, alts->items[i]);
  }
  if (callout >= 0)
    kg_buf_printf(b, "|(?-i)[\\x{%X}-\\x{10FFFF}](?C\"L%d\")", KG_MENTION_BASE,
                  callout);
  kg_buf_putc(b, ')');
}

/* Compile re; on error report the PCRE2 message at its column.  src_off
 * is where re starts in the source file.  jit: JIT-compile it now (refs
 * and entity rules, which run on every sentence); rules and guards get
 * their JIT copy on first use (kg_jit_code), so a rule no sentence
 * reaches costs no JIT compilation. */
static pcre2_code *compile_regex(Parser *p, const char *re, size_t src_off,
                                 bool user, bool jit) {
  int code;
  PCRE2_SIZE at;
  pcre2_code *c = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED,
                                KG_PCRE2_OPTIONS, &code, &at, NULL);
  if (!c) {
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(code, msg, sizeof msg);
    err_at(p, user ? src_off + at : src_off, "bad regex: %s", (char *)msg);
    return NULL;
  }
  if (jit)
    pcre2_jit_compile(c, PCRE2_JIT_COMPLETE); /* interpreter if no JIT */
  return c;
}

/* A new, empty JIT slot from the rule set's blocks; NULL when out of
 * memory. */
static KgJitSlot *new_slot(Parser *p) {
  KgRuleSet *rs = p->ld->rs;
  KgSlotBlock *b = rs->slot_blocks;
  if (!b || b->used == KG_SLOTS_PER_BLOCK) {
    if (!(b = kg_malloc(sizeof *b))) {
      nomem(p);
      return NULL;
    }
    b->next = rs->slot_blocks;
    b->used = 0;
    rs->slot_blocks = b;
  }
  KgJitSlot *s = &b->slots[b->used++];
  atomic_init(s, NULL);
  return s;
}

/* Free the slot's code (its memory goes with the rule set's blocks). */
static void free_slot(KgJitSlot *s) {
  if (s)
    pcre2_code_free(atomic_exchange(s, NULL));
}

/* A regex embedded in a rule may not name groups: those names belong to
 * the generated slots. */
static bool check_no_names(Parser *p, const char *re, size_t src_off) {
  for (const char *s = re; (s = strstr(s, "(?")) != NULL; s++) {
    if (s > re && s[-1] == '\\')
      continue;
    const char *n = s + 2;
    if (*n == 'P')
      n++;
    if ((*n == '<' && n[1] != '=' && n[1] != '!') || *n == '\'')
      return err_at(p, src_off + (size_t)(s - re),
                    "named groups are not allowed in a pattern regex "
                    "(use [name: /regex/])");
  }
  return true;
}

/* ------------------------------------------------------------- rules */

typedef struct {
  Parser *p;
  KgRule *r;
  KgBuf frag; /* the element being built */
} RuleCtx;

static int find_slot(const KgRule *r, const char *name) {
  for (size_t i = 0; i < r->slots.len; i++)
    if (r->slots.items[i].name && strcmp(r->slots.items[i].name, name) == 0)
      return (int)i;
  return -1;
}

/* types := type ('|' type)*  into a bit set; first is an already read
 * type name (owned) or NULL. */
static bool parse_types(Parser *p, char *first, size_t first_off,
                        uint32_t *types) {
  for (;;) {
    size_t off = first_off;
    char *name = first;
    first = NULL;
    if (!name && !(name = take_word(p, "a type name", &off)))
      return false;
    int t = kg_ontology_type(p->ld->rs->onto, name);
    if (t < 0 || t >= (int)KG_MAX_TYPES) {
      err_at(p, off, "unknown type '%s' (not a class of the ontology)", name);
      kg_free(name);
      return false;
    }
    kg_free(name);
    *types |= 1u << t;
    if (!accept(p, T_PIPE))
      return true;
  }
}

/* The mention characters of the given types.  Caseless matching is off
 * for the class: these code points have no case, and a caseless class of
 * a large range costs PCRE2 milliseconds to compile. */
static void put_type_class(KgBuf *b, uint32_t types) {
  kg_buf_puts(b, "(?-i)[");
  for (unsigned t = 0; t < KG_MAX_TYPES; t++)
    if (types & (1u << t))
      kg_buf_printf(b, "\\x{%X}-\\x{%X}", KG_MENTION_BASE + t * KG_MENTION_SPAN,
                    KG_MENTION_BASE + t * KG_MENTION_SPAN + KG_MENTION_SPAN -
                        1);
  kg_buf_puts(b, "](?i)");
}

static bool add_slot(RuleCtx *c, char *name, size_t off, KgSlot *s) {
  Parser *p = c->p;
  if (name && find_slot(c->r, name) >= 0) {
    err_at(p, off, "duplicate slot name '%s'", name);
    kg_free(name);
    return false;
  }
  s->name = name;
  s->group = -1;
  if (!kg_vec_push(&c->r->slots, *s)) {
    kg_free(name);
    return nomem(p);
  }
  return true;
}

/* slot := '{' [name ':'] type ('|' type)* ['+'] '}' */
static bool parse_slot(RuleCtx *c) {
  Parser *p = c->p;
  lex(p);
  size_t off = p->tok.off;
  char *name = NULL, *first = NULL;
  if (in_stmt(p) && p->tok.kind == T_WORD) {
    first = p->tok.val;
    p->tok.val = NULL;
    lex(p);
    if (accept(p, T_COLON))
      name = first, first = NULL;
  }
  KgSlot s = {0};
  bool ok = parse_types(p, first, off, &s.types);
  if (ok && in_stmt(p) && p->tok.kind == T_PLUS) {
    s.enumeration = true;
    lex(p);
  }
  ok = ok && expect(p, T_RBRACE, "'}' to close the slot");
  if (!ok) {
    kg_free(name);
    return false;
  }
  KgBuf m = {0};
  put_type_class(&m, s.types);
  if (m.failed) {
    kg_buf_free(&m);
    kg_free(name);
    return nomem(p);
  }
  size_t idx = c->r->slots.len;
  if (name)
    kg_buf_printf(&c->frag, "(?<s%zu>", idx);
  else
    kg_buf_puts(&c->frag, "(?:");
  kg_buf_puts(&c->frag, m.data);
  if (s.enumeration)
    kg_buf_printf(&c->frag,
                  "(?:\\s*(?:,\\s*and|、|,|和|与|以及|及|and|&|/)\\s*%s)*",
                  m.data);
  kg_buf_putc(&c->frag, ')');
  kg_buf_free(&m);
  if (!name)
    return true;
  return add_slot(c, name, off, &s);
}

static bool add_literal(RuleCtx *c, KgStrVec *alts) {
  int n = (int)c->r->lits.len;
  put_alternatives(&c->frag, alts, n);
  if (!kg_vec_push(&c->r->lits, *alts)) {
    kg_strvec_free(alts);
    return nomem(c->p);
  }
  return true;
}

static bool stop_rparen(const Parser *p) {
  return p->tok.kind == T_RPAREN;
}

static bool stop_rbrack(const Parser *p) {
  return p->tok.kind == T_RBRACK;
}

/* Alternatives up to stop, resolved, as one literal element. */
static bool parse_literal_alts(RuleCtx *c, StopFunc stop) {
  AltVec alts = {0};
  KgStrVec v = {0};
  bool ok = parse_alternatives(c->p, &alts, stop) &&
            resolve_alternatives(c->p, &alts, &v);
  alts_free(&alts);
  if (ok && v.len == 0)
    ok = err_at(c->p, c->p->tok.off, "the alternatives are all empty");
  if (!ok) {
    kg_strvec_free(&v);
    return false;
  }
  return add_literal(c, &v);
}

static bool parse_user_regex(RuleCtx *c) {
  Parser *p = c->p;
  size_t off = p->tok.off + 1;
  pcre2_code *re = compile_regex(p, p->tok.val, off, true, false);
  if (!re)
    return false;
  pcre2_code_free(re);
  if (!check_no_names(p, p->tok.val, off))
    return false;
  kg_buf_printf(&c->frag, "(?:%s)", p->tok.val);
  lex(p);
  return true;
}

/* literal_slot := '[' name ':' (alternatives | /regex/) ']' */
static bool parse_literal_slot(RuleCtx *c) {
  Parser *p = c->p;
  lex(p);
  size_t off;
  char *name = take_word(p, "a slot name", &off);
  if (!name)
    return false;
  if (!expect(p, T_COLON, "':' after the slot name")) {
    kg_free(name);
    return false;
  }
  kg_buf_printf(&c->frag, "(?<s%zu>", c->r->slots.len);
  bool ok = p->tok.kind == T_REGEX ? parse_user_regex(c)
                                   : parse_literal_alts(c, stop_rbrack);
  ok = ok && expect(p, T_RBRACK, "']' to close the literal slot");
  kg_buf_putc(&c->frag, ')');
  KgSlot s = {.kind = KG_SLOT_LITERAL};
  if (!ok) {
    kg_free(name);
    return false;
  }
  return add_slot(c, name, off, &s);
}

/* gap := '<' n '-' m '>' | '<<' n '-' m '>>'  (the second never crosses
 * a mention) */
static bool parse_gap(RuleCtx *c) {
  Parser *p = c->p;
  bool plain = p->tok.val[0] != '<';
  const char *g = p->tok.val + !plain, *open = plain ? "<" : "<<",
             *close = plain ? ">" : ">>";
  char *end;
  unsigned long lo = strtoul(g, &end, 10), hi = lo;
  bool ok = end != g && g[0] != '-' && g[0] != '+';
  if (ok && *end == '-') {
    const char *h = end + 1;
    hi = strtoul(h, &end, 10);
    ok = end != h && h[0] != '-' && h[0] != '+';
  }
  if (!ok || *end)
    return err_at(p, p->tok.off, "bad gap '%s%s%s': expected %sn-m%s", open, g,
                  close, open, close);
  if (lo > hi)
    return err_at(p, p->tok.off,
                  "bad gap '%s%s%s': minimum %lu is greater than maximum %lu",
                  open, g, close, lo, hi);
  if (hi > 65535)
    return err_at(p, p->tok.off, "bad gap '%s%s%s': at most 65535", open, g,
                  close);
  if (plain)
    kg_buf_printf(&c->frag, "(?:.{%lu,%lu}?)", lo, hi);
  else
    kg_buf_printf(&c->frag, "(?:(?-i)[^\\x{%X}-\\x{10FFFF}]{%lu,%lu}?)",
                  KG_MENTION_BASE, lo, hi);
  lex(p);
  return true;
}

/* set_element := '@' NAME */
static bool parse_set_element(RuleCtx *c) {
  Parser *p = c->p;
  size_t at = p->tok.off;
  lex(p);
  char *name = take_word(p, "a set name after '@'", NULL);
  if (!name)
    return false;
  const KgSet *set = find_set(p->ld->rs, name);
  KgStrVec v = {0};
  bool ok = set || err_at(p, at, "unknown set '@%s'", name);
  kg_free(name);
  for (size_t i = 0; ok && i < set->alts.len; i++) {
    char *a = kg_strdup(set->alts.items[i]);
    if (!a || !kg_vec_push(&v, a)) {
      kg_free(a);
      ok = nomem(p);
    }
  }
  if (!ok) {
    kg_strvec_free(&v);
    return false;
  }
  return add_literal(c, &v);
}

static bool parse_word_literal(RuleCtx *c) {
  KgStrVec v = {0};
  bool ok = push_normal(c->p, &v, c->p->tok.val);
  if (ok && v.len == 0)
    ok = err_at(c->p, c->p->tok.off, "the literal is empty");
  if (!ok) {
    kg_strvec_free(&v);
    return false;
  }
  lex(c->p);
  return add_literal(c, &v);
}

static bool parse_element_body(RuleCtx *c) {
  Parser *p = c->p;
  switch (p->tok.kind) {
  case T_LBRACE:
    return parse_slot(c);
  case T_LBRACK:
    return parse_literal_slot(c);
  case T_LPAREN:
    lex(p);
    return parse_literal_alts(c, stop_rparen) &&
           expect(p, T_RPAREN, "')' to close the alternation");
  case T_AT:
    return parse_set_element(c);
  case T_GAP:
    return parse_gap(c);
  case T_REGEX:
    return parse_user_regex(c);
  case T_WORD:
  case T_STRING:
    return parse_word_literal(c);
  case T_ERROR:
    return false;
  default:
    return expected(p, "a pattern element");
  }
}

/* The (at most max) longest distinct runs of s without white space,
 * longest first (ties: the earlier), as offsets and lengths; returns how
 * many.  A literal's space matches any white space, so only such runs are
 * sure to be in the text. */
static size_t longest_words(const char *s, size_t max, size_t *at,
                            size_t *len) {
  size_t n = 0;
  for (size_t i = 0; s[i];) {
    size_t k = 0;
    while (s[i + k] && !is_space(s[i + k]))
      k++;
    bool dup = false;
    for (size_t j = 0; j < n && !dup; j++)
      dup = len[j] == k && !memcmp(s + at[j], s + i, k);
    size_t pos = n;
    while (!dup && k && pos > 0 && len[pos - 1] < k)
      pos--;
    if (!dup && k && pos < max) {
      size_t last = n < max ? n++ : n - 1;
      for (size_t j = last; j > pos; j--)
        at[j] = at[j - 1], len[j] = len[j - 1];
      at[pos] = i, len[pos] = k;
    }
    i += k ? k : 1;
  }
  return n;
}

/* The longest run of s without white space ("" when none). */
static char *longest_piece(const char *s) {
  size_t at, len;
  return longest_words(s, 1, &at, &len) ? kg_strndup(s + at, len)
                                        : kg_strdup("");
}

/* Push v as one more group of r's required pieces (v is taken). */
static bool push_group(Parser *p, KgRule *r, KgStrVec *v) {
  if (kg_vec_push(&r->must, *v))
    return true;
  kg_strvec_free(v);
  return nomem(p);
}

enum { MAX_WORD_GROUPS = 3 };

/* A literal of one alternative: every word of it is sure to be in the
 * text, so each of its longest words is a group of its own, and a rule
 * with "again released version 6 of" does not run wherever "released"
 * is.  Words of one byte ("6", "a") are left out when the literal has a
 * longer one: they are in nearly every sentence and would only cost
 * scanning.  False when out of memory. */
static bool add_words(Parser *p, KgRule *r, const char *s) {
  size_t at[MAX_WORD_GROUPS], len[MAX_WORD_GROUPS];
  size_t n = longest_words(s, MAX_WORD_GROUPS, at, len);
  for (size_t j = 0; j < n; j++) {
    if (j && len[j] == 1)
      break;
    KgStrVec v = {0};
    char *word = kg_strndup(s + at[j], len[j]);
    if (!word || !kg_vec_push(&v, word)) {
      kg_free(word);
      return nomem(p);
    }
    if (!push_group(p, r, &v))
      return false;
  }
  return true;
}

/* A required literal element: the sentence must hold one of its
 * alternatives (as text, or as the surface of a mention). */
static bool add_must(Parser *p, KgRule *r, const KgLiteral *lit) {
  if (lit->len == 1)
    return add_words(p, r, lit->items[0]);
  KgStrVec v = {0};
  for (size_t i = 0; i < lit->len; i++) {
    char *piece = longest_piece(lit->items[i]);
    if (!piece || !kg_vec_push(&v, piece)) {
      kg_free(piece);
      kg_strvec_free(&v);
      return nomem(p);
    }
    if (!*piece) { /* nothing sure to be there: no filter */
      kg_strvec_free(&v);
      return true;
    }
  }
  return push_group(p, r, &v);
}

/* element := body ['?'] */
static bool parse_element(RuleCtx *c) {
  Parser *p = c->p;
  size_t start = p->tok.off, n_slots = c->r->slots.len, n_lits = c->r->lits.len;
  c->frag.len = 0;
  if (c->frag.data)
    c->frag.data[0] = '\0';
  if (!parse_element_body(c))
    return false;
  bool optional = false;
  if (in_stmt(p) && p->tok.kind == T_QMARK && !p->tok.bol) {
    optional = true;
    lex(p);
  }
  for (size_t i = n_slots; i < c->r->slots.len; i++)
    c->r->slots.items[i].optional = optional;
  for (size_t i = n_lits; !optional && i < c->r->lits.len; i++)
    if (!add_must(p, c->r, &c->r->lits.items[i]))
      return false;
  char *frag =
      optional ? kg_strfmt("(?:%s)?", c->frag.data) : kg_strdup(c->frag.data);
  char *desc = kg_strndup(p->text + start, p->prev_end - start);
  if (c->frag.failed || !frag || !desc || !kg_vec_push(&c->r->frags, frag)) {
    kg_free(frag);
    kg_free(desc);
    return nomem(p);
  }
  if (!kg_vec_push(&c->r->descs, desc)) {
    kg_free(desc);
    return nomem(p);
  }
  return true;
}

static bool at_clause(const Parser *p) {
  return p->tok.bol &&
         (is_word(p, "with") || is_word(p, "unless") || is_word(p, "emit"));
}

static bool stop_clause(const Parser *p) {
  return at_clause(p);
}

/* pattern := element+  (up to a with / unless / emit line) */
static bool parse_pattern(RuleCtx *c) {
  Parser *p = c->p;
  while (in_stmt(p) && !at_clause(p))
    if (!parse_element(c))
      return false;
  if (c->r->frags.len == 0)
    return expected(p, "a pattern");
  return true;
}

/* Resolve a slot name used in a guard or an emit. */
static int slot_ref(Parser *p, const KgRule *r, const char *name, size_t off,
                    const char *where) {
  int s = find_slot(r, name);
  if (s < 0)
    err_at(p, off, "unknown slot '%s' in %s", name, where);
  return s;
}

/* The scope words end the last alternative: `... between x y`,
 * `... before x N`, `... after x N`. */
static bool guard_scope(Parser *p, KgRule *r, ItemVec *last, KgGuard *g) {
  size_t n = last->len;
  if (n < 4 || last->items[n - 3].kind != 0 || last->items[n - 2].kind ||
      last->items[n - 1].kind)
    return true;
  const char *w = last->items[n - 3].text;
  KgScope sc = strcmp(w, "between") == 0  ? KG_SCOPE_BETWEEN
               : strcmp(w, "before") == 0 ? KG_SCOPE_BEFORE
               : strcmp(w, "after") == 0  ? KG_SCOPE_AFTER
                                          : KG_SCOPE_SENTENCE;
  if (sc == KG_SCOPE_SENTENCE)
    return true;
  g->scope = sc;
  Item *a = &last->items[n - 2], *b = &last->items[n - 1];
  if ((g->slot_a = slot_ref(p, r, a->text, a->off, "guard")) < 0)
    return false;
  if (sc == KG_SCOPE_BETWEEN) {
    if ((g->slot_b = slot_ref(p, r, b->text, b->off, "guard")) < 0)
      return false;
  } else {
    char *end;
    unsigned long w2 = strtoul(b->text, &end, 10);
    if (*end || end == b->text || w2 > 100000)
      return err_at(p, b->off, "expected a number of characters, found '%s'",
                    b->text);
    g->width = (unsigned)w2;
  }
  for (size_t i = n - 3; i < n; i++)
    kg_free(last->items[i].text);
  last->len = n - 3;
  return true;
}

/* The compiled pattern re of a guard, shared with every earlier guard of
 * the same words (rules repeat `unless @negation` a lot): compiled and
 * JIT-compiled once.  The rule set owns it. */
static bool guard_code(Parser *p, const char *re, size_t start, KgGuard *g) {
  KgRuleSet *rs = p->ld->rs;
  for (size_t i = 0; i < rs->guard_codes.len; i++)
    if (strcmp(rs->guard_codes.items[i].re, re) == 0) {
      g->code = rs->guard_codes.items[i].code;
      g->jit = rs->guard_codes.items[i].jit;
      return true;
    }
  KgSharedCode x = {kg_strdup(re), NULL, NULL};
  bool ok = x.re || nomem(p);
  ok = ok && (x.code = compile_regex(p, re, start, false, false)) != NULL &&
       (x.jit = new_slot(p)) != NULL;
  if (ok && !kg_vec_push(&rs->guard_codes, x))
    ok = nomem(p);
  if (!ok) {
    kg_free(x.re);
    pcre2_code_free(x.code);
    free_slot(x.jit);
    return false;
  }
  g->code = x.code;
  g->jit = x.jit;
  return true;
}

/* guard := ('with'|'unless') alternatives [scope] */
static bool parse_guard(RuleCtx *c) {
  Parser *p = c->p;
  size_t start = p->tok.off;
  KgGuard g = {.negated = is_word(p, "unless"), .slot_a = -1, .slot_b = -1};
  lex(p);
  AltVec alts = {0};
  KgStrVec v = {0};
  KgBuf re = {0};
  bool ok = parse_alternatives(p, &alts, stop_clause) &&
            guard_scope(p, c->r, &alts.items[alts.len - 1], &g) &&
            resolve_alternatives(p, &alts, &v);
  alts_free(&alts);
  if (ok && v.len == 0)
    ok = err_at(p, start, "the guard has no words");
  if (ok) {
    put_alternatives(&re, &v, -1);
    g.text = kg_strndup(p->text + start, p->prev_end - start);
    ok = !re.failed && g.text;
    if (!ok)
      nomem(p);
  }
  ok = ok && guard_code(p, re.data, start, &g);
  kg_buf_free(&re);
  kg_strvec_free(&v);
  if (ok && !kg_vec_push(&c->r->guards, g))
    ok = nomem(p);
  if (!ok)
    kg_free(g.text);
  return ok;
}

static int find_vocab(const KgRuleSet *rs, const char *name) {
  for (size_t i = 0; i < rs->vocabs.len; i++)
    if (strcmp(rs->vocabs.items[i].name, name) == 0)
      return (int)i;
  return -1;
}

/* An emit argument: a slot name or a gazetteer key.  Names that start
 * with a capital are taken for entity keys in messages. */
static bool parse_arg(Parser *p, KgRule *r, KgArg *a) {
  size_t off;
  char *name = take_word(p, "a slot name or an entity key", &off);
  if (!name)
    return false;
  bool ok = true;
  int s = find_slot(r, name);
  long e = p->ld->rs->gaz ? kg_gazetteer_find(p->ld->rs->gaz, name) : -1;
  if (s >= 0 && r->slots.items[s].kind == KG_SLOT_ENTITY) {
    *a = (KgArg){KG_ARG_SLOT, s};
  } else if (s >= 0) {
    ok = err_at(p, off, "slot '%s' is a literal slot, not an entity", name);
  } else if (e >= 0) {
    *a = (KgArg){KG_ARG_ENTITY, (int)e};
  } else if (name[0] >= 'A' && name[0] <= 'Z') {
    ok = err_at(p, off, "unknown entity '%s' (not in the gazetteer)", name);
  } else {
    ok = err_at(p, off, "unknown slot '%s' in emit", name);
  }
  kg_free(name);
  return ok;
}

/* qualifier := STRING | slot | vocab '(' slot ')' */
static bool parse_qualifier(Parser *p, KgRule *r, KgEmit *e) {
  if (p->tok.kind == T_STRING) {
    e->qual = KG_QUAL_CONST;
    e->constant = p->tok.val;
    p->tok.val = NULL;
    lex(p);
    return true;
  }
  size_t off, soff;
  char *name = take_word(p, "a qualifier", &off), *slot = NULL;
  bool ok = name != NULL;
  if (ok && accept(p, T_LPAREN)) {
    e->qual = KG_QUAL_VOCAB;
    if ((e->vocab = find_vocab(p->ld->rs, name)) < 0)
      ok = err_at(p, off, "unknown vocab '%s'", name);
    ok = ok && (slot = take_word(p, "a slot name", &soff)) &&
         (e->slot = slot_ref(p, r, slot, soff, "emit")) >= 0 &&
         expect(p, T_RPAREN, "')'");
  } else if (ok) {
    e->qual = KG_QUAL_SLOT;
    ok = (e->slot = slot_ref(p, r, name, off, "emit")) >= 0;
  }
  kg_free(name);
  kg_free(slot);
  return ok;
}

/* emit := 'emit' predicate '(' arg ',' arg [',' qualifier] ')'
 *       | 'emit' 'tag' '(' arg ',' qualifier ')' */
static bool parse_emit(RuleCtx *c) {
  Parser *p = c->p;
  lex(p);
  size_t off;
  char *pred = take_word(p, "a predicate", &off);
  if (!pred)
    return false;
  KgEmit e = {.tag = strcmp(pred, "tag") == 0, .slot = -1, .vocab = -1};
  bool ok = true;
  if (!e.tag &&
      (e.predicate = kg_ontology_predicate(p->ld->rs->onto, pred)) < 0)
    ok = err_at(p, off,
                "unknown predicate '%s' (not a property of the "
                "ontology)",
                pred);
  kg_free(pred);
  ok = ok && expect(p, T_LPAREN, "'(' after the predicate") &&
       parse_arg(p, c->r, &e.subject) && expect(p, T_COMMA, "','");
  if (ok && e.tag)
    ok = parse_qualifier(p, c->r, &e);
  else if (ok && parse_arg(p, c->r, &e.object) && accept(p, T_COMMA))
    ok = parse_qualifier(p, c->r, &e);
  ok = ok && expect(p, T_RPAREN, "')' to close the emit");
  if (ok && !kg_vec_push(&c->r->emits, e))
    ok = nomem(p);
  if (!ok)
    kg_free(e.constant);
  return ok;
}

/* Compile the joined fragments and find every slot's group. */
static bool compile_rule(Parser *p, KgRule *r, size_t id_off) {
  KgBuf b = {0};
  for (size_t i = 0; i < r->frags.len; i++) {
    if (i)
      kg_buf_puts(&b, "\\s*");
    kg_buf_puts(&b, r->frags.items[i]);
  }
  if (b.failed) {
    kg_buf_free(&b);
    return nomem(p);
  }
  r->source = kg_buf_take(&b, NULL);
  if (!(r->code = compile_regex(p, r->source, id_off, false, false)) ||
      !(r->jit = new_slot(p)))
    return false;
  for (size_t i = 0; i < r->slots.len; i++) {
    KgSlot *s = &r->slots.items[i];
    char name[32];
    snprintf(name, sizeof name, "s%zu", i);
    s->group = pcre2_substring_number_from_name(r->code, (PCRE2_SPTR)name);
    if (s->kind == KG_SLOT_ENTITY && !s->optional &&
        !kg_vec_push(&r->need, s->types))
      return nomem(p);
  }
  return true;
}

void kg_rule_free(KgRule *r) {
  kg_free(r->id);
  kg_free(r->source);
  pcre2_code_free(r->code);
  free_slot(r->jit);
  kg_strvec_free(&r->frags);
  kg_strvec_free(&r->descs);
  for (size_t i = 0; i < r->slots.len; i++)
    kg_free(r->slots.items[i].name);
  kg_vec_free(&r->slots);
  for (size_t i = 0; i < r->lits.len; i++)
    kg_strvec_free(&r->lits.items[i]);
  kg_vec_free(&r->lits);
  for (size_t i = 0; i < r->guards.len; i++) /* codes: rs->guard_codes */
    kg_free(r->guards.items[i].text);
  kg_vec_free(&r->guards);
  for (size_t i = 0; i < r->emits.len; i++)
    kg_free(r->emits.items[i].constant);
  kg_vec_free(&r->emits);
  kg_vec_free(&r->need);
  for (size_t i = 0; i < r->must.len; i++)
    kg_strvec_free(&r->must.items[i]);
  kg_vec_free(&r->must);
}

static bool valid_id(const char *s) {
  for (; *s; s++)
    if (!is_alnum_ascii((unsigned char)*s) && *s != '.' && *s != '_' &&
        *s != '-')
      return false;
  return true;
}

static size_t id_home(const char *id, size_t cap) {
  return (size_t)kg_hash64(id, strlen(id)) & (cap - 1);
}

static const KgRule *find_rule(const Loader *ld, const char *id) {
  const KgRuleSet *rs = ld->rs;
  for (size_t i = ld->ids_cap ? id_home(id, ld->ids_cap) : 0;
       ld->ids_cap && ld->ids[i]; i = (i + 1) & (ld->ids_cap - 1))
    if (strcmp(rs->rules.items[ld->ids[i] - 1].id, id) == 0)
      return &rs->rules.items[ld->ids[i] - 1];
  return NULL;
}

static void put_id(Loader *ld, size_t k) {
  size_t i = id_home(ld->rs->rules.items[k].id, ld->ids_cap);
  while (ld->ids[i])
    i = (i + 1) & (ld->ids_cap - 1);
  ld->ids[i] = (uint32_t)k + 1;
}

/* Enter the id of rule k (just added); the table stays at most half
 * full. */
static bool index_rule_id(Loader *ld, size_t k) {
  if ((k + 1) * 2 > ld->ids_cap) {
    size_t cap = ld->ids_cap ? ld->ids_cap * 2 : 64;
    uint32_t *t = kg_calloc(cap, sizeof *t);
    if (!t)
      return false;
    kg_free(ld->ids);
    ld->ids = t;
    ld->ids_cap = cap;
    for (size_t i = 0; i < k; i++)
      put_id(ld, i);
  }
  put_id(ld, k);
  return true;
}

/* rule := 'rule' ID ['priority' N] '=' pattern clause* */
static bool parse_rule_head(Parser *p, KgRule *r, size_t *id_off) {
  if (!(r->id = take_word(p, "a rule id", id_off)))
    return false;
  if (!valid_id(r->id))
    return err_at(p, *id_off,
                  "bad rule id '%s': use letters, digits, '.', "
                  "'_' and '-'",
                  r->id);
  const KgRule *dup = find_rule(p->ld, r->id);
  if (dup)
    return err_at(p, *id_off,
                  "duplicate rule id '%s' (first defined at "
                  "%s:%u)",
                  r->id, dup->file, dup->line);
  if (is_word(p, "priority")) {
    lex(p);
    size_t off = p->tok.off;
    char *n = take_word(p, "a priority number", NULL), *end = NULL;
    long v = n ? strtol(n, &end, 10) : 0;
    bool ok = n && *end == '\0' && end != n && v > -10000 && v < 10000;
    if (n && !ok)
      err_at(p, off, "bad priority '%s': expected an integer", n);
    kg_free(n);
    if (!ok)
      return false;
    r->priority = (int)v;
  }
  return expect(p, T_EQ, "'=' after the rule head");
}

static bool parse_rule(Parser *p) {
  KgRuleSet *rs = p->ld->rs;
  KgRule r = {0};
  size_t id_off = 0;
  lex(p);
  r.file = p->path;
  r.line = line_at(p, p->tok.off);
  RuleCtx c = {p, &r, {0}};
  bool ok = parse_rule_head(p, &r, &id_off) && parse_pattern(&c);
  while (ok && in_stmt(p)) {
    if (is_word(p, "emit"))
      ok = parse_emit(&c);
    else if (is_word(p, "with") || is_word(p, "unless"))
      ok = parse_guard(&c);
    else
      ok = expected(p, "'with', 'unless' or 'emit' at the start of a line");
  }
  if (ok && r.emits.len == 0)
    ok = err_at(p, id_off, "rule '%s' has no emit", r.id);
  ok = ok && compile_rule(p, &r, id_off);
  kg_buf_free(&c.frag);
  r.index = rs->rules.len;
  if (ok && !kg_vec_push(&rs->rules, r))
    ok = nomem(p);
  else if (ok && !index_rule_id(p->ld, rs->rules.len - 1))
    return nomem(p); /* the rule is in the set: the set frees it */
  if (!ok)
    kg_rule_free(&r);
  return ok;
}

/* ------------------------------------------------- other statements */

static bool stop_never(const Parser *p) {
  (void)p;
  return false;
}

/* set := 'set' NAME '=' alternatives */
static bool parse_set(Parser *p) {
  lex(p);
  size_t off;
  KgSet s = {0};
  AltVec alts = {0};
  if (!(s.name = take_word(p, "a set name", &off)))
    return false;
  bool ok = true;
  if (find_set(p->ld->rs, s.name))
    ok = err_at(p, off, "duplicate set '%s'", s.name);
  ok = ok && expect(p, T_EQ, "'=' after the set name") &&
       parse_alternatives(p, &alts, stop_never) &&
       resolve_alternatives(p, &alts, &s.alts);
  alts_free(&alts);
  if (ok && !kg_vec_push(&p->ld->rs->sets, s))
    ok = nomem(p);
  if (!ok) {
    kg_free(s.name);
    kg_strvec_free(&s.alts);
  }
  return ok;
}

static bool stop_arrow(const Parser *p) {
  return p->tok.kind == T_ARROW;
}

/* vocab_line := alternatives '->' (WORD | STRING) */
static bool parse_vocab_line(Parser *p, KgVocab *v) {
  AltVec alts = {0};
  KgStrVec keys = {0};
  bool ok = parse_alternatives(p, &alts, stop_arrow) &&
            expect(p, T_ARROW, "'->' and the value") &&
            resolve_alternatives(p, &alts, &keys);
  alts_free(&alts);
  if (ok && p->tok.kind != T_WORD && p->tok.kind != T_STRING)
    ok = expected(p, "the value after '->'");
  for (size_t i = 0; ok && i < keys.len; i++) {
    char *val = kg_strdup(p->tok.val);
    if (!val || !kg_vec_push(&v->values, val)) {
      kg_free(val);
      ok = nomem(p);
    } else if (!kg_vec_push(&v->keys, keys.items[i])) {
      ok = nomem(p);
    } else {
      keys.items[i] = NULL;
    }
  }
  kg_strvec_free(&keys);
  if (ok)
    lex(p);
  if (ok && in_stmt(p) && !p->tok.bol)
    ok = expected(p, "the end of the line");
  return ok;
}

/* vocab := 'vocab' NAME (NEWLINE vocab_line)+ */
static bool parse_vocab(Parser *p) {
  lex(p);
  size_t off;
  KgVocab v = {0};
  if (!(v.name = take_word(p, "a vocab name", &off)))
    return false;
  bool ok = true;
  if (find_vocab(p->ld->rs, v.name) >= 0)
    ok = err_at(p, off, "duplicate vocab '%s'", v.name);
  if (ok && !in_stmt(p))
    ok = expected(p, "indented lines 'words -> value'");
  while (ok && in_stmt(p))
    ok = parse_vocab_line(p, &v);
  if (ok && !kg_vec_push(&p->ld->rs->vocabs, v))
    ok = nomem(p);
  if (!ok) {
    kg_free(v.name);
    kg_strvec_free(&v.keys);
    kg_strvec_free(&v.values);
  }
  return ok;
}

static bool parse_type_name(Parser *p, int *type) {
  size_t off;
  char *name = take_word(p, "a type name", &off);
  if (!name)
    return false;
  *type = kg_ontology_type(p->ld->rs->onto, name);
  bool ok = *type >= 0 && *type < (int)KG_MAX_TYPES;
  if (!ok)
    err_at(p, off, "unknown type '%s' (not a class of the ontology)", name);
  kg_free(name);
  return ok;
}

/* The prefilter of a ref: the longest piece of each word, or nothing
 * when some word has no piece that is sure to be in the text. */
static bool ref_pieces(Parser *p, const KgStrVec *words, KgStrVec *out) {
  for (size_t i = 0; i < words->len; i++) {
    char *piece = longest_piece(words->items[i]);
    if (!piece || !kg_vec_push(out, piece)) {
      kg_free(piece);
      return nomem(p);
    }
    if (!*piece) {
      kg_strvec_free(out);
      return true;
    }
  }
  return true;
}

/* ref := 'ref' TYPE '=' alternatives */
static bool parse_ref(Parser *p) {
  lex(p);
  size_t start = p->tok.off;
  KgRef r = {0};
  AltVec alts = {0};
  KgStrVec v = {0};
  KgBuf re = {0};
  bool ok = parse_type_name(p, &r.type) &&
            expect(p, T_EQ, "'=' after the type") &&
            parse_alternatives(p, &alts, stop_never) &&
            resolve_alternatives(p, &alts, &v);
  alts_free(&alts);
  if (ok) {
    put_alternatives(&re, &v, -1);
    ok = !re.failed
             ? (r.code = compile_regex(p, re.data, start, false, true)) != NULL
             : nomem(p);
  }
  ok = ok && ref_pieces(p, &v, &r.must);
  kg_buf_free(&re);
  kg_strvec_free(&v);
  if (ok && !kg_vec_push(&p->ld->rs->refs, r))
    ok = nomem(p);
  if (!ok) {
    pcre2_code_free(r.code);
    kg_strvec_free(&r.must);
  }
  return ok;
}

/* entity := 'entity' ID TYPE '=' /regex/ */
static bool parse_entity(Parser *p) {
  lex(p);
  KgEntityRule e = {0};
  size_t off;
  bool ok = (e.id = take_word(p, "an entity rule id", &off)) &&
            parse_type_name(p, &e.type) &&
            expect(p, T_EQ, "'=' after the type");
  if (ok && p->tok.kind != T_REGEX)
    ok = p->tok.kind != T_ERROR && expected(p, "a /regex/");
  if (ok &&
      (e.code = compile_regex(p, p->tok.val, p->tok.off + 1, true, true))) {
    int g = pcre2_substring_number_from_name(e.code, (PCRE2_SPTR) "name");
    e.name_group = g > 0 ? g : 0;
    lex(p);
  } else {
    ok = false;
  }
  if (ok && !kg_vec_push(&p->ld->rs->entities, e))
    ok = nomem(p);
  if (!ok) {
    kg_free(e.id);
    pcre2_code_free(e.code);
  }
  return ok;
}

/* qualify := 'qualify' PREDICATE 'from' ('object' | 'subject') */
static bool parse_qualify(Parser *p) {
  lex(p);
  size_t off;
  char *pred = take_word(p, "a predicate", &off);
  if (!pred)
    return false;
  KgQualify q = {kg_ontology_predicate(p->ld->rs->onto, pred), false};
  bool ok = q.predicate >= 0 ||
            err_at(p, off,
                   "unknown predicate '%s' (not a property of the "
                   "ontology)",
                   pred);
  kg_free(pred);
  if (ok && !is_word(p, "from"))
    ok = expected(p, "'from'");
  if (ok)
    lex(p);
  if (ok && !is_word(p, "object") && !is_word(p, "subject"))
    ok = expected(p, "'object' or 'subject'");
  if (ok) {
    q.from_subject = is_word(p, "subject");
    lex(p);
  }
  if (ok && !kg_vec_push(&p->ld->rs->qualifies, q))
    ok = nomem(p);
  return ok;
}

/* implied := 'implied' PREDICATE   (facts the gazetteer declares) */
static bool parse_implied(Parser *p) {
  size_t off;
  lex(p);
  unsigned line = line_at(p, p->tok.off);
  char *pred = take_word(p, "a predicate", &off);
  if (!pred)
    return false;
  KgRuleSet *rs = p->ld->rs;
  KgEmit e = {.predicate = kg_ontology_predicate(rs->onto, pred),
              .slot = -1,
              .vocab = -1};
  KgRule r = {.file = p->path, .line = line};
  bool ok = e.predicate >= 0 ||
            err_at(p, off,
                   "unknown predicate '%s' (not a property of the "
                   "ontology)",
                   pred);
  for (size_t i = 0; ok && i < rs->implied.len; i++)
    if (rs->implied.items[i].emits.items[0].predicate == e.predicate)
      ok = err_at(p, off, "duplicate 'implied %s' (first at %s:%u)", pred,
                  rs->implied.items[i].file, rs->implied.items[i].line);
  if (ok && (!(r.id = kg_strfmt("implied.%s", pred)) ||
             !kg_vec_push(&r.emits, e) || !kg_vec_push(&rs->implied, r)))
    ok = nomem(p);
  if (!ok)
    kg_rule_free(&r);
  kg_free(pred);
  return ok;
}

static KgStatus load_file(Loader *ld, const char *path, bool *empty);

/* include := 'include' STRING   (relative to the including file) */
static bool parse_include(Parser *p) {
  lex(p);
  if (p->tok.kind != T_STRING)
    return p->tok.kind != T_ERROR && expected(p, "a quoted file name");
  const char *slash = strrchr(p->path, '/');
  char *path =
      p->tok.val[0] == '/' || !slash
          ? kg_strdup(p->tok.val)
          : kg_strfmt("%.*s/%s", (int)(slash - p->path), p->path, p->tok.val);
  if (!path)
    return nomem(p);
  char *real = realpath(path, NULL);
  bool ok = true;
  if (!real) {
    ok = err_at(p, p->tok.off, "cannot read include \"%s\": %s", p->tok.val,
                strerror(errno));
  } else {
    for (size_t i = 0; ok && i < p->ld->stack.len; i++)
      if (strcmp(p->ld->stack.items[i], real) == 0)
        ok = err_at(p, p->tok.off,
                    "include cycle: \"%s\" is already being "
                    "read",
                    p->tok.val);
  }
  free(real);
  if (ok) {
    bool empty;
    load_file(p->ld, path, &empty);
    lex(p);
  }
  kg_free(path);
  return ok;
}

typedef bool (*StmtFunc)(Parser *p);

/* The statements: to add one, write parse_X and add a line here. */
static const struct {
  const char *keyword;
  StmtFunc parse;
} STATEMENTS[] = {
    {"include", parse_include}, {"set", parse_set},
    {"vocab", parse_vocab},     {"ref", parse_ref},
    {"entity", parse_entity},   {"rule", parse_rule},
    {"qualify", parse_qualify}, {"implied", parse_implied},
};

/* statement := include | set | vocab | ref | entity | rule | qualify
 *            | implied */
static bool parse_statement(Parser *p) {
  if (p->tok.kind == T_ERROR)
    return false;
  if (p->tok.kind == T_WORD)
    for (size_t i = 0; i < sizeof STATEMENTS / sizeof *STATEMENTS; i++)
      if (strcmp(p->tok.val, STATEMENTS[i].keyword) == 0) {
        if (!STATEMENTS[i].parse(p))
          return false;
        return !in_stmt(p) || p->tok.kind == T_ERROR ||
               expected(p, "the end of the statement");
      }
  return err_at(p, p->tok.off,
                "unknown statement '%.*s' (expected include, set, vocab, "
                "ref, entity, rule, qualify or implied)",
                (int)p->tok.len, p->text + p->tok.off);
}

/* file := statement* */
static void parse_file(Parser *p, bool *empty) {
  lex(p);
  *empty = p->tok.kind == T_EOF;
  while (p->tok.kind != T_EOF) {
    if (p->tok.indented) {
      err_at(p, p->tok.off, "expected a statement at the start of a line");
      lex(p);
    } else {
      size_t start = p->tok.off;
      if (!parse_statement(p)) {
        if (p->ld->nomem)
          break;
        if (p->tok.off == start)
          lex(p);
      }
    }
    skip_statement(p);
  }
  kg_free(p->tok.val);
  p->tok.val = NULL;
}

/* ------------------------------------------------------------ loading */

static bool check_utf8(Loader *ld, const char *path, const char *text,
                       size_t len) {
  size_t bad;
  if (kg_utf8_valid(text, len, &bad))
    return true;
  Parser p = {.ld = ld, .path = path, .text = text, .len = bad};
  err_at(&p, bad, "invalid UTF-8: byte 0x%02X", (unsigned char)text[bad]);
  return false;
}

static bool push_file_name(Loader *ld, const char *path, const char **shown) {
  char *copy = kg_strdup(path);
  if (!copy || !kg_vec_push(&ld->rs->files, copy)) {
    kg_free(copy);
    return false;
  }
  *shown = copy;
  return true;
}

/* Read and parse one file (and, through include, its includes).  A file
 * already read is skipped, so two files may include the same common one. */
static KgStatus load_file(Loader *ld, const char *path, bool *empty) {
  *empty = false;
  char *real = realpath(path, NULL), *text = NULL;
  for (size_t i = 0; real && i < ld->loaded.len; i++)
    if (strcmp(ld->loaded.items[i], real) == 0) {
      free(real);
      return KG_SUCCESS;
    }
  char *rcopy = real ? kg_strdup(real) : NULL;
  free(real);
  size_t len;
  KgError e;
  KgStatus st = kg_read_file(path, 16u << 20, &text, &len, &e);
  if (st) {
    kg_free(rcopy);
    ld->nomem |= st == KG_ERR_NOMEM;
    report(ld, &e);
    return st;
  }
  const char *shown = NULL;
  if (!rcopy || !kg_vec_push(&ld->loaded, rcopy) ||
      !push_file_name(ld, path, &shown)) {
    if (!ld->loaded.len || ld->loaded.items[ld->loaded.len - 1] != rcopy)
      kg_free(rcopy);
    kg_free(text);
    ld->nomem = true;
    return KG_ERR_NOMEM;
  }
  /* stack entries borrow the strings of loaded */
  if (!kg_vec_push(&ld->stack, rcopy))
    ld->nomem = true;
  else if (check_utf8(ld, shown, text, len)) {
    Parser p = {.ld = ld, .path = shown, .text = text, .len = len};
    parse_file(&p, empty);
  }
  if (ld->stack.len && ld->stack.items[ld->stack.len - 1] == rcopy)
    ld->stack.len--;
  if (*empty && !ld->nomem)
    kg_warn(ld->on_msg, ld->ctx, shown, 0, 0, "no rules (empty file)");
  kg_free(text);
  return KG_SUCCESS;
}

const char *kg_rule_type_name(const KgRuleSet *rs, int t) {
  const KgVocabTerm *v =
      t >= 0 ? kg_ontology_type_at(rs->onto, (size_t)t) : NULL;
  return v ? v->name : "?";
}

void kg_ruleset_free(KgRuleSet *rs) {
  if (!rs)
    return;
  kg_match_spare_free(rs);
  kg_rule_index_free(rs);
  for (size_t i = 0; i < rs->rules.len; i++)
    kg_rule_free(&rs->rules.items[i]);
  kg_vec_free(&rs->rules);
  for (size_t i = 0; i < rs->implied.len; i++)
    kg_rule_free(&rs->implied.items[i]);
  kg_vec_free(&rs->implied);
  for (size_t i = 0; i < rs->vocabs.len; i++) {
    kg_free(rs->vocabs.items[i].name);
    kg_strvec_free(&rs->vocabs.items[i].keys);
    kg_strvec_free(&rs->vocabs.items[i].values);
  }
  kg_vec_free(&rs->vocabs);
  for (size_t i = 0; i < rs->sets.len; i++) {
    kg_free(rs->sets.items[i].name);
    kg_strvec_free(&rs->sets.items[i].alts);
  }
  kg_vec_free(&rs->sets);
  for (size_t i = 0; i < rs->refs.len; i++) {
    pcre2_code_free(rs->refs.items[i].code);
    kg_strvec_free(&rs->refs.items[i].must);
  }
  kg_vec_free(&rs->refs);
  for (size_t i = 0; i < rs->entities.len; i++) {
    kg_free(rs->entities.items[i].id);
    pcre2_code_free(rs->entities.items[i].code);
  }
  kg_vec_free(&rs->entities);
  for (size_t i = 0; i < rs->guard_codes.len; i++) {
    kg_free(rs->guard_codes.items[i].re);
    pcre2_code_free(rs->guard_codes.items[i].code);
    free_slot(rs->guard_codes.items[i].jit);
  }
  kg_vec_free(&rs->guard_codes);
  kg_vec_free(&rs->qualifies);
  kg_strvec_free(&rs->files);
  for (KgSlotBlock *b = rs->slot_blocks, *next; b; b = next) {
    next = b->next;
    kg_free(b);
  }
  kg_free(rs);
}

size_t kg_ruleset_size(const KgRuleSet *rs) {
  return rs ? rs->rules.len : 0;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.rules files of dir, sorted by name (byte order). */
static KgStatus list_rules(const char *dir, KgStrVec *out, KgError *err) {
  DIR *d = opendir(dir);
  if (!d)
    return kg_error_set(err, KG_ERR_IO, dir, 0, 0, "cannot open: %s",
                        strerror(errno));
  KgStatus st = KG_SUCCESS;
  for (struct dirent *de; (de = readdir(d)) != NULL;) {
    size_t n = strlen(de->d_name);
    if (n <= 6 || strcmp(de->d_name + n - 6, ".rules") != 0 ||
        de->d_name[0] == '.')
      continue;
    size_t dl = strlen(dir);
    char *path = kg_strfmt("%s%s%s", dir, dl && dir[dl - 1] == '/' ? "" : "/",
                           de->d_name);
    if (!path || !kg_vec_push(out, path)) {
      kg_free(path);
      st = kg_error_set(err, KG_ERR_NOMEM, dir, 0, 0, "out of memory");
      break;
    }
  }
  closedir(d);
  if (out->len)
    qsort(out->items, out->len, sizeof *out->items, cmp_str);
  return st;
}

/* Load the given files into a new rule set; the common part of the two
 * public loaders. */
static KgStatus load_all(const KgStrVec *paths, const char *where,
                         const KgOntology *onto, const KgGazetteer *gaz,
                         const KgNormalizer *norm, KgMessageFunc on_msg,
                         void *ctx, KgRuleSet **out, KgError *err) {
  *out = NULL;
  if (err)
    memset(err, 0, sizeof *err);
  KgRuleSet *rs = kg_calloc(1, sizeof *rs);
  if (!rs)
    return kg_error_set(err, KG_ERR_NOMEM, where, 0, 0, "out of memory");
  rs->onto = onto;
  rs->gaz = gaz;
  rs->norm = norm;
  Loader ld = {rs, on_msg, ctx, err, 0, {0}, {0}, false, NULL, 0};
  for (size_t i = 0; i < paths->len && !ld.nomem; i++) {
    bool empty;
    load_file(&ld, paths->items[i], &empty);
  }
  if (!ld.n_errors && !ld.nomem && rs->rules.len == 0) {
    KgError e;
    kg_error_set(&e, KG_ERR_SYNTAX, where, 0, 0, "the rule set has no rules");
    report(&ld, &e);
  }
  for (size_t i = 0; i < rs->implied.len; i++) /* after every rule */
    rs->implied.items[i].index = rs->rules.len + i;
  if (!ld.n_errors && !ld.nomem && !kg_rule_index_build(rs))
    ld.nomem = true;
  kg_vec_free(&ld.stack);
  kg_free(ld.ids);
  kg_strvec_free(&ld.loaded);
  KgStatus st = ld.nomem ? KG_ERR_NOMEM
                : ld.n_errors
                    ? (err && err->status ? err->status : KG_ERR_SYNTAX)
                    : KG_SUCCESS;
  if (ld.nomem && err)
    kg_error_set(err, KG_ERR_NOMEM, where, 0, 0, "out of memory");
  if (st) {
    kg_ruleset_free(rs);
    return st;
  }
  *out = rs;
  return KG_SUCCESS;
}

KgStatus kg_ruleset_load(const char *dir, const KgOntology *onto,
                         const KgGazetteer *gaz, const KgNormalizer *norm,
                         KgMessageFunc on_msg, void *ctx, KgRuleSet **out,
                         KgError *err) {
  KgStrVec paths = {0};
  *out = NULL;
  KgStatus st = list_rules(dir, &paths, err);
  if (!st)
    st = load_all(&paths, dir, onto, gaz, norm, on_msg, ctx, out, err);
  kg_strvec_free(&paths);
  return st;
}

KgStatus kg_ruleset_load_file(const char *path, const KgOntology *onto,
                              const KgGazetteer *gaz, const KgNormalizer *norm,
                              KgMessageFunc on_msg, void *ctx, KgRuleSet **out,
                              KgError *err) {
  char *copy = kg_strdup(path);
  KgStrVec paths = {&copy, 1, 1};
  if (!copy)
    return kg_error_set(err, KG_ERR_NOMEM, path, 0, 0, "out of memory");
  KgStatus st = load_all(&paths, path, onto, gaz, norm, on_msg, ctx, out, err);
  kg_free(copy);
  return st;
}
