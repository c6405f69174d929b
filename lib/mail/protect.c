/* SPDX-License-Identifier: MIT */
/* mail/protect.c: AES-256 protected PDFs (libqpdf's C API) and their passwords. libqpdf
 * lives here, beside the email draft that attaches the protected PDF, not in lib/pdf (the
 * libharu writer): it reads and rewrites finished PDF bytes, as a mail client would. */
#define _GNU_SOURCE
#include "mail/protect.h"
#include "core/core.h"
#include "pdf/pdf_internal.h"

#include <errno.h>
#include <pthread.h>
#include <qpdf/qpdf-c.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

extern const unsigned char kl_mail_words[];
extern const size_t kl_mail_words_len;

/* The start of each line of the list, found once. */
#define WORDS_MAX 4096
static size_t word_at[WORDS_MAX + 1];
static size_t n_words;
static pthread_once_t words_once = PTHREAD_ONCE_INIT;

static void index_words(void)
{
    size_t start = 0;
    for (size_t i = 0; i < kl_mail_words_len && n_words < WORDS_MAX; i++)
        if (kl_mail_words[i] == '\n') {
            if (i > start)
                word_at[n_words++] = start;
            start = i + 1;
        }
    word_at[n_words] = kl_mail_words_len;
}

size_t kl_mail__word_count(void)
{
    pthread_once(&words_once, index_words);
    return n_words;
}

const char *kl_mail__word(size_t i, size_t *len)
{
    pthread_once(&words_once, index_words);
    if (i >= n_words)
        return NULL;
    const char *w = (const char *)kl_mail_words + word_at[i];
    const char *nl = memchr(w, '\n', kl_mail_words_len - word_at[i]);
    *len = nl ? (size_t)(nl - w) : kl_mail_words_len - word_at[i];
    return w;
}

static int random_bytes(kl_context *ctx, void *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = getrandom((unsigned char *)buf + got, n - got, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return kl_core__error(ctx, KL_EBACKEND, KL_NOWHERE, NULL,
                                  "the system gave no random bytes for a password: %s",
                                  strerror(errno));
        got += (size_t)r;
    }
    return 0;
}

int kl_mail__password(kl_context *ctx, char *out, size_t cap)
{
    size_t n = kl_mail__word_count();
    if (n < 2 || (n & (n - 1)) || cap < KL_MAIL_PASSWORD_MAX)
        return kl_core__error(ctx, KL_EBACKEND, KL_NOWHERE, NULL,
                              "the password word list is not a power of two long");
    uint16_t r[KL_MAIL_PASSWORD_WORDS];
    int rc = random_bytes(ctx, r, sizeof r);
    if (rc)
        return rc;
    size_t at = 0;
    for (size_t k = 0; k < KL_MAIL_PASSWORD_WORDS; k++) {
        size_t len = 0;
        /* n is a power of two: masking draws every word equally often. */
        const char *w = kl_mail__word(r[k] & (n - 1), &len);
        if (at + len + 2 > cap)
            return kl_core__error(ctx, KL_EBACKEND, KL_NOWHERE, NULL,
                                  "a password word is too long");
        if (k)
            out[at++] = '-';
        memcpy(out + at, w, len);
        at += len;
    }
    out[at] = '\0';
    memset(r, 0, sizeof r);
    return 0;
}

/* libqpdf is used under the library's one qpdf lock (lib/pdf/compact.c says why). */

/* The error for a failed qpdf call, with qpdf's detail (it names the object
 * and offset, never the letter's text). */
static int qpdf_failed(kl_context *ctx, qpdf_data q)
{
    const char *detail = NULL;
    if (qpdf_has_error(q))
        detail = qpdf_get_error_message_detail(q, qpdf_get_error(q));
    return kl_core__error(ctx, KL_EBACKEND, KL_NOWHERE, NULL, "qpdf could not protect the PDF: %s",
                          detail && detail[0] ? detail : "unknown error");
}

int kl_mail__protect_pdf(kl_context *ctx, const unsigned char *pdf, size_t len,
                         const char *user_password, unsigned char **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    unsigned char owner_raw[24];
    char owner[2 * sizeof owner_raw + 1];
    int rc = random_bytes(ctx, owner_raw, sizeof owner_raw);
    if (rc)
        return rc;
    for (size_t i = 0; i < sizeof owner_raw; i++)
        snprintf(owner + 2 * i, 3, "%02x", owner_raw[i]);
    kl_pdf__qpdf_lock();
    qpdf_data q = qpdf_init();
    qpdf_silence_errors(q);
    qpdf_set_suppress_warnings(q, QPDF_TRUE);
    if ((qpdf_read_memory(q, "letter.pdf", (const char *)pdf, (unsigned long long)len, NULL) &
         QPDF_ERRORS) ||
        (qpdf_init_write_memory(q) & QPDF_ERRORS)) {
        rc = qpdf_failed(ctx, q);
        goto done;
    }
    /* Accessibility extraction and copying text stay allowed (a screen reader,
     * a translation tool); printing at full resolution too. */
    qpdf_set_r6_encryption_parameters2(q, user_password, owner, QPDF_TRUE, QPDF_TRUE, QPDF_FALSE,
                                       QPDF_FALSE, QPDF_FALSE, QPDF_FALSE, qpdf_r3p_full,
                                       QPDF_TRUE);
    /* Object streams as lib/pdf/compact.c wrote them (qpdf keeps them, encrypted). */
    qpdf_set_object_stream_mode(q, qpdf_o_generate);
    if (qpdf_write(q) & QPDF_ERRORS) {
        rc = qpdf_failed(ctx, q);
        goto done;
    }
    size_t n = qpdf_get_buffer_length(q);
    const unsigned char *buf = qpdf_get_buffer(q);
    if (!buf || !n) {
        rc = kl_core__error(ctx, KL_EBACKEND, KL_NOWHERE, NULL, "qpdf wrote no protected PDF");
        goto done;
    }
    unsigned char *copy = kl_core__malloc(n);
    if (!copy) {
        rc = kl_core__oom(ctx);
        goto done;
    }
    memcpy(copy, buf, n);
    *out = copy;
    *out_len = n;
done:
    qpdf_cleanup(&q);
    kl_pdf__qpdf_unlock();
    memset(owner, 0, sizeof owner);
    return rc;
}
