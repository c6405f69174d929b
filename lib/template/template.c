/* SPDX-License-Identifier: MIT */
/* template/template.c: load, validate and compile letter templates. */
#include "template/template.h"

#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/xpathInternals.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define TEMPLATE_NS      "urn:kinletter:template:1"
#define REVIEW_NS        "urn:kinletter:review:1"
#define MAX_TEMPLATE     (1u << 20)
#define MAX_SCHEMA_ERRS  20
#define TEMPLATE_OPTIONS (XML_PARSE_NONET | XML_PARSE_BIG_LINES | XML_PARSE_NOCDATA)

/* ---- positions ------------------------------------------------------------
 * libxml2 keeps a line per element but no column: find the column in the
 * source text, so every message can say file:line:col. */

static const char *line_start(const char *buf, size_t len, unsigned line)
{
    const char *p = buf, *end = buf + len;
    for (unsigned l = 1; l < line && p < end; l++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            return NULL;
        p = nl + 1;
    }
    return p < end ? p : NULL;
}

static unsigned col_of(const char *from, const char *at)
{
    unsigned col = 1;
    for (const char *p = from; p < at; p++)
        if (((unsigned char)*p & 0xC0) != 0x80)
            col++;
    return col;
}

/* Column of "<name" on the given line (1 if not found). */
static unsigned element_column(const char *buf, size_t len, unsigned line, const char *name)
{
    const char *ls = line_start(buf, len, line);
    if (!ls)
        return 0;
    const char *le = memchr(ls, '\n', (size_t)(buf + len - ls));
    if (!le)
        le = buf + len;
    size_t nlen = strlen(name);
    for (const char *p = ls; p + nlen + 1 <= le; p++)
        if (*p == '<' && strncmp(p + 1, name, nlen) == 0 &&
            (p + 1 + nlen == le || strchr(" \t\r/>", p[1 + nlen])))
            return col_of(ls, p);
    return 1;
}

/* Line and column of the first character of attribute attr's value, searched
 * from the element's line (attributes may continue on later lines). */
static void attr_position(const char *buf, size_t len, unsigned line, const char *attr,
                          unsigned *out_line, unsigned *out_col)
{
    *out_line = line;
    *out_col = 0;
    const char *ls = line_start(buf, len, line);
    if (!ls)
        return;
    size_t alen = strlen(attr);
    unsigned l = line;
    const char *cur_ls = ls;
    for (const char *p = ls; p < buf + len && l < line + 40; p++) {
        if (*p == '\n') {
            l++;
            cur_ls = p + 1;
            continue;
        }
        if ((p == buf || strchr(" \t\r\n", p[-1])) && strncmp(p, attr, alen) == 0) {
            const char *q = p + alen;
            while (q < buf + len && strchr(" \t", *q))
                q++;
            if (q < buf + len && *q == '=') {
                q++;
                while (q < buf + len && strchr(" \t", *q))
                    q++;
                if (q < buf + len && (*q == '"' || *q == '\'')) {
                    *out_line = l;
                    *out_col = col_of(cur_ls, q + 1);
                    return;
                }
            }
        }
    }
}

/* ---- the schema ------------------------------------------------------------ */

static pthread_once_t schema_once = PTHREAD_ONCE_INIT;
static xmlRelaxNGPtr schema;

static void silent(void *ud, xmlErrorPtr err)
{
    (void)ud;
    (void)err;
}

static void load_schema(void)
{
    xmlRelaxNGParserCtxtPtr pc =
        xmlRelaxNGNewMemParserCtxt((const char *)kl_template__rng, (int)kl_template__rng_len);
    if (!pc)
        return;
    xmlRelaxNGSetParserStructuredErrors(pc, silent, NULL);
    schema = xmlRelaxNGParse(pc);
    xmlRelaxNGFreeParserCtxt(pc);
}

/* ---- loading ---------------------------------------------------------------- */

typedef struct loader {
    kl_context *ctx;
    const char *name; /* for messages */
    const char *buf;
    size_t len;
    int rc;
    unsigned n_errors;
    int last_heading;         /* for the heading-level check */
    xmlXPathContextPtr probe; /* to try each expression once at load */
    kl_template *tpl;
} loader;

