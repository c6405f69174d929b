/* SPDX-License-Identifier: MIT */
/* text/fontset.c: fonts/fonts.xml resolved through fontconfig and loaded with HarfBuzz. */
#include "text/fontset.h"

#include <fontconfig/fontconfig.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <string.h>

#define FONTS_NS "urn:kinletter:fonts:1"

unsigned kl_text__font_count(const kl_fontset *fs)
{
    return fs ? fs->nfonts : 0;
}

const kl_font *kl_text__font_at(const kl_fontset *fs, unsigned id)
{
    return fs && id < fs->nfonts ? fs->fonts[id] : NULL;
}

static void font_free(kl_font *f)
{
    if (!f)
        return;
    hb_font_destroy(f->font);
    hb_face_destroy(f->face);
    hb_blob_destroy(f->blob);
    kl_free(f->family);
    kl_free(f->file);
    kl_free(f);
}

static void queries_free(kl_fontset *fs)
{
    for (size_t i = 0; i < fs->nqueries; i++) {
        kl_free(fs->queries[i].family);
        kl_free(fs->queries[i].lang);
    }
    kl_free(fs->queries);
    fs->queries = NULL;
    fs->nqueries = fs->cap_queries = 0;
}

void kl_text__fontset_free(kl_fontset *fs)
{
    if (!fs)
        return;
    queries_free(fs);
    for (unsigned i = 0; i < fs->nfonts; i++)
        font_free(fs->fonts[i]);
    kl_free(fs->fonts);
    for (size_t i = 0; i < fs->nrules; i++) {
        kl_free(fs->rules[i].lang);
        kl_free(fs->rules[i].ids[0]);
        kl_free(fs->rules[i].ids[1]);
    }
    kl_free(fs->rules);
    kl_free(fs);
}

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* Fill the metrics the PDF font descriptor needs. */
static void font_metrics(kl_font *f)
{
    hb_position_t v;
    f->upem = hb_face_get_upem(f->face);
    f->num_glyphs = hb_face_get_glyph_count(f->face);
    f->ascent = hb_ot_metrics_get_position(f->font, HB_OT_METRICS_TAG_HORIZONTAL_ASCENDER, &v)
                    ? v
                    : (int)(f->upem * 0.8);
    f->descent = hb_ot_metrics_get_position(f->font, HB_OT_METRICS_TAG_HORIZONTAL_DESCENDER, &v)
                     ? v
                     : -(int)(f->upem * 0.2);
    f->cap_height = hb_ot_metrics_get_position(f->font, HB_OT_METRICS_TAG_CAP_HEIGHT, &v)
                        ? v
                        : (int)(f->upem * 0.7);
    hb_blob_t *head = hb_face_reference_table(f->face, HB_TAG('h', 'e', 'a', 'd'));
    unsigned len = 0;
    const uint8_t *p = (const uint8_t *)hb_blob_get_data(head, &len);
    if (p && len >= 44) {
        for (int i = 0; i < 4; i++)
            f->bbox[i] = (int16_t)be16(p + 36 + 2 * i);
    } else {
        f->bbox[0] = 0;
        f->bbox[1] = f->descent;
        f->bbox[2] = (int)f->upem;
        f->bbox[3] = f->ascent;
    }
    hb_blob_destroy(head);
    hb_blob_t *cff = hb_face_reference_table(f->face, HB_TAG('C', 'F', 'F', ' '));
    f->cff = hb_blob_get_length(cff) > 0;
    hb_blob_destroy(cff);
    f->italic_angle = 0;

    char name[64];
    unsigned n = sizeof name;
    if (!hb_ot_name_get_utf8(f->face, HB_OT_NAME_ID_POSTSCRIPT_NAME, HB_LANGUAGE_INVALID, &n, name))
        snprintf(name, sizeof name, "KinletterFont%u", f->id);
    /* A PDF name: printable ASCII without delimiters. */
    size_t j = 0;
    for (size_t i = 0; name[i] && j + 1 < sizeof f->psname; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c > 32 && c < 127 && !strchr("()<>[]{}/%#", c))
            f->psname[j++] = (char)c;
    }
    f->psname[j] = '\0';
    if (!j)
        snprintf(f->psname, sizeof f->psname, "KinletterFont%u", f->id);
}

