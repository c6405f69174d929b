/* SPDX-License-Identifier: MIT */
/* review/load.c: read, check and validate a review file and its CSV family list. */
#include "review/csv.h"
#include "review/review_priv.h"

#include <ctype.h>
#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/relaxng.h>
#include <libxml/xmlerror.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define NS                  "urn:kinletter:review:1"
#define MAX_DEPTH           64
#define MAX_ATTRS           64
#define MAX_ELEMENTS        1000000u
#define MAX_VALID_ERRORS    20
#define DEFAULT_MAX_BYTES   ((size_t)8 << 20)
#define DEFAULT_MAX_MEMBERS 10000u
#define FORMAT_DOC          "see docs/REVIEW-FORMAT.md"

extern const unsigned char kl_review_rng[];
extern const size_t kl_review_rng_len;

/* ---- CSV columns ---------------------------------------------------------- */
enum {
    C_ID,
    C_TITLE,
    C_GIVEN,
    C_FAMILY,
    C_RELATIONSHIP,
    C_GENDER,
    C_AGE,
    C_PR,
    C_LOCALE,
    C_ALSO,
    C_INTERPRETER,
    C_PRINT,
    C_READING,
    C_CHANNELS,
    C_ADDRESS,
    C_TOWN,
    C_POSTCODE,
    C_EMAIL,
    C_PHONE,
    C_PROFESSIONAL,
    C_CONTACT,
    C_REASON,
    C_FORMAT,
    N_COLS
};
static const char *const csv_names[N_COLS] = {
    "id",           "title",    "given",       "family",
    "relationship", "gender",   "age",         "parental_responsibility",
    "locale",       "also",     "interpreter", "print",
    "reading",      "channels", "address",     "town",
    "postcode",     "email",    "phone",       "professional",
    "contact",      "reason",   "format"};
static const bool csv_required[N_COLS] = {
    [C_ID] = true,     [C_GIVEN] = true,  [C_RELATIONSHIP] = true,
    [C_GENDER] = true, [C_LOCALE] = true, [C_CHANNELS] = true};

/* Where a CSV-born element came from (its _private). */
typedef struct csv_origin {
    const char *source;
    unsigned row;
    const int *cols; /* 1-based column number of each C_*, 0 if absent */
    bool broken;     /* the row itself was malformed (already reported) */
} csv_origin;

/* XML-born elements keep the byte offset of their start tag in _private,
 * tagged with the low bit so it cannot be mistaken for a csv_origin. */
#define TAG_OFFSET(off) ((void *)(((uintptr_t)(off) << 1) | 1u))
#define IS_OFFSET(p)    (((uintptr_t)(p)&1u) != 0)
#define OFFSET_OF(p)    ((size_t)((uintptr_t)(p) >> 1))

typedef struct loader {
    kl_context *ctx;
    kl_review *rv;
    const char *source;
    const char *base_dir;
    const char *text;
    size_t len;
    size_t *lines;
    size_t n_lines;
    bool oom;
    int parse_rc;
    unsigned n_elements;
    /* diagnostics state */
    bool member_mode;
    const char *member_id;
    bool member_failed;
    bool file_failed;
    unsigned n_valid_errors, n_valid_reported;
    bool quiet;             /* count schema errors without reporting them */
    unsigned fallback_line; /* for schema errors that name no node */
    xmlNsPtr ns;
} loader;

/* ---- positions -------------------------------------------------------------- */
static void offset_pos(loader *L, size_t off, unsigned *line, unsigned *col)
{
    if (!L->lines) {
        kl_core__line_col(L->text, off, line, col);
        return;
    }
    size_t lo = 0, hi = L->n_lines;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (L->lines[mid] <= off)
            lo = mid;
        else
            hi = mid;
    }
    unsigned c = 1;
    for (size_t i = L->lines[lo]; i < off && i < L->len; i++)
        if (((unsigned char)L->text[i] & 0xC0) != 0x80)
            c++;
    *line = (unsigned)lo + 1;
    *col = c;
}

/* The offset of attribute attr's name inside the start tag at tag, or tag. */
static size_t attr_offset(loader *L, size_t tag, const char *attr)
{
    const char *t = L->text;
    size_t i = tag + 1, n = L->len, alen = strlen(attr);
    while (i < n && !isspace((unsigned char)t[i]) && t[i] != '>' && t[i] != '/')
        i++;
    for (;;) {
        while (i < n && isspace((unsigned char)t[i]))
            i++;
        if (i >= n || t[i] == '>' || t[i] == '/')
            return tag;
        size_t name = i;
        while (i < n && !isspace((unsigned char)t[i]) && t[i] != '=' && t[i] != '>')
            i++;
        if (i - name == alen && memcmp(t + name, attr, alen) == 0)
            return name;
        while (i < n && t[i] != '"' && t[i] != '\'' && t[i] != '>')
            i++;
        if (i >= n || t[i] == '>')
            return tag;
        char q = t[i++];
        while (i < n && t[i] != q)
            i++;
        i++;
    }
}

static int csv_col_for(const char *elem, const char *attr)
{
    const char *name = attr;
    if (!name) {
        name = strcmp(elem, "member") == 0     ? "id"
               : strcmp(elem, "name") == 0     ? "given"
               : strcmp(elem, "language") == 0 ? "locale"
               : strcmp(elem, "needs") == 0    ? "print"
               : strcmp(elem, "contact") == 0  ? "channels"
               : strcmp(elem, "line") == 0     ? "address"
               : strcmp(elem, "address") == 0  ? "address"
                                               : elem;
    } else if (strcmp(name, "parental-responsibility") == 0) {
        name = "parental_responsibility";
    } else if (strcmp(name, "size") == 0) {
        name = "print";
    } else if (strcmp(name, "channel") == 0) {
        name = "channels";
    }
    for (int i = 0; i < N_COLS; i++)
        if (strcmp(csv_names[i], name) == 0)
            return i;
    return C_ID;
}

typedef struct pos {
    const char *source;
    unsigned line, col;
    const char *column_name; /* CSV only */
} pos;

static pos node_pos(loader *L, xmlNodePtr node, const char *attr)
{
    pos p = {L->source, 0, 0, NULL};
    if (node && node->type == XML_ATTRIBUTE_NODE) {
        attr = (const char *)node->name;
        node = node->parent;
    }
    xmlNodePtr n = node;
    while (n && n->type != XML_ELEMENT_NODE)
        n = n->parent;
    for (xmlNodePtr a = n; a && a->type == XML_ELEMENT_NODE; a = a->parent) {
        if (!a->_private)
            continue;
        if (IS_OFFSET(a->_private)) {
            size_t off = OFFSET_OF(a->_private);
            if (a == n && attr)
                off = attr_offset(L, off, attr);
            offset_pos(L, off, &p.line, &p.col);
        } else {
            const csv_origin *o = a->_private;
            int c = csv_col_for((const char *)n->name, a == n ? attr : NULL);
            p.source = o->source;
            p.line = o->row;
            p.col = o->cols[c] ? (unsigned)o->cols[c] : 1;
            p.column_name = csv_names[c];
        }
        return p;
    }
    p.line = n ? (unsigned)xmlGetLineNo(n) : L->fallback_line;
    return p;
}

/* ---- diagnostics ------------------------------------------------------------ */
static void vproblem(loader *L, kl_severity sev, xmlNodePtr node, const char *attr,
                     const char *hint, const char *fmt, va_list ap)
{
    char msg[1024];
    pos p = node_pos(L, node, attr);
    int off = 0;
    if (p.column_name)
        off = snprintf(msg, sizeof msg, "column '%s': ", p.column_name);
    vsnprintf(msg + off, sizeof msg - (size_t)off, fmt, ap);
    kl_where w = {p.source, p.line, p.col, L->member_mode ? L->member_id : NULL};
    if (sev != KL_SEVERITY_ERROR) {
        L->rv->n_warnings++;
        kl_core__warn(L->ctx, sev, w, hint, "%s", msg);
    } else if (L->member_mode) {
        L->member_failed = true;
        L->rv->n_errors++;
        kl_core__report(L->ctx, KL_EDATA, w, hint, "%s", msg);
    } else {
        L->file_failed = true;
        kl_core__error(L->ctx, KL_EFORMAT, w, hint, "%s", msg);
    }
}

/* An error: for the current member when checking members, else for the file. */
KL_PRINTF(5, 6)
static void problem(loader *L, xmlNodePtr node, const char *attr, const char *hint, const char *fmt,
                    ...)
{
    va_list ap;
    va_start(ap, fmt);
    vproblem(L, KL_SEVERITY_ERROR, node, attr, hint, fmt, ap);
    va_end(ap);
}

KL_PRINTF(5, 6)
static void warning(loader *L, xmlNodePtr node, const char *attr, const char *hint, const char *fmt,
                    ...)
{
    va_list ap;
    va_start(ap, fmt);
    vproblem(L, KL_SEVERITY_WARNING, node, attr, hint, fmt, ap);
    va_end(ap);
}

/* ---- before parsing: things libxml2 must never see ------------------------ */
static int offset_error(loader *L, int code, size_t off, const char *hint, const char *msg)
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

static int prescan(loader *L)
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
static void stop_with(xmlParserCtxtPtr c, loader *L, int code, const char *hint, const char *msg)
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
    loader *L = c->_private;
    xmlSAX2StartElementNs(ctx, localname, prefix, uri, nb_namespaces, namespaces, nb_attributes,
                          nb_defaulted, attributes);
    xmlNodePtr node = c->node;
    if (node && node->name == localname) {
        size_t off = (size_t)c->input->consumed + (size_t)(c->input->cur - c->input->base);
        if (off >= L->len)
            off = L->len ? L->len - 1 : 0;
        while (off > 0 && L->text[off] != '<')
            off--;
        node->_private = TAG_OFFSET(off);
    }
    if (c->nodeNr > MAX_DEPTH)
        stop_with(c, L, KL_ELIMIT, "a review file is never this deep: check it is the right file",
                  "elements are nested more than 64 deep");
    else if (++L->n_elements > MAX_ELEMENTS)
        stop_with(c, L, KL_ELIMIT, "split the family into several review files",
                  "too many elements (more than 1,000,000)");
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
    loader *L = c ? c->_private : NULL;
    if (!L || !err || err->level < XML_ERR_ERROR || L->parse_rc)
        return;
    char msg[512];
    snprintf(msg, sizeof msg, "%s", err->message ? err->message : "XML error");
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';
    L->parse_rc = kl_core__error(L->ctx, KL_EPARSE,
                                 KL_AT(L->source, (unsigned)err->line, (unsigned)err->int2),
                                 "fix the XML at this point (a missing closing tag, quote or "
                                 "'&amp;' for '&'?)",
                                 "not well-formed XML: %s", msg);
}

