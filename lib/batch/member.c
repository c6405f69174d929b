/* SPDX-License-Identifier: MIT */
/* batch/member.c: a member's letters per channel, the disclosure check, the worker threads. */
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
#include "plain/plain.h"
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
 * member: no other member's phone, email, postcode or address line. A text
 * marked checked has passed this very check already (the same bytes, the
 * review's index, this member as the reader: kl_letter__check on a letter
 * composed from the review for this member) and is not scanned twice. */
static int disclosure_run(kl_context *ctx, const kl_review *review, const kl_member *m,
                          const char *const *texts, const bool *checked, size_t n)
{
    const kl_disclosure *d = kl_review__disclosure(review);
    size_t reader = kl_review__member_index(review, m);
    kl_where w = {m->source, m->line, m->column, m->id};
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++)
        if (texts[i] && !checked[i])
            rc = kl_disclosure__scan(ctx, d, reader, 0, texts[i], strlen(texts[i]), w,
                                     "the correspondence for this member");
    return rc;
}

char *kl_batch__dup_or_empty(const char *s)
{
    return kl_core__strdup(s ? s : "");
}

/* Keep a diagnostic for later (m: the member it is about, or NULL). */
static void save_diag(saved_diag **arr, size_t *n, size_t *cap, const kl_diagnostic *d,
                      const kl_member_brief *m)
{
    /* A warning met again for the same member (a paragraph in each of its letters, a word
     * broken in the post and the email letter) is said once. */
    for (size_t i = 0; m && d->severity != KL_SEVERITY_ERROR && i < *n; i++) {
        const saved_diag *o = &(*arr)[i];
        if (o->severity == d->severity && o->code == d->code && !d->source &&
            strcmp(o->message, d->message ? d->message : "") == 0)
            return;
    }
    if (KL_GROW(*arr, *cap, *n + 1) < 0)
        return; /* the failure itself still lands in the record */
    saved_diag *s = &(*arr)[(*n)++];
    s->severity = d->severity;
    s->code = d->code;
    s->message = kl_batch__dup_or_empty(d->message);
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

void kl_batch__free_diags(saved_diag *d, size_t n)
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
void kl_batch__capture(const kl_diagnostic *d, void *userdata)
{
    worker *w = userdata;
    job *j = w->cur;
    job_notes *t = j ? kl_batch__job_notes(j) : NULL;
    if (t) /* out of memory, it is dropped (the failure itself still lands in the record) */
        save_diag(&t->diags, &t->n_diags, &t->cap_diags, d, kl_batch__brief(w->b, j));
}

/* A print pack's, reported after the members' (as when packs were made last). */
void kl_batch__capture_pack(const kl_diagnostic *d, void *userdata)
{
    batch *b = userdata;
    save_diag(&b->pack_diags, &b->n_pack_diags, &b->cap_pack_diags, d, NULL);
}

void kl_batch__forward(kl_context *ctx, const saved_diag *s)
{
    kl_where w = {s->source, s->line, s->column, s->member_id};
    if (s->severity == KL_SEVERITY_ERROR)
        kl_core__report(ctx, s->code ? s->code : KL_EDATA, w, s->hint, "%s", s->message);
    else
        kl_core__warn(ctx, s->severity, w, s->hint, "%s", s->message);
}

/* The files' bytes and temporaries' names (not the files' rows). */
void kl_batch__job_free_data(job *j)
{
    for (size_t i = 0; j->files && i < j->n_files; i++) {
        kl_free(j->files[i].data);
        j->files[i].data = NULL;
        kl_free(j->files[i].tmp);
        j->files[i].tmp = NULL;
    }
}

void kl_batch__job_clear_files(job *j)
{
    kl_pdf__kept_free(j->post);
    j->post = NULL;
    kl_batch__job_free_data(j);
}

void kl_batch__job_free(job *j)
{
    kl_batch__job_member_drop(j);
    kl_batch__job_clear_files(j);
    kl_free(j->files);
    if (j->notes) {
        kl_free(j->notes->reason);
        kl_batch__free_diags(j->notes->diags, j->notes->n_diags);
        kl_free(j->notes);
    }
}

/* The job's notes, made the first time (NULL when out of memory). */
job_notes *kl_batch__job_notes(job *j)
{
    if (!j->notes)
        j->notes = kl_core__calloc(1, sizeof *j->notes);
    return j->notes;
}

/* Why the member failed (reason: taken; NULL: "out of memory"). */
void kl_batch__job_set_reason(job *j, char *reason)
{
    job_notes *t = kl_batch__job_notes(j);
    if (!reason)
        reason = kl_core__strdup("out of memory");
    if (!t) { /* the row says "not finished" */
        kl_free(reason);
        return;
    }
    kl_free(t->reason);
    t->reason = reason;
}

/* Mark the member failed: nothing is written for it. The reason is the
 * context's last error (what compose, render or the check said). */
void kl_batch__job_fail(job *j, kl_context *ctx, int rc, bool has_channel, kl_channel ch,
                        const char *fmt_prefix)
{
    const kl_diagnostic *e = kl_context_last_error(ctx);
    const char *msg = e && e->message ? e->message : kl_strerror(rc);
    kl_buf b = KL_BUF_INIT;
    if (fmt_prefix)
        kl_core__buf_puts(&b, fmt_prefix);
    kl_core__buf_puts(&b, msg);
    kl_batch__job_set_reason(j, kl_core__buf_detach(&b));
    j->state = J_FAILED;
    j->fail_has_channel = has_channel;
    j->fail_channel = ch;
    kl_batch__job_clear_files(j);
    j->n_files = 0;
}

const char *const kl_batch__suffixes[] = {
    "post.pdf",         "email.pdf", "via-professional.pdf", "cover.pdf", "email.txt", "email.eml",
    "password-sms.txt", "sms.txt",   "braille.brf",          NULL};

/* A new file of the member, or NULL with the error reported on ctx. suffix: one of
 * kl_batch__suffixes. */
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
    while (kl_batch__suffixes[f->kind] && strcmp(kl_batch__suffixes[f->kind], suffix) != 0)
        f->kind++;
    assert(kl_batch__suffixes[f->kind] && f->kind <= KEPT_KIND);
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
    bool checked[MAX_TEXTS]; /* passed kl_letter__check on a letter from b->review for j->m */
    size_t n;
} texts;

