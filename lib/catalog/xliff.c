/* SPDX-License-Identifier: MIT */
/* catalog/xliff.c: XLIFF 2.0 export and all-or-nothing import of a catalog. */
#include "catalog/tools.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlwriter.h>
#include <string.h>

#define XLIFF_NS "urn:oasis:names:tc:xliff:document:2.0"

/* What each argument compose supplies holds (docs/TEMPLATES.md), for translators. */
static const struct {
    const char *name, *what;
} arg_notes[] = {
    {"childName", "the child's given name (\"Amelia\")"},
    {"childFullName", "the child's given and family name"},
    {"childGender", "the child's gender, to choose words: female, male, other"},
    {"childAge", "the child's age, a number (-1 when unknown)"},
    {"outcome", "what happened, to choose words: died, seriously_harmed"},
    {"reviewType", "the kind of review, to choose words: lcspr, scr, cpr, sar"},
    {"reviewId", "the review's reference (\"NSCP-2026-017\")"},
    {"relationship", "the reader's relationship to the child, to choose words (mother, father, "
                     "sister, ... other)"},
    {"memberGender", "the reader's gender, to choose words: female, male, other"},
    {"memberGiven", "the reader's given name"},
    {"memberFamily", "the reader's family name"},
    {"memberTitle", "the reader's title (Mrs, Mr, Dr...)"},
    {"hasTitle", "whether the reader has a title: yes, no"},
    {"hasFamily", "whether the reader's family name is known: yes, no"},
    {"memberAge", "the reader's age, a number (-1 when unknown)"},
    {"partnershipName", "the safeguarding partnership's name"},
    {"partnershipPhone", "the partnership's phone number"},
    {"partnershipEmail", "the partnership's email address"},
    {"partnershipWeb", "the partnership's website"},
    {"hasWeb", "whether the partnership has a website: yes, no"},
    {"reviewerName", "the independent reviewer's name"},
    {"reviewerRole", "the independent reviewer's role"},
    {"hasReviewer", "whether a reviewer is named: yes, no"},
    {"contactName", "the family's contact person (the writer)"},
    {"contactRole", "the contact person's role"},
    {"contactPhone", "the contact's phone number"},
    {"contactMobile", "the contact's mobile number"},
    {"contactEmail", "the contact's email address"},
    {"contactHours", "when to call the contact"},
    {"hasMobile", "whether there is a mobile number: yes, no"},
    {"hasHours", "whether calling hours are given: yes, no"},
    {"letterDate", "the letter's date; write {letterDate, date, long}"},
    {"decidedDate", "the date the review was decided; write {decidedDate, date, long}"},
    {"expectedEndDate", "when the review should end; write {expectedEndDate, date, long}"},
    {"periodFrom", "the start of the period reviewed (a date)"},
    {"periodTo", "the end of the period reviewed (a date)"},
    {"agencyCount", "how many agencies take part, a number (use plural)"},
    {"serviceCount", "how many support services are listed, a number (use plural)"},
    {"publication", "whether the report will be published, to choose words: planned, "
                    "not_planned, undecided"},
    {"interpreter", "whether the reader has an interpreter: yes, no"},
    {"interpreterLanguage", "the name of the interpreter's language, in the letter's language"},
    {"channel", "how the letter is sent: post, email, sms, via_professional"},
    {"otherChannel", "the other way the reader was contacted: email, post, or other"},
    {"professional", "who hands the letter over, or empty"},
    {"variant", "the reading variant: standard, plain, young_person"},
    {"page", "the page number"},
    {"pages", "the number of pages"},
    {"agency", "one agency's name"},
    {"serviceName", "a support service's name"},
    {"servicePhone", "a support service's phone number"},
    {"serviceWeb", "a support service's website"},
    {"serviceHasPhone", "whether the service has a phone number: yes, no"},
    {"serviceHasWeb", "whether the service has a website: yes, no"},
};

static const char *arg_note(const char *name)
{
    for (size_t i = 0; i < sizeof arg_notes / sizeof *arg_notes; i++)
        if (!strcmp(arg_notes[i].name, name))
            return arg_notes[i].what;
    return "see docs/TEMPLATES.md";
}

