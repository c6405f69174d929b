/* SPDX-License-Identifier: MIT */
/* cli/generate.c: `kinletter generate`: every letter of a review into a private batch directory. */
#define _POSIX_C_SOURCE 200809L /* sigaction */
#include "cli.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *out)
{
    fputs("Usage: kinletter generate [OPTIONS] [REVIEW]\n"
          "\n"
          "Write every family member's letters: a PDF for the post, a PDF and an email\n"
          "text for email, a text message, or a PDF and a cover note for the professional\n"
          "who hands it over. Files go to DIR/<review id>/<template>/ (mode 0600), with\n"
          "record.csv listing every member, what was written and why not. With no\n"
          "REVIEW, the bundled example review is used.\n"
          "\n"
          "Options:\n"
          "  -t, --template NAME    a bundled template name or a template file\n"
          "                         (default: notification)\n"
          "  -m, --member ID        only this member (repeat for more)\n"
          "  -o, --output DIR       the output directory (default: ./letters)\n"
          "  -j, --jobs N           worker threads (default: one per processor)\n"
          "  --force                replace the files of earlier runs (only files their\n"
          "                         manifest lists; any other file stops the run)\n"
          "  -l, --locales DIR      the catalogs: compiled (*.res), or text sources (*.txt)\n"
          "                         compiled privately for a preview; default\n"
          "                         $KINLETTER_LOCALES, else the installed catalogs\n"
          "  -d, --date YYYY-MM-DD  the letter date (default: the review's); also fixes\n"
          "                         the PDFs' creation date, for reproducible output\n"
          "  --allow-fallback       use English for messages missing in a member's\n"
          "                         language (each is reported); without it they are errors\n"
          "  --record FILE          the correspondence record (default: DIR/record.db):\n"
          "                         every member's outcome is added to it\n"
          "  --allow-open-questions write the outcome letter for a member whose question\n"
          "                         has no answer in the record (without it, that member's\n"
          "                         outcome letter waits: no question is silently lost)\n"
          "  --include-answers      print each member's questions and the answers recorded\n"
          "                         (the outcome letter always does; for the update letter)\n"
          "  --protect              encrypt each email member's PDF (AES-256) with a new\n"
          "                         password of four words, written to\n"
          "                         <id>-password-sms.txt: text it to the member or read it\n"
          "                         out on a call, never in the email (the review's\n"
          "                         <protect email=\"true\"/> asks for the same)\n"
          "  --notify               also write GOV.UK Notify's upload files:\n"
          "                         notify-email.csv and notify-sms.csv (docs/NOTIFY.md)\n"
          "  -q, --quiet            print problems only, no summary\n"
          "  -h, --help             show this help\n"
          "\n"
          "One run at a time writes a batch directory (a lock); Ctrl-C or SIGTERM finish\n"
          "the member under way, complete record.csv and stop.\n"
          "\n"
          "Exit status: 0 every letter written; 1 some members failed (the summary and\n"
          "record.csv say why), writing stopped part-way (disk full: no partial file\n"
          "is left), or the run was interrupted; 2 usage or input error, another run is\n"
          "writing the batch directory, or it already holds files (use --force).\n",
          out);
}

/* SIGINT/SIGTERM: the batch finishes the member under way, writes the
 * record and stops; a second signal stops at once. */
static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    interrupted = 1;
    signal(sig, SIG_DFL);
}

typedef struct progress_state {
    size_t last_width; /* characters of the bar on screen, 0 if none */
} progress_state;

/* A message while the bar is on screen: clear the bar's line first. */
static void diagnostic(const kl_diagnostic *d, void *userdata)
{
    progress_state *p = userdata;
    if (p->last_width) {
        fprintf(stderr, "\r%*s\r", (int)p->last_width, "");
        p->last_width = 0;
    }
    cli_print_diagnostic(d, NULL);
}

