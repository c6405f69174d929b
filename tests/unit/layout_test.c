/* SPDX-License-Identifier: MIT */
/* tests/unit/layout_test.c: the postal window, print sizes, pagination and structure roles. */
#include "support.h"
#include "layout/layout.h"

#include "../data/pdf/sample_doc.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* kl_test_fonts: the project's fonts, loaded once by the group setup (support.c). */

static kl_layout *run(kl_context *ctx, kl_text_cache *c, const kl_doc *d)
{
    kl_layout_opts o = {.fonts = kl_test_fonts, .cache = c};
    kl_layout *l = NULL;
    int rc = kl_layout__run(ctx, d, &o, &l);
    if (rc)
        fail_msg("layout: %s", kl_context_last_error(ctx)->message);
    return l;
}

static void address_sits_in_the_window_at_postal_size(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    kl_text_cache *c;
    assert_int_equal(kl_text__cache_new(&c), 0);
    kl_doc *d = sample_letter(&samples[0], 24, NULL, 1);
    kl_layout *l = run(ctx, c, d);
    const kl_page *p = &l->pages[0];
    int seen = 0;
    double wx0 = KL_WINDOW_X, wx1 = KL_WINDOW_X + KL_WINDOW_W;
    double wy1 = KL_A4_H - KL_WINDOW_TOP, wy0 = wy1 - KL_WINDOW_H;
    for (size_t i = 0; i < p->n; i++) {
        const kl_item *it = &p->items[i];
        if (it->kind != KL_ITEM_TEXT || !it->se || !it->line->nruns)
            continue;
        bool in_window =
            it->x >= wx0 && it->x + it->w <= wx1 && it->y - 3 >= wy0 && it->y + it->h <= wy1;
        if (in_window) {
            seen++;
            /* Royal Mail: 10-12 pt, whatever the print size. */
            assert_true(it->line->runs[0].size >= 10 && it->line->runs[0].size <= 12);
        }
    }
    assert_int_equal(seen, 4);
    kl_layout__free(l);
    kl_doc__free(d);
    kl_text__cache_free(c);
    kl_context_free(ctx);
}

static double body_size(const kl_layout *l)
{
    /* The size of the first P line below the window on page 1. */
    for (size_t i = 0; i < l->pages[0].n; i++) {
        const kl_item *it = &l->pages[0].items[i];
        if (it->kind == KL_ITEM_TEXT && it->se && it->se->role == KL_ROLE_P &&
            it->y < KL_A4_H - 95 * KL_MM)
            return it->line->runs[0].size;
    }
    return 0;
}

static void print_sizes_reflow_the_body(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    kl_text_cache *c;
    assert_int_equal(kl_text__cache_new(&c), 0);
    size_t pages[3];
    const double sizes[3] = {14, 18, 24};
    for (int k = 0; k < 3; k++) {
        kl_doc *d = sample_letter(&samples[0], sizes[k], NULL, 4);
        kl_layout *l = run(ctx, c, d);
        assert_true(fabs(body_size(l) - sizes[k]) < 0.01);
        pages[k] = l->npages;
        /* Body text starts below 95 mm on page 1; nothing leaves the page. */
        for (size_t p = 0; p < l->npages; p++)
            for (size_t i = 0; i < l->pages[p].n; i++) {
                const kl_item *it = &l->pages[p].items[i];
                assert_true(it->x >= 15 * KL_MM - 0.01);
                assert_true(it->x + it->w <= KL_A4_W - 15 * KL_MM + 0.01);
                assert_true(it->y >= 5 * KL_MM);
            }
        kl_layout__free(l);
        kl_doc__free(d);
    }
    assert_true(pages[0] < pages[2]); /* large print reflows onto more pages */
    kl_text__cache_free(c);
    kl_context_free(ctx);
}

