/* SPDX-License-Identifier: MIT */
/* review/builder.c: a review built in code, with no XML to write or escape.
 *
 * The builder keeps a review document (libxml2's tree, so every value is
 * escaped by construction) and hands it to the same loader as a file, so a
 * built review passes exactly the checks a review file does. Diagnostics
 * name the field ("family/member[m02]/contact[1]@phone") instead of a line
 * and column of text nobody wrote. */
#include "review/review_priv.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <string.h>

#define NS "urn:kinletter:review:1"

struct kl_review_part {
    kl_review_builder *b;
    xmlNodePtr node;
    kl_review_part *next; /* every part the builder handed out, freed with it */
};

struct kl_review_builder {
    kl_context *ctx;
    xmlDocPtr doc;
    xmlNsPtr ns;
    kl_review_part *parts;
    kl_review_part root;
};

KL_API int kl_review_builder_new(kl_context *ctx, const char *id, const char *type,
                                 kl_review_builder **out)
{
    kl_context_clear_error(ctx);
    if (!out)
        return ctx ? kl_core__error(ctx, KL_EINVAL, KL_NOWHERE, NULL, "out is NULL") : KL_EINVAL;
    *out = NULL;
    if (!ctx)
        return kl_core__einval(ctx, __func__);
    if (!id || !*id || !type || !*type)
        return kl_core__error(ctx, KL_EINVAL, KL_NOWHERE,
                              "give the review's id and type (lcspr, scr, cpr or sar)",
                              "kl_review_builder_new: a review needs an id and a type");
    kl_review_builder *b = kl_core__calloc(1, sizeof *b);
    if (!b)
        return kl_core__oom(ctx);
    b->ctx = ctx;
    b->doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr root = b->doc ? xmlNewNode(NULL, BAD_CAST "review") : NULL;
    if (root) {
        xmlDocSetRootElement(b->doc, root);
        b->ns = xmlNewNs(root, BAD_CAST NS, NULL);
        xmlSetNs(root, b->ns);
    }
    if (!root || !b->ns || !xmlSetProp(root, BAD_CAST "id", BAD_CAST id) ||
        !xmlSetProp(root, BAD_CAST "type", BAD_CAST type)) {
        kl_review_builder_free(b);
        return kl_core__oom(ctx);
    }
    b->root.b = b;
    b->root.node = root;
    *out = b;
    return 0;
}

KL_API void kl_review_builder_free(kl_review_builder *b)
{
    if (!b)
        return;
    for (kl_review_part *p = b->parts; p;) {
        kl_review_part *next = p->next;
        kl_free(p);
        p = next;
    }
    if (b->doc)
        xmlFreeDoc(b->doc);
    kl_free(b);
}

KL_API kl_review_part *kl_review_builder_root(kl_review_builder *b)
{
    return b ? &b->root : NULL;
}

static bool name_ok(const char *s, size_t n)
{
    if (!n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
              (i && c >= '0' && c <= '9')))
            return false;
    }
    return true;
}

static xmlNodePtr find_child(xmlNodePtr n, const char *name, size_t len)
{
    for (xmlNodePtr c = n->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && strlen((const char *)c->name) == len &&
            memcmp(c->name, name, len) == 0)
            return c;
    return NULL;
}

/* A new child element of n. Children go at the end, except in an <address>,
 * whose schema orders them: lines, then the town, then the postcode. */
static xmlNodePtr new_child(kl_review_builder *b, xmlNodePtr n, const char *name, const char *text)
{
    xmlNodePtr c = xmlNewDocNode(b->doc, b->ns, BAD_CAST name, NULL);
    if (!c)
        return NULL;
    if (text) {
        xmlNodePtr t = xmlNewDocText(b->doc, BAD_CAST text);
        if (!t) {
            xmlFreeNode(c);
            return NULL;
        }
        xmlAddChild(c, t);
    }
    xmlNodePtr before = NULL;
    if (xmlStrEqual(n->name, BAD_CAST "address")) {
        int rank = strcmp(name, "line") == 0 ? 0 : strcmp(name, "town") == 0 ? 1 : 2;
        for (xmlNodePtr s = n->children; s && !before; s = s->next) {
            if (s->type != XML_ELEMENT_NODE)
                continue;
            int r = xmlStrEqual(s->name, BAD_CAST "line")   ? 0
                    : xmlStrEqual(s->name, BAD_CAST "town") ? 1
                                                            : 2;
            if (r > rank)
                before = s;
        }
    }
    return before ? xmlAddPrevSibling(before, c) : xmlAddChild(n, c);
}

