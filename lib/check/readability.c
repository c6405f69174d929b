/* SPDX-License-Identifier: MIT */
/* check/readability.c: sentence length, reading ease, words to avoid and kindness of a letter:
 * the letter's units and their measures here, the word lists in readability_words.c. */
#include "check/readability_priv.h"
#include "catalog/catalog_internal.h"
#include "compose/compose.h"
#include "review/review_internal.h"

#include <stdio.h>
#include <string.h>
#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/uloc.h>
#include <unicode/uscript.h>
#include <unicode/ures.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>
#include <unicode/utf8.h>

/* Below this many words the formulas say little (docs/READABILITY.md). */
#define FEW_WORDS 100

/* ---- the report ---------------------------------------------------------- */

KL_API const char *kl_read_kind_name(kl_read_kind kind)
{
    switch (kind) {
    case KL_READ_LONG_SENTENCE:
        return "long sentence";
    case KL_READ_JARGON:
        return "jargon";
    case KL_READ_COLD:
        return "cold or blaming word";
    case KL_READ_ABBREVIATION:
        return "abbreviation";
    case KL_READ_KINDNESS:
        return "kindness";
    case KL_READ_SCORE:
        return "reading ease";
    }
    return "finding";
}

static void wordlist_free(wordlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        kl_free(l->items[i]);
    kl_free(l->items);
    kl_free(l->lens);
    memset(l, 0, sizeof *l);
}

static void unit_free(unit *u)
{
    kl_free(u->u);
    kl_free(u->low);
    kl_free(u->u8);
    kl_free(u->mask);
    kl_free(u->hit);
    kl_free(u->words);
    kl_free(u->sents);
}

KL_API void kl_readability_free(kl_readability *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_secs; i++) {
        section *s = &r->secs[i];
        for (size_t k = 0; k < s->n_units; k++)
            unit_free(&s->units[k]);
        kl_free(s->units);
        kl_free(s->lang);
        kl_free((char *)s->st.longest_msgid);
        wordlist_free(&s->jargon);
        wordlist_free(&s->cold);
        wordlist_free(&s->known);
        wordlist_free(&s->unnamed);
        wordlist_free(&s->generic);
    }
    kl_free(r->secs);
    for (size_t i = 0; i < r->n_finds; i++) {
        kl_free((char *)r->finds[i].msgid);
        kl_free((char *)r->finds[i].term);
        kl_free((char *)r->finds[i].text);
        kl_free((char *)r->finds[i].what);
    }
    kl_free(r->finds);
    kl_free(r);
}

KL_API int kl_readability_ok(const kl_readability *r)
{
    return r ? r->ok : 0;
}

KL_API size_t kl_readability_section_count(const kl_readability *r)
{
    return r ? r->n_secs : 0;
}

KL_API const kl_read_stats *kl_readability_section(const kl_readability *r, size_t i)
{
    return r && i < r->n_secs ? &r->secs[i].st : NULL;
}

KL_API size_t kl_readability_finding_count(const kl_readability *r)
{
    return r ? r->n_finds : 0;
}

KL_API const kl_read_finding *kl_readability_finding(const kl_readability *r, size_t i)
{
    return r && i < r->n_finds ? &r->finds[i] : NULL;
}

/* ---- helpers --------------------------------------------------------------- */

char *kl_check__utf8_of(const unit *u, int32_t s, int32_t e)
{
    const char *text = u->node->text;
    while (s < e && u_isUWhiteSpace(u->u[s]))
        s++;
    while (e > s && u_isUWhiteSpace(u->u[e - 1]))
        e--;
    return kl_core__strndup(text + u->u8[s], (size_t)(u->u8[e] - u->u8[s]));
}

char *kl_check__utf8_from_u(const UChar *s, int32_t len)
{
    UErrorCode st = U_ZERO_ERROR;
    int32_t need = 0;
    u_strToUTF8(NULL, 0, &need, s, len, &st);
    if (st != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(st))
        return NULL;
    char *out = kl_core__malloc((size_t)need + 1);
    if (!out)
        return NULL;
    st = U_ZERO_ERROR;
    u_strToUTF8(out, need + 1, NULL, s, len, &st);
    if (U_FAILURE(st)) {
        kl_free(out);
        return NULL;
    }
    return out;
}

