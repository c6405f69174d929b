/* SPDX-License-Identifier: MIT */
/* review/family_csv.c: a CSV family list (family@src) into <member> elements, each remembering its
 * row and columns. */
#include "review/csv.h"
#include "review/review_priv.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

enum {
    C_ID,
    C_TITLE,
    C_GIVEN,
    C_FAMILY,
    C_RELATIONSHIP,
    C_GENDER,
    C_AGE,
    C_PR,
    C_LOCALE,
    C_ALSO,
    C_INTERPRETER,
    C_PRINT,
    C_READING,
    C_CHANNELS,
    C_ADDRESS,
    C_TOWN,
    C_POSTCODE,
    C_EMAIL,
    C_PHONE,
    C_PROFESSIONAL,
    C_CONTACT,
    C_REASON,
    C_FORMAT,
    N_COLS
};
const char *const kl_review__csv_names[N_COLS] = {
    "id",           "title",    "given",       "family",
    "relationship", "gender",   "age",         "parental_responsibility",
    "locale",       "also",     "interpreter", "print",
    "reading",      "channels", "address",     "town",
    "postcode",     "email",    "phone",       "professional",
    "contact",      "reason",   "format"};
static const bool csv_required[N_COLS] = {
    [C_ID] = true,     [C_GIVEN] = true,  [C_RELATIONSHIP] = true,
    [C_GENDER] = true, [C_LOCALE] = true, [C_CHANNELS] = true};

int kl_review__csv_col_for(const char *elem, const char *attr)
{
    const char *name = attr;
    if (!name) {
        name = strcmp(elem, "member") == 0     ? "id"
               : strcmp(elem, "name") == 0     ? "given"
               : strcmp(elem, "language") == 0 ? "locale"
               : strcmp(elem, "needs") == 0    ? "print"
               : strcmp(elem, "contact") == 0  ? "channels"
               : strcmp(elem, "line") == 0     ? "address"
               : strcmp(elem, "address") == 0  ? "address"
                                               : elem;
    } else if (strcmp(name, "parental-responsibility") == 0) {
        name = "parental_responsibility";
    } else if (strcmp(name, "size") == 0) {
        name = "print";
    } else if (strcmp(name, "channel") == 0) {
        name = "channels";
    }
    for (int i = 0; i < N_COLS; i++)
        if (strcmp(kl_review__csv_names[i], name) == 0)
            return i;
    return C_ID;
}

