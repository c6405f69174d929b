/* SPDX-License-Identifier: MIT */
/* batch/batch.c: every letter of a review: setting up, the end, the public entry points. */
#define _GNU_SOURCE
#include "batch/batch_priv.h"
#include "braille/braille.h"
#include "compose/compose.h"
#include "kinletter/batch.h"
#include "kinletter/letter.h"
#include "kinletter/pdf.h"
#include "mail/mail.h"
#include "mail/protect.h"
#include "pdf/pdf_internal.h"
#include "review/review_internal.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- setting up ---------------------------------------------------------------------- */

/* Directory names from ids: ASCII letters, digits, '.', '_' and '-' only. */
static char *safe_name(const char *s)
{
    char *out = kl_core__strdup(s && *s ? s : "_");
    if (!out)
        return NULL;
    for (char *p = out; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '.' || *p == '_' || *p == '-'))
            *p = '_';
    if (out[0] == '.')
        out[0] = '_';
    return out;
}

int kl_batch__job_member(batch *b, job *j)
{
    return j->m ? 0 : kl_review__member_make_view(b->review, (size_t)(j - b->jobs), &j->m);
}

void kl_batch__job_member_drop(job *j)
{
    kl_review__member_free(j->m);
    j->m = NULL;
}

/* Whether the review has a member with this id (no member is made). */
static bool has_member(const kl_review *review, const char *id)
{
    const kl_member_brief *m;
    for (size_t i = 0; (m = kl_review__brief(review, i)); i++)
        if (m->id && strcmp(m->id, id) == 0)
            return true;
    return false;
}

/* The batch's one copy of s (freed with the batch), or NULL when out of memory: every member
 * with the same languages shares their strings. */
static const char *intern(batch *b, const char *s)
{
    if (!s)
        return NULL;
    for (size_t i = 0; i < b->n_names; i++)
        if (strcmp(b->names[i], s) == 0)
            return b->names[i];
    if (KL_GROW(b->names, b->cap_names, b->n_names + 1) < 0)
        return NULL;
    char *c = kl_core__strdup(s);
    if (c)
        b->names[b->n_names++] = c;
    return c;
}

/* "pl" / "cy+en-GB" and each catalog's status, before any worker starts. */
static int describe_languages(batch *b, job *j)
{
    const kl_member_brief *m = kl_batch__brief(b, j);
    kl_buf langs = KL_BUF_INIT, status = KL_BUF_INIT;
    const char *ls[2] = {m->locale, m->also};
    kl_context *quiet = NULL;
    if (kl_context_new(&quiet))
        return KL_ENOMEM;
    for (size_t i = 0; i < 2; i++) {
        if (!ls[i])
            continue;
        kl_catalog_meta meta = KL_CATALOG_META_INIT;
        const char *st = "missing";
        int mrc = kl_catalog_set_meta(quiet, b->cats, ls[i], &meta);
        if (mrc == KL_ENOMEM) {
            /* Not "missing": a draft translation must never go unflagged. */
            kl_context_free(quiet);
            kl_core__buf_free(&langs);
            kl_core__buf_free(&status);
            return KL_ENOMEM;
        }
        if (mrc == 0)
            st = meta.status && *meta.status ? meta.status : "unknown";
        if (strcmp(st, "draft") == 0)
            j->draft = true;
        kl_core__buf_printf(&langs, "%s%s", langs.len ? "+" : "", ls[i]);
        kl_core__buf_printf(&status, "%s%s", status.len ? "+" : "", st);
    }
    kl_context_free(quiet);
    j->languages = langs.oom ? NULL : intern(b, langs.data ? langs.data : "");
    j->status = status.oom ? NULL : intern(b, status.data ? status.data : "");
    kl_core__buf_free(&langs);
    kl_core__buf_free(&status);
    return j->languages && j->status ? 0 : KL_ENOMEM;
}

static int load_template(kl_context *ctx, const char *name, kl_template **out)
{
    if (strchr(name, '/') || strstr(name, ".xml"))
        return kl_template_load_file(ctx, name, out);
    return kl_template_load_name(ctx, name, out);
}

