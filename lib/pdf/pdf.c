/* SPDX-License-Identifier: MIT */
/* pdf/pdf.c: laid-out pages into a tagged PDF (PDF/UA-1 by construction) through libharu. */
#include "pdf/pdf_priv.h"

#include <hb.h>
#include <hpdf.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "kl_config.h"

static void HPDF_STDCALL on_hpdf_error(HPDF_STATUS error_no, HPDF_STATUS detail_no, void *ud)
{
    hpdf_err *e = ud;
    if (!e->error_no) {
        e->error_no = error_no;
        e->detail_no = detail_no;
    }
}

int kl_pdf__hpdf_fail(render *r, const char *what)
{
    /* libharu records a failed allocation (ours, through kl_pdf__pool_alloc) on the document
     * without always calling the error handler. */
    if (r->oom || r->err.error_no == HPDF_FAILD_TO_ALLOC_MEM ||
        (r->pdf && HPDF_GetError(r->pdf) == HPDF_FAILD_TO_ALLOC_MEM) ||
        kl_pdf__pool_failed(r->o->cache))
        return kl_core__oom(r->ctx);
    return kl_core__error(r->ctx, KL_EBACKEND, KL_NOWHERE, NULL,
                          "libharu failed (error 0x%04X, detail %u) in %s",
                          (unsigned)r->err.error_no, (unsigned)r->err.detail_no, what);
}

/* ---- strings ------------------------------------------------------------- */

/* UTF-8 to UTF-16BE with a byte order mark (a PDF text string). */
static void utf16be(kl_buf *b, const char *s)
{
    kl_core__buf_clear(b);
    kl_core__buf_append(b, "\xFE\xFF", 2);
    for (const unsigned char *p = (const unsigned char *)s; p && *p;) {
        uint32_t cp;
        if (*p < 0x80)
            cp = *p++;
        else if ((*p & 0xE0) == 0xC0 && p[1])
            cp = (uint32_t)(*p & 0x1F) << 6 | (p[1] & 0x3F), p += 2;
        else if ((*p & 0xF0) == 0xE0 && p[1] && p[2])
            cp = (uint32_t)(*p & 0x0F) << 12 | (uint32_t)(p[1] & 0x3F) << 6 | (p[2] & 0x3F), p += 3;
        else if (p[1] && p[2] && p[3])
            cp = (uint32_t)(*p & 0x07) << 18 | (uint32_t)(p[1] & 0x3F) << 12 |
                 (uint32_t)(p[2] & 0x3F) << 6 | (p[3] & 0x3F),
            p += 4;
        else
            break;
        unsigned char u[4];
        if (cp >= 0x10000) {
            cp -= 0x10000;
            uint16_t hi = (uint16_t)(0xD800 + (cp >> 10)), lo = (uint16_t)(0xDC00 + (cp & 0x3FF));
            u[0] = (unsigned char)(hi >> 8), u[1] = (unsigned char)hi;
            u[2] = (unsigned char)(lo >> 8), u[3] = (unsigned char)lo;
            kl_core__buf_append(b, u, 4);
        } else {
            u[0] = (unsigned char)(cp >> 8), u[1] = (unsigned char)cp;
            kl_core__buf_append(b, u, 2);
        }
    }
}

/* A PDF text string: printable ASCII as it is (the same characters in
 * PDFDocEncoding, a quarter of the size of UTF-16 in hex), anything else as
 * UTF-16BE with a byte order mark. */
static void *text_string(render *r, const char *utf8)
{
    const unsigned char *a = (const unsigned char *)(utf8 ? utf8 : "");
    size_t n = 0;
    while (a[n] >= 0x20 && a[n] < 0x7F)
        n++;
    if (!a[n] && n < 32768)
        return HPDF_String_New(r->pdf->mmgr, (const char *)a, NULL);
    utf16be(&r->tmp, utf8 ? utf8 : "");
    if (r->tmp.oom) {
        r->oom = true; /* kl_pdf__hpdf_fail reports it as out of memory, not as libharu's failure */
        return NULL;
    }
    return HPDF_Binary_New(r->pdf->mmgr, (HPDF_BYTE *)r->tmp.data, (HPDF_UINT)r->tmp.len);
}

/* A number with at most two decimals at p (at most 24 bytes); returns the
 * end (content streams are hot: no printf). */
static char *num(char *p, double v)
{
    char *s = p;
    int n = 0;
    long long c = llround(v * 100);
    if (c < 0) {
        s[n++] = '-';
        c = -c;
    }
    long long whole = c / 100, frac = c % 100;
    char digits[24]; /* a long long has at most 19 digits */
    int k = 0;
    do
        digits[k++] = (char)('0' + whole % 10);
    while ((whole /= 10) && k < 20);
    while (k)
        s[n++] = digits[--k];
    if (frac) {
        s[n++] = '.';
        s[n++] = (char)('0' + frac / 10);
        if (frac % 10)
            s[n++] = (char)('0' + frac % 10);
    }
    if (n == 2 && s[0] == '-' && s[1] == '0')
        n = 0, s[n++] = '0';
    return p + n;
}

static void put_num(kl_buf *b, double v)
{
    char s[32];
    kl_core__buf_append(b, s, (size_t)(num(s, v) - s));
}

static char *put_uint(char *p, unsigned v)
{
    char d[12];
    int k = 0;
    do
        d[k++] = (char)('0' + v % 10);
    while ((v /= 10));
    while (k)
        *p++ = d[--k];
    return p;
}

#define PUT_LIT(p, s) (memcpy((p), (s), sizeof(s) - 1), (p) += sizeof(s) - 1)

/* A glyph id as the two bytes of an Identity-H code, in a literal string. */
static char *put_gid(char *p, uint32_t gid)
{
    /* The bytes a literal string escapes: ( ) \\ CR LF. */
    static const unsigned char esc[256] = {
        ['('] = 1, [')'] = 1, ['\\'] = 1, ['\r'] = 1, ['\n'] = 1};
    unsigned char c[2] = {(unsigned char)(gid >> 8), (unsigned char)gid};
    if (!(esc[c[0]] | esc[c[1]])) {
        p[0] = (char)c[0];
        p[1] = (char)c[1];
        return p + 2;
    }
    for (int i = 0; i < 2; i++) {
        switch (c[i]) {
        case '(':
        case ')':
        case '\\':
            *p++ = '\\';
            *p++ = (char)c[i];
            break;
        case '\r':
            *p++ = '\\';
            *p++ = 'r';
            break;
        case '\n':
            *p++ = '\\';
            *p++ = 'n';
            break;
        default:
            *p++ = (char)c[i];
        }
    }
    return p;
}

static void put_hex4(kl_buf *b, unsigned v)
{
    static const char hex[] = "0123456789ABCDEF";
    char s[4] = {hex[(v >> 12) & 15], hex[(v >> 8) & 15], hex[(v >> 4) & 15], hex[v & 15]};
    kl_core__buf_append(b, s, 4);
}

/* ---- raw dictionary entries ---------------------------------------------- */

/* libharu writes dict->attr verbatim before ">>" (used for /W and for the
 * /Filter of streams we compressed ourselves). */
HPDF_STATUS kl_pdf__write_raw(HPDF_Dict d, HPDF_Stream s)
{
    return HPDF_Stream_WriteStr(s, (const char *)d->attr);
}

HPDF_Dict kl_pdf__new_dict(render *r)
{
    HPDF_Dict d = HPDF_Dict_New(r->pdf->mmgr);
    if (d && HPDF_Xref_Add(r->pdf->xref, d) != HPDF_OK)
        return NULL;
    return d;
}

/* A stream whose bytes go from our memory straight into the output when the
 * document is saved: no copy into a libharu memory stream and back out, and
 * a direct /Length (no object of its own). libharu writes the dictionary;
 * its write_fn adds /Filter and its after_write_fn the bytes (libharu gives
 * after_write_fn no stream: the output is the document's, see save()). */
typedef struct rawdata {
    struct rawdata *next;
    HPDF_Doc pdf;
    const unsigned char *data;
    size_t len;
    bool deflated;
    unsigned char own[]; /* the bytes, when the stream keeps its own copy */
} rawdata;

static HPDF_STATUS raw_filter(HPDF_Dict d, HPDF_Stream s)
{
    const rawdata *rd = d->attr;
    return rd->deflated ? HPDF_Stream_WriteStr(s, "/Filter /FlateDecode\n") : HPDF_OK;
}

static HPDF_STATUS raw_data(HPDF_Dict d)
{
    const rawdata *rd = d->attr;
    HPDF_Stream s = rd->pdf->stream;
    HPDF_STATUS st = HPDF_Stream_WriteStr(s, "\nstream\r\n");
    if (st == HPDF_OK && rd->len)
        st = HPDF_Stream_Write(s, rd->data, (HPDF_UINT)rd->len);
    if (st == HPDF_OK)
        st = HPDF_Stream_WriteStr(s, "\nendstream");
    return st;
}

/* Bytes for a stream: a copy (copy true) or borrowed (cache data, which
 * outlives the document). NULL when out of memory (r->oom set). */
static rawdata *raw_data_new(render *r, const void *data, size_t len, bool deflated, bool copy)
{
    rawdata *rd = kl_core__malloc(sizeof *rd + (copy ? len : 0));
    if (!rd) {
        r->oom = true;
        return NULL;
    }
    rd->next = r->raws;
    r->raws = rd;
    rd->pdf = r->pdf;
    rd->len = len;
    rd->deflated = deflated;
    if (copy && len)
        memcpy(rd->own, data, len);
    rd->data = copy ? rd->own : data;
    return rd;
}

static void raw_attach(HPDF_Dict d, rawdata *rd)
{
    d->attr = rd;
    d->write_fn = raw_filter;
    d->after_write_fn = raw_data;
}

HPDF_Dict kl_pdf__raw_stream(render *r, const void *data, size_t len, bool deflated, bool copy)
{
    if (len > INT32_MAX)
        return NULL;
    rawdata *rd = raw_data_new(r, data, len, deflated, copy);
    HPDF_Dict d = rd ? kl_pdf__new_dict(r) : NULL;
    if (!d || HPDF_Dict_AddNumber(d, "Length", (HPDF_INT32)len) != HPDF_OK)
        return NULL;
    raw_attach(d, rd);
    return d;
}

/* ---- structure ----------------------------------------------------------- */

/* The structure elements of s and its siblings (children of parent, KL_STREE_ROOT for the
 * root), into the structure tree (stree.h; compact.c writes them). */
static int make_selems(render *r, const kl_selem *s, uint32_t parent)
{
    for (; s; s = s->next) {
        kl_stree_elem *e = &r->st.e[s->id];
        e->s = s;
        e->parent = parent;
        if (s->role == KL_ROLE_FIGURE && s->alt) {
            /* /Alt: printable ASCII as it is (compact.c), anything else as UTF-16BE. */
            const unsigned char *a = (const unsigned char *)s->alt;
            size_t n = 0;
            while (a[n] >= 0x20 && a[n] < 0x7F)
                n++;
            if (a[n] || n >= 32768) {
                utf16be(&r->tmp, s->alt);
                if (r->tmp.oom || kl_pdf__stree_text(&r->st, s->id, r->tmp.data, r->tmp.len) < 0)
                    return kl_core__oom(r->ctx);
            }
        }
        /* A Link or Span joins its parent's kids with its first content
         * (begin_mc), so it sits among the parent's own text in reading order. */
        if (s->parent && s->role != KL_ROLE_LINK && s->role != KL_ROLE_SPAN &&
            kl_pdf__stree_kid(&r->st, s->parent->id, KL_SK_ELEM, s->id, 0) < 0)
            return kl_core__oom(r->ctx);
        int rc = make_selems(r, s->first, s->id);
        if (rc)
            return rc;
    }
    return 0;
}

