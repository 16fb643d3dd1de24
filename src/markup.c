/*
 * markup.c — text out of HTML and XML, the one file that sees libxml2.
 *
 * Both parsers get UTF-8 that source.c already converted, with the
 * encoding given as "UTF-8" and *_PARSE_IGNORE_ENC, so a wrong <meta
 * charset> or XML declaration cannot make libxml2 convert a second time.
 *
 * HTML options: RECOVER (real pages are broken and we want their text
 * anyway), NONET (never fetch anything), NOERROR and NOWARNING (libxml2
 * must not print: we read the context's error state ourselves).  libxml2
 * 2.9.14 halts on pathological input (nesting deeper than 256) yet still
 * returns the partial tree: the halted state (disableSAX, instate EOF)
 * tells us, and we warn that the rest of the page is missing.
 *
 * XML options: NONET, NOERROR, NOWARNING and nothing else.  Without NOENT
 * entity references stay reference nodes; without DTDLOAD/DTDVALID no
 * external DTD or entity is read; no XINCLUDE; no HUGE, so the built-in
 * depth (256) and entity amplification limits stay on.  The first fatal
 * error (captured per context through sax->serror) refuses the file.  We
 * expand internal entities ourselves while walking, under an output cap
 * (16 × input + 1 MiB) as a second line against amplification; external
 * ones are reported and left out, so file:///etc/passwd never appears.
 *
 * The walk is iterative (an explicit stack), so nesting depth can never
 * overflow the C stack.  Whitespace runs (with U+00A0) collapse to one
 * space; block elements end paragraphs with "\n\n".  In XML every element
 * is a block (it starts and ends a paragraph when it holds text): XML
 * has no notion of inline markup we could rely on.
 */
#include "markup.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <libxml/HTMLparser.h>
#include <libxml/entities.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#define HTML_OPTIONS                                                           \
  (HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR |                \
   HTML_PARSE_NOWARNING | HTML_PARSE_IGNORE_ENC)
#define XML_OPTIONS                                                            \
  (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |                 \
   XML_PARSE_IGNORE_ENC)

/* Elements whose whole subtree is boilerplate or not text. */
static const char *const html_drop[] = {
    "head",   "script", "style",  "noscript", "nav",      "header",
    "footer", "aside",  "form",   "iframe",   "template", "svg",
    "button", "select", "object", "embed",    "canvas",   NULL};

/* Elements that end a paragraph. */
static const char *const html_block[] = {
    "p",       "div",        "h1",      "h2",      "h3",      "h4",
    "h5",      "h6",         "li",      "tr",      "br",      "section",
    "article", "blockquote", "pre",     "dd",      "dt",      "dl",
    "table",   "ul",         "ol",      "main",    "figure",  "figcaption",
    "address", "hr",         "caption", "details", "summary", "center",
    "body",    "html",       NULL};

/* Never dropped for their class or id: dropping them loses the page. */
static const char *const html_keep[] = {"html", "body", "article", "main",
                                        NULL};

void kg_markup_init(void) {
  xmlInitParser();
}

static bool name_in(const xmlChar *name, const char *const *list) {
  for (; *list; list++)
    if (xmlStrcasecmp(name, (const xmlChar *)*list) == 0)
      return true;
  return false;
}

/* ----------------------------------------------------------- boilerplate */

/* Does one class/id token (lower-cased) name an advert, comments, sharing
 * buttons, related links or a sidebar?  "ad" only as a whole token, so
 * "header", "head" and "read" stay. */
static bool boiler_token(const char *t) {
  static const char *const contains[] = {"advert",  "comment", "share",
                                         "related", "sidebar", NULL};
  if (strcmp(t, "ad") == 0 || strcmp(t, "ads") == 0)
    return true;
  for (const char *const *c = contains; *c; c++)
    if (strstr(t, *c))
      return true;
  return false;
}

