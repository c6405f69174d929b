/* SPDX-License-Identifier: MIT */
/* web/generate.c: the batch: a form that starts it, a progress page that refreshes itself
 * (no JavaScript needed), then every file to download and the print pack; a member the batch
 * refused (a disclosure, a missing translation) is an error on that member. One batch runs
 * at a time, in its own thread with its own context; what it writes is also recorded in the
 * correspondence record (DIR/record.db) with the user's name. */
#include "web.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

typedef struct gen_job {
    char id[80];   /* ws_id_ok: 64 characters at most */
    char tpl[32];  /* web_template_ok: a bundled template's name */
    char user[72]; /* users.c: a name of 64 characters at most */
    bool force;
} gen_job;

static int progress(const kl_batch_progress *p, void *ud)
{
    web_gen *g = ud;
    pthread_mutex_lock(&g->lock);
    g->done = p->done;
    g->total = p->total;
    pthread_mutex_unlock(&g->lock);
    return 0;
}

static char *dup_or_empty(const char *s)
{
    return strdup(s ? s : "");
}

/* Why the batch did not run (allocated), in the words the page shows. */
static char *batch_error(kl_context *ctx, int rc)
{
    const kl_diagnostic *d = ctx ? kl_context_last_error(ctx) : NULL;
    if (rc == KL_EEXISTS)
        return strdup("Letters from this template were made before: tick \"Replace the "
                      "letters made before\" to make them again.");
    if (rc == KL_EBUSY)
        return strdup("Another run is making these letters: wait for it to finish.");
    return strdup(d && d->message ? d->message : kl_strerror(rc));
}

/* The correspondence record: what was written, failed or not contacted. Returns 0 or the
 * library's error code. */
static int record_batch(kl_context *ctx, const kl_review *rv, const kl_batch_result *res,
                        const gen_job *job)
{
    size_t n = kl_batch_result_row_count(res), k = 0;
    kl_record_event *ev = calloc(n ? n : 1, sizeof *ev);
    if (!ev)
        return KL_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const kl_batch_row *r = kl_batch_result_row(res, i);
        if (!r) { /* the rows are made when first read */
            free(ev);
            return KL_ENOMEM;
        }
        kl_record_event e = KL_RECORD_EVENT_INIT;
        e.member_id = r->member_id;
        e.letter = job->tpl;
        e.channel = r->channel;
        e.actor = job->user[0] ? job->user : NULL;
        if (r->status == KL_BATCH_WRITTEN) {
            e.event = "written";
            e.file = r->file;
            e.sha256 = r->sha256;
            e.pages = r->pages;
            e.note = r->reason;
        } else if (r->status == KL_BATCH_FAILED) {
            e.event = "failed";
            e.note = r->reason;
        } else if (r->status == KL_BATCH_NOT_CONTACTED) {
            e.event = "not-contacted";
            e.note = r->reason;
        } else {
            continue;
        }
        ev[k++] = e;
    }
    char *rp = fmt("%s/record.db", web_srv->dir);
    kl_record *rec = NULL;
    int rc = rp ? kl_record_open(ctx, rp, KL_RECORD_CREATE, &rec) : KL_ENOMEM;
    if (!rc && k)
        rc = kl_record_add_events(ctx, rec, rv, ev, k, NULL);
    kl_record_close(rec);
    free(rp);
    free(ev);
    return rc;
}

/* The run's outcome, for the progress page (g->lock held). */
static void publish(web_gen *g, const kl_batch_result *res)
{
    size_t n = kl_batch_result_row_count(res);
    g->rows = calloc(n ? n : 1, sizeof *g->rows);
    for (size_t i = 0; g->rows && i < n; i++) {
        const kl_batch_row *r = kl_batch_result_row(res, i);
        if (!r) /* out of memory (the rows are made when first read): the rows so far */
            break;
        web_gen_row *w = &g->rows[g->n_rows++];
        w->member_id = dup_or_empty(r->member_id);
        w->channel = dup_or_empty(r->channel);
        w->file = dup_or_empty(r->file);
        w->status = dup_or_empty(kl_batch_status_name(r->status));
        w->reason = dup_or_empty(r->reason);
        w->draft = r->draft;
    }
    kl_batch_totals t = KL_BATCH_TOTALS_INIT;
    kl_batch_result_totals(res, &t);
    g->print_packs = t.print_packs;
    g->print_pack_pages = t.print_pack_pages;
    g->files = t.files;
    g->members_failed = t.members_failed;
}

