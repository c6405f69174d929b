/* SPDX-License-Identifier: MIT */
/* l10n/source.c: read catalogs' text sources with the position of every message. */
#include "l10n/l10n_priv.h"

#include <stdio.h>
#include <string.h>

#define MAX_DEPTH 8
#define MAX_SRC   (8u << 20)

typedef struct parser {
    kl_context *ctx;
    kl_csrc *src;
    const char *s;
    size_t len, pos;
    size_t *lines; /* offsets where each line starts */
    size_t n_lines;
    int rc;
} parser;

static void where(const parser *p, size_t off, unsigned *line, unsigned *col)
{
    size_t lo = 0, hi = p->n_lines;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (p->lines[mid] <= off)
            lo = mid;
        else
            hi = mid;
    }
    *line = (unsigned)lo + 1;
    unsigned c = 1;
    for (size_t i = p->lines[lo]; i < off && i < p->len; i++)
        if (((unsigned char)p->s[i] & 0xC0) != 0x80)
            c++;
    /* the byte at off itself starts the column counted so far */
    *col = c;
}

static int fail(parser *p, size_t off, const char *hint, const char *what)
{
    unsigned l, c;
    where(p, off, &l, &c);
    if (!p->rc)
        p->rc = kl_core__error(p->ctx, KL_EPARSE, KL_AT(p->src->path, l, c), hint, "%s", what);
    return p->rc;
}

static void skip_ws(parser *p)
{
    while (p->pos < p->len) {
        char c = p->s[p->pos];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f') {
            p->pos++;
        } else if (c == '/' && p->pos + 1 < p->len && p->s[p->pos + 1] == '/') {
            while (p->pos < p->len && p->s[p->pos] != '\n')
                p->pos++;
        } else if (c == '/' && p->pos + 1 < p->len && p->s[p->pos + 1] == '*') {
            const char *e = strstr(p->s + p->pos + 2, "*/");
            if (!e) {
                fail(p, p->pos, "close the comment with */", "unterminated comment");
                p->pos = p->len;
                return;
            }
            p->pos = (size_t)(e - p->s) + 2;
        } else if ((unsigned char)c == 0xEF && p->pos + 2 < p->len &&
                   (unsigned char)p->s[p->pos + 1] == 0xBB &&
                   (unsigned char)p->s[p->pos + 2] == 0xBF) {
            p->pos += 3; /* byte-order mark */
        } else {
            return;
        }
    }
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static void put_cp(kl_buf *b, unsigned long cp)
{
    char u[4];
    if (cp < 0x80) {
        kl_core__buf_putc(b, (char)cp);
        return;
    }
    if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        kl_core__buf_append(b, u, 2);
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        kl_core__buf_append(b, u, 3);
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        kl_core__buf_append(b, u, 4);
    }
}

/* A quoted string at p->pos (a '"'): decoded into b. */
/* One escape (p->pos just after its backslash at esc): *cp the code point it stands for.
 * Returns 0, 1 when it is a character standing for itself (a quote, a backslash), already
 * appended to b, or the failure (reported). */
