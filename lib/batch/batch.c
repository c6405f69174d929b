/* SPDX-License-Identifier: MIT */
/* batch/batch.c: every letter of a review: worker threads, the disclosure check, files, record. */
#define _GNU_SOURCE
#include "batch/batch_internal.h"
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

/* The disclosure check (review/disclosure.c) on everything written for a
 * member: no other member's phone, email, postcode or address line. */
static int disclosure_run(kl_context *ctx, const kl_review *review, const kl_member *m,
                          const char *const *texts, size_t n)
{
    const kl_disclosure *d = kl_review__disclosure(review);
    size_t reader = kl_review__member_index(review, m);
    kl_where w = {m->source, m->line, m->column, m->id};
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++)
        if (texts[i])
            rc = kl_disclosure__scan(ctx, d, reader, 0, texts[i], strlen(texts[i]), w,
                                     "the correspondence for this member");
    return rc;
}

/* The same for text no member reads as their own (the record, a reason). */
static int disclosure_run_idx(kl_context *ctx, const kl_disclosure *d, const char *text)
{
    return kl_disclosure__scan(ctx, d, KL_DISCLOSURE_NOBODY, 0, text, strlen(text), KL_NOWHERE,
                               "the batch record");
}

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
    bool is_pdf;
    bool written;
    bool secret; /* a password: no SHA-256 in the record (it would let it be guessed) */
    char *tmp;   /* the temporary it is staged in until the batch's next commit, or NULL */
    char sha[65];
} out_file;

typedef struct saved_diag {
    kl_severity severity;
    int code;
    char *message, *hint, *source, *member_id;
    unsigned line, column;
} saved_diag;

typedef enum job_state { J_PENDING = 0, J_WRITTEN, J_FAILED, J_NOT_CONTACTED, J_SKIPPED } job_state;

typedef struct job {
    const kl_member *m;
    bool selected;
    /* filled by a worker */
    job_state state;
    out_file *files; /* MAX_OUT_FILES while it is made; n_files once it is recorded */
    size_t n_files;
    bool fail_has_channel;
    kl_channel fail_channel;
    char *reason;
    size_t n_fallback;
    kl_letter *post;  /* the postal letter, kept for the print pack */
    kl_format format; /* needs@format */
    int brf_at;       /* files[] index of the braille letter + 1 (needs format="braille"), or 0 */
    kl_channel brf_channel;
    saved_diag *diags;
    size_t n_diags, cap_diags;
    size_t n_forwarded; /* diagnostics already reported on the caller's context */
    bool done;
    bool staged; /* its files are temporaries, waiting for the next commit */
    /* filled before the workers start */
    char *languages, *status;
    bool draft;
} job;

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

    /* Print packs, cut at the start by the postal letters expected (PACK_LETTERS
     * a pack, member order), so their number and names are known before any
     * member is written; each is made once its members are in place. */
    bool packs_on;        /* packs are made (not a dry run, or one handed over) */
    size_t *pack_end;     /* n_packs: job index after each pack's last expected letter */
    size_t braille_end;   /* job index after the last expected braille letter, or 0 */
    kl_context *pack_ctx; /* one pack at a time: its diagnostics, kept for the end */
    saved_diag *pack_diags;
    size_t n_pack_diags, cap_pack_diags;

    pthread_mutex_t lock; /* guards everything below */
    size_t next_job, next_flush, done_count;
    size_t next_report;   /* members before it were reported done, in member order */
    bool stop;            /* a write failed: nothing more is written */
    size_t packs_written; /* print packs written this run */
    size_t n_packs;
    size_t pack_pages;
    size_t next_pack; /* the next print pack to make */
    bool pack_busy;   /* a thread is making one (one at a time: they share b->renderer) */
    int pack_rc;      /* the first pack that failed: no other is made */
    int stop_rc;
    bool interrupted; /* the caller asked to stop: no member is started */
    job **staged;     /* members whose files wait for the next commit (n_jobs slots) */
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
    bool record_started; /* the header is written */
    kl_buf record;       /* the whole record so far, for the final check */
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

static char *dup_or_empty(const char *s)
{
    return kl_core__strdup(s ? s : "");
}

/* Keep a diagnostic for later (m: the member it is about, or NULL). */
static void save_diag(saved_diag **arr, size_t *n, size_t *cap, const kl_diagnostic *d,
                      const kl_member *m)
{
    if (KL_GROW(*arr, *cap, *n + 1) < 0)
        return; /* the failure itself still lands in the record */
    saved_diag *s = &(*arr)[(*n)++];
    s->severity = d->severity;
    s->code = d->code;
    s->message = dup_or_empty(d->message);
    s->hint = d->hint ? kl_core__strdup(d->hint) : NULL;
    /* A problem met while composing or rendering (a character no font has,
     * a paragraph too long) names no place: it is about this member, so it
     * points at the member's entry in the review. */
    bool placed = d->source != NULL || !m;
    const char *src = placed ? d->source : m->source;
    s->source = src ? kl_core__strdup(src) : NULL;
    /* Whatever it is about (a catalog line, the logo), it failed this member. */
    const char *id = d->member_id ? d->member_id : m ? m->id : NULL;
    s->member_id = id ? kl_core__strdup(id) : NULL;
    s->line = placed ? d->line : m->line;
    s->column = placed ? d->column : m->column;
}

static void free_diags(saved_diag *d, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        kl_free(d[i].message);
        kl_free(d[i].hint);
        kl_free(d[i].source);
        kl_free(d[i].member_id);
    }
    kl_free(d);
}

/* Diagnostics of a worker are kept with the member they are about and
 * reported on the caller's context in member order. */
static void capture(const kl_diagnostic *d, void *userdata)
{
    worker *w = userdata;
    job *j = w->cur;
    if (j)
        save_diag(&j->diags, &j->n_diags, &j->cap_diags, d, j->m);
}

/* A print pack's, reported after the members' (as when packs were made last). */
static void capture_pack(const kl_diagnostic *d, void *userdata)
{
    batch *b = userdata;
    save_diag(&b->pack_diags, &b->n_pack_diags, &b->cap_pack_diags, d, NULL);
}

static void forward(kl_context *ctx, const saved_diag *s)
{
    kl_where w = {s->source, s->line, s->column, s->member_id};
    if (s->severity == KL_SEVERITY_ERROR)
        kl_core__report(ctx, s->code ? s->code : KL_EDATA, w, s->hint, "%s", s->message);
    else
        kl_core__warn(ctx, s->severity, w, s->hint, "%s", s->message);
}

/* The files' bytes and temporaries' names (not the files' rows). */
static void job_free_data(job *j)
{
    for (size_t i = 0; i < j->n_files; i++) {
        kl_free(j->files[i].data);
        j->files[i].data = NULL;
        kl_free(j->files[i].tmp);
        j->files[i].tmp = NULL;
    }
}

static void job_clear_files(job *j)
{
    kl_letter_free(j->post);
    j->post = NULL;
    job_free_data(j);
}

