/* SPDX-License-Identifier: MIT */
/* web/preview.c: one member's letter from one template: the PDF in the browser's own viewer,
 * the email's subject and body, the text message with its segments, the readability figures,
 * and a banner when a draft translation is used or free text stays in English. */
#include "web.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int catalogs(kl_catalog_set **out)
{
    if (!web_srv->catalogs) {
        int rc = kl_catalog_set_open(web_srv->ctx, NULL, &web_srv->catalogs);
        if (rc)
            return rc;
    }
    *out = web_srv->catalogs;
    return 0;
}

static const char *last_message(int rc)
{
    const kl_diagnostic *d = kl_context_last_error(web_srv->ctx);
    return d && d->message ? d->message : kl_strerror(rc);
}

/* The channel the PDF is made for: the member's post, via-professional or email. */
static kl_channel pdf_channel(const kl_member *m)
{
    for (size_t i = 0; i < kl_member_contact_count(m); i++) {
        kl_channel c = kl_contact_channel(kl_member_contact_at(m, i));
        if (c == KL_CHANNEL_POST || c == KL_CHANNEL_VIA_PROFESSIONAL)
            return c;
    }
    return KL_CHANNEL_EMAIL;
}

static bool has_channel(const kl_member *m, kl_channel ch)
{
    for (size_t i = 0; i < kl_member_contact_count(m); i++)
        if (kl_contact_channel(kl_member_contact_at(m, i)) == ch)
            return true;
    return false;
}

static void draft_banner(web_page *p, kl_catalog_set *set, const char *locale)
{
    if (!locale)
        return;
    kl_catalog_meta meta = KL_CATALOG_META_INIT; /* its size field says what to fill */
    if (kl_catalog_set_meta(web_srv->ctx, set, locale, &meta) != 0)
        return;
    if (!strcmp(meta.status, "source") || !strcmp(meta.status, "reviewed"))
        return;
    xmlNodePtr b = elc(p->main, "div", "banner-draft", NULL);
    attr(b, "role", "status");
    char *name = language_name(locale);
    char *t = fmt("Draft translation: the text in %s comes from a translation no qualified "
                  "translator has reviewed yet. Have it checked before the letter is sent.",
                  name);
    el(b, "p", t);
    free(t);
    free(name);
}

/* One letter's preview page, made in sections. */
typedef struct preview {
    kl_context *ctx;
    const kl_review *rv;
    const kl_member *m;
    kl_catalog_set *set;
    kl_template *t;
    kl_letter *letter;
    const char *id, *mid, *tpl;
    kl_channel ch;
    web_page *p;
} preview;

/* The member's letter cannot be shown: its problems, or why not. */
static void not_ready(web_response *rs, const char *title, const web_errors *errs, const char *id,
                      const char *mid, bool member_known)
{
    web_page *p = page_new(title);
    for (size_t i = 0; i < errs->n; i++)
        if (!errs->field[i][0] || !strcmp(errs->field[i], mid))
            page_error(p, NULL, errs->message[i]);
    if (!p->n_errors)
        page_error(p, NULL,
                   member_known ? "This member is not ready: correct the member's details first"
                                : "The review has no member with this id");
    char *back = fmt("/reviews/%s", id);
    a_link(el(p->main, "p", NULL), back, "Back to the review");
    free(back);
    page_respond(p, rs, 404);
}

/* The letter as a PDF (the page's <object> shows it). */
static void respond_pdf(web_response *rs, const preview *v, int rc)
{
    unsigned char *bytes = NULL;
    size_t len = 0;
    if (!rc && !web_srv->renderer)
        rc = kl_pdf_renderer_new(v->ctx, NULL, &web_srv->renderer);
    if (!rc)
        rc = kl_letter_render_pdf(v->ctx, web_srv->renderer, v->letter, NULL, &bytes, &len, NULL);
    if (rc) {
        respond_error(rs, 500, "The letter could not be made", last_message(rc));
    } else {
        void *copy = malloc(len ? len : 1);
        if (copy)
            memcpy(copy, bytes, len);
        respond_bytes(rs, "application/pdf", copy, copy ? len : 0);
        rs->disposition = fmt("inline; filename=\"%s-%s-preview.pdf\"", v->mid, v->tpl);
    }
    kl_free(bytes);
}

