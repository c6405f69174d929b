/* SPDX-License-Identifier: MIT */
/* tests/threads/threads_test.c: letters for different members on several threads, sharing one
 * loaded review, templates, catalog set and font set, come out exactly as when written one at a
 * time (run under ThreadSanitizer in CI: build with -Db_sanitize=thread). */
#include <kinletter.h>

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define N_THREADS   4
#define ROUNDS      2
#define N_TEMPLATES 3
#define MAX_JOBS    64

static const char *const template_names[N_TEMPLATES] = {"notification", "invitation", "update"};

/* One letter: a template, a member and a channel; its outputs from the serial run. */
typedef struct job {
    const kl_template *tpl;
    const kl_member *member;
    kl_channel channel;
    char *text;
    unsigned char *pdf;
    size_t pdf_len;
    unsigned pages;
    char *brf; /* the braille letter (liblouis), or NULL where its language has no table */
    size_t brf_len;
} job;

typedef struct shared {
    const kl_review *review;
    kl_catalog_set *cats;
    const kl_pdf_renderer *base;
    job jobs[MAX_JOBS];
    size_t n_jobs;
} shared;

typedef struct worker {
    shared *sh;
    unsigned index;
    pthread_t thread;
    size_t done;
    size_t mismatches;
    char failure[512];
} worker;

static const kl_letter_options letter_opts = {
    KL_LETTER_OPTIONS_VERSION, 0, NULL, "2026-10-09", -1, NULL, 0};
static const kl_pdf_options pdf_opts = {KL_PDF_OPTIONS_VERSION, 0, NULL, "2026-10-09T12:00:00Z"};

/* Compose and render one job; 0 or the failing step's code with the message in *why. */
static int write_letter(kl_context *ctx, kl_pdf_renderer *r, const shared *sh, const job *j,
                        char **text, unsigned char **pdf, size_t *len, unsigned *pages, char **brf,
                        size_t *brf_len, const char **why)
{
    kl_letter *letter = NULL;
    int rc = kl_letter_compose(ctx, j->tpl, sh->cats, sh->review, j->member, j->channel,
                               &letter_opts, &letter);
    *why = "compose";
    if (!rc) {
        *why = "text";
        rc = kl_letter_render_text(ctx, letter, text);
    }
    if (!rc) {
        *why = "pdf";
        rc = kl_letter_render_pdf(ctx, r, letter, &pdf_opts, pdf, len, pages);
    }
    /* Braille too, so that liblouis (one process-wide state, behind the library's mutex) is
     * used by every thread at once; a language without a table gives none, every time. */
    if (!rc) {
        *why = "braille";
        rc = kl_letter_render_brf(ctx, letter, brf, brf_len, NULL);
        if (rc == KL_EDATA) {
            *brf = NULL;
            *brf_len = 0;
            rc = 0;
        }
    }
    kl_letter_free(letter);
    return rc;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    shared *sh = w->sh;
    kl_context *ctx = NULL;
    kl_pdf_renderer *r = NULL;
    if (kl_context_new(&ctx) != 0 || kl_pdf_renderer_new_sibling(sh->base, &r) != 0) {
        snprintf(w->failure, sizeof w->failure, "thread %u: no context or renderer", w->index);
        kl_context_free(ctx);
        return NULL;
    }
    /* Every thread does every job, each starting at a different one, so different members
     * and the same member are written at the same time. */
    for (unsigned round = 0; round < ROUNDS; round++) {
        for (size_t k = 0; k < sh->n_jobs; k++) {
            const job *j = &sh->jobs[(k + w->index * 3 + round) % sh->n_jobs];
            char *text = NULL;
            unsigned char *pdf = NULL;
            size_t len = 0;
            unsigned pages = 0;
            char *brf = NULL;
            size_t brf_len = 0;
            const char *why = NULL;
            int rc = write_letter(ctx, r, sh, j, &text, &pdf, &len, &pages, &brf, &brf_len, &why);
            if (rc) {
                const kl_diagnostic *d = kl_context_last_error(ctx);
                snprintf(w->failure, sizeof w->failure, "thread %u: %s for %s: %s", w->index, why,
                         kl_member_id(j->member), d ? d->message : kl_strerror(rc));
            } else if (strcmp(text, j->text) != 0 || len != j->pdf_len ||
                       memcmp(pdf, j->pdf, len) != 0 || pages != j->pages ||
                       brf_len != j->brf_len || (brf && memcmp(brf, j->brf, brf_len) != 0)) {
                w->mismatches++;
                snprintf(w->failure, sizeof w->failure,
                         "thread %u: %s's %s letter differs from the one written alone", w->index,
                         kl_member_id(j->member), kl_channel_name(j->channel));
            }
            kl_free(text);
            kl_free(pdf);
            kl_free(brf);
            if (rc)
                goto out;
            w->done++;
        }
    }
out:
    kl_pdf_renderer_free(r);
    kl_context_free(ctx);
    return NULL;
}

