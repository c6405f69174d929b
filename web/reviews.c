/* SPDX-License-Identifier: MIT */
/* web/reviews.c: the list of reviews, the review form (every field of the review format,
 * docs/WEB.md names them) and a review's overview with its family table. */
#include "web.h"

#include <ctype.h>
#include <libxml/parser.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const web_templates[] = {"notification", "invitation", "update", "outcome", NULL};

bool web_template_ok(const char *name)
{
    for (size_t i = 0; web_templates[i]; i++)
        if (!strcmp(name, web_templates[i]))
            return true;
    return false;
}

static const char *const types[] = {"lcspr", "Local child safeguarding practice review (England)",
                                    "scr",   "Serious case review (England, the older name)",
                                    "cpr",   "Child practice review (Wales)",
                                    "sar",   "Safeguarding adults review",
                                    NULL};
static const char *const genders[] = {"female", "Female", "male", "Male", "other", "Other", NULL};
static const char *const outcomes[] = {"died", "Died", "seriously-harmed", "Seriously harmed",
                                       NULL};
static const char *const planned[] = {
    "true", "Yes, a report will be published", "false", "No", "", "Not decided yet", NULL};

typedef struct rfield {
    const char *name, *path, *label, *hint, *kind;
    const char *const *options;
    bool required;
    const char *section; /* a new section starts here */
} rfield;

static const rfield fields[] = {
    {"review-id", "@id", "Review reference",
     "Printed in every letter, for example NSCP-2026-017. "
     "Letters, digits, '.', '-' and '_' only.",
     "text", NULL, true, "The review"},
    {"type", "@type", "Type of review", NULL, "select", types, true, NULL},
    {"partnership-name", "partnership/name", "Partnership name", NULL, "text", NULL, true,
     "The partnership"},
    {"partnership-address", "partnership/address/line", "Address",
     "One line of the address on each line, without the town and postcode.", "textarea", NULL, true,
     NULL},
    {"partnership-town", "partnership/address/town", "Town", NULL, "text", NULL, false, NULL},
    {"partnership-postcode", "partnership/address/postcode", "Postcode", NULL, "text", NULL, true,
     NULL},
    {"partnership-phone", "partnership/phone", "Phone number", NULL, "tel", NULL, true, NULL},
    {"partnership-email", "partnership/email", "Email address", NULL, "email", NULL, true, NULL},
    {"partnership-web", "partnership/web", "Website (optional)", NULL, "url", NULL, false, NULL},
    {"child-given", "subject@given", "Given name", NULL, "text", NULL, true,
     "The child or adult the review is about"},
    {"child-family", "subject@family", "Family name (optional)", NULL, "text", NULL, false, NULL},
    {"child-gender", "subject@gender", "Gender", "Used for grammar only.", "radios", genders, true,
     NULL},
    {"child-age", "subject@age", "Age in years (optional)", NULL, "number", NULL, false, NULL},
    {"child-outcome", "subject@outcome", "What happened", NULL, "radios", outcomes, true, NULL},
    {"dates-decided", "dates@decided", "Date the review was decided", NULL, "date", NULL, true,
     "Dates"},
    {"dates-letter", "dates@letter", "Date on the letters (optional)",
     "Without it, letters carry the day they are made.", "date", NULL, false, NULL},
    {"dates-expected-end", "dates@expected-end", "Date the review is expected to end", NULL, "date",
     NULL, true, NULL},
    {"dates-period-from", "dates@period-from", "Start of the period the review looks at", NULL,
     "date", NULL, true, NULL},
    {"dates-period-to", "dates@period-to", "End of the period the review looks at", NULL, "date",
     NULL, true, NULL},
    {"reviewer-name", "reviewer@name", "Reviewer's name (optional)",
     "Without a reviewer, letters say an independent reviewer will lead the review.", "text", NULL,
     false, "The reviewer"},
    {"reviewer-role", "reviewer@role", "Reviewer's role (optional)",
     "independent-reviewer, lead-reviewer or review-chair are translated in every language; "
     "other words are printed in English.",
     "text", NULL, false, NULL},
    {"contact-name", "contact@name", "Name", NULL, "text", NULL, true,
     "The family's contact person"},
    {"contact-role", "contact@role", "Role (optional)",
     "family-contact, review-coordinator, business-manager or family-liaison-officer are "
     "translated; other words are printed in English.",
     "text", NULL, false, NULL},
    {"contact-phone", "contact@phone", "Phone number", NULL, "tel", NULL, true, NULL},
    {"contact-mobile", "contact@mobile", "Mobile number (optional)", NULL, "tel", NULL, false,
     NULL},
    {"contact-email", "contact@email", "Email address", NULL, "email", NULL, true, NULL},
    {"contact-hours", "contact@hours", "Hours as free text (optional)",
     "Printed in English in every letter: prefer the hours below.", "text", NULL, false, NULL},
    {"agencies", "agencies/agency", "Agencies taking part (optional)", "One agency on each line.",
     "textarea", NULL, false, "Agencies"},
    {"publication-planned", "publication@planned", "Will a report be published?", NULL, "radios",
     planned, false, "Publication and follow-up"},
    {"follow-up-reply-wait-days", "follow-up@reply-wait-days",
     "Days to wait for a reply before following up (optional)",
     "A number from 1 to 365; 14 if "
     "empty.",
     "number", NULL, false, NULL},
};
#define N_FIELDS (sizeof fields / sizeof fields[0])