static void page_numbers_are_artifacts_with_the_total(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    kl_text_cache *c;
    assert_int_equal(kl_text__cache_new(&c), 0);
    kl_doc *d = sample_letter(&samples[0], 24, NULL, 5);
    kl_layout_opts o = {.fonts = kl_test_fonts, .cache = c, .page_label = "Tudalen {n} o {total}"};
    kl_layout *l = NULL;
    assert_int_equal(kl_layout__run(ctx, d, &o, &l), 0);
    assert_true(l->npages >= 2);
    for (size_t p = 0; p < l->npages; p++) {
        size_t artifacts = 0;
        for (size_t i = 0; i < l->pages[p].n; i++) {
            const kl_item *it = &l->pages[p].items[i];
            if (it->se)
                continue;
            artifacts++;
            char text[64];
            size_t k = 0;
            for (uint32_t r = 0; r < it->line->nruns; r++)
                for (uint32_t u = 0; u < it->line->runs[r].nu16 && k < 63; u++)
                    text[k++] = (char)it->line->runs[r].u16[u];
            text[k] = '\0';
            char want[64];
            snprintf(want, sizeof want, "Tudalen %zu o %zu", p + 1, l->npages);
            assert_string_equal(text, want);
            assert_true(fabs(it->line->runs[0].size - 24) < 0.01); /* body size */
        }
        assert_int_equal(artifacts, 1);
    }
    kl_layout__free(l);
    kl_doc__free(d);
    kl_text__cache_free(c);
    kl_context_free(ctx);
}

static void headings_keep_with_next_and_signature_stays_together(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    kl_text_cache *c;
    assert_int_equal(kl_text__cache_new(&c), 0);
    for (int paras = 1; paras <= 8; paras++) {
        kl_doc *d = sample_letter(&samples[0], 18, NULL, paras);
        kl_layout *l = run(ctx, c, d);
        for (size_t p = 0; p < l->npages; p++) {
            const kl_page *pg = &l->pages[p];
            /* The last tagged item of a page is never a heading. */
            for (size_t i = pg->n; i-- > 0;) {
                if (!pg->items[i].se)
                    continue;
                assert_int_not_equal(pg->items[i].se->role, KL_ROLE_H);
                break;
            }
        }
        /* The signature's three lines share one page. */
        const kl_selem *sig = l->root->last;
        assert_int_equal(sig->role, KL_ROLE_P);
        int sig_page = -1;
        for (size_t p = 0; p < l->npages; p++)
            for (size_t i = 0; i < l->pages[p].n; i++)
                if (l->pages[p].items[i].se == sig) {
                    if (sig_page < 0)
                        sig_page = (int)p;
                    assert_int_equal(sig_page, (int)p);
                }
        kl_layout__free(l);
        kl_doc__free(d);
    }
    kl_text__cache_free(c);
    kl_context_free(ctx);
}

static void rtl_paragraphs_are_right_aligned(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    kl_text_cache *c;
    assert_int_equal(kl_text__cache_new(&c), 0);
    kl_doc *d = sample_letter(&samples[3], 14, NULL, 1); /* Arabic */
    kl_layout *l = run(ctx, c, d);
    bool found = false;
    for (size_t i = 0; i < l->pages[0].n; i++) {
        const kl_item *it = &l->pages[0].items[i];
        if (it->se && it->se->role == KL_ROLE_H && it->se->level == 1) {
            /* Right edge on the right margin, left edge well inside. */
            assert_true(fabs(it->x + it->w - (KL_A4_W - KL_MARGIN)) < 1);
            assert_true(it->x > KL_MARGIN + 50);
            found = true;
        }
        if (it->se && it->se->role == KL_ROLE_H && it->se->level == 2) /* English: left */
            assert_true(fabs(it->x - KL_MARGIN) < 0.01);
    }
    assert_true(found);
    kl_layout__free(l);
    kl_doc__free(d);
    kl_text__cache_free(c);
    kl_context_free(ctx);
}

/* A right-to-left letter's contact table runs right to left: labels in the
 * right-hand column, each value next to its label (not at the far margin). */
