/* SPDX-License-Identifier: MIT */
/* l10n/xliff.c: XLIFF 2.0 and 1.2 export and all-or-nothing import of a catalog, with
 * placeholders and the skeletons of select and plural as inline codes; the format-detecting
 * import. */
#include "l10n/l10n_priv.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlwriter.h>
#include <string.h>

#define XLIFF_NS   "urn:oasis:names:tc:xliff:document:2.0"
#define XLIFF12_NS "urn:oasis:names:tc:xliff:document:1.2"
/* translate-toolkit's po2xliff writes XLIFF 1.1, which has every element 1.2 import reads. */
#define XLIFF11_NS "urn:oasis:names:tc:xliff:document:1.1"

static const char syntax_note[] =
    "Keep every inline code (a {placeholder}, or the frame of a select or plural such as "
    "{x, select, a {  } other { }}) exactly as it is; translate the text between them. "
    "Every select and plural needs 'other'. Write ’ for an apostrophe: ' is a quote "
    "character.";

#define W(call)                                                                                    \
    do {                                                                                           \
        if ((call) < 0)                                                                            \
            goto xml_fail;                                                                         \
    } while (0)
/* The same for our own steps: -2 is out of memory. */
#define WI(call)                                                                                   \
    do {                                                                                           \
        int wi_ = (call);                                                                          \
        if (wi_ == -2)                                                                             \
            oom = true;                                                                            \
        if (wi_ < 0)                                                                               \
            goto xml_fail;                                                                         \
    } while (0)

/* Codes of the source, so the target's codes take the same ids. */
typedef struct codes {
    char **text;
    size_t n;
    bool *used;
} codes;

static void codes_free(codes *c)
{
    for (size_t i = 0; i < c->n; i++)
        kl_free(c->text[i]);
    kl_free(c->text);
    kl_free(c->used);
    memset(c, 0, sizeof *c);
}

/* Write a message as text and <ph> codes. v2: XLIFF 2.0 (equiv, disp) or
 * 1.2 (the code as the element's content). src: NULL for the source (its
 * codes recorded into cs), else the source's codes to match ids. */
/* The id of a target's code t: the equal source code not used yet, else (XLIFF 2.0) a copy of
 * an equal one (copy_of set), else a new id (TMX: numbered after the source's; XLIFF 1.2:
 * "t1", "t2"...; extra counts them). False when XLIFF 2.0 has no source code for it: it
 * stays text (what the English lacks, more plural forms or a choice on gender, is checked
 * on import). */
static bool target_code_id(codes *cs, const char *t, bool v2, bool tmx, size_t *extra, char id[32],
                           char copy_of[32])
{
    size_t k = 0;
    while (k < cs->n && (cs->used[k] || strcmp(cs->text[k], t) != 0))
        k++;
    size_t dup = 0;
    while (k == cs->n && dup < cs->n && strcmp(cs->text[dup], t) != 0)
        dup++;
    if (k < cs->n) {
        cs->used[k] = true;
        snprintf(id, 32, "%zu", k + 1);
    } else if (v2 && !tmx && dup < cs->n) {
        /* the same code again: a copy of the source's (XLIFF 2.0 copyOf) */
        snprintf(id, 32, "c%zu", ++*extra);
        snprintf(copy_of, 32, "%zu", dup + 1);
    } else if (tmx) {
        snprintf(id, 32, "%zu", cs->n + ++*extra);
    } else if (v2) {
        return false;
    } else {
        snprintf(id, 32, "t%zu", ++*extra);
    }
    return true;
}

/* One inline code: <ph id=.../> (XLIFF 2.0: copyOf, equiv, disp), or the code as <ph>'s
 * content (XLIFF 1.2; TMX with x=...). */
static int write_ph(xmlTextWriterPtr w, bool v2, bool tmx, const char *id, const char *copy_of,
                    const char *code)
{
    if (xmlTextWriterStartElement(w, BAD_CAST "ph") < 0 ||
        xmlTextWriterWriteAttribute(w, BAD_CAST(tmx ? "x" : "id"), BAD_CAST id) < 0)
        return -1;
    if (v2) {
        if ((copy_of[0] &&
             xmlTextWriterWriteAttribute(w, BAD_CAST "copyOf", BAD_CAST copy_of) < 0) ||
            xmlTextWriterWriteAttribute(w, BAD_CAST "equiv", BAD_CAST code) < 0 ||
            xmlTextWriterWriteAttribute(w, BAD_CAST "disp", BAD_CAST code) < 0)
            return -1;
    } else if (xmlTextWriterWriteString(w, BAD_CAST code) < 0) {
        return -1;
    }
    return xmlTextWriterEndElement(w);
}

static int write_inline_as(xmlTextWriterPtr w, const char *msg, bool v2, codes *cs, bool is_source,
                           bool tmx)
{
    kl_icu_split sp;
    if (kl_l10n__icu_split(msg, &sp)) {
        kl_l10n__icu_split_free(&sp);
        return -2;
    }
    int rc = 0;
    size_t extra = 0;
    if (is_source) {
        codes_free(cs);
        cs->text = kl_core__calloc(sp.n + 1, sizeof *cs->text);
        cs->used = kl_core__calloc(sp.n + 1, sizeof *cs->used);
        if (!cs->text || !cs->used)
            rc = -2;
    } else {
        for (size_t i = 0; i < cs->n; i++)
            cs->used[i] = false;
    }
    for (size_t i = 0; i < sp.n && rc >= 0; i++) {
        const kl_icu_run *r = &sp.runs[i];
        char *t = kl_core__malloc(r->end - r->start + 1);
        if (!t) {
            rc = -2;
            break;
        }
        memcpy(t, msg + r->start, r->end - r->start);
        t[r->end - r->start] = '\0';
        char id[32], copy_of[32] = "";
        if (!r->code || (!is_source && !target_code_id(cs, t, v2, tmx, &extra, id, copy_of))) {
            rc = xmlTextWriterWriteString(w, BAD_CAST t);
            kl_free(t);
            continue;
        }
        if (is_source) {
            snprintf(id, sizeof id, "%zu", cs->n + 1);
            cs->text[cs->n++] = t; /* the codes own it */
            t = NULL;
        }
        rc = write_ph(w, v2, tmx, id, copy_of, t ? t : cs->text[cs->n - 1]);
        kl_free(t);
    }
    kl_l10n__icu_split_free(&sp);
    return rc == -2 ? -2 : rc < 0 ? -1 : 0;
}

