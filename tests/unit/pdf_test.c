/* SPDX-License-Identifier: MIT */
/* tests/unit/pdf_test.c: tagged PDF output, read back with poppler and qpdf. */
#include "support.h"
#include "pdf/fontpack.h"
#include "pdf/pdf_internal.h"
#include "pdf/stree.h"

#include "../data/pdf/sample_doc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* kl_test_fonts: the project's fonts, loaded once by the group setup (support.c). */

/* Render d to a file; returns its path (static buffer). */
static const char *render_to(kl_context *ctx, const kl_doc *d, const char *name, unsigned *pages)
{
    static char path[512];
    kl_text_cache *tc;
    kl_pdf_cache *pc;
    assert_int_equal(kl_text__cache_new(&tc), 0);
    assert_int_equal(kl_pdf__cache_new(&pc), 0);
    kl_pdf_opts o = {
        .fonts = kl_test_fonts, .text = tc, .cache = pc, .creation_date = "2026-03-01T09:00:00Z"};
    kl_buf out = KL_BUF_INIT;
    int rc = kl_pdf__render(ctx, d, &o, &out, pages);
    if (rc)
        fail_msg("render %s: %s", name, kl_context_last_error(ctx)->message);
    const char *dir = getenv("KL_BUILD_ROOT") ? getenv("KL_BUILD_ROOT") : "/tmp";
    snprintf(path, sizeof path, "%s/pdf-test-%s.pdf", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(out.data, 1, out.len, f), out.len);
    fclose(f);
    kl_core__buf_free(&out);
    kl_pdf__cache_free(pc);
    kl_text__cache_free(tc);
    return path;
}

/* Run a command and return its standard output (static buffer). */
static const char *run(const char *fmt, const char *path)
{
    static char out[1 << 20];
    char cmd[1024];
    /* fmt holds one %s for the quoted path. */
    const char *at = strstr(fmt, "%s");
    assert_non_null(at);
    snprintf(cmd, sizeof cmd, "%.*s%s%s", (int)(at - fmt), fmt, path, at + 2);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, sizeof out - 1, p);
    for (size_t i = 0; i < n; i++)
        if (!out[i])
            out[i] = '\x01'; /* a font program's bytes: the text after them stays searchable */
    out[n] = '\0';
    int st = pclose(p);
    if (st != 0)
        fail_msg("`%s` failed (%d):\n%s", cmd, st, out);
    return out;
}

static void squash_spaces(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        char c = *r == '\n' || *r == '\f' ? ' ' : *r;
        if (c == ' ' && w > s && w[-1] == ' ')
            continue;
        *w++ = c;
    }
    *w = '\0';
}

static void every_script_embeds_subset_fonts_with_unicode(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    for (size_t i = 0; i < N_SAMPLES; i++) {
        kl_doc *d = sample_letter(&samples[i], 14, kl_test_src("tests/data/pdf/logo.png"), 1);
        char name[32];
        snprintf(name, sizeof name, "script-%s", samples[i].lang);
        unsigned pages;
        const char *path = render_to(ctx, d, name, &pages);
        assert_true(pages >= 1);
        run("qpdf --check '%s' >/dev/null", path);
        const char *fontsout = run("pdffonts '%s'", path);
        /* Every font line: embedded, subset, with a ToUnicode map. */
        int lines = 0;
        for (const char *l = strstr(fontsout, "\n---"); l && (l = strchr(l + 1, '\n'));) {
            if (!l[1])
                break;
            lines++;
            char line[256];
            const char *e = strchr(l + 1, '\n');
            size_t n = e ? (size_t)(e - l - 1) : strlen(l + 1);
            snprintf(line, sizeof line, "%.*s", (int)n, l + 1);
            if (!strstr(line, "yes yes yes"))
                fail_msg("%s: font not embedded+subset+unicode: %s", samples[i].lang, line);
        }
        assert_true(lines >= 2);
        kl_doc__free(d);
    }
    kl_context_free(ctx);
}

