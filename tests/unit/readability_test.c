/* SPDX-License-Identifier: MIT */
/* tests/unit/readability_test.c: syllables, counts, formulas, words to avoid, kindness, thresholds.
 */
#include "support.h"

#include "check/check_internal.h"
#include "compose/compose.h"
#include "kinletter.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- syllables ------------------------------------------------------------- */

/* Each count checked by hand against a dictionary's syllable division. */
static const struct {
    const char *word;
    unsigned n;
} syllable_list[] = {
    {"review", 2},
    {"happened", 2},
    {"services", 3},
    {"family", 3},
    {"children", 2},
    {"safeguarding", 3},
    {"independent", 4},
    {"investigation", 5},
    {"disciplinary", 5},
    {"publication", 4},
    {"advocate", 3},
    {"interpreter", 4},
    {"bereavement", 3},
    {"honestly", 3},
    {"journalists", 3},
    {"experience", 4},
    {"understand", 3},
    {"organisation", 5},
    {"available", 4},
    {"through", 1},
    {"although", 2},
    {"area", 3},
    {"idea", 3},
    {"usually", 4},
    {"actually", 4},
    {"closed", 1},
    {"needed", 2},
    {"decided", 3},
    {"asked", 1},
    {"worried", 2},
    {"tried", 1},
    {"planned", 1},
    {"published", 2},
    {"finished", 2},
    {"harmed", 1},
    {"seriously", 4},
    {"cannot", 2},
    {"whether", 2},
    {"completely", 3},
    {"statement", 2},
    {"arrangement", 3},
    {"settlement", 3},
    {"careful", 2},
    {"someone", 2},
    {"sometimes", 2},
    {"everyone", 3},
    {"therefore", 2},
    {"likely", 2},
    {"people", 2},
    {"little", 2},
    {"table", 2},
    {"tables", 2},
    {"centre", 2},
    {"care", 1},
    {"time", 1},
    {"makes", 1},
    {"changes", 2},
    {"being", 2},
    {"doing", 2},
    {"going", 2},
    {"saying", 2},
    {"player", 2},
    {"employer", 3},
    {"period", 3},
    {"radio", 3},
    {"video", 3},
    {"various", 3},
    {"religious", 3},
    {"social", 2},
    {"media", 3},
    {"Amelia", 4},
    {"million", 2},
    {"opinion", 3},
    {"nation", 2},
    {"police", 2},
    {"whose", 1},
    {"whole", 1},
    {"issue", 2},
    {"continue", 3},
    {"quality", 3},
    {"language", 2},
    {"guard", 1},
    {"baby", 2},
    {"day", 1},
    {"you", 1},
    {"any", 2},
    {"are", 1},
    {"the", 1},
    {"eye", 1},
    {"one", 1},
    {"reviewer", 3},
    {"Samaritans", 4},
    {"family\xe2\x80\x99s", 3},
    {"don\xe2\x80\x99t", 1},
    {"caf\xc3\xa9", 2},
    {"client", 2},
    {"diet", 2},
    {"fluent", 2},
    {"influence", 3},
    {"actual", 3},
    {"situation", 4},
    {"evaluate", 4},
    {"violence", 3},
    {"trouble", 2},
    {"troubled", 2},
    {"called", 1},
    {"settled", 2},
    {"agreement", 3},
    {"agreed", 2},
    {"free", 1},
    {"movie", 2},
    {"families", 3},
    {"worked", 1},
    {"involved", 2},
    {"types", 1},
    {"hopeful", 2},
    {"lonely", 2},
    {"here", 1},
    {"figure", 2},
    {"before", 2},
    {"question", 2},
    {"support", 2},
    {"meeting", 2},
    {"phone", 1},
    {"email", 2},
    {"website", 2},
    {"Wales", 1},
    {"Childline", 2},
};

