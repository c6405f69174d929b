/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_review.c: the review XML loader (schema, safeguarding rules) on any bytes. */
#include "fuzz.h"

#include <kinletter.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kl_context *ctx = fuzz_context();
    kl_review *review = NULL;
    /* A base directory with nothing in it: a <family src> or <logo src> names no real file. */
    kl_review_load_options o = KL_REVIEW_LOAD_OPTIONS_INIT;
    o.max_bytes = 1 << 20;
    o.max_members = 200;
    if (kl_review_load_buffer(ctx, (const char *)data, size, "fuzz.xml", "/nonexistent-kl-fuzz", &o,
                              &review) == 0) {
        /* Read back what a letter would use. */
        for (size_t i = 0; i < kl_review_member_count(review); i++) {
            const kl_member *m = kl_review_member(review, i);
            int ok = kl_review_member_ok(review, m);
            /* A member with an id can be found by it; one without is never ok. */
            if (kl_member_id(m) ? kl_review_find_member(review, kl_member_id(m)) == NULL : ok)
                __builtin_trap();
            if (ok &&
                (!kl_member_relationship(m) || !kl_member_given(m) ||
                 kl_member_contact_count(m) == 0) &&
                !kl_member_contact_none(m))
                __builtin_trap(); /* an ok member has what a letter needs */
        }
        kl_review_free(review);
    }
    return 0;
}
