/* SPDX-License-Identifier: MIT */
/* plain/plain.c: the document tree as plain text and email; text message segments. */
#include "plain/plain.h"
#include "compose/compose.h"
#include "text/text.h"

#include <stdio.h>
#include <string.h>
#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/uloc.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

#define MAX_PARAGRAPH (1 << 20)

/* ---- wrapping --------------------------------------------------------------- */

static unsigned char_width(UChar32 c)
{
    /* Below the combining marks (U+0300) every character is one column but
     * the soft hyphen (a format character): no ICU property lookups. */
    if (c < 0x300)
        return c == 0xAD ? 0 : 1;
    int8_t cat = u_charType(c);
    if (cat == U_NON_SPACING_MARK || cat == U_ENCLOSING_MARK || cat == U_FORMAT_CHAR)
        return 0;
    int ea = u_getIntPropertyValue(c, UCHAR_EAST_ASIAN_WIDTH);
    return ea == U_EA_WIDE || ea == U_EA_FULLWIDTH ? 2 : 1;
}

static bool is_space16(UChar c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0x2028 || c == 0x2029;
}

/* Display width of u[from, to) without trailing white space, from cw: the
 * width of u[0, i) at each code point boundary i (from and to are ones). */
static unsigned width_of(const UChar *u, const unsigned *cw, int32_t from, int32_t to)
{
    while (to > from && is_space16(u[to - 1]))
        to--;
    return cw[to] - cw[from];
}

/* Display width of UTF-8 text without trailing white space; 0 if it is not UTF-8. */
static unsigned width_of_utf8(const char *s)
{
    unsigned w = 0, upto = 0;
    for (int32_t i = 0; s[i];) {
        UChar32 c;
        U8_NEXT(s, i, -1, c);
        if (c < 0)
            return 0;
        w += char_width(c);
        if (c > 0xFFFF || !is_space16((UChar)c))
            upto = w;
    }
    return upto;
}

static int emit(kl_buf *b, const UChar *u, int32_t from, int32_t to, const char *prefix)
{
    while (to > from && is_space16(u[to - 1]))
        to--;
    kl_core__buf_puts(b, prefix);
    if (to > from) {
        /* At most 3 UTF-8 bytes per UTF-16 unit: one conversion, no preflight. */
        size_t cap = (size_t)(to - from) * 3 + 1;
        if (kl_core__buf_reserve(b, cap))
            return KL_ENOMEM;
        UErrorCode st = U_ZERO_ERROR;
        int32_t need = 0;
        u_strToUTF8(b->data + b->len, (int32_t)cap, &need, u + from, to - from, &st);
        if (U_FAILURE(st))
            return KL_EBACKEND;
        b->len += (size_t)need;
        b->data[b->len] = '\0';
    } else {
        /* an empty line: no trailing spaces from the prefix */
        while (b->len && b->data[b->len - 1] == ' ')
            b->data[--b->len] = '\0';
    }
    kl_core__buf_putc(b, '\n');
    return b->oom ? KL_ENOMEM : 0;
}

/* A line breaker kept across the paragraphs of one text: opening one costs
 * more than wrapping a paragraph with it; so does converting its language tag
 * for every paragraph. The paragraph's UTF-16 text and widths are kept too. */
typedef struct breaker {
    char tag[32]; /* the language tag loc came from, if it fits; else "" */
    bool has_tag;
    char loc[ULOC_FULLNAME_CAPACITY];
    UBreakIterator *bi;
    UChar *u; /* the paragraph, u_cap units */
    size_t u_cap;
    unsigned *cw; /* cw[i]: the width of u[0, i) */
    size_t cw_cap;
} breaker;

#define BREAKER_INIT                                                                               \
    {                                                                                              \
        "", false, "", NULL, NULL, 0, NULL, 0                                                      \
    }

static void breaker_free(breaker *br)
{
    ubrk_close(br->bi);
    kl_free(br->u);
    kl_free(br->cw);
}

/* Point br's line breaker at u[0, n) in `locale`, reusing it when the locale is
 * the same; on failure br holds no breaker. */
