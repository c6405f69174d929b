/* SPDX-License-Identifier: MIT */
/* check/check_internal.h: checks that read composed outputs (internal). */
#ifndef KL_CHECK_INTERNAL_H
#define KL_CHECK_INTERNAL_H

#include "core/core.h"
#include "kinletter/review.h"

/* The disclosure check, run after composing and before writing anything:
 * none of texts (the letter's text, the email subject and body, the SMS)
 * may contain another member's address line, postcode, phone or email, nor
 * any withheld contact detail (a member with contact="none" or reached via
 * a professional). The member's own details are allowed unless withheld.
 * Returns 0, or KL_EDATA with the error set (naming the other member and the
 * kind of detail, never the detail itself), or KL_ENOMEM. */
int kl_check__disclosure(kl_context *ctx, const kl_review *review, const kl_member *member,
                         const char *const *texts, size_t n_texts);

/* Normalise for matching: ASCII letters lowered, every whitespace and
 * punctuation character dropped (so line breaks and spacing cannot hide a
 * match). Allocated. Exposed for tests. */
char *kl_check__squash(const char *s);

/* If s looks like a UK phone number, write its national digits ("07700900123")
 * into out (at least 16 bytes) and return true. */
bool kl_check__phone_digits(const char *s, char *out);

#endif
