/* SPDX-License-Identifier: MIT */
/* batch/notify.c: GOV.UK Notify's bulk-upload files. */
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
int kl_batch__notify_csvs(batch *b)
{
    kl_buf em = KL_BUF_INIT, sm = KL_BUF_INIT;
    size_t n_em = 0, n_sm = 0;
    int rc = 0;
    kl_core__buf_puts(&em, "email address,subject,body\r\n");
    kl_core__buf_puts(&sm, "phone number,body\r\n");
    for (size_t i = 0; i < b->n_jobs; i++) {
        job *j = &b->jobs[i];
        const kl_member_brief *br = kl_batch__brief(b, j);
        if (j->state != J_WRITTEN || !(kl_batch__has_channel(br, KL_CHANNEL_EMAIL) ||
                                       kl_batch__has_channel(br, KL_CHANNEL_SMS)))
            continue;
        /* The member made again for its address or number (the review keeps neither). */
        if ((rc = kl_batch__job_member(b, j)) < 0) {
            rc = rc == KL_ENOMEM ? kl_core__oom(b->ctx)
                                 : kl_core__error(b->ctx, rc, KL_AT(b->dir, 0, 0), NULL,
                                                  "member %s cannot be read again", br->id);
            goto done;
        }
        for (size_t k = 0; k < j->n_files; k++) {
            kept_file kf = kl_batch__file(j, k);
            const kept_file *f = &kf;
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
                                    br->id);
                kl_batch__job_member_drop(j);
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
        kl_batch__job_member_drop(j);
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
        rc = disp.oom ? kl_core__oom(b->ctx)
                      : kl_batch__place_file(b->ctx, b, out[i].name, disp.data, out[i].buf->data,
                                             out[i].buf->len);
        kl_core__buf_free(&disp);
        if (rc < 0)
            goto done;
    }
done:
    kl_core__buf_free(&em);
    kl_core__buf_free(&sm);
    return rc;
}
