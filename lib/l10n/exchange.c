/* SPDX-License-Identifier: MIT */
/* l10n/exchange.c: what XLIFF 2.0, XLIFF 1.2 and gettext PO share: ICU messages split into
 * text and inline codes, length limits, the units of an export, and the all-or-nothing
 * import. */
#include "l10n/l10n_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uenum.h>
#include <unicode/uloc.h>
#include <unicode/upluralrules.h>
#include <unicode/ustring.h>
#include <unistd.h>

/* ---- ICU messages as text and codes ---------------------------------------------------- */

typedef struct splitter {
    const char *s;
    size_t i, n;
    kl_icu_split *out;
} splitter;

static void run_as(splitter *p, size_t a, size_t b, bool code, bool atom)
{
    kl_icu_split *o = p->out;
    if (a >= b)
        return;
    if (!atom && o->n && o->runs[o->n - 1].code == code && !o->runs[o->n - 1].atom &&
        o->runs[o->n - 1].end == a) {
        o->runs[o->n - 1].end = b;
        return;
    }
    if (KL_GROW(o->runs, o->cap, o->n + 1) < 0) {
        o->oom = true;
        return;
    }
    o->runs[o->n++] = (kl_icu_run){a, b, code, atom};
}

static void run(splitter *p, size_t a, size_t b, bool code)
{
    run_as(p, a, b, code, false);
}

static void fail(splitter *p, size_t at, const char *what)
{
    if (p->out->error)
        return;
    p->out->error = 1;
    p->out->err_offset = at;
    snprintf(p->out->err_what, sizeof p->out->err_what, "%s", what);
}

static bool is_gsm7(unsigned long c)
{
    static const char basic[] = "@$\n\r_ !\"#%&'()*+,-./0123456789:;<=>?"
                                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz^{}\\[~]|";
    static const unsigned short other[] = {
        0x00A3, 0x00A5, 0x00E8, 0x00E9, 0x00F9, 0x00EC, 0x00F2, 0x00C7, 0x00D8, 0x00F8,
        0x00C5, 0x00E5, 0x0394, 0x03A6, 0x0393, 0x039B, 0x03A9, 0x03A0, 0x03A8, 0x03A3,
        0x0398, 0x039E, 0x00C6, 0x00E6, 0x00DF, 0x00C9, 0x00A4, 0x00A1, 0x00C4, 0x00D6,
        0x00D1, 0x00DC, 0x00A7, 0x00BF, 0x00E4, 0x00F6, 0x00F1, 0x00FC, 0x00E0, 0x20AC};
    if (c > 0 && c < 0x80)
        return strchr(basic, (int)c) != NULL;
    for (size_t i = 0; i < sizeof other / sizeof *other; i++)
        if (other[i] == c)
            return true;
    return false;
}

/* One character of text at p->i: counted, checked for GSM-7. */
static void text_char(splitter *p, unsigned long *len)
{
    const unsigned char *u = (const unsigned char *)p->s + p->i;
    unsigned long cp = u[0];
    size_t k = 1;
    if (cp >= 0xF0 && p->i + 3 < p->n + 1) {
        cp = ((cp & 7) << 18) | ((u[1] & 0x3Fu) << 12) | ((u[2] & 0x3Fu) << 6) | (u[3] & 0x3Fu);
        k = 4;
    } else if (cp >= 0xE0) {
        cp = ((cp & 15) << 12) | ((u[1] & 0x3Fu) << 6) | (u[2] & 0x3Fu);
        k = 3;
    } else if (cp >= 0xC0) {
        cp = ((cp & 31) << 6) | (u[1] & 0x3Fu);
        k = 2;
    }
    for (size_t j = 1; j < k; j++)
        if (p->i + j >= p->n || !u[j]) {
            k = j;
            break;
        }
    if (!is_gsm7(cp))
        p->out->ucs2 = true;
    (*len)++;
    p->i += k;
}

static void ws(splitter *p)
{
    while (p->i < p->n && strchr(" \t\r\n", p->s[p->i]))
        p->i++;
}

static unsigned long message(splitter *p, int depth, bool plural);

static bool add_key(splitter *p, const char *arg, size_t an, const char *kw, size_t kn)
{
    kl_icu_split *o = p->out;
    if (KL_GROW(o->keys, o->cap_keys, o->n_keys + 1) < 0)
        return false;
    char *v = kl_core__malloc(an + kn + 2);
    if (!v)
        return false;
    memcpy(v, arg, an);
    v[an] = '\x1f';
    memcpy(v + an + 1, kw, kn);
    v[an + kn + 1] = '\0';
    o->keys[o->n_keys++] = v;
    return true;
}

/* An argument at p->i ('{'): the code and its branches. Returns its longest length. */
/* A placeholder with a format ({d, date, long}, p->i after its type) to its closing '}': one
 * code run from a. */
static unsigned long formatted(splitter *p, size_t a)
{
    int d = 1;
    while (p->i < p->n && d) {
        if (p->s[p->i] == '{')
            d++;
        else if (p->s[p->i] == '}')
            d--;
        p->i++;
    }
    if (d) {
        fail(p, a, "the '{' that starts a placeholder is never closed: add '}'");
        return 0;
    }
    run_as(p, a, p->i, true, true);
    return KL_PH_CHARS;
}

/* The choices of a select or plural (p->i after the ',' that follows its type) up to its
 * closing '}'; a: where the code before the first choice starts, open: the argument's '{',
 * name: the argument's name (select keywords are recorded with it). Returns the length of
 * the longest choice. */
static unsigned long choices(splitter *p, int depth, size_t a, size_t open, bool sel, bool plu,
                             const char *name, size_t name_len)
{
    unsigned long best = 0;
    for (;;) {
        ws(p);
        if (p->i >= p->n) {
            fail(p, open,
                 sel ? "the '{' that starts this select is never closed: add '}'"
                     : "the '{' that starts this plural is never closed: add '}'");
            return best;
        }
        if (p->s[p->i] == '}') {
            p->i++;
            run(p, a, p->i, true);
            return best;
        }
        size_t kw = p->i;
        while (p->i < p->n && !strchr(" \t\r\n{}", p->s[p->i]))
            p->i++;
        size_t kn = p->i - kw;
        if (kn > 7 && !strncmp(p->s + kw, "offset:", 7))
            continue;
        if (!kn) {
            fail(p, p->i, "each choice is a keyword then its text in braces: female {...}");
            return best;
        }
        if (sel && !add_key(p, name, name_len, p->s + kw, kn))
            p->out->oom = true;
        ws(p);
        if (p->i >= p->n || p->s[p->i] != '{') {
            fail(p, p->i, "each choice is a keyword then its text in braces: female {...}");
            return best;
        }
        p->i++;
        run(p, a, p->i, true);
        size_t branch = p->i - 1;
        unsigned long l = message(p, depth + 1, plu);
        if (p->out->error)
            return best;
        if (p->i >= p->n || p->s[p->i] != '}') {
            fail(p, branch, "the '{' that starts this choice's text is never closed: add '}'");
            return best;
        }
        if (l > best)
            best = l;
        a = p->i;
        p->i++;
    }
}

static unsigned long argument(splitter *p, int depth)
{
    size_t a = p->i;
    const size_t open = p->i; /* the argument's '{', for errors */
    p->i++;
    ws(p);
    size_t name = p->i;
    while (p->i < p->n && !strchr(" \t\r\n,{}", p->s[p->i]))
        p->i++;
    size_t name_end = p->i;
    ws(p);
    if (p->i >= p->n) {
        fail(p, a, "the '{' that starts a placeholder is never closed: add '}'");
        return 0;
    }
    if (p->s[p->i] == '}') {
        p->i++;
        run_as(p, a, p->i, true, true);
        return KL_PH_CHARS;
    }
    if (p->s[p->i] != ',' || name == name_end) {
        fail(p, p->i, "a placeholder is {name}, {name, type, ...}: a name then '}' or ','");
        return 0;
    }
    p->i++;
    ws(p);
    size_t type = p->i;
    while (p->i < p->n && !strchr(" \t\r\n,{}", p->s[p->i]))
        p->i++;
    size_t tn = p->i - type;
    ws(p);
    bool sel = tn == 6 && !strncmp(p->s + type, "select", 6);
    bool plu = (tn == 6 && !strncmp(p->s + type, "plural", 6)) ||
               (tn == 13 && !strncmp(p->s + type, "selectordinal", 13));
    if (!sel && !plu)
        return formatted(p, a);
    if (p->i >= p->n || p->s[p->i] != ',') {
        fail(p, p->i, "a select or plural is {name, select, keyword {text} other {text}}");
        return 0;
    }
    p->i++;
    return choices(p, depth, a, open, sel, plu, p->s + name, name_end - name);
}

