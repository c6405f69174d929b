/* SPDX-License-Identifier: MIT */
/* tests/api/errors_test.c: the error contract of every public function that takes a
 * context (docs/LIBRARY.md): a bad argument is KL_EINVAL with a message that names the
 * function, a failure leaves a last error to read, and a successful call clears it.
 * Public API only. The list of functions is read from the headers: a new function that
 * takes a context fails this test until it is exercised here. */
#include <kinletter.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;
static kl_context *ctx;

#define CHECK(cond, what)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            printf("FAIL %s (line %d)\n", what, __LINE__);                                         \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

static const char *tested[64];
static size_t n_tested;

/* rc must be KL_EINVAL with a message naming fn; then a success clears it. */
static void einval(const char *fn, int rc)
{
    tested[n_tested++] = fn;
    char what[256];
    snprintf(what, sizeof what, "%s: bad argument gives KL_EINVAL (got %d)", fn, rc);
    CHECK(rc == KL_EINVAL, what);
    const kl_diagnostic *e = kl_context_last_error(ctx);
    snprintf(what, sizeof what, "%s: a last error is set after KL_EINVAL", fn);
    CHECK(e != NULL, what);
    if (e) {
        snprintf(what, sizeof what, "%s: the message names the function (%s)", fn, e->message);
        CHECK(e->message && strstr(e->message, fn), what);
    }
    /* Any successful call clears it. */
    char *path = NULL;
    CHECK(kl_context_find_data(ctx, "templates/notification.xml", &path) == 0, "find_data");
    kl_free(path);
    snprintf(what, sizeof what, "%s: a successful call clears the last error", fn);
    CHECK(kl_context_last_error(ctx) == NULL, what);
}

/* Every KL_API function of the public headers that takes a context. */
static void every_function_is_tested(const char *src)
{
    static const char *const headers[] = {"common.h", "review.h",  "letter.h",      "pdf.h",
                                          "batch.h",  "catalog.h", "readability.h", "record.h"};
    /* Functions of the context itself, with their own documented rules. */
    static const char *const own[] = {"kl_context_free",       "kl_context_set_diagnostics",
                                      "kl_context_last_error", "kl_context_clear_error",
                                      "kl_context_count",      NULL};
    for (size_t h = 0; h < sizeof headers / sizeof headers[0]; h++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/lib/include/kinletter/%s", src, headers[h]);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        static char text[1 << 20];
        size_t n = fread(text, 1, sizeof text - 1, f);
        fclose(f);
        text[n] = '\0';
        for (char *p = strstr(text, "KL_API"); p; p = strstr(p + 1, "KL_API")) {
            char *end = strchr(p, ';');
            char *open = strchr(p, '(');
            if (!end || !open || open > end)
                continue;
            char *name = open;
            while (name > p && (name[-1] == '_' || (name[-1] >= 'a' && name[-1] <= 'z') ||
                                (name[-1] >= '0' && name[-1] <= '9')))
                name--;
            char fn[128];
            snprintf(fn, sizeof fn, "%.*s", (int)(open - name), name);
            char decl[2048];
            snprintf(decl, sizeof decl, "%.*s", (int)(end - open), open);
            if (!strstr(decl, "kl_context *ctx"))
                continue;
            int found = 0;
            for (size_t i = 0; own[i]; i++)
                found |= strcmp(own[i], fn) == 0;
            for (size_t i = 0; i < n_tested; i++)
                found |= strcmp(tested[i], fn) == 0;
            if (!found) {
                printf("FAIL %s takes a context but this test does not call it with bad "
                       "arguments\n",
                       fn);
                failures++;
            }
        }
    }
}

