/* SPDX-License-Identifier: MIT */
/* cli/cli.h: shared helpers for the kinletter command's subcommands. */
#ifndef KL_CLI_H
#define KL_CLI_H

#include <kinletter.h>
#include <stdbool.h>
#include <stdio.h>

/* Exit codes (STYLE.md): done, some work failed (reported), usage or input error. */
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
/* True if arg is --help or -h. */
bool cli_is_help(const char *arg);
/* The path of the bundled example review (allocated), or NULL with an error printed. */
char *cli_example_review(kl_context *ctx);

int cli_check(int argc, char **argv);

#endif
