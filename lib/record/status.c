/* SPDX-License-Identifier: MIT */
/* record/status.c: a review's status from the event log: per member what was written,
 * sent and replied, open questions, the next step due; the review's figures; as text,
 * JSON or CSV (docs/RECORD.md). */
#include "record/record_internal.h"
#include "review/review_internal.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_REPLY_WAIT 14

/* Strings of a status live in one list of allocations freed together. */
typedef struct strnode {
    struct strnode *next;
    char s[];
} strnode;

struct kl_record_status {
    const char *review_id;
    char decided[11];
    char today[11];
    int reply_wait;
    kl_record_member_status *members;
    size_t n_members;
    kl_record_question *questions;
    size_t n_questions;
    strnode *strings;
    bool oom;
};

static const char *keep(kl_record_status *st, const char *s)
{
    if (!s)
        return "";
    size_t n = strlen(s);
    strnode *node = kl_core__malloc(sizeof *node + n + 1);
    if (!node) {
        st->oom = true;
        return "";
    }
    memcpy(node->s, s, n + 1);
    node->next = st->strings;
    st->strings = node;
    return node->s;
}

static const char *keepf(kl_record_status *st, const char *fmt, ...) KL_PRINTF(2, 3);
static const char *keepf(kl_record_status *st, const char *fmt, ...)
{
    kl_buf b = KL_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    kl_core__buf_vprintf(&b, fmt, ap);
    va_end(ap);
    if (b.oom) {
        st->oom = true;
        return "";
    }
    const char *kept = keep(st, b.data ? b.data : "");
    kl_core__buf_free(&b);
    return kept;
}

#define add_days kl_record__add_days

static int days(const char *a, const char *b)
{
    int n = 0;
    return kl_record__days_between(a, b, &n) == 0 ? n : 0;
}

/* What the log says about one member, gathered in date order. The fixed fields
 * hold the record's own words (event kinds, at most 18 bytes) and dates
 * (YYYY-MM-DD, checked when recorded); the free text is kept whole. */
typedef struct member_acc {
    char state[24];
    char outcome[16]; /* latest of written, failed, not-contacted */
    char outcome_date[11];
    const char *outcome_reason; /* kept in the status's strings */
    const char **letters;       /* distinct letters written, kept likewise */
    size_t n_letters, cap_letters;
    unsigned sent;
    char first_sent[11], last_sent[11];
    const char *last_sent_letter;
    char problem[16], problem_date[11]; /* returned/bounced after the last sent */
    char reply[24], reply_date[11];
    char phoned[11];
} member_acc;

static const char *const reply_events[] = {"replied", "wants-to-take-part", "declined",
                                           "met",     "withdrew",           NULL};

static bool is_reply(const char *k)
{
    for (size_t i = 0; reply_events[i]; i++)
        if (strcmp(reply_events[i], k) == 0)
            return true;
    return false;
}

static void take(kl_record_status *st, member_acc *a, const char *kind, const char *date,
                 const char *letter, const char *note)
{
#define COPY(dst, src) snprintf((dst), sizeof(dst), "%s", (src) ? (src) : "")
    if (!strcmp(kind, "password-issued"))
        return; /* a fact kept with the letter, not a step with the family */
    COPY(a->state, kind);
    if (!strcmp(kind, "written") || !strcmp(kind, "failed") || !strcmp(kind, "not-contacted")) {
        COPY(a->outcome, kind);
        COPY(a->outcome_date, date);
        a->outcome_reason = keep(st, note);
        if (!strcmp(kind, "written")) {
            bool seen = false;
            for (size_t i = 0; i < a->n_letters; i++)
                seen |= strcmp(a->letters[i], letter ? letter : "") == 0;
            if (!seen && KL_GROW(a->letters, a->cap_letters, a->n_letters + 1) < 0)
                st->oom = true;
            else if (!seen)
                a->letters[a->n_letters++] = keep(st, letter);
        }
    } else if (!strcmp(kind, "sent")) {
        a->sent++;
        if (!a->first_sent[0])
            COPY(a->first_sent, date);
        COPY(a->last_sent, date);
        a->last_sent_letter = keep(st, letter);
        a->problem[0] = '\0';
    } else if (!strcmp(kind, "returned") || !strcmp(kind, "bounced")) {
        COPY(a->problem, kind);
        COPY(a->problem_date, date);
    } else if (!strcmp(kind, "phoned")) {
        COPY(a->phoned, date);
    } else if (is_reply(kind)) {
        COPY(a->reply, kind);
        COPY(a->reply_date, date);
    }
#undef COPY
}

