/* SPDX-License-Identifier: MIT */
/* tests/unit/catalog_test.c: compiled catalogs, variant and locale fallback, MessageFormat (the
 * translator tools are tests/unit/l10n_test.c). */
#include "support.h"
#include "catalog/catalog_internal.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *test_catalogs(void)
{
    static char buf[4096];
    const char *b = getenv("KL_BUILD_ROOT");
    snprintf(buf, sizeof buf, "%s/tests/data/letters/locales", b ? b : ".");
    return buf;
}

static kl_catalog_set *open_set(kl_context *ctx)
{
    kl_catalog_set *set = NULL;
    assert_int_equal(kl_catalog_set_open(ctx, test_catalogs(), &set), 0);
    return set;
}

static void test_open_missing_dir(void **state)
{
    (void)state;
    kl_test_diags d;
    kl_context *ctx = kl_test_context(&d);
    kl_catalog_set *set = NULL;
    assert_int_equal(kl_catalog_set_open(ctx, "/no/such/dir", &set), KL_ENOTFOUND);
    assert_null(set);
    assert_string_equal(kl_context_last_error(ctx)->source, "/no/such/dir");
    kl_context_free(ctx);
}

static void test_meta_and_locale_chain(void **state)
{
    (void)state;
    kl_test_diags d;
    kl_context *ctx = kl_test_context(&d);
    kl_catalog_set *set = open_set(ctx);
    kl_catalog_meta m = KL_CATALOG_META_INIT;
    assert_int_equal(kl_catalog_set_meta(ctx, set, "pl", &m), 0);
    assert_string_equal(m.locale, "pl");
    assert_string_equal(m.status, "reviewed");
    assert_string_equal(m.reviewer, "A. Tester");
    assert_string_equal(m.reviewed, "2026-01-15");
    assert_int_equal(kl_catalog_set_meta(ctx, set, "en-GB", &m), 0);
    assert_string_equal(m.status, "source");
    assert_string_equal(m.reviewer, "");
    /* Within a language: pt-BR is served by pt, en by en_GB. */
    assert_int_equal(kl_catalog_set_meta(ctx, set, "pt-BR", &m), 0);
    assert_string_equal(m.locale, "pt");
    assert_int_equal(kl_catalog_set_meta(ctx, set, "en", &m), 0);
    assert_string_equal(m.locale, "en_GB");
    /* Never across languages, whatever the process's own locale. */
    assert_int_equal(kl_catalog_set_meta(ctx, set, "fr", &m), KL_ENOTFOUND);
    assert_non_null(strstr(kl_context_last_error(ctx)->message, "'fr'"));
    kl_catalog_set_free(set);
    kl_context_free(ctx);
}

static char *lookup(kl_context *ctx, kl_catalog_set *set, const char *loc, kl_reading v,
                    const char *id, kl_msg_origin *o)
{
    char *p = NULL;
    int rc = kl_catalog__lookup(ctx, set, loc, v, id, &p, o);
    return rc == 0 ? p : NULL;
}

static void test_variant_fallback(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    kl_catalog_set *set = open_set(ctx);
    kl_msg_origin o;
    /* young person: young_person, then plain, then standard */
    char *p = lookup(ctx, set, "en-GB", KL_READING_YOUNG_PERSON, "t.heading", &o);
    assert_string_equal(p, "About {childName}");
    assert_int_equal(o.variant, KL_READING_YOUNG_PERSON);
    kl_free(p);
    p = lookup(ctx, set, "en-GB", KL_READING_YOUNG_PERSON, "t.hello", &o);
    assert_string_equal(p, "Hello (plain).");
    assert_int_equal(o.variant, KL_READING_PLAIN);
    kl_free(p);
    p = lookup(ctx, set, "en-GB", KL_READING_YOUNG_PERSON, "t.bye", &o);
    assert_string_equal(p, "Goodbye (standard).");
    assert_int_equal(o.variant, KL_READING_STANDARD);
    kl_free(p);
    /* plain never sees the young person's text */
    p = lookup(ctx, set, "en-GB", KL_READING_PLAIN, "t.heading", &o);
    assert_string_equal(p, "What happened to {childName}");
    kl_free(p);
    p = lookup(ctx, set, "en-GB", KL_READING_STANDARD, "t.hello", &o);
    assert_string_equal(p, "Hello (standard).");
    kl_free(p);
    kl_catalog_set_free(set);
    kl_context_free(ctx);
}