typedef struct first_error {
    bool set;
    char message[512];
    unsigned line, column;
} first_error;

static void trim_copy(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "unknown error");
    size_t n = strlen(dst);
    while (n && (dst[n - 1] == '\n' || dst[n - 1] == ' '))
        dst[--n] = '\0';
}

static void keep_first(void *ud, xmlErrorPtr err)
{
    first_error *fe = ud;
    if (fe->set || !err || err->level < XML_ERR_ERROR)
        return;
    fe->set = true;
    trim_copy(fe->message, sizeof fe->message, err->message);
    fe->line = (unsigned)err->line;
    fe->column = err->int2 > 0 ? (unsigned)err->int2 : 0;
}

typedef struct schema_errors {
    loader *ld;
} schema_errors;

static void schema_error(void *ud, xmlErrorPtr err)
{
    loader *ld = ud;
    if (!err || ++ld->n_errors > MAX_SCHEMA_ERRS)
        return;
    char msg[512];
    trim_copy(msg, sizeof msg, err->message);
    unsigned line = (unsigned)err->line, col = 0;
    xmlNodePtr node = err->node;
    if (node && node->type == XML_ELEMENT_NODE) {
        line = (unsigned)xmlGetLineNo(node);
        col = element_column(ld->buf, ld->len, line, (const char *)node->name);
    }
    kl_core__report(ld->ctx, KL_EFORMAT, KL_AT(ld->name, line, col),
                    "see docs/TEMPLATES.md for the elements a template may use", "%s", msg);
}

static const char *xpath_message(int code)
{
    switch (code) {
    case XML_XPATH_NUMBER_ERROR:
        return "bad number";
    case XML_XPATH_UNFINISHED_LITERAL_ERROR:
        return "unfinished string (a quote is missing)";
    case XML_XPATH_START_LITERAL_ERROR:
        return "a string should start here";
    case XML_XPATH_VARIABLE_REF_ERROR:
        return "bad variable reference";
    case XML_XPATH_UNDEF_VARIABLE_ERROR:
        return "unknown variable (known: $member $channel $variant $locale $outcome $type)";
    case XML_XPATH_INVALID_PREDICATE_ERROR:
        return "bad predicate";
    case XML_XPATH_UNCLOSED_ERROR:
        return "a bracket is not closed";
    case XML_XPATH_UNKNOWN_FUNC_ERROR:
        return "unknown function";
    case XML_XPATH_INVALID_OPERAND:
        return "bad operand";
    case XML_XPATH_INVALID_TYPE:
        return "wrong type";
    case XML_XPATH_INVALID_ARITY:
        return "wrong number of arguments to a function";
    case XML_XPATH_UNDEF_PREFIX_ERROR:
        return "unknown namespace prefix (use r: for the review)";
    case XML_XPATH_INVALID_CHAR_ERROR:
        return "character not allowed here";
    default:
        return "invalid expression";
    }
}

typedef struct xpath_error {
    bool set;
    int code;
    int offset;
} xpath_error;

static void xpath_error_fn(void *ud, xmlErrorPtr err)
{
    xpath_error *xe = ud;
    if (xe->set || !err)
        return;
    xe->set = true;
    xe->code = err->code;
    xe->offset = err->int1;
}

static int report_xpath(loader *ld, xmlNodePtr el, const char *attr, const char *expr,
                        const xpath_error *xe)
{
    unsigned line, col;
    attr_position(ld->buf, ld->len, (unsigned)xmlGetLineNo(el), attr, &line, &col);
    if (col && xe->offset >= 0 && (size_t)xe->offset <= strlen(expr))
        col += col_of(expr, expr + xe->offset) - 1;
    ld->n_errors++;
    ld->rc = KL_EPARSE;
    return kl_core__report(ld->ctx, KL_EPARSE, KL_AT(ld->name, line, col),
                           "XPath 1.0 over the review, with prefix r: (docs/TEMPLATES.md)",
                           "<%s %s=\"%s\">: %s", (const char *)el->name, attr, expr,
                           xpath_message(xe->code));
}

