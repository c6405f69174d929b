/* SPDX-License-Identifier: MIT */
/* tests/unit/disclosure_test.c: what identifies a family member (docs/SECURITY.md),
 * and the check that one member's details never reach another's correspondence. */
#include "support.h"
#include "review/review_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fixture {
    kl_test_diags diags;
    kl_context *ctx;
    kl_review *review;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->ctx = kl_test_context(&f->diags);
    /* m05's contact="none" with an address is an error in its data; the
     * review still loads and the detail must still never be disclosed. */
    assert_int_equal(
        kl_review_load_file(f->ctx, kl_test_src("tests/data/check/review.xml"), NULL, &f->review),
        0);
    const kl_member *m05 = kl_review_find_member(f->review, "m05");
    assert_non_null(m05);
    assert_int_equal(kl_review_member_ok(f->review, m05), 0);
    f->diags.n = 0;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    kl_review_free(f->review);
    kl_context_free(f->ctx);
    free(f);
    return 0;
}

static size_t reader_of(const kl_review *rv, const char *id)
{
    if (!id)
        return KL_DISCLOSURE_NOBODY;
    const kl_member *m = kl_review_find_member(rv, id);
    assert_non_null(m);
    return kl_review__member_index(rv, m);
}

/* Check one text for reader (NULL: nobody, as for the record). */
static int check_one(const kl_review *rv, kl_context *ctx, const char *reader, const char *text)
{
    kl_context_clear_error(ctx);
    return kl_disclosure__scan(ctx, kl_review__disclosure(rv), reader_of(rv, reader), 0, text,
                               strlen(text), (kl_where){NULL, 7, 3, reader}, "the text");
}

static void assert_caught_in(const kl_review *rv, kl_context *ctx, const char *reader,
                             const char *text, const char *needle)
{
    int rc = check_one(rv, ctx, reader, text);
    if (rc != KL_EDATA)
        fail_msg("not caught for %s: %s", reader ? reader : "(record)", text);
    const kl_diagnostic *e = kl_context_last_error(ctx);
    assert_non_null(e);
    if (!strstr(e->message, needle))
        fail_msg("message '%s' lacks '%s'", e->message, needle);
    if (reader)
        assert_string_equal(e->member_id, reader);
}

static void assert_passes_in(const kl_review *rv, kl_context *ctx, const char *reader,
                             const char *text)
{
    int rc = check_one(rv, ctx, reader, text);
    if (rc != 0)
        fail_msg("wrongly refused for %s: %s (%s)", reader ? reader : "(record)", text,
                 kl_context_last_error(ctx) ? kl_context_last_error(ctx)->message : "?");
}

#define assert_caught(f, r, t, n) assert_caught_in((f)->review, (f)->ctx, r, t, n)
#define assert_passes(f, r, t)    assert_passes_in((f)->review, (f)->ctx, r, t)

static void another_members_details_are_caught(void **state)
{
    fixture *f = *state;
    assert_caught(f, "m01", "Your grandmother lives at LL1 2DE.", "a postcode of member m04");
    /* Written without the space, in lower case. */
    assert_caught(f, "m01", "postcode ll12de", "a postcode of member m04");
    assert_caught(f, "m01", "Call Kacper on +44 7700 900456 today.",
                  "a phone number of member m03");
    assert_caught(f, "m01", "tel:+447700900456", "a phone number of member m03");
    assert_caught(f, "m01", "Write to KACPER@mail.example.", "an email address of member m03");
    /* A house name split over two lines of a wrapped paragraph. */
    assert_caught(f, "m01", "She is at Bwthyn y\nNant now.", "an address line of member m04");
    assert_caught(f, "m04", "See you at 5 Mill Lane.", "an address line of member m06");
    /* The message never quotes the detail. */
    check_one(f->review, f->ctx, "m01", "Call 07700 900456");
    assert_null(strstr(kl_context_last_error(f->ctx)->message, "900456"));
}

