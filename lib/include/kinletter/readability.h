/* SPDX-License-Identifier: MIT */
/* kinletter/readability.h: how easy and how kind a composed letter is to read
 * (docs/READABILITY.md). */
#ifndef KINLETTER_READABILITY_H
#define KINLETTER_READABILITY_H

#include "common.h"
#include "letter.h"
#include "review.h"

#ifdef __cplusplus
extern "C" {
#endif

/** What a finding is about. */
typedef enum kl_read_kind {
    KL_READ_LONG_SENTENCE = 0, /**< a sentence longer than the variant's limit */
    KL_READ_JARGON,            /**< a word from the catalog's `avoid.jargon` list */
    KL_READ_COLD,              /**< a cold or blaming word (`avoid.cold`) */
    KL_READ_ABBREVIATION,      /**< an abbreviation not spelled out at its first use */
    KL_READ_KINDNESS,          /**< a letter to a bereaved family breaks the kindness check */
    KL_READ_SCORE              /**< the reading-ease score is below the variant's threshold */
} kl_read_kind;

/**
 * One problem in a letter. All strings are borrowed from the report and
 * valid until kl_readability_free().
 */
typedef struct kl_read_finding {
    kl_read_kind kind;
    const char *lang;  /**< the language of the text (BCP 47) */
    const char *msgid; /**< the catalog message the text came from, or NULL */
    const char
        *term; /**< the word or phrase found (jargon, cold, abbreviation, unnamed), or NULL */
    const char *text; /**< the sentence concerned, or NULL */
    unsigned words;   /**< KL_READ_LONG_SENTENCE: the sentence's length in words */
    const char *what; /**< one English sentence saying what is wrong and what to do */
} kl_read_finding;

/**
 * The figures for the text of a letter in one language (a bilingual letter
 * has two). Only paragraphs and list items are counted: headings, the
 * address, contact rows and the signature are not prose. Strings borrowed
 * from the report.
 */
typedef struct kl_read_stats {
    const char *lang;   /**< BCP 47 */
    kl_reading variant; /**< the reading variant the letter was written in */
    size_t sentences;   /**< ICU sentence breaks, within each paragraph and item */
    size_t
        words; /**< ICU word breaks with a word-like status (letters, numbers, ideographs, kana) */
    size_t syllables;          /**< English only (0 otherwise) */
    size_t long_words;         /**< words of more than 6 letters (for LIX) */
    double avg_words;          /**< words per sentence */
    unsigned longest;          /**< words in the longest sentence */
    const char *longest_msgid; /**< where the longest sentence is, or NULL */
    unsigned limit;            /**< the variant's sentence limit: 25, 20 or 15 words */
    size_t over_limit;         /**< sentences longer than limit */
    int has_flesch;            /**< 1 for English: flesch and fk_grade are set */
    double flesch;             /**< Flesch reading ease (higher is easier) */
    double fk_grade;           /**< Flesch-Kincaid grade level */
    double min_flesch;         /**< the variant's threshold: 60, 70 or 75 */
    int has_lix;               /**< 1 for Latin-script languages: lix is set */
    double lix;                /**< LIX (lower is easier) */
    int few_words;    /**< 1 when under 100 words: scores are unreliable and not enforced */
    int has_wordlist; /**< 0: the catalog has no `avoid` table ("no word list for this language") */
    size_t avoid_hits; /**< jargon, cold words and unexplained abbreviations found */
    size_t kindness;   /**< kindness findings (died outcome only) */
} kl_read_stats;

/** The readability report of one composed letter. Opaque. */
typedef struct kl_readability kl_readability;

/**
 * Measure a composed letter: sentence and word counts (ICU break iterators
 * in the text's language), the longest sentences, Flesch reading ease and
 * Flesch-Kincaid grade (English) or LIX (other Latin-script languages),
 * words to avoid from the catalogs' `avoid` tables, abbreviations not
 * spelled out at first use, and, when the child died, the kindness check
 * (condolence before the review is explained, the child named, never
 * "the child" in their place).
 *
 * @param ctx the context.
 * @param letter a composed letter (not a text message).
 * @param catalogs the catalogs it was composed from (for the word lists).
 * @param review the review it was composed from (the child's name, the
 *        outcome, and the names and contact details that are not checked).
 * @param variant the reading variant the letter was composed in.
 * @param out receives the report; the caller owns it (kl_readability_free).
 * @return 0 (whatever was found: see kl_readability_ok()), KL_EINVAL,
 *         KL_EBACKEND (ICU failed) or KL_ENOMEM.
 */
KL_API int kl_readability_check(kl_context *ctx, const kl_letter *letter, kl_catalog_set *catalogs,
                                const kl_review *review, kl_reading variant, kl_readability **out);

/** Free a report. NULL is allowed. */
KL_API void kl_readability_free(kl_readability *r);

/** 1 if the letter is within every threshold and has no finding, else 0. */
KL_API int kl_readability_ok(const kl_readability *r);

/** Number of language sections (1, or 2 for a bilingual letter). */
KL_API size_t kl_readability_section_count(const kl_readability *r);

/** The figures of section i, or NULL. Borrowed from the report. */
KL_API const kl_read_stats *kl_readability_section(const kl_readability *r, size_t i);

/** Number of findings. */
KL_API size_t kl_readability_finding_count(const kl_readability *r);

/** Finding i in reading order, or NULL. Borrowed from the report. */
KL_API const kl_read_finding *kl_readability_finding(const kl_readability *r, size_t i);

/** A short English name for a finding kind ("long sentence"). Static string. */
KL_API const char *kl_read_kind_name(kl_read_kind kind);

/**
 * Which of a member's letters readability is measured on, as `kinletter
 * readability` chooses it: the member's first channel that is not a text
 * message (a text only invites contact), in the member's reading variant;
 * none for a member not contacted, with data errors, or reached by text
 * message only. Compose that letter and pass it to kl_readability_check().
 *
 * @param channel receives the channel to compose for.
 * @param variant receives the member's reading variant.
 * @param why receives NULL when there is a letter to measure, else why
 *        not, in English ("not contacted: no letters", "data has errors: no
 *        letters", "text messages only: no letter to measure"; static).
 * @return 0, or KL_EINVAL (an argument NULL).
 */
KL_API int kl_readability_letter_for(const kl_review *review, const kl_member *member,
                                     kl_channel *channel, kl_reading *variant, const char **why);

/**
 * Syllables in one English word, by rule (vowel groups, silent -e, -le,
 * -ed, -es and a few exceptions). Good enough for reading-ease formulas,
 * not for hyphenation.
 *
 * @param word UTF-8; non-letters are ignored.
 * @param len its length in bytes.
 * @return at least 1 for a word with a letter, else 0.
 */
KL_API unsigned kl_readability_syllables_en(const char *word, size_t len);

#ifdef __cplusplus
}
#endif

#endif
