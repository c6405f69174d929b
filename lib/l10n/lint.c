/* SPDX-License-Identifier: MIT */
/* l10n/lint.c: translators' checks (kinletter catalog check), fingerprints (stamp), coverage
 * (status), pseudo-locales. */
#include "l10n/l10n_priv.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const kind_names[] = {
    "syntax",    "missing",      "extra", "arg-missing", "arg-extra", "plural", "no-other",
    "structure", "untranslated", "stale", "unconfirmed", "isolate",   "length"};

typedef struct chk {
    kl_context *ctx;
    kl_catalog_sources *s;
    kl_cfile *f;
    kl_catalog_finding_fn fn;
    void *ud;
    char bcp[64]; /* the catalog's language tag for ICU ("pt-BR") */
} chk;

KL_PRINTF(12, 13)
static void emit(chk *c, kl_finding_kind k, kl_severity sev, const char *variant, const char *msgid,
                 const char *file, unsigned line, unsigned col, const char *english,
                 const char *old, const char *text, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    kl_catalog_finding f = {k,
                            kind_names[k],
                            sev,
                            c->f->name,
                            variant ? variant : "",
                            msgid ? msgid : "",
                            file ? file : c->f->path,
                            line,
                            col,
                            msg,
                            english,
                            old,
                            text};
    c->fn(&f, c->ud);
}

/* genrb's complaints in our words. When our own reader could not read the
 * file, it has said where and what (with the column): genrb's follow-on
 * messages about the same mistake would only confuse, so they are left out. */
static void genrb_finding(const char *file, unsigned line, const char *message, void *ud)
{
    chk *c = ud;
    static const struct {
        const char *genrb, *ours;
    } words[] = {
        {"Stopped parsing resource", NULL}, /* a follow-on of the real error */
        {"invariant characters required for table keys",
         "a message name may use only ASCII letters, digits, '.', '_' and '-' (is a closing "
         "'}' or '\"' missing above?)"},
        {"Unexpected token after '{'",
         "a message is \"name\" { \"text\" }: something other than a quoted text follows '{'"},
        {"Duplicate key", "a message name is used twice in the same set: remove one"},
        {"Encountered end of file", "the file ends inside a set: a closing '}' is missing"},
    };
    if (!c->f->src)
        return;
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (strstr(message, words[i].genrb)) {
            if (words[i].ours)
                emit(c, KL_FINDING_SYNTAX, KL_SEVERITY_ERROR, NULL, NULL, file, line, 0, NULL, NULL,
                     NULL, "%s", words[i].ours);
            return;
        }
    emit(c, KL_FINDING_SYNTAX, KL_SEVERITY_ERROR, NULL, NULL, file, line, 0, NULL, NULL, NULL,
         "ICU's compiler (genrb) cannot read this line: %s", message);
}

static bool uses(const kl_msg_shape *sh, const char *name, bool shown_only)
{
    for (size_t i = 0; i < sh->n_args; i++)
        if (strcmp(sh->args[i].name, name) == 0)
            return shown_only ? sh->args[i].shown : true;
    return false;
}

/* The last character of s, as a string (UTF-8). */
static const char *last_char(const char *s, size_t *n)
{
    size_t len = strlen(s);
    while (len && (s[len - 1] == ' '))
        len--;
    size_t st = len;
    while (st > 0 && ((unsigned char)s[st - 1] & 0xC0) == 0x80)
        st--;
    if (st > 0)
        st--;
    *n = len - st;
    return s + st;
}

static bool ends_with_full_stop(const char *s)
{
    size_t n;
    const char *l = last_char(s, &n);
    static const char *const stops[] = {".", "\xE3\x80\x82", "\xE0\xA5\xA4", "\xDB\x94"};
    for (size_t i = 0; i < sizeof stops / sizeof *stops; i++)
        if (n == strlen(stops[i]) && strncmp(l, stops[i], n) == 0)
            return true;
    return false;
}

static bool starts_with_bullet(const char *s)
{
    while (*s == ' ')
        s++;
    if (!strncmp(s, "\xE2\x80\xA2", 3) || !strncmp(s, "- ", 2) || !strncmp(s, "* ", 2))
        return true;
    const char *p = s;
    while (*p >= '0' && *p <= '9')
        p++;
    return p > s && (*p == '.' || *p == ')') && p[1] == ' ';
}

