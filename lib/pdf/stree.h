/* SPDX-License-Identifier: MIT */
/* pdf/stree.h: the document's structure tree without libharu objects (internal). pdf.c
 * builds it while it writes the pages (an element per kl_selem, a Span per line that carries
 * /ActualText, each element's kids, the ParentTree); compact.c writes it into the object
 * streams with object numbers it assigns after libharu's last object. A structure element
 * costs about 40 bytes here (it cost about 1.2 KB of libharu dictionaries). libharu holds
 * one empty dictionary for the StructTreeRoot (root_obj), so the catalog can refer to it;
 * compact.c writes that object's contents, and libharu's own save of the document
 * (HPDF_SaveToStream) fails on it rather than write an empty tree. */
#ifndef KL_PDF_STREE_H
#define KL_PDF_STREE_H

#include "layout/layout.h"

#include <hpdf.h>
#include <stdint.h>

#define KL_STREE_ROOT UINT32_MAX /* an element's parent: the StructTreeRoot */

/* What a kid is (kl_stree_kid.kind). */
enum { KL_SK_ELEM, KL_SK_MCID, KL_SK_MCR, KL_SK_OBJR };

/* One entry of an element's /K: another element (v its index), an MCID on the element's
 * page (v), an MCR (MCID v on page pg) or an OBJR (annotation v of kl_stree.an, on page
 * pg). */
typedef struct kl_stree_kid {
    uint32_t v;
    uint32_t pg : 30;
    uint32_t kind : 2;
    int32_t next; /* the element's next kid, -1 none */
} kl_stree_kid;

/* A structure element: s gives /S, /Lang and /Alt (NULL: a line's Span, whose one kid is the
 * MCID x). text: ntext bytes of UTF-16BE (BOM included) at text in kl_stree.texts, a Span's
 * /ActualText or a Figure's /Alt when that is not printable ASCII (else s->alt is written). */
typedef struct kl_stree_elem {
    const kl_selem *s;
    uint32_t parent; /* element index, or KL_STREE_ROOT */
    int32_t page;    /* /Pg: page index, -1 none */
    int32_t head, tail;
    uint32_t text, ntext;
    uint32_t x; /* a Span: its MCID; a Figure: its /BBox index + 1, 0 none */
} kl_stree_elem;

/* A string written as libharu wrote pdf.c's text strings: lit, a literal string of printable
 * ASCII (escaped), or (lit NULL) ntext bytes of UTF-16BE (BOM included) at text in
 * kl_stree.texts, a hexadecimal string. */
typedef struct kl_stree_str {
    const char *lit;
    uint32_t text, ntext;
} kl_stree_str;

/* A link annotation (/Type /Annot /Subtype /Link), written by compact.c as an object after
 * libharu's, and listed in its page's /Annots: /Rect, /A << /Type /Action /S /URI /URI href
 * >>, /P, /Border [0 0 0], /Contents, /F 4, /StructParent. About 60 bytes here (4.6 KB of
 * libharu objects). href: the layout's (it outlives the save). */
typedef struct kl_stree_annot {
    const char *href;
    float rect[4]; /* left bottom right top */
    uint32_t page;
    kl_stree_str contents;
} kl_stree_annot;

/* An outline item (/Title, /Parent, /Prev, /Next, /First, /Last, /Count, /Dest: an array
 * object [page /FitH y]), written by compact.c as two objects after libharu's. Indexes of
 * kl_stree.out; KL_STREE_ROOT: the Outlines dictionary (parent) or none. */
typedef struct kl_stree_outline {
    kl_stree_str title;
    uint32_t parent, prev, next, first, last;
    uint32_t count; /* descendants (every item is open, as libharu's were) */
    uint32_t page;
    float y;
} kl_stree_outline;