static void next_step(kl_record_status *st, kl_record_member_status *ms, const member_acc *a,
                      const kl_record_question *oldest_open)
{
    char due[11] = "";
    const char *step = "";
    const char *why = "";
    const char *today = st->today;
    if (!strcmp(a->reply, "withdrew")) {
        step = "none: the member withdrew from the review";
    } else if (!a->sent && !strcmp(a->outcome, "not-contacted")) {
        why = keepf(st, "not contacted: %s", a->outcome_reason ? a->outcome_reason : "");
    } else if (!a->sent && !strcmp(a->outcome, "failed")) {
        why = "the letter could not be written";
        step = "correct what stopped the letter and generate it again";
        memcpy(due, today, 11);
    } else if (!a->sent && !a->outcome[0]) {
        why = "no letter written yet";
        step = "generate the notification letter";
        memcpy(due, today, 11);
    } else if (a->problem[0]) {
        step = !strcmp(a->problem, "returned") ? "post returned: find another channel"
                                               : "email bounced: find another channel";
        memcpy(due, a->problem_date, 11);
        if (a->sent == 1)
            why = keepf(st, "the letter %s", a->problem);
    } else if (oldest_open) {
        step = keepf(st, "answer question %d (asked %s)", oldest_open->number, oldest_open->asked);
        add_days(oldest_open->asked, st->reply_wait, due);
    } else if (!a->sent) {
        why = "the letter is written but not marked sent";
        step = "send the letter, then mark it sent";
        memcpy(due, a->outcome_date, 11);
    } else if (!a->reply[0]) {
        const char *base =
            a->phoned[0] && strcmp(a->phoned, a->last_sent) > 0 ? a->phoned : a->last_sent;
        int waited = days(base, today);
        add_days(base, st->reply_wait, due);
        if (waited < st->reply_wait)
            step = "wait for a reply";
        else if (base == a->phoned)
            step = keepf(st, "no reply %d days after the phone call: send the invitation", waited);
        else
            step = keepf(st,
                         "no reply %d days after the %s was sent: phone, or send the "
                         "invitation",
                         waited,
                         a->last_sent_letter && a->last_sent_letter[0] ? a->last_sent_letter
                                                                       : "letter");
    } else if (!strcmp(a->reply, "replied") || !strcmp(a->reply, "wants-to-take-part")) {
        step = !strcmp(a->reply, "replied") ? "reply received: call back and ask whether they "
                                              "want to take part"
                                            : "wants to take part: arrange to meet the reviewer";
        add_days(a->reply_date, st->reply_wait, due);
    } else if (!strcmp(a->reply, "declined")) {
        step = "none: the member declined (offer the outcome letter when the review ends)";
    } else if (!strcmp(a->reply, "met")) {
        step = "keep the member informed; the outcome letter when the review ends";
    }
    ms->next_step = keep(st, step);
    ms->next_due = keep(st, due);
    ms->not_informed = keep(st, why);
}

static int qcmp(const void *x, const void *y)
{
    const kl_record_question *a = x, *b = y;
    return (a->number > b->number) - (a->number < b->number);
}

/* The events of the review, member by member, in date order. */
static int read_events(kl_record_status *st, sqlite3 *db, const kl_review *review, member_acc *acc)
{
    sqlite3_stmt *q = NULL;
    int src = sqlite3_prepare_v2(db,
                                 "SELECT member_id, kind, date, letter, note FROM event WHERE"
                                 " review_id = ?1 AND kind NOT IN ('question', 'answer')"
                                 " ORDER BY date, id",
                                 -1, &q, NULL);
    if (src == SQLITE_OK) {
        sqlite3_bind_text(q, 1, st->review_id, -1, SQLITE_STATIC);
        while ((src = sqlite3_step(q)) == SQLITE_ROW) {
            size_t i = kl_review__find_index(review, (const char *)sqlite3_column_text(q, 0));
            if (i == KL_DISCLOSURE_NOBODY)
                continue; /* a member since removed from the review */
            take(st, &acc[i], (const char *)sqlite3_column_text(q, 1),
                 (const char *)sqlite3_column_text(q, 2), (const char *)sqlite3_column_text(q, 3),
                 (const char *)sqlite3_column_text(q, 4));
        }
        if (src == SQLITE_DONE)
            src = SQLITE_OK;
    }
    sqlite3_finalize(q);
    return src;
}

