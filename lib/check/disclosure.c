/* SPDX-License-Identifier: MIT */
/* check/disclosure.c: no letter carries another member's or a withheld contact detail. */
#include "check/check_internal.h"
#include "review/review_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Shorter squashed strings ("flat1") are too likely to occur by chance. */
#define MIN_NEEDLE 5
/* Longer ones are not looked for as a whole (no address line is this long). */
#define MAX_NEEDLE 255

char *kl_check__squash(const char *s)
{
    kl_buf b = KL_BUF_INIT;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x80 && !isalnum(*p))
            continue;
        kl_buf_putc(&b, (char)(*p < 0x80 ? tolower(*p) : *p));
    }
    return kl_buf_detach(&b);
}

bool kl_check__phone_digits(const char *s, char *out)
{
    size_t n = 0;
    char d[32];
    for (const char *p = s; *p; p++) {
        if (isdigit((unsigned char)*p)) {
            if (n + 1 >= sizeof d)
                return false;
            d[n++] = *p;
        } else if (!strchr(" +-().", *p)) {
            return false;
        }
    }
    d[n] = '\0';
    const char *nat = d;
    char buf[32];
    if (n >= 12 && strncmp(d, "44", 2) == 0) { /* +44 7700 ... */
        buf[0] = '0';
        strcpy(buf + 1, d + 2);
        nat = buf;
    }
    if (strlen(nat) < 10 || strlen(nat) > 11 || nat[0] != '0')
        return false;
    strcpy(out, nat);
    return true;
}

/* ---- squashing with word boundaries -------------------------------------- */

/* A text squashed for matching, remembering where its words start and end,
 * so a match must begin at the start of a word and end at the end of one. */
typedef struct squashed {
    char *s;
    unsigned char *flags; /* 1: a word starts here; 2: a word ends here */
    size_t len;
} squashed;

/* Unicode spaces, dashes and quotes separate words like ASCII punctuation. */
static bool unicode_separator(unsigned cp)
{
    return cp == 0xA0 || (cp >= 0x2000 && cp <= 0x206F) || cp == 0x3000 || cp == 0xFEFF ||
           cp == 0x00AD;
}

