/* SPDX-License-Identifier: MIT */
/* tests/unit/review_test.c: the review loader, its checks, CSV families and hostile input. */
#include "support.h"

#include "review/review_internal.h"

#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char *example_text(const char *name, size_t *len)
{
    char rel[256];
    snprintf(rel, sizeof rel, "templates/example/%s", name);
    char *data = NULL;
    kl_context *ctx = kl_test_context(NULL);
    assert_int_equal(kl_core__read_file(ctx, kl_test_src(rel), 1 << 20, &data, len), 0);
    kl_context_free(ctx);
    return data;
}

/* The example review with the first occurrence of `from` replaced by `to`,
 * loaded from memory under the name "review.xml". */
static int load_edit(const char *from, const char *to, kl_test_diags *d, kl_context **ctxp,
                     kl_review **out)
{
    size_t len;
    char *text = example_text("review.xml", &len);
    kl_buf b = KL_BUF_INIT;
    char *at = from ? strstr(text, from) : NULL;
    if (from && !at)
        fail_msg("'%s' is not in the example", from);
    if (at) {
        kl_core__buf_append(&b, text, (size_t)(at - text));
        kl_core__buf_puts(&b, to);
        kl_core__buf_puts(&b, at + strlen(from));
    } else {
        kl_core__buf_puts(&b, text);
    }
    kl_free(text);
    kl_context *ctx = kl_test_context(d);
    int rc = kl_review_load_buffer(ctx, b.data, b.len, "review.xml",
                                   kl_test_src("templates/example"), NULL, out);
    kl_core__buf_free(&b);
    if (ctxp)
        *ctxp = ctx;
    else
        kl_context_free(ctx);
    return rc;
}

#define ASSERT_DIAG(d, needle)                                                                     \
    do {                                                                                           \
        if (kl_test_find_diag((d), (needle)) < 0) {                                                \
            for (size_t i_ = 0; i_ < (d)->n; i_++)                                                 \
                print_message("  got: %s\n", (d)->text[i_]);                                       \
            fail_msg("no diagnostic contains: %s", (needle));                                      \
        }                                                                                          \
    } while (0)

static const kl_diagnostic *diag_with(const kl_test_diags *d, const char *needle)
{
    int i = kl_test_find_diag(d, needle);
    return i < 0 ? NULL : &d->items[i];
}

/* Load with one edit; expect the load to succeed and member `id` to fail
 * with a diagnostic containing needle ("review.xml:L:C: message"). */
static void expect_member_error(const char *from, const char *to, const char *id,
                                const char *needle)
{
    kl_test_diags d;
    kl_review *rv = NULL;
    assert_int_equal(load_edit(from, to, &d, NULL, &rv), 0);
    ASSERT_DIAG(&d, needle);
    const kl_diagnostic *g = diag_with(&d, needle);
    assert_int_equal(g->severity, KL_SEVERITY_ERROR);
    assert_int_equal(g->code, KL_EDATA);
    const kl_member *m = kl_review_find_member(rv, id);
    assert_non_null(m);
    assert_int_equal(kl_review_member_ok(rv, m), 0);
    assert_true(kl_review_error_count(rv) >= 1);
    /* The rest of the family is unaffected. */
    size_t ok = 0;
    for (size_t i = 0; i < kl_review_member_count(rv); i++)
        ok += kl_review_member_ok(rv, kl_review_member(rv, i)) != 0;
    assert_int_equal(ok, kl_review_member_count(rv) - 1);
    kl_review_free(rv);
}

static void expect_file_error(const char *from, const char *to, int code, const char *needle)
{
    kl_test_diags d;
    kl_review *rv = NULL;
    kl_context *ctx = NULL;
    assert_int_equal(load_edit(from, to, &d, &ctx, &rv), code);
    assert_null(rv);
    ASSERT_DIAG(&d, needle);
    assert_non_null(kl_context_last_error(ctx));
    kl_context_free(ctx);
}

static void expect_warning(const char *from, const char *to, const char *needle)
{
    kl_test_diags d;
    kl_review *rv = NULL;
    assert_int_equal(load_edit(from, to, &d, NULL, &rv), 0);
    ASSERT_DIAG(&d, needle);
    assert_int_equal(diag_with(&d, needle)->severity, KL_SEVERITY_WARNING);
    assert_true(kl_review_warning_count(rv) >= 1);
    assert_int_equal(kl_review_error_count(rv), 0);
    kl_review_free(rv);
}