/* The review's questions with their latest answers, by number. */
static int read_questions(kl_record_status *st, sqlite3 *db)
{
    sqlite3_stmt *q = NULL;
    size_t cap = 0;
    int src = sqlite3_prepare_v2(db,
                                 "SELECT number, member_id, asked, recorded_by, question,"
                                 " coalesce(answered, ''), coalesce(answer, '') FROM questions"
                                 " WHERE review_id = ?1 ORDER BY number",
                                 -1, &q, NULL);
    if (src == SQLITE_OK) {
        sqlite3_bind_text(q, 1, st->review_id, -1, SQLITE_STATIC);
        while ((src = sqlite3_step(q)) == SQLITE_ROW) {
            if (KL_GROW(st->questions, cap, st->n_questions + 1) < 0) {
                st->oom = true;
                break;
            }
            kl_record_question *x = &st->questions[st->n_questions++];
            x->number = sqlite3_column_int(q, 0);
            x->member_id = keep(st, (const char *)sqlite3_column_text(q, 1));
            x->asked = keep(st, (const char *)sqlite3_column_text(q, 2));
            x->asked_by = keep(st, (const char *)sqlite3_column_text(q, 3));
            x->text = keep(st, (const char *)sqlite3_column_text(q, 4));
            x->answered = keep(st, (const char *)sqlite3_column_text(q, 5));
            x->answer = keep(st, (const char *)sqlite3_column_text(q, 6));
            x->days_open = days(x->asked, x->answered[0] ? x->answered : st->today);
        }
        if (src == SQLITE_DONE)
            src = SQLITE_OK;
    }
    sqlite3_finalize(q);
    if (st->questions)
        qsort(st->questions, st->n_questions, sizeof *st->questions, qcmp);
    return src;
}

/* Member i's status from what the log said about it and the open questions. */
static void member_status(kl_record_status *st, const kl_member_brief *m,
                          kl_record_member_status *ms, const member_acc *a)
{
    ms->member_id = keep(st, m->id ? m->id : "");
    ms->relationship = keep(st, m->relationship ? m->relationship : "");
    ms->state = keep(st, a->state[0] ? a->state : "not-written");
    ms->letters_written = (unsigned)a->n_letters;
    ms->letters_sent = a->sent;
    ms->first_sent = keep(st, a->first_sent);
    ms->days_to_first_sent = a->first_sent[0] ? days(st->decided, a->first_sent) : -1;
    ms->latest_reply = keep(st, a->reply);
    ms->latest_reply_date = keep(st, a->reply_date);
    ms->oldest_open_days = -1;
    const kl_record_question *oldest = NULL;
    for (size_t k = 0; k < st->n_questions; k++) {
        const kl_record_question *x = &st->questions[k];
        if (strcmp(x->member_id, ms->member_id) || x->answered[0])
            continue;
        ms->open_questions++;
        if (!oldest || strcmp(x->asked, oldest->asked) < 0)
            oldest = x;
    }
    if (oldest)
        ms->oldest_open_days = oldest->days_open;
    next_step(st, ms, a, oldest);
}

