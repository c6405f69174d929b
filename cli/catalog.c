/* SPDX-License-Identifier: MIT */
/* cli/catalog.c: `kinletter catalog`: the translators' workflow (check, status, stamp, XLIFF,
 * pseudo). */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fputs("Usage: kinletter catalog SUBCOMMAND [OPTIONS] [ARGS]\n"
          "\n"
          "Work on the message catalogs (locales/<locale>.txt): the words of every letter.\n"
          "\n"
          "Subcommands:\n"
          "  check [LOCALE...]      check translations against the English: ICU syntax,\n"
          "                         placeholders, plural forms, select 'other', headings\n"
          "                         and list items, untranslated, out-of-date (stale) text,\n"
          "                         length of text messages and email subjects\n"
          "  status [LOCALE]        coverage: catalog x letter x reading variant\n"
          "  stamp LOCALE [ID...]   record that messages match the current English\n"
          "                         (no ID: those never recorded; --all: every message)\n"
          "  export LOCALE -o FILE  write a file for a translation tool (--format)\n"
          "  import FILE            read an exported file back, in any of its formats\n"
          "                         (checks everything first; changes all or nothing)\n"
          "  init LOCALE            start a draft catalog for a new language\n"
          "  pseudo en-XA|ar-XB     write a pseudo-locale catalog made from the English\n"
          "  fit LOCALE             letters whose pages grow or lines that cannot fit\n"
          "\n"
          "Options:\n"
          "  -l, --locales DIR      the catalogs' text sources (*.txt) to work on; default\n"
          "                         $KINLETTER_LOCALES, else the installed catalogs\n"
          "                         (stamp, import and init need one of the first two)\n"
          "  --json                 check, status: one JSON object a line, for programs\n"
          "  --all                  stamp: every translated message\n"
          "  -o, --output FILE      export, pseudo: where to write (pseudo: default stdout)\n"
          "  --format FORMAT        export: xliff20 (XLIFF 2.0, the default), xliff12\n"
          "                         (XLIFF 1.2), po (gettext PO), tmx (a translation\n"
          "                         memory of the confirmed translations) or tbx (a\n"
          "                         glossary of the terms the catalog fixes)\n"
          "  --force                export, pseudo: replace an existing file\n"
          "  --dry-run              import: check only, write nothing\n"
          "  -h, --help             show this help\n"
          "\n"
          "Exit status: 0 clean (or done), 1 findings (or some work failed), 2 usage or\n"
          "input error.\n",
          out);
}

typedef struct opts {
    const char *locales, *output, *format;
    bool json, all, force, dry_run;
    const char **args;
    size_t n_args;
} opts;

/* JSON string (UTF-8 passes through; controls escaped). */
static void json_str(FILE *o, const char *s)
{
    if (!s) {
        fputs("null", o);
        return;
    }
    fputc('"', o);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(o, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(o, "\\u%04x", *p);
        else
            fputc(*p, o);
    }
    fputc('"', o);
}

typedef struct check_state {
    bool json;
    size_t errors, warnings;
} check_state;