/* Open (file, index) once; returns the font id or -1. */
/* A truncated or overwritten font file: a table its directory lists is not in the file
 * (HarfBuzz gives it no bytes). Without this check such a font only shows up later as
 * "no font has the character". */
static bool font_damaged(hb_face_t *face)
{
    hb_tag_t tags[64];
    unsigned start = 0, total;
    do { /* every table, 64 tags at a time */
        unsigned n = sizeof tags / sizeof tags[0];
        total = hb_face_get_table_tags(face, start, &n, tags);
        if (total == 0)
            return true;
        for (unsigned i = 0; i < n; i++) {
            hb_blob_t *t = hb_face_reference_table(face, tags[i]);
            unsigned len = hb_blob_get_length(t);
            hb_blob_destroy(t);
            if (len == 0)
                return true;
        }
        if (n == 0)
            break;
        start += n;
    } while (start < total);
    return false;
}

static int font_open(kl_context *ctx, kl_fontset *fs, const char *family, const char *file,
                     int index, bool bold)
{
    for (unsigned i = 0; i < fs->nfonts; i++)
        if (fs->fonts[i]->index == index && !strcmp(fs->fonts[i]->file, file))
            return (int)i;
    if (KL_GROW(fs->fonts, fs->cap_fonts, (size_t)fs->nfonts + 1) < 0)
        return kl_core__oom(ctx), -1;
    kl_font *f = kl_core__calloc(1, sizeof *f);
    if (!f || !(f->family = kl_core__strdup(family)) || !(f->file = kl_core__strdup(file))) {
        font_free(f);
        return kl_core__oom(ctx), -1;
    }
    f->id = fs->nfonts;
    f->index = index;
    f->bold = bold;
    f->blob = hb_blob_create_from_file(file);
    if (!hb_blob_get_length(f->blob)) {
        font_free(f);
        kl_core__error(ctx, KL_EIO, KL_AT(file, 0, 0), "reinstall the font package",
                       "cannot read the font file for \"%s\"", family);
        return -1;
    }
    f->face = hb_face_create(f->blob, (unsigned)index);
    f->font = hb_font_create(f->face);
    if (!f->face || !f->font || hb_face_get_glyph_count(f->face) == 0) {
        font_free(f);
        kl_core__error(ctx, KL_EBACKEND, KL_AT(file, 0, 0), NULL,
                       "HarfBuzz cannot open the font \"%s\"", family);
        return -1;
    }
    if (font_damaged(f->face)) {
        font_free(f);
        kl_core__error(ctx, KL_EFORMAT, KL_AT(file, 0, 0), "reinstall the font package",
                       "the font file for \"%s\" is damaged (a table lies outside the file)",
                       family);
        return -1;
    }
    unsigned upem = hb_face_get_upem(f->face);
    hb_font_set_scale(f->font, (int)upem, (int)upem);
    font_metrics(f);
    /* Shared read-only across threads from here on. */
    hb_face_make_immutable(f->face);
    hb_font_make_immutable(f->font);
    fs->fonts[fs->nfonts++] = f;
    return (int)f->id;
}

/* Does any family value of the match equal the one asked for? */
static bool family_matches(FcPattern *m, const char *family)
{
    FcChar8 *got;
    for (int i = 0; FcPatternGetString(m, FC_FAMILY, i, &got) == FcResultMatch; i++)
        if (!strcasecmp((const char *)got, family))
            return true;
    return false;
}

/* The installed fonts (system and application sets, in fontconfig's order) with this
 * family among their family names; NULL when out of memory. */
static FcFontSet *family_fonts(const char *family)
{
    FcFontSet *out = FcFontSetCreate();
    for (int s = 0; out && s < 2; s++) {
        FcFontSet *all = FcConfigGetFonts(NULL, s ? FcSetApplication : FcSetSystem);
        for (int i = 0; all && i < all->nfont; i++) {
            if (!family_matches(all->fonts[i], family))
                continue;
            FcPatternReference(all->fonts[i]);
            if (!FcFontSetAdd(out, all->fonts[i])) {
                FcPatternDestroy(all->fonts[i]);
                FcFontSetDestroy(out);
                return NULL;
            }
        }
    }
    return out;
}