static void test_missing_never_english(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    kl_catalog_set *set = open_set(ctx);
    char *p = NULL;
    kl_msg_origin o;
    /* pl has no t.only_en: not found, even though en_GB has it. */
    assert_int_equal(kl_catalog__lookup(ctx, set, "pl", KL_READING_STANDARD, "t.only_en", &p, &o),
                     KL_ENOTFOUND);
    assert_null(p);
    /* pt-BR finds pt's message; a message pt lacks is not found either. */
    p = lookup(ctx, set, "pt-BR", KL_READING_STANDARD, "t.title", &o);
    assert_string_equal(p, "Carta sobre {childName}");
    assert_string_equal(o.icu_locale, "pt");
    kl_free(p);
    p = NULL;
    assert_int_equal(
        kl_catalog__lookup(ctx, set, "pt-BR", KL_READING_STANDARD, "t.heading", &p, &o),
        KL_ENOTFOUND);
    assert_int_equal(kl_catalog__lookup(ctx, set, "fr", KL_READING_STANDARD, "t.title", &p, &o),
                     KL_ENOTFOUND);
    kl_catalog_set_free(set);
    kl_context_free(ctx);
}

/* In a right-to-left letter, text arguments (addresses, phone numbers, names)
 * are isolated so "21 Victoria Road" keeps its order; arguments chosen on by
 * select are not touched, or the choice would fail. */
static void test_rtl_arguments_are_isolated(void **state)
{
    (void)state;
    kl_fmt_arg args[] = {
        {"street", KL_ARG_STRING, "21 Victoria Road", 0, {0, 0, 0}},
        {"childGender", KL_ARG_STRING, "female", 0, {0, 0, 0}},
    };
    char *out = NULL;
    kl_fmt_error fe;
    const char *pattern = "{childGender, select, female {\u0627\u0628\u0646\u062A\u0643} "
                          "other {\u0637\u0641\u0644\u0643}} {street}";
    assert_int_equal(kl_catalog__format("ar", pattern, args, 2, &out, &fe), 0);
    /* The female branch was chosen, and the street is wrapped in FSI..PDI. */
    assert_string_equal(out, "\u0627\u0628\u0646\u062A\u0643 \u2068"
                             "21 Victoria Road\u2069");
    kl_free(out);
    /* Letters alone stay one run: "Mr Haddad" must not split into two isolates. */
    kl_fmt_arg names[] = {{"title", KL_ARG_STRING, "Mr", 0, {0, 0, 0}},
                          {"family", KL_ARG_STRING, "Haddad", 0, {0, 0, 0}}};
    assert_int_equal(kl_catalog__format("ar", "\u0639\u0632\u064A\u0632\u064A {title} {family}",
                                        names, 2, &out, &fe),
                     0);
    assert_string_equal(out, "\u0639\u0632\u064A\u0632\u064A Mr Haddad");
    kl_free(out);
    assert_int_equal(kl_catalog__format("en-GB", "{street}", args, 2, &out, &fe), 0);
    assert_string_equal(out, "21 Victoria Road");
    kl_free(out);
}

/* A message naming an argument compose does not supply fails, saying which and where (for the
 * translator: catalog check reports it at the message), the first time and once the pattern is
 * prepared and kept for the thread. */
static void test_format_unknown_argument(void **state)
{
    (void)state;
    kl_fmt_arg args[] = {{"title", KL_ARG_STRING, "Ms", 0, {0, 0, 0}}};
    const char *pattern = "Dear {title} {nosuch},";
    for (int round = 0; round < 2; round++) {
        char *out = NULL;
        kl_fmt_error fe;
        assert_int_equal(kl_catalog__format("en-GB", pattern, args, 1, &out, &fe), KL_EFORMAT);
        assert_null(out);
        assert_int_equal(fe.offset, (int)(strstr(pattern, "nosuch") - pattern));
        assert_string_equal(fe.icu, "unknown argument");
        assert_non_null(strstr(fe.detail, "the message uses {nosuch}"));
    }
}

