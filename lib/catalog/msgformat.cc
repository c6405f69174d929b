/* SPDX-License-Identifier: MIT */
/* catalog/msgformat.cc: ICU's C++ MessageFormat (named arguments) behind a C interface. */
extern "C" {
#include "core/core.h"
}
#include "catalog/catalog_internal.h"

#include <unicode/locid.h>
#include <unicode/messagepattern.h>
#include <unicode/msgfmt.h>
#include <unicode/plurrule.h>
#include <unicode/dtfmtsym.h>
#include <unicode/smpdtfmt.h>
#include <unicode/timezone.h>
#include <unicode/ucal.h>
#include <unicode/uchar.h>
#include <unicode/udat.h>
#include <unicode/udateintervalformat.h>
#include <unicode/ulistformatter.h>
#include <unicode/unistr.h>
#include <unicode/uloc.h>
#include <unicode/ustring.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <unordered_map>
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
    /* One digit style per letter: Western digits, as every phone number,
     * postcode and reference in the letter is written, unless the member's
     * tag asks for others (ar-u-nu-arab: docs/TRANSLATING.md). */
    kst = U_ZERO_ERROR;
    if (loc.getKeywordValue("numbers", cal, sizeof cal, kst) <= 0) {
        kst = U_ZERO_ERROR;
        loc.setKeywordValue("numbers", "latn", kst);
    }
    return loc;
}

/* Noon UTC of the day: the same calendar day in every time zone in use. */
UDate to_udate(kl_date d, UErrorCode *st)
{
    if (d.year >= 1583 && d.month >= 1 && d.month <= 12 && d.day >= 1 && d.day <= 31) {
        /* Gregorian days since 1970-01-01 (H. Hinnant's days_from_civil): the
         * same value ICU's calendar gives, without opening one for each
         * message (an ICU calendar and time zone cost more than the rest of
         * formatting the message). ICU switches to the Julian calendar before
         * October 1582, hence the bound. */
        long long y = d.month <= 2 ? d.year - 1 : d.year;
        long long era = (y >= 0 ? y : y - 399) / 400;
        long long yoe = y - era * 400;
        long long mp = (d.month + 9) % 12;
        long long doy = (153 * mp + 2) / 5 + d.day - 1;
        long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        long long days = era * 146097 + doe - 719468;
        return (UDate)(days * 86400000LL + 12LL * 3600000LL);
    }
    UCalendar *cal = ucal_open(u"UTC", -1, "en_GB@calendar=gregorian", UCAL_GREGORIAN, st);
    if (U_FAILURE(*st))
        return 0;
    ucal_clear(cal);
    ucal_setDateTime(cal, d.year, d.month - 1, d.day, 12, 0, 0, st);
    UDate t = ucal_getMillis(cal, st);
    ucal_close(cal);
    return t;
}

/* An argument the pattern names, where, and whether a select or plural
 * chooses on it (then it is never isolated). */
struct PatternName {
    std::string name;
    int32_t index;
    bool chosen;
};

/* The arguments upattern names, in order; U_ZERO_ERROR or ICU's parse error. */
UErrorCode pattern_names(const icu::UnicodeString &upattern, std::vector<PatternName> &out,
                         UParseError *pe)
{
    UErrorCode st = U_ZERO_ERROR;
    icu::MessagePattern mp(upattern, pe, st);
    if (U_FAILURE(st))
        return st;
    UMessagePatternArgType arg_type = UMSGPAT_ARG_TYPE_NONE;
    for (int32_t i = 0; i < mp.countParts(); i++) {
        const icu::MessagePattern::Part &part = mp.getPart(i);
        if (part.getType() == UMSGPAT_PART_TYPE_ARG_START)
            arg_type = part.getArgType();
        if (part.getType() != UMSGPAT_PART_TYPE_ARG_NAME &&
            part.getType() != UMSGPAT_PART_TYPE_ARG_NUMBER)
            continue;
        PatternName n;
        mp.getSubstring(part).toUTF8String(n.name);
        n.index = part.getIndex();
        n.chosen = arg_type != UMSGPAT_ARG_TYPE_NONE;
        out.push_back(std::move(n));
    }
    return U_ZERO_ERROR;
}

/* The message names an argument compose does not supply: KL_EFORMAT, said in err. */
int unknown_argument(kl_fmt_error *err, int32_t index, const char *name)
{
    if (err) {
        err->offset = index;
        snprintf(err->icu, sizeof err->icu, "%s", "unknown argument");
        snprintf(err->detail, sizeof err->detail,
                 "the message uses {%s}, which is not an argument compose supplies here "
                 "(docs/TEMPLATES.md lists them)",
                 name);
    }
    return KL_EFORMAT;
}

/* Checks every argument the pattern names is supplied, and marks in
 * plain_only[a] whether argument a is only ever shown as text ({name}),
 * never chosen on (select, plural): only those may be wrapped in isolates. */
int match_names(const std::vector<PatternName> &names, const kl_fmt_arg *args, size_t n_args,
                kl_fmt_error *err, std::vector<char> &plain_only, std::vector<char> &used)
{
    plain_only.assign(n_args, 1);
    used.assign(n_args, 0);
    for (const PatternName &n : names) {
        bool known = false;
        const char *name = n.name.c_str();
        for (size_t a = 0; a < n_args; a++) {
            if (args[a].name && args[a].name[0] == name[0] && strcmp(args[a].name, name) == 0) {
                known = true;
                used[a] = 1;
                if (n.chosen)
                    plain_only[a] = 0;
            }
        }
        if (!known)
            return unknown_argument(err, n.index, name);
    }
    return 0;
}

