/*
 * rdf_io.c — the one file that talks to raptor2.
 *
 * Every parse and every writer opens its own raptor_world, so nothing is
 * shared between threads and no raptor state outlives a call.  The world
 * is told never to set up its WWW library, and parsers get NO_NET,
 * NO_FILE and no external XML entities: an input graph can never make
 * kg read a file or open a socket.
 *
 * Files are read whole with kg_read_file and handed to the same
 * memory parser, so the position of a syntax error is always measured in
 * the bytes we hold, and the offending source line can be quoted.
 * raptor reports problems through the world's log handler; the first
 * error (with its locator) is kept and turned into a KgError at the end.
 *
 * Terms cross the boundary as plain C strings (KgTerm); raptor terms are
 * built and freed inside each call.
 */
#include "rdf_io.h"

#include <errno.h>

#include "util.h"

#include <raptor2.h>
#include <stdbool.h>
#include <string.h>

/* ------------------------------------------------------------- logging */

/* The first error raptor reported, copied out of its log message. */
typedef struct {
  int seen;
  int line, column;
  char text[512];
} RaptorLog;

static void on_log(void *ctx, raptor_log_message *m) {
  RaptorLog *log = ctx;
  if (m->level < RAPTOR_LOG_LEVEL_ERROR || log->seen)
    return;
  log->seen = 1;
  log->line = m->locator ? m->locator->line : -1;
  log->column = m->locator ? m->locator->column : -1;
  snprintf(log->text, sizeof log->text, "%s", m->text ? m->text : "error");
}

/* A world of our own, quiet about the network, logging into log. */
static raptor_world *open_world(RaptorLog *log) {
  raptor_world *world = raptor_new_world();
  if (!world)
    return NULL;
  raptor_world_set_flag(world, RAPTOR_WORLD_FLAG_WWW_SKIP_INIT_FINISH, 1);
  raptor_world_set_log_handler(world, log, on_log);
  if (raptor_world_open(world)) {
    raptor_free_world(world);
    return NULL;
  }
  return world;
}

/* ---------------------------------------------------------------- syntax */

/* raptor's parser and serializer names for the syntaxes kg reads and
 * writes.  N-Triples is read with the Turtle parser (it is a subset of
 * Turtle): raptor 2.0.15's N-Triples parser leaks a datatype URI per typed
 * literal and lowercases language tags.  To add a syntax: add a row. */
static const struct {
  const char *name, *parser, *serializer, *exts;
} syntaxes[] = {
    {"turtle", "turtle", "turtle", " ttl "},
    {"ntriples", "turtle", "ntriples", " nt "},
    {"nquads", "nquads", "nquads", " nq "},
    {"rdfxml", "rdfxml", "rdfxml", " rdf owl xml "},
};

#define N_SYNTAXES (sizeof syntaxes / sizeof *syntaxes)

static const char *parser_name(const char *syntax) {
  for (size_t i = 0; i < N_SYNTAXES; i++)
    if (!strcmp(syntax, syntaxes[i].name))
      return syntaxes[i].parser;
  return NULL;
}

static const char *serializer_name(const char *syntax) {
  for (size_t i = 0; i < N_SYNTAXES; i++)
    if (!strcmp(syntax, syntaxes[i].name))
      return syntaxes[i].serializer;
  return NULL;
}

/* The syntax of a file named name, from its extension (NULL: unknown). */
static const char *syntax_by_name(const char *name) {
  const char *dot = name ? strrchr(name, '.') : NULL;
  if (!dot || strlen(dot) > 8 || strchr(dot, '/'))
    return NULL;
  char pattern[16];
  snprintf(pattern, sizeof pattern, " %s ", dot + 1);
  for (size_t i = 0; i < N_SYNTAXES; i++)
    if (strstr(syntaxes[i].exts, pattern))
      return syntaxes[i].parser;
  return NULL;
}

/* --------------------------------------------------------------- parsing */

typedef struct {
  KgTripleFunc on_triple;
  void *ctx;
  raptor_parser *parser;
  int leaky;       /* the parser leaks a datatype reference per literal */
  KgStatus status; /* the callback's, once it stopped the parse */
} ParseState;