static int parse_xml(loader *L, xmlDocPtr *out)
{
    *out = NULL;
    if (L->len > INT_MAX)
        return kl_core__error(L->ctx, KL_ELIMIT, KL_AT(L->source, 0, 0), NULL, "file is too large");
    xmlParserCtxtPtr c = xmlCreateMemoryParserCtxt(L->text, (int)L->len);
    if (!c)
        return kl_core__oom(L->ctx);
    c->_private = L;
    c->sax->startElementNs = on_start;
    c->sax->internalSubset = on_dtd;
    c->sax->externalSubset = on_dtd;
    c->sax->entityDecl = on_entity;
    c->sax->serror = on_xml_error;
    /* Network off; no entity substitution (no XML_PARSE_NOENT), no DTD
     * loading or defaulted attributes, no XInclude. */
    xmlCtxtUseOptions(c, XML_PARSE_NONET | XML_PARSE_BIG_LINES | XML_PARSE_NOWARNING);
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

/* ---- the schema ---------------------------------------------------------------- */
static void on_schema_error(void *data, xmlErrorPtr err)
{
    loader *L = data;
    if (!err || err->level < XML_ERR_ERROR || L->n_valid_errors++ >= MAX_VALID_ERRORS || L->quiet)
        return;
    L->n_valid_reported++;
    char msg[512];
    snprintf(msg, sizeof msg, "%s", err->message ? err->message : "does not match the format");
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';
    /* Once a precise message is out, the same mistake seen from the parent
     * elements adds nothing. */
    if (L->n_valid_reported > 1 &&
        (strstr(msg, "in interleave") || strstr(msg, "failed to validate content")))
        return;
    L->fallback_line = err->line > 0 ? (unsigned)err->line : 0;
    problem(L, err->node, NULL, FORMAT_DOC " for what is allowed here", "%s", msg);
    L->fallback_line = 0;
}

static void on_schema_build_error(void *data, xmlErrorPtr err)
{
    (void)data;
    (void)err; /* the embedded schema is tested; a failure is reported by the caller */
}

static xmlNodePtr rng_find(xmlNodePtr n, const char *elem, const char *name)
{
    for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || strcmp((const char *)c->name, elem) != 0)
            continue;
        if (!name)
            return c;
        xmlChar *v = xmlGetProp(c, BAD_CAST "name");
        bool match = v && strcmp((const char *)v, name) == 0;
        xmlFree(v);
        if (match)
            return c;
    }
    return NULL;
}

static void replace_with_ref(xmlNodePtr target, xmlNsPtr ns, const char *name, bool *ok)
{
    xmlNodePtr c = target->children;
    while (c) {
        xmlNodePtr next = c->next;
        xmlUnlinkNode(c);
        xmlFreeNode(c);
        c = next;
    }
    xmlNodePtr ref = xmlNewChild(target, ns, BAD_CAST "ref", NULL);
    if (!ref || !xmlNewProp(ref, BAD_CAST "name", BAD_CAST name))
        *ok = false;
}

/* The embedded schema, starting at define `start` (NULL: at <review>), and
 * with any member content allowed when any_members (members are validated
 * one by one). */
static xmlRelaxNGPtr compile_schema(loader *L, const char *start, bool any_members)
{
    xmlDocPtr d = xmlReadMemory((const char *)kl_review_rng, (int)kl_review_rng_len, "review.rng",
                                NULL, XML_PARSE_NONET | XML_PARSE_NOWARNING);
    if (!d)
        return NULL;
    xmlNodePtr root = xmlDocGetRootElement(d);
    xmlNodePtr st = rng_find(root, "start", NULL);
    xmlNodePtr mc = rng_find(root, "define", "member.content");
    xmlRelaxNGPtr schema = NULL;
    bool ok = st && mc;
    if (ok && start)
        replace_with_ref(st, root->ns, start, &ok);
    if (ok && any_members)
        replace_with_ref(mc, root->ns, "any.content", &ok);
    if (ok) {
        xmlRelaxNGParserCtxtPtr pc = xmlRelaxNGNewDocParserCtxt(d);
        if (pc) {
            xmlRelaxNGSetParserStructuredErrors(pc, on_schema_build_error, L);
            schema = xmlRelaxNGParse(pc);
            xmlRelaxNGFreeParserCtxt(pc);
        }
    }
    xmlFreeDoc(d);
    return schema;
}

/* 0 valid, 1 invalid (reported), <0 failure of libxml2 itself. */
static int validate(loader *L, xmlRelaxNGPtr schema, xmlDocPtr doc)
{
    xmlRelaxNGValidCtxtPtr v = xmlRelaxNGNewValidCtxt(schema);
    if (!v)
        return KL_ENOMEM;
    xmlRelaxNGSetValidStructuredErrors(v, on_schema_error, L);
    L->n_valid_errors = 0;
    L->n_valid_reported = 0;
    int r = xmlRelaxNGValidateDoc(v, doc);
    xmlRelaxNGFreeValidCtxt(v);
    if (r > 0 && L->n_valid_errors == 0 && !L->quiet)
        problem(L, xmlDocGetRootElement(doc), NULL, FORMAT_DOC, "does not match the format");
    return r < 0 ? KL_EBACKEND : r > 0;
}

/* Validate one element on its own: it becomes the root for a moment. */
static int validate_subtree(loader *L, xmlRelaxNGPtr schema, xmlNodePtr m)
{
    xmlDocPtr doc = L->rv->doc;
    xmlNodePtr parent = m->parent, next = m->next;
    xmlUnlinkNode(m);
    xmlNodePtr root = xmlDocSetRootElement(doc, m);
    int r = validate(L, schema, doc);
    xmlDocSetRootElement(doc, root);
    if (next)
        xmlAddPrevSibling(next, m);
    else
        xmlAddChild(parent, m);
    return r;
}

/* ---- reading the tree ------------------------------------------------------------ */
static bool is_el(xmlNodePtr n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
           strcmp((const char *)n->ns->href, NS) == 0 &&
           (!name || strcmp((const char *)n->name, name) == 0);
}

static xmlNodePtr child(xmlNodePtr n, const char *name)
{
    for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next)
        if (is_el(c, name))
            return c;
    return NULL;
}

static xmlNodePtr next_el(xmlNodePtr n, const char *name)
{
    for (xmlNodePtr c = n ? n->next : NULL; c; c = c->next)
        if (is_el(c, name))
            return c;
    return NULL;
}

/* Whitespace runs become one space; no leading or trailing space. */
static const char *norm(loader *L, const xmlChar *s)
{
    if (!s)
        return NULL;
    size_t n = strlen((const char *)s);
    char *d = kl_review__alloc(L->rv, n + 1);
    if (!d) {
        L->oom = true;
        return "";
    }
    size_t j = 0;
    bool space = false;
    for (const xmlChar *p = s; *p; p++) {
        if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
            space = j > 0;
            continue;
        }
        if (space)
            d[j++] = ' ';
        space = false;
        d[j++] = (char)*p;
    }
    d[j] = '\0';
    return d;
}

static const char *attr(loader *L, xmlNodePtr n, const char *name)
{
    if (!n)
        return NULL;
    xmlChar *v = xmlGetNoNsProp(n, BAD_CAST name);
    if (!v)
        return NULL;
    const char *r = norm(L, v);
    xmlFree(v);
    return r;
}

static const char *text_of(loader *L, xmlNodePtr n)
{
    if (!n)
        return NULL;
    xmlChar *v = xmlNodeGetContent(n);
    if (!v) {
        L->oom = true;
        return "";
    }
    const char *r = norm(L, v);
    xmlFree(v);
    return r;
}

static int pick(const char *v, const char *const *names, int n)
{
    for (int i = 0; v && i < n; i++)
        if (strcmp(v, names[i]) == 0)
            return i;
    return -1;
}

static const char *const genders[] = {"female", "male", "other"};
static const char *const types[] = {"lcspr", "scr", "cpr", "sar"};
static const char *const readings[] = {"standard", "plain", "young-person", "easy-read"};
static const char *const prints[] = {"standard", "large", "very-large"};
static const double print_points[] = {14, 18, 24};
static const char *const formats[] = {"print", "braille"};
static const char *const channels[] = {"post", "email", "sms", "via-professional"};
static const char *const relationships[] = {"mother",     "father",   "parent",      "stepmother",
                                            "stepfather", "carer",    "grandmother", "grandfather",
                                            "sister",     "brother",  "aunt",        "uncle",
                                            "partner",    "daughter", "son",         "other"};
#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

static int enum_attr(loader *L, xmlNodePtr n, const char *name, const char *const *names, int count,
                     int dflt, const char *what)
{
    const char *v = attr(L, n, name);
    if (!v)
        return dflt;
    int i = pick(v, names, count);
    if (i < 0) {
        char list[256] = "";
        for (int k = 0; k < count; k++) {
            strncat(list, names[k], sizeof list - strlen(list) - 1);
            if (k + 1 < count)
                strncat(list, ", ", sizeof list - strlen(list) - 1);
        }
        char hint[300];
        snprintf(hint, sizeof hint, "use one of: %s", list);
        problem(L, n, name, hint, "the value is not a %s", what);
        return dflt;
    }
    return i;
}