/* The status's review, dates and reply wait (today: the given day or the local one). */
static void status_head(kl_record_status *st, const kl_review *review, const char *today,
                        int reply_wait_days)
{
    const kl_review_info *info = kl_review__info(review);
    st->review_id = keep(st, kl_review_id(review));
    char dec[48];
    snprintf(dec, sizeof dec, "%04d-%02d-%02d", info->decided.year, info->decided.month,
             info->decided.day);
    snprintf(st->decided, sizeof st->decided, "%.10s", dec);
    if (today) {
        snprintf(st->today, sizeof st->today, "%s", today);
    } else {
        time_t t = time(NULL);
        struct tm tm;
        localtime_r(&t, &tm);
        char tmp[80];
        snprintf(tmp, sizeof tmp, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
        snprintf(st->today, sizeof st->today, "%.10s", tmp);
    }
    st->reply_wait = reply_wait_days         ? reply_wait_days
                     : info->reply_wait_days ? info->reply_wait_days
                                             : DEFAULT_REPLY_WAIT;
}

int kl_record_status_get(kl_context *ctx, kl_record *rec, const kl_review *review,
                         const char *today, int reply_wait_days, kl_record_status **out)
{
    kl_context_clear_error(ctx);
    if (!ctx || !rec || !review || !out || reply_wait_days < 0 || reply_wait_days > 365)
        return kl_core__einval(ctx, __func__);
    *out = NULL;
    if (today && kl_core__civil_date(today, NULL, NULL, NULL) != 0)
        return kl_core__error(ctx, KL_EINVAL, KL_NOWHERE, "write the date as YYYY-MM-DD",
                              "the status date is not a day of the calendar");
    kl_record_status *st = kl_core__calloc(1, sizeof *st);
    if (!st)
        return kl_core__oom(ctx);
    status_head(st, review, today, reply_wait_days);
    size_t n = kl_review_member_count(review);
    st->n_members = n;
    st->members = kl_core__calloc(n ? n : 1, sizeof *st->members);
    member_acc *acc = kl_core__calloc(n ? n : 1, sizeof *acc);
    int rc = 0;
    if (!st->members || !acc) {
        rc = kl_core__oom(ctx);
        goto done;
    }
    sqlite3 *db = kl_record__db(rec);
    int src = read_events(st, db, review, acc);
    if (src == SQLITE_OK)
        src = read_questions(st, db);
    if (src != SQLITE_OK && src != SQLITE_ROW) {
        rc = kl_core__error(ctx, KL_EBACKEND, KL_NOWHERE, NULL, "the record could not be read: %s",
                            sqlite3_errmsg(db));
        goto done;
    }
    /* From the members' briefs: no member is made (kl_review_member() would keep each). */
    for (size_t i = 0; i < n; i++)
        member_status(st, kl_review__brief(review, i), &st->members[i], &acc[i]);
    if (st->oom)
        rc = kl_core__oom(ctx);
done:
    for (size_t i = 0; acc && i < n; i++)
        kl_free(acc[i].letters);
    kl_free(acc);
    if (rc) {
        kl_record_status_free(st);
        return rc;
    }
    *out = st;
    return 0;
}

void kl_record_status_free(kl_record_status *st)
{
    if (!st)
        return;
    for (strnode *s = st->strings; s;) {
        strnode *next = s->next;
        kl_free(s);
        s = next;
    }
    kl_free(st->members);
    kl_free(st->questions);
    kl_free(st);
}

size_t kl_record_status_member_count(const kl_record_status *st)
{
    return st ? st->n_members : 0;
}

const kl_record_member_status *kl_record_status_member(const kl_record_status *st, size_t i)
{
    return st && i < st->n_members ? &st->members[i] : NULL;
}

size_t kl_record_status_question_count(const kl_record_status *st)
{
    return st ? st->n_questions : 0;
}

const kl_record_question *kl_record_status_question(const kl_record_status *st, size_t i)
{
    return st && i < st->n_questions ? &st->questions[i] : NULL;
}

/* ---- formats ----------------------------------------------------------------------- */
static void json_str(kl_buf *b, const char *s)
{
    kl_core__buf_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '"' || *p == '\\')
            kl_core__buf_printf(b, "\\%c", *p);
        else if (*p < 0x20)
            kl_core__buf_printf(b, "\\u%04x", *p);
        else
            kl_core__buf_putc(b, (char)*p);
    }
    kl_core__buf_putc(b, '"');
}

/* A CSV cell safe in a spreadsheet (as record.csv): a leading = + - @ tab or CR
 * would start a formula, so an apostrophe keeps it text. */
