/* SPDX-License-Identifier: MIT */
/* pdf/fontpack.h: embedded font data per glyph set, and the cache that keeps it (internal). */
#ifndef KL_PDF_FONTPACK_H
#define KL_PDF_FONTPACK_H

#include "pdf/pdf_internal.h"
#include "text/font.h"

#define KL_GMAP_MAX 7

/* One used glyph and the text it stands for (n = 0: none of its own). */
typedef struct kl_gmap {
    uint32_t gid;
    uint16_t u[KL_GMAP_MAX];
    uint8_t n;
} kl_gmap;

/* The glyphs one letter uses from one font. */
typedef struct kl_fontuse {
    const kl_font *font;
    kl_gmap *m;
    size_t n, cap;
    uint8_t *seen;
} kl_fontuse;

int kl_pdf__use_add(kl_fontuse *u, const kl_font *f, uint32_t gid, const uint16_t *text,
                    unsigned n);
void kl_pdf__use_free(kl_fontuse *u);

typedef struct kl_fontpack {
    struct kl_fontpack *next;
    uint64_t hash;
    void *key;
    size_t keylen;
    const kl_font *font;
    char tag[7];
    unsigned char *file; /* hb-subset output, deflated */
    size_t filelen;
    unsigned char *tounicode; /* CMap, deflated */
    size_t tounicodelen;
    char *widths; /* "/W [...]\n" */
} kl_fontpack;

/* The pack for u's glyph set (sorts u), from the cache or built. Borrowed
 * from the cache until kl_pdf__cache_trim/free. */
int kl_pdf__pack_get(kl_context *ctx, kl_pdf_cache *c, kl_fontuse *u, const kl_fontpack **out);
/* A PNG decoded once, its pixels (and alpha) deflated. */
typedef struct kl_imgpack {
    struct kl_imgpack *next;
    char *src;
    unsigned w, h, bpc;
    char cs[16];
    unsigned char *data, *mask;
    size_t len, masklen;
} kl_imgpack;

const kl_imgpack *kl_pdf__image_find(kl_pdf_cache *c, const char *src);
/* Keep the pixels of pixels (and mask, may be NULL): libharu streams. */
int kl_pdf__image_add(kl_context *ctx, kl_pdf_cache *c, const char *src, unsigned w, unsigned h,
                      unsigned bpc, const char *cs, void *pixels, void *mask,
                      const kl_imgpack **out);

/* Forget everything when the cache is over its size limit (between letters). */
void kl_pdf__cache_trim(kl_pdf_cache *c);
/* A glyph's advance in thousandths of an em, as written in /W. */
int kl_pdf__glyph_width(const kl_font *f, uint32_t gid);

#endif