static int write_inline(xmlTextWriterPtr w, const char *msg, bool v2, codes *cs, bool is_source)
{
    return write_inline_as(w, msg, v2, cs, is_source, false);
}

static int note20(xmlTextWriterPtr w, const char *category, const char *text)
{
    if (xmlTextWriterStartElement(w, BAD_CAST "note") < 0 ||
        xmlTextWriterWriteAttribute(w, BAD_CAST "category", BAD_CAST category) < 0 ||
        xmlTextWriterWriteString(w, BAD_CAST text) < 0 || xmlTextWriterEndElement(w) < 0)
        return -1;
    return 0;
}

static int note12(xmlTextWriterPtr w, const char *from, const char *text)
{
    if (xmlTextWriterStartElement(w, BAD_CAST "note") < 0 ||
        xmlTextWriterWriteAttribute(w, BAD_CAST "from", BAD_CAST from) < 0 ||
        xmlTextWriterWriteString(w, BAD_CAST text) < 0 || xmlTextWriterEndElement(w) < 0)
        return -1;
    return 0;
}

/* The unit as gettext tools name it: translate-toolkit's xliff2po makes this context group
 * a "#: standard:notification.title" reference (and po2xliff writes it back), so the unit
 * survives a trip through PO, where the file (the reading variant) is lost. */
static int po_reference12(xmlTextWriterPtr w, const char *variant, const char *msgid)
{
    if (xmlTextWriterStartElement(w, BAD_CAST "context-group") < 0 ||
        xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST "po-reference") < 0 ||
        xmlTextWriterWriteAttribute(w, BAD_CAST "purpose", BAD_CAST "location") < 0 ||
        xmlTextWriterStartElement(w, BAD_CAST "context") < 0 ||
        xmlTextWriterWriteAttribute(w, BAD_CAST "context-type", BAD_CAST "sourcefile") < 0 ||
        xmlTextWriterWriteString(w, BAD_CAST variant) < 0 || xmlTextWriterEndElement(w) < 0 ||
        xmlTextWriterStartElement(w, BAD_CAST "context") < 0 ||
        xmlTextWriterWriteAttribute(w, BAD_CAST "context-type", BAD_CAST "linenumber") < 0 ||
        xmlTextWriterWriteString(w, BAD_CAST msgid) < 0 || xmlTextWriterEndElement(w) < 0 ||
        xmlTextWriterEndElement(w) < 0)
        return -1;
    return 0;
}

/* The gettext header as the first unit (translate-toolkit's convention, restype
 * x-gettext-domain-header, not to be translated): xliff2po makes it the PO header, so the PO
 * says which catalog (Language, X-Kinletter-Catalog) and its status, as our PO export does. */
static int gettext_header12(xmlTextWriterPtr w, const char *header)
{
    if (xmlTextWriterStartElement(w, BAD_CAST "trans-unit") < 0 ||
        xmlTextWriterWriteAttribute(w, BAD_CAST "id", BAD_CAST "kinletter-po-header") < 0 ||
        xmlTextWriterWriteAttribute(w, BAD_CAST "restype", BAD_CAST "x-gettext-domain-header") <
            0 ||
        xmlTextWriterWriteAttribute(w, BAD_CAST "translate", BAD_CAST "no") < 0 ||
        xmlTextWriterWriteAttribute(w, BAD_CAST "approved", BAD_CAST "yes") < 0 ||
        xmlTextWriterWriteAttribute(w, BAD_CAST "xml:space", BAD_CAST "preserve") < 0)
        return -1;
    for (int k = 0; k < 2; k++) {
        if (xmlTextWriterStartElement(w, BAD_CAST(k ? "target" : "source")) < 0 ||
            xmlTextWriterSetIndent(w, 0) < 0 || xmlTextWriterWriteString(w, BAD_CAST header) < 0 ||
            xmlTextWriterEndElement(w) < 0 || xmlTextWriterSetIndent(w, 1) < 0 ||
            xmlTextWriterWriteRaw(w, BAD_CAST "\n") < 0)
            return -1;
    }
    if (note12(w, "kinletter",
               "The gettext header of this catalog (which language, its status) for tools that "
               "convert to PO: not for translation.") < 0 ||
        xmlTextWriterEndElement(w) < 0)
        return -1;
    return 0;
}

static int finish(kl_context *ctx, xmlBufferPtr buf, char **out, size_t *len)
{
    size_t n = (size_t)xmlBufferLength(buf);
    char *res = kl_core__malloc(n + 1);
    if (!res) {
        xmlBufferFree(buf);
        return kl_core__oom(ctx);
    }
    memcpy(res, xmlBufferContent(buf), n);
    res[n] = '\0';
    xmlBufferFree(buf);
    *out = res;
    if (len)
        *len = n;
    return 0;
}

/* Declared in l10n_priv.h (tbx.c writes with them too). */
int kl_l10n__writer_begin(xmlBufferPtr *buf, xmlTextWriterPtr *w)
{
    *buf = xmlBufferCreate();
    *w = *buf ? xmlNewTextWriterMemory(*buf, 0) : NULL;
    if (!*buf)
        return -2;
    if (!*w || xmlTextWriterSetIndent(*w, 1) < 0 ||
        xmlTextWriterSetIndentString(*w, BAD_CAST "  ") < 0 ||
        xmlTextWriterStartDocument(*w, "1.0", "UTF-8", NULL) < 0)
        return -1;
    return 0;
}

int kl_l10n__writer_end(kl_context *ctx, xmlBufferPtr buf, xmlTextWriterPtr w, bool ok, bool oom,
                        const char *what, char **out, size_t *len)
{
    if (w)
        xmlFreeTextWriter(w);
    if (ok)
        return finish(ctx, buf, out, len);
    if (buf)
        xmlBufferFree(buf);
    if (oom)
        return kl_core__oom(ctx);
    return kl_core__error(ctx, KL_EBACKEND, KL_NOWHERE, NULL, "libxml2 could not write the %s",
                          what);
}

static void catalog_note(const kl_xexport *x, kl_buf *b)
{
    kl_core__buf_clear(b);
    kl_core__buf_printf(
        b,
        "catalog %s; status %s; reviewer: %s; reviewed: %s; English fingerprint %s. "
        "A draft catalog's letters are marked as drafts.",
        x->f->name, x->status[0] ? x->status : "draft", x->reviewer[0] ? x->reviewer : "(none)",
        x->reviewed[0] ? x->reviewed : "(none)", x->english_fp);
}