/* ---- the example ------------------------------------------------------------ */
static void example_loads_with_every_field(void **state)
{
    (void)state;
    kl_test_diags d;
    kl_review *rv = NULL;
    assert_int_equal(load_edit(NULL, NULL, &d, NULL, &rv), 0);
    assert_int_equal(d.n, 0);
    assert_string_equal(kl_review_id(rv), "NSCP-2026-017");
    assert_int_equal(kl_review_get_type(rv), KL_REVIEW_LCSPR);
    assert_int_equal(kl_review_member_count(rv), 11);
    assert_int_equal(kl_review_error_count(rv), 0);
    assert_int_equal(kl_review_warning_count(rv), 0);
    /* needs@format: print unless braille is asked for (m11, a blind grandparent). */
    assert_int_equal(kl_review_member_format(rv, kl_review_find_member(rv, "m01")),
                     KL_FORMAT_PRINT);
    assert_int_equal(kl_review_member_format(rv, kl_review_find_member(rv, "m11")),
                     KL_FORMAT_BRAILLE);
    assert_string_equal(kl_format_name(KL_FORMAT_BRAILLE), "braille");

    const kl_review_info *I = kl_review__info(rv);
    assert_string_equal(I->partnership_name, "Northshire Safeguarding Children Partnership");
    assert_int_equal(I->partnership_address.n_lines, 2);
    assert_string_equal(I->partnership_address.lines[0], "Floor 3, County Hall");
    assert_string_equal(I->partnership_address.postcode, "NT1 4AB");
    assert_non_null(I->logo_path);
    assert_non_null(strstr(I->logo_path, "northshire-logo.png"));
    assert_string_equal(I->subject_given, "Amelia");
    assert_int_equal(I->subject_gender, KL_GENDER_FEMALE);
    assert_int_equal(I->subject_age, 4);
    assert_int_equal(I->subject_died, 1);
    assert_int_equal(I->letter_date_given, 1);
    assert_int_equal(I->letter.year, 2026);
    assert_int_equal(I->letter.month, 11);
    assert_int_equal(I->letter.day, 27);
    assert_int_equal(I->expected_end.year, 2027);
    assert_string_equal(I->contact_mobile, "07700 900123");
    assert_int_equal(I->n_agencies, 4);
    assert_string_equal(I->agencies[0], "Northshire Children's Social Care");
    assert_int_equal(I->n_services, 2);
    assert_string_equal(I->services[1].web, "https://advocacy-north.example");
    assert_null(I->services[0].web);
    assert_int_equal(I->publication, 1);

    const kl_member *m = kl_review_member(rv, 0);
    assert_string_equal(m->id, "m01");
    assert_string_equal(m->relationship, "mother");
    assert_int_equal(m->gender, KL_GENDER_FEMALE);
    assert_int_equal(m->parental_responsibility, 1);
    assert_int_equal(m->age, -1);
    assert_string_equal(m->title, "Ms");
    assert_string_equal(m->given, "Zofia");
    assert_string_equal(m->family, "Nowak");
    assert_string_equal(m->locale, "pl");
    assert_string_equal(m->interpreter, "pl");
    assert_null(m->also);
    assert_int_equal(m->reading, KL_READING_PLAIN);
    assert_string_equal(m->print_profile, "large");
    assert_true(m->print_size == 18.0);
    assert_int_equal(m->n_contacts, 1);
    assert_int_equal(m->contacts[0].channel, KL_CHANNEL_POST);
    assert_string_equal(m->contacts[0].address->lines[0], "12 Elm Road");
    assert_string_equal(m->contacts[0].address->town, "Northtown");
    assert_string_equal(m->contacts[0].address->postcode, "NT2 7QP");
    assert_int_equal(m->line, 49);
    assert_int_equal(m->column, 5);
    assert_int_equal(m->contacts[0].line, 53);
    assert_int_equal(kl_review_member_ok(rv, m), 1);

    /* The member's address is indexed as theirs: another reader may not see it. */
    kl_disclosure_hit hit;
    const kl_disclosure *idx = kl_review__disclosure(rv);
    assert_int_equal(kl_disclosure__find(idx, KL_DISCLOSURE_NOBODY, 0, "12 Elm Road", 11, &hit),
                     KL_EDATA);
    assert_string_equal(hit.member_id, "m01");
    assert_int_equal(kl_disclosure__find(idx, KL_DISCLOSURE_NOBODY, 0, "NT2 7QP", 7, &hit),
                     KL_EDATA);

    m = kl_review_find_member(rv, "m02");
    assert_int_equal(m->contacts[0].channel, KL_CHANNEL_VIA_PROFESSIONAL);
    assert_string_equal(m->contacts[0].professional, "his probation officer");
    assert_string_equal(m->print_profile, "standard");
    assert_true(m->print_size == 14.0);
    assert_int_equal(m->reading, KL_READING_STANDARD);

    m = kl_review_find_member(rv, "m03");
    assert_int_equal(m->age, 15);
    assert_string_equal(m->locale, "en-GB");
    assert_int_equal(m->reading, KL_READING_YOUNG_PERSON);
    assert_int_equal(m->n_contacts, 2);
    assert_string_equal(m->contacts[0].email, "kacper@mail.example");
    assert_string_equal(m->contacts[1].phone, "07700 900456");

    m = kl_review_find_member(rv, "m04");
    assert_string_equal(m->locale, "cy");
    assert_string_equal(m->also, "en-GB");
    assert_string_equal(m->family, "Llŷr");
    assert_true(m->print_size == 24.0);
    assert_string_equal(m->contacts[0].address->postcode, "LL1 2DE");

    /* Easy Read: at least 16 pt, shown as the easy-read print profile. */
    m = kl_review_find_member(rv, "m10");
    assert_int_equal(m->reading, KL_READING_EASY_READ);
    assert_true(m->print_size == 16.0);
    assert_string_equal(m->print_profile, "easy-read");
    assert_string_equal(kl_reading_name(m->reading), "easy-read");

    m = kl_review_find_member(rv, "m05");
    assert_int_equal(m->contact_none, 1);
    assert_string_equal(m->reason, "Police advice while a criminal investigation is open");
    assert_int_equal(m->n_contacts, 0);
    assert_int_equal(kl_review_member_ok(rv, m), 1);

    m = kl_review_find_member(rv, "m06");
    assert_string_equal(m->print_profile, "custom");
    assert_true(m->print_size == 20.0);
    assert_int_equal(m->contacts[0].address->n_lines, 2);

    m = kl_review_find_member(rv, "m08");
    assert_string_equal(m->contacts[0].phone, "07700 900789"); /* from +44 7700 900789 */

    assert_null(kl_review_find_member(rv, "m99"));
    assert_null(kl_review_member(rv, kl_review_member_count(rv)));

    /* The XML document templates query. */
    xmlNodePtr node = NULL;
    xmlDocPtr view = kl_review__member_doc(rv, kl_review_find_member(rv, "m09"), &node);
    assert_non_null(view);
    assert_string_equal((const char *)node->name, "member");
    xmlChar *id = xmlGetProp(node, BAD_CAST "id");
    assert_string_equal((const char *)id, "m09");
    xmlFree(id);
    assert_ptr_equal(node->doc, view);
    xmlFreeDoc(view);
    kl_review_free(rv);
}

/* An XPath expression's string value in a document ("" for an empty node-set). */
static char *xpath_string(xmlDocPtr doc, const char *expr)
{
    xmlXPathContextPtr xp = xmlXPathNewContext(doc);
    assert_non_null(xp);
    assert_int_equal(xmlXPathRegisterNs(xp, BAD_CAST "r", BAD_CAST "urn:kinletter:review:1"), 0);
    xmlXPathObjectPtr r = xmlXPathEval(BAD_CAST expr, xp);
    assert_non_null(r);
    xmlChar *s = xmlXPathCastToString(r);
    char *out = strdup((const char *)s);
    xmlFree(s);
    xmlXPathFreeObject(r);
    xmlXPathFreeContext(xp);
    return out;
}

/* A letter's templates see the review with only that member in it: another
 * member's name, address or phone cannot be selected (the whole review, as
 * templates saw it before, held them all). */