/* match_names on the arguments upattern names. */
int check_names(const icu::UnicodeString &upattern, const kl_fmt_arg *args, size_t n_args,
                kl_fmt_error *err, std::vector<char> &plain_only, std::vector<char> &used)
{
    std::vector<PatternName> names;
    UParseError pe;
    UErrorCode st = pattern_names(upattern, names, &pe);
    if (U_FAILURE(st)) {
        set_error(err, st, upattern, &pe, "ICU message syntax error");
        return KL_EPARSE;
    }
    return match_names(names, args, n_args, err, plain_only, used);
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

bool is_isolate(UChar c)
{
    return c >= 0x2066 && c <= 0x2069; /* LRI, RLI, FSI, PDI */
}

/* Already one isolated run: FSI/LRI/RLI ... PDI around the whole value. */
bool isolated(const icu::UnicodeString &v)
{
    if (v.length() < 2 || !is_isolate(v.charAt(0)) || v.charAt(0) == 0x2069 ||
        v.charAt(v.length() - 1) != 0x2069)
        return false;
    int depth = 0;
    for (int32_t i = 0; i < v.length(); i++) {
        UChar c = v.charAt(i);
        if (is_isolate(c))
            depth += c == 0x2069 ? -1 : 1;
        if (depth == 0 && i < v.length() - 1)
            return false;
    }
    return depth == 0;
}

/* In a right-to-left text, every run of digits outside an isolate ("116 123"
 * in the message's own words, a count, a year) becomes an isolate of its own,
 * so its parts keep their order: "116 123" would otherwise show as
 * "123 116". A run is digits joined by a space, no-break space, ':', '.',
 * '/', '-' or '–' between two digits. */
icu::UnicodeString isolate_digit_runs(const icu::UnicodeString &in)
{
    icu::UnicodeString out;
    int depth = 0;
    int32_t i = 0, n = in.length();
    auto joiner = [](UChar32 c) {
        return c == ' ' || c == 0x00A0 || c == 0x202F || c == ':' || c == '.' || c == '/' ||
               c == '-' || c == 0x2013 || c == 0x2060;
    };
    while (i < n) {
        UChar32 c = in.char32At(i);
        if (is_isolate((UChar)c) && c <= 0xFFFF) {
            depth += c == 0x2069 ? (depth > 0 ? -1 : 0) : 1;
            out.append((UChar)c);
            i++;
            continue;
        }
        if (depth > 0 || !u_isdigit(c)) {
            out.append(c);
            i = in.moveIndex32(i, 1);
            continue;
        }
        int32_t end = in.moveIndex32(i, 1);
        for (;;) {
            int32_t j = end;
            while (j < n && u_isdigit(in.char32At(j)))
                j = in.moveIndex32(j, 1);
            end = j;
            if (j < n && joiner(in.char32At(j))) {
                int32_t k = in.moveIndex32(j, 1);
                while (k < n && in.char32At(k) == 0x2060)
                    k = in.moveIndex32(k, 1);
                if (k < n && u_isdigit(in.char32At(k))) {
                    end = k;
                    continue;
                }
            }
            break;
        }
        out.append((UChar)0x2068);
        out.append(in, i, end - i);
        out.append((UChar)0x2069);
        i = end;
    }
    return out;
}

/* Isolation is the program's job (convert_args, isolate_digit_runs): isolation marks a
 * translator wrote by hand would isolate the same value twice (`catalog check` flags them),
 * so the pattern is applied again without them. */
int drop_hand_marks(icu::MessageFormat &mf, const icu::UnicodeString &upattern, kl_fmt_error *err)
{
    bool hand_marks = false;
    for (int32_t i = 0; i < upattern.length(); i++)
        hand_marks |= is_isolate(upattern.charAt(i));
    if (!hand_marks)
        return 0;
    icu::UnicodeString bare;
    for (int32_t i = 0; i < upattern.length(); i++)
        if (!is_isolate(upattern.charAt(i)))
            bare.append(upattern.charAt(i));
    UParseError pe;
    UErrorCode st = U_ZERO_ERROR;
    mf.applyPattern(bare, pe, st);
    if (U_FAILURE(st)) {
        set_error(err, st, bare, &pe, "ICU message syntax error");
        return KL_EPARSE;
    }
    return 0;
}

/* The catalog's 12 month names ("Janaayo|Febraayo|..."), when it gives all 12. */
void set_months(icu::DateFormatSymbols &sym, const char *months)
{
    icu::UnicodeString names[12];
    int count = 0;
    const char *p = months;
    while (count < 12) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        names[count++] = icu::UnicodeString::fromUTF8(icu::StringPiece(p, (int32_t)len));
        if (!bar)
            break;
        p = bar + 1;
    }
    if (count == 12) {
        sym.setMonths(names, 12, icu::DateFormatSymbols::FORMAT, icu::DateFormatSymbols::WIDE);
        sym.setMonths(names, 12, icu::DateFormatSymbols::STANDALONE, icu::DateFormatSymbols::WIDE);
    }
}

/* A catalog's own date style (the `dates` table) for every date argument; own_dates keeps
 * the format alive while mf uses it. */
