/* SPDX-License-Identifier: MIT */
/* pdf/compact.c: the document saved from libharu's own object table with object streams and a
 * cross-reference stream (PDF 1.5+), instead of libharu's uncompressed objects and classic
 * xref table. The objects are visited in libharu's order and written by libharu's object
 * writer, as HPDF_SaveToStream would: a stream object (page contents, fonts, ToUnicode, images,
 * the XMP metadata) straight into the output as it was (so the metadata stays a plain,
 * uncompressed stream); every other object (dictionaries, arrays, numbers: the structure tree,
 * pages, the catalog) into a memory buffer that becomes a deflated object stream of at most
 * OBJSTM_MAX objects. The object streams follow the last of libharu's objects, then the
 * cross-reference stream (PNG-up predicted, deflated) with /Root, /Info and an /ID that is
 * the MD5 of the bytes before it, so the same letter gives the same bytes. Nothing is parsed:
 * the cost over libharu's own save is one deflate of the dictionaries.
 *
 * The structure tree is not in libharu's objects (stree.h: pdf.c builds it compactly): its
 * StructTreeRoot is a placeholder object in libharu's table, skipped there, and after
 * libharu's last object come the root and every structure element, numbered from there, in
 * the same object streams, written here with the keys libharu's dictionaries had. So are the
 * link annotations (numbered first, as the pages' /Annots name them while libharu's objects
 * are written) and the outline's items and destinations; the outline's root is a placeholder
 * as the StructTreeRoot's is.
 *
 * Not in an object stream, as the PDF specification requires: stream objects and objects
 * whose generation is not 0. A document libharu would encrypt (kinletter never asks it to) is
 * an error: libharu's own writer cannot write the structure tree. libqpdf is still
 * the library's encryption (mail/protect.c) and Notify reader (check/notify.c): the lock they
 * share lives here. */
#include "core/core.h"
#include "pdf/pdf_priv.h"

#include <hpdf.h>
#include <nettle/md5.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

/* libqpdf 11.3 writes shared state while writing (ThreadSanitizer saw two threads' writers
 * race in a std::string inside libqpdf), so every use of libqpdf in the library (protect.c's
 * encryption, check's Notify reader) holds this one lock. */
static pthread_mutex_t qpdf_mutex = PTHREAD_MUTEX_INITIALIZER;

void kl_pdf__qpdf_lock(void)
{
    pthread_mutex_lock(&qpdf_mutex);
}

void kl_pdf__qpdf_unlock(void)
{
    pthread_mutex_unlock(&qpdf_mutex);
}

/* Objects in one object stream. A reader inflates a whole stream to reach one of its
 * objects. qpdf's default is 100; measured on the benchmark batch (docs/PERFORMANCE.md), a
 * six-page letter has 191 objects to pack, so one stream holds a letter, and a print pack
 * of 1,200 pages is 1.0% smaller with streams of 400 objects than of 200 (0.5% larger than of
 * 1,000). */
#define OBJSTM_MAX 400

/* One cross-reference entry: type 0 (free), 1 (offset f2) or 2 (f3-th object of the object
 * stream f2; f2 counts this document's object streams until their numbers are known). */
typedef struct xent {
    uint32_t f2;
    uint16_t f3;
    uint8_t type;
} xent;

/* A finished object stream waiting for its number: n objects, the first at byte first of the
 * inflated data, zlen deflated bytes at off in pend. */
typedef struct objstm {
    size_t off, zlen;
    unsigned n, first;
} objstm;

/* With a sink, out is handed to it whenever it holds SINK_AT bytes at the end of an object (a
 * print pack goes to its file as it is saved instead of whole into memory first). */
#define SINK_AT (64u << 10)

typedef struct writer {
    kl_pdf_cache *cache;
    kl_pdf_file *f; /* the file (its bytes so far, the sink, the objects written ahead) */
    kl_buf *out;    /* f->out */
    kl_buf body;    /* the current object stream's objects */
    kl_buf head;    /* and its "number offset" pairs */
    unsigned nin;
    kl_buf pend; /* finished object streams, deflated */
    objstm *stms;
    size_t nstms, capstms;
    xent *x;
    size_t nx, capx;
    /* The structure tree's objects (stree.h): the StructTreeRoot's and the Outlines'
     * placeholders, the first annotation's number, the first outline item's, the first
     * element's. */
    uint32_t root_num, out_num, ab, ob, eb;
} writer;

