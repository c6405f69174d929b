/* SPDX-License-Identifier: MIT */
/* text/text.h: fonts, bidi, shaping and line breaking behind a small interface (internal). */
#ifndef KL_TEXT_H
#define KL_TEXT_H

#include "core/core.h"

#include <stdbool.h>
#include <stdint.h>

/* The fonts of fonts/fonts.xml, resolved through fontconfig and loaded once.
 * Immutable after loading: share one across threads. */
typedef struct kl_fontset kl_fontset;
/* One loaded face (opaque here; text/font.h has the detail the PDF writer needs). */
typedef struct kl_font kl_font;

/* Load the font choices from path (NULL: "fonts/fonts.xml" along the data
 * path) and open every font they name. A family fontconfig does not have is
 * skipped with a warning; no usable font at all is KL_ENOTFOUND. */
int kl_text__fontset_load(kl_context *ctx, const char *path, kl_fontset **out);
void kl_text__fontset_free(kl_fontset *fs);

/* One glyph, positioned in points (y up). */
typedef struct kl_glyph {
    uint32_t gid;
    float adv;    /* advance */
    float dx, dy; /* offset from the pen position */
    /* The UTF-16 text this glyph alone stands for, as a range of the run's
     * u16 (ulen 0: the glyph shares its cluster with other glyphs). */
    uint16_t ustart, ulen;
} kl_glyph;

/* A run of glyphs in one font, direction and size, in visual order. */
typedef struct kl_trun {
    const kl_font *font;
    float size;
    kl_glyph *glyphs;
    uint32_t nglyphs;
    uint16_t *u16;  /* the run's text in logical order (UTF-16) */
    uint32_t start; /* where u16 starts in the paragraph (orders runs logically) */
    uint32_t nu16;
    float width; /* sum of advances */
    bool rtl;
    bool plain; /* glyphs map one-to-one, in order, to characters */
} kl_trun;

/* One line: runs in visual order, left to right. */
typedef struct kl_tline {
    kl_trun *runs;
    uint32_t nruns;
    float width;      /* without trailing white space */
    float full_width; /* with it */
} kl_tline;

/* A paragraph broken into lines. */
typedef struct kl_tpara {
    kl_tline *lines;
    uint32_t nlines;
    bool rtl;        /* the paragraph's direction */
    bool broke_word; /* a word wider than the line was broken (warned whenever it is used) */
    float size;      /* font size in points */
} kl_tpara;

typedef enum kl_tdir {
    KL_TDIR_LANG = 0, /* direction from the language (ar, fa, ur, he, yi: right to left) */
    KL_TDIR_AUTO = 1  /* from the first strong character, else left to right */
} kl_tdir;

typedef struct kl_tstyle {
    const char *lang; /* BCP 47; NULL = "en" */
    bool bold;
    float size;  /* points */
    float width; /* available line width in points; <= 0: never break */
    kl_tdir dir;
} kl_tstyle;

/* Shaped paragraphs, reused across the letters of a batch. One per thread. */
typedef struct kl_text_cache kl_text_cache;
int kl_text__cache_new(kl_text_cache **out);
void kl_text__cache_free(kl_text_cache *c);
/* Forget everything if the cache holds more than its limit. Call between
 * documents only: paragraphs handed out before are freed. */
void kl_text__cache_trim(kl_text_cache *c);
/* About the bytes the cache's paragraphs hold (for tests and measurement). */
size_t kl_text__cache_bytes(const kl_text_cache *c);

/* Shape and break utf8 (one paragraph; "\n" forces a line break). The
 * result belongs to the cache and lives until kl_text__cache_trim/free.
 * Errors: KL_EDATA for a character no font has (message names U+XXXX and
 * the text), KL_EPARSE for invalid UTF-8, KL_EBACKEND for ICU. A word wider
 * than the line is broken between characters with a warning. */
int kl_text__para(kl_context *ctx, const kl_fontset *fs, kl_text_cache *cache, const char *utf8,
                  const kl_tstyle *style, const kl_tpara **out);

/* Keep p (a result of kl_text__para) alive after its cache forgets it, until
 * the matching release: a laid-out letter kept for its print pack holds its
 * paragraphs this way. Both may be called on any thread (the count is
 * atomic; a paragraph is never changed once made); the last release frees it. */
void kl_text__para_hold(const kl_tpara *p);
void kl_text__para_release(const kl_tpara *p);

/* Is the language written right to left? */
bool kl_text__lang_rtl(const char *lang);

/* Is the line-break opportunity at brk (UTF-16 offset in u[0..n)) just after a
 * hyphen joining two letters ("multi-agency", "dib-u-eegis", "diga-nos")?
 * Clear print splits no word across lines, so such breaks are not taken. */
bool kl_text__hyphen_joins(const uint16_t *u, int32_t n, int32_t brk);

/* Is brk strictly inside a web or email address ("https://advocacy-north.example",
 * "sam@x.example")? A reader types it as printed, so it is not broken across lines
 * unless it alone is wider than the line. */
bool kl_text__in_address(const uint16_t *u, int32_t n, int32_t brk);

/* Is brk inside a number a reader copies as printed: between two digit
 * groups separated by one space ("116 123", "01632 960456", the "NT2 7QP" of
 * a postcode), or after a dash or slash between digits ("09:00–16:00")?
 * Bidi isolation marks around the parts are skipped. Not broken unless the
 * number alone is wider than the line. */
bool kl_text__in_number(const uint16_t *u, int32_t n, int32_t brk);

#endif
