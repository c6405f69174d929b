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

#define MM(x)       ((x)*72.0 / 25.4)
#define MAX_PAGES   10
#define A4_W        595.28
#define A4_H        841.89
#define MAX_FINDING 40

struct kl_notify_report {
    char *problems[MAX_FINDING];
    size_t n;
    unsigned pages, address_lines;
};

static void add(kl_notify_report *r, const char *fmt, ...) KL_PRINTF(2, 3);
static void add(kl_notify_report *r, const char *fmt, ...)
{
    if (r->n == MAX_FINDING)
        return;
    char buf[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char *s = kl_core__strdup(buf);
    if (s)
        r->problems[r->n++] = s;
}

void kl_notify_report_free(kl_notify_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        kl_free(r->problems[i]);
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
static size_t dict_keys(qpdf_data q, qpdf_oh d, char keys[][128], size_t cap)
{
    size_t n = 0;
    if (!qpdf_oh_is_dictionary(q, d))
        return 0;
    qpdf_oh_begin_dict_key_iter(q, d);
    while (qpdf_oh_dict_more_keys(q) && n < cap)
        snprintf(keys[n++], 128, "%s", qpdf_oh_dict_next_key(q));
    return n;
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

/* Every font of a resource dictionary and of the forms it draws. */
static void check_fonts(qpdf_data q, qpdf_oh res, unsigned page, kl_notify_report *r,
                        char seen[][128], size_t *n_seen, int depth)
{
    if (!qpdf_oh_is_dictionary(q, res) || depth > 8)
        return;
    char(*keys)[128] = kl_core__malloc(256 * 128);
    if (!keys)
        return;
    qpdf_oh fonts = qpdf_oh_get_key(q, res, "/Font");
    size_t n = dict_keys(q, fonts, keys, 256);
    for (size_t i = 0; i < n; i++) {
        qpdf_oh f = qpdf_oh_get_key(q, fonts, keys[i]);
        if (font_embedded(q, f))
            continue;
        qpdf_oh bf = qpdf_oh_get_key(q, f, "/BaseFont");
        char name[128];
        snprintf(name, sizeof name, "%s",
                 qpdf_oh_is_name(q, bf) ? qpdf_oh_get_name(q, bf) + 1 : keys[i] + 1);
        bool again = false;
        for (size_t k = 0; k < *n_seen && !again; k++)
            again = strcmp(seen[k], name) == 0;
        if (again || *n_seen == 64)
            continue;
        snprintf(seen[(*n_seen)++], 128, "%s", name);
        add(r, "the font %s (first on page %u) is not embedded", name, page);
    }
    kl_free(keys);
    qpdf_oh xo = qpdf_oh_get_key(q, res, "/XObject");
    char(*xkeys)[128] = kl_core__malloc(256 * 128);
    if (!xkeys)
        return;
    size_t nx = dict_keys(q, xo, xkeys, 256);
    for (size_t i = 0; i < nx; i++) {
        qpdf_oh x = qpdf_oh_get_key(q, xo, xkeys[i]);
        qpdf_oh d = qpdf_oh_get_dict(q, x);
        if (qpdf_oh_is_name_and_equals(q, qpdf_oh_get_key(q, d, "/Subtype"), "/Form"))
            check_fonts(q, qpdf_oh_get_key(q, d, "/Resources"), page, r, seen, n_seen, depth + 1);
    }
    kl_free(xkeys);
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
    size_t n, cap;
} origins;

static void push_origin(origins *o, double x, double y)
{
    if (o->n == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 64;
        double *nx = kl_core__realloc(o->x, cap * sizeof *nx);
        if (!nx)
            return;
        o->x = nx;
        double *ny = kl_core__realloc(o->y, cap * sizeof *ny);
        if (!ny)
            return;
        o->y = ny;
        o->cap = cap;
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

/* Origins of every text-showing operator of a content stream, in default user space. */
static void text_origins(const unsigned char *s, size_t len, origins *out)
{
    double num[8];
    size_t nn = 0;
    mat ctm = IDENTITY, stack[64], tm = IDENTITY, tlm = IDENTITY;
    size_t depth = 0;
    double leading = 0, rise = 0;
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        if (is_space(c)) {
            i++;
        } else if (c == '%') {
            while (i < len && s[i] != '\n' && s[i] != '\r')
                i++;
        } else if (c == '(') { /* a string: skipped, nesting and escapes respected */
            int lvl = 0;
            for (; i < len; i++) {
                if (s[i] == '\\') {
                    i++;
                    continue;
                }
                if (s[i] == '(')
                    lvl++;
                else if (s[i] == ')' && --lvl == 0) {
                    i++;
                    break;
                }
            }
            nn = 0;
        } else if (c == '<' && i + 1 < len && s[i + 1] == '<') {
            i += 2;
            nn = 0;
        } else if (c == '>' && i + 1 < len && s[i + 1] == '>') {
            i += 2;
        } else if (c == '<') {
            while (i < len && s[i] != '>')
                i++;
            i++;
            nn = 0;
        } else if (c == '[' || c == ']') {
            i++;
            if (c == '[')
                nn = 0;
        } else if (c == '/') {
            i++;
            while (i < len && !is_space(s[i]) && !is_delim(s[i]))
                i++;
            nn = 0;
        } else if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.') {
            char tmp[64];
            size_t k = 0;
            while (i < len && k < sizeof tmp - 1 && !is_space(s[i]) && !is_delim(s[i]))
                tmp[k++] = (char)s[i++];
            tmp[k] = '\0';
            if (nn == 8)
                memmove(num, num + 1, 7 * sizeof *num), nn = 7;
            num[nn++] = strtod(tmp, NULL);
        } else {
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
#define ARG(n) (nn >= (n) ? num[nn - (n)] : 0)
            if (!strcmp(op, "BI")) { /* an inline image: skip to EI */
                while (i + 2 < len && !(is_space(s[i]) && s[i + 1] == 'E' && s[i + 2] == 'I' &&
                                        (i + 3 >= len || is_space(s[i + 3]))))
                    i++;
                i += 3;
            } else if (!strcmp(op, "q")) {
                if (depth < 64)
                    stack[depth++] = ctm;
            } else if (!strcmp(op, "Q")) {
                if (depth)
                    ctm = stack[--depth];
            } else if (!strcmp(op, "cm") && nn >= 6) {
                ctm = mul((mat){ARG(6), ARG(5), ARG(4), ARG(3), ARG(2), ARG(1)}, ctm);
            } else if (!strcmp(op, "BT")) {
                tm = tlm = IDENTITY;
            } else if (!strcmp(op, "Tm") && nn >= 6) {
                tm = tlm = (mat){ARG(6), ARG(5), ARG(4), ARG(3), ARG(2), ARG(1)};
            } else if ((!strcmp(op, "Td") || !strcmp(op, "TD")) && nn >= 2) {
                if (op[1] == 'D')
                    leading = -ARG(1);
                tm = tlm = mul((mat){1, 0, 0, 1, ARG(2), ARG(1)}, tlm);
            } else if (!strcmp(op, "TL")) {
                leading = ARG(1);
            } else if (!strcmp(op, "Ts")) {
                rise = ARG(1);
            } else if (!strcmp(op, "T*") || !strcmp(op, "'") || !strcmp(op, "\"")) {
                tm = tlm = mul((mat){1, 0, 0, 1, 0, -leading}, tlm);
            }
            if (!strcmp(op, "Tj") || !strcmp(op, "TJ") || !strcmp(op, "'") || !strcmp(op, "\"")) {
                mat m = mul(mul((mat){1, 0, 0, 1, 0, rise}, tm), ctm);
                push_origin(out, m.e, m.f);
            }
#undef ARG
            nn = 0;
        }
    }
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
    char seen[64][128];
    size_t n_seen = 0;
    double *lines = NULL;
    size_t n_lines = 0;
    for (int p = 0; p < n; p++) {
        qpdf_oh page = qpdf_get_page_n(q, (size_t)p);
        double mb[4] = {0, 0, 0, 0};
        bool ok = box(q, inherited(q, page, "/MediaBox"), mb);
        double w = fabs(mb[2] - mb[0]), h = fabs(mb[3] - mb[1]);
        qpdf_oh rot = inherited(q, page, "/Rotate");
        long rotate = qpdf_oh_is_integer(q, rot) ? (long)qpdf_oh_get_int_value(q, rot) : 0;
        if (!ok || fabs(w - A4_W) > 1 || fabs(h - A4_H) > 1 || rotate % 180)
            add(r, "page %d is %.0f x %.0f pt%s, not A4 portrait (595 x 842 pt)", p + 1, w, h,
                rotate % 180 ? " turned sideways" : "");
        check_fonts(q, inherited(q, page, "/Resources"), (unsigned)p + 1, r, seen, &n_seen, 0);

        unsigned char *content = NULL;
        size_t clen = 0;
        if (qpdf_oh_get_page_content_data(q, page, &content, &clen) & QPDF_ERRORS) {
            add(r, "page %d: its content cannot be read", p + 1);
            continue;
        }
        origins o = {NULL, NULL, 0, 0};
        text_origins(content, clen, &o);
        free(content);
        /* In page space from the top-left corner, in millimetres. */
        bool margin_said = false, straddle_said = false;
        for (size_t k = 0; k < o.n; k++) {
            double x = (o.x[k] - mb[0]) * 25.4 / 72, y = (mb[3] - o.y[k]) * 25.4 / 72;
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
                double *grown = kl_core__realloc(lines, (n_lines + 1) * sizeof *grown);
                if (grown) {
                    lines = grown;
                    lines[n_lines++] = y;
                }
            }
        }
        kl_free(o.x);
        kl_free(o.y);
    }
    /* Distinct baselines (0.5 mm apart or more) in the address area. */
    if (n_lines) /* qsort's array may not be NULL, even for 0 elements */
        qsort(lines, n_lines, sizeof *lines, cmp_double);
    unsigned distinct = 0;
    for (size_t k = 0; k < n_lines; k++)
        if (!k || lines[k] - lines[k - 1] > 0.5)
            distinct++;
    kl_free(lines);
    r->address_lines = distinct;
    if (n >= 1 && (distinct < 3 || distinct > 7))
        add(r,
            "page 1 has %u line%s of text in Notify's address area (24.6 mm from the left, "
            "39.5 mm from the top, 95.4 x 26.8 mm), not 3 to 7",
            distinct, distinct == 1 ? "" : "s");
    qpdf_cleanup(&q);
    for (size_t k = 0; k < r->n; k++)
        if (!r->problems[k]) {
            kl_notify_report_free(r);
            return kl_core__oom(ctx);
        }
    *out = r;
    return 0;
}