/* Compile an expression, then try it once against an empty review so
 * unknown variables, prefixes and functions are found at load, not when the
 * first letter is written. */
static xmlXPathCompExprPtr compile(loader *ld, xmlNodePtr el, const char *attr, const char *expr)
{
    xpath_error xe = {false, 0, -1};
    ld->probe->error = xpath_error_fn;
    ld->probe->userData = &xe;
    xmlXPathCompExprPtr c = xmlXPathCtxtCompile(ld->probe, BAD_CAST expr);
    if (!c) {
        if (!xe.set)
            xe.code = XML_XPATH_EXPR_ERROR;
        report_xpath(ld, el, attr, expr, &xe);
        return NULL;
    }
    xmlXPathObjectPtr r = xmlXPathCompiledEval(c, ld->probe);
    if (!r || xe.set) {
        if (!xe.set)
            xe.code = XML_XPATH_EXPR_ERROR;
        xe.offset = -1;
        report_xpath(ld, el, attr, expr, &xe);
        xmlXPathFreeObject(r);
        xmlXPathFreeCompExpr(c);
        return NULL;
    }
    xmlXPathFreeObject(r);
    return c;
}

static char *get_attr(loader *ld, xmlNodePtr el, const char *name)
{
    xmlChar *v = xmlGetNoNsProp(el, BAD_CAST name);
    if (!v)
        return NULL;
    char *copy = kl_core__strdup((const char *)v);
    xmlFree(v);
    if (!copy)
        ld->rc = KL_ENOMEM;
    return copy;
}

static const struct {
    const char *name;
    kl_tkind kind;
} kinds[] = {
    {"letterhead", KL_T_LETTERHEAD},
    {"address", KL_T_ADDRESS},
    {"date", KL_T_DATE},
    {"reference", KL_T_REFERENCE},
    {"salutation", KL_T_SALUTATION},
    {"section", KL_T_SECTION},
    {"heading", KL_T_HEADING},
    {"p", KL_T_P},
    {"list", KL_T_LIST},
    {"item", KL_T_ITEM},
    {"contact", KL_T_CONTACT},
    {"row", KL_T_ROW},
    {"signature", KL_T_SIGNATURE},
    {"figure", KL_T_FIGURE},
    {"page-break", KL_T_PAGE_BREAK},
    {"sms", KL_T_SMS},
    {"questions", KL_T_QUESTIONS},
    {"point", KL_T_POINT},
    {"credit", KL_T_CREDIT},
};

static void free_nodes(kl_tnode *n)
{
    while (n) {
        kl_tnode *next = n->next;
        free_nodes(n->first);
        kl_free(n->msg);
        kl_free(n->label);
        kl_free(n->href);
        kl_free(n->asked);
        kl_free(n->answer);
        kl_free(n->open_msg);
        kl_free(n->picture);
        kl_free(n->picture_path);
        kl_free(n->alt_msg);
        kl_free(n->term);
        kl_free(n->detail);
        kl_free(n->when);
        kl_free(n->each);
        if (n->when_expr)
            xmlXPathFreeCompExpr(n->when_expr);
        if (n->each_expr)
            xmlXPathFreeCompExpr(n->each_expr);
        for (size_t i = 0; i < n->n_args; i++) {
            kl_free(n->args[i].name);
            kl_free(n->args[i].select);
            if (n->args[i].expr)
                xmlXPathFreeCompExpr(n->args[i].expr);
        }
        kl_free(n->args);
        kl_free(n);
        n = next;
    }
}

static bool is_el(xmlNodePtr n)
{
    return n->type == XML_ELEMENT_NODE && n->ns && xmlStrEqual(n->ns->href, BAD_CAST TEMPLATE_NS);
}

static kl_tnode *build(loader *ld, xmlNodePtr el);