static UErrorCode breaker_set(breaker *br, const UChar *u, int32_t n, const char *locale)
{
    const char *tag = locale ? locale : "en";
    UErrorCode lst = U_ZERO_ERROR, st = U_ZERO_ERROR;
    if (br->bi && br->has_tag && strcmp(br->tag, tag) == 0) {
        ubrk_setText(br->bi, u, n, &st);
        return st;
    }
    char loc[ULOC_FULLNAME_CAPACITY];
    int32_t ln = uloc_forLanguageTag(tag, loc, sizeof loc, NULL, &lst);
    if (U_FAILURE(lst) || ln <= 0 || ln >= (int32_t)sizeof loc)
        snprintf(loc, sizeof loc, "en");
    br->has_tag = strlen(tag) < sizeof br->tag;
    snprintf(br->tag, sizeof br->tag, "%s", br->has_tag ? tag : "");
    if (br->bi && strcmp(br->loc, loc) == 0) {
        ubrk_setText(br->bi, u, n, &st);
        return st;
    }
    ubrk_close(br->bi);
    br->bi = ubrk_open(UBRK_LINE, loc, u, n, &st);
    snprintf(br->loc, sizeof br->loc, "%s", loc);
    if (U_FAILURE(st)) {
        ubrk_close(br->bi);
        br->bi = NULL;
    }
    return st;
}

/* A paragraph not wrapped (KL_PLAIN_NOWRAP): its own line breaks kept, each line prefixed as a
 * wrapped one is (first, then indent) and without trailing spaces, as emit() writes lines. */
static int nowrap(kl_context *ctx, kl_buf *b, const char *text, size_t len, const char *first,
                  const char *indent)
{
    const char *p = text, *end = text + len;
    bool first_line = true;
    do {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *to = nl ? nl : end;
        while (to > p && (to[-1] == ' ' || to[-1] == '\t' || to[-1] == '\r'))
            to--;
        kl_core__buf_puts(b, first_line ? first : indent);
        if (to > p)
            kl_core__buf_append(b, p, (size_t)(to - p));
        else /* an empty line: no trailing spaces from the prefix */
            while (b->len && b->data[b->len - 1] == ' ')
                b->data[--b->len] = '\0';
        kl_core__buf_putc(b, '\n');
        first_line = false;
        p = nl ? nl + 1 : end;
    } while (p < end);
    return b->oom ? kl_core__oom(ctx) : 0;
}

static int wrap_with(kl_context *ctx, kl_buf *b, const char *text, const char *locale,
                     unsigned width, const char *first, const char *indent, breaker *br)
{
    size_t len = strlen(text);
    if (len > MAX_PARAGRAPH)
        return kl_core__error(ctx, KL_ELIMIT, KL_NOWHERE, NULL, "paragraph longer than %d bytes",
                              MAX_PARAGRAPH);
    if (width == KL_PLAIN_NOWRAP)
        return nowrap(ctx, b, text, len, first, indent);
    /* At most one UTF-16 unit per UTF-8 byte: one conversion, no preflight,
     * into the buffer the previous paragraph used. */
    if (KL_GROW(br->u, br->u_cap, len + 1) < 0 || KL_GROW(br->cw, br->cw_cap, len + 1) < 0)
        return kl_core__oom(ctx);
    UChar *u = br->u;
    unsigned *cw = br->cw;
    UErrorCode st = U_ZERO_ERROR;
    int32_t n = 0;
    u_strFromUTF8(u, (int32_t)len + 1, &n, text, (int32_t)len, &st);
    if (U_FAILURE(st))
        return kl_core__error(ctx, KL_EPARSE, KL_NOWHERE, NULL, "text is not UTF-8: %s",
                              u_errorName(st));
    st = breaker_set(br, u, n, locale);
    if (U_FAILURE(st))
        return kl_core__error(ctx, KL_EBACKEND, KL_NOWHERE, NULL, "ICU line breaker failed: %s",
                              u_errorName(st));
    UBreakIterator *bi = br->bi;
    /* Each character's width once, not once per candidate line. */
    cw[0] = 0;
    for (int32_t i = 0; i < n;) {
        int32_t at = i;
        UChar32 c;
        U16_NEXT(u, i, n, c);
        for (int32_t k = at + 1; k < i; k++)
            cw[k] = cw[at];
        cw[i] = cw[at] + char_width(c);
    }

    size_t flen = strlen(first), ilen = strlen(indent);
    unsigned avail_first = width > flen + 10 ? width - (unsigned)flen : 10;
    unsigned avail_rest = width > ilen + 10 ? width - (unsigned)ilen : 10;
    int rc = 0;
    int32_t start = 0, last_ok = -1;
    bool first_line = true;
    int32_t brk = ubrk_following(bi, 0);
    while (brk != UBRK_DONE && !rc) {
        bool hard = ubrk_getRuleStatus(bi) >= UBRK_LINE_HARD && brk < n;
        if ((kl_text__in_address(u, n, brk) || kl_text__hyphen_joins(u, n, brk) ||
             kl_text__in_number(u, n, brk)) &&
            !hard) {
            brk = ubrk_next(bi);
            continue;
        }
        unsigned avail = first_line ? avail_first : avail_rest;
        if (width_of(u, cw, start, brk) <= avail) {
            last_ok = brk;
            if (hard) {
                rc = emit(b, u, start, brk, first_line ? first : indent);
                first_line = false;
                start = brk;
                last_ok = -1;
            }
            brk = ubrk_next(bi);
            continue;
        }
        if (last_ok > start) {
            /* break at the last opportunity that fitted; look at brk again */
            rc = emit(b, u, start, last_ok, first_line ? first : indent);
            first_line = false;
            start = last_ok;
            last_ok = -1;
            continue;
        }
        /* one unbreakable piece wider than the line: let it overflow */
        rc = emit(b, u, start, brk, first_line ? first : indent);
        first_line = false;
        start = brk;
        last_ok = -1;
        brk = ubrk_next(bi);
    }
    if (!rc && (start < n || first_line))
        rc = emit(b, u, start, n, first_line ? first : indent);
    if (rc == KL_ENOMEM)
        return kl_core__oom(ctx);
    if (rc)
        return kl_core__error(ctx, rc, KL_NOWHERE, NULL, "could not convert wrapped text");
    return 0;
}

