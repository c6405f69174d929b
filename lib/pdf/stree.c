/* SPDX-License-Identifier: MIT */
/* pdf/stree.c: the structure tree as pdf.c builds it (stree.h); compact.c writes it. */
#include "pdf/stree.h"

#include <string.h>

/* libharu's own writer (HPDF_SaveToStream) reaches the placeholder: fail, as the tree is not
 * in libharu's objects (compact.c writes it). */
static HPDF_STATUS written_by_compact(HPDF_Dict d)
{
    /* On the document's error, or HPDF_SaveToStream would report success. */
    return HPDF_SetError(d->error, HPDF_INVALID_OPERATION, 0);
}

int kl_pdf__stree_init(kl_stree *t, HPDF_Doc pdf, size_t ns, size_t np)
{
    memset(t, 0, sizeof *t);
    if (ns >= INT32_MAX || np >= (1u << 30))
        return KL_ENOMEM;
    t->npages = np;
    t->e = kl_core__malloc((ns ? ns : 1) * sizeof *t->e);
    t->page_obj = kl_core__calloc(np ? np : 1, sizeof *t->page_obj);
    t->mc_count = kl_core__calloc(np ? np : 1, sizeof *t->mc_count);
    if (!t->e || !t->page_obj || !t->mc_count)
        return KL_ENOMEM;
    t->cape = t->ne = ns;
    t->out_first = t->out_last = KL_STREE_ROOT;
    for (size_t i = 0; i < ns; i++)
        t->e[i] = (kl_stree_elem){.parent = KL_STREE_ROOT, .page = -1, .head = -1, .tail = -1};
    t->root_obj = HPDF_Dict_New(pdf->mmgr);
    if (!t->root_obj || HPDF_Xref_Add(pdf->xref, t->root_obj) != HPDF_OK) {
        t->root_obj = NULL; /* HPDF_Xref_Add frees it when it fails */
        return KL_ENOMEM;
    }
    t->root_obj->before_write_fn = written_by_compact;
    return 0;
}

void kl_pdf__stree_free(kl_stree *t)
{
    kl_free(t->e);
    kl_free(t->k);
    kl_free(t->page_obj);
    kl_free(t->mc);
    kl_free(t->mc_count);
    kl_free(t->annots);
    kl_free(t->an);
    kl_free(t->out);
    kl_free(t->bbox);
    kl_core__buf_free(&t->texts);
    memset(t, 0, sizeof *t);
}

/* Room for need items at *arrp (as KL_SHRINK), when it has less: exactly, not doubled. Kept as it
 * is when realloc cannot (KL_GROW tries again as they are added). */
static void reserve(void *arrp, size_t *cap, size_t need, size_t size)
{
    void *arr, *to;
    memcpy(&arr, arrp, sizeof arr);
    if (*cap >= need || need > SIZE_MAX / size || !(to = kl_core__realloc(arr, need * size)))
        return;
    memcpy(arrp, &to, sizeof to);
    *cap = need;
}

int kl_pdf__stree_grow(kl_stree *t, size_t ns, size_t np)
{
    if (ns >= INT32_MAX || np >= (1u << 30))
        return KL_ENOMEM;
    if (ns > t->ne) {
        reserve(&t->e, &t->cape, ns, sizeof *t->e);
        if (t->cape < ns)
            return KL_ENOMEM;
        for (size_t i = t->ne; i < ns; i++)
            t->e[i] = (kl_stree_elem){.parent = KL_STREE_ROOT, .page = -1, .head = -1, .tail = -1};
        t->ne = ns;
    }
    if (np > t->npages) {
        uint32_t *po = kl_core__realloc(t->page_obj, np * sizeof *po);
        if (po)
            t->page_obj = po;
        uint32_t *mc = po ? kl_core__realloc(t->mc_count, np * sizeof *mc) : NULL;
        if (!mc)
            return KL_ENOMEM;
        t->mc_count = mc;
        memset(po + t->npages, 0, (np - t->npages) * sizeof *po);
        memset(mc + t->npages, 0, (np - t->npages) * sizeof *mc);
        t->npages = np;
    }
    return 0;
}

void kl_pdf__stree_reserve(kl_stree *t, size_t spans, size_t kids, size_t mcids, size_t annots)
{
    reserve(&t->e, &t->cape, t->ne + spans, sizeof *t->e);
    reserve(&t->k, &t->capk, t->nk + kids, sizeof *t->k);
    reserve(&t->mc, &t->capmc, t->nmc + mcids, sizeof *t->mc);
    reserve(&t->annots, &t->capannots, t->nannots + annots, sizeof *t->annots);
    reserve(&t->an, &t->capan, t->nannots + annots, sizeof *t->an);
}