static unsigned long message(splitter *p, int depth, bool plural)
{
    unsigned long len = 0;
    size_t t0 = p->i;
    while (p->i < p->n && !p->out->error) {
        char c = p->s[p->i];
        if (c == '}') {
            if (depth > 0)
                break;
            fail(p, p->i, "a '}' that closes nothing: remove it");
            break;
        }
        if (c == '{') {
            run(p, t0, p->i, false);
            len += argument(p, depth);
            t0 = p->i;
            continue;
        }
        if (c == '#' && plural) {
            run(p, t0, p->i, false);
            run(p, p->i, p->i + 1, true);
            p->i++;
            t0 = p->i;
            len += 3;
            continue;
        }
        if (c == '\'' && p->i + 1 < p->n) {
            char d = p->s[p->i + 1];
            if (d == '\'') {
                p->i += 2;
                len++;
                continue;
            }
            if (d == '{' || d == '}' || d == '|' || (d == '#' && plural)) {
                p->i++;
                while (p->i < p->n) {
                    if (p->s[p->i] == '\'') {
                        if (p->i + 1 < p->n && p->s[p->i + 1] == '\'') {
                            p->i += 2;
                            len++;
                            continue;
                        }
                        p->i++;
                        break;
                    }
                    text_char(p, &len);
                }
                continue;
            }
        }
        text_char(p, &len);
    }
    run(p, t0, p->i, false);
    return len;
}

int kl_l10n__icu_split(const char *msg, kl_icu_split *out)
{
    memset(out, 0, sizeof *out);
    splitter p = {msg, 0, strlen(msg), out};
    out->max_chars = message(&p, 0, false);
    if (out->oom)
        return KL_ENOMEM;
    if (out->error) {
        out->n = 0;
        splitter q = {msg, 0, strlen(msg), out};
        run(&q, 0, q.n, false);
    }
    return out->oom ? KL_ENOMEM : 0;
}

void kl_l10n__icu_split_free(kl_icu_split *sp)
{
    kl_free(sp->runs);
    for (size_t i = 0; i < sp->n_keys; i++)
        kl_free(sp->keys[i]);
    kl_free(sp->keys);
    memset(sp, 0, sizeof *sp);
}

/* ---- length limits ------------------------------------------------------------------- */

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

unsigned kl_l10n__limit(const char *msgid, unsigned *ucs2, const char **what)
{
    /* A text message is sent in at most 3 parts (lib/plain): 3 x 153
     * GSM-7 characters, or 3 x 67 UTF-16 units. An email subject is kept
     * to 78 characters (RFC 5322's line length), which mail apps show
     * whole. */
    if (ends_with(msgid, ".sms")) {
        *ucs2 = 201;
        *what = "a text message of at most 3 parts";
        return 459;
    }
    if (ends_with(msgid, ".email.subject")) {
        *ucs2 = 78;
        *what = "an email subject";
        return 78;
    }
    *ucs2 = 0;
    *what = NULL;
    return 0;
}

bool kl_l10n__over_limit(const char *msgid, const char *text, char *why, size_t cap)
{
    unsigned ucs2;
    const char *what;
    unsigned gsm = kl_l10n__limit(msgid, &ucs2, &what);
    if (!gsm)
        return false;
    kl_icu_split sp;
    if (kl_l10n__icu_split(text, &sp) != 0 || sp.error) {
        kl_l10n__icu_split_free(&sp);
        return false;
    }
    unsigned max = sp.ucs2 ? ucs2 : gsm;
    bool over = sp.max_chars > max;
    if (over)
        snprintf(why, cap,
                 "is %lu characters at its longest (each placeholder counted as %d), over the "
                 "%u allowed for %s%s",
                 sp.max_chars, KL_PH_CHARS, max, what,
                 sp.ucs2 && ucs2 != gsm ? " in UCS-2 (its text has characters outside GSM-7)" : "");
    kl_l10n__icu_split_free(&sp);
    return over;
}

bool kl_l10n__select_keys_missing(const char *english, const char *text, char *which, size_t cap)
{
    kl_icu_split a, b;
    bool missing = false;
    if (kl_l10n__icu_split(english, &a) == 0 && kl_l10n__icu_split(text, &b) == 0 && !a.error &&
        !b.error) {
        for (size_t i = 0; i < a.n_keys && !missing; i++) {
            size_t an = strchr(a.keys[i], '\x1f') - a.keys[i];
            bool arg_chosen = false, found = false;
            for (size_t k = 0; k < b.n_keys; k++) {
                arg_chosen = arg_chosen || (!strncmp(a.keys[i], b.keys[k], an + 1));
                found = found || !strcmp(a.keys[i], b.keys[k]);
            }
            if (arg_chosen && !found) {
                missing = true;
                snprintf(which, cap, "{%.*s, select, ...} lacks '%s'", (int)an, a.keys[i],
                         a.keys[i] + an + 1);
            }
        }
        kl_l10n__icu_split_free(&b);
    }
    kl_l10n__icu_split_free(&a);
    return missing;
}

long kl_l10n__quoting_apostrophe(const char *text)
{
    const char *q = strstr(text, "'{");
    while (q && q > text && q[-1] == '\'')
        q = strstr(q + 2, "'{");
    return q ? (long)(q - text) : -1;
}

bool kl_l10n__explain_syntax(const char *text, char *what, size_t cap, size_t *offset)
{
    long ap = kl_l10n__quoting_apostrophe(text);
    kl_icu_split sp;
    if (kl_l10n__icu_split(text, &sp) != 0) {
        kl_l10n__icu_split_free(&sp);
        return false;
    }
    bool ok = false;
    if (sp.error) {
        snprintf(what, cap, "%s", sp.err_what);
        *offset = sp.err_offset;
        ok = true;
    } else if (ap >= 0) {
        snprintf(what, cap,
                 "a straight apostrophe ' before '{' quotes it, so what follows is text, not a "
                 "placeholder: write the typographic ’ instead");
        *offset = (size_t)ap;
        ok = true;
    }
    kl_l10n__icu_split_free(&sp);
    return ok;
}

/* ---- export units -------------------------------------------------------------------- */

/* What each argument compose supplies holds (docs/TEMPLATES.md), for translators. */
static const struct {
    const char *name, *what;
} arg_notes[] = {
    {"childName", "the child's given name (\"Amelia\")"},
    {"childFullName", "the child's given and family name"},
    {"childGender", "the child's gender, to choose words: female, male, other"},
    {"childAge", "the child's age, a number (-1 when unknown)"},
    {"outcome", "what happened, to choose words: died, seriously_harmed"},
    {"reviewType", "the kind of review, to choose words: lcspr, scr, cpr, sar"},
    {"reviewId", "the review's reference (\"NSCP-2026-017\")"},
    {"relationship", "the reader's relationship to the child, to choose words (mother, father, "
                     "sister, ... other)"},
    {"memberGender", "the reader's gender, to choose words: female, male, other"},
    {"memberGiven", "the reader's given name"},
    {"memberFamily", "the reader's family name"},
    {"memberTitle", "the reader's title (Mrs, Mr, Dr...)"},
    {"hasTitle", "whether the reader has a title: yes, no"},
    {"hasFamily", "whether the reader's family name is known: yes, no"},
    {"memberAge", "the reader's age, a number (-1 when unknown)"},
    {"partnershipName", "the safeguarding partnership's name"},
    {"partnershipPhone", "the partnership's phone number"},
    {"partnershipEmail", "the partnership's email address"},
    {"partnershipWeb", "the partnership's website"},
    {"hasWeb", "whether the partnership has a website: yes, no"},
    {"reviewerName", "the independent reviewer's name"},
    {"reviewerRole", "the independent reviewer's role"},
    {"hasReviewer", "whether a reviewer is named: yes, no"},
    {"contactName", "the family's contact person (the writer)"},
    {"contactRole", "the contact person's role"},
    {"contactPhone", "the contact's phone number"},
    {"contactMobile", "the contact's mobile number"},
    {"contactEmail", "the contact's email address"},
    {"contactHours", "when to call the contact"},
    {"hasMobile", "whether there is a mobile number: yes, no"},
    {"hasHours", "whether calling hours are given: yes, no"},
    {"letterDate", "the letter's date; write {letterDate, date, long}"},
    {"decidedDate", "the date the review was decided; write {decidedDate, date, long}"},
    {"expectedEndDate", "when the review should end; write {expectedEndDate, date, long}"},
    {"periodFrom", "the start of the period reviewed (a date)"},
    {"periodTo", "the end of the period reviewed (a date)"},
    {"agencyCount", "how many agencies take part, a number (use plural)"},
    {"serviceCount", "how many support services are listed, a number (use plural)"},
    {"publication", "whether the report will be published, to choose words: planned, "
                    "not_planned, undecided"},
    {"interpreter", "whether the reader has an interpreter: yes, no"},
    {"interpreterLanguage", "the name of the interpreter's language, in the letter's language"},
    {"channel", "how the letter is sent: post, email, sms, via_professional"},
    {"otherChannel", "the other way the reader was contacted: email, post, or other"},
    {"professional", "who hands the letter over, or empty"},
    {"variant", "the reading variant: standard, plain, young_person, easy_read"},
    {"page", "the page number"},
    {"pages", "the number of pages"},
    {"agency", "one agency's name"},
    {"serviceName", "a support service's name"},
    {"servicePhone", "a support service's phone number"},
    {"serviceWeb", "a support service's website"},
    {"serviceHasPhone", "whether the service has a phone number: yes, no"},
    {"serviceHasWeb", "whether the service has a website: yes, no"},
};