static int escape(parser *p, size_t esc, kl_buf *b, unsigned long *cp)
{
    char c = p->s[p->pos++];
    int digits = 0, maxd = 0, base = 16;
    *cp = 0;
    /* \a \b \t \n \v \f \r as in C, and \e for ESC */
    static const char named[] = "abtnvfre";
    static const unsigned char named_cp[] = {7, 8, 9, 10, 11, 12, 13, 27};
    const char *nm = c ? strchr(named, c) : NULL;
    if (c == 'u' || c == 'U' || c == 'x') {
        maxd = c == 'u' ? 4 : c == 'U' ? 8 : 2;
    } else if (nm) {
        *cp = named_cp[nm - named];
    } else if (c >= '0' && c <= '7') {
        base = 8;
        maxd = 3;
        p->pos--;
    } else {
        /* any other character stands for itself (\" \\ \') */
        p->pos--;
        size_t n = 1;
        while (p->pos + n < p->len && ((unsigned char)p->s[p->pos + n] & 0xC0) == 0x80)
            n++;
        kl_core__buf_append(b, p->s + p->pos, n);
        p->pos += n;
        return 1;
    }
    if (!maxd)
        return 0;
    if (c == 'x' && p->pos < p->len && p->s[p->pos] == '{') {
        p->pos++;
        while (p->pos < p->len && hexval(p->s[p->pos]) >= 0 && digits < 8) {
            *cp = *cp * 16 + (unsigned long)hexval(p->s[p->pos++]);
            digits++;
        }
        if (p->pos >= p->len || p->s[p->pos] != '}' || !digits)
            return fail(p, esc, "write \\x{hex}", "illegal escape sequence");
        p->pos++;
        return 0;
    }
    while (digits < maxd && p->pos < p->len) {
        int v = base == 8 ? (p->s[p->pos] >= '0' && p->s[p->pos] <= '7' ? p->s[p->pos] - '0' : -1)
                          : hexval(p->s[p->pos]);
        if (v < 0)
            break;
        *cp = *cp * (unsigned long)base + (unsigned long)v;
        p->pos++;
        digits++;
    }
    if (base == 16 && digits != maxd && c != 'x')
        return fail(p, esc, "write \\u followed by exactly 4 hex digits",
                    "illegal escape sequence");
    if (!digits)
        return fail(p, esc, "write \\xHH", "illegal escape sequence");
    return 0;
}

static int quoted(parser *p, kl_buf *b)
{
    size_t open = p->pos++;
    unsigned long pending_high = 0;
    while (p->pos < p->len && p->s[p->pos] != '"') {
        char c = p->s[p->pos];
        if (c != '\\') {
            if (pending_high) {
                put_cp(b, 0xFFFD);
                pending_high = 0;
            }
            kl_core__buf_putc(b, c);
            p->pos++;
            continue;
        }
        size_t esc = p->pos++;
        if (p->pos >= p->len)
            break;
        unsigned long cp;
        int r = escape(p, esc, b, &cp);
        if (r < 0)
            return r;
        if (r == 1)
            continue;
        /* A surrogate pair written as two \u escapes is one character. */
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            pending_high = cp;
            continue;
        }
        if (cp >= 0xDC00 && cp <= 0xDFFF && pending_high) {
            cp = 0x10000 + ((pending_high - 0xD800) << 10) + (cp - 0xDC00);
            pending_high = 0;
        } else if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return fail(p, esc, NULL, "escape is not a Unicode character");
        }
        put_cp(b, cp);
    }
    if (p->pos >= p->len)
        return fail(p, open, "close the string with \"", "unterminated string");
    p->pos++;
    return 0;
}

static bool word_char(char c)
{
    return !(c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '{' || c == '}' || c == '"' ||
             c == ':' || c == ',' || c == '/' || c == '\0');
}

/* A key: quoted or bare. */
static int key(parser *p, char **out)
{
    kl_buf b = KL_BUF_INIT;
    if (p->s[p->pos] == '"') {
        if (quoted(p, &b)) {
            kl_core__buf_free(&b);
            return p->rc;
        }
    } else {
        size_t st = p->pos;
        while (p->pos < p->len && word_char(p->s[p->pos]))
            p->pos++;
        if (p->pos == st)
            return fail(p, st, "a key is a name, or a quoted \"message.id\"", "expected a key");
        kl_core__buf_append(&b, p->s + st, p->pos - st);
    }
    if (b.oom || !(*out = kl_core__buf_detach(&b))) {
        kl_core__buf_free(&b);
        return p->rc = kl_core__oom(p->ctx);
    }
    return 0;
}