int main(void)
{
    const char *src = getenv("KL_SOURCE_ROOT");
    if (kl_context_new(&ctx) != 0)
        return 1;
    void *out = NULL;
    kl_review *review = NULL;
    kl_template *tpl = NULL;
    kl_catalog_set *cats = NULL;
    char *path = NULL;
    CHECK(kl_context_find_data(ctx, "templates/example/review.xml", &path) == 0, "example");
    CHECK(kl_review_load_file(ctx, path, NULL, &review) == 0, "load example");
    kl_free(path);
    CHECK(kl_template_load_name(ctx, "notification", &tpl) == 0, "template");
    CHECK(kl_catalog_set_open(ctx, NULL, &cats) == 0, "catalogs");
    const kl_member *m = kl_review_member(review, 0);

    einval("kl_context_add_datadir", kl_context_add_datadir(ctx, NULL));
    einval("kl_context_find_data", kl_context_find_data(ctx, NULL, (char **)&out));
    einval("kl_review_load_file", kl_review_load_file(ctx, NULL, NULL, (kl_review **)&out));
    einval("kl_review_load_buffer",
           kl_review_load_buffer(ctx, NULL, 5, "x", NULL, NULL, (kl_review **)&out));
    einval("kl_review_builder_new",
           kl_review_builder_new(ctx, NULL, NULL, (kl_review_builder **)&out));
    einval("kl_template_load_file", kl_template_load_file(ctx, NULL, (kl_template **)&out));
    einval("kl_template_load_buffer",
           kl_template_load_buffer(ctx, NULL, 3, "x", (kl_template **)&out));
    einval("kl_template_load_name", kl_template_load_name(ctx, NULL, (kl_template **)&out));
    einval("kl_catalog_set_open", kl_catalog_set_open(ctx, NULL, NULL));
    einval("kl_catalog_set_meta", kl_catalog_set_meta(ctx, NULL, "pl", NULL));
    einval("kl_template_check_messages", kl_template_check_messages(ctx, NULL, cats, "pl"));
    einval("kl_letter_compose", kl_letter_compose(ctx, NULL, cats, review, m, KL_CHANNEL_POST, NULL,
                                                  (kl_letter **)&out));
    einval("kl_letter_render_text", kl_letter_render_text(ctx, NULL, (char **)&out));
    einval("kl_letter_render_brf", kl_letter_render_brf(ctx, NULL, (char **)&out, NULL, NULL));
    einval("kl_letter_render_email", kl_letter_render_email(ctx, NULL, NULL, NULL));
    einval("kl_letter_render_sms", kl_letter_render_sms(ctx, NULL, NULL, NULL));
    einval("kl_sms_measure", kl_sms_measure(ctx, NULL, NULL));
    einval("kl_pdf_renderer_new", kl_pdf_renderer_new(ctx, NULL, NULL));
    einval("kl_letter_render_pdf", kl_letter_render_pdf(ctx, NULL, NULL, NULL, NULL, NULL, NULL));
    einval("kl_readability_check",
           kl_readability_check(ctx, NULL, cats, review, KL_READING_STANDARD, NULL));
    einval("kl_batch_generate", kl_batch_generate(ctx, NULL, NULL, (kl_batch_result **)&out));
    einval("kl_review_languages", kl_review_languages(ctx, NULL, NULL, NULL, NULL));
    einval("kl_batch_generate_to",
           kl_batch_generate_to(ctx, NULL, NULL, NULL, NULL, (kl_batch_result **)&out));
    einval("kl_catalog_sources_open", kl_catalog_sources_open(ctx, NULL, NULL));
    einval("kl_catalog_check", kl_catalog_check(ctx, NULL, NULL, NULL, NULL));
    einval("kl_catalog_stamp", kl_catalog_stamp(ctx, NULL, NULL, 0, NULL, 0, NULL));
    einval("kl_catalog_status", kl_catalog_status(ctx, NULL, NULL, NULL));
    einval("kl_catalog_export_xliff", kl_catalog_export_xliff(ctx, NULL, NULL, NULL, NULL));
    einval("kl_catalog_import_xliff", kl_catalog_import_xliff(ctx, NULL, NULL, 0, NULL));
    einval("kl_catalog_export", kl_catalog_export(ctx, NULL, NULL, KL_EXCHANGE_PO, NULL, NULL));
    einval("kl_catalog_import", kl_catalog_import(ctx, NULL, NULL, 0, NULL));
    einval("kl_catalog_init", kl_catalog_init(ctx, NULL, NULL, NULL));
    einval("kl_catalog_status_of", kl_catalog_status_of(ctx, NULL, NULL, NULL, NULL));
    einval("kl_catalog_pseudo", kl_catalog_pseudo(ctx, NULL, NULL, NULL));
    einval("kl_catalog_compile", kl_catalog_compile(ctx, NULL, (char **)&out));
    einval("kl_catalog_fit", kl_catalog_fit(ctx, NULL, "pl", NULL, NULL, NULL));
    einval("kl_record_open", kl_record_open(ctx, NULL, 0, (kl_record **)&out));
    einval("kl_record_add_events", kl_record_add_events(ctx, NULL, review, NULL, 0, NULL));
    einval("kl_record_question_add",
           kl_record_question_add(ctx, NULL, review, "m01", "?", NULL, NULL));
    einval("kl_record_question_answer", kl_record_question_answer(ctx, NULL, review, 1, "", NULL));
    einval("kl_record_status_get",
           kl_record_status_get(ctx, NULL, review, NULL, 0, (kl_record_status **)&out));
    einval("kl_record_status_format",
           kl_record_status_format(ctx, NULL, KL_RECORD_TEXT, (char **)&out));

    /* A failure with a message, then a success: the old error is gone. */
    kl_template *bad = NULL;
    CHECK(kl_template_load_file(ctx, "/nonexistent/letter.xml", &bad) != 0, "missing template");
    CHECK(kl_context_last_error(ctx) && kl_context_last_error(ctx)->message, "it has a message");
    kl_letter *l = NULL;
    CHECK(kl_letter_compose(ctx, tpl, cats, review, kl_review_find_member(review, "m03"),
                            KL_CHANNEL_EMAIL, NULL, &l) == 0,
          "compose");
    CHECK(kl_context_last_error(ctx) == NULL, "compose cleared the earlier error");
    kl_letter_free(l);

    if (src)
        every_function_is_tested(src);
    kl_catalog_set_free(cats);
    kl_template_free(tpl);
    kl_review_free(review);
    kl_context_free(ctx);
    printf("%zu functions called with bad arguments\n", n_tested);
    printf("%d passed, %d failed\n", failures ? 0 : 1, failures ? 1 : 0);
    return failures ? 1 : 0;
}