static const char *arg_note(const char *name)
{
    for (size_t i = 0; i < sizeof arg_notes / sizeof *arg_notes; i++)
        if (!strcmp(arg_notes[i].name, name))
            return arg_notes[i].what;
    return "see docs/TEMPLATES.md";
}

static const char *const variant_notes[KL_VARIANTS] = {
    "standard: for adults; sentences of at most 25 words.",
    "plain: plain language for adults who asked for it; at most 20 words a sentence, common "
    "words. A message missing here is taken from standard.",
    "young_person: for a brother or sister aged about 11 to 17; at most 15 words a sentence, "
    "direct and warm. A message missing here is taken from plain, then standard.",
    "easy_read: Easy Read for adults with a learning disability; one idea a sentence, at most 12 "
    "words, everyday words; each point has a picture. A message missing here is taken from "
    "plain, then standard."};

const char *kl_l10n__variant_note(int v)
{
    return variant_notes[v];
}

static int location_note(kl_catalog_sources *s, const char *msgid, kl_buf *b)
{
    const kl_csrc *en = s->en->src;
    for (size_t i = 0; i < s->n_usage; i++) {
        const kl_usage *u = &s->usage[i];
        if (strcmp(u->msgid, msgid) != 0)
            continue;
        if (b->len)
            kl_core__buf_puts(b, "\n");
        kl_core__buf_printf(b, "templates/%s.xml", u->letter);
        if (u->line)
            kl_core__buf_printf(b, ":%u", u->line);
        kl_core__buf_printf(b, ": %s", u->role);
        const kl_csrc_str *h = u->section ? kl_l10n__src_find(en, "standard", u->section) : NULL;
        if (h && strcmp(u->section, msgid) != 0)
            kl_core__buf_printf(b, " in the section \"%s\"", h->text);
    }
    if (!b->len) {
        /* Messages the compose step uses by name, not through a template. */
        if (!strcmp(msgid, "common.page"))
            kl_core__buf_puts(b, "the page number at the foot of every page of every letter");
        else
            kl_core__buf_puts(b, "not used by any letter template yet");
    }
    return b->oom ? KL_ENOMEM : 0;
}

static void bcp_of(const char *name, char *out, size_t cap)
{
    snprintf(out, cap, "%s", name);
    for (char *p = out; *p; p++)
        if (*p == '_')
            *p = '-';
}

static const char *meta_of(const kl_csrc *tr, const char *key)
{
    const kl_csrc_str *m = kl_l10n__src_find(tr, "meta", key);
    return m ? m->text : "";
}

static kl_cfile *usable(kl_context *ctx, kl_catalog_sources *s, const char *locale, int *rc)
{
    kl_cfile *f = kl_l10n__file(s, locale);
    *rc = 0;
    if (!f)
        *rc =
            kl_core__error(ctx, KL_ENOTFOUND, KL_AT(s->dir, 0, 0),
                           "the catalog is locales/<locale>.txt, e.g. pl.txt; start a new one with "
                           "`kinletter catalog init LOCALE`",
                           "no catalog for '%s'", locale);
    else if (!f->src)
        *rc = kl_l10n__file_error(ctx, f);
    else if (!s->en->src)
        *rc = kl_l10n__file_error(ctx, s->en);
    else if (f == s->en)
        *rc = kl_core__error(ctx, KL_EINVAL, KL_AT(f->path, 0, 0), NULL,
                             "the English catalog is the source, not a translation");
    return *rc ? NULL : f;
}

void kl_l10n__xexport_free(kl_xexport *x)
{
    for (size_t i = 0; i < x->n; i++) {
        kl_free(x->units[i].location);
        kl_free(x->units[i].arguments);
        kl_free(x->units[i].plural);
    }
    kl_free(x->units);
    memset(x, 0, sizeof *x);
}

int kl_l10n__xexport(kl_context *ctx, kl_catalog_sources *s, const char *locale, kl_xexport *x)
{
    memset(x, 0, sizeof *x);
    int rc;
    kl_cfile *f = usable(ctx, s, locale, &rc);
    if (!f)
        return rc;
    if ((rc = kl_l10n__usage(ctx, s)) == KL_ENOMEM)
        return rc;
    const kl_csrc *en = s->en->src, *tr = f->src;
    x->f = f;
    bcp_of(f->name, x->bcp, sizeof x->bcp);
    x->status = meta_of(tr, "status");
    x->reviewer = meta_of(tr, "reviewer");
    x->reviewed = meta_of(tr, "reviewed");
    x->translator = meta_of(tr, "translator");
    x->units = kl_core__calloc(en->n_strs ? en->n_strs : 1, sizeof *x->units);
    kl_buf all = KL_BUF_INIT, b = KL_BUF_INIT;
    if (!x->units)
        return kl_core__oom(ctx);
    for (int v = 0; v < KL_VARIANTS; v++) {
        const char *vn = kl_l10n__variants[v];
        for (size_t i = 0; i < en->n_strs; i++) {
            const kl_csrc_str *e = &en->strs[i];
            if (strcmp(e->table, vn) != 0 || kl_l10n__english_only(e->key))
                continue;
            kl_core__buf_printf(&all, "%s:%s\n%s\n", vn, e->key, e->text);
            kl_xunit *u = &x->units[x->n++];
            u->variant = v;
            u->e = e;
            u->m = kl_l10n__src_find(tr, vn, e->key);
            const char *rec = kl_l10n__recorded_fp(tr, vn, e->key);
            char fp[17];
            kl_catalog__fingerprint(e->text, fp);
            u->current = u->m && rec && !strcmp(rec, fp);
            u->stale = u->m && rec && strcmp(rec, fp) != 0;
            u->unconfirmed = u->m && !rec;
            if (u->stale)
                u->old_english = kl_l10n__history(ctx, s, rec);
            kl_core__buf_clear(&b);
            if (location_note(s, e->key, &b) || !(u->location = kl_core__strdup(b.data)))
                goto oom;
            kl_msg_shape sh;
            kl_fmt_error fe;
            if (kl_catalog__analyse("en-GB", e->text, &sh, &fe) == 0 && sh.n_args) {
                kl_core__buf_clear(&b);
                for (size_t a = 0; a < sh.n_args; a++)
                    kl_core__buf_printf(&b, "%s{%s}: %s", a ? "\n" : "", sh.args[a].name,
                                        arg_note(sh.args[a].name));
                if (b.oom || !(u->arguments = kl_core__strdup(b.data)))
                    goto oom;
            }
            if (kl_catalog__analyse(x->bcp, e->text, &sh, &fe) == 0 && sh.plural_arg[0]) {
                kl_core__buf_clear(&b);
                kl_core__buf_printf(
                    &b,
                    "The plural on {%s} needs these forms in %s: %s (the English has "
                    "fewer).",
                    sh.plural_arg, x->bcp, sh.plural_need);
                if (b.oom || !(u->plural = kl_core__strdup(b.data)))
                    goto oom;
            }
            u->max_gsm = kl_l10n__limit(e->key, &u->max_ucs2, &u->limit_what);
        }
    }
    if (all.oom)
        goto oom;
    kl_catalog__fingerprint(all.data ? all.data : "", x->english_fp);
    kl_core__buf_free(&all);
    kl_core__buf_free(&b);
    return 0;
oom:
    kl_core__buf_free(&all);
    kl_core__buf_free(&b);
    kl_l10n__xexport_free(x);
    return kl_core__oom(ctx);
}