static void rtl_table_values_sit_next_to_their_labels(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    kl_text_cache *c;
    assert_int_equal(kl_text__cache_new(&c), 0);
    kl_doc *d = sample_letter(&samples[3], 14, NULL, 1); /* Arabic */
    kl_layout *l = run(ctx, c, d);
    double label_left = KL_A4_W, value_right[8];
    int rows = 0;
    for (size_t p = 0; p < l->npages; p++)
        for (size_t i = 0; i < l->pages[p].n; i++) {
            const kl_item *it = &l->pages[p].items[i];
            if (it->kind != KL_ITEM_TEXT || !it->se)
                continue;
            if (it->se->role == KL_ROLE_TH) {
                assert_true(fabs(it->x + it->w - (KL_A4_W - KL_MARGIN)) < 1); /* flush right */
                if (it->x < label_left)
                    label_left = it->x;
            }
            const kl_selem *cell = it->se->role == KL_ROLE_LINK ? it->se->parent : it->se;
            if (cell->role == KL_ROLE_TD && rows < 8)
                value_right[rows++] = it->x + it->w;
        }
    assert_int_equal(rows, 3);
    for (int i = 0; i < rows; i++) {
        /* Left of the labels, one body size (the column gap) from the widest. */
        double gap = label_left - value_right[i];
        assert_true(gap > 0);
        assert_true(gap < 2 * 14);
        assert_true(fabs(value_right[i] - value_right[0]) < 0.5); /* one column edge */
    }
    kl_layout__free(l);
    kl_doc__free(d);
    kl_text__cache_free(c);
    kl_context_free(ctx);
}

/* The contact table's rows with labels in the letter's own language. */
static void label_rows(kl_node *n, const char *label)
{
    for (; n; n = n->next) {
        if (n->kind == KL_NODE_ROW)
            assert_int_equal(kl_doc__set(&n->label, label), 0);
        label_rows(n->first, label);
    }
}

/* A contact row whose cells sit side by side: label and value on one baseline (an Urdu
 * label's Nastaliq sits lower in its line than a Latin value: the values were 10.9 pt
 * above), drawn left to right in a right-to-left letter (the value, then the label: pdf.js
 * read the two as one word when the label came first), label first in a left-to-right one. */
static void table_row_cells_share_a_baseline_in_visual_order(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    kl_text_cache *c;
    assert_int_equal(kl_text__cache_new(&c), 0);
    static const struct {
        int sample;
        const char *label;
        bool rtl;
    } cases[] = {{5, "\u0646\u0627\u0645", true},             /* ur: "نام" */
                 {4, "\u0646\u0627\u0645", true},             /* fa */
                 {3, "\u0627\u0644\u0627\u0633\u0645", true}, /* ar: "الاسم" */
                 {0, "Name", false}};
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        kl_doc *d = sample_letter(&samples[cases[k].sample], 14, NULL, 1);
        label_rows(d->root, cases[k].label);
        kl_layout *l = run(ctx, c, d);
        int rows = 0;
        for (size_t p = 0; p < l->npages; p++)
            for (size_t i = 0; i < l->pages[p].n; i++) {
                const kl_item *th = &l->pages[p].items[i];
                if (th->kind != KL_ITEM_TEXT || !th->se || th->se->role != KL_ROLE_TH)
                    continue;
                /* The value's first line: the item of the row's TD (or its Link). */
                const kl_selem *td = th->se->next;
                size_t v = 0;
                while (v < l->pages[p].n &&
                       !(l->pages[p].items[v].se &&
                         (l->pages[p].items[v].se == td || l->pages[p].items[v].se->parent == td)))
                    v++;
                assert_true(v < l->pages[p].n);
                const kl_item *val = &l->pages[p].items[v];
                if (fabs(val->y - th->y) > 0.01)
                    fail_msg("%s row %d: label baseline %.2f, value %.2f",
                             samples[cases[k].sample].lang, rows, th->y, val->y);
                assert_true(cases[k].rtl ? v + 1 == i : i + 1 == v); /* drawn next to each other */
                assert_true(cases[k].rtl ? val->x < th->x : val->x > th->x);
                rows++;
            }
        assert_int_equal(rows, 3);
        kl_layout__free(l);
        kl_doc__free(d);
    }
    kl_text__cache_free(c);
    kl_context_free(ctx);
}

/* A logo whose alt text is the name printed beside it is an artifact: a screen reader
 * would otherwise read the partnership's name twice. */
