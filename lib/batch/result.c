/* SPDX-License-Identifier: MIT */
/* batch/result.c: the result's rows and the batch record written as members finish. */
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

/* The same for text no member reads as their own (the record, a reason). */
int kl_batch__disclosure_run_idx(kl_context *ctx, const kl_disclosure *d, const char *text)
{
    return kl_disclosure__scan(ctx, d, KL_DISCLOSURE_NOBODY, 0, text, strlen(text), KL_NOWHERE,
                               "the batch record");
}

/* ---- the result ---------------------------------------------------------------------- */

/* A row's strings are one block, member_id first. */
static void row_free(kl_batch_row *r)
{
    kl_free((char *)r->member_id);
}

KL_API void kl_batch_result_free(kl_batch_result *result)
{
    if (!result)
        return;
    for (size_t i = 0; i < result->n_rows; i++)
        row_free(&result->blocks[i / ROW_BLOCK][i % ROW_BLOCK]);
    for (size_t i = 0; i < result->n_blocks; i++)
        kl_free(result->blocks[i]);
    kl_free(result->blocks);
    for (size_t i = 0; i < result->n_names; i++)
        kl_free(result->names[i]);
    kl_free(result->names);
    kl_free(result->dir);
    kl_free(result);
}

KL_API size_t kl_batch_result_row_count(const kl_batch_result *result)
{
    return result ? result->n_rows : 0;
}

KL_API const kl_batch_row *kl_batch_result_row(const kl_batch_result *result, size_t i)
{
    return result && i < result->n_rows ? &result->blocks[i / ROW_BLOCK][i % ROW_BLOCK] : NULL;
}

KL_API int kl_batch_result_totals(const kl_batch_result *result, kl_batch_totals *out)
{
    if (!result || !kl_core__out_size_ok(out, offsetof(kl_batch_totals, print_packs) +
                                                  sizeof out->print_packs))
        return KL_EINVAL;
    kl_batch_totals full = result->totals;
    full.size = sizeof full;
    kl_core__out_copy(out, &full, sizeof full);
    return 0;
}

KL_API const char *kl_batch_result_dir(const kl_batch_result *result)
{
    return result ? result->dir : NULL;
}

KL_API const char *kl_batch_status_name(kl_batch_status status)
{
    switch (status) {
    case KL_BATCH_WRITTEN:
        return "written";
    case KL_BATCH_FAILED:
        return "failed";
    case KL_BATCH_NOT_CONTACTED:
        return "not-contacted";
    case KL_BATCH_SKIPPED:
        return "skipped";
    }
    return "unknown";
}

/* A reason is free text (the review's, or a message that may quote the
 * letter): it never reaches the record if it holds anyone's contact detail.
 * s or instead; NULL when out of memory (the row fails with KL_ENOMEM: not
 * "(not shown...)" for a harmless name). */
static const char *safe_text(kl_context *quiet, const kl_disclosure *idx, const char *s,
                             const char *instead)
{
    const char *t[] = {s ? s : ""};
    int rc = kl_batch__disclosure_run_idx(quiet, idx, t[0]);
    if (rc == KL_ENOMEM)
        return NULL;
    return rc ? instead : t[0];
}

#define ROW_STRINGS 12
/* The cells most rows share (relationship, languages, translation status, reading level, print
 * size, channel, format): kept once in the result, up to ROW_NAMES distinct strings. */
#define ROW_SHARED(i) ((i) == 2 || ((i) >= 3 && (i) <= 7) || (i) == 11)
#define ROW_NAMES     64

/* The result's copy of s if it has one or can make one (NULL: the row keeps its own). */
static const char *row_name(kl_batch_result *res, const char *s)
{
    for (size_t i = 0; i < res->n_names; i++)
        if (strcmp(res->names[i], s) == 0)
            return res->names[i];
    if (res->n_names >= ROW_NAMES || KL_GROW(res->names, res->cap_names, res->n_names + 1) < 0)
        return NULL;
    char *c = kl_core__strdup(s);
    if (c)
        res->names[res->n_names++] = c;
    return c;
}

/* The row's strings copied into one block (a large family has a row or more
 * a member for the whole run: one allocation, not twelve), but for the shared
 * ones. member_id is always the block's start (row_free). */