static void member_view_holds_no_other_member(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    const char *files[] = {"templates/example/review.xml", "templates/example/review-csv.xml"};
    for (size_t f = 0; f < 2; f++) {
        kl_review *rv = NULL;
        assert_int_equal(kl_review_load_file(ctx, kl_test_src(files[f]), NULL, &rv), 0);
        assert_true(kl_review_member_count(rv) >= 3);
        /* The whole review (what the cover notes are made from) has every member. */
        xmlDocPtr whole = kl_review__whole_doc(rv);
        assert_non_null(whole);
        char *s = xpath_string(whole, "string(/r:review/r:family/r:member[2]/r:name/@given)");
        assert_string_equal(s, "Tomasz");
        free(s);
        s = xpath_string(whole,
                         "string(/r:review/r:family/r:member[1]/r:contact/r:address/r:line)");
        assert_string_equal(s, "12 Elm Road");
        free(s);
        xmlFreeDoc(whole);
        for (size_t i = 0; i < kl_review_member_count(rv); i++) {
            const kl_member *m = kl_review_member(rv, i);
            xmlNodePtr node = NULL;
            xmlDocPtr view = kl_review__member_doc(rv, m, &node);
            assert_non_null(view);
            s = xpath_string(view, "count(//r:member)");
            assert_string_equal(s, "1");
            free(s);
            s = xpath_string(view, "string(/r:review/r:family/r:member[1]/@id)");
            assert_string_equal(s, m->id);
            free(s);
            /* Another member's name, address, phone: nothing. */
            s = xpath_string(view, "string(/r:review//r:member[2]/r:name/@given)");
            assert_string_equal(s, "");
            free(s);
            char expr[200];
            for (size_t k = 0; k < kl_review_member_count(rv); k++) {
                if (k == i)
                    continue;
                snprintf(expr, sizeof expr,
                         "concat(string(//r:member[@id='%s']/r:name/@given), "
                         "string(//r:member[@id='%s']//r:line), "
                         "string(//r:member[@id='%s']//@phone))",
                         kl_review_member(rv, k)->id, kl_review_member(rv, k)->id,
                         kl_review_member(rv, k)->id);
                s = xpath_string(view, expr);
                assert_string_equal(s, "");
                free(s);
            }
            /* The review-wide parts stay. */
            s = xpath_string(view, "string(/r:review/r:contact/@phone)");
            assert_string_not_equal(s, "");
            free(s);
            xmlFreeDoc(view);
        }
        kl_review_free(rv);
    }
    kl_context_free(ctx);
}

static void csv_family_gives_the_same_members(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    kl_review *x = NULL, *c = NULL;
    assert_int_equal(
        kl_review_load_file(ctx, kl_test_src("templates/example/review.xml"), NULL, &x), 0);
    assert_int_equal(
        kl_review_load_file(ctx, kl_test_src("templates/example/review-csv.xml"), NULL, &c), 0);
    assert_int_equal(kl_context_count(ctx, KL_SEVERITY_NOTE), 0);
    assert_int_equal(kl_review_member_count(c), kl_review_member_count(x));
    for (size_t i = 0; i < kl_review_member_count(x); i++) {
        const kl_member *a = kl_review_member(x, i), *b = kl_review_member(c, i);
        assert_string_equal(a->id, b->id);
        assert_string_equal(a->given, b->given);
        assert_string_equal(a->relationship, b->relationship);
        assert_int_equal(a->gender, b->gender);
        assert_int_equal(a->age, b->age);
        assert_int_equal(a->parental_responsibility, b->parental_responsibility);
        assert_true((a->title == NULL) == (b->title == NULL));
        assert_true((a->locale == NULL) == (b->locale == NULL));
        if (a->locale)
            assert_string_equal(a->locale, b->locale);
        assert_true((a->also == NULL) == (b->also == NULL));
        assert_true(a->print_size == b->print_size);
        assert_int_equal(a->reading, b->reading);
        assert_int_equal(kl_review_member_format(x, a), kl_review_member_format(c, b));
        assert_int_equal(a->contact_none, b->contact_none);
        assert_int_equal(a->n_contacts, b->n_contacts);
        for (size_t k = 0; k < a->n_contacts; k++) {
            assert_int_equal(a->contacts[k].channel, b->contacts[k].channel);
            if (a->contacts[k].address) {
                assert_int_equal(a->contacts[k].address->n_lines, b->contacts[k].address->n_lines);
                assert_string_equal(a->contacts[k].address->postcode,
                                    b->contacts[k].address->postcode);
            }
        }
        /* CSV members say where they came from: the CSV row. */
        assert_non_null(strstr(b->source, "family.csv"));
        assert_int_equal(b->line, i + 2);
        assert_int_equal(kl_review_member_ok(c, b), 1);
    }
    /* Templates see one shape: <member> elements, no src left. */
    xmlNodePtr node = NULL;
    xmlDocPtr view = kl_review__member_doc(c, kl_review_member(c, 0), &node);
    xmlNodePtr fam = node->parent;
    assert_string_equal((const char *)fam->name, "family");
    assert_null(xmlHasProp(fam, BAD_CAST "src"));
    xmlFreeDoc(view);
    kl_review_free(x);
    kl_review_free(c);
    kl_context_free(ctx);
}

/* ---- member rules ------------------------------------------------------------ */
static void locale_is_canonicalised(void **state)
{
    (void)state;
    kl_test_diags d;
    kl_review *rv = NULL;
    assert_int_equal(load_edit("locale=\"en-GB\"", "locale=\"en-gb\"", &d, NULL, &rv), 0);
    assert_string_equal(kl_review_find_member(rv, "m03")->locale, "en-GB");
    kl_review_free(rv);
    assert_int_equal(load_edit("locale=\"en-GB\"", "locale=\"en_GB\"", &d, NULL, &rv), 0);
    assert_string_equal(kl_review_find_member(rv, "m03")->locale, "en-GB");
    kl_review_free(rv);
    /* Dari has no ISO 639-2 code but ICU names it: an interpreter can be asked for. */
    assert_int_equal(load_edit("interpreter=\"pl\"", "interpreter=\"prs\"", &d, NULL, &rv), 0);
    assert_string_equal(kl_review_find_member(rv, "m01")->interpreter, "prs");
    assert_true(kl_review_member_ok(rv, kl_review_find_member(rv, "m01")));
    kl_review_free(rv);
}

static void bad_locales_fail_the_member(void **state)
{
    (void)state;
    expect_member_error("locale=\"en-GB\"", "locale=\"xx\"", "m03",
                        "review.xml:64:17: language@locale 'xx' names no known language");
    expect_member_error("locale=\"en-GB\"", "locale=\"en-GB-!\"", "m03",
                        "review.xml:64:17: language@locale 'en-GB-!' is not a language tag");
    expect_member_error("locale=\"en-GB\"", "locale=\"english\"", "m03",
                        "review.xml:64:17: language@locale 'english' names no known language");
    expect_member_error("interpreter=\"pl\"", "interpreter=\"zz\"", "m01",
                        "review.xml:51:29: language@interpreter 'zz' names no known language");
}