size_t kl_pdf__file_pos(const kl_pdf_file *f)
{
    return f->sunk + f->out->len - f->start;
}

/* Where the next byte of the file goes. */
static size_t file_pos(const writer *w)
{
    return kl_pdf__file_pos(w->f);
}

void kl_pdf__file_begin(kl_pdf_file *f)
{
    if (f->begun)
        return;
    f->begun = true;
    md5_init(&f->md5);
    /* libharu's header for PDF 1.7 (a comment of bytes above 127: a binary file). */
    kl_core__buf_puts(f->out, "%PDF-1.7\n%\267\276\255\252\n");
}

int kl_pdf__file_sink(kl_pdf_file *f, bool force)
{
    kl_buf *out = f->out;
    size_t n = out->len - f->start;
    if (out->oom)
        return KL_ENOMEM;
    if (!f->sink || !n || (!force && n < SINK_AT))
        return 0;
    const char *p = out->data + f->start;
    md5_update(&f->md5, n, (const uint8_t *)p);
    int rc = f->sink->write(f->sink->arg, p, n);
    if (rc < 0)
        return f->sink_rc = rc;
    f->sunk += n;
    out->len = f->start;
    return 0;
}

void kl_pdf__file_free(kl_pdf_file *f)
{
    kl_free(f->ahead);
    f->ahead = NULL;
    f->nahead = f->capahead = 0;
}

static int sink_out(writer *w, bool force)
{
    return kl_pdf__file_sink(w->f, force);
}

static HPDF_STATUS body_write(HPDF_Stream s, const HPDF_BYTE *data, HPDF_UINT len)
{
    return kl_core__buf_append(s->attr, data, len) ? HPDF_FAILD_TO_ALLOC_MEM : HPDF_OK;
}

static char *put_u(char *p, uint64_t v)
{
    char tmp[24];
    int n = 0;
    do
        tmp[n++] = (char)('0' + v % 10);
    while ((v /= 10));
    while (n)
        *p++ = tmp[--n];
    return p;
}

/* Deflate the current object stream (header, then objects) into pend. */
static int flush_stm(writer *w)
{
    if (!w->nin)
        return 0;
    int rc = KL_GROW(w->stms, w->capstms, w->nstms + 1);
    if (rc < 0)
        return KL_ENOMEM;
    objstm *o = &w->stms[w->nstms];
    o->n = w->nin;
    o->first = (unsigned)w->head.len;
    /* The header moved in front of the objects in body's own room (a copy of the objects into
     * head would hold them twice: up to 1 MB in a print pack's stream with the ParentTree). */
    size_t hl = w->head.len, bl = w->body.len;
    if (kl_core__buf_reserve(&w->body, hl))
        return KL_ENOMEM;
    memmove(w->body.data + hl, w->body.data, bl);
    memcpy(w->body.data, w->head.data, hl);
    w->body.len = hl + bl;
    w->body.data[w->body.len] = '\0';
    const unsigned char *z;
    size_t zlen;
    if ((rc = (w->f->fast ? kl_pdf__deflate_fast : kl_pdf__deflate)(w->cache, w->body.data,
                                                                    w->body.len, &z, &zlen)))
        return rc;
    o->off = w->pend.len;
    o->zlen = zlen;
    if (kl_core__buf_append(&w->pend, z, zlen))
        return KL_ENOMEM;
    w->nstms++;
    w->nin = 0;
    kl_core__buf_clear(&w->head);
    kl_core__buf_clear(&w->body);
    return 0;
}

static bool is_stream(void *obj)
{
    const HPDF_Obj_Header *h = obj;
    if ((h->obj_class & HPDF_OCLASS_ANY) != HPDF_OCLASS_DICT)
        return false;
    const HPDF_Dict_Rec *d = obj;
    /* libharu's streams have a memory stream; kinletter's (pdf.c's raw streams) write their
     * bytes from after_write_fn. The encryption dictionary never goes in an object stream. */
    return d->stream || d->after_write_fn ||
           h->obj_class == (HPDF_OCLASS_DICT | HPDF_OSUBCLASS_ENCRYPT);
}

static void put_ref(kl_buf *b, uint32_t n);

/* Page p's /Annots (its annotations from *a on, in page order) before the end of its
 * dictionary, where libharu had it (the page's last key). */
