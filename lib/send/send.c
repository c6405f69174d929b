/* SPDX-License-Identifier: MIT */
/* send/send.c: the prepared email drafts submitted through an SMTP server with libcurl.
 * The module sits after record: it reads the drafts the batch wrote, asks the record
 * whether a draft was sent already and records each message the server accepts. */
#define _GNU_SOURCE
#include "core/core.h"
#include "core/fileio.h"
#include "kinletter/send.h"
#include "mail/mail.h"
#include "record/record_internal.h"
#include "review/review_internal.h"

#include <arpa/inet.h>
#include <assert.h>
#include <curl/curl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* A draft is a letter of a few pages: far below this. */
#define MAX_DRAFT (64u * 1024u * 1024u)

typedef struct item {
    kl_send_item pub;
    char *member_id, *to, *file, *sha256, *reply;
} item;

struct kl_send_result {
    item *items;
    size_t n;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_start(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

const char *kl_send_status_name(kl_send_status status)
{
    switch (status) {
    case KL_SEND_SENT:
        return "sent";
    case KL_SEND_WOULD_SEND:
        return "would-send";
    case KL_SEND_ALREADY_SENT:
        return "already-sent";
    case KL_SEND_REFUSED:
        return "refused";
    case KL_SEND_NOT_SENT:
        return "not-sent";
    }
    return "unknown";
}

void kl_send_result_free(kl_send_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++) {
        kl_free(r->items[i].member_id);
        kl_free(r->items[i].to);
        kl_free(r->items[i].file);
        kl_free(r->items[i].sha256);
        kl_free(r->items[i].reply);
    }
    kl_free(r->items);
    kl_free(r);
}

size_t kl_send_result_count(const kl_send_result *r)
{
    return r ? r->n : 0;
}

const kl_send_item *kl_send_result_item(const kl_send_result *r, size_t i)
{
    return r && i < r->n ? &r->items[i].pub : NULL;
}

/* A server's reply as it may be kept and shown: one line of printable ASCII, at most
 * 200 bytes, every word with an '@' in it (an address) replaced by "<address>". */
static char *clean_reply(const char *s)
{
    kl_buf b = KL_BUF_INIT;
    const char *p = s ? s : "";
    while (*p && b.len < 200) {
        if (*p == ' ') {
            kl_core__buf_puts(&b, " ");
            p++;
            continue;
        }
        size_t n = strcspn(p, " ");
        if (memchr(p, '@', n)) {
            kl_core__buf_puts(&b, "<address>");
        } else {
            for (size_t i = 0; i < n; i++)
                kl_core__buf_printf(&b, "%c", (p[i] >= 0x20 && p[i] < 0x7f) ? p[i] : '?');
        }
        p += n;
    }
    return kl_core__buf_detach(&b);
}

static int set_reply(item *it, const char *text)
{
    kl_free(it->reply);
    it->reply = clean_reply(text);
    return it->reply ? 0 : KL_ENOMEM;
}

/* ---- the server's URL ---------------------------------------------------------------- */

static bool is_loopback(const char *host)
{
    char h[256];
    size_t n = strlen(host);
    if (n >= sizeof h)
        return false;
    /* curl gives an IPv6 literal in brackets. */
    if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
        memcpy(h, host + 1, n - 2);
        h[n - 2] = '\0';
    } else {
        memcpy(h, host, n + 1);
    }
    if (strcasecmp(h, "localhost") == 0)
        return true;
    unsigned char a[16];
    if (inet_pton(AF_INET, h, a) == 1)
        return a[0] == 127;
    if (inet_pton(AF_INET6, h, a) == 1) {
        static const unsigned char one[16] = {[15] = 1};
        static const unsigned char v4[12] = {[10] = 0xff, [11] = 0xff};
        return memcmp(a, one, 16) == 0 || (memcmp(a, v4, 12) == 0 && a[12] == 127);
    }
    return false; /* any other name: DNS decides where it goes, so TLS is required */
}

