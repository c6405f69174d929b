/* SPDX-License-Identifier: MIT */
/* pdf/pdf_internal.h: tagged PDF from laid-out pages (internal; the only module with hpdf.h). */
#ifndef KL_PDF_INTERNAL_H
#define KL_PDF_INTERNAL_H

#include "compose/doc.h"
#include "text/text.h"

/* Embedded-font data reused across the letters of a batch (subset font,
 * ToUnicode, widths per glyph set). One per thread. */
typedef struct kl_pdf_cache kl_pdf_cache;
int kl_pdf__cache_new(kl_pdf_cache **out);
void kl_pdf__cache_free(kl_pdf_cache *c);

typedef struct kl_pdf_opts {
    const kl_fontset *fonts; /* required */
    kl_text_cache *text;     /* required */
    kl_pdf_cache *cache;     /* required */
    double line_spacing;     /* 0: 1.4 */
    const char *page_label;  /* "Page {n} of {total}" when NULL */
    /* Creation date as "YYYY-MM-DDTHH:MM:SSZ" for reproducible output, or
     * NULL for now. */
    const char *creation_date;
    bool no_compress; /* leave content streams uncompressed (debugging) */
} kl_pdf_opts;

/* Render doc into out (appended). *pages receives the page count (may be
 * NULL). Errors: from layout/text (KL_EDATA for a character no font has,
 * an address too long for the window), KL_EBACKEND (libharu, hb-subset),
 * KL_EIO (the logo), KL_ENOMEM. */
int kl_pdf__render(kl_context *ctx, const kl_doc *doc, const kl_pdf_opts *opts, kl_buf *out,
                   unsigned *pages);

/* Render several letters into one PDF for printing (the batch's print
 * pack): each letter's pages in order, each letter a section of the
 * structure tree, and a blank page after a letter with an odd page count
 * so every letter starts on a new sheet when printed on both sides. Title
 * and author come from meta. Same errors as kl_pdf__render. */
int kl_pdf__render_pack(kl_context *ctx, const kl_doc *const *docs, size_t n, const kl_doc *meta,
                        const kl_pdf_opts *opts, kl_buf *out, unsigned *pages);

/* The fonts and caches of a public renderer, as kl_pdf_opts (for batch). */
typedef struct kl_pdf_renderer kl_pdf_renderer;
void kl_pdf__renderer_opts(kl_pdf_renderer *r, kl_pdf_opts *o);

/* Save libharu's document pdf (its stream writing to out) into out: every object that can be
 * in deflated object streams, a cross-reference stream, a deterministic /ID (compact.c).
 * 0, KL_ENOMEM, or KL_EBACKEND (libharu's error is on pdf). */
struct _HPDF_Doc_Rec;
int kl_pdf__save_compact(struct _HPDF_Doc_Rec *pdf, kl_pdf_cache *cache, kl_buf *out);
/* The one lock every use of libqpdf in the library holds (compact.c says why). */
void kl_pdf__qpdf_lock(void);
void kl_pdf__qpdf_unlock(void);

#endif