/* Each member is read again from the file's text on its own (issue 24): a member's problems
 * keep their line and column after a comment, CDATA section or processing instruction that
 * holds markup, and in a member with a namespace prefix of its own. */
static void member_positions_survive_markup_in_text(void **state)
{
    (void)state;
    expect_member_error("<name given=\"Kacper\" family=\"Nowak\"/>\n      <language "
                        "locale=\"en-GB\"/>",
                        "<!-- was <member id=\"x\"> --><![CDATA[ <contact channel=\"post\"> ]]>"
                        "\n      <name given=\"Kacper\" family=\"Nowak\"/><?kl note <b>?>"
                        "\n      <language locale=\"xx-QQ\"/>",
                        "m03", "review.xml:65:17: language@locale 'xx-QQ' names no known language");
    expect_member_error("<member id=\"m04\" relationship=\"grandmother\" gender=\"female\">\n"
                        "      <name given=\"Siân\" family=\"Llŷr\"/>\n      <language "
                        "locale=\"cy\"",
                        "<member xmlns:r=\"urn:kinletter:review:1\" id=\"m04\" "
                        "relationship=\"grandmother\" gender=\"female\">\n"
                        "      <r:name given=\"Siân\" family=\"Llŷr\"/>\n      <r:language "
                        "locale=\"zz-QQ\"",
                        "m04", "review.xml:71:19: language@locale 'zz-QQ' names no known language");
}

static void postcodes_are_checked_and_normalised(void **state)
{
    (void)state;
    expect_member_error("NT2 7QP", "NT2 7CP", "m01",
                        "review.xml:54:64: the postcode is not a UK postcode");
    expect_member_error("NT2 7QP", "12345", "m01",
                        "review.xml:54:64: the postcode is not a UK postcode");
    kl_test_diags d;
    kl_review *rv = NULL;
    assert_int_equal(load_edit("NT2 7QP", " nt27qp ", &d, NULL, &rv), 0);
    assert_string_equal(kl_review_find_member(rv, "m01")->contacts[0].address->postcode, "NT2 7QP");
    kl_review_free(rv);
}

static void address_lines_follow_postal_rules(void **state)
{
    (void)state;
    expect_member_error("<line>12 Elm Road</line>", "<line>=12 Elm Road</line>", "m01",
                        "review.xml:54:18: address line 1 cannot be printed for post");
    expect_member_error("<line>12 Elm Road</line>", "<line>NFA</line>", "m01",
                        "review.xml:54:18: address line 1 cannot be printed for post: it says "
                        "the person has no fixed abode");
    expect_member_error("<line>12 Elm Road</line>", "<line>No Fixed Abode</line>", "m01",
                        "no fixed abode");
    expect_member_error("<line>12 Elm Road</line>",
                        "<line>a</line><line>b</line><line>c</line><line>d</line><line>e</line>",
                        "m01", "review.xml:54:9: the address makes 8 lines with the name");
    expect_member_error("<postcode>NT2 7QP</postcode>", "", "m01",
                        "review.xml:54:9: the address has no postcode");
    expect_member_error(
        "<contact channel=\"post\">\n        <address><line>12 Elm Road</line><town>Northtown</"
        "town><postcode>NT2 7QP</postcode></address>\n      </contact>",
        "<contact channel=\"post\"/>", "m01", "review.xml:53:7: a post contact has no address");
}

static void emails_and_mobiles_are_checked(void **state)
{
    (void)state;
    expect_member_error("kacper@mail.example", "kacper@mail", "m03",
                        "review.xml:66:32: the email address is not an email address");
    expect_member_error("kacper@mail.example", "kacper mail.example", "m03",
                        "review.xml:66:32: the email address is not an email address");
    expect_member_error("phone=\"07700 900456\"", "phone=\"01632 960456\"", "m03",
                        "review.xml:67:30: the phone number is not a UK mobile number");
    kl_test_diags d;
    kl_review *rv = NULL;
    assert_int_equal(load_edit("07700 900456", "0044 (0)7700-900456", &d, NULL, &rv), 0);
    assert_string_equal(kl_review_find_member(rv, "m03")->contacts[1].phone, "07700 900456");
    kl_review_free(rv);
}

static void contact_none_rules(void **state)
{
    (void)state;
    expect_member_error(" contact=\"none\"\n            reason=\"Police advice while a criminal "
                        "investigation is open\"",
                        " contact=\"none\"", "m05",
                        "review.xml:77:62: contact=\"none\" needs a reason");
    expect_member_error("<name given=\"Dean\" family=\"Carter\"/>",
                        "<name given=\"Dean\" family=\"Carter\"/><contact channel=\"email\" "
                        "email=\"dean@mail.example\"/>",
                        "m05",
                        "review.xml:79:43: a member with contact=\"none\" has contact channels");
    expect_member_error("<language locale=\"ur\"/>", "", "m07",
                        "review.xml:89:5: the member has no language");
    expect_member_error("<contact channel=\"email\" email=\"nasreen.akhtar@mail.example\"/>", "",
                        "m07", "review.xml:89:5: the member has no contact channel");
    expect_member_error("<contact channel=\"via-professional\" professional=\"his probation "
                        "officer\"/>",
                        "<contact channel=\"via-professional\" professional=\"\"/>", "m02",
                        "review.xml:60:43: a via-professional contact does not name the "
                        "professional");
}

static void needs_and_attributes_are_checked(void **state)
{
    (void)state;
    expect_member_error("size=\"20\"", "size=\"40\"", "m06",
                        "review.xml:84:14: needs@size '40' is not a print size from 12 to 36");
    expect_member_error("size=\"20\"", "size=\"big\"", "m06", "needs@size 'big' is not a print");
    expect_member_error("print=\"large\"", "print=\"huge\"", "m01",
                        "review.xml:52:14: the value is not a print size");
    expect_member_error("relationship=\"brother\"", "relationship=\"sibling\"", "m03",
                        "review.xml:62:22: the value is not a relationship");
    expect_member_error("id=\"m03\" relationship=\"brother\" gender=\"male\"",
                        "id=\"m03\" relationship=\"brother\" gender=\"boy\"", "m03",
                        "review.xml:62:45: the value is not a gender");
    expect_member_error("age=\"15\"", "age=\"fifteen\"", "m03",
                        "review.xml:62:59: the age is not a whole number of years");
    expect_member_error("<name given=\"Kacper\" family=\"Nowak\"/>",
                        "<name given=\"Kacper\" family=\"Nowak\"/><nickname>K</nickname>", "m03",
                        "review.xml:63:44: <nickname> is not expected in <member>");
    expect_member_error("<needs reading=\"young-person\"/>",
                        "<needs reading=\"young-person\" colour=\"blue\"/>", "m03",
                        "review.xml:65:37: <needs> has no attribute 'colour'");
    expect_member_error("<needs reading=\"young-person\"/>",
                        "<needs reading=\"young-person\" format=\"embossed\"/>", "m03",
                        "review.xml:65:37: the value is not a format");
    /* What only the schema sees still fails the member, and says where. */
    expect_member_error("<name given=\"Kacper\" family=\"Nowak\"/>",
                        "<name given=\"Kacper\" family=\"Nowak\">text</name>", "m03",
                        "review.xml:63:7: Element name has extra content: text");
    kl_test_diags d;
    kl_review *rv = NULL;
    assert_int_equal(load_edit("size=\"20\"", "size=\"12.5\"", &d, NULL, &rv), 0);
    assert_true(kl_review_find_member(rv, "m06")->print_size == 12.5);
    kl_review_free(rv);
}