static void on_finding(const kl_catalog_finding *f, void *ud)
{
    check_state *st = ud;
    if (f->severity == KL_SEVERITY_ERROR)
        st->errors++;
    else
        st->warnings++;
    if (st->json) {
        printf("{\"kind\":");
        json_str(stdout, f->kind_name);
        printf(",\"severity\":\"%s\",\"locale\":",
               f->severity == KL_SEVERITY_ERROR ? "error" : "warning");
        json_str(stdout, f->locale);
        printf(",\"variant\":");
        json_str(stdout, f->variant);
        printf(",\"id\":");
        json_str(stdout, f->msgid);
        printf(",\"file\":");
        json_str(stdout, f->file);
        printf(",\"line\":%u,\"column\":%u,\"message\":", f->line, f->column);
        json_str(stdout, f->message);
        printf(",\"english\":");
        json_str(stdout, f->english);
        printf(",\"old_english\":");
        json_str(stdout, f->old_english);
        printf(",\"text\":");
        json_str(stdout, f->text);
        printf("}\n");
        return;
    }
    printf("%s", f->file);
    if (f->line)
        printf(":%u", f->line);
    if (f->column)
        printf(":%u", f->column);
    printf(": %s: [%s]%s%s %s\n", f->severity == KL_SEVERITY_ERROR ? "error" : "warning",
           f->kind_name, f->variant[0] ? " " : "", f->variant, f->message);
    if (f->kind == KL_FINDING_STALE) {
        printf("    English then: %s\n",
               f->old_english ? f->old_english : "(not recorded in source-history.tsv)");
        printf("    English now:  %s\n", f->english ? f->english : "");
        printf("    Translation:  %s\n", f->text ? f->text : "");
    }
    if (f->kind == KL_FINDING_STALE || f->kind == KL_FINDING_UNCONFIRMED)
        printf("    when the translation is right: kinletter catalog stamp %s %s\n", f->locale,
               f->msgid);
}

static int do_check(kl_context *ctx, kl_catalog_sources *src, const opts *o)
{
    check_state st = {o->json, 0, 0};
    int rc = 0;
    if (o->n_args == 0) {
        rc = kl_catalog_check(ctx, src, NULL, on_finding, &st);
    } else {
        for (size_t i = 0; i < o->n_args && !rc; i++)
            rc = kl_catalog_check(ctx, src, o->args[i], on_finding, &st);
    }
    if (rc) {
        cli_print_error(ctx, rc);
        return rc == KL_ENOTFOUND ? EXIT_USAGE : EXIT_SOME_FAILED;
    }
    if (!o->json)
        printf("kinletter: catalog check: %zu error%s, %zu warning%s\n", st.errors,
               st.errors == 1 ? "" : "s", st.warnings, st.warnings == 1 ? "" : "s");
    return st.errors + st.warnings ? EXIT_SOME_FAILED : EXIT_DONE;
}

static void on_row(const kl_catalog_status_row *r, void *ud)
{
    const bool *json = ud;
    if (*json) {
        printf("{\"locale\":");
        json_str(stdout, r->locale);
        printf(",\"letter\":");
        json_str(stdout, r->letter);
        printf(",\"variant\":");
        json_str(stdout, r->variant);
        printf(",\"total\":%zu,\"translated\":%zu,\"unconfirmed\":%zu,\"stale\":%zu,"
               "\"missing\":%zu,\"status\":",
               r->total, r->translated, r->unconfirmed, r->stale, r->missing);
        json_str(stdout, r->status);
        printf(",\"translator\":");
        json_str(stdout, r->translator);
        printf(",\"reviewer\":");
        json_str(stdout, r->reviewer);
        printf(",\"reviewed\":");
        json_str(stdout, r->reviewed);
        printf("}\n");
        return;
    }
    printf("%-7s %-13s %-13s %5zu %5zu %5zu %5zu %5zu  %-8s ", r->locale, r->letter, r->variant,
           r->total, r->translated, r->unconfirmed, r->stale, r->missing, r->status);
    /* Who reviewed or translated it, whole (the catalog's own text: any length). */
    if (!strcmp(r->status, "reviewed"))
        printf("%s, %s", r->reviewer, r->reviewed);
    else if (r->translator[0])
        fputs(r->translator, stdout);
    putchar('\n');
}

static int do_status(kl_context *ctx, kl_catalog_sources *src, const opts *o)
{
    bool json = o->json;
    if (!json)
        printf("%-7s %-13s %-13s %5s %5s %5s %5s %5s  %-8s %s\n", "locale", "letter", "variant",
               "total", "done", "unconf", "stale", "miss", "status", "by (and when)");
    if (o->n_args > 1) {
        fputs("kinletter: error: catalog status takes at most one LOCALE\n", stderr);
        return EXIT_USAGE;
    }
    int rc = kl_catalog_status_of(ctx, src, o->n_args ? o->args[0] : NULL, on_row, &json);
    if (rc) {
        cli_print_error(ctx, rc);
        return rc == KL_ENOTFOUND && o->n_args ? EXIT_USAGE : EXIT_SOME_FAILED;
    }
    return EXIT_DONE;
}