static void left_to_right_text_comes_back_exactly(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    for (size_t i = 0; i < N_SAMPLES; i++) {
        if (!strcmp(samples[i].lang, "ar") || !strcmp(samples[i].lang, "fa") ||
            !strcmp(samples[i].lang, "ur"))
            continue; /* pdftotext is unreliable for RTL: see the structure test */
        kl_doc *d = sample_letter(&samples[i], 14, NULL, 1);
        char name[32];
        snprintf(name, sizeof name, "text-%s", samples[i].lang);
        const char *path = render_to(ctx, d, name, NULL);
        char *text = strdup(run("pdftotext -enc UTF-8 '%s' -", path));
        squash_spaces(text);
        if (!strstr(text, samples[i].para))
            fail_msg("%s: \"%s\" not in:\n%s", samples[i].lang, samples[i].para, text);
        if (!strstr(text, samples[i].heading))
            fail_msg("%s: heading \"%s\" not in:\n%s", samples[i].lang, samples[i].heading, text);
        /* The wrapped English paragraph keeps the spaces at its line breaks. */
        assert_non_null(strstr(text, long_para));
        free(text);
        kl_doc__free(d);
    }
    kl_context_free(ctx);
}

static void address_text_is_inside_the_window(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    kl_doc *d = sample_letter(&samples[0], 24, NULL, 1);
    const char *path = render_to(ctx, d, "window", NULL);
    const char *bbox = run("pdftotext -bbox -f 1 -l 1 '%s' -", path);
    /* pdftotext -bbox: y from the top of the page, in points. */
    const double mm = 72 / 25.4;
    const char *words[] = {"Nowak", "Victoria", "NT2", "3BB"};
    for (size_t w = 0; w < 4; w++) {
        char needle[64];
        snprintf(needle, sizeof needle, ">%s</word>", words[w]);
        const char *hit = strstr(bbox, needle);
        assert_non_null(hit);
        const char *open = hit;
        while (open > bbox && strncmp(open, "<word", 5))
            open--;
        double x0, y0, x1, y1;
        assert_int_equal(sscanf(open, "<word xMin=\"%lf\" yMin=\"%lf\" xMax=\"%lf\" yMax=\"%lf\"",
                                &x0, &y0, &x1, &y1),
                         4);
        assert_true(x0 >= 24.6 * mm && x1 <= (24.6 + 95.4) * mm);
        assert_true(y0 >= 39.5 * mm && y1 <= (39.5 + 26.8) * mm);
        /* Royal Mail size, even at 24 pt large print. */
        assert_true(y1 - y0 <= 12 * 1.4);
    }
    kl_doc__free(d);
    kl_context_free(ctx);
}

static void structure_tree_and_artifacts(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    kl_doc *d = sample_letter(&samples[0], 24, kl_test_src("tests/data/pdf/logo.png"), 4);
    unsigned pages;
    const char *path = render_to(ctx, d, "struct", &pages);
    assert_true(pages >= 2);
    char *tree = strdup(run("pdfinfo -struct-text '%s'", path));
    const char *want[] = {"Document", "Figure", "H1", "H2", "/Lang", "L",    "LI", "Lbl",
                          "LBody",    "Table",  "TR", "TH", "TD",    "Link", "P"};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        if (!strstr(tree, want[i]) && strcmp(want[i], "/Lang"))
            fail_msg("no %s in the structure tree:\n%.2000s", want[i], tree);
    /* Text is in the tree, page numbers are not. */
    assert_non_null(strstr(tree, "We are very sorry for the loss of Amelia."));
    assert_null(strstr(tree, "Page 1 of"));
    char *text = strdup(run("pdftotext -enc UTF-8 '%s' -", path));
    assert_non_null(strstr(text, "Page 1 of"));
    const char *info = run("pdfinfo '%s'", path);
    assert_non_null(strstr(info, "Tagged:          yes"));
    assert_non_null(strstr(info, "PDF version:     1.7"));
    assert_non_null(strstr(info, "Title:           About the review"));
    free(text);
    free(tree);
    kl_doc__free(d);
    kl_context_free(ctx);
}

/* The span that carries UTF-8 text as /ActualText, as qpdf --qdf writes it. */
static void utf16_hex(const char *s, char *out, size_t cap)
{
    size_t k = (size_t)snprintf(out, cap, "/Span <</ActualText <feff");
    for (const unsigned char *p = (const unsigned char *)s; *p && k + 10 < cap;) {
        unsigned cp;
        if (*p < 0x80)
            cp = *p++;
        else if ((*p & 0xE0) == 0xC0)
            cp = (unsigned)(*p & 0x1F) << 6 | (p[1] & 0x3F), p += 2;
        else
            cp = (unsigned)(*p & 0x0F) << 12 | (unsigned)(p[1] & 0x3F) << 6 | (p[2] & 0x3F), p += 3;
        k += (size_t)snprintf(out + k, cap - k, "%04x", cp); /* qpdf writes lower case */
    }
    snprintf(out + k, cap - k, ">");
}