static void test_threads_share_loaded_data(void **state)
{
    (void)state;
    kl_context *ctx = NULL;
    kl_review *review = NULL;
    kl_template *tpls[N_TEMPLATES] = {NULL};
    kl_pdf_renderer *base = NULL;
    shared sh;
    memset(&sh, 0, sizeof sh);
    char *path = NULL;

    assert_int_equal(kl_context_new(&ctx), 0);
    assert_int_equal(kl_context_find_data(ctx, "templates/example/review.xml", &path), 0);
    assert_int_equal(kl_review_load_file(ctx, path, NULL, &review), 0);
    kl_free(path);
    for (size_t t = 0; t < N_TEMPLATES; t++)
        assert_int_equal(kl_template_load_name(ctx, template_names[t], &tpls[t]), 0);
    assert_int_equal(kl_catalog_set_open(ctx, NULL, &sh.cats), 0);
    assert_int_equal(kl_pdf_renderer_new(ctx, NULL, &base), 0);
    sh.review = review;
    sh.base = base;

    /* The serial reference: every member with a contact, each template, first channel. A
     * member whose letter cannot be written here (a catalog still missing) is left out. */
    size_t members_used = 0;
    for (size_t i = 0; i < kl_review_member_count(review); i++) {
        const kl_member *m = kl_review_member(review, i);
        if (!kl_review_member_ok(review, m) || kl_member_contact_count(m) == 0)
            continue;
        int used = 0;
        for (size_t t = 0; t < N_TEMPLATES && sh.n_jobs < MAX_JOBS; t++) {
            job *j = &sh.jobs[sh.n_jobs];
            j->tpl = tpls[t];
            j->member = m;
            j->channel = kl_contact_channel(kl_member_contact_at(m, 0));
            const char *why = NULL;
            if (write_letter(ctx, base, &sh, j, &j->text, &j->pdf, &j->pdf_len, &j->pages, &j->brf,
                             &j->brf_len, &why) == 0) {
                sh.n_jobs++;
                used = 1;
            } else {
                kl_free(j->text);
                kl_free(j->pdf);
                kl_free(j->brf);
                memset(j, 0, sizeof *j);
            }
        }
        members_used += (size_t)used;
    }
    /* The example has members in several scripts (Latin, Arabic); without enough of them the
     * test would prove little. */
    assert_true(members_used >= 4);
    assert_true(sh.n_jobs >= 8);
    /* Braille in several tables (UEB for m11, and each language liblouis has one for). */
    size_t brailled = 0;
    for (size_t k = 0; k < sh.n_jobs; k++)
        brailled += sh.jobs[k].brf != NULL;
    assert_true(brailled >= 6);

    worker ws[N_THREADS];
    memset(ws, 0, sizeof ws);
    for (unsigned i = 0; i < N_THREADS; i++) {
        ws[i].sh = &sh;
        ws[i].index = i;
        assert_int_equal(pthread_create(&ws[i].thread, NULL, worker_main, &ws[i]), 0);
    }
    size_t done = 0, mismatches = 0;
    for (unsigned i = 0; i < N_THREADS; i++) {
        pthread_join(ws[i].thread, NULL);
        if (ws[i].failure[0])
            print_error("%s\n", ws[i].failure);
        done += ws[i].done;
        mismatches += ws[i].mismatches;
    }
    print_message("%zu letters (%zu members) on %d threads\n", done, members_used, N_THREADS);
    assert_int_equal(mismatches, 0);
    assert_int_equal(done, (size_t)N_THREADS * ROUNDS * sh.n_jobs);

    for (size_t k = 0; k < sh.n_jobs; k++) {
        kl_free(sh.jobs[k].text);
        kl_free(sh.jobs[k].pdf);
        kl_free(sh.jobs[k].brf);
    }
    kl_pdf_renderer_free(base);
    kl_catalog_set_free(sh.cats);
    for (size_t t = 0; t < N_TEMPLATES; t++)
        kl_template_free(tpls[t]);
    kl_review_free(review);
    kl_context_free(ctx);
}

