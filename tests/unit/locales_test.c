/* SPDX-License-Identifier: MIT */
/* tests/unit/locales_test.c: the 14 shipped translations: complete, in their own language and
 * script, grammatical forms, dates and page numbers. */
#include "support.h"
#include "compose/compose.h"
#include "catalog/catalog_internal.h"
#include "l10n/l10n_priv.h"
#include "plain/plain.h"
#include "template/template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/udat.h>
#include <unicode/ucal.h>
#include <unicode/uloc.h>
#include <unicode/unum.h>
#include <unicode/upluralrules.h>
#include <unicode/uscript.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>

#define N_LOCALES 14

/* The translations, as a review names them, their catalog file, and the
 * script their words are written in. */
static const struct {
    const char *tag;
    const char *file;
    UScriptCode script;
} locales[N_LOCALES] = {
    {"cy", "cy", USCRIPT_LATIN},    {"pl", "pl", USCRIPT_LATIN},
    {"ro", "ro", USCRIPT_LATIN},    {"pt", "pt", USCRIPT_LATIN},
    {"es", "es", USCRIPT_LATIN},    {"lt", "lt", USCRIPT_LATIN},
    {"so", "so", USCRIPT_LATIN},    {"ar", "ar", USCRIPT_ARABIC},
    {"fa", "fa", USCRIPT_ARABIC},   {"ur", "ur", USCRIPT_ARABIC},
    {"pa", "pa", USCRIPT_GURMUKHI}, {"bn", "bn", USCRIPT_BENGALI},
    {"gu", "gu", USCRIPT_GUJARATI}, {"zh-Hans", "zh_Hans", USCRIPT_HAN},
};

static const char *const templates[] = {"notification", "invitation", "update", "outcome"};
#define N_TEMPLATES 4

static const char *const relationships[] = {"mother",     "father",   "parent",      "stepmother",
                                            "stepfather", "carer",    "grandmother", "grandfather",
                                            "sister",     "brother",  "aunt",        "uncle",
                                            "partner",    "daughter", "son",         "other"};
#define N_REL 16
static const char *const genders[] = {"female", "male", "other"};

/* Every piece of data the test review puts into letters. Data stays as the
 * coordinator wrote it (English names of agencies, roles): it is removed
 * before a letter's own words are measured. Longest first, so that a name
 * inside a longer one is not removed on its own first. */
static const char *const data_values[] = {
    "Northshire Safeguarding Children Partnership",
    /* The English names of the review types, which the translations give
     * once, in brackets, after their own (so that a family recognises the
     * name professionals use), and their abbreviations. */
    "local child safeguarding practice review",
    "safeguarding adults review",
    "child practice review",
    "serious case review",
    /* Names of national services and formats, kept as the family will hear
     * or search for them. */
    "Easy Read",
    "Samaritans",
    "Childline",
    "GP",
    "LCSPR",
    "SCR",
    "CPR",
    "SAR",
    "sam.okafor@northshire-scp.example",
    "https://northshire-scp.example",
    "reviews@northshire-scp.example",
    "https://advocacy-north.example",
    "Northshire Children's Social Care",
    "Northshire Bereavement Service",
    "Northtown Primary Care Network",
    "Family Advocacy North",
    "Northtown Hospital",
    "Northshire Police",
    "alex@mail.example",
    "Dr Helen Price",
    "NSCP-2026-017",
    "Jo Hill, school nurse",
    "Floor 3, County Hall",
    "Market Street",
    "12 Elm Road",
    "Sam Okafor",
    "01632 960123",
    "01632 960456",
    "01632 960789",
    "01632 960321",
    "07700 900123",
    "07700 900456",
    "Northtown",
    "Amelia",
    "Nowak",
    "Morgan",
    "NT1 4AB",
    "NT2 7QP",
    "Alex",
    "Dr",
};

/* One review: every relationship in English and in every language (the same
 * gender, title, name and channels in each), so a translated letter can be
 * set against the English one. k varies member genders, titles and the
 * optional parts of the review from one review to the next. */