static kl_date date_attr(loader *L, xmlNodePtr n, const char *name, bool *given)
{
    kl_date d = {0, 0, 0};
    const char *v = attr(L, n, name);
    if (given)
        *given = v != NULL;
    if (!v)
        return d;
    int r = kl_review__parse_date(v, &d);
    if (r == -1)
        problem(L, n, name, "write dates as YYYY-MM-DD, for example 2026-11-27",
                "dates@%s '%s' is not a date in the form YYYY-MM-DD", name, v);
    else if (r == -2)
        problem(L, n, name, "check the day and month", "dates@%s '%s' is not a real date", name, v);
    return d;
}

static const char *locale_attr(loader *L, xmlNodePtr n, const char *name)
{
    const char *v = attr(L, n, name);
    if (!v)
        return NULL;
    char canon[160];
    int r = kl_review__locale(v, canon, sizeof canon);
    if (r == -1) {
        problem(L, n, name, "use a BCP 47 language tag such as en-GB, cy, pl, ar, ur, bn or pa",
                "language@%s '%s' is not a language tag", name, v);
        return NULL;
    }
    if (r == -2) {
        problem(L, n, name, "use a BCP 47 language tag such as en-GB, cy, pl, ar, ur, bn or pa",
                "language@%s '%s' names no known language", name, v);
        return NULL;
    }
    const char *c = kl_review__strdup(L->rv, canon);
    if (!c)
        L->oom = true;
    return c;
}

static void build_address(loader *L, xmlNodePtr a, kl_address *out, bool for_post,
                          size_t name_lines)
{
    memset(out, 0, sizeof *out);
    size_t n = 0;
    for (xmlNodePtr l = child(a, "line"); l; l = next_el(l, "line"))
        n++;
    const char **lines = kl_review__alloc(L->rv, (n ? n : 1) * sizeof *lines);
    if (!lines) {
        L->oom = true;
        return;
    }
    n = 0;
    for (xmlNodePtr l = child(a, "line"); l; l = next_el(l, "line")) {
        const char *s = text_of(L, l);
        if (!*s) {
            problem(L, l, NULL, "remove the empty line", "an address line is empty");
            continue;
        }
        const char *why = for_post ? kl_review__bad_address_line(s) : NULL;
        if (why)
            problem(L, l, NULL, "correct the address, or choose another channel",
                    "address line %zu cannot be printed for post: %s", n + 1, why);
        lines[n++] = s;
    }
    out->lines = lines;
    out->n_lines = n;
    xmlNodePtr town = child(a, "town"), pc = child(a, "postcode");
    out->town = town ? text_of(L, town) : NULL;
    if (out->town && !*out->town)
        out->town = NULL;
    if (out->town) {
        const char *why = for_post ? kl_review__bad_address_line(out->town) : NULL;
        if (why)
            problem(L, town, NULL, "correct the address, or choose another channel",
                    "the town cannot be printed for post: %s", why);
    }
    const char *raw = pc ? text_of(L, pc) : NULL;
    if (!raw || !*raw) {
        problem(L, pc ? pc : a, NULL, "add the postcode as the last part of the address",
                "the address has no postcode");
    } else {
        char norm_pc[16];
        if (!kl_review__postcode(raw, norm_pc)) {
            problem(L, pc, NULL,
                    "check the postcode: it looks like NT2 7QP, and its last two letters are never "
                    "C, I, K, M, O or V",
                    "the postcode is not a UK postcode");
            out->postcode = raw;
        } else {
            out->postcode = kl_review__strdup(L->rv, norm_pc);
            if (!out->postcode)
                L->oom = true;
        }
    }
    if (for_post) {
        size_t total = name_lines + n + (out->town ? 1 : 0) + 1;
        if (total < 3 || total > 7)
            problem(L, a, NULL,
                    "a window envelope takes 3 to 7 lines, counting the name and the postcode",
                    "the address makes %zu lines with the name and postcode", total);
    }
}

/* ---- structure, with clearer messages than the schema gives ------------------- */
static const char *const review_children[] = {"partnership", "subject",  "dates",   "reviewer",
                                              "contact",     "agencies", "support", "publication",
                                              "follow-up",   "protect",  "family",  NULL};
static const char *const review_required[] = {"partnership", "subject", "dates",
                                              "contact",     "family",  NULL};
static const char *const partnership_children[] = {"name", "address", "phone", "email",
                                                   "web",  "logo",    NULL};
static const char *const partnership_required[] = {"name", "address", "phone", "email", NULL};
static const char *const member_children[] = {"name", "language", "needs", "contact", NULL};
static const char *const member_required[] = {"name", NULL};

static void join(char *out, size_t cap, const char *const *names)
{
    out[0] = '\0';
    for (size_t i = 0; names[i]; i++) {
        strncat(out, i ? ", " : "", cap - strlen(out) - 1);
        strncat(out, names[i], cap - strlen(out) - 1);
    }
}

/* Unknown, repeated (except "repeat") and missing children of n. */
static void check_children(loader *L, xmlNodePtr n, const char *const *allowed,
                           const char *const *required, const char *repeat)
{
    char list[256];
    join(list, sizeof list, allowed);
    char hint[300];
    snprintf(hint, sizeof hint, "the elements allowed in <%s> are: %s", (const char *)n->name,
             list);
    for (xmlNodePtr c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        bool ok = false;
        for (size_t i = 0; allowed[i] && is_el(c, NULL); i++)
            ok |= strcmp((const char *)c->name, allowed[i]) == 0;
        if (!ok) {
            problem(L, c, NULL, hint, "<%s%s%s> is not expected in <%s>",
                    c->ns && c->ns->prefix ? (const char *)c->ns->prefix : "",
                    c->ns && c->ns->prefix ? ":" : "", (const char *)c->name,
                    (const char *)n->name);
            continue;
        }
        if (repeat && strcmp((const char *)c->name, repeat) == 0)
            continue;
        for (xmlNodePtr d = n->children; d != c; d = d->next)
            if (is_el(d, (const char *)c->name)) {
                problem(L, c, NULL, "remove one of them", "<%s> appears twice in <%s>",
                        (const char *)c->name, (const char *)n->name);
                break;
            }
    }
    for (size_t i = 0; required[i]; i++)
        if (!child(n, required[i]))
            problem(L, n, NULL, FORMAT_DOC, "<%s> has no <%s>", (const char *)n->name, required[i]);
}

/* Unknown and missing attributes, element by element (NULL-terminated
 * lists: name, allowed..., NULL, required..., NULL). */
/* clang-format off */
static const char *const attr_table[] = {
    "review",  "id",           "type",         NULL,          "id",
    "type",    NULL,           "logo",         "src",         "alt",
    NULL,      "src",          NULL,           "subject",     "given",
    "family",  "gender",       "age",          "outcome",     NULL,
    "given",   "gender",       "outcome",      NULL,          "dates",
    "decided", "letter",       "expected-end", "period-from", "period-to",
    NULL,      "decided",      "expected-end", "period-from", "period-to",
    NULL,      "reviewer",     "name",         "role",        NULL,
    "name",    NULL,           "service",      "name",        "phone",
    "web",     NULL,           "name",         NULL,          "publication",
    "planned", NULL,           "planned",      NULL,          "member",
    "id",      "relationship", "gender",       "age",         "parental-responsibility",
    "contact", "reason",       NULL,           "id",          "relationship",
    "gender",  NULL,           "name",         "title",       "given",
    "family",  NULL,           NULL,           "language",    "locale",
    "also",    "interpreter",  NULL,           "locale",      NULL,
    "needs",   "print",        "size",         "reading",     "format",
    NULL,      NULL,           "hours",        "days",        "from",
    "to",      NULL,           "days",         "from",        "to",
    NULL,      NULL};
/* clang-format on */

static void check_attrs(loader *L, xmlNodePtr n)
{
    if (!n)
        return;
    const char *el = (const char *)n->name;
    const char *const *t = attr_table;
    if (strcmp(el, "contact") == 0) {
        /* The review's family contact and a member's channel share a name. */
        static const char *const review_contact[] = {"name",  "role",  "phone", "mobile",
                                                     "email", "hours", NULL,    "name",
                                                     "phone", "email", NULL};
        static const char *const member_contact[] = {"channel", "email",   "phone", "professional",
                                                     NULL,      "channel", NULL};
        t = is_el(n->parent, "member") ? member_contact : review_contact;
    } else {
        while (*t && strcmp(*t, el) != 0) {
            t++;
            while (*t++)
                ;
            while (*t++)
                ;
        }
        if (!*t)
            return;
        t++;
    }
    const char *const *allowed = t;
    while (*t)
        t++;
    const char *const *required = t + 1;
    for (xmlAttrPtr a = n->properties; a; a = a->next) {
        bool ok = false;
        for (const char *const *k = allowed; *k && !a->ns; k++)
            ok |= strcmp(*k, (const char *)a->name) == 0;
        if (!ok) {
            char list[256];
            join(list, sizeof list, allowed);
            char hint[300];
            snprintf(hint, sizeof hint, "the attributes of <%s> are: %s", el, list);
            problem(L, n, (const char *)a->name, hint, "<%s> has no attribute '%s'", el,
                    (const char *)a->name);
        }
    }
    for (const char *const *k = required; *k; k++)
        if (!xmlHasProp(n, BAD_CAST * k))
            problem(L, n, NULL, FORMAT_DOC, "<%s> needs the attribute '%s'", el, *k);
}

