/* SPDX-License-Identifier: MIT */
/* tests/disclosure/outputs_test.c: there is no path around the disclosure check.
 *
 * Every public function that takes a letter is listed here, read from the
 * installed headers themselves: one that renders bytes must refuse a letter
 * that holds another member's detail (KL_EDATA and no bytes), even when the
 * detail got into the letter after composing; the others are accessors of a
 * letter that was checked when it was composed. A new public function that
 * takes a letter fails this test until it is added to one list or the other. */
#include "../unit/support.h"
#include "compose/compose.h"
#include "kinletter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Functions that hand out bytes made from a letter: each is exercised below. */
static const char *const renderers[] = {"kl_letter_render_text", "kl_letter_render_email",
                                        "kl_letter_render_sms",  "kl_letter_render_pdf",
                                        "kl_letter_render_brf",  NULL};
/* Functions that make or read a letter: composing runs the check on the tree;
 * the accessors return strings of that checked tree (title, language,
 * fallback message ids, readability findings that quote its sentences) or
 * free it. */
static const char *const others[] = {
    "kl_letter_compose",        "kl_letter_free",     "kl_letter_title",      "kl_letter_lang",
    "kl_letter_fallback_count", "kl_letter_fallback", "kl_readability_check", NULL};

static bool listed(const char *const *list, const char *name)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(list[i], name) == 0)
            return true;
    return false;
}

/* Every KL_API function of the public headers whose declaration mentions kl_letter. */
static void every_public_letter_function_is_listed(void **state)
{
    (void)state;
    static const char *const headers[] = {"letter.h",  "pdf.h",    "batch.h",       "review.h",
                                          "catalog.h", "common.h", "readability.h", NULL};
    size_t found = 0;
    for (size_t h = 0; headers[h]; h++) {
        char path[4096];
        snprintf(path, sizeof path, "lib/include/kinletter/%s", headers[h]);
        FILE *f = fopen(kl_test_src(path), "r");
        if (!f)
            continue;
        static char text[1 << 20];
        size_t n = fread(text, 1, sizeof text - 1, f);
        fclose(f);
        text[n] = '\0';
        for (char *p = strstr(text, "KL_API"); p; p = strstr(p + 1, "KL_API")) {
            char *end = strchr(p, ';');
            if (!end)
                break;
            char *open = strchr(p, '(');
            if (!open || open > end)
                continue;
            char *name = open;
            while (name > p && (name[-1] == '_' || (name[-1] >= 'a' && name[-1] <= 'z') ||
                                (name[-1] >= '0' && name[-1] <= '9')))
                name--;
            char fn[128];
            snprintf(fn, sizeof fn, "%.*s", (int)(open - name), name);
            char decl[2048];
            snprintf(decl, sizeof decl, "%.*s", (int)(end - p), p);
            if (!strstr(decl, "kl_letter *") && !strstr(decl, "kl_letter **"))
                continue;
            found++;
            if (!listed(renderers, fn) && !listed(others, fn))
                fail_msg("%s takes a letter but is in neither list of this test: if it hands "
                         "out bytes, make it call kl_letter__check and add it to renderers",
                         fn);
        }
    }
    assert_true(found >= 10);
}