static void job_free(job *j)
{
    job_clear_files(j);
    kl_free(j->files);
    kl_free(j->reason);
    free_diags(j->diags, j->n_diags);
    kl_free(j->languages);
    kl_free(j->status);
}

/* Mark the member failed: nothing is written for it. The reason is the
 * context's last error (what compose, render or the check said). */
static void job_fail(job *j, kl_context *ctx, int rc, bool has_channel, kl_channel ch,
                     const char *fmt_prefix)
{
    const kl_diagnostic *e = kl_context_last_error(ctx);
    const char *msg = e && e->message ? e->message : kl_strerror(rc);
    kl_buf b = KL_BUF_INIT;
    if (fmt_prefix)
        kl_core__buf_puts(&b, fmt_prefix);
    kl_core__buf_puts(&b, msg);
    kl_free(j->reason);
    j->reason = kl_core__buf_detach(&b);
    if (!j->reason)
        j->reason = kl_core__strdup("out of memory");
    j->state = J_FAILED;
    j->fail_has_channel = has_channel;
    j->fail_channel = ch;
    job_clear_files(j);
    j->n_files = 0;
}

/* A new file of the member, or NULL with the error reported on ctx. */
static out_file *add_file(kl_context *ctx, job *j, kl_channel ch, const char *suffix)
{
    if (!j->files && !(j->files = kl_core__calloc(MAX_OUT_FILES, sizeof *j->files))) {
        kl_core__oom(ctx);
        return NULL;
    }
    if (j->n_files == MAX_OUT_FILES) {
        kl_core__error(ctx, KL_ELIMIT, KL_NOWHERE, NULL, "too many files for one member");
        return NULL;
    }
    out_file *f = &j->files[j->n_files++];
    memset(f, 0, sizeof *f);
    f->channel = ch;
    int n = snprintf(f->name, sizeof f->name, "%s-%s", j->m->id, suffix);
    /* Only a member whose data is sound gets files (do_member), and the
     * review refuses an id of more than 64 characters. */
    assert(n > 0 && (size_t)n < sizeof f->name);
    f->is_pdf = strstr(suffix, ".pdf") != NULL;
    return f;
}

/* The error add_file() reported. */
static int add_file_error(kl_context *ctx)
{
    const kl_diagnostic *e = kl_context_last_error(ctx);
    return e && e->code ? e->code : KL_ENOMEM;
}

typedef struct texts {
    char *items[MAX_TEXTS];
    size_t n;
} texts;

static void keep_text(texts *t, char *s)
{
    assert(t->n < MAX_TEXTS); /* one output per channel (do_member) */
    t->items[t->n++] = s;
}

#define KL_POSTAL_MAX_PAGES 10

static int render_pdf(worker *w, kl_letter *L, job *j, kl_channel ch, const char *suffix)
{
    out_file *f = add_file(w->ctx, j, ch, suffix);
    if (!f)
        return add_file_error(w->ctx);
    int rc = kl_letter_render_pdf(w->ctx, w->r, L, &w->b->popts, &f->data, &f->len, &f->pages);
    /* GOV.UK Notify's letter service, and many print-and-post services, take
     * at most 10 pages: say so, but still write the letter (it may be
     * printed in house). */
    if (!rc && ch == KL_CHANNEL_POST && f->pages > KL_POSTAL_MAX_PAGES)
        kl_core__warn(
            w->ctx, KL_SEVERITY_WARNING,
            (kl_where){j->m->source, j->m->line, j->m->column, j->m->id},
            "print it in house, or choose a smaller print size or plainer reading level",
            "the postal letter has %u pages; GOV.UK Notify and many print services take at "
            "most %d",
            f->pages, KL_POSTAL_MAX_PAGES);
    return rc;
}

static int text_file(worker *w, job *j, kl_channel ch, const char *suffix, kl_buf *content)
{
    if (content->oom)
        return kl_core__oom(w->ctx);
    out_file *f = add_file(w->ctx, j, ch, suffix);
    if (!f)
        return add_file_error(w->ctx);
    f->len = content->len;
    f->data = (unsigned char *)kl_core__buf_detach(content);
    return f->data ? 0 : kl_core__oom(w->ctx);
}

/* The cover note for the professional: in English, one page. */
static int cover_note(worker *w, job *j, texts *t)
{
    batch *b = w->b;
    const kl_member *em = kl_review_find_member(b->english, j->m->id);
    if (!em || !kl_review_member_ok(b->english, em))
        return kl_core__error(w->ctx, KL_EDATA,
                              (kl_where){j->m->source, j->m->line, j->m->column, j->m->id}, NULL,
                              "the cover note for the professional cannot be written from this "
                              "member's data");
    kl_letter_options lo = b->lopts;
    lo.allow_language_fallback = 0;
    lo.variant = KL_READING_STANDARD;
    lo.qa = NULL; /* the professional's note holds no question */
    lo.n_qa = 0;
    kl_letter *L = NULL;
    char *text = NULL;
    int rc;
    if ((rc = kl_letter_compose(w->ctx, b->cover_tpl, b->cats, b->english, em,
                                KL_CHANNEL_VIA_PROFESSIONAL, &lo, &L)) < 0 ||
        (rc = kl_letter_render_text(w->ctx, L, &text)) < 0)
        goto done;
    keep_text(t, text);
    if ((rc = render_pdf(w, L, j, KL_CHANNEL_VIA_PROFESSIONAL, "cover.pdf")) < 0)
        goto done;
    if (j->files[j->n_files - 1].pages > 1)
        kl_core__warn(w->ctx, KL_SEVERITY_WARNING,
                      (kl_where){j->m->source, j->m->line, j->m->column, j->m->id},
                      "shorten the cover.* messages in the English catalog",
                      "the cover note for the professional runs to %u pages",
                      j->files[j->n_files - 1].pages);
done:
    kl_letter_free(L);
    return rc;
}

/* The email member's draft (mNN-email.eml): the same subject and body as
 * mNN-email.txt, the PDF at files[pdf_at] attached, To the member, From and
 * Reply-To the review's contact. Its header block joins the texts the
 * disclosure check reads (the body is already there). */