static int add_str(parser *p, const char *table, char *k, kl_buf *text, size_t kpos, size_t vstart,
                   size_t vend)
{
    kl_csrc *s = p->src;
    for (size_t i = 0; i < s->n_strs; i++) {
        if (strcmp(s->strs[i].table, table) == 0 && strcmp(s->strs[i].key, k) == 0) {
            char msg[256];
            snprintf(msg, sizeof msg, "'%s' appears twice in table %s (first on line %u)", k, table,
                     s->strs[i].line);
            kl_free(k);
            kl_core__buf_free(text);
            return fail(p, kpos, "keep one of them", msg);
        }
    }
    if (KL_GROW(s->strs, s->cap_strs, s->n_strs + 1) < 0) {
        kl_free(k);
        kl_core__buf_free(text);
        return p->rc = kl_core__oom(p->ctx);
    }
    kl_csrc_str *e = &s->strs[s->n_strs];
    memset(e, 0, sizeof *e);
    e->key = k;
    e->table = kl_core__strdup(table);
    e->text = text->oom ? NULL : kl_core__buf_detach(text);
    s->n_strs++;
    if (!e->table || !e->text) {
        kl_core__buf_free(text);
        return p->rc = kl_core__oom(p->ctx);
    }
    e->vstart = vstart;
    e->vend = vend;
    where(p, kpos, &e->line, &e->column);
    where(p, vstart + 1, &e->tline, &e->tcol);
    return 0;
}

static int add_table(parser *p, const char *path, size_t start, size_t open, size_t close)
{
    kl_csrc *s = p->src;
    if (KL_GROW(s->tables, s->cap_tables, s->n_tables + 1) < 0)
        return p->rc = kl_core__oom(p->ctx);
    kl_csrc_table *t = &s->tables[s->n_tables];
    if (!(t->path = kl_core__strdup(path)))
        return p->rc = kl_core__oom(p->ctx);
    /* Removing a table takes its whole line when the key starts one. */
    size_t ls = start;
    while (ls > 0 && (p->s[ls - 1] == ' ' || p->s[ls - 1] == '\t'))
        ls--;
    t->start = (ls == 0 || p->s[ls - 1] == '\n') ? ls : start;
    t->open = open;
    t->close = close;
    s->n_tables++;
    return 0;
}

static int table_body(parser *p, const char *path, size_t kstart, size_t open, int depth);

/* After a key (and its '{' at p->pos - 1): a string or a table. */
static int value(parser *p, const char *parent, char *k, size_t kpos, size_t open, int depth)
{
    skip_ws(p);
    if (p->rc) {
        kl_free(k);
        return p->rc;
    }
    bool is_string = p->pos < p->len && p->s[p->pos] == '"';
    if (is_string) {
        /* A quoted key followed by { or : starts a table instead. */
        size_t save = p->pos;
        kl_buf scratch = KL_BUF_INIT;
        if (quoted(p, &scratch)) {
            kl_core__buf_free(&scratch);
            kl_free(k);
            return p->rc;
        }
        kl_core__buf_free(&scratch);
        skip_ws(p);
        is_string = !(p->pos < p->len && (p->s[p->pos] == '{' || p->s[p->pos] == ':'));
        p->pos = save;
    }
    if (is_string) {
        kl_buf text = KL_BUF_INIT;
        size_t vstart = p->pos, vend = p->pos;
        while (p->pos < p->len && p->s[p->pos] == '"') {
            if (quoted(p, &text)) {
                kl_core__buf_free(&text);
                kl_free(k);
                return p->rc;
            }
            vend = p->pos;
            skip_ws(p);
        }
        if (p->pos < p->len && p->s[p->pos] == ',') {
            /* An array of strings (word lists for checks, not messages): read
             * and kept out of the message tables. */
            while (!p->rc && p->pos < p->len && p->s[p->pos] == ',') {
                p->pos++;
                skip_ws(p);
                while (!p->rc && p->pos < p->len && p->s[p->pos] == '"') {
                    if (quoted(p, &text))
                        break;
                    skip_ws(p);
                }
            }
            kl_core__buf_free(&text);
            kl_free(k);
            if (p->rc)
                return p->rc;
            if (p->pos >= p->len || p->s[p->pos] != '}')
                return fail(p, p->pos >= p->len ? open : p->pos, "end the list with }",
                            "expected , or } in a list of strings");
            p->pos++;
            return 0;
        }
        if (p->pos >= p->len || p->s[p->pos] != '}') {
            kl_core__buf_free(&text);
            kl_free(k);
            return fail(p, p->pos >= p->len ? open : p->pos,
                        "end the message with } after its closing quote",
                        p->pos >= p->len ? "unterminated message" : "expected } after the string");
        }
        p->pos++;
        if (!text.data && !text.oom)
            kl_core__buf_puts(&text, "");
        return add_str(p, parent, k, &text, kpos, vstart, vend);
    }
    kl_buf path = KL_BUF_INIT;
    kl_core__buf_printf(&path, "%s%s%s", parent, parent[0] ? "/" : "", k);
    kl_free(k);
    if (path.oom) {
        kl_core__buf_free(&path);
        return p->rc = kl_core__oom(p->ctx);
    }
    int rc = table_body(p, path.data, kpos, open, depth + 1);
    kl_core__buf_free(&path);
    return rc;
}

