/* SPDX-License-Identifier: MIT */
/* kinletter/send.h: the prepared email drafts (mNN-email.eml) submitted through the
 * partnership's own SMTP server (docs/SECURITY.md). */
#ifndef KINLETTER_SEND_H
#define KINLETTER_SEND_H

#include "common.h"
#include "record.h"
#include "review.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Options for kl_send_batch(). Initialise with KL_SEND_OPTIONS_INIT. */
typedef struct kl_send_options {
    unsigned version; /**< KL_SEND_OPTIONS_VERSION */
    /** The server: "smtp://HOST[:PORT]" (STARTTLS, required unless HOST is
     * loopback: localhost, 127.0.0.0/8 or ::1, where it is used when offered)
     * or "smtps://HOST[:PORT]" (TLS from the start). Ports default to 587 and
     * 465. The server's certificate is always verified. */
    const char *url;
    /** AUTH user name and password; NULL: no AUTH. Borrowed for the call. */
    const char *username;
    const char *password;
    /** A PEM file of certificate authorities to trust for the server (a
     * partnership's own CA); NULL: the system's. There is no way to turn
     * verification off. */
    const char *ca_file;
    /** The output directory generate wrote to; the drafts are in
     * DIR/<review id>/<template>/. NULL = "letters". */
    const char *output_dir;
    /** The template (a bundled template's name, "notification" by default). */
    const char *template_name;
    /** 1: only say what would be sent: no connection is made, nothing is recorded. */
    int dry_run;
    /** The correspondence record: each message the server accepts is recorded
     * there at once as a "sent" event (channel email, the draft's file and
     * SHA-256, the server's reply as the note), and a draft already recorded
     * as sent (same SHA-256) is not sent again. NULL: neither. */
    kl_record *record;
    /** Seconds to wait for the server at each step; 0 = 60. */
    long timeout;
} kl_send_options;

#define KL_SEND_OPTIONS_VERSION 1
#define KL_SEND_OPTIONS_INIT                                                                       \
    {                                                                                              \
        KL_SEND_OPTIONS_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, 0                    \
    }

/** What happened to one member's draft. */
typedef enum kl_send_status {
    KL_SEND_SENT = 0,         /**< the server accepted it */
    KL_SEND_WOULD_SEND = 1,   /**< dry run: it would be sent */
    KL_SEND_ALREADY_SENT = 2, /**< the record says this draft was sent: not sent again */
    KL_SEND_REFUSED = 3,      /**< the server refused it (reply says why); the others go on */
    KL_SEND_NOT_SENT = 4      /**< not tried: the connection was lost, or the draft is
                                   missing or does not match the review (reason says) */
} kl_send_status;

/** One email member's line. Strings are borrowed from the result. */
typedef struct kl_send_item {
    const char *member_id;
    const char *to;     /**< the member's address (from the review) */
    const char *file;   /**< the draft, "m03-email.eml" */
    const char *sha256; /**< of the draft, or "" when it is missing */
    kl_send_status status;
    /** The server's last reply ("250 2.0.0 Ok: queued as 4F2C"), any address in it
     * replaced by "<address>"; or why nothing was sent. */
    const char *reply;
} kl_send_item;

/** The outcome of kl_send_batch(). Opaque. */
typedef struct kl_send_result kl_send_result;

/**
 * Submit every email member's prepared draft (`<id>-email.eml`, written by
 * kl_batch_generate()) through an SMTP server with libcurl, one message per
 * member, in member order, to the member's address in the review (the
 * draft's To must be that address and name no other recipient, or it is not
 * sent); the envelope sender is the draft's From (the review's contact).
 * The message is the draft's bytes as they are.
 *
 * A message the server refuses (a 4xx or 5xx reply) is KL_SEND_REFUSED and
 * the rest go on; when the connection is lost or cannot be made (or TLS
 * cannot be had), the batch stops: the members not yet tried are
 * KL_SEND_NOT_SENT and the function returns KL_EIO with *out set.
 *
 * @return 0 when every draft was tried (see each item), KL_EIO (connection
 *         lost or refused, TLS or authentication failed; *out set),
 *         KL_EINVAL (the URL is not smtp:// or smtps:// with a host, or
 *         holds a user, password, path or query), KL_ENOTFOUND (no batch
 *         directory), the record's errors (a sent message could not be
 *         recorded: the batch stops, *out set), KL_EBACKEND, KL_ENOMEM.
 *         Messages name members by id and never quote an address.
 */
KL_API int kl_send_batch(kl_context *ctx, const kl_review *review, const kl_send_options *opts,
                         kl_send_result **out);

/** Free a result. NULL is allowed. */
KL_API void kl_send_result_free(kl_send_result *result);
/** Number of items (one per email member of the review). */
KL_API size_t kl_send_result_count(const kl_send_result *result);
/** Item i, or NULL. Borrowed. */
KL_API const kl_send_item *kl_send_result_item(const kl_send_result *result, size_t i);
/** "sent", "would-send", "already-sent", "refused", "not-sent". Static. */
KL_API const char *kl_send_status_name(kl_send_status status);

#ifdef __cplusplus
}
#endif

#endif