static int page_annots(writer *w, const kl_stree *t, size_t p, size_t *a)
{
    kl_buf *b = &w->body;
    if (*a >= t->nannots || t->an[*a].page != p)
        return 0;
    if (b->len < 2 || memcmp(b->data + b->len - 2, ">>", 2))
        return KL_EBACKEND;
    b->len -= 2;
    kl_core__buf_puts(b, "/Annots [ ");
    for (; *a < t->nannots && t->an[*a].page == p; ++*a) {
        put_ref(b, w->ab + (uint32_t)*a);
        kl_core__buf_putc(b, ' ');
    }
    kl_core__buf_puts(b, "]\n>>");
    return b->oom ? KL_ENOMEM : 0;
}

/* Every object of libharu's table, in its order (a before_write_fn may add objects: the
 * count is read again each time, as libharu's own writer does; with link annotations, whose
 * numbers follow libharu's and are in the pages' /Annots, none may be added). */
static int write_objects(writer *w, HPDF_Doc pdf, HPDF_Stream mem, const kl_stree *t)
{
    HPDF_Stream os = pdf->stream;
    HPDF_Xref xref = pdf->xref;
    char buf[48]; /* two numbers (10 and 20 digits at most) and 6 bytes */
    int rc;
    HPDF_UINT count = xref->entries->count;
    if (t && t->nannots > UINT32_MAX - count)
        return KL_EBACKEND;
    w->ab = (uint32_t)count;
    size_t pg = 0, a = 0, ah = 0; /* the next page, annotation, object written ahead */
    const kl_pdf_file *f = w->f;
    for (HPDF_UINT i = 1; i < xref->entries->count; i++) {
        HPDF_XrefEntry e = HPDF_List_ItemAt(xref->entries, i);
        if ((rc = KL_GROW(w->x, w->capx, (size_t)i + 1)) < 0)
            return KL_ENOMEM;
        w->nx = (size_t)i + 1;
        if (ah < f->nahead && f->ahead[ah].num == i) { /* in the file already, as it was made */
            w->x[i] = (xent){.type = 1, .f2 = f->ahead[ah++].off};
            continue;
        }
        if (t && e->obj == t->root_obj) { /* written with the tree (write_stree) */
            w->root_num = i;
            continue;
        }
        if (t && t->out_obj && e->obj == t->out_obj) {
            w->out_num = i;
            continue;
        }
        if (e->gen_no || is_stream(e->obj)) {
            w->x[i] = (xent){.type = 1, .f2 = (uint32_t)file_pos(w), .f3 = e->gen_no};
            char *p = put_u(buf, i);
            *p++ = ' ';
            p = put_u(p, e->gen_no);
            memcpy(p, " obj\n", 6);
            if (HPDF_Stream_WriteStr(os, buf) != HPDF_OK ||
                HPDF_Obj_WriteValue(e->obj, os, NULL) != HPDF_OK ||
                HPDF_Stream_WriteStr(os, "\nendobj\n") != HPDF_OK)
                return w->out->oom ? KL_ENOMEM : KL_EBACKEND;
            if ((rc = sink_out(w, false)) < 0)
                return rc;
            continue;
        }
        w->x[i] = (xent){.type = 2, .f2 = (uint32_t)w->nstms, .f3 = (uint16_t)w->nin};
        char *p = put_u(buf, i);
        *p++ = ' ';
        p = put_u(p, w->body.len);
        *p++ = ' ';
        if (kl_core__buf_append(&w->head, buf, (size_t)(p - buf)))
            return KL_ENOMEM;
        if (HPDF_Obj_WriteValue(e->obj, mem, NULL) != HPDF_OK)
            return w->body.oom ? KL_ENOMEM : KL_EBACKEND;
        if (t && pg < t->npages && i == t->page_obj[pg] && (rc = page_annots(w, t, pg++, &a)) < 0)
            return rc;
        if (kl_core__buf_putc(&w->body, '\n'))
            return KL_ENOMEM;
        if (++w->nin == OBJSTM_MAX && (rc = flush_stm(w)))
            return rc;
    }
    if (ah != f->nahead ||
        (t && (a != t->nannots || (t->nannots && xref->entries->count != count))))
        return KL_EBACKEND;
    return 0;
}

/* ---- the structure tree (stree.h) ---------------------------------------------------- */

