/* SPDX-License-Identifier: MIT */
/* tests/unit/alloc_test.c: every allocation along the letter path fails in turn, cleanly. */
#define _GNU_SOURCE /* dladdr */
#include "support.h"

#include <kinletter.h>

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* By default each distinct call site along a path is made to fail once (its first
 * allocation on the path): linear in the number of sites, so the walk is quick, under the
 * sanitizers too. KL_ALLOC_WALK=full makes every allocation fail in turn (quadratic: minutes),
 * and KL_ALLOC_STRIDE=k then only every k-th. */
#define DEFAULT_STRIDE 1
static bool full_walk(void)
{
    const char *s = getenv("KL_ALLOC_WALK");
    return s && strcmp(s, "full") == 0;
}
static unsigned long stride(void)
{
    const char *s = getenv("KL_ALLOC_STRIDE");
    unsigned long k = s ? strtoul(s, NULL, 10) : DEFAULT_STRIDE;
    return k ? k : 1;
}

/* Every distinct call site made to fail, over all walks. */
typedef struct walk walk;
static bool walked(const walk *w, unsigned long min);

static void *all_sites[8192];
static size_t n_all_sites;
static unsigned long all_points;

/* What one walk found: allocations made to fail, distinct call sites, wrong results. */
struct walk {
    const char *name;
    unsigned long points; /* allocations made to fail */
    unsigned long total;  /* allocations the path makes when none fails */
    void *sites[4096];
    size_t n_sites;
    unsigned long bad; /* a failure that did not give KL_ENOMEM with a message */
    unsigned long survived;
};

/* Did the walk make enough allocations fail: min of them (full walk), or at
 * least ten distinct sites, each once? */
static bool walked(const walk *w, unsigned long min)
{
    if (full_walk())
        return w->points * stride() > min;
    return w->n_sites >= 10 && w->points >= w->n_sites;
}

static void note_site(walk *w, void *site)
{
    all_points++;
    size_t k = 0;
    while (k < n_all_sites && all_sites[k] != site)
        k++;
    if (k == n_all_sites && n_all_sites < sizeof all_sites / sizeof all_sites[0])
        all_sites[n_all_sites++] = site;
    for (size_t i = 0; i < w->n_sites; i++)
        if (w->sites[i] == site)
            return;
    if (w->n_sites < sizeof w->sites / sizeof w->sites[0])
        w->sites[w->n_sites++] = site;
}

/* "file+0xoffset" of a code address, for addr2line. Static buffer. */
static const char *site_name(void *site)
{
    static char buf[300];
    Dl_info info;
    if (site && dladdr(site, &info) && info.dli_fname)
        snprintf(buf, sizeof buf, "%s+%#lx", info.dli_fname,
                 (unsigned long)((char *)site - (char *)info.dli_fbase));
    else
        snprintf(buf, sizeof buf, "%p", site);
    return buf;
}

/* The public call a path was in when it failed, for messages. */
static const char *step = "";
#define CALL(fn, ...) (step = #fn, fn(__VA_ARGS__))

/* One run of the path under test: 0 when it succeeded, else the code, with the message the
 * user would see in *msg (the context's last error unless the path says otherwise). */
typedef int (*path_fn)(kl_context *ctx, void *arg, const char **msg);

/* Fail allocation n, for n = 1, 1 + stride, ... until the path makes fewer allocations than
 * n. Each failing run must return KL_ENOMEM and set a last error that says so; the
 * sanitizer build (LeakSanitizer) checks that nothing is left allocated. */
