/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz.h: what every harness shares: the libFuzzer entry points and one context. */
#ifndef KL_FUZZ_H
#define KL_FUZZ_H

#include "core/core.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A context that lives for the whole run; diagnostics are counted, not printed. */
static inline kl_context *fuzz_context(void)
{
    static kl_context *ctx;
    if (!ctx && kl_context_new(&ctx) != 0)
        return NULL;
    kl_context_clear_error(ctx);
    return ctx;
}

/* The input as a NUL-terminated string (the caller frees it with kl_free). */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
    return kl_core__strndup((const char *)data, size);
}

#endif
