/* SPDX-License-Identifier: MIT */
/* catalog/catalog.c: compiled ICU resource bundles: look-up with variant and locale fallback. */
#include "catalog/catalog_internal.h"
#include "core/fileio.h"
#include "kinletter/catalog.h"
#include "template/template.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <unicode/uloc.h>
#include <unicode/ures.h>
#include <unicode/ustring.h>

#define MAX_CHAIN  6
#define MAX_LOCALE 64
#define MAX_CATSRC (4u << 20)

typedef struct meta_entry {
    char *icu; /* the catalog's ICU locale name */
    char *status, *reviewer, *reviewed;
} meta_entry;

/* A locale's catalogs, found once per set: every message of every letter
 * asks for them, and looking costs an access() call a catalog. */
typedef struct chain_entry {
    char locale[MAX_LOCALE];
    size_t n;
    char chain[MAX_CHAIN][MAX_LOCALE];
    /* Its date style (date_style), once read: each letter's date and dated messages ask. */
    bool dates_known;
    char *date_pattern, *months; /* NULL: none */
} chain_entry;
#define MAX_CHAINS 32

/* A message looked up once per set: every letter asks for the same few hundred, and each
 * look-up opens the locale's bundles, reads two tables and converts the text to UTF-8 (and
 * for a translation, the English it was made from, to fingerprint). */
typedef struct found_entry {
    char *key;     /* locale, variant and msgid (found_key); NULL: a free slot */
    char *pattern; /* NULL: not found */
    kl_msg_origin origin;
} found_entry;
#define MAX_FOUND 16384 /* entries; past it, look-ups are not kept */

struct kl_catalog_set {
    char *dir;     /* ends with '/' */
    char *src_dir; /* the .txt sources compiled into dir (a private temporary
                    * directory, removed when the set is freed), or NULL */
    pthread_mutex_t lock;
    meta_entry *metas;
    size_t n_metas, cap_metas;
    chain_entry chains[MAX_CHAINS]; /* guarded by lock */
    size_t n_chains;
    found_entry *found; /* guarded by lock: open addressing, cap_found a power of 2 */
    size_t n_found, cap_found;
    uint64_t serial; /* this set's number in the process (kl_catalog__format_lent), never 0 */
};

/* The last set's serial. */
static uint64_t last_serial;

const char *kl_catalog__variant_key(kl_reading r)
{
    switch (r) {
    case KL_READING_EASY_READ:
        return "easy_read";
    case KL_READING_YOUNG_PERSON:
        return "young_person";
    case KL_READING_PLAIN:
        return "plain";
    default:
        return "standard";
    }
}

/* The variant a message falls back to when a variant table lacks it, or -1:
 * young_person > plain > standard; easy_read > plain > standard (a text for
 * an adult who reads Easy Read is never one written for a child). */
static int next_variant(int v)
{
    return v == KL_READING_EASY_READ ? KL_READING_PLAIN : v - 1;
}

/* ICU trusts a .res file it maps (a truncated one crashes the reader), so every compiled
 * catalog is checked first: ICU's data header, "ResB", this machine's byte order, and the
 * length the bundle's index gives (headerSize + 4 * indexes[URES_INDEX_BUNDLE_TOP]). */
static int check_res_files(kl_context *ctx, const char *dir /* ends with / */)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0; /* reported where the catalogs are read */
    int rc = 0;
    struct dirent *e;
    while (!rc && (e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 5 || e->d_name[0] == '.' || strcmp(e->d_name + len - 4, ".res") != 0)
            continue;
        char path[4096];
        if (snprintf(path, sizeof path, "%s%s", dir, e->d_name) >= (int)sizeof path)
            continue;
        unsigned char h[64] = {0};
        struct stat st;
        FILE *f = fopen(path, "rb");
        size_t got = f ? fread(h, 1, sizeof h, f) : 0;
        bool readable = f && fstat(fileno(f), &st) == 0;
        if (f)
            fclose(f);
        if (!readable) {
            rc =
                kl_core__error(ctx, KL_EIO, KL_AT(path, 0, 0), "compile the catalogs again (genrb)",
                               "cannot read the compiled catalog");
            break;
        }
        /* The header is in the file's byte order, which ICU needs to be this machine's. */
        uint16_t hs, one = 1;
        memcpy(&hs, h, 2);
        bool little = *(unsigned char *)&one == 1;
        uint32_t idx0 = 0, top = 0;
        bool ok = got >= 32 && h[2] == 0xda && h[3] == 0x27 && h[8] == (little ? 0 : 1) &&
                  memcmp(h + 12, "ResB", 4) == 0 && h[16] >= 1 && h[16] <= 3 && hs >= 24 &&
                  (size_t)hs + 20 <= got;
        if (ok) {
            memcpy(&idx0, h + hs + 4, 4);
            memcpy(&top, h + hs + 16, 4);
            ok = (idx0 & 0xff) > 3;
        }
        if (!ok) {
            rc = kl_core__error(ctx, KL_EFORMAT, KL_AT(path, 0, 0),
                                "compile the catalogs again (genrb), or remove the file",
                                "not a compiled catalog (an ICU resource bundle for this machine)");
        } else if ((uint64_t)st.st_size < (uint64_t)hs + 4 * (uint64_t)top) {
            rc = kl_core__error(
                ctx, KL_EFORMAT, KL_AT(path, 0, 0), "compile the catalogs again (genrb)",
                "the compiled catalog is damaged: %lld bytes of %llu", (long long)st.st_size,
                (unsigned long long)hs + 4 * (unsigned long long)top);
        }
    }
    closedir(d);
    return rc;
}

