/* SPDX-License-Identifier: MIT */
/* batch/cover.c: the review as the cover note sees it: every member in English, standard needs. */
#include "batch/batch_internal.h"
#include "review/review_internal.h"

#include <string.h>

#include <libxml/tree.h>

#define REVIEW_NS "urn:kinletter:review:1"

static bool is_el(xmlNodePtr n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && n->ns &&
           xmlStrEqual(n->ns->href, BAD_CAST REVIEW_NS) && xmlStrEqual(n->name, BAD_CAST name);
}

static xmlNodePtr child_el(xmlNodePtr parent, const char *name)
{
    for (xmlNodePtr c = parent ? parent->children : NULL; c; c = c->next)
        if (is_el(c, name))
            return c;
    return NULL;
}

/* Every member's letter language becomes en-GB (the interpreter need stays,
 * so the note can name the language), with no second language and no
 * print or reading needs: the note is read by the professional. */
static int anglicise(const kl_review_info *info, xmlDocPtr doc)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    xmlNodePtr logo = child_el(child_el(root, "partnership"), "logo");
    /* The logo was resolved against the review's directory: the copy is
     * loaded from the logo's directory, by the file's own name (a src must
     * stay inside the directory it is loaded from). */
    const char *slash = info->logo_path ? strrchr(info->logo_path, '/') : NULL;
    const char *name = slash ? slash + 1 : info->logo_path;
    if (logo && name && !xmlSetProp(logo, BAD_CAST "src", BAD_CAST name))
        return KL_ENOMEM;
    for (xmlNodePtr m = child_el(child_el(root, "family"), "member"); m; m = m->next) {
        if (!is_el(m, "member"))
            continue;
        xmlNodePtr c = m->children;
        while (c) {
            xmlNodePtr next = c->next;
            if (is_el(c, "language")) {
                xmlUnsetProp(c, BAD_CAST "also");
                if (!xmlSetProp(c, BAD_CAST "locale", BAD_CAST "en-GB"))
                    return KL_ENOMEM;
            } else if (is_el(c, "needs")) {
                xmlUnlinkNode(c);
                xmlFreeNode(c);
            }
            c = next;
        }
    }
    return 0;
}

int kl_batch__english_review(kl_context *ctx, const kl_review *review, kl_review **out)
{
    *out = NULL;
    const kl_review_info *info = kl_review__info(review);
    xmlChar *text = NULL;
    int len = 0;
    kl_context *quiet = NULL;
    char *dir = NULL;
    int rc = 0;
    xmlDocPtr copy = kl_review__whole_doc(review);
    if (copy && !anglicise(info, copy))
        xmlDocDumpMemoryEnc(copy, &text, &len, "UTF-8");
    xmlFreeDoc(copy);
    /* Its own context: the review's problems were reported when it loaded. */
    if (!text || kl_context_new(&quiet)) {
        rc = kl_core__oom(ctx);
        goto done;
    }
    kl_review_load_options o = KL_REVIEW_LOAD_OPTIONS_INIT;
    o.max_bytes = (size_t)len + 1;
    o.max_members = (unsigned)kl_review_member_count(review) + 1;
    dir = info->logo_path ? kl_core__path_dirname(info->logo_path) : NULL;
    rc = info->logo_path && !dir ? KL_ENOMEM
                                 : kl_review_load_buffer(quiet, (const char *)text, (size_t)len,
                                                         info->source, dir, &o, out);
    if (rc) {
        const kl_diagnostic *e = kl_context_last_error(quiet);
        rc = kl_core__error(ctx, rc, KL_AT(info->source, e ? e->line : 0, e ? e->column : 0), NULL,
                            "cannot prepare the cover notes: %s",
                            e && e->message ? e->message : kl_strerror(rc));
    }
done:
    kl_free(dir);
    kl_context_free(quiet);
    xmlFree(text);
    return rc;
}