static int table_body(parser *p, const char *path, size_t kstart, size_t open, int depth)
{
    if (depth > MAX_DEPTH)
        return fail(p, open, NULL, "tables nested too deeply");
    for (;;) {
        skip_ws(p);
        if (p->rc)
            return p->rc;
        if (p->pos >= p->len) {
            char msg[200];
            snprintf(msg, sizeof msg, "table '%s' is not closed", path[0] ? path : "(root)");
            return fail(p, kstart, "add the missing } (or a missing closing quote)", msg);
        }
        if (p->s[p->pos] == '}') {
            size_t close = p->pos++;
            return add_table(p, path, kstart, open, close);
        }
        size_t kpos = p->pos;
        char *k = NULL;
        if (key(p, &k))
            return p->rc;
        skip_ws(p);
        if (p->pos < p->len && p->s[p->pos] == ':') {
            /* a type annotation: only "table" and "string" mean anything here */
            p->pos++;
            size_t st = p->pos;
            while (p->pos < p->len && word_char(p->s[p->pos]))
                p->pos++;
            if (!((p->pos - st == 5 && !strncmp(p->s + st, "table", 5)) ||
                  (p->pos - st == 6 && !strncmp(p->s + st, "string", 6)))) {
                kl_free(k);
                return fail(p, st, NULL, "catalogs hold only tables and strings");
            }
            skip_ws(p);
        }
        if (p->pos >= p->len || p->s[p->pos] != '{') {
            kl_free(k);
            return fail(p, p->pos < p->len ? p->pos : kpos,
                        "write \"message.id\" { \"text\" }, with the text in double quotes",
                        "expected { after the key");
        }
        size_t vopen = p->pos++;
        if (value(p, path, k, kpos, vopen, depth))
            return p->rc;
    }
}

void kl_l10n__src_free(kl_csrc *src)
{
    if (!src)
        return;
    for (size_t i = 0; i < src->n_strs; i++) {
        kl_free(src->strs[i].table);
        kl_free(src->strs[i].key);
        kl_free(src->strs[i].text);
    }
    for (size_t i = 0; i < src->n_tables; i++)
        kl_free(src->tables[i].path);
    kl_free(src->strs);
    kl_free(src->tables);
    kl_free(src->path);
    kl_free(src->name);
    kl_free(src->root);
    kl_free(src->data);
    kl_free(src);
}

