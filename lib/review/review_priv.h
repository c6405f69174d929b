/* SPDX-License-Identifier: MIT */
/* review/review_priv.h: the review module's own shared declarations. */
#ifndef KL_REVIEW_PRIV_H
#define KL_REVIEW_PRIV_H

#include "review/review_internal.h"

#include <libxml/relaxng.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/* ---- the loaded review (review.c) ----------------------------------------
 * Every string and array a kl_review hands out lives in its arena: a list of
 * blocks freed together with the review. */
typedef struct kl_arena_block kl_arena_block;
typedef struct kl_disclosure_builder kl_disclosure_builder;

typedef struct kl_member_extra {
    xmlNodePtr node; /* while loading; NULL once the review is read (view.c) */
    /* Once read: the <member> element as XML text (in the arena), xml_len bytes; when zlen, the
     * text is raw deflate of zlen bytes with the first member's text as preset dictionary
     * (view.c): members' elements are alike, so each keeps about a sixth of its text. */
    const char *xml;
    uint32_t xml_len, zlen;
    kl_member_brief brief;
    /* Where each contact was written (line, column: 2 a contact), for the member made again
     * from its text, which has no positions of the file's. */
    const uint32_t *contact_pos;
} kl_member_extra;

struct kl_review {
    kl_arena_block *arena;
    /* While a member is read at load: its strings and arrays go to these blocks (freed once
     * its brief is kept) instead of the arena. */
    kl_arena_block **alloc_to;
    size_t block_size; /* of its arena's blocks; 0: ARENA_BLOCK (review.c) */
    /* Members made for kl_review_member() (made[i], or NULL until asked for), under lock. */
    kl_member **made;
    pthread_mutex_t lock;
    xmlDocPtr doc; /* while loading: freed once the review is read (kl_review__compact) */
    /* Once read: the document without its members as XML text, split where the first member
     * was (view.c puts one member, or all, between head and tail). */
    const char *view_head, *view_tail;
    size_t view_head_len, view_tail_len;
    kl_review_info info;
    kl_member_extra *extra;
    size_t n_members;
    size_t n_errors, n_warnings;
    kl_disclosure *disclosure; /* built at the end of loading */
};

/* Once the review is read, validated and checked (view.c): every member's element and the rest
 * of the document kept as XML text, and the document freed. 0, KL_ENOMEM or KL_EBACKEND. */
int kl_review__compact(kl_review *rv);
/* Member k's element kept as text (whole: its content read), as kl_review__compact keeps it;
 * *stream: the deflate state shared by the members (freed by kl_review__keep_end). 0, KL_ENOMEM
 * or KL_EBACKEND. */
int kl_review__keep_member(kl_review *rv, void **stream, size_t k, xmlNodePtr whole);
void kl_review__keep_end(void **stream);

/* Index every member's identifying details (disclosure.c), one member at a time as the members
 * are read: begin (once the review-wide details are read), add each member (its whole element,
 * once its kl_member is built), then end (rv->disclosure set). n: the members to come. 0 or
 * KL_ENOMEM (KL_EINVAL: members out of order); free releases a
 * builder that never reached end. */
int kl_review__disclosure_begin(kl_review *rv, size_t n, kl_disclosure_builder **out);
int kl_review__disclosure_add(kl_disclosure_builder *b, const kl_member *m, size_t k,
                              xmlNodePtr member);
int kl_review__disclosure_end(kl_disclosure_builder *b, kl_review *rv);
void kl_review__disclosure_builder_free(kl_disclosure_builder *b);

/* Blocks a member was read into (rv->alloc_to): reset keeps one, emptied, for the next
 * member; free releases them all. */
void kl_review__blocks_reset(kl_arena_block **chain);
void kl_review__blocks_free(kl_arena_block *chain);
/* n 32-bit numbers from the arena, zeroed; NULL on failure. */
uint32_t *kl_review__alloc_u32(kl_review *rv, size_t n);

