/* SPDX-License-Identifier: MIT */
/* core/alloc.c: allocation wrappers with a failure-injection hook for tests. */
#include "core/core.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Counted globally: the hook is for single-threaded tests. */
static atomic_ulong alloc_count;
static atomic_ulong fail_at;
static atomic_bool fail_sticky;
/* Where the last injected failure was asked for (a return address), for tests that count
 * the distinct allocation sites they made fail. */
static _Atomic(void *) failed_site;
/* When set, the call site of allocation n is written to trace[n - 1] (n <= trace_cap). */
static void **trace;
static size_t trace_cap;

void kl_core__alloc_trace(void **sites, size_t cap)
{
    trace = sites;
    trace_cap = sites ? cap : 0;
}

void kl_core__alloc_fail_at(unsigned long n, bool sticky)
{
    atomic_store(&alloc_count, 0);
    atomic_store(&fail_sticky, sticky);
    atomic_store(&fail_at, n);
    atomic_store(&failed_site, NULL);
}

void *kl_core__alloc_failed_site(void)
{
    return atomic_load(&failed_site);
}

unsigned long kl_core__alloc_count(void)
{
    return atomic_load(&alloc_count);
}

static bool should_fail(void *site)
{
    unsigned long at = atomic_load(&fail_at);
    unsigned long n = atomic_fetch_add(&alloc_count, 1) + 1;
    if (trace && n <= trace_cap)
        trace[n - 1] = site;
    if (at == 0)
        return false;
    bool fail = atomic_load(&fail_sticky) ? n >= at : n == at;
    if (fail && n == at)
        atomic_store(&failed_site, site);
    return fail;
}

static void *malloc_from(size_t n, void *site)
{
    if (should_fail(site))
        return NULL;
    return malloc(n ? n : 1);
}

void *kl_core__malloc(size_t n)
{
    return malloc_from(n, __builtin_return_address(0));
}

void *kl_core__calloc(size_t count, size_t size)
{
    if (should_fail(__builtin_return_address(0)))
        return NULL;
    return calloc(count ? count : 1, size ? size : 1);
}

void *kl_core__realloc(void *p, size_t n)
{
    if (should_fail(__builtin_return_address(0)))
        return NULL;
    return realloc(p, n ? n : 1);
}

int kl_core__grow(void *arrp, size_t *cap, size_t need, size_t item_size)
{
    /* Counted at the caller's site (the macro's), so the allocation-failure walk
     * still tells one array's growth from another's. */
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 8;
    while (n < need) {
        if (n > SIZE_MAX / 2)
            return KL_ENOMEM;
        n *= 2;
    }
    if (item_size && n > SIZE_MAX / item_size)
        return KL_ENOMEM;
    if (should_fail(__builtin_return_address(0)))
        return KL_ENOMEM;
    void *old;
    memcpy(&old, arrp, sizeof old); /* arrp is the address of a typed pointer */
    void *p = realloc(old, item_size ? n * item_size : 1);
    if (!p)
        return KL_ENOMEM;
    memcpy(arrp, &p, sizeof p);
    *cap = n;
    return 0;
}

void kl_core__shrink(void *arrp, size_t *cap, size_t n, size_t item_size)
{
    void *arr, *to;
    memcpy(&arr, arrp, sizeof arr); /* arrp is the address of a typed pointer */
    if (!arr || !n || *cap <= n || !(to = kl_core__realloc(arr, n * item_size)))
        return;
    memcpy(arrp, &to, sizeof to);
    *cap = n;
}

static char *strndup_from(const char *s, size_t n, void *site)
{
    if (!s)
        return NULL;
    size_t len = strnlen(s, n);
    char *d = malloc_from(len + 1, site);
    if (!d)
        return NULL;
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

char *kl_core__strdup(const char *s)
{
    return s ? strndup_from(s, strlen(s), __builtin_return_address(0)) : NULL;
}

char *kl_core__strndup(const char *s, size_t n)
{
    return strndup_from(s, n, __builtin_return_address(0));
}

KL_API void kl_free(void *ptr)
{
    free(ptr);
}