static void put_u16be(kl_buf *b, uint16_t v)
{
    char c[2] = {(char)(v >> 8), (char)(v & 0xFF)};
    kl_core__buf_append(b, c, 2);
}

/* A line's text in logical order, as UTF-16BE, appended to b. */
static void line_u16be(kl_buf *b, const kl_tline *l)
{
    uint32_t pos = 0;
    for (uint32_t done = 0; done < l->nruns; done++) {
        const kl_trun *next = NULL;
        for (uint32_t k = 0; k < l->nruns; k++)
            if (l->runs[k].start >= pos && (!next || l->runs[k].start < next->start))
                next = &l->runs[k];
        if (!next)
            break;
        for (uint32_t u = 0; u < next->nu16; u++)
            put_u16be(b, next->u16[u]);
        pos = next->start + next->nu16;
    }
}

/* Start marked content for element s on page p; returns its MCID. */
static void actual_text(kl_buf *b, const kl_tline *l);
static bool line_plain(const kl_tline *l);

static int begin_mc(render *r, size_t p, const kl_selem *s, double y, const kl_tline *line)
{
    kl_stree *t = &r->st;
    if (p < t->mc_page) /* the ParentTree has each page's MCIDs together */
        return kl_core__error(r->ctx, KL_EBACKEND, KL_NOWHERE, NULL,
                              "internal error: page %zu written after page %zu", p + 1,
                              t->mc_page + 1);
    uint32_t mcid = t->mc_count[p];
    if (t->e[s->id].page < 0) {
        if ((s->role == KL_ROLE_LINK || s->role == KL_ROLE_SPAN) && s->parent &&
            kl_pdf__stree_kid(t, s->parent->id, KL_SK_ELEM, s->id, 0) < 0)
            return kl_core__oom(r->ctx);
        /* The element's page (/Pg): its MCIDs on that page are plain integers. */
        t->e[s->id].page = (int32_t)p;
        r->se_y[s->id] = y;
    }
    if (line && s->role != KL_ROLE_LINK && !line_plain(line)) {
        /* A line whose glyphs are not its characters one to one gets a
         * Span element of its own with the line's logical text as
         * /ActualText, for readers that walk the structure tree (pdf.js
         * gives it to the accessibility tree as the element's text); the
         * marked content has it too (text_line), for those that read the
         * content (pdftotext), unless the line is right to left. */
        kl_buf *at = &r->tmp;
        kl_core__buf_clear(at);
        put_u16be(at, 0xFEFF);
        line_u16be(at, line);
        int64_t span = at->oom ? -1 : kl_pdf__stree_span(t, s->id, p, mcid, at->data, at->len);
        if (span < 0 || kl_pdf__stree_kid(t, s->id, KL_SK_ELEM, (uint32_t)span, 0) < 0 ||
            kl_pdf__stree_mcid(t, p, (uint32_t)span) < 0)
            return kl_core__oom(r->ctx);
        kl_core__buf_puts(&r->cs, "/Span <</MCID ");
        char num_[16];
        kl_core__buf_append(&r->cs, num_, (size_t)(put_uint(num_, mcid) - num_));
        kl_core__buf_puts(&r->cs, ">> BDC\n");
        return 0;
    }
    bool here = t->e[s->id].page == (int32_t)p;
    if (kl_pdf__stree_kid(t, s->id, here ? KL_SK_MCID : KL_SK_MCR, mcid, (uint32_t)p) < 0 ||
        kl_pdf__stree_mcid(t, p, s->id) < 0)
        return kl_core__oom(r->ctx);
    char tag[48], *e = tag; /* a role of at most 8 letters (role_name), an MCID of 10 digits */
    const char *role = kl_pdf__role_name(s);
    size_t rl = strlen(role);
    *e++ = '/';
    memcpy(e, role, rl);
    e += rl;
    PUT_LIT(e, " <</MCID ");
    e = put_uint(e, (unsigned)mcid);
    PUT_LIT(e, ">> BDC\n");
    kl_core__buf_append(&r->cs, tag, (size_t)(e - tag));
    return 0;
}

/* ---- content ------------------------------------------------------------- */

/* A line whose glyphs are not one character each (conjuncts, ligatures,
 * Arabic, anything right to left) is wrapped whole in a /Span with its
 * logical text as /ActualText (a right-to-left line only where it has no
 * Span element of its own, see line_rtl). Whole, so that the span ends
 * where the line's marked content ends (readers lose text after a nested
 * EMC). */
static bool line_plain(const kl_tline *l)
{
    bool plain = true;
    for (uint32_t k = 0; k < l->nruns; k++)
        plain &= l->runs[k].plain;
    return plain;
}

static void actual_text(kl_buf *b, const kl_tline *l)
{
    kl_core__buf_puts(b, "/Span <</ActualText <FEFF");
    uint32_t done = 0, pos = 0;
    while (done < l->nruns) {
        /* The run that starts at pos, in logical order. */
        const kl_trun *next = NULL;
        for (uint32_t k = 0; k < l->nruns; k++)
            if (l->runs[k].start >= pos && (!next || l->runs[k].start < next->start))
                next = &l->runs[k];
        if (!next)
            break;
        for (uint32_t i = 0; i < next->nu16; i++)
            put_hex4(b, next->u16[i]);
        pos = next->start + next->nu16;
        done++;
    }
    kl_core__buf_puts(b, ">>> BDC\n");
}

/* A line with a right-to-left run: drawn in visual order. In the content
 * its /ActualText (a whole line of logical text over glyphs drawn right to
 * left) costs pdftotext most of the words (poppler 22.12: 7-16% of an
 * Arabic, Persian or Urdu letter's words intact with it, 84-90% without);
 * on the line's Span element (begin_mc) it is the replacement text for
 * readers that walk the structure tree, and stays. */
static bool line_rtl(const kl_tline *l)
{
    for (uint32_t k = 0; k < l->nruns; k++)
        if (l->runs[k].rtl)
            return true;
    return false;
}

/* A glyph's outline as a path, in font units (for glyphs with no text of
 * their own, see glyph_text). */
static void draw_move(hb_draw_funcs_t *df, void *data, hb_draw_state_t *st, float x, float y,
                      void *user)
{
    (void)df, (void)st, (void)user;
    kl_buf *b = data;
    put_num(b, x);
    kl_core__buf_puts(b, " ");
    put_num(b, y);
    kl_core__buf_puts(b, " m\n");
}

static void draw_line(hb_draw_funcs_t *df, void *data, hb_draw_state_t *st, float x, float y,
                      void *user)
{
    (void)df, (void)st, (void)user;
    kl_buf *b = data;
    put_num(b, x);
    kl_core__buf_puts(b, " ");
    put_num(b, y);
    kl_core__buf_puts(b, " l\n");
}

static void draw_cubic(hb_draw_funcs_t *df, void *data, hb_draw_state_t *st, float x1, float y1,
                       float x2, float y2, float x, float y, void *user)
{
    (void)df, (void)st, (void)user;
    kl_buf *b = data;
    float v[6] = {x1, y1, x2, y2, x, y};
    for (int i = 0; i < 6; i++) {
        put_num(b, v[i]);
        kl_core__buf_puts(b, " ");
    }
    kl_core__buf_puts(b, "c\n");
}

static void draw_quad(hb_draw_funcs_t *df, void *data, hb_draw_state_t *st, float cx, float cy,
                      float x, float y, void *user)
{
    float x0 = st->current_x, y0 = st->current_y;
    draw_cubic(df, data, st, x0 + 2.0f / 3 * (cx - x0), y0 + 2.0f / 3 * (cy - y0),
               x + 2.0f / 3 * (cx - x), y + 2.0f / 3 * (cy - y), x, y, user);
}

static void draw_close(hb_draw_funcs_t *df, void *data, hb_draw_state_t *st, void *user)
{
    (void)df, (void)st, (void)user;
    kl_core__buf_puts(data, "h\n");
}

static int glyph_outline(render *r, const kl_font *f, uint32_t gid, double x, double y, double size)
{
    hb_draw_funcs_t *df = hb_draw_funcs_create();
    if (!hb_draw_funcs_is_immutable(df)) {
        hb_draw_funcs_set_move_to_func(df, draw_move, NULL, NULL);
        hb_draw_funcs_set_line_to_func(df, draw_line, NULL, NULL);
        hb_draw_funcs_set_quadratic_to_func(df, draw_quad, NULL, NULL);
        hb_draw_funcs_set_cubic_to_func(df, draw_cubic, NULL, NULL);
        hb_draw_funcs_set_close_path_func(df, draw_close, NULL, NULL);
    }
    kl_buf *b = &r->cs;
    double s = size / f->upem;
    kl_core__buf_puts(b, "q 1 0 0 1 ");
    put_num(b, x);
    kl_core__buf_puts(b, " ");
    put_num(b, y);
    kl_core__buf_printf(b, " cm %.6f 0 0 %.6f 0 0 cm\n", s, s);
    hb_font_get_glyph_shape(f->font, gid, df, b);
    kl_core__buf_puts(b, "f Q\n");
    hb_draw_funcs_destroy(df);
    return b->oom ? kl_core__oom(r->ctx) : 0;
}

/* The language run t of item it is in, if it is one of the item's runs in
 * another language (kl_item.langs), else NULL. */
static const char *run_lang(const kl_item *it, const kl_trun *t)
{
    for (uint32_t i = 0; i < it->nlangs; i++)
        if (t->start >= it->langs[i].a && t->start + t->nu16 <= it->langs[i].b && t->nu16)
            return it->langs[i].lang;
    return NULL;
}

/* A language tag as a PDF literal string (BCP 47: letters, digits, '-'). */
static void put_lang(kl_buf *b, const char *lang)
{
    kl_core__buf_putc(b, '(');
    for (const char *c = lang; *c; c++)
        if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
            *c == '-')
            kl_core__buf_putc(b, *c);
    kl_core__buf_putc(b, ')');
}

/* Where a run's text object is in its TJ array: an array and a string
 * open, the first glyph placed (Td), the text position x, the rise (Ts). */
typedef struct tj_state {
    bool in_tj, in_str, placed;
    double cx, rise;
} tj_state;

/* Room in the content for the rest of run t from glyph g on: per glyph at
 * most a rise, an adjustment and an escaped code. */
static int run_reserve(render *r, const kl_trun *t, uint32_t g)
{
    if (kl_core__buf_reserve(&r->cs, 96 + (size_t)(t->nglyphs - g) * 80))
        return kl_core__oom(r->ctx);
    return 0;
}

/* Glyph code cid at gx (rise dy, the width in /W advancing w points) in the
 * open text object. */
