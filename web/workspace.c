/* SPDX-License-Identifier: MIT */
/* web/workspace.c: the workspace DIR (DIR/<review-id>/review.xml, the batches, the record),
 * the review as a libxml2 tree, and saving it through the library's builder after the same
 * checks as `kinletter check`. */
#include "web.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libxml/parser.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PLACEHOLDER_ID "kinletter-web-placeholder"

bool ws_id_ok(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > 64 || id[0] == '.' || id[0] == '-')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)id[i]) && !strchr("._-", id[i]))
            return false;
    return true;
}

bool ws_member_id_ok(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)id[i]) && !strchr("_-", id[i]))
            return false;
    return true;
}

char *ws_review_path(const char *id)
{
    return fmt("%s/%s/review.xml", web_srv->dir, id);
}

int ws_mkdir(const char *path)
{
    if (mkdir(path, 0700) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

int ws_write_atomic(const char *path, const void *data, size_t len)
{
    char *tmp = fmt("%s.tmp-XXXXXX", path);
    if (!tmp)
        return -1;
    int fd = mkstemp(tmp);
    if (fd < 0) {
        free(tmp);
        return -1;
    }
    fchmod(fd, 0600);
    const char *p = data;
    size_t left = len;
    while (left) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        p += w;
        left -= (size_t)w;
    }
    int ok = left == 0 && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        free(tmp);
        return -1;
    }
    free(tmp);
    return 0;
}

/* ---- the review tree ------------------------------------------------------------------------ */

static const char no_review[] = "There is no review with this reference.";

void respond_review_unread(web_response *rs, const char *why)
{
    if (!why || why == no_review)
        respond_error(rs, 404, "Review not found", no_review);
    else
        respond_error(rs, 404, "This review could not be read", why);
}

xmlDocPtr ws_review_read(const char *id, const char **why)
{
    char *path = ws_review_path(id);
    struct stat sb;
    if (!path || lstat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        if (why)
            *why = no_review;
        free(path);
        return NULL;
    }
    if (sb.st_size > 8 * 1024 * 1024) {
        if (why)
            *why = "The review file is larger than 8 MB.";
        free(path);
        return NULL;
    }
    /* No network, no entity expansion, no DTD loading. */
    xmlDocPtr doc =
        xmlReadFile(path, "UTF-8",
                    XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (doc && (doc->intSubset || !xmlDocGetRootElement(doc) ||
                !xmlStrEqual(xmlDocGetRootElement(doc)->name, BAD_CAST "review"))) {
        xmlFreeDoc(doc);
        doc = NULL;
    }
    if (!doc && why) {
        /* The library's loader says why, at its line and column (its messages never quote
         * the family), as `kinletter check` would, whole. One MHD thread: the last reason
         * is kept until the next. */
        static char *reason;
        free(reason);
        kl_review *rv = NULL;
        kl_context_set_diagnostics(web_srv->ctx, NULL, NULL);
        int rc = kl_review_load_file(web_srv->ctx, path, NULL, &rv);
        const kl_diagnostic *e = rc ? kl_context_last_error(web_srv->ctx) : NULL;
        kl_review_free(rv);
        if (e && e->message && e->line)
            reason =
                fmt("review.xml:%u:%u: %s. Correct the file, or check it with kinletter check.",
                    (unsigned)e->line, (unsigned)e->column, e->message);
        else if (e && e->message)
            reason = fmt("review.xml: %s. Correct the file, or check it with kinletter check.",
                         e->message);
        else
            reason = NULL;
        *why = reason ? reason : "The review file cannot be read: check it with kinletter check.";
    }
    free(path);
    /* A family kept in a spreadsheet (<family src="family.csv"/>) is read by the library
     * and shown as members; saving writes them into review.xml. */
    xmlNodePtr fam = doc ? dom_child(xmlDocGetRootElement(doc), "family") : NULL;
    if (fam && xmlHasProp(fam, BAD_CAST "src")) {
        char *p = ws_review_path(id);
        kl_review *rv = NULL;
        kl_context_set_diagnostics(web_srv->ctx, NULL, NULL);
        if (p && kl_review_load_file(web_srv->ctx, p, NULL, &rv) == 0) {
            xmlNodePtr nf = xmlNewDocNode(doc, fam->ns, BAD_CAST "family", NULL);
            for (size_t i = 0; i < kl_review_member_count(rv); i++)
                xmlAddChild(nf, ws_member_from_loaded(doc, fam->ns, rv, kl_review_member(rv, i)));
            xmlReplaceNode(fam, nf);
            xmlFreeNode(fam);
        }
        kl_review_free(rv);
        free(p);
    }
    return doc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char **ws_review_ids(void)
{
    DIR *d = opendir(web_srv->dir);
    size_t n = 0, cap = 16;
    char **ids = calloc(cap + 1, sizeof *ids);
    if (!d || !ids) {
        if (d)
            closedir(d);
        return ids;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!ws_id_ok(e->d_name))
            continue;
        char *p = ws_review_path(e->d_name);
        struct stat sb;
        bool ok = p && lstat(p, &sb) == 0 && S_ISREG(sb.st_mode);
        free(p);
        if (!ok)
            continue;
        if (n == cap) {
            char **ni = realloc(ids, (2 * cap + 1) * sizeof *ni);
            if (!ni)
                break;
            ids = ni;
            cap *= 2;
        }
        ids[n++] = strdup(e->d_name);
        ids[n] = NULL;
    }
    closedir(d);
    qsort(ids, n, sizeof *ids, cmp_str);
    return ids;
}

void ws_ids_free(char **ids)
{
    for (size_t i = 0; ids && ids[i]; i++)
        free(ids[i]);
    free(ids);
}

xmlNodePtr dom_child(xmlNodePtr n, const char *name)
{
    for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && xmlStrEqual(c->name, BAD_CAST name))
            return c;
    return NULL;
}