typedef struct server {
    char url[512]; /* scheme://host:port */
    bool implicit_tls, loopback;
} server;

static int parse_url(kl_context *ctx, const char *url, server *sv)
{
    CURLU *u = curl_url();
    if (!u)
        return kl_core__oom(ctx);
    char *scheme = NULL, *host = NULL, *port = NULL, *user = NULL, *pw = NULL, *path = NULL,
         *query = NULL;
    int rc = 0;
    if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host || !*host) {
        rc =
            kl_core__error(ctx, KL_EINVAL, KL_NOWHERE, "give smtp://HOST:PORT or smtps://HOST:PORT",
                           "the SMTP server's URL cannot be read");
        goto done;
    }
    if (strcasecmp(scheme, "smtp") != 0 && strcasecmp(scheme, "smtps") != 0) {
        rc =
            kl_core__error(ctx, KL_EINVAL, KL_NOWHERE, "give smtp://HOST:PORT or smtps://HOST:PORT",
                           "the server's URL is not smtp:// or smtps://");
        goto done;
    }
    curl_url_get(u, CURLUPART_USER, &user, 0);
    curl_url_get(u, CURLUPART_PASSWORD, &pw, 0);
    curl_url_get(u, CURLUPART_PATH, &path, 0);
    curl_url_get(u, CURLUPART_QUERY, &query, 0);
    if (user || pw) {
        rc = kl_core__error(ctx, KL_EINVAL, KL_NOWHERE,
                            "give the user name and password in a credentials file",
                            "the server's URL holds a user name or password");
        goto done;
    }
    if ((path && strcmp(path, "/") != 0 && *path) || query) {
        rc =
            kl_core__error(ctx, KL_EINVAL, KL_NOWHERE, "give smtp://HOST:PORT or smtps://HOST:PORT",
                           "the server's URL has a path or query");
        goto done;
    }
    sv->implicit_tls = strcasecmp(scheme, "smtps") == 0;
    sv->loopback = is_loopback(host);
    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
    int w = snprintf(sv->url, sizeof sv->url, "%s://%s:%s", sv->implicit_tls ? "smtps" : "smtp",
                     host, port ? port : (sv->implicit_tls ? "465" : "587"));
    /* curl's default for smtp:// is 25; the submission port is 587. */
    if (!sv->implicit_tls) {
        char *given = NULL;
        if (curl_url_get(u, CURLUPART_PORT, &given, 0) != CURLUE_OK || !given)
            w = snprintf(sv->url, sizeof sv->url, "smtp://%s:587", host);
        curl_free(given);
    }
    if (w < 0 || (size_t)w >= sizeof sv->url)
        rc = kl_core__error(ctx, KL_ELIMIT, KL_NOWHERE, "give the server by a shorter name",
                            "the SMTP server's URL is longer than %zu characters",
                            sizeof sv->url - 1);
done:
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(user);
    curl_free(pw);
    curl_free(path);
    curl_free(query);
    curl_url_cleanup(u);
    return rc;
}

/* ---- one message ------------------------------------------------------------------- */

typedef struct upload {
    const unsigned char *data;
    size_t len, at;
} upload;

static size_t read_cb(char *buf, size_t size, size_t n, void *userdata)
{
    upload *u = userdata;
    size_t want = size * n, left = u->len - u->at;
    size_t k = want < left ? want : left;
    memcpy(buf, u->data + u->at, k);
    u->at += k;
    return k;
}

/* The server's replies, never our commands (AUTH carries the password): the last line.
 * A reply line is at most 512 octets with its CRLF (RFC 5321, 4.5.3.1.5), so `last`
 * holds any a conforming server sends; a longer one is cut at 511. */
typedef struct replies {
    char last[512];
} replies;