static kl_tnode *build_children(loader *ld, xmlNodePtr parent)
{
    kl_tnode *first = NULL, **tail = &first;
    for (xmlNodePtr c = parent->children; c && ld->rc != KL_ENOMEM; c = c->next) {
        if (!is_el(c) || xmlStrEqual(c->name, BAD_CAST "arg") ||
            (parent->parent && parent->parent->type == XML_DOCUMENT_NODE &&
             (xmlStrEqual(c->name, BAD_CAST "sms") || xmlStrEqual(c->name, BAD_CAST "easy-read"))))
            continue;
        kl_tnode *n = build(ld, c);
        if (!n)
            continue;
        *tail = n;
        tail = &n->next;
    }
    return first;
}

/* A point's picture: templates/pictures/<name>.png along the data path (the
 * build makes the PNGs from the SVGs; docs/ACCESSIBILITY.md), and the
 * catalog message of its alt text, picture.<name>. */
static void point_picture(loader *ld, xmlNodePtr el, kl_tnode *n)
{
    n->picture = get_attr(ld, el, "picture");
    n->term = get_attr(ld, el, "term");
    n->detail = get_attr(ld, el, "detail");
    if (!n->picture)
        return;
    kl_buf rel = KL_BUF_INIT, alt = KL_BUF_INIT;
    kl_core__buf_printf(&rel, "templates/pictures/%s.png", n->picture);
    kl_core__buf_printf(&alt, "picture.%s", n->picture);
    if (rel.oom || alt.oom) {
        ld->rc = KL_ENOMEM;
    } else {
        n->alt_msg = kl_core__buf_detach(&alt);
        /* Not found: the template still loads (only an Easy Read letter
         * needs the picture, and compose says which one is missing). */
        if (kl_context__find_data_quiet(ld->ctx, rel.data, &n->picture_path) == KL_ENOMEM)
            ld->rc = KL_ENOMEM;
    }
    kl_core__buf_free(&rel);
    kl_core__buf_free(&alt);
}

static kl_tnode *build(loader *ld, xmlNodePtr el)
{
    kl_tnode *n = kl_core__calloc(1, sizeof *n);
    if (!n) {
        ld->rc = KL_ENOMEM;
        return NULL;
    }
    n->kind = KL_T_P;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (xmlStrEqual(el->name, BAD_CAST kinds[i].name))
            n->kind = kinds[i].kind;
    n->line = (unsigned)xmlGetLineNo(el);
    n->column = element_column(ld->buf, ld->len, n->line, (const char *)el->name);
    n->msg = get_attr(ld, el, "msg");
    n->label = get_attr(ld, el, "label");
    n->href = get_attr(ld, el, "href");
    n->when = get_attr(ld, el, "when");
    n->each = get_attr(ld, el, "each");
    if (n->kind == KL_T_QUESTIONS) {
        n->asked = get_attr(ld, el, "asked");
        n->answer = get_attr(ld, el, "answer");
        n->open_msg = get_attr(ld, el, "open");
    }
    if (n->kind == KL_T_POINT)
        point_picture(ld, el, n);
    if (n->kind == KL_T_HEADING || n->kind == KL_T_QUESTIONS) {
        char *lv = get_attr(ld, el, "level");
        n->level = lv ? lv[0] - '0' : n->kind == KL_T_QUESTIONS ? 2 : 1;
        kl_free(lv);
        if (n->level > ld->last_heading + 1) {
            ld->n_errors++;
            ld->rc = KL_EFORMAT;
            kl_core__report(ld->ctx, KL_EFORMAT, KL_AT(ld->name, n->line, n->column),
                            "headings start at level 1 and go down one level at a time",
                            "heading level %d follows level %d: a level is skipped", n->level,
                            ld->last_heading);
        }
        ld->last_heading = n->level;
    }
    if (n->kind == KL_T_LIST) {
        char *kind = get_attr(ld, el, "kind");
        n->ordered = kind && strcmp(kind, "number") == 0;
        kl_free(kind);
    }
    if (n->when)
        n->when_expr = compile(ld, el, "when", n->when);
    if (n->each)
        n->each_expr = compile(ld, el, "each", n->each);

    size_t n_args = 0;
    for (xmlNodePtr c = el->children; c; c = c->next)
        if (is_el(c) && xmlStrEqual(c->name, BAD_CAST "arg"))
            n_args++;
    if (n_args > KL_TEMPLATE_MAX_ARGS) {
        ld->rc = KL_ELIMIT;
        ld->n_errors++;
        kl_core__report(ld->ctx, KL_ELIMIT, KL_AT(ld->name, n->line, n->column),
                        "give the message fewer arguments (an XPath expression can join values)",
                        "<%s> has %zu <arg> elements: the limit is %d", (const char *)el->name,
                        n_args, KL_TEMPLATE_MAX_ARGS);
        return n;
    }
    if (n_args) {
        n->args = kl_core__calloc(n_args, sizeof *n->args);
        if (!n->args) {
            ld->rc = KL_ENOMEM;
            return n;
        }
        for (xmlNodePtr c = el->children; c; c = c->next) {
            if (!is_el(c) || !xmlStrEqual(c->name, BAD_CAST "arg"))
                continue;
            kl_targ *a = &n->args[n->n_args++];
            a->name = get_attr(ld, c, "name");
            a->select = get_attr(ld, c, "select");
            a->line = (unsigned)xmlGetLineNo(c);
            a->column = element_column(ld->buf, ld->len, a->line, "arg");
            if (a->select)
                a->expr = compile(ld, c, "select", a->select);
        }
    }
    if (n->kind == KL_T_SECTION || n->kind == KL_T_LIST || n->kind == KL_T_CONTACT)
        n->first = build_children(ld, el);
    return n;
}