static void member_ids_are_valid_and_unique(void **state)
{
    (void)state;
    expect_member_error("id=\"m03\"", "id=\"m 03\"", "m 03",
                        "review.xml:62:13: member id 'm 03' is not valid");
    kl_test_diags d;
    kl_review *rv = NULL;
    assert_int_equal(load_edit("id=\"m03\"", "id=\"m01\"", &d, NULL, &rv), 0);
    ASSERT_DIAG(&d, "review.xml:62:13: member id 'm01' is already used at review.xml:49");
    assert_int_equal(kl_review_member_ok(rv, kl_review_member(rv, 0)), 1);
    assert_int_equal(kl_review_member_ok(rv, kl_review_member(rv, 2)), 0);
    kl_review_free(rv);
}

static void warnings_do_not_fail_members(void **state)
{
    (void)state;
    expect_warning("also=\"en-GB\"", "also=\"cy\"",
                   "review.xml:71:29: language@also is the same as language@locale");
    expect_warning("relationship=\"stepfather\" gender=\"male\"",
                   "relationship=\"stepfather\" gender=\"male\" parental-responsibility=\"true\"",
                   "member m05 has parental responsibility and will not be contacted");
    expect_warning(" letter=\"2026-11-27\"", "",
                   "review.xml:24:3: no dates@letter: letters are "
                   "dated today");
    expect_warning("letter=\"2026-11-27\" expected-end=\"2027-05-28\"",
                   "letter=\"2099-11-27\" expected-end=\"2100-05-28\"",
                   "review.xml:24:31: dates@letter 2099-11-27 is in the future");
    kl_test_diags d;
    kl_review *rv = NULL;
    assert_int_equal(load_edit("also=\"en-GB\"", "also=\"cy\"", &d, NULL, &rv), 0);
    assert_null(kl_review_find_member(rv, "m04")->also);
    kl_review_free(rv);
    assert_int_equal(load_edit(" letter=\"2026-11-27\"", "", &d, NULL, &rv), 0);
    const kl_review_info *I = kl_review__info(rv);
    assert_int_equal(I->letter_date_given, 0);
    kl_date today;
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    today.year = tm.tm_year + 1900;
    assert_int_equal(I->letter.year, today.year);
    kl_review_free(rv);
}

/* ---- file-level problems ----------------------------------------------------- */
static void review_level_errors_fail_the_load(void **state)
{
    (void)state;
    expect_file_error("decided=\"2026-11-20\"", "decided=\"2026-02-30\"", KL_EFORMAT,
                      "review.xml:24:10: dates@decided '2026-02-30' is not a real date");
    expect_file_error("decided=\"2026-11-20\"", "decided=\"20/11/2026\"", KL_EFORMAT,
                      "review.xml:24:10: dates@decided '20/11/2026' is not a date in the form");
    expect_file_error("period-from=\"2025-01-01\"", "period-from=\"2026-12-01\"", KL_EFORMAT,
                      "review.xml:25:35: dates@period-to 2026-10-31 is before dates@period-from "
                      "2026-12-01");
    expect_file_error("expected-end=\"2027-05-28\"", "expected-end=\"2026-11-01\"", KL_EFORMAT,
                      "dates@expected-end 2026-11-01 is before dates@letter 2026-11-27");
    expect_file_error("  <partnership>", "  <partnershipp>", KL_EPARSE,
                      "review.xml:19:17: not well-formed XML: Opening and ending tag mismatch");
    expect_file_error("<subject given=\"Amelia\" family=\"Nowak\" gender=\"female\" age=\"4\" "
                      "outcome=\"died\"/>",
                      "", KL_EFORMAT, "review.xml:6:1: <review> has no <subject>");
    expect_file_error("type=\"lcspr\"", "type=\"inquest\"", KL_EFORMAT,
                      "review.xml:6:59: the value is not a review type");
    expect_file_error("<email>reviews@northshire-scp.example</email>", "<email>reviews</email>",
                      KL_EFORMAT,
                      "review.xml:16:5: the partnership's email is not an email address");
    expect_file_error("<postcode>NT1 4AB</postcode>", "<postcode>NT1</postcode>", KL_EFORMAT,
                      "review.xml:13:7: the postcode is not a UK postcode");
    expect_file_error("<review xmlns=\"urn:kinletter:review:1\"", "<review xmlns=\"urn:other\"",
                      KL_EFORMAT, "this is not a kinletter review file");
    expect_file_error("<publication planned=\"true\"/>", "<publication planned=\"maybe\"/>",
                      KL_EFORMAT, "review.xml:46:16: the value is not a publication@planned value");
    expect_file_error("<agency>Northtown Hospital</agency>",
                      "<agency>Northtown Hospital</agency><note/>", KL_EFORMAT,
                      "review.xml:35:40: Did not expect element note there");
    expect_file_error("<agency>Northtown Hospital</agency>", "<agency> </agency>", KL_EFORMAT,
                      "review.xml:35:5: an <agency> is empty");
    expect_file_error(" role=\"independent-reviewer\"", " role=\"x\" colour=\"red\"", KL_EFORMAT,
                      "review.xml:27:44: <reviewer> has no attribute 'colour'");
}

