/* SPDX-License-Identifier: MIT */
/* compose/compose.c: a template, a review, one member and the catalogs into a document tree. */
#include "compose/compose.h"
#include "catalog/catalog_internal.h"
#include "review/review_internal.h"
#include "template/template.h"

#include <assert.h>
#include <libxml/xpathInternals.h>
#include <stddef.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unicode/udateintervalformat.h>
#include <unicode/ulistformatter.h>
#include <unicode/uloc.h>
#include <unicode/ustring.h>

#define MAX_ARGS 64

typedef struct composer {
    kl_context *ctx;
    const kl_template *tpl;
    const kl_review *review;
    const kl_review_info *info;
    const kl_member *member;
    kl_channel channel;
    kl_catalog_set *cats;
    const char *fallback_locale;
    int allow_fallback;
    kl_reading variant;
    kl_date letter_date;
    const kl_letter_qa *qa; /* the questions and answers (some may be other members') */
    size_t n_qa;
    const kl_address *address; /* the member's own postal address (post) */
    const char *professional;  /* via-professional */
    kl_doc *doc;
    xmlDocPtr view; /* the review as the template sees it (kl_review__member_doc) */
    xmlXPathContextPtr xp;
    xmlNodePtr ctx_node; /* context node for expressions (document, or an each item) */

    /* the current language and its standard arguments */
    const char *locale;
    char *interpreter_language; /* its name in this language, or "" */
    char *child_full_name;
    kl_fmt_arg args[MAX_ARGS];
    size_t n_args;
    char *terms[4];     /* this language's title, roles and hours (terms.c order) */
    bool args_reusable; /* the arguments of `locale` were made without a diagnostic or a
                         * fallback: the same language's next turn keeps them */
    /* untranslated[i]: standard argument i is review text printed as written
     * (untranslated_value), for the first n_untranslated arguments (0 while they are made) */
    bool untranslated[MAX_ARGS];
    size_t n_untranslated;
    /* the last message's runs of review data printed as written (see mark_runs) */
    kl_span *spans; /* grown as needed: a message may hold any number */
    size_t n_spans, cap_spans;
    bool whole_data; /* the last message's whole text is one such value */
} composer;

/* ---- errors ---------------------------------------------------------------- */

static kl_where at_node(const composer *c, const kl_tnode *tn)
{
    kl_where w = KL_AT(c->tpl->source, tn ? tn->line : 0, tn ? tn->column : 0);
    w.member_id = c->member->id;
    return w;
}

/* ---- dates ------------------------------------------------------------------ */

/* A real calendar date only: 2027-02-30 is refused, not rolled over. */
static int parse_date(const char *s, kl_date *d)
{
    int y, m, day;
    int r = kl_core__civil_date(s, &y, &m, &day);
    if (r)
        return r;
    d->year = y;
    d->month = m;
    d->day = day;
    return 0;
}

static void icu_locale(const char *bcp47, char *out, size_t cap)
{
    UErrorCode st = U_ZERO_ERROR;
    int32_t n = uloc_forLanguageTag(bcp47 ? bcp47 : "", out, (int32_t)cap, NULL, &st);
    if (U_FAILURE(st) || n <= 0 || (size_t)n >= cap)
        snprintf(out, cap, "%s", bcp47 ? bcp47 : "");
}

/* The letter date in the locale's long style ("27 November 2026", "27 listopada 2026"),
 * or the catalog's own (Somali: "27 Nofembar 2026"). */
static int format_date(composer *c, kl_date d, char **out)
{
    return kl_catalog__long_date(c->ctx, c->cats, c->locale, d, out);
}

/* ---- standard arguments ----------------------------------------------------- */

/* The standard arguments are a fixed list (set_language_args), well under
 * MAX_ARGS with the two message_with adds. */
static void add_s(composer *c, const char *name, const char *value)
{
    assert(c->n_args < MAX_ARGS);
    c->args[c->n_args++] = (kl_fmt_arg){name, KL_ARG_STRING, value ? value : "", 0, {0, 0, 0}};
}

static void add_n(composer *c, const char *name, double v)
{
    assert(c->n_args < MAX_ARGS);
    c->args[c->n_args++] = (kl_fmt_arg){name, KL_ARG_NUMBER, NULL, v, {0, 0, 0}};
}

static void add_d(composer *c, const char *name, kl_date d)
{
    assert(c->n_args < MAX_ARGS);
    c->args[c->n_args++] = (kl_fmt_arg){name, KL_ARG_DATE, NULL, 0, d};
}

static const char *yes_no(const void *p)
{
    return p ? "yes" : "no";
}

/* ICU select keywords cannot contain '-': message arguments use '_' where the
 * review format uses '-' ("via-professional" -> "via_professional"). XPath
 * variables keep the review format's spelling. */
static const char *select_key(const char *value)
{
    static const char *const map[][2] = {
        {"via-professional", "via_professional"},
        {"young-person", "young_person"},
        {"easy-read", "easy_read"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(value, map[i][0]) == 0)
            return map[i][1];
    return value;
}

/* ---- terms: titles, roles and hours in the letter's language ------------------ */

/* The ICU locale for formatting: Gregorian calendar (the review's dates are
 * UK civil dates) and Western digits, unless the member's tag asks for
 * others (fa-u-ca-persian, ar-u-nu-arab). */
static void format_locale(const char *bcp47, char *out, size_t cap)
{
    icu_locale(bcp47, out, cap);
    UErrorCode st = U_ZERO_ERROR;
    char kw[32];
    if (uloc_getKeywordValue(out, "calendar", kw, sizeof kw, &st) <= 0) {
        st = U_ZERO_ERROR;
        uloc_setKeywordValue("calendar", "gregorian", out, (int32_t)cap, &st);
    }
    st = U_ZERO_ERROR;
    if (uloc_getKeywordValue(out, "numbers", kw, sizeof kw, &st) <= 0) {
        st = U_ZERO_ERROR;
        uloc_setKeywordValue("numbers", "latn", out, (int32_t)cap, &st);
    }
}

static int message(composer *c, const kl_tnode *tn, const char *msgid, char **out, char **lang_out);

/* Format msgid with the standard arguments and up to four string arguments of
 * its own (names[i] = values[i]). */
static int message_with(composer *c, const char *msgid, const char *const *names,
                        const char *const *values, size_t n, char **out)
{
    size_t saved = c->n_args;
    assert(c->n_args + n <= MAX_ARGS);
    for (size_t i = 0; i < n; i++)
        c->args[c->n_args++] = (kl_fmt_arg){names[i], KL_ARG_STRING, values[i], 0, {0, 0, 0}};
    int rc = message(c, NULL, msgid, out, NULL);
    c->n_args = saved;
    return rc;
}

static void set_arg(composer *c, const char *name, const char *value)
{
    for (size_t i = 0; i < c->n_args; i++)
        if (c->args[i].name[0] == name[0] && strcmp(c->args[i].name, name) == 0 &&
            c->args[i].type == KL_ARG_STRING)
            c->args[i].s = value ? value : "";
}

/* The titles every catalog translates (common.title.<key>); "Mr." and "mr"
 * count too. Any other title prints as given. */
const char *kl_compose__title_key(const char *title)
{
    static const char *const keys[] = {"mr", "mrs", "ms", "miss", "mx", "dr"};
    if (!title)
        return NULL;
    size_t n = strlen(title);
    if (n && title[n - 1] == '.')
        n--;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strlen(keys[i]) == n && strncasecmp(title, keys[i], n) == 0)
            return keys[i];
    return NULL;
}

/* The role keywords every catalog translates (common.role.<key>, with '_'
 * for '-'); NULL for a free-text role. */
const char *kl_compose__role_msgid(const char *role)
{
    static const char *const map[][2] = {
        {"independent-reviewer", "common.role.independent_reviewer"},
        {"lead-reviewer", "common.role.lead_reviewer"},
        {"review-chair", "common.role.review_chair"},
        {"family-contact", "common.role.family_contact"},
        {"review-coordinator", "common.role.review_coordinator"},
        {"business-manager", "common.role.business_manager"},
        {"family-liaison-officer", "common.role.family_liaison_officer"},
    };
    for (size_t i = 0; role && i < sizeof map / sizeof map[0]; i++)
        if (strcmp(role, map[i][0]) == 0)
            return map[i][1];
    return NULL;
}

static int utf16_to_8(composer *c, const UChar *u, int32_t len, kl_buf *out)
{
    int32_t n = 0;
    UErrorCode st = U_ZERO_ERROR;
    u_strToUTF8(NULL, 0, &n, u, len, &st); /* the length first */
    if (st == U_BUFFER_OVERFLOW_ERROR || st == U_STRING_NOT_TERMINATED_WARNING)
        st = U_ZERO_ERROR;
    if (U_SUCCESS(st)) {
        if (kl_core__buf_reserve(out, (size_t)n) < 0)
            return kl_core__oom(c->ctx);
        if (n > 0)
            u_strToUTF8(out->data + out->len, n + 1, NULL, u, len, &st);
        if (U_SUCCESS(st))
            out->len += (size_t)n;
        out->data[out->len] = '\0';
    }
    if (U_FAILURE(st))
        return kl_core__error(c->ctx, KL_EBACKEND, at_node(c, NULL), NULL,
                              "ICU could not convert the contact hours: %s", u_errorName(st));
    return 0;
}

/* Join UTF-8 items with ICU's list pattern for the language ("a, b and c"). */
/* Welsh: ICU's list pattern joins with "a(c)", leaving the reader to choose;
 * the letter chooses, as a Welsh writer would: "ac" before a vowel, "a"
 * before anything else (day names all begin "Dydd", so almost always "a"). */
static void welsh_and(kl_buf *b)
{
    if (!b->data)
        return;
    for (char *p = strstr(b->data, " a(c) "); p; p = strstr(p, " a(c) ")) {
        char next = p[6];
        bool vowel = next && strchr("aeiouwyAEIOUWY", next);
        if (vowel) {
            memcpy(p, " ac ", 4);
            memmove(p + 4, p + 6, strlen(p + 6) + 1);
        } else {
            memcpy(p, " a ", 3);
            memmove(p + 3, p + 6, strlen(p + 6) + 1);
        }
        b->len = strlen(b->data);
    }
}