/* An empty review and the template variables, to try expressions on. */
static xmlXPathContextPtr new_probe(xmlDocPtr *doc_out)
{
    xmlDocPtr doc = xmlReadMemory(
        "<review xmlns='" REVIEW_NS "'><family><member/></family></review>",
        (int)strlen("<review xmlns='" REVIEW_NS "'><family><member/></family></review>"),
        "probe.xml", NULL, XML_PARSE_NONET);
    if (!doc)
        return NULL;
    xmlNodePtr member = xmlDocGetRootElement(doc)->children->children;
    xmlXPathContextPtr xp =
        kl_template__xpath_new(doc, member, "post", "standard", "en-GB", "died", "lcspr");
    if (!xp) {
        xmlFreeDoc(doc);
        return NULL;
    }
    *doc_out = doc;
    return xp;
}

/* The variables of kl_template__xpath_new, registered again (each replaces the last). */
static int xpath_vars(xmlXPathContextPtr xp, xmlNodePtr member, const char *channel,
                      const char *variant, const char *locale, const char *outcome,
                      const char *type)
{
    const char *names[] = {"channel", "variant", "locale", "outcome", "type"};
    const char *values[] = {channel, variant, locale, outcome, type};
    xmlXPathObjectPtr m = xmlXPathNewNodeSet(member);
    int bad = !m || xmlXPathRegisterVariable(xp, BAD_CAST "member", m);
    for (size_t i = 0; i < 5 && !bad; i++) {
        xmlXPathObjectPtr v = xmlXPathNewCString(values[i] ? values[i] : "");
        bad |= !v || xmlXPathRegisterVariable(xp, BAD_CAST names[i], v);
    }
    return bad;
}

xmlXPathContextPtr kl_template__xpath_new(xmlDocPtr doc, xmlNodePtr member, const char *channel,
                                          const char *variant, const char *locale,
                                          const char *outcome, const char *type)
{
    xmlXPathContextPtr xp = xmlXPathNewContext(doc);
    if (!xp)
        return NULL;
    int bad = xmlXPathRegisterNs(xp, BAD_CAST "r", BAD_CAST REVIEW_NS);
    if (!bad)
        bad = xpath_vars(xp, member, channel, variant, locale, outcome, type);
    if (bad) {
        xmlXPathFreeContext(xp);
        return NULL;
    }
    return xp;
}

/* The thread's kept context (kl_template__xpath_give), freed when the thread ends. */
static pthread_key_t xp_key;
static bool xp_key_ok;
static pthread_once_t xp_once = PTHREAD_ONCE_INIT;

static void xp_free(void *p)
{
    xmlXPathFreeContext(p);
}

static void xp_key_make(void)
{
    xp_key_ok = pthread_key_create(&xp_key, xp_free) == 0;
}