/* What to say when a required field is empty (GOV.UK: say what to do). */
static const char *missing_message(const char *name)
{
    static const char *const m[] = {
        "review-id",
        "Enter the review reference",
        "type",
        "Choose the type of review",
        "partnership-name",
        "Enter the partnership's name",
        "partnership-address",
        "Enter the partnership's address",
        "partnership-postcode",
        "Enter the partnership's postcode",
        "partnership-phone",
        "Enter the partnership's phone number",
        "partnership-email",
        "Enter the partnership's email address",
        "child-given",
        "Enter the given name of the child or adult the review is about",
        "child-gender",
        "Choose the gender of the child or adult the review is about",
        "child-outcome",
        "Choose what happened to the child or adult",
        "dates-decided",
        "Enter the date the review was decided",
        "dates-expected-end",
        "Enter the date the review is expected to end",
        "dates-period-from",
        "Enter the start of the period the review looks at",
        "dates-period-to",
        "Enter the end of the period the review looks at",
        "contact-name",
        "Enter the family contact's name",
        "contact-phone",
        "Enter the family contact's phone number",
        "contact-email",
        "Enter the family contact's email address",
        NULL};
    for (size_t i = 0; m[i]; i += 2)
        if (!strcmp(m[i], name))
            return m[i + 1];
    return "Enter a value";
}

/* The field for a path without its [N]s (nth: its row, the path's last N). */
static const char *field_for_norm(const char *norm, unsigned nth)
{
    static char out[64]; /* "hours-N-" or "service-N-" and an attribute of the schema */
    if (!strncmp(norm, "family", 6))
        return NULL;
    if (!strncmp(norm, "contact/hours", 13)) {
        const char *a = strchr(norm, '@');
        snprintf(out, sizeof out, "hours-%u-%s", nth, a ? a + 1 : "days");
        return out;
    }
    if (!strncmp(norm, "support/service", 15)) {
        const char *a = strchr(norm, '@');
        snprintf(out, sizeof out, "service-%u-%s", nth, a ? a + 1 : "name");
        return out;
    }
    for (size_t i = 0; i < N_FIELDS; i++)
        if (!strcmp(fields[i].path, norm))
            return fields[i].name;
    if (!strcmp(norm, "") || !strcmp(norm, "@id"))
        return "review-id";
    /* An element: its first field. */
    size_t n = strlen(norm);
    for (size_t i = 0; i < N_FIELDS; i++)
        if (!strncmp(fields[i].path, norm, n) &&
            (fields[i].path[n] == '/' || fields[i].path[n] == '@'))
            return fields[i].name;
    if (!strncmp(norm, "partnership/address", 19))
        return "partnership-address";
    if (!strncmp(norm, "partnership/logo", 16))
        return "logo";
    return NULL;
}

/* Field name for a builder path: "subject@given" -> child-given, "contact/hours[2]@days" ->
 * hours-2-days. Returns a static buffer. */
const char *review_field_for_path(const char *path)
{
    if (!path || !*path)
        return NULL;
    unsigned nth = 1;
    char *norm = path_without_index(path, &nth);
    const char *field = norm ? field_for_norm(norm, nth) : NULL;
    free(norm);
    return field;
}

static const char *map_review(const char *path, const char *member_id, void *ud)
{
    (void)member_id;
    (void)ud;
    return review_field_for_path(path);
}

static bool blocks_review(const char *member_id, void *ud)
{
    (void)ud;
    return member_id == NULL;
}

/* ---- the list ----------------------------------------------------------------------------------
 */

