/* SPDX-License-Identifier: MIT */
/* mail/mail.h: an email member's letter as an RFC 5322 / MIME draft (internal). */
#ifndef KL_MAIL_H
#define KL_MAIL_H

#include "kinletter/common.h"
#include <stddef.h>

/* What a draft holds. Every string is UTF-8 and borrowed. */
typedef struct kl_mail_draft {
    const char *from_name, *from_email; /* the review's contact: From and Reply-To */
    const char *to_name, *to_email;     /* the member */
    const char *subject;                /* encoded per RFC 2047 */
    const char *body;                   /* text/plain; charset=utf-8, quoted-printable */
    const unsigned char *pdf;           /* the letter, attached as application/pdf */
    size_t pdf_len;
    const char *pdf_file;   /* safe ASCII file name ("m03-email.pdf") */
    const char *pdf_title;  /* UTF-8 name (Content-Type name, RFC 2231), or NULL */
    const char *date;       /* "YYYY-MM-DDTHH:MM:SSZ" */
    const char *message_id; /* without angle brackets: "local@domain" */
    const char *boundary;   /* the multipart boundary: ASCII, found in no part */
} kl_mail_draft;

/* The draft as a multipart/mixed message with CRLF line ends and
 * X-Unsent: 1; the same draft gives the same bytes. *out allocated (kl_free). 0, KL_EBACKEND or
 * KL_ENOMEM; errors reported on ctx name no personal data. *head_len is the length of the top-level
 * header block (for the disclosure check). */
int kl_mail__eml(kl_context *ctx, const kl_mail_draft *d, unsigned char **out, size_t *len,
                 size_t *head_len);

/* The From address and the first To address of a draft (allocated, kl_free), and how many
 * recipients it names in To, Cc and Bcc. 0, or KL_EFORMAT (not a message, or no From or To);
 * errors quote no address. */
int kl_mail__addresses(kl_context *ctx, const unsigned char *eml, size_t len, char **from,
                       char **to, size_t *n_to);

#endif