xmlNodePtr dom_walk(xmlNodePtr n, const char *path, size_t len, bool create)
{
    const char *p = path, *end = path + len;
    while (n && p < end) {
        const char *slash = memchr(p, '/', (size_t)(end - p));
        size_t l = slash ? (size_t)(slash - p) : (size_t)(end - p);
        char name[64]; /* the paths are web/'s own, after the schema's short names */
        if (l == 0 || l >= sizeof name)
            return NULL;
        memcpy(name, p, l);
        name[l] = '\0';
        xmlNodePtr c = dom_child(n, name);
        if (!c && create)
            c = dom_add(n, name, NULL);
        n = c;
        p = slash ? slash + 1 : end;
    }
    return n;
}

char *dom_get(xmlNodePtr n, const char *path)
{
    const char *at = strchr(path, '@');
    xmlNodePtr e = dom_walk(n, path, at ? (size_t)(at - path) : strlen(path), false);
    if (!e)
        return NULL;
    if (at)
        return (char *)xmlGetProp(e, BAD_CAST(at + 1));
    return (char *)xmlNodeGetContent(e);
}

char *path_without_index(const char *path, unsigned *last)
{
    char *norm = malloc(strlen(path) + 1);
    size_t k = 0;
    for (const char *p = path; norm && *p; p++) {
        if (*p == '[') {
            if (last) {
                unsigned long n = strtoul(p + 1, NULL, 10);
                *last = n && n <= UINT_MAX ? (unsigned)n : 1;
            }
            while (*p && *p != ']')
                p++;
            if (!*p)
                break;
            continue;
        }
        norm[k++] = *p;
    }
    if (norm)
        norm[k] = '\0';
    return norm;
}

char *dom_lines(xmlNodePtr n, const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    xmlNodePtr parent = slash ? dom_walk(n, path, (size_t)(slash - path), false) : n;
    size_t len = 0;
    char *lines = calloc(1, 1);
    for (xmlNodePtr c = parent ? parent->children : NULL; c && lines; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || !xmlStrEqual(c->name, BAD_CAST name))
            continue;
        xmlChar *t = xmlNodeGetContent(c);
        size_t tl = t ? strlen((const char *)t) : 0;
        char *grown = realloc(lines, len + tl + 2);
        if (!grown) {
            free(lines);
            lines = NULL;
        } else {
            lines = grown;
            memcpy(lines + len, t, tl);
            len += tl;
            lines[len++] = '\n';
            lines[len] = '\0';
        }
        xmlFree(t);
    }
    return lines;
}

