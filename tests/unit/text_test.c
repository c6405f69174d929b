/* SPDX-License-Identifier: MIT */
/* tests/unit/text_test.c: font choice, bidi, shaping and line breaking. */
#include "support.h"
#include "text/font.h"
#include "text/fontset.h"

#include <hb-ot.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* kl_test_fonts: the project's fonts, loaded once by the group setup (support.c). */

static const kl_tpara *para(kl_context *ctx, kl_text_cache *c, const char *text, const char *lang,
                            float size, float width)
{
    kl_tstyle st = {.lang = lang, .size = size, .width = width};
    const kl_tpara *p = NULL;
    int rc = kl_text__para(ctx, kl_test_fonts, c, text, &st, &p);
    if (rc)
        fail_msg("kl_text__para: %s", kl_context_last_error(ctx)->message);
    return p;
}

/* The logical text of a line, rebuilt from its runs in logical order. */
static void line_text(const kl_tline *l, char *out, size_t cap)
{
    char tmp[1024];
    out[0] = '\0';
    for (uint32_t i = 0; i < l->nruns; i++) {
        uint32_t r = l->runs[0].rtl ? l->nruns - 1 - i : i;
        size_t k = 0;
        for (uint32_t u = 0; u < l->runs[r].nu16 && k + 4 < sizeof tmp; u++) {
            unsigned c = l->runs[r].u16[u];
            if (c < 0x80)
                tmp[k++] = (char)c;
            else
                tmp[k++] = '?';
        }
        tmp[k] = '\0';
        strncat(out, tmp, cap - strlen(out) - 1);
    }
}

static void every_script_has_a_font(void **state)
{
    (void)state;
    static const struct {
        const char *lang, *text, *family;
    } samples[] = {
        {"en-GB", "We are sorry for your loss.", "Noto Sans"},
        {"cy", "Mae’n ddrwg gennym. ŵŷ", "Noto Sans"},
        {"pl", "Zażółć gęślą jaźń", "Noto Sans"},
        {"ar", "نأسف لخسارتكم", "Noto Naskh Arabic"},
        {"fa", "ما برای از دست دادن شما متاسفیم", "Noto Naskh Arabic"},
        {"ur", "ہمیں آپ کے نقصان پر افسوس ہے", "Noto Nastaliq Urdu"},
        {"bn", "আপনার ক্ষতির জন্য আমরা দুঃখিত", "Noto Sans Bengali"},
        {"pa", "ਸਾਨੂੰ ਤੁਹਾਡੇ ਨੁਕਸਾਨ ਦਾ ਅਫ਼ਸੋਸ ਹੈ", "Noto Sans Gurmukhi"},
        {"gu", "અમને તમારા નુકસાન બદલ દુઃખ છે", "Noto Sans Gujarati"},
        {"hi", "हमें आपके नुकसान का दुख है", "Noto Sans Devanagari"},
        {"zh-Hans", "我们对您的损失深表遗憾。", "Noto Sans CJK SC"},
    };
    kl_context *ctx = kl_test_context(NULL);
    kl_text_cache *c;
    assert_int_equal(kl_text__cache_new(&c), 0);
    for (size_t i = 0; i < sizeof samples / sizeof *samples; i++) {
        const kl_tpara *p = para(ctx, c, samples[i].text, samples[i].lang, 14, 400);
        assert_int_equal(p->nlines, 1);
        assert_true(p->lines[0].nruns >= 1);
        bool found = false;
        for (uint32_t r = 0; r < p->lines[0].nruns; r++) {
            const kl_trun *t = &p->lines[0].runs[r];
            found |= !strcmp(t->font->family, samples[i].family);
            for (uint32_t g = 0; g < t->nglyphs; g++)
                assert_int_not_equal(t->glyphs[g].gid, 0);
        }
        if (!found)
            fail_msg("%s: expected %s, got %s", samples[i].lang, samples[i].family,
                     p->lines[0].runs[0].font->family);
        assert_int_equal(p->rtl, kl_text__lang_rtl(samples[i].lang));
    }
    kl_text__cache_free(c);
    kl_context_free(ctx);
}

