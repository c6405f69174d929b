/* SPDX-License-Identifier: MIT */
/* record/record.c: the correspondence record: an append-only event log in SQLite
 * (WAL, versioned schema with migrations) and the views and status on top of it
 * (docs/RECORD.md). */
#include "record/record_internal.h"
#include "review/review_internal.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void (*kl_record__after_insert)(size_t i);

/* "KLRC": marks a SQLite file as a kinletter record (PRAGMA application_id). */
#define KL_RECORD_APP_ID 0x4b4c5243

struct kl_record {
    sqlite3 *db;
    char *path;
    int version;
};

/* ---- schema and migrations ------------------------------------------------------
 * migrations[v] takes a record from version v to v + 1. Never edit a migration
 * that has shipped: add the next one. The views are dropped and made again
 * after every migration, so they always match the newest tables. */
static const char *const migrations[] = {
    /* 0 -> 1: the event log. */
    "CREATE TABLE event("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " recorded_at TEXT NOT NULL," /* UTC, YYYY-MM-DDTHH:MM:SSZ */
    " actor TEXT NOT NULL,"       /* who recorded it: the OS user name */
    " review_id TEXT NOT NULL,"
    " member_id TEXT NOT NULL,"
    " kind TEXT NOT NULL,"
    " channel TEXT NOT NULL DEFAULT '',"
    " date TEXT NOT NULL," /* the day it happened, YYYY-MM-DD */
    " letter TEXT NOT NULL DEFAULT '',"
    " file TEXT NOT NULL DEFAULT '',"
    " sha256 TEXT NOT NULL DEFAULT '',"
    " pages INTEGER NOT NULL DEFAULT 0,"
    " note TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX event_member ON event(review_id, member_id);"
    "CREATE TRIGGER event_no_update BEFORE UPDATE ON event"
    " BEGIN SELECT RAISE(ABORT, 'the record is append-only'); END;"
    "CREATE TRIGGER event_no_delete BEFORE DELETE ON event"
    " BEGIN SELECT RAISE(ABORT, 'the record is append-only'); END;",
    /* 1 -> 2: questions and answers. */
    "ALTER TABLE event ADD COLUMN question INTEGER;"
    "ALTER TABLE event ADD COLUMN text TEXT NOT NULL DEFAULT '';"
    "CREATE UNIQUE INDEX question_number ON event(review_id, question)"
    " WHERE kind = 'question';",
};

static const char views[] =
    "DROP VIEW IF EXISTS letters; DROP VIEW IF EXISTS correspondence;"
    "DROP VIEW IF EXISTS questions; DROP VIEW IF EXISTS audit;"
    "CREATE VIEW letters AS SELECT id, review_id, member_id, kind AS outcome, letter, date,"
    " file, sha256, pages, note AS reason, actor, recorded_at FROM event"
    " WHERE kind IN ('written', 'failed', 'not-contacted');"
    "CREATE VIEW correspondence AS SELECT id, review_id, member_id, kind AS event, channel,"
    " letter, date, note, actor, recorded_at FROM event WHERE kind IN ('sent', 'returned',"
    " 'bounced', 'replied', 'wants-to-take-part', 'declined', 'met', 'phoned', 'withdrew');"
    "CREATE VIEW questions AS SELECT q.review_id, q.question AS number, q.member_id,"
    " q.date AS asked, q.actor AS recorded_by, q.text AS question, a.date AS answered,"
    " a.text AS answer, a.actor AS answered_by FROM event q LEFT JOIN event a ON a.id ="
    " (SELECT max(x.id) FROM event x WHERE x.kind = 'answer' AND x.review_id = q.review_id"
    " AND x.question = q.question) WHERE q.kind = 'question';"
    "CREATE VIEW audit AS SELECT id, recorded_at, actor, review_id, member_id, kind, channel,"
    " date, letter, question FROM event ORDER BY id;";

#define N_MIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))
_Static_assert(sizeof migrations / sizeof migrations[0] == KL_RECORD_SCHEMA_VERSION,
               "one migration per schema version");

/* ---- errors ----------------------------------------------------------------------- */
static int sql_code(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return KL_EBUSY;
    case SQLITE_NOMEM:
        return KL_ENOMEM;
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
        return KL_EIO;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return KL_EFORMAT;
    default:
        return KL_EBACKEND;
    }
}

