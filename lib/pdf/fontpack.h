/* SPDX-License-Identifier: MIT */
/* pdf/fontpack.h: embedded font data per glyph set, and the cache that keeps it (internal). */
#ifndef KL_PDF_FONTPACK_H
#define KL_PDF_FONTPACK_H

#include "pdf/pdf_internal.h"
#include "text/font.h"

#define KL_GMAP_MAX 24

/* One character code (CID) of a font as used: the glyph it draws and the
 * text it stands for in the ToUnicode map (n = 0: none, see
 * kl_pdf__use_add). A glyph used with two different texts gets two CIDs. */
typedef struct kl_gmap {
    uint32_t cid;
    uint32_t gid;
    int32_t next; /* the next entry with the same gid (index, -1: none) */
    int32_t w;    /* its width in /W, INT32_MIN: the glyph's advance */
    /* Font units the glyph is drawn raised by (lowered if negative) in a
     * glyph of its own that the subset font gains (RAISED_GLYPHS in
     * fontpack.c); 0: the glyph itself. */
    int16_t rise;
    uint8_t head; /* the first entry of its gid (the one the index finds) */
    uint16_t u[KL_GMAP_MAX];
    uint8_t n;
} kl_gmap;

/* The glyphs one letter uses from one font. */
typedef struct kl_fontuse {
    const kl_font *font;
    kl_gmap *m; /* in the order first used */
    size_t n, cap;
    /* Direct-mapped index by gid (the font's glyphs, made on first add):
     * its first entry's index + 1, 0 none. */
    uint32_t *head_of;
    size_t nhead;
    uint32_t next_cid; /* the next CID for a glyph used with a second meaning */
} kl_fontuse;

/* The CID that draws glyph gid standing for text[0..n): the glyph's own
 * (CID = GID) when first used, a new CID above the font's glyph ids when the
 * glyph was already used with another text (TrueType fonts only: a CFF font's
 * codes are its glyph ids, so there the first text stays). Text longer than
 * KL_GMAP_MAX is cut. w: the width to write in /W (a mark drawn shifted, see
 * glyphs.c), INT32_MIN for the glyph's advance; a different width is a
 * different code too (*w: the width the code has). *rise: font units to draw
 * the glyph raised by, in a glyph of the subset font's own (a new CID; TrueType
 * only); on return the rise the code has (0 when none was possible: draw the
 * glyph raised with Ts). KL_ENOMEM. */
int kl_pdf__use_add(kl_fontuse *u, const kl_font *f, uint32_t gid, const uint16_t *text, unsigned n,
                    int32_t *w, int16_t *rise, uint32_t *cid);
/* The same answer for a code already added (the same text, width and rise
 * asked), without adding; KL_EBACKEND when it was not added. */
int kl_pdf__use_find(kl_fontuse *u, const kl_font *f, uint32_t gid, const uint16_t *text,
                     unsigned n, int32_t *w, int16_t *rise, uint32_t *cid);
/* Glyph gid's code when it was added with one text, width and rise only:
 * then every use of it with a text has that code (kl_pdf__use_add gave it
 * each time). NULL: none, or several. */
static inline const kl_gmap *kl_pdf__use_single(const kl_fontuse *u, uint32_t gid)
{
    uint32_t i = gid < u->nhead ? u->head_of[gid] : 0;
    return i && u->m[i - 1].next < 0 ? &u->m[i - 1] : NULL;
}
void kl_pdf__use_free(kl_fontuse *u);

/* A font program (len bytes) with a raised glyph for every code of m that
 * has a rise (RAISED_GLYPHS in fontpack.c), and every code's glyph advance
 * equal to its width in /W (m[i].w; WIDTH_GLYPHS: the glyph's own advance
 * set, or a copy of the glyph with that advance), new glyphs appended after
 * its glyphs (TrueType only), into out; outgid[i]: the glyph code i draws.
 * out stays empty when nothing changes. KL_ENOMEM, KL_EBACKEND (a table
 * missing or out of range). */