/* raptor 2.0.15's N-Quads parser keeps one reference too many to the
 * datatype of every typed literal it reads (raptor_ntriples_parse_term
 * never frees its datatype_uri).  The statement's term holds its own
 * reference, so dropping the extra one here is safe — on that version
 * only, which is the one we checked. */
static int leaks_datatypes(const char *parser) {
  return raptor_version_decimal == 20015 &&
         (!strcmp(parser, "nquads") || !strcmp(parser, "ntriples"));
}

/* Copy a language tag in canonical case (zh-hant → zh-Hant, en-us →
 * en-US): raptor's N-Quads reader lowercases tags, its Turtle reader keeps
 * them, and a tag must read the same whatever the syntax. */
static const char *canonical_lang(const unsigned char *tag, size_t n,
                                  char out[256]) {
  bool first = true;
  size_t run = 0, start = 0;
  for (size_t i = 0; i <= n; i++) {
    if (i < n && tag[i] != '-') {
      run++;
      continue;
    }
    for (size_t k = start; k < i; k++) {
      char c = (char)tag[k];
      bool upper = !first && (run == 2 || (run == 4 && k == start));
      if (c >= 'A' && c <= 'Z' && !upper)
        c = (char)(c + 32);
      else if (c >= 'a' && c <= 'z' && upper)
        c = (char)(c - 32);
      out[k] = c;
    }
    if (i < n)
      out[i] = '-';
    first = false, run = 0, start = i + 1;
  }
  out[n] = '\0';
  return out;
}

/* rt as a KgTerm; lang holds the object's language tag. */
static void from_raptor(const raptor_term *rt, KgTerm *t, char lang[256]) {
  memset(t, 0, sizeof *t);
  switch (rt->type) {
  case RAPTOR_TERM_TYPE_URI:
    t->kind = KG_TERM_IRI;
    t->value = (const char *)raptor_uri_as_string(rt->value.uri);
    break;
  case RAPTOR_TERM_TYPE_BLANK:
    t->kind = KG_TERM_BLANK;
    t->value = (const char *)rt->value.blank.string;
    break;
  default:
    t->kind = KG_TERM_LITERAL;
    t->value = (const char *)rt->value.literal.string;
    if (rt->value.literal.language && rt->value.literal.language_len)
      t->lang = canonical_lang(rt->value.literal.language,
                               rt->value.literal.language_len, lang);
    if (rt->value.literal.datatype)
      t->datatype =
          (const char *)raptor_uri_as_string(rt->value.literal.datatype);
    break;
  }
}

static void on_statement(void *ctx, raptor_statement *st) {
  ParseState *ps = ctx;
  KgTriple t;
  KgTerm g;
  char lang[256];
  from_raptor(st->subject, &t.s, lang);
  from_raptor(st->predicate, &t.p, lang);
  from_raptor(st->object, &t.o, lang);
  t.g = NULL;
  if (st->graph) {
    from_raptor(st->graph, &g, lang);
    t.g = &g;
  }
  raptor_term *o = st->object;
  if (ps->leaky && o->type == RAPTOR_TERM_TYPE_LITERAL &&
      o->value.literal.datatype)
    raptor_free_uri(o->value.literal.datatype);
  if (ps->status)
    return;
  ps->status = ps->on_triple(ps->ctx, &t);
  if (ps->status)
    raptor_parser_parse_abort(ps->parser);
}

/* The base IRI for a document called name: a file: IRI for a path. */
static raptor_uri *base_for(raptor_world *world, const char *name) {
  if (name && strstr(name, "://"))
    return raptor_new_uri(world, (const unsigned char *)name);
  unsigned char *s = raptor_uri_filename_to_uri_string(name ? name : "input");
  if (!s)
    return NULL;
  raptor_uri *uri = raptor_new_uri(world, s);
  raptor_free_memory(s);
  return uri;
}

/* Byte offset of the start of 1-based line in data. */
static size_t line_offset(const char *data, size_t len, unsigned line) {
  size_t at = 0;
  for (unsigned l = 1; l < line && at < len; at++)
    if (data[at] == '\n')
      l++;
  return at;
}