/* Walk "a/b/c" from n, creating what is missing; stop before the last
 * segment when keep_last. *last gets the last segment (and its length). */
static int walk(kl_review_builder *b, xmlNodePtr n, const char *path, bool keep_last,
                xmlNodePtr *out, const char **last, size_t *last_len, const char **attr)
{
    const char *p = path;
    *attr = NULL;
    const char *at = strchr(path, '@');
    const char *end = at ? at : path + strlen(path);
    if (at) {
        *attr = at + 1;
        if (!name_ok(*attr, strlen(*attr)))
            return kl_core__error(b->ctx, KL_EINVAL, KL_NOWHERE, "see docs/REVIEW-FORMAT.md",
                                  "'%s' does not name an attribute of the review format", path);
    }
    while (p < end) {
        const char *slash = memchr(p, '/', (size_t)(end - p));
        size_t len = slash ? (size_t)(slash - p) : (size_t)(end - p);
        if (!name_ok(p, len))
            return kl_core__error(b->ctx, KL_EINVAL, KL_NOWHERE,
                                  "write a path such as \"partnership/name\" or \"subject@given\"",
                                  "'%s' is not a path of the review format", path);
        bool is_last = !slash;
        if (is_last && keep_last) {
            *last = p;
            *last_len = len;
            break;
        }
        xmlNodePtr c = find_child(n, p, len);
        if (!c) {
            char name[64];
            if (len >= sizeof name)
                return kl_core__error(b->ctx, KL_EINVAL, KL_NOWHERE, NULL, "'%s' is too long",
                                      path);
            memcpy(name, p, len);
            name[len] = '\0';
            c = new_child(b, n, name, NULL);
            if (!c)
                return kl_core__oom(b->ctx);
        }
        n = c;
        p = slash ? slash + 1 : end;
    }
    *out = n;
    return 0;
}

static bool text_ok(kl_review_builder *b, const char *value, const char *path, int *rc)
{
    size_t bad;
    if (value && !kl_core__utf8_valid(value, strlen(value), &bad)) {
        *rc = kl_core__error(b->ctx, KL_EPARSE, KL_NOWHERE, "give text as UTF-8",
                             "the value for '%s' is not valid UTF-8 (byte %zu)", path, bad);
        return false;
    }
    return true;
}

KL_API int kl_review_part_set(kl_review_part *part, const char *path, const char *value)
{
    if (!part || !path)
        return part ? kl_core__error(part->b->ctx, KL_EINVAL, KL_NOWHERE, NULL, "path is NULL")
                    : KL_EINVAL;
    kl_review_builder *b = part->b;
    int rc = 0;
    if (!text_ok(b, value, path, &rc))
        return rc;
    xmlNodePtr n = NULL;
    const char *last = NULL, *attr = NULL;
    size_t last_len = 0;
    if ((rc = walk(b, part->node, path, false, &n, &last, &last_len, &attr)))
        return rc;
    if (attr) {
        if (!value) {
            xmlUnsetProp(n, BAD_CAST attr);
            return 0;
        }
        return xmlSetProp(n, BAD_CAST attr, BAD_CAST value) ? 0 : kl_core__oom(b->ctx);
    }
    xmlChar *enc = xmlEncodeSpecialChars(b->doc, BAD_CAST(value ? value : ""));
    if (!enc)
        return kl_core__oom(b->ctx);
    xmlNodeSetContent(n, enc);
    xmlFree(enc);
    return 0;
}

