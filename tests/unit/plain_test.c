/* SPDX-License-Identifier: MIT */
/* tests/unit/plain_test.c: plain text, email wrapping and text-message segments. */
#include "support.h"
#include "plain/plain.h"

#include <stdio.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/ustring.h>

/* Display columns of one line (wide characters count 2). */
static unsigned columns(const char *s, size_t len)
{
    UChar u[1024];
    int32_t n = 0;
    UErrorCode st = U_ZERO_ERROR;
    u_strFromUTF8(u, 1024, &n, s, (int32_t)len, &st);
    assert_true(U_SUCCESS(st));
    unsigned w = 0;
    for (int32_t i = 0; i < n; i++) {
        int ea = u_getIntPropertyValue(u[i], UCHAR_EAST_ASIAN_WIDTH);
        w += ea == U_EA_WIDE || ea == U_EA_FULLWIDTH ? 2 : 1;
    }
    return w;
}

static void assert_lines_fit(const char *text, unsigned width)
{
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (columns(p, len) > width)
            fail_msg("line wider than %u: '%.*s'", width, (int)len, p);
        assert_true(len == 0 || p[len - 1] != ' '); /* no trailing spaces */
        p += len + (nl ? 1 : 0);
    }
}

/* The words of a text, separated by single spaces. */
static void squash(const char *in, char *out, size_t cap)
{
    size_t o = 0;
    bool space = false;
    for (const char *p = in; *p && o + 1 < cap; p++) {
        if (*p == ' ' || *p == '\n') {
            space = o > 0;
            continue;
        }
        if (space && o + 2 < cap)
            out[o++] = ' ';
        space = false;
        out[o++] = *p;
    }
    out[o] = '\0';
}

static const char *para_text =
    "We are writing to tell you that the Testshire Safeguarding Children Partnership has "
    "decided to carry out a review of what happened to Amelia. You can read more at "
    "https://testshire-scp.example/family-reviews/information-for-families or write to "
    "sam.okafor@testshire-scp.example at any time, and we will answer every question.";

static void test_wrap_72(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    kl_buf b = KL_BUF_INIT;
    assert_int_equal(kl_plain__wrap(ctx, &b, para_text, "en-GB", 72, "", ""), 0);
    assert_lines_fit(b.data, 72);
    /* no word lost or split */
    char a[2048], c[2048];
    squash(para_text, a, sizeof a);
    squash(b.data, c, sizeof c);
    assert_string_equal(a, c);
    /* the URL and the email address are each whole on one line */
    assert_non_null(strstr(b.data, "\nhttps://testshire-scp.example/family-reviews/"
                                   "information-for-families"));
    assert_non_null(strstr(b.data, "sam.okafor@testshire-scp.example"));
    assert_true(strchr(b.data, '\n') - b.data > 60); /* greedy: lines are filled */
    kl_core__buf_free(&b);
    kl_context_free(ctx);
}

/* No word is split at its hyphen ("multi-agency", Portuguese "diga-nos"). */
static void test_wrap_keeps_hyphenated_words(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    for (unsigned width = 20; width <= 72; width++) {
        kl_buf b = KL_BUF_INIT;
        assert_int_equal(kl_plain__wrap(ctx, &b,
                                        "We are writing about a multi-agency review. Por favor, "
                                        "diga-nos quando puder, passo-a-passo.",
                                        "pt", width, "", ""),
                         0);
        for (const char *p = strchr(b.data, '\n'); p; p = strchr(p + 1, '\n'))
            if (p > b.data && p[-1] == '-')
                fail_msg("width %u: a line ends in a hyphen:\n%s", width, b.data);
        kl_core__buf_free(&b);
    }
    kl_context_free(ctx);
}

static void test_wrap_url_longer_than_line(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    kl_buf b = KL_BUF_INIT;
    const char *url = "https://example.example/a-very-long-path/that-goes-on-and-on/and-on-and-on/"
                      "and-further-still";
    char text[512];
    snprintf(text, sizeof text, "See %s today.", url);
    assert_int_equal(kl_plain__wrap(ctx, &b, text, "en-GB", 72, "", ""), 0);
    /* Better a long line than a link cut in two. */
    char expect[512];
    snprintf(expect, sizeof expect, "See\n%s\ntoday.\n", url);
    assert_string_equal(b.data, expect);
    kl_core__buf_free(&b);
    kl_context_free(ctx);
}