/* Arena allocation; NULL on failure (callers check, or check review->oom). */
void *kl_review__alloc(kl_review *rv, size_t n);
char *kl_review__alloc_chars(kl_review *rv, size_t n); /* not aligned: for text */
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

/* ---- loading a review ------------------------------------------------------
 * load.c runs the steps, each in its own file: parse.c (the XML, with what
 * libxml2 must never see refused first), structure.c (unknown, repeated and
 * missing elements and attributes), info.c (the review-wide details),
 * schema.c (the embedded RELAX NG), family_csv.c (a CSV family list into
 * <member> elements), member.c (one member), crosscheck.c (review-wide text
 * against the members' details); tree.c reads elements and attributes and
 * diag.c says where a node came from and reports. */
#define KL_REVIEW_NS         "urn:kinletter:review:1"
#define KL_REVIEW_FORMAT_DOC "see docs/REVIEW-FORMAT.md"
#define KL_COUNT(a)          ((int)(sizeof(a) / sizeof((a)[0])))

/* Where a CSV-born element came from (its _private). */
typedef struct kl_csv_origin {
    const char *source;
    unsigned row;
    const int *cols; /* 1-based column number of each CSV column, 0 if absent */
    bool broken;     /* the row itself was malformed (already reported) */
} kl_csv_origin;

/* XML-born elements keep the byte offset of their start tag in _private,
 * tagged with the low bit so it cannot be mistaken for a kl_csv_origin. */
#define KL_REVIEW_TAG_OFFSET(off) ((void *)(((uintptr_t)(off) << 1) | 1u))
#define KL_REVIEW_IS_OFFSET(p)    (((uintptr_t)(p)&1u) != 0)
#define KL_REVIEW_OFFSET_OF(p)    ((size_t)((uintptr_t)(p) >> 1))

/* A <member> of <family> as the file has it: its start tag's offset and the offset after its end
 * tag in the loader's text. Once parsed, the element is left empty (node: no attributes or
 * children) and parsed again from that text whenever its content is read
 * (kl_review__member_open): the review's tree never holds more than one member whole. */
typedef struct kl_member_range {
    xmlNodePtr node;
    size_t start, end;
} kl_member_range;

typedef struct kl_loader {
    kl_context *ctx;
    kl_review *rv;
    const char *source;
    const char *base_dir;
    const char *text;
    size_t len;
    size_t *lines;
    size_t n_lines;
    bool oom;
    int parse_rc;
    unsigned n_elements;
    /* diagnostics state */
    bool member_mode;
    const char *member_id;
    bool member_failed;
    bool file_failed;
    unsigned n_valid_errors, n_valid_reported;
    bool quiet;             /* count schema errors without reporting them */
    bool silent;            /* a member made again (review.c): nothing is reported */
    unsigned fallback_line; /* for schema errors that name no node */
    xmlNsPtr ns;
    /* The family's members as parsed (parse.c), in document order; none for a CSV family. */
    kl_member_range *ranges;
    size_t n_ranges, cap_ranges;
    /* A CSV family's rows (family_csv.c), read again as each member is; cols: its columns. */
    struct kl_csv *csv;
    const int *csv_cols;
    const char **interned; /* the members' languages and sources, once each (load.c) */
    size_t n_interned, cap_interned;
    kl_disclosure_builder *disclosure; /* while the members are read (disclosure.c) */
    void *keep_stream;                 /* deflate state for the members' texts (view.c) */
} kl_loader;

typedef struct kl_loader_pos {
    const char *source;
    unsigned line, col;
    const char *column_name; /* CSV only */
} kl_loader_pos;

/* diag.c: where a node (or its attribute attr) is: file:line:col, or CSV
 * row and column. */
kl_loader_pos kl_review__node_pos(kl_loader *L, xmlNodePtr node, const char *attr);
/* An error: for the current member when checking members, else for the file. */
KL_PRINTF(5, 6)
void kl_review__problem(kl_loader *L, xmlNodePtr node, const char *attr, const char *hint,
                        const char *fmt, ...);