/* The order the schema (or sense) wants children of an address and a member in. */
static int rank(const xmlChar *parent, const xmlChar *name)
{
    static const char *const addr[] = {"line", "town", "postcode", NULL};
    static const char *const member[] = {"name", "language", "needs", "contact", NULL};
    const char *const *order = xmlStrEqual(parent, BAD_CAST "address")  ? addr
                               : xmlStrEqual(parent, BAD_CAST "member") ? member
                                                                        : NULL;
    if (!order)
        return 0;
    for (int i = 0; order[i]; i++)
        if (xmlStrEqual(name, BAD_CAST order[i]))
            return i;
    return 99;
}

xmlNodePtr dom_add(xmlNodePtr n, const char *name, const char *t)
{
    xmlNodePtr c = xmlNewDocNode(n->doc, n->ns, BAD_CAST name, NULL);
    if (t)
        xmlAddChild(c, xmlNewDocText(n->doc, BAD_CAST t));
    int r = rank(n->name, BAD_CAST name);
    for (xmlNodePtr s = n->children; s; s = s->next)
        if (s->type == XML_ELEMENT_NODE && rank(n->name, s->name) > r)
            return xmlAddPrevSibling(s, c);
    return xmlAddChild(n, c);
}

void dom_set(xmlNodePtr n, const char *path, const char *value)
{
    const char *at = strchr(path, '@');
    bool empty = !value || !*value;
    xmlNodePtr e = dom_walk(n, path, at ? (size_t)(at - path) : strlen(path), !empty);
    if (!e)
        return;
    if (at) {
        if (empty)
            xmlUnsetProp(e, BAD_CAST(at + 1));
        else
            xmlSetProp(e, BAD_CAST(at + 1), BAD_CAST value);
        return;
    }
    if (empty) {
        xmlUnlinkNode(e);
        xmlFreeNode(e);
        return;
    }
    xmlNodeSetContent(e, NULL);
    xmlAddChild(e, xmlNewDocText(e->doc, BAD_CAST value));
}

xmlNodePtr dom_member(xmlDocPtr doc, const char *mid)
{
    xmlNodePtr fam = dom_child(xmlDocGetRootElement(doc), "family");
    for (xmlNodePtr m = fam ? fam->children : NULL; m; m = m->next) {
        if (m->type != XML_ELEMENT_NODE || !xmlStrEqual(m->name, BAD_CAST "member"))
            continue;
        xmlChar *id = xmlGetProp(m, BAD_CAST "id");
        bool same = id && !strcmp((const char *)id, mid);
        xmlFree(id);
        if (same)
            return m;
    }
    return NULL;
}

/* ---- diagnostics ------------------------------------------------------------------------- */

typedef struct collector {
    web_errors *errs, *warnings;
    ws_field_map map;
    void *userdata;
    bool (*blocks)(const char *member_id, void *userdata);
    size_t blocking;
    bool from_file; /* messages carry file:line */
} collector;

static char *diag_text(const kl_diagnostic *d, const char **path_out, size_t *path_len)
{
    const char *m = d->message ? d->message : kl_strerror(d->code);
    *path_out = NULL;
    *path_len = 0;
    /* The builder puts the field first: "family/member[m02]/contact@phone: ...". */
    const char *colon = strstr(m, ": ");
    if (colon) {
        bool is_path = colon > m;
        for (const char *c = m; c < colon && is_path; c++)
            if (!isalnum((unsigned char)*c) && !strchr("/@[]-_", *c))
                is_path = false;
        if (is_path) {
            *path_out = m;
            *path_len = (size_t)(colon - m);
            m = colon + 2;
        }
    }
    char *t;
    if (d->hint)
        t = fmt("%s (%s)", m, d->hint);
    else
        t = strdup(m);
    if (t && t[0])
        t[0] = (char)toupper((unsigned char)t[0]);
    return t;
}

