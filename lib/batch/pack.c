/* SPDX-License-Identifier: MIT */
/* batch/pack.c: the print packs, made while the batch runs. */
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

/* print-pack.pdf, or print-pack-001.pdf... when the letters need several. */
static void pack_name(char *out, size_t cap, size_t i, size_t n)
{
    if (n <= 1)
        snprintf(out, cap, "print-pack.pdf");
    else
        snprintf(out, cap, "print-pack-%03zu.pdf", i + 1);
}

/* The print packs, cut before any member is written: PACK_LETTERS postal
 * letters expected a pack, in member order, so every pack's name and title
 * are known at the start and each is made once its members are in place.
 * A member whose letter then fails leaves its pack a letter short; the
 * packs are the same as cutting the letters written when none fails. */
int kl_batch__cut_packs(batch *b)
{
    b->packs_on = !b->o.dry_run || b->output;
    if (!b->packs_on)
        return 0;
    size_t expected = 0;
    for (size_t i = 0; i < b->n_jobs; i++) {
        const job *j = &b->jobs[i];
        const kl_member_brief *m = kl_batch__brief(b, j);
        if (!j->selected || m->contact_none || !m->ok)
            continue;
        if (j->format == KL_FORMAT_BRAILLE) {
            if (kl_batch__has_channel(m, KL_CHANNEL_POST) ||
                kl_batch__has_channel(m, KL_CHANNEL_VIA_PROFESSIONAL))
                b->braille_end = i + 1;
        } else if (kl_batch__has_channel(m, KL_CHANNEL_POST)) {
            expected++;
        }
    }
    /* One pack for the braille note alone when no letter is printed. */
    b->n_packs = expected ? (expected + PACK_LETTERS - 1) / PACK_LETTERS : b->braille_end ? 1 : 0;
    if (!b->n_packs)
        return 0;
    if (!(b->pack_end = kl_core__calloc(b->n_packs, sizeof *b->pack_end)) ||
        kl_context_new(&b->pack_ctx))
        return kl_core__oom(b->ctx);
    kl_context_set_diagnostics(b->pack_ctx, kl_batch__capture_pack, b);
    size_t k = 0;
    for (size_t i = 0; i < b->n_jobs; i++) {
        const job *j = &b->jobs[i];
        const kl_member_brief *m = kl_batch__brief(b, j);
        if (j->selected && !m->contact_none && m->ok && j->format != KL_FORMAT_BRAILLE &&
            kl_batch__has_channel(m, KL_CHANNEL_POST))
            b->pack_end[k++ / PACK_LETTERS] = i + 1;
    }
    return 0;
}

/* The print pack's first page when braille letters were made: the BRF
 * files to send to the embossing service (they are not in the pack), in
 * English for whoever sends the post. Member ids and file names only. *out
 * is NULL when there is no braille letter. 0 or KL_ENOMEM. */
static int braille_note(batch *b, kl_doc **out)
{
    *out = NULL;
    size_t n = 0;
    /* Members after the last braille letter may still be under way: not read. */
    for (size_t i = 0; i < b->braille_end; i++)
        n += b->jobs[i].state == J_WRITTEN && b->jobs[i].brf_at;
    if (!n)
        return 0;
    kl_doc *d = kl_doc__new("en-GB");
    if (!d)
        return KL_ENOMEM;
    d->body_pt = 14;
    d->channel = KL_CHANNEL_VIA_PROFESSIONAL; /* no address block */
    kl_node *h = kl_doc__add(d->root, KL_NODE_HEADING,
                             "Braille letters: send to the transcription or embossing service");
    bool oom = !h || kl_doc__set(&d->title, "Braille letters to send") ||
               kl_doc__set(&d->member_id, "braille");
    if (h)
        h->level = 1;
    kl_buf p = KL_BUF_INIT;
    kl_core__buf_printf(
        &p,
        "%zu member%s need%s a braille letter instead of a printed one. %s not in this "
        "pack: send each file below (a BRF file: 40 cells by 25 lines, North American "
        "Braille ASCII) to the transcription or embossing service. The service embosses "
        "it; give it the member's postal address from the review for the envelope, or "
        "the professional who hands the letter over.",
        n, n == 1 ? "" : "s", n == 1 ? "s" : "", n == 1 ? "It is" : "They are");
    oom |= p.oom || !kl_doc__add(d->root, KL_NODE_PARAGRAPH, p.data);
    oom |= !kl_doc__add(d->root, KL_NODE_PARAGRAPH,
                        "The braille was made by a machine (liblouis) and is a draft: ask a "
                        "braille transcriber to proof it before it is sent.");
    kl_node *list = kl_doc__add(d->root, KL_NODE_LIST, NULL);
    oom |= !list;
    for (size_t i = 0; i < b->braille_end && !oom; i++) {
        const job *j = &b->jobs[i];
        if (j->state != J_WRITTEN || !j->brf_at)
            continue;
        kept_file kf = kl_batch__file(j, (size_t)j->brf_at - 1);
        const kept_file *f = &kf;
        kl_core__buf_clear(&p);
        kl_core__buf_printf(
            &p, "%s: member %s, %s, %u braille page%s, %s", f->name, kl_batch__brief(b, j)->id,
            j->languages ? j->languages : "", f->pages, f->pages == 1 ? "" : "s",
            j->brf_channel == KL_CHANNEL_POST ? "by post" : "handed over by the professional");
        oom |= p.oom || !kl_doc__add(list, KL_NODE_ITEM, p.data);
    }
    kl_core__buf_free(&p);
    if (oom) {
        kl_doc__free(d);
        return KL_ENOMEM;
    }
    *out = d;
    return 0;
}

