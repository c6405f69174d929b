/* SPDX-License-Identifier: MIT */
/* tests/unit/template_test.c: loading, validating and compiling letter templates. */
#include "support.h"
#include "template/template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEAD "<letter xmlns=\"urn:kinletter:template:1\" name=\"x\" title=\"t.title\">\n"

static const char *test_catalogs(void)
{
    static char buf[4096];
    const char *b = getenv("KL_BUILD_ROOT");
    snprintf(buf, sizeof buf, "%s/tests/data/letters/locales", b ? b : ".");
    return buf;
}

/* Load text as a template named "t.xml"; return the code. */
static int load(kl_context *ctx, const char *text, kl_template **out)
{
    return kl_template_load_buffer(ctx, text, strlen(text), "t.xml", out);
}

static void test_load_file(void **state)
{
    (void)state;
    kl_test_diags d;
    kl_context *ctx = kl_test_context(&d);
    kl_template *tpl = NULL;
    assert_int_equal(kl_template_load_file(ctx, kl_test_src("tests/data/letters/test.xml"), &tpl),
                     0);
    assert_string_equal(kl_template_name(tpl), "test");
    assert_string_equal(tpl->title_msg, "t.title");
    assert_string_equal(tpl->subject_msg, "t.subject");
    assert_non_null(tpl->sms);
    assert_string_equal(tpl->sms->msg, "t.sms");
    /* The condolence paragraph is line 11 and carries a compiled condition. */
    const kl_tnode *n = tpl->body;
    while (n && !(n->msg && strcmp(n->msg, "t.condolence") == 0))
        n = n->next;
    assert_non_null(n);
    assert_int_equal(n->line, 11);
    assert_int_equal(n->column, 3);
    assert_non_null(n->when_expr);
    assert_int_equal(d.n, 0);
    kl_template_free(tpl);
    kl_context_free(ctx);
}

static void test_not_well_formed(void **state)
{
    (void)state;
    kl_test_diags d;
    kl_context *ctx = kl_test_context(&d);
    kl_template *tpl = NULL;
    assert_int_equal(load(ctx, HEAD "  <p msg=\"t.a\">\n</letter>\n", &tpl), KL_EPARSE);
    assert_null(tpl);
    const kl_diagnostic *e = kl_context_last_error(ctx);
    assert_non_null(e);
    assert_string_equal(e->source, "t.xml");
    assert_int_equal(e->line, 3);
    assert_true(e->column > 0);
    assert_non_null(strstr(e->message, "mismatch"));
    kl_context_free(ctx);
}

static void test_bad_xpath(void **state)
{
    (void)state;
    kl_test_diags d;
    kl_context *ctx = kl_test_context(&d);
    kl_template *tpl = NULL;
    /* An unfinished string in a condition on line 3. */
    assert_int_equal(load(ctx,
                          HEAD "  <p msg=\"t.a\"/>\n"
                               "  <p msg=\"t.b\" when=\"$channel = 'post\"/>\n</letter>\n",
                          &tpl),
                     KL_EPARSE);
    int i = kl_test_find_diag(&d, "unfinished string");
    assert_true(i >= 0);
    /* The value starts in column 22; the string runs to its end. */
    assert_int_equal(d.items[i].line, 3);
    assert_int_equal(d.items[i].column, 38); /* where the closing quote is missing */
    assert_non_null(strstr(d.text[i], "t.xml:3:"));
    kl_context_free(ctx);
}