static void limit_note(const kl_xunit *u, kl_buf *b)
{
    kl_core__buf_clear(b);
    if (u->max_gsm == u->max_ucs2)
        kl_core__buf_printf(b, "max %u characters (%s); each placeholder counts as %d", u->max_gsm,
                            u->limit_what, KL_PH_CHARS);
    else
        kl_core__buf_printf(b,
                            "max %u characters, GSM-7; %u if the text needs UCS-2 (%s); each "
                            "placeholder counts as %d",
                            u->max_gsm, u->max_ucs2, u->limit_what, KL_PH_CHARS);
}

static void stale_note(const kl_xunit *u, kl_buf *b)
{
    kl_core__buf_clear(b);
    kl_core__buf_printf(b,
                        "OUT OF DATE: the English changed after this was translated, so letters do "
                        "not use it. The English was: %s",
                        u->old_english ? u->old_english : "(not recorded)");
}

static const char unconfirmed_note[] =
    "Not yet confirmed against this English: check it, then mark it translated.";

/* What XLIFF 2.0 and 1.2 say alike, each in its own note (2.0: category; 1.2: from). The
 * helpers return -1 when libxml2 fails, -2 when out of memory (for WI). */
static int note_v(xmlTextWriterPtr w, bool v2, const char *kind, const char *text)
{
    return v2 ? note20(w, kind, text) : note12(w, kind, text);
}

/* A file's notes: the reading variant, the syntax, the catalog (1.2: all from kinletter). */
static int file_notes(xmlTextWriterPtr w, bool v2, const kl_xexport *x, int v, kl_buf *note)
{
    if (note_v(w, v2, v2 ? "reading" : "kinletter", kl_l10n__variant_note(v)) < 0 ||
        note_v(w, v2, v2 ? "syntax" : "kinletter", syntax_note) < 0)
        return -1;
    catalog_note(x, note);
    if (note->oom)
        return -2;
    return note_v(w, v2, v2 ? "catalog" : "kinletter", note->data);
}

/* A unit's notes: where it appears, its arguments and plural forms, its length limit, and
 * whether its translation is out of date or not yet confirmed. */
static int unit_notes(xmlTextWriterPtr w, bool v2, const kl_xunit *u, kl_buf *note)
{
    if (note_v(w, v2, "location", u->location) < 0 ||
        (u->arguments && note_v(w, v2, "arguments", u->arguments) < 0) ||
        (u->plural && note_v(w, v2, "plural", u->plural) < 0))
        return -1;
    if (u->max_gsm) {
        limit_note(u, note);
        if (note->oom)
            return -2;
        if (note_v(w, v2, "length", note->data) < 0)
            return -1;
    }
    if (u->stale) {
        stale_note(u, note);
        if (note->oom)
            return -2;
        return note_v(w, v2, "stale", note->data);
    }
    if (u->unconfirmed)
        return note_v(w, v2, "unconfirmed", unconfirmed_note);
    return 0;
}

/* A source or target: on one line of its own (no indenting inside, where spaces are text),
 * with one attribute (or none), the message as text and inline codes. */
static int inline_element(xmlTextWriterPtr w, const char *elem, const char *attr_name,
                          const char *attr_value, const char *msg, bool v2, codes *cs,
                          bool is_source)
{
    if (xmlTextWriterStartElement(w, BAD_CAST elem) < 0 ||
        (attr_name &&
         xmlTextWriterWriteAttribute(w, BAD_CAST attr_name, BAD_CAST attr_value) < 0) ||
        xmlTextWriterSetIndent(w, 0) < 0)
        return -1;
    int rc = write_inline(w, msg, v2, cs, is_source);
    if (rc < 0)
        return rc;
    if (xmlTextWriterEndElement(w) < 0 || xmlTextWriterSetIndent(w, 1) < 0 ||
        xmlTextWriterWriteRaw(w, BAD_CAST "\n") < 0)
        return -1;
    return 0;
}

static int export20(kl_context *ctx, kl_catalog_sources *s, const char *locale, char **out,
                    size_t *len)
{
    kl_xexport x;
    int rc = kl_l10n__xexport(ctx, s, locale, &x);
    if (rc)
        return rc;
    bool reviewed = !strcmp(x.status, "reviewed");
    xmlBufferPtr buf;
    xmlTextWriterPtr w;
    kl_buf note = KL_BUF_INIT;
    codes cs = {0};
    bool oom = false, ok = false;
    WI(kl_l10n__writer_begin(&buf, &w));
    W(xmlTextWriterStartElementNS(w, NULL, BAD_CAST "xliff", BAD_CAST XLIFF_NS));
    W(xmlTextWriterWriteAttribute(w, BAD_CAST "version", BAD_CAST "2.0"));
    W(xmlTextWriterWriteAttribute(w, BAD_CAST "srcLang", BAD_CAST "en-GB"));
    W(xmlTextWriterWriteAttribute(w, BAD_CAST "trgLang", BAD_CAST x.bcp));
    size_t i = 0;
    for (int v = 0; v < KL_VARIANTS; v++) {
        const char *vn = kl_l10n__variants[v];
        W(xmlTextWriterStartElement(w, BAD_CAST "file"));
        W(xmlTextWriterWriteAttribute(w, BAD_CAST "id", BAD_CAST vn));
        W(xmlTextWriterStartElement(w, BAD_CAST "notes"));
        WI(file_notes(w, true, &x, v, &note));
        W(xmlTextWriterEndElement(w));
        for (; i < x.n && x.units[i].variant == v; i++) {
            const kl_xunit *u = &x.units[i];
            W(xmlTextWriterStartElement(w, BAD_CAST "unit"));
            W(xmlTextWriterWriteAttribute(w, BAD_CAST "id", BAD_CAST u->e->key));
            W(xmlTextWriterStartElement(w, BAD_CAST "notes"));
            WI(unit_notes(w, true, u, &note));
            W(xmlTextWriterEndElement(w)); /* notes */
            W(xmlTextWriterStartElement(w, BAD_CAST "segment"));
            W(xmlTextWriterWriteAttribute(
                w, BAD_CAST "state",
                BAD_CAST(u->current ? (reviewed ? "reviewed" : "translated") : "initial")));
            WI(inline_element(w, "source", "xml:space", "preserve", u->e->text, true, &cs, true));
            if (u->m)
                WI(inline_element(w, "target", "xml:space", "preserve", u->m->text, true, &cs,
                                  false));
            W(xmlTextWriterEndElement(w)); /* segment */
            W(xmlTextWriterEndElement(w)); /* unit */
        }
        W(xmlTextWriterEndElement(w)); /* file */
    }
    W(xmlTextWriterEndElement(w));
    W(xmlTextWriterEndDocument(w));
    ok = true;
xml_fail:
    kl_core__buf_free(&note);
    codes_free(&cs);
    kl_l10n__xexport_free(&x);
    return kl_l10n__writer_end(ctx, buf, w, ok, oom, "XLIFF", out, len);
}

