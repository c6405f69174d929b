/* SPDX-License-Identifier: MIT */
/* pdf/fontpack.c: a font's embedded data for one glyph set (subset, ToUnicode, widths), cached. */
#include "pdf/fontpack.h"

#include <hb-subset.h>
#include <hpdf.h>
#include <libdeflate.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PACK_BUCKETS   256
#define PACK_MAX_BYTES (24u << 20)

/* A font's glyph widths as written in /W, filled in as glyphs are used. */
typedef struct widthtab {
    const kl_font *font;
    int32_t *w; /* num_glyphs entries, WIDTH_UNSET until asked */
} widthtab;

#define WIDTH_UNSET INT32_MIN

/* libharu's objects are carved out of 64 KB blocks (see kl_pdf__pool_alloc). */
#define ARENA_BLOCK      (64u << 10)
#define ARENA_MAX_BLOCKS 64u /* 4 MB; beyond that, plain allocations */
#define ARENA_KEEP       4u  /* blocks kept for the next letter */
/* Pieces of up to (ARENA_CLASSES - 1) * 16 bytes (with their header) that libharu frees are
 * carved again for the next of their size (a page's own Resources, which its shared one
 * replaces, its content stream, the lists libharu outgrows): 16-byte classes. */
#define ARENA_CLASSES 64u

struct kl_pdf_cache {
    kl_fontpack *buckets[PACK_BUCKETS];
    kl_imgpack *images;
    size_t bytes;
    widthtab *widths; /* by font id */
    size_t nwidths, widthscap;
    struct libdeflate_compressor *zc; /* every stream we deflate; NULL until the first */
    struct libdeflate_compressor *zf; /* a print pack's object streams (KL_PDF_DEFLATE_FAST) */
    kl_buf zout;
    void *blocks[ARENA_MAX_BLOCKS]; /* the arena for libharu's objects, kept between letters */
    unsigned nblocks, cur;          /* blocks allocated; the one being carved */
    size_t used;                    /* bytes carved from blocks[cur] */
    bool pool_failed;               /* an allocation for libharu failed since kl_pdf__pool_use */
    void *freed[ARENA_CLASSES];     /* pieces freed, by size / 16: each the next's address */
};

int kl_pdf__cache_new(kl_pdf_cache **out)
{
    *out = kl_core__calloc(1, sizeof **out);
    return *out ? 0 : KL_ENOMEM;
}

static void widths_free(kl_pdf_cache *c)
{
    for (size_t i = 0; i < c->nwidths; i++)
        kl_free(c->widths[i].w);
    kl_free(c->widths);
    c->widths = NULL;
    c->nwidths = c->widthscap = 0;
}

static void pack_free(kl_fontpack *p)
{
    if (!p)
        return;
    kl_free(p->key);
    kl_free(p->file);
    kl_free(p->tounicode);
    kl_free(p->cidtogid);
    kl_free(p->widths);
    kl_free(p);
}

static void images_free(kl_pdf_cache *c)
{
    for (kl_imgpack *p = c->images; p;) {
        kl_imgpack *next = p->next;
        kl_free(p->src);
        kl_free(p->data);
        kl_free(p->mask);
        kl_free(p);
        p = next;
    }
    c->images = NULL;
}

static void cache_clear(kl_pdf_cache *c)
{
    images_free(c);
    for (size_t i = 0; i < PACK_BUCKETS; i++) {
        kl_fontpack *p = c->buckets[i];
        while (p) {
            kl_fontpack *next = p->next;
            pack_free(p);
            p = next;
        }
        c->buckets[i] = NULL;
    }
    widths_free(c);
    c->bytes = 0;
}

void kl_pdf__cache_free(kl_pdf_cache *c)
{
    if (!c)
        return;
    cache_clear(c);
    libdeflate_free_compressor(c->zc);
    libdeflate_free_compressor(c->zf);
    kl_core__buf_free(&c->zout);
    while (c->nblocks)
        kl_free(c->blocks[--c->nblocks]);
    kl_free(c);
}

/* ---- libharu's memory ----------------------------------------------------- */

/* libharu makes thousands of small objects per letter. Its own memory pool
 * would carve them out of blocks, but only 4-byte aligned (HPDF_ALIGN_SIZ),
 * which is undefined behaviour for its pointer-holding structures. So the
 * pool is off (size 0) and libharu's allocator is an arena of our own: 16-byte
 * aligned pieces of 64 KB blocks, freed all at once when the letter is done
 * and kept for the next letter (allocating the blocks anew for every letter
 * made malloc hand memory back to the system and fault it in again).
 * libharu's allocator takes no user data, so the cache is found through a
 * thread-local pointer, set while its thread renders. */
static _Thread_local kl_pdf_cache *pool_cache;
static _Thread_local bool pool_closing; /* kl_pdf__pool_closing until kl_pdf__pool_use */

#define POOL_HDR  16u /* a tag (heap, or an arena piece's size) that keeps pieces 16-aligned */
#define POOL_HEAP 1u  /* the tag of a piece from the heap */

static void arena_reset(kl_pdf_cache *c)
{
    while (c->nblocks > ARENA_KEEP)
        kl_free(c->blocks[--c->nblocks]);
    c->cur = 0;
    c->used = 0;
    memset(c->freed, 0, sizeof c->freed);
}

void kl_pdf__pool_use(kl_pdf_cache *c)
{
    /* Called with c before HPDF_NewEx and with NULL after HPDF_Free: either
     * way no piece of the arena is in use any more. */
    if (pool_cache)
        arena_reset(pool_cache);
    pool_cache = c;
    pool_closing = false;
    if (c) {
        arena_reset(c);
        c->pool_failed = false;
    }
}

kl_pdf_cache *kl_pdf__pool_switch(kl_pdf_cache *c)
{
    kl_pdf_cache *was = pool_cache;
    pool_cache = c;
    pool_closing = false;
    return was;
}

