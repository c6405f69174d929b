/* SPDX-License-Identifier: MIT */
/* layout/layout.c: clear-print layout of a letter: postal window, flow, pagination, page numbers.
 */
#include "layout/layout.h"
#include "catalog/catalog_internal.h"
#include "text/font.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/ubrk.h>
#include <unicode/utext.h>

/* A piece of a flow line: a shaped line or an image, placed relative to the
 * top of its flow line. Pieces are kept in content order: reading order,
 * but for a right-to-left table row's cells side by side, which are in
 * visual order (flow_contact). */
typedef struct piece {
    size_t fline; /* its flow line */
    kl_item_kind kind;
    kl_selem *se;
    const kl_tline *line;
    double x, base; /* x from the page's left edge; baseline (or image bottom) below the line top */
    double w, h;
    const char *src;
    const kl_langrun *langs; /* see kl_item */
    uint32_t nlangs;
} piece;

/* A flow line: the unit pagination moves. */
typedef struct fline {
    double h;      /* height it takes */
    double before; /* space above it, dropped at the top of a page */
    bool keep_next;
    bool brk_before;
    size_t page;
    double top;
} fline;

typedef struct layout_state {
    kl_context *ctx;
    const kl_doc *doc;
    const kl_layout_opts *opts;
    kl_layout *out;                            /* what is made */
    double body, spacing, left, right, text_w; /* size, line spacing, margins, width */
    piece *pieces;
    size_t npieces, cap_pieces;
    fline *flines;
    size_t nflines, cap_flines;
    bool brk;
    double header_bottom;      /* page 1: where the flow may start */
    const kl_node *header_ref; /* a section's reference placed in the header, not flowed */
} layout_state;

static double line_h(const layout_state *lay, double size)
{
    return size * lay->spacing;
}

static double baseline(const layout_state *lay, double size)
{
    return size * (0.8 + (lay->spacing - 1) / 2);
}

/* Line height and baseline of a shaped paragraph: the letter's spacing, or
 * more when a font reaches further above and below the line than that spacing
 * allows (Noto Nastaliq Urdu spans 2.5 em; Noto Sans 1.36 em). */
typedef struct vmetrics {
    double h, base;
} vmetrics;

static vmetrics para_metrics(const layout_state *lay, const kl_tpara *p, double size)
{
    vmetrics m = {line_h(lay, size), baseline(lay, size)};
    double asc = 0, desc = 0;
    for (uint32_t i = 0; i < p->nlines; i++)
        for (uint32_t r = 0; r < p->lines[i].nruns; r++) {
            const kl_font *f = p->lines[i].runs[r].font;
            if (!f || !f->upem)
                continue;
            double a = (double)f->ascent / f->upem, d = fabs((double)f->descent) / f->upem;
            asc = a > asc ? a : asc;
            desc = d > desc ? d : desc;
        }
    /* 0.9: the extremes of a font's box are rarely inked on both lines at once. */
    double need = size * (asc + desc) * 0.9;
    if (need > m.h) {
        m.h = need;
        m.base = (need - size * (asc + desc)) / 2 + size * asc;
    }
    return m;
}

/* ---- structure ----------------------------------------------------------- */

static kl_selem *selem_new(layout_state *lay, kl_selem *parent, kl_role role, const kl_node *n)
{
    kl_selem *s = kl_core__calloc(1, sizeof *s);
    if (!s) {
        kl_core__oom(lay->ctx);
        return NULL;
    }
    s->id = lay->out->nselems++;
    s->role = role;
    s->lang = n ? (n->data_lang ? n->data_lang : kl_doc__lang(n)) : lay->out->lang;
    s->parent = parent;
    if (parent) {
        if (parent->last)
            parent->last->next = s;
        else
            parent->first = s;
        parent->last = s;
    }
    return s;
}

static void selem_free(kl_selem *s)
{
    while (s) {
        kl_selem *next = s->next;
        selem_free(s->first);
        kl_free(s);
        s = next;
    }
}

/* ---- pages --------------------------------------------------------------- */

static int page_add(layout_state *lay, size_t page, const kl_item *it)
{
    if (KL_GROW(lay->out->pages, lay->out->cap_pages, page + 1) < 0)
        return kl_core__oom(lay->ctx);
    while (lay->out->npages <= page)
        memset(&lay->out->pages[lay->out->npages++], 0, sizeof *lay->out->pages);
    kl_page *p = &lay->out->pages[page];
    if (KL_GROW(p->items, p->cap, p->n + 1) < 0)
        return kl_core__oom(lay->ctx);
    p->items[p->n++] = *it;
    return 0;
}

/* Place a shaped line with its top at top (from the top of page). */
static int place_line(layout_state *lay, size_t page, kl_selem *se, const kl_tline *l, double x,
                      double top, double size)
{
    kl_item it = {.kind = KL_ITEM_TEXT,
                  .se = se,
                  .line = l,
                  .x = x,
                  .y = lay->out->height - (top + baseline(lay, size)),
                  .w = l->width,
                  .h = size};
    return page_add(lay, page, &it);
}

/* ---- flow ---------------------------------------------------------------- */

static long fline_add(layout_state *lay, size_t count, double h, double before)
{
    if (KL_GROW(lay->flines, lay->cap_flines, lay->nflines + count) < 0)
        return kl_core__oom(lay->ctx), -1;
    size_t first = lay->nflines;
    for (size_t i = 0; i < count; i++) {
        fline *f = &lay->flines[lay->nflines++];
        memset(f, 0, sizeof *f);
        f->h = h;
        f->before = i == 0 ? before : 0;
    }
    if (lay->brk) {
        lay->flines[first].brk_before = true;
        lay->brk = false;
    }
    return (long)first;
}

static int piece_add(layout_state *lay, const piece *p)
{
    if (KL_GROW(lay->pieces, lay->cap_pieces, lay->npieces + 1) < 0)
        return kl_core__oom(lay->ctx);
    lay->pieces[lay->npieces++] = *p;
    return 0;
}

static int shape(layout_state *lay, const char *text, const kl_node *n, double size, bool bold,
                 double width, kl_tdir dir, const kl_tpara **out)
{
    kl_tstyle st = {.lang = kl_doc__lang(n),
                    .bold = bold,
                    .size = (float)size,
                    .width = (float)width,
                    .dir = dir};
    /* On failure the text module's message already names the character and text. */
    int rc =
        kl_text__para(lay->ctx, lay->opts->fonts, lay->opts->cache, text ? text : "", &st, out);
    if (rc || !lay->opts->hold_text)
        return rc;
    kl_layout *l = lay->out;
    if (KL_GROW(l->held, l->cap_held, l->nheld + 1) < 0)
        return kl_core__oom(lay->ctx);
    kl_text__para_hold(*out);
    l->held[l->nheld++] = *out;
    return 0;
}

/* ---- links in running text ----------------------------------------------- */

/* An email or web address found in a paragraph: [a, b) in UTF-16 units of the
 * paragraph's text, its link target, and its Link element (made on first use). */
typedef struct urange {
    uint32_t a, b;
    char *href;       /* a link's target; NULL for a run in another language */
    const char *lang; /* that run's language (a Span element) */
    kl_selem *se;
} urange;

/* Memory the layout keeps until it is freed (hrefs, split lines). */
static void *keep(layout_state *lay, void *mem)
{
    if (!mem)
        return NULL;
    if (KL_GROW(lay->out->owned, lay->out->cap_owned, lay->out->nowned + 1) < 0) {
        kl_free(mem);
        return NULL;
    }
    lay->out->owned[lay->out->nowned++] = mem;
    return mem;
}

static bool is_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool url_char(unsigned char c)
{
    return c > 0x20 && c < 0x7f && !strchr("<>\"'`{}|\\^()[]", c);
}

static bool host_char(unsigned char c)
{
    return is_alnum(c) || c == '.' || c == '-';
}

static bool local_char(unsigned char c)
{
    return is_alnum(c) || (c && strchr("._%+-", c));
}

static bool starts_with_ci(const char *s, const char *prefix)
{
    for (; *prefix; s++, prefix++)
        if ((*s | 0x20) != *prefix)
            return false;
    return true;
}

/* The length of a web address's prefix at s ("https://", "http://", "www."), or 0. */
static size_t web_prefix(const char *s)
{
    static const char *const pre[] = {"https://", "http://", "www."};
    for (size_t i = 0; i < sizeof pre / sizeof *pre; i++)
        if (starts_with_ci(s, pre[i]))
            return strlen(pre[i]);
    return 0;
}