/* Object num starts in the current object stream (its body from here on). */
static int obj_begin(writer *w, uint32_t num)
{
    char buf[48];
    if (KL_GROW(w->x, w->capx, (size_t)num + 1) < 0)
        return KL_ENOMEM;
    if (w->nx < (size_t)num + 1)
        w->nx = (size_t)num + 1;
    w->x[num] = (xent){.type = 2, .f2 = (uint32_t)w->nstms, .f3 = (uint16_t)w->nin};
    char *p = put_u(buf, num);
    *p++ = ' ';
    p = put_u(p, w->body.len);
    *p++ = ' ';
    return kl_core__buf_append(&w->head, buf, (size_t)(p - buf)) ? KL_ENOMEM : 0;
}

static int obj_end(writer *w)
{
    if (kl_core__buf_putc(&w->body, '\n') || w->body.oom)
        return KL_ENOMEM;
    return ++w->nin == OBJSTM_MAX ? flush_stm(w) : 0;
}

static void put_num(kl_buf *b, uint64_t v)
{
    char buf[24];
    kl_core__buf_append(b, buf, (size_t)(put_u(buf, v) - buf));
}

/* "n 0 R" */
static void put_ref(kl_buf *b, uint32_t n)
{
    char buf[32], *p = put_u(buf, n);
    memcpy(p, " 0 R", 4);
    kl_core__buf_append(b, buf, (size_t)(p + 4 - buf));
}

/* UTF-16BE bytes as a hexadecimal string, as libharu writes a binary object. */
static void put_hex(kl_buf *b, const unsigned char *d, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    if (kl_core__buf_reserve(b, 2 * n + 2))
        return;
    char *p = b->data + b->len;
    *p++ = '<';
    for (size_t i = 0; i < n; i++) {
        *p++ = hex[d[i] >> 4];
        *p++ = hex[d[i] & 15];
    }
    *p++ = '>';
    b->len = (size_t)(p - b->data);
    b->data[b->len] = '\0';
}

/* Element i (object base + i) in the current object stream, its keys in the order libharu's
 * dictionaries had them: /Type /S /P /K [/Lang] [/Alt] [TH's /A] [/Pg] [a Figure's /A] (a
 * line's Span: /Type /S /P /Pg /K /ActualText). Strings and reals through libharu's own
 * writers on mem (which appends to the same body), so they are the bytes libharu wrote. */
static int write_elem(writer *w, const kl_stree *t, size_t i, HPDF_Stream mem)
{
    uint32_t base = w->eb, root_num = w->root_num;
    const kl_stree_elem *e = &t->e[i];
    kl_buf *b = &w->body;
    int rc;
    if ((rc = obj_begin(w, base + (uint32_t)i)) < 0)
        return rc;
    kl_core__buf_puts(b, "<<\n/Type /StructElem\n/S /");
    kl_core__buf_puts(b, e->s ? kl_pdf__role_name(e->s) : "Span");
    kl_core__buf_puts(b, "\n/P ");
    put_ref(b, e->parent == KL_STREE_ROOT ? root_num : base + e->parent);
    if (!e->s) {
        kl_core__buf_puts(b, "\n/Pg ");
        put_ref(b, t->page_obj[e->page]);
        kl_core__buf_puts(b, "\n/K ");
        put_num(b, e->x);
        kl_core__buf_puts(b, "\n/ActualText ");
        put_hex(b, (const unsigned char *)t->texts.data + e->text, e->ntext);
        kl_core__buf_puts(b, "\n>>");
        return obj_end(w);
    }
    kl_core__buf_puts(b, "\n/K [ ");
    for (int32_t k = e->head; k >= 0; k = t->k[k].next) {
        const kl_stree_kid *c = &t->k[k];
        switch (c->kind) {
        case KL_SK_ELEM:
            put_ref(b, base + c->v);
            break;
        case KL_SK_MCID:
            put_num(b, c->v);
            break;
        case KL_SK_MCR:
            kl_core__buf_puts(b, "<<\n/Type /MCR\n/Pg ");
            put_ref(b, t->page_obj[c->pg]);
            kl_core__buf_puts(b, "\n/MCID ");
            put_num(b, c->v);
            kl_core__buf_puts(b, "\n>>");
            break;
        default: /* KL_SK_OBJR */
            kl_core__buf_puts(b, "<<\n/Type /OBJR\n/Obj ");
            put_ref(b, w->ab + c->v);
            kl_core__buf_puts(b, "\n/Pg ");
            put_ref(b, t->page_obj[c->pg]);
            kl_core__buf_puts(b, "\n>>");
        }
        kl_core__buf_putc(b, ' ');
    }
    kl_core__buf_puts(b, "]\n");
    const kl_selem *s = e->s;
    const char *plang = s->parent ? s->parent->lang : t->doc_lang;
    if (s->lang && !(plang && !strcasecmp(s->lang, plang))) {
        kl_core__buf_puts(b, "/Lang ");
        if (HPDF_Stream_WriteEscapeText(mem, s->lang) != HPDF_OK)
            return KL_ENOMEM;
        kl_core__buf_putc(b, '\n');
    }
    if (s->role == KL_ROLE_FIGURE && s->alt) {
        kl_core__buf_puts(b, "/Alt ");
        if (e->ntext)
            put_hex(b, (const unsigned char *)t->texts.data + e->text, e->ntext);
        else if (HPDF_Stream_WriteEscapeText(mem, s->alt) != HPDF_OK)
            return KL_ENOMEM;
        kl_core__buf_putc(b, '\n');
    }
    if (s->role == KL_ROLE_TH)
        kl_core__buf_puts(b, "/A <<\n/O /Table\n/Scope /Row\n>>\n");
    if (e->page >= 0) {
        kl_core__buf_puts(b, "/Pg ");
        put_ref(b, t->page_obj[e->page]);
        kl_core__buf_putc(b, '\n');
    }
    if (e->x) { /* a Figure's (stree.h) */
        kl_core__buf_puts(b, "/A <<\n/O /Layout\n/BBox [ ");
        for (int c = 0; c < 4; c++)
            if (HPDF_Stream_WriteReal(mem, t->bbox[e->x - 1][c]) != HPDF_OK ||
                HPDF_Stream_WriteChar(mem, ' ') != HPDF_OK)
                return KL_ENOMEM;
        kl_core__buf_puts(b, "]\n>>\n");
    }
    kl_core__buf_puts(b, ">>");
    return obj_end(w);
}