void h_reviews(web_request *rq, web_response *rs)
{
    web_page *p = page_new("Reviews");
    char **ids = ws_review_ids();
    xmlNodePtr para = el(p->main, "p", NULL);
    xmlNodePtr a = a_link(para, "/reviews/new", "Create a review");
    attr(a, "class", "button");
    if (!ids || !ids[0]) {
        el(p->main, "p",
           "There are no reviews in this workspace yet. Create one to describe the review, add "
           "the family and make their letters.");
        el(p->main, "h2", "Try the example");
        el(p->main, "p",
           "The bundled example is an invented family of eleven in seven languages, with every "
           "channel, reading level and print size.");
        xmlNodePtr f = form_new(p->main, rq, "/reviews/example", false);
        form_button(f, "Add the example review", "button button-secondary");
    } else {
        xmlNodePtr table = elc(p->main, "table", "table", NULL);
        el(table, "caption", "Reviews in this workspace");
        xmlNodePtr tr = el(el(table, "thead", NULL), "tr", NULL);
        const char *heads[] = {"Reference", "Partnership", "Type of review", "Family members"};
        for (size_t i = 0; i < 4; i++)
            attr(el(tr, "th", heads[i]), "scope", "col");
        xmlNodePtr tb = el(table, "tbody", NULL);
        for (size_t i = 0; ids[i]; i++) {
            tr = el(tb, "tr", NULL);
            xmlNodePtr td = el(tr, "td", NULL);
            char *href = fmt("/reviews/%s", ids[i]);
            a_link(td, href, ids[i]);
            free(href);
            xmlDocPtr doc = ws_review_read(ids[i], NULL);
            char *name = doc ? dom_get(xmlDocGetRootElement(doc), "partnership/name") : NULL;
            el(tr, "td", name ? name : "");
            xmlFree(name);
            char *type = doc ? dom_get(xmlDocGetRootElement(doc), "@type") : NULL;
            el(tr, "td", type ? review_type_label(type) : "");
            xmlFree(type);
            size_t members = 0;
            xmlNodePtr fam = doc ? dom_child(xmlDocGetRootElement(doc), "family") : NULL;
            for (xmlNodePtr m = fam ? fam->children : NULL; m; m = m->next)
                members += m->type == XML_ELEMENT_NODE;
            char *cnt = fmt("%zu", members);
            el(tr, "td", cnt);
            free(cnt);
            xmlFreeDoc(doc);
        }
    }
    ws_ids_free(ids);
    page_respond(p, rs, 200);
}

/* ---- the form
 * ------------------------------------------------------------------------------------ */

/* Add one element per non-empty line of value under parent/path. */
static void add_lines(xmlNodePtr root, const char *path, const char *value)
{
    const char *slash = strrchr(path, '/');
    char *copy = strdup(value ? value : "");
    char *save = NULL;
    xmlNodePtr pn = NULL;
    for (char *l = strtok_r(copy, "\r\n", &save); l; l = strtok_r(NULL, "\r\n", &save)) {
        char *t = trimmed(l);
        if (t && *t && (pn || (pn = dom_walk(root, path, (size_t)(slash - path), true))))
            dom_add(pn, slash + 1, t);
        free(t);
    }
    free(copy);
}

/* The groups of rows the review form repeats (contact hours, support services): row N's
 * fields are PREFIX-N-ATTR, and each row is an <ELEMENT ATTR="..."/> under PARENT. The form
 * shows one empty row more than the review has, so a coordinator may add any number. */
typedef struct row_group {
    const char *prefix, *parent, *element;
    const char *legend, *intro, *row_word;
    const char *attrs[3], *labels[3], *kinds[3];
    const char *missing; /* the message when attrs[0] is empty, or NULL when it may be */
} row_group;

static const row_group row_groups[] = {
    {"hours",
     "contact",
     "hours",
     "Hours when the family can call",
     "One row for each set of days, in the order to print them. Days: mon, tue, wed, thu, fri, "
     "sat, sun, a range such as mon-thu, or a list such as mon,wed. Times as 09:00.",
     "row",
     {"days", "from", "to"},
     {"Days", "From", "To"},
     {"text", "text", "text"},
     NULL},
    {"service",
     "support",
     "service",
     "Support services (optional)",
     "Services listed in the letters, with a phone number or website.",
     "service",
     {"name", "phone", "web"},
     {"Service name", "Phone", "Website"},
     {"text", "tel", "url"},
     "Enter the support service's name"},
};

/* The numbers N of the form's PREFIX-N-... fields, ascending and each once (allocated, *n of
 * them; NULL when there are none or memory ran out). Only the rows the form carries are read,
 * however high their numbers. */
