/* SPDX-License-Identifier: MIT */
/* tests/unit/builder_test.c: a review built in code, checked as a file is. */
#include "support.h"
#include "review/review_internal.h"

#include <stdlib.h>
#include <string.h>

static kl_review_builder *valid(kl_context *ctx)
{
    kl_review_builder *b = NULL;
    assert_int_equal(kl_review_builder_new(ctx, "T-1", "lcspr", &b), 0);
    kl_review_part *r = kl_review_builder_root(b);
    static const char *const f[][2] = {
        {"partnership/name", "Smith & Sons <\"North\"> Partnership"},
        {"partnership/address/town", "Northtown"},
        {"partnership/address/postcode", "NT1 4AB"},
        {"partnership/phone", "01632 960123"},
        {"partnership/email", "reviews@northshire-scp.example"},
        {"subject@given", "Amelia"},
        {"subject@gender", "female"},
        {"subject@outcome", "died"},
        {"dates@decided", "2026-11-20"},
        {"dates@expected-end", "2027-05-28"},
        {"dates@period-from", "2025-01-01"},
        {"dates@period-to", "2026-10-31"},
        {"contact@name", "Sam O'Kafor"},
        {"contact@phone", "01632 960456"},
        {"contact@email", "sam@northshire-scp.example"},
    };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        assert_int_equal(kl_review_part_set(r, f[i][0], f[i][1]), 0);
    assert_int_equal(
        kl_review_part_add(r, "partnership/address/line", "Floor 3, County Hall", NULL), 0);
    kl_review_part *m = NULL, *c = NULL;
    assert_int_equal(kl_review_part_add(r, "family/member", NULL, &m), 0);
    assert_int_equal(kl_review_part_set(m, "@id", "m01"), 0);
    assert_int_equal(kl_review_part_set(m, "@relationship", "mother"), 0);
    assert_int_equal(kl_review_part_set(m, "@gender", "female"), 0);
    assert_int_equal(kl_review_part_set(m, "name@given", "Zofia"), 0);
    assert_int_equal(kl_review_part_set(m, "language@locale", "pl"), 0);
    assert_int_equal(kl_review_part_add(m, "contact", NULL, &c), 0);
    assert_int_equal(kl_review_part_set(c, "@channel", "post"), 0);
    assert_int_equal(kl_review_part_add(c, "address/line", "12 Elm Road", NULL), 0);
    assert_int_equal(kl_review_part_set(c, "address/postcode", "NT2 7QP"), 0);
    assert_int_equal(kl_review_part_add(r, "family/member", NULL, &m), 0);
    assert_int_equal(kl_review_part_set(m, "@id", "m02"), 0);
    assert_int_equal(kl_review_part_set(m, "@relationship", "brother"), 0);
    assert_int_equal(kl_review_part_set(m, "@gender", "male"), 0);
    assert_int_equal(kl_review_part_set(m, "name@given", "Kacper"), 0);
    assert_int_equal(kl_review_part_set(m, "language@locale", "en-GB"), 0);
    assert_int_equal(kl_review_part_add(m, "contact", NULL, &c), 0);
    assert_int_equal(kl_review_part_set(c, "@channel", "sms"), 0);
    assert_int_equal(kl_review_part_set(c, "@phone", "07700 900456"), 0);
    return b;
}

/* Values need no escaping, and the built review is the review a file gives. */
static void builds_and_round_trips(void **state)
{
    (void)state;
    kl_test_diags d;
    kl_context *ctx = kl_test_context(&d);
    kl_review_builder *b = valid(ctx);
    kl_review *rv = NULL;
    assert_int_equal(kl_review_builder_build(b, NULL, &rv), 0);
    assert_int_equal(kl_review_error_count(rv), 0);
    assert_string_equal(kl_review__info(rv)->partnership_name,
                        "Smith & Sons <\"North\"> Partnership");
    assert_string_equal(kl_review__info(rv)->contact_name, "Sam O'Kafor");
    const kl_member *m = kl_review_find_member(rv, "m01");
    assert_string_equal(m->contacts[0].address->lines[0], "12 Elm Road");
    assert_int_equal(kl_review_member_count(rv), 2);
    /* Serialised, it loads as a file with the same content. */
    char *xml = NULL;
    assert_int_equal(kl_review_builder_xml(b, &xml), 0);
    kl_review *again = NULL;
    assert_int_equal(kl_review_load_buffer(ctx, xml, strlen(xml), "built.xml", NULL, NULL, &again),
                     0);
    assert_string_equal(kl_review__info(again)->partnership_name,
                        kl_review__info(rv)->partnership_name);
    assert_string_equal(kl_review_find_member(again, "m02")->contacts[0].phone,
                        kl_review_find_member(rv, "m02")->contacts[0].phone);
    kl_free(xml);
    kl_review_free(again);
    kl_review_free(rv);
    kl_review_builder_free(b);
    kl_context_free(ctx);
}

