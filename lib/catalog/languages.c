/* SPDX-License-Identifier: MIT */
/* catalog/languages.c: the languages a review's letters need and how far each catalog has
 * got (what `kinletter check` prints; issue 18, item 6). */
#include "core/core.h"
#include "kinletter/letter.h"
#include "review/review_internal.h"

#include <string.h>

KL_API int kl_review_languages(kl_context *ctx, const kl_review *review, kl_catalog_set *set,
                               kl_review_language_fn fn, void *userdata)
{
    kl_context_clear_error(ctx);
    if (!ctx || !review || !set || !fn)
        return kl_core__einval(ctx, __func__);
    size_t n = kl_review_member_count(review);
    /* At most two languages a member: the first, and a bilingual letter's second. */
    const char **seen = kl_core__calloc(2 * n + 1, sizeof *seen);
    size_t *counts = kl_core__calloc(2 * n + 1, sizeof *counts);
    if (!seen || !counts) {
        kl_free(seen);
        kl_free(counts);
        return kl_core__oom(ctx);
    }
    size_t n_seen = 0;
    for (size_t i = 0; i < n; i++) {
        const kl_member_brief *m = kl_review__brief(review, i); /* no member made */
        const char *langs[2] = {m->locale, m->also};
        for (size_t l = 0; l < 2; l++) {
            if (!langs[l] || (l == 1 && m->locale && !strcmp(m->locale, langs[l])))
                continue;
            size_t k = 0;
            while (k < n_seen && strcmp(seen[k], langs[l]) != 0)
                k++;
            if (k == n_seen)
                seen[n_seen++] = langs[l];
            counts[k]++;
        }
    }
    /* A quiet context: a language without a catalog is an answer ("missing"), not an error. */
    kl_context *quiet = NULL;
    int rc = kl_context_new(&quiet) ? kl_core__oom(ctx) : 0;
    for (size_t k = 0; k < n_seen && !rc; k++) {
        kl_catalog_meta meta = KL_CATALOG_META_INIT;
        int mrc = kl_catalog_set_meta(quiet, set, seen[k], &meta);
        if (mrc == KL_ENOMEM) {
            rc = kl_core__oom(ctx);
            break;
        }
        kl_review_language lang = {sizeof lang,
                                   seen[k],
                                   mrc ? "missing" : meta.status,
                                   mrc ? "" : meta.reviewer,
                                   mrc ? "" : meta.reviewed,
                                   counts[k],
                                   mrc ? NULL : meta.locale};
        fn(&lang, userdata);
    }
    kl_context_free(quiet);
    kl_free(seen);
    kl_free(counts);
    return rc;
}
