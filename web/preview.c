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

void h_preview(web_request *rq, web_response *rs, const char *id, const char *mid, const char *tpl,
               bool pdf)
{
    (void)rq;
    kl_context *ctx = web_srv->ctx;
    web_errors errs = {0}, warns = {0};
    kl_review *rv = ws_review_load(ctx, id, &errs, &warns);
    const kl_member *m = rv ? kl_review_find_member(rv, mid) : NULL;
    char *title = fmt("Letter preview: member %s, %s letter", mid, tpl);
    if (!rv || !m || !kl_review_member_ok(rv, m)) {
        if (pdf) {
            respond_error(rs, 404, "Letter not found", "This member has no letter yet.");
        } else {
            web_page *p = page_new(title);
            for (size_t i = 0; i < errs.n; i++)
                if (!errs.field[i][0] || !strcmp(errs.field[i], mid))
                    page_error(p, NULL, errs.message[i]);
            if (!p->n_errors)
                page_error(p, NULL,
                           m ? "This member is not ready: correct the member's details first"
                             : "The review has no member with this id");
            char *back = fmt("/reviews/%s", id);
            a_link(el(p->main, "p", NULL), back, "Back to the review");
            free(back);
            page_respond(p, rs, 404);
        }
        free(title);
        kl_review_free(rv);
        errors_free(&errs);
        errors_free(&warns);
        return;
    }
    kl_catalog_set *set = NULL;
    kl_template *t = NULL;
    kl_letter *letter = NULL;
    int rc = catalogs(&set);
    if (!rc)
        rc = kl_template_load_name(ctx, tpl, &t);
    kl_channel ch = pdf_channel(m);
    if (!rc)
        rc = kl_letter_compose(ctx, t, set, rv, m, ch, NULL, &letter);
    if (pdf) {
        unsigned char *bytes = NULL;
        size_t len = 0;
        if (!rc && !web_srv->renderer)
            rc = kl_pdf_renderer_new(ctx, NULL, &web_srv->renderer);
        if (!rc)
            rc = kl_letter_render_pdf(ctx, web_srv->renderer, letter, NULL, &bytes, &len, NULL);
        if (rc) {
            respond_error(rs, 500, "The letter could not be made", last_message(rc));
        } else {
            void *copy = malloc(len ? len : 1);
            if (copy)
                memcpy(copy, bytes, len);
            respond_bytes(rs, "application/pdf", copy, copy ? len : 0);
            rs->disposition = fmt("inline; filename=\"%s-%s-preview.pdf\"", mid, tpl);
        }
        kl_free(bytes);
        goto done;
    }

    web_page *p = page_new(title);
    if (rc)
        page_error(p, NULL, last_message(rc));
    /* Banners: a draft translation, free text in English. */
    draft_banner(p, set, kl_member_locale(m));
    draft_banner(p, set, kl_member_also(m));
    xmlNodePtr english = NULL;
    for (size_t i = 0; i < warns.n; i++) {
        if (strcmp(warns.field[i], mid) || !strstr(warns.message[i], "English"))
            continue;
        if (!english) {
            english = elc(p->main, "div", "banner-english", NULL);
            attr(english, "role", "status");
            el(english, "p", "Some text in this letter will stay in English:");
            english = el(english, "ul", NULL);
        }
        el(english, "li", warns.message[i]);
    }
    if (letter && kl_letter_fallback_count(letter)) {
        xmlNodePtr b = elc(p->main, "div", "banner-english", NULL);
        char *s = fmt("%zu messages are in English because the translation lacks them.",
                      kl_letter_fallback_count(letter));
        el(b, "p", s);
        free(s);
    }

    xmlNodePtr nav = el(p->main, "nav", NULL);
    attr(nav, "aria-label", "Letters");
    xmlNodePtr ul = elc(nav, "ul", "actions", NULL);
    for (size_t i = 0; web_templates[i]; i++) {
        xmlNodePtr li = el(ul, "li", NULL);
        char *lbl = fmt("The %s letter", web_templates[i]);
        if (!strcmp(web_templates[i], tpl)) {
            xmlNodePtr s = el(li, "strong", lbl);
            attr(s, "aria-current", "page");
        } else {
            char *href = fmt("/reviews/%s/preview/%s/%s", id, mid, web_templates[i]);
            a_link(li, href, lbl);
            free(href);
        }
        free(lbl);
    }

    if (letter && kl_review_member_format(rv, m) == KL_FORMAT_BRAILLE) {
        /* A braille member gets the BRF file generate writes, not the print letter. */
        char *brf = NULL;
        unsigned bpages = 0;
        int r = kl_letter_render_brf(ctx, letter, &brf, NULL, &bpages);
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
            char *al = fmt("The %s letter for member %s in braille (BRF)", tpl, mid);
            attr(pre, "aria-label", al);
            free(al);
        }
        kl_free(brf);
    } else if (letter) {
        char *h = fmt("The letter (%s)", kl_channel_name(ch));
        el(p->main, "h2", h);
        free(h);
        char *src = fmt("/reviews/%s/preview/%s/%s.pdf", id, mid, tpl);
        /* An <object>: where the browser has no PDF viewer (headless, some locked-down
         * machines) it shows its fallback content, a link to the PDF. */
        xmlNodePtr frame = el(p->main, "object", NULL);
        attr(frame, "data", src);
        attr(frame, "type", "application/pdf");
        char *ft = fmt("The %s letter for member %s (PDF)", tpl, mid);
        attr(frame, "title", ft);
        free(ft);
        attr(frame, "class", "preview-frame");
        xmlNodePtr fb = el(frame, "p", "This browser cannot show the letter here: ");
        xmlNodePtr down = a_link(fb, src, "download the letter as a PDF");
        char *fn = fmt("%s-%s-preview.pdf", mid, tpl);
        attr(down, "download", fn);
        free(fn);
        text(fb, ".");
        a_link(el(p->main, "p", NULL), src, "Open the letter as a PDF");
        free(src);

        if (has_channel(m, KL_CHANNEL_EMAIL)) {
            kl_letter *el_letter = NULL;
            char *subject = NULL, *body = NULL;
            el(p->main, "h2", "The email");
            int r = kl_letter_compose(ctx, t, set, rv, m, KL_CHANNEL_EMAIL, NULL, &el_letter);
            if (!r)
                r = kl_letter_render_email(ctx, el_letter, &subject, &body);
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
        if (has_channel(m, KL_CHANNEL_SMS)) {
            kl_letter *sl = NULL;
            char *sms = NULL;
#ifdef KL_SMS_INFO_INIT
            kl_sms_info info = KL_SMS_INFO_INIT;
#else
            kl_sms_info info;
            memset(&info, 0, sizeof info);
#endif
            el(p->main, "h2", "The text message");
            int r = kl_letter_compose(ctx, t, set, rv, m, KL_CHANNEL_SMS, NULL, &sl);
            if (!r)
                r = kl_letter_render_sms(ctx, sl, &sms, &info);
            if (r == KL_ENOTFOUND) {
                el(p->main, "p", "This letter has no text message.");
            } else if (r) {
                page_error(p, NULL, last_message(r));
            } else {
                xmlNodePtr pre = elc(p->main, "pre", "message", sms);
                attr(pre, "lang", kl_letter_lang(sl));
                char *s =
                    fmt("%u %s (%s, %u %s)", info.segments,
                        info.segments == 1 ? "segment" : "segments", info.ucs2 ? "UCS-2" : "GSM-7",
                        info.units, info.ucs2 ? "characters" : "septets");
                elc(p->main, "p", "sms-segments", s);
                free(s);
            }
            kl_free(sms);
            kl_letter_free(sl);
        }

        el(p->main, "h2", "How easy it is to read");
        kl_readability *r = NULL;
        int rr = kl_readability_check(ctx, letter, set, rv, kl_member_reading(m), &r);
        if (rr) {
            page_error(p, NULL, last_message(rr));
        } else {
            xmlNodePtr table = elc(p->main, "table", "table", NULL);
            el(table, "caption", "Readability figures");
            xmlNodePtr tr = el(el(table, "thead", NULL), "tr", NULL);
            const char *heads[] = {"Language",         "Sentences",        "Words",
                                   "Words a sentence", "Longest sentence", "Score"};
            for (size_t i = 0; i < 6; i++)
                attr(el(tr, "th", heads[i]), "scope", "col");
            xmlNodePtr tb = el(table, "tbody", NULL);
            for (size_t i = 0; i < kl_readability_section_count(r); i++) {
                const kl_read_stats *st = kl_readability_section(r, i);
                tr = el(tb, "tr", NULL);
                char *ln = language_name(st->lang);
                attr(el(tr, "th", ln), "scope", "row");
                free(ln);
                char buf[128];
                snprintf(buf, sizeof buf, "%zu", st->sentences);
                el(tr, "td", buf);
                snprintf(buf, sizeof buf, "%zu", st->words);
                el(tr, "td", buf);
                snprintf(buf, sizeof buf, "%.1f", st->avg_words);
                el(tr, "td", buf);
                snprintf(buf, sizeof buf, "%u words (limit %u)", st->longest, st->limit);
                el(tr, "td", buf);
                if (st->has_flesch)
                    snprintf(buf, sizeof buf, "Flesch reading ease %.0f (at least %.0f)",
                             st->flesch, st->min_flesch);
                else if (st->has_lix)
                    snprintf(buf, sizeof buf, "LIX %.0f", st->lix);
                else
                    snprintf(buf, sizeof buf, "no score for this language");
                el(tr, "td", buf);
            }
            size_t nf = kl_readability_finding_count(r);
            if (!nf) {
                el(p->main, "p", "No sentence is too long and no word to avoid was found.");
            } else {
                xmlNodePtr fl = el(p->main, "ul", NULL);
                for (size_t i = 0; i < nf && i < 50; i++) {
                    const kl_read_finding *f = kl_readability_finding(r, i);
                    char *s = fmt("%s: %s", kl_read_kind_name(f->kind), f->what);
                    el(fl, "li", s);
                    free(s);
                }
            }
        }
        kl_readability_free(r);
    }
    char *back = fmt("/reviews/%s", id);
    a_link(el(p->main, "p", NULL), back, "Back to the review");
    free(back);
    page_respond(p, rs, 200);
done:
    free(title);
    kl_letter_free(letter);
    kl_template_free(t);
    kl_review_free(rv);
    errors_free(&errs);
    errors_free(&warns);
}
