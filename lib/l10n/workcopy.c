/* SPDX-License-Identifier: MIT */
/* l10n/workcopy.c: a working copy of catalog sources: reading, template usage, atomic rewriting,
 * history. */
#include "l10n/l10n_priv.h"
#include "core/fileio.h"
#include "template/template.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unicode/uloc.h>
#include <unistd.h>

const char *const kl_l10n__variants[KL_VARIANTS] = {"standard", "plain", "young_person",
                                                    "easy_read"};

bool kl_l10n__english_only(const char *msgid)
{
    /* cover.*: the note for the professional who hands a letter over is
     * written in English by design (docs/TEMPLATES.md), so other catalogs
     * neither need these messages nor are faulted for lacking them. */
    return strncmp(msgid, "cover.", 6) == 0;
}

static int cmp_file(const void *a, const void *b)
{
    return strcmp(((const kl_cfile *)a)->name, ((const kl_cfile *)b)->name);
}

static void free_file(kl_cfile *f)
{
    kl_free(f->name);
    kl_free(f->path);
    kl_l10n__src_free(f->src);
    kl_free(f->err_source);
    kl_free(f->err_message);
    kl_free(f->err_hint);
}

/* Parse a file; a problem is kept on the file, not reported. */
static int load_file(kl_cfile *f)
{
    kl_context *pctx = NULL;
    if (kl_context_new(&pctx))
        return KL_ENOMEM;
    int rc = kl_l10n__src_load(pctx, f->path, &f->src);
    if (rc == KL_ENOMEM) {
        kl_context_free(pctx);
        return rc;
    }
    if (rc) {
        const kl_diagnostic *d = kl_context_last_error(pctx);
        f->err_code = rc;
        f->err_source = kl_core__strdup(d && d->source ? d->source : f->path);
        f->err_message = kl_core__strdup(d && d->message ? d->message : kl_strerror(rc));
        f->err_hint = d && d->hint ? kl_core__strdup(d->hint) : NULL;
        f->err_line = d ? d->line : 0;
        f->err_col = d ? d->column : 0;
        if (!f->err_source || !f->err_message) {
            kl_context_free(pctx);
            return KL_ENOMEM;
        }
    }
    kl_context_free(pctx);
    return 0;
}

KL_API int kl_catalog_sources_open(kl_context *ctx, const char *dir, kl_catalog_sources **out)
{
    kl_context_clear_error(ctx);
    if (!ctx || !out)
        return kl_core__einval(ctx, __func__);
    *out = NULL;
    char *found = NULL;
    if (!dir) {
        int rc = kl_context_find_data(ctx, "locales/" KL_SOURCE_CATALOG ".txt", &found);
        if (rc)
            return rc;
        char *slash = strrchr(found, '/');
        *slash = '\0';
        dir = found;
    }
    DIR *d = opendir(dir);
    if (!d) {
        int rc =
            kl_core__error(ctx, errno == ENOENT ? KL_ENOTFOUND : KL_EIO, KL_AT(dir, 0, 0),
                           "give the directory that holds the catalogs (en_GB.txt, pl.txt, ...)",
                           "cannot open the catalog directory: %s", strerror(errno));
        kl_free(found);
        return rc;
    }
    kl_catalog_sources *s = kl_core__calloc(1, sizeof *s);
    kl_buf b = KL_BUF_INIT;
    kl_core__buf_puts(&b, dir);
    if (b.len && b.data[b.len - 1] != '/')
        kl_core__buf_putc(&b, '/');
    kl_free(found);
    int rc = 0;
    if (!s || b.oom) {
        kl_core__buf_free(&b);
        closedir(d);
        rc = KL_ENOMEM;
        goto fail;
    }
    s->dir = kl_core__buf_detach(&b);
    struct dirent *e;
    while ((e = readdir(d)) && !rc) {
        size_t len = strlen(e->d_name);
        if (len < 5 || e->d_name[0] == '.' || strcmp(e->d_name + len - 4, ".txt") != 0)
            continue;
        if ((rc = KL_GROW(s->files, s->cap_files, s->n_files + 1)) < 0)
            break;
        kl_cfile *f = &s->files[s->n_files++];
        memset(f, 0, sizeof *f);
        f->name = kl_core__strndup(e->d_name, len - 4);
        f->path = kl_core__path_join(s->dir, e->d_name);
        if (!f->name || !f->path)
            rc = KL_ENOMEM;
    }
    closedir(d);
    if (rc)
        goto fail;
    if (s->n_files)
        qsort(s->files, s->n_files, sizeof *s->files, cmp_file);
    for (size_t i = 0; i < s->n_files && !rc; i++)
        rc = load_file(&s->files[i]);
    if (rc)
        goto fail;
    for (size_t i = 0; i < s->n_files; i++)
        if (strcmp(s->files[i].name, KL_SOURCE_CATALOG) == 0)
            s->en = &s->files[i];
    if (!s->en) {
        rc = kl_core__error(ctx, KL_ENOTFOUND, KL_AT(s->dir, 0, 0),
                            "the directory must hold the English source catalog",
                            "no %s.txt in the catalog directory", KL_SOURCE_CATALOG);
        kl_catalog_sources_free(s);
        return rc;
    }
    *out = s;
    return 0;
fail:
    kl_catalog_sources_free(s);
    return kl_core__oom(ctx);
}

