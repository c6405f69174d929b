/* SPDX-License-Identifier: MIT */
/* pdf/glyphs.c: each glyph's code, its text in ToUnicode and its width in /W (with the rules
 * readers need), and the fonts embedded for them. */
#include "pdf/pdf_priv.h"

#include <hb.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* A glyph's text in the ToUnicode map, and the width to write for it in /W
 * when a rule of collect_glyphs sets one (INT32_MIN: none). */
typedef struct gtext {
    uint16_t u[KL_GMAP_MAX];
    uint8_t n;
    int32_t w;
} gtext;

/* A cluster's characters: code points with their UTF-16 offsets. */
#define CL_MAX 64

/* Append cp's full canonical decomposition to cps (HarfBuzz's Unicode data). */
static unsigned decompose(hb_unicode_funcs_t *uf, hb_codepoint_t cp, hb_codepoint_t *cps,
                          unsigned n)
{
    hb_codepoint_t a, b;
    if (n + 1 < CL_MAX && hb_unicode_decompose(uf, cp, &a, &b)) {
        n = decompose(uf, a, cps, n);
        return b ? decompose(uf, b, cps, n) : n;
    }
    if (n < CL_MAX)
        cps[n++] = cp;
    return n;
}

static unsigned put_u16(uint16_t *out, unsigned n, hb_codepoint_t cp)
{
    if (cp > 0xFFFF) {
        if (n + 2 > KL_GMAP_MAX)
            return n;
        out[n++] = (uint16_t)(0xD7C0 + (cp >> 10));
        out[n++] = (uint16_t)(0xDC00 | (cp & 0x3FF));
    } else if (n < KL_GMAP_MAX) {
        out[n++] = (uint16_t)cp;
    }
    return n;
}

/* How the clusters of run t are ordered: 1 when the glyphs' offsets into
 * the text never decrease (left to right, as HarfBuzz gives them), -1 when
 * they never increase (right to left), 0 neither. */
static int run_order(const kl_trun *t)
{
    bool up = true, down = true;
    for (uint32_t k = 1; k < t->nglyphs && (up || down); k++) {
        up &= t->glyphs[k].ustart >= t->glyphs[k - 1].ustart;
        down &= t->glyphs[k].ustart <= t->glyphs[k - 1].ustart;
    }
    return up ? 1 : down ? -1 : 0;
}

/* The characters of the cluster that starts at UTF-16 offset c0 of run t
 * (its glyphs first..last), into cps (CL_MAX); as their canonical
 * decomposition when the cluster has more glyphs (ng) than characters.
 * They end where the next cluster in the text starts: in a run whose
 * clusters are ordered (*order, run_order, computed on first use; 2:
 * not yet) that is the glyph next to the cluster, so a run is not scanned
 * again for each of its clusters. Returns how many. */
static unsigned cluster_chars(const kl_trun *t, int *order, uint32_t first, uint32_t last,
                              uint32_t c0, unsigned ng, hb_codepoint_t *cps)
{
    uint32_t cend = t->nu16;
    if (*order == 2)
        *order = run_order(t);
    if (*order > 0 && last + 1 < t->nglyphs && t->glyphs[last + 1].ustart < cend)
        cend = t->glyphs[last + 1].ustart;
    else if (*order < 0 && first > 0 && t->glyphs[first - 1].ustart < cend)
        cend = t->glyphs[first - 1].ustart;
    else if (*order == 0)
        for (uint32_t k = 0; k < t->nglyphs; k++)
            if (t->glyphs[k].ustart > c0 && t->glyphs[k].ustart < cend)
                cend = t->glyphs[k].ustart;
    unsigned nc = 0;
    for (uint32_t i = c0; i < cend && nc < CL_MAX;) {
        hb_codepoint_t cp = t->u16[i++];
        if ((cp & 0xFC00) == 0xD800 && i < cend && (t->u16[i] & 0xFC00) == 0xDC00)
            cp = 0x10000 + ((cp - 0xD800) << 10) + (t->u16[i++] - 0xDC00);
        cps[nc++] = cp;
    }
    if (ng > nc) {
        hb_unicode_funcs_t *uf = hb_unicode_funcs_get_default();
        hb_codepoint_t d[CL_MAX];
        unsigned nd = 0;
        for (unsigned i = 0; i < nc; i++)
            nd = decompose(uf, cps[i], d, nd);
        memcpy(cps, d, nd * sizeof *d);
        nc = nd;
    }
    return nc;
}

/* Each glyph's first character in cps (start[i], i in reading order over
 * the cluster's glyphs first..last; -1: none of its own). */
