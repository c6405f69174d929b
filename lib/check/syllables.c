/* SPDX-License-Identifier: MIT */
/* check/syllables.c: syllables in an English word by rule, for the reading-ease formulas
 * (kl_readability_syllables_en; readability.c counts every word of a letter with it). */
#include "core/core.h"
#include "kinletter/readability.h"

#include <stdbool.h>
#include <string.h>

/* ---- syllables (English) ------------------------------------------------- */

/* Words the rules get wrong that letters are likely to use (counts from a
 * dictionary's syllable division). */
static const struct {
    const char *word;
    unsigned n;
} syl_exceptions[] = {
    {"people", 2},  {"every", 2},    {"maybe", 2},   {"business", 2},
    {"society", 4}, {"anxiety", 4},  {"element", 3}, {"create", 2},
    {"created", 3}, {"creating", 3}, {"recipe", 3},  {"poem", 2},
    {"quiet", 2},   {"wherever", 3}, {"hour", 1},    {"science", 2},
};

/* First parts of compounds that end in a silent e ("someone", "safeguarding"). */
static const char *const syl_prefixes[] = {"some",  "safe",  "home",  "care",  "life", "time",
                                           "whole", "where", "there", "house", "like", "every",
                                           "side",  "base",  "name",  "love"};

static bool base_vowel(char c)
{
    return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'A' || c == 'E' ||
           c == 'I' || c == 'O' || c == 'U';
}

static bool ends_with(const char *w, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    return n >= k && memcmp(w + n - k, suffix, k) == 0;
}

/* Is w[i] a vowel sound's letter: y between consonants, not the u of qu or
 * of gu before a vowel. */
static bool vowel_at(const char *w, size_t n, size_t i)
{
    char c = w[i];
    if (c == 'y')
        return i > 0 && !(i + 1 < n && base_vowel(w[i + 1]));
    if (c == 'u' && i > 0 && w[i - 1] == 'q')
        return false;
    if (c == 'u' && i > 0 && w[i - 1] == 'g' && i + 1 < n && base_vowel(w[i + 1]))
        return false;
    return base_vowel(c);
}

/* Syllables of w[0, n) as its groups of vowels, with the pairs said apart
 * counted twice. */
static unsigned vowel_groups(const char *w, size_t n)
{
    unsigned count = 0;
    for (size_t i = 0; i < n; i++) {
        if (!vowel_at(w, n, i))
            continue;
        if (i == 0 || !vowel_at(w, n, i - 1)) {
            count++;
            continue;
        }
        /* Two vowels side by side that are said apart. */
        char a = w[i - 1], b = w[i];
        char before = i >= 2 ? w[i - 2] : '\0';
        char after = i + 1 < n ? w[i + 1] : '\0';
        bool soft = before && strchr("ctsxg", before);
        if (a == 'i' && (b == 'a' || b == 'u') && !soft)
            count++; /* media, stadium */
        else if (a == 'i' && b == 'o' && !soft && after != 'n')
            count++; /* period, radio, serious */
        else if (a == 'e' && b == 'a' && i + 1 == n)
            count++; /* idea, area */
        else if (a == 'e' && b == 'o')
            count++; /* video */
        else if (a == 'u' && b == 'a' && (after == 'l' || after == 't') && before &&
                 !base_vowel(before))
            count++; /* actual, usual, situation */
        else if (a == 'u' && b == 'e' && (after == 'n' || after == 'l'))
            count++; /* fluent, cruel */
        else if (a == 'i' && b == 'e' && !soft &&
                 (after == 't' || (after == 'n' && i + 2 < n && strchr("ct", w[i + 2]))))
            count++; /* diet, client, experience */
    }
    return count;
}

/* w: lower-case ASCII letters; accented vowels as upper-case A E I O U (a vowel
 * that is never silent). */