int use_own_dates(icu::MessageFormat &mf, const icu::Locale &loc, const char *date_pattern,
                  const char *months, const kl_fmt_arg *args, size_t n_args,
                  std::unique_ptr<icu::SimpleDateFormat> &own_dates, kl_fmt_error *err)
{
    UErrorCode ds = U_ZERO_ERROR;
    icu::DateFormatSymbols sym(loc, ds);
    if (months && U_SUCCESS(ds))
        set_months(sym, months);
    if (U_SUCCESS(ds))
        own_dates.reset(
            new icu::SimpleDateFormat(icu::UnicodeString::fromUTF8(date_pattern), sym, ds));
    if (U_FAILURE(ds) || !own_dates) {
        set_error(err, ds, icu::UnicodeString::fromUTF8(date_pattern), nullptr,
                  "the catalog's date pattern");
        return KL_EPARSE;
    }
    own_dates->adoptTimeZone(icu::TimeZone::createTimeZone(u"UTC"));
    for (size_t i = 0; i < n_args; i++)
        if (args[i].type == KL_ARG_DATE) {
            UErrorCode st = U_ZERO_ERROR;
            mf.setFormat(icu::UnicodeString::fromUTF8(args[i].name), *own_dates, st);
        }
    return 0;
}

/* The arguments the message names (used), as ICU's names and values. Only those are
 * converted: compose passes every argument of the letter to every message. In a
 * right-to-left letter, data such as "21 Victoria Road" or a phone number must keep its own
 * direction: text arguments shown as they are (plain_only) are wrapped in FIRST STRONG
 * ISOLATE ... POP DIRECTIONAL ISOLATE (invisible). */
int convert_args(const kl_fmt_arg *args, size_t n_args, const std::vector<char> &used,
                 const std::vector<char> &plain_only, bool rtl, const icu::UnicodeString &upattern,
                 std::vector<icu::UnicodeString> &names, std::vector<icu::Formattable> &values,
                 kl_fmt_error *err)
{
    names.reserve(n_args);
    values.reserve(n_args);
    for (size_t i = 0; i < n_args; i++) {
        if (!used[i])
            continue;
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
            if (rtl && plain_only[i] && needs_isolate(v) && !isolated(v)) {
                v.insert(0, (UChar)0x2068);
                v.append((UChar)0x2069);
            }
            values.emplace_back(v);
            break;
        }
        }
    }
    return 0;
}

/* utf8 as an allocated string. */
int copy_out(const std::string &utf8, char **out)
{
    char *s = (char *)kl_core__malloc(utf8.size() + 1);
    if (!s)
        return KL_ENOMEM;
    memcpy(s, utf8.c_str(), utf8.size() + 1);
    *out = s;
    return 0;
}

/* ICU's result, with digit runs isolated in a right-to-left text, as UTF-8 into utf8. */
void finish_utf8(icu::UnicodeString &result, bool rtl, std::string &utf8)
{
    if (rtl)
        result = isolate_digit_runs(result);
    utf8.clear();
    result.toUTF8String(utf8);
}

/* ICU's result, with digit runs isolated in a right-to-left text, as an allocated UTF-8
 * string. */
int finish(icu::UnicodeString &result, bool rtl, char **out)
{
    std::string utf8;
    finish_utf8(result, rtl, utf8);
    return copy_out(utf8, out);
}

/* ---- the thread's formatters -------------------------------------------------------
 *
 * Building an ICU MessageFormat (parsing its pattern, its locale's data, a date or number
 * format inside) costs several times more than formatting with it, and a batch formats the
 * same few hundred messages for every member. So each thread keeps the MessageFormats it
 * built, by locale and pattern (and the catalog's own date style), and the contact hours'
 * formatters by locale. Per thread because ICU's formatters must not be used by two threads
 * at once (MessageFormat::format and DateIntervalFormat::format change the object); a cache
 * is freed when its thread ends. Each is bounded: past MAX_* entries it starts again. */

constexpr size_t MAX_MESSAGES = 2048;
constexpr size_t MAX_HOURS = 64;

/* A pattern made ready once: its MessageFormat (isolation marks dropped, the catalog's date
 * style set), and the arguments it names, in order, as pattern_names reads them.
 *
 * Texts it formatted more than once are kept with the arguments they were formatted from
 * (memo_key_of): most of a letter's messages name only the review's details (an agency's
 * name, the child's) or nothing, the same for every member, so later members' letters take
 * the text again instead of formatting it. A text is kept only when its arguments come a
 * second time (their hash is in `seen`), so a message naming a member's own details keeps
 * nothing of theirs; at most MAX_MEMO texts and MAX_SEEN hashes a pattern, whatever the
 * family's size. */
constexpr size_t MAX_MEMO = 32;
constexpr size_t MAX_SEEN = 32;

struct Memo {
    std::string key; /* memo_key_of */
    std::string out; /* the text formatted from it */
};

struct Prepared {
    icu::UnicodeString upattern;
    std::unique_ptr<icu::MessageFormat> mf;
    std::unique_ptr<icu::SimpleDateFormat> own_dates;
    std::vector<PatternName> names;
    uint64_t first[4] = {0, 0, 0, 0}; /* the names' first bytes, a bit each (find_names) */
    bool rtl = false;
    std::vector<Memo> memo; /* at most MAX_MEMO, replaced in turn (next_memo) */
    size_t next_memo = 0;
    size_t seen[MAX_SEEN] = {0}; /* hashes of arguments formatted once, replaced in turn */
    size_t next_seen = 0;
};

struct HoursFormats {
    kl_hours_icu pub{};
    UDateIntervalFormat *itv = nullptr;
    UListFormatter *list = nullptr;
    bool list_tried = false;
    UErrorCode list_status = U_ZERO_ERROR;
    ~HoursFormats()
    {
        udtitvfmt_close(itv);
        ulistfmt_close(list);
    }
};

/* A pattern lent by a set (kl_catalog__format_lent) and the thread's prepared pattern for it. */
constexpr size_t MAX_LENT = 512;
struct LentSlot {
    uint64_t serial = 0; /* the lending set's (never 0) */
    const char *pattern = nullptr;
    Prepared *p = nullptr; /* in messages */
};

