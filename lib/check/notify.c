/* SPDX-License-Identifier: MIT */
/* check/notify.c: a letter PDF against GOV.UK Notify's precompiled-letter specification
 * (docs/NOTIFY.md), read back through libqpdf's C API: page size and count, embedded
 * fonts, and where text begins (a small content-stream reader for the text and graphics
 * state: q Q cm BT ET Tm Td TD T* TL Ts Tj TJ ' "). */
#include "core/core.h"
#include "kinletter/notify.h"
#include "pdf/pdf_internal.h"

#include <math.h>
#include <stdarg.h>
#include <qpdf/qpdf-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MM(x)     ((x)*72.0 / 25.4)
#define MAX_PAGES 10
#define A4_W      595.28
#define A4_H      841.89
struct kl_notify_report {
    char **problems;
    size_t n, cap;
    unsigned pages, address_lines;
    bool oom; /* a problem or a list could not be kept: the check fails */
};

static void add(kl_notify_report *r, const char *fmt, ...) KL_PRINTF(2, 3);
static void add(kl_notify_report *r, const char *fmt, ...)
{
    kl_buf b = KL_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    kl_core__buf_vprintf(&b, fmt, ap);
    va_end(ap);
    if (b.oom || KL_GROW(r->problems, r->cap, r->n + 1) < 0) {
        kl_core__buf_free(&b);
        r->oom = true;
        return;
    }
    r->problems[r->n++] = kl_core__buf_detach(&b);
}

/* Names copied out of qpdf (its iteration and name buffers are one at a time). */
typedef struct names {
    char **v;
    size_t n, cap;
} names;

static int names_add(names *ns, const char *s)
{
    char *d = kl_core__strdup(s);
    if (!d || KL_GROW(ns->v, ns->cap, ns->n + 1) < 0) {
        kl_free(d);
        return KL_ENOMEM;
    }
    ns->v[ns->n++] = d;
    return 0;
}

static bool names_has(const names *ns, const char *s)
{
    for (size_t i = 0; i < ns->n; i++)
        if (strcmp(ns->v[i], s) == 0)
            return true;
    return false;
}

static void names_free(names *ns)
{
    for (size_t i = 0; i < ns->n; i++)
        kl_free(ns->v[i]);
    kl_free(ns->v);
    *ns = (names){NULL, 0, 0};
}

void kl_notify_report_free(kl_notify_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        kl_free(r->problems[i]);
    kl_free(r->problems);
    kl_free(r);
}

size_t kl_notify_report_count(const kl_notify_report *r)
{
    return r ? r->n : 0;
}

const char *kl_notify_report_problem(const kl_notify_report *r, size_t i)
{
    return r && i < r->n ? r->problems[i] : NULL;
}

unsigned kl_notify_report_pages(const kl_notify_report *r)
{
    return r ? r->pages : 0;
}

unsigned kl_notify_report_address_lines(const kl_notify_report *r)
{
    return r ? r->address_lines : 0;
}

/* ---- objects -------------------------------------------------------------------------- */

/* A page attribute, looked up the page tree (MediaBox and Resources are inherited). */
static qpdf_oh inherited(qpdf_data q, qpdf_oh page, const char *key)
{
    qpdf_oh o = page;
    for (int depth = 0; depth < 32 && qpdf_oh_is_dictionary(q, o); depth++) {
        if (qpdf_oh_has_key(q, o, key))
            return qpdf_oh_get_key(q, o, key);
        o = qpdf_oh_get_key(q, o, "/Parent");
    }
    return qpdf_oh_new_null(q);
}

static bool box(qpdf_data q, qpdf_oh a, double v[4])
{
    if (!qpdf_oh_is_array(q, a) || qpdf_oh_get_array_n_items(q, a) != 4)
        return false;
    for (int i = 0; i < 4; i++) {
        qpdf_oh x = qpdf_oh_get_array_item(q, a, i);
        if (!qpdf_oh_is_number(q, x))
            return false;
        v[i] = qpdf_oh_get_numeric_value(q, x);
    }
    return true;
}

