/* SPDX-License-Identifier: MIT */
/* review/load.c: read, check and validate a review file and its CSV family list: the steps,
 * each in its own file (review_priv.h lists them). */
#include "review/csv.h"
#include "review/review_priv.h"

#include <assert.h>
#include <ctype.h>
#include <string.h>

#define DEFAULT_MAX_BYTES   ((size_t)8 << 20)
#define DEFAULT_MAX_MEMBERS 10000u

static int build_lines(kl_loader *L)
{
    size_t n = 1;
    for (const char *p = L->text; (p = memchr(p, '\n', (size_t)(L->text + L->len - p))); p++)
        n++;
    L->lines = kl_core__malloc(n * sizeof *L->lines);
    if (!L->lines)
        return KL_ENOMEM;
    L->lines[0] = 0;
    n = 1;
    for (size_t i = 0; i < L->len; i++)
        if (L->text[i] == '\n')
            L->lines[n++] = i + 1;
    L->n_lines = n;
    return 0;
}

/* What the file must be before it is parsed: within the size limit, UTF-8
 * and not empty. */
static int check_text(kl_loader *L, size_t max_bytes)
{
    if (L->len > max_bytes)
        return kl_core__error(L->ctx, KL_ELIMIT, KL_AT(L->source, 0, 0),
                              "split the review, or check it is the right file",
                              "file is too large (%zu bytes; the limit is %zu)", L->len, max_bytes);
    size_t bad;
    if (!kl_core__utf8_valid(L->text, L->len, &bad)) {
        unsigned line, col;
        kl_core__line_col(L->text, bad, &line, &col);
        return kl_core__error(L->ctx, KL_EPARSE, KL_AT(L->source, line, col),
                              "save the file as UTF-8 (and remove any NUL bytes)",
                              L->text[bad] ? "byte 0x%02X is not valid UTF-8"
                                           : "a NUL byte (0x%02X) is not allowed",
                              (unsigned char)L->text[bad]);
    }
    size_t first = 0;
    while (first < L->len && isspace((unsigned char)L->text[first]))
        first++;
    if (first == L->len)
        return kl_core__error(L->ctx, KL_EPARSE, KL_AT(L->source, 1, 1),
                              "give the review file: see " KL_REVIEW_FORMAT_DOC,
                              "the file is empty");
    return 0;
}

/* Two members with one id: the second is refused (ids name the output files). */
static void check_ids(kl_loader *L)
{
    kl_review *rv = L->rv;
    for (size_t i = 0; i < rv->n_members && !L->oom; i++) {
        for (size_t j = 0; j < i; j++) {
            const kl_member_brief *a = &rv->extra[j].brief, *b = &rv->extra[i].brief;
            if (!a->id || !b->id || strcmp(a->id, b->id) != 0 || !*a->id)
                continue;
            L->member_mode = true;
            L->member_id = b->id;
            L->member_failed = false;
            kl_review__problem(L, rv->extra[i].node, "id",
                               "give each member a different id: ids name the output files",
                               "member id '%s' is already used at %s:%u", b->id, a->source,
                               a->line);
            L->member_mode = false;
            rv->extra[i].brief.ok = 0;
            break;
        }
    }
}

/* s once in the review's arena (the few languages and sources members share); NULL stays NULL.
 * NULL with L->oom set when out of memory. */
static const char *intern(kl_loader *L, const char *s)
{
    if (!s)
        return NULL;
    for (size_t i = 0; i < L->n_interned; i++)
        if (strcmp(L->interned[i], s) == 0)
            return L->interned[i];
    const char *c = kl_review__strdup(L->rv, s);
    if (!c || KL_GROW(L->interned, L->cap_interned, L->n_interned + 1) < 0) {
        L->oom = true;
        return NULL;
    }
    return L->interned[L->n_interned++] = c;
}

/* What the review keeps of member k once read (its kl_member goes: review.c). */
static void keep_brief(kl_loader *L, size_t k, const kl_member *m)
{
    kl_review *rv = L->rv;
    kl_member_extra *x = &rv->extra[k];
    kl_member_brief *b = &x->brief; /* ok and format set by kl_review__build_member */
    b->id = m->id ? kl_review__strdup(rv, m->id) : NULL;
    b->relationship = intern(L, m->relationship);
    b->locale = intern(L, m->locale);
    b->also = intern(L, m->also);
    b->source = intern(L, m->source);
    b->line = m->line;
    b->column = m->column;
    b->contact_none = m->contact_none != 0;
    b->n_contacts = (unsigned)m->n_contacts;
    uint32_t *pos = m->n_contacts ? kl_review__alloc_u32(rv, 2 * m->n_contacts) : NULL;
    if ((m->id && !b->id) || (m->n_contacts && !pos)) {
        L->oom = true;
        return;
    }
    for (size_t c = 0; c < m->n_contacts; c++) {
        b->channels |= 1u << m->contacts[c].channel;
        pos[2 * c] = m->contacts[c].line;
        pos[2 * c + 1] = m->contacts[c].column;
    }
    x->contact_pos = pos;
}