UChar *kl_check__to_u(const char *s, int32_t *len)
{
    UErrorCode st = U_ZERO_ERROR;
    int32_t need = 0;
    u_strFromUTF8(NULL, 0, &need, s, -1, &st);
    if (st != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(st))
        return NULL;
    UChar *u = kl_core__malloc(((size_t)need + 1) * sizeof *u);
    if (!u)
        return NULL;
    st = U_ZERO_ERROR;
    u_strFromUTF8(u, need + 1, NULL, s, -1, &st);
    if (U_FAILURE(st)) {
        kl_free(u);
        return NULL;
    }
    *len = need;
    return u;
}

/* Lower case code unit by code unit, so offsets stay the same. */
static void lower_in_place(UChar *u, int32_t len)
{
    for (int32_t i = 0; i < len; i++)
        if (!U16_IS_SURROGATE(u[i]))
            u[i] = (UChar)u_tolower(u[i]);
}

int kl_check__add_finding(checker *c, kl_read_kind kind, const char *lang, const char *msgid,
                          const char *term, char *text_owned, unsigned words, const char *fmt, ...)
{
    kl_readability *r = c->r;
    int grown = KL_GROW(r->finds, r->cap_finds, r->n_finds + 1);
    kl_buf what = KL_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    kl_core__buf_vprintf(&what, fmt, ap);
    va_end(ap);
    kl_read_finding f = {kind,
                         lang,
                         msgid ? kl_core__strdup(msgid) : NULL,
                         term ? kl_core__strdup(term) : NULL,
                         text_owned,
                         words,
                         NULL};
    f.what = what.oom ? NULL : kl_core__buf_detach(&what);
    if (grown < 0 || !f.what || (msgid && !f.msgid) || (term && !f.term)) {
        kl_free((char *)f.msgid);
        kl_free((char *)f.term);
        kl_free((char *)f.what);
        kl_free(text_owned);
        kl_core__buf_free(&what);
        return c->rc = kl_core__oom(c->ctx);
    }
    r->finds[r->n_finds++] = f;
    return 0;
}

/* ---- word lists from the catalog ---------------------------------------------- */

static int load_list(UResourceBundle *avoid, const char *key, wordlist *out)
{
    UErrorCode st = U_ZERO_ERROR;
    UResourceBundle *a = ures_getByKey(avoid, key, NULL, &st);
    if (U_FAILURE(st)) {
        ures_close(a);
        return 0; /* an absent list is an empty one */
    }
    int32_t n = ures_getType(a) == URES_STRING ? 1 : ures_getSize(a);
    int rc = 0;
    if (n > 0) {
        out->items = kl_core__calloc((size_t)n, sizeof *out->items);
        out->lens = kl_core__calloc((size_t)n, sizeof *out->lens);
        if (!out->items || !out->lens)
            rc = KL_ENOMEM;
    }
    for (int32_t i = 0; i < n && !rc; i++) {
        int32_t len = 0;
        st = U_ZERO_ERROR;
        const UChar *s = ures_getType(a) == URES_STRING ? ures_getString(a, &len, &st)
                                                        : ures_getStringByIndex(a, i, &len, &st);
        if (U_FAILURE(st) || len <= 0)
            continue;
        UChar *copy = kl_core__malloc(((size_t)len + 1) * sizeof *copy);
        if (!copy) {
            rc = KL_ENOMEM;
            break;
        }
        memcpy(copy, s, (size_t)len * sizeof *copy);
        copy[len] = 0;
        out->items[out->n] = copy;
        out->lens[out->n++] = len;
    }
    ures_close(a);
    return rc;
}

