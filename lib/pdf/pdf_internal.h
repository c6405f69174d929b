/* SPDX-License-Identifier: MIT */
/* pdf/pdf_internal.h: tagged PDF from laid-out pages (internal; the only module with hpdf.h). */
#ifndef KL_PDF_INTERNAL_H
#define KL_PDF_INTERNAL_H

#include "compose/doc.h"
#include "text/text.h"

/* Embedded-font data reused across the letters of a batch (subset font,
 * ToUnicode, widths per glyph set). One per thread. */
typedef struct kl_pdf_cache kl_pdf_cache;

/* Where a saved PDF's bytes go as they are made, instead of into one buffer (the print pack
 * to its file): write gets them in order, in pieces; a negative KL_E code (with the error
 * set on the context) stops the save and is its answer. */
typedef struct kl_pdf_sink {
    int (*write)(void *arg, const void *data, size_t len);
    void *arg;
} kl_pdf_sink;
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

/* What a print pack needs of a letter, kept from the letter's own rendering
 * so the pack neither lays it out nor deflates its pages again: its layout
 * (its own copies of the document's strings, its paragraphs held: the
 * document and the text cache may go) and each page's deflated content
 * with the length and a checksum of the content it came from. */
typedef struct kl_pdf_kept kl_pdf_kept;
void kl_pdf__kept_free(kl_pdf_kept *k);
/* The letter's language (its document's root language), NULL if none. */
const char *kl_pdf__kept_lang(const kl_pdf_kept *k);

/* kl_pdf__render, and what the print pack needs of the letter in *keep. */
int kl_pdf__render_keep(kl_context *ctx, const kl_doc *doc, const kl_pdf_opts *opts, kl_buf *out,
                        unsigned *pages, kl_pdf_kept **keep);

/* A letter of a print pack: kept from its rendering (used up by the pack:
 * free it after), or else laid out from doc. */
typedef struct kl_pdf_pack_letter {
    kl_pdf_kept *kept;
    const kl_doc *doc;
} kl_pdf_pack_letter;

/* Render several letters into one PDF for printing (the batch's print
 * pack): each letter's pages in order, each letter a section of the
 * structure tree, and a blank page after a letter with an odd page count
 * so every letter starts on a new sheet when printed on both sides. Title
 * and author come from meta. A kept letter's page whose content comes out
 * the same (length and checksum) takes the letter's deflated bytes; the
 * others are deflated. Same errors as kl_pdf__render. */
int kl_pdf__render_pack(kl_context *ctx, const kl_pdf_pack_letter *letters, size_t n,
                        const kl_doc *meta, const kl_pdf_opts *opts, kl_buf *out,
                        const kl_pdf_sink *sink, unsigned *pages);

/* A print pack made a letter at a time, the same objects as kl_pdf__render_pack's but for
 * their numbers: begin (the PDF starts in file, handed to the sink as it gathers when there is
 * one: file must outlive the packer); add each letter in order (a kept letter's layout used up,
 * and freed once its pages are written; its pages' contents go into the file then); end with
 * the document's title and author (meta), saving the rest (the fonts embedded then, subsets of
 * every letter's glyphs), which frees the packer; or free it (the file is then unfinished:
 * the caller drops it). Every call on one thread; its libharu objects come from
 * opts->cache's arena, which nothing else may use until the packer is freed (other caches
 * may make documents on the thread between its calls). */
typedef struct kl_pdf_packer kl_pdf_packer;
int kl_pdf__pack_begin(kl_context *ctx, const kl_pdf_opts *opts, kl_buf *file,
                       const kl_pdf_sink *sink, kl_pdf_packer **out);
int kl_pdf__pack_add(kl_pdf_packer *pk, const kl_pdf_pack_letter *letter);
int kl_pdf__pack_end(kl_pdf_packer *pk, const kl_doc *meta, unsigned *pages);
void kl_pdf__pack_free(kl_pdf_packer *pk);

/* The fonts and caches of a public renderer, as kl_pdf_opts (for batch). */
typedef struct kl_pdf_renderer kl_pdf_renderer;
void kl_pdf__renderer_opts(kl_pdf_renderer *r, kl_pdf_opts *o);
/* Forget what r's caches hold (shaped paragraphs, font subsets and widths, its deflater and the
 * arena for libharu's objects): they fill again with the next letter. Paragraphs a kept letter
 * holds stay (kl_text__para_hold). Out of memory, r keeps them. */
void kl_pdf__renderer_forget(kl_pdf_renderer *r);

/* kl_letter_render_pdf (kinletter/pdf.h), and what the print pack needs of
 * the letter in *keep (the batch's postal letters). */
struct kl_letter;
struct kl_pdf_options;
int kl_pdf__letter_render_keep(kl_context *ctx, kl_pdf_renderer *r, const struct kl_letter *letter,
                               const struct kl_pdf_options *opts, unsigned char **out, size_t *len,
                               unsigned *pages, kl_pdf_kept **keep);

/* The one lock every use of libqpdf in the library holds (compact.c says why). */
void kl_pdf__qpdf_lock(void);
void kl_pdf__qpdf_unlock(void);

#endif
