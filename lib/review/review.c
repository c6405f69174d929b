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
    kl_arena_block *cur = rv->arena;
    if (cur) {
        size_t at = (cur->used + align - 1) & ~(align - 1);
        if (at <= cur->cap && n <= cur->cap - at) {
            cur->used = at + n;
            return cur->data + at;
        }
    }
    bool own = n > ARENA_BLOCK / 4;
    size_t cap = own ? n : ARENA_BLOCK;
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
        rv->arena = b;
    }
    return b->data;
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
    kl_arena_block *b = review->arena;
    while (b) {
        kl_arena_block *next = b->next;
        kl_free(b);
        b = next;
    }
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

KL_API const kl_member *kl_review_member(const kl_review *review, size_t i)
{
    return review && i < review->n_members ? &review->members[i] : NULL;
}

KL_API const kl_member *kl_review_find_member(const kl_review *review, const char *id)
{
    if (!review || !id)
        return NULL;
    for (size_t i = 0; i < review->n_members; i++)
        if (review->members[i].id && strcmp(review->members[i].id, id) == 0)
            return &review->members[i];
    return NULL;
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

static const kl_member_extra *extra_of(const kl_review *review, const kl_member *m)
{
    if (!review || !m || m < review->members || m >= review->members + review->n_members)
        return NULL;
    return &review->extra[m - review->members];
}

KL_API int kl_review_member_ok(const kl_review *review, const kl_member *member)
{
    const kl_member_extra *x = extra_of(review, member);
    return x ? x->ok : 0;
}

KL_API kl_format kl_review_member_format(const kl_review *review, const kl_member *member)
{
    const kl_member_extra *x = extra_of(review, member);
    return x ? x->format : KL_FORMAT_PRINT;
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
