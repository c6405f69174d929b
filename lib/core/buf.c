/* SPDX-License-Identifier: MIT */
/* core/buf.c: a growable, always NUL-terminated byte buffer. */
#include "core/core.h"

#include <stdio.h>
#include <string.h>

int kl_core__buf_reserve(kl_buf *b, size_t extra)
{
    if (b->oom)
        return KL_ENOMEM;
    if (extra > SIZE_MAX - b->len - 1) {
        b->oom = true;
        return KL_ENOMEM;
    }
    size_t need = b->len + extra + 1;
    /* At least 64 bytes: KL_GROW's doubling from 8 then starts at 64. */
    if (KL_GROW(b->data, b->cap, need < 64 ? 64 : need) < 0) {
        b->oom = true;
        return KL_ENOMEM;
    }
    return 0;
}

int kl_core__buf_append(kl_buf *b, const void *data, size_t len)
{
    if (kl_core__buf_reserve(b, len))
        return KL_ENOMEM;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

int kl_core__buf_puts(kl_buf *b, const char *s)
{
    return kl_core__buf_append(b, s, strlen(s));
}

int kl_core__buf_putc(kl_buf *b, char c)
{
    return kl_core__buf_append(b, &c, 1);
}

int kl_core__buf_vprintf(kl_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return KL_EINVAL;
    if (kl_core__buf_reserve(b, (size_t)n))
        return KL_ENOMEM;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int kl_core__buf_printf(kl_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = kl_core__buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

void kl_core__buf_clear(kl_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void kl_core__buf_free(kl_buf *b)
{
    kl_free(b->data);
    *b = (kl_buf)KL_BUF_INIT;
}

char *kl_core__buf_detach(kl_buf *b)
{
    if (b->oom) {
        kl_core__buf_free(b);
        return NULL;
    }
    if (!b->data && kl_core__buf_reserve(b, 0))
        return NULL;
    char *d = b->data;
    d[b->len] = '\0';
    *b = (kl_buf)KL_BUF_INIT;
    return d;
}
