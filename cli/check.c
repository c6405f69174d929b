/* SPDX-License-Identifier: MIT */
/* cli/check.c: `kinletter check`: validate a review file and summarise the family. */
#include "cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fputs("Usage: kinletter check [OPTIONS] [REVIEW]\n"
          "\n"
          "Check a review file (and the CSV family list it names) and summarise the\n"
          "family: who will be contacted, in which language, reading level, print size\n"
          "and channels. Addresses, phone numbers and email addresses are never shown.\n"
          "Every problem is printed as kinletter: FILE:LINE:COLUMN: error: ...\n"
          "\n"
          "With no REVIEW, the bundled example review is checked.\n"
          "\n"
          "Then every ready member's letters for every bundled template are made in\n"
          "memory exactly as `generate` makes them (fonts, page and size limits, the\n"
          "logo, the disclosure check), so what generate would refuse is reported\n"
          "first, each with FILE:LINE:COLUMN and the member id. Nothing is written.\n"
          "\n"
          "Options:\n"
          "  -q, --quiet    print only problems, not the summary\n"
          "  --no-letters   check the file only, do not make the letters\n"
          "  --notify       instead: check the postal letters generate wrote against\n"
          "                 GOV.UK Notify's precompiled-letter rules (see\n"
          "                 kinletter check --notify --help)\n"
          "  -h, --help     show this help\n"
          "  --version      show the version\n"
          "\n"
          "Exit status: 0 no errors, 1 errors in some members' data or letters (the\n"
          "rest of the family can still be served), 2 the file cannot be read or is\n"
          "invalid, or a usage error.\n",
          out);
}

/* Print a column of the summary's table: what fmt makes, then spaces up to width (as
 * printf's "%-Ns", but with no buffer, so a long value is printed whole, never cut). */
