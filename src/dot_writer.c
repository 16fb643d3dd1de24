/*
 * dot_writer.c — the fact store drawn with Graphviz.
 *
 * Three steps.  select_graph() decides what to draw: facts pass the predicate,
 * type and support filters, then (with a focus) a breadth-first walk over
 * the surviving facts, taken as undirected, keeps the neighbourhood; a node
 * is drawn only when one of its facts is (the focus always is).  build()
 * turns that into a cgraph graph, styled from the tables below (shape and
 * fill by entity type, colour by predicate or by the stance an `advocates`
 * edge points to, width by evidence) plus a legend cluster.  Finally the
 * graph is written as DOT source through a cgraph I/O discipline that
 * appends to a KgBuf, or laid out and rendered to memory by gvc.
 *
 * Every name written is derived from the data (entity keys, fact keys), and
 * nodes and facts are visited in store order, so one store always gives the
 * same bytes.  Big graphs get sfdp, straight edges and no edge labels (see
 * MAX_NODES_*): 5,000 nodes render to SVG in about 4 s.  User text is cleaned
 * before it reaches Graphviz: invalid UTF-8 becomes U+FFFD, control characters
 * XML forbids are dropped, backslashes are doubled (Graphviz reads `\n`, `\N`,
 * `\l` in labels) and
 * `&` becomes `&amp;` (Graphviz expands entities such as `&#1;`).
 *
 * Graphviz 2.x keeps process-wide state (the error handler, the lexer, the
 * plugin tables), so every Graphviz call here runs under one mutex.  One
 * GVC serves the whole process, made on first use and never freed: the
 * pango plugin of Graphviz 2.42 caches a pointer to the last font name,
 * which lives in the GVC, so freeing a GVC and making another one reads
 * freed memory on the next layout.  Errors reach us through agseterrf(),
 * whose handler has no context argument: it writes into a static buffer
 * that the mutex protects, and the previous handler is put back before
 * unlocking.
 * Graphviz code outside this file that runs at the same time would see our
 * handler; no other file in kg uses Graphviz.
 */
#include "dot_writer.h"

#include "util.h"

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#define FONT "Noto Sans CJK SC"
#define MAX_SENTENCE_CHARS 300
#define MAX_LABEL_CHARS 120
#define MAX_ALIASES_SHOWN 20
#define MAX_PENWIDTH 6.0
/* Force-directed layouts of big graphs: past these node counts, curved
 * edges, prism overlap removal and edge labels (which cost time and bury
 * the picture; the tooltip keeps them) go.  Graphviz 2.42's sfdp routes
 * splines=true around nodes in 6 s for 150 nodes, 100 s for 400. */
#define MAX_NODES_SPLINES 50
#define MAX_NODES_PRISM 1000
#define MAX_NODES_EDGE_LABELS 1000

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KG_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(KG_ASAN)
/* Graphviz, fontconfig and pango keep caches and plugin tables they never
 * free (and our one GVC lives as long as the process).  In builds with
 * AddressSanitizer, every program that links this file gets these leak
 * suppressions, so kg and the unit tests stay clean. */
__attribute__((visibility("default"))) const char *
__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) {
  return "leak:libgvc.so\nleak:libcgraph.so\nleak:libfontconfig.so\n"
         "leak:libgvplugin_\nleak:libpango\nleak:libcairo\n";
}
#endif

/* ------------------------------------------------------------- styling */

/* Node look by entity type.  To add a type: add a line; the legend and the
 * class attribute follow. */
typedef struct {
  const char *type, *shape, *fill, *style;
} TypeStyle;

static const TypeStyle TYPE_STYLES[] = {
    {"Organization", "box", "#cfe2f3", "rounded,filled"},
    {"Person", "ellipse", "#fff2cc", "filled"},
    {"Model", "hexagon", "#e1d5f0", "filled"},
    {"Product", "folder", "#d0ece7", "filled"},
    {"Event", "note", "#fde3c8", "filled"},
    {"Stance", "octagon", "#9e9e9e", "filled,bold"},
};
#define N_TYPES (sizeof TYPE_STYLES / sizeof *TYPE_STYLES)
/* Index N_TYPES: untyped or unknown entities. */
static const TypeStyle OTHER_STYLE = {"Entity", "ellipse", "#eeeeee", "filled"};
#define STANCE_TYPE 5

/* Which side of the debate a Stance entity stands for. */
typedef enum { SIDE_NONE, SIDE_OPEN, SIDE_CLOSED, N_SIDES } Side;

static const struct {
  const char *name, *fill, *font;
} SIDES[N_SIDES] = {
    [SIDE_NONE] = {"", "#9e9e9e", "black"},
    [SIDE_OPEN] = {"open", "#1b8a2f", "white"},
    [SIDE_CLOSED] = {"closed", "#c62828", "white"},
};

/* Markers of a side in a key, label or alias, checked closed first: "不开源"
 * (not open source) contains "开源". */
static const char *const CLOSED_MARKS[] = {"closed", "proprietary", "闭源",
                                           "閉源",   "不开源",      "不開源"};
static const char *const OPEN_MARKS[] = {"open", "开源", "開源", "开放",
                                         "開放"};