/* Keys of a dictionary, copied (qpdf's iteration is one at a time per qpdf_data). */
static int dict_keys(qpdf_data q, qpdf_oh d, names *keys)
{
    if (!qpdf_oh_is_dictionary(q, d))
        return 0;
    qpdf_oh_begin_dict_key_iter(q, d);
    while (qpdf_oh_dict_more_keys(q))
        if (names_add(keys, qpdf_oh_dict_next_key(q)) < 0)
            return KL_ENOMEM;
    return 0;
}

static bool font_embedded(qpdf_data q, qpdf_oh font)
{
    qpdf_oh sub = qpdf_oh_get_key(q, font, "/Subtype");
    if (qpdf_oh_is_name_and_equals(q, sub, "/Type3"))
        return true;
    if (qpdf_oh_is_name_and_equals(q, sub, "/Type0")) {
        qpdf_oh d = qpdf_oh_get_key(q, font, "/DescendantFonts");
        if (!qpdf_oh_is_array(q, d) || qpdf_oh_get_array_n_items(q, d) < 1)
            return false;
        font = qpdf_oh_get_array_item(q, d, 0);
    }
    qpdf_oh fd = qpdf_oh_get_key(q, font, "/FontDescriptor");
    return qpdf_oh_is_dictionary(q, fd) &&
           (qpdf_oh_has_key(q, fd, "/FontFile") || qpdf_oh_has_key(q, fd, "/FontFile2") ||
            qpdf_oh_has_key(q, fd, "/FontFile3"));
}

/* Every font of a resource dictionary and of the forms it draws; each font not
 * embedded is reported once (seen), on the first page it is used. */
static void check_fonts(qpdf_data q, qpdf_oh res, unsigned page, kl_notify_report *r, names *seen,
                        int depth)
{
    if (!qpdf_oh_is_dictionary(q, res) || depth > 8)
        return;
    names keys = {NULL, 0, 0};
    qpdf_oh fonts = qpdf_oh_get_key(q, res, "/Font");
    if (dict_keys(q, fonts, &keys) < 0)
        r->oom = true;
    for (size_t i = 0; i < keys.n; i++) {
        qpdf_oh f = qpdf_oh_get_key(q, fonts, keys.v[i]);
        if (font_embedded(q, f))
            continue;
        qpdf_oh bf = qpdf_oh_get_key(q, f, "/BaseFont");
        const char *name = qpdf_oh_is_name(q, bf) ? qpdf_oh_get_name(q, bf) + 1 : keys.v[i] + 1;
        if (names_has(seen, name))
            continue;
        if (names_add(seen, name) < 0) {
            r->oom = true;
            break;
        }
        add(r, "the font %s (first on page %u) is not embedded", seen->v[seen->n - 1], page);
    }
    names_free(&keys);
    qpdf_oh xo = qpdf_oh_get_key(q, res, "/XObject");
    if (dict_keys(q, xo, &keys) < 0)
        r->oom = true;
    for (size_t i = 0; i < keys.n; i++) {
        qpdf_oh x = qpdf_oh_get_key(q, xo, keys.v[i]);
        qpdf_oh d = qpdf_oh_get_dict(q, x);
        if (qpdf_oh_is_name_and_equals(q, qpdf_oh_get_key(q, d, "/Subtype"), "/Form"))
            check_fonts(q, qpdf_oh_get_key(q, d, "/Resources"), page, r, seen, depth + 1);
    }
    names_free(&keys);
}

/* ---- where text begins ---------------------------------------------------------------- */

typedef struct mat {
    double a, b, c, d, e, f;
} mat;

static mat mul(mat m, mat n) /* m then n */
{
    return (mat){m.a * n.a + m.b * n.c, m.a * n.b + m.b * n.d,       m.c * n.a + m.d * n.c,
                 m.c * n.b + m.d * n.d, m.e * n.a + m.f * n.c + n.e, m.e * n.b + m.f * n.d + n.f};
}

static const mat IDENTITY = {1, 0, 0, 1, 0, 0};

typedef struct origins {
    double *x, *y;
    size_t n, cap_x, cap_y;
    bool oom; /* an origin could not be kept: the page's check is not whole */
} origins;

