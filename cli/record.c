/* SPDX-License-Identifier: MIT */
/* cli/record.c: the correspondence record (docs/RECORD.md): `kinletter mark`,
 * `kinletter questions add|answer|list`, `kinletter status`, and what `generate`
 * records after a batch. */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* DIR/record.db unless --record FILE (allocated). */
static char *record_path(const char *out_dir, const char *record)
{
    if (record)
        return strdup(record);
    const char *dir = out_dir ? out_dir : "letters";
    size_t n = strlen(dir) + sizeof "/record.db";
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/record.db", dir);
    return p;
}

/* Whether the record is there yet. Returns an exit code (out of memory printed). */
static int record_exists(const char *out_dir, const char *record, bool *exists)
{
    char *path = record_path(out_dir, record);
    if (!path) {
        fputs("kinletter: error: out of memory\n", stderr);
        return EXIT_SOME_FAILED;
    }
    struct stat sb;
    *exists = stat(path, &sb) == 0;
    free(path);
    return EXIT_DONE;
}

/* Input errors (a member, date, event, text the record refuses) are the
 * user's to correct: exit 2; a record that cannot be written: exit 1. */
static int exit_for(int rc)
{
    return rc == KL_EINVAL || rc == KL_ENOTFOUND || rc == KL_EDATA || rc == KL_EFORMAT
               ? EXIT_USAGE
               : EXIT_SOME_FAILED;
}

static int open_record(kl_context *ctx, const char *out_dir, const char *record, bool create,
                       kl_record **rec)
{
    char *path = record_path(out_dir, record);
    if (!path) {
        fputs("kinletter: error: out of memory\n", stderr);
        return EXIT_SOME_FAILED;
    }
    if (create && !record) {
        /* The output directory, private like the batches in it. */
        const char *dir = out_dir ? out_dir : "letters";
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
            fprintf(stderr, "kinletter: %s: error: the directory cannot be made: %s\n", dir,
                    strerror(errno));
            free(path);
            return EXIT_SOME_FAILED;
        }
    }
    int rc = kl_record_open(ctx, path, create ? KL_RECORD_CREATE : 0, rec);
    if (rc != 0) {
        cli_print_error(ctx, rc);
        if (rc == KL_ENOTFOUND)
            fprintf(stderr, "kinletter: hint: run kinletter generate with the same -o DIR first, "
                            "or name the record with --record FILE\n");
        free(path);
        return rc == KL_ENOTFOUND || rc == KL_EFORMAT ? EXIT_USAGE : EXIT_SOME_FAILED;
    }
    free(path);
    return EXIT_DONE;
}

static int load_review(kl_context *ctx, const char *review_path, kl_review **rv)
{
    char *example = NULL;
    if (!review_path && !(review_path = example = cli_example_review(ctx)))
        return EXIT_USAGE;
    int rc = kl_review_load_file(ctx, review_path, NULL, rv);
    kl_free(example);
    if (rc != 0) {
        cli_print_error(ctx, rc);
        return EXIT_USAGE;
    }
    return EXIT_DONE;
}

int cli_record_batch(kl_context *ctx, const kl_review *rv, const char *out_dir, const char *record,
                     const char *template_name, const char *date, const kl_batch_result *res)
{
    size_t n = kl_batch_result_row_count(res);
    kl_record_event *ev = calloc(n ? n : 1, sizeof *ev);
    if (!ev) {
        fputs("kinletter: error: out of memory\n", stderr);
        return EXIT_SOME_FAILED;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const kl_batch_row *r = kl_batch_result_row(res, i);
        if (!r) { /* the rows are made when first read */
            free(ev);
            fputs("kinletter: error: out of memory\n", stderr);
            return EXIT_SOME_FAILED;
        }
        kl_record_event e = KL_RECORD_EVENT_INIT;
        e.member_id = r->member_id;
        e.letter = template_name;
        e.date = date;
        e.channel = r->channel;
        switch (r->status) {
        case KL_BATCH_WRITTEN:
            /* A protected PDF's password file: that a password was issued, and in
             * which file; never the password, nor a hash of it. */
            e.event = cli_is_password_file(r->file) ? "password-issued" : "written";
            e.file = r->file;
            e.sha256 = r->sha256;
            e.pages = r->pages;
            e.note = r->reason;
            break;
        case KL_BATCH_FAILED:
            e.event = "failed";
            e.note = r->reason;
            break;
        case KL_BATCH_NOT_CONTACTED:
            e.event = "not-contacted";
            e.note = r->reason;
            break;
        case KL_BATCH_SKIPPED:
            continue;
        }
        ev[k++] = e;
    }
    kl_record *rec = NULL;
    int status = open_record(ctx, out_dir, record, true, &rec);
    if (status == EXIT_DONE) {
        int rc = kl_record_add_events(ctx, rec, rv, ev, k, NULL);
        if (rc != 0) {
            cli_print_error(ctx, rc);
            status = EXIT_SOME_FAILED;
        }
    }
    if (status != EXIT_DONE)
        fputs("kinletter: error: the letters are written but the correspondence record was not "
              "updated (record.csv in the batch directory lists them)\n",
              stderr);
    kl_record_close(rec);
    free(ev);
    return status;
}