static void test_format_named(void **state)
{
    (void)state;
    kl_fmt_arg args[] = {
        {"childName", KL_ARG_STRING, "Amelia", 0, {0, 0, 0}},
        {"childGender", KL_ARG_STRING, "female", 0, {0, 0, 0}},
        {"n", KL_ARG_NUMBER, NULL, 3, {0, 0, 0}},
        {"end", KL_ARG_DATE, NULL, 0, {2027, 5, 28}},
    };
    char *out = NULL;
    kl_fmt_error fe;
    assert_int_equal(kl_catalog__format("en-GB",
                                        "your {childGender, select, female {daughter} male {son} "
                                        "other {child}} {childName}",
                                        args, 4, &out, &fe),
                     0);
    assert_string_equal(out, "your daughter Amelia");
    kl_free(out);
    assert_int_equal(kl_catalog__format("en-GB", "{n, plural, one {# agency} other {# agencies}}",
                                        args, 4, &out, &fe),
                     0);
    assert_string_equal(out, "3 agencies");
    kl_free(out);
    /* Polish plural categories and Polish month names. */
    assert_int_equal(kl_catalog__format("pl",
                                        "{n, plural, one {# instytucja} few {# instytucje} many {# "
                                        "instytucji} other {# instytucji}}",
                                        args, 4, &out, &fe),
                     0);
    assert_string_equal(out, "3 instytucje");
    kl_free(out);
    assert_int_equal(kl_catalog__format("pl", "{end, date, long}", args, 4, &out, &fe), 0);
    assert_string_equal(out, "28 maja 2027");
    kl_free(out);
    assert_int_equal(kl_catalog__format("en-GB", "{end, date, long}", args, 4, &out, &fe), 0);
    assert_string_equal(out, "28 May 2027");
    kl_free(out);
    /* Persian letters give the Gregorian date the family knows (ICU's own
     * default for fa is the Solar Hijri calendar: 7 Khordad 1406). */
    assert_int_equal(kl_catalog__format("fa", "{end, date, long}", args, 4, &out, &fe), 0);
    /* One digit style per letter: Western digits, like the phone numbers. */
    assert_non_null(strstr(out, "2027"));
    assert_null(strstr(out, "\u06F2\u06F0\u06F2\u06F7")); /* not in Persian digits */
    assert_null(strstr(out, "1406"));
    kl_free(out);
    assert_int_equal(kl_catalog__format("fa-u-ca-persian", "{end, date, long}", args, 4, &out, &fe),
                     0);
    assert_non_null(strstr(out, "1406"));
    kl_free(out);
    /* A catalog's own date style (Somali: day first, its month names). */
    assert_int_equal(kl_catalog__format_dated("so", "{end, date, long}", args, 4, "d MMMM y",
                                              "Janaayo|Febraayo|Maarso|Abriil|May|Juun|Luulyo|"
                                              "Ogost|Sebtembar|Oktoobar|Nofembar|Desembar",
                                              &out, &fe),
                     0);
    assert_string_equal(out, "28 May 2027");
    kl_free(out);
    assert_int_equal(
        kl_catalog__format_dated("so", "{end, date, long}", args, 4, "d MMMM y", NULL, &out, &fe),
        0);
    assert_non_null(strstr(out, "28 "));
    kl_free(out);
    /* A member whose language tag asks for native digits gets them. */
    assert_int_equal(kl_catalog__format("fa-u-nu-arabext", "{end, date, long}", args, 4, &out, &fe),
                     0);
    assert_non_null(strstr(out, "\u06F2\u06F0\u06F2\u06F7"));
    kl_free(out);
    /* Right to left: a number in the message's own words keeps its order
     * (one isolate around "116 123"), a value already isolated is not
     * isolated again, and marks written by hand are dropped. */
    kl_fmt_arg ph[] = {{"p", KL_ARG_STRING, "01632 960456", 0, {0, 0, 0}}};
    assert_int_equal(kl_catalog__format("ar", "\u0627\u062a\u0635\u0644 116 123 \u2068{p}\u2069",
                                        ph, 1, &out, &fe),
                     0);
    assert_string_equal(out,
                        "\u0627\u062a\u0635\u0644 \u2068116 123\u2069 \u206801632 960456\u2069");
    kl_free(out);
    assert_int_equal(kl_catalog__format("en-GB", "Call 116 123 or {p}", ph, 1, &out, &fe), 0);
    assert_string_equal(out, "Call 116 123 or 01632 960456");
    kl_free(out);
    /* A placeholder compose does not supply never reaches a letter. */
    assert_int_equal(kl_catalog__format("en-GB", "Dear {childNmae}", args, 4, &out, &fe),
                     KL_EFORMAT);
    assert_null(out);
    assert_non_null(strstr(fe.detail, "{childNmae}"));
    assert_int_equal(fe.offset, 6);
}

