/* SPDX-License-Identifier: MIT */
/* cli/render.c: `kinletter render`: one member's letter as text, email, text message (or PDF). */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void usage(FILE *out)
{
    fputs("Usage: kinletter render [OPTIONS] [REVIEW] --member ID --format FORMAT\n"
          "\n"
          "Write one family member's letter. With no REVIEW, the bundled example\n"
          "review is used.\n"
          "\n"
          "Options:\n"
          "  -m, --member ID        the member to write to (required)\n"
          "  -f, --format FORMAT    txt, email, sms, pdf or brf (required; brf: the braille\n"
          "                         letter for an embossing service, as generate writes\n"
          "                         it for a member who needs braille)\n"
          "  -t, --template NAME    a bundled template name or a template file\n"
          "                         (default: notification)\n"
          "  -c, --channel CHANNEL  post, email, sms or via-professional (default: from\n"
          "                         the format and the member's own channels)\n"
          "  -l, --locales DIR      the catalogs: compiled (*.res), or text sources (*.txt)\n"
          "                         compiled privately for a preview; default\n"
          "                         $KINLETTER_LOCALES, else the installed catalogs\n"
          "  -d, --date YYYY-MM-DD  the letter date (default: the review's)\n"
          "  --allow-fallback       use English for messages missing in the member's\n"
          "                         language (each is reported); without it they are errors\n"
          "  -o, --output FILE      write to FILE (mode 0600) instead of standard output\n"
          "  --force                overwrite FILE if it exists\n"
          "  -h, --help             show this help\n"
          "\n"
          "Exit status: 0 done, 1 the letter could not be written for this member\n"
          "(reported), 2 usage or input error.\n",
          out);
}

int cli_write_output(const char *path, const void *data, size_t len, bool force)
{
    if (!path) {
        if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0) {
            fprintf(stderr, "kinletter: error: could not write to standard output: %s\n",
                    strerror(errno));
            return EXIT_SOME_FAILED;
        }
        return EXIT_DONE;
    }
    struct stat st;
    if (!force && lstat(path, &st) == 0) {
        fprintf(stderr, "kinletter: %s: error: the file exists (use --force to overwrite it)\n",
                path);
        return EXIT_USAGE;
    }
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    if (!tmp) {
        fputs("kinletter: error: out of memory\n", stderr);
        return EXIT_SOME_FAILED;
    }
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp-XXXXXX", 12);
    int fd = mkstemp(tmp); /* mode 0600 */
    if (fd < 0) {
        fprintf(stderr, "kinletter: %s: error: cannot create a file here: %s\n", path,
                strerror(errno));
        free(tmp);
        return EXIT_SOME_FAILED;
    }
    const char *p = data;
    size_t left = len;
    int err = 0;
    while (left && !err) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            err = errno ? errno : EIO;
        else {
            p += w;
            left -= (size_t)w;
        }
    }
    if (!err && fsync(fd) != 0)
        err = errno;
    if (close(fd) != 0 && !err)
        err = errno;
    if (!err) {
        /* Without --force, link() refuses to replace a file that appeared meanwhile. */
        if (force ? rename(tmp, path) != 0 : link(tmp, path) != 0)
            err = errno;
        if (!force || err)
            unlink(tmp);
    } else {
        unlink(tmp);
    }
    free(tmp);
    if (err) {
        fprintf(stderr, "kinletter: %s: error: %s%s\n", path,
                err == EEXIST ? "the file exists (use --force to overwrite it)" : "cannot write: ",
                err == EEXIST ? "" : strerror(err));
        return err == EEXIST ? EXIT_USAGE : EXIT_SOME_FAILED;
    }
    return EXIT_DONE;
}

static bool parse_channel(const char *s, kl_channel *out)
{
    static const kl_channel all[] = {KL_CHANNEL_POST, KL_CHANNEL_EMAIL, KL_CHANNEL_SMS,
                                     KL_CHANNEL_VIA_PROFESSIONAL};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (strcmp(s, kl_channel_name(all[i])) == 0) {
            *out = all[i];
            return true;
        }
    return false;
}

/* The channel a format is for, when not given: sms and email are their own;
 * txt and pdf take the member's first paper channel (post, via-professional),
 * else email. */