static void check_structure(chk *c, const char *variant, const kl_csrc_str *m, const kl_csrc_str *e)
{
    const char *role = NULL;
    for (size_t i = 0; i < c->s->n_usage && !role; i++)
        if (strcmp(c->s->usage[i].msgid, m->key) == 0 &&
            (!strcmp(c->s->usage[i].role, "heading") || !strcmp(c->s->usage[i].role, "list item")))
            role = c->s->usage[i].role;
    if (role && !strcmp(role, "heading") && ends_with_full_stop(m->text) &&
        !ends_with_full_stop(e->text))
        emit(c, KL_FINDING_STRUCTURE, KL_SEVERITY_WARNING, variant, m->key, NULL, m->tline, m->tcol,
             e->text, NULL, m->text,
             "'%s' is a heading: it should not end with a full stop (the English does not)",
             m->key);
    if (role && !strcmp(role, "list item") && starts_with_bullet(m->text) &&
        !starts_with_bullet(e->text))
        emit(c, KL_FINDING_STRUCTURE, KL_SEVERITY_WARNING, variant, m->key, NULL, m->tline, m->tcol,
             e->text, NULL, m->text,
             "'%s' is a list item: the letter adds the bullet or number itself", m->key);
    bool lead_t = m->text[0] == ' ', lead_e = e->text[0] == ' ';
    size_t lt = strlen(m->text), le = strlen(e->text);
    bool trail_t = lt && m->text[lt - 1] == ' ', trail_e = le && e->text[le - 1] == ' ';
    if (lead_t != lead_e || trail_t != trail_e)
        emit(c, KL_FINDING_STRUCTURE, KL_SEVERITY_WARNING, variant, m->key, NULL, m->tline, m->tcol,
             e->text, NULL, m->text, "'%s' %s a space at the %s where the English %s", m->key,
             (lead_t != lead_e ? lead_t : trail_t) ? "has" : "lacks",
             lead_t != lead_e ? "start" : "end",
             (lead_t != lead_e ? lead_t : trail_t) ? "has none" : "has one");
}

/* An ICU syntax error said in words, at the brace or apostrophe it is about. */
static bool syntax_explained(chk *c, const char *variant, const kl_csrc_str *m, const char *english)
{
    char what[256];
    size_t off;
    if (!kl_l10n__explain_syntax(m->text, what, sizeof what, &off))
        return false;
    int32_t u16 = 0;
    for (size_t i = 0; i < off && m->text[i]; i++)
        if (((unsigned char)m->text[i] & 0xC0) != 0x80)
            u16 += ((unsigned char)m->text[i] >= 0xF0) ? 2 : 1;
    unsigned l, col;
    kl_l10n__value_pos(c->f->src, m, u16, &l, &col);
    emit(c, KL_FINDING_SYNTAX, KL_SEVERITY_ERROR, variant, m->key, NULL, l, col, english, NULL,
         m->text, "'%s': %s", m->key, what);
    return true;
}

/* ICU syntax, and 'other' in every choice (sh: what the message uses). *stop when a problem
 * was reported that makes the other checks meaningless. Returns 0 or KL_ENOMEM. */
static int check_syntax(chk *c, const char *variant, const kl_csrc_str *m, const kl_csrc_str *e,
                        kl_msg_shape *sh, bool *stop)
{
    kl_fmt_error fe;
    *stop = true;
    int rc = kl_catalog__analyse(c->bcp, m->text, sh, &fe);
    if (rc == KL_ENOMEM)
        return rc;
    if (rc) {
        unsigned l, col;
        kl_l10n__value_pos(c->f->src, m, fe.offset, &l, &col);
        if (!strcmp(fe.icu, "U_DEFAULT_KEYWORD_MISSING"))
            emit(c, KL_FINDING_OTHER, KL_SEVERITY_ERROR, variant, m->key, NULL, l, col, e->text,
                 NULL, m->text,
                 "'%s': a select or plural has no 'other' branch (every one needs it): %s", m->key,
                 fe.detail);
        else if (syntax_explained(c, variant, m, e->text))
            ;
        else
            emit(c, KL_FINDING_SYNTAX, KL_SEVERITY_ERROR, variant, m->key, NULL, l, col, e->text,
                 NULL, m->text, "'%s': %s %s", m->key, fe.detail, fe.icu);
        return 0;
    }
    if (sh->no_other[0]) {
        emit(c, KL_FINDING_OTHER, KL_SEVERITY_ERROR, variant, m->key, NULL, m->tline, m->tcol,
             e->text, NULL, m->text,
             "'%s': the choice on {%s} has no 'other' branch (every select and plural needs one)",
             m->key, sh->no_other);
    } else {
        rc = kl_catalog__check_pattern(c->bcp, m->text, &fe);
        if (rc == KL_ENOMEM)
            return rc;
        if (rc) {
            unsigned l, col;
            kl_l10n__value_pos(c->f->src, m, fe.offset, &l, &col);
            emit(c, KL_FINDING_SYNTAX, KL_SEVERITY_ERROR, variant, m->key, NULL, l, col, e->text,
                 NULL, m->text, "'%s': %s %s", m->key, fe.detail, fe.icu);
            return 0;
        }
    }
    *stop = false;
    return 0;
}