static KgStatus syntax_error(const RaptorLog *log, const char *data, size_t len,
                             const char *name, KgError *err) {
  unsigned line = log->line > 0 ? (unsigned)log->line : 0;
  /* raptor's Turtle lexer knows lines only; point at the line start then */
  unsigned col = log->column > 0 ? (unsigned)log->column : line ? 1 : 0;
  kg_error_set(err, KG_ERR_SYNTAX, name, line, col, "%s", log->text);
  if (err && line)
    kg_error_context(err, data, len, line_offset(data, len, line));
  return KG_ERR_SYNTAX;
}

static void set_parser_options(raptor_parser *p) {
  raptor_parser_set_option(p, RAPTOR_OPTION_NO_NET, NULL, 1);
  raptor_parser_set_option(p, RAPTOR_OPTION_NO_FILE, NULL, 1);
  raptor_parser_set_option(p, RAPTOR_OPTION_LOAD_EXTERNAL_ENTITIES, NULL, 0);
}

/* Run parser over data; returns the raptor result. */
static int run_parser(raptor_world *world, raptor_parser *p, const char *data,
                      size_t len, const char *name) {
  raptor_uri *base = base_for(world, name);
  if (!base)
    return -1;
  int rc = raptor_parser_parse_start(p, base);
  if (!rc)
    rc = raptor_parser_parse_chunk(p, (const unsigned char *)data, len, 1);
  raptor_free_uri(base);
  return rc;
}

/* Which raptor parser to use for data (NULL: none fits). */
static const char *choose_parser(raptor_world *world, const char *data,
                                 size_t len, const char *name,
                                 const char *syntax) {
  if (syntax)
    return parser_name(syntax);
  const char *by_name = syntax_by_name(name);
  if (by_name)
    return by_name;
  const char *guess = raptor_world_guess_parser_name(
      world, NULL, NULL, (const unsigned char *)data, len,
      (const unsigned char *)name);
  return guess && !strcmp(guess, "ntriples") ? "turtle" : guess;
}

KgStatus kg_rdf_parse_bytes(const char *data, size_t len, const char *name,
                            const char *syntax, KgTripleFunc on_triple,
                            void *ctx, KgError *err) {
  RaptorLog log = {0};
  ParseState ps = {on_triple, ctx, NULL, 0, KG_SUCCESS};
  raptor_world *world = open_world(&log);
  if (!world)
    return kg_error_set(err, KG_ERR_NOMEM, name, 0, 0, "cannot start raptor");
  KgStatus st = KG_SUCCESS;
  const char *parser_name = choose_parser(world, data, len, name, syntax);
  if (!parser_name) {
    st = kg_error_set(err, KG_ERR_UNSUPPORTED, name, 0, 0,
                      "unknown RDF syntax %s", syntax ? syntax : "");
    goto done;
  }
  ps.parser = raptor_new_parser(world, parser_name);
  if (!ps.parser) {
    st = kg_error_set(err, KG_ERR_NOMEM, name, 0, 0, "cannot make parser");
    goto done;
  }
  ps.leaky = leaks_datatypes(parser_name);
  set_parser_options(ps.parser);
  raptor_parser_set_statement_handler(ps.parser, &ps, on_statement);
  int rc = run_parser(world, ps.parser, data, len, name);
  if (ps.status)
    st = kg_error_set(err, ps.status, name, 0, 0, "reading RDF: %s",
                      kg_strstatus(ps.status));
  else if (log.seen || rc)
    st = log.seen
             ? syntax_error(&log, data, len, name, err)
             : kg_error_set(err, KG_ERR_SYNTAX, name, 0, 0, "cannot parse RDF");
done:
  if (ps.parser)
    raptor_free_parser(ps.parser);
  raptor_free_world(world);
  return st;
}

