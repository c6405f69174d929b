/* SPDX-License-Identifier: MIT */
/* l10n/l10n_priv.h: the translator tools' own declarations (internal to lib/l10n): catalogs'
 * text sources read with positions and rewritten in place, the working copy (files, template
 * usage, history, genrb), and what the exchange formats (XLIFF 2.0, XLIFF 1.2, gettext PO)
 * share. */
#ifndef KL_L10N_PRIV_H
#define KL_L10N_PRIV_H

#include "catalog/catalog_internal.h"
#include "core/core.h"
#include "kinletter/catalog.h"

/* ==== catalog sources: locales/<name>.txt read with positions (source.c) ================= */

/* One string resource: a message, a meta field or a fingerprint. */
typedef struct kl_csrc_str {
    char *table;           /* "standard", "meta", "sources/plain" */
    char *key;             /* "notification.title" */
    char *text;            /* the value as ICU sees it (strings joined, escapes decoded) */
    size_t vstart, vend;   /* bytes of the value: first '"' up to after the last '"' */
    unsigned line, column; /* the key */
    unsigned tline, tcol;  /* the first character of the text */
} kl_csrc_str;

/* A table (any depth): where its braces are, for inserting and removing. */
typedef struct kl_csrc_table {
    char *path;         /* "standard", "sources", "sources/plain" */
    size_t start;       /* the first byte of its key (line start when alone on the line) */
    size_t open, close; /* offsets of '{' and '}' */
} kl_csrc_table;

/* A parsed catalog source. */
typedef struct kl_csrc {
    char *path; /* as given */
    char *name; /* the file name without ".txt": "pl", "en_GB" */
    char *root; /* the root table's name */
    char *data; /* the whole file (NUL-terminated) */
    size_t len;
    kl_csrc_str *strs;
    size_t n_strs, cap_strs;
    kl_csrc_table *tables;
    size_t n_tables, cap_tables;
    size_t root_close; /* offset of the root table's '}' */
} kl_csrc;

/* Parse the subset of ICU's resource-bundle text syntax that catalogs use:
 * nested tables and strings (adjacent quoted strings joined; \uXXXX,
 * \UXXXXXXXX, \xXX, \t, \n... escapes; // and block comments). Each problem is
 * reported with path:line:col. Returns 0, KL_EPARSE, KL_EIO or KL_ENOMEM. */
int kl_l10n__src_parse(kl_context *ctx, const char *path, const char *data, size_t len,
                       kl_csrc **out);
int kl_l10n__src_load(kl_context *ctx, const char *path, kl_csrc **out);
void kl_l10n__src_free(kl_csrc *src);

/* The string at table/key, or NULL. */
const kl_csrc_str *kl_l10n__src_find(const kl_csrc *src, const char *table, const char *key);
/* The table with this path, or NULL. */
const kl_csrc_table *kl_l10n__src_table(const kl_csrc *src, const char *path);

/* The strings of a list in a table ("avoid", "jargon": word lists for checks,
 * not messages), NULL-terminated; *out NULL when there is none. The caller
 * frees each string and the array. Returns 0 or KL_ENOMEM. */
int kl_l10n__src_list(kl_context *ctx, const kl_csrc *src, const char *table, const char *name,
                      char ***out, size_t *n);

/* Append text as one quoted resource string (escaping '"', '\\', controls
 * and invisible format characters such as U+2068 as \uXXXX). */
int kl_l10n__quote(kl_buf *b, const char *text);

/* The English text a translated message corresponds to: the source catalog's
 * message for msgid in variant table `variant` or, failing that, the variant
 * it falls back to (young_person > plain > standard; easy_read > plain >
 * standard). NULL if none. */
const kl_csrc_str *kl_l10n__src_english(const kl_csrc *en, const char *variant, const char *msgid);

/* ==== the working copy (workcopy.c, compile.c) ========================================== */

#define KL_VARIANTS 4
extern const char *const kl_l10n__variants[KL_VARIANTS];

/* The catalog whose text is the source for translators. */
#define KL_SOURCE_CATALOG "en_GB"
/* Where English texts that were stamped are kept, in the catalogs' directory. */
#define KL_HISTORY_FILE "source-history.tsv"

/* One catalog file of the working copy. */
typedef struct kl_cfile {
    char *name; /* "pl" */
    char *path;
    kl_csrc *src; /* NULL if it could not be read */
    /* the problem that made src NULL */
    char *err_source, *err_message, *err_hint;
    unsigned err_line, err_col;
    int err_code;
} kl_cfile;

/* Where a template uses a message. */
typedef struct kl_usage {
    char *msgid;
    char *letter;     /* template name */
    const char *role; /* "heading", "paragraph", "list item", ... */
    char *section;    /* msgid of the heading of the enclosing section, or NULL */
    char *template_path;
    unsigned line;
} kl_usage;