typedef struct fixture {
    kl_test_diags diags;
    kl_context *ctx;
    kl_review *review;
    kl_catalog_set *cats;
    kl_template *tpl;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->ctx = kl_test_context(&f->diags);
    assert_int_equal(
        kl_review_load_file(f->ctx, kl_test_src("tests/data/check/review.xml"), NULL, &f->review),
        0);
    assert_int_equal(kl_catalog_set_open(f->ctx, NULL, &f->cats), 0);
    assert_int_equal(kl_template_load_name(f->ctx, "notification", &f->tpl), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    kl_template_free(f->tpl);
    kl_catalog_set_free(f->cats);
    kl_review_free(f->review);
    kl_context_free(f->ctx);
    free(f);
    return 0;
}

/* m01's letter, with m03's mobile slipped into its first paragraph after
 * composing (as a bug in a later stage might). */
static kl_letter *tampered(fixture *f, kl_channel ch)
{
    kl_letter *l = NULL;
    const kl_member *m = kl_review_find_member(f->review, ch == KL_CHANNEL_SMS ? "m03" : "m01");
    assert_int_equal(kl_letter_compose(f->ctx, f->tpl, f->cats, f->review, m, ch, NULL, &l), 0);
    kl_doc *doc = (kl_doc *)kl_letter__doc(l);
    if (ch == KL_CHANNEL_SMS) {
        /* m03 reads its own text message; m04's postcode goes in. */
        assert_int_equal(kl_doc__set(&doc->sms, "Hello, call us. LL1 2DE"), 0);
        return l;
    }
    for (kl_node *n = doc->root; n; n = kl_doc__next(doc->root, n))
        if (n->kind == KL_NODE_PARAGRAPH) {
            assert_int_equal(kl_doc__set(&n->text, "Call Kacper on 07700 900456."), 0);
            break;
        }
    return l;
}

static void every_renderer_refuses_a_leak(void **state)
{
    fixture *f = *state;
    kl_letter *l = tampered(f, KL_CHANNEL_POST);
    char *out = (char *)1, *subject = (char *)1;
    assert_int_equal(kl_letter_render_text(f->ctx, l, &out), KL_EDATA);
    assert_null(out);
    assert_non_null(strstr(kl_context_last_error(f->ctx)->message, "member m03"));
    assert_null(strstr(kl_context_last_error(f->ctx)->message, "900456"));

    /* The braille letter is made from the same words: refused the same way. */
    out = (char *)1;
    assert_int_equal(kl_letter_render_brf(f->ctx, l, &out, NULL, NULL), KL_EDATA);
    assert_null(out);
    assert_non_null(strstr(kl_context_last_error(f->ctx)->message, "member m03"));

    unsigned char *pdf = (unsigned char *)1;
    size_t len = 7;
    kl_pdf_renderer *r = NULL;
    assert_int_equal(kl_pdf_renderer_new(f->ctx, NULL, &r), 0);
    assert_int_equal(kl_letter_render_pdf(f->ctx, r, l, NULL, &pdf, &len, NULL), KL_EDATA);
    assert_true(pdf == NULL || pdf == (unsigned char *)1);
    kl_pdf_renderer_free(r);
    kl_letter_free(l);

    l = tampered(f, KL_CHANNEL_EMAIL);
    out = subject = (char *)1;
    assert_int_equal(kl_letter_render_email(f->ctx, l, &subject, &out), KL_EDATA);
    assert_null(out);
    assert_null(subject);
    kl_letter_free(l);

    l = tampered(f, KL_CHANNEL_SMS);
    out = (char *)1;
    assert_int_equal(kl_letter_render_sms(f->ctx, l, &out, NULL), KL_EDATA);
    assert_null(out);
    assert_non_null(strstr(kl_context_last_error(f->ctx)->message, "member m04"));
    kl_letter_free(l);
}

/* The same letters untouched: every renderer hands them out. */
static void untouched_letters_render(void **state)
{
    fixture *f = *state;
    const kl_member *m01 = kl_review_find_member(f->review, "m01");
    const kl_member *m03 = kl_review_find_member(f->review, "m03");
    kl_letter *l = NULL;
    char *out = NULL, *subject = NULL;
    assert_int_equal(
        kl_letter_compose(f->ctx, f->tpl, f->cats, f->review, m01, KL_CHANNEL_POST, NULL, &l), 0);
    assert_int_equal(kl_letter_render_text(f->ctx, l, &out), 0);
    assert_non_null(strstr(out, "12 Elm Road"));
    kl_free(out);
    size_t brf_len = 0;
    unsigned brf_pages = 0;
    assert_int_equal(kl_letter_render_brf(f->ctx, l, &out, &brf_len, &brf_pages), 0);
    assert_true(brf_len > 0 && brf_pages > 0);
    kl_free(out);
    kl_letter_free(l);
    assert_int_equal(
        kl_letter_compose(f->ctx, f->tpl, f->cats, f->review, m03, KL_CHANNEL_EMAIL, NULL, &l), 0);
    assert_int_equal(kl_letter_render_email(f->ctx, l, &subject, &out), 0);
    kl_free(out);
    kl_free(subject);
    kl_letter_free(l);
    assert_int_equal(
        kl_letter_compose(f->ctx, f->tpl, f->cats, f->review, m03, KL_CHANNEL_SMS, NULL, &l), 0);
    assert_int_equal(kl_letter_render_sms(f->ctx, l, &out, NULL), 0);
    kl_free(out);
    kl_letter_free(l);
}

/* A letter outlives its review (the check's index is reference-counted). */
static void letter_outlives_review(void **state)
{
    fixture *f = *state;
    kl_letter *l = tampered(f, KL_CHANNEL_POST);
    kl_review_free(f->review);
    f->review = NULL;
    char *out = NULL;
    assert_int_equal(kl_letter_render_text(f->ctx, l, &out), KL_EDATA);
    assert_null(out);
    kl_letter_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_public_letter_function_is_listed),
        cmocka_unit_test_setup_teardown(every_renderer_refuses_a_leak, setup, teardown),
        cmocka_unit_test_setup_teardown(untouched_letters_render, setup, teardown),
        cmocka_unit_test_setup_teardown(letter_outlives_review, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