/* The StructTreeRoot (libharu's placeholder object, root_num), with the ParentTree: each
 * page's MCIDs, then each annotation. */
static int write_root(writer *w, const kl_stree *t)
{
    uint32_t base = w->eb, root_num = w->root_num;
    kl_buf *b = &w->body;
    int rc;
    if ((rc = obj_begin(w, root_num)) < 0)
        return rc;
    kl_core__buf_puts(b, "<<\n/Type /StructTreeRoot\n/K ");
    put_ref(b, base + t->top);
    kl_core__buf_puts(b, "\n/ParentTree <<\n/Nums [ ");
    size_t at = 0;
    for (size_t p = 0; p < t->npages; p++) {
        put_num(b, p);
        kl_core__buf_puts(b, " [ ");
        for (uint32_t m = 0; m < t->mc_count[p]; m++, at++) {
            put_ref(b, base + t->mc[at]);
            kl_core__buf_putc(b, ' ');
        }
        kl_core__buf_puts(b, "] ");
    }
    for (size_t a = 0; a < t->nannots; a++) {
        put_num(b, t->npages + a);
        kl_core__buf_putc(b, ' ');
        put_ref(b, base + t->annots[a]);
        kl_core__buf_putc(b, ' ');
    }
    kl_core__buf_puts(b, "]\n>>\n/ParentTreeNextKey ");
    put_num(b, t->npages + t->nannots);
    kl_core__buf_puts(b, "\n>>");
    return obj_end(w);
}

/* A string of stree.h as libharu wrote it: a literal through libharu's writer on mem, or hex. */
static int put_str(writer *w, const kl_stree *t, const kl_stree_str *s, HPDF_Stream mem)
{
    if (s->lit)
        return HPDF_Stream_WriteEscapeText(mem, s->lit) == HPDF_OK ? 0 : KL_ENOMEM;
    put_hex(&w->body, (const unsigned char *)t->texts.data + s->text, s->ntext);
    return 0;
}

/* A real through libharu's writer (the bytes libharu wrote), then sep. */
static int put_real(HPDF_Stream mem, float v, const char *sep)
{
    return HPDF_Stream_WriteReal(mem, v) == HPDF_OK && HPDF_Stream_WriteStr(mem, sep) == HPDF_OK
               ? 0
               : KL_ENOMEM;
}

