/* SPDX-License-Identifier: MIT */
/* review/csv.h: an RFC 4180 CSV reader that keeps row and column numbers (internal). */
#ifndef KL_REVIEW_CSV_H
#define KL_REVIEW_CSV_H

#include "core/core.h"

/* One record. row counts records from 1 (the header), so a quoted newline
 * inside a field does not change the numbering of later rows: it is the
 * row number a spreadsheet shows. */
typedef struct kl_csv_row {
    unsigned row;
    size_t n_fields;
    char **fields; /* UTF-8 checked, NUL-terminated */
} kl_csv_row;

typedef struct kl_csv {
    kl_csv_row *rows; /* rows[0] is the header */
    size_t n_rows;
} kl_csv;

/* Parse CSV text (UTF-8, optional BOM, CRLF or LF, quoted fields with ""
 * for a quote). Errors name source:row:column (column = 1-based field
 * number). Rows whose every field is empty are dropped. max_rows counts the
 * header. Returns 0, KL_EPARSE, KL_ELIMIT or KL_ENOMEM; on success *out is
 * the caller's (kl_csv__free). */
int kl_csv__parse(kl_context *ctx, const char *source, const char *data, size_t len,
                  size_t max_rows, kl_csv **out);
void kl_csv__free(kl_csv *csv);

#endif