static unsigned syllables_ascii(const char *w, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < sizeof syl_exceptions / sizeof syl_exceptions[0]; i++)
        if (strlen(syl_exceptions[i].word) == n && memcmp(syl_exceptions[i].word, w, n) == 0)
            return syl_exceptions[i].n;
    for (size_t i = 0; i < sizeof syl_prefixes / sizeof syl_prefixes[0]; i++) {
        size_t k = strlen(syl_prefixes[i]);
        if (n >= k + 2 && memcmp(w, syl_prefixes[i], k) == 0) {
            unsigned rest = syllables_ascii(w + k, n - k);
            bool rest_vowel = false;
            for (size_t j = k; j < n; j++)
                rest_vowel |= base_vowel(w[j]) || w[j] == 'y';
            if (rest_vowel)
                return syllables_ascii(w, k) + rest;
        }
    }

    unsigned count = vowel_groups(w, n);
    /* being, doing, going. */
    if (ends_with(w, n, "ing") && n >= 5 && vowel_at(w, n, n - 4))
        count++;
    if (count <= 1)
        return count ? count : 1;

    /* Endings whose e is silent. */
    if (w[n - 1] == 'e' && n >= 3 && !vowel_at(w, n, n - 2)) {
        bool cons_le =
            (w[n - 2] == 'l' || w[n - 2] == 'r') && !vowel_at(w, n, n - 3) && w[n - 3] != w[n - 2];
        if (!cons_le)
            count--; /* care, time; not little, centre */
    } else if (ends_with(w, n, "es") && n >= 4 && !vowel_at(w, n, n - 3)) {
        char c = w[n - 3];
        bool keep = strchr("sxzcg", c) || ends_with(w, n, "ches") || ends_with(w, n, "shes") ||
                    (c == 'l' && n >= 5 && !vowel_at(w, n, n - 4) && w[n - 4] != 'l');
        if (!keep)
            count--; /* makes, times; not services, changes, tables */
    } else if (ends_with(w, n, "ed") && n >= 4 && !vowel_at(w, n, n - 3) && w[n - 3] != 't' &&
               w[n - 3] != 'd') {
        bool keep = w[n - 3] == 'l' && n >= 5 && !vowel_at(w, n, n - 4) && w[n - 4] != 'l';
        if (!keep)
            count--; /* worked, happened; not needed, troubled */
    }
    /* A silent e before a suffix: completely, statement, hopeful. */
    static const char *const suffixes[] = {"ly", "ment", "ments", "ful", "less", "ness"};
    for (size_t s = 0; s < sizeof suffixes / sizeof suffixes[0]; s++) {
        size_t k = strlen(suffixes[s]);
        if (n >= k + 3 && w[n - k - 1] == 'e' && ends_with(w, n, suffixes[s])) {
            size_t p = n - k - 1;
            /* Not after a consonant and l: "settlement" keeps its e. */
            if (vowel_at(w, n, p) && !vowel_at(w, n, p - 1) &&
                (vowel_at(w, n, p - 2) || w[p - 1] != 'l') && count > 1)
                count--;
            break;
        }
    }
    return count ? count : 1;
}

KL_API unsigned kl_readability_syllables_en(const char *word, size_t len)
{
    if (!word)
        return 0;
    /* Words fit the small buffer; a longer string is measured whole. */
    char small[64] = "", *w = len < sizeof small ? small : kl_core__malloc(len);
    if (!w)
        return 0; /* out of memory: no syllables rather than a wrong count */
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)word[i];
        if (c >= 'A' && c <= 'Z')
            w[n++] = (char)(c - 'A' + 'a');
        else if (c >= 'a' && c <= 'z')
            w[n++] = (char)c;
        else if (c == 0xC3 && i + 1 < len) {
            /* Latin-1 letters: accented vowels are vowels that are always said. */
            unsigned char d = (unsigned char)word[++i] | 0x20;
            if (d >= 0xA0 && d <= 0xA6)
                w[n++] = 'A';
            else if (d >= 0xA8 && d <= 0xAB)
                w[n++] = 'E';
            else if (d >= 0xAC && d <= 0xAF)
                w[n++] = 'I';
            else if (d >= 0xB2 && d <= 0xB6)
                w[n++] = 'O';
            else if (d >= 0xB9 && d <= 0xBC)
                w[n++] = 'U';
            else
                w[n++] = 'z';
        }
    }
    unsigned count = syllables_ascii(w, n);
    if (w != small)
        kl_free(w);
    return count;
}