static int load_lists(checker *c, kl_catalog_set *set, section *s)
{
    if (!set || !kl_catalog__has_locale(set, s->lang))
        return 0;
    kl_catalog_meta meta = KL_CATALOG_META_INIT;
    int rc = kl_catalog_set_meta(c->ctx, set, s->lang, &meta);
    if (rc)
        return rc == KL_ENOTFOUND ? 0 : rc;
    UErrorCode st = U_ZERO_ERROR;
    UResourceBundle *b = ures_openDirect(kl_catalog_set_dir(set), meta.locale, &st);
    if (U_FAILURE(st)) {
        ures_close(b);
        return kl_core__error(c->ctx, KL_EBACKEND, KL_AT(kl_catalog_set_dir(set), 0, 0), NULL,
                              "ICU could not open catalog %s: %s", meta.locale, u_errorName(st));
    }
    UResourceBundle *avoid = ures_getByKey(b, "avoid", NULL, &st);
    if (U_SUCCESS(st) && ures_getType(avoid) == URES_TABLE) {
        s->st.has_wordlist = 1;
        if ((rc = load_list(avoid, "jargon", &s->jargon)) < 0 ||
            (rc = load_list(avoid, "cold", &s->cold)) < 0 ||
            (rc = load_list(avoid, "known", &s->known)) < 0 ||
            (rc = load_list(avoid, "unnamed", &s->unnamed)) < 0 ||
            (rc = load_list(avoid, "generic", &s->generic)) < 0)
            goto done;
        /* "known" is matched as written (abbreviations); the others in lower case. */
        wordlist *lower[] = {&s->jargon, &s->cold, &s->unnamed, &s->generic};
        for (size_t l = 0; l < sizeof lower / sizeof *lower; l++)
            for (size_t i = 0; i < lower[l]->n; i++)
                lower_in_place(lower[l]->items[i], lower[l]->lens[i]);
    }
done:
    ures_close(avoid);
    ures_close(b);
    return rc == KL_ENOMEM ? kl_core__oom(c->ctx) : rc;
}

/* ---- units: one paragraph, item or heading ------------------------------------ */

static bool is_wordchar(UChar32 ch)
{
    return u_isalnum(ch) || u_hasBinaryProperty(ch, UCHAR_ALPHABETIC);
}

/* Does ch, next to edge, make them one word? Only a letter or digit of the
 * same script does: Arabic writes "لـAmelia" with the name joined on. */
static bool continues_word(UChar32 ch, UChar32 edge)
{
    UErrorCode st = U_ZERO_ERROR;
    if (!is_wordchar(ch))
        return false;
    UScriptCode a = uscript_getScript(ch, &st), b = uscript_getScript(edge, &st);
    return U_FAILURE(st) || a == b;
}

/* Is [s, e) in u whole words (not inside a longer word)? */
static bool at_word_edges(const UChar *u, int32_t len, int32_t s, int32_t e)
{
    if (s > 0) {
        UChar32 ch, first;
        int32_t i = s, j = s;
        U16_PREV(u, 0, i, ch);
        U16_NEXT(u, j, len, first);
        if (continues_word(ch, first))
            return false;
    }
    if (e < len) {
        UChar32 ch, last;
        int32_t i = e, j = e;
        U16_NEXT(u, i, len, ch);
        U16_PREV(u, 0, j, last);
        if (continues_word(ch, last))
            return false;
    }
    return true;
}

/* Next whole-word occurrence of needle (n units) in hay at or after from, or -1. */
int32_t kl_check__find_word(const UChar *hay, int32_t len, const UChar *needle, int32_t n,
                            int32_t from)
{
    for (int32_t i = from; n > 0 && i + n <= len; i++)
        if (memcmp(hay + i, needle, (size_t)n * sizeof *hay) == 0 &&
            at_word_edges(hay, len, i, i + n))
            return i;
    return -1;
}

