/* SPDX-License-Identifier: MIT */
/* compose/compose.h: template + review + member + catalogs into a document tree (internal). */
#ifndef KL_COMPOSE_H
#define KL_COMPOSE_H

#include "compose/doc.h"
#include "kinletter/letter.h"

struct kl_letter {
    kl_doc *doc;
};

/* Compose one member's letter for one channel (see kl_letter_compose for
 * the results). opts may be NULL. *out is owned by the caller. For the SMS
 * channel only doc->sms is filled; for the others only the letter body. */
int kl_compose__letter(kl_context *ctx, const kl_template *tpl, const kl_review *review,
                       const kl_member *member, kl_channel channel, kl_catalog_set *catalogs,
                       const kl_letter_options *opts, kl_doc **out);

/* The document tree of a composed letter (for the PDF renderer). Borrowed. */
const kl_doc *kl_letter__doc(const kl_letter *letter);

#endif
