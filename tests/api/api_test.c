/* SPDX-License-Identifier: MIT */
/* tests/api/api_test.c: the public header compiles as C99 -pedantic and links. */
#include <kinletter.h>

#include <stdio.h>
#include <string.h>

int main(void)
{
    kl_context *ctx = NULL;
    int failures = 0;
    if (kl_context_new(&ctx) != 0 || !ctx) {
        puts("FAIL: kl_context_new");
        return 1;
    }
    if (strcmp(kl_version(), "") == 0) {
        puts("FAIL: empty version");
        failures++;
    }
    if (kl_context_last_error(ctx) != NULL) {
        puts("FAIL: fresh context has an error");
        failures++;
    }
    {
        char *path = NULL;
        if (kl_context_find_data(ctx, "no/such/file.xml", &path) != KL_ENOTFOUND) {
            puts("FAIL: finding a missing data file did not give KL_ENOTFOUND");
            failures++;
        } else if (!kl_context_last_error(ctx) ||
                   !strstr(kl_context_last_error(ctx)->message, "no/such/file.xml")) {
            puts("FAIL: the last error does not name the missing file");
            failures++;
        }
    }
    kl_context_free(ctx);
    kl_context_free(NULL);
    printf("%d passed, %d failed\n", 3 - failures, failures);
    return failures ? 1 : 0;
}