static const char *const variant_notes[KL_VARIANTS] = {
    "standard: for adults; sentences of at most 25 words.",
    "plain: plain language for adults who asked for it; at most 20 words a sentence, common "
    "words. A message missing here is taken from standard.",
    "young_person: for a brother or sister aged about 11 to 17; at most 15 words a sentence, "
    "direct and warm. A message missing here is taken from plain, then standard."};

static kl_cfile *usable(kl_context *ctx, kl_catalog_sources *s, const char *locale, int *rc)
{
    kl_cfile *f = kl_catalog__file(s, locale);
    *rc = 0;
    if (!f)
        *rc = kl_error(ctx, KL_ENOTFOUND, KL_AT(s->dir, 0, 0),
                       "the catalog is locales/<locale>.txt, e.g. pl.txt", "no catalog for '%s'",
                       locale);
    else if (!f->src)
        *rc = kl_catalog__file_error(ctx, f);
    else if (!s->en->src)
        *rc = kl_catalog__file_error(ctx, s->en);
    else if (f == s->en)
        *rc = kl_error(ctx, KL_EINVAL, KL_AT(f->path, 0, 0), NULL,
                       "the English catalog is the source, not a translation");
    return *rc ? NULL : f;
}

static void bcp_of(const char *name, char *out, size_t cap)
{
    snprintf(out, cap, "%s", name);
    for (char *p = out; *p; p++)
        if (*p == '_')
            *p = '-';
}

/* ---- export ------------------------------------------------------------------ */

static int location_note(kl_catalog_sources *s, const char *msgid, kl_buf *b)
{
    const kl_csrc *en = s->en->src;
    for (size_t i = 0; i < s->n_usage; i++) {
        const kl_usage *u = &s->usage[i];
        if (strcmp(u->msgid, msgid) != 0)
            continue;
        if (b->len)
            kl_buf_puts(b, "\n");
        kl_buf_printf(b, "templates/%s.xml", u->letter);
        if (u->line)
            kl_buf_printf(b, ":%u", u->line);
        kl_buf_printf(b, ": %s", u->role);
        const kl_csrc_str *h = u->section ? kl_catalog__src_find(en, "standard", u->section) : NULL;
        if (h && strcmp(u->section, msgid) != 0)
            kl_buf_printf(b, " in the section \"%s\"", h->text);
    }
    if (!b->len)
        kl_buf_puts(b, "not used by any letter template yet");
    return b->oom ? KL_ENOMEM : 0;
}

#define W(call)                                                                                    \
    do {                                                                                           \
        if ((call) < 0)                                                                            \
            goto xml_fail;                                                                         \
    } while (0)