static int email_draft(worker *w, job *j, size_t pdf_at, const char *subject, const char *body,
                       texts *t)
{
    batch *b = w->b;
    const kl_member *m = j->m;
    const kl_review_info *ri = kl_review__info(b->review);
    const char *to = NULL;
    for (size_t i = 0; i < m->n_contacts && !to; i++)
        if (m->contacts[i].channel == KL_CHANNEL_EMAIL)
            to = m->contacts[i].email;
    if (!to || !ri->contact_email)
        return kl_core__error(w->ctx, KL_EDATA, (kl_where){m->source, m->line, m->column, m->id},
                              "give the member's email and the review's contact email",
                              "the email draft needs the member's address and the review's contact "
                              "email");
    const char *at = strrchr(ri->contact_email, '@');
    kl_buf name = KL_BUF_INIT, mid = KL_BUF_INIT, title = KL_BUF_INIT;
    kl_core__buf_printf(&name, "%s%s%s", m->given ? m->given : "", m->family ? " " : "",
                        m->family ? m->family : "");
    /* Named by the letter's bytes, so the same input gives the same draft;
     * the boundary too ("=-" is found in no quoted-printable or base64 line). */
    char sha[65], boundary[40];
    kl_core__sha256_hex(j->files[pdf_at].data, j->files[pdf_at].len, sha);
    snprintf(boundary, sizeof boundary, "=-kinletter-%.24s", sha);
    kl_core__buf_printf(&mid, "%.32s.%s@%s", sha, m->id, at ? at + 1 : "kinletter.invalid");
    /* The UTF-8 name of the attachment: the subject, with nothing a file
     * system or mail client reads as a path or a control. */
    for (const unsigned char *s = (const unsigned char *)subject; *s; s++)
        kl_core__buf_printf(&title, "%c",
                            (*s < 0x20 || *s == 0x7f || strchr("/\\:*?\"<>|", *s)) ? '-' : *s);
    kl_core__buf_printf(&title, ".pdf");
    out_file *pdf = &j->files[pdf_at];
    kl_mail_draft d = {ri->contact_name ? ri->contact_name : ri->partnership_name,
                       ri->contact_email,
                       name.data,
                       to,
                       subject,
                       body,
                       pdf->data,
                       pdf->len,
                       pdf->name,
                       title.data,
                       b->creation_date,
                       mid.data,
                       boundary};
    unsigned char *eml = NULL;
    size_t len = 0, head = 0;
    char *h;
    out_file *f;
    int rc = 0;
    if (name.oom || mid.oom || title.oom) {
        rc = kl_core__oom(w->ctx);
        goto done;
    }
    if ((rc = kl_mail__eml(w->ctx, &d, &eml, &len, &head)) < 0)
        goto done;
    if (!(h = kl_core__malloc(head + 1))) {
        rc = kl_core__oom(w->ctx);
        goto done;
    }
    memcpy(h, eml, head);
    h[head] = 0;
    keep_text(t, h);
    if (!(f = add_file(w->ctx, j, KL_CHANNEL_EMAIL, "email.eml"))) {
        rc = add_file_error(w->ctx);
        goto done;
    }
    f->data = eml;
    f->len = len;
    eml = NULL;
done:
    kl_free(eml);
    kl_core__buf_free(&name);
    kl_core__buf_free(&mid);
    kl_core__buf_free(&title);
    return rc;
}

/* generate --protect: the email PDF at files[pdf_at] encrypted in place under a new
 * password, which goes to mNN-password-sms.txt: a text message for the member (GSM-7
 * characters only, so it is one plain message), or words to read out on a call. The
 * password reaches no other file, row, record or message. */
static int protect_pdf(worker *w, job *j, size_t pdf_at)
{
    const kl_review_info *ri = kl_review__info(w->b->review);
    char pw[KL_MAIL_PASSWORD_MAX];
    out_file *pdf = &j->files[pdf_at];
    unsigned char *enc = NULL;
    size_t enc_len = 0;
    kl_buf c = KL_BUF_INIT;
    int rc;
    if ((rc = kl_mail__password(w->ctx, pw, sizeof pw)) < 0 ||
        (rc = kl_mail__protect_pdf(w->ctx, pdf->data, pdf->len, pw, &enc, &enc_len)) < 0)
        goto done;
    kl_free(pdf->data);
    pdf->data = enc;
    pdf->len = enc_len;
    /* Who it is from, when the name is plain GSM-7 (else it would make the
     * message UCS-2 and twice as long to send). */
    const char *from = ri->partnership_name;
    bool plain = from && *from;
    for (const char *s = from; plain && *s; s++)
        plain = (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
                strchr(" &'(),-.", *s);
    kl_core__buf_printf(&c,
                        "%s%s%sThe password to open the letter we have emailed you (a PDF) is:\n"
                        "%s\n"
                        "Type it with the dashes, in small letters. Please do not share it.\n",
                        plain ? "From " : "", plain ? from : "", plain ? ": " : "", pw);
    if ((rc = text_file(w, j, KL_CHANNEL_EMAIL, "password-sms.txt", &c)) < 0)
        goto done;
    j->files[j->n_files - 1].secret = true;
done:
    kl_core__buf_free(&c); /* text_file took the bytes, or they are dropped */
    memset(pw, 0, sizeof pw);
    return rc;
}

/* Tell the caller's progress callback where the batch is, with b->lock held
 * (so calls never overlap). A nonzero answer stops the batch as `interrupt`
 * does; in the record phase it is too late to stop. */
static void report_locked(batch *b, kl_batch_phase phase, const char *member_id,
                          const char *channel)
{
    if (!b->o.progress)
        return;
    kl_batch_progress p = {sizeof p, phase, b->done_count, b->n_selected, member_id, channel};
    if (b->o.progress(&p, b->o.progress_userdata) && phase != KL_BATCH_PHASE_RECORD)
        b->interrupted = true;
}

static void report(batch *b, kl_batch_phase phase, const char *member_id, const char *channel)
{
    if (!b->o.progress)
        return;
    pthread_mutex_lock(&b->lock);
    report_locked(b, phase, member_id, channel);
    pthread_mutex_unlock(&b->lock);
}

/* What an output is, from its file name ("m01-email.eml" is an email draft). */
static const char *output_kind(const char *name)
{
    size_t n = strlen(name);
    static const struct {
        const char *suffix, *kind;
    } kinds[] = {{"-cover.pdf", "cover"},      {"password-sms.txt", "password"},
                 {"-email.txt", "email-text"}, {".eml", "email-draft"},
                 {"-sms.txt", "sms"},          {".brf", "braille"},
                 {"record.csv", "record"},     {".pdf", "letter"}};
    if (strncmp(name, "print-pack", 10) == 0)
        return "print-pack";
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        size_t k = strlen(kinds[i].suffix);
        if (n >= k && strcmp(name + n - k, kinds[i].suffix) == 0)
            return kinds[i].kind;
    }
    return "file";
}

/* Hand one output to the caller's output callback, calls never overlapping; a
 * nonzero answer stops the batch as `interrupt` does. */
static void deliver(batch *b, const char *name, const char *member_id, const char *channel,
                    const void *data, size_t len, unsigned pages, const char *sha)
{
    kl_batch_output o = {sizeof o, name, member_id, output_kind(name), channel,
                         data,     len,  pages,     sha ? sha : ""};
    pthread_mutex_lock(&b->lock);
    if (b->output(&o, b->output_ud))
        b->interrupted = true;
    pthread_mutex_unlock(&b->lock);
}

/* needs format="braille": mNN-braille.brf instead of the print letter (one
 * for the member, by post or handed over), for the embossing service, which
 * addresses the envelope. The letter's text joins the disclosure check. */
