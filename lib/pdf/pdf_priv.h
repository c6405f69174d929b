/* SPDX-License-Identifier: MIT */
/* pdf/pdf_priv.h: what the PDF writer's files share (pdf.c: pages, structure, the document;
 * glyphs.c: glyph codes and fonts): the render state and libharu's checks (internal). */
#ifndef KL_PDF_PRIV_H
#define KL_PDF_PRIV_H

#include "layout/layout.h"
#include "pdf/fontpack.h"
#include "pdf/stree.h"

#include <hpdf.h>
#include <nettle/md5.h>

typedef struct hpdf_err {
    HPDF_STATUS error_no, detail_no;
} hpdf_err;

typedef struct imgent {
    const char *src;
    HPDF_Image img;
} imgent;

/* A PDF file being written: its bytes from out->start on (out holds about 64 KB at a time when
 * there is a sink, which takes them as they gather), the MD5 of the bytes sunk (the /ID), and
 * the objects written before the save (a print pack's page contents, as its pages are made):
 * libharu's object number and the offset of each, in increasing numbers. */
typedef struct kl_pdf_ahead {
    uint32_t num, off;
} kl_pdf_ahead;

typedef struct kl_pdf_file {
    kl_buf *out;
    size_t start;
    const kl_pdf_sink *sink;
    size_t sunk;        /* bytes of the file already handed to the sink */
    struct md5_ctx md5; /* of those bytes */
    int sink_rc;        /* the sink's error */
    bool begun;         /* the header written */
    bool fast;          /* object streams deflated at KL_PDF_DEFLATE_FAST (a print pack) */
    kl_pdf_ahead *ahead;
    size_t nahead, capahead;
} kl_pdf_file;

/* compact.c: the header written (once); where the next byte goes; with a sink, out's bytes to
 * it (all with force, else once SINK_AT have gathered: 0, KL_ENOMEM or the sink's error);
 * the file's table freed (not out). */
void kl_pdf__file_begin(kl_pdf_file *f);
size_t kl_pdf__file_pos(const kl_pdf_file *f);
int kl_pdf__file_sink(kl_pdf_file *f, bool force);
void kl_pdf__file_free(kl_pdf_file *f);

/* Save libharu's document pdf (its stream writing to f->out) and its structure tree t (pdf/stree.h,
 * NULL for none) into the file f (its header first, unless written): every object that can be in
 * deflated object streams, a cross-reference stream, a deterministic /ID (compact.c); the
 * objects written ahead are not written again. 0, KL_ENOMEM, KL_EBACKEND (libharu's error is on
 * pdf) or the sink's error. */
int kl_pdf__save_compact(HPDF_Doc pdf, const kl_stree *t, kl_pdf_cache *cache, kl_pdf_file *f);

