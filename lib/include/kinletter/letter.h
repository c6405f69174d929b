/* SPDX-License-Identifier: MIT */
/* kinletter/letter.h: templates, message catalogs, composed letters, plain renderers. */
#ifndef KINLETTER_LETTER_H
#define KINLETTER_LETTER_H

#include "common.h"
#include "review.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- templates (docs/TEMPLATES.md) ------------------------------------- */

/** A loaded letter template. Immutable: one may be shared by many threads. */
typedef struct kl_template kl_template;

/**
 * Load a template file, check it against the template schema and compile
 * its XPath expressions. Every problem is reported with file, line and
 * column.
 *
 * @param ctx the context.
 * @param path the template file.
 * @param out receives the template; the caller owns it (kl_template_free).
 * @return 0, KL_EIO, KL_EPARSE (not well-formed XML, bad XPath),
 *         KL_EFORMAT (breaks the schema), KL_ELIMIT or KL_ENOMEM.
 */
KL_API int kl_template_load_file(kl_context *ctx, const char *path, kl_template **out);

/**
 * Load a template from memory; name is used in messages.
 * Same results as kl_template_load_file().
 */
KL_API int kl_template_load_buffer(kl_context *ctx, const char *data, size_t len, const char *name,
                                   kl_template **out);

/**
 * Load a bundled template by name ("notification" finds
 * templates/notification.xml along the data search path).
 *
 * @return as kl_template_load_file(), or KL_ENOTFOUND.
 */
KL_API int kl_template_load_name(kl_context *ctx, const char *name, kl_template **out);

/** Free a template. NULL is allowed. */
KL_API void kl_template_free(kl_template *tpl);

/** The template's name (`letter@name`). Borrowed from the template. */
KL_API const char *kl_template_name(const kl_template *tpl);

/* ---- message catalogs --------------------------------------------------- */

/**
 * The compiled catalogs (ICU resource bundles, one .res file per locale) in
 * one directory. Thread-safe: one set may be shared by many threads.
 */
typedef struct kl_catalog_set kl_catalog_set;

/**
 * Open the catalogs in a directory.
 *
 * @param ctx the context.
 * @param dir a directory of compiled catalogs (`en_GB.res`, `pl.res`), or
 *        NULL for `locales/` along the data search path.
 * @param out receives the set; the caller owns it (kl_catalog_set_free).
 * @return 0, KL_ENOTFOUND (no such directory), KL_EINVAL or KL_ENOMEM.
 */
KL_API int kl_catalog_set_open(kl_context *ctx, const char *dir, kl_catalog_set **out);

/** Free a catalog set. NULL is allowed. */
KL_API void kl_catalog_set_free(kl_catalog_set *set);

/** The directory the set reads (ends with '/'). Borrowed. */
KL_API const char *kl_catalog_set_dir(const kl_catalog_set *set);

/** A catalog's `meta` table: how far its translation has got. The caller
 * allocates it: initialise with KL_CATALOG_META_INIT (which sets size), so a
 * later library that adds fields at the end writes only those the caller has. */
typedef struct kl_catalog_meta {
    size_t size;          /**< set by the caller: sizeof(kl_catalog_meta) */
    const char *locale;   /**< the catalog actually used ("pt" for "pt-BR") */
    const char *status;   /**< "source", "draft" or "reviewed" ("" if not said) */
    const char *reviewer; /**< who reviewed it, or "" */
    const char *reviewed; /**< when (YYYY-MM-DD), or "" */
} kl_catalog_meta;

#define KL_CATALOG_META_INIT                                                                       \
    {                                                                                              \
        sizeof(kl_catalog_meta), NULL, NULL, NULL, NULL                                            \
    }

/**
 * The meta table of the catalog that serves a locale (BCP 47, "pt-BR";
 * "pt-BR" falls back to "pt" but never to another language).
 *
 * @param out initialised with KL_CATALOG_META_INIT; receives strings borrowed
 *        from the set, valid until it is freed.
 * @return 0, KL_ENOTFOUND (no catalog for that language), KL_EINVAL (out
 *         NULL or out->size too small) or KL_ENOMEM.
 */
KL_API int kl_catalog_set_meta(kl_context *ctx, kl_catalog_set *set, const char *locale,
                               kl_catalog_meta *out);

/** One language a review's letters need, and how far its catalog has got.
 * Made by the library, borrowed for the call; fields may be added at the
 * end (size says how many there are). */