/* Every spelling of a phone number is the same number. */
static void phone_numbers_in_any_spelling(void **state)
{
    fixture *f = *state;
    static const char *const spellings[] = {
        "07700 900456",
        "0044 7700 900456",
        "+44 (0) 7700 900456",
        "+44\xC2\xA0"
        "7700\xC2\xA0"
        "900456", /* no-break spaces */
        "07700\xE2\x80\x93"
        "900\xE2\x80\x93"
        "456", /* en dashes */
        "07700/900/456",
        "0770\xE2\x80\x8B"
        "0 900\xE2\x80\x8C"
        "456", /* zero-width space, ZWNJ */
        "\xE2\x80\xAA"
        "07700 900456\xE2\x80\xAC", /* LRE .. PDF */
        "\xE2\x81\xA8"
        "07700\xE2\x81\xA9 \xE2\x81\xA8"
        "900456\xE2\x81\xA9",       /* FSI .. PDI */
        "room 12 07700 900456",     /* directly after other digits */
        "call 07700\n900456 today", /* split by wrapping */
        "call 07700 900\n\n456",
        "\xD9\xA0\xD9\xA7\xD9\xA7\xD9\xA0\xD9\xA0 "
        "\xD9\xA9\xD9\xA0\xD9\xA0\xD9\xA4\xD9\xA5\xD9\xA6",                    /* Arabic-Indic */
        "\xEF\xBC\x90\xEF\xBC\x97\xEF\xBC\x97\xEF\xBC\x90\xEF\xBC\x90 900456", /* fullwidth */
        "\xE0\xA7\xA6\xE0\xA7\xAD\xE0\xA7\xAD\xE0\xA7\xA6\xE0\xA7\xA6 900456", /* Bengali */
        "tel:00447700900456",
    };
    for (size_t i = 0; i < sizeof spellings / sizeof spellings[0]; i++)
        assert_caught(f, "m01", spellings[i], "a phone number of member m03");
    /* The reader's own number in any spelling is theirs. */
    for (size_t i = 0; i < sizeof spellings / sizeof spellings[0]; i++)
        assert_passes(f, "m03", spellings[i]);
}

static void withheld_members_details_are_caught(void **state)
{
    fixture *f = *state;
    assert_caught(f, "m01", "He now lives at 3 Quarry Close.",
                  "an address line of member m05, whose contact details are withheld");
    assert_caught(f, "m03", "NT9 8ZZ", "member m05, whose contact details are withheld");
}

static void own_details_and_shared_home_pass(void **state)
{
    fixture *f = *state;
    /* The reader's own address, in the window. */
    assert_passes(f, "m01", "Ms Zofia Nowak\n12 Elm Road\nNorthtown\nNT2 7QP\n\nDear Ms Nowak,");
    /* m01 and m02 share a home: each may see the address. */
    assert_passes(f, "m02", "Tomasz Nowak\n12 Elm Road\nNorthtown\nNT2 7QP");
    assert_passes(f, "m03", "We will text 07700 900456 and write to kacper@mail.example.");
    /* Towns are not identifying: m06's "Easton", m04's "Llanfair". */
    assert_passes(f, "m01", "We met in Easton and in Llanfair.");
    /* The same shared address is another member's in a third reader's letter. */
    assert_caught(f, "m03", "12 Elm Road", "an address line of member m01");
}

static void record_catches_everyones_details(void **state)
{
    fixture *f = *state;
    assert_caught(f, NULL, "m01,Zofia Nowak,mother,NT2 7QP", "a postcode of member m01");
    assert_caught(f, NULL, "m05,Dean Carter,stepfather,,,3 Quarry Close",
                  "member m05, whose contact details are withheld");
    assert_passes(f, NULL, "m01,Zofia Nowak,mother,en-GB,source,standard");
}

static void phone_key_normalises(void **state)
{
    (void)state;
    char k[24];
    assert_true(kl_review__phone_key("+44 7700 900456", k, sizeof k));
    assert_string_equal(k, "7700900456");
    assert_true(kl_review__phone_key("0044 (0)7700-900456", k, sizeof k));
    assert_string_equal(k, "7700900456");
    assert_true(kl_review__phone_key("01632 960123", k, sizeof k));
    assert_string_equal(k, "1632960123");
    assert_false(kl_review__phone_key("Flat 12", k, sizeof k));
    assert_false(kl_review__phone_key("116", k, sizeof k));
}

/* ---- whole reviews built for one property each ------------------------------------ */

static const char head[] =
    "<review xmlns='urn:kinletter:review:1' id='T-1' type='lcspr'>"
    "<partnership><name>%s</name><address><line>Floor 3, County Hall</line><town>Northtown</town>"
    "<postcode>NT1 4AB</postcode></address><phone>01632 960123</phone>"
    "<email>reviews@northshire-scp.example</email></partnership>"
    "<subject given='Amelia' family='Nowak' gender='female' age='4' outcome='died'/>"
    "<dates decided='2026-11-20' letter='2026-11-27' expected-end='2027-05-28'"
    " period-from='2025-01-01' period-to='2026-10-31'/>"
    "<contact name='Sam Okafor' role='family contact' phone='01632 960456'"
    " email='sam.okafor@northshire-scp.example' hours='%s'/>"
    "<family>%s</family></review>";