/* A letter that answers the family: the outcome. */
static bool is_outcome(const char *template_name)
{
    if (!template_name)
        return false;
    const char *base = strrchr(template_name, '/');
    base = base ? base + 1 : template_name;
    return !strcmp(base, "outcome") || !strcmp(base, "outcome.xml");
}

int cli_record_hold_unanswered(kl_context *ctx, const kl_review *rv, const char *out_dir,
                               const char *record, const char *template_name,
                               const char *const *members, size_t n_members, const char ***filter,
                               size_t *n_filter, size_t *held)
{
    *filter = NULL;
    *n_filter = 0;
    *held = 0;
    if (!is_outcome(template_name))
        return EXIT_DONE;
    bool exists = false;
    if (record_exists(out_dir, record, &exists) != EXIT_DONE)
        return EXIT_SOME_FAILED;
    if (!exists)
        return EXIT_DONE; /* no record, no question */
    kl_record *rec = NULL;
    kl_record_status *st = NULL;
    int status = open_record(ctx, out_dir, record, false, &rec);
    if (status != EXIT_DONE)
        return status;
    int rc = kl_record_status_get(ctx, rec, rv, NULL, 0, &st);
    if (rc != 0) {
        cli_print_error(ctx, rc);
        kl_record_close(rec);
        return EXIT_SOME_FAILED;
    }
    size_t nm = kl_review_member_count(rv);
    const char **keep = calloc(nm ? nm : 1, sizeof *keep);
    if (!keep) {
        fputs("kinletter: error: out of memory\n", stderr);
        status = EXIT_SOME_FAILED;
        goto done;
    }
    for (size_t i = 0; i < nm; i++) {
        const kl_member *m = kl_review_member(rv, i);
        if (!kl_member_id(m))
            continue;
        bool selected = n_members == 0;
        for (size_t k = 0; k < n_members && !selected; k++)
            selected = strcmp(members[k], kl_member_id(m)) == 0;
        if (!selected)
            continue;
        const kl_record_question *open = NULL;
        for (size_t q = 0; q < kl_record_status_question_count(st) && !open; q++) {
            const kl_record_question *x = kl_record_status_question(st, q);
            if (!strcmp(x->member_id, kl_member_id(m)) && !x->answered[0])
                open = x;
        }
        if (!open) {
            keep[(*n_filter)++] = kl_member_id(m);
            continue;
        }
        ++*held;
        fprintf(stderr,
                "kinletter: error: member %s: question %d (asked %s) has no answer recorded: the "
                "outcome letter is not written for this member (record the answer with kinletter "
                "questions answer --id %d, or run with --allow-open-questions)\n",
                kl_member_id(m), open->number, open->asked, open->number);
    }
    if (*held)
        *filter = keep;
    else
        free(keep);
done:
    kl_record_status_free(st);
    kl_record_close(rec);
    return status;
}

int cli_record_questions(kl_context *ctx, const kl_review *rv, const char *out_dir,
                         const char *record, kl_record_status **st, kl_letter_qa **qa, size_t *n_qa)
{
    *st = NULL;
    *qa = NULL;
    *n_qa = 0;
    bool exists = false;
    if (record_exists(out_dir, record, &exists) != EXIT_DONE)
        return EXIT_SOME_FAILED;
    if (!exists)
        return EXIT_DONE; /* no record, no question */
    kl_record *rec = NULL;
    int status = open_record(ctx, out_dir, record, false, &rec);
    if (status != EXIT_DONE)
        return status;
    int rc = kl_record_status_get(ctx, rec, rv, NULL, 0, st);
    kl_record_close(rec);
    if (rc != 0) {
        cli_print_error(ctx, rc);
        return EXIT_SOME_FAILED;
    }
    size_t n = kl_record_status_question_count(*st);
    *qa = calloc(n ? n : 1, sizeof **qa);
    if (!*qa) {
        fputs("kinletter: error: out of memory\n", stderr);
        kl_record_status_free(*st);
        *st = NULL;
        return EXIT_SOME_FAILED;
    }
    /* In the order they were asked. The record keeps no language for a text:
     * each is marked as written in en-GB, the review's working language. */
    for (size_t i = 0; i < n; i++) {
        const kl_record_question *q = kl_record_status_question(*st, i);
        (*qa)[i] = (kl_letter_qa){q->member_id, q->text, NULL, q->answer, NULL};
    }
    *n_qa = n;
    return EXIT_DONE;
}