static size_t *row_numbers(const web_request *rq, const char *prefix, size_t *n)
{
    size_t *nums = NULL, cap = 0, plen = strlen(prefix);
    *n = 0;
    for (size_t i = 0; i < rq->n_fields; i++) {
        const char *name = rq->fields[i].name;
        if (strncmp(name, prefix, plen) || name[plen] != '-' ||
            !isdigit((unsigned char)name[plen + 1]))
            continue;
        char *end = NULL;
        unsigned long long v = strtoull(name + plen + 1, &end, 10);
        if (*end != '-' || v == 0 || v > SIZE_MAX)
            continue;
        size_t at = 0;
        while (at < *n && nums[at] < v)
            at++;
        if (at < *n && nums[at] == v)
            continue;
        if (*n == cap) {
            size_t *grown = realloc(nums, (cap = cap ? 2 * cap : 8) * sizeof *grown);
            if (!grown) {
                free(nums);
                *n = 0;
                return NULL;
            }
            nums = grown;
        }
        memmove(nums + at + 1, nums + at, (*n - at) * sizeof *nums);
        nums[at] = (size_t)v;
        (*n)++;
    }
    return nums;
}

/* The group's rows from the form into root, in their numbers' order; a row left empty is
 * none. */
static void rows_from_form(const web_request *rq, xmlNodePtr root, const row_group *g,
                           web_errors *errs)
{
    size_t n = 0, *nums = row_numbers(rq, g->prefix, &n);
    for (size_t r = 0; r < n; r++) {
        char *names[3], *v[3];
        bool any = false, ok = true;
        for (size_t k = 0; k < 3; k++) {
            names[k] = fmt("%s-%zu-%s", g->prefix, nums[r], g->attrs[k]);
            v[k] = names[k] ? trimmed(web_field_str(rq, names[k])) : NULL;
            ok &= v[k] != NULL;
            any |= v[k] && *v[k];
        }
        if (ok && any) {
            xmlNodePtr parent = dom_walk(root, g->parent, strlen(g->parent), true);
            xmlNodePtr e = dom_add(parent, g->element, NULL);
            for (size_t k = 0; k < 3; k++)
                if (*v[k] || (k == 0 && g->missing))
                    xmlSetProp(e, BAD_CAST g->attrs[k], BAD_CAST v[k]);
            if (g->missing && !*v[0])
                errors_add(errs, names[0], g->missing);
        }
        for (size_t k = 0; k < 3; k++) {
            free(names[k]);
            free(v[k]);
        }
    }
    free(nums);
}

/* The group's rows on the form: the review's, then one empty (three at least). */
static void rows_form(xmlNodePtr form, xmlNodePtr root, const row_group *g, const web_errors *errs)
{
    xmlNodePtr fs = elc(form, "fieldset", "section", NULL);
    elc(fs, "legend", "section-title", g->legend);
    el(fs, "p", g->intro);
    xmlNodePtr parent = root ? dom_child(root, g->parent) : NULL;
    size_t n = 0;
    for (xmlNodePtr e = parent ? parent->children : NULL; e; e = e->next)
        n += e->type == XML_ELEMENT_NODE && xmlStrEqual(e->name, BAD_CAST g->element);
    size_t rows = n + 1 < 3 ? 3 : n + 1;
    xmlNodePtr e = parent ? parent->children : NULL;
    for (size_t r = 1; r <= rows; r++) {
        while (e && !(e->type == XML_ELEMENT_NODE && xmlStrEqual(e->name, BAD_CAST g->element)))
            e = e->next;
        xmlNodePtr row = elc(fs, "div", "row", NULL);
        for (size_t k = 0; k < 3; k++) {
            char *nm = fmt("%s-%zu-%s", g->prefix, r, g->attrs[k]);
            char *lb = fmt("%s (%s %zu)", g->labels[k], g->row_word, r);
            xmlChar *v = e ? xmlGetProp(e, BAD_CAST g->attrs[k]) : NULL;
            field_input(row, g->kinds[k], nm, lb, NULL, (const char *)v, errs);
            xmlFree(v);
            free(nm);
            free(lb);
        }
        if (e)
            e = e->next;
    }
}

/* The review tree from the form; old: the review being edited (its family and logo are
 * kept), or NULL. Required fields left empty are errors. */
