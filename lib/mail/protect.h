/* SPDX-License-Identifier: MIT */
/* mail/protect.h: an email member's PDF encrypted with AES-256 (R6) by libqpdf, and the
 * password that opens it (internal). */
#ifndef KL_MAIL_PROTECT_H
#define KL_MAIL_PROTECT_H

#include "kinletter/common.h"
#include <stddef.h>

/* Words in a password, and the size of the buffer one needs. */
#define KL_MAIL_PASSWORD_WORDS 4
#define KL_MAIL_PASSWORD_MAX   64

/* Number of words in the bundled list (lib/mail/words.txt), and word i (not
 * NUL-terminated: *len bytes), for tests. NULL when i is out of range. */
size_t kl_mail__word_count(void);
const char *kl_mail__word(size_t i, size_t *len);

/* A new random password: KL_MAIL_PASSWORD_WORDS words of the list joined by '-'
 * ("maple-otter-candle-brisk"), drawn with getrandom(2). out holds at least
 * KL_MAIL_PASSWORD_MAX bytes. 0, or KL_EBACKEND when the system has no randomness. */
int kl_mail__password(kl_context *ctx, char *out, size_t cap);

/* pdf encrypted with AES-256 (PDF 2.0 security handler, R6): opened with
 * user_password; printing, copying text and accessibility extraction allowed;
 * changing, assembling, annotating and form filling not (the owner password is
 * random and thrown away). *out is allocated (kl_free). 0, KL_EBACKEND (qpdf
 * failed; the message names no personal data) or KL_ENOMEM. */
int kl_mail__protect_pdf(kl_context *ctx, const unsigned char *pdf, size_t len,
                         const char *user_password, unsigned char **out, size_t *out_len);

#endif