int kl_pdf__stree_spans_last(kl_stree *t)
{
    size_t ne = t->ne, nspans = 0;
    for (size_t i = 0; i < ne; i++)
        nspans += t->e[i].s == NULL;
    /* In place but for the Spans (a few in a hundred elements) and the index map: this runs at
     * a print pack's peak. */
    uint32_t *to = kl_core__malloc((ne ? ne : 1) * sizeof *to);
    kl_stree_elem *sp = kl_core__malloc((nspans ? nspans : 1) * sizeof *sp);
    if (!to || !sp) {
        kl_free(to);
        kl_free(sp);
        return KL_ENOMEM;
    }
    size_t at = 0, ns = 0;
    for (size_t i = 0; i < ne; i++) /* the elements in their order, then the Spans */
        if (t->e[i].s) {
            to[i] = (uint32_t)at;
            t->e[at++] = t->e[i];
        } else {
            to[i] = (uint32_t)(ne - nspans + ns);
            sp[ns++] = t->e[i];
        }
    if (nspans)
        memcpy(t->e + at, sp, nspans * sizeof *sp);
    kl_free(sp);
    for (size_t i = 0; i < ne; i++)
        if (t->e[i].parent != KL_STREE_ROOT)
            t->e[i].parent = to[t->e[i].parent];
    for (size_t i = 0; i < t->nk; i++)
        if (t->k[i].kind == KL_SK_ELEM)
            t->k[i].v = to[t->k[i].v];
    for (size_t i = 0; i < t->nmc; i++)
        t->mc[i] = to[t->mc[i]];
    for (size_t i = 0; i < t->nannots; i++)
        t->annots[i] = to[t->annots[i]];
    if (t->top < ne)
        t->top = to[t->top];
    kl_free(to);
    return 0;
}

void kl_pdf__stree_trim(kl_stree *t)
{
    KL_SHRINK(t->e, t->cape, t->ne);
    KL_SHRINK(t->k, t->capk, t->nk);
    KL_SHRINK(t->mc, t->capmc, t->nmc);
    KL_SHRINK(t->annots, t->capannots, t->nannots);
    KL_SHRINK(t->an, t->capan, t->nannots);
    KL_SHRINK(t->out, t->capout, t->nout);
    if (t->texts.data && t->texts.cap > t->texts.len + 1) {
        char *to = kl_core__realloc(t->texts.data, t->texts.len + 1);
        if (to) {
            t->texts.data = to;
            t->texts.cap = t->texts.len + 1;
        }
    }
}

int kl_pdf__stree_text(kl_stree *t, uint32_t i, const void *text, size_t len)
{
    size_t off = t->texts.len;
    if (off + len > UINT32_MAX || kl_core__buf_append(&t->texts, text, len))
        return KL_ENOMEM;
    t->e[i].text = (uint32_t)off;
    t->e[i].ntext = (uint32_t)len;
    return 0;
}

const char *kl_pdf__role_name(const kl_selem *s)
{
    static const char *const h[] = {"H1", "H2", "H3", "H4", "H5", "H6"};
    switch (s->role) {
    case KL_ROLE_DOCUMENT:
        return "Document";
    case KL_ROLE_SECT:
        return "Sect";
    case KL_ROLE_H:
        return h[s->level < 1 ? 0 : s->level > 6 ? 5 : s->level - 1];
    case KL_ROLE_P:
        return "P";
    case KL_ROLE_L:
        return "L";
    case KL_ROLE_LI:
        return "LI";
    case KL_ROLE_LBL:
        return "Lbl";
    case KL_ROLE_LBODY:
        return "LBody";
    case KL_ROLE_TABLE:
        return "Table";
    case KL_ROLE_TBODY:
        return "TBody";
    case KL_ROLE_TR:
        return "TR";
    case KL_ROLE_TH:
        return "TH";
    case KL_ROLE_TD:
        return "TD";
    case KL_ROLE_FIGURE:
        return "Figure";
    case KL_ROLE_LINK:
        return "Link";
    case KL_ROLE_SPAN:
        return "Span";
    }
    return "Span";
}

int kl_pdf__stree_kid(kl_stree *t, uint32_t i, unsigned kind, uint32_t v, uint32_t pg)
{
    if (t->nk >= INT32_MAX || KL_GROW(t->k, t->capk, t->nk + 1) < 0)
        return KL_ENOMEM;
    int32_t at = (int32_t)t->nk++;
    t->k[at] = (kl_stree_kid){.v = v, .pg = pg, .kind = kind & 3, .next = -1};
    kl_stree_elem *e = &t->e[i];
    if (e->tail < 0)
        e->head = at;
    else
        t->k[e->tail].next = at;
    e->tail = at;
    return 0;
}