static xmlDocPtr review_from_form(const web_request *rq, xmlDocPtr old, const char *fixed_id,
                                  web_errors *errs)
{
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr root = xmlNewDocNode(doc, NULL, BAD_CAST "review", NULL);
    xmlDocSetRootElement(doc, root);
    xmlSetNs(root, xmlNewNs(root, BAD_CAST KL_REVIEW_NS, NULL));
    for (size_t i = 0; i < N_FIELDS; i++) {
        const rfield *f = &fields[i];
        const char *raw = web_field_str(rq, f->name);
        if (!strcmp(f->name, "review-id") && fixed_id)
            raw = fixed_id;
        char *v = trimmed(raw);
        if (!v)
            continue;
        if (f->required && !*v) {
            errors_add(errs, f->name, missing_message(f->name));
        } else if (!strcmp(f->name, "review-id") && !ws_id_ok(v)) {
            errors_add(errs, f->name,
                       "The review reference can only hold letters, digits, '.', '-' and '_' "
                       "(it names the review's folder)");
        }
        if (!strcmp(f->kind, "textarea"))
            add_lines(root, f->path, raw);
        else
            dom_set(root, f->path, v);
        free(v);
    }
    for (size_t g = 0; g < sizeof row_groups / sizeof row_groups[0]; g++)
        rows_from_form(rq, root, &row_groups[g], errs);
    if (old) {
        xmlNodePtr oroot = xmlDocGetRootElement(old);
        xmlNodePtr logo = dom_child(dom_child(oroot, "partnership"), "logo");
        xmlNodePtr part = dom_child(root, "partnership");
        if (logo && part)
            xmlAddChild(part, xmlDocCopyNode(logo, doc, 1));
        xmlNodePtr fam = dom_child(oroot, "family");
        if (fam)
            xmlAddChild(root, xmlDocCopyNode(fam, doc, 1));
    }
    return doc;
}

static void review_form(web_request *rq, web_response *rs, xmlDocPtr doc, const char *id,
                        const web_errors *errs, const web_errors *warnings, unsigned status)
{
    web_page *p = page_new(id ? "Edit the review" : "Create a review");
    page_errors_from(p, errs);
    if (warnings && warnings->n) {
        xmlNodePtr w = elc(p->main, "div", "notice", NULL);
        el(w, "h2", "Warnings");
        xmlNodePtr ul = el(w, "ul", NULL);
        for (size_t i = 0; i < warnings->n; i++)
            el(ul, "li", warnings->message[i]);
    }
    char *action = id ? fmt("/reviews/%s/edit", id) : strdup("/reviews/new");
    xmlNodePtr form = form_new(p->main, rq, action, true);
    free(action);
    xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
    xmlNodePtr sec = form;
    for (size_t i = 0; i < N_FIELDS; i++) {
        const rfield *f = &fields[i];
        if (f->section) {
            if (!strcmp(f->section, "Publication and follow-up")) {
                /* the repeating groups go before this section */
                for (size_t g = 0; g < sizeof row_groups / sizeof row_groups[0]; g++)
                    rows_form(form, root, &row_groups[g], errs);
            }
            sec = elc(form, "fieldset", "section", NULL);
            elc(sec, "legend", "section-title", f->section);
        }
        char *v = NULL;
        if (root && !strcmp(f->kind, "textarea")) {
            v = dom_lines(root, f->path); /* one line per element */
        } else if (root) {
            char *g = dom_get(root, f->path);
            v = g ? strdup(g) : NULL;
            xmlFree(g);
        }
        if (!strcmp(f->name, "review-id") && id) {
            /* The reference names the folder: it stays. */
            xmlNodePtr div = elc(sec, "div", "field", NULL);
            elc(div, "p", "label", f->label);
            el(div, "p", id);
        } else if (!strcmp(f->kind, "select")) {
            field_select(sec, f->name, f->label, f->hint, f->options, v ? v : "lcspr", errs);
        } else if (!strcmp(f->kind, "radios")) {
            field_radios(sec, f->name, f->label, f->hint, f->options, v ? v : "", errs);
        } else {
            field_input(sec, f->kind, f->name, f->label, f->hint, v, errs);
        }
        free(v);
        if (!strcmp(f->name, "partnership-web")) {
            char *src = root ? dom_get(root, "partnership/logo@src") : NULL;
            char *hint = src ? fmt("A PNG image, at most 512 kB, printed at the top of every "
                                   "letter. Now: %s; choose another file to replace it.",
                                   src)
                             : strdup("A PNG image, at most 512 kB, printed at the top of every "
                                      "letter.");
            xmlFree(src);
            xmlNodePtr lf = field_input(sec, "file", "logo", "Logo (optional)", hint, NULL, errs);
            free(hint);
            if (lf)
                attr(lf, "accept", "image/png");
        }
    }
    form_button(form, "Save review", NULL);
    page_respond(p, rs, status);
}

/* The partnership's logo from the form's file input: at most 512 kB, a PNG (its signature
 * and an IHDR with a size of at most 4000 pixels a side), written beside review.xml as
 * logo.png (0600) and named by partnership/logo@src. The library's loader checks it again
 * (a PNG, inside the review's directory) each time the review is loaded, as `kinletter
 * check` does; nothing uploaded keeps the logo there was. */
