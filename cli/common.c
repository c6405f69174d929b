/* SPDX-License-Identifier: MIT */
/* cli/common.c: diagnostics printing and small helpers for subcommands. */
#include "cli.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void cli_print_diagnostic(const kl_diagnostic *d, void *userdata)
{
    (void)userdata;
    const char *sev = d->severity == KL_SEVERITY_ERROR     ? "error"
                      : d->severity == KL_SEVERITY_WARNING ? "warning"
                                                           : "note";
    fputs("kinletter: ", stderr);
    if (d->source) {
        fputs(d->source, stderr);
        if (d->line)
            fprintf(stderr, ":%u", d->line);
        if (d->column)
            fprintf(stderr, ":%u", d->column);
        fputs(": ", stderr);
    }
    fprintf(stderr, "%s: ", sev);
    if (d->member_id)
        fprintf(stderr, "member %s: ", d->member_id);
    fputs(d->message ? d->message : kl_strerror(d->code), stderr);
    if (d->hint)
        fprintf(stderr, " (%s)", d->hint);
    fputc('\n', stderr);
}

kl_context *cli_context(void)
{
    kl_context *ctx = NULL;
    if (kl_context_new(&ctx) != 0) {
        fputs("kinletter: error: out of memory\n", stderr);
        return NULL;
    }
    kl_context_set_diagnostics(ctx, cli_print_diagnostic, NULL);
    return ctx;
}

void cli_print_error(kl_context *ctx, int code)
{
    /* The diagnostics callback has already printed errors recorded with a
     * message; only say something when nothing was reported. */
    if (!kl_context_last_error(ctx))
        fprintf(stderr, "kinletter: error: %s\n", kl_strerror(code));
}

bool cli_is_help(const char *arg)
{
    return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

char *cli_example_review(kl_context *ctx)
{
    char *path = NULL;
    if (kl_context_find_data(ctx, "templates/example/review.xml", &path) != 0)
        return NULL;
    return path;
}

const char *cli_need_value(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc) {
        fprintf(stderr, "kinletter: error: %s needs a value (see kinletter %s --help)\n", argv[*i],
                argv[0]);
        return NULL;
    }
    return argv[++*i];
}

int cli_mode_review_arg(const char *arg, const char *command, const char *mode,
                        const char **review_path)
{
    if (arg[0] == '-' && arg[1]) {
        fprintf(stderr, "kinletter: error: unknown option '%s'%s%s (see kinletter %s --help)\n",
                arg, mode ? " with " : "", mode ? mode : "", command);
        return EXIT_USAGE;
    }
    if (*review_path) {
        fputs("kinletter: error: only one REVIEW may be given\n", stderr);
        return EXIT_USAGE;
    }
    *review_path = arg;
    return 0;
}

int cli_review_arg(const char *arg, const char *command, const char **review_path)
{
    return cli_mode_review_arg(arg, command, NULL, review_path);
}

int cli_options(int argc, char **argv, int first, const char *command, const cli_option *opts,
                size_t n, void (*usage)(FILE *), const char **review_path)
{
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        const cli_option *o = NULL;
        if (cli_is_help(a)) {
            usage(stdout);
            return EXIT_DONE;
        }
        for (size_t k = 0; k < n && !o; k++)
            if (!strcmp(a, opts[k].name) || (opts[k].alias && !strcmp(a, opts[k].alias)))
                o = &opts[k];
        if (!o) {
            if (cli_review_arg(a, command, review_path))
                return EXIT_USAGE;
        } else if (o->refusal) {
            fprintf(stderr, "kinletter: error: %s: %s\n", a, o->refusal);
            return EXIT_USAGE;
        } else if (o->flag) {
            *o->flag = true;
        } else {
            const char *v = cli_need_value(argc, argv, &i);
            if (!v)
                return EXIT_USAGE;
            if (o->list)
                o->list[(*o->n)++] = v;
            else
                *o->value = v;
        }
    }
    return -1;
}

bool cli_is_password_file(const char *file)
{
    static const char tail[] = "-password-sms.txt";
    size_t n = file ? strlen(file) : 0;
    return n > sizeof tail - 1 && strcmp(file + n - (sizeof tail - 1), tail) == 0;
}

char *cli_format(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (!s)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

int cli_grow(void **arr, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 8;
    while (c < need) {
        if (c > SIZE_MAX / 2)
            return -1;
        c *= 2;
    }
    if (c > SIZE_MAX / size)
        return -1;
    void *grown = realloc(*arr, c * size);
    if (!grown)
        return -1;
    *arr = grown;
    *cap = c;
    return 0;
}