/* ---- the review itself ---------------------------------------------------------- */
static void check_date_order(loader *L, xmlNodePtr dn)
{
    kl_review_info *I = &L->rv->info;
    if (L->file_failed)
        return;
    struct {
        kl_date a, b;
        const char *an, *bn;
        bool error;
    } order[] = {
        {I->period_from, I->period_to, "period-from", "period-to", true},
        {I->period_to, I->decided, "period-to", "decided", false},
        {I->decided, I->letter, "decided", "letter", true},
        {I->letter, I->expected_end, "letter", "expected-end", true},
        {I->decided, I->expected_end, "decided", "expected-end", true},
    };
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        if (!I->letter_date_given && (i == 2 || i == 3))
            continue;
        if (kl_review__date_cmp(order[i].a, order[i].b) <= 0)
            continue;
        if (order[i].error)
            problem(L, dn, order[i].bn, "check both dates",
                    "dates@%s %04d-%02d-%02d is before dates@%s %04d-%02d-%02d", order[i].bn,
                    order[i].b.year, order[i].b.month, order[i].b.day, order[i].an, order[i].a.year,
                    order[i].a.month, order[i].a.day);
        else
            warning(L, dn, order[i].bn, "check both dates",
                    "dates@%s is before dates@%s: the period under review ends after the "
                    "review was decided",
                    order[i].bn, order[i].an);
    }
    kl_date today;
    kl_review__today(&today);
    if (I->letter_date_given && kl_review__date_cmp(I->letter, today) > 0)
        warning(L, dn, "letter", "letters will carry this date; check it is intended",
                "dates@letter %04d-%02d-%02d is in the future", I->letter.year, I->letter.month,
                I->letter.day);
}

/* <contact><hours days="mon-thu" from="09:00" to="16:00"/>...</contact>. */
static void read_hours(loader *L, xmlNodePtr c)
{
    kl_review_info *I = &L->rv->info;
    size_t n = 0;
    for (xmlNodePtr h = child(c, "hours"); h; h = next_el(h, "hours"))
        n++;
    if (!n)
        return;
    kl_hours *hours = kl_review__alloc(L->rv, n * sizeof *hours);
    if (!hours) {
        L->oom = true;
        return;
    }
    memset(hours, 0, n * sizeof *hours);
    n = 0;
    unsigned used = 0; /* days already given a time */
    for (xmlNodePtr h = child(c, "hours"); h; h = next_el(h, "hours")) {
        kl_hours *k = &hours[n];
        const char *days = attr(L, h, "days"), *from = attr(L, h, "from"), *to = attr(L, h, "to");
        bool ok = true;
        const char *why = days ? kl_review__days(days, k) : NULL;
        if (why) {
            problem(L, h, "days",
                    "write the days as mon..sun, a range such as mon-fri or a list such as "
                    "mon,wed",
                    "hours@days '%s': %s", days, why);
            ok = false;
        }
        if (from && !kl_review__time(from, &k->from)) {
            problem(L, h, "from", "write the time in 24-hour form, such as 09:00",
                    "hours@from '%s' is not a time", from);
            ok = false;
        }
        if (to && !kl_review__time(to, &k->to)) {
            problem(L, h, "to",
                    "write the time in 24-hour form, such as 16:00 (23:59 for the end of the day)",
                    "hours@to '%s' is not a time", to);
            ok = false;
        }
        if (!days || !from || !to)
            ok = false; /* reported by the attribute check */
        if (ok && k->from >= k->to) {
            problem(L, h, "to", "give the time calls start in from and the time they end in to",
                    "hours@to '%s' is not after hours@from '%s'", to, from);
            ok = false;
        }
        if (ok) {
            for (size_t i = 0; i < k->n_spans; i++)
                for (int d = k->spans[i].first; d <= k->spans[i].last; d++) {
                    if (used & (1u << d) && ok) {
                        problem(L, h, "days", "give each day once, in one <hours> element",
                                "hours@days '%s': a day is already given in an earlier <hours>",
                                days);
                        ok = false;
                    }
                    used |= 1u << d;
                }
        }
        if (ok)
            n++;
    }
    I->hours = hours;
    I->n_hours = n;
    if (n && I->contact_hours)
        warning(L, c, "hours",
                "remove contact@hours: the <hours> elements say the same, in "
                "every language",
                "contact has both the free-text hours attribute and <hours> elements: letters "
                "use the <hours> elements");
}

/* The longest part of a member's name, in bytes of UTF-8 (docs/REVIEW-FORMAT.md). */
#define KL_REVIEW_MAX_NAME 200

/* Why the letters could not embed the logo file, or NULL (lib/review/png.c);
 * NULL with *oom set when the check could not allocate. */
#define KL_LOGO_MAX_BYTES (8L << 20)
static const char *png_file_problem(const char *path, bool *oom)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return "cannot be read";
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return "cannot be read";
    }
    if (st.st_size > KL_LOGO_MAX_BYTES) {
        fclose(f);
        return "is larger than 8 MB (save it smaller)";
    }
    size_t size = (size_t)st.st_size;
    unsigned char *b = kl_core__malloc(size ? size : 1);
    if (!b) {
        fclose(f);
        *oom = true;
        return NULL;
    }
    size_t n = fread(b, 1, size, f);
    bool err = ferror(f) || n != size;
    fclose(f);
    const char *why = err ? "cannot be read" : kl_png_problem(b, n);
    kl_free(b);
    return why;
}

/* A `src` (family list, logo) names a file in the review file's directory or
 * below it: not an absolute path, no ".." step, and no symbolic link that
 * leads out. Returns the joined path (allocated), or NULL with *why set
 * (and *why NULL when out of memory). Nothing of the file is ever quoted. */
static char *inside_base(loader *L, const char *src, const char **why)
{
    *why = NULL;
    if (!src || L->oom) { /* required: only running out of memory loses it (norm gives "") */
        L->oom = true;
        return NULL;
    }
    if (!*src) {
        *why = "is empty";
        return NULL;
    }
    if (src[0] == '/') {
        *why = "is an absolute path";
        return NULL;
    }
    for (const char *p = src; *p;) {
        size_t n = strcspn(p, "/");
        if (n == 2 && p[0] == '.' && p[1] == '.') {
            *why = "steps out of the review file's directory ('..')";
            return NULL;
        }
        p += n;
        while (*p == '/')
            p++;
    }
    char *path = kl_core__path_join(L->base_dir, src);
    if (!path)
        return NULL;
    /* A link may still lead elsewhere: compare the real paths. */
    char *base = realpath(L->base_dir, NULL), *real = realpath(path, NULL);
    if (base && real) {
        size_t bl = strlen(base);
        bool in = strncmp(real, base, bl) == 0 && (real[bl] == '/' || (bl == 1 && base[0] == '/'));
        if (!in) {
            *why = "leads out of the review file's directory (a symbolic link)";
            kl_free(path);
            path = NULL;
        }
    }
    free(base);
    free(real);
    return path;
}

static void read_info(loader *L, xmlNodePtr root)
{
    kl_review *rv = L->rv;
    kl_review_info *I = &rv->info;
    I->source = L->source;
    I->id = attr(L, root, "id");
    I->type = (kl_review_type)enum_attr(L, root, "type", types, COUNT(types), 0, "review type");

    xmlNodePtr p = child(root, "partnership");
    I->partnership_name = text_of(L, child(p, "name"));
    xmlNodePtr pa = child(p, "address");
    build_address(L, pa, &I->partnership_address, false, 0);
    static const char *const needed[] = {"name", "phone", "email"};
    for (size_t i = 0; i < 3; i++) {
        xmlNodePtr e = child(p, needed[i]);
        if (e && !*text_of(L, e))
            problem(L, e, NULL, FORMAT_DOC, "the partnership's <%s> is empty", needed[i]);
    }
    I->partnership_phone = text_of(L, child(p, "phone"));
    I->partnership_email = text_of(L, child(p, "email"));
    if (!kl_review__email_ok(I->partnership_email))
        problem(L, child(p, "email"), NULL, "give the partnership's email address",
                "the partnership's email is not an email address");
    I->partnership_web = text_of(L, child(p, "web"));
    xmlNodePtr logo = child(p, "logo");
    if (logo) {
        const char *src = attr(L, logo, "src");
        const char *why = NULL, *bad = NULL;
        char *path = inside_base(L, src, &why);
        if (!path && why) {
            problem(L, logo, "src",
                    "put the logo in the review file's directory (or below it) and name it "
                    "relative to the review file",
                    "logo@src %s", why);
        } else if (!path) {
            L->oom = true;
        } else if (access(path, R_OK) != 0) {
            warning(L, logo, "src", "put the logo next to the review file, or fix the name",
                    "logo '%s' not found: letters will have no logo", src);
        } else if ((bad = png_file_problem(path, &L->oom)) != NULL) {
            /* Found now, not when every member's letter fails to draw it (or libpng
             * stops the process on a damaged image). */
            problem(L, logo, "src",
                    "save the logo again as a PNG image (the letters embed PNG only)",
                    "logo '%s' %s", src, bad);
        } else if (!L->oom) {
            I->logo_path = kl_review__strdup(rv, path);
            I->logo_alt = attr(L, logo, "alt");
            if (!I->logo_path)
                L->oom = true;
        }
        kl_free(path);
    }

    xmlNodePtr s = child(root, "subject");
    I->subject_given = attr(L, s, "given");
    I->subject_family = attr(L, s, "family");
    I->subject_gender = (kl_gender)enum_attr(L, s, "gender", genders, 3, 2, "gender");
    I->subject_died = attr(L, s, "outcome") && strcmp(attr(L, s, "outcome"), "died") == 0;
    I->subject_age = -1;
    const char *age = attr(L, s, "age");
    long v;
    if (age && !kl_review__int_in(age, 0, 130, &v))
        problem(L, s, "age", "give the age in whole years (0 for a baby)",
                "subject@age is not an age");
    else if (age)
        I->subject_age = (int)v;

    xmlNodePtr dn = child(root, "dates");
    I->decided = date_attr(L, dn, "decided", NULL);
    bool given = false;
    I->letter = date_attr(L, dn, "letter", &given);
    I->letter_date_given = given;
    I->expected_end = date_attr(L, dn, "expected-end", NULL);
    I->period_from = date_attr(L, dn, "period-from", NULL);
    I->period_to = date_attr(L, dn, "period-to", NULL);
    if (!given) {
        kl_review__today(&I->letter);
        warning(L, dn, NULL, "add dates@letter to fix the date letters carry",
                "no dates@letter: letters are dated today");
    }
    check_date_order(L, dn);

    xmlNodePtr r = child(root, "reviewer");
    I->reviewer_name = attr(L, r, "name");
    I->reviewer_role = attr(L, r, "role");

    xmlNodePtr c = child(root, "contact");
    I->contact_name = attr(L, c, "name");
    I->contact_role = attr(L, c, "role");
    I->contact_phone = attr(L, c, "phone");
    I->contact_mobile = attr(L, c, "mobile");
    I->contact_email = attr(L, c, "email");
    I->contact_hours = attr(L, c, "hours");
    read_hours(L, c);
    if (!kl_review__email_ok(I->contact_email))
        problem(L, c, "email", "give the family contact's email address",
                "contact@email is not an email address");
    char mob[16];
    if (I->contact_mobile && !kl_review__mobile(I->contact_mobile, mob))
        problem(L, c, "mobile", "give a UK mobile number such as 07700 900123",
                "contact@mobile is not a UK mobile number");

    xmlNodePtr ag = child(root, "agencies");
    size_t n = 0;
    for (xmlNodePtr a = child(ag, "agency"); a; a = next_el(a, "agency"))
        n++;
    const char **agencies = kl_review__alloc(rv, (n ? n : 1) * sizeof *agencies);
    if (!agencies) {
        L->oom = true;
        return;
    }
    n = 0;
    for (xmlNodePtr a = child(ag, "agency"); a; a = next_el(a, "agency")) {
        agencies[n] = text_of(L, a);
        if (!*agencies[n])
            problem(L, a, NULL, "name the agency, or remove the element", "an <agency> is empty");
        n++;
    }
    I->agencies = agencies;
    I->n_agencies = n;

    xmlNodePtr sp = child(root, "support");
    n = 0;
    for (xmlNodePtr a = child(sp, "service"); a; a = next_el(a, "service"))
        n++;
    kl_service *services = kl_review__alloc(rv, (n ? n : 1) * sizeof *services);
    if (!services) {
        L->oom = true;
        return;
    }
    n = 0;
    for (xmlNodePtr a = child(sp, "service"); a; a = next_el(a, "service")) {
        services[n].name = attr(L, a, "name");
        services[n].phone = attr(L, a, "phone");
        services[n].web = attr(L, a, "web");
        n++;
    }
    I->services = services;
    I->n_services = n;

    xmlNodePtr pub = child(root, "publication");
    static const char *const tf[] = {"false", "true"};
    const char *planned = attr(L, pub, "planned");
    if (planned)
        enum_attr(L, pub, "planned", tf, 2, 0, "publication@planned value");
    I->publication = !planned ? -1 : strcmp(planned, "true") == 0;

    /* The correspondence record's reply wait (docs/RECORD.md). */
    xmlNodePtr fu = child(root, "follow-up");
    const char *wait = attr(L, fu, "reply-wait-days");
    if (wait && !kl_review__int_in(wait, 1, 365, &v))
        problem(L, fu, "reply-wait-days", "give a whole number of days from 1 to 365 (default 14)",
                "follow-up@reply-wait-days is not a number of days");
    else if (wait)
        I->reply_wait_days = (int)v;

    /* <protect email="true"/>: email members' PDFs are encrypted (generate --protect). */
    xmlNodePtr pr = child(root, "protect");
    const char *pe = attr(L, pr, "email");
    if (pe)
        enum_attr(L, pr, "email", tf, 2, 0, "protect@email value");
    I->protect_email = pe && strcmp(pe, "true") == 0;
}

