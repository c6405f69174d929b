/* SPDX-License-Identifier: MIT */
/* tests/unit/braille_test.c: BRF pages (the wrapper on cells) and liblouis translation. */
#include "braille/braille.h"
#include "support.h"

#include <string.h>

static unsigned count_lines(const char *page, size_t n)
{
    unsigned lines = 0;
    for (size_t i = 0; i + 1 < n; i++)
        lines += page[i] == '\r' && page[i + 1] == '\n';
    return lines;
}

/* Every line at most 40 cells, every page at most 25 lines, only braille ASCII. */
static void assert_brf_shape(const char *brf, size_t len, unsigned *pages)
{
    unsigned p = 1, line = 0, col = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)brf[i];
        if (c == '\f') {
            assert_int_equal(col, 0);
            p++;
            line = 0;
        } else if (c == '\r') {
            assert_true(i + 1 < len && brf[i + 1] == '\n');
            i++;
            line++;
            col = 0;
            assert_true(line <= KL_BRAILLE_LINES);
        } else {
            assert_true(c >= 0x20 && c <= 0x5F);
            col++;
            assert_true(col <= KL_BRAILLE_CELLS);
        }
    }
    assert_int_equal(col, 0);
    *pages = p;
}

static void wraps_at_blank_cells(void **state)
{
    (void)state;
    kl_brf p;
    kl_braille__brf_init(&p);
    /* 12 words of 5 cells: 6 fit a line of 40 (6*5 + 5 spaces = 35) at indent 2? 2+35=37. */
    const char *w = "AAAAA BBBBB CCCCC DDDDD EEEEE FFFFF GGGGG HHHHH IIIII JJJJJ KKKKK LLLLL";
    assert_int_equal(kl_braille__brf_block(&p, w, strlen(w), 2, 0, false, 0), 0);
    unsigned pages = 0;
    assert_int_equal(kl_braille__brf_finish(&p, &pages), 0);
    assert_int_equal(pages, 1);
    const char *want = "                                      #A\r\n"
                       "  AAAAA BBBBB CCCCC DDDDD EEEEE FFFFF\r\n"
                       "GGGGG HHHHH IIIII JJJJJ KKKKK LLLLL\r\n";
    assert_string_equal(p.out.data, want);
    kl_braille__brf_free(&p);
}

static void cuts_a_word_longer_than_a_line(void **state)
{
    (void)state;
    kl_brf p;
    kl_braille__brf_init(&p);
    char w[100];
    memset(w, 'X', 90);
    w[90] = 0;
    assert_int_equal(kl_braille__brf_block(&p, w, 90, 0, 0, false, 0), 0);
    unsigned pages = 0;
    assert_int_equal(kl_braille__brf_finish(&p, &pages), 0);
    unsigned got;
    assert_brf_shape(p.out.data, p.out.len, &got);
    assert_int_equal(got, 1);
    assert_int_equal(count_lines(p.out.data, p.out.len), 4); /* number, 40 + 40 + 10 */
    kl_braille__brf_free(&p);
}

static void pages_hold_25_lines_and_number_each(void **state)
{
    (void)state;
    kl_brf p;
    kl_braille__brf_init(&p);
    for (int i = 0; i < 60; i++)
        assert_int_equal(kl_braille__brf_block(&p, "WORD", 4, 0, 0, false, 0), 0);
    unsigned pages = 0;
    assert_int_equal(kl_braille__brf_finish(&p, &pages), 0);
    /* 24 text lines a page under the page number: 60 lines are 3 pages. */
    assert_int_equal(pages, 3);
    unsigned got;
    assert_brf_shape(p.out.data, p.out.len, &got);
    assert_int_equal(got, 3);
    assert_non_null(strstr(p.out.data, "\f                                      #B\r\n"));
    assert_non_null(strstr(p.out.data, "\f                                      #C\r\n"));
    kl_braille__brf_free(&p);
}