int64_t kl_pdf__stree_mcid(kl_stree *t, size_t p, uint32_t i)
{
    if (p < t->mc_page || p >= t->npages)
        return -2;
    t->mc_page = p;
    if (KL_GROW(t->mc, t->capmc, t->nmc + 1) < 0)
        return -1;
    t->mc[t->nmc++] = i;
    return t->mc_count[p]++;
}

int64_t kl_pdf__stree_span(kl_stree *t, uint32_t i, size_t p, uint32_t mcid, const void *text,
                           size_t len)
{
    size_t off = t->texts.len;
    if (t->ne >= INT32_MAX || off + len > UINT32_MAX || KL_GROW(t->e, t->cape, t->ne + 1) < 0 ||
        kl_core__buf_append(&t->texts, text, len))
        return -1;
    t->e[t->ne] = (kl_stree_elem){.parent = i,
                                  .page = (int32_t)p,
                                  .head = -1,
                                  .tail = -1,
                                  .text = (uint32_t)off,
                                  .ntext = (uint32_t)len,
                                  .x = mcid};
    return (int64_t)t->ne++;
}

/* s's text bytes (not its literal) into texts. */
static int str_copy(kl_stree *t, kl_stree_str *s, const void *text, size_t len)
{
    if (s->lit)
        return 0;
    size_t off = t->texts.len;
    if (off + len > UINT32_MAX || kl_core__buf_append(&t->texts, text, len))
        return KL_ENOMEM;
    s->text = (uint32_t)off;
    s->ntext = (uint32_t)len;
    return 0;
}

int64_t kl_pdf__stree_annot(kl_stree *t, uint32_t i, size_t p, const kl_stree_annot *a,
                            const void *contents, size_t len)
{
    if (t->nannots >= INT32_MAX || KL_GROW(t->annots, t->capannots, t->nannots + 1) < 0 ||
        KL_GROW(t->an, t->capan, t->nannots + 1) < 0)
        return -1;
    kl_stree_annot *n = &t->an[t->nannots];
    *n = *a;
    n->page = (uint32_t)p;
    if (str_copy(t, &n->contents, contents, len) < 0 ||
        kl_pdf__stree_kid(t, i, KL_SK_OBJR, (uint32_t)t->nannots, (uint32_t)p) < 0)
        return -1;
    t->annots[t->nannots++] = i;
    return (int64_t)(t->npages + t->nannots - 1);
}

int64_t kl_pdf__stree_outline(kl_stree *t, HPDF_Doc pdf, uint32_t parent, const kl_stree_outline *o,
                              const void *title, size_t len)
{
    if (!t->out_obj) {
        t->out_obj = HPDF_Dict_New(pdf->mmgr);
        if (!t->out_obj || HPDF_Xref_Add(pdf->xref, t->out_obj) != HPDF_OK) {
            t->out_obj = NULL; /* HPDF_Xref_Add frees it when it fails */
            return -1;
        }
        t->out_obj->before_write_fn = written_by_compact;
    }
    if (t->nout >= INT32_MAX || KL_GROW(t->out, t->capout, t->nout + 1) < 0)
        return -1;
    uint32_t k = (uint32_t)t->nout;
    kl_stree_outline *n = &t->out[k];
    *n = *o;
    n->parent = parent;
    n->next = n->first = n->last = KL_STREE_ROOT;
    n->count = 0;
    if (str_copy(t, &n->title, title, len) < 0)
        return -1;
    uint32_t *first = parent == KL_STREE_ROOT ? &t->out_first : &t->out[parent].first;
    uint32_t *last = parent == KL_STREE_ROOT ? &t->out_last : &t->out[parent].last;
    n->prev = *first != KL_STREE_ROOT ? *last : KL_STREE_ROOT;
    if (n->prev == KL_STREE_ROOT)
        *first = k;
    else
        t->out[n->prev].next = k;
    *last = k;
    for (uint32_t a = parent; a != KL_STREE_ROOT; a = t->out[a].parent)
        t->out[a].count++;
    t->nout++;
    return k;
}

int kl_pdf__stree_bbox(kl_stree *t, uint32_t i, float x0, float y0, float x1, float y1)
{
    kl_stree_elem *e = &t->e[i];
    if (!e->x) {
        if (KL_GROW(t->bbox, t->capbbox, t->nbbox + 1) < 0)
            return KL_ENOMEM;
        e->x = (uint32_t)++t->nbbox;
    }
    float *b = t->bbox[e->x - 1];
    b[0] = x0, b[1] = y0, b[2] = x1, b[3] = y1;
    return 0;
}
