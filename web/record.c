/* SPDX-License-Identifier: MIT */
/* web/record.c: the correspondence record (docs/RECORD.md) of a review: each member's status
 * and next step due, forms to mark events (sent, returned, replied...), the family's
 * questions and their answers. Every change carries the user's name (the record's actor). */
#include "web.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const events[] = {"sent",
                                     "Sent",
                                     "returned",
                                     "Returned (post came back)",
                                     "bounced",
                                     "Bounced (email did not arrive)",
                                     "replied",
                                     "Replied",
                                     "wants-to-take-part",
                                     "Wants to take part",
                                     "declined",
                                     "Declined",
                                     "met",
                                     "Met the reviewer",
                                     "phoned",
                                     "Phoned",
                                     "withdrew",
                                     "Withdrew",
                                     NULL};

static void member_options(xmlNodePtr sel, const kl_review *rv, const char *chosen)
{
    for (size_t i = 0; i < kl_review_member_count(rv); i++) {
        const kl_member *m = kl_review_member(rv, i);
        const char *id = kl_member_id(m);
        if (!id)
            continue;
        char *label =
            fmt("%s (%s)", id, kl_member_relationship(m) ? kl_member_relationship(m) : "");
        xmlNodePtr o = el(sel, "option", label);
        attr(o, "value", id);
        if (chosen && !strcmp(chosen, id))
            attr(o, "selected", "selected");
        free(label);
    }
}

static xmlNodePtr labelled(xmlNodePtr parent, const char *tag, const char *id, const char *name,
                           const char *label, bool hidden_label)
{
    xmlNodePtr div = elc(parent, "div", "field", NULL);
    xmlNodePtr l = elc(div, "label", hidden_label ? "visually-hidden" : "label", label);
    attr(l, "for", id);
    xmlNodePtr c = el(div, tag, NULL);
    attr(c, "id", id);
    attr(c, "name", name);
    return c;
}

/* "Mark as sent" for a member a letter was written for (by which channel, when several). */
static void mark_form(xmlNodePtr td, web_request *rq, const char *action, const kl_member *m,
                      const char *member_id)
{
    xmlNodePtr f = form_new(td, rq, action, false);
    form_hidden(f, "action", "event");
    form_hidden(f, "event", "sent");
    form_hidden(f, "member", member_id);
    if (kl_member_contact_count(m) > 1) {
        char *cid = fmt("sent-channel-%s", member_id);
        char *cl = fmt("Channel the letter to member %s was sent by", member_id);
        xmlNodePtr sel = labelled(f, "select", cid, "channel", cl, true);
        attr(sel, "class", "select");
        for (size_t k = 0; k < kl_member_contact_count(m); k++) {
            const char *c = kl_channel_name(kl_contact_channel(kl_member_contact_at(m, k)));
            xmlNodePtr o = el(sel, "option", channel_label(c));
            attr(o, "value", c);
        }
        free(cid);
        free(cl);
    }
    xmlNodePtr b = el(f, "button", "Mark as sent");
    attr(b, "type", "submit");
    attr(b, "class", "button button-secondary");
    char *hid = fmt(" (member %s)", member_id);
    text(elc(b, "span", "visually-hidden", NULL), hid);
    free(hid);
}

/* Who was told what, and what to do next: a row a member. */
static void members_table(web_page *p, web_request *rq, const char *action, kl_review *rv,
                          kl_record_status *st)
{
    xmlNodePtr t = elc(p->main, "table", "table", NULL);
    el(t, "caption", "Who was told what, and what to do next");
    xmlNodePtr tr = el(el(t, "thead", NULL), "tr", NULL);
    const char *heads[] = {"Member",         "Status",    "Letters sent", "Reply",
                           "Open questions", "Next step", "Due",          "Mark"};
    for (size_t i = 0; i < 8; i++)
        attr(el(tr, "th", heads[i]), "scope", "col");
    xmlNodePtr tb = el(t, "tbody", NULL);
    for (size_t i = 0; i < kl_record_status_member_count(st); i++) {
        const kl_record_member_status *ms = kl_record_status_member(st, i);
        tr = el(tb, "tr", NULL);
        char *rid = fmt("member-%s", ms->member_id);
        attr(tr, "id", rid);
        free(rid);
        char *who = fmt("%s (%s)", ms->member_id, ms->relationship);
        attr(el(tr, "th", who), "scope", "row");
        free(who);
        el(tr, "td", ms->state);
        char n[32]; /* an unsigned's digits */
        snprintf(n, sizeof n, "%u", ms->letters_sent);
        el(tr, "td", n);
        char *reply = ms->latest_reply[0] ? fmt("%s (%s)", ms->latest_reply, ms->latest_reply_date)
                                          : strdup("");
        el(tr, "td", reply);
        free(reply);
        snprintf(n, sizeof n, "%u", ms->open_questions);
        el(tr, "td", n);
        el(tr, "td", ms->next_step[0] ? ms->next_step : ms->not_informed);
        el(tr, "td", ms->next_due);
        xmlNodePtr td = el(tr, "td", NULL);
        const kl_member *m = kl_review_find_member(rv, ms->member_id);
        if (m && !kl_member_contact_none(m) && strcmp(ms->state, "not-written") &&
            strcmp(ms->state, "failed"))
            mark_form(td, rq, action, m, ms->member_id);
    }
}

