/* SPDX-License-Identifier: MIT */
/* web/serve.c: `kinletter serve`: the HTTP server (libmicrohttpd), its security (token,
 * session cookie, CSRF, Host and Origin checks, headers, limits, loopback unless TLS and
 * named users), and the routes (docs/WEB.md). */
#include "web.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

web_server *web_srv;
const web_request *web_current;

/* Request bodies (forms and uploads) larger than this are refused with 413. */
#define WEB_BODY_LIMIT   (2u * 1024u * 1024u)
#define WEB_SESSIONS     64
#define WEB_SESSION_IDLE (8 * 3600)

static const char csp[] = "default-src 'self'; script-src 'self'; style-src 'self'; "
                          "img-src 'self' data:; frame-src 'self'; object-src 'self'; "
                          "frame-ancestors 'self'; form-action 'self'; base-uri 'none'";

struct web_session {
    char id[65];
    char csrf[65];
    char user[65];
    bool authenticated;
    time_t last;
};

static web_session sessions[WEB_SESSIONS];
static char token[65];
/* Host header values accepted: two for the address, and --server-name twice at most; each
 * a numeric address or a host name of 253 characters at most, with ":PORT". */
static char hosts[4][300];
static size_t n_hosts;
static char datadir_css[PATH_MAX], datadir_js[PATH_MAX];

