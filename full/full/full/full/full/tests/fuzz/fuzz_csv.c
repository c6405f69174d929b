/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_csv.c: the CSV family-list reader on any bytes. */
#include "fuzz.h"
#include "review/csv.h"

#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kl_context *ctx = fuzz_context();
    kl_csv *csv = NULL;
    if (kl_csv__parse(ctx, "fuzz.csv", (const char *)data, size, 1000, &csv) == 0) {
        unsigned last = 0;
        for (size_t r = 0; r < csv->n_rows; r++) {
            /* Row numbers only go up; every field is a string. */
            if (csv->rows[r].row <= last)
                __builtin_trap();
            last = csv->rows[r].row;
            for (size_t f = 0; f < csv->rows[r].n_fields; f++)
                (void)strlen(csv->rows[r].fields[f]);
        }
        kl_csv__free(csv);
    }
    return 0;
}