typedef struct kl_review_language {
    size_t size;          /**< sizeof the library's kl_review_language */
    const char *locale;   /**< as the members give it (BCP 47, "pl", "en-GB") */
    const char *status;   /**< the catalog's: "source", "draft", "reviewed" ("" if not said),
                               or "missing" when no catalog serves it (no letter can be
                               written in it) */
    const char *reviewer; /**< who reviewed the catalog, or "" */
    const char *reviewed; /**< when (YYYY-MM-DD), or "" */
    size_t members;       /**< members whose letters use it (first or second language) */
    const char *catalog;  /**< the catalog that serves it ("pt" for "pt-BR"), or NULL */
} kl_review_language;

/** Receives each language of kl_review_languages(). */
typedef void (*kl_review_language_fn)(const kl_review_language *lang, void *userdata);

/**
 * The languages a review's letters need (every member's language and a
 * bilingual letter's second, each once, in member order) and the status of
 * the catalog that serves each: a coordinator must know before sending that
 * a translation is a draft, or missing. What `kinletter check` prints under
 * "Translations".
 *
 * @return 0 (a language without a catalog is reported as "missing", not
 *         an error), KL_EINVAL or KL_ENOMEM.
 */
KL_API int kl_review_languages(kl_context *ctx, const kl_review *review, kl_catalog_set *set,
                               kl_review_language_fn fn, void *userdata);

/**
 * Check that every message a template uses exists in a locale's catalog
 * (in the `standard` variant, which every other variant falls back to), and
 * that each is valid ICU MessageFormat. Each problem is reported with the
 * template's (or catalog source's) file, line and column.
 *
 * @return 0 if all is well, KL_ENOTFOUND (a message is missing),
 *         KL_EPARSE (ICU syntax error), or KL_ENOMEM.
 */
KL_API int kl_template_check_messages(kl_context *ctx, const kl_template *tpl, kl_catalog_set *set,
                                      const char *locale);

/* ---- composed letters --------------------------------------------------- */

/** One letter for one member and one channel, ready to render. */
typedef struct kl_letter kl_letter;

/**
 * One question a family member asked and the answer recorded (version 2 of
 * kl_letter_options; docs/RECORD.md). The texts are printed as written,
 * marked as the language they were written in.
 */
typedef struct kl_letter_qa {
    /** The member who asked; the letter for any other member leaves the
     * entry out (so one list may serve a whole batch). NULL = the member
     * being composed. */
    const char *member_id;
    const char *question;      /**< the question as recorded (UTF-8) */
    const char *question_lang; /**< its language (BCP 47); NULL = "en-GB" */
    /** The answer as recorded, or NULL (or "") while it is open: the letter
     * then says it is not answered yet (the template's `open` message). */
    const char *answer;
    const char *answer_lang; /**< its language (BCP 47); NULL = "en-GB" */
} kl_letter_qa;

/** Options for composing. Initialise with KL_LETTER_OPTIONS_INIT. */
typedef struct kl_letter_options {
    unsigned version; /**< KL_LETTER_OPTIONS_VERSION */
    /** 0 (default): a message missing in the member's language is an error
     * for that member. 1: take it from fallback_locale and record it (see
     * kl_letter_fallback_count()); a warning is reported for each. */
    int allow_language_fallback;
    /** The source language for allow_language_fallback; NULL = "en-GB". */
    const char *fallback_locale;
    /** "YYYY-MM-DD": the letter date, overriding the review's (for
     * reproducible output), or NULL. */
    const char *date;
    /** -1: the member's reading need; else a kl_reading to use instead. */
    int variant;
    /** (version 2) The member's questions and answers, in the order they
     * are printed, for a template's `<questions>` element; NULL or none of
     * this member's: the element prints nothing. Borrowed for the call. */
    const kl_letter_qa *qa;
    size_t n_qa;
} kl_letter_options;

/* Version 1 (without qa) is still accepted. */
#define KL_LETTER_OPTIONS_VERSION 2
#define KL_LETTER_OPTIONS_INIT                                                                     \
    {                                                                                              \
        KL_LETTER_OPTIONS_VERSION, 0, NULL, NULL, -1, NULL, 0                                      \
    }

/**
 * Compose a letter: the template's structure, the member's catalog text and
 * the review's facts, for one channel. Only the member's own address is
 * ever used.
 *
 * @param ctx the context.
 * @param tpl the template.
 * @param catalogs the catalogs.
 * @param review the review.
 * @param member a member of that review.
 * @param channel the channel to write for (the member need not list it).
 * @param opts options, or NULL for defaults.
 * @param out receives the letter; the caller owns it (kl_letter_free).
 * @return 0, KL_ENOTFOUND (a message missing in the member's language: the
 *         message names the id and locale), KL_EPARSE (ICU syntax error in
 *         a message), KL_EDATA (the member's data does not allow this
 *         channel, e.g. post without an address), KL_EBACKEND, KL_EINVAL or
 *         KL_ENOMEM.
 */