static int debug_cb(CURL *h, curl_infotype type, char *data, size_t size, void *userdata)
{
    (void)h;
    replies *r = userdata;
    if (type != CURLINFO_HEADER_IN)
        return 0;
    size_t end = size;
    while (end && (data[end - 1] == '\n' || data[end - 1] == '\r'))
        end--;
    if (!end)
        return 0;
    /* The reply to QUIT says nothing about the message. */
    if (size >= 4 && memcmp(data, "221 ", 4) == 0)
        return 0;
    size_t start = end;
    while (start && data[start - 1] != '\n')
        start--;
    size_t n = end - start < sizeof r->last - 1 ? end - start : sizeof r->last - 1;
    memcpy(r->last, data + start, n);
    r->last[n] = '\0';
    return 0;
}

/* A result that means the connection is gone (or never was), not that this message
 * was refused: nothing more can be sent. */
static bool connection_lost(CURLcode c, long code)
{
    if (code >= 400 && code <= 599 && c != CURLE_USE_SSL_FAILED && c != CURLE_LOGIN_DENIED)
        return false;
    return c != CURLE_OK;
}

/* ---- the record --------------------------------------------------------------------- */

/* The day this draft (by its SHA-256) was recorded as sent to the member, or "". */
static void sent_before(kl_record *rec, const kl_review *rv, const char *member_id, const char *sha,
                        char date[11])
{
    date[0] = '\0';
    if (!rec)
        return;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(kl_record__db(rec),
                           "SELECT date FROM event WHERE review_id = ?1 AND member_id = ?2 AND "
                           "kind = 'sent' AND sha256 = ?3 ORDER BY id LIMIT 1",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, kl_review_id(rv), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, member_id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, sha, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
            snprintf(date, 11, "%s", (const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
}

/* ---- the batch ---------------------------------------------------------------------- */

static const char *member_email(const kl_member *m)
{
    if (m->contact_none)
        return NULL;
    for (size_t i = 0; i < m->n_contacts; i++)
        if (m->contacts[i].channel == KL_CHANNEL_EMAIL && m->contacts[i].email)
            return m->contacts[i].email;
    return NULL;
}

static char *safe_name(const char *s)
{
    char *out = kl_core__strdup(s && *s ? s : "_");
    if (!out)
        return NULL;
    for (char *p = out; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '.' || *p == '_' || *p == '-'))
            *p = '_';
    if (out[0] == '.')
        out[0] = '_';
    return out;
}

typedef struct sender {
    kl_context *ctx;
    const kl_review *rv;
    kl_send_options o;
    server sv;
    CURL *h;
    char *dir;
    const char *letter;
    bool lost;      /* the connection went: nothing more is sent */
    size_t lost_at; /* the item in flight when it went */
    int stop_rc;    /* a message was sent but not recorded: nothing more is sent */
} sender;

static int send_one(sender *s, item *it, const unsigned char *eml, size_t len, const char *from,
                    bool *lost)
{
    *lost = false;
    CURL *h = s->h;
    upload up = {eml, len, 0};
    replies rep = {""};
    kl_buf mfrom = KL_BUF_INIT, rcpt = KL_BUF_INIT;
    kl_core__buf_printf(&mfrom, "<%s>", from);
    kl_core__buf_printf(&rcpt, "<%s>", it->to);
    struct curl_slist *rcpts = rcpt.oom ? NULL : curl_slist_append(NULL, rcpt.data);
    kl_core__buf_free(&rcpt);
    if (!rcpts || mfrom.oom) {
        curl_slist_free_all(rcpts);
        kl_core__buf_free(&mfrom);
        return kl_core__oom(s->ctx);
    }
    curl_easy_setopt(h, CURLOPT_URL, s->sv.url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(h, CURLOPT_USE_SSL,
                     s->sv.loopback && !s->sv.implicit_tls ? (long)CURLUSESSL_TRY
                                                           : (long)CURLUSESSL_ALL);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (s->o.ca_file)
        curl_easy_setopt(h, CURLOPT_CAINFO, s->o.ca_file);
    if (s->o.username) {
        curl_easy_setopt(h, CURLOPT_USERNAME, s->o.username);
        curl_easy_setopt(h, CURLOPT_PASSWORD, s->o.password ? s->o.password : "");
    }
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, mfrom.data);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpts);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(h, CURLOPT_READDATA, &up);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
    curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, debug_cb);
    curl_easy_setopt(h, CURLOPT_DEBUGDATA, &rep);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    long t = s->o.timeout > 0 ? s->o.timeout : 60;
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, t);
    curl_easy_setopt(h, CURLOPT_SERVER_RESPONSE_TIMEOUT, t);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, t);
    CURLcode c = curl_easy_perform(h);
    /* The code of the last reply about this message (not CURLINFO_RESPONSE_CODE,
     * which may be the reply to QUIT). */
    long code = 0;
    if (rep.last[0] >= '1' && rep.last[0] <= '5')
        code = strtol(rep.last, NULL, 10);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, NULL);
    curl_slist_free_all(rcpts);
    kl_core__buf_free(&mfrom);
    int rc = 0;
    if (c == CURLE_OK) {
        it->pub.status = KL_SEND_SENT;
        rc = set_reply(it, rep.last);
    } else if (!connection_lost(c, code)) {
        it->pub.status = KL_SEND_REFUSED;
        rc = set_reply(it, rep.last[0] ? rep.last : curl_easy_strerror(c));
    } else {
        *lost = true;
        it->pub.status = KL_SEND_NOT_SENT;
        char why[300];
        if (c == CURLE_USE_SSL_FAILED)
            snprintf(why, sizeof why,
                     "not sent: the server does not offer STARTTLS (TLS is "
                     "required unless the server is on this machine)");
        else if (c == CURLE_LOGIN_DENIED)
            snprintf(why, sizeof why, "not sent: the server refused the user name or password");
        else
            snprintf(why, sizeof why, "not sent: %s", curl_easy_strerror(c));
        rc = set_reply(it, why);
    }
    return rc;
}

