/* SPDX-License-Identifier: MIT */
/* l10n/tbx.c: the glossary export (TBX-Basic): the terms a catalog fixes (roles, titles, the
 * review types, advocate) in English and the catalog's language, and the words to avoid. */
#include "l10n/l10n_priv.h"

#include <libxml/xmlwriter.h>
#include <string.h>

#define W(call)                                                                                    \
    do {                                                                                           \
        if ((call) < 0)                                                                            \
            goto xml_fail;                                                                         \
    } while (0)

/* A message that is a term: plain text, or one select whose branches are
 * plain text ("{memberGender, select, female {…} male {…} other {…}}").
 * Writes each branch (key, text) through cb; false when it is a sentence
 * with placeholders, which no glossary can hold. */
typedef struct tbx_form {
    char key[32];
    char *text;
} tbx_form;

static bool term_forms(const char *msg, tbx_form *forms, size_t cap, size_t *n, bool *oom)
{
    *n = 0;
    if (!strchr(msg, '{') && !strchr(msg, '}')) {
        if (!(forms[0].text = kl_core__strdup(msg)))
            return !(*oom = true);
        forms[0].key[0] = '\0';
        *n = 1;
        return true;
    }
    const char *p = msg;
    if (*p++ != '{')
        return false;
    while (*p == ' ')
        p++;
    while (*p && *p != ',' && *p != '}' && *p != '{')
        p++;
    if (strncmp(p, ", select,", 9) != 0)
        return false;
    p += 9;
    for (;;) {
        while (*p == ' ')
            p++;
        if (*p == '}')
            return p[1] == '\0' && *n > 0;
        const char *k = p;
        while (*p && *p != ' ' && *p != '{' && *p != '}')
            p++;
        size_t kl = (size_t)(p - k);
        while (*p == ' ')
            p++;
        if (*p != '{' || kl == 0 || kl >= sizeof forms[0].key || *n >= cap)
            goto bad;
        const char *t = ++p;
        while (*p && *p != '{' && *p != '}')
            p++;
        if (*p != '}')
            goto bad;
        memcpy(forms[*n].key, k, kl);
        forms[*n].key[kl] = '\0';
        forms[*n].text = kl_core__malloc((size_t)(p - t) + 1);
        if (!forms[*n].text) {
            *oom = true;
            goto bad;
        }
        memcpy(forms[*n].text, t, (size_t)(p - t));
        forms[*n].text[p - t] = '\0';
        (*n)++;
        p++;
    }
bad:
    for (size_t i = 0; i < *n; i++)
        kl_free(forms[i].text);
    *n = 0;
    return false;
}

static int tbx_note(xmlTextWriterPtr w, const char *elem, const char *type, const char *text)
{
    if (xmlTextWriterStartElement(w, BAD_CAST elem) < 0)
        return -1;
    if (type && xmlTextWriterWriteAttribute(w, BAD_CAST "type", BAD_CAST type) < 0)
        return -1;
    if (xmlTextWriterWriteString(w, BAD_CAST text) < 0)
        return -1;
    return xmlTextWriterEndElement(w);
}

/* One term: <tig><term/><termNote…/></tig>. gender: "female"/"male" of a
 * select's branch, else NULL; type: a termType ("acronym") or NULL. */
static int tbx_tig(xmlTextWriterPtr w, const char *term, const char *admin, const char *type,
                   const char *gender)
{
    if (xmlTextWriterStartElement(w, BAD_CAST "tig") < 0 || tbx_note(w, "term", NULL, term) < 0 ||
        (type && tbx_note(w, "termNote", "termType", type) < 0) ||
        (gender && tbx_note(w, "termNote", "grammaticalGender", gender) < 0) ||
        tbx_note(w, "termNote", "administrativeStatus", admin) < 0)
        return -1;
    return xmlTextWriterEndElement(w);
}