/* ---- one member -------------------------------------------------------------------- */
static void build_contact(loader *L, xmlNodePtr cn, kl_contact *k, size_t name_lines)
{
    memset(k, 0, sizeof *k);
    pos p = node_pos(L, cn, NULL);
    k->line = p.line;
    k->column = p.col;
    const char *ch = attr(L, cn, "channel");
    int c = pick(ch, channels, COUNT(channels));
    if (c < 0) {
        problem(L, cn, "channel", "use post, email, sms or via-professional",
                "'%s' is not a contact channel", ch ? ch : "");
        return;
    }
    k->channel = (kl_channel)c;
    switch (k->channel) {
    case KL_CHANNEL_POST: {
        xmlNodePtr a = child(cn, "address");
        if (!a) {
            problem(L, cn, NULL, "add the postal address, or choose another channel",
                    "a post contact has no address");
            return;
        }
        kl_address *addr = kl_review__alloc(L->rv, sizeof *addr);
        if (!addr) {
            L->oom = true;
            return;
        }
        build_address(L, a, addr, true, name_lines);
        k->address = addr;
        break;
    }
    case KL_CHANNEL_EMAIL:
        k->email = attr(L, cn, "email");
        if (!k->email || !kl_review__email_ok(k->email))
            problem(L, cn, "email", "give an email address such as name@example.org",
                    "the email address is not an email address");
        break;
    case KL_CHANNEL_SMS: {
        const char *raw = attr(L, cn, "phone");
        char mob[16];
        if (!raw || !kl_review__mobile(raw, mob)) {
            problem(L, cn, "phone",
                    "text messages go to UK mobile numbers (07... or +447...); use post or "
                    "email otherwise",
                    "the phone number is not a UK mobile number");
            k->phone = raw;
        } else {
            k->phone = kl_review__strdup(L->rv, mob);
            if (!k->phone)
                L->oom = true;
        }
        break;
    }
    case KL_CHANNEL_VIA_PROFESSIONAL:
        k->professional = attr(L, cn, "professional");
        if (!k->professional || !*k->professional)
            problem(L, cn, "professional",
                    "say who hands the letter over, for example \"his probation officer\"",
                    "a via-professional contact does not name the professional");
        break;
    }
}

/* Free text from the review that a member's translated letters print as
 * written, in English: one warning per member, naming the fields and the
 * languages, and how to give them in every language. */
static bool role_keyword(const char *role)
{
    static const char *const keys[] = {
        "independent-reviewer", "lead-reviewer",    "review-chair",          "family-contact",
        "review-coordinator",   "business-manager", "family-liaison-officer"};
    for (size_t i = 0; role && i < sizeof keys / sizeof keys[0]; i++)
        if (strcmp(role, keys[i]) == 0)
            return true;
    return false;
}

static bool title_translated(const char *t)
{
    static const char *const keys[] = {"mr", "mrs", "ms", "miss", "mx", "dr"};
    size_t n = strlen(t);
    if (n && t[n - 1] == '.')
        n--;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strlen(keys[i]) == n && strncasecmp(t, keys[i], n) == 0)
            return true;
    return false;
}

static void untranslated_fields(loader *L, xmlNodePtr lang, const kl_member *m)
{
    const kl_review_info *I = &L->rv->info;
    const char *langs[2] = {m->locale, m->also};
    char which[64] = "";
    for (int i = 0; i < 2; i++)
        if (langs[i] && strncmp(langs[i], "en", 2) != 0 &&
            strlen(which) + strlen(langs[i]) + 6 < sizeof which)
            snprintf(which + strlen(which), sizeof which - strlen(which), "%s%s",
                     which[0] ? " and " : "", langs[i]);
    if (!which[0])
        return;
    char fields[160] = "";
    const char *f[4];
    size_t n = 0;
    if (I->reviewer_role && !role_keyword(I->reviewer_role))
        f[n++] = "reviewer@role";
    if (I->contact_role && !role_keyword(I->contact_role))
        f[n++] = "contact@role";
    if (I->contact_hours && !I->n_hours)
        f[n++] = "contact@hours";
    if (m->title && !title_translated(m->title))
        f[n++] = "name@title";
    if (!n)
        return;
    for (size_t i = 0; i < n; i++)
        snprintf(fields + strlen(fields), sizeof fields - strlen(fields), "%s%s", i ? ", " : "",
                 f[i]);
    warning(L, lang, "locale",
            "give roles as keywords (reviewer: independent-reviewer, lead-reviewer, "
            "review-chair; contact: family-contact, review-coordinator, business-manager, "
            "family-liaison-officer), hours as <hours days=\"mon-fri\" from=\"09:00\" "
            "to=\"17:00\"/>, titles as Mr, Mrs, Ms, Miss, Mx or Dr; these are translated",
            "free text from the review will be printed in English in the %s letter: %s", which,
            fields);
}