static void rtl_structure_carries_the_logical_text(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    kl_doc *d = sample_letter(&samples[3], 14, NULL, 1); /* Arabic */
    const char *path = render_to(ctx, d, "rtl", NULL);
    /* pdfinfo -struct-text ignores /ActualText (poppler 22): read the uncompressed file. */
    char *content = strdup(run("qpdf --qdf --object-streams=disable '%s' -", path));
    char heading[512], para[512];
    utf16_hex(samples[3].heading, heading, sizeof heading);
    utf16_hex(samples[3].para, para, sizeof para);
    /* Each Arabic line is a Span element with the line's /ActualText (for readers that walk
     * the tree, pdf.js's accessibility tree among them), in reading order: the heading, then
     * the paragraph. Its marked content does not carry it: pdftotext, which reads only the
     * content's, put that back in visual order (docs/ACCESSIBILITY.md). */
    char span_heading[600], span_para[600];
    snprintf(span_heading, sizeof span_heading, "/ActualText %s\n  /K ", strstr(heading, "<feff"));
    snprintf(span_para, sizeof span_para, "/ActualText %s\n  /K ", strstr(para, "<feff"));
    const char *h = strstr(content, span_heading), *p = h ? strstr(h, span_para) : NULL;
    if (!h || !p)
        fail_msg("no Span element with the %s's logical text as /ActualText",
                 h ? "paragraph" : "heading");
    if (strstr(content, heading)) /* the span as the content would have it */
        fail_msg("the heading's /ActualText is in the page content too");
    /* The address, left to right inside the Arabic letter. */
    char *tree = strdup(run("pdfinfo -struct-text '%s'", path));
    assert_non_null(strstr(tree, "21 Victoria Road"));
    free(tree);
    free(content);
    kl_doc__free(d);
    kl_context_free(ctx);
}

/* An email or web address in running text is a Link element between the
 * paragraph's own text, in reading order, with a Link annotation that names
 * it; a trailing full stop is not part of it. */
static void addresses_in_running_text_are_links(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    kl_doc *d = sample_letter(&samples[0], 14, NULL, 1);
    kl_doc__add(d->root, KL_NODE_PARAGRAPH,
                "Write to help@northshire.example or see https://northshire.example/review.");
    const char *path = render_to(ctx, d, "links", NULL);
    char *tree = strdup(run("pdfinfo -struct-text '%s'", path));
    const char *p = strstr(tree, "\"Write to \""), *l1 = p ? strstr(p, "Link") : NULL;
    const char *mail = l1 ? strstr(l1, "\"help@northshire.example\"") : NULL;
    const char *mid = mail ? strstr(mail, "\" or see \"") : NULL;
    const char *l2 = mid ? strstr(mid, "Link") : NULL;
    /* (At 14 pt the address breaks after its slash: both parts are the Link's.) */
    const char *web = l2 ? strstr(l2, "\"https://northshire.example/") : NULL;
    const char *rest = web ? strstr(web, "review\"") : NULL;
    const char *stop = rest ? strstr(rest, "\".\"") : NULL;
    if (!stop)
        fail_msg("the paragraph does not read text, Link, text, Link, \".\":\n%.3000s",
                 p ? p : tree);
    /* The letterhead's email is a Link too. */
    assert_non_null(strstr(tree, "Link (inline)\n      \"safeguarding@northshire.example\""));
    /* Each annotation's /Contents reads as the letter does (UTF-16 in hex, as qpdf --qdf writes
     * it, or an ASCII literal): the address as shown, not a mailto: target; a contact table's
     * value after its row's label, not a tel: target. */
    char *content = strdup(run("qpdf --qdf --object-streams=disable '%s' -", path));
    const char *targets[] = {"help@northshire.example", "https://northshire.example/review",
                             "safeguarding@northshire.example", "Phone: 01632 960123"};
    assert_null(strstr(content, "/Contents (mailto:"));
    assert_null(strstr(content, "/Contents (tel:"));
    for (size_t i = 0; i < 4; i++) {
        char hex[512], want[600], literal[600];
        utf16_hex(targets[i], hex, sizeof hex);
        snprintf(want, sizeof want, "/Contents %s", strstr(hex, "<feff"));
        snprintf(literal, sizeof literal, "/Contents (%s)", targets[i]);
        if (!strstr(content, want) && !strstr(content, literal))
            fail_msg("no Link annotation whose /Contents is %s", targets[i]);
    }
    free(content);
    free(tree);
    kl_doc__free(d);
    kl_context_free(ctx);
}