void *kl_pdf__pool_alloc(unsigned size)
{
    kl_pdf_cache *c = pool_cache;
    size_t need = POOL_HDR + (((size_t)size + 15u) & ~(size_t)15u);
    unsigned char *p;
    size_t tag;
    if (c && need <= ARENA_BLOCK) {
        if (need / 16 < ARENA_CLASSES && c->freed[need / 16]) { /* its tag is need already */
            p = c->freed[need / 16];
            memcpy(&c->freed[need / 16], p + POOL_HDR, sizeof(void *));
            return p + POOL_HDR;
        }
        if (c->cur < c->nblocks && c->used + need > ARENA_BLOCK) {
            c->cur++;
            c->used = 0;
        }
        if (c->cur == c->nblocks && c->nblocks < ARENA_MAX_BLOCKS) {
            void *b = kl_core__malloc(ARENA_BLOCK);
            if (!b) {
                c->pool_failed = true;
                return NULL;
            }
            c->blocks[c->nblocks++] = b;
            c->used = 0;
        }
        if (c->cur < c->nblocks) {
            p = (unsigned char *)c->blocks[c->cur] + c->used;
            c->used += need;
            tag = need;
            memcpy(p, &tag, sizeof tag);
            return p + POOL_HDR;
        }
    }
    p = kl_core__malloc(POOL_HDR + (size_t)size);
    if (!p) {
        if (c)
            c->pool_failed = true;
        return NULL;
    }
    tag = POOL_HEAP;
    memcpy(p, &tag, sizeof tag);
    return p + POOL_HDR;
}

void kl_pdf__pool_free(void *ptr)
{
    if (!ptr)
        return;
    unsigned char *p = (unsigned char *)ptr - POOL_HDR;
    size_t tag;
    memcpy(&tag, p, sizeof tag);
    if (tag == POOL_HEAP) {
        kl_free(p);
        return;
    }
    /* An arena piece: carved again for the next of its size (pool_cache is the arena's: libharu
     * frees on the thread that made the document), or given back with the whole arena
     * (kl_pdf__pool_use). */
    kl_pdf_cache *c = pool_cache;
    if (c && !pool_closing && tag / 16 < ARENA_CLASSES) {
        memcpy(p + POOL_HDR, &c->freed[tag / 16], sizeof(void *));
        c->freed[tag / 16] = p;
    }
}

void kl_pdf__pool_closing(void)
{
    pool_closing = true;
}

bool kl_pdf__pool_failed(const kl_pdf_cache *c)
{
    return c->pool_failed;
}

void kl_pdf__cache_trim(kl_pdf_cache *c)
{
    if (c && c->bytes > PACK_MAX_BYTES)
        cache_clear(c);
}

/* ---- glyph use ------------------------------------------------------------ */

void kl_pdf__use_free(kl_fontuse *u)
{
    kl_free(u->m);
    kl_free(u->head_of);
    memset(u, 0, sizeof *u);
}

/* The first entry of glyph gid in u (index), -1: none. */
static inline int32_t use_find(const kl_fontuse *u, uint32_t gid)
{
    return gid < u->nhead ? (int32_t)u->head_of[gid] - 1 : -1;
}

/* Room for one more entry, and the index for f's glyphs. */
static int use_reserve(kl_fontuse *u, const kl_font *f)
{
    int rc;
    if ((rc = KL_GROW(u->m, u->cap, u->n + 1)) < 0)
        return rc;
    if (!u->head_of) {
        if (!(u->head_of = kl_core__calloc(f->num_glyphs ? f->num_glyphs : 1, sizeof *u->head_of)))
            return KL_ENOMEM;
        u->nhead = f->num_glyphs;
    }
    return 0;
}

/* The entry of gid (from head on) for text, w and rise, -1: none; *last:
 * the last entry of gid. */
static inline int32_t use_match(const kl_fontuse *u, int32_t head, const uint16_t *text, unsigned n,
                                int32_t w, int16_t rise, int32_t *last)
{
    *last = -1;
    for (int32_t i = head; i >= 0; i = u->m[i].next) {
        const kl_gmap *g = &u->m[i];
        if (g->n == n && g->w == w && g->rise == rise &&
            (n == 1 ? g->u[0] == text[0] : !memcmp(g->u, text, n * sizeof *text)))
            return i;
        *last = i;
    }
    return -1;
}

/* kl_pdf__use_add, or (add false) the same answer for a code already added,
 * KL_EBACKEND for one that was not. The same question always has the same
 * answer: the code found for the rise asked first, so that a raised glyph
 * added before the font ran out of CIDs is found again after. */
static int use_get(kl_fontuse *u, const kl_font *f, uint32_t gid, const uint16_t *text, unsigned n,
                   int32_t *wp, int16_t *risep, uint32_t *cid, bool add)
{
    int32_t w = *wp;
    *cid = gid;
    if (gid >= f->num_glyphs) {
        *risep = 0;
        return 0;
    }
    if (n > KL_GMAP_MAX)
        n = KL_GMAP_MAX;
    int32_t head = use_find(u, gid), last;
    int32_t i = head >= 0 && *risep ? use_match(u, head, text, n, w, *risep, &last) : -1;
    if (i >= 0) {
        *cid = u->m[i].cid;
        return 0;
    }
    if (f->cff || u->next_cid > 0xFFFF)
        *risep = 0; /* a glyph of its own is possible in TrueType fonts only */
    int16_t rise = *risep;
    if ((i = use_match(u, head, text, n, w, rise, &last)) >= 0) {
        *cid = u->m[i].cid;
        *wp = u->m[i].w;
        return 0;
    }
    if (head >= 0 && (f->cff || u->next_cid > 0xFFFF)) {
        *cid = u->m[head].cid; /* no second CID possible: the first text stays */
        *wp = u->m[head].w;
        *risep = u->m[head].rise;
        return 0;
    }
    if (!add)
        return KL_EBACKEND;
    u->font = f;
    int rc;
    if ((rc = use_reserve(u, f)) < 0)
        return rc;
    i = (int32_t)u->n++;
    kl_gmap *g = &u->m[i];
    memset(g, 0, sizeof *g);
    g->gid = gid;
    g->next = -1;
    g->w = w;
    g->rise = rise;
    memcpy(g->u, text, n * sizeof *text);
    g->n = (uint8_t)n;
    if (u->next_cid < f->num_glyphs)
        u->next_cid = f->num_glyphs;
    /* A raised glyph is another glyph: never CID = GID. */
    g->cid = head < 0 && !rise ? gid : u->next_cid++;
    if (head < 0) {
        g->head = 1;
        u->head_of[gid] = (uint32_t)i + 1;
    } else {
        u->m[last].next = i;
    }
    *cid = g->cid;
    return 0;
}