/* Welsh: "i" ("to") causes soft mutation, and a day name in the middle of a
 * phrase takes a small letter: "Dydd Llun i ddydd Iau", not "i Dydd Iau".
 * ICU's day names all begin "Dydd"; anything else is copied unchanged. */
static void welsh_soft_mutation(const char *loc, const char *day, char *out, size_t cap)
{
    bool welsh = strncmp(loc, "cy", 2) == 0 && !isalpha((unsigned char)loc[2]);
    if (welsh && strncmp(day, "Dydd ", 5) == 0)
        snprintf(out, cap, "ddydd %s", day + 5);
    else
        snprintf(out, cap, "%s", day);
}

/* What a list joined or a range of times is made from, as a key for kl_catalog__memo_get:
 * what, the ICU locale and each part, each with its length before it. */
static void memo_part(kl_buf *k, const char *part)
{
    char num[24];
    size_t len = strlen(part), at = sizeof num;
    do
        num[--at] = (char)('0' + len % 10);
    while ((len /= 10) && at > 0);
    kl_core__buf_append(k, num + at, sizeof num - at);
    kl_core__buf_putc(k, ':');
    kl_core__buf_puts(k, part);
    kl_core__buf_putc(k, ':');
}

static void memo_key(kl_buf *k, const char *what, const char *loc, const char *const *parts,
                     size_t n)
{
    memo_part(k, what);
    memo_part(k, loc);
    for (size_t i = 0; i < n; i++)
        memo_part(k, parts[i]);
}

/* The text kept under k (kl_catalog__memo_get), copied into *out: 1, 0 (none kept), or
 * KL_ENOMEM (reported). */
static int memo_take(composer *c, const kl_buf *k, char **out)
{
    const char *kept = k->oom ? NULL : kl_catalog__memo_get(k->data, k->len);
    if (!kept)
        return 0;
    return (*out = kl_core__strdup(kept)) ? 1 : kl_core__oom(c->ctx);
}

static int join_list_icu(composer *c, const char *loc, char **items, size_t n, char **out);

/* join_list_icu, kept for the thread: a review's contact hours are joined alike for every
 * member. */
static int join_list(composer *c, const char *loc, char **items, size_t n, char **out)
{
    *out = NULL;
    kl_buf k = KL_BUF_INIT;
    memo_key(&k, "list", loc, (const char *const *)items, n);
    int rc = memo_take(c, &k, out);
    if (rc == 0 && (rc = join_list_icu(c, loc, items, n, out)) == 0 && !k.oom)
        kl_catalog__memo_put(k.data, k.len, *out);
    kl_core__buf_free(&k);
    return rc < 0 ? rc : 0;
}

static int join_list_icu(composer *c, const char *loc, char **items, size_t n, char **out)
{
    *out = NULL;
    UChar(*u)[256] = kl_core__calloc(n ? n : 1, sizeof *u);
    const UChar **ptrs = kl_core__calloc(n ? n : 1, sizeof *ptrs);
    int32_t *lens = kl_core__calloc(n ? n : 1, sizeof *lens);
    UChar *res = kl_core__calloc(1024 * (n ? n : 1), sizeof *res);
    const UListFormatter *lf = NULL;
    kl_buf b = KL_BUF_INIT;
    int rc = 0;
    if (!u || !ptrs || !lens || !res) {
        rc = kl_core__oom(c->ctx);
        goto done;
    }
    UErrorCode st = U_ZERO_ERROR;
    for (size_t i = 0; i < n && U_SUCCESS(st); i++) {
        u_strFromUTF8(u[i], 256, &lens[i], items[i], -1, &st);
        ptrs[i] = u[i];
    }
    if (U_SUCCESS(st)) {
        int lst = kl_catalog__list_icu(loc, &lf); /* the thread's, kept */
        if (lst)
            st = (UErrorCode)lst;
    }
    int32_t cap = 1024 * (int32_t)(n ? n : 1);
    int32_t len = U_SUCCESS(st) ? ulistfmt_format(lf, ptrs, lens, (int32_t)n, res, cap, &st) : 0;
    if (U_FAILURE(st) || st == U_STRING_NOT_TERMINATED_WARNING) {
        rc = kl_core__error(c->ctx, KL_EBACKEND, at_node(c, NULL), NULL,
                            "ICU could not join the contact hours in locale %s: %s", c->locale,
                            u_errorName(st));
        goto done;
    }
    if ((rc = utf16_to_8(c, res, len, &b)) < 0)
        goto done;
    if (strncmp(loc, "cy", 2) == 0 && !isalpha((unsigned char)loc[2]))
        welsh_and(&b);
    *out = kl_core__buf_detach(&b);
done:
    kl_core__buf_free(&b);
    kl_free(u);
    kl_free(ptrs);
    kl_free(lens);
    kl_free(res);
    return rc;
}

/* The structured contact hours in the current language: day names from
 * ICU, the catalog's "{firstDay} to {lastDay}" for a range, times by ICU's
 * interval format in 24-hour form, as the review gives them ("09:00–16:00":
 * no "AM"/"PM", which ICU leaves in English for some languages), days and
 * lines joined by ICU's list format, each line by the catalog's
 * "{days}, {times}". */
/* One <hours> entry in the current language: its days ("Monday to
 * Thursday, Saturday") and times, by the catalog's "{days}, {times}". */
static int hours_line(composer *c, const char *loc, const char days[7][128],
                      const UDateIntervalFormat *itv, const kl_hours *k, char **line)
{
    char *spans[7] = {0};
    char *day_text = NULL, *kept = NULL;
    kl_buf times = KL_BUF_INIT, key = KL_BUF_INIT;
    UChar t[128];
    int32_t tl = 0;
    UErrorCode st = U_ZERO_ERROR;
    int rc = 0;
    assert(k->n_spans <= 7); /* kl_review__days: a day is named once */
    for (size_t i = 0; i < k->n_spans; i++) {
        int a = k->spans[i].first, b = k->spans[i].last;
        if (a == b) {
            if (!(spans[i] = kl_core__strdup(days[a]))) {
                rc = kl_core__oom(c->ctx);
                goto done;
            }
        } else {
            const char *names[] = {"firstDay", "lastDay"};
            char last[132];
            welsh_soft_mutation(loc, days[b], last, sizeof last);
            const char *vals[] = {days[a], last};
            if ((rc = message_with(c, "common.contact.hours.days", names, vals, 2, &spans[i])) < 0)
                goto done;
        }
    }
    if ((rc = join_list(c, loc, spans, k->n_spans, &day_text)) < 0)
        goto done;
    /* The times, kept for the thread (kl_catalog__memo_get) as join_list's lists are. */
    char range[48];
    snprintf(range, sizeof range, "%d:%d", k->from, k->to);
    const char *range_p = range;
    memo_key(&key, "times", loc, &range_p, 1);
    if ((rc = memo_take(c, &key, &kept)) < 0)
        goto done;
    if (kept) {
        kl_core__buf_puts(&times, kept);
        if (times.oom) {
            rc = kl_core__oom(c->ctx);
            goto done;
        }
    } else {
        tl = udtitvfmt_format(itv, k->from * 60000.0, k->to * 60000.0, t, 128, NULL, &st);
        if (U_FAILURE(st) || st == U_STRING_NOT_TERMINATED_WARNING) {
            rc = kl_core__error(c->ctx, KL_EBACKEND, at_node(c, NULL), NULL,
                                "ICU could not format the contact hours in locale %s: %s",
                                c->locale, u_errorName(st));
            goto done;
        }
        if ((rc = utf16_to_8(c, t, tl, &times)) < 0)
            goto done;
        if (!key.oom)
            kl_catalog__memo_put(key.data, key.len, times.data ? times.data : "");
    }
    const char *names[] = {"days", "times"};
    const char *vals[] = {day_text, times.data};
    rc = message_with(c, "common.contact.hours.entry", names, vals, 2, line);
done:
    kl_core__buf_free(&times);
    kl_core__buf_free(&key);
    kl_free(kept);
    kl_free(day_text);
    for (size_t i = 0; i < 7; i++)
        kl_free(spans[i]);
    return rc;
}

static int format_hours(composer *c, char **out)
{
    const kl_review_info *in = c->info;
    char loc[ULOC_FULLNAME_CAPACITY];
    format_locale(c->locale, loc, sizeof loc);
    /* The thread's formatters for the locale, made once (kept by the catalog module). */
    const kl_hours_icu *h = NULL;
    int hst = kl_catalog__hours_icu(loc, &h);
    if (hst)
        return kl_core__error(c->ctx, KL_EBACKEND, at_node(c, NULL), NULL,
                              "ICU has no day names or time format for locale %s: %s", c->locale,
                              u_errorName((UErrorCode)hst));
    char *lines[7] = {0};
    size_t n_lines = 0;
    int rc = 0;
    /* Each <hours> entry the review keeps names a day no earlier one did. */
    assert(in->n_hours <= 7);
    for (size_t i = 0; i < in->n_hours; i++) {
        if ((rc = hours_line(c, loc, h->days, h->times, &in->hours[i], &lines[n_lines])) < 0)
            goto done;
        n_lines++;
    }
    rc = join_list(c, loc, lines, n_lines, out);
done:
    for (size_t i = 0; i < 7; i++)
        kl_free(lines[i]);
    return rc;
}

static void free_terms(composer *c)
{
    for (size_t i = 0; i < sizeof c->terms / sizeof c->terms[0]; i++) {
        kl_free(c->terms[i]);
        c->terms[i] = NULL;
    }
}

/* Replace the review's title, role keywords and structured hours with the
 * current language's words (terms[0] title, [1] reviewer role, [2] contact
 * role, [3] hours). */
