/* SPDX-License-Identifier: MIT */
/* braille/braille.c: the document tree as BRF (North American Braille ASCII) through liblouis.
 *
 * liblouis keeps its compiled tables and its log callback in process-wide
 * state that not every version guards, so every call into it holds one
 * mutex (lou_lock): a batch's worker threads translate one at a time. */
#include "braille/braille.h"
#include "compose/compose.h"
#include "kinletter/letter.h"

#include <assert.h>
#include <liblouis/liblouis.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

static pthread_mutex_t lou_lock = PTHREAD_MUTEX_INITIALIZER;
static bool lou_quiet;

/* liblouis logs to stderr by default; the library never prints. */
static void LIBLOUIS_API drop_log(logLevels level, const char *message)
{
    (void)level;
    (void)message;
}

/* Called with lou_lock held. */
static void quiet_louis(void)
{
    if (!lou_quiet) {
        lou_registerLogCallback(drop_log);
        lou_quiet = true;
    }
}

/* ---- tables ------------------------------------------------------------------------- */

/* One 6-dot literary table per language (the primary subtag of the tag).
 * English and Welsh are contracted (grade 2), as UK transcribers produce
 * them; every other language uncontracted (grade 1), the form every reader
 * of that language's braille knows. No table: Somali (liblouis has none),
 * Romanian (8-dot computer braille only, which BRF cannot hold). */
static const struct {
    const char *lang, *table;
} tables[] = {
    {"en", "en-ueb-g2.ctb"}, {"cy", "cy-cy-g2.ctb"}, {"pl", "pl.tbl"},       {"ar", "ar-ar-g1.utb"},
    {"ur", "ur-pk-g1.utb"},  {"fa", "fa-ir-g1.utb"}, {"bn", "bn.tbl"},       {"pa", "pa.tbl"},
    {"gu", "gu.tbl"},        {"es", "es.tbl"},       {"pt", "pt-pt-g1.utb"}, {"lt", "lt-6dot.tbl"},
    {"zh", "zhcn-g1.ctb"},
};

const char *kl_braille__table(const char *locale)
{
    if (!locale)
        return NULL;
    size_t n = strcspn(locale, "-_");
    /* Chinese braille here is mainland China's, for simplified characters. */
    if (n == 2 && strncmp(locale, "zh", 2) == 0 &&
        (strstr(locale, "Hant") || strstr(locale, "-TW") || strstr(locale, "-HK") ||
         strstr(locale, "-MO")))
        return NULL;
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
        if (strlen(tables[i].lang) == n && strncmp(locale, tables[i].lang, n) == 0)
            return tables[i].table;
    return NULL;
}

/* ---- dots to North American Braille ASCII --------------------------------------------- */

/* The cell with dots d (bit 0 = dot 1 ... bit 5 = dot 6) in North American
 * Braille ASCII, the character set of BRF files (0x20-0x5F). */
static const char nabcc[65] = " A1B'K2L@CIF/MSP\"E3H9O6R^DJG>NTQ,*5<-U8V.%[$+X!&;:4\\0Z7(_?W]#Y)=";

/* ---- layout on cells ---------------------------------------------------------------- */

void kl_braille__brf_init(kl_brf *p)
{
    memset(p, 0, sizeof *p);
    p->width = KL_BRAILLE_CELLS;
    p->height = KL_BRAILLE_LINES;
}

void kl_braille__brf_free(kl_brf *p)
{
    kl_core__buf_free(&p->out);
}

void kl_braille__brf_blank(kl_brf *p)
{
    p->want_blank = true;
}

/* The braille page number: the number sign and the digits as the letters
 * a-j (dots 3456, then 1 = a ... 0 = j), as UEB and the other 6-dot codes
 * here write numbers. */
static size_t page_number(unsigned page, char *out)
{
    char digits[16];
    int n = snprintf(digits, sizeof digits, "%u", page);
    out[0] = '#';
    for (int i = 0; i < n; i++)
        out[i + 1] = "JABCDEFGHI"[digits[i] - '0'];
    return (size_t)n + 1;
}

static void new_page(kl_brf *p)
{
    if (p->page)
        kl_core__buf_putc(&p->out, '\f');
    p->page++;
    char num[16];
    size_t n = page_number(p->page, num);
    for (size_t i = n; i < p->width; i++)
        kl_core__buf_putc(&p->out, ' ');
    kl_core__buf_append(&p->out, num, n);
    kl_core__buf_puts(&p->out, "\r\n");
    p->line = 1;
    p->want_blank = false; /* never a blank line at the top of a page */
}

