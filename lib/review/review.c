/* SPDX-License-Identifier: MIT */
/* review/review.c: the loaded review's memory and accessors. */
#include "review/review_priv.h"

#include <stdalign.h>
#include <string.h>

/* The review's arena: strings and small arrays are carved from blocks of
 * ARENA_BLOCK bytes (a member's strings were a malloc each, with its
 * header, about 0.5 KB a member over a large family); a large array gets a
 * block of its own. Everything is freed with the review. */
#define ARENA_BLOCK ((size_t)16384)

struct kl_arena_block {
    kl_arena_block *next;
    size_t used, cap; /* bytes of data carved, and its size */
    alignas(max_align_t) unsigned char data[];
};

/* n bytes aligned to align (a power of two up to alignof(max_align_t)),
 * zeroed; NULL on failure. */
static void *arena_get(kl_review *rv, size_t n, size_t align)
{
    if (n > (size_t)-1 / 2)
        return NULL;
    if (!n)
        n = 1;
    kl_arena_block **head = rv->alloc_to ? rv->alloc_to : &rv->arena;
    kl_arena_block *cur = *head;
    if (cur) {
        size_t at = (cur->used + align - 1) & ~(align - 1);
        if (at <= cur->cap && n <= cur->cap - at) {
            cur->used = at + n;
            return cur->data + at;
        }
    }
    size_t block = rv->block_size ? rv->block_size : ARENA_BLOCK;
    bool own = n > block / 4;
    size_t cap = own ? n : block;
    kl_arena_block *b = kl_core__calloc(1, sizeof *b + cap);
    if (!b)
        return NULL;
    b->cap = cap;
    b->used = n;
    if (own && cur) { /* behind the block being carved, which stays first */
        b->next = cur->next;
        cur->next = b;
    } else {
        b->next = cur;
        *head = b;
    }
    return b->data;
}

static void blocks_free(kl_arena_block *b)
{
    while (b) {
        kl_arena_block *next = b->next;
        kl_free(b);
        b = next;
    }
}

void kl_review__blocks_reset(kl_arena_block **chain)
{
    kl_arena_block *b = *chain;
    if (!b)
        return;
    if (b->cap != ARENA_BLOCK) { /* a large array's own block: none to keep */
        blocks_free(b);
        *chain = NULL;
        return;
    }
    blocks_free(b->next);
    b->next = NULL;
    memset(b->data, 0, b->used);
    b->used = 0;
}

void kl_review__blocks_free(kl_arena_block *chain)
{
    blocks_free(chain);
}

uint32_t *kl_review__alloc_u32(kl_review *rv, size_t n)
{
    return n > (size_t)-1 / 8 ? NULL : arena_get(rv, n * sizeof(uint32_t), alignof(uint32_t));
}

void *kl_review__alloc(kl_review *rv, size_t n)
{
    return arena_get(rv, n, alignof(max_align_t));
}

char *kl_review__alloc_chars(kl_review *rv, size_t n)
{
    return arena_get(rv, n, 1);
}

char *kl_review__strdup(kl_review *rv, const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s);
    char *d = arena_get(rv, n + 1, 1);
    if (d)
        memcpy(d, s, n + 1);
    return d;
}

KL_API void kl_review_free(kl_review *review)
{
    if (!review)
        return;
    kl_disclosure__unref(review->disclosure);
    if (review->doc)
        xmlFreeDoc(review->doc);
    for (size_t i = 0; review->made && i < review->n_members; i++)
        kl_review__member_free(review->made[i]);
    kl_free(review->made);
    pthread_mutex_destroy(&review->lock);
    blocks_free(review->arena);
    kl_free(review);
}

KL_API const char *kl_review_id(const kl_review *review)
{
    return review ? review->info.id : NULL;
}

KL_API kl_review_type kl_review_get_type(const kl_review *review)
{
    return review ? review->info.type : KL_REVIEW_LCSPR;
}