static int progress(const kl_batch_progress *pr, void *userdata)
{
    progress_state *p = userdata;
    if (pr->phase != KL_BATCH_PHASE_MEMBER_DONE)
        return 0; /* the bar moves as members finish */
    size_t done = pr->done, total = pr->total;
    const char *member_id = pr->member_id;
    enum { width = 30 };
    size_t fill = total ? done * width / total : width;
    char bar[width + 1]; /* the bar's width is fixed: it always fits */
    for (size_t i = 0; i < width; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[width] = '\0';
    int n = fprintf(stderr, "\r[%s] %zu/%zu %s", bar, done, total, member_id);
    /* Clear what a longer member id left behind. */
    for (size_t i = n > 0 ? (size_t)n : 0; i < p->last_width; i++)
        fputc(' ', stderr);
    p->last_width = n > 0 ? (size_t)n : 0;
    if (done == total) {
        fputc('\n', stderr);
        p->last_width = 0;
    }
    fflush(stderr);
    return 0;
}

/* The channels of a member's rows [from, to), each once, as "post,email", in a column of
 * 24 (printed whole however many there are), or "-" for none. */
static void print_channels(const kl_batch_result *res, size_t from, size_t to)
{
    int width = 0;
    for (size_t k = from; k < to; k++) {
        const char *c = kl_batch_result_row(res, k)->channel;
        bool again = !c[0];
        for (size_t j = from; j < k && !again; j++)
            again = !strcmp(kl_batch_result_row(res, j)->channel, c);
        if (!again)
            width += printf("%s%s", width ? "," : "", c);
    }
    if (!width)
        width = printf("-");
    printf("%*s ", width < 24 ? 24 - width : 0, "");
}

/* One member's summary line, from its rows [from, to). */
static void print_member(const kl_batch_result *res, size_t from, size_t to)
{
    const kl_batch_row *r = kl_batch_result_row(res, from);
    unsigned pages = 0, braille = 0; /* PDF pages; braille pages of a .brf */
    const char *why = NULL;
    for (size_t k = from; k < to; k++) {
        const kl_batch_row *x = kl_batch_result_row(res, k);
        if (strstr(x->file, ".brf"))
            braille += x->pages;
        else
            pages += x->pages;
        if (x->status == KL_BATCH_FAILED && !why &&
            strncmp(x->reason, "nothing is written for this member", 34) != 0)
            why = x->reason;
    }
    if (!why)
        why = r->reason;
    printf("%-8s %-12s ", r->member_id, r->relationship);
    print_channels(res, from, to);
    switch (r->status) {
    case KL_BATCH_WRITTEN:
        if (braille) /* needs format="braille": the format each member got */
            printf("written in braille, %u braille page%s%s", braille, braille == 1 ? "" : "s",
                   pages ? ", " : "");
        if (!braille || pages)
            printf("%s%u page%s", braille ? "" : "written, ", pages, pages == 1 ? "" : "s");
        /* The reading level each member got (Easy Read, plain...), when not standard. */
        if (r->reading_level && r->reading_level[0] && strcmp(r->reading_level, "standard"))
            printf(" (reading: %s)", r->reading_level);
        if (r->draft)
            printf(" (draft translation: %s %s)", r->languages, r->translation_status);
        if (r->reason[0])
            printf(" (%s)", r->reason);
        break;
    case KL_BATCH_FAILED:
        printf("FAILED: %s", why);
        break;
    case KL_BATCH_NOT_CONTACTED:
        printf("not contacted: %s", why);
        break;
    case KL_BATCH_SKIPPED:
        printf("skipped");
        break;
    }
    putchar('\n');
}

/* The files to pass on by hand: protected PDFs' passwords (by text or by phone, never by
 * email) and braille letters (like a readability report: what each is, and that it is a
 * draft). */
static void print_hand_over(const kl_batch_result *res)
{
    size_t n = kl_batch_result_row_count(res), n_pw = 0, n_brf = 0;
    for (size_t k = 0; k < n; k++) {
        const kl_batch_row *x = kl_batch_result_row(res, k);
        if (x->status != KL_BATCH_WRITTEN || !cli_is_password_file(x->file))
            continue;
        if (!n_pw++)
            printf("Protected PDFs: give each member the password in their file, by text "
                   "message or read out on a phone call (never in the email):\n");
        printf("  %-8s %-28s %s\n", x->member_id, x->file, x->name);
    }
    for (size_t k = 0; k < n; k++) {
        const kl_batch_row *x = kl_batch_result_row(res, k);
        if (x->status != KL_BATCH_WRITTEN || !strstr(x->file, ".brf"))
            continue;
        if (!n_brf++)
            printf("Braille letters (BRF, 40 cells by 25 lines) to send to the transcription or "
                   "embossing service, listed first in the print pack; machine braille is a "
                   "draft: have a braille transcriber proof it:\n");
        printf("  %-8s %-28s %u braille page%s (%s)\n", x->member_id, x->file, x->pages,
               x->pages == 1 ? "" : "s", x->languages);
    }
}

/* One summary line per member, from its rows (which are in member order), then the totals. */
static void print_summary(const kl_batch_result *res)
{
    size_t n = kl_batch_result_row_count(res);
    if (n && !kl_batch_result_row(res, 0)) { /* the rows are made when first read */
        fputs("kinletter: error: out of memory\n", stderr);
        return;
    }
    for (size_t i = 0, k; i < n; i = k) {
        const char *id = kl_batch_result_row(res, i)->member_id;
        for (k = i; k < n && strcmp(kl_batch_result_row(res, k)->member_id, id) == 0; k++)
            ;
        print_member(res, i, k);
    }
    kl_batch_totals t = KL_BATCH_TOTALS_INIT;
    kl_batch_result_totals(res, &t);
    printf("\n%zu member%s: %zu written, %zu failed, %zu not contacted, %zu skipped\n", t.members,
           t.members == 1 ? "" : "s", t.members_written, t.members_failed, t.not_contacted,
           t.skipped);
    printf("%zu file%s, %zu PDF page%s", t.files, t.files == 1 ? "" : "s", t.pages,
           t.pages == 1 ? "" : "s");
    if (t.print_packs == 1)
        printf("; print-pack.pdf: %zu pages for duplex printing", t.print_pack_pages);
    else if (t.print_packs > 1)
        printf("; %zu print packs (print-pack-001.pdf...): %zu pages for duplex printing",
               t.print_packs, t.print_pack_pages);
    putchar('\n');
    print_hand_over(res);
    if (t.draft_members)
        printf("%zu member%s written with a draft translation: have it reviewed before "
               "sending\n",
               t.draft_members, t.draft_members == 1 ? "" : "s");
    printf("Files in %s (record.csv lists every member)\n", kl_batch_result_dir(res));
}

/* The command's arguments. */
typedef struct gen_args {
    const char *review_path, *tpl_name, *out_dir, *locales, *date, *record;
    const char **members; /* room for argc (allocated) */
    size_t n_members;
    unsigned jobs;
    bool force, fallback, quiet;
    bool allow_open;   /* --allow-open-questions */
    bool with_answers; /* --include-answers */
    bool protect;      /* --protect */
    bool notify;       /* --notify */
} gen_args;

/* Returns -1 when the command goes on, else its exit code (the reason printed). */
static int parse_args(int argc, char **argv, gen_args *a)
{
    const char *jobs_s = NULL;
    const cli_option options[] = {
        CLI_VALUE("--template", "-t", &a->tpl_name),
        CLI_LIST("--member", "-m", a->members, &a->n_members),
        CLI_VALUE("--output", "-o", &a->out_dir),
        CLI_VALUE("--jobs", "-j", &jobs_s),
        CLI_VALUE("--locales", "-l", &a->locales),
        CLI_VALUE("--date", "-d", &a->date),
        CLI_VALUE("--record", NULL, &a->record),
        CLI_FLAG("--force", NULL, &a->force),
        CLI_FLAG("--allow-fallback", NULL, &a->fallback),
        CLI_FLAG("--allow-open-questions", NULL, &a->allow_open),
        CLI_FLAG("--include-answers", NULL, &a->with_answers),
        CLI_FLAG("--protect", NULL, &a->protect),
        CLI_FLAG("--notify", NULL, &a->notify),
        CLI_FLAG("--quiet", "-q", &a->quiet),
    };
    int status = cli_options(argc, argv, 1, "generate", options, sizeof options / sizeof options[0],
                             usage, &a->review_path);
    if (status >= 0)
        return status;
    if (jobs_s) {
        char *end = NULL;
        long v = strtol(jobs_s, &end, 10);
        if (!*jobs_s || *end || v < 1 || v > 256) {
            fprintf(stderr, "kinletter: error: --jobs wants a number from 1 to 256, not '%s'\n",
                    jobs_s);
            return EXIT_USAGE;
        }
        a->jobs = (unsigned)v;
    }
    return -1;
}

/* A file-size limit (ulimit -f) should fail a write with a message, not kill the command
 * half-way through; SIGINT and SIGTERM finish the member under way. */
static void catch_signals(void)
{
    signal(SIGXFSZ, SIG_IGN);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* What the record adds to a batch: the members whose outcome letter waits for an answer,
 * and the family's questions and answers. */
typedef struct record_input {
    const char **held_filter; /* members without an open question (outcome letter) */
    size_t n_held_filter, held;
    kl_record_status *qa_status; /* owns the strings of qa */
    kl_letter_qa *qa;
    size_t n_qa;
} record_input;

static void record_input_free(record_input *r)
{
    free(r->held_filter);
    free(r->qa);
    kl_record_status_free(r->qa_status);
}

/* Read what the batch needs from the record. Returns an exit code (problems printed). */
static int read_record(kl_context *ctx, const kl_review *rv, const gen_args *a, record_input *r)
{
    /* The outcome letter waits until each of the member's questions is answered. */
    if (!a->allow_open && cli_record_hold_unanswered(ctx, rv, a->out_dir, a->record, a->tpl_name,
                                                     a->members, a->n_members, &r->held_filter,
                                                     &r->n_held_filter, &r->held) != EXIT_DONE)
        return EXIT_SOME_FAILED;
    if (r->held && !r->n_held_filter) {
        fputs("kinletter: error: every member selected has a question not yet answered: no "
              "outcome letter is written\n",
              stderr);
        return EXIT_SOME_FAILED;
    }
    /* The family's questions and answers: in the outcome letter, and in the update
     * letter when asked (--include-answers). */
    const char *base = a->tpl_name ? strrchr(a->tpl_name, '/') : NULL;
    base = base ? base + 1 : a->tpl_name ? a->tpl_name : "";
    if ((a->with_answers || !strcmp(base, "outcome") || !strcmp(base, "outcome.xml")) &&
        cli_record_questions(ctx, rv, a->out_dir, a->record, &r->qa_status, &r->qa, &r->n_qa) !=
            EXIT_DONE)
        return EXIT_SOME_FAILED;
    return EXIT_DONE;
}

/* The exit code of a batch that returned rc (with res when it began), with a hint. */
static int batch_status(kl_context *ctx, int rc, const kl_batch_result *res, bool force)
{
    if (rc == 0) {
        kl_batch_totals t = KL_BATCH_TOTALS_INIT;
        kl_batch_result_totals(res, &t);
        return t.members_failed ? EXIT_SOME_FAILED : EXIT_DONE;
    }
    cli_print_error(ctx, rc);
    if (rc == KL_EEXISTS && !force)
        fputs("kinletter: hint: run again with --force to replace the files of earlier "
              "runs, or choose another output directory (-o DIR)\n",
              stderr);
    else if (rc == KL_EIO && res)
        fputs("kinletter: hint: when the cause is fixed, run again with --force\n", stderr);
    /* Stopped part-way (the disk filled up): some work was done and is
     * recorded; anything else stopped the batch before it began. */
    return res || rc == KL_ENOMEM || rc == KL_EINTR ? EXIT_SOME_FAILED : EXIT_USAGE;
}

/* Run the batch and record it; returns the exit code. */
static int run_batch(kl_context *ctx, const kl_review *rv, const gen_args *a, const record_input *r)
{
    kl_batch_options opts = KL_BATCH_OPTIONS_INIT;
    progress_state ps = {0};
    opts.template_name = a->tpl_name;
    opts.members = a->n_members ? a->members : NULL;
    opts.n_members = a->n_members;
    if (r->held) {
        opts.members = r->held_filter;
        opts.n_members = r->n_held_filter;
    }
    opts.output_dir = a->out_dir;
    opts.jobs = a->jobs;
    opts.force = a->force;
    opts.allow_language_fallback = a->fallback;
    opts.date = a->date;
    opts.qa = r->qa;
    opts.n_qa = r->n_qa;
    opts.protect = a->protect;
    opts.notify = a->notify;
    opts.interrupt = (const volatile int *)&interrupted;
    /* Reproducible output for tests and diffs, as `render --format pdf`. */
    opts.creation_date = getenv("KINLETTER_PDF_DATE");
    opts.locales_dir = a->locales ? a->locales : getenv("KINLETTER_LOCALES");
    if (!a->quiet && isatty(STDERR_FILENO)) {
        opts.progress = progress;
        opts.progress_userdata = &ps;
        kl_context_set_diagnostics(ctx, diagnostic, &ps);
    }
    kl_batch_result *res = NULL;
    int rc = kl_batch_generate(ctx, rv, &opts, &res);
    if (res && !a->quiet)
        print_summary(res);
    /* The correspondence record: every member's outcome of this batch. */
    int rec_status = res && !opts.dry_run ? cli_record_batch(ctx, rv, a->out_dir, a->record,
                                                             a->tpl_name, a->date, res)
                                          : EXIT_DONE;
    int status = batch_status(ctx, rc, res, a->force);
    if ((rec_status != EXIT_DONE || r->held) && status == EXIT_DONE)
        status = EXIT_SOME_FAILED;
    kl_batch_result_free(res);
    return status;
}

int cli_generate(int argc, char **argv)
{
    gen_args a = {0};
    if (!(a.members = calloc((size_t)argc, sizeof *a.members))) {
        fputs("kinletter: error: out of memory\n", stderr);
        return EXIT_SOME_FAILED;
    }
    int status = parse_args(argc, argv, &a);
    if (status >= 0) {
        free(a.members);
        return status;
    }
    catch_signals();
    kl_context *ctx = cli_context();
    if (!ctx) {
        free(a.members);
        return EXIT_SOME_FAILED;
    }
    char *example = NULL;
    kl_review *rv = NULL;
    record_input r = {0};
    int rc;
    status = EXIT_USAGE;
    if (!a.review_path && !(a.review_path = example = cli_example_review(ctx)))
        goto out;
    if ((rc = kl_review_load_file(ctx, a.review_path, NULL, &rv)) != 0) {
        cli_print_error(ctx, rc);
        goto out;
    }
    if ((status = read_record(ctx, rv, &a, &r)) == EXIT_DONE)
        status = run_batch(ctx, rv, &a, &r);
out:
    kl_review_free(rv);
    kl_free(example);
    kl_context_free(ctx);
    record_input_free(&r);
    free(a.members);
    return status;
}