static int translate_terms(composer *c)
{
    const kl_review_info *in = c->info;
    free_terms(c);
    int rc;
    const char *key = kl_compose__title_key(c->member->title);
    char msgid[64];
    set_arg(c, "titleKey", key ? key : c->member->title ? c->member->title : "other");
    if (key) {
        snprintf(msgid, sizeof msgid, "common.title.%s", key);
        if ((rc = message(c, NULL, msgid, &c->terms[0], NULL)) < 0)
            return rc;
        set_arg(c, "memberTitle", c->terms[0]);
    }
    const char *role = kl_compose__role_msgid(in->reviewer_role);
    if (role) {
        if ((rc = message(c, NULL, role, &c->terms[1], NULL)) < 0)
            return rc;
        set_arg(c, "reviewerRole", c->terms[1]);
    }
    role = kl_compose__role_msgid(in->contact_role);
    if (role) {
        if ((rc = message(c, NULL, role, &c->terms[2], NULL)) < 0)
            return rc;
        set_arg(c, "contactRole", c->terms[2]);
    }
    if (in->n_hours) {
        if ((rc = format_hours(c, &c->terms[3])) < 0)
            return rc;
        set_arg(c, "contactHours", c->terms[3]);
    }
    return 0;
}

/* The interpreter's language named in the letter's language ("Polish",
 * "polski"); the tag itself when ICU cannot name it. */
static int name_interpreter_language(composer *c, const char *locale)
{
    const kl_member *m = c->member;
    kl_free(c->interpreter_language);
    c->interpreter_language = NULL;
    kl_buf b = KL_BUF_INIT;
    if (m->interpreter) {
        char il[ULOC_FULLNAME_CAPACITY], dl[ULOC_FULLNAME_CAPACITY];
        icu_locale(m->interpreter, il, sizeof il);
        icu_locale(locale, dl, sizeof dl);
        UChar name[64];
        UErrorCode st = U_ZERO_ERROR;
        int32_t n = uloc_getDisplayLanguage(il, dl, name, 64, &st);
        if (U_SUCCESS(st) && st != U_STRING_NOT_TERMINATED_WARNING) {
            int rc = utf16_to_8(c, name, n, &b);
            if (rc < 0) {
                kl_core__buf_free(&b);
                return rc;
            }
        } else {
            /* ICU cannot name it (no language names are near 64 units): the tag. */
            kl_core__buf_puts(&b, m->interpreter);
        }
    }
    if (!(c->interpreter_language = kl_core__buf_detach(&b)))
        return kl_core__oom(c->ctx);
    return 0;
}

static int set_language_args(composer *c, const char *locale)
{
    const kl_review_info *in = c->info;
    const kl_member *m = c->member;
    c->locale = locale;
    c->n_args = 0;
    c->n_untranslated = 0;

    int rc;
    if ((rc = name_interpreter_language(c, locale)) < 0)
        return rc;
    kl_free(c->child_full_name);
    kl_buf fn = KL_BUF_INIT;
    kl_core__buf_printf(&fn, "%s%s%s", in->subject_given, in->subject_family ? " " : "",
                        in->subject_family ? in->subject_family : "");
    if (!(c->child_full_name = kl_core__buf_detach(&fn)))
        return kl_core__oom(c->ctx);
    add_s(c, "childName", in->subject_given);
    add_s(c, "childFullName", c->child_full_name);
    add_s(c, "childGender", kl_gender_name(in->subject_gender));
    add_n(c, "childAge", in->subject_age);
    add_s(c, "outcome", in->subject_died ? "died" : "seriously_harmed");
    add_s(c, "reviewType", kl_review_type_name(in->type));
    add_s(c, "reviewId", in->id);
    add_s(c, "relationship", m->relationship);
    add_s(c, "memberGender", kl_gender_name(m->gender));
    add_s(c, "memberGiven", m->given);
    add_s(c, "memberFamily", m->family);
    add_s(c, "memberTitle", m->title);
    add_s(c, "titleKey", "other");
    add_s(c, "hasTitle", yes_no(m->title));
    add_s(c, "hasFamily", yes_no(m->family));
    add_n(c, "memberAge", m->age);
    add_s(c, "partnershipName", in->partnership_name);
    add_s(c, "partnershipPhone", in->partnership_phone);
    add_s(c, "partnershipEmail", in->partnership_email);
    add_s(c, "partnershipWeb", in->partnership_web);
    add_s(c, "hasWeb", yes_no(in->partnership_web));
    add_s(c, "reviewerName", in->reviewer_name);
    add_s(c, "reviewerRole", in->reviewer_role);
    add_s(c, "hasReviewer", yes_no(in->reviewer_name));
    add_s(c, "contactName", in->contact_name);
    add_s(c, "contactRole", in->contact_role);
    add_s(c, "contactPhone", in->contact_phone);
    add_s(c, "contactMobile", in->contact_mobile);
    add_s(c, "contactEmail", in->contact_email);
    add_s(c, "contactHours", in->contact_hours);
    add_s(c, "hasMobile", yes_no(in->contact_mobile));
    add_s(c, "hasHours", in->n_hours ? "yes" : yes_no(in->contact_hours));
    add_d(c, "letterDate", c->letter_date);
    add_d(c, "decidedDate", in->decided);
    add_d(c, "expectedEndDate", in->expected_end);
    add_d(c, "periodFrom", in->period_from);
    add_d(c, "periodTo", in->period_to);
    add_n(c, "agencyCount", (double)in->n_agencies);
    add_n(c, "serviceCount", (double)in->n_services);
    add_s(c, "publication",
          in->publication > 0    ? "planned"
          : in->publication == 0 ? "not_planned"
                                 : "undecided");
    add_s(c, "interpreter", yes_no(m->interpreter));
    add_s(c, "interpreterLanguage", c->interpreter_language);
    add_s(c, "channel", select_key(kl_channel_name(c->channel)));
    add_s(c, "professional", c->professional);
    add_s(c, "variant", select_key(kl_reading_name(c->variant)));
    return translate_terms(c);
}

/* ---- XPath ------------------------------------------------------------------ */

static int xpath_eval(composer *c, const kl_tnode *tn, xmlXPathCompExprPtr expr, const char *attr,
                      const char *src, xmlXPathObjectPtr *out)
{
    c->xp->node = c->ctx_node;
    c->xp->error = NULL;
    xmlResetError(&c->xp->lastError);
    xmlXPathObjectPtr r = xmlXPathCompiledEval(expr, c->xp);
    if (!r)
        return kl_core__error(c->ctx, KL_EFORMAT, at_node(c, tn), NULL,
                              "%s=\"%s\" could not be evaluated: %s", attr, src,
                              c->xp->lastError.message ? c->xp->lastError.message : "XPath error");
    *out = r;
    return 0;
}

/* 1 keep, 0 drop, <0 error. */
static int keep(composer *c, const kl_tnode *tn)
{
    if (!tn->when_expr)
        return 1;
    xmlXPathObjectPtr r = NULL;
    int rc = xpath_eval(c, tn, tn->when_expr, "when", tn->when, &r);
    if (rc)
        return rc;
    int b = xmlXPathCastToBoolean(r);
    xmlXPathFreeObject(r);
    return b ? 1 : 0;
}

/* ---- review data inside translated sentences (issue 14, item 4) ---------------- */

/* Invisible sentinels (Unicode noncharacters, never in a review or catalog
 * text) put around a value before formatting, so that where it lands in the
 * sentence can be found afterwards (mark_runs); they never leave compose. */
#define RUN_OPEN  "\xEF\xB7\x90" /* U+FDD0 */
#define RUN_CLOSE "\xEF\xB7\x91" /* U+FDD1 */
#define FSI_UTF8  "\xE2\x81\xA8" /* U+2068 FIRST STRONG ISOLATE */
#define PDI_UTF8  "\xE2\x81\xA9" /* U+2069 POP DIRECTIONAL ISOLATE */

/* Is argument name = v review free text that a letter not in English prints
 * as written (the fields `kinletter check` warns about, and the agencies'
 * and services' names)? element: an argument of the template element (the
 * agency or service of a list item). */
static bool untranslated_value(const composer *c, const char *name, const char *v, bool element)
{
    const kl_review_info *in = c->info;
    if (!v || !*v || strncmp(c->locale, "en", 2) == 0)
        return false;
    if (element) {
        for (size_t i = 0; i < in->n_agencies; i++)
            if (strcmp(v, in->agencies[i]) == 0)
                return true;
        for (size_t i = 0; i < in->n_services; i++)
            if (in->services[i].name && strcmp(v, in->services[i].name) == 0)
                return true;
        return false;
    }
    if (strcmp(name, "reviewerRole") == 0)
        return in->reviewer_role && !kl_compose__role_msgid(in->reviewer_role) &&
               strcmp(v, in->reviewer_role) == 0;
    if (strcmp(name, "contactRole") == 0)
        return in->contact_role && !kl_compose__role_msgid(in->contact_role) &&
               strcmp(v, in->contact_role) == 0;
    if (strcmp(name, "contactHours") == 0)
        return !in->n_hours && in->contact_hours && strcmp(v, in->contact_hours) == 0;
    if (strcmp(name, "memberTitle") == 0)
        return c->member->title && !kl_compose__title_key(c->member->title) &&
               strcmp(v, c->member->title) == 0;
    return false;
}

/* The formatted text with the sentinels taken out. Each value becomes an
 * isolated run (FSI value PDI; a right-to-left letter's formatter has
 * isolated it already: not twice) recorded in c->spans as English, except
 * in a text message (no screen reader; the marks would cost GSM-7) and when
 * the value is the whole text (then c->whole_data: the node's data_lang). */
