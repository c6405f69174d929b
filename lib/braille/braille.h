/* SPDX-License-Identifier: MIT */
/* braille/braille.h: the document tree as a BRF file for an embossing service (internal). */
#ifndef KL_BRAILLE_H
#define KL_BRAILLE_H

#include "compose/doc.h"

#include <stdbool.h>

/* UK practice (UKAAF): 40 cells a line, 25 lines a page. */
#define KL_BRAILLE_CELLS 40
#define KL_BRAILLE_LINES 25

/* The liblouis table a letter in locale (BCP 47) is translated with
 * ("en-ueb-g2.ctb" for English), or NULL when liblouis has no 6-dot
 * literary table for the language (Somali, Romanian). Static string. */
const char *kl_braille__table(const char *locale);

/* A BRF being laid out: pages of KL_BRAILLE_LINES lines of at most
 * KL_BRAILLE_CELLS cells, North American Braille ASCII (0x20-0x5F), lines
 * ending CR LF, a form feed between pages. Line 1 of every page holds only
 * the braille page number, at the right margin ("#a", "#b"...). */
typedef struct kl_brf {
    kl_buf out;
    unsigned width, height; /* cells a line, lines a page */
    unsigned page;          /* the page being written, 1-based; 0 before the first line */
    unsigned line;          /* lines used on it, the page number's included */
    bool want_blank;        /* a blank line before the next block, unless at a page's top */
} kl_brf;

void kl_braille__brf_init(kl_brf *p);
/* A blank line before the next block (none at the top of a page, never two). */
void kl_braille__brf_blank(kl_brf *p);
/* One block of cells (braille ASCII, ' ' a blank cell) wrapped at blank
 * cells: the first line starts at cell first + 1, the others at rest + 1;
 * centred when centre is set. A braille word longer than a line is cut at
 * the margin. keep lines: start a new page unless this block and `keep`
 * more lines fit on this one (a heading is never the last line of a page).
 * 0 or KL_ENOMEM. */
int kl_braille__brf_block(kl_brf *p, const char *cells, size_t n, unsigned first, unsigned rest,
                          bool centre, unsigned keep);
/* Ends the last page: *pages is the number of braille pages. 0 or KL_ENOMEM. */
int kl_braille__brf_finish(kl_brf *p, unsigned *pages);
void kl_braille__brf_free(kl_brf *p);

/* Translate UTF-8 text to braille ASCII cells with a liblouis table,
 * appending to cells. Fails closed: a character the table does not define,
 * or one that needs dots 7 or 8 (BRF has six), is an error naming the
 * character's code point and the member (where). 0, KL_EDATA, KL_EBACKEND
 * (liblouis cannot load the table) or KL_ENOMEM. */
int kl_braille__translate(kl_context *ctx, kl_where where, const char *table, const char *text,
                          kl_buf *cells);

/* The composed letter as a BRF file: the letterhead's lines, the date and
 * reference, the salutation, the body with its headings and lists, the
 * contact rows and the signature; the address block and pictures are left
 * out (the embossing service addresses the envelope). *out allocated,
 * *pages braille pages. 0, KL_EDATA (no table for the letter's language, a
 * character the table lacks), KL_EBACKEND or KL_ENOMEM. */
int kl_braille__brf(kl_context *ctx, const kl_doc *doc, kl_where where, unsigned char **out,
                    size_t *len, unsigned *pages);

#endif
