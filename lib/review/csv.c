/* SPDX-License-Identifier: MIT */
/* review/csv.c: an RFC 4180 CSV reader that keeps row and column numbers. */
#include "review/csv.h"

#include <string.h>

#define MAX_FIELDS 256

void kl_csv__free(kl_csv *csv)
{
    if (!csv)
        return;
    for (size_t i = 0; i < csv->n_rows; i++) {
        for (size_t j = 0; j < csv->rows[i].n_fields; j++)
            kl_free(csv->rows[i].fields[j]);
        kl_free(csv->rows[i].fields);
    }
    kl_free(csv->rows);
    kl_free(csv);
}

typedef struct parser {
    kl_context *ctx;
    const char *source;
    kl_csv *csv;
    size_t cap_rows;
    kl_csv_row cur;
    size_t cap_fields;
    size_t max_rows;
    /* the scanner's state */
    kl_buf field;
    bool at_field_start, quoted, after_quote;
    unsigned quote_row, quote_col; /* where the open quoted field starts */
} parser;

static int push_field(parser *p, kl_buf *field)
{
    if (field->oom)
        return kl_core__oom(p->ctx);
    if (p->cur.n_fields == MAX_FIELDS)
        return kl_core__error(p->ctx, KL_ELIMIT, KL_AT(p->source, p->cur.row, MAX_FIELDS + 1),
                              "check the file is a family list saved as CSV",
                              "row has more than %d fields", MAX_FIELDS);
    size_t bad;
    const char *text = field->data ? field->data : "";
    if (!kl_core__utf8_valid(text, field->len, &bad))
        return kl_core__error(
            p->ctx, KL_EPARSE, KL_AT(p->source, p->cur.row, (unsigned)p->cur.n_fields + 1),
            "save the spreadsheet as \"CSV UTF-8\"",
            "field %zu holds a byte that is not UTF-8 (or a NUL) at byte %zu of the "
            "field",
            p->cur.n_fields + 1, bad + 1);
    if (KL_GROW(p->cur.fields, p->cap_fields, p->cur.n_fields + 1) < 0)
        return kl_core__oom(p->ctx);
    char *s = kl_core__buf_detach(field);
    if (!s)
        return kl_core__oom(p->ctx);
    p->cur.fields[p->cur.n_fields++] = s;
    return 0;
}

static void drop_row(kl_csv_row *r)
{
    for (size_t j = 0; j < r->n_fields; j++)
        kl_free(r->fields[j]);
    kl_free(r->fields);
    memset(r, 0, sizeof *r);
}

static int push_row(parser *p)
{
    bool empty = true;
    for (size_t j = 0; j < p->cur.n_fields; j++)
        if (p->cur.fields[j][0])
            empty = false;
    unsigned row = p->cur.row;
    if (empty) {
        /* Blank lines (often at the end of an export) are not members. */
        drop_row(&p->cur);
    } else {
        if (p->csv->n_rows == p->max_rows) {
            drop_row(&p->cur);
            return kl_core__error(p->ctx, KL_ELIMIT, KL_AT(p->source, row, 1),
                                  "split the family list into smaller files",
                                  "too many rows (the limit is %zu, counting the header)",
                                  p->max_rows);
        }
        if (KL_GROW(p->csv->rows, p->cap_rows, p->csv->n_rows + 1) < 0) {
            drop_row(&p->cur);
            return kl_core__oom(p->ctx);
        }
        p->csv->rows[p->csv->n_rows++] = p->cur;
        memset(&p->cur, 0, sizeof p->cur);
    }
    p->cap_fields = 0;
    p->cur.row = row + 1;
    return 0;
}

/* The fields and rows of data, up to a quoted field left open. */
static int scan(parser *p, const char *data, size_t len)
{
    size_t i = 0;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    int rc;
    while (i < len) {
        char c = data[i];
        if (p->quoted) {
            if (c == '"') {
                if (i + 1 < len && data[i + 1] == '"') {
                    kl_core__buf_putc(&p->field, '"');
                    i += 2;
                    continue;
                }
                p->quoted = false;
                p->after_quote = true;
                i++;
                continue;
            }
            kl_core__buf_putc(&p->field, c);
            i++;
            continue;
        }
        if (c == ',') {
            if ((rc = push_field(p, &p->field)) < 0)
                return rc;
            p->at_field_start = true;
            p->after_quote = false;
            i++;
            continue;
        }
        if (c == '\r' || c == '\n') {
            if ((rc = push_field(p, &p->field)) < 0 || (rc = push_row(p)) < 0)
                return rc;
            p->at_field_start = true;
            p->after_quote = false;
            i += (c == '\r' && i + 1 < len && data[i + 1] == '\n') ? 2 : 1;
            continue;
        }
        if (p->after_quote)
            return kl_core__error(p->ctx, KL_EPARSE,
                                  KL_AT(p->source, p->cur.row, (unsigned)p->cur.n_fields + 1),
                                  "put the whole field in double quotes, and write a quote "
                                  "inside it as two quotes (\"\")",
                                  "text after the closing quote of field %zu", p->cur.n_fields + 1);
        if (c == '"') {
            if (!p->at_field_start)
                return kl_core__error(
                    p->ctx, KL_EPARSE, KL_AT(p->source, p->cur.row, (unsigned)p->cur.n_fields + 1),
                    "put the whole field in double quotes, and write a quote inside it as two "
                    "quotes (\"\")",
                    "a double quote in the middle of field %zu", p->cur.n_fields + 1);
            p->quoted = true;
            p->quote_row = p->cur.row;
            p->quote_col = (unsigned)p->cur.n_fields + 1;
            p->at_field_start = false;
            i++;
            continue;
        }
        p->at_field_start = false;
        kl_core__buf_putc(&p->field, c);
        i++;
    }
    return 0;
}

int kl_csv__parse(kl_context *ctx, const char *source, const char *data, size_t len,
                  size_t max_rows, kl_csv **out)
{
    *out = NULL;
    parser p = {.ctx = ctx,
                .source = source,
                .cur = {1, 0, NULL},
                .max_rows = max_rows ? max_rows : (size_t)-1,
                .field = KL_BUF_INIT,
                .at_field_start = true};
    p.csv = kl_core__calloc(1, sizeof *p.csv);
    if (!p.csv)
        return kl_core__oom(ctx);
    int rc;
    if ((rc = scan(&p, data, len)) < 0)
        goto done;
    if (p.quoted) {
        rc = kl_core__error(ctx, KL_EPARSE, KL_AT(source, p.quote_row, p.quote_col),
                            "close the quoted field with a double quote",
                            "a quoted field starts here and is never closed");
        goto done;
    }
    /* The last row, when the data does not end with a line break. */
    if (p.cur.n_fields > 0 || p.field.len > 0 || !p.at_field_start) {
        if ((rc = push_field(&p, &p.field)) < 0 || (rc = push_row(&p)) < 0)
            goto done;
    }
    if (p.csv->n_rows == 0)
        rc = kl_core__error(ctx, KL_EFORMAT, KL_AT(source, 1, 1),
                            "the first row names the columns: see docs/REVIEW-FORMAT.md",
                            "the family list is empty");
done:
    kl_core__buf_free(&p.field);
    drop_row(&p.cur);
    if (rc) {
        kl_csv__free(p.csv);
        return rc;
    }
    *out = p.csv;
    return 0;
}