static int row_strings(kl_batch_result *res, kl_batch_row *r, const char *const cells[ROW_STRINGS])
{
    size_t len[ROW_STRINGS], total = 0;
    const char *shared[ROW_STRINGS] = {0};
    for (size_t i = 0; i < ROW_STRINGS; i++) {
        const char *c = cells[i] ? cells[i] : "";
        if (ROW_SHARED(i) && (shared[i] = row_name(res, c)))
            continue;
        total += (len[i] = strlen(c)) + 1;
    }
    char *p = kl_core__malloc(total);
    if (!p)
        return KL_ENOMEM;
    const char **fields[ROW_STRINGS] = {
        &r->member_id,     &r->name,       &r->relationship, &r->languages, &r->translation_status,
        &r->reading_level, &r->print_size, &r->channel,      &r->file,      &r->sha256,
        &r->reason,        &r->format};
    for (size_t i = 0; i < ROW_STRINGS; i++) {
        if (shared[i]) {
            *fields[i] = shared[i];
            continue;
        }
        memcpy(p, cells[i] ? cells[i] : "", len[i] + 1);
        *fields[i] = p;
        p += len[i] + 1;
    }
    return 0;
}

static int add_row(kl_batch_result *res, kl_context *quiet, const kl_disclosure *idx, const job *j,
                   const char *channel, const out_file *f, kl_batch_status st, const char *reason)
{
    if (res->n_rows == res->n_blocks * ROW_BLOCK) {
        if (KL_GROW(res->blocks, res->cap_blocks, res->n_blocks + 1) < 0 ||
            !(res->blocks[res->n_blocks] = kl_core__malloc(ROW_BLOCK * sizeof **res->blocks)))
            return KL_ENOMEM;
        res->n_blocks++;
    }
    const kl_member *m = j->m;
    kl_batch_row *r = &res->blocks[res->n_rows / ROW_BLOCK][res->n_rows % ROW_BLOCK];
    memset(r, 0, sizeof *r);
    kl_buf name = KL_BUF_INIT, print = KL_BUF_INIT;
    kl_core__buf_printf(&name, "%s%s%s", m->given ? m->given : "", m->family ? " " : "",
                        m->family ? m->family : "");
    if (m->print_profile)
        kl_core__buf_printf(&print, "%s (%g pt)", m->print_profile, m->print_size);
    const char *safe_name = name.oom || print.oom /* not a row with them left out */
                                ? NULL
                                : safe_text(quiet, idx, name.data, m->given ? m->given : "");
    const char *safe_reason =
        safe_name ? safe_text(quiet, idx, reason,
                              "(not shown: the reason holds contact details; see the messages)")
                  : NULL;
    const char *cells[ROW_STRINGS] = {m->id,
                                      safe_name,
                                      m->relationship,
                                      j->languages,
                                      j->status,
                                      m->contact_none ? "" : kl_reading_name(m->reading),
                                      m->contact_none ? "" : print.data,
                                      channel,
                                      f ? f->name : "",
                                      f ? f->sha : "",
                                      safe_reason,
                                      m->contact_none ? "" : kl_format_name(j->format)};
    int rc = safe_name && safe_reason ? row_strings(res, r, cells) : KL_ENOMEM;
    kl_core__buf_free(&name);
    kl_core__buf_free(&print);
    if (rc < 0)
        return rc;
    r->pages = f ? f->pages : 0;
    r->status = st;
    r->draft = j->draft;
    res->n_rows++;
    return 0;
}