static void collect(const kl_diagnostic *d, void *userdata)
{
    collector *c = userdata;
    if (d->member_id && !strcmp(d->member_id, PLACEHOLDER_ID))
        return;
    const char *path = NULL;
    size_t plen = 0;
    char *t = diag_text(d, &path, &plen);
    if (!t)
        return;
    char *pbuf = path ? strndup(path, plen) : strdup(""); /* the path whole, however long */
    if (!pbuf || strstr(pbuf, PLACEHOLDER_ID)) {
        free(pbuf);
        free(t);
        return;
    }
    const char *field = c->map         ? c->map(pbuf, d->member_id, c->userdata)
                        : c->from_file ? d->member_id
                                       : NULL;
    free(pbuf); /* field is the map's own string, or the member's id */
    char *shown = NULL;
    if (c->from_file && d->source) {
        const char *base = strrchr(d->source, '/');
        base = base ? base + 1 : d->source;
        size_t bl = strlen(base);
        const char *unit = bl > 4 && !strcmp(base + bl - 4, ".csv") ? "row" : "line";
        if (d->member_id)
            shown = d->line ? fmt("%s %s %u: member %s: %s", base, unit, d->line, d->member_id, t)
                            : fmt("Member %s: %s", d->member_id, t);
        else
            shown = d->line ? fmt("%s %s %u: %s", base, unit, d->line, t) : strdup(t);
    } else if (d->member_id && !(c->blocks && c->blocks(d->member_id, c->userdata))) {
        shown = fmt("Member %s: %s", d->member_id, t);
    } else {
        shown = strdup(t);
    }
    free(t);
    if (!shown)
        return;
    if (d->severity == KL_SEVERITY_ERROR) {
        if (!c->blocks || c->blocks(d->member_id, c->userdata)) {
            errors_add(c->errs, field ? field : "", shown);
            c->blocking++;
        }
    } else if (d->severity == KL_SEVERITY_WARNING && c->warnings) {
        if (!c->blocks || c->blocks(d->member_id, c->userdata))
            errors_add(c->warnings, field ? field : "", shown);
    }
    free(shown);
}

kl_review *ws_review_load(kl_context *ctx, const char *id, web_errors *errs, web_errors *warnings)
{
    char *path = ws_review_path(id);
    collector c = {errs, warnings, NULL, NULL, NULL, 0, true};
    kl_context_set_diagnostics(ctx, collect, &c);
    kl_review *rv = NULL;
    int rc = path ? kl_review_load_file(ctx, path, NULL, &rv) : KL_ENOMEM;
    kl_context_set_diagnostics(ctx, NULL, NULL);
    if (rc && errs && errs->n == 0) {
        const kl_diagnostic *d = kl_context_last_error(ctx);
        errors_add(errs, "", d && d->message ? d->message : kl_strerror(rc));
    }
    free(path);
    return rc ? NULL : rv;
}

/* ---- saving through the builder ------------------------------------------------------------ */

static int copy_into(kl_review_part *part, xmlNodePtr n)
{
    for (xmlAttrPtr a = n->properties; a; a = a->next) {
        if (xmlStrEqual(n->name, BAD_CAST "review") &&
            (xmlStrEqual(a->name, BAD_CAST "id") || xmlStrEqual(a->name, BAD_CAST "type")))
            continue;
        xmlChar *v = xmlNodeGetContent((xmlNodePtr)a);
        char *path = fmt("@%s", (const char *)a->name);
        int rc = kl_review_part_set(part, path, (const char *)v);
        free(path);
        xmlFree(v);
        if (rc)
            return rc;
    }
    for (xmlNodePtr c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        bool leaf = true;
        for (xmlNodePtr k = c->children; k; k = k->next)
            if (k->type == XML_ELEMENT_NODE)
                leaf = false;
        xmlChar *t = leaf ? xmlNodeGetContent(c) : NULL;
        kl_review_part *cp = NULL;
        int rc =
            kl_review_part_add(part, (const char *)c->name, t && *t ? (const char *)t : NULL, &cp);
        xmlFree(t);
        if (rc || (rc = copy_into(cp, c)))
            return rc;
    }
    return 0;
}

