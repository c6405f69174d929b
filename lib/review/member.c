/* SPDX-License-Identifier: MIT */
/* review/member.c: one family member: name, language, needs and contact channels. */
#include "review/review_priv.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const readings[] = {"standard", "plain", "young-person", "easy-read"};
static const char *const prints[] = {"standard", "large", "very-large"};
static const double print_points[] = {14, 18, 24};
static const char *const formats[] = {"print", "braille"};
static const char *const channels[] = {"post", "email", "sms", "via-professional"};
static const char *const relationships[] = {"mother",     "father",   "parent",      "stepmother",
                                            "stepfather", "carer",    "grandmother", "grandfather",
                                            "sister",     "brother",  "aunt",        "uncle",
                                            "partner",    "daughter", "son",         "other"};

/* The longest part of a member's name, in bytes of UTF-8 (docs/REVIEW-FORMAT.md). */
#define KL_REVIEW_MAX_NAME 200

/* ---- one member -------------------------------------------------------------------- */
static void build_contact(kl_loader *L, xmlNodePtr cn, kl_contact *k, size_t name_lines)
{
    memset(k, 0, sizeof *k);
    kl_loader_pos p = kl_review__node_pos(L, cn, NULL);
    k->line = p.line;
    k->column = p.col;
    const char *ch = kl_review__attr(L, cn, "channel");
    int c = kl_review__pick(ch, channels, KL_COUNT(channels));
    if (c < 0) {
        kl_review__problem(L, cn, "channel", "use post, email, sms or via-professional",
                           "'%s' is not a contact channel", ch ? ch : "");
        return;
    }
    k->channel = (kl_channel)c;
    switch (k->channel) {
    case KL_CHANNEL_POST: {
        xmlNodePtr a = kl_review__child(cn, "address");
        if (!a) {
            kl_review__problem(L, cn, NULL, "add the postal address, or choose another channel",
                               "a post contact has no address");
            return;
        }
        kl_address *addr = kl_review__alloc(L->rv, sizeof *addr);
        if (!addr) {
            L->oom = true;
            return;
        }
        kl_review__build_address(L, a, addr, true, name_lines);
        k->address = addr;
        break;
    }
    case KL_CHANNEL_EMAIL:
        k->email = kl_review__attr(L, cn, "email");
        if (!k->email || !kl_review__email_ok(k->email))
            kl_review__problem(L, cn, "email", "give an email address such as name@example.org",
                               "the email address is not an email address");
        break;
    case KL_CHANNEL_SMS: {
        const char *raw = kl_review__attr(L, cn, "phone");
        char mob[16];
        if (!raw || !kl_review__mobile(raw, mob)) {
            kl_review__problem(
                L, cn, "phone",
                "text messages go to UK mobile numbers (07... or +447...); use post or "
                "email otherwise",
                "the phone number is not a UK mobile number");
            k->phone = raw;
        } else {
            k->phone = kl_review__strdup(L->rv, mob);
            if (!k->phone)
                L->oom = true;
        }
        break;
    }
    case KL_CHANNEL_VIA_PROFESSIONAL:
        k->professional = kl_review__attr(L, cn, "professional");
        if (!k->professional || !*k->professional)
            kl_review__problem(
                L, cn, "professional",
                "say who hands the letter over, for example \"his probation officer\"",
                "a via-professional contact does not name the professional");
        break;
    }
}

/* Free text from the review that a member's translated letters print as
 * written, in English: one warning per member, naming the fields and the
 * languages, and how to give them in every language. */
static bool role_keyword(const char *role)
{
    static const char *const keys[] = {
        "independent-reviewer", "lead-reviewer",    "review-chair",          "family-contact",
        "review-coordinator",   "business-manager", "family-liaison-officer"};
    for (size_t i = 0; role && i < sizeof keys / sizeof keys[0]; i++)
        if (strcmp(role, keys[i]) == 0)
            return true;
    return false;
}

static bool title_translated(const char *t)
{
    static const char *const keys[] = {"mr", "mrs", "ms", "miss", "mx", "dr"};
    size_t n = strlen(t);
    if (n && t[n - 1] == '.')
        n--;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strlen(keys[i]) == n && strncasecmp(t, keys[i], n) == 0)
            return true;
    return false;
}