static const struct {
    const char *type, *name, *acronym, *definition;
} tbx_review_types[] = {
    {"lcspr", "local child safeguarding practice review", "LCSPR",
     "a review, in England, of how services worked together when a child died or was seriously "
     "harmed and abuse or neglect is known or suspected"},
    {"scr", "serious case review", "SCR",
     "the name of a local child safeguarding practice review in England before 2019"},
    {"cpr", "child practice review", "CPR",
     "the review in Wales of how services worked together to protect a child"},
    {"sar", "safeguarding adults review", "SAR",
     "a review of how services worked together when an adult with care and support needs died "
     "or was seriously harmed and abuse or neglect is known or suspected"},
};

static const struct {
    const char *list, *why;
} tbx_avoid[] = {
    {"jargon", "Words to avoid (jargon): professional words a family should not have to decode. "
               "Write what it means instead."},
    {"cold", "Words to avoid (cold or blaming): never in a letter to a family."},
    {"unnamed", "Words to avoid in a letter to a bereaved family: they stand in for the child's "
                "name. Name the child."},
};

/* The message ids (any variant) of the catalog whose text contains needle, as
 * "a, b, c" in buf; empty when none. */
static void tbx_where(const kl_xexport *x, bool translated, const char *needle, kl_buf *b)
{
    kl_core__buf_clear(b);
    for (size_t i = 0; i < x->n; i++) {
        const kl_xunit *u = &x->units[i];
        const char *t = translated ? (u->m ? u->m->text : NULL) : u->e->text;
        if (!t || !strstr(t, needle))
            continue;
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++) {
            const kl_xunit *v = &x->units[j];
            const char *vt = translated ? (v->m ? v->m->text : NULL) : v->e->text;
            seen = vt && strstr(vt, needle) && !strcmp(v->e->key, u->e->key);
        }
        if (seen)
            continue;
        kl_core__buf_printf(b, "%s%s", b->len ? ", " : "", u->e->key);
    }
}

/* One entry's notes: the catalog's status, then a note in words. */
static int entry_notes(xmlTextWriterPtr w, const char *note, const kl_buf *said)
{
    if (said->oom)
        return -2;
    if (tbx_note(w, "note", NULL, note) < 0 || tbx_note(w, "note", NULL, said->data) < 0)
        return -1;
    return 0;
}

/* A role or title: a message of the catalog's own. -1: libxml2 failed, -2: out of memory. */
static int role_entry(xmlTextWriterPtr w, const kl_xexport *x, const kl_xunit *u, const char *note,
                      const char *tadmin)
{
    tbx_form forms[8];
    size_t nf = 0;
    bool oom = false;
    int rc = -1;
    const char *k = u->e->key;
    kl_buf said = KL_BUF_INIT;
    W(xmlTextWriterStartElement(w, BAD_CAST "termEntry"));
    W(xmlTextWriterWriteAttribute(w, BAD_CAST "id", BAD_CAST k));
    W(tbx_note(w, "descrip", "subjectField",
               k[7] == 'r' ? "role in a safeguarding review" : "title (form of address)"));
    W(tbx_note(w, "note", NULL, note));
    bool is_term = u->m && term_forms(u->m->text, forms, 8, &nf, &oom);
    if (oom)
        goto xml_fail;
    if (u->m && !is_term) {
        kl_core__buf_printf(&said,
                            "The catalog's text for %s is more than a term; see the message.", k);
        W(tbx_note(w, "note", NULL, said.oom ? "" : (const char *)said.data));
    } else if (!u->m) {
        W(tbx_note(w, "note", NULL, "Not translated in this catalog yet."));
    } else if (!u->current) {
        W(tbx_note(w, "note", NULL,
                   "The English changed since this translation was confirmed: check it."));
    }
    W(xmlTextWriterStartElement(w, BAD_CAST "langSet"));
    W(xmlTextWriterWriteAttribute(w, BAD_CAST "xml:lang", BAD_CAST "en-GB"));
    W(tbx_tig(w, u->e->text, "preferredTerm-admn-sts", NULL, NULL));
    W(xmlTextWriterEndElement(w));
    if (is_term) {
        W(xmlTextWriterStartElement(w, BAD_CAST "langSet"));
        W(xmlTextWriterWriteAttribute(w, BAD_CAST "xml:lang", BAD_CAST x->bcp));
        for (size_t f = 0; f < nf; f++) {
            bool dup = false;
            for (size_t g = 0; g < f; g++)
                dup = dup || !strcmp(forms[g].text, forms[f].text);
            const char *gender = !strcmp(forms[f].key, "female") ? "feminine"
                                 : !strcmp(forms[f].key, "male") ? "masculine"
                                                                 : NULL;
            if (!dup && forms[f].text[0])
                W(tbx_tig(w, forms[f].text, tadmin, NULL, gender));
        }
        W(xmlTextWriterEndElement(w));
    }
    W(xmlTextWriterEndElement(w)); /* termEntry */
    rc = 0;
xml_fail:
    for (size_t f = 0; f < nf; f++)
        kl_free(forms[f].text);
    kl_core__buf_free(&said);
    return oom ? -2 : rc;
}