static char *tj_glyph(char *p, tj_state *s, const kl_item *it, double size, double gx, double dy,
                      uint32_t cid, double w)
{
    if (fabs(dy - s->rise) > 0.001) {
        if (s->in_str)
            *p++ = ')';
        if (s->in_tj)
            PUT_LIT(p, "] TJ ");
        s->in_tj = s->in_str = false;
        p = num(p, dy);
        PUT_LIT(p, " Ts\n");
        s->rise = dy;
    }
    if (!s->placed) {
        p = num(p, gx);
        *p++ = ' ';
        p = num(p, it->y);
        PUT_LIT(p, " Td [");
        s->in_tj = s->placed = true;
        s->cx = gx;
    } else {
        if (!s->in_tj) {
            *p++ = '[';
            s->in_tj = true;
        }
        double adj = (s->cx - gx) * 1000.0 / size;
        if (fabs(adj) >= 0.5) {
            if (s->in_str)
                *p++ = ')';
            s->in_str = false;
            p = num(p, adj);
            s->cx = gx;
        }
    }
    if (!s->in_str)
        *p++ = '(';
    s->in_str = true;
    p = put_gid(p, cid);
    s->cx += w;
    return p;
}

/* Glyph g of run t, which has no text of its own, drawn as an outline at
 * gx between two text objects; *pp: the end of the content, before and
 * after. */
static int tj_outline(render *r, const kl_item *it, const kl_trun *t, uint32_t g, double gx,
                      char **pp, tj_state *s)
{
    kl_buf *b = &r->cs;
    char *p = *pp;
    const kl_glyph *gl = &t->glyphs[g];
    int rc;
    if (s->in_str)
        *p++ = ')';
    if (s->in_tj)
        PUT_LIT(p, "] TJ\n");
    PUT_LIT(p, "ET\n");
    b->len = (size_t)(p - b->data);
    if ((rc = glyph_outline(r, t->font, gl->gid, gx, it->y + gl->dy, t->size)) < 0)
        return rc;
    if ((rc = run_reserve(r, t, g)) < 0)
        return rc;
    p = b->data + b->len;
    PUT_LIT(p, "BT\n");
    s->in_tj = s->in_str = s->placed = false;
    *pp = p;
    return 0;
}

/* Run t of item it as a text object, from *pen on (moved past it). */
static int text_run(render *r, const kl_item *it, const kl_trun *t, double *pen)
{
    kl_buf *b = &r->cs;
    double size = t->size;
    int32_t *wt = kl_pdf__width_table(r->o->cache, t->font);
    int rc;
    if (!wt)
        return kl_core__oom(r->ctx);
    const glyph_code *codes;
    if ((rc = run_reserve(r, t, 0)) < 0 ||
        (rc = kl_pdf__run_codes(r, it->line, (uint32_t)(t - it->line->runs), &codes)) < 0)
        return rc;
    char *p = b->data + b->len;
    PUT_LIT(p, "BT");
    if (t->font != r->tf_font || size != r->tf_size) {
        PUT_LIT(p, " /F");
        p = put_uint(p, t->font->id);
        *p++ = ' ';
        p = num(p, size);
        PUT_LIT(p, " Tf");
        r->tf_font = t->font;
        r->tf_size = size;
    }
    *p++ = '\n';
    tj_state s = {false, false, false, 0, 0};
    for (uint32_t g = 0; g < t->nglyphs; g++) {
        const kl_glyph *gl = &t->glyphs[g];
        double gx = *pen + gl->dx;
        glyph_code code = codes[g];
        if (code.cid == NO_TEXT) {
            if ((rc = tj_outline(r, it, t, g, gx, &p, &s)) < 0)
                return rc;
        } else {
            int32_t w = code.w != INT32_MIN ? code.w : kl_pdf__glyph_width(wt, t->font, gl->gid);
            p = tj_glyph(p, &s, it, size, gx, gl->dy - code.raised, code.cid, w * size / 1000.0);
        }
        *pen += gl->adv;
    }
    if (s.in_str)
        *p++ = ')';
    if (s.in_tj)
        PUT_LIT(p, "] TJ\n");
    if (s.rise != 0)
        PUT_LIT(p, "0 Ts\n");
    PUT_LIT(p, "ET\n");
    b->len = (size_t)(p - b->data);
    b->data[b->len] = '\0';
    return 0;
}

/* One line of text: per run, a text object whose first glyph is placed with
 * Td (a new text object starts at the identity matrix), then the glyphs as
 * 2-byte codes in literal strings, with TJ adjustments where the shaped
 * position differs from the width in /W, and glyphs raised or lowered with
 * Ts (a text rise keeps them on the line for readers: a new text matrix
 * with another y is a new line to pdf.js). A glyph with no text of its own
 * is drawn as an outline between text objects. Tf only when it changes. */
static int text_line(render *r, const kl_item *it)
{
    kl_buf *b = &r->cs;
    double pen = it->x;
    /* /ActualText in the content, unless the line's Span element has it
     * (begin_mc: tagged, not a link) and the line is right to left. */
    bool at =
        !line_plain(it->line) && !(it->se && it->se->role != KL_ROLE_LINK && line_rtl(it->line));
    const char *open_lang = NULL; /* the language of the open /Span, if any */
    int rc;
    if (at)
        actual_text(b, it->line);
    for (uint32_t k = 0; k < it->line->nruns; k++) {
        const kl_trun *t = &it->line->runs[k];
        /* Runs in another language inside a right-to-left line (with the
         * isolation marks around them, runs of their own): marked with
         * their /Lang where they are drawn, the line's glyphs unchanged. */
        const char *lang = run_lang(it, t);
        if (open_lang && (!lang || strcmp(lang, open_lang)))
            kl_core__buf_puts(b, "EMC\n");
        if (lang && (!open_lang || strcmp(lang, open_lang))) {
            kl_core__buf_puts(b, "/Span <</Lang ");
            put_lang(b, lang);
            kl_core__buf_puts(b, ">> BDC\n");
        }
        open_lang = lang;
        if ((rc = text_run(r, it, t, &pen)) < 0)
            return rc;
    }
    if (open_lang)
        kl_core__buf_puts(b, "EMC\n");
    if (at)
        kl_core__buf_puts(b, "EMC\n");
    return 0;
}

static int flush(render *r, size_t p)
{
    HPDF_PageAttr attr = (HPDF_PageAttr)r->pages[p]->attr;
    if (r->cs.oom)
        return kl_core__oom(r->ctx);
    if (r->cs.len)
        HCHECK(r, HPDF_Stream_Write(attr->stream, (HPDF_BYTE *)r->cs.data, (HPDF_UINT)r->cs.len));
    kl_core__buf_clear(&r->cs);
    return 0;
}

/* ---- a letter kept for its print pack ------------------------------------ */

/* A page's deflated content, kept: where in the letter's bytes, and the
 * length and checksum of the content it was deflated from. */
typedef struct kept_page {
    size_t off, zlen, len;
    uint64_t sum;
    uint64_t codes; /* codes_ok: the checksum of the codes its glyphs were drawn with */
    bool ok;        /* false: not kept (libharu wrote the page: a palette image) */
    bool codes_ok;  /* a page of text only, its codes kept from collecting (write_page) */
} kept_page;

struct kl_pdf_kept {
    kl_layout *L; /* NULL once a pack has taken it */
    kept_page *pages;
    size_t npages;
    kl_buf z; /* the pages' deflated contents, one after another */
};

/* A print pack's page: the kept letter and its page it came from (k NULL:
 * a blank page, or a letter laid out in the pack). */
typedef struct pack_page {
    const kl_pdf_kept *k;
    size_t page;
} pack_page;

/* Where a print pack's letter ends in its layout: its last page + 1, its last held
 * paragraph + 1, its last structure element + 1. */
typedef struct pack_span {
    size_t pages, held, selems;
} pack_span;

const char *kl_pdf__kept_lang(const kl_pdf_kept *k)
{
    return k && k->L ? k->L->lang : NULL;
}

void kl_pdf__kept_free(kl_pdf_kept *k)
{
    if (!k)
        return;
    kl_layout__free(k->L);
    kl_free(k->pages);
    kl_core__buf_free(&k->z);
    kl_free(k);
}

/* A 64-bit checksum of a page's content (a multiply and xor-shift a word, as
 * in 64-bit hash finalisers): far cheaper than deflating it again (8 bytes a
 * step), and with the length a chance of about 2^-64 that two different
 * contents pass as the same. */
static uint64_t content_sum(const unsigned char *s, size_t n)
{
    uint64_t h = 0x9E3779B97F4A7C15u ^ n, w;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        memcpy(&w, s + i, 8);
        h = (h ^ w) * 0xFF51AFD7ED558CCDu;
        h ^= h >> 32;
    }
    w = 0;
    memcpy(&w, s + i, n - i);
    h = (h ^ w) * 0xC4CEB9FE1A85EC53u;
    return h ^ (h >> 29);
}

/* The kept letter's page pp when the pack's content (len bytes, checksum
 * sum) is that page's, else NULL. */
static const kept_page *reusable(const pack_page *pp, size_t len, uint64_t sum)
{
    if (!pp || pp->page >= pp->k->npages)
        return NULL;
    const kept_page *kp = &pp->k->pages[pp->page];
    return kp->ok && kp->len == len && kp->sum == sum ? kp : NULL;
}

/* The letter's page p deflated (z), kept for its print pack. */
static int keep_page(render *r, size_t p, uint64_t sum, const unsigned char *z, size_t zlen)
{
    kl_pdf_kept *k = r->keep;
    if (p >= k->npages)
        return 0;
    k->pages[p] = (kept_page){.off = k->z.len,
                              .zlen = zlen,
                              .len = r->cs.len,
                              .sum = sum,
                              .codes = r->page_codes,
                              .codes_ok = r->page_codes_ok};
    if (zlen && kl_core__buf_append(&k->z, z, zlen))
        return kl_core__oom(r->ctx);
    k->pages[p].ok = true;
    return 0;
}

/* A print pack's page content stream c (len bytes at z), written into its file as the page is
 * made: the save leaves it where it is (compact.c), so the pack holds none of its pages'
 * contents (3.3 MB in a pack of 1,200 pages, with the kept letters' deflated pages it
 * borrowed until then). */
static int write_ahead(render *r, HPDF_Dict c, const unsigned char *z, size_t len, bool deflated)
{
    kl_pdf_file *f = r->file;
    size_t at = kl_pdf__file_pos(f);
    if (at > UINT32_MAX)
        return kl_core__error(r->ctx, KL_EBACKEND, KL_NOWHERE, "print fewer letters a pack",
                              "a print pack of more than 4 GB");
    if (KL_GROW(f->ahead, f->capahead, f->nahead + 1) < 0)
        return kl_core__oom(r->ctx);
    uint32_t num = c->header.obj_id & 0x00FFFFFFu;
    f->ahead[f->nahead++] = (kl_pdf_ahead){.num = num, .off = (uint32_t)at};
    kl_core__buf_printf(f->out, "%u 0 obj\n<</Length %zu%s>>\nstream\n", (unsigned)num, len,
                        deflated ? " /Filter /FlateDecode" : "");
    kl_core__buf_append(f->out, z, len);
    kl_core__buf_puts(f->out, "\nendstream\nendobj\n");
    int rc = kl_pdf__file_sink(f, false);
    return rc == KL_ENOMEM ? kl_core__oom(r->ctx) : rc;
}

/* The page's content stream: deflated here and written straight to the
 * output, unless libharu has drawn on the page itself (a palette image),
 * when the rest goes into libharu's stream and libharu compresses it. In a
 * print pack, a kept letter's page with the same content is not deflated
 * again: its deflated bytes are the letter's. */
