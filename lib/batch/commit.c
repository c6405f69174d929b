/* SPDX-License-Identifier: MIT */
/* batch/commit.c: a member's files staged, then made durable and put in place together. */
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

/* A file of this run: listed in the manifest, then written through a
 * temporary named after the run, never over an existing file. */
int kl_batch__place_file(kl_context *ctx, batch *b, const char *name, const char *display,
                         const void *data, size_t len)
{
    if (b->output) { /* in memory: the print packs */
        kl_batch__deliver(b, name, NULL, NULL, data, len, 0, NULL);
        return 0;
    }
    if (kl_batch__manifest_add(&b->rd, name))
        return kl_core__error(ctx, KL_EIO, KL_AT(b->dir, 0, 0), NULL,
                              "cannot add to the manifest of this run: %s", strerror(errno));
    return kl_core__write_file_tagged(ctx, b->dirfd, name, display, data, len, false, b->rd.run_id);
}

static bool stopped(batch *b)
{
    pthread_mutex_lock(&b->lock);
    bool s = b->stop;
    pthread_mutex_unlock(&b->lock);
    return s;
}

/* A member whose files could not all be put in place: remove what was, and
 * every temporary. halted: because writing had stopped for another file. */
static void unwrite_member(worker *w, job *j, bool halted, int rc)
{
    batch *b = w->b;
    for (size_t i = 0; i < j->n_files; i++) {
        if (j->files[i].written)
            unlinkat(b->dirfd, j->files[i].name, 0);
        else if (j->files[i].tmp && j->files[i].tmp[0])
            unlinkat(b->dirfd, j->files[i].tmp, 0);
        j->files[i].written = false;
    }
    j->staged = false;
    if (halted) {
        /* Said once for the batch, not once per member. */
        kl_batch__job_clear_files(j);
        j->n_files = 0;
        j->state = J_FAILED;
        j->fail_has_channel = false;
        kl_batch__job_set_reason(
            j, kl_core__strdup("not written: writing stopped after a file could not be written"));
        return;
    }
    kl_batch__job_fail(j, w->ctx, rc, false, KL_CHANNEL_POST, NULL);
}

static void stop_batch(batch *b, int rc)
{
    if (!b->stop) {
        b->stop = true;
        b->stop_rc = rc;
    }
}

/* Write a member's files as temporaries of this run, without an fsync each:
 * the next commit makes them durable and puts them in place. */
void kl_batch__write_member(worker *w, job *j)
{
    batch *b = w->b;
    bool halted = false;
    if (b->o.dry_run) { /* made and checked in memory: nothing is written */
        for (size_t i = 0; i < j->n_files; i++) {
            const out_file *f = &j->files[i];
            if (b->output) /* kl_batch_generate_to(): the caller takes the bytes */
                kl_batch__deliver(b, f->name, kl_batch__brief(b, j)->id,
                                  kl_channel_name(f->channel), f->data, f->len, f->pages,
                                  f->secret ? "" : f->sha);
            kl_free(j->files[i].data);
            j->files[i].data = NULL;
        }
        j->state = J_WRITTEN;
        return;
    }
    int rc = 0;
    for (size_t i = 0; i < j->n_files && !rc; i++) {
        out_file *f = &j->files[i];
        if (stopped(b)) {
            halted = true;
            break;
        }
        kl_buf disp = KL_BUF_INIT;
        kl_core__buf_printf(&disp, "%s/%s", b->dir, f->name);
        char tmp[300]; /* ".<name>.<run id>-<n>.tmp": a name is under 96 bytes, a run id 40 */
        if (disp.oom)
            rc = kl_core__oom(w->ctx);
        else if (kl_batch__manifest_add(&b->rd, f->name))
            rc = kl_core__error(w->ctx, KL_EIO, KL_AT(b->dir, 0, 0), NULL,
                                "cannot add to the manifest of this run: %s", strerror(errno));
        else
            rc = kl_core__stage_file(w->ctx, b->dirfd, f->name, disp.data, f->data, f->len,
                                     b->rd.run_id, tmp);
        kl_core__buf_free(&disp);
        if (rc)
            break;
        if (!(f->tmp = kl_core__strdup(tmp))) {
            unlinkat(b->dirfd, tmp, 0);
            rc = kl_core__oom(w->ctx);
            break;
        }
        kl_free(f->data);
        f->data = NULL;
    }
    if (!rc && !halted) {
        j->staged = true;
        return;
    }
    if (rc) {
        pthread_mutex_lock(&b->lock);
        stop_batch(b, rc);
        pthread_mutex_unlock(&b->lock);
    }
    unwrite_member(w, j, halted, KL_EIO);
}

double kl_batch__since_commit_ms(const batch *b)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - b->last_commit.tv_sec) * 1e3 +
           (double)(now.tv_nsec - b->last_commit.tv_nsec) / 1e6;
}

/* Put every staged member's files in place: one syncfs for all their
 * temporaries, the renames, one fsync of the directory. A member's files are
 * all there or none. With b->lock held, on a thread whose worker is w. */
void kl_batch__commit_staged(worker *w)
{
    /* the caller holds b->lock */
    batch *b = w->b;
    if (!b->n_staged)
        return;
    job *saved = w->cur;
    clock_gettime(CLOCK_MONOTONIC, &b->last_commit);
    /* Members staged before writing stopped elsewhere are whole: they are
     * still put in place, unless this commit fails. */
    w->cur = b->staged[0];
    int src = kl_core__sync_dir(w->ctx, b->dirfd, b->dir, true);
    bool halt = src != 0;
    if (src) {
        stop_batch(b, src);
        unwrite_member(w, b->staged[0], false, src);
    }
    bool placed = false;
    for (size_t k = 0; k < b->n_staged; k++) {
        job *j = b->staged[k];
        if (!j->staged)
            continue; /* failed above */
        w->cur = j;
        if (halt) {
            unwrite_member(w, j, true, 0);
            continue;
        }
        int rc = 0;
        for (size_t i = 0; i < j->n_files && !rc; i++) {
            out_file *f = &j->files[i];
            kl_buf disp = KL_BUF_INIT;
            kl_core__buf_printf(&disp, "%s/%s", b->dir, f->name);
            rc = disp.oom
                     ? kl_core__oom(w->ctx)
                     : kl_core__place_file(w->ctx, b->dirfd, f->tmp, f->name, disp.data, false);
            kl_core__buf_free(&disp);
            if (!rc)
                f->written = true;
            else if (rc != KL_ENOMEM)
                f->tmp[0] = '\0'; /* removed by place_file */
        }
        if (rc) {
            stop_batch(b, rc);
            unwrite_member(w, j, false, rc);
            halt = true;
            continue;
        }
        placed = true;
        j->staged = false;
        j->state = J_WRITTEN;
        kl_batch__job_free_data(j); /* j->post stays, for the print pack */
    }
    /* The renames themselves on the disk. A failure here is reported, but
     * the files are whole and in place. */
    w->cur = NULL;
    if (placed && kl_core__sync_dir(w->ctx, b->dirfd, b->dir, false))
        stop_batch(b, KL_EIO);
    b->n_staged = 0;
    w->cur = saved;
}
