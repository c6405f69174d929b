/* SPDX-License-Identifier: MIT */
/* review/values.c: checks and normal forms for dates, locales, postcodes, numbers, emails. */
#include "review/review_priv.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unicode/uloc.h>
#include <unicode/ustring.h>

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

int kl_review__parse_date(const char *s, kl_date *out)
{
    if (!s || strlen(s) != 10 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' ||
        !digits(s + 8, 2))
        return -1;
    int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1900 || m < 1 || m > 12 || d < 1)
        return -2;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > mdays[m - 1] + (m == 2 ? leap : 0))
        return -2;
    out->year = y;
    out->month = m;
    out->day = d;
    return 0;
}

int kl_review__date_cmp(kl_date a, kl_date b)
{
    long x = a.year * 10000L + a.month * 100L + a.day;
    long y = b.year * 10000L + b.month * 100L + b.day;
    return x < y ? -1 : x > y;
}

void kl_review__today(kl_date *out)
{
    time_t t = time(NULL);
    struct tm tm;
    if (!localtime_r(&t, &tm)) {
        memset(out, 0, sizeof *out);
        return;
    }
    out->year = tm.tm_year + 1900;
    out->month = tm.tm_mon + 1;
    out->day = tm.tm_mday;
}

int kl_review__locale(const char *tag, char *out, size_t cap)
{
    if (!tag || !*tag || strlen(tag) > 64)
        return -1;
    for (const char *p = tag; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
            return -1;
    char id[ULOC_FULLNAME_CAPACITY];
    int32_t parsed = 0;
    UErrorCode st = U_ZERO_ERROR;
    /* Accept ICU's "en_GB" spelling too, since spreadsheets carry it. */
    char dashed[72];
    size_t n = strlen(tag);
    for (size_t i = 0; i <= n; i++)
        dashed[i] = tag[i] == '_' ? '-' : tag[i];
    uloc_forLanguageTag(dashed, id, (int32_t)sizeof id, &parsed, &st);
    if (U_FAILURE(st) || st == U_STRING_NOT_TERMINATED_WARNING || parsed != (int32_t)n)
        return -1;
    char lang[16];
    st = U_ZERO_ERROR;
    uloc_getLanguage(id, lang, (int32_t)sizeof lang, &st);
    if (U_FAILURE(st) || !lang[0] || strcmp(lang, "und") == 0)
        return -2;
    /* Known = ICU can name it (it names Dari, "prs", though it has no ISO 639-2
     * code for it); a letter has to say the language's name. */
    UChar name[64];
    char name8[64];
    st = U_ZERO_ERROR;
    int32_t nl = uloc_getDisplayLanguage(id, "en", name, 64, &st);
    if (U_FAILURE(st) || nl <= 0)
        return -2;
    u_austrncpy(name8, name, (int32_t)sizeof name8 - 1);
    name8[sizeof name8 - 1] = '\0';
    if (strcmp(name8, lang) == 0)
        return -2;
    st = U_ZERO_ERROR;
    uloc_toLanguageTag(id, out, (int32_t)cap, 1, &st);
    if (U_FAILURE(st) || st == U_STRING_NOT_TERMINATED_WARNING)
        return -1;
    return 0;
}

bool kl_review__postcode(const char *in, char *out)
{
    char c[16];
    size_t n = 0;
    for (const char *p = in; *p; p++) {
        if (*p == ' ' || *p == '\t')
            continue;
        if (n == 8)
            return false;
        c[n++] = (char)toupper((unsigned char)*p);
    }
    c[n] = '\0';
    bool ok = false;
    if (strcmp(c, "GIR0AA") == 0) {
        ok = true;
    } else if (n >= 5 && n <= 7) {
        /* Outward code: A9, A99, AA9, AA99, A9A, AA9A; inward code: 9AA,
         * whose letters never include C I K M O V. */
        const char *in3 = c + n - 3;
        ok = isdigit((unsigned char)in3[0]) && isalpha((unsigned char)in3[1]) &&
             isalpha((unsigned char)in3[2]) && !strchr("CIKMOV", in3[1]) &&
             !strchr("CIKMOV", in3[2]);
        size_t on = n - 3, i = 0;
        if (ok && isalpha((unsigned char)c[i]))
            i++;
        else
            ok = false;
        if (ok && i < on && isalpha((unsigned char)c[i]))
            i++;
        if (ok && i < on && isdigit((unsigned char)c[i]))
            i++;
        else
            ok = false;
        if (ok && i < on && isalnum((unsigned char)c[i]))
            i++;
        if (i != on)
            ok = false;
    }
    if (!ok)
        return false;
    memcpy(out, c, n - 3);
    out[n - 3] = ' ';
    memcpy(out + n - 2, c + n - 3, 4);
    return true;
}

bool kl_review__mobile(const char *in, char *out)
{
    char d[24];
    size_t n = 0;
    const char *p = in;
    while (*p == ' ')
        p++;
    bool plus = *p == '+';
    if (plus)
        p++;
    for (; *p; p++) {
        if (*p == ' ' || *p == '-' || *p == '(' || *p == ')' || *p == '.')
            continue;
        if (!isdigit((unsigned char)*p) || n == sizeof d - 1)
            return false;
        d[n++] = *p;
    }
    d[n] = '\0';
    const char *nat;
    if (plus && n > 2 && memcmp(d, "44", 2) == 0)
        nat = d + 2;
    else if (!plus && n > 4 && memcmp(d, "0044", 4) == 0)
        nat = d + 4;
    else if (!plus && d[0] == '0')
        nat = d + 1;
    else
        return false;
    if (nat[0] == '0') /* +44 (0)7700 ... */
        nat++;
    if (strlen(nat) != 10 || nat[0] != '7')
        return false;
    out[0] = '0';
    memcpy(out + 1, nat, 4);
    out[5] = ' ';
    memcpy(out + 6, nat + 4, 6);
    out[12] = '\0';
    return true;
}

bool kl_review__email_ok(const char *s)
{
    if (!s || strlen(s) > 254)
        return false;
    const char *at = strchr(s, '@');
    if (!at || at == s || strchr(at + 1, '@'))
        return false;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= ' ' || strchr("<>()[]\\,;:\"", *p))
            return false;
    const char *dom = at + 1;
    const char *dot = strrchr(dom, '.');
    if (!dot || dot == dom || !dot[1] || strstr(dom, "..") || dom[0] == '.' || s[0] == '.' ||
        at[-1] == '.' || dom[strlen(dom) - 1] == '-')
        return false;
    return true;
}