/* Resolve family (+ weight, + lang) through fontconfig; -1 if fontconfig
 * does not really have it (error set only for real failures). */
static int font_match(kl_context *ctx, kl_fontset *fs, const char *family, const char *lang,
                      bool bold, bool *missing)
{
    *missing = false;
    FcPattern *pat = FcPatternCreate();
    if (!pat)
        return kl_core__oom(ctx), -1;
    FcPatternAddString(pat, FC_FAMILY, (const FcChar8 *)family);
    FcPatternAddInteger(pat, FC_WEIGHT, bold ? FC_WEIGHT_BOLD : FC_WEIGHT_REGULAR);
    /* The style name too: fontconfig gives both Debian Noto Nastaliq Urdu
     * files weight 80 (regular), so by weight alone the bold file could be
     * chosen for body text. */
    FcPatternAddString(pat, FC_STYLE, (const FcChar8 *)(bold ? "Bold" : "Regular"));
    FcPatternAddInteger(pat, FC_SLANT, FC_SLANT_ROMAN);
    if (lang)
        FcPatternAddString(pat, FC_LANG, (const FcChar8 *)lang);
    FcConfigSubstitute(NULL, pat, FcMatchPattern);
    FcDefaultSubstitute(pat);
    /* Only the installed fonts of this family compete: FcFontMatch would score all of
     * them (340 here) for an answer that counts only if it has this family. */
    FcFontSet *set = family_fonts(family);
    if (!set) {
        FcPatternDestroy(pat);
        return kl_core__oom(ctx), -1;
    }
    FcResult res;
    FcPattern *m = set->nfont ? FcFontSetMatch(NULL, &set, 1, pat, &res) : NULL;
    FcFontSetDestroy(set);
    FcPatternDestroy(pat);
    if (!m || !family_matches(m, family)) {
        if (m)
            FcPatternDestroy(m);
        *missing = true;
        return -1;
    }
    FcChar8 *file = NULL;
    int index = 0;
    FcPatternGetString(m, FC_FILE, 0, &file);
    FcPatternGetInteger(m, FC_INDEX, 0, &index);
    int id = -1;
    if (file)
        id = font_open(ctx, fs, family, (const char *)file, index, bold);
    else
        *missing = true;
    FcPatternDestroy(m);
    return id;
}

/* font_match once per (family, lang, weight): fonts.xml names the same family in several
 * rules (Noto Sans for Latn, Grek, Cyrl and the fallback), and each fontconfig match
 * scores every installed font. The same query has the same answer within one load. */
static int font_resolve(kl_context *ctx, kl_fontset *fs, const char *family, const char *lang,
                        bool bold, bool *missing)
{
    for (size_t i = 0; i < fs->nqueries; i++) {
        const kl_fontq *q = &fs->queries[i];
        if (q->bold == bold && !strcmp(q->family, family) &&
            (q->lang ? lang && !strcmp(q->lang, lang) : !lang)) {
            *missing = q->missing;
            return q->id;
        }
    }
    int id = font_match(ctx, fs, family, lang, bold, missing);
    if (id < 0 && !*missing)
        return -1; /* a real failure: the load fails */
    if (KL_GROW(fs->queries, fs->cap_queries, fs->nqueries + 1) < 0)
        return *missing = false, kl_core__oom(ctx), -1;
    kl_fontq *q = &fs->queries[fs->nqueries];
    memset(q, 0, sizeof *q);
    if (!(q->family = kl_core__strdup(family)) || (lang && !(q->lang = kl_core__strdup(lang)))) {
        kl_free(q->family);
        return *missing = false, kl_core__oom(ctx), -1;
    }
    q->bold = bold;
    q->missing = *missing;
    q->id = id;
    fs->nqueries++;
    return id;
}

