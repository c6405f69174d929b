/* SPDX-License-Identifier: MIT */
/* check/readability_words.c: words to avoid (the catalog's jargon, cold words, abbreviations)
 * and the kindness check of a letter about a child who died. */
#include "check/readability_priv.h"

#include <string.h>
#include <unicode/uchar.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

/* ---- words to avoid ------------------------------------------------------------ */

static bool masked_span(const unit *u, int32_t s, int32_t e)
{
    for (int32_t i = s; i < e; i++)
        if (u->mask[i])
            return true;
    return false;
}

static char *sentence_at(const unit *u, int32_t pos)
{
    for (size_t i = 0; i < u->n_sents; i++)
        if (pos >= u->sents[i].s && pos < u->sents[i].e)
            return kl_check__utf8_of(u, u->sents[i].s, u->sents[i].e);
    return kl_check__utf8_of(u, 0, u->ulen);
}

void kl_check__list_hits(checker *c, section *s, unit *u, const wordlist *l, kl_read_kind kind)
{
    for (size_t i = 0; i < l->n && !c->rc; i++) {
        for (int32_t at = kl_check__find_word(u->low, u->ulen, l->items[i], l->lens[i], 0); at >= 0;
             at = kl_check__find_word(u->low, u->ulen, l->items[i], l->lens[i], at + 1)) {
            if (masked_span(u, at, at + l->lens[i]))
                continue;
            bool again = false;
            for (int32_t k = at; k < at + l->lens[i] && !again; k++)
                again = u->hit[k] != 0;
            if (again)
                continue;
            memset(u->hit + at, 1, (size_t)l->lens[i]);
            char *term = kl_check__utf8_from_u(u->u + at, l->lens[i]);
            char *text = sentence_at(u, at);
            if (!term || !text) {
                kl_free(term);
                kl_free(text);
                c->rc = kl_core__oom(c->ctx);
                return;
            }
            s->st.avoid_hits++;
            if (kind == KL_READ_JARGON)
                kl_check__add_finding(c, kind, s->st.lang, u->node->msgid, term, text, 0,
                                      "\"%s\" is jargon: say what it means in everyday words",
                                      term);
            else
                kl_check__add_finding(
                    c, kind, s->st.lang, u->node->msgid, term, text, 0,
                    "\"%s\" is cold or blaming: never use it in a letter to a family", term);
            kl_free(term);
            if (c->rc)
                return;
        }
    }
}

/* One word of the section, in reading order, for finding spelled-out forms. */
typedef struct flat {
    UChar32 initial; /* lower case */
    bool small;      /* a short lower-case word ("of", "and") that may be skipped */
    size_t unit, word;
} flat;

static bool is_abbreviation(const unit *u, const word *w)
{
    int32_t letters = 0;
    for (int32_t i = w->s; i < w->e;) {
        UChar32 ch;
        U16_NEXT(u->u, i, w->e, ch);
        if (!u_isupper(ch))
            return false;
        letters++;
    }
    return letters >= 2 && letters <= 6;
}

/* Do words [from, to) hold, one after another, words whose initials spell abbr? */
static bool spelled_out(const flat *f, size_t from, size_t to, const UChar *abbr, int32_t len)
{
    for (size_t p = from; p < to; p++) {
        int32_t j = 0;
        size_t q = p;
        while (j < len && q < to) {
            UChar32 want;
            int32_t jj = j;
            U16_NEXT(abbr, jj, len, want);
            if (f[q].initial == u_tolower(want)) {
                j = jj;
                q++;
            } else if (j > 0 && f[q].small) {
                q++;
            } else {
                break;
            }
        }
        if (j == len)
            return true;
    }
    return false;
}

static bool in_list(const wordlist *l, const UChar *s, int32_t n)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->lens[i] == n && memcmp(l->items[i], s, (size_t)n * sizeof *s) == 0)
            return true;
    return false;
}

