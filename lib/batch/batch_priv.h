/* SPDX-License-Identifier: MIT */
/* The batch module's own declarations, shared by its files (batch.c,
 * member.c, commit.c, result.c, notify.c, pack.c); batch_internal.h holds
 * what other modules use. */
#ifndef KL_BATCH_PRIV_H
#define KL_BATCH_PRIV_H

#include "batch/batch_internal.h"
#include "kinletter/batch.h"
#include "kinletter/letter.h"
#include "kinletter/pdf.h"
#include "pdf/pdf_internal.h"
#include "review/review_internal.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Worker threads at most: the jobs option (or the processor count) is
 * clamped to it, as to the member count; more would only share the cores. */
#define MAX_JOBS 256
/* A member's files: at most 8, one channel of each kind (do_member): post 1,
 * via-professional 2 (the letter or braille, the cover note), email 4 (the
 * PDF, its password, the text, the draft), sms 1. */
#define MAX_OUT_FILES 8
/* Texts the disclosure check reads for a member: at most 8 (post 1,
 * via-professional 2, email 4: the text, the draft's header, the subject and
 * the body, sms 1). */
#define MAX_TEXTS 16
/* Letters in one print-pack file: a pack stays printable, and memory stays
 * bounded however large the family (each pack is made as soon as its
 * members' files are in place, and their letters are freed then). */
#define PACK_LETTERS 200
/* Postal letters of members done that may wait for their print pack while it is being made,
 * before the workers that do not make packs wait too (each holds its layout and deflated
 * pages: about 55 KB; with two jobs, 56 of them had piled up while a pack of 1,200 pages was
 * saved, 3 MB at the peak of a 10,000-member run). */
#define PACK_AHEAD 8
/* Members' files are made durable and put in place together (one syncfs, the
 * renames, one directory fsync) every COMMIT_MEMBERS members or COMMIT_MS
 * milliseconds, whichever comes first, and at the end. */
#define COMMIT_MEMBERS 64
#define COMMIT_MS      500

/* ---- per-member work ---------------------------------------------------------------- */

typedef struct out_file {
    char name[96]; /* "<id>-via-professional.pdf": ids are at most 64 ASCII characters */
    kl_channel channel;
    unsigned char *data;
    size_t len;
    unsigned pages;
    unsigned char kind; /* its name's suffix: an index into kl_batch__suffixes */
    bool is_pdf;
    bool written;
    bool secret; /* a password: no SHA-256 in the record (it would let it be guessed) */
    char *tmp;   /* the temporary it is staged in until the batch's next commit, or NULL */
    char sha[65];
} out_file;

/* The suffixes of a member's file names, "<id>-<suffix>" (member.c). */
extern const char *const kl_batch__suffixes[];

/* A file of a member (kl_batch__file), recorded or not: what the rest of the run reads (the Notify
 * files, the braille note). */
typedef struct kept_file {
    char name[96];
    kl_channel channel;
    unsigned
        pages; /* once the member is recorded: the braille letter's only (the note's), else 0 */
    bool written;
} kept_file;

/* Once a member is recorded (job_settle), each of its files is one byte of its job, and its name
 * is made again from the member's id: the suffix's index (4 bits), the channel (2 bits), written.
 */
#define KEPT_KIND          0x0fu
#define KEPT_CHANNEL_SHIFT 4
#define KEPT_WRITTEN       0x40u

typedef struct saved_diag {
    kl_severity severity;
    int code;
    char *message, *hint, *source, *member_id;
    unsigned line, column;
} saved_diag;

/* What only some members have: why it failed, its diagnostics (kl_batch__job_notes makes it). */
typedef struct job_notes {
    char *reason;
    saved_diag *diags;
    size_t n_diags, cap_diags;
    size_t n_forwarded; /* diagnostics already reported on the caller's context */
} job_notes;

typedef enum job_state { J_PENDING = 0, J_WRITTEN, J_FAILED, J_NOT_CONTACTED, J_SKIPPED } job_state;

/* A member's job, one for every member for the whole run: what it keeps is made before the workers
 * start or kept in the job itself (no memory of its own once it is recorded, unless it has notes),
 * and its fields are as narrow as their values. */
