/* SPDX-License-Identifier: MIT */
/* check/readability_priv.h: what readability.c (units, measures, the check) and
 * readability_words.c (words to avoid, kindness) share. */
#ifndef KL_CHECK_READABILITY_PRIV_H
#define KL_CHECK_READABILITY_PRIV_H

#include "check/check_internal.h"
#include "review/review_internal.h"

#include <stdbool.h>
#include <stdint.h>
#include <unicode/uloc.h>
#include <unicode/utypes.h>

typedef struct word {
    int32_t s, e;      /* UTF-16 range in the unit */
    bool letter;       /* letters (not a number) */
    bool masked;       /* inside a name or contact detail from the review */
    unsigned sentence; /* index in the unit's sentences */
} word;

typedef struct span {
    int32_t s, e;
} span;

typedef struct unit {
    const kl_node *node;
    UChar *u, *low; /* the text and its lower case (same length) */
    int32_t ulen;
    int32_t *u8; /* UTF-8 offset of each UTF-16 index (ulen + 1) */
    unsigned char *mask;
    unsigned char
        *hit; /* already reported as a word to avoid ("the deceased", then not "deceased") */
    word *words;
    size_t n_words, cap_words;
    span *sents;
    size_t n_sents, cap_sents;
    bool prose; /* a paragraph or list item that is not only names and contact details */
} unit;

typedef struct wordlist {
    UChar **items; /* lower case */
    int32_t *lens;
    size_t n;
} wordlist;

typedef struct section {
    kl_read_stats st;
    char *lang;
    char icu[ULOC_FULLNAME_CAPACITY];
    unit *units;
    size_t n_units, cap_units;
    bool english, latin;
    wordlist jargon, cold, known, unnamed, generic;
} section;

struct kl_readability {
    section *secs;
    size_t n_secs, cap_secs;
    kl_read_finding *finds;
    size_t n_finds, cap_finds;
    int ok;
};

typedef struct checker {
    kl_context *ctx;
    kl_readability *r;
    const kl_review_info *info;
    kl_reading variant;
    int rc; /* first failure (ENOMEM, EBACKEND) */
} checker;

/* UTF-8 of u's text [s, e) without the white space at its ends; NULL: out of memory. */
char *kl_check__utf8_of(const unit *u, int32_t s, int32_t e);
/* UTF-8 of UTF-16 text, or NULL. */
char *kl_check__utf8_from_u(const UChar *s, int32_t len);
/* UTF-16 of UTF-8 text (its length in *len), or NULL. */
UChar *kl_check__to_u(const char *s, int32_t *len);
/* Where needle occurs in hay as a whole word from `from` on, or -1. */
int32_t kl_check__find_word(const UChar *hay, int32_t len, const UChar *needle, int32_t n,
                            int32_t from);
/* A finding (text_owned is taken over, freed on failure); 0, or c->rc set to the error. */
int kl_check__add_finding(checker *c, kl_read_kind kind, const char *lang, const char *msgid,
                          const char *term, char *text_owned, unsigned words, const char *fmt, ...)
    KL_PRINTF(8, 9);

/* readability_words.c: a unit's words from list l (jargon, cold words). */
void kl_check__list_hits(checker *c, section *s, unit *u, const wordlist *l, kl_read_kind kind);
/* Abbreviations not spelled out first, nor in the catalog's known list. */
void kl_check__abbreviations(checker *c, section *s);
/* A letter about a child who died: condolence first, the child named as the family does. */
void kl_check__kindness(checker *c, section *s);

#endif
