/* SPDX-License-Identifier: MIT */
/* catalog/msgformat.cc: ICU's C++ MessageFormat (named arguments) behind a C interface. */
extern "C" {
#include "core/core.h"
}
#include "catalog/catalog.h"

#include <unicode/locid.h>
#include <unicode/messagepattern.h>
#include <unicode/msgfmt.h>
#include <unicode/ucal.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/uloc.h>

#include <cstdio>
#include <cstring>
#include <new>
#include <string>
#include <vector>

namespace
{

void set_error(kl_fmt_error *err, UErrorCode st, const icu::UnicodeString &pattern,
               const UParseError *pe, const char *what)
{
    if (!err)
        return;
    err->offset = pe ? pe->offset : -1;
    snprintf(err->icu, sizeof err->icu, "%s", u_errorName(st));
    std::string around;
    if (pe) {
        icu::UnicodeString(pe->preContext).toUTF8String(around);
        around += "\xE2\x9F\xA8here\xE2\x9F\xA9"; /* ⟨here⟩ */
        icu::UnicodeString(pe->postContext).toUTF8String(around);
    } else {
        pattern.toUTF8String(around);
        if (around.size() > 60)
            around = around.substr(0, 60) + "...";
    }
    snprintf(err->detail, sizeof err->detail, "%s: ...%s...", what, around.c_str());
}

/* ICU wants a Locale; member locales are BCP 47 ("en-GB"). */
icu::Locale to_locale(const char *locale)
{
    char id[ULOC_FULLNAME_CAPACITY];
    UErrorCode st = U_ZERO_ERROR;
    int32_t n = uloc_forLanguageTag(locale ? locale : "", id, sizeof id, nullptr, &st);
    if (U_FAILURE(st) || n <= 0 || n >= (int32_t)sizeof id)
        return icu::Locale(locale ? locale : "");
    icu::Locale loc(id);
    /* The review's dates are days in the UK's civil (Gregorian) calendar.
     * ICU would write them in a locale's own calendar (Solar Hijri for fa,
     * for example), which no family in the UK would recognise from their
     * letters and appointments. A tag that asks for a calendar
     * (fa-u-ca-persian) still gets it. */
    char cal[32];
    UErrorCode kst = U_ZERO_ERROR;
    if (loc.getKeywordValue("calendar", cal, sizeof cal, kst) <= 0) {
        kst = U_ZERO_ERROR;
        loc.setKeywordValue("calendar", "gregorian", kst);
    }
    return loc;
}

/* Noon UTC of the day: the same calendar day in every time zone in use. */
UDate to_udate(kl_date d, UErrorCode *st)
{
    UCalendar *cal = ucal_open(u"UTC", -1, "en_GB@calendar=gregorian", UCAL_GREGORIAN, st);
    if (U_FAILURE(*st))
        return 0;
    ucal_clear(cal);
    ucal_setDateTime(cal, d.year, d.month - 1, d.day, 12, 0, 0, st);
    UDate t = ucal_getMillis(cal, st);
    ucal_close(cal);
    return t;
}

/* Checks every argument the pattern names is supplied, and marks in
 * plain_only[a] whether argument a is only ever shown as text ({name}),
 * never chosen on (select, plural): only those may be wrapped in isolates. */
int check_names(const icu::UnicodeString &upattern, const kl_fmt_arg *args, size_t n_args,
                kl_fmt_error *err, std::vector<char> &plain_only)
{
    plain_only.assign(n_args, 1);
    UMessagePatternArgType arg_type = UMSGPAT_ARG_TYPE_NONE;
    UParseError pe;
    UErrorCode st = U_ZERO_ERROR;
    icu::MessagePattern mp(upattern, &pe, st);
    if (U_FAILURE(st)) {
        set_error(err, st, upattern, &pe, "ICU message syntax error");
        return KL_EPARSE;
    }
    for (int32_t i = 0; i < mp.countParts(); i++) {
        const icu::MessagePattern::Part &part = mp.getPart(i);
        if (part.getType() == UMSGPAT_PART_TYPE_ARG_START)
            arg_type = part.getArgType();
        if (part.getType() != UMSGPAT_PART_TYPE_ARG_NAME &&
            part.getType() != UMSGPAT_PART_TYPE_ARG_NUMBER)
            continue;
        icu::UnicodeString name = mp.getSubstring(part);
        std::string uname;
        name.toUTF8String(uname);
        bool known = false;
        for (size_t a = 0; a < n_args; a++) {
            if (args[a].name && uname == args[a].name) {
                known = true;
                if (arg_type != UMSGPAT_ARG_TYPE_NONE)
                    plain_only[a] = 0;
            }
        }
        if (!known) {
            if (err) {
                err->offset = part.getIndex();
                snprintf(err->icu, sizeof err->icu, "%s", "unknown argument");
                snprintf(err->detail, sizeof err->detail,
                         "the message uses {%s}, which is not an argument compose supplies here "
                         "(docs/TEMPLATES.md lists them)",
                         uname.c_str());
            }
            return KL_EFORMAT;
        }
    }
    return 0;
}

/* Does a value need isolating in a right-to-left sentence? Digits are weak
 * and take the sentence's direction ("21 Victoria Road" would show as
 * "Victoria Road 21"), and so does leading or trailing punctuation. A value
 * of letters alone ("Mr Haddad") forms one run by itself: isolating it would
 * only split "Mr" from "Haddad" when two values stand side by side. */
bool needs_isolate(const icu::UnicodeString &v)
{
    if (v.isEmpty())
        return false;
    for (int32_t i = 0; i < v.length(); i = v.moveIndex32(i, 1))
        if (u_isdigit(v.char32At(i)))
            return true;
    auto strong = [](UChar32 c) {
        UCharDirection d = u_charDirection(c);
        return d == U_LEFT_TO_RIGHT || d == U_RIGHT_TO_LEFT || d == U_RIGHT_TO_LEFT_ARABIC;
    };
    return !strong(v.char32At(0)) || !strong(v.char32At(v.moveIndex32(v.length(), -1)));
}

int do_format(const char *locale, const char *pattern, const kl_fmt_arg *args, size_t n_args,
              char **out, kl_fmt_error *err)
{
    icu::UnicodeString upattern = icu::UnicodeString::fromUTF8(pattern);
    UParseError pe;
    UErrorCode st = U_ZERO_ERROR;
    icu::MessageFormat mf(upattern, to_locale(locale), pe, st);
    if (U_FAILURE(st)) {
        set_error(err, st, upattern, &pe, "ICU message syntax error");
        return KL_EPARSE;
    }
    if (!out)
        return 0;
    std::vector<char> plain_only;
    int rc = check_names(upattern, args, n_args, err, plain_only);
    if (rc)
        return rc;
    /* In a right-to-left letter, data such as "21 Victoria Road" or a phone
     * number must keep its own direction: wrap text arguments in
     * FIRST STRONG ISOLATE ... POP DIRECTIONAL ISOLATE (invisible). */
    bool rtl = locale && uloc_isRightToLeft(to_locale(locale).getName());

    std::vector<icu::UnicodeString> names;
    std::vector<icu::Formattable> values;
    names.reserve(n_args);
    values.reserve(n_args);
    for (size_t i = 0; i < n_args; i++) {
        names.push_back(icu::UnicodeString::fromUTF8(args[i].name));
        switch (args[i].type) {
        case KL_ARG_NUMBER:
            if (args[i].num == (double)(int32_t)args[i].num)
                values.emplace_back((int32_t)args[i].num);
            else
                values.emplace_back(args[i].num);
            break;
        case KL_ARG_DATE: {
            UErrorCode dst = U_ZERO_ERROR;
            UDate t = to_udate(args[i].date, &dst);
            if (U_FAILURE(dst)) {
                set_error(err, dst, upattern, nullptr, "ICU calendar failed");
                return KL_EBACKEND;
            }
            values.emplace_back(t, icu::Formattable::kIsDate);
            break;
        }
        default: {
            icu::UnicodeString v = icu::UnicodeString::fromUTF8(args[i].s ? args[i].s : "");
            if (rtl && plain_only[i] && needs_isolate(v)) {
                v.insert(0, (UChar)0x2068);
                v.append((UChar)0x2069);
            }
            values.emplace_back(v);
            break;
        }
        }
    }
    icu::UnicodeString result;
    icu::FieldPosition fp;
    st = U_ZERO_ERROR;
    mf.format(names.data(), values.data(), (int32_t)n_args, result, st);
    if (U_FAILURE(st)) {
        set_error(err, st, upattern, nullptr, "ICU could not format the message");
        return st == U_MEMORY_ALLOCATION_ERROR ? KL_ENOMEM : KL_EBACKEND;
    }
    std::string utf8;
    result.toUTF8String(utf8);
    char *s = (char *)kl_malloc(utf8.size() + 1);
    if (!s)
        return KL_ENOMEM;
    memcpy(s, utf8.c_str(), utf8.size() + 1);
    *out = s;
    return 0;
}

} // namespace

extern "C" int kl_catalog__format(const char *locale, const char *pattern, const kl_fmt_arg *args,
                                  size_t n_args, char **out, kl_fmt_error *err)
{
    if (err) {
        err->offset = -1;
        err->icu[0] = err->detail[0] = '\0';
    }
    if (!pattern || !out)
        return KL_EINVAL;
    *out = nullptr;
    try {
        return do_format(locale, pattern, args, n_args, out, err);
    } catch (const std::bad_alloc &) {
        return KL_ENOMEM;
    } catch (...) {
        return KL_EBACKEND;
    }
}

extern "C" int kl_catalog__check_pattern(const char *locale, const char *pattern, kl_fmt_error *err)
{
    if (err) {
        err->offset = -1;
        err->icu[0] = err->detail[0] = '\0';
    }
    if (!pattern)
        return KL_EINVAL;
    try {
        return do_format(locale, pattern, nullptr, 0, nullptr, err);
    } catch (const std::bad_alloc &) {
        return KL_ENOMEM;
    } catch (...) {
        return KL_EBACKEND;
    }
}