typedef struct kl_stree {
    HPDF_Dict root_obj;   /* libharu's placeholder for the StructTreeRoot */
    uint32_t top;         /* the element that is the root's /K */
    const char *doc_lang; /* the document's /Lang (an element's /Lang when it differs) */
    kl_stree_elem *e;
    size_t ne, cape;
    kl_stree_kid *k;
    size_t nk, capk;
    uint32_t *page_obj; /* each page's object number */
    size_t npages;
    uint32_t *mc;               /* ParentTree: the element of each MCID, pages one after another */
    uint32_t *mc_count;         /* how many of them each page has */
    size_t nmc, capmc, mc_page; /* mc_page: the page MCIDs are being added to */
    uint32_t *annots;           /* the element of each annotation, keys npages, npages + 1, ... */
    kl_stree_annot *an;         /* each annotation, in page order */
    size_t nannots, capannots, capan;
    HPDF_Dict out_obj; /* libharu's placeholder for the Outlines dictionary, NULL: no outline */
    kl_stree_outline *out;
    size_t nout, capout;
    uint32_t out_first, out_last; /* the Outlines dictionary's /First, /Last */
    float (*bbox)[4];             /* Figures' /BBox */
    size_t nbbox, capbbox;
    kl_buf texts; /* the Spans' /ActualText */
} kl_stree;

/* ns elements (one per kl_selem id) and np pages; the placeholder is added to pdf's objects.
 * 0 or KL_ENOMEM. */
int kl_pdf__stree_init(kl_stree *t, HPDF_Doc pdf, size_t ns, size_t np);
void kl_pdf__stree_free(kl_stree *t);
/* At least ns elements (the new ones empty) and np pages (their objects and MCIDs none yet): a
 * print pack made a letter at a time. 0 or KL_ENOMEM. */
int kl_pdf__stree_grow(kl_stree *t, size_t ns, size_t np);
/* Room for what is still to be added (spans, kids, MCIDs, annotations), made at once rather
 * than by doubling. */
void kl_pdf__stree_reserve(kl_stree *t, size_t spans, size_t kids, size_t mcids, size_t annots);
/* The Spans after every other element (a print pack made a letter at a time has each letter's
 * Spans after its elements): the order, and so the object numbers, of a tree made at once.
 * The elements' kl_selem ids no longer index it. 0 or KL_ENOMEM. */
int kl_pdf__stree_spans_last(kl_stree *t);
/* Its arrays at their sizes (they grew by doubling), once nothing more is added: a print
 * pack's before saving. */
void kl_pdf__stree_trim(kl_stree *t);
/* Element i's text (a Figure's /Alt that is not printable ASCII): UTF-16BE, len bytes. 0 or
 * KL_ENOMEM. */
int kl_pdf__stree_text(kl_stree *t, uint32_t i, const void *text, size_t len);
/* /S of s ("Document", "H2", ...). */
const char *kl_pdf__role_name(const kl_selem *s);
/* A kid appended to element i's /K. 0 or KL_ENOMEM. */
int kl_pdf__stree_kid(kl_stree *t, uint32_t i, unsigned kind, uint32_t v, uint32_t pg);
/* Page p's next MCID, claimed by element i: the MCID; -1 when out of memory, -2 when a page
 * before the last page given is given (pages get their MCIDs in order). */
int64_t kl_pdf__stree_mcid(kl_stree *t, size_t p, uint32_t i);
/* A Span for a line of element i: MCID mcid on page p, UTF-16BE text (len bytes, BOM
 * included) as /ActualText. Its index, or -1 when out of memory. */
int64_t kl_pdf__stree_span(kl_stree *t, uint32_t i, size_t p, uint32_t mcid, const void *text,
                           size_t len);
/* A link annotation a (href, rect, contents: its texts are copied into texts) on page p,
 * which belongs to element i (an OBJR kid and a ParentTree entry): its /StructParent key, -1
 * when out of memory. Annotations are added in page order. */
int64_t kl_pdf__stree_annot(kl_stree *t, uint32_t i, size_t p, const kl_stree_annot *a,
                            const void *contents, size_t len);
/* An outline item under item parent (KL_STREE_ROOT: the top level), its title and contents
 * copied as for an annotation; the first adds the Outlines placeholder to pdf's objects. Its
 * index, or -1 when out of memory. */
int64_t kl_pdf__stree_outline(kl_stree *t, HPDF_Doc pdf, uint32_t parent, const kl_stree_outline *o,
                              const void *title, size_t len);
/* Figure i's /A << /O /Layout /BBox [x0 y0 x1 y1] >> (the last one given). 0 or KL_ENOMEM. */
int kl_pdf__stree_bbox(kl_stree *t, uint32_t i, float x0, float y0, float x1, float y1);

#endif