/* The placeholders against the English's (sh: the translation's shape), and a text left as
 * the English. Returns 0 or KL_ENOMEM. */
static int check_arguments(chk *c, const char *variant, const kl_csrc_str *m, const kl_csrc_str *e,
                           const kl_msg_shape *sh)
{
    kl_msg_shape esh;
    kl_fmt_error fe;
    int rc = kl_catalog__analyse("en-GB", e->text, &esh, &fe);
    if (rc == KL_ENOMEM)
        return rc;
    if (rc)
        return 0;
    for (size_t i = 0; i < esh.n_args; i++) {
        const char *a = esh.args[i].name;
        if (esh.args[i].shown && !uses(sh, a, false))
            emit(c, KL_FINDING_ARG_MISSING, KL_SEVERITY_ERROR, variant, m->key, NULL, m->tline,
                 m->tcol, e->text, NULL, m->text,
                 "'%s' does not use {%s}, which the English shows%s", m->key, a,
                 kl_l10n__quoting_apostrophe(m->text) >= 0
                     ? " (a straight apostrophe ' before '{' quotes it, making it plain "
                       "text: write the typographic ’ instead)"
                     : "");
        else if (!esh.args[i].shown && !uses(sh, a, false))
            emit(c, KL_FINDING_ARG_MISSING, KL_SEVERITY_WARNING, variant, m->key, NULL, m->tline,
                 m->tcol, e->text, NULL, m->text,
                 "'%s' does not choose on {%s} as the English does: check the choice is "
                 "not needed in this language",
                 m->key, a);
    }
    /* Choosing on an argument the English does not use is grammar
     * (gender agreement, say) and fine; showing one is not: it would put
     * something in the letter that the English does not say. */
    for (size_t i = 0; i < sh->n_args; i++)
        if (sh->args[i].shown && !uses(&esh, sh->args[i].name, false))
            emit(c, KL_FINDING_ARG_EXTRA, KL_SEVERITY_ERROR, variant, m->key, NULL, m->tline,
                 m->tcol, e->text, NULL, m->text, "'%s' shows {%s}, which the English does not use",
                 m->key, sh->args[i].name);
    if (strcmp(m->text, e->text) == 0 && sh->letters > 0)
        emit(c, KL_FINDING_UNTRANSLATED, KL_SEVERITY_WARNING, variant, m->key, NULL, m->tline,
             m->tcol, e->text, NULL, m->text,
             "'%s' is the same as the English: translate it, or confirm it is right as it "
             "is",
             m->key);
    return 0;
}

/* Isolation marks (LRI RLI FSI PDI, U+2066..U+2069) written by hand:
 * kinletter isolates every value and number in right-to-left letters
 * itself, and ignores these. */
static void check_isolates(chk *c, const char *variant, const kl_csrc_str *m, const kl_csrc_str *e)
{
    const char *mark = NULL;
    for (const char *p = m->text; *p && !mark; p++)
        if ((unsigned char)p[0] == 0xE2 && (unsigned char)p[1] == 0x81 &&
            (unsigned char)p[2] >= 0xA6 && (unsigned char)p[2] <= 0xA9)
            mark = p;
    if (mark) {
        int32_t u16 = 0;
        for (const char *p = m->text; p < mark; p++)
            if (((unsigned char)*p & 0xC0) != 0x80)
                u16 += ((unsigned char)*p >= 0xF0) ? 2 : 1;
        unsigned l, col;
        kl_l10n__value_pos(c->f->src, m, u16, &l, &col);
        emit(c, KL_FINDING_ISOLATE, KL_SEVERITY_WARNING, variant, m->key, NULL, l, col, e->text,
             NULL, m->text,
             "'%s' has a bidi isolation mark written by hand (U+2066..U+2069): unnecessary, "
             "kinletter isolates every value and number of a right-to-left letter itself; "
             "remove it",
             m->key);
    }
}

