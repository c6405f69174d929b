/* SPDX-License-Identifier: MIT */
/* web/page.c: pages as libxml2 HTML trees, so every value is escaped by construction; form
 * fields in the GOV.UK pattern (label, hint, error next to the field, aria-describedby, an
 * error summary at the top linking to each field). */
#include "web.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *fmt(const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(NULL, 0, f, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (!s)
        return NULL;
    va_start(ap, f);
    vsnprintf(s, (size_t)n + 1, f, ap);
    va_end(ap);
    return s;
}

xmlNodePtr el(xmlNodePtr parent, const char *tag, const char *t)
{
    return xmlNewTextChild(parent, NULL, BAD_CAST tag, t ? BAD_CAST t : NULL);
}

xmlNodePtr elc(xmlNodePtr parent, const char *tag, const char *cls, const char *t)
{
    xmlNodePtr n = el(parent, tag, t);
    if (cls)
        attr(n, "class", cls);
    return n;
}

void attr(xmlNodePtr n, const char *name, const char *value)
{
    if (n)
        xmlSetProp(n, BAD_CAST name, BAD_CAST(value ? value : ""));
}

char *trimmed(const char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    char *t = malloc(n + 1);
    if (t) {
        memcpy(t, s, n);
        t[n] = '\0';
    }
    return t;
}

void text(xmlNodePtr n, const char *t)
{
    if (n && t)
        xmlAddChild(n, xmlNewDocText(n->doc, BAD_CAST t));
}

xmlNodePtr a_link(xmlNodePtr parent, const char *href, const char *t)
{
    xmlNodePtr a = el(parent, "a", t);
    attr(a, "href", href);
    return a;
}

web_page *page_new(const char *title)
{
    web_page *p = calloc(1, sizeof *p);
    if (!p)
        abort();
    p->doc = htmlNewDocNoDtD(NULL, NULL);
    xmlCreateIntSubset(p->doc, BAD_CAST "html", NULL, NULL);
    xmlNodePtr html = xmlNewDocNode(p->doc, NULL, BAD_CAST "html", NULL);
    xmlDocSetRootElement(p->doc, html);
    attr(html, "lang", "en");
    p->head = el(html, "head", NULL);
    xmlNodePtr m = el(p->head, "meta", NULL);
    attr(m, "charset", "utf-8");
    m = el(p->head, "meta", NULL);
    attr(m, "name", "viewport");
    attr(m, "content", "width=device-width, initial-scale=1");
    char *t = fmt("%s - kinletter", title);
    el(p->head, "title", t);
    free(t);
    xmlNodePtr l = el(p->head, "link", NULL);
    attr(l, "rel", "stylesheet");
    attr(l, "href", "/static/kinletter.css");
    xmlNodePtr s = el(p->head, "script", NULL);
    attr(s, "src", "/static/kinletter.js");
    attr(s, "defer", "defer");
    p->body = el(html, "body", NULL);
    xmlNodePtr skip = a_link(p->body, "#main", "Skip to main content");
    attr(skip, "class", "skip-link");
    xmlNodePtr header = elc(p->body, "header", "site-header", NULL);
    xmlNodePtr home = a_link(header, "/reviews", "kinletter");
    attr(home, "class", "site-name");
    el(header, "span", " reviews and letters to families");
    if (web_current && web_current->user && web_current->csrf) {
        /* Signed in with a user name (a shared server): who, and a way out. */
        xmlNodePtr f = form_new(header, web_current, "/logout", false);
        attr(f, "class", "signout");
        char *who = fmt("Signed in as %s", web_current->user);
        el(f, "span", who);
        free(who);
        form_button(f, "Sign out", "button button-secondary");
    }
    p->main = el(p->body, "main", NULL);
    attr(p->main, "id", "main");
    attr(p->main, "tabindex", "-1");
    el(p->main, "h1", title);
    xmlNodePtr footer = elc(p->body, "footer", "site-footer", NULL);
    el(footer, "p",
       "kinletter runs on this machine: nothing you enter here leaves it. Every translation "
       "is a draft until a qualified translator has reviewed it.");
    return p;
}