/* Edge colour by predicate; `advocates` takes its stance's colour. */
static const struct {
  const char *predicate, *color;
} PREDICATE_COLORS[] = {
    {"releases", "#1565c0"},     {"criticizes", "#ad1457"},
    {"founderOf", "#6a1b9a"},    {"worksFor", "#6d4c41"},
    {"partOf", "#455a64"},       {"hosts", "#00838f"},
    {"partnersWith", "#827717"}, {"acquires", "#283593"},
    {"competesWith", "#ef6c00"}, {"outperforms", "#00695c"},
    {"basedOn", "#757575"},
};
#define DEFAULT_EDGE_COLOR "#555555"

static size_t type_index(const char *type) {
  for (size_t i = 0; type && i < N_TYPES; i++)
    if (strcmp(type, TYPE_STYLES[i].type) == 0)
      return i;
  return N_TYPES;
}

static const TypeStyle *type_style(size_t i) {
  return i < N_TYPES ? &TYPE_STYLES[i] : &OTHER_STYLE;
}

/* ASCII-case-insensitive substring search (needle is ASCII or exact). */
static bool contains_ci(const char *hay, const char *needle) {
  size_t n = strlen(needle);
  for (; hay && *hay; hay++)
    if (strncasecmp(hay, needle, n) == 0)
      return true;
  return false;
}

static Side side_of_text(const char *s) {
  for (size_t i = 0; i < sizeof CLOSED_MARKS / sizeof *CLOSED_MARKS; i++)
    if (contains_ci(s, CLOSED_MARKS[i]))
      return SIDE_CLOSED;
  for (size_t i = 0; i < sizeof OPEN_MARKS / sizeof *OPEN_MARKS; i++)
    if (contains_ci(s, OPEN_MARKS[i]))
      return SIDE_OPEN;
  return SIDE_NONE;
}

/* The side of a Stance entity: from its key, else its label, else the
 * first alias that names one. */
static Side entity_side(const KgEntityView *e) {
  if (type_index(e->type) != STANCE_TYPE)
    return SIDE_NONE;
  Side s = side_of_text(e->key);
  if (s == SIDE_NONE)
    s = side_of_text(e->label);
  for (size_t i = 0; s == SIDE_NONE && i < e->n_aliases; i++)
    s = side_of_text(e->aliases[i]);
  return s;
}

static const char *predicate_color(const char *p) {
  for (size_t i = 0; i < sizeof PREDICATE_COLORS / sizeof *PREDICATE_COLORS;
       i++)
    if (strcmp(p, PREDICATE_COLORS[i].predicate) == 0)
      return PREDICATE_COLORS[i].color;
  return DEFAULT_EDGE_COLOR;
}

/* ------------------------------------------------------------ cleaning */

static bool is_han(uint32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x2EBEF);
}

static bool has_han(const char *s) {
  size_t n = s ? strlen(s) : 0;
  for (size_t i = 0; i < n;) {
    uint32_t cp;
    i += kg_utf8_decode(s + i, n - i, &cp);
    if (is_han(cp))
      return true;
  }
  return false;
}

/* Characters XML 1.0 cannot carry, and DEL. */
static bool xml_forbidden(uint32_t cp) {
  return cp < 0x20 || cp == 0x7F || (cp >= 0xD800 && cp <= 0xDFFF) ||
         cp == 0xFFFE || cp == 0xFFFF;
}

/* Append s to b as Graphviz escString text, keeping at most max code points
 * (then "…").  Whitespace controls become spaces; see the header comment. */
static void put_clean(KgBuf *b, const char *s, size_t max) {
  size_t n = s ? strlen(s) : 0, count = 0;
  for (size_t i = 0; i < n;) {
    uint32_t cp;
    i += kg_utf8_decode(s + i, n - i, &cp);
    if (cp == '\t' || cp == '\n' || cp == '\r')
      cp = ' ';
    if (xml_forbidden(cp))
      continue;
    if (count++ == max) {
      kg_buf_puts(b, "…");
      return;
    }
    if (cp == '\\')
      kg_buf_puts(b, "\\\\");
    else if (cp == '&')
      kg_buf_puts(b, "&amp;");
    else
      kg_buf_put_utf8(b, cp);
  }
}

/* s's ASCII letters, digits and '-' (others as '_'), at most max bytes. */
static void put_sanitized(KgBuf *b, const char *s, size_t max) {
  for (size_t i = 0; s[i] && i < max; i++) {
    unsigned char c = (unsigned char)s[i];
    bool ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
              (c >= 'a' && c <= 'z') || c == '-';
    kg_buf_putc(b, ok ? (char)c : '_');
  }
}

/* A Graphviz name and SVG id: prefix, the key sanitized, '_' and 8 hex
 * digits of the key's hash (keys that sanitize alike stay apart). */
static void put_id(KgBuf *b, const char *prefix, const char *key) {
  kg_buf_puts(b, prefix);
  put_sanitized(b, key, 40);
  kg_buf_printf(
      b, "_%08llx",
      (unsigned long long)(kg_hash64(key, strlen(key)) & 0xffffffffu));
}

/* ------------------------------------------------------------ selection */

typedef struct {
  size_t n_ent, n_fact;
  long *subj, *obj;        /* per fact: entity index, -1 unknown */
  unsigned char *fact_ok;  /* per fact: drawn */
  unsigned char *ent_keep; /* per entity: drawn */
  unsigned char *seed;     /* per entity: matches the focus */
  unsigned *dist;          /* per entity: hops from the focus */
  size_t n_keep;           /* entities drawn */
} Selection;