static void cluster_starts(const kl_trun *t, uint32_t first, uint32_t last,
                           const hb_codepoint_t *cps, unsigned nc, int *start)
{
    unsigned ng = last - first + 1;
    int prev = 0;
    start[0] = 0;
    for (unsigned i = 1; i < ng; i++) {
        uint32_t gid = t->glyphs[t->rtl ? last - i : first + i].gid;
        start[i] = -1;
        for (unsigned j = (unsigned)prev + 1; j < nc; j++) {
            hb_codepoint_t own;
            if (hb_font_get_nominal_glyph(t->font->font, cps[j], &own) && own == gid) {
                start[i] = (int)j;
                prev = (int)j;
                break;
            }
        }
    }
    /* Glyphs no character is found for take the next one, if it is free. */
    prev = 0;
    for (unsigned i = 1; i < ng; i++) {
        if (start[i] >= 0) {
            prev = start[i];
            continue;
        }
        int limit = (int)nc;
        for (unsigned k = i + 1; k < ng; k++)
            if (start[k] >= 0) {
                limit = start[k];
                break;
            }
        if (prev + 1 < limit)
            start[i] = prev = prev + 1;
    }
}

/* The text glyph g of run t stands for in its font's ToUnicode map, into
 * out (KL_GMAP_MAX units); returns its length, 0 for a glyph with no text
 * of its own (drawn as an outline, see text_line).
 *
 * Readers that ignore /ActualText (pdf.js, MuPDF) concatenate the glyphs'
 * texts in drawing order (right to left text: reversed, then put back in
 * logical order by their bidi step). So the text of a cluster (the
 * characters HarfBuzz shaped into one or more glyphs) is shared out over its
 * glyphs in reading order, so that the glyphs together give back exactly the
 * cluster's characters: a glyph alone in its cluster has all of them; in a
 * cluster of several, each glyph starts at the first character not yet given
 * whose own glyph (the font's cmap) it is (a base consonant, a matra, an
 * Arabic mark), else at the next character, and the first glyph takes
 * whatever precedes the second's start. A cluster with more glyphs than
 * characters (a two-part Bengali vowel sign) is shared out as its canonical
 * decomposition (the same text to any reader that normalises). A glyph whose
 * text differs from the same glyph's elsewhere gets a CID of its own
 * (kl_pdf__use_add). No glyph maps to U+200D unless the text has one.
 *
 * A cluster of more than KL_GMAP_MAX UTF-16 units (or CL_MAX characters or
 * glyphs) is cut here: its line is not plain (glyphs one character each,
 * text/text.h), so it carries its whole text as /ActualText (text_line),
 * and only readers that ignore that lose the rest. */
static unsigned glyph_text_of(const kl_trun *t, int *order, uint32_t g, uint16_t *out)
{
    const kl_glyph *gl = &t->glyphs[g];
    unsigned n = 0;
    if (gl->ulen) {
        n = gl->ulen < KL_GMAP_MAX ? gl->ulen : KL_GMAP_MAX;
        memcpy(out, t->u16 + gl->ustart, n * sizeof *out);
        return n;
    }
    uint32_t c0 = gl->ustart;
    /* The cluster's glyphs (consecutive), in reading order. */
    uint32_t first = g, last = g;
    while (first > 0 && t->glyphs[first - 1].ustart == c0)
        first--;
    while (last + 1 < t->nglyphs && t->glyphs[last + 1].ustart == c0)
        last++;
    unsigned ng = last - first + 1, me = t->rtl ? last - g : g - first;
    if (ng > CL_MAX)
        return me == 0 ? put_u16(out, 0, 0xFFFD) : 0;
    hb_codepoint_t cps[CL_MAX];
    unsigned nc = cluster_chars(t, order, first, last, c0, ng, cps);
    int start[CL_MAX];
    cluster_starts(t, first, last, cps, nc, start);
    if (start[me] < 0)
        return 0;
    int end = (int)nc;
    for (unsigned k = me + 1; k < ng; k++)
        if (start[k] >= 0) {
            end = start[k];
            break;
        }
    for (int j = start[me]; j < end; j++)
        n = put_u16(out, n, cps[j]);
    return n;
}

/* glyph_text_of, a glyph of one character (most) without a call. */
static inline unsigned glyph_text(const kl_trun *t, int *order, uint32_t g, uint16_t *out)
{
    if (t->glyphs[g].ulen == 1) {
        out[0] = t->u16[t->glyphs[g].ustart];
        return 1;
    }
    return glyph_text_of(t, order, g, out);
}

/* The width to write in /W for glyph g of run t: the distance to where the
 * next glyph is drawn, when that differs from the glyph's advance by more
 * than 0.04 em (a base followed by a mark drawn over it, a mark shifted left
 * of its pen position), so that the text position only ever moves forward
 * along a line. Readers that infer word spaces and text runs from jumps in
 * the text position (pdf.js: a gap over 0.1 em is a space, a step back of
 * 0.2 em starts a new run) would otherwise split words at every such mark.
 * INT32_MIN: the glyph's own advance. */