static kl_channel default_channel(const kl_member *m, const char *format)
{
    if (strcmp(format, "sms") == 0)
        return KL_CHANNEL_SMS;
    if (strcmp(format, "email") == 0)
        return KL_CHANNEL_EMAIL;
    for (size_t i = 0; i < kl_member_contact_count(m); i++)
        if (kl_contact_channel(kl_member_contact_at(m, i)) == KL_CHANNEL_POST ||
            kl_contact_channel(kl_member_contact_at(m, i)) == KL_CHANNEL_VIA_PROFESSIONAL)
            return kl_contact_channel(kl_member_contact_at(m, i));
    return KL_CHANNEL_EMAIL;
}

/* Problems met while composing or rendering one member's letter (a
 * character no font has) point at that member's entry in the review. */
static void member_diagnostic(const kl_diagnostic *d, void *userdata)
{
    const kl_member *m = userdata;
    kl_diagnostic c = *d;
    if (!c.source) { /* a problem with a place of its own (a catalog line) keeps it */
        c.source = kl_member_source(m);
        c.line = kl_member_line(m);
        c.column = kl_member_column(m);
        if (!c.member_id)
            c.member_id = kl_member_id(m);
    }
    cli_print_diagnostic(&c, NULL);
}

/* The command's arguments. */
typedef struct render_args {
    const char *review_path, *member_id, *format, *tpl_name, *channel_name, *locales, *date;
    const char *out_path;
    bool force, fallback;
    kl_channel channel;
} render_args;

/* Returns -1 when the command goes on, else its exit code (the reason printed). */
static int parse_args(int argc, char **argv, render_args *a)
{
    *a = (render_args){.tpl_name = "notification", .channel = KL_CHANNEL_POST};
    const cli_option options[] = {
        CLI_VALUE("--member", "-m", &a->member_id),
        CLI_VALUE("--format", "-f", &a->format),
        CLI_VALUE("--template", "-t", &a->tpl_name),
        CLI_VALUE("--channel", "-c", &a->channel_name),
        CLI_VALUE("--locales", "-l", &a->locales),
        CLI_VALUE("--date", "-d", &a->date),
        CLI_VALUE("--output", "-o", &a->out_path),
        CLI_FLAG("--force", NULL, &a->force),
        CLI_FLAG("--allow-fallback", NULL, &a->fallback),
    };
    int parsed = cli_options(argc, argv, 1, "render", options, sizeof options / sizeof options[0],
                             usage, &a->review_path);
    if (parsed >= 0)
        return parsed;
    if (!a->member_id || !a->format) {
        fprintf(stderr, "kinletter: error: render needs --member and --format "
                        "(see kinletter render --help)\n");
        return EXIT_USAGE;
    }
    if (strcmp(a->format, "txt") && strcmp(a->format, "email") && strcmp(a->format, "sms") &&
        strcmp(a->format, "pdf") && strcmp(a->format, "brf")) {
        fprintf(stderr, "kinletter: error: unknown format '%s' (txt, email, sms, pdf or brf)\n",
                a->format);
        return EXIT_USAGE;
    }
    if (a->channel_name && !parse_channel(a->channel_name, &a->channel)) {
        fprintf(stderr,
                "kinletter: error: unknown channel '%s' (post, email, sms or via-professional)\n",
                a->channel_name);
        return EXIT_USAGE;
    }
    return -1;
}

/* What one letter is made from, and the letter (each freed by parts_free). */
typedef struct letter_parts {
    char *example;
    kl_review *rv;
    kl_template *tpl;
    kl_catalog_set *cats;
    kl_letter *letter;
} letter_parts;

static void parts_free(letter_parts *p)
{
    kl_letter_free(p->letter);
    kl_catalog_set_free(p->cats);
    kl_template_free(p->tpl);
    kl_review_free(p->rv);
    kl_free(p->example);
}

/* Load the review, the template and the catalogs and compose the member's letter into
 * p->letter. Returns an exit code (the problem printed). */
