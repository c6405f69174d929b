/* SPDX-License-Identifier: MIT */
/* tests/bench/bench_layout.c: line layout time against paragraph length, up to the 1 MB limit.
 * Prints figures (ms, and ms per 100 KB: flat when the layout is linear); asserts nothing.
 * Usage: bench_layout [MAX_BYTES] (default 1000000). */
#include "text/fontset.h"
#include "text/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* n bytes of short words (a long name, an address list pasted in), or of
 * Arabic words (right to left, joined), or one word with no break. */
static char *text_of(size_t n, int kind)
{
    static const char *latin[] = {"Anna ", "Kacper ", "Nowak ", "Road ", "of ", "the ", "Siân "};
    static const char *arabic[] = {"مرحبا ", "بالعالم ", "رسالة ", "الأسرة "};
    char *s = malloc(n + 16);
    if (!s)
        return NULL;
    size_t len = 0;
    for (unsigned i = 0; len < n; i++) {
        const char *w = kind == 0 ? latin[i % 7] : kind == 1 ? arabic[i % 4] : "x";
        size_t wl = strlen(w);
        if (len + wl > n)
            break;
        memcpy(s + len, w, wl);
        len += wl;
    }
    s[len] = '\0';
    return s;
}

int main(int argc, char **argv)
{
    const char *src = getenv("KL_SOURCE_ROOT") ? getenv("KL_SOURCE_ROOT") : ".";
    size_t max = argc > 1 ? (size_t)atol(argv[1]) : 1000000;
    char fonts_xml[1024];
    snprintf(fonts_xml, sizeof fonts_xml, "%s/fonts/fonts.xml", src);
    kl_context *ctx = NULL;
    kl_fontset *fonts = NULL;
    if (kl_context_new(&ctx) || kl_text__fontset_load(ctx, fonts_xml, &fonts)) {
        fprintf(stderr, "bench_layout: cannot load the fonts\n");
        return 1;
    }
    static const char *kinds[] = {"latin words", "arabic words", "one long word"};
    static const char *langs[] = {"en", "ar", "en"};
    printf("%-14s %10s %8s %10s %12s\n", "text", "bytes", "lines", "ms", "ms/100KB");
    for (int kind = 0; kind < 3; kind++) {
        for (size_t n = 10000; n <= max; n = n < max && n * 10 > max ? max : n * 10) {
            char *t = text_of(n, kind);
            kl_text_cache *cache = NULL;
            if (!t || kl_text__cache_new(&cache)) {
                fprintf(stderr, "bench_layout: out of memory\n");
                return 1;
            }
            kl_tstyle st = {.lang = langs[kind], .size = 14, .width = 453};
            const kl_tpara *p = NULL;
            double t0 = now_ms();
            int rc = kl_text__para(ctx, fonts, cache, t, &st, &p);
            double ms = now_ms() - t0;
            size_t bytes = strlen(t);
            printf("%-14s %10zu %8u %10.1f %12.2f%s\n", kinds[kind], bytes, p ? p->nlines : 0, ms,
                   ms * 100000.0 / (double)bytes, rc ? " (failed)" : "");
            fflush(stdout);
            kl_text__cache_free(cache);
            free(t);
            if (n == max)
                break;
        }
    }
    kl_text__fontset_free(fonts);
    kl_context_free(ctx);
    return 0;
}