int kl_l10n__src_parse(kl_context *ctx, const char *path, const char *data, size_t len,
                       kl_csrc **out)
{
    *out = NULL;
    kl_csrc *src = kl_core__calloc(1, sizeof *src);
    if (!src)
        return kl_core__oom(ctx);
    src->path = kl_core__strdup(path);
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t bl = strlen(base);
    src->name = kl_core__strndup(base, bl > 4 && !strcmp(base + bl - 4, ".txt") ? bl - 4 : bl);
    src->data = kl_core__malloc(len + 1);
    if (!src->path || !src->name || !src->data) {
        kl_l10n__src_free(src);
        return kl_core__oom(ctx);
    }
    memcpy(src->data, data, len);
    src->data[len] = '\0';
    src->len = len;
    size_t bad = 0;
    if (!kl_core__utf8_valid(data, len, &bad)) {
        unsigned l, c;
        kl_core__line_col(data, bad, &l, &c);
        kl_l10n__src_free(src);
        return kl_core__error(ctx, KL_EPARSE, KL_AT(path, l, c), "save the file as UTF-8",
                              "not valid UTF-8");
    }
    parser p = {ctx, src, src->data, len, 0, NULL, 0, 0};
    size_t n = 1;
    for (size_t i = 0; i < len; i++)
        n += data[i] == '\n';
    p.lines = kl_core__malloc(n * sizeof *p.lines);
    if (!p.lines) {
        kl_l10n__src_free(src);
        return kl_core__oom(ctx);
    }
    p.lines[p.n_lines++] = 0;
    for (size_t i = 0; i < len; i++)
        if (data[i] == '\n')
            p.lines[p.n_lines++] = i + 1;

    skip_ws(&p);
    size_t kpos = p.pos;
    if (!p.rc && p.pos >= len)
        fail(&p, 0, "a catalog is one table: name { ... }", "the catalog is empty");
    if (!p.rc && !key(&p, &src->root)) {
        skip_ws(&p);
        if (p.pos >= len || src->data[p.pos] != '{') {
            fail(&p, p.pos < len ? p.pos : kpos, "write name { ... }", "expected { after the name");
        } else {
            size_t open = p.pos++;
            if (!table_body(&p, "", kpos, open, 0)) {
                src->root_close = p.pos - 1;
                skip_ws(&p);
                if (!p.rc && p.pos < len)
                    fail(&p, p.pos, "a catalog is one table; remove the text after its }",
                         "text after the end of the catalog");
            }
        }
    }
    kl_free(p.lines);
    if (p.rc) {
        kl_l10n__src_free(src);
        return p.rc;
    }
    *out = src;
    return 0;
}

int kl_l10n__src_load(kl_context *ctx, const char *path, kl_csrc **out)
{
    char *data = NULL;
    size_t len = 0;
    *out = NULL;
    int rc = kl_core__read_file(ctx, path, MAX_SRC, &data, &len);
    if (rc)
        return rc;
    rc = kl_l10n__src_parse(ctx, path, data, len, out);
    kl_free(data);
    return rc;
}

const kl_csrc_str *kl_l10n__src_find(const kl_csrc *src, const char *table, const char *key)
{
    if (!src)
        return NULL;
    for (size_t i = 0; i < src->n_strs; i++)
        if (strcmp(src->strs[i].key, key) == 0 && strcmp(src->strs[i].table, table) == 0)
            return &src->strs[i];
    return NULL;
}

const kl_csrc_table *kl_l10n__src_table(const kl_csrc *src, const char *path)
{
    for (size_t i = 0; src && i < src->n_tables; i++)
        if (strcmp(src->tables[i].path, path) == 0)
            return &src->tables[i];
    return NULL;
}

/* Skip a value's body up to after its closing '}' (strings and nested tables included). */
static void skip_body(parser *p)
{
    int depth = 1;
    kl_buf junk = KL_BUF_INIT;
    while (!p->rc && p->pos < p->len && depth > 0) {
        skip_ws(p);
        if (p->pos >= p->len)
            break;
        char c = p->s[p->pos];
        if (c == '"') {
            quoted(p, &junk);
            kl_core__buf_clear(&junk);
            continue;
        }
        if (c == '{')
            depth++;
        else if (c == '}')
            depth--;
        p->pos++;
    }
    kl_core__buf_free(&junk);
}

/* The quoted strings of a list's body (p->pos just after its '{'), appended
 * to *v (kept NULL-terminated). Returns 0 or KL_ENOMEM. */
static int list_items(parser *p, char ***v, size_t *nv, size_t *cap)
{
    kl_buf item = KL_BUF_INIT;
    bool have = false;
    int rc = 0;
    while (!p->rc && !rc) {
        skip_ws(p);
        if (p->pos >= p->len || p->s[p->pos] == '{') {
            p->pos = p->len; /* not a list of strings */
            break;
        }
        char c = p->s[p->pos];
        if (c == '"') {
            if (quoted(p, &item))
                break;
            have = true;
            continue;
        }
        if (have) {
            char *w = item.oom ? NULL : kl_core__buf_detach(&item);
            if (!w || KL_GROW(*v, *cap, *nv + 2) < 0) {
                kl_free(w);
                rc = KL_ENOMEM;
                break;
            }
            (*v)[(*nv)++] = w;
            (*v)[*nv] = NULL;
            kl_core__buf_clear(&item);
            have = false;
        }
        p->pos++;
        if (c == '}')
            break;
    }
    kl_core__buf_free(&item);
    return rc;
}