static void column(int width, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void column(int width, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vprintf(fmt, ap);
    va_end(ap);
    printf("%*s", n < width ? width - n : 0, "");
}

/* The member's languages (any number of characters: locale tags and the interpreter's
 * language are the review's own text). */
static void languages(const kl_member *m)
{
    if (!kl_member_locale(m)) {
        column(28, "-");
        return;
    }
    column(28, "%s%s%s%s%s", kl_member_locale(m), kl_member_also(m) ? " + " : "",
           kl_member_also(m) ? kl_member_also(m) : "",
           kl_member_interpreter(m) ? ", interpreter " : "",
           kl_member_interpreter(m) ? kl_member_interpreter(m) : "");
}

/* Every channel the member is contacted by (a member may have any number of contacts). */
static void channels(const kl_member *m)
{
    if (kl_member_contact_none(m)) {
        fputs("none", stdout);
        return;
    }
    for (size_t k = 0; k < kl_member_contact_count(m); k++)
        printf("%s%s", k ? ", " : "",
               kl_channel_name(kl_contact_channel(kl_member_contact_at(m, k))));
}

static void summarise(const kl_review *rv, const char *path)
{
    size_t n = kl_review_member_count(rv), ok = 0;
    printf("Review %s (%s), %s\n", kl_review_id(rv), kl_review_type_name(kl_review_get_type(rv)),
           path);
    printf("%-8s %-12s %-28s %-13s %-18s %s\n", "member", "relationship", "language", "reading",
           "print", "channels");
    for (size_t i = 0; i < n; i++) {
        const kl_member *m = kl_review_member(rv, i);
        int good = kl_review_member_ok(rv, m);
        ok += good != 0;
        printf("%-8s %-12s ", kl_member_id(m) ? kl_member_id(m) : "?",
               kl_member_relationship(m) ? kl_member_relationship(m) : "?");
        languages(m);
        printf(" %-13s ", kl_reading_name(kl_member_reading(m)));
        if (kl_review_member_format(rv, m) == KL_FORMAT_BRAILLE) /* a BRF, not print */
            column(18, "braille (BRF)");
        else
            column(18, "%s (%g pt)", kl_member_print_profile(m) ? kl_member_print_profile(m) : "-",
                   kl_member_print_size(m));
        putchar(' ');
        channels(m);
        printf("%s\n", good ? "" : "  [NOT READY: see errors]");
        if (kl_member_contact_none(m))
            printf("%-8s not contacted: %s\n", "",
                   kl_member_reason(m) ? kl_member_reason(m) : "(no reason given)");
    }
    printf("%zu member%s: %zu ready, %zu with errors; %zu warning%s\n", n, n == 1 ? "" : "s", ok,
           n - ok, kl_review_warning_count(rv), kl_review_warning_count(rv) == 1 ? "" : "s");
    /* Errors that are no one member's (a member's detail in a field every
     * letter prints) stop other members' letters: say so, or "0 with errors"
     * would read as all clear. */
    if (kl_review_error_count(rv) > n - ok)
        printf("%zu error%s in all: see the messages above; a letter is not written while it "
               "would carry another member's contact detail\n",
               kl_review_error_count(rv), kl_review_error_count(rv) == 1 ? "" : "s");
}

/* One language of the review (the library's kl_review_languages()). */
static void print_language(const kl_review_language *l, void *userdata)
{
    (void)userdata;
    if (!strcmp(l->status, "missing"))
        printf("  %-8s no catalog: letters cannot be written in this language\n", l->locale);
    else if (!strcmp(l->status, "reviewed"))
        printf("  %-8s reviewed by %s on %s\n", l->locale, l->reviewer, l->reviewed);
    else if (!strcmp(l->status, "source"))
        printf("  %-8s source text\n", l->locale);
    else
        printf("  %-8s DRAFT: not yet reviewed by a professional translator\n", l->locale);
}

/* Each language the family's letters need, and how far its translation has
 * got: a coordinator must know before sending that a catalog is a draft. */
static void translations(kl_context *ctx, const kl_review *rv)
{
    kl_catalog_set *set = NULL;
    kl_context_set_diagnostics(ctx, NULL, NULL);
    int rc = kl_catalog_set_open(ctx, NULL, &set);
    kl_context_set_diagnostics(ctx, cli_print_diagnostic, NULL);
    if (rc) {
        printf("Translations: no catalogs found (%s)\n", kl_strerror(rc));
        return;
    }
    printf("Translations:\n");
    if (kl_review_languages(ctx, rv, set, print_language, NULL))
        cli_print_error(ctx, KL_ENOMEM);
    kl_catalog_set_free(set);
}

/* ---- what generate would refuse ------------------------------------------- */

/* Problems repeat across templates (a character no font has is missing from
 * every letter): each is printed once. */
typedef struct seen_diags {
    char **keys;
    size_t n, cap;
    size_t errors;
    const char *template_name;
} seen_diags;

static void predict_diagnostic(const kl_diagnostic *d, void *userdata)
{
    seen_diags *s = userdata;
    /* Keys and messages are as long as they come (a cut key could hide another problem). */
    char *key = cli_format("%s:%u:%u:%s:%s", d->source ? d->source : "", d->line, d->column,
                           d->member_id ? d->member_id : "", d->message ? d->message : "");
    char *msg = cli_format("%s letter: %s", s->template_name, d->message ? d->message : "");
    if (!key || !msg) { /* out of memory: print it as it is, perhaps more than once */
        free(key);
        free(msg);
        cli_print_diagnostic(d, NULL);
        return;
    }
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->keys[i], key) == 0) {
            free(key);
            free(msg);
            return;
        }
    if (cli_grow((void **)&s->keys, &s->cap, s->n + 1, sizeof *s->keys) == 0)
        s->keys[s->n++] = key;
    else
        free(key);
    s->errors += d->severity == KL_SEVERITY_ERROR;
    /* Say which template's letter it is about. */
    kl_diagnostic c = *d;
    c.message = msg;
    cli_print_diagnostic(&c, NULL);
    free(msg);
}

/* Every ready member's letters for every bundled template, made and checked
 * in memory exactly as `generate` makes them (fonts, page limits, logo,
 * sizes, the disclosure check), nothing written. Returns members that would
 * fail, summed over the templates; -1 if it could not run. */