int kl_pdf__add_raised(const unsigned char *font, size_t len, const kl_gmap *m, size_t n,
                       kl_buf *out, uint32_t *outgid);

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
    unsigned char *cidtogid; /* CIDToGIDMap stream, deflated; NULL: Identity */
    size_t cidtogidlen;
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
    char cs[16]; /* "DeviceRGB" or "DeviceGray": the only ones pdf.c keeps */
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
/* The cache's table of f's glyph widths (for kl_pdf__glyph_width), NULL
 * when out of memory. Valid until kl_pdf__cache_trim/free. */
int32_t *kl_pdf__width_table(kl_pdf_cache *c, const kl_font *f);
/* A glyph's advance in thousandths of an em, as written in /W (looked up in,
 * or added to, f's table). */
int kl_pdf__glyph_width_add(int32_t *table, const kl_font *f, uint32_t gid);
static inline int kl_pdf__glyph_width(int32_t *table, const kl_font *f, uint32_t gid)
{
    /* (INT32_MIN: not yet asked, fontpack.c's WIDTH_UNSET) */
    return gid < f->num_glyphs && table[gid] != INT32_MIN ? table[gid]
                                                          : kl_pdf__glyph_width_add(table, f, gid);
}

/* libharu's memory: an arena of 16-byte-aligned pieces of blocks kept in the
 * cache named by kl_pdf__pool_use (call with NULL when the thread is done
 * with the document), given to HPDF_NewEx as its allocator. A small piece
 * libharu frees is carved again for the next of its size. */
void kl_pdf__pool_use(kl_pdf_cache *c);
/* The thread's arena c (NULL: none) without giving anything back, the one before returned: a
 * document made over several calls (a print pack a letter at a time) between other documents
 * made with other caches on the same thread. */
kl_pdf_cache *kl_pdf__pool_switch(kl_pdf_cache *c);
/* Did an allocation for libharu fail since kl_pdf__pool_use(c)? (libharu
 * does not always say so: a NULL it was given may be what it reports.) */
bool kl_pdf__pool_failed(const kl_pdf_cache *c);
void *kl_pdf__pool_alloc(unsigned size);
void kl_pdf__pool_free(void *ptr);
/* The document is being freed whole (HPDF_Free): its arena pieces are not kept for reuse, the
 * arena goes at the next kl_pdf__pool_use. */
void kl_pdf__pool_closing(void);

/* Every stream we deflate (page contents, object streams, the
 * cross-reference stream, font programs, ToUnicode and CIDToGID maps,
 * images) goes through libdeflate at this level: the cheapest whose files
 * are no larger than zlib's were (levels 5 and 6 then). On the benchmark
 * batch, against zlib: letters 1.3% and the print pack 2.6% smaller, and
 * 38% fewer instructions deflating; level 6 saves 0.5% and 1.5% more for
 * 9% more instructions, level 4 costs 1.5% more bytes (docs/PERFORMANCE.md,
 * "libdeflate"). */
#define KL_PDF_DEFLATE_LEVEL 5
/* Deflate data, zlib-wrapped (/FlateDecode), with the cache's libdeflate
 * compressor (made on first use, kept). *out points into the cache, valid
 * until the next call. KL_ENOMEM or KL_EBACKEND (not reported: the caller
 * reports). */
int kl_pdf__deflate(kl_pdf_cache *c, const void *data, size_t len, const unsigned char **out,
                    size_t *outlen);
/* A print pack's object streams (its structure tree, pages and outline) are deflated at
 * level 1: a pack is printed where it is made, not sent, and on the benchmark batch level 1
 * took 120 M fewer instructions of 2,816 M (4.3%) for a pack 4.6% larger (1.67 -> 1.75 KB a
 * page); the letters, sent by email and post, stay at KL_PDF_DEFLATE_LEVEL. */
#define KL_PDF_DEFLATE_FAST 1
/* kl_pdf__deflate at KL_PDF_DEFLATE_FAST (a compressor of its own, made on first use, kept). */
int kl_pdf__deflate_fast(kl_pdf_cache *c, const void *data, size_t len, const unsigned char **out,
                         size_t *outlen);

#endif
