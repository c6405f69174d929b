/* SPDX-License-Identifier: MIT */
/* tests/unit/compose_test.c: composing letters from a template, a review and catalogs. */
#include "support.h"
#include "compose/compose.h"
#include "template/template.h"
#include "plain/plain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fixture {
    kl_test_diags d;
    kl_context *ctx;
    kl_template *tpl;
    kl_catalog_set *set;
    kl_review *review;
} fixture;

static const char *test_catalogs(void)
{
    static char buf[4096];
    const char *b = getenv("KL_BUILD_ROOT");
    snprintf(buf, sizeof buf, "%s/tests/data/letters/locales", b ? b : ".");
    return buf;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->ctx = kl_test_context(&f->d);
    assert_int_equal(
        kl_template_load_file(f->ctx, kl_test_src("tests/data/letters/test.xml"), &f->tpl), 0);
    assert_int_equal(kl_catalog_set_open(f->ctx, test_catalogs(), &f->set), 0);
    assert_int_equal(
        kl_review_load_file(f->ctx, kl_test_src("tests/data/letters/review.xml"), NULL, &f->review),
        0);
    assert_int_equal(kl_review_error_count(f->review), 0);
    f->d.n = 0;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    kl_review_free(f->review);
    kl_catalog_set_free(f->set);
    kl_template_free(f->tpl);
    kl_context_free(f->ctx);
    free(f);
    return 0;
}

static kl_doc *compose(fixture *f, const char *id, kl_channel ch, const kl_letter_options *o,
                       int expect)
{
    const kl_member *m = kl_review_find_member(f->review, id);
    assert_non_null(m);
    kl_doc *doc = NULL;
    assert_int_equal(kl_compose__letter(f->ctx, f->tpl, f->review, m, ch, f->set, o, &doc), expect);
    return doc;
}

/* The first node of a kind whose msgid is id (id NULL: any). */
static const kl_node *find(const kl_doc *doc, kl_node_kind kind, const char *id)
{
    for (const kl_node *n = doc->root; n; n = kl_doc__next(doc->root, n))
        if (n->kind == kind && (!id || (n->msgid && strcmp(n->msgid, id) == 0)))
            return n;
    return NULL;
}

static void test_post_letter(void **state)
{
    fixture *f = *state;
    kl_doc *doc = compose(f, "m02", KL_CHANNEL_POST, NULL, 0);
    assert_string_equal(doc->title, "Letter about Amelia");
    assert_string_equal(doc->subject, "About the review: Amelia");
    assert_string_equal(doc->root->lang, "en-GB");
    assert_string_equal(doc->author, "Testshire Safeguarding Children Partnership");
    assert_string_equal(doc->member_id, "m02");
    assert_string_equal(doc->template_name, "test");

    /* Letterhead (with the logo), then the member's own address, then the date. */
    const kl_node *lh = doc->root->first;
    assert_int_equal(lh->kind, KL_NODE_LETTERHEAD);
    assert_int_equal(lh->first->kind, KL_NODE_FIGURE);
    assert_string_equal(lh->first->alt, "Testshire partnership logo");
    assert_non_null(strstr(lh->first->src, "logo.png"));
    assert_int_equal(lh->next->kind, KL_NODE_ADDRESS);
    assert_true(doc->has_address);
    char *addr = kl_doc__text(lh->next);
    assert_string_equal(addr, "Mr Adam Nowak\n3 Oak Lane\nNorthtown\nNT3 1AA\n");
    kl_free(addr);
    assert_string_equal(find(doc, KL_NODE_DATE, NULL)->text, "27 November 2026");

    assert_string_equal(find(doc, KL_NODE_SALUTATION, NULL)->text, "Dear Mr Nowak,");
    assert_non_null(find(doc, KL_NODE_PARAGRAPH, "t.condolence"));
    assert_string_equal(find(doc, KL_NODE_PARAGRAPH, "t.relation")->text,
                        "This letter is about your daughter Amelia.");
    assert_null(find(doc, KL_NODE_PARAGRAPH, "t.not.shown"));
    assert_null(find(doc, KL_NODE_PARAGRAPH, "t.interpreter"));
    assert_string_equal(find(doc, KL_NODE_PARAGRAPH, "t.end")->text,
                        "We expect to finish by 28 May 2027.");
    assert_string_equal(find(doc, KL_NODE_PARAGRAPH, "t.agency.count")->text,
                        "3 agencies are taking part.");
    assert_int_equal(find(doc, KL_NODE_HEADING, "t.heading")->level, 1);
    assert_int_equal(find(doc, KL_NODE_HEADING, "t.agencies.heading")->level, 2);

    /* each: one item per agency, in order; the fixed list drops the young person's step. */
    const kl_node *list = find(doc, KL_NODE_LIST, NULL);
    assert_false(list->ordered);
    assert_string_equal(list->first->text, "Testshire Children's Social Care");
    assert_string_equal(list->last->text, "Testshire Police");
    assert_int_equal(list->next->kind, KL_NODE_LIST);
    assert_true(list->next->ordered);
    assert_ptr_equal(list->next->first, list->next->last);

    const kl_node *row = find(doc, KL_NODE_ROW, "t.contact.phone");
    assert_string_equal(row->label, "Phone");
    assert_string_equal(row->text, "01632 960456");
    assert_string_equal(row->href, "tel:01632960456");
    row = find(doc, KL_NODE_ROW, "t.contact.email");
    assert_string_equal(row->href, "mailto:sam.okafor@testshire-scp.example");

    char *sig = kl_doc__text(find(doc, KL_NODE_SIGNATURE, NULL));
    assert_string_equal(sig, "Yours sincerely,\nSam Okafor\nfamily contact for the review\n");
    kl_free(sig);
    assert_non_null(find(doc, KL_NODE_PAGE_BREAK, NULL));
    assert_null(doc->sms);

    /* Nothing of any other member's contact data. */
    char *all = kl_doc__text(doc->root);
    assert_null(strstr(all, "Elm Road"));
    assert_null(strstr(all, "Bwthyn"));
    assert_null(strstr(all, "kacper@"));
    assert_null(strstr(all, "07700"));
    assert_null(strstr(all, "Dean"));
    kl_free(all);
    assert_int_equal(f->d.n, 0);
    kl_doc__free(doc);
}

