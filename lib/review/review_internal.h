/* SPDX-License-Identifier: MIT */
/* review/review_internal.h: what other modules read from a loaded review. */
#ifndef KL_REVIEW_INTERNAL_H
#define KL_REVIEW_INTERNAL_H

#include "core/core.h"
#include "kinletter/review.h"

#include <libxml/tree.h>
#include <stdbool.h>
#include <stdint.h>

/* The public opaque types (kinletter/review.h), as the library lays them out.
 * Only the library sees these fields; programs use the kl_member_*(),
 * kl_contact_*() and kl_address_*() accessors. */
struct kl_address {
    const char *const *lines; /* street lines, n_lines of them */
    size_t n_lines;
    const char *town;     /* may be NULL */
    const char *postcode; /* normalised ("NT2 7QP") */
};

struct kl_contact {
    kl_channel channel;
    const kl_address *address; /* post */
    const char *email;         /* email */
    const char *phone;         /* sms: normalised UK mobile ("07700 900456") */
    const char *professional;  /* via-professional: who hands the letter over */
    unsigned line, column;     /* where it was written (CSV: row, column) */
};

struct kl_member {
    const char *id;
    const char *relationship;
    kl_gender gender;
    int age;                     /* -1 when not given */
    int parental_responsibility; /* 1, 0, or -1 when not given */
    const char *title;           /* may be NULL */
    const char *given;
    const char *family;      /* may be NULL */
    const char *locale;      /* BCP 47, canonical; may be NULL if contact none */
    const char *also;        /* second language of a bilingual letter, or NULL */
    const char *interpreter; /* language an interpreter is needed for, or NULL */
    kl_reading reading;
    double print_size;         /* body size in points */
    const char *print_profile; /* "standard", "large", "very-large" or "custom" */
    const kl_contact *contacts;
    size_t n_contacts;
    int contact_none;      /* 1 for contact="none" */
    const char *reason;    /* why no contact (contact="none"), or NULL */
    const char *source;    /* file the member came from (review or CSV) */
    unsigned line, column; /* where the <member> starts (CSV: row, 1) */
    /* Made on demand from the review's kept text (review.c): the review it belongs to, its
     * position there, and the blocks its strings and arrays live in (freed with it). */
    const kl_review *owner;
    void *blocks;
    void *view; /* kl_review__member_make_view: the document it was read from, not yet taken */
    uint32_t index;
};

typedef struct kl_service {
    const char *name;
    const char *phone; /* may be NULL */
    const char *web;   /* may be NULL */
} kl_service;

/* One line of structured contact hours (<hours days="mon-thu" from="09:00"
 * to="16:00"/>): the days as runs in the order written (0 Monday .. 6
 * Sunday; a single day has first == last), and the times in minutes after
 * midnight. */
typedef struct kl_hours {
    struct {
        signed char first, last;
    } spans[7];
    size_t n_spans;
    int from, to;
} kl_hours;

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
    const char *contact_hours; /* free text; may be NULL */
    const kl_hours *hours;     /* structured hours (<contact><hours/>), in order */
    size_t n_hours;

    const char *const *agencies;
    size_t n_agencies;
    const kl_service *services;
    size_t n_services;

    int publication;     /* 1 planned, 0 not planned, -1 not said */
    int reply_wait_days; /* <follow-up reply-wait-days>: days to wait for a reply; 0 = not said */
    bool protect_email;  /* <protect email="true"/>: email members' PDFs are encrypted */
} kl_review_info;

const kl_review_info *kl_review__info(const kl_review *review);

/* What a loaded review keeps of each member for the whole run (its kl_member is not kept: it is
 * made again from the member's kept text when asked for). */
typedef struct kl_member_brief {
    const char *id; /* NULL if the member had none */
    const char *relationship;
    const char *locale, *also;
    const char *source;    /* as kl_member's */
    unsigned line, column; /* as kl_member's */
    unsigned channels;     /* 1u << kl_channel for each of its contacts' channels */
    unsigned n_contacts;
    bool contact_none;
    bool ok;          /* as kl_review_member_ok() */
    kl_format format; /* needs@format */
} kl_member_brief;