static void random_hex(char out[65])
{
    unsigned char b[32];
    size_t got = 0;
    while (got < sizeof b) {
        ssize_t r = getrandom(b + got, sizeof b - got, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            abort(); /* no randomness: never serve with a guessable token */
        }
        got += (size_t)r;
    }
    for (size_t i = 0; i < sizeof b; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* Equal strings, in time that does not depend on where they differ. */
static bool same_secret(const char *a, const char *b)
{
    if (!a || !b)
        return false;
    size_t la = strlen(a), lb = strlen(b);
    unsigned char d = la != lb;
    for (size_t i = 0; i < la && i < lb; i++)
        d |= (unsigned char)(a[i] ^ b[i]);
    return d == 0 && la == 64;
}

static web_session *session_find(const char *id)
{
    if (!id)
        return NULL;
    time_t now = time(NULL);
    for (size_t i = 0; i < WEB_SESSIONS; i++) {
        web_session *s = &sessions[i];
        if (!s->id[0])
            continue;
        if (now - s->last > WEB_SESSION_IDLE) {
            memset(s, 0, sizeof *s);
            continue;
        }
        if (same_secret(s->id, id)) {
            s->last = now;
            return s;
        }
    }
    return NULL;
}

static web_session *session_new(void)
{
    /* An empty slot; else the oldest session not signed in (so requests for the sign-in
     * page cannot push out the users' sessions); else the oldest. */
    web_session *slot = NULL, *oldest = &sessions[0];
    for (size_t i = 0; i < WEB_SESSIONS && !(slot && !slot->id[0]); i++) {
        web_session *s = &sessions[i];
        if (!s->id[0] || (!s->authenticated && (!slot || s->last < slot->last)))
            slot = s;
        if (s->last < oldest->last)
            oldest = s;
    }
    if (!slot)
        slot = oldest;
    memset(slot, 0, sizeof *slot);
    random_hex(slot->id);
    random_hex(slot->csrf);
    slot->last = time(NULL);
    return slot;
}

/* ---- fields ------------------------------------------------------------------------------ */

const web_field *web_field_find(const web_request *rq, const char *name)
{
    for (size_t i = 0; i < rq->n_fields; i++)
        if (!strcmp(rq->fields[i].name, name))
            return &rq->fields[i];
    return NULL;
}

const char *web_field_get(const web_request *rq, const char *name)
{
    const web_field *f = web_field_find(rq, name);
    return f ? f->value : NULL;
}

const char *web_field_str(const web_request *rq, const char *name)
{
    const char *v = web_field_get(rq, name);
    return v ? v : "";
}

/* ---- connections -------------------------------------------------------------------------- */

typedef struct conn_state {
    web_request rq;
    struct MHD_PostProcessor *pp;
    size_t bytes;
    unsigned reject; /* status to answer with once the body is read, or 0 */
    bool oom;
    char *path;
} conn_state;

static enum MHD_Result post_iter(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *filename, const char *content_type,
                                 const char *transfer_encoding, const char *data, uint64_t off,
                                 size_t size)
{
    (void)kind;
    (void)content_type;
    (void)transfer_encoding;
    conn_state *st = cls;
    web_request *rq = &st->rq;
    web_field *f = NULL;
    if (off > 0 && rq->n_fields && !strcmp(rq->fields[rq->n_fields - 1].name, key))
        f = &rq->fields[rq->n_fields - 1];
    if (!f) {
        if (rq->n_fields == rq->cap_fields) {
            size_t cap = rq->cap_fields ? 2 * rq->cap_fields : 32;
            web_field *nf = realloc(rq->fields, cap * sizeof *nf);
            if (!nf) {
                st->oom = true;
                return MHD_NO;
            }
            rq->fields = nf;
            rq->cap_fields = cap;
        }
        f = &rq->fields[rq->n_fields++];
        memset(f, 0, sizeof *f);
        f->name = strdup(key);
        f->value = calloc(1, 1);
        f->filename = filename ? strdup(filename) : NULL;
        if (!f->name || !f->value) {
            st->oom = true;
            return MHD_NO;
        }
    }
    if (size) {
        char *nv = realloc(f->value, f->len + size + 1);
        if (!nv) {
            st->oom = true;
            return MHD_NO;
        }
        memcpy(nv + f->len, data, size);
        f->len += size;
        nv[f->len] = '\0';
        f->value = nv;
    }
    return MHD_YES;
}

static void conn_free(conn_state *st)
{
    if (!st)
        return;
    if (st->pp)
        MHD_destroy_post_processor(st->pp);
    for (size_t i = 0; i < st->rq.n_fields; i++) {
        free(st->rq.fields[i].name);
        free(st->rq.fields[i].value);
        free(st->rq.fields[i].filename);
    }
    free(st->rq.fields);
    free(st->path);
    free(st);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    conn_free(*con_cls);
    *con_cls = NULL;
}

/* ---- responses ------------------------------------------------------------------------------ */

void respond_bytes(web_response *rs, const char *content_type, void *data, size_t len)
{
    free(rs->body);
    rs->body = data;
    rs->len = len;
    rs->content_type = content_type;
    if (!rs->status)
        rs->status = 200;
}

void respond_redirect(web_response *rs, const char *location)
{
    free(rs->location);
    rs->location = strdup(location);
    rs->status = 303;
    web_page *p = page_new("Redirecting");
    xmlNodePtr para = el(p->main, "p", NULL);
    a_link(para, location, "Continue");
    page_respond(p, rs, 303);
}

void redirect_review(web_response *rs, const char *id, const char *page)
{
    char *to = page ? fmt("/reviews/%s/%s", id, page) : fmt("/reviews/%s", id);
    respond_redirect(rs, to);
    free(to);
}

void respond_error(web_response *rs, unsigned status, const char *title, const char *message)
{
    web_page *p = page_new(title);
    el(p->main, "p", message);
    page_respond(p, rs, status);
}

static enum MHD_Result send_rs(struct MHD_Connection *c, web_response *rs)
{
    if (!rs->status)
        rs->status = 500;
    if (!rs->body && !rs->has_fd) {
        unsigned st = rs->status;
        respond_error(rs, st, "Something went wrong", "The page could not be made.");
    }
    struct MHD_Response *r =
        rs->has_fd ? MHD_create_response_from_fd(rs->len, rs->fd)
                   : MHD_create_response_from_buffer(rs->len, rs->body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        if (rs->has_fd)
            close(rs->fd);
        free(rs->body);
        return MHD_NO;
    }
    rs->body = NULL;
    MHD_add_response_header(r, "Content-Type",
                            rs->content_type ? rs->content_type : "text/html; charset=utf-8");
    MHD_add_response_header(r, "Content-Security-Policy", csp);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    /* Not no-referrer: with it a browser sends "Origin: null" on every form POST, which the
     * Origin check (rightly) refuses. same-origin sends no Referer to other sites. */
    MHD_add_response_header(r, "Referrer-Policy", "same-origin");
    MHD_add_response_header(r, "X-Frame-Options", "SAMEORIGIN");
    MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
    MHD_add_response_header(r, "Cross-Origin-Resource-Policy", "same-origin");
    if (web_srv->tls)
        MHD_add_response_header(r, "Strict-Transport-Security", "max-age=31536000");
    if (rs->location)
        MHD_add_response_header(r, "Location", rs->location);
    if (rs->set_cookie)
        MHD_add_response_header(r, "Set-Cookie", rs->set_cookie);
    if (rs->disposition)
        MHD_add_response_header(r, "Content-Disposition", rs->disposition);
    enum MHD_Result ok = MHD_queue_response(c, rs->status, r);
    MHD_destroy_response(r);
    free(rs->location);
    free(rs->set_cookie);
    free(rs->disposition);
    memset(rs, 0, sizeof *rs);
    return ok;
}

static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, const char *title,
                                  const char *message)
{
    web_response rs = {0};
    respond_error(&rs, status, title, message);
    return send_rs(c, &rs);
}

/* ---- assets --------------------------------------------------------------------------------- */

static void serve_asset(web_response *rs, const char *path, const char *type)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    /* kinletter.css and kinletter.js are the project's own few kilobytes: a file over 1 MiB
     * at their place on the data path is not one of them. */
    if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size > 1 << 20) {
        if (fd >= 0)
            close(fd);
        respond_error(rs, 404, "Page not found", "There is no such file.");
        return;
    }
    size_t len = (size_t)sb.st_size;
    unsigned char *buf = malloc(len ? len : 1);
    size_t got = 0;
    while (buf && got < len) {
        ssize_t r = read(fd, buf + got, len - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (!buf || got != len) {
        free(buf);
        respond_error(rs, 500, "Something went wrong", "The file could not be read.");
        return;
    }
    respond_bytes(rs, type, buf, len);
}

/* ---- sign in (users mode) ---------------------------------------------------------------------
 */

static void login_page(web_request *rq, web_response *rs, web_session *s, const char *error)
{
    bool failed = error != NULL;
    web_page *p = page_new("Sign in");
    if (failed)
        page_error(p, "username", error);
    web_request tmp = *rq;
    tmp.csrf = s->csrf;
    xmlNodePtr f = form_new(p->main, &tmp, "/login", false);
    web_errors e = {0};
    if (failed)
        errors_add(&e, "username", error);
    xmlNodePtr u = field_input(f, "text", "username", "User name", NULL, "", &e);
    (void)u;
    xmlNodePtr pw = field_input(f, "password", "password", "Password", NULL, "", NULL);
    (void)pw;
    form_button(f, "Sign in", NULL);
    errors_free(&e);
    page_respond(p, rs, failed ? 403 : 200);
}

/* Password guessing: after 5 wrong passwords for a name, that name may not sign in for a
 * minute (other users are not held up; the server is not slowed). Only names the users file
 * has are counted, so the list grows to the number of users at most, and no guesser can push
 * a user's count out of it by trying many other names (a fixed table of 32 could). */
#define LOGIN_TRIES 5
#define LOGIN_PAUSE 60
static struct login_fail {
    char name[65]; /* users.c's names are 64 characters at most */
    unsigned fails;
    time_t last;
} * login_fails;
static size_t n_login_fails, cap_login_fails;

static struct login_fail *login_find(const char *name)
{
    for (size_t i = 0; i < n_login_fails; i++)
        if (!strcmp(login_fails[i].name, name))
            return &login_fails[i];
    return NULL;
}

static bool login_paused(const char *name)
{
    const struct login_fail *f = login_find(name);
    return f && f->fails >= LOGIN_TRIES && time(NULL) - f->last < LOGIN_PAUSE;
}

static void login_result(const char *name, bool ok)
{
    struct login_fail *f = login_find(name);
    if (ok) {
        if (f)
            f->fails = 0;
        return;
    }
    if (!f) {
        if (strlen(name) >= sizeof f->name || !users_known(web_srv->users_file, name))
            return; /* no such user: nothing to guess */
        if (n_login_fails == cap_login_fails) {
            size_t cap = cap_login_fails ? 2 * cap_login_fails : 8;
            struct login_fail *grown = realloc(login_fails, cap * sizeof *grown);
            if (!grown) {
                fputs("kinletter: error: out of memory counting wrong passwords\n", stderr);
                return;
            }
            login_fails = grown;
            cap_login_fails = cap;
        }
        f = &login_fails[n_login_fails++];
        memset(f, 0, sizeof *f);
        snprintf(f->name, sizeof f->name, "%s", name);
    }
    if (time(NULL) - f->last >= LOGIN_PAUSE)
        f->fails = 0;
    f->fails++;
    f->last = time(NULL);
}

static char *cookie_header(const web_session *s)
{
    return fmt("kl_session=%s; HttpOnly; SameSite=Strict; Path=/%s", s->id,
               web_srv->tls ? "; Secure" : "");
}

/* ---- routing ----------------------------------------------------------------------------------
 */

/* Split "/a/b/c" into at most 8 segments (modifies path). */
static size_t split(char *path, char **seg, size_t max)
{
    size_t n = 0;
    char *save = NULL;
    for (char *t = strtok_r(path, "/", &save); t && n < max; t = strtok_r(NULL, "/", &save))
        seg[n++] = t;
    return strtok_r(NULL, "/", &save) ? max + 1 : n;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a > b && !strcmp(s + a - b, suffix);
}

static void route(web_request *rq, web_response *rs)
{
    char *copy = strdup(rq->path);
    if (!copy) {
        respond_error(rs, 500, "Something went wrong", "Out of memory.");
        return;
    }
    char *seg[9];
    size_t n = split(copy, seg, 8);
    bool post = rq->post;
    if (n == 1 && !strcmp(seg[0], "reviews") && !post) {
        h_reviews(rq, rs);
    } else if (n == 2 && post && !strcmp(seg[0], "reviews") && !strcmp(seg[1], "example")) {
        h_review_example(rq, rs);
    } else if (n == 2 && !strcmp(seg[0], "reviews") && !strcmp(seg[1], "new")) {
        h_review_new(rq, rs);
    } else if (n >= 2 && n <= 8 && !strcmp(seg[0], "reviews") && ws_id_ok(seg[1])) {
        const char *id = seg[1];
        if (n == 2 && !post)
            h_review(rq, rs, id);
        else if (n == 3 && !strcmp(seg[2], "edit"))
            h_review_edit(rq, rs, id);
        else if (n == 4 && !strcmp(seg[2], "members") && !strcmp(seg[3], "new"))
            h_member_form(rq, rs, id, NULL);
        else if (n == 5 && !strcmp(seg[2], "members") && ws_member_id_ok(seg[3]) &&
                 !strcmp(seg[4], "edit"))
            h_member_form(rq, rs, id, seg[3]);
        else if (n == 5 && post && !strcmp(seg[2], "members") && ws_member_id_ok(seg[3]) &&
                 !strcmp(seg[4], "remove"))
            h_member_delete(rq, rs, id, seg[3]);
        else if (n == 3 && !post && !strcmp(seg[2], "family.csv"))
            h_family_csv(rq, rs, id);
        else if (n == 4 && !strcmp(seg[2], "family") && !strcmp(seg[3], "upload"))
            h_family_upload(rq, rs, id);
        else if (n == 5 && !post && !strcmp(seg[2], "preview") && ws_member_id_ok(seg[3])) {
            bool pdf = ends_with(seg[4], ".pdf");
            if (pdf)
                seg[4][strlen(seg[4]) - 4] = '\0';
            if (web_template_ok(seg[4]))
                h_preview(rq, rs, id, seg[3], seg[4], pdf);
            else
                respond_error(rs, 404, "Page not found", "There is no such letter.");
        } else if (n == 3 && !strcmp(seg[2], "generate"))
            h_generate(rq, rs, id);
        else if (n == 5 && !post && !strcmp(seg[2], "files") && web_template_ok(seg[3]))
            h_file(rq, rs, id, seg[3], seg[4]);
        else if (n == 3 && !strcmp(seg[2], "record"))
            h_record(rq, rs, id);
        else
            respond_error(rs, 404, "Page not found", "There is no page at this address.");
    } else {
        respond_error(rs, 404, "Page not found", "There is no page at this address.");
    }
    free(copy);
}

static bool host_ok(struct MHD_Connection *c)
{
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    if (!h)
        return false;
    for (size_t i = 0; i < n_hosts; i++)
        if (!strcmp(h, hosts[i]))
            return true;
    return false;
}

/* A POST's Origin, when the browser sends one, must be this server's. */
static bool origin_ok(struct MHD_Connection *c)
{
    const char *o = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
    if (!o)
        return true;
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    if (!h)
        return false;
    const char *scheme = web_srv->tls ? "https://" : "http://";
    size_t sl = strlen(scheme);
    return !strncmp(o, scheme, sl) && !strcmp(o + sl, h);
}

/* A request's headers, before its body: the Host, Origin, size and session checks. Returns
 * MHD_YES to read on, or what sending a refusal returned. */
static enum MHD_Result begin(struct MHD_Connection *c, conn_state *st, const char *url,
                             const char *method)
{
    st->rq.path = st->path;
    st->rq.method = method;
    bool get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
    st->rq.post = !strcmp(method, "POST");
    if (!host_ok(c))
        return send_error(c, 403, "Forbidden",
                          "This address is not the one kinletter serve printed.");
    if (!get && !st->rq.post)
        return send_error(c, 405, "Method not allowed", "Only pages and forms are served.");
    /* Assets hold no personal data: served without a session (the 403 page uses them). */
    if (get && !strncmp(url, "/static/", 8))
        return MHD_YES;
    const char *cookie = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "kl_session");
    web_session *s = session_find(cookie);
    if (st->rq.post) {
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        if (cl && strtoull(cl, NULL, 10) > WEB_BODY_LIMIT)
            return send_error(c, 413, "The file is too large",
                              "Forms and uploads may be at most 2 MB.");
        if (!origin_ok(c))
            return send_error(c, 403, "Forbidden", "The form came from another site.");
    }
    bool login = !strcmp(url, "/login");
    if (login && web_srv->users_mode)
        ; /* the sign-in form: checked when the body is read */
    else if (!s || !s->authenticated) {
        if (get && !strcmp(url, "/") && !web_srv->users_mode)
            return MHD_YES; /* the token link: checked below */
        if (web_srv->users_mode && get) {
            web_response rs = {0};
            respond_redirect(&rs, "/login");
            return send_rs(c, &rs);
        }
        return send_error(c, 403, "Forbidden",
                          "Open the address kinletter serve printed (with its token).");
    }
    st->rq.session = s;
    if (s) {
        st->rq.csrf = s->csrf;
        st->rq.user = s->user[0] ? s->user : NULL;
    }
    if (st->rq.post) {
        st->pp = MHD_create_post_processor(c, 16 * 1024, post_iter, st);
        if (!st->pp)
            return send_error(c, 400, "Bad request", "The form could not be read.");
    }
    return MHD_YES;
}