static void selection_free(Selection *s) {
  kg_free(s->subj);
  kg_free(s->obj);
  kg_free(s->fact_ok);
  kg_free(s->ent_keep);
  kg_free(s->seed);
  kg_free(s->dist);
}

/* Is word in the comma-separated list (blanks around items ignored)? */
static bool in_list(const char *list, const char *word) {
  size_t wn = word ? strlen(word) : 0;
  for (const char *p = list; p && *p;) {
    while (*p == ' ' || *p == ',')
      p++;
    const char *end = strchr(p, ',');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    while (n && p[n - 1] == ' ')
      n--;
    if (n && n == wn && strncasecmp(p, word, n) == 0)
      return true;
    p = end ? end + 1 : p + n;
  }
  return false;
}

static bool type_ok(const KgFactStore *fs, const KgDotOptions *o, long e) {
  if (!o->types || !*o->types)
    return true;
  return in_list(o->types, kg_fact_store_entity(fs, (size_t)e).type);
}

/* The filters that look at one fact only. */
static bool fact_passes(const KgFactStore *fs, const KgDotOptions *o,
                        const Selection *s, size_t i) {
  KgFactView f = kg_fact_store_fact(fs, i);
  if (s->subj[i] < 0 || s->obj[i] < 0)
    return false;
  if (o->predicates && *o->predicates && !in_list(o->predicates, f.predicate))
    return false;
  if (f.support < o->min_support)
    return false;
  return type_ok(fs, o, s->subj[i]) && type_ok(fs, o, s->obj[i]);
}

static bool matches_focus(const KgEntityView *e, const char *focus) {
  if (strcasecmp(e->key, focus) == 0 ||
      (e->label && strcasecmp(e->label, focus) == 0))
    return true;
  for (size_t i = 0; i < e->n_aliases; i++)
    if (strcasecmp(e->aliases[i], focus) == 0)
      return true;
  return false;
}

/* Mark the focus entities; fails when none matches. */
static KgStatus mark_seeds(const KgFactStore *fs, const char *focus,
                           Selection *s, KgError *err) {
  bool any = false;
  for (size_t e = 0; e < s->n_ent; e++) {
    KgEntityView v = kg_fact_store_entity(fs, e);
    s->seed[e] = matches_focus(&v, focus);
    any |= s->seed[e];
  }
  if (!any)
    return kg_error_set(err, KG_ERR_BAD_ARG, NULL, 0, 0,
                        "focus \"%s\" matches no entity", focus);
  return KG_SUCCESS;
}

/* Hops from the seeds over the facts that passed, both directions.
 * Relaxes all facts once per hop: depth is small. */
static void walk(Selection *s, unsigned depth) {
  for (size_t e = 0; e < s->n_ent; e++)
    s->dist[e] = s->seed[e] ? 0 : UINT_MAX;
  for (unsigned hop = 1; hop <= depth; hop++) {
    bool grew = false;
    for (size_t i = 0; i < s->n_fact; i++) {
      if (!s->fact_ok[i])
        continue;
      size_t a = (size_t)s->subj[i], b = (size_t)s->obj[i];
      if (s->dist[a] == hop - 1 && s->dist[b] > hop)
        s->dist[b] = hop, grew = true;
      if (s->dist[b] == hop - 1 && s->dist[a] > hop)
        s->dist[a] = hop, grew = true;
    }
    if (!grew)
      break;
  }
}

static KgStatus selection_alloc(Selection *s, size_t n_ent, size_t n_fact) {
  s->n_ent = n_ent;
  s->n_fact = n_fact;
  s->subj = kg_calloc(n_fact + 1, sizeof *s->subj);
  s->obj = kg_calloc(n_fact + 1, sizeof *s->obj);
  s->fact_ok = kg_calloc(n_fact + 1, 1);
  s->ent_keep = kg_calloc(n_ent + 1, 1);
  s->seed = kg_calloc(n_ent + 1, 1);
  s->dist = kg_calloc(n_ent + 1, sizeof *s->dist);
  bool ok =
      s->subj && s->obj && s->fact_ok && s->ent_keep && s->seed && s->dist;
  return ok ? KG_SUCCESS : KG_ERR_NOMEM;
}

/* Decide which facts and entities are drawn. */
static KgStatus select_graph(const KgFactStore *fs, const KgDotOptions *o,
                             Selection *s, KgError *err) {
  if (selection_alloc(s, kg_fact_store_n_entities(fs),
                      kg_fact_store_n_facts(fs)))
    return kg_error_set(err, KG_ERR_NOMEM, NULL, 0, 0, "out of memory");
  for (size_t i = 0; i < s->n_fact; i++) {
    KgFactView f = kg_fact_store_fact(fs, i);
    s->subj[i] = kg_fact_store_find_entity(fs, f.subject);
    s->obj[i] = kg_fact_store_find_entity(fs, f.object);
    s->fact_ok[i] = fact_passes(fs, o, s, i);
  }
  bool focused = o->focus && *o->focus;
  if (focused) {
    KgStatus st = mark_seeds(fs, o->focus, s, err);
    if (st)
      return st;
    walk(s, o->depth ? o->depth : 1);
  }
  for (size_t i = 0; i < s->n_fact; i++) {
    size_t a = (size_t)s->subj[i], b = (size_t)s->obj[i];
    if (s->fact_ok[i] && focused &&
        (s->dist[a] == UINT_MAX || s->dist[b] == UINT_MAX))
      s->fact_ok[i] = 0;
    if (s->fact_ok[i])
      s->ent_keep[a] = s->ent_keep[b] = 1;
  }
  for (size_t e = 0; e < s->n_ent; e++) {
    s->ent_keep[e] |= focused && s->seed[e];
    s->n_keep += s->ent_keep[e];
  }
  return KG_SUCCESS;
}