KL_API void kl_catalog_sources_free(kl_catalog_sources *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_files; i++)
        free_file(&s->files[i]);
    kl_free(s->files);
    for (size_t i = 0; i < s->n_hist; i++) {
        kl_free(s->hist[i].fp);
        kl_free(s->hist[i].text);
    }
    kl_free(s->hist);
    for (size_t i = 0; i < s->n_usage; i++) {
        kl_free(s->usage[i].msgid);
        kl_free(s->usage[i].letter);
        kl_free(s->usage[i].section);
        kl_free(s->usage[i].template_path);
    }
    kl_free(s->usage);
    for (size_t i = 0; i < s->n_letters; i++)
        kl_free(s->letters[i]);
    kl_free(s->letters);
    kl_free(s->dir);
    kl_free(s);
}

KL_API size_t kl_catalog_sources_count(const kl_catalog_sources *s)
{
    return s ? s->n_files : 0;
}

KL_API const char *kl_catalog_sources_name(const kl_catalog_sources *s, size_t i)
{
    return s && i < s->n_files ? s->files[i].name : NULL;
}

kl_cfile *kl_l10n__file(kl_catalog_sources *s, const char *locale)
{
    char id[64];
    UErrorCode st = U_ZERO_ERROR;
    for (size_t i = 0; i < s->n_files; i++)
        if (strcmp(s->files[i].name, locale) == 0)
            return &s->files[i];
    int32_t n = uloc_forLanguageTag(locale, id, sizeof id, NULL, &st);
    if (U_FAILURE(st) || n <= 0 || n >= (int32_t)sizeof id)
        return NULL;
    for (size_t i = 0; i < s->n_files; i++)
        if (strcmp(s->files[i].name, id) == 0)
            return &s->files[i];
    return NULL;
}

int kl_l10n__file_error(kl_context *ctx, const kl_cfile *f)
{
    return kl_core__error(ctx, f->err_code ? f->err_code : KL_EPARSE,
                          KL_AT(f->err_source ? f->err_source : f->path, f->err_line, f->err_col),
                          f->err_hint, "%s", f->err_message ? f->err_message : "cannot be read");
}

const char *kl_l10n__recorded_fp(const kl_csrc *tr, const char *variant, const char *msgid)
{
    char table[40];
    snprintf(table, sizeof table, "sources/%s", variant);
    const kl_csrc_str *s = kl_l10n__src_find(tr, table, msgid);
    return s ? s->text : NULL;
}

/* ---- where templates use messages --------------------------------------- */