#define LOGO_MAX (512u * 1024u)
static void logo_from_form(web_request *rq, xmlDocPtr doc, const char *id, web_errors *errs,
                           bool write)
{
    const web_field *f = web_field_find(rq, "logo");
    if (!f || !f->filename || !f->len)
        return;
    const unsigned char *b = (const unsigned char *)f->value;
    if (f->len > LOGO_MAX) {
        errors_add(errs, "logo",
                   "The logo is larger than 512 kB: save it smaller and upload it "
                   "again");
        return;
    }
    const char *why = kl_png_problem(b, f->len);
    if (why) {
        char *msg = fmt("The logo %s: save it again as a PNG image and upload it again", why);
        errors_add(errs, "logo", msg ? msg : "The logo is not a PNG image");
        free(msg);
        return;
    }
    if (!write)
        return;
    char *dir = fmt("%s/%s", web_srv->dir, id), *path = fmt("%s/logo.png", dir);
    int rc = dir && path && ws_mkdir(dir) == 0 ? ws_write_atomic(path, f->value, f->len) : -1;
    free(dir);
    free(path);
    if (rc) {
        errors_add(errs, "logo",
                   "The logo could not be saved: check the workspace "
                   "directory's permissions and free space");
        return;
    }
    dom_set(xmlDocGetRootElement(doc), "partnership/logo@src", "logo.png");
}

static void save_review(web_request *rq, web_response *rs, const char *id)
{
    web_errors errs = {0}, warnings = {0};
    xmlDocPtr old = id ? ws_review_read(id, NULL) : NULL;
    xmlDocPtr doc = review_from_form(rq, old, id, &errs);
    char *new_id = (char *)xmlGetProp(xmlDocGetRootElement(doc), BAD_CAST "id");
    if (!id && !errs.n && new_id) {
        xmlDocPtr exists = ws_review_read(new_id, NULL);
        if (exists)
            errors_add(&errs, "review-id",
                       "A review with this reference exists already: open it from the list");
        xmlFreeDoc(exists);
    }
    /* The logo is checked whatever else is wrong, and kept only with a review to save. */
    logo_from_form(rq, doc, NULL, &errs, false);
    if (!errs.n && new_id)
        logo_from_form(rq, doc, (const char *)new_id, &errs, true);
    if (!errs.n &&
        ws_review_save(doc, new_id, map_review, NULL, &errs, &warnings, blocks_review) == 0) {
        ws_audit(rq, id ? "review-edited" : "review-created", new_id, NULL);
        redirect_review(rs, new_id, NULL);
    } else {
        review_form(rq, rs, doc, id, &errs, &warnings, 400);
    }
    xmlFree(new_id);
    xmlFreeDoc(doc);
    xmlFreeDoc(old);
    errors_free(&errs);
    errors_free(&warnings);
}

void h_review_new(web_request *rq, web_response *rs)
{
    if (rq->post)
        save_review(rq, rs, NULL);
    else
        review_form(rq, rs, NULL, NULL, NULL, NULL, 200);
}

void h_review_edit(web_request *rq, web_response *rs, const char *id)
{
    const char *why = NULL;
    xmlDocPtr doc = ws_review_read(id, &why);
    if (!doc) {
        respond_review_unread(rs, why);
        return;
    }
    if (rq->post)
        save_review(rq, rs, id);
    else
        review_form(rq, rs, doc, id, NULL, NULL, 200);
    xmlFreeDoc(doc);
}

/* ---- the overview
 * --------------------------------------------------------------------------------- */

/* The label of a value in (value, label) pairs: the value itself when not one of them. */
static const char *option_label(const char *const *options, const char *value)
{
    for (size_t i = 0; options[i]; i += 2)
        if (!strcmp(options[i], value))
            return options[i + 1];
    return value;
}

static char *attr_of(xmlNodePtr n, const char *path)
{
    char *v = dom_get(n, path);
    char *s = strdup(v ? v : "");
    xmlFree(v);
    return s;
}

/* The review at a glance. */
static void review_summary(web_page *p, xmlNodePtr root)
{
    xmlNodePtr dl = elc(p->main, "dl", "summary-list", NULL);
    struct {
        const char *label, *path;
    } rows[] = {{"Partnership", "partnership/name"}, {"Type of review", "@type"},
                {"About", "subject@given"},          {"Decided", "dates@decided"},
                {"Letters dated", "dates@letter"},   {"Family contact", "contact@name"}};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char *v = attr_of(root, rows[i].path);
        el(dl, "dt", rows[i].label);
        el(dl, "dd", !*v ? "Not given" : i == 1 ? review_type_label(v) : v);
        free(v);
    }
}