KL_API size_t kl_review_member_count(const kl_review *review)
{
    return review ? review->n_members : 0;
}

/* A review keeps each member's text and brief, not its kl_member (a large family's members
 * were most of what a batch kept for the whole run): the first kl_review_member() call for a
 * member makes it from its text (kl_review__member_make) and the review keeps it from then on,
 * so the pointer stays valid until the review is freed, as it always was. The library's own
 * batch makes each member for the time it is worked on instead. */
KL_API const kl_member *kl_review_member(const kl_review *review, size_t i)
{
    if (!review || i >= review->n_members)
        return NULL;
    kl_review *rv = (kl_review *)review; /* the cache only: what a caller reads is unchanged */
    kl_member *m = NULL;
    pthread_mutex_lock(&rv->lock);
    if (!rv->made)
        rv->made = kl_core__calloc(rv->n_members, sizeof *rv->made);
    if (rv->made && !(m = rv->made[i]) && kl_review__member_make(rv, i, &m) == 0)
        rv->made[i] = m;
    pthread_mutex_unlock(&rv->lock);
    return m;
}

size_t kl_review__find_index(const kl_review *review, const char *id)
{
    for (size_t i = 0; review && id && i < review->n_members; i++) {
        const char *mid = review->extra[i].brief.id;
        if (mid && strcmp(mid, id) == 0)
            return i;
    }
    return KL_DISCLOSURE_NOBODY;
}

KL_API const kl_member *kl_review_find_member(const kl_review *review, const char *id)
{
    size_t i = kl_review__find_index(review, id);
    return i == KL_DISCLOSURE_NOBODY ? NULL : kl_review_member(review, i);
}

const kl_member_brief *kl_review__brief(const kl_review *review, size_t i)
{
    return review && i < review->n_members ? &review->extra[i].brief : NULL;
}

size_t kl_review__brief_index(const kl_review *review, const kl_member_brief *b)
{
    if (!review || !b || !review->n_members)
        return KL_DISCLOSURE_NOBODY;
    uintptr_t at = (uintptr_t)b, first = (uintptr_t)&review->extra[0].brief;
    size_t i = at >= first ? (size_t)(at - first) / sizeof *review->extra : review->n_members;
    return i < review->n_members && &review->extra[i].brief == b ? i : KL_DISCLOSURE_NOBODY;
}

size_t kl_review__member_index(const kl_review *rv, const kl_member *m)
{
    if (!rv || !m || m->owner != rv || m->index >= rv->n_members)
        return KL_DISCLOSURE_NOBODY;
    return m->index;
}

void kl_review__member_free(kl_member *m)
{
    if (!m)
        return;
    xmlFreeDoc(m->view);
    blocks_free(m->blocks); /* m itself is in its blocks */
}

/* ---- member, contact and address accessors (the public types are opaque) ---- */
#define KL_GET(type, name, T, field, dflt)                                                         \
    KL_API T kl_##type##_##name(const kl_##type *o)                                                \
    {                                                                                              \
        return o ? o->field : dflt;                                                                \
    }