int kl_pdf__use_add(kl_fontuse *u, const kl_font *f, uint32_t gid, const uint16_t *text, unsigned n,
                    int32_t *wp, int16_t *risep, uint32_t *cid)
{
    return use_get(u, f, gid, text, n, wp, risep, cid, true);
}

int kl_pdf__use_find(kl_fontuse *u, const kl_font *f, uint32_t gid, const uint16_t *text,
                     unsigned n, int32_t *wp, int16_t *risep, uint32_t *cid)
{
    return use_get(u, f, gid, text, n, wp, risep, cid, false);
}

static int by_cid(const void *a, const void *b)
{
    uint32_t x = ((const kl_gmap *)a)->cid, y = ((const kl_gmap *)b)->cid;
    return x < y ? -1 : x > y;
}

/* ---- building ------------------------------------------------------------- */

/* data deflated into a buffer of its own (*out, the caller's), through the
 * cache's compressor. */
static int deflate_buf(kl_pdf_cache *c, const void *data, size_t len, unsigned char **out,
                       size_t *outlen)
{
    const unsigned char *z;
    size_t n;
    int rc = kl_pdf__deflate(c, data, len, &z, &n);
    if (rc)
        return rc;
    if (!(*out = kl_core__malloc(n)))
        return KL_ENOMEM;
    memcpy(*out, z, n);
    *outlen = n;
    return 0;
}

/* RAISED_GLYPHS: a glyph drawn above or below the baseline (Nastaliq's
 * cascading letters, an Arabic mark over a tall letter) is drawn on the
 * baseline as a glyph of its own, added to the subset font: a TrueType
 * composite of the original glyph moved up by its rise (in font units).
 * With a text rise (Ts) instead, pdf.js (Firefox's viewer, its find, copy
 * and text layer) starts a new piece of text at every step up or down a
 * quarter em and puts each piece into logical order on its own, so an
 * Urdu word came back with its pieces reversed (measured: 43% of Urdu
 * words intact, 95% with a flat baseline). */
static uint16_t rd16(const unsigned char *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void wr16(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 8), p[1] = (unsigned char)v;
}

static void wr32(unsigned char *p, uint32_t v)
{
    wr16(p, v >> 16), wr16(p + 2, v);
}

static uint32_t table_sum(const unsigned char *p, size_t len)
{
    uint32_t sum = 0;
    for (size_t i = 0; i < len; i += 4) {
        unsigned char w[4] = {0, 0, 0, 0};
        memcpy(w, p + i, len - i < 4 ? len - i : 4);
        sum += rd32(w);
    }
    return sum;
}

/* WIDTH_GLYPHS: PDF/UA-1 (ISO 14289-1 7.21.5, as PDF/A-2 6.2.11.5) wants the
 * width of every glyph in /W to be the advance the embedded font program
 * gives it (veraPDF allows a difference of 1/1000 em). glyphs.c declares
 * widths other than the advance where readers infer spaces from the text
 * position (RTL_FLOW, SCRIPT_GAP, WORD_END_MARK, ZERO_WIDTH_LETTER, a mark's
 * flow_width): such a code draws a glyph whose advance in hmtx is that
 * width. When every code that draws the glyph itself declares the same
 * width, the glyph's own advance is set to it; otherwise the code gets a
 * glyph of its own, a composite of the same outline (as a raised glyph,
 * with no offset) with that advance. Nothing on the page moves: a reader
 * places glyphs by /W and the content's adjustments, and the outline is the
 * same. */
#define NTAGS 6
enum { T_HEAD, T_MAXP, T_HHEA, T_HMTX, T_LOCA, T_GLYF };

/* Font units of a width in thousandths of an em (0 to 65535). */
static unsigned width_units(int32_t w, unsigned upem)
{
    double u = w * (double)upem / 1000.0;
    return u <= 0 ? 0 : u >= 65535 ? 65535u : (unsigned)(u + 0.5);
}

static const char sfnt_tags[NTAGS][5] = {"head", "maxp", "hhea", "hmtx", "loca", "glyf"};

/* The tables of a TrueType font program that kl_pdf__add_raised reads. */
typedef struct sfnt {
    const unsigned char *font;
    size_t len;
    unsigned ntables;
    const unsigned char *tab[NTAGS];
    size_t tlen[NTAGS];
    unsigned nglyphs, nhm, upem;
    bool long_loca;
} sfnt;

/* The tables, checked to be in the font and long enough (not loca, glyf). */
static int sfnt_read(const unsigned char *font, size_t len, sfnt *s)
{
    memset(s, 0, sizeof *s);
    s->font = font;
    s->len = len;
    if (len < 12)
        return KL_EBACKEND;
    s->ntables = rd16(font + 4);
    if (12 + (size_t)s->ntables * 16 > len)
        return KL_EBACKEND;
    for (unsigned i = 0; i < s->ntables; i++) {
        const unsigned char *r = font + 12 + i * 16;
        uint32_t off = rd32(r + 8), l = rd32(r + 12);
        if (off > len || l > len - off)
            return KL_EBACKEND;
        for (int k = 0; k < NTAGS; k++)
            if (!memcmp(r, sfnt_tags[k], 4))
                s->tab[k] = font + off, s->tlen[k] = l;
    }
    for (int k = T_HEAD; k <= T_HMTX; k++)
        if (!s->tab[k])
            return KL_EBACKEND;
    if (s->tlen[T_HEAD] < 54 || s->tlen[T_MAXP] < 6 || s->tlen[T_HHEA] < 36)
        return KL_EBACKEND;
    s->nglyphs = rd16(s->tab[T_MAXP] + 4);
    s->nhm = rd16(s->tab[T_HHEA] + 34);
    s->upem = rd16(s->tab[T_HEAD] + 18);
    s->long_loca = rd16(s->tab[T_HEAD] + 50) != 0;
    if (!s->nhm || s->nhm > s->nglyphs || s->upem < 16 ||
        s->tlen[T_HMTX] < (size_t)s->nhm * 4 + (size_t)(s->nglyphs - s->nhm) * 2)
        return KL_EBACKEND;
    return 0;
}