/* <family>: its CSV list read into <member> elements first, then every member
 * (0, or the error; a member's problems are counted and leave the rest). */
static int read_family(kl_loader *L, xmlNodePtr root, xmlRelaxNGPtr member_schema, size_t max_bytes,
                       unsigned max_members)
{
    kl_review *rv = L->rv;
    xmlNodePtr family = kl_review__child(root, "family");
    int rc = 0;
    if (xmlHasProp(family, BAD_CAST "src") &&
        (rc = kl_review__load_csv(L, family, max_bytes, max_members)) != 0)
        return rc;
    size_t n = 0;
    for (xmlNodePtr m = kl_review__child(family, "member"); m; m = kl_review__next_el(m, "member"))
        n++;
    if (n > max_members)
        return kl_core__error(L->ctx, KL_ELIMIT, KL_AT(L->source, 0, 0),
                              "split the family into several reviews",
                              "too many family members (%zu; the limit is %u)", n, max_members);
    rv->extra = kl_review__alloc(rv, (n ? n : 1) * sizeof *rv->extra);
    if (!rv->extra)
        L->oom = true;
    if (!L->oom && (rc = kl_review__disclosure_begin(rv, n, &L->disclosure)) != 0)
        L->oom = true;
    /* One member whole at a time: read, checked, indexed for the disclosure check and kept as
     * text and brief, then left empty again; its kl_member is read into blocks of its own,
     * emptied for the next one (the review makes it again when asked: review.c). */
    kl_arena_block *blocks = NULL;
    xmlNodePtr next;
    for (xmlNodePtr m = kl_review__child(family, "member"); m && !L->oom && rc >= 0; m = next) {
        next = kl_review__next_el(m, "member");
        size_t k = rv->n_members;
        assert(k < n); /* counted above; nothing adds members in between */
        rv->extra[k].node = m;
        xmlNodePtr whole = kl_review__member_open(L, k);
        if (!whole)
            break;
        kl_member mem;
        rv->alloc_to = &blocks;
        kl_review__build_member(L, whole, &mem, &rv->extra[k], member_schema);
        rv->alloc_to = NULL;
        mem.owner = rv;
        mem.index = (uint32_t)k;
        rv->n_members++;
        if (!L->oom)
            keep_brief(L, k, &mem);
        if (!L->oom && (rc = kl_review__disclosure_add(L->disclosure, &mem, k, whole)) == 0)
            rc = kl_review__keep_member(rv, &L->keep_stream, k, whole);
        kl_review__blocks_reset(&blocks);
        rv->extra[k].node = m;
        kl_review__member_close(L, k, whole);
    }
    kl_review__blocks_free(blocks);
    if (rc == KL_ENOMEM)
        L->oom = true;
    else if (rc < 0)
        return rc;
    check_ids(L);
    return 0;
}

void kl_review__loader_free(kl_loader *L)
{
    kl_free(L->lines);
    kl_free(L->ranges);
    kl_free(L->interned);
    kl_csv__free(L->csv);
    kl_review__disclosure_builder_free(L->disclosure);
    kl_review__keep_end(&L->keep_stream);
}