/* ------------------------------------------------------------- building */

/* Attribute handles, declared once with their defaults. */
typedef struct {
  Agraph_t *g;
  Agnode_t **nodes; /* per entity, NULL when not drawn */
  Side *sides;      /* per entity */
  size_t n_nodes;
  bool edge_labels;
  bool type_seen[N_TYPES + 1];
  bool side_seen[N_SIDES];    /* Stance nodes drawn, by side */
  bool advocates_to[N_SIDES]; /* advocates edges drawn, by side */
  Agsym_t *n_label, *n_shape, *n_fill, *n_style, *n_fontcolor, *n_tooltip,
      *n_class, *n_id;
  Agsym_t *e_label, *e_color, *e_fontcolor, *e_penwidth, *e_tooltip, *e_class,
      *e_id, *e_style;
  Agsym_t *n_color, *n_penwidth;
  const KgFactStore *diff_old, *diff_new; /* a diff picture, or NULL */
  bool change_seen[3];                    /* Change values drawn */
  KgBuf tmp;
} Builder;

/* Set attribute sym of obj to the scratch buffer's text; clears it. */
static void set_tmp(Builder *bd, void *obj, Agsym_t *sym) {
  agxset(obj, sym, bd->tmp.data ? bd->tmp.data : "");
  bd->tmp.len = 0;
  if (bd->tmp.data)
    bd->tmp.data[0] = '\0';
}

/* ----------------------------------------------------------- diff colours */

/* In a diff picture every element is in both graphs, only in the new one,
 * or only in the old one. */
typedef enum { SAME, ADDED, REMOVED } Change;

static const struct {
  const char *name, *line, *fill, *font, *style;
} CHANGES[] = {
    [SAME] = {"unchanged", "#9e9e9e", "#f2f2f2", "#616161", "filled"},
    [ADDED] = {"added", "#1a7f37", "#d7f5dd", "#0b4f20", "filled,bold"},
    [REMOVED] = {"removed", "#cf222e", "#fde2e1", "#82071e", "filled,dashed"},
};

static Change change_of(bool in_old, bool in_new) {
  return in_old && in_new ? SAME : in_new ? ADDED : REMOVED;
}

static Change entity_change(const Builder *bd, const char *key) {
  return change_of(kg_fact_store_find_entity(bd->diff_old, key) >= 0,
                   kg_fact_store_find_entity(bd->diff_new, key) >= 0);
}

static Change fact_change(const Builder *bd, const KgFactView *f) {
  return change_of(
      kg_fact_store_find_fact(bd->diff_old, f->subject, f->predicate, f->object,
                              f->qualifier) >= 0,
      kg_fact_store_find_fact(bd->diff_new, f->subject, f->predicate, f->object,
                              f->qualifier) >= 0);
}

/* Recolour node n for a diff picture; its shape still tells its type. */
static void diff_node(Builder *bd, Agnode_t *n, Change c, const char *type) {
  agxset(n, bd->n_style, (char *)CHANGES[c].style);
  agxset(n, bd->n_fill, (char *)CHANGES[c].fill);
  agxset(n, bd->n_color, (char *)CHANGES[c].line);
  agxset(n, bd->n_fontcolor, (char *)CHANGES[c].font);
  agxset(n, bd->n_penwidth, c == SAME ? "1" : "2");
  kg_buf_printf(&bd->tmp, "%s %s", type, CHANGES[c].name);
  set_tmp(bd, n, bd->n_class);
  bd->change_seen[c] = true;
}

static void diff_edge(Builder *bd, Agedge_t *ed, Change c, const char *pred) {
  agxset(ed, bd->e_color, (char *)CHANGES[c].line);
  agxset(ed, bd->e_fontcolor, (char *)CHANGES[c].line);
  agxset(ed, bd->e_style, c == REMOVED ? "dashed" : "solid");
  kg_buf_printf(&bd->tmp, "%s %s", pred, CHANGES[c].name);
  set_tmp(bd, ed, bd->e_class);
  bd->change_seen[c] = true;
}