/* Glyph g's advance in hmtx. */
static unsigned sfnt_adv(const sfnt *s, unsigned g)
{
    return rd16(s->tab[T_HMTX] + (size_t)(g < s->nhm ? g : s->nhm - 1) * 4);
}

/* Where glyph g's own data starts in glyf, from loca. */
static uint32_t sfnt_loca(const sfnt *s, unsigned g)
{
    return s->long_loca ? rd32(s->tab[T_LOCA] + (size_t)g * 4)
                        : 2u * rd16(s->tab[T_LOCA] + (size_t)g * 2);
}

/* What kl_pdf__add_raised changes: the advance each code needs; the glyphs
 * whose own advance changes; the codes that need a glyph of their own
 * (copy[i]: the code whose new glyph code i draws, -1: none). */
typedef struct raise_plan {
    unsigned *want; /* per code: the advance it needs */
    uint32_t *adv;  /* per code: its glyph's advance (changed in place or not) */
    int32_t *copy;  /* per code: see above */
    size_t ncopies; /* new glyphs */
    bool changed;   /* some glyph's own advance changes */
} raise_plan;

static void plan_free(raise_plan *p)
{
    kl_free(p->want);
    kl_free(p->copy);
    kl_free(p->adv);
}

static int plan_make(const sfnt *s, const kl_gmap *m, size_t n, raise_plan *p)
{
    memset(p, 0, sizeof *p);
    p->want = kl_core__malloc(n * sizeof *p->want);
    p->copy = kl_core__malloc(n * sizeof *p->copy);
    p->adv = kl_core__malloc(n * sizeof *p->adv);
    if (!p->want || !p->copy || !p->adv)
        return KL_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        unsigned own = m[i].gid < s->nglyphs ? sfnt_adv(s, m[i].gid) : 0;
        p->want[i] = m[i].w == INT32_MIN ? own : width_units(m[i].w, s->upem);
        p->adv[i] = own;
    }
    for (size_t i = 0; i < n; i++) {
        if (m[i].rise || m[i].gid >= s->nglyphs || p->want[i] == p->adv[i])
            continue;
        bool same = true; /* every code drawing the glyph itself wants this advance */
        for (size_t j = 0; j < n && same; j++)
            same = m[j].gid != m[i].gid || m[j].rise || p->want[j] == p->want[i];
        if (same) {
            for (size_t j = 0; j < n; j++)
                if (m[j].gid == m[i].gid)
                    p->adv[j] = p->want[i];
            p->changed = true;
        }
    }
    for (size_t i = 0; i < n; i++) {
        p->copy[i] = -1;
        if (!m[i].rise && (p->want[i] == p->adv[i] || m[i].gid >= s->nglyphs))
            continue;
        p->copy[i] = (int32_t)i;
        for (size_t j = 0; j < i; j++)
            if (p->copy[j] == (int32_t)j && m[j].gid == m[i].gid && m[j].rise == m[i].rise &&
                p->want[j] == p->want[i]) {
                p->copy[i] = (int32_t)j;
                break;
            }
        p->ncopies += p->copy[i] == (int32_t)i;
    }
    return 0;
}

/* New glyphs need TrueType outlines with a loca in order; *glyf_len: the
 * glyf data kept, padded to 4 bytes. */
static int check_outlines(const sfnt *s, size_t ncopies, size_t *glyf_len)
{
    *glyf_len = 0;
    if (!ncopies)
        return 0;
    if (!s->tab[T_LOCA] || !s->tab[T_GLYF])
        return KL_EBACKEND; /* new glyphs only in TrueType outlines */
    if (s->tlen[T_LOCA] < ((size_t)s->nglyphs + 1) * (s->long_loca ? 4 : 2) ||
        s->nglyphs + ncopies > 0xFFFF)
        return KL_EBACKEND;
    for (unsigned g = 0; g <= s->nglyphs; g++)
        if (sfnt_loca(s, g) > s->tlen[T_GLYF] || (g && sfnt_loca(s, g) < sfnt_loca(s, g - 1)))
            return KL_EBACKEND;
    *glyf_len = ((size_t)sfnt_loca(s, s->nglyphs) + 3) & ~(size_t)3;
    return 0;
}

/* The rebuilt head, maxp, hhea and hmtx (every glyph a full metric, the
 * advances changed in place), and loca and glyf with the old glyphs when
 * there are new ones. */
static void tables_copy(const sfnt *s, const kl_gmap *m, size_t n, const raise_plan *p,
                        unsigned total, unsigned char **nt)
{
    memcpy(nt[T_HEAD], s->tab[T_HEAD], s->tlen[T_HEAD]);
    wr32(nt[T_HEAD] + 8, 0); /* checkSumAdjustment, set at the end */
    memcpy(nt[T_MAXP], s->tab[T_MAXP], s->tlen[T_MAXP]);
    memcpy(nt[T_HHEA], s->tab[T_HHEA], s->tlen[T_HHEA]);
    wr16(nt[T_HHEA] + 34, total);
    if (p->ncopies) {
        wr16(nt[T_HEAD] + 50, 1); /* long loca */
        wr16(nt[T_MAXP] + 4, total);
        if (rd32(s->tab[T_MAXP]) == 0x00010000 && s->tlen[T_MAXP] >= 32) {
            /* maxComponentElements, maxComponentDepth: one more level */
            if (rd16(nt[T_MAXP] + 28) < 1)
                wr16(nt[T_MAXP] + 28, 1);
            wr16(nt[T_MAXP] + 30, rd16(nt[T_MAXP] + 30) + 1u);
        }
    }
    /* Every glyph a full metric (advance, left side bearing). */
    unsigned nhm = s->nhm;
    for (unsigned g = 0; g < s->nglyphs; g++) {
        const unsigned char *hm = s->tab[T_HMTX];
        unsigned lsb = g < nhm ? rd16(hm + (size_t)g * 4 + 2)
                               : rd16(hm + (size_t)nhm * 4 + (size_t)(g - nhm) * 2);
        wr16(nt[T_HMTX] + (size_t)g * 4, sfnt_adv(s, g));
        wr16(nt[T_HMTX] + (size_t)g * 4 + 2, lsb);
    }
    for (size_t i = 0; i < n; i++)
        if (!m[i].rise && m[i].gid < s->nglyphs && p->adv[i] != sfnt_adv(s, m[i].gid))
            wr16(nt[T_HMTX] + (size_t)m[i].gid * 4, p->adv[i]); /* WIDTH_GLYPHS, in place */
    if (p->ncopies) {
        for (unsigned g = 0; g <= s->nglyphs; g++)
            wr32(nt[T_LOCA] + (size_t)g * 4, sfnt_loca(s, g));
        memcpy(nt[T_GLYF], s->tab[T_GLYF], sfnt_loca(s, s->nglyphs));
    }
}