KgStatus kg_rdf_parse_file(const char *path, const char *syntax,
                           KgTripleFunc on_triple, void *ctx, KgError *err) {
  char *data = NULL;
  size_t len = 0;
  KgStatus st = kg_read_file(path, SIZE_MAX, &data, &len, err);
  if (!st)
    st = kg_rdf_parse_bytes(data, len, path, syntax, on_triple, ctx, err);
  kg_free(data);
  return st;
}

/* --------------------------------------------------------------- writing */

/* Output goes through our own raptor iostream into a KgBuf: raptor's
 * string stream keeps one heap node per write call, which costs gigabytes
 * on a large N-Triples file, and it would bypass kg_malloc. */
struct KgRdfWriter {
  RaptorLog log;
  raptor_world *world;
  raptor_serializer *ser;
  raptor_iostream *stream;
  KgBuf out;
  FILE *file; /* when set, output goes here instead of out */
  int failed; /* a statement was refused */
  int turtle;
};

/* Write what the buffer holds to the file. */
static void out_flush(KgRdfWriter *w) {
  if (!w->file)
    return; /* the buffer is the output */
  if (!kg_write_all(w->file, w->out.data, w->out.len))
    w->out.failed = true;
  w->out.len = 0;
}

/* Bytes to the buffer; with a file, the buffer is flushed every 64 KiB:
 * raptor writes escaped text a byte at a time, and a call to fwrite per
 * byte cost a quarter of a build. */
static void out_put(KgRdfWriter *w, const char *p, size_t n) {
  kg_buf_append(&w->out, p, n);
  if (w->file && w->out.len >= 65536 && !w->out.failed)
    out_flush(w);
}

/* raptor's Turtle writer puts a carriage return raw into a short "..."
 * string, where Turtle forbids it.  Raw CRs can only come from literals
 * (IRIs are ASCII-escaped by the caller, lines end in LF), and the escape
 * \r means the same inside short and long strings, so escape them all. */
static int out_bytes(void *ctx, const void *ptr, size_t size, size_t n) {
  KgRdfWriter *w = ctx;
  const char *p = ptr, *end = p + size * n;
  while (w->turtle && p < end) {
    const char *cr = memchr(p, '\r', (size_t)(end - p));
    if (!cr)
      break;
    out_put(w, p, (size_t)(cr - p));
    out_put(w, "\\r", 2);
    p = cr + 1;
  }
  out_put(w, p, (size_t)(end - p));
  return w->out.failed ? 1 : 0;
}

static int out_byte(void *ctx, const int byte) {
  KgRdfWriter *w = ctx;
  KgBuf *b = &w->out;
  if (byte != '\r' && b->len + 1 < b->cap && !b->failed) {
    /* most of the output comes this way, a byte at a time */
    b->data[b->len++] = (char)byte;
    b->data[b->len] = '\0';
    if (w->file && b->len >= 65536)
      out_flush(w);
    return 0;
  }
  char c = (char)byte;
  return out_bytes(ctx, &c, 1, 1);
}

static const raptor_iostream_handler out_handler = {
    .version = 2, .write_byte = out_byte, .write_bytes = out_bytes};

KgStatus kg_rdf_writer_new(const char *syntax, KgRdfWriter **out,
                           KgError *err) {
  return kg_rdf_writer_new_file(syntax, NULL, out, err);
}

KgStatus kg_rdf_writer_new_file(const char *syntax, FILE *f, KgRdfWriter **out,
                                KgError *err) {
  *out = NULL;
  const char *name = syntax ? serializer_name(syntax) : NULL;
  if (!name)
    return kg_error_set(err, KG_ERR_UNSUPPORTED, NULL, 0, 0,
                        "unknown RDF syntax %s", syntax ? syntax : "(none)");
  KgRdfWriter *w = kg_calloc(1, sizeof *w);
  if (!w)
    return kg_error_set(err, KG_ERR_NOMEM, NULL, 0, 0, "out of memory");
  w->turtle = !strcmp(name, "turtle");
  w->file = f;
  w->world = open_world(&w->log);
  if (w->world) {
    w->ser = raptor_new_serializer(w->world, name);
    w->stream = raptor_new_iostream_from_handler(w->world, w, &out_handler);
  }
  if (!w->ser || !w->stream ||
      raptor_serializer_start_to_iostream(w->ser, NULL, w->stream)) {
    kg_rdf_writer_free(w);
    return kg_error_set(err, KG_ERR_NOMEM, NULL, 0, 0,
                        "cannot start the %s writer", syntax);
  }
  *out = w;
  return KG_SUCCESS;
}

