/* SPDX-License-Identifier: MIT */
/* catalog/catalog_internal.h: what later modules use of the catalogs (internal): message look-up
 * with variant fallback, and MessageFormat. */
#ifndef KL_CATALOG_INTERNAL_H
#define KL_CATALOG_INTERNAL_H

#include "core/core.h"
#include "kinletter/letter.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- formatting (msgformat.cc, the one C++ file) ------------------------ */

typedef enum kl_arg_type { KL_ARG_STRING = 0, KL_ARG_NUMBER, KL_ARG_DATE } kl_arg_type;

/* A named argument. Dates are formatted as that calendar day wherever the
 * process's time zone is (they are passed as noon UTC). */
typedef struct kl_fmt_arg {
    const char *name;
    kl_arg_type type;
    const char *s; /* STRING (NULL = "") */
    double num;    /* NUMBER */
    kl_date date;  /* DATE */
} kl_fmt_arg;

/* What went wrong in a pattern. */
typedef struct kl_fmt_error {
    int offset;       /* character offset in the pattern (UParseError), -1 if unknown */
    char icu[48];     /* u_errorName() */
    char detail[160]; /* an English explanation with the text around the error */
} kl_fmt_error;

/* Format an ICU MessageFormat pattern (UTF-8) with named arguments in a
 * locale (ICU or BCP 47 id). A placeholder naming an argument that is not
 * supplied is an error (KL_EFORMAT), so a typo never reaches a letter.
 * *out is allocated (kl_free). Returns 0, KL_EPARSE (syntax; err filled),
 * KL_EFORMAT (unknown argument; err filled), KL_EBACKEND or KL_ENOMEM. */
int kl_catalog__format(const char *locale, const char *pattern, const kl_fmt_arg *args,
                       size_t n_args, char **out, kl_fmt_error *err);

/* The same, with a catalog's own long date style for every date argument:
 * date_pattern an ICU date pattern ("d MMMM y"), months the 12 month names
 * separated by '|' (NULL: ICU's). date_pattern NULL: ICU's style. */
int kl_catalog__format_dated(const char *locale, const char *pattern, const kl_fmt_arg *args,
                             size_t n_args, const char *date_pattern, const char *months,
                             char **out, kl_fmt_error *err);

/* kl_catalog__format_dated for a pattern a catalog set lends for its life (serial: the set's,
 * never 0 and never another set's): the thread finds its prepared pattern by the serial and
 * the pattern's address instead of reading the pattern (kl_catalog__message). */
int kl_catalog__format_lent(uint64_t serial, const char *locale, const char *pattern,
                            const kl_fmt_arg *args, size_t n_args, const char *date_pattern,
                            const char *months, char **out, kl_fmt_error *err);

/* Only check a pattern's syntax (no arguments needed). */
int kl_catalog__check_pattern(const char *locale, const char *pattern, kl_fmt_error *err);

/* kl_catalog__format and kl_catalog__format_dated keep, per thread, the ICU MessageFormat
 * each (locale, pattern, date style) was formatted with, and use it again: building one
 * costs several times more than formatting with it. The formatters below are kept the same
 * way. Per thread: an ICU formatter must not be used by two threads at once. Freed when the
 * thread ends. */

struct UDateIntervalFormat; /* ICU's, <unicode/udateintervalformat.h> */
struct UListFormatter;      /* ICU's, <unicode/ulistformatter.h> */

/* The contact hours' ICU formatters for an ICU locale id ("cy@calendar=gregorian;..."):
 * standalone weekday names, Monday first, and the 24-hour interval format ("Hm", UTC). 0 and
 * *out, the thread's own (valid until this thread asks for another locale's), or the
 * UErrorCode that failed (as an int; a warning is negative). */
typedef struct kl_hours_icu {
    char days[7][128];
    const struct UDateIntervalFormat *times;
} kl_hours_icu;
int kl_catalog__hours_icu(const char *icu_locale, const kl_hours_icu **out);

/* ICU's list format ("a, b and c") for an ICU locale id: as kl_catalog__hours_icu. */
int kl_catalog__list_icu(const char *icu_locale, const struct UListFormatter **out);

/* Texts the thread made from ICU's formatters and kept to be taken again (compose's contact
 * hours: a list joined, a range of times, the same for every member of a review), by a key
 * that names everything the text was made from (which formatter, the locale, the inputs).
 * kl_catalog__memo_get: the text kept under key (len bytes), or NULL; valid until the
 * thread's next kl_catalog__memo_put. kl_catalog__memo_put keeps a copy (out of memory: not
 * kept). At most KL_MEMO_MAX texts a thread, then it starts again; freed when the thread
 * ends. */
#define KL_MEMO_MAX 256
const char *kl_catalog__memo_get(const char *key, size_t len);
void kl_catalog__memo_put(const char *key, size_t len, const char *text);

/* What a message uses, for the translators' checks (msgformat.cc). */
#define KL_SHAPE_MAX_ARGS 48
typedef struct kl_msg_shape {
    size_t n_args;
    struct {
        char name[48];
        unsigned char shown;  /* shown as text: {name}, {n, number}, {d, date} */
        unsigned char chosen; /* chosen on: select, plural, selectordinal */
    } args[KL_SHAPE_MAX_ARGS];
    char no_other[48];       /* an argument whose select/plural lacks `other`, or "" */
    char plural_arg[48];     /* the first plural argument missing categories, or "" */
    char plural_missing[64]; /* those categories ("few many") */
    char plural_need[64];    /* every category the locale's plural rules have */
    size_t letters;          /* letters in the message's own text (not its syntax) */
} kl_msg_shape;