static int add_usage(kl_catalog_sources *s, const char *msgid, const char *letter, const char *role,
                     const char *section, const char *tpath, unsigned line)
{
    if (!msgid)
        return 0;
    if (KL_GROW(s->usage, s->cap_usage, s->n_usage + 1) < 0)
        return KL_ENOMEM;
    kl_usage *u = &s->usage[s->n_usage++];
    memset(u, 0, sizeof *u);
    u->msgid = kl_core__strdup(msgid);
    u->letter = kl_core__strdup(letter);
    u->role = role;
    u->section = section ? kl_core__strdup(section) : NULL;
    u->template_path = kl_core__strdup(tpath);
    u->line = line;
    return u->msgid && u->letter && u->template_path && (!section || u->section) ? 0 : KL_ENOMEM;
}

static const char *role_of(kl_tkind k)
{
    switch (k) {
    case KL_T_HEADING:
        return "heading";
    case KL_T_ITEM:
        return "list item";
    case KL_T_ROW:
        return "contact detail";
    case KL_T_SIGNATURE:
        return "sign-off";
    case KL_T_REFERENCE:
        return "reference";
    case KL_T_SALUTATION:
        return "greeting";
    case KL_T_SMS:
        return "text message";
    case KL_T_QUESTIONS:
        return "heading";
    default:
        return "paragraph";
    }
}

/* One use of a message by a template node (nothing when msgid is NULL). */
static int use(kl_catalog_sources *s, const kl_template *t, const kl_tnode *n, const char *msgid,
               const char *role, const char *section)
{
    return add_usage(s, msgid, t->name, role, section, t->source, n->line);
}

/* The messages a node uses itself (not its children's). */
static int node_usage(kl_catalog_sources *s, const kl_template *t, const kl_tnode *n,
                      const char *sec)
{
    int rc;
    if ((rc = use(s, t, n, n->msg, role_of(n->kind), sec)) < 0 ||
        (rc = use(s, t, n, n->label, "contact label", sec)) < 0)
        return rc;
    if (n->kind == KL_T_POINT &&
        ((rc = use(s, t, n, n->term, "Easy Read hard word", sec)) < 0 ||
         (rc = use(s, t, n, n->alt_msg, "picture description (alt text)", sec)) < 0 ||
         (rc = use(s, t, n, n->detail, "contact detail", sec)) < 0))
        return rc;
    if (n->kind == KL_T_QUESTIONS) {
        const char *qsec = n->msg ? n->msg : sec;
        if ((rc = use(s, t, n, n->asked, "question label", qsec)) < 0 ||
            (rc = use(s, t, n, n->answer, "answer label", qsec)) < 0 ||
            (rc = use(s, t, n, n->open_msg, "paragraph", qsec)) < 0)
            return rc;
    }
    return 0;
}

static int walk(kl_catalog_sources *s, const kl_template *t, const kl_tnode *n, const char *section)
{
    for (; n; n = n->next) {
        const char *sec = section;
        if (n->kind == KL_T_SECTION)
            for (const kl_tnode *c = n->first; c; c = c->next)
                if (c->kind == KL_T_HEADING && c->msg) {
                    sec = c->msg;
                    break;
                }
        int rc;
        if ((rc = node_usage(s, t, n, sec)) < 0 || (rc = walk(s, t, n->first, sec)) < 0)
            return rc;
    }
    return 0;
}