static int mark_runs(composer *c, char **text)
{
    c->n_spans = 0;
    c->whole_data = false;
    const char *in = *text;
    if (!in || !strstr(in, RUN_OPEN))
        return 0;
    bool sms = c->channel == KL_CHANNEL_SMS;
    kl_buf b = KL_BUF_INIT;
    size_t i = 0;
    while (in[i]) {
        if (strncmp(in + i, RUN_OPEN, 3) != 0) {
            if (strncmp(in + i, RUN_CLOSE, 3) == 0)
                i += 3;
            else
                kl_core__buf_append(&b, in + i++, 1);
            continue;
        }
        const char *end = strstr(in + i + 3, RUN_CLOSE);
        size_t j = end ? (size_t)(end - in) : strlen(in);
        size_t after = end ? j + 3 : j;
        bool iso = b.len >= 3 && memcmp(b.data + b.len - 3, FSI_UTF8, 3) == 0 &&
                   strncmp(in + after, PDI_UTF8, 3) == 0;
        bool whole = b.len == (iso ? 3u : 0u) && in[after + (iso ? 3 : 0)] == '\0';
        bool marks = !iso && !whole && !sms;
        if (marks)
            kl_core__buf_puts(&b, FSI_UTF8);
        size_t start = b.len;
        kl_core__buf_append(&b, in + i + 3, j - i - 3);
        if (whole)
            c->whole_data = true;
        else if (!sms) {
            if (KL_GROW(c->spans, c->cap_spans, c->n_spans + 1) < 0) {
                kl_core__buf_free(&b);
                c->n_spans = 0;
                return kl_core__oom(c->ctx);
            }
            c->spans[c->n_spans++] = (kl_span){start, j - i - 3, "en-GB"};
        }
        if (marks)
            kl_core__buf_puts(&b, PDI_UTF8);
        i = after;
    }
    char *s = b.oom ? NULL : kl_core__strdup(b.data ? b.data : "");
    kl_core__buf_free(&b);
    if (!s) {
        c->n_spans = 0;
        return kl_core__oom(c->ctx);
    }
    kl_free(*text);
    *text = s;
    return 0;
}

/* "<sentinel>v<sentinel>", allocated, or NULL (out of memory). */
static char *wrap_value(const char *v)
{
    size_t n = strlen(v);
    char *w = kl_core__malloc(n + 7);
    if (w) {
        memcpy(w, RUN_OPEN, 3);
        memcpy(w + 3, v, n);
        memcpy(w + 3 + n, RUN_CLOSE, 4);
    }
    return w;
}

/* ---- messages ----------------------------------------------------------------- */

/* The element's own arguments (its <arg> elements, by XPath) into args
 * after the n standard ones; an element's argument replaces a standard one
 * of the same name. vals and strs keep what the arguments point into. */
static int element_args(composer *c, const kl_tnode *tn, kl_fmt_arg *args, size_t *n,
                        xmlXPathObjectPtr *vals, char **strs)
{
    assert(!tn || tn->n_args <= KL_TEMPLATE_MAX_ARGS); /* the template loader refuses more */
    size_t n_vals = 0;
    for (size_t i = 0; tn && i < tn->n_args; i++) {
        const kl_targ *a = &tn->args[i];
        xmlXPathObjectPtr r = NULL;
        int rc = xpath_eval(c, tn, a->expr, "select", a->select, &r);
        if (rc)
            return rc;
        size_t v = n_vals++;
        vals[v] = r;
        kl_fmt_arg fa = {a->name, KL_ARG_STRING, NULL, 0, {0, 0, 0}};
        if (r->type == XPATH_NUMBER) {
            fa.type = KL_ARG_NUMBER;
            fa.num = r->floatval;
        } else if (r->type == XPATH_BOOLEAN) {
            fa.s = r->boolval ? "yes" : "no";
        } else {
            xmlChar *s = xmlXPathCastToString(r);
            if (!s)
                return kl_core__oom(c->ctx);
            strs[v] = kl_core__strdup((const char *)s);
            xmlFree(s);
            if (!strs[v])
                return kl_core__oom(c->ctx);
            fa.s = strs[v];
        }
        size_t j = 0;
        while (j < *n && (args[j].name[0] != fa.name[0] || strcmp(args[j].name, fa.name) != 0))
            j++;
        args[j] = fa;
        if (j == *n)
            (*n)++;
    }
    return 0;
}

/* Review free text printed as written, wrapped in sentinels to be found
 * again after formatting (mark_runs); wrapped[i] keeps each copy. */
static int wrap_untranslated(composer *c, const kl_tnode *tn, kl_fmt_arg *args, size_t n,
                             char **wrapped)
{
    size_t std_args = c->n_args;
    for (size_t i = 0; i < n; i++) {
        bool element = i >= std_args || (tn && args[i].s != c->args[i].s);
        if (args[i].type != KL_ARG_STRING)
            continue;
        /* A standard argument's answer is the language's (set_untranslated), the same for
         * every message. */
        bool as_written = !element && i < c->n_untranslated
                              ? c->untranslated[i]
                              : untranslated_value(c, args[i].name, args[i].s, element);
        if (!as_written)
            continue;
        if (!(wrapped[i] = wrap_value(args[i].s)))
            return kl_core__oom(c->ctx);
        args[i].s = wrapped[i];
    }
    return 0;
}

/* msgid from the current language's catalog, or the fallback language's when
 * allowed (noted on the document, and warned about). */
static int lookup(composer *c, const kl_tnode *tn, const char *msgid, const kl_fmt_arg *args,
                  size_t n, char **out, char **lang_out)
{
    int rc;
    kl_msg_origin origin;
    rc = kl_catalog__message(c->ctx, c->cats, c->locale, c->variant, msgid, args, n, c->member->id,
                             out, &origin);
    if (rc == KL_ENOTFOUND && c->allow_fallback && strcmp(c->fallback_locale, c->locale) != 0) {
        rc = kl_catalog__message(c->ctx, c->cats, c->fallback_locale, c->variant, msgid, args, n,
                                 c->member->id, out, &origin);
        if (rc == 0) {
            kl_buf e = KL_BUF_INIT;
            kl_core__buf_printf(&e, "%s:%s", c->locale, msgid);
            if (e.oom || kl_doc__add_fallback(c->doc, e.data) ||
                (lang_out && kl_doc__set(lang_out, c->fallback_locale)))
                rc = kl_core__oom(c->ctx);
            kl_core__buf_free(&e);
            if (!rc)
                kl_core__warn(c->ctx, KL_SEVERITY_WARNING, at_node(c, tn),
                              "translate it so the whole letter is in one language",
                              "message '%s' is missing from the '%s' catalog: the %s text is "
                              "used (allow_language_fallback)",
                              msgid, c->locale, c->fallback_locale);
        }
    }
    if (rc == KL_ENOTFOUND) {
        if (!kl_catalog__has_locale(c->cats, c->locale))
            rc = kl_core__error(c->ctx, KL_ENOTFOUND, at_node(c, tn),
                                "add a catalog for this language (locales/<locale>.txt), or "
                                "compose with allow_language_fallback",
                                "no catalog for locale '%s' in %s: the letter cannot be written "
                                "in the member's language",
                                c->locale, kl_catalog_set_dir(c->cats));
        else
            rc = kl_core__error(c->ctx, KL_ENOTFOUND, at_node(c, tn),
                                "add the message to the catalog, or compose with "
                                "allow_language_fallback",
                                "message '%s' is missing from the '%s' catalog (variant %s): "
                                "a letter is never filled in from another language",
                                msgid, c->locale, kl_catalog__variant_key(c->variant));
    }
    return rc;
}

/* The standard arguments' untranslated_value, once a language's are made. */
static void set_untranslated(composer *c)
{
    for (size_t i = 0; i < c->n_args; i++)
        c->untranslated[i] = c->args[i].type == KL_ARG_STRING &&
                             untranslated_value(c, c->args[i].name, c->args[i].s, false);
    c->n_untranslated = c->n_args;
}

/* lookup with the standard arguments plus the element's own, review text wrapped to be found
 * again. */
static int lookup_own_args(composer *c, const kl_tnode *tn, const char *msgid, char **out,
                           char **lang_out)
{
    kl_fmt_arg args[MAX_ARGS + KL_TEMPLATE_MAX_ARGS];
    xmlXPathObjectPtr vals[KL_TEMPLATE_MAX_ARGS] = {0};
    char *strs[KL_TEMPLATE_MAX_ARGS] = {0};
    char *wrapped[MAX_ARGS + KL_TEMPLATE_MAX_ARGS] = {0};
    size_t n = c->n_args;
    memcpy(args, c->args, n * sizeof *args);
    int rc;
    if ((rc = element_args(c, tn, args, &n, vals, strs)) < 0 ||
        (rc = wrap_untranslated(c, tn, args, n, wrapped)) < 0 ||
        (rc = lookup(c, tn, msgid, args, n, out, lang_out)) < 0)
        goto done;
done:
    for (size_t i = 0; tn && i < tn->n_args; i++) { /* element_args fills one each */
        xmlXPathFreeObject(vals[i]);
        kl_free(strs[i]);
    }
    for (size_t i = 0; i < n; i++)
        kl_free(wrapped[i]);
    return rc;
}

/* Format msgid with the standard arguments plus the element's own. On a
 * fallback the node's language is set to the fallback locale. */
static int message(composer *c, const kl_tnode *tn, const char *msgid, char **out, char **lang_out)
{
    *out = NULL;
    /* No argument of its own, and nothing printed as written (untranslated_value: never in
     * English): the standard arguments as they are. */
    bool as_they_are = (!tn || !tn->n_args) && strncmp(c->locale, "en", 2) == 0;
    int rc = as_they_are ? lookup(c, tn, msgid, c->args, c->n_args, out, lang_out)
                         : lookup_own_args(c, tn, msgid, out, lang_out);
    if (!rc)
        rc = mark_runs(c, out);
    if (rc) {
        kl_free(*out);
        *out = NULL;
    }
    return rc;
}

static int add_message(composer *c, kl_node *parent, kl_node_kind kind, const kl_tnode *tn,
                       const char *msgid, kl_node **out)
{
    char *text = NULL, *lang = NULL;
    int rc = message(c, tn, msgid, &text, &lang);
    if (rc)
        return rc;
    kl_node *n = kl_doc__add(parent, kind, NULL);
    if (!n || kl_doc__set(&n->msgid, msgid)) {
        kl_free(text);
        kl_free(lang);
        return kl_core__oom(c->ctx);
    }
    n->text = text;
    n->lang = lang;
    if (c->n_spans) {
        if (!(n->spans = kl_core__malloc(c->n_spans * sizeof *n->spans)))
            return kl_core__oom(c->ctx);
        memcpy(n->spans, c->spans, c->n_spans * sizeof *n->spans);
        n->n_spans = c->n_spans;
    }
    if (c->whole_data && kl_doc__set(&n->data_lang, "en-GB"))
        return kl_core__oom(c->ctx);
    if (out)
        *out = n;
    return 0;
}

