/* SPDX-License-Identifier: MIT */
/* catalog/tools.h: shared parts of the translators' workflow (internal). */
#ifndef KL_CATALOG_TOOLS_H
#define KL_CATALOG_TOOLS_H

#include "catalog/catalog.h"
#include "catalog/source.h"
#include "kinletter/catalog.h"

#define KL_VARIANTS 4
extern const char *const kl_catalog__variants[KL_VARIANTS];

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
    size_t n_files;
    kl_cfile *en;
    /* fingerprint -> English text, from KL_HISTORY_FILE */
    int history_loaded;
    char **hist_fp, **hist_text;
    size_t n_hist;
    /* template usage, loaded on first need */
    int usage_loaded;
    kl_usage *usage;
    size_t n_usage;
    char **letters; /* template names */
    size_t n_letters;
};

/* The file for a catalog name or BCP 47 tag, or NULL. */
kl_cfile *kl_catalog__file(kl_catalog_sources *s, const char *locale);
/* Report (kl_core__error) the problem that keeps a file from being used. */
int kl_catalog__file_error(kl_context *ctx, const kl_cfile *f);
/* Load template usage (silently skipping templates that do not load). */
int kl_catalog__usage(kl_context *ctx, kl_catalog_sources *s);
/* The same from the templates (*.xml) of one directory. */
int kl_catalog__usage_from(kl_context *ctx, kl_catalog_sources *s, const char *dir);
/* The English text stamped with fingerprint fp, or NULL. */
const char *kl_catalog__history(kl_context *ctx, kl_catalog_sources *s, const char *fp);
/* Is the message English-only by design? (cover.*: the note for the
 * professional who hands a letter over is always in English.) */
bool kl_catalog__english_only(const char *msgid);
/* The fingerprint recorded for a translation, or NULL. */
const char *kl_catalog__recorded_fp(const kl_csrc *tr, const char *variant, const char *msgid);

/* A catalog rewritten: fingerprints are given for every (variant, msgid) in
 * fp_keys/fp_values (NULL value = none); edits replace byte spans. */
typedef struct kl_cedit {
    size_t start, end;
    char *text;
} kl_cedit;
typedef struct kl_cwrite {
    kl_cedit *edits;
    size_t n_edits;
    /* new sources table contents: variant index, msgid, fingerprint */
    struct kl_cfp {
        int variant;
        char *msgid;
        char fp[17];
        const char *english; /* borrowed: recorded in the history when new */
    } * fps;
    size_t n_fps;
    bool fps_changed;
    kl_buf pending[KL_VARIANTS]; /* new messages for each variant table */
} kl_cwrite;
int kl_catalog__edit_add(kl_cwrite *w, size_t start, size_t end, const char *text);
int kl_catalog__fp_set(kl_cwrite *w, int variant, const char *msgid, const char *fp,
                       const char *english);
/* Fill w->fps from the catalog's current sources table. */
int kl_catalog__fp_load(kl_cwrite *w, const kl_csrc *tr);
void kl_catalog__cwrite_free(kl_cwrite *w);
/* Apply, check the result (parse and genrb) and write the file atomically;
 * dry_run: check only. Records the English of new fingerprints in the
 * history. */
int kl_catalog__commit(kl_context *ctx, kl_catalog_sources *s, kl_cfile *f, kl_cwrite *w,
                       int dry_run);
/* Insert a new message into a variant table (made if absent). */
int kl_catalog__insert_msg(kl_cwrite *w, const kl_csrc *tr, const char *variant, const char *msgid,
                           const char *text);

/* Map an ICU offset (UTF-16 units) in a message to its file position. */
void kl_catalog__value_pos(const kl_csrc *src, const kl_csrc_str *str, int offset, unsigned *line,
                           unsigned *col);

/* Run genrb on one .txt into outdir; each error is passed to fn with the
 * file's line (or reported on ctx when fn is NULL). Returns 0, KL_EPARSE,
 * KL_ENOTFOUND (no genrb), KL_EBACKEND or KL_ENOMEM. */
typedef void (*kl_genrb_fn)(const char *file, unsigned line, const char *message, void *ud);
int kl_catalog__genrb(kl_context *ctx, const char *txt, const char *outdir, kl_genrb_fn fn,
                      void *ud);
/* A private temporary directory (allocated path). */
int kl_catalog__mkdtemp(kl_context *ctx, char **out);

#endif