static void syllables_match_the_hand_checked_list(void **state)
{
    (void)state;
    size_t wrong = 0;
    for (size_t i = 0; i < sizeof syllable_list / sizeof syllable_list[0]; i++) {
        const char *w = syllable_list[i].word;
        unsigned got = kl_readability_syllables_en(w, strlen(w));
        if (got != syllable_list[i].n) {
            print_message("%s: %u syllables, expected %u\n", w, got, syllable_list[i].n);
            wrong++;
        }
    }
    assert_int_equal(wrong, 0);
    assert_int_equal(kl_readability_syllables_en("2027", 4), 0); /* no letters */
}

/* ---- documents built by hand ------------------------------------------------- */

typedef struct fixture {
    kl_test_diags diags;
    kl_context *ctx;
    kl_catalog_set *set;
    kl_review *rv;
    kl_doc *doc;
    kl_node *body;
    kl_readability *r;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->ctx = kl_test_context(&f->diags);
    assert_int_equal(kl_catalog_set_open(f->ctx, NULL, &f->set), 0);
    assert_int_equal(
        kl_review_load_file(f->ctx, kl_test_src("templates/example/review.xml"), NULL, &f->rv), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    kl_readability_free(f->r);
    kl_doc__free(f->doc);
    kl_review_free(f->rv);
    kl_catalog_set_free(f->set);
    kl_context_free(f->ctx);
    free(f);
    return 0;
}

static void new_doc(fixture *f, const char *lang)
{
    kl_doc__free(f->doc);
    f->doc = kl_doc__new(lang);
    assert_non_null(f->doc);
    f->body = f->doc->root;
}

static kl_node *add(fixture *f, kl_node_kind kind, const char *msgid, const char *text)
{
    kl_node *n = kl_doc__add(f->body, kind, text);
    assert_non_null(n);
    if (msgid)
        assert_int_equal(kl_doc__set(&n->msgid, msgid), 0);
    if (kind == KL_NODE_HEADING)
        n->level = 2;
    return n;
}

static void run(fixture *f, kl_reading variant)
{
    kl_readability_free(f->r);
    f->r = NULL;
    assert_int_equal(kl_check__readability_doc(f->ctx, f->doc, f->set, f->rv, variant, &f->r), 0);
}

/* The n-th finding of a kind, or NULL. */
static const kl_read_finding *find(const fixture *f, kl_read_kind kind, size_t nth)
{
    for (size_t i = 0; i < kl_readability_finding_count(f->r); i++) {
        const kl_read_finding *x = kl_readability_finding(f->r, i);
        if (x->kind == kind && nth-- == 0)
            return x;
    }
    return NULL;
}

static size_t count(const fixture *f, kl_read_kind kind)
{
    size_t n = 0;
    while (find(f, kind, n))
        n++;
    return n;
}

static void condolence(fixture *f)
{
    add(f, KL_NODE_PARAGRAPH, "notification.condolence",
        "We are so very sorry about the death of your daughter Amelia.");
}

static void counts_sentences_and_words_with_icu(void **state)
{
    fixture *f = *state;
    new_doc(f, "en-GB");
    add(f, KL_NODE_HEADING, "h", "What the review is"); /* a heading is not prose */
    add(f, KL_NODE_PARAGRAPH, "p1", "Families often know things. That is why we write to you.");
    add(f, KL_NODE_PARAGRAPH, "p2", "It will finish by 28 May 2027.");
    add(f, KL_NODE_ITEM, "common.agency", "Northshire Police"); /* a name from the review */
    run(f, KL_READING_STANDARD);
    assert_int_equal(kl_readability_section_count(f->r), 1);
    const kl_read_stats *st = kl_readability_section(f->r, 0);
    assert_string_equal(st->lang, "en-GB");
    assert_int_equal(st->sentences, 3);
    assert_int_equal(st->words, 4 + 7 + 7);
    assert_int_equal(st->longest, 7);
    assert_string_equal(st->longest_msgid, "p1");
    assert_int_equal(st->limit, 25);
    assert_true(st->few_words); /* scores under 100 words are not enforced */
}

static void flesch_and_grade_follow_the_formulas(void **state)
{
    fixture *f = *state;
    new_doc(f, "en-GB");
    /* 6 words, 1 sentence, 6 syllables. */
    add(f, KL_NODE_PARAGRAPH, "p", "The cat sat on the mat.");
    run(f, KL_READING_STANDARD);
    const kl_read_stats *st = kl_readability_section(f->r, 0);
    assert_int_equal(st->syllables, 6);
    assert_true(st->has_flesch);
    assert_true(fabs(st->flesch - (206.835 - 1.015 * 6 - 84.6 * 1)) < 1e-9);
    assert_true(fabs(st->fk_grade - (0.39 * 6 + 11.8 * 1 - 15.59)) < 1e-9);
    /* LIX: 6 words a sentence, no word over 6 letters. */
    assert_true(st->has_lix);
    assert_true(fabs(st->lix - 6.0) < 1e-9);
}

static void other_languages_get_lix_and_no_word_list(void **state)
{
    fixture *f = *state;
    new_doc(f, "pl");
    /* 8 words in 2 sentences; 3 have more than 6 letters. */
    add(f, KL_NODE_PARAGRAPH, "p", "Informujemy o przeglądzie. Możesz zadzwonić do nas dziś.");
    run(f, KL_READING_STANDARD);
    const kl_read_stats *st = kl_readability_section(f->r, 0);
    assert_int_equal(st->sentences, 2);
    assert_int_equal(st->words, 8);
    assert_false(st->has_flesch);
    assert_true(st->has_lix);
    assert_int_equal(st->long_words, 3); /* Informujemy, przeglądzie, zadzwonić */
    assert_true(fabs(st->lix - (4.0 + 100.0 * 3 / 8)) < 1e-9);
    assert_false(st->has_wordlist);
}

static void a_long_sentence_is_reported_with_its_message(void **state)
{
    fixture *f = *state;
    new_doc(f, "en-GB");
    condolence(f);
    /* 30 words. */
    add(f, KL_NODE_PARAGRAPH, "planted.long",
        "We are writing to you today. The reviewer will read the records that services kept "
        "about your family and will then talk with the staff who worked with your family over "
        "the last two whole years.");
    run(f, KL_READING_PLAIN);
    assert_int_equal(count(f, KL_READ_LONG_SENTENCE), 1);
    const kl_read_finding *x = find(f, KL_READ_LONG_SENTENCE, 0);
    assert_string_equal(x->msgid, "planted.long");
    assert_int_equal(x->words, 30);
    assert_non_null(strstr(x->text, "The reviewer will read"));
    assert_null(strstr(x->text, "today"));
    assert_non_null(strstr(x->what, "plain limit of 20"));
    assert_int_equal(kl_readability_section(f->r, 0)->over_limit, 1);
    assert_false(kl_readability_ok(f->r));
    /* The same sentence is within the standard limit of 25? No: 30 > 25. */
    run(f, KL_READING_STANDARD);
    assert_int_equal(count(f, KL_READ_LONG_SENTENCE), 1);
}

static void cold_words_and_jargon_are_reported_with_their_message(void **state)
{
    fixture *f = *state;
    new_doc(f, "en-GB");
    condolence(f);
    add(f, KL_NODE_PARAGRAPH, "planted.cold", "The review will look at the care of The Deceased.");
    add(f, KL_NODE_ITEM, "planted.jargon", "a multi-agency meeting");
    add(f, KL_NODE_PARAGRAPH, "fine", "Nothing subjective here, and no subjects either.");
    run(f, KL_READING_STANDARD);
    assert_int_equal(count(f, KL_READ_COLD), 1); /* "the deceased" once, not "deceased" again */
    const kl_read_finding *x = find(f, KL_READ_COLD, 0);
    assert_string_equal(x->msgid, "planted.cold");
    assert_string_equal(x->term, "The Deceased");
    assert_string_equal(x->text, "The review will look at the care of The Deceased.");
    assert_int_equal(count(f, KL_READ_JARGON), 1);
    assert_string_equal(find(f, KL_READ_JARGON, 0)->msgid, "planted.jargon");
    assert_string_equal(find(f, KL_READ_JARGON, 0)->term, "multi-agency");
    assert_int_equal(kl_readability_section(f->r, 0)->avoid_hits, 2);
    assert_true(kl_readability_section(f->r, 0)->has_wordlist);
}

static char *replace(const char *s, const char *from, const char *to)
{
    const char *at = strstr(s, from);
    assert_non_null(at);
    size_t n = strlen(s) - strlen(from) + strlen(to);
    char *out = malloc(n + 1);
    snprintf(out, n + 1, "%.*s%s%s", (int)(at - s), s, to, at + strlen(from));
    return out;
}

static void names_from_the_review_are_not_words_to_avoid(void **state)
{
    fixture *f = *state;
    /* A review whose reviewer has a jargon title: the review's words, not the catalog's. */
    char *xml = NULL;
    size_t len = 0;
    assert_int_equal(kl_core__read_file(f->ctx, kl_test_src("templates/example/review.xml"),
                                        1 << 20, &xml, &len),
                     0);
    char *changed = replace(xml, "role=\"independent-reviewer\"", "role=\"statutory reviewer\"");
    kl_free(xml);
    kl_review_free(f->rv);
    f->rv = NULL;
    assert_int_equal(kl_review_load_buffer(f->ctx, changed, strlen(changed), "review.xml",
                                           kl_test_src("templates/example"), NULL, &f->rv),
                     0);
    free(changed);
    new_doc(f, "en-GB");
    condolence(f);
    add(f, KL_NODE_PARAGRAPH, "p",
        "The review will be led by Dr Helen Price, the statutory reviewer. "
        "Sam Okafor is the family contact for the review.");
    run(f, KL_READING_STANDARD);
    assert_int_equal(count(f, KL_READ_JARGON), 0);
    /* The same word in the catalog's own text is found. */
    add(f, KL_NODE_PARAGRAPH, "planted.jargon", "This is a statutory review.");
    run(f, KL_READING_STANDARD);
    assert_int_equal(count(f, KL_READ_JARGON), 1);
    assert_string_equal(find(f, KL_READ_JARGON, 0)->msgid, "planted.jargon");
    /* The partnership's name spells out its initials, so "NSCP" after it is explained. */
    add(f, KL_NODE_PARAGRAPH, "q",
        "Northshire Safeguarding Children Partnership holds the review. The NSCP will write.");
    run(f, KL_READING_STANDARD);
    assert_int_equal(count(f, KL_READ_ABBREVIATION), 0);
}

static void abbreviations_must_be_spelled_out_at_first_use(void **state)
{
    fixture *f = *state;
    new_doc(f, "en-GB");
    condolence(f);
    add(f, KL_NODE_PARAGRAPH, "explained",
        "This is called a local child safeguarding practice review. You may hear it called an "
        "LCSPR for short.");
    add(f, KL_NODE_PARAGRAPH, "after", "An SCR (serious case review) is the older name.");
    add(f, KL_NODE_PARAGRAPH, "known", "Please talk to your GP.");
    add(f, KL_NODE_PARAGRAPH, "planted.abbr", "The MASH will look at it. The MASH meets weekly.");
    add(f, KL_NODE_PARAGRAPH, "again", "The LCSPR will take six months.");
    run(f, KL_READING_STANDARD);
    assert_int_equal(count(f, KL_READ_ABBREVIATION), 1); /* MASH, once */
    const kl_read_finding *x = find(f, KL_READ_ABBREVIATION, 0);
    assert_string_equal(x->msgid, "planted.abbr");
    assert_string_equal(x->term, "MASH");
    assert_string_equal(x->text, "The MASH will look at it.");
    assert_non_null(strstr(x->what, "spelled out"));
}

static void kindness_wants_condolence_before_the_review_is_explained(void **state)
{
    fixture *f = *state;
    new_doc(f, "en-GB");
    add(f, KL_NODE_PARAGRAPH, "notification.intro", "I am writing about a review about Amelia.");
    add(f, KL_NODE_HEADING, "notification.what.heading", "What the review is");
    condolence(f); /* too late */
    run(f, KL_READING_STANDARD);
    assert_int_equal(count(f, KL_READ_KINDNESS), 1);
    const kl_read_finding *x = find(f, KL_READ_KINDNESS, 0);
    assert_string_equal(x->msgid, "notification.what.heading");
    assert_non_null(strstr(x->what, "before it offers condolence"));

    new_doc(f, "en-GB");
    condolence(f);
    add(f, KL_NODE_HEADING, "notification.what.heading", "What the review is");
    run(f, KL_READING_STANDARD);
    assert_int_equal(count(f, KL_READ_KINDNESS), 0);
}

static void kindness_wants_the_child_named(void **state)
{
    fixture *f = *state;
    new_doc(f, "en-GB");
    condolence(f);
    /* "the child" in place of her name. */
    add(f, KL_NODE_PARAGRAPH, "planted.unnamed", "We will look at what happened to the child.");
    /* About children in general: fine. */
    add(f, KL_NODE_PARAGRAPH, "generic",
        "A review is held when a child has died. It asks how services protected the child.");
    /* Her full name where the family says Amelia. */
    add(f, KL_NODE_PARAGRAPH, "planted.full", "The review is about Amelia Nowak.");
    run(f, KL_READING_STANDARD);
    assert_int_equal(count(f, KL_READ_KINDNESS), 2);
    assert_string_equal(find(f, KL_READ_KINDNESS, 0)->msgid, "planted.unnamed");
    assert_string_equal(find(f, KL_READ_KINDNESS, 0)->term, "the child");
    assert_non_null(strstr(find(f, KL_READ_KINDNESS, 0)->what, "say \"Amelia\""));
    assert_string_equal(find(f, KL_READ_KINDNESS, 1)->msgid, "planted.full");

    /* A letter that never names her. */
    new_doc(f, "en-GB");
    add(f, KL_NODE_PARAGRAPH, "notification.condolence", "We are so very sorry for your loss.");
    run(f, KL_READING_STANDARD);
    assert_int_equal(count(f, KL_READ_KINDNESS), 1);
    assert_non_null(strstr(find(f, KL_READ_KINDNESS, 0)->what, "never names the child"));
}

static void survives_allocation_failures(void **state)
{
    fixture *f = *state;
    new_doc(f, "en-GB");
    condolence(f);
    add(f, KL_NODE_PARAGRAPH, "p", "The MASH will look at the care of the deceased child.");
    add(f, KL_NODE_ITEM, "i", "a multi-agency meeting");
    for (unsigned long n = 1; n < 5000; n++) {
        kl_readability *r = NULL;
        kl_core__alloc_fail_at(n, false);
        int rc = kl_check__readability_doc(f->ctx, f->doc, f->set, f->rv, KL_READING_PLAIN, &r);
        kl_core__alloc_fail_at(0, false);
        if (rc == 0) {
            assert_non_null(r);
            kl_readability_free(r);
            return;
        }
        assert_int_equal(rc, KL_ENOMEM);
        assert_null(r);
    }
    fail_msg("never succeeded");
}

/* ---- the shipped English letters --------------------------------------------- */

static void shipped_english_letters_meet_the_thresholds(void **state)
{
    (void)state;
    kl_test_diags diags;
    kl_context *ctx = kl_test_context(&diags);
    kl_catalog_set *set = NULL;
    assert_int_equal(kl_catalog_set_open(ctx, NULL, &set), 0);
    char *xml = NULL;
    size_t len = 0;
    assert_int_equal(
        kl_core__read_file(ctx, kl_test_src("templates/example/review.xml"), 1 << 20, &xml, &len),
        0);
    /* The mother (m01) reads English here, so the letters to a parent are measured as well as
     * those to a brother (m03). */
    char *en = replace(xml, "<language locale=\"pl\" interpreter=\"pl\"/>",
                       "<language locale=\"en-GB\"/>");
    char *harmed = replace(en, "outcome=\"died\"", "outcome=\"seriously-harmed\"");
    const char *reviews[] = {en, harmed};
    const char *templates[] = {"notification", "invitation", "update", "outcome"};
    const char *members[] = {"m01", "m03"};
    size_t letters = 0, failures = 0;
    for (size_t o = 0; o < 2; o++) {
        kl_review *rv = NULL;
        assert_int_equal(kl_review_load_buffer(ctx, reviews[o], strlen(reviews[o]), "review.xml",
                                               kl_test_src("templates/example"), NULL, &rv),
                         0);
        for (size_t t = 0; t < 4; t++) {
            kl_template *tpl = NULL;
            assert_int_equal(kl_template_load_name(ctx, templates[t], &tpl), 0);
            for (size_t m = 0; m < 2; m++) {
                const kl_member *mem = kl_review_find_member(rv, members[m]);
                assert_non_null(mem);
                for (int v = KL_READING_STANDARD; v <= KL_READING_YOUNG_PERSON; v++) {
                    kl_letter_options opts = KL_LETTER_OPTIONS_INIT;
                    opts.variant = v;
                    kl_letter *letter = NULL;
                    assert_int_equal(
                        kl_letter_compose(ctx, tpl, set, rv, mem, KL_CHANNEL_EMAIL, &opts, &letter),
                        0);
                    kl_readability *r = NULL;
                    assert_int_equal(kl_readability_check(ctx, letter, set, rv, (kl_reading)v, &r),
                                     0);
                    const kl_read_stats *st = kl_readability_section(r, 0);
                    assert_non_null(st);
                    assert_string_equal(st->lang, "en-GB");
                    assert_true(st->has_flesch && st->has_wordlist);
                    assert_false(st->few_words);
                    letters++;
                    if (!kl_readability_ok(r)) {
                        failures++;
                        print_message("%s %s %s %s: Flesch %.1f (at least %.0f), longest %u\n",
                                      o ? "harmed" : "died", templates[t], members[m],
                                      kl_reading_name((kl_reading)v), st->flesch, st->min_flesch,
                                      st->longest);
                        for (size_t i = 0; i < kl_readability_finding_count(r); i++) {
                            const kl_read_finding *x = kl_readability_finding(r, i);
                            print_message("  %s in %s: %s [%s]\n", kl_read_kind_name(x->kind),
                                          x->msgid ? x->msgid : "-", x->what,
                                          x->text ? x->text : "");
                        }
                    }
                    assert_true(st->flesch >= st->min_flesch || !kl_readability_ok(r));
                    kl_readability_free(r);
                    kl_letter_free(letter);
                }
            }
            kl_template_free(tpl);
        }
        kl_review_free(rv);
    }
    assert_int_equal(letters, 2 * 4 * 2 * 3);
    assert_int_equal(failures, 0);
    free(harmed);
    free(en);
    kl_free(xml);
    kl_catalog_set_free(set);
    kl_context_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(syllables_match_the_hand_checked_list),
        cmocka_unit_test_setup_teardown(counts_sentences_and_words_with_icu, setup, teardown),
        cmocka_unit_test_setup_teardown(flesch_and_grade_follow_the_formulas, setup, teardown),
        cmocka_unit_test_setup_teardown(other_languages_get_lix_and_no_word_list, setup, teardown),
        cmocka_unit_test_setup_teardown(a_long_sentence_is_reported_with_its_message, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(cold_words_and_jargon_are_reported_with_their_message,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(names_from_the_review_are_not_words_to_avoid, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(abbreviations_must_be_spelled_out_at_first_use, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(kindness_wants_condolence_before_the_review_is_explained,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(kindness_wants_the_child_named, setup, teardown),
        cmocka_unit_test_setup_teardown(survives_allocation_failures, setup, teardown),
        cmocka_unit_test(shipped_english_letters_meet_the_thresholds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