static int32_t flow_width(const kl_trun *t, uint32_t g, int32_t *wt)
{
    const kl_glyph *gl = &t->glyphs[g];
    double size = t->size;
    if (t->rtl) {
        /* Right to left (cursive Arabic and Nastaliq, whose glyphs overlap
         * by design): a glyph drawn left of its pen position gets the width
         * that brings the text position back to the pen; a letter followed
         * by a letter, the width to it (rtl_flow, RTL_FLOW). */
        if (gl->dx > -0.01 * size)
            return INT32_MIN;
        return (int32_t)lround((gl->adv - gl->dx) * 1000.0 / size);
    }
    double next = gl->adv; /* from this glyph's pen position */
    if (g + 1 < t->nglyphs)
        next += t->glyphs[g + 1].dx;
    double w = (next - gl->dx) * 1000.0 / size;
    double own = kl_pdf__glyph_width(wt, t->font, gl->gid);
    if (fabs(w - own) <= 40 || w < 0)
        return INT32_MIN;
    return (int32_t)lround(w);
}

static bool is_mn(uint16_t c)
{
    if (c < 0x300) /* U+0300 is the first nonspacing mark */
        return false;
    return hb_unicode_general_category(hb_unicode_funcs_get_default(), c) ==
           HB_UNICODE_GENERAL_CATEGORY_NON_SPACING_MARK;
}

/* pdf.js takes a glyph whose text holds a nonspacing mark anywhere (a
 * conjunct with its virama, "স্থ"; a letter with its nukta, "ਫ਼") for a zero
 * width diacritic and does not compare its position with the text before
 * it: at the start of a word it then puts a second space after it ("স্থ
 * ানীয়"), at the start of a line a line break ("ਫ਼ੋ" / "ਨ"). So a glyph
 * that starts a word (first of its run, or after a space) keeps only the
 * characters before its first nonspacing mark, and the rest goes to the
 * front of the next glyph's text: read in order, the text is the same. A
 * glyph so mapped gets a CID of its own (kl_pdf__use_add). Left to right
 * runs only. */
static void mark_after_space(gtext *tx, uint32_t n)
{
    for (uint32_t g = 0; g + 1 < n; g++) {
        if (tx[g].n < 2)
            continue; /* one unit: nothing after its first character to move */
        bool starts = g == 0 || (tx[g - 1].n == 1 && tx[g - 1].u[0] == ' ');
        if (!starts || is_mn(tx[g].u[0]))
            continue;
        unsigned k = 1;
        while (k < tx[g].n && !is_mn(tx[g].u[k]))
            k++;
        gtext *next = &tx[g + 1];
        unsigned move = tx[g].n - k;
        if (k == tx[g].n || !next->n || (next->n == 1 && next->u[0] == ' ') ||
            next->n + move > KL_GMAP_MAX)
            continue;
        memmove(next->u + move, next->u, next->n * sizeof *next->u);
        memcpy(next->u, tx[g].u + k, move * sizeof *next->u);
        next->n = (uint8_t)(next->n + move);
        tx[g].n = (uint8_t)k;
    }
}

/* ZERO_WIDTH_LETTER: a right-to-left glyph that stands for a letter but has
 * no advance (the alef of Noto Naskh's lam-alef, drawn over the lam that
 * follows it) gets a width of 1/1000 em in /W. pdf.js moves its text
 * position only past glyphs with a width, so it compared the lam with the
 * glyph before the alef, found the word space there a second time and read
 * "ل ا" for "لا". Nonspacing marks keep their zero width (pdf.js places
 * them without a position check). */
/* Is c a character pdf.js takes no position from: a nonspacing mark, a
 * format character (the isolation marks) or white space? */
static bool pdfjs_unplaced(uint16_t c)
{
    if (c < 0x80) /* ASCII: no mark, format character or space but U+0020 */
        return c == ' ';
    hb_unicode_general_category_t gc =
        hb_unicode_general_category(hb_unicode_funcs_get_default(), c);
    return c == ' ' || gc == HB_UNICODE_GENERAL_CATEGORY_NON_SPACING_MARK ||
           gc == HB_UNICODE_GENERAL_CATEGORY_FORMAT ||
           gc == HB_UNICODE_GENERAL_CATEGORY_SPACE_SEPARATOR;
}

/* SCRIPT_GAP: does the run drawn after t (next) start, in drawing order, with
 * a letter or sign rather than a space, while changing direction? pdf.js
 * joins two runs drawn edge to edge into one word ("الهاتف:Northshire",
 * "يمكنكSam"), and in a line that mixes directions it gives them in drawing
 * (visual) order, so letters of two different words meet there. The last
 * glyph of t that pdf.js places then gets 0.15 em less in /W: pdf.js sees
 * the text move forward by that much and puts a space between the runs
 * (nothing is drawn differently). */