static void *run(void *arg)
{
    gen_job *job = arg;
    /* A lower priority for this thread and the workers it starts, so the pages (and the
     * coordinator's browser) stay responsive on a small machine. */
    if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10) != 0) {
        /* not fatal */
    }
    web_gen *g = &web_srv->gen;
    kl_context *ctx = NULL;
    kl_review *rv = NULL;
    kl_batch_result *res = NULL;
    char *error = NULL;
    int rc = kl_context_new(&ctx);
    char *path = fmt("%s/%s/review.xml", web_srv->dir, job->id);
    if (!rc)
        rc = kl_review_load_file(ctx, path, NULL, &rv);
    if (!rc) {
        kl_batch_options o = KL_BATCH_OPTIONS_INIT;
        o.template_name = job->tpl;
        o.output_dir = web_srv->dir;
        o.force = job->force;
        o.progress = progress;
        o.progress_userdata = g;
        o.creation_date = getenv("KINLETTER_PDF_DATE");
        rc = kl_batch_generate(ctx, rv, &o, &res);
    }
    if (rc)
        error = batch_error(ctx, rc);
    if (res && record_batch(ctx, rv, res, job) && !error)
        error = strdup("The letters are written but the correspondence record was not "
                       "updated (record.csv in the batch folder lists them).");
    pthread_mutex_lock(&g->lock);
    g->rc = rc;
    g->error = error;
    if (res)
        publish(g, res);
    g->running = false;
    g->finished = true;
    pthread_mutex_unlock(&g->lock);
    kl_batch_result_free(res);
    kl_review_free(rv);
    kl_context_free(ctx);
    free(path);
    free(job);
    return NULL;
}

static void gen_clear(web_gen *g)
{
    for (size_t i = 0; i < g->n_rows; i++) {
        free(g->rows[i].member_id);
        free(g->rows[i].channel);
        free(g->rows[i].file);
        free(g->rows[i].status);
        free(g->rows[i].reason);
    }
    free(g->rows);
    g->rows = NULL;
    g->n_rows = 0;
    free(g->error);
    g->error = NULL;
    g->done = g->total = 0;
    g->rc = 0;
    g->finished = false;
}

static const char *const template_options[] = {"notification",
                                               "Notification: a review has started",
                                               "invitation",
                                               "Invitation: to take part in the review",
                                               "update",
                                               "Update: how the review is going",
                                               "outcome",
                                               "Outcome: what the review found",
                                               NULL};