/* Stale (the English changed since the recorded fingerprint) or never confirmed. */
static void check_stale(chk *c, const char *variant, const kl_csrc_str *m, const kl_csrc_str *e)
{
    char fp[17];
    kl_catalog__fingerprint(e->text, fp);
    const char *rec = kl_l10n__recorded_fp(c->f->src, variant, m->key);
    if (rec && strcmp(rec, fp) != 0) {
        const char *old = kl_l10n__history(c->ctx, c->s, rec);
        emit(c, KL_FINDING_STALE, KL_SEVERITY_ERROR, variant, m->key, NULL, m->line, m->column,
             e->text, old, m->text,
             "'%s' is out of date: the English changed since it was translated, so letters do "
             "not use it (update it, then confirm it: record the English it was translated "
             "from)",
             m->key);
    } else if (!rec) {
        emit(c, KL_FINDING_UNCONFIRMED, KL_SEVERITY_WARNING, variant, m->key, NULL, m->line,
             m->column, e->text, NULL, m->text,
             "'%s' has no record of the English it was translated from (confirm it when it "
             "matches the English)",
             m->key);
    }
}

static int check_message(chk *c, const char *variant, const kl_csrc_str *m)
{
    const kl_csrc *en = c->s->en->src;
    const kl_csrc_str *e = kl_l10n__src_english(en, variant, m->key);
    if (!e) {
        emit(c, KL_FINDING_EXTRA, KL_SEVERITY_WARNING, variant, m->key, NULL, m->line, m->column,
             NULL, NULL, m->text,
             "'%s' is not in the English catalog: a mistyped id, or a message the English no "
             "longer has",
             m->key);
        return 0;
    }
    kl_msg_shape sh;
    bool stop;
    int rc;
    if ((rc = check_syntax(c, variant, m, e, &sh, &stop)) < 0 || stop)
        return rc;
    if (sh.plural_arg[0])
        emit(c, KL_FINDING_PLURAL, KL_SEVERITY_ERROR, variant, m->key, NULL, m->tline, m->tcol,
             e->text, NULL, m->text, "'%s': the plural on {%s} lacks %s (%s needs %s)", m->key,
             sh.plural_arg, sh.plural_missing, c->bcp, sh.plural_need);
    char why[256];
    if (kl_l10n__over_limit(m->key, m->text, why, sizeof why))
        emit(c, KL_FINDING_LENGTH, KL_SEVERITY_WARNING, variant, m->key, NULL, m->tline, m->tcol,
             e->text, NULL, m->text, "'%s' %s: shorten it", m->key, why);
    if (kl_l10n__select_keys_missing(e->text, m->text, why, sizeof why))
        emit(c, KL_FINDING_ARG_MISSING, KL_SEVERITY_ERROR, variant, m->key, NULL, m->tline, m->tcol,
             e->text, NULL, m->text,
             "'%s': %s, which the English has (keep every keyword; you may add more)", m->key, why);
    if ((rc = check_arguments(c, variant, m, e, &sh)) < 0)
        return rc;
    check_structure(c, variant, m, e);
    check_isolates(c, variant, m, e);
    check_stale(c, variant, m, e);
    return 0;
}

static bool has_any(const kl_csrc *tr, const char *msgid)
{
    for (int v = 0; v < KL_VARIANTS; v++)
        if (kl_l10n__src_find(tr, kl_l10n__variants[v], msgid))
            return true;
    return false;
}

/* The English itself: its messages must be valid ICU syntax. */
static int check_english(chk *c)
{
    const kl_cfile *f = c->f;
    for (size_t i = 0; i < f->src->n_strs; i++) {
        const kl_csrc_str *m = &f->src->strs[i];
        bool msg = false;
        for (int v = 0; v < KL_VARIANTS; v++)
            msg = msg || !strcmp(m->table, kl_l10n__variants[v]);
        kl_fmt_error fe;
        int r = msg ? kl_catalog__check_pattern("en-GB", m->text, &fe) : 0;
        if (r == KL_ENOMEM)
            return r;
        if (r) {
            unsigned l, col;
            kl_l10n__value_pos(f->src, m, fe.offset, &l, &col);
            emit(c, KL_FINDING_SYNTAX, KL_SEVERITY_ERROR, m->table, m->key, NULL, l, col, NULL,
                 NULL, m->text, "'%s': %s %s", m->key, fe.detail, fe.icu);
        }
    }
    return 0;
}

/* An English message (variant v) the translation lacks: an error for standard and for a
 * language with Easy Read, a warning when another variant falls back. sl: the line of the
 * standard table's end. */