/* Email addresses (name@host.tld) and web addresses (http://, https://,
 * www.) in text, as byte ranges; the trailing punctuation of the sentence
 * is not part of them. Returns how many (at most cap; a and b NULL: only
 * counts them). */
static size_t find_addresses(const char *s, size_t *a, size_t *b, size_t cap)
{
    size_t n = 0, floor = 0, len = strlen(s);
    for (size_t i = 0; i < len && n < cap; i++) {
        size_t start = i, end = i, host; /* host: where the part that needs a dot starts */
        size_t plen = (i == 0 || !is_alnum((unsigned char)s[i - 1])) ? web_prefix(s + i) : 0;
        if (plen) {
            while (url_char((unsigned char)s[end]))
                end++;
            host = i + plen;
        } else if (s[i] == '@') {
            while (start > floor && local_char((unsigned char)s[start - 1]))
                start--;
            end = host = i + 1;
            while (host_char((unsigned char)s[end]))
                end++;
            if (start == i)
                continue;
        } else {
            continue;
        }
        while (end > host && strchr(".,;:!?-", s[end - 1]))
            end--;
        if (end <= host || !memchr(s + host, '.', end - host))
            continue;
        if (a) {
            a[n] = start;
            b[n] = end;
        }
        n++;
        floor = end;
        i = end - 1;
    }
    return n;
}

/* The addresses of text, with UTF-16 offsets and link targets, in *out
 * (kl_free; room for extra more ranges after them, NULL when there are none
 * of either): however many a paragraph holds, every one is a Link. */
static int find_links(layout_state *lay, const char *text, size_t extra, urange **out, size_t *nr)
{
    *out = NULL;
    *nr = 0;
    size_t n = text ? find_addresses(text, NULL, NULL, SIZE_MAX) : 0;
    if (!n && !extra)
        return 0;
    size_t *a = kl_core__malloc((n ? n : 1) * 2 * sizeof *a), *b = a ? a + (n ? n : 1) : NULL;
    urange *r = kl_core__calloc(n + extra, sizeof *r);
    if (!a || !r) {
        kl_free(a);
        kl_free(r);
        return kl_core__oom(lay->ctx);
    }
    *out = r;
    if (n)
        n = find_addresses(text, a, b, n);
    uint32_t u = 0;
    size_t pos = 0;
    for (size_t k = 0; k < n; k++) {
        for (; pos < b[k]; pos++) {
            unsigned char c = (unsigned char)text[pos];
            if (pos == a[k])
                r[k].a = u;
            if ((c & 0xC0) != 0x80)
                u += c >= 0xF0 ? 2 : 1;
        }
        r[k].b = u;
        size_t len = b[k] - a[k];
        bool mail = memchr(text + a[k], '@', len) && !starts_with_ci(text + a[k], "http");
        const char *scheme = mail                                  ? "mailto:"
                             : starts_with_ci(text + a[k], "www.") ? "https://"
                                                                   : "";
        char *href = keep(lay, kl_core__malloc(strlen(scheme) + len + 1));
        if (!href) {
            kl_free(a);
            return kl_core__oom(lay->ctx);
        }
        memcpy(href, scheme, strlen(scheme));
        memcpy(href + strlen(scheme), text + a[k], len);
        href[strlen(scheme) + len] = '\0';
        r[k].href = href;
        r[k].lang = NULL;
        r[k].se = NULL;
        (*nr)++;
    }
    kl_free(a);
    return 0;
}

/* The UTF-16 offset of byte pos of text. */
static uint32_t u16_at(const char *text, size_t pos)
{
    uint32_t u = 0;
    for (size_t i = 0; i < pos && text[i]; i++)
        if (((unsigned char)text[i] & 0xC0) != 0x80)
            u += (unsigned char)text[i] >= 0xF0 ? 2 : 1;
    return u;
}

/* After the links, n's runs of text in another language (review data printed
 * as written inside a translated sentence): each becomes a Span with its
 * /Lang. Links come first, so an address inside such a run stays a Link. */
static void find_lang_runs(const kl_node *n, urange *r, size_t *nr)
{
    for (size_t k = 0; n && k < n->n_spans; k++) { /* r has room for all */
        const kl_span *sp = &n->spans[k];
        if (!sp->len || sp->start + sp->len > strlen(n->text))
            continue;
        /* With the isolation marks around it: shaping may put a mark in the
         * cluster of the letter next to it, which must not be cut off. */
        size_t a = sp->start, b = sp->start + sp->len;
        if (a >= 3 && memcmp(n->text + a - 3, "\xE2\x81\xA8", 3) == 0)
            a -= 3;
        if (strncmp(n->text + b, "\xE2\x81\xA9", 3) == 0)
            b += 3;
        r[*nr] = (urange){.a = u16_at(n->text, a), .b = u16_at(n->text, b), .lang = sp->lang};
        (*nr)++;
    }
}

static uint32_t u16_len(const char *s)
{
    uint32_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p & 0xC0) != 0x80)
            n += *p >= 0xF0 ? 2 : 1;
    return n;
}

/* Which address glyph g of run t belongs to (-1: none), by where its cluster
 * starts (every glyph of a cluster has the cluster's ustart). */
static int glyph_link(const kl_trun *t, uint32_t g, const urange *r, size_t nr)
{
    uint32_t off = t->start + t->glyphs[g].ustart;
    for (size_t i = 0; i < nr; i++)
        if (off >= r[i].a && off < r[i].b)
            return (int)i;
    return -1;
}

typedef struct lseg {
    int link;
    uint32_t k, g, n; /* first glyph (run k, glyph g) and glyph count, visual order */
    uint32_t logical; /* where its text starts, for reading order */
    double x;
} lseg;

/* The segments of line l (starting at x): runs of glyphs in the same
 * address or outside any, in visual order, then sorted into reading order
 * (by where each one's text starts). seg has room for every glyph. */
static size_t line_segments(const kl_tline *l, double x, const urange *r, size_t nr, lseg *seg)
{
    size_t ns = 0;
    for (uint32_t k = 0; k < l->nruns; k++) {
        const kl_trun *t = &l->runs[k];
        for (uint32_t g = 0; g < t->nglyphs; g++) {
            int id = glyph_link(t, g, r, nr);
            uint32_t off = t->start + t->glyphs[g].ustart;
            if (!ns || seg[ns - 1].link != id) {
                seg[ns++] = (lseg){.link = id, .k = k, .g = g, .n = 0, .logical = off, .x = x};
            }
            lseg *s = &seg[ns - 1];
            s->n++;
            if (off < s->logical)
                s->logical = off;
            x += t->glyphs[g].adv;
        }
    }
    for (size_t i = 1; i < ns; i++)
        for (size_t j = i; j > 0 && seg[j].logical < seg[j - 1].logical; j--) {
            lseg tmp = seg[j];
            seg[j] = seg[j - 1];
            seg[j - 1] = tmp;
        }
    return ns;
}

/* The glyphs of one run that a segment takes, as a run of their own: its
 * text from its first cluster to the run's next cluster after its last (a
 * cluster of several glyphs has ulen 0 on each), its glyph ranges relative
 * to that text. */
static int slice_run(layout_state *lay, const kl_trun *t, uint32_t g, uint32_t take, kl_trun *slice)
{
    *slice = *t;
    slice->glyphs = t->glyphs + g;
    slice->nglyphs = take;
    uint32_t lo = UINT32_MAX, last = 0, hi = t->nu16;
    float w = 0;
    for (uint32_t j = 0; j < take; j++) {
        const kl_glyph *gl = &slice->glyphs[j];
        w += gl->adv;
        if (gl->ustart < lo)
            lo = gl->ustart;
        if (gl->ustart > last)
            last = gl->ustart;
    }
    for (uint32_t j = 0; j < t->nglyphs; j++)
        if (t->glyphs[j].ustart > last && t->glyphs[j].ustart < hi)
            hi = t->glyphs[j].ustart;
    slice->u16 = t->u16 + lo;
    slice->nu16 = hi - lo;
    slice->start = t->start + lo;
    slice->width = w;
    if (lo) {
        kl_glyph *gs = keep(lay, kl_core__malloc(take * sizeof *gs));
        if (!gs)
            return kl_core__oom(lay->ctx);
        memcpy(gs, slice->glyphs, take * sizeof *gs);
        for (uint32_t j = 0; j < take; j++)
            gs[j].ustart = (uint16_t)(gs[j].ustart - lo);
        slice->glyphs = gs;
    }
    return 0;
}