static void put_line(kl_brf *p, const char *cells, size_t n, unsigned indent)
{
    if (!p->page || p->line >= p->height)
        new_page(p);
    while (n && cells[n - 1] == ' ')
        n--;
    for (unsigned i = 0; i < indent && n; i++)
        kl_core__buf_putc(&p->out, ' ');
    kl_core__buf_append(&p->out, cells, n);
    kl_core__buf_puts(&p->out, "\r\n");
    p->line++;
}

typedef struct piece {
    size_t start, len; /* cells of one line, at the indent */
    unsigned indent;
} piece;

/* Lines of a block: words are runs of cells between blank cells. */
static size_t split_lines(const kl_brf *p, const char *c, size_t n, unsigned first, unsigned rest,
                          bool centre, piece *out, size_t cap)
{
    size_t count = 0, i = 0;
    while (i < n && c[i] == ' ')
        i++;
    while (i < n) {
        unsigned indent = count == 0 ? first : rest;
        if (indent >= p->width)
            indent = 0;
        size_t avail = p->width - indent;
        size_t start = i, end = i, fit = i;
        /* the longest run of whole words that fits */
        while (end < n) {
            size_t w = end;
            while (w < n && c[w] != ' ')
                w++;
            if (w - start > avail)
                break;
            fit = w;
            end = w;
            while (end < n && c[end] == ' ')
                end++;
        }
        if (fit == start) /* one braille word longer than the line: cut at the margin */
            fit = start + (avail < n - start ? avail : n - start);
        if (out) {
            assert(count < cap); /* the caller counted the lines first */
            out[count] = (piece){start, fit - start, indent};
        }
        count++;
        i = fit;
        while (i < n && c[i] == ' ')
            i++;
    }
    if (centre && out)
        for (size_t k = 0; k < count; k++)
            out[k].indent = (unsigned)((p->width - out[k].len) / 2);
    return count;
}

int kl_braille__brf_block(kl_brf *p, const char *cells, size_t n, unsigned first, unsigned rest,
                          bool centre, unsigned keep)
{
    size_t count = split_lines(p, cells, n, first, rest, centre, NULL, 0);
    if (!count)
        return p->out.oom ? KL_ENOMEM : 0;
    piece small[16], *pcs = count <= 16 ? small : kl_core__malloc(count * sizeof *pcs);
    if (!pcs)
        return KL_ENOMEM;
    split_lines(p, cells, n, first, rest, centre, pcs, count);
    if (!p->page)
        new_page(p);
    bool blank = p->want_blank && p->line > 1;
    p->want_blank = false;
    /* Keep a heading with what follows: the block, its blank line and `keep`
     * more lines on this page, or a new page. */
    if (keep && p->line > 1 && p->line + (blank ? 1 : 0) + count + keep > p->height) {
        new_page(p);
        blank = false;
    }
    if (blank && p->line < p->height)
        put_line(p, "", 0, 0);
    else if (blank) /* the blank line would end the page: the next page's top is enough */
        p->line = p->height;
    for (size_t k = 0; k < count; k++)
        put_line(p, cells + pcs[k].start, pcs[k].len, pcs[k].indent);
    if (pcs != small)
        kl_free(pcs);
    return p->out.oom ? KL_ENOMEM : 0;
}

int kl_braille__brf_finish(kl_brf *p, unsigned *pages)
{
    if (!p->page)
        new_page(p);
    *pages = p->page;
    return p->out.oom ? KL_ENOMEM : 0;
}

/* ---- translation -------------------------------------------------------------------- */

/* The text liblouis is given: format characters (bidi isolates and marks,
 * joiners, soft hyphens) and noncharacters out, every space separator a
 * space, line breaks spaces. Returns the number of code points. */
static size_t prepare(const char *text, widechar *in)
{
    size_t n = 0;
    int32_t len = (int32_t)strlen(text), i = 0;
    while (i < len) {
        UChar32 c;
        U8_NEXT(text, i, len, c);
        if (c < 0)
            c = 0xFFFD;
        if (u_charType(c) == U_FORMAT_CHAR || (c >= 0xFDD0 && c <= 0xFDEF) ||
            (c & 0xFFFE) == 0xFFFE)
            continue;
        if (c == '\t' || c == '\n' || c == '\r' || u_charType(c) == U_SPACE_SEPARATOR ||
            c == 0x2028 || c == 0x2029)
            c = ' ';
        in[n++] = (widechar)c;
    }
    return n;
}