struct ThreadFormats {
    LentSlot lent[MAX_LENT]; /* cleared with messages */
    std::unordered_map<std::string, std::unique_ptr<Prepared>> messages;
    std::unordered_map<std::string, std::unique_ptr<HoursFormats>> hours;
    std::unordered_map<std::string, std::string> memo; /* kl_catalog__memo_put */
    std::string key;                                   /* reused for look-ups */
    std::string args_key;                 /* reused for a message's arguments (memo_key_of) */
    std::string text;                     /* reused for a message's text (format_prepared) */
    std::vector<size_t> used;             /* reused by format_prepared (find_names) */
    std::vector<char> plain, found;       /* the same */
    std::vector<char> plain_only, by_arg; /* the same (convert_args) */
};

ThreadFormats &thread_formats()
{
    static thread_local ThreadFormats t;
    return t;
}

/* What makes two calls format alike: the locale, the pattern and, with the catalog's own
 * date style, that style and the names of the date arguments it is set on. */
void prepared_key(std::string &key, const char *locale, const char *pattern,
                  const char *date_pattern, const char *months, const kl_fmt_arg *args,
                  size_t n_args)
{
    key.assign(locale ? locale : "");
    key += '\x01';
    key += pattern;
    if (!date_pattern || !*date_pattern)
        return;
    key += '\x01';
    key += date_pattern;
    key += '\x01';
    key += months ? months : "";
    for (size_t i = 0; i < n_args; i++)
        if (args[i].type == KL_ARG_DATE) {
            key += '\x01';
            key += args[i].name ? args[i].name : "";
        }
}

/* The pattern made ready as do_format would use it, or nullptr when any step fails (the
 * caller then formats the old way, which reports the failure as before). */
std::unique_ptr<Prepared> prepare(const char *locale, const char *pattern, const kl_fmt_arg *args,
                                  size_t n_args, const char *date_pattern, const char *months)
{
    std::unique_ptr<Prepared> p(new Prepared);
    p->upattern = icu::UnicodeString::fromUTF8(pattern);
    UParseError pe;
    UErrorCode st = U_ZERO_ERROR;
    const icu::Locale loc = to_locale(locale);
    p->mf.reset(new icu::MessageFormat(p->upattern, loc, pe, st));
    if (U_FAILURE(st))
        return nullptr;
    if (U_FAILURE(pattern_names(p->upattern, p->names, &pe)))
        return nullptr;
    if (drop_hand_marks(*p->mf, p->upattern, nullptr) != 0 ||
        (date_pattern && *date_pattern &&
         use_own_dates(*p->mf, loc, date_pattern, months, args, n_args, p->own_dates, nullptr) !=
             0))
        return nullptr;
    p->rtl = locale && uloc_isRightToLeft(loc.getName());
    for (const PatternName &n : p->names) {
        unsigned char b = (unsigned char)n.name.c_str()[0];
        p->first[b >> 6] |= (uint64_t)1 << (b & 63);
    }
    return p;
}

/* The thread's prepared pattern, made now if it has none; nullptr when it cannot be. */
Prepared *prepared(const char *locale, const char *pattern, const kl_fmt_arg *args, size_t n_args,
                   const char *date_pattern, const char *months, uint64_t lent)
{
    ThreadFormats &t = thread_formats();
    /* A pattern a set lends, without a date style: its slot, by the set's serial and the
     * pattern's address (kl_catalog__format_lent), found without reading the pattern. */
    bool by_lender = lent && (!date_pattern || !*date_pattern);
    LentSlot *slot = nullptr;
    if (by_lender) {
        slot = &t.lent[(lent * 0x9E3779B97F4A7C15u ^ (uintptr_t)pattern >> 4) % MAX_LENT];
        if (slot->serial == lent && slot->pattern == pattern)
            return slot->p;
    }
    prepared_key(t.key, locale, pattern, date_pattern, months, args, n_args);
    auto it = t.messages.find(t.key);
    Prepared *p = it != t.messages.end() ? it->second.get() : nullptr;
    if (!p) {
        std::unique_ptr<Prepared> made =
            prepare(locale, pattern, args, n_args, date_pattern, months);
        if (!made)
            return nullptr;
        if (t.messages.size() >= MAX_MESSAGES) {
            t.messages.clear();
            for (LentSlot &l : t.lent)
                l = LentSlot{};
        }
        p = t.messages.emplace(t.key, std::move(made)).first->second.get();
    }
    if (slot)
        *slot = LentSlot{lent, pattern, p};
    return p;
}

/* match_names in one pass over the arguments (compose passes some fifty to every message,
 * which names a few): used, the arguments the pattern names, ascending; plain[k], whether
 * used[k] is only ever shown as text (match_names' plain_only). found is scratch. The same
 * outcome and the same error (the first name, in the pattern's order, not supplied). */
int find_names(const Prepared &p, const kl_fmt_arg *args, size_t n_args, kl_fmt_error *err,
               std::vector<size_t> &used, std::vector<char> &plain, std::vector<char> &found)
{
    used.clear();
    plain.clear();
    size_t n_names = p.names.size();
    if (!n_names)
        return 0;
    found.assign(n_names, 0);
    for (size_t a = 0; a < n_args; a++) {
        const char *name = args[a].name;
        if (!name)
            continue;
        unsigned char b = (unsigned char)name[0];
        if (!(p.first[b >> 6] & ((uint64_t)1 << (b & 63))))
            continue;
        bool is_used = false, only_shown = true;
        for (size_t k = 0; k < n_names; k++) {
            const PatternName &n = p.names[k];
            /* Most of compose's names share a first letter with one of the pattern's. */
            if (n.name[0] == name[0] &&
                (!name[0] || (n.name[1] == name[1] && strcmp(name, n.name.c_str()) == 0))) {
                found[k] = 1;
                is_used = true;
                if (n.chosen)
                    only_shown = false;
            }
        }
        if (is_used) {
            used.push_back(a);
            plain.push_back(only_shown);
        }
    }
    for (size_t k = 0; k < n_names; k++)
        if (!found[k]) {
            const PatternName &n = p.names[k];
            return unknown_argument(err, n.index, n.name.c_str());
        }
    return 0;
}