static int do_stamp(kl_context *ctx, kl_catalog_sources *src, const opts *o)
{
    if (o->n_args < 1 || (o->all && o->n_args > 1)) {
        fputs("kinletter: error: catalog stamp needs LOCALE, then --all or message ids\n", stderr);
        return EXIT_USAGE;
    }
    kl_stamp_mode mode = o->all          ? KL_STAMP_ALL
                         : o->n_args > 1 ? KL_STAMP_LISTED
                                         : KL_STAMP_UNCONFIRMED;
    size_t n = 0;
    int rc = kl_catalog_stamp(ctx, src, o->args[0], mode, o->args + 1, o->n_args - 1, &n);
    if (rc) {
        cli_print_error(ctx, rc);
        return rc == KL_ENOTFOUND || rc == KL_EINVAL ? EXIT_USAGE : EXIT_SOME_FAILED;
    }
    fprintf(stderr, "kinletter: catalog stamp: %zu fingerprint%s recorded in %s\n", n,
            n == 1 ? "" : "s", o->args[0]);
    return EXIT_DONE;
}

static int do_export(kl_context *ctx, kl_catalog_sources *src, const opts *o)
{
    if (o->n_args != 1 || !o->output) {
        fputs("kinletter: error: catalog export needs LOCALE and -o FILE\n", stderr);
        return EXIT_USAGE;
    }
    kl_exchange_format fmt = KL_EXCHANGE_XLIFF20;
    const char *f = o->format ? o->format : "xliff20";
    if (!strcmp(f, "po"))
        fmt = KL_EXCHANGE_PO;
    else if (!strcmp(f, "xliff12") || !strcmp(f, "xliff1.2"))
        fmt = KL_EXCHANGE_XLIFF12;
    else if (!strcmp(f, "tmx"))
        fmt = KL_EXCHANGE_TMX;
    else if (!strcmp(f, "tbx"))
        fmt = KL_EXCHANGE_TBX;
    else if (strcmp(f, "xliff20") != 0 && strcmp(f, "xliff2") != 0 && strcmp(f, "xliff") != 0) {
        fprintf(stderr, "kinletter: error: unknown format '%s': po, xliff12, xliff20, tmx or tbx\n",
                f);
        return EXIT_USAGE;
    }
    char *x = NULL;
    size_t len = 0;
    int rc = kl_catalog_export(ctx, src, o->args[0], fmt, &x, &len);
    if (rc) {
        cli_print_error(ctx, rc);
        return rc == KL_ENOTFOUND ? EXIT_USAGE : EXIT_SOME_FAILED;
    }
    int status = cli_write_output(strcmp(o->output, "-") ? o->output : NULL, x, len, o->force);
    kl_free(x);
    return status;
}

static int do_import(kl_context *ctx, kl_catalog_sources *src, const opts *o)
{
    if (o->n_args != 1) {
        fputs("kinletter: error: catalog import needs one FILE (.po, .xlf)\n", stderr);
        return EXIT_USAGE;
    }
    size_t n = 0;
    int rc = kl_catalog_import(ctx, src, o->args[0], o->dry_run, &n);
    if (rc) {
        cli_print_error(ctx, rc);
        fputs("kinletter: catalog import: nothing was changed\n", stderr);
        return rc == KL_ENOMEM || rc == KL_EBACKEND ? EXIT_SOME_FAILED : EXIT_USAGE;
    }
    fprintf(stderr, "kinletter: catalog import: %zu change%s%s\n", n, n == 1 ? "" : "s",
            o->dry_run ? " would be made (dry run)" : "");
    return EXIT_DONE;
}

