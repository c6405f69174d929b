/* SPDX-License-Identifier: MIT */
/* compose/compose.h: template + review + member + catalogs into a document tree (internal). */
#ifndef KL_COMPOSE_H
#define KL_COMPOSE_H

#include "compose/doc.h"
#include "kinletter/letter.h"
#include "review/review_internal.h"

struct kl_letter {
    kl_doc *doc;
    kl_disclosure *disclosure; /* the review's index (a reference: outlives the review) */
    size_t reader;             /* the member's position in the review */
    kl_where where;            /* the member's line and column in the review file */
    char *checked;             /* the tree's text as the disclosure check passed it when composed */
    size_t checked_len;        /* (kl_letter__check scans the tree again only if it changed) */
};

/* The disclosure check (review/disclosure.c) on a whole document tree, for
 * the member at position reader: 0, KL_EDATA (error set at w), KL_ENOMEM. */
int kl_compose__check_doc(kl_context *ctx, const kl_doc *doc, const kl_disclosure *d, size_t reader,
                          kl_where w);

/* The same check on what a renderer made of a letter (its final bytes), or
 * on the letter's tree again when text is NULL. Every public function that
 * returns letter bytes calls it before returning them. */
int kl_letter__check(kl_context *ctx, const kl_letter *letter, const char *text, size_t len,
                     const char *what);

/* Compose one member's letter for one channel (see kl_letter_compose for
 * the results). opts may be NULL. *out is owned by the caller. For the SMS
 * channel only doc->sms is filled; for the others only the letter body. */
int kl_compose__letter(kl_context *ctx, const kl_template *tpl, const kl_review *review,
                       const kl_member *member, kl_channel channel, kl_catalog_set *catalogs,
                       const kl_letter_options *opts, kl_doc **out);

/* "mr", "mrs", "ms", "miss", "mx" or "dr" for a title every catalog
 * translates (common.title.<key>), NULL for any other. */
const char *kl_compose__title_key(const char *title);
/* The catalog message of a role keyword ("family-contact" ->
 * "common.role.family_contact"), NULL for a free-text role. */
const char *kl_compose__role_msgid(const char *role);

/* The document tree of a composed letter (for the PDF renderer). Borrowed. */
const kl_doc *kl_letter__doc(const kl_letter *letter);

#endif