KgStatus kg_rdf_writer_prefix(KgRdfWriter *w, const char *prefix,
                              const char *iri) {
  raptor_uri *uri = raptor_new_uri(w->world, (const unsigned char *)iri);
  int rc = uri ? raptor_serializer_set_namespace(w->ser, uri,
                                                 (const unsigned char *)prefix)
               : 1;
  if (uri)
    raptor_free_uri(uri);
  return rc ? KG_ERR_BAD_ARG : KG_SUCCESS;
}

static raptor_term *to_raptor(raptor_world *world, const KgTerm *t) {
  const unsigned char *v = (const unsigned char *)t->value;
  if (t->kind == KG_TERM_IRI)
    return raptor_new_term_from_uri_string(world, v);
  if (t->kind == KG_TERM_BLANK)
    return raptor_new_term_from_blank(world, v);
  raptor_uri *dt =
      t->datatype ? raptor_new_uri(world, (const unsigned char *)t->datatype)
                  : NULL;
  if (t->datatype && !dt)
    return NULL;
  raptor_term *term = raptor_new_term_from_literal(
      world, v, dt,
      (const unsigned char *)(t->lang && *t->lang ? t->lang : NULL));
  if (dt)
    raptor_free_uri(dt);
  return term;
}

KgStatus kg_rdf_writer_add(KgRdfWriter *w, const KgTriple *t) {
  raptor_term *s = to_raptor(w->world, &t->s);
  raptor_term *p = to_raptor(w->world, &t->p);
  raptor_term *o = to_raptor(w->world, &t->o);
  raptor_term *g = t->g ? to_raptor(w->world, t->g) : NULL;
  KgStatus st = KG_ERR_NOMEM;
  if (s && p && o && (g || !t->g)) {
    raptor_statement rs = {w->world, 0, s, p, o, g};
    st = raptor_serializer_serialize_statement(w->ser, &rs) ? KG_ERR_BAD_ARG
                                                            : KG_SUCCESS;
  }
  raptor_term *terms[] = {s, p, o, g};
  for (size_t i = 0; i < 4; i++)
    if (terms[i])
      raptor_free_term(terms[i]);
  if (st)
    w->failed = 1;
  return st;
}

KgStatus kg_rdf_writer_finish(KgRdfWriter *w, char **data, size_t *len,
                              KgError *err) {
  *data = NULL;
  *len = 0;
  int rc = raptor_serializer_serialize_end(w->ser);
  raptor_free_serializer(w->ser);
  w->ser = NULL;
  if (!w->out.failed)
    out_flush(w);
  if (w->out.failed && w->file)
    return kg_error_set(err, KG_ERR_IO, NULL, 0, 0, "cannot write: %s",
                        strerror(errno ? errno : EIO));
  if (w->out.failed)
    return kg_error_set(err, KG_ERR_NOMEM, NULL, 0, 0, "out of memory");
  if (rc || w->failed || w->log.seen)
    return kg_error_set(err, w->failed ? KG_ERR_BAD_ARG : KG_ERR_INTERNAL, NULL,
                        0, 0, "writing RDF: %s",
                        w->log.seen ? w->log.text : "serializer failed");
  if (w->file)
    return KG_SUCCESS;
  *data = kg_buf_take(&w->out, len);
  if (!*data)
    return kg_error_set(err, KG_ERR_NOMEM, NULL, 0, 0, "out of memory");
  return KG_SUCCESS;
}

void kg_rdf_writer_free(KgRdfWriter *w) {
  if (!w)
    return;
  if (w->ser)
    raptor_free_serializer(w->ser);
  if (w->stream)
    raptor_free_iostream(w->stream);
  kg_buf_free(&w->out);
  if (w->world)
    raptor_free_world(w->world);
  kg_free(w);
}