/* A batch on several worker threads writes the same files as a batch on one. */
static void test_batch_jobs_same_as_serial(void **state)
{
    (void)state;
    kl_context *ctx = NULL;
    kl_review *review = NULL;
    char *path = NULL;
    assert_int_equal(kl_context_new(&ctx), 0);
    assert_int_equal(kl_context_find_data(ctx, "templates/example/review.xml", &path), 0);
    assert_int_equal(kl_review_load_file(ctx, path, NULL, &review), 0);
    kl_free(path);

    char dir[] = "/tmp/kl-threads-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char out1[64], out4[64], cmd[256];
    snprintf(out1, sizeof out1, "%s/one", dir);
    snprintf(out4, sizeof out4, "%s/four", dir);
    kl_batch_result *res[2] = {NULL, NULL};
    for (int k = 0; k < 2; k++) {
        kl_batch_options o = KL_BATCH_OPTIONS_INIT;
        o.output_dir = k ? out4 : out1;
        o.jobs = k ? 4 : 1;
        o.date = "2026-10-09";
        o.creation_date = "2026-10-09T12:00:00Z";
        assert_int_equal(kl_batch_generate(ctx, review, &o, &res[k]), 0);
    }
    kl_batch_totals t1 = KL_BATCH_TOTALS_INIT, t4 = KL_BATCH_TOTALS_INIT;
    assert_int_equal(kl_batch_result_totals(res[0], &t1), 0);
    assert_int_equal(kl_batch_result_totals(res[1], &t4), 0);
    assert_true(t1.files >= 4);
    assert_int_equal(t1.files, t4.files);
    assert_int_equal(t1.pages, t4.pages);
    assert_int_equal(kl_batch_result_row_count(res[0]), kl_batch_result_row_count(res[1]));
    for (size_t i = 0; i < kl_batch_result_row_count(res[0]); i++) {
        const kl_batch_row *a = kl_batch_result_row(res[0], i), *b = kl_batch_result_row(res[1], i);
        assert_string_equal(a->member_id, b->member_id);
        assert_string_equal(a->file, b->file);
        assert_string_equal(a->sha256, b->sha256);
    }
    kl_batch_result_free(res[0]);
    kl_batch_result_free(res[1]);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    kl_review_free(review);
    kl_context_free(ctx);
}

/* A review keeps its members' texts and makes each member when first asked for it
 * (kl_review_member): threads asking for the same members at once each get the one member the
 * review made, with what a member asked for on one thread has (its place in the file too). */
typedef struct asker {
    const kl_review *review;
    unsigned index;
    const kl_member *got[MAX_JOBS];
    pthread_t thread;
} asker;

static void *ask_members(void *arg)
{
    asker *a = arg;
    size_t n = kl_review_member_count(a->review);
    for (size_t k = 0; k < n && k < MAX_JOBS; k++) {
        size_t i = (k * (a->index + 1) + a->index) % n; /* each thread in its own order */
        a->got[i] = kl_review_member(a->review, i);
    }
    return NULL;
}

static void assert_same_text(const char *a, const char *b)
{
    assert_int_equal(a == NULL, b == NULL);
    if (a)
        assert_string_equal(a, b);
}