static void build_review(kl_buf *b, const char *outcome, const char *child_gender, int k)
{
    kl_core__buf_printf(b,
                        "<review xmlns='urn:kinletter:review:1' id='NSCP-2026-017' type='%s'>"
                        "<partnership><name>Northshire Safeguarding Children Partnership</name>"
                        "<address><line>Floor 3, County Hall</line><line>Market Street</line>"
                        "<town>Northtown</town><postcode>NT1 4AB</postcode></address>"
                        "<phone>01632 960123</phone><email>reviews@northshire-scp.example</email>"
                        "%s</partnership>"
                        "<subject given='Amelia' family='Nowak' gender='%s' age='4' outcome='%s'/>"
                        "<dates decided='2026-11-20' letter='2026-11-27' expected-end='2027-05-28' "
                        "period-from='2025-01-01' period-to='2026-10-31'/>",
                        k % 2 ? "cpr" : "lcspr",
                        k % 2 ? "" : "<web>https://northshire-scp.example</web>", child_gender,
                        outcome);
    if (k % 2 == 0)
        kl_core__buf_printf(b, "<reviewer name='Dr Helen Price'%s/>",
                            k % 4 == 0 ? " role='independent-reviewer'" : "");
    /* Roles as keywords and hours as <hours>: every word of them is the
     * catalog's (review_english_words checks none is left in English). */
    kl_core__buf_printf(b,
                        "<contact name='Sam Okafor' phone='01632 960456' "
                        "email='sam.okafor@northshire-scp.example'%s>%s</contact>",
                        k % 2 ? "" : " role='family-liaison-officer' mobile='07700 900123'",
                        k % 2 ? ""
                              : "<hours days='mon-thu' from='09:00' to='16:00'/>"
                                "<hours days='fri,sat' from='09:00' to='12:30'/>");
    if (k % 2 == 0)
        kl_core__buf_puts(b,
                          "<agencies><agency>Northshire Children's Social Care</agency>"
                          "<agency>Northtown Hospital</agency><agency>Northshire Police</agency>"
                          "<agency>Northtown Primary Care Network</agency></agencies>"
                          "<support><service name='Northshire Bereavement Service' "
                          "phone='01632 960789'/><service name='Family Advocacy North' "
                          "phone='01632 960321' web='https://advocacy-north.example'/></support>");
    if (k % 3 != 2)
        kl_core__buf_printf(b, "<publication planned='%s'/>", k % 3 == 0 ? "true" : "false");
    kl_core__buf_puts(b, "<family>");
    for (int l = -1; l < N_LOCALES; l++) {
        const char *tag = l < 0 ? "en-GB" : locales[l].tag;
        for (int r = 0; r < N_REL; r++) {
            int g = (r + k) % 3;
            const char *titles[3][3] = {
                {"Dr", "Dr", "Dr"}, {"Mrs", "Mr", "Mx"}, {"Ms", "Mr", "Mx"}};
            char title[32] = "";
            if (r % 4 != 1)
                snprintf(title, sizeof title, " title='%s'", titles[r % 3][g]);
            int young =
                strcmp(relationships[r], "sister") == 0 || strcmp(relationships[r], "brother") == 0;
            kl_core__buf_printf(b,
                                "<member id='%s-%d' relationship='%s' gender='%s'%s>"
                                "<name%s given='Alex'%s/><language locale='%s'",
                                tag, r, relationships[r], genders[g], young ? " age='15'" : "",
                                title, r % 3 == 2 ? "" : " family='Morgan'", tag);
            /* The English twin needs an interpreter too (for Polish). */
            if (r % 2 == 0)
                kl_core__buf_printf(b, " interpreter='%s'", l < 0 ? "pl" : tag);
            kl_core__buf_puts(b, "/>");
            if (r % 2 == 0)
                kl_core__buf_puts(b, "<contact channel='post'><address><line>12 Elm Road</line>"
                                     "<town>Northtown</town><postcode>NT2 7QP</postcode></address>"
                                     "</contact>");
            else
                kl_core__buf_puts(b, "<contact channel='via-professional' "
                                     "professional='Jo Hill, school nurse'/>");
            kl_core__buf_puts(b, "<contact channel='email' email='alex@mail.example'/>"
                                 "<contact channel='sms' phone='07700 900456'/></member>");
        }
    }
    kl_core__buf_puts(b, "</family></review>");
}

/* ---- measuring a letter's own words --------------------------------------- */

static int ascii_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Where needle first occurs in s, ignoring ASCII case, or NULL. */
static char *find_ci(char *s, const char *needle)
{
    size_t n = strlen(needle);
    char first = (char)(needle[0] | 0x20);
    for (; *s; s++) {
        if ((*s | 0x20) != first)
            continue;
        size_t i = 0;
        while (i < n && s[i] && (s[i] | 0x20) == (needle[i] | 0x20) &&
               (ascii_alnum(s[i]) || s[i] == needle[i]))
            i++;
        if (i == n)
            return s;
    }
    return NULL;
}

/* Translators give a term professionals use in English once, in brackets,
 * after their own word: "dib-u-eegis (review)", "倡导者（advocate，...）". Such
 * a gloss is at most 4 Latin words right after an opening bracket. Blank it. */
static void strip_glosses(char *s)
{
    for (char *p = s; *p; p++) {
        size_t open = 0;
        if (*p == '(')
            open = 1;
        else if (strncmp(p, "（", strlen("（")) == 0)
            open = strlen("（");
        if (!open)
            continue;
        char *q = p + open;
        int words = 0, in_word = 0;
        while ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || *q == ' ' || *q == '-') {
            if (*q != ' ' && !in_word)
                words++;
            in_word = *q != ' ';
            q++;
        }
        int closed = *q == ')' || *q == ',' || strncmp(q, "）", strlen("）")) == 0 ||
                     strncmp(q, "，", strlen("，")) == 0;
        if (q > p + open && words <= 4 && closed)
            memset(p + open, ' ', (size_t)(q - (p + open)));
    }
}

/* A copy of text with every data value (as a whole word, any case) and every
 * bracketed English gloss blanked. */
static char *strip_data(const char *text)
{
    char *s = kl_core__strdup(text);
    assert_non_null(s);
    strip_glosses(s);
    for (size_t i = 0; i < sizeof data_values / sizeof data_values[0]; i++) {
        size_t n = strlen(data_values[i]);
        for (char *p = find_ci(s, data_values[i]); p; p = find_ci(p + 1, data_values[i])) {
            if ((p > s && ascii_alnum(p[-1])) || ascii_alnum(p[n]))
                continue;
            memset(p, ' ', n);
        }
    }
    return s;
}

/* The five commonest English words of the letters: in a translated letter
 * they can only come from English text that was not translated. */
static int english_word(const UChar *w, int32_t len)
{
    static const char *const words[] = {"the", "and", "you", "will", "review"};
    char a[8];
    if (len >= (int32_t)sizeof a)
        return 0;
    for (int32_t i = 0; i < len; i++) {
        if (w[i] > 0x7f)
            return 0;
        a[i] = (char)u_tolower(w[i]);
    }
    a[len] = '\0';
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcmp(a, words[i]) == 0)
            return 1;
    return 0;
}

typedef struct lstats {
    size_t composed;
    size_t letters, in_script;         /* letters of the letter's own words (data removed) */
    size_t letters_all, in_script_all; /* every letter of message text, data included */
    size_t words, english;             /* words, and the five English words, data removed */
    size_t en_words, en_english;       /* the same in the English twins' letters */
    size_t n_foreign;                  /* distinct words that are not the language's own */
    struct {
        char word[48];
        char msgid[80];
        size_t count;
    } foreign[32];
} lstats;

static void note_foreign(lstats *st, const char *w, int len, const char *msgid)
{
    for (size_t i = 0; i < st->n_foreign; i++)
        if ((int)strlen(st->foreign[i].word) == len && memcmp(st->foreign[i].word, w, len) == 0) {
            st->foreign[i].count++;
            return;
        }
    if (st->n_foreign == sizeof st->foreign / sizeof st->foreign[0] || len >= 48)
        return;
    snprintf(st->foreign[st->n_foreign].word, 48, "%.*s", len, w);
    snprintf(st->foreign[st->n_foreign].msgid, 80, "%s", msgid);
    st->foreign[st->n_foreign++].count = 1;
}