static void headings_are_centred_kept_with_next_no_blank_at_top(void **state)
{
    (void)state;
    kl_brf p;
    kl_braille__brf_init(&p);
    for (int i = 0; i < 22; i++) /* lines 2..23 */
        assert_int_equal(kl_braille__brf_block(&p, "TEXT", 4, 0, 0, false, 0), 0);
    /* A heading with a blank line before it and two lines kept with it does
     * not fit on lines 24-25: it starts page 2, with no blank line at the top. */
    kl_braille__brf_blank(&p);
    assert_int_equal(kl_braille__brf_block(&p, "HEAD", 4, 0, 0, true, 2), 0);
    unsigned pages = 0;
    assert_int_equal(kl_braille__brf_finish(&p, &pages), 0);
    assert_int_equal(pages, 2);
    assert_non_null(strstr(p.out.data, "#B\r\n                  HEAD\r\n"));
    kl_braille__brf_free(&p);
}

static void tables_cover_the_catalog_languages(void **state)
{
    (void)state;
    assert_string_equal(kl_braille__table("en-GB"), "en-ueb-g2.ctb");
    assert_string_equal(kl_braille__table("cy"), "cy-cy-g2.ctb");
    assert_string_equal(kl_braille__table("pl"), "pl.tbl");
    assert_string_equal(kl_braille__table("ar-u-nu-arab"), "ar-ar-g1.utb");
    assert_string_equal(kl_braille__table("zh-Hans"), "zhcn-g1.ctb");
    assert_null(kl_braille__table("zh-Hant"));
    assert_null(kl_braille__table("so"));
    assert_null(kl_braille__table("ro"));
    assert_null(kl_braille__table("enx"));
    assert_null(kl_braille__table(NULL));
}

static void translates_ueb_grade_2(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    kl_buf cells = KL_BUF_INIT;
    /* "the", "and", "you" and "ow" are one cell each in UEB grade 2; a capital is dot 6. */
    assert_int_equal(kl_braille__translate(ctx, KL_NOWHERE, "en-ueb-g2.ctb",
                                           "Dear Ms Nowak, the review and you", &cells),
                     0);
    assert_string_equal(cells.data, ",DE> ,MS ,N[AK1 ! REVIEW & Y");
    /* Bidi isolates and joiners are not written. */
    kl_core__buf_clear(&cells);
    assert_int_equal(kl_braille__translate(ctx, KL_NOWHERE, "en-ueb-g2.ctb",
                                           "\xe2\x81\xa8"
                                           "07700 900123"
                                           "\xe2\x81\xa9",
                                           &cells),
                     0);
    /* UEB joins the groups of a number with the numeric space (dot 5): one braille word. */
    assert_string_equal(cells.data, "#JGGJJ\"IJJABC");
    kl_core__buf_free(&cells);
    kl_context_free(ctx);
}

static void a_character_without_braille_fails_closed(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    kl_buf cells = KL_BUF_INIT;
    /* Gujarati braille has no cell for a Thai letter. */
    kl_where w = {"review.xml", 3, 5, "m10"};
    int rc = kl_braille__translate(ctx, w, "gu.tbl", "\xe0\xb8\x81", &cells);
    assert_int_equal(rc, KL_EDATA);
    const kl_diagnostic *e = kl_context_last_error(ctx);
    assert_non_null(strstr(e->message, "U+0E01"));
    assert_string_equal(e->member_id, "m10");
    /* A table liblouis cannot find. */
    rc = kl_braille__translate(ctx, w, "no-such-table.ctb", "a", &cells);
    assert_int_equal(rc, KL_EBACKEND);
    kl_core__buf_free(&cells);
    kl_context_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(wraps_at_blank_cells),
        cmocka_unit_test(cuts_a_word_longer_than_a_line),
        cmocka_unit_test(pages_hold_25_lines_and_number_each),
        cmocka_unit_test(headings_are_centred_kept_with_next_no_blank_at_top),
        cmocka_unit_test(tables_cover_the_catalog_languages),
        cmocka_unit_test(translates_ueb_grade_2),
        cmocka_unit_test(a_character_without_braille_fails_closed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