/* Banners: a draft translation, free text in English, messages taken from English. */
static void banners(const preview *v, const web_errors *warns)
{
    web_page *p = v->p;
    draft_banner(p, v->set, kl_member_locale(v->m));
    draft_banner(p, v->set, kl_member_also(v->m));
    xmlNodePtr english = NULL;
    for (size_t i = 0; i < warns->n; i++) {
        if (strcmp(warns->field[i], v->mid) || !strstr(warns->message[i], "English"))
            continue;
        if (!english) {
            english = elc(p->main, "div", "banner-english", NULL);
            attr(english, "role", "status");
            el(english, "p", "Some text in this letter will stay in English:");
            english = el(english, "ul", NULL);
        }
        el(english, "li", warns->message[i]);
    }
    if (v->letter && kl_letter_fallback_count(v->letter)) {
        xmlNodePtr b = elc(p->main, "div", "banner-english", NULL);
        char *s = fmt("%zu messages are in English because the translation lacks them.",
                      kl_letter_fallback_count(v->letter));
        el(b, "p", s);
        free(s);
    }
}

/* Links to the member's other letters. */
static void letters_nav(const preview *v)
{
    xmlNodePtr nav = el(v->p->main, "nav", NULL);
    attr(nav, "aria-label", "Letters");
    xmlNodePtr ul = elc(nav, "ul", "actions", NULL);
    for (size_t i = 0; web_templates[i]; i++) {
        xmlNodePtr li = el(ul, "li", NULL);
        char *lbl = fmt("The %s letter", web_templates[i]);
        if (!strcmp(web_templates[i], v->tpl)) {
            xmlNodePtr s = el(li, "strong", lbl);
            attr(s, "aria-current", "page");
        } else {
            char *href = fmt("/reviews/%s/preview/%s/%s", v->id, v->mid, web_templates[i]);
            a_link(li, href, lbl);
            free(href);
        }
        free(lbl);
    }
}

/* A braille member gets the BRF file generate writes, not the print letter. */
static void braille_section(const preview *v)
{
    web_page *p = v->p;
    char *brf = NULL;
    unsigned bpages = 0;
    int r = kl_letter_render_brf(v->ctx, v->letter, &brf, NULL, &bpages);
    char *h = fmt("The letter in braille (%u %s)", bpages, bpages == 1 ? "page" : "pages");
    el(p->main, "h2", h);
    free(h);
    if (r) {
        page_error(p, NULL, last_message(r));
    } else {
        el(p->main, "p",
           "This member needs braille: generate writes this file (North American Braille "
           "ASCII, 40 cells by 25 lines) to send to the embossing service, instead of the "
           "print letter.");
        xmlNodePtr pre = elc(p->main, "pre", "message braille", brf);
        attr(pre, "tabindex", "0");
        char *al = fmt("The %s letter for member %s in braille (BRF)", v->tpl, v->mid);
        attr(pre, "aria-label", al);
        free(al);
    }
    kl_free(brf);
}

/* The print letter, shown by the browser's PDF viewer, with a link to it. */
static void pdf_section(const preview *v)
{
    web_page *p = v->p;
    char *h = fmt("The letter (%s)", kl_channel_name(v->ch));
    el(p->main, "h2", h);
    free(h);
    char *src = fmt("/reviews/%s/preview/%s/%s.pdf", v->id, v->mid, v->tpl);
    /* An <object>: where the browser has no PDF viewer (headless, some locked-down
     * machines) it shows its fallback content, a link to the PDF. */
    xmlNodePtr frame = el(p->main, "object", NULL);
    attr(frame, "data", src);
    attr(frame, "type", "application/pdf");
    char *ft = fmt("The %s letter for member %s (PDF)", v->tpl, v->mid);
    attr(frame, "title", ft);
    free(ft);
    attr(frame, "class", "preview-frame");
    xmlNodePtr fb = el(frame, "p", "This browser cannot show the letter here: ");
    xmlNodePtr down = a_link(fb, src, "download the letter as a PDF");
    char *fn = fmt("%s-%s-preview.pdf", v->mid, v->tpl);
    attr(down, "download", fn);
    free(fn);
    text(fb, ".");
    a_link(el(p->main, "p", NULL), src, "Open the letter as a PDF");
    free(src);
}