/* The sign-in page, and its form (users mode). */
static enum MHD_Result sign_in(struct MHD_Connection *c, conn_state *st)
{
    web_response rs = {0};
    web_session *s = st->rq.session;
    if (!st->rq.post) {
        if (!s)
            s = session_new();
        rs.set_cookie = cookie_header(s);
        login_page(&st->rq, &rs, s, NULL);
        return send_rs(c, &rs);
    }
    if (!s || !same_secret(web_field_get(&st->rq, "csrf"), s->csrf))
        return send_error(c, 403, "Forbidden", "The form has expired: open it again.");
    const char *u = web_field_str(&st->rq, "username");
    const char *pw = web_field_str(&st->rq, "password");
    bool paused = strlen(u) < sizeof s->user && login_paused(u);
    bool ok = !paused && strlen(u) < sizeof s->user && users_check(web_srv->users_file, u, pw) == 0;
    if (!paused && strlen(u) < sizeof s->user)
        login_result(u, ok);
    if (ok) {
        /* A new session id on sign-in (no fixation). */
        web_session *ns = session_new();
        snprintf(ns->user, sizeof ns->user, "%s", u);
        ns->authenticated = true;
        memset(s, 0, sizeof *s);
        rs.set_cookie = cookie_header(ns);
        respond_redirect(&rs, "/reviews");
        return send_rs(c, &rs);
    }
    rs.set_cookie = cookie_header(s);
    login_page(&st->rq, &rs, s,
               paused ? "Too many wrong passwords for this user name: wait a minute and "
                        "try again"
                      : "The user name or password is not right");
    return send_rs(c, &rs);
}