static bool file_name_ok(const char *n)
{
    size_t l = strlen(n);
    if (!l || l > 128 || n[0] == '.')
        return false;
    for (size_t i = 0; i < l; i++)
        if (!((n[i] >= 'a' && n[i] <= 'z') || (n[i] >= 'A' && n[i] <= 'Z') ||
              (n[i] >= '0' && n[i] <= '9') || n[i] == '.' || n[i] == '-' || n[i] == '_'))
            return false;
    return true;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The files of the batches on disk, template by template, with links. */
static void list_files(web_page *p, const char *id)
{
    bool any = false;
    for (size_t t = 0; web_templates[t]; t++) {
        char *dir = fmt("%s/%s/%s", web_srv->dir, id, web_templates[t]);
        DIR *d = dir ? opendir(dir) : NULL;
        free(dir);
        if (!d)
            continue;
        char **names = NULL;
        size_t n = 0, cap = 0;
        struct dirent *e;
        while ((e = readdir(d))) {
            if (!file_name_ok(e->d_name) || strstr(e->d_name, ".tmp") ||
                !strcmp(e->d_name, "manifest") || strstr(e->d_name, ".lock"))
                continue;
            if (n == cap) {
                cap = cap ? 2 * cap : 32;
                char **nn = realloc(names, cap * sizeof *nn);
                if (!nn)
                    break;
                names = nn;
            }
            names[n++] = strdup(e->d_name);
        }
        closedir(d);
        if (!n) {
            free(names);
            continue;
        }
        qsort(names, n, sizeof *names, cmp_str);
        if (!any)
            el(p->main, "h2", "Letters to download");
        any = true;
        char *h = fmt("The %s letters", web_templates[t]);
        el(p->main, "h3", h);
        free(h);
        /* The print pack first: what goes to the printer. */
        xmlNodePtr ul = elc(p->main, "ul", "files", NULL);
        for (int pass = 0; pass < 2; pass++)
            for (size_t i = 0; i < n; i++) {
                bool pack = !strncmp(names[i], "print-pack", 10);
                if ((pass == 0) != pack)
                    continue;
                char *href = fmt("/reviews/%s/files/%s/%s", id, web_templates[t], names[i]);
                xmlNodePtr li = el(ul, "li", NULL);
                xmlNodePtr a = a_link(li, href, names[i]);
                attr(a, "download", names[i]);
                if (pack)
                    text(li, " (the print pack: every postal letter, each on a new sheet)");
                free(href);
            }
        for (size_t i = 0; i < n; i++)
            free(names[i]);
        free(names);
    }
}

static void form(web_page *p, web_request *rq, const char *id)
{
    char *action = fmt("/reviews/%s/generate", id);
    xmlNodePtr f = form_new(p->main, rq, action, false);
    free(action);
    field_select(f, "template", "Which letter", NULL, template_options, "notification", NULL);
    field_checkbox(f, "replace", "Replace the letters made before",
                   "Letters from the same template are replaced, and the record keeps both.", false,
                   NULL);
    form_button(f, "Generate letters", NULL);
}

/* The form's POST: start a batch in its own thread, then show its progress. */
static void start_batch(web_request *rq, web_response *rs, const char *id)
{
    web_gen *g = &web_srv->gen;
    const char *tpl = web_field_str(rq, "template");
    web_page *p = NULL;
    pthread_mutex_lock(&g->lock);
    bool running = g->running;
    pthread_mutex_unlock(&g->lock);
    if (running) {
        p = page_new("Generate letters");
        page_error(p, NULL, "A batch is being made: wait for it to finish");
    } else if (!web_template_ok(tpl)) {
        p = page_new("Generate letters");
        page_error(p, "template", "Choose which letter to make");
    }
    if (p) {
        form(p, rq, id);
        page_respond(p, rs, 400);
        return;
    }
    if (g->thread_started) {
        pthread_join(g->thread, NULL);
        g->thread_started = false;
    }
    gen_job *job = calloc(1, sizeof *job);
    if (!job) {
        respond_error(rs, 500, "Something went wrong", "Out of memory.");
        return;
    }
    snprintf(job->id, sizeof job->id, "%s", id);
    snprintf(job->tpl, sizeof job->tpl, "%s", tpl);
    snprintf(job->user, sizeof job->user, "%s", rq->user ? rq->user : "");
    job->force = web_field_get(rq, "replace") != NULL;
    pthread_mutex_lock(&g->lock);
    gen_clear(g);
    g->running = true;
    snprintf(g->review_id, sizeof g->review_id, "%s", id);
    snprintf(g->template_name, sizeof g->template_name, "%s", tpl);
    pthread_mutex_unlock(&g->lock);
    if (pthread_create(&g->thread, NULL, run, job) != 0) {
        free(job);
        pthread_mutex_lock(&g->lock);
        g->running = false;
        pthread_mutex_unlock(&g->lock);
        respond_error(rs, 500, "Something went wrong", "The batch could not be started.");
        return;
    }
    g->thread_started = true;
    ws_audit(rq, "generate", id, NULL);
    redirect_review(rs, id, "generate");
}

/* A batch under way (g->lock held). No <meta http-equiv="refresh">: a page that reloads
 * itself on a timer fails WCAG 2.2.1 (axe-core's meta-refresh; the browser test runs it).
 * Without JavaScript the coordinator follows "Check progress"; kinletter.js polls this page
 * and updates the status in place (progressive enhancement). */
static void progress_section(web_page *p, const web_gen *g, const char *id)
{
    char *s = g->total ? fmt("Making the %s letters: %zu of %zu members done.", g->template_name,
                             g->done, g->total)
                       : fmt("Making the %s letters: starting.", g->template_name);
    xmlNodePtr para = elc(p->main, "p", "progress", s);
    attr(para, "role", "status");
    attr(para, "id", "progress");
    free(s);
    char mx[32], v[32]; /* a size_t's digits */
    snprintf(mx, sizeof mx, "%zu", g->total ? g->total : 1);
    snprintf(v, sizeof v, "%zu", g->done);
    xmlNodePtr bar = el(p->main, "progress", NULL);
    attr(bar, "max", mx);
    attr(bar, "value", v);
    attr(bar, "aria-labelledby", "progress");
    xmlNodePtr again = el(p->main, "p", NULL);
    char *self = fmt("/reviews/%s/generate", id);
    xmlNodePtr a = a_link(again, self, "Check progress");
    attr(a, "id", "check-progress");
    free(self);
    text(again, " (this page also updates itself when JavaScript is on).");
}

/* What the finished batch made for each member, a row each (g->lock held). */
static void rows_table(web_page *p, const web_gen *g, const char *id)
{
    xmlNodePtr t = elc(p->main, "table", "table", NULL);
    el(t, "caption", "What was made for each member");
    xmlNodePtr tr = el(el(t, "thead", NULL), "tr", NULL);
    const char *heads[] = {"Member", "Channel", "File", "Result"};
    for (size_t i = 0; i < 4; i++)
        attr(el(tr, "th", heads[i]), "scope", "col");
    xmlNodePtr tb = el(t, "tbody", NULL);
    const char *prev = "";
    for (size_t i = 0; i < g->n_rows; i++) {
        const web_gen_row *r = &g->rows[i];
        tr = el(tb, "tr", NULL);
        if (strcmp(prev, r->member_id)) {
            char *anchor = fmt("member-%s", r->member_id);
            attr(tr, "id", anchor);
            free(anchor);
        }
        prev = r->member_id;
        attr(el(tr, "th", r->member_id), "scope", "row");
        el(tr, "td", r->channel);
        xmlNodePtr td = el(tr, "td", NULL);
        if (r->file[0]) {
            char *href = fmt("/reviews/%s/files/%s/%s", id, g->template_name, r->file);
            a_link(td, href, r->file);
            free(href);
        }
        td = el(tr, "td", NULL);
        if (!strcmp(r->status, "failed"))
            elc(td, "strong", "error-text", "Not made: ");
        else
            text(td, !strcmp(r->status, "written")         ? "Made"
                     : !strcmp(r->status, "not-contacted") ? "Not contacted: "
                                                           : "Skipped");
        if (r->reason[0])
            text(td, !strcmp(r->status, "written") ? " " : "");
        text(td, r->reason);
        if (r->draft)
            text(td, " (a draft translation)");
    }
}

/* The finished batch: its errors, a summary and the table (g->lock held). */
static void finished_section(web_page *p, const web_gen *g, const char *id)
{
    if (g->error)
        page_error(p, NULL, g->error);
    for (size_t i = 0; i < g->n_rows; i++) {
        if (strcmp(g->rows[i].status, "failed"))
            continue;
        char *anchor = fmt("member-%s", g->rows[i].member_id);
        char *m = fmt("Member %s: %s", g->rows[i].member_id, g->rows[i].reason);
        page_error(p, anchor, m);
        free(anchor);
        free(m);
    }
    char *s =
        fmt("The %s letters are made: %zu files, %zu print %s (%zu pages)%s.", g->template_name,
            g->files, g->print_packs, g->print_packs == 1 ? "pack" : "packs", g->print_pack_pages,
            g->members_failed ? "; some members have no letter: see above" : "");
    if (!g->error || g->n_rows) {
        xmlNodePtr para = elc(p->main, "p", "notice", s);
        attr(para, "role", "status");
    }
    free(s);
    if (g->n_rows)
        rows_table(p, g, id);
}

void h_generate(web_request *rq, web_response *rs, const char *id)
{
    web_gen *g = &web_srv->gen;
    const char *why = NULL;
    xmlDocPtr doc = ws_review_read(id, &why);
    if (!doc) {
        respond_review_unread(rs, why);
        return;
    }
    xmlFreeDoc(doc);
    if (rq->post) {
        start_batch(rq, rs, id);
        return;
    }
    web_page *p = page_new("Generate letters");
    pthread_mutex_lock(&g->lock);
    bool mine = !strcmp(g->review_id, id);
    if (mine && g->running) {
        progress_section(p, g, id);
        pthread_mutex_unlock(&g->lock);
        page_respond(p, rs, 200);
        return;
    }
    if (mine && g->finished)
        finished_section(p, g, id);
    pthread_mutex_unlock(&g->lock);
    form(p, rq, id);
    list_files(p, id);
    char *rec = fmt("/reviews/%s/record", id);
    a_link(el(p->main, "p", NULL), rec, "Correspondence record: mark letters as sent");
    free(rec);
    char *back = fmt("/reviews/%s", id);
    a_link(el(p->main, "p", NULL), back, "Back to the review");
    free(back);
    page_respond(p, rs, 200);
}

void h_file(web_request *rq, web_response *rs, const char *id, const char *tpl, const char *name)
{
    (void)rq;
    if (!file_name_ok(name)) {
        respond_error(rs, 404, "Page not found", "There is no such file.");
        return;
    }
    char *path = fmt("%s/%s/%s/%s", web_srv->dir, id, tpl, name);
    int fd = path ? open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC) : -1;
    free(path);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        if (fd >= 0)
            close(fd);
        respond_error(rs, 404, "File not found", "There is no such file: make the letters first.");
        return;
    }
    const char *dot = strrchr(name, '.');
    const char *type = !dot                    ? "application/octet-stream"
                       : !strcmp(dot, ".pdf")  ? "application/pdf"
                       : !strcmp(dot, ".txt")  ? "text/plain; charset=utf-8"
                       : !strcmp(dot, ".csv")  ? "text/csv; charset=utf-8"
                       : !strcmp(dot, ".eml")  ? "message/rfc822"
                       : !strcmp(dot, ".json") ? "application/json"
                                               : "application/octet-stream";
    rs->status = 200;
    rs->content_type = type;
    rs->fd = fd;
    rs->has_fd = true;
    rs->len = (size_t)sb.st_size;
    rs->disposition = fmt("attachment; filename=\"%s\"", name);
}
