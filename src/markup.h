/*
 * markup.h — the text of HTML and XML documents (libxml2 sealed inside
 * markup.c).  Input is UTF-8 (the caller converts); output is plain text
 * with a blank line ("\n\n") between blocks and no trailing whitespace.
 */
#ifndef KG_MARKUP_H
#define KG_MARKUP_H

#include "kg.h"
#include "util.h"

#include <stddef.h>

/** Set up libxml2 once; call before several threads parse (idempotent). */
void kg_markup_init(void);

/**
 * Append the readable text of an HTML page to out: the <article>, else
 * <main>, else <body>, without boilerplate (navigation, scripts, adverts,
 * comment sections, ...).  Broken HTML is repaired; a parse that stopped
 * early is warned about.  name is used in messages.
 */
KgStatus kg_markup_html(const char *name, const char *utf8, size_t len,
                        KgBuf *out, KgMessageFunc on_msg, void *ctx,
                        KgError *err);

/**
 * Append the text of an XML document to out, each element's text its own
 * paragraph.  A document that is not well-formed, too deep or that
 * expands entities too far is refused (KG_ERR_SYNTAX or KG_ERR_LIMIT,
 * with line and column).  External entities are never loaded.
 */
KgStatus kg_markup_xml(const char *name, const char *utf8, size_t len,
                       KgBuf *out, KgMessageFunc on_msg, void *ctx,
                       KgError *err);

#endif