/* Glyph g drawn raised by rise as a composite at d (20 bytes); own: g's
 * advance in the new hmtx, want: the new glyph's. */
static void composite_put(const sfnt *s, unsigned char *d, uint32_t g, int32_t rise, unsigned own,
                          unsigned want)
{
    const unsigned char *src = s->tab[T_GLYF] + sfnt_loca(s, g);
    int32_t ymin = (int16_t)rd16(src + 4) + rise, ymax = (int16_t)rd16(src + 8) + rise;
    ymin = ymin < -32768 ? -32768 : ymin > 32767 ? 32767 : ymin;
    ymax = ymax < -32768 ? -32768 : ymax > 32767 ? 32767 : ymax;
    wr16(d, 0xFFFF); /* numberOfContours -1: a composite */
    memcpy(d + 2, src + 2, 2);
    wr16(d + 4, (uint32_t)ymin);
    memcpy(d + 6, src + 6, 2);
    wr16(d + 8, (uint32_t)ymax);
    /* ARG_1_AND_2_ARE_WORDS | ARGS_ARE_XY_VALUES, and USE_MY_METRICS
     * when the advance is the original's (a rasterizer would give
     * the composite the original's advance over its own hmtx). */
    wr16(d + 10, 0x0001 | 0x0002 | (want == own ? 0x0200 : 0));
    wr16(d + 12, g);
    wr16(d + 14, 0);
    wr16(d + 16, (uint32_t)rise);
}

/* The new glyphs, after the font's own (hmtx, loca, glyf from glyf_len on);
 * returns the length of glyf. */
static size_t glyphs_add(const sfnt *s, const kl_gmap *m, size_t n, const raise_plan *p,
                         size_t glyf_len, unsigned char **nt, uint32_t *outgid)
{
    size_t at = glyf_len;
    unsigned next = s->nglyphs;
    for (size_t i = 0; i < n; i++) {
        if (p->copy[i] < 0)
            continue;
        if (p->copy[i] != (int32_t)i) {
            outgid[i] = outgid[p->copy[i]];
            continue;
        }
        uint32_t g = m[i].gid;
        unsigned newg = next++;
        outgid[i] = newg;
        memcpy(nt[T_HMTX] + (size_t)newg * 4, nt[T_HMTX] + (size_t)(g < s->nglyphs ? g : 0) * 4, 4);
        wr16(nt[T_HMTX] + (size_t)newg * 4, p->want[i]);
        wr32(nt[T_LOCA] + (size_t)newg * 4, (uint32_t)at);
        if (g < s->nglyphs && sfnt_loca(s, g + 1) - sfnt_loca(s, g) >= 10) {
            unsigned own = nt[T_HMTX][(size_t)g * 4] << 8 | nt[T_HMTX][(size_t)g * 4 + 1];
            composite_put(s, nt[T_GLYF] + at, g, m[i].rise, own, p->want[i]);
            at += 20;
        }
    }
    return at;
}

/* The font: the same tables in the same order, the first `rebuilt` of
 * nt (sizes) in place of the font's own; then head's checkSumAdjustment. */
static int font_write(const sfnt *s, unsigned char **nt, const size_t *sizes, int rebuilt,
                      kl_buf *out)
{
    size_t hdr = 12 + (size_t)s->ntables * 16;
    if (kl_core__buf_reserve(out, s->len + (sizes[T_GLYF] + sizes[T_LOCA] + sizes[T_HMTX]) + 64))
        return KL_ENOMEM;
    kl_core__buf_append(out, s->font, hdr);
    size_t head_at = 0;
    for (unsigned i = 0; i < s->ntables; i++) {
        unsigned char *r = (unsigned char *)out->data + 12 + i * 16;
        const unsigned char *data = s->font + rd32(r + 8);
        size_t l = rd32(r + 12);
        for (int k = 0; k < rebuilt; k++)
            if (!memcmp(r, sfnt_tags[k], 4)) {
                data = nt[k], l = sizes[k];
                if (k == T_HEAD)
                    head_at = out->len;
            }
        static const unsigned char pad[4] = {0, 0, 0, 0};
        r = (unsigned char *)out->data + 12 + i * 16; /* (the buffer may have moved) */
        wr32(r + 4, table_sum(data, l));
        wr32(r + 8, (uint32_t)out->len);
        wr32(r + 12, (uint32_t)l);
        kl_core__buf_append(out, data, l);
        kl_core__buf_append(out, pad, (4 - l % 4) % 4);
    }
    if (out->oom)
        return KL_ENOMEM;
    wr32((unsigned char *)out->data + head_at + 8,
         0xB1B0AFBAu - table_sum((const unsigned char *)out->data, out->len));
    return 0;
}