static void test_wrap_indent_and_chinese(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    kl_buf b = KL_BUF_INIT;
    /* (the first two sentences: no URL wider than the line) */
    char words[256];
    snprintf(words, sizeof words, "%.*s", (int)(strstr(para_text, " You can") - para_text),
             para_text);
    assert_int_equal(kl_plain__wrap(ctx, &b, words, "en-GB", 40, "  - ", "    "), 0);
    assert_lines_fit(b.data, 40);
    assert_memory_equal(b.data, "  - We", 6);
    assert_memory_equal(strchr(b.data, '\n') + 1, "    ", 4);
    kl_core__buf_clear(&b);
    /* CJK: two columns a character, and no line starts with a closing mark. */
    const char *zh = "我们写信告诉您，儿童保护伙伴关系已决定对发生在阿米莉亚身上的事情进行审查。"
                     "您可以随时与我们联系，我们会尽可能诚实地回答您的每一个问题。";
    assert_int_equal(kl_plain__wrap(ctx, &b, zh, "zh", 30, "", ""), 0);
    assert_lines_fit(b.data, 30);
    for (const char *p = b.data; (p = strchr(p, '\n')) && p[1]; p++)
        assert_true(strncmp(p + 1, "，", strlen("，")) != 0 &&
                    strncmp(p + 1, "。", strlen("。")) != 0);
    kl_core__buf_free(&b);
    kl_context_free(ctx);
}

static kl_doc *small_doc(void)
{
    kl_doc *doc = kl_doc__new("en-GB");
    kl_doc__set(&doc->title, "Letter about Amelia");
    kl_doc__set(&doc->subject, "About the review:\nAmelia");
    kl_node *h = kl_doc__add(doc->root, KL_NODE_HEADING, "What happened");
    h->level = 1;
    kl_doc__add(doc->root, KL_NODE_PARAGRAPH, para_text);
    kl_node *l = kl_doc__add(doc->root, KL_NODE_LIST, NULL);
    l->ordered = 1;
    kl_doc__add(l, KL_NODE_ITEM, "We read the records.");
    kl_doc__add(l, KL_NODE_ITEM, "We talk to you.");
    kl_node *c = kl_doc__add(doc->root, KL_NODE_CONTACT, NULL);
    kl_node *r = kl_doc__add(c, KL_NODE_ROW, "01632 960456");
    kl_doc__set(&r->label, "Phone");
    kl_node *s = kl_doc__add(doc->root, KL_NODE_SIGNATURE, NULL);
    kl_doc__add(s, KL_NODE_LINE, "Yours sincerely,");
    kl_doc__add(s, KL_NODE_LINE, "Sam Okafor");
    return doc;
}

static void test_text_and_email(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    kl_doc *doc = small_doc();
    char *text = NULL;
    assert_int_equal(kl_plain__text(ctx, doc, 72, &text), 0);
    assert_memory_equal(text, "What happened\n=============\n\nWe are writing", 43);
    assert_non_null(strstr(text, "\n\n 1. We read the records.\n 2. We talk to you.\n\n"));
    assert_non_null(strstr(text, "\n\nPhone: 01632 960456\n\nYours sincerely,\nSam Okafor\n"));
    assert_int_equal(text[strlen(text) - 1], '\n');
    assert_int_not_equal(text[strlen(text) - 2], '\n');
    assert_lines_fit(text, 72);
    kl_free(text);

    char *subject = NULL, *body = NULL;
    assert_int_equal(kl_plain__email(ctx, doc, &subject, &body), 0);
    assert_string_equal(subject, "About the review: Amelia"); /* one line */
    assert_lines_fit(body, 72);
    kl_free(subject);
    kl_free(body);
    kl_doc__free(doc);
    kl_context_free(ctx);
}

/* The text the disclosure check reads of a printed letter is not wrapped (KL_PLAIN_NOWRAP:
 * nobody reads its lines), so it must hold every word of the wrapped text, in order, and split
 * no paragraph's word or number across lines that wrapping would keep whole. */