static int do_init(kl_context *ctx, kl_catalog_sources *src, const opts *o)
{
    if (o->n_args != 1) {
        fputs("kinletter: error: catalog init needs one LOCALE (de, pt-BR)\n", stderr);
        return EXIT_USAGE;
    }
    char *path = NULL;
    int rc = kl_catalog_init(ctx, src, o->args[0], &path);
    if (rc) {
        cli_print_error(ctx, rc);
        return rc == KL_EIO || rc == KL_ENOMEM ? EXIT_SOME_FAILED : EXIT_USAGE;
    }
    fprintf(stderr,
            "kinletter: catalog init: wrote %s (a draft with no messages yet); next: kinletter "
            "catalog export %s --format po -o %s.po\n",
            path, o->args[0], o->args[0]);
    kl_free(path);
    return EXIT_DONE;
}

static int do_pseudo(kl_context *ctx, kl_catalog_sources *src, const opts *o)
{
    if (o->n_args != 1) {
        fputs("kinletter: error: catalog pseudo needs en-XA or ar-XB\n", stderr);
        return EXIT_USAGE;
    }
    char *text = NULL;
    int rc = kl_catalog_pseudo(ctx, src, o->args[0], &text);
    if (rc) {
        cli_print_error(ctx, rc);
        return rc == KL_EINVAL ? EXIT_USAGE : EXIT_SOME_FAILED;
    }
    int status = cli_write_output(o->output && strcmp(o->output, "-") ? o->output : NULL, text,
                                  strlen(text), o->force);
    kl_free(text);
    return status;
}

int cli_catalog_fit(kl_context *ctx, kl_catalog_sources *src, const char *locales_dir,
                    const char *locale);

static int do_fit(kl_context *ctx, kl_catalog_sources *src, const opts *o)
{
    if (o->n_args != 1) {
        fputs("kinletter: error: catalog fit needs one LOCALE\n", stderr);
        return EXIT_USAGE;
    }
    return cli_catalog_fit(ctx, src, o->locales, o->args[0]);
}

static const struct {
    const char *name;
    int (*run)(kl_context *ctx, kl_catalog_sources *src, const opts *o);
} subcommands[] = {
    {"check", do_check},   {"status", do_status}, {"stamp", do_stamp}, {"export", do_export},
    {"import", do_import}, {"pseudo", do_pseudo}, {"fit", do_fit},     {"init", do_init},
};

/* The options after the subcommand into o (o->args has room for argc). Returns -1 when the
 * command goes on, else its exit code (the reason printed). */
static int parse_options(int argc, char **argv, opts *o)
{
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (cli_is_help(a)) {
            usage(stdout);
            return EXIT_DONE;
        } else if (!strcmp(a, "-l") || !strcmp(a, "--locales") || !strcmp(a, "-o") ||
                   !strcmp(a, "--output") || !strcmp(a, "--format")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "kinletter: error: %s needs a value\n", a);
                return EXIT_USAGE;
            }
            if (!strcmp(a, "--format"))
                o->format = argv[++i];
            else if (a[1] == 'l' || a[2] == 'l')
                o->locales = argv[++i];
            else
                o->output = argv[++i];
        } else if (!strcmp(a, "--json"))
            o->json = true;
        else if (!strcmp(a, "--all"))
            o->all = true;
        else if (!strcmp(a, "--force"))
            o->force = true;
        else if (!strcmp(a, "--dry-run"))
            o->dry_run = true;
        else if (a[0] == '-' && a[1]) {
            fprintf(stderr,
                    "kinletter: error: unknown option '%s' (see kinletter catalog --help)\n", a);
            return EXIT_USAGE;
        } else {
            o->args[o->n_args++] = a;
        }
    }
    return -1;
}