/* "/": the token link makes a session (token mode); a session goes to the reviews. */
static enum MHD_Result token_link(struct MHD_Connection *c, conn_state *st)
{
    web_response rs = {0};
    if (st->rq.session && st->rq.session->authenticated) {
        respond_redirect(&rs, "/reviews");
        return send_rs(c, &rs);
    }
    const char *t = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token");
    if (web_srv->users_mode || !same_secret(t, token))
        return send_error(c, 403, "Forbidden",
                          "Open the address kinletter serve printed (with its token).");
    web_session *s = session_new();
    s->authenticated = true;
    rs.set_cookie = cookie_header(s);
    respond_redirect(&rs, "/reviews");
    return send_rs(c, &rs);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload_data,
                               size_t *upload_data_size, void **con_cls)
{
    (void)cls;
    (void)version;
    conn_state *st = *con_cls;
    if (!st) {
        st = calloc(1, sizeof *st);
        if (!st)
            return MHD_NO;
        *con_cls = st;
        st->path = strdup(url);
        if (!st->path)
            return MHD_NO;
        return begin(c, st, url, method);
    }
    if (*upload_data_size) {
        st->bytes += *upload_data_size;
        if (st->bytes > WEB_BODY_LIMIT)
            st->reject = 413;
        if (!st->reject && st->pp &&
            (MHD_post_process(st->pp, upload_data, *upload_data_size) != MHD_YES || st->oom))
            st->reject = 400;
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (st->reject == 413)
        return send_error(c, 413, "The file is too large",
                          "Forms and uploads may be at most 2 MB.");
    if (st->reject)
        return send_error(c, 400, "Bad request", "The form could not be read.");

    web_response rs = {0};
    if (!strncmp(url, "/static/", 8)) {
        if (!strcmp(url, "/static/kinletter.css"))
            serve_asset(&rs, datadir_css, "text/css; charset=utf-8");
        else if (!strcmp(url, "/static/kinletter.js"))
            serve_asset(&rs, datadir_js, "text/javascript; charset=utf-8");
        else
            respond_error(&rs, 404, "Page not found", "There is no such file.");
        return send_rs(c, &rs);
    }
    if (!strcmp(url, "/login") && web_srv->users_mode)
        return sign_in(c, st);
    if (!strcmp(url, "/"))
        return token_link(c, st);
    if (st->rq.post && !same_secret(web_field_get(&st->rq, "csrf"), st->rq.csrf))
        return send_error(c, 403, "Forbidden",
                          "The form has expired or did not come from this page: open it again.");
    if (st->rq.post && !strcmp(url, "/logout")) {
        /* Sign out: the session is forgotten and the cookie expired. */
        memset(st->rq.session, 0, sizeof *st->rq.session);
        rs.set_cookie = fmt("kl_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0%s",
                            web_srv->tls ? "; Secure" : "");
        respond_redirect(&rs, web_srv->users_mode ? "/login" : "/signed-out");
        return send_rs(c, &rs);
    }
    web_current = &st->rq;
    route(&st->rq, &rs);
    web_current = NULL;
    return send_rs(c, &rs);
}

/* ---- options and start ------------------------------------------------------------------------
 */

static void usage(FILE *out)
{
    fputs("Usage: kinletter serve [-o DIR] [--port N] [--listen ADDR] [--users FILE]\n"
          "                       [--tls-cert FILE --tls-key FILE] [--server-name NAME]\n"
          "       kinletter serve --hash-password < password\n"
          "\n"
          "Serve the coordinator's web page for the reviews in DIR (default ./letters):\n"
          "describe a review, add the family, preview every letter, generate the batch\n"
          "and keep the correspondence record, in a browser. Nothing leaves the machine.\n"
          "\n"
          "Options:\n"
          "  -o, --output DIR     the workspace (default ./letters), as for generate\n"
          "  --port N             the port (default 8470; 0 picks a free one)\n"
          "  --listen ADDR        the address to listen on (default 127.0.0.1); any address\n"
          "                       other than loopback needs --tls-cert, --tls-key and --users\n"
          "  --users FILE         named accounts, one `name:hash` a line (yescrypt hashes\n"
          "                       from --hash-password); sign-in replaces the token\n"
          "  --tls-cert FILE      a PEM certificate (chain) for HTTPS\n"
          "  --tls-key FILE       its PEM private key\n"
          "  --server-name NAME   a host name browsers use to reach the server (repeatable)\n"
          "  --hash-password      read a password on standard input, print its yescrypt hash\n"
          "\n"
          "The first line printed is the address to open, with a one-time secret token.\n"
          "Stop with Ctrl-C. See docs/WEB.md.\n",
          out);
}

static bool is_loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
    }
    return false;
}

