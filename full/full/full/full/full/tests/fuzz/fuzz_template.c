/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_template.c: the template loader (schema, XPath compilation) on any bytes. */
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
    kl_template *tpl = NULL;
    if (kl_template_load_buffer(ctx, (const char *)data, size, "fuzz.xml", &tpl) == 0) {
        (void)kl_template_name(tpl);
        kl_template_free(tpl);
    }
    return 0;
}