static void test_young_person_email(void **state)
{
    fixture *f = *state;
    kl_doc *doc = compose(f, "m03", KL_CHANNEL_EMAIL, NULL, 0);
    assert_false(doc->has_address);
    assert_null(find(doc, KL_NODE_ADDRESS, NULL));
    /* young_person > plain > standard */
    assert_string_equal(find(doc, KL_NODE_HEADING, "t.heading")->text, "About Amelia");
    assert_string_equal(find(doc, KL_NODE_PARAGRAPH, "t.hello")->text, "Hello (plain).");
    assert_string_equal(find(doc, KL_NODE_PARAGRAPH, "t.bye")->text, "Goodbye (standard).");
    assert_string_equal(find(doc, KL_NODE_PARAGRAPH, "t.relation")->text,
                        "This letter is about your sister Amelia.");
    assert_string_equal(find(doc, KL_NODE_SALUTATION, NULL)->text, "Dear Kacper,");
    assert_non_null(find(doc, KL_NODE_ITEM, "t.step.two"));
    kl_doc__free(doc);

    /* The variant option overrides the member's reading need. */
    kl_letter_options o = KL_LETTER_OPTIONS_INIT;
    o.variant = KL_READING_STANDARD;
    doc = compose(f, "m03", KL_CHANNEL_EMAIL, &o, 0);
    assert_string_equal(find(doc, KL_NODE_HEADING, "t.heading")->text, "What happened to Amelia");
    assert_null(find(doc, KL_NODE_ITEM, "t.step.two"));
    kl_doc__free(doc);
}

static void test_child_gender_selects(void **state)
{
    fixture *f = *state;
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(kl_core__read_file(f->ctx, kl_test_src("tests/data/letters/review.xml"),
                                        1 << 20, &text, &len),
                     0);
    const char *genders[] = {"male", "other"};
    const char *expect_father[] = {"your son Amelia", "your child Amelia"};
    const char *expect_brother[] = {"your brother Amelia", "your sibling Amelia"};
    for (int g = 0; g < 2; g++) {
        kl_buf b = KL_BUF_INIT;
        const char *at = strstr(text, "gender=\"female\" age=\"4\"");
        assert_non_null(at);
        kl_core__buf_append(&b, text, (size_t)(at - text));
        kl_core__buf_printf(&b, "gender=\"%s\" age=\"4\"", genders[g]);
        kl_core__buf_puts(&b, at + strlen("gender=\"female\" age=\"4\""));
        kl_review *rv = NULL;
        assert_int_equal(kl_review_load_buffer(f->ctx, b.data, b.len, "g.xml",
                                               kl_test_src("tests/data/letters"), NULL, &rv),
                         0);
        kl_doc *doc = NULL;
        assert_int_equal(kl_compose__letter(f->ctx, f->tpl, rv, kl_review_find_member(rv, "m02"),
                                            KL_CHANNEL_POST, f->set, NULL, &doc),
                         0);
        assert_non_null(strstr(find(doc, KL_NODE_PARAGRAPH, "t.relation")->text, expect_father[g]));
        kl_doc__free(doc);
        assert_int_equal(kl_compose__letter(f->ctx, f->tpl, rv, kl_review_find_member(rv, "m03"),
                                            KL_CHANNEL_EMAIL, f->set, NULL, &doc),
                         0);
        assert_non_null(
            strstr(find(doc, KL_NODE_PARAGRAPH, "t.relation")->text, expect_brother[g]));
        kl_doc__free(doc);
        kl_review_free(rv);
        kl_core__buf_free(&b);
    }
    kl_free(text);
}

static void test_missing_message_is_an_error(void **state)
{
    fixture *f = *state;
    /* pl lacks t.only_en: an error for this member, never English text. */
    kl_doc *doc = compose(f, "m01", KL_CHANNEL_POST, NULL, KL_ENOTFOUND);
    assert_null(doc);
    const kl_diagnostic *e = kl_context_last_error(f->ctx);
    assert_non_null(strstr(e->message, "'t.only_en'"));
    assert_non_null(strstr(e->message, "'pl'"));
    assert_string_equal(e->member_id, "m01");
    assert_non_null(strstr(e->source, "test.xml"));
    assert_int_equal(e->line, 17);
    assert_int_equal(e->column, 3);
}