/* ---- import ------------------------------------------------------------------------- */

int kl_l10n__ximport_begin(kl_ximport *im, const char *locale)
{
    int rc;
    im->f = usable(im->ctx, im->s, locale, &rc);
    if (!im->f)
        return rc;
    bcp_of(im->f->name, im->bcp, sizeof im->bcp);
    return kl_l10n__fp_load(&im->w, im->f->src);
}

void kl_l10n__ximport_bad(kl_ximport *im, unsigned line, unsigned col, const char *hint,
                          const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    kl_core__report(im->ctx, KL_EFORMAT, KL_AT(im->path, line, col), hint, "%s", msg);
    im->errors++;
}

unsigned kl_l10n__col_of(const kl_ximport *im, unsigned line, const char *needle)
{
    const char *p = im->data, *end = im->data + im->len;
    for (unsigned l = 1; p && p < end && l < line; l++) {
        p = memchr(p, '\n', (size_t)(end - p));
        if (p)
            p++;
    }
    if (!p || p >= end)
        return 1;
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    if (!eol)
        eol = end;
    size_t nl = strlen(needle);
    for (const char *q = p; q + nl <= eol; q++)
        if (!memcmp(q, needle, nl)) {
            unsigned col = 1;
            for (const char *c = p; c < q; c++)
                if (((unsigned char)*c & 0xC0) != 0x80)
                    col++;
            return col;
        }
    return 1;
}

/* Check a target as `catalog check` would. */
static void validate(kl_ximport *im, unsigned line, unsigned col, const char *msgid,
                     const char *english, const char *text)
{
    kl_msg_shape sh, esh;
    kl_fmt_error fe;
    const char *bcp = im->bcp;
    char what[256];
    size_t off;
    if (kl_catalog__analyse(bcp, text, &sh, &fe) != 0) {
        if (kl_l10n__explain_syntax(text, what, sizeof what, &off))
            kl_l10n__ximport_bad(im, line, col,
                                 "ICU MessageFormat: {name}, {n, plural, ...}, {x, select, "
                                 "... other {...}}",
                                 "unit '%s': at character %zu of the translation (\"%.24s\"): %s",
                                 msgid, off + 1, text + off, what);
        else
            kl_l10n__ximport_bad(
                im, line, col,
                "ICU MessageFormat: {name}, {n, plural, ...}, {x, select, ... other {...}}",
                "unit '%s': %s %s", msgid, fe.detail, fe.icu);
        return;
    }
    if (sh.no_other[0]) {
        kl_l10n__ximport_bad(im, line, col, NULL,
                             "unit '%s': the choice on {%s} has no 'other' branch", msgid,
                             sh.no_other);
        return;
    }
    if (kl_catalog__check_pattern(bcp, text, &fe) != 0) {
        kl_l10n__ximport_bad(im, line, col, NULL, "unit '%s': %s %s", msgid, fe.detail, fe.icu);
        return;
    }
    if (sh.plural_arg[0])
        kl_l10n__ximport_bad(im, line, col, NULL,
                             "unit '%s': the plural on {%s} lacks %s (%s needs %s)", msgid,
                             sh.plural_arg, sh.plural_missing, bcp, sh.plural_need);
    if (kl_l10n__select_keys_missing(english, text, what, sizeof what))
        kl_l10n__ximport_bad(im, line, col,
                             "keep every select keyword of the English; you may add more",
                             "unit '%s': %s, which the English has", msgid, what);
    if (kl_l10n__over_limit(msgid, text, what, sizeof what))
        kl_core__warn(im->ctx, KL_SEVERITY_WARNING, KL_AT(im->path, line, col),
                      "shorten the translation", "unit '%s' %s", msgid, what);
    if (kl_catalog__analyse("en-GB", english, &esh, &fe) != 0)
        return;
    long ap = kl_l10n__quoting_apostrophe(text);
    for (size_t i = 0; i < esh.n_args; i++) {
        bool used = false;
        for (size_t k = 0; k < sh.n_args; k++)
            used = used || !strcmp(sh.args[k].name, esh.args[i].name);
        if (esh.args[i].shown && !used)
            kl_l10n__ximport_bad(
                im, line, col,
                ap >= 0 ? "a straight apostrophe ' before '{' makes the placeholder plain text: "
                          "write ’ instead"
                        : "keep every {placeholder} of the English (in a CAT tool: every "
                          "inline code)",
                "unit '%s' does not use {%s}", msgid, esh.args[i].name);
    }
    for (size_t k = 0; k < sh.n_args; k++) {
        bool used = false;
        for (size_t i = 0; i < esh.n_args; i++)
            used = used || !strcmp(sh.args[k].name, esh.args[i].name);
        if (sh.args[k].shown && !used)
            kl_l10n__ximport_bad(
                im, line, col, "a translation may not show what the English does not",
                "unit '%s' shows {%s}, which the English does not use", msgid, sh.args[k].name);
    }
}

void kl_l10n__ximport_unit(kl_ximport *im, unsigned line, unsigned col, const char *vn,
                           const char *id, const char *source, const char *target, bool confirms)
{
    int v = -1;
    for (int k = 0; vn && k < KL_VARIANTS; k++)
        if (!strcmp(vn, kl_l10n__variants[k]))
            v = k;
    if (v < 0) {
        kl_l10n__ximport_bad(im, line, col,
                             "the reading variants are standard, plain, young_person and easy_read",
                             "unknown reading variant '%s'", vn ? vn : "");
        return;
    }
    const kl_csrc *en = im->s->en->src, *tr = im->f->src;
    const kl_csrc_str *e = id ? kl_l10n__src_find(en, vn, id) : NULL;
    if (!e || kl_l10n__english_only(id)) {
        kl_l10n__ximport_bad(im, line, col, "units come from the export: do not rename them",
                             "unit '%s' is not a %s message of the English catalog", id ? id : "",
                             vn);
        return;
    }
    im->n_seen++;
    if (!target || !target[0])
        return;
    size_t bad_at;
    if (!kl_core__utf8_valid(target, strlen(target), &bad_at)) {
        kl_l10n__ximport_bad(im, line, col, "save the file as UTF-8",
                             "unit '%s': the translation is not valid UTF-8 (byte %zu)", id,
                             bad_at + 1);
        return;
    }
    if (confirms && source && !strcmp(source, e->text))
        im->n_done++;
    validate(im, line, col, id, e->text, target);
    const kl_csrc_str *m = kl_l10n__src_find(tr, vn, id);
    int rc = 0;
    if (!m || strcmp(m->text, target) != 0) {
        im->n_changes++;
        im->n_texts++;
        if (!m) {
            rc = kl_l10n__insert_msg(&im->w, tr, vn, id, target);
        } else {
            kl_buf q = KL_BUF_INIT;
            kl_l10n__quote(&q, target);
            rc = q.oom ? KL_ENOMEM : kl_l10n__edit_add(&im->w, m->vstart, m->vend, q.data);
            kl_core__buf_free(&q);
        }
        im->oom = im->oom || rc;
    }
    if (confirms && source && strcmp(source, e->text) != 0) {
        kl_core__warn(im->ctx, KL_SEVERITY_WARNING, KL_AT(im->path, line, col), NULL,
                      "unit '%s': the English changed after this file was exported, so the "
                      "translation is not confirmed (export again)",
                      id);
    } else if (confirms) {
        char fp[17];
        kl_catalog__fingerprint(e->text, fp);
        const char *rec = kl_l10n__recorded_fp(tr, vn, id);
        if (!rec || strcmp(rec, fp) != 0) {
            im->n_changes++;
            if (kl_l10n__fp_set(&im->w, v, id, fp, e->text))
                im->oom = true;
        }
    }
}

