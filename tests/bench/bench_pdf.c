/* SPDX-License-Identifier: MIT */
/* tests/bench/bench_pdf.c: PDF letters per second, size and peak memory as a batch grows. */
/* Usage: bench_pdf [MAX] (200, 1000, 10000 members up to MAX). BENCH_NO_LOGO=1: no logo;
 * BENCH_DUMP=FILE: write the first letter there (to look inside it). */
#include "pdf/pdf_internal.h"

#include "../data/pdf/sample_doc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* One member's letter: the notification at large print, with this
 * member's name and address. */
static kl_doc *member_letter(unsigned i, const char *logo)
{
    kl_doc *d = sample_letter(&samples[0], 18, logo, 3);
    if (!d)
        return NULL;
    static const char *given[] = {"Anna", "Kacper", "Ewa", "Tom", "Priya", "Omar", "Siân"};
    static const char *family[] = {"Nowak", "Jones", "Khan", "Smith", "Evans", "Ahmed"};
    char name[96], street[96], salutation[128];
    snprintf(name, sizeof name, "%s %s", given[i % 7], family[(i / 7) % 6]);
    snprintf(street, sizeof street, "%u Victoria Road", 1 + i % 240);
    snprintf(salutation, sizeof salutation, "Dear %s,", name);
    for (kl_node *n = d->root->first; n; n = n->next) {
        if (n->kind == KL_NODE_ADDRESS) {
            kl_doc__set(&n->first->text, name);
            kl_doc__set(&n->first->next->text, street);
        }
        if (n->kind == KL_NODE_SALUTATION)
            kl_doc__set(&n->text, salutation);
    }
    return d;
}

int main(int argc, char **argv)
{
    const char *src = getenv("KL_SOURCE_ROOT") ? getenv("KL_SOURCE_ROOT") : ".";
    unsigned max = argc > 1 ? (unsigned)atoi(argv[1]) : 1000;
    char fonts_xml[1024], logo[1024];
    snprintf(fonts_xml, sizeof fonts_xml, "%s/fonts/fonts.xml", src);
    snprintf(logo, sizeof logo, "%s/tests/data/pdf/logo.png", src);
    kl_context *ctx = NULL;
    kl_fontset *fonts = NULL;
    kl_text_cache *tc = NULL;
    kl_pdf_cache *pc = NULL;
    if (kl_context_new(&ctx) || kl_text__fontset_load(ctx, fonts_xml, &fonts) ||
        kl_text__cache_new(&tc) || kl_pdf__cache_new(&pc)) {
        fprintf(stderr, "bench_pdf: setup failed: %s\n",
                kl_context_last_error(ctx) ? kl_context_last_error(ctx)->message : "?");
        return 1;
    }
    kl_pdf_opts o = {
        .fonts = fonts, .text = tc, .cache = pc, .creation_date = "2026-03-01T09:00:00Z"};
    printf("%-8s %-6s %14s %12s %12s %14s\n", "members", "runs", "ms/letter(med)", "letters/s",
           "KB/letter", "peak RSS (MB)");
    const unsigned sizes[] = {200, 1000, 10000};
    const char *dump = getenv("BENCH_DUMP");
    for (size_t s = 0; s < 3 && sizes[s] <= max; s++) {
        unsigned n = sizes[s], runs = n <= 1000 ? 5 : 1;
        double per[5];
        double bytes = 0;
        for (unsigned run = 0; run < runs; run++) {
            double total = 0;
            bytes = 0;
            for (unsigned i = 0; i < n; i++) {
                kl_doc *d = member_letter(i, getenv("BENCH_NO_LOGO") ? NULL : logo); /* not timed */
                kl_buf out = KL_BUF_INIT;
                double t0 = now_ms();
                int rc = kl_pdf__render(ctx, d, &o, &out, NULL);
                total += now_ms() - t0;
                if (rc) {
                    fprintf(stderr, "bench_pdf: %s\n", kl_context_last_error(ctx)->message);
                    return 1;
                }
                bytes += (double)out.len;
                if (dump && !s && !run && !i) { /* BENCH_DUMP=file: keep the first letter */
                    FILE *f = fopen(dump, "wb");
                    if (f) {
                        fwrite(out.data, 1, out.len, f);
                        fclose(f);
                    }
                }
                kl_core__buf_free(&out);
                kl_doc__free(d);
            }
            per[run] = total / n;
        }
        qsort(per, runs, sizeof *per, cmp_double);
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        printf("%-8u %-6u %14.3f %12.0f %12.2f %14.1f\n", n, runs, per[runs / 2],
               1000.0 / per[runs / 2], bytes / n / 1024.0, ru.ru_maxrss / 1024.0);
        fflush(stdout);
    }
    kl_pdf__cache_free(pc);
    kl_text__cache_free(tc);
    kl_text__fontset_free(fonts);
    kl_context_free(ctx);
    return 0;
}