/* Member i's brief, or NULL (i out of range). */
const kl_member_brief *kl_review__brief(const kl_review *review, size_t i);
/* The position of the member with this id, or KL_DISCLOSURE_NOBODY (no member is made). */
size_t kl_review__find_index(const kl_review *review, const char *id);
/* The position of the member whose brief b is (from kl_review__brief), or KL_DISCLOSURE_NOBODY. */
size_t kl_review__brief_index(const kl_review *review, const kl_member_brief *b);
/* Member i made anew, for the caller alone (threads may make members of one review at once;
 * the review is not changed): the same fields kl_review_member(review, i) has. The caller frees
 * it with kl_review__member_free. 0, KL_EINVAL (no member i), KL_ENOMEM or KL_EBACKEND. */
int kl_review__member_make(const kl_review *review, size_t i, kl_member **out);
/* The same, keeping the document the member was read from (the review-wide parts and this
 * member: what a letter's view is) for the first kl_review__member_doc() of the member to take,
 * instead of parsing it again (a batch composes each member's letter once it is made). */
int kl_review__member_make_view(const kl_review *review, size_t i, kl_member **out);
void kl_review__member_free(kl_member *m);

/* The review as a letter's template conditions (XPath) see it: one XML document
 * in the urn:kinletter:review:1 namespace with the review-wide parts and ONLY
 * this member's <member> element (*member_node), a CSV family list's row
 * already turned into one, so templates see one shape whatever the source and
 * cannot read another member's details. Made anew from the compact copy the
 * loaded review keeps (its whole document is freed once it is read), so
 * workers may make views of one review at once; the caller frees it with
 * xmlFreeDoc. NULL if out of memory. */
xmlDocPtr kl_review__member_doc(const kl_review *review, const kl_member *member,
                                xmlNodePtr *member_node);
/* The whole review (every member) as a new document, for making another
 * review from it; the caller frees it. NULL if out of memory. */
xmlDocPtr kl_review__whole_doc(const kl_review *review);

/* ---- disclosure (disclosure.c; the model is in docs/SECURITY.md) --------------
 * Every member's identifying details (phone numbers, emails, postcodes,
 * address lines), indexed when the review is loaded, and the check that a
 * text for one member (the reader) holds none of another member's. The index
 * is reference-counted so a composed letter can keep it after the review is
 * freed; it is immutable, so threads share it. */
typedef struct kl_disclosure kl_disclosure;
#define KL_DISCLOSURE_NOBODY ((size_t)-1) /* reader of review-wide text, the record */
/* Flag: the reader's own details pass even if the reader is withheld (the
 * review file's own fields, not an output). */
#define KL_DISCLOSURE_OWN_ALWAYS 1u

typedef struct kl_disclosure_hit {
    const char *kind;      /* "a phone number", "an address line", ... */
    const char *member_id; /* whose detail it is (borrowed from the index) */
    bool withheld;         /* that member's contact details are withheld */
    bool own;              /* the reader's own detail, and the reader is withheld */
} kl_disclosure_hit;

const kl_disclosure *kl_review__disclosure(const kl_review *review);
kl_disclosure *kl_disclosure__ref(const kl_disclosure *d);
void kl_disclosure__unref(kl_disclosure *d);
/* The member's position in the review (the reader), or KL_DISCLOSURE_NOBODY. */
size_t kl_review__member_index(const kl_review *review, const kl_member *member);
/* 0 (nothing found), KL_EDATA (*hit filled), KL_ENOMEM or KL_EBACKEND. */
int kl_disclosure__find(const kl_disclosure *d, size_t reader, unsigned flags, const char *text,
                        size_t len, kl_disclosure_hit *hit);
/* The same, with a hit reported as an error on ctx ("<what> holds a phone
 * number of member m04") at w: 0, KL_EDATA, KL_ENOMEM or KL_EBACKEND. */
int kl_disclosure__scan(kl_context *ctx, const kl_disclosure *d, size_t reader, unsigned flags,
                        const char *text, size_t len, kl_where w, const char *what);
int kl_disclosure__report(kl_context *ctx, const kl_disclosure_hit *hit, kl_where w,
                          const char *what);
/* A phone number's national significant number (no +44, 0044, trunk 0),
 * whatever its separators and digits; false if it is not a phone number. */
bool kl_review__phone_key(const char *s, char *out, size_t cap);

#endif