/* Count letters (by script) and words of text. With st, note each word with
 * a letter of another script, or a common English word. */
static void measure(const char *text, UScriptCode script, size_t *letters, size_t *in_script,
                    size_t *words, size_t *english, lstats *st, const char *msgid)
{
    UChar w[64];
    int32_t wl = 0, start = 0, foreign = 0;
    int32_t i = 0, len = (int32_t)strlen(text);
    while (i <= len) {
        int32_t at = i;
        UChar32 c = 0;
        if (i < len)
            U8_NEXT(text, i, len, c);
        else
            i++;
        if (c > 0 && u_isalpha(c)) {
            if (wl == 0) {
                start = at;
                foreign = 0;
            }
            (*letters)++;
            /* Script extensions: the Arabic tatweel (U+0640) is Arabic too. */
            if (uscript_hasScript(c, script))
                (*in_script)++;
            else
                foreign = 1;
            if (wl < 62)
                U16_APPEND_UNSAFE(w, wl, c);
            continue;
        }
        if (wl > 0) {
            int eng = english_word(w, wl);
            if (words)
                (*words)++;
            if (english && eng)
                (*english)++;
            if (st && (eng || (script != USCRIPT_LATIN && foreign)))
                note_foreign(st, text + start, at - start, msgid);
        }
        wl = 0;
    }
}

static void measure_text(lstats *st, UScriptCode script, const char *text, const char *msgid)
{
    if (!text)
        return;
    measure(text, script, &st->letters_all, &st->in_script_all, NULL, NULL, NULL, NULL);
    char *own = strip_data(text);
    measure(own, script, &st->letters, &st->in_script, &st->words, &st->english, st, msgid);
    kl_free(own);
}

/* Every text of a letter that comes from the catalog: body messages, contact
 * labels, title, subject, text message. The letterhead, the address, the
 * date, contact values and the signature's name lines are data. */
static void measure_doc(lstats *st, UScriptCode script, const kl_doc *doc)
{
    measure_text(st, script, doc->title, "(title)");
    measure_text(st, script, doc->subject, "(subject)");
    measure_text(st, script, doc->sms, "(text message)");
    for (const kl_node *n = doc->root; n; n = kl_doc__next(doc->root, n)) {
        if (n->kind == KL_NODE_ROW)
            measure_text(st, script, n->label, "(contact label)");
        else if (n->msgid)
            measure_text(st, script, n->text, n->msgid);
    }
}

static void measure_english(lstats *st, const kl_doc *doc)
{
    size_t a = 0, b = 0;
    for (const kl_node *n = doc->root; n; n = kl_doc__next(doc->root, n)) {
        if (!n->msgid || n->kind == KL_NODE_ROW || !n->text)
            continue;
        char *own = strip_data(n->text);
        measure(own, USCRIPT_LATIN, &a, &b, &st->en_words, &st->en_english, NULL, NULL);
        kl_free(own);
    }
}

/* ---- review data that must not stay English --------------------------------- */

/* Whole words (case-sensitive) the review's keywords, hours and titles would
 * print in English if compose did not translate them. */
static const char *const review_english_words[] = {"Monday",
                                                   "Tuesday",
                                                   "Wednesday",
                                                   "Thursday",
                                                   "Friday",
                                                   "Saturday",
                                                   "Sunday",
                                                   "reviewer",
                                                   "liaison",
                                                   "officer",
                                                   "family-liaison-officer",
                                                   "AM",
                                                   "PM",
                                                   "Mr",
                                                   "Mrs",
                                                   "Ms",
                                                   "Mx",
                                                   "Miss"};

static int is_title_word(const char *w)
{
    return !strcmp(w, "Mr") || !strcmp(w, "Mrs") || !strcmp(w, "Ms") || !strcmp(w, "Mx") ||
           !strcmp(w, "Miss");
}

/* No English word of the review's structured data outside brackets in any
 * text of the letter but the letterhead, the postal address (as the review
 * gives it, for the envelope) and the date. Welsh writes the titles as
 * English does. */
static void no_review_english(const char *where, const kl_doc *doc, const char *locale)
{
    for (const kl_node *n = doc->root; n; n = kl_doc__next(doc->root, n)) {
        const kl_node *up = n->parent;
        if (!n->text || n->kind == KL_NODE_DATE ||
            (up && (up->kind == KL_NODE_LETTERHEAD || up->kind == KL_NODE_ADDRESS)))
            continue;
        char *t = kl_core__strdup(n->text);
        assert_non_null(t);
        strip_glosses(t);
        for (size_t i = 0; i < sizeof review_english_words / sizeof *review_english_words; i++) {
            const char *w = review_english_words[i];
            if (is_title_word(w) && strcmp(locale, "cy") == 0)
                continue;
            size_t len = strlen(w);
            for (const char *p = strstr(t, w); p; p = strstr(p + 1, w))
                if ((p == t || !ascii_alnum(p[-1])) && !ascii_alnum(p[len]))
                    fail_msg("%s: '%s' from the review is left in English in %s: %s", where, w,
                             n->msgid ? n->msgid : "a line", n->text);
        }
        kl_free(t);
    }
}

/* A copy of s without bidi isolation marks (U+2066..U+2069). */
static char *no_marks(const char *s)
{
    char *o = kl_core__strdup(s), *q = o;
    assert_non_null(o);
    for (const char *p = s; *p;) {
        if ((unsigned char)p[0] == 0xE2 && (unsigned char)p[1] == 0x81 &&
            (unsigned char)p[2] >= 0xA6 && (unsigned char)p[2] <= 0xA9) {
            p += 3;
            continue;
        }
        *q++ = *p++;
    }
    *q = '\0';
    return o;
}

/* Numbers a family copies as printed: in the plain text (narrow, 40
 * columns) and the email of a letter, each one that the letter holds is on
 * one line, whole. */
