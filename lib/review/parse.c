/* SPDX-License-Identifier: MIT */
/* review/parse.c: the review file into a libxml2 tree: what libxml2 must never see is refused
 * first, then no DTD, entities or network. */
#include "review/review_priv.h"

#include <ctype.h>
#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define MAX_DEPTH    64
#define MAX_ATTRS    64
#define MAX_ELEMENTS 1000000u

/* ---- before parsing: things libxml2 must never see ------------------------ */
static int offset_error(kl_loader *L, int code, size_t off, const char *hint, const char *msg)
{
    unsigned line, col;
    kl_core__line_col(L->text, off, &line, &col);
    return kl_core__error(L->ctx, code, KL_AT(L->source, line, col), hint, "%s", msg);
}

static const char *find(const char *hay, size_t from, size_t len, const char *needle)
{
    if (from >= len)
        return NULL;
    size_t nl = strlen(needle);
    for (const char *p = hay + from; (size_t)(p - hay) + nl <= len; p++) {
        p = memchr(p, needle[0], len - (size_t)(p - hay));
        if (!p || (size_t)(p - hay) + nl > len)
            return NULL;
        if (memcmp(p, needle, nl) == 0)
            return p;
    }
    return NULL;
}

int kl_review__prescan(kl_loader *L)
{
    const char *t = L->text;
    size_t n = L->len, i = 0;
    if (n >= 3 && memcmp(t, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    if (n - i >= 6 && memcmp(t + i, "<?xml", 5) == 0 && isspace((unsigned char)t[i + 5])) {
        const char *end = find(t, i, n, "?>");
        const char *enc = find(t, i, end ? (size_t)(end - t) : n, "encoding");
        if (enc) {
            const char *q = enc + 8;
            while (q < t + n && (isspace((unsigned char)*q) || *q == '='))
                q++;
            if (q < t + n && (*q == '"' || *q == '\'')) {
                const char *v = q + 1, *ve = memchr(v, *q, (size_t)(t + n - v));
                size_t vl = ve ? (size_t)(ve - v) : 0;
                if (!((vl == 5 && strncasecmp(v, "utf-8", 5) == 0) ||
                      (vl == 4 && strncasecmp(v, "utf8", 4) == 0)))
                    return offset_error(L, KL_EFORMAT, (size_t)(enc - t),
                                        "save the file as UTF-8 and say encoding=\"UTF-8\"",
                                        "the review file must be UTF-8");
            }
        }
    }
    while (i < n) {
        const char *lt = memchr(t + i, '<', n - i);
        if (!lt)
            break;
        i = (size_t)(lt - t);
        const char *end;
        if (n - i >= 4 && memcmp(lt, "<!--", 4) == 0) {
            end = find(t, i + 4, n, "-->");
            i = end ? (size_t)(end - t) + 3 : n;
        } else if (n - i >= 9 && memcmp(lt, "<![CDATA[", 9) == 0) {
            end = find(t, i + 9, n, "]]>");
            i = end ? (size_t)(end - t) + 3 : n;
        } else if (n - i >= 2 && lt[1] == '!') {
            return offset_error(L, KL_EFORMAT, i,
                                "remove the <!DOCTYPE ...> declaration: review files need none",
                                "a DOCTYPE or entity declaration is not allowed in a review file");
        } else if (n - i >= 2 && lt[1] == '?') {
            end = find(t, i + 2, n, "?>");
            i = end ? (size_t)(end - t) + 2 : n;
        } else {
            size_t tag = i, attrs = 0;
            for (i++; i < n && t[i] != '>'; i++) {
                if (t[i] == '"' || t[i] == '\'') {
                    const char *q = memchr(t + i + 1, t[i], n - i - 1);
                    i = q ? (size_t)(q - t) : n;
                } else if (t[i] == '=') {
                    attrs++;
                } else if (t[i] == '<') {
                    break; /* not well-formed: the parser says where */
                }
            }
            if (attrs > MAX_ATTRS)
                return offset_error(L, KL_ELIMIT, tag, "check the file is a review file",
                                    "an element has too many attributes (more than 64)");
        }
    }
    return 0;
}

/* ---- parsing ---------------------------------------------------------------- */
static void stop_with(xmlParserCtxtPtr c, kl_loader *L, int code, const char *hint, const char *msg)
{
    if (!L->parse_rc) {
        unsigned line = (unsigned)c->input->line, col = (unsigned)c->input->col;
        L->parse_rc = kl_core__error(L->ctx, code, KL_AT(L->source, line, col), hint, "%s", msg);
    }
    xmlStopParser(c);
}

static void on_start(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri,
                     int nb_namespaces, const xmlChar **namespaces, int nb_attributes,
                     int nb_defaulted, const xmlChar **attributes)
{
    xmlParserCtxtPtr c = ctx;
    kl_loader *L = c->_private;
    xmlSAX2StartElementNs(ctx, localname, prefix, uri, nb_namespaces, namespaces, nb_attributes,
                          nb_defaulted, attributes);
    xmlNodePtr node = c->node;
    if (node && node->name == localname) {
        size_t off = (size_t)c->input->consumed + (size_t)(c->input->cur - c->input->base);
        if (off >= L->len)
            off = L->len ? L->len - 1 : 0;
        while (off > 0 && L->text[off] != '<')
            off--;
        node->_private = KL_REVIEW_TAG_OFFSET(off);
    }
    if (c->nodeNr > MAX_DEPTH)
        stop_with(c, L, KL_ELIMIT, "a review file is never this deep: check it is the right file",
                  "elements are nested more than 64 deep");
    else if (++L->n_elements > MAX_ELEMENTS)
        stop_with(c, L, KL_ELIMIT, "split the family into several review files",
                  "too many elements (more than 1,000,000)");
}

/* A <member> of <family> of the root is left empty once parsed: where it is in the text is kept
 * and its content parsed again when it is read (kl_review__member_open), so the tree never
 * holds the whole family (a 10,000-member review took 33 MB as a tree). Its own namespace
 * declarations stay: its name's namespace may be one of them. */
static bool family_member(xmlNodePtr n)
{
    xmlNodePtr f = n ? n->parent : NULL;
    return kl_review__is_el(n, "member") && kl_review__is_el(f, "family") && f->parent &&
           kl_review__is_el(f->parent, "review") && f->parent->parent &&
           f->parent->parent->type == XML_DOCUMENT_NODE;
}

static void on_end(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
    xmlParserCtxtPtr c = ctx;
    kl_loader *L = c->_private;
    xmlNodePtr node = c->node;
    xmlSAX2EndElementNs(ctx, localname, prefix, uri);
    if (!node || node->name != localname || !family_member(node) ||
        !KL_REVIEW_IS_OFFSET(node->_private))
        return;
    size_t end = (size_t)c->input->consumed + (size_t)(c->input->cur - c->input->base);
    if (end > L->len || KL_GROW(L->ranges, L->cap_ranges, L->n_ranges + 1) < 0) {
        stop_with(c, L, KL_ENOMEM, NULL, "out of memory");
        return;
    }
    L->ranges[L->n_ranges++] = (kl_member_range){node, KL_REVIEW_OFFSET_OF(node->_private), end};
    xmlFreeNodeList(node->children);
    node->children = node->last = NULL;
    xmlFreePropList(node->properties);
    node->properties = NULL;
}

static void on_dtd(void *ctx, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
    xmlParserCtxtPtr c = ctx;
    stop_with(c, c->_private, KL_EFORMAT, "remove the <!DOCTYPE ...> declaration",
              "a DOCTYPE is not allowed in a review file");
}

static void on_entity(void *ctx, const xmlChar *name, int type, const xmlChar *publicId,
                      const xmlChar *systemId, xmlChar *content)
{
    xmlParserCtxtPtr c = ctx;
    stop_with(c, c->_private, KL_EFORMAT, "remove the entity declaration",
              "entity declarations are not allowed in a review file");
}

static void on_xml_error(void *data, xmlErrorPtr err)
{
    xmlParserCtxtPtr c = data;
    kl_loader *L = c ? c->_private : NULL;
    if (!L || !err || err->level < XML_ERR_ERROR || L->parse_rc)
        return;
    /* libxml2's message whole, without its trailing line break. */
    const char *msg = err->message ? err->message : "XML error";
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        n--;
    L->parse_rc = kl_core__error(L->ctx, KL_EPARSE,
                                 KL_AT(L->source, (unsigned)err->line, (unsigned)err->int2),
                                 "fix the XML at this point (a missing closing tag, quote or "
                                 "'&amp;' for '&'?)",
                                 "not well-formed XML: %.*s", (int)n, msg);
}

int kl_review__parse_xml(kl_loader *L, xmlDocPtr *out)
{
    *out = NULL;
    if (L->len > INT_MAX)
        return kl_core__error(L->ctx, KL_ELIMIT, KL_AT(L->source, 0, 0), NULL, "file is too large");
    xmlParserCtxtPtr c = xmlCreateMemoryParserCtxt(L->text, (int)L->len);
    if (!c)
        return kl_core__oom(L->ctx);
    c->_private = L;
    c->sax->startElementNs = on_start;
    c->sax->endElementNs = on_end;
    c->sax->internalSubset = on_dtd;
    c->sax->externalSubset = on_dtd;
    c->sax->entityDecl = on_entity;
    c->sax->serror = on_xml_error;
    /* Network off; no entity substitution (no XML_PARSE_NOENT), no DTD
     * loading or defaulted attributes, no XInclude. Short texts (most
     * attribute values) kept inside their node (XML_PARSE_COMPACT: a malloc
     * less each, the tree being kept for the run; nothing changes a text
     * node of it, and libxml2 frees such nodes whole). */
    xmlCtxtUseOptions(c, XML_PARSE_NONET | XML_PARSE_BIG_LINES | XML_PARSE_NOWARNING |
                             XML_PARSE_COMPACT);
    c->replaceEntities = 0;
    c->loadsubset = 0;
    c->validate = 0;
    xmlParseDocument(c);
    xmlDocPtr doc = c->myDoc;
    c->myDoc = NULL;
    int rc = L->parse_rc;
    if (!rc && (!c->wellFormed || !doc)) {
        rc = doc ? kl_core__error(L->ctx, KL_EPARSE, KL_AT(L->source, 0, 0), NULL,
                                  "not well-formed XML")
                 : kl_core__oom(L->ctx);
    }
    xmlFreeParserCtxt(c);
    if (rc) {
        if (doc)
            xmlFreeDoc(doc);
        return rc;
    }
    *out = doc;
    return 0;
}

/* ---- a member's content, parsed again ------------------------------------------------ */

/* The next element's start tag at or after *at (before end) in the text: comments, CDATA,
 * processing instructions and end tags skipped (the text parsed once already). */
static size_t next_start_tag(const kl_loader *L, size_t at, size_t end)
{
    const char *t = L->text;
    while (at < end) {
        const char *lt = memchr(t + at, '<', end - at);
        if (!lt)
            return end;
        at = (size_t)(lt - t);
        const char *close = NULL;
        if (end - at >= 4 && memcmp(lt, "<!--", 4) == 0)
            close = find(t, at + 4, end, "-->");
        else if (end - at >= 9 && memcmp(lt, "<![CDATA[", 9) == 0)
            close = find(t, at + 9, end, "]]>");
        else if (end - at >= 2 && lt[1] == '?')
            close = find(t, at + 2, end, "?>");
        else if (end - at >= 2 && lt[1] != '/')
            return at;
        at = close ? (size_t)(close - t) + 1 : at + 1;
    }
    return end;
}

/* Each element's start tag offset, as on_start gives it, in document order. */
static void set_offsets(const kl_loader *L, xmlNodePtr n, size_t *at, size_t end)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        *at = next_start_tag(L, *at, end);
        n->_private = KL_REVIEW_TAG_OFFSET(*at < end ? *at : end - 1);
        (*at)++;
        set_offsets(L, n->children, at, end);
    }
}