static int record_sent(sender *s, item *it)
{
    if (!s->o.record)
        return 0;
    kl_buf note = KL_BUF_INIT;
    kl_core__buf_printf(&note, "SMTP: %s", it->reply ? it->reply : "");
    if (note.oom)
        return kl_core__oom(s->ctx);
    kl_record_event e = KL_RECORD_EVENT_INIT;
    e.member_id = it->member_id;
    e.event = "sent";
    e.channel = "email";
    e.letter = s->letter;
    e.file = it->file;
    e.sha256 = it->sha256;
    e.note = note.data;
    int rc = kl_record_add_events(s->ctx, s->o.record, s->rv, &e, 1, NULL);
    kl_core__buf_free(&note);
    return rc;
}

/* DIR/<review id>/<template>: the batch directory generate wrote, or an error. */
static int batch_dir(sender *s, const char *output_dir, kl_buf *dir)
{
    char *rid = safe_name(kl_review_id(s->rv)), *tname = safe_name(s->letter);
    kl_core__buf_printf(dir, "%s/%s/%s", output_dir ? output_dir : "letters", rid ? rid : "",
                        tname ? tname : "");
    bool oom = !rid || !tname || dir->oom;
    kl_free(rid);
    kl_free(tname);
    if (oom)
        return kl_core__oom(s->ctx);
    if (access(dir->data, F_OK) != 0)
        return kl_core__error(s->ctx, KL_ENOTFOUND, KL_AT(dir->data, 0, 0),
                              "run generate first, with the same output directory and template",
                              "there is no batch directory for this review and template");
    return 0;
}

/* The draft at path with its sender and recipients, read under a context of its
 * own: a draft that cannot be read is one member's outcome, not the batch's error. */