static int braille_letter(worker *w, job *j, kl_letter *L, kl_channel ch, texts *t)
{
    if (j->brf_at)
        return 0;
    const kl_member *m = j->m;
    char *text = NULL;
    out_file *f;
    int rc;
    if ((rc = kl_letter_render_text(w->ctx, L, &text)) < 0)
        return rc;
    keep_text(t, text);
    if (!(f = add_file(w->ctx, j, ch, "braille.brf")))
        return add_file_error(w->ctx);
    if ((rc = kl_braille__brf(w->ctx, kl_letter__doc(L),
                              (kl_where){m->source, m->line, m->column, m->id}, &f->data, &f->len,
                              &f->pages)) < 0)
        return rc;
    j->brf_at = (int)j->n_files;
    j->brf_channel = ch;
    return 0;
}

/* A braille member's postal or handed-over letter, and the cover note. */
static int braille_channel(worker *w, job *j, kl_letter *L, kl_channel ch, texts *t)
{
    int rc;
    if ((rc = braille_letter(w, j, L, ch, t)) < 0)
        return rc;
    return ch == KL_CHANNEL_VIA_PROFESSIONAL ? cover_note(w, j, t) : 0;
}

static int sms_channel(worker *w, job *j, kl_letter *L, texts *t)
{
    char *sms = NULL;
    int rc;
    if ((rc = kl_letter_render_sms(w->ctx, L, &sms, NULL)) < 0)
        return rc;
    kl_buf c = KL_BUF_INIT;
    kl_core__buf_printf(&c, "%s\n", sms);
    keep_text(t, sms);
    rc = text_file(w, j, KL_CHANNEL_SMS, "sms.txt", &c);
    kl_core__buf_free(&c);
    return rc;
}

/* mNN-email.txt (subject and body) and the draft with the PDF at
 * files[pdf_at]; the subject and body join the texts checked. */
static int email_files(worker *w, job *j, kl_letter *L, size_t pdf_at, texts *t)
{
    char *subject = NULL, *body = NULL;
    kl_buf c = KL_BUF_INIT;
    int rc;
    if ((rc = kl_letter_render_email(w->ctx, L, &subject, &body)) < 0)
        goto done;
    size_t blen = strlen(body);
    kl_core__buf_printf(&c, "Subject: %s\n\n%s%s", subject, body,
                        blen && body[blen - 1] == '\n' ? "" : "\n");
    if ((rc = text_file(w, j, KL_CHANNEL_EMAIL, "email.txt", &c)) < 0 ||
        (rc = email_draft(w, j, pdf_at, subject, body, t)) < 0)
        goto done;
    keep_text(t, subject);
    keep_text(t, body);
    subject = body = NULL;
done:
    kl_core__buf_free(&c);
    kl_free(subject);
    kl_free(body);
    return rc;
}

/* A letter as a PDF (post, email, via-professional), with what goes with it:
 * the email's password, texts and draft; the professional's cover note. */
static int print_channel(worker *w, job *j, kl_letter *L, kl_channel ch, texts *t)
{
    batch *b = w->b;
    char *text = NULL;
    int rc;
    if ((rc = kl_letter_render_text(w->ctx, L, &text)) < 0)
        return rc;
    keep_text(t, text);
    char suffix[40]; /* "via-professional.pdf", the longest */
    snprintf(suffix, sizeof suffix, "%s.pdf", kl_channel_name(ch));
    size_t pdf_at = j->n_files;
    if ((rc = render_pdf(w, L, j, ch, suffix)) < 0)
        return rc;
    if (ch == KL_CHANNEL_EMAIL && (b->o.protect || kl_review__info(b->review)->protect_email) &&
        (rc = protect_pdf(w, j, pdf_at)) < 0)
        return rc;
    if (ch == KL_CHANNEL_EMAIL && (rc = email_files(w, j, L, pdf_at, t)) < 0)
        return rc;
    if (ch == KL_CHANNEL_VIA_PROFESSIONAL)
        return cover_note(w, j, t);
    return 0;
}

static int produce_channel(worker *w, job *j, kl_channel ch, texts *t)
{
    batch *b = w->b;
    kl_letter *L = NULL;
    int rc = kl_letter_compose(w->ctx, b->tpl, b->cats, b->review, j->m, ch, &b->lopts, &L);
    if (rc)
        return rc;
    report(b, KL_BATCH_PHASE_RENDERING, j->m->id, kl_channel_name(ch));
    j->n_fallback += kl_letter_fallback_count(L);
    bool braille = (ch == KL_CHANNEL_POST || ch == KL_CHANNEL_VIA_PROFESSIONAL) &&
                   j->format == KL_FORMAT_BRAILLE;
    if (braille)
        rc = braille_channel(w, j, L, ch, t);
    else if (ch == KL_CHANNEL_SMS)
        rc = sms_channel(w, j, L, t);
    else
        rc = print_channel(w, j, L, ch, t);
    if (!rc && !braille && ch == KL_CHANNEL_POST && !j->post && b->packs_on) {
        j->post = L; /* for the print pack, freed once that is made */
        L = NULL;
    }
    kl_letter_free(L);
    return rc;
}

/* A file of this run: listed in the manifest, then written through a
 * temporary named after the run, never over an existing file. */
static int place_file(kl_context *ctx, batch *b, const char *name, const char *display,
                      const void *data, size_t len)
{
    if (b->output) { /* in memory: the print packs */
        deliver(b, name, NULL, NULL, data, len, 0, NULL);
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
        job_clear_files(j);
        j->n_files = 0;
        j->state = J_FAILED;
        j->fail_has_channel = false;
        kl_free(j->reason);
        j->reason =
            kl_core__strdup("not written: writing stopped after a file could not be written");
        return;
    }
    job_fail(j, w->ctx, rc, false, KL_CHANNEL_POST, NULL);
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
static void write_member(worker *w, job *j)
{
    batch *b = w->b;
    bool halted = false;
    if (b->o.dry_run) { /* made and checked in memory: nothing is written */
        for (size_t i = 0; i < j->n_files; i++) {
            const out_file *f = &j->files[i];
            if (b->output) /* kl_batch_generate_to(): the caller takes the bytes */
                deliver(b, f->name, j->m->id, kl_channel_name(f->channel), f->data, f->len,
                        f->pages, f->secret ? "" : f->sha);
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

static double since_commit_ms(const batch *b)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - b->last_commit.tv_sec) * 1e3 +
           (double)(now.tv_nsec - b->last_commit.tv_nsec) / 1e6;
}

/* Put every staged member's files in place: one syncfs for all their
 * temporaries, the renames, one fsync of the directory. A member's files are
 * all there or none. With b->lock held, on a thread whose worker is w. */
static void commit_staged(worker *w)
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
        job_free_data(j); /* j->post stays, for the print pack */
    }
    /* The renames themselves on the disk. A failure here is reported, but
     * the files are whole and in place. */
    w->cur = NULL;
    if (placed && kl_core__sync_dir(w->ctx, b->dirfd, b->dir, false))
        stop_batch(b, KL_EIO);
    b->n_staged = 0;
    w->cur = saved;
}