static int set_meta(kl_ximport *im, const char *key, const char *value)
{
    const kl_csrc *tr = im->f->src;
    const kl_csrc_str *m = kl_l10n__src_find(tr, "meta", key);
    if (m && !strcmp(m->text, value))
        return 0;
    kl_buf q = KL_BUF_INIT;
    int rc;
    if (m) {
        kl_l10n__quote(&q, value);
        rc = q.oom ? KL_ENOMEM : kl_l10n__edit_add(&im->w, m->vstart, m->vend, q.data);
    } else {
        const kl_csrc_table *t = kl_l10n__src_table(tr, "meta");
        if (!t)
            return KL_EFORMAT;
        size_t at = t->close;
        while (at > 0 && (tr->data[at - 1] == ' ' || tr->data[at - 1] == '\t'))
            at--;
        kl_core__buf_printf(&q, "        %s { ", key);
        kl_l10n__quote(&q, value);
        kl_core__buf_puts(&q, " }\n");
        rc = q.oom ? KL_ENOMEM : kl_l10n__edit_add(&im->w, at, at, q.data);
    }
    kl_core__buf_free(&q);
    if (!rc)
        im->n_changes++;
    return rc;
}

void kl_l10n__ximport_reviewed(kl_ximport *im, unsigned line, const char *reviewer,
                               const char *date)
{
    if (!im->f || im->errors || im->oom)
        return;
    size_t total = 0;
    const kl_csrc *en = im->s->en->src;
    for (size_t i = 0; i < en->n_strs; i++)
        for (int v = 0; v < KL_VARIANTS; v++)
            if (!strcmp(en->strs[i].table, kl_l10n__variants[v]) &&
                !kl_l10n__english_only(en->strs[i].key))
                total++;
    bool dated = strlen(date) == 10 && date[4] == '-' && date[7] == '-';
    if (im->n_seen != total || im->n_done != total || !reviewer[0] || !dated) {
        kl_core__warn(
            im->ctx, KL_SEVERITY_WARNING, KL_AT(im->path, line, 1),
            "a catalog is marked reviewed only from a file whose every unit is translated "
            "and marked done, with a reviewer and a date (YYYY-MM-DD)",
            "the file says the catalog was reviewed, but %zu of its %zu messages are not "
            "translated and marked done%s: its status stays '%s'",
            total - (im->n_done < total ? im->n_done : total), total,
            !reviewer[0] || !dated ? " (or the reviewer or date is missing)" : "",
            kl_l10n__src_find(im->f->src, "meta", "status")
                ? kl_l10n__src_find(im->f->src, "meta", "status")->text
                : "draft");
        return;
    }
    im->set_reviewed = true;
    int rc;
    if ((rc = set_meta(im, "status", "reviewed")) < 0 ||
        (rc = set_meta(im, "reviewer", reviewer)) < 0 ||
        (rc = set_meta(im, "reviewed", date)) < 0) {
        if (rc == KL_ENOMEM)
            im->oom = true;
        else
            kl_l10n__ximport_bad(im, line, 1, NULL,
                                 "the catalog has no meta table to record the review in");
    }
}

/* What `catalog check` calls [missing] (an error there) and a letter fails on: a standard
 * message of the English that the catalog will still not have after this import (neither
 * in it nor added by the file). Said the same way, at the catalog's standard table; the
 * first 10 named, the rest counted. */
static void warn_missing(kl_ximport *im)
{
    const kl_csrc *tr = im->f->src, *en = im->s->en ? im->s->en->src : NULL;
    if (!tr || !en)
        return;
    const kl_csrc_table *std = kl_l10n__src_table(tr, "standard");
    unsigned sl = 0, sc = 0;
    if (std)
        kl_core__line_col(tr->data, std->close, &sl, &sc);
    const char *added = im->w.pending[0].data ? im->w.pending[0].data : "";
    size_t n = 0;
    kl_buf q = KL_BUF_INIT;
    for (size_t i = 0; i < en->n_strs; i++) {
        const kl_csrc_str *e = &en->strs[i];
        if (strcmp(e->table, "standard") != 0 || kl_l10n__english_only(e->key) ||
            kl_l10n__src_find(tr, "standard", e->key))
            continue;
        kl_core__buf_clear(&q);
        kl_l10n__quote(&q, e->key);
        kl_core__buf_puts(&q, " { ");
        if (q.oom) {
            im->oom = true;
            break;
        }
        if (strstr(added, q.data))
            continue;
        if (++n <= 10)
            kl_core__warn(
                im->ctx, KL_SEVERITY_WARNING, KL_AT(im->f->path, sl, 0),
                "translate it in the file and import again",
                "[missing] standard '%s' is not translated (English: %s:%u); a letter that "
                "needs it cannot be written in this language",
                e->key, im->s->en->path, e->line);
    }
    kl_core__buf_free(&q);
    if (n > 10)
        kl_core__warn(im->ctx, KL_SEVERITY_WARNING, KL_AT(im->f->path, sl, 0),
                      "`kinletter catalog check` lists every one",
                      "[missing] %zu more standard messages are not translated", n - 10);
}

/* New words in a reviewed catalog have not been reviewed: it is a draft
 * again until a reviewer says otherwise. Returns 0 or KL_ENOMEM (reported). */
static int redraft(kl_ximport *im)
{
    const kl_csrc_str *st = im->f ? kl_l10n__src_find(im->f->src, "meta", "status") : NULL;
    if (im->errors || !im->n_texts || im->set_reviewed || !st || strcmp(st->text, "reviewed"))
        return 0;
    int r = set_meta(im, "status", "draft");
    if (r)
        return r == KL_ENOMEM ? kl_core__oom(im->ctx) : 0;
    kl_core__warn(im->ctx, KL_SEVERITY_WARNING, KL_AT(im->path, 0, 0),
                  "have the changes reviewed, then import a file that says so",
                  "the catalog was reviewed; %zu changed translation%s make%s it a draft again",
                  im->n_texts, im->n_texts == 1 ? "" : "s", im->n_texts == 1 ? "s" : "");
    return 0;
}

int kl_l10n__ximport_end(kl_ximport *im, int rc, int dry_run, size_t *changed)
{
    if (rc < 0)
        goto done;
    if (!im->oom && !im->errors && im->f)
        warn_missing(im);
    if (im->oom) {
        rc = kl_core__oom(im->ctx);
        goto done;
    }
    if ((rc = redraft(im)) < 0)
        goto done;
    if (im->errors) {
        rc = kl_core__error(im->ctx, KL_EFORMAT, KL_AT(im->path, 0, 0),
                            "fix the units named above and import again",
                            "%zu problem%s in the file: the catalog was not changed", im->errors,
                            im->errors == 1 ? "" : "s");
        goto done;
    }
    if ((rc = kl_l10n__commit(im->ctx, im->s, im->f, &im->w, dry_run)) < 0)
        goto done;
    if (changed)
        *changed = im->n_changes;
done:
    kl_l10n__cwrite_free(&im->w);
    return rc;
}

/* ---- gettext PO ------------------------------------------------------------------------ */

static void po_str(kl_buf *b, const char *kw, const char *s, bool split)
{
    kl_core__buf_printf(b, "%s ", kw);
    /* Multi-line strings: an empty first line, then one per \n. */
    if (split && strchr(s, '\n') && strchr(s, '\n')[1])
        kl_core__buf_puts(b, "\"\"\n");
    kl_core__buf_putc(b, '"');
    for (const char *p = s; *p; p++) {
        switch (*p) {
        case '"':
            kl_core__buf_puts(b, "\\\"");
            break;
        case '\\':
            kl_core__buf_puts(b, "\\\\");
            break;
        case '\t':
            kl_core__buf_puts(b, "\\t");
            break;
        case '\r':
            kl_core__buf_puts(b, "\\r");
            break;
        case '\n':
            kl_core__buf_puts(b, "\\n");
            if (p[1] && split)
                kl_core__buf_puts(b, "\"\n\"");
            break;
        default:
            kl_core__buf_putc(b, *p);
        }
    }
    kl_core__buf_puts(b, "\"\n");
}