static void csv_cell(kl_buf *b, const char *v, bool first)
{
    if (!v)
        v = "";
    if (!first)
        kl_core__buf_putc(b, ',');
    bool neutralise = v[0] && strchr("=+-@\t\r", v[0]);
    bool quote = neutralise || strpbrk(v, ",\"\r\n");
    if (quote)
        kl_core__buf_putc(b, '"');
    if (neutralise)
        kl_core__buf_putc(b, '\'');
    for (const char *p = v; *p; p++) {
        if (*p == '"')
            kl_core__buf_putc(b, '"');
        kl_core__buf_putc(b, *p);
    }
    if (quote)
        kl_core__buf_putc(b, '"');
}

static const char *const states[] = {
    "not-written", "failed",  "not-contacted",      "written", "sent",     "returned", "bounced",
    "phoned",      "replied", "wants-to-take-part", "met",     "declined", "withdrew", NULL};

typedef struct figures {
    size_t informed, not_informed;
    int min_days, max_days, median_days;
    size_t counts[sizeof states / sizeof *states - 1];
    size_t open_questions, answered;
} figures;

static int icmp(const void *x, const void *y)
{
    int a = *(const int *)x, b = *(const int *)y;
    return (a > b) - (a < b);
}

static int compute(const kl_record_status *st, figures *f)
{
    memset(f, 0, sizeof *f);
    f->min_days = f->max_days = f->median_days = -1;
    int *d = kl_core__calloc(st->n_members ? st->n_members : 1, sizeof *d);
    if (!d)
        return KL_ENOMEM; /* the figures would leave out the days without saying so */
    size_t nd = 0;
    for (size_t i = 0; i < st->n_members; i++) {
        const kl_record_member_status *m = &st->members[i];
        if (m->days_to_first_sent >= 0)
            d[nd++] = m->days_to_first_sent;
        if (m->first_sent[0])
            f->informed++;
        else
            f->not_informed++;
        for (size_t k = 0; states[k]; k++)
            if (!strcmp(states[k], m->state))
                f->counts[k]++;
    }
    if (nd) {
        qsort(d, nd, sizeof *d, icmp);
        f->min_days = d[0];
        f->max_days = d[nd - 1];
        f->median_days = d[nd / 2];
        if (nd % 2 == 0)
            f->median_days = (d[nd / 2 - 1] + d[nd / 2]) / 2;
    }
    kl_free(d);
    for (size_t i = 0; i < st->n_questions; i++) {
        if (st->questions[i].answered[0])
            f->answered++;
        else
            f->open_questions++;
    }
    return 0;
}

static void format_text(kl_buf *b, const kl_record_status *st, const figures *f)
{
    kl_core__buf_printf(b, "Review %s: status on %s (decided %s; reply wait %d days)\n\n",
                        st->review_id, st->today, st->decided, st->reply_wait);
    kl_core__buf_printf(b, "%-8s %-12s %-19s %-7s %-4s %-10s %-24s %-9s %s\n", "member",
                        "relationship", "state", "written", "sent", "first sent", "latest reply",
                        "questions", "next step");
    for (size_t i = 0; i < st->n_members; i++) {
        const kl_record_member_status *m = &st->members[i];
        char reply[64] = "-", qs[24] = "-", first[24] = "-";
        if (m->latest_reply[0])
            snprintf(reply, sizeof reply, "%s %s", m->latest_reply, m->latest_reply_date);
        if (m->open_questions)
            snprintf(qs, sizeof qs, "%u open", m->open_questions);
        if (m->first_sent[0])
            snprintf(first, sizeof first, "%s", m->first_sent);
        kl_core__buf_printf(b, "%-8s %-12s %-19s %-7u %-4u %-10s %-24s %-9s %s", m->member_id,
                            m->relationship, m->state, m->letters_written, m->letters_sent, first,
                            reply, qs, m->next_step[0] ? m->next_step : "-");
        if (m->next_due[0])
            kl_core__buf_printf(b, " (due %s)", m->next_due);
        kl_core__buf_putc(b, '\n');
    }
    kl_core__buf_printf(b, "\nInformed: %zu of %zu members have been sent a letter", f->informed,
                        st->n_members);
    if (f->median_days >= 0)
        kl_core__buf_printf(b,
                            "; days from the decision to the first letter sent: median %d, "
                            "shortest %d, longest %d",
                            f->median_days, f->min_days, f->max_days);
    kl_core__buf_puts(b, ".\n");
    for (size_t i = 0; i < st->n_members; i++) {
        const kl_record_member_status *m = &st->members[i];
        if (m->days_to_first_sent >= 0)
            kl_core__buf_printf(b, "  %s: first letter sent %s, %d days after the decision\n",
                                m->member_id, m->first_sent, m->days_to_first_sent);
    }
    if (f->not_informed) {
        kl_core__buf_puts(b, "Not informed yet:\n");
        for (size_t i = 0; i < st->n_members; i++) {
            const kl_record_member_status *m = &st->members[i];
            if (!m->first_sent[0])
                kl_core__buf_printf(b, "  %s: %s\n", m->member_id,
                                    m->not_informed[0] ? m->not_informed : m->state);
        }
    }
    kl_core__buf_puts(b, "By state:");
    bool any = false;
    for (size_t k = 0; states[k]; k++)
        if (f->counts[k]) {
            kl_core__buf_printf(b, "%s %s %zu", any ? "," : "", states[k], f->counts[k]);
            any = true;
        }
    kl_core__buf_printf(b, "\nQuestions: %zu open, %zu answered\n", f->open_questions, f->answered);
}