static void do_member(worker *w, job *j)
{
    batch *b = w->b;
    const kl_member *m = j->m;
    if (!j->selected) {
        j->state = J_SKIPPED;
        return;
    }
    if (m->contact_none) {
        j->state = J_NOT_CONTACTED;
        return;
    }
    kl_context_clear_error(w->ctx);
    if (!kl_review_member_ok(b->review, m)) {
        kl_core__error(w->ctx, KL_EDATA, (kl_where){m->source, m->line, m->column, m->id},
                       "correct the member's data in the review file",
                       "the member's data has errors (reported when the review was loaded; see %s "
                       "line %u): no letter is written",
                       m->source ? m->source : "the review", m->line);
        job_fail(j, w->ctx, KL_EDATA, false, KL_CHANNEL_POST, NULL);
        return;
    }
    report(b, KL_BATCH_PHASE_COMPOSING, m->id, NULL);
    texts t = {{NULL}, 0};
    int rc = 0;
    bool seen[4] = {false, false, false, false};
    for (size_t i = 0; i < m->n_contacts; i++) {
        kl_channel ch = m->contacts[i].channel;
        if ((unsigned)ch > KL_CHANNEL_VIA_PROFESSIONAL || seen[ch])
            continue; /* one output per channel */
        seen[ch] = true;
        if ((rc = produce_channel(w, j, ch, &t)) < 0) {
            job_fail(j, w->ctx, rc, true, ch, NULL);
            goto done;
        }
    }
    if ((rc = disclosure_run(w->ctx, b->review, m, (const char *const *)t.items, t.n)) < 0)
        job_fail(j, w->ctx, rc, false, KL_CHANNEL_POST, NULL);
done:
    for (size_t i = 0; i < t.n; i++)
        kl_free(t.items[i]);
    if (rc)
        return;
    for (size_t i = 0; i < j->n_files; i++)
        if (!j->files[i].secret)
            kl_core__sha256_hex(j->files[i].data, j->files[i].len, j->files[i].sha);
    if (!b->o.dry_run)
        report(b, KL_BATCH_PHASE_WRITING, m->id, NULL);
    write_member(w, j);
}

struct kl_batch_result;
static int job_rows(batch *b, struct kl_batch_result *res, job *j);
static void record_flush(batch *b);

/* A member is finished: report it, and commit the staged members when
 * enough wait. */
static void report_done(batch *b);
static void flush_done(batch *b);

static void finish(worker *w, job *j)
{
    batch *b = w->b;
    pthread_mutex_lock(&b->lock);
    j->done = true;
    if (j->staged)
        b->staged[b->n_staged++] = j;
    report_done(b);
    if (b->n_staged >= COMMIT_MEMBERS || (b->n_staged && since_commit_ms(b) >= COMMIT_MS))
        commit_staged(w);
    flush_done(b);
    pthread_mutex_unlock(&b->lock);
}

static void forward_new(batch *b, job *f)
{
    for (; f->n_forwarded < f->n_diags; f->n_forwarded++)
        forward(b->ctx, &f->diags[f->n_forwarded]);
}

/* With b->lock held: report the members done since the last call, in member
 * order, their diagnostics then progress (their files may still wait for
 * the next commit: a caller that stops the batch here stops it at once). */
static void report_done(batch *b)
{
    while (b->next_report < b->n_jobs && b->jobs[b->next_report].done) {
        job *f = &b->jobs[b->next_report++];
        forward_new(b, f);
        if (f->selected) {
            b->done_count++;
            report_locked(b, KL_BATCH_PHASE_MEMBER_DONE, f->m->id, NULL);
        }
    }
}

/* A member in the record: its file rows shrink to the ones it has (the rest
 * of the run reads only their names, channels and pages), so a large family
 * costs a few hundred bytes a member rather than MAX_OUT_FILES rows. */
static void job_settle(job *j)
{
    if (j->files && !j->n_files) {
        kl_free(j->files);
        j->files = NULL;
    } else if (j->files) {
        out_file *fit = kl_core__realloc(j->files, j->n_files * sizeof *fit);
        if (fit)
            j->files = fit;
    }
}

/* With b->lock held: record the members reported done whose files are in
 * place, in member order (a member is in the record only once its files
 * are; a failure to put them in place is reported then). */
static void flush_done(batch *b)
{
    while (b->next_flush < b->next_report && !b->jobs[b->next_flush].staged) {
        job *f = &b->jobs[b->next_flush++];
        forward_new(b, f);
        if (b->res && !b->record_err) {
            if (job_rows(b, b->res, f))
                b->record_err = KL_ENOMEM;
            else
                record_flush(b);
        }
        job_settle(f);
    }
}

static size_t take_pack_locked(batch *b);
static void run_pack(batch *b, size_t p);

static void *worker_main(void *arg)
{
    worker *w = arg;
    batch *b = w->b;
    for (;;) {
        pthread_mutex_lock(&b->lock);
        if (b->o.interrupt && *b->o.interrupt)
            b->interrupted = true; /* the member under way is finished; no other starts */
        /* A print pack whose members are in place comes first: its letters
         * are freed once it is made. */
        size_t p = w->packs ? take_pack_locked(b) : SIZE_MAX;
        size_t i = p != SIZE_MAX || b->interrupted ? b->n_jobs : b->next_job++;
        pthread_mutex_unlock(&b->lock);
        if (p != SIZE_MAX) {
            run_pack(b, p);
            continue;
        }
        if (i >= b->n_jobs)
            break;
        job *j = &b->jobs[i];
        w->cur = j;
        do_member(w, j);
        w->cur = NULL;
        finish(w, j);
    }
    return NULL;
}

/* ---- the result ---------------------------------------------------------------------- */

struct kl_batch_result {
    char *dir;
    kl_batch_row *rows;
    size_t n_rows, cap_rows;
    kl_batch_totals totals;
};

static void row_free(kl_batch_row *r)
{
    char *fields[] = {(char *)r->member_id,
                      (char *)r->name,
                      (char *)r->relationship,
                      (char *)r->languages,
                      (char *)r->translation_status,
                      (char *)r->reading_level,
                      (char *)r->print_size,
                      (char *)r->channel,
                      (char *)r->file,
                      (char *)r->sha256,
                      (char *)r->reason,
                      (char *)r->format};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        kl_free(fields[i]);
}

KL_API void kl_batch_result_free(kl_batch_result *result)
{
    if (!result)
        return;
    for (size_t i = 0; i < result->n_rows; i++)
        row_free(&result->rows[i]);
    kl_free(result->rows);
    kl_free(result->dir);
    kl_free(result);
}

KL_API size_t kl_batch_result_row_count(const kl_batch_result *result)
{
    return result ? result->n_rows : 0;
}

KL_API const kl_batch_row *kl_batch_result_row(const kl_batch_result *result, size_t i)
{
    return result && i < result->n_rows ? &result->rows[i] : NULL;
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
 * letter): it never reaches the record if it holds anyone's contact detail. */
