/* SPDX-License-Identifier: MIT */
/* cli/main.c: the kinletter command: parse the subcommand and dispatch. */
#include "cli.h"

#include <string.h>

static const cli_subcommand subcommands[] = {
    {"check", "check a review file and summarise the family", cli_check},
    {"render", "write one member's letter as text, email, text message or PDF", cli_render},
    {"generate", "write every member's letters, a batch record and a print pack", cli_generate},
    {"catalog", "translators: check, status, XLIFF export/import, pseudo-locales", cli_catalog},
    {"readability", "measure how easy and kind each member's letters are to read", cli_readability},
    {"mark", "record a letter sent, returned or replied to in the correspondence record", cli_mark},
    {"questions", "record the family's questions and their answers; list what is open",
     cli_questions},
    {"status", "who was told what and when, replies, and the next step due", cli_status},
    {"send", "send the prepared email drafts through the partnership's SMTP server", cli_send},
    {"serve", "the coordinator's web page: reviews, family, previews, letters, record", cli_serve},
};

#define N_SUBCOMMANDS (sizeof subcommands / sizeof subcommands[0])

static void usage(FILE *out)
{
    fputs("Usage: kinletter COMMAND [OPTIONS] [ARGS]\n"
          "\n"
          "Write the letters a safeguarding partnership sends to a family when a\n"
          "case review starts, in each person's language, reading level and print size.\n"
          "\n"
          "Commands:\n",
          out);
    for (size_t i = 0; i < N_SUBCOMMANDS; i++)
        fprintf(out, "  %-12s %s\n", subcommands[i].name, subcommands[i].summary);
    fputs("\n"
          "Options:\n"
          "  -h, --help     show this help (or `kinletter COMMAND --help`)\n"
          "  --version      show the version\n"
          "\n"
          "With no REVIEW, commands use the bundled example review.\n"
          "Exit status: 0 done, 1 some work failed (reported), 2 usage or input error.\n",
          out);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (cli_is_help(argv[1])) {
        usage(stdout);
        return EXIT_DONE;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("kinletter %s\n", kl_version());
        return EXIT_DONE;
    }
    for (size_t i = 0; i < N_SUBCOMMANDS; i++) {
        if (strcmp(argv[1], subcommands[i].name) != 0)
            continue;
        /* `kinletter COMMAND --version` works for every command. */
        for (int a = 2; a < argc && strcmp(argv[a], "--") != 0; a++)
            if (strcmp(argv[a], "--version") == 0) {
                printf("kinletter %s\n", kl_version());
                return EXIT_DONE;
            }
        return subcommands[i].run(argc - 1, argv + 1);
    }
    fprintf(stderr, "kinletter: error: unknown command '%s' (see kinletter --help)\n", argv[1]);
    return EXIT_USAGE;
}