KL_API int kl_letter_compose(kl_context *ctx, const kl_template *tpl, kl_catalog_set *catalogs,
                             const kl_review *review, const kl_member *member, kl_channel channel,
                             const kl_letter_options *opts, kl_letter **out);

/** Free a letter. NULL is allowed. */
KL_API void kl_letter_free(kl_letter *letter);

/** The letter's title (the PDF title; the email subject). Borrowed. */
KL_API const char *kl_letter_title(const kl_letter *letter);

/** The letter's main language (BCP 47). Borrowed. */
KL_API const char *kl_letter_lang(const kl_letter *letter);

/** Number of messages taken from the fallback language (0 unless allowed). */
KL_API size_t kl_letter_fallback_count(const kl_letter *letter);

/** Message id of fallback i ("locale:msgid"), or NULL. Borrowed. */
KL_API const char *kl_letter_fallback(const kl_letter *letter, size_t i);

/**
 * The letter as plain text (UTF-8), wrapped at 72 columns.
 *
 * @param out receives the text; the caller frees it with kl_free().
 * @return 0, KL_EBACKEND or KL_ENOMEM.
 */
KL_API int kl_letter_render_text(kl_context *ctx, const kl_letter *letter, char **out);

/**
 * The letter as a BRF file for an embossing service (what a member with
 * `needs format="braille"` gets): North American Braille ASCII, 40 cells
 * by 25 lines, lines ending CR LF, a form feed between pages, the braille
 * page number at the top right; the address block and pictures left out.
 * Translated by liblouis with the table of each part's language (UEB
 * grade 2 for English; docs/ACCESSIBILITY.md, braille). The letter's text
 * passes the disclosure check first, as kl_letter_render_text()'s does.
 *
 * @param out receives the bytes, NUL-terminated; the caller frees it with kl_free().
 * @param len receives the number of bytes, or NULL.
 * @param pages receives the number of braille pages, or NULL.
 * @return 0, KL_EDATA (liblouis has no braille table for the language, or the
 *         table no braille for a character: the message names the member and
 *         the language or code point), KL_EBACKEND (liblouis cannot load the
 *         table) or KL_ENOMEM.
 */
KL_API int kl_letter_render_brf(kl_context *ctx, const kl_letter *letter, char **out, size_t *len,
                                unsigned *pages);

/**
 * The letter as an email: a one-line subject and a plain-text body wrapped
 * at 72 columns (never inside a URL or an email address).
 *
 * @param subject receives the subject; the caller frees it with kl_free().
 * @param body receives the body; the caller frees it with kl_free().
 * @return 0, KL_EBACKEND or KL_ENOMEM.
 */
KL_API int kl_letter_render_email(kl_context *ctx, const kl_letter *letter, char **subject,
                                  char **body);

/** How a text message is sent. The caller allocates it: initialise with
 * KL_SMS_INFO_INIT (which sets size). */
typedef struct kl_sms_info {
    size_t size;       /**< set by the caller: sizeof(kl_sms_info) */
    unsigned segments; /**< parts the network sends (1 to 3) */
    unsigned units;    /**< GSM-7 septets, or UCS-2 code units */
    int ucs2;          /**< 1: UCS-2 (70 a part, 67 when split); 0: GSM-7 (160/153) */
} kl_sms_info;

#define KL_SMS_INFO_INIT                                                                           \
    {                                                                                              \
        sizeof(kl_sms_info), 0, 0, 0                                                               \
    }

/**
 * The letter's text message (the template's `sms` element).
 *
 * @param out receives the text; the caller frees it with kl_free().
 * @param info initialised with KL_SMS_INFO_INIT: receives the encoding and
 *        segment count; or NULL.
 * @return 0, KL_ENOTFOUND (the template has no sms), KL_ELIMIT (more than 3
 *         segments or 918 characters), KL_EINVAL (info->size too small), or
 *         KL_ENOMEM.
 */
KL_API int kl_letter_render_sms(kl_context *ctx, const kl_letter *letter, char **out,
                                kl_sms_info *info);

/**
 * Count the segments of any text message.
 *
 * @param info initialised with KL_SMS_INFO_INIT, or NULL.
 * @return 0, KL_ELIMIT (over 3 segments or 918 characters; info still
 *         filled), KL_EPARSE (not UTF-8) or KL_EINVAL (text NULL, or
 *         info->size too small).
 */
KL_API int kl_sms_measure(kl_context *ctx, const char *text, kl_sms_info *info);

#ifdef __cplusplus
}
#endif

#endif