static void numbers_whole(kl_context *ctx, const char *where, const kl_doc *doc)
{
    static const char *const numbers[] = {"116 123",      "0800 1111",    "01632 960456",
                                          "01632 960789", "01632 960321", "07700 900123",
                                          "NT1 4AB",      "09:00"};
    char *all = kl_doc__text(doc->root), *txt = NULL, *subject = NULL, *body = NULL;
    assert_non_null(all);
    if (kl_plain__text(ctx, doc, 40, &txt) || kl_plain__email(ctx, doc, &subject, &body))
        fail_msg("%s: %s", where, kl_context_last_error(ctx)->message);
    char *a = no_marks(all), *t = no_marks(txt), *e = no_marks(body);
    for (size_t i = 0; i < sizeof numbers / sizeof *numbers; i++) {
        if (!strstr(a, numbers[i]))
            continue;
        if (!strstr(t, numbers[i]))
            fail_msg("%s: '%s' is split across lines in the plain text:\n%s", where, numbers[i], t);
        if (!strstr(e, numbers[i]))
            fail_msg("%s: '%s' is split across lines in the email", where, numbers[i]);
    }
    kl_free(a);
    kl_free(t);
    kl_free(e);
    kl_free(all);
    kl_free(txt);
    kl_free(subject);
    kl_free(body);
}

/* ---- English patterns ----------------------------------------------------- */

/* Does an English pattern have words of its own, outside every {...}? A
 * message that is only placeholders ("{contactPhone}") may rightly come out
 * the same in every language. */
static int has_own_words(const char *pattern)
{
    int depth = 0;
    for (const char *p = pattern; *p; p++) {
        if (*p == '{')
            depth++;
        else if (*p == '}')
            depth--;
        else if (depth == 0 && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
            return 1;
    }
    return 0;
}

typedef struct own_cache {
    size_t n;
    struct {
        int variant;
        char msgid[96];
        int own;
    } e[1024];
} own_cache;

static int english_has_own_words(kl_context *ctx, kl_catalog_set *set, own_cache *c, int variant,
                                 const char *msgid)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->e[i].variant == variant && strcmp(c->e[i].msgid, msgid) == 0)
            return c->e[i].own;
    char *pat = NULL;
    int rc = kl_catalog__lookup(ctx, set, "en-GB", (kl_reading)variant, msgid, &pat, NULL);
    if (rc)
        fail_msg("the English catalog has no '%s' (%d)", msgid, rc);
    int own = has_own_words(pat);
    kl_free(pat);
    assert_true(c->n < sizeof c->e / sizeof c->e[0]);
    c->e[c->n].variant = variant;
    snprintf(c->e[c->n].msgid, sizeof c->e[0].msgid, "%s", msgid);
    c->e[c->n].own = own;
    c->n++;
    return own;
}

/* ---- composing ------------------------------------------------------------ */

static const char *where_fmt(char *buf, size_t cap, const char *tpl, const kl_member *m, int v,
                             kl_channel ch)
{
    static const char *const chn[] = {"post", "email", "sms", "via-professional"};
    snprintf(buf, cap, "%s letter, member %s (%s, %s), variant %s, channel %s", tpl, m->id,
             m->relationship, genders[m->gender], kl_reading_name((kl_reading)v), chn[ch]);
    return buf;
}

static void no_braces(const char *where, const char *text)
{
    if (text && (strchr(text, '{') || strchr(text, '}')))
        fail_msg("%s: an unfilled placeholder in: %s", where, text);
}

static kl_doc *compose_one(kl_context *ctx, const kl_template *tpl, const kl_review *rv,
                           const kl_member *m, kl_channel ch, kl_catalog_set *set, int v,
                           const char *where)
{
    kl_letter_options o = KL_LETTER_OPTIONS_INIT;
    o.variant = v;
    kl_doc *doc = NULL;
    int rc = kl_compose__letter(ctx, tpl, rv, m, ch, set, &o, &doc);
    if (rc)
        fail_msg("%s: %s", where, kl_context_last_error(ctx)->message);
    if (doc->n_fallbacks)
        fail_msg("%s: %zu messages fell back to English, the first %s", where, doc->n_fallbacks,
                 doc->fallbacks[0]);
    if (strcmp(kl_doc__lang(doc->root), m->locale) != 0)
        fail_msg("%s: the letter's language is %s", where, kl_doc__lang(doc->root));
    no_braces(where, doc->title);
    no_braces(where, doc->subject);
    no_braces(where, doc->sms);
    for (const kl_node *n = doc->root; n; n = kl_doc__next(doc->root, n)) {
        no_braces(where, n->text);
        no_braces(where, n->label);
        /* Every text is in the member's language: no node says otherwise. */
        if (n->lang && strcmp(n->lang, m->locale) != 0)
            fail_msg("%s: a %s node is in %s: %s", where, n->msgid ? n->msgid : "", n->lang,
                     n->text ? n->text : "");
    }
    return doc;
}

#define MAX_MSG_NODES 256

static size_t msg_nodes(const kl_doc *doc, const kl_node **out)
{
    size_t n = 0;
    for (const kl_node *x = doc->root; x; x = kl_doc__next(doc->root, x))
        if (x->msgid) {
            assert_true(n < MAX_MSG_NODES);
            out[n++] = x;
        }
    return n;
}

static void differs(const char *where, const char *what, const char *tr, const char *en)
{
    if (tr && en && strcmp(tr, en) == 0)
        fail_msg("%s: %s is the English text: %s", where, what, tr);
}

/* A translated letter set against its English twin: every message whose
 * English has words of its own reads differently. */
static void not_english(kl_context *ctx, kl_catalog_set *set, own_cache *cache, int v,
                        const char *where, const kl_doc *tr, const kl_doc *en)
{
    static const kl_node *a[MAX_MSG_NODES], *b[MAX_MSG_NODES];
    differs(where, "the title", tr->title, en->title);
    differs(where, "the email subject", tr->subject, en->subject);
    differs(where, "the text message", tr->sms, en->sms);
    size_t na = msg_nodes(tr, a), nb = msg_nodes(en, b);
    if (na != nb)
        fail_msg("%s: %zu messages, the English letter has %zu", where, na, nb);
    for (size_t i = 0; i < na; i++) {
        if (strcmp(a[i]->msgid, b[i]->msgid) != 0)
            fail_msg("%s: message %zu is %s, in English %s", where, i, a[i]->msgid, b[i]->msgid);
        if (a[i]->kind == KL_NODE_ROW)
            differs(where, "a contact label", a[i]->label, b[i]->label);
        if (english_has_own_words(ctx, set, cache, v, a[i]->msgid)) {
            char what[160];
            snprintf(what, sizeof what, "'%s'", a[i]->msgid);
            differs(where, what, a[i]->text, b[i]->text);
        }
    }
}

