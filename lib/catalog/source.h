/* SPDX-License-Identifier: MIT */
/* catalog/source.h: catalogs' text sources (locales/<name>.txt) read with positions, and rewritten
 * in place (internal). */
#ifndef KL_CATALOG_SOURCE_H
#define KL_CATALOG_SOURCE_H

#include "core/core.h"

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
    size_t n_strs;
    kl_csrc_table *tables;
    size_t n_tables;
    size_t root_close; /* offset of the root table's '}' */
} kl_csrc;

/* Parse the subset of ICU's resource-bundle text syntax that catalogs use:
 * nested tables and strings (adjacent quoted strings joined; \uXXXX,
 * \UXXXXXXXX, \xXX, \t, \n... escapes; // and block comments). Each problem is
 * reported with path:line:col. Returns 0, KL_EPARSE, KL_EIO or KL_ENOMEM. */
int kl_catalog__src_parse(kl_context *ctx, const char *path, const char *data, size_t len,
                          kl_csrc **out);
int kl_catalog__src_load(kl_context *ctx, const char *path, kl_csrc **out);
void kl_catalog__src_free(kl_csrc *src);

/* The string at table/key, or NULL. */
const kl_csrc_str *kl_catalog__src_find(const kl_csrc *src, const char *table, const char *key);
/* The table with this path, or NULL. */
const kl_csrc_table *kl_catalog__src_table(const kl_csrc *src, const char *path);

/* The strings of a list in a table ("avoid", "jargon": word lists for checks,
 * not messages), NULL-terminated; *out NULL when there is none. The caller
 * frees each string and the array. Returns 0 or KL_ENOMEM. */
int kl_catalog__src_list(kl_context *ctx, const kl_csrc *src, const char *table, const char *name,
                         char ***out, size_t *n);

/* Append text as one quoted resource string (escaping '"', '\\', controls
 * and invisible format characters such as U+2068 as \uXXXX). */
int kl_catalog__quote(kl_buf *b, const char *text);

/* First 64 bits of the SHA-256 of text, as 16 lowercase hex digits. */
void kl_catalog__fingerprint(const char *text, char out[17]);

/* The English text a translated message corresponds to: the source catalog's
 * message for msgid in variant table `variant` or, failing that, the variant
 * it falls back to (young_person > plain > standard; easy_read > plain >
 * standard). NULL if none. */
const kl_csrc_str *kl_catalog__src_english(const kl_csrc *en, const char *variant,
                                           const char *msgid);

#endif