int kl_pdf__add_raised(const unsigned char *font, size_t len, const kl_gmap *m, size_t n,
                       kl_buf *out, uint32_t *outgid)
{
    for (size_t i = 0; i < n; i++)
        outgid[i] = m[i].gid;
    if (!n)
        return 0;
    sfnt s;
    raise_plan p = {0};
    unsigned char *nt[NTAGS] = {0};
    size_t glyf_len = 0, sizes[NTAGS] = {0};
    int rc;
    if ((rc = sfnt_read(font, len, &s)) < 0)
        return rc;
    if ((rc = plan_make(&s, m, n, &p)) < 0)
        goto done;
    if (!p.ncopies && !p.changed)
        goto done; /* the font as it is */
    if ((rc = check_outlines(&s, p.ncopies, &glyf_len)) < 0)
        goto done;
    unsigned total = s.nglyphs + (unsigned)p.ncopies;
    sizes[T_HEAD] = s.tlen[T_HEAD];
    sizes[T_MAXP] = s.tlen[T_MAXP];
    sizes[T_HHEA] = s.tlen[T_HHEA];
    sizes[T_HMTX] = (size_t)total * 4;
    if (p.ncopies) {
        sizes[T_LOCA] = ((size_t)total + 1) * 4;
        sizes[T_GLYF] = glyf_len + p.ncopies * 20;
    }
    int rebuilt = p.ncopies ? NTAGS : T_LOCA; /* tables rebuilt: up to hmtx, or all six */
    for (int k = 0; k < rebuilt; k++)
        if (!(nt[k] = kl_core__calloc(sizes[k] + 4, 1))) {
            rc = KL_ENOMEM;
            goto done;
        }
    tables_copy(&s, m, n, &p, total, nt);
    size_t at = glyphs_add(&s, m, n, &p, glyf_len, nt, outgid);
    unsigned maxadv = 0;
    for (unsigned g = 0; g < total; g++) {
        unsigned a = rd16(nt[T_HMTX] + (size_t)g * 4);
        maxadv = a > maxadv ? a : maxadv;
    }
    wr16(nt[T_HHEA] + 10, maxadv); /* advanceWidthMax */
    if (p.ncopies) {
        wr32(nt[T_LOCA] + (size_t)total * 4, (uint32_t)at);
        sizes[T_GLYF] = at;
    }
    rc = font_write(&s, nt, sizes, rebuilt, out);
done:
    for (int k = 0; k < NTAGS; k++)
        kl_free(nt[k]);
    plan_free(&p);
    if (rc) {
        kl_core__buf_free(out);
        for (size_t i = 0; i < n; i++)
            outgid[i] = m[i].gid;
    }
    return rc;
}

static int hb_subset_font(kl_context *ctx, kl_pdf_cache *c, const kl_font *f, const kl_gmap *m,
                          size_t n, unsigned char **out, size_t *outlen, uint32_t *outgid)
{
    hb_subset_input_t *in = hb_subset_input_create_or_fail();
    if (!in)
        return kl_core__oom(ctx);
    hb_set_t *gids = hb_subset_input_glyph_set(in);
    hb_set_add(gids, 0);
    for (size_t i = 0; i < n; i++)
        hb_set_add(gids, m[i].gid);
    hb_subset_input_set_flags(in, HB_SUBSET_FLAGS_RETAIN_GIDS | HB_SUBSET_FLAGS_NO_HINTING);
    hb_set_t *drop = hb_subset_input_set(in, HB_SUBSET_SETS_DROP_TABLE_TAG);
    static const hb_tag_t dropped[] = {
        HB_TAG('G', 'S', 'U', 'B'), HB_TAG('G', 'P', 'O', 'S'), HB_TAG('G', 'D', 'E', 'F'),
        HB_TAG('B', 'A', 'S', 'E'), HB_TAG('J', 'S', 'T', 'F'), HB_TAG('m', 'o', 'r', 'x'),
        HB_TAG('k', 'e', 'r', 'x'), HB_TAG('k', 'e', 'r', 'n'), HB_TAG('D', 'S', 'I', 'G'),
        HB_TAG('M', 'A', 'T', 'H'), HB_TAG('V', 'O', 'R', 'G'), HB_TAG('m', 'e', 't', 'a')};
    for (size_t i = 0; i < sizeof dropped / sizeof *dropped; i++)
        hb_set_add(drop, dropped[i]);
    /* A TrueType program in a CIDFontType2 needs only head, hhea, loca,
     * maxp, glyf and hmtx (ISO 32000-1, 9.9): the reader maps codes to
     * glyphs through CIDToGIDMap, never cmap, and takes names, metrics and
     * text from the PDF. About 450 bytes less per font. OpenType/CFF
     * programs (FontFile3) are left whole. */
    static const hb_tag_t not_in_pdf[] = {HB_TAG('n', 'a', 'm', 'e'), HB_TAG('p', 'o', 's', 't'),
                                          HB_TAG('O', 'S', '/', '2'), HB_TAG('c', 'm', 'a', 'p'),
                                          HB_TAG('g', 'a', 's', 'p')};
    for (size_t i = 0; !f->cff && i < sizeof not_in_pdf / sizeof *not_in_pdf; i++)
        hb_set_add(drop, not_in_pdf[i]);
    hb_face_t *sub = hb_subset_or_fail(f->face, in);
    hb_subset_input_destroy(in);
    if (!sub)
        return kl_core__error(ctx, KL_EBACKEND, KL_AT(f->file, 0, 0), NULL,
                              "hb-subset failed on the font \"%s\"", f->family);
    hb_blob_t *blob = hb_face_reference_blob(sub);
    unsigned len = 0;
    const char *data = hb_blob_get_data(blob, &len);
    kl_buf raised = KL_BUF_INIT;
    int rc = len ? kl_pdf__add_raised((const unsigned char *)data, len, m, n, &raised, outgid)
                 : KL_EBACKEND;
    if (rc < 0)
        goto done;
    if (raised.len)
        rc = deflate_buf(c, raised.data, raised.len, out, outlen);
    else
        rc = deflate_buf(c, data, len, out, outlen);
done:
    kl_core__buf_free(&raised);
    hb_blob_destroy(blob);
    hb_face_destroy(sub);
    if (rc == KL_ENOMEM)
        return kl_core__oom(ctx);
    if (rc)
        return kl_core__error(ctx, KL_EBACKEND, KL_AT(f->file, 0, 0), NULL,
                              "cannot embed the font \"%s\" (subset or compression failed)",
                              f->family);
    return 0;
}