static bool script_gap(const kl_tline *l, uint32_t k)
{
    hb_unicode_funcs_t *uf = hb_unicode_funcs_get_default();
    const kl_trun *t = &l->runs[k];
    bool turns = false; /* does a run after t change direction? */
    for (uint32_t j = k + 1; j < l->nruns && !turns; j++)
        turns = l->runs[j].rtl != t->rtl;
    if (!turns)
        return false;
    /* The last character t draws (right to left: its logical first) and the
     * first one drawn after it (a run of isolation marks alone skipped). */
    int last = -1, first = -1;
    for (uint32_t i = 0; i < t->nu16 && last < 0; i++) {
        uint16_t c = t->u16[t->rtl ? i : t->nu16 - 1 - i];
        if (hb_unicode_general_category(uf, c) != HB_UNICODE_GENERAL_CATEGORY_FORMAT)
            last = c;
    }
    const kl_trun *next = NULL;
    for (uint32_t j = k + 1; j < l->nruns && first < 0; j++) {
        next = &l->runs[j];
        for (uint32_t i = 0; i < next->nu16 && first < 0; i++) {
            uint16_t c = next->u16[next->rtl ? next->nu16 - 1 - i : i];
            if (hb_unicode_general_category(uf, c) != HB_UNICODE_GENERAL_CATEGORY_FORMAT)
                first = c;
        }
    }
    if (last < 0 || first < 0 || next->rtl == t->rtl)
        return false;
    return !pdfjs_unplaced((uint16_t)last) && !pdfjs_unplaced((uint16_t)first);
}

/* Does pdf.js take glyph text x for a zero-width diacritic (a nonspacing
 * mark anywhere in it)? */
static bool pdfjs_diacritic(const gtext *x)
{
    for (unsigned i = 0; i < x->n; i++)
        if (is_mn(x->u[i]))
            return true;
    return false;
}

/* WORD_END_MARK: in a right-to-left run drawn left to right, a word that
 * ends in a mark ("لطفاً", "دربارهٔ") starts, after the space, with the mark
 * glyph. pdf.js puts the space it saw before the mark, then compares the
 * letter under the mark with the last letter before the space, finds the
 * gap and puts a second space between the mark and its letter ("لطفا ً").
 * So the letter before the space gets the width in /W that takes the text
 * position to that letter: pdf.js sees no gap there (nothing is drawn
 * differently). */
static void word_end_marks(const kl_trun *t, gtext *tx)
{
    double pen = 0, xlast = 0;
    uint32_t last = UINT32_MAX;
    bool space = false, pending = false;
    for (uint32_t g = 0; g < t->nglyphs; g++) {
        const kl_glyph *gl = &t->glyphs[g];
        double x = pen + gl->dx;
        pen += gl->adv;
        if (!tx[g].n)
            continue;
        uint16_t c0 = tx[g].u[0];
        hb_unicode_general_category_t gc =
            hb_unicode_general_category(hb_unicode_funcs_get_default(), c0);
        if (c0 == ' ' || gc == HB_UNICODE_GENERAL_CATEGORY_SPACE_SEPARATOR) {
            space = last != UINT32_MAX;
            continue;
        }
        if (gc == HB_UNICODE_GENERAL_CATEGORY_FORMAT)
            continue;
        if (pdfjs_diacritic(&tx[g])) {
            pending |= space;
            space = false;
            continue;
        }
        if (pending && x > xlast)
            tx[last].w = (int32_t)lround((x - xlast) * 1000.0 / t->size);
        pending = space = false;
        last = g;
        xlast = x;
    }
}

/* RTL_FLOW: in a right-to-left run a letter whose next glyph (drawn after
 * it, left to right) is a letter too gets the width in /W that takes the
 * text position to that glyph (at least 1/1000 em): Nastaliq places its
 * letters with offsets, and where the next one starts more than a tenth of
 * an em past the advance, pdf.js read a word space inside the word ("ر
 * پورٹ"). Before a space, a mark or the run's end the width stays. */
static void rtl_flow(const kl_trun *t, gtext *tx)
{
    double pen = 0;
    for (uint32_t g = 0; g + 1 < t->nglyphs; g++) {
        const kl_glyph *gl = &t->glyphs[g];
        double x = pen + gl->dx;
        pen += gl->adv;
        const gtext *nx = &tx[g + 1];
        if (!tx[g].n || pdfjs_diacritic(&tx[g]) || !nx->n || pdfjs_diacritic(nx) ||
            pdfjs_unplaced(tx[g].u[0]) || pdfjs_unplaced(nx->u[0]))
            continue;
        double w = (pen + t->glyphs[g + 1].dx - x) * 1000.0 / t->size;
        tx[g].w = w < 1 ? 1 : (int32_t)lround(w);
    }
}