KL_API int kl_review_part_add(kl_review_part *part, const char *path, const char *text,
                              kl_review_part **out)
{
    if (out)
        *out = NULL;
    if (!part || !path)
        return part ? kl_core__error(part->b->ctx, KL_EINVAL, KL_NOWHERE, NULL, "path is NULL")
                    : KL_EINVAL;
    kl_review_builder *b = part->b;
    int rc = 0;
    if (!text_ok(b, text, path, &rc))
        return rc;
    xmlNodePtr n = NULL;
    const char *last = NULL, *attr = NULL;
    size_t last_len = 0;
    if ((rc = walk(b, part->node, path, true, &n, &last, &last_len, &attr)))
        return rc;
    if (attr || !last)
        return kl_core__error(b->ctx, KL_EINVAL, KL_NOWHERE,
                              "add an element (\"family/member\"), then set its attributes",
                              "'%s' does not end in an element", path);
    char name[64];
    if (last_len >= sizeof name)
        return kl_core__error(b->ctx, KL_EINVAL, KL_NOWHERE, NULL, "'%s' is too long", path);
    memcpy(name, last, last_len);
    name[last_len] = '\0';
    kl_review_part *np = out ? kl_core__calloc(1, sizeof *np) : NULL;
    if (out && !np)
        return kl_core__oom(b->ctx);
    xmlNodePtr c = new_child(b, n, name, text);
    if (!c) {
        kl_free(np);
        return kl_core__oom(b->ctx);
    }
    if (np) {
        np->b = b;
        np->node = c;
        np->next = b->parts;
        b->parts = np;
        *out = np;
    }
    return 0;
}

KL_API int kl_review_builder_xml(kl_review_builder *b, char **out)
{
    if (!b || !out)
        return b ? kl_core__error(b->ctx, KL_EINVAL, KL_NOWHERE, NULL, "out is NULL") : KL_EINVAL;
    *out = NULL;
    xmlChar *mem = NULL;
    int size = 0;
    xmlDocDumpFormatMemoryEnc(b->doc, &mem, &size, "UTF-8", 1);
    if (!mem)
        return kl_core__oom(b->ctx);
    *out = kl_core__strndup((const char *)mem, (size_t)size);
    xmlFree(mem);
    return *out ? 0 : kl_core__oom(b->ctx);
}

/* ---- diagnostics that name fields ------------------------------------------------------ */

/* The field a line and column of the serialised review point at: each
 * element sits on its own line there, so the line finds the element. */
static void field_of(xmlNodePtr root, const char *text, unsigned line, unsigned col, char *out,
                     size_t cap)
{
    out[0] = '\0';
    xmlNodePtr hit = NULL;
    for (xmlNodePtr n = root; n;) {
        if (n->type == XML_ELEMENT_NODE && (unsigned)xmlGetLineNo(n) == line)
            hit = n;
        if (hit)
            break;
        if (n->children && n->type == XML_ELEMENT_NODE)
            n = n->children;
        else {
            while (n && !n->next)
                n = n->parent;
            n = n ? n->next : NULL;
        }
    }
    if (!hit)
        return;
    /* The path from the root, members named by id, repeats numbered. */
    const xmlNode *chain[32];
    size_t depth = 0;
    for (xmlNodePtr a = hit; a && a->type == XML_ELEMENT_NODE && depth < 32; a = a->parent)
        chain[depth++] = a;
    size_t k = 0;
    for (size_t i = depth - 1; i-- > 0;) { /* skip <review> */
        const xmlNode *e = chain[i];
        int r = snprintf(out + k, cap - k, "%s%s", k ? "/" : "", (const char *)e->name);
        if (r < 0 || (size_t)r >= cap - k)
            return;
        k += (size_t)r;
        xmlChar *id = xmlGetProp(e, BAD_CAST "id");
        unsigned nth = 0, same = 0;
        for (xmlNodePtr s = e->parent ? e->parent->children : NULL; s; s = s->next)
            if (s->type == XML_ELEMENT_NODE && xmlStrEqual(s->name, e->name)) {
                same++;
                if (s == e)
                    nth = same;
            }
        if (id && strcmp((const char *)e->name, "member") == 0)
            r = snprintf(out + k, cap - k, "[%s]", (const char *)id);
        else if (same > 1)
            r = snprintf(out + k, cap - k, "[%u]", nth);
        else
            r = 0;
        xmlFree(id);
        if (r < 0 || (size_t)r >= cap - k)
            return;
        k += (size_t)r;
    }
    /* An attribute: the name written just before the column. */
    const char *l = text;
    for (unsigned i = 1; i < line && l; i++) {
        l = strchr(l, '\n');
        l = l ? l + 1 : NULL;
    }
    if (l && col > 1) {
        const char *c = l + col - 1;
        const char *eq = strchr(c, '=');
        const char *nl = strchr(c, '\n');
        if (eq && (!nl || eq < nl) && *c != '<') {
            size_t n = (size_t)(eq - c);
            if (n && n < 40 && name_ok(c, n))
                snprintf(out + k, cap - k, "@%.*s", (int)n, c);
        }
    }
}

