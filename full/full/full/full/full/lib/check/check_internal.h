/* SPDX-License-Identifier: MIT */
/* check/check_internal.h: checks that read composed outputs (internal). */
#ifndef KL_CHECK_INTERNAL_H
#define KL_CHECK_INTERNAL_H

#include "core/core.h"
#include "kinletter/review.h"
#include "compose/doc.h"
#include "kinletter/readability.h"

/* Readability (readability.c; kl_readability_check() is the public entry):
 * the same measures for a document tree built by hand (tests) or by
 * compose. catalogs and review may be NULL (no word lists; no masking of
 * the review's names and no kindness check). */
int kl_check__readability_doc(kl_context *ctx, const kl_doc *doc, kl_catalog_set *catalogs,
                              const kl_review *review, kl_reading variant, kl_readability **out);

#endif
