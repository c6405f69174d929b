/* SPDX-License-Identifier: MIT */
/* review/crosscheck.c: review-wide text against every member's contact details (docs/SECURITY.md).
 */
#include "review/review_priv.h"

#include <stdio.h>
#include <string.h>

/* ---- review-wide text against every member's details ---------------------------------
 * What every letter prints (the partnership, the contact and reviewer, agencies,
 * services, hours...) and what a member's own letter, cover note or record
 * prints (names, the professional, the reason) must hold no other member's
 * phone, email, postcode or address line (docs/SECURITY.md). Each hit is an
 * error for the member whose detail it is; the letters that would carry it
 * are refused again when they are written. The detail itself is never quoted. */
static void scan_value(kl_loader *L, xmlNodePtr el, const char *attr, const char *value,
                       size_t reader)
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
    kl_loader_pos p = kl_review__node_pos(L, el, attr);
    if (p.column_name)
        snprintf(field, sizeof field, "column '%s'", p.column_name);
    else if (attr)
        snprintf(field, sizeof field, "<%s %s=\"...\">", (const char *)el->name, attr);
    else
        snprintf(field, sizeof field, "<%s>", (const char *)el->name);
    kl_where w = {p.source, p.line, p.col,
                  reader < L->rv->n_members ? L->rv->extra[reader].brief.id : NULL};
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
        L->rv->extra[reader].brief.ok = 0;
    L->member_mode = was;
    L->member_id = was_id;
}

static void scan_attrs(kl_loader *L, xmlNodePtr el, size_t reader, const char *const *only)
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

/* A member's own fields that its letters print: its whole element, parsed again. */
static void scan_member(kl_loader *L, size_t reader)
{
    static const char *const name_attrs[] = {"title", "given", "family", NULL};
    static const char *const member_attrs[] = {"reason", NULL};
    static const char *const contact_attrs[] = {"professional", NULL};
    xmlNodePtr c = kl_review__member_open(L, reader);
    if (!c)
        return;
    scan_attrs(L, c, reader, member_attrs);
    for (xmlNodePtr g = c->children; g && !L->oom; g = g->next) {
        if (kl_review__is_el(g, "name"))
            scan_attrs(L, g, reader, name_attrs);
        else if (kl_review__is_el(g, "contact"))
            scan_attrs(L, g, reader, contact_attrs);
    }
    kl_review__member_close(L, reader, c);
}

/* *next_member: the member the walk meets next (members come in document order). */
static void scan_tree(kl_loader *L, xmlNodePtr el, size_t *next_member)
{
    scan_attrs(L, el, KL_DISCLOSURE_NOBODY, NULL);
    for (xmlNodePtr c = el->children; c && !L->oom; c = c->next) {
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            if (c->content && *c->content)
                scan_value(L, el, NULL, (const char *)c->content, KL_DISCLOSURE_NOBODY);
        } else if (kl_review__is_el(c, "member")) {
            size_t k = *next_member;
            if (k >= L->rv->n_members || L->rv->extra[k].node != c)
                for (k = 0; k < L->rv->n_members && L->rv->extra[k].node != c; k++)
                    ;
            if (k < L->rv->n_members) {
                *next_member = k + 1;
                scan_member(L, k);
            } else { /* not one of the family's (never once the file is checked) */
                scan_attrs(L, c, KL_DISCLOSURE_NOBODY, NULL);
            }
        } else if (c->type == XML_ELEMENT_NODE) {
            scan_tree(L, c, next_member);
        }
    }
}

int kl_review__check_disclosure(kl_loader *L)
{
    int r = kl_review__disclosure_end(L->disclosure, L->rv);
    if (r)
        return r == KL_ENOMEM ? kl_core__oom(L->ctx)
                              : kl_core__error(L->ctx, r, KL_NOWHERE, NULL,
                                               "the members' contact details could not be indexed");
    xmlNodePtr root = xmlDocGetRootElement(L->rv->doc);
    size_t next_member = 0;
    if (root)
        scan_tree(L, root, &next_member);
    return L->oom ? kl_core__oom(L->ctx) : 0;
}