/* Annotation a (object ab + a), its keys in the order libharu's dictionary had them. */
static int write_annot(writer *w, const kl_stree *t, size_t a, HPDF_Stream mem)
{
    const kl_stree_annot *n = &t->an[a];
    kl_buf *b = &w->body;
    int rc;
    if ((rc = obj_begin(w, w->ab + (uint32_t)a)) < 0)
        return rc;
    kl_core__buf_puts(b, "<<\n/Rect [ ");
    for (int c = 0; c < 4; c++)
        if ((rc = put_real(mem, n->rect[c], " ")) < 0)
            return rc;
    kl_core__buf_puts(b, "]\n/Type /Annot\n/Subtype /Link\n/A <<\n/Type /Action\n/S /URI\n/URI ");
    if (HPDF_Stream_WriteEscapeText(mem, n->href) != HPDF_OK)
        return KL_ENOMEM;
    kl_core__buf_puts(b, "\n>>\n/P ");
    put_ref(b, t->page_obj[n->page]);
    kl_core__buf_puts(b, "\n/Border [ 0 0 0 ]\n/Contents ");
    if ((rc = put_str(w, t, &n->contents, mem)) < 0)
        return rc;
    kl_core__buf_puts(b, "\n/F 4\n/StructParent ");
    put_num(b, t->npages + a);
    kl_core__buf_puts(b, "\n>>");
    return obj_end(w);
}

/* /key n 0 R for an outline item's index (none: nothing). */
static void put_item(writer *w, const char *key, uint32_t k)
{
    if (k == KL_STREE_ROOT)
        return;
    kl_core__buf_puts(&w->body, key);
    put_ref(&w->body, w->ob + 2 * k);
    kl_core__buf_putc(&w->body, '\n');
}

/* The Outlines dictionary (libharu's placeholder, out_num), then each item (object ob + 2k)
 * and its destination (ob + 2k + 1), with the keys in the order libharu's had them. */
static int write_outlines(writer *w, const kl_stree *t, HPDF_Stream mem)
{
    kl_buf *b = &w->body;
    int rc;
    if ((rc = obj_begin(w, w->out_num)) < 0)
        return rc;
    kl_core__buf_puts(b, "<<\n/Type /Outlines\n");
    put_item(w, "/First ", t->out_first);
    put_item(w, "/Last ", t->out_last);
    kl_core__buf_puts(b, "/Count ");
    put_num(b, t->nout);
    kl_core__buf_puts(b, "\n>>");
    if ((rc = obj_end(w)) < 0)
        return rc;
    for (size_t k = 0; k < t->nout; k++) {
        const kl_stree_outline *o = &t->out[k];
        if ((rc = obj_begin(w, w->ob + 2 * (uint32_t)k)) < 0)
            return rc;
        kl_core__buf_puts(b, "<<\n/Title ");
        if ((rc = put_str(w, t, &o->title, mem)) < 0)
            return rc;
        kl_core__buf_puts(b, "\n/Type /Outlines\n");
        put_item(w, "/Prev ", o->prev);
        kl_core__buf_puts(b, "/Parent ");
        put_ref(b, o->parent == KL_STREE_ROOT ? w->out_num : w->ob + 2 * o->parent);
        kl_core__buf_puts(b, "\n/Dest ");
        put_ref(b, w->ob + 2 * (uint32_t)k + 1);
        kl_core__buf_putc(b, '\n');
        put_item(w, "/First ", o->first);
        put_item(w, "/Last ", o->last);
        put_item(w, "/Next ", o->next);
        if (o->count) {
            kl_core__buf_puts(b, "/Count ");
            put_num(b, o->count);
            kl_core__buf_putc(b, '\n');
        }
        kl_core__buf_puts(b, ">>");
        if ((rc = obj_end(w)) < 0 || (rc = obj_begin(w, w->ob + 2 * (uint32_t)k + 1)) < 0)
            return rc;
        kl_core__buf_puts(b, "[ ");
        put_ref(b, t->page_obj[o->page]);
        kl_core__buf_puts(b, " /FitH ");
        if ((rc = put_real(mem, o->y, " ]")) < 0 || (rc = obj_end(w)) < 0)
            return rc;
    }
    return 0;
}

/* The tree's objects after libharu's, numbered from the first number after libharu's last
 * object: the link annotations, the outline items and their destinations, the elements; in
 * the object streams with libharu's dictionaries. */