void page_free(web_page *p)
{
    if (!p)
        return;
    xmlFreeDoc(p->doc);
    free(p);
}

void page_respond(web_page *p, web_response *rs, unsigned status)
{
    if (p->n_errors) {
        /* GOV.UK: the title says there is an error. */
        xmlNodePtr title = NULL;
        for (xmlNodePtr c = p->head->children; c; c = c->next)
            if (c->type == XML_ELEMENT_NODE && xmlStrEqual(c->name, BAD_CAST "title"))
                title = c;
        if (title) {
            xmlChar *old = xmlNodeGetContent(title);
            char *nt = fmt("Error: %s", (const char *)old);
            xmlNodeSetContent(title, NULL);
            text(title, nt);
            free(nt);
            xmlFree(old);
        }
    }
    xmlChar *mem = NULL;
    int size = 0;
    htmlDocDumpMemoryFormat(p->doc, &mem, &size, 0);
    page_free(p);
    if (!mem) {
        rs->status = 500;
        return;
    }
    unsigned char *buf = malloc((size_t)size + 1);
    if (buf)
        memcpy(buf, mem, (size_t)size);
    xmlFree(mem);
    if (!buf) {
        rs->status = 500;
        return;
    }
    free(rs->body);
    rs->body = buf;
    rs->len = (size_t)size;
    rs->content_type = "text/html; charset=utf-8";
    rs->status = status;
}

void page_error(web_page *p, const char *field, const char *message)
{
    if (!p->summary) {
        p->summary = xmlNewDocNode(p->doc, NULL, BAD_CAST "div", NULL);
        attr(p->summary, "class", "error-summary");
        attr(p->summary, "role", "alert");
        attr(p->summary, "tabindex", "-1");
        attr(p->summary, "aria-labelledby", "error-summary-title");
        xmlNodePtr h = el(p->summary, "h2", "There is a problem");
        attr(h, "id", "error-summary-title");
        p->errors = el(p->summary, "ul", NULL);
        /* At the top of <main>, before the heading. */
        xmlAddPrevSibling(p->main->children, p->summary);
    }
    xmlNodePtr li = el(p->errors, "li", NULL);
    if (field) {
        char *href = fmt("#%s", field);
        a_link(li, href, message);
        free(href);
    } else {
        text(li, message);
    }
    p->n_errors++;
}

xmlNodePtr form_new(xmlNodePtr parent, const web_request *rq, const char *action, bool multipart)
{
    xmlNodePtr f = el(parent, "form", NULL);
    attr(f, "method", "post");
    attr(f, "action", action);
    if (multipart)
        attr(f, "enctype", "multipart/form-data");
    attr(f, "novalidate", "novalidate");
    form_hidden(f, "csrf", rq->csrf ? rq->csrf : "");
    return f;
}

void form_hidden(xmlNodePtr form, const char *name, const char *value)
{
    xmlNodePtr i = el(form, "input", NULL);
    attr(i, "type", "hidden");
    attr(i, "name", name);
    attr(i, "value", value);
}

void form_button(xmlNodePtr form, const char *label, const char *cls)
{
    xmlNodePtr b = el(form, "button", label);
    attr(b, "type", "submit");
    attr(b, "class", cls ? cls : "button");
}

/* ---- errors -----------------------------------------------------------------------------------
 */

void errors_add(web_errors *e, const char *field, const char *message)
{
    if (!e)
        return;
    if (e->n == e->cap) {
        size_t cap = e->cap ? 2 * e->cap : 8;
        char **nf = realloc(e->field, cap * sizeof *nf);
        if (!nf)
            return;
        e->field = nf;
        char **nm = realloc(e->message, cap * sizeof *nm);
        if (!nm)
            return;
        e->message = nm;
        e->cap = cap;
    }
    e->field[e->n] = strdup(field ? field : "");
    e->message[e->n] = strdup(message ? message : "");
    e->n++;
}