int kl_l10n__export_xliff12(kl_context *ctx, kl_catalog_sources *s, const char *locale, char **out,
                            size_t *len)
{
    kl_xexport x;
    int rc = kl_l10n__xexport(ctx, s, locale, &x);
    if (rc)
        return rc;
    bool reviewed = !strcmp(x.status, "reviewed");
    xmlBufferPtr buf;
    xmlTextWriterPtr w;
    kl_buf note = KL_BUF_INIT;
    codes cs = {0};
    bool oom = false, ok = false;
    WI(kl_l10n__writer_begin(&buf, &w));
    W(xmlTextWriterStartElementNS(w, NULL, BAD_CAST "xliff", BAD_CAST XLIFF12_NS));
    W(xmlTextWriterWriteAttribute(w, BAD_CAST "version", BAD_CAST "1.2"));
    size_t i = 0;
    for (int v = 0; v < KL_VARIANTS; v++) {
        const char *vn = kl_l10n__variants[v];
        W(xmlTextWriterStartElement(w, BAD_CAST "file"));
        W(xmlTextWriterWriteAttribute(w, BAD_CAST "original", BAD_CAST vn));
        W(xmlTextWriterWriteAttribute(w, BAD_CAST "source-language", BAD_CAST "en-GB"));
        W(xmlTextWriterWriteAttribute(w, BAD_CAST "target-language", BAD_CAST x.bcp));
        W(xmlTextWriterWriteAttribute(w, BAD_CAST "datatype", BAD_CAST "plaintext"));
        W(xmlTextWriterStartElement(w, BAD_CAST "header"));
        W(xmlTextWriterStartElement(w, BAD_CAST "tool"));
        W(xmlTextWriterWriteAttribute(w, BAD_CAST "tool-id", BAD_CAST "kinletter"));
        W(xmlTextWriterWriteAttribute(w, BAD_CAST "tool-name", BAD_CAST "kinletter catalog"));
        W(xmlTextWriterEndElement(w));
        WI(file_notes(w, false, &x, v, &note));
        W(xmlTextWriterEndElement(w)); /* header */
        W(xmlTextWriterStartElement(w, BAD_CAST "body"));
        if (v == 0) {
            kl_core__buf_clear(&note);
            kl_l10n__po_header(&x, &note);
            if (note.oom) {
                oom = true;
                goto xml_fail;
            }
            WI(gettext_header12(w, note.data));
        }
        for (; i < x.n && x.units[i].variant == v; i++) {
            const kl_xunit *u = &x.units[i];
            W(xmlTextWriterStartElement(w, BAD_CAST "trans-unit"));
            W(xmlTextWriterWriteAttribute(w, BAD_CAST "id", BAD_CAST u->e->key));
            W(xmlTextWriterWriteAttribute(w, BAD_CAST "resname", BAD_CAST u->e->key));
            W(xmlTextWriterWriteAttribute(w, BAD_CAST "xml:space", BAD_CAST "preserve"));
            if (u->current)
                W(xmlTextWriterWriteAttribute(w, BAD_CAST "approved", BAD_CAST "yes"));
            if (u->max_gsm) {
                char mw[16];
                snprintf(mw, sizeof mw, "%u", u->max_gsm);
                W(xmlTextWriterWriteAttribute(w, BAD_CAST "maxwidth", BAD_CAST mw));
                W(xmlTextWriterWriteAttribute(w, BAD_CAST "size-unit", BAD_CAST "char"));
            }
            WI(inline_element(w, "source", NULL, NULL, u->e->text, false, &cs, true));
            if (u->m)
                WI(inline_element(w, "target", "state",
                                  u->current ? (reviewed ? "final" : "translated")
                                             : "needs-review-translation",
                                  u->m->text, false, &cs, false));
            W(po_reference12(w, vn, u->e->key));
            WI(unit_notes(w, false, u, &note));
            W(xmlTextWriterEndElement(w)); /* trans-unit */
        }
        W(xmlTextWriterEndElement(w)); /* body */
        W(xmlTextWriterEndElement(w)); /* file */
    }
    W(xmlTextWriterEndElement(w));
    W(xmlTextWriterEndDocument(w));
    ok = true;
xml_fail:
    kl_core__buf_free(&note);
    codes_free(&cs);
    kl_l10n__xexport_free(&x);
    return kl_l10n__writer_end(ctx, buf, w, ok, oom, "XLIFF", out, len);
}

/* TMX 1.4: a translation memory of the translations confirmed against the
 * current English, each with the catalog's status (a draft's are drafts). */
