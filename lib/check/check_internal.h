/* SPDX-License-Identifier: MIT */
/* check/check_internal.h: checks that read composed outputs (internal). */
#ifndef KL_CHECK_INTERNAL_H
#define KL_CHECK_INTERNAL_H

#include "core/core.h"
#include "kinletter/review.h"
#include "compose/doc.h"
#include "kinletter/readability.h"

/* The disclosure check, run after composing and before writing anything:
 * none of texts (the letter's text, the email subject and body, the SMS)
 * may contain another member's address line, town, postcode, phone or
 * email, nor any withheld contact detail (a member with contact="none" or
 * reached via a professional).
 *
 * What passes: the reader's own details (unless the reader is withheld),
 * even when another member shares them (a shared home); details that the
 * review itself prints in every letter (the partnership's town, say).
 * Matching ignores case, spacing, punctuation and line breaks, but only at
 * word boundaries ("Easton" is not found in "please tonight"); phone
 * numbers match in any form (07700 900456, +44 7700 900456).
 *
 * member may be NULL (a text for nobody in particular, such as the batch
 * record): then every member's details are caught.
 * Returns 0, or KL_EDATA with the error set (naming the other member and
 * the kind of detail, never the detail itself), or KL_ENOMEM. */
int kl_check__disclosure(kl_context *ctx, const kl_review *review, const kl_member *member,
                         const char *const *texts, size_t n_texts);

/* The same check with the review's details indexed once, for a batch:
 * build the index once, then run it for each member from any number of
 * threads (the index is read-only after it is built). */
typedef struct kl_disclosure_index kl_disclosure_index;
int kl_check__disclosure_index_new(kl_context *ctx, const kl_review *review,
                                   kl_disclosure_index **out);
void kl_check__disclosure_index_free(kl_disclosure_index *idx);
int kl_check__disclosure_run(kl_context *ctx, const kl_disclosure_index *idx,
                             const kl_member *member, const char *const *texts, size_t n_texts);

/* Normalise for matching: ASCII letters lowered, every whitespace and
 * punctuation character dropped (so line breaks and spacing cannot hide a
 * match). Allocated. Exposed for tests. */
char *kl_check__squash(const char *s);

/* If s looks like a UK phone number, write its national digits ("07700900123")
 * into out (at least 16 bytes) and return true. */
bool kl_check__phone_digits(const char *s, char *out);

/* Readability (readability.c; kl_readability_check() is the public entry):
 * the same measures for a document tree built by hand (tests) or by
 * compose. catalogs and review may be NULL (no word lists; no masking of
 * the review's names and no kindness check). */
int kl_check__readability_doc(kl_context *ctx, const kl_doc *doc, kl_catalog_set *catalogs,
                              const kl_review *review, kl_reading variant, kl_readability **out);

#endif