/* Structured contact hours: each mistake named at its attribute. */
static void hours_errors(void **state)
{
    (void)state;
    expect_file_error("days=\"mon-thu\"", "days=\"monday\"", KL_EFORMAT,
                      "review.xml:30:12: hours@days 'monday': days are mon, tue, wed");
    expect_file_error("days=\"mon-thu\"", "days=\"thu-mon\"", KL_EFORMAT,
                      "review.xml:30:12: hours@days 'thu-mon': a range of days goes from the "
                      "earlier day");
    expect_file_error("days=\"mon-thu\"", "days=\"mon,mon\"", KL_EFORMAT,
                      "hours@days 'mon,mon': a day is named twice");
    expect_file_error("from=\"09:00\" to=\"16:00\"", "from=\"9am\" to=\"16:00\"", KL_EFORMAT,
                      "review.xml:30:27: hours@from '9am' is not a time");
    expect_file_error("from=\"09:00\" to=\"16:00\"", "from=\"09:00\" to=\"24:00\"", KL_EFORMAT,
                      "review.xml:30:40: hours@to '24:00' is not a time");
    expect_file_error("from=\"09:00\" to=\"16:00\"", "from=\"09:00\" to=\"08:30\"", KL_EFORMAT,
                      "review.xml:30:40: hours@to '08:30' is not after hours@from '09:00'");
    expect_file_error("days=\"fri\"", "days=\"thu-fri\"", KL_EFORMAT,
                      "review.xml:30:59: hours@days 'thu-fri': a day is already given in an "
                      "earlier <hours>");
    expect_file_error("days=\"fri\"", "days=\"fri\" note=\"x\"", KL_EFORMAT,
                      "<hours> has no attribute 'note'");
    expect_file_error("days=\"fri\" ", "", KL_EFORMAT, "<hours> needs the attribute 'days'");
    /* The free-text hours are still read, but the elements win. */
    expect_warning("mobile=\"07700 900123\"", "mobile=\"07700 900123\" hours=\"Mondays\"",
                   "contact has both the free-text hours attribute and <hours> elements");
}

/* Free text a translated letter would print in English: named per member. */
static void free_text_is_named_per_member(void **state)
{
    (void)state;
    expect_warning(
        "role=\"independent-reviewer\"", "role=\"independent reviewer\"",
        "review.xml:51:17: free text from the review will be printed in English in the pl "
        "letter: reviewer@role");
}

static void missing_logo_is_a_warning(void **state)
{
    (void)state;
    expect_warning("northshire-logo.png", "missing-logo.png",
                   "review.xml:18:11: logo 'missing-logo.png' not found");
}

/* ---- hostile input ------------------------------------------------------------ */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void expect_rejected(const char *data, size_t len, int code, const char *needle)
{
    kl_test_diags d;
    kl_context *ctx = kl_test_context(&d);
    kl_review *rv = NULL;
    double t0 = now();
    int rc = kl_review_load_buffer(ctx, data, len, "hostile.xml", NULL, NULL, &rv);
    double dt = now() - t0;
    assert_int_equal(rc, code);
    assert_null(rv);
    ASSERT_DIAG(&d, needle);
    if (dt > 1.0)
        fail_msg("took %.2f s", dt);
    kl_context_free(ctx);
}

static void entity_expansion_is_refused(void **state)
{
    (void)state;
    const char *lol = "<?xml version=\"1.0\"?>\n"
                      "<!DOCTYPE review [\n"
                      " <!ENTITY a \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\">\n"
                      " <!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n"
                      " <!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">\n"
                      " <!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">\n"
                      "]>\n"
                      "<review xmlns=\"urn:kinletter:review:1\">&d;&d;&d;&d;</review>\n";
    expect_rejected(lol, strlen(lol), KL_EFORMAT,
                    "hostile.xml:2:1: a DOCTYPE or entity declaration is not allowed");
}

static void external_entities_are_never_read(void **state)
{
    (void)state;
    const char *xxe = "<?xml version=\"1.0\"?>\n"
                      "<!DOCTYPE review [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
                      "<review xmlns=\"urn:kinletter:review:1\" id=\"&x;\"/>\n";
    expect_rejected(xxe, strlen(xxe), KL_EFORMAT,
                    "hostile.xml:2:1: a DOCTYPE or entity declaration is not allowed");
    const char *ext = "<!DOCTYPE review SYSTEM \"/etc/passwd\"><review/>";
    expect_rejected(ext, strlen(ext), KL_EFORMAT, "hostile.xml:1:1: a DOCTYPE");
    /* Without a DOCTYPE an entity reference is simply undefined. */
    const char *undef = "<review xmlns=\"urn:kinletter:review:1\">\n  &passwd;</review>";
    expect_rejected(undef, strlen(undef), KL_EPARSE, "hostile.xml:2:11: not well-formed XML");
}

static void xinclude_is_not_processed(void **state)
{
    (void)state;
    expect_file_error("<subject ",
                      "<xi:include xmlns:xi=\"http://www.w3.org/2001/XInclude\" "
                      "href=\"/etc/passwd\" parse=\"text\"/><subject ",
                      KL_EFORMAT, "review.xml:22:3: <xi:include> is not expected in <review>");
}

static void deep_nesting_is_refused(void **state)
{
    (void)state;
    kl_buf b = KL_BUF_INIT;
    kl_core__buf_puts(&b, "<review xmlns=\"urn:kinletter:review:1\">\n");
    for (int i = 0; i < 10000; i++)
        kl_core__buf_puts(&b, "<a>");
    for (int i = 0; i < 10000; i++)
        kl_core__buf_puts(&b, "</a>");
    kl_core__buf_puts(&b, "</review>\n");
    expect_rejected(b.data, b.len, KL_ELIMIT,
                    "hostile.xml:2:192: elements are nested more than 64");
    kl_core__buf_free(&b);
}

static void bad_bytes_are_located(void **state)
{
    (void)state;
    const char *latin1 = "<review xmlns=\"urn:kinletter:review:1\">\n  <x>caf\xe9</x></review>";
    expect_rejected(latin1, strlen(latin1), KL_EPARSE,
                    "hostile.xml:2:9: byte 0xE9 is not valid UTF-8");
    const char nul[] = "<review xmlns=\"urn:kinletter:review:1\">\n\n   <x>a\0b</x></review>";
    expect_rejected(nul, sizeof nul - 1, KL_EPARSE, "hostile.xml:3:8: a NUL byte");
    expect_rejected("", 0, KL_EPARSE, "hostile.xml:1:1: the file is empty");
    expect_rejected("\n  \n", 4, KL_EPARSE, "hostile.xml:1:1: the file is empty");
    const char *enc = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><review/>";
    expect_rejected(enc, strlen(enc), KL_EFORMAT,
                    "hostile.xml:1:21: the review file must be UTF-8");
}