static int page_contents(render *r, size_t p)
{
    HPDF_PageAttr attr = (HPDF_PageAttr)r->pages[p]->attr;
    if (r->cs.oom)
        return kl_core__oom(r->ctx);
    if (HPDF_Stream_Size(attr->stream))
        return flush(r, p);
    const unsigned char *z = (const unsigned char *)r->cs.data;
    size_t zlen = r->cs.len;
    bool deflated = !r->o->no_compress, copy = true;
    if (deflated) {
        const pack_page *pp = r->reuse && r->reuse[p].k ? &r->reuse[p] : NULL;
        const kept_page *kp = r->dry; /* drawn with the letter's codes: its content */
        uint64_t sum = kp ? 0 : r->keep || pp ? content_sum(z, zlen) : 0;
        if (!kp)
            kp = reusable(pp, zlen, sum);
        int rc = 0;
        if (kp) {
            z = (const unsigned char *)pp->k->z.data + kp->off;
            zlen = kp->zlen;
            copy = false; /* the kept letter outlives the pack's saving */
        } else if ((rc = kl_pdf__deflate(r->o->cache, r->cs.data, r->cs.len, &z, &zlen)) ==
                   KL_ENOMEM) {
            return kl_core__oom(r->ctx);
        } else if (rc) {
            return kl_core__error(r->ctx, KL_EBACKEND, KL_NOWHERE, NULL,
                                  "could not deflate page %zu", p + 1);
        }
        if (r->keep && (rc = keep_page(r, p, sum, z, zlen)) < 0)
            return rc;
    }
    HPDF_Dict c = attr->contents;
    if (r->file) { /* a print pack's: into its file now, not held until the save */
        int rc = write_ahead(r, c, z ? z : (const unsigned char *)"", zlen, deflated);
        if (rc < 0)
            return rc;
        HPDF_Stream_Free(c->stream);
        c->stream = NULL;
        attr->stream = NULL;
        kl_core__buf_clear(&r->cs);
        return 0;
    }
    HPDF_Number length = HPDF_Dict_GetItem(c, "Length", HPDF_OCLASS_NUMBER);
    if (!length || zlen > INT32_MAX)
        return kl_pdf__hpdf_fail(r, "page contents");
    rawdata *rd = raw_data_new(r, z ? z : (const unsigned char *)"", zlen, deflated, copy);
    if (!rd)
        return kl_core__oom(r->ctx);
    HPDF_Number_SetValue(length, (HPDF_INT32)zlen);
    HPDF_Stream_Free(c->stream);
    c->stream = NULL;
    attr->stream = NULL;
    raw_attach(c, rd);
    kl_core__buf_clear(&r->cs);
    return 0;
}

/* Decode a PNG once (through a scratch libharu document) and keep its
 * pixels deflated, so later letters only copy them. NULL with the error set
 * when libharu cannot load it; *plain false for palette images, which take
 * libharu's own path. */
static int image_pack(render *r, const char *src, const kl_imgpack **out)
{
    *out = kl_pdf__image_find(r->o->cache, src);
    if (*out)
        return 0;
    hpdf_err err = {0, 0};
    HPDF_Doc tmp = HPDF_New(on_hpdf_error, &err);
    if (!tmp)
        return kl_core__oom(r->ctx);
    HPDF_Image img = HPDF_LoadPngImageFromFile(tmp, src);
    const char *cs = img ? HPDF_Image_GetColorSpace(img) : NULL;
    int rc = 0;
    if (!img)
        rc = kl_core__error(r->ctx, KL_EFORMAT, KL_AT(src, 0, 0), "use an 8-bit PNG image",
                            "libharu cannot load the image (error 0x%04X)", (unsigned)err.error_no);
    else if (cs && (!strcmp(cs, "DeviceRGB") || !strcmp(cs, "DeviceGray"))) {
        HPDF_Dict smask = HPDF_Dict_GetItem(img, "SMask", HPDF_OCLASS_DICT);
        rc = kl_pdf__image_add(r->ctx, r->o->cache, src, HPDF_Image_GetWidth(img),
                               HPDF_Image_GetHeight(img), HPDF_Image_GetBitsPerComponent(img), cs,
                               img->stream, smask ? smask->stream : NULL, out);
    }
    HPDF_Free(tmp);
    return rc;
}

static HPDF_Image image(render *r, const char *src)
{
    for (size_t i = 0; i < r->nimgs; i++)
        if (!strcmp(r->imgs[i].src, src))
            return r->imgs[i].img;
    if (KL_GROW(r->imgs, r->capimgs, r->nimgs + 1) < 0)
        return NULL;
    HPDF_Image img = HPDF_LoadPngImageFromFile(r->pdf, src);
    if (img) {
        /* libharu leaves a PNG's alpha channel (SMask) uncompressed. */
        HPDF_Dict smask = HPDF_Dict_GetItem(img, "SMask", HPDF_OCLASS_DICT);
        if (smask)
            smask->filter = HPDF_STREAM_FILTER_FLATE_DECODE;
        r->err.error_no = 0; /* a missing SMask is not an error */
        r->imgs[r->nimgs++] = (imgent){src, img};
    }
    return img;
}

/* The index of elements' text items (and, with y, the elements' positions) freed: a pack frees
 * it before its save, and builds it again for each letter's first link. */
static void index_free(render *r, bool y)
{
    kl_free(r->se_head);
    kl_free(r->se_items);
    r->se_head = NULL;
    r->se_items = NULL;
    if (y) {
        kl_free(r->se_y);
        r->se_y = NULL;
    }
}

/* The per-element lists of text items (render.se_head, se_items) of pages [ix_p0, ix_p1),
 * elements [ix_id0, ix_id1): the whole document, or in a print pack the letter being written
 * (span_at; its elements' items are on its own pages). false when out of memory
 * (element_text then scans the pages). */
static bool index_items(render *r)
{
    size_t p0 = 0, p1 = r->L->npages, id0 = 0, id1 = r->L->nselems, n = 0;
    if (r->nspans && r->span_at < r->nspans) {
        p0 = r->span_at ? r->spans[r->span_at - 1].pages : 0;
        p1 = r->spans[r->span_at].pages;
        id0 = r->span_at ? r->spans[r->span_at - 1].selems : 0;
        id1 = r->spans[r->span_at].selems;
    }
    index_free(r, false);
    for (size_t p = p0; p < p1; p++)
        for (size_t i = 0; i < r->L->pages[p].n; i++)
            n += r->L->pages[p].items[i].kind == KL_ITEM_TEXT && r->L->pages[p].items[i].se;
    size_t ns = id1 - id0;
    if (n > INT32_MAX)
        return false;
    r->se_head = kl_core__malloc((ns ? ns : 1) * 2 * sizeof *r->se_head);
    r->se_items = kl_core__malloc((n ? n : 1) * sizeof *r->se_items);
    if (!r->se_head || !r->se_items) {
        index_free(r, false);
        return false;
    }
    r->ix_span = r->span_at;
    r->ix_id0 = id0;
    r->ix_id1 = id1;
    int32_t *tail = r->se_head + ns;
    for (size_t k = 0; k < ns; k++)
        r->se_head[k] = tail[k] = -1;
    int32_t at = 0;
    for (size_t p = p0; p < p1; p++)
        for (size_t i = 0; i < r->L->pages[p].n; i++) {
            const kl_item *it = &r->L->pages[p].items[i];
            if (it->kind != KL_ITEM_TEXT || !it->se || it->se->id < id0 || it->se->id >= id1)
                continue;
            size_t e = it->se->id - id0;
            r->se_items[at] = (se_item){(uint32_t)p, (uint32_t)i, -1};
            if (tail[e] < 0)
                r->se_head[e] = at;
            else
                r->se_items[tail[e]].next = at;
            tail[e] = at++;
        }
    return true;
}

static void put_item_text(kl_buf *b, size_t start, uint16_t sep, const kl_item *it)
{
    while (b->len > start && b->data[b->len - 2] == 0 && b->data[b->len - 1] == ' ')
        b->len -= 2;
    if (sep && b->len > start)
        put_u16be(b, sep);
    line_u16be(b, it->line);
}

/* The text element s shows (its lines' runs in logical order, lines joined
 * by sep, 0 for none), as UTF-16BE, appended to b without trailing space. */
static void element_text(render *r, const kl_selem *s, uint16_t sep, kl_buf *b)
{
    size_t start = b->len;
    if (s && ((r->se_items && r->ix_span == r->span_at) || index_items(r)) && s->id >= r->ix_id0 &&
        s->id < r->ix_id1) {
        for (int32_t k = r->se_head[s->id - r->ix_id0]; k >= 0; k = r->se_items[k].next)
            put_item_text(b, start, sep, &r->L->pages[r->se_items[k].page].items[r->se_items[k].i]);
    } else {
        for (size_t p = 0; p < r->L->npages; p++)
            for (size_t i = 0; i < r->L->pages[p].n; i++) {
                const kl_item *it = &r->L->pages[p].items[i];
                if (it->kind == KL_ITEM_TEXT && it->se == s)
                    put_item_text(b, start, sep, it);
            }
    }
    while (b->len > start && b->data[b->len - 2] == 0 && b->data[b->len - 1] == ' ')
        b->len -= 2;
}

/* A text string as text_string would have it (a literal string of printable ASCII, or
 * UTF-16BE in r->tmp), for the structure tree's objects (stree.h): *len 0 and lit set, or the
 * bytes at r->tmp. 0 or KL_ENOMEM. */
static int stree_string(render *r, const char *utf8, kl_stree_str *str, size_t *len)
{
    const unsigned char *a = (const unsigned char *)(utf8 ? utf8 : "");
    size_t n = 0;
    while (a[n] >= 0x20 && a[n] < 0x7F)
        n++;
    *str = (kl_stree_str){0};
    *len = 0;
    if (!a[n] && n < 32768) {
        str->lit = (const char *)a;
        return 0;
    }
    utf16be(&r->tmp, (const char *)a);
    *len = r->tmp.len;
    return r->tmp.oom ? KL_ENOMEM : 0;
}

/* A link annotation's /Contents: what the link shows, read as the letter
 * reads it ("Phone: 01632 960123" with the contact table's own, translated,
 * label), not its raw tel: or mailto: target: UTF-16BE into b, or (nothing shown) the
 * target as text_string has it (str, r->tmp). 0 or KL_ENOMEM. */
static int link_contents(render *r, const kl_selem *s, kl_buf *b, kl_stree_str *str,
                         const void **bytes, size_t *len)
{
    put_u16be(b, 0xFEFF);
    const kl_selem *td = s->parent, *tr = td ? td->parent : NULL;
    if (td && td->role == KL_ROLE_TD && tr && tr->first && tr->first->role == KL_ROLE_TH) {
        size_t before = b->len;
        element_text(r, tr->first, ' ', b);
        if (b->len > before) {
            bool zh = r->L->lang && !strncasecmp(r->L->lang, "zh", 2);
            put_u16be(b, zh ? 0xFF1A : ':'); /* as the plain-text letter writes it */
            if (!zh)
                put_u16be(b, ' ');
        }
    }
    size_t before = b->len;
    element_text(r, s, 0, b);
    if (b->oom)
        return KL_ENOMEM;
    if (b->len > before) {
        *str = (kl_stree_str){0};
        *bytes = b->data;
        *len = b->len;
        return 0;
    }
    int rc = stree_string(r, s->href, str, len);
    *bytes = r->tmp.data;
    return rc;
}