static void check_missing(chk *c, int v, const kl_csrc_str *e, unsigned sl)
{
    const kl_csrc *tr = c->f->src, *en = c->s->en->src;
    if (v == 0 && !kl_l10n__src_find(tr, "standard", e->key)) {
        /* A plain or young-person text does not stand in for the
         * standard one: a standard reader's letter would fail. */
        emit(c, KL_FINDING_MISSING, KL_SEVERITY_ERROR, "standard", e->key, NULL, sl, 0, e->text,
             NULL, NULL,
             "'%s' is not translated%s (English: %s:%u); a letter that needs it cannot "
             "be written in this language",
             e->key, has_any(tr, e->key) ? " in standard (only plain or young_person is)" : "",
             c->s->en->path, e->line);
    } else if (v == KL_READING_EASY_READ) {
        /* A language with Easy Read has all of its own messages (an
         * Easy Read letter missing one would fail; an English Easy
         * Read text of a standard message may fall back to plain); a
         * language without it has none, and its Easy Read readers
         * fail closed. */
        const kl_csrc_table *t = kl_l10n__src_table(tr, "easy_read");
        if (!t || kl_l10n__src_find(tr, "easy_read", e->key) ||
            kl_l10n__src_find(en, "standard", e->key))
            return;
        unsigned l = 0, col = 0;
        kl_core__line_col(tr->data, t->close, &l, &col);
        emit(c, KL_FINDING_MISSING, KL_SEVERITY_ERROR, "easy_read", e->key, NULL, l, 0, e->text,
             NULL, NULL,
             "'%s' is not translated in easy_read (English: %s:%u); an Easy Read letter "
             "that needs it cannot be written in this language",
             e->key, c->s->en->path, e->line);
    } else if (v > 0 && has_any(tr, e->key) &&
               !kl_l10n__src_find(tr, kl_l10n__variants[v], e->key)) {
        const kl_csrc_table *t = kl_l10n__src_table(tr, kl_l10n__variants[v]);
        unsigned l = 0, col = 0;
        if (t)
            kl_core__line_col(tr->data, t->close, &l, &col);
        emit(c, KL_FINDING_MISSING, KL_SEVERITY_WARNING, kl_l10n__variants[v], e->key, NULL,
             l ? l : sl, 0, e->text, NULL, NULL,
             "'%s' has no %s text, so %s readers get the %s one; the English has its own "
             "(%s:%u)",
             e->key, kl_l10n__variants[v], kl_l10n__variants[v],
             v >= 2 && kl_l10n__src_find(tr, "plain", e->key) ? "plain" : "standard",
             c->s->en->path, e->line);
    }
}

static int check_file(chk *c)
{
    kl_cfile *f = c->f;
    snprintf(c->bcp, sizeof c->bcp, "%s", f->name);
    for (char *p = c->bcp; *p; p++)
        if (*p == '_')
            *p = '-';
    char *tmp = NULL;
    int rc = kl_l10n__mkdtemp(c->ctx, &tmp);
    if (rc)
        return rc;
    rc = kl_l10n__genrb(c->ctx, f->path, tmp, genrb_finding, c);
    kl_catalog_remove_compiled(tmp);
    kl_free(tmp);
    if (rc && rc != KL_EPARSE)
        return rc;
    if (!f->src) {
        /* genrb has said what is wrong when it could; our reader's message
         * adds the column. */
        emit(c, KL_FINDING_SYNTAX, KL_SEVERITY_ERROR, NULL, NULL,
             f->err_source ? f->err_source : f->path, f->err_line, f->err_col, NULL, NULL, NULL,
             "%s%s%s%s", f->err_message ? f->err_message : "cannot be read",
             f->err_hint ? " (" : "", f->err_hint ? f->err_hint : "", f->err_hint ? ")" : "");
        return 0;
    }
    if (f == c->s->en)
        return check_english(c);
    if (!c->s->en->src)
        return 0;
    const kl_csrc *tr = f->src, *en = c->s->en->src;
    for (int v = 0; v < KL_VARIANTS; v++) {
        for (size_t i = 0; i < tr->n_strs; i++) {
            const kl_csrc_str *m = &tr->strs[i];
            if (strcmp(m->table, kl_l10n__variants[v]) != 0 || kl_l10n__english_only(m->key))
                continue;
            if ((rc = check_message(c, kl_l10n__variants[v], m)) < 0)
                return rc;
        }
    }
    const kl_csrc_table *std = kl_l10n__src_table(tr, "standard");
    unsigned sl = 0, sc = 0;
    if (std)
        kl_core__line_col(tr->data, std->close, &sl, &sc);
    for (int v = 0; v < KL_VARIANTS; v++)
        for (size_t i = 0; i < en->n_strs; i++)
            if (!strcmp(en->strs[i].table, kl_l10n__variants[v]) &&
                !kl_l10n__english_only(en->strs[i].key))
                check_missing(c, v, &en->strs[i], sl);
    return 0;
}