/* ---- kinletter mark --------------------------------------------------------------- */
static void mark_usage(FILE *out)
{
    fputs("Usage: kinletter mark [OPTIONS] [REVIEW] --member ID --event EVENT\n"
          "\n"
          "Record in the correspondence record what happened with a member's letters:\n"
          "  sent                the coordinator sent it (say --channel if the member has\n"
          "                      more than one)\n"
          "  returned, bounced   the post came back, the email bounced\n"
          "  replied, wants-to-take-part, declined, met, phoned, withdrew\n"
          "The record is DIR/record.db (with -o DIR, as for generate). With no REVIEW,\n"
          "the bundled example review is used.\n"
          "\n"
          "Options:\n"
          "  -m, --member ID        the member (an id from the review)\n"
          "  -e, --event EVENT      what happened (above)\n"
          "  -c, --channel C        post, email, sms or via-professional\n"
          "  -d, --date YYYY-MM-DD  the day it happened (default: today; never after today)\n"
          "  --letter NAME          the letter (template) it is about (default: the member's\n"
          "                         latest letter written)\n"
          "  -n, --note TEXT        a note kept with the event (no other member's details)\n"
          "  -o, --output DIR       the output directory (default: ./letters)\n"
          "  --record FILE          the record database (default: DIR/record.db)\n"
          "  -h, --help             show this help\n"
          "\n"
          "Exit status: 0 recorded; 1 the record could not be written; 2 usage or input\n"
          "error (unknown member or event, an impossible date, a refused note).\n",
          out);
}

int cli_mark(int argc, char **argv)
{
    const char *review_path = NULL, *out_dir = NULL, *record = NULL;
    kl_record_event e = KL_RECORD_EVENT_INIT;
    const cli_option options[] = {
        CLI_VALUE("--member", "-m", &e.member_id), CLI_VALUE("--event", "-e", &e.event),
        CLI_VALUE("--channel", "-c", &e.channel),  CLI_VALUE("--date", "-d", &e.date),
        CLI_VALUE("--letter", NULL, &e.letter),    CLI_VALUE("--note", "-n", &e.note),
        CLI_VALUE("--output", "-o", &out_dir),     CLI_VALUE("--record", NULL, &record),
    };
    int parsed = cli_options(argc, argv, 1, "mark", options, sizeof options / sizeof options[0],
                             mark_usage, &review_path);
    if (parsed >= 0)
        return parsed;
    if (!e.member_id || !e.event) {
        fputs("kinletter: error: mark needs --member ID and --event EVENT (see kinletter mark "
              "--help)\n",
              stderr);
        return EXIT_USAGE;
    }
    if (!kl_record_event_known(e.event) || !strcmp(e.event, "written") ||
        !strcmp(e.event, "failed") || !strcmp(e.event, "not-contacted") ||
        !strcmp(e.event, "password-issued")) {
        fprintf(stderr,
                "kinletter: error: --event: '%s' is not an event to mark (sent, returned, "
                "bounced, replied, wants-to-take-part, declined, met, phoned, withdrew)\n",
                e.event);
        return EXIT_USAGE;
    }
    kl_context *ctx = cli_context();
    if (!ctx)
        return EXIT_SOME_FAILED;
    kl_review *rv = NULL;
    kl_record *rec = NULL;
    int status = load_review(ctx, review_path, &rv);
    if (status == EXIT_DONE)
        status = open_record(ctx, out_dir, record, true, &rec);
    if (status == EXIT_DONE) {
        int rc = kl_record_add_events(ctx, rec, rv, &e, 1, NULL);
        if (rc != 0) {
            cli_print_error(ctx, rc);
            status = exit_for(rc);
        } else {
            printf("member %s: %s recorded%s%s\n", e.member_id, e.event, e.date ? " on " : "",
                   e.date ? e.date : "");
        }
    }
    kl_record_close(rec);
    kl_review_free(rv);
    kl_context_free(ctx);
    return status;
}

