/* SPDX-License-Identifier: MIT */
/* review/diag.c: where a node came from (file:line:col, or CSV row and column) and the loader's
 * messages. */
#include "review/review_priv.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- positions -------------------------------------------------------------- */
static void offset_pos(kl_loader *L, size_t off, unsigned *line, unsigned *col)
{
    if (!L->lines) {
        kl_core__line_col(L->text, off, line, col);
        return;
    }
    size_t lo = 0, hi = L->n_lines;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (L->lines[mid] <= off)
            lo = mid;
        else
            hi = mid;
    }
    unsigned c = 1;
    for (size_t i = L->lines[lo]; i < off && i < L->len; i++)
        if (((unsigned char)L->text[i] & 0xC0) != 0x80)
            c++;
    *line = (unsigned)lo + 1;
    *col = c;
}

/* The offset of attribute attr's name inside the start tag at tag, or tag. */
static size_t attr_offset(kl_loader *L, size_t tag, const char *attr)
{
    const char *t = L->text;
    size_t i = tag + 1, n = L->len, alen = strlen(attr);
    while (i < n && !isspace((unsigned char)t[i]) && t[i] != '>' && t[i] != '/')
        i++;
    for (;;) {
        while (i < n && isspace((unsigned char)t[i]))
            i++;
        if (i >= n || t[i] == '>' || t[i] == '/')
            return tag;
        size_t name = i;
        while (i < n && !isspace((unsigned char)t[i]) && t[i] != '=' && t[i] != '>')
            i++;
        if (i - name == alen && memcmp(t + name, attr, alen) == 0)
            return name;
        while (i < n && t[i] != '"' && t[i] != '\'' && t[i] != '>')
            i++;
        if (i >= n || t[i] == '>')
            return tag;
        char q = t[i++];
        while (i < n && t[i] != q)
            i++;
        i++;
    }
}

kl_loader_pos kl_review__node_pos(kl_loader *L, xmlNodePtr node, const char *attr)
{
    kl_loader_pos p = {L->source, 0, 0, NULL};
    if (node && node->type == XML_ATTRIBUTE_NODE) {
        attr = (const char *)node->name;
        node = node->parent;
    }
    xmlNodePtr n = node;
    while (n && n->type != XML_ELEMENT_NODE)
        n = n->parent;
    for (xmlNodePtr a = n; a && a->type == XML_ELEMENT_NODE; a = a->parent) {
        if (!a->_private)
            continue;
        if (KL_REVIEW_IS_OFFSET(a->_private)) {
            size_t off = KL_REVIEW_OFFSET_OF(a->_private);
            if (a == n && attr)
                off = attr_offset(L, off, attr);
            offset_pos(L, off, &p.line, &p.col);
        } else {
            const kl_csv_origin *o = a->_private;
            int c = kl_review__csv_col_for((const char *)n->name, a == n ? attr : NULL);
            p.source = o->source;
            p.line = o->row;
            p.col = o->cols[c] ? (unsigned)o->cols[c] : 1;
            p.column_name = kl_review__csv_names[c];
        }
        return p;
    }
    p.line = n ? (unsigned)xmlGetLineNo(n) : L->fallback_line;
    return p;
}

/* ---- diagnostics ------------------------------------------------------------ */
static void vproblem(kl_loader *L, kl_severity sev, xmlNodePtr node, const char *attr,
                     const char *hint, const char *fmt, va_list ap)
{
    if (L->silent) { /* reported when the review was loaded */
        L->member_failed |= sev == KL_SEVERITY_ERROR && L->member_mode;
        return;
    }
    kl_loader_pos p = kl_review__node_pos(L, node, attr);
    kl_buf b = KL_BUF_INIT; /* whole: a value quoted in the message is never cut */
    if (p.column_name)
        kl_core__buf_printf(&b, "column '%s': ", p.column_name);
    kl_core__buf_vprintf(&b, fmt, ap);
    if (b.oom)
        L->oom = true; /* the load fails out of memory; the problem still counts */
    const char *msg = !b.oom && b.data ? b.data : "";
    kl_where w = {p.source, p.line, p.col, L->member_mode ? L->member_id : NULL};
    if (sev != KL_SEVERITY_ERROR) {
        L->rv->n_warnings++;
        kl_core__warn(L->ctx, sev, w, hint, "%s", msg);
    } else if (L->member_mode) {
        L->member_failed = true;
        L->rv->n_errors++;
        kl_core__report(L->ctx, KL_EDATA, w, hint, "%s", msg);
    } else {
        L->file_failed = true;
        kl_core__error(L->ctx, KL_EFORMAT, w, hint, "%s", msg);
    }
    kl_core__buf_free(&b);
}

/* An error: for the current member when checking members, else for the file. */
KL_PRINTF(5, 6)
void kl_review__problem(kl_loader *L, xmlNodePtr node, const char *attr, const char *hint,
                        const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vproblem(L, KL_SEVERITY_ERROR, node, attr, hint, fmt, ap);
    va_end(ap);
}

KL_PRINTF(5, 6)
void kl_review__warning(kl_loader *L, xmlNodePtr node, const char *attr, const char *hint,
                        const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vproblem(L, KL_SEVERITY_WARNING, node, attr, hint, fmt, ap);
    va_end(ap);
}
