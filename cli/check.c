/* SPDX-License-Identifier: MIT */
/* cli/check.c: `kinletter check`: validate a review file (placeholder until the review module
 * lands). */
#include "cli.h"

int cli_check(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fputs("kinletter: error: check is not written yet\n", stderr);
    return EXIT_USAGE;
}