KL_PRINTF(5, 6)
void kl_review__warning(kl_loader *L, xmlNodePtr node, const char *attr, const char *hint,
                        const char *fmt, ...);

/* parse.c: 0, or the error (reported). */
int kl_review__prescan(kl_loader *L);
int kl_review__parse_xml(kl_loader *L, xmlDocPtr *out);

/* Member k's element whole: parsed again from the file's text in place of its empty element
 * (an XML family), or the element itself (a CSV family); NULL when out of memory (L->oom set).
 * kl_review__member_close puts the empty element back and frees the whole one. */
xmlNodePtr kl_review__member_open(kl_loader *L, size_t k);
void kl_review__member_close(kl_loader *L, size_t k, xmlNodePtr whole);
/* Release what the loader holds for the members (ranges, streams, builders). */
void kl_review__loader_free(kl_loader *L);

/* schema.c: the embedded schema from define `start` (NULL: <review>), any
 * member content allowed when any_members; NULL on failure. */
xmlRelaxNGPtr kl_review__compile_schema(kl_loader *L, const char *start, bool any_members);
/* 0 valid, 1 invalid (reported), <0 failure of libxml2 itself. */
int kl_review__validate_subtree(kl_loader *L, xmlRelaxNGPtr schema, xmlNodePtr m);
int kl_review__validate_review(kl_loader *L, xmlRelaxNGPtr schema, xmlNodePtr root);

/* tree.c: elements of the review namespace, normalised text (NULL when
 * absent; "" with L->oom set when out of memory), checked values (reported
 * when wrong). */
extern const char *const kl_review__genders[3];
bool kl_review__is_el(xmlNodePtr n, const char *name);
xmlNodePtr kl_review__child(xmlNodePtr n, const char *name);
xmlNodePtr kl_review__next_el(xmlNodePtr n, const char *name);
const char *kl_review__attr(kl_loader *L, xmlNodePtr n, const char *name);
const char *kl_review__text_of(kl_loader *L, xmlNodePtr n);
int kl_review__pick(const char *v, const char *const *names, int n);
int kl_review__enum_attr(kl_loader *L, xmlNodePtr n, const char *name, const char *const *names,
                         int count, int dflt, const char *what);
kl_date kl_review__date_attr(kl_loader *L, xmlNodePtr n, const char *name, bool *given);
const char *kl_review__locale_attr(kl_loader *L, xmlNodePtr n, const char *name);
void kl_review__build_address(kl_loader *L, xmlNodePtr a, kl_address *out, bool for_post,
                              size_t name_lines);

/* structure.c */
void kl_review__check_review_structure(kl_loader *L, xmlNodePtr root);
void kl_review__check_member_structure(kl_loader *L, xmlNodePtr mn);

/* info.c: the review-wide details into L->rv->info. */
void kl_review__read_info(kl_loader *L, xmlNodePtr root);
/* A `src` inside the review file's directory: the joined path (allocated),
 * or NULL with *why set (NULL when out of memory). */
char *kl_review__inside_base(kl_loader *L, const char *src, const char **why);

/* member.c: one member into m and x (problems reported, x->ok set). */
void kl_review__build_member(kl_loader *L, xmlNodePtr mn, kl_member *m, kl_member_extra *x,
                             xmlRelaxNGPtr member_schema);

/* family_csv.c: the CSV columns, and family@src read into <member> elements. */
extern const char *const kl_review__csv_names[];
int kl_review__csv_col_for(const char *elem, const char *attr);
int kl_review__load_csv(kl_loader *L, xmlNodePtr family, size_t max_bytes, unsigned max_members);
/* Member k of a CSV family as a whole <member> element made from its row (not in the tree);
 * NULL when the family is not from CSV, or out of memory (L->oom set). */
xmlNodePtr kl_review__csv_member(kl_loader *L, size_t k);

/* crosscheck.c: review-wide text against every member's details: 0, or the
 * error (each hit reported for its member). */
int kl_review__check_disclosure(kl_loader *L);

#endif