static int make_builder(kl_context *ctx, xmlDocPtr doc, bool placeholder, kl_review_builder **out)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    xmlChar *id = xmlGetProp(root, BAD_CAST "id");
    xmlChar *type = xmlGetProp(root, BAD_CAST "type");
    int rc = kl_review_builder_new(ctx, id ? (const char *)id : "",
                                   type && *type ? (const char *)type : "lcspr", out);
    xmlFree(id);
    xmlFree(type);
    if (rc)
        return rc;
    kl_review_part *r = kl_review_builder_root(*out);
    rc = copy_into(r, root);
    if (!rc && placeholder) {
        kl_review_part *m = NULL;
        rc = kl_review_part_add(r, "family/member", NULL, &m);
        if (!rc)
            rc = kl_review_part_set(m, "@id", PLACEHOLDER_ID);
        if (!rc)
            rc = kl_review_part_set(m, "@relationship", "other");
        if (!rc)
            rc = kl_review_part_set(m, "@gender", "other");
        if (!rc)
            rc = kl_review_part_set(m, "@contact", "none");
        if (!rc)
            rc = kl_review_part_set(m, "@reason", "none");
        if (!rc)
            rc = kl_review_part_set(m, "name@given", "none");
    }
    if (rc) {
        kl_review_builder_free(*out);
        *out = NULL;
    }
    return rc;
}

int ws_review_save(xmlDocPtr doc, const char *id, ws_field_map map, void *userdata,
                   web_errors *errs, web_errors *warnings,
                   bool (*blocks)(const char *member_id, void *userdata))
{
    kl_context *ctx = web_srv->ctx;
    xmlNodePtr fam = dom_child(xmlDocGetRootElement(doc), "family");
    bool members = dom_child(fam, "member") != NULL;
    if (fam && !members) {
        xmlUnlinkNode(fam);
        xmlFreeNode(fam);
    }
    kl_review_builder *check = NULL;
    collector c = {errs, warnings, map, userdata, blocks, 0, false};
    kl_context_set_diagnostics(ctx, collect, &c);
    int rc = make_builder(ctx, doc, !members, &check);
    kl_review *rv = NULL;
    if (!rc)
        rc = kl_review_builder_build(check, NULL, &rv);
    kl_context_set_diagnostics(ctx, NULL, NULL);
    if (rc && c.blocking == 0) {
        const kl_diagnostic *d = kl_context_last_error(ctx);
        const char *path = NULL;
        size_t plen = 0;
        char *t = d ? diag_text(d, &path, &plen) : NULL;
        char *pbuf = path ? strndup(path, plen) : NULL; /* the path whole, however long */
        const char *field = map ? map(pbuf ? pbuf : "", d ? d->member_id : NULL, userdata) : NULL;
        errors_add(errs, field ? field : "", t ? t : kl_strerror(rc));
        free(pbuf);
        free(t);
        c.blocking++;
    }
    kl_review_free(rv);
    kl_review_builder_free(check);
    if (c.blocking)
        return -1;

    kl_review_builder *b = NULL;
    char *xml = NULL;
    if (make_builder(ctx, doc, false, &b) != 0 || kl_review_builder_xml(b, &xml) != 0) {
        kl_review_builder_free(b);
        errors_add(errs, "", "The review could not be written (out of memory).");
        return -1;
    }
    kl_review_builder_free(b);
    char *d = fmt("%s/%s", web_srv->dir, id);
    char *path = ws_review_path(id);
    int w = d && path && ws_mkdir(d) == 0 ? ws_write_atomic(path, xml, strlen(xml)) : -1;
    if (w != 0)
        errors_add(errs, "",
                   "The review file could not be written: check the workspace "
                   "directory's permissions and free space.");
    free(d);
    free(path);
    kl_free(xml);
    return w;
}

void ws_audit(const web_request *rq, const char *action, const char *review_id,
              const char *member_id)
{
    char *path = fmt("%s/audit.log", web_srv->dir);
    if (!path)
        return;
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    free(path);
    if (fd < 0)
        return;
    char when[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    char *line = fmt("%s\t%s\t%s\t%s\t%s\n", when, rq->user ? rq->user : "(token)", action,
                     review_id ? review_id : "-", member_id ? member_id : "-");
    if (line) {
        ssize_t w = write(fd, line, strlen(line));
        (void)w;
    }
    free(line);
    close(fd);
}