/* WORD_END_MARK across runs: when the run drawn after t (next) starts with
 * a space and then a mark ("شمارهٔ" after a number in a right-to-left line),
 * the width in /W from t's last placed glyph (last, at x in t) to the first
 * letter after the mark in next; INT32_MIN when next does not start so, or
 * is in another font: pdf.js starts a new piece of text at a font change,
 * one that holds only the mark has no direction, and pdf.js then keeps the
 * letter with the mark only if its position is the text position exactly. */
static int32_t mark_after_run(const kl_trun *t, uint32_t last, double x, const kl_trun *next)
{
    double pen = t->width;
    bool space = false, mark = false;
    int order = 2;
    if (!next || next->font != t->font || next->size != t->size)
        return INT32_MIN;
    for (uint32_t g = 0; g < next->nglyphs; g++) {
        const kl_glyph *gl = &next->glyphs[g];
        double gx = pen + gl->dx;
        pen += gl->adv;
        gtext x1;
        x1.n = (uint8_t)glyph_text(next, &order, g, x1.u);
        if (!x1.n)
            continue;
        hb_unicode_general_category_t gc =
            hb_unicode_general_category(hb_unicode_funcs_get_default(), x1.u[0]);
        if (gc == HB_UNICODE_GENERAL_CATEGORY_FORMAT)
            continue;
        if (x1.u[0] == ' ' || gc == HB_UNICODE_GENERAL_CATEGORY_SPACE_SEPARATOR) {
            if (mark)
                return INT32_MIN;
            space = true;
            continue;
        }
        if (pdfjs_diacritic(&x1)) {
            if (!space)
                return INT32_MIN;
            mark = true;
            continue;
        }
        if (!mark || gx <= x || last == UINT32_MAX)
            return INT32_MIN;
        return (int32_t)lround((gx - x) * 1000.0 / t->size);
    }
    return INT32_MIN;
}

/* The texts of run t's glyphs (tx), with the widths the rules of one run
 * set (mark_after_space, RTL_FLOW, WORD_END_MARK). */
static void run_texts(const kl_trun *t, gtext *tx)
{
    int order = 2;
    for (uint32_t g = 0; g < t->nglyphs; g++) {
        tx[g].n = (uint8_t)glyph_text(t, &order, g, tx[g].u);
        tx[g].w = INT32_MIN;
    }
    if (!t->rtl)
        mark_after_space(tx, t->nglyphs);
    else {
        rtl_flow(t, tx);
        word_end_marks(t, tx);
    }
}

/* WORD_END_MARK across runs, for run k of line l: the width of the last
 * glyph of the run that pdf.js places. */
static void run_last_mark(const kl_tline *l, uint32_t k, gtext *tx)
{
    const kl_trun *t = &l->runs[k];
    const kl_trun *next = k + 1 < l->nruns ? &l->runs[k + 1] : NULL;
    if (!next || next->font != t->font || next->size != t->size)
        return; /* (mark_after_run gives none) */
    /* The last glyph pdf.js places, and where (in the run). */
    uint32_t lastp = UINT32_MAX;
    double lastx = 0, pen = 0;
    for (uint32_t g = 0; g < t->nglyphs; g++) {
        if (tx[g].n && !pdfjs_unplaced(tx[g].u[0]) && !pdfjs_diacritic(&tx[g]))
            lastp = g, lastx = pen + t->glyphs[g].dx;
        pen += t->glyphs[g].adv;
    }
    if (lastp != UINT32_MAX) {
        int32_t w = mark_after_run(t, lastp, lastx, next);
        if (w != INT32_MIN)
            tx[lastp].w = w;
    }
}

/* The glyph of run k of line l that SCRIPT_GAP narrows, UINT32_MAX: none. */
static uint32_t run_narrow(const kl_tline *l, uint32_t k, const gtext *tx)
{
    const kl_trun *t = &l->runs[k];
    if (script_gap(l, k))
        for (uint32_t g = t->nglyphs; g-- > 0;)
            if (tx[g].n && !pdfjs_unplaced(tx[g].u[0]))
                return g;
    return UINT32_MAX;
}

/* Glyph g of run t (text tx): its code and width in /W into c, added to u
 * (add) or found there. */