/* A review type: named inside sentences, so the English term and where the
 * catalog says it. */
static int review_type_entry(xmlTextWriterPtr w, const kl_xexport *x, size_t i, const char *note)
{
    char id[64], needle[16];
    snprintf(id, sizeof id, "reviewType.%s", tbx_review_types[i].type);
    snprintf(needle, sizeof needle, " %s {", tbx_review_types[i].type);
    kl_buf where = KL_BUF_INIT, said = KL_BUF_INIT;
    int rc = -1;
    W(xmlTextWriterStartElement(w, BAD_CAST "termEntry"));
    W(xmlTextWriterWriteAttribute(w, BAD_CAST "id", BAD_CAST id));
    W(tbx_note(w, "descrip", "subjectField", "type of safeguarding review"));
    tbx_where(x, true, needle, &where);
    if (where.len)
        kl_core__buf_printf(&said,
                            "This catalog names it inside sentences (reviewType %s), not as a "
                            "term of its own: see %s.",
                            tbx_review_types[i].type, (const char *)where.data);
    else
        kl_core__buf_printf(&said, "This catalog does not name it in a translated message yet.");
    if (where.oom)
        said.oom = true;
    if ((rc = entry_notes(w, note, &said)) < 0)
        goto done;
    rc = -1;
    W(xmlTextWriterStartElement(w, BAD_CAST "langSet"));
    W(xmlTextWriterWriteAttribute(w, BAD_CAST "xml:lang", BAD_CAST "en-GB"));
    W(tbx_note(w, "descrip", "definition", tbx_review_types[i].definition));
    W(tbx_tig(w, tbx_review_types[i].name, "preferredTerm-admn-sts", "fullForm", NULL));
    W(tbx_tig(w, tbx_review_types[i].acronym, "admittedTerm-admn-sts", "acronym", NULL));
    W(xmlTextWriterEndElement(w));
    W(xmlTextWriterEndElement(w)); /* termEntry */
    rc = 0;
xml_fail:
done:
    kl_core__buf_free(&where);
    kl_core__buf_free(&said);
    return rc;
}

/* Advocate: only ever inside sentences. */
static int advocate_entry(xmlTextWriterPtr w, const kl_xexport *x, const char *note)
{
    kl_buf where = KL_BUF_INIT, said = KL_BUF_INIT;
    int rc = -1;
    W(xmlTextWriterStartElement(w, BAD_CAST "termEntry"));
    W(xmlTextWriterWriteAttribute(w, BAD_CAST "id", BAD_CAST "advocate"));
    W(tbx_note(w, "descrip", "subjectField", "support for a family in a safeguarding review"));
    tbx_where(x, false, "advocate", &where);
    kl_core__buf_printf(&said,
                        "No message is the term alone; use this catalog's word for it consistently "
                        "in %s.",
                        where.len ? (const char *)where.data : "every message that mentions it");
    if (where.oom)
        said.oom = true;
    if ((rc = entry_notes(w, note, &said)) < 0)
        goto done;
    rc = -1;
    W(xmlTextWriterStartElement(w, BAD_CAST "langSet"));
    W(xmlTextWriterWriteAttribute(w, BAD_CAST "xml:lang", BAD_CAST "en-GB"));
    W(tbx_note(w, "descrip", "definition",
               "someone whose job is to help a family member have their say (an independent "
               "advocate, not a lawyer)"));
    W(tbx_tig(w, "advocate", "preferredTerm-admn-sts", NULL, NULL));
    W(xmlTextWriterEndElement(w));
    W(xmlTextWriterEndElement(w)); /* termEntry */
    rc = 0;
xml_fail:
done:
    kl_core__buf_free(&where);
    kl_core__buf_free(&said);
    return rc;
}