/* dir with a '/' at the end (allocated), or NULL. */
static char *with_slash(const char *dir)
{
    kl_buf b = KL_BUF_INIT;
    kl_core__buf_puts(&b, dir);
    if (b.len == 0 || b.data[b.len - 1] != '/')
        kl_core__buf_putc(&b, '/');
    if (b.oom) {
        kl_core__buf_free(&b);
        return NULL;
    }
    return kl_core__buf_detach(&b);
}

int kl_catalog__set_new(kl_context *ctx, const char *dir, const char *src_dir, kl_catalog_set **out)
{
    int rc = 0;
    kl_catalog_set *set = kl_core__calloc(1, sizeof *set);
    if (!set || !(set->dir = with_slash(dir)) ||
        (src_dir && !(set->src_dir = with_slash(src_dir)))) {
        rc = kl_core__oom(ctx);
        goto done;
    }
    if ((rc = check_res_files(ctx, set->dir)) < 0)
        goto done;
    if (pthread_mutex_init(&set->lock, NULL) != 0) {
        rc = kl_core__error(ctx, KL_EBACKEND, KL_NOWHERE, NULL, "could not create a mutex");
        goto done;
    }
    set->serial = __atomic_add_fetch(&last_serial, 1, __ATOMIC_RELAXED);
    *out = set;
    set = NULL;
done:
    if (set) {
        kl_free(set->src_dir);
        kl_free(set->dir);
        kl_free(set);
    }
    if (rc && src_dir)
        kl_catalog_remove_compiled(dir);
    return rc;
}

KL_API void kl_catalog_set_free(kl_catalog_set *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->n_metas; i++) {
        kl_free(set->metas[i].icu);
        kl_free(set->metas[i].status);
        kl_free(set->metas[i].reviewer);
        kl_free(set->metas[i].reviewed);
    }
    kl_free(set->metas);
    for (size_t i = 0; i < set->n_chains; i++) {
        kl_free(set->chains[i].date_pattern);
        kl_free(set->chains[i].months);
    }
    for (size_t i = 0; i < set->cap_found; i++) {
        kl_free(set->found[i].key);
        kl_free(set->found[i].pattern);
    }
    kl_free(set->found);
    pthread_mutex_destroy(&set->lock);
    if (set->src_dir)
        kl_catalog_remove_compiled(set->dir);
    kl_free(set->src_dir);
    kl_free(set->dir);
    kl_free(set);
}

KL_API const char *kl_catalog_set_dir(const kl_catalog_set *set)
{
    return set ? set->dir : NULL;
}

/* Only a directory kl_catalog_compile() made (its name and its mark), and in
 * it only compiled catalogs and the mark: a wrong path removes nothing. */