static void declare_attrs(Builder *bd, const char *layout) {
  Agraph_t *g = bd->g;
  agattr(g, AGRAPH, "fontname", FONT);
  agattr(g, AGRAPH, "layout", (char *)layout);
  agattr(g, AGRAPH, "bgcolor", "white");
  agattr(g, AGRAPH, "outputorder", "edgesfirst");
  agattr(g, AGNODE, "fontname", FONT);
  agattr(g, AGNODE, "fontsize", "12");
  agattr(g, AGNODE, "margin", "0.12,0.06");
  bd->n_label = agattr(g, AGNODE, "label", "\\N");
  bd->n_shape = agattr(g, AGNODE, "shape", "ellipse");
  bd->n_style = agattr(g, AGNODE, "style", "filled");
  bd->n_fill = agattr(g, AGNODE, "fillcolor", "#eeeeee");
  bd->n_fontcolor = agattr(g, AGNODE, "fontcolor", "black");
  bd->n_tooltip = agattr(g, AGNODE, "tooltip", "");
  bd->n_class = agattr(g, AGNODE, "class", "");
  bd->n_id = agattr(g, AGNODE, "id", "");
  bd->n_color = agattr(g, AGNODE, "color", "black");
  bd->n_penwidth = agattr(g, AGNODE, "penwidth", "1");
  agattr(g, AGEDGE, "fontname", FONT);
  agattr(g, AGEDGE, "fontsize", "10");
  agattr(g, AGEDGE, "arrowsize", "0.7");
  bd->e_label = agattr(g, AGEDGE, "label", "");
  bd->e_color = agattr(g, AGEDGE, "color", DEFAULT_EDGE_COLOR);
  bd->e_fontcolor = agattr(g, AGEDGE, "fontcolor", DEFAULT_EDGE_COLOR);
  bd->e_penwidth = agattr(g, AGEDGE, "penwidth", "1");
  bd->e_style = agattr(g, AGEDGE, "style", "solid");
  bd->e_tooltip = agattr(g, AGEDGE, "tooltip", "");
  bd->e_class = agattr(g, AGEDGE, "class", "");
  bd->e_id = agattr(g, AGEDGE, "id", "");
}

/* Graph-wide layout settings: ranks left to right for dot, overlap removal
 * for the force-directed engines, cheaper as the graph grows. */
static void graph_settings(Agraph_t *g, const char *layout, size_t n) {
  if (strcmp(layout, "dot") == 0) {
    agsafeset(g, "rankdir", "LR", "");
    agsafeset(g, "nodesep", "0.3", "");
    agsafeset(g, "ranksep", "0.9", "");
  } else {
    agsafeset(g, "overlap", n <= MAX_NODES_PRISM ? "prism" : "scale", "");
    agsafeset(g, "splines", n <= MAX_NODES_SPLINES ? "true" : "false", "");
  }
  if (n == 0)
    agsafeset(g, "label", "(no facts to draw)", "");
}

/* The node style of entity e: type shape and fill, side colours for
 * stances. */
static void style_node(Builder *bd, Agnode_t *n, size_t ti, Side side) {
  const TypeStyle *ts = type_style(ti);
  agxset(n, bd->n_shape, (char *)ts->shape);
  agxset(n, bd->n_style, (char *)ts->style);
  agxset(n, bd->n_fill,
         (char *)(ti == STANCE_TYPE ? SIDES[side].fill : ts->fill));
  if (ti == STANCE_TYPE)
    agxset(n, bd->n_fontcolor, (char *)SIDES[side].font);
}

static void node_label(Builder *bd, Agnode_t *n, const KgEntityView *e) {
  const char *label = e->label && *e->label ? e->label : e->key;
  put_clean(&bd->tmp, label, MAX_LABEL_CHARS);
  for (size_t i = 0; !has_han(label) && i < e->n_aliases; i++)
    if (has_han(e->aliases[i])) {
      kg_buf_puts(&bd->tmp, "\\n");
      put_clean(&bd->tmp, e->aliases[i], MAX_LABEL_CHARS);
      break;
    }
  set_tmp(bd, n, bd->n_label);
}

static void node_tooltip(Builder *bd, Agnode_t *n, const KgEntityView *e) {
  KgBuf *b = &bd->tmp;
  put_clean(b, e->label && *e->label ? e->label : e->key, MAX_LABEL_CHARS);
  kg_buf_puts(b, " (");
  put_clean(b, e->type ? e->type : OTHER_STYLE.type, 64);
  kg_buf_puts(b, ")\\nkey: ");
  put_clean(b, e->key, MAX_LABEL_CHARS);
  for (size_t i = 0; i < e->n_aliases && i < MAX_ALIASES_SHOWN; i++) {
    kg_buf_puts(b, i ? " | " : "\\naliases: ");
    put_clean(b, e->aliases[i], MAX_LABEL_CHARS);
  }
  if (e->n_aliases > MAX_ALIASES_SHOWN)
    kg_buf_printf(b, " | … and %zu more", e->n_aliases - MAX_ALIASES_SHOWN);
  set_tmp(bd, n, bd->n_tooltip);
}

static void add_node(Builder *bd, const KgFactStore *fs, size_t ei) {
  KgEntityView e = kg_fact_store_entity(fs, ei);
  size_t ti = type_index(e.type);
  put_id(&bd->tmp, "e_", e.key);
  Agnode_t *n = agnode(bd->g, bd->tmp.data, 1);
  set_tmp(bd, n, bd->n_id);
  bd->nodes[ei] = n;
  bd->n_nodes++;
  bd->sides[ei] = entity_side(&e);
  bd->type_seen[ti] = true;
  if (ti == STANCE_TYPE)
    bd->side_seen[bd->sides[ei]] = true;
  style_node(bd, n, ti, bd->sides[ei]);
  agxset(n, bd->n_class, (char *)type_style(ti)->type);
  if (bd->diff_old)
    diff_node(bd, n, entity_change(bd, e.key), type_style(ti)->type);
  node_label(bd, n, &e);
  node_tooltip(bd, n, &e);
}

