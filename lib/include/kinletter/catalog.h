/* SPDX-License-Identifier: MIT */
/* kinletter/catalog.h: the translators' workflow: check, status, fingerprints, XLIFF,
 * pseudo-locales. */
#ifndef KINLETTER_CATALOG_H
#define KINLETTER_CATALOG_H

#include "common.h"
#include "letter.h" /* kl_catalog_set, for kl_catalog_fit() */

#ifdef __cplusplus
extern "C" {
#endif

/**
 * A working copy of the catalogs' text sources: every `<locale>.txt` in one
 * directory (`locales/` of the source tree, or a translator's own copy),
 * read with the position of every message. `en_GB` is the source language.
 * Used by one thread at a time.
 */
typedef struct kl_catalog_sources kl_catalog_sources;

/**
 * Read every catalog text source in a directory. A file that cannot be read
 * as a catalog is kept, and its problem is given by kl_catalog_check() (with
 * file, line and column) and by every function that needs it.
 *
 * @param ctx the context.
 * @param dir a directory of `*.txt` catalogs, or NULL for `locales/` along
 *        the data search path (the build copies each `.txt` there).
 * @param out receives the sources; the caller owns them (kl_catalog_sources_free).
 * @return 0, KL_ENOTFOUND (no directory, or no en_GB.txt in it), KL_EIO or KL_ENOMEM.
 */
KL_API int kl_catalog_sources_open(kl_context *ctx, const char *dir, kl_catalog_sources **out);

/** Free the sources. NULL is allowed. */
KL_API void kl_catalog_sources_free(kl_catalog_sources *src);

/** Number of catalogs (the source language included). */
KL_API size_t kl_catalog_sources_count(const kl_catalog_sources *src);

/** Catalog i's name as in its file name ("pl", "en_GB"). Borrowed. */
KL_API const char *kl_catalog_sources_name(const kl_catalog_sources *src, size_t i);

/** What a finding is about. */
typedef enum kl_finding_kind {
    KL_FINDING_SYNTAX = 0,   /**< the catalog or an ICU message cannot be read */
    KL_FINDING_MISSING,      /**< a message of the English is not translated */
    KL_FINDING_EXTRA,        /**< a message the English does not have */
    KL_FINDING_ARG_MISSING,  /**< an argument the English uses is not used */
    KL_FINDING_ARG_EXTRA,    /**< an argument shown that the English does not show */
    KL_FINDING_PLURAL,       /**< plural categories the language needs are missing */
    KL_FINDING_OTHER,        /**< a select or plural without `other` */
    KL_FINDING_STRUCTURE,    /**< a heading or list item changed its shape */
    KL_FINDING_UNTRANSLATED, /**< the same as the English */
    KL_FINDING_STALE,        /**< the English changed since it was translated: not used */
    KL_FINDING_UNCONFIRMED,  /**< no record of the English it was translated from */
    KL_FINDING_ISOLATE,      /**< a bidi isolation mark written by hand (unnecessary) */
    KL_FINDING_LENGTH        /**< over the length limit of a text message or email subject */
} kl_finding_kind;

/** One problem found by kl_catalog_check(). Strings are borrowed for the call. */
typedef struct kl_catalog_finding {
    kl_finding_kind kind;
    const char *kind_name;   /**< "syntax", "missing", "arg-missing", ... "unconfirmed" */
    kl_severity severity;    /**< KL_SEVERITY_ERROR (never in a letter as it is) or WARNING */
    const char *locale;      /**< the catalog ("pl") */
    const char *variant;     /**< "standard", "plain", "young_person", or "" */
    const char *msgid;       /**< the message id, or "" */
    const char *file;        /**< the file to fix */
    unsigned line, column;   /**< where (0 if not known) */
    const char *message;     /**< what is wrong, in English */
    const char *english;     /**< the current English text, or NULL */
    const char *old_english; /**< stale: the English it was translated from, or NULL if unknown */
    const char *text;        /**< the translation, or NULL */
} kl_catalog_finding;

/** Receives each finding. */
typedef void (*kl_catalog_finding_fn)(const kl_catalog_finding *finding, void *userdata);

/**
 * Check translated catalogs against the English: syntax (genrb and ICU
 * MessageFormat), messages missing and extra, argument parity, plural
 * categories (CLDR rules), `other` in every select, headings and list
 * items, untranslated text, and fingerprints (stale and unconfirmed).
 * `cover.*` messages are English-only and not expected elsewhere.
 *
 * @param locale a catalog name or BCP 47 tag ("pl", "pt-BR"), or NULL for
 *        every catalog (the English: its syntax only).
 * @param fn called for each finding, in file order.
 * @return 0 (whether or not anything was found), KL_ENOTFOUND (no such
 *         catalog) or KL_ENOMEM.
 */
KL_API int kl_catalog_check(kl_context *ctx, kl_catalog_sources *src, const char *locale,
                            kl_catalog_finding_fn fn, void *userdata);

/** Which messages kl_catalog_stamp() confirms. */
typedef enum kl_stamp_mode {
    KL_STAMP_UNCONFIRMED = 0, /**< only messages with no fingerprint yet */
    KL_STAMP_ALL,             /**< every translated message, stale ones too */
    KL_STAMP_LISTED           /**< only the message ids given */
} kl_stamp_mode;

/**
 * Record that translations match the current English: writes the
 * fingerprints of the English texts into the catalog's `sources` table
 * (rewriting the file atomically; nothing else in it changes) and keeps the
 * English texts in `source-history.txt` so a later change can be shown.
 *
 * @param locale the catalog.
 * @param ids for KL_STAMP_LISTED: message ids (every variant of each).
 * @param n_stamped receives how many fingerprints changed, or NULL.
 * @return 0, KL_ENOTFOUND, KL_EPARSE (the catalog cannot be read), KL_EIO or KL_ENOMEM.
 */
KL_API int kl_catalog_stamp(kl_context *ctx, kl_catalog_sources *src, const char *locale,
                            kl_stamp_mode mode, const char *const *ids, size_t n_ids,
                            size_t *n_stamped);

/** One row of kl_catalog_status(): a catalog, a letter, a reading variant. */
typedef struct kl_catalog_status_row {
    const char *locale;  /**< "pl" */
    const char *letter;  /**< template name ("notification") */
    const char *variant; /**< "standard", "plain", "young_person" */
    size_t total;        /**< messages the letter uses */
    size_t translated;   /**< translated and confirmed against the current English */
    size_t unconfirmed;  /**< translated, no fingerprint (used, but check) */
    size_t stale;        /**< the English changed since (not used) */
    size_t missing;      /**< not translated */
    const char *status;  /**< meta: "source", "draft", "reviewed" */
    const char *translator, *reviewer, *reviewed; /**< meta, or "" */
} kl_catalog_status_row;

/** Receives each row. */
typedef void (*kl_catalog_status_fn)(const kl_catalog_status_row *row, void *userdata);

/**
 * Coverage of every catalog for every letter (templates/ along the data
 * path) and reading variant, as a letter would use it: a variant's missing
 * message falls back to plain, then standard, in the same language.
 *
 * @return 0, KL_ENOTFOUND (no templates), KL_EPARSE or KL_ENOMEM.
 */
KL_API int kl_catalog_status(kl_context *ctx, kl_catalog_sources *src, kl_catalog_status_fn fn,
                             void *userdata);

/**
 * A catalog as XLIFF 2.0 for translators' tools: one `file` per reading
 * variant, one `unit` per message of the English (cover.* excepted) with the
 * English source, the translation (if any), its state (initial: missing,
 * stale or unconfirmed; translated; final in a reviewed catalog), and notes
 * on every argument and where the message appears.
 *
 * @param out receives the document (UTF-8, NUL-terminated; kl_free).
 * @param len receives its length, or NULL.
 * @return 0, KL_ENOTFOUND, KL_EPARSE (the catalog cannot be read), KL_EBACKEND or KL_ENOMEM.
 */
KL_API int kl_catalog_export_xliff(kl_context *ctx, kl_catalog_sources *src, const char *locale,
                                   char **out, size_t *len);

/**
 * Bring translations back from an XLIFF 2.0 file made by
 * kl_catalog_export_xliff(). Everything is checked first (the XML, every
 * unit id, every target's syntax, arguments, plural categories and
 * `other`); only if all is well is the catalog rewritten, atomically, with
 * only the changed messages and fingerprints touched (state translated,
 * reviewed or final confirms a message against the current English).
 *
 * @param path the XLIFF file.
 * @param dry_run 1: check only, write nothing.
 * @param changed receives the number of messages or fingerprints changed, or NULL.
 * @return 0, KL_EPARSE (XML or ICU syntax), KL_EFORMAT (not our XLIFF, an
 *         unknown unit, a wrong argument: nothing written), KL_ENOTFOUND
 *         (no catalog for its trgLang), KL_EIO or KL_ENOMEM.
 */
KL_API int kl_catalog_import_xliff(kl_context *ctx, kl_catalog_sources *src, const char *path,
                                   int dry_run, size_t *changed);

/** The exchange formats for translators' tools. */
typedef enum kl_exchange_format {
    KL_EXCHANGE_XLIFF20 = 0, /**< XLIFF 2.0 (the default) */
    KL_EXCHANGE_XLIFF12,     /**< XLIFF 1.2, what most CAT tools and translate-toolkit read */
    KL_EXCHANGE_PO,          /**< gettext PO (Poedit, Weblate, Pontoon, Launchpad) */
    KL_EXCHANGE_TMX,         /**< TMX 1.4: the confirmed translations, for a translation
                                  memory (export only) */
    KL_EXCHANGE_TBX          /**< TBX-Basic (TBX v2 martif): a glossary of the terms the
                                  catalog fixes (roles, titles, review types, advocate, words
                                  to avoid as deprecated), for a CAT tool (export only) */
} kl_exchange_format;

/**
 * A catalog in an exchange format: one unit per message of the English
 * (cover.* excepted) and reading variant, with the English, the
 * translation, its state (untranslated; stale or unconfirmed: PO fuzzy,
 * XLIFF 1.2 needs-review-translation, XLIFF 2.0 initial; translated; final or
 * reviewed in a reviewed catalog), notes on every argument, where the
 * message appears, the plural forms the language needs and a length limit
 * for text messages and email subjects. In XLIFF placeholders and the
 * frames of select and plural are inline codes (<ph>). The catalog's status,
 * reviewer, date and a fingerprint of the English travel with it (PO
 * header, XLIFF notes). The same catalog always gives the same bytes.
 *
 * @param out receives the document (UTF-8, NUL-terminated; kl_free).
 * @param len receives its length, or NULL.
 * @return 0, KL_EINVAL, KL_ENOTFOUND, KL_EPARSE, KL_EBACKEND or KL_ENOMEM.
 */
KL_API int kl_catalog_export(kl_context *ctx, kl_catalog_sources *src, const char *locale,
                             kl_exchange_format format, char **out, size_t *len);

/**
 * Bring translations back from a file of kl_catalog_export(), in any of its
 * formats (recognised from the content). Inline codes are turned back into
 * the ICU message; every unit is checked first (id, syntax, placeholders,
 * select keywords of the English, plural forms, length limit) and the
 * catalog is rewritten atomically only when all is well, touching only the
 * changed messages and fingerprints. A unit marked done (XLIFF translated,
 * reviewed, final, signed-off; PO not fuzzy) confirms its message against the
 * current English.
 *
 * @return as kl_catalog_import_xliff().
 */
KL_API int kl_catalog_import(kl_context *ctx, kl_catalog_sources *src, const char *path,
                             int dry_run, size_t *changed);

/**
 * Start a catalog for a new language: `<dir>/<locale>.txt` with a draft
 * `meta` table and empty `standard`, `plain` and `young_person` tables, so
 * it can be exported at once. The locale must be one ICU knows, with
 * plural rules; its script must be one fonts/fonts.xml covers when that
 * file is on the data path.
 *
 * @param locale a catalog name or BCP 47 tag ("de", "pt-BR").
 * @param path receives the file written (kl_free), or NULL.
 * @return 0, KL_EINVAL (not a language ICU knows, or a script without a
 *         font), KL_EFORMAT (the catalog exists), KL_EIO or KL_ENOMEM.
 */
KL_API int kl_catalog_init(kl_context *ctx, kl_catalog_sources *src, const char *locale,
                           char **path);

/** kl_catalog_status() for one catalog (locale NULL: every catalog). */
KL_API int kl_catalog_status_of(kl_context *ctx, kl_catalog_sources *src, const char *locale,
                                kl_catalog_status_fn fn, void *userdata);

/**
 * A pseudo-locale catalog made from the English, to test layout: "en-XA"
 * (accented, about 40% longer, in brackets) or "ar-XB" (right to left).
 *
 * @param out receives the catalog text source (kl_free).
 * @return 0, KL_EINVAL (another name), KL_EPARSE or KL_ENOMEM.
 */
KL_API int kl_catalog_pseudo(kl_context *ctx, kl_catalog_sources *src, const char *pseudo,
                             char **out);

/**
 * Compile a directory of catalog text sources with ICU's genrb into a new
 * private temporary directory (mode 0700). genrb's errors are reported with
 * file and line. The genrb program is `genrb` on PATH, or $KINLETTER_GENRB.
 *
 * @param out receives the directory (kl_free); remove it with kl_catalog_remove_compiled().
 * @return 0, KL_EPARSE (genrb rejected a catalog), KL_ENOTFOUND (no .txt or
 *         no genrb), KL_EIO or KL_ENOMEM.
 */
KL_API int kl_catalog_compile(kl_context *ctx, const char *src_dir, char **out);

/** Remove a directory made by kl_catalog_compile() and everything in it. */
KL_API void kl_catalog_remove_compiled(const char *dir);

/* ---- does a translation fit the page? --------------------------------------------------- */

/**
 * One row of kl_catalog_fit(): a template at a print profile.
 *
 * @param letter template name ("notification", "invitation", "update", "outcome").
 * @param print print profile ("standard", "large", "very-large").
 * @param en_pages pages of the letter in en-GB; -1 if it could not be rendered
 *        (the context's last error says why).
 * @param pages pages of the letter in the locale; -1 if it could not be rendered.
 * @param long_word at "very-large" only: the longest word of the translated
 *        letter too long for a line at 24 pt (it cannot wrap), else NULL.
 *        Valid during the call only.
 * @param problem 1 if the row is a problem: more than one page more than
 *        the English, a long word, or a letter that could not be rendered.
 */
typedef void (*kl_catalog_fit_fn)(const char *letter, const char *print, int en_pages, int pages,
                                  const char *long_word, int problem, void *userdata);
/**
 * Does a catalog's text still fit the page? Composes every template at every
 * print profile for a sample member (a built review, the same for every
 * language) in en-GB and in locale, renders each to PDF and text, and reports
 * each row to fn. A translation is a problem when its letter runs more than
 * one page longer than the English, or holds a word longer than a 24 pt line
 * (about 38 characters; scripts that break anywhere, web and email addresses
 * are left out).
 *
 * @param fn called once per row, in order; may be NULL.
 * @param problems receives the number of problem rows; may be NULL.
 * @return 0 (even with problems; a row that could not be rendered counts as
 *         one), KL_EINVAL, or what building the sample review or opening a
 *         PDF renderer returned.
 */
KL_API int kl_catalog_fit(kl_context *ctx, kl_catalog_set *catalogs, const char *locale,
                          kl_catalog_fit_fn fn, void *userdata, size_t *problems);

#ifdef __cplusplus
}
#endif

#endif