static int read_draft(const char *path, char **eml, size_t *len, char **from, char **to,
                      size_t *n_to)
{
    kl_context *quiet = NULL;
    int rc;
    if (kl_context_new(&quiet))
        return KL_ENOMEM;
    if ((rc = kl_core__read_file(quiet, path, MAX_DRAFT, eml, len)) < 0)
        goto done;
    rc = kl_mail__addresses(quiet, (unsigned char *)*eml, *len, from, to, n_to);
done:
    kl_context_free(quiet);
    return rc;
}

/* A draft that is the member's: sent unless the record says it was, or this is a dry run. */
static int send_checked(sender *s, item *it, size_t at, const char *member_id, char *eml,
                        size_t len, const char *from)
{
    char sha[65], when[11];
    kl_core__sha256_hex(eml, len, sha);
    kl_free(it->sha256);
    it->sha256 = kl_core__strdup(sha);
    sent_before(s->o.record, s->rv, member_id, sha, when);
    if (!it->sha256)
        return kl_core__oom(s->ctx);
    if (when[0]) {
        char why[64];
        snprintf(why, sizeof why, "sent on %s (the record says)", when);
        it->pub.status = KL_SEND_ALREADY_SENT;
        return set_reply(it, why);
    }
    if (s->o.dry_run) {
        it->pub.status = KL_SEND_WOULD_SEND;
        return set_reply(it, "");
    }
    s->lost_at = at;
    if (!s->h && !(s->h = curl_easy_init()))
        return kl_core__error(s->ctx, KL_EBACKEND, KL_NOWHERE, NULL,
                              "libcurl could not start a transfer");
    int rc;
    if ((rc = send_one(s, it, (unsigned char *)eml, len, from, &s->lost)) < 0)
        return rc;
    /* Sent, but the record could not say so: stop, so that no unrecorded
     * message is followed by more. */
    if (it->pub.status == KL_SEND_SENT && (rc = record_sent(s, it)) != 0)
        s->stop_rc = rc;
    return 0;
}

/* The draft at path, read and checked against the review before it is sent. */
static int send_draft(sender *s, item *it, size_t at, const kl_member *m, const char *to,
                      const char *path)
{
    char *eml = NULL, *from = NULL, *eml_to = NULL;
    size_t len = 0, n_to = 0;
    int rc, r = read_draft(path, &eml, &len, &from, &eml_to, &n_to);
    if (r == KL_ENOMEM)
        rc = kl_core__oom(s->ctx);
    else if (r)
        rc = set_reply(it, "not sent: the draft cannot be read as an email; generate "
                           "the letters again");
    else if (n_to != 1 || strcasecmp(eml_to, to) != 0)
        /* The review changed since the draft was made, or the file was
         * edited: never send a letter to an address the review does not give. */
        rc = set_reply(it, "not sent: the draft's recipient is not the member's email "
                           "address in the review; generate the letters again");
    else
        rc = send_checked(s, it, at, m->id, eml, len, from);
    kl_free(eml);
    kl_free(from);
    kl_free(eml_to);
    return rc;
}

/* One email member: a new item in res saying what happened to its draft. */
static int send_member(sender *s, kl_send_result *res, const kl_member *m, const char *to)
{
    assert(res->n < kl_review_member_count(s->rv)); /* one item per member at most */
    item *it = &res->items[res->n++];
    kl_buf file = KL_BUF_INIT, path = KL_BUF_INIT;
    kl_core__buf_printf(&file, "%s-email.eml", m->id);
    kl_core__buf_printf(&path, "%s/%s-email.eml", s->dir, m->id);
    it->member_id = kl_core__strdup(m->id);
    it->to = kl_core__strdup(to);
    it->file = file.oom ? NULL : kl_core__buf_detach(&file);
    it->sha256 = kl_core__strdup("");
    it->pub.status = KL_SEND_NOT_SENT;
    int rc;
    if (!it->member_id || !it->to || !it->file || !it->sha256 || path.oom)
        rc = kl_core__oom(s->ctx);
    else if (s->lost || s->stop_rc)
        rc = set_reply(it, s->stop_rc ? "not sent: the batch stopped (see the message above)"
                                      : "not sent: the connection to the server was lost first");
    else if (access(path.data, F_OK) != 0)
        rc = set_reply(it, "not sent: there is no draft for this member (generate has not "
                           "written one)");
    else
        rc = send_draft(s, it, res->n - 1, m, to, path.data);
    kl_core__buf_free(&file);
    kl_core__buf_free(&path);
    if (!rc && !it->reply)
        rc = set_reply(it, "");
    return rc;
}