static char *member_xml(const char *id, const char *lines, const char *town, const char *pc)
{
    char *s = malloc(1024);
    snprintf(s, 1024,
             "<member id='%s' relationship='aunt' gender='female'><name given='A'/>"
             "<language locale='en-GB'/><contact channel='post'><address>%s<town>%s</town>"
             "<postcode>%s</postcode></address></contact></member>",
             id, lines, town, pc);
    return s;
}

static kl_review *load_review(kl_context *ctx, const char *partnership, const char *hours,
                              const char *members, int expect)
{
    size_t cap = strlen(head) + strlen(partnership) + strlen(hours) + strlen(members) + 1;
    char *xml = malloc(cap);
    snprintf(xml, cap, head, partnership, hours, members);
    kl_review *rv = NULL;
    int rc = kl_review_load_buffer(ctx, xml, strlen(xml), "t.xml", NULL, NULL, &rv);
    free(xml);
    assert_int_equal(rc, expect);
    return rv;
}

/* Towns that are common words, months, given names, or inside another town's
 * name; a bare flat number inside another member's line; a shared building. */
static void false_positives_pass(void **state)
{
    (void)state;
    kl_test_diags diags = {0};
    kl_context *ctx = kl_test_context(&diags);
    char fam[8192] = "";
    static const char *const m[][4] = {
        {"m01", "<line>12 Elm Road</line>", "Reading", "RG1 1AA"},
        {"m02", "<line>4 High Street</line>", "March", "PE15 8AA"},
        {"m03", "<line>7 Bedford Road</line>", "Sandy", "SG19 1AA"},
        {"m04", "<line>2 Station Road</line>", "Preston", "PR1 1AA"},
        {"m05", "<line>Flat 14</line>", "Northbridge", "NB1 1AA"},
        {"m06", "<line>Flat 14, Ash Court</line>", "Llanfair Northbridge", "LL2 2AA"},
        {"m07", "<line>Flat 3</line><line>12 Elm Road</line>", "Reading", "RG1 1AA"},
        {"m08", "<line>9 Mill Lane</line>", "Wells", "BA5 1AA"},
    };
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
        char *x = member_xml(m[i][0], m[i][1], m[i][2], m[i][3]);
        strcat(fam, x);
        free(x);
    }
    kl_review *rv = load_review(ctx, "Northshire Partnership", "Monday to Friday", fam, 0);
    assert_int_equal(kl_review_error_count(rv), 0);
    /* The record's own header, dates in March, words and names. */
    assert_passes_in(rv, ctx, NULL,
                     "id,name,relationship,locale,reading_level,channel,status\n"
                     "m01,A,aunt,en-GB,standard,post,written\n");
    assert_passes_in(rv, ctx, "m01",
                     "Dear Sandy, we wrote on 3 March 2027 about Preston. "
                     "Reading this may be hard; it is well worth it.");
    /* Each reader's own address block, whatever other members share with it. */
    assert_passes_in(rv, ctx, "m06", "A\nFlat 14, Ash Court\nLlanfair Northbridge\nLL2 2AA");
    assert_passes_in(rv, ctx, "m07", "A\nFlat 3\n12 Elm Road\nReading\nRG1 1AA");
    assert_passes_in(rv, ctx, "m01", "A\n12 Elm Road\nReading\nRG1 1AA");
    /* But a line that really is another member's is still refused. */
    assert_caught_in(rv, ctx, "m02", "She lives at Flat 14, Ash Court.",
                     "an address line of member m06");
    assert_caught_in(rv, ctx, "m02", "Flat 14 Northbridge", "an address line of member m05");
    assert_caught_in(rv, ctx, "m08", "Flat 3, 12 Elm Road", "member m07");
    kl_review_free(rv);
    kl_context_free(ctx);
}

/* A detail is the same detail composed (NFC), decomposed (NFD) or as a
 * compatibility form, in any case, wherever it falls in the text: inside a
 * long run of plain ASCII, at either end, between other scripts. */
