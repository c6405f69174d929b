/* SPDX-License-Identifier: MIT */
/* tests/unit/core_test.c: context, errors, buffers, allocation hook, UTF-8. */
#include "support.h"

#include <stdint.h>
#include <string.h>

static void error_detail_is_fetched_from_context(void **state)
{
    (void)state;
    kl_test_diags diags;
    kl_context *ctx = kl_test_context(&diags);
    assert_null(kl_context_last_error(ctx));
    int rc = kl_core__error(ctx, KL_EFORMAT, KL_AT("review.xml", 12, 7), "fix it", "bad date '%s'",
                            "2026-13-01");
    assert_int_equal(rc, KL_EFORMAT);
    const kl_diagnostic *e = kl_context_last_error(ctx);
    assert_non_null(e);
    assert_int_equal(e->code, KL_EFORMAT);
    assert_string_equal(e->message, "bad date '2026-13-01'");
    assert_string_equal(e->source, "review.xml");
    assert_string_equal(e->hint, "fix it");
    assert_int_equal(e->line, 12);
    assert_int_equal(e->column, 7);
    assert_int_equal(diags.n, 1);
    assert_string_equal(diags.text[0], "review.xml:12:7: bad date '2026-13-01'");
    kl_core__warn(ctx, KL_SEVERITY_WARNING, KL_NOWHERE, NULL, "just a warning");
    assert_int_equal(kl_context_count(ctx, KL_SEVERITY_WARNING), 2);
    assert_int_equal(kl_context_count(ctx, KL_SEVERITY_ERROR), 1);
    /* A warning does not replace the last error. */
    assert_string_equal(kl_context_last_error(ctx)->message, "bad date '2026-13-01'");
    kl_context_clear_error(ctx);
    assert_null(kl_context_last_error(ctx));
    kl_context_free(ctx);
}

static void long_messages_are_kept_whole(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    char big[2000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    kl_core__error(ctx, KL_EINVAL, KL_NOWHERE, NULL, "%s!", big);
    assert_int_equal(strlen(kl_context_last_error(ctx)->message), sizeof big);
    kl_context_free(ctx);
}

static void array_grows_and_keeps_items_when_growth_fails(void **state)
{
    (void)state;
    int *items = NULL;
    size_t cap = 0;
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(KL_GROW(items, cap, (size_t)i + 1), 0);
        items[i] = i;
    }
    assert_true(cap >= 1000);
    size_t before = cap;
    kl_core__alloc_fail_at(1, false);
    int rc = KL_GROW(items, cap, before + 1);
    kl_core__alloc_fail_at(0, false);
    assert_int_equal(rc, KL_ENOMEM);
    assert_int_equal(cap, before); /* untouched, and the old items still there */
    for (int i = 0; i < 1000; i++)
        assert_int_equal(items[i], i);
    assert_int_equal(KL_GROW(items, cap, SIZE_MAX / 2), KL_ENOMEM); /* overflow refused */
    assert_int_equal(cap, before);
    kl_free(items);
}

static void buffer_grows_and_formats(void **state)
{
    (void)state;
    kl_buf b = KL_BUF_INIT;
    for (int i = 0; i < 1000; i++)
        assert_int_equal(kl_core__buf_printf(&b, "%d,", i), 0);
    assert_int_equal(strncmp(b.data, "0,1,2,", 6), 0);
    assert_int_equal(b.len, strlen(b.data));
    char *s = kl_core__buf_detach(&b);
    assert_null(b.data);
    assert_int_equal(strncmp(s + strlen(s) - 4, "999,", 4), 0);
    kl_free(s);
    kl_buf empty = KL_BUF_INIT;
    s = kl_core__buf_detach(&empty);
    assert_string_equal(s, "");
    kl_free(s);
}