KL_API void kl_catalog_remove_compiled(const char *dir)
{
    if (!dir)
        return;
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/') /* "…/kinletter-catalogs-Ab12Cd/" */
        n--;
    const char *base = dir + n;
    while (base > dir && base[-1] != '/')
        base--;
    if ((size_t)(dir + n - base) <= strlen(KL_COMPILED_PREFIX) ||
        strncmp(base, KL_COMPILED_PREFIX, strlen(KL_COMPILED_PREFIX)) != 0)
        return;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    if (fd < 0)
        return;
    struct stat st;
    if (fstatat(fd, KL_COMPILED_MARK, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return;
    }
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        bool res = len > 4 && strcmp(e->d_name + len - 4, ".res") == 0;
        if (!res || fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
            continue;
        unlinkat(fd, e->d_name, 0);
    }
    unlinkat(fd, KL_COMPILED_MARK, 0);
    closedir(d);
    rmdir(dir); /* fails, and keeps the directory, if anything else is in it */
}

void kl_catalog__fingerprint(const char *text, char out[17])
{
    char hex[65];
    kl_core__sha256_hex(text, strlen(text), hex);
    memcpy(out, hex, 16);
    out[16] = '\0';
}

static bool res_exists(const kl_catalog_set *set, const char *icu)
{
    /* No allocation here: running out of memory must not look like "not found". */
    char path[4096];
    int n = snprintf(path, sizeof path, "%s%s.res", set->dir, icu);
    return n > 0 && (size_t)n < sizeof path && access(path, R_OK) == 0;
}

/* The catalogs that may serve a locale, best first: the locale, then with
 * its last subtag dropped ("pt_BR" > "pt"); if none exists, the first other
 * region of the same language ("en" > "en_GB"). Never another language. */
static size_t find_chain(const kl_catalog_set *set, const char *locale,
                         char chain[MAX_CHAIN][MAX_LOCALE]);

static size_t locale_chain(const kl_catalog_set *cset, const char *locale,
                           char chain[MAX_CHAIN][MAX_LOCALE])
{
    /* The set is shared by threads and read-only to them but for this cache. */
    kl_catalog_set *set = (kl_catalog_set *)cset;
    const char *key = locale ? locale : "";
    if (strlen(key) >= MAX_LOCALE)
        return find_chain(set, locale, chain);
    pthread_mutex_lock(&set->lock);
    for (size_t i = 0; i < set->n_chains; i++)
        if (strcmp(set->chains[i].locale, key) == 0) {
            size_t n = set->chains[i].n;
            memcpy(chain, set->chains[i].chain, n * sizeof chain[0]);
            pthread_mutex_unlock(&set->lock);
            return n;
        }
    pthread_mutex_unlock(&set->lock);
    size_t n = find_chain(set, locale, chain);
    pthread_mutex_lock(&set->lock);
    if (set->n_chains < MAX_CHAINS) {
        chain_entry *e = &set->chains[set->n_chains++];
        snprintf(e->locale, sizeof e->locale, "%s", key);
        e->n = n;
        memcpy(e->chain, chain, n * sizeof chain[0]);
    }
    pthread_mutex_unlock(&set->lock);
    return n;
}

static size_t find_chain(const kl_catalog_set *set, const char *locale,
                         char chain[MAX_CHAIN][MAX_LOCALE])
{
    char id[MAX_LOCALE];
    UErrorCode st = U_ZERO_ERROR;
    int32_t n = uloc_forLanguageTag(locale ? locale : "", id, sizeof id, NULL, &st);
    if (U_FAILURE(st) || n <= 0 || n >= (int32_t)sizeof id || st == U_STRING_NOT_TERMINATED_WARNING)
        snprintf(id, sizeof id, "%s", locale ? locale : "");
    for (char *p = id; *p; p++)
        if (*p == '-')
            *p = '_';
    /* Keywords ("@calendar=...") are not part of a catalog's name. */
    char *at = strchr(id, '@');
    if (at)
        *at = '\0';
    if (!id[0])
        return 0;

    size_t count = 0;
    char cur[MAX_LOCALE];
    snprintf(cur, sizeof cur, "%s", id);
    for (;;) {
        if (count < MAX_CHAIN && res_exists(set, cur))
            snprintf(chain[count++], MAX_LOCALE, "%s", cur);
        char *us = strrchr(cur, '_');
        if (!us)
            break;
        *us = '\0';
    }
    if (count)
        return count;

    /* cur is now the bare language. */
    DIR *d = opendir(set->dir);
    if (!d)
        return 0;
    size_t llen = strlen(cur);
    char best[MAX_LOCALE] = "";
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len > llen + 5 && strncmp(e->d_name, cur, llen) == 0 && e->d_name[llen] == '_' &&
            strcmp(e->d_name + len - 4, ".res") == 0 && len - 4 < MAX_LOCALE) {
            char name[MAX_LOCALE];
            snprintf(name, sizeof name, "%.*s", (int)(len - 4), e->d_name);
            if (!best[0] || strcmp(name, best) < 0)
                snprintf(best, sizeof best, "%s", name);
        }
    }
    closedir(d);
    if (best[0])
        snprintf(chain[count++], MAX_LOCALE, "%s", best);
    return count;
}

int kl_catalog__has_locale(kl_catalog_set *set, const char *locale)
{
    char chain[MAX_CHAIN][MAX_LOCALE];
    return locale_chain(set, locale, chain) > 0;
}

int kl_catalog__has_variant(kl_catalog_set *set, const char *locale, kl_reading variant)
{
    char chain[MAX_CHAIN][MAX_LOCALE];
    size_t n = locale_chain(set, locale, chain);
    int found = 0;
    for (size_t i = 0; i < n && !found; i++) {
        UErrorCode st = U_ZERO_ERROR;
        UResourceBundle *b = ures_openDirect(set->dir, chain[i], &st);
        if (U_FAILURE(st))
            continue;
        UResourceBundle *t = ures_getByKey(b, kl_catalog__variant_key(variant), NULL, &st);
        found = U_SUCCESS(st) && ures_getSize(t) > 0;
        ures_close(t);
        ures_close(b);
    }
    return found;
}

/* UTF-16 to an allocated UTF-8 string. */
static char *to_utf8(const UChar *u, int32_t len)
{
    UErrorCode st = U_ZERO_ERROR;
    int32_t n = 0;
    u_strToUTF8(NULL, 0, &n, u, len, &st);
    if (st != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(st))
        return NULL;
    char *s = kl_core__malloc((size_t)n + 1);
    if (!s)
        return NULL;
    st = U_ZERO_ERROR;
    u_strToUTF8(s, n + 1, NULL, u, len, &st);
    if (U_FAILURE(st)) {
        kl_free(s);
        return NULL;
    }
    return s;
}

/* A string at table/key in a bundle: 0, KL_ENOTFOUND, KL_EFORMAT (not a
 * string) or KL_ENOMEM. */
static int get_string(UResourceBundle *b, const char *table, const char *key, char **out)
{
    UErrorCode st = U_ZERO_ERROR;
    UResourceBundle *t = ures_getByKey(b, table, NULL, &st);
    UResourceBundle *m = U_SUCCESS(st) ? ures_getByKey(t, key, NULL, &st) : NULL;
    int rc = 0;
    if (U_FAILURE(st)) {
        rc = KL_ENOTFOUND;
    } else if (ures_getType(m) != URES_STRING) {
        rc = KL_EFORMAT;
    } else {
        int32_t len = 0;
        const UChar *u = ures_getString(m, &len, &st);
        if (U_FAILURE(st))
            rc = KL_EFORMAT;
        else if (!(*out = to_utf8(u, len)))
            rc = KL_ENOMEM;
    }
    ures_close(m);
    ures_close(t);
    return rc;
}

/* Is the translation out of date? Its catalog's `sources` table records a
 * fingerprint of the English it was made from (docs/TRANSLATING.md); the
 * English catalog's current text for the same variant (after variant
 * fallback in English) must still have that fingerprint. No fingerprint, or
 * no English catalog in the set: not stale. */