void kl_check__abbreviations(checker *c, section *s)
{
    size_t total = 0;
    for (size_t k = 0; k < s->n_units; k++)
        total += s->units[k].n_words;
    if (!total)
        return;
    flat *f = kl_core__calloc(total, sizeof *f);
    if (!f) {
        c->rc = kl_core__oom(c->ctx);
        return;
    }
    size_t n = 0;
    for (size_t k = 0; k < s->n_units; k++) {
        const unit *u = &s->units[k];
        for (size_t i = 0; i < u->n_words; i++) {
            const word *w = &u->words[i];
            UChar32 ch;
            int32_t j = w->s;
            U16_NEXT(u->u, j, w->e, ch);
            bool lower = true;
            for (int32_t m = w->s; m < w->e && lower; m++)
                lower = !u_isupper(u->u[m]);
            f[n++] = (flat){u_tolower(ch), lower && w->e - w->s <= 3, k, i};
        }
    }
    /* Abbreviations already seen in this section (only the first use counts). */
    const UChar **seen = kl_core__calloc(total, sizeof *seen);
    int32_t *seen_len = kl_core__calloc(total, sizeof *seen_len);
    size_t n_seen = 0;
    if (!seen || !seen_len) {
        kl_free(f);
        kl_free(seen);
        kl_free(seen_len);
        c->rc = kl_core__oom(c->ctx);
        return;
    }
    for (size_t p = 0; p < n && !c->rc; p++) {
        const unit *u = &s->units[f[p].unit];
        const word *w = &u->words[f[p].word];
        if (w->masked || !w->letter || !is_abbreviation(u, w))
            continue;
        const UChar *a = u->u + w->s;
        int32_t len = w->e - w->s;
        bool dup = false;
        for (size_t i = 0; i < n_seen && !dup; i++)
            dup = seen_len[i] == len && memcmp(seen[i], a, (size_t)len * sizeof *a) == 0;
        if (dup)
            continue;
        seen[n_seen] = a;
        seen_len[n_seen++] = len;
        if (in_list(&s->known, a, len))
            continue;
        /* The spelled-out form may come before it anywhere in the letter, or
         * after it in the same sentence ("an LCSPR (local child ...)"). */
        size_t end = p + 1;
        while (end < n && f[end].unit == f[p].unit && u->words[f[end].word].sentence == w->sentence)
            end++;
        if (spelled_out(f, 0, p, a, len) || spelled_out(f, p + 1, end, a, len))
            continue;
        char *term = kl_check__utf8_from_u(a, len);
        char *text = term ? sentence_at(u, w->s) : NULL;
        if (!term || !text) {
            kl_free(term);
            kl_free(text);
            c->rc = kl_core__oom(c->ctx);
            break;
        }
        s->st.avoid_hits++;
        kl_check__add_finding(
            c, KL_READ_ABBREVIATION, s->st.lang, u->node->msgid, term, text, 0,
            "\"%s\" is not spelled out where the letter first uses it: write the words "
            "in full first, or add it to the catalog's avoid.known list if everyone knows "
            "it",
            term);
        kl_free(term);
    }
    kl_free(f);
    kl_free(seen);
    kl_free(seen_len);
}

/* ---- kindness (the child died) ---------------------------------------------------- */

static bool has_sub(const char *s, const char *needle)
{
    return s && strstr(s, needle) != NULL;
}

/* Condolence before the review is explained. */
static void condolence_first(checker *c, section *s)
{
    bool condolence = false;
    const unit *first_section = NULL;
    for (size_t k = 0; k < s->n_units; k++) {
        const unit *u = &s->units[k];
        if (u->node->kind == KL_NODE_HEADING && u->node->level >= 2) {
            first_section = u;
            break;
        }
        if (has_sub(u->node->msgid, "condolence") || has_sub(u->node->msgid, "thinking"))
            condolence = true;
    }
    if (condolence)
        return;
    s->st.kindness++;
    kl_check__add_finding(
        c, KL_READ_KINDNESS, s->st.lang, first_section ? first_section->node->msgid : NULL, NULL,
        NULL, 0,
        "the letter explains the review before it offers condolence: put a "
        "condolence message (*.condolence or *.thinking.*) before the first section");
}

