/* SPDX-License-Identifier: MIT */
/* web/family.c: the family: a member's form (docs/WEB.md names its fields after the CSV
 * columns), removing a member, the family as CSV (export) and a CSV upload read by the
 * library's own loader, every problem shown on its row. */
#include "web.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *const member_relationships[] = {
    "mother",      "Mother",      "father",     "Father",  "parent",  "Parent",      "stepmother",
    "Stepmother",  "stepfather",  "Stepfather", "carer",   "Carer",   "grandmother", "Grandmother",
    "grandfather", "Grandfather", "sister",     "Sister",  "brother", "Brother",     "aunt",
    "Aunt",        "uncle",       "Uncle",      "partner", "Partner", "daughter",    "Daughter",
    "son",         "Son",         "other",      "Other",   NULL};
static const char *const genders[] = {"female", "Female", "male", "Male", "other", "Other", NULL};
static const char *const pr[] = {"true", "Yes", "false", "No", "", "Not known", NULL};
static const char *const prints[] = {
    "standard",   "Standard (14 point)",   "large",  "Large (18 point)",
    "very-large", "Very large (24 point)", "custom", "Another size (give it below)",
    NULL};
const char *const member_readings[] = {"standard",
                                       "Standard",
                                       "plain",
                                       "Plain English",
                                       "young-person",
                                       "For a young person",
                                       "easy-read",
                                       "Easy Read (pictures beside short sentences)",
                                       NULL};
const char *const member_formats[] = {"print", "Print", "braille",
                                      "Braille (a BRF file for the embossing service)", NULL};
static const char *const channels[] = {"post",
                                       "By post",
                                       "email",
                                       "By email",
                                       "sms",
                                       "By text message",
                                       "via-professional",
                                       "Handed over by a professional",
                                       NULL};

/* Paths inside a member and the member form's field for each (pairs). */
static const char *const member_fields[] = {"@id",
                                            "member-id",
                                            "@relationship",
                                            "relationship",
                                            "@gender",
                                            "gender",
                                            "@age",
                                            "age",
                                            "@parental-responsibility",
                                            "parental-responsibility",
                                            "@contact",
                                            "contact-none",
                                            "@reason",
                                            "reason",
                                            "name@title",
                                            "title",
                                            "name@given",
                                            "given",
                                            "name@family",
                                            "family",
                                            "name",
                                            "given",
                                            "language@locale",
                                            "locale",
                                            "language@also",
                                            "also",
                                            "language@interpreter",
                                            "interpreter",
                                            "language",
                                            "locale",
                                            "needs@print",
                                            "print",
                                            "needs@size",
                                            "size",
                                            "needs@reading",
                                            "reading",
                                            "needs@format",
                                            "format",
                                            "needs",
                                            "print",
                                            "contact@email",
                                            "email",
                                            "contact@phone",
                                            "phone",
                                            "contact@professional",
                                            "professional",
                                            "contact/address/postcode",
                                            "postcode",
                                            "contact/address/town",
                                            "town",
                                            "contact/address/line",
                                            "address",
                                            "contact/address",
                                            "address",
                                            "contact@channel",
                                            "channel-post",
                                            "contact",
                                            "channel-post",
                                            NULL};

/* The member form's field for a path inside a member ("name@given" -> given). */
const char *member_field_for_path(const char *path)
{
    if (!path)
        return NULL;
    const char *p = path;
    if (!strncmp(p, "family/", 7))
        p += 7;
    if (!strncmp(p, "member", 6)) {
        p += 6;
        if (*p == '[') {
            const char *e = strchr(p, ']');
            p = e ? e + 1 : p;
        }
        if (*p == '/')
            p++;
    }
    char *norm = path_without_index(p, NULL);
    const char *field = NULL;
    for (size_t i = 0; norm && member_fields[i] && !field; i += 2)
        if (!strcmp(member_fields[i], norm))
            field = member_fields[i + 1];
    free(norm);
    return field;
}

typedef struct member_ctx {
    const char *mid;
} member_ctx;

static const char *map_member(const char *path, const char *member_id, void *ud)
{
    (void)member_id;
    (void)ud;
    return member_field_for_path(path);
}

static bool blocks_member(const char *member_id, void *ud)
{
    member_ctx *c = ud;
    return !member_id || (c->mid && !strcmp(member_id, c->mid));
}

static bool blocks_all(const char *member_id, void *ud)
{
    (void)member_id;
    (void)ud;
    return true;
}

static void set_attr(xmlNodePtr n, const char *name, const char *v)
{
    if (v && *v)
        xmlSetProp(n, BAD_CAST name, BAD_CAST v);
}

/* ---- the member form ------------------------------------------------------------------------ */

static const char *const mnames[] = {
    "member-id",   "relationship", "gender", "age",     "parental-responsibility",
    "title",       "given",        "family", "locale",  "also",
    "interpreter", "print",        "size",   "reading", "address",
    "town",        "postcode",     "email",  "phone",   "professional",
    "reason",      "format",       NULL};

/* A value for each field of mnames (a slot for every name, so none is dropped). */
typedef struct mvals {
    char *v[sizeof mnames / sizeof mnames[0]];
} mvals;