static void test_fallback_when_allowed(void **state)
{
    fixture *f = *state;
    kl_letter_options o = KL_LETTER_OPTIONS_INIT;
    o.allow_language_fallback = 1;
    kl_doc *doc = compose(f, "m01", KL_CHANNEL_POST, &o, 0);
    assert_int_equal(doc->n_fallbacks, 1);
    assert_string_equal(doc->fallbacks[0], "pl:t.only_en");
    const kl_node *n = find(doc, KL_NODE_PARAGRAPH, "t.only_en");
    assert_string_equal(n->text, "Only in English, Welsh and German.");
    assert_string_equal(n->lang, "en-GB"); /* marked, so the PDF tags it as English */
    assert_true(kl_test_find_diag(&f->d, "'t.only_en' is missing from the 'pl' catalog") >= 0);
    /* Everything else is Polish: plain variant falls back to standard. */
    assert_string_equal(find(doc, KL_NODE_DATE, NULL)->text, "27 listopada 2026");
    assert_string_equal(find(doc, KL_NODE_PARAGRAPH, "t.interpreter")->text,
                        "Będzie obecny tłumacz języka: polski, bezpłatnie.");
    assert_string_equal(find(doc, KL_NODE_SALUTATION, NULL)->text, "Szanowna Pani Nowak,");
    assert_true(doc->body_pt > 17.99 && doc->body_pt < 18.01);
    kl_doc__free(doc);
}

static void test_bilingual(void **state)
{
    fixture *f = *state;
    kl_doc *doc = compose(f, "m04", KL_CHANNEL_POST, NULL, 0);
    assert_string_equal(doc->root->lang, "cy");
    assert_string_equal(doc->title, "Llythyr am Amelia / Letter about Amelia");
    const kl_node *n = doc->root->first;
    assert_int_equal(n->kind, KL_NODE_LETTERHEAD);
    n = n->next;
    assert_int_equal(n->kind, KL_NODE_ADDRESS);
    n = n->next;
    assert_int_equal(n->kind, KL_NODE_DATE);
    assert_string_equal(n->text, "27 Tachwedd 2026");
    n = n->next;
    assert_int_equal(n->kind, KL_NODE_SECTION);
    assert_string_equal(n->lang, "cy");
    assert_string_equal(n->first->text, "Ein cyfeirnod: TEST-2026-001");
    n = n->next;
    assert_int_equal(n->kind, KL_NODE_SECTION);
    assert_string_equal(n->lang, "en-GB");
    assert_string_equal(n->first->text, "Our reference: TEST-2026-001");
    assert_null(n->next);
    /* The date and the address come once. */
    int dates = 0;
    for (const kl_node *x = doc->root; x; x = kl_doc__next(doc->root, x))
        dates += x->kind == KL_NODE_DATE || x->kind == KL_NODE_ADDRESS;
    assert_int_equal(dates, 2);
    kl_doc__free(doc);
}

static void test_who_gets_nothing(void **state)
{
    fixture *f = *state;
    assert_null(compose(f, "m05", KL_CHANNEL_POST, NULL, KL_EDATA));
    assert_non_null(strstr(kl_context_last_error(f->ctx)->message, "not to be contacted"));
    /* via-professional: no address, so no post letter; the hand-over letter has no address. */
    assert_null(compose(f, "m06", KL_CHANNEL_POST, NULL, KL_EDATA));
    assert_non_null(strstr(kl_context_last_error(f->ctx)->message, "no postal address"));
    kl_doc *doc = compose(f, "m06", KL_CHANNEL_VIA_PROFESSIONAL, NULL, 0);
    assert_null(find(doc, KL_NODE_ADDRESS, NULL));
    assert_string_equal(find(doc, KL_NODE_PARAGRAPH, "t.relation")->text,
                        "This letter is about your sister Amelia.");
    kl_doc__free(doc);
}

static void test_sms(void **state)
{
    fixture *f = *state;
    kl_doc *doc = compose(f, "m07", KL_CHANNEL_SMS, NULL, 0);
    assert_non_null(strstr(doc->sms, "Tu Testshire Safeguarding Children Partnership."));
    assert_null(doc->root->first); /* a text carries nothing of the letter */
    kl_doc__free(doc);
    doc = compose(f, "m03", KL_CHANNEL_SMS, NULL, 0);
    assert_string_equal(doc->sms, "Testshire Safeguarding Children Partnership would like to talk "
                                  "to you. Please call Sam Okafor on 01632 960456.");
    kl_doc__free(doc);
}

static void test_public_letter(void **state)
{
    fixture *f = *state;
    kl_letter *l = NULL;
    kl_letter_options o = KL_LETTER_OPTIONS_INIT;
    o.date = "2027-01-02";
    assert_int_equal(kl_letter_compose(f->ctx, f->tpl, f->set, f->review,
                                       kl_review_find_member(f->review, "m02"), KL_CHANNEL_POST, &o,
                                       &l),
                     0);
    assert_string_equal(kl_letter_title(l), "Letter about Amelia");
    assert_string_equal(kl_letter_lang(l), "en-GB");
    assert_int_equal(kl_letter_fallback_count(l), 0);
    assert_string_equal(find(kl_letter__doc(l), KL_NODE_DATE, NULL)->text, "2 January 2027");
    kl_letter_free(l);
    o.version = 99;
    assert_int_equal(kl_letter_compose(f->ctx, f->tpl, f->set, f->review,
                                       kl_review_find_member(f->review, "m02"), KL_CHANNEL_POST, &o,
                                       &l),
                     KL_EINVAL);
}

static void test_alloc_failures(void **state)
{
    fixture *f = *state;
    const kl_member *m = kl_review_find_member(f->review, "m04");
    bool done = false;
    for (unsigned long n = 1; n < 5000 && !done; n++) {
        kl_doc *doc = NULL;
        kl_core__alloc_fail_at(n, false);
        int rc =
            kl_compose__letter(f->ctx, f->tpl, f->review, m, KL_CHANNEL_POST, f->set, NULL, &doc);
        kl_core__alloc_fail_at(0, false);
        if (rc == 0) {
            done = true;
            kl_doc__free(doc);
        } else {
            assert_int_equal(rc, KL_ENOMEM);
            assert_null(doc);
        }
    }
    assert_true(done);
}

