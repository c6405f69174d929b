/* SPDX-License-Identifier: MIT */
/* cli/send.c: `kinletter send`: the prepared email drafts through the partnership's SMTP
 * server; a dry run unless --yes. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void usage(FILE *out)
{
    fputs("Usage: kinletter send [OPTIONS] --smtp URL [REVIEW]\n"
          "\n"
          "Send each email member's prepared draft (<id>-email.eml, written by generate)\n"
          "through the partnership's SMTP server, one message per member, to the\n"
          "member's address in the review. Without --yes, nothing is sent: the command\n"
          "lists what it would send (member, address, file, SHA-256). With --yes, each\n"
          "message the server accepts is recorded as sent in the correspondence record\n"
          "with the server's reply; a draft recorded as sent is never sent again. With\n"
          "no REVIEW, the bundled example review is used.\n"
          "\n"
          "Options:\n"
          "  --smtp URL             smtp://HOST:PORT (STARTTLS, required unless HOST is\n"
          "                         localhost, 127.x.x.x or ::1) or smtps://HOST:PORT\n"
          "                         (TLS from the start); the certificate is verified\n"
          "  --credentials FILE     the server's user name and password: lines\n"
          "                         'user=NAME' and 'password=SECRET'; the file must be\n"
          "                         yours and not readable by others (chmod 600)\n"
          "  --cacert FILE          trust these certificate authorities (PEM) for the\n"
          "                         server, e.g. the partnership's own\n"
          "  -o, --output DIR       the output directory generate wrote to (default:\n"
          "                         ./letters)\n"
          "  -t, --template NAME    the letter (default: notification)\n"
          "  --record FILE          the correspondence record (default: DIR/record.db)\n"
          "  --yes                  send (without it: a dry run)\n"
          "  -h, --help             show this help\n"
          "\n"
          "Exit status: 0 every draft sent (or sent before), or the dry run found every\n"
          "draft; 1 some were refused or not sent, or the connection was lost (what was\n"
          "sent is recorded: run again to send the rest); 2 usage or input error (a bad\n"
          "URL, a credentials file others can read, no batch directory).\n",
          out);
}

/* user= and password= from a private file; values are never printed. */
static int read_credentials(const char *path, char **user, char **password)
{
    *user = *password = NULL;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "kinletter: %s: error: the credentials file cannot be opened: %s\n", path,
                strerror(errno));
        return EXIT_USAGE;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "kinletter: %s: error: the credentials file is not a regular file\n", path);
        close(fd);
        return EXIT_USAGE;
    }
    if ((st.st_mode & 077) || st.st_uid != geteuid()) {
        fprintf(stderr,
                "kinletter: %s: error: the credentials file can be read by others (mode %03o) "
                "or is not yours: the password is not used\n"
                "kinletter: hint: chmod 600 %s (and change the password if others could read "
                "it)\n",
                path, (unsigned)(st.st_mode & 0777), path);
        close(fd);
        return EXIT_USAGE;
    }
    /* Two short lines: a file that does not fit is refused, never read in part. */
    char buf[8192];
    size_t len = 0;
    ssize_t r;
    while (len < sizeof buf && (r = read(fd, buf + len, sizeof buf - len)) > 0)
        len += (size_t)r;
    close(fd);
    if (len == sizeof buf) {
        fprintf(stderr,
                "kinletter: %s: error: the credentials file is larger than %zu bytes (it holds "
                "two lines: user=... and password=...)\n",
                path, sizeof buf - 1);
        return EXIT_USAGE;
    }
    buf[len] = '\0';
    unsigned line = 0;
    int status = EXIT_DONE;
    for (char *p = buf, *next; p && *p && status == EXIT_DONE; p = next) {
        line++;
        next = strchr(p, '\n');
        if (next)
            *next++ = '\0';
        size_t n = strlen(p);
        if (n && p[n - 1] == '\r')
            p[--n] = '\0';
        if (!n || p[0] == '#')
            continue;
        char **slot = !strncmp(p, "user=", 5)       ? user
                      : !strncmp(p, "password=", 9) ? password
                                                    : NULL;
        if (!slot) {
            fprintf(stderr,
                    "kinletter: %s:%u:1: error: a line of the credentials file is not "
                    "'user=...' or 'password=...'\n",
                    path, line);
            status = EXIT_USAGE;
        } else if (*slot) {
            fprintf(stderr, "kinletter: %s:%u:1: error: said twice in the credentials file\n", path,
                    line);
            status = EXIT_USAGE;
        } else if (!(*slot = strdup(strchr(p, '=') + 1))) {
            fputs("kinletter: error: out of memory\n", stderr);
            status = EXIT_SOME_FAILED;
        }
    }
    if (status == EXIT_DONE && (!*user || !*password)) {
        fprintf(stderr,
                "kinletter: %s: error: the credentials file needs a 'user=' and a 'password=' "
                "line\n",
                path);
        status = EXIT_USAGE;
    }
    explicit_bzero(buf, sizeof buf);
    if (status != EXIT_DONE) {
        if (*password)
            explicit_bzero(*password, strlen(*password));
        free(*user);
        free(*password);
        *user = *password = NULL;
    }
    return status;
}

/* One line per message (sent, refused, or on a dry run what would be sent), then the
 * totals. Returns true if some message was refused or could not be sent. */