int kl_plain__wrap(kl_context *ctx, kl_buf *b, const char *text, const char *locale, unsigned width,
                   const char *first, const char *indent)
{
    breaker br = BREAKER_INIT;
    int rc = wrap_with(ctx, b, text, locale, width, first, indent, &br);
    breaker_free(&br);
    return rc;
}

/* ---- text and email ---------------------------------------------------------- */

typedef struct renderer {
    kl_context *ctx;
    kl_buf out;
    unsigned width;
    breaker br;
} renderer;

static void blank(renderer *r)
{
    if (r->out.len && !(r->out.len >= 2 && r->out.data[r->out.len - 1] == '\n' &&
                        r->out.data[r->out.len - 2] == '\n'))
        kl_core__buf_putc(&r->out, '\n');
}

static int para(renderer *r, const kl_node *n, const char *first, const char *indent)
{
    return wrap_with(r->ctx, &r->out, n->text ? n->text : "", kl_doc__lang(n), r->width, first,
                     indent, &r->br);
}

static int underline(renderer *r, const char *text, char ch)
{
    /* As wide as the heading's longest line, at most the line width. */
    unsigned w = width_of_utf8(text);
    if (w > r->width || w == 0)
        w = r->width < 40 ? r->width : 40;
    for (unsigned i = 0; i < w; i++)
        kl_core__buf_putc(&r->out, ch);
    kl_core__buf_putc(&r->out, '\n');
    return r->out.oom ? KL_ENOMEM : 0;
}

static int render(renderer *r, const kl_node *n);

static int render_children(renderer *r, const kl_node *n)
{
    int rc = 0;
    for (const kl_node *c = n->first; c && !rc; c = c->next)
        rc = render(r, c);
    return rc;
}