static void run_walk(walk *w, path_fn fn, void *arg)
{
    kl_context *ctx = NULL;
    assert_int_equal(kl_context_new(&ctx), 0);
    kl_core__alloc_fail_at(0, false);
    const char *msg = NULL;
    assert_int_equal(fn(ctx, arg, &msg), 0);
    w->total = kl_core__alloc_count();
    assert_true(w->total > 0);
    /* Which allocations to fail: every stride-th (full walk), or the first of each site. */
    unsigned long *points = calloc(w->total + 1, sizeof *points);
    size_t n_points = 0;
    assert_non_null(points);
    if (full_walk()) {
        for (unsigned long n = 1; n <= w->total; n += stride())
            points[n_points++] = n;
    } else {
        void **trace = calloc(w->total, sizeof *trace);
        assert_non_null(trace);
        kl_core__alloc_trace(trace, w->total);
        kl_core__alloc_fail_at(0, false);
        assert_int_equal(fn(ctx, arg, &msg), 0);
        kl_core__alloc_trace(NULL, 0);
        for (unsigned long n = 1; n <= w->total; n++) {
            bool seen = false;
            for (unsigned long k = 0; k + 1 < n && !seen; k++)
                seen = trace[k] == trace[n - 1];
            if (!seen)
                points[n_points++] = n;
        }
        free(trace);
    }
    for (size_t i = 0; i < n_points; i++) {
        unsigned long n = points[i];
        kl_context_clear_error(ctx);
        kl_core__alloc_fail_at(n, false);
        msg = NULL;
        int rc = fn(ctx, arg, &msg);
        unsigned long made = kl_core__alloc_count();
        void *site = kl_core__alloc_failed_site();
        kl_core__alloc_fail_at(0, false);
        if (made < n)
            break; /* allocation n never happened: the path has been walked */
        w->points++;
        note_site(w, site);
        if (rc == 0) {
            /* The path may recover (an optional cache); fn checked the result is unchanged. */
            if (w->survived++ < 5)
                print_message("%s: recovered from allocation %lu (%s)\n", w->name, n,
                              site_name(site));
            continue;
        }
        const kl_diagnostic *d = kl_context_last_error(ctx);
        if (!msg && d && d->code == rc)
            msg = d->message;
        if (rc != KL_ENOMEM || !msg || !strstr(msg, "memory")) {
            if (w->bad++ < 10)
                print_error("%s: allocation %lu of %lu (%s) failed: %s gave %d (%s), message: "
                            "%s\n",
                            w->name, n, w->total, site_name(site), step, rc, kl_strerror(rc),
                            msg ? msg : "(none)");
        }
    }
    free(points);
    kl_context_free(ctx);
    print_message("%s: %lu allocations, %lu made to fail (%s), %zu call sites, %lu "
                  "recovered, %lu wrong results\n",
                  w->name, w->total, w->points, full_walk() ? "every one" : "each site once",
                  w->n_sites, w->survived, w->bad);
}

/* ---- loading ------------------------------------------------------------ */

static int load_all(kl_context *ctx, void *arg, const char **msg)
{
    (void)arg;
    (void)msg;
    char *path = NULL;
    kl_review *review = NULL;
    kl_template *tpl = NULL;
    kl_catalog_set *cats = NULL;
    kl_pdf_renderer *r = NULL;
    int rc = CALL(kl_context_find_data, ctx, "templates/example/review.xml", &path);
    if (!rc)
        rc = CALL(kl_review_load_file, ctx, path, NULL, &review);
    if (!rc && kl_review_member_count(review) < 5)
        rc = KL_EFORMAT; /* a load that "succeeds" with members missing is a bug */
    if (!rc)
        rc = CALL(kl_template_load_name, ctx, "notification", &tpl);
    if (!rc)
        rc = CALL(kl_catalog_set_open, ctx, NULL, &cats);
    if (!rc)
        rc = CALL(kl_pdf_renderer_new, ctx, NULL, &r);
    kl_pdf_renderer_free(r);
    kl_catalog_set_free(cats);
    kl_template_free(tpl);
    kl_review_free(review);
    kl_free(path);
    return rc;
}

static void test_alloc_fail_load(void **state)
{
    (void)state;
    static walk w = {.name = "load (review, template, catalogs, fonts)"};
    run_walk(&w, load_all, NULL);
    assert_true(walked(&w, 100));
    assert_int_equal(w.bad, 0);
}

/* The context itself. */
static void test_alloc_fail_context(void **state)
{
    (void)state;
    for (unsigned long n = 1; n < 10; n++) {
        kl_context *ctx = (kl_context *)1;
        kl_core__alloc_fail_at(n, false);
        int rc = kl_context_new(&ctx);
        unsigned long made = kl_core__alloc_count();
        kl_core__alloc_fail_at(0, false);
        if (made < n) {
            assert_int_equal(rc, 0);
            kl_context_free(ctx);
            return;
        }
        assert_int_equal(rc, KL_ENOMEM);
        assert_null(ctx);
    }
    fail_msg("kl_context_new made 10 or more allocations");
}

/* ---- the translators' exchange files ------------------------------------ */

/* Every exchange format exported from a small catalog, and each (TMX aside) checked for
 * import (a dry run: nothing written). */