static void po_comment(kl_buf *b, const char *mark, const char *text)
{
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        kl_core__buf_printf(b, "%s %.*s\n", mark, (int)n, p);
        p += n + (nl ? 1 : 0);
    }
}

void kl_l10n__po_header(const kl_xexport *x, kl_buf *h)
{
    /* PO-Revision-Date only when the catalog has a review date: the export
     * makes the same bytes every time, and invents no date (a PO tool sets
     * it when the translator saves). */
    kl_core__buf_printf(h, "Project-Id-Version: kinletter %s\n", x->f->name);
    if (x->reviewed[0])
        kl_core__buf_printf(h, "PO-Revision-Date: %s 00:00+0000\n", x->reviewed);
    kl_core__buf_printf(h,
                        "Last-Translator: %s\n"
                        "Language-Team: %s\n"
                        "Language: %s\n"
                        "MIME-Version: 1.0\n"
                        "Content-Type: text/plain; charset=UTF-8\n"
                        "Content-Transfer-Encoding: 8bit\n"
                        "X-Kinletter-Catalog: %s\n"
                        "X-Kinletter-Status: %s\n"
                        "X-Kinletter-Reviewer: %s\n"
                        "X-Kinletter-Reviewed: %s\n"
                        "X-Kinletter-English: %s\n",
                        x->translator, x->bcp, x->bcp, x->f->name,
                        x->status[0] ? x->status : "draft", x->reviewer, x->reviewed,
                        x->english_fp);
}

int kl_l10n__export_po(kl_context *ctx, kl_catalog_sources *s, const char *locale, char **out,
                       size_t *len)
{
    kl_xexport x;
    int rc = kl_l10n__xexport(ctx, s, locale, &x);
    if (rc)
        return rc;
    kl_buf b = KL_BUF_INIT, h = KL_BUF_INIT;
    kl_core__buf_printf(
        &b,
        "# The words of kinletter's letters in %s, from the English (en-GB).\n"
        "# Exported by `kinletter catalog export %s --format po`; bring it back with\n"
        "# `kinletter catalog import FILE`. msgctxt is the reading variant and the\n"
        "# message id; keep every {placeholder}; see docs/TRANSLATING.md.\n",
        x.bcp, x.f->name);
    kl_l10n__po_header(&x, &h);
    kl_core__buf_puts(&b, "msgid \"\"\n");
    if (h.oom)
        goto oom;
    po_str(&b, "msgstr", h.data, true);
    for (size_t i = 0; i < x.n; i++) {
        const kl_xunit *u = &x.units[i];
        kl_core__buf_putc(&b, '\n');
        po_comment(&b, "#.", kl_l10n__variant_note(u->variant));
        po_comment(&b, "#.", u->location);
        if (u->arguments)
            po_comment(&b, "#.", u->arguments);
        if (u->plural)
            po_comment(&b, "#.", u->plural);
        if (u->max_gsm) {
            if (u->max_gsm == u->max_ucs2)
                kl_core__buf_printf(&b, "#. max %u characters (%s)\n", u->max_gsm, u->limit_what);
            else
                kl_core__buf_printf(&b,
                                    "#. max %u characters, GSM-7; %u if the text needs UCS-2 (%s); "
                                    "each placeholder counts as %d\n",
                                    u->max_gsm, u->max_ucs2, u->limit_what, KL_PH_CHARS);
        }
        if (u->stale)
            kl_core__buf_puts(&b,
                              "#. OUT OF DATE: the English changed after this was translated, so "
                              "letters do not use it.\n");
        else if (u->unconfirmed)
            kl_core__buf_puts(&b,
                              "#. Not yet confirmed against this English: check it, then unmark "
                              "fuzzy.\n");
        for (size_t k = 0; k < s->n_usage; k++)
            if (!strcmp(s->usage[k].msgid, u->e->key)) {
                kl_core__buf_printf(&b, "#: templates/%s.xml", s->usage[k].letter);
                if (s->usage[k].line)
                    kl_core__buf_printf(&b, ":%u", s->usage[k].line);
                kl_core__buf_putc(&b, '\n');
            }
        kl_core__buf_printf(&b, "#, %sicu-message-format\n", u->m && !u->current ? "fuzzy, " : "");
        if (u->stale && u->old_english)
            po_str(&b, "#| msgid", u->old_english, false);
        char ctxt[256];
        snprintf(ctxt, sizeof ctxt, "%s:%s", kl_l10n__variants[u->variant], u->e->key);
        po_str(&b, "msgctxt", ctxt, true);
        po_str(&b, "msgid", u->e->text, true);
        po_str(&b, "msgstr", u->m ? u->m->text : "", true);
    }
    if (b.oom)
        goto oom;
    kl_core__buf_free(&h);
    kl_l10n__xexport_free(&x);
    if (len)
        *len = b.len;
    *out = kl_core__buf_detach(&b);
    return 0;
oom:
    kl_core__buf_free(&b);
    kl_core__buf_free(&h);
    kl_l10n__xexport_free(&x);
    return kl_core__oom(ctx);
}

/* One PO string literal at *pp (after the keyword), continued on following lines. */
typedef struct po_rd {
    kl_ximport *im;
    const char *p, *end;
    unsigned line;
} po_rd;

static bool po_line(po_rd *r, const char **start, size_t *n)
{
    if (r->p >= r->end)
        return false;
    *start = r->p;
    const char *nl = memchr(r->p, '\n', (size_t)(r->end - r->p));
    *n = nl ? (size_t)(nl - r->p) : (size_t)(r->end - r->p);
    if (*n && (*start)[*n - 1] == '\r')
        (*n)--;
    r->p = nl ? nl + 1 : r->end;
    r->line++;
    return true;
}

/* Decode "..." at s (n bytes) into b. false: malformed. */
static bool po_unquote(const char *s, size_t n, kl_buf *b)
{
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n < 2 || s[0] != '"' || s[n - 1] != '"')
        return false;
    for (size_t i = 1; i + 1 < n; i++) {
        char c = s[i];
        if (c == '"')
            return false;
        if (c != '\\') {
            kl_core__buf_putc(b, c);
            continue;
        }
        if (i + 2 >= n)
            return false;
        c = s[++i];
        switch (c) {
        case 'n':
            kl_core__buf_putc(b, '\n');
            break;
        case 't':
            kl_core__buf_putc(b, '\t');
            break;
        case 'r':
            kl_core__buf_putc(b, '\r');
            break;
        case '"':
        case '\\':
            kl_core__buf_putc(b, c);
            break;
        default:
            return false;
        }
    }
    return true;
}

typedef struct po_entry {
    kl_buf ctxt, id, str;
    bool has_ctxt, has_id, has_str, fuzzy, obsolete, plural;
    unsigned line, col; /* of msgstr */
    char ref[192];      /* a "#: variant:message.id" reference (xliff2po's), or "" */
} po_entry;

bool kl_l10n__unit_ref(const char *ref, size_t n, char *vn, size_t cap, const char **msgid)
{
    const char *colon = memchr(ref, ':', n);
    if (!colon || colon + 1 >= ref + n)
        return false;
    for (int v = 0; v < KL_VARIANTS; v++) {
        const char *name = kl_l10n__variants[v];
        size_t k = strlen(name);
        if ((size_t)(colon - ref) == k && !strncmp(ref, name, k) && k < cap) {
            snprintf(vn, cap, "%s", name);
            *msgid = colon + 1;
            return true;
        }
    }
    return false;
}

/* "#: a b c": keep the first reference that names a unit (variant:message.id); the export's
 * own references are to templates (templates/x.xml:9) and never do. */
static void po_refs(po_entry *e, const char *t, size_t n)
{
    char vn[32];
    const char *id;
    for (size_t i = 0; i < n && !e->ref[0];) {
        while (i < n && (t[i] == ' ' || t[i] == '\t'))
            i++;
        size_t j = i;
        while (j < n && t[j] != ' ' && t[j] != '\t')
            j++;
        if (j > i && j - i < sizeof e->ref && kl_l10n__unit_ref(t + i, j - i, vn, sizeof vn, &id))
            snprintf(e->ref, sizeof e->ref, "%.*s", (int)(j - i), t + i);
        i = j;
    }
}

static void po_entry_reset(po_entry *e)
{
    kl_core__buf_clear(&e->ctxt);
    kl_core__buf_clear(&e->id);
    kl_core__buf_clear(&e->str);
    e->has_ctxt = e->has_id = e->has_str = e->fuzzy = e->obsolete = e->plural = false;
    e->line = e->col = 0;
    e->ref[0] = '\0';
}