static int glyph_code_make(kl_fontuse *u, const kl_trun *t, const gtext *tx, uint32_t g,
                           bool narrow, int32_t *wt, bool add, glyph_code *c)
{
    const kl_gmap *e;
    if (!add && tx[g].n && (e = kl_pdf__use_single(u, t->glyphs[g].gid))) {
        /* Drawing a glyph added with one meaning only: every use of it
         * with a text has that code (kl_pdf__use_single). */
        c->cid = e->cid;
        c->w = e->w;
        c->raised = e->rise ? (float)(e->rise * (double)t->size / t->font->upem) : 0;
        return 0;
    }
    c->cid = NO_TEXT;
    c->raised = 0;
    c->w = flow_width(t, g, wt);
    if (t->rtl && tx[g].n && !is_mn(tx[g].u[0]) &&
        (c->w != INT32_MIN ? c->w : kl_pdf__glyph_width(wt, t->font, t->glyphs[g].gid)) <= 0)
        c->w = 1; /* see ZERO_WIDTH_LETTER */
    if (tx[g].w != INT32_MIN)
        c->w = tx[g].w; /* WORD_END_MARK */
    if (narrow) {
        int32_t own = c->w != INT32_MIN ? c->w : kl_pdf__glyph_width(wt, t->font, t->glyphs[g].gid);
        if (own > 150)
            c->w = own - 150;
    }
    /* Right to left: a glyph off the baseline is a raised
     * glyph of its own (RAISED_GLYPHS in fontpack.c). */
    int16_t rise = 0;
    if (t->rtl) {
        double up = t->glyphs[g].dy * t->font->upem / t->size;
        if (fabs(up) >= 0.5 && fabs(up) < 32767)
            rise = (int16_t)lround(up);
    }
    if (!tx[g].n)
        return 0;
    if (add && tx[g].n == 1 && (e = kl_pdf__use_single(u, t->glyphs[g].gid)) && e->n == 1 &&
        e->u[0] == tx[g].u[0] && e->w == c->w && e->rise == rise) {
        /* Already added so (kl_pdf__use_add's answer, without the call). */
        c->cid = e->cid;
        c->raised = rise ? (float)(rise * (double)t->size / t->font->upem) : 0;
        return 0;
    }
    int rc;
    if ((rc = (add ? kl_pdf__use_add : kl_pdf__use_find)(u, t->font, t->glyphs[g].gid, tx[g].u,
                                                         tx[g].n, &c->w, &rise, &c->cid)) < 0)
        return rc;
    c->raised = rise ? (float)(rise * (double)t->size / t->font->upem) : 0;
    return 0;
}

/* Drawing glyph g of run t: when it has text (ulen >= 1: glyph_text gives
 * at least one unit, and the rules only move units between glyphs) and was
 * added with one meaning only, its code is that entry's (glyph_code_make's
 * first case) without the run's texts and rules worked out; false: not so. */
static inline bool code_single(const kl_trun *t, const kl_fontuse *u, uint32_t g, glyph_code *c)
{
    const kl_gmap *e;
    if (!t->glyphs[g].ulen || !(e = kl_pdf__use_single(u, t->glyphs[g].gid)))
        return false;
    c->cid = e->cid;
    c->w = e->w;
    c->raised = e->rise ? (float)(e->rise * (double)t->size / t->font->upem) : 0;
    return true;
}

/* Is run k of line l left to right, each glyph one UTF-16 unit of text (so
 * glyph_text gives that unit and mark_after_space moves nothing), and not
 * one that WORD_END_MARK across runs (run_last_mark: the next run in the
 * same font and size) or SCRIPT_GAP (run_narrow: a later run right to left)
 * may change? Then a glyph's text is its own unit and no width is set
 * (run_texts' answer without working out the run's). */
static bool run_simple(const kl_tline *l, uint32_t k)
{
    const kl_trun *t = &l->runs[k];
    if (t->rtl)
        return false;
    if (k + 1 < l->nruns && l->runs[k + 1].font == t->font && l->runs[k + 1].size == t->size)
        return false;
    for (uint32_t j = k + 1; j < l->nruns; j++)
        if (l->runs[j].rtl)
            return false;
    for (uint32_t g = 0; g < t->nglyphs; g++)
        if (t->glyphs[g].ulen != 1)
            return false;
    return true;
}

/* Run k of line l: its glyphs' codes and widths into r->codes, added to the
 * font's use (add) or found there (drawing: a glyph with one meaning only
 * takes it without the run's texts and rules, code_single). */
static inline int run_codes(render *r, const kl_tline *l, uint32_t k, bool add)
{
    const kl_trun *t = &l->runs[k];
    kl_fontuse *u = &r->use[t->font->id];
    int32_t *wt = kl_pdf__width_table(r->o->cache, t->font);
    if (!wt || KL_GROW(r->codes, r->capcodes, t->nglyphs) < 0 ||
        KL_GROW(r->texts, r->captexts, t->nglyphs) < 0)
        return kl_core__oom(r->ctx);
    gtext *tx = r->texts;
    uint32_t g = 0, narrow = UINT32_MAX;
    if (!add)
        while (g < t->nglyphs && code_single(t, u, g, &r->codes[g]))
            g++;
    bool simple = false; /* each glyph's text its own character, no rule on the run */
    if (g < t->nglyphs) {
        simple = run_simple(l, k);
        if (!simple) {
            run_texts(t, tx);
            run_last_mark(l, k, tx);
            narrow = run_narrow(l, k, tx);
        }
    }
    for (; g < t->nglyphs; g++) {
        if (!add && code_single(t, u, g, &r->codes[g]))
            continue;
        if (simple) {
            tx[g].u[0] = t->u16[t->glyphs[g].ustart];
            tx[g].n = 1;
            tx[g].w = INT32_MIN;
        }
        int rc = glyph_code_make(u, t, tx, g, g == narrow, wt, add, &r->codes[g]);
        if (rc == KL_ENOMEM)
            return kl_core__oom(r->ctx);
        if (rc < 0)
            return kl_core__error(r->ctx, KL_EBACKEND, KL_NOWHERE, NULL,
                                  "internal error: a glyph drawn that was not collected");
    }
    return 0;
}

