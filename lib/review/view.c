/* SPDX-License-Identifier: MIT */
/* review/view.c: the review's XML kept compact once it is read, and the document a letter's
 * templates see: the review-wide parts and only that member's <member> element. */
#include "review/review_priv.h"

#include <libxml/parser.h>
#include <libxml/xmlsave.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

/* How a view is parsed: as the review itself was (parse.c), quiet (the text is ours). */
#define VIEW_PARSE_OPTIONS                                                                         \
    (XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOERROR | XML_PARSE_COMPACT |               \
     XML_PARSE_BIG_LINES)

/* A node (or, node NULL, the whole document) as UTF-8 XML without a declaration; NULL if out of
 * memory. */
static xmlBufferPtr serialise(xmlDocPtr doc, xmlNodePtr node)
{
    xmlBufferPtr buf = xmlBufferCreate();
    xmlSaveCtxtPtr s =
        buf ? xmlSaveToBuffer(buf, "UTF-8", XML_SAVE_NO_DECL | XML_SAVE_AS_XML) : NULL;
    int rc = !s ? -1 : node ? (int)xmlSaveTree(s, node) : (int)xmlSaveDoc(s, doc);
    if (s && xmlSaveClose(s) < 0)
        rc = -1;
    if (rc < 0 || !buf || !xmlBufferContent(buf)) {
        xmlBufferFree(buf);
        return NULL;
    }
    return buf;
}