/* Options first: a bad date must not fail every member later on. */
static int check_options(batch *b)
{
    kl_context *ctx = b->ctx;
    int dr = b->o.date ? kl_core__civil_date(b->o.date, NULL, NULL, NULL) : 0;
    if (dr == -2)
        return kl_core__error(ctx, KL_EINVAL, KL_NOWHERE, "give a day that exists in that month",
                              "letter date '%.10s' is not a calendar date", b->o.date);
    if (dr)
        return kl_core__error(ctx, KL_EINVAL, KL_NOWHERE, "write the date as YYYY-MM-DD",
                              "the letter date is not written as YYYY-MM-DD");
    if (b->o.creation_date) {
        const char *cd = b->o.creation_date;
        char day[11]; /* its first 10 bytes, YYYY-MM-DD; the rest is read below */
        snprintf(day, sizeof day, "%s", cd);
        int h, mi, sec, used = 0;
        if (kl_core__civil_date(day, NULL, NULL, NULL) || strlen(cd) != 20 ||
            sscanf(cd + 10, "T%2d:%2d:%2dZ%n", &h, &mi, &sec, &used) != 3 || used != 10 || h > 23 ||
            mi > 59 || sec > 60 || h < 0 || mi < 0 || sec < 0)
            return kl_core__error(ctx, KL_EINVAL, KL_NOWHERE, "write it as 2026-03-01T09:00:00Z",
                                  "the PDF creation date is not a UTC date and time");
    }
    for (size_t i = 0; i < b->o.n_members; i++)
        if (!b->o.members[i] || !has_member(b->review, b->o.members[i]))
            return kl_core__error(
                ctx, KL_ENOTFOUND, KL_AT(kl_review__info(b->review)->source, 0, 0),
                "check the member ids in the review file", "no member '%s' in the review",
                b->o.members[i] ? b->o.members[i] : "(null)");
    return 0;
}

/* A job for every member, which are selected, and whether any needs a PDF
 * renderer or the cover note's template and English review. */
static int make_jobs(batch *b, bool *need_pdf, bool *need_cover)
{
    const kl_review *review = b->review;
    size_t n = kl_review_member_count(review);
    b->jobs = kl_core__calloc(n ? n : 1, sizeof *b->jobs);
    /* At most COMMIT_MEMBERS wait: finish() commits them then. */
    b->staged = kl_core__calloc(n && n < COMMIT_MEMBERS ? n : COMMIT_MEMBERS, sizeof *b->staged);
    if (!b->jobs || !b->staged)
        return kl_core__oom(b->ctx);
    clock_gettime(CLOCK_MONOTONIC, &b->last_commit);
    b->n_jobs = n;
    for (size_t i = 0; i < n; i++) {
        job *j = &b->jobs[i];
        const kl_member_brief *m = kl_review__brief(review, i);
        j->id = m->id;
        j->format = (uint8_t)m->format;
        j->selected = b->o.n_members == 0;
        for (size_t k = 0; k < b->o.n_members && !j->selected; k++)
            j->selected = m->id && strcmp(b->o.members[k], m->id) == 0;
        if (!j->selected)
            continue;
        b->n_selected++;
        if (m->contact_none || !m->ok)
            continue;
        *need_pdf |= kl_batch__has_channel(m, KL_CHANNEL_POST) ||
                     kl_batch__has_channel(m, KL_CHANNEL_EMAIL) ||
                     kl_batch__has_channel(m, KL_CHANNEL_VIA_PROFESSIONAL);
        *need_cover |= kl_batch__has_channel(m, KL_CHANNEL_VIA_PROFESSIONAL);
    }
    return 0;
}

/* The template, the catalogs, the renderer and the cover note's template and
 * English review (when needed), and each selected member's languages. */
