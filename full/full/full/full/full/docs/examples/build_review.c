/* SPDX-License-Identifier: MIT */
/* docs/examples/build_review.c: a review of two family members built in code
 * (no XML), checked like a review file, and one member's letter written as a
 * PDF to the path given as the first argument.
 *
 *   cc build_review.c $(pkg-config --cflags --libs kinletter) -o build_review
 *   ./build_review letter.pdf
 */
#include <kinletter.h>

#include <stdio.h>

/* Print each problem as it is found: "(built review): error: family/member[m01]/...". */
static void show(const kl_diagnostic *d, void *userdata)
{
    (void)userdata;
    fprintf(stderr, "%s: %s: %s%s%s\n", d->source ? d->source : "kinletter",
            d->severity == KL_SEVERITY_ERROR ? "error" : "warning", d->message,
            d->hint ? " -- " : "", d->hint ? d->hint : "");
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s OUTPUT.pdf\n", argv[0]);
        return 2;
    }
    kl_context *ctx = NULL;
    kl_review_builder *b = NULL;
    kl_review *review = NULL;
    kl_template *tpl = NULL;
    kl_catalog_set *catalogs = NULL;
    kl_letter *letter = NULL;
    unsigned char *pdf = NULL;
    size_t len = 0;
    int rc = kl_context_new(&ctx);
    if (rc)
        return 1;
    kl_context_set_diagnostics(ctx, show, NULL);

    /* The review: every field by its name in docs/REVIEW-FORMAT.md. */
    rc = kl_review_builder_new(ctx, "NSCP-2026-017", "lcspr", &b);
    kl_review_part *r = kl_review_builder_root(b);
    kl_review_part *m = NULL, *c = NULL;
    if (!rc)
        rc = kl_review_part_set(r, "partnership/name",
                                "Northshire Safeguarding Children Partnership");
    if (!rc)
        rc = kl_review_part_add(r, "partnership/address/line", "Floor 3, County Hall", NULL);
    if (!rc)
        rc = kl_review_part_set(r, "partnership/address/town", "Northtown");
    if (!rc)
        rc = kl_review_part_set(r, "partnership/address/postcode", "NT1 4AB");
    if (!rc)
        rc = kl_review_part_set(r, "partnership/phone", "01632 960123");
    if (!rc)
        rc = kl_review_part_set(r, "partnership/email", "reviews@northshire-scp.example");
    const char *fields[][2] = {
        {"subject@given", "Amelia"},         {"subject@family", "Nowak"},
        {"subject@gender", "female"},        {"subject@age", "4"},
        {"subject@outcome", "died"},         {"dates@decided", "2026-11-20"},
        {"dates@letter", "2026-11-27"},      {"dates@expected-end", "2027-05-28"},
        {"dates@period-from", "2025-01-01"}, {"dates@period-to", "2026-10-31"},
        {"contact@name", "Sam Okafor"},      {"contact@role", "family-contact"},
        {"contact@phone", "01632 960456"},   {"contact@email", "sam.okafor@northshire-scp.example"},
    };
    for (size_t i = 0; !rc && i < sizeof fields / sizeof fields[0]; i++)
        rc = kl_review_part_set(r, fields[i][0], fields[i][1]);

    /* Two members: a mother written to by post, a brother by email. */
    if (!rc)
        rc = kl_review_part_add(r, "family/member", NULL, &m);
    if (!rc)
        rc = kl_review_part_set(m, "@id", "m01");
    if (!rc)
        rc = kl_review_part_set(m, "@relationship", "mother");
    if (!rc)
        rc = kl_review_part_set(m, "@gender", "female");
    if (!rc)
        rc = kl_review_part_set(m, "name@given", "Zofia");
    if (!rc)
        rc = kl_review_part_set(m, "name@family", "Nowak");
    if (!rc)
        rc = kl_review_part_set(m, "language@locale", "en-GB");
    if (!rc)
        rc = kl_review_part_add(m, "contact", NULL, &c);
    if (!rc)
        rc = kl_review_part_set(c, "@channel", "post");
    if (!rc)
        rc = kl_review_part_add(c, "address/line", "12 Elm Road", NULL);
    if (!rc)
        rc = kl_review_part_set(c, "address/town", "Northtown");
    if (!rc)
        rc = kl_review_part_set(c, "address/postcode", "NT2 7QP");
    if (!rc)
        rc = kl_review_part_add(r, "family/member", NULL, &m);
    const char *brother[][2] = {{"@id", "m02"},
                                {"@relationship", "brother"},
                                {"@gender", "male"},
                                {"@age", "15"},
                                {"name@given", "Kacper"},
                                {"language@locale", "en-GB"},
                                {"needs@reading", "young-person"}};
    for (size_t i = 0; !rc && i < sizeof brother / sizeof brother[0]; i++)
        rc = kl_review_part_set(m, brother[i][0], brother[i][1]);
    if (!rc)
        rc = kl_review_part_add(m, "contact", NULL, &c);
    if (!rc)
        rc = kl_review_part_set(c, "@channel", "email");
    if (!rc)
        rc = kl_review_part_set(c, "@email", "kacper@mail.example");

    /* Checked exactly as a review file is; then the mother's letter. */
    if (!rc)
        rc = kl_review_builder_build(b, NULL, &review);
    if (!rc)
        rc = kl_template_load_name(ctx, "notification", &tpl);
    if (!rc)
        rc = kl_catalog_set_open(ctx, NULL, &catalogs);
    if (!rc)
        rc = kl_letter_compose(ctx, tpl, catalogs, review, kl_review_find_member(review, "m01"),
                               KL_CHANNEL_POST, NULL, &letter);
    if (!rc)
        rc = kl_letter_render_pdf(ctx, NULL, letter, NULL, &pdf, &len, NULL);
    if (!rc) {
        FILE *f = fopen(argv[1], "wb");
        if (!f || fwrite(pdf, 1, len, f) != len || fclose(f) != 0) {
            fprintf(stderr, "%s: could not write the PDF\n", argv[1]);
            rc = KL_EIO;
        }
    } else if (kl_context_last_error(ctx)) {
        fprintf(stderr, "failed: %s\n", kl_context_last_error(ctx)->message);
    }
    kl_free(pdf);
    kl_letter_free(letter);
    kl_catalog_set_free(catalogs);
    kl_template_free(tpl);
    kl_review_free(review);
    kl_review_builder_free(b);
    kl_context_free(ctx);
    return rc ? 1 : 0;
}
