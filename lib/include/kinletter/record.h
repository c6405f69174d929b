/* SPDX-License-Identifier: MIT */
/* kinletter/record.h: the correspondence record: who was told what and when, replies,
 * follow-ups due and the family's questions (docs/RECORD.md). */
#ifndef KINLETTER_RECORD_H
#define KINLETTER_RECORD_H

#include "common.h"
#include "review.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The schema version this library writes; an older record is migrated when opened. */
#define KL_RECORD_SCHEMA_VERSION 2

/** An open record database (SQLite, WAL). Opaque. One per thread. */
typedef struct kl_record kl_record;

/** kl_record_open() flag: create the file (mode 0600) when it does not exist. */
#define KL_RECORD_CREATE 1u

/**
 * Open a record database, migrating an older schema to
 * KL_RECORD_SCHEMA_VERSION in one transaction. Several processes may have
 * the same record open: writers take turns (a busy timeout of 10 seconds).
 *
 * @param ctx the context.
 * @param path the database file (the CLI uses DIR/record.db).
 * @param flags KL_RECORD_CREATE, or 0 to refuse a missing file (KL_ENOTFOUND).
 * @param out receives the record; close it with kl_record_close().
 * @return 0, KL_ENOTFOUND, KL_EIO (cannot be opened or created), KL_EFORMAT
 *         (not a record, or written by a newer kinletter), KL_EBUSY (locked
 *         by another writer past the timeout), KL_EBACKEND, KL_EINVAL, KL_ENOMEM.
 */
KL_API int kl_record_open(kl_context *ctx, const char *path, unsigned flags, kl_record **out);

/** Close a record. NULL is allowed. */
KL_API void kl_record_close(kl_record *rec);

/** The schema version of the open record (KL_RECORD_SCHEMA_VERSION once opened). */
KL_API int kl_record_schema_version(const kl_record *rec);

/**
 * One event of the log. Initialise with KL_RECORD_EVENT_INIT. Strings are
 * copied; NULL means "not applicable" (stored as "").
 *
 * Event names (`event`): what generate records, "written" (file, sha256,
 * pages), "failed" and "not-contacted" (note: the reason), "password-issued"
 * (file: the password's file; never the password; no change of state); what a
 * coordinator records, "sent" (channel), "returned" (post came back),
 * "bounced" (email), "replied", "wants-to-take-part", "declined", "met",
 * "phoned", "withdrew". Questions and answers are recorded with
 * kl_record_question_add() and kl_record_question_answer().
 */
typedef struct kl_record_event {
    unsigned version; /**< KL_RECORD_EVENT_VERSION */
    const char *member_id;
    const char *event;   /**< one of the names above */
    const char *channel; /**< post, email, sms, via-professional; required for sent,
                              returned, bounced when the member has more than one */
    const char *date;    /**< the day it happened, YYYY-MM-DD, never after today; NULL =
                              today (written, failed, not-contacted: the review's
                              dates@letter when that is not after today) */
    const char *letter;  /**< the template ("notification"); NULL: for written/failed
                              "notification", for sent the member's latest letter written */
    const char *file;    /**< written: the file name in the batch directory */
    const char *sha256;  /**< written: 64 hex digits */
    unsigned pages;      /**< written: PDF pages (0 for text) */
    const char *note;    /**< free text kept with the event (checked for disclosure) */
    const char *actor;   /**< who records it; NULL = the OS user name */
} kl_record_event;

#define KL_RECORD_EVENT_VERSION 1
#define KL_RECORD_EVENT_INIT                                                                       \
    {                                                                                              \
        KL_RECORD_EVENT_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL           \
    }

/**
 * Append events for members of a review, all in one transaction: all are
 * recorded or none. Each member must be in the review; dates must be real
 * days not after today; a channel must be one of the member's contacts; a
 * note must hold no other member's contact details (the disclosure check,
 * the member as reader). Errors name the event's position, member and field,
 * never the text.
 *
 * @param ctx the context.
 * @param rec the record.
 * @param review the review the events belong to (its id is recorded).
 * @param events n events.
 * @param first_id receives the id of the first event appended, or NULL.
 * @return 0, KL_EINVAL (an unknown event name, a bad date or channel: the
 *         error says which), KL_ENOTFOUND (no such member), KL_EDATA (a note
 *         fails the disclosure check), KL_EBUSY, KL_EIO, KL_ENOMEM.
 */
KL_API int kl_record_add_events(kl_context *ctx, kl_record *rec, const kl_review *review,
                                const kl_record_event *events, size_t n, long long *first_id);

/** 1 if name is an event kl_record_add_events() accepts, else 0. */
KL_API int kl_record_event_known(const char *name);