static void missing_glyph_is_an_error_not_a_box(void **state)
{
    (void)state;
    kl_test_diags diags;
    kl_context *ctx = kl_test_context(&diags);
    kl_doc *d = sample_letter(&samples[0], 14, NULL, 1);
    kl_doc__add(d->root, KL_NODE_PARAGRAPH, "Symbol \xF0\x9E\xA4\x80 here");
    kl_text_cache *tc;
    kl_pdf_cache *pc;
    assert_int_equal(kl_text__cache_new(&tc), 0);
    assert_int_equal(kl_pdf__cache_new(&pc), 0);
    kl_pdf_opts o = {.fonts = kl_test_fonts, .text = tc, .cache = pc};
    kl_buf out = KL_BUF_INIT;
    assert_int_equal(kl_pdf__render(ctx, d, &o, &out, NULL), KL_EDATA);
    assert_non_null(strstr(kl_context_last_error(ctx)->message, "U+1E900"));
    assert_int_equal(out.len, 0);
    kl_core__buf_free(&out);
    kl_pdf__cache_free(pc);
    kl_text__cache_free(tc);
    kl_doc__free(d);
    kl_context_free(ctx);
}

static void output_is_reproducible_with_a_fixed_date(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    kl_doc *d = sample_letter(&samples[1], 18, NULL, 2);
    kl_text_cache *tc;
    kl_pdf_cache *pc;
    assert_int_equal(kl_text__cache_new(&tc), 0);
    assert_int_equal(kl_pdf__cache_new(&pc), 0);
    kl_pdf_opts o = {
        .fonts = kl_test_fonts, .text = tc, .cache = pc, .creation_date = "2026-03-01T09:00:00Z"};
    kl_buf a = KL_BUF_INIT, b = KL_BUF_INIT;
    assert_int_equal(kl_pdf__render(ctx, d, &o, &a, NULL), 0);
    assert_int_equal(kl_pdf__render(ctx, d, &o, &b, NULL), 0); /* from the caches */
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    /* XMP is not compressed. */
    const char *xmp = "<pdfuaid:part>1</pdfuaid:part>";
    bool found = false;
    for (size_t i = 0; i + strlen(xmp) <= a.len && !found; i++)
        found = !memcmp(a.data + i, xmp, strlen(xmp));
    assert_true(found);
    kl_core__buf_free(&a);
    kl_core__buf_free(&b);
    kl_pdf__cache_free(pc);
    kl_text__cache_free(tc);
    kl_doc__free(d);
    kl_context_free(ctx);
}

/* The letters of a print pack kept from their own rendering (layout and
 * deflated pages; documents and text caches gone by then) make the same
 * pack, byte for byte, as laying their documents out again: including the
 * pages whose content differs in the pack (a second letter's logo is
 * another image name there, so that page is deflated again). */
static kl_doc *pack_doc(size_t k)
{
    static const size_t which[] = {0, 3, 10, 0};
    const char *logo = kl_test_src("tests/data/pdf/logo.png");
    return sample_letter(&samples[which[k]], k == 2 ? 24 : 14, k == 2 ? NULL : logo, (int)k + 1);
}