static void unicode_forms_of_a_detail_match(void **state)
{
    (void)state;
    kl_test_diags diags = {0};
    kl_context *ctx = kl_test_context(&diags);
    char fam[4096] = "";
    static const char *const m[][4] = {
        {"m01", "<line>12 \xC3\x89mile Road</line>", "Reading", "RG1 1AA"},    /* NFC */
        {"m02", "<line>7 Rue de l'E\xCC\x81glise</line>", "Wells", "BA5 1AA"}, /* NFD */
        {"m03", "<line>5 Fir Lane</line>", "Sandy", "SG19 1AA"},               /* ASCII */
        {"m04",
         "<line>3 Stra\xC3\x9F"
         "e der Einheit</line>",
         "Preston", "PR1 1AA"}, /* sharp s */
        {"m05", "<line>9 Ash Court</line>", "March", "PE15 8AA"},
    };
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
        char *x = member_xml(m[i][0], m[i][1], m[i][2], m[i][3]);
        strcat(fam, x);
        free(x);
    }
    kl_review *rv = load_review(ctx, "Northshire Partnership", "Monday to Friday", fam, 0);
    assert_int_equal(kl_review_error_count(rv), 0);
    static const char *const long_ascii = "We are writing to you about the review; ";
    static const struct {
        const char *text, *whose;
    } hits[] = {
        {"12 E\xCC\x81mile Road", "member m01"},     /* data NFC, text NFD */
        {"12 \xC3\xA9MILE ROAD", "member m01"},      /* lower case é, upper case rest */
        {"7 rue de l'\xC3\x89glise", "member m02"},  /* data NFD, text NFC */
        {"7 RUE DE L'E\xCC\x81GLISE", "member m02"}, /* both NFD */
        {"5 \xEF\xAC\x81r Lane", "member m03"},      /* the fi ligature */
        {"\xEF\xBC\x95 Fir Lane", "member m03"},     /* a fullwidth 5 */
        {"5 F\xE2\x80\x8Bir Lane", "member m03"},    /* a zero-width space inside */
        {"3 STRASSE DER EINHEIT", "member m04"},     /* ß folds to ss */
        {"3 Stra\xE1\xBA\x9E"
         "e der Einheit",
         "member m04"}, /* capital sharp s */
    };
    for (size_t i = 0; i < sizeof hits / sizeof hits[0]; i++) {
        char text[512];
        /* alone, then after and before long ASCII runs and other scripts */
        snprintf(text, sizeof text, "%s", hits[i].text);
        assert_caught_in(rv, ctx, "m05", text, hits[i].whose);
        snprintf(text, sizeof text, "%s%s. %s", long_ascii, hits[i].text, long_ascii);
        assert_caught_in(rv, ctx, "m05", text, hits[i].whose);
        snprintf(text, sizeof text, "\xD8\xB3\xD9\x84\xD8\xA7\xD9\x85 %s \xE4\xB8\xAD",
                 hits[i].text);
        assert_caught_in(rv, ctx, "m05", text, hits[i].whose);
    }
    /* A mark after the detail makes it another word ("Roadé"): not this line. */
    assert_passes_in(rv, ctx, "m05", "12 \xC3\x89mile Roade\xCC\x81");
    /* The reader's own line, in the other form, is theirs. */
    assert_passes_in(rv, ctx, "m01", "12 E\xCC\x81mile Road");
    assert_passes_in(rv, ctx, "m02", "7 Rue de l'\xC3\x89glise");
    kl_review_free(rv);
    kl_context_free(ctx);
}

/* Review-wide text with a member's detail: each hit is an error at its line
 * and column naming whose detail it is, without quoting it. */