static int is_stale(const kl_catalog_set *set, UResourceBundle *b, const char *icu, kl_reading v,
                    const char *msgid)
{
    if (strcmp(icu, "en_GB") == 0)
        return 0;
    UErrorCode st = U_ZERO_ERROR;
    UResourceBundle *src = ures_getByKey(b, "sources", NULL, &st);
    char *fp = NULL;
    int rc = U_SUCCESS(st) ? get_string(src, kl_catalog__variant_key(v), msgid, &fp) : 0;
    ures_close(src);
    if (rc == KL_ENOMEM)
        return rc;
    if (!fp)
        return 0;
    st = U_ZERO_ERROR;
    UResourceBundle *en = ures_openDirect(set->dir, "en_GB", &st);
    int stale = 0;
    if (U_SUCCESS(st)) {
        char *text = NULL;
        for (int k = (int)v; k >= 0 && !text && stale == 0; k = next_variant(k))
            if (get_string(en, kl_catalog__variant_key((kl_reading)k), msgid, &text) == KL_ENOMEM)
                stale = KL_ENOMEM;
        if (text) {
            char now[17];
            kl_catalog__fingerprint(text, now);
            stale = strcmp(now, fp) != 0;
        }
        kl_free(text);
    }
    ures_close(en);
    kl_free(fp);
    return stale;
}

static int lookup_bundles(kl_context *ctx, kl_catalog_set *set, const char *locale,
                          kl_reading variant, const char *msgid, char **pattern,
                          kl_msg_origin *origin, bool *warned);

/* "locale\x01variant\x01msgid" (the variant in decimal) into key, or false when it does not
 * fit. Every message of every letter makes one: not by snprintf. */
static bool found_key(const char *locale, kl_reading variant, const char *msgid, char *key,
                      size_t cap)
{
    const char *loc = locale ? locale : "";
    char num[24];
    size_t nn = 0;
    long long v = (long long)variant;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do
        num[sizeof num - 1 - nn++] = (char)('0' + u % 10);
    while ((u /= 10) && nn < sizeof num - 1);
    if (v < 0)
        num[sizeof num - 1 - nn++] = '-';
    size_t ll = strlen(loc), ml = strlen(msgid);
    if (ll + nn + ml + 3 > cap)
        return false;
    char *p = key;
    memcpy(p, loc, ll);
    p += ll;
    *p++ = '\x01';
    memcpy(p, num + sizeof num - nn, nn);
    p += nn;
    *p++ = '\x01';
    memcpy(p, msgid, ml + 1);
    return true;
}

static size_t found_hash(const char *key)
{
    size_t h = 14695981039346656037u; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 1099511628211u;
    return h;
}

/* The slot of key in the table (its entry, or the free slot it would take). */
static found_entry *found_slot(found_entry *table, size_t cap, const char *key)
{
    size_t i = found_hash(key) & (cap - 1);
    while (table[i].key && strcmp(table[i].key, key) != 0)
        i = (i + 1) & (cap - 1);
    return &table[i];
}

/* A look-up kept earlier: 1 and its outcome (0 with *pattern the kept text, or KL_ENOTFOUND),
 * or 0 when there is none. A kept text is the set's until it is freed (found_put never
 * replaces or frees one), so it is lent, not copied. */
static int found_get(kl_catalog_set *set, const char *key, const char **pattern,
                     kl_msg_origin *origin, int *rc)
{
    int hit = 0;
    pthread_mutex_lock(&set->lock);
    found_entry *e = set->cap_found ? found_slot(set->found, set->cap_found, key) : NULL;
    if (e && e->key) {
        hit = 1;
        *rc = KL_ENOTFOUND;
        if (e->pattern) {
            *pattern = e->pattern;
            *rc = 0;
            if (origin)
                *origin = e->origin;
        }
    }
    pthread_mutex_unlock(&set->lock);
    return hit;
}

/* Keep a look-up's outcome (pattern NULL: not found). Out of memory, or full: not kept. */
static void found_put(kl_catalog_set *set, const char *key, const char *pattern,
                      const kl_msg_origin *origin)
{
    pthread_mutex_lock(&set->lock);
    if (set->n_found + 1 > set->cap_found / 2) {
        size_t cap = set->cap_found ? set->cap_found * 2 : 512;
        found_entry *t = set->n_found < MAX_FOUND ? kl_core__calloc(cap, sizeof *t) : NULL;
        if (!t)
            goto done;
        for (size_t i = 0; i < set->cap_found; i++)
            if (set->found[i].key)
                *found_slot(t, cap, set->found[i].key) = set->found[i];
        kl_free(set->found);
        set->found = t;
        set->cap_found = cap;
    }
    found_entry *e = found_slot(set->found, set->cap_found, key);
    if (e->key)
        goto done; /* another thread kept it meanwhile */
    found_entry n = {kl_core__strdup(key), pattern ? kl_core__strdup(pattern) : NULL, {{0}, 0}};
    if (!n.key || (pattern && !n.pattern)) {
        kl_free(n.key);
        kl_free(n.pattern);
        goto done;
    }
    if (pattern && origin)
        n.origin = *origin;
    *e = n;
    set->n_found++;
done:
    pthread_mutex_unlock(&set->lock);
}

/* kl_catalog__lookup, the pattern lent (*pattern, the set's: found_get) or, when it is not
 * kept, allocated (*pattern == *owned, for the caller to free). */