static const char *mv(const mvals *m, const char *name)
{
    for (size_t i = 0; mnames[i]; i++)
        if (!strcmp(mnames[i], name))
            return m->v[i] ? m->v[i] : "";
    return "";
}

static void mv_set(mvals *m, const char *name, const char *value)
{
    for (size_t i = 0; mnames[i]; i++)
        if (!strcmp(mnames[i], name)) {
            free(m->v[i]);
            m->v[i] = strdup(value ? value : "");
        }
}

static void mvals_free(mvals *m)
{
    for (size_t i = 0; i < sizeof m->v / sizeof m->v[0]; i++)
        free(m->v[i]);
}

/* Values and checked channels of a member element. */
static void mvals_from_dom(mvals *m, bool ch[4], bool *none, xmlNodePtr e)
{
    struct {
        const char *field, *path;
    } map[] = {{"member-id", "@id"},
               {"relationship", "@relationship"},
               {"gender", "@gender"},
               {"age", "@age"},
               {"parental-responsibility", "@parental-responsibility"},
               {"title", "name@title"},
               {"given", "name@given"},
               {"family", "name@family"},
               {"locale", "language@locale"},
               {"also", "language@also"},
               {"interpreter", "language@interpreter"},
               {"print", "needs@print"},
               {"size", "needs@size"},
               {"reading", "needs@reading"},
               {"format", "needs@format"},
               {"reason", "@reason"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        char *v = dom_get(e, map[i].path);
        mv_set(m, map[i].field, v);
        xmlFree(v);
    }
    if (*mv(m, "size"))
        mv_set(m, "print", "custom");
    char *c = dom_get(e, "@contact");
    *none = c && !strcmp(c, "none");
    xmlFree(c);
    for (xmlNodePtr k = e->children; k; k = k->next) {
        if (k->type != XML_ELEMENT_NODE || !xmlStrEqual(k->name, BAD_CAST "contact"))
            continue;
        char *chn = dom_get(k, "@channel");
        for (size_t i = 0; i < 4 && chn; i++)
            if (!strcmp(chn, channels[2 * i]))
                ch[i] = true;
        if (chn && !strcmp(chn, "post")) {
            char *lines = dom_lines(k, "address/line");
            mv_set(m, "address", lines);
            free(lines);
            char *t = dom_get(k, "address/town"), *pc = dom_get(k, "address/postcode");
            mv_set(m, "town", t);
            mv_set(m, "postcode", pc);
            xmlFree(t);
            xmlFree(pc);
        }
        struct {
            const char *ch, *field;
        } other[] = {{"email", "email"}, {"sms", "phone"}, {"via-professional", "professional"}};
        for (size_t i = 0; i < 3 && chn; i++)
            if (!strcmp(chn, other[i].ch)) {
                char *v = dom_get(k, i == 0 ? "@email" : i == 1 ? "@phone" : "@professional");
                mv_set(m, other[i].field, v);
                xmlFree(v);
            }
        xmlFree(chn);
    }
}

static void mvals_from_form(mvals *m, bool ch[4], bool *none, const web_request *rq)
{
    for (size_t i = 0; mnames[i]; i++) {
        char *t = trimmed(web_field_str(rq, mnames[i]));
        mv_set(m, mnames[i], t);
        free(t);
    }
    for (size_t i = 0; i < 4; i++) {
        char name[40]; /* "channel-" and one of the four channels' keywords */
        snprintf(name, sizeof name, "channel-%s", channels[2 * i]);
        ch[i] = web_field_get(rq, name) != NULL;
    }
    *none = web_field_get(rq, "contact-none") != NULL;
}

/* The member's needs (print size, reading level, format), when not the standard ones. */
static void needs_from_values(xmlNodePtr e, const mvals *m, web_errors *errs)
{
    const char *print = mv(m, "print");
    bool custom = !strcmp(print, "custom");
    if ((*print && strcmp(print, "standard")) || *mv(m, "reading") || *mv(m, "format") || custom) {
        xmlNodePtr n = dom_add(e, "needs", NULL);
        if (custom) {
            set_attr(n, "size", mv(m, "size"));
            if (!*mv(m, "size"))
                errors_add(errs, "size", "Enter the print size in points, from 12 to 36");
        } else if (*print && strcmp(print, "standard")) {
            set_attr(n, "print", print);
        }
        if (*mv(m, "reading") && strcmp(mv(m, "reading"), "standard"))
            set_attr(n, "reading", mv(m, "reading"));
        if (*mv(m, "format") && strcmp(mv(m, "format"), "print"))
            set_attr(n, "format", mv(m, "format"));
        if (!n->properties) {
            xmlUnlinkNode(n);
            xmlFreeNode(n);
        }
    }
}

/* A post contact's address from the form's lines, town and postcode. */
static void address_from_values(xmlNodePtr c, const mvals *m, web_errors *errs)
{
    xmlNodePtr a = dom_add(c, "address", NULL);
    char *copy = strdup(mv(m, "address")), *save = NULL;
    size_t lines = 0;
    for (char *l = strtok_r(copy, "\r\n", &save); l; l = strtok_r(NULL, "\r\n", &save)) {
        char *t = trimmed(l);
        if (t && *t) {
            dom_add(a, "line", t);
            lines++;
        }
        free(t);
    }
    free(copy);
    if (*mv(m, "town"))
        dom_add(a, "town", mv(m, "town"));
    dom_add(a, "postcode", mv(m, "postcode"));
    if (!lines)
        errors_add(errs, "address", "Enter the member's address for letters by post");
    if (!*mv(m, "postcode"))
        errors_add(errs, "postcode", "Enter the postcode for letters by post");
}

/* A contact element for each channel ticked (at least one is needed). */
static void contacts_from_values(xmlNodePtr e, const mvals *m, const bool ch[4], web_errors *errs)
{
    bool any = false;
    for (size_t i = 0; i < 4; i++) {
        if (!ch[i])
            continue;
        any = true;
        xmlNodePtr c = dom_add(e, "contact", NULL);
        xmlSetProp(c, BAD_CAST "channel", BAD_CAST channels[2 * i]);
        if (i == 0) {
            address_from_values(c, m, errs);
        } else {
            const char *field = i == 1 ? "email" : i == 2 ? "phone" : "professional";
            set_attr(c, field, mv(m, field));
            if (!*mv(m, field))
                errors_add(errs, field,
                           i == 1   ? "Enter the member's email address"
                           : i == 2 ? "Enter the member's mobile number for text messages"
                                    : "Enter who hands the letter over, for example \"his "
                                      "probation officer\"");
        }
    }
    if (!any)
        errors_add(errs, "channel-post",
                   "Choose at least one way to reach the member, or tick \"Do not contact\"");
}

/* A <member> element from the values; errors for what is missing. */
static xmlNodePtr member_from_values(xmlDocPtr doc, xmlNsPtr ns, const mvals *m, const bool ch[4],
                                     bool none, web_errors *errs)
{
    xmlNodePtr e = xmlNewDocNode(doc, ns, BAD_CAST "member", NULL);
    if (!*mv(m, "member-id"))
        errors_add(errs, "member-id", "Enter the member's id, for example m01");
    else if (!ws_member_id_ok(mv(m, "member-id")))
        errors_add(errs, "member-id",
                   "The member's id can only hold letters, digits, '-' and '_' (64 at most)");
    if (!*mv(m, "relationship"))
        errors_add(errs, "relationship", "Choose the member's relationship");
    if (!*mv(m, "gender"))
        errors_add(errs, "gender", "Choose the member's gender");
    if (!*mv(m, "given"))
        errors_add(errs, "given", "Enter the member's given name");
    set_attr(e, "id", mv(m, "member-id"));
    set_attr(e, "relationship", mv(m, "relationship"));
    set_attr(e, "gender", mv(m, "gender"));
    set_attr(e, "age", mv(m, "age"));
    set_attr(e, "parental-responsibility", mv(m, "parental-responsibility"));
    if (none) {
        xmlSetProp(e, BAD_CAST "contact", BAD_CAST "none");
        set_attr(e, "reason", mv(m, "reason"));
        if (!*mv(m, "reason"))
            errors_add(errs, "reason", "Enter why this member is not contacted");
    }
    xmlNodePtr name = dom_add(e, "name", NULL);
    set_attr(name, "title", mv(m, "title"));
    set_attr(name, "given", mv(m, "given"));
    set_attr(name, "family", mv(m, "family"));
    if (*mv(m, "locale") || *mv(m, "also") || *mv(m, "interpreter")) {
        xmlNodePtr l = dom_add(e, "language", NULL);
        set_attr(l, "locale", mv(m, "locale"));
        set_attr(l, "also", mv(m, "also"));
        set_attr(l, "interpreter", mv(m, "interpreter"));
    } else if (!none) {
        errors_add(errs, "locale", "Enter the member's language, for example pl or en-GB");
    }
    needs_from_values(e, m, errs);
    if (none) {
        for (size_t i = 0; i < 4; i++)
            if (ch[i]) {
                errors_add(errs, "contact-none",
                           "A member who is not contacted has no channels: untick the channels "
                           "or untick \"Do not contact\"");
                break;
            }
        return e;
    }
    contacts_from_values(e, m, ch, errs);
    return e;
}

static void who_fields(xmlNodePtr f, const mvals *m, const web_errors *errs)
{
    xmlNodePtr s = elc(f, "fieldset", "section", NULL);
    elc(s, "legend", "section-title", "Who they are");
    field_input(s, "text", "member-id", "Member id",
                "Used in file names, for example m01. Letters, digits, '-' and '_'.",
                mv(m, "member-id"), errs);
    field_select(s, "relationship", "Relationship to the child or adult", NULL,
                 member_relationships, mv(m, "relationship"), errs);
    field_radios(s, "gender", "Gender", "Used for grammar only.", genders, mv(m, "gender"), errs);
    field_input(s, "number", "age", "Age in years (optional)", NULL, mv(m, "age"), errs);
    field_radios(s, "parental-responsibility", "Parental responsibility", NULL, pr,
                 mv(m, "parental-responsibility"), errs);
    field_input(s, "text", "title", "Title (optional)",
                "Mr, Mrs, Ms, Miss, Mx and Dr are translated; other titles are printed as given.",
                mv(m, "title"), errs);
    field_input(s, "text", "given", "Given name", NULL, mv(m, "given"), errs);
    field_input(s, "text", "family", "Family name (optional)", NULL, mv(m, "family"), errs);
}

static void language_fields(xmlNodePtr f, const mvals *m, const web_errors *errs)
{
    xmlNodePtr s = elc(f, "fieldset", "section", NULL);
    elc(s, "legend", "section-title", "Language and reading");
    static const char *const tag_hint =
        "A language tag, for example en-GB (English), pl (Polish), ar (Arabic), ur (Urdu), "
        "cy (Welsh), pa (Punjabi).";
    char *now = NULL, *lname = *mv(m, "locale") ? language_name(mv(m, "locale")) : NULL;
    now = lname ? fmt("%s Now: %s (%s).", tag_hint, lname, mv(m, "locale")) : strdup(tag_hint);
    field_input(s, "text", "locale", "Language of the letter", now, mv(m, "locale"), errs);
    free(now);
    free(lname);
    lname = *mv(m, "also") ? language_name(mv(m, "also")) : NULL;
    now = lname ? fmt("For a letter in two languages, for example en-GB (English). Now: %s (%s).",
                      lname, mv(m, "also"))
                : strdup("For a letter in two languages, for example en-GB (English).");
    field_input(s, "text", "also", "Second language (optional)", now, mv(m, "also"), errs);
    free(now);
    free(lname);
    field_input(s, "text", "interpreter", "Interpreter's language (optional)",
                "Letters then say an interpreter will be provided, free.", mv(m, "interpreter"),
                errs);
    field_select(s, "reading", "Reading level", NULL, member_readings,
                 *mv(m, "reading") ? mv(m, "reading") : "standard", errs);
    field_radios(s, "format", "Format",
                 "Braille: the letter comes as a braille file (BRF) to send to the embossing "
                 "service, instead of the print letter.",
                 member_formats, *mv(m, "format") ? mv(m, "format") : "print", errs);
    field_select(s, "print", "Print size", NULL, prints,
                 *mv(m, "print") ? mv(m, "print") : "standard", errs);
    field_input(s, "number", "size", "Print size in points (for another size)",
                "From 12 to 36, for example 20.", mv(m, "size"), errs);
}

/* The channels, their details, and "Do not contact". */
static void reach_fields(xmlNodePtr f, const mvals *m, const bool ch[4], bool none,
                         const web_errors *errs)
{
    xmlNodePtr s = elc(f, "fieldset", "section", NULL);
    elc(s, "legend", "section-title", "How to reach them");
    el(s, "p", "Tick each way the member should get their letter.");
    for (size_t i = 0; i < 4; i++) {
        char *name = fmt("channel-%s", channels[2 * i]);
        field_checkbox(s, name, channels[2 * i + 1], NULL, ch[i], errs);
        free(name);
    }
    field_input(s, "textarea", "address", "Address lines (for post)",
                "One line on each line, without the town and postcode.", mv(m, "address"), errs);
    field_input(s, "text", "town", "Town (for post, optional)", NULL, mv(m, "town"), errs);
    field_input(s, "text", "postcode", "Postcode (for post)", NULL, mv(m, "postcode"), errs);
    field_input(s, "email", "email", "Email address (for email)", NULL, mv(m, "email"), errs);
    field_input(s, "tel", "phone", "Mobile number (for text messages)", NULL, mv(m, "phone"), errs);
    field_input(s, "text", "professional", "Who hands the letter over",
                "For example \"his probation officer\".", mv(m, "professional"), errs);

    s = elc(f, "fieldset", "section", NULL);
    elc(s, "legend", "section-title", "Not contacted");
    field_checkbox(s, "contact-none", "Do not contact this member",
                   "No letter is made; the batch record lists the member and the reason.", none,
                   errs);
    field_input(s, "text", "reason", "Why the member is not contacted",
                "Kept in the batch record, for example police advice.", mv(m, "reason"), errs);
}

static void member_page(web_request *rq, web_response *rs, const char *id, const char *mid,
                        const mvals *m, const bool ch[4], bool none, const web_errors *errs,
                        unsigned status)
{
    char *title = mid ? fmt("Edit member %s", mid) : strdup("Add a family member");
    web_page *p = page_new(title);
    free(title);
    page_errors_from(p, errs);
    char *action =
        mid ? fmt("/reviews/%s/members/%s/edit", id, mid) : fmt("/reviews/%s/members/new", id);
    xmlNodePtr f = form_new(p->main, rq, action, false);
    free(action);
    who_fields(f, m, errs);
    language_fields(f, m, errs);
    reach_fields(f, m, ch, none, errs);
    form_button(f, "Save member", NULL);

    if (mid) {
        char *ra = fmt("/reviews/%s/members/%s/remove", id, mid);
        xmlNodePtr rf = form_new(p->main, rq, ra, false);
        free(ra);
        form_button(rf, "Remove this member", "button button-warning");
    }
    char *back = fmt("/reviews/%s", id);
    a_link(el(p->main, "p", NULL), back, "Back to the review");
    free(back);
    page_respond(p, rs, status);
}

void h_member_form(web_request *rq, web_response *rs, const char *id, const char *mid)
{
    const char *why = NULL;
    xmlDocPtr doc = ws_review_read(id, &why);
    if (!doc) {
        respond_review_unread(rs, why);
        return;
    }
    xmlNodePtr old = mid ? dom_member(doc, mid) : NULL;
    if (mid && !old) {
        xmlFreeDoc(doc);
        respond_error(rs, 404, "Member not found", "The review has no member with this id.");
        return;
    }
    mvals m = {0};
    bool ch[4] = {false, false, false, false}, none = false;
    if (!rq->post) {
        if (old)
            mvals_from_dom(&m, ch, &none, old);
        member_page(rq, rs, id, mid, &m, ch, none, NULL, 200);
        mvals_free(&m);
        xmlFreeDoc(doc);
        return;
    }
    mvals_from_form(&m, ch, &none, rq);
    web_errors errs = {0};
    xmlNodePtr root = xmlDocGetRootElement(doc);
    xmlNodePtr e = member_from_values(doc, root->ns, &m, ch, none, &errs);
    const char *new_id = mv(&m, "member-id");
    xmlNodePtr clash = *new_id ? dom_member(doc, new_id) : NULL;
    if (clash && clash != old)
        errors_add(&errs, "member-id", "Another member has this id: choose another");
    if (old) {
        xmlReplaceNode(old, e);
        xmlFreeNode(old);
    } else {
        xmlNodePtr fam = dom_child(root, "family");
        if (!fam)
            fam = dom_add(root, "family", NULL);
        xmlAddChild(fam, e);
    }
    member_ctx mc = {new_id};
    if (!errs.n && ws_review_save(doc, id, map_member, &mc, &errs, NULL, blocks_member) == 0) {
        ws_audit(rq, mid ? "member-edited" : "member-added", id, new_id);
        redirect_review(rs, id, NULL);
    } else {
        member_page(rq, rs, id, mid, &m, ch, none, &errs, 400);
    }
    errors_free(&errs);
    mvals_free(&m);
    xmlFreeDoc(doc);
}

void h_member_delete(web_request *rq, web_response *rs, const char *id, const char *mid)
{
    const char *why = NULL;
    xmlDocPtr doc = ws_review_read(id, &why);
    if (!doc) {
        respond_review_unread(rs, why);
        return;
    }
    xmlNodePtr old = dom_member(doc, mid);
    if (!old) {
        xmlFreeDoc(doc);
        respond_error(rs, 404, "Member not found", "The review has no member with this id.");
        return;
    }
    xmlUnlinkNode(old);
    xmlFreeNode(old);
    web_errors errs = {0};
    member_ctx mc = {NULL};
    if (ws_review_save(doc, id, map_member, &mc, &errs, NULL, blocks_member) == 0) {
        ws_audit(rq, "member-removed", id, mid);
        redirect_review(rs, id, NULL);
    } else {
        web_page *p = page_new("The member could not be removed");
        page_errors_from(p, &errs);
        page_respond(p, rs, 400);
    }
    errors_free(&errs);
    xmlFreeDoc(doc);
}

/* ---- CSV ------------------------------------------------------------------------------------ */

static const char *const csv_columns[] = {
    "id",           "title",    "given",       "family",
    "relationship", "gender",   "age",         "parental_responsibility",
    "locale",       "also",     "interpreter", "print",
    "reading",      "channels", "address",     "town",
    "postcode",     "email",    "phone",       "professional",
    "contact",      "reason",   "format",      NULL};

typedef struct sbuf {
    char *s;
    size_t n, cap;
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = (b->cap + n + 1) * 2;
        char *ns = realloc(b->s, cap);
        if (!ns)
            return;
        b->s = ns;
        b->cap = cap;
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
}

/* A cell, quoted; a cell a spreadsheet would run as a formula (= @ tab CR) is prefixed
 * with an apostrophe. */
static void sb_cell(sbuf *b, const char *v, bool first)
{
    if (!first)
        sb_put(b, ",", 1);
    if (!v || !*v)
        return;
    sb_put(b, "\"", 1);
    if (strchr("=@\t\r", v[0]))
        sb_put(b, "'", 1);
    for (const char *p = v; *p; p++)
        sb_put(b, p, *p == '"' ? (sb_put(b, "\"", 1), 1) : 1);
    sb_put(b, "\"", 1);
}

void h_family_csv(web_request *rq, web_response *rs, const char *id)
{
    (void)rq;
    const char *why = NULL;
    xmlDocPtr doc = ws_review_read(id, &why);
    if (!doc) {
        respond_review_unread(rs, why);
        return;
    }
    sbuf b = {0};
    for (size_t i = 0; csv_columns[i]; i++)
        sb_cell(&b, csv_columns[i], i == 0);
    sb_put(&b, "\r\n", 2);
    xmlNodePtr fam = dom_child(xmlDocGetRootElement(doc), "family");
    for (xmlNodePtr e = fam ? fam->children : NULL; e; e = e->next) {
        if (e->type != XML_ELEMENT_NODE)
            continue;
        mvals m = {0};
        bool ch[4] = {false, false, false, false}, none = false;
        mvals_from_dom(&m, ch, &none, e);
        char chans[80] = ""; /* the four channels' keywords, each once: 31 bytes at most */
        for (size_t i = 0; i < 4; i++)
            if (ch[i]) {
                size_t l = strlen(chans);
                snprintf(chans + l, sizeof chans - l, "%s%s", l ? ";" : "", channels[2 * i]);
            }
        char *addr = strdup(mv(&m, "address"));
        for (char *p = addr; p && *p; p++)
            if (*p == '\n')
                *p = p[1] ? ';' : '\0';
        const char *print = !strcmp(mv(&m, "print"), "custom") ? mv(&m, "size") : mv(&m, "print");
        const char *cells[] = {mv(&m, "member-id"),    mv(&m, "title"),
                               mv(&m, "given"),        mv(&m, "family"),
                               mv(&m, "relationship"), mv(&m, "gender"),
                               mv(&m, "age"),          mv(&m, "parental-responsibility"),
                               mv(&m, "locale"),       mv(&m, "also"),
                               mv(&m, "interpreter"),  print,
                               mv(&m, "reading"),      chans,
                               addr ? addr : "",       mv(&m, "town"),
                               mv(&m, "postcode"),     mv(&m, "email"),
                               mv(&m, "phone"),        mv(&m, "professional"),
                               none ? "none" : "",     mv(&m, "reason"),
                               mv(&m, "format")};
        for (size_t i = 0; i < sizeof cells / sizeof cells[0]; i++)
            sb_cell(&b, cells[i], i == 0);
        sb_put(&b, "\r\n", 2);
        free(addr);
        mvals_free(&m);
    }
    xmlFreeDoc(doc);
    respond_bytes(rs, "text/csv; charset=utf-8", b.s, b.n);
    rs->disposition = fmt("attachment; filename=\"%s-family.csv\"", id);
}

/* A member element made from a member the library loaded (from the CSV). */
xmlNodePtr ws_member_from_loaded(xmlDocPtr doc, xmlNsPtr ns, const kl_review *rv,
                                 const kl_member *km)
{
    xmlNodePtr e = xmlNewDocNode(doc, ns, BAD_CAST "member", NULL);
    set_attr(e, "id", kl_member_id(km));
    set_attr(e, "relationship", kl_member_relationship(km));
    set_attr(e, "gender", kl_gender_name(kl_member_gender(km)));
    if (kl_member_age(km) >= 0) {
        char a[16]; /* an int's digits */
        snprintf(a, sizeof a, "%d", kl_member_age(km));
        set_attr(e, "age", a);
    }
    int prv = kl_member_parental_responsibility(km);
    if (prv >= 0)
        set_attr(e, "parental-responsibility", prv ? "true" : "false");
    if (kl_member_contact_none(km)) {
        set_attr(e, "contact", "none");
        set_attr(e, "reason", kl_member_reason(km));
    }
    xmlNodePtr n = dom_add(e, "name", NULL);
    set_attr(n, "title", kl_member_title(km));
    set_attr(n, "given", kl_member_given(km));
    set_attr(n, "family", kl_member_family(km));
    if (kl_member_locale(km)) {
        xmlNodePtr l = dom_add(e, "language", NULL);
        set_attr(l, "locale", kl_member_locale(km));
        set_attr(l, "also", kl_member_also(km));
        set_attr(l, "interpreter", kl_member_interpreter(km));
    }
    xmlNodePtr needs = dom_add(e, "needs", NULL);
    const char *profile = kl_member_print_profile(km);
    if (profile && !strcmp(profile, "custom")) {
        char sz[32]; /* a print size, %g of a few points */
        snprintf(sz, sizeof sz, "%g", kl_member_print_size(km));
        set_attr(needs, "size", sz);
    } else if (profile && (!strcmp(profile, "large") || !strcmp(profile, "very-large"))) {
        set_attr(needs, "print", profile);
    }
    if (kl_member_reading(km) != KL_READING_STANDARD)
        set_attr(needs, "reading", kl_reading_name(kl_member_reading(km)));
    if (kl_review_member_format(rv, km) != KL_FORMAT_PRINT)
        set_attr(needs, "format", kl_format_name(kl_review_member_format(rv, km)));
    if (!needs->properties) {
        xmlUnlinkNode(needs);
        xmlFreeNode(needs);
    }
    for (size_t i = 0; i < kl_member_contact_count(km); i++) {
        const kl_contact *c = kl_member_contact_at(km, i);
        xmlNodePtr ce = dom_add(e, "contact", NULL);
        set_attr(ce, "channel", kl_channel_name(kl_contact_channel(c)));
        const kl_address *ad = kl_contact_address(c);
        if (kl_contact_channel(c) == KL_CHANNEL_POST && ad) {
            xmlNodePtr a = dom_add(ce, "address", NULL);
            for (size_t k = 0; k < kl_address_line_count(ad); k++)
                dom_add(a, "line", kl_address_line(ad, k));
            if (kl_address_town(ad))
                dom_add(a, "town", kl_address_town(ad));
            dom_add(a, "postcode", kl_address_postcode(ad) ? kl_address_postcode(ad) : "");
        }
        set_attr(ce, "email", kl_contact_email(c));
        set_attr(ce, "phone", kl_contact_phone(c));
        set_attr(ce, "professional", kl_contact_professional(c));
    }
    return e;
}

typedef struct csv_problem {
    unsigned row, col;
    char *member, *message;
    bool error;
} csv_problem;

typedef struct csv_diags {
    csv_problem *p;
    size_t n, cap, errors;
} csv_diags;

static void csv_collect(const kl_diagnostic *d, void *ud)
{
    csv_diags *c = ud;
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 16;
        csv_problem *np = realloc(c->p, cap * sizeof *np);
        if (!np)
            return;
        c->p = np;
        c->cap = cap;
    }
    csv_problem *p = &c->p[c->n++];
    bool csv = d->source && strstr(d->source, "family.csv");
    p->row = csv ? d->line : 0;
    p->col = csv ? d->column : 0;
    p->member = d->member_id ? strdup(d->member_id) : NULL;
    p->message = d->hint ? fmt("%s (%s)", d->message ? d->message : kl_strerror(d->code), d->hint)
                         : strdup(d->message ? d->message : kl_strerror(d->code));
    p->error = d->severity == KL_SEVERITY_ERROR;
    c->errors += p->error;
}