static void review_wide_fields_are_checked_at_load(void **state)
{
    (void)state;
    kl_test_diags diags = {0};
    kl_context *ctx = kl_test_context(&diags);
    char fam[4096] = "";
    char *a = member_xml("m01", "<line>12 Elm Road</line>", "Northtown", "NT2 7QP");
    strcat(fam, a);
    free(a);
    strcat(fam, "<member id='m02' relationship='father' gender='male'><name given='T'/>"
                "<language locale='en-GB'/><contact channel='sms' phone='07700 900888'/>"
                "</member>");
    strcat(fam, "<member id='m03' relationship='uncle' gender='male'><name given='Call 07700 "
                "900888'/><language locale='en-GB'/><contact channel='email' "
                "email='u@mail.example'/></member>");
    kl_review *rv = load_review(ctx, "Northshire Partnership, 12 Elm Road",
                                "weekdays, or 07700&#xA0;900&#x2013;888 after 6", fam, 0);
    assert_true(kl_review_error_count(rv) >= 3);
    size_t seen = 0;
    for (size_t i = 0; i < diags.n; i++) {
        const kl_diagnostic *d = &diags.items[i];
        assert_null(strstr(d->message, "900888"));
        assert_null(strstr(d->message, "Elm Road"));
        if (strstr(d->message, "<name>") && strstr(d->message, "member m01")) {
            assert_true(d->line == 1 && d->column > 1);
            seen |= 1;
        }
        if (strstr(d->message, "hours") && strstr(d->message, "phone number of member m02"))
            seen |= 2;
        if (strstr(d->message, "given") && strstr(d->message, "member m02")) {
            assert_non_null(strstr(d->message, "<name given"));
            seen |= 4;
        }
    }
    assert_int_equal(seen, 7);
    /* m03's name holds m02's number: m03 is not written. */
    assert_int_equal(kl_review_member_ok(rv, kl_review_find_member(rv, "m03")), 0);
    kl_review_free(rv);
    kl_context_free(ctx);
}

/* No silent cap: a member with far more details than the old 64. */
static void many_details_all_indexed(void **state)
{
    (void)state;
    kl_test_diags diags = {0};
    kl_context *ctx = kl_test_context(&diags);
    size_t cap = 200000;
    char *fam = calloc(1, cap);
    strcat(fam, "<member id='m01' relationship='aunt' gender='female'><name given='A'/>"
                "<language locale='en-GB'/>");
    for (int i = 0; i < 90; i++) {
        char c[256];
        snprintf(c, sizeof c,
                 "<contact channel='post'><address><line>%d Oak Road</line><town>X</town>"
                 "<postcode>NT%d 1AB</postcode></address></contact>",
                 i + 1, i % 9 + 1);
        strcat(fam, c);
    }
    strcat(fam, "</member><member id='m02' relationship='aunt' gender='female'><name given='B'/>"
                "<language locale='en-GB'/><contact channel='email' email='b@mail.example'/>"
                "</member>");
    kl_review *rv = load_review(ctx, "P", "Monday", fam, 0);
    assert_caught_in(rv, ctx, "m02", "at 90 Oak Road", "an address line of member m01");
    kl_review_free(rv);
    kl_context_free(ctx);
    free(fam);
}

/* A real letter's text (typographic quotes, dashes, bullets, page furniture) with another
 * member's detail planted in it: found at the letter's start and end, after each of 16
 * lengths of text before it (every alignment of the scan's eight-byte steps), after a
 * non-ASCII character, in every spelling below, the shortest detail the index keeps (a
 * 5-byte postcode) among them. The letter alone passes. */