/* ---- blocks ------------------------------------------------------------------- */

static int add_line(composer *c, kl_node *parent, const char *text, const char *href)
{
    if (!text || !*text)
        return 0;
    kl_node *n = kl_doc__add(parent, KL_NODE_LINE, text);
    if (!n || (href && kl_doc__set(&n->href, href)))
        return kl_core__oom(c->ctx);
    return 0;
}

static int add_logo(composer *c, kl_node *parent)
{
    if (!c->info->logo_path)
        return 0;
    kl_node *f = kl_doc__add(parent, KL_NODE_FIGURE, NULL);
    if (!f || kl_doc__set(&f->src, c->info->logo_path) ||
        kl_doc__set(&f->alt, c->info->logo_alt ? c->info->logo_alt : c->info->partnership_name))
        return kl_core__oom(c->ctx);
    return 0;
}

static int letterhead(composer *c, kl_node *parent)
{
    const kl_review_info *in = c->info;
    kl_node *lh = kl_doc__add(parent, KL_NODE_LETTERHEAD, NULL);
    if (!lh)
        return kl_core__oom(c->ctx);
    int rc;
    if ((rc = add_logo(c, lh)) < 0 || (rc = add_line(c, lh, in->partnership_name, NULL)) < 0)
        return rc;
    for (size_t i = 0; i < in->partnership_address.n_lines; i++)
        if ((rc = add_line(c, lh, in->partnership_address.lines[i], NULL)) < 0)
            return rc;
    if ((rc = add_line(c, lh, in->partnership_address.town, NULL)) < 0 ||
        (rc = add_line(c, lh, in->partnership_address.postcode, NULL)) < 0)
        return rc;
    kl_buf tel = KL_BUF_INIT, mail = KL_BUF_INIT;
    kl_core__buf_puts(&tel, "tel:");
    for (const char *p = in->partnership_phone; p && *p; p++)
        if ((*p >= '0' && *p <= '9') || *p == '+')
            kl_core__buf_putc(&tel, *p);
    kl_core__buf_printf(&mail, "mailto:%s", in->partnership_email ? in->partnership_email : "");
    if (tel.oom || mail.oom) {
        rc = kl_core__oom(c->ctx);
        goto done;
    }
    if ((rc = add_line(c, lh, in->partnership_phone, tel.data)) < 0 ||
        (rc = add_line(c, lh, in->partnership_email, mail.data)) < 0 ||
        (rc = add_line(c, lh, in->partnership_web, in->partnership_web)) < 0)
        goto done;
done:
    kl_core__buf_free(&tel);
    kl_core__buf_free(&mail);
    return rc;
}

static int address_block(composer *c, kl_node *parent)
{
    /* Only the member's own address, only for post. */
    if (c->channel != KL_CHANNEL_POST || !c->address)
        return 0;
    const kl_member *m = c->member;
    kl_node *ad = kl_doc__add(parent, KL_NODE_ADDRESS, NULL);
    if (!ad)
        return kl_core__oom(c->ctx);
    kl_buf name = KL_BUF_INIT;
    if (m->title)
        kl_core__buf_printf(&name, "%s ", m->title);
    kl_core__buf_puts(&name, m->given);
    if (m->family)
        kl_core__buf_printf(&name, " %s", m->family);
    int rc = name.oom ? kl_core__oom(c->ctx) : add_line(c, ad, name.data, NULL);
    kl_core__buf_free(&name);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < c->address->n_lines; i++)
        if ((rc = add_line(c, ad, c->address->lines[i], NULL)) < 0)
            return rc;
    if ((rc = add_line(c, ad, c->address->town, NULL)) < 0 ||
        (rc = add_line(c, ad, c->address->postcode, NULL)) < 0)
        return rc;
    c->doc->has_address = 1;
    return 0;
}

static int row_href(composer *c, kl_node *row, const char *kind)
{
    if (!kind || !row->text)
        return 0;
    kl_buf h = KL_BUF_INIT;
    if (strcmp(kind, "tel") == 0) {
        kl_core__buf_puts(&h, "tel:");
        for (const char *p = row->text; *p; p++)
            if ((*p >= '0' && *p <= '9') || *p == '+')
                kl_core__buf_putc(&h, *p);
    } else if (strcmp(kind, "mailto") == 0) {
        kl_core__buf_printf(&h, "mailto:%s", row->text);
    } else {
        kl_core__buf_puts(&h, row->text);
    }
    int rc = h.oom ? kl_core__oom(c->ctx) : kl_doc__set(&row->href, h.data);
    kl_core__buf_free(&h);
    return rc ? kl_core__oom(c->ctx) : 0;
}

static int compose_nodes(composer *c, const kl_tnode *tn, kl_node *parent);

/* In a letter that is not in English, a text that is wholly review data the
 * catalogs cannot translate (an agency's name, a free-text role or hours) is
 * marked as English for the PDF (/Lang), so a screen reader reads it in an
 * English voice. */
static int mark_data_english(composer *c, kl_node *n)
{
    const kl_review_info *in = c->info;
    if (!n || !n->text || strncmp(c->locale, "en", 2) == 0)
        return 0;
    bool data = false;
    for (size_t i = 0; i < in->n_agencies && !data; i++)
        data = strcmp(n->text, in->agencies[i]) == 0;
    data |= in->contact_hours && !in->n_hours && strcmp(n->text, in->contact_hours) == 0;
    data |= in->contact_role && !c->terms[2] && strcmp(n->text, in->contact_role) == 0;
    data |= in->reviewer_role && !c->terms[1] && strcmp(n->text, in->reviewer_role) == 0;
    if (data && kl_doc__set(&n->data_lang, "en-GB"))
        return kl_core__oom(c->ctx);
    return 0;
}

static int compose_item(composer *c, const kl_tnode *item, kl_node *list)
{
    int k = keep(c, item);
    if (k <= 0)
        return k;
    kl_node *n = NULL;
    int rc;
    if ((rc = add_message(c, list, KL_NODE_ITEM, item, item->msg, &n)) < 0)
        return rc;
    return mark_data_english(c, n);
}

static int compose_list(composer *c, const kl_tnode *tn, kl_node *parent)
{
    kl_node *list = kl_doc__add(parent, KL_NODE_LIST, NULL);
    if (!list)
        return kl_core__oom(c->ctx);
    list->ordered = tn->ordered;
    int rc = 0;
    if (tn->each_expr) {
        xmlXPathObjectPtr r = NULL;
        rc = xpath_eval(c, tn, tn->each_expr, "each", tn->each, &r);
        if (rc)
            return rc;
        if (r->type != XPATH_NODESET) {
            xmlXPathFreeObject(r);
            return kl_core__error(c->ctx, KL_EFORMAT, at_node(c, tn), "each must select nodes",
                                  "each=\"%s\" is not a node-set", tn->each);
        }
        xmlNodePtr saved = c->ctx_node;
        int size = r->nodesetval ? r->nodesetval->nodeNr : 0;
        for (int i = 0; i < size && !rc; i++) {
            c->ctx_node = r->nodesetval->nodeTab[i];
            c->xp->contextSize = size;
            c->xp->proximityPosition = i + 1;
            for (const kl_tnode *it = tn->first; it && !rc; it = it->next)
                rc = compose_item(c, it, list);
        }
        c->ctx_node = saved;
        c->xp->contextSize = -1;
        c->xp->proximityPosition = -1;
        xmlXPathFreeObject(r);
    } else {
        for (const kl_tnode *it = tn->first; it && !rc; it = it->next)
            rc = compose_item(c, it, list);
    }
    if (!rc && !list->first)
        kl_doc__drop(list); /* an empty list says nothing */
    return rc;
}

/* ---- the member's questions and answers ------------------------------------------ */

static bool own_qa(const composer *c, const kl_letter_qa *q)
{
    return q->question && (!q->member_id || strcmp(q->member_id, c->member->id) == 0);
}

/* A text as the member (or the review) wrote it, marked as its language so
 * the PDF's /Lang and the line breaking follow it, not the letter's. */
static int add_written(composer *c, kl_node *parent, const char *text, const char *lang)
{
    const char *tag = lang && *lang ? lang : "en-GB";
    char loc[ULOC_FULLNAME_CAPACITY];
    int32_t parsed = 0;
    UErrorCode st = U_ZERO_ERROR;
    uloc_forLanguageTag(tag, loc, sizeof loc, &parsed, &st);
    if (U_FAILURE(st) || parsed != (int32_t)strlen(tag))
        return kl_core__error(c->ctx, KL_EINVAL, at_node(c, NULL),
                              "give the language of a question or answer as a BCP 47 tag (\"pl\")",
                              "the language of a question or answer is not a BCP 47 tag");
    /* In another language than the letter's, the text stands between FSI and
     * PDI, so a plain-text reader showing a right-to-left letter keeps an
     * English question's order (and a left-to-right one an Urdu question's). */
    size_t a = strcspn(tag, "-_"), b = strcspn(c->locale, "-_");
    bool other = a != b || strncasecmp(tag, c->locale, a) != 0;
    kl_buf t = KL_BUF_INIT;
    kl_core__buf_printf(&t, "%s%s%s", other ? "\xE2\x81\xA8" : "", text,
                        other ? "\xE2\x81\xA9" : "");
    kl_node *n = t.oom ? NULL : kl_doc__add(parent, KL_NODE_PARAGRAPH, t.data);
    kl_core__buf_free(&t);
    if (!n || kl_doc__set(&n->lang, tag))
        return kl_core__oom(c->ctx);
    return 0;
}

static int add_label(composer *c, kl_node *parent, const kl_tnode *tn, const char *msgid)
{
    kl_node *n = NULL;
    int rc;
    if ((rc = add_message(c, parent, KL_NODE_PARAGRAPH, tn, msgid, &n)) < 0)
        return rc;
    n->keep_with_next = 1; /* never a label alone at the foot of a page */
    return 0;
}