/* Every message a template uses, in the order a reader meets them. */
static int template_usage(kl_catalog_sources *s, const kl_template *t)
{
    int rc;
    if ((rc = add_usage(s, t->title_msg, t->name, "title", NULL, t->source, 0)) < 0 ||
        (rc = add_usage(s, t->subject_msg, t->name, "email subject", NULL, t->source, 0)) < 0 ||
        (rc = walk(s, t, t->body, NULL)) < 0 || (rc = walk(s, t, t->easy, NULL)) < 0)
        return rc;
    return walk(s, t, t->sms, NULL);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int kl_l10n__usage_from(kl_context *ctx, kl_catalog_sources *s, const char *dir)
{
    if (s->usage_loaded)
        return 0;
    kl_context *pctx = NULL;
    if (kl_context_new(&pctx))
        return kl_core__oom(ctx);
    int rc = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 5 || e->d_name[0] == '.' || strcmp(e->d_name + len - 4, ".xml") != 0)
            continue;
        if (KL_GROW(s->letters, s->cap_letters, s->n_letters + 1) < 0 ||
            !(s->letters[s->n_letters] = kl_core__strndup(e->d_name, len - 4))) {
            rc = KL_ENOMEM;
            break;
        }
        s->n_letters++;
    }
    if (d)
        closedir(d);
    if (!rc && s->n_letters)
        qsort(s->letters, s->n_letters, sizeof *s->letters, cmp_str);
    /* A template that does not load (someone's work in progress) is skipped
     * rather than stopping the check. */
    for (size_t i = 0; i < s->n_letters && !rc; i++) {
        kl_buf b = KL_BUF_INIT;
        kl_core__buf_printf(&b, "%s/%s.xml", dir, s->letters[i]);
        kl_template *t = NULL;
        if (b.oom) {
            rc = KL_ENOMEM;
        } else if (kl_template_load_file(pctx, b.data, &t) == 0) {
            rc = template_usage(s, t);
        }
        kl_template_free(t);
        kl_core__buf_free(&b);
    }
    kl_context_free(pctx);
    if (rc)
        return kl_core__oom(ctx);
    s->usage_loaded = 1;
    return 0;
}

int kl_l10n__usage(kl_context *ctx, kl_catalog_sources *s)
{
    if (s->usage_loaded)
        return 0;
    kl_context *pctx = NULL;
    char *dir = NULL;
    if (kl_context_new(&pctx))
        return kl_core__oom(ctx);
    /* Templates along the data path; not finding them is not an error here. */
    int rc = kl_context_find_data(pctx, "templates/notification.xml", &dir);
    kl_context_free(pctx);
    if (rc)
        return rc == KL_ENOMEM ? kl_core__oom(ctx) : rc;
    *strrchr(dir, '/') = '\0';
    rc = kl_l10n__usage_from(ctx, s, dir);
    kl_free(dir);
    return rc;
}

/* ---- history of English texts -------------------------------------------- */