KL_API int kl_catalog_export_xliff(kl_context *ctx, kl_catalog_sources *s, const char *locale,
                                   char **out, size_t *len)
{
    kl_context_clear_error(ctx);
    if (!ctx || !s || !locale || !out)
        return kl_einval(ctx, __func__);
    *out = NULL;
    int rc;
    kl_cfile *f = usable(ctx, s, locale, &rc);
    if (!f)
        return rc;
    if ((rc = kl_catalog__usage(ctx, s)) == KL_ENOMEM)
        return rc;
    const kl_csrc *en = s->en->src, *tr = f->src;
    char bcp[64];
    bcp_of(f->name, bcp, sizeof bcp);
    const kl_csrc_str *st = kl_catalog__src_find(tr, "meta", "status");
    bool reviewed = st && !strcmp(st->text, "reviewed");

    xmlBufferPtr buf = xmlBufferCreate();
    xmlTextWriterPtr w = buf ? xmlNewTextWriterMemory(buf, 0) : NULL;
    kl_buf note = KL_BUF_INIT;
    if (!w)
        goto xml_fail;
    W(xmlTextWriterSetIndent(w, 1));
    W(xmlTextWriterSetIndentString(w, BAD_CAST "  "));
    W(xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL));
    W(xmlTextWriterStartElementNS(w, NULL, BAD_CAST "xliff", BAD_CAST XLIFF_NS));
    W(xmlTextWriterWriteAttribute(w, BAD_CAST "version", BAD_CAST "2.0"));
    W(xmlTextWriterWriteAttribute(w, BAD_CAST "srcLang", BAD_CAST "en-GB"));
    W(xmlTextWriterWriteAttribute(w, BAD_CAST "trgLang", BAD_CAST bcp));
    for (int v = 0; v < KL_VARIANTS; v++) {
        const char *vn = kl_catalog__variants[v];
        W(xmlTextWriterStartElement(w, BAD_CAST "file"));
        W(xmlTextWriterWriteAttribute(w, BAD_CAST "id", BAD_CAST vn));
        W(xmlTextWriterStartElement(w, BAD_CAST "notes"));
        W(xmlTextWriterStartElement(w, BAD_CAST "note"));
        W(xmlTextWriterWriteAttribute(w, BAD_CAST "category", BAD_CAST "reading"));
        W(xmlTextWriterWriteString(w, BAD_CAST variant_notes[v]));
        W(xmlTextWriterEndElement(w));
        W(xmlTextWriterStartElement(w, BAD_CAST "note"));
        W(xmlTextWriterWriteAttribute(w, BAD_CAST "category", BAD_CAST "syntax"));
        W(xmlTextWriterWriteString(
            w, BAD_CAST "Keep every {placeholder} exactly as it is. In {x, select, a {...} other "
                        "{...}} translate only the text inside the inner braces; every select "
                        "and plural needs 'other'. Write ’ for an apostrophe: ' is a quote "
                        "character."));
        W(xmlTextWriterEndElement(w));
        W(xmlTextWriterEndElement(w));
        for (size_t i = 0; i < en->n_strs; i++) {
            const kl_csrc_str *e = &en->strs[i];
            if (strcmp(e->table, vn) != 0 || kl_catalog__english_only(e->key))
                continue;
            const kl_csrc_str *m = kl_catalog__src_find(tr, vn, e->key);
            const char *rec = kl_catalog__recorded_fp(tr, vn, e->key);
            char fp[17];
            kl_catalog__fingerprint(e->text, fp);
            W(xmlTextWriterStartElement(w, BAD_CAST "unit"));
            W(xmlTextWriterWriteAttribute(w, BAD_CAST "id", BAD_CAST e->key));
            W(xmlTextWriterStartElement(w, BAD_CAST "notes"));
            kl_buf_clear(&note);
            if (location_note(s, e->key, &note))
                goto xml_fail;
            W(xmlTextWriterStartElement(w, BAD_CAST "note"));
            W(xmlTextWriterWriteAttribute(w, BAD_CAST "category", BAD_CAST "location"));
            W(xmlTextWriterWriteString(w, BAD_CAST note.data));
            W(xmlTextWriterEndElement(w));
            kl_msg_shape sh;
            kl_fmt_error fe;
            if (kl_catalog__analyse("en-GB", e->text, &sh, &fe) == 0 && sh.n_args) {
                kl_buf_clear(&note);
                for (size_t a = 0; a < sh.n_args; a++)
                    kl_buf_printf(&note, "%s{%s}: %s", a ? "\n" : "", sh.args[a].name,
                                  arg_note(sh.args[a].name));
                if (note.oom)
                    goto xml_fail;
                W(xmlTextWriterStartElement(w, BAD_CAST "note"));
                W(xmlTextWriterWriteAttribute(w, BAD_CAST "category", BAD_CAST "arguments"));
                W(xmlTextWriterWriteString(w, BAD_CAST note.data));
                W(xmlTextWriterEndElement(w));
            }
            const char *state = "initial";
            if (m && rec && !strcmp(rec, fp))
                state = reviewed ? "reviewed" : "translated";
            if (m && rec && strcmp(rec, fp) != 0) {
                const char *old = kl_catalog__history(ctx, s, rec);
                kl_buf_clear(&note);
                kl_buf_printf(&note,
                              "OUT OF DATE: the English changed after this was translated, so "
                              "letters do not use it. The English was: %s",
                              old ? old : "(not recorded)");
                if (note.oom)
                    goto xml_fail;
                W(xmlTextWriterStartElement(w, BAD_CAST "note"));
                W(xmlTextWriterWriteAttribute(w, BAD_CAST "category", BAD_CAST "stale"));
                W(xmlTextWriterWriteString(w, BAD_CAST note.data));
                W(xmlTextWriterEndElement(w));
            } else if (m && !rec) {
                W(xmlTextWriterStartElement(w, BAD_CAST "note"));
                W(xmlTextWriterWriteAttribute(w, BAD_CAST "category", BAD_CAST "unconfirmed"));
                W(xmlTextWriterWriteString(w, BAD_CAST "Not yet confirmed against this English: "
                                                       "check it, then mark it translated."));
                W(xmlTextWriterEndElement(w));
            }
            W(xmlTextWriterEndElement(w)); /* notes */
            W(xmlTextWriterStartElement(w, BAD_CAST "segment"));
            W(xmlTextWriterWriteAttribute(w, BAD_CAST "state", BAD_CAST state));
            W(xmlTextWriterStartElement(w, BAD_CAST "source"));
            W(xmlTextWriterWriteAttribute(w, BAD_CAST "xml:space", BAD_CAST "preserve"));
            W(xmlTextWriterWriteString(w, BAD_CAST e->text));
            W(xmlTextWriterEndElement(w));
            if (m) {
                W(xmlTextWriterStartElement(w, BAD_CAST "target"));
                W(xmlTextWriterWriteAttribute(w, BAD_CAST "xml:space", BAD_CAST "preserve"));
                W(xmlTextWriterWriteString(w, BAD_CAST m->text));
                W(xmlTextWriterEndElement(w));
            }
            W(xmlTextWriterEndElement(w)); /* segment */
            W(xmlTextWriterEndElement(w)); /* unit */
        }
        W(xmlTextWriterEndElement(w)); /* file */
    }
    W(xmlTextWriterEndElement(w));
    W(xmlTextWriterEndDocument(w));
    xmlFreeTextWriter(w);
    w = NULL;
    kl_buf_free(&note);
    size_t n = (size_t)xmlBufferLength(buf);
    char *res = kl_malloc(n + 1);
    if (!res) {
        xmlBufferFree(buf);
        return kl_oom(ctx);
    }
    memcpy(res, xmlBufferContent(buf), n);
    res[n] = '\0';
    xmlBufferFree(buf);
    *out = res;
    if (len)
        *len = n;
    return 0;