/* ---- kinletter questions ---------------------------------------------------------- */
static void questions_usage(FILE *out)
{
    fputs("Usage: kinletter questions add [OPTIONS] [REVIEW] --member ID --text TEXT\n"
          "       kinletter questions answer [OPTIONS] [REVIEW] --id N --text TEXT\n"
          "       kinletter questions list [OPTIONS] [REVIEW]\n"
          "\n"
          "The family's questions in the correspondence record: a question as the member\n"
          "asked it, with who recorded it and when; the answer given later; the list with\n"
          "each question's number and what is still unanswered, and for how long. A text\n"
          "holding another family member's contact details is refused.\n"
          "\n"
          "Options:\n"
          "  -m, --member ID        who asked (add)\n"
          "  --id N                 the question's number (answer)\n"
          "  -t, --text TEXT        the question or the answer\n"
          "  -d, --date YYYY-MM-DD  the day it was asked or answered (default: today)\n"
          "  --open                 list only the questions not yet answered\n"
          "  -o, --output DIR       the output directory (default: ./letters)\n"
          "  --record FILE          the record database (default: DIR/record.db)\n"
          "  -h, --help             show this help\n"
          "\n"
          "Exit status: 0 done; 1 the record could not be written; 2 usage or input error.\n",
          out);
}

static int list_questions(kl_context *ctx, kl_record *rec, kl_review *rv, const char *today,
                          bool open_only)
{
    kl_record_status *st = NULL;
    int rc = kl_record_status_get(ctx, rec, rv, today, 0, &st);
    if (rc != 0) {
        cli_print_error(ctx, rc);
        return exit_for(rc);
    }
    size_t n = kl_record_status_question_count(st), open = 0;
    for (size_t i = 0; i < n; i++) {
        const kl_record_question *q = kl_record_status_question(st, i);
        if (q->answered[0] && open_only)
            continue;
        printf("#%d  member %s  asked %s (recorded by %s)", q->number, q->member_id, q->asked,
               q->asked_by);
        if (q->answered[0])
            printf("  answered %s, after %d day%s\n", q->answered, q->days_open,
                   q->days_open == 1 ? "" : "s");
        else {
            printf("  UNANSWERED for %d day%s\n", q->days_open, q->days_open == 1 ? "" : "s");
            open++;
        }
        printf("    Q: %s\n", q->text);
        if (q->answered[0])
            printf("    A: %s\n", q->answer);
    }
    printf("%zu question%s, %zu unanswered\n", n, n == 1 ? "" : "s", open);
    kl_record_status_free(st);
    return EXIT_DONE;
}