static void bold_headings_use_a_bold_face(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    kl_text_cache *c;
    assert_int_equal(kl_text__cache_new(&c), 0);
    kl_tstyle st = {.lang = "en", .size = 20, .width = 400, .bold = true};
    const kl_tpara *p;
    assert_int_equal(kl_text__para(ctx, kl_test_fonts, c, "What happens next", &st, &p), 0);
    assert_true(p->lines[0].runs[0].font->bold);
    assert_non_null(strstr(p->lines[0].runs[0].font->file, "Bold"));
    kl_text__cache_free(c);
    kl_context_free(ctx);
}

/* The style a face's own name table gives ("Regular", "Bold"): the oracle,
 * independent of what fontconfig says about the file. */
static void face_style(const kl_font *f, char *out, unsigned cap)
{
    unsigned n = cap;
    out[0] = '\0';
    hb_ot_name_get_utf8(f->face, HB_OT_NAME_ID_FONT_SUBFAMILY, HB_LANGUAGE_INVALID, &n, out);
}

/* Body text in every script is set in a regular face, headings in a bold
 * one (fontconfig calls both Noto Nastaliq Urdu files weight 80). */
static void every_script_body_regular_headings_bold(void **state)
{
    (void)state;
    static const struct {
        const char *lang, *text;
    } samples[] = {
        {"en-GB", "We are sorry"}, {"ar", "نأسف لخسارتكم"},       {"fa", "ما متاسفیم"},
        {"ur", "ہمیں افسوس ہے"},   {"bn", "আমরা দুঃখিত"},          {"pa", "ਸਾਨੂੰ ਅਫ਼ਸੋਸ ਹੈ"},
        {"gu", "અમને દુઃખ છે"},       {"zh-Hans", "我们深表遗憾。"},
    };
    kl_context *ctx = kl_test_context(NULL);
    kl_text_cache *c;
    assert_int_equal(kl_text__cache_new(&c), 0);
    for (size_t i = 0; i < sizeof samples / sizeof *samples; i++) {
        for (int bold = 0; bold < 2; bold++) {
            kl_tstyle st = {.lang = samples[i].lang, .size = 14, .width = 400, .bold = bold};
            const kl_tpara *p;
            assert_int_equal(kl_text__para(ctx, kl_test_fonts, c, samples[i].text, &st, &p), 0);
            const kl_font *f = p->lines[0].runs[0].font;
            char style[64];
            face_style(f, style, sizeof style);
            bool is_bold = strstr(style, "Bold") != NULL;
            if (is_bold != (bold == 1) || f->bold != (bold == 1))
                fail_msg("%s %s text is set in %s (%s)", samples[i].lang, bold ? "heading" : "body",
                         f->file, style);
        }
    }
    kl_text__cache_free(c);
    kl_context_free(ctx);
}

static void lines_break_at_spaces_and_keep_them(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    kl_text_cache *c;
    assert_int_equal(kl_text__cache_new(&c), 0);
    const char *text = "The review has started and we would like to hear from you about "
                       "what happened, in your own words and at your own pace.";
    const kl_tpara *p = para(ctx, c, text, "en-GB", 14, 200);
    assert_true(p->nlines >= 3);
    char all[1024] = "", line[512];
    for (uint32_t i = 0; i < p->nlines; i++) {
        assert_true(p->lines[i].width <= 200.01f);
        line_text(&p->lines[i], line, sizeof line);
        if (i + 1 < p->nlines) /* the space at the break stays in the text */
            assert_int_equal(line[strlen(line) - 1], ' ');
        strcat(all, line);
    }
    assert_string_equal(all, text);
    /* Same request: the cached paragraph comes back. */
    assert_ptr_equal(para(ctx, c, text, "en-GB", 14, 200), p);
    /* Plain Latin maps glyphs one-to-one. */
    assert_true(p->lines[0].runs[0].plain);
    kl_text__cache_free(c);
    kl_context_free(ctx);
}

/* Clear print splits no word across lines: a hyphen between letters
 * ("multi-agency") is not a place to break, at any width. */