static void push_origin(origins *o, double x, double y)
{
    if (KL_GROW(o->x, o->cap_x, o->n + 1) < 0 || KL_GROW(o->y, o->cap_y, o->n + 1) < 0) {
        o->oom = true;
        return;
    }
    o->x[o->n] = x;
    o->y[o->n++] = y;
}

static bool is_delim(unsigned char c)
{
    return strchr("()<>[]{}/%", c) != NULL;
}

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '\0';
}

/* The text and graphics state of a content stream as far as text origins need it. */
typedef struct reader {
    double num[8]; /* the last operands (no operator here takes more than 6) */
    size_t nn;
    mat ctm, tm, tlm;
    mat *stack; /* q saves the CTM, Q restores it */
    size_t depth, cap;
    double leading, rise;
    origins *out;
} reader;

/* The end of the string starting at s[i] == '(' (nesting and escapes respected). */
static size_t skip_string(const unsigned char *s, size_t len, size_t i)
{
    int lvl = 0;
    for (; i < len; i++) {
        if (s[i] == '\\') {
            i++;
            continue;
        }
        if (s[i] == '(')
            lvl++;
        else if (s[i] == ')' && --lvl == 0)
            return i + 1;
    }
    return i;
}

/* A number operand from s[*i]. */
static void read_number(reader *r, const unsigned char *s, size_t len, size_t *i)
{
    size_t start = *i;
    while (*i < len && !is_space(s[*i]) && !is_delim(s[*i]))
        (*i)++;
    size_t k = *i - start;
    char small[64], *tmp = k < sizeof small ? small : kl_core__malloc(k + 1);
    double v = 0;
    if (tmp) {
        memcpy(tmp, s + start, k);
        tmp[k] = '\0';
        v = strtod(tmp, NULL);
    } else {
        r->out->oom = true;
    }
    if (tmp != small)
        kl_free(tmp);
    if (r->nn == 8)
        memmove(r->num, r->num + 1, 7 * sizeof *r->num), r->nn = 7;
    r->num[r->nn++] = v;
}

/* An operator's effect on the state; a text-showing one adds its origin. */
static void apply_op(reader *r, const char *op)
{
#define ARG(n) (r->nn >= (n) ? r->num[r->nn - (n)] : 0)
    if (!strcmp(op, "q")) {
        if (KL_GROW(r->stack, r->cap, r->depth + 1) < 0)
            r->out->oom = true;
        else
            r->stack[r->depth++] = r->ctm;
    } else if (!strcmp(op, "Q")) {
        if (r->depth)
            r->ctm = r->stack[--r->depth];
    } else if (!strcmp(op, "cm") && r->nn >= 6) {
        r->ctm = mul((mat){ARG(6), ARG(5), ARG(4), ARG(3), ARG(2), ARG(1)}, r->ctm);
    } else if (!strcmp(op, "BT")) {
        r->tm = r->tlm = IDENTITY;
    } else if (!strcmp(op, "Tm") && r->nn >= 6) {
        r->tm = r->tlm = (mat){ARG(6), ARG(5), ARG(4), ARG(3), ARG(2), ARG(1)};
    } else if ((!strcmp(op, "Td") || !strcmp(op, "TD")) && r->nn >= 2) {
        if (op[1] == 'D')
            r->leading = -ARG(1);
        r->tm = r->tlm = mul((mat){1, 0, 0, 1, ARG(2), ARG(1)}, r->tlm);
    } else if (!strcmp(op, "TL")) {
        r->leading = ARG(1);
    } else if (!strcmp(op, "Ts")) {
        r->rise = ARG(1);
    } else if (!strcmp(op, "T*") || !strcmp(op, "'") || !strcmp(op, "\"")) {
        r->tm = r->tlm = mul((mat){1, 0, 0, 1, 0, -r->leading}, r->tlm);
    }
    if (!strcmp(op, "Tj") || !strcmp(op, "TJ") || !strcmp(op, "'") || !strcmp(op, "\"")) {
        mat m = mul(mul((mat){1, 0, 0, 1, 0, r->rise}, r->tm), r->ctm);
        push_origin(r->out, m.e, m.f);
    }
#undef ARG
    r->nn = 0;
}

