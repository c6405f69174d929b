/* SPDX-License-Identifier: MIT */
/* pdf/compact.c: libharu's finished PDF rewritten by libqpdf with object streams and a
 * cross-reference stream (PDF 1.5+). libharu writes every dictionary (most of a letter: the
 * structure tree) uncompressed and a classic xref table; qpdf packs the dictionaries into
 * compressed object streams, keeping every object and stream as it was (no stream is
 * decoded or recompressed, so page contents, fonts, ToUnicode and XMP metadata are the
 * same bytes). The /ID is derived from the content (qpdf's deterministic ID), so the same
 * letter gives the same bytes. */
#include "core/core.h"
#include "pdf/pdf_internal.h"

#include <pthread.h>
#include <qpdf/qpdf-c.h>
#include <stdio.h>
#include <string.h>

/* libqpdf 11.3 writes shared state while writing (ThreadSanitizer saw two threads' writers
 * race in a std::string inside libqpdf), so every use of libqpdf in the library (this
 * rewrite, protect.c's encryption, check's Notify reader) holds this one lock. */
static pthread_mutex_t qpdf_mutex = PTHREAD_MUTEX_INITIALIZER;

void kl_pdf__qpdf_lock(void)
{
    pthread_mutex_lock(&qpdf_mutex);
}

void kl_pdf__qpdf_unlock(void)
{
    pthread_mutex_unlock(&qpdf_mutex);
}

static int compact_locked(kl_context *ctx, kl_buf *out, size_t start);

int kl_pdf__compact(kl_context *ctx, kl_buf *out, size_t start)
{
    if (!out || start > out->len)
        return kl_core__error(ctx, KL_EINVAL, KL_NOWHERE, NULL, "kl_pdf__compact: bad arguments");
    kl_pdf__qpdf_lock();
    int rc = compact_locked(ctx, out, start);
    kl_pdf__qpdf_unlock();
    return rc;
}

static int compact_locked(kl_context *ctx, kl_buf *out, size_t start)
{
    qpdf_data q = qpdf_init();
    qpdf_silence_errors(q);
    qpdf_set_suppress_warnings(q, QPDF_TRUE);
    char detail[256] = "";
    if (qpdf_read_memory(q, "letter.pdf", (const char *)out->data + start,
                         (unsigned long long)(out->len - start), NULL) &
        QPDF_ERRORS)
        goto fail;
    if (qpdf_init_write_memory(q) & QPDF_ERRORS)
        goto fail;
    qpdf_set_object_stream_mode(q, qpdf_o_generate);
    /* Streams pass through as libharu and kinletter deflated them. */
    qpdf_set_decode_level(q, qpdf_dl_none);
    qpdf_set_compress_streams(q, QPDF_FALSE);
    qpdf_set_deterministic_ID(q, QPDF_TRUE);
    qpdf_set_minimum_pdf_version(q, "1.7");
    if (qpdf_write(q) & QPDF_ERRORS)
        goto fail;
    size_t n = qpdf_get_buffer_length(q);
    const unsigned char *buf = qpdf_get_buffer(q);
    if (!buf || !n) {
        qpdf_cleanup(&q);
        return kl_core__error(ctx, KL_EBACKEND, KL_NOWHERE, NULL, "qpdf wrote no PDF");
    }
    /* The input is not read again once written: the output replaces it in place. */
    out->len = start;
    int rc = kl_core__buf_append(out, buf, n);
    qpdf_cleanup(&q);
    return rc ? kl_core__oom(ctx) : 0;

fail:
    if (qpdf_has_error(q)) {
        qpdf_error e = qpdf_get_error(q);
        /* qpdf's message names the object and offset, never the letter's text. */
        snprintf(detail, sizeof detail, "%s", qpdf_get_error_message_detail(q, e));
    }
    qpdf_cleanup(&q);
    return kl_core__error(ctx, KL_EBACKEND, KL_NOWHERE, NULL, "qpdf could not compact the PDF: %s",
                          detail[0] ? detail : "unknown error");
}