const char *errors_get(const web_errors *e, const char *field)
{
    if (!e)
        return NULL;
    for (size_t i = 0; i < e->n; i++)
        if (e->field[i] && !strcmp(e->field[i], field))
            return e->message[i];
    return NULL;
}

void errors_free(web_errors *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->n; i++) {
        free(e->field[i]);
        free(e->message[i]);
    }
    free(e->field);
    free(e->message);
    memset(e, 0, sizeof *e);
}

void page_errors_from(web_page *p, const web_errors *errs)
{
    for (size_t i = 0; errs && i < errs->n; i++)
        page_error(p, errs->field[i][0] ? errs->field[i] : NULL, errs->message[i]);
}

/* ---- fields ------------------------------------------------------------------------------------
 */

static xmlNodePtr field_start(xmlNodePtr parent, const char *name, const web_errors *errs)
{
    const char *err = errors_get(errs, name);
    return elc(parent, "div", err ? "field field--error" : "field", NULL);
}

/* The hint and the error message of a field under parent; returns the ids that describe
 * the field ("NAME-hint NAME-error", allocated), or NULL for none. */
static char *hint_error(xmlNodePtr parent, const char *name, const char *hint, const char *err)
{
    char *desc = NULL;
    if (hint) {
        desc = fmt("%s-hint", name);
        xmlNodePtr h = elc(parent, "div", "hint", hint);
        attr(h, "id", desc);
    }
    if (err) {
        char *id = fmt("%s-error", name);
        xmlNodePtr pe = elc(parent, "p", "field-error", NULL);
        attr(pe, "id", id);
        elc(pe, "span", "visually-hidden", "Error: ");
        text(pe, err);
        char *both = desc ? fmt("%s %s", desc, id) : strdup(id);
        free(desc);
        free(id);
        desc = both;
    }
    return desc;
}

static void field_hint_error(xmlNodePtr div, const char *name, const char *hint,
                             const web_errors *errs, xmlNodePtr control)
{
    const char *err = errors_get(errs, name);
    char *desc = hint_error(div, name, hint, err);
    if (err && control)
        attr(control, "aria-invalid", "true");
    if (desc && control)
        attr(control, "aria-describedby", desc);
    free(desc);
}

xmlNodePtr field_input(xmlNodePtr parent, const char *kind, const char *name, const char *label,
                       const char *hint, const char *value, const web_errors *errs)
{
    xmlNodePtr div = field_start(parent, name, errs);
    xmlNodePtr l = elc(div, "label", "label", label);
    attr(l, "for", name);
    /* The hint and error come before the control (GOV.UK), the control is made last. */
    xmlNodePtr hold = xmlNewDocNode(div->doc, NULL, BAD_CAST "span", NULL);
    xmlAddChild(div, hold);
    xmlNodePtr c;
    if (!strcmp(kind, "textarea")) {
        c = el(div, "textarea", value ? value : "");
        attr(c, "rows", "4");
        attr(c, "class", "textarea");
    } else {
        c = el(div, "input", NULL);
        attr(c, "type", kind);
        attr(c, "value", value ? value : "");
        attr(c, "class", "input");
        if (!strcmp(kind, "password"))
            attr(c, "autocomplete", "current-password");
        else if (!strcmp(name, "username"))
            attr(c, "autocomplete", "username");
        else
            attr(c, "autocomplete", "off");
        if (!strcmp(kind, "number"))
            attr(c, "inputmode", "numeric");
    }
    attr(c, "id", name);
    attr(c, "name", name);
    /* hint and error between label and control */
    xmlNodePtr tmp = xmlNewDocNode(div->doc, NULL, BAD_CAST "div", NULL);
    field_hint_error(tmp, name, hint, errs, c);
    while (tmp->children) {
        xmlNodePtr k = tmp->children;
        xmlUnlinkNode(k);
        xmlAddPrevSibling(hold, k);
    }
    xmlFreeNode(tmp);
    xmlUnlinkNode(hold);
    xmlFreeNode(hold);
    return c;
}