static int export_tmx(kl_context *ctx, kl_catalog_sources *s, const char *locale, char **out,
                      size_t *len)
{
    kl_xexport x;
    int rc = kl_l10n__xexport(ctx, s, locale, &x);
    if (rc)
        return rc;
    xmlBufferPtr buf;
    xmlTextWriterPtr w;
    codes cs = {0};
    bool oom = false, ok = false;
    const char *status = x.status[0] ? x.status : "draft";
    WI(kl_l10n__writer_begin(&buf, &w));
    W(xmlTextWriterStartElement(w, BAD_CAST "tmx"));
    W(xmlTextWriterWriteAttribute(w, BAD_CAST "version", BAD_CAST "1.4"));
    W(xmlTextWriterStartElement(w, BAD_CAST "header"));
    W(xmlTextWriterWriteAttribute(w, BAD_CAST "creationtool", BAD_CAST "kinletter"));
    W(xmlTextWriterWriteAttribute(w, BAD_CAST "creationtoolversion", BAD_CAST KL_VERSION_STRING));
    W(xmlTextWriterWriteAttribute(w, BAD_CAST "segtype", BAD_CAST "block"));
    W(xmlTextWriterWriteAttribute(w, BAD_CAST "o-tmf", BAD_CAST "kinletter catalog"));
    W(xmlTextWriterWriteAttribute(w, BAD_CAST "adminlang", BAD_CAST "en"));
    W(xmlTextWriterWriteAttribute(w, BAD_CAST "srclang", BAD_CAST "en-GB"));
    W(xmlTextWriterWriteAttribute(w, BAD_CAST "datatype", BAD_CAST "plaintext"));
    W(xmlTextWriterStartElement(w, BAD_CAST "prop"));
    W(xmlTextWriterWriteAttribute(w, BAD_CAST "type", BAD_CAST "x-kinletter-status"));
    W(xmlTextWriterWriteString(w, BAD_CAST status));
    W(xmlTextWriterEndElement(w));
    W(xmlTextWriterEndElement(w)); /* header */
    W(xmlTextWriterStartElement(w, BAD_CAST "body"));
    for (size_t i = 0; i < x.n; i++) {
        const kl_xunit *u = &x.units[i];
        if (!u->current)
            continue;
        char tuid[256];
        snprintf(tuid, sizeof tuid, "%s:%s", kl_l10n__variants[u->variant], u->e->key);
        W(xmlTextWriterStartElement(w, BAD_CAST "tu"));
        W(xmlTextWriterWriteAttribute(w, BAD_CAST "tuid", BAD_CAST tuid));
        W(xmlTextWriterStartElement(w, BAD_CAST "prop"));
        W(xmlTextWriterWriteAttribute(w, BAD_CAST "type", BAD_CAST "x-kinletter-status"));
        W(xmlTextWriterWriteString(w, BAD_CAST status));
        W(xmlTextWriterEndElement(w));
        for (int side = 0; side < 2; side++) {
            W(xmlTextWriterStartElement(w, BAD_CAST "tuv"));
            W(xmlTextWriterWriteAttribute(w, BAD_CAST "xml:lang",
                                          BAD_CAST(side ? x.bcp : "en-GB")));
            W(xmlTextWriterStartElement(w, BAD_CAST "seg"));
            W(xmlTextWriterSetIndent(w, 0));
            WI(write_inline_as(w, side ? u->m->text : u->e->text, false, &cs, side == 0, true));
            W(xmlTextWriterEndElement(w));
            W(xmlTextWriterSetIndent(w, 1));
            W(xmlTextWriterWriteRaw(w, BAD_CAST "\n      "));
            W(xmlTextWriterEndElement(w)); /* tuv */
        }
        W(xmlTextWriterEndElement(w)); /* tu */
    }
    W(xmlTextWriterEndElement(w)); /* body */
    W(xmlTextWriterEndElement(w));
    W(xmlTextWriterEndDocument(w));
    ok = true;
xml_fail:
    codes_free(&cs);
    kl_l10n__xexport_free(&x);
    return kl_l10n__writer_end(ctx, buf, w, ok, oom, "TMX", out, len);
}

KL_API int kl_catalog_export_xliff(kl_context *ctx, kl_catalog_sources *s, const char *locale,
                                   char **out, size_t *len)
{
    kl_context_clear_error(ctx);
    if (!ctx || !s || !locale || !out)
        return kl_core__einval(ctx, __func__);
    *out = NULL;
    return export20(ctx, s, locale, out, len);
}

KL_API int kl_catalog_export(kl_context *ctx, kl_catalog_sources *s, const char *locale,
                             kl_exchange_format format, char **out, size_t *len)
{
    kl_context_clear_error(ctx);
    if (!ctx || !s || !locale || !out || (int)format < 0 || format > KL_EXCHANGE_TBX)
        return kl_core__einval(ctx, __func__);
    *out = NULL;
    if (format == KL_EXCHANGE_PO)
        return kl_l10n__export_po(ctx, s, locale, out, len);
    if (format == KL_EXCHANGE_XLIFF12)
        return kl_l10n__export_xliff12(ctx, s, locale, out, len);
    if (format == KL_EXCHANGE_TMX)
        return export_tmx(ctx, s, locale, out, len);
    if (format == KL_EXCHANGE_TBX)
        return kl_l10n__export_tbx(ctx, s, locale, out, len);
    return export20(ctx, s, locale, out, len);
}

/* ---- import ------------------------------------------------------------------ */

static bool ns_is(xmlNsPtr n, const char *ns)
{
    return n && (!strcmp((const char *)n->href, ns) ||
                 (!strcmp(ns, XLIFF12_NS) && !strcmp((const char *)n->href, XLIFF11_NS)));
}

static bool is_ns(xmlNodePtr n, const char *ns, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && ns_is(n->ns, ns) &&
           !strcmp((const char *)n->name, name);
}

static bool is(xmlNodePtr n, const char *name)
{
    return is_ns(n, XLIFF_NS, name);
}

static xmlNodePtr child_ns(xmlNodePtr n, const char *ns, const char *name)
{
    for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next)
        if (is_ns(c, ns, name))
            return c;
    return NULL;
}

/* Set when attr() could not copy a value: the import then fails with KL_ENOMEM
 * rather than call the attribute missing. Per thread, reset by each import. */
static _Thread_local bool attr_oom;

static char *attr(xmlNodePtr n, const char *name)
{
    xmlChar *v = xmlGetProp(n, BAD_CAST name);
    if (!v)
        return NULL;
    char *r = kl_core__strdup((const char *)v);
    xmlFree(v);
    if (!r)
        attr_oom = true;
    return r;
}

static unsigned line_of(xmlNodePtr n)
{
    return n ? (unsigned)xmlGetLineNo(n) : 0;
}

/* The ICU message of a source or target: its text, each inline code
 * replaced by the code it stands for (2.0: equiv; 1.2: ph/bpt/ept/it
 * content, x equiv-text; g and mrk are transparent). false: a code that
 * says nothing (reported). */
/* The code of the source's <ph> with this id (2.0: equiv; 1.2: content), or NULL. */
static char *source_code(xmlNodePtr src, const char *ph_id, bool v2)
{
    for (xmlNodePtr c = src ? src->children : NULL; c && ph_id; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (!strcmp((const char *)c->name, "ph")) {
            char *cid = attr(c, "id");
            bool same = cid && !strcmp(cid, ph_id);
            kl_free(cid);
            if (same) {
                if (v2)
                    return attr(c, "equiv");
                xmlChar *t = xmlNodeGetContent(c);
                char *r = kl_core__strdup(t ? (const char *)t : "");
                xmlFree(t);
                return r;
            }
        } else {
            char *r = source_code(c, ph_id, v2);
            if (r)
                return r;
        }
    }
    return NULL;
}

/* A tool may write a code back without what it stands for (2.0: no equiv;
 * 1.2: an empty <ph/>): take it from the source's code of the same id (or
 * the one it is a copy of). */