int kl_send_batch(kl_context *ctx, const kl_review *review, const kl_send_options *opts,
                  kl_send_result **out)
{
    kl_context_clear_error(ctx);
    if (!ctx || !review || !opts || !out || !opts->url || opts->version < 1 ||
        opts->version > KL_SEND_OPTIONS_VERSION)
        return kl_core__einval(ctx, __func__);
    *out = NULL;
    sender s = {ctx, review, *opts, {"", false, false}, NULL, NULL, NULL, false, 0, 0};
    int rc = parse_url(ctx, opts->url, &s.sv);
    if (rc)
        return rc;
    pthread_once(&curl_once, curl_start);
    if (curl_init_rc != CURLE_OK)
        return kl_core__error(ctx, KL_EBACKEND, KL_NOWHERE, NULL, "libcurl could not start");
    s.letter = opts->template_name ? opts->template_name : "notification";
    kl_buf dir = KL_BUF_INIT;
    kl_send_result *res = NULL;
    if ((rc = batch_dir(&s, opts->output_dir, &dir)) < 0)
        goto done;
    s.dir = dir.data;
    size_t n = kl_review_member_count(review);
    if (!(res = kl_core__calloc(1, sizeof *res)) ||
        !(res->items = kl_core__calloc(n ? n : 1, sizeof *res->items))) {
        rc = kl_core__oom(ctx);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        /* Each member with an email contact made for its address and freed (the review keeps
         * members' texts, not their details: review.c). */
        const kl_member_brief *br = kl_review__brief(review, i);
        if (br->contact_none || !(br->channels >> KL_CHANNEL_EMAIL & 1u))
            continue;
        kl_member *m = NULL;
        if ((rc = kl_review__member_make(review, i, &m)) < 0) {
            rc = rc == KL_ENOMEM ? kl_core__oom(ctx)
                                 : kl_core__error(ctx, rc, KL_NOWHERE, NULL,
                                                  "member %s cannot be read again", br->id);
            goto done;
        }
        const char *to = member_email(m);
        rc = to ? send_member(&s, res, m, to) : 0;
        kl_review__member_free(m);
        if (rc < 0)
            goto done;
    }
done:
    if (s.h)
        curl_easy_cleanup(s.h); /* QUIT */
    for (size_t i = 0; res && i < res->n; i++) {
        item *it = &res->items[i];
        it->pub = (kl_send_item){
            it->member_id ? it->member_id : "", it->to ? it->to : "", it->file ? it->file : "",
            it->sha256 ? it->sha256 : "",       it->pub.status,       it->reply ? it->reply : ""};
    }
    kl_core__buf_free(&dir);
    if (rc) {
        kl_send_result_free(res);
        return rc == KL_ENOMEM ? kl_core__oom(ctx) : rc;
    }
    *out = res;
    if (s.stop_rc)
        return s.stop_rc; /* the record's error is the context's */
    if (s.lost) {
        assert(s.lost_at < res->n); /* send_checked set it before sending */
        const kl_send_item *x = &res->items[s.lost_at].pub;
        const char *why = strncmp(x->reply, "not sent: ", 10) == 0 ? x->reply + 10 : x->reply;
        return kl_core__error(ctx, KL_EIO, (kl_where){NULL, 0, 0, x->member_id},
                              "the members not sent can be sent later: run send again (what was "
                              "sent is recorded and is not sent twice)",
                              "sending stopped: %s", why);
    }
    return 0;
}
