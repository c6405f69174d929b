/* SPDX-License-Identifier: MIT */
/* cli/serve.c: `kinletter serve`, the coordinator's web page (web/, docs/WEB.md). */
#include "cli.h"

#ifdef KL_HAVE_WEB
int kl_web_serve(int argc, char **argv);
#endif

int cli_serve(int argc, char **argv)
{
#ifdef KL_HAVE_WEB
    return kl_web_serve(argc, argv);
#else
    (void)argc;
    (void)argv;
    fputs("kinletter: error: this kinletter was built without the web page (install "
          "libmicrohttpd-dev and libcrypt-dev and build again)\n",
          stderr);
    return EXIT_USAGE;
#endif
}