/* Every relationship x member gender x child gender with the shipped
 * template and en_GB catalog (skipped while the content is being written). */
/* The condolence a member reads, for the shipped notification letter. */
static char *condolence(kl_context *ctx, const kl_template *tpl, kl_catalog_set *set,
                        const kl_review *rv, const kl_member *m)
{
    kl_doc *doc = NULL;
    int rc = kl_compose__letter(ctx, tpl, rv, m, KL_CHANNEL_POST, set, NULL, &doc);
    if (rc)
        fail_msg("member %s (%s, %s): %s", m->id, m->relationship, kl_gender_name(m->gender),
                 kl_context_last_error(ctx)->message);
    const kl_node *n = find(doc, KL_NODE_PARAGRAPH, "notification.condolence");
    assert_non_null(n);
    char *text = kl_core__strdup(n->text);
    kl_doc__free(doc);
    return text;
}

/* Every relationship x member gender x child gender composes with the shipped
 * English catalog, and names the child as that family member would. */
static void test_shipped_catalog_all_relationships(void **state)
{
    (void)state;
    kl_template *tpl = NULL;
    kl_catalog_set *set = NULL;
    kl_context *ctx = kl_test_context(NULL);
    assert_int_equal(kl_template_load_name(ctx, "notification", &tpl), 0);
    assert_int_equal(kl_catalog_set_open(ctx, NULL, &set), 0);
    assert_int_equal(kl_template_check_messages(ctx, tpl, set, "en-GB"), 0);
    const char *rel[] = {"mother",     "father",   "parent",      "stepmother",
                         "stepfather", "carer",    "grandmother", "grandfather",
                         "sister",     "brother",  "aunt",        "uncle",
                         "partner",    "daughter", "son",         "other"};
    const char *gen[] = {"female", "male", "other"};
    /* What the condolence must say, by relationship, for a girl, a boy and a
     * child of other gender (NULL: only that it names Amelia). */
    const char *expect[16][3] = {
        {"your daughter Amelia", "your son Amelia", "your child Amelia"},
        {"your daughter Amelia", "your son Amelia", "your child Amelia"},
        {"your daughter Amelia", "your son Amelia", "your child Amelia"},
        {"your stepdaughter Amelia", "your stepson Amelia", "your stepchild Amelia"},
        {"your stepdaughter Amelia", "your stepson Amelia", "your stepchild Amelia"},
        {"Amelia, who you cared for", "Amelia, who you cared for", "Amelia, who you cared for"},
        {"your granddaughter Amelia", "your grandson Amelia", "your grandchild Amelia"},
        {"your granddaughter Amelia", "your grandson Amelia", "your grandchild Amelia"},
        {"your sister Amelia", "your brother Amelia", NULL},
        {"your sister Amelia", "your brother Amelia", NULL},
        {"your niece Amelia", "your nephew Amelia", NULL},
        {"your niece Amelia", "your nephew Amelia", NULL},
        {"your partner Amelia", "your partner Amelia", "your partner Amelia"},
        {"your mother", "your father", "your parent"},
        {"your mother", "your father", "your parent"},
        {NULL, NULL, NULL},
    };
    for (int cg = 0; cg < 3; cg++) {
        kl_buf b = KL_BUF_INIT;
        kl_core__buf_printf(
            &b,
            "<review xmlns='urn:kinletter:review:1' id='R-1' type='lcspr'><partnership>"
            "<name>P</name><address><line>1 Road</line><town>T</town>"
            "<postcode>NT1 4AB</postcode></address><phone>01632 960123</phone>"
            "<email>p@p.example</email></partnership>"
            "<subject given='Amelia' gender='%s' outcome='died'/>"
            "<dates decided='2026-11-20' letter='2026-11-27' expected-end='2027-05-28' "
            "period-from='2025-01-01' period-to='2026-10-31'/>"
            "<contact name='Sam' phone='01632 960456' email='s@p.example'/><family>",
            gen[cg]);
        for (int r = 0; r < 16; r++)
            for (int g = 0; g < 3; g++)
                kl_core__buf_printf(&b,
                                    "<member id='m%d_%d' relationship='%s' gender='%s'>"
                                    "<name given='X'/><language locale='en-GB'/>"
                                    "<contact channel='post'><address><line>2 Road</line>"
                                    "<town>T</town><postcode>NT1 4AB</postcode></address></contact>"
                                    "</member>",
                                    r, g, rel[r], gen[g]);
        kl_core__buf_puts(&b, "</family></review>");
        kl_review *rv = NULL;
        assert_int_equal(kl_review_load_buffer(ctx, b.data, b.len, "all.xml", NULL, NULL, &rv), 0);
        for (size_t i = 0; i < kl_review_member_count(rv); i++) {
            const kl_member *m = kl_review_member(rv, i);
            char *text = condolence(ctx, tpl, set, rv, m);
            const char *want = expect[i / 3][cg];
            if (!strstr(text, want ? want : "Amelia"))
                fail_msg("%s (child %s): expected '%s' in: %s", m->relationship, gen[cg],
                         want ? want : "Amelia", text);
            assert_null(strstr(text, "deceased"));
            kl_free(text);
        }
        kl_review_free(rv);
        kl_core__buf_free(&b);
    }
    kl_template_free(tpl);
    kl_catalog_set_free(set);
    kl_context_free(ctx);
}

