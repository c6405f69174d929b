/* SPDX-License-Identifier: MIT */
/* layout/layout.h: the document tree into A4 pages of positioned, tagged lines (internal). */
#ifndef KL_LAYOUT_H
#define KL_LAYOUT_H

#include "compose/doc.h"
#include "text/text.h"

/* Structure roles, for the tagged PDF (PDF/UA standard structure types). */
typedef enum kl_role {
    KL_ROLE_DOCUMENT = 0,
    KL_ROLE_SECT,
    KL_ROLE_H, /* with level 1..6 */
    KL_ROLE_P,
    KL_ROLE_L,
    KL_ROLE_LI,
    KL_ROLE_LBL,
    KL_ROLE_LBODY,
    KL_ROLE_TABLE,
    KL_ROLE_TR,
    KL_ROLE_TH,
    KL_ROLE_TD,
    KL_ROLE_FIGURE,
    KL_ROLE_LINK,
    KL_ROLE_TBODY,
    KL_ROLE_SPAN /* inline text in another language (lang), inside a P, LBody or TD */
} kl_role;

/* One structure element. Strings are borrowed from the document. */
typedef struct kl_selem kl_selem;
struct kl_selem {
    unsigned id;      /* 0.. in creation (reading) order; < kl_layout.nselems */
    uint8_t role;     /* a kl_role: a byte, as level, so an element is 72 bytes (80 on the heap,
                       * not 96) */
    uint8_t level;    /* KL_ROLE_H: 1..6 */
    const char *lang; /* effective language of the content */
    const char *alt;  /* KL_ROLE_FIGURE */
    const char *href; /* KL_ROLE_LINK */
    const char *text; /* KL_ROLE_H: the heading (for bookmarks); else NULL */
    kl_selem *parent, *first, *last, *next;
};

typedef enum kl_item_kind { KL_ITEM_TEXT = 0, KL_ITEM_IMAGE } kl_item_kind;

/* A run of text in another language inside a right-to-left line (review
 * data printed as written): UTF-16 offsets [a, b) in the paragraph, as
 * kl_trun.start counts them, and its language. */
typedef struct kl_langrun {
    uint32_t a, b;
    const char *lang;
} kl_langrun;

/* One positioned thing on a page, in PDF coordinates (points, origin at
 * the bottom left). Items of a page are in reading order. */
typedef struct kl_item {
    kl_item_kind kind;
    uint32_t nlangs;      /* how many langs (next to kind: an item is 72 bytes, not 80) */
    kl_selem *se;         /* NULL: an artifact (page number) */
    double x, y;          /* TEXT: pen at the baseline; IMAGE: bottom left */
    const kl_tline *line; /* TEXT: borrowed from the text cache */
    double w, h;          /* IMAGE: size; TEXT: w = visible width, h = font size */
    const char *src;      /* IMAGE: PNG path (borrowed) */
    /* TEXT in a right-to-left paragraph: its runs in another language, each
     * drawn inside a marked-content /Span with /Lang (the line stays whole:
     * split into pieces, pdftotext read a space before the punctuation after
     * the run); NULL elsewhere, where such a run is a Span element. */
    const kl_langrun *langs;
} kl_item;

typedef struct kl_page {
    kl_item *items;
    size_t n, cap;
} kl_page;

typedef struct kl_layout {
    kl_page *pages;
    size_t npages, cap_pages;
    kl_selem *root; /* KL_ROLE_DOCUMENT */
    unsigned nselems;
    double width, height;
    const char *lang; /* the document's language */
    char **owned;     /* link targets and split lines (freed with the layout) */
    size_t nowned, cap_owned;
    /* The paragraphs the lines point into, held (kl_text__para_hold) when laid
     * out with kl_layout_opts.hold_text, released when the layout is freed. */
    const kl_tpara **held;
    size_t nheld, cap_held;
} kl_layout;

/* Writes the page label for page n of total into out (UTF-8, NUL-terminated); 0, or an error
 * code (KL_ENOMEM) that stops the layout. */
typedef int (*kl_page_label_fn)(unsigned n, unsigned total, char *out, size_t cap, void *userdata);

typedef struct kl_layout_opts {
    const kl_fontset *fonts; /* required */
    kl_text_cache *cache;    /* required; holds the shaped lines the layout points to */
    double line_spacing;     /* 0: 1.4 */
    /* Page label: page_label_fn if set; else page_label, where {n} and
     * {total} are replaced; else the letter's own common.page message (the
     * document's page_pattern, formatted in its language); else "Page {n} of
     * {total}". */
    const char *page_label;
    kl_page_label_fn page_label_fn;
    void *page_label_userdata;
    /* Hold every paragraph laid out, so the layout outlives the cache's
     * next trim (a letter kept for its print pack, used on another thread). */
    bool hold_text;
} kl_layout_opts;

/* Lay out doc. The result points into the cache: keep the cache untrimmed
 * until the layout is freed. Errors come from the text module (KL_EDATA
 * for a character no font has) or KL_ENOMEM. */
int kl_layout__run(kl_context *ctx, const kl_doc *doc, const kl_layout_opts *opts, kl_layout **out);
void kl_layout__free(kl_layout *l);

/* Free the items of pages [from, to) (they become empty) and release the held paragraphs
 * [held_from, held_to) (their entries NULL): a print pack's letter once its pages are
 * written. The structure elements and owned strings stay until kl_layout__free. */
void kl_layout__release(kl_layout *l, size_t from, size_t to, size_t held_from, size_t held_to);

/* The layout's arrays at their sizes (they grow by doubling): a layout kept a while. */
void kl_layout__shrink(kl_layout *l);

/* Copy the strings l borrows from its document (languages, alternative
 * texts, link targets, headings, image paths) into memory of its own, so the
 * document can be freed before the layout. 0 or KL_ENOMEM (l unchanged). */
int kl_layout__detach(kl_layout *l);

/* Page geometry, in millimetres (postal window from GOV.UK Notify's spec). */
#define KL_MM             (72.0 / 25.4)
#define KL_A4_W           (210.0 * KL_MM)
#define KL_A4_H           (297.0 * KL_MM)
#define KL_WINDOW_X       (24.6 * KL_MM)
#define KL_WINDOW_TOP     (39.5 * KL_MM)
#define KL_WINDOW_W       (95.4 * KL_MM)
#define KL_WINDOW_H       (26.8 * KL_MM)
#define KL_MARGIN         (20.0 * KL_MM)
#define KL_BODY_TOP_PAGE1 (95.0 * KL_MM)

#endif