const char *kl_review__bad_address_line(const char *s)
{
    while (*s == ' ')
        s++;
    if (*s && strchr("@()=[]\"\\/,<>~", *s))
        return "it starts with a character that postal address checks refuse "
               "(one of @ ( ) = [ ] \" \\ / , < > ~)";
    char low[64];
    size_t n = strlen(s);
    if (n < sizeof low) {
        for (size_t i = 0; i <= n; i++)
            low[i] = (char)tolower((unsigned char)s[i]);
        while (n && (low[n - 1] == ' ' || low[n - 1] == '.'))
            low[--n] = '\0';
        if (strcmp(low, "nfa") == 0 || strcmp(low, "n.f.a") == 0 || strstr(low, "no fixed abode"))
            return "it says the person has no fixed abode, so a letter cannot be posted";
    } else {
        for (size_t i = 0; i + 14 <= n; i++)
            if (strncasecmp(s + i, "no fixed abode", 14) == 0)
                return "it says the person has no fixed abode, so a letter cannot be posted";
    }
    return NULL;
}

bool kl_review__int_in(const char *s, long lo, long hi, long *out)
{
    if (!s || !*s || strlen(s) > 9 || !digits(s, strlen(s)))
        return false;
    long v = strtol(s, NULL, 10);
    if (v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

bool kl_review__points_in(const char *s, double lo, double hi, double *out)
{
    if (!s || !*s || strlen(s) > 8)
        return false;
    const char *dot = strchr(s, '.');
    size_t ip = dot ? (size_t)(dot - s) : strlen(s);
    if (ip == 0 || !digits(s, ip) || (dot && (!dot[1] || !digits(dot + 1, strlen(dot + 1)))))
        return false;
    /* By hand: strtod follows the process's LC_NUMERIC. */
    double v = 0, scale = 1;
    for (const char *p = s; *p && *p != '.'; p++)
        v = v * 10 + (*p - '0');
    for (const char *p = dot ? dot + 1 : ""; *p; p++)
        v += (*p - '0') * (scale /= 10);
    if (v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

bool kl_review__id_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 1 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
            return false;
    return true;
}

/* ---- contact hours ----------------------------------------------------------- */

static int day_index(const char *s, size_t n)
{
    static const char *const days[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    if (n != 3)
        return -1;
    for (int i = 0; i < 7; i++)
        if (strncmp(s, days[i], 3) == 0)
            return i;
    return -1;
}

const char *kl_review__days(const char *s, kl_hours *out)
{
    out->n_spans = 0;
    unsigned seen = 0;
    if (!s || !*s)
        return "no days are given";
    const char *p = s;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        while (len && *p == ' ')
            p++, len--;
        while (len && p[len - 1] == ' ')
            len--;
        const char *dash = memchr(p, '-', len);
        int a = day_index(p, dash ? (size_t)(dash - p) : len);
        int b = dash ? day_index(dash + 1, len - (size_t)(dash + 1 - p)) : a;
        if (a < 0 || b < 0)
            return "days are mon, tue, wed, thu, fri, sat, sun";
        if (b < a)
            return "a range of days goes from the earlier day to the later one (mon-fri)";
        for (int d = a; d <= b; d++) {
            if (seen & (1u << d))
                return "a day is named twice";
            seen |= 1u << d;
        }
        if (out->n_spans == 7)
            return "too many days";
        out->spans[out->n_spans].first = (signed char)a;
        out->spans[out->n_spans].last = (signed char)b;
        out->n_spans++;
        if (!comma)
            break;
        p = comma + 1;
    }
    return NULL;
}

bool kl_review__time(const char *s, int *minutes)
{
    if (!s || strlen(s) != 5 || s[2] != ':')
        return false;
    for (int i = 0; i < 5; i++)
        if (i != 2 && (s[i] < '0' || s[i] > '9'))
            return false;
    int h = (s[0] - '0') * 10 + (s[1] - '0');
    int m = (s[3] - '0') * 10 + (s[4] - '0');
    if (m > 59 || h > 23)
        return false;
    *minutes = h * 60 + m;
    return true;
}
