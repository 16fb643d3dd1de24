/*
 * kg.h — the public interface of libkg, a rule-based knowledge-graph builder.
 *
 * The library turns documents into facts through a fixed pipeline:
 *
 *   source → encoding/markup → normalizer → segmenter → gazetteer (mentions)
 *          → matcher (rules) → fact_store → rdf_writer / dot_writer
 *                                         → graph_diff
 *
 * Every type here is opaque and comes in a kg_x_new / kg_x_free pair;
 * kg_x_free(NULL) is a no-op.  Library code never prints and never exits:
 * each call returns a KgStatus and fills a KgError with file, line, column
 * and a message that the caller prints.  Warnings about bad input (a file
 * skipped, an invalid byte, a rule abandoned on one sentence) go to a
 * KgMessageFunc the caller registers, and the work goes on.
 */
#ifndef KG_H
#define KG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(KG_BUILDING_LIBRARY) && defined(__GNUC__)
#define KG_API __attribute__((visibility("default")))
#else
#define KG_API
#endif

#define KG_VERSION "0.1.0"

/* The status list, as an X-macro so the enum and its name table never
 * drift apart.  To add one: add a line here, nothing else. */
#define KG_STATUS_LIST(X)                                                      \
  X(KG_SUCCESS, "success")                                                     \
  X(KG_FAILURE, "no result")                                                   \
  X(KG_ERR_NOMEM, "out of memory")                                             \
  X(KG_ERR_IO, "input/output error")                                           \
  X(KG_ERR_SYNTAX, "syntax error")                                             \
  X(KG_ERR_ENCODING, "encoding error")                                         \
  X(KG_ERR_LIMIT, "limit exceeded")                                            \
  X(KG_ERR_BAD_ARG, "bad argument")                                            \
  X(KG_ERR_UNSUPPORTED, "unsupported input")                                   \
  X(KG_ERR_INTERNAL, "internal error")

typedef enum {
#define KG_X_ENUM(name, text) name,
  KG_STATUS_LIST(KG_X_ENUM)
#undef KG_X_ENUM
} KgStatus;

/** The fixed English text of a status. */
KG_API const char *kg_strstatus(KgStatus status);

/** Severity of a message sent to a KgMessageFunc. */
typedef enum { KG_MSG_ERROR, KG_MSG_WARNING, KG_MSG_NOTE } KgSeverity;

/*
 * An error or warning.  file is empty and line/col are 0 when unknown.
 * line and col are 1-based; col counts Unicode code points.  context holds
 * the source line the position points into (for a caret), or is empty.
 */
typedef struct {
  KgStatus status;
  KgSeverity severity;
  char file[1024];
  unsigned line;
  unsigned col;
  char message[1024];
  char context[512];
} KgError;

/** Receives warnings and notes while the library works on. */
typedef void (*KgMessageFunc)(void *ctx, const KgError *msg);

/* ------------------------------------------------------------------ rules */

/** A loaded rule set: gazetteer (entities.ttl), rules (*.rules), ontology. */
typedef struct KgRules KgRules;

/**
 * Load the rule set in DIR: every `*.rules` file (sorted by name), the
 * gazetteer `entities.ttl` and, if present, `ontology.ttl`.  On success
 * *out owns a new rule set (free with kg_rules_free).  Every error found
 * is sent to on_msg (when not NULL); err holds the first one.
 */
KG_API KgStatus kg_rules_load(const char *dir, KgMessageFunc on_msg,
                              void *msg_ctx, KgRules **out, KgError *err);

/** kg_rules_load, keeping the compiled gazetteer in cache_dir (NULL or
 * "": no cache) so that the next load of the same entities is quick.
 * The result and the messages are the same either way. */
KG_API KgStatus kg_rules_load_cached(const char *dir, const char *cache_dir,
                                     KgMessageFunc on_msg, void *msg_ctx,
                                     KgRules **out, KgError *err);

/** Free a rule set. */
KG_API void kg_rules_free(KgRules *rules);

/** Counts of what a rule set holds (for `kg check`). */
KG_API size_t kg_rules_count(const KgRules *rules);
KG_API size_t kg_rules_entity_count(const KgRules *rules);

/* ------------------------------------------------------------------ build */

/** Output formats, as bits. */
typedef enum {
  KG_FORMAT_TTL = 1 << 0,
  KG_FORMAT_NT = 1 << 1,
  KG_FORMAT_NQ = 1 << 2,
  KG_FORMAT_RDFXML = 1 << 3,
  KG_FORMAT_DOT = 1 << 4,
  KG_FORMAT_SVG = 1 << 5,
  KG_FORMAT_PNG = 1 << 6,
} KgFormat;