static void untranslated_fields(kl_loader *L, xmlNodePtr lang, const kl_member *m)
{
    const kl_review_info *I = &L->rv->info;
    /* The languages not English, named whole ("pl", "pl and cy"). */
    const char *l0 = m->locale && strncmp(m->locale, "en", 2) != 0 ? m->locale : NULL;
    const char *l1 = m->also && strncmp(m->also, "en", 2) != 0 ? m->also : NULL;
    if (!l0 && !l1)
        return;
    char fields[160] = ""; /* at most the four names below, 56 bytes with commas */
    const char *f[4];
    size_t n = 0;
    if (I->reviewer_role && !role_keyword(I->reviewer_role))
        f[n++] = "reviewer@role";
    if (I->contact_role && !role_keyword(I->contact_role))
        f[n++] = "contact@role";
    if (I->contact_hours && !I->n_hours)
        f[n++] = "contact@hours";
    if (m->title && !title_translated(m->title))
        f[n++] = "name@title";
    if (!n)
        return;
    for (size_t i = 0; i < n; i++)
        snprintf(fields + strlen(fields), sizeof fields - strlen(fields), "%s%s", i ? ", " : "",
                 f[i]);
    kl_review__warning(
        L, lang, "locale",
        "give roles as keywords (reviewer: independent-reviewer, lead-reviewer, "
        "review-chair; contact: family-contact, review-coordinator, business-manager, "
        "family-liaison-officer), hours as <hours days=\"mon-fri\" from=\"09:00\" "
        "to=\"17:00\"/>, titles as Mr, Mrs, Ms, Miss, Mx or Dr; these are translated",
        "free text from the review will be printed in English in the %s%s%s letter: %s",
        l0 ? l0 : "", l0 && l1 ? " and " : "", l1 ? l1 : "", fields);
}

/* The member's id and where it is; a malformed CSV row is already reported. */
static void start_member(kl_loader *L, xmlNodePtr mn, kl_member *m)
{
    m->id = kl_review__attr(L, mn, "id");
    L->member_id = m->id && *m->id ? m->id : "(no id)";
    kl_loader_pos p = kl_review__node_pos(L, mn, NULL);
    m->source = p.source;
    m->line = p.line;
    m->column = p.column_name ? 1 : p.col;
    if (!m->id || !kl_review__id_ok(m->id))
        kl_review__problem(
            L, mn, "id",
            "give each member an id of 1 to 64 letters, digits, '-' or '_', such as m01",
            "member id '%s' is not valid", m->id ? m->id : "");
    const kl_csv_origin *o =
        mn->_private && !KL_REVIEW_IS_OFFSET(mn->_private) ? mn->_private : NULL;
    if (o && o->broken)
        L->member_failed = true;
}

/* <member relationship gender age parental-responsibility contact reason>. */
static void read_member_attrs(kl_loader *L, xmlNodePtr mn, kl_member *m)
{
    m->relationship = kl_review__attr(L, mn, "relationship");
    if (m->relationship)
        kl_review__enum_attr(L, mn, "relationship", relationships, KL_COUNT(relationships), 0,
                             "relationship");
    else
        kl_review__problem(L, mn, NULL, "add relationship=\"mother\" (or father, sister...)",
                           "the member has no relationship");
    if (!kl_review__attr(L, mn, "gender"))
        kl_review__problem(L, mn, NULL, "add gender=\"female\", \"male\" or \"other\"",
                           "the member has no gender");
    m->gender =
        (kl_gender)kl_review__enum_attr(L, mn, "gender", kl_review__genders, 3, 2, "gender");
    m->age = -1;
    const char *age = kl_review__attr(L, mn, "age");
    long v;
    if (age && !kl_review__int_in(age, 0, 130, &v))
        kl_review__problem(L, mn, "age", "give the age in whole years",
                           "the age is not a whole number of years");
    else if (age)
        m->age = (int)v;
    const char *pr = kl_review__attr(L, mn, "parental-responsibility");
    m->parental_responsibility = -1;
    if (pr) {
        static const char *const tf[] = {"false", "true"};
        m->parental_responsibility = kl_review__enum_attr(L, mn, "parental-responsibility", tf, 2,
                                                          -1, "parental-responsibility value");
    }
    const char *none = kl_review__attr(L, mn, "contact");
    if (none && strcmp(none, "none") != 0)
        kl_review__problem(L, mn, "contact", "write contact=\"none\" or leave it out",
                           "contact '%s' is not allowed on a member", none);
    m->contact_none = none && strcmp(none, "none") == 0;
    m->reason = kl_review__attr(L, mn, "reason");
}

