/* SPDX-License-Identifier: MIT */
/* tests/unit/support.h: helpers shared by the unit tests. */
#ifndef KL_TEST_SUPPORT_H
#define KL_TEST_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/core.h"

/* Collects every diagnostic reported on a context, for assertions. */
typedef struct kl_test_diags {
    size_t n;
    kl_diagnostic items[64];
    char text[64][512]; /* "source:line:col: message" */
} kl_test_diags;

kl_context *kl_test_context(kl_test_diags *diags);
/* Index of the first diagnostic whose message contains needle, or -1. */
int kl_test_find_diag(const kl_test_diags *d, const char *needle);
/* Path to a file under the source tree (static buffer, not reentrant). */
const char *kl_test_src(const char *rel);
/* Write text to a new temporary file and return its path (static buffer). */
const char *kl_test_tmpfile(const char *name, const char *text, size_t len);

/* The project's fonts (fonts/fonts.xml), for text, layout and pdf tests:
 * a cmocka group setup and teardown that load and free kl_test_fonts. */
struct kl_fontset;
extern struct kl_fontset *kl_test_fonts;
int kl_test_fonts_setup(void **state);
int kl_test_fonts_teardown(void **state);

#endif