/* The line of one segment: the slices of the runs it covers (kept by the layout). */
static int segment_line(layout_state *lay, const kl_tline *l, const lseg *sg, kl_tline **out)
{
    uint32_t nsl = 0, left = sg->n;
    for (uint32_t k = sg->k, g = sg->g; left; k++, g = 0) {
        uint32_t take = l->runs[k].nglyphs - g < left ? l->runs[k].nglyphs - g : left;
        left -= take;
        nsl += take > 0;
    }
    kl_tline *line = keep(lay, kl_core__calloc(1, sizeof *line + nsl * sizeof *line->runs));
    if (!line)
        return kl_core__oom(lay->ctx);
    line->runs = (kl_trun *)(line + 1);
    left = sg->n;
    int rc = 0;
    for (uint32_t k = sg->k, g = sg->g; left; k++, g = 0) {
        const kl_trun *t = &l->runs[k];
        uint32_t take = t->nglyphs - g < left ? t->nglyphs - g : left;
        if (!take)
            continue;
        left -= take;
        kl_trun *run = &line->runs[line->nruns++];
        if ((rc = slice_run(lay, t, g, take, run)) < 0)
            break;
        line->width += run->width;
    }
    line->full_width = line->width;
    *out = line;
    return rc;
}

/* A line that holds (part of) an address is split into pieces: the text
 * before, the address (tagged Link, under a Link element of se), the text
 * after, each its own marked content, in reading order. */
static int link_pieces(layout_state *lay, const piece *base, kl_selem *se, const kl_node *n,
                       urange *r, size_t nr)
{
    const kl_tline *l = base->line;
    uint32_t total = 0;
    bool any = false;
    for (uint32_t k = 0; k < l->nruns; k++) {
        for (uint32_t g = 0; g < l->runs[k].nglyphs; g++)
            any |= glyph_link(&l->runs[k], g, r, nr) >= 0;
        total += l->runs[k].nglyphs;
    }
    if (!any)
        return piece_add(lay, base);
    lseg *seg = kl_core__malloc((total + 1) * sizeof *seg);
    if (!seg)
        return kl_core__oom(lay->ctx);
    size_t ns = line_segments(l, base->x, r, nr, seg);
    int rc = 0;
    for (size_t i = 0; i < ns; i++) {
        kl_tline *sl = NULL;
        if ((rc = segment_line(lay, l, &seg[i], &sl)) < 0)
            goto done;
        kl_selem *pse = se;
        if (seg[i].link >= 0) {
            urange *u = &r[seg[i].link];
            if (!u->se && u->href && (u->se = selem_new(lay, se, KL_ROLE_LINK, n)))
                u->se->href = u->href;
            if (!u->se && !u->href && (u->se = selem_new(lay, se, KL_ROLE_SPAN, n)))
                u->se->lang = u->lang;
            if (!(pse = u->se)) {
                rc = KL_ENOMEM;
                goto done;
            }
        }
        piece pc = *base;
        pc.se = pse;
        pc.line = sl;
        pc.x = seg[i].x;
        pc.w = sl->width;
        if ((rc = piece_add(lay, &pc)) < 0)
            goto done;
    }
done:
    kl_free(seg);
    return rc;
}

/* Pieces for p's lines, on flow lines first.. (made by the caller), at
 * [x0, x0 + width]: each line at the right edge when right (a right-to-left
 * paragraph, or a value in a right-to-left table), else at the left. With
 * text (the paragraph's own), the email and web addresses in it become Link
 * elements with their own pieces. */
static int pieces_at(layout_state *lay, size_t first, kl_selem *se, const kl_tpara *p, double x0,
                     double width, double size, const kl_node *n, const char *text, bool right)
{
    urange *links = NULL;
    size_t nlinks = 0;
    bool own_runs = n && text == n->text;
    kl_langrun *langs = NULL;
    uint32_t nlangs = 0;
    int rc = 0;
    if (text &&
        (rc = find_links(lay, text, own_runs && !p->rtl ? n->n_spans : 0, &links, &nlinks)) < 0)
        goto done;
    /* Not in a right-to-left paragraph: there the run's piece and the
     * Arabic-script pieces around it (each with /ActualText) would read
     * back with a space between the run and its punctuation (pdftotext). */
    if (own_runs && !p->rtl && links)
        find_lang_runs(n, links, &nlinks);
    /* In one, each such run is marked in the line's content (kl_item.langs). */
    if (own_runs && p->rtl && n->n_spans) {
        urange *lr = kl_core__calloc(n->n_spans, sizeof *lr);
        size_t nlr = 0;
        if (lr)
            find_lang_runs(n, lr, &nlr);
        if (!lr || (nlr && !(langs = keep(lay, kl_core__malloc(nlr * sizeof *langs)))))
            rc = kl_core__oom(lay->ctx);
        for (size_t k = 0; langs && k < nlr; k++)
            langs[nlangs++] = (kl_langrun){lr[k].a, lr[k].b, lr[k].lang};
        kl_free(lr);
        if (rc < 0)
            goto done;
    }
    for (uint32_t i = 0; i < p->nlines; i++) {
        const kl_tline *l = &p->lines[i];
        piece pc = {.fline = first + i,
                    .kind = KL_ITEM_TEXT,
                    .se = se,
                    .line = l,
                    .x = !right ? x0 : x0 + width - (p->rtl ? l->full_width : l->width),
                    .base = para_metrics(lay, p, size).base,
                    .w = l->width,
                    .h = size,
                    .langs = langs,
                    .nlangs = nlangs};
        if ((rc = nlinks ? link_pieces(lay, &pc, se, n, links, nlinks) : piece_add(lay, &pc)) < 0)
            goto done;
    }
done:
    kl_free(links);
    return rc;
}

static int pieces_for(layout_state *lay, size_t first, kl_selem *se, const kl_tpara *p, double x0,
                      double width, double size, const kl_node *n, const char *text)
{
    return pieces_at(lay, first, se, p, x0, width, size, n, text, p->rtl);
}

/* No single first or last line of a block alone on a page. */
static void keep_orphans(layout_state *lay, size_t first, size_t n)
{
    if (n >= 2) {
        lay->flines[first].keep_next = true;
        lay->flines[first + n - 2].keep_next = true;
    }
}

static int flow_text(layout_state *lay, kl_selem *se, const kl_node *n, const char *text,
                     double size, bool bold, double before, bool keep_all, kl_tdir dir)
{
    const kl_tpara *p;
    int rc = shape(lay, text, n, size, bold, lay->text_w, dir, &p);
    if (rc)
        return rc;
    long first = fline_add(lay, p->nlines, para_metrics(lay, p, size).h, before);
    if (first < 0)
        return KL_ENOMEM;
    if ((rc = pieces_for(lay, (size_t)first, se, p, lay->left, lay->text_w, size, n, text)))
        return rc;
    keep_orphans(lay, (size_t)first, p->nlines);
    if (keep_all)
        for (uint32_t i = 0; i < p->nlines; i++)
            lay->flines[(size_t)first + i].keep_next = true;
    if (n->keep_with_next)
        lay->flines[lay->nflines - 1].keep_next = true;
    return 0;
}

static double gap(const layout_state *lay)
{
    return line_h(lay, lay->body) - lay->body * 0.0; /* a blank line between blocks */
}