int cli_questions(int argc, char **argv)
{
    if (argc < 2 || cli_is_help(argv[1])) {
        questions_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_DONE;
    }
    const char *action = argv[1];
    if (strcmp(action, "add") && strcmp(action, "answer") && strcmp(action, "list")) {
        fprintf(stderr,
                "kinletter: error: questions: '%s' is not add, answer or list (see kinletter "
                "questions --help)\n",
                action);
        return EXIT_USAGE;
    }
    const char *review_path = NULL, *out_dir = NULL, *record = NULL, *member = NULL;
    const char *text = NULL, *date = NULL, *id_s = NULL;
    bool open_only = false;
    const cli_option options[] = {
        CLI_VALUE("--member", "-m", &member),  CLI_VALUE("--id", NULL, &id_s),
        CLI_VALUE("--text", "-t", &text),      CLI_VALUE("--date", "-d", &date),
        CLI_VALUE("--output", "-o", &out_dir), CLI_VALUE("--record", NULL, &record),
        CLI_FLAG("--open", NULL, &open_only),
    };
    int parsed = cli_options(argc, argv, 2, "questions", options,
                             sizeof options / sizeof options[0], questions_usage, &review_path);
    if (parsed >= 0)
        return parsed;
    long id = 0;
    if (!strcmp(action, "add") && (!member || !text)) {
        fputs("kinletter: error: questions add needs --member ID and --text TEXT\n", stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(action, "answer")) {
        char *end = NULL;
        id = id_s ? strtol(id_s, &end, 10) : 0;
        if (!id_s || !text || !*id_s || *end || id < 1 || id > 1000000) {
            fputs("kinletter: error: questions answer needs --id N (a question's number, see "
                  "questions list) and --text TEXT\n",
                  stderr);
            return EXIT_USAGE;
        }
    }
    kl_context *ctx = cli_context();
    if (!ctx)
        return EXIT_SOME_FAILED;
    kl_review *rv = NULL;
    kl_record *rec = NULL;
    int status = load_review(ctx, review_path, &rv);
    if (status == EXIT_DONE)
        status = open_record(ctx, out_dir, record, strcmp(action, "list") != 0, &rec);
    if (status == EXIT_DONE) {
        int rc = 0, number = 0;
        if (!strcmp(action, "add")) {
            rc = kl_record_question_add(ctx, rec, rv, member, text, date, &number);
            if (rc == 0)
                printf("question %d recorded for member %s\n", number, member);
        } else if (!strcmp(action, "answer")) {
            rc = kl_record_question_answer(ctx, rec, rv, (int)id, text, date);
            if (rc == 0)
                printf("answer to question %ld recorded\n", id);
        } else {
            status = list_questions(ctx, rec, rv, getenv("KINLETTER_TODAY"), open_only);
        }
        if (rc != 0) {
            cli_print_error(ctx, rc);
            status = exit_for(rc);
        }
    }
    kl_record_close(rec);
    kl_review_free(rv);
    kl_context_free(ctx);
    return status;
}

/* ---- kinletter status ------------------------------------------------------------- */
static void status_usage(FILE *out)
{
    fputs("Usage: kinletter status [OPTIONS] [REVIEW]\n"
          "\n"
          "Where the review's correspondence stands, from the record: per member the\n"
          "letters written and sent, the latest reply, open questions and the next step\n"
          "due; for the review, the days from the decision to each member's first letter\n"
          "sent, who has not been informed yet and why, and counts by state.\n"
          "\n"
          "Options:\n"
          "  --json                 one JSON object\n"
          "  --csv                  one row per member (safe to open in a spreadsheet)\n"
          "  --today YYYY-MM-DD     the status as on that day (default: today)\n"
          "  --reply-wait DAYS      days to wait for a reply before a follow-up is due\n"
          "                         (default: the review's <follow-up reply-wait-days>, else 14)\n"
          "  -o, --output DIR       the output directory (default: ./letters)\n"
          "  --record FILE          the record database (default: DIR/record.db)\n"
          "  -h, --help             show this help\n"
          "\n"
          "Exit status: 0 done; 1 the record could not be read; 2 usage or input error.\n",
          out);
}

int cli_status(int argc, char **argv)
{
    const char *review_path = NULL, *out_dir = NULL, *record = NULL, *today = NULL;
    const char *wait_s = NULL;
    kl_record_format fmt = KL_RECORD_TEXT;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = NULL;
        if (cli_is_help(a)) {
            status_usage(stdout);
            return EXIT_DONE;
        } else if (!strcmp(a, "--json"))
            fmt = KL_RECORD_JSON;
        else if (!strcmp(a, "--csv"))
            fmt = KL_RECORD_CSV;
        else if (!strcmp(a, "--today"))
            slot = &today;
        else if (!strcmp(a, "--reply-wait"))
            slot = &wait_s;
        else if (!strcmp(a, "-o") || !strcmp(a, "--output"))
            slot = &out_dir;
        else if (!strcmp(a, "--record"))
            slot = &record;
        else if (cli_review_arg(a, "status", &review_path))
            return EXIT_USAGE;
        if (slot && !(*slot = cli_need_value(argc, argv, &i)))
            return EXIT_USAGE;
    }
    int wait = 0;
    if (wait_s) {
        char *end = NULL;
        long v = strtol(wait_s, &end, 10);
        if (!*wait_s || *end || v < 1 || v > 365) {
            fprintf(stderr, "kinletter: error: --reply-wait wants days from 1 to 365, not '%s'\n",
                    wait_s);
            return EXIT_USAGE;
        }
        wait = (int)v;
    }
    if (!today)
        today = getenv("KINLETTER_TODAY");
    kl_context *ctx = cli_context();
    if (!ctx)
        return EXIT_SOME_FAILED;
    kl_review *rv = NULL;
    kl_record *rec = NULL;
    kl_record_status *st = NULL;
    char *text = NULL;
    int status = load_review(ctx, review_path, &rv);
    if (status == EXIT_DONE)
        status = open_record(ctx, out_dir, record, false, &rec);
    if (status == EXIT_DONE) {
        int rc = kl_record_status_get(ctx, rec, rv, today, wait, &st);
        if (rc == 0)
            rc = kl_record_status_format(ctx, st, fmt, &text);
        if (rc != 0) {
            cli_print_error(ctx, rc);
            status = exit_for(rc);
        } else {
            fputs(text, stdout);
        }
    }
    kl_free(text);
    kl_record_status_free(st);
    kl_record_close(rec);
    kl_review_free(rv);
    kl_context_free(ctx);
    return status;
}