static void upload_page(web_request *rq, web_response *rs, const char *id, const csv_diags *d,
                        const char *error, unsigned status)
{
    web_page *p = page_new("Upload the family from a spreadsheet");
    web_errors errs = {0};
    size_t used = (size_t)-1;
    if (error)
        errors_add(&errs, "family", error);
    for (size_t i = 0; !errs.n && d && i < d->n; i++)
        if (d->p[i].error) {
            char *m = d->p[i].row ? fmt("Row %u: %s", d->p[i].row, d->p[i].message)
                                  : strdup(d->p[i].message);
            errors_add(&errs, "family", m);
            free(m);
            used = i;
        }
    page_errors_from(p, &errs);
    for (size_t i = 0; d && i < d->n; i++) {
        if (!d->p[i].error || i == used)
            continue;
        char *m =
            d->p[i].row ? fmt("Row %u: %s", d->p[i].row, d->p[i].message) : strdup(d->p[i].message);
        page_error(p, "family", m);
        free(m);
    }
    el(p->main, "p",
       "Save the spreadsheet as \"CSV UTF-8\". The first row names the columns: id, title, given, "
       "family, relationship, gender, age, parental_responsibility, locale, also, interpreter, "
       "print, reading, channels, address, town, postcode, email, phone, professional, contact, "
       "reason. The family in the spreadsheet replaces the family in the review.");
    char *dl = fmt("/reviews/%s/family.csv", id);
    a_link(el(p->main, "p", NULL), dl, "Download the family as it is now, to edit it");
    free(dl);
    char *action = fmt("/reviews/%s/family/upload", id);
    xmlNodePtr f = form_new(p->main, rq, action, true);
    free(action);
    xmlNodePtr in =
        field_input(f, "file", "family", "Family spreadsheet (CSV)", "At most 2 MB.", NULL, &errs);
    attr(in, "accept", ".csv,text/csv");
    xmlUnsetProp(in, BAD_CAST "value");
    xmlUnsetProp(in, BAD_CAST "autocomplete");
    form_button(f, "Upload family", NULL);
    if (d && d->n) {
        xmlNodePtr t = elc(p->main, "table", "table", NULL);
        el(t, "caption", "Problems in the spreadsheet, by row");
        xmlNodePtr tr = el(el(t, "thead", NULL), "tr", NULL);
        const char *heads[] = {"Row", "Column", "Member", "Problem"};
        for (size_t i = 0; i < 4; i++)
            attr(el(tr, "th", heads[i]), "scope", "col");
        xmlNodePtr tb = el(t, "tbody", NULL);
        for (size_t i = 0; i < d->n; i++) {
            tr = el(tb, "tr", NULL);
            char num[16];
            snprintf(num, sizeof num, "%u", d->p[i].row);
            char *rid = fmt("row-%zu", i + 1);
            attr(tr, "id", rid);
            free(rid);
            attr(el(tr, "th", d->p[i].row ? num : "-"), "scope", "row");
            snprintf(num, sizeof num, "%u", d->p[i].col);
            el(tr, "td", d->p[i].col ? num : "-");
            el(tr, "td", d->p[i].member ? d->p[i].member : "-");
            xmlNodePtr td = el(tr, "td", NULL);
            elc(td, "strong", d->p[i].error ? "error-text" : NULL,
                d->p[i].error ? "Error: " : "Warning: ");
            text(td, d->p[i].message);
        }
    }
    errors_free(&errs);
    page_respond(p, rs, status);
}

