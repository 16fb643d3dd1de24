/*
 * main.c — the kg command line: parses arguments, calls the library,
 * prints what it returns.  Nothing here knows how a graph is built.
 *
 * Exit statuses: 0 success, 1 failure, 2 usage error (and, for `kg diff`,
 * like diff(1): 0 same, 1 different, 2 trouble).
 */
#include "graph_diff.h"
#include "kg.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { EXIT_USAGE = 2 };

static int verbose = 0; /* -v: one line per warning with context */
static int quiet = 0;   /* -q: warnings only */

/* ------------------------------------------------------------ messages */

/* Display width of one code point: East Asian wide characters take two
 * columns, so the caret lands under the right character of a CJK line. */
static int cp_width(unsigned long cp) {
  if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
      (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
      (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
      (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD))
    return 2;
  return 1;
}

/* Spaces (and tabs where the line has tabs) up to code point col. */
static void print_caret(FILE *f, const char *line, unsigned col) {
  const unsigned char *s = (const unsigned char *)line;
  for (unsigned i = 1; i < col && *s; i++) {
    unsigned long cp = *s;
    int n = cp < 0x80 ? 1 : cp < 0xE0 ? 2 : cp < 0xF0 ? 3 : 4;
    if (n > 1) {
      cp &= 0xFF >> (n + 1);
      for (int k = 1; k < n && s[k]; k++)
        cp = (cp << 6) | (s[k] & 0x3F);
    }
    if (*s == '\t')
      fputc('\t', f);
    else
      for (int w = cp_width(cp); w > 0; w--)
        fputc(' ', f);
    for (int k = 0; k < n && *s; k++)
      s++;
  }
  fputs("^\n", f);
}

static void print_message(const KgError *e) {
  static const char *const sev[] = {"error", "warning", "note"};
  if (e->file[0]) {
    fputs(e->file, stderr);
    if (e->line)
      fprintf(stderr, ":%u:%u", e->line, e->col);
    fputs(": ", stderr);
  } else {
    fputs("kg: ", stderr);
  }
  fprintf(stderr, "%s: %s\n", sev[e->severity], e->message);
  if (e->context[0] && e->line) {
    fprintf(stderr, "%s\n", e->context);
    print_caret(stderr, e->context, e->col ? e->col : 1);
  }
}

/* Progress on a terminal: one line rewritten in place, at most ten times a
 * second; -v adds one line per document. */
typedef struct {
  bool live;    /* stderr is a terminal and not -q */
  double start; /* seconds */
  double last;  /* last redraw */
  bool drawn;   /* a progress line is on screen */
} Progress;

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void clear_progress(Progress *pg) {
  if (pg->drawn)
    fputs("\r\033[K", stderr);
  pg->drawn = false;
}

static void on_message(void *ctx, const KgError *msg) {
  if (msg->severity == KG_MSG_NOTE && !verbose)
    return;
  if (ctx) /* a build: a progress line may be on screen */
    clear_progress(ctx);
  print_message(msg);
}

static int fail(const KgError *err) {
  print_message(err);
  return EXIT_FAILURE;
}

static int usage_error(const char *cmd, const char *fmt, const char *arg) {
  fprintf(stderr, "kg%s%s: ", cmd ? " " : "", cmd ? cmd : "");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\nTry 'kg %s%s--help'.\n", cmd ? cmd : "", cmd ? " " : "");
  return EXIT_USAGE;
}

/* getopt left the offending word at argv[optind - 1]. */
static int bad_option(const char *cmd, char **argv) {
  return usage_error(cmd, "unknown option or missing argument: '%s'",
                     argv[optind - 1]);
}

/* ------------------------------------------------------------- help */

static const char main_help[] =
    "Usage: kg COMMAND [OPTION...] [ARG...]\n"
    "Build a knowledge graph from news text with extraction rules.\n"
    "\n"
    "Commands:\n"
    "  build     read documents, apply the rules, write RDF and images\n"
    "  check     validate a rule set\n"
    "  explain   show how the rules read a text, sentence by sentence\n"
    "  render    draw a graph kg wrote as SVG, PNG or DOT\n"
    "  diff      what changed between two graphs\n"
    "\n"
    "Options:\n"
    "  -h, --help     show this help\n"
    "  -V, --version  show the version\n"
    "\n"
    "Run 'kg COMMAND --help' for the options of a command.\n"
    "\n"
    "Commands that load rules keep compiled gazetteers in $KG_CACHE_DIR,\n"
    "else $XDG_CACHE_HOME/kg, else ~/.cache/kg (--no-cache: none).\n";

static const char build_help[] =
    "Usage: kg build [OPTION...] [INPUT...]\n"
    "Read INPUT files and folders (default: corpus), apply the rules and\n"
    "write graph.ttl, graph.dot and graph.svg into the output folder.\n"
    "INPUT may be a file, a folder (read recursively in sorted order), '-'\n"
    "for standard input, or @LIST for a file listing one path per line.\n"
    "\n"
    "Options:\n"
    "  -r, --rules DIR         rule set folder (default: rules)\n"
    "  -o, --out DIR           output folder (default: out)\n"
    "  -f, --format LIST       outputs among ttl,nt,nq,rdfxml,dot,svg,png\n"
    "                          (default: ttl,dot,svg)\n"
    "      --base IRI          base of every IRI (default: " KG_DEFAULT_BASE
    ")\n"
    "  -j, --jobs N            threads (default: number of cores)\n"
    "      --max-file-size N   skip files larger than N bytes (default 64M;\n"
    "                          suffixes K, M, G)\n"
    "      --strict            any warning fails the build (exit 1)\n"
    "      --no-cache          do not use or fill the gazetteer cache\n"
    "      --diff-against OLD  after building, print what changed since the\n"
    "                          graph OLD (as kg diff does)\n"
    "      --layout ENGINE     graph layout: dot, sfdp, neato, ... (default:\n"
    "                          dot up to 150 drawn nodes, sfdp past that)\n"
    "      --focus ENTITY      draw only ENTITY and its neighbourhood\n"
    "      --depth N           with --focus: hops to keep (default 1)\n"
    "      --predicates LIST   draw only these predicates\n"
    "      --types LIST        draw only entities of these types\n"
    "      --min-support N     draw only facts stated in N+ sentences\n"
    "      --json              print the summary as JSON on standard output\n"
    "  -q, --quiet             no progress, no summary\n"
    "  -v, --verbose           one line per document, and notes\n"
    "  -h, --help              show this help\n"
    "\n"
    "Examples:\n"
    "  kg build                          # corpus/ -> out/\n"
    "  kg build -o /tmp/seeds ../shared/seeds\n"
    "  kg build -f ttl,nt,png --focus Baidu --depth 2 news/\n";

static const char check_help[] =
    "Usage: kg check [-r RULES_DIR] [--no-cache]\n"
    "Validate a rule set: report every error as file:line:col with the\n"
    "source line and a caret, and warn about rules that can never match.\n"
    "Exit 0 when the rules are valid.\n"
    "\n"
    "Options:\n"
    "  -r, --rules DIR   rule set folder (default: rules)\n"
    "      --no-cache    do not use or fill the gazetteer cache\n"
    "\n"
    "Examples:\n"
    "  kg check\n"
    "  kg check -r my-rules/\n";

static const char explain_help[] =
    "Usage: kg explain [-r RULES_DIR] [--no-cache] TEXT|-\n"
    "Show, for each sentence of TEXT (or standard input with '-'), the\n"
    "normalised text, the mentions, each rule that matched or almost\n"
    "matched, and the facts it would emit.\n"
    "\n"
    "Options:\n"
    "  -r, --rules DIR   rule set folder (default: rules)\n"
    "      --no-cache    do not use or fill the gazetteer cache\n"
    "\n"
    "Examples:\n"
    "  kg explain '百度创始人李彦宏坚定押注闭源。'\n"
    "  echo 'Meta released Llama 2 as open weights.' | kg explain -\n";

static const char render_help[] =
    "Usage: kg render GRAPH [-o FILE] [-f svg|png|dot] [VIEW OPTION...]\n"
    "Draw a graph kg wrote (Turtle, N-Triples or N-Quads).\n"
    "\n"
    "Options:\n"
    "  -o, --output FILE       output file (default: GRAPH with the\n"
    "                          format's extension)\n"
    "  -f, --format FORMAT     svg (default), png or dot\n"
    "      --layout, --focus, --depth, --predicates, --types, --min-support\n"
    "                          as for kg build\n"
    "\n"
    "Examples:\n"
    "  kg render out/graph.ttl -o baidu.svg --focus Baidu\n"
    "  kg render out/graph.ttl -f png -o graph.png\n";

static const char diff_help[] =
    "Usage: kg diff [OPTION...] OLD NEW\n"
    "Compare two graphs (Turtle, N-Triples or N-Quads; kg's or any RDF):\n"
    "facts added and removed, evidence gained and lost, entities, labels\n"
    "and documents.  Order, prefixes and blank-node names never count.\n"
    "Exit status: 0 no difference, 1 differences, 2 trouble.\n"
    "\n"
    "Options:\n"
    "  -f, --format FORMAT   text (default), patch (RDF Patch), or a\n"
    "                        picture: dot, svg, png (added green, removed\n"
    "                        red and dashed, unchanged grey)\n"
    "  -o, --output FILE     write there instead of standard output\n"
    "      --stat            counts only\n"
    "      --color WHEN      auto (default), always or never; NO_COLOR in\n"
    "                        the environment means never\n"
    "\n"
    "Examples:\n"
    "  kg diff old/graph.ttl out/graph.ttl\n"
    "  kg diff -f patch old/graph.ttl out/graph.ttl > update.rdfp\n"
    "  kg diff --stat v1.nt v2.nt\n"
    "  kg diff -f svg -o changes.svg old/graph.ttl out/graph.ttl\n";

/* -------------------------------------------------------------- cache */

/* mkdir -p path, new folders private (0700); true when it is a folder. */
static bool make_dirs(char *path) {
  for (char *p = path + 1; *p; p++) {
    if (*p != '/')
      continue;
    *p = '\0';
    mkdir(path, 0700); /* an existing folder is fine; the end checks */
    *p = '/';
  }
  struct stat sb;
  mkdir(path, 0700);
  return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* The gazetteer cache folder ($KG_CACHE_DIR, else $XDG_CACHE_HOME/kg,
 * else $HOME/.cache/kg), created if need be; NULL when there is none to
 * be had, which only means no cache.  Caller frees. */
static char *cache_dir(void) {
  const char *kg = getenv("KG_CACHE_DIR"), *xdg = getenv("XDG_CACHE_HOME");
  const char *home = getenv("HOME");
  char *dir = NULL;
  if (kg && *kg)
    dir = strdup(kg);
  else if ((xdg && *xdg) || (home && *home)) {
    const char *base = xdg && *xdg ? xdg : home;
    const char *tail = xdg && *xdg ? "/kg" : "/.cache/kg";
    if ((dir = malloc(strlen(base) + strlen(tail) + 1)) != NULL)
      sprintf(dir, "%s%s", base, tail);
  }
  if (dir && !make_dirs(dir)) {
    free(dir);
    dir = NULL;
  }
  return dir;
}

/* ------------------------------------------------------------ options */

enum {
  OPT_BASE = 256,
  OPT_MAX_FILE_SIZE,
  OPT_STRICT,
  OPT_LAYOUT,
  OPT_FOCUS,
  OPT_DEPTH,
  OPT_PREDICATES,
  OPT_TYPES,
  OPT_MIN_SUPPORT,
  OPT_DIFF_AGAINST,
  OPT_JSON,
  OPT_NO_CACHE,
};

#define VIEW_OPTIONS                                                           \
  {"layout", required_argument, NULL, OPT_LAYOUT},                             \
      {"focus", required_argument, NULL, OPT_FOCUS},                           \
      {"depth", required_argument, NULL, OPT_DEPTH},                           \
      {"predicates", required_argument, NULL, OPT_PREDICATES},                 \
      {"types", required_argument, NULL, OPT_TYPES}, {                         \
    "min-support", required_argument, NULL, OPT_MIN_SUPPORT                    \
  }

static int parse_count(const char *s, unsigned long long *out) {
  char *end;
  unsigned long long v = strtoull(s, &end, 10);
  if (end == s || *s == '-')
    return -1;
  switch (*end) {
  case 'K':
  case 'k':
    v <<= 10;
    end++;
    break;
  case 'M':
  case 'm':
    v <<= 20;
    end++;
    break;
  case 'G':
  case 'g':
    v <<= 30;
    end++;
    break;
  default:
    break;
  }
  if (*end)
    return -1;
  *out = v;
  return 0;
}

/* Handle a view option; 1 handled, 0 not a view option, -1 bad value. */
static int view_option(int c, const char *arg, KgViewOptions *v) {
  unsigned long long n;
  switch (c) {
  case OPT_LAYOUT:
    v->layout = arg;
    return 1;
  case OPT_FOCUS:
    v->focus = arg;
    return 1;
  case OPT_PREDICATES:
    v->predicates = arg;
    return 1;
  case OPT_TYPES:
    v->types = arg;
    return 1;
  case OPT_DEPTH:
  case OPT_MIN_SUPPORT:
    if (parse_count(arg, &n) || n > 1000000)
      return -1;
    if (c == OPT_DEPTH)
      v->depth = (unsigned)n;
    else
      v->min_support = (unsigned)n;
    return 1;
  default:
    return 0;
  }
}

/* The output table of --format: to add one, add a row and a KgFormat bit. */
static const struct {
  const char *name;
  unsigned bit;
} format_names[] = {{"ttl", KG_FORMAT_TTL},       {"turtle", KG_FORMAT_TTL},
                    {"nt", KG_FORMAT_NT},         {"ntriples", KG_FORMAT_NT},
                    {"nq", KG_FORMAT_NQ},         {"nquads", KG_FORMAT_NQ},
                    {"rdfxml", KG_FORMAT_RDFXML}, {"dot", KG_FORMAT_DOT},
                    {"svg", KG_FORMAT_SVG},       {"png", KG_FORMAT_PNG}};

/* Parse "ttl,nt,svg"; returns 0 and sets *bits, or -1 with *bad. */
static int parse_formats(const char *list, unsigned *bits, char *bad,
                         size_t bad_size) {
  *bits = 0;
  const char *s = list;
  while (*s) {
    size_t n = strcspn(s, ",");
    size_t k = 0;
    for (; k < sizeof format_names / sizeof *format_names; k++)
      if (strlen(format_names[k].name) == n &&
          strncmp(format_names[k].name, s, n) == 0)
        break;
    if (k == sizeof format_names / sizeof *format_names) {
      snprintf(bad, bad_size, "%.*s", (int)n, s);
      return -1;
    }
    *bits |= format_names[k].bit;
    s += n + (s[n] == ',');
  }
  return *bits ? 0 : -1;
}

/* --------------------------------------------------------------- diff */

enum { DIFF_SAME = 0, DIFF_DIFFERENT = 1, DIFF_TROUBLE = 2 };

static bool want_color(const char *when, FILE *to) {
  if (!strcmp(when, "always"))
    return true;
  if (!strcmp(when, "never"))
    return false;
  const char *no = getenv("NO_COLOR");
  return (!no || !*no) && isatty(fileno(to));
}

/* Print the diff of old and new in format to `to`; returns the exit
 * status of kg diff. */
static int run_diff(const char *old_path, const char *new_path,
                    const char *format, bool stat, bool color, FILE *to) {
  KgGraphDiff *d = NULL;
  KgError err = {0};
  if (kg_graph_diff_files(old_path, new_path, &d, &err) != KG_SUCCESS) {
    print_message(&err);
    return DIFF_TROUBLE;
  }
  int rc = kg_graph_diff_empty(d) ? DIFF_SAME : DIFF_DIFFERENT;
  char *text = NULL;
  size_t len = 0;
  KgStatus st = KG_SUCCESS;
  if (rc == DIFF_SAME && !stat && !strcmp(format, "text"))
    ; /* like diff(1): nothing to say */
  else if (stat)
    st = kg_graph_diff_stat_text(d, &text, &len);
  else if (!strcmp(format, "patch"))
    st = kg_graph_diff_patch(d, &text, &len);
  else if (strcmp(format, "text"))
    st = kg_graph_diff_picture(d, format, &text, &len, &err);
  else
    st = kg_graph_diff_text(d, color, &text, &len);
  if (st != KG_SUCCESS) {
    if (!err.message[0])
      snprintf(err.message, sizeof err.message, "%s", kg_strstatus(st));
    print_message(&err);
    rc = DIFF_TROUBLE;
  } else if (text && fwrite(text, 1, len, to) != len) {
    fprintf(stderr, "kg diff: cannot write the diff\n");
    rc = DIFF_TROUBLE;
  }
  kg_free_string(text);
  kg_graph_diff_free(d);
  return rc;
}

/* ------------------------------------------------------------- build */

static void on_progress(void *ctx, const KgProgress *p) {
  Progress *pg = ctx;
  if (verbose) {
    clear_progress(pg);
    fprintf(stderr, "%s: %s%zu facts, %zu warnings\n", p->document,
            p->skipped ? "skipped, " : "", p->facts, p->warnings);
  }
  double t = now_seconds();
  if (!pg->live || (t - pg->last < 0.1 && p->done < p->total))
    return;
  pg->last = t;
  double elapsed = t - pg->start > 1e-6 ? t - pg->start : 1e-6;
  double rate = (double)p->bytes_done / 1e6 / elapsed;
  double left =
      p->done ? elapsed * (double)(p->total - p->done) / (double)p->done : 0;
  fprintf(stderr, "\r\033[Kkg: %zu/%zu documents, %.1f MB/s, %.0f s left",
          p->done, p->total, rate, left);
  pg->drawn = true;
}

static void print_summary(const KgBuildStats *s, const char *out_dir) {
  fprintf(stderr, "  %-10s %zu read, %zu skipped\n", "documents", s->documents,
          s->skipped);
  fprintf(stderr, "  %-10s %zu\n  %-10s %zu\n", "sentences", s->sentences,
          "mentions", s->mentions);
  fprintf(stderr, "  %-10s %zu (%zu supporting sentences)\n", "facts", s->facts,
          s->evidence);
  for (size_t i = 0; i < s->n_by_predicate; i++)
    fprintf(stderr, "    %-16s %zu\n", s->by_predicate[i].name,
            s->by_predicate[i].count);
  fprintf(stderr, "  %-10s %zu\n", "entities", s->entities);
  for (size_t i = 0; i < s->n_by_type; i++)
    fprintf(stderr, "    %-16s %zu\n", s->by_type[i].name, s->by_type[i].count);
  fprintf(stderr, "  %-10s %zu\n", "warnings", s->warnings);
  fprintf(stderr,
          "kg: %zu documents (%zu skipped), %zu sentences, %zu mentions, "
          "%zu facts, %zu entities, %zu warnings -> %s/\n",
          s->documents, s->skipped, s->sentences, s->mentions, s->facts,
          s->entities, s->warnings, out_dir);
}

static void json_counts(const KgCount *c, size_t n) {
  fputc('{', stdout);
  for (size_t i = 0; i < n; i++)
    printf("%s\"%s\": %zu", i ? ", " : "", c[i].name, c[i].count);
  fputc('}', stdout);
}

/* The summary as JSON on stdout (names are ontology local names and type
 * names: plain ASCII identifiers, nothing to escape). */
static void print_json(const KgBuildStats *s, const char *out_dir) {
  printf("{\"documents\": {\"read\": %zu, \"skipped\": %zu}, "
         "\"bytes\": %zu, \"sentences\": %zu, \"mentions\": %zu, ",
         s->documents, s->skipped, s->bytes, s->sentences, s->mentions);
  printf("\"facts\": {\"total\": %zu, \"evidence\": %zu, \"by_predicate\": ",
         s->facts, s->evidence);
  json_counts(s->by_predicate, s->n_by_predicate);
  printf("}, \"entities\": {\"total\": %zu, \"by_type\": ", s->entities);
  json_counts(s->by_type, s->n_by_type);
  printf("}, \"warnings\": %zu, \"out\": \"", s->warnings);
  for (const char *c = out_dir; *c; c++)
    printf(*c == '"' || *c == '\\' ? "\\%c" : "%c", *c);
  printf("\"}\n");
}

static int cmd_build(int argc, char **argv) {
  static const struct option longopts[] = {
      {"rules", required_argument, NULL, 'r'},
      {"out", required_argument, NULL, 'o'},
      {"format", required_argument, NULL, 'f'},
      {"jobs", required_argument, NULL, 'j'},
      {"base", required_argument, NULL, OPT_BASE},
      {"max-file-size", required_argument, NULL, OPT_MAX_FILE_SIZE},
      {"strict", no_argument, NULL, OPT_STRICT},
      {"diff-against", required_argument, NULL, OPT_DIFF_AGAINST},
      {"quiet", no_argument, NULL, 'q'},
      {"verbose", no_argument, NULL, 'v'},
      {"json", no_argument, NULL, OPT_JSON},
      {"no-cache", no_argument, NULL, OPT_NO_CACHE},
      {"help", no_argument, NULL, 'h'},
      VIEW_OPTIONS,
      {NULL, 0, NULL, 0}};
  KgBuildOptions o = {0};
  bool json = false, no_cache = false;
  o.on_msg = on_message;
  const char *diff_against = NULL;
  unsigned long long n;
  char bad[64];
  int c, v;
  while ((c = getopt_long(argc, argv, "r:o:f:j:qvh", longopts, NULL)) != -1) {
    if ((v = view_option(c, optarg, &o.view)) != 0) {
      if (v < 0)
        return usage_error("build", "bad number '%s'", optarg);
      continue;
    }
    switch (c) {
    case 'r':
      o.rules_dir = optarg;
      break;
    case 'o':
      o.out_dir = optarg;
      break;
    case 'f':
      if (parse_formats(optarg, &o.formats, bad, sizeof bad))
        return usage_error("build", "unknown format '%s'", bad);
      break;
    case 'j':
      if (parse_count(optarg, &n) || n < 1 || n > 256)
        return usage_error("build", "bad thread count '%s'", optarg);
      o.threads = (unsigned)n;
      break;
    case OPT_BASE:
      o.base_iri = optarg;
      break;
    case OPT_MAX_FILE_SIZE:
      if (parse_count(optarg, &n) || n == 0)
        return usage_error("build", "bad size '%s'", optarg);
      o.max_file_size = (size_t)n;
      break;
    case OPT_STRICT:
      o.strict = 1;
      break;
    case OPT_DIFF_AGAINST:
      diff_against = optarg;
      break;
    case OPT_JSON:
      json = true;
      break;
    case OPT_NO_CACHE:
      no_cache = true;
      break;
    case 'q':
      quiet = 1;
      break;
    case 'v':
      verbose = 1;
      break;
    case 'h':
      fputs(build_help, stdout);
      return EXIT_SUCCESS;
    default:
      return bad_option("build", argv);
    }
  }
  o.inputs = (const char *const *)argv + optind;
  o.n_inputs = (size_t)(argc - optind);
  Progress pg = {!quiet && isatty(STDERR_FILENO), now_seconds(), 0, false};
  o.on_progress = on_progress;
  o.progress_ctx = &pg;
  o.msg_ctx = &pg;
  KgBuildStats stats;
  KgError err = {0};
  char *cache = no_cache ? NULL : cache_dir();
  o.cache_dir = cache;
  KgStatus st = kg_build(&o, &stats, &err);
  free(cache);
  clear_progress(&pg);
  if (st != KG_SUCCESS)
    return fail(&err);
  const char *dir = o.out_dir ? o.out_dir : "out";
  if (json)
    print_json(&stats, dir);
  if (!quiet)
    print_summary(&stats, dir);
  if (diff_against) {
    if (o.formats && !(o.formats & KG_FORMAT_TTL))
      return usage_error("build", "%s", "--diff-against needs the ttl output");
    char *built = malloc(strlen(dir) + 12);
    if (!built)
      return EXIT_FAILURE;
    sprintf(built, "%s/graph.ttl", dir);
    int rc = run_diff(diff_against, built, "text", false,
                      want_color("auto", stdout), stdout);
    free(built);
    return rc == DIFF_TROUBLE ? EXIT_FAILURE : EXIT_SUCCESS;
  }
  return EXIT_SUCCESS;
}

/* ------------------------------------------------------------- check */

/* The options of check and explain: -r DIR, --no-cache and --help.
 * Returns an exit status to return, or -1 to go on (*cache set: the
 * caller frees it). */
static int rules_options(int argc, char **argv, const char *cmd,
                         const char *help, const char **dir, char **cache) {
  static const struct option longopts[] = {
      {"rules", required_argument, NULL, 'r'},
      {"no-cache", no_argument, NULL, OPT_NO_CACHE},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  bool no_cache = false;
  int c;
  while ((c = getopt_long(argc, argv, "r:h", longopts, NULL)) != -1) {
    switch (c) {
    case 'r':
      *dir = optarg;
      break;
    case OPT_NO_CACHE:
      no_cache = true;
      break;
    case 'h':
      fputs(help, stdout);
      return EXIT_SUCCESS;
    default:
      return bad_option(cmd, argv);
    }
  }
  *cache = no_cache ? NULL : cache_dir();
  return -1;
}

static int cmd_check(int argc, char **argv) {
  const char *dir = "rules";
  char *cache = NULL;
  int rc = rules_options(argc, argv, "check", check_help, &dir, &cache);
  if (rc >= 0)
    return rc;
  if (optind < argc)
    dir = argv[optind++];
  if (optind < argc) {
    free(cache);
    return usage_error("check", "unexpected argument '%s'", argv[optind]);
  }
  KgRules *rules = NULL;
  KgError err = {0};
  KgStatus st =
      kg_rules_load_cached(dir, cache, on_message, NULL, &rules, &err);
  free(cache);
  if (st != KG_SUCCESS) {
    if (err.status == KG_ERR_NOMEM || err.status == KG_ERR_IO)
      print_message(&err);
    fprintf(stderr, "kg check: %s: rule set has errors\n", dir);
    return EXIT_FAILURE;
  }
  size_t warnings = kg_rules_lint(rules, on_message, NULL);
  fprintf(stderr, "kg check: %s: %zu rules, %zu entities, %zu warning%s\n", dir,
          kg_rules_count(rules), kg_rules_entity_count(rules), warnings,
          warnings == 1 ? "" : "s");
  kg_rules_free(rules);
  return EXIT_SUCCESS;
}

/* ------------------------------------------------------------ explain */

static char *read_stdin(size_t *len) {
  size_t cap = 65536, n = 0;
  char *buf = malloc(cap);
  size_t got;
  while (buf && (got = fread(buf + n, 1, cap - n - 1, stdin)) > 0) {
    n += got;
    if (cap - n < 2) {
      char *nb = realloc(buf, cap * 2);
      if (!nb) {
        free(buf);
        return NULL;
      }
      buf = nb;
      cap *= 2;
    }
  }
  if (buf)
    buf[n] = '\0';
  *len = n;
  return buf;
}

static int cmd_explain(int argc, char **argv) {
  const char *dir = "rules";
  char *cache = NULL;
  int rc = rules_options(argc, argv, "explain", explain_help, &dir, &cache);
  if (rc >= 0)
    return rc;
  if (optind != argc - 1) {
    free(cache);
    return usage_error("explain", "%s", "expects one TEXT (or - for stdin)");
  }
  size_t len = 0;
  char *text =
      strcmp(argv[optind], "-") == 0 ? read_stdin(&len) : strdup(argv[optind]);
  if (!text) {
    free(cache);
    fprintf(stderr, "kg explain: cannot read the text\n");
    return EXIT_FAILURE;
  }
  if (strcmp(argv[optind], "-") != 0)
    len = strlen(text);
  KgRules *rules = NULL;
  KgError err = {0};
  char *report = NULL;
  rc = EXIT_SUCCESS;
  if (kg_rules_load_cached(dir, cache, on_message, NULL, &rules, &err) !=
          KG_SUCCESS ||
      kg_explain_text(rules, text, len, &report, &err) != KG_SUCCESS)
    rc = fail(&err);
  else
    fputs(report, stdout);
  kg_free_string(report);
  kg_rules_free(rules);
  free(text);
  free(cache);
  return rc;
}

/* ------------------------------------------------------------- render */

static int cmd_render(int argc, char **argv) {
  static const struct option longopts[] = {
      {"output", required_argument, NULL, 'o'},
      {"format", required_argument, NULL, 'f'},
      {"help", no_argument, NULL, 'h'},
      VIEW_OPTIONS,
      {NULL, 0, NULL, 0}};
  KgViewOptions view = {0};
  const char *out = NULL, *format = "svg";
  int c, v;
  while ((c = getopt_long(argc, argv, "o:f:h", longopts, NULL)) != -1) {
    if ((v = view_option(c, optarg, &view)) != 0) {
      if (v < 0)
        return usage_error("render", "bad number '%s'", optarg);
      continue;
    }
    switch (c) {
    case 'o':
      out = optarg;
      break;
    case 'f':
      if (strcmp(optarg, "svg") && strcmp(optarg, "png") &&
          strcmp(optarg, "dot"))
        return usage_error("render", "unknown format '%s'", optarg);
      format = optarg;
      break;
    case 'h':
      fputs(render_help, stdout);
      return EXIT_SUCCESS;
    default:
      return bad_option("render", argv);
    }
  }
  if (optind != argc - 1)
    return usage_error("render", "%s", "expects one GRAPH file");
  const char *graph = argv[optind];
  char *derived = NULL;
  if (!out) {
    const char *dot = strrchr(graph, '.');
    size_t stem =
        dot && !strchr(dot, '/') ? (size_t)(dot - graph) : strlen(graph);
    derived = malloc(stem + 8);
    if (!derived)
      return EXIT_FAILURE;
    snprintf(derived, stem + 8, "%.*s.%s", (int)stem, graph, format);
    out = derived;
  }
  KgError err = {0};
  int rc = kg_render(graph, &view, format, out, &err) == KG_SUCCESS
               ? EXIT_SUCCESS
               : fail(&err);
  free(derived);
  return rc;
}

static int cmd_diff(int argc, char **argv) {
  static const struct option longopts[] = {
      {"format", required_argument, NULL, 'f'},
      {"output", required_argument, NULL, 'o'},
      {"stat", no_argument, NULL, 's'},
      {"color", required_argument, NULL, 'c'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  const char *format = "text", *out = NULL, *color = "auto";
  bool stat = false;
  int c;
  while ((c = getopt_long(argc, argv, "f:o:h", longopts, NULL)) != -1) {
    switch (c) {
    case 'f':
      if (strcmp(optarg, "text") && strcmp(optarg, "patch") &&
          strcmp(optarg, "dot") && strcmp(optarg, "svg") &&
          strcmp(optarg, "png"))
        return usage_error("diff", "unknown format '%s'", optarg);
      format = optarg;
      break;
    case 'o':
      out = optarg;
      break;
    case 's':
      stat = true;
      break;
    case 'c':
      if (strcmp(optarg, "auto") && strcmp(optarg, "always") &&
          strcmp(optarg, "never"))
        return usage_error("diff", "bad --color '%s'", optarg);
      color = optarg;
      break;
    case 'h':
      fputs(diff_help, stdout);
      return EXIT_SUCCESS;
    default:
      return bad_option("diff", argv);
    }
  }
  if (optind != argc - 2)
    return usage_error("diff", "%s", "expects two graphs: OLD NEW");
  FILE *to = out ? fopen(out, "w") : stdout;
  if (!to) {
    perror(out);
    return DIFF_TROUBLE;
  }
  int rc = run_diff(argv[optind], argv[optind + 1], format, stat,
                    want_color(color, to), to);
  if (out && fclose(to) != 0) {
    perror(out);
    rc = DIFF_TROUBLE;
  }
  return rc;
}

/* --------------------------------------------------------------- main */

/* The command table: to add a command, add a row. */
static const struct {
  const char *name;
  int (*run)(int argc, char **argv);
} commands[] = {{"build", cmd_build},
                {"check", cmd_check},
                {"explain", cmd_explain},
                {"render", cmd_render},
                {"diff", cmd_diff}};

/* Output that did not reach standard output (a full disk, a closed pipe)
 * is a failure, said once. */
static int finish_stdout(int rc, bool diff) {
  if (fflush(stdout) == 0 && !ferror(stdout))
    return rc;
  fprintf(stderr, "kg: cannot write to standard output: %s\n", strerror(errno));
  return diff ? DIFF_TROUBLE : EXIT_FAILURE;
}

int main(int argc, char **argv) {
  if (argc < 2)
    return usage_error(NULL, "%s", "missing command");
  const char *cmd = argv[1];
  if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
    fputs(main_help, stdout);
    return EXIT_SUCCESS;
  }
  if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version")) {
    printf("kg %s\n", KG_VERSION);
    return EXIT_SUCCESS;
  }
  for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
    if (!strcmp(cmd, commands[i].name)) {
      opterr = 0; /* unknown options get our one-line message */
      int rc = commands[i].run(argc - 1, argv + 1);
      return finish_stdout(rc, !strcmp(cmd, "diff"));
    }
  return usage_error(NULL, "unknown command '%s'", cmd);
}