static const char *arena_copy(kl_review *rv, const char *s, size_t n)
{
    char *d = kl_review__alloc_chars(rv, n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

static bool blank_text(xmlNodePtr n)
{
    return n && n->type == XML_TEXT_NODE && xmlIsBlankNode(n);
}

/* The deflate streams' window and hash: the dictionary (the first member's element, its last
 * 4 KB) and a member's element fit; small, as a stream is reset for every member. */
#define VIEW_WBITS    12
#define VIEW_MEMLEVEL 2

/* The first member's element: the preset dictionary of the others' (at most 4 KB of it). */
static const char *dictionary(const kl_review *rv, uInt *len)
{
    size_t n = rv->extra[0].xml_len, max = (size_t)1 << VIEW_WBITS;
    *len = (uInt)(n < max ? n : max);
    return rv->extra[0].xml + (n - *len);
}

/* Member i's text (text, n bytes) kept in the arena, deflated against the dictionary when that
 * is smaller. 0 or KL_ENOMEM. */
static int keep_member(kl_review *rv, z_stream *z, size_t i, const char *text, size_t n)
{
    kl_member_extra *x = &rv->extra[i];
    x->xml_len = (uint32_t)n;
    x->zlen = 0;
    unsigned char out[2048];
    if (i > 0 && n <= sizeof out) {
        uInt dlen;
        const char *dict = dictionary(rv, &dlen);
        if (deflateReset(z) != Z_OK || deflateSetDictionary(z, (const Bytef *)dict, dlen) != Z_OK)
            return KL_ENOMEM;
        z->next_in = (Bytef *)text;
        z->avail_in = (uInt)n;
        z->next_out = out;
        z->avail_out = (uInt)n; /* only when smaller */
        if (deflate(z, Z_FINISH) == Z_STREAM_END && z->total_out < n) {
            x->zlen = (uint32_t)z->total_out;
            x->xml = arena_copy(rv, (const char *)out, x->zlen);
            return x->xml ? 0 : KL_ENOMEM;
        }
    }
    x->xml = arena_copy(rv, text, n);
    return x->xml ? 0 : KL_ENOMEM;
}

/* Member i's element as text into out (xml_len bytes): false if it cannot be inflated (out of
 * memory). z: an inflate stream of VIEW_WBITS, or NULL for one of its own. */
static bool member_text(const kl_review *rv, z_stream *z, size_t i, char *out)
{
    const kl_member_extra *x = &rv->extra[i];
    if (!x->zlen) {
        memcpy(out, x->xml, x->xml_len);
        return true;
    }
    z_stream own = {0};
    if (!z) {
        if (inflateInit2(&own, -VIEW_WBITS) != Z_OK)
            return false;
        z = &own;
    } else if (inflateReset(z) != Z_OK) {
        return false;
    }
    uInt dlen;
    const char *dict = dictionary(rv, &dlen);
    z->next_in = (Bytef *)x->xml;
    z->avail_in = x->zlen;
    z->next_out = (Bytef *)out;
    z->avail_out = x->xml_len;
    bool ok = inflateSetDictionary(z, (const Bytef *)dict, dlen) == Z_OK &&
              inflate(z, Z_FINISH) == Z_STREAM_END && z->total_out == x->xml_len;
    if (z == &own)
        inflateEnd(&own);
    return ok;
}

int kl_review__keep_member(kl_review *rv, void **stream, size_t k, xmlNodePtr whole)
{
    z_stream *z = *stream;
    if (k > 0 && !z) { /* the first member's text is kept as it is: the others' dictionary */
        if (!(z = kl_core__calloc(1, sizeof *z)))
            return KL_ENOMEM;
        if (deflateInit2(z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -VIEW_WBITS, VIEW_MEMLEVEL,
                         Z_DEFAULT_STRATEGY) != Z_OK) {
            kl_free(z);
            return KL_ENOMEM;
        }
        *stream = z;
    }
    xmlBufferPtr b = serialise(rv->doc, whole);
    size_t n = b ? (size_t)xmlBufferLength(b) : 0;
    int rc = !b || n > (size_t)INT32_MAX
                 ? KL_ENOMEM
                 : keep_member(rv, z, k, (const char *)xmlBufferContent(b), n);
    xmlBufferFree(b);
    return rc;
}

void kl_review__keep_end(void **stream)
{
    z_stream *z = *stream;
    if (z) {
        deflateEnd(z);
        kl_free(z);
    }
    *stream = NULL;
}

int kl_review__compact(kl_review *rv)
{
    xmlDocPtr doc = rv->doc;
    if (!doc)
        return 0;
    /* Each member's element is kept as text already (kl_review__keep_member, as it was read).
     * The skeleton: a marker where the first member was, no member, and none of the blank text
     * after each (or every view would carry the whole family's indentation). The marker holds
     * addresses of this run: a review file cannot hold the same text. */
    char mark[96];
    snprintf(mark, sizeof mark, "%p-%p", (void *)rv, (void *)doc);
    xmlNodePtr pi = NULL;
    if (rv->n_members) {
        pi = xmlNewDocPI(doc, BAD_CAST "kl-member", BAD_CAST mark);
        if (!pi || !xmlAddPrevSibling(rv->extra[0].node, pi)) {
            xmlFreeNode(pi);
            return KL_ENOMEM;
        }
    }
    for (size_t i = 0; i < rv->n_members; i++) {
        xmlNodePtr m = rv->extra[i].node;
        if (blank_text(m->next)) {
            xmlNodePtr t = m->next;
            xmlUnlinkNode(t);
            xmlFreeNode(t);
        }
        xmlUnlinkNode(m);
        xmlFreeNode(m);
        rv->extra[i].node = NULL;
    }
    int rc = KL_ENOMEM;
    xmlBufferPtr whole = serialise(doc, NULL);
    if (!whole)
        goto done;
    const char *text = (const char *)xmlBufferContent(whole);
    size_t len = (size_t)xmlBufferLength(whole), at = len;
    if (pi) {
        char pis[128];
        snprintf(pis, sizeof pis, "<?kl-member %s?>", mark);
        const char *p = strstr(text, pis);
        if (!p || strstr(p + 1, pis)) {
            rc = KL_EBACKEND;
            goto done;
        }
        at = (size_t)(p - text);
        len -= strlen(pis);
        rv->view_tail = arena_copy(rv, p + strlen(pis), len - at);
    } else {
        rv->view_tail = arena_copy(rv, "", 0);
    }
    rv->view_head = arena_copy(rv, text, at);
    if (!rv->view_head || !rv->view_tail)
        goto done;
    rv->view_head_len = at;
    rv->view_tail_len = len - at;
    xmlFreeDoc(doc);
    rv->doc = NULL;
    rc = 0;
done:
    xmlBufferFree(whole);
    return rc;
}

/* The skeleton with members [from, to) where the first member was, parsed. */
static xmlDocPtr parse_with(const kl_review *rv, size_t from, size_t to)
{
    if (!rv || !rv->view_head)
        return NULL;
    size_t n = rv->view_head_len + rv->view_tail_len;
    for (size_t i = from; i < to; i++)
        n += rv->extra[i].xml_len;
    if (n > (size_t)INT32_MAX)
        return NULL;
    char *text = kl_core__malloc(n + 1);
    if (!text)
        return NULL;
    char *p = text;
    memcpy(p, rv->view_head, rv->view_head_len);
    p += rv->view_head_len;
    z_stream z = {0}, *zp = NULL;
    if (to - from > 1 && inflateInit2(&z, -VIEW_WBITS) == Z_OK)
        zp = &z; /* one stream for them all */
    bool ok = true;
    for (size_t i = from; i < to && ok; i++) {
        ok = member_text(rv, zp, i, p);
        p += rv->extra[i].xml_len;
    }
    if (zp)
        inflateEnd(zp);
    if (!ok) {
        kl_free(text);
        return NULL;
    }
    memcpy(p, rv->view_tail, rv->view_tail_len);
    xmlDocPtr doc = xmlReadMemory(text, (int)n, NULL, "UTF-8", VIEW_PARSE_OPTIONS);
    kl_free(text);
    return doc;
}

xmlDocPtr kl_review__member_doc(const kl_review *review, const kl_member *member,
                                xmlNodePtr *member_node)
{
    *member_node = NULL;
    size_t i = kl_review__member_index(review, member);
    if (i == KL_DISCLOSURE_NOBODY)
        return NULL;
    xmlDocPtr doc = member->view; /* the document it was made from, taken once */
    if (doc)
        ((kl_member *)member)->view = NULL;
    else
        doc = parse_with(review, i, i + 1);
    xmlNodePtr family = kl_review__child(xmlDocGetRootElement(doc), "family");
    *member_node = kl_review__child(family, "member");
    if (!*member_node) {
        xmlFreeDoc(doc);
        return NULL;
    }
    return doc;
}

xmlDocPtr kl_review__whole_doc(const kl_review *review)
{
    return parse_with(review, 0, review ? review->n_members : 0);
}

static int member_make(const kl_review *review, size_t i, bool keep_view, kl_member **out)
{
    *out = NULL;
    if (!review || i >= review->n_members)
        return KL_EINVAL;
    xmlDocPtr doc = parse_with(review, i, i + 1);
    if (!doc)
        return KL_ENOMEM;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    xmlNodePtr mn = kl_review__child(kl_review__child(root, "family"), "member");
    /* Read as the load read it, into blocks of the member's own, with nothing reported (the
     * load reported it) and no schema (the load validated it): a scratch review lends the
     * loader its review-wide details and takes the member's allocations. */
    kl_review scratch = {0};
    scratch.info = review->info;
    /* Blocks about the member's size (its strings are at most its text, normalised; its
     * structures a few hundred bytes), not the review's 16 KB: a program that asks for every
     * member keeps them all. */
    scratch.block_size = 512 + (size_t)review->extra[i].xml_len;
    kl_loader L = {0};
    L.rv = &scratch;
    L.source = review->info.source;
    L.text = "";
    L.silent = true;
    L.ns = root ? root->ns : NULL;
    kl_member *m = mn ? kl_review__alloc(&scratch, sizeof *m) : NULL;
    kl_member_extra x = {0};
    int rc = !mn ? KL_EBACKEND : !m ? KL_ENOMEM : 0;
    if (!rc) {
        kl_review__build_member(&L, mn, m, &x, NULL);
        if (L.oom)
            rc = KL_ENOMEM;
    }
    const kl_member_extra *e = &review->extra[i];
    if (!rc && (m->n_contacts && !e->contact_pos))
        rc = KL_EBACKEND; /* never: the load kept where each contact was */
    if (rc || !keep_view)
        xmlFreeDoc(doc);
    if (rc) {
        kl_review__blocks_free(scratch.arena);
        return rc;
    }
    m->view = keep_view ? doc : NULL;
    /* Where it was written: the file's positions, which the kept text does not have. */
    m->source = e->brief.source;
    m->line = e->brief.line;
    m->column = e->brief.column;
    for (size_t c = 0; c < m->n_contacts; c++) {
        kl_contact *k = (kl_contact *)&m->contacts[c];
        k->line = e->contact_pos[2 * c];
        k->column = e->contact_pos[2 * c + 1];
    }
    m->owner = review;
    m->index = (uint32_t)i;
    m->blocks = scratch.arena;
    *out = m;
    return 0;
}

int kl_review__member_make(const kl_review *review, size_t i, kl_member **out)
{
    return member_make(review, i, false, out);
}

int kl_review__member_make_view(const kl_review *review, size_t i, kl_member **out)
{
    return member_make(review, i, true, out);
}