typedef struct render {
    kl_context *ctx;
    const kl_doc *doc;
    const kl_pdf_opts *o;
    const kl_pdf_sink *sink; /* where the saved file goes; NULL: into the out buffer */
    kl_pdf_file *file;       /* a print pack's file, written as its pages are made; else NULL */
    kl_layout *L;
    HPDF_Doc pdf;
    hpdf_err err;
    kl_fontuse *use; /* per font id */
    unsigned nfonts;
    HPDF_Dict *type0; /* per font id, NULL if unused */
    kl_stree st;      /* the structure tree: element i is kl_selem id i (stree.h) */
    double *se_y;     /* per kl_selem id: where its content starts on its first page */
    HPDF_Page *pages;
    /* The one Resources dictionary every page refers to (its ProcSet, every font, every image
     * XObject): a dictionary of its own on each page cost about 2 KB of libharu's objects a
     * page, 2.4 MB in a print pack of 1,200 pages. */
    HPDF_Dict res, res_fonts, res_xobjects;
    imgent *imgs;
    size_t nimgs, capimgs;
    unsigned nimg_names;
    kl_buf cs; /* content of the current page */
    kl_buf tmp;
    struct rawdata *raws;   /* streams written straight to the output */
    bool oom;               /* an allocation of ours failed under a libharu call */
    const kl_font *tf_font; /* the page's current Tf, to set it only when it changes */
    double tf_size;
    struct glyph_code *codes; /* scratch: the codes of one run's glyphs (kl_pdf__run_codes) */
    size_t capcodes;
    struct gtext *texts; /* scratch: the texts of one run's glyphs */
    size_t captexts;
    /* A document of at most KEPT_MAX glyphs (a letter, not a print pack):
     * each run's codes as collecting worked them out, in drawing order, and
     * the run they are for; drawing takes them instead of finding them again
     * (kl_pdf__run_codes). NULL: not kept. */
    struct glyph_code *kept;
    const kl_trun **kept_runs;
    size_t nkept_runs, kept_at, kept_run_at;
    /* Each structure element's text items in reading order (built on first
     * use by element_text): a pack's thousands of pages are not scanned
     * again for every link. */
    int32_t *se_head;         /* per kl_selem id - ix_id0: first entry in se_items, -1 none */
    struct se_item *se_items; /* NULL: not built (or no memory: scan instead) */
    size_t ix_id0, ix_id1;    /* the elements indexed (a print pack: one letter's) */
    size_t ix_span;           /* the pack's letter indexed (span_at when it was built) */
    /* A letter kept for its print pack: each page's deflated content is kept
     * here too. A print pack: per page, the kept letter's page it came from
     * (its deflated content reused when the content is the same), or none. */
    kl_pdf_kept *keep;
    const struct pack_page *reuse;
    /* A kept letter: the checksum of the codes the page being written drew with (valid when
     * page_codes_ok: a page of text only, its codes kept). A print pack: the kept page that
     * the page being written is drawn as (its content that page's), or NULL (dry_page). */
    uint64_t page_codes;
    bool page_codes_ok;
    const struct kept_page *dry;
    /* A print pack: where each letter's pages and held paragraphs end in L (the next
     * letter's start), so that they are freed once its pages are written. */
    const struct pack_span *spans;
    size_t nspans, span_at; /* span_at: the letter being written */
    /* What the pages will add to the structure tree (kl_pdf__collect_glyphs counts them, so
     * that its arrays are made at their sizes): marked-content sequences of elements, lines
     * with a Span of their own, link annotations. */
    size_t nmc, nspan_lines, nlink_items;
} render;

typedef struct se_item {
    uint32_t page, i;
    int32_t next; /* the element's next item, -1 none */
} se_item;

/* A glyph as drawn: its CID (NO_TEXT: drawn as an outline), the width in
 * /W of that CID (INT32_MIN: the glyph's advance) and how far up the CID's
 * glyph draws it (points; RAISED_GLYPHS in fontpack.c), the rest of its
 * offset from the baseline being a text rise (Ts). */
typedef struct glyph_code {
    uint32_t cid;
    int32_t w;
    float raised;
} glyph_code;
#define NO_TEXT UINT32_MAX

#define HCHECK(r, expr)                                                                            \
    do {                                                                                           \
        if ((expr) != HPDF_OK || (r)->err.error_no)                                                \
            return kl_pdf__hpdf_fail(r, #expr);                                                    \
    } while (0)

/* libharu failed in `what` (or an allocation of ours under it: then out of
 * memory): reported on r->ctx, its code returned. */
int kl_pdf__hpdf_fail(render *r, const char *what);
/* A dictionary that is an object of its own, NULL when out of memory. */
HPDF_Dict kl_pdf__new_dict(render *r);
/* libharu writes dict->attr verbatim before ">>" (for /W and the /Filter
 * of streams deflated by us): a dictionary's write_fn. */
HPDF_STATUS kl_pdf__write_raw(HPDF_Dict d, HPDF_Stream s);
/* A stream of len bytes at data (copied when copy, else borrowed from the
 * cache), written straight into the output; NULL when out of memory. */
HPDF_Dict kl_pdf__raw_stream(render *r, const void *data, size_t len, bool deflated, bool copy);

/* glyphs.c: every glyph's code and /W width of pages p0 to p1 - 1 added to the fonts' use
 * (r->use), and what those pages will add to the structure tree counted (r->nmc...); then, as
 * text_run draws run k of line l, its glyphs' codes
 * (*codes: kept from collecting, or found again, the same, into r->codes);
 * font id's embedded font
 * (r->type0[id]). */
int kl_pdf__collect_glyphs(render *r, size_t p0, size_t p1);
int kl_pdf__run_codes(render *r, const kl_tline *l, uint32_t k, const glyph_code **codes);
int kl_pdf__embed_font(render *r, unsigned id);

#endif