/* Analyse a pattern: its arguments and how each is used, select/plural
 * without `other`, and plural categories the locale needs but the message
 * lacks (CLDR rules through ICU's PluralRules). Returns 0, KL_EPARSE (err
 * filled), KL_EBACKEND or KL_ENOMEM. */
int kl_catalog__analyse(const char *locale, const char *pattern, kl_msg_shape *shape,
                        kl_fmt_error *err);

/* A pseudo-translation of a pattern (rtl 0: en-XA, accented, about 40%
 * longer, in [brackets]; rtl 1: ar-XB, each piece of text in right-to-left
 * override). Placeholders and select/plural keywords are kept. *out is
 * allocated. Returns 0, KL_EPARSE, KL_ENOMEM or KL_EBACKEND. */
int kl_catalog__pseudo(const char *pattern, int rtl, char **out);

/* ---- catalogs (catalog.c) ------------------------------------------------ */

/* Make a set over a directory of compiled catalogs (*.res; dir need not end
 * with '/'), each checked before ICU maps it. src_dir, when not NULL, is the
 * directory of .txt sources that were compiled into dir: dir is then a
 * private directory kl_catalog_remove_compiled() accepts, which the set owns
 * from here on (removed when the set is freed, or now on failure). Returns 0,
 * KL_EFORMAT or KL_EIO (a damaged catalog), KL_EBACKEND or KL_ENOMEM, each
 * reported. kl_catalog_set_open() (lib/l10n, which compiles a working copy
 * of sources first) is the public way in. */
int kl_catalog__set_new(kl_context *ctx, const char *dir, const char *src_dir,
                        kl_catalog_set **out);

/* A private directory of compiled catalogs is named KL_COMPILED_PREFIX
 * followed by mkdtemp's letters and holds the file KL_COMPILED_MARK, so
 * kl_catalog_remove_compiled() removes nothing it did not make. */
#define KL_COMPILED_PREFIX "kinletter-catalogs-"
#define KL_COMPILED_MARK   ".kinletter-compiled"

/* First 64 bits of the SHA-256 of text, as 16 lowercase hex digits: the
 * fingerprint a translation records of the English it was made from. */
void kl_catalog__fingerprint(const char *text, char out[17]);

/* Variant names in catalogs: "standard", "plain", "young_person", "easy_read". */
const char *kl_catalog__variant_key(kl_reading r);

/* Where a message was found. */
typedef struct kl_msg_origin {
    char icu_locale[64]; /* the catalog it came from ("pl", "en_GB") */
    kl_reading variant;  /* the variant table it came from */
} kl_msg_origin;

/* Find a message's pattern for a locale (BCP 47) and reading variant:
 * variants young_person > plain > standard (easy_read > plain > standard),
 * then within each the locale
 * chain ("pt_BR" > "pt"), never another language. *pattern is allocated.
 * Returns 0, KL_ENOTFOUND (nothing reported: the caller knows the member),
 * KL_EBACKEND (reported) or KL_ENOMEM. */
int kl_catalog__lookup(kl_context *ctx, kl_catalog_set *set, const char *locale, kl_reading variant,
                       const char *msgid, char **pattern, kl_msg_origin *origin);

/* Find the source line of a message in the catalog's .txt (next to the .res
 * file or as locales/<name>.txt along the data path). *path is allocated,
 * or NULL when the source is not found; line/column 0 then. */
void kl_catalog__source_position(kl_context *ctx, const kl_catalog_set *set,
                                 const kl_msg_origin *origin, const char *msgid, char **path,
                                 unsigned *line, unsigned *column);

/* Look up and format a message in one step, reporting every failure (with
 * the catalog source's file:line:col for ICU syntax errors). member_id may
 * be NULL. Returns as the two steps do. */
int kl_catalog__message(kl_context *ctx, kl_catalog_set *set, const char *locale,
                        kl_reading variant, const char *msgid, const kl_fmt_arg *args,
                        size_t n_args, const char *member_id, char **out, kl_msg_origin *origin);

/* Does a catalog exist for the locale's language? 1 yes, 0 no. */
int kl_catalog__has_locale(kl_catalog_set *set, const char *locale);

/* Does the locale's own catalog (its chain, never another language) have a
 * non-empty table for the reading variant? 1 yes, 0 no. Easy Read is only
 * written in a language whose catalog has an easy_read table. */
int kl_catalog__has_variant(kl_catalog_set *set, const char *locale, kl_reading variant);

/* A day in the long style of the locale's catalog: the catalog's `dates`
 * table (pattern, months) when it has one ("18 Janaayo 2027" for Somali,
 * whose CLDR data gives "Bisha Koobaad" and the American order), else ICU's.
 * Gregorian calendar and Western digits unless the tag asks for others. */
int kl_catalog__long_date(kl_context *ctx, kl_catalog_set *set, const char *locale, kl_date d,
                          char **out);

#ifdef __cplusplus
}
#endif

#endif