struct kl_catalog_sources {
    char *dir; /* ends with '/' */
    kl_cfile *files;
    size_t n_files, cap_files;
    kl_cfile *en;
    /* fingerprint -> English text, from KL_HISTORY_FILE */
    int history_loaded;
    struct kl_hist {
        char *fp, *text;
    } * hist;
    size_t n_hist, cap_hist;
    /* template usage, loaded on first need */
    int usage_loaded;
    kl_usage *usage;
    size_t n_usage, cap_usage;
    char **letters; /* template names */
    size_t n_letters, cap_letters;
};

/* The file for a catalog name or BCP 47 tag, or NULL. */
kl_cfile *kl_l10n__file(kl_catalog_sources *s, const char *locale);
/* Report (kl_core__error) the problem that keeps a file from being used. */
int kl_l10n__file_error(kl_context *ctx, const kl_cfile *f);
/* Load template usage (silently skipping templates that do not load). */
int kl_l10n__usage(kl_context *ctx, kl_catalog_sources *s);
/* The same from the templates (*.xml) of one directory. */
int kl_l10n__usage_from(kl_context *ctx, kl_catalog_sources *s, const char *dir);
/* The English text stamped with fingerprint fp, or NULL. */
const char *kl_l10n__history(kl_context *ctx, kl_catalog_sources *s, const char *fp);
/* Is the message English-only by design? (cover.*: the note for the
 * professional who hands a letter over is always in English.) */
bool kl_l10n__english_only(const char *msgid);
/* The fingerprint recorded for a translation, or NULL. */
const char *kl_l10n__recorded_fp(const kl_csrc *tr, const char *variant, const char *msgid);

/* A catalog rewritten: fingerprints are given for every (variant, msgid) in
 * fp_keys/fp_values (NULL value = none); edits replace byte spans. */
typedef struct kl_cedit {
    size_t start, end;
    char *text;
} kl_cedit;
typedef struct kl_cwrite {
    kl_cedit *edits;
    size_t n_edits, cap_edits;
    /* new sources table contents: variant index, msgid, fingerprint */
    struct kl_cfp {
        int variant;
        char *msgid;
        char fp[17];
        const char *english; /* borrowed: recorded in the history when new */
    } * fps;
    size_t n_fps, cap_fps;
    bool fps_changed;
    kl_buf pending[KL_VARIANTS]; /* new messages for each variant table */
} kl_cwrite;
int kl_l10n__edit_add(kl_cwrite *w, size_t start, size_t end, const char *text);
int kl_l10n__fp_set(kl_cwrite *w, int variant, const char *msgid, const char *fp,
                    const char *english);
/* Fill w->fps from the catalog's current sources table. */
int kl_l10n__fp_load(kl_cwrite *w, const kl_csrc *tr);
void kl_l10n__cwrite_free(kl_cwrite *w);
/* Apply, check the result (parse and genrb) and write the file atomically;
 * dry_run: check only. Records the English of new fingerprints in the
 * history. */
int kl_l10n__commit(kl_context *ctx, kl_catalog_sources *s, kl_cfile *f, kl_cwrite *w, int dry_run);
/* Insert a new message into a variant table (made if absent). */
int kl_l10n__insert_msg(kl_cwrite *w, const kl_csrc *tr, const char *variant, const char *msgid,
                        const char *text);

/* Map an ICU offset (UTF-16 units) in a message to its file position. */
void kl_l10n__value_pos(const kl_csrc *src, const kl_csrc_str *str, int offset, unsigned *line,
                        unsigned *col);

/* Run genrb on one .txt into outdir; each error is passed to fn with the
 * file's line (or reported on ctx when fn is NULL). Returns 0, KL_EPARSE,
 * KL_ENOTFOUND (no genrb), KL_EBACKEND or KL_ENOMEM. */
typedef void (*kl_genrb_fn)(const char *file, unsigned line, const char *message, void *ud);
int kl_l10n__genrb(kl_context *ctx, const char *txt, const char *outdir, kl_genrb_fn fn, void *ud);
/* A private temporary directory (allocated path). */
int kl_l10n__mkdtemp(kl_context *ctx, char **out);

/* ==== exchange formats (exchange.c, xliff.c) ============================================= */

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
    size_t n_keys, cap_keys;
    bool oom;
    int error;          /* 0, or the message cannot be split (then one text run) */
    size_t err_offset;  /* bytes: the '{' never closed, or where it broke */
    char err_what[160]; /* what is wrong, in English */
} kl_icu_split;

/* How many characters a placeholder is counted as for length limits. */
#define KL_PH_CHARS 20

int kl_l10n__icu_split(const char *msg, kl_icu_split *out);
void kl_l10n__icu_split_free(kl_icu_split *sp);