/* Pseudo-locales (en_XA, ar_XB) are made from the English: nothing to check. */
static bool is_pseudo(const kl_cfile *f)
{
    const kl_csrc_str *st = f->src ? kl_l10n__src_find(f->src, "meta", "status") : NULL;
    return st && !strcmp(st->text, "pseudo");
}

KL_API int kl_catalog_check(kl_context *ctx, kl_catalog_sources *s, const char *locale,
                            kl_catalog_finding_fn fn, void *userdata)
{
    kl_context_clear_error(ctx);
    if (!ctx || !s || !fn)
        return kl_core__einval(ctx, __func__);
    chk c = {ctx, s, NULL, fn, userdata, ""};
    if (kl_l10n__usage(ctx, s) == KL_ENOMEM)
        return KL_ENOMEM;
    kl_context_clear_error(ctx);
    if (locale) {
        c.f = kl_l10n__file(s, locale);
        if (!c.f)
            return kl_core__error(ctx, KL_ENOTFOUND, KL_AT(s->dir, 0, 0),
                                  "the catalog is locales/<locale>.txt, e.g. pl.txt or pt_BR.txt",
                                  "no catalog for '%s'", locale);
        return check_file(&c);
    }
    for (size_t i = 0; i < s->n_files; i++) {
        if (is_pseudo(&s->files[i]))
            continue;
        c.f = &s->files[i];
        int rc = check_file(&c);
        if (rc)
            return rc == KL_ENOMEM ? kl_core__oom(ctx) : rc;
    }
    return 0;
}

/* ---- stamp ------------------------------------------------------------------ */

static kl_cfile *usable(kl_context *ctx, kl_catalog_sources *s, const char *locale, int *rc)
{
    kl_cfile *f = kl_l10n__file(s, locale);
    *rc = 0;
    if (!f) {
        *rc = kl_core__error(ctx, KL_ENOTFOUND, KL_AT(s->dir, 0, 0),
                             "the catalog is locales/<locale>.txt, e.g. pl.txt",
                             "no catalog for '%s'", locale);
        return NULL;
    }
    if (!f->src) {
        *rc = kl_l10n__file_error(ctx, f);
        return NULL;
    }
    if (!s->en->src) {
        *rc = kl_l10n__file_error(ctx, s->en);
        return NULL;
    }
    return f;
}

KL_API int kl_catalog_stamp(kl_context *ctx, kl_catalog_sources *s, const char *locale,
                            kl_stamp_mode mode, const char *const *ids, size_t n_ids,
                            size_t *n_stamped)
{
    kl_context_clear_error(ctx);
    if (!ctx || !s || !locale)
        return kl_core__einval(ctx, __func__);
    if (n_stamped)
        *n_stamped = 0;
    int rc;
    kl_cfile *f = usable(ctx, s, locale, &rc);
    if (!f)
        return rc;
    if (f == s->en)
        return kl_core__error(ctx, KL_EINVAL, KL_AT(f->path, 0, 0), NULL,
                              "the English catalog is the source: it has no fingerprints");
    for (size_t k = 0; mode == KL_STAMP_LISTED && k < n_ids; k++)
        if (!has_any(f->src, ids[k]))
            return kl_core__error(ctx, KL_ENOTFOUND, KL_AT(f->path, 0, 0), NULL,
                                  "'%s' is not in the catalog", ids[k]);
    kl_cwrite w = {0};
    rc = kl_l10n__fp_load(&w, f->src);
    size_t changed = 0;
    for (size_t i = 0; i < f->src->n_strs && !rc; i++) {
        const kl_csrc_str *m = &f->src->strs[i];
        int v = -1;
        for (int k = 0; k < KL_VARIANTS; k++)
            if (strcmp(m->table, kl_l10n__variants[k]) == 0)
                v = k;
        if (v < 0 || kl_l10n__english_only(m->key))
            continue;
        const kl_csrc_str *e = kl_l10n__src_english(s->en->src, kl_l10n__variants[v], m->key);
        if (!e)
            continue;
        const char *rec = kl_l10n__recorded_fp(f->src, kl_l10n__variants[v], m->key);
        bool want = mode == KL_STAMP_ALL || (mode == KL_STAMP_UNCONFIRMED && !rec);
        for (size_t k = 0; mode == KL_STAMP_LISTED && k < n_ids; k++)
            want = want || strcmp(ids[k], m->key) == 0;
        if (!want)
            continue;
        char fp[17];
        kl_catalog__fingerprint(e->text, fp);
        if (rec && strcmp(rec, fp) == 0)
            continue;
        rc = kl_l10n__fp_set(&w, v, m->key, fp, e->text);
        changed++;
    }
    if (rc)
        rc = kl_core__oom(ctx);
    else if (changed)
        rc = kl_l10n__commit(ctx, s, f, &w, 0);
    kl_l10n__cwrite_free(&w);
    if (!rc && n_stamped)
        *n_stamped = changed;
    return rc;
}

