/* SPDX-License-Identifier: MIT */
/* review/schema.c: validation against the embedded RELAX NG schema, with a message that says which
 * part is wrong. */
#include "review/review_priv.h"

#include <libxml/xmlerror.h>
#include <stdio.h>
#include <string.h>

#define MAX_VALID_ERRORS 20

extern const unsigned char kl_review_rng[];
extern const size_t kl_review_rng_len;

/* ---- the schema ---------------------------------------------------------------- */
static void on_schema_error(void *data, xmlErrorPtr err)
{
    kl_loader *L = data;
    if (!err || err->level < XML_ERR_ERROR || L->n_valid_errors++ >= MAX_VALID_ERRORS || L->quiet)
        return;
    L->n_valid_reported++;
    /* libxml2's message whole, without its trailing line break. */
    const char *msg = err->message ? err->message : "does not match the format";
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        n--;
    /* Once a precise message is out, the same mistake seen from the parent
     * elements adds nothing. */
    if (L->n_valid_reported > 1 &&
        (strstr(msg, "in interleave") || strstr(msg, "failed to validate content")))
        return;
    L->fallback_line = err->line > 0 ? (unsigned)err->line : 0;
    kl_review__problem(L, err->node, NULL, KL_REVIEW_FORMAT_DOC " for what is allowed here", "%.*s",
                       (int)n, msg);
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
xmlRelaxNGPtr kl_review__compile_schema(kl_loader *L, const char *start, bool any_members)
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
static int validate(kl_loader *L, xmlRelaxNGPtr schema, xmlDocPtr doc)
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
        kl_review__problem(L, xmlDocGetRootElement(doc), NULL, KL_REVIEW_FORMAT_DOC,
                           "does not match the format");
    return r < 0 ? KL_EBACKEND : r > 0;
}

/* Validate one element on its own: it becomes the root for a moment. */
int kl_review__validate_subtree(kl_loader *L, xmlRelaxNGPtr schema, xmlNodePtr m)
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

/* The whole review against the schema. libxml2 explains a mistake inside
 * an interleave badly ("Invalid sequence in interleave"), so when the review
 * fails, each part is validated on its own to say which and why. */
int kl_review__validate_review(kl_loader *L, xmlRelaxNGPtr schema, xmlNodePtr root)
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
        if (!kl_review__is_el(c, NULL))
            continue;
        const char *def = strcmp((const char *)c->name, "contact") == 0 ? "contact.review"
                                                                        : (const char *)c->name;
        xmlRelaxNGPtr part = kl_review__compile_schema(L, def, true);
        if (!part)
            continue;
        if (kl_review__validate_subtree(L, part, c) > 0)
            reported += L->n_valid_reported;
        xmlRelaxNGFree(part);
    }
    if (!reported)
        rc = validate(L, schema, L->rv->doc);
    return rc < 0 ? rc : 1;
}