/* A member's status as the members of the JSON status (its fields, without the braces). */
static void json_member(kl_buf *b, const kl_record_member_status *m)
{
    kl_core__buf_puts(b, "\"id\": ");
    json_str(b, m->member_id);
    kl_core__buf_puts(b, ", \"relationship\": ");
    json_str(b, m->relationship);
    kl_core__buf_puts(b, ", \"state\": ");
    json_str(b, m->state);
    kl_core__buf_printf(b, ", \"letters_written\": %u, \"letters_sent\": %u, \"first_sent\": ",
                        m->letters_written, m->letters_sent);
    if (m->first_sent[0])
        json_str(b, m->first_sent);
    else
        kl_core__buf_puts(b, "null");
    kl_core__buf_puts(b, ", \"days_to_first_sent\": ");
    if (m->days_to_first_sent >= 0)
        kl_core__buf_printf(b, "%d", m->days_to_first_sent);
    else
        kl_core__buf_puts(b, "null");
    kl_core__buf_puts(b, ", \"latest_reply\": ");
    if (m->latest_reply[0]) {
        kl_core__buf_puts(b, "{\"event\": ");
        json_str(b, m->latest_reply);
        kl_core__buf_puts(b, ", \"date\": ");
        json_str(b, m->latest_reply_date);
        kl_core__buf_puts(b, "}");
    } else {
        kl_core__buf_puts(b, "null");
    }
    kl_core__buf_printf(b, ", \"open_questions\": %u, \"next_step\": ", m->open_questions);
    json_str(b, m->next_step);
    kl_core__buf_puts(b, ", \"next_due\": ");
    if (m->next_due[0])
        json_str(b, m->next_due);
    else
        kl_core__buf_puts(b, "null");
    kl_core__buf_puts(b, ", \"not_informed\": ");
    if (m->not_informed[0])
        json_str(b, m->not_informed);
    else
        kl_core__buf_puts(b, "null");
}