int kl_pdf__run_codes(render *r, const kl_tline *l, uint32_t k, const glyph_code **codes)
{
    const kl_trun *t = &l->runs[k];
    if (r->kept && r->kept_run_at < r->nkept_runs && r->kept_runs[r->kept_run_at] == t) {
        *codes = r->kept + r->kept_at; /* the next run collected: this one */
        r->kept_at += t->nglyphs;
        r->kept_run_at++;
        return 0;
    }
    *codes = r->codes;
    return run_codes(r, l, k, false);
}

/* The most glyphs whose codes are kept for drawing (12 bytes each): a letter
 * of some 70 pages. */
#define KEPT_MAX 65536

/* Every glyph's code and /W width of pages p0 to p1 - 1 in the fonts' use (r->use), so that
 * the fonts can be embedded before the pages are drawn. At most KEPT_MAX glyphs (a letter, or
 * a print pack's letter: its pages are drawn next) keep them for drawing (r->kept, the last
 * call's only); more are found again as each run is drawn (kl_pdf__run_codes), so that memory
 * follows the distinct codes. */
int kl_pdf__collect_glyphs(render *r, size_t p0, size_t p1)
{
    int rc;
    size_t nglyphs = 0, nruns = 0;
    kl_free(r->kept);
    kl_free(r->kept_runs);
    r->kept = NULL;
    r->kept_runs = NULL;
    r->kept_at = r->kept_run_at = r->nkept_runs = 0;
    for (size_t p = p0; p < p1; p++)
        for (size_t i = 0; i < r->L->pages[p].n; i++) {
            const kl_item *it = &r->L->pages[p].items[i];
            if (it->kind == KL_ITEM_TEXT)
                for (uint32_t k = 0; k < it->line->nruns; k++, nruns++)
                    nglyphs += it->line->runs[k].nglyphs;
        }
    if (nglyphs <= KEPT_MAX && nruns) { /* (no memory: found again as drawn) */
        r->kept = kl_core__malloc(nglyphs ? nglyphs * sizeof *r->kept : 1);
        r->kept_runs = kl_core__malloc(nruns * sizeof *r->kept_runs);
        if (!r->kept || !r->kept_runs) {
            kl_free(r->kept);
            kl_free(r->kept_runs);
            r->kept = NULL;
            r->kept_runs = NULL;
        }
    }
    size_t nmc = 0, nspans = 0, nlinks = 0;
    for (size_t p = p0; p < p1; p++) {
        const kl_page *pg = &r->L->pages[p];
        for (size_t i = 0; i < pg->n; i++) {
            const kl_item *it = &pg->items[i];
            nmc += it->se != NULL;
            if (it->kind != KL_ITEM_TEXT)
                continue;
            bool plain = true;
            for (uint32_t k = 0; k < it->line->nruns; k++) {
                const kl_trun *t = &it->line->runs[k];
                plain &= t->plain;
                if ((rc = run_codes(r, it->line, k, true)) < 0)
                    return rc;
                if (r->kept) {
                    if (t->nglyphs)
                        memcpy(r->kept + r->kept_at, r->codes, t->nglyphs * sizeof *r->kept);
                    r->kept_at += t->nglyphs;
                    r->kept_runs[r->nkept_runs++] = t;
                }
            }
            if (it->se) { /* as write_page and begin_mc will add them */
                nspans += !plain && it->se->role != KL_ROLE_LINK;
                nlinks += it->se->role == KL_ROLE_LINK && it->se->href;
            }
        }
    }
    r->kept_at = 0; /* drawing takes them from the start */
    r->nmc = nmc;
    r->nspan_lines = nspans;
    r->nlink_items = nlinks;
    return 0;
}

