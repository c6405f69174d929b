/* SPDX-License-Identifier: MIT */
/* tests/unit/batch_test.c: private atomic output files and the batch record. */
#include "support.h"
#include "batch/batch_internal.h"
#include "kinletter/batch.h"
#include "kinletter/letter.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static char *make_tmpdir(void)
{
    char *d = strdup("/tmp/klbatch-XXXXXX");
    assert_non_null(mkdtemp(d));
    return d;
}

static size_t count_entries(int dirfd)
{
    int fd = dup(dirfd);
    DIR *d = fdopendir(fd);
    rewinddir(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

static void read_back(int dirfd, const char *name, char *buf, size_t cap)
{
    int fd = openat(dirfd, name, O_RDONLY);
    assert_true(fd >= 0);
    ssize_t n = read(fd, buf, cap - 1);
    assert_true(n >= 0);
    buf[n] = '\0';
    close(fd);
}

static void files_are_private_and_never_silently_replaced(void **state)
{
    (void)state;
    kl_test_diags diags;
    kl_context *ctx = kl_test_context(&diags);
    char *base = make_tmpdir();
    const char *sub[] = {"NSCP-2026-017", "notification"};
    mode_t old = umask(0);
    int dfd = kl_core__open_dir(ctx, base, sub, 2);
    umask(old);
    assert_true(dfd >= 0);
    struct stat st;
    assert_int_equal(fstat(dfd, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);

    assert_int_equal(
        kl_core__write_file(ctx, dfd, "m01-post.pdf", "m01-post.pdf", "first", 5, false), 0);
    assert_int_equal(fstatat(dfd, "m01-post.pdf", &st, 0), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_true(kl_core__dir_has_files(dfd));

    int rc = kl_core__write_file(ctx, dfd, "m01-post.pdf", "out/m01-post.pdf", "second", 6, false);
    assert_int_equal(rc, KL_EEXISTS);
    /* The library names no command-line flag; the CLI adds its own hint. */
    assert_null(strstr(kl_context_last_error(ctx)->hint, "--"));
    char buf[64];
    read_back(dfd, "m01-post.pdf", buf, sizeof buf);
    assert_string_equal(buf, "first");
    assert_int_equal(count_entries(dfd), 1); /* no temporary file left behind */

    assert_int_equal(
        kl_core__write_file(ctx, dfd, "m01-post.pdf", "m01-post.pdf", "second", 6, true), 0);
    read_back(dfd, "m01-post.pdf", buf, sizeof buf);
    assert_string_equal(buf, "second");
    close(dfd);
    kl_context_free(ctx);
    free(base);
}

static void symlinked_output_directory_is_refused(void **state)
{
    (void)state;
    kl_test_diags diags;
    kl_context *ctx = kl_test_context(&diags);
    char *base = make_tmpdir();
    char *elsewhere = make_tmpdir();
    char link[4200];
    snprintf(link, sizeof link, "%s/NSCP-1", base);
    assert_int_equal(symlink(elsewhere, link), 0);
    const char *sub[] = {"NSCP-1", "notification"};
    int rc = kl_core__open_dir(ctx, base, sub, 2);
    assert_int_equal(rc, KL_EIO);
    assert_non_null(strstr(kl_context_last_error(ctx)->hint, "symbolic link"));
    /* Nothing was created in the link's target. */
    int efd = open(elsewhere, O_RDONLY | O_DIRECTORY);
    assert_int_equal(count_entries(efd), 0);
    close(efd);
    const char *bad[] = {".."};
    assert_int_equal(kl_core__open_dir(ctx, base, bad, 1), KL_EINVAL);
    kl_context_free(ctx);
    free(base);
    free(elsewhere);
}

static void failed_write_leaves_nothing(void **state)
{
    (void)state;
    kl_test_diags diags;
    kl_context *ctx = kl_test_context(&diags);
    char *base = make_tmpdir();
    int dfd = kl_core__open_dir(ctx, base, NULL, 0);
    assert_true(dfd >= 0);
    /* A file-size limit makes write() fail part-way, as a full disk would. */
    struct rlimit old, lim = {4096, 4096};
    getrlimit(RLIMIT_FSIZE, &old);
    lim.rlim_max = old.rlim_max;
    signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    static char big[100000];
    memset(big, 'x', sizeof big);
    int rc = kl_core__write_file(ctx, dfd, "m02-post.pdf", "m02-post.pdf", big, sizeof big, false);
    setrlimit(RLIMIT_FSIZE, &old);
    assert_int_equal(rc, KL_EIO);
    assert_non_null(strstr(kl_context_last_error(ctx)->message, "cannot write"));
    assert_int_equal(count_entries(dfd), 0);
    close(dfd);
    kl_context_free(ctx);
    free(base);
}

static void record_cells_are_quoted_and_neutralised(void **state)
{
    (void)state;
    kl_buf b = KL_BUF_INIT;
    const char *row[] = {"m01", "Nowak, Zofia", "say \"hi\"", "=HYPERLINK(\"x\")",
                         "+44", "@x",           "-1",         "two\nlines",
                         ""};
    assert_int_equal(kl_batch__csv_row(&b, row, 9), 0);
    assert_string_equal(b.data,
                        "m01,\"Nowak, Zofia\",\"say \"\"hi\"\"\",\"'=HYPERLINK(\"\"x\"\")\","
                        "\"'+44\",\"'@x\",\"'-1\",\"two\nlines\",\r\n");
    kl_core__buf_free(&b);
}

static void sha256_matches_known_vectors(void **state)
{
    (void)state;
    char hex[65];
    kl_core__sha256_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    kl_core__sha256_hex("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

/* ---- kl_batch_generate ----------------------------------------------------------------- */

typedef struct progress_log {
    size_t n;
    size_t done[32], total[32];
    char ids[32][16];
    size_t phases[KL_BATCH_PHASE_RECORD + 1]; /* calls per phase */
    int order_ok;                             /* 0 once a phase came out of order */
    int last_phase;    /* the last one-off phase seen (loading, print pack, record) */
    int stop_after;    /* > 0: stop when this many members are done */
    int stop_at_phase; /* >= 0: stop at the first call of this phase */
} progress_log;

static int log_progress(const kl_batch_progress *pr, void *userdata)
{
    progress_log *p = userdata;
    assert_true(pr->size >= sizeof *pr);
    p->phases[pr->phase]++;
    /* Loading first; members' phases between; print pack then record last. */
    if (pr->phase == KL_BATCH_PHASE_LOADING || pr->phase == KL_BATCH_PHASE_PRINT_PACK ||
        pr->phase == KL_BATCH_PHASE_RECORD) {
        if ((int)pr->phase < p->last_phase)
            p->order_ok = 0;
        p->last_phase = (int)pr->phase;
    } else if (p->last_phase != KL_BATCH_PHASE_LOADING) {
        p->order_ok = 0;
    }
    if (pr->phase == KL_BATCH_PHASE_RENDERING)
        assert_non_null(pr->channel);
    if (pr->phase == KL_BATCH_PHASE_MEMBER_DONE && p->n < 32) {
        p->done[p->n] = pr->done;
        p->total[p->n] = pr->total;
        snprintf(p->ids[p->n], sizeof p->ids[p->n], "%s", pr->member_id);
        p->n++;
    }
    if (p->stop_at_phase >= 0 && (int)pr->phase == p->stop_at_phase)
        return 1;
    return p->stop_after > 0 && pr->phase == KL_BATCH_PHASE_MEMBER_DONE &&
           pr->done >= (size_t)p->stop_after;
}

static kl_review *load_family(kl_context *ctx)
{
    kl_review *rv = NULL;
    assert_int_equal(
        kl_review_load_file(ctx, kl_test_src("tests/data/generate/review.xml"), NULL, &rv), 0);
    return rv;
}

static const kl_batch_row *find_row(const kl_batch_result *res, const char *id, const char *file)
{
    for (size_t i = 0; i < kl_batch_result_row_count(res); i++) {
        const kl_batch_row *r = kl_batch_result_row(res, i);
        if (strcmp(r->member_id, id) == 0 && (!file || strcmp(r->file, file) == 0))
            return r;
    }
    return NULL;
}

static void read_file_at(const char *dir, const char *name, char *buf, size_t cap)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(buf, 1, cap - 1, f);
    buf[n] = '\0';
    fclose(f);
}

static void generate_writes_every_member_in_order(void **state)
{
    (void)state;
    kl_test_diags diags;
    kl_context *ctx = kl_test_context(&diags);
    kl_review *rv = load_family(ctx);
    diags.n = 0;
    char *base = make_tmpdir();
    progress_log plog = {0};
    plog.order_ok = 1;
    plog.last_phase = -1;
    plog.stop_at_phase = -1;
    kl_batch_options o = KL_BATCH_OPTIONS_INIT;
    o.output_dir = base;
    o.jobs = 4;
    o.date = "2026-10-09";
    o.progress = log_progress;
    o.progress_userdata = &plog;
    kl_batch_result *res = NULL;
    assert_int_equal(kl_batch_generate(ctx, rv, &o, &res), 0);
    assert_non_null(res);

    /* Progress: once per member, in member order, whatever the threads did. */
    static const char *const ids[] = {"g01", "g02", "g03", "g04", "g05", "g06", "g07"};
    assert_int_equal(plog.n, 7);
    for (size_t i = 0; i < 7; i++) {
        assert_int_equal(plog.done[i], i + 1);
        assert_int_equal(plog.total[i], 7);
        assert_string_equal(plog.ids[i], ids[i]);
    }
    /* Phases: loading once first, each member composed, rendered and written
     * (the 4 whose letters are written), the print pack, then the record. */
    assert_true(plog.order_ok);
    assert_int_equal(plog.phases[KL_BATCH_PHASE_LOADING], 1);
    assert_true(plog.phases[KL_BATCH_PHASE_COMPOSING] >= 4);
    assert_true(plog.phases[KL_BATCH_PHASE_RENDERING] >= plog.phases[KL_BATCH_PHASE_WRITING]);
    assert_int_equal(plog.phases[KL_BATCH_PHASE_WRITING], 4);
    assert_int_equal(plog.phases[KL_BATCH_PHASE_MEMBER_DONE], 7);
    assert_int_equal(plog.phases[KL_BATCH_PHASE_PRINT_PACK], 1);
    assert_int_equal(plog.phases[KL_BATCH_PHASE_RECORD], 1);
    assert_int_equal(plog.last_phase, KL_BATCH_PHASE_RECORD);
    /* Diagnostics arrive in member order too: g05's before g06's. */
    int d5 = kl_test_find_diag(&diags, "line 6"), d6 = kl_test_find_diag(&diags, "'de'");
    assert_true(d5 >= 0 && d6 > d5);

    kl_batch_totals t = KL_BATCH_TOTALS_INIT;
    assert_int_equal(kl_batch_result_totals(res, &t), 0);
    assert_int_equal(t.members, 7);
    assert_int_equal(t.members_written, 4);
    assert_int_equal(t.members_failed, 2);
    assert_int_equal(t.not_contacted, 1);
    assert_int_equal(t.files, 8); /* g03: email .pdf, .txt and .eml */
    const kl_batch_row *r = find_row(res, "g02", "g02-cover.pdf");
    assert_non_null(r);
    assert_int_equal(r->status, KL_BATCH_WRITTEN);
    assert_int_equal(r->pages, 1);
    assert_string_equal(r->channel, "via-professional");
    r = find_row(res, "g06", NULL);
    assert_int_equal(r->status, KL_BATCH_FAILED);
    assert_string_equal(r->translation_status, "missing");
    assert_non_null(strstr(r->reason, "no catalog for language 'de'"));
    r = find_row(res, "g04", NULL);
    assert_int_equal(r->status, KL_BATCH_NOT_CONTACTED);
    assert_string_equal(r->reason, "Police advice while an investigation is open");
    assert_string_equal(kl_batch_status_name(r->status), "not-contacted");
    /* Rows are in member order. */
    for (size_t i = 1; i < kl_batch_result_row_count(res); i++)
        assert_true(strcmp(kl_batch_result_row(res, i - 1)->member_id,
                           kl_batch_result_row(res, i)->member_id) <= 0);
    /* The record and the print pack (g01 and g07 by post) are there. */
    const char *dir = kl_batch_result_dir(res);
    assert_non_null(strstr(dir, "/GEN-2026-042/notification"));
    char rec[8192];
    read_file_at(dir, "record.csv", rec, sizeof rec);
    assert_non_null(strstr(rec, "\r\ng04,Carl Dobbs,stepfather,,,,,,,,,not-contacted,"));
    assert_null(strstr(rec, "Hollow Lane"));
    assert_true(t.print_pack_pages >= 2);
    struct stat st;
    char path[4200];
    snprintf(path, sizeof path, "%s/print-pack.pdf", dir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    /* A second run without force changes nothing and says so. */
    kl_batch_result *again = NULL;
    assert_int_equal(kl_batch_generate(ctx, rv, &o, &again), KL_EEXISTS);
    assert_null(again);
    assert_non_null(strstr(kl_context_last_error(ctx)->message, "already holds files"));
    char rec2[8192];
    read_file_at(dir, "record.csv", rec2, sizeof rec2);
    assert_string_equal(rec, rec2);

    kl_batch_result_free(res);
    kl_review_free(rv);
    kl_context_free(ctx);
    free(base);
}

/* The progress callback stops a batch: nothing more is started, the record
 * is complete, no print pack, KL_EINTR; stopping while loading writes no letter. */
static void progress_callback_stops_the_batch(void **state)
{
    (void)state;
    kl_test_diags diags;
    kl_context *ctx = kl_test_context(&diags);
    kl_review *rv = load_family(ctx);
    char *base = make_tmpdir();
    progress_log plog = {0};
    plog.order_ok = 1;
    plog.last_phase = -1;
    plog.stop_at_phase = -1;
    plog.stop_after = 2;
    kl_batch_options o = KL_BATCH_OPTIONS_INIT;
    o.output_dir = base;
    o.jobs = 1;
    o.date = "2026-10-09";
    o.progress = log_progress;
    o.progress_userdata = &plog;
    kl_batch_result *res = NULL;
    assert_int_equal(kl_batch_generate(ctx, rv, &o, &res), KL_EINTR);
    assert_non_null(res);
    assert_non_null(strstr(kl_context_last_error(ctx)->message, "2 of 7 members"));
    assert_int_equal(plog.n, 2); /* no member after the stop */
    assert_int_equal(plog.phases[KL_BATCH_PHASE_PRINT_PACK], 0);
    assert_int_equal(plog.phases[KL_BATCH_PHASE_RECORD], 1);
    const char *dir = kl_batch_result_dir(res);
    char rec[8192], path[4200];
    read_file_at(dir, "record.csv", rec, sizeof rec);
    assert_non_null(strstr(rec, "\r\ng07,")); /* every member has its row */
    assert_non_null(strstr(rec, "interrupted"));
    struct stat st;
    snprintf(path, sizeof path, "%s/print-pack.pdf", dir);
    assert_int_not_equal(stat(path, &st), 0);
    kl_batch_totals stopped = KL_BATCH_TOTALS_INIT;
    assert_int_equal(kl_batch_result_totals(res, &stopped), 0);
    assert_int_equal(stopped.members_written, 2); /* g01 and g02; g03 on were not started */
    assert_int_equal(stopped.print_packs, 0);
    kl_batch_result_free(res);

    /* Stopped while loading: no member's letter is made. */
    memset(&plog, 0, sizeof plog);
    plog.order_ok = 1;
    plog.last_phase = -1;
    plog.stop_at_phase = KL_BATCH_PHASE_LOADING;
    o.force = 1;
    res = NULL;
    assert_int_equal(kl_batch_generate(ctx, rv, &o, &res), KL_EINTR);
    assert_int_equal(plog.phases[KL_BATCH_PHASE_COMPOSING], 0);
    assert_int_equal(plog.phases[KL_BATCH_PHASE_MEMBER_DONE], 0);
    kl_batch_totals t = KL_BATCH_TOTALS_INIT;
    assert_int_equal(kl_batch_result_totals(res, &t), 0);
    assert_int_equal(t.files, 0);
    kl_batch_result_free(res);
    kl_review_free(rv);
    kl_context_free(ctx);
    free(base);
}

/* kl_batch_generate_to(): every file a run writes is handed over in memory
 * instead, the record last, and nothing is made on disk. */
typedef struct mem_outputs {
    size_t n;
    char names[48][100], kinds[48][16];
    int pdfs_ok, record_last, member_ids_ok;
} mem_outputs;

static int take_output(const kl_batch_output *o, void *userdata)
{
    mem_outputs *m = userdata;
    assert_true(o->size >= sizeof *o);
    m->record_last = strcmp(o->name, "record.csv") == 0;
    if (strstr(o->name, ".pdf") && (o->len < 5 || memcmp(o->data, "%PDF-", 5) != 0))
        m->pdfs_ok = 0;
    /* A member's file starts with its member id; the pack and record have none. */
    if (o->member_id ? strncmp(o->name, o->member_id, strlen(o->member_id)) != 0
                     : strcmp(o->kind, "print-pack") != 0 && strcmp(o->kind, "record") != 0)
        m->member_ids_ok = 0;
    if (m->n < 48) {
        snprintf(m->names[m->n], sizeof m->names[0], "%s", o->name);
        snprintf(m->kinds[m->n], sizeof m->kinds[0], "%s", o->kind);
        m->n++;
    }
    return 0;
}

static int handed_over(const mem_outputs *m, const char *name, const char *kind)
{
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->names[i], name) == 0)
            return !kind || strcmp(m->kinds[i], kind) == 0;
    return 0;
}

static void generate_to_memory_writes_nothing(void **state)
{
    (void)state;
    kl_test_diags diags;
    kl_context *ctx = kl_test_context(&diags);
    kl_review *rv = load_family(ctx);
    char *base = make_tmpdir();
    kl_batch_options o = KL_BATCH_OPTIONS_INIT;
    o.output_dir = base;
    o.jobs = 2;
    o.date = "2026-10-09";
    mem_outputs m = {0};
    m.pdfs_ok = m.member_ids_ok = 1;
    kl_batch_result *res = NULL;
    assert_int_equal(kl_batch_generate_to(ctx, rv, &o, take_output, &m, &res), 0);
    assert_non_null(res);
    /* Every file the result lists was handed over, and nothing else but the
     * print pack and the record (last). */
    size_t files = 0;
    for (size_t i = 0; i < kl_batch_result_row_count(res); i++) {
        const kl_batch_row *r = kl_batch_result_row(res, i);
        if (r->status == KL_BATCH_WRITTEN && r->file[0]) {
            assert_true(handed_over(&m, r->file, NULL));
            files++;
        }
    }
    assert_int_equal(m.n, files + 2);
    assert_true(handed_over(&m, "print-pack.pdf", "print-pack"));
    assert_true(handed_over(&m, "g02-cover.pdf", "cover"));
    assert_true(m.record_last);
    assert_true(m.pdfs_ok);
    assert_true(m.member_ids_ok);
    /* Nothing on disk: not even the review's directory. */
    char path[4200];
    struct stat st;
    snprintf(path, sizeof path, "%s/GEN-2026-042", base);
    assert_int_not_equal(stat(path, &st), 0);
    kl_batch_result_free(res);
    /* No callback: KL_EINVAL with a message. */
    res = NULL;
    assert_int_equal(kl_batch_generate_to(ctx, rv, &o, NULL, NULL, &res), KL_EINVAL);
    assert_null(res);
    assert_non_null(kl_context_last_error(ctx));
    kl_review_free(rv);
    kl_context_free(ctx);
    rmdir(base);
    free(base);
}

static void unknown_member_stops_before_writing(void **state)
{
    (void)state;
    kl_test_diags diags;
    kl_context *ctx = kl_test_context(&diags);
    kl_review *rv = load_family(ctx);
    char *base = make_tmpdir();
    char out[4200];
    snprintf(out, sizeof out, "%s/out", base);
    const char *only[] = {"g01", "nobody"};
    kl_batch_options o = KL_BATCH_OPTIONS_INIT;
    o.output_dir = out;
    o.members = only;
    o.n_members = 2;
    kl_batch_result *res = NULL;
    assert_int_equal(kl_batch_generate(ctx, rv, &o, &res), KL_ENOTFOUND);
    assert_null(res);
    assert_non_null(strstr(kl_context_last_error(ctx)->message, "no member 'nobody'"));
    struct stat st;
    assert_int_not_equal(stat(out, &st), 0); /* nothing created */
    kl_review_free(rv);
    kl_context_free(ctx);
    free(base);
}

/* A template that prints another member's address: the disclosure check
 * stops that letter and only that letter. (A template sees only its own
 * member's element, so the address is written into it as a literal.) */
static const char leak_template[] =
    "<letter xmlns='urn:kinletter:template:1' name='leak' title='notification.title'>"
    "<letterhead/><address/><heading level='1' msg='notification.title'/>"
    "<list kind='bullet'><item msg='common.agency'><arg name='agency' "
    "select=\"'2 Church View'\"/>"
    "</item></list></letter>";

static void disclosure_hit_fails_that_member_only(void **state)
{
    (void)state;
    kl_test_diags diags;
    kl_context *ctx = kl_test_context(&diags);
    kl_review *rv = load_family(ctx);
    char *base = make_tmpdir();
    const char *only[] = {"g01", "g07"};
    kl_batch_options o = KL_BATCH_OPTIONS_INIT;
    o.output_dir = base;
    o.template_name = kl_test_tmpfile("leak.xml", leak_template, sizeof leak_template - 1);
    o.members = only;
    o.n_members = 2;
    o.jobs = 2;
    kl_batch_result *res = NULL;
    assert_int_equal(kl_batch_generate(ctx, rv, &o, &res), 0);
    const kl_batch_row *r = find_row(res, "g01", NULL);
    assert_int_equal(r->status, KL_BATCH_FAILED);
    assert_non_null(strstr(r->reason, "of member g07"));
    assert_null(strstr(r->reason, "Church View")); /* the detail itself is never repeated */
    int d = kl_test_find_diag(&diags, "of member g07");
    assert_true(d >= 0);
    assert_non_null(strstr(diags.text[d], "family.csv:2:1"));
    /* g07's own address in g07's letter is fine. */
    r = find_row(res, "g07", "g07-post.pdf");
    assert_non_null(r);
    assert_int_equal(r->status, KL_BATCH_WRITTEN);
    /* No file of g01 was written. */
    char path[4200];
    struct stat st;
    snprintf(path, sizeof path, "%s/g01-post.pdf", kl_batch_result_dir(res));
    assert_int_not_equal(stat(path, &st), 0);
    kl_batch_totals t = KL_BATCH_TOTALS_INIT;
    assert_int_equal(kl_batch_result_totals(res, &t), 0);
    assert_int_equal(t.skipped, 5);
    kl_batch_result_free(res);
    kl_review_free(rv);
    kl_context_free(ctx);
    free(base);
}

static void draft_translation_is_named(void **state)
{
    (void)state;
    kl_test_diags diags;
    kl_context *ctx = kl_test_context(&diags);
    kl_review *rv = NULL;
    assert_int_equal(
        kl_review_load_file(ctx, kl_test_src("tests/data/letters/review.xml"), NULL, &rv), 0);
    char locales[4200];
    snprintf(locales, sizeof locales, "%s/tests/data/letters/locales",
             getenv("KL_BUILD_ROOT") ? getenv("KL_BUILD_ROOT") : ".");
    char tpl[4200];
    snprintf(tpl, sizeof tpl, "%s", kl_test_src("tests/data/letters/test.xml"));
    char *base = make_tmpdir();
    const char *only[] = {"m02", "m04"};
    kl_batch_options o = KL_BATCH_OPTIONS_INIT;
    o.output_dir = base;
    o.template_name = tpl;
    o.locales_dir = locales;
    o.members = only;
    o.n_members = 2;
    o.allow_language_fallback = 1;
    kl_batch_result *res = NULL;
    assert_int_equal(kl_batch_generate(ctx, rv, &o, &res), 0);
    const kl_batch_row *r = find_row(res, "m04", NULL);
    assert_int_equal(r->status, KL_BATCH_WRITTEN);
    assert_string_equal(r->languages, "cy+en-GB");
    assert_string_equal(r->translation_status, "draft+source");
    assert_int_equal(r->draft, 1);
    r = find_row(res, "m02", NULL);
    assert_string_equal(r->translation_status, "source");
    assert_int_equal(r->draft, 0);
    kl_batch_totals t = KL_BATCH_TOTALS_INIT;
    assert_int_equal(kl_batch_result_totals(res, &t), 0);
    assert_int_equal(t.draft_members, 1);
    kl_batch_result_free(res);
    kl_review_free(rv);
    kl_context_free(ctx);
    free(base);
}

/* Every allocation that can fail is handled: the batch reports out of
 * memory (or, if the failure only cost a diagnostic, still succeeds) and
 * leaks nothing (run under the sanitizers). */
static void allocation_failures_are_reported(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    kl_review *rv = load_family(ctx);
    char *base = make_tmpdir();
    const char *only[] = {"g04", "g05"}; /* no PDF: keeps each round quick */
    kl_batch_options o = KL_BATCH_OPTIONS_INIT;
    o.output_dir = base;
    o.members = only;
    o.n_members = 2;
    o.force = 1;
    o.jobs = 1;
    unsigned long n;
    for (n = 1; n < 200000; n++) {
        kl_batch_result *res = NULL;
        kl_core__alloc_fail_at(n, false);
        int rc = kl_batch_generate(ctx, rv, &o, &res);
        unsigned long used = kl_core__alloc_count();
        kl_core__alloc_fail_at(0, false);
        if (rc == 0) {
            assert_non_null(res);
            kl_batch_result_free(res);
            if (used < n)
                break; /* ran to the end without reaching allocation n */
            continue;
        }
        if (rc != KL_ENOMEM)
            fail_msg("allocation %lu: %s", n, kl_strerror(rc));
        kl_batch_result_free(res);
    }
    assert_true(n > 50 && n < 200000);
    kl_review_free(rv);
    kl_context_free(ctx);
    free(base);
}

/* A whole file, NUL-terminated (malloc'd). */
static char *slurp(const char *dir, const char *name)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* The next record of CSV text at *pp (RFC 4180, CRLF-terminated) into cells (malloc'd), the
 * apostrophe that keeps a formula-like cell text taken off; its cell count, 0 at the end. */
static size_t csv_record(const char **pp, char *cells[], size_t max)
{
    const char *p = *pp;
    size_t n = 0;
    if (!*p)
        return 0;
    for (;;) {
        assert_true(n < max);
        char *c = malloc(strlen(p) + 1), *o = c;
        assert_non_null(c);
        bool quoted = *p == '"';
        if (quoted) {
            for (p++; !(p[0] == '"' && p[1] != '"'); p++) {
                assert_true(*p);
                if (*p == '"')
                    p++;
                *o++ = *p;
            }
            p++;
        } else {
            while (*p && *p != ',' && *p != '\r')
                *o++ = *p++;
        }
        *o = '\0';
        if (quoted && c[0] == '\'' && c[1] && strchr("=+-@\t\r", c[1]))
            memmove(c, c + 1, strlen(c));
        cells[n++] = c;
        if (*p != ',')
            break;
        p++;
    }
    assert_true(p[0] == '\r' && p[1] == '\n');
    *pp = p + 2;
    return n;
}

/* Every row of the result read after the run is its line of record.csv, cell for cell; the
 * rows read. */
static size_t rows_are_the_record(const kl_batch_result *res)
{
    char *rec = slurp(kl_batch_result_dir(res), "record.csv");
    const char *p = rec;
    char *cells[16];
    assert_int_equal(csv_record(&p, cells, 16), 14);
    assert_string_equal(cells[0], "member_id");
    for (size_t k = 0; k < 14; k++)
        free(cells[k]);
    size_t i = 0;
    for (size_t n; (n = csv_record(&p, cells, 16)); i++) {
        assert_int_equal(n, 14);
        const kl_batch_row *r = kl_batch_result_row(res, i);
        assert_non_null(r);
        const char *got[14] = {r->member_id,
                               r->name,
                               r->relationship,
                               r->languages,
                               r->translation_status,
                               r->reading_level,
                               r->print_size,
                               r->channel,
                               r->file,
                               NULL,
                               r->sha256,
                               kl_batch_status_name(r->status),
                               r->reason,
                               r->format};
        for (size_t k = 0; k < 14; k++)
            if (got[k])
                assert_string_equal(got[k], cells[k]);
        assert_int_equal(r->pages, cells[9][0] ? strtoul(cells[9], NULL, 10) : 0);
        assert_true(r->draft == 0 || r->draft == 1);
        assert_true(r->sha256[0] == '\0' || strlen(r->sha256) == 64);
        for (size_t k = 0; k < 14; k++)
            free(cells[k]);
    }
    assert_int_equal(i, kl_batch_result_row_count(res));
    assert_null(kl_batch_result_row(res, i));
    free(rec);
    return i;
}

/* The rows read after the run (the result keeps them compact while it runs and makes them
 * when first asked) hold what record.csv holds: a member with several files, one reached
 * through a professional, a failed one, one not contacted; each file's SHA-256 is the file's
 * (sha256sum). */
static void rows_read_after_the_run_are_the_record(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    kl_review *rv = load_family(ctx);
    char *base = make_tmpdir();
    kl_batch_options o = KL_BATCH_OPTIONS_INIT;
    o.output_dir = base;
    o.jobs = 2;
    o.date = "2026-10-09";
    kl_batch_result *res = NULL;
    assert_int_equal(kl_batch_generate(ctx, rv, &o, &res), 0);
    size_t g03 = 0, failed = 0;
    for (size_t i = 0; i < kl_batch_result_row_count(res); i++) {
        const kl_batch_row *r = kl_batch_result_row(res, i);
        g03 += strcmp(r->member_id, "g03") == 0 && r->status == KL_BATCH_WRITTEN;
        failed += r->status == KL_BATCH_FAILED;
    }
    assert_true(g03 >= 3);
    assert_true(failed >= 2);
    assert_true(rows_are_the_record(res) >= 10);
    /* The same row each time it is asked for. */
    assert_ptr_equal(kl_batch_result_row(res, 3), kl_batch_result_row(res, 3));
    for (size_t i = 0; i < kl_batch_result_row_count(res); i++) {
        const kl_batch_row *r = kl_batch_result_row(res, i);
        if (!r->sha256[0])
            continue;
        char cmd[4400], line[128] = "";
        snprintf(cmd, sizeof cmd, "sha256sum '%s/%s'", kl_batch_result_dir(res), r->file);
        FILE *f = popen(cmd, "r");
        assert_non_null(f);
        assert_non_null(fgets(line, sizeof line, f));
        assert_int_equal(pclose(f), 0);
        assert_memory_equal(line, r->sha256, 64);
    }
    const kl_batch_row *r = find_row(res, "g06", NULL);
    assert_int_equal(r->status, KL_BATCH_FAILED);
    assert_string_equal(r->name, "Jonas Keller");
    assert_string_equal(r->relationship, "uncle");
    assert_string_equal(r->file, "");
    assert_string_equal(r->sha256, "");
    assert_int_equal(r->pages, 0);
    r = find_row(res, "g03", "g03-email.pdf");
    assert_non_null(r);
    assert_string_equal(r->channel, "email");
    assert_string_equal(r->reading_level, "young-person");
    assert_true(r->pages >= 1);
    kl_batch_result_free(res);
    kl_review_free(rv);
    kl_context_free(ctx);
    free(base);
}

/* Hundreds of rows (more than one block of the rows made after the run, and of the compact
 * ones kept during it) and a row longer than a whole block of those: every row is still its
 * record line. Every member is not contacted or not selected, so no letter is made. */
static void many_rows_and_a_long_one_are_the_record(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    enum { N = 700 };
    size_t cap = 64 * 1024 + N * 400;
    char *xml = malloc(cap);
    assert_non_null(xml);
    size_t len = (size_t)snprintf(
        xml, cap,
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        "<review xmlns='urn:kinletter:review:1' id='ROWS-%d' type='lcspr'>"
        "<partnership><name>Northshire Safeguarding Children Partnership</name>"
        "<address><line>County Hall</line><town>Northtown</town><postcode>NT1 4AB</postcode>"
        "</address><phone>01632 960123</phone><email>reviews@scp.example</email></partnership>"
        "<subject given='Amelia' family='Nowak' gender='female' age='4' outcome='died'/>"
        "<dates decided='2026-11-20' letter='2026-11-27' expected-end='2027-05-28' "
        "period-from='2025-01-01' period-to='2026-10-31'/>"
        "<contact name='Sam Okafor' role='family-contact' phone='01632 960456' "
        "email='sam@scp.example'/><family>\n",
        N);
    static const char *const rel[] = {"aunt", "uncle", "grandmother", "cousin", "carer"};
    for (int i = 0; i < N; i++) {
        char reason[10000];
        if (i == 301) { /* longer than a block of compact rows, with cells to quote */
            size_t k = (size_t)snprintf(reason, sizeof reason, "-Police advice, \"open\": ");
            while (k < 9000)
                k += (size_t)snprintf(reason + k, sizeof reason - k, "case %d, ", (int)k);
        } else {
            snprintf(reason, sizeof reason, "Reason %d: %s", i, i % 3 ? "advice" : "ŁÓDŹ, ünïcode");
        }
        len += (size_t)snprintf(xml + len, cap - len,
                                "<member id='r%04d' relationship='%s' gender='other' "
                                "contact='none' reason='%s'><name given='=Zoë%d' "
                                "family='Member%d'/></member>\n",
                                i, rel[i % 5], reason, i, i);
        assert_true(len < cap);
    }
    len += (size_t)snprintf(xml + len, cap - len, "</family></review>\n");
    kl_review *rv = NULL;
    if (kl_review_load_buffer(ctx, xml, len, "rows.xml", NULL, NULL, &rv))
        fail_msg("%s", kl_context_last_error(ctx)->message);
    free(xml);
    /* Every other member is selected: the rest are skipped. */
    static char ids[N / 2][8];
    const char *members[N / 2];
    for (int i = 0; i < N / 2; i++) {
        snprintf(ids[i], sizeof ids[i], "r%04d", 2 * i + 1);
        members[i] = ids[i];
    }
    char *base = make_tmpdir();
    kl_batch_options o = KL_BATCH_OPTIONS_INIT;
    o.output_dir = base;
    o.jobs = 2;
    o.members = members;
    o.n_members = N / 2;
    kl_batch_result *res = NULL;
    int rc = kl_batch_generate(ctx, rv, &o, &res);
    if (rc)
        fail_msg("%s", kl_context_last_error(ctx)->message);
    assert_int_equal(rows_are_the_record(res), N);
    const kl_batch_row *r = kl_batch_result_row(res, 301);
    assert_true(strlen(r->reason) >= 9000);
    assert_int_equal(r->status, KL_BATCH_NOT_CONTACTED);
    assert_int_equal(kl_batch_result_row(res, 300)->status, KL_BATCH_SKIPPED);
    assert_string_equal(kl_batch_result_row(res, 699)->member_id, "r0699");
    kl_batch_result_free(res);
    kl_review_free(rv);
    kl_context_free(ctx);
    free(base);
}

/* Options are checked at the edge: an impossible date, an unknown channel or
 * reading variant is KL_EINVAL with a message, before anything is made. */
static void impossible_options_are_refused(void **state)
{
    (void)state;
    kl_test_diags diags;
    kl_context *ctx = kl_test_context(&diags);
    kl_review *rv = load_family(ctx);
    char *base = make_tmpdir();
    char out[4200];
    snprintf(out, sizeof out, "%s/out", base);
    static const char *const bad_dates[] = {"2027-02-30", "2026-13-01",  "2026-04-31",
                                            "2026-1-1",   "2026-01-01x", "1899-12-31"};
    for (size_t i = 0; i < sizeof bad_dates / sizeof bad_dates[0]; i++) {
        kl_batch_options o = KL_BATCH_OPTIONS_INIT;
        o.output_dir = out;
        o.date = bad_dates[i];
        kl_batch_result *res = NULL;
        assert_int_equal(kl_batch_generate(ctx, rv, &o, &res), KL_EINVAL);
        assert_null(res);
        assert_non_null(strstr(kl_context_last_error(ctx)->message, "letter date"));
        struct stat st;
        assert_int_not_equal(stat(out, &st), 0); /* nothing created */
    }
    kl_batch_options o = KL_BATCH_OPTIONS_INIT;
    o.output_dir = out;
    o.creation_date = "2027-02-30T12:00:00Z";
    kl_batch_result *res = NULL;
    assert_int_equal(kl_batch_generate(ctx, rv, &o, &res), KL_EINVAL);
    assert_non_null(strstr(kl_context_last_error(ctx)->message, "creation date"));

    kl_template *tpl = NULL;
    kl_catalog_set *cats = NULL;
    assert_int_equal(kl_template_load_name(ctx, "notification", &tpl), 0);
    assert_int_equal(kl_catalog_set_open(ctx, NULL, &cats), 0);
    const kl_member *m = kl_review_find_member(rv, "g01");
    kl_letter *L = NULL;
    kl_letter_options lo = KL_LETTER_OPTIONS_INIT;
    assert_int_equal(kl_letter_compose(ctx, tpl, cats, rv, m, (kl_channel)99, &lo, &L), KL_EINVAL);
    assert_non_null(strstr(kl_context_last_error(ctx)->message, "channel 99"));
    lo.variant = 42;
    assert_int_equal(kl_letter_compose(ctx, tpl, cats, rv, m, KL_CHANNEL_POST, &lo, &L), KL_EINVAL);
    assert_non_null(strstr(kl_context_last_error(ctx)->message, "variant 42"));
    lo.variant = -1;
    lo.date = "2027-02-30";
    assert_int_equal(kl_letter_compose(ctx, tpl, cats, rv, m, KL_CHANNEL_POST, &lo, &L), KL_EINVAL);
    assert_non_null(strstr(kl_context_last_error(ctx)->message, "not a calendar date"));
    lo.date = "2028-02-29"; /* a leap day is a day */
    assert_int_equal(kl_letter_compose(ctx, tpl, cats, rv, m, KL_CHANNEL_POST, &lo, &L), 0);
    kl_letter_free(L);
    kl_catalog_set_free(cats);
    kl_template_free(tpl);
    kl_review_free(rv);
    kl_context_free(ctx);
    rmdir(base);
    free(base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(files_are_private_and_never_silently_replaced),
        cmocka_unit_test(symlinked_output_directory_is_refused),
        cmocka_unit_test(failed_write_leaves_nothing),
        cmocka_unit_test(record_cells_are_quoted_and_neutralised),
        cmocka_unit_test(sha256_matches_known_vectors),
        cmocka_unit_test(generate_writes_every_member_in_order),
        cmocka_unit_test(progress_callback_stops_the_batch),
        cmocka_unit_test(generate_to_memory_writes_nothing),
        cmocka_unit_test(unknown_member_stops_before_writing),
        cmocka_unit_test(impossible_options_are_refused),
        cmocka_unit_test(disclosure_hit_fails_that_member_only),
        cmocka_unit_test(draft_translation_is_named),
        cmocka_unit_test(allocation_failures_are_reported),
        cmocka_unit_test(rows_read_after_the_run_are_the_record),
        cmocka_unit_test(many_rows_and_a_long_one_are_the_record),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