static void build_member(loader *L, xmlNodePtr mn, kl_member *m, kl_member_extra *x,
                         xmlRelaxNGPtr member_schema)
{
    memset(m, 0, sizeof *m);
    x->node = mn;
    L->member_mode = true;
    L->member_failed = false;
    m->id = attr(L, mn, "id");
    L->member_id = m->id && *m->id ? m->id : "(no id)";
    pos p = node_pos(L, mn, NULL);
    m->source = p.source;
    m->line = p.line;
    m->column = p.column_name ? 1 : p.col;
    if (!m->id || !kl_review__id_ok(m->id))
        problem(L, mn, "id",
                "give each member an id of 1 to 64 letters, digits, '-' or '_', such as m01",
                "member id '%s' is not valid", m->id ? m->id : "");
    if (!mn->_private || IS_OFFSET(mn->_private) || !((csv_origin *)mn->_private)->broken) {
        /* nothing */
    } else {
        L->member_failed = true;
    }
    check_children(L, mn, member_children, member_required, "contact");
    check_attrs(L, mn);
    for (xmlNodePtr c = mn->children; c; c = c->next)
        if (is_el(c, NULL))
            check_attrs(L, c);
    m->relationship = attr(L, mn, "relationship");
    if (m->relationship)
        enum_attr(L, mn, "relationship", relationships, COUNT(relationships), 0, "relationship");
    else
        problem(L, mn, NULL, "add relationship=\"mother\" (or father, sister...)",
                "the member has no relationship");
    if (!attr(L, mn, "gender"))
        problem(L, mn, NULL, "add gender=\"female\", \"male\" or \"other\"",
                "the member has no gender");
    m->gender = (kl_gender)enum_attr(L, mn, "gender", genders, 3, 2, "gender");
    m->age = -1;
    const char *age = attr(L, mn, "age");
    long v;
    if (age && !kl_review__int_in(age, 0, 130, &v))
        problem(L, mn, "age", "give the age in whole years",
                "the age is not a whole number of years");
    else if (age)
        m->age = (int)v;
    const char *pr = attr(L, mn, "parental-responsibility");
    m->parental_responsibility = -1;
    if (pr) {
        static const char *const tf[] = {"false", "true"};
        m->parental_responsibility =
            enum_attr(L, mn, "parental-responsibility", tf, 2, -1, "parental-responsibility value");
    }
    const char *none = attr(L, mn, "contact");
    if (none && strcmp(none, "none") != 0)
        problem(L, mn, "contact", "write contact=\"none\" or leave it out",
                "contact '%s' is not allowed on a member", none);
    m->contact_none = none && strcmp(none, "none") == 0;
    m->reason = attr(L, mn, "reason");

    xmlNodePtr nm = child(mn, "name");
    m->title = attr(L, nm, "title");
    m->given = attr(L, nm, "given");
    m->family = attr(L, nm, "family");
    if (!m->given || !*m->given)
        problem(L, nm ? nm : mn, nm ? "given" : NULL, "add <name given=\"...\"/>",
                "the member has no given name");
    /* A name is printed in the salutation and the address: a limit keeps a
     * pasted paragraph from becoming one (the name is not quoted). */
    const char *const parts[3][2] = {
        {"title", m->title}, {"given", m->given}, {"family", m->family}};
    for (int k = 0; k < 3; k++)
        if (parts[k][1] && strlen(parts[k][1]) > KL_REVIEW_MAX_NAME)
            problem(L, nm, parts[k][0], "shorten the name",
                    "the name's %s part has %zu bytes: the limit is %d", parts[k][0],
                    strlen(parts[k][1]), KL_REVIEW_MAX_NAME);

    xmlNodePtr lang = child(mn, "language");
    m->locale = locale_attr(L, lang, "locale");
    m->also = locale_attr(L, lang, "also");
    m->interpreter = locale_attr(L, lang, "interpreter");
    if (lang && !attr(L, lang, "locale"))
        problem(L, lang, NULL, "add locale=\"en-GB\" (or the member's language)",
                "language has no locale");
    if (m->also && m->locale && strcmp(m->also, m->locale) == 0) {
        warning(L, lang, "also", "remove also, or name the second language",
                "language@also is the same as language@locale: the letter will not be bilingual");
        m->also = NULL;
    }

    xmlNodePtr needs = child(mn, "needs");
    m->reading =
        (kl_reading)enum_attr(L, needs, "reading", readings, COUNT(readings), 0, "reading level");
    int pi = enum_attr(L, needs, "print", prints, 3, 0, "print size");
    x->format = (kl_format)enum_attr(L, needs, "format", formats, COUNT(formats), 0, "format");
    m->print_size = print_points[pi];
    m->print_profile = prints[pi];
    const char *size = attr(L, needs, "size");
    if (size) {
        double pts;
        if (attr(L, needs, "print"))
            problem(L, needs, "size", "give needs@print or needs@size, not both",
                    "needs has both print and size");
        else if (!kl_review__points_in(size, 12, 36, &pts))
            problem(L, needs, "size", "give a size in points from 12 to 36, such as 20",
                    "needs@size '%s' is not a print size from 12 to 36 points", size);
        else {
            m->print_size = pts;
            m->print_profile = "custom";
        }
    }
    /* Easy Read is at least 16 pt (docs/ACCESSIBILITY.md); a larger size stays. */
    if (m->reading == KL_READING_EASY_READ && m->print_size < 16) {
        m->print_size = 16;
        m->print_profile = "easy-read";
    }

    size_t nc = 0;
    for (xmlNodePtr c = child(mn, "contact"); c; c = next_el(c, "contact"))
        nc++;
    kl_contact *contacts = kl_review__alloc(L->rv, (nc ? nc : 1) * sizeof *contacts);
    if (!contacts) {
        L->oom = true;
        L->member_mode = false;
        return;
    }
    size_t name_lines = 1;
    nc = 0;
    bool post = false, via = false;
    for (xmlNodePtr c = child(mn, "contact"); c; c = next_el(c, "contact")) {
        build_contact(L, c, &contacts[nc], name_lines);
        post |= contacts[nc].channel == KL_CHANNEL_POST;
        via |= contacts[nc].channel == KL_CHANNEL_VIA_PROFESSIONAL;
        nc++;
    }
    m->contacts = contacts;
    m->n_contacts = nc;

    if (m->contact_none) {
        if (!m->reason || !*m->reason)
            problem(L, mn, "contact",
                    "say why in reason=\"...\": the batch record lists it so nobody is "
                    "forgotten",
                    "contact=\"none\" needs a reason");
        if (nc)
            problem(L, child(mn, "contact"), NULL,
                    "remove the contact channels, or remove contact=\"none\"",
                    "a member with contact=\"none\" has contact channels");
        if (m->parental_responsibility == 1)
            warning(L, mn, "contact",
                    "make sure the decision not to tell a person with parental "
                    "responsibility is recorded",
                    "member %s has parental responsibility and will not be contacted",
                    L->member_id);
    } else {
        if (m->reason)
            warning(L, mn, "reason", "remove reason, or add contact=\"none\"",
                    "reason is ignored without contact=\"none\"");
        if (!lang)
            problem(L, mn, NULL, "add <language locale=\"en-GB\"/> (or the member's language)",
                    "the member has no language");
        if (!nc)
            problem(L, mn, NULL,
                    "add a <contact channel=\"...\"> or, if nobody may contact them, "
                    "contact=\"none\" with a reason",
                    "the member has no contact channel");
    }
    if (post && via)
        problem(L, mn, NULL,
                "use either post or via-professional: a letter handed over by a professional "
                "never shows an address",
                "the member has both a post and a via-professional contact");
    if (!m->contact_none && lang && m->locale)
        untranslated_fields(L, lang, m);

    if (!L->member_failed && !L->oom) {
        int r = validate_subtree(L, member_schema, mn);
        if (r < 0) {
            L->member_failed = true;
            L->rv->n_errors++;
        }
    }
    x->ok = !L->member_failed;
    L->member_mode = false;
}