/* A link annotation, kept in the structure tree (stree.h: compact.c writes it), with an OBJR
 * kid of the Link and a ParentTree entry. */
static int link_annot(render *r, size_t p, const kl_item *it)
{
    const kl_selem *s = it->se;
    if (strlen(s->href) > HPDF_LIMIT_MAX_STRING_LEN) /* as libharu's string would refuse */
        return kl_pdf__hpdf_fail(r, "a link's /URI");
    kl_stree_annot a = {.href = s->href,
                        .rect = {(float)it->x, (float)(it->y - it->h * 0.3), (float)(it->x + it->w),
                                 (float)(it->y + it->h * 0.95)}};
    if (a.rect[3] < a.rect[1]) { /* as libharu's /Rect */
        float tmp = a.rect[3];
        a.rect[3] = a.rect[1];
        a.rect[1] = tmp;
    }
    kl_buf b = KL_BUF_INIT;
    const void *bytes = NULL;
    size_t len = 0;
    int64_t key = -1;
    if (link_contents(r, s, &b, &a.contents, &bytes, &len) == 0)
        key = kl_pdf__stree_annot(&r->st, s->id, p, &a, bytes, len);
    kl_core__buf_free(&b);
    if (key < 0 || key > INT32_MAX)
        return kl_core__oom(r->ctx);
    return 0;
}

static HPDF_Dict image_xobject(render *r, const unsigned char *data, size_t len, unsigned w,
                               unsigned h, unsigned bpc, const char *cs)
{
    HPDF_Dict d = kl_pdf__raw_stream(r, data, len, true, false);
    if (!d || HPDF_Dict_AddName(d, "Type", "XObject") != HPDF_OK ||
        HPDF_Dict_AddName(d, "Subtype", "Image") != HPDF_OK ||
        HPDF_Dict_AddNumber(d, "Width", (HPDF_INT32)w) != HPDF_OK ||
        HPDF_Dict_AddNumber(d, "Height", (HPDF_INT32)h) != HPDF_OK ||
        HPDF_Dict_AddNumber(d, "BitsPerComponent", (HPDF_INT32)bpc) != HPDF_OK ||
        HPDF_Dict_AddName(d, "ColorSpace", cs) != HPDF_OK)
        return NULL;
    return d;
}

static int draw_cached_image(render *r, size_t p, const kl_imgpack *ip, const kl_item *it)
{
    HPDF_PageAttr attr = (HPDF_PageAttr)r->pages[p]->attr;
    if (!attr->xobjects)
        attr->xobjects = r->res_xobjects;
    if (!attr->xobjects) {
        HPDF_Dict xo = HPDF_Dict_New(r->pdf->mmgr);
        if (!r->res || !xo || HPDF_Dict_Add(r->res, "XObject", xo) != HPDF_OK)
            return kl_pdf__hpdf_fail(r, "XObject resources");
        attr->xobjects = r->res_xobjects = xo;
    }
    HPDF_Dict img = image_xobject(r, ip->data, ip->len, ip->w, ip->h, ip->bpc, ip->cs);
    if (!img)
        return kl_pdf__hpdf_fail(r, "image XObject");
    if (ip->mask) {
        HPDF_Dict m = image_xobject(r, ip->mask, ip->masklen, ip->w, ip->h, 8, "DeviceGray");
        if (!m)
            return kl_pdf__hpdf_fail(r, "image SMask");
        HCHECK(r, HPDF_Dict_Add(img, "SMask", m));
    }
    char name[24]; /* KlIm and at most 10 digits */
    snprintf(name, sizeof name, "KlIm%u", r->nimg_names++);
    HCHECK(r, HPDF_Dict_Add(attr->xobjects, name, img));
    kl_core__buf_puts(&r->cs, "q ");
    put_num(&r->cs, it->w);
    kl_core__buf_puts(&r->cs, " 0 0 ");
    put_num(&r->cs, it->h);
    kl_core__buf_putc(&r->cs, ' ');
    put_num(&r->cs, it->x);
    kl_core__buf_putc(&r->cs, ' ');
    put_num(&r->cs, it->y);
    kl_core__buf_printf(&r->cs, " cm /%s Do Q\n", name);
    return 0;
}

/* The checksum of n glyph codes (content_sum of their bytes: a glyph_code has no padding). */
static uint64_t codes_sum(const glyph_code *c, size_t n)
{
    return content_sum((const unsigned char *)c, n * sizeof *c);
}

/* Page p of a print pack's letter, when it can be drawn as the letter drew it: its kept page,
 * if the letter kept the checksum of the codes it drew the page with (a page of text only),
 * and the pack's codes for the page's glyphs (kept from collecting the letter) have the same
 * checksum. The page's items, fonts and marked-content numbers are the letter's, so its content
 * is the letter's byte for byte, and only what the page adds to the structure tree is made
 * again (write_page). NULL: draw it. */
static const kept_page *dry_page(render *r, size_t p)
{
    const pack_page *pp = &r->reuse[p];
    if (!pp->k || !r->kept || r->o->no_compress || pp->page >= pp->k->npages)
        return NULL;
    const kept_page *kp = &pp->k->pages[pp->page];
    if (!kp->ok || !kp->codes_ok)
        return NULL;
    const kl_page *pg = &r->L->pages[p];
    size_t n = 0, run = r->kept_run_at;
    for (size_t i = 0; i < pg->n; i++) {
        const kl_item *it = &pg->items[i];
        if (it->kind == KL_ITEM_IMAGE)
            return NULL;
        for (uint32_t k = 0; k < it->line->nruns; k++, run++) {
            if (run >= r->nkept_runs || r->kept_runs[run] != &it->line->runs[k])
                return NULL;
            n += it->line->runs[k].nglyphs;
        }
    }
    return codes_sum(r->kept + r->kept_at, n) == kp->codes ? kp : NULL;
}

/* Item it's line drawn (text_line); on a page drawn as its letter drew it (r->dry), its codes
 * passed over instead. */
static int page_line(render *r, const kl_item *it)
{
    if (!r->dry)
        return text_line(r, it);
    for (uint32_t k = 0; k < it->line->nruns; k++) {
        r->kept_at += it->line->runs[k].nglyphs;
        r->kept_run_at++;
    }
    return 0;
}

static int write_page(render *r, size_t p)
{
    const kl_page *pg = &r->L->pages[p];
    const kl_selem *open = NULL;
    int rc;
    r->tf_font = NULL; /* a content stream starts with no font */
    r->dry = r->reuse ? dry_page(r, p) : NULL;
    size_t codes0 = r->kept_at; /* a kept letter: the checksum of the page's codes */
    bool text_only = true;
    for (size_t i = 0; i < pg->n; i++) {
        const kl_item *it = &pg->items[i];
        bool continues = false; /* one marked-content sequence per line */
        if (open && !continues) {
            kl_core__buf_puts(&r->cs, "EMC\n");
            open = NULL;
        }
        if (it->kind == KL_ITEM_IMAGE) {
            text_only = false;
            const kl_imgpack *ip = NULL;
            if ((rc = image_pack(r, it->src, &ip)))
                return rc;
            HPDF_Image img = ip ? NULL : image(r, it->src);
            if (!ip && !img)
                return r->err.error_no
                           ? kl_core__error(r->ctx, KL_EFORMAT, KL_AT(it->src, 0, 0),
                                            "use an 8-bit PNG image",
                                            "libharu cannot load the image (error 0x%04X)",
                                            (unsigned)r->err.error_no)
                           : kl_core__oom(r->ctx);
            if (it->se) {
                if ((rc = begin_mc(r, p, it->se, it->y + it->h, NULL)))
                    return rc;
                /* The Figure's /A << /O /Layout /BBox [...] >> (compact.c). */
                if (kl_pdf__stree_bbox(&r->st, it->se->id, (float)it->x, (float)it->y,
                                       (float)(it->x + it->w), (float)(it->y + it->h)) < 0)
                    return kl_core__oom(r->ctx);
            } else {
                kl_core__buf_puts(&r->cs, "/Artifact <</Type /Layout>> BDC\n");
            }
            if (ip) {
                if ((rc = draw_cached_image(r, p, ip, it)))
                    return rc;
                kl_core__buf_puts(&r->cs, "EMC\n");
                continue;
            }
            if ((rc = flush(r, p)))
                return rc;
            /* libharu names the image in the shared XObject dictionary (making it if none) */
            HPDF_PageAttr attr = (HPDF_PageAttr)r->pages[p]->attr;
            if (!attr->xobjects)
                attr->xobjects = r->res_xobjects;
            HCHECK(r, HPDF_Page_DrawImage(r->pages[p], img, (HPDF_REAL)it->x, (HPDF_REAL)it->y,
                                          (HPDF_REAL)it->w, (HPDF_REAL)it->h));
            r->res_xobjects = attr->xobjects;
            kl_core__buf_puts(&r->cs, "EMC\n");
            continue;
        }
        if (!it->se) {
            kl_core__buf_puts(&r->cs, "/Artifact <</Type /Pagination /Subtype /Footer>> BDC\n");
            if ((rc = page_line(r, it)))
                return rc;
            kl_core__buf_puts(&r->cs, "EMC\n");
            continue;
        }
        if (!continues) {
            if ((rc = begin_mc(r, p, it->se, it->y + it->h, it->line)))
                return rc;
            open = it->se;
        }
        if ((rc = page_line(r, it)))
            return rc;
        if (it->se->role == KL_ROLE_LINK && it->se->href && (rc = link_annot(r, p, it)))
            return rc;
    }
    if (open)
        kl_core__buf_puts(&r->cs, "EMC\n");
    r->page_codes_ok = r->keep && r->kept && text_only;
    r->page_codes = r->page_codes_ok ? codes_sum(r->kept + codes0, r->kept_at - codes0) : 0;
    rc = page_contents(r, p);
    r->dry = NULL;
    return rc;
}

/* ---- document-level entries ---------------------------------------------- */

static void xml_escape(kl_buf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<':
            kl_core__buf_puts(b, "&lt;");
            break;
        case '>':
            kl_core__buf_puts(b, "&gt;");
            break;
        case '&':
            kl_core__buf_puts(b, "&amp;");
            break;
        case '"':
            kl_core__buf_puts(b, "&quot;");
            break;
        default:
            kl_core__buf_putc(b, *s);
        }
    }
}