/* The arguments a message uses (used, ascending), as one string: each one's name, a NUL,
 * its type and value (a string's text and a NUL; a number's or a date's bytes). Two calls
 * with the same string format to the same text: the pattern chooses, isolates and formats
 * only on what it names (find_names and convert_args read nothing else). */
void memo_key_of(const kl_fmt_arg *args, const std::vector<size_t> &used, std::string &key)
{
    key.clear();
    for (size_t i : used) {
        key += args[i].name;
        key += '\0';
        switch (args[i].type) {
        case KL_ARG_NUMBER:
            key += 'n';
            key.append((const char *)&args[i].num, sizeof args[i].num);
            break;
        case KL_ARG_DATE: {
            const int ymd[3] = {args[i].date.year, args[i].date.month, args[i].date.day};
            key += 'd';
            key.append((const char *)ymd, sizeof ymd);
            break;
        }
        default:
            key += 's';
            key += args[i].s ? args[i].s : "";
            key += '\0';
            break;
        }
    }
}

/* Format with the thread's prepared pattern: 1 when there is none (format the old way). */
int format_prepared(const char *locale, const char *pattern, const kl_fmt_arg *args, size_t n_args,
                    char **out, kl_fmt_error *err, const char *date_pattern, const char *months,
                    uint64_t lent)
{
    Prepared *p = prepared(locale, pattern, args, n_args, date_pattern, months, lent);
    if (!p)
        return 1;
    ThreadFormats &t = thread_formats();
    int rc;
    if ((rc = find_names(*p, args, n_args, err, t.used, t.plain, t.found)) != 0)
        return rc;
    memo_key_of(args, t.used, t.args_key);
    for (const Memo &m : p->memo)
        if (m.key == t.args_key)
            return copy_out(m.out, out);
    std::vector<icu::UnicodeString> names;
    std::vector<icu::Formattable> values;
    t.by_arg.assign(n_args, 0); /* convert_args' used and plain_only, by argument */
    t.plain_only.assign(n_args, 1);
    for (size_t k = 0; k < t.used.size(); k++) {
        t.by_arg[t.used[k]] = 1;
        t.plain_only[t.used[k]] = t.plain[k];
    }
    if ((rc = convert_args(args, n_args, t.by_arg, t.plain_only, p->rtl, p->upattern, names, values,
                           err)) != 0)
        return rc;
    icu::UnicodeString result;
    UErrorCode st = U_ZERO_ERROR;
    p->mf->format(names.data(), values.data(), (int32_t)names.size(), result, st);
    if (U_FAILURE(st)) {
        set_error(err, st, p->upattern, nullptr, "ICU could not format the message");
        return st == U_MEMORY_ALLOCATION_ERROR ? KL_ENOMEM : KL_EBACKEND;
    }
    finish_utf8(result, p->rtl, t.text);
    size_t h = std::hash<std::string>{}(t.args_key);
    bool again = false;
    for (size_t i = 0; i < MAX_SEEN && !again; i++)
        again = p->seen[i] == h;
    if (!again) {
        p->seen[p->next_seen] = h;
        p->next_seen = (p->next_seen + 1) % MAX_SEEN;
    } else if (p->memo.size() < MAX_MEMO) {
        p->memo.push_back(Memo{t.args_key, t.text});
    } else {
        Memo fresh{t.args_key, t.text}; /* whole (or bad_alloc) before it replaces one */
        p->memo[p->next_memo] = std::move(fresh);
        p->next_memo = (p->next_memo + 1) % MAX_MEMO;
    }
    return copy_out(t.text, out);
}

/* The formatting as it is without the thread's formatters: each call builds its own. */
int format_once(const char *locale, const char *pattern, const kl_fmt_arg *args, size_t n_args,
                char **out, kl_fmt_error *err, const char *date_pattern, const char *months)
{
    icu::UnicodeString upattern = icu::UnicodeString::fromUTF8(pattern);
    UParseError pe;
    UErrorCode st = U_ZERO_ERROR;
    const icu::Locale loc = to_locale(locale);
    icu::MessageFormat mf(upattern, loc, pe, st);
    if (U_FAILURE(st)) {
        set_error(err, st, upattern, &pe, "ICU message syntax error");
        return KL_EPARSE;
    }
    if (!out)
        return 0;
    std::vector<char> plain_only, used;
    std::unique_ptr<icu::SimpleDateFormat> own_dates;
    std::vector<icu::UnicodeString> names;
    std::vector<icu::Formattable> values;
    bool rtl = locale && uloc_isRightToLeft(loc.getName());
    int rc;
    if ((rc = check_names(upattern, args, n_args, err, plain_only, used)) != 0 ||
        (rc = drop_hand_marks(mf, upattern, err)) != 0 ||
        (date_pattern && *date_pattern &&
         (rc = use_own_dates(mf, loc, date_pattern, months, args, n_args, own_dates, err)) != 0) ||
        (rc = convert_args(args, n_args, used, plain_only, rtl, upattern, names, values, err)) != 0)
        return rc;
    icu::UnicodeString result;
    st = U_ZERO_ERROR;
    mf.format(names.data(), values.data(), (int32_t)names.size(), result, st);
    if (U_FAILURE(st)) {
        set_error(err, st, upattern, nullptr, "ICU could not format the message");
        return st == U_MEMORY_ALLOCATION_ERROR ? KL_ENOMEM : KL_EBACKEND;
    }
    return finish(result, rtl, out);
}