static void unescape_tsv(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (*r == '\\' && r[1]) {
            r++;
            *w++ = *r == 'n' ? '\n' : *r == 't' ? '\t' : *r;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
}

/* Append a fingerprint and its English to the history in memory. */
static int hist_add(kl_catalog_sources *s, const char *fp, const char *text)
{
    if (KL_GROW(s->hist, s->cap_hist, s->n_hist + 1) < 0)
        return KL_ENOMEM;
    struct kl_hist *h = &s->hist[s->n_hist];
    h->fp = kl_core__strdup(fp);
    h->text = kl_core__strdup(text);
    if (!h->fp || !h->text) {
        kl_free(h->fp);
        kl_free(h->text);
        return KL_ENOMEM;
    }
    s->n_hist++;
    return 0;
}

static int load_history(kl_catalog_sources *s)
{
    if (s->history_loaded)
        return 0;
    s->history_loaded = 1;
    kl_buf p = KL_BUF_INIT;
    kl_core__buf_printf(&p, "%s%s", s->dir, KL_HISTORY_FILE);
    if (p.oom)
        return KL_ENOMEM;
    FILE *f = fopen(p.data, "rb");
    kl_core__buf_free(&p);
    if (!f)
        return 0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = 0;
    while (!rc && (n = getline(&line, &cap, f)) > 0) {
        if (line[n - 1] == '\n')
            line[--n] = '\0';
        char *tab = strchr(line, '\t');
        if (!tab || tab - line != 16)
            continue;
        *tab = '\0';
        unescape_tsv(tab + 1);
        rc = hist_add(s, line, tab + 1);
    }
    free(line); /* getline's buffer comes from the C library */
    fclose(f);
    return rc;
}

const char *kl_l10n__history(kl_context *ctx, kl_catalog_sources *s, const char *fp)
{
    if (load_history(s)) {
        kl_core__oom(ctx);
        return NULL;
    }
    for (size_t i = 0; i < s->n_hist; i++)
        if (strcmp(s->hist[i].fp, fp) == 0)
            return s->hist[i].text;
    return NULL;
}

/* Add texts to the history file (sorted, one line each), atomically. */
static int save_history(kl_context *ctx, kl_catalog_sources *s, const kl_cwrite *w)
{
    if (load_history(s))
        return kl_core__oom(ctx);
    size_t added = 0;
    for (size_t i = 0; i < w->n_fps; i++) {
        if (!w->fps[i].english || kl_l10n__history(ctx, s, w->fps[i].fp))
            continue;
        if (hist_add(s, w->fps[i].fp, w->fps[i].english) < 0)
            return kl_core__oom(ctx);
        added++;
    }
    if (!added)
        return 0;
    /* sort by fingerprint, keeping pairs together */
    for (size_t i = 1; i < s->n_hist; i++)
        for (size_t j = i; j > 0 && strcmp(s->hist[j - 1].fp, s->hist[j].fp) > 0; j--) {
            struct kl_hist t = s->hist[j];
            s->hist[j] = s->hist[j - 1];
            s->hist[j - 1] = t;
        }
    kl_buf b = KL_BUF_INIT;
    kl_core__buf_puts(&b,
                      "# English texts that translations were made from, by fingerprint (first 64 "
                      "bits of SHA-256).\n# Machine-generated by kinletter catalog stamp/import: "
                      "lets `catalog check` show what changed.\n");
    for (size_t i = 0; i < s->n_hist; i++) {
        kl_core__buf_printf(&b, "%s\t", s->hist[i].fp);
        for (const char *p = s->hist[i].text; *p; p++) {
            if (*p == '\\' || *p == '\n' || *p == '\t')
                kl_core__buf_putc(&b, '\\');
            kl_core__buf_putc(&b, *p == '\n' ? 'n' : *p == '\t' ? 't' : *p);
        }
        kl_core__buf_putc(&b, '\n');
    }
    if (b.oom) {
        kl_core__buf_free(&b);
        return kl_core__oom(ctx);
    }
    int dfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = dfd < 0 ? kl_core__error(ctx, KL_EIO, KL_AT(s->dir, 0, 0), NULL, "cannot open: %s",
                                      strerror(errno))
                     : kl_core__write_file(ctx, dfd, KL_HISTORY_FILE, KL_HISTORY_FILE, b.data,
                                           b.len, true);
    if (dfd >= 0) {
        if (!rc)
            fchmodat(dfd, KL_HISTORY_FILE, 0644, 0);
        close(dfd);
    }
    kl_core__buf_free(&b);
    return rc;
}

/* ---- rewriting a catalog -------------------------------------------------- */

int kl_l10n__edit_add(kl_cwrite *w, size_t start, size_t end, const char *text)
{
    if (KL_GROW(w->edits, w->cap_edits, w->n_edits + 1) < 0)
        return KL_ENOMEM;
    kl_cedit *g = w->edits;
    g[w->n_edits].start = start;
    g[w->n_edits].end = end;
    if (!(g[w->n_edits].text = kl_core__strdup(text)))
        return KL_ENOMEM;
    w->n_edits++;
    return 0;
}

int kl_l10n__fp_set(kl_cwrite *w, int variant, const char *msgid, const char *fp,
                    const char *english)
{
    for (size_t i = 0; i < w->n_fps; i++) {
        if (w->fps[i].variant == variant && strcmp(w->fps[i].msgid, msgid) == 0) {
            if (strcmp(w->fps[i].fp, fp) != 0) {
                snprintf(w->fps[i].fp, sizeof w->fps[i].fp, "%s", fp);
                w->fps[i].english = english;
                w->fps_changed = true;
            }
            return 0;
        }
    }
    if (KL_GROW(w->fps, w->cap_fps, w->n_fps + 1) < 0)
        return KL_ENOMEM;
    struct kl_cfp *g = w->fps;
    g[w->n_fps].variant = variant;
    snprintf(g[w->n_fps].fp, sizeof g[w->n_fps].fp, "%s", fp);
    g[w->n_fps].english = english;
    if (!(g[w->n_fps].msgid = kl_core__strdup(msgid)))
        return KL_ENOMEM;
    w->n_fps++;
    w->fps_changed = true;
    return 0;
}

int kl_l10n__fp_load(kl_cwrite *w, const kl_csrc *tr)
{
    for (size_t i = 0; i < tr->n_strs; i++) {
        const kl_csrc_str *s = &tr->strs[i];
        if (strncmp(s->table, "sources/", 8) != 0)
            continue;
        for (int v = 0; v < KL_VARIANTS; v++) {
            if (strcmp(s->table + 8, kl_l10n__variants[v]) == 0) {
                if (kl_l10n__fp_set(w, v, s->key, s->text, NULL))
                    return KL_ENOMEM;
                w->fps[w->n_fps - 1].english = NULL;
            }
        }
    }
    w->fps_changed = false;
    return 0;
}

void kl_l10n__cwrite_free(kl_cwrite *w)
{
    for (size_t i = 0; i < w->n_edits; i++)
        kl_free(w->edits[i].text);
    kl_free(w->edits);
    for (size_t i = 0; i < w->n_fps; i++)
        kl_free(w->fps[i].msgid);
    kl_free(w->fps);
    for (int v = 0; v < KL_VARIANTS; v++)
        kl_core__buf_free(&w->pending[v]);
    memset(w, 0, sizeof *w);
}

int kl_l10n__insert_msg(kl_cwrite *w, const kl_csrc *tr, const char *variant, const char *msgid,
                        const char *text)
{
    (void)tr;
    int v = 0;
    for (int i = 0; i < KL_VARIANTS; i++)
        if (strcmp(variant, kl_l10n__variants[i]) == 0)
            v = i;
    kl_buf *b = &w->pending[v];
    kl_core__buf_puts(b, "        ");
    kl_l10n__quote(b, msgid);
    kl_core__buf_puts(b, " { ");
    kl_l10n__quote(b, text);
    kl_core__buf_puts(b, " }\n");
    return b->oom ? KL_ENOMEM : 0;
}

/* The start of the line holding offset, if only blanks precede it there. */
static size_t line_start_if_alone(const char *data, size_t off)
{
    size_t p = off;
    while (p > 0 && (data[p - 1] == ' ' || data[p - 1] == '\t'))
        p--;
    return (p == 0 || data[p - 1] == '\n') ? p : off;
}

static int cmp_fp(const void *a, const void *b)
{
    const struct kl_cfp *x = a, *y = b;
    if (x->variant != y->variant)
        return x->variant - y->variant;
    return strcmp(x->msgid, y->msgid);
}

static int cmp_edit_desc(const void *a, const void *b)
{
    const kl_cedit *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? 1 : -1;
    return 0;
}

/* The sources table as it will be written: every fingerprint of w, by variant. */
static void sources_table(const kl_cwrite *w, kl_buf *tail)
{
    kl_core__buf_puts(tail,
                      "    sources {\n"
                      "        // Machine-generated by `kinletter catalog stamp` and `catalog "
                      "import`: do not edit.\n"
                      "        // For each translated message, the first 64 bits of the "
                      "SHA-256 of the English\n"
                      "        // text it was translated from: when the English changes, "
                      "the translation is\n"
                      "        // out of date and is not used in letters "
                      "(docs/TRANSLATING.md).\n");
    for (int v = 0; v < KL_VARIANTS; v++) {
        bool any = false;
        for (size_t i = 0; i < w->n_fps; i++) {
            if (w->fps[i].variant != v)
                continue;
            if (!any)
                kl_core__buf_printf(tail, "        %s {\n", kl_l10n__variants[v]);
            any = true;
            kl_core__buf_puts(tail, "            ");
            kl_l10n__quote(tail, w->fps[i].msgid);
            kl_core__buf_printf(tail, " { \"%s\" }\n", w->fps[i].fp);
        }
        if (any)
            kl_core__buf_puts(tail, "        }\n");
    }
    kl_core__buf_puts(tail, "    }\n");
}

/* Turn w's new messages and fingerprints into edits of tr: messages go at the
 * end of their variant's table (a new table at the end of the root), the
 * sources table is replaced as a whole. Returns 0 or KL_ENOMEM. */
static int plan_edits(const kl_csrc *tr, kl_cwrite *w)
{
    kl_buf tail = KL_BUF_INIT; /* inserted before the root's closing brace */
    int rc = 0;
    for (int v = 0; v < KL_VARIANTS; v++) {
        if (!w->pending[v].len)
            continue;
        const kl_csrc_table *t = kl_l10n__src_table(tr, kl_l10n__variants[v]);
        size_t at = t ? line_start_if_alone(tr->data, t->close) : 0;
        if (!t)
            kl_core__buf_printf(&tail, "    %s {\n%s    }\n", kl_l10n__variants[v],
                                w->pending[v].data);
        else if ((rc = kl_l10n__edit_add(w, at, at, w->pending[v].data)) < 0)
            goto done;
    }
    if (w->fps_changed) {
        const kl_csrc_table *old = kl_l10n__src_table(tr, "sources");
        if (old) {
            size_t end = old->close + 1;
            if (end < tr->len && tr->data[end] == '\n')
                end++;
            if ((rc = kl_l10n__edit_add(w, old->start, end, "")) < 0)
                goto done;
        }
        if (w->n_fps)
            qsort(w->fps, w->n_fps, sizeof *w->fps, cmp_fp);
        sources_table(w, &tail);
    }
    if (tail.oom) {
        rc = KL_ENOMEM;
        goto done;
    }
    if (tail.len) {
        size_t at = line_start_if_alone(tr->data, tr->root_close);
        rc = kl_l10n__edit_add(w, at, at, tail.data);
    }
done:
    kl_core__buf_free(&tail);
    return rc;
}

/* The catalog's text with w's edits applied, into out. Returns 0 or KL_ENOMEM. */
static int apply_edits(const kl_csrc *tr, kl_cwrite *w, kl_buf *out)
{
    /* Apply from the end so earlier offsets stay valid; an insertion and a
     * removal at the same place keep their order (stable enough: the
     * insertion sorts first as it was added last and has the same start
     * only when the sources table ends the root). */
    qsort(w->edits, w->n_edits, sizeof *w->edits, cmp_edit_desc);
    kl_core__buf_append(out, tr->data, tr->len);
    for (size_t i = 0; i < w->n_edits && !out->oom; i++) {
        const kl_cedit *e = &w->edits[i];
        kl_buf nb = KL_BUF_INIT;
        kl_core__buf_append(&nb, out->data, e->start);
        kl_core__buf_puts(&nb, e->text);
        kl_core__buf_append(&nb, out->data + e->end, out->len - e->end);
        kl_core__buf_free(out);
        *out = nb;
    }
    return out->oom ? KL_ENOMEM : 0;
}

/* The rewritten text must read back (*check: the parsed result). */
static int read_back(kl_context *ctx, const kl_cfile *f, const kl_buf *out, kl_csrc **check)
{
    kl_context *pctx = NULL;
    if (kl_context_new(&pctx))
        return kl_core__oom(ctx);
    int rc = kl_l10n__src_parse(pctx, f->path, out->data, out->len, check);
    if (rc) {
        const kl_diagnostic *d = kl_context_last_error(pctx);
        rc = kl_core__error(ctx, KL_EBACKEND, KL_AT(f->path, d ? d->line : 0, d ? d->column : 0),
                            NULL,
                            "the rewritten catalog would not read back (%s); nothing was written",
                            d && d->message ? d->message : "?");
    }
    kl_context_free(pctx);
    return rc;
}

/* genrb must accept the rewritten text (compiled in a private directory). */
static int genrb_accepts(kl_context *ctx, const kl_cfile *f, const kl_buf *out)
{
    char *tmpdir = NULL;
    int rc = kl_l10n__mkdtemp(ctx, &tmpdir);
    if (rc < 0)
        return rc;
    kl_buf tp = KL_BUF_INIT;
    kl_core__buf_printf(&tp, "%s/%s.txt", tmpdir, f->name);
    FILE *fp = tp.oom ? NULL : fopen(tp.data, "wb");
    if (!fp || fwrite(out->data, 1, out->len, fp) != out->len)
        rc =
            kl_core__error(ctx, KL_EIO, KL_AT(tmpdir, 0, 0), NULL, "cannot write a temporary file");
    if (fp && fclose(fp) != 0 && !rc)
        rc =
            kl_core__error(ctx, KL_EIO, KL_AT(tmpdir, 0, 0), NULL, "cannot write a temporary file");
    if (rc < 0)
        goto done;
    rc = kl_l10n__genrb(ctx, tp.data, tmpdir, NULL, NULL);
    if (rc == KL_EPARSE)
        rc = kl_core__error(ctx, KL_EPARSE, KL_AT(f->path, 0, 0), NULL,
                            "genrb would not accept the rewritten catalog; nothing was written");
done:
    kl_core__buf_free(&tp);
    kl_catalog_remove_compiled(tmpdir);
    kl_free(tmpdir);
    return rc;
}

/* Replace the catalog file atomically (keeping its mode), then record the
 * English of new fingerprints in the history. */
static int write_back(kl_context *ctx, kl_catalog_sources *s, const kl_cfile *f, const kl_cwrite *w,
                      const kl_buf *out)
{
    struct stat st;
    mode_t mode = stat(f->path, &st) == 0 ? (st.st_mode & 0777) : 0644;
    char *dir = kl_core__path_dirname(f->path);
    const char *base = strrchr(f->path, '/');
    base = base ? base + 1 : f->path;
    int dfd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    int rc = 0;
    if (dfd < 0) {
        rc = dir ? kl_core__error(ctx, KL_EIO, KL_AT(dir, 0, 0), NULL, "cannot open: %s",
                                  strerror(errno))
                 : kl_core__oom(ctx);
        goto done;
    }
    rc = kl_core__write_file(ctx, dfd, base, f->path, out->data, out->len, true);
    if (!rc)
        fchmodat(dfd, base, mode, 0);
    close(dfd);
    if (rc < 0)
        goto done;
    rc = save_history(ctx, s, w);
done:
    kl_free(dir);
    return rc;
}

int kl_l10n__commit(kl_context *ctx, kl_catalog_sources *s, kl_cfile *f, kl_cwrite *w, int dry_run)
{
    kl_buf out = KL_BUF_INIT;
    kl_csrc *check = NULL;
    int rc;
    if ((rc = plan_edits(f->src, w)) < 0 ||
        (w->n_edits && (rc = apply_edits(f->src, w, &out)) < 0)) {
        rc = kl_core__oom(ctx);
        goto done;
    }
    if (w->n_edits == 0)
        goto done;
    /* The result must read back, and genrb must accept it, before the file
     * is touched. */
    if ((rc = read_back(ctx, f, &out, &check)) < 0 || (rc = genrb_accepts(ctx, f, &out)) < 0)
        goto done;
    if (dry_run)
        goto done;
    if ((rc = write_back(ctx, s, f, w, &out)) < 0)
        goto done;
    kl_l10n__src_free(f->src);
    f->src = check;
    check = NULL;
done:
    kl_l10n__src_free(check);
    kl_core__buf_free(&out);
    return rc;
}

void kl_l10n__value_pos(const kl_csrc *src, const kl_csrc_str *str, int offset, unsigned *line,
                        unsigned *col)
{
    *line = str->tline;
    *col = str->tcol;
    if (offset < 0)
        return;
    const char *d = src->data;
    size_t p = str->vstart;
    int units = 0;
    bool in = false;
    while (p < str->vend) {
        if (!in) {
            if (d[p] == '"')
                in = true;
            p++;
            continue;
        }
        if (d[p] == '"') {
            in = false;
            p++;
            continue;
        }
        if (units >= offset)
            break;
        if (d[p] == '\\' && p + 1 < str->vend) {
            char e = d[p + 1];
            p += e == 'u' ? 6 : e == 'U' ? 10 : e == 'x' ? 4 : 2;
            units++;
            continue;
        }
        unsigned char c = (unsigned char)d[p];
        size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        units += n == 4 ? 2 : 1;
        p += n;
    }
    kl_core__line_col(d, p, line, col);
}