static void test_check_text_has_every_word(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    kl_doc *doc = small_doc();
    char *wrapped = NULL, *flat = NULL;
    assert_int_equal(kl_plain__text(ctx, doc, 72, &wrapped), 0);
    assert_int_equal(kl_plain__text(ctx, doc, KL_PLAIN_NOWRAP, &flat), 0);
    static char a[8192], b[8192];
    squash(wrapped, a, sizeof a);
    squash(flat, b, sizeof b);
    assert_string_equal(a, b);
    /* Fewer lines: the long paragraph is one line, its URL and email address whole. */
    size_t lw = 0, lf = 0;
    for (const char *p = wrapped; *p; p++)
        lw += *p == '\n';
    for (const char *p = flat; *p; p++)
        lf += *p == '\n';
    assert_true(lf < lw);
    assert_non_null(strstr(flat, "at any time, and we will answer every question.\n"));
    assert_non_null(strstr(flat, "\n 1. We read the records.\n 2. We talk to you.\n"));
    kl_free(wrapped);
    kl_free(flat);
    kl_doc__free(doc);
    kl_context_free(ctx);
}

static void repeat(char *out, const char *unit, size_t n)
{
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        strcat(out, unit);
}

static void test_sms_segments(void **state)
{
    (void)state;
    static char s[8192];
    kl_sms_info info;

    repeat(s, "a", 160);
    assert_int_equal(kl_plain__sms(s, &info), 0);
    assert_int_equal(info.segments, 1);
    assert_false(info.ucs2);
    repeat(s, "a", 161);
    assert_int_equal(kl_plain__sms(s, &info), 0);
    assert_int_equal(info.segments, 2);
    repeat(s, "a", 459);
    assert_int_equal(kl_plain__sms(s, &info), 0);
    assert_int_equal(info.segments, 3);

    /* GSM extension characters take two septets; £ and é are in the basic set. */
    repeat(s, "€", 80);
    assert_int_equal(kl_plain__sms(s, &info), 0);
    assert_int_equal(info.units, 160);
    assert_int_equal(info.segments, 1);
    repeat(s, "£é", 80);
    assert_int_equal(kl_plain__sms(s, &info), 0);
    assert_false(info.ucs2);
    assert_int_equal(info.units, 160);

    /* Welsh ŵ and Polish ą are outside GSM-7: UCS-2, 70 a part, 67 when split. */
    repeat(s, "a", 69);
    strcat(s, "ŵ");
    assert_int_equal(kl_plain__sms(s, &info), 0);
    assert_true(info.ucs2);
    assert_int_equal(info.units, 70);
    assert_int_equal(info.segments, 1);
    strcat(s, "ą");
    assert_int_equal(kl_plain__sms(s, &info), 0);
    assert_int_equal(info.segments, 2);
    const char *pl = "Prosimy o kontakt: Sam Okafor, tel. 01632 960456. Dziękujemy.";
    assert_int_equal(kl_plain__sms(pl, &info), 0);
    assert_true(info.ucs2);
    assert_int_equal(info.segments, 1);
    const char *en = "Testshire Safeguarding Children Partnership would like to talk to you. "
                     "Please call Sam Okafor on 01632 960456.";
    assert_int_equal(kl_plain__sms(en, &info), 0);
    assert_false(info.ucs2);
    assert_int_equal(info.segments, 1);

    /* Over three parts: refused, with the count. */
    repeat(s, "a", 460);
    assert_int_equal(kl_plain__sms(s, &info), KL_ELIMIT);
    assert_int_equal(info.segments, 4);
    repeat(s, "ŵ", 202);
    assert_int_equal(kl_plain__sms(s, &info), KL_ELIMIT);
    assert_int_equal(info.segments, 4);

    kl_test_diags d;
    kl_context *ctx = kl_test_context(&d);
    info.size = sizeof info; /* kl_sms_measure writes as far as the caller's size says */
    assert_int_equal(kl_sms_measure(ctx, s, &info), KL_ELIMIT);
    assert_non_null(strstr(kl_context_last_error(ctx)->message, "4 parts"));
    assert_int_equal(kl_sms_measure(ctx, "\xff", &info), KL_EPARSE);
    kl_context_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wrap_72),
        cmocka_unit_test(test_wrap_keeps_hyphenated_words),
        cmocka_unit_test(test_wrap_url_longer_than_line),
        cmocka_unit_test(test_wrap_indent_and_chinese),
        cmocka_unit_test(test_text_and_email),
        cmocka_unit_test(test_check_text_has_every_word),
        cmocka_unit_test(test_sms_segments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
