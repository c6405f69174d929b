/* SPDX-License-Identifier: MIT */
/* batch/record.c: CSV cells for the batch record, safe to open in a spreadsheet. */
#include "batch/batch_internal.h"

#include <string.h>

int kl_batch__csv_cell(kl_buf *b, const char *value, bool first)
{
    if (!value)
        value = "";
    if (!first)
        kl_core__buf_putc(b, ',');
    /* A leading = + - @ (or tab/CR, which some spreadsheets skip) would be
     * read as a formula: prefix an apostrophe so it stays text. */
    bool neutralise = strchr("=+-@\t\r", value[0]) != NULL && value[0] != '\0';
    bool quote = neutralise || strpbrk(value, ",\"\r\n") != NULL;
    if (quote)
        kl_core__buf_putc(b, '"');
    if (neutralise)
        kl_core__buf_putc(b, '\'');
    for (const char *p = value; *p; p++) {
        if (*p == '"')
            kl_core__buf_putc(b, '"');
        kl_core__buf_putc(b, *p);
    }
    if (quote)
        kl_core__buf_putc(b, '"');
    return b->oom ? KL_ENOMEM : 0;
}

int kl_batch__csv_row(kl_buf *b, const char *const *cells, size_t n)
{
    for (size_t i = 0; i < n; i++)
        kl_batch__csv_cell(b, cells[i], i == 0);
    kl_core__buf_puts(b, "\r\n");
    return b->oom ? KL_ENOMEM : 0;
}