/* Origins of every text-showing operator of a content stream, in default user space. */
static void text_origins(const unsigned char *s, size_t len, origins *out)
{
    reader r = {{0}, 0, IDENTITY, IDENTITY, IDENTITY, NULL, 0, 0, 0, 0, out};
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        if (is_space(c)) {
            i++;
        } else if (c == '%') {
            while (i < len && s[i] != '\n' && s[i] != '\r')
                i++;
        } else if (c == '(') { /* a string: skipped */
            i = skip_string(s, len, i);
            r.nn = 0;
        } else if (c == '<' && i + 1 < len && s[i + 1] == '<') {
            i += 2;
            r.nn = 0;
        } else if (c == '>' && i + 1 < len && s[i + 1] == '>') {
            i += 2;
        } else if (c == '<') {
            while (i < len && s[i] != '>')
                i++;
            i++;
            r.nn = 0;
        } else if (c == '[' || c == ']') {
            i++;
            if (c == '[')
                r.nn = 0;
        } else if (c == '/') {
            i++;
            while (i < len && !is_space(s[i]) && !is_delim(s[i]))
                i++;
            r.nn = 0;
        } else if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.') {
            read_number(&r, s, len, &i);
        } else {
            /* Operators are at most 2 characters: a longer word, cut to 7, is none of them. */
            char op[8];
            size_t k = 0;
            while (i < len && !is_space(s[i]) && !is_delim(s[i])) {
                if (k < sizeof op - 1)
                    op[k++] = (char)s[i];
                i++;
            }
            op[k] = '\0';
            if (!k) {
                i++;
                continue;
            }
            if (!strcmp(op, "BI")) { /* an inline image: skip to EI */
                while (i + 2 < len && !(is_space(s[i]) && s[i + 1] == 'E' && s[i + 2] == 'I' &&
                                        (i + 3 >= len || is_space(s[i + 3]))))
                    i++;
                i += 3;
                r.nn = 0;
                continue;
            }
            apply_op(&r, op);
        }
    }
    kl_free(r.stack);
}

/* ---- the check ---------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int check_pdf_locked(kl_context *ctx, const void *pdf, size_t len, kl_notify_report **out);

/* libqpdf is used under the library's one qpdf lock (lib/pdf/compact.c says why). */
int kl_notify_check_pdf(kl_context *ctx, const void *pdf, size_t len, kl_notify_report **out)
{
    kl_pdf__qpdf_lock();
    int rc = check_pdf_locked(ctx, pdf, len, out);
    kl_pdf__qpdf_unlock();
    return rc;
}

/* The baselines of page 1 in Notify's address area, kept growing in a list. */
typedef struct baselines {
    double *y;
    size_t n, cap;
} baselines;

/* Where a page's text begins: inside the printable area and, on page 1, not
 * straddling the address area; page 1's address lines into lines. */
static void check_origins(kl_notify_report *r, int p, const double mb[4], const origins *o,
                          baselines *lines)
{
    /* In page space from the top-left corner, in millimetres. */
    bool margin_said = false, straddle_said = false;
    for (size_t k = 0; k < o->n; k++) {
        double x = (o->x[k] - mb[0]) * 25.4 / 72, y = (mb[3] - o->y[k]) * 25.4 / 72;
        if (!margin_said && (x < 15 - 0.5 || x > 210 - 15 + 0.5 || y < 5 || y > 297 - 5)) {
            add(r,
                "page %d: text begins %.1f mm from the left and %.1f mm from the top, "
                "outside the printable area (15 mm left and right, 5 mm top and bottom)",
                p + 1, x, y);
            margin_said = true;
        }
        if (p != 0)
            continue;
        /* Page 1: a line whose start is in the address area's column and whose
         * baseline is within the area's height is an address line; one that begins
         * left of it or runs over its top or bottom edge straddles it. */
        bool in_y = y > 39.5 && y <= 39.5 + 26.8;
        bool in_x = x >= 24.6 - 0.5 && x < 24.6 + 95.4;
        if (in_y && x >= 15 - 0.5 && x < 24.6 - 0.5 && !straddle_said) {
            add(r, "page 1: text begins left of Notify's address area, within its height");
            straddle_said = true;
        }
        if (in_y && in_x) {
            if (KL_GROW(lines->y, lines->cap, lines->n + 1) < 0)
                r->oom = true;
            else
                lines->y[lines->n++] = y;
        }
    }
}