static void test_unknown_variable_and_prefix(void **state)
{
    (void)state;
    kl_test_diags d;
    kl_context *ctx = kl_test_context(&d);
    kl_template *tpl = NULL;
    assert_int_equal(load(ctx,
                          HEAD
                          "  <p msg=\"t.a\" when=\"$chanel = 'post'\"/>\n"
                          "  <list kind=\"bullet\" each=\"/x:review\">\n"
                          "    <item msg=\"t.i\"><arg name=\"a\" select=\"nosuch(.)\"/></item>\n"
                          "  </list>\n</letter>\n",
                          &tpl),
                     KL_EPARSE);
    int i = kl_test_find_diag(&d, "unknown variable");
    assert_true(i >= 0);
    assert_non_null(strstr(d.text[i], "t.xml:2:22:"));
    i = kl_test_find_diag(&d, "unknown namespace prefix");
    assert_true(i >= 0);
    assert_non_null(strstr(d.text[i], "t.xml:3:"));
    i = kl_test_find_diag(&d, "unknown function");
    assert_true(i >= 0);
    assert_non_null(strstr(d.text[i], "t.xml:4:"));
    kl_context_free(ctx);
}

static void test_unknown_element(void **state)
{
    (void)state;
    kl_test_diags d;
    kl_context *ctx = kl_test_context(&d);
    kl_template *tpl = NULL;
    assert_int_equal(
        load(ctx, HEAD "  <p msg=\"t.a\"/>\n    <blink msg=\"t.b\"/>\n</letter>\n", &tpl),
        KL_EFORMAT);
    int i = kl_test_find_diag(&d, "blink");
    assert_true(i >= 0);
    assert_int_equal(d.items[i].line, 3);
    assert_int_equal(d.items[i].column, 5);
    assert_non_null(strstr(kl_context_last_error(ctx)->message, "template schema"));
    kl_context_free(ctx);
}

static void test_bad_attribute_value(void **state)
{
    (void)state;
    kl_test_diags d;
    kl_context *ctx = kl_test_context(&d);
    kl_template *tpl = NULL;
    /* heading level 7 does not exist */
    assert_int_equal(load(ctx, HEAD "  <heading level=\"7\" msg=\"t.h\"/>\n</letter>\n", &tpl),
                     KL_EFORMAT);
    assert_true(kl_test_find_diag(&d, "t.xml:2:3:") >= 0);
    kl_context_free(ctx);
}

static void test_doctype_refused(void **state)
{
    (void)state;
    kl_test_diags d;
    kl_context *ctx = kl_test_context(&d);
    kl_template *tpl = NULL;
    assert_int_equal(load(ctx,
                          "<?xml version=\"1.0\"?>\n<!DOCTYPE letter [<!ENTITY e \"boom\">]>\n" HEAD
                          "  <p msg=\"t.a\"/>\n</letter>\n",
                          &tpl),
                     KL_EFORMAT);
    assert_non_null(strstr(kl_context_last_error(ctx)->message, "DOCTYPE"));
    assert_int_equal(kl_context_last_error(ctx)->line, 2);
    kl_context_free(ctx);
}

static void test_heading_skip(void **state)
{
    (void)state;
    kl_test_diags d;
    kl_context *ctx = kl_test_context(&d);
    kl_template *tpl = NULL;
    assert_int_equal(load(ctx,
                          HEAD "  <heading level=\"1\" msg=\"t.a\"/>\n"
                               "  <heading level=\"3\" msg=\"t.b\"/>\n</letter>\n",
                          &tpl),
                     KL_EFORMAT);
    int i = kl_test_find_diag(&d, "level is skipped");
    assert_true(i >= 0);
    assert_non_null(strstr(d.text[i], "t.xml:3:3:"));
    kl_context_free(ctx);
}

/* More <arg> elements than a message may take are refused, naming the limit
 * (they were dropped without a word). */
static void test_too_many_args(void **state)
{
    (void)state;
    kl_test_diags d;
    kl_context *ctx = kl_test_context(&d);
    char text[4096];
    int n = snprintf(text, sizeof text, "%s  <p msg=\"t.a\">\n", HEAD);
    for (int i = 0; i < KL_TEMPLATE_MAX_ARGS + 1; i++)
        n += snprintf(text + n, sizeof text - (size_t)n, "    <arg name=\"a%d\" select=\"'x'\"/>\n",
                      i);
    snprintf(text + n, sizeof text - (size_t)n, "  </p>\n</letter>\n");
    kl_template *tpl = NULL;
    assert_int_equal(load(ctx, text, &tpl), KL_ELIMIT);
    assert_null(tpl);
    int i = kl_test_find_diag(&d, "the limit is 16");
    assert_true(i >= 0);
    assert_non_null(strstr(d.text[i], "t.xml:2:3:"));
    kl_context_free(ctx);
}