static int lookup_lent(kl_context *ctx, kl_catalog_set *set, const char *locale, kl_reading variant,
                       const char *msgid, const char **pattern, char **owned, kl_msg_origin *origin)
{
    *pattern = NULL;
    *owned = NULL;
    kl_msg_origin local;
    if (!origin)
        origin = &local; /* kept with the pattern for later callers */
    char key[256];
    bool keyed = found_key(locale, variant, msgid, key, sizeof key);
    int rc;
    if (keyed && found_get(set, key, pattern, origin, &rc))
        return rc;
    bool warned = false;
    rc = lookup_bundles(ctx, set, locale, variant, msgid, owned, origin, &warned);
    *pattern = *owned;
    /* A look-up that warned (an out-of-date translation) is not kept: the warning is said
     * for every letter, as it was. */
    if (keyed && !warned && (rc == 0 || rc == KL_ENOTFOUND))
        found_put(set, key, rc == 0 ? *owned : NULL, origin);
    return rc;
}

int kl_catalog__lookup(kl_context *ctx, kl_catalog_set *set, const char *locale, kl_reading variant,
                       const char *msgid, char **pattern, kl_msg_origin *origin)
{
    const char *lent = NULL;
    char *owned = NULL;
    int rc = lookup_lent(ctx, set, locale, variant, msgid, &lent, &owned, origin);
    *pattern = owned;
    if (rc == 0 && !owned && !(*pattern = kl_core__strdup(lent)))
        return kl_core__oom(ctx);
    return rc;
}

/* kl_catalog__lookup in the bundles themselves; *warned when a message was out of date. */
static int lookup_bundles(kl_context *ctx, kl_catalog_set *set, const char *locale,
                          kl_reading variant, const char *msgid, char **pattern,
                          kl_msg_origin *origin, bool *warned)
{
    char chain[MAX_CHAIN][MAX_LOCALE];
    size_t n = locale_chain(set, locale, chain);
    if (n == 0)
        return KL_ENOTFOUND;
    UResourceBundle *bundles[MAX_CHAIN] = {0};
    int rc = KL_ENOTFOUND;
    for (size_t i = 0; i < n; i++) {
        UErrorCode st = U_ZERO_ERROR;
        /* openDirect: no ICU locale fallback, so a missing Polish message
         * can never be filled in from root or the default locale. */
        bundles[i] = ures_openDirect(set->dir, chain[i], &st);
        if (U_FAILURE(st)) {
            bundles[i] = NULL;
            if (st != U_MISSING_RESOURCE_ERROR && st != U_FILE_ACCESS_ERROR) {
                rc = kl_core__error(ctx, KL_EBACKEND, KL_AT(set->dir, 0, 0),
                                    "rebuild the catalogs with genrb",
                                    "ICU could not open catalog %s: %s", chain[i], u_errorName(st));
                goto done;
            }
        }
    }
    for (int v = (int)variant; v >= 0 && rc == KL_ENOTFOUND; v = next_variant(v)) {
        for (size_t i = 0; i < n && rc == KL_ENOTFOUND; i++) {
            if (!bundles[i])
                continue;
            rc = get_string(bundles[i], kl_catalog__variant_key((kl_reading)v), msgid, pattern);
            int stale = rc == 0 ? is_stale(set, bundles[i], chain[i], (kl_reading)v, msgid) : 0;
            if (stale == KL_ENOMEM) {
                kl_free(*pattern);
                *pattern = NULL;
                rc = KL_ENOMEM;
                break;
            }
            if (stale) {
                /* Out of date: the English changed after this was translated.
                 * Never sent as it is: treated as missing. */
                *warned = true;
                kl_core__warn(
                    ctx, KL_SEVERITY_WARNING, KL_AT(set->dir, 0, 0),
                    "update the translation, then confirm it (record the English it was translated "
                    "from)",
                    "message '%s' (%s, %s) is out of date: the English changed since it was "
                    "translated, so it is not used",
                    msgid, chain[i], kl_catalog__variant_key((kl_reading)v));
                kl_free(*pattern);
                *pattern = NULL;
                rc = KL_ENOTFOUND;
                continue;
            }
            if (rc == KL_EFORMAT) {
                rc = kl_core__error(ctx, KL_EFORMAT, KL_AT(set->dir, 0, 0), NULL,
                                    "message '%s' in catalog %s (%s) is not a string", msgid,
                                    chain[i], kl_catalog__variant_key((kl_reading)v));
            } else if (rc == 0 && origin) {
                snprintf(origin->icu_locale, sizeof origin->icu_locale, "%.63s", chain[i]);
                origin->variant = (kl_reading)v;
            }
        }
    }
    if (rc == KL_ENOMEM)
        kl_core__oom(ctx);
done:
    for (size_t i = 0; i < n; i++)
        ures_close(bundles[i]);
    return rc;
}