/* The thread keeps each pattern's MessageFormat and formats with it again: the second call
 * takes its own values, still refuses an argument it is not given, and a catalog's own date
 * style is kept apart from ICU's for the same pattern. */
static void test_kept_formats(void **state)
{
    (void)state;
    const char *pattern = "{g, select, female {her} other {their}} {name}, {end, date, long}";
    kl_fmt_arg a[] = {
        {"g", KL_ARG_STRING, "female", 0, {0, 0, 0}},
        {"name", KL_ARG_STRING, "Amelia", 0, {0, 0, 0}},
        {"end", KL_ARG_DATE, NULL, 0, {2027, 5, 28}},
    };
    kl_fmt_arg b[] = {
        {"end", KL_ARG_DATE, NULL, 0, {2026, 11, 27}},
        {"name", KL_ARG_STRING, "Kacper", 0, {0, 0, 0}},
        {"g", KL_ARG_STRING, "male", 0, {0, 0, 0}},
    };
    char *out = NULL;
    kl_fmt_error fe;
    for (int round = 0; round < 2; round++) {
        assert_int_equal(kl_catalog__format("en-GB", pattern, a, 3, &out, &fe), 0);
        assert_string_equal(out, "her Amelia, 28 May 2027");
        kl_free(out);
        assert_int_equal(kl_catalog__format("en-GB", pattern, b, 3, &out, &fe), 0);
        assert_string_equal(out, "their Kacper, 27 November 2026");
        kl_free(out);
        /* Without {name}: refused, pointing at it, as the first time. */
        out = (char *)1;
        assert_int_equal(kl_catalog__format("en-GB", pattern, a, 1, &out, &fe), KL_EFORMAT);
        assert_null(out);
        assert_non_null(strstr(fe.detail, "{name}"));
        assert_int_equal(fe.offset, 41); /* the name, after "{" */
        /* The same pattern with a catalog's date style, then without it again. */
        assert_int_equal(
            kl_catalog__format_dated("en-GB", pattern, a, 3, "y-MM-dd", NULL, &out, &fe), 0);
        assert_string_equal(out, "her Amelia, 2027-05-28");
        kl_free(out);
        assert_int_equal(kl_catalog__format("pl", pattern, a, 3, &out, &fe), 0);
        assert_string_equal(out, "her Amelia, 28 maja 2027");
        kl_free(out);
    }
}

static void test_syntax_error_position(void **state)
{
    (void)state;
    kl_test_diags d;
    kl_context *ctx = kl_test_context(&d);
    kl_catalog_set *set = open_set(ctx);
    kl_fmt_arg args[] = {{"childName", KL_ARG_STRING, "Amelia", 0, {0, 0, 0}}};
    char *out = NULL;
    /* de.txt line 9: "t.heading" { "Was mit {childName geschah" } */
    assert_int_equal(kl_catalog__message(ctx, set, "de", KL_READING_STANDARD, "t.heading", args, 1,
                                         "m09", &out, NULL),
                     KL_EPARSE);
    assert_null(out);
    const kl_diagnostic *e = kl_context_last_error(ctx);
    assert_non_null(e);
    assert_non_null(strstr(e->source, "de.txt"));
    assert_int_equal(e->line, 9);
    /* the message text starts in column 24; ICU stops inside the placeholder */
    assert_true(e->column > 24 && e->column <= 24 + 26);
    assert_string_equal(e->member_id, "m09");
    assert_non_null(strstr(e->message, "'t.heading'"));
    /* select without other: also a syntax error, on line 10 */
    assert_int_equal(kl_catalog__message(ctx, set, "de", KL_READING_STANDARD, "t.hello", args, 1,
                                         NULL, &out, NULL),
                     KL_EPARSE);
    assert_int_equal(kl_context_last_error(ctx)->line, 10);
    kl_catalog_set_free(set);
    kl_context_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_missing_dir),
        cmocka_unit_test(test_format_unknown_argument),
        cmocka_unit_test(test_meta_and_locale_chain),
        cmocka_unit_test(test_variant_fallback),
        cmocka_unit_test(test_missing_never_english),
        cmocka_unit_test(test_format_named),
        cmocka_unit_test(test_rtl_arguments_are_isolated),
        cmocka_unit_test(test_syntax_error_position),
        cmocka_unit_test(test_kept_formats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