xmlXPathContextPtr kl_template__xpath_take(xmlDocPtr doc, xmlNodePtr member, const char *channel,
                                           const char *variant, const char *locale,
                                           const char *outcome, const char *type)
{
    pthread_once(&xp_once, xp_key_make);
    xmlXPathContextPtr xp = xp_key_ok ? pthread_getspecific(xp_key) : NULL;
    if (!xp || pthread_setspecific(xp_key, NULL) != 0)
        return kl_template__xpath_new(doc, member, channel, variant, locale, outcome, type);
    /* As xmlXPathNewContext leaves a new one; the namespace r: and the functions stay. */
    xp->doc = doc;
    xp->node = NULL;
    xp->contextSize = -1;
    xp->proximityPosition = -1;
    xp->error = NULL;
    xmlResetError(&xp->lastError);
    if (xpath_vars(xp, member, channel, variant, locale, outcome, type)) {
        xmlXPathFreeContext(xp);
        return NULL;
    }
    return xp;
}

void kl_template__xpath_give(xmlXPathContextPtr xp)
{
    if (!xp)
        return;
    if (xp_key_ok && !pthread_getspecific(xp_key)) {
        /* Nothing of this letter's document kept: $member is dropped, the strings stay. */
        xmlXPathRegisterVariable(xp, BAD_CAST "member", NULL);
        xp->doc = NULL;
        xp->node = NULL;
        xmlResetError(&xp->lastError);
        if (pthread_setspecific(xp_key, xp) == 0)
            return;
    }
    xmlXPathFreeContext(xp);
}

static void silent_generic(void *ud, const char *msg, ...)
{
    (void)ud;
    (void)msg;
}

void kl_template__quiet(kl_xml_quiet *q)
{
    q->fn = xmlGenericError;
    q->ctx = xmlGenericErrorContext;
    xmlSetGenericErrorFunc(NULL, silent_generic);
}

void kl_template__unquiet(const kl_xml_quiet *q)
{
    xmlSetGenericErrorFunc(q->ctx, q->fn);
}

static void kl_xml_init(void)
{
    xmlInitParser();
}

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

/* The template as a libxml2 tree: UTF-8, well-formed, no DOCTYPE. Parsed
 * with the network, DTD loading and entity expansion off. */
static int parse_template(kl_context *ctx, const char *data, size_t len, const char *name,
                          xmlDocPtr *out)
{
    size_t bad = 0;
    if (!kl_core__utf8_valid(data, len, &bad)) {
        unsigned l, c;
        kl_core__line_col(data, bad, &l, &c);
        return kl_core__error(ctx, KL_EPARSE, KL_AT(name, l, c), "save the template as UTF-8",
                              "template is not valid UTF-8");
    }
    /* The structured handler is per thread in libxml2, so this is thread-safe. */
    first_error fe = {0};
    xmlSetStructuredErrorFunc(&fe, keep_first);
    xmlParserCtxtPtr pctx = xmlNewParserCtxt();
    xmlDocPtr doc =
        pctx ? xmlCtxtReadMemory(pctx, data, (int)len, name, NULL, TEMPLATE_OPTIONS) : NULL;
    xmlSetStructuredErrorFunc(NULL, NULL);
    if (pctx && pctx->wellFormed == 0 && doc) {
        xmlFreeDoc(doc);
        doc = NULL;
    }
    xmlFreeParserCtxt(pctx);
    if (!pctx)
        return kl_core__oom(ctx);
    if (!doc)
        return kl_core__error(ctx, KL_EPARSE, KL_AT(name, fe.line, fe.column),
                              "the template must be well-formed XML", "%s",
                              fe.set ? fe.message : "not well-formed XML");
    if (doc->intSubset || doc->extSubset) {
        unsigned line = 1, col = 1;
        const char *dt = NULL;
        for (const char *p = data; p + 9 <= data + len && !dt; p++)
            if (memcmp(p, "<!DOCTYPE", 9) == 0)
                dt = p;
        if (dt)
            kl_core__line_col(data, (size_t)(dt - data), &line, &col);
        xmlFreeDoc(doc);
        return kl_core__error(ctx, KL_EFORMAT, KL_AT(name, line, col),
                              "remove the <!DOCTYPE> declaration",
                              "a template may not have a DOCTYPE (no DTDs or entities)");
    }
    *out = doc;
    return 0;
}

