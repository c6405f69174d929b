/* SPDX-License-Identifier: MIT */
/* cli/cli.h: shared helpers for the kinletter command's subcommands. */
#ifndef KL_CLI_H
#define KL_CLI_H

#include <kinletter.h>
#include <stdbool.h>
#include <stdio.h>

/* Exit codes (docs/STYLE.md): done, some work failed (reported), usage or input error. */
enum { EXIT_DONE = 0, EXIT_SOME_FAILED = 1, EXIT_USAGE = 2 };

typedef struct cli_subcommand {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv); /* argv[0] is the subcommand name */
} cli_subcommand;

/* Create a context whose diagnostics print as `kinletter: file:line:col: ...`. */
kl_context *cli_context(void);
/* Print a diagnostic the way every subcommand does. */
void cli_print_diagnostic(const kl_diagnostic *d, void *userdata);
/* Print the context's last error (or a generic message for code). */
void cli_print_error(kl_context *ctx, int code);
/* The value after option argv[*i] (advancing *i), or NULL with a usage
 * message naming the subcommand (argv[0]). */
const char *cli_need_value(int argc, char **argv, int *i);
/* An argument no option took: an unknown option is a usage error pointing at
 * `kinletter COMMAND --help`; otherwise it is the one REVIEW (a second is an
 * error). Returns 0, or EXIT_USAGE after printing why. */
int cli_review_arg(const char *arg, const char *command, const char **review_path);
/* The same for a mode of a command chosen by an option (mode "--notify" of command
 * "check --notify"): an unknown option is "unknown option 'X' with --notify". */
int cli_mode_review_arg(const char *arg, const char *command, const char *mode,
                        const char **review_path);
/* One option of a command (cli_options): a value option stores its value in *value, or
 * appends it to list (which has room for argc values), counting *n; a flag sets *flag;
 * refusal: the option is refused with this reason. */
typedef struct cli_option {
    const char *name, *alias; /* "--template" and "-t" (alias may be NULL) */
    const char **value;
    bool *flag;
    const char **list;
    size_t *n;
    const char *refusal;
} cli_option;
#define CLI_VALUE(name, alias, value)                                                              \
    {                                                                                              \
        name, alias, value, NULL, NULL, NULL, NULL                                                 \
    }
#define CLI_FLAG(name, alias, flag)                                                                \
    {                                                                                              \
        name, alias, NULL, flag, NULL, NULL, NULL                                                  \
    }
#define CLI_LIST(name, alias, list, n)                                                             \
    {                                                                                              \
        name, alias, NULL, NULL, list, n, NULL                                                     \
    }
#define CLI_REFUSED(name, refusal)                                                                 \
    {                                                                                              \
        name, NULL, NULL, NULL, NULL, NULL, refusal                                                \
    }
/* Parse argv[first..argc) against opts (n of them): --help or -h prints usage to stdout, any
 * other argument goes to cli_review_arg(command). Returns -1 when the command goes on, else
 * its exit code (EXIT_DONE after --help; EXIT_USAGE after printing why). */
int cli_options(int argc, char **argv, int first, const char *command, const cli_option *opts,
                size_t n, void (*usage)(FILE *), const char **review_path);
/* True if arg is --help or -h. */
bool cli_is_help(const char *arg);
/* The path of the bundled example review (allocated), or NULL with an error printed. */
char *cli_example_review(kl_context *ctx);
/* A string made as printf makes it, of any length (allocated, free()), or NULL when out of
 * memory: the command keeps no fixed buffers that cut what does not fit. */
char *cli_format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Make *arr (of *cap items of size bytes) hold at least need items: the capacity doubles
 * from 8, as the library's KL_GROW. Returns 0, or -1 out of memory (*arr untouched). */
int cli_grow(void **arr, size_t *cap, size_t need, size_t size);
/* True if a batch file name is a protected PDF's password (`mNN-password-sms.txt`). */
bool cli_is_password_file(const char *file);

int cli_check(int argc, char **argv);
int cli_render(int argc, char **argv);
int cli_generate(int argc, char **argv);
int cli_catalog(int argc, char **argv);
int cli_readability(int argc, char **argv);
int cli_mark(int argc, char **argv);
int cli_questions(int argc, char **argv);
int cli_status(int argc, char **argv);
int cli_send(int argc, char **argv);
/* `kinletter check --notify` (cli/notify.c): argv as given to check. */
int cli_check_notify(int argc, char **argv);
int cli_serve(int argc, char **argv);

/* After `generate`: record every member's outcome of the batch (written with file,
 * SHA-256 and pages; failed or not contacted with the reason) in the correspondence
 * record, DIR/record.db or `record` (cli/record.c). Prints problems; returns an exit code. */
int cli_record_batch(kl_context *ctx, const kl_review *rv, const char *out_dir, const char *record,
                     const char *template_name, const char *date, const kl_batch_result *res);
/* Before `generate --template outcome`: a member with a question not yet answered in the
 * record is held back (named on stderr with the question's number), so no question is
 * silently lost. *filter (allocated, n_filter ids borrowed from rv) is the member filter to
 * use when *held > 0; untouched otherwise. Returns an exit code. */
int cli_record_hold_unanswered(kl_context *ctx, const kl_review *rv, const char *out_dir,
                               const char *record, const char *template_name,
                               const char *const *members, size_t n_members, const char ***filter,
                               size_t *n_filter, size_t *held);

/* The review's questions and answers from the record (none when there is no record), for
 * the letters' <questions> element: *qa (allocated, free()) borrows its strings from *st
 * (kl_record_status_free after the batch). Returns an exit code. */
int cli_record_questions(kl_context *ctx, const kl_review *rv, const char *out_dir,
                         const char *record, kl_record_status **st, kl_letter_qa **qa,
                         size_t *n_qa);

/* Write output for a subcommand: to standard output when path is NULL, else
 * to path with mode 0600 through a temporary file in the same directory and
 * a rename, refusing to replace an existing file unless force. Prints any
 * error; returns an exit code (EXIT_USAGE when the file exists). */
int cli_write_output(const char *path, const void *data, size_t len, bool force);

/* `kinletter render --format pdf` (cli/render_pdf.c): render the composed
 * letter as PDF and write it with cli_write_output(out_path, ..., force).
 * Print problems (the context's diagnostics are already printed); return an
 * exit code. */
int cli_render_pdf(kl_context *ctx, const kl_letter *letter, const char *out_path, bool force);

#endif