/* A PEM certificate chain or key is a few kilobytes: a larger file is refused, by name. */
#define PEM_LIMIT (1u << 20)

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            cap = cap ? 2 * cap : 8192;
            if (cap > PEM_LIMIT) {
                free(buf);
                fclose(f);
                errno = EFBIG; /* the caller names the limit */
                return NULL;
            }
            char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        size_t r = fread(buf + n, 1, 4096, f);
        n += r;
        if (r < 4096)
            break;
    }
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

static int find_asset(kl_context *ctx, const char *rel, char *out)
{
    char *p = NULL;
    if (kl_context_find_data(ctx, rel, &p) != 0) {
        fprintf(stderr,
                "kinletter: error: %s was not found on the data path (is kinletter installed, or "
                "KINLETTER_DATADIR set?)\n",
                rel);
        return -1;
    }
    snprintf(out, PATH_MAX, "%s", p);
    kl_free(p);
    return 0;
}

/* The command's arguments. */
typedef struct serve_args {
    const char *dir, *listen_addr, *users, *cert, *key;
    const char *names[2]; /* --server-name, twice at most */
    size_t n_names;
    long port;
} serve_args;

/* Returns -1 when the command goes on, else its exit code (the reason printed). */
static int parse_args(int argc, char **argv, serve_args *a)
{
    *a = (serve_args){.dir = "letters", .listen_addr = "127.0.0.1", .port = 8470};
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        const char **slot = NULL;
        if (!strcmp(o, "--help") || !strcmp(o, "-h")) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(o, "--hash-password"))
            return users_hash_password();
        if (!strcmp(o, "-o") || !strcmp(o, "--output"))
            slot = &a->dir;
        else if (!strcmp(o, "--listen"))
            slot = &a->listen_addr;
        else if (!strcmp(o, "--users"))
            slot = &a->users;
        else if (!strcmp(o, "--tls-cert"))
            slot = &a->cert;
        else if (!strcmp(o, "--tls-key"))
            slot = &a->key;
        else if (!strcmp(o, "--server-name")) {
            if (a->n_names == 2) {
                fputs("kinletter: error: --server-name may be given twice at most\n", stderr);
                return 2;
            }
            slot = &a->names[a->n_names++];
        } else if (!strcmp(o, "--port")) {
            if (i + 1 >= argc) {
                fputs("kinletter: error: --port needs a value (see kinletter serve --help)\n",
                      stderr);
                return 2;
            }
            char *end = NULL;
            errno = 0;
            a->port = strtol(argv[++i], &end, 10);
            if (errno || !*argv[i] || *end || a->port < 0 || a->port > 65535) {
                fputs("kinletter: error: --port: give a number from 0 to 65535\n", stderr);
                return 2;
            }
            continue;
        } else {
            fprintf(stderr, "kinletter: error: unknown option '%s' (see kinletter serve --help)\n",
                    o);
            return 2;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "kinletter: error: %s needs a value (see kinletter serve --help)\n", o);
            return 2;
        }
        *slot = argv[++i];
    }
    for (size_t i = 0; i < a->n_names; i++)
        if (strlen(a->names[i]) > 253) { /* DNS's limit; hosts[] holds it with a port */
            fputs("kinletter: error: --server-name: a host name is at most 253 characters\n",
                  stderr);
            return 2;
        }
    if (!!a->cert != !!a->key) {
        fputs("kinletter: error: --tls-cert and --tls-key go together\n", stderr);
        return 2;
    }
    return -1;
}

