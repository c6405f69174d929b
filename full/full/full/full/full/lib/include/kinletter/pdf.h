/* SPDX-License-Identifier: MIT */
/* kinletter/pdf.h: composed letters as accessible (tagged, PDF/UA-1) clear-print PDF. */
#ifndef KINLETTER_PDF_H
#define KINLETTER_PDF_H

#include "common.h"
#include "letter.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * What a PDF renderer keeps between letters: the fonts (fonts/fonts.xml,
 * resolved through fontconfig) and caches of shaped text and embedded font
 * subsets, so a batch of letters costs little more than its differences.
 * Use one renderer per thread; siblings (kl_pdf_renderer_new_sibling())
 * share the fonts and keep their own caches.
 */
typedef struct kl_pdf_renderer kl_pdf_renderer;

/**
 * Create a renderer.
 *
 * @param ctx the context (fonts/fonts.xml is found along its data path).
 * @param fonts_xml a font-choice file, or NULL for the bundled one.
 * @param out receives the renderer; the caller owns it (kl_pdf_renderer_free).
 * @return 0, KL_ENOTFOUND (no fonts file, or none of its fonts installed),
 *         KL_EPARSE / KL_EFORMAT (a bad fonts file, with line), KL_EIO,
 *         KL_EBACKEND or KL_ENOMEM.
 */
KL_API int kl_pdf_renderer_new(kl_context *ctx, const char *fonts_xml, kl_pdf_renderer **out);

/**
 * Create a renderer for another thread that shares base's fonts (which are
 * immutable) and has caches of its own. base must outlive it.
 *
 * @return 0 or KL_ENOMEM.
 */
KL_API int kl_pdf_renderer_new_sibling(const kl_pdf_renderer *base, kl_pdf_renderer **out);

/** Free a renderer. NULL is allowed. */
KL_API void kl_pdf_renderer_free(kl_pdf_renderer *r);

/** Options for one PDF. Initialise with KL_PDF_OPTIONS_INIT. */
typedef struct kl_pdf_options {
    unsigned version;    /**< KL_PDF_OPTIONS_VERSION */
    double line_spacing; /**< line height / font size; 0 = 1.4 */
    /** The page label with {n} and {total}, in the letter's language (from
     * the catalog); NULL = "Page {n} of {total}". Copied as needed. */
    const char *page_label;
    /** Creation date "YYYY-MM-DDTHH:MM:SSZ" for reproducible output; NULL =
     * now. */
    const char *creation_date;
} kl_pdf_options;

#define KL_PDF_OPTIONS_VERSION 1
#define KL_PDF_OPTIONS_INIT                                                                        \
    {                                                                                              \
        KL_PDF_OPTIONS_VERSION, 0, NULL, NULL                                                      \
    }

/**
 * Render a composed letter as an A4 PDF: the member's print size (14, 18,
 * 24 pt or explicit), the address in the envelope window, tagged for
 * screen readers, every font embedded as a subset with Unicode mapping.
 *
 * @param ctx the context.
 * @param r a renderer (one thread at a time), or NULL for a temporary one
 *        (slower: fonts are loaded for this letter only).
 * @param letter the composed letter.
 * @param opts options, or NULL for defaults.
 * @param out receives the PDF bytes; free with kl_free().
 * @param len receives their number.
 * @param pages receives the page count; may be NULL.
 * @return 0; KL_EDATA when the letter cannot be printed as it is (a
 *         character no installed font has, named as U+XXXX with the text;
 *         an address too long for the window); KL_EIO or KL_EFORMAT (the
 *         logo image); KL_EBACKEND (libharu, HarfBuzz); KL_EINVAL; KL_ENOMEM.
 */
KL_API int kl_letter_render_pdf(kl_context *ctx, kl_pdf_renderer *r, const kl_letter *letter,
                                const kl_pdf_options *opts, unsigned char **out, size_t *len,
                                unsigned *pages);

#ifdef __cplusplus
}
#endif

#endif