/* Words to avoid: one list of one catalog (side 0: the English, 1: the translation). */
static int avoid_entries(kl_context *ctx, xmlTextWriterPtr w, const kl_xexport *x,
                         const kl_cfile *cf, int side, size_t l, const char *note)
{
    char **words = NULL;
    size_t nw = 0;
    int rc = -1;
    const char *lang = side ? x->bcp : "en-GB";
    if (kl_l10n__src_list(ctx, cf->src, "avoid", tbx_avoid[l].list, &words, &nw))
        return -2;
    for (size_t i = 0; i < nw; i++) {
        char id[160];
        snprintf(id, sizeof id, "avoid.%s.%s.%zu", side ? x->f->name : "en_GB", tbx_avoid[l].list,
                 i + 1);
        W(xmlTextWriterStartElement(w, BAD_CAST "termEntry"));
        W(xmlTextWriterWriteAttribute(w, BAD_CAST "id", BAD_CAST id));
        W(tbx_note(w, "note", NULL, note));
        W(xmlTextWriterStartElement(w, BAD_CAST "langSet"));
        W(xmlTextWriterWriteAttribute(w, BAD_CAST "xml:lang", BAD_CAST lang));
        W(tbx_note(w, "note", NULL, tbx_avoid[l].why));
        W(tbx_tig(w, words[i], "deprecatedTerm-admn-sts", NULL, NULL));
        W(xmlTextWriterEndElement(w));
        W(xmlTextWriterEndElement(w)); /* termEntry */
    }
    rc = 0;
xml_fail:
    for (size_t i = 0; i < nw; i++)
        kl_free(words[i]);
    kl_free(words);
    return rc;
}

/* <martif>, its <martifHeader> (the title and where the glossary comes from) and the
 * start of its <text><body>. */
static int tbx_header(xmlTextWriterPtr w, const kl_xexport *x, const char *status, const char *note)
{
    W(xmlTextWriterStartElement(w, BAD_CAST "martif"));
    W(xmlTextWriterWriteAttribute(w, BAD_CAST "type", BAD_CAST "TBX-Basic"));
    W(xmlTextWriterWriteAttribute(w, BAD_CAST "xml:lang", BAD_CAST "en-GB"));
    W(xmlTextWriterStartElement(w, BAD_CAST "martifHeader"));
    W(xmlTextWriterStartElement(w, BAD_CAST "fileDesc"));
    W(xmlTextWriterStartElement(w, BAD_CAST "titleStmt"));
    W(xmlTextWriterWriteFormatElement(w, BAD_CAST "title", "kinletter glossary, en-GB to %s (%s)",
                                      x->bcp, status));
    W(xmlTextWriterEndElement(w));
    W(xmlTextWriterStartElement(w, BAD_CAST "sourceDesc"));
    W(xmlTextWriterWriteFormatElement(w, BAD_CAST "p", "kinletter %s, catalog %s. %s",
                                      KL_VERSION_STRING, x->f->name, note));
    W(xmlTextWriterEndElement(w));
    W(xmlTextWriterEndElement(w)); /* fileDesc */
    W(xmlTextWriterStartElement(w, BAD_CAST "encodingDesc"));
    W(xmlTextWriterStartElement(w, BAD_CAST "p"));
    W(xmlTextWriterWriteAttribute(w, BAD_CAST "type", BAD_CAST "XCSURI"));
    W(xmlTextWriterWriteString(w, BAD_CAST "TBXBasicXCSV02.xcs"));
    W(xmlTextWriterEndElement(w));
    W(xmlTextWriterEndElement(w)); /* encodingDesc */
    W(xmlTextWriterEndElement(w)); /* martifHeader */
    W(xmlTextWriterStartElement(w, BAD_CAST "text"));
    W(xmlTextWriterStartElement(w, BAD_CAST "body"));
    return 0;
xml_fail:
    return -1;
}

