/* SPDX-License-Identifier: MIT */
/* layout/layout.c: clear-print layout of a letter: postal window, flow, pagination, page numbers.
 */
#include "layout/layout.h"
#include "text/font.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* A piece of a flow line: a shaped line or an image, placed relative to the
 * top of its flow line. Pieces are kept in reading order. */
typedef struct piece {
    size_t fl; /* flow line */
    kl_item_kind kind;
    kl_selem *se;
    const kl_tline *line;
    double x, base; /* x from the page's left edge; baseline (or image bottom) below the line top */
    double w, h;
    const char *src;
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

typedef struct lay {
    kl_context *ctx;
    const kl_doc *doc;
    const kl_layout_opts *o;
    kl_layout *L;
    double body, ls, left, right, tw;
    piece *pc;
    size_t npc, cappc;
    fline *fl;
    size_t nfl, capfl;
    bool brk;
    double header_bottom; /* page 1: where the flow may start */
} lay;

static double line_h(const lay *y, double size)
{
    return size * y->ls;
}

static double baseline(const lay *y, double size)
{
    return size * (0.8 + (y->ls - 1) / 2);
}

/* Line height and baseline of a shaped paragraph: the letter's spacing, or
 * more when a font reaches further above and below the line than that spacing
 * allows (Noto Nastaliq Urdu spans 2.5 em; Noto Sans 1.36 em). */
typedef struct vmetrics {
    double h, base;
} vmetrics;

static vmetrics para_metrics(const lay *y, const kl_tpara *p, double size)
{
    vmetrics m = {line_h(y, size), baseline(y, size)};
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

static kl_selem *se_new(lay *y, kl_selem *parent, kl_role role, const kl_node *n)
{
    kl_selem *s = kl_calloc(1, sizeof *s);
    if (!s) {
        kl_oom(y->ctx);
        return NULL;
    }
    s->id = y->L->nselems++;
    s->role = role;
    s->lang = n ? kl_doc__lang(n) : y->L->lang;
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

static void se_free(kl_selem *s)
{
    while (s) {
        kl_selem *next = s->next;
        se_free(s->first);
        kl_free(s);
        s = next;
    }
}

/* ---- pages --------------------------------------------------------------- */

static int page_add(lay *y, size_t page, const kl_item *it)
{
    while (y->L->npages <= page) {
        kl_page *grown = kl_realloc(y->L->pages, (y->L->npages + 1) * sizeof *grown);
        if (!grown)
            return kl_oom(y->ctx);
        y->L->pages = grown;
        memset(&grown[y->L->npages++], 0, sizeof *grown);
    }
    kl_page *p = &y->L->pages[page];
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 32;
        kl_item *grown = kl_realloc(p->items, cap * sizeof *grown);
        if (!grown)
            return kl_oom(y->ctx);
        p->items = grown;
        p->cap = cap;
    }
    p->items[p->n++] = *it;
    return 0;
}

/* Place a shaped line with its top at top (from the top of page). */
static int place_line(lay *y, size_t page, kl_selem *se, const kl_tline *l, double x, double top,
                      double size)
{
    kl_item it = {.kind = KL_ITEM_TEXT,
                  .se = se,
                  .line = l,
                  .x = x,
                  .y = y->L->height - (top + baseline(y, size)),
                  .w = l->width,
                  .h = size};
    return page_add(y, page, &it);
}

/* ---- flow ---------------------------------------------------------------- */

static long fl_add(lay *y, size_t count, double h, double before)
{
    if (y->nfl + count > y->capfl) {
        size_t cap = (y->capfl + count) * 2;
        fline *grown = kl_realloc(y->fl, cap * sizeof *grown);
        if (!grown)
            return kl_oom(y->ctx), -1;
        y->fl = grown;
        y->capfl = cap;
    }
    size_t first = y->nfl;
    for (size_t i = 0; i < count; i++) {
        fline *f = &y->fl[y->nfl++];
        memset(f, 0, sizeof *f);
        f->h = h;
        f->before = i == 0 ? before : 0;
    }
    if (y->brk) {
        y->fl[first].brk_before = true;
        y->brk = false;
    }
    return (long)first;
}

static int pc_add(lay *y, const piece *p)
{
    if (y->npc == y->cappc) {
        size_t cap = y->cappc ? y->cappc * 2 : 64;
        piece *grown = kl_realloc(y->pc, cap * sizeof *grown);
        if (!grown)
            return kl_oom(y->ctx);
        y->pc = grown;
        y->cappc = cap;
    }
    y->pc[y->npc++] = *p;
    return 0;
}

static int shape(lay *y, const char *text, const kl_node *n, double size, bool bold, double width,
                 kl_tdir dir, const kl_tpara **out)
{
    kl_tstyle st = {.lang = kl_doc__lang(n),
                    .bold = bold,
                    .size = (float)size,
                    .width = (float)width,
                    .dir = dir};
    int rc = kl_text__para(y->ctx, y->o->fonts, y->o->cache, text ? text : "", &st, out);
    if (rc && y->doc->member_id) {
        const kl_diagnostic *e = kl_context_last_error(y->ctx);
        (void)e; /* the text module's message already names the character and text */
    }
    return rc;
}

/* Lines of p as pieces on flow lines first.. (created by the caller). */
static int pieces_for(lay *y, size_t first, kl_selem *se, const kl_tpara *p, double x0,
                      double width, double size)
{
    for (uint32_t i = 0; i < p->nlines; i++) {
        const kl_tline *l = &p->lines[i];
        piece pc = {.fl = first + i,
                    .kind = KL_ITEM_TEXT,
                    .se = se,
                    .line = l,
                    .x = p->rtl ? x0 + width - l->full_width : x0,
                    .base = para_metrics(y, p, size).base,
                    .w = l->width,
                    .h = size};
        int rc = pc_add(y, &pc);
        if (rc)
            return rc;
    }
    return 0;
}

/* No single first or last line of a block alone on a page. */
static void keep_orphans(lay *y, size_t first, size_t n)
{
    if (n >= 2) {
        y->fl[first].keep_next = true;
        y->fl[first + n - 2].keep_next = true;
    }
}

static int flow_text(lay *y, kl_selem *se, const kl_node *n, const char *text, double size,
                     bool bold, double before, bool keep_all, kl_tdir dir)
{
    const kl_tpara *p;
    int rc = shape(y, text, n, size, bold, y->tw, dir, &p);
    if (rc)
        return rc;
    long first = fl_add(y, p->nlines, para_metrics(y, p, size).h, before);
    if (first < 0)
        return KL_ENOMEM;
    if ((rc = pieces_for(y, (size_t)first, se, p, y->left, y->tw, size)))
        return rc;
    keep_orphans(y, (size_t)first, p->nlines);
    if (keep_all)
        for (uint32_t i = 0; i < p->nlines; i++)
            y->fl[(size_t)first + i].keep_next = true;
    if (n->keep_with_next)
        y->fl[y->nfl - 1].keep_next = true;
    return 0;
}

static double gap(const lay *y)
{
    return line_h(y, y->body) - y->body * 0.0; /* a blank line between blocks */
}

static int flow_list(lay *y, kl_selem *parent, const kl_node *list)
{
    kl_selem *L = se_new(y, parent, KL_ROLE_L, list);
    if (!L)
        return KL_ENOMEM;
    double size = y->body, indent = size * 1.8;
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
        kl_selem *li = se_new(y, L, KL_ROLE_LI, it);
        kl_selem *lbl = li ? se_new(y, li, KL_ROLE_LBL, it) : NULL;
        kl_selem *body = lbl ? se_new(y, li, KL_ROLE_LBODY, it) : NULL;
        if (!body)
            return KL_ENOMEM;
        const kl_tpara *pl, *pb;
        if ((rc = shape(y, label, it, size, false, indent, KL_TDIR_LANG, &pl)) ||
            (rc = shape(y, it->text, it, size, false, y->tw - indent, KL_TDIR_LANG, &pb)))
            return rc;
        vmetrics vm = para_metrics(y, pb, size);
        long first = fl_add(y, pb->nlines, vm.h, first_item ? gap(y) : line_h(y, size) * 0.3);
        if (first < 0)
            return KL_ENOMEM;
        first_item = false;
        const kl_tline *ll = &pl->lines[0];
        piece pc = {.fl = (size_t)first,
                    .kind = KL_ITEM_TEXT,
                    .se = lbl,
                    .line = ll,
                    .x = pb->rtl ? y->right - ll->width : y->left,
                    .base = vm.base,
                    .w = ll->width,
                    .h = size};
        if ((rc = pc_add(y, &pc)) ||
            (rc = pieces_for(y, (size_t)first, body, pb, pb->rtl ? y->left : y->left + indent,
                             y->tw - indent, size)))
            return rc;
        keep_orphans(y, (size_t)first, pb->nlines);
    }
    return 0;
}

static int flow_contact(lay *y, kl_selem *parent, const kl_node *table)
{
    kl_selem *T = se_new(y, parent, KL_ROLE_TABLE, table);
    if (!T)
        return KL_ENOMEM;
    double size = y->body;
    int rc;
    /* Two columns when the labels fit in 40% of the line, else stacked. */
    double labelw = 0;
    for (const kl_node *r = table->first; r; r = r->next) {
        const kl_tpara *p;
        if (r->kind != KL_NODE_ROW)
            continue;
        if ((rc = shape(y, r->label, r, size, true, 0, KL_TDIR_LANG, &p)))
            return rc;
        for (uint32_t i = 0; i < p->nlines; i++)
            if (p->lines[i].width > labelw)
                labelw = p->lines[i].width;
    }
    bool stacked = labelw > y->tw * 0.4;
    double col = stacked ? y->tw : labelw + size;
    bool first_row = true;
    for (const kl_node *r = table->first; r; r = r->next) {
        if (r->kind != KL_NODE_ROW)
            continue;
        kl_selem *tr = se_new(y, T, KL_ROLE_TR, r);
        kl_selem *th = tr ? se_new(y, tr, KL_ROLE_TH, r) : NULL;
        kl_selem *td = th ? se_new(y, tr, KL_ROLE_TD, r) : NULL;
        kl_selem *val = td;
        if (td && r->href) {
            val = se_new(y, td, KL_ROLE_LINK, r);
            if (val)
                val->href = r->href;
        }
        if (!val)
            return KL_ENOMEM;
        const kl_tpara *pl, *pv;
        double vw = stacked ? y->tw : y->tw - col;
        if ((rc = shape(y, r->label, r, size, true, stacked ? y->tw : col, KL_TDIR_LANG, &pl)) ||
            (rc = shape(y, r->text, r, size, false, vw, KL_TDIR_AUTO, &pv)))
            return rc;
        bool rtl = pl->rtl;
        size_t nl =
            stacked ? pl->nlines + pv->nlines : (pl->nlines > pv->nlines ? pl->nlines : pv->nlines);
        vmetrics vl = para_metrics(y, pl, size), vv = para_metrics(y, pv, size);
        long first =
            fl_add(y, nl, vl.h > vv.h ? vl.h : vv.h, first_row ? gap(y) : line_h(y, size) * 0.3);
        if (first < 0)
            return KL_ENOMEM;
        first_row = false;
        double lx = rtl ? y->right - col : y->left;
        double vx = stacked ? y->left : (rtl ? y->left : y->left + col);
        if ((rc = pieces_for(y, (size_t)first, th, pl, lx, col, size)) ||
            (rc = pieces_for(y, (size_t)first + (stacked ? pl->nlines : 0), val, pv, vx, vw, size)))
            return rc;
        for (size_t i = 0; i + 1 < nl; i++)
            y->fl[(size_t)first + i].keep_next = true;
    }
    return 0;
}

/* Width and height of a PNG from its header; 0 if it is not one. */
static int png_size(lay *y, const char *path, double *w, double *h)
{
    unsigned char hdr[24];
    FILE *f = fopen(path, "rb");
    size_t got = f ? fread(hdr, 1, sizeof hdr, f) : 0;
    if (f)
        fclose(f);
    if (!f)
        return kl_error(y->ctx, KL_EIO, KL_AT(path, 0, 0), "check the logo path in the review",
                        "cannot open the image: %s", strerror(errno));
    if (got < 24 || memcmp(hdr, "\x89PNG\r\n\x1a\n", 8) || memcmp(hdr + 12, "IHDR", 4))
        return kl_error(y->ctx, KL_EFORMAT, KL_AT(path, 0, 0), "use a PNG image",
                        "the image is not a PNG file");
    unsigned long pw = (unsigned long)hdr[16] << 24 | hdr[17] << 16 | hdr[18] << 8 | hdr[19];
    unsigned long ph = (unsigned long)hdr[20] << 24 | hdr[21] << 16 | hdr[22] << 8 | hdr[23];
    if (!pw || !ph)
        return kl_error(y->ctx, KL_EFORMAT, KL_AT(path, 0, 0), NULL, "the image has no pixels");
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

static int flow_figure(lay *y, kl_selem *parent, const kl_node *n)
{
    double w, h;
    int rc = png_size(y, n->src ? n->src : "", &w, &h);
    if (rc)
        return rc;
    fit(&w, &h, y->tw, y->L->height * 0.4);
    kl_selem *fig = n->alt && *n->alt ? se_new(y, parent, KL_ROLE_FIGURE, n) : NULL;
    if (fig)
        fig->alt = n->alt;
    else if (n->alt && *n->alt)
        return KL_ENOMEM;
    long first = fl_add(y, 1, h, gap(y));
    if (first < 0)
        return KL_ENOMEM;
    piece pc = {.fl = (size_t)first,
                .kind = KL_ITEM_IMAGE,
                .se = fig,
                .x = y->left,
                .base = h,
                .w = w,
                .h = h,
                .src = n->src};
    return pc_add(y, &pc);
}

static int flow_node(lay *y, kl_selem *parent, const kl_node *n);

static int flow_children(lay *y, kl_selem *parent, const kl_node *n)
{
    for (const kl_node *c = n->first; c; c = c->next) {
        int rc = flow_node(y, parent, c);
        if (rc)
            return rc;
    }
    return 0;
}

static double heading_size(const lay *y, int level)
{
    return y->body * (level <= 1 ? 1.5 : level == 2 ? 1.25 : 1.1);
}

static int flow_node(lay *y, kl_selem *parent, const kl_node *n)
{
    kl_selem *se;
    switch (n->kind) {
    case KL_NODE_SECTION:
        if (!(se = se_new(y, parent, KL_ROLE_SECT, n)))
            return KL_ENOMEM;
        return flow_children(y, se, n);
    case KL_NODE_HEADING: {
        if (!(se = se_new(y, parent, KL_ROLE_H, n)))
            return KL_ENOMEM;
        se->level = n->level < 1 ? 1 : n->level > 6 ? 6 : n->level;
        se->text = n->text;
        size_t first = y->nfl;
        int rc = flow_text(y, se, n, n->text, heading_size(y, se->level), true, gap(y), true,
                           KL_TDIR_LANG);
        (void)first;
        return rc;
    }
    case KL_NODE_PARAGRAPH:
    case KL_NODE_SALUTATION:
    case KL_NODE_DATE:
    case KL_NODE_REFERENCE:
        if (!(se = se_new(y, parent, KL_ROLE_P, n)))
            return KL_ENOMEM;
        return flow_text(y, se, n, n->text, y->body, false, gap(y), false, KL_TDIR_LANG);
    case KL_NODE_LIST:
        return flow_list(y, parent, n);
    case KL_NODE_CONTACT:
        return flow_contact(y, parent, n);
    case KL_NODE_SIGNATURE: {
        if (!(se = se_new(y, parent, KL_ROLE_P, n)))
            return KL_ENOMEM;
        bool first = true;
        for (const kl_node *c = n->first; c; c = c->next) {
            int rc = flow_text(y, se, c, c->text, y->body, false, first ? gap(y) : 0, true,
                               KL_TDIR_LANG);
            if (rc)
                return rc;
            first = false;
        }
        if (n->text && !n->first)
            return flow_text(y, se, n, n->text, y->body, false, gap(y), true, KL_TDIR_LANG);
        if (y->nfl)
            y->fl[y->nfl - 1].keep_next = false;
        return 0;
    }
    case KL_NODE_FIGURE:
        return flow_figure(y, parent, n);
    case KL_NODE_PAGE_BREAK:
        y->brk = true;
        return 0;
    case KL_NODE_LINE:
        if (!(se = se_new(y, parent, KL_ROLE_P, n)))
            return KL_ENOMEM;
        return flow_text(y, se, n, n->text, y->body, false, 0, false, KL_TDIR_AUTO);
    default:
        return 0;
    }
}

/* ---- page 1: letterhead, postal window, date and reference ---------------- */

/* leading: distance between baselines, or 0 for the letter's line spacing. */
static int head_block(lay *y, kl_selem *se, const kl_node *n, double x, double width, double top,
                      double size, double leading, bool right, double *bottom)
{
    const kl_tpara *p;
    int rc = shape(y, n->text, n, size, false, width, KL_TDIR_AUTO, &p);
    if (rc)
        return rc;
    for (uint32_t i = 0; i < p->nlines; i++) {
        const kl_tline *l = &p->lines[i];
        double lx = (right || p->rtl) ? x + width - (p->rtl ? l->full_width : l->width) : x;
        if ((rc = place_line(y, 0, se, l, lx, top, size)))
            return rc;
        top += leading > 0 ? leading : line_h(y, size);
    }
    *bottom = top;
    return 0;
}

static int header(lay *y, kl_selem *root)
{
    const kl_doc *d = y->doc;
    double small = y->body < 12 ? y->body : 11; /* Royal Mail: 10-12 pt in the window */
    double bottom = KL_WINDOW_TOP + KL_WINDOW_H;
    int rc;
    for (const kl_node *n = d->root->first; n; n = n->next) {
        if (n->kind == KL_NODE_LETTERHEAD) {
            double col = 122 * KL_MM, top = 12 * KL_MM;
            kl_selem *p = NULL;
            for (const kl_node *c = n->first; c; c = c->next) {
                if (c->kind == KL_NODE_FIGURE) {
                    double w, h;
                    if ((rc = png_size(y, c->src ? c->src : "", &w, &h)))
                        return rc;
                    fit(&w, &h, 80 * KL_MM, 24 * KL_MM);
                    kl_selem *fig = NULL;
                    if (c->alt && *c->alt) {
                        if (!(fig = se_new(y, root, KL_ROLE_FIGURE, c)))
                            return KL_ENOMEM;
                        fig->alt = c->alt;
                    }
                    kl_item it = {.kind = KL_ITEM_IMAGE,
                                  .se = fig,
                                  .x = y->left,
                                  .y = y->L->height - 12 * KL_MM - h,
                                  .w = w,
                                  .h = h,
                                  .src = c->src};
                    if ((rc = page_add(y, 0, &it)))
                        return rc;
                } else if (c->text) {
                    if (!p && !(p = se_new(y, root, KL_ROLE_P, n)))
                        return KL_ENOMEM;
                    if ((rc = head_block(y, p, c, col, y->right - col, top, small, 0, true, &top)))
                        return rc;
                }
            }
            if (top > bottom) /* a long letterhead pushes the date down */
                bottom = top;
        } else if (n->kind == KL_NODE_ADDRESS) {
            kl_selem *p = se_new(y, root, KL_ROLE_P, n);
            if (!p)
                return KL_ENOMEM;
            double top = KL_WINDOW_TOP + 2, x = KL_WINDOW_X + 2 * KL_MM;
            /* Up to 7 lines must fit the 26.8 mm window (GOV.UK Notify):
             * tighten the leading for long addresses, and the type with it,
             * but never below Royal Mail's 10 pt. */
            unsigned lines = 0;
            for (const kl_node *c = n->first; c; c = c->next)
                lines += c->text != NULL;
            double size = small, leading = line_h(y, small);
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
            for (const kl_node *c = n->first; c; c = c->next)
                if (c->text && (rc = head_block(y, p, c, x, KL_WINDOW_W - 4 * KL_MM, top, size,
                                                leading, false, &top)))
                    return rc;
            if (top > KL_WINDOW_TOP + KL_WINDOW_H)
                return kl_error(y->ctx, KL_EDATA, KL_NOWHERE,
                                "shorten the address to at most 7 lines",
                                "the address does not fit in the envelope window");
        } else if (n->kind == KL_NODE_DATE || n->kind == KL_NODE_REFERENCE) {
            kl_selem *p = se_new(y, root, KL_ROLE_P, n);
            if (!p)
                return KL_ENOMEM;
            double top = bottom + (n->kind == KL_NODE_DATE ? 4 * KL_MM : 0);
            const kl_tpara *tp;
            if ((rc = shape(y, n->text, n, y->body, false, y->tw, KL_TDIR_LANG, &tp)))
                return rc;
            for (uint32_t i = 0; i < tp->nlines; i++) {
                const kl_tline *l = &tp->lines[i];
                double x = tp->rtl ? y->right - l->full_width : y->left;
                if ((rc = place_line(y, 0, p, l, x, top, y->body)))
                    return rc;
                top += line_h(y, y->body);
            }
            bottom = top;
        }
    }
    y->header_bottom = bottom + gap(y);
    if (y->header_bottom < KL_BODY_TOP_PAGE1)
        y->header_bottom = KL_BODY_TOP_PAGE1;
    return 0;
}

/* ---- pagination ---------------------------------------------------------- */

static void paginate(lay *y, double page_top, double page_bottom)
{
    size_t page = 0;
    double cur = y->header_bottom;
    bool at_top = true;
    for (size_t i = 0; i < y->nfl;) {
        size_t j = i;
        double h = y->fl[i].h;
        while (j + 1 < y->nfl && y->fl[j].keep_next && !y->fl[j + 1].brk_before) {
            j++;
            h += y->fl[j].before + y->fl[j].h;
        }
        if (y->fl[i].brk_before && !at_top) {
            page++;
            cur = page_top;
            at_top = true;
        }
        double before = at_top ? 0 : y->fl[i].before;
        if (cur + before + h > page_bottom && !at_top) {
            page++;
            cur = page_top;
            at_top = true;
            before = 0;
        }
        /* A chain taller than a page is placed line by line. */
        bool split = cur + before + h > page_bottom;
        for (size_t k = i; k <= j; k++) {
            double b = k == i ? before : y->fl[k].before;
            if (split && cur + b + y->fl[k].h > page_bottom && !at_top) {
                page++;
                cur = page_top;
                b = 0;
            }
            cur += b;
            y->fl[k].page = page;
            y->fl[k].top = cur;
            cur += y->fl[k].h;
            at_top = false;
        }
        i = j + 1;
    }
}

static void default_label(const char *fmt, unsigned n, unsigned total, char *out, size_t cap)
{
    size_t k = 0;
    for (const char *p = fmt; *p && k + 1 < cap;) {
        char num[16] = "";
        if (!strncmp(p, "{n}", 3)) {
            snprintf(num, sizeof num, "%u", n);
            p += 3;
        } else if (!strncmp(p, "{total}", 7)) {
            snprintf(num, sizeof num, "%u", total);
            p += 7;
        } else {
            out[k++] = *p++;
            continue;
        }
        for (char *q = num; *q && k + 1 < cap; q++)
            out[k++] = *q;
    }
    out[k] = '\0';
}

static int page_numbers(lay *y)
{
    unsigned total = (unsigned)y->L->npages;
    y->L->owned = kl_calloc(total, sizeof *y->L->owned);
    if (!y->L->owned)
        return kl_oom(y->ctx);
    for (unsigned i = 0; i < total; i++) {
        char label[256];
        if (y->o->page_label_fn)
            y->o->page_label_fn(i + 1, total, label, sizeof label, y->o->page_label_userdata);
        else
            default_label(y->o->page_label ? y->o->page_label : "Page {n} of {total}", i + 1, total,
                          label, sizeof label);
        const kl_tpara *p;
        int rc = shape(y, label, y->doc->root, y->body, false, 0, KL_TDIR_LANG, &p);
        if (rc)
            return rc;
        const kl_tline *l = &p->lines[0];
        kl_item it = {.kind = KL_ITEM_TEXT,
                      .se = NULL,
                      .line = l,
                      .x = (y->L->width - l->width) / 2,
                      .y = 12 * KL_MM,
                      .w = l->width,
                      .h = y->body};
        if ((rc = page_add(y, i, &it)))
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
    se_free(l->root);
    if (l->owned)
        for (size_t i = 0; i < l->nowned; i++)
            kl_free(l->owned[i]);
    kl_free(l->owned);
    kl_free(l);
}

int kl_layout__run(kl_context *ctx, const kl_doc *doc, const kl_layout_opts *opts, kl_layout **out)
{
    *out = NULL;
    if (!doc || !doc->root || !opts || !opts->fonts || !opts->cache)
        return kl_error(ctx, KL_EINVAL, KL_NOWHERE, NULL, "kl_layout__run: bad arguments");
    kl_layout *L = kl_calloc(1, sizeof *L);
    if (!L)
        return kl_oom(ctx);
    lay y = {.ctx = ctx, .doc = doc, .o = opts, .L = L};
    y.body = doc->body_pt >= 8 && doc->body_pt <= 72 ? doc->body_pt : 14;
    y.ls = opts->line_spacing > 0.9 && opts->line_spacing < 4 ? opts->line_spacing : 1.4;
    L->width = KL_A4_W;
    L->height = KL_A4_H;
    L->lang = kl_doc__lang(doc->root);
    y.left = KL_MARGIN;
    y.right = L->width - KL_MARGIN;
    y.tw = y.right - y.left;
    int rc = 0;
    if (!(L->root = se_new(&y, NULL, KL_ROLE_DOCUMENT, doc->root)))
        rc = KL_ENOMEM;
    kl_item none;
    (void)none;
    if (!rc) {
        /* Page 1 exists even when empty. */
        if (!(L->pages = kl_calloc(1, sizeof *L->pages)))
            rc = kl_oom(ctx);
        else
            L->npages = 1;
    }
    if (!rc)
        rc = header(&y, L->root);
    for (const kl_node *n = doc->root->first; n && !rc; n = n->next)
        if (n->kind != KL_NODE_LETTERHEAD && n->kind != KL_NODE_ADDRESS &&
            n->kind != KL_NODE_DATE && n->kind != KL_NODE_REFERENCE)
            rc = flow_node(&y, L->root, n);
    if (!rc) {
        double page_top = 20 * KL_MM;
        double page_bottom = L->height - 12 * KL_MM - line_h(&y, y.body) * 1.5;
        paginate(&y, page_top, page_bottom);
        for (size_t i = 0; i < y.npc && !rc; i++) {
            const piece *p = &y.pc[i];
            const fline *f = &y.fl[p->fl];
            kl_item it = {.kind = p->kind,
                          .se = p->se,
                          .line = p->line,
                          .x = p->x,
                          .y = L->height - (f->top + p->base),
                          .w = p->w,
                          .h = p->h,
                          .src = p->src};
            rc = page_add(&y, f->page, &it);
        }
    }
    if (!rc)
        rc = page_numbers(&y);
    kl_free(y.pc);
    kl_free(y.fl);
    if (rc) {
        kl_layout__free(L);
        return rc;
    }
    *out = L;
    return 0;
}
