/* SPDX-License-Identifier: MIT */
/* review/review_priv.h: the review module's own shared declarations. */
#ifndef KL_REVIEW_PRIV_H
#define KL_REVIEW_PRIV_H

#include "review/review_internal.h"

#include <stdbool.h>

/* ---- the loaded review (review.c) ----------------------------------------
 * Every string and array a kl_review hands out lives in its arena: a list of
 * blocks freed together with the review. */
typedef struct kl_arena_block kl_arena_block;

typedef struct kl_member_extra {
    xmlNodePtr node;
    int ok;
    kl_format format; /* needs@format */
} kl_member_extra;

struct kl_review {
    kl_arena_block *arena;
    xmlDocPtr doc;
    kl_review_info info;
    kl_member *members;
    kl_member_extra *extra;
    size_t n_members;
    size_t n_errors, n_warnings;
    kl_disclosure *disclosure; /* built at the end of loading */
};

/* Index every member's identifying details (disclosure.c): 0 or KL_ENOMEM. */
int kl_review__disclosure_build(kl_review *rv);

/* Arena allocation; NULL on failure (callers check, or check review->oom). */
void *kl_review__alloc(kl_review *rv, size_t n);
char *kl_review__strdup(kl_review *rv, const char *s);

/* ---- value checks (values.c) ------------------------------------------- */
/* YYYY-MM-DD: 0, or -1 (not in that form) or -2 (no such day). */
int kl_review__parse_date(const char *s, kl_date *out);
int kl_review__date_cmp(kl_date a, kl_date b);
void kl_review__today(kl_date *out);
/* A BCP 47 tag with a known language, canonicalised into out ("en-gb" ->
 * "en-GB"). 0, or -1 (not a tag ICU can read) or -2 (unknown language). */
int kl_review__locale(const char *tag, char *out, size_t cap);
/* A UK postcode, normalised to "NT2 7QP" (out holds at least 9 bytes). */
bool kl_review__postcode(const char *in, char *out);
/* A UK mobile number (07..., +447..., 00447...), normalised to "07700 900456"
 * (out holds at least 13 bytes). */
bool kl_review__mobile(const char *in, char *out);
/* A plausible email address (one @, a dotted domain, no spaces). */
bool kl_review__email_ok(const char *s);
/* An address line GOV.UK Notify would refuse: starts with one of
 * @()=[]"\/,<>~, or says NFA / no fixed abode. Returns a reason or NULL. */
const char *kl_review__bad_address_line(const char *s);
/* A whole number in [lo, hi]. */
bool kl_review__int_in(const char *s, long lo, long hi, long *out);
/* A number of points in [lo, hi] ("14", "16.5"). */
bool kl_review__points_in(const char *s, double lo, double hi, double *out);
/* Contact hours: a days list ("mon-fri", "mon,wed", "mon-thu,sat") into
 * out->spans; NULL, or what is wrong (for the message). */
const char *kl_review__days(const char *s, kl_hours *out);
/* A 24-hour time "00:00" .. "23:59" into minutes after midnight. */
bool kl_review__time(const char *s, int *minutes);
/* Member ids: [A-Za-z0-9_-]{1,64}. */
bool kl_review__id_ok(const char *s);

#endif