/* Every template x reading variant x channel x member of the bundled example
 * composes in the member's own language(s), with every placeholder filled. */
/* The family's questions and answers (issue 20, item 6): the outcome letter prints the
 * member's own, in order, each text marked as the language it was written in; another
 * member's never; nothing at all for a member who asked none. */
static const kl_node *questions_section(const kl_doc *doc)
{
    const kl_node *h = find(doc, KL_NODE_HEADING, "common.questions.heading");
    return h ? h->parent : NULL;
}

static void test_questions_and_answers(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    kl_catalog_set *set = NULL;
    kl_review *rv = NULL;
    kl_template *outcome = NULL, *update = NULL;
    assert_int_equal(kl_catalog_set_open(ctx, NULL, &set), 0);
    assert_int_equal(
        kl_review_load_file(ctx, kl_test_src("templates/example/review.xml"), NULL, &rv), 0);
    assert_int_equal(kl_template_load_name(ctx, "outcome", &outcome), 0);
    assert_int_equal(kl_template_load_name(ctx, "update", &update), 0);
    const kl_letter_qa qa[] = {
        {"m01", "Why did nobody act on the school's concerns?", "en-GB",
         "The school told children's social care twice.", NULL},
        {"m04", "Will the report name me?", NULL, "No.", NULL},
        {"m01", "Czy raport poda moje imię?", "pl", NULL, NULL},
    };
    kl_letter_options o = KL_LETTER_OPTIONS_INIT;
    o.qa = qa;
    o.n_qa = 3;
    const kl_member *m01 = kl_review_find_member(rv, "m01");
    kl_doc *doc = NULL;
    assert_int_equal(kl_compose__letter(ctx, outcome, rv, m01, KL_CHANNEL_POST, set, &o, &doc), 0);
    const kl_node *sec = questions_section(doc);
    assert_non_null(sec);
    /* heading; asked, question, answer label, answer; asked, question, not answered yet */
    const char *msgids[] = {"common.questions.heading",
                            "common.questions.asked",
                            NULL,
                            "outcome.questions.answer",
                            NULL,
                            "common.questions.asked",
                            NULL,
                            "common.questions.open"};
    const char *langs[] = {"pl", "pl", "en-GB", "pl", "en-GB", "pl", "pl", "pl"};
    const kl_node *n = sec->first;
    for (size_t i = 0; i < 8; i++, n = n->next) {
        assert_non_null(n);
        if (msgids[i])
            assert_string_equal(n->msgid, msgids[i]);
        else
            assert_null(n->msgid);
        assert_string_equal(kl_doc__lang(n), langs[i]);
    }
    assert_null(n);
    assert_string_equal(sec->first->text, "Pani pytania");
    assert_string_equal(sec->first->next->text, "Zapytała nas Pani:");
    /* English in a Polish letter: isolated for plain text; Polish in Polish: as written. */
    assert_string_equal(sec->first->next->next->text,
                        "\xE2\x81\xA8Why did nobody act on the school's concerns?\xE2\x81\xA9");
    assert_string_equal(sec->first->next->next->next->next->text,
                        "\xE2\x81\xA8The school told children's social care twice.\xE2\x81\xA9");
    char *all = kl_doc__text(doc->root);
    assert_non_null(strstr(all, "Czy raport poda moje imię?"));
    assert_null(strstr(all, "Will the report name me?")); /* another member's */
    kl_free(all);
    kl_doc__free(doc);

    /* The update letter labels the answer as an answer so far. */
    const kl_member *m04 = kl_review_find_member(rv, "m04");
    assert_int_equal(kl_compose__letter(ctx, update, rv, m04, KL_CHANNEL_POST, set, &o, &doc), 0);
    assert_non_null(find(doc, KL_NODE_PARAGRAPH, "update.questions.answer"));
    all = kl_doc__text(doc->root);
    assert_non_null(strstr(all, "Will the report name me?"));
    assert_null(strstr(all, "school"));
    kl_free(all);
    kl_doc__free(doc);

    /* A member who asked nothing: no section, no heading, not even an empty one. */
    const kl_member *m03 = kl_review_find_member(rv, "m03");
    assert_int_equal(kl_compose__letter(ctx, outcome, rv, m03, KL_CHANNEL_EMAIL, set, &o, &doc), 0);
    assert_null(questions_section(doc));
    assert_null(find(doc, KL_NODE_PARAGRAPH, "common.questions.asked"));
    kl_doc__free(doc);

    /* Version 1 options (before qa) still compose, without questions. */
    kl_letter_options v1 = o;
    v1.version = 1;
    assert_int_equal(kl_compose__letter(ctx, outcome, rv, m01, KL_CHANNEL_POST, set, &v1, &doc), 0);
    assert_null(questions_section(doc));
    kl_doc__free(doc);

    /* A language that is not a BCP 47 tag is the caller's error. */
    const kl_letter_qa bad[] = {{"m01", "Why?", "not a tag", NULL, NULL}};
    o.qa = bad;
    o.n_qa = 1;
    assert_int_equal(kl_compose__letter(ctx, outcome, rv, m01, KL_CHANNEL_POST, set, &o, &doc),
                     KL_EINVAL);
    assert_null(doc);

    kl_template_free(outcome);
    kl_template_free(update);
    kl_review_free(rv);
    kl_catalog_set_free(set);
    kl_context_free(ctx);
}