/* "doc#3: sentence" lines, at most KG_DOT_MAX_EVIDENCE of them. */
static void edge_tooltip(Builder *bd, Agedge_t *ed, const KgFactStore *fs,
                         const KgFactView *f) {
  KgBuf *b = &bd->tmp;
  KgEntityView s = kg_fact_store_entity(
      fs, (size_t)kg_fact_store_find_entity(fs, f->subject));
  KgEntityView o = kg_fact_store_entity(
      fs, (size_t)kg_fact_store_find_entity(fs, f->object));
  put_clean(b, s.label ? s.label : s.key, MAX_LABEL_CHARS);
  kg_buf_putc(b, ' ');
  put_clean(b, f->predicate, MAX_LABEL_CHARS);
  kg_buf_putc(b, ' ');
  put_clean(b, o.label ? o.label : o.key, MAX_LABEL_CHARS);
  if (f->qualifier) {
    kg_buf_puts(b, " (");
    put_clean(b, f->qualifier, MAX_LABEL_CHARS);
    kg_buf_putc(b, ')');
  }
  kg_buf_printf(b, " — %zu sentence%s", f->support, f->support == 1 ? "" : "s");
  for (size_t i = 0; i < f->n_evidence && i < KG_DOT_MAX_EVIDENCE; i++) {
    const KgEvidence *ev = &f->evidence[i];
    kg_buf_puts(b, "\\n");
    put_clean(b, ev->doc ? ev->doc : "?", MAX_LABEL_CHARS);
    kg_buf_printf(b, "#%zu: ", ev->sentence);
    put_clean(b, ev->text, MAX_SENTENCE_CHARS);
  }
  if (f->support > KG_DOT_MAX_EVIDENCE)
    kg_buf_printf(b, "\\n… and %zu more", f->support - KG_DOT_MAX_EVIDENCE);
  set_tmp(bd, ed, bd->e_tooltip);
}

/* The fact's id: predicate and a hash of (s, p, o, q). */
static void edge_id(Builder *bd, const KgFactView *f) {
  KgBuf key = {0};
  kg_buf_printf(&key, "%s\x1f%s\x1f%s\x1f%s", f->subject, f->predicate,
                f->object, f->qualifier ? f->qualifier : "");
  kg_buf_puts(&bd->tmp, "f_");
  put_sanitized(&bd->tmp, f->predicate, 40);
  kg_buf_printf(
      &bd->tmp, "_%016llx",
      (unsigned long long)(key.data ? kg_hash64(key.data, key.len) : 0));
  if (key.failed)
    bd->tmp.failed = true;
  kg_buf_free(&key);
}

static void add_edge(Builder *bd, const KgFactStore *fs, const Selection *s,
                     size_t fi) {
  KgFactView f = kg_fact_store_fact(fs, fi);
  Agedge_t *ed =
      agedge(bd->g, bd->nodes[s->subj[fi]], bd->nodes[s->obj[fi]], NULL, 1);
  edge_id(bd, &f);
  set_tmp(bd, ed, bd->e_id);
  agxset(ed, bd->e_class, (char *)f.predicate);
  if (bd->edge_labels) {
    put_clean(&bd->tmp, f.predicate, MAX_LABEL_CHARS);
    if (f.qualifier) {
      kg_buf_puts(&bd->tmp, " · ");
      put_clean(&bd->tmp, f.qualifier, MAX_LABEL_CHARS);
    }
    set_tmp(bd, ed, bd->e_label);
  }
  const char *color = predicate_color(f.predicate);
  Side side = bd->sides[s->obj[fi]];
  if (strcmp(f.predicate, "advocates") == 0 && side != SIDE_NONE) {
    color = SIDES[side].fill;
    bd->advocates_to[side] = true;
  }
  agxset(ed, bd->e_color, (char *)color);
  agxset(ed, bd->e_fontcolor, (char *)color);
  double w = 1.0 + log2(f.support ? (double)f.support : 1.0);
  kg_buf_printf(&bd->tmp, "%.2f", w > MAX_PENWIDTH ? MAX_PENWIDTH : w);
  set_tmp(bd, ed, bd->e_penwidth);
  if (bd->diff_old)
    diff_edge(bd, ed, fact_change(bd, &f), f.predicate);
  edge_tooltip(bd, ed, fs, &f);
}

/* ---------------------------------------------------------------- legend */

static Agnode_t *legend_node(Builder *bd, Agraph_t *sub, const char *name,
                             const char *label, size_t ti, Side side) {
  Agnode_t *n = agnode(sub, (char *)name, 1);
  style_node(bd, n, ti, side);
  agxset(n, bd->n_label, (char *)label);
  agxset(n, bd->n_id, (char *)name);
  kg_buf_printf(&bd->tmp, "legend %s", type_style(ti)->type);
  set_tmp(bd, n, bd->n_class);
  return n;
}

/* Stance sample nodes, one per side drawn, and a sample advocates edge to
 * each side an advocates edge points to. */