/* A text for the member's disclosure check; checked: it came from kl_plain__check_text or
 * kl_letter_render_* on a letter composed from b->review for this member (which scanned these
 * bytes with this member as the reader: disclosure_run would find what they found). */
static void keep_text(texts *t, char *s, bool checked)
{
    assert(t->n < MAX_TEXTS); /* one output per channel (do_member) */
    t->checked[t->n] = checked;
    t->items[t->n++] = s;
}

#define KL_POSTAL_MAX_PAGES 10

static int render_pdf(worker *w, kl_letter *L, job *j, kl_channel ch, const char *suffix)
{
    out_file *f = add_file(w->ctx, j, ch, suffix);
    if (!f)
        return add_file_error(w->ctx);
    /* The postal letter's layout and deflated pages are kept for its print pack. */
    kl_pdf_kept **keep = ch == KL_CHANNEL_POST && w->b->packs_on && !j->post ? &j->post : NULL;
    int rc =
        keep ? kl_pdf__letter_render_keep(w->ctx, w->r, L, &w->b->popts, &f->data, &f->len,
                                          &f->pages, keep)
             : kl_letter_render_pdf(w->ctx, w->r, L, &w->b->popts, &f->data, &f->len, &f->pages);
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
    /* The member as the English review has it (the same position), made for this note. */
    kl_member *em = NULL;
    int mrc = kl_review__member_make_view(b->english, (size_t)(j - b->jobs), &em);
    if (mrc == KL_ENOMEM)
        return kl_core__oom(w->ctx);
    if (mrc || !kl_review_member_ok(b->english, em) || strcmp(em->id, j->m->id) != 0) {
        kl_review__member_free(em);
        return kl_core__error(w->ctx, KL_EDATA,
                              (kl_where){j->m->source, j->m->line, j->m->column, j->m->id}, NULL,
                              "the cover note for the professional cannot be written from this "
                              "member's data");
    }
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
        (rc = kl_plain__check_text(w->ctx, L, &text)) < 0)
        goto done;
    keep_text(t, text, false); /* checked against the English review's index */
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
    kl_review__member_free(em);
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
    keep_text(t, h, false);
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