/* The length limit of a message: 0 when none. gsm/ucs2: the maximum in
 * characters when its text is all GSM-7 / needs UCS-2; what: "text message
 * (3 parts)". */
unsigned kl_l10n__limit(const char *msgid, unsigned *ucs2, const char **what);
/* A translation over its limit: writes the explanation and returns true. */
bool kl_l10n__over_limit(const char *msgid, const char *text, char *why, size_t cap);
/* Select keywords of the English missing from a translation: writes the
 * first ("childGender: male") and returns true. */
bool kl_l10n__select_keys_missing(const char *english, const char *text, char *which, size_t cap);
/* Explain an ICU syntax error better than ICU's name for it, when we can:
 * an unclosed or stray brace (with its byte offset) or a straight
 * apostrophe that quotes a placeholder. Returns true when explained. */
bool kl_l10n__explain_syntax(const char *text, char *what, size_t cap, size_t *offset);
/* A straight apostrophe that quotes a brace ("'{"): its byte offset, or -1. */
long kl_l10n__quoting_apostrophe(const char *text);

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

int kl_l10n__xexport(kl_context *ctx, kl_catalog_sources *s, const char *locale, kl_xexport *x);
void kl_l10n__xexport_free(kl_xexport *x);
const char *kl_l10n__variant_note(int v);

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
int kl_l10n__ximport_begin(kl_ximport *im, const char *locale);
KL_PRINTF(5, 6)
void kl_l10n__ximport_bad(kl_ximport *im, unsigned line, unsigned col, const char *hint,
                          const char *fmt, ...);
/* One unit: variant name, message id, the English it was made from, the
 * translation (NULL or "" = none) and whether the file says it is done. */
void kl_l10n__ximport_unit(kl_ximport *im, unsigned line, unsigned col, const char *variant,
                           const char *id, const char *source, const char *target, bool confirms);
/* The file says the catalog is reviewed (by whom, when): set the catalog's
 * meta to that when every unit of the English was in the file, translated
 * and marked done; otherwise warn that it stays as it is. */
void kl_l10n__ximport_reviewed(kl_ximport *im, unsigned line, const char *reviewer,
                               const char *date);
/* Commit (or, with errors, refuse) and clean up. */
int kl_l10n__ximport_end(kl_ximport *im, int rc, int dry_run, size_t *changed);
/* The column of the first `needle` on a line of the file (1 if not found). */
unsigned kl_l10n__col_of(const kl_ximport *im, unsigned line, const char *needle);

/* The PO header's fields (Language, X-Kinletter-Catalog, -Status, ...), one "Name: value\n"
 * a line: the PO export's header and the XLIFF 1.2 export's gettext header unit. */
void kl_l10n__po_header(const kl_xexport *x, kl_buf *h);
/* The value of a header field ("Language") in such text, or "" (into out). */
void kl_l10n__header_field(const char *h, const char *name, char *out, size_t cap);
/* A unit named "variant:message.id" (a PO msgctxt or reference, an XLIFF 1.2 po-reference):
 * true when the part before the colon is a reading variant, with the variant (into vn). */
bool kl_l10n__unit_ref(const char *ref, size_t n, char *vn, size_t cap, const char **msgid);

int kl_l10n__import_po(kl_ximport *im, int dry_run, size_t *changed);
int kl_l10n__import_xliff12(kl_ximport *im, int dry_run, size_t *changed);
int kl_l10n__import_xliff20(kl_ximport *im, int dry_run, size_t *changed);
int kl_l10n__export_po(kl_context *ctx, kl_catalog_sources *s, const char *locale, char **out,
                       size_t *len);
int kl_l10n__export_xliff12(kl_context *ctx, kl_catalog_sources *s, const char *locale, char **out,
                            size_t *len);

/* The glossary (tbx.c). */
int kl_l10n__export_tbx(kl_context *ctx, kl_catalog_sources *s, const char *locale, char **out,
                        size_t *len);

struct _xmlBuffer;     /* libxml2's xmlBuffer */
struct _xmlTextWriter; /* libxml2's xmlTextWriter */
/* An XML writer into a new buffer, indenting by two spaces, after the XML declaration
 * (xliff.c). Returns 0, -1 (libxml2 failed) or -2 (out of memory); buf and w go to
 * kl_l10n__writer_end in any case. */
int kl_l10n__writer_begin(struct _xmlBuffer **buf, struct _xmlTextWriter **w);
/* The end of a writer, written or not (ok): the text into out (and its length into len when
 * not NULL), or the error (out of memory, or "libxml2 could not write the <what>"). */
int kl_l10n__writer_end(kl_context *ctx, struct _xmlBuffer *buf, struct _xmlTextWriter *w, bool ok,
                        bool oom, const char *what, char **out, size_t *len);

#endif