/* Mistakes are named by field, not by a line of XML nobody wrote. */
static void errors_name_the_field(void **state)
{
    (void)state;
    kl_test_diags d;
    kl_context *ctx = kl_test_context(&d);
    kl_review_builder *b = valid(ctx);
    kl_review_part *r = kl_review_builder_root(b);
    kl_review_part *m = NULL, *c = NULL;
    assert_int_equal(kl_review_part_add(r, "family/member", NULL, &m), 0);
    assert_int_equal(kl_review_part_set(m, "@id", "m03"), 0);
    assert_int_equal(kl_review_part_set(m, "@relationship", "aunt"), 0);
    assert_int_equal(kl_review_part_set(m, "@gender", "female"), 0);
    assert_int_equal(kl_review_part_set(m, "name@given", "Ann"), 0);
    assert_int_equal(kl_review_part_set(m, "language@locale", "en-GB"), 0);
    assert_int_equal(kl_review_part_add(m, "contact", NULL, &c), 0);
    assert_int_equal(kl_review_part_set(c, "@channel", "sms"), 0);
    assert_int_equal(kl_review_part_set(c, "@phone", "01632 960999"), 0); /* not a mobile */
    d.n = 0;
    kl_review *rv = NULL;
    assert_int_equal(kl_review_builder_build(b, NULL, &rv), 0);
    assert_int_equal(kl_review_member_ok(rv, kl_review_find_member(rv, "m03")), 0);
    int i = kl_test_find_diag(&d, "family/member[m03]/contact@phone: ");
    if (i < 0)
        fail_msg("no diagnostic names the field; first: %s", d.n ? d.text[0] : "(none)");
    assert_non_null(strstr(d.text[i], "(built review):0:0:"));
    kl_review_free(rv);
    /* A whole-review mistake: the last error names the field too. */
    assert_int_equal(kl_review_part_set(r, "dates@decided", "2026-02-30"), 0);
    assert_int_not_equal(kl_review_builder_build(b, NULL, &rv), 0);
    assert_null(rv);
    const kl_diagnostic *e = kl_context_last_error(ctx);
    assert_non_null(e);
    if (!strstr(e->message, "dates@decided"))
        fail_msg("last error does not name the field: %s", e->message);
    assert_int_equal(e->line, 0);
    kl_review_builder_free(b);
    kl_context_free(ctx);
}

static void bad_paths_are_refused(void **state)
{
    (void)state;
    kl_test_diags d;
    kl_context *ctx = kl_test_context(&d);
    kl_review_builder *b = NULL;
    assert_int_equal(kl_review_builder_new(ctx, "", "lcspr", &b), KL_EINVAL);
    assert_null(b);
    assert_int_equal(kl_review_builder_new(ctx, "T", "lcspr", &b), 0);
    kl_review_part *r = kl_review_builder_root(b);
    assert_int_equal(kl_review_part_set(r, "partnership/<name>", "x"), KL_EINVAL);
    assert_non_null(strstr(kl_context_last_error(ctx)->message, "not a path"));
    assert_int_equal(kl_review_part_set(r, "subject@", "x"), KL_EINVAL);
    assert_int_equal(kl_review_part_add(r, "family@x", NULL, NULL), KL_EINVAL);
    assert_int_equal(kl_review_part_set(r, "partnership/name", "\xff"), KL_EPARSE);
    kl_review_builder_free(b);
    kl_context_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(builds_and_round_trips),
        cmocka_unit_test(errors_name_the_field),
        cmocka_unit_test(bad_paths_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