static void test_example_every_template_variant_member(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    kl_catalog_set *set = NULL;
    kl_review *rv = NULL;
    assert_int_equal(kl_catalog_set_open(ctx, NULL, &set), 0);
    assert_int_equal(
        kl_review_load_file(ctx, kl_test_src("templates/example/review.xml"), NULL, &rv), 0);
    const char *names[] = {"notification", "invitation", "update", "outcome"};
    size_t composed = 0;
    for (size_t t = 0; t < 4; t++) {
        kl_template *tpl = NULL;
        assert_int_equal(kl_template_load_name(ctx, names[t], &tpl), 0);
        for (size_t i = 0; i < kl_review_member_count(rv); i++) {
            const kl_member *m = kl_review_member(rv, i);
            for (int v = KL_READING_STANDARD; v <= KL_READING_YOUNG_PERSON; v++) {
                for (size_t c = 0; c < m->n_contacts; c++) {
                    kl_letter_options o = KL_LETTER_OPTIONS_INIT;
                    o.variant = v;
                    kl_doc *doc = NULL;
                    int rc =
                        kl_compose__letter(ctx, tpl, rv, m, m->contacts[c].channel, set, &o, &doc);
                    if (rc)
                        fail_msg("%s, member %s, variant %s: %s", names[t], m->id,
                                 kl_reading_name((kl_reading)v),
                                 kl_context_last_error(ctx)->message);
                    assert_string_equal(kl_doc__lang(doc->root), m->locale);
                    assert_int_equal(doc->n_fallbacks, 0);
                    char *text = kl_doc__text(doc->root);
                    const char *all = doc->sms ? doc->sms : text;
                    if (strchr(all, '{') || strchr(all, '}'))
                        fail_msg("%s, member %s: an unfilled placeholder in: %s", names[t], m->id,
                                 all);
                    kl_free(text);
                    kl_doc__free(doc);
                    composed++;
                }
            }
        }
        kl_template_free(tpl);
    }
    /* 10 members with 11 channels in all, 3 variants, 4 letters. */
    assert_int_equal(composed, 4 * 3 * 11);
    kl_review_free(rv);
    kl_catalog_set_free(set);
    kl_context_free(ctx);
}

/* Easy Read (issue 22): every point has its picture with alt text beside it,
 * the body is at least 16 pt, the credit is printed small; a member whose
 * language has no easy_read table gets no letter at all, even with the
 * language fallback allowed. */
static void test_easy_read(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    kl_catalog_set *set = NULL;
    kl_review *rv = NULL;
    assert_int_equal(kl_catalog_set_open(ctx, NULL, &set), 0);
    assert_int_equal(
        kl_review_load_file(ctx, kl_test_src("templates/example/review.xml"), NULL, &rv), 0);
    const char *names[] = {"notification", "invitation", "update", "outcome"};
    const kl_member *er = kl_review_find_member(rv, "m10");
    const kl_member *pl = kl_review_find_member(rv, "m01");
    assert_non_null(er);
    assert_int_equal(er->reading, KL_READING_EASY_READ);
    assert_true(er->print_size >= 16);
    for (size_t t = 0; t < 4; t++) {
        kl_template *tpl = NULL;
        assert_int_equal(kl_template_load_name(ctx, names[t], &tpl), 0);
        kl_doc *doc = NULL;
        if (kl_compose__letter(ctx, tpl, rv, er, KL_CHANNEL_POST, set, NULL, &doc))
            fail_msg("%s: %s", names[t], kl_context_last_error(ctx)->message);
        assert_true(doc->body_pt >= 16);
        size_t points = 0, credits = 0;
        for (const kl_node *n = doc->root; n; n = kl_doc__next(doc->root, n)) {
            if (n->kind == KL_NODE_PARAGRAPH && n->small) {
                assert_non_null(strstr(n->text, "OpenMoji"));
                credits++;
            }
            if (n->kind != KL_NODE_POINT)
                continue;
            points++;
            const kl_node *f = n->first;
            assert_non_null(f);
            assert_int_equal(f->kind, KL_NODE_FIGURE);
            assert_non_null(f->src);
            assert_non_null(strstr(f->src, "templates/pictures/"));
            assert_non_null(f->alt);
            assert_true(strlen(f->alt) > 3);
            assert_non_null(f->next);
            assert_int_equal(f->next->kind, KL_NODE_PARAGRAPH);
        }
        assert_true(points >= 10);
        assert_int_equal(credits, 1);
        kl_doc__free(doc);

        /* Polish has no Easy Read: fails closed, naming the member and the language. */
        for (int fallback = 0; fallback <= 1; fallback++) {
            kl_letter_options o = KL_LETTER_OPTIONS_INIT;
            o.variant = KL_READING_EASY_READ;
            o.allow_language_fallback = fallback;
            doc = NULL;
            assert_int_equal(kl_compose__letter(ctx, tpl, rv, pl, KL_CHANNEL_POST, set, &o, &doc),
                             KL_ENOTFOUND);
            assert_null(doc);
            const kl_diagnostic *e = kl_context_last_error(ctx);
            assert_string_equal(e->member_id, "m01");
            assert_non_null(strstr(e->message, "'pl'"));
            assert_non_null(strstr(e->message, "easy_read"));
        }
        kl_template_free(tpl);
    }
    kl_review_free(rv);
    kl_catalog_set_free(set);
    kl_context_free(ctx);
}

/* A bilingual text message over 3 parts goes out in the first language
 * alone (the letter keeps both), with a warning; never a refused SMS. */