static int render_pack_of(kl_context *ctx, bool kept, kl_buf *out, const kl_pdf_sink *sink)
{
    enum { N = 4 };
    kl_text_cache *tc;
    kl_pdf_cache *pc;
    assert_int_equal(kl_text__cache_new(&tc), 0);
    assert_int_equal(kl_pdf__cache_new(&pc), 0);
    kl_pdf_opts o = {
        .fonts = kl_test_fonts, .text = tc, .cache = pc, .creation_date = "2026-03-01T09:00:00Z"};
    kl_pdf_pack_letter letters[N + 1] = {{NULL, NULL}};
    kl_doc *docs[N + 1] = {NULL};
    docs[0] = sample_letter(&samples[1], 14, NULL, 1); /* laid out in the pack (the braille note) */
    letters[0].doc = docs[0];
    for (size_t k = 0; k < N; k++) {
        docs[k + 1] = pack_doc(k);
        if (!kept) {
            letters[k + 1].doc = docs[k + 1];
            continue;
        }
        /* Each letter on a cache of its own (a worker's), freed before the pack. */
        kl_text_cache *ltc;
        kl_pdf_cache *lpc;
        assert_int_equal(kl_text__cache_new(&ltc), 0);
        assert_int_equal(kl_pdf__cache_new(&lpc), 0);
        kl_pdf_opts lo = o;
        lo.text = ltc;
        lo.cache = lpc;
        kl_buf letter = KL_BUF_INIT, plain = KL_BUF_INIT;
        unsigned pages = 0;
        assert_int_equal(
            kl_pdf__render_keep(ctx, docs[k + 1], &lo, &letter, &pages, &letters[k + 1].kept), 0);
        assert_non_null(letters[k + 1].kept);
        assert_true(pages >= 1);
        /* The letter itself is the one kl_pdf__render writes. */
        assert_int_equal(kl_pdf__render(ctx, docs[k + 1], &lo, &plain, NULL), 0);
        assert_int_equal(letter.len, plain.len);
        assert_memory_equal(letter.data, plain.data, letter.len);
        kl_core__buf_free(&letter);
        kl_core__buf_free(&plain);
        kl_doc__free(docs[k + 1]);
        docs[k + 1] = NULL;
        kl_pdf__cache_free(lpc);
        kl_text__cache_free(ltc);
    }
    kl_doc *meta = kl_doc__new("en-GB");
    assert_int_equal(kl_doc__set(&meta->title, "Letters to post"), 0);
    unsigned pages = 0;
    int rc = kl_pdf__render_pack(ctx, letters, N + 1, meta, &o, out, sink, &pages);
    if (rc == 0)
        assert_true(pages > N + 1);
    for (size_t k = 0; k <= N; k++) {
        kl_pdf__kept_free(letters[k].kept);
        kl_doc__free(docs[k]);
    }
    kl_doc__free(meta);
    kl_pdf__cache_free(pc);
    kl_text__cache_free(tc);
    return rc;
}

static void a_pack_of_kept_letters_is_the_pack_of_their_documents(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    kl_buf laid = KL_BUF_INIT, kept = KL_BUF_INIT;
    assert_int_equal(render_pack_of(ctx, false, &laid, NULL), 0);
    assert_int_equal(render_pack_of(ctx, true, &kept, NULL), 0);
    assert_int_equal(kept.len, laid.len);
    assert_memory_equal(kept.data, laid.data, laid.len);
    const char *dir = getenv("KL_BUILD_ROOT") ? getenv("KL_BUILD_ROOT") : "/tmp";
    char path[512];
    snprintf(path, sizeof path, "%s/pdf-test-kept-pack.pdf", dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(kept.data, 1, kept.len, f), kept.len);
    fclose(f);
    run("qpdf --check '%s' >/dev/null", path);
    kl_core__buf_free(&laid);
    kl_core__buf_free(&kept);
    kl_context_free(ctx);
}

/* A pack saved through a sink (the batch writes it to its file as it is saved) is the same bytes
 * as the pack saved whole into memory, handed over in pieces, none of it left in the buffer;
 * a sink that fails stops the save with the sink's error and message. */
typedef struct piece_sink {
    kl_buf got;
    size_t calls, fail_after;
    kl_context *ctx;
} piece_sink;

static int piece_write(void *arg, const void *data, size_t len)
{
    piece_sink *s = arg;
    s->calls++;
    if (s->fail_after && s->got.len + len > s->fail_after)
        return kl_core__error(s->ctx, KL_EIO, KL_AT("pack.pdf", 0, 0), "free some space",
                              "cannot write: No space left on device");
    return kl_core__buf_append(&s->got, data, len) ? KL_ENOMEM : 0;
}

static void a_pack_through_a_sink_is_the_same_file(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    kl_buf whole = KL_BUF_INIT, rest = KL_BUF_INIT;
    assert_int_equal(render_pack_of(ctx, true, &whole, NULL), 0);
    piece_sink ps = {.got = KL_BUF_INIT, .ctx = ctx};
    kl_pdf_sink sink = {.write = piece_write, .arg = &ps};
    assert_int_equal(render_pack_of(ctx, true, &rest, &sink), 0);
    assert_int_equal(rest.len, 0); /* nothing of the file kept in memory */
    assert_int_equal(ps.got.len, whole.len);
    assert_memory_equal(ps.got.data, whole.data, whole.len);
    assert_true(whole.len > (64u << 10)); /* so the file went in more than one piece */
    assert_true(ps.calls >= 2);
    /* A sink failing part-way: the save stops with its error. */
    piece_sink bad = {.got = KL_BUF_INIT, .ctx = ctx, .fail_after = whole.len / 2};
    sink.arg = &bad;
    kl_core__buf_clear(&rest);
    assert_int_equal(render_pack_of(ctx, true, &rest, &sink), KL_EIO);
    assert_non_null(strstr(kl_context_last_error(ctx)->message, "No space left"));
    assert_true(bad.got.len <= whole.len / 2);
    kl_core__buf_free(&bad.got);
    kl_core__buf_free(&ps.got);
    kl_core__buf_free(&whole);
    kl_core__buf_free(&rest);
    kl_context_free(ctx);
}

