/* SPDX-License-Identifier: MIT */
/* tests/unit/csv_test.c: the RFC 4180 reader behind CSV family lists. */
#include "support.h"

#include "review/csv.h"

#include <string.h>

static kl_csv *parse(const char *text, size_t len, kl_test_diags *d, int expect)
{
    kl_context *ctx = kl_test_context(d);
    kl_csv *csv = NULL;
    assert_int_equal(kl_csv__parse(ctx, "f.csv", text, len, 0, &csv), expect);
    kl_context_free(ctx);
    if (expect)
        assert_null(csv);
    return csv;
}

static void quoted_commas_and_doubled_quotes(void **state)
{
    (void)state;
    const char *t = "a,b,c\n\"1, Elm Road\",\"say \"\"hi\"\"\",\"\"\n";
    kl_test_diags d;
    kl_csv *csv = parse(t, strlen(t), &d, 0);
    assert_int_equal(csv->n_rows, 2);
    assert_int_equal(csv->rows[1].n_fields, 3);
    assert_string_equal(csv->rows[1].fields[0], "1, Elm Road");
    assert_string_equal(csv->rows[1].fields[1], "say \"hi\"");
    assert_string_equal(csv->rows[1].fields[2], "");
    kl_csv__free(csv);
}

static void embedded_newlines_keep_row_numbers(void **state)
{
    (void)state;
    const char *t = "a,b\n\"line 1\nline 2\nline 3\",x\nlast,y\n";
    kl_test_diags d;
    kl_csv *csv = parse(t, strlen(t), &d, 0);
    assert_int_equal(csv->n_rows, 3);
    assert_string_equal(csv->rows[1].fields[0], "line 1\nline 2\nline 3");
    assert_int_equal(csv->rows[1].row, 2);
    /* Row 3 is the third record, as a spreadsheet numbers it, not line 6. */
    assert_int_equal(csv->rows[2].row, 3);
    assert_string_equal(csv->rows[2].fields[0], "last");
    kl_csv__free(csv);
}

static void crlf_bom_and_no_final_newline(void **state)
{
    (void)state;
    const char *t = "\xEF\xBB\xBFid,given\r\nm01,Zofia\r\nm02,\"Tom\r\nasz\"\r\nm03,Kacper";
    kl_test_diags d;
    kl_csv *csv = parse(t, strlen(t), &d, 0);
    assert_int_equal(csv->n_rows, 4);
    assert_string_equal(csv->rows[0].fields[0], "id"); /* BOM gone */
    assert_string_equal(csv->rows[1].fields[1], "Zofia");
    assert_string_equal(csv->rows[2].fields[1], "Tom\r\nasz");
    assert_string_equal(csv->rows[3].fields[1], "Kacper");
    assert_int_equal(csv->rows[3].row, 4);
    kl_csv__free(csv);
}

static void blank_rows_are_dropped_but_counted(void **state)
{
    (void)state;
    const char *t = "id,given\n\nm01,Zofia\n,\n\n";
    kl_test_diags d;
    kl_csv *csv = parse(t, strlen(t), &d, 0);
    assert_int_equal(csv->n_rows, 2);
    assert_int_equal(csv->rows[1].row, 3);
    kl_csv__free(csv);
}

static void short_and_long_rows_are_kept_as_they_are(void **state)
{
    (void)state;
    const char *t = "a,b,c\n1,2\n1,2,3,4\n";
    kl_test_diags d;
    kl_csv *csv = parse(t, strlen(t), &d, 0);
    assert_int_equal(csv->rows[1].n_fields, 2);
    assert_int_equal(csv->rows[2].n_fields, 4);
    kl_csv__free(csv);
}

static void malformed_quotes_are_located(void **state)
{
    (void)state;
    kl_test_diags d;
    const char *open = "a,b\n1,2\n3,\"never closed\n4,5\n";
    parse(open, strlen(open), &d, KL_EPARSE);
    assert_int_equal(d.n, 1);
    assert_string_equal(d.text[0], "f.csv:3:2: a quoted field starts here and is never closed");
    const char *mid = "a,b,c\n1,2,ab\"c\"\n";
    parse(mid, strlen(mid), &d, KL_EPARSE);
    assert_string_equal(d.text[0], "f.csv:2:3: a double quote in the middle of field 3");
    const char *after = "a,b\n\"x\"y,2\n";
    parse(after, strlen(after), &d, KL_EPARSE);
    assert_string_equal(d.text[0], "f.csv:2:1: text after the closing quote of field 1");
}

static void bad_bytes_and_empty_files(void **state)
{
    (void)state;
    kl_test_diags d;
    const char *latin1 = "a,b\nm01,Jos\xe9\n";
    parse(latin1, strlen(latin1), &d, KL_EPARSE);
    assert_non_null(strstr(d.text[0], "f.csv:2:2: field 2 holds a byte that is not UTF-8"));
    const char nul[] = "a,b\nx\0y,2\n";
    parse(nul, sizeof nul - 1, &d, KL_EPARSE);
    assert_non_null(strstr(d.text[0], "f.csv:2:1:"));
    parse("", 0, &d, KL_EFORMAT);
    assert_string_equal(d.text[0], "f.csv:1:1: the family list is empty");
    parse("\n\n", 2, &d, KL_EFORMAT);
}

static void row_limit_is_enforced(void **state)
{
    (void)state;
    kl_test_diags d;
    kl_context *ctx = kl_test_context(&d);
    kl_csv *csv = NULL;
    const char *t = "a\n1\n2\n3\n";
    assert_int_equal(kl_csv__parse(ctx, "f.csv", t, strlen(t), 3, &csv), KL_ELIMIT);
    assert_string_equal(d.text[0],
                        "f.csv:4:1: too many rows (the limit is 3, counting the header)");
    kl_context_free(ctx);
}

static void allocation_failures(void **state)
{
    (void)state;
    const char *t = "id,given,address\nm01,Zofia,\"12 Elm Road;Northtown\"\nm02,Tomasz,x\n";
    unsigned long n;
    for (n = 1; n < 1000; n++) {
        kl_context *ctx = kl_test_context(NULL);
        kl_csv *csv = NULL;
        kl_core__alloc_fail_at(n, true);
        int rc = kl_csv__parse(ctx, "f.csv", t, strlen(t), 0, &csv);
        kl_core__alloc_fail_at(0, false);
        kl_context_free(ctx);
        if (rc == 0) {
            assert_int_equal(csv->n_rows, 3);
            kl_csv__free(csv);
            break;
        }
        assert_int_equal(rc, KL_ENOMEM);
        assert_null(csv);
    }
    assert_true(n > 3 && n < 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(quoted_commas_and_doubled_quotes),
        cmocka_unit_test(embedded_newlines_keep_row_numbers),
        cmocka_unit_test(crlf_bom_and_no_final_newline),
        cmocka_unit_test(blank_rows_are_dropped_but_counted),
        cmocka_unit_test(short_and_long_rows_are_kept_as_they_are),
        cmocka_unit_test(malformed_quotes_are_located),
        cmocka_unit_test(bad_bytes_and_empty_files),
        cmocka_unit_test(row_limit_is_enforced),
        cmocka_unit_test(allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
