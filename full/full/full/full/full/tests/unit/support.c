/* SPDX-License-Identifier: MIT */
/* tests/unit/support.c: helpers shared by the unit tests. */
#include "support.h"
#include "text/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void collect(const kl_diagnostic *d, void *userdata)
{
    kl_test_diags *diags = userdata;
    if (diags->n >= 64)
        return;
    size_t i = diags->n++;
    diags->items[i] = *d;
    snprintf(diags->text[i], sizeof diags->text[i], "%s:%u:%u: %s", d->source ? d->source : "",
             d->line, d->column, d->message ? d->message : "");
    diags->items[i].message = diags->text[i];
    diags->items[i].source = NULL;
    diags->items[i].hint = NULL;
    diags->items[i].member_id = NULL;
}

kl_context *kl_test_context(kl_test_diags *diags)
{
    kl_context *ctx = NULL;
    assert_int_equal(kl_context_new(&ctx), 0);
    if (diags) {
        memset(diags, 0, sizeof *diags);
        kl_context_set_diagnostics(ctx, collect, diags);
    }
    return ctx;
}

int kl_test_find_diag(const kl_test_diags *d, const char *needle)
{
    for (size_t i = 0; i < d->n; i++)
        if (strstr(d->text[i], needle))
            return (int)i;
    return -1;
}

const char *kl_test_src(const char *rel)
{
    static char buf[4096];
    const char *root = getenv("KL_SOURCE_ROOT");
    snprintf(buf, sizeof buf, "%s/%s", root ? root : ".", rel);
    return buf;
}

const char *kl_test_tmpfile(const char *name, const char *text, size_t len)
{
    static char dir[3072];
    static char path[4096];
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "%s/kltest-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
        if (!mkdtemp(dir))
            fail_msg("mkdtemp failed");
    }
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    fclose(f);
    return path;
}

struct kl_fontset *kl_test_fonts;

int kl_test_fonts_setup(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    int rc = kl_text__fontset_load(ctx, kl_test_src("fonts/fonts.xml"), &kl_test_fonts);
    kl_context_free(ctx);
    return rc;
}

int kl_test_fonts_teardown(void **state)
{
    (void)state;
    kl_text__fontset_free(kl_test_fonts);
    kl_test_fonts = NULL;
    return 0;
}
