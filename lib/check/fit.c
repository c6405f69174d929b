/* SPDX-License-Identifier: MIT */
/* check/fit.c: does a catalog's text still fit the page (kl_catalog_fit)?
 *
 * The sample member is built in code with the review builder (the same
 * family as the bundled example, so letters are as long as a real one),
 * varied by locale and print profile through the builder's fields: no
 * review file to find and no XML to edit. */
#include "core/core.h"

#include <kinletter/catalog.h>
#include <kinletter/letter.h>
#include <kinletter/pdf.h>
#include <kinletter/review.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* The partnership, the child, the dates, the contact, the agencies and the support services. */
static int add_review(kl_review_part *r)
{
    static const char *const fields[][2] = {
        {"partnership/name", "Northshire Safeguarding Children Partnership"},
        {"partnership/address/town", "Northtown"},
        {"partnership/address/postcode", "NT1 4AB"},
        {"partnership/phone", "01632 960123"},
        {"partnership/email", "reviews@northshire-scp.example"},
        {"partnership/web", "https://northshire-scp.example"},
        {"subject@given", "Amelia"},
        {"subject@family", "Nowak"},
        {"subject@gender", "female"},
        {"subject@age", "4"},
        {"subject@outcome", "died"},
        {"dates@decided", "2026-11-20"},
        {"dates@letter", "2026-11-27"},
        {"dates@expected-end", "2027-05-28"},
        {"dates@period-from", "2025-01-01"},
        {"dates@period-to", "2026-10-31"},
        {"reviewer@name", "Dr Helen Price"},
        {"reviewer@role", "independent-reviewer"},
        {"contact@name", "Sam Okafor"},
        {"contact@role", "family-contact"},
        {"contact@phone", "01632 960456"},
        {"contact@mobile", "07700 900123"},
        {"contact@email", "sam.okafor@northshire-scp.example"},
        {"publication@planned", "true"},
    };
    static const char *const hours[][2] = {
        {"@days", "mon-thu"}, {"@from", "09:00"}, {"@to", "16:00"}};
    static const char *const agencies[] = {"Northshire Children's Social Care",
                                           "Northtown Hospital", "Northshire Police",
                                           "Northtown Primary Care Network"};
    static const char *const services[][2] = {{"Northshire Bereavement Service", "01632 960789"},
                                              {"Family Advocacy North", "01632 960321"}};
    kl_review_part *p = NULL;
    int rc;
    if ((rc = kl_review_part_add(r, "partnership/address/line", "Floor 3, County Hall", NULL)) <
            0 ||
        (rc = kl_review_part_add(r, "partnership/address/line", "Market Street", NULL)) < 0)
        return rc;
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
        if ((rc = kl_review_part_set(r, fields[i][0], fields[i][1])) < 0)
            return rc;
    if ((rc = kl_review_part_add(r, "contact/hours", NULL, &p)) < 0)
        return rc;
    for (size_t i = 0; i < sizeof hours / sizeof *hours; i++)
        if ((rc = kl_review_part_set(p, hours[i][0], hours[i][1])) < 0)
            return rc;
    for (size_t i = 0; i < sizeof agencies / sizeof *agencies; i++)
        if ((rc = kl_review_part_add(r, "agencies/agency", agencies[i], NULL)) < 0)
            return rc;
    for (size_t i = 0; i < sizeof services / sizeof *services; i++)
        if ((rc = kl_review_part_add(r, "support/service", NULL, &p)) < 0 ||
            (rc = kl_review_part_set(p, "@name", services[i][0])) < 0 ||
            (rc = kl_review_part_set(p, "@phone", services[i][1])) < 0)
            return rc;
    return 0;
}

/* The one member, m01, by post, in this locale and print size. */
static int add_member(kl_review_part *r, const char *locale, const char *print)
{
    static const char *const member[][2] = {
        {"@id", "m01"},           {"@relationship", "mother"},
        {"@gender", "female"},    {"@parental-responsibility", "true"},
        {"name@title", "Ms"},     {"name@given", "Zofia"},
        {"name@family", "Nowak"},
    };
    kl_review_part *p = NULL, *c = NULL;
    int rc;
    if ((rc = kl_review_part_add(r, "family/member", NULL, &p)) < 0)
        return rc;
    for (size_t i = 0; i < sizeof member / sizeof *member; i++)
        if ((rc = kl_review_part_set(p, member[i][0], member[i][1])) < 0)
            return rc;
    if ((rc = kl_review_part_set(p, "language@locale", locale)) < 0 ||
        (rc = kl_review_part_set(p, "needs@print", print)) < 0 ||
        (rc = kl_review_part_add(p, "contact", NULL, &c)) < 0 ||
        (rc = kl_review_part_set(c, "@channel", "post")) < 0 ||
        (rc = kl_review_part_add(c, "address/line", "12 Elm Road", NULL)) < 0 ||
        (rc = kl_review_part_set(c, "address/town", "Northtown")) < 0 ||
        (rc = kl_review_part_set(c, "address/postcode", "NT2 7QP")) < 0)
        return rc;
    return 0;
}