static char *code_of(xmlNodePtr c, xmlNodePtr src, bool v2)
{
    if (v2) {
        char *eq = attr(c, "equiv");
        if (eq)
            return eq;
        char *ref = attr(c, "copyOf");
        if (!ref)
            ref = attr(c, "id");
        char *r = source_code(src, ref, true);
        kl_free(ref);
        return r;
    }
    xmlChar *t = xmlNodeGetContent(c);
    char *r = t && t[0] ? kl_core__strdup((const char *)t) : NULL;
    xmlFree(t);
    if (!r) {
        char *cid = attr(c, "id");
        r = source_code(src, cid, false);
        kl_free(cid);
    }
    return r;
}

static bool rebuild(kl_ximport *im, xmlNodePtr n, xmlNodePtr src, bool v2, const char *id,
                    kl_buf *b)
{
    const char *ns = v2 ? XLIFF_NS : XLIFF12_NS;
    for (xmlNodePtr c = n->children; c; c = c->next) {
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            kl_core__buf_puts(b, (const char *)c->content);
            continue;
        }
        if (c->type != XML_ELEMENT_NODE)
            continue;
        const char *name = (const char *)c->name;
        bool ours = ns_is(c->ns, ns);
        if (ours && v2 && !strcmp(name, "ph")) {
            char *eq = code_of(c, src, true);
            if (!eq) {
                kl_l10n__ximport_bad(
                    im, line_of(c), kl_l10n__col_of(im, line_of(c), "<ph"),
                    "copy inline codes from the source: they carry the placeholder in 'equiv'",
                    "unit '%s': an inline code <ph> without equiv", id);
                return false;
            }
            kl_core__buf_puts(b, eq);
            kl_free(eq);
        } else if (ours && v2 && !strcmp(name, "pc")) {
            char *s = attr(c, "equivStart"), *e = attr(c, "equivEnd");
            kl_core__buf_puts(b, s ? s : "");
            bool ok = rebuild(im, c, src, v2, id, b);
            kl_core__buf_puts(b, e ? e : "");
            kl_free(s);
            kl_free(e);
            if (!ok)
                return false;
        } else if (ours && v2 && !strcmp(name, "mrk")) {
            if (!rebuild(im, c, src, v2, id, b))
                return false;
        } else if (ours && !v2 && !strcmp(name, "ph")) {
            char *code = code_of(c, src, false);
            kl_core__buf_puts(b, code ? code : "");
            kl_free(code);
        } else if (ours && !v2 &&
                   (!strcmp(name, "bpt") || !strcmp(name, "ept") || !strcmp(name, "it"))) {
            xmlChar *t = xmlNodeGetContent(c);
            kl_core__buf_puts(b, t ? (const char *)t : "");
            xmlFree(t);
        } else if (ours && !v2 && !strcmp(name, "x")) {
            char *eq = attr(c, "equiv-text");
            if (!eq) {
                kl_l10n__ximport_bad(im, line_of(c), kl_l10n__col_of(im, line_of(c), "<x"),
                                     "copy inline codes from the source",
                                     "unit '%s': an inline code <x/> without equiv-text", id);
                return false;
            }
            kl_core__buf_puts(b, eq);
            kl_free(eq);
        } else if (ours && !v2 && (!strcmp(name, "g") || !strcmp(name, "mrk"))) {
            if (!rebuild(im, c, src, v2, id, b))
                return false;
        } else {
            kl_l10n__ximport_bad(im, line_of(c), kl_l10n__col_of(im, line_of(c), "<"),
                                 "keep only text and the source's inline codes",
                                 "unit '%s': unexpected markup <%s> in a translation", id, name);
            return false;
        }
    }
    return true;
}

/* Parse an XLIFF file as XML (no network, no DOCTYPE). *doc is for xmlFreeDoc in any case. */
static int read_xliff(kl_ximport *im, xmlDocPtr *doc)
{
    attr_oom = false;
    *doc = xmlReadMemory(im->data, (int)im->len, im->path, NULL,
                         XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!*doc) {
        const xmlError *xe = xmlGetLastError();
        return kl_core__error(
            im->ctx, KL_EPARSE,
            KL_AT(im->path, xe ? (unsigned)xe->line : 0, xe ? (unsigned)xe->int2 : 0),
            "the file must be well-formed XML (XLIFF)", "%s",
            xe && xe->message ? xe->message : "cannot be read as XML");
    }
    if ((*doc)->intSubset)
        return kl_core__error(im->ctx, KL_EFORMAT, KL_AT(im->path, 0, 0), NULL,
                              "a DOCTYPE is not allowed in an XLIFF file for import");
    return 0;
}

/* One element of an XLIFF 2.0 <file> whose id (fid) is the reading variant: a <unit> with a
 * segment, its source, its target if translated and its state. */
static void unit20(kl_ximport *im, const char *fid, xmlNodePtr unit, kl_buf *sb, kl_buf *tb)
{
    unsigned ul = line_of(unit);
    if (!is(unit, "unit")) {
        kl_l10n__ximport_bad(im, ul, 0, NULL, "unexpected element <%s>", (const char *)unit->name);
        return;
    }
    char *id = attr(unit, "id");
    xmlNodePtr seg = child_ns(unit, XLIFF_NS, "segment");
    xmlNodePtr src = seg ? child_ns(seg, XLIFF_NS, "source") : NULL;
    xmlNodePtr tgt = seg ? child_ns(seg, XLIFF_NS, "target") : NULL;
    char *state = seg ? attr(seg, "state") : NULL;
    kl_core__buf_clear(sb);
    kl_core__buf_clear(tb);
    if (!seg || !src) {
        kl_l10n__ximport_bad(im, ul, kl_l10n__col_of(im, ul, "<unit"), NULL,
                             "unit '%s' has no segment with a source", id ? id : "");
    } else if (state && strcmp(state, "initial") && strcmp(state, "translated") &&
               strcmp(state, "reviewed") && strcmp(state, "final")) {
        kl_l10n__ximport_bad(im, line_of(seg), kl_l10n__col_of(im, line_of(seg), "state"),
                             "states are initial, translated, reviewed, final",
                             "unit '%s': unknown state '%s'", id ? id : "", state);
    } else {
        unsigned tl = tgt ? line_of(tgt) : ul;
        unsigned tc = kl_l10n__col_of(im, tl, tgt ? "<target" : "<unit");
        if (rebuild(im, src, NULL, true, id ? id : "", sb) &&
            (!tgt || rebuild(im, tgt, src, true, id ? id : "", tb))) {
            if (sb->oom || tb->oom)
                im->oom = true;
            else
                kl_l10n__ximport_unit(im, tl, tc, fid, id, sb->data ? sb->data : "",
                                      tgt ? (tb->data ? tb->data : "") : NULL,
                                      state && strcmp(state, "initial") != 0);
        }
    }
    kl_free(state);
    kl_free(id);
}