/* The document against the built-in template schema (each problem reported). */
static int validate_template(loader *ld, xmlDocPtr doc)
{
    pthread_once(&schema_once, load_schema);
    if (!schema)
        return kl_core__error(ld->ctx, KL_EBACKEND, KL_NOWHERE, NULL,
                              "the built-in template schema could not be loaded");
    xmlRelaxNGValidCtxtPtr vctx = xmlRelaxNGNewValidCtxt(schema);
    if (!vctx)
        return kl_core__oom(ld->ctx);
    xmlRelaxNGSetValidStructuredErrors(vctx, schema_error, ld);
    int valid = xmlRelaxNGValidateDoc(vctx, doc);
    xmlRelaxNGFreeValidCtxt(vctx);
    if (valid != 0) {
        unsigned n = ld->n_errors;
        return kl_core__error(ld->ctx, KL_EFORMAT, KL_AT(ld->name, 0, 0),
                              "see docs/TEMPLATES.md for the elements a template may use",
                              "template does not follow the template schema (%u problem%s)", n,
                              n == 1 ? "" : "s");
    }
    return 0;
}

/* The letter's parts from the document into ld->tpl (problems counted in ld). */
static void build_template(loader *ld, xmlDocPtr doc)
{
    kl_template *tpl = ld->tpl;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    tpl->name = get_attr(ld, root, "name");
    tpl->title_msg = get_attr(ld, root, "title");
    tpl->subject_msg = get_attr(ld, root, "subject");
    tpl->email_intro_msg = get_attr(ld, root, "email-intro");
    tpl->source = kl_core__strdup(ld->name);
    if (!tpl->source)
        ld->rc = KL_ENOMEM;
    tpl->body = build_children(ld, root);
    for (xmlNodePtr c = root->children; c; c = c->next) {
        if (is_el(c) && xmlStrEqual(c->name, BAD_CAST "sms"))
            tpl->sms = build(ld, c);
        if (is_el(c) && xmlStrEqual(c->name, BAD_CAST "easy-read")) {
            /* Its own heading levels, from 1 again. */
            ld->last_heading = 0;
            tpl->easy = build_children(ld, c);
        }
    }
}

KL_API int kl_template_load_buffer(kl_context *ctx, const char *data, size_t len, const char *name,
                                   kl_template **out)
{
    kl_context_clear_error(ctx);
    if (!ctx || !data || !out)
        return kl_core__einval(ctx, __func__);
    *out = NULL;
    if (!name)
        name = "template";
    pthread_once(&xml_once, kl_xml_init);
    if (len > MAX_TEMPLATE)
        return kl_core__error(ctx, KL_ELIMIT, KL_AT(name, 0, 0), NULL,
                              "template is larger than %u bytes", MAX_TEMPLATE);
    loader ld = {ctx, name, data, len, 0, 0, 0, NULL, NULL};
    xmlDocPtr doc = NULL, probe_doc = NULL;
    kl_xml_quiet quiet;
    bool quieted = false;
    int rc;
    if ((rc = parse_template(ctx, data, len, name, &doc)) < 0 ||
        (rc = validate_template(&ld, doc)) < 0)
        goto done;
    kl_template__quiet(&quiet);
    quieted = true;
    ld.probe = new_probe(&probe_doc);
    ld.tpl = kl_core__calloc(1, sizeof *ld.tpl);
    if (!ld.probe || !ld.tpl)
        ld.rc = KL_ENOMEM;
    else
        build_template(&ld, doc);
done:
    if (ld.probe)
        xmlXPathFreeContext(ld.probe);
    xmlFreeDoc(probe_doc);
    xmlFreeDoc(doc);
    if (quieted)
        kl_template__unquiet(&quiet);
    if (!rc && ld.rc)
        rc = ld.rc == KL_ENOMEM
                 ? kl_core__oom(ctx)
                 : kl_core__error(ctx, ld.rc, KL_AT(name, 0, 0), NULL, "template has %u error%s",
                                  ld.n_errors, ld.n_errors == 1 ? "" : "s");
    if (rc) {
        kl_template_free(ld.tpl);
        return rc;
    }
    *out = ld.tpl;
    return 0;
}