static int sql_error(kl_context *ctx, kl_record *rec, int rc, const char *doing)
{
    int code = sql_code(rc);
    const char *hint = code == KL_EBUSY     ? "another program is writing the record: try again"
                       : code == KL_EIO     ? "check the disk has room and the file can be written"
                       : code == KL_EFORMAT ? "the file is not a kinletter record, or is damaged"
                                            : NULL;
    return kl_core__error(ctx, code, KL_AT(rec ? rec->path : NULL, 0, 0), hint,
                          "the record could not be %s: %s", doing,
                          rec && rec->db ? sqlite3_errmsg(rec->db) : sqlite3_errstr(rc));
}

static int exec(kl_context *ctx, kl_record *rec, const char *sql, const char *doing)
{
    int rc = sqlite3_exec(rec->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : sql_error(ctx, rec, rc, doing);
}

static int pragma_int(sqlite3 *db, const char *sql, int *out)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            *out = sqlite3_column_int(st, 0);
            rc = SQLITE_OK;
        }
    }
    sqlite3_finalize(st);
    return rc;
}

/* ---- opening ---------------------------------------------------------------------- */
static int migrate(kl_context *ctx, kl_record *rec)
{
    int rc;
    if ((rc = exec(ctx, rec, "BEGIN IMMEDIATE", "locked for its schema")) != 0)
        return rc;
    int version = 0, app = 0, tables = 0;
    if ((rc = pragma_int(rec->db, "PRAGMA user_version", &version)) != SQLITE_OK ||
        (rc = pragma_int(rec->db, "PRAGMA application_id", &app)) != SQLITE_OK ||
        (rc = pragma_int(rec->db, "SELECT count(*) FROM sqlite_master", &tables)) != SQLITE_OK) {
        rc = sql_error(ctx, rec, rc, "read");
        goto done;
    }
    if ((version == 0 && tables > 0) || (version > 0 && app != KL_RECORD_APP_ID)) {
        rc = kl_core__error(ctx, KL_EFORMAT, KL_AT(rec->path, 0, 0),
                            "choose another file for the record",
                            "the file is a database but not a kinletter record");
        goto done;
    }
    if (version > KL_RECORD_SCHEMA_VERSION) {
        rc = kl_core__error(ctx, KL_EFORMAT, KL_AT(rec->path, 0, 0),
                            "use the kinletter that wrote it, or a newer one",
                            "the record has schema version %d; this kinletter knows up to %d",
                            version, KL_RECORD_SCHEMA_VERSION);
        goto done;
    }
    if (version < KL_RECORD_SCHEMA_VERSION) {
        for (int v = version; v < N_MIGRATIONS; v++)
            if ((rc = exec(ctx, rec, migrations[v], "migrated")) != 0)
                goto done;
        char sql[96];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d; PRAGMA application_id = %d",
                 KL_RECORD_SCHEMA_VERSION, KL_RECORD_APP_ID);
        if ((rc = exec(ctx, rec, views, "migrated")) != 0 ||
            (rc = exec(ctx, rec, sql, "migrated")) != 0)
            goto done;
    }
    if ((rc = exec(ctx, rec, "COMMIT", "migrated")) != 0)
        goto done;
    rec->version = KL_RECORD_SCHEMA_VERSION;