/* The sample review, one member (m01) by post, locale and print set per row. */
static int sample(kl_context *ctx, const char *locale, const char *print, kl_review **out)
{
    kl_review_builder *b = NULL;
    int rc;
    if ((rc = kl_review_builder_new(ctx, "NSCP-2026-017", "lcspr", &b)) < 0)
        goto done;
    kl_review_part *r = kl_review_builder_root(b);
    if ((rc = add_review(r)) < 0 || (rc = add_member(r, locale, print)) < 0)
        goto done;
    rc = kl_review_builder_build(b, NULL, out);
done:
    kl_review_builder_free(b);
    return rc;
}

/* The longest word of text that cannot wrap on a 24 pt line, into word. A
 * line at 24 pt holds about 38 characters of an average Latin, Cyrillic,
 * Greek, Arabic or Indic font (A4 less 15 mm margins, advance about
 * 0.55 em). Scripts that break between any characters (CJK, Thai...) and
 * web or email addresses are left out. */
static const char *long_word_of(char *text)
{
    const char *word = "";
    char *save = NULL;
    for (char *w = strtok_r(text, " \n", &save); w; w = strtok_r(NULL, " \n", &save)) {
        size_t chars = 0;
        bool anywhere = false;
        for (const unsigned char *q = (const unsigned char *)w; *q; q++) {
            if ((*q & 0xC0) != 0x80)
                chars++;
            if (*q >= 0xE2 && q[1] && (*q > 0xE2 || q[1] >= 0xBA))
                anywhere = true; /* U+2E80 and above */
            if (*q == 0xE0 && q[1] >= 0xB8 && q[1] <= 0xBD)
                anywhere = true; /* Thai, Lao, Tibetan */
        }
        bool rule = strspn(w, "=-") == strlen(w); /* plain-text heading underlines */
        if (chars > 38 && !anywhere && !rule && !strstr(w, "://") && !strchr(w, '@') &&
            strlen(w) > strlen(word))
            word = w;
    }
    return word;
}

/* Pages of one letter (-1: could not be rendered), and its long word. */
static int pages_of(kl_context *ctx, kl_pdf_renderer *pdf, kl_catalog_set *cats, const char *letter,
                    const char *locale, const char *print, char **word)
{
    kl_review *rv = NULL;
    kl_template *tpl = NULL;
    kl_letter *l = NULL;
    int pages = -1;
    if (word)
        *word = NULL;
    if (sample(ctx, locale, print, &rv) == 0 && kl_template_load_name(ctx, letter, &tpl) == 0) {
        const kl_member *m = kl_review_find_member(rv, "m01");
        kl_letter_options lo = KL_LETTER_OPTIONS_INIT;
        lo.date = "2026-01-15";
        if (m && kl_letter_compose(ctx, tpl, cats, rv, m, KL_CHANNEL_POST, &lo, &l) == 0) {
            unsigned char *bytes = NULL;
            size_t len = 0;
            unsigned n = 0;
            if (kl_letter_render_pdf(ctx, pdf, l, NULL, &bytes, &len, &n) == 0)
                pages = (int)n;
            kl_free(bytes);
            char *text = NULL;
            if (word && pages >= 0 && kl_letter_render_text(ctx, l, &text) == 0 &&
                !(*word = kl_core__strdup(long_word_of(text))))
                pages = -1; /* out of memory: the row is a problem, not a silent pass */
            kl_free(text);
        }
    }
    kl_letter_free(l);
    kl_template_free(tpl);
    kl_review_free(rv);
    return pages;
}

KL_API int kl_catalog_fit(kl_context *ctx, kl_catalog_set *catalogs, const char *locale,
                          kl_catalog_fit_fn fn, void *userdata, size_t *problems)
{
    static const char *const letters[] = {"notification", "invitation", "update", "outcome"};
    static const char *const prints[] = {"standard", "large", "very-large"};
    kl_context_clear_error(ctx);
    if (problems)
        *problems = 0;
    if (!ctx)
        return KL_EINVAL;
    if (!catalogs || !locale || !*locale)
        return kl_core__error(ctx, KL_EINVAL, KL_NOWHERE, "give the catalogs and a locale (\"pl\")",
                              "kl_catalog_fit: %s is missing", !catalogs ? "catalogs" : "locale");
    kl_pdf_renderer *pdf = NULL;
    int rc = kl_pdf_renderer_new(ctx, NULL, &pdf);
    if (rc)
        return rc;
    /* A locale the builder refuses is the caller's error, not a row's. */
    kl_review *probe = NULL;
    rc = sample(ctx, locale, "standard", &probe);
    kl_review_free(probe);
    size_t n = 0;
    for (size_t li = 0; !rc && li < sizeof letters / sizeof *letters; li++) {
        for (size_t pi = 0; pi < sizeof prints / sizeof *prints; pi++) {
            char *word = NULL;
            int en = pages_of(ctx, pdf, catalogs, letters[li], "en-GB", prints[pi], NULL);
            int tr = pages_of(ctx, pdf, catalogs, letters[li], locale, prints[pi], &word);
            bool very_large = strcmp(prints[pi], "very-large") == 0;
            bool long_word = word && word[0] && very_large;
            bool problem = en < 0 || tr < 0 || tr > en + 1 || long_word;
            n += problem;
            if (fn)
                fn(letters[li], prints[pi], en, tr, long_word ? word : NULL, problem, userdata);
            kl_free(word);
        }
    }
    kl_pdf_renderer_free(pdf);
    if (problems)
        *problems = n;
    if (!rc && n == 0)
        kl_context_clear_error(ctx);
    return rc;
}