static void injected_allocation_failure_is_reported(void **state)
{
    (void)state;
    kl_buf b = KL_BUF_INIT;
    kl_core__alloc_fail_at(1, false);
    assert_int_equal(kl_core__buf_puts(&b, "hello"), KL_ENOMEM);
    assert_true(b.oom);
    /* The buffer stays failed: a half-built string is never handed out. */
    assert_null(kl_core__buf_detach(&b));
    kl_core__alloc_fail_at(0, false);
    kl_context *ctx = NULL;
    kl_core__alloc_fail_at(1, false);
    assert_int_equal(kl_context_new(&ctx), KL_ENOMEM);
    assert_null(ctx);
    kl_core__alloc_fail_at(0, false);
}

static void context_survives_every_allocation_failure(void **state)
{
    (void)state;
    /* Fail each allocation of context creation + a data lookup in turn. */
    for (unsigned long n = 1; n < 50; n++) {
        kl_context *ctx = NULL;
        kl_core__alloc_fail_at(n, true);
        int rc = kl_context_new(&ctx);
        if (rc == 0) {
            char *p = NULL;
            rc = kl_context_find_data(ctx, "nothing-here", &p);
            assert_true(rc == KL_ENOMEM || rc == KL_ENOTFOUND);
            assert_null(p);
            kl_context_free(ctx);
        } else {
            assert_int_equal(rc, KL_ENOMEM);
        }
        kl_core__alloc_fail_at(0, false);
    }
}

static void utf8_validation(void **state)
{
    (void)state;
    size_t off = 99;
    assert_true(kl_core__utf8_valid("Siân Llŷr", strlen("Siân Llŷr"), &off));
    assert_true(kl_core__utf8_valid("\xF0\x9F\x98\x80", 4, &off)); /* U+1F600 */
    assert_false(kl_core__utf8_valid("ab\xC3", 3, &off));          /* truncated */
    assert_int_equal(off, 2);
    assert_false(kl_core__utf8_valid("a\0b", 3, &off)); /* NUL */
    assert_int_equal(off, 1);
    assert_false(kl_core__utf8_valid("\xC0\xAF", 2, &off));         /* overlong '/' */
    assert_false(kl_core__utf8_valid("\xED\xA0\x80", 3, &off));     /* surrogate */
    assert_false(kl_core__utf8_valid("\xF4\x90\x80\x80", 4, &off)); /* > U+10FFFF */
    assert_false(kl_core__utf8_valid("x\xFF", 2, &off));
    assert_int_equal(off, 1);
}

static void line_and_column_count_characters(void **state)
{
    (void)state;
    unsigned l, c;
    const char *s = "ab\nŷŷx\n";
    kl_core__line_col(s, strlen("ab\nŷŷ"), &l, &c);
    assert_int_equal(l, 2);
    assert_int_equal(c, 3);
}

static void data_search_path_prefers_added_dirs(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    const char *f = kl_test_tmpfile("probe.txt", "x", 1);
    char *dir = kl_core__path_dirname(f);
    assert_int_equal(kl_context_add_datadir(ctx, dir), 0);
    char *found = NULL;
    assert_int_equal(kl_context_find_data(ctx, "probe.txt", &found), 0);
    assert_string_equal(found, f);
    kl_free(found);
    kl_free(dir);
    assert_int_equal(kl_context_find_data(ctx, "absent.txt", &found), KL_ENOTFOUND);
    assert_non_null(strstr(kl_context_last_error(ctx)->message, "absent.txt"));
    kl_context_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(error_detail_is_fetched_from_context),
        cmocka_unit_test(long_messages_are_kept_whole),
        cmocka_unit_test(buffer_grows_and_formats),
        cmocka_unit_test(array_grows_and_keeps_items_when_growth_fails),
        cmocka_unit_test(injected_allocation_failure_is_reported),
        cmocka_unit_test(context_survives_every_allocation_failure),
        cmocka_unit_test(utf8_validation),
        cmocka_unit_test(line_and_column_count_characters),
        cmocka_unit_test(data_search_path_prefers_added_dirs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