static int flow_list(layout_state *lay, kl_selem *parent, const kl_node *list)
{
    kl_selem *layout = selem_new(lay, parent, KL_ROLE_L, list);
    if (!layout)
        return KL_ENOMEM;
    double size = lay->body, indent = size * 1.8;
    int num = 0, rc;
    bool first_item = true;
    for (const kl_node *it = list->first; it; it = it->next) {
        if (it->kind != KL_NODE_ITEM)
            continue;
        char label[32];
        if (list->ordered)
            snprintf(label, sizeof label, "%d.", ++num);
        else
            snprintf(label, sizeof label, "\u2022");
        kl_selem *li = selem_new(lay, layout, KL_ROLE_LI, it);
        kl_selem *lbl = li ? selem_new(lay, li, KL_ROLE_LBL, it) : NULL;
        kl_selem *body = lbl ? selem_new(lay, li, KL_ROLE_LBODY, it) : NULL;
        if (!body)
            return KL_ENOMEM;
        const kl_tpara *pl, *pb;
        if ((rc = shape(lay, label, it, size, false, indent, KL_TDIR_LANG, &pl)) ||
            (rc = shape(lay, it->text, it, size, false, lay->text_w - indent, KL_TDIR_LANG, &pb)))
            return rc;
        vmetrics vm = para_metrics(lay, pb, size);
        long first =
            fline_add(lay, pb->nlines, vm.h, first_item ? gap(lay) : line_h(lay, size) * 0.3);
        if (first < 0)
            return KL_ENOMEM;
        first_item = false;
        const kl_tline *ll = &pl->lines[0];
        piece pc = {.fline = (size_t)first,
                    .kind = KL_ITEM_TEXT,
                    .se = lbl,
                    .line = ll,
                    .x = pb->rtl ? lay->right - ll->width : lay->left,
                    .base = vm.base,
                    .w = ll->width,
                    .h = size};
        if ((rc = piece_add(lay, &pc)) ||
            (rc = pieces_for(lay, (size_t)first, body, pb, pb->rtl ? lay->left : lay->left + indent,
                             lay->text_w - indent, size, it, it->text)))
            return rc;
        keep_orphans(lay, (size_t)first, pb->nlines);
    }
    return 0;
}

static int flow_contact(layout_state *lay, kl_selem *parent, const kl_node *table)
{
    kl_selem *T = selem_new(lay, parent, KL_ROLE_TABLE, table);
    /* The rows in a TBody: pdf.js announces a TH as a column header unless
     * its row is in one, whatever its /Scope. */
    kl_selem *body = T ? selem_new(lay, T, KL_ROLE_TBODY, table) : NULL;
    if (!body)
        return KL_ENOMEM;
    double size = lay->body;
    int rc;
    /* Two columns when the labels fit in 40% of the line, else stacked. */
    double labelw = 0;
    for (const kl_node *r = table->first; r; r = r->next) {
        const kl_tpara *p;
        if (r->kind != KL_NODE_ROW)
            continue;
        if ((rc = shape(lay, r->label, r, size, true, 0, KL_TDIR_LANG, &p)))
            return rc;
        for (uint32_t i = 0; i < p->nlines; i++)
            if (p->lines[i].width > labelw)
                labelw = p->lines[i].width;
    }
    bool stacked = labelw > lay->text_w * 0.4;
    double col = stacked ? lay->text_w : labelw + size;
    bool first_row = true;
    for (const kl_node *r = table->first; r; r = r->next) {
        if (r->kind != KL_NODE_ROW)
            continue;
        kl_selem *tr = selem_new(lay, body, KL_ROLE_TR, r);
        kl_selem *th = tr ? selem_new(lay, tr, KL_ROLE_TH, r) : NULL;
        kl_selem *td = th ? selem_new(lay, tr, KL_ROLE_TD, r) : NULL;
        kl_selem *val = td;
        if (td && r->href) {
            val = selem_new(lay, td, KL_ROLE_LINK, r);
            if (val)
                val->href = r->href;
        }
        if (!val)
            return KL_ENOMEM;
        const kl_tpara *pl, *pv;
        double vw = stacked ? lay->text_w : lay->text_w - col;
        if ((rc = shape(lay, r->label, r, size, true, stacked ? lay->text_w : col, KL_TDIR_LANG,
                        &pl)) ||
            (rc = shape(lay, r->text, r, size, false, vw, KL_TDIR_AUTO, &pv)))
            return rc;
        bool rtl = pl->rtl;
        size_t nl =
            stacked ? pl->nlines + pv->nlines : (pl->nlines > pv->nlines ? pl->nlines : pv->nlines);
        vmetrics vl = para_metrics(lay, pl, size), vv = para_metrics(lay, pv, size);
        /* Side by side, label and value share their lines' baselines, the
         * lower of the two (an Urdu label's Nastaliq sits 10.9 pt lower in
         * its line than a Latin value would in its own); the row keeps the
         * taller cell's line height, which holds the other's glyphs. */
        double base = vl.base > vv.base ? vl.base : vv.base;
        long first = fline_add(lay, nl, vl.h > vv.h ? vl.h : vv.h,
                               first_row ? gap(lay) : line_h(lay, size) * 0.3);
        if (first < 0)
            return KL_ENOMEM;
        first_row = false;
        /* The table runs in the letter's direction: right to left, the
         * labels are the right-hand column and each value sits at the
         * right of its column, next to its label (a phone number or email
         * address is left to right itself, but is not sent to the far
         * margin). Such a row is drawn in visual order, left to right: the
         * value, then the label (as the glyphs of a right-to-left line
         * are); the structure tree keeps the label first (TH, then TD). */
        double lx = rtl ? lay->right - col : lay->left;
        double vx = stacked ? lay->left : (rtl ? lay->left : lay->left + col);
        size_t lfl = (size_t)first, vfl = lfl + (stacked ? pl->nlines : 0), p0 = lay->npieces;
        bool value_first = rtl && !stacked;
        if ((value_first && (rc = pieces_at(lay, vfl, val, pv, vx, vw, size, NULL, NULL, rtl))) ||
            (rc = pieces_for(lay, lfl, th, pl, lx, col, size, NULL, NULL)) ||
            (!value_first && (rc = pieces_at(lay, vfl, val, pv, vx, vw, size, NULL, NULL, rtl))))
            return rc;
        for (size_t i = p0; !stacked && i < lay->npieces; i++)
            lay->pieces[i].base = base;
        for (size_t i = 0; i + 1 < nl; i++)
            lay->flines[(size_t)first + i].keep_next = true;
    }
    return 0;
}

/* Width and height of a PNG from its header; 0 if it is not one. */
static int png_size(layout_state *lay, const char *path, double *w, double *h)
{
    unsigned char hdr[24];
    FILE *f = fopen(path, "rb");
    size_t got = f ? fread(hdr, 1, sizeof hdr, f) : 0;
    if (f)
        fclose(f);
    if (!f)
        return kl_core__error(lay->ctx, KL_EIO, KL_AT(path, 0, 0),
                              "check the logo path in the review", "cannot open the image: %s",
                              strerror(errno));
    if (got < 24 || memcmp(hdr, "\x89PNG\r\n\x1a\n", 8) || memcmp(hdr + 12, "IHDR", 4))
        return kl_core__error(lay->ctx, KL_EFORMAT, KL_AT(path, 0, 0), "use a PNG image",
                              "the image is not a PNG file");
    unsigned long pw = (unsigned long)hdr[16] << 24 | hdr[17] << 16 | hdr[18] << 8 | hdr[19];
    unsigned long ph = (unsigned long)hdr[20] << 24 | hdr[21] << 16 | hdr[22] << 8 | hdr[23];
    if (!pw || !ph)
        return kl_core__error(lay->ctx, KL_EFORMAT, KL_AT(path, 0, 0), NULL,
                              "the image has no pixels");
    *w = pw * 72.0 / 150.0; /* 150 dpi */
    *h = ph * 72.0 / 150.0;
    return 0;
}

static void fit(double *w, double *h, double maxw, double maxh)
{
    double s = 1;
    if (*w > maxw)
        s = maxw / *w;
    if (*h * s > maxh)
        s = maxh / *h;
    *w *= s;
    *h *= s;
}

static int flow_figure(layout_state *lay, kl_selem *parent, const kl_node *n)
{
    double w, h;
    int rc = png_size(lay, n->src ? n->src : "", &w, &h);
    if (rc)
        return rc;
    fit(&w, &h, lay->text_w, lay->out->height * 0.4);
    kl_selem *fig = n->alt && *n->alt ? selem_new(lay, parent, KL_ROLE_FIGURE, n) : NULL;
    if (fig)
        fig->alt = n->alt;
    else if (n->alt && *n->alt)
        return KL_ENOMEM;
    long first = fline_add(lay, 1, h, gap(lay));
    if (first < 0)
        return KL_ENOMEM;
    piece pc = {.fline = (size_t)first,
                .kind = KL_ITEM_IMAGE,
                .se = fig,
                .x = lay->left,
                .base = h,
                .w = w,
                .h = h,
                .src = n->src};
    return piece_add(lay, &pc);
}

/* Where each sentence of text starts after the first (byte offsets, ICU's
 * sentence rules for lang): an Easy Read point sets each sentence on a line
 * of its own. *out is allocated (NULL when there is one sentence). */