/* The address: loopback, or TLS with named users (*ai: freeaddrinfo). Returns 0, or the exit
 * code (the reason printed). */
static int check_address(const serve_args *a, struct addrinfo **ai, bool *loopback)
{
    struct addrinfo hints = {0};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    char portstr[16];
    snprintf(portstr, sizeof portstr, "%ld", a->port);
    const char *lookup = !strcmp(a->listen_addr, "localhost") ? "127.0.0.1" : a->listen_addr;
    if (getaddrinfo(lookup, portstr, &hints, ai) != 0 || !*ai) {
        fprintf(stderr,
                "kinletter: error: --listen: '%s' is not an IP address (give one such as "
                "127.0.0.1 or 192.0.2.10)\n",
                a->listen_addr);
        return 2;
    }
    *loopback = is_loopback((*ai)->ai_addr);
    if (!*loopback && (!a->cert || !a->users)) {
        fprintf(stderr,
                "kinletter: error: --listen %s: serving beyond this machine needs HTTPS and named "
                "users: give --tls-cert FILE --tls-key FILE and --users FILE (docs/WEB.md, "
                "\"Running on a shared server\")\n",
                a->listen_addr);
        return 2;
    }
    if (a->cert && !MHD_is_feature_supported(MHD_FEATURE_TLS)) {
        fputs("kinletter: error: this libmicrohttpd was built without TLS (GnuTLS)\n", stderr);
        return 2;
    }
    if (a->users) {
        char why[256]; /* users.c's reasons: a line number and a short sentence */
        if (users_validate_file(a->users, why, sizeof why) != 0) {
            fprintf(stderr, "kinletter: %s: error: %s\n", a->users, why);
            return 2;
        }
    }
    return 0;
}