static void huge_inputs_are_refused_quickly(void **state)
{
    (void)state;
    /* 9 MiB file: refused before it is read. */
    size_t big = 9u << 20;
    char *data = malloc(big);
    assert_non_null(data);
    memset(data, ' ', big);
    memcpy(data, "<review>", 8);
    const char *path = kl_test_tmpfile("big.xml", data, big);
    kl_test_diags d;
    kl_context *ctx = kl_test_context(&d);
    kl_review *rv = NULL;
    double t0 = now();
    assert_int_equal(kl_review_load_file(ctx, path, NULL, &rv), KL_ELIMIT);
    assert_true(now() - t0 < 1.0);
    ASSERT_DIAG(&d, "file is too large");
    kl_context_free(ctx);
    /* Nearly 8 MiB of attributes on one element. */
    kl_buf b = KL_BUF_INIT;
    kl_core__buf_puts(&b, "<review xmlns=\"urn:kinletter:review:1\"");
    for (int i = 0; b.len < (8u << 20) - 64; i++)
        kl_core__buf_printf(&b, " a%d=\"x\"", i);
    kl_core__buf_puts(&b, "/>");
    expect_rejected(b.data, b.len, KL_ELIMIT,
                    "hostile.xml:1:1: an element has too many attributes");
    kl_core__buf_free(&b);
    /* One 7 MiB attribute value: parsed, then refused by the schema, quickly. */
    memset(data, 'x', big);
    int n = snprintf(data, 64, "<review xmlns=\"urn:kinletter:review:1\" id=\"");
    data[n + (7u << 20)] = '\0';
    kl_buf c = KL_BUF_INIT;
    kl_core__buf_puts(&c, data);
    kl_core__buf_puts(&c, "\"/>");
    expect_rejected(c.data, c.len, KL_EFORMAT, "hostile.xml:1:1: <review> has no <partnership>");
    kl_core__buf_free(&c);
    free(data);
}

/* ---- CSV families through the loader ---------------------------------------- */
static const char *csv_header =
    "id,title,given,family,relationship,gender,age,parental_responsibility,locale,also,"
    "interpreter,print,reading,channels,address,town,postcode,email,phone,professional,contact,"
    "reason\n";

static int load_csv_review(const char *csv, kl_test_diags *d, kl_review **out)
{
    size_t len;
    char *text = example_text("review-csv.xml", &len);
    char *at = strstr(text, "src=\"family.csv\"");
    assert_non_null(at);
    memcpy(at + 5, "fam-t1.csv", 10);
    char *logo = strstr(text, "northshire-logo.png");
    memcpy(logo, "x", 1); /* no logo in the temporary directory: a warning */
    kl_test_tmpfile("fam-t1.csv", csv, strlen(csv));
    const char *path = kl_test_tmpfile("review-t1.xml", text, len);
    kl_free(text);
    kl_context *ctx = kl_test_context(d);
    int rc = kl_review_load_file(ctx, path, NULL, out);
    kl_context_free(ctx);
    return rc;
}

static void csv_errors_name_row_and_column(void **state)
{
    (void)state;
    kl_test_diags d;
    kl_review *rv = NULL;
    kl_buf b = KL_BUF_INIT;
    kl_core__buf_puts(&b, csv_header);
    kl_core__buf_puts(&b,
                      "m01,,Zofia,Nowak,mother,female,,yes,pl,,,,,post,\"12 Elm Road, Upper Flat\","
                      "Northtown,NT2 7QP,,,,,\n");
    kl_core__buf_puts(&b, "m02,,\"Tomasz \"\"Tom\"\"\",Nowak,father,male,,,pl,,,,,email,,,,"
                          "\"tom@mail.example\",,,,\n");
    kl_core__buf_puts(&b, "m03,,Kacper,Nowak,brother,male,15,,xx,,,,,sms,,,,,07700 900456,,,\n");
    kl_core__buf_puts(&b, "m04,,Ola,Nowak,sister,female,9,,pl,,,,young-person,email,,,,ola@,,,,\n");
    assert_int_equal(load_csv_review(b.data, &d, &rv), 0);
    ASSERT_DIAG(&d, "fam-t1.csv:4:9: column 'locale': language@locale 'xx' names no known");
    ASSERT_DIAG(&d, "fam-t1.csv:5:18: column 'email': the email address is not an email address");
    const kl_diagnostic *g = diag_with(&d, "fam-t1.csv:4:9");
    assert_int_equal(g->severity, KL_SEVERITY_ERROR);
    assert_int_equal(kl_review_member_count(rv), 4);
    const kl_member *m = kl_review_find_member(rv, "m01");
    assert_int_equal(kl_review_member_ok(rv, m), 1);
    assert_string_equal(m->contacts[0].address->lines[0], "12 Elm Road, Upper Flat");
    m = kl_review_find_member(rv, "m02");
    assert_string_equal(m->given, "Tomasz \"Tom\"");
    assert_int_equal(kl_review_member_ok(rv, m), 1);
    assert_int_equal(kl_review_member_ok(rv, kl_review_find_member(rv, "m03")), 0);
    assert_int_equal(kl_review_member_ok(rv, kl_review_find_member(rv, "m04")), 0);
    kl_review_free(rv);
    kl_core__buf_free(&b);
}

static void csv_rows_after_embedded_newlines_keep_their_numbers(void **state)
{
    (void)state;
    kl_test_diags d;
    kl_review *rv = NULL;
    kl_buf b = KL_BUF_INIT;
    kl_core__buf_puts(&b, "\xEF\xBB\xBF");
    kl_core__buf_puts(&b, csv_header);
    b.len -= 1; /* CRLF line ends */
    kl_core__buf_puts(&b, "\r\n");
    kl_core__buf_puts(&b, "m01,,Zofia,Nowak,mother,female,,,pl,,,,,post,\"Flat 2\r\n12 Elm Road\","
                          "Northtown,NT2 7QP,,,,,\r\n");
    kl_core__buf_puts(&b, "m02,,Tomasz,Nowak,father,male,,,pl,,,,,sms,,,,,07700 90045,,,\r\n");
    assert_int_equal(load_csv_review(b.data, &d, &rv), 0);
    ASSERT_DIAG(&d, "fam-t1.csv:3:19: column 'phone': the phone number is not a UK mobile number");
    const kl_member *m = kl_review_find_member(rv, "m01");
    assert_int_equal(kl_review_member_ok(rv, m), 1);
    assert_string_equal(m->contacts[0].address->lines[0], "Flat 2 12 Elm Road");
    assert_int_equal(m->line, 2);
    kl_review_free(rv);
    kl_core__buf_free(&b);
}