/* <questions>: a section with a heading and, per question of this member in
 * order, "You asked us:" + the question, then the answer's label + the
 * answer (or the `open` message while there is none). Nothing when the
 * member asked nothing. */
static int compose_questions(composer *c, const kl_tnode *tn, kl_node *parent)
{
    size_t mine = 0;
    for (size_t i = 0; i < c->n_qa; i++)
        mine += own_qa(c, &c->qa[i]);
    if (!mine)
        return 0;
    kl_node *sec = kl_doc__add(parent, KL_NODE_SECTION, NULL);
    if (!sec)
        return kl_core__oom(c->ctx);
    kl_node *h = NULL;
    int rc;
    if ((rc = add_message(c, sec, KL_NODE_HEADING, tn, tn->msg, &h)) < 0)
        return rc;
    h->level = tn->level;
    h->keep_with_next = 1;
    for (size_t i = 0; i < c->n_qa; i++) {
        const kl_letter_qa *q = &c->qa[i];
        if (!own_qa(c, q))
            continue;
        if ((rc = add_label(c, sec, tn, tn->asked)) < 0 ||
            (rc = add_written(c, sec, q->question, q->question_lang)) < 0)
            return rc;
        if (q->answer && *q->answer) {
            if ((rc = add_label(c, sec, tn, tn->answer)) < 0 ||
                (rc = add_written(c, sec, q->answer, q->answer_lang)) < 0)
                return rc;
        } else if ((rc = add_message(c, sec, KL_NODE_PARAGRAPH, tn, tn->open_msg, NULL)) < 0) {
            return rc;
        }
    }
    return 0;
}

/* An Easy Read point: its picture (alt text from the catalog, in the letter's
 * language), a hard word in bold if it has one, and the point itself. */
static int compose_point(composer *c, const kl_tnode *tn, kl_node *parent)
{
    if (!tn->picture_path)
        return kl_core__error(
            c->ctx, KL_ENOTFOUND, at_node(c, tn),
            "build kinletter (it makes the pictures from templates/pictures/*.svg) "
            "or install it",
            "picture '%s' is not on the data path (templates/pictures/%s.png)", tn->picture,
            tn->picture);
    char *alt = NULL, *lang = NULL;
    int rc = message(c, tn, tn->alt_msg, &alt, &lang);
    if (rc)
        return rc;
    kl_node *pt = kl_doc__add(parent, KL_NODE_POINT, NULL);
    kl_node *f = pt ? kl_doc__add(pt, KL_NODE_FIGURE, NULL) : NULL;
    if (!f || kl_doc__set(&f->src, tn->picture_path)) {
        kl_free(alt);
        kl_free(lang);
        return kl_core__oom(c->ctx);
    }
    f->alt = alt;
    f->lang = lang;
    kl_node *term = NULL;
    if (tn->term) {
        if ((rc = add_message(c, pt, KL_NODE_PARAGRAPH, tn, tn->term, &term)) < 0)
            return rc;
        term->strong = 1;
    }
    if ((rc = add_message(c, pt, KL_NODE_PARAGRAPH, tn, tn->msg, NULL)) < 0)
        return rc;
    /* A detail (contact hours) is a line of data, not a sentence. */
    if (!tn->detail)
        return 0;
    if ((rc = add_message(c, pt, KL_NODE_LINE, tn, tn->detail, NULL)) < 0)
        return rc;
    return mark_data_english(c, pt->last);
}

/* The letter date in the letter's language. */
static int compose_date(composer *c, kl_node *parent)
{
    char *text = NULL;
    int rc;
    if ((rc = format_date(c, c->letter_date, &text)) < 0)
        return rc;
    kl_node *n = kl_doc__add(parent, KL_NODE_DATE, NULL);
    if (!n) {
        kl_free(text);
        return kl_core__oom(c->ctx);
    }
    n->text = text;
    return 0;
}

/* <contact>: a row (label, value, link) per row kept; nothing when none is. */
static int compose_contact(composer *c, const kl_tnode *tn, kl_node *parent)
{
    kl_node *n = kl_doc__add(parent, KL_NODE_CONTACT, NULL);
    if (!n)
        return kl_core__oom(c->ctx);
    char *label = NULL;
    int rc = 0;
    for (const kl_tnode *r = tn->first; r; r = r->next) {
        if ((rc = keep(c, r)) < 0)
            goto done;
        if (rc == 0)
            continue;
        kl_node *row = NULL;
        char *lang = NULL;
        rc = message(c, r, r->label, &label, &lang);
        kl_free(lang);
        if (rc < 0 || (rc = add_message(c, n, KL_NODE_ROW, r, r->msg, &row)) < 0)
            goto done;
        row->label = label;
        label = NULL;
        if ((rc = row_href(c, row, r->href)) < 0 || (rc = mark_data_english(c, row)) < 0)
            goto done;
    }
    if (!n->first)
        kl_doc__drop(n);
done:
    kl_free(label);
    return rc;
}

/* <signature>: the closing line, the family contact's name and role. */
static int compose_signature(composer *c, const kl_tnode *tn, kl_node *parent)
{
    kl_node *n = kl_doc__add(parent, KL_NODE_SIGNATURE, NULL);
    if (!n)
        return kl_core__oom(c->ctx);
    kl_node *line = NULL;
    int rc;
    if ((rc = add_message(c, n, KL_NODE_LINE, tn, tn->msg, &line)) < 0 ||
        (rc = add_line(c, n, c->info->contact_name, NULL)) < 0 ||
        (rc = add_line(c, n, c->terms[2] ? c->terms[2] : c->info->contact_role, NULL)) < 0)
        return rc;
    return mark_data_english(c, n->last);
}

static int compose_node(composer *c, const kl_tnode *tn, kl_node *parent)
{
    int k = keep(c, tn);
    if (k <= 0)
        return k;
    kl_node *n = NULL;
    int rc = 0;
    switch (tn->kind) {
    case KL_T_LETTERHEAD:
        return letterhead(c, parent);
    case KL_T_ADDRESS:
        return address_block(c, parent);
    case KL_T_DATE:
        return compose_date(c, parent);
    case KL_T_REFERENCE:
        return add_message(c, parent, KL_NODE_REFERENCE, tn, tn->msg, NULL);
    case KL_T_SALUTATION:
        return add_message(c, parent, KL_NODE_SALUTATION, tn, tn->msg, NULL);
    case KL_T_SECTION:
        n = kl_doc__add(parent, KL_NODE_SECTION, NULL);
        if (!n)
            return kl_core__oom(c->ctx);
        if ((rc = compose_nodes(c, tn->first, n)) < 0)
            return rc;
        if (!n->first)
            kl_doc__drop(n); /* an empty section says nothing */
        return 0;
    case KL_T_HEADING:
        if ((rc = add_message(c, parent, KL_NODE_HEADING, tn, tn->msg, &n)) < 0)
            return rc;
        n->level = tn->level;
        n->keep_with_next = 1;
        return 0;
    case KL_T_P:
        return add_message(c, parent, KL_NODE_PARAGRAPH, tn, tn->msg, NULL);
    case KL_T_LIST:
        return compose_list(c, tn, parent);
    case KL_T_CONTACT:
        return compose_contact(c, tn, parent);
    case KL_T_SIGNATURE:
        return compose_signature(c, tn, parent);
    case KL_T_FIGURE:
        return add_logo(c, parent);
    case KL_T_PAGE_BREAK:
        return kl_doc__add(parent, KL_NODE_PAGE_BREAK, NULL) ? 0 : kl_core__oom(c->ctx);
    case KL_T_QUESTIONS:
        return compose_questions(c, tn, parent);
    case KL_T_POINT:
        return compose_point(c, tn, parent);
    case KL_T_CREDIT:
        if ((rc = add_message(c, parent, KL_NODE_PARAGRAPH, tn, tn->msg, &n)) < 0)
            return rc;
        n->small = 1;
        return 0;
    case KL_T_SMS:
    case KL_T_ITEM:
    case KL_T_ROW:
        return 0;
    }
    return 0;
}

static int compose_nodes(composer *c, const kl_tnode *tn, kl_node *parent)
{
    int rc = 0;
    for (; tn && !rc; tn = tn->next)
        rc = compose_node(c, tn, parent);
    return rc;
}

/* Letterhead, address, date and logo come once, at the top, before the
 * first language's text. */
static bool is_top(const kl_tnode *tn)
{
    return tn->kind == KL_T_LETTERHEAD || tn->kind == KL_T_ADDRESS || tn->kind == KL_T_DATE ||
           tn->kind == KL_T_FIGURE;
}

/* The language's turn: $locale for the template's conditions, and its arguments. A letter
 * takes a language's turn up to three times (titles, the top, the body); its arguments, the
 * translated terms and the contact hours, are the same each time, so they are made again
 * only when the last turn's made a diagnostic or a fallback (which each turn repeats: the
 * warnings and the letter's list of fallbacks stay as they were). */
static int set_locale_var(composer *c, const char *locale)
{
    xmlXPathObjectPtr v = xmlXPathNewCString(locale);
    if (!v || xmlXPathRegisterVariable(c->xp, BAD_CAST "locale", v) != 0) {
        xmlXPathFreeObject(v);
        return kl_core__oom(c->ctx);
    }
    if (c->args_reusable && c->locale && strcmp(c->locale, locale) == 0)
        return 0;
    size_t diags = kl_context_count(c->ctx, KL_SEVERITY_NOTE);
    size_t fallbacks = c->doc ? c->doc->n_fallbacks : 0;
    c->args_reusable = false;
    int rc = set_language_args(c, locale);
    if (rc == 0)
        set_untranslated(c);
    c->args_reusable = rc == 0 && kl_context_count(c->ctx, KL_SEVERITY_NOTE) == diags &&
                       (c->doc ? c->doc->n_fallbacks : 0) == fallbacks;
    return rc;
}

/* Format msgid in the current language and add it to *field, after what
 * earlier languages gave, separated by sep. */
