/* SPDX-License-Identifier: MIT */
/* review/review_internal.h: what other modules read from a loaded review. */
#ifndef KL_REVIEW_INTERNAL_H
#define KL_REVIEW_INTERNAL_H

#include "core/core.h"
#include "kinletter/review.h"

#include <libxml/tree.h>

typedef struct kl_service {
    const char *name;
    const char *phone; /* may be NULL */
    const char *web;   /* may be NULL */
} kl_service;

/* Everything about the review that is not a family member. Borrowed strings,
 * owned by the kl_review. Optional items are NULL (or n_* == 0). */
typedef struct kl_review_info {
    const char *id;
    kl_review_type type;
    const char *source; /* the review file's path (or buffer name) */

    const char *partnership_name;
    kl_address partnership_address;
    const char *partnership_phone;
    const char *partnership_email;
    const char *partnership_web; /* may be NULL */
    const char *logo_path;       /* resolved against the review's directory; may be NULL */
    const char *logo_alt;        /* may be NULL */

    const char *subject_given;
    const char *subject_family; /* may be NULL */
    kl_gender subject_gender;
    int subject_age;  /* -1 when absent */
    int subject_died; /* 1 died, 0 seriously harmed */

    kl_date decided, letter, expected_end, period_from, period_to;
    int letter_date_given; /* 0: dates.letter is today's date, filled at load */

    const char *reviewer_name; /* may be NULL */
    const char *reviewer_role; /* may be NULL */

    const char *contact_name;
    const char *contact_role; /* may be NULL */
    const char *contact_phone;
    const char *contact_mobile; /* may be NULL */
    const char *contact_email;
    const char *contact_hours; /* may be NULL */

    const char *const *agencies;
    size_t n_agencies;
    const kl_service *services;
    size_t n_services;

    int publication; /* 1 planned, 0 not planned, -1 not said */
} kl_review_info;

const kl_review_info *kl_review__info(const kl_review *review);

/* The review as one XML document in the urn:kinletter:review:1 namespace,
 * with a CSV family list already turned into <member> elements, so template
 * conditions (XPath) see one shape whatever the source. Borrowed. */
xmlDocPtr kl_review__doc(const kl_review *review);
/* The <member> element of a member. Borrowed. */
xmlNodePtr kl_review__member_node(const kl_review *review, const kl_member *member);

/* Every piece of personal contact data of a member (address lines, town,
 * postcode, email, phone), for the disclosure check. Borrowed; *n set. */
const char *const *kl_review__member_private_strings(const kl_review *review,
                                                     const kl_member *member, size_t *n);

#endif