static void review_actions(web_page *p, const char *id)
{
    el(p->main, "h2", "What to do");
    xmlNodePtr ul = elc(p->main, "ul", "actions", NULL);
    struct {
        const char *suffix, *label;
    } acts[] = {{"edit", "Edit the review"},
                {"members/new", "Add a family member"},
                {"family/upload", "Upload the family from a spreadsheet (CSV)"},
                {"family.csv", "Download the family as a spreadsheet (CSV)"},
                {"generate", "Generate letters"},
                {"record", "Correspondence record"}};
    for (size_t i = 0; i < sizeof acts / sizeof acts[0]; i++) {
        char *href = fmt("/reviews/%s/%s", id, acts[i].suffix);
        a_link(el(ul, "li", NULL), href, acts[i].label);
        free(href);
    }
}

/* A member's name, relationship, languages, reading level and format, as cells. */
static void member_cells(xmlNodePtr tr, xmlNodePtr m)
{
    char *given = attr_of(m, "name@given"), *family = attr_of(m, "name@family");
    char *name = fmt("%s%s%s", given, *family ? " " : "", family);
    el(tr, "td", name);
    free(name);
    free(given);
    free(family);
    char *rel = attr_of(m, "@relationship");
    el(tr, "td", option_label(member_relationships, rel));
    free(rel);
    char *loc = attr_of(m, "language@locale"), *also = attr_of(m, "language@also");
    char *ln = language_name(loc), *an = language_name(also);
    char *lang = *also ? fmt("%s and %s", ln, an) : strdup(ln);
    el(tr, "td", lang);
    free(lang);
    free(ln);
    free(an);
    free(loc);
    free(also);
    char *reading = attr_of(m, "needs@reading");
    el(tr, "td", option_label(member_readings, *reading ? reading : "standard"));
    free(reading);
    char *format = attr_of(m, "needs@format");
    el(tr, "td", !strcmp(format, "braille") ? "Braille" : *format ? format : "Print");
    free(format);
}

/* Every channel the member is contacted by, however many ("None" when not contacted). */
static void channels_cell(xmlNodePtr tr, xmlNodePtr m, bool none)
{
    xmlNodePtr td = el(tr, "td", none ? "None" : NULL);
    bool first = true;
    for (xmlNodePtr c = m->children; c && !none; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || !xmlStrEqual(c->name, BAD_CAST "contact"))
            continue;
        xmlChar *ch = xmlGetProp(c, BAD_CAST "channel");
        if (!first)
            text(td, ", ");
        text(td, channel_label(ch ? (const char *)ch : ""));
        first = false;
        xmlFree(ch);
    }
}

/* One member's row of the family table: cells, status and actions. */
static void member_row(xmlNodePtr tb, xmlNodePtr m, const kl_review *rv, const web_errors *errs,
                       const char *id)
{
    char *mid = attr_of(m, "@id");
    xmlNodePtr tr = el(tb, "tr", NULL);
    char *anchor = fmt("member-%s", mid);
    attr(tr, "id", anchor);
    free(anchor);
    attr(el(tr, "th", mid), "scope", "row");
    member_cells(tr, m);
    char *none = attr_of(m, "@contact");
    channels_cell(tr, m, !strcmp(none, "none"));
    xmlNodePtr st = el(tr, "td", NULL);
    const kl_member *km = rv ? kl_review_find_member(rv, mid) : NULL;
    bool ok = km && kl_review_member_ok(rv, km);
    if (!strcmp(none, "none"))
        text(st, "Not contacted");
    else if (ok)
        text(st, "Ready");
    else {
        elc(st, "strong", "error-text", "Not ready");
        for (size_t i = 0; i < errs->n; i++)
            if (!strcmp(errs->field[i], mid))
                elc(st, "p", "field-error", errs->message[i]);
    }
    free(none);
    xmlNodePtr act = el(tr, "td", NULL);
    char *href = fmt("/reviews/%s/members/%s/edit", id, mid);
    xmlNodePtr a = a_link(act, href, "Edit");
    char *hid = fmt(" member %s", mid);
    elc(a, "span", "visually-hidden", hid);
    free(hid);
    free(href);
    if (ok) {
        text(act, " ");
        href = fmt("/reviews/%s/preview/%s/notification", id, mid);
        a = a_link(act, href, "Preview");
        hid = fmt(" letters for member %s", mid);
        text(elc(a, "span", "visually-hidden", NULL), hid);
        free(hid);
        free(href);
    }
    free(mid);
}