static void tounicode(kl_buf *b, const kl_gmap *m, size_t n)
{
    kl_core__buf_puts(b,
                      "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
                      "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
                      "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
                      "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n");
    /* Every code drawn has its text (PDF/UA-1 7.21.7): the characters the
     * PDF writer shared out to its glyph from the glyph's cluster (see
     * glyph_text in glyphs.c). Codes with no text of their own are never drawn
     * as text (pdf.c draws those glyphs as outlines). */
    size_t mapped = 0;
    for (size_t i = 0; i < n; i++)
        mapped += m[i].n > 0;
    size_t done = 0;
    for (size_t i = 0; i < n;) {
        size_t block = mapped - done < 100 ? mapped - done : 100;
        if (!block)
            break;
        kl_core__buf_printf(b, "%zu beginbfchar\n", block);
        for (size_t k = 0; k < block && i < n; i++) {
            if (!m[i].n)
                continue;
            kl_core__buf_printf(b, "<%04X> <", (unsigned)m[i].cid);
            for (unsigned j = 0; j < m[i].n; j++)
                kl_core__buf_printf(b, "%04X", (unsigned)m[i].u[j]);
            kl_core__buf_puts(b, ">\n");
            k++;
            done++;
        }
        kl_core__buf_puts(b, "endbfchar\n");
    }
    kl_core__buf_puts(b, "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
}

static void widths(kl_buf *b, const kl_font *f, const kl_gmap *m, size_t n, int *w1000)
{
    kl_core__buf_puts(b, "/W [");
    for (size_t i = 0; i < n;) {
        size_t j = i;
        kl_core__buf_printf(b, "%u [", (unsigned)m[i].cid);
        while (j < n && (j == i || m[j].cid == m[j - 1].cid + 1)) {
            hb_position_t adv = hb_font_get_glyph_h_advance(f->font, m[j].gid);
            int w = m[j].w != INT32_MIN ? m[j].w
                                        : (int)((adv * 1000.0) / f->upem + (adv >= 0 ? 0.5 : -0.5));
            if (w1000)
                w1000[j] = w;
            kl_core__buf_printf(b, "%s%d", j == i ? "" : " ", w);
            j++;
        }
        kl_core__buf_puts(b, "] ");
        i = j;
    }
    kl_core__buf_puts(b, "]\n");
}

/* The CIDToGIDMap of codes m (sorted by CID) when some CID is not its glyph
 * id: two bytes per CID, big-endian. */
static int cid_to_gid(kl_pdf_cache *c, const kl_gmap *m, const uint32_t *gid, size_t n,
                      unsigned char **out, size_t *outlen)
{
    *out = NULL;
    *outlen = 0;
    bool identity = true; /* only first meanings drawing their own glyphs: CID = GID */
    for (size_t i = 0; i < n && identity; i++)
        identity = m[i].cid == gid[i];
    if (!n || identity)
        return 0;
    size_t len = ((size_t)m[n - 1].cid + 1) * 2;
    unsigned char *map = kl_core__calloc(len, 1);
    if (!map)
        return KL_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        map[m[i].cid * 2] = (unsigned char)(gid[i] >> 8);
        map[m[i].cid * 2 + 1] = (unsigned char)gid[i];
    }
    int rc = deflate_buf(c, map, len, out, outlen);
    kl_free(map);
    return rc;
}

int kl_pdf__pack_get(kl_context *ctx, kl_pdf_cache *c, kl_fontuse *u, const kl_fontpack **out)
{
    *out = NULL;
    size_t keylen = u->n * sizeof *u->m + sizeof u->font->id;
    /* The key: the codes by CID, without the index links (which depend on
     * the order they were first used in). */
    kl_gmap *m = kl_core__malloc(u->n ? u->n * sizeof *m : 1);
    if (!m)
        return kl_core__oom(ctx);
    memcpy(m, u->m, u->n * sizeof *m);
    for (size_t i = 0; i < u->n; i++)
        m[i].next = 0, m[i].head = 0;
    qsort(m, u->n, sizeof *m, by_cid);
    uint64_t h = 1469598103934665603ull;
    const unsigned char *kb = (const unsigned char *)m;
    for (size_t i = 0; i < u->n * sizeof *m; i++)
        h = (h ^ kb[i]) * 1099511628211ull;
    h ^= u->font->id;
    kl_fontpack **slot = &c->buckets[h % PACK_BUCKETS];
    for (kl_fontpack *p = *slot; p; p = p->next)
        if (p->hash == h && p->font == u->font && p->keylen == keylen &&
            !memcmp(p->key, m, u->n * sizeof *m)) {
            kl_free(m);
            *out = p;
            return 0;
        }
    kl_fontpack *p = kl_core__calloc(1, sizeof *p);
    kl_buf tu = KL_BUF_INIT, wb = KL_BUF_INIT;
    uint32_t *outgid = NULL;
    int rc = 0;
    if (!p) {
        kl_free(m);
        return kl_core__oom(ctx);
    }
    p->key = m;
    p->keylen = keylen;
    p->hash = h;
    p->font = u->font;
    /* The subset tag: six capitals derived from the glyph set. */
    uint64_t t = h;
    for (int i = 0; i < 6; i++, t /= 26)
        p->tag[i] = (char)('A' + t % 26);
    p->tag[6] = '\0';
    outgid = kl_core__malloc(u->n ? u->n * sizeof *outgid : 1);
    if (!outgid) {
        rc = kl_core__oom(ctx);
        goto fail;
    }
    if ((rc = hb_subset_font(ctx, c, u->font, m, u->n, &p->file, &p->filelen, outgid)))
        goto fail;
    tounicode(&tu, m, u->n);
    widths(&wb, u->font, m, u->n, NULL);
    if (tu.oom || wb.oom) {
        rc = kl_core__oom(ctx);
        goto fail;
    }
    if ((rc = deflate_buf(c, tu.data, tu.len, &p->tounicode, &p->tounicodelen)) ||
        (rc = cid_to_gid(c, m, outgid, u->n, &p->cidtogid, &p->cidtogidlen))) {
        rc = rc == KL_ENOMEM
                 ? kl_core__oom(ctx)
                 : kl_core__error(ctx, KL_EBACKEND, KL_NOWHERE, NULL, "libdeflate failed");
        goto fail;
    }
    p->widths = kl_core__buf_detach(&wb);
    kl_core__buf_free(&tu);
    kl_free(outgid);
    c->bytes +=
        p->filelen + p->tounicodelen + p->cidtogidlen + p->keylen + strlen(p->widths) + sizeof *p;
    p->next = *slot;
    *slot = p;
    *out = p;
    return 0;
fail:
    kl_core__buf_free(&tu);
    kl_core__buf_free(&wb);
    kl_free(outgid);
    pack_free(p);
    return rc;
}