/* One call of lou_translate with room enough (lou_lock held). */
static int louis(const char *table, const widechar *in, int n, widechar **out, int **pos, int *outn,
                 int mode)
{
    int cap = n * 4 + 64;
    for (int tries = 0; tries < 4; tries++, cap *= 4) {
        widechar *o = kl_core__malloc((size_t)cap * sizeof *o);
        int *ip = kl_core__malloc((size_t)cap * sizeof *ip);
        if (!o || !ip) {
            kl_free(o);
            kl_free(ip);
            return KL_ENOMEM;
        }
        int inlen = n, outlen = cap;
        if (!lou_translate(table, in, &inlen, o, &outlen, NULL, NULL, NULL, ip, NULL, mode)) {
            kl_free(o);
            kl_free(ip);
            return KL_EBACKEND;
        }
        if (inlen >= n && outlen < cap) {
            *out = o;
            *pos = ip;
            *outn = outlen;
            return 0;
        }
        kl_free(o);
        kl_free(ip);
    }
    return KL_ELIMIT;
}

/* Both translations of in[0, n) (lou_lock held): *out with undefined
 * characters as their hex codes, *strict in noUndefined mode. They differ
 * when a character has no braille: then KL_EDATA with *bad that character
 * (U+FFFD if no one character alone shows it) and *why. The caller frees the
 * four arrays whatever this returns. */
static int translate_both(const char *table, const widechar *in, int n, widechar **out, int **pos,
                          int *outn, widechar **strict, int **spos, widechar *bad, const char **why)
{
    int rc, strictn = 0;
    if (!lou_getTable(table))
        return KL_EBACKEND;
    if ((rc = louis(table, in, n, out, pos, outn, dotsIO)) < 0)
        return rc;
    if ((rc = louis(table, in, n, strict, spos, &strictn, dotsIO | noUndefined)) < 0)
        return rc;
    if (strictn == *outn && memcmp(*strict, *out, (size_t)*outn * sizeof **out) == 0)
        return 0;
    *bad = 0xFFFD;
    *why = "has no braille for the character";
    for (int i = 0; i < n && *bad == 0xFFFD; i++) {
        widechar *o1 = NULL;
        int *p1 = NULL, n1 = 0;
        if (in[i] != ' ' && louis(table, &in[i], 1, &o1, &p1, &n1, dotsIO | noUndefined) == 0 &&
            n1 == 0)
            *bad = in[i];
        kl_free(o1);
        kl_free(p1);
    }
    return KL_EDATA;
}

/* The translation itself: 0, KL_EDATA (*bad and *why say which character
 * and what is wrong), KL_EBACKEND, KL_ELIMIT or KL_ENOMEM. Reports nothing. */
static int tr(const char *table, const char *text, kl_buf *cells, widechar *bad, const char **why)
{
    size_t len = strlen(text);
    if (len > (1u << 20))
        return KL_ELIMIT;
    widechar *in = kl_core__malloc((len + 1) * sizeof *in);
    if (!in)
        return KL_ENOMEM;
    int n = (int)prepare(text, in);
    if (n == 0) {
        kl_free(in);
        return 0;
    }
    widechar *out = NULL, *strict = NULL;
    int *pos = NULL, *spos = NULL, outn = 0;
    pthread_mutex_lock(&lou_lock);
    quiet_louis();
    int rc = translate_both(table, in, n, &out, &pos, &outn, &strict, &spos, bad, why);
    pthread_mutex_unlock(&lou_lock);
    for (int i = 0; i < outn && !rc; i++) {
        unsigned d = (unsigned)out[i] & 0xFF;
        if (!((unsigned)out[i] & LOU_DOTS) || (d & 0xC0)) {
            rc = KL_EDATA;
            *bad = in[pos[i] >= 0 && pos[i] < n ? pos[i] : 0];
            *why = "needs dots 7 or 8 (BRF has six) for";
        } else {
            kl_core__buf_putc(cells, nabcc[d]);
        }
    }
    if (!rc && cells->oom)
        rc = KL_ENOMEM;
    kl_free(strict);
    kl_free(spos);
    kl_free(out);
    kl_free(pos);
    kl_free(in);
    return rc;
}