typedef struct job {
    kl_member *m; /* while it is worked on and recorded (kl_batch__job_member), else NULL */
    /* filled by a worker */
    out_file *files;   /* MAX_OUT_FILES while it is made; NULL once it is recorded (then kept[]) */
    kl_pdf_kept *post; /* the postal letter as its print pack needs it (pdf_internal.h) */
    job_notes *notes;  /* NULL if it has neither a reason nor a diagnostic */
    /* filled before the workers start: the review's id; strings of b->names (a family has few) */
    const char *id;
    const char *languages, *status;
    uint32_t n_fallback;         /* messages in English (language fallback), up to UINT32_MAX */
    uint32_t brf_pages;          /* the braille letter's pages, once it is recorded */
    uint8_t kept[MAX_OUT_FILES]; /* once it is recorded: n_files files (KEPT_*) */
    uint8_t n_files;
    uint8_t state;  /* job_state */
    uint8_t format; /* kl_format: needs@format (before the workers start) */
    uint8_t brf_at; /* files[] index of the braille letter + 1 (needs format="braille"), or 0 */
    uint8_t brf_channel, fail_channel; /* kl_channel */
    bool selected;                     /* before the workers start */
    bool fail_has_channel;
    bool done;
    bool staged; /* its files are temporaries, waiting for the next commit */
    bool draft;  /* filled before the workers start */
} job;

/* File k of a job (k < n_files), recorded or not. */
kept_file kl_batch__file(const job *j, size_t k);

typedef struct batch {
    kl_context *ctx;
    const kl_review *review;
    kl_batch_options o;
    kl_template *tpl, *cover_tpl;
    kl_catalog_set *cats;
    kl_review *english;
    kl_pdf_renderer *renderer;
    const kl_disclosure *disclosure; /* the review's (borrowed) */
    int dirfd;
    char *dir;
    kl_letter_options lopts;
    kl_pdf_options popts;
    kl_batch_output_fn output; /* kl_batch_generate_to(): outputs go here, not to disk */
    void *output_ud;
    char creation_date[32];
    job *jobs;
    size_t n_jobs, n_selected;
    char **names; /* the jobs' languages and statuses, each string once */
    size_t n_names, cap_names;

    /* Print packs, cut at the start by the postal letters expected (PACK_LETTERS
     * a pack, member order), so their number and names are known before any
     * member is written; each is made once its members are in place. */
    bool packs_on;        /* packs are made (not a dry run, or one handed over) */
    size_t *pack_end;     /* n_packs: job index after each pack's last expected letter */
    size_t braille_end;   /* job index after the last expected braille letter, or 0 */
    kl_context *pack_ctx; /* one pack at a time: its diagnostics, kept for the end */
    /* The print pack being made (next_pack's), a letter at a time as its members are put in
     * place (only the thread that makes packs reads these): NULL before its first letter. */
    struct kl_pdf_packer *packer;
    size_t pack_at;             /* the next member to add to it */
    struct kl_pdf_kept **ready; /* kl_batch__take_pack_locked: the letters to add now, in order */
    size_t n_ready, cap_ready;
    bool pack_whole;   /* kl_batch__take_pack_locked: every member of it is in place */
    size_t pack_count; /* postal letters added to it */
    bool pack_note;    /* it starts with the braille note */
    char *pack_lang;   /* its first postal letter's language */
    /* Its file, written as its pages are made: bytes not yet written (the whole file when the
     * batch hands its files over, b->output), and the temporary they go to (fd -1: none). */
    kl_buf pack_buf;
    kl_core_stream pack_stream;
    kl_buf pack_disp; /* its display path (the stream's) */
    kl_pdf_sink pack_sink;
    saved_diag *pack_diags;
    size_t n_pack_diags, cap_pack_diags;

    pthread_mutex_t lock; /* guards everything below */
    size_t next_job, next_flush, done_count;
    size_t next_report;   /* members before it were reported done, in member order */
    bool stop;            /* a write failed: nothing more is written */
    size_t packs_written; /* print packs written this run */
    size_t n_packs;
    size_t pack_pages;
    size_t next_pack;         /* the next print pack to make */
    bool pack_busy;           /* a thread is making one (one at a time: they share b->renderer) */
    pthread_cond_t pack_done; /* broadcast when it has made what it took */
    int pack_rc;              /* the first pack that failed: no other is made */
    int stop_rc;
    bool interrupted; /* the caller asked to stop: no member is started */
    job **staged;     /* members whose files wait for the next commit (COMMIT_MEMBERS slots) */
    size_t n_staged;
    struct timespec last_commit;

    /* The directory's lock and manifest, and the record written as members
     * finish (in member order), so a run that dies leaves an accurate one. */
    kl_rundir rd;
    struct kl_batch_result *res;
    kl_context *quiet;
    int record_fd;
    int record_err; /* KL_E code of the first failed record write, 0 if none */
    size_t rows_recorded;
    bool record_started; /* the header is written; the whole record is read back from
                            the file for the final check (not kept in memory) */
} batch;

typedef struct worker {
    batch *b;
    kl_context *ctx;
    kl_pdf_renderer *r;
    job *cur;
    pthread_t thread;
    bool started;
    /* Makes the print packs (worker 0, the caller's thread): every pack's
     * memory then comes from one malloc arena, reused pack after pack (made on
     * whichever thread was free, each thread's arena kept a pack's worth). */
    bool packs;
} worker;