/** What part of a graph to draw (`--focus`, `--predicates`, ...). */
typedef struct {
  const char *layout;     /* "dot", "sfdp", ...; NULL: by size */
  const char *focus;      /* entity key, label or alias; NULL: all */
  unsigned depth;         /* hops around focus; 0: 1 */
  const char *predicates; /* comma-separated list to keep; NULL: all */
  const char *types;      /* comma-separated entity types; NULL: all */
  unsigned min_support;   /* facts with fewer evidence sentences dropped */
} KgViewOptions;

#define KG_DEFAULT_BASE "http://example.org/kg/"
#define KG_DEFAULT_MAX_FILE_SIZE ((size_t)64 << 20)

/** After each document: its position, what it gave, the bytes so far. */
typedef struct {
  size_t done, total;   /* documents merged so far, documents in all */
  size_t bytes_done;    /* raw bytes of the documents merged */
  const char *document; /* key of the document just merged */
  size_t facts;         /* facts found in it (with repeats) */
  size_t warnings;      /* warnings it raised */
  int skipped;          /* it could not be read */
} KgProgress;

typedef void (*KgProgressFunc)(void *ctx, const KgProgress *p);

/** What a build reads and writes.  Zeroed fields take the defaults. */
typedef struct {
  const char *rules_dir;     /* default "rules" */
  const char *out_dir;       /* default "out" */
  const char *const *inputs; /* files, directories, "-" or "@LIST" */
  size_t n_inputs;           /* 0: "corpus" */
  const char *base_iri;      /* default KG_DEFAULT_BASE */
  unsigned formats;          /* KgFormat bits; 0: ttl, dot, svg */
  size_t max_file_size;      /* 0: KG_DEFAULT_MAX_FILE_SIZE */
  unsigned threads;          /* 0: number of cores */
  KgViewOptions view;        /* what the graph images show */
  int strict;                /* any warning makes the build fail */
  KgMessageFunc on_msg;      /* warnings; may be NULL */
  void *msg_ctx;
  KgProgressFunc on_progress; /* after each document; may be NULL */
  void *progress_ctx;
  const char *cache_dir; /* compiled gazetteers; NULL or "": no cache */
} KgBuildOptions;

#define KG_MAX_COUNTS 64

/** A named count (facts of one predicate, entities of one type). */
typedef struct {
  char name[64];
  size_t count;
} KgCount;

/** What a build found. */
typedef struct {
  size_t documents; /* read and processed */
  size_t skipped;   /* unreadable, binary, too large */
  size_t bytes;     /* of the documents read */
  size_t sentences;
  size_t mentions;
  size_t facts;    /* distinct (s, p, o, qualifier) */
  size_t evidence; /* supporting sentences, all facts */
  size_t entities; /* entities that take part in a fact */
  size_t warnings;
  KgCount by_predicate[KG_MAX_COUNTS]; /* facts per predicate, by name */
  size_t n_by_predicate;
  KgCount by_type[KG_MAX_COUNTS]; /* entities per type, by name */
  size_t n_by_type;
} KgBuildStats;

/** Run a whole build: read, extract, write the outputs atomically. */
KG_API KgStatus kg_build(const KgBuildOptions *opts, KgBuildStats *stats,
                         KgError *err);

/* ---------------------------------------------------------------- text */

/** One fact found in a piece of text, as labels. */
typedef struct {
  const char *subject, *subject_type;
  const char *predicate;
  const char *object, *object_type;
  const char *qualifier; /* NULL when none */
  const char *rule;
  const char *sentence; /* the sentence, as given */
} KgFoundFact;

typedef void (*KgFoundFunc)(void *ctx, const KgFoundFact *fact);

/** Extract the facts of one text (UTF-8) with a loaded rule set. */
KG_API KgStatus kg_extract(const KgRules *rules, const char *text, size_t len,
                           KgFoundFunc on_fact, void *ctx, KgError *err);

/** `kg explain`: a readable report of how the rules see text.
 * *report: caller frees with kg_free_string. */
KG_API KgStatus kg_explain_text(const KgRules *rules, const char *text,
                                size_t len, char **report, KgError *err);

/** Warnings for rules that can never match, shadowed rules and unused
 * entities; returns their count. */
KG_API size_t kg_rules_lint(const KgRules *rules, KgMessageFunc on_msg,
                            void *ctx);

/** Draw a graph kg wrote (Turtle, N-Triples, N-Quads) as "svg", "png" or
 * "dot" into out_path (written atomically). */
KG_API KgStatus kg_render(const char *graph_path, const KgViewOptions *view,
                          const char *format, const char *out_path,
                          KgError *err);

/** Free a string the library returned. */
KG_API void kg_free_string(char *s);

#ifdef __cplusplus
}
#endif

#endif /* KG_H */