/* ---- 1-3: every letter in every language ------------------------------------ */

static lstats stats[N_LOCALES], en_stats;

static int is_latin(int l)
{
    return locales[l].script == USCRIPT_LATIN;
}

/* Every template x reading variant x channel, for every relationship and
 * gender of member, both outcomes and every gender of child, composes in each
 * of the 14 languages: no error, nothing from the English catalog, every
 * placeholder filled, and every message with words of its own reads
 * differently from the same member's English letter. */
static void test_every_letter_in_every_language(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    kl_catalog_set *set = NULL;
    assert_int_equal(kl_catalog_set_open(ctx, NULL, &set), 0);
    kl_template *tpl[N_TEMPLATES] = {0};
    for (int t = 0; t < N_TEMPLATES; t++) {
        assert_int_equal(kl_template_load_name(ctx, templates[t], &tpl[t]), 0);
        for (int l = 0; l < N_LOCALES; l++)
            if (kl_template_check_messages(ctx, tpl[t], set, locales[l].tag) != 0)
                fail_msg("%s: %s", locales[l].tag, kl_context_last_error(ctx)->message);
    }
    static own_cache cache;
    memset(stats, 0, sizeof stats);
    memset(&en_stats, 0, sizeof en_stats);
    const char *outcomes[] = {"died", "seriously-harmed"};
    int k = 0;
    for (int oc = 0; oc < 2; oc++) {
        for (int cg = 0; cg < 3; cg++, k++) {
            kl_buf b = KL_BUF_INIT;
            build_review(&b, outcomes[oc], genders[cg], k);
            assert_false(b.oom);
            kl_review *rv = NULL;
            if (kl_review_load_buffer(ctx, b.data, b.len, "locales.xml", NULL, NULL, &rv))
                fail_msg("test review: %s", kl_context_last_error(ctx)->message);
            assert_int_equal(kl_review_error_count(rv), 0);
            for (int r = 0; r < N_REL; r++) {
                char id[32];
                snprintf(id, sizeof id, "en-GB-%d", r);
                const kl_member *en = kl_review_find_member(rv, id);
                assert_non_null(en);
                for (int t = 0; t < N_TEMPLATES; t++) {
                    for (int v = KL_READING_STANDARD; v <= KL_READING_YOUNG_PERSON; v++) {
                        for (size_t c = 0; c < en->n_contacts; c++) {
                            kl_channel ch = en->contacts[c].channel;
                            char where[256];
                            where_fmt(where, sizeof where, templates[t], en, v, ch);
                            kl_doc *e = compose_one(ctx, tpl[t], rv, en, ch, set, v, where);
                            measure_english(&en_stats, e);
                            for (int l = 0; l < N_LOCALES; l++) {
                                snprintf(id, sizeof id, "%s-%d", locales[l].tag, r);
                                const kl_member *m = kl_review_find_member(rv, id);
                                assert_non_null(m);
                                assert_int_equal(m->contacts[c].channel, ch);
                                where_fmt(where, sizeof where, templates[t], m, v, ch);
                                kl_doc *d = compose_one(ctx, tpl[t], rv, m, ch, set, v, where);
                                not_english(ctx, set, &cache, v, where, d, e);
                                no_review_english(where, d, locales[l].tag);
                                if (r == 0 && ch != KL_CHANNEL_SMS)
                                    numbers_whole(ctx, where, d);
                                measure_doc(&stats[l], locales[l].script, d);
                                stats[l].composed++;
                                kl_doc__free(d);
                            }
                            kl_doc__free(e);
                        }
                    }
                }
            }
            kl_review_free(rv);
            kl_core__buf_free(&b);
        }
    }
    /* 2 outcomes x 3 genders of child x 16 relationships x 4 letters x 3
     * variants x 3 channels, in each language. */
    for (int l = 0; l < N_LOCALES; l++)
        assert_int_equal(stats[l].composed, 2 * 3 * N_REL * N_TEMPLATES * 3 * 3);

    /* Own script (Arabic, Gurmukhi, Bengali, Gujarati, Han). Names, agencies,
     * roles and addresses come from the review as the coordinator typed them
     * (Latin script), so over all the text a letter's own script needs only a
     * clear majority (60%); with that data taken out, what is left is the
     * catalog's own words and must be in the language's script (98%: room
     * for a Latin abbreviation such as "PDF" a translator keeps). */
    print_message("locale composed  own-script(all)  own-script(words)  english-words  other words "
                  "(count, first message)\n");
    for (int l = 0; l < N_LOCALES; l++) {
        const lstats *s = &stats[l];
        double all = s->letters_all ? (double)s->in_script_all / (double)s->letters_all : 0;
        double own = s->letters ? (double)s->in_script / (double)s->letters : 0;
        double eng = s->words ? (double)s->english / (double)s->words : 0;
        print_message("%-7s %7zu  %14.1f%%  %16.1f%%  %12.2f%% ", locales[l].tag, s->composed,
                      100 * all, 100 * own, 100 * eng);
        for (size_t i = 0; i < s->n_foreign; i++)
            print_message(" %s (%zu, %s)", s->foreign[i].word, s->foreign[i].count,
                          s->foreign[i].msgid);
        print_message("\n");
        assert_true(s->letters > 10000);
        if (!is_latin(l)) {
            if (all < 0.60 || own < 0.98)
                fail_msg("%s: only %.1f%% of letters (%.1f%% without data) are in its script",
                         locales[l].tag, 100 * all, 100 * own);
        } else {
            /* Latin-script languages: the script cannot tell Welsh from
             * English. The five commonest English words ("the", "and", "you",
             * "will", "review") are about 1 word in 6 of the English letters
             * and are not words of these languages; in a translated letter
             * they can only be English left in. Under 1 in 200 words. */
            if (eng >= 0.005)
                fail_msg("%s: %.2f%% of words are common English words", locales[l].tag, 100 * eng);
        }
    }
    /* The measure can fail: the same members' English letters. */
    double en_eng = en_stats.en_words ? (double)en_stats.en_english / (double)en_stats.en_words : 0;
    print_message("en-GB: %.2f%% common English words\n", 100 * en_eng);
    if (en_eng < 0.05)
        fail_msg("the English letters have only %.2f%% common English words", 100 * en_eng);

    for (int t = 0; t < N_TEMPLATES; t++)
        kl_template_free(tpl[t]);
    kl_catalog_set_free(set);
    kl_context_free(ctx);
}

