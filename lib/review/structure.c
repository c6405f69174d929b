/* SPDX-License-Identifier: MIT */
/* review/structure.c: unknown, repeated and missing elements and attributes, with clearer messages
 * than the schema gives. */
#include "review/review_priv.h"

#include <stdio.h>
#include <string.h>

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
static void check_children(kl_loader *L, xmlNodePtr n, const char *const *allowed,
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
        for (size_t i = 0; allowed[i] && kl_review__is_el(c, NULL); i++)
            ok |= strcmp((const char *)c->name, allowed[i]) == 0;
        if (!ok) {
            kl_review__problem(L, c, NULL, hint, "<%s%s%s> is not expected in <%s>",
                               c->ns && c->ns->prefix ? (const char *)c->ns->prefix : "",
                               c->ns && c->ns->prefix ? ":" : "", (const char *)c->name,
                               (const char *)n->name);
            continue;
        }
        if (repeat && strcmp((const char *)c->name, repeat) == 0)
            continue;
        for (xmlNodePtr d = n->children; d != c; d = d->next)
            if (kl_review__is_el(d, (const char *)c->name)) {
                kl_review__problem(L, c, NULL, "remove one of them", "<%s> appears twice in <%s>",
                                   (const char *)c->name, (const char *)n->name);
                break;
            }
    }
    for (size_t i = 0; required[i]; i++)
        if (!kl_review__child(n, required[i]))
            kl_review__problem(L, n, NULL, KL_REVIEW_FORMAT_DOC, "<%s> has no <%s>",
                               (const char *)n->name, required[i]);
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

static void check_attrs(kl_loader *L, xmlNodePtr n)
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
        t = kl_review__is_el(n->parent, "member") ? member_contact : review_contact;
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
            kl_review__problem(L, n, (const char *)a->name, hint, "<%s> has no attribute '%s'", el,
                               (const char *)a->name);
        }
    }
    for (const char *const *k = required; *k; k++)
        if (!xmlHasProp(n, BAD_CAST * k))
            kl_review__problem(L, n, NULL, KL_REVIEW_FORMAT_DOC, "<%s> needs the attribute '%s'",
                               el, *k);
}

/* The review's own elements and attributes, and the partnership's children;
 * members are checked one by one (kl_review__check_member_structure). */
void kl_review__check_review_structure(kl_loader *L, xmlNodePtr root)
{
    check_children(L, root, review_children, review_required, NULL);
    check_attrs(L, root);
    for (xmlNodePtr c = root->children; c; c = c->next)
        if (kl_review__is_el(c, NULL)) {
            check_attrs(L, c);
            for (xmlNodePtr g = c->children; g; g = g->next)
                if (kl_review__is_el(g, NULL) && !kl_review__is_el(g, "member"))
                    check_attrs(L, g);
        }
    xmlNodePtr pn = kl_review__child(root, "partnership");
    if (pn)
        check_children(L, pn, partnership_children, partnership_required, NULL);
}

/* One member's children and the attributes of it and its children. */
void kl_review__check_member_structure(kl_loader *L, xmlNodePtr mn)
{
    check_children(L, mn, member_children, member_required, "contact");
    check_attrs(L, mn);
    for (xmlNodePtr c = mn->children; c; c = c->next)
        if (kl_review__is_el(c, NULL))
            check_attrs(L, c);
}