/* ---- status ------------------------------------------------------------------ */

static const char *meta(const kl_csrc *tr, const char *key)
{
    const kl_csrc_str *m = kl_l10n__src_find(tr, "meta", key);
    return m ? m->text : "";
}

KL_API int kl_catalog_status(kl_context *ctx, kl_catalog_sources *s, kl_catalog_status_fn fn,
                             void *userdata)
{
    return kl_catalog_status_of(ctx, s, NULL, fn, userdata);
}

/* Is letter li written in English only? A letter using English-only
 * messages (the cover note) is: not part of other catalogs' coverage. */
static bool english_letter(const kl_catalog_sources *s, size_t li)
{
    bool english = false;
    for (size_t ui = 0; ui < s->n_usage && !english; ui++)
        english = !strcmp(s->usage[ui].letter, s->letters[li]) &&
                  kl_l10n__english_only(s->usage[ui].msgid);
    return english;
}

/* Count letter li's messages in variant v of catalog f (with variant fallback) into row. */
static void count_row(const kl_catalog_sources *s, const kl_cfile *f, size_t li, int v,
                      kl_catalog_status_row *row)
{
    const kl_csrc *tr = f->src, *en = s->en->src;
    for (size_t ui = 0; ui < s->n_usage; ui++) {
        const kl_usage *u = &s->usage[ui];
        if (strcmp(u->letter, s->letters[li]) != 0)
            continue;
        bool dup = false;
        for (size_t k = 0; k < ui && !dup; k++)
            dup = !strcmp(s->usage[k].letter, u->letter) && !strcmp(s->usage[k].msgid, u->msgid);
        if (dup || (f != s->en && kl_l10n__english_only(u->msgid)))
            continue;
        row->total++;
        const kl_csrc_str *m = NULL;
        int vv = v;
        for (; vv >= 0 && !m; vv--)
            m = kl_l10n__src_find(tr, kl_l10n__variants[vv], u->msgid);
        vv++;
        if (!m) {
            row->missing++;
            continue;
        }
        if (f == s->en) {
            row->translated++;
            continue;
        }
        const kl_csrc_str *e = kl_l10n__src_english(en, kl_l10n__variants[vv], u->msgid);
        const char *rec = kl_l10n__recorded_fp(tr, kl_l10n__variants[vv], u->msgid);
        char fp[17] = "";
        if (e)
            kl_catalog__fingerprint(e->text, fp);
        if (!rec)
            row->unconfirmed++;
        else if (strcmp(rec, fp) != 0)
            row->stale++;
        else
            row->translated++;
    }
}