static void email_section(const preview *v)
{
    web_page *p = v->p;
    kl_letter *el_letter = NULL;
    char *subject = NULL, *body = NULL;
    el(p->main, "h2", "The email");
    int r =
        kl_letter_compose(v->ctx, v->t, v->set, v->rv, v->m, KL_CHANNEL_EMAIL, NULL, &el_letter);
    if (!r)
        r = kl_letter_render_email(v->ctx, el_letter, &subject, &body);
    if (r) {
        page_error(p, NULL, last_message(r));
    } else {
        xmlNodePtr dl = elc(p->main, "dl", "summary-list", NULL);
        el(dl, "dt", "Subject");
        xmlNodePtr dd = el(dl, "dd", subject);
        attr(dd, "lang", kl_letter_lang(el_letter));
        xmlNodePtr pre = elc(p->main, "pre", "message", body);
        attr(pre, "lang", kl_letter_lang(el_letter));
    }
    kl_free(subject);
    kl_free(body);
    kl_letter_free(el_letter);
}

static void sms_section(const preview *v)
{
    web_page *p = v->p;
    kl_letter *sl = NULL;
    char *sms = NULL;
    kl_sms_info info = KL_SMS_INFO_INIT;
    el(p->main, "h2", "The text message");
    int r = kl_letter_compose(v->ctx, v->t, v->set, v->rv, v->m, KL_CHANNEL_SMS, NULL, &sl);
    if (!r)
        r = kl_letter_render_sms(v->ctx, sl, &sms, &info);
    if (r == KL_ENOTFOUND) {
        el(p->main, "p", "This letter has no text message.");
    } else if (r) {
        page_error(p, NULL, last_message(r));
    } else {
        xmlNodePtr pre = elc(p->main, "pre", "message", sms);
        attr(pre, "lang", kl_letter_lang(sl));
        char *s =
            fmt("%u %s (%s, %u %s)", info.segments, info.segments == 1 ? "segment" : "segments",
                info.ucs2 ? "UCS-2" : "GSM-7", info.units, info.ucs2 ? "characters" : "septets");
        elc(p->main, "p", "sms-segments", s);
        free(s);
    }
    kl_free(sms);
    kl_letter_free(sl);
}

/* A row of the readability table: one language's figures. */
static void readability_row(xmlNodePtr tb, const kl_read_stats *st)
{
    xmlNodePtr tr = el(tb, "tr", NULL);
    char *ln = language_name(st->lang);
    attr(el(tr, "th", ln), "scope", "row");
    free(ln);
    char buf[128]; /* numbers, and the short texts below */
    snprintf(buf, sizeof buf, "%zu", st->sentences);
    el(tr, "td", buf);
    snprintf(buf, sizeof buf, "%zu", st->words);
    el(tr, "td", buf);
    snprintf(buf, sizeof buf, "%.1f", st->avg_words);
    el(tr, "td", buf);
    snprintf(buf, sizeof buf, "%u words (limit %u)", st->longest, st->limit);
    el(tr, "td", buf);
    if (st->has_flesch)
        snprintf(buf, sizeof buf, "Flesch reading ease %.0f (at least %.0f)", st->flesch,
                 st->min_flesch);
    else if (st->has_lix)
        snprintf(buf, sizeof buf, "LIX %.0f", st->lix);
    else
        snprintf(buf, sizeof buf, "no score for this language");
    el(tr, "td", buf);
}

/* The findings listed on the page; the rest are counted, never dropped unsaid. */
#define PREVIEW_FINDINGS 50