static void csv_diags_free(csv_diags *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->p[i].member);
        free(d->p[i].message);
    }
    free(d->p);
}

static void rm_tree(const char *dir)
{
    const char *names[] = {"family.csv", "review.xml"};
    for (size_t i = 0; i < 2; i++) {
        char *p = fmt("%s/%s", dir, names[i]);
        if (p)
            unlink(p);
        free(p);
    }
    rmdir(dir);
}

/* The review (without its family and logo) naming family.csv, as XML (xmlFree); NULL when
 * out of memory. */
static xmlChar *review_with_csv(xmlDocPtr doc, int *size)
{
    xmlDocPtr copy = xmlCopyDoc(doc, 1);
    xmlNodePtr root = xmlDocGetRootElement(copy);
    xmlNodePtr fam = dom_child(root, "family");
    if (fam) {
        xmlUnlinkNode(fam);
        xmlFreeNode(fam);
    }
    /* the logo (if any) is not needed to read the family */
    xmlNodePtr logo = dom_child(dom_child(root, "partnership"), "logo");
    if (logo) {
        xmlUnlinkNode(logo);
        xmlFreeNode(logo);
    }
    fam = dom_add(root, "family", NULL);
    xmlSetProp(fam, BAD_CAST "src", BAD_CAST "family.csv");
    xmlChar *mem = NULL;
    xmlDocDumpMemoryEnc(copy, &mem, size, "UTF-8");
    xmlFreeDoc(copy);
    return mem;
}