static void logo_repeating_the_letterhead_is_an_artifact(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    kl_text_cache *c;
    assert_int_equal(kl_text__cache_new(&c), 0);
    kl_doc *d = sample_letter(&samples[0], 14, kl_test_src("tests/data/pdf/logo.png"), 1);
    kl_node *fig = d->root->first->first; /* the letterhead's logo */
    assert_int_equal(fig->kind, KL_NODE_FIGURE);
    assert_int_equal(kl_doc__set(&fig->alt, "Northshire  safeguarding Children Partnership"), 0);
    kl_layout *l = run(ctx, c, d);
    for (const kl_selem *e = l->root->first; e; e = e->next)
        assert_int_not_equal(e->role, KL_ROLE_FIGURE);
    bool drawn = false;
    for (size_t i = 0; i < l->pages[0].n; i++)
        if (l->pages[0].items[i].kind == KL_ITEM_IMAGE) {
            assert_null(l->pages[0].items[i].se); /* an artifact */
            drawn = true;
        }
    assert_true(drawn);
    kl_layout__free(l);
    kl_doc__free(d);
    kl_text__cache_free(c);
    kl_context_free(ctx);
}

static void structure_follows_the_document(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    kl_text_cache *c;
    assert_int_equal(kl_text__cache_new(&c), 0);
    kl_doc *d = sample_letter(&samples[0], 14, kl_test_src("tests/data/pdf/logo.png"), 1);
    kl_layout *l = run(ctx, c, d);
    const kl_selem *s = l->root->first;
    assert_int_equal(s->role, KL_ROLE_FIGURE); /* the logo, with its alt text */
    assert_non_null(strstr(s->alt, "logo"));
    int lists = 0, tables = 0, links = 0;
    for (const kl_selem *e = l->root->first; e; e = e->next) {
        const kl_selem *stack[16];
        (void)stack;
        if (e->role == KL_ROLE_TABLE) {
            tables++;
            /* The rows in a TBody (pdf.js reads a TH outside one as a column header). */
            assert_int_equal(e->first->role, KL_ROLE_TBODY);
            assert_null(e->first->next);
            for (const kl_selem *tr = e->first->first; tr; tr = tr->next) {
                assert_int_equal(tr->role, KL_ROLE_TR);
                assert_int_equal(tr->first->role, KL_ROLE_TH);
                assert_int_equal(tr->last->role, KL_ROLE_TD);
                if (tr->last->first && tr->last->first->role == KL_ROLE_LINK)
                    links++;
            }
        }
        if (e->role == KL_ROLE_SECT)
            for (const kl_selem *x = e->first; x; x = x->next)
                if (x->role == KL_ROLE_L) {
                    lists++;
                    assert_int_equal(x->first->role, KL_ROLE_LI);
                    assert_int_equal(x->first->first->role, KL_ROLE_LBL);
                    assert_int_equal(x->first->last->role, KL_ROLE_LBODY);
                }
    }
    assert_int_equal(lists, 2);
    assert_int_equal(tables, 1);
    assert_int_equal(links, 2);
    kl_layout__free(l);
    kl_doc__free(d);
    kl_text__cache_free(c);
    kl_context_free(ctx);
}

/* GOV.UK Notify accepts up to 7 address lines (the name line included):
 * all of them must lie inside the window, at 10-12 pt, without touching. */
static void seven_line_address_fits_the_window(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    kl_text_cache *c;
    assert_int_equal(kl_text__cache_new(&c), 0);
    kl_doc *d = sample_letter(&samples[0], 24, NULL, 1);
    for (kl_node *n = d->root->first; n; n = n->next)
        if (n->kind == KL_NODE_ADDRESS)
            for (int i = 0; i < 3; i++)
                add_line(n, "Another line");
    kl_layout *l = run(ctx, c, d);
    const kl_page *p = &l->pages[0];
    double wx0 = KL_WINDOW_X, wx1 = KL_WINDOW_X + KL_WINDOW_W;
    double wy1 = KL_A4_H - KL_WINDOW_TOP, wy0 = wy1 - KL_WINDOW_H;
    int seen = 0;
    double last_y = 1e9;
    for (size_t i = 0; i < p->n; i++) {
        const kl_item *it = &p->items[i];
        if (it->kind != KL_ITEM_TEXT || !it->se || !it->line->nruns)
            continue;
        if (it->x >= wx0 && it->x + it->w <= wx1 && it->y >= wy0 && it->y + it->h <= wy1) {
            seen++;
            assert_true(it->line->runs[0].size >= 10 && it->line->runs[0].size <= 12);
            assert_true(last_y - it->y >= it->line->runs[0].size); /* lines do not overlap */
            last_y = it->y;
        }
    }
    assert_int_equal(seen, 7);
    kl_layout__free(l);
    kl_doc__free(d);
    kl_text__cache_free(c);
    kl_context_free(ctx);
}