static int render(renderer *r, const kl_node *n)
{
    int rc = 0;
    switch (n->kind) {
    case KL_NODE_DOCUMENT:
    case KL_NODE_SECTION:
    case KL_NODE_POINT: /* its picture is left out; its words are the point */
        return render_children(r, n);
    case KL_NODE_LETTERHEAD:
    case KL_NODE_ADDRESS:
    case KL_NODE_SIGNATURE:
        blank(r);
        for (const kl_node *c = n->first; c && !rc; c = c->next)
            if (c->kind == KL_NODE_LINE)
                rc = para(r, c, "", "");
        return rc;
    case KL_NODE_HEADING:
        blank(r);
        if ((rc = para(r, n, "", "")) < 0)
            return rc;
        return underline(r, n->text ? n->text : "", n->level <= 1 ? '=' : '-');
    case KL_NODE_DATE:
    case KL_NODE_REFERENCE:
    case KL_NODE_SALUTATION:
    case KL_NODE_PARAGRAPH:
    case KL_NODE_LINE:
        blank(r);
        return para(r, n, "", "");
    case KL_NODE_LIST: {
        blank(r);
        int i = 1;
        for (const kl_node *c = n->first; c && !rc; c = c->next, i++) {
            char first[16];
            snprintf(first, sizeof first, n->ordered ? "%2d. " : "  - ", i);
            rc = para(r, c, first, "    ");
        }
        return rc;
    }
    case KL_NODE_CONTACT:
        blank(r);
        for (const kl_node *c = n->first; c && !rc; c = c->next) {
            kl_buf line = KL_BUF_INIT;
            /* Chinese writes a label's colon full width, with no space after it (姓名：). */
            const char *lang = kl_doc__lang(c);
            bool cjk = lang && strncmp(lang, "zh", 2) == 0 && (!lang[2] || lang[2] == '-');
            kl_core__buf_printf(&line, "%s%s%s", c->label ? c->label : "",
                                cjk ? "\xef\xbc\x9a" : ": ", c->text ? c->text : "");
            if (line.oom)
                return KL_ENOMEM;
            rc = wrap_with(r->ctx, &r->out, line.data, kl_doc__lang(c), r->width, "", "    ",
                           &r->br);
            kl_core__buf_free(&line);
        }
        return rc;
    case KL_NODE_ITEM:
    case KL_NODE_ROW:
    case KL_NODE_FIGURE:
    case KL_NODE_PAGE_BREAK:
        return 0;
    }
    return 0;
}

int kl_plain__text(kl_context *ctx, const kl_doc *doc, unsigned width, char **out)
{
    *out = NULL;
    renderer r = {ctx, KL_BUF_INIT, width ? width : KL_PLAIN_WIDTH, BREAKER_INIT};
    int rc = 0;
    if (doc->sms)
        rc = wrap_with(ctx, &r.out, doc->sms, doc->root->lang, r.width, "", "", &r.br);
    else
        rc = render(&r, doc->root);
    breaker_free(&r.br);
    /* Helpers return KL_ENOMEM without a message: give the caller one. */
    if (rc == KL_ENOMEM || (!rc && r.out.oom))
        rc = kl_core__oom(ctx);
    if (rc) {
        kl_core__buf_free(&r.out);
        return rc;
    }
    while (r.out.len > 1 && r.out.data[r.out.len - 1] == '\n' && r.out.data[r.out.len - 2] == '\n')
        r.out.data[--r.out.len] = '\0';
    *out = kl_core__buf_detach(&r.out);
    return *out ? 0 : kl_core__oom(ctx);
}

int kl_plain__email(kl_context *ctx, const kl_doc *doc, char **subject, char **body)
{
    *subject = *body = NULL;
    const char *s = doc->subject ? doc->subject : doc->title ? doc->title : "";
    kl_buf b = KL_BUF_INIT;
    /* A subject is one line: fold any line break or tab into a space. */
    for (const char *p = s; *p; p++)
        kl_core__buf_putc(&b, (*p == '\n' || *p == '\r' || *p == '\t') ? ' ' : *p);
    if (b.oom)
        return kl_core__oom(ctx);
    int rc = kl_plain__text(ctx, doc, KL_PLAIN_WIDTH, body);
    if (rc) {
        kl_core__buf_free(&b);
        return rc;
    }
    if (doc->email_intro) {
        /* The opening says a letter is attached and how to get help with it;
         * the letter follows in full for anyone who cannot open the PDF. */
        kl_buf e = KL_BUF_INIT;
        const char *paras = doc->email_intro;
        rc = 0;
        while (!rc && *paras) {
            const char *end = strstr(paras, "\n\n");
            size_t n = end ? (size_t)(end - paras) : strlen(paras);
            char *one = kl_core__strndup(paras, n);
            rc = one ? kl_plain__wrap(ctx, &e, one, kl_doc__lang(doc->root), KL_PLAIN_WIDTH, "", "")
                     : KL_ENOMEM;
            kl_free(one);
            kl_core__buf_putc(&e, '\n');
            paras += n + (end ? 2 : 0);
        }
        kl_core__buf_printf(&e, "%s\n\n%s", "----------------------------------------", *body);
        if (!rc && e.oom)
            rc = KL_ENOMEM;
        kl_free(*body);
        *body = rc ? NULL : kl_core__buf_detach(&e);
        kl_core__buf_free(&e);
        if (rc) {
            kl_core__buf_free(&b);
            return rc == KL_ENOMEM ? kl_core__oom(ctx) : rc;
        }
    }
    *subject = kl_core__buf_detach(&b);
    if (!*subject) {
        kl_free(*body);
        *body = NULL;
        return kl_core__oom(ctx);
    }
    return 0;
}