xml_fail:
    kl_buf_free(&note);
    if (w)
        xmlFreeTextWriter(w);
    if (buf)
        xmlBufferFree(buf);
    return kl_error(ctx, KL_EBACKEND, KL_NOWHERE, NULL, "libxml2 could not write the XLIFF");
}

/* ---- import ------------------------------------------------------------------ */

typedef struct imp {
    kl_context *ctx;
    const char *path;
    size_t errors;
} imp;

KL_PRINTF(4, 5)
static void bad(imp *im, xmlNodePtr n, const char *hint, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    kl_report(im->ctx, KL_EFORMAT, KL_AT(im->path, n ? (unsigned)xmlGetLineNo(n) : 0, 0), hint,
              "%s", msg);
    im->errors++;
}

static bool is(xmlNodePtr n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && n->ns &&
           !strcmp((const char *)n->ns->href, XLIFF_NS) && !strcmp((const char *)n->name, name);
}

static xmlNodePtr child(xmlNodePtr n, const char *name)
{
    for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next)
        if (is(c, name))
            return c;
    return NULL;
}

static char *attr(xmlNodePtr n, const char *name)
{
    xmlChar *v = xmlGetProp(n, BAD_CAST name);
    if (!v)
        return NULL;
    char *r = kl_strdup((const char *)v);
    xmlFree(v);
    return r;
}