static void too_long_address_is_an_error(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    kl_text_cache *c;
    assert_int_equal(kl_text__cache_new(&c), 0);
    kl_doc *d = sample_letter(&samples[0], 14, NULL, 1);
    for (kl_node *n = d->root->first; n; n = n->next)
        if (n->kind == KL_NODE_ADDRESS)
            for (int i = 0; i < 5; i++)
                add_line(n, "Another line of address");
    kl_layout_opts o = {.fonts = kl_test_fonts, .cache = c};
    kl_layout *l = NULL;
    assert_int_equal(kl_layout__run(ctx, d, &o, &l), KL_EDATA);
    assert_non_null(strstr(kl_context_last_error(ctx)->message, "window"));
    kl_doc__free(d);
    kl_text__cache_free(c);
    kl_context_free(ctx);
}

static size_t count_role(const kl_selem *e, kl_role role, const char *lang)
{
    size_t n = 0;
    for (; e; e = e->next)
        n += (e->role == role && (!lang || (e->lang && strcmp(e->lang, lang) == 0))) +
             count_role(e->first, role, lang);
    return n;
}

/* A paragraph with more addresses and runs in another language than there
 * once was room for (32 together): every address is a Link, every run a
 * Span, none left as plain text. */
static void every_link_and_run_of_a_long_paragraph_is_tagged(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    kl_text_cache *c;
    assert_int_equal(kl_text__cache_new(&c), 0);
    kl_doc *d = sample_letter(&samples[0], 12, NULL, 1);
    char text[4096] = "";
    size_t len = 0;
    kl_span spans[12];
    for (int k = 0; k < 40; k++)
        len += (size_t)snprintf(text + len, sizeof text - len, "a%d@x.example, ", k);
    for (int k = 0; k < 12; k++) {
        spans[k] = (kl_span){len, 6, "en-GB"};
        len += (size_t)snprintf(text + len, sizeof text - len, "Review %s", k < 11 ? "" : ".");
    }
    kl_node *p = kl_doc__add(d->root, KL_NODE_PARAGRAPH, text);
    assert_non_null(p);
    p->spans = kl_core__malloc(sizeof spans);
    memcpy(p->spans, spans, sizeof spans);
    p->n_spans = 12;
    kl_layout *l = run(ctx, c, d);
    size_t before = 0; /* links the sample letter has anyway */
    kl_doc *plain = sample_letter(&samples[0], 12, NULL, 1);
    kl_layout *l0 = run(ctx, c, plain);
    before = count_role(l0->root, KL_ROLE_LINK, NULL);
    assert_int_equal(count_role(l->root, KL_ROLE_LINK, NULL) - before, 40);
    assert_int_equal(count_role(l->root, KL_ROLE_SPAN, "en-GB") -
                         count_role(l0->root, KL_ROLE_SPAN, "en-GB"),
                     12);
    kl_layout__free(l0);
    kl_doc__free(plain);
    kl_layout__free(l);
    kl_doc__free(d);
    kl_text__cache_free(c);
    kl_context_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(address_sits_in_the_window_at_postal_size),
        cmocka_unit_test(seven_line_address_fits_the_window),
        cmocka_unit_test(print_sizes_reflow_the_body),
        cmocka_unit_test(page_numbers_are_artifacts_with_the_total),
        cmocka_unit_test(headings_keep_with_next_and_signature_stays_together),
        cmocka_unit_test(rtl_paragraphs_are_right_aligned),
        cmocka_unit_test(rtl_table_values_sit_next_to_their_labels),
        cmocka_unit_test(table_row_cells_share_a_baseline_in_visual_order),
        cmocka_unit_test(logo_repeating_the_letterhead_is_an_artifact),
        cmocka_unit_test(structure_follows_the_document),
        cmocka_unit_test(too_long_address_is_an_error),
        cmocka_unit_test(every_link_and_run_of_a_long_paragraph_is_tagged),
    };
    return cmocka_run_group_tests(tests, kl_test_fonts_setup, kl_test_fonts_teardown);
}