int kl_l10n__src_list(kl_context *ctx, const kl_csrc *src, const char *table, const char *name,
                      char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    const kl_csrc_table *t = src ? kl_l10n__src_table(src, table) : NULL;
    if (!t)
        return 0;
    size_t line0 = 0;
    parser p = {.ctx = ctx,
                .src = (kl_csrc *)src,
                .s = src->data,
                .len = t->close,
                .pos = t->open + 1,
                .lines = &line0,
                .n_lines = 1};
    char **v = NULL;
    size_t nv = 0, cap = 0;
    int rc = 0;
    while (!p.rc && !rc) {
        skip_ws(&p);
        if (p.pos >= p.len || p.s[p.pos] == '}')
            break;
        char *k = NULL;
        if (key(&p, &k))
            break;
        skip_ws(&p);
        if (p.pos >= p.len || p.s[p.pos] != '{') {
            kl_free(k);
            break;
        }
        p.pos++;
        bool want = !strcmp(k, name);
        kl_free(k);
        if (!want) {
            skip_body(&p);
            continue;
        }
        rc = list_items(&p, &v, &nv, &cap);
        break;
    }
    if (rc || p.rc == KL_ENOMEM) {
        for (size_t i = 0; i < nv; i++)
            kl_free(v[i]);
        kl_free(v);
        return kl_core__oom(ctx);
    }
    if (p.rc)
        kl_context_clear_error(ctx); /* a list it cannot read is no list */
    *out = v;
    *n = nv;
    return 0;
}

int kl_l10n__quote(kl_buf *b, const char *text)
{
    kl_core__buf_putc(b, '"');
    const unsigned char *s = (const unsigned char *)text;
    while (*s) {
        unsigned long cp = *s;
        size_t n = 1;
        if (cp >= 0xF0) {
            cp = ((cp & 0x07) << 18) | ((s[1] & 0x3Fu) << 12) | ((s[2] & 0x3Fu) << 6) |
                 (s[3] & 0x3Fu);
            n = 4;
        } else if (cp >= 0xE0) {
            cp = ((cp & 0x0F) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
            n = 3;
        } else if (cp >= 0xC0) {
            cp = ((cp & 0x1F) << 6) | (s[1] & 0x3Fu);
            n = 2;
        }
        /* Invisible characters are written as escapes so a translator sees them. */
        bool invisible = cp < 0x20 || cp == 0x7F || (cp >= 0x200B && cp <= 0x200F) ||
                         (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x2069) ||
                         cp == 0xFEFF || cp == 0x00AD;
        if (cp == '"' || cp == '\\') {
            kl_core__buf_putc(b, '\\');
            kl_core__buf_putc(b, (char)cp);
        } else if (invisible) {
            kl_core__buf_printf(b, "\\u%04lX", cp);
        } else {
            kl_core__buf_append(b, s, n);
        }
        s += n;
    }
    kl_core__buf_putc(b, '"');
    return b->oom ? KL_ENOMEM : 0;
}

const kl_csrc_str *kl_l10n__src_english(const kl_csrc *en, const char *variant, const char *msgid)
{
    static const char *const order[] = {"standard", "plain", "young_person", "easy_read"};
    int v = 0;
    for (int i = 0; i < 4; i++)
        if (strcmp(variant, order[i]) == 0)
            v = i;
    /* easy_read falls back to plain, never to young_person. */
    for (; v >= 0; v = v == 3 ? 1 : v - 1) {
        const kl_csrc_str *s = kl_l10n__src_find(en, order[v], msgid);
        if (s)
            return s;
    }
    return NULL;
}
