/* SPDX-License-Identifier: MIT */
/* review/disclosure.c: what identifies a family member, and the check that no
 * output for one member carries another member's identifying detail.
 *
 * The model (docs/SECURITY.md):
 * - a phone number, compared as its national significant number (no +44,
 *   0044, (0) or trunk 0), whatever separators and whatever script's digits;
 * - an email address, ignoring case;
 * - a postcode, ignoring case and spacing;
 * - an address line holding a house number together with a street or
 *   building name ("12 Elm Road", "Flat 14, Ash Court"), or a first line
 *   naming the house ("Bwthyn y Nant"); a first line that is only a flat or
 *   house number counts together with the element after it ("Flat 14" +
 *   "Ash Court"). A town on its own, a bare flat number or a later line
 *   with no house number (a street, a locality) never counts.
 *
 * Text is compared after Unicode NFKC case folding (which also removes
 * zero-width and bidi format characters), as its letters and digits only,
 * so "NT2 7QP", "nt27qp" and "NT2\n7QP" are the same; a detail must start
 * and end on a word boundary ("Flat 14" is not inside "Flat 145"). Digits
 * are read across any gap that holds no letter, so a phone number split by
 * spaces, dashes, slashes, a line break or a page's layout is still seen,
 * even directly after other digits. */
#include "review/review_priv.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>
#include <unicode/utf8.h>

/* ---- normalised text ------------------------------------------------------------ */

/* Letters, marks and digits of a text, case folded, digits as ASCII, with
 * word starts and ends; and the text's digit chains. */
typedef struct dtext {
    char *s;
    unsigned char *flags; /* per byte of s: 1 a word starts here, 2 a word ends here */
    size_t len;
    char *digits; /* digit chains, each followed by '|' */
    size_t n_digits;
} dtext;

static void dtext_free(dtext *t)
{
    kl_free(t->s);
    kl_free(t->flags);
    kl_free(t->digits);
    memset(t, 0, sizeof *t);
}

static bool word_cp(UChar32 c)
{
    return u_isalnum(c) || (U_GET_GC_MASK(c) & U_GC_M_MASK) != 0;
}

/* A dtext being built: its buffers grow as the folded text comes in. */
typedef struct dbuild {
    dtext *t;
    size_t cap, dcap; /* of t->s and t->flags; of t->digits */
    bool in_word, in_chain;
    UChar *u16, *f16; /* scratch for a segment ICU folds */
    size_t u16_cap, f16_cap;
} dbuild;

/* Room for ns more bytes of s and flags and nd more of digits, and the NULs
 * (and a digit chain's last '|'). */
static int dbuild_room(dbuild *b, size_t ns, size_t nd)
{
    dtext *t = b->t;
    size_t old = b->cap;
    if (KL_GROW(t->s, b->cap, t->len + ns + 1) < 0)
        return KL_ENOMEM;
    if (b->cap != old) {
        size_t fcap = old;
        if (KL_GROW(t->flags, fcap, b->cap) < 0)
            return KL_ENOMEM;
        memset(t->flags + old, 0, b->cap - old);
    }
    if (KL_GROW(t->digits, b->dcap, t->n_digits + nd + 2) < 0)
        return KL_ENOMEM;
    return 0;
}

/* One code point of the folded text: letters and marks as UTF-8 with word
 * boundaries flagged (1 starts a word, 2 ends one), digits as ASCII, and each
 * run of digits again in t->digits, runs separated by '|'. */
