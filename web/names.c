/* SPDX-License-Identifier: MIT */
/* web/names.c: what a coordinator reads instead of a keyword: a language's name in English
 * (ICU's display names, from a language tag such as "ar" or "en-GB"), a review type's
 * plain name and a contact channel's. */
#include "web.h"

#include <stdlib.h>
#include <string.h>
#include <unicode/uloc.h>
#include <unicode/ustring.h>

char *language_name(const char *tag)
{
    if (!tag || !*tag)
        return strdup("");
    char id[ULOC_FULLNAME_CAPACITY];
    UErrorCode st = U_ZERO_ERROR;
    int32_t parsed = 0;
    uloc_forLanguageTag(tag, id, (int32_t)sizeof id, &parsed, &st);
    UChar u[128]; /* a language's English name; a longer one fails, and the tag is shown */
    int32_t n = 0;
    if (U_SUCCESS(st) && parsed == (int32_t)strlen(tag)) {
        st = U_ZERO_ERROR;
        n = uloc_getDisplayLanguage(id, "en", u, (int32_t)(sizeof u / sizeof u[0]), &st);
    }
    char out[512];
    int32_t len = 0;
    if (U_SUCCESS(st) && n > 0) {
        st = U_ZERO_ERROR;
        u_strToUTF8(out, (int32_t)sizeof out, &len, u, n, &st);
    }
    char lang[16]; /* BCP 47: a language subtag is 8 letters at most */
    size_t k = strcspn(tag, "-_");
    snprintf(lang, sizeof lang, "%.*s", (int)k, tag);
    /* ICU gives the code back for a language it does not know: show the tag as typed. */
    if (U_FAILURE(st) || len <= 0 || len >= (int32_t)sizeof out || !strcmp(out, lang))
        return strdup(tag);
    return strdup(out);
}

const char *review_type_label(const char *keyword)
{
    static const char *const t[] = {"lcspr", "Local child safeguarding practice review",
                                    "scr",   "Serious case review",
                                    "cpr",   "Child practice review (Wales)",
                                    "sar",   "Safeguarding adults review",
                                    NULL};
    for (size_t i = 0; keyword && t[i]; i += 2)
        if (!strcmp(t[i], keyword))
            return t[i + 1];
    return keyword ? keyword : "";
}

const char *channel_label(const char *channel)
{
    static const char *const names[] = {"post",
                                        "Post",
                                        "email",
                                        "Email",
                                        "sms",
                                        "Text message",
                                        "via-professional",
                                        "Handed over by a professional",
                                        NULL};
    for (size_t i = 0; channel && names[i]; i += 2)
        if (!strcmp(names[i], channel))
            return names[i + 1];
    return channel ? channel : "";
}