static void family_table(web_page *p, xmlNodePtr fam, const kl_review *rv, const web_errors *errs,
                         const char *id)
{
    xmlNodePtr table = elc(p->main, "table", "table", NULL);
    el(table, "caption", "Family members and their letters");
    xmlNodePtr tr = el(el(table, "thead", NULL), "tr", NULL);
    const char *heads[] = {"Member", "Name",     "Relationship", "Language", "Reading",
                           "Format", "Channels", "Status",       "Actions"};
    for (size_t i = 0; i < 9; i++)
        attr(el(tr, "th", heads[i]), "scope", "col");
    xmlNodePtr tb = el(table, "tbody", NULL);
    for (xmlNodePtr m = fam->children; m; m = m->next)
        if (m->type == XML_ELEMENT_NODE)
            member_row(tb, m, rv, errs, id);
}

void h_review(web_request *rq, web_response *rs, const char *id)
{
    (void)rq;
    const char *why = NULL;
    xmlDocPtr doc = ws_review_read(id, &why);
    if (!doc) {
        respond_review_unread(rs, why);
        return;
    }
    xmlNodePtr root = xmlDocGetRootElement(doc);
    char *title = fmt("Review %s", id);
    web_page *p = page_new(title);
    free(title);
    web_errors errs = {0}, warns = {0};
    xmlNodePtr fam = dom_child(root, "family");
    bool members = dom_child(fam, "member") != NULL;
    kl_review *rv = members ? ws_review_load(web_srv->ctx, id, &errs, &warns) : NULL;
    for (size_t i = 0; i < errs.n; i++)
        if (!errs.field[i][0] || !rv) {
            page_error(p, NULL, errs.message[i]);
        } else {
            char *anchor = fmt("member-%s", errs.field[i]);
            page_error(p, anchor, errs.message[i]);
            free(anchor);
        }
    review_summary(p, root);
    review_actions(p, id);
    el(p->main, "h2", "The family");
    if (!members)
        el(p->main, "p", "No family members yet: add them one by one or upload a spreadsheet.");
    else
        family_table(p, fam, rv, &errs, id);
    kl_review_free(rv);
    errors_free(&errs);
    errors_free(&warns);
    xmlFreeDoc(doc);
    page_respond(p, rs, 200);
}

/* POST /reviews/example: the bundled example review (templates/example/review.xml and its
 * logo) copied into the workspace, saved through the builder like any review. */
void h_review_example(web_request *rq, web_response *rs)
{
    char *src = NULL, *logo = NULL;
    kl_context *ctx = web_srv->ctx;
    if (kl_context_find_data(ctx, "templates/example/review.xml", &src) != 0) {
        respond_error(rs, 500, "The example is missing",
                      "templates/example/review.xml was not found on the data path.");
        return;
    }
    kl_context_find_data(ctx, "templates/example/northshire-logo.png", &logo);
    xmlDocPtr doc =
        xmlReadFile(src, "UTF-8",
                    XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    kl_free(src);
    char *id = doc ? (char *)xmlGetProp(xmlDocGetRootElement(doc), BAD_CAST "id") : NULL;
    xmlDocPtr exists = id ? ws_review_read(id, NULL) : NULL;
    web_errors errs = {0};
    if (!doc || !id) {
        respond_error(rs, 500, "The example is missing", "The example review cannot be read.");
    } else if (exists) {
        redirect_review(rs, id, NULL);
    } else {
        /* The logo beside the review, as the example keeps it. */
        char *dir = fmt("%s/%s", web_srv->dir, id);
        if (dir && ws_mkdir(dir) == 0 && logo) {
            FILE *in = fopen(logo, "rb");
            char *dst = fmt("%s/northshire-logo.png", dir);
            unsigned char buf[1 << 16];
            size_t n = in ? fread(buf, 1, sizeof buf, in) : 0;
            if (n && n < sizeof buf && dst)
                ws_write_atomic(dst, buf, n);
            if (in)
                fclose(in);
            free(dst);
        }
        free(dir);
        if (ws_review_save(doc, id, NULL, NULL, &errs, NULL, NULL) == 0) {
            ws_audit(rq, "review-created", id, NULL);
            redirect_review(rs, id, NULL);
        } else {
            web_page *p = page_new("The example could not be added");
            page_errors_from(p, &errs);
            page_respond(p, rs, 500);
        }
    }
    errors_free(&errs);
    xmlFreeDoc(exists);
    xmlFree(id);
    xmlFreeDoc(doc);
    kl_free(logo);
}