/* ---- text messages ------------------------------------------------------------ */

/* GSM 03.38 basic character set (the Unicode characters it holds). */
static const char gsm_basic_ascii[] = "@$\n\r_ !\"#%&'()*+,-./0123456789:;<=>?"
                                      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
static const UChar32 gsm_basic_other[] = {
    0x00A3, 0x00A5, 0x00E8, 0x00E9, 0x00F9, 0x00EC, 0x00F2, 0x00C7, 0x00D8, 0x00F8,
    0x00C5, 0x00E5, 0x0394, 0x03A6, 0x0393, 0x039B, 0x03A9, 0x03A0, 0x03A8, 0x03A3,
    0x0398, 0x039E, 0x00C6, 0x00E6, 0x00DF, 0x00C9, 0x00A4, 0x00A1, 0x00C4, 0x00D6,
    0x00D1, 0x00DC, 0x00A7, 0x00BF, 0x00E4, 0x00F6, 0x00F1, 0x00FC, 0x00E0};
/* The extension table: each costs an escape plus the character. */
static const char gsm_ext_ascii[] = "^{}\\[~]|\f";

/* Septets for c in GSM-7, or 0 if it needs UCS-2. */
static unsigned gsm_septets(UChar32 c)
{
    if (c > 0 && c < 0x80) {
        if (strchr(gsm_basic_ascii, (int)c))
            return 1;
        if (strchr(gsm_ext_ascii, (int)c))
            return 2;
        return 0;
    }
    if (c == 0x20AC) /* euro */
        return 2;
    for (size_t i = 0; i < sizeof gsm_basic_other / sizeof gsm_basic_other[0]; i++)
        if (gsm_basic_other[i] == c)
            return 1;
    return 0;
}

int kl_plain__sms(const char *text, kl_sms_info *info)
{
    memset(info, 0, sizeof *info);
    size_t len = strlen(text);
    size_t bad;
    if (!kl_core__utf8_valid(text, len, &bad))
        return KL_EPARSE;
    unsigned septets = 0, utf16 = 0, chars = 0;
    bool gsm = true;
    for (size_t i = 0; i < len;) {
        UChar32 c;
        int32_t ii = (int32_t)i;
        U8_NEXT(text, ii, (int32_t)len, c);
        i = (size_t)ii;
        chars++;
        utf16 += c > 0xFFFF ? 2 : 1;
        unsigned s = gsm_septets(c);
        if (!s)
            gsm = false;
        septets += s;
    }
    info->ucs2 = !gsm;
    info->units = gsm ? septets : utf16;
    unsigned single = gsm ? 160 : 70, part = gsm ? 153 : 67;
    info->segments = info->units == 0        ? 0
                     : info->units <= single ? 1
                                             : (info->units + part - 1) / part;
    if (info->segments > 3 || chars > 918)
        return KL_ELIMIT;
    return 0;
}

/* ---- public renderers ------------------------------------------------------------ */

KL_API int kl_sms_measure(kl_context *ctx, const char *text, kl_sms_info *info)
{
    kl_context_clear_error(ctx);
    if (!text ||
        (info && !kl_core__out_size_ok(info, offsetof(kl_sms_info, ucs2) + sizeof info->ucs2)))
        return kl_core__einval(ctx, __func__);
    kl_sms_info full;
    int rc = kl_plain__sms(text, &full);
    full.size = sizeof full;
    if (info)
        kl_core__out_copy(info, &full, sizeof full);
    info = &full;
    if (rc == KL_EPARSE)
        return ctx ? kl_core__error(ctx, KL_EPARSE, KL_NOWHERE, NULL, "text message is not UTF-8")
                   : rc;
    if (rc == KL_ELIMIT && ctx)
        return kl_core__error(
            ctx, KL_ELIMIT, KL_NOWHERE, "shorten the message: a text invites contact, nothing more",
            "text message needs %u parts (%u %s): at most 3 are sent", info->segments, info->units,
            info->ucs2 ? "UCS-2 characters" : "GSM-7 characters");
    return rc;
}