typedef struct relay {
    kl_diagnostic_fn fn;
    void *userdata;
    xmlDocPtr parsed;
    const char *text;
} relay;

static void relay_diag(const kl_diagnostic *d, void *userdata)
{
    relay *r = userdata;
    if (!r->fn)
        return;
    kl_diagnostic copy = *d;
    char field[256] = "";
    char msg[1400];
    if (d->source && strcmp(d->source, KL_REVIEW_BUILDER_SOURCE) == 0 && d->line && r->parsed) {
        field_of(xmlDocGetRootElement(r->parsed), r->text, d->line, d->column, field, sizeof field);
        if (field[0]) {
            snprintf(msg, sizeof msg, "%s: %s", field, d->message);
            copy.message = msg;
        }
        copy.line = 0;
        copy.column = 0;
    }
    r->fn(&copy, r->userdata);
}

KL_API int kl_review_builder_build(kl_review_builder *b, const kl_review_load_options *opts,
                                   kl_review **out)
{
    if (out)
        *out = NULL;
    if (!b || !out)
        return b ? kl_core__error(b->ctx, KL_EINVAL, KL_NOWHERE, NULL, "out is NULL") : KL_EINVAL;
    char *text = NULL;
    int rc = kl_review_builder_xml(b, &text);
    if (rc)
        return rc;
    relay r = {0};
    kl_context__get_diagnostics(b->ctx, &r.fn, &r.userdata);
    r.text = text;
    r.parsed = xmlReadMemory(text, (int)strlen(text), NULL, NULL, XML_PARSE_NONET);
    kl_context_set_diagnostics(b->ctx, relay_diag, &r);
    rc = kl_review_load_buffer(b->ctx, text, strlen(text), KL_REVIEW_BUILDER_SOURCE, NULL, opts,
                               out);
    kl_context_set_diagnostics(b->ctx, r.fn, r.userdata);
    /* The last error names the field too. */
    const kl_diagnostic *e = kl_context_last_error(b->ctx);
    if (rc && e && e->source && strcmp(e->source, KL_REVIEW_BUILDER_SOURCE) == 0 && r.parsed) {
        char field[256] = "";
        field_of(xmlDocGetRootElement(r.parsed), text, e->line, e->column, field, sizeof field);
        char *msg = kl_core__strdup(e->message);
        char *hint = e->hint ? kl_core__strdup(e->hint) : NULL;
        int code = e->code;
        if (msg) {
            kl_context__set_last(b->ctx, code, KL_AT(KL_REVIEW_BUILDER_SOURCE, 0, 0), hint,
                                 field[0] ? field : NULL, msg);
        }
        kl_free(msg);
        kl_free(hint);
    }
    xmlFreeDoc(r.parsed);
    kl_free(text);
    return rc;
}