/**
 * Record a family member's question, with who recorded it and when.
 * The text must hold no other member's contact details (refused with
 * KL_EDATA and a message naming whose detail and which kind, never the text).
 *
 * @param date the day it was asked (YYYY-MM-DD), NULL = today.
 * @param number receives the question's number in this review (1, 2, ...), or NULL.
 * @return 0, KL_ENOTFOUND (member), KL_EINVAL (date), KL_EDATA, KL_EBUSY, KL_EIO, KL_ENOMEM.
 */
KL_API int kl_record_question_add(kl_context *ctx, kl_record *rec, const kl_review *review,
                                  const char *member_id, const char *text, const char *date,
                                  int *number);

/**
 * Record the answer to question `number` of this review. A later answer
 * supersedes an earlier one (both stay in the log).
 *
 * @return 0, KL_ENOTFOUND (no such question), KL_EINVAL, KL_EDATA, KL_EBUSY, KL_EIO, KL_ENOMEM.
 */
KL_API int kl_record_question_answer(kl_context *ctx, kl_record *rec, const kl_review *review,
                                     int number, const char *text, const char *date);

/** One question, as kl_record_questions() lists them. Borrowed strings. */
typedef struct kl_record_question {
    int number;
    const char *member_id;
    const char *asked;    /**< YYYY-MM-DD */
    const char *asked_by; /**< the actor who recorded it */
    const char *text;
    const char *answered; /**< YYYY-MM-DD, or "" when open */
    const char *answer;   /**< "" when open */
    int days_open;        /**< days from asked to answered, or to today when open */
} kl_record_question;

/** A review's status, computed from the log. Opaque. */
typedef struct kl_record_status kl_record_status;

/** One member's line of the status. Borrowed strings; "" when nothing. */
typedef struct kl_record_member_status {
    const char *member_id;
    const char *relationship;
    const char *state;        /**< the latest state: not-written, failed, not-contacted,
                                   written, sent, returned, bounced, phoned, replied,
                                   wants-to-take-part, met, declined, withdrew */
    unsigned letters_written; /**< distinct letters (templates) written */
    unsigned letters_sent;    /**< sent events */
    const char *first_sent;   /**< date of the first letter sent, or "" */
    int days_to_first_sent;   /**< from dates@decided to first_sent, -1 if none */
    const char *latest_reply; /**< replied, wants-to-take-part, declined, met, withdrew, or "" */
    const char *latest_reply_date;
    unsigned open_questions;
    int oldest_open_days;     /**< days the oldest open question has waited, -1 if none */
    const char *next_step;    /**< what to do next, one sentence, or "" */
    const char *next_due;     /**< when (YYYY-MM-DD), or "" */
    const char *not_informed; /**< why the member has not been sent a letter, or "" */
} kl_record_member_status;

/**
 * The status of a review on a given day.
 *
 * @param today YYYY-MM-DD, NULL = today.
 * @param reply_wait_days days to wait for a reply before the next step is
 *        due; 0 = the review's setting (`<follow-up reply-wait-days>`), else 14.
 * @return 0, KL_EINVAL, KL_EBACKEND, KL_ENOMEM.
 */
KL_API int kl_record_status_get(kl_context *ctx, kl_record *rec, const kl_review *review,
                                const char *today, int reply_wait_days, kl_record_status **out);
/** Free a status. NULL is allowed. */
KL_API void kl_record_status_free(kl_record_status *st);
/** Number of members (the review's, in its order). */
KL_API size_t kl_record_status_member_count(const kl_record_status *st);
/** Member i's status, or NULL. Borrowed from the status. */
KL_API const kl_record_member_status *kl_record_status_member(const kl_record_status *st, size_t i);
/** Number of questions of the review, answered or not. */
KL_API size_t kl_record_status_question_count(const kl_record_status *st);
/** Question i (by number), or NULL. Borrowed from the status. */
KL_API const kl_record_question *kl_record_status_question(const kl_record_status *st, size_t i);

/** Output formats of kl_record_status_format(). */
typedef enum kl_record_format {
    KL_RECORD_TEXT = 0, /**< for a person: a table and the review's figures */
    KL_RECORD_JSON = 1, /**< one object: review, members, questions, figures */
    KL_RECORD_CSV = 2   /**< one row per member; cells safe to open in a spreadsheet */
} kl_record_format;

/** The status written out; the caller frees *out with kl_free(). 0 or KL_ENOMEM. */
KL_API int kl_record_status_format(kl_context *ctx, const kl_record_status *st,
                                   kl_record_format format, char **out);

#ifdef __cplusplus
}
#endif

#endif