/* The record's rows for one member (and its part of the totals). */
int kl_batch__job_rows(batch *b, kl_batch_result *res, job *j)
{
    kl_context *quiet = b->quiet;
    int rc = 0;
    kl_batch_totals *t = &res->totals;
    const kl_member *m = j->m;
    switch (j->state) {
    case J_SKIPPED:
        t->skipped++;
        rc = add_row(res, quiet, b->disclosure, j, "", NULL, KL_BATCH_SKIPPED,
                     "not selected for this run");
        break;
    case J_NOT_CONTACTED:
        t->not_contacted++;
        rc = add_row(res, quiet, b->disclosure, j, "", NULL, KL_BATCH_NOT_CONTACTED, m->reason);
        break;
    case J_WRITTEN: {
        t->members_written++;
        t->draft_members += j->draft;
        char note[96] = ""; /* a count and 40 bytes of words */
        if (j->n_fallback)
            snprintf(note, sizeof note, "%zu message%s in English (language fallback)",
                     j->n_fallback, j->n_fallback == 1 ? "" : "s");
        for (size_t i = 0; i < j->n_files && !rc; i++) {
            t->files++;
            if (j->files[i].is_pdf) /* PDF pages; a BRF's braille pages are its row's */
                t->pages += j->files[i].pages;
            rc = add_row(res, quiet, b->disclosure, j, kl_channel_name(j->files[i].channel),
                         &j->files[i], KL_BATCH_WRITTEN, note);
        }
        break;
    }
    case J_FAILED:
    case J_PENDING:
    default: {
        t->members_failed++;
        const char *why = j->reason                                 ? j->reason
                          : j->state == J_PENDING && b->interrupted ? "not written: the run was "
                                                                      "interrupted first"
                                                                    : "not finished";
        bool any = false, seen[4] = {false, false, false, false};
        for (size_t i = 0; i < m->n_contacts && !rc; i++) {
            kl_channel ch = m->contacts[i].channel;
            if ((unsigned)ch > KL_CHANNEL_VIA_PROFESSIONAL || seen[ch])
                continue;
            seen[ch] = any = true;
            char other[160]; /* 60 bytes of words and a channel's name */
            snprintf(other, sizeof other,
                     "nothing is written for this member: the %s output failed",
                     kl_channel_name(j->fail_channel));
            bool here = !j->fail_has_channel || j->fail_channel == ch;
            rc = add_row(res, quiet, b->disclosure, j, kl_channel_name(ch), NULL, KL_BATCH_FAILED,
                         here ? why : other);
        }
        if (!any && !rc)
            rc = add_row(res, quiet, b->disclosure, j, "", NULL, KL_BATCH_FAILED, why);
        break;
    }
    }
    return rc;
}

static const char *const record_header[] = {
    "member_id",     "name",       "relationship", "languages", "translation_status",
    "reading_level", "print_size", "channel",      "file",      "pages",
    "sha256",        "result",     "reason",       "format"};
#define RECORD_COLS (sizeof record_header / sizeof record_header[0])

/* Rows from..n of the record as CSV, the header first if asked. */
int kl_batch__record_text(const kl_batch_result *res, size_t from, bool header, kl_buf *out)
{
    if (header)
        kl_batch__csv_row(out, record_header, RECORD_COLS);
    for (size_t i = from; i < res->n_rows; i++) {
        const kl_batch_row *r = kl_batch_result_row(res, i);
        char pages[16] = "";
        if (r->file[0] && (strstr(r->file, ".pdf") || strstr(r->file, ".brf")))
            snprintf(pages, sizeof pages, "%u", r->pages);
        const char *cells[RECORD_COLS] = {r->member_id,
                                          r->name,
                                          r->relationship,
                                          r->languages,
                                          r->translation_status,
                                          r->reading_level,
                                          r->print_size,
                                          r->channel,
                                          r->file,
                                          pages,
                                          r->sha256,
                                          kl_batch_status_name(r->status),
                                          r->reason,
                                          r->format};
        kl_batch__csv_row(out, cells, RECORD_COLS);
    }
    return out->oom ? KL_ENOMEM : 0;
}

/* Append the rows not yet in record.csv to it. Called with b->lock held (or
 * after the workers), in member order. A failed write is remembered; the
 * rows stay in the result. */
void kl_batch__record_flush(batch *b)
{
    kl_batch_result *res = b->res;
    if (!res || b->record_fd < 0 || b->record_err)
        return;
    kl_buf chunk = KL_BUF_INIT;
    if (kl_batch__record_text(res, b->rows_recorded, !b->record_started, &chunk)) {
        b->record_err = KL_ENOMEM;
        kl_core__buf_free(&chunk);
        return;
    }
    /* Defence in depth: no row names anyone's contact details. */
    const char *t[] = {chunk.data ? chunk.data : ""};
    int hit = kl_batch__disclosure_run_idx(b->quiet, b->disclosure, t[0]);
    if (hit) {
        b->record_err = hit == KL_ENOMEM ? KL_ENOMEM : KL_EDATA;
        kl_core__buf_free(&chunk);
        return;
    }
    const char *p = chunk.data;
    size_t len = chunk.len;
    while (len) {
        ssize_t n = write(b->record_fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            b->record_err = KL_EIO;
            errno = errno ? errno : EIO;
            break;
        }
        p += n;
        len -= (size_t)n;
    }
    if (!b->record_err) {
        b->record_started = true;
        b->rows_recorded = res->n_rows;
    }
    kl_core__buf_free(&chunk);
}