static void details_found_anywhere_in_a_real_letter(void **state)
{
    (void)state;
    kl_test_diags diags = {0};
    kl_context *ctx = kl_test_context(&diags);
    char fam[4096] = "";
    char *x = member_xml("m01", "<line>12 Elm Road</line>", "Northtown", "B1 1AA");
    strcat(fam, x);
    free(x);
    x = member_xml("m02", "<line>Ty\xE2\x80\x99n y Coed</line>", "Llanfair", "LL1 2DE");
    strcat(fam, x);
    free(x);
    strcat(fam, "<member id='m03' relationship='father' gender='male'><name given='T'/>"
                "<language locale='en-GB'/><contact channel='sms' phone='07700 900461'/></member>"
                "<member id='m04' relationship='uncle' gender='male'><name given='U'/>"
                "<language locale='en-GB'/><contact channel='email' email='jo@ab.uk'/>"
                "</member>");
    x = member_xml("m05", "<line>4 Bench Street</line>", "Northtown", "NT4 3AB");
    strcat(fam, x);
    free(x);
    kl_review *rv = load_review(ctx, "Northshire Partnership", "Monday to Friday", fam, 0);
    assert_int_equal(kl_review_error_count(rv), 0);
    static const char letter[] =
        "Tom Member5\n4 Bench Street\nNorthtown\nNT4 3AB\n\n27 November 2026\n"
        "Our reference: BENCH-50\nDear Tom Member5,\n\nAbout the review of what happened to "
        "Amelia\nWe are so very sorry about the death of your granddaughter Amelia. We know "
        "that nothing we write can make this time easier, and we are sorry to be writing to "
        "you at such a painful time.\nWhat the review is\nThis kind of review is called a "
        "local child safeguarding practice review. You may hear it called an LCSPR for short. "
        "In this letter, we simply call it \xE2\x80\x9Cthe review\xE2\x80\x9D.\n\nPage 1 of 6\n"
        "\xE2\x80\xA2 It happens when there are questions about how services worked together "
        "\xE2\x80\x93 and it\xE2\x80\x99s not about blame. Call us on 01632 960123 (9am to "
        "5pm) or write to reviews@northshire-scp.example.\n";
    static const struct {
        const char *spelling, *whose;
    } details[] = {
        {"12 Elm Road", "an address line of member m01"},
        {"12 ELM\nROAD", "an address line of member m01"},
        {"12\xC2\xA0"
         "Elm Road",
         "an address line of member m01"},
        {"B1 1AA", "a postcode of member m01"},
        {"b11aa", "a postcode of member m01"},
        {"Ty\xE2\x80\x99n y Coed", "an address line of member m02"},
        {"TY'N Y COED", "an address line of member m02"},
        {"LL1\n2DE", "a postcode of member m02"},
        {"07700 900461", "a phone number of member m03"},
        {"+44 (0)7700-900-461", "a phone number of member m03"},
        {"\xEF\xBC\x90\xEF\xBC\x97\xEF\xBC\x97\xEF\xBC\x90\xEF\xBC\x90 900461", /* fullwidth */
         "a phone number of member m03"},
        {"jo@ab.uk", "an email address of member m04"},
        {"JO@AB.UK", "an email address of member m04"},
    };
    assert_passes_in(rv, ctx, "m05", letter);
    size_t cap = 2 * sizeof letter + 256;
    char *text = malloc(cap);
    for (size_t i = 0; i < sizeof details / sizeof details[0]; i++) {
        const char *d = details[i].spelling;
        /* first and last in the letter */
        snprintf(text, cap, "%s %s", d, letter);
        assert_caught_in(rv, ctx, "m05", text, details[i].whose);
        snprintf(text, cap, "%s%s", letter, d);
        assert_caught_in(rv, ctx, "m05", text, details[i].whose);
        /* after a dash, and after each of 16 lengths of the letter (cut at a space) */
        snprintf(text, cap, "%.300s\xE2\x80\x93%s, %s", letter, d, letter);
        assert_caught_in(rv, ctx, "m05", text, details[i].whose);
        for (int k = 0; k < 16; k++) {
            snprintf(text, cap, "%.*s %s %s", 500 + k, letter, d, letter + 500 + k);
            assert_caught_in(rv, ctx, "m05", text, details[i].whose);
        }
    }
    /* A detail's start or end inside a longer word is not that detail. */
    snprintf(text, cap, "%s x12 Elm Roads b11aax jo@ab.ukk", letter);
    assert_passes_in(rv, ctx, "m05", text);
    free(text);
    kl_review_free(rv);
    kl_context_free(ctx);
}

static void allocation_failures_are_reported(void **state)
{
    fixture *f = *state;
    const char *text = "12 Elm Road and 07700 900456";
    size_t reader = reader_of(f->review, "m01");
    for (unsigned long n = 1;; n++) {
        kl_core__alloc_fail_at(n, false);
        int rc = kl_disclosure__scan(f->ctx, kl_review__disclosure(f->review), reader, 0, text,
                                     strlen(text), KL_NOWHERE, "the text");
        unsigned long used = kl_core__alloc_count();
        kl_core__alloc_fail_at(0, false);
        if (rc == KL_EDATA && used < n)
            break; /* ran to the end without hitting the failure */
        assert_true(rc == KL_ENOMEM || rc == KL_EDATA);
        assert_true(n < 10000);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(another_members_details_are_caught, setup, teardown),
        cmocka_unit_test_setup_teardown(phone_numbers_in_any_spelling, setup, teardown),
        cmocka_unit_test_setup_teardown(withheld_members_details_are_caught, setup, teardown),
        cmocka_unit_test_setup_teardown(own_details_and_shared_home_pass, setup, teardown),
        cmocka_unit_test_setup_teardown(record_catches_everyones_details, setup, teardown),
        cmocka_unit_test_setup_teardown(allocation_failures_are_reported, setup, teardown),
        cmocka_unit_test(phone_key_normalises),
        cmocka_unit_test(false_positives_pass),
        cmocka_unit_test(unicode_forms_of_a_detail_match),
        cmocka_unit_test(review_wide_fields_are_checked_at_load),
        cmocka_unit_test(many_details_all_indexed),
        cmocka_unit_test(details_found_anywhere_in_a_real_letter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