static void test_bilingual_sms_too_long_sends_first_language(void **state)
{
    (void)state;
    kl_test_diags d;
    kl_context *ctx = kl_test_context(&d);
    char *xml = NULL;
    size_t len = 0;
    assert_int_equal(
        kl_core__read_file(ctx, kl_test_src("templates/example/review.xml"), 1 << 20, &xml, &len),
        0);
    const char *post = "<contact channel=\"post\">\n        <address><line>5 Mill Lane</line>"
                       "<town>Easton</town><postcode>NT4 1RS</postcode></address>\n      "
                       "</contact>";
    char *at = strstr(xml, post);
    assert_non_null(at);
    kl_buf b = KL_BUF_INIT;
    kl_core__buf_append(&b, xml, (size_t)(at - xml));
    kl_core__buf_puts(&b, "<contact channel=\"sms\" phone=\"07700 900789\"/>");
    kl_core__buf_puts(&b, at + strlen(post));
    kl_review *rv = NULL;
    assert_int_equal(kl_review_load_buffer(ctx, b.data, b.len, "review.xml",
                                           kl_test_src("templates/example"), NULL, &rv),
                     0);
    kl_template *tpl = NULL;
    kl_catalog_set *set = NULL;
    assert_int_equal(kl_template_load_name(ctx, "notification", &tpl), 0);
    assert_int_equal(kl_catalog_set_open(ctx, NULL, &set), 0);
    kl_letter *letter = NULL;
    assert_int_equal(kl_letter_compose(ctx, tpl, set, rv, kl_review_find_member(rv, "m09"),
                                       KL_CHANNEL_SMS, NULL, &letter),
                     0);
    const kl_doc *doc = kl_letter__doc(letter);
    kl_sms_info whole;
    assert_int_equal(kl_plain__sms(doc->sms, &whole), KL_ELIMIT); /* both: over 3 parts */
    char *sms = NULL;
    kl_sms_info info = KL_SMS_INFO_INIT;
    d.n = 0;
    assert_int_equal(kl_letter_render_sms(ctx, letter, &sms, &info), 0);
    assert_true(info.segments <= 3);
    assert_int_equal(strlen(sms), doc->sms_first_len);
    assert_null(strstr(sms, "Hello")); /* the English half is not there */
    assert_true(kl_test_find_diag(&d, "only the pa text is sent") >= 0);
    kl_free(sms);
    kl_letter_free(letter);
    kl_catalog_set_free(set);
    kl_template_free(tpl);
    kl_review_free(rv);
    kl_core__buf_free(&b);
    kl_free(xml);
    kl_context_free(ctx);
}

/* An email opens by saying a letter is attached (and how to get help with
 * it), then carries the letter in full for anyone who cannot open the PDF. */
static void test_email_opens_with_its_intro(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    kl_catalog_set *set = NULL;
    kl_review *rv = NULL;
    kl_template *tpl = NULL;
    assert_int_equal(kl_catalog_set_open(ctx, NULL, &set), 0);
    assert_int_equal(
        kl_review_load_file(ctx, kl_test_src("templates/example/review.xml"), NULL, &rv), 0);
    assert_int_equal(kl_template_load_name(ctx, "notification", &tpl), 0);
    kl_letter *letter = NULL;
    assert_int_equal(kl_letter_compose(ctx, tpl, set, rv, kl_review_find_member(rv, "m03"),
                                       KL_CHANNEL_EMAIL, NULL, &letter),
                     0);
    char *subject = NULL, *body = NULL;
    assert_int_equal(kl_letter_render_email(ctx, letter, &subject, &body), 0);
    const char *intro = kl_letter__doc(letter)->email_intro;
    assert_non_null(intro);
    /* The intro's first words open the body; the letter follows, after it. */
    assert_int_equal(strncmp(body, intro, 20), 0);
    const char *dear = strstr(body, "Dear Kacper,");
    assert_non_null(dear);
    assert_true(strstr(body, "01632 960456") < dear); /* how to get help comes first */
    assert_null(strstr(subject, "Amelia"));           /* inbox previews name nobody */
    kl_free(subject);
    kl_free(body);
    /* A post letter has no email opening. */
    kl_letter_free(letter);
    assert_int_equal(kl_letter_compose(ctx, tpl, set, rv, kl_review_find_member(rv, "m01"),
                                       KL_CHANNEL_POST, NULL, &letter),
                     0);
    assert_null(kl_letter__doc(letter)->email_intro);
    kl_letter_free(letter);
    kl_template_free(tpl);
    kl_review_free(rv);
    kl_catalog_set_free(set);
    kl_context_free(ctx);
}

/* A translated letter marks text that is wholly review data in English (an
 * agency's name, a free-text role) as English for the PDF; an English letter
 * does not. */
static void test_review_data_marked_english(void **state)
{
    fixture *f = *state;
    kl_letter_options o = KL_LETTER_OPTIONS_INIT;
    o.allow_language_fallback = 1; /* the test catalog's Polish is partial */
    kl_doc *doc = compose(f, "m01", KL_CHANNEL_POST, &o, 0);
    const kl_node *sig = find(doc, KL_NODE_SIGNATURE, NULL);
    assert_non_null(sig);
    const kl_node *role = sig->last;
    assert_string_equal(role->text, "family contact for the review");
    assert_non_null(role->data_lang);
    assert_string_equal(role->data_lang, "en-GB");
    const kl_node *list = find(doc, KL_NODE_LIST, NULL);
    assert_string_equal(list->first->text, "Testshire Children's Social Care");
    assert_string_equal(list->first->data_lang, "en-GB");
    assert_null(sig->first->data_lang); /* the catalog's own sign-off */
    kl_doc__free(doc);
    doc = compose(f, "m02", KL_CHANNEL_POST, NULL, 0);
    assert_null(find(doc, KL_NODE_SIGNATURE, NULL)->last->data_lang);
    kl_doc__free(doc);
}