static int write_stree(writer *w, const kl_stree *t, HPDF_Stream mem)
{
    if (!t->nannots) /* libharu's objects may have grown (write_objects) */
        w->ab = (uint32_t)w->nx;
    if (!w->root_num || (t->out_obj && !w->out_num) || w->nx != w->ab ||
        (uint64_t)w->ab + t->nannots + 2 * (uint64_t)t->nout + t->ne > UINT32_MAX)
        return KL_EBACKEND;
    w->ob = w->ab + (uint32_t)t->nannots;
    w->eb = w->ob + 2 * (uint32_t)t->nout;
    int rc;
    if ((rc = write_root(w, t)) < 0)
        return rc;
    for (size_t i = 0; i < t->ne; i++)
        if ((rc = write_elem(w, t, i, mem)) < 0)
            return rc;
    for (size_t a = 0; a < t->nannots; a++)
        if ((rc = write_annot(w, t, a, mem)) < 0)
            return rc;
    return t->out_obj ? write_outlines(w, t, mem) : 0;
}

static unsigned bytes_for(uint64_t v)
{
    unsigned n = 1;
    while (v >>= 8)
        n++;
    return n;
}

/* The object streams, numbered after libharu's objects (base: the first
 * number), and the entries of the objects in them renumbered to match. */
static int objstms_write(writer *w, uint32_t base)
{
    kl_buf *out = w->out;
    for (size_t s = 0; s < w->nstms; s++) {
        const objstm *o = &w->stms[s];
        if (KL_GROW(w->x, w->capx, w->nx + 1) < 0)
            return KL_ENOMEM;
        w->x[w->nx++] = (xent){.type = 1, .f2 = (uint32_t)file_pos(w)};
        kl_core__buf_printf(out,
                            "%zu 0 obj\n<</Type /ObjStm /N %u /First %u /Filter /FlateDecode "
                            "/Length %zu>>\nstream\n",
                            (size_t)(base + s), o->n, o->first, o->zlen);
        kl_core__buf_append(out, w->pend.data + o->off, o->zlen);
        kl_core__buf_puts(out, "\nendstream\nendobj\n");
        int rc = sink_out(w, false);
        if (rc < 0)
            return rc;
    }
    for (size_t i = 1; i < base; i++)
        if (w->x[i].type == 2)
            w->x[i].f2 += base;
    return 0;
}

/* The cross-reference stream's size rows (type, w2 bytes, w3 bytes), with
 * the PNG Up predictor (each byte less the one above it), as qpdf writes
 * them: offsets that grow slowly deflate to little. Deflated into *z (the
 * cache's buffer). */
static int xref_rows(writer *w, size_t size, unsigned w2, unsigned w3, const unsigned char **z,
                     size_t *zlen)
{
    unsigned cols = 1 + w2 + w3;
    kl_buf rows = KL_BUF_INIT;
    if (kl_core__buf_reserve(&rows, size * (cols + 1)))
        return KL_ENOMEM;
    /* w2: at most 8 bytes (a size_t), w3 at most 2 (a generation, uint16_t) */
    unsigned char prev[1 + 8 + 2] = {0}, row[1 + 8 + 2];
    for (size_t i = 0; i < size; i++) {
        const xent *e = &w->x[i];
        row[0] = e->type;
        for (unsigned b = 0; b < w2; b++)
            row[1 + b] = (unsigned char)(e->f2 >> (8 * (w2 - 1 - b)));
        for (unsigned b = 0; b < w3; b++)
            row[1 + w2 + b] = (unsigned char)(e->f3 >> (8 * (w3 - 1 - b)));
        unsigned char *d = (unsigned char *)rows.data + rows.len;
        d[0] = 2;
        for (unsigned b = 0; b < cols; b++)
            d[1 + b] = (unsigned char)(row[b] - prev[b]);
        rows.len += cols + 1;
        memcpy(prev, row, cols);
    }
    int rc = kl_pdf__deflate(w->cache, rows.data, rows.len, z, zlen);
    kl_core__buf_free(&rows);
    return rc;
}

/* A deterministic /ID: the MD5 of every byte before the xref stream, as qpdf's
 * deterministic ID is (an identifier, not a security check: SHA-256 of the file cost 1.5 M
 * instructions a letter, MD5 0.3 M); the bytes already sunk are in f->md5. In hex, into id. */