KL_GET(member, id, const char *, id, NULL)
KL_GET(member, relationship, const char *, relationship, NULL)
KL_GET(member, gender, kl_gender, gender, KL_GENDER_OTHER)
KL_GET(member, age, int, age, -1)
KL_GET(member, parental_responsibility, int, parental_responsibility, -1)
KL_GET(member, title, const char *, title, NULL)
KL_GET(member, given, const char *, given, NULL)
KL_GET(member, family, const char *, family, NULL)
KL_GET(member, locale, const char *, locale, NULL)
KL_GET(member, also, const char *, also, NULL)
KL_GET(member, interpreter, const char *, interpreter, NULL)
KL_GET(member, reading, kl_reading, reading, KL_READING_STANDARD)
KL_GET(member, print_size, double, print_size, 0)
KL_GET(member, print_profile, const char *, print_profile, NULL)
KL_GET(member, contact_count, size_t, n_contacts, 0)
KL_GET(member, contact_none, int, contact_none, 0)
KL_GET(member, reason, const char *, reason, NULL)
KL_GET(member, source, const char *, source, NULL)
KL_GET(member, line, unsigned, line, 0)
KL_GET(member, column, unsigned, column, 0)
KL_GET(contact, channel, kl_channel, channel, KL_CHANNEL_POST)
KL_GET(contact, address, const kl_address *, address, NULL)
KL_GET(contact, email, const char *, email, NULL)
KL_GET(contact, phone, const char *, phone, NULL)
KL_GET(contact, professional, const char *, professional, NULL)
KL_GET(contact, line, unsigned, line, 0)
KL_GET(contact, column, unsigned, column, 0)
KL_GET(address, line_count, size_t, n_lines, 0)
KL_GET(address, town, const char *, town, NULL)
KL_GET(address, postcode, const char *, postcode, NULL)
#undef KL_GET

KL_API const kl_contact *kl_member_contact_at(const kl_member *m, size_t i)
{
    return m && i < m->n_contacts ? &m->contacts[i] : NULL;
}

KL_API const char *kl_address_line(const kl_address *a, size_t i)
{
    return a && i < a->n_lines ? a->lines[i] : NULL;
}

static const kl_member_brief *brief_of(const kl_review *review, const kl_member *m)
{
    size_t i = kl_review__member_index(review, m);
    return i == KL_DISCLOSURE_NOBODY ? NULL : &review->extra[i].brief;
}

KL_API int kl_review_member_ok(const kl_review *review, const kl_member *member)
{
    const kl_member_brief *b = brief_of(review, member);
    return b ? b->ok : 0;
}

KL_API kl_format kl_review_member_format(const kl_review *review, const kl_member *member)
{
    const kl_member_brief *b = brief_of(review, member);
    return b ? b->format : KL_FORMAT_PRINT;
}

KL_API const char *kl_format_name(kl_format f)
{
    switch (f) {
    case KL_FORMAT_PRINT:
        return "print";
    case KL_FORMAT_BRAILLE:
        return "braille";
    }
    return "unknown";
}

KL_API size_t kl_review_error_count(const kl_review *review)
{
    return review ? review->n_errors : 0;
}

KL_API size_t kl_review_warning_count(const kl_review *review)
{
    return review ? review->n_warnings : 0;
}

KL_API const char *kl_review_type_name(kl_review_type t)
{
    switch (t) {
    case KL_REVIEW_LCSPR:
        return "lcspr";
    case KL_REVIEW_SCR:
        return "scr";
    case KL_REVIEW_CPR:
        return "cpr";
    case KL_REVIEW_SAR:
        return "sar";
    }
    return "unknown";
}

KL_API const char *kl_gender_name(kl_gender g)
{
    switch (g) {
    case KL_GENDER_FEMALE:
        return "female";
    case KL_GENDER_MALE:
        return "male";
    case KL_GENDER_OTHER:
        return "other";
    }
    return "unknown";
}

KL_API const char *kl_reading_name(kl_reading r)
{
    switch (r) {
    case KL_READING_STANDARD:
        return "standard";
    case KL_READING_PLAIN:
        return "plain";
    case KL_READING_YOUNG_PERSON:
        return "young-person";
    case KL_READING_EASY_READ:
        return "easy-read";
    }
    return "unknown";
}

KL_API const char *kl_channel_name(kl_channel c)
{
    switch (c) {
    case KL_CHANNEL_POST:
        return "post";
    case KL_CHANNEL_EMAIL:
        return "email";
    case KL_CHANNEL_SMS:
        return "sms";
    case KL_CHANNEL_VIA_PROFESSIONAL:
        return "via-professional";
    }
    return "unknown";
}

const kl_review_info *kl_review__info(const kl_review *review)
{
    return review ? &review->info : NULL;
}
