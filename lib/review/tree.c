/* SPDX-License-Identifier: MIT */
/* review/tree.c: reading elements and attributes of the review tree (normalised text, enumerations,
 * dates, languages, addresses). */
#include "review/review_priv.h"

#include <stdio.h>
#include <string.h>

const char *const kl_review__genders[3] = {"female", "male", "other"};

/* ---- reading the tree ------------------------------------------------------------ */
bool kl_review__is_el(xmlNodePtr n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
           strcmp((const char *)n->ns->href, KL_REVIEW_NS) == 0 &&
           (!name || strcmp((const char *)n->name, name) == 0);
}

xmlNodePtr kl_review__child(xmlNodePtr n, const char *name)
{
    for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next)
        if (kl_review__is_el(c, name))
            return c;
    return NULL;
}

xmlNodePtr kl_review__next_el(xmlNodePtr n, const char *name)
{
    for (xmlNodePtr c = n ? n->next : NULL; c; c = c->next)
        if (kl_review__is_el(c, name))
            return c;
    return NULL;
}

/* Whitespace runs become one space; no leading or trailing space. */
static const char *norm(kl_loader *L, const xmlChar *s)
{
    if (!s)
        return NULL;
    size_t n = strlen((const char *)s);
    char *d = kl_review__alloc_chars(L->rv, n + 1);
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

const char *kl_review__attr(kl_loader *L, xmlNodePtr n, const char *name)
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

const char *kl_review__text_of(kl_loader *L, xmlNodePtr n)
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

int kl_review__pick(const char *v, const char *const *names, int n)
{
    for (int i = 0; v && i < n; i++)
        if (strcmp(v, names[i]) == 0)
            return i;
    return -1;
}

int kl_review__enum_attr(kl_loader *L, xmlNodePtr n, const char *name, const char *const *names,
                         int count, int dflt, const char *what)
{
    const char *v = kl_review__attr(L, n, name);
    if (!v)
        return dflt;
    int i = kl_review__pick(v, names, count);
    if (i < 0) {
        char list[256] = "";
        for (int k = 0; k < count; k++) {
            strncat(list, names[k], sizeof list - strlen(list) - 1);
            if (k + 1 < count)
                strncat(list, ", ", sizeof list - strlen(list) - 1);
        }
        char hint[300];
        snprintf(hint, sizeof hint, "use one of: %s", list);
        kl_review__problem(L, n, name, hint, "the value is not a %s", what);
        return dflt;
    }
    return i;
}

kl_date kl_review__date_attr(kl_loader *L, xmlNodePtr n, const char *name, bool *given)
{
    kl_date d = {0, 0, 0};
    const char *v = kl_review__attr(L, n, name);
    if (given)
        *given = v != NULL;
    if (!v)
        return d;
    int r = kl_review__parse_date(v, &d);
    if (r == -1)
        kl_review__problem(L, n, name, "write dates as YYYY-MM-DD, for example 2026-11-27",
                           "dates@%s '%s' is not a date in the form YYYY-MM-DD", name, v);
    else if (r == -2)
        kl_review__problem(L, n, name, "check the day and month",
                           "dates@%s '%s' is not a real date", name, v);
    return d;
}

const char *kl_review__locale_attr(kl_loader *L, xmlNodePtr n, const char *name)
{
    const char *v = kl_review__attr(L, n, name);
    if (!v)
        return NULL;
    char canon[160];
    int r = kl_review__locale(v, canon, sizeof canon);
    if (r == -1) {
        kl_review__problem(L, n, name,
                           "use a BCP 47 language tag such as en-GB, cy, pl, ar, ur, bn or pa",
                           "language@%s '%s' is not a language tag", name, v);
        return NULL;
    }
    if (r == -2) {
        kl_review__problem(L, n, name,
                           "use a BCP 47 language tag such as en-GB, cy, pl, ar, ur, bn or pa",
                           "language@%s '%s' names no known language", name, v);
        return NULL;
    }
    const char *c = kl_review__strdup(L->rv, canon);
    if (!c)
        L->oom = true;
    return c;
}

void kl_review__build_address(kl_loader *L, xmlNodePtr a, kl_address *out, bool for_post,
                              size_t name_lines)
{
    memset(out, 0, sizeof *out);
    size_t n = 0;
    for (xmlNodePtr l = kl_review__child(a, "line"); l; l = kl_review__next_el(l, "line"))
        n++;
    const char **lines = kl_review__alloc(L->rv, (n ? n : 1) * sizeof *lines);
    if (!lines) {
        L->oom = true;
        return;
    }
    n = 0;
    for (xmlNodePtr l = kl_review__child(a, "line"); l; l = kl_review__next_el(l, "line")) {
        const char *s = kl_review__text_of(L, l);
        if (!*s) {
            kl_review__problem(L, l, NULL, "remove the empty line", "an address line is empty");
            continue;
        }
        const char *why = for_post ? kl_review__bad_address_line(s) : NULL;
        if (why)
            kl_review__problem(L, l, NULL, "correct the address, or choose another channel",
                               "address line %zu cannot be printed for post: %s", n + 1, why);
        lines[n++] = s;
    }
    out->lines = lines;
    out->n_lines = n;
    xmlNodePtr town = kl_review__child(a, "town"), pc = kl_review__child(a, "postcode");
    out->town = town ? kl_review__text_of(L, town) : NULL;
    if (out->town && !*out->town)
        out->town = NULL;
    if (out->town) {
        const char *why = for_post ? kl_review__bad_address_line(out->town) : NULL;
        if (why)
            kl_review__problem(L, town, NULL, "correct the address, or choose another channel",
                               "the town cannot be printed for post: %s", why);
    }
    const char *raw = pc ? kl_review__text_of(L, pc) : NULL;
    if (!raw || !*raw) {
        kl_review__problem(L, pc ? pc : a, NULL, "add the postcode as the last part of the address",
                           "the address has no postcode");
    } else {
        char norm_pc[16];
        if (!kl_review__postcode(raw, norm_pc)) {
            kl_review__problem(
                L, pc, NULL,
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
            kl_review__problem(
                L, a, NULL,
                "a window envelope takes 3 to 7 lines, counting the name and the postcode",
                "the address makes %zu lines with the name and postcode", total);
    }
}