static const kl_member_range *range_of(const kl_loader *L, size_t k)
{
    xmlNodePtr node = L->rv->extra[k].node;
    if (k < L->n_ranges && L->ranges[k].node == node)
        return &L->ranges[k];
    for (size_t i = 0; i < L->n_ranges; i++)
        if (L->ranges[i].node == node)
            return &L->ranges[i];
    return NULL;
}

xmlNodePtr kl_review__member_open(kl_loader *L, size_t k)
{
    const kl_member_range *r = range_of(L, k);
    if (!r && L->csv) { /* a CSV family's: made from its row again */
        xmlNodePtr whole = kl_review__csv_member(L, k);
        if (whole)
            xmlReplaceNode(L->rv->extra[k].node, whole);
        else
            L->oom = true;
        return whole;
    }
    if (!r)
        return L->rv->extra[k].node;
    xmlNodePtr list = NULL, family = r->node->parent;
    xmlParserErrors e =
        xmlParseInNodeContext(family, L->text + r->start, (int)(r->end - r->start),
                              XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOERROR |
                                  XML_PARSE_COMPACT | XML_PARSE_BIG_LINES,
                              &list);
    if (e != XML_ERR_OK || !list || list->next || list->type != XML_ELEMENT_NODE) {
        xmlFreeNodeList(list);
        L->oom = true; /* parsed once already: only memory can fail */
        return NULL;
    }
    size_t at = r->start;
    set_offsets(L, list, &at, r->end);
    xmlReplaceNode(r->node, list);
    return list;
}

void kl_review__member_close(kl_loader *L, size_t k, xmlNodePtr whole)
{
    const kl_member_range *r = range_of(L, k);
    xmlNodePtr empty = r ? r->node : L->csv ? L->rv->extra[k].node : NULL;
    if (!empty || !whole || whole == empty)
        return;
    xmlReplaceNode(whole, empty);
    xmlFreeNode(whole);
}