int kl_l10n__import_xliff20(kl_ximport *im, int dry_run, size_t *changed)
{
    xmlDocPtr doc = NULL;
    char *trg = NULL, *src_lang = NULL, *version = NULL;
    kl_buf sb = KL_BUF_INIT, tb = KL_BUF_INIT;
    int rc;
    if ((rc = read_xliff(im, &doc)) < 0)
        goto done;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    bool ok = is(root, "xliff") && (version = attr(root, "version")) && !strcmp(version, "2.0") &&
              (src_lang = attr(root, "srcLang")) && !strcmp(src_lang, "en-GB") &&
              (trg = attr(root, "trgLang"));
    if (attr_oom) {
        rc = kl_core__oom(im->ctx);
        goto done;
    }
    if (!ok) {
        rc = kl_core__error(im->ctx, KL_EFORMAT, KL_AT(im->path, line_of(root), 0),
                            "export one from the catalogs (kinletter catalog export)",
                            "not an XLIFF 2.0 file from English (en-GB) with a trgLang");
        goto done;
    }
    if ((rc = kl_l10n__ximport_begin(im, trg)) < 0)
        goto done;
    for (xmlNodePtr file = root->children; file && !im->oom; file = file->next) {
        if (file->type != XML_ELEMENT_NODE)
            continue;
        if (!is(file, "file")) {
            kl_l10n__ximport_bad(im, line_of(file), 0, NULL, "unexpected element <%s>",
                                 (const char *)file->name);
            continue;
        }
        char *fid = attr(file, "id");
        for (xmlNodePtr unit = file->children; unit && !im->oom; unit = unit->next)
            if (unit->type == XML_ELEMENT_NODE && !is(unit, "notes"))
                unit20(im, fid, unit, &sb, &tb);
        kl_free(fid);
    }
done:
    if (attr_oom)
        im->oom = true;
    kl_core__buf_free(&sb);
    kl_core__buf_free(&tb);
    kl_free(trg);
    kl_free(src_lang);
    kl_free(version);
    xmlFreeDoc(doc);
    return kl_l10n__ximport_end(im, rc, dry_run, changed);
}

/* translate-toolkit's gettext header unit (our export's first; po2xliff's from a PO header). */
static bool is_header12(xmlNodePtr u)
{
    char *rt = attr(u, "restype");
    bool h = rt && strstr(rt, "gettext-domain-header");
    kl_free(rt);
    return h;
}

/* The unit a <context-group name="po-reference"> names ("standard" + "notification.title", or
 * "standard:notification.title" in one context): the message id (to free), the variant into
 * vn; NULL when there is none or it names no variant (a real source file). */
static char *po_reference_of(xmlNodePtr u, char *vn, size_t cap)
{
    for (xmlNodePtr g = u->children; g; g = g->next) {
        if (!is_ns(g, XLIFF12_NS, "context-group"))
            continue;
        char *name = attr(g, "name");
        bool ref = name && !strcmp(name, "po-reference");
        kl_free(name);
        if (!ref)
            continue;
        kl_buf r = KL_BUF_INIT;
        for (int want = 0; want < 2; want++)
            for (xmlNodePtr c = g->children; c; c = c->next) {
                char *type = is_ns(c, XLIFF12_NS, "context") ? attr(c, "context-type") : NULL;
                if (type && !strcmp(type, want ? "linenumber" : "sourcefile")) {
                    xmlChar *t = xmlNodeGetContent(c);
                    if (want)
                        kl_core__buf_putc(&r, ':');
                    kl_core__buf_puts(&r, t ? (const char *)t : "");
                    xmlFree(t);
                }
                kl_free(type);
            }
        const char *msgid;
        char *id = NULL;
        if (r.oom)
            attr_oom = true;
        else if (r.data && kl_l10n__unit_ref(r.data, r.len, vn, cap, &msgid) &&
                 !(id = kl_core__strdup(msgid)))
            attr_oom = true;
        kl_core__buf_free(&r);
        if (id)
            return id;
    }
    return NULL;
}

/* A file converted from PO by translate-toolkit says which catalog only in its gettext header
 * unit (Language, X-Kinletter-Catalog): that, or NULL. */
static char *header_locale12(xmlNodePtr root)
{
    xmlNodePtr file = child_ns(root, XLIFF12_NS, "file");
    xmlNodePtr body = child_ns(file, XLIFF12_NS, "body");
    for (xmlNodePtr u = body ? body->children : NULL; u; u = u->next) {
        if (!is_ns(u, XLIFF12_NS, "trans-unit") || !is_header12(u))
            continue;
        xmlNodePtr t = child_ns(u, XLIFF12_NS, "target");
        xmlChar *h = xmlNodeGetContent(t ? t : child_ns(u, XLIFF12_NS, "source"));
        char cat[64], lang[64];
        kl_l10n__header_field(h ? (const char *)h : "", "X-Kinletter-Catalog", cat, sizeof cat);
        kl_l10n__header_field(h ? (const char *)h : "", "Language", lang, sizeof lang);
        xmlFree(h);
        char *r = cat[0] ? kl_core__strdup(cat) : lang[0] ? kl_core__strdup(lang) : NULL;
        if ((cat[0] || lang[0]) && !r)
            attr_oom = true;
        return r;
    }
    return NULL;
}