static int metadata(render *r, const struct tm *tm)
{
    kl_buf x = KL_BUF_INIT;
    char date[32]; /* 20 characters */
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", tm);
    kl_core__buf_puts(&x, "<?xpacket begin=\"\xEF\xBB\xBF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
                          "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n"
                          "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
                          "<rdf:Description rdf:about=\"\"\n"
                          " xmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n"
                          " xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"\n"
                          " xmlns:pdfuaid=\"http://www.aiim.org/pdfua/ns/id/\">\n"
                          "<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">");
    xml_escape(&x, r->doc->title ? r->doc->title : "Letter");
    kl_core__buf_puts(&x, "</rdf:li></rdf:Alt></dc:title>\n<dc:creator><rdf:Seq><rdf:li>");
    xml_escape(&x, r->doc->author ? r->doc->author : "kinletter");
    kl_core__buf_puts(&x, "</rdf:li></rdf:Seq></dc:creator>\n<dc:language><rdf:Bag><rdf:li>");
    xml_escape(&x, r->L->lang ? r->L->lang : "en-GB");
    kl_core__buf_printf(&x,
                        "</rdf:li></rdf:Bag></dc:language>\n<xmp:CreateDate>%s</xmp:CreateDate>\n"
                        "<xmp:CreatorTool>kinletter %s</xmp:CreatorTool>\n"
                        "<pdfuaid:part>1</pdfuaid:part>\n"
                        "</rdf:Description>\n</rdf:RDF>\n</x:xmpmeta>\n<?xpacket end=\"w\"?>\n",
                        date, KL_VERSION);
    if (x.oom) {
        kl_core__buf_free(&x);
        return kl_core__oom(r->ctx);
    }
    HPDF_Dict m = kl_pdf__raw_stream(r, x.data, x.len, false, true);
    kl_core__buf_free(&x);
    if (!m)
        return kl_pdf__hpdf_fail(r, "metadata stream");
    HCHECK(r, HPDF_Dict_AddName(m, "Type", "Metadata"));
    HCHECK(r, HPDF_Dict_AddName(m, "Subtype", "XML"));
    HCHECK(r, HPDF_Dict_Add(r->pdf->catalog, "Metadata", m));
    return 0;
}

static int parse_date(const char *s, struct tm *tm)
{
    memset(tm, 0, sizeof *tm);
    if (!s) {
        time_t now = time(NULL);
        return gmtime_r(&now, tm) ? 0 : -1;
    }
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &tm->tm_year, &tm->tm_mon, &tm->tm_mday, &tm->tm_hour,
               &tm->tm_min, &tm->tm_sec) != 6)
        return -1;
    tm->tm_year -= 1900;
    tm->tm_mon -= 1;
    return 0;
}

static int doc_entries(render *r)
{
    struct tm tm;
    if (parse_date(r->o->creation_date, &tm))
        return kl_core__error(r->ctx, KL_EINVAL, KL_NOWHERE, "write it as 2026-03-01T09:00:00Z",
                              "bad creation date \"%s\"", r->o->creation_date);
    HPDF_Date d = {tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                   tm.tm_sec,         'Z',           0,          0};
    HCHECK(r, HPDF_SetInfoAttr(r->pdf, HPDF_INFO_CREATOR, "kinletter " KL_VERSION));
    HCHECK(r, HPDF_SetInfoDateAttr(r->pdf, HPDF_INFO_CREATION_DATE, d));
    HCHECK(r, HPDF_Dict_Add(r->pdf->info, "Title",
                            text_string(r, r->doc->title ? r->doc->title : "Letter")));
    if (r->doc->author)
        HCHECK(r, HPDF_Dict_Add(r->pdf->info, "Author", text_string(r, r->doc->author)));
    int rc = metadata(r, &tm);
    if (rc)
        return rc;
    HPDF_Dict mark = HPDF_Dict_New(r->pdf->mmgr), vp = HPDF_Dict_New(r->pdf->mmgr);
    if (!mark || !vp)
        return kl_pdf__hpdf_fail(r, "catalog entries");
    HCHECK(r, HPDF_Dict_AddBoolean(mark, "Marked", HPDF_TRUE));
    HCHECK(r, HPDF_Dict_Add(r->pdf->catalog, "MarkInfo", mark));
    HCHECK(r, HPDF_Dict_AddBoolean(vp, "DisplayDocTitle", HPDF_TRUE));
    HCHECK(r, HPDF_Dict_Add(r->pdf->catalog, "ViewerPreferences", vp));
    HCHECK(r,
           HPDF_Dict_Add(r->pdf->catalog, "Lang",
                         HPDF_String_New(r->pdf->mmgr, r->L->lang ? r->L->lang : "en-GB", NULL)));
    return 0;
}

/* The outline: an item a heading, under the last heading of a higher level, kept in the
 * structure tree (stree.h: compact.c writes it). last_by_level: item indexes,
 * KL_STREE_ROOT none. */
static int outlines(render *r, const kl_selem *s, uint32_t *last_by_level)
{
    for (; s; s = s->next) {
        if (s->role == KL_ROLE_H && s->text && r->st.e[s->id].page >= 0) {
            int lv = s->level < 1 ? 1 : s->level > 6 ? 6 : s->level;
            uint32_t parent = KL_STREE_ROOT;
            for (int l = lv - 1; l >= 1 && parent == KL_STREE_ROOT; l--)
                parent = last_by_level[l];
            bool first = !r->st.out_obj;
            kl_stree_outline o = {.page = (uint32_t)r->st.e[s->id].page,
                                  .y = (float)r->se_y[s->id]};
            size_t len;
            int64_t k = stree_string(r, s->text, &o.title, &len) < 0
                            ? -1
                            : kl_pdf__stree_outline(&r->st, r->pdf, parent, &o, r->tmp.data, len);
            if (k < 0)
                return kl_core__oom(r->ctx);
            if (first)
                HCHECK(r, HPDF_Dict_Add(r->pdf->catalog, "Outlines", r->st.out_obj));
            last_by_level[lv] = (uint32_t)k;
            for (int l = lv + 1; l <= 6; l++)
                last_by_level[l] = KL_STREE_ROOT;
        }
        int rc = outlines(r, s->first, last_by_level);
        if (rc)
            return rc;
    }
    return 0;
}

/* The structure tree, without libharu objects but the StructTreeRoot's placeholder (stree.h):
 * its elements here, their kids and the ParentTree as the pages are written, all written by
 * compact.c. */
static int struct_tree(render *r)
{
    if (kl_pdf__stree_init(&r->st, r->pdf, r->L->nselems, r->L->npages) < 0)
        return kl_core__oom(r->ctx);
    HCHECK(r, HPDF_Dict_Add(r->pdf->catalog, "StructTreeRoot", r->st.root_obj));
    r->st.doc_lang = r->L->lang;
    r->st.top = r->L->root->id;
    /* A kid for each element but the root, each marked-content sequence and each link. */
    size_t ns = r->L->nselems;
    kl_pdf__stree_reserve(&r->st, r->nspan_lines, (ns ? ns - 1 : 0) + r->nmc + r->nlink_items,
                          r->nmc, r->nlink_items);
    return make_selems(r, r->L->root, KL_STREE_ROOT);
}

static void render_free(render *r)
{
    if (r->use)
        for (unsigned i = 0; i < r->nfonts; i++)
            kl_pdf__use_free(&r->use[i]);
    kl_free(r->use);
    kl_free(r->codes);
    kl_free(r->texts);
    kl_free(r->kept);
    kl_free(r->kept_runs);
    kl_free(r->se_head);
    kl_free(r->se_items);
    kl_free(r->type0);
    kl_pdf__stree_free(&r->st);
    kl_free(r->se_y);
    kl_free(r->pages);
    kl_free(r->imgs);
    kl_core__buf_free(&r->cs);
    kl_core__buf_free(&r->tmp);
    if (r->pdf) {
        kl_pdf__pool_closing();
        HPDF_Free(r->pdf);
    }
    for (rawdata *rd = r->raws; rd;) {
        rawdata *next = rd->next;
        kl_free(rd);
        rd = next;
    }
    kl_layout__free(r->L);
}

/* libharu writes the document straight into out (no memory stream to copy
 * it back from). */
static HPDF_STATUS out_write(HPDF_Stream s, const HPDF_BYTE *data, HPDF_UINT len)
{
    kl_buf *out = s->attr;
    if (out->cap - out->len > len) { /* the usual case: a few bytes, room for them */
        memcpy(out->data + out->len, data, len);
        out->len += len;
        out->data[out->len] = '\0';
        return HPDF_OK;
    }
    return kl_core__buf_append(out, data, len) ? HPDF_FAILD_TO_ALLOC_MEM : HPDF_OK;
}

/* The document saved into out (a print pack: into its file, begun as its pages were made). */
static int save(render *r, kl_buf *out)
{
    r->pdf->pdf_version = HPDF_VER_17; /* some libharu calls reset it */
    kl_pdf_file own = {.out = out, .start = out->len, .sink = r->sink};
    kl_pdf_file *f = r->file ? r->file : &own;
    if (!r->pdf->stream &&
        !(r->pdf->stream = HPDF_CallbackWriter_New(r->pdf->mmgr, out_write, out)))
        return kl_pdf__hpdf_fail(r, "HPDF_CallbackWriter_New");
    size_t start = out->len;
    if (kl_core__buf_reserve(out, 24u << 10)) /* a letter is about 20 KB */
        return kl_core__oom(r->ctx);
    /* libharu's objects written by libharu, but the dictionaries into object streams and a
     * cross-reference stream (compact.c): about half the bytes of HPDF_SaveToStream's. */
    int rc = r->err.error_no ? KL_EBACKEND : kl_pdf__save_compact(r->pdf, &r->st, r->o->cache, f);
    kl_pdf__file_free(&own);
    if (rc < 0 && rc != KL_ENOMEM && rc != KL_EBACKEND) { /* the sink's, with its message */
        out->len = start;
        return rc;
    }
    if (out->oom || rc == KL_ENOMEM) {
        out->len = start;
        return kl_core__oom(r->ctx);
    }
    if (rc || r->err.error_no) {
        out->len = start;
        return kl_pdf__hpdf_fail(r, "saving the document");
    }
    return 0;
}

static int emit(render *r, kl_buf *out, unsigned *pages);

static int render_doc(kl_context *ctx, const kl_doc *doc, const kl_pdf_opts *opts, kl_buf *out,
                      unsigned *pages, kl_pdf_kept *keep)
{
    if (pages)
        *pages = 0;
    if (!doc || !opts || !opts->fonts || !opts->text || !opts->cache || !out)
        return kl_core__error(ctx, KL_EINVAL, KL_NOWHERE, NULL, "kl_pdf__render: bad arguments");
    render rr = {.ctx = ctx, .doc = doc, .o = opts, .keep = keep}, *r = &rr;
    kl_text__cache_trim(opts->text);
    kl_pdf__cache_trim(opts->cache);
    kl_layout_opts lo = {.fonts = opts->fonts,
                         .cache = opts->text,
                         .line_spacing = opts->line_spacing,
                         .page_label = opts->page_label,
                         .hold_text = keep != NULL};
    int rc = kl_layout__run(ctx, doc, &lo, &r->L);
    if (rc)
        return rc;
    if (keep && !(keep->pages = kl_core__calloc(r->L->npages, sizeof *keep->pages))) {
        kl_layout__free(r->L);
        return kl_core__oom(ctx);
    }
    if (keep)
        keep->npages = r->L->npages;
    return emit(r, out, pages);
}

int kl_pdf__render(kl_context *ctx, const kl_doc *doc, const kl_pdf_opts *opts, kl_buf *out,
                   unsigned *pages)
{
    return render_doc(ctx, doc, opts, out, pages, NULL);
}

int kl_pdf__render_keep(kl_context *ctx, const kl_doc *doc, const kl_pdf_opts *opts, kl_buf *out,
                        unsigned *pages, kl_pdf_kept **keep)
{
    *keep = NULL;
    kl_pdf_kept *k = kl_core__calloc(1, sizeof *k);
    if (!k)
        return kl_core__oom(ctx);
    size_t start = out ? out->len : 0;
    int rc = render_doc(ctx, doc, opts, out, pages, k);
    /* The layout's own copies of the document's strings: the document may go. */
    if (!rc && kl_layout__detach(k->L) < 0) {
        out->len = start;
        if (pages)
            *pages = 0;
        rc = kl_core__oom(ctx);
    }
    if (rc) {
        kl_pdf__kept_free(k);
        return rc;
    }
    /* It waits for its pack: its arrays at their sizes (they grew by doubling). */
    kl_layout__shrink(k->L);
    if (k->z.data && k->z.cap > k->z.len + 1) {
        char *z = kl_core__realloc(k->z.data, k->z.len + 1);
        if (z) {
            k->z.data = z;
            k->z.cap = k->z.len + 1;
        }
    }
    *keep = k;
    return 0;
}