static int add_font_to_rule(kl_context *ctx, kl_fontset *fs, kl_rule *r, xmlNode *fnode,
                            const char *src)
{
    xmlChar *family = xmlGetProp(fnode, (const xmlChar *)"family");
    xmlChar *lang = xmlGetProp(fnode, (const xmlChar *)"lang");
    int rc = 0;
    if (!family || !*family) {
        rc = kl_core__error(ctx, KL_EFORMAT, KL_AT(src, (unsigned)xmlGetLineNo(fnode), 0), NULL,
                            "<font> needs a family attribute");
        goto out;
    }
    int ids[2];
    for (int b = 0; b < 2; b++) {
        bool missing;
        ids[b] = font_resolve(ctx, fs, (const char *)family, (const char *)lang, b == 1, &missing);
        if (ids[b] < 0 && !missing) {
            rc = kl_context_last_error(ctx) ? kl_context_last_error(ctx)->code : KL_EBACKEND;
            goto out;
        }
        if (ids[b] < 0 && b == 0) {
            kl_core__warn(ctx, KL_SEVERITY_WARNING, KL_AT(src, (unsigned)xmlGetLineNo(fnode), 0),
                          "install the font (see .ci/deps)",
                          "font family \"%s\" is not installed; skipped", (const char *)family);
            goto out;
        }
    }
    if (ids[1] < 0)
        ids[1] = ids[0]; /* no bold face: the regular one */
    for (int b = 0; b < 2; b++) {
        if (KL_GROW(r->ids[b], r->cap[b], r->n + 1) < 0) {
            rc = kl_core__oom(ctx);
            goto out;
        }
        r->ids[b][r->n] = (unsigned)ids[b];
    }
    r->n++;
out:
    xmlFree(family);
    xmlFree(lang);
    return rc;
}

static bool is_elem(xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name) && n->ns &&
           !strcmp((const char *)n->ns->href, FONTS_NS);
}

static int add_rule(kl_context *ctx, kl_fontset *fs, xmlNode *node, const char *lang,
                    const char *script, const char *src)
{
    if (KL_GROW(fs->rules, fs->cap_rules, fs->nrules + 1) < 0)
        return kl_core__oom(ctx);
    kl_rule *r = &fs->rules[fs->nrules++];
    memset(r, 0, sizeof *r);
    if (lang && !(r->lang = kl_core__strdup(lang)))
        return kl_core__oom(ctx);
    if (script)
        snprintf(r->script, sizeof r->script, "%s", script);
    for (xmlNode *f = node->children; f; f = f->next) {
        if (f->type != XML_ELEMENT_NODE)
            continue;
        if (!is_elem(f, "font"))
            return kl_core__error(ctx, KL_EFORMAT, KL_AT(src, (unsigned)xmlGetLineNo(f), 0), NULL,
                                  "unexpected <%s>: expected <font>", (const char *)f->name);
        int rc = add_font_to_rule(ctx, fs, r, f, src);
        if (rc)
            return rc;
    }
    return 0;
}

static int parse_script(kl_context *ctx, kl_fontset *fs, xmlNode *n, const char *lang,
                        const char *src)
{
    xmlChar *code = xmlGetProp(n, (const xmlChar *)"code");
    int rc;
    if (!code || strlen((const char *)code) != 4)
        rc = kl_core__error(ctx, KL_EFORMAT, KL_AT(src, (unsigned)xmlGetLineNo(n), 0),
                            "use an ISO 15924 code such as Latn or Arab",
                            "<script> needs a four-letter code");
    else
        rc = add_rule(ctx, fs, n, lang, (const char *)code, src);
    xmlFree(code);
    return rc;
}