static void dbuild_put(dbuild *b, UChar32 c)
{
    dtext *t = b->t;
    bool ascii = c < 0x80;
    bool alnum = ascii ? (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                       : word_cp(c);
    if (!alnum) {
        if (b->in_word)
            t->flags[t->len - 1] |= 2;
        b->in_word = false;
        return;
    }
    if (!b->in_word)
        t->flags[t->len] |= 1;
    b->in_word = true;
    if (ascii ? c >= '0' && c <= '9' : u_isdigit(c)) {
        int v = ascii ? c - '0' : u_charDigitValue(c);
        char ch = (char)('0' + (v >= 0 && v <= 9 ? v : 0));
        t->s[t->len++] = ch;
        t->digits[t->n_digits++] = ch;
        b->in_chain = true;
        return;
    }
    if (b->in_chain)
        t->digits[t->n_digits++] = '|';
    b->in_chain = false;
    if (ascii) {
        t->s[t->len++] = (char)c;
        return;
    }
    UBool err = false;
    int32_t w = 0;
    uint8_t buf[4];
    U8_APPEND(buf, w, 4, c, err);
    /* A word character is never a lone surrogate: it always encodes
     * (else the word just started would have no byte to end on). */
    assert(!err);
    memcpy(t->s + t->len, buf, (size_t)w);
    t->len += (size_t)w;
}

/* An ASCII byte folded (NFKC case folding of ASCII: A-Z to a-z) if it is a letter or digit,
 * else 0. */
#define AF(c)                                                                                      \
    ((c) >= '0' && (c) <= '9'   ? (c)                                                              \
     : (c) >= 'a' && (c) <= 'z' ? (c)                                                              \
     : (c) >= 'A' && (c) <= 'Z' ? (c) + ('a' - 'A')                                                \
                                : 0)
#define AF4(c)  AF(c), AF((c) + 1), AF((c) + 2), AF((c) + 3)
#define AF16(c) AF4(c), AF4((c) + 4), AF4((c) + 8), AF4((c) + 12)
#define AF64(c) AF16(c), AF16((c) + 16), AF16((c) + 32), AF16((c) + 48)
static const unsigned char ascii_fold[128] = {AF64(0), AF64(64)};

/* ASCII text[0, n) folded and put into b, as dbuild_put would one character at a time, a run
 * of letters or of digits at a time, with the state in locals (stores through char pointers
 * would make the compiler reload it). */
static void dbuild_ascii(dbuild *b, const unsigned char *text, size_t n)
{
    dtext *t = b->t;
    char *s = t->s, *digits = t->digits;
    unsigned char *flags = t->flags;
    size_t len = t->len, nd = t->n_digits;
    bool in_word = b->in_word, in_chain = b->in_chain;
    size_t i = 0;
    while (i < n) {
        unsigned char c = ascii_fold[text[i] & 0x7F];
        if (!c) {
            if (in_word)
                flags[len - 1] |= 2;
            in_word = false;
            i++;
            continue;
        }
        if (!in_word)
            flags[len] |= 1;
        in_word = true;
        if (c > '9') {
            /* letters: a digit chain before them ends */
            if (in_chain)
                digits[nd++] = '|';
            in_chain = false;
            s[len++] = (char)c;
            i++;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            /* Eight bytes at a time: each ASCII, so with 0x20 set a letter is 0x61-0x7A (and
             * nothing else is), found by adding without a carry between bytes; the bytes
             * stored past the letters are beyond len, in room made for this text. */
            bool ended = false;
            while (i + 8 <= n) {
                uint64_t v, hi = 0x8080808080808080ULL;
                memcpy(&v, text + i, sizeof v);
                v |= 0x2020202020202020ULL;
                uint64_t letter = (v + 0x1F1F1F1F1F1F1F1FULL) & ~(v + 0x0505050505050505ULL) & hi;
                memcpy(s + len, &v, sizeof v);
                size_t k = letter == hi ? 8 : (size_t)__builtin_ctzll(~letter & hi) / 8;
                len += k;
                i += k;
                if (k < 8) {
                    ended = true; /* text[i] is no letter */
                    break;
                }
            }
            if (ended)
                continue;
#endif
            while (i < n && (c = ascii_fold[text[i] & 0x7F]) > '9') {
                s[len++] = (char)c;
                i++;
            }
        } else {
            in_chain = true;
            do {
                s[len++] = (char)c;
                digits[nd++] = (char)c;
                i++;
            } while (i < n && (c = ascii_fold[text[i] & 0x7F]) != 0 && c <= '9');
        }
    }
    t->len = len;
    t->n_digits = nd;
    b->in_word = in_word;
    b->in_chain = in_chain;
}

/* The end of the run of ASCII bytes at p[i], at most len. */
static size_t ascii_end(const unsigned char *p, size_t i, size_t len)
{
    for (; i + 8 <= len; i += 8) {
        uint64_t v;
        memcpy(&v, p + i, sizeof v);
        if (v & 0x8080808080808080ULL)
            break;
    }
    while (i < len && p[i] < 0x80)
        i++;
    return i;
}

/* text[0, len) (UTF-8, bad bytes as U+FFFD) in NFKC with case folding, put
 * into b: 0, KL_ENOMEM or KL_EBACKEND. */
static int dbuild_fold(dbuild *b, const char *text, size_t len)
{
    UErrorCode st = U_ZERO_ERROR;
    /* At most one UTF-16 unit per byte: no preflight. */
    if (KL_GROW(b->u16, b->u16_cap, len + 1) < 0)
        return KL_ENOMEM;
    int32_t n16 = 0;
    u_strFromUTF8WithSub(b->u16, (int32_t)len + 1, &n16, text, (int32_t)len, 0xFFFD, NULL, &st);
    const UNormalizer2 *nf = unorm2_getNFKCCasefoldInstance(&st);
    if (U_FAILURE(st))
        return KL_EBACKEND;
    if (KL_GROW(b->f16, b->f16_cap, (size_t)n16 + 16) < 0)
        return KL_ENOMEM;
    int32_t nn = unorm2_normalize(nf, b->u16, n16, b->f16, (int32_t)b->f16_cap, &st);
    if (st == U_BUFFER_OVERFLOW_ERROR) {
        /* Folding lengthened it ("ﷺ", "ß"): again with room for all. */
        st = U_ZERO_ERROR;
        if (KL_GROW(b->f16, b->f16_cap, (size_t)nn + 1) < 0)
            return KL_ENOMEM;
        nn = unorm2_normalize(nf, b->u16, n16, b->f16, (int32_t)b->f16_cap, &st);
    }
    if (U_FAILURE(st))
        return KL_EBACKEND;
    /* Each UTF-16 unit: at most 3 bytes of UTF-8 (4 a pair), one digit or '|'. */
    if (dbuild_room(b, (size_t)nn * 3, (size_t)nn))
        return KL_ENOMEM;
    for (int32_t i = 0; i < nn;) {
        UChar32 c;
        U16_NEXT(b->f16, i, nn, c);
        dbuild_put(b, c);
    }
    return 0;
}

/* Shorter runs of ASCII between other characters go to ICU with them. */
#define ASCII_RUN 16

/* The normalised text of text[0, len): 0, KL_ENOMEM, KL_ELIMIT or
 * KL_EBACKEND (ICU failed).
 *
 * NFKC case folding maps ASCII to itself but A-Z, and every ASCII character
 * begins a normalisation segment (nothing before it composes with it or is
 * reordered across it; unorm2_hasBoundaryBefore), and UTF-8 decoding never
 * joins an ASCII byte to other bytes. So a long run of ASCII is folded here
 * byte by byte and only the rest, each piece from the ASCII character before
 * it (which may compose with it: "e" + U+0301) to the next long ASCII run,
 * goes through ICU: the same result as folding the whole text with ICU. */
static int dtext_make(const char *text, size_t len, dtext *out)
{
    memset(out, 0, sizeof *out);
    if (len > INT32_MAX / 2)
        return KL_ELIMIT;
    dbuild b = {.t = out};
    int rc = dbuild_room(&b, len, len); /* enough for ASCII text */
    const unsigned char *p = (const unsigned char *)text;
    size_t i = 0;
    while (!rc && i < len) {
        /* [i, j) ASCII; then the next long ASCII run at k, or the end */
        size_t j = ascii_end(p, i, len);
        if (j == len) {
            if (!(rc = dbuild_room(&b, j - i, j - i)))
                dbuild_ascii(&b, p + i, j - i);
            break;
        }
        size_t from = j > i ? j - 1 : j; /* ICU takes the character before */
        if ((rc = dbuild_room(&b, from - i, from - i)))
            break;
        dbuild_ascii(&b, p + i, from - i);
        size_t k = j;
        for (;;) {
            while (k < len && p[k] >= 0x80)
                k++;
            size_t run = k;
            while (run < len && p[run] < 0x80 && run - k < ASCII_RUN)
                run++;
            if (run == len || run - k >= ASCII_RUN)
                break;
            k = run; /* a short ASCII run: keep going */
        }
        rc = dbuild_fold(&b, text + from, k - from);
        i = k;
    }
    kl_free(b.u16);
    kl_free(b.f16);
    if (rc) {
        dtext_free(out);
        return rc;
    }
    if (b.in_word)
        out->flags[out->len - 1] |= 2;
    if (b.in_chain)
        out->digits[out->n_digits++] = '|';
    out->s[out->len] = '\0';
    out->digits[out->n_digits] = '\0';
    return 0;
}

/* ---- what identifies a member ------------------------------------------------------ */

/* The national significant number of a phone number in any notation, into
 * out (at least 24 bytes): digits of any script, "+44", "0044", "44 (0)" and
 * the trunk 0 taken off. False if it holds letters or too few digits. */
bool kl_review__phone_key(const char *s, char *out, size_t cap)
{
    dtext t;
    if (dtext_make(s, strlen(s), &t))
        return false;
    bool ok = true;
    /* A phone number is digits and separators: no letters at all. */
    for (size_t i = 0; i < t.len && ok; i++)
        if (!(t.s[i] >= '0' && t.s[i] <= '9'))
            ok = false;
    char d[64];
    size_t n = 0;
    for (size_t i = 0; ok && i < t.n_digits; i++)
        if (t.digits[i] != '|') {
            if (n + 1 >= sizeof d)
                ok = false;
            else
                d[n++] = t.digits[i];
        }
    dtext_free(&t);
    if (!ok)
        return false;
    d[n] = '\0';
    const char *p = d;
    if (strncmp(p, "00", 2) == 0)
        p += 2;
    if (strncmp(p, "44", 2) == 0 && strlen(p) >= 11)
        p += 2;
    if (*p == '0')
        p++;
    size_t len = strlen(p);
    if (len < 7 || len + 1 > cap)
        return false;
    memcpy(out, p, len + 1);
    return true;
}

static const char *const subpremise_words[] = {
    "flat",   "apartment", "apt",    "unit",       "room",   "floor",  "suite", "block",
    "studio", "no",        "number", "maisonette", "bedsit", "annexe", "annex", NULL};

/* What a line of an address holds: LINE_NUMBER a house or flat number, LINE_NAME
 * a word that names a street, building or house (not "Flat", "Unit"...). */
#define LINE_NUMBER 1
#define LINE_NAME   2
static int line_strength(const char *line)
{
    dtext t;
    if (dtext_make(line, strlen(line), &t))
        return 1;
    bool number = false, name = false;
    for (size_t i = 0; i < t.len;) {
        size_t e = i;
        while (e < t.len && !(t.flags[e] & 2))
            e++;
        size_t wl = e - i + 1;
        bool digit = false;
        size_t letters = 0;
        for (size_t k = i; k <= e; k++) {
            if (t.s[k] >= '0' && t.s[k] <= '9')
                digit = true;
            else if (!((unsigned char)t.s[k] >= 0x80 && ((unsigned char)t.s[k] & 0xC0) == 0x80))
                letters++;
        }
        if (digit) {
            number = true;
        } else if (letters >= 2) {
            bool sub = false;
            for (size_t k = 0; subpremise_words[k]; k++)
                if (strlen(subpremise_words[k]) == wl &&
                    memcmp(subpremise_words[k], t.s + i, wl) == 0)
                    sub = true;
            if (!sub)
                name = true;
        }
        i = e + 1;
    }
    dtext_free(&t);
    return (number ? LINE_NUMBER : 0) | (name ? LINE_NAME : 0);
}

/* ---- the index -------------------------------------------------------------------- */

typedef enum dkind { D_ADDRESS = 0, D_POSTCODE, D_EMAIL, D_PHONE } dkind;

/* A detail to look for: 12 bytes, kept for the whole run (offsets and counts are 32-bit:
 * index_pairs refuses an index they cannot address). Its owners are d->owners[first .. the
 * next needle's first): items has one needle more at its end, holding only first. */
typedef struct dneedle {
    uint32_t key;   /* its text in d->keys (NUL-terminated): normalised, or a phone's national
                     * number */
    uint32_t first; /* its first owner in d->owners */
    uint32_t lk;    /* its length << 2 | its dkind */
} dneedle;

#define ND_LEN(nd)  ((size_t)((nd)->lk >> 2))
#define ND_KIND(nd) ((dkind)((nd)->lk & 3u))
#define ND_MAXLEN   ((size_t)(UINT32_MAX >> 2))

typedef struct dpair {
    char *key;
    dkind kind;
    size_t owner;
} dpair;

struct kl_disclosure {
    int refs;
    size_t n_members;
    unsigned char *withheld;
    /* Per member, the offset in own_text of its record: its own details normalised
     * (NUL-terminated, len bytes before the NUL), its word boundaries (len + 1 bits, bit p set
     * where a word starts at byte p or ends just before it: own_keep) and its id
     * (NUL-terminated). Its digit chains are not kept: a phone is never looked for in them. */
    uint32_t *own;
    char *own_text;
    dneedle *items; /* n_items, and one more (its first ends the last needle's owners) */
    size_t n_items;
    char *keys;       /* every needle's text, each NUL-terminated */
    uint32_t *owners; /* member positions */
    uint32_t *slots;  /* item + 1; 0 empty */
    size_t mask;
    size_t *lens, n_lens;   /* text needle lengths, ascending */
    size_t *plens, n_plens; /* phone key lengths, ascending */
    /* A filter on a needle's first PREFIX bytes (every needle is longer): bit
     * prefix_bit(bytes, phone) set for each needle, so a place in a text whose bit is clear
     * starts none and is passed over without hashing the text at each needle length. Sized by
     * the needles, at most PREFIX_MAX_BITS (8 KB for the whole index). */
    unsigned char *prefix;
    unsigned prefix_shift; /* 64 - log2(the filter's bits) */
};

#define PREFIX          4
#define PREFIX_MAX_BITS ((size_t)1 << 16)
_Static_assert(PREFIX == sizeof(uint32_t), "prefix_bit reads the prefix as one uint32_t");

/* The filter's bit for the PREFIX bytes at s (a text needle's, or a phone key's). */
static size_t prefix_bit(const kl_disclosure *d, const char *s, int phone)
{
    uint32_t v;
    memcpy(&v, s, sizeof v);
    uint64_t h = ((uint64_t)v ^ (phone ? 0x9E3779B97F4A7C15ULL : 0)) * 0xD6E8FEB86659FD93ULL;
    return (size_t)(h >> d->prefix_shift);
}

static bool prefix_may(const kl_disclosure *d, const char *s, int phone)
{
    size_t b = prefix_bit(d, s, phone);
    return (d->prefix[b >> 3] >> (b & 7)) & 1;
}

static uint64_t hash_bytes(const char *s, size_t len, int phone)
{
    uint64_t h = phone ? 7809847782465536322ULL : 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static const dneedle *lookup(const kl_disclosure *d, const char *key, size_t len, int phone)
{
    if (!d->slots)
        return NULL;
    for (size_t i = (size_t)hash_bytes(key, len, phone) & d->mask;; i = (i + 1) & d->mask) {
        size_t s = d->slots[i];
        if (!s)
            return NULL;
        const dneedle *nd = &d->items[s - 1];
        if (ND_LEN(nd) == len && (ND_KIND(nd) == D_PHONE) == (phone != 0) &&
            memcmp(d->keys + nd->key, key, len) == 0)
            return nd;
    }
}

/* Is there a word boundary before byte p of a record's text (own_keep)? */
static bool own_bound(const unsigned char *bits, size_t p)
{
    return (bits[p >> 3] >> (p & 7)) & 1;
}

/* Is key (normalised, len bytes) in member k's own details, starting and ending on word
 * boundaries? */
static bool own_has(const kl_disclosure *d, size_t k, const char *key, size_t len)
{
    const char *s = d->own_text + d->own[k];
    size_t n = strlen(s);
    const unsigned char *bits = (const unsigned char *)s + n + 1;
    if (!len)
        return false;
    for (const char *hit = strstr(s, key); hit; hit = strstr(hit + 1, key)) {
        size_t at = (size_t)(hit - s);
        if (at + len <= n && own_bound(bits, at) && own_bound(bits, at + len))
            return true;
    }
    return false;
}

/* Member k's id, in its record. */
static const char *own_id(const kl_disclosure *d, size_t k)
{
    const char *s = d->own_text + d->own[k];
    size_t n = strlen(s);
    return s + n + 1 + n / 8 + 1;
}

void kl_disclosure__unref(kl_disclosure *d)
{
    if (!d || __atomic_sub_fetch(&d->refs, 1, __ATOMIC_ACQ_REL) > 0)
        return;
    kl_free(d->withheld);
    kl_free(d->own);
    kl_free(d->own_text);
    kl_free(d->items);
    kl_free(d->keys);
    kl_free(d->owners);
    kl_free(d->slots);
    kl_free(d->lens);
    kl_free(d->plens);
    kl_free(d->prefix);
    kl_free(d);
}

kl_disclosure *kl_disclosure__ref(const kl_disclosure *d)
{
    kl_disclosure *m = (kl_disclosure *)d;
    if (m)
        __atomic_add_fetch(&m->refs, 1, __ATOMIC_ACQ_REL);
    return m;
}

typedef struct builder {
    dpair *pairs;
    size_t n, cap;
    kl_buf own; /* the member's own details, one per line */
    int rc;
    const char *partnership_pc; /* normalised key of the partnership's postcode, or NULL */
} builder;

static void add_pair(builder *b, char *key, dkind kind, size_t owner)
{
    if (!key) {
        b->rc = b->rc ? b->rc : KL_ENOMEM;
        return;
    }
    if (b->rc || !*key) {
        kl_free(key);
        return;
    }
    if (KL_GROW(b->pairs, b->cap, b->n + 1) < 0) {
        kl_free(key);
        b->rc = KL_ENOMEM;
        return;
    }
    b->pairs[b->n++] = (dpair){key, kind, owner};
}

/* The normalised key of a text, or NULL on failure (*oom) or when empty. */
static char *text_key(const char *s, bool *oom)
{
    dtext t;
    *oom = false;
    int rc = dtext_make(s, strlen(s), &t);
    if (rc) {
        *oom = rc == KL_ENOMEM;
        return NULL;
    }
    char *k = t.s;
    t.s = NULL;
    dtext_free(&t);
    return k;
}

static void add_text(builder *b, const char *s, dkind kind, size_t owner)
{
    bool oom;
    char *k = text_key(s, &oom);
    if (!k) {
        if (oom)
            b->rc = KL_ENOMEM;
        return;
    }
    /* Shorter keys are too likely to occur by chance ("flat1"). */
    if (strlen(k) < 5 ||
        (kind == D_POSTCODE && b->partnership_pc && strcmp(k, b->partnership_pc) == 0)) {
        kl_free(k);
        return;
    }
    add_pair(b, k, kind, owner);
}

static void add_phone(builder *b, const char *s, size_t owner)
{
    char key[24];
    if (kl_review__phone_key(s, key, sizeof key))
        add_pair(b, kl_core__strdup(key), D_PHONE, owner);
}

static void own_line(builder *b, const char *s)
{
    if (s && *s) {
        kl_core__buf_puts(&b->own, s);
        kl_core__buf_putc(&b->own, '\n');
    }
}

static bool is_el(xmlNodePtr n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static char *node_text(xmlNodePtr n)
{
    xmlChar *c = xmlNodeGetContent(n);
    char *s = kl_core__strdup(c ? (const char *)c : "");
    xmlFree(c);
    return s;
}

/* One <address>: its lines in order, the town, the postcode. */
static void add_address(builder *b, xmlNodePtr a, size_t owner)
{
    char *elems[64 + 2];
    size_t n = 0;
    char *postcode = NULL;
    for (xmlNodePtr c = a->children; c && !b->rc; c = c->next) {
        if (!(is_el(c, "line") || is_el(c, "town") || is_el(c, "postcode")))
            continue;
        char *s = node_text(c);
        if (!s) {
            b->rc = KL_ENOMEM;
            break;
        }
        own_line(b, s);
        if (is_el(c, "postcode")) {
            kl_free(postcode);
            postcode = s;
        } else if (n < sizeof elems / sizeof elems[0]) {
            elems[n++] = s;
        } else {
            /* More than 64 lines: each still counts on its own. */
            if (line_strength(s) == (LINE_NUMBER | LINE_NAME))
                add_text(b, s, D_ADDRESS, owner);
            kl_free(s);
        }
    }
    /* The town (if any) is the last element; it never counts alone. */
    size_t n_lines = n;
    if (n && is_el(a, "address")) {
        for (xmlNodePtr c = a->children; c; c = c->next)
            if (is_el(c, "town"))
                n_lines = n - 1;
    }
    /* A line with a house number and a name counts alone ("12 Elm Road");
     * so does a first line that names the house or building ("Bwthyn y
     * Nant", "Ash Court"). A first line that is only a flat or house number
     * ("Flat 14", "12") counts together with the next element, and a house
     * name counts that way too. Later lines without a number (a street
     * with no house, a locality) and the town never count alone. */
    for (size_t i = 0; i < n_lines && !b->rc; i++) {
        int s = line_strength(elems[i]);
        if (s == (LINE_NUMBER | LINE_NAME) || (i == 0 && s == LINE_NAME))
            add_text(b, elems[i], D_ADDRESS, owner);
        if (i == 0 && s != (LINE_NUMBER | LINE_NAME) && s && n > 1 && !b->rc) {
            kl_buf two = KL_BUF_INIT;
            kl_core__buf_printf(&two, "%s %s", elems[0], elems[1]);
            if (two.oom)
                b->rc = KL_ENOMEM;
            else
                add_text(b, two.data, D_ADDRESS, owner);
            kl_core__buf_free(&two);
        }
    }
    if (postcode && !b->rc)
        add_text(b, postcode, D_POSTCODE, owner);
    for (size_t i = 0; i < n; i++)
        kl_free(elems[i]);
    kl_free(postcode);
}

/* Every identifying detail in a member's element, read from the XML so that
 * a member whose data has errors is still protected. */
static void add_member(builder *b, xmlNodePtr mn, size_t owner)
{
    for (xmlNodePtr c = mn->children; c && !b->rc; c = c->next) {
        if (!is_el(c, "contact"))
            continue;
        for (xmlAttrPtr a = c->properties; a && !b->rc; a = a->next) {
            xmlChar *v = xmlNodeGetContent((xmlNodePtr)a);
            const char *s = v ? (const char *)v : "";
            if (strcmp((const char *)a->name, "email") == 0 && *s) {
                own_line(b, s);
                add_text(b, s, D_EMAIL, owner);
            } else if (strcmp((const char *)a->name, "phone") == 0 && *s) {
                own_line(b, s);
                add_phone(b, s, owner);
            }
            xmlFree(v);
        }
        for (xmlNodePtr a = c->children; a && !b->rc; a = a->next)
            if (is_el(a, "address"))
                add_address(b, a, owner);
    }
}

static int cmp_pair(const void *x, const void *y)
{
    const dpair *a = x, *b = y;
    if (a->kind == D_PHONE && b->kind != D_PHONE)
        return 1;
    if (a->kind != D_PHONE && b->kind == D_PHONE)
        return -1;
    int c = strcmp(a->key, b->key);
    if (c)
        return c;
    return a->owner < b->owner ? -1 : a->owner > b->owner;
}

static int cmp_size(const void *x, const void *y)
{
    size_t a = *(const size_t *)x, b = *(const size_t *)y;
    return a < b ? -1 : a > b;
}

/* a, shrunk to its first n (at least one); NULL if realloc failed (a unchanged). */
static size_t *k_shrink(size_t *a, size_t n)
{
    return kl_core__realloc(a, (n ? n : 1) * sizeof *a);
}

/* Is the detail of a pair the same as the previous one's (sorted next to it)? */
static bool same_detail(const dpair *p, const dpair *prev)
{
    return (p->kind == D_PHONE) == (prev->kind == D_PHONE) && strcmp(p->key, prev->key) == 0;
}

static int index_pairs(kl_disclosure *d, builder *b)
{
    if (!b->n)
        return 0;
    if (b->n >= UINT32_MAX / 2)
        return KL_ELIMIT;
    qsort(b->pairs, b->n, sizeof *b->pairs, cmp_pair);
    /* Counted first, so that what is kept for the whole run is allocated at its size: a detail
     * that several members share (one home) is one needle with each of them as an owner; every
     * offset and count must fit the needles' 32 bits. */
    size_t n_items = 0, n_owners = 0, n_keys = 0;
    for (size_t i = 0; i < b->n; i++) {
        const dpair *p = &b->pairs[i];
        if (p->owner >= UINT32_MAX)
            return KL_ELIMIT;
        if (i && same_detail(p, &b->pairs[i - 1])) {
            n_owners += p->owner != b->pairs[i - 1].owner;
            continue;
        }
        size_t len = strlen(p->key);
        if (len > ND_MAXLEN || len + 1 > UINT32_MAX - n_keys)
            return KL_ELIMIT;
        n_items++;
        n_owners++;
        n_keys += len + 1;
    }
    d->items = kl_core__calloc(n_items + 1, sizeof *d->items);
    d->owners = kl_core__calloc(n_owners, sizeof *d->owners);
    d->keys = kl_core__malloc(n_keys);
    d->lens = kl_core__calloc(n_items, sizeof *d->lens);
    d->plens = kl_core__calloc(n_items, sizeof *d->plens);
    if (!d->items || !d->owners || !d->keys || !d->lens || !d->plens)
        return KL_ENOMEM;
    size_t n_o = 0, n_k = 0;
    for (size_t i = 0; i < b->n; i++) {
        dpair *p = &b->pairs[i];
        dneedle *last = d->n_items ? &d->items[d->n_items - 1] : NULL;
        if (last && (ND_KIND(last) == D_PHONE) == (p->kind == D_PHONE) &&
            strcmp(d->keys + last->key, p->key) == 0) {
            /* The same detail of several members (a shared home): one needle. */
            if (d->owners[n_o - 1] != p->owner)
                d->owners[n_o++] = (uint32_t)p->owner;
        } else {
            size_t len = strlen(p->key);
            dneedle *nd = &d->items[d->n_items++];
            nd->key = (uint32_t)n_k;
            nd->first = (uint32_t)n_o;
            nd->lk = (uint32_t)(len << 2 | (size_t)p->kind);
            memcpy(d->keys + n_k, p->key, len + 1);
            n_k += len + 1;
            d->owners[n_o++] = (uint32_t)p->owner;
            if (p->kind == D_PHONE)
                d->plens[d->n_plens++] = len;
            else
                d->lens[d->n_lens++] = len;
        }
        kl_free(p->key); /* in keys now */
        p->key = NULL;
    }
    assert(d->n_items == n_items && n_o == n_owners && n_k == n_keys);
    d->items[n_items].first = (uint32_t)n_o; /* the end of the last needle's owners */
    size_t n_slots = 16;
    while (n_slots < 2 * d->n_items)
        n_slots *= 2;
    d->slots = kl_core__calloc(n_slots, sizeof *d->slots);
    if (!d->slots)
        return KL_ENOMEM;
    d->mask = n_slots - 1;
    for (size_t i = 0; i < d->n_items; i++) {
        const dneedle *nd = &d->items[i];
        size_t s =
            (size_t)hash_bytes(d->keys + nd->key, ND_LEN(nd), ND_KIND(nd) == D_PHONE) & d->mask;
        while (d->slots[s])
            s = (s + 1) & d->mask;
        d->slots[s] = (uint32_t)(i + 1);
    }
    /* The prefix filter, 16 bits a needle up to its cap; only if no needle is as short as its
     * prefix (never: text needles are at least 5 bytes, phone keys 7 digits). */
    size_t shortest = SIZE_MAX;
    for (size_t i = 0; i < d->n_items; i++)
        if (ND_LEN(&d->items[i]) < shortest)
            shortest = ND_LEN(&d->items[i]);
    if (shortest > PREFIX) {
        unsigned lg = 9;
        while (((size_t)1 << lg) < PREFIX_MAX_BITS && ((size_t)1 << lg) < 16 * d->n_items)
            lg++;
        d->prefix = kl_core__calloc(((size_t)1 << lg) / 8, 1);
        if (!d->prefix)
            return KL_ENOMEM;
        d->prefix_shift = 64 - lg;
        for (size_t i = 0; i < d->n_items; i++) {
            const dneedle *nd = &d->items[i];
            size_t bit = prefix_bit(d, d->keys + nd->key, ND_KIND(nd) == D_PHONE);
            d->prefix[bit >> 3] |= (unsigned char)(1u << (bit & 7));
        }
    }
    /* Distinct lengths, ascending. */
    size_t *arrs[2] = {d->lens, d->plens};
    size_t *counts[2] = {&d->n_lens, &d->n_plens};
    for (int a = 0; a < 2; a++) {
        qsort(arrs[a], *counts[a], sizeof(size_t), cmp_size);
        size_t k = 0;
        for (size_t i = 0; i < *counts[a]; i++)
            if (!k || arrs[a][k - 1] != arrs[a][i])
                arrs[a][k++] = arrs[a][i];
        *counts[a] = k;
    }
    size_t *lens = k_shrink(d->lens, d->n_lens), *plens = k_shrink(d->plens, d->n_plens);
    d->lens = lens ? lens : d->lens;
    d->plens = plens ? plens : d->plens;
    return 0;
}

static bool member_withheld(const kl_member *m)
{
    if (m->contact_none)
        return true;
    for (size_t i = 0; i < m->n_contacts; i++)
        if (m->contacts[i].channel == KL_CHANNEL_VIA_PROFESSIONAL)
            return true;
    return false;
}

/* The index being built, one member at a time. */
struct kl_disclosure_builder {
    kl_disclosure *d;
    builder b;
    char *partnership_pc;
    size_t cap;              /* members the arrays hold */
    size_t own_len, own_cap; /* of d->own_text */
    bool limit; /* the records passed 4 GB: refused at the end (kl_review__disclosure_end) */
};

/* A member's own details, t, and its id, appended to the members' records (d->own_text: grown
 * by doubling while the members are read, shrunk to its size at the end; the builder's buffers
 * are left behind): its record's offset into *off. 0, KL_ENOMEM or KL_ELIMIT (the records no
 * longer fit 32-bit offsets).
 *
 * The normalised text holds only the words' letters and digits, so a word starts just where
 * the one before it ends: t's flags (a word starts at p: 1; ends at p: 2) are kept as one bit
 * for each place between bytes, p from 0 to len, set where a word starts at p or one ends
 * just before it. A key is bounded in the text (starts at a word's start, ends at a word's
 * end) exactly when the bits before its first byte and after its last are set. */
static int own_keep(kl_disclosure_builder *db, const dtext *t, const char *id, uint32_t *off)
{
    kl_disclosure *d = db->d;
    size_t n = strlen(id), nb = t->len / 8 + 1, need = t->len + 1 + nb + n + 1;
    if (need > UINT32_MAX - db->own_len)
        return KL_ELIMIT;
    if (KL_GROW(d->own_text, db->own_cap, db->own_len + need) < 0)
        return KL_ENOMEM;
    char *rec = d->own_text + db->own_len;
    memcpy(rec, t->s, t->len + 1);
    unsigned char *bits = (unsigned char *)rec + t->len + 1;
    memset(bits, 0, nb);
    for (size_t p = 0; p <= t->len; p++) {
        bool starts = p < t->len && (t->flags[p] & 1), ends = p > 0 && (t->flags[p - 1] & 2);
        /* the text's first word starts at 0, its last ends at len, and between them a word
         * starts where one ends */
        assert(p == 0 || p == t->len ? starts || ends || !t->len : starts == ends);
        if (starts || ends)
            bits[p >> 3] |= (unsigned char)(1u << (p & 7));
    }
    memcpy(rec + t->len + 1 + nb, id, n + 1);
    *off = (uint32_t)db->own_len;
    db->own_len += need;
    return 0;
}

void kl_review__disclosure_builder_free(kl_disclosure_builder *db)
{
    if (!db)
        return;
    for (size_t i = 0; i < db->b.n; i++)
        kl_free(db->b.pairs[i].key);
    kl_free(db->b.pairs);
    kl_core__buf_free(&db->b.own);
    kl_free(db->partnership_pc);
    if (db->d)
        kl_disclosure__unref(db->d);
    kl_free(db);
}

int kl_review__disclosure_begin(kl_review *rv, size_t n, kl_disclosure_builder **out)
{
    kl_disclosure_builder *db = kl_core__calloc(1, sizeof *db);
    kl_disclosure *d = db ? kl_core__calloc(1, sizeof *d) : NULL;
    *out = db;
    if (!d)
        return KL_ENOMEM;
    db->d = d;
    db->b.own = (kl_buf)KL_BUF_INIT;
    d->refs = 1;
    /* Sized for every member of the family (counted before they are read). */
    db->cap = n;
    size_t nm = n ? n : 1;
    d->withheld = kl_core__calloc(nm, 1);
    d->own = kl_core__calloc(nm, sizeof *d->own);
    if (!d->withheld || !d->own)
        return KL_ENOMEM;
    char pc[16];
    bool oom = false;
    if (rv->info.partnership_address.postcode &&
        kl_review__postcode(rv->info.partnership_address.postcode, pc)) {
        db->partnership_pc = text_key(pc, &oom);
        if (oom)
            return KL_ENOMEM;
    }
    db->b.partnership_pc = db->partnership_pc;
    return 0;
}

int kl_review__disclosure_add(kl_disclosure_builder *db, const kl_member *m, size_t k,
                              xmlNodePtr member)
{
    kl_disclosure *d = db->d;
    builder *b = &db->b;
    if (b->rc)
        return b->rc;
    if (k >= db->cap || k != d->n_members)
        return b->rc = KL_EINVAL; /* never: the family was counted, members come in order */
    d->n_members = k + 1;
    d->withheld[k] = member_withheld(m);
    if (db->limit)
        return 0;
    kl_core__buf_free(&b->own);
    b->own = (kl_buf)KL_BUF_INIT;
    if (member)
        add_member(b, member, k);
    if (b->own.oom)
        b->rc = KL_ENOMEM;
    if (!b->rc) {
        const char *own = b->own.data ? b->own.data : "";
        dtext t;
        int r = dtext_make(own, strlen(own), &t);
        if (!r) {
            r = own_keep(db, &t, m->id && *m->id ? m->id : "(no id)", &d->own[k]);
            dtext_free(&t);
            if (r == KL_ELIMIT) {
                db->limit = true; /* the rest is not indexed; the end refuses the index */
                r = 0;
            }
        }
        if (r)
            b->rc = r;
    }
    kl_core__buf_free(&b->own);
    b->own = (kl_buf)KL_BUF_INIT;
    return b->rc;
}

int kl_review__disclosure_end(kl_disclosure_builder *db, kl_review *rv)
{
    if (!db)
        return KL_ENOMEM;
    int rc = db->b.rc;
    if (!rc && db->limit)
        rc = KL_ELIMIT;
    if (!rc) {
        /* Kept for the whole run: the members' records at their size. */
        KL_SHRINK(db->d->own_text, db->own_cap, db->own_len);
        rc = index_pairs(db->d, &db->b);
    }
    if (!rc) {
        rv->disclosure = db->d;
        db->d = NULL;
    }
    return rc;
}

const kl_disclosure *kl_review__disclosure(const kl_review *rv)
{
    return rv ? rv->disclosure : NULL;
}

/* ---- the check ---------------------------------------------------------------------- */

static const char *kind_name(dkind k)
{
    switch (k) {
    case D_PHONE:
        return "a phone number";
    case D_EMAIL:
        return "an email address";
    case D_POSTCODE:
        return "a postcode";
    case D_ADDRESS:
        break;
    }
    return "an address line";
}

/* 0 if the reader may see this detail, else KL_EDATA with *hit filled. */
static int judge(const kl_disclosure *d, const dneedle *nd, size_t reader, unsigned flags,
                 kl_disclosure_hit *hit)
{
    bool own = false;
    size_t other = KL_DISCLOSURE_NOBODY;
    for (size_t i = nd->first; i < nd[1].first; i++) {
        size_t o = d->owners[i];
        if (o == reader)
            own = true;
        else if (other == KL_DISCLOSURE_NOBODY)
            other = o;
    }
    bool reader_sees_own =
        reader < d->n_members && (!d->withheld[reader] || (flags & KL_DISCLOSURE_OWN_ALWAYS));
    /* A member's own details are theirs to see, even where another member
     * shares them (one home); so is a detail inside one of their own ("12
     * Elm Road" within "Flat 3, 12 Elm Road"): it tells them nothing new. */
    if (reader_sees_own && !own && ND_KIND(nd) != D_PHONE)
        own = own_has(d, reader, d->keys + nd->key, ND_LEN(nd));
    if (reader_sees_own && own)
        return 0;
    size_t whose = other < d->n_members ? other : reader;
    hit->kind = kind_name(ND_KIND(nd));
    hit->member_id = whose < d->n_members ? own_id(d, whose) : "(unknown)";
    hit->withheld = whose < d->n_members ? d->withheld[whose] != 0 : false;
    hit->own = whose == reader;
    return KL_EDATA;
}

int kl_disclosure__report(kl_context *ctx, const kl_disclosure_hit *hit, kl_where w,
                          const char *what)
{
    if (hit->own)
        return kl_core__error(
            ctx, KL_EDATA, w,
            "a member whose contact details are withheld has no address or contact "
            "detail printed anywhere; remove it from the text",
            "%s holds %s of this member, whose contact details are withheld", what, hit->kind);
    return kl_core__error(ctx, KL_EDATA, w,
                          "one member's address, phone or email never goes into another member's "
                          "correspondence; remove it from the text or the template",
                          "%s holds %s of member %s%s", what, hit->kind, hit->member_id,
                          hit->withheld ? ", whose contact details are withheld" : "");
}

/* Can a text needle start at byte p of t? Every needle is longer than its prefix: a place where
 * no needle's prefix starts (most of a letter's words) is passed over without a lookup. */
static inline bool may_start(const kl_disclosure *d, const dtext *t, size_t p)
{
    return !d->prefix || (p + PREFIX < t->len && prefix_may(d, t->s + p, 0));
}

/* The text needles of t that start at word start p and end on a word's end, in the order of
 * their lengths: 0, or KL_EDATA from judge at the first the reader may not see. */
static int find_at(const kl_disclosure *d, const dtext *t, size_t p, size_t reader, unsigned flags,
                   kl_disclosure_hit *hit)
{
    for (size_t l = 0; l < d->n_lens; l++) {
        size_t n = d->lens[l];
        if (p + n > t->len)
            break;
        if (!(t->flags[p + n - 1] & 2))
            continue;
        const dneedle *nd = lookup(d, t->s + p, n, 0);
        int rc = nd ? judge(d, nd, reader, flags, hit) : 0;
        if (rc)
            return rc;
    }
    return 0;
}

int kl_disclosure__find(const kl_disclosure *d, size_t reader, unsigned flags, const char *text,
                        size_t len, kl_disclosure_hit *hit)
{
    if (!d || !d->n_items || !text || !len)
        return 0;
    dtext t;
    int rc = dtext_make(text, len, &t);
    if (rc)
        return rc;
    /* The words' starts, eight flags at a time where the bytes' order allows. */
    size_t p = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    for (; p + 8 <= t.len && !rc; p += 8) {
        uint64_t v;
        memcpy(&v, t.flags + p, sizeof v);
        for (v &= 0x0101010101010101ULL; v && !rc; v &= v - 1) {
            size_t q = p + (size_t)__builtin_ctzll(v) / 8;
            if (may_start(d, &t, q))
                rc = find_at(d, &t, q, reader, flags, hit);
        }
    }
#endif
    for (; p < t.len && !rc; p++)
        if ((t.flags[p] & 1) && may_start(d, &t, p))
            rc = find_at(d, &t, p, reader, flags, hit);
    const unsigned char *pre = d->prefix;
    for (p = 0; p < t.n_digits && !rc; p++) {
        if (pre && (p + PREFIX >= t.n_digits || !prefix_may(d, t.digits + p, 1)))
            continue;
        for (size_t l = 0; l < d->n_plens && !rc; l++) {
            size_t n = d->plens[l];
            if (p + n > t.n_digits || memchr(t.digits + p, '|', n))
                break;
            const dneedle *nd = lookup(d, t.digits + p, n, 1);
            if (nd)
                rc = judge(d, nd, reader, flags, hit);
        }
    }
    dtext_free(&t);
    return rc;
}

int kl_disclosure__scan(kl_context *ctx, const kl_disclosure *d, size_t reader, unsigned flags,
                        const char *text, size_t len, kl_where w, const char *what)
{
    kl_disclosure_hit hit;
    int rc = kl_disclosure__find(d, reader, flags, text, len, &hit);
    if (rc == KL_EDATA)
        return kl_disclosure__report(ctx, &hit, w, what);
    if (rc == KL_ENOMEM)
        return kl_core__oom(ctx);
    if (rc)
        return kl_core__error(ctx, rc, w, NULL, "%s could not be checked for contact details",
                              what);
    return 0;
}