/* A free-text role inside a sentence of a Polish letter is a run marked
 * English (its bytes, the value alone), and the text outputs isolate it
 * (FSI..PDI) exactly once; an English letter has no such runs. */
static void test_review_data_in_sentence(void **state)
{
    fixture *f = *state;
    kl_letter_options o = KL_LETTER_OPTIONS_INIT;
    o.allow_language_fallback = 1; /* the test catalog's Polish is partial */
    kl_doc *doc = compose(f, "m01", KL_CHANNEL_POST, &o, 0);
    const kl_node *p = find(doc, KL_NODE_PARAGRAPH, "t.bye");
    assert_non_null(p);
    static const char want[] = "Do widzenia (standard). Przegląd prowadzi Dr Helen Price "
                               "(\u2068independent reviewer\u2069).";
    assert_string_equal(p->text, want);
    assert_int_equal(p->n_spans, 1);
    assert_string_equal(p->spans[0].lang, "en-GB");
    assert_int_equal(p->spans[0].len, strlen("independent reviewer"));
    assert_memory_equal(p->text + p->spans[0].start, "independent reviewer",
                        strlen("independent reviewer"));
    assert_null(p->data_lang); /* the sentence itself is Polish */
    /* A whole line of review data is data_lang, not a run; no other node has runs. */
    for (const kl_node *n = doc->root; n; n = kl_doc__next(doc->root, n))
        if (n != p)
            assert_int_equal(n->n_spans, 0);
    char *text = NULL;
    assert_int_equal(kl_plain__text(f->ctx, doc, 200, &text), 0);
    const char *at = strstr(text, "\u2068independent reviewer\u2069)");
    assert_non_null(at);
    assert_null(strstr(at + 1, "\u2068independent reviewer")); /* once */
    assert_null(strstr(text, "\u2068\u2068"));                 /* not isolated twice */
    assert_null(strstr(text, "\uFDD0"));                       /* no sentinel leaks */
    assert_null(strstr(text, "\uFDD1"));
    kl_free(text);
    char *subject = NULL, *body = NULL;
    assert_int_equal(kl_plain__email(f->ctx, doc, &subject, &body), 0);
    /* (wrapped at 72 columns: the run may break across lines) */
    const char *open = strstr(body, "(\u2068independent"); /* "(" and FSI: 4 bytes */
    if (!open || !strstr(open, "reviewer\u2069).") || strstr(open + 4, "\u2068independent"))
        fail_msg("the role is not one isolated run in the email: %s", body);
    kl_free(subject);
    kl_free(body);
    kl_doc__free(doc);
    /* English: the same value is not a run of another language, nor isolated. */
    doc = compose(f, "m02", KL_CHANNEL_POST, NULL, 0);
    for (const kl_node *n = doc->root; n; n = kl_doc__next(doc->root, n)) {
        assert_int_equal(n->n_spans, 0);
        assert_true(!n->text || !strstr(n->text, "\u2068"));
    }
    kl_doc__free(doc);
}

/* A message holding more runs of review data than there once was room for
 * (8): every run is still marked English, in order. */
static void test_many_runs_in_one_message(void **state)
{
    fixture *f = *state;
    static const char tpl_xml[] =
        "<letter xmlns=\"urn:kinletter:template:1\" name=\"many\" title=\"t.title\" "
        "subject=\"t.subject\"><p msg=\"t.many\"/></letter>";
    kl_template *tpl = NULL;
    assert_int_equal(kl_template_load_buffer(f->ctx, tpl_xml, strlen(tpl_xml), "many.xml", &tpl),
                     0);
    const kl_member *m = kl_review_find_member(f->review, "m01");
    kl_letter_options o = KL_LETTER_OPTIONS_INIT;
    o.allow_language_fallback = 1;
    kl_doc *doc = NULL;
    assert_int_equal(
        kl_compose__letter(f->ctx, tpl, f->review, m, KL_CHANNEL_POST, f->set, &o, &doc), 0);
    const kl_node *p = find(doc, KL_NODE_PARAGRAPH, "t.many");
    assert_non_null(p);
    assert_int_equal(p->n_spans, 10);
    size_t prev = 0;
    for (size_t i = 0; i < p->n_spans; i++) {
        assert_memory_equal(p->text + p->spans[i].start, "independent reviewer",
                            strlen("independent reviewer"));
        assert_true(i == 0 || p->spans[i].start > prev);
        prev = p->spans[i].start;
    }
    kl_doc__free(doc);
    kl_template_free(tpl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_post_letter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_review_data_marked_english, setup, teardown),
        cmocka_unit_test_setup_teardown(test_review_data_in_sentence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_runs_in_one_message, setup, teardown),
        cmocka_unit_test_setup_teardown(test_young_person_email, setup, teardown),
        cmocka_unit_test_setup_teardown(test_child_gender_selects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_message_is_an_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fallback_when_allowed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bilingual, setup, teardown),
        cmocka_unit_test_setup_teardown(test_who_gets_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_public_letter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alloc_failures, setup, teardown),
        cmocka_unit_test(test_shipped_catalog_all_relationships),
        cmocka_unit_test(test_example_every_template_variant_member),
        cmocka_unit_test(test_questions_and_answers),
        cmocka_unit_test(test_easy_read),
        cmocka_unit_test(test_bilingual_sms_too_long_sends_first_language),
        cmocka_unit_test(test_email_opens_with_its_intro),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