/* The certificate and key (allocated; NULL without TLS). Returns 0 or the exit code. */
static int read_pem(const serve_args *a, char **cert_pem, char **key_pem)
{
    if (!a->cert)
        return 0;
    *cert_pem = read_file(a->cert, NULL);
    *key_pem = *cert_pem ? read_file(a->key, NULL) : NULL;
    if (*cert_pem && *key_pem)
        return 0;
    const char *bad = *cert_pem ? a->key : a->cert;
    if (errno == EFBIG)
        fprintf(stderr,
                "kinletter: %s: error: the file is larger than 1 MiB, the limit for a "
                "PEM certificate or key (give the PEM file itself)\n",
                bad);
    else
        fprintf(stderr, "kinletter: %s: error: cannot be read: %s\n", bad, strerror(errno));
    return 2;
}

/* The server's state: the workspace, the library context and the page's assets. Returns 0
 * or the exit code. */
static int set_up(web_server *srv, const serve_args *a)
{
    pthread_mutex_init(&srv->gen.lock, NULL);
    srv->tls = a->cert != NULL;
    srv->users_mode = a->users != NULL;
    srv->users_file = a->users ? realpath(a->users, NULL) : NULL;
    if (kl_context_new(&srv->ctx) != 0) {
        fputs("kinletter: error: out of memory\n", stderr);
        return 1;
    }
    if (find_asset(srv->ctx, "web/kinletter.css", datadir_css) ||
        find_asset(srv->ctx, "web/kinletter.js", datadir_js))
        return 2;
    if (mkdir(a->dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "kinletter: %s: error: the directory cannot be made: %s\n", a->dir,
                strerror(errno));
        return 2;
    }
    srv->dir = realpath(a->dir, NULL);
    if (!srv->dir) {
        fprintf(stderr, "kinletter: %s: error: %s\n", a->dir, strerror(errno));
        return 2;
    }
    return 0;
}