static char *safe_text(kl_context *quiet, const kl_disclosure *idx, const char *s,
                       const char *instead)
{
    const char *t[] = {s ? s : ""};
    int rc = disclosure_run_idx(quiet, idx, t[0]);
    if (rc == KL_ENOMEM)
        return NULL; /* the row fails with KL_ENOMEM: not "(not shown...)" for a harmless name */
    if (rc)
        return kl_core__strdup(instead);
    return dup_or_empty(s);
}

static int add_row(kl_batch_result *res, kl_context *quiet, const kl_disclosure *idx, const job *j,
                   const char *channel, const out_file *f, kl_batch_status st, const char *reason)
{
    if (KL_GROW(res->rows, res->cap_rows, res->n_rows + 1) < 0)
        return KL_ENOMEM;
    const kl_member *m = j->m;
    kl_batch_row *r = &res->rows[res->n_rows];
    memset(r, 0, sizeof *r);
    kl_buf name = KL_BUF_INIT, print = KL_BUF_INIT;
    kl_core__buf_printf(&name, "%s%s%s", m->given ? m->given : "", m->family ? " " : "",
                        m->family ? m->family : "");
    if (m->print_profile)
        kl_core__buf_printf(&print, "%s (%g pt)", m->print_profile, m->print_size);
    if (name.oom || print.oom) { /* not a row with the name or print size left out */
        kl_core__buf_free(&name);
        kl_core__buf_free(&print);
        return KL_ENOMEM;
    }
    r->member_id = dup_or_empty(m->id);
    r->name = safe_text(quiet, idx, name.data, m->given ? m->given : "");
    r->relationship = dup_or_empty(m->relationship);
    r->languages = dup_or_empty(j->languages);
    r->translation_status = dup_or_empty(j->status);
    r->reading_level = kl_core__strdup(m->contact_none ? "" : kl_reading_name(m->reading));
    r->print_size = dup_or_empty(m->contact_none ? "" : print.data);
    r->channel = dup_or_empty(channel);
    r->file = dup_or_empty(f ? f->name : "");
    r->pages = f ? f->pages : 0;
    r->sha256 = dup_or_empty(f ? f->sha : "");
    r->status = st;
    r->reason = safe_text(quiet, idx, reason,
                          "(not shown: the reason holds contact details; see the messages)");
    r->draft = j->draft;
    r->format = kl_core__strdup(m->contact_none ? "" : kl_format_name(j->format));
    kl_core__buf_free(&name);
    kl_core__buf_free(&print);
    res->n_rows++;
    if (!r->member_id || !r->name || !r->relationship || !r->languages || !r->translation_status ||
        !r->reading_level || !r->print_size || !r->channel || !r->file || !r->sha256 ||
        !r->reason || !r->format)
        return KL_ENOMEM;
    return 0;
}