/* The result's rows. During the run each row is kept compact (result.c add_row): appended to a
 * chain of row_chunks of ROW_CHUNK bytes (a row never spans two; a longer row gets a chunk of its
 * own), never copied to a larger buffer: its status, draft and pages as small integers, the SHA-256
 * as 32 bytes, the cells most rows share as a byte indexing names[], the rest NUL-terminated. The
 * record is written from them (kl_batch__record_text). The public kl_batch_row structs are made
 * only when the caller first asks for one (kl_batch_result_row), all at once, in blocks of
 * ROW_BLOCK: their strings point into the chunks and names[]. */
#define ROW_CHUNK 8192
#define ROW_BLOCK 256

typedef struct row_chunk {
    struct row_chunk *prev, *next;
    size_t first; /* index of its first row */
    size_t n;     /* rows in it */
    size_t used, cap;
    unsigned char data[];
} row_chunk;

struct kl_batch_result {
    char *dir;
    row_chunk *head, *tail; /* the rows as the run keeps them */
    size_t n_rows;
    /* Where row at_row starts (at_off in at_chunk), after the rows the record read last. */
    const row_chunk *at_chunk;
    size_t at_row, at_off;
    char **names; /* one copy of the rows' most repeated strings (result.c row_name) */
    size_t n_names, cap_names;
    kl_batch_totals totals;
    /* Made by the first kl_batch_result_row() (from one thread after the run; made under a lock
     * if several ask at once): row i is blocks[i / ROW_BLOCK][i % ROW_BLOCK]. NULL until then. */
    kl_batch_row **blocks;
    size_t n_blocks;
};

/* member.c */
char *kl_batch__dup_or_empty(const char *s);
void kl_batch__free_diags(saved_diag *d, size_t n);
void kl_batch__capture(const kl_diagnostic *d, void *userdata);
void kl_batch__capture_pack(const kl_diagnostic *d, void *userdata);
void kl_batch__forward(kl_context *ctx, const saved_diag *s);
void kl_batch__job_free_data(job *j);
void kl_batch__job_clear_files(job *j);
void kl_batch__job_free(job *j);
job_notes *kl_batch__job_notes(job *j);
void kl_batch__job_set_reason(job *j, char *reason);
void kl_batch__job_fail(job *j, kl_context *ctx, int rc, bool has_channel, kl_channel ch,
                        const char *fmt_prefix);
void kl_batch__report(batch *b, kl_batch_phase phase, const char *member_id, const char *channel);
void kl_batch__deliver(batch *b, const char *name, const char *member_id, const char *channel,
                       const void *data, size_t len, unsigned pages, const char *sha);
void kl_batch__flush_done(batch *b);
void *kl_batch__worker_main(void *arg);

/* commit.c */
int kl_batch__place_file(kl_context *ctx, batch *b, const char *name, const char *display,
                         const void *data, size_t len);
void kl_batch__write_member(worker *w, job *j);
double kl_batch__since_commit_ms(const batch *b);
void kl_batch__commit_staged(worker *w);

/* result.c */
int kl_batch__disclosure_run_idx(kl_context *ctx, const kl_disclosure *d, const char *text);
int kl_batch__job_rows(batch *b, kl_batch_result *res, job *j);
int kl_batch__record_text(kl_batch_result *res, size_t from, bool header, kl_buf *out);
void kl_batch__record_flush(batch *b);

/* batch.c */
/* What the review keeps of job j's member for the whole run (its id, languages, channels,
 * where it is written); the member itself (j->m) exists only while it is worked on. */
static inline const kl_member_brief *kl_batch__brief(const batch *b, const job *j)
{
    return kl_review__brief(b->review, (size_t)(j - b->jobs));
}
static inline bool kl_batch__has_channel(const kl_member_brief *m, kl_channel ch)
{
    return (m->channels >> ch) & 1u;
}
/* Job j's member made from the review (j->m) for as long as it is worked on and recorded: 0,
 * or KL_ENOMEM / KL_EBACKEND (j->m stays NULL). kl_batch__job_member_drop frees it. */
int kl_batch__job_member(batch *b, job *j);
void kl_batch__job_member_drop(job *j);

/* notify.c */
int kl_batch__notify_csvs(batch *b);

/* pack.c */
int kl_batch__cut_packs(batch *b);
size_t kl_batch__take_pack_locked(batch *b);
void kl_batch__run_pack(batch *b, size_t p);
void kl_batch__finish_packs(batch *b);
int kl_batch__pack_file_write(void *arg, const void *data, size_t len);

#endif