/* One page: A4 portrait, its fonts embedded, where its text begins. */
static void check_page(qpdf_data q, int p, kl_notify_report *r, names *seen, baselines *lines)
{
    qpdf_oh page = qpdf_get_page_n(q, (size_t)p);
    double mb[4] = {0, 0, 0, 0};
    bool ok = box(q, inherited(q, page, "/MediaBox"), mb);
    double w = fabs(mb[2] - mb[0]), h = fabs(mb[3] - mb[1]);
    qpdf_oh rot = inherited(q, page, "/Rotate");
    long rotate = qpdf_oh_is_integer(q, rot) ? (long)qpdf_oh_get_int_value(q, rot) : 0;
    if (!ok || fabs(w - A4_W) > 1 || fabs(h - A4_H) > 1 || rotate % 180)
        add(r, "page %d is %.0f x %.0f pt%s, not A4 portrait (595 x 842 pt)", p + 1, w, h,
            rotate % 180 ? " turned sideways" : "");
    check_fonts(q, inherited(q, page, "/Resources"), (unsigned)p + 1, r, seen, 0);

    unsigned char *content = NULL;
    size_t clen = 0;
    if (qpdf_oh_get_page_content_data(q, page, &content, &clen) & QPDF_ERRORS) {
        add(r, "page %d: its content cannot be read", p + 1);
        return;
    }
    origins o = {NULL, NULL, 0, 0, 0, false};
    text_origins(content, clen, &o);
    free(content);
    if (o.oom)
        r->oom = true;
    check_origins(r, p, mb, &o, lines);
    kl_free(o.x);
    kl_free(o.y);
}

static int check_pdf_locked(kl_context *ctx, const void *pdf, size_t len, kl_notify_report **out)
{
    kl_context_clear_error(ctx);
    if (!ctx || !pdf || !out)
        return kl_core__einval(ctx, "kl_notify_check_pdf");
    *out = NULL;
    kl_notify_report *r = kl_core__calloc(1, sizeof *r);
    if (!r)
        return kl_core__oom(ctx);
    qpdf_data q = qpdf_init();
    qpdf_silence_errors(q);
    qpdf_set_suppress_warnings(q, QPDF_TRUE);
    if (qpdf_read_memory(q, "letter.pdf", pdf, (unsigned long long)len, "") & QPDF_ERRORS) {
        qpdf_cleanup(&q);
        kl_free(r);
        return kl_core__error(ctx, KL_EFORMAT, KL_NOWHERE, "give the letter's PDF, not protected",
                              "the file cannot be read as a PDF");
    }
    int n = qpdf_get_num_pages(q);
    r->pages = n > 0 ? (unsigned)n : 0;
    if (n < 1)
        add(r, "the PDF has no pages");
    if (n > MAX_PAGES)
        add(r, "%d pages: Notify takes letters of at most %d pages", n, MAX_PAGES);
    names seen = {NULL, 0, 0};
    baselines lines = {NULL, 0, 0};
    for (int p = 0; p < n; p++)
        check_page(q, p, r, &seen, &lines);
    names_free(&seen);
    /* Distinct baselines (0.5 mm apart or more) in the address area. */
    if (lines.n) /* qsort's array may not be NULL, even for 0 elements */
        qsort(lines.y, lines.n, sizeof *lines.y, cmp_double);
    unsigned distinct = 0;
    for (size_t k = 0; k < lines.n; k++)
        if (!k || lines.y[k] - lines.y[k - 1] > 0.5)
            distinct++;
    kl_free(lines.y);
    r->address_lines = distinct;
    if (n >= 1 && (distinct < 3 || distinct > 7))
        add(r,
            "page 1 has %u line%s of text in Notify's address area (24.6 mm from the left, "
            "39.5 mm from the top, 95.4 x 26.8 mm), not 3 to 7",
            distinct, distinct == 1 ? "" : "s");
    qpdf_cleanup(&q);
    if (r->oom) {
        kl_notify_report_free(r);
        return kl_core__oom(ctx);
    }
    *out = r;
    return 0;
}