/* The render's tables by font, structure element and page. */
static int emit_tables(render *r)
{
    size_t ns = r->L->nselems, np = r->L->npages;
    r->nfonts = kl_text__font_count(r->o->fonts);
    r->use = kl_core__calloc(r->nfonts, sizeof *r->use);
    r->type0 = kl_core__calloc(r->nfonts, sizeof *r->type0);
    r->se_y = kl_core__calloc(ns ? ns : 1, sizeof *r->se_y);
    r->pages = kl_core__calloc(np ? np : 1, sizeof *r->pages);
    if (!r->use || !r->type0 || !r->se_y || !r->pages)
        return kl_core__oom(r->ctx);
    return 0;
}

/* The Resources every page shares (an indirect object): libharu's ProcSet, and every font
 * (a page without text of a font is fine: its resources may name more than it uses). */
static int shared_resources(render *r)
{
    if (r->res)
        return 0;
    HPDF_MMgr mm = r->pdf->mmgr;
    HPDF_Dict res = HPDF_Dict_New(mm);
    if (!res || HPDF_Xref_Add(r->pdf->xref, res) != HPDF_OK)
        return kl_pdf__hpdf_fail(r, "page resources");
    r->res = res;
    HPDF_Array procset = HPDF_Array_New(mm);
    if (!procset || HPDF_Dict_Add(res, "ProcSet", procset) != HPDF_OK)
        return kl_pdf__hpdf_fail(r, "page resources");
    static const char *const procs[] = {"PDF", "Text", "ImageB", "ImageC", "ImageI"};
    for (size_t i = 0; i < sizeof procs / sizeof *procs; i++)
        if (HPDF_Array_AddName(procset, procs[i]) != HPDF_OK)
            return kl_pdf__hpdf_fail(r, "page resources");
    HPDF_Dict fonts = HPDF_Dict_New(mm);
    if (!fonts || HPDF_Dict_Add(res, "Font", fonts) != HPDF_OK)
        return kl_pdf__hpdf_fail(r, "page resources");
    r->res_fonts = fonts;
    for (unsigned i = 0; i < r->nfonts; i++) {
        char name[16] = "F"; /* F and an unsigned: at most 11 characters */
        *put_uint(name + 1, i) = '\0';
        if (r->type0[i] && HPDF_Dict_Add(fonts, name, r->type0[i]) != HPDF_OK)
            return kl_pdf__hpdf_fail(r, "font resource");
    }
    return 0;
}

/* Page p, empty: its size, fonts, tab order and StructParents. */
static int page_add(render *r, size_t p)
{
    HPDF_Page page = HPDF_AddPage(r->pdf);
    if (!page || HPDF_Page_SetWidth(page, (HPDF_REAL)r->L->width) != HPDF_OK ||
        HPDF_Page_SetHeight(page, (HPDF_REAL)r->L->height) != HPDF_OK)
        return kl_pdf__hpdf_fail(r, "HPDF_AddPage");
    r->pages[p] = page;
    HPDF_PageAttr attr = (HPDF_PageAttr)page->attr;
    int rc;
    if ((rc = shared_resources(r)) < 0)
        return rc;
    /* The shared dictionary instead of the page's own (libharu frees that one). */
    if (HPDF_Dict_Add(page, "Resources", r->res) != HPDF_OK)
        return kl_pdf__hpdf_fail(r, "page resources");
    attr->fonts = r->res_fonts; /* libharu's font dictionary, so it does not make another */
    attr->xobjects = r->res_xobjects;
    if (HPDF_Dict_AddName(page, "Tabs", "S") != HPDF_OK ||
        HPDF_Dict_AddNumber(page, "StructParents", (HPDF_INT32)p) != HPDF_OK)
        return kl_pdf__hpdf_fail(r, "page entries");
    r->st.page_obj[p] = page->header.obj_id & 0x00FFFFFFu;
    return 0;
}

/* Everything after layout (fonts, structure, pages, saving); frees r. */
/* A document's last steps, a letter's or a pack's: the outline shown when it opens (if it has
 * one), the catalog's and Info's entries, the save. */
static int finish_doc(render *r, kl_buf *out)
{
    if (r->st.out_obj && HPDF_SetPageMode(r->pdf, HPDF_PAGE_MODE_USE_OUTLINE))
        return kl_pdf__hpdf_fail(r, "HPDF_SetPageMode");
    int rc = doc_entries(r);
    return rc < 0 ? rc : save(r, out);
}

static int emit(render *r, kl_buf *out, unsigned *pages)
{
    const kl_pdf_opts *opts = r->o;
    size_t np = r->L->npages;
    int rc;
    if ((rc = emit_tables(r)) < 0)
        goto done;
    if ((rc = kl_pdf__collect_glyphs(r, 0, np)) < 0)
        goto done;
    /* libharu's objects come from our arena (kl_pdf__pool_alloc), not its
     * own 4-byte-aligned pool. */
    kl_pdf__pool_use(opts->cache);
    r->pdf = HPDF_NewEx(on_hpdf_error, kl_pdf__pool_alloc, kl_pdf__pool_free, 0, &r->err);
    if (!r->pdf) {
        rc = kl_core__oom(r->ctx);
        goto done;
    }
    if (!opts->no_compress && HPDF_SetCompressionMode(r->pdf, HPDF_COMP_ALL) != HPDF_OK) {
        rc = kl_pdf__hpdf_fail(r, "HPDF_SetCompressionMode");
        goto done;
    }
    for (unsigned i = 0; i < r->nfonts; i++)
        if (r->use[i].n && (rc = kl_pdf__embed_font(r, i)) < 0)
            goto done;
    if ((rc = struct_tree(r)) < 0)
        goto done;
    if (np > 20) {
        /* A print pack's page tree: its Kids and libharu's page list made once at their size
         * (libharu grows them 20 and 256 at a time, and the arena keeps every smaller copy:
         * 0.3 MB in a pack of 1,200 pages). */
        HPDF_Array kids = HPDF_Dict_GetItem(r->pdf->cur_pages, "Kids", HPDF_OCLASS_ARRAY);
        if (kids && kids->list && !kids->list->count)
            kids->list->items_per_block = (HPDF_UINT)np;
        if (r->pdf->page_list && !r->pdf->page_list->count)
            r->pdf->page_list->items_per_block = (HPDF_UINT)np;
    }
    for (size_t p = 0; p < np; p++)
        if ((rc = page_add(r, p)) < 0)
            goto done;
    for (size_t p = 0, j = 0; p < np; p++) {
        r->span_at = j; /* a pack's letter being written */
        if ((rc = write_page(r, p)) < 0)
            goto done;
        while (j < r->nspans && r->spans[j].pages <= p + 1) {
            /* A pack's letter written: nothing reads its items or lines again (element_text
             * only reads the letter's own elements, the outline and the save its elements). */
            kl_layout__release(r->L, j ? r->spans[j - 1].pages : 0, r->spans[j].pages,
                               j ? r->spans[j - 1].held : 0, r->spans[j].held);
            j++;
        }
    }
    uint32_t last[7]; /* the last outline item of each heading level, 1 to 6 */
    for (int l = 0; l < 7; l++)
        last[l] = KL_STREE_ROOT;
    if ((rc = outlines(r, r->L->root, last)) < 0)
        goto done;
    if (r->nspans) { /* a print pack: what its saving does not need */
        kl_pdf__stree_trim(&r->st);
        index_free(r, true);
    }
    if ((rc = finish_doc(r, out)) < 0)
        goto done;
    if (pages)
        *pages = (unsigned)np;
    if (r->keep) { /* the layout goes with the kept letter */
        r->keep->L = r->L;
        r->L = NULL;
    }
done:
    render_free(r);
    kl_pdf__pool_use(NULL);
    return rc;
}

/* ---- several letters in one PDF (the batch's print pack) ------------------------------- */

/* Move a laid-out letter into the pack: its pages after the pack's, its
 * structure (renumbered) as a section of the pack's document. */
static void renumber(kl_selem *s, unsigned offset)
{
    for (; s; s = s->next) {
        s->id += offset;
        renumber(s->first, offset);
    }
}

static int pack_add(kl_context *ctx, kl_layout *pack, kl_layout *one, bool blank_before, size_t id0)
{
    size_t add = one->npages + (blank_before ? 1 : 0);
    if (KL_GROW(pack->pages, pack->cap_pages, pack->npages + add) < 0 ||
        KL_GROW(pack->owned, pack->cap_owned, pack->nowned + one->nowned + 1) < 0 ||
        KL_GROW(pack->held, pack->cap_held, pack->nheld + one->nheld + 1) < 0)
        return kl_core__oom(ctx);
    if (blank_before)
        memset(&pack->pages[pack->npages++], 0, sizeof *pack->pages);
    memcpy(pack->pages + pack->npages, one->pages, one->npages * sizeof *pack->pages);
    pack->npages += one->npages;
    one->npages = 0;
    if (one->nowned) /* one->owned may be NULL when the letter owns nothing */
        memcpy(pack->owned + pack->nowned, one->owned, one->nowned * sizeof *pack->owned);
    pack->nowned += one->nowned;
    one->nowned = 0;
    if (one->nheld) /* the paragraphs a kept letter holds, until the pack is freed */
        memcpy(pack->held + pack->nheld, one->held, one->nheld * sizeof *pack->held);
    pack->nheld += one->nheld;
    one->nheld = 0;
    kl_selem *root = one->root;
    one->root = NULL;
    renumber(root, (unsigned)id0);
    pack->nselems = id0 + one->nselems;
    root->role = KL_ROLE_SECT;
    root->parent = pack->root;
    if (pack->root->last)
        pack->root->last->next = root;
    else
        pack->root->first = root;
    pack->root->last = root;
    if (!pack->lang)
        pack->lang = one->lang;
    pack->width = one->width;
    pack->height = one->height;
    return 0;
}

/* A letter added to the pack: its kept layout (its pages' deflated contents
 * noted in reuse, per pack page), or laid out from its document. */
static int pack_letter(kl_context *ctx, kl_layout *pack, pack_page **reuse, size_t *cap_reuse,
                       const kl_pdf_pack_letter *letter, const kl_pdf_opts *opts, pack_span *span,
                       size_t id0)
{
    kl_layout_opts lo = {.fonts = opts->fonts,
                         .cache = opts->text,
                         .line_spacing = opts->line_spacing,
                         .page_label = opts->page_label};
    kl_layout *one = NULL;
    kl_pdf_kept *k = letter->kept;
    int rc;
    if (k && k->L) {
        one = k->L;
        k->L = NULL;
    } else if (k) {
        return kl_core__error(ctx, KL_EINVAL, KL_NOWHERE, NULL,
                              "kl_pdf__render_pack: a kept letter used twice");
    } else if ((rc = kl_layout__run(ctx, letter->doc, &lo, &one)) < 0) {
        goto done;
    } else if (kl_layout__detach(one) < 0) { /* its own strings: the document may go */
        rc = kl_core__oom(ctx);
        goto done;
    }
    /* Duplex: every letter starts on the front of a new sheet. */
    bool blank = pack->npages % 2 == 1;
    size_t first = pack->npages + (blank ? 1 : 0), n = one->npages;
    if (KL_GROW(*reuse, *cap_reuse, first + n) < 0) {
        rc = kl_core__oom(ctx);
        goto done;
    }
    for (size_t i = pack->npages; i < first + n; i++)
        (*reuse)[i] = (pack_page){.k = i >= first ? k : NULL, .page = i - first};
    rc = pack_add(ctx, pack, one, blank, id0);
    *span = (pack_span){.pages = pack->npages, .held = pack->nheld, .selems = pack->nselems};
done:
    kl_layout__free(one);
    return rc;
}