static void hyphenated_words_are_not_split(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    kl_text_cache *c;
    assert_int_equal(kl_text__cache_new(&c), 0);
    const char *text = "This is a multi-agency review of well-known services, step-by-step.";
    char line[512];
    for (float w = 60; w <= 400; w += 7) {
        const kl_tpara *p = para(ctx, c, text, "en-GB", 14, w);
        for (uint32_t i = 0; i + 1 < p->nlines; i++) {
            line_text(&p->lines[i], line, sizeof line);
            size_t n = strlen(line);
            if (n && line[n - 1] == '-')
                fail_msg("width %.0f: line %u ends in a hyphen: '%s'", (double)w, i, line);
        }
    }
    kl_text__cache_free(c);
    kl_context_free(ctx);
}

static void newline_forces_a_break(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    kl_text_cache *c;
    assert_int_equal(kl_text__cache_new(&c), 0);
    const kl_tpara *p = para(ctx, c, "Northshire\nPartnership", "en", 12, 400);
    assert_int_equal(p->nlines, 2);
    for (uint32_t g = 0; g < p->lines[0].runs[0].nglyphs; g++)
        assert_int_not_equal(p->lines[0].runs[0].glyphs[g].gid, 0);
    kl_text__cache_free(c);
    kl_context_free(ctx);
}

static void long_word_is_split_with_a_warning(void **state)
{
    (void)state;
    kl_test_diags d;
    kl_context *ctx = kl_test_context(&d);
    kl_text_cache *c;
    assert_int_equal(kl_text__cache_new(&c), 0);
    const kl_tpara *p =
        para(ctx, c, "See https://www.northshire-safeguarding-partnership.example/reviews", "en",
             24, 200);
    assert_true(p->nlines >= 3);
    for (uint32_t i = 0; i < p->nlines; i++)
        assert_true(p->lines[i].width <= 200.01f);
    assert_true(kl_test_find_diag(&d, "wider than the line") >= 0);
    kl_text__cache_free(c);
    kl_context_free(ctx);
}

/* At very large print an email or web address too wide for the line breaks
 * after a '.', '@', '/' or '-', never in the middle of a name part. */
static void long_address_breaks_after_punctuation(void **state)
{
    (void)state;
    kl_test_diags d;
    kl_context *ctx = kl_test_context(&d);
    kl_text_cache *c;
    assert_int_equal(kl_text__cache_new(&c), 0);
    const kl_tpara *p = para(ctx, c, "priya.raman@westvale-sp.example", "en", 36, 300);
    assert_true(p->nlines >= 2);
    for (uint32_t i = 0; i + 1 < p->nlines; i++) {
        char t[512];
        line_text(&p->lines[i], t, sizeof t);
        size_t n = strlen(t);
        if (!n || !strchr(".@/-", t[n - 1]))
            fail_msg("line %u ends inside a name part: '%s'", i + 1, t);
    }
    kl_text__cache_free(c);
    kl_context_free(ctx);
}

static void rtl_line_keeps_latin_numbers_left_to_right(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    kl_text_cache *c;
    assert_int_equal(kl_text__cache_new(&c), 0);
    /* Arabic paragraph with an English address inside, isolated (LRI..PDI)
     * the way compose isolates placeholders: without the isolate the
     * bidi algorithm rightly gives "Victoria Road 21". */
    const kl_tpara *p = para(ctx, c, "العنوان: \u206621 Victoria Road\u2069", "ar", 14, 400);
    assert_true(p->rtl);
    const kl_tline *l = &p->lines[0];
    assert_true(l->nruns >= 2);
    /* Visual order left to right: the Latin run (left to right, whole)
     * before the Arabic run (right to left, with ActualText). */
    int latin = -1, arabic = -1;
    for (uint32_t r = 0; r < l->nruns; r++) {
        char t[256];
        size_t k = 0;
        for (uint32_t u = 0; u < l->runs[r].nu16 && k < 255; u++)
            t[k++] = (char)l->runs[r].u16[u];
        t[k] = '\0';
        if (strstr(t, "21 Victoria Road")) {
            latin = (int)r;
            assert_false(l->runs[r].rtl);
            assert_string_equal(l->runs[r].font->family, "Noto Sans");
        }
        if (l->runs[r].nu16 > 3 && l->runs[r].u16[0] == 0x0627) {
            arabic = (int)r;
            assert_true(l->runs[r].rtl);
            assert_false(l->runs[r].plain);
        }
    }
    assert_true(latin >= 0 && arabic >= 0);
    assert_true(latin < arabic);
    /* AUTO direction on a Latin line in an Arabic letter: left to right. */
    kl_tstyle st = {.lang = "ar", .size = 12, .width = 300, .dir = KL_TDIR_AUTO};
    const kl_tpara *q;
    assert_int_equal(kl_text__para(ctx, kl_test_fonts, c, "21 Victoria Road", &st, &q), 0);
    assert_false(q->rtl);
    kl_text__cache_free(c);
    kl_context_free(ctx);
}