static void legend_stances(Builder *bd, Agraph_t *sub) {
  Agnode_t *adv = NULL;
  for (int side = 0; side < N_SIDES; side++) {
    if (!bd->side_seen[side])
      continue;
    char name[64], label[64];
    snprintf(name, sizeof name, "legend_Stance%s%s", side ? "_" : "",
             SIDES[side].name);
    snprintf(label, sizeof label, "Stance%s%s", side ? ": " : "",
             SIDES[side].name);
    Agnode_t *n = legend_node(bd, sub, name, label, STANCE_TYPE, side);
    if (!bd->advocates_to[side])
      continue;
    if (!adv) {
      adv = legend_node(bd, sub, "legend_advocates", "advocates", N_TYPES,
                        SIDE_NONE);
      agxset(adv, bd->n_shape, "plaintext");
      agxset(adv, bd->n_style, "solid");
      agxset(adv, bd->n_class, "legend advocates");
    }
    Agedge_t *e = agedge(sub, adv, n, NULL, 1);
    agxset(e, bd->e_color, (char *)SIDES[side].fill);
    agxset(e, bd->e_class, "legend advocates");
    snprintf(name, sizeof name, "legend_advocates_%s", SIDES[side].name);
    agxset(e, bd->e_id, name);
  }
}

/* A cluster with one sample node per type drawn. */
static void add_legend(Builder *bd) {
  Agraph_t *sub = agsubg(bd->g, "cluster_legend", 1);
  agsafeset(sub, "label", "Legend", "");
  agsafeset(sub, "style", "rounded", "");
  agsafeset(sub, "color", "#bbbbbb", "");
  agsafeset(sub, "fontsize", "12", "");
  for (size_t ti = 0; ti <= N_TYPES; ti++) {
    if (!bd->type_seen[ti] || ti == STANCE_TYPE)
      continue;
    const char *type = type_style(ti)->type;
    char name[64];
    snprintf(name, sizeof name, "legend_%s", type);
    legend_node(bd, sub, name, type, ti, SIDE_NONE);
  }
  legend_stances(bd, sub);
  for (int c = 0; bd->diff_old && c < 3; c++) {
    if (!bd->change_seen[c])
      continue;
    char name[64];
    snprintf(name, sizeof name, "legend_%s", CHANGES[c].name);
    Agnode_t *n =
        legend_node(bd, sub, name, CHANGES[c].name, N_TYPES, SIDE_NONE);
    agxset(n, bd->n_shape, "box");
    diff_node(bd, n, (Change)c, "legend");
  }
}

/* ---------------------------------------------------------------- output */

/* Guards all Graphviz calls, the context and the error capture below (see
 * the top). */
static pthread_mutex_t gv_lock = PTHREAD_MUTEX_INITIALIZER;
static GVC_t *gv_context; /* made on first use, under gv_lock */

/* What agseterrf() hands us, under gv_lock.  Graphviz sends a message in
 * pieces: "Error" or "Warning", then ": ", then the text. */
static struct {
  char cur[1024];  /* the message being received */
  char last[1024]; /* the last complete or partial error */
  bool cur_is_error;
} gv_err;

static int capture_error(char *piece) {
  if (strcmp(piece, "Error") == 0 || strcmp(piece, "Warning") == 0) {
    gv_err.cur[0] = '\0';
    gv_err.cur_is_error = piece[0] == 'E';
    return 0;
  }
  size_t n = strlen(gv_err.cur);
  snprintf(gv_err.cur + n, sizeof gv_err.cur - n, "%s",
           n == 0 && strcmp(piece, ": ") == 0 ? "" : piece);
  if (gv_err.cur_is_error)
    memcpy(gv_err.last, gv_err.cur, sizeof gv_err.last);
  return 0;
}

static KgStatus gv_error(KgError *err, KgStatus st, const char *what) {
  size_t n = strlen(gv_err.last);
  while (n && (gv_err.last[n - 1] == '\n' || gv_err.last[n - 1] == ' '))
    gv_err.last[--n] = '\0';
  return kg_error_set(err, st, NULL, 0, 0, "graphviz: %s%s%s", what,
                      n ? ": " : "", gv_err.last);
}

static int buf_putstr(void *chan, const char *str) {
  return kg_buf_puts(chan, str) ? 0 : EOF;
}

static int buf_flush(void *chan) {
  (void)chan;
  return 0;
}

/* Lay out g with engine layout and render it as format into out. */
static KgStatus render(Agraph_t *g, const char *layout, const char *format,
                       KgBuf *out, KgError *err) {
  if (!gv_context)
    gv_context = gvContext();
  GVC_t *gvc = gv_context;
  if (!gvc)
    return gv_error(err, KG_ERR_INTERNAL, "cannot create a context");
  KgStatus st = KG_SUCCESS;
  char *data = NULL;
  unsigned int n = 0;
  if (strcmp(format, "png") == 0) /* a bitmap: at most 60in × 96dpi */
    agsafeset(g, "size", "60,60", "");
  if (gvLayout(gvc, g, layout) != 0) {
    st = gv_error(err, KG_ERR_BAD_ARG, "layout failed");
  } else {
    if (gvRenderData(gvc, g, format, &data, &n) != 0 || !data)
      st = gv_error(err, KG_ERR_UNSUPPORTED, "rendering failed");
    else if (!kg_buf_append(out, data, n))
      st = kg_error_set(err, KG_ERR_NOMEM, NULL, 0, 0, "out of memory");
    gvFreeRenderData(data);
    gvFreeLayout(gvc, g);
  }
  return st;
}