/* The record's rows for one member (and its part of the totals). */
static int job_rows(batch *b, kl_batch_result *res, job *j)
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
static int record_text(const kl_batch_result *res, size_t from, bool header, kl_buf *out)
{
    if (header)
        kl_batch__csv_row(out, record_header, RECORD_COLS);
    for (size_t i = from; i < res->n_rows; i++) {
        const kl_batch_row *r = &res->rows[i];
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
static void record_flush(batch *b)
{
    kl_batch_result *res = b->res;
    if (!res || b->record_fd < 0 || b->record_err)
        return;
    kl_buf chunk = KL_BUF_INIT;
    if (record_text(res, b->rows_recorded, !b->record_started, &chunk)) {
        b->record_err = KL_ENOMEM;
        kl_core__buf_free(&chunk);
        return;
    }
    /* Defence in depth: no row names anyone's contact details. */
    const char *t[] = {chunk.data ? chunk.data : ""};
    int hit = disclosure_run_idx(b->quiet, b->disclosure, t[0]);
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
        /* Kept for the final check of the whole record; without it the run
         * cannot vouch for the record. */
        if (kl_core__buf_append(&b->record, chunk.data, chunk.len))
            b->record_err = KL_ENOMEM;
    }
    kl_core__buf_free(&chunk);
}

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

static bool has_channel(const kl_member *m, kl_channel ch)
{
    for (size_t i = 0; i < m->n_contacts; i++)
        if (m->contacts[i].channel == ch)
            return true;
    return false;
}

/* "pl" / "cy+en-GB" and each catalog's status, before any worker starts. */
static int describe_languages(batch *b, job *j)
{
    const kl_member *m = j->m;
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
    j->languages = kl_core__buf_detach(&langs);
    j->status = kl_core__buf_detach(&status);
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
static int cut_packs(batch *b)
{
    b->packs_on = !b->o.dry_run || b->output;
    if (!b->packs_on)
        return 0;
    size_t expected = 0;
    for (size_t i = 0; i < b->n_jobs; i++) {
        const job *j = &b->jobs[i];
        if (!j->selected || j->m->contact_none || !kl_review_member_ok(b->review, j->m))
            continue;
        if (j->format == KL_FORMAT_BRAILLE) {
            if (has_channel(j->m, KL_CHANNEL_POST) ||
                has_channel(j->m, KL_CHANNEL_VIA_PROFESSIONAL))
                b->braille_end = i + 1;
        } else if (has_channel(j->m, KL_CHANNEL_POST)) {
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
    kl_context_set_diagnostics(b->pack_ctx, capture_pack, b);
    size_t k = 0;
    for (size_t i = 0; i < b->n_jobs; i++) {
        const job *j = &b->jobs[i];
        if (j->selected && !j->m->contact_none && kl_review_member_ok(b->review, j->m) &&
            j->format != KL_FORMAT_BRAILLE && has_channel(j->m, KL_CHANNEL_POST))
            b->pack_end[k++ / PACK_LETTERS] = i + 1;
    }
    return 0;
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
        if (!b->o.members[i] || !kl_review_find_member(b->review, b->o.members[i]))
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
    b->staged = kl_core__calloc(n ? n : 1, sizeof *b->staged);
    if (!b->jobs || !b->staged)
        return kl_core__oom(b->ctx);
    clock_gettime(CLOCK_MONOTONIC, &b->last_commit);
    b->n_jobs = n;
    for (size_t i = 0; i < n; i++) {
        job *j = &b->jobs[i];
        j->m = kl_review_member(review, i);
        j->format = kl_review_member_format(review, j->m);
        j->selected = b->o.n_members == 0;
        for (size_t k = 0; k < b->o.n_members && !j->selected; k++)
            j->selected = j->m->id && strcmp(b->o.members[k], j->m->id) == 0;
        if (!j->selected)
            continue;
        b->n_selected++;
        if (j->m->contact_none || !kl_review_member_ok(review, j->m))
            continue;
        *need_pdf |= has_channel(j->m, KL_CHANNEL_POST) || has_channel(j->m, KL_CHANNEL_EMAIL) ||
                     has_channel(j->m, KL_CHANNEL_VIA_PROFESSIONAL);
        *need_cover |= has_channel(j->m, KL_CHANNEL_VIA_PROFESSIONAL);
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
                              O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
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
        (rc = cut_packs(b)) < 0 || (rc = load_resources(b, need_pdf, need_cover)) < 0)
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
        job_free(&b->jobs[i]);
    kl_free(b->jobs);
    kl_free(b->staged);
    kl_free(b->pack_end);
    kl_context_free(b->pack_ctx);
    free_diags(b->pack_diags, b->n_pack_diags);
    kl_template_free(b->tpl);
    kl_template_free(b->cover_tpl);
    kl_catalog_set_free(b->cats);
    kl_review_free(b->english);
    kl_pdf_renderer_free(b->renderer);
    if (b->record_fd >= 0)
        close(b->record_fd);
    kl_batch__rundir_close(&b->rd, NULL);
    kl_context_free(b->quiet);
    kl_core__buf_free(&b->record);
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
        kl_context_set_diagnostics(ws[i].ctx, capture, &ws[i]);
    }
    /* Worker 0 is this thread; if a thread cannot start, the others
     * simply take its share. */
    ws[0].packs = true;
    for (unsigned i = 1; i < n; i++)
        ws[i].started = pthread_create(&ws[i].thread, NULL, worker_main, &ws[i]) == 0;
    worker_main(&ws[0]);
    for (unsigned i = 1; i < n; i++)
        if (ws[i].started)
            pthread_join(ws[i].thread, NULL);
    /* The members staged since the last commit. */
    pthread_mutex_lock(&b->lock);
    commit_staged(&ws[0]);
    flush_done(b);
    pthread_mutex_unlock(&b->lock);
done:
    for (unsigned i = 0; i < n; i++) {
        kl_pdf_renderer_free(ws[i].r);
        kl_context_free(ws[i].ctx);
    }
    kl_free(ws);
    return rc;
}

/* ---- GOV.UK Notify's bulk upload -------------------------------------------------- */

/* One CSV cell, always quoted (RFC 4180): a body holds commas, quotes and line breaks. */
static void csv_cell(kl_buf *o, const char *s, size_t n, bool last)
{
    kl_core__buf_puts(o, "\"");
    for (size_t i = 0; i < n; i++)
        kl_core__buf_append(o, s[i] == '"' ? "\"\"" : s + i, s[i] == '"' ? 2 : 1);
    kl_core__buf_puts(o, last ? "\"\r\n" : "\",");
}

/* A file of this batch, just written, read back (NUL-terminated). */
static char *read_back(batch *b, const char *name, size_t *len)
{
    int fd = openat(b->dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    kl_buf out = KL_BUF_INIT;
    char tmp[4096];
    ssize_t r;
    while ((r = read(fd, tmp, sizeof tmp)) > 0)
        kl_core__buf_append(&out, tmp, (size_t)r);
    close(fd);
    *len = out.len;
    return r < 0 ? (kl_core__buf_free(&out), NULL) : kl_core__buf_detach(&out);
}

static bool ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), k = strlen(tail);
    return n >= k && strcmp(s + n - k, tail) == 0;
}

/* notify-email.csv (email address, subject, body) and notify-sms.csv (phone number,
 * body): GOV.UK Notify's spreadsheet upload for a template whose subject is
 * ((subject)) and whose message is ((body)); one row per member written, in member
 * order, from the .txt files this run wrote, so the texts are the ones checked. */
static int notify_csvs(batch *b)
{
    kl_buf em = KL_BUF_INIT, sm = KL_BUF_INIT;
    size_t n_em = 0, n_sm = 0;
    int rc = 0;
    kl_core__buf_puts(&em, "email address,subject,body\r\n");
    kl_core__buf_puts(&sm, "phone number,body\r\n");
    for (size_t i = 0; i < b->n_jobs; i++) {
        const job *j = &b->jobs[i];
        if (j->state != J_WRITTEN)
            continue;
        for (size_t k = 0; k < j->n_files; k++) {
            const out_file *f = &j->files[k];
            bool is_email = f->channel == KL_CHANNEL_EMAIL && ends_with(f->name, "-email.txt");
            bool is_sms = f->channel == KL_CHANNEL_SMS && ends_with(f->name, "-sms.txt");
            if (!f->written || (!is_email && !is_sms))
                continue;
            const char *to = NULL;
            for (size_t c = 0; c < j->m->n_contacts && !to; c++)
                if (j->m->contacts[c].channel == f->channel)
                    to = is_email ? j->m->contacts[c].email : j->m->contacts[c].phone;
            size_t len = 0;
            char *text = to ? read_back(b, f->name, &len) : NULL;
            if (!text) {
                rc = kl_core__error(b->ctx, KL_EIO, KL_AT(b->dir, 0, 0), NULL,
                                    "member %s: the text for GOV.UK Notify's upload file cannot be "
                                    "read back",
                                    j->m->id);
                goto done;
            }
            while (len && text[len - 1] == '\n')
                text[--len] = '\0';
            if (is_email) {
                /* "Subject: ...\n\n" then the body, as email_text wrote it. */
                const char *subj = strncmp(text, "Subject: ", 9) == 0 ? text + 9 : "";
                const char *nl = strstr(subj, "\n\n");
                const char *body = nl ? nl + 2 : "";
                csv_cell(&em, to, strlen(to), false);
                csv_cell(&em, subj, nl ? (size_t)(nl - subj) : strlen(subj), false);
                csv_cell(&em, body, strlen(body), true);
                n_em++;
            } else {
                csv_cell(&sm, to, strlen(to), false);
                csv_cell(&sm, text, len, true);
                n_sm++;
            }
            kl_free(text);
        }
    }
    if (em.oom || sm.oom) {
        rc = kl_core__oom(b->ctx);
        goto done;
    }
    const struct {
        const char *name;
        kl_buf *buf;
        size_t n;
    } out[] = {{"notify-email.csv", &em, n_em}, {"notify-sms.csv", &sm, n_sm}};
    for (size_t i = 0; i < 2; i++) {
        if (!out[i].n)
            continue;
        kl_buf disp = KL_BUF_INIT;
        kl_core__buf_printf(&disp, "%s/%s", b->dir, out[i].name);
        rc = disp.oom
                 ? kl_core__oom(b->ctx)
                 : place_file(b->ctx, b, out[i].name, disp.data, out[i].buf->data, out[i].buf->len);
        kl_core__buf_free(&disp);
        if (rc < 0)
            goto done;
    }
done:
    kl_core__buf_free(&em);
    kl_core__buf_free(&sm);
    return rc;
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
        const out_file *f = &j->files[j->brf_at - 1];
        kl_core__buf_clear(&p);
        kl_core__buf_printf(&p, "%s: member %s, %s, %u braille page%s, %s", f->name, j->m->id,
                            j->languages ? j->languages : "", f->pages, f->pages == 1 ? "" : "s",
                            j->brf_channel == KL_CHANNEL_POST ? "by post"
                                                              : "handed over by the professional");
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

/* With b->lock held: the next print pack if every member it waits for is
 * in place (and recorded), marked as being made; SIZE_MAX if none is. The
 * first pack also waits for the last braille letter (its note lists them). */
static size_t take_pack_locked(batch *b)
{
    if (!b->packs_on || !b->renderer || b->pack_busy || b->pack_rc || b->stop || b->interrupted ||
        b->next_pack >= b->n_packs)
        return SIZE_MAX;
    size_t ready = b->pack_end[b->next_pack];
    if (b->next_pack == 0 && b->braille_end > ready)
        ready = b->braille_end;
    if (b->next_flush < ready)
        return SIZE_MAX;
    b->pack_busy = true;
    return b->next_pack++;
}

/* Print pack p: the postal letters written among its members, in member
 * order, in one PDF for a duplex printer (the first pack starts with the
 * braille note); then those letters are freed. No file when it would hold
 * nothing. Called without b->lock; one pack at a time. */
static int make_pack(batch *b, size_t p, unsigned *pages, bool *written)
{
    kl_context *ctx = b->pack_ctx;
    size_t from = p ? b->pack_end[p - 1] : 0, to = b->pack_end[p], count = 0;
    for (size_t i = from; i < to; i++)
        count += b->jobs[i].state == J_WRITTEN && b->jobs[i].post;
    kl_doc *note = NULL, *meta = NULL;
    const kl_doc **docs = NULL;
    kl_buf title = KL_BUF_INIT, pdf = KL_BUF_INIT;
    int rc = p == 0 && braille_note(b, &note) ? kl_core__oom(ctx) : 0;
    size_t off = note ? 1 : 0;
    if (rc || count + off == 0)
        goto done;
    /* The note, then the letters. */
    if (!(docs = kl_core__calloc(count + off, sizeof *docs))) {
        rc = kl_core__oom(ctx);
        goto done;
    }
    if (note)
        docs[0] = note;
    for (size_t i = from, k = off; i < to; i++)
        if (b->jobs[i].state == J_WRITTEN && b->jobs[i].post)
            docs[k++] = kl_letter__doc(b->jobs[i].post);
    const kl_doc *lead = docs[count ? off : 0];
    const kl_review_info *info = kl_review__info(b->review);
    meta = kl_doc__new(lead->root->lang ? lead->root->lang : "en-GB");
    kl_core__buf_printf(&title, "Letters to post: %s, %s (%zu letters", kl_review_id(b->review),
                        kl_template_name(b->tpl), count);
    if (note)
        kl_core__buf_puts(&title, "; braille letters to send listed first");
    if (b->n_packs > 1)
        kl_core__buf_printf(&title, ", pack %zu of %zu", p + 1, b->n_packs);
    kl_core__buf_puts(&title, ")");
    if (!meta || title.oom || kl_doc__set(&meta->title, title.data) ||
        kl_doc__set(&meta->author, info->partnership_name)) {
        rc = kl_core__oom(ctx);
        goto done;
    }
    kl_pdf_opts o;
    kl_pdf__renderer_opts(b->renderer, &o);
    o.line_spacing = b->popts.line_spacing;
    o.page_label = b->popts.page_label;
    o.creation_date = b->popts.creation_date;
    if ((rc = kl_pdf__render_pack(ctx, docs, count + off, meta, &o, &pdf, pages)) < 0)
        goto done;
    char name[40]; /* "print-pack-%03zu.pdf": a size_t has at most 20 digits */
    pack_name(name, sizeof name, p, b->n_packs);
    kl_buf disp = KL_BUF_INIT;
    kl_core__buf_printf(&disp, "%s/%s", b->dir, name);
    rc = disp.oom ? kl_core__oom(ctx) : place_file(ctx, b, name, disp.data, pdf.data, pdf.len);
    kl_core__buf_free(&disp);
    *written = rc == 0;
done:
    for (size_t i = from; i < to; i++) {
        kl_letter_free(b->jobs[i].post);
        b->jobs[i].post = NULL;
    }
    kl_core__buf_free(&pdf);
    kl_core__buf_free(&title);
    kl_doc__free(meta);
    kl_free(docs);
    kl_doc__free(note);
    return rc;
}

/* Make print pack p (taken with take_pack_locked) and count it. */
static void run_pack(batch *b, size_t p)
{
    unsigned pages = 0;
    bool written = false;
    int rc = make_pack(b, p, &pages, &written);
    pthread_mutex_lock(&b->lock);
    b->pack_busy = false;
    if (rc && !b->pack_rc)
        b->pack_rc = rc;
    if (written) {
        b->packs_written++;
        b->pack_pages += pages;
    }
    pthread_mutex_unlock(&b->lock);
}

/* The packs not made while members were written (the last ones). */
static void finish_packs(batch *b)
{
    for (;;) {
        pthread_mutex_lock(&b->lock);
        size_t p = take_pack_locked(b);
        pthread_mutex_unlock(&b->lock);
        if (p == SIZE_MAX)
            return;
        run_pack(b, p);
    }
}

/* kl_batch_generate_to(): the whole record, checked as a whole, to the caller. */
static int deliver_record(batch *b)
{
    kl_buf rec = KL_BUF_INIT;
    if (record_text(b->res, 0, true, &rec) || rec.oom) {
        kl_core__buf_free(&rec);
        return kl_core__oom(b->ctx);
    }
    int hit = disclosure_run_idx(b->ctx, b->disclosure, rec.data ? rec.data : "");
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
    deliver(b, "record.csv", NULL, NULL, rec.data ? rec.data : "", rec.len, 0, NULL);
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
        for (; f->done && f->n_forwarded < f->n_diags; f->n_forwarded++)
            forward(b->ctx, &f->diags[f->n_forwarded]);
        if (job_rows(b, res, f))
            b->record_err = KL_ENOMEM;
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
    record_flush(b);
    /* The print packs not made yet (whose members were put in place last). */
    if (!b->stop && !b->interrupted && b->packs_on)
        report(b, KL_BATCH_PHASE_PRINT_PACK, NULL, NULL);
    finish_packs(b);
    return 0;
}

/* After make_letters(), whether or not it failed: the print packs'
 * diagnostics and totals; the code of the first pack that failed. */
static int end_packs(batch *b, kl_batch_result *res)
{
    for (size_t i = 0; i < b->n_pack_diags; i++)
        forward(b->ctx, &b->pack_diags[i]);
    res->totals.print_pack_pages = b->pack_pages;
    res->totals.print_packs = b->packs_written;
    return b->pack_rc;
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
    const char *t[] = {b->record.data ? b->record.data : ""};
    int hit = b->record_err ? 0 : disclosure_run_idx(ctx, b->disclosure, t[0]);
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

    report(b, KL_BATCH_PHASE_LOADING, NULL, NULL);
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
        pack_rc = notify_csvs(b);
    report(b, KL_BATCH_PHASE_RECORD, NULL, NULL);
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