static void chinese_breaks_between_characters_not_before_punctuation(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    kl_text_cache *c;
    assert_int_equal(kl_text__cache_new(&c), 0);
    const char *text = "我们对您的损失深表遗憾。我们想听听您的意见，请随时联系我们。";
    const kl_tpara *p = para(ctx, c, text, "zh-Hans", 14, 100);
    assert_true(p->nlines >= 3);
    for (uint32_t i = 1; i < p->nlines; i++) {
        unsigned first = p->lines[i].runs[0].u16[0];
        assert_int_not_equal(first, 0x3002); /* 。 */
        assert_int_not_equal(first, 0xFF0C); /* ， */
    }
    kl_text__cache_free(c);
    kl_context_free(ctx);
}

/* The 1 MB limit: a paragraph of exactly 1,000,000 bytes is laid out, every
 * character on some line once; one byte more is an input error (KL_ELIMIT)
 * naming the limit. (Time: tests/bench/bench_layout.) */
static void megabyte_paragraph_is_laid_out_and_more_refused(void **state)
{
    (void)state;
    kl_test_diags d;
    kl_context *ctx = kl_test_context(&d);
    kl_text_cache *c;
    assert_int_equal(kl_text__cache_new(&c), 0);
    size_t n = 1000000;
    char *t = malloc(n + 2);
    assert_non_null(t);
    static const char words[] = "Anna Kacper Nowak Road of the ";
    for (size_t i = 0; i < n; i++)
        t[i] = words[i % (sizeof words - 1)];
    t[n] = '\0';
    kl_tstyle st = {.lang = "en", .size = 14, .width = 453};
    const kl_tpara *p = NULL;
    assert_int_equal(kl_text__para(ctx, kl_test_fonts, c, t, &st, &p), 0);
    assert_true(p->nlines > 10000);
    size_t chars = 0;
    for (uint32_t i = 0; i < p->nlines; i++)
        for (uint32_t r = 0; r < p->lines[i].nruns; r++)
            chars += p->lines[i].runs[r].nu16;
    /* Every character but the spaces that end lines. */
    assert_true(chars <= n && chars + p->nlines >= n);
    t[n] = 'x';
    t[n + 1] = '\0';
    assert_int_equal(kl_text__para(ctx, kl_test_fonts, c, t, &st, &p), KL_ELIMIT);
    assert_non_null(strstr(kl_context_last_error(ctx)->message, "the limit is 1000000 bytes"));
    free(t);
    kl_text__cache_free(c);
    kl_context_free(ctx);
}

static void character_without_font_is_an_error(void **state)
{
    (void)state;
    kl_test_diags d;
    kl_context *ctx = kl_test_context(&d);
    kl_text_cache *c;
    assert_int_equal(kl_text__cache_new(&c), 0);
    kl_tstyle st = {.lang = "en", .size = 14, .width = 400};
    const kl_tpara *p;
    /* U+1E900 ADLAM CAPITAL LETTER ALIF: no configured font has it. */
    int rc = kl_text__para(ctx, kl_test_fonts, c, "Hello \xF0\x9E\xA4\x80 there", &st, &p);
    assert_int_equal(rc, KL_EDATA);
    assert_non_null(strstr(kl_context_last_error(ctx)->message, "U+1E900"));
    /* The text around it (a name, an address) is never quoted. */
    assert_null(strstr(kl_context_last_error(ctx)->message, "Hello"));
    kl_text__cache_free(c);
    kl_context_free(ctx);
}