/* <name title given family>. */
static void read_name(kl_loader *L, xmlNodePtr mn, kl_member *m)
{
    xmlNodePtr nm = kl_review__child(mn, "name");
    m->title = kl_review__attr(L, nm, "title");
    m->given = kl_review__attr(L, nm, "given");
    m->family = kl_review__attr(L, nm, "family");
    if (!m->given || !*m->given)
        kl_review__problem(L, nm ? nm : mn, nm ? "given" : NULL, "add <name given=\"...\"/>",
                           "the member has no given name");
    /* A name is printed in the salutation and the address: a limit keeps a
     * pasted paragraph from becoming one (the name is not quoted). */
    const char *const parts[3][2] = {
        {"title", m->title}, {"given", m->given}, {"family", m->family}};
    for (int k = 0; k < 3; k++)
        if (parts[k][1] && strlen(parts[k][1]) > KL_REVIEW_MAX_NAME)
            kl_review__problem(L, nm, parts[k][0], "shorten the name",
                               "the name's %s part has %zu bytes: the limit is %d", parts[k][0],
                               strlen(parts[k][1]), KL_REVIEW_MAX_NAME);
}

/* <language locale also interpreter>: the element, or NULL. */
static xmlNodePtr read_language(kl_loader *L, xmlNodePtr mn, kl_member *m)
{
    xmlNodePtr lang = kl_review__child(mn, "language");
    m->locale = kl_review__locale_attr(L, lang, "locale");
    m->also = kl_review__locale_attr(L, lang, "also");
    m->interpreter = kl_review__locale_attr(L, lang, "interpreter");
    if (lang && !kl_review__attr(L, lang, "locale"))
        kl_review__problem(L, lang, NULL, "add locale=\"en-GB\" (or the member's language)",
                           "language has no locale");
    if (m->also && m->locale && strcmp(m->also, m->locale) == 0) {
        kl_review__warning(
            L, lang, "also", "remove also, or name the second language",
            "language@also is the same as language@locale: the letter will not be bilingual");
        m->also = NULL;
    }
    return lang;
}

/* <needs print size reading format>. */
static void read_needs(kl_loader *L, xmlNodePtr mn, kl_member *m, kl_member_extra *x)
{
    xmlNodePtr needs = kl_review__child(mn, "needs");
    m->reading = (kl_reading)kl_review__enum_attr(L, needs, "reading", readings, KL_COUNT(readings),
                                                  0, "reading level");
    int pi = kl_review__enum_attr(L, needs, "print", prints, KL_COUNT(prints), 0, "print size");
    x->brief.format = (kl_format)kl_review__enum_attr(L, needs, "format", formats,
                                                      KL_COUNT(formats), 0, "format");
    assert(pi >= 0 && pi < KL_COUNT(print_points)); /* a known value, or the default */
    m->print_size = print_points[pi];
    m->print_profile = prints[pi];
    const char *size = kl_review__attr(L, needs, "size");
    if (size) {
        double pts;
        if (kl_review__attr(L, needs, "print"))
            kl_review__problem(L, needs, "size", "give needs@print or needs@size, not both",
                               "needs has both print and size");
        else if (!kl_review__points_in(size, 12, 36, &pts))
            kl_review__problem(L, needs, "size", "give a size in points from 12 to 36, such as 20",
                               "needs@size '%s' is not a print size from 12 to 36 points", size);
        else {
            m->print_size = pts;
            m->print_profile = "custom";
        }
    }
    /* Easy Read is at least 16 pt (docs/ACCESSIBILITY.md); a larger size stays. */
    if (m->reading == KL_READING_EASY_READ && m->print_size < 16) {
        m->print_size = 16;
        m->print_profile = "easy-read";
    }
}