/* Skip the ICU text-format comments and strings while looking for a key. */
static const char *find_key(const char *s, const char *end, const char *key)
{
    size_t klen = strlen(key);
    for (const char *p = s; p < end; p++) {
        if (*p == '/' && p + 1 < end && p[1] == '/') {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            if (!nl)
                return NULL;
            p = nl;
            continue;
        }
        if (*p == '"') {
            if ((size_t)(end - p) > klen + 1 && strncmp(p + 1, key, klen) == 0 &&
                p[1 + klen] == '"') {
                const char *q = p + 2 + klen;
                while (q < end && strchr(" \t\r\n", *q))
                    q++;
                if (q < end && (*q == '{' || *q == ':'))
                    return p;
            }
            /* skip the string */
            for (p++; p < end && *p != '"'; p++)
                if (*p == '\\')
                    p++;
            continue;
        }
        if ((size_t)(end - p) >= klen && strncmp(p, key, klen) == 0 &&
            (p == s || strchr(" \t\r\n{}", p[-1]))) {
            const char *q = p + klen;
            while (q < end && strchr(" \t\r\n", *q))
                q++;
            if (q < end && (*q == '{' || *q == ':'))
                return p;
        }
    }
    return NULL;
}

void kl_catalog__source_position(kl_context *ctx, const kl_catalog_set *set,
                                 const kl_msg_origin *origin, const char *msgid, char **path,
                                 unsigned *line, unsigned *column)
{
    (void)ctx;
    *path = NULL;
    *line = *column = 0;
    kl_buf b = KL_BUF_INIT;
    kl_core__buf_printf(&b, "%s%s.txt", set->src_dir ? set->src_dir : set->dir, origin->icu_locale);
    if (b.oom || access(b.data, R_OK) != 0) {
        kl_core__buf_free(&b);
        return;
    }
    /* Read without ctx so a problem here never replaces the real error. */
    FILE *f = fopen(b.data, "rb");
    if (!f) {
        kl_core__buf_free(&b);
        return;
    }
    kl_buf text = KL_BUF_INIT;
    char chunk[8192];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0 && text.len < MAX_CATSRC)
        kl_core__buf_append(&text, chunk, got);
    fclose(f);
    *path = kl_core__buf_detach(&b);
    if (text.oom || !text.data) {
        kl_core__buf_free(&text);
        return;
    }
    const char *end = text.data + text.len;
    const char *table = find_key(text.data, end, kl_catalog__variant_key(origin->variant));
    const char *k = find_key(table ? table : text.data, end, msgid);
    if (k) {
        /* Point at the first character of the message text. */
        const char *q = strchr(k + 1, '{');
        const char *quote = q ? strchr(q, '"') : NULL;
        const char *at = quote ? quote + 1 : k;
        kl_core__line_col(text.data, (size_t)(at - text.data), line, column);
    }
    kl_core__buf_free(&text);
}

static int read_date_style(kl_catalog_set *set, const char *locale, char **pattern, char **months);

/* The locale's entry in the set's chains, or NULL; the caller holds the lock. */
static chain_entry *chain_of(kl_catalog_set *set, const char *locale)
{
    const char *key = locale ? locale : "";
    for (size_t i = 0; i < set->n_chains; i++)
        if (strcmp(set->chains[i].locale, key) == 0)
            return &set->chains[i];
    return NULL;
}

/* Copies of the two strings into *pattern and *months: 0 or KL_ENOMEM (neither set). */
static int copy_style(const char *dp, const char *mo, char **pattern, char **months)
{
    *pattern = dp ? kl_core__strdup(dp) : NULL;
    *months = mo ? kl_core__strdup(mo) : NULL;
    if ((dp && !*pattern) || (mo && !*months)) {
        kl_free(*pattern);
        kl_free(*months);
        *pattern = *months = NULL;
        return KL_ENOMEM;
    }
    return 0;
}

/* The catalog's own date style (read_date_style), read once per set and locale and kept
 * with the locale's chain (under the set's lock). *pattern and *months are allocated. */
static int date_style(kl_catalog_set *set, const char *locale, char **pattern, char **months)
{
    *pattern = *months = NULL;
    pthread_mutex_lock(&set->lock);
    chain_entry *e = chain_of(set, locale);
    int rc = 1;
    if (e && e->dates_known)
        rc = copy_style(e->date_pattern, e->months, pattern, months);
    pthread_mutex_unlock(&set->lock);
    if (rc != 1)
        return rc;
    if ((rc = read_date_style(set, locale, pattern, months)) < 0)
        return rc;
    char *dp = NULL, *mo = NULL;
    if (copy_style(*pattern, *months, &dp, &mo) < 0)
        return 0; /* not kept: read again next time */
    pthread_mutex_lock(&set->lock);
    e = chain_of(set, locale); /* locale_chain made it, unless the set's chains are full */
    if (e && !e->dates_known) {
        e->date_pattern = dp;
        e->months = mo;
        e->dates_known = true;
        dp = mo = NULL;
    }
    pthread_mutex_unlock(&set->lock);
    kl_free(dp);
    kl_free(mo);
    return 0;
}

/* The catalog's own date style: dates { pattern {...} months {...} } in the
 * first catalog of the locale's chain that has one. */
static int read_date_style(kl_catalog_set *set, const char *locale, char **pattern, char **months)
{
    *pattern = *months = NULL;
    char chain[MAX_CHAIN][MAX_LOCALE];
    size_t n = locale_chain(set, locale, chain);
    int rc = 0;
    for (size_t i = 0; i < n && !*pattern && !rc; i++) {
        UErrorCode st = U_ZERO_ERROR;
        UResourceBundle *b = ures_openDirect(set->dir, chain[i], &st);
        if (U_SUCCESS(st)) {
            rc = get_string(b, "dates", "pattern", pattern);
            if (rc == KL_ENOTFOUND)
                rc = 0;
            if (!rc && *pattern) {
                rc = get_string(b, "dates", "months", months);
                if (rc == KL_ENOTFOUND)
                    rc = 0;
            }
        }
        ures_close(b);
    }
    return rc;
}