static int load_resources(batch *b, bool need_pdf, bool need_cover)
{
    kl_context *ctx = b->ctx;
    int rc;
    if ((rc = load_template(ctx, b->o.template_name, &b->tpl)) < 0 ||
        (rc = kl_catalog_set_open(ctx, b->o.locales_dir, &b->cats)) < 0)
        return rc;
    if (need_pdf && (rc = kl_pdf_renderer_new(ctx, NULL, &b->renderer)) < 0)
        return rc;
    if (need_cover && ((rc = kl_template_load_name(ctx, "cover-note", &b->cover_tpl)) < 0 ||
                       (rc = kl_batch__english_review(ctx, b->review, &b->english)) < 0))
        return rc;
    b->disclosure = kl_review__disclosure(b->review);
    for (size_t i = 0; i < b->n_jobs; i++)
        if (b->jobs[i].selected && describe_languages(b, &b->jobs[i]))
            return kl_core__oom(ctx);
    return 0;
}

/* One creation date for the whole batch, and the letters' and PDFs' options. */
static void set_render_options(batch *b)
{
    if (b->o.creation_date) {
        snprintf(b->creation_date, sizeof b->creation_date, "%s", b->o.creation_date);
    } else if (b->o.date) {
        snprintf(b->creation_date, sizeof b->creation_date, "%.10sT12:00:00Z", b->o.date);
    } else {
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(b->creation_date, sizeof b->creation_date, "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
    kl_letter_options lo = KL_LETTER_OPTIONS_INIT;
    lo.allow_language_fallback = b->o.allow_language_fallback;
    lo.date = b->o.date;
    lo.qa = b->o.qa; /* compose keeps each member's own */
    lo.n_qa = b->o.n_qa;
    b->lopts = lo;
    kl_pdf_options po = KL_PDF_OPTIONS_INIT;
    po.creation_date = b->creation_date;
    b->popts = po;
}

/* The batch directory's path, <output>/<review id>/<template name>, and
 * unless this is a dry run the directory itself (b->dirfd). */
static int open_batch_dir(batch *b)
{
    kl_context *ctx = b->ctx;
    char *rid = safe_name(kl_review_id(b->review));
    char *tname = safe_name(kl_template_name(b->tpl));
    kl_buf dir = KL_BUF_INIT;
    int rc = 0;
    if (!rid || !tname) {
        rc = kl_core__oom(ctx);
        goto done;
    }
    kl_core__buf_printf(&dir, "%s/%s/%s", b->o.output_dir, rid, tname);
    b->dir = dir.oom ? NULL : kl_core__buf_detach(&dir);
    if (!b->dir) {
        rc = kl_core__oom(ctx);
        goto done;
    }
    if (b->o.dry_run) /* everything but the disk */
        goto done;
    const char *subs[] = {rid, tname};
    b->dirfd = kl_core__open_dir(ctx, b->o.output_dir, subs, 2);
    if (b->dirfd < 0)
        rc = b->dirfd;
done:
    kl_core__buf_free(&dir);
    kl_free(rid);
    kl_free(tname);
    return rc;
}

/* record.csv, written as members finish: listed in the manifest, created
 * (never over an existing file) and private. */
static int open_record(batch *b)
{
    kl_context *ctx = b->ctx;
    kl_buf disp = KL_BUF_INIT;
    int rc = 0;
    kl_core__buf_printf(&disp, "%s/record.csv", b->dir);
    if (disp.oom) {
        rc = kl_core__oom(ctx);
        goto done;
    }
    if (kl_batch__manifest_add(&b->rd, "record.csv") == 0)
        b->record_fd = openat(b->dirfd, "record.csv",
                              O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (b->record_fd < 0) {
        rc = kl_core__error(ctx, KL_EIO, KL_AT(disp.data, 0, 0), NULL,
                            "cannot create the batch record: %s", strerror(errno));
        goto done;
    }
    if (fchmod(b->record_fd, 0600) != 0)
        rc = kl_core__error(ctx, KL_EIO, KL_AT(disp.data, 0, 0), NULL,
                            "cannot make the batch record private: %s", strerror(errno));
done:
    kl_core__buf_free(&disp);
    return rc;
}

static int setup(batch *b)
{
    bool need_pdf = false, need_cover = false;
    int rc;
    if ((rc = check_options(b)) < 0 || (rc = make_jobs(b, &need_pdf, &need_cover)) < 0 ||
        (rc = kl_batch__cut_packs(b)) < 0 || (rc = load_resources(b, need_pdf, need_cover)) < 0)
        return rc;
    set_render_options(b);
    /* The directory last: nothing is created on disk for a batch that
     * cannot start. */
    if ((rc = open_batch_dir(b)) < 0 || b->o.dry_run)
        return rc;
    /* One run at a time in a batch directory; then what is there must be
     * ours (with force: files earlier runs listed in their manifests). */
    b->rd.dirfd = b->dirfd;
    b->rd.display = b->dir;
    if ((rc = kl_batch__lock(b->ctx, &b->rd)) < 0 ||
        (rc = kl_batch__prepare(b->ctx, &b->rd, b->o.force != 0)) < 0)
        return rc;
    return open_record(b);
}

static void teardown(batch *b)
{
    for (size_t i = 0; i < b->n_jobs; i++)
        kl_batch__job_free(&b->jobs[i]);
    kl_free(b->jobs);
    for (size_t i = 0; i < b->n_names; i++)
        kl_free(b->names[i]);
    kl_free(b->names);
    kl_free(b->staged);
    kl_pdf__pack_free(b->packer);
    kl_free(b->pack_lang);
    for (size_t i = 0; i < b->n_ready; i++)
        kl_pdf__kept_free(b->ready[i]);
    kl_free(b->ready);
    kl_free(b->pack_end);
    kl_context_free(b->pack_ctx);
    kl_batch__free_diags(b->pack_diags, b->n_pack_diags);
    kl_template_free(b->tpl);
    kl_template_free(b->cover_tpl);
    kl_catalog_set_free(b->cats);
    kl_review_free(b->english);
    kl_pdf_renderer_free(b->renderer);
    if (b->record_fd >= 0)
        close(b->record_fd);
    kl_batch__rundir_close(&b->rd, NULL);
    kl_context_free(b->quiet);
    if (b->dirfd >= 0)
        close(b->dirfd);
    kl_free(b->dir);
}

static unsigned worker_count(const batch *b)
{
    long n = b->o.jobs ? (long)b->o.jobs : sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        n = 1;
    if (n > MAX_JOBS)
        n = MAX_JOBS;
    if ((size_t)n > b->n_jobs)
        n = b->n_jobs ? (long)b->n_jobs : 1;
    return (unsigned)n;
}

static int run_workers(batch *b)
{
    unsigned n = worker_count(b);
    worker *ws = kl_core__calloc(n, sizeof *ws);
    if (!ws)
        return kl_core__oom(b->ctx);
    int rc = 0;
    for (unsigned i = 0; i < n; i++) {
        ws[i].b = b;
        if (kl_context_new(&ws[i].ctx) ||
            (b->renderer && kl_pdf_renderer_new_sibling(b->renderer, &ws[i].r))) {
            rc = kl_core__oom(b->ctx);
            goto done;
        }
        kl_context_set_diagnostics(ws[i].ctx, kl_batch__capture, &ws[i]);
    }
    /* Worker 0 is this thread; if a thread cannot start, the others
     * simply take its share. */
    ws[0].packs = true;
    for (unsigned i = 1; i < n; i++)
        ws[i].started = pthread_create(&ws[i].thread, NULL, kl_batch__worker_main, &ws[i]) == 0;
    kl_batch__worker_main(&ws[0]);
    for (unsigned i = 1; i < n; i++)
        if (ws[i].started)
            pthread_join(ws[i].thread, NULL);
    /* The members staged since the last commit. */
    pthread_mutex_lock(&b->lock);
    kl_batch__commit_staged(&ws[0]);
    kl_batch__flush_done(b);
    pthread_mutex_unlock(&b->lock);
done:
    for (unsigned i = 0; i < n; i++) {
        kl_pdf_renderer_free(ws[i].r);
        kl_context_free(ws[i].ctx);
    }
    kl_free(ws);
    return rc;
}

static int deliver_record(batch *b)
{
    kl_buf rec = KL_BUF_INIT;
    if (kl_batch__record_text(b->res, 0, true, &rec) || rec.oom) {
        kl_core__buf_free(&rec);
        return kl_core__oom(b->ctx);
    }
    int hit = kl_batch__disclosure_run_idx(b->ctx, b->disclosure, rec.data ? rec.data : "");
    if (hit == KL_ENOMEM) {
        kl_core__buf_free(&rec);
        return kl_core__oom(b->ctx);
    }
    if (hit) {
        kl_core__buf_free(&rec);
        return kl_core__error(
            b->ctx, KL_EDATA, KL_AT(b->dir, 0, 0), NULL,
            "the batch record would hold a contact detail: it was not handed over");
    }
    bool stopped_before = b->interrupted;
    kl_batch__deliver(b, "record.csv", NULL, NULL, rec.data ? rec.data : "", rec.len, 0, NULL);
    b->interrupted = stopped_before; /* the record is the last output: too late to stop */
    kl_core__buf_free(&rec);
    return 0;
}

/* The batch with the caller's options (an older options struct is read up
 * to the fields its version had) and the defaults for the rest. */
static int start_batch(batch *b, kl_context *ctx, const kl_review *review,
                       const kl_batch_options *opts, kl_batch_output_fn output, void *output_ud)
{
    memset(b, 0, sizeof *b);
    b->ctx = ctx;
    b->review = review;
    b->output = output;
    b->output_ud = output_ud;
    b->dirfd = -1;
    b->record_fd = -1;
    b->rd.lockfd = b->rd.manifest_fd = -1;
    b->pack_stream.fd = -1;
    b->pack_sink = (kl_pdf_sink){.write = kl_batch__pack_file_write, .arg = b};
    kl_batch_options defaults = KL_BATCH_OPTIONS_INIT;
    b->o = defaults;
    if (opts && opts->version == 1) /* before `interrupt` */
        memcpy(&b->o, opts, offsetof(kl_batch_options, interrupt));
    else if (opts && opts->version == 2) /* before `qa` */
        memcpy(&b->o, opts, offsetof(kl_batch_options, qa));
    else if (opts && opts->version == 3) /* before `protect` */
        memcpy(&b->o, opts, offsetof(kl_batch_options, protect));
    else if (opts)
        b->o = *opts;
    b->o.version = KL_BATCH_OPTIONS_VERSION;
    if (b->output)
        b->o.dry_run = 1; /* nothing on disk; what would be written goes to the callback */
    if (!b->o.template_name)
        b->o.template_name = "notification";
    if (!b->o.output_dir)
        b->o.output_dir = "letters";
    if (b->o.n_members && !b->o.members)
        return kl_core__error(ctx, KL_EINVAL, KL_NOWHERE, NULL, "n_members without members");
    return 0;
}

/* Members not reported yet: those after an interruption, or after the rows
 * could not be made. */
static int report_rest(batch *b, kl_batch_result *res)
{
    while (b->next_flush < b->n_jobs && !b->record_err) {
        job *f = &b->jobs[b->next_flush++];
        job_notes *t = f->notes;
        for (; f->done && t && t->n_forwarded < t->n_diags; t->n_forwarded++)
            kl_batch__forward(b->ctx, &t->diags[t->n_forwarded]);
        if (kl_batch__job_member(b, f) || kl_batch__job_rows(b, res, f))
            b->record_err = KL_ENOMEM;
        kl_batch__job_member_drop(f);
    }
    return b->record_err == KL_ENOMEM ? kl_core__oom(b->ctx) : 0;
}

/* Set up, then every member's files, their rows and the print packs. */
static int make_letters(batch *b, kl_batch_result *res)
{
    int rc;
    if ((rc = setup(b)) < 0)
        return rc;
    if (!(res->dir = kl_core__strdup(b->dir)))
        return kl_core__oom(b->ctx);
    res->totals.members = b->n_jobs;
    b->res = res; /* rows are added, and recorded, as members finish */
    if ((rc = run_workers(b)) < 0 || (rc = report_rest(b, res)) < 0)
        return rc;
    kl_batch__record_flush(b);
    /* The print packs not made yet (whose members were put in place last). */
    if (!b->stop && !b->interrupted && b->packs_on)
        kl_batch__report(b, KL_BATCH_PHASE_PRINT_PACK, NULL, NULL);
    kl_batch__finish_packs(b);
    return 0;
}

/* After make_letters(), whether or not it failed: the print packs'
 * diagnostics and totals; the code of the first pack that failed. */
static int end_packs(batch *b, kl_batch_result *res)
{
    for (size_t i = 0; i < b->n_pack_diags; i++)
        kl_batch__forward(b->ctx, &b->pack_diags[i]);
    res->totals.print_pack_pages = b->pack_pages;
    res->totals.print_packs = b->packs_written;
    return b->pack_rc;
}

/* The record as written, read back from its file (a large family's record
 * is not kept in memory for the whole run): 0, KL_ENOMEM or KL_EIO. */
static int read_record(batch *b, kl_buf *out)
{
    struct stat st;
    if (fstat(b->record_fd, &st) != 0)
        return KL_EIO;
    if (kl_core__buf_reserve(out, (size_t)st.st_size) < 0)
        return KL_ENOMEM;
    while (out->len < (size_t)st.st_size) {
        ssize_t n = pread(b->record_fd, out->data + out->len, (size_t)st.st_size - out->len,
                          (off_t)out->len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return KL_EIO;
        out->len += (size_t)n;
    }
    out->data[out->len] = '\0';
    return 0;
}

/* The record, whole: handed to the output callback, or on disk checked once
 * more as a whole and made durable (*record_rc: that failed, reported). */
static int end_record(batch *b, int *record_rc)
{
    kl_context *ctx = b->ctx;
    if (b->output)
        return deliver_record(b);
    if (b->record_fd < 0)
        return 0;
    /* Defence in depth: the record as a whole names no one's details. */
    kl_buf rec = KL_BUF_INIT;
    if (!b->record_err) {
        int rrc = read_record(b, &rec);
        if (rrc < 0 && !b->record_err)
            b->record_err = rrc;
    }
    const char *t[] = {rec.data ? rec.data : ""};
    int hit = b->record_err ? 0 : kl_batch__disclosure_run_idx(ctx, b->disclosure, t[0]);
    kl_core__buf_free(&rec);
    if (hit == KL_ENOMEM || b->record_err == KL_ENOMEM)
        return kl_core__oom(ctx);
    if (hit || b->record_err == KL_EDATA) {
        unlinkat(b->dirfd, "record.csv", 0);
        return kl_core__error(ctx, KL_EDATA, KL_AT(b->dir, 0, 0), NULL,
                              "the batch record would hold a contact detail: it was not written");
    }
    if (b->record_err || fdatasync(b->record_fd) != 0) {
        kl_buf disp = KL_BUF_INIT;
        kl_core__buf_printf(&disp, "%s/record.csv", b->dir);
        *record_rc = kl_core__error(ctx, KL_EIO, KL_AT(disp.oom ? b->dir : disp.data, 0, 0),
                                    errno == ENOSPC ? "free some space on the disk" : NULL,
                                    "cannot write the batch record: %s", strerror(errno));
        kl_core__buf_free(&disp);
    }
    return 0;
}

/* The run's outcome when nothing failed outright (rc 0): writing stopped,
 * the caller interrupted it, or a print pack or the record failed. */
static int outcome(batch *b, const kl_batch_result *res, int rc, int pack_rc, int record_rc)
{
    if (rc)
        return rc;
    if (b->stop) {
        size_t failed = res->totals.members_failed;
        bool oom = b->stop_rc == KL_ENOMEM;
        return kl_core__error(
            b->ctx, b->stop_rc, KL_AT(b->dir, 0, 0),
            oom ? "close other programs, then run again, replacing this run's files"
                : "free some space or choose another output directory, then run "
                  "again, replacing this run's files",
            "writing stopped part-way%s: %zu member%s not written (no partial file is "
            "left)%s",
            oom ? " (out of memory)" : "", failed, failed == 1 ? " was" : "s were",
            record_rc ? "; the batch record could not be completed either"
                      : "; record.csv says which");
    }
    if (b->interrupted) {
        size_t done = res->totals.members_written + res->totals.not_contacted;
        return kl_core__error(b->ctx, KL_EINTR, KL_AT(b->dir, 0, 0), NULL,
                              "interrupted: %zu of %zu members dealt with before the run stopped "
                              "(no partial file is left)%s",
                              done, b->n_selected,
                              record_rc ? "; the batch record could not be completed"
                                        : "; record.csv says which");
    }
    if (pack_rc)
        return pack_rc; /* already reported */
    return record_rc;
}

static int generate(kl_context *ctx, const kl_review *review, const kl_batch_options *opts,
                    kl_batch_output_fn output, void *output_ud, kl_batch_result **out)
{
    kl_context_clear_error(ctx);
    if (!out)
        return kl_core__einval(ctx, __func__);
    *out = NULL;
    if (!review)
        return kl_core__error(ctx, KL_EINVAL, KL_NOWHERE, NULL, "kl_batch_generate: no review");
    if (opts && (opts->version < 1 || opts->version > KL_BATCH_OPTIONS_VERSION))
        return kl_core__error(ctx, KL_EINVAL, KL_NOWHERE, "initialise with KL_BATCH_OPTIONS_INIT",
                              "kl_batch_options version %u is not %u", opts->version,
                              KL_BATCH_OPTIONS_VERSION);
    batch bb, *b = &bb;
    int rc, pack_rc = 0, record_rc = 0;
    if ((rc = start_batch(b, ctx, review, opts, output, output_ud)) < 0)
        return rc;
    if (pthread_mutex_init(&b->lock, NULL) != 0)
        return kl_core__error(ctx, KL_EBACKEND, KL_NOWHERE, NULL, "cannot create a mutex");
    if (pthread_cond_init(&b->pack_done, NULL) != 0) {
        pthread_mutex_destroy(&b->lock);
        return kl_core__error(ctx, KL_EBACKEND, KL_NOWHERE, NULL,
                              "cannot create a condition variable");
    }

    kl_batch__report(b, KL_BATCH_PHASE_LOADING, NULL, NULL);
    kl_batch_result *res = kl_core__calloc(1, sizeof *res);
    if (!res || kl_context_new(&b->quiet)) {
        rc = kl_core__oom(ctx);
        goto done;
    }
    rc = make_letters(b, res);
    pack_rc = end_packs(b, res); /* the packs made before a failure are counted too */
    if (rc < 0)
        goto done;
    /* GOV.UK Notify's upload files, beside the letters. */
    if (!pack_rc && b->o.notify && !b->stop && !b->interrupted && !b->o.dry_run)
        pack_rc = kl_batch__notify_csvs(b);
    kl_batch__report(b, KL_BATCH_PHASE_RECORD, NULL, NULL);
    rc = end_record(b, &record_rc);
done:
    if (b->rd.manifest_fd >= 0)
        kl_batch__rundir_close(&b->rd, b->interrupted  ? "interrupted"
                                       : b->stop || rc ? "stopped"
                                                       : "complete");
    rc = outcome(b, res, rc, pack_rc, record_rc);
    /* After a failed write the result still says what was written. */
    bool partial = b->res && (b->stop || b->interrupted || pack_rc || record_rc);
    if (rc && !partial) {
        kl_batch_result_free(res);
        res = NULL;
    }
    teardown(b);
    pthread_cond_destroy(&b->pack_done);
    pthread_mutex_destroy(&b->lock);
    *out = res;
    return rc;
}

KL_API int kl_batch_generate(kl_context *ctx, const kl_review *review, const kl_batch_options *opts,
                             kl_batch_result **out)
{
    return generate(ctx, review, opts, NULL, NULL, out);
}

KL_API int kl_batch_generate_to(kl_context *ctx, const kl_review *review,
                                const kl_batch_options *opts, kl_batch_output_fn fn, void *userdata,
                                kl_batch_result **out)
{
    if (!fn) {
        kl_context_clear_error(ctx);
        if (out)
            *out = NULL;
        return kl_core__einval(ctx, __func__);
    }
    return generate(ctx, review, opts, fn, userdata, out);
}