static int join_text(composer *c, const char *msgid, const char *sep, char **field)
{
    if (!msgid)
        return 0;
    char *text = NULL;
    int rc = message(c, NULL, msgid, &text, NULL);
    if (rc)
        return rc;
    if (!*field) {
        *field = text;
        return 0;
    }
    kl_buf b = KL_BUF_INIT;
    kl_core__buf_printf(&b, "%s%s%s", *field, sep, text);
    kl_free(text);
    if (b.oom)
        return kl_core__oom(c->ctx);
    kl_free(*field);
    *field = kl_core__buf_detach(&b);
    return 0;
}

static int join_title(composer *c, const kl_tnode *where, const char *msgid, char **field)
{
    if (!msgid)
        return 0;
    char *text = NULL;
    int rc = message(c, NULL, msgid, &text, NULL);
    (void)where;
    if (rc)
        return rc;
    if (!*field) {
        *field = text;
        return 0;
    }
    kl_buf b = KL_BUF_INIT;
    kl_core__buf_printf(&b, "%s / %s", *field, text);
    kl_free(text);
    if (b.oom)
        return kl_core__oom(c->ctx);
    kl_free(*field);
    *field = kl_core__buf_detach(&b);
    return 0;
}

/* ---- the disclosure check on a composed letter --------------------------------------- */

static void tree_put(kl_buf *b, const char *s)
{
    if (s && *s) {
        kl_core__buf_puts(b, s);
        kl_core__buf_putc(b, '\n');
    }
}

/* Every string of the tree a renderer can print or put in a file (text,
 * labels, links, alt text, title, subject, email intro, text message), one a
 * line, into b: 0 or KL_ENOMEM (reported). */
static int tree_text(kl_context *ctx, const kl_doc *doc, kl_buf *b)
{
    tree_put(b, doc->title);
    tree_put(b, doc->author);
    tree_put(b, doc->subject);
    tree_put(b, doc->email_intro);
    tree_put(b, doc->sms);
    for (const kl_node *n = doc->root; n; n = kl_doc__next(doc->root, n)) {
        tree_put(b, n->text);
        tree_put(b, n->label);
        tree_put(b, n->href);
        tree_put(b, n->alt);
    }
    if (b->oom) {
        kl_core__buf_free(b);
        return kl_core__oom(ctx);
    }
    return 0;
}

/* The check on the tree's text; a text that passes is handed to *passed when
 * passed is not NULL (else freed). */
static int check_tree(kl_context *ctx, const kl_doc *doc, const kl_disclosure *d, size_t reader,
                      kl_where w, kl_buf *passed)
{
    kl_buf b = KL_BUF_INIT;
    int rc;
    if ((rc = tree_text(ctx, doc, &b)) < 0)
        return rc;
    rc = kl_disclosure__scan(ctx, d, reader, 0, b.data ? b.data : "", b.len, w,
                             "the letter for this member");
    if (rc == 0 && passed)
        *passed = b;
    else
        kl_core__buf_free(&b);
    return rc;
}

int kl_compose__check_doc(kl_context *ctx, const kl_doc *doc, const kl_disclosure *d, size_t reader,
                          kl_where w)
{
    return check_tree(ctx, doc, d, reader, w, NULL);
}

/* The caller's options: a version 1 caller's fields (before `qa`), defaults
 * for the rest. */
static kl_letter_options letter_options(const kl_letter_options *opts)
{
    kl_letter_options o = KL_LETTER_OPTIONS_INIT;
    if (opts && opts->version == 1) /* before `qa` */
        memcpy(&o, opts, offsetof(kl_letter_options, qa));
    else if (opts)
        o = *opts;
    return o;
}

/* The composer for one letter: the reading variant, the date, the member's
 * postal address and professional. 0, or the error (nothing to free). */
static int start_letter(composer *c, kl_context *ctx, const kl_template *tpl,
                        const kl_review *review, const kl_member *member, kl_channel channel,
                        kl_catalog_set *catalogs, const kl_letter_options *opts, kl_where mw)
{
    memset(c, 0, sizeof *c);
    c->ctx = ctx;
    c->tpl = tpl;
    c->review = review;
    c->info = kl_review__info(review);
    c->member = member;
    c->channel = channel;
    c->cats = catalogs;
    c->allow_fallback = opts->allow_language_fallback;
    c->fallback_locale = opts->fallback_locale ? opts->fallback_locale : "en-GB";
    c->qa = opts->qa;
    c->n_qa = opts->qa ? opts->n_qa : 0;
    if ((unsigned)channel > KL_CHANNEL_VIA_PROFESSIONAL)
        return kl_core__error(ctx, KL_EINVAL, KL_NOWHERE, "pass one of the kl_channel values",
                              "channel %d is not a kl_channel", (int)channel);
    if (opts->variant < -1 || opts->variant > KL_READING_EASY_READ)
        return kl_core__error(ctx, KL_EINVAL, KL_NOWHERE,
                              "pass -1 (the member's reading need) or a kl_reading value",
                              "reading variant %d is not a kl_reading", opts->variant);
    c->variant = opts->variant >= 0 ? (kl_reading)opts->variant : member->reading;
    c->letter_date = c->info->letter;
    if (opts->date) {
        int dr = parse_date(opts->date, &c->letter_date);
        if (dr == -2)
            return kl_core__error(ctx, KL_EINVAL, KL_NOWHERE,
                                  "give a day that exists in that month",
                                  "letter date '%.10s' is not a calendar date", opts->date);
        if (dr)
            return kl_core__error(ctx, KL_EINVAL, KL_NOWHERE, "write the date as YYYY-MM-DD",
                                  "the letter date is not written as YYYY-MM-DD");
    }

    for (size_t i = 0; i < member->n_contacts; i++) {
        const kl_contact *ct = &member->contacts[i];
        if (ct->channel == KL_CHANNEL_POST && ct->address && !c->address)
            c->address = ct->address;
        if (ct->channel == KL_CHANNEL_VIA_PROFESSIONAL && ct->professional && !c->professional)
            c->professional = ct->professional;
    }
    if (channel == KL_CHANNEL_POST && !c->address)
        return kl_core__error(ctx, KL_EDATA, mw, "add the member's postal address to the review",
                              "no postal address: no letter for the post");
    if (channel == KL_CHANNEL_SMS && !tpl->sms)
        return kl_core__error(ctx, KL_ENOTFOUND, KL_AT(tpl->source, 0, 0), "add an <sms> element",
                              "template '%s' has no text message", tpl->name);
    return 0;
}

/* A catalog for each of the member's languages (unless falling back is
 * allowed), and Easy Read where the member needs it. */
static int check_languages(composer *c, const char *const *langs, size_t n_langs, kl_where mw)
{
    for (size_t l = 0; l < n_langs; l++)
        if (!c->allow_fallback && !kl_catalog__has_locale(c->cats, langs[l]))
            return kl_core__error(
                c->ctx, KL_ENOTFOUND, mw,
                "add a catalog for the language (locales/<locale>.txt), or compose "
                "with allow_language_fallback",
                "no catalog for language '%s' in %s: the letter cannot be written "
                "in the member's language",
                langs[l], kl_catalog_set_dir(c->cats));

    /* Easy Read fails closed: never standard reading, never another
     * language's Easy Read (docs/ACCESSIBILITY.md). */
    if (c->variant != KL_READING_EASY_READ)
        return 0;
    if (!c->tpl->easy)
        return kl_core__error(c->ctx, KL_ENOTFOUND, mw,
                              "add an <easy-read> version to the template (docs/TEMPLATES.md)",
                              "the member needs Easy Read, but template '%s' has no Easy Read "
                              "version: no letter is written",
                              c->tpl->name);
    for (size_t l = 0; l < n_langs; l++)
        if (!kl_catalog__has_variant(c->cats, langs[l], KL_READING_EASY_READ))
            return kl_core__error(c->ctx, KL_ENOTFOUND, mw,
                                  "add an easy_read table to the language's catalog "
                                  "(docs/TRANSLATING.md), or arrange Easy Read another way",
                                  "the member needs Easy Read, but the catalog for language '%s' "
                                  "has no easy_read table: no letter is written (never standard "
                                  "reading or English instead)",
                                  langs[l]);
    return 0;
}

/* The document and its metadata, and the XPath context the template's
 * conditions see (the review, the member, channel, variant, language...). */
static int start_doc(composer *c, const char *lang)
{
    const kl_member *member = c->member;
    c->doc = kl_doc__new(lang);
    if (!c->doc)
        return kl_core__oom(c->ctx);
    kl_doc *doc = c->doc;
    doc->channel = (int)c->channel;
    doc->body_pt = member->print_size > 0 ? member->print_size : 14;
    /* Easy Read: at least 16 pt; a larger size the member asked for stays. */
    if (c->variant == KL_READING_EASY_READ && doc->body_pt < 16)
        doc->body_pt = 16;
    if (kl_doc__set(&doc->author, c->info->partnership_name) ||
        kl_doc__set(&doc->member_id, member->id) || kl_doc__set(&doc->template_name, c->tpl->name))
        return kl_core__oom(c->ctx);

    /* The review with only this member in it: no other member's details to read. */
    xmlNodePtr mnode = NULL;
    c->view = kl_review__member_doc(c->review, member, &mnode);
    c->xp = c->view ? kl_template__xpath_take(c->view, mnode, kl_channel_name(c->channel),
                                              kl_reading_name(c->variant), lang,
                                              c->info->subject_died ? "died" : "seriously-harmed",
                                              kl_review_type_name(c->info->type))
                    : NULL;
    if (!c->xp)
        return kl_core__oom(c->ctx);
    c->ctx_node = (xmlNodePtr)c->view;
    return 0;
}

/* The title, subject and email introduction, each language's in turn. */
static int compose_titles(composer *c, const char *const *langs, size_t n_langs)
{
    kl_doc *doc = c->doc;
    const kl_template *tpl = c->tpl;
    int rc;
    for (size_t l = 0; l < n_langs; l++) {
        if ((rc = set_locale_var(c, langs[l])) < 0 ||
            (rc = join_title(c, NULL, tpl->title_msg, &doc->title)) < 0)
            return rc;
        if (c->channel != KL_CHANNEL_SMS &&
            (rc = join_title(c, NULL, tpl->subject_msg, &doc->subject)) < 0)
            return rc;
        if (c->channel == KL_CHANNEL_EMAIL &&
            (rc = join_text(c, tpl->email_intro_msg, "\n\n", &doc->email_intro)) < 0)
            return rc;
    }
    return 0;
}