static void units12(kl_ximport *im, xmlNodePtr parent, const char *vn, kl_buf *sb, kl_buf *tb)
{
    for (xmlNodePtr u = parent->children; u && !im->oom; u = u->next) {
        if (u->type != XML_ELEMENT_NODE)
            continue;
        if (is_ns(u, XLIFF12_NS, "group")) {
            units12(im, u, vn, sb, tb);
            continue;
        }
        if (!is_ns(u, XLIFF12_NS, "trans-unit") || is_header12(u))
            continue;
        unsigned ul = line_of(u);
        char uvn[32];
        const char *unit_vn = vn;
        char *id = po_reference_of(u, uvn, sizeof uvn);
        if (id)
            unit_vn = uvn;
        if (!id)
            id = attr(u, "resname");
        if (!id)
            id = attr(u, "id");
        char *approved = attr(u, "approved");
        xmlNodePtr src = child_ns(u, XLIFF12_NS, "source");
        xmlNodePtr tgt = child_ns(u, XLIFF12_NS, "target");
        char *state = tgt ? attr(tgt, "state") : NULL;
        kl_core__buf_clear(sb);
        kl_core__buf_clear(tb);
        if (!src) {
            kl_l10n__ximport_bad(im, ul, kl_l10n__col_of(im, ul, "<trans-unit"), NULL,
                                 "trans-unit '%s' has no source", id ? id : "");
        } else {
            unsigned tl = tgt ? line_of(tgt) : ul;
            unsigned tc = kl_l10n__col_of(im, tl, tgt ? "<target" : "<trans-unit");
            /* Done: a state that says so, or approved with no state. */
            bool confirms = state ? (!strcmp(state, "translated") || !strcmp(state, "final") ||
                                     !strcmp(state, "signed-off"))
                                  : (approved && !strcmp(approved, "yes"));
            if (rebuild(im, src, NULL, false, id ? id : "", sb) &&
                (!tgt || rebuild(im, tgt, src, false, id ? id : "", tb))) {
                if (sb->oom || tb->oom)
                    im->oom = true;
                else
                    kl_l10n__ximport_unit(im, tl, tc, unit_vn, id, sb->data ? sb->data : "",
                                          tgt ? (tb->data ? tb->data : "") : NULL, confirms);
            }
        }
        kl_free(state);
        kl_free(approved);
        kl_free(id);
    }
}

int kl_l10n__import_xliff12(kl_ximport *im, int dry_run, size_t *changed)
{
    xmlDocPtr doc = NULL;
    char *trg = NULL;
    kl_buf sb = KL_BUF_INIT, tb = KL_BUF_INIT;
    int rc;
    if ((rc = read_xliff(im, &doc)) < 0)
        goto done;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    xmlNodePtr first = child_ns(root, XLIFF12_NS, "file");
    bool ok = is_ns(root, XLIFF12_NS, "xliff") && first &&
              ((trg = attr(first, "target-language")) || (trg = header_locale12(root)));
    if (attr_oom) {
        rc = kl_core__oom(im->ctx);
        goto done;
    }
    if (!ok) {
        rc = kl_core__error(
            im->ctx, KL_EFORMAT, KL_AT(im->path, line_of(root), 0),
            "export one from the catalogs (kinletter catalog export --format xliff12)",
            "not an XLIFF 1.2 file with a target-language");
        goto done;
    }
    if ((rc = kl_l10n__ximport_begin(im, trg)) < 0)
        goto done;
    for (xmlNodePtr file = root->children; file && !im->oom; file = file->next) {
        if (!is_ns(file, XLIFF12_NS, "file"))
            continue;
        char *vn = attr(file, "original");
        char *src_lang = attr(file, "source-language");
        xmlNodePtr body = child_ns(file, XLIFF12_NS, "body");
        /* A file translate-toolkit's po2xliff made from a PO (it has the gettext header) says
         * en-US: a PO has no source language. Each unit's English is compared with ours. */
        bool from_po = false;
        for (xmlNodePtr u = body ? body->children : NULL; u && !from_po; u = u->next)
            from_po = is_ns(u, XLIFF12_NS, "trans-unit") && is_header12(u);
        if (!from_po && (!src_lang || strcmp(src_lang, "en-GB") != 0))
            kl_l10n__ximport_bad(im, line_of(file), kl_l10n__col_of(im, line_of(file), "<"), NULL,
                                 "a file whose source-language is not en-GB");
        if (body)
            units12(im, body, vn, &sb, &tb);
        kl_free(vn);
        kl_free(src_lang);
    }
done:
    if (attr_oom)
        im->oom = true;
    kl_core__buf_free(&sb);
    kl_core__buf_free(&tb);
    kl_free(trg);
    xmlFreeDoc(doc);
    return kl_l10n__ximport_end(im, rc, dry_run, changed);
}

KL_API int kl_catalog_import(kl_context *ctx, kl_catalog_sources *s, const char *path, int dry_run,
                             size_t *changed)
{
    kl_context_clear_error(ctx);
    if (!ctx || !s || !path)
        return kl_core__einval(ctx, __func__);
    if (changed)
        *changed = 0;
    char *data = NULL;
    size_t len = 0;
    int rc = kl_core__read_file(ctx, path, 64u << 20, &data, &len);
    if (rc)
        return rc;
    kl_ximport im = {.ctx = ctx, .s = s, .path = path, .data = data, .len = len};
    /* XML (after a BOM and blanks) is XLIFF: its version says which. */
    const char *p = data;
    if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
        p += 3;
    while (p < data + len && strchr(" \t\r\n", *p))
        p++;
    if (p < data + len && *p == '<' && strstr(p, "<tmx") && !strstr(p, "<xliff")) {
        rc = kl_core__error(
            ctx, KL_EFORMAT, KL_AT(path, 1, 1),
            "load it into your translation tool's memory; bring translations back as "
            "PO or XLIFF",
            "a TMX file is a translation memory, not a catalog to import");
    } else if (p < data + len && *p == '<' && (strstr(p, "<martif") || strstr(p, "<tbx")) &&
               !strstr(p, "<xliff")) {
        rc = kl_core__error(ctx, KL_EFORMAT, KL_AT(path, 1, 1),
                            "load it into your translation tool's glossary (termbase); bring "
                            "translations back as PO or XLIFF",
                            "a TBX file is a glossary of terms, not a catalog to import");
    } else if (p < data + len && *p == '<') {
        const char *x = strstr(p, "<xliff");
        const char *v = x ? strstr(x, "version=") : NULL;
        if (v && (v[9] == '1'))
            rc = kl_l10n__import_xliff12(&im, dry_run, changed);
        else
            rc = kl_l10n__import_xliff20(&im, dry_run, changed);
    } else {
        rc = kl_l10n__import_po(&im, dry_run, changed);
    }
    kl_free(data);
    return rc;
}

KL_API int kl_catalog_import_xliff(kl_context *ctx, kl_catalog_sources *s, const char *path,
                                   int dry_run, size_t *changed)
{
    kl_context_clear_error(ctx);
    if (!ctx || !s || !path)
        return kl_core__einval(ctx, __func__);
    return kl_catalog_import(ctx, s, path, dry_run, changed);
}