static int mask_string(unit *u, const char *s)
{
    if (!s || !*s)
        return 0;
    int32_t n = 0;
    UChar *needle = kl_check__to_u(s, &n);
    if (!needle)
        return KL_ENOMEM;
    for (int32_t i = 0; n > 0 && i + n <= u->ulen; i++)
        if (memcmp(u->u + i, needle, (size_t)n * sizeof *needle) == 0)
            memset(u->mask + i, 1, (size_t)n);
    kl_free(needle);
    return 0;
}

/* Names and contact details come from the review, not from the catalog's
 * words: they are read (and counted) but never flagged. */
static int mask_review(checker *c, unit *u)
{
    const kl_review_info *in = c->info;
    int rc = 0;
    if (in) {
        const char *strs[] = {in->partnership_name,
                              in->partnership_phone,
                              in->partnership_email,
                              in->partnership_web,
                              in->reviewer_name,
                              in->reviewer_role,
                              in->contact_name,
                              in->contact_role,
                              in->contact_phone,
                              in->contact_mobile,
                              in->contact_email,
                              in->contact_hours,
                              in->partnership_address.town};
        for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
            if ((rc = mask_string(u, strs[i])) < 0)
                goto done;
        for (size_t i = 0; i < in->n_agencies; i++)
            if ((rc = mask_string(u, in->agencies[i])) < 0)
                goto done;
        for (size_t i = 0; i < in->n_services; i++)
            if ((rc = mask_string(u, in->services[i].name)) < 0 ||
                (rc = mask_string(u, in->services[i].phone)) < 0 ||
                (rc = mask_string(u, in->services[i].web)) < 0)
                goto done;
    }
done:
    if (rc)
        return c->rc = kl_core__oom(c->ctx);
    /* Web and email addresses, whatever their source. */
    for (int32_t i = 0; i < u->ulen;) {
        int32_t j = i;
        while (j < u->ulen && !u_isUWhiteSpace(u->u[j]))
            j++;
        bool link = false;
        for (int32_t k = i; k < j && !link; k++)
            link = u->u[k] == '@' || (u->u[k] == ':' && k + 2 < j && u->u[k + 1] == '/');
        if (link)
            memset(u->mask + i, 1, (size_t)(j - i));
        i = j + 1;
    }
    return 0;
}

static int icu_fail(checker *c, const char *what, UErrorCode st)
{
    return c->rc = kl_core__error(c->ctx, KL_EBACKEND, KL_NOWHERE, NULL, "ICU %s failed: %s", what,
                                  u_errorName(st));
}

/* The unit's text, its lower case, the UTF-8 offset of each UTF-16 index and
 * the mask of the review's names and contact details. */
static int unit_text(checker *c, unit *u)
{
    const char *text = u->node->text;
    u->u = kl_check__to_u(text, &u->ulen);
    if (!u->u)
        return c->rc = kl_core__oom(c->ctx);
    u->low = kl_core__malloc(((size_t)u->ulen + 1) * sizeof *u->low);
    u->u8 = kl_core__malloc(((size_t)u->ulen + 1) * sizeof *u->u8);
    u->mask = kl_core__calloc((size_t)u->ulen + 1, 1);
    u->hit = kl_core__calloc((size_t)u->ulen + 1, 1);
    if (!u->low || !u->u8 || !u->mask || !u->hit)
        return c->rc = kl_core__oom(c->ctx);
    memcpy(u->low, u->u, ((size_t)u->ulen + 1) * sizeof *u->low);
    lower_in_place(u->low, u->ulen);
    /* UTF-16 index to UTF-8 offset. */
    int32_t off = 0;
    for (int32_t i = 0; i < u->ulen;) {
        UChar32 ch;
        int32_t start = i;
        U16_NEXT(u->u, i, u->ulen, ch);
        int32_t bytes = U8_LENGTH(ch);
        for (int32_t k = start; k < i; k++)
            u->u8[k] = off;
        off += bytes > 0 ? bytes : 3;
    }
    u->u8[u->ulen] = off;
    return mask_review(c, u);
}