int kl_catalog__long_date(kl_context *ctx, kl_catalog_set *set, const char *locale, kl_date d,
                          char **out)
{
    char *pattern = NULL, *months = NULL;
    kl_fmt_arg a = {"d", KL_ARG_DATE, NULL, 0, d};
    kl_fmt_error fe = {.offset = -1}; /* empty when the date style itself failed */
    int rc;
    if ((rc = date_style(set, locale, &pattern, &months)) < 0)
        goto done;
    rc = kl_catalog__format_dated(locale, "{d, date, long}", &a, 1, pattern, months, out, &fe);
done:
    kl_free(pattern);
    kl_free(months);
    if (rc == KL_ENOMEM)
        return kl_core__oom(ctx);
    if (rc)
        return kl_core__error(ctx, rc, KL_AT(set->dir, 0, 0), "correct the catalog's dates table",
                              "the date could not be written in locale %s: %s %s", locale,
                              fe.detail, fe.icu);
    return 0;
}

int kl_catalog__message(kl_context *ctx, kl_catalog_set *set, const char *locale,
                        kl_reading variant, const char *msgid, const kl_fmt_arg *args,
                        size_t n_args, const char *member_id, char **out, kl_msg_origin *origin)
{
    kl_msg_origin local;
    if (!origin)
        origin = &local;
    const char *pattern = NULL;
    char *owned = NULL;
    int rc = lookup_lent(ctx, set, locale, variant, msgid, &pattern, &owned, origin);
    if (rc)
        return rc;
    kl_fmt_error fe;
    char *dpat = NULL, *months = NULL;
    /* Only a message that formats a date ("{x, date, long}") needs the style. */
    bool dated = strstr(pattern, "date") != NULL;
    rc = dated ? date_style(set, locale, &dpat, &months) : 0;
    if (rc == KL_ENOMEM) {
        kl_free(owned);
        return kl_core__oom(ctx);
    }
    /* A kept pattern is the set's for its life: the thread's prepared pattern is found by its
     * address. */
    rc = owned ? kl_catalog__format_dated(locale, pattern, args, n_args, dpat, months, out, &fe)
               : kl_catalog__format_lent(set->serial, locale, pattern, args, n_args, dpat, months,
                                         out, &fe);
    kl_free(dpat);
    kl_free(months);
    if (rc == KL_EPARSE || rc == KL_EFORMAT || rc == KL_EBACKEND) {
        char *src = NULL;
        unsigned line = 0, col = 0;
        kl_catalog__source_position(ctx, set, origin, msgid, &src, &line, &col);
        if (col && fe.offset >= 0)
            col += (unsigned)fe.offset;
        kl_buf where = KL_BUF_INIT;
        if (!src)
            kl_core__buf_printf(&where, "%s%s.res", set->dir, origin->icu_locale);
        kl_where w = KL_AT(src ? src : where.data, line, col);
        w.member_id = member_id;
        rc =
            kl_core__error(ctx, rc, w,
                           rc == KL_EPARSE ? "fix the message: ICU MessageFormat syntax, with "
                                             "{name} placeholders and select/plural ending in other"
                                           : NULL,
                           "message '%s' (%s, %s): %s%s%s", msgid, origin->icu_locale,
                           kl_catalog__variant_key(origin->variant), fe.detail,
                           rc == KL_EPARSE ? " " : "", rc == KL_EPARSE ? fe.icu : "");
        kl_free(src);
        kl_core__buf_free(&where);
    } else if (rc == KL_ENOMEM) {
        kl_core__oom(ctx);
    }
    kl_free(owned);
    return rc;
}

/* ---- meta ----------------------------------------------------------------- */

KL_API int kl_catalog_set_meta(kl_context *ctx, kl_catalog_set *set, const char *locale,
                               kl_catalog_meta *out)
{
    kl_context_clear_error(ctx);
    if (!ctx || !set || !locale ||
        !kl_core__out_size_ok(out, offsetof(kl_catalog_meta, reviewed) + sizeof out->reviewed))
        return kl_core__einval(ctx, __func__);
    char chain[MAX_CHAIN][MAX_LOCALE];
    size_t n = locale_chain(set, locale, chain);
    if (n == 0)
        return kl_core__error(ctx, KL_ENOTFOUND, KL_AT(set->dir, 0, 0),
                              "add a catalog for the language (locales/<locale>.txt)",
                              "no catalog for locale '%s'", locale);
    pthread_mutex_lock(&set->lock);
    int rc = 0;
    meta_entry *m = NULL;
    for (size_t i = 0; i < set->n_metas && !m; i++)
        if (strcmp(set->metas[i].icu, chain[0]) == 0)
            m = &set->metas[i];
    if (!m) {
        UErrorCode st = U_ZERO_ERROR;
        UResourceBundle *b = ures_openDirect(set->dir, chain[0], &st);
        meta_entry e = {0};
        if (U_FAILURE(st)) {
            rc = kl_core__error(ctx, KL_EBACKEND, KL_AT(set->dir, 0, 0), NULL,
                                "ICU could not open catalog %s: %s", chain[0], u_errorName(st));
        } else {
            const char *keys[] = {"status", "reviewer", "reviewed"};
            char **fields[] = {&e.status, &e.reviewer, &e.reviewed};
            for (size_t k = 0; k < 3 && !rc; k++) {
                int r = get_string(b, "meta", keys[k], fields[k]);
                if (r == KL_ENOTFOUND || r == KL_EFORMAT)
                    r = (*fields[k] = kl_core__strdup("")) ? 0 : KL_ENOMEM;
                rc = r;
            }
            e.icu = kl_core__strdup(chain[0]);
            if (rc || !e.icu || KL_GROW(set->metas, set->cap_metas, set->n_metas + 1) < 0) {
                kl_free(e.icu);
                kl_free(e.status);
                kl_free(e.reviewer);
                kl_free(e.reviewed);
                rc = kl_core__oom(ctx);
            } else {
                set->metas[set->n_metas] = e;
                m = &set->metas[set->n_metas++];
            }
        }
        ures_close(b);
    }
    if (m) {
        kl_catalog_meta full = {sizeof full, m->icu, m->status, m->reviewer, m->reviewed};
        kl_core__out_copy(out, &full, sizeof full);
    }
    pthread_mutex_unlock(&set->lock);
    return rc;
}

