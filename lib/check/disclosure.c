/* SPDX-License-Identifier: MIT */
/* check/disclosure.c: no letter carries another member's or a withheld contact detail. */
#include "check/check_internal.h"
#include "review/review_internal.h"

#include <ctype.h>
#include <string.h>

/* Shorter squashed strings ("flat1") are too likely to occur by chance. */
#define MIN_NEEDLE 5

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

/* Every phone-like run in text, in national digits, as one "|a|b|" string. */
static char *phone_runs(const char *text)
{
    kl_buf b = KL_BUF_INIT;
    kl_buf_putc(&b, '|');
    const char *p = text;
    while (*p) {
        if (!isdigit((unsigned char)*p) && *p != '+') {
            p++;
            continue;
        }
        const char *start = p;
        while (*p && (isdigit((unsigned char)*p) || strchr(" +-().", *p)) && *p != '\n')
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
        if (kl_check__phone_digits(run, digits)) {
            kl_buf_puts(&b, digits);
            kl_buf_putc(&b, '|');
        }
    }
    return kl_buf_detach(&b);
}

typedef struct haystack {
    char *squashed;
    char *phones;
} haystack;

static bool found_in(const haystack *h, size_t n, const char *needle)
{
    char digits[16];
    if (kl_check__phone_digits(needle, digits)) {
        char key[20];
        snprintf(key, sizeof key, "|%s|", digits);
        for (size_t i = 0; i < n; i++)
            if (strstr(h[i].phones, key))
                return true;
        return false;
    }
    char *sq = kl_check__squash(needle);
    if (!sq)
        return false;
    bool hit = false;
    if (strlen(sq) >= MIN_NEEDLE)
        for (size_t i = 0; i < n && !hit; i++)
            hit = strstr(h[i].squashed, sq) != NULL;
    kl_free(sq);
    return hit;
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

static bool is_own(const kl_review *review, const kl_member *member, const char *s)
{
    if (withheld(member))
        return false;
    size_t n = 0;
    const char *const *own = kl_review__member_private_strings(review, member, &n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(own[i], s) == 0)
            return true;
    return false;
}

int kl_check__disclosure(kl_context *ctx, const kl_review *review, const kl_member *member,
                         const char *const *texts, size_t n_texts)
{
    haystack *h = kl_calloc(n_texts ? n_texts : 1, sizeof *h);
    if (!h)
        return kl_oom(ctx);
    int rc = 0;
    for (size_t i = 0; i < n_texts && !rc; i++) {
        h[i].squashed = kl_check__squash(texts[i] ? texts[i] : "");
        h[i].phones = phone_runs(texts[i] ? texts[i] : "");
        if (!h[i].squashed || !h[i].phones)
            rc = kl_oom(ctx);
    }
    size_t n_members = kl_review_member_count(review);
    for (size_t k = 0; k < n_members && !rc; k++) {
        const kl_member *other = kl_review_member(review, k);
        bool self = other == member;
        if (self && !withheld(other))
            continue;
        size_t n = 0;
        const char *const *priv = kl_review__member_private_strings(review, other, &n);
        for (size_t i = 0; i < n && !rc; i++) {
            /* Two members may share a home: the reader's own details are fine. */
            if (!withheld(other) && is_own(review, member, priv[i]))
                continue;
            if (found_in(h, n_texts, priv[i])) {
                rc = kl_error(
                    ctx, KL_EDATA,
                    (kl_where){member->source, member->line, member->column, member->id},
                    "nothing was written for this member; check the template and the review file",
                    self              ? "the output contains this member's withheld contact details"
                    : withheld(other) ? "the output contains withheld contact details of member %s"
                                      : "the output contains contact details of member %s",
                    other->id);
            }
        }
    }
    for (size_t i = 0; i < n_texts; i++) {
        kl_free(h[i].squashed);
        kl_free(h[i].phones);
    }
    kl_free(h);
    return rc;
}