/* The text of an element that must hold only text. NULL: it has markup. */
static char *text_of(xmlNodePtr n, bool *oom)
{
    for (xmlNodePtr c = n->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            return NULL;
    xmlChar *v = xmlNodeGetContent(n);
    char *r = kl_strdup(v ? (const char *)v : "");
    if (v)
        xmlFree(v);
    if (!r)
        *oom = true;
    return r;
}

/* Check a target as `catalog check` would, reporting errors at the element. */
static void validate(imp *im, xmlNodePtr at, const char *bcp, const char *msgid,
                     const char *english, const char *text)
{
    kl_msg_shape sh, esh;
    kl_fmt_error fe;
    if (kl_catalog__analyse(bcp, text, &sh, &fe) != 0) {
        bad(im, at, "ICU MessageFormat: {name}, {n, plural, ...}, {x, select, ... other {...}}",
            "unit '%s': %s %s", msgid, fe.detail, fe.icu);
        return;
    }
    if (sh.no_other[0]) {
        bad(im, at, NULL, "unit '%s': the choice on {%s} has no 'other' branch", msgid,
            sh.no_other);
        return;
    }
    if (kl_catalog__check_pattern(bcp, text, &fe) != 0) {
        bad(im, at, NULL, "unit '%s': %s %s", msgid, fe.detail, fe.icu);
        return;
    }
    if (sh.plural_arg[0])
        bad(im, at, NULL, "unit '%s': the plural on {%s} lacks %s (%s needs %s)", msgid,
            sh.plural_arg, sh.plural_missing, bcp, sh.plural_need);
    if (kl_catalog__analyse("en-GB", english, &esh, &fe) != 0)
        return;
    for (size_t i = 0; i < esh.n_args; i++) {
        bool used = false;
        for (size_t k = 0; k < sh.n_args; k++)
            used = used || !strcmp(sh.args[k].name, esh.args[i].name);
        if (esh.args[i].shown && !used)
            bad(im, at, "keep every {placeholder} of the English", "unit '%s' does not use {%s}",
                msgid, esh.args[i].name);
    }
    for (size_t k = 0; k < sh.n_args; k++) {
        bool used = false;
        for (size_t i = 0; i < esh.n_args; i++)
            used = used || !strcmp(sh.args[k].name, esh.args[i].name);
        if (sh.args[k].shown && !used)
            bad(im, at, "a translation may not show what the English does not",
                "unit '%s' shows {%s}, which the English does not use", msgid, sh.args[k].name);
    }
}

KL_API int kl_catalog_import_xliff(kl_context *ctx, kl_catalog_sources *s, const char *path,
                                   int dry_run, size_t *changed)
{
    kl_context_clear_error(ctx);
    if (!ctx || !s || !path)
        return kl_einval(ctx, __func__);
    if (changed)
        *changed = 0;
    /* No network, no entity substitution, no DTD loading. */
    xmlDocPtr doc =
        xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) {
        const xmlError *xe = xmlGetLastError();
        return kl_error(ctx, KL_EPARSE,
                        KL_AT(path, xe ? (unsigned)xe->line : 0, xe ? (unsigned)xe->int2 : 0),
                        "the file must be well-formed XML (XLIFF 2.0)", "%s",
                        xe && xe->message ? xe->message : "cannot be read as XML");
    }
    imp im = {ctx, path, 0};
    int rc = 0;
    kl_cwrite w = {0};
    size_t n_changes = 0;
    bool oom = false;
    char *trg = NULL, *src_lang = NULL, *version = NULL;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (doc->intSubset) {
        rc = kl_error(ctx, KL_EFORMAT, KL_AT(path, 0, 0), NULL,
                      "a DOCTYPE is not allowed in an XLIFF file for import");
        goto done;
    }
    if (!is(root, "xliff") || !(version = attr(root, "version")) || strcmp(version, "2.0") ||
        !(src_lang = attr(root, "srcLang")) || strcmp(src_lang, "en-GB") ||
        !(trg = attr(root, "trgLang"))) {
        rc = kl_error(ctx, KL_EFORMAT, KL_AT(path, root ? (unsigned)xmlGetLineNo(root) : 0, 0),
                      "export one from the catalogs (XLIFF export)",
                      "not an XLIFF 2.0 file from English (en-GB) with a trgLang");
        goto done;
    }
    kl_cfile *f = usable(ctx, s, trg, &rc);
    if (!f)
        goto done;
    char bcp[64];
    bcp_of(f->name, bcp, sizeof bcp);
    const kl_csrc *en = s->en->src, *tr = f->src;
    if ((rc = kl_catalog__fp_load(&w, tr)))
        goto done;
    for (xmlNodePtr file = root->children; file && !oom; file = file->next) {
        if (file->type != XML_ELEMENT_NODE)
            continue;
        if (!is(file, "file")) {
            bad(&im, file, NULL, "unexpected element <%s>", (const char *)file->name);
            continue;
        }
        char *fid = attr(file, "id");
        int v = -1;
        for (int k = 0; fid && k < KL_VARIANTS; k++)
            if (!strcmp(fid, kl_catalog__variants[k]))
                v = k;
        if (v < 0) {
            bad(&im, file, "file ids are standard, plain and young_person", "unknown file id '%s'",
                fid ? fid : "");
            kl_free(fid);
            continue;
        }
        kl_free(fid);
        const char *vn = kl_catalog__variants[v];
        for (xmlNodePtr unit = file->children; unit && !oom; unit = unit->next) {
            if (unit->type != XML_ELEMENT_NODE || is(unit, "notes"))
                continue;
            if (!is(unit, "unit")) {
                bad(&im, unit, NULL, "unexpected element <%s>", (const char *)unit->name);
                continue;
            }
            char *id = attr(unit, "id");
            const kl_csrc_str *e = id ? kl_catalog__src_find(en, vn, id) : NULL;
            if (!e || kl_catalog__english_only(id)) {
                bad(&im, unit, "units come from the XLIFF export: do not rename them",
                    "unit '%s' is not a %s message of the English catalog", id ? id : "", vn);
                kl_free(id);
                continue;
            }
            xmlNodePtr seg = child(unit, "segment");
            xmlNodePtr src = seg ? child(seg, "source") : NULL;
            xmlNodePtr tgt = seg ? child(seg, "target") : NULL;
            char *state = seg ? attr(seg, "state") : NULL;
            if (!seg || !src) {
                bad(&im, unit, NULL, "unit '%s' has no segment with a source", id);
            } else if (state && strcmp(state, "initial") && strcmp(state, "translated") &&
                       strcmp(state, "reviewed") && strcmp(state, "final")) {
                bad(&im, seg, NULL, "unit '%s': unknown state '%s'", id, state);
            } else if (tgt) {
                char *stext = text_of(src, &oom);
                char *ttext = text_of(tgt, &oom);
                if (!ttext && !oom) {
                    bad(&im, tgt, "write placeholders as plain text: {childName}",
                        "unit '%s': the target holds markup (inline codes are not used)", id);
                } else if (ttext && stext && ttext[0]) {
                    validate(&im, tgt, bcp, id, e->text, ttext);
                    const kl_csrc_str *m = kl_catalog__src_find(tr, vn, id);
                    if (!m || strcmp(m->text, ttext) != 0) {
                        n_changes++;
                        if (!m) {
                            rc = kl_catalog__insert_msg(&w, tr, vn, id, ttext);
                        } else {
                            kl_buf q = KL_BUF_INIT;
                            kl_catalog__quote(&q, ttext);
                            rc = q.oom ? KL_ENOMEM
                                       : kl_catalog__edit_add(&w, m->vstart, m->vend, q.data);
                            kl_buf_free(&q);
                        }
                        oom = oom || rc;
                    }
                    bool confirms = state && strcmp(state, "initial") != 0;
                    if (confirms && strcmp(stext, e->text) != 0) {
                        kl_warn(ctx, KL_SEVERITY_WARNING,
                                KL_AT(path, (unsigned)xmlGetLineNo(src), 0), NULL,
                                "unit '%s': the English changed after this file was exported, "
                                "so the translation is not confirmed (export again)",
                                id);
                    } else if (confirms) {
                        char fp[17];
                        kl_catalog__fingerprint(e->text, fp);
                        const char *rec = kl_catalog__recorded_fp(tr, vn, id);
                        if (!rec || strcmp(rec, fp) != 0) {
                            n_changes++;
                            if (kl_catalog__fp_set(&w, v, id, fp, e->text))
                                oom = true;
                        }
                    }
                }
                kl_free(stext);
                kl_free(ttext);
            }
            kl_free(state);
            kl_free(id);
        }
    }
    if (oom) {
        rc = kl_oom(ctx);
        goto done;
    }
    if (im.errors) {
        rc = kl_error(ctx, KL_EFORMAT, KL_AT(path, 0, 0),
                      "fix the units named above and import again",
                      "%zu problem%s in the XLIFF file: the catalog was not changed", im.errors,
                      im.errors == 1 ? "" : "s");
        goto done;
    }
    rc = kl_catalog__commit(ctx, s, f, &w, dry_run);
    if (!rc && changed)
        *changed = n_changes;
done:
    kl_catalog__cwrite_free(&w);
    kl_free(trg);
    kl_free(src_lang);
    kl_free(version);
    xmlFreeDoc(doc);
    return rc;
}