/* ---- the template against a catalog --------------------------------------- */

typedef struct check_state {
    kl_context *ctx;
    const kl_template *tpl;
    kl_catalog_set *set;
    const char *locale;
    int rc;
    int easy; /* the Easy Read letter's messages: easy_read > plain > standard */
} check_state;

static int check_one(const char *msgid, unsigned line, unsigned column, void *ud)
{
    check_state *cs = ud;
    int found_any = 0;
    for (int v = KL_READING_STANDARD; v <= KL_READING_EASY_READ; v++) {
        char *pattern = NULL;
        kl_msg_origin origin;
        char chain[MAX_CHAIN][MAX_LOCALE];
        size_t n = locale_chain(cs->set, cs->locale, chain);
        int rc = KL_ENOTFOUND;
        /* Look in this variant's own table only: each is checked once. */
        for (size_t i = 0; i < n && rc == KL_ENOTFOUND; i++) {
            UErrorCode st = U_ZERO_ERROR;
            UResourceBundle *b = ures_openDirect(cs->set->dir, chain[i], &st);
            if (U_FAILURE(st))
                continue;
            rc = get_string(b, kl_catalog__variant_key((kl_reading)v), msgid, &pattern);
            ures_close(b);
            snprintf(origin.icu_locale, sizeof origin.icu_locale, "%s", chain[i]);
            origin.variant = (kl_reading)v;
        }
        if (rc == KL_ENOMEM)
            return kl_core__oom(cs->ctx);
        if (rc)
            continue;
        if (v == KL_READING_STANDARD ||
            (cs->easy && (v == KL_READING_PLAIN || v == KL_READING_EASY_READ)))
            found_any = 1;
        kl_fmt_error fe;
        int prc = kl_catalog__check_pattern(cs->locale, pattern, &fe);
        kl_free(pattern);
        if (prc == KL_EPARSE) {
            char *src = NULL;
            unsigned l = 0, c = 0;
            kl_catalog__source_position(cs->ctx, cs->set, &origin, msgid, &src, &l, &c);
            if (c && fe.offset >= 0)
                c += (unsigned)fe.offset;
            kl_core__report(
                cs->ctx, KL_EPARSE, KL_AT(src ? src : cs->set->dir, l, c),
                "ICU MessageFormat syntax: {name}, {n, plural, ...}, {g, select, ... other "
                "{...}}",
                "message '%s' (%s, %s): %s %s", msgid, origin.icu_locale,
                kl_catalog__variant_key(origin.variant), fe.detail, fe.icu);
            kl_free(src);
            if (!cs->rc)
                cs->rc = KL_EPARSE;
        } else if (prc == KL_ENOMEM) {
            return kl_core__oom(cs->ctx);
        }
    }
    if (!found_any) {
        kl_core__report(cs->ctx, KL_ENOTFOUND, KL_AT(cs->tpl->source, line, column),
                        cs->easy ? "add the message to the catalog's easy_read table"
                                 : "add the message to the catalog's standard table",
                        "message '%s' is not in the %s catalog (%s)", msgid, cs->locale,
                        cs->easy ? "easy_read" : "standard");
        if (!cs->rc)
            cs->rc = KL_ENOTFOUND;
    }
    return 0;
}

KL_API int kl_template_check_messages(kl_context *ctx, const kl_template *tpl, kl_catalog_set *set,
                                      const char *locale)
{
    kl_context_clear_error(ctx);
    if (!ctx || !tpl || !set || !locale)
        return kl_core__einval(ctx, __func__);
    if (!kl_catalog__has_locale(set, locale))
        return kl_core__error(ctx, KL_ENOTFOUND, KL_AT(set->dir, 0, 0), NULL,
                              "no catalog for locale '%s'", locale);
    check_state cs = {ctx, tpl, set, locale, 0, 0};
    int rc = kl_template__each_msg(tpl, check_one, &cs);
    if (rc)
        return rc;
    /* The Easy Read letter, in a language whose catalog has Easy Read. */
    cs.easy = 1;
    if (kl_catalog__has_variant(set, locale, KL_READING_EASY_READ) &&
        (rc = kl_template__each_easy_msg(tpl, check_one, &cs)))
        return rc;
    if (cs.rc)
        return kl_core__error(
            ctx, cs.rc, KL_AT(tpl->source, 0, 0), NULL,
            "template '%s' and the %s catalog do not match (see the messages above)", tpl->name,
            locale);
    return 0;
}
