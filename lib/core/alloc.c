/* SPDX-License-Identifier: MIT */
/* core/alloc.c: allocation wrappers with a failure-injection hook for tests. */
#include "core/core.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* Counted globally: the hook is for single-threaded tests. */
static atomic_ulong alloc_count;
static atomic_ulong fail_at;
static atomic_bool fail_sticky;

void kl_core__alloc_fail_at(unsigned long n, bool sticky)
{
    atomic_store(&alloc_count, 0);
    atomic_store(&fail_sticky, sticky);
    atomic_store(&fail_at, n);
}

unsigned long kl_core__alloc_count(void)
{
    return atomic_load(&alloc_count);
}

static bool should_fail(void)
{
    unsigned long at = atomic_load(&fail_at);
    unsigned long n = atomic_fetch_add(&alloc_count, 1) + 1;
    if (at == 0)
        return false;
    return atomic_load(&fail_sticky) ? n >= at : n == at;
}

void *kl_malloc(size_t n)
{
    if (should_fail())
        return NULL;
    return malloc(n ? n : 1);
}

void *kl_calloc(size_t count, size_t size)
{
    if (should_fail())
        return NULL;
    return calloc(count ? count : 1, size ? size : 1);
}

void *kl_realloc(void *p, size_t n)
{
    if (should_fail())
        return NULL;
    return realloc(p, n ? n : 1);
}

char *kl_strdup(const char *s)
{
    return s ? kl_strndup(s, strlen(s)) : NULL;
}

char *kl_strndup(const char *s, size_t n)
{
    if (!s)
        return NULL;
    size_t len = strnlen(s, n);
    char *d = kl_malloc(len + 1);
    if (!d)
        return NULL;
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

KL_API void kl_free(void *ptr)
{
    free(ptr);
}