/* The unit's sentences and words (ICU, in the section's language). */
static int unit_breaks(checker *c, section *s, unit *u)
{
    UErrorCode st = U_ZERO_ERROR;
    UBreakIterator *sb = ubrk_open(UBRK_SENTENCE, s->icu, u->u, u->ulen, &st);
    if (U_FAILURE(st)) {
        ubrk_close(sb);
        return icu_fail(c, "sentence break iterator", st);
    }
    for (int32_t a = ubrk_first(sb), b = ubrk_next(sb); b != UBRK_DONE; a = b, b = ubrk_next(sb)) {
        if (KL_GROW(u->sents, u->cap_sents, u->n_sents + 1) < 0) {
            ubrk_close(sb);
            return c->rc = kl_core__oom(c->ctx);
        }
        u->sents[u->n_sents++] = (span){a, b};
    }
    ubrk_close(sb);

    st = U_ZERO_ERROR;
    UBreakIterator *wb = ubrk_open(UBRK_WORD, s->icu, u->u, u->ulen, &st);
    if (U_FAILURE(st)) {
        ubrk_close(wb);
        return icu_fail(c, "word break iterator", st);
    }
    unsigned sent = 0;
    for (int32_t a = ubrk_first(wb), b = ubrk_next(wb); b != UBRK_DONE; a = b, b = ubrk_next(wb)) {
        int32_t status = ubrk_getRuleStatus(wb);
        if (status < UBRK_WORD_NONE_LIMIT || status >= UBRK_WORD_IDEO_LIMIT)
            continue;
        while (sent + 1 < u->n_sents && a >= u->sents[sent].e)
            sent++;
        if (KL_GROW(u->words, u->cap_words, u->n_words + 1) < 0) {
            ubrk_close(wb);
            return c->rc = kl_core__oom(c->ctx);
        }
        bool masked = true;
        for (int32_t k = a; k < b && masked; k++)
            masked = u->mask[k] != 0;
        u->words[u->n_words++] = (word){a, b, status >= UBRK_WORD_LETTER, masked, sent};
    }
    ubrk_close(wb);
    return 0;
}

static int prepare_unit(checker *c, section *s, unit *u)
{
    int rc;
    if ((rc = unit_text(c, u)) < 0 || (rc = unit_breaks(c, s, u)) < 0)
        return rc;
    if (u->node->kind == KL_NODE_PARAGRAPH || u->node->kind == KL_NODE_ITEM) {
        size_t own = 0;
        bool any_mask = false;
        for (size_t i = 0; i < u->n_words; i++)
            own += u->words[i].letter && !u->words[i].masked;
        for (int32_t i = 0; i < u->ulen && !any_mask; i++)
            any_mask = u->mask[i] != 0;
        /* "Northshire Police", "Family Advocacy North, phone 01632 960321":
         * a name and its contact details, not a sentence anyone wrote. */
        u->prose = u->n_words > 0 && !(any_mask && own < 3);
    }
    return 0;
}

/* ---- measures ---------------------------------------------------------------- */

static unsigned count_letters(const UChar *u, int32_t s, int32_t e)
{
    unsigned n = 0;
    for (int32_t i = s; i < e;) {
        UChar32 ch;
        U16_NEXT(u, i, e, ch);
        n += u_isalpha(ch) != 0;
    }
    return n;
}