/* Read the uploaded CSV with the library, from dir (the review and family.csv written there):
 * the loaded review into *rv, every problem into d. Returns 0 or the library's error code. */
static int read_upload(const char *dir, xmlDocPtr doc, const web_field *f, kl_review **rv,
                       csv_diags *d)
{
    int size = 0;
    xmlChar *mem = review_with_csv(doc, &size);
    char *csv_path = fmt("%s/family.csv", dir), *rv_path = fmt("%s/review.xml", dir);
    int w = mem && csv_path && rv_path ? ws_write_atomic(csv_path, f->value, f->len) : -1;
    if (!w)
        w = ws_write_atomic(rv_path, mem, (size_t)size);
    xmlFree(mem);
    int rc = KL_EIO;
    if (!w) {
        kl_context_set_diagnostics(web_srv->ctx, csv_collect, d);
        rc = kl_review_load_file(web_srv->ctx, rv_path, NULL, rv);
        kl_context_set_diagnostics(web_srv->ctx, NULL, NULL);
        if (rc && !d->errors) {
            const kl_diagnostic *e = kl_context_last_error(web_srv->ctx);
            kl_diagnostic copy_d = {KL_SEVERITY_ERROR,
                                    rc,
                                    e ? e->message : kl_strerror(rc),
                                    e ? e->hint : NULL,
                                    e ? e->source : NULL,
                                    e ? e->line : 0,
                                    e ? e->column : 0,
                                    NULL};
            csv_collect(&copy_d, d);
        }
    }
    free(csv_path);
    free(rv_path);
    return rc;
}

