/* SPDX-License-Identifier: MIT */
/* compose/doc.c: building and walking the document tree. */
#include "compose/doc.h"

#include <string.h>

kl_doc *kl_doc__new(const char *lang)
{
    kl_doc *doc = kl_core__calloc(1, sizeof *doc);
    if (!doc)
        return NULL;
    doc->root = kl_core__calloc(1, sizeof *doc->root);
    if (!doc->root || (lang && kl_doc__set(&doc->root->lang, lang))) {
        kl_doc__free(doc);
        return NULL;
    }
    doc->root->kind = KL_NODE_DOCUMENT;
    doc->body_pt = 14;
    return doc;
}

static void free_node(kl_node *n)
{
    while (n) {
        kl_node *next = n->next;
        free_node(n->first);
        kl_free(n->text);
        kl_free(n->label);
        kl_free(n->href);
        kl_free(n->src);
        kl_free(n->alt);
        kl_free(n->lang);
        kl_free(n->data_lang);
        kl_free(n->spans);
        kl_free(n->msgid);
        kl_free(n);
        n = next;
    }
}

void kl_doc__free(kl_doc *doc)
{
    if (!doc)
        return;
    free_node(doc->root);
    kl_free(doc->title);
    kl_free(doc->email_intro);
    kl_free(doc->page_pattern);
    kl_free(doc->page_lang);
    kl_free(doc->author);
    kl_free(doc->member_id);
    kl_free(doc->template_name);
    kl_free(doc->subject);
    kl_free(doc->sms);
    for (size_t i = 0; i < doc->n_fallbacks; i++)
        kl_free(doc->fallbacks[i]);
    kl_free(doc->fallbacks);
    kl_free(doc);
}

int kl_doc__set(char **field, const char *value)
{
    char *copy = NULL;
    if (value && !(copy = kl_core__strdup(value)))
        return KL_ENOMEM;
    kl_free(*field);
    *field = copy;
    return 0;
}

kl_node *kl_doc__add(kl_node *parent, kl_node_kind kind, const char *text)
{
    kl_node *n = kl_core__calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->kind = kind;
    if (text && kl_doc__set(&n->text, text)) {
        kl_free(n);
        return NULL;
    }
    n->parent = parent;
    if (parent->last)
        parent->last->next = n;
    else
        parent->first = n;
    parent->last = n;
    return n;
}

void kl_doc__drop(kl_node *n)
{
    kl_node *parent = n->parent;
    if (parent) {
        kl_node **link = &parent->first;
        kl_node *prev = NULL;
        while (*link && *link != n) {
            prev = *link;
            link = &(*link)->next;
        }
        if (*link)
            *link = n->next;
        if (parent->last == n)
            parent->last = prev;
    }
    n->next = NULL;
    free_node(n);
}

int kl_doc__add_fallback(kl_doc *doc, const char *entry)
{
    char *copy = kl_core__strdup(entry);
    if (!copy || KL_GROW(doc->fallbacks, doc->cap_fallbacks, doc->n_fallbacks + 1) < 0) {
        kl_free(copy);
        return KL_ENOMEM;
    }
    doc->fallbacks[doc->n_fallbacks++] = copy;
    return 0;
}

kl_node *kl_doc__next(const kl_node *root, const kl_node *n)
{
    if (n->first)
        return n->first;
    while (n && n != root) {
        if (n->next)
            return n->next;
        n = n->parent;
    }
    return NULL;
}

const char *kl_doc__lang(const kl_node *n)
{
    for (; n; n = n->parent)
        if (n->lang)
            return n->lang;
    return NULL;
}

char *kl_doc__text(const kl_node *root)
{
    kl_buf b = KL_BUF_INIT;
    for (const kl_node *n = root; n; n = kl_doc__next(root, n)) {
        if (n->label) {
            kl_core__buf_puts(&b, n->label);
            kl_core__buf_puts(&b, ": ");
        }
        if (n->text) {
            kl_core__buf_puts(&b, n->text);
            kl_core__buf_putc(&b, '\n');
        }
    }
    return kl_core__buf_detach(&b);
}
