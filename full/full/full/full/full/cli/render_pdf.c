/* SPDX-License-Identifier: MIT */
/* cli/render_pdf.c: the `--format pdf` branch of `kinletter render`. */
#include "cli.h"

#include <stdlib.h>

int cli_render_pdf(kl_context *ctx, const kl_letter *letter, const char *out_path, bool force)
{
    kl_pdf_renderer *r = NULL;
    int rc = kl_pdf_renderer_new(ctx, NULL, &r);
    if (rc) {
        cli_print_error(ctx, rc);
        return rc == KL_ENOTFOUND ? EXIT_USAGE : EXIT_SOME_FAILED;
    }
    kl_pdf_options opts = KL_PDF_OPTIONS_INIT;
    /* Reproducible output for tests and diffs: SOURCE_DATE_EPOCH-style. */
    opts.creation_date = getenv("KINLETTER_PDF_DATE");
    unsigned char *pdf = NULL;
    size_t len = 0;
    unsigned pages = 0;
    rc = kl_letter_render_pdf(ctx, r, letter, &opts, &pdf, &len, &pages);
    kl_pdf_renderer_free(r);
    if (rc) {
        cli_print_error(ctx, rc);
        return rc == KL_EINVAL ? EXIT_USAGE : EXIT_SOME_FAILED;
    }
    int status = cli_write_output(out_path, pdf, len, force);
    kl_free(pdf);
    return status;
}
