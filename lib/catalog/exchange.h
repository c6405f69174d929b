/* SPDX-License-Identifier: MIT */
/* catalog/exchange.h: what the exchange formats (XLIFF 2.0, XLIFF 1.2, gettext PO) share
 * (internal): the units of an export, ICU messages split into text and inline codes, length
 * limits, and the all-or-nothing import of units. */
#ifndef KL_CATALOG_EXCHANGE_H
#define KL_CATALOG_EXCHANGE_H

#include "catalog/tools.h"

/* ---- ICU messages as text and codes ---------------------------------------------------- */

/* A run of a message: translatable text, or code (a placeholder, the
 * skeleton of a select or plural between its branches, '#'). */
typedef struct kl_icu_run {
    size_t start, end; /* bytes */
    bool code;
    bool atom; /* a whole placeholder ({name}, {d, date, long}): never merged */
} kl_icu_run;

typedef struct kl_icu_split {
    kl_icu_run *runs;
    size_t n, cap;
    unsigned long max_chars; /* the longest text it can make, placeholders as KL_PH_CHARS */
    bool ucs2;               /* its own text has a character outside GSM-7 */
    /* select keywords: "arg\x1fkeyword" */
    char **keys;
    size_t n_keys;
    bool oom;
    int error;          /* 0, or the message cannot be split (then one text run) */
    size_t err_offset;  /* bytes: the '{' never closed, or where it broke */
    char err_what[160]; /* what is wrong, in English */
} kl_icu_split;

/* How many characters a placeholder is counted as for length limits. */
#define KL_PH_CHARS 20

int kl_catalog__icu_split(const char *msg, kl_icu_split *out);
void kl_catalog__icu_split_free(kl_icu_split *sp);

/* The length limit of a message: 0 when none. gsm/ucs2: the maximum in
 * characters when its text is all GSM-7 / needs UCS-2; what: "text message
 * (3 parts)". */
unsigned kl_catalog__limit(const char *msgid, unsigned *ucs2, const char **what);
/* A translation over its limit: writes the explanation and returns true. */
bool kl_catalog__over_limit(const char *msgid, const char *text, char *why, size_t cap);
/* Select keywords of the English missing from a translation: writes the
 * first ("childGender: male") and returns true. */
bool kl_catalog__select_keys_missing(const char *english, const char *text, char *which,
                                     size_t cap);
/* Explain an ICU syntax error better than ICU's name for it, when we can:
 * an unclosed or stray brace (with its byte offset) or a straight
 * apostrophe that quotes a placeholder. Returns true when explained. */
bool kl_catalog__explain_syntax(const char *text, char *what, size_t cap, size_t *offset);
/* A straight apostrophe that quotes a brace ("'{"): its byte offset, or -1. */
long kl_catalog__quoting_apostrophe(const char *text);

/* ---- export units ------------------------------------------------------------------- */

typedef struct kl_xunit {
    int variant;
    const kl_csrc_str *e; /* the English */
    const kl_csrc_str *m; /* the translation, or NULL */
    bool current;         /* translated and confirmed against this English */
    bool stale;           /* the English changed since */
    bool unconfirmed;     /* translated, never confirmed */
    const char *old_english;
    char *location;  /* where it appears */
    char *arguments; /* what each placeholder holds, or NULL */
    char *plural;    /* the plural forms the language needs, or NULL */
    unsigned max_gsm, max_ucs2;
    const char *limit_what;
} kl_xunit;

typedef struct kl_xexport {
    kl_cfile *f;
    char bcp[64];
    const char *status, *reviewer, *reviewed, *translator;
    char english_fp[17]; /* of every English message */
    kl_xunit *units;
    size_t n;
} kl_xexport;

int kl_catalog__xexport(kl_context *ctx, kl_catalog_sources *s, const char *locale, kl_xexport *x);
void kl_catalog__xexport_free(kl_xexport *x);
const char *kl_catalog__variant_note(int v);

/* ---- import ------------------------------------------------------------------------- */

typedef struct kl_ximport {
    kl_context *ctx;
    kl_catalog_sources *s;
    const char *path;
    const char *data; /* the file, for columns */
    size_t len;
    kl_cfile *f;
    char bcp[64];
    kl_cwrite w;
    size_t errors, n_changes;
    bool oom;
    /* units of the English seen, and those translated and marked done */
    size_t n_seen, n_done;
    size_t n_texts;    /* translations changed or added */
    bool set_reviewed; /* this import marks the catalog reviewed */
} kl_ximport;

/* Find the catalog (locale: its name or BCP 47 tag) and prepare. */
int kl_catalog__ximport_begin(kl_ximport *im, const char *locale);
KL_PRINTF(5, 6)
void kl_catalog__ximport_bad(kl_ximport *im, unsigned line, unsigned col, const char *hint,
                             const char *fmt, ...);
/* One unit: variant name, message id, the English it was made from, the
 * translation (NULL or "" = none) and whether the file says it is done. */
void kl_catalog__ximport_unit(kl_ximport *im, unsigned line, unsigned col, const char *variant,
                              const char *id, const char *source, const char *target,
                              bool confirms);
/* The file says the catalog is reviewed (by whom, when): set the catalog's
 * meta to that when every unit of the English was in the file, translated
 * and marked done; otherwise warn that it stays as it is. */
void kl_catalog__ximport_reviewed(kl_ximport *im, unsigned line, const char *reviewer,
                                  const char *date);
/* Commit (or, with errors, refuse) and clean up. */
int kl_catalog__ximport_end(kl_ximport *im, int rc, int dry_run, size_t *changed);
/* The column of the first `needle` on a line of the file (1 if not found). */
unsigned kl_catalog__col_of(const kl_ximport *im, unsigned line, const char *needle);

/* The PO header's fields (Language, X-Kinletter-Catalog, -Status, ...), one "Name: value\n"
 * a line: the PO export's header and the XLIFF 1.2 export's gettext header unit. */
void kl_catalog__po_header(const kl_xexport *x, kl_buf *h);
/* The value of a header field ("Language") in such text, or "" (into out). */
void kl_catalog__header_field(const char *h, const char *name, char *out, size_t cap);
/* A unit named "variant:message.id" (a PO msgctxt or reference, an XLIFF 1.2 po-reference):
 * true when the part before the colon is a reading variant, with the variant (into vn). */
bool kl_catalog__unit_ref(const char *ref, size_t n, char *vn, size_t cap, const char **msgid);

int kl_catalog__import_po(kl_ximport *im, int dry_run, size_t *changed);
int kl_catalog__import_xliff12(kl_ximport *im, int dry_run, size_t *changed);
int kl_catalog__import_xliff20(kl_ximport *im, int dry_run, size_t *changed);
int kl_catalog__export_po(kl_context *ctx, kl_catalog_sources *s, const char *locale, char **out,
                          size_t *len);
int kl_catalog__export_xliff12(kl_context *ctx, kl_catalog_sources *s, const char *locale,
                               char **out, size_t *len);

#endif