int do_format(const char *locale, const char *pattern, const kl_fmt_arg *args, size_t n_args,
              char **out, kl_fmt_error *err, const char *date_pattern = nullptr,
              const char *months = nullptr, uint64_t lent = 0)
{
    if (out) {
        int rc =
            format_prepared(locale, pattern, args, n_args, out, err, date_pattern, months, lent);
        if (rc != 1)
            return rc;
    }
    return format_once(locale, pattern, args, n_args, out, err, date_pattern, months);
}

} // namespace

extern "C" int kl_catalog__format_lent(uint64_t serial, const char *locale, const char *pattern,
                                       const kl_fmt_arg *args, size_t n_args,
                                       const char *date_pattern, const char *months, char **out,
                                       kl_fmt_error *err)
{
    if (err) {
        err->offset = -1;
        err->icu[0] = err->detail[0] = '\0';
    }
    if (!pattern || !out)
        return KL_EINVAL;
    *out = nullptr;
    try {
        return do_format(locale, pattern, args, n_args, out, err, date_pattern, months, serial);
    } catch (const std::bad_alloc &) {
        return KL_ENOMEM;
    } catch (...) {
        return KL_EBACKEND;
    }
}

extern "C" int kl_catalog__format(const char *locale, const char *pattern, const kl_fmt_arg *args,
                                  size_t n_args, char **out, kl_fmt_error *err)
{
    return kl_catalog__format_lent(0, locale, pattern, args, n_args, nullptr, nullptr, out, err);
}