void kl_batch__report(batch *b, kl_batch_phase phase, const char *member_id, const char *channel)
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
void kl_batch__deliver(batch *b, const char *name, const char *member_id, const char *channel,
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
    /* Its text for the disclosure check (the BRF is made from the document). */
    if ((rc = kl_plain__check_text(w->ctx, L, &text)) < 0)
        return rc;
    keep_text(t, text, true);
    if (!(f = add_file(w->ctx, j, ch, "braille.brf")))
        return add_file_error(w->ctx);
    if ((rc = kl_braille__brf(w->ctx, kl_letter__doc(L),
                              (kl_where){m->source, m->line, m->column, m->id}, &f->data, &f->len,
                              &f->pages)) < 0)
        return rc;
    j->brf_at = (uint8_t)j->n_files;
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
    keep_text(t, sms, true);
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
    keep_text(t, subject, true);
    keep_text(t, body, true);
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
    /* The letter's text for the disclosure check, not wrapped: nobody reads its lines. */
    if ((rc = kl_plain__check_text(w->ctx, L, &text)) < 0)
        return rc;
    keep_text(t, text, true);
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
    kl_batch__report(b, KL_BATCH_PHASE_RENDERING, j->m->id, kl_channel_name(ch));
    size_t fallback = j->n_fallback + kl_letter_fallback_count(L);
    j->n_fallback = fallback > UINT32_MAX ? UINT32_MAX : (uint32_t)fallback;
    bool braille = (ch == KL_CHANNEL_POST || ch == KL_CHANNEL_VIA_PROFESSIONAL) &&
                   j->format == KL_FORMAT_BRAILLE;
    if (braille)
        rc = braille_channel(w, j, L, ch, t);
    else if (ch == KL_CHANNEL_SMS)
        rc = sms_channel(w, j, L, t);
    else
        rc = print_channel(w, j, L, ch, t);
    kl_letter_free(L); /* a postal letter's print pack has what it needs (render_pdf) */
    return rc;
}
static void do_member(worker *w, job *j)
{
    batch *b = w->b;
    const kl_member *m = j->m;
    if (!j->selected) {
        j->state = J_SKIPPED;
        return;
    }
    if (!m) {
        kl_context_clear_error(w->ctx);
        kl_batch__job_fail(j, w->ctx, kl_core__oom(w->ctx), false, KL_CHANNEL_POST, NULL);
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
        kl_batch__job_fail(j, w->ctx, KL_EDATA, false, KL_CHANNEL_POST, NULL);
        return;
    }
    kl_batch__report(b, KL_BATCH_PHASE_COMPOSING, m->id, NULL);
    texts t = {{NULL}, {false}, 0};
    int rc = 0;
    bool seen[4] = {false, false, false, false};
    for (size_t i = 0; i < m->n_contacts; i++) {
        kl_channel ch = m->contacts[i].channel;
        if ((unsigned)ch > KL_CHANNEL_VIA_PROFESSIONAL || seen[ch])
            continue; /* one output per channel */
        seen[ch] = true;
        if ((rc = produce_channel(w, j, ch, &t)) < 0) {
            kl_batch__job_fail(j, w->ctx, rc, true, ch, NULL);
            goto done;
        }
    }
    if ((rc = disclosure_run(w->ctx, b->review, m, (const char *const *)t.items, t.checked, t.n)) <
        0)
        kl_batch__job_fail(j, w->ctx, rc, false, KL_CHANNEL_POST, NULL);
done:
    for (size_t i = 0; i < t.n; i++)
        kl_free(t.items[i]);
    if (rc)
        return;
    for (size_t i = 0; i < j->n_files; i++)
        if (!j->files[i].secret)
            kl_core__sha256_hex(j->files[i].data, j->files[i].len, j->files[i].sha);
    if (!b->o.dry_run)
        kl_batch__report(b, KL_BATCH_PHASE_WRITING, m->id, NULL);
    kl_batch__write_member(w, j);
}

/* A member is finished: report it, and commit the staged members when
 * enough wait. */
static void report_done(batch *b);

/* With b->lock held: every member of the next print pack is done, so committing now lets it be
 * saved before the next pack's letters pile up behind it (they wait for it to be saved). Not
 * the last pack: it is saved after the workers, once their renderers' caches are freed. */
static bool pack_due(const batch *b)
{
    if (!b->packs_on || b->next_pack + 1 >= b->n_packs)
        return false;
    size_t end = b->pack_end[b->next_pack];
    if (b->next_pack == 0 && b->braille_end > end)
        end = b->braille_end;
    return b->next_report >= end && b->next_flush < end;
}

static void finish(worker *w, job *j)
{
    batch *b = w->b;
    pthread_mutex_lock(&b->lock);
    j->done = true;
    if (j->staged)
        b->staged[b->n_staged++] = j;
    report_done(b);
    if (b->n_staged >= COMMIT_MEMBERS ||
        (b->n_staged && (kl_batch__since_commit_ms(b) >= COMMIT_MS || pack_due(b))))
        kl_batch__commit_staged(w);
    kl_batch__flush_done(b);
    pthread_mutex_unlock(&b->lock);
}

static void forward_new(batch *b, job *f)
{
    job_notes *t = f->notes;
    for (; t && t->n_forwarded < t->n_diags; t->n_forwarded++)
        kl_batch__forward(b->ctx, &t->diags[t->n_forwarded]);
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
            report_locked(b, KL_BATCH_PHASE_MEMBER_DONE, kl_batch__brief(b, f)->id, NULL);
        }
    }
}