static int glyph_width(const kl_font *f, uint32_t gid)
{
    hb_position_t adv = hb_font_get_glyph_h_advance(f->font, gid);
    return (int)((adv * 1000.0) / f->upem + (adv >= 0 ? 0.5 : -0.5));
}

int32_t *kl_pdf__width_table(kl_pdf_cache *c, const kl_font *f)
{
    if (f->id >= c->nwidths) {
        if (KL_GROW(c->widths, c->widthscap, (size_t)f->id + 1) < 0)
            return NULL;
        memset(c->widths + c->nwidths, 0, (f->id + 1 - c->nwidths) * sizeof *c->widths);
        c->nwidths = f->id + 1;
    }
    widthtab *t = &c->widths[f->id];
    if (t->font != f || !t->w) {
        int32_t *w = kl_core__malloc((f->num_glyphs ? f->num_glyphs : 1) * sizeof *w);
        if (!w)
            return NULL;
        for (unsigned i = 0; i < f->num_glyphs; i++)
            w[i] = WIDTH_UNSET;
        kl_free(t->w);
        t->w = w;
        t->font = f;
        c->bytes += f->num_glyphs * sizeof *w;
    }
    return t->w;
}

int kl_pdf__glyph_width_add(int32_t *table, const kl_font *f, uint32_t gid)
{
    if (gid >= f->num_glyphs)
        return glyph_width(f, gid);
    if (table[gid] == WIDTH_UNSET)
        table[gid] = glyph_width(f, gid);
    return table[gid];
}

static int deflate_with(kl_pdf_cache *c, struct libdeflate_compressor **zc, int level,
                        const void *data, size_t len, const unsigned char **out, size_t *outlen)
{
    *out = NULL;
    *outlen = 0;
    /* libdeflate 1.14 allocates with malloc (no allocator of ours before
     * 1.15's libdeflate_set_memory_allocator): the compressor, 653 KB at
     * level 5, is made once per cache (a worker thread's) and kept. */
    if (!*zc && !(*zc = libdeflate_alloc_compressor(level)))
        return KL_ENOMEM;
    size_t bound = libdeflate_zlib_compress_bound(*zc, len);
    kl_core__buf_clear(&c->zout);
    if (kl_core__buf_reserve(&c->zout, bound))
        return KL_ENOMEM;
    size_t n = libdeflate_zlib_compress(*zc, data, len, c->zout.data, bound);
    if (!n)
        return KL_EBACKEND;
    *out = (const unsigned char *)c->zout.data;
    *outlen = n;
    return 0;
}

int kl_pdf__deflate(kl_pdf_cache *c, const void *data, size_t len, const unsigned char **out,
                    size_t *outlen)
{
    return deflate_with(c, &c->zc, KL_PDF_DEFLATE_LEVEL, data, len, out, outlen);
}

int kl_pdf__deflate_fast(kl_pdf_cache *c, const void *data, size_t len, const unsigned char **out,
                         size_t *outlen)
{
    return deflate_with(c, &c->zf, KL_PDF_DEFLATE_FAST, data, len, out, outlen);
}

const kl_imgpack *kl_pdf__image_find(kl_pdf_cache *c, const char *src)
{
    for (kl_imgpack *p = c->images; p; p = p->next)
        if (!strcmp(p->src, src))
            return p;
    return NULL;
}

/* Read a libharu memory stream whole and deflate it. */
static int stream_deflate(kl_pdf_cache *c, HPDF_Stream s, unsigned char **out, size_t *len)
{
    HPDF_UINT32 size = HPDF_Stream_Size(s);
    unsigned char *raw = kl_core__malloc(size ? size : 1);
    if (!raw)
        return KL_ENOMEM;
    HPDF_UINT n = size;
    int rc = KL_EBACKEND;
    if (HPDF_Stream_Seek(s, 0, HPDF_SEEK_SET) != HPDF_OK ||
        (size && HPDF_Stream_Read(s, raw, &n) != HPDF_OK) || n != size)
        goto done;
    rc = deflate_buf(c, raw, size, out, len);
done:
    kl_free(raw);
    return rc;
}

int kl_pdf__image_add(kl_context *ctx, kl_pdf_cache *c, const char *src, unsigned w, unsigned h,
                      unsigned bpc, const char *cs, void *pixels, void *mask,
                      const kl_imgpack **out)
{
    kl_imgpack *p = kl_core__calloc(1, sizeof *p);
    int rc = KL_ENOMEM;
    if (!p || !(p->src = kl_core__strdup(src)))
        goto done;
    p->w = w;
    p->h = h;
    p->bpc = bpc;
    snprintf(p->cs, sizeof p->cs, "%s", cs);
    if ((rc = stream_deflate(c, pixels, &p->data, &p->len)) < 0)
        goto done;
    if (mask && (rc = stream_deflate(c, mask, &p->mask, &p->masklen)) < 0)
        goto done;
done:
    if (rc) {
        if (p) {
            kl_free(p->src);
            kl_free(p->data);
            kl_free(p->mask);
            kl_free(p);
        }
        return rc == KL_ENOMEM ? kl_core__oom(ctx)
                               : kl_core__error(ctx, KL_EBACKEND, KL_AT(src, 0, 0), NULL,
                                                "cannot read the decoded image back from libharu");
    }
    p->next = c->images;
    c->images = p;
    c->bytes += p->len + p->masklen;
    *out = p;
    return 0;
}