int kl_braille__translate(kl_context *ctx, kl_where where, const char *table, const char *text,
                          kl_buf *cells)
{
    widechar bad = 0;
    const char *why = "";
    int rc = tr(table, text, cells, &bad, &why);
    switch (rc) {
    case 0:
        return 0;
    case KL_EDATA:
        return kl_core__error(
            ctx, KL_EDATA, where, "have the letter transcribed by hand, or send it in print",
            "the braille table %s %s U+%04X: no braille letter is made", table, why, (unsigned)bad);
    case KL_EBACKEND:
        return kl_core__error(
            ctx, KL_EBACKEND, where,
            "install liblouis-data, or set LOUIS_TABLEPATH to its tables directory",
            "liblouis cannot load or use the braille table %s", table);
    case KL_ENOMEM:
        return kl_core__oom(ctx);
    default:
        return kl_core__error(ctx, rc, where, NULL,
                              "a paragraph is too long for braille translation");
    }
}

/* ---- the letter --------------------------------------------------------------------- */

typedef struct renderer {
    kl_context *ctx;
    kl_where where;
    kl_brf p;
    kl_buf cells;
} renderer;

/* The table of a node's language, or an error naming the language. */
static int table_of(renderer *r, const kl_node *n, const char **table)
{
    const char *lang = kl_doc__lang(n);
    *table = kl_braille__table(lang);
    if (*table)
        return 0;
    return kl_core__error(r->ctx, KL_EDATA, r->where,
                          "send this member a print letter (needs format=\"print\"), or have the "
                          "letter transcribed by hand",
                          "liblouis has no 6-dot braille table for the language '%s': no braille "
                          "letter is made",
                          lang ? lang : "(none)");
}

/* One block: the label (a bullet, a number, a contact row's label) and the
 * text translated with the node's table, then laid out. A label the table
 * cannot write (a bullet) is left out: the hanging indent still marks the
 * item. */
static int block(renderer *r, const kl_node *n, const char *label, const char *text, unsigned first,
                 unsigned rest, bool centre, unsigned keep)
{
    const char *table;
    int rc = table_of(r, n, &table);
    if (rc)
        return rc;
    kl_core__buf_clear(&r->cells);
    if (label) {
        widechar bad;
        const char *why;
        rc = tr(table, label, &r->cells, &bad, &why);
        if (rc == KL_EDATA) {
            kl_core__buf_clear(&r->cells);
            rc = 0;
        }
        if (rc)
            return kl_braille__translate(r->ctx, r->where, table, label, &r->cells);
        if (r->cells.len && r->cells.data[r->cells.len - 1] != ' ')
            kl_core__buf_putc(&r->cells, ' ');
    }
    /* A line break in the text starts a new braille line (at the runover margin). */
    const char *s = text ? text : "";
    bool first_piece = true;
    while (!rc) {
        const char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) : strlen(s);
        char *one = kl_core__strndup(s, len);
        if (!one) {
            rc = kl_core__oom(r->ctx);
            break;
        }
        if (!first_piece)
            kl_core__buf_clear(&r->cells);
        rc = kl_braille__translate(r->ctx, r->where, table, one, &r->cells);
        kl_free(one);
        if (!rc && r->cells.len &&
            kl_braille__brf_block(&r->p, r->cells.data, r->cells.len, first_piece ? first : rest,
                                  rest, centre, keep))
            rc = kl_core__oom(r->ctx);
        first_piece = false;
        if (!nl)
            break;
        s = nl + 1;
    }
    return rc;
}

static int render(renderer *r, const kl_node *n);

static int render_children(renderer *r, const kl_node *n)
{
    int rc = 0;
    for (const kl_node *c = n->first; c && !rc; c = c->next)
        rc = render(r, c);
    return rc;
}

/* The braille way (UKAAF, BANA): paragraphs indented to cell 3 with runovers
 * at cell 1; a first-level heading centred with a blank line before and
 * after; lower headings at the margin after a blank line; list items and
 * contact rows at cell 1 with runovers at cell 3. */