/* The child called by their full name in this unit (full: "Amelia Nowak"). */
static void full_name(checker *c, section *s, unit *u, const UChar *full, int32_t flen)
{
    int32_t at = kl_check__find_word(u->u, u->ulen, full, flen, 0);
    if (at < 0)
        return;
    char *text = sentence_at(u, at);
    if (!text) {
        c->rc = kl_core__oom(c->ctx);
        return;
    }
    s->st.kindness++;
    kl_check__add_finding(c, KL_READ_KINDNESS, s->st.lang, u->node->msgid, c->info->subject_given,
                          text, 0,
                          "the child is called by their full name here: elsewhere the letter "
                          "says \"%s\"; name the child the same way throughout",
                          c->info->subject_given);
}

/* Words that stand in for the child's name in this unit ("the child"), unless
 * the name follows ("your child Amelia") or the letter speaks of children in
 * general before. */
static void stand_ins(checker *c, section *s, unit *u, const UChar *given, int32_t glen)
{
    for (size_t i = 0; i < s->unnamed.n && !c->rc; i++) {
        const UChar *t = s->unnamed.items[i];
        int32_t tl = s->unnamed.lens[i];
        for (int32_t at = kl_check__find_word(u->low, u->ulen, t, tl, 0); at >= 0 && !c->rc;
             at = kl_check__find_word(u->low, u->ulen, t, tl, at + 1)) {
            /* "your child Amelia" names her; "a child ... the child" is about children in
             * general. */
            int32_t after = at + tl;
            while (after < u->ulen && u->u[after] == ' ')
                after++;
            if (after + glen <= u->ulen &&
                memcmp(u->u + after, given, (size_t)glen * sizeof *given) == 0)
                continue;
            bool generic = false;
            for (size_t g = 0; g < s->generic.n && !generic; g++) {
                int32_t ga = kl_check__find_word(u->low, u->ulen, s->generic.items[g],
                                                 s->generic.lens[g], 0);
                generic = ga >= 0 && ga < at;
            }
            if (generic)
                continue;
            char *term = kl_check__utf8_from_u(u->u + at, tl);
            char *text = term ? sentence_at(u, at) : NULL;
            if (!text) {
                kl_free(term);
                c->rc = kl_core__oom(c->ctx);
                break;
            }
            s->st.kindness++;
            kl_check__add_finding(c, KL_READ_KINDNESS, s->st.lang, u->node->msgid, term, text, 0,
                                  "\"%s\" stands in for the child's name in a letter to a bereaved "
                                  "family: say \"%s\"",
                                  term, c->info->subject_given);
            kl_free(term);
        }
    }
}

void kl_check__kindness(checker *c, section *s)
{
    condolence_first(c, s);
    if (c->rc || !c->info || !c->info->subject_given)
        return;

    /* The child named, by the name the family uses, never by a stand-in. */
    int32_t glen = 0, flen = 0;
    UChar *given = kl_check__to_u(c->info->subject_given, &glen);
    UChar *full = NULL;
    if (given && c->info->subject_family) {
        kl_buf b = KL_BUF_INIT;
        kl_core__buf_printf(&b, "%s %s", c->info->subject_given, c->info->subject_family);
        full = b.oom ? NULL : kl_check__to_u(b.data, &flen);
        kl_core__buf_free(&b);
        if (!full) {
            kl_free(given);
            c->rc = kl_core__oom(c->ctx);
            return;
        }
    }
    if (!given) {
        c->rc = kl_core__oom(c->ctx);
        return;
    }
    bool named = false;
    for (size_t k = 0; k < s->n_units && !c->rc; k++) {
        unit *u = &s->units[k];
        if (kl_check__find_word(u->u, u->ulen, given, glen, 0) >= 0)
            named = true;
        if (full)
            full_name(c, s, u, full, flen);
        if (!c->rc)
            stand_ins(c, s, u, given, glen);
    }
    if (!named && !c->rc) {
        s->st.kindness++;
        kl_check__add_finding(
            c, KL_READ_KINDNESS, s->st.lang, NULL, c->info->subject_given, NULL, 0,
            "the letter never names the child: a bereaved family should read \"%s\"",
            c->info->subject_given);
    }
    kl_free(given);
    kl_free(full);
}