static void csv_header_problems_fail_the_load(void **state)
{
    (void)state;
    kl_test_diags d;
    kl_review *rv = NULL;
    assert_int_equal(load_csv_review("id,given,relationship,gender,channels\n"
                                     "m01,Zofia,mother,female,email\n",
                                     &d, &rv),
                     KL_EFORMAT);
    ASSERT_DIAG(&d, "fam-t1.csv:1:0: the header has no 'locale' column");
    assert_int_equal(load_csv_review("id,given,relationship,gender,locale,channels,shoe size\n"
                                     "m01,Zofia,mother,female,pl,email,5\n",
                                     &d, &rv),
                     KL_EFORMAT);
    ASSERT_DIAG(&d, "fam-t1.csv:1:7: column 7 of the header is not a family-list column");
    assert_int_equal(load_csv_review("id,given,relationship,gender,locale,channels,Locale\n"
                                     "m01,Zofia,mother,female,pl,email,pl\n",
                                     &d, &rv),
                     KL_EFORMAT);
    ASSERT_DIAG(&d, "fam-t1.csv:1:7: column 'locale' appears twice");
    assert_int_equal(load_csv_review("id,given,relationship,gender,locale,channels,email\n"
                                     "m01,\"Zofia,mother,female,pl,email,z@mail.example\n",
                                     &d, &rv),
                     KL_EPARSE);
    ASSERT_DIAG(&d, "fam-t1.csv:2:2: a quoted field starts here and is never closed");
}

static void csv_short_and_long_rows_fail_their_member(void **state)
{
    (void)state;
    kl_test_diags d;
    kl_review *rv = NULL;
    assert_int_equal(load_csv_review("id,given,relationship,gender,locale,channels,email\n"
                                     "m01,Zofia,mother,female,pl,email,z@mail.example\n"
                                     "m02,Tomasz,father,male,pl,email\n"
                                     "m03,Kacper,brother,male,en-GB,email,k@mail.example,extra\n",
                                     &d, &rv),
                     0);
    ASSERT_DIAG(&d, "fam-t1.csv:3:6: row has 6 fields but the header has 7");
    ASSERT_DIAG(&d, "fam-t1.csv:4:8: row has 8 fields but the header has 7");
    assert_int_equal(kl_review_member_ok(rv, kl_review_find_member(rv, "m01")), 1);
    assert_int_equal(kl_review_member_ok(rv, kl_review_find_member(rv, "m02")), 0);
    assert_int_equal(kl_review_member_ok(rv, kl_review_find_member(rv, "m03")), 0);
    kl_review_free(rv);
}

/* ---- allocation failures ---------------------------------------------------- */
static void allocation_failures_are_reported(void **state)
{
    (void)state;
    const char *files[] = {"templates/example/review.xml", "templates/example/review-csv.xml"};
    for (size_t f = 0; f < 2; f++) {
        char path[4096];
        snprintf(path, sizeof path, "%s", kl_test_src(files[f]));
        unsigned long n;
        for (n = 1; n < 100000; n++) {
            kl_context *ctx = kl_test_context(NULL);
            kl_review *rv = NULL;
            kl_core__alloc_fail_at(n, true);
            int rc = kl_review_load_file(ctx, path, NULL, &rv);
            kl_core__alloc_fail_at(0, false);
            if (rc == 0) {
                assert_non_null(rv);
                assert_int_equal(kl_review_member_count(rv), 11);
                assert_int_equal(kl_review_error_count(rv), 0);
                kl_review_free(rv);
                kl_context_free(ctx);
                break;
            }
            assert_int_equal(rc, KL_ENOMEM);
            assert_null(rv);
            kl_context_free(ctx);
        }
        assert_true(n > 10 && n < 100000);
    }
}

static void null_arguments_are_refused(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    kl_review *rv = NULL;
    assert_int_equal(kl_review_load_file(ctx, NULL, NULL, &rv), KL_EINVAL);
    assert_int_equal(kl_review_load_file(ctx, "x", NULL, NULL), KL_EINVAL);
    kl_review_load_options o = KL_REVIEW_LOAD_OPTIONS_INIT;
    o.version = 99;
    assert_int_equal(kl_review_load_buffer(ctx, "", 0, "x", NULL, &o, &rv), KL_EINVAL);
    assert_int_equal(kl_review_load_file(ctx, "/nonexistent/review.xml", NULL, &rv), KL_ENOTFOUND);
    kl_review_free(NULL);
    assert_int_equal(kl_review_member_count(NULL), 0);
    assert_string_equal(kl_channel_name(KL_CHANNEL_VIA_PROFESSIONAL), "via-professional");
    assert_string_equal(kl_reading_name(KL_READING_YOUNG_PERSON), "young-person");
    assert_string_equal(kl_review_type_name(KL_REVIEW_CPR), "cpr");
    assert_string_equal(kl_gender_name(KL_GENDER_OTHER), "other");
    kl_context_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(example_loads_with_every_field),
        cmocka_unit_test(csv_family_gives_the_same_members),
        cmocka_unit_test(member_view_holds_no_other_member),
        cmocka_unit_test(locale_is_canonicalised),
        cmocka_unit_test(bad_locales_fail_the_member),
        cmocka_unit_test(member_positions_survive_markup_in_text),
        cmocka_unit_test(postcodes_are_checked_and_normalised),
        cmocka_unit_test(address_lines_follow_postal_rules),
        cmocka_unit_test(emails_and_mobiles_are_checked),
        cmocka_unit_test(contact_none_rules),
        cmocka_unit_test(needs_and_attributes_are_checked),
        cmocka_unit_test(member_ids_are_valid_and_unique),
        cmocka_unit_test(warnings_do_not_fail_members),
        cmocka_unit_test(review_level_errors_fail_the_load),
        cmocka_unit_test(hours_errors),
        cmocka_unit_test(free_text_is_named_per_member),
        cmocka_unit_test(missing_logo_is_a_warning),
        cmocka_unit_test(entity_expansion_is_refused),
        cmocka_unit_test(external_entities_are_never_read),
        cmocka_unit_test(xinclude_is_not_processed),
        cmocka_unit_test(deep_nesting_is_refused),
        cmocka_unit_test(bad_bytes_are_located),
        cmocka_unit_test(huge_inputs_are_refused_quickly),
        cmocka_unit_test(csv_errors_name_row_and_column),
        cmocka_unit_test(csv_rows_after_embedded_newlines_keep_their_numbers),
        cmocka_unit_test(csv_header_problems_fail_the_load),
        cmocka_unit_test(csv_short_and_long_rows_fail_their_member),
        cmocka_unit_test(allocation_failures_are_reported),
        cmocka_unit_test(null_arguments_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