static int load(kl_loader *L, const kl_review_load_options *opts)
{
    size_t max_bytes = opts && opts->max_bytes ? opts->max_bytes : DEFAULT_MAX_BYTES;
    unsigned max_members = opts && opts->max_members ? opts->max_members : DEFAULT_MAX_MEMBERS;
    int rc = check_text(L, max_bytes);
    if (rc)
        return rc;
    rc = kl_review__prescan(L);
    if (rc)
        return rc;
    if (build_lines(L))
        return kl_core__oom(L->ctx);
    kl_review *rv = L->rv;
    rc = kl_review__parse_xml(L, &rv->doc);
    if (rc)
        return rc;
    xmlNodePtr root = xmlDocGetRootElement(rv->doc);
    if (!kl_review__is_el(root, "review"))
        return kl_core__error(
            L->ctx, KL_EFORMAT, KL_AT(L->source, 0, 0),
            "a review file starts <review xmlns=\"urn:kinletter:review:1\" ...>",
            "this is not a kinletter review file (the root element is not <review> "
            "in namespace " KL_REVIEW_NS ")");
    L->ns = root->ns;

    xmlRelaxNGPtr review_schema = kl_review__compile_schema(L, NULL, true);
    xmlRelaxNGPtr member_schema =
        review_schema ? kl_review__compile_schema(L, "member", false) : NULL;
    if (!member_schema) {
        xmlRelaxNGFree(review_schema);
        return kl_core__error(L->ctx, KL_EBACKEND, KL_NOWHERE, NULL,
                              "libxml2 could not compile the review schema (out of memory?)");
    }
    kl_review__check_review_structure(L, root);
    /* Our own checks first: their messages say more than the schema's. */
    if (!L->file_failed)
        kl_review__read_info(L, root);
    if (!L->file_failed && !L->oom)
        rc = kl_review__validate_review(L, review_schema, root);
    if (rc == 0 && !L->file_failed && !L->oom)
        rc = read_family(L, root, member_schema, max_bytes, max_members);
    xmlRelaxNGFree(review_schema);
    xmlRelaxNGFree(member_schema);
    if (rc < 0)
        return rc == KL_EBACKEND ? kl_core__error(L->ctx, rc, KL_NOWHERE, NULL,
                                                  "libxml2 failed while validating the review")
                                 : rc;
    if (L->oom)
        return kl_core__oom(L->ctx);
    if (L->file_failed || rc > 0) {
        const kl_diagnostic *e = kl_context_last_error(L->ctx);
        return e && e->code ? e->code : KL_EFORMAT;
    }
    return kl_review__check_disclosure(L);
}

KL_API int kl_review_load_buffer(kl_context *ctx, const char *data, size_t len, const char *name,
                                 const char *base_dir, const kl_review_load_options *opts,
                                 kl_review **out)
{
    kl_context_clear_error(ctx);
    if (!out)
        return kl_core__einval(ctx, __func__);
    *out = NULL;
    if (!ctx || (!data && len))
        return kl_core__einval(ctx, __func__);
    if (opts && opts->version != KL_REVIEW_LOAD_OPTIONS_VERSION)
        return kl_core__error(ctx, KL_EINVAL, KL_NOWHERE,
                              "initialise with KL_REVIEW_LOAD_OPTIONS_INIT",
                              "unknown kl_review_load_options version %u", opts->version);
    kl_review *rv = kl_core__calloc(1, sizeof *rv);
    if (!rv)
        return kl_core__oom(ctx);
    pthread_mutex_init(&rv->lock, NULL);
    kl_loader L = {0};
    L.ctx = ctx;
    L.rv = rv;
    L.text = data ? data : "";
    L.len = len;
    L.source = kl_review__strdup(rv, name ? name : "<buffer>");
    L.base_dir = base_dir ? kl_review__strdup(rv, base_dir) : ".";
    int rc = !L.source || !L.base_dir ? kl_core__oom(ctx) : load(&L, opts);
    kl_review__loader_free(&L);
    /* Read and checked: the document goes, its text stays (view.c). */
    if (!rc && (rc = kl_review__compact(rv)) != 0)
        rc = rc == KL_ENOMEM ? kl_core__oom(ctx)
                             : kl_core__error(ctx, rc, KL_NOWHERE, NULL,
                                              "libxml2 failed while keeping the review");
    if (rc) {
        kl_review_free(rv);
        return rc;
    }
    *out = rv;
    return 0;
}

KL_API int kl_review_load_file(kl_context *ctx, const char *path,
                               const kl_review_load_options *opts, kl_review **out)
{
    kl_context_clear_error(ctx);
    if (!out)
        return kl_core__einval(ctx, __func__);
    *out = NULL;
    if (!ctx || !path)
        return kl_core__einval(ctx, __func__);
    size_t max = opts && opts->max_bytes ? opts->max_bytes : DEFAULT_MAX_BYTES;
    char *data = NULL;
    size_t len = 0;
    int rc = kl_core__read_file(ctx, path, max, &data, &len);
    if (rc)
        return rc;
    char *dir = kl_core__path_dirname(path);
    if (!dir) {
        kl_free(data);
        return kl_core__oom(ctx);
    }
    rc = kl_review_load_buffer(ctx, data, len, path, dir, opts, out);
    kl_free(dir);
    kl_free(data);
    return rc;
}