static const char *buf_s(const kl_buf *b)
{
    return b->data ? b->data : "";
}

void kl_l10n__header_field(const char *h, const char *name, char *out, size_t cap)
{
    out[0] = '\0';
    size_t n = strlen(name);
    for (const char *p = h; p && *p;) {
        if (!strncmp(p, name, n) && p[n] == ':') {
            const char *v = p + n + 1;
            while (*v == ' ')
                v++;
            size_t k = strcspn(v, "\n");
            snprintf(out, cap, "%.*s", (int)k, v);
            return;
        }
        p = strchr(p, '\n');
        if (p)
            p++;
    }
}

static void po_flush(kl_ximport *im, po_entry *e, bool *header_seen)
{
    if (!e->has_id)
        return;
    if (e->obsolete)
        return;
    if (!*header_seen && !e->has_ctxt && !buf_s(&e->id)[0]) {
        *header_seen = true;
        return;
    }
    if (e->plural) {
        kl_l10n__ximport_bad(im, e->line, e->col,
                             "plurals are written inside the message: {n, plural, ...}",
                             "msgid_plural is not used by these catalogs");
        return;
    }
    /* The unit: a "#: variant:message.id" reference, else msgctxt (our export's). translate-
     * toolkit's xliff2po writes the XLIFF 1.2 export's po-reference as that reference, and
     * adds a msgctxt only for an English text several units share: the reference repeated,
     * once for each further unit, so the reference is the one to believe. */
    const char *ctxt = e->ref[0] ? e->ref : e->has_ctxt ? buf_s(&e->ctxt) : "";
    const char *colon = strchr(ctxt, ':');
    if (!colon) {
        kl_l10n__ximport_bad(im, e->line, e->col,
                             "msgctxt is the reading variant and message id, "
                             "\"standard:notification.title\": do not change it",
                             "an entry without a msgctxt from the export");
        return;
    }
    char vn[32];
    snprintf(vn, sizeof vn, "%.*s", (int)(colon - ctxt), ctxt);
    kl_l10n__ximport_unit(im, e->line, e->col, vn, colon + 1, buf_s(&e->id), buf_s(&e->str),
                          !e->fuzzy);
}

/* What the header entry (msgid "") says: which catalog (X-Kinletter-Catalog, else Language)
 * and its review. */
typedef struct po_head {
    char locale[64], status[32], reviewer[160], reviewed[32];
} po_head;

static void po_header_of(po_rd hr, po_head *h)
{
    const char *ls;
    size_t ln;
    bool in_header = false, in_str = false;
    kl_buf hs = KL_BUF_INIT;
    while (po_line(&hr, &ls, &ln)) {
        if (ln >= 8 && !strncmp(ls, "msgid \"\"", 8) && !in_header) {
            in_header = true;
            continue;
        }
        if (in_header && ln >= 6 && !strncmp(ls, "msgstr", 6)) {
            in_str = true;
            po_unquote(ls + 6, ln - 6, &hs);
            continue;
        }
        if (in_str && ln && ls[0] == '"') {
            po_unquote(ls, ln, &hs);
            continue;
        }
        if (in_str)
            break;
    }
    char cat[64];
    kl_l10n__header_field(buf_s(&hs), "X-Kinletter-Status", h->status, sizeof h->status);
    kl_l10n__header_field(buf_s(&hs), "X-Kinletter-Reviewer", h->reviewer, sizeof h->reviewer);
    kl_l10n__header_field(buf_s(&hs), "X-Kinletter-Reviewed", h->reviewed, sizeof h->reviewed);
    kl_l10n__header_field(buf_s(&hs), "X-Kinletter-Catalog", cat, sizeof cat);
    kl_l10n__header_field(buf_s(&hs), "Language", h->locale, sizeof h->locale);
    if (cat[0])
        snprintf(h->locale, sizeof h->locale, "%s", cat);
    kl_core__buf_free(&hs);
}

/* The reader between lines: the entry being read and what a continuation line adds to. */
typedef struct po_state {
    kl_ximport *im;
    po_entry e;
    kl_buf *cur;
    bool header_seen;
} po_state;

/* The entry read so far is complete: import it and start the next. */
static void po_next(po_state *st)
{
    po_flush(st->im, &st->e, &st->header_seen);
    po_entry_reset(&st->e);
}

/* A comment line (t: from its '#'): obsolete (#~), flags (#,), references (#:). */
static void po_comment_line(po_state *st, const char *t, size_t tn)
{
    po_entry *e = &st->e;
    if (tn > 1 && t[1] == '~') {
        e->obsolete = true;
        return;
    }
    if (tn > 1 && t[1] == ',') {
        /* flags: "fuzzy" as a whole word */
        const char *f = t + 2, *fe = t + tn;
        while (f < fe) {
            while (f < fe && (*f == ' ' || *f == ','))
                f++;
            const char *w = f;
            while (f < fe && *f != ',' && *f != ' ')
                f++;
            if (f - w == 5 && !strncmp(w, "fuzzy", 5))
                e->fuzzy = true;
        }
    }
    if (e->has_id && e->has_str && !(tn > 1 && t[1] == '|')) {
        po_next(st);
        st->cur = NULL;
    }
    if (tn > 1 && t[1] == ':')
        po_refs(e, t + 2, tn - 2);
}

/* A keyword line (msgctxt, msgid, msgid_plural, msgstr) or a continuation ("..."); t starts
 * at column i + 1 of the file's line `line`. */
static void po_keyword_line(po_state *st, unsigned line, size_t i, const char *t, size_t tn)
{
    po_entry *e = &st->e;
    const char *q = memchr(t, '"', tn);
    size_t kw = q ? (size_t)(q - t) : tn;
    while (kw && (t[kw - 1] == ' ' || t[kw - 1] == '\t'))
        kw--;
    kl_buf *next = NULL;
    if (kw == 0 && q) {
        next = st->cur;
    } else if (kw == 7 && !strncmp(t, "msgctxt", 7)) {
        if (e->has_id)
            po_next(st);
        e->has_ctxt = true;
        next = &e->ctxt;
    } else if (kw == 5 && !strncmp(t, "msgid", 5)) {
        if (e->has_id)
            po_next(st);
        e->has_id = true;
        next = &e->id;
    } else if (kw == 12 && !strncmp(t, "msgid_plural", 12)) {
        e->plural = true;
        next = &e->id;
    } else if (kw >= 6 && !strncmp(t, "msgstr", 6)) {
        e->has_str = true;
        e->line = line;
        e->col = (unsigned)(i + kw + 2);
        next = &e->str;
    }
    if (!next || !q || !po_unquote(q, tn - (size_t)(q - t), next)) {
        kl_l10n__ximport_bad(st->im, line, (unsigned)(i + 1),
                             "a PO entry is msgctxt, msgid and msgstr, each a \"quoted\" string",
                             "cannot read this line of the PO file");
        st->cur = NULL;
        return;
    }
    st->cur = next;
}

int kl_l10n__import_po(kl_ximport *im, int dry_run, size_t *changed)
{
    po_rd r = {im, im->data, im->data + im->len, 0};
    po_head h;
    po_header_of(r, &h); /* the header first: which catalog */
    int rc;
    if (!h.locale[0]) {
        rc = kl_core__error(
            im->ctx, KL_EFORMAT, KL_AT(im->path, 1, 1),
            "export one with `kinletter catalog export LOCALE --format po`",
            "no header with a Language: this PO file does not say which catalog it is");
        return kl_l10n__ximport_end(im, rc, dry_run, changed);
    }
    if ((rc = kl_l10n__ximport_begin(im, h.locale)) < 0)
        return kl_l10n__ximport_end(im, rc, dry_run, changed);
    po_state st = {.im = im};
    const char *ls;
    size_t ln;
    while (po_line(&r, &ls, &ln)) {
        size_t i = 0;
        while (i < ln && (ls[i] == ' ' || ls[i] == '\t'))
            i++;
        if (i == ln) {
            po_next(&st);
            st.cur = NULL;
        } else if (ls[i] == '#') {
            po_comment_line(&st, ls + i, ln - i);
        } else {
            po_keyword_line(&st, r.line, i, ls + i, ln - i);
        }
    }
    po_flush(im, &st.e, &st.header_seen);
    if (!strcmp(h.status, "reviewed"))
        kl_l10n__ximport_reviewed(im, 1, h.reviewer, h.reviewed);
    kl_core__buf_free(&st.e.ctxt);
    kl_core__buf_free(&st.e.id);
    kl_core__buf_free(&st.e.str);
    return kl_l10n__ximport_end(im, 0, dry_run, changed);
}

