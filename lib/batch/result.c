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
#include <inttypes.h>
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

/* A row's cells, in the order add_row stores them: the kl_batch_row strings. */
#define ROW_CELLS 12
#define ROW_SHA   9
/* The cells most rows share (relationship, languages, translation status, reading level, print
 * size, channel, format): kept once in the result, up to ROW_NAMES distinct strings, a row
 * holding the index of its own (a byte), or ROW_OWN and the string itself. */
#define ROW_SHARED(i) ((i) == 2 || ((i) >= 3 && (i) <= 7) || (i) == 11)
#define ROW_N_SHARED  7
#define ROW_NAMES     64
#define ROW_OWN       0xff
/* A row's first byte: its status (2 bits), draft, and whether its SHA-256 is kept as 32 bytes
 * (64 lowercase hex digits; any other text is kept as it is: "" for a password file). */
#define ROW_STATUS_MASK 3u
#define ROW_DRAFT       4u
#define ROW_RAW_SHA     8u

/* A compact row (batch_priv.h): the first byte, the pages (7 bits a byte, low first, the high bit
 * set on all but the last), ROW_N_SHARED indexes, the 32 bytes of a raw SHA-256, then each cell
 * that is neither shared nor the raw SHA-256, NUL-terminated, in cell order. */

static void sha_hex(const unsigned char raw[32], char hex[65])
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < 32; i++) {
        hex[2 * i] = digits[raw[i] >> 4];
        hex[2 * i + 1] = digits[raw[i] & 15];
    }
    hex[64] = '\0';
}