KL_API int kl_catalog_status_of(kl_context *ctx, kl_catalog_sources *s, const char *locale,
                                kl_catalog_status_fn fn, void *userdata)
{
    kl_context_clear_error(ctx);
    if (!ctx || !s || !fn)
        return kl_core__einval(ctx, __func__);
    kl_cfile *only = NULL;
    if (locale && !(only = kl_l10n__file(s, locale)))
        return kl_core__error(ctx, KL_ENOTFOUND, KL_AT(s->dir, 0, 0),
                              "the catalog is locales/<locale>.txt, e.g. pl.txt",
                              "no catalog for '%s'", locale);
    int rc = kl_l10n__usage(ctx, s);
    if (rc == KL_ENOMEM)
        return rc;
    if (rc || !s->n_letters)
        return kl_core__error(ctx, KL_ENOTFOUND, KL_NOWHERE,
                              "set KINLETTER_DATADIR, or install kinletter",
                              "no letter templates (templates/*.xml) on the data path");
    if (!s->en->src)
        return kl_l10n__file_error(ctx, s->en);
    for (size_t fi = 0; fi < s->n_files; fi++) {
        kl_cfile *f = &s->files[fi];
        if (is_pseudo(f) || (only && f != only))
            continue;
        if (!f->src) {
            kl_l10n__file_error(ctx, f);
            rc = f->err_code ? f->err_code : KL_EPARSE;
            continue;
        }
        const kl_csrc *tr = f->src;
        for (size_t li = 0; li < s->n_letters; li++) {
            if (english_letter(s, li) && f != s->en)
                continue;
            for (int v = 0; v < KL_VARIANTS; v++) {
                kl_catalog_status_row row = {f->name,
                                             s->letters[li],
                                             kl_l10n__variants[v],
                                             0,
                                             0,
                                             0,
                                             0,
                                             0,
                                             meta(tr, "status"),
                                             meta(tr, "translator"),
                                             meta(tr, "reviewer"),
                                             meta(tr, "reviewed")};
                count_row(s, f, li, v, &row);
                if (row.total)
                    fn(&row, userdata);
            }
        }
    }
    return rc;
}

/* ---- pseudo-locales ------------------------------------------------------- */

KL_API int kl_catalog_pseudo(kl_context *ctx, kl_catalog_sources *s, const char *pseudo, char **out)
{
    kl_context_clear_error(ctx);
    if (!ctx || !s || !pseudo || !out)
        return kl_core__einval(ctx, __func__);
    *out = NULL;
    int rtl;
    const char *root;
    if (!strcmp(pseudo, "en-XA") || !strcmp(pseudo, "en_XA")) {
        rtl = 0;
        root = "en_XA";
    } else if (!strcmp(pseudo, "ar-XB") || !strcmp(pseudo, "ar_XB")) {
        rtl = 1;
        root = "ar_XB";
    } else {
        return kl_core__error(ctx, KL_EINVAL, KL_NOWHERE, "the pseudo-locales are en-XA and ar-XB",
                              "'%s' is not a pseudo-locale", pseudo);
    }
    if (!s->en->src)
        return kl_l10n__file_error(ctx, s->en);
    const kl_csrc *en = s->en->src;
    kl_buf b = KL_BUF_INIT;
    kl_core__buf_printf(
        &b,
        "// SPDX-License-Identifier: MIT\n"
        "// %s.txt: machine-generated by `kinletter catalog pseudo %s` from %s.txt at "
        "build time: do not edit.\n"
        "// A pseudo-locale for testing layout: %s\n"
        "%s {\n"
        "    meta {\n"
        "        status { \"pseudo\" }\n"
        "        translator { \"\" }\n"
        "        reviewer { \"\" }\n"
        "        reviewed { \"\" }\n"
        "        note { \"Generated from the English; never for families.\" }\n"
        "    }\n",
        root, pseudo, KL_SOURCE_CATALOG,
        rtl ? "the English text in right-to-left override, laid out as a right-to-left "
              "language."
            : "the English with accented letters, about 40% longer, in [brackets].",
        root);
    int rc = 0;
    for (int v = 0; v < KL_VARIANTS && !rc; v++) {
        if (!kl_l10n__src_table(en, kl_l10n__variants[v]))
            continue;
        kl_core__buf_printf(&b, "    %s {\n", kl_l10n__variants[v]);
        for (size_t i = 0; i < en->n_strs && !rc; i++) {
            const kl_csrc_str *m = &en->strs[i];
            if (strcmp(m->table, kl_l10n__variants[v]) != 0)
                continue;
            char *p = NULL;
            rc = kl_catalog__pseudo(m->text, rtl, &p);
            if (rc == KL_EPARSE) {
                rc = kl_core__error(ctx, KL_EPARSE, KL_AT(s->en->path, m->tline, m->tcol), NULL,
                                    "'%s' is not valid ICU MessageFormat", m->key);
                break;
            }
            if (rc)
                break;
            kl_core__buf_puts(&b, "        ");
            kl_l10n__quote(&b, m->key);
            kl_core__buf_puts(&b, " { ");
            kl_l10n__quote(&b, p);
            kl_core__buf_puts(&b, " }\n");
            kl_free(p);
        }
        kl_core__buf_puts(&b, "    }\n");
    }
    kl_core__buf_puts(&b, "}\n");
    if (rc || b.oom) {
        kl_core__buf_free(&b);
        return rc && rc != KL_ENOMEM ? rc : kl_core__oom(ctx);
    }
    *out = kl_core__buf_detach(&b);
    return 0;
}
