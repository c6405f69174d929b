/* SPDX-License-Identifier: MIT */
/* tests/bench/bench_generate.c: `generate` on synthetic families: letters per second, peak memory.
 */
#define _XOPEN_SOURCE 700
#include <kinletter.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long peak_rss_mb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* A family of n invented members, all in English: 60% by post, 25% by
 * email, 15% by text message; each with an address, email or phone of
 * their own. */
static char *family_review(unsigned n, size_t *len)
{
    size_t cap = 4096 + (size_t)n * 600;
    char *x = malloc(cap);
    if (!x)
        return NULL;
    size_t k = (size_t)snprintf(
        x, cap,
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        "<review xmlns='urn:kinletter:review:1' id='BENCH-%u' type='lcspr'>\n"
        "<partnership><name>Northshire Safeguarding Children Partnership</name>"
        "<address><line>Floor 3, County Hall</line><town>Northtown</town>"
        "<postcode>NT1 4AB</postcode></address><phone>01632 960123</phone>"
        "<email>reviews@northshire-scp.example</email></partnership>\n"
        "<subject given='Amelia' family='Nowak' gender='female' age='4' outcome='died'/>\n"
        "<dates decided='2026-11-20' letter='2026-11-27' expected-end='2027-05-28' "
        "period-from='2025-01-01' period-to='2026-10-31'/>\n"
        "<contact name='Sam Okafor' phone='01632 960456' "
        "email='sam.okafor@northshire-scp.example'/>\n"
        "<agencies><agency>Northtown Hospital</agency><agency>Northshire Police</agency>"
        "</agencies>\n<family>\n",
        n);
    static const char *const given[] = {"Anna", "Kacper", "Ewa", "Tom", "Priya", "Omar", "Jas"};
    static const char *const rel[] = {"aunt", "uncle", "grandmother", "grandfather", "carer"};
    static const char *const gender[] = {"female", "male", "female", "male", "other"};
    for (unsigned i = 0; i < n && k < cap; i++) {
        unsigned r = i % 5;
        k += (size_t)snprintf(x + k, cap - k,
                              "<member id='b%05u' relationship='%s' gender='%s'>"
                              "<name given='%s' family='Member%u'/><language locale='en-GB'/>",
                              i, rel[r], gender[r], given[i % 7], i);
        unsigned kind = i % 20;
        if (kind < 12)
            k += (size_t)snprintf(x + k, cap - k,
                                  "<contact channel='post'><address><line>%u Bench Street</line>"
                                  "<town>Northtown</town><postcode>NT%u %uAB</postcode>"
                                  "</address></contact>",
                                  i + 1, 1 + i % 9, i % 10);
        else if (kind < 17)
            k += (size_t)snprintf(x + k, cap - k,
                                  "<contact channel='email' email='member%u@mail.example'/>", i);
        else
            k +=
                (size_t)snprintf(x + k, cap - k, "<contact channel='sms' phone='07700 9%05u'/>", i);
        k += (size_t)snprintf(x + k, cap - k, "</member>\n");
    }
    k += (size_t)snprintf(x + k, cap - k, "</family>\n</review>\n");
    *len = k;
    return x;
}

static int run(kl_context *ctx, const kl_review *rv, unsigned jobs, const char *out, double *secs,
               kl_batch_totals *t)
{
    kl_batch_options o = KL_BATCH_OPTIONS_INIT;
    o.output_dir = out;
    o.jobs = jobs;
    o.force = 1;
    o.creation_date = "2026-11-27T12:00:00Z";
    kl_batch_result *res = NULL;
    double t0 = now_s();
    int rc = kl_batch_generate(ctx, rv, &o, &res);
    *secs = now_s() - t0;
    if (res)
        kl_batch_result_totals(res, t);
    kl_batch_result_free(res);
    return rc;
}

int main(int argc, char **argv)
{
    unsigned sizes[] = {100, 1000, 10000};
    size_t n_sizes = argc > 1 ? (size_t)atoi(argv[1]) : 3;
    if (n_sizes < 1 || n_sizes > 3)
        n_sizes = 3;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    char tmpl[] = "/tmp/klbench-XXXXXX";
    const char *base = mkdtemp(tmpl);
    if (!base) {
        perror("mkdtemp");
        return 1;
    }
    kl_context *ctx = NULL;
    if (kl_context_new(&ctx)) {
        fputs("out of memory\n", stderr);
        return 1;
    }
    printf("kinletter generate: synthetic English families (60%% post, 25%% email, 15%% sms)\n");
    printf("%8s %6s %9s %8s %10s %12s %9s\n", "members", "jobs", "files", "seconds", "letters/s",
           "pack pages", "peak MB");
    int status = 0;
    for (size_t s = 0; s < n_sizes && !status; s++) {
        size_t len = 0;
        char *xml = family_review(sizes[s], &len);
        kl_review *rv = NULL;
        kl_review_load_options lo = KL_REVIEW_LOAD_OPTIONS_INIT;
        lo.max_bytes = len + 1;
        if (!xml || kl_review_load_buffer(ctx, xml, len, "bench.xml", base, &lo, &rv)) {
            fprintf(stderr, "cannot load the synthetic review of %u members\n", sizes[s]);
            free(xml);
            status = 1;
            break;
        }
        free(xml);
        unsigned jobs[] = {1, (unsigned)(cores > 0 ? cores : 1)};
        for (size_t j = 0; j < 2 && !status; j++) {
            if (j == 1 && jobs[1] == 1)
                break;
            char out[256];
            snprintf(out, sizeof out, "%s/out", base);
            double secs = 0;
            kl_batch_totals t = KL_BATCH_TOTALS_INIT;
            int rc = run(ctx, rv, jobs[j], out, &secs, &t);
            if (rc) {
                const kl_diagnostic *e = kl_context_last_error(ctx);
                fprintf(stderr, "generate failed: %s\n", e ? e->message : kl_strerror(rc));
                status = 1;
            }
            printf("%8u %6u %9zu %8.2f %10.1f %12zu %9ld\n", sizes[s], jobs[j], t.files, secs,
                   secs > 0 ? (double)t.members_written / secs : 0.0, t.print_pack_pages,
                   peak_rss_mb());
            fflush(stdout);
            nftw(out, rm_one, 16, FTW_DEPTH | FTW_PHYS);
        }
        kl_review_free(rv);
    }
    printf("(peak MB is the process's high-water mark so far; letters/s counts members "
           "written)\n");
    kl_context_free(ctx);
    nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return status;
}