static void event_form(web_page *p, web_request *rq, const char *action, kl_review *rv)
{
    el(p->main, "h2", "Record an event");
    xmlNodePtr f = form_new(p->main, rq, action, false);
    form_hidden(f, "action", "event");
    xmlNodePtr sel = labelled(f, "select", "event-member", "member", "Member", false);
    attr(sel, "class", "select");
    member_options(sel, rv, NULL);
    field_select(f, "event", "What happened", NULL, events, "replied", NULL);
    static const char *const chans[] = {"",
                                        "The member's only channel",
                                        "post",
                                        "Post",
                                        "email",
                                        "Email",
                                        "sms",
                                        "Text message",
                                        "via-professional",
                                        "Handed over by a professional",
                                        NULL};
    field_select(f, "channel", "Channel (for sent, returned and bounced)", NULL, chans, "", NULL);
    field_input(f, "date", "date", "Date (optional)", "Today if empty.", "", NULL);
    field_input(f, "textarea", "note", "Note (optional)",
                "Kept in the record. Do not write anyone's contact details here.", "", NULL);
    form_button(f, "Record event", NULL);
}

/* One question, with its answer or a form to answer it. */
static void question(web_page *p, web_request *rq, const char *action, const kl_record_question *q)
{
    xmlNodePtr sec = elc(p->main, "div", "question", NULL);
    char *h = fmt("Question %d, from member %s, asked %s", q->number, q->member_id, q->asked);
    el(sec, "h3", h);
    free(h);
    el(sec, "p", q->text);
    if (q->answered[0]) {
        char *a = fmt("Answered %s: %s", q->answered, q->answer);
        el(sec, "p", a);
        free(a);
        return;
    }
    char *a = fmt("Open for %d days.", q->days_open);
    el(sec, "p", a);
    free(a);
    xmlNodePtr af = form_new(sec, rq, action, false);
    form_hidden(af, "action", "answer");
    char num[16]; /* an int's digits */
    snprintf(num, sizeof num, "%d", q->number);
    form_hidden(af, "question", num);
    char *aid = fmt("answer-%d", q->number);
    char *al = fmt("Answer to question %d", q->number);
    xmlNodePtr ta = labelled(af, "textarea", aid, "text", al, false);
    attr(ta, "class", "textarea");
    attr(ta, "rows", "3");
    free(aid);
    free(al);
    form_button(af, "Save answer", NULL);
}

static void questions_section(web_page *p, web_request *rq, const char *action, kl_review *rv,
                              kl_record_status *st)
{
    el(p->main, "h2", "Questions from the family");
    size_t nq = st ? kl_record_status_question_count(st) : 0;
    if (!nq)
        el(p->main, "p", "No questions are recorded.");
    for (size_t i = 0; i < nq; i++)
        question(p, rq, action, kl_record_status_question(st, i));
    el(p->main, "h3", "Add a question");
    xmlNodePtr qf = form_new(p->main, rq, action, false);
    form_hidden(qf, "action", "question");
    xmlNodePtr sel = labelled(qf, "select", "question-member", "member", "Who asked", false);
    attr(sel, "class", "select");
    member_options(sel, rv, NULL);
    xmlNodePtr ta = labelled(qf, "textarea", "question-text", "text", "The question", false);
    attr(ta, "class", "textarea");
    attr(ta, "rows", "3");
    form_button(qf, "Add question", NULL);
}

static void page_body(web_page *p, web_request *rq, const char *id, kl_review *rv,
                      kl_record_status *st)
{
    char *action = fmt("/reviews/%s/record", id);
    el(p->main, "h2", "Each member");
    if (!st)
        el(p->main, "p",
           "Nothing is recorded yet: generate letters first, or record an event "
           "below.");
    else
        members_table(p, rq, action, rv, st);
    event_form(p, rq, action, rv);
    questions_section(p, rq, action, rv, st);
    char *back = fmt("/reviews/%s", id);
    a_link(el(p->main, "p", NULL), back, "Back to the review");
    free(back);
    free(action);
}

static char *opt(const web_request *rq, const char *name)
{
    const char *v = web_field_get(rq, name);
    return v && *v ? strdup(v) : NULL;
}

/* The library's message for rc (allocated). */
static char *library_problem(kl_context *ctx, int rc)
{
    const kl_diagnostic *d = kl_context_last_error(ctx);
    return strdup(d && d->message ? d->message : kl_strerror(rc));
}

/* An event from the form: a letter sent, a reply, ... Returns NULL, or the problem (allocated)
 * with the field it is about. */