static void test_load_name_not_found(void **state)
{
    (void)state;
    kl_test_diags d;
    kl_context *ctx = kl_test_context(&d);
    kl_template *tpl = NULL;
    assert_int_equal(kl_template_load_name(ctx, "no-such-template", &tpl), KL_ENOTFOUND);
    assert_non_null(strstr(kl_context_last_error(ctx)->message, "templates/no-such-template.xml"));
    assert_int_equal(kl_template_load_name(ctx, "../etc/passwd", &tpl), KL_EINVAL);
    kl_context_free(ctx);
}

static void test_check_messages(void **state)
{
    (void)state;
    kl_test_diags d;
    kl_context *ctx = kl_test_context(&d);
    kl_catalog_set *set = NULL;
    assert_int_equal(kl_catalog_set_open(ctx, test_catalogs(), &set), 0);

    kl_template *tpl = NULL;
    assert_int_equal(kl_template_load_file(ctx, kl_test_src("tests/data/letters/test.xml"), &tpl),
                     0);
    assert_int_equal(kl_template_check_messages(ctx, tpl, set, "en-GB"), 0);
    assert_int_equal(d.n, 0);
    /* The Polish test catalog leaves out t.only_en (test.xml line 17). */
    assert_int_equal(kl_template_check_messages(ctx, tpl, set, "pl"), KL_ENOTFOUND);
    int i = kl_test_find_diag(&d, "message 't.only_en' is not in the pl catalog");
    assert_true(i >= 0);
    assert_non_null(strstr(d.text[i], "test.xml:17:3:"));
    kl_template_free(tpl);

    /* An unknown message id in a template. */
    d.n = 0;
    assert_int_equal(
        load(ctx, HEAD "  <p msg=\"t.title\"/>\n  <p msg=\"t.nope\"/>\n</letter>\n", &tpl), 0);
    assert_int_equal(kl_template_check_messages(ctx, tpl, set, "en-GB"), KL_ENOTFOUND);
    i = kl_test_find_diag(&d, "'t.nope'");
    assert_true(i >= 0);
    assert_non_null(strstr(d.text[i], "t.xml:3:3:"));
    assert_int_equal(kl_test_find_diag(&d, "'t.title'"), -1);
    kl_template_free(tpl);
    kl_catalog_set_free(set);
    kl_context_free(ctx);
}

static void test_alloc_failures(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    kl_context *ctx = kl_test_context(NULL);
    assert_int_equal(
        kl_core__read_file(ctx, kl_test_src("tests/data/letters/test.xml"), 1 << 20, &text, &len),
        0);
    /* Fail each allocation in turn: never a crash or a leak, always ENOMEM. */
    bool loaded = false;
    for (unsigned long n = 1; n < 2000 && !loaded; n++) {
        kl_template *tpl = NULL;
        kl_core__alloc_fail_at(n, false);
        int rc = kl_template_load_buffer(ctx, text, len, "t.xml", &tpl);
        kl_core__alloc_fail_at(0, false);
        if (rc == 0) {
            kl_template_free(tpl);
            loaded = true;
            continue;
        }
        assert_int_equal(rc, KL_ENOMEM);
        assert_null(tpl);
    }
    assert_true(loaded);
    kl_free(text);
    kl_context_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_file),       cmocka_unit_test(test_not_well_formed),
        cmocka_unit_test(test_bad_xpath),       cmocka_unit_test(test_unknown_variable_and_prefix),
        cmocka_unit_test(test_unknown_element), cmocka_unit_test(test_bad_attribute_value),
        cmocka_unit_test(test_doctype_refused), cmocka_unit_test(test_heading_skip),
        cmocka_unit_test(test_too_many_args),   cmocka_unit_test(test_load_name_not_found),
        cmocka_unit_test(test_check_messages),  cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