/* Page numbers in the letter's (first) language; the PDF formats them. */
static int page_pattern(composer *c, const char *lang)
{
    const kl_member *member = c->member;
    kl_doc *doc = c->doc;
    kl_msg_origin origin;
    int rc = kl_catalog__lookup(c->ctx, c->cats, lang, c->variant, "common.page",
                                &doc->page_pattern, &origin);
    if (rc == KL_ENOTFOUND && c->allow_fallback)
        rc = kl_catalog__lookup(c->ctx, c->cats, c->fallback_locale, c->variant, "common.page",
                                &doc->page_pattern, &origin);
    if (rc == KL_ENOTFOUND)
        return kl_core__error(c->ctx, KL_ENOTFOUND,
                              (kl_where){member->source, member->line, member->column, member->id},
                              "add common.page (\"Page {page} of {pages}\") to the catalog",
                              "message 'common.page' is missing from the '%s' catalog", lang);
    if (rc)
        return rc;
    if (kl_doc__set(&doc->page_lang, origin.icu_locale[0] ? origin.icu_locale : lang))
        return kl_core__oom(c->ctx);
    return 0;
}

/* The text message: each language's in turn (the first one's length kept). */
static int compose_sms(composer *c, const char *const *langs, size_t n_langs)
{
    const kl_tnode *sms_node = c->tpl->sms;
    kl_buf sms = KL_BUF_INIT;
    char *text = NULL;
    int rc = 0;
    for (size_t l = 0; l < n_langs; l++) {
        if ((rc = set_locale_var(c, langs[l])) < 0 || (rc = keep(c, sms_node)) < 0)
            goto done;
        if (rc == 0)
            continue; /* not in this language */
        if ((rc = message(c, sms_node, sms_node->msg, &text, NULL)) < 0)
            goto done;
        if (text) {
            if (sms.len)
                kl_core__buf_puts(&sms, "\n\n");
            kl_core__buf_puts(&sms, text);
            if (l == 0)
                c->doc->sms_first_len = sms.len;
        }
        kl_free(text);
        text = NULL;
    }
    if (sms.oom) {
        rc = kl_core__oom(c->ctx);
        goto done;
    }
    c->doc->sms = kl_core__buf_detach(&sms);
done:
    kl_free(text);
    kl_core__buf_free(&sms);
    return rc;
}

/* The body: letterhead, address, date and logo once, then the rest in each
 * language (a section of its own in a bilingual letter). */
static int compose_body(composer *c, const char *const *langs, size_t n_langs)
{
    kl_doc *doc = c->doc;
    const kl_tnode *body = c->variant == KL_READING_EASY_READ ? c->tpl->easy : c->tpl->body;
    int rc;
    if ((rc = set_locale_var(c, langs[0])) < 0)
        return rc;
    for (; body && is_top(body); body = body->next)
        if ((rc = compose_node(c, body, doc->root)) < 0)
            return rc;
    for (size_t l = 0; l < n_langs; l++) {
        if ((rc = set_locale_var(c, langs[l])) < 0)
            return rc;
        kl_node *into = doc->root;
        if (n_langs > 1) {
            into = kl_doc__add(doc->root, KL_NODE_SECTION, NULL);
            if (!into || kl_doc__set(&into->lang, langs[l]))
                return kl_core__oom(c->ctx);
        }
        if ((rc = compose_nodes(c, body, into)) < 0)
            return rc;
    }
    return 0;
}

/* kl_compose__letter; the tree's text as the disclosure check passed it into
 * *checked when checked is not NULL. */
static int compose_letter(kl_context *ctx, const kl_template *tpl, const kl_review *review,
                          const kl_member *member, kl_channel channel, kl_catalog_set *catalogs,
                          const kl_letter_options *opts, kl_doc **out, kl_buf *checked)
{
    if (!ctx || !tpl || !review || !member || !catalogs || !out)
        return KL_EINVAL;
    *out = NULL;
    kl_letter_options o = letter_options(opts);
    kl_where mw = KL_AT(member->source, member->line, member->column);
    mw.member_id = member->id;

    if (member->contact_none || !member->locale)
        return kl_core__error(ctx, KL_EDATA, mw, NULL, "not to be contacted: no letter is written");
    if (!kl_review_member_ok(review, member))
        return kl_core__error(ctx, KL_EDATA, mw, "correct the member's data in the review file",
                              "the member's data has errors: no letter is written");
    composer c;
    int rc;
    if ((rc = start_letter(&c, ctx, tpl, review, member, channel, catalogs, &o, mw)) < 0)
        return rc;
    const char *const langs[2] = {member->locale, member->also};
    size_t n_langs = member->also ? 2 : 1;
    if ((rc = check_languages(&c, langs, n_langs, mw)) < 0)
        return rc;

    if ((rc = start_doc(&c, langs[0])) < 0 || (rc = compose_titles(&c, langs, n_langs)) < 0)
        goto done;
    if (channel == KL_CHANNEL_SMS) {
        if ((rc = compose_sms(&c, langs, n_langs)) < 0)
            goto done;
    } else if ((rc = page_pattern(&c, langs[0])) < 0 ||
               (rc = compose_body(&c, langs, n_langs)) < 0) {
        goto done;
    }
    /* Before any layout or line breaking: the whole tree holds no other
     * member's identifying detail (docs/SECURITY.md). */
    rc = check_tree(ctx, c.doc, kl_review__disclosure(review),
                    kl_review__member_index(review, member), mw, checked);
done:
    kl_template__xpath_give(c.xp);
    xmlFreeDoc(c.view);
    free_terms(&c);
    kl_free(c.interpreter_language);
    kl_free(c.child_full_name);
    kl_free(c.spans);
    if (rc) {
        kl_doc__free(c.doc);
        return rc;
    }
    *out = c.doc;
    return 0;
}

int kl_compose__letter(kl_context *ctx, const kl_template *tpl, const kl_review *review,
                       const kl_member *member, kl_channel channel, kl_catalog_set *catalogs,
                       const kl_letter_options *opts, kl_doc **out)
{
    return compose_letter(ctx, tpl, review, member, channel, catalogs, opts, out, NULL);
}

/* ---- the public letter ----------------------------------------------------------- */

KL_API int kl_letter_compose(kl_context *ctx, const kl_template *tpl, kl_catalog_set *catalogs,
                             const kl_review *review, const kl_member *member, kl_channel channel,
                             const kl_letter_options *opts, kl_letter **out)
{
    kl_context_clear_error(ctx);
    if (!out)
        return kl_core__einval(ctx, __func__);
    *out = NULL;
    if (!ctx || !tpl || !catalogs || !review || !member)
        return kl_core__einval(ctx, __func__);
    if (opts && (opts->version < 1 || opts->version > KL_LETTER_OPTIONS_VERSION))
        return kl_core__error(ctx, KL_EINVAL, KL_NOWHERE, "initialise with KL_LETTER_OPTIONS_INIT",
                              "letter options version %u is not known", opts->version);
    kl_letter *l = kl_core__calloc(1, sizeof *l);
    if (!l)
        return ctx ? kl_core__oom(ctx) : KL_ENOMEM;
    kl_buf checked = KL_BUF_INIT;
    int rc = compose_letter(ctx, tpl, review, member, channel, catalogs, opts, &l->doc, &checked);
    if (rc) {
        kl_free(l);
        return rc;
    }
    l->checked_len = checked.len;
    l->checked = kl_core__buf_detach(&checked); /* NULL (out of memory): checked again */
    l->disclosure = kl_disclosure__ref(kl_review__disclosure(review));
    l->reader = kl_review__member_index(review, member);
    l->where = (kl_where){NULL, member->line, member->column, NULL};
    *out = l;
    return 0;
}

KL_API void kl_letter_free(kl_letter *letter)
{
    if (!letter)
        return;
    kl_doc__free(letter->doc);
    kl_free(letter->checked);
    kl_disclosure__unref(letter->disclosure);
    kl_free(letter);
}

int kl_letter__check(kl_context *ctx, const kl_letter *letter, const char *text, size_t len,
                     const char *what)
{
    kl_where w = letter->where;
    w.member_id = letter->doc ? letter->doc->member_id : NULL;
    if (text)
        return kl_disclosure__scan(ctx, letter->disclosure, letter->reader, 0, text, len, w, what);
    if (!letter->doc)
        return 0;
    /* The tree as composed passed this check (same index, same reader): only a tree changed
     * since (a bug in a later stage) is scanned again. */
    kl_buf b = KL_BUF_INIT;
    int rc;
    if ((rc = tree_text(ctx, letter->doc, &b)) < 0)
        return rc;
    bool same = letter->checked && b.len == letter->checked_len &&
                (b.len == 0 || memcmp(b.data, letter->checked, b.len) == 0);
    rc = same ? 0
              : kl_disclosure__scan(ctx, letter->disclosure, letter->reader, 0,
                                    b.data ? b.data : "", b.len, w, "the letter for this member");
    kl_core__buf_free(&b);
    return rc;
}

const kl_doc *kl_letter__doc(const kl_letter *letter)
{
    return letter ? letter->doc : NULL;
}

KL_API const char *kl_letter_title(const kl_letter *letter)
{
    return letter && letter->doc ? letter->doc->title : NULL;
}

KL_API const char *kl_letter_lang(const kl_letter *letter)
{
    return letter && letter->doc ? letter->doc->root->lang : NULL;
}

KL_API size_t kl_letter_fallback_count(const kl_letter *letter)
{
    return letter && letter->doc ? letter->doc->n_fallbacks : 0;
}

KL_API const char *kl_letter_fallback(const kl_letter *letter, size_t i)
{
    return letter && letter->doc && i < letter->doc->n_fallbacks ? letter->doc->fallbacks[i] : NULL;
}