static int exchange_all(kl_context *ctx, void *arg, const char **msg)
{
    (void)msg;
    const char *dir = arg;
    kl_catalog_sources *s = NULL;
    int rc = CALL(kl_catalog_sources_open, ctx, dir, &s);
    static const kl_exchange_format fmts[] = {KL_EXCHANGE_XLIFF20, KL_EXCHANGE_XLIFF12,
                                              KL_EXCHANGE_PO, KL_EXCHANGE_TMX};
    for (size_t i = 0; !rc && i < sizeof fmts / sizeof *fmts; i++) {
        char *out = NULL;
        rc = CALL(kl_catalog_export, ctx, s, "de", fmts[i], &out, NULL);
        if (!rc && fmts[i] != KL_EXCHANGE_TMX) {
            char path[1024];
            snprintf(path, sizeof path, "%s/de.exchange", dir);
            FILE *f = fopen(path, "wb");
            if (!f || fputs(out, f) < 0 || fclose(f) != 0)
                rc = KL_EIO;
            if (!rc)
                rc = CALL(kl_catalog_import, ctx, s, path, 1, NULL);
        }
        kl_free(out);
    }
    kl_catalog_sources_free(s);
    return rc;
}

static void test_alloc_fail_exchange(void **state)
{
    (void)state;
    static char dir[] = "/tmp/kl-alloc-exchange-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[1200];
    snprintf(path, sizeof path, "%s", kl_test_src("tests/data/catalog/en_GB.txt"));
    FILE *in = fopen(path, "rb");
    snprintf(path, sizeof path, "%s/en_GB.txt", dir);
    FILE *out = fopen(path, "wb");
    assert_non_null(in);
    assert_non_null(out);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(in);
    fclose(out);
    snprintf(path, sizeof path, "%s/de.txt", dir);
    out = fopen(path, "wb");
    assert_non_null(out);
    fputs("de {\n    meta {\n        status { \"draft\" }\n    }\n    standard {\n"
          "        \"t.title\" { \"Über {childName}\" }\n"
          "        \"t.choice\" { \"{childGender, select, female {Ihre Tochter} male {Ihr Sohn} "
          "other {Ihr Kind}}\" }\n    }\n}\n",
          out);
    fclose(out);
    static walk w = {.name = "exchange (XLIFF 2.0 and 1.2, PO, TMX; import)"};
    run_walk(&w, exchange_all, dir);
    assert_true(walked(&w, 40));
    assert_int_equal(w.bad, 0);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* ---- one member's letter ------------------------------------------------ */

typedef struct letter_path {
    kl_review *review;
    kl_template *tpl;
    kl_catalog_set *cats;
    const kl_member *member;
    kl_channel channel;
    const kl_pdf_renderer *base; /* fonts loaded once; each run gets a sibling with empty caches */
    char *ref_text;              /* the outputs of the run without failures */
    unsigned char *ref_pdf;
    size_t ref_len;
} letter_path;

static int write_letter(kl_context *ctx, void *arg, const char **msg)
{
    letter_path *p = arg;
    kl_pdf_renderer *r = NULL;
    kl_letter *letter = NULL;
    char *text = NULL, *subject = NULL, *body = NULL, *sms = NULL;
    unsigned char *pdf = NULL;
    size_t len = 0;
    unsigned pages = 0;
    kl_letter_options lo = KL_LETTER_OPTIONS_INIT;
    lo.date = "2026-10-09";
    kl_pdf_options po = KL_PDF_OPTIONS_INIT;
    po.creation_date = "2026-10-09T12:00:00Z";
    /* kl_pdf_renderer_new_sibling has no context: its code is all the caller gets. */
    int rc = CALL(kl_pdf_renderer_new_sibling, p->base, &r);
    if (rc)
        *msg = kl_strerror(rc);
    if (!rc)
        rc = CALL(kl_letter_compose, ctx, p->tpl, p->cats, p->review, p->member, p->channel, &lo,
                  &letter);
    if (!rc)
        rc = CALL(kl_letter_render_text, ctx, letter, &text);
    if (!rc && p->channel == KL_CHANNEL_EMAIL)
        rc = CALL(kl_letter_render_email, ctx, letter, &subject, &body);
    if (!rc && p->channel == KL_CHANNEL_SMS)
        rc = CALL(kl_letter_render_sms, ctx, letter, &sms, NULL);
    if (!rc && p->channel != KL_CHANNEL_SMS)
        rc = CALL(kl_letter_render_pdf, ctx, r, letter, &po, &pdf, &len, &pages);
    if (!rc && !p->ref_text) {
        /* The run without failures: every later run that succeeds must give the same. */
        assert_true(strlen(text) > (p->channel == KL_CHANNEL_SMS ? 40 : 400));
        assert_true(p->channel == KL_CHANNEL_SMS || (pages >= 1 && memcmp(pdf, "%PDF-", 5) == 0));
        p->ref_text = text;
        p->ref_pdf = pdf;
        p->ref_len = len;
        text = NULL;
        pdf = NULL;
    } else if (!rc && (strcmp(text, p->ref_text) != 0 || len != p->ref_len ||
                       (len && memcmp(pdf, p->ref_pdf, len) != 0))) {
        /* A failure that was swallowed and changed the letter. */
        *msg = "succeeded, but the letter differs from the one written without failures";
        rc = KL_EFORMAT;
    }
    kl_free(pdf);
    kl_free(sms);
    kl_free(subject);
    kl_free(body);
    kl_free(text);
    kl_letter_free(letter);
    kl_pdf_renderer_free(r);
    return rc;
}

static void walk_member(const char *id, kl_channel channel, const char *name, unsigned long min)
{
    kl_context *ctx = NULL;
    letter_path p = {0};
    char *path = NULL;
    assert_int_equal(kl_context_new(&ctx), 0);
    assert_int_equal(kl_context_find_data(ctx, "templates/example/review.xml", &path), 0);
    assert_int_equal(kl_review_load_file(ctx, path, NULL, &p.review), 0);
    assert_int_equal(kl_template_load_name(ctx, "notification", &p.tpl), 0);
    assert_int_equal(kl_catalog_set_open(ctx, NULL, &p.cats), 0);
    p.member = kl_review_find_member(p.review, id);
    assert_non_null(p.member);
    p.channel = channel;
    kl_pdf_renderer *base = NULL;
    assert_int_equal(kl_pdf_renderer_new(ctx, NULL, &base), 0);
    p.base = base;
    walk *w = kl_core__calloc(1, sizeof *w);
    assert_non_null(w);
    w->name = name;
    run_walk(w, write_letter, &p);
    assert_true(walked(w, min));
    assert_int_equal(w->bad, 0);
    kl_free(w);
    kl_free(p.ref_text);
    kl_free(p.ref_pdf);
    kl_pdf_renderer_free(base);
    kl_catalog_set_free(p.cats);
    kl_template_free(p.tpl);
    kl_review_free(p.review);
    kl_free(path);
    kl_context_free(ctx);
}

static void test_alloc_fail_letter_post_pl(void **state)
{
    (void)state;
    walk_member("m01", KL_CHANNEL_POST, "letter m01 (Polish, post: compose, text, PDF)", 1000);
}

static void test_alloc_fail_letter_post_ar(void **state)
{
    (void)state;
    walk_member("m06", KL_CHANNEL_POST, "letter m06 (Arabic, post: compose, text, PDF)", 1000);
}

static void test_alloc_fail_letter_email_sms(void **state)
{
    (void)state;
    walk_member("m03", KL_CHANNEL_EMAIL, "letter m03 (English, email: text, email, PDF)", 1000);
    walk_member("m03", KL_CHANNEL_SMS, "letter m03 (English, text message)", 10);
}

/* ---- a batch ------------------------------------------------------------ */

typedef struct batch_path {
    kl_review *review;
    char dir[64];
    char ref[1024];   /* "file sha256;" of every row of the run without failures */
    char *ref_record; /* and its record.csv */
} batch_path;

/* 1 if a temporary file (".name.xxxxxx.tmp") is left anywhere under dir. */
static int stray_files(const char *dir)
{
    char cmd[256];
    /* Hidden files but the batch's lock and manifest (which stay). */
    snprintf(cmd, sizeof cmd,
             "find '%s' -type f -name '.*' ! -name .kinletter.lock ! -name .kinletter-manifest | "
             "grep -q .",
             dir);
    return system(cmd) == 0;
}

/* The batch's record.csv (malloc'd), or NULL. */
static char *read_record(const kl_batch_result *res)
{
    char path[512];
    snprintf(path, sizeof path, "%s/record.csv", kl_batch_result_dir(res));
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = calloc(1, 65536);
    size_t n = buf ? fread(buf, 1, 65535, f) : 0;
    fclose(f);
    if (buf && n == 0) {
        free(buf);
        buf = NULL;
    }
    return buf;
}

static int run_batch(kl_context *ctx, void *arg, const char **msg)
{
    batch_path *p = arg;
    const char *members[] = {"m03"};
    kl_batch_options o = KL_BATCH_OPTIONS_INIT;
    o.members = members;
    o.n_members = 1;
    o.output_dir = p->dir;
    o.jobs = 1;
    o.force = 1;
    o.date = "2026-10-09";
    o.creation_date = "2026-10-09T12:00:00Z";
    kl_batch_result *res = NULL;
    int rc = CALL(kl_batch_generate, ctx, p->review, &o, &res);
    /* The rows are made when first asked for: out of memory then is NULL, and the next call
     * (the one allocation that failed now past) makes them. */
    if (!rc && kl_batch_result_row_count(res) && !CALL(kl_batch_result_row, res, 0)) {
        assert_non_null(kl_batch_result_row(res, kl_batch_result_row_count(res) - 1));
        *msg = "kl_batch_result_row: out of memory";
        rc = KL_ENOMEM;
    }
    if (!rc) {
        /* The batch ran: the member is written, or failed with a reason in the record. */
        kl_batch_totals t = KL_BATCH_TOTALS_INIT;
        kl_batch_result_totals(res, &t);
        if (t.members_failed) {
            /* The record's reason is what the user sees. */
            for (size_t i = 0; i < kl_batch_result_row_count(res); i++) {
                const kl_batch_row *row = kl_batch_result_row(res, i);
                if (row->status == KL_BATCH_FAILED && (!*msg || strstr(row->reason, "memory"))) {
                    static char why[512];
                    snprintf(why, sizeof why, "%s", row->reason);
                    *msg = why;
                }
            }
            rc = *msg && strstr(*msg, "memory") ? KL_ENOMEM : KL_EDATA;
        } else if (t.members_written != 1 || t.files != 4) {
            rc = KL_EFORMAT;
        } else {
            char got[sizeof p->ref] = "";
            for (size_t i = 0; i < kl_batch_result_row_count(res); i++) {
                const kl_batch_row *row = kl_batch_result_row(res, i);
                size_t n = strlen(got);
                snprintf(got + n, sizeof got - n, "%s %s;", row->file, row->sha256);
            }
            char *record = read_record(res);
            if (!p->ref[0]) {
                memcpy(p->ref, got, sizeof got);
                assert_non_null(record);
                p->ref_record = record;
                record = NULL;
            } else if (strcmp(got, p->ref) != 0) {
                *msg = "succeeded, but wrote files that differ from the run without failures";
                rc = KL_EFORMAT;
            } else if (!record || strcmp(record, p->ref_record) != 0) {
                *msg = "succeeded, but record.csv differs from the run without failures";
                rc = KL_EFORMAT;
            }
            free(record);
        }
    }
    kl_batch_result_free(res);
    if (stray_files(p->dir)) {
        *msg = "left a temporary file in the batch directory";
        rc = KL_EEXISTS;
    }
    return rc;
}

static void test_alloc_fail_batch(void **state)
{
    (void)state;
    kl_context *ctx = NULL;
    batch_path p = {0};
    char *path = NULL;
    assert_int_equal(kl_context_new(&ctx), 0);
    assert_int_equal(kl_context_find_data(ctx, "templates/example/review.xml", &path), 0);
    assert_int_equal(kl_review_load_file(ctx, path, NULL, &p.review), 0);
    /* On tmpfs when there is one: every file is synced, and each run writes four. */
    struct stat st;
    strcpy(p.dir, stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm/kl-alloc-XXXXXX"
                                                                    : "/tmp/kl-alloc-XXXXXX");
    assert_non_null(mkdtemp(p.dir));
    walk *w = kl_core__calloc(1, sizeof *w);
    assert_non_null(w);
    w->name = "batch (one member: email and sms, record)";
    run_walk(w, run_batch, &p);
    assert_true(walked(w, 1000));
    assert_int_equal(w->bad, 0);
    kl_free(w);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", p.dir);
    assert_int_equal(system(cmd), 0);
    free(p.ref_record);
    kl_review_free(p.review);
    kl_free(path);
    kl_context_free(ctx);
}

static void test_alloc_report(void **state)
{
    (void)state;
    print_message("all walks: %lu allocations made to fail, %zu distinct call sites (return "
                  "addresses of kl_core__malloc and friends; buffer growth counts once)\n",
                  all_points, n_all_sites);
    /* A full walk sampling every 5th allocation still reaches most sites. */
    assert_true(n_all_sites > (stride() == 1 ? 120 : 60));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc_fail_context),
        cmocka_unit_test(test_alloc_fail_load),
        cmocka_unit_test(test_alloc_fail_exchange),
        cmocka_unit_test(test_alloc_fail_letter_post_pl),
        cmocka_unit_test(test_alloc_fail_letter_post_ar),
        cmocka_unit_test(test_alloc_fail_letter_email_sms),
        cmocka_unit_test(test_alloc_fail_batch),
        cmocka_unit_test(test_alloc_report),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