xmlNodePtr field_select(xmlNodePtr parent, const char *name, const char *label, const char *hint,
                        const char *const *options, const char *value, const web_errors *errs)
{
    xmlNodePtr div = field_start(parent, name, errs);
    xmlNodePtr l = elc(div, "label", "label", label);
    attr(l, "for", name);
    xmlNodePtr tmp = xmlNewDocNode(div->doc, NULL, BAD_CAST "div", NULL);
    xmlNodePtr s = xmlNewDocNode(div->doc, NULL, BAD_CAST "select", NULL);
    attr(s, "id", name);
    attr(s, "name", name);
    attr(s, "class", "select");
    field_hint_error(tmp, name, hint, errs, s);
    while (tmp->children) {
        xmlNodePtr k = tmp->children;
        xmlUnlinkNode(k);
        xmlAddChild(div, k);
    }
    xmlFreeNode(tmp);
    xmlAddChild(div, s);
    for (size_t i = 0; options[i]; i += 2) {
        xmlNodePtr o = el(s, "option", options[i + 1]);
        attr(o, "value", options[i]);
        if (value && !strcmp(value, options[i]))
            attr(o, "selected", "selected");
    }
    return s;
}

xmlNodePtr field_radios(xmlNodePtr parent, const char *name, const char *legend, const char *hint,
                        const char *const *options, const char *value, const web_errors *errs)
{
    const char *err = errors_get(errs, name);
    xmlNodePtr div = elc(parent, "div", err ? "field field--error" : "field", NULL);
    xmlNodePtr fs = elc(div, "fieldset", "fieldset", NULL);
    elc(fs, "legend", "legend", legend);
    char *desc = hint_error(fs, name, hint, err);
    if (desc)
        attr(fs, "aria-describedby", desc);
    free(desc);
    xmlNodePtr group = elc(fs, "div", "radios", NULL);
    for (size_t i = 0; options[i]; i += 2) {
        xmlNodePtr item = elc(group, "div", "radio", NULL);
        xmlNodePtr in = el(item, "input", NULL);
        char *id = i == 0 ? strdup(name) : fmt("%s-%zu", name, i / 2 + 1);
        attr(in, "type", "radio");
        attr(in, "id", id);
        attr(in, "name", name);
        attr(in, "value", options[i]);
        if (value && !strcmp(value, options[i]))
            attr(in, "checked", "checked");
        xmlNodePtr l = el(item, "label", options[i + 1]);
        attr(l, "for", id);
        free(id);
    }
    return fs;
}

xmlNodePtr field_checkbox(xmlNodePtr parent, const char *name, const char *label, const char *hint,
                          bool checked, const web_errors *errs)
{
    const char *err = errors_get(errs, name);
    xmlNodePtr div =
        elc(parent, "div", err ? "field checkbox field--error" : "field checkbox", NULL);
    xmlNodePtr tmp = xmlNewDocNode(div->doc, NULL, BAD_CAST "div", NULL);
    xmlNodePtr in = xmlNewDocNode(div->doc, NULL, BAD_CAST "input", NULL);
    attr(in, "type", "checkbox");
    attr(in, "id", name);
    attr(in, "name", name);
    attr(in, "value", "yes");
    if (checked)
        attr(in, "checked", "checked");
    field_hint_error(tmp, name, hint, errs, in);
    xmlAddChild(div, in);
    xmlNodePtr l = el(div, "label", label);
    attr(l, "for", name);
    while (tmp->children) {
        xmlNodePtr k = tmp->children;
        xmlUnlinkNode(k);
        xmlAddChild(div, k);
    }
    xmlFreeNode(tmp);
    return in;
}