static int render(renderer *r, const kl_node *n)
{
    int rc = 0;
    switch (n->kind) {
    case KL_NODE_DOCUMENT:
    case KL_NODE_SECTION:
    case KL_NODE_POINT: /* Easy Read: the words of a point (its picture is not brailled) */
        return render_children(r, n);
    case KL_NODE_ADDRESS: /* the embossing service addresses the envelope */
    case KL_NODE_FIGURE:
    case KL_NODE_PAGE_BREAK: /* print pagination; braille has its own */
    case KL_NODE_ITEM:
    case KL_NODE_ROW:
        return 0;
    case KL_NODE_LETTERHEAD:
    case KL_NODE_SIGNATURE:
        kl_braille__brf_blank(&r->p);
        for (const kl_node *c = n->first; c && !rc; c = c->next)
            if (c->kind == KL_NODE_LINE)
                rc = block(r, c, NULL, c->text, 0, 2, false, 0);
        return rc;
    case KL_NODE_HEADING:
        kl_braille__brf_blank(&r->p);
        rc = block(r, n, NULL, n->text, 0, 0, n->level <= 1, 2);
        if (n->level <= 1)
            kl_braille__brf_blank(&r->p);
        return rc;
    case KL_NODE_DATE:
    case KL_NODE_REFERENCE:
    case KL_NODE_SALUTATION:
        kl_braille__brf_blank(&r->p);
        return block(r, n, NULL, n->text, 0, 0, false, 0);
    case KL_NODE_LINE:
        return block(r, n, NULL, n->text, 0, 2, false, 0);
    case KL_NODE_PARAGRAPH:
        return block(r, n, NULL, n->text, 2, 0, false, 0);
    case KL_NODE_LIST: {
        int i = 1;
        for (const kl_node *c = n->first; c && !rc; c = c->next, i++) {
            char label[16];
            /* The bullet is the table's (UEB: dots 456, 256). */
            snprintf(label, sizeof label, n->ordered ? "%d. " : "\xe2\x80\xa2 ", i);
            rc = block(r, c, label, c->text, 0, 2, false, 0);
        }
        return rc;
    }
    case KL_NODE_CONTACT:
        for (const kl_node *c = n->first; c && !rc; c = c->next) {
            kl_buf line = KL_BUF_INIT;
            kl_core__buf_printf(&line, "%s: ", c->label ? c->label : "");
            rc = line.oom ? kl_core__oom(r->ctx) : block(r, c, line.data, c->text, 0, 2, false, 0);
            kl_core__buf_free(&line);
        }
        return rc;
    default: /* a container of blocks (an Easy Read point: its picture and paragraphs) */
        return render_children(r, n);
    }
}

int kl_braille__brf(kl_context *ctx, const kl_doc *doc, kl_where where, unsigned char **out,
                    size_t *len, unsigned *pages)
{
    *out = NULL;
    *len = 0;
    *pages = 0;
    renderer r = {ctx, where, {KL_BUF_INIT, 0, 0, 0, 0, false}, KL_BUF_INIT};
    kl_braille__brf_init(&r.p);
    int rc;
    if ((rc = table_of(&r, doc->root, &(const char *){NULL})) < 0)
        goto done;
    if ((rc = render(&r, doc->root)) < 0)
        goto done;
    if (kl_braille__brf_finish(&r.p, pages))
        rc = kl_core__oom(ctx);
done:
    kl_core__buf_free(&r.cells);
    if (rc) {
        kl_braille__brf_free(&r.p);
        return rc;
    }
    *len = r.p.out.len;
    *out = (unsigned char *)kl_core__buf_detach(&r.p.out);
    return *out ? 0 : kl_core__oom(ctx);
}

KL_API int kl_letter_render_brf(kl_context *ctx, const kl_letter *letter, char **out, size_t *len,
                                unsigned *pages)
{
    kl_context_clear_error(ctx);
    if (!ctx || !letter || !out)
        return kl_core__einval(ctx, __func__);
    *out = NULL;
    if (len)
        *len = 0;
    if (pages)
        *pages = 0;
    /* The braille is made from the letter's words: they pass the disclosure
     * check as the text letter does (braille ASCII itself cannot be searched). */
    char *text = NULL;
    int rc = kl_letter_render_text(ctx, letter, &text);
    kl_free(text);
    if (rc)
        return rc;
    const kl_doc *doc = kl_letter__doc(letter);
    unsigned char *brf = NULL;
    size_t n = 0;
    unsigned p = 0;
    rc = kl_braille__brf(ctx, doc, (kl_where){NULL, 0, 0, doc->member_id}, &brf, &n, &p);
    if (rc)
        return rc;
    *out = (char *)brf;
    if (len)
        *len = n;
    if (pages)
        *pages = p;
    return 0;
}