static char *add_event(kl_context *ctx, web_request *rq, kl_record *rec, kl_review *rv,
                       const char *id, const char **field)
{
    char *problem = NULL;
    kl_record_event e = KL_RECORD_EVENT_INIT;
    char *member = opt(rq, "member"), *date = opt(rq, "date");
    char *ev = opt(rq, "event"), *ch = opt(rq, "channel"), *note = opt(rq, "note");
    e.member_id = member;
    e.event = ev;
    e.channel = ch;
    e.date = date;
    e.note = note;
    e.actor = rq->user;
    int rc;
    if (!member || !ev || !kl_record_event_known(ev) || !strcmp(ev, "written") ||
        !strcmp(ev, "failed") || !strcmp(ev, "not-contacted")) {
        problem = strdup("Choose a member and what happened");
        *field = "event";
    } else if ((rc = kl_record_add_events(ctx, rec, rv, &e, 1, NULL)) != 0) {
        problem = library_problem(ctx, rc);
        *field = !problem                     ? NULL
                 : strstr(problem, "channel") ? "channel"
                 : strstr(problem, "date")    ? "date"
                 : strstr(problem, "note")    ? "note"
                                              : "event-member";
    } else {
        ws_audit(rq, ev, id, member);
    }
    free(ev);
    free(ch);
    free(note);
    free(member);
    free(date);
    return problem;
}

/* A question from the family, or its answer. Returns NULL, or the problem (allocated). */
static char *add_question(kl_context *ctx, web_request *rq, kl_record *rec, kl_review *rv,
                          const char *id, bool answer, const char **field)
{
    char *problem = NULL;
    char *member = opt(rq, "member"), *text_v = opt(rq, "text"), *date = opt(rq, "date");
    int rc, number = 0;
    if (!answer) {
        if (!member || !text_v) {
            problem = strdup("Choose who asked and write the question");
            *field = "question-text";
        } else if ((rc = kl_record_question_add(ctx, rec, rv, member, text_v, date, &number))) {
            problem = library_problem(ctx, rc);
            *field = "question-text";
        } else {
            ws_audit(rq, "question-added", id, member);
        }
    } else {
        number = atoi(web_field_str(rq, "question"));
        if (!text_v)
            problem = strdup("Write the answer");
        else if ((rc = kl_record_question_answer(ctx, rec, rv, number, text_v, date)) != 0)
            problem = library_problem(ctx, rc);
        else
            ws_audit(rq, "question-answered", id, NULL);
    }
    free(member);
    free(text_v);
    free(date);
    return problem;
}

/* The form's POST, into the record (opened into *rec). Returns NULL when done, or the
 * problem (allocated) with the field it is about. */
static char *record_post(kl_context *ctx, web_request *rq, const char *path, kl_record **rec,
                         kl_review *rv, const char *id, const char **field)
{
    const char *action = web_field_str(rq, "action");
    int rc = kl_record_open(ctx, path, KL_RECORD_CREATE, rec);
    if (rc)
        return library_problem(ctx, rc);
    if (!strcmp(action, "event"))
        return add_event(ctx, rq, *rec, rv, id, field);
    if (!strcmp(action, "question") || !strcmp(action, "answer"))
        return add_question(ctx, rq, *rec, rv, id, !strcmp(action, "answer"), field);
    return strdup("The form could not be read");
}

void h_record(web_request *rq, web_response *rs, const char *id)
{
    kl_context *ctx = web_srv->ctx;
    web_errors errs = {0}, warns = {0};
    kl_review *rv = ws_review_load(ctx, id, &errs, &warns);
    if (!rv) {
        web_page *p = page_new("Correspondence record");
        for (size_t i = 0; i < errs.n; i++)
            page_error(p, NULL, errs.message[i]);
        el(p->main, "p", "The review must have its family before anything can be recorded.");
        char *back = fmt("/reviews/%s", id);
        a_link(el(p->main, "p", NULL), back, "Back to the review");
        free(back);
        page_respond(p, rs, 200);
        errors_free(&errs);
        errors_free(&warns);
        return;
    }
    char *path = fmt("%s/record.db", web_srv->dir);
    kl_record *rec = NULL;
    char *problem = NULL;
    const char *problem_field = NULL;
    kl_record_status *st = NULL;
    if (rq->post) {
        problem = record_post(ctx, rq, path, &rec, rv, id, &problem_field);
        if (!problem) {
            redirect_review(rs, id, "record");
            goto done;
        }
    } else if (kl_record_open(ctx, path, 0, &rec) != 0) {
        rec = NULL;
    }
    if (rec && kl_record_status_get(ctx, rec, rv, NULL, 0, &st) != 0)
        st = NULL;
    web_page *p = page_new("Correspondence record");
    if (problem)
        page_error(p, problem_field, problem);
    page_body(p, rq, id, rv, st);
    page_respond(p, rs, problem ? 400 : 200);
done:
    free(problem);
    kl_record_status_free(st);
    kl_record_close(rec);
    kl_review_free(rv);
    free(path);
    errors_free(&errs);
    errors_free(&warns);
}