done:
    if (rc)
        sqlite3_exec(rec->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

int kl_record_open(kl_context *ctx, const char *path, unsigned flags, kl_record **out)
{
    kl_context_clear_error(ctx);
    if (!ctx || !path || !*path || !out || (flags & ~KL_RECORD_CREATE))
        return kl_core__einval(ctx, __func__);
    *out = NULL;
    struct stat sb;
    if (stat(path, &sb) != 0) {
        if (errno != ENOENT)
            return kl_core__error(ctx, KL_EIO, KL_AT(path, 0, 0), NULL,
                                  "the record cannot be read: %s", strerror(errno));
        if (!(flags & KL_RECORD_CREATE))
            return kl_core__error(ctx, KL_ENOTFOUND, KL_AT(path, 0, 0),
                                  "letters generated for the review start the record",
                                  "there is no record here yet");
        /* Private from the start: the record names the family. */
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0 && errno != EEXIST)
            return kl_core__error(ctx, KL_EIO, KL_AT(path, 0, 0),
                                  "check the directory exists and can be written",
                                  "the record cannot be made: %s", strerror(errno));
        if (fd >= 0) {
            fchmod(fd, 0600);
            close(fd);
        }
    } else if (!S_ISREG(sb.st_mode)) {
        return kl_core__error(ctx, KL_EIO, KL_AT(path, 0, 0), NULL, "the record is not a file");
    }
    kl_record *rec = kl_core__calloc(1, sizeof *rec);
    if (!rec || !(rec->path = kl_core__strdup(path))) {
        kl_free(rec);
        return kl_core__oom(ctx);
    }
    int rc = sqlite3_open_v2(path, &rec->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL);
    if (rc != SQLITE_OK) {
        rc = sql_error(ctx, rec, rc, "opened");
        kl_record_close(rec);
        return rc;
    }
    sqlite3_busy_timeout(rec->db, 10000);
    sqlite3_extended_result_codes(rec->db, 1);
    /* WAL: readers never wait for the writer; FULL: a committed event survives a
     * power cut. */
    if ((rc = exec(ctx, rec, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL", "opened")) !=
            0 ||
        (rc = migrate(ctx, rec)) != 0) {
        kl_record_close(rec);
        return rc;
    }
    *out = rec;
    return 0;
}

void kl_record_close(kl_record *rec)
{
    if (!rec)
        return;
    sqlite3_close_v2(rec->db);
    kl_free(rec->path);
    kl_free(rec);
}

sqlite3 *kl_record__db(kl_record *rec)
{
    return rec->db;
}

int kl_record_schema_version(const kl_record *rec)
{
    return rec ? rec->version : 0;
}

/* ---- dates ----------------------------------------------------------------------- */
static long days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(long z, char out[11])
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long y = yoe + era * 400;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    long d = doy - (153 * mp + 2) / 5 + 1;
    long m = mp < 10 ? mp + 3 : mp - 9;
    char tmp[80];
    snprintf(tmp, sizeof tmp, "%04ld-%02ld-%02ld", y + (m <= 2), m, d);
    snprintf(out, 11, "%.10s", tmp);
}

static int day_number(const char *s, long *out)
{
    int y, m, d;
    if (kl_core__civil_date(s, &y, &m, &d) != 0)
        return -1;
    *out = days_from_civil(y, m, d);
    return 0;
}

void kl_record__add_days(const char *date, int days, char out[11])
{
    long x;
    if (day_number(date, &x) != 0) {
        out[0] = '\0';
        return;
    }
    civil_from_days(x + days, out);
}

int kl_record__days_between(const char *a, const char *b, int *days)
{
    long x, y;
    if (day_number(a, &x) != 0 || day_number(b, &y) != 0)
        return -1;
    *days = (int)(y - x);
    return 0;
}

static void today_string(char out[11])
{
    time_t t = time(NULL);
    struct tm tm;
    if (!localtime_r(&t, &tm))
        memset(&tm, 0, sizeof tm);
    char tmp[80];
    snprintf(tmp, sizeof tmp, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    snprintf(out, 11, "%.10s", tmp);
}

static void now_utc(char out[21])
{
    time_t t = time(NULL);
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        memset(&tm, 0, sizeof tm);
    strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A date an event may carry: a real day, not after today. */
static int check_date(kl_context *ctx, const char *date, const char *field, const char *member_id,
                      char out[11])
{
    char today[11];
    today_string(today);
    if (!date) {
        memcpy(out, today, 11);
        return 0;
    }
    kl_where w = {NULL, 0, 0, member_id};
    int r = kl_core__civil_date(date, NULL, NULL, NULL);
    if (r == -1)
        return kl_core__error(ctx, KL_EINVAL, w, "write the date as YYYY-MM-DD",
                              "%s is not a date in the form YYYY-MM-DD", field);
    if (r != 0)
        return kl_core__error(ctx, KL_EINVAL, w, "check the day and the month",
                              "%s is not a day of the calendar", field);
    if (strcmp(date, today) > 0)
        return kl_core__error(ctx, KL_EINVAL, w, "record what has happened, on the day it happened",
                              "%s is after today", field);
    memcpy(out, date, 11);
    return 0;
}

static void actor_name(char *out, size_t cap)
{
    struct passwd pw, *res = NULL;
    char buf[1024];
    if (getpwuid_r(geteuid(), &pw, buf, sizeof buf, &res) == 0 && res && res->pw_name &&
        *res->pw_name)
        snprintf(out, cap, "%s", res->pw_name);
    else
        snprintf(out, cap, "uid %lu", (unsigned long)geteuid());
}

/* ---- appending ------------------------------------------------------------------- */
static const char *const coordinator_events[] = {
    "sent",     "returned", "bounced", "replied",  "wants-to-take-part",
    "declined", "met",      "phoned",  "withdrew", NULL};
static const char *const batch_events[] = {"written", "failed", "not-contacted", "password-issued",
                                           NULL};

static bool in_list(const char *const *list, const char *s)
{
    for (size_t i = 0; s && list[i]; i++)
        if (strcmp(list[i], s) == 0)
            return true;
    return false;
}

int kl_record_event_known(const char *name)
{
    return in_list(coordinator_events, name) || in_list(batch_events, name);
}

/* The record reads members' briefs (review_internal.h): no member is made. */
static bool member_has_channel(const kl_member_brief *m, const char *channel)
{
    for (unsigned c = KL_CHANNEL_POST; c <= KL_CHANNEL_VIA_PROFESSIONAL; c++)
        if ((m->channels >> c & 1u) && strcmp(kl_channel_name((kl_channel)c), channel) == 0)
            return true;
    return false;
}

/* The channel of a member with one contact. */
static kl_channel only_channel(const kl_member_brief *m)
{
    unsigned c = KL_CHANNEL_POST;
    while (c < KL_CHANNEL_VIA_PROFESSIONAL && !(m->channels >> c & 1u))
        c++;
    return (kl_channel)c;
}

static int check_text(kl_context *ctx, const kl_review *review, const kl_member_brief *m,
                      const char *text, const char *what)
{
    if (!text || !*text)
        return 0;
    if (!kl_core__utf8_valid(text, strlen(text), NULL))
        return kl_core__error(ctx, KL_EINVAL, (kl_where){NULL, 0, 0, m->id}, "write it in UTF-8",
                              "%s is not UTF-8 text", what);
    const kl_disclosure *d = kl_review__disclosure(review);
    if (!d)
        return 0;
    /* The reader is the member the text is about: any other member's detail is
     * refused with a message naming whose detail and of which kind, never the text. */
    return kl_disclosure__scan(ctx, d, kl_review__brief_index(review, m), 0, text, strlen(text),
                               (kl_where){NULL, 0, 0, m->id}, what);
}

static const kl_member_brief *find_member(kl_context *ctx, const kl_review *review, const char *id)
{
    const kl_member_brief *m = kl_review__brief(review, kl_review__find_index(review, id));
    if (!m)
        kl_core__error(ctx, KL_ENOTFOUND, KL_NOWHERE, "use a member id from the review's family",
                       "the review has no member with this id");
    return m;
}

static int bind_text(sqlite3_stmt *st, int i, const char *s)
{
    return sqlite3_bind_text(st, i, s ? s : "", -1, SQLITE_TRANSIENT);
}

/* The letter a "sent" event is about when none is named: the member's latest written. */
static char *latest_letter(kl_record *rec, const char *review_id, const char *member_id)
{
    sqlite3_stmt *st = NULL;
    char *out = NULL;
    if (sqlite3_prepare_v2(rec->db,
                           "SELECT letter FROM event WHERE review_id = ?1 AND member_id = ?2"
                           " AND kind = 'written' ORDER BY date DESC, id DESC LIMIT 1",
                           -1, &st, NULL) == SQLITE_OK) {
        bind_text(st, 1, review_id);
        bind_text(st, 2, member_id);
        if (sqlite3_step(st) == SQLITE_ROW)
            out = kl_core__strdup((const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    return out;
}

static const char insert_sql[] =
    "INSERT INTO event(recorded_at, actor, review_id, member_id, kind, channel, date, letter,"
    " file, sha256, pages, note, question, text) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
    " ?10, ?11, ?12, ?13, ?14)";

/* One event checked before anything is written; its date (given, or the day
 * it is recorded) into date. */
static int check_event(kl_context *ctx, const kl_review *review, const kl_record_event *e,
                       char date[11])
{
    const kl_member_brief *m = find_member(ctx, review, e->member_id);
    if (!m)
        return KL_ENOTFOUND;
    kl_where w = {NULL, 0, 0, m->id};
    if (e->version < 1 || e->version > KL_RECORD_EVENT_VERSION)
        return kl_core__einval(ctx, "kl_record_add_events");
    if (!kl_record_event_known(e->event))
        return kl_core__error(ctx, KL_EINVAL, w,
                              "events: sent, returned, bounced, replied, wants-to-take-part, "
                              "declined, met, phoned, withdrew (written, failed, not-contacted "
                              "from generate)",
                              "the event is not one the record knows");
    int rc;
    if ((rc = check_date(ctx, e->date, "the event's date", m->id, date)) != 0)
        return rc;
    if (!e->date && in_list(batch_events, e->event)) {
        /* A letter is recorded on the day it is dated (dates@letter), unless
         * that is still to come. */
        const kl_review_info *info = kl_review__info(review);
        char tmp[80];
        snprintf(tmp, sizeof tmp, "%04d-%02d-%02d", info->letter.year, info->letter.month,
                 info->letter.day);
        if (kl_core__civil_date(tmp, NULL, NULL, NULL) == 0 && strcmp(tmp, date) < 0)
            memcpy(date, tmp, 11);
    }
    bool needs_channel =
        in_list((const char *const[]){"sent", "returned", "bounced", NULL}, e->event);
    if (e->channel && *e->channel) {
        if (!member_has_channel(m, e->channel))
            return kl_core__error(ctx, KL_EINVAL, w,
                                  "add the channel to the member's contacts in the review first",
                                  "the member has no contact by this channel in the review");
    } else if (needs_channel && m->n_contacts != 1) {
        return kl_core__error(ctx, KL_EINVAL, w,
                              "say which channel: post, email, sms or "
                              "via-professional",
                              m->n_contacts ? "the member has more than one channel: which one?"
                                            : "the member has no channel in the review");
    }
    if (e->sha256 && *e->sha256 && strspn(e->sha256, "0123456789abcdef") != 64)
        return kl_core__error(ctx, KL_EINVAL, w, "give the file's SHA-256 as 64 hex digits",
                              "the event's sha256 is not a SHA-256");
    return check_text(ctx, review, m, e->note, "the note");
}

/* The letter an event is about when none is given: for sent, returned and
 * bounced the member's latest written (*owned, for the caller to free), else
 * "notification" for a batch event or a sent one; NULL if none. */
static const char *event_letter(kl_record *rec, const char *review_id, const kl_member_brief *m,
                                const kl_record_event *e, char **owned)
{
    *owned = NULL;
    if (e->letter && *e->letter)
        return e->letter;
    const char *lt = NULL;
    if (strcmp(e->event, "sent") == 0 || strcmp(e->event, "returned") == 0 ||
        strcmp(e->event, "bounced") == 0)
        lt = *owned = latest_letter(rec, review_id, m->id);
    if (!lt && in_list(batch_events, e->event))
        lt = "notification";
    if (!lt && strcmp(e->event, "sent") == 0)
        lt = "notification";
    return lt;
}

/* The checked events inserted (inside the caller's transaction): an SQLite code. */
static int insert_events(kl_record *rec, const kl_review *review, const kl_record_event *events,
                         size_t n, char (*dates)[11], long long *first_id)
{
    char actor[256], now[21];
    actor_name(actor, sizeof actor);
    now_utc(now);
    const char *review_id = kl_review_id(review);
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(rec->db, insert_sql, -1, &st, NULL);
    for (size_t i = 0; i < n && src == SQLITE_OK; i++) {
        const kl_record_event *e = &events[i];
        const kl_member_brief *m =
            kl_review__brief(review, kl_review__find_index(review, e->member_id));
        assert(m); /* check_event found it */
        char *letter = NULL;
        const char *lt = event_letter(rec, review_id, m, e, &letter);
        const char *channel =
            e->channel && *e->channel ? e->channel
            : m->n_contacts == 1 &&
                    in_list((const char *const[]){"sent", "returned", "bounced", NULL}, e->event)
                ? kl_channel_name(only_channel(m))
                : "";
        sqlite3_reset(st);
        bind_text(st, 1, now);
        bind_text(st, 2, e->actor && *e->actor ? e->actor : actor);
        bind_text(st, 3, review_id);
        bind_text(st, 4, m->id);
        bind_text(st, 5, e->event);
        bind_text(st, 6, channel);
        bind_text(st, 7, dates[i]);
        bind_text(st, 8, lt);
        bind_text(st, 9, e->file);
        bind_text(st, 10, e->sha256);
        sqlite3_bind_int(st, 11, (int)e->pages);
        bind_text(st, 12, e->note);
        sqlite3_bind_null(st, 13);
        bind_text(st, 14, "");
        src = sqlite3_step(st);
        kl_free(letter);
        if (src == SQLITE_DONE) {
            src = SQLITE_OK;
            if (i == 0 && first_id)
                *first_id = sqlite3_last_insert_rowid(rec->db);
            if (kl_record__after_insert)
                kl_record__after_insert(i);
        }
    }
    sqlite3_finalize(st);
    return src;
}

int kl_record_add_events(kl_context *ctx, kl_record *rec, const kl_review *review,
                         const kl_record_event *events, size_t n, long long *first_id)
{
    kl_context_clear_error(ctx);
    if (!ctx || !rec || !review || (!events && n))
        return kl_core__einval(ctx, __func__);
    /* Everything is checked before anything is written. */
    char(*dates)[11] = kl_core__calloc(n ? n : 1, sizeof *dates);
    if (!dates)
        return kl_core__oom(ctx);
    int rc = 0;
    for (size_t i = 0; i < n; i++)
        if ((rc = check_event(ctx, review, &events[i], dates[i])) < 0)
            goto done;
    if ((rc = exec(ctx, rec, "BEGIN IMMEDIATE", "locked for writing")) < 0)
        goto done;
    int src = insert_events(rec, review, events, n, dates, first_id);
    if (src != SQLITE_OK) {
        rc = sql_error(ctx, rec, src, "written");
        sqlite3_exec(rec->db, "ROLLBACK", NULL, NULL, NULL);
    } else if ((rc = exec(ctx, rec, "COMMIT", "written")) != 0) {
        sqlite3_exec(rec->db, "ROLLBACK", NULL, NULL, NULL);
    }
done:
    kl_free(dates);
    return rc;
}

/* ---- questions ------------------------------------------------------------------- */
static int insert_qa(kl_context *ctx, kl_record *rec, const kl_review *review,
                     const kl_member_brief *m, const char *kind, int number, const char *date,
                     const char *text, int *number_out)
{
    char actor[256], now[21];
    actor_name(actor, sizeof actor);
    now_utc(now);
    int rc;
    if ((rc = exec(ctx, rec, "BEGIN IMMEDIATE", "locked for writing")) != 0)
        return rc;
    sqlite3_stmt *st = NULL;
    int src = SQLITE_OK;
    if (number == 0) {
        /* The next number in this review, under the write lock. */
        src = sqlite3_prepare_v2(rec->db,
                                 "SELECT coalesce(max(question), 0) + 1 FROM event WHERE"
                                 " review_id = ?1 AND kind = 'question'",
                                 -1, &st, NULL);
        if (src == SQLITE_OK) {
            bind_text(st, 1, kl_review_id(review));
            src = sqlite3_step(st);
            if (src == SQLITE_ROW) {
                number = sqlite3_column_int(st, 0);
                src = SQLITE_OK;
            }
        }
        sqlite3_finalize(st);
        st = NULL;
    }
    if (src == SQLITE_OK)
        src = sqlite3_prepare_v2(rec->db, insert_sql, -1, &st, NULL);
    if (src == SQLITE_OK) {
        bind_text(st, 1, now);
        bind_text(st, 2, actor);
        bind_text(st, 3, kl_review_id(review));
        bind_text(st, 4, m->id);
        bind_text(st, 5, kind);
        bind_text(st, 6, "");
        bind_text(st, 7, date);
        bind_text(st, 8, "");
        bind_text(st, 9, "");
        bind_text(st, 10, "");
        sqlite3_bind_int(st, 11, 0);
        bind_text(st, 12, "");
        sqlite3_bind_int(st, 13, number);
        bind_text(st, 14, text);
        src = sqlite3_step(st);
        if (src == SQLITE_DONE)
            src = SQLITE_OK;
    }
    sqlite3_finalize(st);
    if (src != SQLITE_OK) {
        rc = sql_error(ctx, rec, src, "written");
        sqlite3_exec(rec->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    if ((rc = exec(ctx, rec, "COMMIT", "written")) != 0) {
        sqlite3_exec(rec->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    if (number_out)
        *number_out = number;
    return 0;
}

int kl_record_question_add(kl_context *ctx, kl_record *rec, const kl_review *review,
                           const char *member_id, const char *text, const char *date, int *number)
{
    kl_context_clear_error(ctx);
    if (!ctx || !rec || !review || !member_id || !text)
        return kl_core__einval(ctx, __func__);
    const kl_member_brief *m = find_member(ctx, review, member_id);
    if (!m)
        return KL_ENOTFOUND;
    if (!*text)
        return kl_core__error(ctx, KL_EINVAL, (kl_where){NULL, 0, 0, m->id},
                              "write the question as the member asked it", "the question is empty");
    char day[11];
    int rc;
    if ((rc = check_date(ctx, date, "the question's date", m->id, day)) != 0 ||
        (rc = check_text(ctx, review, m, text, "the question")) != 0)
        return rc;
    return insert_qa(ctx, rec, review, m, "question", 0, day, text, number);
}

int kl_record_question_answer(kl_context *ctx, kl_record *rec, const kl_review *review, int number,
                              const char *text, const char *date)
{
    kl_context_clear_error(ctx);
    if (!ctx || !rec || !review || number < 1 || !text)
        return kl_core__einval(ctx, __func__);
    /* The question: its member is the answer's reader. */
    sqlite3_stmt *st = NULL;
    char member_id[80] = "", asked[11] = "";
    int src = sqlite3_prepare_v2(rec->db,
                                 "SELECT member_id, date FROM event WHERE review_id = ?1 AND"
                                 " kind = 'question' AND question = ?2",
                                 -1, &st, NULL);
    if (src == SQLITE_OK) {
        bind_text(st, 1, kl_review_id(review));
        sqlite3_bind_int(st, 2, number);
        src = sqlite3_step(st);
        if (src == SQLITE_ROW) {
            snprintf(member_id, sizeof member_id, "%s", sqlite3_column_text(st, 0));
            snprintf(asked, sizeof asked, "%s", sqlite3_column_text(st, 1));
            src = SQLITE_OK;
        } else if (src == SQLITE_DONE) {
            src = SQLITE_NOTFOUND;
        }
    }
    sqlite3_finalize(st);
    if (src == SQLITE_NOTFOUND)
        return kl_core__error(ctx, KL_ENOTFOUND, KL_NOWHERE,
                              "list the questions to see their numbers",
                              "the review has no question %d", number);
    if (src != SQLITE_OK)
        return sql_error(ctx, rec, src, "read");
    const kl_member_brief *m = find_member(ctx, review, member_id);
    if (!m)
        return KL_ENOTFOUND;
    if (!*text)
        return kl_core__error(ctx, KL_EINVAL, (kl_where){NULL, 0, 0, m->id},
                              "write the answer the member is given", "the answer is empty");
    char day[11];
    int rc;
    if ((rc = check_date(ctx, date, "the answer's date", m->id, day)) != 0)
        return rc;
    if (strcmp(day, asked) < 0)
        return kl_core__error(ctx, KL_EINVAL, (kl_where){NULL, 0, 0, m->id},
                              "give the day the answer was given",
                              "the answer's date is before question %d was asked", number);
    if ((rc = check_text(ctx, review, m, text, "the answer")) != 0)
        return rc;
    return insert_qa(ctx, rec, review, m, "answer", number, day, text, NULL);
}