/* ---- CSV family lists --------------------------------------------------------------- */
static void lower(char *s)
{
    for (; *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

static bool set_attr(loader *L, xmlNodePtr n, const char *name, const char *value)
{
    if (!value || !*value)
        return true;
    if (!xmlNewProp(n, BAD_CAST name, BAD_CAST value)) {
        L->oom = true;
        return false;
    }
    return true;
}

static xmlNodePtr new_el(loader *L, xmlNodePtr parent, const char *name, const char *text,
                         csv_origin *o)
{
    xmlNodePtr n = xmlNewTextChild(parent, L->ns, BAD_CAST name, BAD_CAST text);
    if (!n)
        L->oom = true;
    else
        n->_private = o;
    return n;
}

static void csv_member(loader *L, xmlNodePtr family, const kl_csv_row *row, const int *cols,
                       size_t n_header, csv_origin *o)
{
    char *f[N_COLS];
    for (int c = 0; c < N_COLS; c++) {
        size_t i = cols[c] ? (size_t)cols[c] - 1 : (size_t)-1;
        f[c] = i < row->n_fields ? trim(row->fields[i]) : (char *)"";
    }
    static const int lowered[] = {C_RELATIONSHIP, C_GENDER,   C_PR,      C_PRINT,
                                  C_READING,      C_CHANNELS, C_CONTACT, C_FORMAT};
    for (size_t i = 0; i < sizeof lowered / sizeof lowered[0]; i++)
        if (f[lowered[i]][0])
            lower(f[lowered[i]]);
    if (!strcmp(f[C_PR], "yes") || !strcmp(f[C_PR], "y") || !strcmp(f[C_PR], "1"))
        f[C_PR] = (char *)"true";
    else if (!strcmp(f[C_PR], "no") || !strcmp(f[C_PR], "n") || !strcmp(f[C_PR], "0"))
        f[C_PR] = (char *)"false";
    if (row->n_fields != n_header) {
        kl_where w = {o->source, row->row,
                      (unsigned)(row->n_fields > n_header ? n_header + 1 : row->n_fields), NULL};
        w.member_id = f[C_ID][0] ? f[C_ID] : NULL;
        L->rv->n_errors++;
        o->broken = true;
        kl_core__report(L->ctx, KL_EDATA, w,
                        "every row needs the same columns as the header; check for a stray comma "
                        "or quote",
                        "row has %zu fields but the header has %zu", row->n_fields, n_header);
    }
    xmlNodePtr m = new_el(L, family, "member", NULL, o);
    if (!m)
        return;
    set_attr(L, m, "id", f[C_ID]);
    set_attr(L, m, "relationship", f[C_RELATIONSHIP]);
    set_attr(L, m, "gender", f[C_GENDER]);
    set_attr(L, m, "age", f[C_AGE]);
    set_attr(L, m, "parental-responsibility", f[C_PR]);
    set_attr(L, m, "contact", f[C_CONTACT]);
    set_attr(L, m, "reason", f[C_REASON]);
    xmlNodePtr nm = new_el(L, m, "name", NULL, o);
    if (nm) {
        set_attr(L, nm, "title", f[C_TITLE]);
        set_attr(L, nm, "given", f[C_GIVEN]);
        set_attr(L, nm, "family", f[C_FAMILY]);
    }
    if (f[C_LOCALE][0] || f[C_ALSO][0] || f[C_INTERPRETER][0]) {
        xmlNodePtr l = new_el(L, m, "language", NULL, o);
        if (l) {
            set_attr(L, l, "locale", f[C_LOCALE]);
            set_attr(L, l, "also", f[C_ALSO]);
            set_attr(L, l, "interpreter", f[C_INTERPRETER]);
        }
    }
    if (f[C_PRINT][0] || f[C_READING][0] || f[C_FORMAT][0]) {
        xmlNodePtr nd = new_el(L, m, "needs", NULL, o);
        if (nd) {
            bool num = isdigit((unsigned char)f[C_PRINT][0]);
            set_attr(L, nd, num ? "size" : "print", f[C_PRINT]);
            set_attr(L, nd, "reading", f[C_READING]);
            set_attr(L, nd, "format", f[C_FORMAT]);
        }
    }
    char *save = NULL;
    for (char *ch = strtok_r(f[C_CHANNELS], ";", &save); ch; ch = strtok_r(NULL, ";", &save)) {
        ch = trim(ch);
        if (!*ch)
            continue;
        xmlNodePtr c = new_el(L, m, "contact", NULL, o);
        if (!c)
            return;
        set_attr(L, c, "channel", ch);
        if (!strcmp(ch, "post")) {
            if (!f[C_ADDRESS][0] && !f[C_TOWN][0] && !f[C_POSTCODE][0])
                continue;
            xmlNodePtr a = new_el(L, c, "address", NULL, o);
            if (!a)
                return;
            /* The address lines are split on a copy: f[C_ADDRESS] may serve a second post. */
            char lines[4096];
            snprintf(lines, sizeof lines, "%s", f[C_ADDRESS]);
            char *s2 = NULL;
            for (char *ln = strtok_r(lines, ";", &s2); ln; ln = strtok_r(NULL, ";", &s2))
                if (*trim(ln))
                    new_el(L, a, "line", trim(ln), o);
            if (f[C_TOWN][0])
                new_el(L, a, "town", f[C_TOWN], o);
            if (f[C_POSTCODE][0])
                new_el(L, a, "postcode", f[C_POSTCODE], o);
        } else if (!strcmp(ch, "email")) {
            set_attr(L, c, "email", f[C_EMAIL]);
        } else if (!strcmp(ch, "sms")) {
            set_attr(L, c, "phone", f[C_PHONE]);
        } else if (!strcmp(ch, "via-professional")) {
            set_attr(L, c, "professional", f[C_PROFESSIONAL]);
        }
    }
}

static int load_csv(loader *L, xmlNodePtr family, size_t max_bytes, unsigned max_members)
{
    const char *src = attr(L, family, "src");
    const char *why = NULL;
    char *path = inside_base(L, src, &why);
    if (!path && why) {
        pos p = node_pos(L, family, "src");
        return kl_core__error(
            L->ctx, KL_EFORMAT, KL_AT(p.source ? p.source : L->source, p.line, p.col),
            "put the family list in the review file's directory (or below it) and "
            "name it relative to the review file",
            "family@src %s: the family list is not read", why);
    }
    if (!path)
        return kl_core__oom(L->ctx);
    const char *cpath = kl_review__strdup(L->rv, path);
    kl_free(path);
    if (!cpath)
        return kl_core__oom(L->ctx);
    char *data = NULL;
    size_t len = 0;
    int rc = kl_core__read_file(L->ctx, cpath, max_bytes, &data, &len);
    if (rc)
        return rc;
    kl_csv *csv = NULL;
    rc = kl_csv__parse(L->ctx, cpath, data, len, (size_t)max_members + 1, &csv);
    kl_free(data);
    if (rc)
        return rc;
    int *cols = kl_review__alloc(L->rv, N_COLS * sizeof *cols);
    if (!cols) {
        kl_csv__free(csv);
        return kl_core__oom(L->ctx);
    }
    const kl_csv_row *h = &csv->rows[0];
    for (size_t i = 0; i < h->n_fields; i++) {
        char name[64];
        snprintf(name, sizeof name, "%s", trim(h->fields[i]));
        for (char *q = name; *q; q++)
            *q = *q == '-' || *q == ' ' ? '_' : (char)tolower((unsigned char)*q);
        int c;
        for (c = 0; c < N_COLS; c++)
            if (strcmp(name, csv_names[c]) == 0)
                break;
        if (c == N_COLS) {
            rc = kl_core__error(
                L->ctx, KL_EFORMAT, KL_AT(cpath, h->row, (unsigned)i + 1),
                "the columns are id, title, given, family, relationship, gender, age, "
                "parental_responsibility, locale, also, interpreter, print, reading, "
                "channels, address, town, postcode, email, phone, professional, "
                "contact, reason, format",
                /* Not quoted: whatever file this is, its text is not repeated. */
                "column %zu of the header is not a family-list column", i + 1);
        } else if (cols[c]) {
            rc = kl_core__error(L->ctx, KL_EFORMAT, KL_AT(cpath, h->row, (unsigned)i + 1),
                                "remove one of the two columns", "column '%s' appears twice",
                                csv_names[c]);
        } else {
            cols[c] = (int)i + 1;
        }
    }
    for (int c = 0; c < N_COLS; c++)
        if (csv_required[c] && !cols[c])
            rc = kl_core__error(L->ctx, KL_EFORMAT, KL_AT(cpath, h->row, 0),
                                "add the column to the header row (the first row)",
                                "the header has no '%s' column", csv_names[c]);
    if (!rc && csv->n_rows < 2)
        rc = kl_core__error(L->ctx, KL_EFORMAT, KL_AT(cpath, h->row, 1),
                            "add one row per family member", "the family list has no members");
    if (!rc) {
        xmlUnsetProp(family, BAD_CAST "src");
        for (size_t r = 1; r < csv->n_rows && !L->oom; r++) {
            csv_origin *o = kl_review__alloc(L->rv, sizeof *o);
            if (!o) {
                L->oom = true;
                break;
            }
            o->source = cpath;
            o->row = csv->rows[r].row;
            o->cols = cols;
            csv_member(L, family, &csv->rows[r], cols, h->n_fields, o);
        }
        if (L->oom)
            rc = kl_core__oom(L->ctx);
    }
    kl_csv__free(csv);
    return rc;
}

/* The whole review against the schema. libxml2 explains a mistake inside
 * an interleave badly ("Invalid sequence in interleave"), so when the review
 * fails, each part is validated on its own to say which and why. */
static int validate_review(loader *L, xmlRelaxNGPtr schema, xmlNodePtr root)
{
    L->quiet = true;
    int rc = validate(L, schema, L->rv->doc);
    L->quiet = false;
    if (rc <= 0)
        return rc;
    unsigned reported = 0;
    xmlNodePtr next;
    for (xmlNodePtr c = root->children; c && rc >= 0; c = next) {
        next = c->next;
        if (!is_el(c, NULL))
            continue;
        const char *def = strcmp((const char *)c->name, "contact") == 0 ? "contact.review"
                                                                        : (const char *)c->name;
        xmlRelaxNGPtr part = compile_schema(L, def, true);
        if (!part)
            continue;
        if (validate_subtree(L, part, c) > 0)
            reported += L->n_valid_reported;
        xmlRelaxNGFree(part);
    }
    if (!reported)
        rc = validate(L, schema, L->rv->doc);
    return rc < 0 ? rc : 1;
}

/* ---- the loader ------------------------------------------------------------------------ */
static int build_lines(loader *L)
{
    size_t n = 1;
    for (const char *p = L->text; (p = memchr(p, '\n', (size_t)(L->text + L->len - p))); p++)
        n++;
    L->lines = kl_core__malloc(n * sizeof *L->lines);
    if (!L->lines)
        return KL_ENOMEM;
    L->lines[0] = 0;
    n = 1;
    for (size_t i = 0; i < L->len; i++)
        if (L->text[i] == '\n')
            L->lines[n++] = i + 1;
    L->n_lines = n;
    return 0;
}

/* ---- review-wide text against every member's details ---------------------------------
 * What every letter prints (the partnership, the contact and reviewer, agencies,
 * services, hours...) and what a member's own letter, cover note or record
 * prints (names, the professional, the reason) must hold no other member's
 * phone, email, postcode or address line (docs/SECURITY.md). Each hit is an
 * error for the member whose detail it is; the letters that would carry it
 * are refused again when they are written. The detail itself is never quoted. */
static void scan_value(loader *L, xmlNodePtr el, const char *attr, const char *value, size_t reader)
{
    kl_disclosure_hit hit;
    int r = kl_disclosure__find(L->rv->disclosure, reader, KL_DISCLOSURE_OWN_ALWAYS, value,
                                strlen(value), &hit);
    if (r == KL_ENOMEM) {
        L->oom = true;
        return;
    }
    if (r != KL_EDATA)
        return;
    char field[160];
    bool was = L->member_mode;
    const char *was_id = L->member_id;
    L->member_mode = false;
    pos p = node_pos(L, el, attr);
    if (p.column_name)
        snprintf(field, sizeof field, "column '%s'", p.column_name);
    else if (attr)
        snprintf(field, sizeof field, "<%s %s=\"...\">", (const char *)el->name, attr);
    else
        snprintf(field, sizeof field, "<%s>", (const char *)el->name);
    kl_where w = {p.source, p.line, p.col,
                  reader < L->rv->n_members ? L->rv->members[reader].id : NULL};
    L->rv->n_errors++;
    kl_core__report(L->ctx, KL_EDATA, w,
                    "take it out of this field: a member's contact details belong only in that "
                    "member's own <contact>",
                    "%s holds %s of member %s%s; %s", field, hit.kind, hit.member_id,
                    hit.withheld ? " (whose contact details are withheld)" : "",
                    reader == KL_DISCLOSURE_NOBODY
                        ? "every letter prints this field, so no other member's letter is written"
                        : "this member's correspondence would carry it, so it is not written");
    if (reader < L->rv->n_members)
        L->rv->extra[reader].ok = 0;
    L->member_mode = was;
    L->member_id = was_id;
}

static void scan_attrs(loader *L, xmlNodePtr el, size_t reader, const char *const *only)
{
    for (xmlAttrPtr a = el->properties; a && !L->oom; a = a->next) {
        bool wanted = !only;
        for (size_t i = 0; only && only[i]; i++)
            if (strcmp((const char *)a->name, only[i]) == 0)
                wanted = true;
        if (!wanted)
            continue;
        xmlChar *v = xmlNodeGetContent((xmlNodePtr)a);
        if (v && *v)
            scan_value(L, el, (const char *)a->name, (const char *)v, reader);
        xmlFree(v);
    }
}

static void scan_tree(loader *L, xmlNodePtr el)
{
    scan_attrs(L, el, KL_DISCLOSURE_NOBODY, NULL);
    for (xmlNodePtr c = el->children; c && !L->oom; c = c->next) {
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            if (c->content && *c->content)
                scan_value(L, el, NULL, (const char *)c->content, KL_DISCLOSURE_NOBODY);
        } else if (is_el(c, "member")) {
            static const char *const name_attrs[] = {"title", "given", "family", NULL};
            static const char *const member_attrs[] = {"reason", NULL};
            static const char *const contact_attrs[] = {"professional", NULL};
            size_t reader = KL_DISCLOSURE_NOBODY;
            for (size_t k = 0; k < L->rv->n_members; k++)
                if (L->rv->extra[k].node == c)
                    reader = k;
            scan_attrs(L, c, reader, member_attrs);
            for (xmlNodePtr g = c->children; g && !L->oom; g = g->next) {
                if (is_el(g, "name"))
                    scan_attrs(L, g, reader, name_attrs);
                else if (is_el(g, "contact"))
                    scan_attrs(L, g, reader, contact_attrs);
            }
        } else if (c->type == XML_ELEMENT_NODE) {
            scan_tree(L, c);
        }
    }
}

static int check_disclosure(loader *L)
{
    int r = kl_review__disclosure_build(L->rv);
    if (r)
        return r == KL_ENOMEM ? kl_core__oom(L->ctx)
                              : kl_core__error(L->ctx, r, KL_NOWHERE, NULL,
                                               "the members' contact details could not be indexed");
    xmlNodePtr root = xmlDocGetRootElement(L->rv->doc);
    if (root)
        scan_tree(L, root);
    return L->oom ? kl_core__oom(L->ctx) : 0;
}

static int load(loader *L, const kl_review_load_options *opts)
{
    size_t max_bytes = opts && opts->max_bytes ? opts->max_bytes : DEFAULT_MAX_BYTES;
    unsigned max_members = opts && opts->max_members ? opts->max_members : DEFAULT_MAX_MEMBERS;
    if (L->len > max_bytes)
        return kl_core__error(L->ctx, KL_ELIMIT, KL_AT(L->source, 0, 0),
                              "split the review, or check it is the right file",
                              "file is too large (%zu bytes; the limit is %zu)", L->len, max_bytes);
    size_t bad;
    if (!kl_core__utf8_valid(L->text, L->len, &bad)) {
        unsigned line, col;
        kl_core__line_col(L->text, bad, &line, &col);
        return kl_core__error(L->ctx, KL_EPARSE, KL_AT(L->source, line, col),
                              "save the file as UTF-8 (and remove any NUL bytes)",
                              L->text[bad] ? "byte 0x%02X is not valid UTF-8"
                                           : "a NUL byte (0x%02X) is not allowed",
                              (unsigned char)L->text[bad]);
    }
    size_t first = 0;
    while (first < L->len && isspace((unsigned char)L->text[first]))
        first++;
    if (first == L->len)
        return kl_core__error(L->ctx, KL_EPARSE, KL_AT(L->source, 1, 1),
                              "give the review file: see " FORMAT_DOC, "the file is empty");
    int rc = prescan(L);
    if (rc)
        return rc;
    if (build_lines(L))
        return kl_core__oom(L->ctx);
    kl_review *rv = L->rv;
    rc = parse_xml(L, &rv->doc);
    if (rc)
        return rc;
    xmlNodePtr root = xmlDocGetRootElement(rv->doc);
    if (!is_el(root, "review"))
        return kl_core__error(
            L->ctx, KL_EFORMAT, KL_AT(L->source, 0, 0),
            "a review file starts <review xmlns=\"urn:kinletter:review:1\" ...>",
            "this is not a kinletter review file (the root element is not <review> "
            "in namespace " NS ")");
    L->ns = root->ns;

    xmlRelaxNGPtr review_schema = compile_schema(L, NULL, true);
    xmlRelaxNGPtr member_schema = review_schema ? compile_schema(L, "member", false) : NULL;
    if (!member_schema) {
        xmlRelaxNGFree(review_schema);
        return kl_core__error(L->ctx, KL_EBACKEND, KL_NOWHERE, NULL,
                              "libxml2 could not compile the review schema (out of memory?)");
    }
    check_children(L, root, review_children, review_required, NULL);
    check_attrs(L, root);
    for (xmlNodePtr c = root->children; c; c = c->next)
        if (is_el(c, NULL)) {
            check_attrs(L, c);
            for (xmlNodePtr g = c->children; g; g = g->next)
                if (is_el(g, NULL) && !is_el(g, "member"))
                    check_attrs(L, g);
        }
    xmlNodePtr pn = child(root, "partnership");
    if (pn)
        check_children(L, pn, partnership_children, partnership_required, NULL);
    /* Our own checks first: their messages say more than the schema's. */
    if (!L->file_failed)
        read_info(L, root);
    if (!L->file_failed && !L->oom)
        rc = validate_review(L, review_schema, root);
    if (rc == 0 && !L->file_failed && !L->oom) {
        xmlNodePtr family = child(root, "family");
        if (xmlHasProp(family, BAD_CAST "src")) {
            rc = load_csv(L, family, max_bytes, max_members);
        }
        size_t n = 0;
        for (xmlNodePtr m = child(family, "member"); m; m = next_el(m, "member"))
            n++;
        if (!rc && n > max_members)
            rc = kl_core__error(L->ctx, KL_ELIMIT, KL_AT(L->source, 0, 0),
                                "split the family into several reviews",
                                "too many family members (%zu; the limit is %u)", n, max_members);
        if (!rc) {
            rv->members = kl_review__alloc(rv, (n ? n : 1) * sizeof *rv->members);
            rv->extra = kl_review__alloc(rv, (n ? n : 1) * sizeof *rv->extra);
            if (!rv->members || !rv->extra)
                L->oom = true;
            for (xmlNodePtr m = child(family, "member"); m && !L->oom; m = next_el(m, "member")) {
                build_member(L, m, &rv->members[rv->n_members], &rv->extra[rv->n_members],
                             member_schema);
                rv->n_members++;
            }
            for (size_t i = 0; i < rv->n_members && !L->oom; i++) {
                for (size_t j = 0; j < i; j++) {
                    kl_member *a = &rv->members[j], *b = &rv->members[i];
                    if (!a->id || !b->id || strcmp(a->id, b->id) != 0 || !*a->id)
                        continue;
                    L->member_mode = true;
                    L->member_id = b->id;
                    L->member_failed = false;
                    problem(L, rv->extra[i].node, "id",
                            "give each member a different id: ids name the output files",
                            "member id '%s' is already used at %s:%u", b->id, a->source, a->line);
                    L->member_mode = false;
                    rv->extra[i].ok = 0;
                    break;
                }
            }
        }
    }
    xmlRelaxNGFree(review_schema);
    xmlRelaxNGFree(member_schema);
    if (rc < 0)
        return rc == KL_EBACKEND ? kl_core__error(L->ctx, rc, KL_NOWHERE, NULL,
                                                  "libxml2 failed while validating the review")
                                 : rc;
    if (L->oom)
        return kl_core__oom(L->ctx);
    if (L->file_failed || rc > 0) {
        const kl_diagnostic *e = kl_context_last_error(L->ctx);
        return e && e->code ? e->code : KL_EFORMAT;
    }
    return check_disclosure(L);
}

KL_API int kl_review_load_buffer(kl_context *ctx, const char *data, size_t len, const char *name,
                                 const char *base_dir, const kl_review_load_options *opts,
                                 kl_review **out)
{
    kl_context_clear_error(ctx);
    if (!out)
        return kl_core__einval(ctx, __func__);
    *out = NULL;
    if (!ctx || (!data && len))
        return kl_core__einval(ctx, __func__);
    if (opts && opts->version != KL_REVIEW_LOAD_OPTIONS_VERSION)
        return kl_core__error(ctx, KL_EINVAL, KL_NOWHERE,
                              "initialise with KL_REVIEW_LOAD_OPTIONS_INIT",
                              "unknown kl_review_load_options version %u", opts->version);
    kl_review *rv = kl_core__calloc(1, sizeof *rv);
    if (!rv)
        return kl_core__oom(ctx);
    loader L = {0};
    L.ctx = ctx;
    L.rv = rv;
    L.text = data ? data : "";
    L.len = len;
    L.source = kl_review__strdup(rv, name ? name : "<buffer>");
    L.base_dir = base_dir ? kl_review__strdup(rv, base_dir) : ".";
    int rc = !L.source || !L.base_dir ? kl_core__oom(ctx) : load(&L, opts);
    kl_free(L.lines);
    if (rc) {
        kl_review_free(rv);
        return rc;
    }
    *out = rv;
    return 0;
}

KL_API int kl_review_load_file(kl_context *ctx, const char *path,
                               const kl_review_load_options *opts, kl_review **out)
{
    kl_context_clear_error(ctx);
    if (!out)
        return kl_core__einval(ctx, __func__);
    *out = NULL;
    if (!ctx || !path)
        return kl_core__einval(ctx, __func__);
    size_t max = opts && opts->max_bytes ? opts->max_bytes : DEFAULT_MAX_BYTES;
    char *data = NULL;
    size_t len = 0;
    int rc = kl_core__read_file(ctx, path, max, &data, &len);
    if (rc)
        return rc;
    char *dir = kl_core__path_dirname(path);
    if (!dir) {
        kl_free(data);
        return kl_core__oom(ctx);
    }
    rc = kl_review_load_buffer(ctx, data, len, path, dir, opts, out);
    kl_free(dir);
    kl_free(data);
    return rc;
}