static void bad_fonts_file_names_the_line(void **state)
{
    (void)state;
    kl_test_diags d;
    kl_context *ctx = kl_test_context(&d);
    const char *xml =
        "<fonts xmlns=\"urn:kinletter:fonts:1\">\n"
        "  <script code=\"Latn\"><font family=\"Noto Sans\"/></script>\n"
        "  <script code=\"Arabic\"><font family=\"Noto Naskh Arabic\"/></script>\n"
        "  <script code=\"Deva\"><font family=\"No Such Family Kinletter\"/></script>\n"
        "</fonts>\n";
    kl_fontset *fs = NULL;
    int rc = kl_text__fontset_load(ctx, kl_test_tmpfile("f.xml", xml, strlen(xml)), &fs);
    assert_int_equal(rc, KL_EFORMAT);
    assert_int_equal(kl_context_last_error(ctx)->line, 3);
    const char *xml2 =
        "<fonts xmlns=\"urn:kinletter:fonts:1\">\n"
        "  <script code=\"Latn\"><font family=\"Noto Sans\"/></script>\n"
        "  <script code=\"Deva\"><font family=\"No Such Family Kinletter\"/></script>\n"
        "</fonts>\n";
    rc = kl_text__fontset_load(ctx, kl_test_tmpfile("g.xml", xml2, strlen(xml2)), &fs);
    assert_int_equal(rc, 0);
    int i = kl_test_find_diag(&d, "No Such Family Kinletter");
    assert_true(i >= 0);
    assert_int_equal(d.items[i].line, 3);
    assert_int_equal(kl_text__font_count(fs), 2); /* Noto Sans regular and bold */
    kl_text__fontset_free(fs);
    kl_context_free(ctx);
}

/* A family named in several rules is one font a weight, and a missing one is reported at
 * each <font> that names it (fontconfig is asked once for each). */
static void repeated_family_is_one_font_warned_at_each_line(void **state)
{
    (void)state;
    kl_test_diags d;
    kl_context *ctx = kl_test_context(&d);
    const char *xml =
        "<fonts xmlns=\"urn:kinletter:fonts:1\">\n"
        "  <script code=\"Latn\"><font family=\"Noto Sans\"/></script>\n"
        "  <script code=\"Grek\"><font family=\"Noto Sans\"/></script>\n"
        "  <script code=\"Deva\"><font family=\"No Such Family Kinletter\"/></script>\n"
        "  <fallback><font family=\"No Such Family Kinletter\"/><font family=\"Noto "
        "Sans\"/></fallback>\n"
        "</fonts>\n";
    kl_fontset *fs = NULL;
    int rc = kl_text__fontset_load(ctx, kl_test_tmpfile("h.xml", xml, strlen(xml)), &fs);
    assert_int_equal(rc, 0);
    assert_int_equal(kl_text__font_count(fs), 2); /* Noto Sans regular and bold */
    const kl_font *reg = kl_text__font_at(fs, 0), *bold = kl_text__font_at(fs, 1);
    assert_string_equal(reg->family, "Noto Sans");
    assert_false(reg->bold);
    assert_true(bold->bold);
    assert_string_not_equal(reg->file, bold->file);
    unsigned lines = 0, n = 0;
    for (size_t i = 0; i < d.n; i++)
        if (strstr(d.text[i], "No Such Family Kinletter")) {
            lines |= 1u << d.items[i].line;
            n++;
        }
    assert_int_equal(n, 2);
    assert_int_equal(lines, 1u << 4 | 1u << 5);
    const kl_font *out[4];
    assert_int_equal(kl_text__candidates(fs, "el", "Grek", false, out, 4), 1);
    assert_ptr_equal(out[0], reg);
    assert_int_equal(kl_text__candidates(fs, "hi", "Deva", true, out, 4), 1);
    assert_ptr_equal(out[0], bold);
    kl_text__fontset_free(fs);
    kl_context_free(ctx);
}