/* Every <contact> into m->contacts: false when out of memory. */
static bool read_contacts(kl_loader *L, xmlNodePtr mn, kl_member *m)
{
    size_t nc = 0;
    for (xmlNodePtr c = kl_review__child(mn, "contact"); c; c = kl_review__next_el(c, "contact"))
        nc++;
    kl_contact *contacts = kl_review__alloc(L->rv, (nc ? nc : 1) * sizeof *contacts);
    if (!contacts)
        return false;
    size_t name_lines = 1;
    nc = 0;
    for (xmlNodePtr c = kl_review__child(mn, "contact"); c; c = kl_review__next_el(c, "contact"))
        build_contact(L, c, &contacts[nc++], name_lines);
    m->contacts = contacts;
    m->n_contacts = nc;
    return true;
}

/* Whether and how the member is contacted: contact="none" with a reason, or
 * a language and at least one channel; never post and via-professional both. */
static void check_contacts(kl_loader *L, xmlNodePtr mn, const kl_member *m, xmlNodePtr lang)
{
    bool post = false, via = false;
    for (size_t i = 0; i < m->n_contacts; i++) {
        post |= m->contacts[i].channel == KL_CHANNEL_POST;
        via |= m->contacts[i].channel == KL_CHANNEL_VIA_PROFESSIONAL;
    }
    if (m->contact_none) {
        if (!m->reason || !*m->reason)
            kl_review__problem(L, mn, "contact",
                               "say why in reason=\"...\": the batch record lists it so nobody is "
                               "forgotten",
                               "contact=\"none\" needs a reason");
        if (m->n_contacts)
            kl_review__problem(L, kl_review__child(mn, "contact"), NULL,
                               "remove the contact channels, or remove contact=\"none\"",
                               "a member with contact=\"none\" has contact channels");
        if (m->parental_responsibility == 1)
            kl_review__warning(L, mn, "contact",
                               "make sure the decision not to tell a person with parental "
                               "responsibility is recorded",
                               "member %s has parental responsibility and will not be contacted",
                               L->member_id);
    } else {
        if (m->reason)
            kl_review__warning(L, mn, "reason", "remove reason, or add contact=\"none\"",
                               "reason is ignored without contact=\"none\"");
        if (!lang)
            kl_review__problem(L, mn, NULL,
                               "add <language locale=\"en-GB\"/> (or the member's language)",
                               "the member has no language");
        if (!m->n_contacts)
            kl_review__problem(L, mn, NULL,
                               "add a <contact channel=\"...\"> or, if nobody may contact them, "
                               "contact=\"none\" with a reason",
                               "the member has no contact channel");
    }
    if (post && via)
        kl_review__problem(
            L, mn, NULL,
            "use either post or via-professional: a letter handed over by a professional "
            "never shows an address",
            "the member has both a post and a via-professional contact");
    if (!m->contact_none && lang && m->locale)
        untranslated_fields(L, lang, m);
}

void kl_review__build_member(kl_loader *L, xmlNodePtr mn, kl_member *m, kl_member_extra *x,
                             xmlRelaxNGPtr member_schema)
{
    memset(m, 0, sizeof *m);
    x->node = mn;
    L->member_mode = true;
    L->member_failed = false;
    start_member(L, mn, m);
    kl_review__check_member_structure(L, mn);
    read_member_attrs(L, mn, m);
    read_name(L, mn, m);
    xmlNodePtr lang = read_language(L, mn, m);
    read_needs(L, mn, m, x);
    if (!read_contacts(L, mn, m)) {
        L->oom = true;
        L->member_mode = false;
        return;
    }
    check_contacts(L, mn, m, lang);
    /* The schema last: our own messages say more. */
    if (!L->member_failed && !L->oom && member_schema) {
        int r = kl_review__validate_subtree(L, member_schema, mn);
        if (r < 0) {
            L->member_failed = true;
            L->rv->n_errors++;
        }
    }
    x->brief.ok = !L->member_failed;
    L->member_mode = false;
}