static void file_id(writer *w, size_t xref_at, char id[2 * MD5_DIGEST_SIZE + 1])
{
    uint8_t digest[MD5_DIGEST_SIZE];
    kl_pdf_file *f = w->f;
    md5_update(&f->md5, xref_at - f->sunk, (const uint8_t *)f->out->data + f->start);
    md5_digest(&f->md5, sizeof digest, digest);
    for (size_t i = 0; i < sizeof digest; i++) {
        id[2 * i] = "0123456789abcdef"[digest[i] >> 4];
        id[2 * i + 1] = "0123456789abcdef"[digest[i] & 15];
    }
    id[2 * MD5_DIGEST_SIZE] = '\0';
}

/* The object streams (numbered after libharu's objects), then the cross-reference stream. */
static int write_tail(writer *w, HPDF_Doc pdf)
{
    kl_buf *out = w->out;
    int rc;
    if ((rc = objstms_write(w, (uint32_t)w->nx)) < 0)
        return rc;
    /* The cross-reference stream is the last object. */
    size_t xref_id = w->nx, size = w->nx + 1;
    size_t xref_at = file_pos(w);
    if (xref_at > UINT32_MAX)
        return KL_EBACKEND;
    if (KL_GROW(w->x, w->capx, size) < 0)
        return KL_ENOMEM;
    w->x[w->nx++] = (xent){.type = 1, .f2 = (uint32_t)xref_at};
    w->x[0] = (xent){.type = 0}; /* the head of the free list, generation 0 (as qpdf writes) */
    uint16_t f3max = 0;
    for (size_t i = 0; i < size; i++)
        f3max = w->x[i].f3 > f3max ? w->x[i].f3 : f3max;
    unsigned w3 = bytes_for(f3max), w2 = bytes_for(xref_at > size ? xref_at : size);
    unsigned cols = 1 + w2 + w3;
    const unsigned char *z;
    size_t zlen;
    if ((rc = xref_rows(w, size, w2, w3, &z, &zlen)) < 0)
        return rc;
    char id[2 * MD5_DIGEST_SIZE + 1];
    file_id(w, xref_at, id);
    kl_core__buf_printf(out,
                        "%zu 0 obj\n<</Type /XRef /Size %zu /Index [0 %zu] /W [1 %u %u] "
                        "/Root %u 0 R",
                        xref_id, size, size, w2, w3,
                        (unsigned)(pdf->catalog->header.obj_id & 0x00FFFFFFu));
    if (pdf->info)
        kl_core__buf_printf(out, " /Info %u 0 R",
                            (unsigned)(pdf->info->header.obj_id & 0x00FFFFFFu));
    kl_core__buf_printf(out,
                        " /ID [<%s><%s>] /Filter /FlateDecode /DecodeParms <</Columns %u "
                        "/Predictor 12>> /Length %zu>>\nstream\n",
                        id, id, cols, zlen);
    kl_core__buf_append(out, z, zlen);
    kl_core__buf_printf(out, "\nendstream\nendobj\nstartxref\n%zu\n%%%%EOF\n", xref_at);
    return out->oom ? KL_ENOMEM : sink_out(w, true);
}

int kl_pdf__save_compact(HPDF_Doc pdf, const kl_stree *t, kl_pdf_cache *cache, kl_pdf_file *f)
{
    /* libharu's encryption is never asked for (mail/protect.c encrypts with libqpdf), and
     * libharu's own writer could not write the structure tree. */
    if (pdf->encrypt_on)
        return KL_EBACKEND;
    if (!pdf->catalog || !pdf->xref || !pdf->stream || pdf->xref->prev || pdf->xref->start_offset)
        return KL_EBACKEND;
    writer w = {.cache = cache, .f = f, .out = f->out};
    HPDF_Stream mem = HPDF_CallbackWriter_New(pdf->mmgr, body_write, &w.body);
    if (!mem)
        return KL_ENOMEM;
    int rc;
    kl_pdf__file_begin(f);
    if (f->out->oom) {
        rc = KL_ENOMEM;
        goto done;
    }
    if ((rc = write_objects(&w, pdf, mem, t)) < 0)
        goto done;
    if (t && (rc = write_stree(&w, t, mem)) < 0)
        goto done;
    if ((rc = flush_stm(&w)) < 0)
        goto done;
    rc = write_tail(&w, pdf);
done:
    if (f->sink_rc)
        rc = f->sink_rc;
    HPDF_Stream_Free(mem);
    kl_core__buf_free(&w.body);
    kl_core__buf_free(&w.head);
    kl_core__buf_free(&w.pend);
    kl_free(w.stms);
    kl_free(w.x);
    return rc;
}