int kl_pdf__embed_font(render *r, unsigned id)
{
    const kl_fontpack *pk;
    int rc = kl_pdf__pack_get(r->ctx, r->o->cache, &r->use[id], &pk);
    if (rc)
        return rc;
    const kl_font *f = pk->font;
    char base[80]; /* the tag (6), '+' and psname (at most 63, text/font.h) */
    snprintf(base, sizeof base, "%s+%s", pk->tag, f->psname);
    double k = 1000.0 / f->upem;

    HPDF_Dict file = kl_pdf__raw_stream(r, pk->file, pk->filelen, true, false);
    HPDF_Dict tu = kl_pdf__raw_stream(r, pk->tounicode, pk->tounicodelen, true, false);
    HPDF_Dict desc = kl_pdf__new_dict(r), cid = kl_pdf__new_dict(r), t0 = kl_pdf__new_dict(r);
    HPDF_Array bbox = HPDF_Array_New(r->pdf->mmgr), desc_arr = HPDF_Array_New(r->pdf->mmgr);
    HPDF_Dict csi = HPDF_Dict_New(r->pdf->mmgr);
    if (!file || !tu || !desc || !cid || !t0 || !bbox || !desc_arr || !csi)
        return kl_pdf__hpdf_fail(r, "creating a font");
    if (f->cff)
        HCHECK(r, HPDF_Dict_AddName(file, "Subtype", "OpenType"));
    HCHECK(r, HPDF_Dict_AddName(desc, "Type", "FontDescriptor"));
    HCHECK(r, HPDF_Dict_AddName(desc, "FontName", base));
    HCHECK(r, HPDF_Dict_AddNumber(desc, "Flags", 4));
    for (int i = 0; i < 4; i++)
        HCHECK(r, HPDF_Array_AddNumber(bbox, (HPDF_INT32)lround(f->bbox[i] * k)));
    HCHECK(r, HPDF_Dict_Add(desc, "FontBBox", bbox));
    HCHECK(r, HPDF_Dict_AddNumber(desc, "ItalicAngle", 0));
    HCHECK(r, HPDF_Dict_AddNumber(desc, "Ascent", (HPDF_INT32)lround(f->ascent * k)));
    HCHECK(r, HPDF_Dict_AddNumber(desc, "Descent", (HPDF_INT32)lround(f->descent * k)));
    HCHECK(r, HPDF_Dict_AddNumber(desc, "CapHeight", (HPDF_INT32)lround(f->cap_height * k)));
    HCHECK(r, HPDF_Dict_AddNumber(desc, "StemV", f->bold ? 140 : 80));
    HCHECK(r, HPDF_Dict_Add(desc, f->cff ? "FontFile3" : "FontFile2", file));

    HCHECK(r, HPDF_Dict_Add(csi, "Registry", HPDF_String_New(r->pdf->mmgr, "Adobe", NULL)));
    HCHECK(r, HPDF_Dict_Add(csi, "Ordering", HPDF_String_New(r->pdf->mmgr, "Identity", NULL)));
    HCHECK(r, HPDF_Dict_AddNumber(csi, "Supplement", 0));
    HCHECK(r, HPDF_Dict_AddName(cid, "Type", "Font"));
    HCHECK(r, HPDF_Dict_AddName(cid, "Subtype", f->cff ? "CIDFontType0" : "CIDFontType2"));
    HCHECK(r, HPDF_Dict_AddName(cid, "BaseFont", base));
    HCHECK(r, HPDF_Dict_Add(cid, "CIDSystemInfo", csi));
    HCHECK(r, HPDF_Dict_Add(cid, "FontDescriptor", desc));
    HCHECK(r, HPDF_Dict_AddNumber(cid, "DW", 1000));
    if (!f->cff && pk->cidtogid) {
        /* Some glyphs stand for different text in different places: they
         * have a second CID (kl_pdf__use_add). */
        HPDF_Dict map = kl_pdf__raw_stream(r, pk->cidtogid, pk->cidtogidlen, true, false);
        if (!map)
            return kl_pdf__hpdf_fail(r, "creating a font");
        HCHECK(r, HPDF_Dict_Add(cid, "CIDToGIDMap", map));
    } else if (!f->cff) {
        HCHECK(r, HPDF_Dict_AddName(cid, "CIDToGIDMap", "Identity"));
    }
    cid->attr = pk->widths;
    cid->write_fn = kl_pdf__write_raw;

    HCHECK(r, HPDF_Dict_AddName(t0, "Type", "Font"));
    HCHECK(r, HPDF_Dict_AddName(t0, "Subtype", "Type0"));
    HCHECK(r, HPDF_Dict_AddName(t0, "BaseFont", base));
    HCHECK(r, HPDF_Dict_AddName(t0, "Encoding", "Identity-H"));
    HCHECK(r, HPDF_Array_Add(desc_arr, cid));
    HCHECK(r, HPDF_Dict_Add(t0, "DescendantFonts", desc_arr));
    HCHECK(r, HPDF_Dict_Add(t0, "ToUnicode", tu));
    r->type0[id] = t0;
    return 0;
}