static int measure(checker *c, section *s)
{
    kl_read_stats *st = &s->st;
    for (size_t k = 0; k < s->n_units && !c->rc; k++) {
        unit *u = &s->units[k];
        if (!u->prose)
            continue;
        unsigned *per = kl_core__calloc(u->n_sents + 1, sizeof *per);
        if (!per)
            return c->rc = kl_core__oom(c->ctx);
        for (size_t i = 0; i < u->n_words; i++) {
            word *w = &u->words[i];
            per[w->sentence]++;
            st->words++;
            if (w->letter && count_letters(u->u, w->s, w->e) > 6)
                st->long_words++;
            if (s->english) {
                if (!w->letter) {
                    st->syllables += 1; /* a number: see docs/READABILITY.md */
                } else {
                    char *utf8 = kl_check__utf8_from_u(u->u + w->s, w->e - w->s);
                    if (!utf8) {
                        kl_free(per);
                        return c->rc = kl_core__oom(c->ctx);
                    }
                    st->syllables += kl_readability_syllables_en(utf8, strlen(utf8));
                    kl_free(utf8);
                }
            }
        }
        for (size_t i = 0; i < u->n_sents && !c->rc; i++) {
            if (per[i] == 0)
                continue;
            st->sentences++;
            if (per[i] > st->longest) {
                st->longest = per[i];
                kl_free((char *)st->longest_msgid);
                st->longest_msgid = u->node->msgid ? kl_core__strdup(u->node->msgid) : NULL;
                if (u->node->msgid && !st->longest_msgid)
                    c->rc = kl_core__oom(c->ctx);
            }
            if (per[i] > st->limit) {
                st->over_limit++;
                char *text = kl_check__utf8_of(u, u->sents[i].s, u->sents[i].e);
                if (!text)
                    c->rc = kl_core__oom(c->ctx);
                else
                    kl_check__add_finding(
                        c, KL_READ_LONG_SENTENCE, st->lang, u->node->msgid, NULL, text, per[i],
                        "a sentence of %u words, over the %s limit of %u: split it", per[i],
                        kl_reading_name(st->variant), st->limit);
            }
        }
        kl_free(per);
    }
    if (c->rc)
        return c->rc;
    st->few_words = st->words < FEW_WORDS;
    if (st->sentences && st->words) {
        double wps = (double)st->words / (double)st->sentences;
        st->avg_words = wps;
        if (s->english) {
            double spw = (double)st->syllables / (double)st->words;
            st->has_flesch = 1;
            st->flesch = 206.835 - 1.015 * wps - 84.6 * spw;
            st->fk_grade = 0.39 * wps + 11.8 * spw - 15.59;
        }
        if (s->latin) {
            st->has_lix = 1;
            st->lix = wps + 100.0 * (double)st->long_words / (double)st->words;
        }
    }
    return 0;
}

/* ---- the check ------------------------------------------------------------------ */

static section *section_for(checker *c, const char *lang)
{
    kl_readability *r = c->r;
    if (!lang)
        lang = "und";
    for (size_t i = 0; i < r->n_secs; i++)
        if (strcmp(r->secs[i].lang, lang) == 0)
            return &r->secs[i];
    if (KL_GROW(r->secs, r->cap_secs, r->n_secs + 1) < 0) {
        c->rc = kl_core__oom(c->ctx);
        return NULL;
    }
    section *s = &r->secs[r->n_secs];
    memset(s, 0, sizeof *s);
    s->lang = kl_core__strdup(lang);
    if (!s->lang) {
        c->rc = kl_core__oom(c->ctx);
        return NULL;
    }
    r->n_secs++;
    s->st.lang = s->lang;
    s->st.variant = c->variant;
    s->st.limit = c->variant == KL_READING_EASY_READ      ? 12
                  : c->variant == KL_READING_YOUNG_PERSON ? 15
                  : c->variant == KL_READING_PLAIN        ? 20
                                                          : 25;
    s->st.min_flesch = c->variant == KL_READING_EASY_READ      ? 75
                       : c->variant == KL_READING_YOUNG_PERSON ? 75
                       : c->variant == KL_READING_PLAIN        ? 70
                                                               : 60;
    UErrorCode st = U_ZERO_ERROR;
    uloc_forLanguageTag(lang, s->icu, sizeof s->icu, NULL, &st);
    if (U_FAILURE(st) || st == U_STRING_NOT_TERMINATED_WARNING)
        snprintf(s->icu, sizeof s->icu, "%s", lang);
    char language[ULOC_LANG_CAPACITY] = "", full[ULOC_FULLNAME_CAPACITY] = "",
         script[ULOC_SCRIPT_CAPACITY] = "";
    st = U_ZERO_ERROR;
    uloc_getLanguage(s->icu, language, sizeof language, &st);
    s->english = U_SUCCESS(st) && strcmp(language, "en") == 0;
    st = U_ZERO_ERROR;
    uloc_addLikelySubtags(s->icu, full, sizeof full, &st);
    if (U_SUCCESS(st))
        uloc_getScript(full, script, sizeof script, &st);
    s->latin = U_SUCCESS(st) && strcmp(script, "Latn") == 0;
    return s;
}