static int parse_fonts(kl_context *ctx, kl_fontset *fs, xmlNode *root, const char *src)
{
    if (!root || !is_elem(root, "fonts"))
        return kl_core__error(ctx, KL_EFORMAT,
                              KL_AT(src, root ? (unsigned)xmlGetLineNo(root) : 1, 0), NULL,
                              "the root element must be <fonts xmlns=\"%s\">", FONTS_NS);
    for (xmlNode *n = root->children; n; n = n->next) {
        int rc = 0;
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (is_elem(n, "script")) {
            rc = parse_script(ctx, fs, n, NULL, src);
        } else if (is_elem(n, "fallback")) {
            rc = add_rule(ctx, fs, n, NULL, NULL, src);
        } else if (is_elem(n, "lang")) {
            xmlChar *code = xmlGetProp(n, (const xmlChar *)"code");
            if (!code || !*code)
                rc = kl_core__error(ctx, KL_EFORMAT, KL_AT(src, (unsigned)xmlGetLineNo(n), 0), NULL,
                                    "<lang> needs a code");
            for (xmlNode *s = n->children; !rc && s; s = s->next) {
                if (s->type != XML_ELEMENT_NODE)
                    continue;
                if (!is_elem(s, "script"))
                    rc = kl_core__error(ctx, KL_EFORMAT, KL_AT(src, (unsigned)xmlGetLineNo(s), 0),
                                        NULL, "unexpected <%s> in <lang>", (const char *)s->name);
                else
                    rc = parse_script(ctx, fs, s, (const char *)code, src);
            }
            xmlFree(code);
        } else {
            rc = kl_core__error(ctx, KL_EFORMAT, KL_AT(src, (unsigned)xmlGetLineNo(n), 0), NULL,
                                "unexpected <%s> in <fonts>", (const char *)n->name);
        }
        if (rc)
            return rc;
    }
    return 0;
}

int kl_text__fontset_load(kl_context *ctx, const char *path, kl_fontset **out)
{
    *out = NULL;
    char *found = NULL, *data = NULL;
    size_t len = 0;
    xmlDoc *x = NULL;
    kl_fontset *fs = NULL;
    int rc;
    if (!path) {
        if ((rc = kl_context_find_data(ctx, "fonts/fonts.xml", &found)) < 0)
            goto done;
        path = found;
    }
    if ((rc = kl_core__read_file(ctx, path, 1 << 20, &data, &len)) < 0)
        goto done;
    x = xmlReadMemory(data, (int)len, path, NULL,
                      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    kl_free(data);
    if (!x) {
        const xmlError *e = xmlGetLastError();
        rc = kl_core__error(ctx, KL_EPARSE,
                            KL_AT(path, e ? (unsigned)e->line : 0, e ? (unsigned)e->int2 : 0), NULL,
                            "not well-formed XML: %s", e && e->message ? e->message : "?");
        goto done;
    }
    if (!FcInit()) {
        rc = kl_core__error(ctx, KL_EBACKEND, KL_NOWHERE, NULL, "fontconfig failed to initialise");
        goto done;
    }
    if (!(fs = kl_core__calloc(1, sizeof *fs))) {
        rc = kl_core__oom(ctx);
        goto done;
    }
    rc = parse_fonts(ctx, fs, xmlDocGetRootElement(x), path);
    queries_free(fs);
    if (rc < 0)
        goto done;
    if (fs->nfonts == 0)
        rc = kl_core__error(ctx, KL_ENOTFOUND, KL_AT(path, 0, 0), "install fonts-noto-core",
                            "none of the fonts named here is installed");
done:
    xmlFreeDoc(x);
    kl_free(found);
    if (rc) {
        kl_text__fontset_free(fs);
        return rc;
    }
    *out = fs;
    return 0;
}

static bool lang_matches(const char *rule, const char *lang)
{
    size_t n = strlen(rule);
    return lang && !strncasecmp(rule, lang, n) &&
           (lang[n] == '\0' || lang[n] == '-' || lang[n] == '_');
}

size_t kl_text__candidates(const kl_fontset *fs, const char *lang, const char *script, bool bold,
                           const kl_font **out, size_t max)
{
    size_t n = 0;
    /* Pass 0: language + script rules; 1: script rules; 2: fallback. */
    for (int pass = 0; pass < 3; pass++) {
        for (size_t i = 0; i < fs->nrules; i++) {
            const kl_rule *r = &fs->rules[i];
            bool take = pass == 0 ? r->lang && r->script[0] && lang_matches(r->lang, lang) &&
                                        !strcmp(r->script, script)
                        : pass == 1 ? !r->lang && r->script[0] && !strcmp(r->script, script)
                                    : !r->lang && !r->script[0];
            if (!take)
                continue;
            for (size_t k = 0; k < r->n; k++) {
                const kl_font *f = fs->fonts[r->ids[bold][k]];
                bool dup = false;
                for (size_t j = 0; j < n; j++)
                    dup |= out[j] == f;
                if (!dup && n < max)
                    out[n++] = f;
            }
        }
    }
    return n;
}