void h_family_upload(web_request *rq, web_response *rs, const char *id)
{
    const char *why = NULL;
    xmlDocPtr doc = ws_review_read(id, &why);
    if (!doc) {
        respond_review_unread(rs, why);
        return;
    }
    if (!rq->post) {
        upload_page(rq, rs, id, NULL, NULL, 200);
        xmlFreeDoc(doc);
        return;
    }
    const web_field *f = web_field_find(rq, "family");
    if (!f || !f->filename || !f->len) {
        upload_page(rq, rs, id, NULL, "Choose a CSV file to upload", 400);
        xmlFreeDoc(doc);
        return;
    }
    /* The library reads the upload exactly as `kinletter check` reads a review with
     * <family src="family.csv"/>: a private folder beside the review holds both. */
    char *tmpl = fmt("%s/%s/.upload-XXXXXX", web_srv->dir, id);
    char *dir = tmpl ? mkdtemp(tmpl) : NULL;
    if (!dir) {
        free(tmpl);
        xmlFreeDoc(doc);
        respond_error(rs, 500, "Something went wrong", "The upload could not be stored.");
        return;
    }
    csv_diags d = {0};
    kl_review *rv = NULL;
    int rc = read_upload(dir, doc, f, &rv, &d);
    rm_tree(dir);
    free(tmpl);
    if (rc || d.errors || !rv) {
        upload_page(rq, rs, id, &d,
                    rc ? NULL
                       : "The spreadsheet has problems: nothing was changed. Correct the "
                         "rows below and upload it again",
                    400);
    } else {
        xmlNodePtr r = xmlDocGetRootElement(doc);
        xmlNodePtr old = dom_child(r, "family");
        if (old) {
            xmlUnlinkNode(old);
            xmlFreeNode(old);
        }
        xmlNodePtr nf = dom_add(r, "family", NULL);
        for (size_t i = 0; i < kl_review_member_count(rv); i++)
            xmlAddChild(nf, ws_member_from_loaded(doc, r->ns, rv, kl_review_member(rv, i)));
        web_errors errs = {0};
        if (ws_review_save(doc, id, map_member, NULL, &errs, NULL, blocks_all) == 0) {
            ws_audit(rq, "family-uploaded", id, NULL);
            redirect_review(rs, id, NULL);
        } else {
            upload_page(rq, rs, id, NULL, errs.n ? errs.message[0] : "The family was not saved",
                        400);
        }
        errors_free(&errs);
    }
    kl_review_free(rv);
    csv_diags_free(&d);
    xmlFreeDoc(doc);
}