/* Every object that can be is in a compressed object stream, found through a
 * cross-reference stream (written from libharu's object table, compact.c), and qpdf finds the
 * file sound, without a warning. */
static void dictionaries_are_in_object_streams(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    kl_doc *d = sample_letter(&samples[0], 12, NULL, 2);
    const char *path = render_to(ctx, d, "objstm", NULL);
    const char *check = run("qpdf --check %s 2>&1", path);
    assert_non_null(strstr(check, "No syntax or stream encoding errors"));
    assert_null(strstr(check, "WARNING"));
    /* The XMP metadata stays a plain stream outside the object streams (its text is in the
     * file's bytes), and the trailer carries the document's /ID. */
    assert_non_null(strstr(run("cat %s", path), "<pdfuaid:part>1</pdfuaid:part>"));
    assert_non_null(strstr(run("qpdf --show-object=trailer %s", path), "/ID ["));
    const char *xref = run("qpdf --show-xref %s", path);
    size_t packed = 0, plain = 0;
    for (const char *l = xref; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        const char *c = strchr(l, ':');
        const char *nl = strchr(l, '\n');
        if (c && (!nl || c < nl)) {
            if (!strncmp(c, ": compressed", 12))
                packed++;
            else if (!strncmp(c, ": uncompressed", 14))
                plain++;
        }
    }
    /* The structure tree's elements (most objects) are packed; streams cannot be. */
    assert_true(packed > 2 * plain);
    const char *info = run("pdfinfo %s", path);
    assert_non_null(strstr(info, "Tagged:          yes"));
    assert_non_null(strstr(info, "PDF version:     1.7"));
    kl_doc__free(d);
    kl_context_free(ctx);
}

/* The structure tree is not in libharu's objects (compact.c writes it): libharu's own save
 * of such a document fails rather than write a PDF with an empty tree. */
static void libharus_own_save_refuses_the_structure_tree(void **state)
{
    (void)state;
    HPDF_Doc pdf = HPDF_New(NULL, NULL);
    assert_non_null(pdf);
    assert_int_equal(HPDF_SaveToStream(pdf), HPDF_OK); /* the same document without the tree */
    kl_stree t;
    assert_int_equal(kl_pdf__stree_init(&t, pdf, 1, 1), 0);
    assert_int_equal(HPDF_Dict_Add(pdf->catalog, "StructTreeRoot", t.root_obj), HPDF_OK);
    assert_int_not_equal(HPDF_SaveToStream(pdf), HPDF_OK);
    kl_pdf__stree_free(&t);
    HPDF_Free(pdf);
}

/* A glyph's outline as the list of its points (every on- and off-curve
 * point HarfBuzz draws it with). */
typedef struct points {
    float v[4096];
    size_t n;
} points;

static void pt(points *p, float x, float y)
{
    if (p->n + 2 <= sizeof p->v / sizeof *p->v) {
        p->v[p->n++] = x;
        p->v[p->n++] = y;
    }
}

static void pt_move(hb_draw_funcs_t *df, void *d, hb_draw_state_t *st, float x, float y, void *u)
{
    (void)df, (void)st, (void)u;
    pt(d, x, y);
}

static void pt_quad(hb_draw_funcs_t *df, void *d, hb_draw_state_t *st, float cx, float cy, float x,
                    float y, void *u)
{
    (void)df, (void)st, (void)u;
    pt(d, cx, cy);
    pt(d, x, y);
}

static void pt_cubic(hb_draw_funcs_t *df, void *d, hb_draw_state_t *st, float c1x, float c1y,
                     float c2x, float c2y, float x, float y, void *u)
{
    (void)df, (void)st, (void)u;
    pt(d, c1x, c1y);
    pt(d, c2x, c2y);
    pt(d, x, y);
}