extern "C" int kl_catalog__format_dated(const char *locale, const char *pattern,
                                        const kl_fmt_arg *args, size_t n_args,
                                        const char *date_pattern, const char *months, char **out,
                                        kl_fmt_error *err)
{
    return kl_catalog__format_lent(0, locale, pattern, args, n_args, date_pattern, months, out,
                                   err);
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

namespace
{

/* The thread's formatters for an ICU locale, made now if it has none. */
HoursFormats &hours_formats(const char *icu_locale)
{
    ThreadFormats &t = thread_formats();
    t.key.assign(icu_locale);
    auto it = t.hours.find(t.key);
    if (it != t.hours.end())
        return *it->second;
    std::unique_ptr<HoursFormats> h(new HoursFormats);
    if (t.hours.size() >= MAX_HOURS)
        t.hours.clear();
    return *t.hours.emplace(t.key, std::move(h)).first->second;
}

} // namespace

/* The contact hours' day names and interval format for an ICU locale, made once per thread. */
extern "C" int kl_catalog__hours_icu(const char *icu_locale, const kl_hours_icu **out)
{
    *out = nullptr;
    try {
        HoursFormats &h = hours_formats(icu_locale);
        if (!h.itv) {
            UErrorCode st = U_ZERO_ERROR;
            UDateFormat *df =
                udat_open(UDAT_NONE, UDAT_SHORT, icu_locale, u"UTC", -1, NULL, 0, &st);
            UDateIntervalFormat *itv =
                U_SUCCESS(st) ? udtitvfmt_open(icu_locale, u"Hm", -1, u"UTC", -1, &st) : NULL;
            for (int d = 0; d < 7 && U_SUCCESS(st); d++) {
                UChar name[64];
                /* ICU counts from Sunday = 1; the review from Monday = 0. */
                int32_t n =
                    udat_getSymbols(df, UDAT_STANDALONE_WEEKDAYS, (d + 1) % 7 + 1, name, 64, &st);
                if (U_SUCCESS(st))
                    u_strToUTF8(h.pub.days[d], sizeof h.pub.days[d], NULL, name, n, &st);
            }
            udat_close(df);
            if (U_FAILURE(st) || st == U_STRING_NOT_TERMINATED_WARNING) {
                udtitvfmt_close(itv);
                return (int)st;
            }
            h.itv = itv;
            h.pub.times = itv;
        }
        *out = &h.pub;
        return 0;
    } catch (const std::bad_alloc &) {
        return (int)U_MEMORY_ALLOCATION_ERROR;
    }
}

extern "C" const char *kl_catalog__memo_get(const char *key, size_t len)
{
    try {
        ThreadFormats &t = thread_formats();
        t.key.assign(key, len);
        auto it = t.memo.find(t.key);
        return it == t.memo.end() ? nullptr : it->second.c_str();
    } catch (const std::bad_alloc &) {
        return nullptr;
    }
}

extern "C" void kl_catalog__memo_put(const char *key, size_t len, const char *text)
{
    try {
        ThreadFormats &t = thread_formats();
        if (t.memo.size() >= KL_MEMO_MAX)
            t.memo.clear();
        /* key and text whole before the entry is made (bad_alloc: no entry) */
        t.memo.emplace(std::string(key, len), std::string(text));
    } catch (const std::bad_alloc &) {
        /* not kept */
    }
}

/* ICU's list format for an ICU locale, made once per thread. */
extern "C" int kl_catalog__list_icu(const char *icu_locale, const UListFormatter **out)
{
    *out = nullptr;
    try {
        HoursFormats &h = hours_formats(icu_locale);
        if (!h.list_tried) {
            h.list_tried = true;
            h.list = ulistfmt_open(icu_locale, &h.list_status);
        }
        if (U_FAILURE(h.list_status))
            return (int)h.list_status;
        *out = h.list;
        return 0;
    } catch (const std::bad_alloc &) {
        return (int)U_MEMORY_ALLOCATION_ERROR;
    }
}

namespace
{

bool is_complex(UMessagePatternArgType t)
{
    return t == UMSGPAT_ARG_TYPE_SELECT || t == UMSGPAT_ARG_TYPE_PLURAL ||
           t == UMSGPAT_ARG_TYPE_SELECTORDINAL || t == UMSGPAT_ARG_TYPE_CHOICE;
}

bool opens_text(UMessagePatternPartType t)
{
    return t == UMSGPAT_PART_TYPE_MSG_START || t == UMSGPAT_PART_TYPE_ARG_LIMIT ||
           t == UMSGPAT_PART_TYPE_SKIP_SYNTAX || t == UMSGPAT_PART_TYPE_INSERT_CHAR ||
           t == UMSGPAT_PART_TYPE_REPLACE_NUMBER;
}

bool closes_text(UMessagePatternPartType t)
{
    return t == UMSGPAT_PART_TYPE_MSG_LIMIT || t == UMSGPAT_PART_TYPE_ARG_START ||
           t == UMSGPAT_PART_TYPE_SKIP_SYNTAX || t == UMSGPAT_PART_TYPE_INSERT_CHAR ||
           t == UMSGPAT_PART_TYPE_REPLACE_NUMBER;
}

void add_arg(kl_msg_shape *sh, const std::string &name, bool chosen)
{
    for (size_t i = 0; i < sh->n_args; i++) {
        if (name == sh->args[i].name) {
            (chosen ? sh->args[i].chosen : sh->args[i].shown) = 1;
            return;
        }
    }
    if (sh->n_args == KL_SHAPE_MAX_ARGS)
        return;
    snprintf(sh->args[sh->n_args].name, sizeof sh->args[0].name, "%s", name.c_str());
    sh->args[sh->n_args].chosen = chosen;
    sh->args[sh->n_args].shown = !chosen;
    sh->n_args++;
}

/* The keywords of the select or plural whose ARG_START is part i. */
std::vector<std::string> selector_keys(const icu::MessagePattern &mp, int32_t i)
{
    std::vector<std::string> keys;
    int32_t limit = mp.getLimitPartIndex(i);
    for (int32_t j = i + 2; j < limit; j++) {
        const icu::MessagePattern::Part &q = mp.getPart(j);
        if (q.getType() == UMSGPAT_PART_TYPE_ARG_SELECTOR) {
            std::string k;
            mp.getSubstring(q).toUTF8String(k);
            keys.push_back(k);
        } else if (q.getType() == UMSGPAT_PART_TYPE_MSG_START) {
            j = mp.getLimitPartIndex(j);
        }
    }
    return keys;
}

/* The plural categories the locale's rules have that a plural (or selectordinal) on name
 * lacks, into sh (the first such argument only). */
int plural_categories(const icu::Locale &loc, UMessagePatternArgType t, const std::string &name,
                      const std::vector<std::string> &keys, const icu::UnicodeString &up,
                      kl_msg_shape *sh, kl_fmt_error *err)
{
    UErrorCode pst = U_ZERO_ERROR;
    icu::PluralRules *rules = icu::PluralRules::forLocale(
        loc, t == UMSGPAT_ARG_TYPE_PLURAL ? UPLURAL_TYPE_CARDINAL : UPLURAL_TYPE_ORDINAL, pst);
    icu::StringEnumeration *kw = U_SUCCESS(pst) ? rules->getKeywords(pst) : nullptr;
    if (U_FAILURE(pst) || !kw) {
        delete kw;
        delete rules;
        set_error(err, pst, up, nullptr, "ICU has no plural rules for the locale");
        return pst == U_MEMORY_ALLOCATION_ERROR ? KL_ENOMEM : KL_EBACKEND;
    }
    std::string need, missing;
    const char *k;
    while ((k = kw->next(nullptr, pst)) && U_SUCCESS(pst)) {
        need += need.empty() ? "" : " ";
        need += k;
        bool have = false;
        for (const std::string &h : keys)
            have = have || h == k;
        if (!have) {
            missing += missing.empty() ? "" : " ";
            missing += k;
        }
    }
    delete kw;
    delete rules;
    if (!missing.empty()) {
        snprintf(sh->plural_arg, sizeof sh->plural_arg, "%s", name.c_str());
        snprintf(sh->plural_missing, sizeof sh->plural_missing, "%s", missing.c_str());
        snprintf(sh->plural_need, sizeof sh->plural_need, "%s", need.c_str());
    }
    return 0;
}

int do_analyse(const char *locale, const char *pattern, kl_msg_shape *sh, kl_fmt_error *err)
{
    icu::UnicodeString up = icu::UnicodeString::fromUTF8(pattern);
    UParseError pe;
    UErrorCode st = U_ZERO_ERROR;
    icu::MessagePattern mp(up, &pe, st);
    if (U_FAILURE(st)) {
        set_error(err, st, up, &pe, "ICU message syntax error");
        return KL_EPARSE;
    }
    icu::Locale loc = to_locale(locale);
    int32_t prev = 0;
    UMessagePatternPartType prev_type = UMSGPAT_PART_TYPE_MSG_START;
    for (int32_t i = 0; i < mp.countParts(); i++) {
        const icu::MessagePattern::Part &part = mp.getPart(i);
        if (i > 0 && opens_text(prev_type) && closes_text(part.getType()))
            for (int32_t k = prev; k < part.getIndex(); k++)
                sh->letters += u_isalpha(up.charAt(k)) ? 1 : 0;
        prev = part.getLimit();
        prev_type = part.getType();
        if (part.getType() != UMSGPAT_PART_TYPE_ARG_START)
            continue;
        UMessagePatternArgType t = part.getArgType();
        std::string name;
        mp.getSubstring(mp.getPart(i + 1)).toUTF8String(name);
        add_arg(sh, name, is_complex(t));
        if (!is_complex(t))
            continue;
        std::vector<std::string> keys = selector_keys(mp, i);
        bool other = false;
        for (const std::string &k : keys)
            other = other || k == "other";
        if (!other && !sh->no_other[0] && t != UMSGPAT_ARG_TYPE_CHOICE)
            snprintf(sh->no_other, sizeof sh->no_other, "%s", name.c_str());
        if ((t == UMSGPAT_ARG_TYPE_PLURAL || t == UMSGPAT_ARG_TYPE_SELECTORDINAL) &&
            !sh->plural_arg[0]) {
            int rc = plural_categories(loc, t, name, keys, up, sh, err);
            if (rc)
                return rc;
        }
    }
    return 0;
}

/* en-XA: every ASCII letter accented; the rest as it is. */
const char *const accents_lower[26] = {"á", "ƀ", "ç", "ð", "é", "ƒ", "ĝ", "ĥ", "î",
                                       "ĵ", "ķ", "ļ", "ɱ", "ñ", "ö", "þ", "ǫ", "ŕ",
                                       "š", "ţ", "û", "ṽ", "ŵ", "ẋ", "ý", "ž"};
const char *const accents_upper[26] = {"Å", "Ɓ", "Ç", "Ð", "É", "Ƒ", "Ĝ", "Ĥ", "Î",
                                       "Ĵ", "Ķ", "Ļ", "Ṁ", "Ñ", "Ö", "Þ", "Ǫ", "Ŕ",
                                       "Š", "Ţ", "Û", "Ṽ", "Ŵ", "Ẋ", "Ý", "Ž"};

int do_pseudo(const char *pattern, int rtl, char **out)
{
    icu::UnicodeString up = icu::UnicodeString::fromUTF8(pattern);
    UParseError pe;
    UErrorCode st = U_ZERO_ERROR;
    icu::MessagePattern mp(up, &pe, st);
    if (U_FAILURE(st))
        return KL_EPARSE;
    /* Work in UTF-16 indices, convert each piece. */
    std::string res;
    int32_t prev = 0;
    UMessagePatternPartType prev_type = UMSGPAT_PART_TYPE_MSG_START;
    for (int32_t i = 0; i < mp.countParts(); i++) {
        const icu::MessagePattern::Part &part = mp.getPart(i);
        int32_t at = part.getIndex();
        std::string piece;
        up.tempSubStringBetween(prev, at).toUTF8String(piece);
        if (i > 0 && opens_text(prev_type) && closes_text(part.getType()) && !piece.empty()) {
            std::string t;
            size_t chars = 0;
            for (unsigned char c : piece) {
                if (!rtl && c >= 'a' && c <= 'z')
                    t += accents_lower[c - 'a'];
                else if (!rtl && c >= 'A' && c <= 'Z')
                    t += accents_upper[c - 'A'];
                else
                    t += (char)c;
                if (c < 0x80 || c >= 0xC0)
                    chars++;
            }
            if (rtl) {
                t = "\xE2\x80\xAE" + t + "\xE2\x80\xAC"; /* RLO ... PDF */
            } else if (chars > 1) {
                /* About 40% longer, in words a line breaker can wrap, in
                 * every branch of a choice alike. */
                size_t pad = (chars * 4 + 9) / 10;
                std::string words;
                while (pad > 0) {
                    size_t w = pad > 6 ? 6 : pad;
                    words += " " + std::string(w, '~');
                    pad -= w;
                }
                if (t.back() == ' ')
                    t = t.substr(0, t.size() - 1) + words + " ";
                else
                    t += words;
            }
            res += t;
        } else {
            res += piece;
        }
        prev_type = part.getType();
        /* A part's own syntax (a brace, '#', an apostrophe) is kept as it is. */
        int32_t lim = part.getLimit();
        std::string syntax;
        up.tempSubStringBetween(at, lim).toUTF8String(syntax);
        res += syntax;
        prev = lim;
    }
    std::string tail;
    up.tempSubStringBetween(prev).toUTF8String(tail);
    res += tail;
    if (!rtl) {
        res = "[" + res + "]";
    } else {
        res = "\xE2\x80\x8F" + res; /* RLM: the paragraph is right-to-left */
    }
    char *s = (char *)kl_core__malloc(res.size() + 1);
    if (!s)
        return KL_ENOMEM;
    memcpy(s, res.c_str(), res.size() + 1);
    *out = s;
    return 0;
}

} // namespace

extern "C" int kl_catalog__analyse(const char *locale, const char *pattern, kl_msg_shape *shape,
                                   kl_fmt_error *err)
{
    if (err) {
        err->offset = -1;
        err->icu[0] = err->detail[0] = '\0';
    }
    if (!pattern || !shape)
        return KL_EINVAL;
    memset(shape, 0, sizeof *shape);
    try {
        return do_analyse(locale, pattern, shape, err);
    } catch (const std::bad_alloc &) {
        return KL_ENOMEM;
    } catch (...) {
        return KL_EBACKEND;
    }
}

extern "C" int kl_catalog__pseudo(const char *pattern, int rtl, char **out)
{
    if (!pattern || !out)
        return KL_EINVAL;
    *out = nullptr;
    try {
        return do_pseudo(pattern, rtl, out);
    } catch (const std::bad_alloc &) {
        return KL_ENOMEM;
    } catch (...) {
        return KL_EBACKEND;
    }
}