/* ---- CSV family lists --------------------------------------------------------------- */
static void lower(char *s)
{
    for (; *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

static bool set_attr(kl_loader *L, xmlNodePtr n, const char *name, const char *value)
{
    if (!value || !*value)
        return true;
    if (!xmlNewProp(n, BAD_CAST name, BAD_CAST value)) {
        L->oom = true;
        return false;
    }
    return true;
}

static xmlNodePtr new_el(kl_loader *L, xmlNodePtr parent, const char *name, const char *text,
                         kl_csv_origin *o)
{
    xmlNodePtr n = xmlNewTextChild(parent, L->ns, BAD_CAST name, BAD_CAST text);
    if (!n)
        L->oom = true;
    else
        n->_private = o;
    return n;
}

/* The row's field for each column ("" when absent), trimmed, the keyword
 * columns lower-cased and yes/no made true/false. */
static void row_fields(const kl_csv_row *row, const int *cols, char *f[N_COLS])
{
    for (int c = 0; c < N_COLS; c++) {
        size_t i = cols[c] ? (size_t)cols[c] - 1 : (size_t)-1;
        f[c] = i < row->n_fields ? trim(row->fields[i]) : (char *)"";
    }
    static const int lowered[] = {C_RELATIONSHIP, C_GENDER,   C_PR,      C_PRINT,
                                  C_READING,      C_CHANNELS, C_CONTACT, C_FORMAT};
    for (size_t i = 0; i < sizeof lowered / sizeof lowered[0]; i++)
        if (f[lowered[i]][0])
            lower(f[lowered[i]]);
    if (!strcmp(f[C_PR], "yes") || !strcmp(f[C_PR], "y") || !strcmp(f[C_PR], "1"))
        f[C_PR] = (char *)"true";
    else if (!strcmp(f[C_PR], "no") || !strcmp(f[C_PR], "n") || !strcmp(f[C_PR], "0"))
        f[C_PR] = (char *)"false";
}

/* <address> with a <line> for each ';'-separated part of the address column,
 * then <town> and <postcode>. */
static void add_address(kl_loader *L, xmlNodePtr c, char *const f[N_COLS], kl_csv_origin *o)
{
    xmlNodePtr a = new_el(L, c, "address", NULL, o);
    if (!a)
        return;
    /* The address lines are split on a copy: f[C_ADDRESS] may serve a second post. */
    char *lines = kl_core__strdup(f[C_ADDRESS]);
    if (!lines) {
        L->oom = true;
        return;
    }
    char *s2 = NULL;
    for (char *ln = strtok_r(lines, ";", &s2); ln; ln = strtok_r(NULL, ";", &s2))
        if (*trim(ln))
            new_el(L, a, "line", trim(ln), o);
    kl_free(lines);
    if (f[C_TOWN][0])
        new_el(L, a, "town", f[C_TOWN], o);
    if (f[C_POSTCODE][0])
        new_el(L, a, "postcode", f[C_POSTCODE], o);
}

/* A <contact> for each ';'-separated channel, with the columns it needs. */
static void add_channels(kl_loader *L, xmlNodePtr m, char *const f[N_COLS], kl_csv_origin *o)
{
    /* Split on a copy: the row is read again each time the member is (kl_review__member_open). */
    char *chans = kl_core__strdup(f[C_CHANNELS]), *save = NULL;
    if (!chans) {
        L->oom = true;
        return;
    }
    for (char *ch = strtok_r(chans, ";", &save); ch; ch = strtok_r(NULL, ";", &save)) {
        ch = trim(ch);
        if (!*ch)
            continue;
        xmlNodePtr c = new_el(L, m, "contact", NULL, o);
        if (!c)
            break;
        set_attr(L, c, "channel", ch);
        if (!strcmp(ch, "post")) {
            if (!f[C_ADDRESS][0] && !f[C_TOWN][0] && !f[C_POSTCODE][0])
                continue;
            add_address(L, c, f, o);
            if (L->oom)
                break;
        } else if (!strcmp(ch, "email")) {
            set_attr(L, c, "email", f[C_EMAIL]);
        } else if (!strcmp(ch, "sms")) {
            set_attr(L, c, "phone", f[C_PHONE]);
        } else if (!strcmp(ch, "via-professional")) {
            set_attr(L, c, "professional", f[C_PROFESSIONAL]);
        }
    }
    kl_free(chans);
}

/* A row's place in the family: an empty <member> element, and the row's problem with its
 * columns reported. */
static void csv_place(kl_loader *L, xmlNodePtr family, const kl_csv_row *row, const int *cols,
                      size_t n_header, kl_csv_origin *o)
{
    char *f[N_COLS];
    row_fields(row, cols, f);
    if (row->n_fields != n_header) {
        kl_where w = {o->source, row->row,
                      (unsigned)(row->n_fields > n_header ? n_header + 1 : row->n_fields), NULL};
        w.member_id = f[C_ID][0] ? f[C_ID] : NULL;
        L->rv->n_errors++;
        o->broken = true;
        kl_core__report(L->ctx, KL_EDATA, w,
                        "every row needs the same columns as the header; check for a stray comma "
                        "or quote",
                        "row has %zu fields but the header has %zu", row->n_fields, n_header);
    }
    new_el(L, family, "member", NULL, o);
}

/* One row into a whole <member> element, as if the review file had it (not in the tree). */
static xmlNodePtr csv_member(kl_loader *L, const kl_csv_row *row, const int *cols, kl_csv_origin *o)
{
    char *f[N_COLS];
    row_fields(row, cols, f);
    xmlNodePtr m = xmlNewDocNode(L->rv->doc, L->ns, BAD_CAST "member", NULL);
    if (!m) {
        L->oom = true;
        return NULL;
    }
    m->_private = o;
    set_attr(L, m, "id", f[C_ID]);
    set_attr(L, m, "relationship", f[C_RELATIONSHIP]);
    set_attr(L, m, "gender", f[C_GENDER]);
    set_attr(L, m, "age", f[C_AGE]);
    set_attr(L, m, "parental-responsibility", f[C_PR]);
    set_attr(L, m, "contact", f[C_CONTACT]);
    set_attr(L, m, "reason", f[C_REASON]);
    xmlNodePtr nm = new_el(L, m, "name", NULL, o);
    if (nm) {
        set_attr(L, nm, "title", f[C_TITLE]);
        set_attr(L, nm, "given", f[C_GIVEN]);
        set_attr(L, nm, "family", f[C_FAMILY]);
    }
    if (f[C_LOCALE][0] || f[C_ALSO][0] || f[C_INTERPRETER][0]) {
        xmlNodePtr l = new_el(L, m, "language", NULL, o);
        if (l) {
            set_attr(L, l, "locale", f[C_LOCALE]);
            set_attr(L, l, "also", f[C_ALSO]);
            set_attr(L, l, "interpreter", f[C_INTERPRETER]);
        }
    }
    if (f[C_PRINT][0] || f[C_READING][0] || f[C_FORMAT][0]) {
        xmlNodePtr nd = new_el(L, m, "needs", NULL, o);
        if (nd) {
            bool num = isdigit((unsigned char)f[C_PRINT][0]);
            set_attr(L, nd, num ? "size" : "print", f[C_PRINT]);
            set_attr(L, nd, "reading", f[C_READING]);
            set_attr(L, nd, "format", f[C_FORMAT]);
        }
    }
    add_channels(L, m, f, o);
    return m;
}

xmlNodePtr kl_review__csv_member(kl_loader *L, size_t k)
{
    const kl_csv *csv = L->csv;
    xmlNodePtr m = L->rv->extra[k].node;
    if (!csv || k + 1 >= csv->n_rows || !m || !m->_private || KL_REVIEW_IS_OFFSET(m->_private))
        return NULL;
    return csv_member(L, &csv->rows[k + 1], L->csv_cols, m->_private);
}

/* family@src read and parsed: the path (in the review's arena) and the rows. */
static int read_csv(kl_loader *L, xmlNodePtr family, size_t max_bytes, unsigned max_members,
                    const char **cpath, kl_csv **csv)
{
    const char *src = kl_review__attr(L, family, "src");
    const char *why = NULL;
    char *path = kl_review__inside_base(L, src, &why);
    if (!path && why) {
        kl_loader_pos p = kl_review__node_pos(L, family, "src");
        return kl_core__error(
            L->ctx, KL_EFORMAT, KL_AT(p.source ? p.source : L->source, p.line, p.col),
            "put the family list in the review file's directory (or below it) and "
            "name it relative to the review file",
            "family@src %s: the family list is not read", why);
    }
    if (!path)
        return kl_core__oom(L->ctx);
    *cpath = kl_review__strdup(L->rv, path);
    kl_free(path);
    if (!*cpath)
        return kl_core__oom(L->ctx);
    char *data = NULL;
    size_t len = 0;
    int rc = kl_core__read_file(L->ctx, *cpath, max_bytes, &data, &len);
    if (rc)
        return rc;
    rc = kl_csv__parse(L->ctx, *cpath, data, len, (size_t)max_members + 1, csv);
    kl_free(data);
    return rc;
}

/* The header row: cols[C_*] is each column's 1-based number (0 if absent).
 * Every problem is reported; the last one's code is returned. */
static int map_header(kl_loader *L, const char *cpath, const kl_csv_row *h, int *cols)
{
    int rc = 0;
    for (size_t i = 0; i < h->n_fields; i++) {
        /* Normalised in place: the header row is not read again. */
        char *name = trim(h->fields[i]);
        for (char *q = name; *q; q++)
            *q = *q == '-' || *q == ' ' ? '_' : (char)tolower((unsigned char)*q);
        int c;
        for (c = 0; c < N_COLS; c++)
            if (strcmp(name, kl_review__csv_names[c]) == 0)
                break;
        if (c == N_COLS) {
            rc = kl_core__error(
                L->ctx, KL_EFORMAT, KL_AT(cpath, h->row, (unsigned)i + 1),
                "the columns are id, title, given, family, relationship, gender, age, "
                "parental_responsibility, locale, also, interpreter, print, reading, "
                "channels, address, town, postcode, email, phone, professional, "
                "contact, reason, format",
                /* Not quoted: whatever file this is, its text is not repeated. */
                "column %zu of the header is not a family-list column", i + 1);
        } else if (cols[c]) {
            rc = kl_core__error(L->ctx, KL_EFORMAT, KL_AT(cpath, h->row, (unsigned)i + 1),
                                "remove one of the two columns", "column '%s' appears twice",
                                kl_review__csv_names[c]);
        } else {
            cols[c] = (int)i + 1;
        }
    }
    for (int c = 0; c < N_COLS; c++)
        if (csv_required[c] && !cols[c])
            rc = kl_core__error(L->ctx, KL_EFORMAT, KL_AT(cpath, h->row, 0),
                                "add the column to the header row (the first row)",
                                "the header has no '%s' column", kl_review__csv_names[c]);
    return rc;
}

int kl_review__load_csv(kl_loader *L, xmlNodePtr family, size_t max_bytes, unsigned max_members)
{
    const char *cpath = NULL;
    kl_csv *csv = NULL;
    int rc;
    if ((rc = read_csv(L, family, max_bytes, max_members, &cpath, &csv)) < 0)
        goto done;
    int *cols = kl_review__alloc(L->rv, N_COLS * sizeof *cols);
    if (!cols) {
        rc = kl_core__oom(L->ctx);
        goto done;
    }
    const kl_csv_row *h = &csv->rows[0];
    if ((rc = map_header(L, cpath, h, cols)) < 0)
        goto done;
    if (csv->n_rows < 2) {
        rc = kl_core__error(L->ctx, KL_EFORMAT, KL_AT(cpath, h->row, 1),
                            "add one row per family member", "the family list has no members");
        goto done;
    }
    xmlUnsetProp(family, BAD_CAST "src");
    /* Each row has its place in the family now, and is made a whole member only when read
     * (kl_review__member_open): the rows are kept until the review is loaded. */
    L->csv = csv;
    L->csv_cols = cols;
    csv = NULL;
    for (size_t r = 1; r < L->csv->n_rows && !L->oom; r++) {
        kl_csv_origin *o = kl_review__alloc(L->rv, sizeof *o);
        if (!o) {
            L->oom = true;
            break;
        }
        o->source = cpath;
        o->row = L->csv->rows[r].row;
        o->cols = cols;
        csv_place(L, family, &L->csv->rows[r], cols, h->n_fields, o);
    }
    if (L->oom)
        rc = kl_core__oom(L->ctx);
done:
    kl_csv__free(csv);
    return rc;
}