/* ---- 4: plural and select forms -------------------------------------------- */

static kl_csrc *load_source(kl_context *ctx, const char *file)
{
    char rel[64];
    snprintf(rel, sizeof rel, "locales/%s.txt", file);
    kl_csrc *src = NULL;
    if (kl_l10n__src_load(ctx, kl_test_src(rel), &src))
        fail_msg("%s: %s", rel, kl_context_last_error(ctx)->message);
    return src;
}

static int chooses(const kl_msg_shape *sh, const char *arg)
{
    for (size_t i = 0; i < sh->n_args; i++)
        if (strcmp(sh->args[i].name, arg) == 0 && sh->args[i].chosen)
            return 1;
    return 0;
}

/* The plural categories CLDR gives a language (ICU's C API), "one other". */
static void plural_keywords(const char *tag, char *out, size_t cap)
{
    char loc[ULOC_FULLNAME_CAPACITY];
    UErrorCode st = U_ZERO_ERROR;
    uloc_forLanguageTag(tag, loc, sizeof loc, NULL, &st);
    UPluralRules *pr = U_SUCCESS(st) ? uplrules_open(loc, &st) : NULL;
    UEnumeration *kw = U_SUCCESS(st) ? uplrules_getKeywords(pr, &st) : NULL;
    out[0] = '\0';
    const char *k;
    while (U_SUCCESS(st) && (k = uenum_next(kw, NULL, &st)) != NULL) {
        size_t n = strlen(out);
        snprintf(out + n, cap - n, "%s%s", n ? " " : "", k);
    }
    if (U_FAILURE(st))
        fail_msg("%s: ICU plural rules: %s", tag, u_errorName(st));
    uenum_close(kw);
    uplrules_close(pr);
}

/* Sort space-separated words so that two lists can be compared. */
static void sort_words(char *s)
{
    char *w[16];
    size_t n = 0;
    for (char *t = strtok(s, " "); t && n < 16; t = strtok(NULL, " "))
        w[n++] = t;
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(w[j - 1], w[j]) > 0; j--) {
            char *x = w[j];
            w[j] = w[j - 1];
            w[j - 1] = x;
        }
    char out[128] = "";
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(out);
        snprintf(out + l, sizeof out - l, "%s%s", i ? " " : "", w[i]);
    }
    strcpy(s, out);
}

/* Every message of every variant of every catalog: every select and plural
 * has `other`, every plural lists each category CLDR gives the language, and
 * wherever the English chooses its words by relationship (the condolence:
 * "your daughter", "your grandson"), the translation does too. */
static void test_plural_and_select_forms(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    kl_csrc *en = load_source(ctx, "en_GB");

    /* The checker sees what ICU says: the categories it wants for a plural
     * are the ones ICU's C API lists, and a Welsh plural with only one and
     * other is caught. */
    kl_msg_shape sh;
    kl_fmt_error fe;
    print_message("plural categories:");
    for (int l = 0; l < N_LOCALES; l++) {
        char want[128], got[128];
        plural_keywords(locales[l].tag, want, sizeof want);
        print_message(" %s: %s;", locales[l].tag, want);
        /* A plural with only `other`: every other category is missing. */
        assert_int_equal(kl_catalog__analyse(locales[l].tag, "{n, plural, other {x}}", &sh, &fe),
                         0);
        if (strcmp(want, "other") == 0) {
            assert_string_equal(sh.plural_arg, "");
            continue;
        }
        snprintf(got, sizeof got, "%s other", sh.plural_missing);
        sort_words(want);
        sort_words(got);
        assert_string_equal(got, want);
        snprintf(got, sizeof got, "%s", sh.plural_need);
        sort_words(got);
        assert_string_equal(got, want);
    }
    print_message("\n");
    assert_int_equal(
        kl_catalog__analyse("cy", "{n, plural, one {# plentyn} other {# o blant}}", &sh, &fe), 0);
    char missing[64];
    snprintf(missing, sizeof missing, "%s", sh.plural_missing);
    sort_words(missing);
    assert_string_equal(missing, "few many two zero");
    /* ICU itself refuses a select without `other`. */
    assert_int_equal(kl_catalog__analyse("pl", "{g, select, female {Pani}}", &sh, &fe), KL_EPARSE);

    for (int l = 0; l < N_LOCALES; l++) {
        kl_csrc *src = load_source(ctx, locales[l].file);
        size_t messages = 0, choices = 0, plurals = 0, by_relationship = 0;
        for (size_t i = 0; i < src->n_strs; i++) {
            const kl_csrc_str *m = &src->strs[i];
            if (strcmp(m->table, "standard") != 0 && strcmp(m->table, "plain") != 0 &&
                strcmp(m->table, "young_person") != 0)
                continue;
            messages++;
            int rc = kl_catalog__analyse(locales[l].tag, m->text, &sh, &fe);
            if (rc)
                fail_msg("locales/%s.txt:%u:%u: %s '%s': %s", locales[l].file, m->line, m->column,
                         m->table, m->key, fe.detail);
            if (sh.no_other[0])
                fail_msg("locales/%s.txt:%u:%u: %s '%s': the choice on {%s} has no 'other'",
                         locales[l].file, m->line, m->column, m->table, m->key, sh.no_other);
            if (sh.plural_arg[0])
                fail_msg("locales/%s.txt:%u:%u: %s '%s': the plural on {%s} lacks %s (%s needs %s)",
                         locales[l].file, m->line, m->column, m->table, m->key, sh.plural_arg,
                         sh.plural_missing, locales[l].tag, sh.plural_need);
            for (size_t a = 0; a < sh.n_args; a++)
                choices += sh.args[a].chosen;
            plurals += strstr(m->text, "plural") != NULL;
            const kl_csrc_str *e = kl_l10n__src_english(en, m->table, m->key);
            if (!e)
                fail_msg("locales/%s.txt:%u: '%s' is not in the English catalog", locales[l].file,
                         m->line, m->key);
            kl_msg_shape esh;
            assert_int_equal(kl_catalog__analyse("en-GB", e->text, &esh, &fe), 0);
            if (chooses(&esh, "relationship")) {
                by_relationship++;
                if (!chooses(&sh, "relationship"))
                    fail_msg("locales/%s.txt:%u:%u: %s '%s' does not choose its words by "
                             "relationship, as the English does",
                             locales[l].file, m->line, m->column, m->table, m->key);
            }
        }
        print_message("%-7s %4zu messages, %4zu choices, %zu plurals, %zu by relationship\n",
                      locales[l].tag, messages, choices, plurals, by_relationship);
        assert_true(messages > 200);
        assert_true(by_relationship >= 3);
        kl_l10n__src_free(src);
    }
    kl_l10n__src_free(en);
    kl_context_free(ctx);
}