static void outline(hb_font_t *font, hb_codepoint_t gid, points *p)
{
    hb_draw_funcs_t *df = hb_draw_funcs_create();
    hb_draw_funcs_set_move_to_func(df, pt_move, NULL, NULL);
    hb_draw_funcs_set_line_to_func(df, pt_move, NULL, NULL);
    hb_draw_funcs_set_quadratic_to_func(df, pt_quad, NULL, NULL);
    hb_draw_funcs_set_cubic_to_func(df, pt_cubic, NULL, NULL);
    p->n = 0;
    hb_font_get_glyph_shape(font, gid, df, p);
    hb_draw_funcs_destroy(df);
}

/* RAISED_GLYPHS (fontpack.c): a glyph that a right-to-left run draws off the
 * baseline (Nastaliq's cascade) is drawn on it as a glyph of its own that
 * the embedded font gains. HarfBuzz reads the rebuilt font back: the new
 * glyphs are the originals moved up (or down) by the rise, with the same
 * advance and outline box, and the font's own glyphs are unchanged. */
static void raised_glyphs_are_the_originals_moved(void **state)
{
    (void)state;
    const kl_font *f = NULL;
    for (unsigned i = 0; i < kl_text__font_count(kl_test_fonts) && !f; i++) {
        const kl_font *c = kl_text__font_at(kl_test_fonts, i);
        if (!strcmp(c->family, "Noto Nastaliq Urdu") && !c->bold)
            f = c;
    }
    assert_non_null(f);
    hb_codepoint_t beh, kaf;
    assert_true(hb_font_get_nominal_glyph(f->font, 0x628, &beh));
    assert_true(hb_font_get_nominal_glyph(f->font, 0x6A9, &kaf));
    kl_gmap m[3] = {{.cid = beh, .gid = beh, .w = INT32_MIN},
                    {.cid = f->num_glyphs, .gid = beh, .w = INT32_MIN, .rise = 310},
                    {.cid = f->num_glyphs + 1, .gid = kaf, .w = INT32_MIN, .rise = -145}};
    unsigned len = 0;
    const char *data = hb_blob_get_data(f->blob, &len);
    kl_buf out = KL_BUF_INIT;
    uint32_t gid[3];
    assert_int_equal(kl_pdf__add_raised((const unsigned char *)data, len, m, 3, &out, gid), 0);
    assert_int_equal(gid[0], beh);
    assert_int_equal(gid[1], f->num_glyphs);
    assert_int_equal(gid[2], f->num_glyphs + 1);
    hb_blob_t *b = hb_blob_create(out.data, (unsigned)out.len, HB_MEMORY_MODE_READONLY, NULL, NULL);
    hb_face_t *face = hb_face_create(b, 0);
    hb_font_t *font = hb_font_create(face);
    assert_int_equal(hb_face_get_glyph_count(face), f->num_glyphs + 2);
    for (int k = 0; k < 3; k++) {
        hb_glyph_extents_t a, e;
        assert_true(hb_font_get_glyph_extents(f->font, m[k].gid, &a));
        assert_true(hb_font_get_glyph_extents(font, gid[k], &e));
        assert_true(a.height != 0);
        assert_int_equal(e.x_bearing, a.x_bearing);
        assert_int_equal(e.width, a.width);
        assert_int_equal(e.height, a.height);
        assert_int_equal(e.y_bearing, a.y_bearing + m[k].rise);
        assert_int_equal(hb_font_get_glyph_h_advance(font, gid[k]),
                         hb_font_get_glyph_h_advance(f->font, m[k].gid));
        /* The outline itself, point by point, moved by the rise. */
        static points po, pn;
        outline(f->font, m[k].gid, &po);
        outline(font, gid[k], &pn);
        assert_true(po.n > 6);
        assert_int_equal(pn.n, po.n);
        for (size_t i = 0; i < po.n; i += 2) {
            assert_float_equal(pn.v[i], po.v[i], 0.01);
            assert_float_equal(pn.v[i + 1], po.v[i + 1] + m[k].rise, 0.01);
        }
    }
    hb_font_destroy(font);
    hb_face_destroy(face);
    hb_blob_destroy(b);
    /* Nothing raised: no new font. */
    m[1].rise = m[2].rise = 0;
    kl_buf none = KL_BUF_INIT;
    assert_int_equal(kl_pdf__add_raised((const unsigned char *)data, len, m, 3, &none, gid), 0);
    assert_int_equal(none.len, 0);
    assert_int_equal(gid[2], kaf);
    kl_core__buf_free(&out);
}

/* WIDTH_GLYPHS (fontpack.c): a code whose /W width is not its glyph's
 * advance draws a glyph whose advance in the font program is that width
 * (PDF/UA-1 7.21.5): the glyph itself when every code drawing it declares
 * the same width, else a copy with the same outline. HarfBuzz reads the
 * rebuilt font back. */