/* Hand out *out only if it passes the disclosure check; else free it. */
static int checked(kl_context *ctx, const kl_letter *letter, char **out, const char *what)
{
    int rc = kl_letter__check(ctx, letter, *out, strlen(*out), what);
    if (rc) {
        kl_free(*out);
        *out = NULL;
    }
    return rc;
}

KL_API int kl_letter_render_text(kl_context *ctx, const kl_letter *letter, char **out)
{
    kl_context_clear_error(ctx);
    if (!ctx || !letter || !out)
        return kl_core__einval(ctx, __func__);
    *out = NULL;
    int rc = kl_plain__text(ctx, kl_letter__doc(letter), KL_PLAIN_WIDTH, out);
    return rc ? rc : checked(ctx, letter, out, "the letter's text");
}

int kl_plain__check_text(kl_context *ctx, const kl_letter *letter, char **out)
{
    kl_context_clear_error(ctx);
    *out = NULL;
    int rc = kl_plain__text(ctx, kl_letter__doc(letter), KL_PLAIN_NOWRAP, out);
    return rc ? rc : checked(ctx, letter, out, "the letter's text");
}

KL_API int kl_letter_render_email(kl_context *ctx, const kl_letter *letter, char **subject,
                                  char **body)
{
    kl_context_clear_error(ctx);
    if (!ctx || !letter || !subject || !body)
        return kl_core__einval(ctx, __func__);
    *subject = *body = NULL;
    int rc;
    if ((rc = kl_plain__email(ctx, kl_letter__doc(letter), subject, body)) < 0)
        goto done;
    if ((rc = checked(ctx, letter, subject, "the email's subject")) < 0)
        goto done;
    rc = checked(ctx, letter, body, "the email's body");
done:
    if (rc) {
        kl_free(*subject);
        kl_free(*body);
        *subject = *body = NULL;
    }
    return rc;
}

KL_API int kl_letter_render_sms(kl_context *ctx, const kl_letter *letter, char **out,
                                kl_sms_info *info)
{
    kl_context_clear_error(ctx);
    if (!ctx || !letter || !out ||
        (info && !kl_core__out_size_ok(info, offsetof(kl_sms_info, ucs2) + sizeof info->ucs2)))
        return kl_core__einval(ctx, __func__);
    *out = NULL;
    const kl_doc *doc = kl_letter__doc(letter);
    if (!doc->sms)
        return kl_core__error(ctx, KL_ENOTFOUND, KL_NOWHERE,
                              "compose the letter for the sms channel",
                              "this letter was not composed as a text message");
    kl_sms_info whole;
    int rc = kl_plain__sms(doc->sms, &whole);
    size_t len = strlen(doc->sms);
    if (rc == KL_ELIMIT && doc->sms_first_len > 0 && doc->sms_first_len < len) {
        /* Both languages of a bilingual text would take more than 3 parts:
         * send the first language (the one the member reads first) alone. */
        char *first = kl_core__strndup(doc->sms, doc->sms_first_len);
        if (!first)
            return kl_core__oom(ctx);
        rc = kl_sms_measure(ctx, first, info);
        if (rc) {
            kl_free(first);
            return rc;
        }
        kl_core__warn(
            ctx, KL_SEVERITY_WARNING, (kl_where){NULL, 0, 0, doc->member_id},
            "the letter itself is still in both languages",
            "the text message in both languages takes %u parts (at most 3): only the %s text "
            "is sent",
            whole.segments, kl_doc__lang(doc->root) ? kl_doc__lang(doc->root) : "first");
        *out = first;
        return checked(ctx, letter, out, "the text message");
    }
    rc = kl_sms_measure(ctx, doc->sms, info);
    if (rc)
        return rc;
    *out = kl_core__strdup(doc->sms);
    return *out ? checked(ctx, letter, out, "the text message") : kl_core__oom(ctx);
}