/* ---- 5: dates and page numbers ---------------------------------------------- */

/* A day as ICU writes it in the locale's long style, Gregorian calendar,
 * Western digits (one digit style per letter). */
static void long_date(const char *tag, int y, int mo, int d, char *out, size_t cap)
{
    char loc[ULOC_FULLNAME_CAPACITY];
    UErrorCode st = U_ZERO_ERROR;
    uloc_forLanguageTag(tag, loc, sizeof loc, NULL, &st);
    assert_true(U_SUCCESS(st));
    uloc_setKeywordValue("calendar", "gregorian", loc, sizeof loc, &st);
    uloc_setKeywordValue("numbers", "latn", loc, sizeof loc, &st);
    UCalendar *cal = ucal_open(u"UTC", -1, loc, UCAL_GREGORIAN, &st);
    ucal_clear(cal);
    ucal_setDateTime(cal, y, mo - 1, d, 12, 0, 0, &st);
    UDate t = ucal_getMillis(cal, &st);
    ucal_close(cal);
    UDateFormat *df = udat_open(UDAT_NONE, UDAT_LONG, loc, u"UTC", -1, NULL, 0, &st);
    UChar buf[128];
    int32_t n = udat_format(df, t, buf, 128, NULL, &st);
    udat_close(df);
    u_strToUTF8(out, (int32_t)cap, NULL, buf, n, &st);
    if (U_FAILURE(st))
        fail_msg("%s: ICU date: %s", tag, u_errorName(st));
}

static void local_number(const char *tag, int v, char *out, size_t cap)
{
    char loc[ULOC_FULLNAME_CAPACITY];
    UErrorCode st = U_ZERO_ERROR;
    uloc_forLanguageTag(tag, loc, sizeof loc, NULL, &st);
    uloc_setKeywordValue("numbers", "latn", loc, sizeof loc, &st);
    UNumberFormat *nf = unum_open(UNUM_DECIMAL, NULL, 0, loc, NULL, &st);
    UChar buf[32];
    int32_t n = unum_format(nf, v, buf, 32, NULL, &st);
    unum_close(nf);
    u_strToUTF8(out, (int32_t)cap, NULL, buf, n, &st);
    if (U_FAILURE(st))
        fail_msg("%s: ICU number: %s", tag, u_errorName(st));
}

/* The letter date, the dates inside the text and "Page 1 of 3" come out in
 * each language as ICU writes them there, in the Gregorian calendar the
 * review's dates are in (never the Solar Hijri calendar ICU uses for
 * Persian by default: an appointment would be on the wrong day). */