/* Split an attribute value on anything but letters and digits. */
static bool boiler_value(const xmlChar *v) {
  char tok[64];
  size_t n = 0;
  for (;; v++) {
    unsigned char c = *v;
    bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                (c >= '0' && c <= '9') || c >= 0x80;
    if (word && n + 1 < sizeof tok) {
      tok[n++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
      continue;
    }
    if (!word && n > 0) {
      tok[n] = '\0';
      if (boiler_token(tok))
        return true;
      n = 0;
    }
    if (!c)
      return false;
  }
}

static bool boiler_attr(xmlNodePtr n, const char *attr) {
  xmlAttrPtr a = xmlHasProp(n, (const xmlChar *)attr);
  return a && a->children && a->children->type == XML_TEXT_NODE &&
         a->children->content && boiler_value(a->children->content);
}

/* Is this HTML element to be left out with all it holds? */
static bool html_skip(xmlNodePtr n, xmlNodePtr root) {
  if (name_in(n->name, html_drop))
    return true;
  if (n == root || name_in(n->name, html_keep))
    return false;
  return boiler_attr(n, "class") || boiler_attr(n, "id");
}

/* First element called name below top in document order, not counting
 * any inside boilerplate (a "related stories" <article> in an <aside>). */
static xmlNodePtr find_first(xmlNodePtr top, const char *name) {
  xmlNodePtr n = top ? top->children : NULL;
  while (n) {
    bool down = false;
    if (n->type == XML_ELEMENT_NODE) {
      if (xmlStrcasecmp(n->name, (const xmlChar *)name) == 0)
        return n;
      down = n->children && !html_skip(n, NULL);
    }
    if (down) {
      n = n->children;
      continue;
    }
    while (n != top && !n->next)
      n = n->parent;
    n = n == top ? NULL : n->next;
  }
  return NULL;
}

/* ------------------------------------------------------------------ text */

typedef struct {
  xmlNodePtr next;  /* next child to visit */
  xmlNodePtr owner; /* element to close after the last; NULL for entity */
} Frame;

typedef struct {
  KgBuf *out;
  size_t start; /* where this document's text begins in out */
  size_t limit; /* bytes of text allowed (amplification guard) */
  bool html;
  bool space;   /* whitespace seen since the last text */
  unsigned pre; /* open <pre> elements */
  bool warned_external;
  xmlNodePtr root;
  const char *name;
  KgMessageFunc on_msg;
  void *ctx;
  KG_VEC(Frame) stack;
} Walk;

static bool at_line_start(const Walk *w) {
  return w->out->len == w->start || w->out->data[w->out->len - 1] == '\n';
}

/* End the paragraph: exactly one blank line, never at the start. */
static void brk(Walk *w) {
  KgBuf *b = w->out;
  w->space = false;
  while (b->len > w->start && b->data[b->len - 1] == ' ')
    b->data[--b->len] = '\0';
  if (b->len == w->start)
    return;
  if (b->data[b->len - 1] != '\n')
    kg_buf_putc(b, '\n');
  if (b->len - w->start < 2 || b->data[b->len - 2] != '\n')
    kg_buf_putc(b, '\n');
}

/* Length of the whitespace at p (U+00A0 included), or 0. */
static size_t space_len(const char *p) {
  if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f')
    return 1;
  return (unsigned char)p[0] == 0xC2 && (unsigned char)p[1] == 0xA0 ? 2 : 0;
}

static void emit_text(Walk *w, const xmlChar *content) {
  const char *p = (const char *)content;
  while (p && *p) {
    size_t k = space_len(p);
    if (k && w->pre) {
      if (*p != '\r')
        kg_buf_putc(w->out, *p == '\n' ? '\n' : ' ');
      p += k;
    } else if (k) {
      w->space = true;
      p += k;
    } else {
      size_t run = 0;
      while (p[run] && !space_len(p + run))
        run++;
      if (w->space && !at_line_start(w))
        kg_buf_putc(w->out, ' ');
      w->space = false;
      kg_buf_append(w->out, p, run);
      p += run;
    }
  }
}

static void enter(Walk *w, xmlNodePtr n) {
  if (xmlStrcasecmp(n->name, (const xmlChar *)"pre") == 0)
    w->pre++;
  if (!w->html || name_in(n->name, html_block))
    brk(w);
}

static void leave(Walk *w, xmlNodePtr n) {
  if (!n)
    return;
  if (w->pre && xmlStrcasecmp(n->name, (const xmlChar *)"pre") == 0)
    w->pre--;
  if (!w->html || name_in(n->name, html_block))
    brk(w);
  else if (name_in(n->name, (const char *const[]){"td", "th", NULL}))
    w->space = true; /* cells of a row stay apart */
}

static bool push(Walk *w, xmlNodePtr first, xmlNodePtr owner) {
  Frame f = {first, owner};
  return kg_vec_push(&w->stack, f);
}

/* Internal entities are walked in place; external ones never loaded. */
static bool entity_ref(Walk *w, xmlNodePtr n) {
  xmlEntityPtr ent = xmlGetDocEntity(n->doc, n->name);
  if (ent && ent->etype == XML_INTERNAL_GENERAL_ENTITY)
    return push(w, ent->children, NULL);
  if (!w->warned_external)
    kg_warn(w->on_msg, w->ctx, w->name, (unsigned)xmlGetLineNo(n), 0,
            "entity &%s; is external or undefined: not loaded, left out",
            (const char *)n->name);
  w->warned_external = true;
  return true;
}

static bool visit(Walk *w, xmlNodePtr n) {
  switch (n->type) {
  case XML_TEXT_NODE:
  case XML_CDATA_SECTION_NODE:
    emit_text(w, n->content);
    return true;
  case XML_ELEMENT_NODE:
    if (w->html && html_skip(n, w->root))
      return true;
    enter(w, n);
    return push(w, n->children, n);
  case XML_ENTITY_REF_NODE:
    return entity_ref(w, n);
  default: /* comments, processing instructions, DTD */
    return true;
  }
}

static KgStatus walk(Walk *w, xmlNodePtr root, KgError *err) {
  KgStatus rc = KG_SUCCESS;
  w->root = root;
  enter(w, root);
  if (!push(w, root->children, root))
    rc = KG_ERR_NOMEM;
  while (rc == KG_SUCCESS && w->stack.len > 0) {
    Frame *f = &w->stack.items[w->stack.len - 1];
    xmlNodePtr n = f->next;
    if (!n) {
      leave(w, f->owner);
      w->stack.len--;
      continue;
    }
    f->next = n->next;
    if (!visit(w, n) || w->out->failed)
      rc = KG_ERR_NOMEM;
    else if (w->out->len - w->start > w->limit)
      rc = kg_error_set(err, KG_ERR_LIMIT, w->name, 0, 0,
                        "entity expansion makes the text larger than %zu "
                        "bytes; refused",
                        w->limit);
  }
  kg_vec_free(&w->stack);
  if (rc == KG_ERR_NOMEM)
    return kg_error_set(err, rc, w->name, 0, 0, "out of memory");
  brk(w);
  while (w->out->len > w->start && w->out->data[w->out->len - 1] == '\n')
    w->out->data[--w->out->len] = '\0';
  return rc;
}

static KgStatus walk_doc(const char *name, xmlNodePtr root, bool html,
                         size_t in_len, KgBuf *out, KgMessageFunc on_msg,
                         void *ctx, KgError *err) {
  Walk w = {.out = out,
            .start = out->len,
            .html = html,
            .name = name,
            .on_msg = on_msg,
            .ctx = ctx};
  w.limit = in_len > SIZE_MAX / 32 ? SIZE_MAX / 2 : in_len * 16 + (1u << 20);
  if (!root)
    return KG_SUCCESS;
  return walk(&w, root, err);
}

/* ---------------------------------------------------------------- errors */

/* libxml2 messages end with a newline; copy without it. */
static void copy_message(char *dst, size_t n, const char *msg) {
  snprintf(dst, n, "%s", msg ? msg : "unknown error");
  size_t len = strlen(dst);
  while (len > 0 && (dst[len - 1] == '\n' || dst[len - 1] == ' '))
    dst[--len] = '\0';
}

/* The first fatal XML error, kept per parser context.  An error inside
 * an entity's replacement text is positioned in that text (line 1), so
 * the position comes from the first error raised in the document file. */
typedef struct {
  bool set, located;
  int code, line, col;
  char msg[256];
} FirstError;

static void on_xml_error(void *data, xmlErrorPtr e) {
  xmlParserCtxtPtr pc = data;
  FirstError *f = pc ? pc->_private : NULL;
  if (!f || !e || e->level < XML_ERR_FATAL || f->located)
    return;
  if (!f->set) {
    f->set = true;
    f->code = e->code;
    copy_message(f->msg, sizeof f->msg, e->message);
  }
  f->line = e->line;
  f->col = e->int2;
  f->located = e->file != NULL;
}

static void set_context(KgError *err, const char *text, size_t len, int line) {
  size_t at = 0;
  for (int l = 1; l < line && at < len; at++)
    l += text[at] == '\n';
  kg_error_context(err, text, len, at);
}

static KgStatus xml_refused(const char *name, const FirstError *f,
                            const char *utf8, size_t len, KgError *err) {
  bool limit = f->code == XML_ERR_ENTITY_LOOP ||
               (f->code == XML_ERR_INTERNAL_ERROR && strstr(f->msg, "depth"));
  KgStatus rc = f->code == XML_ERR_NO_MEMORY ? KG_ERR_NOMEM
                : limit                      ? KG_ERR_LIMIT
                                             : KG_ERR_SYNTAX;
  kg_error_set(err, rc, name, f->line > 0 ? (unsigned)f->line : 0,
               f->col > 0 ? (unsigned)f->col : 0, "%s XML, file skipped: %s",
               limit ? "unsafe" : "malformed", f->msg);
  set_context(err, utf8, len, f->line);
  return rc;
}

/* ------------------------------------------------------------------ parse */

static bool blank(const char *s, size_t len) {
  for (size_t i = 0; i < len; i++)
    if (!space_len(s + i))
      return false;
  return true;
}

static void warn_halted(const char *name, htmlParserCtxtPtr pc,
                        KgMessageFunc on_msg, void *ctx) {
  if (!pc->disableSAX && pc->instate != XML_PARSER_EOF)
    return;
  xmlErrorPtr e = xmlCtxtGetLastError(pc);
  char msg[256];
  copy_message(msg, sizeof msg, e ? e->message : NULL);
  kg_warn(on_msg, ctx, name, e && e->line > 0 ? (unsigned)e->line : 0, 0,
          "HTML parsing stopped early (%s); the text after this point is "
          "missing",
          msg);
}

KgStatus kg_markup_html(const char *name, const char *utf8, size_t len,
                        KgBuf *out, KgMessageFunc on_msg, void *ctx,
                        KgError *err) {
  if (blank(utf8, len))
    return KG_SUCCESS;
  if (len > INT_MAX)
    return kg_error_set(err, KG_ERR_LIMIT, name, 0, 0, "HTML too large");
  htmlParserCtxtPtr pc = htmlNewParserCtxt();
  if (!pc)
    return kg_error_set(err, KG_ERR_NOMEM, name, 0, 0, "out of memory");
  htmlDocPtr doc =
      htmlCtxtReadMemory(pc, utf8, (int)len, name, "UTF-8", HTML_OPTIONS);
  KgStatus rc = KG_SUCCESS;
  if (!doc || pc->errNo == XML_ERR_NO_MEMORY) {
    rc = kg_error_set(err, doc ? KG_ERR_NOMEM : KG_ERR_SYNTAX, name, 0, 0,
                      "cannot parse HTML");
  } else {
    warn_halted(name, pc, on_msg, ctx);
    xmlNodePtr top = xmlDocGetRootElement(doc);
    xmlNodePtr root = find_first(top, "article");
    if (!root)
      root = find_first(top, "main");
    if (!root)
      root = find_first(top, "body");
    rc = walk_doc(name, root ? root : top, true, len, out, on_msg, ctx, err);
  }
  xmlFreeDoc(doc);
  htmlFreeParserCtxt(pc);
  return rc;
}

KgStatus kg_markup_xml(const char *name, const char *utf8, size_t len,
                       KgBuf *out, KgMessageFunc on_msg, void *ctx,
                       KgError *err) {
  if (len > INT_MAX)
    return kg_error_set(err, KG_ERR_LIMIT, name, 0, 0, "XML too large");
  xmlParserCtxtPtr pc = xmlNewParserCtxt();
  if (!pc)
    return kg_error_set(err, KG_ERR_NOMEM, name, 0, 0, "out of memory");
  FirstError first = {0};
  pc->sax->serror = on_xml_error;
  pc->_private = &first;
  xmlDocPtr doc =
      xmlCtxtReadMemory(pc, utf8, (int)len, name, "UTF-8", XML_OPTIONS);
  KgStatus rc;
  if (!doc || !pc->wellFormed || first.set) {
    if (!first.set) {
      xmlErrorPtr e = xmlCtxtGetLastError(pc);
      first.code = e ? e->code : 0;
      first.line = e ? e->line : 0;
      first.col = e ? e->int2 : 0;
      copy_message(first.msg, sizeof first.msg, e ? e->message : NULL);
    }
    rc = xml_refused(name, &first, utf8, len, err);
  } else {
    rc = walk_doc(name, xmlDocGetRootElement(doc), false, len, out, on_msg, ctx,
                  err);
  }
  xmlFreeDoc(doc);
  xmlFreeParserCtxt(pc);
  return rc;
}
