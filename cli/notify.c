/* SPDX-License-Identifier: MIT */
/* cli/notify.c: `kinletter check --notify`: the postal letters generate wrote, checked
 * against GOV.UK Notify's precompiled-letter specification, member by member. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fputs("Usage: kinletter check --notify [OPTIONS] [REVIEW]\n"
          "\n"
          "Check each postal letter generate wrote (<id>-post.pdf in\n"
          "DIR/<review id>/<template>/) against GOV.UK Notify's precompiled-letter\n"
          "specification: A4 portrait pages, at most 10 of them, every font embedded,\n"
          "3 to 7 lines of the address inside Notify's address area on page 1 (24.6 mm\n"
          "from the left, 39.5 mm from the top, 95.4 x 26.8 mm) and no text beginning\n"
          "outside the printable area (15 mm left and right, 5 mm top and bottom).\n"
          "One line per member; the letters' text and addresses are never shown.\n"
          "With no REVIEW, the bundled example review is used.\n"
          "\n"
          "Options:\n"
          "  -o, --output DIR       the output directory generate wrote to (default:\n"
          "                         ./letters)\n"
          "  -t, --template NAME    the letter (default: notification)\n"
          "  -h, --help             show this help\n"
          "\n"
          "Exit status: 0 every postal letter meets the rules; 1 some do not, or are\n"
          "missing; 2 usage or input error.\n",
          out);
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    size_t r;
    while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            char *g = cap < (1u << 28) ? realloc(buf, cap * 2) : NULL;
            if (!g) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = g;
            cap *= 2;
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

static bool has_post(const kl_member *m)
{
    if (kl_member_contact_none(m))
        return false;
    for (size_t k = 0; k < kl_member_contact_count(m); k++)
        if (kl_contact_channel(kl_member_contact_at(m, k)) == KL_CHANNEL_POST)
            return true;
    return false;
}

/* One member's postal letter, checked and printed as one line (or a line and its
 * problems). Returns 0, or -1 out of memory (printed). */
static int check_letter(kl_context *ctx, const char *out_dir, const kl_review *rv, const char *tpl,
                        const char *id, size_t *checked, size_t *failed, size_t *missing)
{
    char *file = cli_format("%s-post.pdf", id);
    char *path = file ? cli_format("%s/%s/%s/%s", out_dir, kl_review_id(rv), tpl, file) : NULL;
    if (!path) {
        free(file);
        fputs("kinletter: error: out of memory\n", stderr);
        return -1;
    }
    size_t len = 0;
    char *pdf = read_all(path, &len);
    free(path);
    if (!pdf) {
        (*missing)++;
        printf("%-8s %-16s not written (a braille letter, or the member failed: see "
               "record.csv)\n",
               id, file);
        free(file);
        return 0;
    }
    kl_notify_report *rep = NULL;
    int rc = kl_notify_check_pdf(ctx, pdf, len, &rep);
    free(pdf);
    (*checked)++;
    size_t k = rc ? 0 : kl_notify_report_count(rep);
    if (rc) {
        (*failed)++;
        printf("%-8s %-16s FAIL: %s\n", id, file,
               kl_context_last_error(ctx) ? kl_context_last_error(ctx)->message : kl_strerror(rc));
    } else if (!k) {
        printf("%-8s %-16s ok: %u page%s, %u address lines\n", id, file,
               kl_notify_report_pages(rep), kl_notify_report_pages(rep) == 1 ? "" : "s",
               kl_notify_report_address_lines(rep));
    } else {
        (*failed)++;
        printf("%-8s %-16s FAIL (%zu problem%s)\n", id, file, k, k == 1 ? "" : "s");
        for (size_t j = 0; j < k; j++)
            printf("           - %s\n", kl_notify_report_problem(rep, j));
    }
    kl_notify_report_free(rep);
    free(file);
    return 0;
}

int cli_check_notify(int argc, char **argv)
{
    const char *review_path = NULL, *out_dir = "letters", *tpl = "notification";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = NULL;
        if (cli_is_help(a)) {
            usage(stdout);
            return EXIT_DONE;
        } else if (!strcmp(a, "--notify"))
            continue;
        else if (!strcmp(a, "-o") || !strcmp(a, "--output"))
            slot = &out_dir;
        else if (!strcmp(a, "-t") || !strcmp(a, "--template"))
            slot = &tpl;
        else if (cli_mode_review_arg(a, "check --notify", "--notify", &review_path))
            return EXIT_USAGE;
        if (slot && !(*slot = cli_need_value(argc, argv, &i)))
            return EXIT_USAGE;
    }
    kl_context *ctx = cli_context();
    if (!ctx)
        return EXIT_SOME_FAILED;
    char *example = NULL;
    kl_review *rv = NULL;
    int status = EXIT_USAGE, rc;
    if (!review_path && !(review_path = example = cli_example_review(ctx)))
        goto out;
    if ((rc = kl_review_load_file(ctx, review_path, NULL, &rv)) != 0) {
        cli_print_error(ctx, rc);
        goto out;
    }
    size_t n = kl_review_member_count(rv), checked = 0, failed = 0, missing = 0;
    status = EXIT_DONE;
    printf("GOV.UK Notify precompiled-letter check: %s/%s/%s\n\n", out_dir, kl_review_id(rv), tpl);
    for (size_t i = 0; i < n; i++) {
        const kl_member *m = kl_review_member(rv, i);
        if (has_post(m) &&
            check_letter(ctx, out_dir, rv, tpl, kl_member_id(m), &checked, &failed, &missing)) {
            status = EXIT_SOME_FAILED;
            goto out;
        }
    }
    printf("\n%zu postal letter%s checked: %zu meet%s Notify's rules, %zu do%s not; %zu not "
           "written\n",
           checked, checked == 1 ? "" : "s", checked - failed, checked - failed == 1 ? "s" : "",
           failed, failed == 1 ? "es" : "", missing);
    if (failed || missing)
        status = EXIT_SOME_FAILED;
out:
    kl_review_free(rv);
    kl_free(example);
    kl_context_free(ctx);
    return status;
}