/* The layout engine: the caller's, or dot while ranks stay readable. */
static const char *choose_layout(const KgDotOptions *o, const Selection *s) {
  if (o->layout && *o->layout)
    return o->layout;
  return s->n_keep <= KG_DOT_MAX_NODES ? "dot" : "sfdp";
}

static bool layout_name_ok(const char *layout) {
  if (!*layout || strlen(layout) > 32)
    return false;
  for (const char *p = layout; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
      return false;
  return true;
}

/* Build the cgraph graph from the selection (under gv_lock). */
static KgStatus build(Builder *bd, const KgFactStore *fs, const Selection *s,
                      const char *layout, Agdisc_t *disc, KgError *err) {
  bd->g = agopen("kg", Agdirected, disc);
  if (!bd->g)
    return gv_error(err, KG_ERR_NOMEM, "cannot create a graph");
  declare_attrs(bd, layout);
  bd->edge_labels =
      strcmp(layout, "dot") == 0 || s->n_keep <= MAX_NODES_EDGE_LABELS;
  for (size_t e = 0; e < s->n_ent; e++)
    if (s->ent_keep[e])
      add_node(bd, fs, e);
  for (size_t f = 0; f < s->n_fact; f++)
    if (s->fact_ok[f])
      add_edge(bd, fs, s, f);
  graph_settings(bd->g, layout, bd->n_nodes);
  if (bd->n_nodes)
    add_legend(bd);
  if (bd->tmp.failed)
    return kg_error_set(err, KG_ERR_NOMEM, NULL, 0, 0, "out of memory");
  return KG_SUCCESS;
}

/* Build the graph and write it as DOT (format NULL) or render it. */
static KgStatus draw(const KgFactStore *fs, const KgDotOptions *o,
                     const Selection *s, const char *format, KgBuf *out,
                     KgError *err) {
  const char *layout = choose_layout(o, s);
  if (!layout_name_ok(layout))
    return kg_error_set(err, KG_ERR_BAD_ARG, NULL, 0, 0,
                        "bad layout name \"%s\"", layout);
  Builder bd = {0};
  if (o->diff_old && o->diff_new) {
    bd.diff_old = o->diff_old;
    bd.diff_new = o->diff_new;
  }
  bd.nodes = kg_calloc(s->n_ent + 1, sizeof *bd.nodes);
  bd.sides = kg_calloc(s->n_ent + 1, sizeof *bd.sides);
  Agiodisc_t io = {AgIoDisc.afread, buf_putstr, buf_flush};
  Agdisc_t disc = {&AgMemDisc, &AgIdDisc, &io};
  KgStatus st = KG_SUCCESS;
  if (!bd.nodes || !bd.sides)
    st = kg_error_set(err, KG_ERR_NOMEM, NULL, 0, 0, "out of memory");
  pthread_mutex_lock(&gv_lock);
  agusererrf old = agseterrf(capture_error);
  memset(&gv_err, 0, sizeof gv_err);
  if (!st)
    st = build(&bd, fs, s, layout, &disc, err);
  if (!st && format)
    st = render(bd.g, layout, format, out, err);
  else if (!st && (agwrite(bd.g, out) == EOF || out->failed))
    st = kg_error_set(err, KG_ERR_NOMEM, NULL, 0, 0, "out of memory");
  if (bd.g)
    agclose(bd.g);
  agseterrf(old);
  pthread_mutex_unlock(&gv_lock);
  kg_buf_free(&bd.tmp);
  kg_free(bd.nodes);
  kg_free(bd.sides);
  return st;
}

KgStatus kg_dot_render(const KgFactStore *fs, const KgDotOptions *opts,
                       const char *format, char **data, size_t *len,
                       KgError *err) {
  if (!fs || !format || !data)
    return kg_error_set(err, KG_ERR_BAD_ARG, NULL, 0, 0,
                        "kg_dot_render: missing argument");
  *data = NULL;
  if (len)
    *len = 0;
  bool as_dot = strcmp(format, "dot") == 0;
  if (!as_dot && strcmp(format, "svg") != 0 && strcmp(format, "png") != 0)
    return kg_error_set(err, KG_ERR_BAD_ARG, NULL, 0, 0,
                        "unknown picture format \"%s\" (dot, svg, png)",
                        format);
  KgDotOptions none = {0};
  Selection s = {0};
  KgBuf out = {0};
  KgStatus st = select_graph(fs, opts ? opts : &none, &s, err);
  if (!st)
    st = draw(fs, opts ? opts : &none, &s, as_dot ? NULL : format, &out, err);
  selection_free(&s);
  if (!st && out.failed)
    st = kg_error_set(err, KG_ERR_NOMEM, NULL, 0, 0, "out of memory");
  if (!st && !(*data = kg_buf_take(&out, len)))
    st = kg_error_set(err, KG_ERR_NOMEM, NULL, 0, 0, "out of memory");
  kg_buf_free(&out);
  return st;
}

void kg_dot_options_from_view(const KgViewOptions *v, KgDotOptions *d) {
  d->layout = v->layout;
  d->focus = v->focus;
  d->depth = v->depth ? v->depth : 1;
  d->predicates = v->predicates;
  d->types = v->types;
  d->min_support = v->min_support;
}