/* The Host header values accepted (DNS rebinding): the address printed, localhost for
 * loopback, and the --server-name names; and the address printed: the first --server-name
 * when given (a wildcard address such as 0.0.0.0 is no address to open). */
static void accept_hosts(web_server *srv, const serve_args *a, bool loopback, bool v6,
                         unsigned port)
{
    if (loopback && !v6) {
        snprintf(hosts[n_hosts++], sizeof hosts[0], "127.0.0.1:%u", port);
        snprintf(hosts[n_hosts++], sizeof hosts[0], "localhost:%u", port);
    } else {
        snprintf(hosts[n_hosts++], sizeof hosts[0], v6 ? "[%s]:%u" : "%s:%u", a->listen_addr, port);
        if (loopback)
            snprintf(hosts[n_hosts++], sizeof hosts[0], "localhost:%u", port);
    }
    for (size_t i = 0; i < a->n_names; i++)
        snprintf(hosts[n_hosts++], sizeof hosts[0], "%s:%u", a->names[i], port);
    snprintf(srv->origin, sizeof srv->origin, "%s://%s", srv->tls ? "https" : "http",
             hosts[a->n_names ? n_hosts - a->n_names : 0]);
}

static struct MHD_Daemon *start_daemon(int fd, bool tls, const char *cert_pem, const char *key_pem)
{
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    if (tls)
        return MHD_start_daemon(
            flags | MHD_USE_TLS, 0, NULL, NULL, handler, NULL, MHD_OPTION_LISTEN_SOCKET, fd,
            MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_CONNECTION_TIMEOUT,
            (unsigned)60, MHD_OPTION_CONNECTION_LIMIT, (unsigned)64, MHD_OPTION_HTTPS_MEM_CERT,
            cert_pem, MHD_OPTION_HTTPS_MEM_KEY, key_pem, MHD_OPTION_END);
    return MHD_start_daemon(flags, 0, NULL, NULL, handler, NULL, MHD_OPTION_LISTEN_SOCKET, fd,
                            MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned)64, MHD_OPTION_END);
}

int kl_web_serve(int argc, char **argv)
{
    serve_args a;
    int status = parse_args(argc, argv, &a);
    if (status >= 0)
        return status;
    struct addrinfo *ai = NULL;
    bool loopback = false;
    char *cert_pem = NULL, *key_pem = NULL;
    if ((status = check_address(&a, &ai, &loopback)) != 0 ||
        (status = read_pem(&a, &cert_pem, &key_pem)) != 0) {
        free(cert_pem);
        free(key_pem);
        if (ai)
            freeaddrinfo(ai);
        return status;
    }

    static web_server srv;
    web_srv = &srv;
    if ((status = set_up(&srv, &a)) != 0)
        return status;

    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd >= 0)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 32) != 0) {
        fprintf(stderr, "kinletter: error: cannot listen on %s port %ld: %s\n", a.listen_addr,
                a.port, strerror(errno));
        freeaddrinfo(ai);
        return 2;
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    unsigned real_port = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                                                  : ntohs(((struct sockaddr_in *)&ss)->sin_port);
    bool v6 = ai->ai_family == AF_INET6;
    freeaddrinfo(ai);
    accept_hosts(&srv, &a, loopback, v6, real_port);
    random_hex(token);

    /* Signals go to this thread (sigwait), not to the server's. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct MHD_Daemon *d = start_daemon(fd, srv.tls, cert_pem, key_pem);
    if (!d) {
        fprintf(stderr, "kinletter: error: the web server could not start%s\n",
                srv.tls ? " (is the certificate and key a matching PEM pair?)" : "");
        close(fd);
        return 2;
    }
    if (srv.users_mode)
        printf("kinletter: serving %s at %s/login\n", a.dir, srv.origin);
    else
        printf("kinletter: serving %s at %s/?token=%s\n", a.dir, srv.origin, token);
    fflush(stdout);

    int sig = 0;
    sigwait(&sigs, &sig);
    MHD_stop_daemon(d);
    close(fd);
    pthread_mutex_lock(&srv.gen.lock);
    bool started = srv.gen.thread_started;
    pthread_mutex_unlock(&srv.gen.lock);
    if (started)
        pthread_join(srv.gen.thread, NULL);
    kl_pdf_renderer_free(srv.renderer);
    kl_catalog_set_free(srv.catalogs);
    kl_context_free(srv.ctx);
    free(srv.dir);
    free(srv.users_file);
    free(cert_pem);
    free(key_pem);
    fputs("kinletter: stopped\n", stderr);
    return 0;
}
