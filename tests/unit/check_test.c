/* SPDX-License-Identifier: MIT */
/* tests/unit/check_test.c: the cross-letter disclosure check. */
#include "support.h"
#include "check/check_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct fixture {
    kl_test_diags diags;
    kl_context *ctx;
    kl_review *review;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->ctx = kl_test_context(&f->diags);
    /* m05's contact="none" with an address is an error in its data; the
     * review still loads and the detail must still never be disclosed. */
    assert_int_equal(
        kl_review_load_file(f->ctx, kl_test_src("tests/data/check/review.xml"), NULL, &f->review),
        0);
    const kl_member *m05 = kl_review_find_member(f->review, "m05");
    assert_non_null(m05);
    assert_int_equal(kl_review_member_ok(f->review, m05), 0);
    f->diags.n = 0;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    kl_review_free(f->review);
    kl_context_free(f->ctx);
    free(f);
    return 0;
}

/* Check one text for reader; return the code and leave the message in f. */
static int check_one(fixture *f, const char *reader, const char *text)
{
    const kl_member *m = reader ? kl_review_find_member(f->review, reader) : NULL;
    if (reader)
        assert_non_null(m);
    kl_context_clear_error(f->ctx);
    const char *texts[] = {"Dear Zofia,\n\nWe are writing about the review.\n", text};
    return kl_check__disclosure(f->ctx, f->review, m, texts, 2);
}

static void assert_caught(fixture *f, const char *reader, const char *text, const char *needle)
{
    int rc = check_one(f, reader, text);
    if (rc != KL_EDATA)
        fail_msg("not caught for %s: %s", reader ? reader : "(record)", text);
    const kl_diagnostic *e = kl_context_last_error(f->ctx);
    assert_non_null(e);
    if (!strstr(e->message, needle))
        fail_msg("message '%s' lacks '%s'", e->message, needle);
    if (reader) {
        assert_string_equal(e->member_id, reader);
        const kl_member *m = kl_review_find_member(f->review, reader);
        assert_int_equal(e->line, m->line);
        assert_true(e->line > 0);
    }
}

static void another_members_details_are_caught(void **state)
{
    fixture *f = *state;
    assert_caught(f, "m01", "Your grandmother lives at LL1 2DE.", "an address of member m04");
    /* Written without the space, in lower case. */
    assert_caught(f, "m01", "postcode ll12de", "an address of member m04");
    /* The other member's mobile in international form. */
    assert_caught(f, "m01", "Call Kacper on +44 7700 900456 today.",
                  "a phone number of member m03");
    assert_caught(f, "m01", "tel:+447700900456", "a phone number of member m03");
    assert_caught(f, "m01", "Write to KACPER@mail.example.", "an email address of member m03");
    /* An address line split over two lines of a wrapped paragraph. */
    assert_caught(f, "m01", "She is at Bwthyn y\nNant now.", "an address of member m04");
    assert_caught(f, "m04", "See you at 5 Mill Lane.", "an address of member m06");
}

static void withheld_members_address_is_caught(void **state)
{
    fixture *f = *state;
    assert_caught(f, "m01", "He now lives at 3 Quarry Close.",
                  "an address of member m05, whose contact details are withheld");
    assert_caught(f, "m03", "NT9 8ZZ", "member m05, whose contact details are withheld");
    /* A withheld member's detail is caught even for a reader who shares
     * nothing else with them, and in any text of the set (the SMS). */
    const kl_member *m = kl_review_find_member(f->review, "m03");
    const char *texts[] = {"letter", "subject", "body", "Meet at 3 quarry close"};
    assert_int_equal(kl_check__disclosure(f->ctx, f->review, m, texts, 4), KL_EDATA);
    assert_non_null(strstr(kl_context_last_error(f->ctx)->message, "member m05"));
}