/* A member in the record: its files become what the rest of the run reads, a byte each in its
 * job (kept[]: the name's suffix, the channel, whether it was written; the name is made again from
 * the member's id), so a large family keeps no memory a member once it is recorded, and none in
 * the worker's malloc arena among its letters' memory. */
static void job_settle(job *j)
{
    if (!j->files)
        return;
    for (size_t i = 0; i < j->n_files; i++) {
        const out_file *f = &j->files[i];
        j->kept[i] = (uint8_t)(f->kind | (unsigned)f->channel << KEPT_CHANNEL_SHIFT |
                               (f->written ? KEPT_WRITTEN : 0));
    }
    if (j->brf_at)
        j->brf_pages = j->files[j->brf_at - 1].pages;
    kl_batch__job_free_data(j);
    kl_free(j->files);
    j->files = NULL;
}

kept_file kl_batch__file(const job *j, size_t k)
{
    kept_file r = {.name = ""};
    if (j->files) {
        const out_file *f = &j->files[k];
        memcpy(r.name, f->name, sizeof r.name);
        r.channel = f->channel;
        r.pages = f->pages;
        r.written = f->written;
        return r;
    }
    unsigned c = j->kept[k];
    snprintf(r.name, sizeof r.name, "%s-%s", j->id, kl_batch__suffixes[c & KEPT_KIND]);
    r.channel = (kl_channel)(c >> KEPT_CHANNEL_SHIFT & 3u);
    r.pages = k + 1 == j->brf_at ? j->brf_pages : 0;
    r.written = (c & KEPT_WRITTEN) != 0;
    return r;
}

/* With b->lock held: record the members reported done whose files are in
 * place, in member order (a member is in the record only once its files
 * are; a failure to put them in place is reported then). */
void kl_batch__flush_done(batch *b)
{
    while (b->next_flush < b->next_report && !b->jobs[b->next_flush].staged) {
        job *f = &b->jobs[b->next_flush++];
        forward_new(b, f);
        if (b->res && !b->record_err) {
            if (kl_batch__job_member(b, f) || kl_batch__job_rows(b, b->res, f))
                b->record_err = KL_ENOMEM;
            else
                kl_batch__record_flush(b);
        }
        kl_batch__job_member_drop(f); /* recorded: its brief is what the rest of the run reads */
        job_settle(f);
    }
}

/* With b->lock held: the postal letters of members reported done that wait for their print
 * pack (a member's post is set before it is done, under the lock). */
static size_t letters_waiting(const batch *b)
{
    size_t n = 0;
    for (size_t i = b->pack_at; i < b->next_report && n < PACK_AHEAD; i++)
        n += b->jobs[i].post != NULL;
    return n;
}

void *kl_batch__worker_main(void *arg)
{
    worker *w = arg;
    batch *b = w->b;
    for (;;) {
        pthread_mutex_lock(&b->lock);
        /* While the pack is being made, a worker that does not make packs goes on only until
         * PACK_AHEAD letters wait for it: they would pile up in memory (the pack's worker takes
         * them once it is done). */
        while (!w->packs && b->pack_busy && !b->interrupted && !b->stop &&
               !(b->o.interrupt && *b->o.interrupt) && letters_waiting(b) >= PACK_AHEAD)
            pthread_cond_wait(&b->pack_done, &b->lock);
        if (b->o.interrupt && *b->o.interrupt)
            b->interrupted = true; /* the member under way is finished; no other starts */
        /* A print pack whose members are in place comes first: its letters
         * are freed once it is made. */
        size_t p = w->packs ? kl_batch__take_pack_locked(b) : SIZE_MAX;
        size_t i = p != SIZE_MAX || b->interrupted ? b->n_jobs : b->next_job++;
        pthread_mutex_unlock(&b->lock);
        if (p != SIZE_MAX) {
            /* The pack is made with the batch's renderer: this worker's caches (shaped
             * paragraphs, font subsets, a deflater, libharu's arena: a few MB) would only sit
             * beside it at its peak, its save. The packs saved after the workers have none. Only
             * before the save: letters are added to the pack every few members, and forgetting
             * then would make every letter fill the caches again. */
            if (b->pack_whole)
                kl_pdf__renderer_forget(w->r);
            kl_batch__run_pack(b, p);
            continue;
        }
        if (i >= b->n_jobs)
            break;
        job *j = &b->jobs[i];
        w->cur = j;
        /* Its member made for this worker (the review keeps only its text and brief); out of
         * memory, do_member fails the member. */
        kl_batch__job_member(b, j);
        do_member(w, j);
        w->cur = NULL;
        finish(w, j);
    }
    return NULL;
}