static void test_members_made_once_across_threads(void **state)
{
    (void)state;
    kl_context *ctx = NULL;
    kl_review *alone = NULL, *shared_rv = NULL;
    char *path = NULL;
    assert_int_equal(kl_context_new(&ctx), 0);
    assert_int_equal(kl_context_find_data(ctx, "templates/example/review.xml", &path), 0);
    assert_int_equal(kl_review_load_file(ctx, path, NULL, &alone), 0);
    assert_int_equal(kl_review_load_file(ctx, path, NULL, &shared_rv), 0);
    char *file = strdup(path);
    assert_non_null(file);
    kl_free(path);
    size_t n = kl_review_member_count(shared_rv);
    assert_true(n >= 8 && n <= MAX_JOBS);
    asker as[N_THREADS];
    memset(as, 0, sizeof as);
    for (unsigned t = 0; t < N_THREADS; t++) {
        as[t].review = shared_rv;
        as[t].index = t;
        assert_int_equal(pthread_create(&as[t].thread, NULL, ask_members, &as[t]), 0);
    }
    for (unsigned t = 0; t < N_THREADS; t++)
        pthread_join(as[t].thread, NULL);
    size_t contacts = 0;
    for (size_t i = 0; i < n; i++) {
        const kl_member *m = as[0].got[i], *ref = kl_review_member(alone, i);
        assert_non_null(m);
        for (unsigned t = 1; t < N_THREADS; t++)
            assert_ptr_equal(as[t].got[i], m);
        assert_ptr_equal(kl_review_member(shared_rv, i), m); /* kept, not made again */
        assert_ptr_equal(kl_review_find_member(shared_rv, kl_member_id(m)), m);
        assert_int_equal(kl_review_member_ok(shared_rv, m), kl_review_member_ok(alone, ref));
        assert_same_text(kl_member_id(m), kl_member_id(ref));
        assert_same_text(kl_member_given(m), kl_member_given(ref));
        assert_same_text(kl_member_family(m), kl_member_family(ref));
        assert_same_text(kl_member_relationship(m), kl_member_relationship(ref));
        assert_same_text(kl_member_locale(m), kl_member_locale(ref));
        assert_same_text(kl_member_reason(m), kl_member_reason(ref));
        assert_int_equal(kl_member_line(m), kl_member_line(ref));
        assert_int_equal(kl_member_column(m), kl_member_column(ref));
        assert_int_equal(kl_member_contact_count(m), kl_member_contact_count(ref));
        for (size_t c = 0; c < kl_member_contact_count(m); c++, contacts++) {
            const kl_contact *x = kl_member_contact_at(m, c), *y = kl_member_contact_at(ref, c);
            assert_int_equal(kl_contact_channel(x), kl_contact_channel(y));
            assert_int_equal(kl_contact_line(x), kl_contact_line(y));
            assert_int_equal(kl_contact_column(x), kl_contact_column(y));
            assert_true(kl_contact_line(x) > kl_member_line(m)); /* the file's, not the text's */
            assert_same_text(kl_contact_email(x), kl_contact_email(y));
            assert_same_text(kl_contact_phone(x), kl_contact_phone(y));
            const kl_address *ax = kl_contact_address(x), *ay = kl_contact_address(y);
            assert_int_equal(kl_address_line_count(ax), kl_address_line_count(ay));
            for (size_t l = 0; l < kl_address_line_count(ax); l++)
                assert_same_text(kl_address_line(ax, l), kl_address_line(ay, l));
            assert_same_text(kl_address_postcode(ax), kl_address_postcode(ay));
        }
    }
    assert_true(contacts >= n);
    /* Where the file has them (not where the text a member is made from has them): each
     * member's first <contact> after its id, found in the file's own text. */
    FILE *f = fopen(file, "rb");
    assert_non_null(f);
    static char text[1 << 20];
    size_t len = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[len] = '\0';
    size_t checked = 0;
    for (size_t i = 0; i < n; i++) {
        const kl_member *m = as[0].got[i];
        char key[96];
        snprintf(key, sizeof key, "id=\"%s\"", kl_member_id(m));
        const char *at = strstr(text, key), *c = at ? strstr(at, "<contact") : NULL;
        if (!kl_member_contact_count(m) || !c)
            continue;
        unsigned line = 1, col = 1;
        for (const char *p = text; p < c; p++, col++)
            if (*p == '\n')
                line++, col = 0;
        assert_int_equal(kl_contact_line(kl_member_contact_at(m, 0)), line);
        assert_int_equal(kl_contact_column(kl_member_contact_at(m, 0)), col);
        checked++;
    }
    assert_true(checked >= 4);
    free(file);
    kl_review_free(shared_rv);
    kl_review_free(alone);
    kl_context_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads_share_loaded_data),
        cmocka_unit_test(test_batch_jobs_same_as_serial),
        cmocka_unit_test(test_members_made_once_across_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