static long predict(kl_context *ctx, const kl_review *rv, bool quiet)
{
    static const char *const templates[] = {"notification", "invitation", "outcome", "update"};
    size_t n = kl_review_member_count(rv), k = 0;
    const char **ids = calloc(n ? n : 1, sizeof *ids);
    if (!ids)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const kl_member *m = kl_review_member(rv, i);
        if (kl_review_member_ok(rv, m) && !kl_member_contact_none(m))
            ids[k++] = kl_member_id(m);
    }
    seen_diags seen = {0};
    long failed = 0;
    kl_context_set_diagnostics(ctx, predict_diagnostic, &seen);
    for (size_t t = 0; t < sizeof templates / sizeof *templates && k; t++) {
        kl_batch_options o = KL_BATCH_OPTIONS_INIT;
        o.template_name = seen.template_name = templates[t];
        o.members = ids;
        o.n_members = k;
        o.dry_run = 1;
        o.locales_dir = getenv("KINLETTER_LOCALES");
        kl_batch_result *res = NULL;
        int rc = kl_batch_generate(ctx, rv, &o, &res);
        if (rc) {
            cli_print_error(ctx, rc);
            failed = -1;
        } else {
            kl_batch_totals totals = KL_BATCH_TOTALS_INIT;
            kl_batch_result_totals(res, &totals);
            failed += (long)totals.members_failed;
        }
        kl_batch_result_free(res);
        if (rc)
            break;
    }
    kl_context_set_diagnostics(ctx, cli_print_diagnostic, NULL);
    if (!quiet && failed >= 0)
        printf("Letters: %zu member%s x %zu templates made in memory: %s\n", k, k == 1 ? "" : "s",
               sizeof templates / sizeof *templates,
               failed ? "generate would fail for some (see the errors)"
                      : "generate would write them all");
    for (size_t i = 0; i < seen.n; i++)
        free(seen.keys[i]);
    free(seen.keys);
    free(ids);
    return failed;
}

int cli_check(int argc, char **argv)
{
    bool quiet = false, letters = true;
    const char *path = NULL;
    /* --notify: the letters already written, against GOV.UK Notify's letter rules. */
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--notify") == 0)
            return cli_check_notify(argc, argv);
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            usage(stdout);
            return EXIT_DONE;
        } else if (strcmp(argv[i], "--version") == 0) {
            printf("kinletter %s\n", kl_version());
            return EXIT_DONE;
        } else if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0) {
            quiet = true;
        } else if (strcmp(argv[i], "--no-letters") == 0) {
            letters = false;
        } else if (strcmp(argv[i], "--") == 0 && i + 1 < argc && !path && i + 2 == argc) {
            path = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "kinletter: error: unknown option '%s' (see kinletter check --help)\n",
                    argv[i]);
            return EXIT_USAGE;
        } else if (!path) {
            path = argv[i];
        } else {
            fputs("kinletter: error: check takes one review file (see kinletter check --help)\n",
                  stderr);
            return EXIT_USAGE;
        }
    }
    kl_context *ctx = cli_context();
    if (!ctx)
        return EXIT_USAGE;
    char *example = NULL;
    if (!path) {
        example = cli_example_review(ctx);
        if (!example) {
            cli_print_error(ctx, KL_ENOTFOUND);
            kl_context_free(ctx);
            return EXIT_USAGE;
        }
        path = example;
    }
    kl_review *rv = NULL;
    int rc = kl_review_load_file(ctx, path, NULL, &rv);
    int status;
    if (rc) {
        cli_print_error(ctx, rc);
        status = EXIT_USAGE;
    } else {
        if (!quiet) {
            summarise(rv, path);
            translations(ctx, rv);
        }
        status = kl_review_error_count(rv) ? EXIT_SOME_FAILED : EXIT_DONE;
        if (letters && predict(ctx, rv, quiet) != 0)
            status = EXIT_SOME_FAILED;
    }
    kl_review_free(rv);
    kl_free(example);
    kl_context_free(ctx);
    return status;
}
