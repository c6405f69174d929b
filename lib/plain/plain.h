/* SPDX-License-Identifier: MIT */
/* plain/plain.h: the document tree as plain text, email and text message (internal). */
#ifndef KL_PLAIN_H
#define KL_PLAIN_H

#include "compose/doc.h"
#include "kinletter/letter.h"

#include <limits.h>

#define KL_PLAIN_WIDTH 72
/* A width for text nobody reads as lines (the disclosure check's copy of a printed letter):
 * each paragraph on one line, its own line breaks kept; no line breaker is run. */
#define KL_PLAIN_NOWRAP UINT_MAX

/* The letter as plain text wrapped at width columns. *out allocated.
 * Returns 0, KL_EBACKEND (ICU) or KL_ENOMEM; errors are reported on ctx. */
int kl_plain__text(kl_context *ctx, const kl_doc *doc, unsigned width, char **out);

/* A printed letter's text for the disclosure check only (kl_letter_render_text's, each
 * paragraph on one line: the same characters, with a space or a line break where wrapping
 * would break a line), checked as kl_letter_render_text checks it. *out allocated. */
int kl_plain__check_text(kl_context *ctx, const kl_letter *letter, char **out);

/* Subject (one line) and body (wrapped at 72 columns). */
int kl_plain__email(kl_context *ctx, const kl_doc *doc, char **subject, char **body);

/* Segments of a text message: GSM 03.38 (extension characters count 2;
 * 160 a part, 153 when split) or UCS-2 (70, 67). 0, KL_ELIMIT (over 3
 * parts or 918 characters; info still filled), KL_EPARSE (bad UTF-8). */
int kl_plain__sms(const char *text, kl_sms_info *info);

/* Wrap one paragraph (UTF-8) with ICU's line breaker for locale, appending
 * to b: first line prefixed by first, the rest by indent. Never breaks
 * inside a URL or an email address (it overflows instead). */
int kl_plain__wrap(kl_context *ctx, kl_buf *b, const char *text, const char *locale, unsigned width,
                   const char *first, const char *indent);

#endif