int cli_catalog(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (cli_is_help(argv[1])) {
        usage(stdout);
        return EXIT_DONE;
    }
    const char *sub = argv[1];
    size_t which = 0, n_subs = sizeof subcommands / sizeof subcommands[0];
    while (which < n_subs && strcmp(sub, subcommands[which].name))
        which++;
    if (which == n_subs) {
        fprintf(stderr,
                "kinletter: error: unknown catalog subcommand '%s' (see kinletter "
                "catalog --help)\n",
                sub);
        return EXIT_USAGE;
    }
    opts o = {0};
    o.args = calloc((size_t)argc, sizeof *o.args);
    if (!o.args) {
        fputs("kinletter: error: out of memory\n", stderr);
        return EXIT_SOME_FAILED;
    }
    int status = parse_options(argc, argv, &o);
    if (status >= 0)
        goto out;
    status = EXIT_USAGE;
    if (!o.locales) {
        const char *env = getenv("KINLETTER_LOCALES");
        if (env && *env)
            o.locales = env;
    }
    if (!o.locales && (!strcmp(sub, "stamp") || !strcmp(sub, "import") || !strcmp(sub, "init"))) {
        fprintf(stderr,
                "kinletter: error: catalog %s changes catalogs: say which with --locales "
                "DIR (or KINLETTER_LOCALES)\n",
                sub);
        goto out;
    }
    kl_context *ctx = cli_context();
    if (!ctx) {
        status = EXIT_SOME_FAILED;
        goto out;
    }
    kl_catalog_sources *src = NULL;
    int rc = kl_catalog_sources_open(ctx, o.locales, &src);
    if (rc) {
        cli_print_error(ctx, rc);
        status = rc == KL_ENOMEM ? EXIT_SOME_FAILED : EXIT_USAGE;
    } else {
        status = subcommands[which].run(ctx, src, &o);
    }
    kl_catalog_sources_free(src);
    kl_context_free(ctx);
out:
    free(o.args);
    return status;
}

/* ---- fit: does the translation still fit the page? ---------------------- */

/* The policy (sample member, thresholds) is kl_catalog_fit(); this prints it. */
static void fit_row(const char *letter, const char *print, int en, int tr, const char *long_word,
                    int problem, void *userdata)
{
    size_t *failed = userdata;
    if (en < 0 || tr < 0) {
        printf("%-13s %-11s %8s %8s  could not be rendered (see above)\n", letter, print,
               en < 0 ? "-" : "", tr < 0 ? "-" : "");
        (*failed)++;
        return;
    }
    printf("%-13s %-11s %8d %8d", letter, print, en, tr);
    if (problem && tr > en + 1)
        printf("  %d pages more than the English", tr - en);
    if (long_word)
        printf("  a word too long for a line at 24 pt: %s", long_word);
    putchar('\n');
}

int cli_catalog_fit(kl_context *ctx, kl_catalog_sources *src, const char *locales_dir,
                    const char *locale)
{
    (void)src;
    kl_catalog_set *cats = NULL;
    int rc = kl_catalog_set_open(ctx, locales_dir, &cats);
    if (rc) {
        cli_print_error(ctx, rc);
        return EXIT_SOME_FAILED;
    }
    size_t problems = 0, failed = 0;
    printf("%-13s %-11s %8s %8s\n", "letter", "print", "en-GB", locale);
    rc = kl_catalog_fit(ctx, cats, locale, fit_row, &failed, &problems);
    kl_catalog_set_free(cats);
    if (rc) {
        cli_print_error(ctx, rc);
        return EXIT_SOME_FAILED;
    }
    problems -= failed; /* a row that could not be rendered is reported as such */
    printf("kinletter: catalog fit %s: %zu problem%s%s\n", locale, problems,
           problems == 1 ? "" : "s", failed ? ", some letters could not be rendered" : "");
    return failed || problems ? EXIT_SOME_FAILED : EXIT_DONE;
}
