/* SPDX-License-Identifier: MIT */
/* pdf/api.c: the public PDF renderer (kinletter/pdf.h) over kl_pdf__render. */
#include "compose/compose.h"
#include "kinletter/pdf.h"
#include "pdf/pdf_internal.h"

#include <string.h>

struct kl_pdf_renderer {
    kl_fontset *fonts; /* owned unless shared */
    const kl_fontset *shared;
    kl_text_cache *text;
    kl_pdf_cache *cache;
};

void kl_pdf_renderer_free(kl_pdf_renderer *r)
{
    if (!r)
        return;
    kl_text__fontset_free(r->fonts);
    kl_text__cache_free(r->text);
    kl_pdf__cache_free(r->cache);
    kl_free(r);
}

void kl_pdf__renderer_forget(kl_pdf_renderer *r)
{
    kl_text_cache *text = NULL;
    kl_pdf_cache *cache = NULL;
    if (!r || kl_text__cache_new(&text) || kl_pdf__cache_new(&cache)) {
        kl_text__cache_free(text);
        return;
    }
    kl_text__cache_free(r->text);
    kl_pdf__cache_free(r->cache);
    r->text = text;
    r->cache = cache;
}

static int with_caches(kl_pdf_renderer *r)
{
    if (kl_text__cache_new(&r->text) || kl_pdf__cache_new(&r->cache))
        return KL_ENOMEM;
    return 0;
}

int kl_pdf_renderer_new(kl_context *ctx, const char *fonts_xml, kl_pdf_renderer **out)
{
    kl_context_clear_error(ctx);
    if (!out)
        return kl_core__error(ctx, KL_EINVAL, KL_NOWHERE, NULL, "kl_pdf_renderer_new: out is NULL");
    *out = NULL;
    kl_pdf_renderer *r = kl_core__calloc(1, sizeof *r);
    if (!r || with_caches(r)) {
        kl_pdf_renderer_free(r);
        return kl_core__oom(ctx);
    }
    int rc = kl_text__fontset_load(ctx, fonts_xml, &r->fonts);
    if (rc) {
        kl_pdf_renderer_free(r);
        return rc;
    }
    r->shared = r->fonts;
    *out = r;
    return 0;
}

int kl_pdf_renderer_new_sibling(const kl_pdf_renderer *base, kl_pdf_renderer **out)
{
    if (!out || !base)
        return KL_EINVAL;
    *out = NULL;
    kl_pdf_renderer *r = kl_core__calloc(1, sizeof *r);
    if (!r || with_caches(r)) {
        kl_pdf_renderer_free(r);
        return KL_ENOMEM;
    }
    r->shared = base->shared;
    *out = r;
    return 0;
}

static int render_letter(kl_context *ctx, kl_pdf_renderer *r, const kl_letter *letter,
                         const kl_pdf_options *opts, unsigned char **out, size_t *len,
                         unsigned *pages, kl_pdf_kept **keep)
{
    kl_context_clear_error(ctx);
    if (out)
        *out = NULL;
    if (len)
        *len = 0;
    if (pages)
        *pages = 0;
    if (!letter || !out || !len)
        return kl_core__error(ctx, KL_EINVAL, KL_NOWHERE, NULL,
                              "kl_letter_render_pdf: bad arguments");
    if (opts && opts->version != KL_PDF_OPTIONS_VERSION)
        return kl_core__error(ctx, KL_EINVAL, KL_NOWHERE, "initialise with KL_PDF_OPTIONS_INIT",
                              "kl_pdf_options version %u is not %u", opts->version,
                              KL_PDF_OPTIONS_VERSION);
    const kl_doc *doc = kl_letter__doc(letter);
    if (!doc || !doc->root)
        return kl_core__error(ctx, KL_EINVAL, KL_NOWHERE, NULL, "the letter has no document");
    /* Again at the door: no other member's detail in anything this PDF prints. */
    int checked = kl_letter__check(ctx, letter, NULL, 0, "the letter");
    if (checked)
        return checked;
    kl_pdf_renderer *tmp = NULL;
    int rc;
    if (!r) {
        if ((rc = kl_pdf_renderer_new(ctx, NULL, &tmp)))
            return rc;
        r = tmp;
    }
    kl_pdf_opts o = {.fonts = r->shared, .text = r->text, .cache = r->cache};
    if (opts) {
        o.line_spacing = opts->line_spacing;
        o.page_label = opts->page_label;
        o.creation_date = opts->creation_date;
    }
    kl_buf b = KL_BUF_INIT;
    rc = keep ? kl_pdf__render_keep(ctx, doc, &o, &b, pages, keep)
              : kl_pdf__render(ctx, doc, &o, &b, pages);
    kl_pdf_renderer_free(tmp);
    if (rc) {
        kl_core__buf_free(&b);
        return rc;
    }
    *len = b.len;
    *out = (unsigned char *)kl_core__buf_detach(&b);
    if (*out)
        return 0;
    if (keep) {
        kl_pdf__kept_free(*keep);
        *keep = NULL;
    }
    return kl_core__oom(ctx);
}

int kl_letter_render_pdf(kl_context *ctx, kl_pdf_renderer *r, const kl_letter *letter,
                         const kl_pdf_options *opts, unsigned char **out, size_t *len,
                         unsigned *pages)
{
    return render_letter(ctx, r, letter, opts, out, len, pages, NULL);
}

int kl_pdf__letter_render_keep(kl_context *ctx, kl_pdf_renderer *r, const kl_letter *letter,
                               const kl_pdf_options *opts, unsigned char **out, size_t *len,
                               unsigned *pages, kl_pdf_kept **keep)
{
    *keep = NULL;
    return render_letter(ctx, r, letter, opts, out, len, pages, keep);
}

void kl_pdf__renderer_opts(kl_pdf_renderer *r, kl_pdf_opts *o)
{
    memset(o, 0, sizeof *o);
    o->fonts = r->shared;
    o->text = r->text;
    o->cache = r->cache;
}