static int compose(kl_context *ctx, render_args *a, letter_parts *p)
{
    int rc;
    if (!a->review_path && !(a->review_path = p->example = cli_example_review(ctx)))
        return EXIT_USAGE;
    if ((rc = kl_review_load_file(ctx, a->review_path, NULL, &p->rv)) != 0) {
        cli_print_error(ctx, rc);
        return EXIT_USAGE;
    }
    const kl_member *m = kl_review_find_member(p->rv, a->member_id);
    if (!m) {
        fprintf(stderr, "kinletter: %s: error: no member '%s' in the review\n", a->review_path,
                a->member_id);
        return EXIT_USAGE;
    }
    kl_context_set_diagnostics(ctx, member_diagnostic, (void *)m);
    if (!a->channel_name)
        a->channel = default_channel(m, a->format);
    rc = strchr(a->tpl_name, '/') || strstr(a->tpl_name, ".xml")
             ? kl_template_load_file(ctx, a->tpl_name, &p->tpl)
             : kl_template_load_name(ctx, a->tpl_name, &p->tpl);
    if (rc == 0)
        rc = kl_catalog_set_open(ctx, a->locales ? a->locales : getenv("KINLETTER_LOCALES"),
                                 &p->cats);
    if (rc) {
        cli_print_error(ctx, rc);
        return EXIT_USAGE;
    }
    kl_letter_options opts = KL_LETTER_OPTIONS_INIT;
    opts.allow_language_fallback = a->fallback;
    opts.date = a->date;
    if ((rc = kl_letter_compose(ctx, p->tpl, p->cats, p->rv, m, a->channel, &opts, &p->letter))) {
        cli_print_error(ctx, rc);
        return rc == KL_EINVAL ? EXIT_USAGE : EXIT_SOME_FAILED;
    }
    return EXIT_DONE;
}

/* The letter in a text format (txt, brf, email, sms) as the bytes to write (allocated,
 * free()); the notes about a braille letter or a text message printed. Returns 0 or the
 * library's error code. */
static int render_text(kl_context *ctx, const kl_letter *letter, const char *format, char **out)
{
    char *text = NULL, *subject = NULL;
    int rc;
    *out = NULL;
    if (strcmp(format, "txt") == 0) {
        rc = kl_letter_render_text(ctx, letter, &text);
    } else if (strcmp(format, "brf") == 0) {
        size_t len = 0;
        unsigned pages = 0;
        rc = kl_letter_render_brf(ctx, letter, &text, &len, &pages);
        if (rc == 0)
            fprintf(stderr,
                    "kinletter: note: braille letter of %u page%s (40 cells by 25 lines); "
                    "machine braille is a draft: have a transcriber proof it\n",
                    pages, pages == 1 ? "" : "s");
    } else if (strcmp(format, "email") == 0) {
        rc = kl_letter_render_email(ctx, letter, &subject, &text);
    } else {
        kl_sms_info info = KL_SMS_INFO_INIT;
        rc = kl_letter_render_sms(ctx, letter, &text, &info);
        if (rc == 0)
            fprintf(stderr, "kinletter: note: text message of %u part%s (%s, %u characters)\n",
                    info.segments, info.segments == 1 ? "" : "s", info.ucs2 ? "UCS-2" : "GSM-7",
                    info.units);
    }
    if (rc == 0) {
        *out = subject                      ? cli_format("Subject: %s\n\n%s", subject, text)
               : strcmp(format, "sms") == 0 ? cli_format("%s\n", text)
                                            : cli_format("%s", text);
        if (!*out)
            rc = KL_ENOMEM;
    }
    kl_free(text);
    kl_free(subject);
    return rc;
}

int cli_render(int argc, char **argv)
{
    render_args a;
    int status = parse_args(argc, argv, &a);
    if (status >= 0)
        return status;
    kl_context *ctx = cli_context();
    if (!ctx)
        return EXIT_SOME_FAILED;
    letter_parts p = {0};
    char *data = NULL;
    status = compose(ctx, &a, &p);
    if (status != EXIT_DONE) {
        /* the problem is printed */
    } else if (strcmp(a.format, "pdf") == 0) {
        status = cli_render_pdf(ctx, p.letter, a.out_path, a.force);
    } else {
        int rc = render_text(ctx, p.letter, a.format, &data);
        if (rc) {
            cli_print_error(ctx, rc);
            status = EXIT_SOME_FAILED;
        } else {
            status = cli_write_output(a.out_path, data, strlen(data), a.force);
            size_t n = kl_letter_fallback_count(p.letter);
            if (n)
                fprintf(stderr,
                        "kinletter: note: member %s: %zu message%s taken from English "
                        "(--allow-fallback)\n",
                        a.member_id, n, n == 1 ? "" : "s");
        }
    }
    free(data);
    parts_free(&p);
    kl_context_free(ctx);
    return status;
}