int kl_check__readability_doc(kl_context *ctx, const kl_doc *doc, kl_catalog_set *catalogs,
                              const kl_review *review, kl_reading variant, kl_readability **out)
{
    if (!ctx || !doc || !doc->root || !out)
        return KL_EINVAL;
    *out = NULL;
    checker c = {ctx, NULL, review ? kl_review__info(review) : NULL, variant, 0};
    c.r = kl_core__calloc(1, sizeof *c.r);
    if (!c.r)
        return kl_core__oom(ctx);

    const kl_node *root = doc->root;
    for (const kl_node *n = root; n && !c.rc; n = kl_doc__next(root, n)) {
        /* A small line (the pictures' credit) is not the letter's prose. */
        if ((n->kind != KL_NODE_PARAGRAPH && n->kind != KL_NODE_ITEM &&
             n->kind != KL_NODE_HEADING) ||
            !n->text || n->small)
            continue;
        section *s = section_for(&c, kl_doc__lang(n));
        if (!s)
            break;
        if (KL_GROW(s->units, s->cap_units, s->n_units + 1) < 0) {
            c.rc = kl_core__oom(ctx);
            break;
        }
        memset(&s->units[s->n_units], 0, sizeof *s->units);
        s->units[s->n_units].node = n;
        s->n_units++;
        prepare_unit(&c, s, &s->units[s->n_units - 1]);
    }
    for (size_t i = 0; i < c.r->n_secs && !c.rc; i++) {
        section *s = &c.r->secs[i];
        int rc = load_lists(&c, catalogs, s);
        if (rc) {
            c.rc = rc;
            break;
        }
        measure(&c, s);
        for (size_t k = 0; k < s->n_units && !c.rc && s->st.has_wordlist; k++) {
            kl_check__list_hits(&c, s, &s->units[k], &s->jargon, KL_READ_JARGON);
            kl_check__list_hits(&c, s, &s->units[k], &s->cold, KL_READ_COLD);
        }
        if (!c.rc && s->st.has_wordlist)
            kl_check__abbreviations(&c, s);
        if (!c.rc && c.info && c.info->subject_died)
            kl_check__kindness(&c, s);
        if (!c.rc && s->st.has_flesch && !s->st.few_words && s->st.flesch < s->st.min_flesch)
            kl_check__add_finding(
                &c, KL_READ_SCORE, s->st.lang, NULL, NULL, NULL, 0,
                "Flesch reading ease %.1f is below %.0f for %s reading: use shorter "
                "sentences and shorter words",
                s->st.flesch, s->st.min_flesch, kl_reading_name(variant));
    }
    if (c.rc) {
        kl_readability_free(c.r);
        return c.rc;
    }
    c.r->ok = c.r->n_finds == 0;
    *out = c.r;
    return 0;
}

KL_API int kl_readability_check(kl_context *ctx, const kl_letter *letter, kl_catalog_set *catalogs,
                                const kl_review *review, kl_reading variant, kl_readability **out)
{
    kl_context_clear_error(ctx);
    if (out)
        *out = NULL;
    if (!ctx || !letter || !out || variant < KL_READING_STANDARD || variant > KL_READING_EASY_READ)
        return kl_core__einval(ctx, __func__);
    const kl_doc *doc = kl_letter__doc(letter);
    if (!doc || doc->sms)
        return kl_core__error(ctx, KL_EINVAL, KL_NOWHERE, "compose the letter for post or email",
                              "a text message has no letter to measure");
    return kl_check__readability_doc(ctx, doc, catalogs, review, variant, out);
}
