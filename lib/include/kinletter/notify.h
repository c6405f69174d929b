/* SPDX-License-Identifier: MIT */
/* kinletter/notify.h: does a letter PDF meet GOV.UK Notify's precompiled-letter
 * specification? (docs/NOTIFY.md) */
#ifndef KINLETTER_NOTIFY_H
#define KINLETTER_NOTIFY_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The findings for one PDF. Opaque. */
typedef struct kl_notify_report kl_notify_report;

/**
 * Check a letter PDF against GOV.UK Notify's letter specification, reading
 * the PDF itself (through libqpdf), not kinletter's idea of it: every page
 * A4 portrait (595.28 x 841.89 pt, 1 pt either way); at most 10 pages; every
 * font embedded (Type 3 fonts are drawn, so count as embedded), in the
 * pages' resources and their forms; on page 1, 3 to 7 lines of text begin
 * inside Notify's address area (24.6 mm from the left, 39.5 mm from the top,
 * 95.4 mm by 26.8 mm) and none straddles its edges; no text begins in the
 * margins outside the printable area (15 mm left and right, 5 mm top and
 * bottom). Text is placed by where each run begins (its origin), from the
 * content streams' text and graphics state.
 *
 * @param pdf the PDF's bytes (not encrypted, or with an empty user password).
 * @param out receives the report (kl_notify_report_free) when the PDF could be read.
 * @return 0 (the report may list problems), KL_EFORMAT (not a PDF qpdf can
 *         read), KL_EINVAL, KL_ENOMEM. Messages never quote the letter's text.
 */
KL_API int kl_notify_check_pdf(kl_context *ctx, const void *pdf, size_t len,
                               kl_notify_report **out);

/** Number of problems found (0: the PDF meets the rules checked). */
KL_API size_t kl_notify_report_count(const kl_notify_report *report);
/** Problem i, one sentence ("page 2 is 612 x 792 pt, not A4"), or NULL. Borrowed. */
KL_API const char *kl_notify_report_problem(const kl_notify_report *report, size_t i);
/** Pages in the PDF. */
KL_API unsigned kl_notify_report_pages(const kl_notify_report *report);
/** Lines of text found in the address area of page 1. */
KL_API unsigned kl_notify_report_address_lines(const kl_notify_report *report);
/** Free a report. NULL is allowed. */
KL_API void kl_notify_report_free(kl_notify_report *report);

#ifdef __cplusplus
}
#endif

#endif