static size_t utf8_decode(const unsigned char *p, unsigned *cp)
{
    if (p[0] < 0xC0 || !p[1]) {
        *cp = p[0];
        return 1;
    }
    if (p[0] < 0xE0) {
        *cp = ((p[0] & 0x1Fu) << 6) | (p[1] & 0x3Fu);
        return 2;
    }
    if (p[0] < 0xF0 && p[2]) {
        *cp = ((p[0] & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
        return 3;
    }
    *cp = 0x10000; /* not a separator; copied byte by byte */
    return 1;
}

static int squash_bounded(const char *text, squashed *out)
{
    size_t n = strlen(text);
    out->s = kl_malloc(n + 1);
    out->flags = kl_calloc(n + 1, 1);
    out->len = 0;
    if (!out->s || !out->flags)
        return KL_ENOMEM;
    size_t k = 0;
    bool in_word = false;
    const unsigned char *p = (const unsigned char *)text;
    while (*p) {
        unsigned cp;
        size_t step = utf8_decode(p, &cp);
        bool word = *p >= 0x80 ? !unicode_separator(cp) : isalnum(*p) != 0;
        if (!word) {
            if (in_word)
                out->flags[k - 1] |= 2;
            in_word = false;
            p += step;
            continue;
        }
        if (!in_word)
            out->flags[k] |= 1;
        in_word = true;
        for (size_t i = 0; i < step; i++, p++)
            out->s[k++] = (char)(*p < 0x80 ? tolower(*p) : *p);
    }
    if (in_word)
        out->flags[k - 1] |= 2;
    out->s[k] = '\0';
    out->len = k;
    return 0;
}

static void squashed_free(squashed *q)
{
    kl_free(q->s);
    kl_free(q->flags);
    q->s = NULL;
    q->flags = NULL;
}

static bool at_bounds(const squashed *q, size_t at, size_t len)
{
    return len && at + len <= q->len && (q->flags[at] & 1) && (q->flags[at + len - 1] & 2);
}

static bool find_bounded(const squashed *q, const char *needle, size_t len)
{
    for (const char *hit = strstr(q->s, needle); hit; hit = strstr(hit + 1, needle))
        if (at_bounds(q, (size_t)(hit - q->s), len))
            return true;
    return false;
}

/* ---- phone numbers in running text --------------------------------------- */

typedef struct phone_list {
    char (*items)[16];
    size_t n, cap;
} phone_list;

/* Every phone-like run in text, in national digits. */
static int phone_runs(const char *text, phone_list *out)
{
    const char *p = text;
    while (*p) {
        if (!isdigit((unsigned char)*p) && *p != '+') {
            p++;
            continue;
        }
        const char *start = p;
        while (*p && *p != '\n' && (isdigit((unsigned char)*p) || strchr(" +-().", *p)))
            p++;
        char run[256], digits[16];
        size_t len = (size_t)(p - start);
        if (len >= sizeof run)
            len = sizeof run - 1;
        memcpy(run, start, len);
        run[len] = '\0';
        /* Trim trailing separators ("call 01632 960123.") */
        while (len && !isdigit((unsigned char)run[len - 1]))
            run[--len] = '\0';
        if (!kl_check__phone_digits(run, digits))
            continue;
        if (out->n == out->cap) {
            size_t cap = out->cap ? out->cap * 2 : 8;
            void *grown = kl_realloc(out->items, cap * sizeof *out->items);
            if (!grown)
                return KL_ENOMEM;
            out->items = grown;
            out->cap = cap;
        }
        memcpy(out->items[out->n++], digits, sizeof digits);
    }
    return 0;
}

/* ---- the index ------------------------------------------------------------ */

typedef enum detail_kind { DETAIL_ADDRESS = 0, DETAIL_PHONE, DETAIL_EMAIL } detail_kind;

/* One private string (squashed, or "#" and national digits for a phone),
 * with every member it belongs to. */
typedef struct needle {
    char *key;
    size_t len;
    detail_kind kind;
    size_t first_owner, n_owners; /* into idx->owners */
} needle;

typedef struct pair {
    char *key;
    detail_kind kind;
    const kl_member *owner;
    size_t order; /* member order, to keep results stable */
} pair;

struct kl_disclosure_index {
    const kl_review *review;
    needle *items;
    size_t n_items;
    const kl_member **owners;
    size_t *slots; /* item index + 1; 0 = empty */
    size_t mask;
    size_t lens[MAX_NEEDLE + 1]; /* distinct text needle lengths, ascending */
    size_t n_lens;
};

static uint64_t hash_bytes(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static const needle *lookup(const kl_disclosure_index *idx, const char *key, size_t len)
{
    if (!idx->slots)
        return NULL;
    for (size_t i = (size_t)hash_bytes(key, len) & idx->mask;; i = (i + 1) & idx->mask) {
        size_t s = idx->slots[i];
        if (!s)
            return NULL;
        const needle *nd = &idx->items[s - 1];
        if (nd->len == len && memcmp(nd->key, key, len) == 0)
            return nd;
    }
}

static bool withheld(const kl_member *m)
{
    if (m->contact_none)
        return true;
    for (size_t i = 0; i < m->n_contacts; i++)
        if (m->contacts[i].channel == KL_CHANNEL_VIA_PROFESSIONAL)
            return true;
    return false;
}

static int cmp_pair(const void *a, const void *b)
{
    const pair *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c)
        return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* What every letter prints anyway (the partnership, the family contact,
 * agencies, services): a member's detail found there discloses nothing. */
typedef struct public_text {
    squashed text;
    phone_list phones;
} public_text;

static int add_public(kl_buf *b, const char *s)
{
    if (s && *s) {
        kl_buf_puts(b, s);
        kl_buf_putc(b, '\n');
    }
    return b->oom ? KL_ENOMEM : 0;
}

static int public_build(const kl_review *review, public_text *pub)
{
    const kl_review_info *I = kl_review__info(review);
    kl_buf b = KL_BUF_INIT;
    if (I) {
        const char *fields[] = {I->partnership_name,
                                I->partnership_address.town,
                                I->partnership_address.postcode,
                                I->partnership_phone,
                                I->partnership_email,
                                I->partnership_web,
                                I->contact_name,
                                I->contact_role,
                                I->contact_phone,
                                I->contact_mobile,
                                I->contact_email,
                                I->contact_hours,
                                I->reviewer_name,
                                I->reviewer_role,
                                I->subject_given,
                                I->subject_family};
        for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
            add_public(&b, fields[i]);
        for (size_t i = 0; i < I->partnership_address.n_lines; i++)
            add_public(&b, I->partnership_address.lines[i]);
        for (size_t i = 0; i < I->n_agencies; i++)
            add_public(&b, I->agencies[i]);
        for (size_t i = 0; i < I->n_services; i++) {
            add_public(&b, I->services[i].name);
            add_public(&b, I->services[i].phone);
            add_public(&b, I->services[i].web);
        }
    }
    int rc = add_public(&b, "");
    if (!rc)
        rc = squash_bounded(b.data ? b.data : "", &pub->text);
    if (!rc)
        rc = phone_runs(b.data ? b.data : "", &pub->phones);
    kl_buf_free(&b);
    return rc;
}

static bool is_public(const public_text *pub, const char *key, size_t len)
{
    if (key[0] == '#') {
        for (size_t i = 0; i < pub->phones.n; i++)
            if (strcmp(pub->phones.items[i], key + 1) == 0)
                return true;
        return false;
    }
    return find_bounded(&pub->text, key, len);
}

void kl_check__disclosure_index_free(kl_disclosure_index *idx)
{
    if (!idx)
        return;
    for (size_t i = 0; i < idx->n_items; i++)
        kl_free(idx->items[i].key);
    kl_free(idx->items);
    kl_free(idx->owners);
    kl_free(idx->slots);
    kl_free(idx);
}

/* The key a private string is looked for by, or NULL (too short, or OOM:
 * *oom tells which). */
static char *needle_key(const char *s, detail_kind *kind, bool *oom)
{
    char digits[16];
    *oom = false;
    if (kl_check__phone_digits(s, digits)) {
        *kind = DETAIL_PHONE;
        char *k = kl_malloc(strlen(digits) + 2);
        if (!k) {
            *oom = true;
            return NULL;
        }
        k[0] = '#';
        strcpy(k + 1, digits);
        return k;
    }
    *kind = strchr(s, '@') ? DETAIL_EMAIL : DETAIL_ADDRESS;
    squashed q = {0};
    if (squash_bounded(s, &q)) {
        squashed_free(&q);
        *oom = true;
        return NULL;
    }
    char *k = q.s;
    size_t len = q.len;
    q.s = NULL;
    squashed_free(&q);
    if (len < MIN_NEEDLE || len > MAX_NEEDLE) {
        kl_free(k);
        return NULL;
    }
    return k;
}

int kl_check__disclosure_index_new(kl_context *ctx, const kl_review *review,
                                   kl_disclosure_index **out)
{
    *out = NULL;
    kl_disclosure_index *idx = kl_calloc(1, sizeof *idx);
    public_text pub = {{0}, {0}};
    pair *pairs = NULL;
    size_t n_pairs = 0, cap_pairs = 0;
    int rc = idx ? public_build(review, &pub) : KL_ENOMEM;
    if (idx)
        idx->review = review;

    size_t n_members = kl_review_member_count(review);
    for (size_t k = 0; k < n_members && !rc; k++) {
        const kl_member *m = kl_review_member(review, k);
        size_t n = 0;
        const char *const *priv = kl_review__member_private_strings(review, m, &n);
        for (size_t i = 0; i < n && !rc; i++) {
            detail_kind kind;
            bool oom;
            char *key = needle_key(priv[i], &kind, &oom);
            if (oom) {
                rc = KL_ENOMEM;
                break;
            }
            if (!key)
                continue;
            if (is_public(&pub, key, strlen(key))) {
                kl_free(key);
                continue;
            }
            if (n_pairs == cap_pairs) {
                size_t cap = cap_pairs ? cap_pairs * 2 : 64;
                pair *grown = kl_realloc(pairs, cap * sizeof *pairs);
                if (!grown) {
                    kl_free(key);
                    rc = KL_ENOMEM;
                    break;
                }
                pairs = grown;
                cap_pairs = cap;
            }
            pairs[n_pairs++] = (pair){key, kind, m, k};
        }
    }
    squashed_free(&pub.text);
    kl_free(pub.phones.items);

    if (!rc && n_pairs) {
        qsort(pairs, n_pairs, sizeof *pairs, cmp_pair);
        idx->items = kl_calloc(n_pairs, sizeof *idx->items);
        idx->owners = kl_calloc(n_pairs, sizeof *idx->owners);
        size_t n_slots = 16;
        while (n_slots < 2 * n_pairs)
            n_slots *= 2;
        idx->slots = kl_calloc(n_slots, sizeof *idx->slots);
        idx->mask = n_slots - 1;
        if (!idx->items || !idx->owners || !idx->slots)
            rc = KL_ENOMEM;
        bool has_len[MAX_NEEDLE + 1] = {false};
        const kl_member *last_owner = NULL;
        for (size_t i = 0; i < n_pairs && !rc; i++) {
            idx->owners[i] = pairs[i].owner;
            needle *last = idx->n_items ? &idx->items[idx->n_items - 1] : NULL;
            if (last && strcmp(last->key, pairs[i].key) == 0) {
                /* The same detail for two members (a shared home): one
                 * needle; the same member twice (raw and normalised): once. */
                if (last_owner != pairs[i].owner)
                    last->n_owners++;
                else
                    idx->owners[i] = NULL;
                last_owner = pairs[i].owner;
                kl_free(pairs[i].key);
                pairs[i].key = NULL;
                continue;
            }
            needle *nd = &idx->items[idx->n_items++];
            nd->key = pairs[i].key;
            pairs[i].key = NULL;
            nd->len = strlen(nd->key);
            nd->kind = pairs[i].kind;
            nd->first_owner = i;
            nd->n_owners = 1;
            last_owner = pairs[i].owner;
            if (nd->key[0] != '#')
                has_len[nd->len] = true;
        }
        for (size_t i = 0; i < idx->n_items && !rc; i++) {
            size_t s = (size_t)hash_bytes(idx->items[i].key, idx->items[i].len) & idx->mask;
            while (idx->slots[s])
                s = (s + 1) & idx->mask;
            idx->slots[s] = i + 1;
        }
        for (size_t l = 0; l <= MAX_NEEDLE; l++)
            if (has_len[l])
                idx->lens[idx->n_lens++] = l;
    }
    for (size_t i = 0; i < n_pairs; i++)
        kl_free(pairs[i].key);
    kl_free(pairs);
    if (rc) {
        kl_check__disclosure_index_free(idx);
        return kl_oom(ctx);
    }
    *out = idx;
    return 0;
}

static const char *kind_name(detail_kind k)
{
    return k == DETAIL_PHONE   ? "a phone number"
           : k == DETAIL_EMAIL ? "an email address"
                               : "an address";
}

/* 0 if the reader may see this detail, else KL_EDATA with the error set. */
static int judge(kl_context *ctx, const kl_disclosure_index *idx, const needle *nd,
                 const kl_member *member)
{
    bool own = false;
    const kl_member *other = NULL;
    for (size_t i = nd->first_owner, seen = 0; seen < nd->n_owners; i++) {
        const kl_member *o = idx->owners[i];
        if (!o)
            continue; /* a second copy of the same member's detail */
        seen++;
        if (o == member)
            own = true;
        else if (!other)
            other = o;
    }
    /* A member's own details are theirs to see, even where another member
     * (withheld or not) shares them: that tells the reader nothing new. */
    if (own && !withheld(member))
        return 0;
    kl_where w =
        member ? (kl_where){member->source, member->line, member->column, member->id} : KL_NOWHERE;
    const char *hint =
        member ? "nothing was written for this member; check the template and the review file"
               : "remove the detail from the text";
    if (!other)
        return kl_error(ctx, KL_EDATA, w, hint,
                        "the output contains %s of this member, whose contact details are "
                        "withheld",
                        kind_name(nd->kind));
    if (withheld(other))
        return kl_error(ctx, KL_EDATA, w, hint,
                        "the output contains %s of member %s, whose contact details are withheld",
                        kind_name(nd->kind), other->id);
    return kl_error(ctx, KL_EDATA, w, hint, "the output contains %s of member %s",
                    kind_name(nd->kind), other->id);
}

static int scan_text(kl_context *ctx, const kl_disclosure_index *idx, const kl_member *member,
                     const char *text)
{
    squashed q = {0};
    phone_list phones = {0};
    int rc = squash_bounded(text, &q);
    if (!rc)
        rc = phone_runs(text, &phones);
    if (rc)
        rc = kl_oom(ctx);
    for (size_t p = 0; p < q.len && !rc; p++) {
        if (!(q.flags[p] & 1))
            continue;
        for (size_t l = 0; l < idx->n_lens && !rc; l++) {
            size_t len = idx->lens[l];
            if (p + len > q.len)
                break;
            if (!(q.flags[p + len - 1] & 2))
                continue;
            const needle *nd = lookup(idx, q.s + p, len);
            if (nd)
                rc = judge(ctx, idx, nd, member);
        }
    }
    for (size_t i = 0; i < phones.n && !rc; i++) {
        char key[20];
        snprintf(key, sizeof key, "#%s", phones.items[i]);
        const needle *nd = lookup(idx, key, strlen(key));
        if (nd)
            rc = judge(ctx, idx, nd, member);
    }
    squashed_free(&q);
    kl_free(phones.items);
    return rc;
}

int kl_check__disclosure_run(kl_context *ctx, const kl_disclosure_index *idx,
                             const kl_member *member, const char *const *texts, size_t n_texts)
{
    int rc = 0;
    for (size_t i = 0; i < n_texts && !rc; i++)
        if (texts[i])
            rc = scan_text(ctx, idx, member, texts[i]);
    return rc;
}

int kl_check__disclosure(kl_context *ctx, const kl_review *review, const kl_member *member,
                         const char *const *texts, size_t n_texts)
{
    kl_disclosure_index *idx = NULL;
    int rc = kl_check__disclosure_index_new(ctx, review, &idx);
    if (!rc)
        rc = kl_check__disclosure_run(ctx, idx, member, texts, n_texts);
    kl_check__disclosure_index_free(idx);
    return rc;
}