static void test_dates_and_page_numbers(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    kl_catalog_set *set = NULL;
    kl_template *tpl = NULL;
    assert_int_equal(kl_catalog_set_open(ctx, NULL, &set), 0);
    assert_int_equal(kl_template_load_name(ctx, "notification", &tpl), 0);
    kl_buf b = KL_BUF_INIT;
    build_review(&b, "died", "female", 0);
    kl_review *rv = NULL;
    assert_int_equal(kl_review_load_buffer(ctx, b.data, b.len, "locales.xml", NULL, NULL, &rv), 0);
    print_message("locale  letter date / period from / page 1 of 3\n");
    for (int l = 0; l < N_LOCALES; l++) {
        char id[32], where[256];
        snprintf(id, sizeof id, "%s-0", locales[l].tag);
        const kl_member *m = kl_review_find_member(rv, id);
        assert_non_null(m);
        where_fmt(where, sizeof where, "notification", m, 0, KL_CHANNEL_POST);
        kl_doc *doc = compose_one(ctx, tpl, rv, m, KL_CHANNEL_POST, set, 0, where);
        /* Welsh hours are joined with "a" (or "ac" before a vowel), never
         * ICU's "a(c)" that leaves the choice to the reader. */
        if (strcmp(locales[l].tag, "cy") == 0) {
            char *all = kl_doc__text(doc->root);
            assert_non_null(all);
            if (strstr(all, "a(c)") || !strstr(all, "16:00 a "))
                fail_msg("cy: the contact hours are not joined with 'a': %s", all);
            /* "i" (to) softens the day after it: "Dydd Llun i ddydd Iau". */
            if (strstr(all, " i Dydd ") || !strstr(all, " i ddydd "))
                fail_msg("cy: the day after 'i' is not soft-mutated: %s", all);
            kl_free(all);
        }
        char want[256], from[256], one[16], three[16];
        long_date(locales[l].tag, 2026, 11, 27, want, sizeof want);
        long_date(locales[l].tag, 2025, 1, 1, from, sizeof from);
        /* Somali: the catalog's own day-first style and month names (CLDR
         * gives "Bisha Koobaad" and the American order). */
        if (strcmp(locales[l].tag, "so") == 0) {
            snprintf(want, sizeof want, "27 Nofembar 2026");
            snprintf(from, sizeof from, "1 Janaayo 2025");
        }
        /* Bengali: the catalog's months in the Bangla Academy spelling. */
        if (strcmp(locales[l].tag, "bn") == 0) {
            snprintf(want, sizeof want, "27 নভেম্বর, 2026");
            snprintf(from, sizeof from, "1 জানুয়ারি, 2025");
        }
        const kl_node *date = NULL, *period = NULL;
        for (const kl_node *n = doc->root; n; n = kl_doc__next(doc->root, n)) {
            if (n->kind == KL_NODE_DATE)
                date = n;
            if (n->msgid && strcmp(n->msgid, "notification.how.period") == 0)
                period = n;
        }
        assert_non_null(date);
        assert_non_null(period);
        char *dated = no_marks(date->text);
        int same = strcmp(dated, want) == 0;
        kl_free(dated);
        if (!same)
            fail_msg("%s: the letter is dated '%s', ICU's Gregorian long date is '%s'",
                     locales[l].tag, date->text, want);
        assert_string_not_equal(date->text, "27 November 2026");
        char *bare = no_marks(period->text);
        int found = strstr(bare, from) != NULL;
        kl_free(bare);
        if (!found)
            fail_msg("%s: '%s' does not give 1 January 2025 as '%s'", locales[l].tag, period->text,
                     from);

        assert_non_null(doc->page_pattern);
        /* The catalog's ICU name ("zh_Hans") or the tag: ICU takes both. */
        if (strcmp(doc->page_lang, locales[l].tag) != 0 && strcmp(doc->page_lang, locales[l].file))
            fail_msg("%s: page numbers in %s", locales[l].tag, doc->page_lang);
        kl_fmt_arg args[2] = {{"page", KL_ARG_NUMBER, NULL, 1, {0, 0, 0}},
                              {"pages", KL_ARG_NUMBER, NULL, 3, {0, 0, 0}}};
        char *page = NULL;
        kl_fmt_error fe;
        assert_int_equal(kl_catalog__format(doc->page_lang, doc->page_pattern, args, 2, &page, &fe),
                         0);
        local_number(locales[l].tag, 1, one, sizeof one);
        local_number(locales[l].tag, 3, three, sizeof three);
        print_message("%-7s %s / %s / %s\n", locales[l].tag, date->text, from, page);
        assert_string_not_equal(page, "Page 1 of 3");
        if (!strstr(page, one) || !strstr(page, three))
            fail_msg("%s: '%s' does not write 1 and 3 as the language does (%s, %s)",
                     locales[l].tag, page, one, three);
        size_t letters = 0, own = 0;
        measure(page, locales[l].script, &letters, &own, NULL, NULL, NULL, NULL);
        if (letters == 0 || own != letters)
            fail_msg("%s: '%s' is not in the language's script", locales[l].tag, page);
        if (is_latin(l) && (strstr(page, "Page") || strstr(page, " of ")))
            fail_msg("%s: '%s' is English", locales[l].tag, page);
        kl_free(page);
        kl_doc__free(doc);
    }
    kl_review_free(rv);
    kl_core__buf_free(&b);
    kl_template_free(tpl);
    kl_catalog_set_free(set);
    kl_context_free(ctx);
}

/* ---- 6: every translation is marked a draft, and says what to check ---------- */

/* Every catalog but the English source says it is a draft, has a note for
 * its reviewer, and docs/TRANSLATIONS-STATUS.md gives that status and note. */
static void test_translations_are_drafts(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    kl_catalog_set *set = NULL;
    assert_int_equal(kl_catalog_set_open(ctx, NULL, &set), 0);
    kl_catalog_meta meta = KL_CATALOG_META_INIT;
    assert_int_equal(kl_catalog_set_meta(ctx, set, "en-GB", &meta), 0);
    assert_string_equal(meta.status, "source");
    char *doc = NULL;
    size_t len = 0;
    if (kl_core__read_file(ctx, kl_test_src("docs/TRANSLATIONS-STATUS.md"), 1 << 20, &doc, &len))
        fail_msg("docs/TRANSLATIONS-STATUS.md: %s", kl_context_last_error(ctx)->message);
    for (int l = 0; l < N_LOCALES; l++) {
        assert_int_equal(kl_catalog_set_meta(ctx, set, locales[l].tag, &meta), 0);
        if (strcmp(meta.status, "draft") != 0)
            fail_msg("%s: status '%s'", locales[l].tag, meta.status);
        assert_string_equal(meta.reviewer, "");
        kl_csrc *src = load_source(ctx, locales[l].file);
        const kl_csrc_str *note = kl_l10n__src_find(src, "meta", "note");
        if (!note || strlen(note->text) < 40)
            fail_msg("locales/%s.txt: no meta note telling the reviewer what to check first",
                     locales[l].file);
        char row[64];
        snprintf(row, sizeof row, "| `%s` |", locales[l].tag);
        const char *at = strstr(doc, row);
        if (!at)
            fail_msg("docs/TRANSLATIONS-STATUS.md: no row for %s", locales[l].tag);
        const char *eol = strchr(at, '\n');
        if (!strstr(at, "| draft |") || strstr(at, "| draft |") > eol)
            fail_msg("docs/TRANSLATIONS-STATUS.md: %s is not given as a draft", locales[l].tag);
        if (!strstr(doc, note->text))
            fail_msg("docs/TRANSLATIONS-STATUS.md does not have %s's note as the catalog gives "
                     "it:\n%s",
                     locales[l].tag, note->text);
        kl_l10n__src_free(src);
    }
    kl_free(doc);
    kl_catalog_set_free(set);
    kl_context_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_translations_are_drafts),
        cmocka_unit_test(test_plural_and_select_forms),
        cmocka_unit_test(test_dates_and_page_numbers),
        cmocka_unit_test(test_every_letter_in_every_language),
    };
    /* KL_TEST_FILTER=test_dates* runs only the tests whose names match. */
    if (getenv("KL_TEST_FILTER"))
        cmocka_set_test_filter(getenv("KL_TEST_FILTER"));
    return cmocka_run_group_tests(tests, NULL, NULL);
}