static int sentence_starts(layout_state *lay, const char *text, const char *lang, size_t **out,
                           size_t *n)
{
    *out = NULL;
    *n = 0;
    UErrorCode st = U_ZERO_ERROR;
    UText *ut = utext_openUTF8(NULL, text, -1, &st);
    UBreakIterator *bi =
        U_SUCCESS(st) ? ubrk_open(UBRK_SENTENCE, lang ? lang : "en", NULL, 0, &st) : NULL;
    if (U_SUCCESS(st))
        ubrk_setUText(bi, ut, &st);
    int rc = 0;
    size_t len = strlen(text), cap = 0;
    for (int32_t b = U_SUCCESS(st) ? ubrk_next(bi) : UBRK_DONE; b != UBRK_DONE && !rc;
         b = ubrk_next(bi)) {
        if ((size_t)b >= len)
            break;
        if (KL_GROW(*out, cap, *n + 1) < 0) {
            rc = kl_core__oom(lay->ctx);
            break;
        }
        (*out)[(*n)++] = (size_t)b;
    }
    if (!rc && U_FAILURE(st))
        rc = kl_core__error(lay->ctx, KL_EBACKEND, KL_NOWHERE, NULL, "ICU sentence break: %s",
                            u_errorName(st));
    ubrk_close(bi);
    utext_close(ut);
    if (rc) {
        kl_free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

/* One shaped block of an Easy Read point: a paragraph, or one sentence of it. */
typedef struct pblock {
    const kl_node *n;
    const char *text; /* n->text, or a sentence of it (owned by the layout) */
    const kl_tpara *p;
    bool first_of_para;
} pblock;

/* An Easy Read point: the picture at the start of the line (left; right in a
 * right-to-left letter), its words in the column beside it, a sentence to a
 * line, all kept on one page, with a blank line and a half above it. Reading
 * order: the Figure (with its alt text), then the words. */
/* A point's paragraphs and lines shaped as blocks for the column beside the
 * picture (a paragraph sentence by sentence), and its first picture. */
static int point_blocks(layout_state *lay, const kl_node *n, double size, double tw, pblock **bl,
                        size_t *nb, const kl_node **fig)
{
    size_t cap = 0;
    int rc = 0;
    for (const kl_node *c = n->first; c; c = c->next) {
        if (c->kind == KL_NODE_FIGURE && !*fig)
            *fig = c;
        if ((c->kind != KL_NODE_PARAGRAPH && c->kind != KL_NODE_LINE) || !c->text)
            continue;
        /* Runs in another language keep their tags only in the whole text;
         * a line of data (hours) is not sentences. */
        size_t *starts = NULL, ns = 0;
        if (c->kind == KL_NODE_PARAGRAPH && !c->n_spans &&
            (rc = sentence_starts(lay, c->text, kl_doc__lang(c), &starts, &ns)) < 0)
            return rc;
        for (size_t k = 0; k <= ns; k++) {
            size_t from = k ? starts[k - 1] : 0, to = k < ns ? starts[k] : strlen(c->text);
            const char *t = c->text;
            if ((ns && !(t = keep(lay, kl_core__strndup(c->text + from, to - from)))) ||
                KL_GROW(*bl, cap, *nb + 1) < 0) {
                rc = kl_core__oom(lay->ctx);
                break;
            }
            pblock *b = &(*bl)[(*nb)++];
            *b = (pblock){c, t, NULL, k == 0};
            if ((rc = shape(lay, t, c, size, c->strong != 0, tw, KL_TDIR_LANG, &b->p)) < 0)
                break;
        }
        kl_free(starts);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* The picture, side wide, centred in its column at x on flow line first; *text_h
 * becomes minus its height (the text beside it adds its own). */
static int point_picture(layout_state *lay, kl_selem *parent, const kl_node *fig, size_t first,
                         double x, double side, double *text_h)
{
    double w, h;
    int rc;
    if ((rc = png_size(lay, fig->src ? fig->src : "", &w, &h)) < 0)
        return rc;
    double s = side / (w > h ? w : h);
    w *= s;
    h *= s;
    kl_selem *fse = NULL;
    if (fig->alt && *fig->alt) {
        if (!(fse = selem_new(lay, parent, KL_ROLE_FIGURE, fig)))
            return KL_ENOMEM;
        fse->alt = fig->alt;
    }
    piece pc = {.fline = first,
                .kind = KL_ITEM_IMAGE,
                .se = fse,
                .x = x + (side - w) / 2,
                .base = h,
                .w = w,
                .h = h,
                .src = fig->src};
    if ((rc = piece_add(lay, &pc)) < 0)
        return rc;
    *text_h = -h;
    return 0;
}

/* The blocks in the column at x, tw wide, each paragraph a P element; their
 * height is added to *text_h. */
static int point_text(layout_state *lay, kl_selem *parent, const pblock *bl, size_t nb, double x,
                      double tw, double size, double *text_h)
{
    kl_selem *se = NULL;
    int rc;
    for (size_t i = 0; i < nb; i++) {
        if (bl[i].first_of_para && !(se = selem_new(lay, parent, KL_ROLE_P, bl[i].n)))
            return KL_ENOMEM;
        vmetrics vm = para_metrics(lay, bl[i].p, size);
        double before = i == 0 ? gap(lay) * 1.5 : bl[i].first_of_para ? line_h(lay, size) * 0.2 : 0;
        long fl = fline_add(lay, bl[i].p->nlines, vm.h, before);
        if (fl < 0)
            return KL_ENOMEM;
        if ((rc = pieces_at(lay, (size_t)fl, se, bl[i].p, x, tw, size, bl[i].n, bl[i].text,
                            bl[i].p->rtl)) < 0)
            return rc;
        *text_h += (i ? before : 0) + bl[i].p->nlines * vm.h;
    }
    return 0;
}

static int flow_point(layout_state *lay, kl_selem *parent, const kl_node *n)
{
    const kl_node *fig = NULL;
    pblock *bl = NULL;
    size_t nb = 0;
    double size = lay->body, side = size * 3.5, gapx = size * 1.2;
    double tw = lay->text_w - side - gapx;
    int rc;
    if ((rc = point_blocks(lay, n, size, tw, &bl, &nb, &fig)) < 0)
        goto done;
    bool rtl = nb > 0 && bl[0].p->rtl;
    size_t first = lay->nflines;
    double text_h = 0;
    if (fig && (rc = point_picture(lay, parent, fig, first, rtl ? lay->right - side : lay->left,
                                   side, &text_h)) < 0)
        goto done;
    if ((rc = point_text(lay, parent, bl, nb, rtl ? lay->left : lay->left + side + gapx, tw, size,
                         &text_h)) < 0)
        goto done;
    if ((lay->nflines == first && fline_add(lay, 1, 0, gap(lay) * 1.5) < 0) || /* a picture alone */
        (text_h < 0 && fline_add(lay, 1, -text_h, 0) < 0)) { /* the picture reaches lower */
        rc = KL_ENOMEM;
        goto done;
    }
    for (size_t i = first; i + 1 < lay->nflines; i++)
        lay->flines[i].keep_next = true;
done:
    kl_free(bl);
    return rc;
}

static int flow_node(layout_state *lay, kl_selem *parent, const kl_node *n);

/* The text of one line of a block of lines (letterhead, address, signature):
 * with a space at its end when another line follows, drawn like the space at
 * a paragraph's line break, so the tagged text reads "Market Street
 * Northtown", not "Market StreetNorthtown". b may receive the copy. */
static const char *line_text(const kl_node *n, kl_buf *b)
{
    const kl_node *next = n->next;
    while (next && !next->text)
        next = next->next;
    if (!n->text || !next || n->kind != KL_NODE_LINE)
        return n->text;
    kl_core__buf_puts(b, n->text);
    kl_core__buf_putc(b, ' ');
    return b->oom ? n->text : b->data;
}

static int flow_children(layout_state *lay, kl_selem *parent, const kl_node *n)
{
    for (const kl_node *c = n->first; c; c = c->next) {
        if (c == lay->header_ref)
            continue;
        int rc = flow_node(lay, parent, c);
        if (rc)
            return rc;
    }
    return 0;
}

static double heading_size(const layout_state *lay, int level)
{
    return lay->body * (level <= 1 ? 1.5 : level == 2 ? 1.25 : 1.1);
}

static int flow_node(layout_state *lay, kl_selem *parent, const kl_node *n)
{
    kl_selem *se;
    switch (n->kind) {
    case KL_NODE_SECTION:
        if (!(se = selem_new(lay, parent, KL_ROLE_SECT, n)))
            return KL_ENOMEM;
        return flow_children(lay, se, n);
    case KL_NODE_HEADING: {
        if (!(se = selem_new(lay, parent, KL_ROLE_H, n)))
            return KL_ENOMEM;
        se->level = n->level < 1 ? 1 : n->level > 6 ? 6 : n->level;
        se->text = n->text;
        size_t first = lay->nflines;
        int rc = flow_text(lay, se, n, n->text, heading_size(lay, se->level), true, gap(lay), true,
                           KL_TDIR_LANG);
        (void)first;
        return rc;
    }
    case KL_NODE_PARAGRAPH:
    case KL_NODE_SALUTATION:
    case KL_NODE_DATE:
    case KL_NODE_REFERENCE:
        if (!(se = selem_new(lay, parent, KL_ROLE_P, n)))
            return KL_ENOMEM;
        /* A small line (the pictures' credit): 70% of the body, never below 10 pt, on
         * the page of what comes before it (never a page of its own). */
        if (n->small && lay->nflines)
            lay->flines[lay->nflines - 1].keep_next = true;
        return flow_text(lay, se, n, n->text,
                         n->small ? (lay->body * 0.7 > 10 ? lay->body * 0.7 : 10) : lay->body,
                         n->strong != 0, gap(lay), false, KL_TDIR_LANG);
    case KL_NODE_POINT:
        return flow_point(lay, parent, n);
    case KL_NODE_LIST:
        return flow_list(lay, parent, n);
    case KL_NODE_CONTACT:
        return flow_contact(lay, parent, n);
    case KL_NODE_SIGNATURE: {
        if (!(se = selem_new(lay, parent, KL_ROLE_P, n)))
            return KL_ENOMEM;
        bool first = true;
        for (const kl_node *c = n->first; c; c = c->next) {
            kl_buf b = KL_BUF_INIT;
            const char *text = line_text(c, &b);
            int rc = b.oom ? kl_core__oom(lay->ctx)
                           : flow_text(lay, se, c, text, lay->body, false, first ? gap(lay) : 0,
                                       true, KL_TDIR_LANG);
            kl_core__buf_free(&b);
            if (rc)
                return rc;
            first = false;
        }
        if (n->text && !n->first)
            return flow_text(lay, se, n, n->text, lay->body, false, gap(lay), true, KL_TDIR_LANG);
        if (lay->nflines)
            lay->flines[lay->nflines - 1].keep_next = false;
        return 0;
    }
    case KL_NODE_FIGURE:
        return flow_figure(lay, parent, n);
    case KL_NODE_PAGE_BREAK:
        lay->brk = true;
        return 0;
    case KL_NODE_LINE:
        if (!(se = selem_new(lay, parent, KL_ROLE_P, n)))
            return KL_ENOMEM;
        return flow_text(lay, se, n, n->text, lay->body, false, 0, false, KL_TDIR_AUTO);
    default:
        return 0;
    }
}

/* ---- page 1: letterhead, postal window, date and reference ---------------- */

/* leading: distance between baselines, or 0 for the letter's line spacing. */
static int head_block(layout_state *lay, kl_selem *se, const kl_node *n, double x, double width,
                      double top, double size, double leading, bool right, double *bottom)
{
    const kl_tpara *p;
    kl_buf b = KL_BUF_INIT;
    int rc = shape(lay, line_text(n, &b), n, size, false, width, KL_TDIR_AUTO, &p);
    if (!rc && b.oom)
        rc = kl_core__oom(lay->ctx);
    kl_core__buf_free(&b);
    if (rc)
        return rc;
    for (uint32_t i = 0; i < p->nlines; i++) {
        const kl_tline *l = &p->lines[i];
        double lx = (right || p->rtl) ? x + width - (p->rtl ? l->full_width : l->width) : x;
        if ((rc = place_line(lay, 0, se, l, lx, top, size)))
            return rc;
        top += leading > 0 ? leading : line_h(lay, size);
    }
    *bottom = top;
    return 0;
}

/* The same words, whatever the spacing and the case of ASCII letters. */
static bool same_words(const char *a, const char *b)
{
    for (;;) {
        while (*a == ' ' || *a == '\n' || *a == '\t')
            a++;
        while (*b == ' ' || *b == '\n' || *b == '\t')
            b++;
        if (!*a || !*b)
            return !*a && !*b;
        char x = *a >= 'A' && *a <= 'Z' ? (char)(*a + 32) : *a;
        char z = *b >= 'A' && *b <= 'Z' ? (char)(*b + 32) : *b;
        if (x != z)
            return false;
        bool sa = a[1] == ' ' || a[1] == '\n' || a[1] == '\t';
        bool sb = b[1] == ' ' || b[1] == '\n' || b[1] == '\t';
        if (sa != sb && a[1] && b[1])
            return false; /* a word boundary in one only */
        a++, b++;
    }
}

/* Does the letterhead print the logo's alt text (the partnership's name)?
 * Then the logo says nothing the text does not: it is an artifact, so that
 * a screen reader does not read the name twice. */
static bool alt_repeats_letterhead(const kl_node *lh, const char *alt)
{
    for (const kl_node *c = lh->first; c; c = c->next)
        if (c->kind != KL_NODE_FIGURE && c->text && same_words(c->text, alt))
            return true;
    return false;
}

/* The date or the reference, under the window: placed at *bottom, which
 * moves down past it. */
static int head_para(layout_state *lay, kl_selem *root, const kl_node *n, double *bottom)
{
    kl_selem *p = selem_new(lay, root, KL_ROLE_P, n);
    if (!p)
        return KL_ENOMEM;
    double top = *bottom + (n->kind == KL_NODE_DATE ? 4 * KL_MM : 0);
    const kl_tpara *tp;
    int rc = shape(lay, n->text, n, lay->body, false, lay->text_w, KL_TDIR_LANG, &tp);
    if (rc)
        return rc;
    for (uint32_t i = 0; i < tp->nlines; i++) {
        const kl_tline *l = &tp->lines[i];
        double x = tp->rtl ? lay->right - l->full_width : lay->left;
        if ((rc = place_line(lay, 0, p, l, x, top, lay->body)))
            return rc;
        top += line_h(lay, lay->body);
    }
    *bottom = top;
    return 0;
}

/* The letterhead's logo, at the top left. */
static int letterhead_logo(layout_state *lay, kl_selem *root, const kl_node *lh, const kl_node *c)
{
    double w, h;
    int rc;
    if ((rc = png_size(lay, c->src ? c->src : "", &w, &h)) < 0)
        return rc;
    fit(&w, &h, 80 * KL_MM, 24 * KL_MM);
    kl_selem *fig = NULL;
    if (c->alt && *c->alt && !alt_repeats_letterhead(lh, c->alt)) {
        if (!(fig = selem_new(lay, root, KL_ROLE_FIGURE, c)))
            return KL_ENOMEM;
        fig->alt = c->alt;
    }
    kl_item it = {.kind = KL_ITEM_IMAGE,
                  .se = fig,
                  .x = lay->left,
                  .y = lay->out->height - 12 * KL_MM - h,
                  .w = w,
                  .h = h,
                  .src = c->src};
    return page_add(lay, 0, &it);
}

/* One line of the letterhead in the right-hand column at col, from *top, in
 * the letterhead's P element (*p, made on first use); a phone, email or web
 * line is a Link inside it. */
static int letterhead_line(layout_state *lay, kl_selem *root, const kl_node *lh, const kl_node *c,
                           kl_selem **p, double col, double size, double *top)
{
    int rc;
    if (!*p && !(*p = selem_new(lay, root, KL_ROLE_P, lh)))
        return KL_ENOMEM;
    kl_selem *se = *p;
    const char *href = c->href;
    urange *u = NULL;
    size_t nu = 0;
    if (!href && (rc = find_links(lay, c->text, 0, &u, &nu)) < 0) {
        kl_free(u);
        return rc;
    }
    if (nu == 1 && u[0].a == 0 && u[0].b == u16_len(c->text))
        href = u[0].href; /* a line that is an address, given without href */
    kl_free(u);
    if (href) {
        if (!(se = selem_new(lay, *p, KL_ROLE_LINK, c)))
            return KL_ENOMEM;
        se->href = href;
    }
    return head_block(lay, se, c, col, lay->right - col, *top, size, 0, true, top);
}

/* The letterhead: the logo at the left, the lines at the right; *bottom moves
 * down when the lines reach lower. */
static int letterhead(layout_state *lay, kl_selem *root, const kl_node *n, double size,
                      double *bottom)
{
    double col = 122 * KL_MM, top = 12 * KL_MM;
    kl_selem *p = NULL;
    int rc;
    for (const kl_node *c = n->first; c; c = c->next) {
        if (c->kind == KL_NODE_FIGURE && (rc = letterhead_logo(lay, root, n, c)) < 0)
            return rc;
        if (c->kind != KL_NODE_FIGURE && c->text &&
            (rc = letterhead_line(lay, root, n, c, &p, col, size, &top)) < 0)
            return rc;
    }
    if (top > *bottom) /* a long letterhead pushes the date down */
        *bottom = top;
    return 0;
}

/* The address in the envelope window. */
static int address_window(layout_state *lay, kl_selem *root, const kl_node *n, double small)
{
    kl_selem *p = selem_new(lay, root, KL_ROLE_P, n);
    if (!p)
        return KL_ENOMEM;
    double top = KL_WINDOW_TOP + 2, x = KL_WINDOW_X + 2 * KL_MM;
    /* Up to 7 lines must fit the 26.8 mm window (GOV.UK Notify):
     * tighten the leading for long addresses, and the type with it,
     * but never below Royal Mail's 10 pt. */
    unsigned lines = 0;
    for (const kl_node *c = n->first; c; c = c->next)
        lines += c->text != NULL;
    double size = small, leading = line_h(lay, small);
    if (lines && leading * lines > KL_WINDOW_H - 4) {
        leading = (KL_WINDOW_H - 4) / lines;
        size = leading / 1.08;
        if (size > small)
            size = small;
        if (size < 10)
            size = 10;
        if (leading < size * 1.05) /* lines must never touch: then it cannot fit */
            leading = size * 1.05;
    }
    int rc;
    for (const kl_node *c = n->first; c; c = c->next)
        if (c->text && (rc = head_block(lay, p, c, x, KL_WINDOW_W - 4 * KL_MM, top, size, leading,
                                        false, &top)) < 0)
            return rc;
    if (top > KL_WINDOW_TOP + KL_WINDOW_H)
        return kl_core__error(lay->ctx, KL_EDATA, KL_NOWHERE,
                              "shorten the address to at most 7 lines",
                              "the address does not fit in the envelope window");
    return 0;
}

static int header(layout_state *lay, kl_selem *root)
{
    const kl_doc *d = lay->doc;
    double small = lay->body < 12 ? lay->body : 11; /* Royal Mail: 10-12 pt in the window */
    double bottom = KL_WINDOW_TOP + KL_WINDOW_H;
    int rc;
    /* A bilingual letter's reference opens its first language's section: it
     * goes under the date, as a one-language letter's does, not a blank line
     * lower in the flow. */
    bool ref_at_top = false;
    const kl_node *first_sect = NULL;
    for (const kl_node *n = d->root->first; n; n = n->next) {
        ref_at_top |= n->kind == KL_NODE_REFERENCE;
        if (n->kind == KL_NODE_SECTION && !first_sect)
            first_sect = n;
    }
    if (!ref_at_top && first_sect && first_sect->first &&
        first_sect->first->kind == KL_NODE_REFERENCE)
        lay->header_ref = first_sect->first;
    for (const kl_node *n = d->root->first; n; n = n->next) {
        if (n->kind == KL_NODE_LETTERHEAD)
            rc = letterhead(lay, root, n, small, &bottom);
        else if (n->kind == KL_NODE_ADDRESS)
            rc = address_window(lay, root, n, small);
        else if (n->kind == KL_NODE_DATE || n->kind == KL_NODE_REFERENCE)
            rc = head_para(lay, root, n, &bottom);
        else
            rc = 0;
        if (rc < 0)
            return rc;
    }
    if (lay->header_ref && (rc = head_para(lay, root, lay->header_ref, &bottom)) < 0)
        return rc;
    lay->header_bottom = bottom + gap(lay);
    if (lay->header_bottom < KL_BODY_TOP_PAGE1)
        lay->header_bottom = KL_BODY_TOP_PAGE1;
    return 0;
}

/* ---- pagination ---------------------------------------------------------- */

static void paginate(layout_state *lay, double page_top, double page_bottom)
{
    size_t page = 0;
    double cur = lay->header_bottom;
    bool at_top = true;
    for (size_t i = 0; i < lay->nflines;) {
        size_t j = i;
        double h = lay->flines[i].h;
        while (j + 1 < lay->nflines && lay->flines[j].keep_next && !lay->flines[j + 1].brk_before) {
            j++;
            h += lay->flines[j].before + lay->flines[j].h;
        }
        if (lay->flines[i].brk_before && !at_top) {
            page++;
            cur = page_top;
            at_top = true;
        }
        double before = at_top ? 0 : lay->flines[i].before;
        if (cur + before + h > page_bottom && !at_top) {
            page++;
            cur = page_top;
            at_top = true;
            before = 0;
        }
        /* A chain taller than a page is placed line by line. */
        bool split = cur + before + h > page_bottom;
        for (size_t k = i; k <= j; k++) {
            double b = k == i ? before : lay->flines[k].before;
            if (split && cur + b + lay->flines[k].h > page_bottom && !at_top) {
                page++;
                cur = page_top;
                b = 0;
            }
            cur += b;
            lay->flines[k].page = page;
            lay->flines[k].top = cur;
            cur += lay->flines[k].h;
            at_top = false;
        }
        i = j + 1;
    }
}

static void default_label(const char *fmt, unsigned n, unsigned total, kl_buf *b)
{
    for (const char *p = fmt; *p;) {
        if (!strncmp(p, "{n}", 3)) {
            kl_core__buf_printf(b, "%u", n);
            p += 3;
        } else if (!strncmp(p, "{total}", 7)) {
            kl_core__buf_printf(b, "%u", total);
            p += 7;
        } else {
            kl_core__buf_putc(b, *p++);
        }
    }
}

/* "Page 1 of 3" in the letter's language: the catalog's common.page message
 * (looked up by compose), formatted by ICU so numbers use the language's
 * digits. */
static int catalog_page_label(const kl_doc *doc, unsigned n, unsigned total, kl_buf *b)
{
    kl_fmt_arg args[] = {{"page", KL_ARG_NUMBER, NULL, (double)n, {0, 0, 0}},
                         {"pages", KL_ARG_NUMBER, NULL, (double)total, {0, 0, 0}}};
    char *s = NULL;
    kl_fmt_error fe;
    int rc = kl_catalog__format(doc->page_lang, doc->page_pattern, args, 2, &s, &fe);
    if (rc == 0) {
        kl_core__buf_puts(b, s);
        kl_free(s);
    } else if (rc == KL_ENOMEM) {
        return rc; /* not a silent "1 / 3" instead of the letter's own words */
    } else {
        kl_core__buf_printf(b, "%u / %u", n, total);
    }
    return 0;
}

/* The label of page n of total: the caller's function's, the letter's
 * catalog pattern, or the default ("Page {n} of {total}"). */
static int page_label(layout_state *lay, unsigned n, unsigned total, kl_buf *b)
{
    int rc = 0;
    if (lay->opts->page_label_fn) {
        char label[256]; /* the function's contract: it writes at most sizeof label bytes */
        if ((rc = lay->opts->page_label_fn(n, total, label, sizeof label,
                                           lay->opts->page_label_userdata)) == 0)
            kl_core__buf_puts(b, label);
    } else if (!lay->opts->page_label && lay->doc->page_pattern) {
        rc = catalog_page_label(lay->doc, n, total, b);
    } else {
        default_label(lay->opts->page_label ? lay->opts->page_label : "Page {n} of {total}", n,
                      total, b);
    }
    if (rc == KL_ENOMEM || (!rc && b->oom))
        return kl_core__oom(lay->ctx);
    return rc;
}

static int page_numbers(layout_state *lay)
{
    unsigned total = (unsigned)lay->out->npages;
    int rc = 0;
    for (unsigned i = 0; i < total; i++) {
        kl_buf label = KL_BUF_INIT;
        const kl_tpara *p;
        if ((rc = page_label(lay, i + 1, total, &label)) < 0 ||
            (rc = shape(lay, label.data ? label.data : "", lay->doc->root, lay->body, false, 0,
                        KL_TDIR_LANG, &p)) < 0) {
            kl_core__buf_free(&label);
            return rc;
        }
        kl_core__buf_free(&label);
        const kl_tline *l = &p->lines[0];
        kl_item it = {.kind = KL_ITEM_TEXT,
                      .se = NULL,
                      .line = l,
                      .x = (lay->out->width - l->width) / 2,
                      .y = 12 * KL_MM,
                      .w = l->width,
                      .h = lay->body};
        if ((rc = page_add(lay, i, &it)) < 0)
            return rc;
    }
    return 0;
}

void kl_layout__free(kl_layout *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->npages; i++)
        kl_free(l->pages[i].items);
    kl_free(l->pages);
    selem_free(l->root);
    if (l->owned)
        for (size_t i = 0; i < l->nowned; i++)
            kl_free(l->owned[i]);
    kl_free(l->owned);
    for (size_t i = 0; i < l->nheld; i++)
        kl_text__para_release(l->held[i]);
    kl_free(l->held);
    kl_free(l);
}

void kl_layout__release(kl_layout *l, size_t from, size_t to, size_t held_from, size_t held_to)
{
    for (size_t i = from; i < to && i < l->npages; i++) {
        kl_free(l->pages[i].items);
        l->pages[i] = (kl_page){0};
    }
    for (size_t i = held_from; i < held_to && i < l->nheld; i++) {
        kl_text__para_release(l->held[i]);
        l->held[i] = NULL;
    }
}

void kl_layout__shrink(kl_layout *l)
{
    for (size_t i = 0; i < l->npages; i++)
        KL_SHRINK(l->pages[i].items, l->pages[i].cap, l->pages[i].n);
    KL_SHRINK(l->pages, l->cap_pages, l->npages);
    KL_SHRINK(l->owned, l->cap_owned, l->nowned);
    KL_SHRINK(l->held, l->cap_held, l->nheld);
}

/* ---- a layout without its document --------------------------------------- */

/* A string l borrowed and where its copy is in the block. */
typedef struct detached {
    const char *old;
    size_t off;
} detached;

/* Where l points to a string: every such pointer's address (the lines of a
 * right-to-left paragraph share one array of runs, so an address may come
 * more than once). */
typedef struct slots {
    const char ***v;
    size_t n, cap;
} slots;

static int slot_add(slots *sl, const char **at)
{
    if (!*at)
        return 0;
    if (KL_GROW(sl->v, sl->cap, sl->n + 1) < 0)
        return KL_ENOMEM;
    sl->v[sl->n++] = at;
    return 0;
}

static int selem_slots(slots *sl, kl_selem *s)
{
    for (; s; s = s->next) {
        int rc;
        if ((rc = slot_add(sl, &s->lang)) < 0 || (rc = slot_add(sl, &s->alt)) < 0 ||
            (rc = slot_add(sl, &s->href)) < 0 || (rc = slot_add(sl, &s->text)) < 0 ||
            (rc = selem_slots(sl, s->first)) < 0)
            return rc;
    }
    return 0;
}

static int item_slots(slots *sl, kl_layout *l)
{
    for (size_t p = 0; p < l->npages; p++)
        for (size_t i = 0; i < l->pages[p].n; i++) {
            kl_item *it = &l->pages[p].items[i];
            /* The runs' array is the layout's own (keep()). */
            kl_langrun *lr = (kl_langrun *)(uintptr_t)it->langs;
            int rc;
            if ((rc = slot_add(sl, &it->src)) < 0)
                return rc;
            for (uint32_t k = 0; k < it->nlangs; k++)
                if ((rc = slot_add(sl, &lr[k].lang)) < 0)
                    return rc;
        }
    return 0;
}

static int by_address(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)((const detached *)a)->old, y = (uintptr_t)((const detached *)b)->old;
    return x < y ? -1 : x > y;
}

int kl_layout__detach(kl_layout *l)
{
    slots sl = {.n = 0};
    detached *d = NULL;
    char *block = NULL;
    size_t n = 0, size = 0;
    int rc;
    if ((rc = slot_add(&sl, &l->lang)) < 0 || (rc = selem_slots(&sl, l->root)) < 0 ||
        (rc = item_slots(&sl, l)) < 0 || !sl.n)
        goto done;
    /* Each distinct string once, in address order, copied into one block. */
    if (!(d = kl_core__malloc(sl.n * sizeof *d))) {
        rc = KL_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < sl.n; i++)
        d[i].old = *sl.v[i];
    qsort(d, sl.n, sizeof *d, by_address);
    for (size_t i = 0; i < sl.n; i++)
        if (!n || d[i].old != d[n - 1].old) {
            d[n].old = d[i].old;
            d[n++].off = size;
            size += strlen(d[i].old) + 1;
        }
    if (KL_GROW(l->owned, l->cap_owned, l->nowned + 1) < 0 || !(block = kl_core__malloc(size))) {
        rc = KL_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        memcpy(block + d[i].off, d[i].old, strlen(d[i].old) + 1);
    for (size_t i = 0; i < sl.n; i++) {
        detached key = {.old = *sl.v[i]};
        const detached *hit = bsearch(&key, d, n, sizeof *d, by_address);
        if (hit) /* else a shared array's entry, moved already */
            *sl.v[i] = block + hit->off;
    }
    l->owned[l->nowned++] = block;
done:
    kl_free(d);
    kl_free(sl.v);
    return rc;
}

int kl_layout__run(kl_context *ctx, const kl_doc *doc, const kl_layout_opts *opts, kl_layout **out)
{
    *out = NULL;
    if (!doc || !doc->root || !opts || !opts->fonts || !opts->cache)
        return kl_core__error(ctx, KL_EINVAL, KL_NOWHERE, NULL, "kl_layout__run: bad arguments");
    kl_layout *layout = kl_core__calloc(1, sizeof *layout);
    if (!layout)
        return kl_core__oom(ctx);
    layout_state lay = {.ctx = ctx, .doc = doc, .opts = opts, .out = layout};
    lay.body = doc->body_pt >= 8 && doc->body_pt <= 72 ? doc->body_pt : 14;
    lay.spacing = opts->line_spacing > 0.9 && opts->line_spacing < 4 ? opts->line_spacing : 1.4;
    layout->width = KL_A4_W;
    layout->height = KL_A4_H;
    layout->lang = kl_doc__lang(doc->root);
    lay.left = KL_MARGIN;
    lay.right = layout->width - KL_MARGIN;
    lay.text_w = lay.right - lay.left;
    int rc = 0;
    if (!(layout->root = selem_new(&lay, NULL, KL_ROLE_DOCUMENT, doc->root))) {
        rc = KL_ENOMEM;
        goto done;
    }
    /* Page 1 exists even when empty. */
    if (KL_GROW(layout->pages, layout->cap_pages, 1) < 0) {
        rc = kl_core__oom(ctx);
        goto done;
    }
    memset(&layout->pages[0], 0, sizeof *layout->pages);
    layout->npages = 1;
    if ((rc = header(&lay, layout->root)) < 0)
        goto done;
    for (const kl_node *n = doc->root->first; n; n = n->next)
        if (n->kind != KL_NODE_LETTERHEAD && n->kind != KL_NODE_ADDRESS &&
            n->kind != KL_NODE_DATE && n->kind != KL_NODE_REFERENCE &&
            (rc = flow_node(&lay, layout->root, n)) < 0)
            goto done;
    double page_top = 20 * KL_MM;
    double page_bottom = layout->height - 12 * KL_MM - line_h(&lay, lay.body) * 1.5;
    paginate(&lay, page_top, page_bottom);
    for (size_t i = 0; i < lay.npieces; i++) {
        const piece *p = &lay.pieces[i];
        const fline *f = &lay.flines[p->fline];
        kl_item it = {.kind = p->kind,
                      .se = p->se,
                      .line = p->line,
                      .x = p->x,
                      .y = layout->height - (f->top + p->base),
                      .w = p->w,
                      .h = p->h,
                      .src = p->src,
                      .langs = p->langs,
                      .nlangs = p->nlangs};
        if ((rc = page_add(&lay, f->page, &it)) < 0)
            goto done;
    }
    rc = page_numbers(&lay);
done:
    kl_free(lay.pieces);
    kl_free(lay.flines);
    if (rc) {
        kl_layout__free(layout);
        return rc;
    }
    *out = layout;
    return 0;
}