static void own_details_and_shared_home_pass(void **state)
{
    fixture *f = *state;
    size_t errors_before = kl_context_count(f->ctx, KL_SEVERITY_ERROR);
    /* The reader's own address, in the window. */
    assert_int_equal(
        check_one(f, "m01", "Ms Zofia Nowak\n12 Elm Road\nNorthtown\nNT2 7QP\n\nDear Ms Nowak,"),
        0);
    /* m01 and m02 share a home: each may see the address. */
    assert_int_equal(check_one(f, "m02", "Tomasz Nowak\n12 Elm Road\nNorthtown\nNT2 7QP"), 0);
    /* The reader's own phone and email. */
    assert_int_equal(check_one(f, "m03",
                               "We will text 07700 900456 and write to "
                               "kacper@mail.example."),
                     0);
    /* What every letter prints: the partnership's town is also m01's town,
     * and the family contact's phone. */
    assert_int_equal(check_one(f, "m03",
                               "Floor 3, County Hall\nNorthtown\nNT1 4AB\n"
                               "Call Sam on 01632 960456."),
                     0);
    /* Word boundaries: m06's town "Easton" is not in "please tonight". */
    assert_int_equal(check_one(f, "m01", "Please tonight, or any day, call us."), 0);
    assert_int_equal(kl_context_count(f->ctx, KL_SEVERITY_ERROR), errors_before);
    /* The same shared address is another member's in a third reader's letter. */
    assert_caught(f, "m03", "12 Elm Road", "an address of member m01");
}

static void record_catches_everyones_details(void **state)
{
    fixture *f = *state;
    /* With no reader (the batch record), nobody's detail is allowed. */
    assert_caught(f, NULL, "m01,Zofia Nowak,mother,NT2 7QP", "an address of member m01");
    assert_caught(f, NULL, "m05,Dean Carter,stepfather,,,3 Quarry Close",
                  "member m05, whose contact details are withheld");
    assert_int_equal(check_one(f, NULL, "m01,Zofia Nowak,mother,en-GB,source,standard"), 0);
}

static void index_is_reusable(void **state)
{
    fixture *f = *state;
    kl_disclosure_index *idx = NULL;
    assert_int_equal(kl_check__disclosure_index_new(f->ctx, f->review, &idx), 0);
    const kl_member *m01 = kl_review_find_member(f->review, "m01");
    const kl_member *m04 = kl_review_find_member(f->review, "m04");
    const char *a[] = {"Bwthyn y Nant"};
    assert_int_equal(kl_check__disclosure_run(f->ctx, idx, m01, a, 1), KL_EDATA);
    assert_int_equal(kl_check__disclosure_run(f->ctx, idx, m04, a, 1), 0);
    kl_check__disclosure_index_free(idx);
}

static void allocation_failures_are_reported(void **state)
{
    fixture *f = *state;
    const kl_member *m = kl_review_find_member(f->review, "m01");
    const char *texts[] = {"12 Elm Road and 07700 900456"};
    for (unsigned long n = 1;; n++) {
        kl_core__alloc_fail_at(n, false);
        int rc = kl_check__disclosure(f->ctx, f->review, m, texts, 1);
        unsigned long used = kl_core__alloc_count();
        kl_core__alloc_fail_at(0, false);
        if (rc == KL_EDATA && used < n)
            break; /* ran to the end without hitting the failure */
        assert_true(rc == KL_ENOMEM || rc == KL_EDATA);
        assert_true(n < 10000);
    }
}

static void phone_digits_and_squash(void **state)
{
    (void)state;
    char d[16];
    assert_true(kl_check__phone_digits("+44 7700 900456", d));
    assert_string_equal(d, "07700900456");
    assert_false(kl_check__phone_digits("2026-11-27", d));
    char *s = kl_check__squash("12 Elm Road,\n NT2 7QP");
    assert_string_equal(s, "12elmroadnt27qp");
    kl_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(another_members_details_are_caught, setup, teardown),
        cmocka_unit_test_setup_teardown(withheld_members_address_is_caught, setup, teardown),
        cmocka_unit_test_setup_teardown(own_details_and_shared_home_pass, setup, teardown),
        cmocka_unit_test_setup_teardown(record_catches_everyones_details, setup, teardown),
        cmocka_unit_test_setup_teardown(index_is_reusable, setup, teardown),
        cmocka_unit_test_setup_teardown(allocation_failures_are_reported, setup, teardown),
        cmocka_unit_test(phone_digits_and_squash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