static void readability_section(const preview *v)
{
    web_page *p = v->p;
    el(p->main, "h2", "How easy it is to read");
    kl_readability *r = NULL;
    int rr = kl_readability_check(v->ctx, v->letter, v->set, v->rv, kl_member_reading(v->m), &r);
    if (rr) {
        page_error(p, NULL, last_message(rr));
        kl_readability_free(r);
        return;
    }
    xmlNodePtr table = elc(p->main, "table", "table", NULL);
    el(table, "caption", "Readability figures");
    xmlNodePtr tr = el(el(table, "thead", NULL), "tr", NULL);
    const char *heads[] = {"Language",         "Sentences",        "Words",
                           "Words a sentence", "Longest sentence", "Score"};
    for (size_t i = 0; i < 6; i++)
        attr(el(tr, "th", heads[i]), "scope", "col");
    xmlNodePtr tb = el(table, "tbody", NULL);
    for (size_t i = 0; i < kl_readability_section_count(r); i++)
        readability_row(tb, kl_readability_section(r, i));
    size_t nf = kl_readability_finding_count(r);
    if (!nf) {
        el(p->main, "p", "No sentence is too long and no word to avoid was found.");
    } else {
        xmlNodePtr fl = el(p->main, "ul", NULL);
        for (size_t i = 0; i < nf && i < PREVIEW_FINDINGS; i++) {
            const kl_read_finding *f = kl_readability_finding(r, i);
            char *s = fmt("%s: %s", kl_read_kind_name(f->kind), f->what);
            el(fl, "li", s);
            free(s);
        }
        if (nf > PREVIEW_FINDINGS) {
            char *s = fmt("%zu more findings are not listed here: kinletter readability lists "
                          "every one.",
                          nf - PREVIEW_FINDINGS);
            el(p->main, "p", s);
            free(s);
        }
    }
    kl_readability_free(r);
}

void h_preview(web_request *rq, web_response *rs, const char *id, const char *mid, const char *tpl,
               bool pdf)
{
    (void)rq;
    kl_context *ctx = web_srv->ctx;
    web_errors errs = {0}, warns = {0};
    kl_review *rv = ws_review_load(ctx, id, &errs, &warns);
    const kl_member *m = rv ? kl_review_find_member(rv, mid) : NULL;
    char *title = fmt("Letter preview: member %s, %s letter", mid, tpl);
    preview v = {.ctx = ctx, .rv = rv, .m = m, .id = id, .mid = mid, .tpl = tpl};
    if (!rv || !m || !kl_review_member_ok(rv, m)) {
        if (pdf)
            respond_error(rs, 404, "Letter not found", "This member has no letter yet.");
        else
            not_ready(rs, title, &errs, id, mid, m != NULL);
        goto done;
    }
    int rc = catalogs(&v.set);
    if (!rc)
        rc = kl_template_load_name(ctx, tpl, &v.t);
    v.ch = pdf_channel(m);
    if (!rc)
        rc = kl_letter_compose(ctx, v.t, v.set, rv, m, v.ch, NULL, &v.letter);
    if (pdf) {
        respond_pdf(rs, &v, rc);
        goto done;
    }
    web_page *p = v.p = page_new(title);
    if (rc)
        page_error(p, NULL, last_message(rc));
    banners(&v, &warns);
    letters_nav(&v);
    if (v.letter && kl_review_member_format(rv, m) == KL_FORMAT_BRAILLE) {
        braille_section(&v);
    } else if (v.letter) {
        pdf_section(&v);
        if (has_channel(m, KL_CHANNEL_EMAIL))
            email_section(&v);
        if (has_channel(m, KL_CHANNEL_SMS))
            sms_section(&v);
        readability_section(&v);
    }
    char *back = fmt("/reviews/%s", id);
    a_link(el(p->main, "p", NULL), back, "Back to the review");
    free(back);
    page_respond(p, rs, 200);
done:
    free(title);
    kl_letter_free(v.letter);
    kl_template_free(v.t);
    kl_review_free(rv);
    errors_free(&errs);
    errors_free(&warns);
}