/* Every entry of the glossary's body, in order. */
static int tbx_body(kl_context *ctx, xmlTextWriterPtr w, kl_catalog_sources *s, const kl_xexport *x,
                    const char *note)
{
    bool reviewed = x->status && !strcmp(x->status, "reviewed");
    const char *tadmin = reviewed ? "preferredTerm-admn-sts" : "admittedTerm-admn-sts";
    int rc;
    /* Roles and titles: the catalog's own messages. */
    for (size_t i = 0; i < x->n; i++) {
        const kl_xunit *u = &x->units[i];
        const char *k = u->e->key;
        if (u->variant != 0 || (strncmp(k, "common.role.", 12) && strncmp(k, "common.title.", 13)))
            continue;
        if ((rc = role_entry(w, x, u, note, tadmin)) < 0)
            return rc;
    }
    for (size_t i = 0; i < sizeof tbx_review_types / sizeof tbx_review_types[0]; i++)
        if ((rc = review_type_entry(w, x, i, note)) < 0)
            return rc;
    if ((rc = advocate_entry(w, x, note)) < 0)
        return rc;
    /* Words to avoid: the English catalog's lists and the catalog's own. */
    for (int side = 0; side < 2; side++) {
        const kl_cfile *cf = side ? x->f : s->en;
        if (!cf || !cf->src || (side && cf == s->en))
            continue;
        for (size_t l = 0; l < sizeof tbx_avoid / sizeof tbx_avoid[0]; l++)
            if ((rc = avoid_entries(ctx, w, x, cf, side, l, note)) < 0)
                return rc;
    }
    return 0;
}

/* TBX-Basic (TBX v2, <martif type="TBX-Basic">, what translate-toolkit and
 * CAT tools read as a glossary): the terms the catalog fixes, English and
 * the catalog's, each entry with the catalog's status. */
int kl_l10n__export_tbx(kl_context *ctx, kl_catalog_sources *s, const char *locale, char **out,
                        size_t *len)
{
    kl_xexport x;
    int rc = kl_l10n__xexport(ctx, s, locale, &x);
    if (rc)
        return rc;
    xmlBufferPtr buf;
    xmlTextWriterPtr w;
    bool reviewed = x.status && !strcmp(x.status, "reviewed");
    const char *status = x.status && x.status[0] ? x.status : "draft";
    kl_buf note = KL_BUF_INIT;
    kl_core__buf_printf(&note, "Catalog %s (%s): %s.", x.f->name, x.bcp,
                        reviewed ? "reviewed by a professional translator"
                                 : "draft, not yet reviewed by a professional translator");
    int r;
    if ((r = kl_l10n__writer_begin(&buf, &w)) < 0)
        goto done;
    if (note.oom) {
        r = -2;
        goto done;
    }
    if ((r = tbx_header(w, &x, status, note.data)) < 0 ||
        (r = tbx_body(ctx, w, s, &x, note.data)) < 0)
        goto done;
    r = xmlTextWriterEndElement(w) < 0 /* body */ || xmlTextWriterEndElement(w) < 0 /* text */ ||
                xmlTextWriterEndElement(w) < 0 /* martif */ || xmlTextWriterEndDocument(w) < 0
            ? -1
            : 0;
done:
    kl_core__buf_free(&note);
    kl_l10n__xexport_free(&x);
    return kl_l10n__writer_end(ctx, buf, w, r == 0, r == -2, "TBX", out, len);
}