KL_API int kl_template_load_file(kl_context *ctx, const char *path, kl_template **out)
{
    kl_context_clear_error(ctx);
    if (!ctx || !path || !out)
        return kl_core__einval(ctx, __func__);
    *out = NULL;
    char *data = NULL;
    size_t len = 0;
    int rc = kl_core__read_file(ctx, path, MAX_TEMPLATE, &data, &len);
    if (rc)
        return rc;
    rc = kl_template_load_buffer(ctx, data, len, path, out);
    kl_free(data);
    return rc;
}

KL_API int kl_template_load_name(kl_context *ctx, const char *name, kl_template **out)
{
    kl_context_clear_error(ctx);
    if (!ctx || !name || !out)
        return kl_core__einval(ctx, __func__);
    *out = NULL;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_'))
            return kl_core__error(ctx, KL_EINVAL, KL_NOWHERE,
                                  "a template name is letters, digits, - and _",
                                  "'%s' is not a template name", name);
    kl_buf rel = KL_BUF_INIT;
    kl_core__buf_printf(&rel, "templates/%s.xml", name);
    if (rel.oom)
        return kl_core__oom(ctx);
    char *path = NULL;
    int rc = kl_context_find_data(ctx, rel.data, &path);
    kl_core__buf_free(&rel);
    if (rc)
        return rc;
    rc = kl_template_load_file(ctx, path, out);
    kl_free(path);
    return rc;
}

KL_API void kl_template_free(kl_template *tpl)
{
    if (!tpl)
        return;
    free_nodes(tpl->body);
    free_nodes(tpl->easy);
    free_nodes(tpl->sms);
    kl_free(tpl->name);
    kl_free(tpl->source);
    kl_free(tpl->title_msg);
    kl_free(tpl->subject_msg);
    kl_free(tpl->email_intro_msg);
    kl_free(tpl);
}

KL_API const char *kl_template_name(const kl_template *tpl)
{
    return tpl ? tpl->name : NULL;
}

static int each_msg_nodes(const kl_tnode *n, kl_template_msg_fn fn, void *ud)
{
    for (; n; n = n->next) {
        int rc = 0;
        if (n->label && (rc = fn(n->label, n->line, n->column, ud)))
            return rc;
        if (n->msg && (rc = fn(n->msg, n->line, n->column, ud)))
            return rc;
        if (n->asked && (rc = fn(n->asked, n->line, n->column, ud)))
            return rc;
        if (n->answer && (rc = fn(n->answer, n->line, n->column, ud)))
            return rc;
        if (n->open_msg && (rc = fn(n->open_msg, n->line, n->column, ud)))
            return rc;
        if (n->term && (rc = fn(n->term, n->line, n->column, ud)))
            return rc;
        if (n->detail && (rc = fn(n->detail, n->line, n->column, ud)))
            return rc;
        if (n->alt_msg && (rc = fn(n->alt_msg, n->line, n->column, ud)))
            return rc;
        if ((rc = each_msg_nodes(n->first, fn, ud)))
            return rc;
    }
    return 0;
}

int kl_template__each_msg(const kl_template *tpl, kl_template_msg_fn fn, void *ud)
{
    int rc = 0;
    if (tpl->title_msg && (rc = fn(tpl->title_msg, 1, 1, ud)))
        return rc;
    if (tpl->subject_msg && (rc = fn(tpl->subject_msg, 1, 1, ud)))
        return rc;
    if (tpl->email_intro_msg && (rc = fn(tpl->email_intro_msg, 1, 1, ud)))
        return rc;
    if ((rc = each_msg_nodes(tpl->body, fn, ud)))
        return rc;
    return each_msg_nodes(tpl->sms, fn, ud);
}

int kl_template__each_easy_msg(const kl_template *tpl, kl_template_msg_fn fn, void *ud)
{
    return tpl->easy ? each_msg_nodes(tpl->easy, fn, ud) : 0;
}