/* The 32 bytes of s if it is 64 lowercase hex digits (so that sha_hex gives s back). */
static bool sha_raw(const char *s, unsigned char raw[32])
{
    for (size_t i = 0; i < 64; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    if (s[64])
        return false;
    for (size_t i = 0; i < 32; i++) {
        unsigned hi = (unsigned)(s[2 * i] <= '9' ? s[2 * i] - '0' : s[2 * i] - 'a' + 10);
        unsigned lo =
            (unsigned)(s[2 * i + 1] <= '9' ? s[2 * i + 1] - '0' : s[2 * i + 1] - 'a' + 10);
        raw[i] = (unsigned char)(hi << 4 | lo);
    }
    return true;
}

/* The row stored at p into r (its strings borrowed from the chunk and res->names; a raw SHA-256
 * written as hex into hex); the byte after the row. */
static const unsigned char *row_decode(const kl_batch_result *res, const unsigned char *p,
                                       kl_batch_row *r, char hex[65])
{
    unsigned flags = *p++, pages = 0;
    for (unsigned shift = 0;; shift += 7) {
        unsigned char byte = *p++;
        pages |= (unsigned)(byte & 0x7f) << shift;
        if (!(byte & 0x80))
            break;
    }
    const unsigned char *idx = p;
    p += ROW_N_SHARED;
    const unsigned char *raw = NULL;
    if (flags & ROW_RAW_SHA) {
        raw = p;
        p += 32;
    }
    const char *cells[ROW_CELLS];
    for (size_t i = 0, k = 0; i < ROW_CELLS; i++) {
        unsigned x = ROW_SHARED(i) ? idx[k++] : ROW_OWN;
        if (x != ROW_OWN) {
            cells[i] = res->names[x];
        } else if (i == ROW_SHA && raw) {
            sha_hex(raw, hex);
            cells[i] = hex;
        } else {
            cells[i] = (const char *)p;
            p += strlen(cells[i]) + 1;
        }
    }
    *r = (kl_batch_row){.member_id = cells[0],
                        .name = cells[1],
                        .relationship = cells[2],
                        .languages = cells[3],
                        .translation_status = cells[4],
                        .reading_level = cells[5],
                        .print_size = cells[6],
                        .channel = cells[7],
                        .file = cells[8],
                        .pages = pages,
                        .sha256 = cells[ROW_SHA],
                        .status = (kl_batch_status)(flags & ROW_STATUS_MASK),
                        .reason = cells[10],
                        .draft = (flags & ROW_DRAFT) != 0,
                        .format = cells[11]};
    return p;
}

static void free_made(kl_batch_row **blocks, size_t n)
{
    for (size_t i = 0; blocks && i < n; i++)
        kl_free(blocks[i]);
    kl_free(blocks);
}

KL_API void kl_batch_result_free(kl_batch_result *result)
{
    if (!result)
        return;
    free_made(result->blocks, result->n_blocks);
    for (row_chunk *c = result->head, *next; c; c = next) {
        next = c->next;
        kl_free(c);
    }
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

/* Only the first kl_batch_result_row() of a result makes its rows (one at a time, if several
 * threads ask at once: a lock taken once per result). */
static pthread_mutex_t make_lock = PTHREAD_MUTEX_INITIALIZER;

/* The public rows, made from the compact ones, each block with its rows' hex SHA-256s after
 * them; NULL when out of memory (nothing is kept: the next call tries again). */
static kl_batch_row **make_rows(kl_batch_result *res)
{
    size_t nb = (res->n_rows + ROW_BLOCK - 1) / ROW_BLOCK;
    kl_batch_row **blocks = kl_core__calloc(nb, sizeof *blocks);
    if (!blocks)
        return NULL;
    for (size_t b = 0; b < nb; b++) {
        size_t n = b + 1 < nb ? ROW_BLOCK : res->n_rows - b * ROW_BLOCK;
        if (!(blocks[b] = kl_core__malloc(n * (sizeof **blocks + 65)))) {
            free_made(blocks, b);
            return NULL;
        }
    }
    size_t i = 0;
    for (const row_chunk *c = res->head; c; c = c->next) {
        const unsigned char *p = c->data;
        for (size_t k = 0; k < c->n; k++, i++) {
            size_t b = i / ROW_BLOCK, n = b + 1 < nb ? ROW_BLOCK : res->n_rows - b * ROW_BLOCK;
            char(*hex)[65] = (char(*)[65])(blocks[b] + n);
            p = row_decode(res, p, &blocks[b][i % ROW_BLOCK], hex[i % ROW_BLOCK]);
        }
    }
    assert(i == res->n_rows);
    res->n_blocks = nb;
    return blocks;
}

KL_API const kl_batch_row *kl_batch_result_row(const kl_batch_result *result, size_t i)
{
    if (!result || i >= result->n_rows)
        return NULL;
    /* The result is the library's (kl_batch_generate allocated it), not a const object. */
    kl_batch_result *res = (kl_batch_result *)result;
    kl_batch_row **blocks = __atomic_load_n(&res->blocks, __ATOMIC_ACQUIRE);
    if (!blocks) {
        pthread_mutex_lock(&make_lock);
        if (!(blocks = res->blocks) && (blocks = make_rows(res)))
            __atomic_store_n(&res->blocks, blocks, __ATOMIC_RELEASE);
        pthread_mutex_unlock(&make_lock);
    }
    return blocks ? &blocks[i / ROW_BLOCK][i % ROW_BLOCK] : NULL;
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

/* The index of the result's copy of s if it has one or can make one (-1: the row keeps its
 * own). */
static int row_name(kl_batch_result *res, const char *s)
{
    for (size_t i = 0; i < res->n_names; i++)
        if (strcmp(res->names[i], s) == 0)
            return (int)i;
    if (res->n_names >= ROW_NAMES || KL_GROW(res->names, res->cap_names, res->n_names + 1) < 0)
        return -1;
    char *c = kl_core__strdup(s);
    if (!c)
        return -1;
    res->names[res->n_names] = c;
    return (int)res->n_names++;
}

/* Append a row to the last chunk, or to a new one when it does not fit (batch_priv.h). */
static int row_put(kl_batch_result *res, const char *const cells[ROW_CELLS], unsigned pages,
                   kl_batch_status st, bool draft)
{
    assert(!res->blocks); /* rows are added during the run, made public after it */
    unsigned char idx[ROW_N_SHARED], raw[32];
    size_t len[ROW_CELLS] = {0};
    bool raw_sha = sha_raw(cells[ROW_SHA] ? cells[ROW_SHA] : "", raw);
    size_t need = 1 + ROW_N_SHARED + (raw_sha ? 32 : 0);
    for (unsigned v = pages; need++, v >= 0x80; v >>= 7)
        ;
    for (size_t i = 0, k = 0; i < ROW_CELLS; i++) {
        const char *c = cells[i] ? cells[i] : "";
        if (ROW_SHARED(i)) {
            int x = row_name(res, c);
            idx[k++] = x < 0 ? ROW_OWN : (unsigned char)x;
            if (x >= 0)
                continue;
        }
        if (i == ROW_SHA && raw_sha)
            continue;
        need += (len[i] = strlen(c)) + 1;
    }
    row_chunk *c = res->tail;
    if (!c || c->cap - c->used < need) {
        size_t cap = ROW_CHUNK - sizeof *c;
        row_chunk *n = kl_core__malloc(sizeof *n + (need > cap ? need : cap));
        if (!n)
            return KL_ENOMEM;
        *n = (row_chunk){.prev = c, .first = res->n_rows, .cap = need > cap ? need : cap};
        if (c)
            c->next = n;
        else
            res->head = n;
        res->tail = c = n;
    }
    unsigned char *p = c->data + c->used;
    *p++ = (unsigned char)((unsigned)st & ROW_STATUS_MASK) | (draft ? ROW_DRAFT : 0) |
           (raw_sha ? ROW_RAW_SHA : 0);
    for (unsigned v = pages;; v >>= 7) {
        *p++ = (unsigned char)((v & 0x7f) | (v >= 0x80 ? 0x80 : 0));
        if (v < 0x80)
            break;
    }
    memcpy(p, idx, ROW_N_SHARED);
    p += ROW_N_SHARED;
    if (raw_sha) {
        memcpy(p, raw, 32);
        p += 32;
    }
    for (size_t i = 0, k = 0; i < ROW_CELLS; i++) {
        if ((ROW_SHARED(i) && idx[k++] != ROW_OWN) || (i == ROW_SHA && raw_sha))
            continue;
        memcpy(p, cells[i] ? cells[i] : "", len[i] + 1);
        p += len[i] + 1;
    }
    assert((size_t)(p - c->data) == c->used + need);
    c->used += need;
    c->n++;
    res->n_rows++;
    return 0;
}

static int add_row(kl_batch_result *res, kl_context *quiet, const kl_disclosure *idx, const job *j,
                   const char *channel, const out_file *f, kl_batch_status st, const char *reason)
{
    const kl_member *m = j->m;
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
    const char *cells[ROW_CELLS] = {m->id,
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
    int rc =
        safe_name && safe_reason ? row_put(res, cells, f ? f->pages : 0, st, j->draft) : KL_ENOMEM;
    kl_core__buf_free(&name);
    kl_core__buf_free(&print);
    return rc;
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
            snprintf(note, sizeof note, "%" PRIu32 " message%s in English (language fallback)",
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
        const char *reason = j->notes ? j->notes->reason : NULL;
        const char *why = reason                                    ? reason
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
int kl_batch__record_text(kl_batch_result *res, size_t from, bool header, kl_buf *out)
{
    if (header)
        kl_batch__csv_row(out, record_header, RECORD_COLS);
    /* Where row from starts: after the rows written last time (the record is written a member
     * at a time), else found from the chunks' first rows. */
    const row_chunk *c = res->at_chunk;
    size_t at = res->at_row, off = res->at_off;
    if (!c || at > from) {
        for (c = res->tail; c && c->first > from; c = c->prev)
            ;
        at = c ? c->first : 0;
        off = 0;
    }
    char hex[65];
    kl_batch_row row;
    for (size_t i = at; i < res->n_rows; i++) {
        if (off == c->used) {
            c = c->next;
            off = 0;
        }
        const kl_batch_row *r = &row;
        off = (size_t)(row_decode(res, c->data + off, &row, hex) - c->data);
        if (i < from)
            continue;
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
    if (c) {
        res->at_chunk = c;
        res->at_row = res->n_rows;
        res->at_off = off;
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