/* With b->lock held: the print pack that has work now, marked as being made (SIZE_MAX if
 * none): the postal letters of its members done since the last call, taken from their jobs
 * into b->ready in member order, or every member in place and recorded (b->pack_whole: it is
 * then saved). A letter is added once its member is done, before its files are put in place:
 * if putting them in place fails, the run stops and the pack is never saved, so a saved pack
 * holds only letters in place. The first pack waits for the last braille letter before
 * anything (its note, the pack's first page, lists them). */
size_t kl_batch__take_pack_locked(batch *b)
{
    if (!b->packs_on || !b->renderer || b->pack_busy || b->pack_rc || b->stop || b->interrupted ||
        b->next_pack >= b->n_packs)
        return SIZE_MAX;
    size_t p = b->next_pack, end = b->pack_end[p];
    if (p == 0 && b->braille_end > b->next_flush)
        return SIZE_MAX;
    size_t upto = b->next_report < end ? b->next_report : end;
    bool whole = b->next_flush >= end;
    if (upto <= b->pack_at && !whole)
        return SIZE_MAX;
    b->n_ready = 0;
    for (; b->pack_at < upto; b->pack_at++) {
        job *j = &b->jobs[b->pack_at];
        if (!j->post || (!j->staged && j->state != J_WRITTEN))
            continue;
        if (KL_GROW(b->ready, b->cap_ready, b->n_ready + 1) < 0)
            break; /* the rest at the next call */
        b->ready[b->n_ready++] = j->post;
        j->post = NULL;
    }
    b->pack_whole = whole && b->pack_at == end;
    b->pack_busy = true;
    return p;
}

/* The pack's file as it is made (kl_pdf_sink): a pack of 1,200 pages is about 2 MB, never
 * whole in memory. */
int kl_batch__pack_file_write(void *arg, const void *data, size_t len)
{
    batch *b = arg;
    return kl_core__stream_write(b->pack_ctx, &b->pack_stream, data, len);
}

static void pack_opts(batch *b, kl_pdf_opts *o)
{
    kl_pdf__renderer_opts(b->renderer, o);
    o->line_spacing = b->popts.line_spacing;
    o->page_label = b->popts.page_label;
    o->creation_date = b->popts.creation_date;
}

/* The open pack given up (a failure, or the run stopped): its temporary file removed. */
static void pack_drop(batch *b)
{
    kl_pdf__pack_free(b->packer);
    b->packer = NULL;
    kl_core__stream_abort(&b->pack_stream);
    b->pack_stream = (kl_core_stream){.fd = -1};
    kl_core__buf_free(&b->pack_buf);
    kl_core__buf_free(&b->pack_disp);
    kl_free(b->pack_lang);
    b->pack_lang = NULL;
    b->pack_count = 0;
    b->pack_note = false;
}

/* Print pack p's name in the run's directory, and its display path in disp. */
static int pack_names(batch *b, size_t p, char name[40], kl_buf *disp)
{
    pack_name(name, 40, p, b->n_packs); /* "print-pack-%03zu.pdf": at most 20 digits */
    kl_core__buf_clear(disp);
    kl_core__buf_printf(disp, "%s/%s", b->dir, name);
    return disp->oom ? kl_core__oom(b->pack_ctx) : 0;
}

/* Print pack p's file started: listed in the run's manifest and its temporary made (its bytes
 * go there as they are made), unless the batch hands its files over (then they gather in
 * b->pack_buf). */
static int pack_open(batch *b, size_t p)
{
    if (b->output)
        return 0;
    kl_context *ctx = b->pack_ctx;
    char name[40];
    int rc = pack_names(b, p, name, &b->pack_disp);
    if (rc < 0)
        return rc;
    if (kl_batch__manifest_add(&b->rd, name))
        return kl_core__error(ctx, KL_EIO, KL_AT(b->dir, 0, 0), NULL,
                              "cannot add to the manifest of this run: %s", strerror(errno));
    return kl_core__stream_open(ctx, &b->pack_stream, b->dirfd, name, b->pack_disp.data,
                                b->rd.run_id);
}

/* The letters taken for print pack p (b->ready) added to it in order (the first pack starts
 * with the braille note), each freed once added. Called without b->lock, on the one thread
 * that makes packs. */
