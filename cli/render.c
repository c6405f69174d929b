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

int cli_render(int argc, char **argv)
{
    const char *review_path = NULL, *member_id = NULL, *format = NULL, *tpl_name = "notification";
    const char *channel_name = NULL, *locales = NULL, *date = NULL, *out_path = NULL;
    bool force = false, fallback = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = NULL;
        if (cli_is_help(a)) {
            usage(stdout);
            return EXIT_DONE;
        } else if (!strcmp(a, "-m") || !strcmp(a, "--member"))
            slot = &member_id;
        else if (!strcmp(a, "-f") || !strcmp(a, "--format"))
            slot = &format;
        else if (!strcmp(a, "-t") || !strcmp(a, "--template"))
            slot = &tpl_name;
        else if (!strcmp(a, "-c") || !strcmp(a, "--channel"))
            slot = &channel_name;
        else if (!strcmp(a, "-l") || !strcmp(a, "--locales"))
            slot = &locales;
        else if (!strcmp(a, "-d") || !strcmp(a, "--date"))
            slot = &date;
        else if (!strcmp(a, "-o") || !strcmp(a, "--output"))
            slot = &out_path;
        else if (!strcmp(a, "--force"))
            force = true;
        else if (!strcmp(a, "--allow-fallback"))
            fallback = true;
        else if (cli_review_arg(a, "render", &review_path))
            return EXIT_USAGE;
        if (slot && !(*slot = cli_need_value(argc, argv, &i)))
            return EXIT_USAGE;
    }
    if (!member_id || !format) {
        fprintf(stderr, "kinletter: error: render needs --member and --format "
                        "(see kinletter render --help)\n");
        return EXIT_USAGE;
    }
    if (strcmp(format, "txt") && strcmp(format, "email") && strcmp(format, "sms") &&
        strcmp(format, "pdf") && strcmp(format, "brf")) {
        fprintf(stderr, "kinletter: error: unknown format '%s' (txt, email, sms, pdf or brf)\n",
                format);
        return EXIT_USAGE;
    }
    kl_channel channel = KL_CHANNEL_POST;
    if (channel_name && !parse_channel(channel_name, &channel)) {
        fprintf(stderr,
                "kinletter: error: unknown channel '%s' (post, email, sms or via-professional)\n",
                channel_name);
        return EXIT_USAGE;
    }

    kl_context *ctx = cli_context();
    if (!ctx)
        return EXIT_SOME_FAILED;
    int status = EXIT_USAGE;
    char *example = NULL, *text = NULL, *subject = NULL, *own = NULL;
    kl_review *rv = NULL;
    kl_template *tpl = NULL;
    kl_catalog_set *cats = NULL;
    kl_letter *letter = NULL;
    int rc;

    if (!review_path && !(review_path = example = cli_example_review(ctx)))
        goto out;
    if ((rc = kl_review_load_file(ctx, review_path, NULL, &rv)) != 0) {
        cli_print_error(ctx, rc);
        goto out;
    }
    const kl_member *m = kl_review_find_member(rv, member_id);
    if (!m) {
        fprintf(stderr, "kinletter: %s: error: no member '%s' in the review\n", review_path,
                member_id);
        goto out;
    }
    kl_context_set_diagnostics(ctx, member_diagnostic, (void *)m);
    if (!channel_name)
        channel = default_channel(m, format);
    rc = strchr(tpl_name, '/') || strstr(tpl_name, ".xml")
             ? kl_template_load_file(ctx, tpl_name, &tpl)
             : kl_template_load_name(ctx, tpl_name, &tpl);
    if (rc == 0)
        rc = kl_catalog_set_open(ctx, locales ? locales : getenv("KINLETTER_LOCALES"), &cats);
    if (rc) {
        cli_print_error(ctx, rc);
        goto out;
    }
    kl_letter_options opts = KL_LETTER_OPTIONS_INIT;
    opts.allow_language_fallback = fallback;
    opts.date = date;
    if ((rc = kl_letter_compose(ctx, tpl, cats, rv, m, channel, &opts, &letter)) != 0) {
        cli_print_error(ctx, rc);
        status = rc == KL_EINVAL ? EXIT_USAGE : EXIT_SOME_FAILED;
        goto out;
    }

    status = EXIT_SOME_FAILED;
    if (strcmp(format, "pdf") == 0) {
        status = cli_render_pdf(ctx, letter, out_path, force);
        goto out;
    }
    char *data = NULL;
    if (strcmp(format, "txt") == 0) {
        rc = kl_letter_render_text(ctx, letter, &text);
        data = text;
    } else if (strcmp(format, "brf") == 0) {
        size_t len = 0;
        unsigned pages = 0;
        rc = kl_letter_render_brf(ctx, letter, &text, &len, &pages);
        data = text;
        if (rc == 0)
            fprintf(stderr,
                    "kinletter: note: braille letter of %u page%s (40 cells by 25 lines); "
                    "machine braille is a draft: have a transcriber proof it\n",
                    pages, pages == 1 ? "" : "s");
    } else if (strcmp(format, "email") == 0) {
        char *body = NULL;
        rc = kl_letter_render_email(ctx, letter, &subject, &body);
        if (rc == 0) {
            size_t n = strlen(subject) + strlen(body) + 16;
            if ((own = malloc(n)))
                snprintf(own, n, "Subject: %s\n\n%s", subject, body);
            else
                rc = KL_ENOMEM;
        }
        kl_free(body);
        data = own;
    } else {
        kl_sms_info info = KL_SMS_INFO_INIT;
        rc = kl_letter_render_sms(ctx, letter, &text, &info);
        if (rc == 0) {
            size_t n = strlen(text) + 2;
            if ((own = malloc(n)))
                snprintf(own, n, "%s\n", text);
            else
                rc = KL_ENOMEM;
            fprintf(stderr, "kinletter: note: text message of %u part%s (%s, %u characters)\n",
                    info.segments, info.segments == 1 ? "" : "s", info.ucs2 ? "UCS-2" : "GSM-7",
                    info.units);
        }
        data = own;
    }
    if (rc) {
        cli_print_error(ctx, rc);
        goto out;
    }
    status = cli_write_output(out_path, data, strlen(data), force);
    if (kl_letter_fallback_count(letter))
        fprintf(stderr,
                "kinletter: note: member %s: %zu message%s taken from English "
                "(--allow-fallback)\n",
                member_id, kl_letter_fallback_count(letter),
                kl_letter_fallback_count(letter) == 1 ? "" : "s");

out:
    kl_free(text);
    free(own);
    kl_free(subject);
    kl_letter_free(letter);
    kl_catalog_set_free(cats);
    kl_template_free(tpl);
    kl_review_free(rv);
    kl_free(example);
    kl_context_free(ctx);
    return status;
}