static void declared_widths_are_the_font_programs(void **state)
{
    (void)state;
    const kl_font *f = NULL;
    for (unsigned i = 0; i < kl_text__font_count(kl_test_fonts) && !f; i++) {
        const kl_font *c = kl_text__font_at(kl_test_fonts, i);
        if (!strcmp(c->family, "Noto Nastaliq Urdu") && !c->bold)
            f = c;
    }
    assert_non_null(f);
    hb_codepoint_t beh, kaf, alef;
    assert_true(hb_font_get_nominal_glyph(f->font, 0x628, &beh));
    assert_true(hb_font_get_nominal_glyph(f->font, 0x6A9, &kaf));
    assert_true(hb_font_get_nominal_glyph(f->font, 0x627, &alef));
    /* beh: once at its advance, once narrower (a copy); kaf: always 321/1000
     * em (its own advance changes); alef raised and 1/1000 em wide (one
     * copy for both codes that draw it so). */
    kl_gmap m[5] = {{.cid = beh, .gid = beh, .w = INT32_MIN},
                    {.cid = f->num_glyphs, .gid = beh, .w = 123},
                    {.cid = kaf, .gid = kaf, .w = 321},
                    {.cid = f->num_glyphs + 1, .gid = alef, .w = 1, .rise = 200},
                    {.cid = f->num_glyphs + 2, .gid = alef, .w = 1, .rise = 200}};
    unsigned len = 0;
    const char *data = hb_blob_get_data(f->blob, &len);
    kl_buf out = KL_BUF_INIT;
    uint32_t gid[5];
    assert_int_equal(kl_pdf__add_raised((const unsigned char *)data, len, m, 5, &out, gid), 0);
    assert_int_equal(gid[0], beh);
    assert_int_equal(gid[1], f->num_glyphs);
    assert_int_equal(gid[2], kaf);
    assert_int_equal(gid[3], f->num_glyphs + 1);
    assert_int_equal(gid[4], gid[3]);
    hb_blob_t *b = hb_blob_create(out.data, (unsigned)out.len, HB_MEMORY_MODE_READONLY, NULL, NULL);
    hb_face_t *face = hb_face_create(b, 0);
    hb_font_t *font = hb_font_create(face);
    assert_int_equal(hb_face_get_glyph_count(face), f->num_glyphs + 2);
    for (int k = 0; k < 5; k++) {
        int adv = hb_font_get_glyph_h_advance(font, gid[k]);
        double want = m[k].w == INT32_MIN
                          ? hb_font_get_glyph_h_advance(f->font, m[k].gid) * 1000.0 / f->upem
                          : m[k].w;
        assert_true(fabs(adv * 1000.0 / f->upem - want) <= 1.0);
        hb_glyph_extents_t a, e;
        assert_true(hb_font_get_glyph_extents(f->font, m[k].gid, &a));
        assert_true(hb_font_get_glyph_extents(font, gid[k], &e));
        assert_int_equal(e.x_bearing, a.x_bearing);
        assert_int_equal(e.width, a.width);
        assert_int_equal(e.y_bearing, a.y_bearing + m[k].rise);
    }
    hb_font_destroy(font);
    hb_face_destroy(face);
    hb_blob_destroy(b);
    kl_core__buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_script_embeds_subset_fonts_with_unicode),
        cmocka_unit_test(left_to_right_text_comes_back_exactly),
        cmocka_unit_test(address_text_is_inside_the_window),
        cmocka_unit_test(structure_tree_and_artifacts),
        cmocka_unit_test(rtl_structure_carries_the_logical_text),
        cmocka_unit_test(addresses_in_running_text_are_links),
        cmocka_unit_test(missing_glyph_is_an_error_not_a_box),
        cmocka_unit_test(output_is_reproducible_with_a_fixed_date),
        cmocka_unit_test(a_pack_of_kept_letters_is_the_pack_of_their_documents),
        cmocka_unit_test(a_pack_through_a_sink_is_the_same_file),
        cmocka_unit_test(dictionaries_are_in_object_streams),
        cmocka_unit_test(libharus_own_save_refuses_the_structure_tree),
        cmocka_unit_test(raised_glyphs_are_the_originals_moved),
        cmocka_unit_test(declared_widths_are_the_font_programs),
    };
    return cmocka_run_group_tests(tests, kl_test_fonts_setup, kl_test_fonts_teardown);
}