static void allocation_failures_are_reported(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    kl_tstyle st = {.lang = "ar", .size = 14, .width = 120};
    for (unsigned long n = 1; n < 400; n++) {
        kl_text_cache *c = NULL;
        kl_core__alloc_fail_at(n, false);
        int rc = kl_text__cache_new(&c);
        const kl_tpara *p = NULL;
        if (!rc)
            rc = kl_text__para(ctx, kl_test_fonts, c, "مرحبا بكم 21 Victoria Road في المراجعة", &st,
                               &p);
        kl_core__alloc_fail_at(0, false);
        assert_true(rc == 0 || rc == KL_ENOMEM);
        kl_text__cache_free(c);
        if (rc == 0 && n > 50)
            break;
    }
    kl_context_free(ctx);
}

/* A batch's cache keeps the paragraphs its letters share and forgets the
 * ones a single letter had (a member's name and address), so it stays small
 * however large the family (issue 24: it kept up to 20,000 paragraphs, about
 * 27 MB a renderer at 10,000 members). */
static void cache_keeps_shared_paragraphs_and_forgets_the_rest(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    kl_text_cache *c;
    assert_int_equal(kl_text__cache_new(&c), 0);
    const char *shared = "We are writing to tell you that a review has started.";
    const kl_tpara *kept = para(ctx, c, shared, "en-GB", 16, 400);
    size_t most = 0;
    char own[400];
    for (int letter = 0; letter < 4000; letter++) {
        /* the shared paragraph is the same one, not shaped again */
        assert_ptr_equal(para(ctx, c, shared, "en-GB", 16, 400), kept);
        snprintf(own, sizeof own,
                 "Dear Member%d Family%d, Flat %d, %d Long Bench Street, Old Market Quarter, "
                 "Northtown, Northshire NT%d %dAB. We are writing to you as the review's "
                 "family contact for member number %d of this family.",
                 letter, letter * 7, letter % 97, letter, letter % 9, letter % 10, letter);
        const kl_tpara *p = para(ctx, c, own, "en-GB", 16, 400);
        assert_true(p->nlines > 1);
        if (kl_text__cache_bytes(c) > most)
            most = kl_text__cache_bytes(c);
        kl_text__cache_trim(c); /* between documents */
    }
    /* 4,000 paragraphs of about 4 KB each: 16 MB if every one were kept */
    assert_true(most < ((size_t)5 << 20) / 2);
    assert_true(kl_text__cache_bytes(c) < ((size_t)5 << 20) / 2);
    kl_text__cache_free(c);
    kl_context_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_script_has_a_font),
        cmocka_unit_test(bold_headings_use_a_bold_face),
        cmocka_unit_test(every_script_body_regular_headings_bold),
        cmocka_unit_test(lines_break_at_spaces_and_keep_them),
        cmocka_unit_test(hyphenated_words_are_not_split),
        cmocka_unit_test(newline_forces_a_break),
        cmocka_unit_test(long_word_is_split_with_a_warning),
        cmocka_unit_test(long_address_breaks_after_punctuation),
        cmocka_unit_test(rtl_line_keeps_latin_numbers_left_to_right),
        cmocka_unit_test(chinese_breaks_between_characters_not_before_punctuation),
        cmocka_unit_test(character_without_font_is_an_error),
        cmocka_unit_test(megabyte_paragraph_is_laid_out_and_more_refused),
        cmocka_unit_test(bad_fonts_file_names_the_line),
        cmocka_unit_test(repeated_family_is_one_font_warned_at_each_line),
        cmocka_unit_test(allocation_failures_are_reported),
        cmocka_unit_test(cache_keeps_shared_paragraphs_and_forgets_the_rest),
    };
    return cmocka_run_group_tests(tests, kl_test_fonts_setup, kl_test_fonts_teardown);
}