static void format_json(kl_buf *b, const kl_record_status *st, const figures *f)
{
    kl_core__buf_puts(b, "{\n  \"review\": ");
    json_str(b, st->review_id);
    kl_core__buf_puts(b, ",\n  \"date\": ");
    json_str(b, st->today);
    kl_core__buf_puts(b, ",\n  \"decided\": ");
    json_str(b, st->decided);
    kl_core__buf_printf(b, ",\n  \"reply_wait_days\": %d,\n  \"members\": [", st->reply_wait);
    for (size_t i = 0; i < st->n_members; i++) {
        kl_core__buf_puts(b, i ? ",\n    {" : "\n    {");
        json_member(b, &st->members[i]);
        kl_core__buf_putc(b, '}');
    }
    kl_core__buf_puts(b, "\n  ],\n  \"questions\": [");
    for (size_t i = 0; i < st->n_questions; i++) {
        const kl_record_question *q = &st->questions[i];
        kl_core__buf_printf(b, "%s{\"number\": %d, \"member\": ", i ? ",\n    " : "\n    ",
                            q->number);
        json_str(b, q->member_id);
        kl_core__buf_puts(b, ", \"asked\": ");
        json_str(b, q->asked);
        kl_core__buf_puts(b, ", \"recorded_by\": ");
        json_str(b, q->asked_by);
        kl_core__buf_puts(b, ", \"answered\": ");
        if (q->answered[0])
            json_str(b, q->answered);
        else
            kl_core__buf_puts(b, "null");
        kl_core__buf_printf(b, ", \"days_open\": %d}", q->days_open);
    }
    kl_core__buf_printf(b,
                        "\n  ],\n  \"figures\": {\"members\": %zu, \"informed\": %zu, "
                        "\"not_informed\": %zu, \"days_to_first_letter\": ",
                        st->n_members, f->informed, f->not_informed);
    if (f->median_days >= 0)
        kl_core__buf_printf(b, "{\"median\": %d, \"min\": %d, \"max\": %d}", f->median_days,
                            f->min_days, f->max_days);
    else
        kl_core__buf_puts(b, "null");
    kl_core__buf_puts(b, ", \"by_state\": {");
    bool any = false;
    for (size_t k = 0; states[k]; k++)
        if (f->counts[k]) {
            kl_core__buf_printf(b, "%s\"%s\": %zu", any ? ", " : "", states[k], f->counts[k]);
            any = true;
        }
    kl_core__buf_printf(b, "}, \"open_questions\": %zu, \"answered_questions\": %zu}\n}\n",
                        f->open_questions, f->answered);
}

static void format_csv(kl_buf *b, const kl_record_status *st)
{
    static const char *const head[] = {
        "review",         "member",     "relationship",       "state",        "letters_written",
        "letters_sent",   "first_sent", "days_to_first_sent", "latest_reply", "latest_reply_date",
        "open_questions", "next_step",  "next_due",           "not_informed"};
    for (size_t i = 0; i < sizeof head / sizeof head[0]; i++)
        csv_cell(b, head[i], i == 0);
    kl_core__buf_puts(b, "\r\n");
    for (size_t i = 0; i < st->n_members; i++) {
        const kl_record_member_status *m = &st->members[i];
        char w[16], s[16], d[16], q[16];
        snprintf(w, sizeof w, "%u", m->letters_written);
        snprintf(s, sizeof s, "%u", m->letters_sent);
        snprintf(d, sizeof d, "%d", m->days_to_first_sent);
        snprintf(q, sizeof q, "%u", m->open_questions);
        const char *cells[] = {st->review_id,
                               m->member_id,
                               m->relationship,
                               m->state,
                               w,
                               s,
                               m->first_sent,
                               m->days_to_first_sent >= 0 ? d : "",
                               m->latest_reply,
                               m->latest_reply_date,
                               q,
                               m->next_step,
                               m->next_due,
                               m->not_informed};
        for (size_t k = 0; k < sizeof cells / sizeof cells[0]; k++)
            csv_cell(b, cells[k], k == 0);
        kl_core__buf_puts(b, "\r\n");
    }
}

int kl_record_status_format(kl_context *ctx, const kl_record_status *st, kl_record_format format,
                            char **out)
{
    kl_context_clear_error(ctx);
    if (!ctx || !st || !out || (unsigned)format > KL_RECORD_CSV)
        return kl_core__einval(ctx, __func__);
    *out = NULL;
    figures f;
    if (compute(st, &f) < 0)
        return kl_core__oom(ctx);
    kl_buf b = KL_BUF_INIT;
    if (format == KL_RECORD_TEXT)
        format_text(&b, st, &f);
    else if (format == KL_RECORD_JSON)
        format_json(&b, st, &f);
    else
        format_csv(&b, st);
    if (b.oom) {
        kl_core__buf_free(&b);
        return kl_core__oom(ctx);
    }
    *out = kl_core__buf_detach(&b);
    return *out ? 0 : kl_core__oom(ctx);
}