static int pack_add_ready(batch *b, size_t p)
{
    kl_context *ctx = b->pack_ctx;
    int rc = 0;
    if (!b->packer) {
        kl_doc *note = NULL;
        if (p == 0 && braille_note(b, &note))
            return kl_core__oom(ctx);
        if (!note && !b->n_ready) /* nothing yet: no file */
            return 0;
        kl_pdf_opts o;
        pack_opts(b, &o);
        if ((rc = pack_open(b, p)) < 0 ||
            (rc = kl_pdf__pack_begin(ctx, &o, &b->pack_buf, b->output ? NULL : &b->pack_sink,
                                     &b->packer)) < 0) {
            kl_doc__free(note);
            return rc;
        }
        if (note) {
            kl_pdf_pack_letter l = {.doc = note};
            rc = kl_pdf__pack_add(b->packer, &l);
            kl_doc__free(note);
            if (rc < 0)
                return rc;
            b->pack_note = true;
        }
    }
    for (size_t i = 0; i < b->n_ready && !rc; i++) {
        const char *lang = kl_pdf__kept_lang(b->ready[i]);
        if (!b->pack_count && lang && !(b->pack_lang = kl_core__strdup(lang)))
            rc = kl_core__oom(ctx);
        kl_pdf_pack_letter l = {.kept = b->ready[i]};
        if (!rc && (rc = kl_pdf__pack_add(b->packer, &l)) == 0)
            b->pack_count++;
    }
    for (size_t i = 0; i < b->n_ready; i++)
        kl_pdf__kept_free(b->ready[i]);
    b->n_ready = 0;
    return rc;
}

/* Print pack p, every letter added: its title, and the file saved (the fonts embedded now).
 * No file when it holds nothing. */
static int pack_finish(batch *b, size_t p, unsigned *pages, bool *written)
{
    kl_context *ctx = b->pack_ctx;
    size_t count = b->pack_count;
    kl_doc *meta = NULL;
    kl_buf title = KL_BUF_INIT, disp = KL_BUF_INIT;
    int rc = 0;
    if (!b->packer || count + b->pack_note == 0)
        goto done;
    const kl_review_info *info = kl_review__info(b->review);
    meta = kl_doc__new(b->pack_lang ? b->pack_lang : "en-GB");
    kl_core__buf_printf(&title, "Letters to post: %s, %s (%zu letters", kl_review_id(b->review),
                        kl_template_name(b->tpl), count);
    if (b->pack_note)
        kl_core__buf_puts(&title, "; braille letters to send listed first");
    if (b->n_packs > 1)
        kl_core__buf_printf(&title, ", pack %zu of %zu", p + 1, b->n_packs);
    kl_core__buf_puts(&title, ")");
    if (!meta || title.oom || kl_doc__set(&meta->title, title.data) ||
        kl_doc__set(&meta->author, info->partnership_name)) {
        rc = kl_core__oom(ctx);
        goto done;
    }
    char name[40];
    if ((rc = pack_names(b, p, name, &disp)) < 0)
        goto done;
    kl_pdf_packer *pk = b->packer;
    b->packer = NULL; /* pack_end frees it */
    if ((rc = kl_pdf__pack_end(pk, meta, pages)) < 0)
        goto done;
    if (b->output) /* in memory, to the caller: the whole file, then delivered */
        rc = kl_batch__place_file(ctx, b, name, disp.data, b->pack_buf.data, b->pack_buf.len);
    else /* its temporary fsync'd and renamed */
        rc = kl_core__stream_close(ctx, &b->pack_stream, name, false);
    *written = rc == 0;
done:
    pack_drop(b); /* a temporary left by a failure removed */
    kl_core__buf_free(&disp);
    kl_core__buf_free(&title);
    kl_doc__free(meta);
    return rc;
}

/* The work print pack p has now (taken with take_pack_locked): its members in place added,
 * and the pack saved and counted once every member is. */
void kl_batch__run_pack(batch *b, size_t p)
{
    unsigned pages = 0;
    bool written = false, whole = b->pack_whole;
    int rc = pack_add_ready(b, p);
    if (rc == 0 && whole)
        rc = pack_finish(b, p, &pages, &written);
    if (rc)
        pack_drop(b);
    pthread_mutex_lock(&b->lock);
    b->pack_busy = false;
    pthread_cond_broadcast(&b->pack_done);
    if (whole || rc)
        b->next_pack = p + 1;
    if (rc && !b->pack_rc)
        b->pack_rc = rc;
    if (written) {
        b->packs_written++;
        b->pack_pages += pages;
    }
    pthread_mutex_unlock(&b->lock);
}

/* The packs not finished while members were written (the last ones); a pack left open (the
 * run stopped) given up. */
void kl_batch__finish_packs(batch *b)
{
    for (;;) {
        pthread_mutex_lock(&b->lock);
        size_t p = kl_batch__take_pack_locked(b);
        pthread_mutex_unlock(&b->lock);
        if (p == SIZE_MAX)
            break;
        kl_batch__run_pack(b, p);
    }
    pack_drop(b);
}

/* kl_batch_generate_to(): the whole record, checked as a whole, to the caller. */