/* ---- a new catalog ------------------------------------------------------------------- */

/* What a new catalog's first lines say about its language. */
typedef struct lang_facts {
    char name[64];   /* the catalog's name: "pt_BR" */
    char bcp[64];    /* "pt-BR" */
    char script[16]; /* "Latn", or "" */
    char disp[128];  /* "Portuguese (Brazil)", or "" */
    char forms[96];  /* plural categories: "one other" */
} lang_facts;

/* The catalog name and BCP 47 tag of a language tag (letters, digits, '-' or '_'). */
static int init_names(kl_context *ctx, const char *locale, lang_facts *lf)
{
    if (strlen(locale) >= sizeof lf->name)
        return kl_core__error(ctx, KL_EINVAL, KL_NOWHERE, "give a language tag such as de or pt-BR",
                              "'%.64s...' is too long for a language tag", locale);
    snprintf(lf->name, sizeof lf->name, "%s", locale);
    snprintf(lf->bcp, sizeof lf->bcp, "%s", locale);
    for (char *p = lf->name; *p; p++) {
        if (*p == '-')
            *p = '_';
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_'))
            return kl_core__error(ctx, KL_EINVAL, KL_NOWHERE,
                                  "give a language tag such as de or pt-BR",
                                  "'%s' is not a language tag", locale);
    }
    for (char *p = lf->bcp; *p; p++)
        if (*p == '_')
            *p = '-';
    return 0;
}

/* ICU's facts: the language must be an ISO 639 one ICU knows; its likely script, English
 * name and plural categories. */
static int init_facts(kl_context *ctx, const char *locale, lang_facts *lf)
{
    char lang[16] = "", full[96];
    UErrorCode st = U_ZERO_ERROR;
    uloc_getLanguage(lf->name, lang, sizeof lang, &st);
    bool known = false;
    for (const char *const *l = uloc_getISOLanguages(); *l && !known; l++)
        known = !strcmp(*l, lang);
    if (U_FAILURE(st) || !known)
        return kl_core__error(
            ctx, KL_EINVAL, KL_NOWHERE,
            "give an ISO 639 language code, with a region or script if needed (pt-BR, "
            "zh-Hant)",
            "'%s' is not a language ICU knows", locale);
    st = U_ZERO_ERROR;
    uloc_addLikelySubtags(lf->name, full, sizeof full, &st);
    st = U_ZERO_ERROR;
    uloc_getScript(full, lf->script, sizeof lf->script, &st);
    UChar ud[128];
    st = U_ZERO_ERROR;
    int32_t dn = uloc_getDisplayName(lf->name, "en", ud, 127, &st);
    if (U_SUCCESS(st))
        u_strToUTF8(lf->disp, sizeof lf->disp, NULL, ud, dn, &st);
    /* Plural forms, for the translator's first look. */
    st = U_ZERO_ERROR;
    UPluralRules *pr = uplrules_open(lf->name, &st);
    UEnumeration *kw = U_SUCCESS(st) ? uplrules_getKeywords(pr, &st) : NULL;
    for (const char *k; kw && (k = uenum_next(kw, NULL, &st)) && U_SUCCESS(st);) {
        size_t n = strlen(lf->forms);
        snprintf(lf->forms + n, sizeof lf->forms - n, "%s%s", n ? " " : "", k);
    }
    if (kw)
        uenum_close(kw);
    if (pr)
        uplrules_close(pr);
    return 0;
}

/* The script must be one the letters have a font for (when fonts/fonts.xml is beside the
 * catalogs and can be read). */
static int init_font(kl_context *ctx, const kl_catalog_sources *s, const lang_facts *lf)
{
    kl_buf path = KL_BUF_INIT;
    kl_core__buf_printf(&path, "%s../fonts/fonts.xml", s->dir);
    char *fonts = NULL;
    size_t flen = 0;
    int rc = 0;
    if (!path.oom && lf->script[0] && access(path.data, R_OK) == 0 &&
        kl_core__read_file(ctx, path.data, 1u << 20, &fonts, &flen) == 0) {
        char needle[32];
        snprintf(needle, sizeof needle, "code=\"%s\"", lf->script);
        if (!strstr(fonts, needle))
            rc = kl_core__error(ctx, KL_EINVAL, KL_AT(path.data, 0, 0),
                                "add a <script> with a font for it to fonts/fonts.xml first",
                                "%s is written in the %s script, which no font in fonts.xml covers",
                                lf->bcp, lf->script);
        kl_free(fonts);
    }
    kl_core__buf_free(&path);
    return rc;
}

/* The new catalog's text: a draft with empty tables. */
static void init_text(const lang_facts *lf, kl_buf *text)
{
    kl_core__buf_printf(
        text,
        "// SPDX-License-Identifier: MIT\n"
        "// locales/%s.txt: %s words of every letter. DRAFT: started with `kinletter "
        "catalog init`;\n"
        "// not yet reviewed by a professional translator.\n"
        "// Written in the %s script, %s; plural forms: %s.\n"
        "// Translate with docs/TRANSLATING.md: `kinletter catalog export %s --format po`.\n"
        "%s {\n"
        "    meta {\n"
        "        status { \"draft\" }\n"
        "        translator { \"\" }\n"
        "        reviewer { \"\" }\n"
        "        reviewed { \"\" }\n"
        "    }\n"
        "    standard {\n"
        "    }\n"
        "    plain {\n"
        "    }\n"
        "    young_person {\n"
        "    }\n"
        "}\n",
        lf->name, lf->disp[0] ? lf->disp : lf->bcp, lf->script[0] ? lf->script : "(unknown)",
        uloc_isRightToLeft(lf->name) ? "right to left" : "left to right",
        lf->forms[0] ? lf->forms : "other", lf->name, lf->name);
}

/* Write a file that must not exist yet; nothing is left behind on failure. */
static int write_new(kl_context *ctx, const char *path, const kl_buf *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0)
        return kl_core__error(ctx, KL_EIO, KL_AT(path, 0, 0), NULL, "cannot create the catalog: %s",
                              strerror(errno));
    ssize_t wr = write(fd, text->data, text->len);
    int e = errno;
    bool ok = wr >= 0 && (size_t)wr == text->len;
    if (close(fd) != 0 && ok) {
        e = errno;
        ok = false;
    }
    if (ok)
        return 0;
    unlink(path);
    return kl_core__error(ctx, KL_EIO, KL_AT(path, 0, 0), NULL, "cannot write the catalog: %s",
                          strerror(e));
}

KL_API int kl_catalog_init(kl_context *ctx, kl_catalog_sources *s, const char *locale, char **out)
{
    kl_context_clear_error(ctx);
    if (!ctx || !s || !locale || !locale[0])
        return kl_core__einval(ctx, __func__);
    if (out)
        *out = NULL;
    lang_facts lf = {0};
    kl_buf path = KL_BUF_INIT, text = KL_BUF_INIT;
    int rc;
    if ((rc = init_names(ctx, locale, &lf)) < 0)
        return rc;
    if (kl_l10n__file(s, locale))
        return kl_core__error(ctx, KL_EFORMAT, KL_AT(s->dir, 0, 0),
                              "work on the catalog that is there (catalog export)",
                              "there is already a catalog for '%s'", locale);
    if ((rc = init_facts(ctx, locale, &lf)) < 0 || (rc = init_font(ctx, s, &lf)) < 0)
        return rc;
    kl_context_clear_error(ctx); /* a fonts.xml that could not be read is no objection */
    kl_core__buf_printf(&path, "%s%s.txt", s->dir, lf.name);
    init_text(&lf, &text);
    if (path.oom || text.oom) {
        rc = kl_core__oom(ctx);
        goto done;
    }
    if ((rc = write_new(ctx, path.data, &text)) < 0)
        goto done;
    if (out)
        *out = kl_core__buf_detach(&path);
done:
    kl_core__buf_free(&text);
    kl_core__buf_free(&path);
    return rc;
}