static bool print_result(const kl_send_result *res, const char *url, bool yes)
{
    size_t n = kl_send_result_count(res), sent = 0, would = 0, before = 0, refused = 0, not = 0;
    if (!yes)
        printf("Dry run: nothing is sent. Through %s, kinletter send --yes would send:\n\n", url);
    for (size_t i = 0; i < n; i++) {
        const kl_send_item *it = kl_send_result_item(res, i);
        switch (it->status) {
        case KL_SEND_WOULD_SEND:
            would++;
            /* The coordinator's own output: the address is shown so it can be checked. */
            printf("%-8s %-32s %-16s sha256 %s\n", it->member_id, it->to, it->file, it->sha256);
            break;
        case KL_SEND_SENT:
            sent++;
            printf("%-8s sent          %-16s %s\n", it->member_id, it->file, it->reply);
            break;
        case KL_SEND_ALREADY_SENT:
            before++;
            printf("%-8s already sent  %-16s %s\n", it->member_id, it->file, it->reply);
            break;
        case KL_SEND_REFUSED:
            refused++;
            printf("%-8s REFUSED       %-16s the server said: %s\n", it->member_id, it->file,
                   it->reply);
            break;
        case KL_SEND_NOT_SENT:
            not ++;
            printf("%-8s NOT SENT      %-16s %s\n", it->member_id, it->file, it->reply);
            break;
        }
    }
    if (!yes)
        printf("\n%zu message%s would be sent; %zu sent before; %zu cannot be sent.\n"
               "Check each address, then run again with --yes to send.\n",
               would, would == 1 ? "" : "s", before, not );
    else
        printf("\n%zu sent, %zu sent before, %zu refused, %zu not sent\n", sent, before, refused,
               not );
    return refused || not ;
}

/* The record: written when sending (made when missing); read, if there is one, on a dry
 * run (*rec stays NULL when there is none). Returns an exit code (the problem printed). */
static int open_record(kl_context *ctx, const char *out_dir, const char *record, bool yes,
                       kl_record **rec)
{
    char *path = record ? cli_format("%s", record)
                        : cli_format("%s/record.db", out_dir ? out_dir : "letters");
    if (!path) {
        fputs("kinletter: error: out of memory\n", stderr);
        return EXIT_SOME_FAILED;
    }
    int status = EXIT_DONE;
    if (yes || access(path, F_OK) == 0) {
        int rc = kl_record_open(ctx, path, yes ? KL_RECORD_CREATE : 0, rec);
        if (rc) {
            cli_print_error(ctx, rc);
            status = rc == KL_EFORMAT ? EXIT_USAGE : EXIT_SOME_FAILED;
        }
    }
    free(path);
    return status;
}

int cli_send(int argc, char **argv)
{
    const char *review_path = NULL, *tpl = NULL, *out_dir = NULL, *url = NULL, *creds = NULL;
    const char *cacert = NULL, *record = NULL;
    bool yes = false;
    static const char never[] = "a password is never given on the command line (others can see "
                                "it); use --credentials FILE";
    const cli_option options[] = {
        CLI_VALUE("--smtp", NULL, &url),      CLI_VALUE("--credentials", NULL, &creds),
        CLI_VALUE("--cacert", NULL, &cacert), CLI_VALUE("--output", "-o", &out_dir),
        CLI_VALUE("--template", "-t", &tpl),  CLI_VALUE("--record", NULL, &record),
        CLI_FLAG("--yes", NULL, &yes),        CLI_REFUSED("--password", never),
        CLI_REFUSED("--user", never),
    };
    int parsed = cli_options(argc, argv, 1, "send", options, sizeof options / sizeof options[0],
                             usage, &review_path);
    if (parsed >= 0)
        return parsed;
    if (!url) {
        fputs("kinletter: error: send needs --smtp smtp://HOST:PORT or smtps://HOST:PORT\n",
              stderr);
        return EXIT_USAGE;
    }
    if (tpl && strchr(tpl, '/')) {
        fputs("kinletter: error: --template: give the letter's name (as in the batch directory's "
              "name), not a file\n",
              stderr);
        return EXIT_USAGE;
    }
    char *user = NULL, *password = NULL;
    if (creds) {
        int st = read_credentials(creds, &user, &password);
        if (st != EXIT_DONE)
            return st;
    }
    int status = EXIT_USAGE;
    kl_context *ctx = cli_context();
    char *example = NULL;
    kl_review *rv = NULL;
    kl_record *rec = NULL;
    kl_send_result *res = NULL;
    if (!ctx) {
        status = EXIT_SOME_FAILED;
        goto out;
    }
    int rc;
    if (!review_path && !(review_path = example = cli_example_review(ctx)))
        goto out;
    if ((rc = kl_review_load_file(ctx, review_path, NULL, &rv)) != 0) {
        cli_print_error(ctx, rc);
        goto out;
    }
    if ((status = open_record(ctx, out_dir, record, yes, &rec)) != EXIT_DONE)
        goto out;
    kl_send_options o = KL_SEND_OPTIONS_INIT;
    o.url = url;
    o.username = user;
    o.password = password;
    o.ca_file = cacert;
    o.output_dir = out_dir;
    o.template_name = tpl;
    o.dry_run = !yes;
    o.record = rec;
    rc = kl_send_batch(ctx, rv, &o, &res);
    if (!res) {
        cli_print_error(ctx, rc);
        status = rc == KL_EINVAL || rc == KL_ENOTFOUND ? EXIT_USAGE : EXIT_SOME_FAILED;
        goto out;
    }
    bool failures = print_result(res, url, yes);
    if (rc)
        cli_print_error(ctx, rc);
    status = rc || failures ? EXIT_SOME_FAILED : EXIT_DONE;

out:
    if (password)
        explicit_bzero(password, strlen(password));
    free(user);
    free(password);
    kl_send_result_free(res);
    kl_record_close(rec);
    kl_review_free(rv);
    kl_free(example);
    kl_context_free(ctx);
    return status;
}