/* A print pack made a letter at a time: each letter's glyphs collected, its structure
 * elements made, its pages added and written and its outline items made as it is added, its
 * layout freed then; the fonts (subsets of every letter's glyphs) embedded at the end. Glyph
 * codes do not change once given (CID = GID for a glyph's first meaning, the next free CID for
 * each further one, in the order met), so a page can be drawn before later letters are
 * collected. A letter's structure elements are numbered after the tree's elements so far (the
 * Spans of the letters before it included). */
struct kl_pdf_packer {
    render r;
    kl_pdf_opts o; /* the options (r.o), a copy: the caller's may go between calls */
    pack_page *reuse;
    size_t cap_reuse;
    pack_span *spans;
    size_t cap_spans, cap_se_y, cap_pages;
    uint32_t last[7]; /* the outline's last item of each heading level, 1 to 6 */
    kl_pdf_file file; /* its pages' contents go here as they are made (r.file) */
};

void kl_pdf__pack_free(kl_pdf_packer *pk)
{
    if (!pk)
        return;
    if (pk->r.o)
        kl_pdf__pool_switch(pk->r.o->cache); /* the arena given back by kl_pdf__pool_use */
    render_free(&pk->r);
    kl_pdf__pool_use(NULL);
    kl_pdf__file_free(&pk->file);
    kl_free(pk->reuse);
    kl_free(pk->spans);
    kl_free(pk);
}

int kl_pdf__pack_begin(kl_context *ctx, const kl_pdf_opts *opts, kl_buf *file,
                       const kl_pdf_sink *sink, kl_pdf_packer **out)
{
    *out = NULL;
    if (!opts || !opts->fonts || !opts->text || !opts->cache || !file)
        return kl_core__error(ctx, KL_EINVAL, KL_NOWHERE, NULL,
                              "kl_pdf__pack_begin: bad arguments");
    kl_pdf_packer *pk = kl_core__calloc(1, sizeof *pk);
    if (!pk)
        return kl_core__oom(ctx);
    render *r = &pk->r;
    pk->o = *opts;
    pk->file = (kl_pdf_file){.out = file, .start = file->len, .sink = sink, .fast = true};
    *r = (render){.ctx = ctx, .o = &pk->o, .sink = sink, .file = &pk->file};
    int rc = 0;
    kl_pdf__file_begin(&pk->file);
    kl_text__cache_trim(opts->text);
    kl_pdf__cache_trim(opts->cache);
    kl_layout *pack = kl_core__calloc(1, sizeof *pack);
    r->L = pack;
    if (pack)
        pack->root = kl_core__calloc(1, sizeof *pack->root);
    if (!pack || !pack->root) {
        rc = kl_core__oom(ctx);
        goto done;
    }
    pack->root->role = KL_ROLE_DOCUMENT;
    pack->root->id = pack->nselems++;
    if ((rc = emit_tables(r)) < 0)
        goto done;
    pk->cap_se_y = 1;
    pk->cap_pages = 1;
    kl_pdf__pool_use(opts->cache);
    r->pdf = HPDF_NewEx(on_hpdf_error, kl_pdf__pool_alloc, kl_pdf__pool_free, 0, &r->err);
    if (!r->pdf) {
        rc = kl_core__oom(ctx);
        goto done;
    }
    if (!opts->no_compress && HPDF_SetCompressionMode(r->pdf, HPDF_COMP_ALL) != HPDF_OK) {
        rc = kl_pdf__hpdf_fail(r, "HPDF_SetCompressionMode");
        goto done;
    }
    if (kl_pdf__stree_init(&r->st, r->pdf, 1, 0) < 0) {
        rc = kl_core__oom(ctx);
        goto done;
    }
    if (HPDF_Dict_Add(r->pdf->catalog, "StructTreeRoot", r->st.root_obj) != HPDF_OK) {
        rc = kl_pdf__hpdf_fail(r, "StructTreeRoot");
        goto done;
    }
    r->st.top = pack->root->id;
    if ((rc = make_selems(r, pack->root, KL_STREE_ROOT)) < 0)
        goto done;
    for (int l = 0; l < 7; l++)
        pk->last[l] = KL_STREE_ROOT;
done:
    if (rc) {
        kl_pdf__pack_free(pk);
        return rc;
    }
    kl_pdf__pool_switch(NULL);
    *out = pk;
    return 0;
}

static int pack_add_letter(kl_pdf_packer *pk, const kl_pdf_pack_letter *letter);

int kl_pdf__pack_add(kl_pdf_packer *pk, const kl_pdf_pack_letter *letter)
{
    kl_pdf_cache *was = kl_pdf__pool_switch(pk->r.o->cache);
    int rc = pack_add_letter(pk, letter);
    kl_pdf__pool_switch(was);
    return rc;
}

static int pack_add_letter(kl_pdf_packer *pk, const kl_pdf_pack_letter *letter)
{
    render *r = &pk->r;
    kl_layout *pack = r->L;
    size_t n = r->nspans, p0 = pack->npages, held0 = pack->nheld;
    if (KL_GROW(pk->spans, pk->cap_spans, n + 1) < 0)
        return kl_core__oom(r->ctx);
    r->spans = pk->spans;
    size_t id0 = r->st.ne;
    int rc =
        pack_letter(r->ctx, pack, &pk->reuse, &pk->cap_reuse, letter, r->o, &pk->spans[n], id0);
    r->reuse = pk->reuse;
    if (rc < 0)
        return rc;
    r->nspans = n + 1;
    size_t np = pack->npages, ns = pack->nselems;
    /* The render's tables by structure element and page, and the structure tree's, grown. */
    if (ns > pk->cap_se_y) {
        size_t cap = pk->cap_se_y;
        if (KL_GROW(r->se_y, cap, ns) < 0)
            return kl_core__oom(r->ctx);
        memset(r->se_y + pk->cap_se_y, 0, (cap - pk->cap_se_y) * sizeof *r->se_y);
        pk->cap_se_y = cap;
    }
    if (np > pk->cap_pages && KL_GROW(r->pages, pk->cap_pages, np) < 0)
        return kl_core__oom(r->ctx);
    if (kl_pdf__stree_grow(&r->st, ns, np) < 0)
        return kl_core__oom(r->ctx);
    if ((rc = kl_pdf__collect_glyphs(r, p0, np)) < 0)
        return rc;
    /* A kid for each of the letter's elements (its section one of the root's), each
     * marked-content sequence and each link. */
    kl_pdf__stree_reserve(&r->st, r->nspan_lines, ns - id0 + r->nmc + r->nlink_items, r->nmc,
                          r->nlink_items);
    if (!pack->root->lang)
        pack->root->lang = pack->lang;
    if ((rc = make_selems(r, pack->root->last, pack->root->id)) < 0)
        return rc;
    /* libharu's page list and the page tree's Kids grown once a letter (not 256 and 20 pages
     * at a time: the arena keeps every smaller copy). */
    HPDF_Array kids = HPDF_Dict_GetItem(r->pdf->cur_pages, "Kids", HPDF_OCLASS_ARRAY);
    HPDF_List lists[2] = {r->pdf->page_list, kids ? kids->list : NULL};
    for (int l = 0; l < 2; l++)
        if (lists[l] && lists[l]->count + (np - p0) > lists[l]->items_per_block)
            lists[l]->items_per_block = (HPDF_UINT)(lists[l]->count + (np - p0));
    for (size_t p = p0; p < np; p++)
        if ((rc = page_add(r, p)) < 0)
            return rc;
    r->span_at = n;
    for (size_t p = p0; p < np; p++)
        if ((rc = write_page(r, p)) < 0)
            return rc;
    /* Nothing reads the letter's items or lines again (element_text only reads the letter's
     * own elements, the outline and the save its elements). */
    kl_layout__release(pack, n ? pk->spans[n - 1].pages : 0, np, held0, pack->nheld);
    return outlines(r, pack->root->last, pk->last);
}

int kl_pdf__pack_end(kl_pdf_packer *pk, const kl_doc *meta, unsigned *pages)
{
    render *r = &pk->r;
    int rc = 0;
    if (pages)
        *pages = 0;
    kl_pdf__pool_switch(r->o->cache);
    r->doc = meta;
    if (!meta) {
        rc = kl_core__error(r->ctx, KL_EINVAL, KL_NOWHERE, NULL, "kl_pdf__pack_end: bad arguments");
        goto done;
    }
    if (!r->nspans) {
        rc = kl_core__error(r->ctx, KL_EINVAL, KL_NOWHERE, NULL, "kl_pdf__pack_end: no letter");
        goto done;
    }
    r->L->root->lang = r->L->lang;
    r->st.doc_lang = r->L->lang;
    for (unsigned i = 0; i < r->nfonts; i++) {
        if (!r->use[i].n)
            continue;
        if ((rc = kl_pdf__embed_font(r, i)) < 0)
            goto done;
        char name[16] = "F"; /* F and an unsigned: at most 11 characters */
        *put_uint(name + 1, i) = '\0';
        if (HPDF_Dict_Add(r->res_fonts, name, r->type0[i]) != HPDF_OK) {
            rc = kl_pdf__hpdf_fail(r, "font resource");
            goto done;
        }
    }
    index_free(r, true);
    kl_pdf__stree_trim(&r->st);
    /* The elements in the order of a tree made at once (their Spans deflate better together:
     * the object streams were 6% larger with each letter's Spans after its elements). */
    if (kl_pdf__stree_spans_last(&r->st) < 0) {
        rc = kl_core__oom(r->ctx);
        goto done;
    }
    if ((rc = finish_doc(r, pk->file.out)) < 0)
        goto done;
    if (pages)
        *pages = (unsigned)r->L->npages;
done:
    kl_pdf__pack_free(pk);
    return rc;
}

int kl_pdf__render_pack(kl_context *ctx, const kl_pdf_pack_letter *letters, size_t n,
                        const kl_doc *meta, const kl_pdf_opts *opts, kl_buf *out,
                        const kl_pdf_sink *sink, unsigned *pages)
{
    if (pages)
        *pages = 0;
    if (!letters || !n || !meta || !opts || !opts->fonts || !opts->text || !opts->cache || !out)
        return kl_core__error(ctx, KL_EINVAL, KL_NOWHERE, NULL,
                              "kl_pdf__render_pack: bad arguments");
    kl_pdf_packer *pk;
    size_t start = out->len;
    int rc = kl_pdf__pack_begin(ctx, opts, out, sink, &pk);
    for (size_t i = 0; !rc && i < n; i++)
        rc = kl_pdf__pack_add(pk, &letters[i]);
    if (!rc)
        rc = kl_pdf__pack_end(pk, meta, pages);
    else
        kl_pdf__pack_free(pk);
    if (rc)
        out->len = start;
    return rc;
}
